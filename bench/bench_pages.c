/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_pages.c - the `pages` suite: the buddy page allocator.
 *
 * Results (one op = one alloc + free pair of 2^order pages, the first byte
 * of the block written between the two so the work cannot be dropped):
 *
 *   alloc_free_order{0,3,9}  kmm: kmm_alloc_pages(GFP_KERNEL) + kmm_free_pages
 *                            on a machine in steady state (below), booted
 *                            with pcp=0: the buddy path alone;
 *                            glibc, jemalloc, mimalloc, tcmalloc: malloc + free
 *                            of the same byte size; mmap: mmap + munmap of it
 *                            (MAP_PRIVATE | MAP_ANONYMOUS).
 *   alloc_free_order0_split  kmm only, the worst case: a freshly booted
 *                            machine where every order-0 alloc splits an
 *                            order-10 block and every free merges it back.
 *
 * Steady state: before timing, 128 blocks of orders 0..4 drawn from a fixed
 * seed are allocated and every second one is freed again, so 64 long-lived
 * blocks stay allocated through the measurement and the low-order free
 * lists hold the holes between them, as on a running system.
 *
 * The split case boots its own machine with the per-CPU page lists off
 * (pcp=0), since they would otherwise absorb the freed page and hand it back
 * without touching the buddy lists. Blocks below order 10 that boot leaves
 * on the free lists (zone edges, reservations) would be split in preference
 * to an order-10 block, so they are allocated and held first: the drain
 * allocates order-0 pages until one alloc is seen (through the zone's
 * per-order free block counts) to split an order-10 block. The same check
 * runs after timing, and the table says whether it held.
 *
 * Figures: struct_page_bytes (the memmap stride, pfn_to_page(p + 1) -
 * pfn_to_page(p): a compile-time constant, reported as one with
 * bench_constant, not a measurement); boot_ms_mem64g and teardown_ms_mem64g, the median wall
 * time of kmm_machine_create("mem=64G nr_cpus=2") and of its destroy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define PAGES_WARM_SEED 0x6b6d6d2070616765ull
#define PAGES_WARM_ALLOCS 128
#define PAGES_WARM_MAX_ORDER 4
#define PAGES_BOOT_CMDLINE "mem=64G nr_cpus=2"
#define PAGES_MAX_IMPLS 8

static const unsigned int pages_orders[] = { 0, 3, 9 };

struct pages_kmm {
	kmm_machine *m;
	unsigned int order;
};

struct pages_malloc {
	const struct bench_peer *peer;
	size_t size;
};

struct pages_mmap {
	size_t size;
};

/* ---- the timed loops ------------------------------------------------------ */

static int pages_kmm_run(void *ctx, uint64_t iters)
{
	const struct pages_kmm *k = ctx;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct page *page = kmm_alloc_pages(k->m, GFP_KERNEL, k->order);
		volatile char *p;

		if (!page) {
			fprintf(stderr, "bench: kmm_alloc_pages(order %u) failed\n", k->order);
			return -1;
		}
		p = kmm_page_address(k->m, page);
		if (!p) {
			fprintf(stderr, "bench: order-%u block has no direct-map address\n",
				k->order);
			kmm_free_pages(k->m, page, k->order);
			return -1;
		}
		*p = (char)i;
		kmm_free_pages(k->m, page, k->order);
	}
	return 0;
}

static int pages_malloc_run(void *ctx, uint64_t iters)
{
	const struct pages_malloc *pm = ctx;
	void *(*alloc)(size_t) = pm->peer->malloc_fn;
	void (*release)(void *) = pm->peer->free_fn;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		volatile char *p = alloc(pm->size);

		if (!p) {
			fprintf(stderr, "bench: %s malloc(%zu) failed\n", pm->peer->name, pm->size);
			return -1;
		}
		*p = (char)i;
		release((void *)p);
	}
	return 0;
}

static int pages_mmap_run(void *ctx, uint64_t iters)
{
	const struct pages_mmap *pm = ctx;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		void *p = mmap(NULL, pm->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED) {
			perror("bench: mmap");
			return -1;
		}
		*(volatile char *)p = (char)i;
		munmap(p, pm->size);
	}
	return 0;
}

/* ---- steady state --------------------------------------------------------- */

struct pages_hold {
	struct page *page[PAGES_WARM_ALLOCS];
	unsigned int order[PAGES_WARM_ALLOCS];
	int nr;
};

static uint64_t pages_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int pages_warm(kmm_machine *m, struct pages_hold *h)
{
	struct page *page[PAGES_WARM_ALLOCS];
	unsigned int order[PAGES_WARM_ALLOCS];
	uint64_t seed = PAGES_WARM_SEED;
	int i;

	h->nr = 0;
	for (i = 0; i < PAGES_WARM_ALLOCS; i++) {
		order[i] = (unsigned int)(pages_rand(&seed) % (PAGES_WARM_MAX_ORDER + 1));
		page[i] = kmm_alloc_pages(m, GFP_KERNEL, order[i]);
		if (!page[i]) {
			fprintf(stderr, "bench: warm-up allocation %d (order %u) failed\n", i,
				order[i]);
			while (i--)
				kmm_free_pages(m, page[i], order[i]);
			return -1;
		}
	}
	for (i = 0; i < PAGES_WARM_ALLOCS; i++) {
		if (i % 2) {
			kmm_free_pages(m, page[i], order[i]);
		} else {
			h->page[h->nr] = page[i];
			h->order[h->nr++] = order[i];
		}
	}
	return 0;
}

static void pages_unwarm(kmm_machine *m, struct pages_hold *h)
{
	while (h->nr--)
		kmm_free_pages(m, h->page[h->nr], h->order[h->nr]);
	h->nr = 0;
}

/* ---- the steady-state patterns --------------------------------------------- */

static int pages_measure_order(struct bench *b, kmm_machine *m, unsigned int order)
{
	struct pages_malloc pm[PAGES_MAX_IMPLS];
	struct bench_impl impls[PAGES_MAX_IMPLS];
	struct pages_kmm k = { .m = m, .order = order };
	struct pages_mmap mm = { .size = kmm_page_size(m) << order };
	char name[64];
	int i, nr = 0;

	impls[nr++] = (struct bench_impl){ .impl = "kmm", .run = pages_kmm_run, .ctx = &k };
	for (i = 0; i < bench_nr_peers() && nr < PAGES_MAX_IMPLS - 1; i++) {
		const struct bench_peer *peer = bench_peer(i);

		pm[i] = (struct pages_malloc){ .peer = peer, .size = mm.size };
		impls[nr++] = (struct bench_impl){
			.impl = peer->name,
			.run = peer->present ? pages_malloc_run : NULL,
			.ctx = &pm[i],
		};
	}
	impls[nr++] = (struct bench_impl){ .impl = "mmap", .run = pages_mmap_run, .ctx = &mm };

	snprintf(name, sizeof(name), "alloc_free_order%u", order);
	return bench_measure(b, name, impls, nr);
}

/* The memmap stride: the size of struct page as the machine lays it out. */
static void pages_struct_page_figure(struct bench *b, kmm_machine *m)
{
	unsigned long pfn, max = kmm_max_pfn(m);

	for (pfn = 0; pfn + 1 < max; pfn++) {
		char *a = (char *)kmm_pfn_to_page(m, pfn);
		char *c = (char *)kmm_pfn_to_page(m, pfn + 1);

		if (a && c) {
			/* sizeof(struct page), fixed when kmm was built: labelled so */
			bench_constant(b, "struct_page_bytes", (double)(c - a));
			return;
		}
	}
	fprintf(stderr, "bench: no two adjacent pfns with descriptors\n");
}

static int pages_steady(struct bench *b)
{
	const struct bench_opts *o = bench_opts(b);
	struct pages_hold hold;
	kmm_machine *m;
	unsigned int i;
	int rc = 0, problems;
	char cmdline[512];

	/* the buddy path alone: the per-CPU lists are measured by `kmm bench smp` */
	snprintf(cmdline, sizeof(cmdline), "%s pcp=0",
		 o->machine ? o->machine : KMM_DEFAULT_CMDLINE);
	if (bench_boot(cmdline, &m))
		return -1;
	bench_set_machine(b, kmm_machine_cmdline(m));
	pages_struct_page_figure(b, m);
	if (pages_warm(m, &hold)) {
		kmm_machine_destroy(m);
		return -1;
	}
	for (i = 0; i < sizeof(pages_orders) / sizeof(pages_orders[0]) && !rc; i++)
		rc = pages_measure_order(b, m, pages_orders[i]);
	pages_unwarm(m, &hold);

	problems = kmm_check(m);
	if (problems) {
		fprintf(stderr, "bench: kmm_check found %d problems after the pages suite\n",
			problems);
		rc = -1;
	}
	kmm_machine_destroy(m);
	bench_note(b,
		   "kmm steady state: %d blocks of orders 0..%d (fixed seed) stay allocated "
		   "during timing, with holes between them on the low-order free lists",
		   PAGES_WARM_ALLOCS / 2, PAGES_WARM_MAX_ORDER);
	return rc;
}

/* ---- the worst case: every alloc splits an order-10 block ------------------ */

struct pages_drain {
	struct page **page;
	size_t nr, cap;
};

/*
 * Allocate one order-0 page into *out and say whether it split an order-10
 * block of zone (nid, zone): one block fewer at order 10 and one more at
 * each order below.
 */
static bool pages_alloc_splits(kmm_machine *m, int nid, int zone, struct page **out)
{
	unsigned long before[KMM_NR_ORDERS], after[KMM_NR_ORDERS];
	int o;

	*out = NULL;
	if (kmm_zone_free_blocks(m, nid, zone, before) < 0)
		return false;
	*out = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0);
	if (!*out || kmm_zone_free_blocks(m, nid, zone, after) < 0)
		return false;
	if (after[KMM_MAX_ORDER] + 1 != before[KMM_MAX_ORDER])
		return false;
	for (o = 0; o < KMM_MAX_ORDER; o++)
		if (after[o] != before[o] + 1)
			return false;
	return true;
}

/* Hold order-0 pages until an alloc splits an order-10 block; true when one did. */
static bool pages_drain(kmm_machine *m, int nid, int zone, struct pages_drain *d)
{
	unsigned long counts[KMM_NR_ORDERS], limit = 64;
	struct page *page;
	int o;

	if (kmm_zone_free_blocks(m, nid, zone, counts) < 0)
		return false;
	for (o = 0; o < KMM_MAX_ORDER; o++)
		limit += counts[o] << o;
	while (limit--) {
		if (pages_alloc_splits(m, nid, zone, &page)) {
			kmm_free_pages(m, page, 0);
			return true;
		}
		if (!page)
			return false;
		if (d->nr == d->cap) {
			size_t ncap = d->cap ? d->cap * 2 : 256;
			struct page **p = realloc(d->page, ncap * sizeof(*p));

			if (!p) {
				kmm_free_pages(m, page, 0);
				return false;
			}
			d->page = p;
			d->cap = ncap;
		}
		d->page[d->nr++] = page;
	}
	return false;
}

static int pages_split(struct bench *b)
{
	const struct bench_opts *o = bench_opts(b);
	const char *base = o->machine ? o->machine : KMM_DEFAULT_CMDLINE;
	struct pages_drain drain = { 0 };
	struct pages_kmm k = { .order = 0 };
	struct bench_impl impl = { .impl = "kmm", .run = pages_kmm_run, .ctx = &k };
	char cmdline[512], err[256];
	bool pcp_off = true, split_before, split_after = false;
	struct page *page;
	size_t held;
	int nid, zone, rc;

	snprintf(cmdline, sizeof(cmdline), "%s pcp=0", base);
	if (kmm_machine_create(cmdline, &k.m, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench: cannot boot \"%s\" (%s); measuring with the pcp lists on\n",
			cmdline, err);
		pcp_off = false;
		if (bench_boot(o->machine, &k.m))
			return -1;
	}
	page = kmm_alloc_pages(k.m, GFP_KERNEL, 0);
	if (!page) {
		fprintf(stderr, "bench: cannot allocate a page on a fresh machine\n");
		kmm_machine_destroy(k.m);
		return -1;
	}
	nid = kmm_page_to_nid(k.m, page);
	zone = kmm_page_zonenum(k.m, page);
	kmm_free_pages(k.m, page, 0);

	split_before = pages_drain(k.m, nid, zone, &drain);
	rc = bench_measure(b, "alloc_free_order0_split", &impl, 1);
	if (!rc && split_before) {
		split_after = pages_alloc_splits(k.m, nid, zone, &page);
		if (page)
			kmm_free_pages(k.m, page, 0);
	}
	held = drain.nr;
	while (drain.nr)
		kmm_free_pages(k.m, drain.page[--drain.nr], 0);
	free(drain.page);
	kmm_machine_destroy(k.m);

	bench_note(b,
		   "alloc_free_order0_split: fresh machine%s, %zu stray low-order pages held; "
		   "each alloc splits an order-10 block: %s",
		   pcp_off ? " with pcp=0" : " (pcp lists on)", held,
		   split_before && split_after ? "verified" : "NOT verified");
	return rc;
}

/* ---- boot and teardown time ------------------------------------------------ */

/*
 * Boot figures: median wall time of kmm_machine_create and of
 * kmm_machine_destroy, and the resident memory the boot added (from
 * /proc/self/statm), for three shapes: the mem=64G and
 * mem=1T numa=fake=8 with deferred struct page init (the default), and
 * mem=64G with every descriptor written at boot, for comparison.
 */
static const struct {
	const char *cmdline, *tag;
} boot_shapes[] = {
	{ PAGES_BOOT_CMDLINE, "mem64g" },
	{ "mem=1T numa=fake=8 nr_cpus=2", "mem1t_numa8" },
	{ PAGES_BOOT_CMDLINE " deferred_struct_page_init=0", "mem64g_undeferred" },
};

static double resident_mb(void)
{
	long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return (double)rss * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static void pages_boot_shape(struct bench *b, const char *cmdline, const char *tag)
{
	const int runs = bench_opts(b)->reps;
	double *create = calloc((size_t)runs, sizeof(double));
	double *destroy = calloc((size_t)runs, sizeof(double));
	double *rss = calloc((size_t)runs, sizeof(double));
	char err[256], name[64];
	int r;

	if (!create || !destroy || !rss)
		goto out;
	for (r = 0; r < runs; r++) {
		kmm_machine *m;
		uint64_t t0, t1, t2;
		double rss0;
		int rc;

		bench_progress(b, "boot_ms_%s: boot %d/%d of %s", tag, r + 1, runs, cmdline);
		rss0 = resident_mb();
		t0 = bench_now_ns();
		rc = kmm_machine_create(cmdline, &m, err, sizeof(err));
		t1 = bench_now_ns();
		if (rc < 0) {
			fprintf(stderr, "bench: cannot boot \"%s\": %s (error %d)\n", cmdline, err,
				rc);
			bench_note(b, "boot_ms_%s omitted: \"%s\" did not boot (%s)", tag, cmdline,
				   err);
			goto out;
		}
		rss[r] = resident_mb() - rss0;
		kmm_machine_destroy(m);
		t2 = bench_now_ns();
		create[r] = (double)(t1 - t0) / 1e6;
		destroy[r] = (double)(t2 - t1) / 1e6;
	}
	snprintf(name, sizeof(name), "boot_ms_%s", tag);
	bench_figure(b, name, bench_median(create, runs));
	snprintf(name, sizeof(name), "teardown_ms_%s", tag);
	bench_figure(b, name, bench_median(destroy, runs));
	snprintf(name, sizeof(name), "boot_rss_mb_%s", tag);
	bench_figure(b, name, bench_median(rss, runs));
out:
	free(create);
	free(destroy);
	free(rss);
}

static void pages_boot_figures(struct bench *b)
{
	for (size_t i = 0; i < sizeof(boot_shapes) / sizeof(boot_shapes[0]); i++)
		pages_boot_shape(b, boot_shapes[i].cmdline, boot_shapes[i].tag);
}

static int pages_run(struct bench *b)
{
	int rc = pages_steady(b);

	if (!rc)
		rc = pages_split(b);
	if (!rc)
		pages_boot_figures(b);
	return rc;
}

const struct bench_suite bench_suite_pages = {
	.name = "pages",
	.desc = "buddy allocator: alloc+free of order 0, 3, 9 vs malloc peers and mmap",
	.threaded = false,
	.run = pages_run,
};
