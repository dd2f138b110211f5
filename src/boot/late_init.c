/* SPDX-License-Identifier: MIT */
/*
 * boot/late_init.c - the layers that start after the buddy allocator works,
 * in order (as mm_core_init calls them after memblock_free_all). Each init
 * may allocate pages and install its hooks in struct kmm_machine. A layer
 * adds exactly one line to the table.
 */
#include "boot/late_init.h"
#include "slab/slab.h"
#include "smp/cpu.h"

static int (*const late_inits[])(struct kmm_machine *m) = {
	smp_init,	 /* per-CPU areas, get_cpu locks, per-CPU page lists (smp/cpu.c) */
	kmem_cache_init, /* the slab allocator and the kmalloc caches (slab/cache.c) */
	NULL,
};

int kmm_late_init(struct kmm_machine *m, char *err, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(late_inits); i++) {
		int ret;

		if (!late_inits[i])
			continue;
		ret = late_inits[i](m);
		if (ret) {
			if (err && len)
				kmm_snprintf(err, len,
					     "a memory-management layer failed to start (%d)", ret);
			return ret;
		}
	}
	return KMM_OK;
}
