/* SPDX-License-Identifier: MIT */
/*
 * bench/frag_workload.c - the fragmentation workload (see frag_workload.h).
 *
 * Phases: (1) for STEPS steps, allocate or free at random while keeping
 * the machine about 80 % full: 1 in 16 allocations is a long-lived
 * unmovable page (GFP_KERNEL, never freed during the run), the rest are
 * short-lived movable (GFP_HIGHUSER_MOVABLE) or reclaimable
 * (__GFP_RECLAIMABLE) blocks of order 0..3, freed at random; (2) free
 * every short-lived block; (3) count free order-9 blocks in the buddy
 * lists, then allocate order-9 blocks (__GFP_MEMALLOC, no warning) until
 * none is left and give them back.
 *
 * With frag_opts: a movable-ops owner (movable_client.h) takes 1 in 8 of
 * the allocations as long-lived order-0 pages it keeps to the end - the
 * movable memory that grouping keeps together but cannot free, and that
 * compaction can move; with movable_vmalloc 1 in 16 is a long-lived
 * movable vmalloc area of 2-8 pages (its pages move by copy and
 * remap: vmalloc/migrate.c), filled with a pattern checked at the end; and
 * compaction (kmm_compact_memory) may run after phase 2, timed, before the
 * counting.
 */
#include "frag_workload.h"
#include "movable_client.h"

#include <kmm/vmalloc.h>

#include <time.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct held {
	struct page *page;
	unsigned int order;
};

struct frag_held {
	struct page *page;
};

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static unsigned long free_pages(kmm_machine *m)
{
	unsigned long n = 0;

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			n += kmm_zone_free_pages(m, nid, (enum kmm_zone_type)z);
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The pattern of area i: one word per 8 bytes, from its index and offset. */
static uint64_t varea_word(size_t i, size_t w)
{
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ull + w + 1;

	x ^= x >> 29;
	return x * 0xbf58476d1ce4e5b9ull;
}

static void varea_fill(void *p, size_t bytes, size_t i)
{
	uint64_t *w = p;
	size_t words = bytes / 8;

	for (size_t k = 0; k < words; k++)
		w[k] = varea_word(i, k);
}

static bool varea_intact(const void *p, size_t bytes, size_t i)
{
	const uint64_t *w = p;
	size_t words = bytes / 8;

	for (size_t k = 0; k < words; k++)
		if (w[k] != varea_word(i, k))
			return false;
	return true;
}

static unsigned long order9_free(kmm_machine *m)
{
	unsigned long n = 0;

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			unsigned long c[KMM_NR_ORDERS];

			kmm_zone_free_blocks(m, nid, (enum kmm_zone_type)z, c);
			n += c[9] + 2 * c[10];
		}
	return n;
}

int frag_workload_run(kmm_machine *m, uint64_t seed, struct frag_result *res)
{
	static const struct frag_opts none = { 0 };

	return frag_workload_run_opts(m, seed, &none, res);
}

int frag_workload_run_opts(kmm_machine *m, uint64_t seed, const struct frag_opts *opts,
			   struct frag_result *res)
{
	unsigned long total = free_pages(m);
	size_t cap = total / 4 + 16, nr = 0, long_cap = total / 8 + 16;
	struct held *shorts = calloc(cap, sizeof(*shorts));
	struct held *big = calloc(total / 512 + 16, sizeof(*big));
	unsigned long used = 0, target = total * 8 / 10;
	size_t nbig = 0, nr_long = 0;
	const long steps = (long)total * 2;
	struct frag_held *long_lived = calloc(long_cap, sizeof(*long_lived));

	struct mclient *client = NULL;
	size_t vcap = opts->movable_vmalloc ? total / 8 + 16 : 0, nv = 0;
	void **vareas = vcap ? calloc(vcap, sizeof(*vareas)) : NULL;
	unsigned long *vpfn = vcap ? calloc(vcap, sizeof(*vpfn)) : NULL;
	unsigned char *vpages = vcap ? calloc(vcap, 1) : NULL;

	memset(res, 0, sizeof(*res));
	if (opts->movable_client) {
		client = calloc(1, sizeof(*client));
		if (!client || mclient_init(client, m, total / 4 + 16)) {
			free(client);
			client = NULL;
		}
	}
	if (!shorts || !big || !long_lived || (opts->movable_client && !client) ||
	    (vcap && (!vareas || !vpfn || !vpages))) {
		free(vareas);
		free(vpfn);
		free(vpages);
		free(shorts);
		free(big);
		free(long_lived);
		return -1;
	}
	for (long step = 0; step < steps; step++) {
		uint64_t r = rnd(&seed);

		if (used < target && (r & 3) != 0 && client && (r >> 40) % 8 == 0) {
			if (mclient_alloc(client, r, KMM_GFP_NOWARN | KMM_GFP_NORETRY) >= 0)
				used++;
		} else if (used < target && (r & 3) != 0 && vcap && (r >> 40) % 32 == 1) {
			unsigned long pages = 2 + (unsigned long)((r >> 48) % 7);
			void *p;

			if (nv == vcap)
				continue;
			p = kmm___vmalloc(m, pages * kmm_page_size(m),
					  GFP_KERNEL | __GFP_MOVABLE | __GFP_NOWARN |
						  __GFP_NORETRY);
			if (!p)
				continue;
			varea_fill(p, pages * kmm_page_size(m), nv);
			vpages[nv] = (unsigned char)pages;
			vpfn[nv] = kmm_vmalloc_to_pfn(m, p);
			vareas[nv++] = p;
			res->vmalloc_pages += pages;
			used += pages;
		} else if (used < target && (r & 3) != 0) {
			bool is_long = (r >> 8) % 16 == 0;
			unsigned int order = is_long ? 0 : (unsigned int)((r >> 16) % 4);
			gfp_t gfp = is_long		 ? GFP_KERNEL
				    : (r >> 24) % 4 == 0 ? GFP_KERNEL | __GFP_RECLAIMABLE
							 : GFP_HIGHUSER_MOVABLE;
			struct page *p;

			if (is_long ? nr_long == long_cap : nr == cap)
				continue;
			p = kmm_alloc_pages(m, gfp | __GFP_NOWARN | __GFP_NORETRY, order);
			if (!p)
				continue;
			if (is_long)
				long_lived[nr_long++].page = p;
			else
				shorts[nr++] = (struct held){ p, order };
			used += 1ul << order;
		} else if (nr > 0) {
			size_t i = (size_t)((r >> 32) % nr);

			kmm_free_pages(m, shorts[i].page, shorts[i].order);
			used -= 1ul << shorts[i].order;
			shorts[i] = shorts[--nr];
		}
	}
	while (nr > 0) {
		nr--;
		kmm_free_pages(m, shorts[nr].page, shorts[nr].order);
	}
	res->held = long_lived;
	res->long_lived_pages = nr_long;
	res->client = client;
	res->client_pages = client ? client->live_pages : 0;
	res->order9_before_compact = order9_free(m);
	if (opts->compact) {
		struct kmm_vmalloc_stats v0, v1;
		double t0 = now_s();
		long migrated;

		kmm_vmalloc_stats(m, &v0);
		migrated = kmm_compact_memory(m);
		res->compact_seconds = now_s() - t0;
		kmm_vmalloc_stats(m, &v1);
		res->pages_migrated = migrated > 0 ? (unsigned long)migrated : 0;
		res->vmalloc_pages_migrated = v1.pages_migrated - v0.pages_migrated;
	}
	if (client)
		res->checksum_failures = mclient_verify_all(client);
	res->vareas = vareas;
	res->nr_vareas = nv;
	for (size_t i = 0; i < nv; i++) {
		if (!varea_intact(vareas[i], vpages[i] * kmm_page_size(m), i))
			res->vmalloc_checksum_failures++;
		if (kmm_vmalloc_to_pfn(m, vareas[i]) != vpfn[i])
			res->vmalloc_areas_moved++; /* its first page is on another frame */
	}
	free(vpfn);
	free(vpages);
	res->order9_free_blocks = order9_free(m);
	while ((big[nbig].page = kmm_alloc_pages(
			m, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC | __GFP_NOWARN | __GFP_NORETRY,
			9)) != NULL)
		nbig++;
	res->order9_allocatable = nbig;
	while (nbig > 0)
		kmm_free_pages(m, big[--nbig].page, 9);
	free(shorts);
	free(big);
	return 0;
}

void frag_workload_release(kmm_machine *m, struct frag_result *res)
{
	while (res->long_lived_pages > 0)
		kmm_free_pages(m, res->held[--res->long_lived_pages].page, 0);
	free(res->held);
	res->held = NULL;
	while (res->nr_vareas > 0)
		kmm_vfree(m, res->vareas[--res->nr_vareas]);
	free(res->vareas);
	res->vareas = NULL;
	if (res->client) {
		mclient_destroy(res->client);
		free(res->client);
		res->client = NULL;
	}
}
