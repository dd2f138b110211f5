/* SPDX-License-Identifier: MIT */
/*
 * page/warn.c - what the page allocator says when something is wrong:
 *  - bad_page: a descriptor in a state the operation forbids (double free,
 *    tail page, wrong order ...), in the kernel's "BUG: Bad page state"
 *    format with a dump of the descriptor;
 *  - warn_alloc: an allocation failed, in the kernel's "page allocation
 *    failure: order:N, mode:0x...(...)" format, followed by the free areas
 *    of every zone as show_free_areas prints them; rate limited (10 per
 *    5 seconds) as the kernel's is;
 *  - kmm_report_bad_call: an argument that is wrong before any page is
 *    involved (a pointer outside the machine, an invalid gfp mask).
 */
#include "log.h"
#include "page/internal.h"
#include "platform/platform.h"

#define WARN_RATELIMIT_BURST 10
#define WARN_RATELIMIT_NS 5000000000ull

const char *const pageflag_names[NR_PAGEFLAGS] = {
	[PG_reserved] = "reserved",
	[PG_buddy] = "buddy",
	[PG_head] = "head",
	[PG_tail] = "tail",
	[PG_slab] = "slab",
	[PG_pcp] = "pcp",
	[PG_highmem] = "highmem",
	[PG_vmalloc] = "vmalloc",
	[PG_guard] = "guard",
	[PG_hwpoison] = "hwpoison",
	[PG_owner_priv] = "owner_priv",
	[PG_reported] = "reported",
};

static void print_flag_names(struct kmm_out *o, uint32_t flags)
{
	bool first = true;

	for (int f = 0; f < NR_PAGEFLAGS; f++) {
		if (!(flags & (1u << f)))
			continue;
		kmm_out_printf(o, "%s%s", first ? "" : "|", pageflag_names[f]);
		first = false;
	}
}

void dump_page(struct kmm_machine *m, struct kmm_out *o, const struct page *page,
	       const char *reason)
{
	unsigned long pfn = page_to_pfn(m, page);

	kmm_out_printf(o, "page:%p refcount:%d order:%d pfn:%#lx node:%u zone:%s\n",
		       (const void *)page, page_ref_count(page),
		       page_test(page, PG_buddy) ? (int)buddy_order(page) : page_alloc_order(page),
		       pfn, page_nid(page), zone_names[page_zonenum(page)]);
	kmm_out_printf(o, "flags: %#x(", page->flags & PAGE_FLAGS_MASK);
	print_flag_names(o, page->flags & PAGE_FLAGS_MASK);
	kmm_out_printf(o, ")\n");
	kmm_out_printf(o, "raw: %08x %08x %08x %08x %016lx %016llx\n", page->flags,
		       (unsigned int)page->_refcount, page->lru_next, page->lru_prev,
		       (unsigned long)page->private, (unsigned long long)page->u.raw);
	if (reason)
		kmm_out_printf(o, "page dumped because: %s\n", reason);
}

void bad_page(struct kmm_machine *m, const struct page *page, const char *reason)
{
	struct kmm_out o;
	char comm[32];

	count_vm_event(m, BAD_PAGE_REPORTS);
	kmm_os_task_name(comm, sizeof(comm));
	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "BUG: Bad page state in process %s  pfn:%05lx\n", comm,
		       page_to_pfn(m, page));
	dump_page(m, &o, page, reason);
	kmm_out_printf(&o, "kmm: the page was left as it was; allocator state is unchanged\n");
	kmm_log_end(m, &o);
	kmm_log_maybe_fatal(m);
}

void kmm_report_bad_call(struct kmm_machine *m, const char *fmt, ...)
{
	struct kmm_out o;
	char line[384];
	va_list ap;

	count_vm_event(m, BAD_PAGE_REPORTS);
	va_start(ap, fmt);
	kmm_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "kmm: BUG: %s\n", line);
	kmm_log_end(m, &o);
	kmm_log_maybe_fatal(m);
}

static bool warn_ratelimit(struct kmm_machine *m)
{
	static const uint64_t interval = WARN_RATELIMIT_NS;
	uint64_t now = kmm_os_now_ns();
	bool ok;

	kmm_spin_lock(&m->log_lock);
	if (m->warn_window_ns == 0 || now - m->warn_window_ns >= interval) {
		m->warn_window_ns = now;
		m->warn_count = 0;
	}
	ok = m->warn_count++ < WARN_RATELIMIT_BURST;
	kmm_spin_unlock(&m->log_lock);
	return ok;
}

/* The per-zone part of show_free_areas: "Node 0 Normal: 3*4kB (UM) ... = 12kB". */
static void show_free_areas(struct kmm_machine *m, struct kmm_out *o)
{
	static const char mt_letter[MIGRATE_TYPES] = { 'U', 'M', 'E', 'H', 'I' };
	unsigned long kb = m->page_size >> 10;

	for_each_zone_m (m, zone) {
		unsigned long total = 0;

		if (!zone_is_populated(zone))
			continue;
		kmm_out_printf(o,
			       "Node %d %s free:%lukB min:%lukB low:%lukB high:%lukB "
			       "reserved_highatomic:%luKB present:%lukB managed:%lukB\n",
			       zone->node, zone->name,
			       (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_PAGES]) * kb,
			       min_wmark_pages(zone) * kb, low_wmark_pages(zone) * kb,
			       high_wmark_pages(zone) * kb, zone->nr_reserved_highatomic * kb,
			       zone->present_pages * kb, zone->managed_pages * kb);
		kmm_out_printf(o, "Node %d %s: ", zone->node, zone->name);
		kmm_spin_lock(&zone->lock);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			const struct free_area *area = &zone->free_area[order];
			char types[MIGRATE_TYPES + 1];
			int nt = 0;

			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				if (!page_list_empty(&area->free_list[mt]))
					types[nt++] = mt_letter[mt];
			types[nt] = '\0';
			total += area->nr_free << order;
			if (nt)
				kmm_out_printf(o, "%lu*%lukB (%s) ", area->nr_free, kb << order,
					       types);
			else
				kmm_out_printf(o, "%lu*%lukB ", area->nr_free, kb << order);
		}
		kmm_spin_unlock(&zone->lock);
		kmm_out_printf(o, "= %lukB\n", total * kb);
	}
}

void warn_alloc(struct kmm_machine *m, gfp_t gfp, unsigned int order, const uint64_t *nodemask,
		const char *fmt, ...)
{
	struct kmm_out o;
	char comm[32], what[128], flags[256];
	va_list ap;

	if ((gfp & __GFP_NOWARN) || !warn_ratelimit(m))
		return;
	va_start(ap, fmt);
	kmm_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kmm_os_task_name(comm, sizeof(comm));
	kmm_format_gfp(flags, sizeof(flags), gfp);
	kmm_log_begin(m, &o);
	if (nodemask)
		kmm_out_printf(&o, "%s: %s, mode:%#x(%s), nodemask=%#llx\n", comm, what, gfp, flags,
			       (unsigned long long)*nodemask);
	else
		kmm_out_printf(&o, "%s: %s, mode:%#x(%s), nodemask=(null)\n", comm, what, gfp,
			       flags);
	kmm_out_printf(&o, "Mem-Info:\n");
	show_free_areas(m, &o);
	kmm_log_end(m, &o);
	(void)order;
}
