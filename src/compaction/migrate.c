/* SPDX-License-Identifier: MIT */
/*
 * compaction/migrate.c - migrate_pages (mm/migrate.c): move isolated pages
 * to new frames.
 *
 * For each page of the list: a new frame comes from the caller's get_new
 * (compaction: its isolated free pages; a contig range: the allocator,
 * outside the range), the page's owner moves the contents and its own
 * references (movable_operations.migrate_page, called with no kmm lock
 * held), and then
 *   success  the new frame carries the owner's id, the old frame loses
 *            PG_movable_ops_isolated and its id and is freed: the owner's
 *            reference moved to the new frame;
 *   -EAGAIN  the new frame goes back (put_new) and the page is tried again
 *            on the next pass: 3 passes in MIGRATE_ASYNC, 10 in the sync
 *            modes (the kernel's NR_MAX_MIGRATE_ASYNC_RETRY and
 *            NR_MAX_MIGRATE_SYNC_RETRY);
 *   error    the new frame goes back and the page stays on the list.
 * Pages left on the list after the last pass are failures; the caller puts
 * them back (putback_movable_pages). get_new failing ends the call with
 * KMM_ENOMEM, the untried pages still on the list.
 *
 * Counters: pgmigrate_success and pgmigrate_fail (every page, whatever the
 * reason); the time spent here feeds kmm's cost figures
 * (m->compact->migrate_ns).
 */
#include "compaction/compaction.h"
#include "reclaim/reclaim.h"
#include "trace/trace.h"

#define NR_MAX_MIGRATE_ASYNC_RETRY 3
#define NR_MAX_MIGRATE_SYNC_RETRY 10

/*
 * The old frame of a page that moved: straight to the buddy lists (not to
 * a per-CPU list), so compaction and contig ranges see it merge at once.
 */
static void free_migrated_source(struct kmm_machine *m, struct page *src)
{
	unsigned int id = page_movable_id(src);

	set_page_movable_id(src, 0);
	__atomic_sub_fetch(&m->movable[id].pages, 1, __ATOMIC_RELAXED);
	trace_page_free(m, src, 0);
	set_page_count(src, 0);
	__free_pages_ok(m, src, 0);
	if (unlikely(__atomic_load_n(&m->alloc_waiters, __ATOMIC_RELAXED)))
		reclaim_wake_waiters(m);
}

/* Move one isolated page to dst through its owner: 0 or the owner's error. */
static int move_one(struct kmm_machine *m, struct page *dst, struct page *src,
		    enum kmm_migrate_mode mode)
{
	unsigned int id = page_movable_id(src);
	const struct kmm_movable_client *c = &m->movable[id];
	const struct kmm_movable_operations *ops = __atomic_load_n(&c->ops, __ATOMIC_ACQUIRE);
	int rc;

	if (!id || !ops)
		return KMM_EINVAL;
	/* dst is an allocated order-0 page nobody else knows: mark it before the owner sees it */
	__atomic_add_fetch(&m->movable[id].pages, 1, __ATOMIC_RELAXED);
	set_page_movable_id(dst, id);
	rc = ops->migrate_page(m, dst, src, mode, READ_ONCE(c->ctx));
	if (rc != 0) {
		set_page_movable_id(dst, 0);
		__atomic_sub_fetch(&m->movable[id].pages, 1, __ATOMIC_RELAXED);
		return rc;
	}
	/* the owner holds dst now; src is ours alone */
	page_clear(src, PG_movable_ops_isolated);
	__atomic_sub_fetch(&m->compact->nr_isolated, 1, __ATOMIC_RELAXED);
	free_migrated_source(m, src);
	return 0;
}

int migrate_pages(struct kmm_machine *m, struct migrate_list *from, new_page_t get_new,
		  free_page_t put_new, void *priv, enum kmm_migrate_mode mode,
		  enum kmm_migrate_reason reason, unsigned int *nr_succeeded)
{
	int passes =
		mode == KMM_MIGRATE_ASYNC ? NR_MAX_MIGRATE_ASYNC_RETRY : NR_MAX_MIGRATE_SYNC_RETRY;
	unsigned int failed = 0, succeeded = 0; /* from->pfn[0, failed): permanent failures */
	uint64_t t0 = kmm_os_now_ns();
	int ret = 0;

	trace_mm_migrate_pages_start(m, (int)mode, (int)reason);
	compact_change_begin(m->compact);
	for (int pass = 0; pass < passes; pass++) {
		unsigned int retry = 0;

		for (unsigned int i = failed; i < from->nr;) {
			struct page *src = pfn_to_page(m, from->pfn[i]);
			struct page *dst = get_new(m, src, priv);
			int rc;

			if (!dst) {
				ret = KMM_ENOMEM;
				goto out;
			}
			rc = move_one(m, dst, src, mode);
			if (rc == 0) {
				from->pfn[i] = from->pfn[--from->nr];
				succeeded++;
				continue;
			}
			put_new(m, dst, priv);
			if (rc == KMM_EAGAIN) {
				retry++;
				i++;
				continue;
			}
			/* a permanent failure: keep it at the front, never retried */
			unsigned long t = from->pfn[failed];

			from->pfn[failed++] = from->pfn[i];
			from->pfn[i++] = t;
		}
		if (!retry)
			break;
	}
out:
	count_vm_events(m, PGMIGRATE_SUCCESS, succeeded);
	count_vm_events(m, PGMIGRATE_FAIL, from->nr);
	trace_mm_migrate_pages(m, succeeded, from->nr, (int)mode, (int)reason);
	__atomic_add_fetch(&m->compact->migrate_ns, (unsigned long)(kmm_os_now_ns() - t0),
			   __ATOMIC_RELAXED);
	compact_change_end(m->compact);
	if (nr_succeeded)
		*nr_succeeded = succeeded;
	return ret ? ret : (int)from->nr;
}
