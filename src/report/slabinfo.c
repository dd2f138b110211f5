/* SPDX-License-Identifier: MIT */
/*
 * report/slabinfo.c - /proc/slabinfo, version 2.1, as Linux 6.18 prints
 * it (mm/slab_common.c: print_slabinfo_header, cache_show; SLUB is the
 * only allocator left and its get_slabinfo fills no tunables): the two
 * header lines, then one row per cache, newest cache first, kmalloc caches
 * included, with "tunables    0    0    0", active_slabs equal to num_slabs
 * and sharedavail 0, exactly as SLUB's rows read.
 *
 * kmm's caches do have per-CPU object arrays (SLAB's limit and batchcount,
 * docs/slab.md); slabinfo cannot show them without lying about the
 * kernel's format, so `kmm slabtop` and kmm_slab_info() show them instead.
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
		for (i = 0; i < n; i++) {
			kmm_out_printf(o, "%-17s %6lu %6lu %6u %4u %4d", info[i].name,
				       info[i].active_objs, info[i].num_objs, info[i].objsize,
				       info[i].objperslab, (int)info[i].pagesperslab);
			/* SLUB: no tunables, every slab counted active, nothing shared */
			kmm_out_printf(o, " : tunables %4u %4u %4u", 0u, 0u, 0u);
			kmm_out_printf(o, " : slabdata %6lu %6lu %6lu", info[i].num_slabs,
				       info[i].num_slabs, 0ul);
			kmm_out_printf(o, "\n");
		}
		if (n < SLABINFO_CHUNK)
			break;
		pos += n;
	}
}
