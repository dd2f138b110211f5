/* SPDX-License-Identifier: MIT */
/*
 * page/warn.c - what the page allocator says when something is wrong:
 *  - bad_page: a descriptor in a state the operation forbids (double free,
 *    tail page, wrong order ...), in the kernel's "BUG: Bad page state"
 *    format with a dump of the descriptor;
 *  - warn_alloc: an allocation failed, in the kernel's "page allocation
 *    failure: order:N, mode:0x...(...)" format, followed by show_mem's
 *    Mem-Info block (page/show_mem.c); rate limited (10 per 5 seconds) as
 *    the kernel's is;
 *  - kmm_report_bad_call: an argument that is wrong before any page is
 *    involved (a pointer outside the machine, an invalid gfp mask).
 */
#include "log.h"
#include "page/internal.h"
#include "page/pcp.h"
#include "platform/platform.h"
#include "smp/cpu.h"

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
	[PG_movable_ops_isolated] = "movable_ops_isolated",
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
	/* 6.18's PG_movable_ops: the page's owner registered movable_operations */
	if (flags & (PAGE_MOVABLE_MASK << PAGE_MOVABLE_SHIFT))
		kmm_out_printf(o, "%smovable_ops", first ? "" : "|");
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

void warn_gfp_migratetype(struct kmm_machine *m, gfp_t gfp)
{
	struct kmm_out o;
	char comm[32], flags[256];
	int cpu = kmm_this_cpu(m);

	kmm_os_task_name(comm, sizeof(comm));
	kmm_format_gfp(flags, sizeof(flags), gfp);
	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "------------[ cut here ]------------\n");
	kmm_out_printf(&o, "WARNING: CPU: %d at include/linux/gfp.h:22 gfp_migratetype\n", cpu);
	kmm_out_printf(&o, "CPU: %d Comm: %s\n", cpu, comm);
	kmm_out_printf(&o, "kmm: mode:%#x(%s) has both mobility bits: allocated as HighAtomic\n",
		       gfp, flags);
	kmm_out_printf(&o, "---[ end trace 0000000000000000 ]---\n");
	kmm_log_end(m, &o);
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

/* The kernel's %*pbl of a node mask: "0", "0-3", "0,2-3". */
static void print_node_list(struct kmm_out *o, uint64_t mask, int nr_nodes)
{
	bool first = true;

	for (int n = 0; n < nr_nodes && n < 64; n++) {
		int end = n;

		if (!((mask >> n) & 1))
			continue;
		while (end + 1 < nr_nodes && end + 1 < 64 && ((mask >> (end + 1)) & 1))
			end++;
		if (end > n)
			kmm_out_printf(o, "%s%d-%d", first ? "" : ",", n, end);
		else
			kmm_out_printf(o, "%s%d", first ? "" : ",", n);
		first = false;
		n = end;
	}
}

static bool has_managed_dma(const struct kmm_machine *m)
{
	for (int nid = 0; nid < m->nr_nodes; nid++)
		if (m->node_data[nid]->node_zones[KMM_ZONE_DMA].managed_pages)
			return true;
	return false;
}

/*
 * 6.18's warn_alloc: "%s: %pV, mode:%#x(%pGg), nodemask=%*pbl", the
 * cpuset line (kmm's task is in the root cpuset, allowed every node), then
 * __show_mem. The kernel's dump_stack between them has no kmm equivalent.
 */
void warn_alloc(struct kmm_machine *m, gfp_t gfp, unsigned int order, const uint64_t *nodemask,
		const char *fmt, ...)
{
	struct kmm_out o;
	char comm[32], what[128], flags[256];
	uint64_t all = m->nr_nodes >= 64 ? ~0ull : (1ull << m->nr_nodes) - 1;
	va_list ap;

	if ((gfp & __GFP_NOWARN) || !warn_ratelimit(m) ||
	    ((gfp & __GFP_DMA) && !has_managed_dma(m)))
		return;
	va_start(ap, fmt);
	kmm_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kmm_os_task_name(comm, sizeof(comm));
	kmm_format_gfp(flags, sizeof(flags), gfp);
	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "%s: %s, mode:%#x(%s), nodemask=", comm, what, gfp, flags);
	if (nodemask)
		print_node_list(&o, *nodemask, m->nr_nodes);
	else
		kmm_out_printf(&o, "(null)");
	kmm_out_printf(&o, ",cpuset=/,mems_allowed=");
	print_node_list(&o, all, m->nr_nodes);
	kmm_out_printf(&o, "\n");
	/* warn_alloc_show_mem: a request that may reclaim shows only its nodemask */
	show_mem(m, &o, (gfp & __GFP_DIRECT_RECLAIM) != 0, nodemask, gfp_zone(gfp));
	kmm_log_end(m, &o);
	(void)order;
}
