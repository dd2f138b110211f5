/* SPDX-License-Identifier: MIT */
/*
 * tests/headers/coexist.c - compiled (not run) by cmake/check_headers.cmake:
 * a translation unit with its own kernel-style headers and kmm's instance
 * API. KMM_FIRST puts kmm's headers first; WITH_LINUX_NAMES leaves out
 * KMM_NO_LINUX_NAMES, which must then fail to compile (the check expects
 * it to), proving the macro is what makes the two coexist.
 */
#ifndef WITH_LINUX_NAMES
#define KMM_NO_LINUX_NAMES
#endif

#ifdef KMM_FIRST
#include <kmm/kmm.h>
#include <kmm/percpu.h>
#include <kmm/slab.h>
#include <linux/slab.h>
#else
#include <linux/slab.h>
#include <kmm/kmm.h>
#include <kmm/percpu.h>
#include <kmm/slab.h>
#endif

_Static_assert(sizeof(gfp_t) == sizeof(unsigned long), "the program's own gfp_t");
_Static_assert(GFP_KERNEL == 0x1, "the program's own GFP_KERNEL");

struct kmem_cache *make(kmm_machine *m);
struct kmem_cache *make(kmm_machine *m)
{
	struct kmm_kmem_cache_args args = { .align = 64 };
	struct kmem_cache_args theirs = { .align = 8 };
	void *p = kmm_kmalloc(m, 10, KMM_GFP_KERNEL | KMM_GFP_ZERO);

	kmm_kfree(m, p);
	(void)theirs;
	return kmm_kmem_cache_create_args(m, "coexist", 100, &args, KMM_SLAB_HWCACHE_ALIGN);
}
