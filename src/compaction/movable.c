/* SPDX-License-Identifier: MIT */
/*
 * compaction/movable.c - pages whose owner registered movable_operations
 * (the kernel's interface for balloon, zsmalloc and offline pages), and
 * their isolation for migration and putback (mm/migrate.c's
 * isolate_movable_ops_page and putback_movable_ops_page).
 *
 * What it owns: the machine's table of owners (m->movable[1..7]: the
 * callbacks, their context, how many allocated pages carry each id) and
 * the movable bits of an allocated page's flags word: the owner's id (bits
 * 13-15, set by kmm_page_set_movable_ops) and PG_movable_ops_isolated.
 *
 * Life of a movable page:
 *   allocated with __GFP_MOVABLE, marked with the owner's id
 *     -> isolate_movable_page: the scanner read the id (flags is an
 *        atomic word, so an unlocked read is safe), the owner's
 *        isolate_page said yes (under the owner's own lock: the page is
 *        still its page and will not be freed until it is given back);
 *        PG_movable_ops_isolated is set and m->compact->nr_isolated counts it
 *     -> migrate.c moves it (the owner now holds the new frame, the old one
 *        is freed) or putback_movable_page gives it back (putback_page).
 * A free of a marked page clears the id (page_alloc.c, put_block); a free
 * of an isolated page is refused with a bad-page report.
 *
 * Invariants (check.c): the pages of the memmap marked with an id equal
 * that owner's count; the isolated pages equal nr_isolated while no
 * migration runs; a marked page is an allocated order-0 page that is
 * neither slab, compound, reserved nor free.
 *
 * The vmalloc kind plugs in here as one more owner: the vmalloc layer
 * registers its own movable_operations (copy and remap at the same
 * address under the area's lock), so the scanners and migrate_pages need
 * no second path.
 */
#include "compaction/compaction.h"

#define MOVABLE_FORBIDDEN                                                                          \
	((1u << PG_buddy) | (1u << PG_pcp) | (1u << PG_slab) | (1u << PG_head) | (1u << PG_tail) | \
	 (1u << PG_reserved) | (1u << PG_hwpoison) | (1u << PG_guard) |                            \
	 (1u << PG_movable_ops_isolated))

static const struct kmm_movable_operations *client_ops(const struct kmm_machine *m, unsigned int id,
						       void **ctx)
{
	const struct kmm_movable_client *c = &m->movable[id];
	const struct kmm_movable_operations *ops = __atomic_load_n(&c->ops, __ATOMIC_ACQUIRE);

	if (ctx)
		*ctx = READ_ONCE(c->ctx);
	return ops;
}

bool page_is_movable(const struct kmm_machine *m, const struct page *page)
{
	uint32_t f = page_flags(page);
	unsigned int id = (f >> PAGE_MOVABLE_SHIFT) & PAGE_MOVABLE_MASK;

	return id && !(f & MOVABLE_FORBIDDEN) && client_ops(m, id, NULL);
}

bool isolate_movable_page(struct kmm_machine *m, struct page *page, kmm_isolate_mode_t mode)
{
	unsigned int id = page_movable_id(page);
	const struct kmm_movable_operations *ops;
	void *ctx;

	if (!page_is_movable(m, page))
		return false;
	ops = client_ops(m, id, &ctx);
	if (!ops || !ops->isolate_page(m, page, mode, ctx))
		return false;
	/*
	 * The owner holds the page for us now. It was freed and reallocated
	 * to another owner between our read and its answer only if that
	 * owner said yes for a page it does not mark: give it back.
	 */
	if (page_movable_id(page) != id || page_test(page, PG_movable_ops_isolated)) {
		ops->putback_page(m, page, ctx);
		return false;
	}
	compact_change_begin(m->compact);
	page_set(page, PG_movable_ops_isolated);
	__atomic_add_fetch(&m->compact->nr_isolated, 1, __ATOMIC_RELAXED);
	compact_change_end(m->compact);
	return true;
}

void putback_movable_page(struct kmm_machine *m, struct page *page)
{
	unsigned int id = page_movable_id(page);
	const struct kmm_movable_operations *ops;
	void *ctx;

	KMM_BUG_ON(m, !page_test(page, PG_movable_ops_isolated));
	compact_change_begin(m->compact);
	page_clear(page, PG_movable_ops_isolated);
	__atomic_sub_fetch(&m->compact->nr_isolated, 1, __ATOMIC_RELAXED);
	compact_change_end(m->compact);
	ops = client_ops(m, id, &ctx);
	if (ops)
		ops->putback_page(m, page, ctx);
}

void putback_movable_pages(struct kmm_machine *m, struct migrate_list *list)
{
	for (unsigned int i = 0; i < list->nr; i++)
		putback_movable_page(m, pfn_to_page(m, list->pfn[i]));
	list->nr = 0;
}

/* ---- the public API ---------------------------------------------------------------- */

int kmm_register_movable_ops(kmm_machine *m, const struct kmm_movable_operations *ops, void *ctx)
{
	if (!m || m->magic != KMM_MACHINE_MAGIC)
		return KMM_EINVAL;
	if (!ops || !ops->isolate_page || !ops->migrate_page || !ops->putback_page) {
		kmm_report_bad_call(m, "set_movable_ops: movable_operations %p lacks a callback",
				    (const void *)ops);
		return KMM_EINVAL;
	}
	for (unsigned int id = 1; id <= KMM_MAX_MOVABLE_OPS; id++) {
		struct kmm_movable_client *c = &m->movable[id];
		const struct kmm_movable_operations *none = NULL;

		/* ctx first, then ops with release: a reader that sees ops sees ctx */
		if (__atomic_load_n(&c->ops, __ATOMIC_ACQUIRE))
			continue;
		WRITE_ONCE(c->ctx, ctx);
		if (__atomic_compare_exchange_n(&c->ops, &none, ops, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return (int)id;
	}
	kmm_report_bad_call(m, "set_movable_ops: all %d movable_operations slots are taken",
			    KMM_MAX_MOVABLE_OPS);
	return KMM_ENOMEM;
}

static bool id_valid(kmm_machine *m, int id, const char *caller)
{
	if (id < 1 || id > KMM_MAX_MOVABLE_OPS || !client_ops(m, (unsigned int)id, NULL)) {
		kmm_report_bad_call(m, "%s: %d is not a registered movable_operations id", caller,
				    id);
		return false;
	}
	return true;
}

int kmm_unregister_movable_ops(kmm_machine *m, int id)
{
	unsigned long pages;

	if (!m || m->magic != KMM_MACHINE_MAGIC)
		return KMM_EINVAL;
	if (!id_valid(m, id, "unregister_movable_ops"))
		return KMM_EINVAL;
	pages = __atomic_load_n(&m->movable[id].pages, __ATOMIC_RELAXED);
	if (pages) {
		kmm_report_bad_call(
			m, "unregister_movable_ops: %lu pages still carry movable_operations id %d",
			pages, id);
		return KMM_EINVAL;
	}
	__atomic_store_n(&m->movable[id].ops, NULL, __ATOMIC_RELEASE);
	return KMM_OK;
}

/* An allocated order-0 page the caller owns, not slab, not compound, not reserved? */
static bool owned_plain_page(kmm_machine *m, const struct page *page, const char *caller)
{
	if (!page_in_machine(m, page)) {
		kmm_report_bad_call(m, "%s: %p is not a page descriptor of this machine", caller,
				    (const void *)page);
		return false;
	}
	if ((page_flags(page) & (MOVABLE_FORBIDDEN & ~(1u << PG_movable_ops_isolated))) ||
	    page_alloc_order(page) != 0 || page_ref_count(page) <= 0) {
		bad_page(m, page, "movable_operations need an allocated order-0 page");
		return false;
	}
	return true;
}

int kmm_page_set_movable_ops(kmm_machine *m, struct page *page, int id)
{
	if (!m || m->magic != KMM_MACHINE_MAGIC)
		return KMM_EINVAL;
	if (!id_valid(m, id, "SetPageMovableOps") ||
	    !owned_plain_page(m, page, "SetPageMovableOps"))
		return KMM_EINVAL;
	if (page_movable_id(page)) {
		bad_page(m, page, "page already has movable_operations");
		return KMM_EINVAL;
	}
	/* only pages allocated with __GFP_MOVABLE sit in movable pageblocks */
	if (m->desc.mobility_grouping && page_alloc_mt(page) != MIGRATE_MOVABLE) {
		bad_page(m, page, "movable_operations on a page not allocated with __GFP_MOVABLE");
		return KMM_EINVAL;
	}
	__atomic_add_fetch(&m->movable[id].pages, 1, __ATOMIC_RELAXED);
	set_page_movable_id(page, (unsigned int)id);
	return KMM_OK;
}

int kmm_page_clear_movable_ops(kmm_machine *m, struct page *page)
{
	unsigned int id;

	if (!m || m->magic != KMM_MACHINE_MAGIC)
		return KMM_EINVAL;
	if (!owned_plain_page(m, page, "ClearPageMovableOps"))
		return KMM_EINVAL;
	id = page_movable_id(page);
	if (!id) {
		bad_page(m, page, "page has no movable_operations");
		return KMM_EINVAL;
	}
	if (page_test(page, PG_movable_ops_isolated)) {
		bad_page(m, page, "clearing movable_operations of an isolated page");
		return KMM_EINVAL;
	}
	set_page_movable_id(page, 0);
	__atomic_sub_fetch(&m->movable[id].pages, 1, __ATOMIC_RELAXED);
	return KMM_OK;
}

int kmm_page_movable_ops(const kmm_machine *m, const struct page *page)
{
	if (!m || !page_in_machine(m, page))
		return -1;
	return (int)page_movable_id(page);
}

int kmm_page_isolated(const kmm_machine *m, const struct page *page)
{
	if (!m || !page_in_machine(m, page))
		return 0;
	return page_test(page, PG_movable_ops_isolated);
}
