/* SPDX-License-Identifier: MIT */
/*
 * reclaim/page_reporting.c - free page reporting (mm/page_reporting.c):
 * free blocks of order >= page_reporting_order (pageblock_order unless
 * the machine key page_reporting.page_reporting_order says otherwise)
 * that stay free are handed back to the host with kmm_os_discard, so an
 * idle machine's resident memory falls after a burst.
 *
 * A free that leaves such a block in the buddy lists (buddy.c,
 * __free_one_page) calls page_reporting_notify_free under zone->lock: the
 * first one after a pass sets report_pending and wakes the reporting
 * thread (a futex bump: never a sleep under the lock). The thread waits
 * page_reporting_delay_ms (2 s, the kernel's delay) so that blocks freed
 * and reused at once are not reported, then runs a pass:
 *   for every zone, order from MAX_ORDER down to the reporting order and
 *   migratetype but Isolate: under zone->lock take up to REPORT_BATCH
 *   blocks not yet PG_reported off the free lists (they are then neither
 *   free nor allocated: NR_FREE_PAGES drops, kmm_check stays exact);
 *   without the lock discard each block's memory; under the lock again
 *   put each back through the buddy merge (without a new notification)
 *   and mark it PG_reported when it did not merge (a merged block is
 *   reported by a later pass: its memory is already gone).
 * A reported block that is allocated or merged loses PG_reported
 * (buddy.c); the per-zone count of reported free pages (zone->nr_reported)
 * is checked by kmm_check against the memmap. The contents of a
 * discarded block read as zeroes when it is used again (memfd hole
 * punching), as a balloon-reported page does in a guest, so the block goes
 * back with the known-zero mark (page.h) when the host says so: __GFP_ZERO
 * then does not clear it, which would fault every frame in again.
 *
 * Counters: page_reporting_pages (pages reported, vmstat), reused pages
 * (page_reporting_reused), and kmm_pages_reported() for the reported
 * pages that are still free. The thread runs only on machines whose
 * memory kmm created (a caller's region is the caller's to discard).
 */
#include "reclaim/reclaim.h"

#define REPORT_BATCH 32

/* buddy.c */
unsigned int __isolate_unreported(struct kmm_machine *m, struct zone *zone, unsigned int order,
				  int mt, unsigned long *pfns, unsigned int max);
void __putback_reported(struct kmm_machine *m, struct zone *zone, unsigned long pfn,
			unsigned int order, int mt, bool zeroed);

void page_reporting_notify_free(struct kmm_machine *m, unsigned int order)
{
	struct kmm_reclaim *r = m->reclaim;

	(void)order;
	if (!r || !__atomic_load_n(&r->report_running, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&r->report_pending, __ATOMIC_RELAXED))
		return;
	if (__atomic_exchange_n(&r->report_pending, 1, __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&r->report_wait, 1, __ATOMIC_SEQ_CST);
	kmm_os_wake(&r->report_wait, 1);
}

static unsigned long report_zone(struct kmm_machine *m, struct zone *zone)
{
	unsigned long pfns[REPORT_BATCH], reported = 0;
	bool zeroed[REPORT_BATCH];
	unsigned int lowest = (unsigned int)m->desc.page_reporting_order;

	for (int order = MAX_ORDER; order >= (int)lowest; order--) {
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			unsigned int n;

			if (mt == MIGRATE_ISOLATE)
				continue;
			do {
				kmm_spin_lock(&zone->lock);
				n = __isolate_unreported(m, zone, (unsigned int)order, mt, pfns,
							 REPORT_BATCH);
				kmm_spin_unlock(&zone->lock);
				for (unsigned int i = 0; i < n; i++)
					zeroed[i] = discard_block(m, pfns[i], (unsigned int)order);
				kmm_spin_lock(&zone->lock);
				for (unsigned int i = 0; i < n; i++)
					__putback_reported(m, zone, pfns[i], (unsigned int)order,
							   mt, zeroed[i]);
				kmm_spin_unlock(&zone->lock);
				reported += (unsigned long)n << order;
			} while (n == REPORT_BATCH);
		}
	}
	return reported;
}

unsigned long page_reporting_process(struct kmm_machine *m)
{
	struct kmm_reclaim *r = m->reclaim;
	unsigned long reported = 0;

	kmm_spin_lock(&r->report_lock);
	for_each_zone_m (m, zone)
		if (zone_is_managed(zone))
			reported += report_zone(m, zone);
	kmm_spin_unlock(&r->report_lock);
	count_vm_events(m, PAGE_REPORTING_PAGES, reported);
	return reported;
}

static bool report_should_stop(struct kmm_reclaim *r)
{
	return __atomic_load_n(&r->report_stop, __ATOMIC_ACQUIRE);
}

static void reporting_main(void *arg)
{
	struct kmm_machine *m = arg;
	struct kmm_reclaim *r = m->reclaim;

	current_flags_set(current_flags() | PF_MEMALLOC);
	while (!report_should_stop(r)) {
		uint32_t seq = __atomic_load_n(&r->report_wait, __ATOMIC_SEQ_CST);
		uint64_t delay = (uint64_t)m->desc.page_reporting_delay_ms * 1000000ull, start;

		if (!__atomic_exchange_n(&r->report_pending, 0, __ATOMIC_SEQ_CST)) {
			kmm_os_wait(&r->report_wait, seq, KMM_OS_WAIT_FOREVER);
			continue;
		}
		/* let the burst settle: blocks reused within the delay are not reported */
		start = kmm_os_now_ns();
		while (!report_should_stop(r)) {
			uint64_t now = kmm_os_now_ns();

			if (now - start >= delay)
				break;
			seq = __atomic_load_n(&r->report_wait, __ATOMIC_SEQ_CST);
			kmm_os_wait(&r->report_wait, seq, delay - (now - start));
		}
		if (report_should_stop(r))
			break;
		page_reporting_process(m);
	}
}

int page_reporting_start(struct kmm_machine *m)
{
	struct kmm_reclaim *r = m->reclaim;

	if (!m->desc.page_reporting || !m->owns_phys)
		return KMM_OK;
	if (kmm_os_thread_create(&r->report_thread, "page_reporting", reporting_main, m) == 0)
		__atomic_store_n(&r->report_running, true, __ATOMIC_RELEASE);
	return KMM_OK;
}

void page_reporting_stop(struct kmm_machine *m)
{
	struct kmm_reclaim *r = m->reclaim;

	if (!__atomic_load_n(&r->report_running, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&r->report_running, false, __ATOMIC_RELEASE);
	__atomic_store_n(&r->report_stop, true, __ATOMIC_RELEASE);
	__atomic_add_fetch(&r->report_wait, 1, __ATOMIC_SEQ_CST);
	kmm_os_wake(&r->report_wait, INT32_MAX);
	kmm_os_thread_join(r->report_thread);
}

unsigned long kmm_pages_reported(kmm_machine *m)
{
	unsigned long n = 0;

	for_each_zone_m (m, zone)
		n += READ_ONCE(zone->nr_reported);
	return n;
}
