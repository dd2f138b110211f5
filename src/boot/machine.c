/* SPDX-License-Identifier: MIT */
/*
 * boot/machine.c - booting and tearing down a machine.
 *
 * Boot order (mirrors start_kernel's mm_init, compressed):
 *   1. parse the description and compute the layout (boot/cmdline.c,
 *      boot/layout.c) - nothing exists yet, all on the stack;
 *   2. physical memory: a sparse memfd, its lowmem mapped as the direct map
 *      in a reservation aligned to the largest block, its highmem left
 *      unmapped (or the caller's region, all of it mapped; with maxmem= the
 *      region covers the limit and only the boot memory must be accessible);
 *   3. memblock carves the machine struct, the present-section map, each
 *      node's pg_data_t and memmap, and each zone's pageblock types out of
 *      the machine's own RAM (top-down, node-local, lowmem, not MOVABLE);
 *   4. the memmap ("vmemmap") is a flat pfn-indexed array: with a host that
 *      can remap, an address-space reservation where each node's piece is
 *      mapped from that node's memory and sections without RAM stay
 *      unbacked (SPARSEMEM_VMEMMAP); on a caller's region that can grow
 *      (maxmem=) a reservation whose sections with RAM are committed as
 *      the host's private memory; otherwise one contiguous block;
 *   5. every descriptor starts PG_reserved with its zone and node; RAM that
 *      memblock did not take is freed into the buddy lists in the largest
 *      aligned blocks that fit inside its zone (memblock_free_all);
 *   6. watermarks, lowmem reserves and zonelists are computed.
 */
#include "boot/late_init.h"
#include "boot/memblock.h"
#include "log.h"
#include "page/deferred.h"
#include "page/internal.h"
#include "platform/platform.h"

const char *const zone_names[MAX_NR_ZONES] = { "DMA",	  "DMA32",   "Normal",
					       "HighMem", "Movable", "Device" };
const char *const migratetype_names[MIGRATE_TYPES] = { "Unmovable",  "Movable", "Reclaimable",
						       "HighAtomic", "CMA",	"Isolate" };
#define KMM_EVENT_NAME(id, name, zone) name,
#define KMM_EVENT_ZONE(id, name, zone) zone,
const char *const vm_event_names[NR_VM_EVENT_ITEMS] = { KMM_VM_EVENT_ITEMS(
	KMM_EVENT_NAME) KMM_VM_KMM_EVENT_ITEMS(KMM_EVENT_NAME) };
const signed char vm_event_zone[NR_VM_EVENT_ITEMS] = { KMM_VM_EVENT_ITEMS(
	KMM_EVENT_ZONE) KMM_VM_KMM_EVENT_ITEMS(KMM_EVENT_ZONE) };

/* Give up booting for lack of room: a message, and KMM_ENOMEM. */
#define fail(err, len, ...) (kmm_set_error((err), (len), __VA_ARGS__), KMM_ENOMEM)

struct boot {
	struct kmm_layout lay;
	struct memblock mb;
	struct kmm_os_caps caps;
	char *phys;
	size_t phys_size;
	size_t phys_reserved; /* maxmem=: address space held for phys, or 0 */
	intptr_t handle;
	bool owns_phys;
	void *direct_reserve; /* the direct map's reservation (owns_phys only) */
	size_t direct_reserve_size;
	bool zeroed; /* the caller's region reads as zeroes: boot allocations skip their memset */
	struct kmm_machine *m;
	uint8_t *section_present; /* bitmap, from memblock */
	unsigned long nr_sections;
};

static inline unsigned long pages_for(const struct boot *b, size_t bytes)
{
	return (unsigned long)((bytes + (1ul << b->lay.page_shift) - 1) >> b->lay.page_shift);
}

static void *boot_alloc(struct boot *b, size_t bytes, int nid, unsigned long *pfn_out)
{
	unsigned long nr = pages_for(b, bytes);
	unsigned long pfn = memblock_alloc(&b->mb, nr, 1, nid, b->lay.max_low_pfn);
	void *p;

	if (pfn == MEMBLOCK_NONE)
		return NULL;
	p = b->phys + (pfn << b->lay.page_shift);
	if (!b->zeroed)
		kmm_memset(p, 0, nr << b->lay.page_shift);
	if (pfn_out)
		*pfn_out = pfn;
	return p;
}

static bool section_has_ram(const struct boot *b, unsigned long sec)
{
	unsigned long s = sec << PFN_SECTION_SHIFT;

	return kmm_layout_ram_pages(&b->lay, s, MIN(s + PAGES_PER_SECTION, b->lay.max_pfn)) != 0;
}

/*
 * Where node memory ending at ne stops the memmap piece of section sec. With
 * maxmem= the last section of the boot memory gets its whole memmap: once
 * memory is hot-added above it, max_pfn no longer ends pfn_valid there.
 */
static unsigned long piece_end(const struct boot *b, unsigned long ne, unsigned long sec)
{
	unsigned long e = MIN(ne, (sec + 1) << PFN_SECTION_SHIFT);

	if (b->lay.maxmem_pfn && ne == b->lay.max_pfn && e == ne)
		e = ALIGN_UP(ne, PAGES_PER_SECTION);
	return e;
}

/* The memmap's address space: 32 bytes per page up to max_pfn or maxmem=. */
static size_t vmemmap_bytes(const struct boot *b)
{
	return ALIGN_UP((size_t)MAX(b->lay.max_pfn, b->lay.maxmem_pfn) * sizeof(struct page),
			b->caps.host_page_size);
}

/* vmemmap_reserved says what teardown must give back: set only once held. -1 on failure. */
static int reserve_vmemmap(struct boot *b)
{
	b->m->vmemmap = kmm_os_reserve(vmemmap_bytes(b));
	if (!b->m->vmemmap)
		return -1;
	b->m->vmemmap_reserved = vmemmap_bytes(b);
	return 0;
}

/*
 * A caller's region that can grow (maxmem=): the region cannot be mapped a
 * second time, so the memmap is not carved out of its RAM. It is address
 * space reserved up to maxmem=, each section with RAM committed there as
 * the host's private memory (kmm_os_commit), and hotplug commits the memmap
 * of each section it adds the same way (hotplug/add.c). The machine's RAM
 * spends no frame on it (memmap_pages stays 0), as with memory whose
 * memmap a kernel's firmware placed outside it.
 */
static int setup_memmap_committed(struct boot *b, char *err, size_t len)
{
	struct kmm_machine *m = b->m;
	size_t hps = b->caps.host_page_size;

	if (reserve_vmemmap(b))
		return fail(err, len, "cannot reserve %zu bytes of address space for the memmap",
			    vmemmap_bytes(b));
	for (int n = 0; n < b->lay.nr_nodes; n++) {
		unsigned long ns = b->lay.node[n].start, ne = b->lay.node[n].end;

		for (unsigned long sec = ns >> PFN_SECTION_SHIFT; (sec << PFN_SECTION_SHIFT) < ne;
		     sec++) {
			unsigned long s = MAX(ns, sec << PFN_SECTION_SHIFT);
			uintptr_t from = ALIGN_DOWN((uintptr_t)(m->vmemmap + s), hps);
			uintptr_t to =
				ALIGN_UP((uintptr_t)(m->vmemmap + piece_end(b, ne, sec)), hps);
			int ret;

			if (!section_has_ram(b, sec))
				continue;
			ret = kmm_os_commit((void *)from, to - from);
			if (ret)
				return fail(err, len,
					    "the host cannot commit the memmap of section %lu "
					    "(error %d)",
					    sec, -ret);
			b->section_present[sec / 8] |= (uint8_t)(1u << (sec % 8));
		}
	}
	return KMM_OK;
}

/* Back the memmap: one piece per node, in that node's memory. */
static int setup_memmap(struct boot *b, char *err, size_t len)
{
	struct kmm_machine *m = b->m;
	size_t psz = sizeof(struct page);

	if (b->lay.maxmem_pfn && !b->owns_phys)
		return setup_memmap_committed(b, err, len);
	if (!b->caps.can_remap || b->caps.host_page_size > NODE_ALIGN_PAGES * psz) {
		if (b->lay.maxmem_pfn)
			return fail(err, len,
				    "maxmem= needs a host that can remap memory (the memmap of "
				    "hot-added sections is mapped at run time)");
		/* Flat memmap in one block: the caller's region cannot be remapped. */
		unsigned long pfn;
		size_t bytes = (size_t)b->lay.max_pfn * psz;

		if (!boot_alloc(b, bytes, -1, &pfn))
			return fail(err, len, "no room for the memmap (%zu bytes)", bytes);
		m->vmemmap = (struct page *)(b->phys + (pfn << b->lay.page_shift));
		m->memmap_pages = pages_for(b, bytes);
		/* As with SPARSEMEM_VMEMMAP: a section without RAM has no descriptors in use. */
		for (unsigned long s = 0; s < b->nr_sections; s++)
			if (section_has_ram(b, s))
				b->section_present[s / 8] |= (uint8_t)(1u << (s % 8));
		return KMM_OK;
	}
	if (reserve_vmemmap(b))
		return fail(err, len, "cannot reserve %zu bytes of address space for the memmap",
			    vmemmap_bytes(b));
	for (int n = 0; n < b->lay.nr_nodes; n++) {
		unsigned long ns = b->lay.node[n].start, ne = b->lay.node[n].end;
		size_t total = 0, off = 0;
		unsigned long base_pfn;

		/* pieces: the part of each section with RAM that lies in this node */
		for (unsigned long sec = ns >> PFN_SECTION_SHIFT; (sec << PFN_SECTION_SHIFT) < ne;
		     sec++) {
			unsigned long s = MAX(ns, sec << PFN_SECTION_SHIFT);
			unsigned long e = piece_end(b, ne, sec);

			if (section_has_ram(b, sec))
				total += (e - s) * psz;
		}
		if (total == 0)
			continue;
		base_pfn = memblock_alloc(&b->mb, pages_for(b, total),
					  b->caps.host_page_size >> b->lay.page_shift ?: 1, n,
					  b->lay.max_low_pfn);
		if (base_pfn == MEMBLOCK_NONE)
			return fail(err, len, "node %d has no room for its memmap (%zu bytes)", n,
				    total);
		m->memmap_pages += pages_for(b, total);
		for (unsigned long sec = ns >> PFN_SECTION_SHIFT; (sec << PFN_SECTION_SHIFT) < ne;
		     sec++) {
			unsigned long s = MAX(ns, sec << PFN_SECTION_SHIFT);
			unsigned long e = piece_end(b, ne, sec);
			size_t bytes = (e - s) * psz;

			if (!section_has_ram(b, sec))
				continue;
			if (!kmm_os_phys_map(b->handle,
					     ((uint64_t)base_pfn << b->lay.page_shift) + off, bytes,
					     (char *)m->vmemmap + s * psz))
				return fail(err, len, "cannot map the memmap of section %lu", sec);
			b->section_present[sec / 8] |= (uint8_t)(1u << (sec % 8));
			off += bytes;
		}
	}
	return KMM_OK;
}

static int setup_nodes(struct boot *b, char *err, size_t len)
{
	struct kmm_machine *m = b->m;

	for (int n = 0; n < b->lay.nr_nodes; n++) {
		struct pglist_data *pgdat = boot_alloc(b, sizeof(*pgdat), n, NULL);

		if (!pgdat)
			return fail(err, len, "node %d has no room for its pg_data_t", n);
		m->node_data[n] = pgdat;
		pgdat->node_id = n;
		pgdat->machine = m;
		pgdat->node_start_pfn = b->lay.node[n].start;
		pgdat->node_spanned_pages = b->lay.node[n].end - b->lay.node[n].start;
		pgdat->node_present_pages =
			kmm_layout_ram_pages(&b->lay, b->lay.node[n].start, b->lay.node[n].end);
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			struct kmm_pfn_range r = b->lay.zone[n][z];

			zone->zone_pgdat = pgdat;
			zone->node = n;
			zone->idx = (enum kmm_zone_type)z;
			zone->name = zone_names[z];
			kmm_spin_init_class(&zone->lock, KMM_LOCK_ZONE);
			for (int o = 0; o < NR_PAGE_ORDERS; o++)
				for (int t = 0; t < MIGRATE_TYPES; t++)
					page_list_init(&zone->free_area[o].free_list[t]);
			if (r.start >= r.end)
				continue;
			zone->zone_start_pfn = r.start;
			zone->spanned_pages = r.end - r.start;
			zone->present_pages = kmm_layout_ram_pages(&b->lay, r.start, r.end);
			pgdat->nr_zones = z + 1;
		}
	}
	return KMM_OK;
}

/* Pageblock type arrays: every pageblock starts MIGRATE_MOVABLE, as on Linux. */
static int setup_pageblocks(struct boot *b, char *err, size_t len)
{
	if (b->lay.maxmem_pfn) {
		/*
		 * Hotplug: one array up to the limit, shared by every zone (base
		 * 0), so a zone can grow into hot-added sections. Only the boot
		 * part is written; the rest of the fresh memory reads as zero
		 * (MIGRATE_UNMOVABLE) until a section is onlined.
		 */
		unsigned long n = b->lay.maxmem_pfn >> pageblock_order;
		unsigned long pfn =
			memblock_alloc(&b->mb, pages_for(b, n), 1, 0, b->lay.max_low_pfn);
		uint8_t *mt;

		if (pfn == MEMBLOCK_NONE)
			return fail(err, len, "no room for the pageblock types up to maxmem=");
		mt = (uint8_t *)(b->phys + (pfn << b->lay.page_shift));
		kmm_memset(mt, MIGRATE_MOVABLE,
			   ALIGN_UP(b->lay.max_pfn, pageblock_nr_pages) >> pageblock_order);
		b->m->pageblock_mt = mt;
		for_each_zone_m (b->m, zone) {
			zone->pageblock_mt = mt;
			zone->pageblock_base = 0;
		}
		return KMM_OK;
	}
	for_each_zone_m (b->m, zone) {
		unsigned long first, last, n;

		if (!zone_is_populated(zone))
			continue;
		first = zone->zone_start_pfn >> pageblock_order;
		last = (zone_end_pfn(zone) - 1) >> pageblock_order;
		n = last - first + 1;
		zone->pageblock_base = zone->zone_start_pfn;
		zone->pageblock_mt = boot_alloc(b, n, zone->node, NULL);
		if (!zone->pageblock_mt)
			return fail(err, len, "no room for the pageblock types of zone %s",
				    zone->name);
		kmm_memset(zone->pageblock_mt, MIGRATE_MOVABLE, n);
	}
	return KMM_OK;
}

/*
 * Every descriptor of a backed section, reserved, with its zone and node;
 * then every RAM page memblock did not take to the buddy lists. Both stop
 * at each node's first deferred pfn (page/deferred.c).
 */
static void init_memmap(struct boot *b)
{
	unsigned long end = ALIGN_UP(b->lay.max_pfn, PAGES_PER_SECTION);

	for (int n = 0; n < b->lay.nr_nodes; n++)
		memmap_init_range(b->m, n, b->lay.node[n].start,
				  MIN(b->lay.node[n].end, b->m->node_data[n]->first_deferred_pfn));
	/* maxmem=: the rest of the last boot section, a hole, is reserved (piece_end) */
	if (b->lay.maxmem_pfn && b->m->vmemmap_reserved) {
		struct page tmpl;

		kmm_memset(&tmpl, 0, sizeof(tmpl));
		tmpl.flags = 1u << PG_reserved;
		set_page_links(&tmpl, KMM_ZONE_NORMAL, (unsigned int)(b->lay.nr_nodes - 1));
		tmpl._refcount = 1;
		tmpl.lru_next = KMM_NIL_PFN;
		tmpl.lru_prev = KMM_NIL_PFN;
		for (unsigned long p = b->lay.max_pfn; p < end; p++)
			b->m->vmemmap[p] = tmpl;
	}
}

/* memblock_free_all */
static void free_all_ram(struct boot *b)
{
	struct kmm_machine *m = b->m;

	for_each_zone_m (m, zone) {
		unsigned long end = MIN(zone_end_pfn(zone), zone->zone_pgdat->first_deferred_pfn);

		if (!zone_is_populated(zone))
			continue;
		zone->managed_pages = memmap_free_range(m, zone, zone->zone_start_pfn, end);
		m->totalram_pages += zone->managed_pages;
		if (zone->idx == KMM_ZONE_HIGHMEM)
			m->totalhigh_pages += zone->managed_pages;
	}
}

static void setup_cpus(struct kmm_machine *m)
{
	m->nr_cpus = m->desc.nr_cpus;
	/* CPUs are spread over nodes in contiguous blocks, as sockets are. */
	for (int c = 0; c < m->nr_cpus; c++)
		m->cpu_to_node[c] = (uint8_t)((long)c * m->nr_nodes / m->nr_cpus);
	for (int i = 0; i < m->nr_nodes; i++)
		for (int j = 0; j < m->nr_nodes; j++)
			m->node_distance[i][j] =
				(uint8_t)(i == j ? 10 : m->desc.numa_remote_distance);
}

static void teardown(struct boot *b)
{
	if (b->m && b->m->vmemmap_reserved)
		kmm_os_unmap(b->m->vmemmap, b->m->vmemmap_reserved);
	if (b->owns_phys) {
		if (b->direct_reserve)
			kmm_os_unmap(b->direct_reserve, b->direct_reserve_size);
		kmm_os_phys_destroy(b->handle);
	}
}

/*
 * The direct map: address space for all of physical memory, reserved
 * aligned to the largest block (2^MAX_ORDER pages), so an order-k block's
 * address is aligned to its size as on Linux, where the direct map starts
 * at a 1 GiB boundary. Only lowmem, [0, max_low_pfn), is mapped; the rest
 * of the reservation stays without access, so a highmem frame is reached
 * only through kmap, kmap_local or vmap (src/highmem/). Returns 0 or -errno.
 */
static int map_direct(struct boot *b)
{
	size_t align = (size_t)1 << (b->lay.page_shift + MAX_ORDER);
	size_t low = (size_t)b->lay.max_low_pfn << b->lay.page_shift;
	char *base;
	int ret;

	/*
	 * With maxmem= the reservation covers every address memory may be
	 * hot-added at (hotplug/add.c maps it there); only boot lowmem is
	 * mapped now.
	 */
	b->phys_reserved = (size_t)b->lay.maxmem_pfn << b->lay.page_shift;
	b->direct_reserve_size = MAX(b->phys_size, b->phys_reserved) + align;
	b->direct_reserve = kmm_os_reserve(b->direct_reserve_size);
	if (!b->direct_reserve)
		return -KMM_OS_ENOMEM;
	base = (char *)ALIGN_UP((uintptr_t)b->direct_reserve, align);
	/* a host page larger than the machine's: the direct map ends at the host page after */
	low = MIN(ALIGN_UP(low, b->caps.host_page_size), b->phys_size);
	ret = kmm_os_phys_map_fixed(b->handle, 0, low, base);
	if (ret)
		return ret;
	b->phys = base;
	return 0;
}

static int machine_boot(const char *cmdline, void *mem, size_t size, bool zeroed, kmm_machine **out,
			char *err, size_t len)
{
	struct kmm_machine_desc desc;
	struct kmm_desc_src src; /* the tokens behind desc, for the layout's refusals */
	struct boot b;
	struct kmm_machine *m;
	int ret;

	if (err && len)
		err[0] = '\0';
	if (!out)
		return KMM_EINVAL;
	*out = NULL;
	kmm_memset(&b, 0, sizeof(b));
	b.zeroed = zeroed;
	kmm_desc_defaults(&desc);
	ret = kmm_cmdline_parse_src(cmdline && *cmdline ? cmdline : KMM_DEFAULT_CMDLINE, &desc,
				    &src, err, len);
	if (ret)
		return ret;
	if (!desc.exactmap && desc.mem_bytes == 0)
		desc.mem_bytes = 4ull << 30; /* the default machine's memory size */
	ret = kmm_layout_compute(&desc, &src, &b.lay, err, len);
	if (ret)
		return ret;
	kmm_os_caps(&b.caps);
	b.phys_size = (size_t)b.lay.max_pfn << b.lay.page_shift;
	b.handle = -1;
	if (mem) {
		size_t grows_to = (size_t)b.lay.maxmem_pfn << b.lay.page_shift;

		if (b.lay.maxmem_pfn && !b.caps.can_commit) {
			kmm_set_error(err, len,
				      "maxmem= on a caller's region needs a host that can commit "
				      "memory (kmm_os_commit)");
			return KMM_EINVAL;
		}
		if ((uintptr_t)mem & ((1ul << b.lay.page_shift) - 1) ||
		    (b.lay.maxmem_pfn && (uintptr_t)mem % b.caps.host_page_size)) {
			kmm_set_error(err, len, "the memory region is not page aligned");
			return KMM_EINVAL;
		}
		if (size < grows_to) {
			kmm_set_error(err, len,
				      "the memory region (%zu bytes) is smaller than maxmem= "
				      "(%zu bytes): memory is hot-added inside it",
				      size, grows_to);
			return KMM_EINVAL;
		}
		if (size < b.phys_size) {
			kmm_set_error(err, len,
				      "the memory region (%zu bytes) is smaller than the layout "
				      "needs (%zu bytes)",
				      size, b.phys_size);
			return KMM_EINVAL;
		}
		b.phys = mem;
		b.caps.can_remap = 0;
	} else {
		ret = kmm_os_phys_create(b.phys_size, &b.handle);
		if (ret)
			return fail(err, len,
				    "cannot create %zu bytes of physical memory (error %d)",
				    b.phys_size, -ret);
		b.owns_phys = true;
		ret = map_direct(&b);
		if (ret) {
			teardown(&b);
			if (ret == -KMM_OS_ENOSYS)
				return fail(
					err, len,
					"the host cannot map physical memory at a fixed address "
					"(error %d)",
					-ret);
			return fail(err, len, "cannot map %zu bytes of physical memory",
				    b.phys_size);
		}
	}
	memblock_init(&b.mb, &b.lay);

	/* The machine struct itself lives in the machine's memory, on node 0. */
	m = boot_alloc(&b, sizeof(*m), 0, NULL);
	if (!m) {
		teardown(&b);
		return fail(err, len, "no room for the machine structure");
	}
	b.m = m;
	m->magic = KMM_MACHINE_MAGIC;
	m->desc = desc;
	m->layout = b.lay;
	m->page_shift = b.lay.page_shift;
	m->page_size = 1ul << b.lay.page_shift;
	m->max_pfn = b.lay.max_pfn;
	/* the direct map spans every address memory may be hot-added at, as on x86-64 Linux */
	m->max_low_pfn = b.lay.maxmem_pfn ?: b.lay.max_low_pfn;
	m->phys = b.phys;
	m->phys_size = b.phys_size;
	m->phys_reserved = b.phys_reserved;
	m->phys_handle = b.handle;
	m->owns_phys = b.owns_phys;
	m->phys_zeroed = b.owns_phys || b.zeroed;
	/* a caller's region that can grow is mapped up to maxmem=, its direct map too */
	m->direct_pfns = b.owns_phys || b.lay.maxmem_pfn ? m->max_low_pfn : b.lay.max_pfn;
	m->direct_reserve = b.direct_reserve;
	m->direct_reserve_size = b.direct_reserve_size;
	m->nr_nodes = b.lay.nr_nodes;
	kmm_spin_init_class(&m->log_lock, KMM_LOCK_LOG);
	kmm_desc_format(&desc, m->cmdline, sizeof(m->cmdline));

	b.nr_sections =
		(MAX(b.lay.max_pfn, b.lay.maxmem_pfn) + PAGES_PER_SECTION - 1) >> PFN_SECTION_SHIFT;
	b.section_present = boot_alloc(&b, (b.nr_sections + 7) / 8, 0, NULL);
	if (!b.section_present) {
		teardown(&b);
		return fail(err, len, "no room for the section map");
	}
	ret = setup_memmap(&b, err, len);
	if (!ret)
		ret = setup_nodes(&b, err, len);
	if (!ret)
		ret = setup_pageblocks(&b, err, len);
	if (ret) {
		teardown(&b);
		return ret;
	}
	m->section_present = b.section_present;
	/* memblock stays for deferred init: its last allocation is its own copy. */
	m->memblock = boot_alloc(&b, sizeof(struct memblock), 0, NULL);
	if (!m->memblock) {
		teardown(&b);
		return fail(err, len, "no room for the boot allocator's reservations");
	}
	kmm_memcpy(m->memblock, &b.mb, sizeof(b.mb));
	m->memblock->lay = &m->layout;
	setup_cpus(m);
	deferred_setup(m);
	init_memmap(&b);
	free_all_ram(&b);
	m->boot_pages = b.mb.reserved_pages;
	m->user_min_free_kbytes = m->desc.min_free_kbytes;
	setup_per_zone_wmarks(m);
	setup_per_zone_lowmem_reserve(m);
	build_all_zonelists(m);
	ret = kmm_late_init(m, err, len);
	if (ret) {
		kmm_machine_destroy(m);
		return ret;
	}
	*out = m;
	return KMM_OK;
}

int kmm_machine_create(const char *cmdline, kmm_machine **out, char *err, size_t err_len)
{
	return machine_boot(cmdline, NULL, 0, false, out, err, err_len);
}

int kmm_machine_create_on(const char *cmdline, void *mem, size_t size, kmm_machine **out, char *err,
			  size_t err_len)
{
	if (!mem) {
		if (err && err_len)
			kmm_snprintf(err, err_len, "no memory region given");
		return KMM_EINVAL;
	}
	return machine_boot(cmdline, mem, size, false, out, err, err_len);
}

int kmm_machine_create_on_zeroed(const char *cmdline, void *mem, size_t size, kmm_machine **out,
				 char *err, size_t err_len)
{
	if (!mem) {
		if (err && err_len)
			kmm_snprintf(err, err_len, "no memory region given");
		return KMM_EINVAL;
	}
	return machine_boot(cmdline, mem, size, true, out, err, err_len);
}

void kmm_machine_destroy(kmm_machine *m)
{
	bool owns_phys;
	intptr_t handle;
	void *direct_reserve;
	size_t direct_reserve_size;

	if (!m)
		return;
	/* m lives inside phys: what its unmapping needs is copied out first */
	owns_phys = m->owns_phys;
	handle = m->phys_handle;
	direct_reserve = m->direct_reserve;
	direct_reserve_size = m->direct_reserve_size;
	/* the layers stop first: kswapd and the reporting thread are joined */
	kmm_late_teardown(m);
	m->magic = 0;
	if (m->vmemmap_reserved)
		kmm_os_unmap(m->vmemmap, m->vmemmap_reserved);
	/* nothing of m may be touched after this */
	if (owns_phys) {
		kmm_os_unmap(direct_reserve, direct_reserve_size);
		kmm_os_phys_destroy(handle);
	}
}

void kmm_set_log(kmm_machine *m, kmm_sink_fn sink, void *ctx)
{
	kmm_spin_lock(&m->log_lock);
	m->log_sink = sink;
	m->log_ctx = ctx;
	kmm_spin_unlock(&m->log_lock);
}

const char *kmm_machine_cmdline(const kmm_machine *m)
{
	return m->cmdline;
}

unsigned long kmm_page_size(const kmm_machine *m)
{
	return m->page_size;
}

int kmm_nr_nodes(const kmm_machine *m)
{
	return m->nr_nodes;
}

int kmm_nr_cpus(const kmm_machine *m)
{
	return m->nr_cpus;
}

unsigned long kmm_max_pfn(const kmm_machine *m)
{
	return machine_max_pfn(m);
}
