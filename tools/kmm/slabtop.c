/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/slabtop.c - `kmm slabtop [--machine '...'] [--sort KEY]
 * [--lines N] [--alloc N]`: a one-shot slabtop (procps slabtop -o) of a
 * freshly booted machine, its caches sorted by memory (cache size) by
 * default.
 *
 * The summary and the table use procps slabtop's layout: five summary
 * lines (objects, slabs, caches, size, object sizes), then
 * OBJS ACTIVE USE OBJ SIZE SLABS OBJ/SLAB CACHE SIZE NAME, one row per
 * cache. Figures come from kmm_slab_info, the numbers /proc/slabinfo
 * prints. A fresh machine has almost nothing in its caches; --alloc N first
 * makes N kmalloc allocations of sizes drawn from a fixed seed (8 bytes to
 * 8 KiB, small sizes more often), so the table has something to show.
 */
#include <stdlib.h>
#include <string.h>

#include <kmm/slab.h>

#include "tool.h"

#define SLABTOP_MAX_CACHES 512

static char sort_key = 'c';
static unsigned long page_kb;

static unsigned long cache_kb(const struct kmm_slab_info *c)
{
	return c->num_slabs * c->pagesperslab * page_kb;
}

static int compare(const void *a, const void *b)
{
	const struct kmm_slab_info *x = a, *y = b;
	unsigned long vx, vy;

	switch (sort_key) {
	case 'n':
		return strcmp(x->name, y->name);
	case 'o':
		vx = x->num_objs, vy = y->num_objs;
		break;
	case 'a':
		vx = x->active_objs, vy = y->active_objs;
		break;
	case 's':
		vx = x->objsize, vy = y->objsize;
		break;
	case 'l':
		vx = x->num_slabs, vy = y->num_slabs;
		break;
	default:
		vx = cache_kb(x), vy = cache_kb(y);
	}
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static double pct(unsigned long part, unsigned long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* N kmalloc allocations of sizes from a fixed seed; they stay allocated. */
static void workload(kmm_machine *m, long n)
{
	uint64_t seed = 0x736c6162746f70ull; /* "slabtop" */

	for (long i = 0; i < n; i++) {
		unsigned int shift;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		shift = 3 + (unsigned int)((seed & 0xff) * (seed >> 8 & 0xff) % 121) / 11;
		if (!kmm_kmalloc(m, (size_t)1 << shift | (seed >> 20 & ((1u << shift) - 1)),
				 GFP_KERNEL | __GFP_NOWARN))
			break;
	}
}

static const char *machine, *sort_arg;
static long lines = -1, allocs;

static const char *const sort_keys[] = { "c", "o", "a", "s", "l", "n", NULL };

static const struct tool_opt slabtop_opts[] = {
	TOOL_OPT_MACHINE(&machine),
	{ .name = "--sort",
	  .type = OPT_CHOICE,
	  .dst = &sort_arg,
	  .choices = sort_keys,
	  .metavar = "KEY",
	  .help = "c cache size (default), o objects, a active objects, s object size, "
		  "l slabs, n name" },
	{ .name = "--lines",
	  .type = OPT_LONG,
	  .dst = &lines,
	  .lo = 0,
	  .hi = 1000000,
	  .metavar = "N",
	  .help = "print only the first N caches" },
	{ .name = "--alloc",
	  .type = OPT_LONG,
	  .dst = &allocs,
	  .lo = 0,
	  .hi = 100000000,
	  .metavar = "N",
	  .help = "first make N kmalloc allocations of mixed sizes (8 B - 8 KiB)" },
	{ 0 },
};

static const struct tool_cmd slabtop_cmd = {
	.name = "kmm slabtop",
	.synopsis = "[--machine '...'] [--sort KEY] [--lines N] [--alloc N]",
	.help = "A one-shot slabtop (procps slabtop -o) of a freshly booted machine: the\n"
		"summary, then one row per slab cache, sorted by cache size by default.\n",
	.opts = slabtop_opts,
	.epilog = TOOL_MACHINE_HELP,
};

int kmm_slabtop_main(int argc, char **argv)
{
	static struct kmm_slab_info info[SLABTOP_MAX_CACHES];
	unsigned long objs = 0, active = 0, slabs = 0, active_slabs = 0;
	unsigned long size = 0, active_size = 0, min_obj = ~0ul, max_obj = 0;
	int n, rc, caches_active = 0;
	kmm_machine *m;

	rc = tool_parse(&slabtop_cmd, argc, argv, NULL, NULL);
	if (rc)
		return rc == TOOL_HELP ? 0 : rc;
	if (sort_arg)
		sort_key = sort_arg[0];
	rc = tool_boot(&slabtop_cmd, machine, machine, &m);
	if (rc)
		return rc;
	page_kb = kmm_page_size(m) / 1024;
	workload(m, allocs);
	n = kmm_slab_info(m, info, SLABTOP_MAX_CACHES);
	if (n > SLABTOP_MAX_CACHES)
		n = SLABTOP_MAX_CACHES;
	for (int i = 0; i < n; i++) {
		const struct kmm_slab_info *c = &info[i];

		objs += c->num_objs;
		active += c->active_objs;
		slabs += c->num_slabs;
		active_slabs += c->active_slabs;
		size += c->num_objs * c->objsize;
		active_size += c->active_objs * c->objsize;
		if (c->active_objs)
			caches_active++;
		if (c->objsize < min_obj)
			min_obj = c->objsize;
		if (c->objsize > max_obj)
			max_obj = c->objsize;
	}
	printf(" %-35s: %lu / %lu (%.1f%%)\n", "Active / Total Objects (% used)", active, objs,
	       pct(active, objs));
	printf(" %-35s: %lu / %lu (%.1f%%)\n", "Active / Total Slabs (% used)", active_slabs, slabs,
	       pct(active_slabs, slabs));
	printf(" %-35s: %d / %d (%.1f%%)\n", "Active / Total Caches (% used)", caches_active, n,
	       pct((unsigned long)caches_active, (unsigned long)n));
	printf(" %-35s: %.2fK / %.2fK (%.1f%%)\n", "Active / Total Size (% used)",
	       active_size / 1024.0, size / 1024.0, pct(active_size, size));
	printf(" %-35s: %.2fK / %.2fK / %.2fK\n\n", "Minimum / Average / Maximum Object",
	       n ? min_obj / 1024.0 : 0.0, objs ? size / 1024.0 / objs : 0.0, max_obj / 1024.0);
	qsort(info, (size_t)n, sizeof(info[0]), compare);
	/* CPU ARRAY: kmm's per-CPU object array, limit/batchcount (slabinfo shows SLUB's 0s) */
	printf("%6s %6s %4s %8s %6s %8s %10s %9s %-23s\n", "OBJS", "ACTIVE", "USE", "OBJ SIZE",
	       "SLABS", "OBJ/SLAB", "CACHE SIZE", "CPU ARRAY", "NAME");
	for (int i = 0; i < n && (lines < 0 || i < lines); i++) {
		const struct kmm_slab_info *c = &info[i];

		char arr[24];

		snprintf(arr, sizeof(arr), "%u/%u", c->limit, c->batchcount);
		printf("%6lu %6lu %3.0f%% %7.2fK %6lu %8u %9luK %9s %-23s\n", c->num_objs,
		       c->active_objs, pct(c->active_objs, c->num_objs), c->objsize / 1024.0,
		       c->num_slabs, c->objperslab, cache_kb(c), arr, c->name);
	}
	kmm_machine_destroy(m);
	return 0;
}
