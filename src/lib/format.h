/* SPDX-License-Identifier: MIT */
/*
 * lib/format.h - printf-style formatting without libc or allocation.
 *
 * kmm_vsnprintf understands the conversions the kernel's reports use:
 * %d %i %u %x %X %o %c %s %p %% with the flags '-', '0', '#', '+', ' ',
 * a width and a precision (both may be '*'), and the length modifiers
 * hh h l ll z t j. It returns the length the full output would have, like
 * C99 snprintf, and always terminates a non-empty buffer.
 *
 * kmm_out is a small output helper: text is collected in a buffer and
 * flushed to a sink (kmm_sink_fn) when full and at kmm_out_flush.
 */
#ifndef KMM_LIB_FORMAT_H
#define KMM_LIB_FORMAT_H

#include <stdarg.h>

#include "lib/compiler.h"
#include <kmm/kmm.h>

int kmm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int kmm_snprintf(char *buf, size_t size, const char *fmt, ...) KMM_PRINTF(3, 4);
/* Write an error message into a caller's buffer (either may be NULL/0). */
void kmm_set_error(char *err, size_t len, const char *fmt, ...) KMM_PRINTF(3, 4);

struct kmm_out {
	kmm_sink_fn sink;
	void *ctx;
	size_t len;
	char buf[1024];
};

static inline void kmm_out_init(struct kmm_out *o, kmm_sink_fn sink, void *ctx)
{
	o->sink = sink;
	o->ctx = ctx;
	o->len = 0;
}

void kmm_out_flush(struct kmm_out *o);
void kmm_out_write(struct kmm_out *o, const char *text, size_t len);
void kmm_out_printf(struct kmm_out *o, const char *fmt, ...) KMM_PRINTF(2, 3);
void kmm_out_vprintf(struct kmm_out *o, const char *fmt, va_list ap);

#endif /* KMM_LIB_FORMAT_H */
