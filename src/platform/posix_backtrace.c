/* SPDX-License-Identifier: MIT */
/*
 * platform/posix_backtrace.c - kmm_os_stack_trace: the caller's return
 * addresses, for the slab layer's user tracking (SLAB_STORE_USER) and its
 * stack depot (lib/stackdepot.c).
 *
 * The choice: the frames are walked with the compiler runtime's DWARF
 * unwinder, _Unwind_Backtrace (libgcc_s, linked directly: gcc and clang
 * both link it for a program or library that refers to it), not with
 * glibc's backtrace(). backtrace() dlopens libgcc_s on its first call, and
 * dlopen calls malloc - which under LD_PRELOAD=libkmm-malloc.so is kmm's
 * own, reached from inside a kmm allocation. Linking the unwinder needs no
 * load at run time, no constructor and no first-use state of ours.
 * Frame pointers would be cheaper but are omitted by default (-O2), so a
 * walk of them would stop or wander in the C library and most programs.
 *
 * What the unwinder does on a lookup, and why that is safe here:
 *  - it allocates nothing: the FDE of a return address is found through
 *    glibc's _dl_find_object (glibc 2.35+, lock-free and async-signal-safe)
 *    or, on older hosts, dl_iterate_phdr (the loader's recursive lock, held
 *    briefly, with no allocation inside). The one exception is a process
 *    that registered unwind tables itself with __register_frame_info (a
 *    JIT): libgcc sorts those with malloc, under its own mutex, on the
 *    first lookup after a registration; slab_debug=U with a JIT under
 *    libkmm-malloc is not supported;
 *  - there is no lock of ours: each call walks its own stack into the
 *    caller's array. A kmm spinlock held by the caller is never taken by
 *    the unwinder, and the loader's lock is never held while it calls out.
 * libgcc's first call initialises a register-size table under
 * pthread_once; nothing else is remembered between calls.
 *
 * addrs[0] is the return address into the function that called
 * kmm_os_stack_trace (the unwinder's first frame, this function's own, is
 * dropped), so skip counts the caller's frames.
 */
#define _GNU_SOURCE
#include "platform/platform.h"

#include <unwind.h>

struct stack_walk {
	uintptr_t *addrs;
	size_t max;
	size_t skip;
	size_t nr;
};

static _Unwind_Reason_Code stack_walk_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct stack_walk *w = arg;
	uintptr_t ip = (uintptr_t)_Unwind_GetIP(ctx);

	if (!ip)
		return _URC_END_OF_STACK;
	if (w->skip) {
		w->skip--;
		return _URC_NO_REASON;
	}
	w->addrs[w->nr++] = ip;
	return w->nr == w->max ? _URC_END_OF_STACK : _URC_NO_REASON;
}

__attribute__((noinline)) size_t kmm_os_stack_trace(uintptr_t *addrs, size_t max, size_t skip)
{
	struct stack_walk w = { .addrs = addrs, .max = max, .skip = skip + 1, .nr = 0 };

	if (!max)
		return 0;
	_Unwind_Backtrace(stack_walk_frame, &w);
	return w.nr;
}
