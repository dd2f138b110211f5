/* SPDX-License-Identifier: MIT */
/*
 * tests/headers/kernel/linux/slab.h - the hobby kernel's slab header: its
 * own slab_flags_t, SLAB_ flags, ZERO_SIZE_PTR and struct kmem_cache_args
 * (as the kernel's tools/include/linux/slab.h has one since 6.12).
 */
#ifndef HOBBY_LINUX_SLAB_H
#define HOBBY_LINUX_SLAB_H

#include "gfp.h"

typedef unsigned long slab_flags_t;

#define SLAB_HWCACHE_ALIGN 0x1
#define SLAB_PANIC 0x2
#define SLAB_TYPESAFE_BY_RCU 0x4
#define ZERO_SIZE_PTR ((void *)16)

struct kmem_cache_args {
	unsigned int align;
	unsigned int sheaf_capacity;
	void (*ctor)(void *);
};

struct kmem_cache;
void *kmem_cache_alloc(struct kmem_cache *cachep, int flags);

#endif
