/* SPDX-License-Identifier: MIT */
/*
 * report/slabinfo.c - /proc/slabinfo, version 2.1, in the kernel's exact
 * format (mm/slab_common.c: print_slabinfo_header, cache_show): the two
 * header lines, then one row per cache, newest cache first, kmalloc caches
 * included. The tunables are the per-CPU array's limit and batchcount
 * (SLAB's meaning; 0 for debug caches, which have no arrays) and a shared
 * factor of 0 (kmm has no shared per-node array); sharedavail is 0.
 *
 * Caches are read a few at a time under the cache list's lock and printed
 * after it is dropped, so a slow sink never holds up the slab layer; a
 * cache created or destroyed during the walk may be missed or shown twice,
 * as with a seq_file read of the real file.
 */
#include "report/report.h"
#include "slab/slab.h"

#define SLABINFO_CHUNK 8

void report_slabinfo(struct kmm_machine *m, struct kmm_out *o)
{
	struct kmm_slab *ss = m->slab;
	struct kmm_slab_info info[SLABINFO_CHUNK];
	int pos = 0;

	kmm_out_printf(o, "slabinfo - version: 2.1\n");
	kmm_out_printf(o, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
			  "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
			  "slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	if (!ss)
		return;
	for (;;) {
		struct kmem_cache *s;
		int i = 0, n = 0;

		kmm_spin_lock(&ss->slab_mutex);
		for (s = ss->caches; s && i < pos; s = s->next)
			i++;
		for (; s && n < SLABINFO_CHUNK; s = s->next)
			slab_cache_info(s, &info[n++]);
		kmm_spin_unlock(&ss->slab_mutex);
		for (i = 0; i < n; i++)
			kmm_out_printf(o,
				       "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : "
				       "slabdata %6lu %6lu %6lu\n",
				       info[i].name, info[i].active_objs, info[i].num_objs,
				       info[i].objsize, info[i].objperslab,
				       (int)info[i].pagesperslab, info[i].limit, info[i].batchcount,
				       0u, info[i].active_slabs, info[i].num_slabs, 0ul);
		if (n < SLABINFO_CHUNK)
			break;
		pos += n;
	}
}
