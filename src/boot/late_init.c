/* SPDX-License-Identifier: MIT */
/*
 * boot/late_init.c - the table of layers that start after the buddy
 * allocator works, in order (as mm_core_init calls them after
 * memblock_free_all), and the walkers over it (late_init.h).
 *
 * Order matters and is the order of the rows: the per-CPU areas and CPU
 * locks come first (everything per-CPU needs them), then the per-CPU page
 * lists, the reclaim state (the shrinker list, which the slab layer
 * registers with), the slab allocator, and last the reclaim threads
 * (kswapd, free page reporting), which may run any layer's code as soon
 * as they start. m->layers_up counts the rows whose init succeeded: only
 * those are checked, folded, shrunk and torn down.
 *
 * A layer adds exactly one row; its checker, report fold, shrink and
 * teardown are fields of that row.
 */
#include "hotplug/hotplug.h"
#include "boot/late_init.h"
#include "highmem/highmem.h"
#include "lib/stackdepot.h"
#include "compaction/compaction.h"
#include "page/pcp.h"
#include "percpu/percpu.h"
#include "reclaim/reclaim.h"
#include "slab/slab.h"
#include "smp/cpu.h"
#include "vmalloc/vmalloc.h"

static const struct kmm_layer layers[] = {
	/* kmap, kmap_local, the page allocator's highmem windows (highmem/) */
	{ .name = "highmem",
	  .init = highmem_init,
	  .check = highmem_check,
	  .teardown = highmem_teardown,
	  .quiet = true },
	/* the vmalloc area, vmap areas, kernel stacks (vmalloc/) */
	{ .name = "vmalloc",
	  .init = vmalloc_init,
	  .check = vmalloc_check,
	  .teardown = vmalloc_teardown,
	  .quiet = true },
	/* per-CPU areas and get_cpu locks (smp/cpu.c, percpu/) */
	{ .name = "smp", .init = smp_init, .check = percpu_check, .quiet = true },
	/* per-CPU page lists (page/pcp.c) */
	{ .name = "pcp",
	  .init = pcp_init,
	  .check = pcp_check,
	  .report = pcp_vmstat_fold,
	  .shrink = pcp_shrink,
	  .quiet = true },
	/* shrinker list, OOM and fault-injection state (reclaim/) */
	{ .name = "reclaim", .init = reclaim_init, .check = reclaim_check, .quiet = true },
	/* memory hotplug: the memory block table (hotplug/memory_block.c); none without maxmem= */
	{ .name = "hotplug",
	  .init = hotplug_init,
	  .check = hotplug_check,
	  .teardown = hotplug_teardown,
	  .quiet = true },
	/* migration, compaction, contig ranges and the CMA area (compaction/);
	 * before slab, whose boot leaves the per-CPU page lists fresh */
	{ .name = "compaction",
	  .init = compaction_init,
	  .check = compaction_check,
	  .report = cma_vmstat_fold,
	  .teardown = compaction_teardown,
	  .quiet = true },
	/* the stack depot of SLUB's user tracking (lib/stackdepot.c): made by
	 * the first SLAB_STORE_USER cache, so it has no init; torn down after slab */
	{ .name = "stackdepot", .check = stack_depot_check, .teardown = stack_depot_teardown },
	/* the slab allocator and the kmalloc caches (slab/cache.c) */
	{ .name = "slab", .init = kmem_cache_init, .check = slab_check, .quiet = true },
	/* kswapd per node and free page reporting (reclaim/kswapd.c) */
	{ .name = "kswapd", .init = kswapd_run_all, .teardown = kswapd_stop_all },
	/* kcompactd per node (compaction/kcompactd.c), woken by kswapd */
	{ .name = "kcompactd", .init = kcompactd_run_all, .teardown = kcompactd_stop_all },
};

/*
 * A quiet layer's boot allocations leave no events: Linux's are counted
 * before anyone can read /proc/vmstat, and a kmm machine shows no
 * allocation or free events right after boot. The zones keep the events
 * from before the layer's init (zone->boot_events), so the boot needs no
 * per-zone buffer on its stack.
 */
static void save_events(struct kmm_machine *m)
{
	for_each_zone_m (m, zone) {
		zone->boot_events.pgalloc = zone->pgalloc;
		zone->boot_events.pgfree = zone->pgfree;
		for (int i = NUMA_HIT; i <= NUMA_OTHER; i++)
			zone->boot_events.numa[i - NUMA_HIT] = zone->vm_stat[i];
	}
}

static void restore_events(struct kmm_machine *m)
{
	for_each_zone_m (m, zone) {
		zone->pgalloc = zone->boot_events.pgalloc;
		zone->pgfree = zone->boot_events.pgfree;
		for (int i = NUMA_HIT; i <= NUMA_OTHER; i++)
			zone->vm_stat[i] = zone->boot_events.numa[i - NUMA_HIT];
	}
}

int kmm_late_init(struct kmm_machine *m, char *err, size_t len)
{
	m->layers_up = 0;
	for (size_t i = 0; i < ARRAY_SIZE(layers); i++) {
		int ret = KMM_OK;

		if (layers[i].init) {
			if (layers[i].quiet)
				save_events(m);
			ret = layers[i].init(m);
			if (layers[i].quiet)
				restore_events(m);
		}
		if (ret) {
			if (err && len)
				kmm_snprintf(
					err, len,
					"the %s layer of memory management failed to start (%d)",
					layers[i].name, ret);
			kmm_late_teardown(m);
			return ret;
		}
		m->layers_up = (int)i + 1;
	}
	return KMM_OK;
}

void kmm_late_teardown(struct kmm_machine *m)
{
	while (m->layers_up > 0) {
		const struct kmm_layer *l = &layers[--m->layers_up];

		if (l->teardown)
			l->teardown(m);
	}
}

int kmm_layers_check(struct kmm_machine *m)
{
	int problems = 0;

	for (int i = 0; i < m->layers_up; i++)
		if (layers[i].check)
			problems += layers[i].check(m);
	return problems;
}

void kmm_layers_report(struct kmm_machine *m)
{
	for (int i = 0; i < m->layers_up; i++)
		if (layers[i].report)
			layers[i].report(m);
}

unsigned long kmm_layers_shrink(struct kmm_machine *m, gfp_t gfp, unsigned int order)
{
	unsigned long pages = 0;

	for (int i = 0; i < m->layers_up; i++)
		if (layers[i].shrink)
			pages += layers[i].shrink(m, gfp, order);
	return pages;
}
