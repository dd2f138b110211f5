/* SPDX-License-Identifier: MIT */
/*
 * hotplug/memory_block.c - the memory block table, mem_hotplug_lock, the
 * layer's kmm_check walker, memory notifiers and the sysfs view
 * (Linux's drivers/base/memory.c).
 *
 * The table has one entry per memory block (one section) below maxmem=:
 * boot blocks are online and marked boot; blocks above the boot memory
 * start absent, become offline when added and online when onlined. It is
 * written only under mem_hotplug_lock; readers outside it (kmm_check,
 * kmm_memory_block_info, the report) take the lock too.
 *
 * Invariants kmm_check proves (hotplug_check):
 *  - a block is present in the section map exactly when it is not absent;
 *  - an offline block's descriptors are all reserved: no page of it is on
 *    a free list, a per-CPU list or in use;
 *  - an online block lies inside its zone's span and its node's span,
 *    every descriptor names that zone and node, and its first
 *    memmap_pages (its own memmap) stay reserved;
 *  - each zone's present pages are its boot present pages plus a whole
 *    block per online block, its managed pages (with deferred ones) its boot
 *    figure plus a block minus its memmap per online block; a node's
 *    present pages are its zones' sum and totalram_pages the sum of
 *    managed pages.
 */
#include "boot/late_init.h"
#include "hotplug/hotplug.h"
#include "log.h"
#include "page/internal.h"

#define CHECK_MSGS 8

static const char *const state_names[] = { "absent", "offline", "online" };

static unsigned long block_memmap_pages(const struct kmm_machine *m)
{
	unsigned long bytes = PAGES_PER_SECTION * sizeof(struct page);
	unsigned long pages = (bytes + m->page_size - 1) >> m->page_shift;

	/* a caller's region: the memmap is committed at the vmemmap, not on the block */
	if (!m->owns_phys)
		return 0;
	/* its own pageblock(s): a block's memmap never shares one with buddy pages */
	return ALIGN_UP(pages, pageblock_nr_pages);
}

/* The highest zone of node nid whose span meets [start, end). */
static int zone_meeting(const struct kmm_machine *m, int nid, unsigned long start,
			unsigned long end)
{
	int found = -1;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &m->node_data[nid]->node_zones[z];

		if (zone->spanned_pages && zone->zone_start_pfn < end && zone_end_pfn(zone) > start)
			found = z;
	}
	return found;
}

/* How many zones of node nid have spans meeting [start, end)? */
static int zones_meeting(const struct kmm_machine *m, int nid, unsigned long start,
			 unsigned long end)
{
	int n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &m->node_data[nid]->node_zones[z];

		n += zone->spanned_pages && zone->zone_start_pfn < end &&
		     zone_end_pfn(zone) > start;
	}
	return n;
}

static int node_of_pfn(const struct kmm_machine *m, unsigned long pfn)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		const struct pglist_data *pgdat = m->node_data[n];

		if (pfn >= pgdat->node_start_pfn &&
		    pfn < pgdat->node_start_pfn + pgdat->node_spanned_pages)
			return n;
	}
	return 0;
}

int hotplug_init(struct kmm_machine *m)
{
	struct kmm_hotplug *hp;
	unsigned long nr_blocks, bytes;
	unsigned int order = 0;
	struct page *page;

	m->hotplug = NULL;
	if (!m->layout.maxmem_pfn)
		return KMM_OK;
	nr_blocks = m->layout.maxmem_pfn >> PFN_SECTION_SHIFT;
	bytes = sizeof(*hp) + nr_blocks * sizeof(struct mem_block);
	while ((m->page_size << order) < bytes)
		order++;
	if (order > MAX_ORDER)
		return KMM_ENOMEM;
	page = kmm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, order);
	if (!page)
		return KMM_ENOMEM;
	hp = page_to_virt_raw(m, page);
	kmm_spin_init_class(&hp->lock, KMM_LOCK_MEM_HOTPLUG);
	hp->table_order = order;
	hp->nr_blocks = nr_blocks;
	hp->blocks = (struct mem_block *)(hp + 1);
	hp->first_hp_block = ALIGN_UP(m->max_pfn, PAGES_PER_SECTION) >> PFN_SECTION_SHIFT;
	hp->memmap_pages = block_memmap_pages(m);
	for (unsigned long b = 0; b < hp->first_hp_block; b++) {
		unsigned long s = block_start_pfn(b);
		int nid;

		if (!pfn_valid(m, s))
			continue;
		nid = node_of_pfn(m, s);
		hp->blocks[b].state = MEM_ONLINE;
		hp->blocks[b].boot = 1;
		hp->blocks[b].nid = (uint8_t)nid;
		hp->blocks[b].zone =
			(uint8_t)MAX(zone_meeting(m, nid, s, s + PAGES_PER_SECTION), 0);
	}
	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pgdat = m->node_data[n];

		hp->boot_node[n] =
			(struct kmm_pfn_range){ pgdat->node_start_pfn,
						pgdat->node_start_pfn + pgdat->node_spanned_pages };
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			hp->boot_zone[n][z] =
				(struct kmm_pfn_range){ zone->zone_start_pfn, zone_end_pfn(zone) };
			hp->boot_present[n][z] = zone->present_pages;
			hp->boot_managed[n][z] = zone_managed_final(zone);
		}
	}
	m->hotplug = hp;
	return KMM_OK;
}

void hotplug_teardown(struct kmm_machine *m)
{
	/* the table lives in the machine's memory, which goes with it */
	m->hotplug = NULL;
}

/* ---- notifiers ----------------------------------------------------------- */

int memory_notify(struct kmm_machine *m, int action, unsigned long start_pfn,
		  unsigned long nr_pages)
{
	struct kmm_hotplug *hp = m->hotplug;

	for (int i = 0; i < hp->nr_notifiers; i++) {
		int ret = hp->notifier[i](hp->notifier_ctx[i], (unsigned long)action, start_pfn,
					  nr_pages);

		if (ret && (action == KMM_MEM_GOING_ONLINE || action == KMM_MEM_GOING_OFFLINE))
			return ret < 0 ? ret : KMM_EBUSY;
	}
	return 0;
}

int kmm_register_memory_notifier(kmm_machine *m, kmm_memory_notify_fn fn, void *ctx)
{
	struct kmm_hotplug *hp = m ? m->hotplug : NULL;
	int ret = KMM_OK;

	if (!hp || !fn)
		return KMM_EINVAL;
	kmm_spin_lock(&hp->lock);
	if (hp->nr_notifiers == KMM_MEMORY_NOTIFIERS) {
		ret = KMM_ENOMEM;
	} else {
		hp->notifier[hp->nr_notifiers] = fn;
		hp->notifier_ctx[hp->nr_notifiers++] = ctx;
	}
	kmm_spin_unlock(&hp->lock);
	return ret;
}

int kmm_unregister_memory_notifier(kmm_machine *m, kmm_memory_notify_fn fn, void *ctx)
{
	struct kmm_hotplug *hp = m ? m->hotplug : NULL;
	int ret = KMM_EINVAL;

	if (!hp)
		return KMM_EINVAL;
	kmm_spin_lock(&hp->lock);
	for (int i = 0; i < hp->nr_notifiers; i++) {
		if (hp->notifier[i] != fn || hp->notifier_ctx[i] != ctx)
			continue;
		for (int j = i + 1; j < hp->nr_notifiers; j++) {
			hp->notifier[j - 1] = hp->notifier[j];
			hp->notifier_ctx[j - 1] = hp->notifier_ctx[j];
		}
		hp->nr_notifiers--;
		ret = KMM_OK;
		break;
	}
	kmm_spin_unlock(&hp->lock);
	return ret;
}

/* ---- queries --------------------------------------------------------------- */

unsigned long kmm_memory_block_size_bytes(const kmm_machine *m)
{
	return PAGES_PER_SECTION << m->page_shift;
}

int kmm_memory_block_info(kmm_machine *m, unsigned long block_id,
			  struct kmm_memory_block_info *info)
{
	struct kmm_hotplug *hp = m ? m->hotplug : NULL;

	if (!info || !m)
		return KMM_EINVAL;
	if (!hp) {
		/* no maxmem=: the boot blocks only, all online */
		unsigned long s = block_start_pfn(block_id);

		if (block_id >= (machine_max_pfn(m) + PAGES_PER_SECTION - 1) >> PFN_SECTION_SHIFT)
			return KMM_EINVAL;
		info->state = pfn_valid(m, s) ? KMM_MEM_BLOCK_ONLINE : KMM_MEM_BLOCK_ABSENT;
		info->nid = node_of_pfn(m, s);
		info->zone = (enum kmm_zone_type)MAX(
			zone_meeting(m, info->nid, s, s + PAGES_PER_SECTION), 0);
		info->boot = 1;
	} else {
		const struct mem_block *b;

		if (block_id >= hp->nr_blocks)
			return KMM_EINVAL;
		kmm_spin_lock(&hp->lock);
		b = &hp->blocks[block_id];
		info->state = (enum kmm_memory_block_state)b->state;
		info->nid = b->nid;
		info->zone = (enum kmm_zone_type)b->zone;
		info->boot = b->boot;
		kmm_spin_unlock(&hp->lock);
	}
	info->start_pfn = block_start_pfn(block_id);
	info->nr_pages = PAGES_PER_SECTION;
	return KMM_OK;
}

/* ---- the sysfs view -------------------------------------------------------- */

#define SYSFS "/sys/devices/system/memory/"

static const char *const online_type_names[] = { "offline", "online", "online_kernel",
						 "online_movable" };

void hotplug_print_blocks(struct kmm_machine *m, struct kmm_out *o)
{
	struct kmm_hotplug *hp = m->hotplug;
	unsigned long nr = hp ? hp->nr_blocks
			      : (machine_max_pfn(m) + PAGES_PER_SECTION - 1) >> PFN_SECTION_SHIFT;

	kmm_out_printf(o, SYSFS "block_size_bytes:%lx\n", kmm_memory_block_size_bytes(m));
	kmm_out_printf(o, SYSFS "auto_online_blocks:%s\n",
		       online_type_names[m->desc.memhp_default_state & 3]);
	for (unsigned long b = 0; b < nr; b++) {
		struct kmm_memory_block_info info;

		if (kmm_memory_block_info(m, b, &info) || info.state == KMM_MEM_BLOCK_ABSENT)
			continue;
		/* the files of memory<b>/ in the order grep lists them (alphabetically) */
		kmm_out_printf(o, SYSFS "memory%lu/online:%d\n", b,
			       info.state == KMM_MEM_BLOCK_ONLINE);
		kmm_out_printf(o, SYSFS "memory%lu/phys_index:%08lx\n", b, b);
		kmm_out_printf(o, SYSFS "memory%lu/removable:1\n", b);
		kmm_out_printf(o, SYSFS "memory%lu/state:%s\n", b, state_names[info.state]);
		/*
		 * valid_zones: an online block's zone ("none" when it spans several,
		 * as boot blocks at a zone boundary do); an offline block's choices,
		 * the one "online" takes first
		 */
		if (info.state == KMM_MEM_BLOCK_ONLINE)
			kmm_out_printf(o, SYSFS "memory%lu/valid_zones:%s\n", b,
				       zones_meeting(m, info.nid, info.start_pfn,
						     info.start_pfn + info.nr_pages) > 1
					       ? "none"
					       : zone_names[info.zone]);
		else
			kmm_out_printf(o, SYSFS "memory%lu/valid_zones:%s\n", b,
				       m->desc.movable_node ? "Movable Normal" : "Normal Movable");
	}
}

/* ---- kmm_check ------------------------------------------------------------- */

struct hp_checker {
	struct kmm_machine *m;
	int problems, nmsgs;
	char msgs[CHECK_MSGS][192];
};

static void hp_problem(struct hp_checker *c, const char *fmt, ...) KMM_PRINTF(2, 3);
static void hp_problem(struct hp_checker *c, const char *fmt, ...)
{
	char line[160];
	va_list ap;

	if (c->problems++ >= CHECK_MSGS)
		return;
	va_start(ap, fmt);
	kmm_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kmm_snprintf(c->msgs[c->nmsgs++], sizeof(c->msgs[0]), "kmm_check: hotplug: %s\n", line);
}

/* The descriptors of one block against its state. Under the zone lock when online. */
static void check_block_memmap(struct hp_checker *c, unsigned long block, const struct mem_block *b)
{
	struct kmm_machine *m = c->m;
	struct kmm_hotplug *hp = m->hotplug;
	unsigned long s = block_start_pfn(block), e = s + PAGES_PER_SECTION;

	for (unsigned long pfn = s; pfn < e; pfn++) {
		const struct page *p = pfn_to_page(m, pfn);
		bool memmap = pfn < s + hp->memmap_pages;

		if (b->state == MEM_OFFLINE || memmap) {
			if (!page_test(p, PG_reserved) || page_test(p, PG_buddy) ||
			    page_test(p, PG_pcp)) {
				hp_problem(c,
					   "memory%lu (%s): pfn %#lx is not reserved (flags %#x)",
					   block, memmap ? "its memmap" : "offline", pfn,
					   p->flags & PAGE_FLAGS_MASK);
				return;
			}
		}
		if (b->state == MEM_ONLINE &&
		    (page_zonenum(p) != b->zone || page_nid(p) != b->nid)) {
			hp_problem(c,
				   "memory%lu: pfn %#lx records node %u zone %u, the block %u %u",
				   block, pfn, page_nid(p), page_zonenum(p), b->nid, b->zone);
			return;
		}
	}
}

int hotplug_check(struct kmm_machine *m)
{
	struct kmm_hotplug *hp = m->hotplug;
	unsigned long online[KMM_MAX_NUMNODES][KMM_NR_ZONES];
	unsigned long totalram = 0;
	struct hp_checker c;

	if (!hp)
		return 0;
	c.m = m;
	c.problems = c.nmsgs = 0;
	kmm_memset(online, 0, sizeof(online));
	kmm_spin_lock(&hp->lock);
	for (unsigned long blk = 0; blk < hp->nr_blocks; blk++) {
		const struct mem_block *b = &hp->blocks[blk];
		unsigned long s = block_start_pfn(blk);
		bool present = pfn_valid(m, s);
		struct zone *zone;

		if (b->boot)
			continue;
		if (b->state > MEM_ONLINE || b->nid >= m->nr_nodes || b->zone >= MAX_NR_ZONES) {
			hp_problem(&c, "memory%lu has state %u node %u zone %u", blk, b->state,
				   b->nid, b->zone);
			continue;
		}
		if (present != (b->state != MEM_ABSENT)) {
			hp_problem(&c, "memory%lu is %s but its section is %spresent", blk,
				   state_names[b->state], present ? "" : "not ");
			continue;
		}
		if (b->state == MEM_ABSENT)
			continue;
		if (b->state == MEM_OFFLINE) {
			check_block_memmap(&c, blk, b);
			continue;
		}
		zone = &m->node_data[b->nid]->node_zones[b->zone];
		online[b->nid][b->zone]++;
		kmm_spin_lock(&zone->lock);
		if (s < zone->zone_start_pfn || s + PAGES_PER_SECTION > zone_end_pfn(zone))
			hp_problem(&c, "memory%lu lies outside zone %s [%#lx, %#lx)", blk,
				   zone->name, zone->zone_start_pfn, zone_end_pfn(zone));
		check_block_memmap(&c, blk, b);
		kmm_spin_unlock(&zone->lock);
	}
	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pgdat = m->node_data[n];
		unsigned long node_present = 0;

		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			unsigned long want_present =
				hp->boot_present[n][z] + online[n][z] * PAGES_PER_SECTION;
			unsigned long want_managed =
				hp->boot_managed[n][z] +
				online[n][z] * (PAGES_PER_SECTION - hp->memmap_pages);

			if (READ_ONCE(zone->present_pages) != want_present)
				hp_problem(&c, "node %d %s: %lu present pages, %lu expected", n,
					   zone->name, zone->present_pages, want_present);
			if (zone_managed_final(zone) != want_managed)
				hp_problem(&c, "node %d %s: %lu managed pages, %lu expected", n,
					   zone->name, zone_managed_final(zone), want_managed);
			if (online[n][z] &&
			    (zone->zone_start_pfn >
				     pgdat->node_start_pfn + pgdat->node_spanned_pages ||
			     zone->zone_start_pfn < pgdat->node_start_pfn ||
			     zone_end_pfn(zone) >
				     pgdat->node_start_pfn + pgdat->node_spanned_pages))
				hp_problem(&c, "node %d %s lies outside its node's span", n,
					   zone->name);
			node_present += READ_ONCE(zone->present_pages);
			totalram += zone_managed_final(zone);
		}
		if (READ_ONCE(pgdat->node_present_pages) != node_present)
			hp_problem(&c, "node %d: %lu present pages, its zones hold %lu", n,
				   pgdat->node_present_pages, node_present);
	}
	if (__atomic_load_n(&m->totalram_pages, __ATOMIC_RELAXED) + kmm_deferred_pages(m) !=
	    totalram)
		hp_problem(&c, "totalram_pages %lu (with deferred ones) but the zones manage %lu",
			   __atomic_load_n(&m->totalram_pages, __ATOMIC_RELAXED) +
				   kmm_deferred_pages(m),
			   totalram);
	kmm_spin_unlock(&hp->lock);
	for (int i = 0; i < c.nmsgs; i++)
		kmm_log(m, "%s", c.msgs[i]);
	if (c.problems > CHECK_MSGS)
		kmm_log(m, "kmm_check: hotplug: %d problems in all\n", c.problems);
	return c.problems;
}
