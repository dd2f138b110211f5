/* SPDX-License-Identifier: MIT */
/*
 * page/page.h - struct page, the descriptor of one page frame.
 *
 * 32 bytes per frame (Linux spends 64), so the memmap costs 0.78 % of RAM:
 *
 *   flags      PG_* bits (low 16), zone index (3 bits), node id (6 bits)
 *   _refcount  references; 0 while the page is free
 *   lru        list links as pfns (32 bits each, KMM_NIL_PFN terminates):
 *              a free block's place on its free list, a pcp page's place
 *              on a per-CPU list, a slab's place on a cache's slab list
 *   private    PG_buddy: the free block's order; PG_tail: the head's pfn;
 *              PG_slab head: the owning kmem_cache
 *   u          eight bytes the owning layer interprets: the free list's
 *              migratetype for PG_buddy, the compound order in the first
 *              tail page, the slab freelist and counters for a slab head
 *
 * The memmap is a flat array indexed by pfn ("vmemmap"), so pfn_to_page and
 * page_to_pfn are pointer arithmetic and list links are 32-bit indices.
 * That bounds a machine to 2^32 - 1 frames (16 TiB with 4 KiB pages).
 *
 * Invariants (checked by kmm_check):
 *  - a page with PG_buddy heads a free block: refcount 0, private = order,
 *    pfn aligned to 2^order, the whole block inside one zone, and it is on
 *    free_area[order].free_list[u.buddy_mt] of its zone;
 *  - pages inside a free block other than its head carry no PG_buddy;
 *  - PG_reserved pages (holes, memmap= reservations, boot allocations) are
 *    never on a free list.
 */
#ifndef KMM_PAGE_PAGE_H
#define KMM_PAGE_PAGE_H

#include "lib/compiler.h"
#include "lib/fpcount.h"

#define KMM_NIL_PFN 0xffffffffu

struct page {
	uint32_t flags;
	int32_t _refcount;
	uint32_t lru_next;
	uint32_t lru_prev;
	uintptr_t private;
	union {
		uint64_t raw;
		struct {
			uint8_t buddy_mt;	/* PG_buddy: which free list */
			uint8_t compound_order; /* first tail page of a compound page */
			uint8_t pcp_order;	/* PG_pcp: order of the cached block */
			uint8_t pcp_cold;	/* reserved for the pcp layer */
			uint32_t pcp_cpu;	/* PG_pcp: owning CPU */
		};
		struct {
			uint16_t freelist; /* index of the first free object, or 0xffff */
			uint16_t inuse;	   /* objects not on the freelist */
			uint16_t objects;  /* objects in the slab */
			uint16_t colour;   /* byte offset of object 0 (colouring) */
		} slab;			   /* PG_slab head: see slab/slab.h */
	} u;
};

_Static_assert(sizeof(struct page) == 32, "struct page must stay 32 bytes");

/* Page flags (the low 16 bits of page->flags). */
enum pageflags {
	PG_reserved,   /* never handed out: hole, reservation or boot memory */
	PG_buddy,      /* head of a free block in the buddy lists */
	PG_head,       /* head of a compound page */
	PG_tail,       /* tail of a compound page; private = head pfn */
	PG_slab,       /* owned by the slab allocator */
	PG_pcp,	       /* cached on a per-CPU page list */
	PG_highmem,    /* not in the direct map */
	PG_vmalloc,    /* backs a vmalloc area */
	PG_guard,      /* debug guard page */
	PG_hwpoison,   /* reported bad: never reused */
	PG_owner_priv, /* free for the owning layer */
	PG_reported,   /* PG_buddy head whose memory was handed back to the host (reclaim/) */
	PG_movable_ops_isolated, /* taken by migration from its owner (compaction/) */
	NR_PAGEFLAGS
};

/*
 * Bits 13-15 of the flags word: the movable_operations an allocated page
 * belongs to (compaction/movable.c), an index into the machine's table of
 * registered clients; 0 for every other page. Kept in flags, not in u, so
 * the compaction scanner can read it without a lock: flags is the one word
 * of a descriptor that is only ever accessed atomically.
 */
#define PAGE_MOVABLE_SHIFT 13
#define PAGE_MOVABLE_MASK 0x7u
#define KMM_MOVABLE_IDS 8     /* ids 0..7; 0 is "not movable" */
#define KMM_MAX_MOVABLE_OPS 6 /* ids 1..6: kmm_register_movable_ops */
#define MOVABLE_ID_VMALLOC 7  /* the vmalloc layer's own (vmalloc/migrate.c) */

#define PAGE_FLAGS_MASK 0xffffu
#define PAGE_ZONE_SHIFT 16
#define PAGE_ZONE_MASK 0x7u
#define PAGE_NODE_SHIFT 19
#define PAGE_NODE_MASK 0x3fu
/* An allocated block's head remembers its order (+1) and migratetype, so a
 * free with the wrong order is caught and anti-fragmentation can tell which
 * allocated pages are movable. */
#define PAGE_ORDER_SHIFT 25
#define PAGE_ORDER_MASK 0xfu
#define PAGE_MT_SHIFT 29
#define PAGE_MT_MASK 0x3u
/*
 * Bit 31: the page heads a free block whose memory reads as zeroes (memory
 * the host gave fresh and nobody has written since, or init_on_free's
 * cleared pages), so __GFP_ZERO and init_on_alloc skip the memset. Only a
 * free block's head carries it - on the buddy lists, a per-CPU list or a
 * hot array - and it is cleared in the same store that makes the block
 * allocated (set_page_alloc_info); page/buddy.c keeps it through splits
 * and merges (a merged block is zero only if both halves are). kmm's own
 * (Linux zeroes every __GFP_ZERO block: docs/zones.md).
 */
#define PAGE_ZEROED_BIT 31

/*
 * flags is read without a lock by threads that do not own the page (the
 * buddy allocator looks at a neighbour's PG_buddy while its owner frees
 * it), so it is accessed with relaxed atomic loads and stores - plain moves
 * on x86 and arm64, and no data race in the C sense. Updates are not atomic
 * read-modify-writes: only the page's owner changes its flags (for a free
 * block: whoever holds the lock of the list it is on).
 */
static inline uint32_t page_flags(const struct page *p)
{
	return __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
}

static inline void page_flags_store(struct page *p, uint32_t flags)
{
	__atomic_store_n(&p->flags, flags, __ATOMIC_RELAXED);
}

static inline bool page_test(const struct page *p, enum pageflags f)
{
	return (page_flags(p) >> f) & 1u;
}

static inline void page_set(struct page *p, enum pageflags f)
{
	page_flags_store(p, page_flags(p) | 1u << f);
}

static inline void page_clear(struct page *p, enum pageflags f)
{
	page_flags_store(p, page_flags(p) & ~(1u << f));
}

static inline unsigned int page_zonenum(const struct page *p)
{
	return (page_flags(p) >> PAGE_ZONE_SHIFT) & PAGE_ZONE_MASK;
}

static inline unsigned int page_nid(const struct page *p)
{
	return (page_flags(p) >> PAGE_NODE_SHIFT) & PAGE_NODE_MASK;
}

static inline void set_page_links(struct page *p, unsigned int zone, unsigned int nid)
{
	p->flags =
		(p->flags & PAGE_FLAGS_MASK) | (zone << PAGE_ZONE_SHIFT) | (nid << PAGE_NODE_SHIFT);
}

static inline int page_ref_count(const struct page *p)
{
	return __atomic_load_n(&p->_refcount, __ATOMIC_RELAXED);
}

static inline void set_page_count(struct page *p, int v)
{
	__atomic_store_n(&p->_refcount, v, __ATOMIC_RELAXED);
}

static inline void page_ref_inc(struct page *p)
{
	fp_count_atomic();
	__atomic_add_fetch(&p->_refcount, 1, __ATOMIC_RELAXED);
}

/* Returns the new count. */
static inline int page_ref_dec_return(struct page *p)
{
	fp_count_atomic();
	return __atomic_sub_fetch(&p->_refcount, 1, __ATOMIC_ACQ_REL);
}

static inline bool page_zeroed(const struct page *p)
{
	return (page_flags(p) >> PAGE_ZEROED_BIT) & 1u;
}

static inline void set_page_zeroed(struct page *p, bool zeroed)
{
	page_flags_store(p, (page_flags(p) & ~(1u << PAGE_ZEROED_BIT)) |
				    ((uint32_t)zeroed << PAGE_ZEROED_BIT));
}

/* Allocated: the order and migratetype recorded, and the zeroed mark gone. */
static inline void set_page_alloc_info(struct page *p, unsigned int order, unsigned int mt)
{
	page_flags_store(
		p, (page_flags(p) & ~((PAGE_ORDER_MASK << PAGE_ORDER_SHIFT) |
				      (PAGE_MT_MASK << PAGE_MT_SHIFT) | (1u << PAGE_ZEROED_BIT))) |
			   ((order + 1) << PAGE_ORDER_SHIFT) |
			   ((mt & PAGE_MT_MASK) << PAGE_MT_SHIFT));
}

/* Freed: no order recorded, and not known zero (a free path that cleared it marks it after). */
static inline void clear_page_alloc_info(struct page *p)
{
	page_flags_store(p, page_flags(p) &
				    ~((PAGE_ORDER_MASK << PAGE_ORDER_SHIFT) |
				      (PAGE_MT_MASK << PAGE_MT_SHIFT) | (1u << PAGE_ZEROED_BIT)));
}

/* -1 when the page is not the head of a block handed out by the page allocator. */
static inline int page_alloc_order(const struct page *p)
{
	return (int)((page_flags(p) >> PAGE_ORDER_SHIFT) & PAGE_ORDER_MASK) - 1;
}

static inline unsigned int page_alloc_mt(const struct page *p)
{
	return (page_flags(p) >> PAGE_MT_SHIFT) & PAGE_MT_MASK;
}

static inline unsigned int page_movable_id(const struct page *p)
{
	return (page_flags(p) >> PAGE_MOVABLE_SHIFT) & PAGE_MOVABLE_MASK;
}

static inline void set_page_movable_id(struct page *p, unsigned int id)
{
	page_flags_store(p, (page_flags(p) & ~(PAGE_MOVABLE_MASK << PAGE_MOVABLE_SHIFT)) |
				    ((id & PAGE_MOVABLE_MASK) << PAGE_MOVABLE_SHIFT));
}

/* Buddy bookkeeping: order of a free block lives in private. */
static inline unsigned int buddy_order(const struct page *p)
{
	return (unsigned int)p->private;
}

#endif /* KMM_PAGE_PAGE_H */
