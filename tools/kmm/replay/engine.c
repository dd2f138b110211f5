/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/engine.c - replay a kmem trace on a kmm machine.
 *
 * One pass over the trace text, one event at a time, in trace order:
 *
 *   mm_page_alloc       kmm_alloc_pages_node(gfp, order); the trace's pfn
 *                       now names kmm's block. A pfn still live means its
 *                       free was not traced (implicit_free): kmm frees the
 *                       old block first. A failed allocation in the trace
 *                       (pfn -1) is tried, counted, and given back at once.
 *   mm_page_free        the block the pfn names, with the order kmm gave it;
 *                       a pfn never seen allocated was allocated before the
 *                       trace began (unmatched_free).
 *   mm_page_free_batched the same when the pfn is live; 6.18 prints it
 *                       after mm_page_free for the same page, so a pfn just
 *                       freed is an echo (batched_echo), not a second free.
 *   kmalloc             kmm_kmalloc_node(bytes_req, gfp, node)
 *   kmem_cache_alloc    the cache named (created on first sight with
 *                       bytes_alloc as its object size; 4.x traces print no
 *                       name: "cache-<bytes_alloc>")
 *   kfree, kmem_cache_free  the object the pointer names
 *
 * A machine with maxmem= grows by a memory block when an allocation that
 * succeeded in the trace fails here (grow_machine), as libkmm-malloc's
 * machine grew while it was recorded; the blocks added are counted.
 *
 * Two gfp bits are cleared before kmm sees them: __GFP_NOFAIL (kmm would
 * wait forever for a free that, in a replay, only the trace can make) and
 * __GFP_ZERO (zeroing changes no allocator state and would make the replay
 * touch every page). Both are counted or documented (docs/replay.md).
 *
 * Invariant: every LIVE slot of `pages` holds a block kmm allocated and has
 * not freed, with its order; every LIVE slot of `objs` an object, with its
 * cache (NULL for kmalloc); a LIVE slot with obj NULL is an allocation that
 * failed on this machine. At the end the machine passes kmm_check.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kmm/hotplug.h>

#include "engine.h"

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t rp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void warn_sink(void *ctx, const char *text, size_t len)
{
	struct rp_engine *e = ctx;

	if (e->warn_out)
		fwrite(text, 1, len, e->warn_out);
}

const char *rp_trace_machine(const char *buf, size_t len, char *out, size_t out_len)
{
	struct kmm_trace_parser p;
	struct kmm_trace_event ev;
	size_t pos = 0;

	memset(&p, 0, sizeof(p));
	for (int i = 0; i < 16 && pos < len; i++) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		if (n == 0 || buf[pos] != '#')
			break;
		kmm_trace_parse_line(&p, buf + pos, n, &ev, NULL, 0);
		pos += n + 1;
	}
	if (!p.kmm_format || !p.machine[0])
		return NULL;
	snprintf(out, out_len, "%s", p.machine);
	return out;
}

int rp_engine_init(struct rp_engine *e, const struct rp_options *opt, const char *trace_machine)
{
	char err[256];
	int ret;
	static char quiet_cmdline[4096];
	const char *cmdline = opt->cmdline ? opt->cmdline : trace_machine;

	memset(e, 0, sizeof(*e));
	e->opt = *opt;
	if (!e->opt.nsamples)
		e->opt.nsamples = 200;
	e->warn_out = opt->quiet ? NULL : stderr;
	e->cur_cpu = -1;
	{
		cpu_set_t set;

		if (sched_getaffinity(0, sizeof(set), &set) == 0)
			for (int c = 0; c < CPU_SETSIZE && e->nhost < 256; c++)
				if (CPU_ISSET(c, &set))
					e->host_cpus[e->nhost++] = c;
	}
	/*
	 * A replay is deterministic: no background reclaim or free page
	 * reporting thread may change the machine between two events, unless
	 * the machine string asks for them (docs/replay.md).
	 */
	const char *shown = cmdline;

	{
		const char *c = cmdline && *cmdline ? cmdline : KMM_DEFAULT_CMDLINE;

		snprintf(quiet_cmdline, sizeof(quiet_cmdline), "%s%s%s", c,
			 strstr(c, "kswapd=") ? "" : " kswapd=0",
			 strstr(c, "page_reporting=") ? "" : " page_reporting=0");
		cmdline = quiet_cmdline;
	}
	/*
	 * Boot on a fixed host CPU: boot's own allocations fill the per-CPU
	 * lists of the CPU it runs on, so a boot wherever the process happened
	 * to start made two runs of one trace differ.
	 */
	if (e->nhost) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(e->host_cpus[0], &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	ret = kmm_machine_create(cmdline, &e->m, err, sizeof(err));
	if (e->nhost) {
		cpu_set_t all;

		CPU_ZERO(&all);
		for (int i = 0; i < e->nhost; i++)
			CPU_SET(e->host_cpus[i], &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	if (ret != KMM_OK) {
		e->boot_rc = ret;
		snprintf(e->boot_err, sizeof(e->boot_err), "%s", err[0] ? err : "refused");
		snprintf(e->err, sizeof(e->err), "bad machine \"%s\": %s", shown ? shown : "", err);
		return -1;
	}
	kmm_set_log(e->m, warn_sink, e);
	if (!rp_map_init(&e->pages, 1u << 16, true) || !rp_map_init(&e->objs, 1u << 16, false)) {
		snprintf(e->err, sizeof(e->err), "out of memory");
		return -1;
	}
	for (int nid = 0; nid < kmm_nr_nodes(e->m); nid++) {
		for (int z = 0; z < KMM_NR_ZONES && e->nzones < RP_MAX_ZONES; z++) {
			static const char *const names[] = { "DMA", "DMA32", "Normal", "HighMem",
							     "Movable" };
			unsigned long managed =
				kmm_zone_managed_pages(e->m, nid, (enum kmm_zone_type)z);

			if (!managed)
				continue;
			e->managed += managed;
			e->zones[e->nzones].nid = nid;
			e->zones[e->nzones].zone = z;
			snprintf(e->zones[e->nzones].name, sizeof(e->zones[0].name), "Node %d %s",
				 nid, names[z]);
			e->nzones++;
		}
	}
	return 0;
}

static void free_moment(struct rp_map_moment *mo)
{
	free(mo->blocks);
	mo->blocks = NULL;
}

void rp_engine_destroy(struct rp_engine *e)
{
	for (int i = 0; i < e->nsamples; i++)
		free(e->samples[i].cache_pages);
	free(e->samples);
	for (int i = 0; i < e->nmoments; i++)
		free_moment(&e->moments[i]);
	free(e->caches);
	rp_map_free(&e->pages);
	rp_map_free(&e->objs);
	if (e->m)
		kmm_machine_destroy(e->m);
	memset(e, 0, sizeof(*e));
}

/* ---- caches ---------------------------------------------------------------- */

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The engine's index of a cache name (hashed: every kmem_cache event looks one up). */
static int cache_index(struct rp_engine *e, const char *name, size_t n)
{
	uint32_t h = name_hash(name, n);
	size_t slot;

	for (slot = h & (RP_NAME_SLOTS - 1); e->name_slot[slot];
	     slot = (slot + 1) & (RP_NAME_SLOTS - 1)) {
		struct rp_cache *c = &e->caches[e->name_slot[slot] - 1];

		if (c->hash == h && c->name_len == n && !memcmp(c->name, name, n))
			return e->name_slot[slot] - 1;
	}
	if (e->ncaches >= RP_NAME_SLOTS / 2 || n >= sizeof(e->caches[0].name))
		return -1;
	if (e->ncaches == e->cap_caches) {
		int cap = e->cap_caches ? 2 * e->cap_caches : 64;
		struct rp_cache *c = realloc(e->caches, (size_t)cap * sizeof(*c));

		if (!c)
			return -1;
		e->caches = c;
		e->cap_caches = cap;
	}
	memset(&e->caches[e->ncaches], 0, sizeof(e->caches[0]));
	memcpy(e->caches[e->ncaches].name, name, n);
	e->caches[e->ncaches].name_len = n;
	e->caches[e->ncaches].hash = h;
	e->name_slot[slot] = e->ncaches + 1;
	return e->ncaches++;
}

static struct kmem_cache *trace_cache(struct rp_engine *e, const struct kmm_trace_event *ev)
{
	char tmp[48];
	const char *name = ev->name;
	size_t n = ev->name_len;
	unsigned int size = (unsigned int)(ev->bytes_alloc ? ev->bytes_alloc : ev->bytes_req);
	int i;

	if (!name) {
		n = (size_t)snprintf(tmp, sizeof(tmp), "cache-%u", size);
		name = tmp;
	}
	i = cache_index(e, name, n);
	if (i < 0)
		return NULL;
	if (!e->caches[i].s && !e->caches[i].size) {
		e->caches[i].size = size ? size : 8;
		e->caches[i].s = kmm_kmem_cache_create(e->m, e->caches[i].name, e->caches[i].size,
						       0, 0, NULL);
		if (e->caches[i].s)
			e->st.caches_created++;
		else
			e->st.cache_create_failed++;
	}
	return e->caches[i].s;
}

/* ---- samples ---------------------------------------------------------------- */

static void take_moment(struct rp_engine *e, const char *label)
{
	struct rp_map_moment *mo;
	unsigned long nb =
		(kmm_max_pfn(e->m) + kmm_pageblock_pages(e->m) - 1) / kmm_pageblock_pages(e->m);

	if (e->nmoments >= 3)
		return;
	mo = &e->moments[e->nmoments];
	mo->blocks = calloc(nb, sizeof(*mo->blocks));
	if (!mo->blocks)
		return;
	mo->label = label;
	mo->event = e->st.lines;
	mo->nblocks = nb;
	for (unsigned long b = 0; b < nb; b++)
		kmm_pageblock_info(e->m, b, &mo->blocks[b]);
	e->nmoments++;
}

void rp_engine_sample(struct rp_engine *e)
{
	struct rp_sample *s;
	struct kmm_slab_info info[256];
	int n;
	unsigned long free_total = 0;

	if (e->nsamples == e->cap_samples) {
		int cap = e->cap_samples ? 2 * e->cap_samples : 256;
		struct rp_sample *ns = realloc(e->samples, (size_t)cap * sizeof(*ns));

		if (!ns)
			return;
		e->samples = ns;
		e->cap_samples = cap;
	}
	s = &e->samples[e->nsamples];
	memset(s, 0, sizeof(*s));
	s->ts_ns = e->have_ts ? e->last_ts - e->first_ts : 0;
	s->event = e->st.lines;
	for (int z = 0; z < e->nzones; z++) {
		enum kmm_zone_type zt = (enum kmm_zone_type)e->zones[z].zone;

		kmm_zone_free_blocks(e->m, e->zones[z].nid, zt, s->free_blocks[z]);
		s->free_pages[z] = kmm_zone_free_pages(e->m, e->zones[z].nid, zt);
		s->unusable9[z] = kmm_zone_unusable_index(e->m, e->zones[z].nid, zt, 9);
		s->unusable3[z] = kmm_zone_unusable_index(e->m, e->zones[z].nid, zt, 3);
		s->extfrag9[z] = kmm_zone_fragmentation_index(e->m, e->zones[z].nid, zt, 9);
		free_total += s->free_pages[z];
	}
	n = kmm_slab_info(e->m, info, 256);
	if (n > 256)
		n = 256;
	for (int i = 0; i < n; i++) {
		unsigned long pages = info[i].num_slabs * info[i].pagesperslab;
		int idx = cache_index(e, info[i].name, strlen(info[i].name));

		s->slab_pages += pages;
		if (idx < 0)
			continue;
		if (idx >= s->ncache_at) {
			int cap = e->ncaches;
			unsigned long *cp = realloc(s->cache_pages, (size_t)cap * sizeof(*cp));

			if (!cp)
				continue;
			memset(cp + s->ncache_at, 0, (size_t)(cap - s->ncache_at) * sizeof(*cp));
			s->cache_pages = cp;
			s->ncache_at = cap;
		}
		s->cache_pages[idx] = pages;
	}
	s->page_event_pages = e->st.live_pages;
	if (s->slab_pages > e->st.peak_slab_pages)
		e->st.peak_slab_pages = s->slab_pages;
	if (e->managed - free_total > e->st.peak_used_pages)
		e->st.peak_used_pages = e->managed - free_total;
	e->nsamples++;
	if (e->on_sample)
		e->on_sample(e, e->on_sample_ctx);
}

/* ---- events ------------------------------------------------------------------ */

static void note_failure(struct rp_engine *e, gfp_t gfp, unsigned int order)
{
	e->st.failures++;
	if (order <= KMM_MAX_ORDER)
		e->st.fail_pages[order]++;
	else
		e->st.fail_objects++;
	for (int i = 0; i < e->st.nfail_gfp; i++) {
		if (e->st.fail_gfp[i].gfp == gfp && e->st.fail_gfp[i].order == order) {
			e->st.fail_gfp[i].count++;
			return;
		}
	}
	if (e->st.nfail_gfp < RP_MAX_GFP)
		e->st.fail_gfp[e->st.nfail_gfp++] = (struct rp_gfp_fail){ gfp, order, 1 };
}

/*
 * Move to a host CPU that kmm maps to machine CPU (trace cpu % nr_cpus):
 * host CPU h runs as machine CPU h % nr_cpus (smp/cpu.h). Only when the
 * trace changes CPU; a CPU the host cannot provide is counted, and the
 * event runs where the thread is.
 */
static void place_cpu(struct rp_engine *e, int trace_cpu)
{
	int nr = kmm_nr_cpus(e->m), want = trace_cpu % nr;

	if (want == e->cur_cpu)
		return;
	e->cur_cpu = want;
	for (int i = 0; i < e->nhost; i++) {
		cpu_set_t one;

		if (e->host_cpus[i] % nr != want)
			continue;
		CPU_ZERO(&one);
		CPU_SET(e->host_cpus[i], &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0 &&
		    kmm_smp_processor_id(e->m) == want) {
			e->st.cpu_moves++;
			return;
		}
	}
	e->st.cpu_unplaced++;
}

static void restore_affinity(struct rp_engine *e)
{
	cpu_set_t all;

	if (e->cur_cpu < 0 || !e->nhost)
		return;
	CPU_ZERO(&all);
	for (int i = 0; i < e->nhost; i++)
		CPU_SET(e->host_cpus[i], &all);
	sched_setaffinity(0, sizeof(all), &all);
}

static void free_slot_page(struct rp_engine *e, struct rp_slot *s, int order)
{
	if (s->obj) {
		if (order >= 0 && (unsigned int)order != s->order)
			e->st.order_mismatch++;
		kmm_free_pages(e->m, s->obj, s->order);
		e->st.live_pages -= 1ul << s->order;
	}
	rp_map_kill(&e->pages, s);
}

static void free_slot_obj(struct rp_engine *e, struct rp_slot *s)
{
	if (s->obj) {
		if (s->cache)
			kmm_kmem_cache_free(e->m, s->cache, s->obj);
		else
			kmm_kfree(e->m, s->obj);
	}
	rp_map_kill(&e->objs, s);
}

/*
 * A machine with maxmem= grows as libkmm-malloc's does (src/malloc/grow.c):
 * an allocation the trace says succeeded, and that fails here, gets the
 * next absent memory block, onlined into a kernel zone, and is tried
 * again. false when there is no block left or hotplug refuses (and for a
 * machine without maxmem=, which has no blocks to add).
 */
static bool grow_machine(struct rp_engine *e)
{
	unsigned long block = kmm_memory_block_size_bytes(e->m);
	struct kmm_memory_block_info info;

	for (unsigned long id = e->grow_from; kmm_memory_block_info(e->m, id, &info) == KMM_OK;
	     id++) {
		if (info.state != KMM_MEM_BLOCK_ABSENT)
			continue;
		e->grow_from = id + 1;
		if (kmm_add_memory(e->m, 0, (uint64_t)id * block, block) != KMM_OK)
			return false;
		/* memhp_default_state= may have onlined it already */
		if (kmm_memory_block_info(e->m, id, &info) == KMM_OK &&
		    info.state == KMM_MEM_BLOCK_OFFLINE &&
		    kmm_memory_block_online(e->m, id, KMM_MMOP_ONLINE_KERNEL) != KMM_OK)
			return false;
		e->managed += info.nr_pages;
		e->st.grown_blocks++;
		return true;
	}
	e->grow_from = ~0ul;
	return false;
}

static int replay_event(struct rp_engine *e, struct kmm_trace_event *ev)
{
	gfp_t gfp = ev->gfp;
	int nid = ev->node < 0 ? -1 : ev->node % kmm_nr_nodes(e->m);
	struct rp_slot *s;

	if (gfp & __GFP_NOFAIL) {
		gfp &= ~__GFP_NOFAIL;
		e->st.nofail_cleared++;
	}
	gfp &= ~__GFP_ZERO;
	if (e->opt.pin)
		place_cpu(e, ev->cpu);

	switch (ev->kind) {
	case KMM_EV_MM_PAGE_ALLOC: {
		unsigned int order = (unsigned int)ev->order;
		struct page *page = NULL;

		if (order <= KMM_MAX_ORDER)
			page = kmm_alloc_pages_node(e->m, -1, gfp, order);
		while (!page && order <= KMM_MAX_ORDER && !ev->pfn_failed && grow_machine(e))
			page = kmm_alloc_pages_node(e->m, -1, gfp, order);
		if (ev->pfn_failed) {
			e->st.trace_failed++;
			if (page)
				kmm_free_pages(e->m, page, order);
			return 0;
		}
		s = rp_map_find(&e->pages, ev->pfn);
		if (s && s->state == RP_LIVE) {
			e->st.implicit_free++;
			e->st.implicit_free_pages++;
			free_slot_page(e, s, -1);
		}
		s = rp_map_put(&e->pages, ev->pfn);
		if (!s)
			return -1;
		s->obj = page;
		s->order = order;
		if (!page) {
			note_failure(e, ev->gfp, order > KMM_MAX_ORDER ? KMM_MAX_ORDER : order);
			return 0;
		}
		e->st.live_pages += 1ul << order;
		if (e->st.live_pages > e->st.peak_pages)
			e->st.peak_pages = e->st.live_pages;
		return 0;
	}
	case KMM_EV_MM_PAGE_FREE:
	case KMM_EV_MM_PAGE_FREE_BATCHED:
		s = rp_map_find(&e->pages, ev->pfn);
		if (!s) {
			e->st.unmatched_free[ev->kind]++;
			return 0;
		}
		if (s->state == RP_DEAD) {
			if (ev->kind == KMM_EV_MM_PAGE_FREE_BATCHED)
				e->st.batched_echo++;
			else
				e->st.unmatched_free[ev->kind]++;
			return 0;
		}
		e->st.matched_free[ev->kind]++;
		free_slot_page(e, s, ev->kind == KMM_EV_MM_PAGE_FREE ? ev->order : 0);
		return 0;
	case KMM_EV_KMALLOC:
	case KMM_EV_KMEM_CACHE_ALLOC: {
		struct kmem_cache *c = NULL;
		void *obj;

		if (ev->kind == KMM_EV_KMEM_CACHE_ALLOC)
			c = trace_cache(e, ev);
		do {
			if (c)
				obj = kmm_kmem_cache_alloc_node(e->m, c, gfp, nid);
			else
				obj = kmm_kmalloc_node(e->m,
						       ev->kind == KMM_EV_KMALLOC ? ev->bytes_req
										  : ev->bytes_alloc,
						       gfp, nid);
		} while (!obj && ev->ptr != 0 && grow_machine(e));
		if (ev->ptr == 0) {
			e->st.trace_failed++;
			if (obj && c)
				kmm_kmem_cache_free(e->m, c, obj);
			else if (obj)
				kmm_kfree(e->m, obj);
			return 0;
		}
		s = rp_map_find(&e->objs, ev->ptr);
		if (s && s->state == RP_LIVE) {
			e->st.implicit_free++;
			free_slot_obj(e, s);
		}
		s = rp_map_put(&e->objs, ev->ptr);
		if (!s)
			return -1;
		s->obj = obj;
		s->cache = c;
		s->order = (uint32_t)ev->bytes_alloc;
		if (!obj)
			note_failure(e, ev->gfp, 99);
		return 0;
	}
	case KMM_EV_KFREE:
	case KMM_EV_KMEM_CACHE_FREE:
		if (ev->ptr == 0) {
			e->st.kfree_null++;
			return 0;
		}
		s = rp_map_find(&e->objs, ev->ptr);
		if (!s || s->state != RP_LIVE) {
			e->st.unmatched_free[ev->kind]++;
			return 0;
		}
		e->st.matched_free[ev->kind]++;
		free_slot_obj(e, s);
		return 0;
	}
	return 0;
}

static void pace(struct rp_engine *e, uint64_t ts)
{
	uint64_t want, now;

	if (e->opt.speed <= 0 || !e->have_ts)
		return;
	want = e->wall_start + (uint64_t)((double)(ts - e->first_ts) / e->opt.speed);
	now = rp_now_ns();
	if (want > now + 200000) {
		struct timespec d = { (time_t)((want - now) / 1000000000ull),
				      (long)((want - now) % 1000000000ull) };

		nanosleep(&d, NULL);
	}
}

void rp_engine_begin(struct rp_engine *e, unsigned long total_lines)
{
	e->total_lines = total_lines;
	e->sample_every = total_lines ? total_lines / e->opt.nsamples : 1000;
	if (e->sample_every == 0)
		e->sample_every = 1;
	e->next_sample = e->sample_every;
	if (e->opt.want_maps)
		take_moment(e, "start");
	rp_engine_sample(e);
	e->wall_start = rp_now_ns();
	e->cpu_start = thread_cpu_ns();
}

int rp_engine_line(struct rp_engine *e, const char *line, size_t n)
{
	struct kmm_trace_event ev;
	int r;

	e->st.lines++;
	r = kmm_trace_parse_line(&e->parser, line, n, &ev, e->err, sizeof(e->err));
	if (r == KMM_TRACE_EVENT) {
		e->st.events[ev.kind]++;
		if (!e->have_ts) {
			e->first_ts = ev.ts_ns;
			e->have_ts = true;
		}
		if (ev.ts_ns > e->last_ts)
			e->last_ts = ev.ts_ns;
		e->st.cpu_events[ev.cpu & 7]++;
		pace(e, ev.ts_ns);
		if (replay_event(e, &ev)) {
			snprintf(e->err, sizeof(e->err), "line %lu: out of memory", e->parser.line);
			return -1;
		}
		e->st.replayed[ev.kind]++;
	} else if (r == KMM_TRACE_UNKNOWN) {
		e->st.unknown++;
	} else if (r < 0) {
		if (!e->opt.lenient)
			return -1;
		e->st.skipped_bad++;
	}
	if (e->st.lines >= e->next_sample) {
		e->next_sample += e->sample_every;
		rp_engine_sample(e);
	}
	if (e->opt.want_maps && e->nmoments == 1 && e->total_lines &&
	    e->st.lines >= e->total_lines / 2)
		take_moment(e, "middle");
	if (e->on_tick && (e->st.lines & 255) == 0)
		e->on_tick(e, e->on_sample_ctx);
	return 0;
}

void rp_engine_end(struct rp_engine *e)
{
	e->st.seconds = (double)(rp_now_ns() - e->wall_start) / 1e9;
	e->st.cpu_seconds = (double)(thread_cpu_ns() - e->cpu_start) / 1e9;
	restore_affinity(e);
	rp_engine_sample(e);
	if (e->opt.want_maps) {
		if (e->nmoments == 1)
			take_moment(e, "middle");
		take_moment(e, "end");
	}
}

int rp_engine_run(struct rp_engine *e, const char *buf, size_t len)
{
	unsigned long lines = 0;
	size_t pos = 0;
	int ret = 0;

	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + len - p))); p++)
		lines++;
	if (len && buf[len - 1] != '\n')
		lines++;
	rp_engine_begin(e, lines);
	while (pos < len && !e->stop) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (rp_engine_line(e, line, n)) {
			ret = -1;
			break;
		}
	}
	rp_engine_end(e);
	return ret;
}
