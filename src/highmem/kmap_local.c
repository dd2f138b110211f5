/* SPDX-License-Identifier: MIT */
/*
 * highmem/kmap_local.c - kmap_local_page / kunmap_local and kmap_atomic /
 * kunmap_atomic: short-lived per-CPU mappings (Linux's fixmap KM slots,
 * mm/highmem.c __kmap_local_pfn_prot / kunmap_local_indexed).
 *
 * Each CPU has KM_MAX_IDX page slots in the fixmap window. kmap_local
 * owns the CPU first (get_cpu: in the kernel, migrate_disable and, for
 * kmap_atomic, preempt_disable; kmm's get_cpu is both), then, for a
 * highmem page, maps it in the CPU's next slot (ctrl[cpu].idx++). The
 * mappings of a CPU nest strictly: kunmap_local must be given the address
 * of the most recent one still mapped; then the slot is unmapped (its PTE
 * cleared, returned to the reservation) and the CPU given back. A lowmem
 * page is its direct address and takes no slot, but still owns the CPU
 * until its kunmap_local, as in the kernel.
 *
 * Invariants: 0 <= ctrl[c].idx <= KM_MAX_IDX; slot i < idx of CPU c maps
 * ctrl[c].pfn[i]; slots at or above idx map nothing; only the thread that
 * owns CPU c (get_cpu) touches ctrl[c].
 *
 * Misuse, reported, nothing changed: an unmap out of order (the kernel's
 * WARN_ON_ONCE(addr != __fix_to_virt(FIX_KMAP_BEGIN + idx)) in
 * kunmap_local_indexed, after which Linux unmaps the top slot anyway), an
 * unmap on a thread holding no kmap_local, more than KM_MAX_IDX nested
 * maps (Linux BUGs), an address that is no kmap_local address.
 */
#include "highmem/highmem.h"
#include "lib/lockdep.h"
#include "page/internal.h"
#include "platform/platform.h"
#include "smp/cpu.h"

#include <kmm/highmem.h>
#include <kmm/percpu.h>

static inline char *fixmap_slot(const struct kmm_machine *m, int cpu, int idx)
{
	return m->highmem->fixmap_base + ((size_t)(cpu * KM_MAX_IDX + idx) << m->page_shift);
}

void *kmm_kmap_local_page(kmm_machine *m, struct page *page)
{
	struct kmm_highmem *h;
	struct kmap_ctrl *c;
	unsigned long pfn;
	int cpu;
	char *at;

	if (unlikely(!m || !page_in_machine(m, page))) {
		if (m)
			kmm_report_bad_call(m, "kmap_local_page: %p is not a page of this machine",
					    (void *)page);
		return NULL;
	}
	h = m->highmem;
	pfn = page_to_pfn(m, page);
	cpu = kmm_get_cpu(m);
	if (!pfn_is_highmem(m, pfn) || !h->remap)
		return pfn_to_phys_virt(m, pfn);
	c = &h->ctrl[cpu];
	if (c->idx >= KM_MAX_IDX) {
		/*
		 * The CPU stays owned by the KM_MAX_IDX mappings: no report
		 * now (log_lock ranks before get_cpu); the kunmap_local that
		 * gives the CPU back writes it.
		 */
		if (!c->bad)
			c->bad = 3, c->bad_addr = page, c->bad_expected = NULL;
		kmm_put_cpu(m);
		return NULL;
	}
	at = fixmap_slot(m, cpu, c->idx);
	if (kmm_os_phys_map_fixed(m->phys_handle, (uint64_t)pfn << m->page_shift, m->page_size,
				  at)) {
		kmm_put_cpu(m);
		kmm_report_bad_call(m, "kmap_local_page: the host refused to map pfn %#lx", pfn);
		return NULL;
	}
	c->pfn[c->idx] = (uint32_t)pfn;
	__atomic_store_n(&c->idx, c->idx + 1, __ATOMIC_RELAXED);
	return at;
}

void *kmm_kmap_atomic(kmm_machine *m, struct page *page)
{
	return kmm_kmap_local_page(m, page);
}

/*
 * A report cannot be written while the CPU is owned (log_lock ranks before
 * the get_cpu lock, docs/architecture.md): a misuse seen then is kept in
 * the CPU's ctrl and written by the kunmap_local that gives the CPU back.
 */
static void report_bad(struct kmm_machine *m, int cpu, int bad, const void *addr,
		       const void *expected)
{
	char comm[16];

	if (bad == 3) {
		kmm_report_bad_call(
			m,
			"kmap_local_page: %p: CPU %d already holds %d kmap_local mappings "
			"(KM_MAX_IDX)",
			addr, cpu, KM_MAX_IDX);
		return;
	}
	if (bad == 2) {
		kmm_report_bad_call(m, "kunmap_local: %p is not a kmap_local address", addr);
		return;
	}
	kmm_os_task_name(comm, sizeof(comm));
	kmm_log(m, "WARNING: CPU: %d PID: %s at %s:%d kunmap_local_indexed\n", cpu, comm,
		kmm_short_file(__FILE__), __LINE__);
	kmm_report_bad_call(m,
			    "kunmap_local: %p is not the last kmap_local of CPU %d (expected %p): "
			    "mappings must be released in reverse order",
			    addr, cpu, expected);
}

void kmm_kunmap_local(kmm_machine *m, const void *addr)
{
	struct kmm_highmem *h;
	struct kmap_ctrl *c;
	uintptr_t a = (uintptr_t)addr & ~(uintptr_t)(m ? m->page_size - 1 : 0);
	uintptr_t fix, fix_end;
	int cpu, bad = 0;
	const void *bad_addr = NULL, *bad_expected = NULL;

	if (!m)
		return;
	h = m->highmem;
	cpu = preempt_held_cpu(m);
	if (cpu < 0) {
		kmm_report_bad_call(m, "kunmap_local: %p: this thread holds no kmap_local mapping",
				    addr);
		return;
	}
	c = &h->ctrl[cpu];
	/* a lowmem page (or the flat fallback): no slot, just the CPU */
	if ((uintptr_t)addr - (uintptr_t)m->phys >= (m->direct_pfns << m->page_shift)) {
		fix = h->remap ? (uintptr_t)h->fixmap_base : 0;
		fix_end = fix + ((uintptr_t)m->nr_cpus * KM_MAX_IDX << m->page_shift);
		if (!h->remap || a < fix || a >= fix_end) {
			c->bad = 2, c->bad_addr = addr, c->bad_expected = NULL;
			return;
		}
		if (c->idx == 0 || a != (uintptr_t)fixmap_slot(m, cpu, c->idx - 1)) {
			c->bad = 1, c->bad_addr = addr;
			c->bad_expected = c->idx ? fixmap_slot(m, cpu, c->idx - 1) : NULL;
			return;
		}
		__atomic_store_n(&c->idx, c->idx - 1, __ATOMIC_RELAXED);
		c->pfn[c->idx] = KMM_NIL_PFN;
		kmm_os_unmap_fixed((void *)a, m->page_size);
	}
	bad = c->bad;
	bad_addr = c->bad_addr;
	bad_expected = c->bad_expected;
	c->bad = 0;
	kmm_put_cpu(m);
	if (!bad)
		return;
	if (preempt_held_cpu(m) == cpu) /* still owned (nested): keep it for later */
		c->bad = bad, c->bad_addr = bad_addr, c->bad_expected = bad_expected;
	else
		report_bad(m, cpu, bad, bad_addr, bad_expected);
}

void kmm_kunmap_atomic(kmm_machine *m, const void *addr)
{
	kmm_kunmap_local(m, addr);
}

int kmap_local_check(struct kmm_machine *m)
{
	struct kmm_highmem *h = m->highmem;
	int problems = 0;

	for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
		int idx = __atomic_load_n(&h->ctrl[cpu].idx, __ATOMIC_RELAXED);

		if (idx < 0 || idx > KM_MAX_IDX) {
			kmm_log(m, "kmm_check: kmap_local: CPU %d has %d slots in use\n", cpu, idx);
			problems++;
		}
	}
	return problems;
}
