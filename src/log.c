/* SPDX-License-Identifier: MIT */
/*
 * log.c - the machine's log: every report and warning goes through the
 * machine's sink (standard error by default), one whole message per sink
 * call group under log_lock, so messages from threads never interleave.
 */
#include "log.h"
#include "platform/platform.h"

static void default_sink(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	kmm_os_log(text, len);
}

void kmm_log_begin(struct kmm_machine *m, struct kmm_out *o)
{
	kmm_spin_lock(&m->log_lock);
	kmm_out_init(o, m->log_sink ? m->log_sink : default_sink, m->log_ctx);
}

void kmm_log_end(struct kmm_machine *m, struct kmm_out *o)
{
	kmm_out_flush(o);
	kmm_spin_unlock(&m->log_lock);
}

void kmm_log(struct kmm_machine *m, const char *fmt, ...)
{
	struct kmm_out o;
	va_list ap;

	kmm_log_begin(m, &o);
	va_start(ap, fmt);
	kmm_out_vprintf(&o, fmt, ap);
	va_end(ap);
	kmm_log_end(m, &o);
}

void kmm_log_maybe_fatal(struct kmm_machine *m)
{
	if (m->reports_fatal)
		kmm_os_abort();
}
