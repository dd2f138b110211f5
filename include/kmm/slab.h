/* SPDX-License-Identifier: MIT */
/*
 * kmm/slab.h - the slab allocator and the kmalloc family.
 *
 * Two layers, as everywhere in kmm:
 *  - the instance API: kmm_-prefixed functions that name the machine they
 *    act on (kmm_kmem_cache_create(m, ...), kmm_kmalloc(m, ...)), with
 *    kmm_slab_flags_t, KMM_SLAB_* and struct kmm_kmem_cache_args;
 *  - the kernel's names: slab_flags_t, SLAB_* and ZERO_SIZE_PTR (unless
 *    KMM_NO_LINUX_NAMES, see <kmm/kmm.h>), and the functions (6.18's
 *    kmem_cache_create in both forms, struct kmem_cache_args, KMEM_CACHE,
 *    kmalloc, kfree, ...) bound to the default machine. The functions are
 *    defined when this header is reached through <kmm/linux.h>, which
 *    includes it.
 *
 * Semantics are the kernel's (mm/slab_common.c, mm/slub.c): kmalloc(0)
 * returns ZERO_SIZE_PTR, kfree(NULL) and kfree(ZERO_SIZE_PTR) do nothing,
 * kmalloc_array/kcalloc return NULL when n * size overflows, requests above
 * the largest kmalloc cache (2 pages) go to the page allocator as compound
 * pages up to order KMM_MAX_ORDER, larger ones fail with a warning, and
 * kmem_cache_alloc_bulk is all-or-nothing. Misuse (double free, a pointer
 * that is not an object, red zone or poison damage ...) is reported through
 * the machine's log in SLUB's format and leaves the allocator consistent.
 * docs/slab.md describes the design and every departure from Linux.
 */
#ifndef KMM_SLAB_H
#define KMM_SLAB_H

#include <stdbool.h>
#include <stddef.h>

#include <kmm/kmm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kmem_cache;
typedef unsigned int kmm_slab_flags_t;

/*
 * Cache flags. The values are the kernel's fixed ones of 2.6 .. 6.7
 * (include/linux/slab.h); 6.8 and later number them per configuration,
 * which /proc never shows.
 */
#define KMM_SLAB_CONSISTENCY_CHECKS 0x00000100u /* slab_debug=F: sanity checks on alloc/free */
#define KMM_SLAB_RED_ZONE 0x00000400u		/* slab_debug=Z: red zones around objects */
#define KMM_SLAB_POISON 0x00000800u		/* slab_debug=P: poison free objects */
#define KMM_SLAB_KMALLOC 0x00001000u		/* a kmalloc cache */
#define KMM_SLAB_HWCACHE_ALIGN 0x00002000u	/* align objects to cache lines */
#define KMM_SLAB_CACHE_DMA 0x00004000u		/* pages from ZONE_DMA */
#define KMM_SLAB_CACHE_DMA32 0x00008000u	/* pages from ZONE_DMA32 */
#define KMM_SLAB_STORE_USER 0x00010000u		/* slab_debug=U: record alloc/free call sites */
#define KMM_SLAB_RECLAIM_ACCOUNT 0x00020000u	/* reclaimable: SReclaimable, Reclaimable pages */
#define KMM_SLAB_PANIC 0x00040000u		/* abort if the cache cannot be created */
#define KMM_SLAB_TYPESAFE_BY_RCU 0x00080000u	/* free slab pages only after a grace period */
#define KMM_SLAB_MEM_SPREAD 0x00100000u		/* accepted, no effect (gone in 6.9) */
#define KMM_SLAB_TRACE 0x00200000u		/* slab_debug=T: log every alloc and free */
#define KMM_SLAB_NOLEAKTRACE 0x00800000u	/* accepted, no effect */
#define KMM_SLAB_NO_MERGE 0x01000000u		/* accepted: kmm never merges caches */
#define KMM_SLAB_ACCOUNT 0x04000000u		/* accepted, no effect (no memcg) */

/* kmalloc(0) returns this; it may be passed to kfree and ksize. */
#define KMM_ZERO_SIZE_PTR ((void *)16)
#define KMM_ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)KMM_ZERO_SIZE_PTR)

/*
 * The less common arguments of a cache (Linux 6.18's struct
 * kmem_cache_args; the kernel-named struct of <kmm/linux.h> has the same
 * fields). A zeroed struct means: natural alignment, no usercopy region,
 * the free pointer where kmm chooses, no constructor.
 */
struct kmm_kmem_cache_args {
	/* Alignment of the objects: 0 or a power of two up to the page size. */
	unsigned int align;
	/*
	 * The region user copies may touch (hardened usercopy): recorded and
	 * checked for sanity, not enforced (kmm has no copy_to_user). A bad
	 * region (usersize 0 with an offset, or not inside the object) is
	 * reported and dropped, as the kernel's WARN_ON does.
	 */
	unsigned int useroffset;
	unsigned int usersize;
	/*
	 * With use_freeptr_offset: where the free pointer goes inside the
	 * object of a SLAB_TYPESAFE_BY_RCU cache (which otherwise puts it after
	 * the object, growing the stride by a word). Must be below the object
	 * size and aligned to a pointer; the cache must be TYPESAFE_BY_RCU.
	 * Ignored (the pointer stays outside) when the cache has a constructor
	 * or debugging that needs the object intact, as in SLUB.
	 */
	unsigned int freeptr_offset;
	bool use_freeptr_offset;
	/* Runs on each object when its slab is populated; NULL: none. */
	void (*ctor)(void *);
	/*
	 * 6.18's per-CPU sheaf size. kmm always has per-CPU object arrays,
	 * sized by the object size (docs/slab.md): accepted, and it lowers the
	 * array's capacity when smaller than kmm's choice (0: kmm's choice).
	 */
	unsigned int sheaf_capacity;
};

/* ---- caches (instance API) -------------------------------------------------- */

/*
 * Create a cache of objects of `size` bytes aligned to `align` (0: the
 * natural minimum; a power of two otherwise). The name is copied (at most
 * 47 bytes are kept). ctor, if given, runs on each object when its slab is
 * populated, not on each allocation. NULL on failure (SLAB_PANIC aborts).
 */
KMM_API struct kmem_cache *kmm_kmem_cache_create(kmm_machine *m, const char *name,
						 unsigned int size, unsigned int align,
						 kmm_slab_flags_t flags, void (*ctor)(void *));
/*
 * Create a cache from the less common arguments in *args (NULL: all zero),
 * as 6.18's __kmem_cache_create_args. A bad args (alignment, a free pointer
 * offset outside the object, unaligned, or in a cache that is not
 * SLAB_TYPESAFE_BY_RCU) fails with a report, as the kernel's -EINVAL.
 */
KMM_API struct kmem_cache *kmm_kmem_cache_create_args(kmm_machine *m, const char *name,
						      unsigned int size,
						      const struct kmm_kmem_cache_args *args,
						      kmm_slab_flags_t flags);
/*
 * Destroy a cache. Objects still allocated are reported (with their call
 * sites under slab_debug=U) and the cache is kept, with its pages, so
 * they stay valid; a later destroy after they are freed succeeds.
 */
KMM_API void kmm_kmem_cache_destroy(kmm_machine *m, struct kmem_cache *s);
KMM_API void *kmm_kmem_cache_alloc(kmm_machine *m, struct kmem_cache *s, kmm_gfp_t gfp);
/* From node `nid` (-1: the current CPU's node). */
KMM_API void *kmm_kmem_cache_alloc_node(kmm_machine *m, struct kmem_cache *s, kmm_gfp_t gfp,
					int nid);
KMM_API void kmm_kmem_cache_free(kmm_machine *m, struct kmem_cache *s, void *obj);
/* All or nothing: returns nr with p[0..nr) filled, or 0 with nothing allocated. */
KMM_API int kmm_kmem_cache_alloc_bulk(kmm_machine *m, struct kmem_cache *s, kmm_gfp_t gfp,
				      size_t nr, void **p);
/* s may be NULL: each object is returned to the cache it came from. */
KMM_API void kmm_kmem_cache_free_bulk(kmm_machine *m, struct kmem_cache *s, size_t nr, void **p);
/*
 * Flush the per-CPU object caches and give every empty slab back to the
 * page allocator. Returns the number of pages freed. Empty slabs of a
 * SLAB_TYPESAFE_BY_RCU cache wait for kmm_slab_synchronize_rcu().
 */
KMM_API unsigned long kmm_kmem_cache_shrink(kmm_machine *m, struct kmem_cache *s);
/* The object size the cache was created with. */
KMM_API unsigned int kmm_kmem_cache_size(const struct kmem_cache *s);
KMM_API const char *kmm_kmem_cache_name(const struct kmem_cache *s);

/* ---- kmalloc (instance API) ------------------------------------------------- */

KMM_API void *kmm_kmalloc(kmm_machine *m, size_t size, kmm_gfp_t gfp);
KMM_API void *kmm_kmalloc_node(kmm_machine *m, size_t size, kmm_gfp_t gfp, int nid);
/* NULL when n * size overflows. */
KMM_API void *kmm_kmalloc_array(kmm_machine *m, size_t n, size_t size, kmm_gfp_t gfp);
KMM_API void *kmm_krealloc(kmm_machine *m, const void *p, size_t new_size, kmm_gfp_t gfp);
KMM_API void kmm_kfree(kmm_machine *m, const void *p);
/* Zero the whole allocation (ksize bytes), then free it. */
KMM_API void kmm_kfree_sensitive(kmm_machine *m, const void *p);
/* The usable size of an allocation (0 for NULL and ZERO_SIZE_PTR). */
KMM_API size_t kmm_ksize(kmm_machine *m, const void *p);
KMM_API void *kmm_kmemdup(kmm_machine *m, const void *src, size_t len, kmm_gfp_t gfp);
KMM_API void *kmm_kmemdup_nul(kmm_machine *m, const char *s, size_t len, kmm_gfp_t gfp);
KMM_API char *kmm_kstrdup(kmm_machine *m, const char *s, kmm_gfp_t gfp);
KMM_API char *kmm_kstrndup(kmm_machine *m, const char *s, size_t max, kmm_gfp_t gfp);
/* The largest kmalloc (PAGE_SIZE << KMM_MAX_ORDER) and the largest kmalloc cache. */
KMM_API size_t kmm_kmalloc_max_size(const kmm_machine *m);
KMM_API size_t kmm_kmalloc_max_cache_size(const kmm_machine *m);

/* ---- the slab layer as a whole ---------------------------------------------- */

/*
 * What the shrinker does under memory pressure: flush every per-CPU object
 * cache and free every empty slab of every cache. Returns the pages freed.
 */
KMM_API unsigned long kmm_slab_shrink_all(kmm_machine *m);
/*
 * Declare an RCU grace period over: every reader that could still hold a
 * pointer into an object freed before this call has finished. Empty slabs
 * of SLAB_TYPESAFE_BY_RCU caches held back until now are freed. Returns
 * the pages freed. kmm has no RCU read side, so the caller, who knows its
 * readers, says when a grace period has elapsed (docs/slab.md).
 */
KMM_API unsigned long kmm_slab_synchronize_rcu(kmm_machine *m);
/* Make every report (slab misuse, bad pages) abort the program (1) or not (0). */
KMM_API void kmm_slab_set_reports_fatal(kmm_machine *m, int fatal);

/* One cache as /proc/slabinfo shows it. */
struct kmm_slab_info {
	char name[48];
	unsigned long active_objs; /* objects allocated (per-CPU cached ones count) */
	unsigned long num_objs;	   /* objects in all slabs */
	unsigned int objsize;	   /* bytes per object including metadata (stride) */
	unsigned int object_size;  /* bytes the cache was created for */
	unsigned int objperslab;
	unsigned int pagesperslab;
	unsigned int limit;	    /* per-CPU object cache size */
	unsigned int batchcount;    /* objects moved per refill/flush */
	unsigned long active_slabs; /* slabs with at least one object in use */
	unsigned long num_slabs;
	unsigned int flags; /* SLAB_* */
};

/*
 * Fill out[0..max) with the caches, newest first (the order of
 * /proc/slabinfo). Returns the number of caches, which may exceed max.
 */
KMM_API int kmm_slab_info(kmm_machine *m, struct kmm_slab_info *out, int max);

#ifdef __cplusplus
}
#endif

#endif /* KMM_SLAB_H */

/* The kernel's names of the flags and constants (see <kmm/kmm.h> on KMM_NO_LINUX_NAMES). */
#if (!defined(KMM_NO_LINUX_NAMES) || defined(KMM_LINUX_H)) && !defined(KMM_SLAB_NAMES_H)
#define KMM_SLAB_NAMES_H

typedef kmm_slab_flags_t slab_flags_t;

#define SLAB_CONSISTENCY_CHECKS KMM_SLAB_CONSISTENCY_CHECKS
#define SLAB_RED_ZONE KMM_SLAB_RED_ZONE
#define SLAB_POISON KMM_SLAB_POISON
#define SLAB_KMALLOC KMM_SLAB_KMALLOC
#define SLAB_HWCACHE_ALIGN KMM_SLAB_HWCACHE_ALIGN
#define SLAB_CACHE_DMA KMM_SLAB_CACHE_DMA
#define SLAB_CACHE_DMA32 KMM_SLAB_CACHE_DMA32
#define SLAB_STORE_USER KMM_SLAB_STORE_USER
#define SLAB_RECLAIM_ACCOUNT KMM_SLAB_RECLAIM_ACCOUNT
#define SLAB_PANIC KMM_SLAB_PANIC
#define SLAB_TYPESAFE_BY_RCU KMM_SLAB_TYPESAFE_BY_RCU
#define SLAB_MEM_SPREAD KMM_SLAB_MEM_SPREAD
#define SLAB_TRACE KMM_SLAB_TRACE
#define SLAB_NOLEAKTRACE KMM_SLAB_NOLEAKTRACE
#define SLAB_NO_MERGE KMM_SLAB_NO_MERGE
#define SLAB_ACCOUNT KMM_SLAB_ACCOUNT
#define SLAB_DEBUG_FREE SLAB_CONSISTENCY_CHECKS	 /* the old name */
#define SLAB_DESTROY_BY_RCU SLAB_TYPESAFE_BY_RCU /* the old name */
#define SLAB_TEMPORARY SLAB_RECLAIM_ACCOUNT	 /* the old name */

#define ZERO_SIZE_PTR KMM_ZERO_SIZE_PTR
#define ZERO_OR_NULL_PTR(x) KMM_ZERO_OR_NULL_PTR(x)

#endif /* the kernel's slab names */

/*
 * The kernel's names, bound to the default machine: defined once
 * <kmm/linux.h> has been seen (it includes this header near its end).
 */
#if defined(KMM_LINUX_H) && !defined(KMM_SLAB_LINUX_H)
#define KMM_SLAB_LINUX_H

#ifdef __cplusplus
extern "C" {
#endif

#define KMALLOC_MAX_SIZE (kmm_kmalloc_max_size(__kmm_m))
#define KMALLOC_MAX_CACHE_SIZE (kmm_kmalloc_max_cache_size(__kmm_m))

/* ---- creating caches: 6.18's forms ------------------------------------------ */

/* The less common arguments of kmem_cache_create (fields: struct kmm_kmem_cache_args). */
struct kmem_cache_args {
	unsigned int align;
	unsigned int useroffset;
	unsigned int usersize;
	unsigned int freeptr_offset;
	bool use_freeptr_offset;
	void (*ctor)(void *);
	unsigned int sheaf_capacity;
};

/* freeptr_t: the type of the field a TYPESAFE_BY_RCU object reserves for the free pointer. */
typedef struct {
	unsigned long v;
} freeptr_t;

struct list_lru; /* kmem_cache_alloc_lru's list: kmm has no memcg-aware LRU lists */

static inline struct kmem_cache *__kmem_cache_create_args(const char *name, unsigned int size,
							  const struct kmem_cache_args *args,
							  slab_flags_t flags)
{
	struct kmm_kmem_cache_args a = { 0 };

	if (args) {
		a.align = args->align;
		a.useroffset = args->useroffset;
		a.usersize = args->usersize;
		a.freeptr_offset = args->freeptr_offset;
		a.use_freeptr_offset = args->use_freeptr_offset;
		a.ctor = args->ctor;
		a.sheaf_capacity = args->sheaf_capacity;
	}
	return kmm_kmem_cache_create_args(__kmm_m, name, size, &a, flags);
}

/*
 * kmem_cache_create(name, size, NULL, flags): every argument at its default.
 * (Any other void * is a caller's bug the kernel WARNs about and refuses;
 * here it is taken as NULL.)
 */
static inline struct kmem_cache *__kmem_cache_default_args(const char *name, unsigned int size,
							   const void *args, slab_flags_t flags)
{
	(void)args;
	return kmm_kmem_cache_create_args(__kmm_m, name, size, NULL, flags);
}

/* The classic five-argument form. */
static inline struct kmem_cache *__kmem_cache_create(const char *name, unsigned int size,
						     unsigned int align, slab_flags_t flags,
						     void (*ctor)(void *))
{
	return kmm_kmem_cache_create(__kmm_m, name, size, align, flags, ctor);
}

/*
 * kmem_cache_create in both of 6.18's forms, told apart by the type of the
 * third argument as the kernel's _Generic macro does:
 *	kmem_cache_create(name, size, &args, flags)	struct kmem_cache_args *
 *	kmem_cache_create(name, size, NULL, flags)	defaults
 *	kmem_cache_create(name, size, align, flags, ctor)	the classic form
 * (C only; C++ gets the classic form.)
 */
#ifndef __cplusplus
#define kmem_cache_create(__name, __object_size, __args, ...) \
	_Generic((__args),                                                 \
		struct kmem_cache_args *: __kmem_cache_create_args,         \
		const struct kmem_cache_args *: __kmem_cache_create_args,   \
		void *: __kmem_cache_default_args,                          \
		default: __kmem_cache_create)(__name, __object_size, __args, __VA_ARGS__)
#else
static inline struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
						   unsigned int align, slab_flags_t flags,
						   void (*ctor)(void *))
{
	return __kmem_cache_create(name, size, align, flags, ctor);
}
#endif

static inline struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size,
							    unsigned int align, slab_flags_t flags,
							    unsigned int useroffset,
							    unsigned int usersize,
							    void (*ctor)(void *))
{
	struct kmem_cache_args a = { 0 };

	a.align = align;
	a.useroffset = useroffset;
	a.usersize = usersize;
	a.ctor = ctor;
	return __kmem_cache_create_args(name, size, &a, flags);
}

/* KMEM_CACHE(foo, flags): a cache named after, sized and aligned for struct foo. */
#define KMEM_CACHE(__struct, __flags)                                        \
	__kmem_cache_create_args(#__struct, sizeof(struct __struct),         \
				 &(struct kmem_cache_args){                  \
					 .align = _Alignof(struct __struct), \
				 },                                          \
				 (__flags))

/* KMEM_CACHE_USERCOPY(foo, flags, field): the same, field being the usercopy region. */
#define KMEM_CACHE_USERCOPY(__struct, __flags, __field)                                       \
	__kmem_cache_create_args(#__struct, sizeof(struct __struct),                          \
				 &(struct kmem_cache_args){                                   \
					 .align = _Alignof(struct __struct),                  \
					 .useroffset = offsetof(struct __struct, __field),    \
					 .usersize = sizeof(((struct __struct *)0)->__field), \
				 },                                                           \
				 (__flags))

static inline void kmem_cache_destroy(struct kmem_cache *s)
{
	kmm_kmem_cache_destroy(__kmm_m, s);
}

static inline void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	return kmm_kmem_cache_alloc(__kmm_m, s, flags);
}

static inline void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags)
{
	return kmm_kmem_cache_alloc(__kmm_m, s, flags | __GFP_ZERO);
}

static inline void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t flags, int node)
{
	return kmm_kmem_cache_alloc_node(__kmm_m, s, flags, node);
}

/* The lru (memcg-aware list_lru accounting) is accepted and has no effect in kmm. */
static inline void *kmem_cache_alloc_lru(struct kmem_cache *s, struct list_lru *lru, gfp_t flags)
{
	(void)lru;
	return kmm_kmem_cache_alloc(__kmm_m, s, flags);
}

static inline void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	kmm_kmem_cache_free(__kmm_m, s, obj);
}

static inline int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size, void **p)
{
	return kmm_kmem_cache_alloc_bulk(__kmm_m, s, flags, size, p);
}

static inline void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	kmm_kmem_cache_free_bulk(__kmm_m, s, size, p);
}

static inline int kmem_cache_shrink(struct kmem_cache *s)
{
	kmm_kmem_cache_shrink(__kmm_m, s);
	return 0;
}

static inline unsigned int kmem_cache_size(struct kmem_cache *s)
{
	return kmm_kmem_cache_size(s);
}

static inline void *kmalloc(size_t size, gfp_t flags)
{
	return kmm_kmalloc(__kmm_m, size, flags);
}

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return kmm_kmalloc(__kmm_m, size, flags | __GFP_ZERO);
}

static inline void *kmalloc_node(size_t size, gfp_t flags, int node)
{
	return kmm_kmalloc_node(__kmm_m, size, flags, node);
}

static inline void *kzalloc_node(size_t size, gfp_t flags, int node)
{
	return kmm_kmalloc_node(__kmm_m, size, flags | __GFP_ZERO, node);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	return kmm_kmalloc_array(__kmm_m, n, size, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmm_kmalloc_array(__kmm_m, n, size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array_node(size_t n, size_t size, gfp_t flags, int node)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmm_kmalloc_node(__kmm_m, bytes, flags, node);
}

static inline void *kcalloc_node(size_t n, size_t size, gfp_t flags, int node)
{
	return kmalloc_array_node(n, size, flags | __GFP_ZERO, node);
}

static inline void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	return kmm_krealloc(__kmm_m, p, new_size, flags);
}

static inline void *krealloc_array(void *p, size_t new_n, size_t new_size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(new_n, new_size, &bytes))
		return NULL;
	return kmm_krealloc(__kmm_m, p, bytes, flags);
}

static inline void kfree(const void *p)
{
	kmm_kfree(__kmm_m, p);
}

static inline void kfree_sensitive(const void *p)
{
	kmm_kfree_sensitive(__kmm_m, p);
}

#define kzfree(p) kfree_sensitive(p)

static inline size_t ksize(const void *p)
{
	return kmm_ksize(__kmm_m, p);
}

static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	return kmm_kmemdup(__kmm_m, src, len, gfp);
}

static inline void *kmemdup_nul(const char *s, size_t len, gfp_t gfp)
{
	return kmm_kmemdup_nul(__kmm_m, s, len, gfp);
}

static inline char *kstrdup(const char *s, gfp_t gfp)
{
	return kmm_kstrdup(__kmm_m, s, gfp);
}

static inline char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	return kmm_kstrndup(__kmm_m, s, max, gfp);
}

#ifdef __cplusplus
}
#endif

#endif /* KMM_LINUX_H && !KMM_SLAB_LINUX_H */
