/* SPDX-License-Identifier: MIT */
/*
 * page/page_list.h - doubly linked lists of pages, linked by pfn.
 *
 * The links live in struct page (lru_next / lru_prev) as 32-bit pfns, the
 * list head holds the first and last pfn, KMM_NIL_PFN ends the list. Every
 * operation needs the memmap base (the machine's vmemmap) to turn a pfn into
 * a descriptor. The caller holds whatever lock protects the list.
 */
#ifndef KMM_PAGE_PAGE_LIST_H
#define KMM_PAGE_PAGE_LIST_H

#include "page/mmzone.h"

static inline void page_list_init(struct page_list *l)
{
	l->head = KMM_NIL_PFN;
	l->tail = KMM_NIL_PFN;
}

/*
 * May be called without the list's lock (the watermark check peeks at the
 * buddy lists): the head is read and written with relaxed atomics.
 */
static inline bool page_list_empty(const struct page_list *l)
{
	return READ_ONCE(l->head) == KMM_NIL_PFN;
}

/* Insert at the head (the hot end). */
static inline void page_list_add(struct page *map, struct page_list *l, uint32_t pfn)
{
	struct page *p = map + pfn;

	p->lru_prev = KMM_NIL_PFN;
	p->lru_next = l->head;
	if (l->head != KMM_NIL_PFN)
		map[l->head].lru_prev = pfn;
	else
		l->tail = pfn;
	WRITE_ONCE(l->head, pfn);
}

/* Insert at the tail (the cold end). */
static inline void page_list_add_tail(struct page *map, struct page_list *l, uint32_t pfn)
{
	struct page *p = map + pfn;

	p->lru_next = KMM_NIL_PFN;
	p->lru_prev = l->tail;
	if (l->tail != KMM_NIL_PFN)
		map[l->tail].lru_next = pfn;
	else
		WRITE_ONCE(l->head, pfn);
	l->tail = pfn;
}

static inline void page_list_del(struct page *map, struct page_list *l, uint32_t pfn)
{
	struct page *p = map + pfn;

	if (p->lru_prev != KMM_NIL_PFN)
		map[p->lru_prev].lru_next = p->lru_next;
	else
		WRITE_ONCE(l->head, p->lru_next);
	if (p->lru_next != KMM_NIL_PFN)
		map[p->lru_next].lru_prev = p->lru_prev;
	else
		l->tail = p->lru_prev;
	p->lru_next = KMM_NIL_PFN;
	p->lru_prev = KMM_NIL_PFN;
}

#define page_list_for_each(map, l, pfn) \
	for ((pfn) = (l)->head; (pfn) != KMM_NIL_PFN; (pfn) = (map)[pfn].lru_next)

#endif /* KMM_PAGE_PAGE_LIST_H */
