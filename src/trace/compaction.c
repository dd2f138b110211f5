/* SPDX-License-Identifier: MIT */
/*
 * trace/compaction.c - the out-of-line half of the compaction and
 * migration tracepoints: the kernel's events of
 * include/trace/events/compaction.h and migrate.h (6.18), with their
 * names, their fields (struct kmm_trace_record.compact) and their
 * TP_printk text, checked against the format files of a 6.18 tracefs
 * (events/compaction/ and events/migrate/).
 *
 * The symbolic fields print as the kernel's __print_symbolic tables do:
 * a compact_result value by its name in the kernel's
 * COMPACTION_STATUS table ("success", "partial_skipped" ...), a zone by
 * its name padded to 8 ("Normal  "), a migrate mode as MIGRATE_ASYNC ...,
 * a reason as "compaction", "contig_range" ... (MIGRATE_REASON). A value
 * outside a table prints as the kernel prints one: in hex (0x..).
 *
 * Invariant: nothing here allocates or takes a lock; the deferral events
 * read the zone's deferral state with the same relaxed loads as the
 * compaction code that just changed it.
 */
#include "trace/trace.h"

#include "compaction/compaction.h"

static const char *const compact_status[] = {
	[COMPACT_NOT_SUITABLE_ZONE] = "not_suitable_zone",
	[COMPACT_SKIPPED] = "skipped",
	[COMPACT_DEFERRED] = "deferred",
	[COMPACT_NO_SUITABLE_PAGE] = "no_suitable_page",
	[COMPACT_CONTINUE] = "continue",
	[COMPACT_COMPLETE] = "complete",
	[COMPACT_PARTIAL_SKIPPED] = "partial_skipped",
	[COMPACT_CONTENDED] = "contended",
	[COMPACT_SUCCESS] = "success",
};

static const char *const migrate_modes[] = { "MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT",
					     "MIGRATE_SYNC" };

static const char *const migrate_reasons[] = {
	"compaction",	   "memory_failure", "memory_hotplug", "syscall_or_cpuset",
	"mempolicy_mbind", "numa_misplaced", "contig_range",   "longterm_pin",
	"demotion",	   "damon",
};

/* __print_symbolic: the name, or the value in hex when the table has none. */
static const char *symbolic(const char *const *table, size_t n, int v, char *buf, size_t len)
{
	if (v >= 0 && (size_t)v < n && table[v])
		return table[v];
	kmm_snprintf(buf, len, "0x%x", (unsigned int)v);
	return buf;
}

#define SYMBOLIC(table, v, buf) symbolic(table, ARRAY_SIZE(table), v, buf, sizeof(buf))

static const char *zone_symbol(int idx, char *buf, size_t len)
{
	return symbolic(zone_names, MAX_NR_ZONES, idx, buf, len);
}

void __trace_compaction_range(struct kmm_machine *m, int kind, unsigned long zone_start,
			      unsigned long migrate_pfn, unsigned long free_pfn,
			      unsigned long zone_end, bool sync, int status)
{
	struct kmm_trace_record r = { .kind = kind, .node = -1 };
	char text[200], st[16];
	int len;

	r.compact.zone_start = zone_start;
	r.compact.migrate_pfn = migrate_pfn;
	r.compact.free_pfn = free_pfn;
	r.compact.zone_end = zone_end;
	r.compact.sync = sync;
	r.compact.status = status;
	len = kmm_snprintf(text, sizeof(text),
			   "zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, "
			   "mode=%s",
			   zone_start, migrate_pfn, free_pfn, zone_end, sync ? "sync" : "async");
	if (kind == KMM_EV_MM_COMPACTION_END && len > 0 && (size_t)len < sizeof(text))
		len += kmm_snprintf(text + len, sizeof(text) - (size_t)len, " status=%s",
				    SYMBOLIC(compact_status, status, st));
	trace_emit(m, &r, text, len);
}

void __trace_compaction_isolate(struct kmm_machine *m, int kind, unsigned long start_pfn,
				unsigned long end_pfn, unsigned long nr_scanned,
				unsigned long nr_taken)
{
	struct kmm_trace_record r = { .kind = kind, .node = -1 };
	char text[128];

	r.compact.start_pfn = start_pfn;
	r.compact.end_pfn = end_pfn;
	r.compact.nr_scanned = nr_scanned;
	r.compact.nr_taken = nr_taken;
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text),
				"range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu", start_pfn,
				end_pfn, nr_scanned, nr_taken));
}

void __trace_compaction_migratepages(struct kmm_machine *m, unsigned long nr_migratepages,
				     unsigned long nr_succeeded)
{
	struct kmm_trace_record r = { .kind = KMM_EV_MM_COMPACTION_MIGRATEPAGES, .node = -1 };
	char text[80];

	r.compact.nr_succeeded = nr_succeeded;
	r.compact.nr_failed = nr_migratepages - nr_succeeded;
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text), "nr_migrated=%lu nr_failed=%lu", nr_succeeded,
				r.compact.nr_failed));
}

void __trace_compaction_try(struct kmm_machine *m, int order, gfp_t gfp, int prio)
{
	struct kmm_trace_record r = { .kind = KMM_EV_MM_COMPACTION_TRY_TO_COMPACT_PAGES,
				      .gfp = gfp,
				      .node = -1 };
	char text[400], flags[320];

	r.order = (unsigned int)order;
	r.compact.order = order;
	r.compact.prio = prio;
	kmm_format_gfp(flags, sizeof(flags), gfp);
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text), "order=%d gfp_mask=%s priority=%d", order,
				flags[0] ? flags : "none", prio));
}

void __trace_compaction_zone_result(struct kmm_machine *m, int kind, const struct zone *zone,
				    int order, int ret)
{
	struct kmm_trace_record r = { .kind = kind, .node = zone->node };
	char text[128], zb[16], st[16];

	r.order = (unsigned int)order;
	r.compact.order = order;
	r.compact.zone = (int)zone->idx;
	r.compact.status = ret;
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text), "node=%d zone=%-8s order=%d ret=%s", zone->node,
				zone_symbol((int)zone->idx, zb, sizeof(zb)), order,
				SYMBOLIC(compact_status, ret, st)));
}

void __trace_compaction_defer(struct kmm_machine *m, int kind, const struct zone *zone, int order)
{
	struct kmm_trace_record r = { .kind = kind, .node = zone->node };
	const struct compact_zone *cz;
	char text[160], zb[16];

	if (!m->compact)
		return;
	cz = compact_zone_of(m, zone);
	r.order = (unsigned int)order;
	r.compact.order = order;
	r.compact.zone = (int)zone->idx;
	r.compact.considered = READ_ONCE(cz->compact_considered);
	r.compact.defer_shift = READ_ONCE(cz->compact_defer_shift);
	r.compact.order_failed = READ_ONCE(cz->compact_order_failed);
	trace_emit(m, &r, text,
		   kmm_snprintf(text, sizeof(text),
				"node=%d zone=%-8s order=%d order_failed=%d consider=%u limit=%lu",
				zone->node, zone_symbol((int)zone->idx, zb, sizeof(zb)), order,
				r.compact.order_failed, r.compact.considered,
				1ul << r.compact.defer_shift));
}

void __trace_kcompactd(struct kmm_machine *m, int kind, int nid, int order, int highest_zoneidx)
{
	struct kmm_trace_record r = { .kind = kind, .node = nid };
	char text[96], zb[16];
	int len;

	r.order = (unsigned int)order;
	r.compact.order = order;
	r.compact.zone = highest_zoneidx;
	if (kind == KMM_EV_MM_COMPACTION_KCOMPACTD_SLEEP)
		len = kmm_snprintf(text, sizeof(text), "nid=%d", nid);
	else
		len = kmm_snprintf(text, sizeof(text), "nid=%d order=%d classzone_idx=%-8s", nid,
				   order, zone_symbol(highest_zoneidx, zb, sizeof(zb)));
	trace_emit(m, &r, text, len);
}

void __trace_migrate_pages(struct kmm_machine *m, int kind, unsigned long succeeded,
			   unsigned long failed, int mode, int reason)
{
	struct kmm_trace_record r = { .kind = kind, .node = -1 };
	char text[200], mb[16], rb[16];
	const char *ms = SYMBOLIC(migrate_modes, mode, mb),
		   *rs = SYMBOLIC(migrate_reasons, reason, rb);
	int len;

	r.compact.mode = mode;
	r.compact.reason = reason;
	r.compact.nr_succeeded = succeeded;
	r.compact.nr_failed = failed;
	/* kmm migrates order-0 pages only: no THP, no large folio to split */
	if (kind == KMM_EV_MM_MIGRATE_PAGES_START)
		len = kmm_snprintf(text, sizeof(text), "mode=%s reason=%s", ms, rs);
	else
		len = kmm_snprintf(text, sizeof(text),
				   "nr_succeeded=%lu nr_failed=%lu nr_thp_succeeded=0 "
				   "nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=%s reason=%s",
				   succeeded, failed, ms, rs);
	trace_emit(m, &r, text, len);
}
