/* SPDX-License-Identifier: MIT */
/*
 * lib/bug.c - the reports of KMM_BUG_ON, KMM_WARN_ON and VM_BUG_ON_PAGE
 * (lib/bug.h), in the kernel's words.
 *
 * An assertion can fire anywhere, with a zone lock held or in the middle of
 * another report, so the report does not wait for log_lock: it tries it a
 * few times (to keep a report from another thread whole) and writes through
 * the machine's sink either way. A machine pointer that is not (yet) a
 * machine sends the report to the host console. Built only with
 * KMM_DEBUG_CHECKS: the macros compile to nothing otherwise.
 */
#include "lib/bug.h"
#include "log.h"
#include "page/internal.h"
#include "platform/platform.h"
#include "smp/cpu.h"

#if KMM_DEBUG_CHECKS /* nothing calls these otherwise */

static void console_sink(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	kmm_os_log(text, len);
}

static bool bug_log_begin(struct kmm_machine *m, struct kmm_out *o)
{
	bool locked = false;

	if (!m || m->magic != KMM_MACHINE_MAGIC) {
		kmm_out_init(o, console_sink, NULL);
		return false;
	}
	for (int i = 0; i < 1000 && !locked; i++)
		locked = __kmm_spin_trylock_raw(&m->log_lock);
	kmm_out_init(o, m->log_sink ? m->log_sink : console_sink, m->log_sink ? m->log_ctx : NULL);
	return locked;
}

static void bug_log_end(struct kmm_machine *m, struct kmm_out *o, bool locked)
{
	kmm_out_flush(o);
	if (locked)
		__atomic_store_n(&m->log_lock.locked, 0, __ATOMIC_RELEASE);
}

static void print_context(struct kmm_out *o, struct kmm_machine *m)
{
	char comm[32];

	kmm_os_task_name(comm, sizeof(comm));
	kmm_out_printf(o, "CPU: %d Comm: %s\n",
		       m && m->magic == KMM_MACHINE_MAGIC ? kmm_this_cpu(m) : 0, comm);
}

void kmm_bug(struct kmm_machine *m, const char *file, int line, const char *cond)
{
	struct kmm_out o;
	bool locked = bug_log_begin(m, &o);

	kmm_out_printf(&o, "------------[ cut here ]------------\n");
	kmm_out_printf(&o, "kernel BUG at %s:%d!\n", kmm_short_file(file), line);
	kmm_out_printf(&o, "BUG_ON(%s)\n", cond);
	print_context(&o, m);
	bug_log_end(m, &o, locked);
	kmm_os_abort();
}

void kmm_bug_page(struct kmm_machine *m, const struct page *page, const char *file, int line,
		  const char *cond)
{
	struct kmm_out o;
	bool locked = bug_log_begin(m, &o);

	if (m && m->magic == KMM_MACHINE_MAGIC && page_in_machine(m, page))
		dump_page(m, &o, page, cond);
	kmm_out_printf(&o, "------------[ cut here ]------------\n");
	kmm_out_printf(&o, "kernel BUG at %s:%d!\n", kmm_short_file(file), line);
	kmm_out_printf(&o, "VM_BUG_ON_PAGE(%s)\n", cond);
	print_context(&o, m);
	bug_log_end(m, &o, locked);
	kmm_os_abort();
}

void kmm_warn(struct kmm_machine *m, const char *file, int line, const char *cond)
{
	struct kmm_out o;
	char comm[32];
	bool locked = bug_log_begin(m, &o);

	kmm_os_task_name(comm, sizeof(comm));
	kmm_out_printf(&o, "------------[ cut here ]------------\n");
	kmm_out_printf(&o, "WARNING: CPU: %d PID: %s at %s:%d\n",
		       m && m->magic == KMM_MACHINE_MAGIC ? kmm_this_cpu(m) : 0, comm,
		       kmm_short_file(file), line);
	kmm_out_printf(&o, "WARN_ON(%s)\n", cond);
	kmm_out_printf(&o, "---[ end trace ]---\n");
	bug_log_end(m, &o, locked);
}

#endif /* KMM_DEBUG_CHECKS */
