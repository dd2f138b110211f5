/* SPDX-License-Identifier: MIT */
/*
 * boot/layout.c - turn a machine description into RAM, node and zone spans
 * (see layout.h). Every refusal quotes the token that caused it, exactly as
 * the user typed it (struct kmm_desc_src, from the parser); without a src,
 * or for a key left at its default, the canonical form ("the default
 * 'mem=4G'").
 */
#include "boot/layout.h"
#include "lib/format.h"

#define SZ_1M (1ull << 20)
#define SZ_16M (16ull << 20)
#define SZ_3G (3ull << 30)
#define SZ_4G (4ull << 30)
#define DEFAULT_MEM SZ_4G

/* Refuse the layout with a message; every caller returns this. */
#define fail(err, len, ...) (kmm_set_error((err), (len), __VA_ARGS__), KMM_EINVAL)

/* Human size for messages: the largest exact binary unit. */
static void fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (bytes && (bytes & 1023) == 0 && u < 5) {
		bytes >>= 10;
		u++;
	}
	if (u < 0)
		kmm_snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		kmm_snprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[u]);
}

/*
 * The token behind a size key, for a message: exactly as the user typed it
 * when src knows it, otherwise (no src, or a default) the canonical form.
 */
static const char *q_size(char *buf, size_t len, const struct kmm_token *t, const char *key,
			  uint64_t bytes)
{
	char sz[32];

	if (t && t->text)
		return kmm_token_quote(buf, len, NULL, t);
	fmt_size(sz, sizeof(sz), bytes);
	kmm_snprintf(buf, len, "'%s=%s'", key, sz);
	return buf;
}

/* The same for a memmap= item (op '@' or '$'). */
static const char *q_range(char *buf, size_t len, const struct kmm_token *t,
			   const struct kmm_range *r, char op)
{
	char sz[32], at[32];

	if (t && t->text)
		return kmm_token_quote(buf, len, "memmap=", t);
	fmt_size(sz, sizeof(sz), r->size);
	fmt_size(at, sizeof(at), r->start);
	kmm_snprintf(buf, len, "'memmap=%s%c%s'", sz, op, at);
	return buf;
}

/* What decided the machine's RAM: the mem= token (or the default) or memmap=exactmap. */
static const char *q_ram(char *buf, size_t len, const struct kmm_machine_desc *d,
			 const struct kmm_desc_src *src)
{
	if (d->exactmap) {
		if (src && src->exactmap.text)
			return kmm_token_quote(buf, len, "memmap=", &src->exactmap);
		kmm_snprintf(buf, len, "'memmap=exactmap'");
		return buf;
	}
	if (src && !src->mem.text) {
		char sz[32];

		fmt_size(sz, sizeof(sz), d->mem_bytes ? d->mem_bytes : DEFAULT_MEM);
		kmm_snprintf(buf, len, "the default 'mem=%s'", sz);
		return buf;
	}
	return q_size(buf, len, src ? &src->mem : NULL, "mem", d->mem_bytes);
}

/*
 * maxmem=SIZE (QEMU's -m ...,maxmem=, which a guest's firmware describes as
 * hotpluggable ranges): memory may be hot-added below it, whole sections.
 * The limit is rounded down to a section and must leave room above the
 * boot memory's last section.
 */
static int layout_maxmem(const struct kmm_machine_desc *d, const struct kmm_desc_src *src,
			 struct kmm_layout *lay, char *err, size_t len)
{
	unsigned long limit, boot_end;
	char q[80], sz[32];

	lay->maxmem_pfn = 0;
	if (!d->maxmem_bytes)
		return KMM_OK;
	q_size(q, sizeof(q), src ? &src->maxmem : NULL, "maxmem", d->maxmem_bytes);
	if (d->highmem_bytes)
		return fail(err, len,
			    "%s: kmm hot-adds memory to the direct map only, not with highmem=", q);
	if ((d->maxmem_bytes >> d->page_shift) > 0xfffffffeull) {
		fmt_size(sz, sizeof(sz), (1ull << d->page_shift) << 32);
		return fail(err, len, "%s is beyond %s (2^32 pages)", q, sz);
	}
	limit = ALIGN_DOWN((unsigned long)(d->maxmem_bytes >> d->page_shift), PAGES_PER_SECTION);
	boot_end = ALIGN_UP(lay->max_pfn, PAGES_PER_SECTION);
	if (limit <= boot_end) {
		fmt_size(sz, sizeof(sz), (uint64_t)boot_end << d->page_shift);
		return fail(err, len,
			    "%s leaves no section for hotplug above the boot memory (which ends "
			    "at %s)",
			    q, sz);
	}
	lay->maxmem_pfn = limit;
	return KMM_OK;
}

int kmm_ranges_add(struct kmm_pfn_range *r, int *nr, int max, unsigned long start,
		   unsigned long end)
{
	int i, j;

	if (start >= end)
		return 0;
	for (i = 0; i < *nr && r[i].end < start; i++)
		;
	/* ranges i..j-1 touch or overlap [start, end) */
	for (j = i; j < *nr && r[j].start <= end; j++) {
		start = MIN(start, r[j].start);
		end = MAX(end, r[j].end);
	}
	if (j == i) {
		if (*nr == max)
			return -1;
		kmm_memmove(&r[i + 1], &r[i], (size_t)(*nr - i) * sizeof(r[0]));
		(*nr)++;
	} else if (j > i + 1) {
		kmm_memmove(&r[i + 1], &r[j], (size_t)(*nr - j) * sizeof(r[0]));
		*nr -= j - i - 1;
	}
	r[i].start = start;
	r[i].end = end;
	return 0;
}

/* Remove [start, end) from the RAM list. Returns pages removed, or -1 if full. */
static long sub_range(struct kmm_layout *lay, unsigned long start, unsigned long end)
{
	long removed = 0;

	for (int i = 0; i < lay->nr_ram; i++) {
		struct kmm_pfn_range r = lay->ram[i];

		if (r.end <= start || r.start >= end)
			continue;
		removed += (long)(MIN(r.end, end) - MAX(r.start, start));
		if (r.start < start && r.end > end) {
			if (lay->nr_ram == KMM_MAX_RAM_RANGES)
				return -1;
			kmm_memmove(&lay->ram[i + 1], &lay->ram[i],
				    (size_t)(lay->nr_ram - i) * sizeof(lay->ram[0]));
			lay->nr_ram++;
			lay->ram[i].end = start;
			lay->ram[i + 1].start = end;
			return removed;
		}
		if (r.start < start) {
			lay->ram[i].end = start;
		} else if (r.end > end) {
			lay->ram[i].start = end;
		} else {
			kmm_memmove(&lay->ram[i], &lay->ram[i + 1],
				    (size_t)(lay->nr_ram - i - 1) * sizeof(lay->ram[0]));
			lay->nr_ram--;
			i--;
		}
	}
	return removed;
}

unsigned long kmm_layout_ram_pages(const struct kmm_layout *lay, unsigned long start,
				   unsigned long end)
{
	unsigned long n = 0;

	for (int i = 0; i < lay->nr_ram; i++) {
		unsigned long s = MAX(start, lay->ram[i].start), e = MIN(end, lay->ram[i].end);

		if (s < e)
			n += e - s;
	}
	return n;
}

/* The pfn p such that RAM pages in [p, end) == want, never below floor. */
static unsigned long top_ram_boundary(const struct kmm_layout *lay, unsigned long floor,
				      unsigned long end, unsigned long want, bool *ok)
{
	*ok = true;
	if (want == 0)
		return end;
	for (int i = lay->nr_ram - 1; i >= 0; i--) {
		unsigned long s = MAX(floor, lay->ram[i].start), e = MIN(end, lay->ram[i].end);

		if (s >= e)
			continue;
		if (e - s >= want)
			return e - want;
		want -= e - s;
	}
	*ok = false;
	return floor;
}

/* Trim a span to the first and last RAM pfn it contains. */
static struct kmm_pfn_range trim_to_ram(const struct kmm_layout *lay, unsigned long start,
					unsigned long end)
{
	struct kmm_pfn_range r = { 0, 0 };
	bool found = false;

	for (int i = 0; i < lay->nr_ram; i++) {
		unsigned long s = MAX(start, lay->ram[i].start), e = MIN(end, lay->ram[i].end);

		if (s >= e)
			continue;
		if (!found)
			r.start = s;
		r.end = e;
		found = true;
	}
	return r;
}

int kmm_layout_pfn_node(const struct kmm_layout *lay, unsigned long pfn)
{
	for (int n = 0; n < lay->nr_nodes; n++)
		if (pfn < lay->node[n].end)
			return n;
	return lay->nr_nodes - 1;
}

unsigned long kmm_layout_next_zone_boundary(const struct kmm_layout *lay, int nid,
					    unsigned long pfn)
{
	unsigned long cand[] = { lay->dma_end, lay->dma32_end, lay->max_low_pfn,
				 lay->movable_start[nid], lay->node[nid].end };
	unsigned long next = lay->node[nid].end;

	for (size_t i = 0; i < ARRAY_SIZE(cand); i++)
		if (cand[i] > pfn && cand[i] < next)
			next = cand[i];
	return next;
}

enum kmm_zone_type kmm_layout_pfn_zone(const struct kmm_layout *lay, int nid, unsigned long pfn)
{
	if (pfn >= lay->movable_start[nid] && pfn < lay->node[nid].end)
		return KMM_ZONE_MOVABLE;
	if (pfn >= lay->max_low_pfn)
		return KMM_ZONE_HIGHMEM;
	if (pfn < lay->dma_end)
		return KMM_ZONE_DMA;
	if (pfn < lay->dma32_end)
		return KMM_ZONE_DMA32;
	return KMM_ZONE_NORMAL;
}

static int layout_ram(const struct kmm_machine_desc *d, const struct kmm_desc_src *src,
		      struct kmm_layout *lay, char *err, size_t len)
{
	uint64_t psize = 1ull << d->page_shift;
	struct kmm_range raw[KMM_MAX_RANGES + 3];
	/* the memmap=SIZE@START item behind raw[i], NULL for the ranges of mem= */
	const struct kmm_token *raw_src[KMM_MAX_RANGES + 3];
	const struct kmm_range *raw_range[KMM_MAX_RANGES + 3];
	int nraw = 0;
	char q[80], sz[32];

	if (d->exactmap) {
		if (d->nr_usable == 0)
			return fail(err, len, "%s needs at least one 'memmap=SIZE@START' range",
				    q_ram(q, sizeof(q), d, src));
	} else {
		uint64_t mem = d->mem_bytes ? d->mem_bytes : DEFAULT_MEM;
		uint64_t low = MIN(mem, SZ_3G);

		if (mem < SZ_16M)
			return fail(err, len, "%s is too small (a machine needs at least 16M)",
				    q_ram(q, sizeof(q), d, src));
		/* x86: page 0 is reserved, 640K-1M is the VGA/BIOS hole, 3G-4G the PCI hole. */
		/* usable 4K..0x9f000 as on real boards: the EBDA sits just below 640K */
		raw[nraw++] = (struct kmm_range){ psize, 0x9f000ull - psize };
		raw[nraw++] = (struct kmm_range){ SZ_1M, low - SZ_1M };
		if (mem > low)
			raw[nraw++] = (struct kmm_range){ SZ_4G, mem - low };
		for (int i = 0; i < nraw; i++)
			raw_src[i] = NULL, raw_range[i] = NULL;
	}
	for (int i = 0; i < d->nr_usable; i++) {
		raw_src[nraw] = src ? &src->usable[i] : NULL;
		raw_range[nraw] = &d->usable[i];
		raw[nraw++] = d->usable[i];
	}
	for (int i = 0; i < nraw; i++) {
		uint64_t s = ALIGN_UP(raw[i].start, psize), e = raw[i].start + raw[i].size;
		const char *who = raw_range[i]
					  ? q_range(q, sizeof(q), raw_src[i], raw_range[i], '@')
					  : q_ram(q, sizeof(q), d, src);

		e = ALIGN_DOWN(e, psize);
		if (e >> d->page_shift > 0xfffffffeull) {
			fmt_size(sz, sizeof(sz), psize << 32);
			return fail(err, len,
				    "%s puts memory beyond %s (2^32 pages of %lluK); use a larger "
				    "page_size= or less memory",
				    who, sz, (unsigned long long)(psize >> 10));
		}
		if (s < e && kmm_ranges_add(lay->ram, &lay->nr_ram, KMM_MAX_RAM_RANGES,
					    (unsigned long)(s >> d->page_shift),
					    (unsigned long)(e >> d->page_shift)))
			return fail(err, len, "%s: too many memory ranges (at most %d)", who,
				    KMM_MAX_RAM_RANGES);
	}
	for (int i = 0; i < d->nr_reserved; i++) {
		const struct kmm_range *r = &d->reserved[i];
		unsigned long s = (unsigned long)(ALIGN_DOWN(r->start, psize) >> d->page_shift);
		unsigned long e =
			(unsigned long)(ALIGN_UP(r->start + r->size, psize) >> d->page_shift);
		long removed = sub_range(lay, s, e);
		const char *who = q_range(q, sizeof(q), src ? &src->reserved[i] : NULL, r, '$');

		if (removed < 0)
			return fail(err, len, "too many memory ranges after %s (at most %d)", who,
				    KMM_MAX_RAM_RANGES);
		if (removed == 0)
			return fail(err, len, "%s reserves a range outside memory", who);
	}
	if (lay->nr_ram == 0)
		return fail(err, len, "%s%s leaves no usable memory", q_ram(q, sizeof(q), d, src),
			    d->nr_reserved ? " with its memmap= reservations" : "");
	lay->max_pfn = lay->ram[lay->nr_ram - 1].end;
	lay->total_pages = kmm_layout_ram_pages(lay, 0, lay->max_pfn);
	if (((uint64_t)lay->total_pages << d->page_shift) < SZ_16M) {
		fmt_size(sz, sizeof(sz), (uint64_t)lay->total_pages << d->page_shift);
		return fail(err, len,
			    "%s leaves %s of usable memory%s; a machine needs at least 16M",
			    q_ram(q, sizeof(q), d, src), sz,
			    d->exactmap	     ? ""
			    : d->nr_reserved ? " (after the x86 holes below 1M and the "
					       "memmap= reservations)"
					     : " (after the x86 holes at 0-4K and 636K-1M)");
	}
	return KMM_OK;
}

static const char *q_numa(char *buf, size_t len, const struct kmm_desc_src *src, int n)
{
	if (src && src->numa.text)
		return kmm_token_quote(buf, len, NULL, &src->numa);
	kmm_snprintf(buf, len, "'numa=fake=%d'", n);
	return buf;
}

static int layout_nodes(const struct kmm_machine_desc *d, const struct kmm_desc_src *src,
			struct kmm_layout *lay, char *err, size_t len)
{
	char q[80];
	int n = d->numa_fake > 0 ? d->numa_fake : 1;
	unsigned long per = lay->total_pages / (unsigned long)n;
	unsigned long prev = 0;

	if (n > 1 && ((uint64_t)per << d->page_shift) < FAKE_NODE_MIN_SIZE)
		return fail(
			err, len,
			"%s: each node needs at least 32M of memory, the machine has %lluM",
			q_numa(q, sizeof(q), src, n),
			(unsigned long long)(((uint64_t)lay->total_pages << d->page_shift) >> 20));
	lay->nr_nodes = n;
	for (int i = 0; i < n; i++) {
		unsigned long end = lay->max_pfn;

		if (i < n - 1) {
			bool ok;
			/* the boundary above which (n - 1 - i) shares of RAM remain */
			end = top_ram_boundary(lay, prev, lay->max_pfn,
					       per * (unsigned long)(n - 1 - i), &ok);
			end = ALIGN_UP(end, NODE_ALIGN_PAGES);
			if (!ok || end <= prev || end >= lay->max_pfn ||
			    kmm_layout_ram_pages(lay, prev, end) == 0)
				return fail(err, len,
					    "%s: the memory cannot be split into %d nodes",
					    q_numa(q, sizeof(q), src, n), n);
		}
		lay->node[i] = (struct kmm_pfn_range){ prev, end };
		lay->movable_start[i] = end;
		prev = end;
	}
	return KMM_OK;
}

int kmm_layout_compute(const struct kmm_machine_desc *d, const struct kmm_desc_src *src,
		       struct kmm_layout *lay, char *err, size_t len)
{
	int ret;
	char q[80];

	kmm_memset(lay, 0, sizeof(*lay));
	if (err && len)
		err[0] = '\0';
	lay->page_shift = d->page_shift;
	ret = layout_ram(d, src, lay, err, len);
	if (ret)
		return ret;
	lay->dma_end = (unsigned long)(SZ_16M >> d->page_shift);
	lay->dma32_end = (unsigned long)(SZ_4G >> d->page_shift);
	lay->max_low_pfn = lay->max_pfn;
	if (d->highmem_bytes) {
		unsigned long hp = (unsigned long)(d->highmem_bytes >> d->page_shift);
		unsigned long low_min = (unsigned long)(SZ_16M >> d->page_shift);
		bool ok;

		q_size(q, sizeof(q), src ? &src->highmem : NULL, "highmem", d->highmem_bytes);
		if (hp == 0)
			return fail(err, len, "%s is smaller than a page", q);
		if (hp + low_min > lay->total_pages)
			return fail(err, len,
				    "%s is larger than memory allows (%lluM of RAM, lowmem "
				    "needs at least 16M)",
				    q,
				    (unsigned long long)(((uint64_t)lay->total_pages
							  << d->page_shift) >>
							 20));
		lay->max_low_pfn = top_ram_boundary(lay, 0, lay->max_pfn, hp, &ok);
	}
	if (d->deferred_chunk_bytes && d->deferred_chunk_bytes != KMM_DEFERRED_CHUNK_BLOCK) {
		uint64_t c = d->deferred_chunk_bytes;
		uint64_t lo = 1ull << (d->page_shift + KMM_MAX_ORDER);
		uint64_t hi = (uint64_t)PAGES_PER_SECTION << d->page_shift;
		char a[32], b[32];

		fmt_size(a, sizeof(a), lo);
		fmt_size(b, sizeof(b), hi);
		q_size(q, sizeof(q), NULL, "deferred_struct_page_init.chunk", c);
		if ((c & (c - 1)) || c < lo || c > hi)
			return fail(err, len,
				    "%s: the chunk must be a power of two from the largest buddy "
				    "block (%s) to a memory section (%s)",
				    q, a, b);
	}
	ret = layout_maxmem(d, src, lay, err, len);
	if (ret)
		return ret;
	ret = layout_nodes(d, src, lay, err, len);
	if (ret)
		return ret;

	for (int n = 0; n < lay->nr_nodes; n++) {
		unsigned long ns = lay->node[n].start, ne = lay->node[n].end;
		unsigned long low = lay->max_low_pfn;
		/* address ranges of DMA, DMA32, NORMAL, HIGHMEM (MOVABLE is cut from the top) */
		unsigned long lo[KMM_ZONE_MOVABLE] = { 0, MIN(lay->dma_end, low),
						       MIN(lay->dma32_end, low), low };
		unsigned long hi[KMM_ZONE_MOVABLE] = { MIN(lay->dma_end, low),
						       MIN(lay->dma32_end, low), low,
						       lay->max_pfn };

		if (d->movablecore_bytes) {
			unsigned long want =
				(unsigned long)(d->movablecore_bytes >> d->page_shift) /
				(unsigned long)lay->nr_nodes;
			unsigned long floor = ns;
			bool ok;

			/* only the node's highest populated zone gives memory to MOVABLE */
			for (int z = KMM_ZONE_HIGHMEM; z >= 0; z--) {
				struct kmm_pfn_range r =
					trim_to_ram(lay, MAX(ns, lo[z]), MIN(ne, hi[z]));

				if (r.start < r.end) {
					floor = r.start;
					break;
				}
			}
			lay->movable_start[n] = top_ram_boundary(lay, floor, ne, want, &ok);
			q_size(q, sizeof(q), src ? &src->movablecore : NULL, "movablecore",
			       d->movablecore_bytes);
			if (!ok || want == 0)
				return fail(err, len,
					    "%s is more than node %d's highest zone can "
					    "give (or less than a page per node)",
					    q, n);
		}
		/*
		 * As the kernel spans a zone (zone_spanned_pages_in_node): its
		 * address range clipped to the node's span, the node's first RAM
		 * pfn to its last; holes inside (the PCI hole in DMA32) stay in
		 * the span and only present_pages leaves them out.
		 */
		struct kmm_pfn_range node_ram = trim_to_ram(lay, ns, ne);

		for (int z = 0; z < KMM_ZONE_MOVABLE; z++) {
			unsigned long s = MAX(node_ram.start, lo[z]);
			unsigned long e = MIN(MIN(node_ram.end, hi[z]), lay->movable_start[n]);

			lay->zone[n][z] = s < e ? (struct kmm_pfn_range){ s, e }
						: (struct kmm_pfn_range){ 0, 0 };
		}
		lay->zone[n][KMM_ZONE_MOVABLE] = trim_to_ram(lay, lay->movable_start[n], ne);
	}
	return KMM_OK;
}
