/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_vmalloc.c - the `vmalloc` suite: what virtually contiguous
 * memory costs next to the physically contiguous allocators, and what
 * reaching highmem costs (docs/choosing.md takes its cost column from it).
 *
 * Machine: mem=2G nr_cpus=2 highmem=1G kswapd=0 (vmalloc takes highmem first).
 * Results (one op in the name):
 *   vmalloc_vfree_<size>     vmalloc + vfree of 16K..4M; peer "mmap": mmap +
 *                            munmap of an anonymous range of the same size
 *   kmalloc_kfree_<size>     kmalloc + kfree of the same sizes (kmm)
 *   alloc_pages_free_<size>  alloc_pages + __free_pages of the order (kmm)
 *   first_touch_4M           allocate 4 MiB, write every byte once, free:
 *                            kmm = vmalloc (fresh mappings fault in the host);
 *                            peer "mmap" = mmap + memset + munmap
 *   first_touch_4M_direct    the same through alloc_pages(order 10) and the
 *                            direct map (its frames stay mapped: no faults)
 *   seq_read_4M_vmalloc      read 4 MiB of a vmalloc'd area (one pass)
 *   seq_read_4M_direct       read 4 MiB of a direct-mapped order-10 block
 *   kmap_kunmap_highmem      kmap + kunmap of a highmem page (a pkmap slot;
 *                            mostly a hash hit once mapped: the real
 *                            mapping happens on first use and after a flush)
 *   kmap_local_pair_highmem  kmap_local_page + kunmap_local of a highmem page
 *                            (two host calls: map and unmap)
 *   kmap_local_pair_lowmem   the same on a lowmem page (no mapping)
 * Figures: the bandwidths in MB/s and the host mappings of a 256 MiB vmalloc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <kmm/highmem.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>

#include "bench.h"

#define MACHINE "mem=2G nr_cpus=2 highmem=1G kswapd=0"

struct vctx {
	kmm_machine *m;
	size_t size;
	unsigned int order;
	struct page *page;
	unsigned char *buf;
};

static int run_vmalloc(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		void *a = kmm_vmalloc(c->m, c->size);

		if (!a)
			return fprintf(stderr, "vmalloc(%zu) failed\n", c->size), -1;
		bench_keep(a);
		kmm_vfree(c->m, a);
	}
	return 0;
}

static int run_mmap(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		void *a = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (a == MAP_FAILED)
			return fprintf(stderr, "mmap failed\n"), -1;
		bench_keep(a);
		munmap(a, c->size);
	}
	return 0;
}

static int run_kmalloc(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		void *a = kmm_kmalloc(c->m, c->size, GFP_KERNEL);

		if (!a)
			return fprintf(stderr, "kmalloc(%zu) failed\n", c->size), -1;
		bench_keep(a);
		kmm_kfree(c->m, a);
	}
	return 0;
}

static int run_alloc_pages(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		struct page *pg = kmm_alloc_pages(c->m, GFP_KERNEL, c->order);

		if (!pg)
			return fprintf(stderr, "alloc_pages(%u) failed\n", c->order), -1;
		bench_keep(pg);
		kmm_free_pages(c->m, pg, c->order);
	}
	return 0;
}

static int run_touch_vmalloc(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		unsigned char *a = kmm_vmalloc(c->m, c->size);

		if (!a)
			return -1;
		memset(a, (int)i, c->size);
		bench_keep(a);
		kmm_vfree(c->m, a);
	}
	return 0;
}

static int run_touch_mmap(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		unsigned char *a = mmap(NULL, c->size, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED)
			return -1;
		memset(a, (int)i, c->size);
		bench_keep(a);
		munmap(a, c->size);
	}
	return 0;
}

static int run_touch_direct(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		struct page *pg = kmm_alloc_pages(c->m, GFP_KERNEL, c->order);
		unsigned char *a;

		if (!pg)
			return -1;
		a = kmm_page_address(c->m, pg);
		memset(a, (int)i, c->size);
		bench_keep(a);
		kmm_free_pages(c->m, pg, c->order);
	}
	return 0;
}

static int run_read(void *p, uint64_t iters)
{
	struct vctx *c = p;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < iters; i++) {
		const uint64_t *w = (const uint64_t *)c->buf;

		for (size_t j = 0; j < c->size / 8; j += 8)
			sum += w[j] ^ w[j + 3];
		bench_keep(&sum);
	}
	return 0;
}

static int run_kmap(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		void *a = kmm_kmap(c->m, c->page);

		bench_keep(a);
		kmm_kunmap(c->m, c->page);
	}
	return 0;
}

static int run_kmap_local(void *p, uint64_t iters)
{
	struct vctx *c = p;

	for (uint64_t i = 0; i < iters; i++) {
		void *a = kmm_kmap_local_page(c->m, c->page);

		bench_keep(a);
		kmm_kunmap_local(c->m, a);
	}
	return 0;
}

static const char *size_name(size_t size, char *buf, size_t len)
{
	if (size >= (1u << 20))
		snprintf(buf, len, "%zuM", size >> 20);
	else
		snprintf(buf, len, "%zuK", size >> 10);
	return buf;
}

static double mbps(double ns_per_op, size_t bytes)
{
	return ns_per_op > 0 ? (double)bytes / (ns_per_op / 1e9) / 1e6 : 0;
}

/* Median ns/op of one kmm-only pattern, measured once more for a figure. */
static double time_once(bench_run_fn fn, void *ctx, uint64_t iters)
{
	double v[5];

	for (int r = 0; r < 5; r++) {
		uint64_t t0 = bench_now_ns();

		if (fn(ctx, iters))
			return 0;
		v[r] = (double)(bench_now_ns() - t0) / (double)iters;
	}
	return bench_median(v, 5);
}

static int vmalloc_run(struct bench *b)
{
	struct vctx c = { 0 };
	char name[64], sz[16];
	struct kmm_vmalloc_stats st;
	unsigned char *area;
	struct page *blk;

	if (bench_boot(MACHINE, &c.m))
		return -1;
	bench_set_machine(b, kmm_machine_cmdline(c.m));
	for (size_t size = 16u << 10; size <= (4u << 20); size <<= 2) {
		struct bench_impl vm[2] = { { .impl = "kmm", .run = run_vmalloc, .ctx = &c },
					    { .impl = "mmap", .run = run_mmap, .ctx = &c } };
		struct bench_impl km = { .impl = "kmm", .run = run_kmalloc, .ctx = &c };
		struct bench_impl ap = { .impl = "kmm", .run = run_alloc_pages, .ctx = &c };

		c.size = size;
		c.order = 0;
		while ((kmm_page_size(c.m) << c.order) < size)
			c.order++;
		size_name(size, sz, sizeof(sz));
		snprintf(name, sizeof(name), "vmalloc_vfree_%s", sz);
		if (bench_measure(b, name, vm, 2))
			goto fail;
		snprintf(name, sizeof(name), "kmalloc_kfree_%s", sz);
		if (bench_measure(b, name, &km, 1))
			goto fail;
		snprintf(name, sizeof(name), "alloc_pages_free_%s", sz);
		if (bench_measure(b, name, &ap, 1))
			goto fail;
	}
	c.size = 4u << 20;
	c.order = 10;
	{
		struct bench_impl t[2] = { { .impl = "kmm", .run = run_touch_vmalloc, .ctx = &c },
					   { .impl = "mmap", .run = run_touch_mmap, .ctx = &c } };
		struct bench_impl d = { .impl = "kmm", .run = run_touch_direct, .ctx = &c };

		if (bench_measure(b, "first_touch_4M", t, 2) ||
		    bench_measure(b, "first_touch_4M_direct", &d, 1))
			goto fail;
		bench_figure(b, "first_touch_vmalloc_MBps",
			     mbps(time_once(run_touch_vmalloc, &c, 8), c.size));
		bench_figure(b, "first_touch_direct_MBps",
			     mbps(time_once(run_touch_direct, &c, 8), c.size));
		bench_figure(b, "first_touch_mmap_MBps",
			     mbps(time_once(run_touch_mmap, &c, 8), c.size));
	}
	area = kmm_vmalloc(c.m, c.size);
	blk = kmm_alloc_pages(c.m, GFP_KERNEL, 10);
	if (!area || !blk)
		goto fail;
	memset(area, 1, c.size);
	memset(kmm_page_address(c.m, blk), 1, c.size);
	{
		struct vctx rv = c, rd = c;
		struct bench_impl r1 = { .impl = "kmm", .run = run_read, .ctx = &rv };
		struct bench_impl r2 = { .impl = "kmm", .run = run_read, .ctx = &rd };

		rv.buf = area;
		rd.buf = kmm_page_address(c.m, blk);
		if (bench_measure(b, "seq_read_4M_vmalloc", &r1, 1) ||
		    bench_measure(b, "seq_read_4M_direct", &r2, 1))
			goto fail;
		bench_figure(b, "seq_read_vmalloc_MBps",
			     mbps(time_once(run_read, &rv, 16), c.size));
		bench_figure(b, "seq_read_direct_MBps", mbps(time_once(run_read, &rd, 16), c.size));
	}
	kmm_vfree(c.m, area);
	kmm_free_pages(c.m, blk, 10);
	{
		struct vctx h = c, l = c;
		struct bench_impl k1 = { .impl = "kmm", .run = run_kmap, .ctx = &h };
		struct bench_impl k2 = { .impl = "kmm", .run = run_kmap_local, .ctx = &h };
		struct bench_impl k3 = { .impl = "kmm", .run = run_kmap_local, .ctx = &l };

		h.page = kmm_alloc_pages(c.m, GFP_HIGHUSER, 0);
		l.page = kmm_alloc_pages(c.m, GFP_KERNEL, 0);
		if (!h.page || !l.page || bench_measure(b, "kmap_kunmap_highmem", &k1, 1) ||
		    bench_measure(b, "kmap_local_pair_highmem", &k2, 1) ||
		    bench_measure(b, "kmap_local_pair_lowmem", &k3, 1))
			goto fail;
		kmm_free_pages(c.m, h.page, 0);
		kmm_free_pages(c.m, l.page, 0);
	}
	area = kmm_vmalloc(c.m, 256u << 20);
	if (!area)
		goto fail;
	kmm_vmalloc_stats(c.m, &st);
	bench_figure(b, "host_maps_vmalloc_256M", (double)st.host_maps);
	kmm_vfree(c.m, area);
	bench_note(b, "vmalloc_vfree_* peer mmap: mmap + munmap of the same size, untouched");
	bench_note(b, "first_touch_4M: allocate, write every byte, free (vmalloc: fresh host "
		      "mappings fault; direct map: already mapped)");
	kmm_machine_destroy(c.m);
	return 0;
fail:
	kmm_machine_destroy(c.m);
	return -1;
}

const struct bench_suite bench_suite_vmalloc = {
	.name = "vmalloc",
	.desc = "vmalloc vs kmalloc vs alloc_pages vs mmap, first touch and read bandwidth, kmap",
	.threaded = false,
	.run = vmalloc_run,
};
