/* SPDX-License-Identifier: MIT */
/*
 * slab/slab.h - the slab allocator's data structures, its invariants and
 * lock order, the inline fast paths, and the cross-file interface grouped
 * by the file that owns each function (as Linux's mm/slab.h).
 *
 * A cache (struct kmem_cache) hands out objects of one size. Its memory is
 * slabs: blocks of 2^order contiguous pages from the page allocator
 * (compound pages, PG_slab on the head page, page->private = the cache).
 * The slab's own state lives in its head page descriptor (page->u.slab):
 *   freelist  index of the first free object, SLAB_NIL when none; each
 *             free object holds the (obfuscated) address of the next one
 *             at s->offset, the last one holds an encoded NULL;
 *   inuse     objects not on the freelist (allocated, or in a per-CPU cache);
 *   objects   objects in the slab (s->objects);
 *   colour    byte offset of the first object (cache colouring).
 * Object i of a slab starts at page_address + colour + red_left_pad + i * size.
 *
 * Three levels, as in the classic slab allocator (mm/slab.c):
 *  1. per-CPU object caches (struct slab_array, one per CPU and cache, like
 *     SLAB's array_cache and Linux 6.18's sheaves): a stack of object
 *     pointers. The common alloc pops, the common free pushes, each as one
 *     restartable sequence (slab/percpu_rseq.h) in rseq mode, or under the
 *     array's lock (smp/cpu_lock.h, one CAS) otherwise. A thread can be
 *     migrated or preempted at any moment and threads may outnumber CPUs:
 *     the kernel aborts an interrupted sequence, the lock excludes the
 *     others, and everything longer than one pop or push (refill, flush,
 *     bulk, drains) holds the lock, which the sequences respect. When the
 *     lock is busy the caller goes to the node lists instead of waiting.
 *  2. per-node slab lists (struct kmem_cache_node) under list_lock:
 *     partial (some objects free), full (none free), free (all free) and
 *     rcu (empty slabs of a SLAB_TYPESAFE_BY_RCU cache waiting for a grace
 *     period). An array refills batchcount objects from them and flushes
 *     batchcount objects back to them.
 *  3. the page allocator, called with no slab lock held.
 *
 * Invariants (checked by kmm_check through slab/check.c):
 *  - a slab is on exactly one list of the node its pages belong to:
 *    full iff inuse == objects, free or rcu iff inuse == 0, partial else;
 *  - its freelist holds exactly objects - inuse valid, distinct objects;
 *  - node->free_objects is the sum of (objects - inuse) over its slabs and
 *    nr_partial/nr_full/nr_free/nr_rcu count the lists;
 *  - an object pointer in a per-CPU array belongs to this cache, is on no
 *    slab freelist, and a CPU's array only holds objects of that CPU's node
 *    or of nodes its refills fell back to;
 *  - debug caches (any of F Z P U T) have no per-CPU arrays: every alloc
 *    and free goes to the slab under list_lock, so checks see exact state.
 *
 * Lock order: slab_mutex (the cache list) -> slab_array.lock ->
 * kmem_cache_node.list_lock -> zone->lock. The page allocator is never
 * called with a slab lock held (it may run the shrinker, which takes them),
 * and nothing is logged with a lock held: reports are collected and
 * printed after unlock (log.h).
 */
#ifndef KMM_SLAB_SLAB_H
#define KMM_SLAB_SLAB_H

#include "lib/stackdepot.h"
#include "log.h"
#include "page/internal.h"
#include "slab/percpu_rseq.h"
#include "smp/cpu_lock.h"
#include <kmm/slab.h>

#define SLAB_NAME_LEN 48
#define SLAB_NIL 0xffffu
#define SLAB_MAX_OBJECTS 32767u
#define SLAB_CACHE_LINE 64u
#define SLUB_MAX_ORDER PAGE_ALLOC_COSTLY_ORDER
#define KMEM_CACHE_MAGIC 0x736c6162u /* "slab" */

/* Debug flags: a cache with any of them has no per-CPU arrays. */
#define SLAB_DEBUG_FLAGS \
	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE)
/* Internal: the object is poisoned when free (P without ctor or RCU). */
#define __OBJECT_POISON 0x80000000u

/* Poison and red zone bytes (include/linux/poison.h). */
#define POISON_INUSE 0x5a
#define POISON_FREE 0x6b
#define POISON_END 0xa5
#define SLUB_RED_INACTIVE 0xbb
#define SLUB_RED_ACTIVE 0xcc

/* kmalloc size classes: index i holds 2^i bytes, except 1 (96) and 2 (192). */
enum kmalloc_cache_type { KMALLOC_NORMAL, KMALLOC_RECLAIM, KMALLOC_DMA, NR_KMALLOC_TYPES };
#define KMALLOC_SHIFT_LOW 3
#define KMALLOC_MAX_INDEX 18 /* up to 2^17: two 64K pages */
/* Marks the head page of a large kmalloc (PG_owner_priv, private = this). */
#define KMALLOC_LARGE_MAGIC ((uintptr_t)0x6b6d616c6c6f63ull) /* "kmalloc" */

/*
 * SLUB's struct track: one sits after every SLAB_STORE_USER object for its
 * last alloc and one for its last free (debug.c), so it is kept at 40
 * bytes. The stack itself lives once in the machine's stack depot.
 */
struct slab_track {
	uintptr_t addr; /* call site */
	uint64_t when;	/* kmm_os_now_ns() */
	uint32_t cpu;
	depot_stack_handle_t handle; /* the stack from the call site out; 0: none */
	char comm[16];		     /* TASK_COMM_LEN */
};
_Static_assert(sizeof(struct slab_track) <= 40,
	       "struct slab_track grew: every tracked object pays");

/* A per-CPU object cache. */
struct slab_array {
	kmm_cpu_lock lock;   /* smp/cpu_lock.h: rseq or one CAS on the owning CPU */
	uint16_t avail;	     /* entries in use: entry[0..avail) */
	uint16_t limit;	     /* capacity */
	uint16_t batchcount; /* objects per refill / flush */
	uint16_t touched;
	void *entry[];
};

/*
 * A node's barn (barn.c): free objects passed between CPUs in whole
 * batches, without going back to their slabs. Its own cache line: it is
 * used by other CPUs than list_lock is.
 */
struct slab_barn {
	kmm_spinlock lock;
	uint16_t avail; /* objects in entry[0..avail) */
	uint16_t cap;	/* capacity, whole batches; 0 without a buffer */
	bool want;	/* a flush found no buffer: barn_grow after unlock */
	void **entry;	/* the buffer: one page from the page allocator, or NULL */
} __attribute__((aligned(64)));

struct kmem_cache_node {
	kmm_spinlock list_lock;
	unsigned int colour_next;
	struct page_list partial, full, free, rcu;
	unsigned long nr_partial, nr_full, nr_free, nr_rcu;
	unsigned long free_objects; /* free objects in this node's slabs */
	struct slab_barn barn;
} __attribute__((aligned(64)));

enum slab_stat {
	SLAB_STAT_ALLOC_SLOW, /* allocations that missed the per-CPU fast path */
	SLAB_STAT_CONTENDED,  /* the CPU's array was locked by another thread */
	SLAB_STAT_GROW,	      /* slabs allocated */
	SLAB_STAT_SHRINK,     /* slabs given back */
	SLAB_STAT_BARN_PUT,   /* flushes that went to the barn, not the slabs */
	SLAB_STAT_BARN_GET,   /* refills served by the barn */
	NR_SLAB_STATS
};

struct kmem_cache {
	/* Read by every allocation and free. */
	struct kmm_machine *m;
	bool debug; /* any SLAB_DEBUG_FLAGS: no per-CPU arrays */
	bool init_on_alloc;
	bool init_on_free;
	unsigned int object_size; /* the size the cache was created with */
	unsigned int size;	  /* stride between objects, metadata included */
	unsigned int red_left_pad;
	unsigned int objects; /* per slab */
	unsigned int offset;  /* of the free pointer inside the stride */
	uint64_t recip;	      /* ceil(2^64 / size), for object indices */
	/*
	 * size = 2^index_rot * q with q odd, and index_inv = q^-1 mod 2^32:
	 * rotr32(off * index_inv, index_rot) is off / size when size divides
	 * off and at least objects otherwise (slab_obj_index_own).
	 */
	uint32_t index_inv;
	uint8_t index_rot;
	uintptr_t random;    /* free pointer obfuscation secret */
	uintptr_t phys;	     /* m->phys: slabs are aligned to their size in it */
	uintptr_t slab_mask; /* (PAGE_SIZE << order) - 1 */

	/* Geometry and policy, fixed at creation. */
	slab_flags_t flags;
	unsigned int inuse; /* end of object + right red zone: metadata starts here */
	unsigned int align;
	unsigned int order;
	unsigned int colour;	 /* number of colours */
	unsigned int colour_off; /* bytes per colour step */
	unsigned int limit, batchcount;
	unsigned int min_partial;	   /* SLUB's: empty slabs a node may keep (slabs.c) */
	unsigned int useroffset, usersize; /* the usercopy region (recorded, not enforced) */
	gfp_t allocflags;
	void (*ctor)(void *);
	uint32_t magic;
	bool destroy_failed;

	struct kmem_cache *prev, *next; /* the machine's cache list, newest first */
	struct kmem_cache_node *node;	/* one per node, inside this object */
	char name[SLAB_NAME_LEN];
	unsigned long stat[NR_SLAB_STATS];
	/*
	 * Then, in the same boot-cache object: the per-CPU arrays at
	 * SLAB_ARRAYS_OFFSET, one per CPU, 1 << array_shift bytes apart, so
	 * that a free finds CPU c's array from the cache pointer alone; then
	 * the nodes.
	 */
} __attribute__((aligned(64)));

#define SLAB_ARRAYS_OFFSET ALIGN_UP(sizeof(struct kmem_cache), (size_t)SLAB_CACHE_LINE)

/* The slab layer's state in a machine (m->slab), carved from its pages. */
struct kmm_slab {
	kmm_spinlock slab_mutex; /* the cache list; create, destroy, walks */
	struct kmem_cache *caches;
	int nr_caches;
	struct kmem_cache *kmem_cache; /* the boot cache: struct kmem_cache objects */
	struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_MAX_INDEX];
	unsigned int kmalloc_shift_high; /* page_shift + 1 */
	unsigned int state_order;	 /* of the block holding this struct */
	unsigned int array_shift;	 /* log2 of a per-CPU array's bytes */
	int boot_nid;			 /* >= 0 while booting: the node of boot-time caches */
	uint64_t rng;			 /* random state, advanced atomically */
	bool tainted;			 /* a report was printed ("Tainted: B") */
	/* Pages, for meminfo: slabs by reclaimability, and slab-layer metadata. */
	unsigned long slab_pages[2]; /* [0] unreclaimable, [1] reclaimable */
	unsigned long meta_pages;    /* this state, per-CPU arrays, barns */
	unsigned long barn_pages;    /* barns with a buffer (barn.c) */
	unsigned long large_pages;   /* large kmalloc */
};

/* ---- descriptors and addresses ------------------------------------------ */

static inline struct kmm_slab *slab_state(const struct kmm_machine *m)
{
	return m->slab;
}

static inline struct kmem_cache_node *get_node(struct kmem_cache *s, int nid)
{
	return &s->node[nid];
}

/* CPU cpu's array of s (shift: m->slab->array_shift). */
static inline struct slab_array *cpu_array(const struct kmem_cache *s, unsigned int shift, int cpu)
{
	return (struct slab_array *)((char *)s + SLAB_ARRAYS_OFFSET + ((size_t)cpu << shift));
}

static inline char *slab_address(const struct kmm_machine *m, const struct page *page)
{
	return page_to_virt_raw(m, page);
}

/* Address of object 0 of a slab. */
static inline char *slab_base(const struct kmem_cache *s, const struct page *page)
{
	return slab_address(s->m, page) + page->u.slab.colour + s->red_left_pad;
}

static inline void *slab_object(const struct kmem_cache *s, const struct page *page,
				unsigned int idx)
{
	return slab_base(s, page) + (size_t)idx * s->size;
}

/*
 * The index of `obj` in its slab, or -1 when obj is not the start of an
 * object of this slab (exact: recip is ceil(2^64 / size), see cache.c).
 */
static inline int slab_obj_index(const struct kmem_cache *s, const struct page *page,
				 const void *obj)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)slab_base(s, page);
	uint64_t idx = (uint64_t)(((unsigned __int128)off * s->recip) >> 64);

	if (idx >= page->u.slab.objects || idx * s->size != off)
		return -1;
	return (int)idx;
}

/*
 * The index of obj in the slab that holds it (page is obj's head page, so
 * obj is inside the slab): a slab of order k starts at a pfn aligned to
 * 2^k, so obj's offset in the slab is its offset in physical memory masked
 * with the slab size. -1 when obj is not the start of an object.
 *
 * One multiplication tests divisibility and divides (Granlund and
 * Montgomery's exact division by an odd number, with the power of two
 * rotated out): for off = j * size the product is j * 2^index_rot, which
 * the rotation turns into j; for any other off the rotation brings set
 * bits to the top or the product exceeds (2^32 - 1) / size, and either way
 * the result is at least objects (objects * size fits a slab, < 2^32). A
 * pointer before the first object wraps off to a huge value: rejected too.
 */
static inline int slab_obj_index_own(const struct kmem_cache *s, const struct page *page,
				     const void *obj)
{
	uint32_t off = (uint32_t)(((uintptr_t)obj - s->phys) & s->slab_mask) -
		       (page->u.slab.colour + s->red_left_pad);
	uint32_t q = off * s->index_inv;
	uint32_t idx = (q >> s->index_rot) | (q << ((32 - s->index_rot) & 31));

	if (idx >= page->u.slab.objects)
		return -1;
	return (int)idx;
}

/*
 * The head page descriptor of a direct-map address, or NULL when addr is
 * not in this machine's direct map or its memmap section is absent.
 */
static inline struct page *virt_to_head_page_m(const struct kmm_machine *m, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)m->phys;
	unsigned long pfn = off >> m->page_shift;
	unsigned long tail;
	struct page *page;

	if (unlikely(pfn >= m->max_low_pfn || !pfn_valid(m, pfn)))
		return NULL;
	page = pfn_to_page(m, pfn);
	/*
	 * A tail page names its head (private = head pfn). Chosen with a mask,
	 * not a branch: frees land on head and tail pages of multi-page slabs
	 * at random, and a mispredicted branch here cost more than the select.
	 */
	tail = 0ul - (unsigned long)page_test(page, PG_tail);
	return pfn_to_page(m, (page->private & tail) | (pfn & ~tail));
}

/* The cache owning a slab page, or NULL when the page is not a slab. */
static inline struct kmem_cache *page_slab_cache(const struct page *page)
{
	return page_test(page, PG_slab) ? (struct kmem_cache *)page->private : NULL;
}

/*
 * Take the array of `cpu`, the CPU this thread was just seen on
 * (smp_local_slot): true when taken. In rseq mode this is a restartable
 * sequence with no atomic instruction; otherwise one compare-and-swap. A
 * busy lock or a thread that moved meanwhile gives false at once.
 */
static inline bool __array_trylock(const struct kmm_machine *m, struct slab_array *ac, int cpu,
				   const char *file, int line)
{
	if (cpu_trylock_local(m, &ac->lock, cpu) != CPU_LOCK_TAKEN)
		return false;
	kmm_lockdep_acquire(&ac->lock, KMM_LOCK_SLAB_ARRAY, true, file, line);
	return true;
}

/* Take any CPU's array from any thread, waiting (drain, shrink, kmm_check). */
static inline void __array_lock_remote(struct kmm_machine *m, struct slab_array *ac, int cpu,
				       const char *file, int line)
{
	kmm_lockdep_acquire(&ac->lock, KMM_LOCK_SLAB_ARRAY, false, file, line);
	cpu_lock_remote(m, &ac->lock, cpu);
}

static inline void __array_unlock(struct slab_array *ac, const char *file, int line)
{
	kmm_lockdep_release(&ac->lock, KMM_LOCK_SLAB_ARRAY, file, line);
	cpu_unlock(&ac->lock);
}

/* Macros, so the lock-order checker (lib/lockdep.h) learns the caller's line. */
#define array_trylock(m, ac, cpu) __array_trylock((m), (ac), (cpu), KMM_SITE)
#define array_lock_remote(m, ac, cpu) __array_lock_remote((m), (ac), (cpu), KMM_SITE)
#define array_unlock(ac) __array_unlock((ac), KMM_SITE)

/* ---- harden.c: free pointer obfuscation, randomness ----------------------- */

/* The value stored for `ptr` at `ptr_addr`: ptr ^ secret ^ swab(ptr_addr), as Linux. */
static inline uintptr_t freeptr_encode(const struct kmem_cache *s, const void *ptr,
				       uintptr_t ptr_addr)
{
	return (uintptr_t)ptr ^ s->random ^ (uintptr_t)__builtin_bswap64((uint64_t)ptr_addr);
}

static inline void *freeptr_decode(const struct kmem_cache *s, uintptr_t val, uintptr_t ptr_addr)
{
	return (void *)(val ^ s->random ^ (uintptr_t)__builtin_bswap64((uint64_t)ptr_addr));
}

static inline void *get_freepointer(const struct kmem_cache *s, const void *obj)
{
	uintptr_t addr = (uintptr_t)obj + s->offset;
	uintptr_t val;

	kmm_memcpy(&val, (const void *)addr, sizeof(val));
	return freeptr_decode(s, val, addr);
}

static inline void set_freepointer(const struct kmem_cache *s, void *obj, const void *next)
{
	uintptr_t addr = (uintptr_t)obj + s->offset;
	uintptr_t val = freeptr_encode(s, next, addr);

	kmm_memcpy((void *)addr, &val, sizeof(val));
}

uint64_t slab_random(struct kmm_machine *m);
void slab_random_seed(struct kmm_machine *m);
/* Shuffle order[0..n) (freelist randomization). */
void slab_shuffle(struct kmm_machine *m, uint16_t *order, unsigned int n);
/* Linux's slab_want_init_on_alloc / _free for a cache being created. */
bool slab_want_init_on_alloc(const struct kmm_machine *m, const struct kmem_cache *s);
bool slab_want_init_on_free(const struct kmm_machine *m, const struct kmem_cache *s);

/* ---- slabs.c: slab pages, their freelists and the node lists -------------- */

/* A new slab for s from node nid (-1: any), initialised, on no list; NULL on failure. */
struct page *new_slab(struct kmem_cache *s, gfp_t gfp, int nid);
/* Give a slab's pages back (no lock held). */
void discard_slab(struct kmem_cache *s, struct page *page);
/* Discard every slab on a private list (linked by lru), no lock held. Returns pages. */
unsigned long discard_slab_list(struct kmem_cache *s, struct page_list *list);
/* Pop one object off a slab's freelist (list_lock held); NULL if the chain is corrupt. */
void *slab_pop(struct kmem_cache *s, struct page *page, bool *corrupt);
/* Push an object back (list_lock held). */
void slab_push(struct kmem_cache *s, struct page *page, void *obj);
/* Which list a slab belongs on, given its inuse. */
struct page_list *slab_list_for(struct kmem_cache *s, struct kmem_cache_node *n,
				const struct page *page);
void node_list_add(struct kmem_cache *s, struct kmem_cache_node *n, struct page *page);
void node_list_del(struct kmem_cache *s, struct kmem_cache_node *n, struct page *page);
/*
 * Take up to max objects from node n's slabs (list_lock held by the
 * caller). Returns the number taken. A corrupt freelist found on the way is
 * isolated and described in *rep for the caller to print after unlock.
 */
struct slab_report;
unsigned int node_take(struct kmem_cache *s, struct kmem_cache_node *n, void **out,
		       unsigned int max, struct slab_report *rep);
/*
 * Return objects to their slabs, locking each node as needed (no list_lock
 * held on entry). Slabs to give back are appended to *release. An object
 * found already free (the head of its slab's freelist, or a slab with
 * nothing in use) is skipped: returns how many, the first in *dfree.
 */
unsigned int node_put(struct kmem_cache *s, void **objs, unsigned int nr, struct page_list *release,
		      void **dfree);
/* Add a new slab to its node and take one object from it for the caller. */
void *node_add_new_slab(struct kmem_cache *s, struct page *page);
/* Same, taking up to max objects (in freelist order) into out[]; returns how many. */
unsigned int node_add_new_slab_take(struct kmem_cache *s, struct page *page, void **out,
				    unsigned int max);
/* Move every empty slab of s off its node lists into *release (TYPESAFE: to rcu). */
void node_release_empty(struct kmem_cache *s, struct page_list *release);
/*
 * Give back empty slabs beyond SLUB's min_partial rule (list_lock held):
 * the node keeps an empty slab only while its partial and empty slabs
 * together number at most s->min_partial.
 */
void node_trim(struct kmem_cache *s, struct kmem_cache_node *n, struct page_list *release);

/* ---- percpu_cache.c: the per-CPU object arrays ----------------------------- */

/* Set up the arrays of a new cache (empty, sized by s->limit and s->batchcount). */
void slab_arrays_init(struct kmem_cache *s);
/*
 * Refill ac (locked, empty) with up to batchcount objects from node nid's
 * lists; returns ac->avail. A corrupt freelist met is described in *rep.
 */
unsigned int array_refill(struct kmem_cache *s, struct slab_array *ac, int nid,
			  struct slab_report *rep);
/*
 * Flush the oldest batchcount objects of ac (locked): to node nid's barn
 * when it has room, else to the slabs (see node_put, whose count of
 * objects found already free this returns).
 */
unsigned int array_flush(struct kmem_cache *s, struct slab_array *ac, int nid,
			 struct page_list *release, void **dfree);
/* Flush every CPU's array completely. wait: lock each; else skip busy ones. */
void drain_arrays(struct kmem_cache *s, bool wait);

/* ---- barn.c: whole batches passed between a node's CPUs ---------------------- */

void barn_init(struct slab_barn *b);
/* Copy nr objects into node nid's barn; false (and nothing done) when it has no room. */
bool barn_put_batch(struct kmem_cache *s, int nid, void **objs, unsigned int nr);
/* Copy up to max objects out of node nid's barn (its newest batch first); how many. */
unsigned int barn_get_batch(struct kmem_cache *s, int nid, void **out, unsigned int max);
/* Give node nid's barn a buffer if a flush asked for one (no lock held). */
void barn_grow(struct kmem_cache *s, int nid);
/* Empty every barn of s to the slabs and give their pages back (no lock held). */
void barn_drain(struct kmem_cache *s);

/* ---- alloc.c: kmem_cache_alloc / free, fast and slow paths ------------------ */

void *slab_alloc_slow(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp, int nid,
		      uintptr_t caller);
/*
 * Grow s by a slab for node nid (that node only first, then SLAB's
 * fallback: an object from another node's lists, in *obj, or a slab from
 * any node). The new slab is on no list yet. NULL when neither.
 */
struct page *slab_grow(struct kmem_cache *s, gfp_t gfp, int nid, void **obj);
/* slab_grow, then one object for the caller. */
void *slab_grow_alloc(struct kmem_cache *s, gfp_t gfp, int nid);
void slab_free_slow(struct kmm_machine *m, struct kmem_cache *s, struct page *page, void *obj,
		    uintptr_t caller);
/* Pop from this CPU's array inside a restartable sequence (rseq mode); NULL: go slow. */
static inline void *array_pop_rseq(const struct kmm_machine *m, const struct kmem_cache *s,
				   unsigned int shift)
{
#if KMM_HAVE_RSEQ
	for (int tries = 0; tries < 4; tries++) {
		uint32_t cpu = rseq_cpu_id(m->rseq_offset);
		struct slab_array *ac;
		enum rseq_array_result r;
		void *obj;

		if (unlikely(cpu >= (uint32_t)m->nr_cpus))
			return NULL;
		ac = cpu_array(s, shift, (int)cpu);
		r = rseq_array_pop(&ac->lock.owner, &ac->avail, ac->entry, cpu, m->rseq_offset,
				   &obj);
		if (likely(r == RSEQ_ARRAY_DONE))
			return obj;
		if (r == RSEQ_ARRAY_BUSY)
			return NULL;
	}
#else
	(void)m;
	(void)s;
	(void)shift;
#endif
	return NULL;
}

/* Pop from this CPU's array under its lock (CAS mode); NULL: go slow. */
static inline void *array_pop_locked(const struct kmm_machine *m, const struct kmem_cache *s,
				     unsigned int shift)
{
	int cpu = smp_local_slot(m);
	struct slab_array *ac;
	void *obj;

	if (unlikely(cpu < 0))
		return NULL;
	ac = cpu_array(s, shift, cpu);
	if (unlikely(!array_trylock(m, ac, cpu)))
		return NULL;
	if (unlikely(!ac->avail)) {
		array_unlock(ac);
		return NULL;
	}
	obj = ac->entry[--ac->avail];
	array_unlock(ac);
	return obj;
}

/*
 * Cheap enough for the fast path: s lies in the direct map (where every
 * cache lives, and which is mapped whole, so reading it is safe), is
 * aligned as a cache and carries the magic. slab_cache_valid, on the slow
 * path, is the full check and the report.
 */
static inline bool slab_cache_plausible(const struct kmm_machine *m, const struct kmem_cache *s)
{
	uintptr_t off = (uintptr_t)s - (uintptr_t)m->phys;

	return off < ((uintptr_t)m->max_low_pfn << m->page_shift) - sizeof(*s) &&
	       IS_ALIGNED(off, _Alignof(struct kmem_cache)) && s->magic == KMEM_CACHE_MAGIC;
}

/*
 * The per-CPU-array part of an allocation from a cache the caller knows is
 * one (libkmm-malloc's size classes): NULL when it has to go slow.
 */
static inline void *slab_alloc_fast_cache(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp)
{
	unsigned int shift = m->slab->array_shift;
	void *obj;

	if (unlikely(s->debug | READ_ONCE(m->fault_armed)))
		return NULL; /* debug caches and failslab take the slow path */
	if (likely(m->smp_mode == KMM_SMP_RSEQ))
		obj = array_pop_rseq(m, s, shift);
	else
		obj = array_pop_locked(m, s, shift);
	if (unlikely(!obj))
		return NULL;
	if (unlikely((gfp & __GFP_ZERO) || s->init_on_alloc))
		kmm_memset(obj, 0, s->object_size);
	return obj;
}

/*
 * slab_alloc_fast_cache for a caller that wants code without a call
 * (libkmm-malloc's malloc fast path): NULL as well when the object would
 * have to be zeroed (init_on_alloc), which the full paths do.
 */
static inline void *slab_alloc_fast_leaf(struct kmm_machine *m, struct kmem_cache *s)
{
	unsigned int shift = m->slab->array_shift;

	if (unlikely(s->debug | s->init_on_alloc | READ_ONCE(m->fault_armed)))
		return NULL;
#if KMM_HAVE_RSEQ
	if (likely(m->smp_mode == KMM_SMP_RSEQ))
		return array_pop_rseq(m, s, shift);
#endif
	return array_pop_locked(m, s, shift);
}

/* The same for any caller's pointer, checked first to be a cache. */
static inline void *slab_alloc_fast(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp)
{
	if (unlikely(!slab_cache_plausible(m, s)))
		return NULL;
	return slab_alloc_fast_cache(m, s, gfp);
}

static inline void *slab_alloc(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp,
			       uintptr_t caller)
{
	void *obj = slab_alloc_fast(m, s, gfp);

	if (likely(obj))
		return obj;
	return slab_alloc_slow(m, s, gfp, -1, caller);
}

/*
 * Push onto this CPU's array (fast path of a free); false: go slow. The
 * object must belong to the CPU's node (the arrays stay node-local).
 */
static inline bool array_push(const struct kmm_machine *m, const struct kmem_cache *s,
			      unsigned int shift, const struct page *page, void *obj)
{
	struct slab_array *ac;
	int cpu;

#if KMM_HAVE_RSEQ
	if (likely(m->smp_mode == KMM_SMP_RSEQ)) {
		for (int tries = 0; tries < 4; tries++) {
			uint32_t c = rseq_cpu_id(m->rseq_offset);
			enum rseq_array_result r;

			if (unlikely(c >= (uint32_t)m->nr_cpus))
				return false;
			if (unlikely(m->nr_nodes > 1) && page_nid(page) != m->cpu_to_node[c])
				return false;
			ac = cpu_array(s, shift, (int)c);
			r = rseq_array_push(&ac->lock.owner, &ac->avail, &ac->limit, ac->entry, c,
					    m->rseq_offset, obj);
			if (likely(r == RSEQ_ARRAY_DONE))
				return true;
			if (r == RSEQ_ARRAY_BUSY)
				return false;
		}
		return false;
	}
#endif
	cpu = smp_local_slot(m);
	if (unlikely(cpu < 0 || page_nid(page) != m->cpu_to_node[cpu]))
		return false;
	ac = cpu_array(s, shift, cpu);
	if (unlikely(!array_trylock(m, ac, cpu)))
		return false;
	if (likely(ac->avail < ac->limit) &&
	    likely(!ac->avail || ac->entry[ac->avail - 1] != obj)) {
		ac->entry[ac->avail++] = obj;
		array_unlock(ac);
		return true;
	}
	array_unlock(ac);
	return false;
}

/*
 * The fast part of a free into a cache that is not a debug cache: true
 * when obj starts an object of its slab and went onto this CPU's array;
 * false: slab_free_slow decides (and reports a pointer into an object).
 */
static inline bool slab_free_push(struct kmm_machine *m, struct kmem_cache *s, struct page *page,
				  void *obj)
{
	/*
	 * The arrays are LIFO and never touch an object: obj is what the next
	 * allocation from this cache on this CPU returns, and its caller writes
	 * it at once. Start bringing its line in for writing now, so that the
	 * first store does not wait on a cold line (SLUB prefetches its next
	 * free object at allocation, prefetch_freepointer, for its own read).
	 * A prefetch never faults, whatever obj is.
	 */
	__builtin_prefetch(obj, 1, 3);
	if (unlikely(slab_obj_index_own(s, page, obj) < 0))
		return false;
	if (unlikely(s->init_on_free))
		kmm_memset(obj, 0, s->object_size);
	return array_push(m, s, m->slab->array_shift, page, obj);
}

/*
 * Free obj, whose head page (PG_slab, owned by s) the caller has found.
 * The object must start an object of the slab (checked here: a pointer
 * into the middle of an object is reported, not freed).
 */
static inline void slab_free(struct kmm_machine *m, struct kmem_cache *s, struct page *page,
			     void *obj, uintptr_t caller)
{
	if (likely(!s->debug) && likely(slab_free_push(m, s, page, obj)))
		return;
	slab_free_slow(m, s, page, obj, caller);
}

/* ---- debug.c: slab_debug, object checks and SLUB-format reports ------------- */

/* What went wrong, collected under a lock and printed after unlock. */
enum slab_report_kind {
	SLAB_REPORT_NONE,
	SLAB_REPORT_FREECHAIN, /* "Freechain corrupt": a free object's next pointer is bad */
	SLAB_REPORT_FREEPTR,   /* a cycle in the freelist: cleared */
	SLAB_REPORT_COUNT,     /* "Wrong object count": inuse disagreed with the freelist */
};

struct slab_report {
	enum slab_report_kind kind;
	struct page *page;
	void *object;
	unsigned int lost;	       /* free objects cut off the freelist */
	unsigned int counter, counted; /* SLAB_REPORT_COUNT */
};

/* Debug flags slab_debug= gives the cache `name` (0 when none). */
slab_flags_t slab_debug_flags(struct kmm_machine *m, const char *name);
/* Log any problems in slab_debug= (once, at boot). */
void slab_debug_validate(struct kmm_machine *m);
/* Lay out the debug state of a new slab's objects (no lock needed: private). */
void setup_slab_debug(struct kmem_cache *s, struct page *page);
void init_object(struct kmem_cache *s, void *obj, uint8_t val);
void init_tracking(struct kmem_cache *s, void *obj);
/* Debug-cache alloc and free: everything under list_lock, reports after. */
void *slab_alloc_debug(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp, int nid,
		       uintptr_t caller);
void slab_free_debug(struct kmm_machine *m, struct kmem_cache *s, struct page *page, void *obj,
		     uintptr_t caller);
/* Print a report collected under a lock. */
void slab_report_emit(struct kmm_machine *m, struct kmem_cache *s, const struct slab_report *r);
/* "Invalid object pointer", "Object already free", "Wrong slab cache": the free was refused. */
void report_invalid_free(struct kmm_machine *m, struct kmem_cache *s, struct page *page,
			 const void *obj, const char *reason);
void report_bad_kfree(struct kmm_machine *m, const void *obj, const char *why);
/* Objects still allocated at kmem_cache_destroy. */
void report_leaks(struct kmm_machine *m, struct kmem_cache *s);
/* Check one object's red zones / poison / padding / free pointer; reports and fixes. */
int check_object_report(struct kmem_cache *s, struct page *page, void *obj, uint8_t val);
/* The alloc (alloc = 1) or free track of an object of a SLAB_STORE_USER cache. */
struct slab_track *get_track(struct kmem_cache *s, void *obj, int alloc);
/*
 * kmm_check's validation of a slab's objects against the free map (bit i:
 * object i is free), list_lock held: detection only. Returns the number of
 * damaged objects, the first in *bad; validate_report prints and repairs it.
 */
int validate_slab_objects(struct kmem_cache *s, struct page *page, const uint8_t *freemap,
			  void **bad, uint8_t *bad_val);
void validate_report(struct kmem_cache *s, void *obj, uint8_t val);

/* ---- cache.c: create, destroy, shrink, boot, hooks ------------------------------ */

int kmem_cache_init(struct kmm_machine *m);
struct kmem_cache *__kmem_cache_create(struct kmm_machine *m, const char *name, unsigned int size,
				       unsigned int align, slab_flags_t flags,
				       void (*ctor)(void *));
struct kmem_cache *__kmem_cache_create_args_m(struct kmm_machine *m, const char *name,
					      unsigned int size,
					      const struct kmm_kmem_cache_args *args,
					      slab_flags_t flags);
unsigned long __kmem_cache_shrink(struct kmem_cache *s, bool wait);
/* Release every cache's empty slabs without waiting: returns the pages freed. */
unsigned long slab_reclaim(struct kmm_machine *m, gfp_t gfp, unsigned int order);
/* Register slab_reclaim as one shrinker of the machine (slab_shrinker.c). */
int slab_register_shrinker(struct kmm_machine *m);
/* Account slab pages for meminfo (nr may be negative). */
void slab_account_pages(struct kmem_cache *s, const struct page *page, long nr);
void slab_node_account(struct kmm_machine *m, int nid, bool reclaimable, long nr);
bool slab_cache_valid(struct kmm_machine *m, const struct kmem_cache *s);

/* ---- kmalloc.c ------------------------------------------------------------------- */

int create_kmalloc_caches(struct kmm_machine *m);
/* What slab pages cannot honour: 6.18's GFP_SLAB_BUG_MASK (kmm's own flags are fine). */
#define GFP_SLAB_BUG_MASK (__GFP_DMA32 | __GFP_HIGHMEM | ~GFP_KMM_VALID)
/* kmalloc_fix_flags: warn as the kernel does and drop the bits in GFP_SLAB_BUG_MASK. */
gfp_t kmalloc_fix_flags(struct kmm_machine *m, gfp_t gfp);

/* ---- check.c --------------------------------------------------------------------- */

int slab_check(struct kmm_machine *m);

/* ---- info.c: statistics for slabinfo, slabtop and meminfo ------------------------- */

void slab_cache_info(struct kmem_cache *s, struct kmm_slab_info *info);
void slab_meminfo(struct kmm_machine *m, struct kmm_meminfo_extra *extra);

#endif /* KMM_SLAB_SLAB_H */
