/* SPDX-License-Identifier: MIT */
/*
 * trace/trace.c - the out-of-line half of kmm's tracepoints: build the
 * record of one event, print its fields exactly as the kernel's TP_printk
 * does (include/trace/events/kmem.h, 6.18), and hand both to the machine's
 * callback. The compaction and migration events are in trace/compaction.c.
 *
 * Pointers are printed as the kernel's %p would print them on a machine
 * without pointer hashing, but in kmm's own address spaces so that a trace
 * is the same from run to run: page= is the vmemmap address
 * 0xffffea0000000000 + pfn * 64 and ptr= the direct-map address
 * 0xffff888000000000 + the object's physical address. A pointer that is
 * not inside the machine (a bad kfree) is printed as it is. call_site= is
 * the caller's return address, as %pS prints an unknown symbol.
 *
 * Invariant: nothing here allocates, takes an allocator lock or logs; the
 * callback runs after the allocator's locks are dropped.
 */
#include "trace/trace.h"

#include "page/internal.h"
#include "slab/slab.h"
#include "smp/cpu.h"

#define KMM_VMEMMAP_BASE 0xffffea0000000000ull
#define KMM_DIRECT_BASE 0xffff888000000000ull

static const char *const event_names[KMM_NR_TRACE_EVENTS] = {
	[KMM_EV_MM_PAGE_ALLOC] = "mm_page_alloc",
	[KMM_EV_MM_PAGE_FREE] = "mm_page_free",
	[KMM_EV_MM_PAGE_FREE_BATCHED] = "mm_page_free_batched",
	[KMM_EV_KMALLOC] = "kmalloc",
	[KMM_EV_KFREE] = "kfree",
	[KMM_EV_KMEM_CACHE_ALLOC] = "kmem_cache_alloc",
	[KMM_EV_KMEM_CACHE_FREE] = "kmem_cache_free",
	[KMM_EV_MM_COMPACTION_ISOLATE_MIGRATEPAGES] = "mm_compaction_isolate_migratepages",
	[KMM_EV_MM_COMPACTION_ISOLATE_FREEPAGES] = "mm_compaction_isolate_freepages",
	[KMM_EV_MM_COMPACTION_MIGRATEPAGES] = "mm_compaction_migratepages",
	[KMM_EV_MM_COMPACTION_BEGIN] = "mm_compaction_begin",
	[KMM_EV_MM_COMPACTION_END] = "mm_compaction_end",
	[KMM_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES] = "mm_compaction_try_to_compact_pages",
	[KMM_EV_MM_COMPACTION_FINISHED] = "mm_compaction_finished",
	[KMM_EV_MM_COMPACTION_SUITABLE] = "mm_compaction_suitable",
	[KMM_EV_MM_COMPACTION_DEFERRED] = "mm_compaction_deferred",
	[KMM_EV_MM_COMPACTION_DEFER_COMPACTION] = "mm_compaction_defer_compaction",
	[KMM_EV_MM_COMPACTION_DEFER_RESET] = "mm_compaction_defer_reset",
	[KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP] = "mm_compaction_kcompactd_sleep",
	[KMM_EV_MM_COMPACTION_WAKEUP_KCOMPACTD] = "mm_compaction_wakeup_kcompactd",
	[KMM_EV_MM_COMPACTION_KCOMPACTD_WAKE] = "mm_compaction_kcompactd_wake",
	[KMM_EV_MM_MIGRATE_PAGES] = "mm_migrate_pages",
	[KMM_EV_MM_MIGRATE_PAGES_START] = "mm_migrate_pages_start",
};

const char *kmm_trace_event_name(int kind)
{
	return kind >= 0 && kind < KMM_NR_TRACE_EVENTS ? event_names[kind] : NULL;
}

size_t kmm_format_gfp_name(char *buf, size_t len, gfp_t gfp)
{
	return kmm_format_gfp(buf, len, gfp);
}

void kmm_trace_set_callback(kmm_machine *m, kmm_trace_fn fn, void *ctx)
{
	if (!m)
		return;
	__atomic_store_n(&m->trace_ctx, ctx, __ATOMIC_RELAXED);
	__atomic_store_n(&m->trace_fn, fn, __ATOMIC_RELEASE);
}

void *kmm_trace_get_callback(kmm_machine *m, kmm_trace_fn *fn)
{
	*fn = m ? __atomic_load_n(&m->trace_fn, __ATOMIC_ACQUIRE) : NULL;
	return *fn ? __atomic_load_n(&m->trace_ctx, __ATOMIC_RELAXED) : NULL;
}

static unsigned long long printed_ptr(const struct kmm_machine *m, const void *p)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)m->phys;

	if (p && a >= base && a - base < READ_ONCE(m->phys_size)) /* hotplug grows it */
		return KMM_DIRECT_BASE + (a - base);
	return (unsigned long long)a;
}

void trace_emit(struct kmm_machine *m, struct kmm_trace_record *r, char *text, int len)
{
	kmm_trace_fn fn = __atomic_load_n(&m->trace_fn, __ATOMIC_ACQUIRE);

	if (!fn)
		return;
	r->cpu = kmm_this_cpu(m);
	r->ts_ns = kmm_os_now_ns();
	r->text = text;
	r->len = len < 0 ? 0 : (size_t)len;
	fn(__atomic_load_n(&m->trace_ctx, __ATOMIC_RELAXED), r);
}

void __trace_page_alloc(struct kmm_machine *m, struct page *page, unsigned int order, gfp_t gfp)
{
	struct kmm_trace_record r = {
		.kind = KMM_EV_MM_PAGE_ALLOC, .order = order, .gfp = gfp, .node = -1
	};
	char text[512], flags[320];
	int mt = gfp_migratetype(m, gfp);

	r.pfn = page ? page_to_pfn(m, page) : ~0ul;
	r.migratetype = mt;
	kmm_format_gfp(flags, sizeof(flags), gfp);
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text),
				"page=%016llx pfn=0x%lx order=%u migratetype=%d gfp_flags=%s",
				page ? KMM_VMEMMAP_BASE + 64ull * r.pfn : 0ull, r.pfn, order, mt,
				flags[0] ? flags : "none"));
}

void __trace_page_free(struct kmm_machine *m, struct page *page, unsigned int order)
{
	struct kmm_trace_record r = { .kind = KMM_EV_MM_PAGE_FREE, .order = order, .node = -1 };
	char text[128];

	/* Called before the free, after validation: only the last reference frees. */
	if (!page || page_ref_count(page) != 1)
		return;
	r.pfn = page_to_pfn(m, page);
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text), "page=%016llx pfn=0x%lx order=%u",
				KMM_VMEMMAP_BASE + 64ull * r.pfn, r.pfn, order));
}

void __trace_kmalloc(struct kmm_machine *m, const void *ptr, size_t size, gfp_t gfp, int nid)
{
	struct kmm_trace_record r = {
		.kind = KMM_EV_KMALLOC, .ptr = ptr, .bytes_req = size, .gfp = gfp, .node = nid
	};
	char text[512], flags[320];

	r.bytes_alloc = ZERO_OR_NULL_PTR(ptr) ? 0 : kmm_ksize(m, ptr);
	kmm_format_gfp(flags, sizeof(flags), gfp);
	trace_emit(m, &r, text,
		   kmm_snprintf(
			   text, sizeof(text),
			   "call_site=%#lx ptr=%016llx bytes_req=%zu bytes_alloc=%zu gfp_flags=%s "
			   "node=%d accounted=%s",
			   (unsigned long)__builtin_return_address(0), printed_ptr(m, ptr), size,
			   r.bytes_alloc, flags[0] ? flags : "none", nid,
			   (gfp & __GFP_ACCOUNT) ? "true" : "false"));
}

void __trace_kfree(struct kmm_machine *m, const void *ptr)
{
	struct kmm_trace_record r = { .kind = KMM_EV_KFREE, .ptr = ptr, .node = -1 };
	char text[96];

	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text), "call_site=%#lx ptr=%016llx",
				(unsigned long)__builtin_return_address(0), printed_ptr(m, ptr)));
}

void __trace_cache_alloc(struct kmm_machine *m, struct kmem_cache *s, const void *ptr, gfp_t gfp,
			 int nid)
{
	struct kmm_trace_record r = {
		.kind = KMM_EV_KMEM_CACHE_ALLOC, .ptr = ptr, .gfp = gfp, .node = nid
	};
	char text[512], flags[320];

	if (!s)
		return;
	r.cache = kmm_kmem_cache_name(s);
	r.bytes_req = kmm_kmem_cache_size(s);
	r.bytes_alloc = r.bytes_req;
	kmm_format_gfp(flags, sizeof(flags), gfp);
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text),
				"call_site=%#lx ptr=%016llx name=%s bytes_req=%zu bytes_alloc=%zu "
				"gfp_flags=%s node=%d accounted=%s",
				(unsigned long)__builtin_return_address(0), printed_ptr(m, ptr),
				r.cache, r.bytes_req, r.bytes_alloc, flags[0] ? flags : "none", nid,
				(gfp & __GFP_ACCOUNT) ? "true" : "false"));
}

void __trace_cache_free(struct kmm_machine *m, struct kmem_cache *s, const void *ptr)
{
	struct kmm_trace_record r = { .kind = KMM_EV_KMEM_CACHE_FREE, .ptr = ptr, .node = -1 };
	char text[160];

	r.cache = s ? kmm_kmem_cache_name(s) : "(null)";
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text), "call_site=%#lx ptr=%016llx name=%s",
				(unsigned long)__builtin_return_address(0), printed_ptr(m, ptr),
				r.cache));
}
