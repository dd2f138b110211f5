/* SPDX-License-Identifier: MIT */
/*
 * slab/cache.c - the life of a cache: kmem_cache_create (geometry: object
 * layout, slab order, colours, per-CPU array size), kmem_cache_destroy,
 * kmem_cache_shrink, the shrinker, and the slab layer's boot
 * (kmem_cache_init).
 *
 * Bootstrap, as Linux's: the slab layer's state (struct kmm_slab) and the
 * first cache - "kmem_cache", whose objects are struct kmem_cache - are
 * carved from one block of pages taken from the page allocator at boot.
 * Every later cache, the kmalloc caches included, is an object of that
 * boot cache; every slab comes from the page allocator. Nothing comes
 * from malloc.
 *
 * Geometry (SLUB's calculate_sizes and calculate_order):
 *  - the object is rounded up to a word; SLAB_RED_ZONE adds a right red
 *    zone (at least a word) and a left one of red_left_pad bytes; the
 *    free pointer lives in the middle of the object unless the cache has a
 *    constructor, poisoning or SLAB_TYPESAFE_BY_RCU (whose objects must
 *    keep their contents while free), then after it; SLAB_STORE_USER adds
 *    two tracks; the stride is aligned to the cache's alignment (at least
 *    a word; SLAB_HWCACHE_ALIGN: a cache line, halved while the object
 *    fits twice; a kmalloc cache of a power-of-two size: the size);
 *  - the slab order is the smallest from the one that holds
 *    4 * (fls(nr_cpus) + 1) objects up to PAGE_ALLOC_COSTLY_ORDER (3) that
 *    wastes at most 1/16 of the slab, then 1/8, then 1/4;
 *  - the waste left at the end of a slab pays for colouring: colour =
 *    leftover / colour_off (colour_off = a cache line, or the alignment
 *    when larger), as SLAB computed it.
 *
 * Shrinking flushes every per-CPU array and gives every empty slab back.
 * The shrinker (registered on the machine's shrinker list, slab_shrinker.c)
 * does it for every cache without waiting for any lock, so it is safe from
 * the page allocator's slow path whatever the allocating thread holds.
 */
#include "page/pcp.h"
#include "slab/slab.h"

#define RET_IP ((uintptr_t)__builtin_return_address(0))

static unsigned int get_order_m(const struct kmm_machine *m, size_t bytes)
{
	unsigned int order = 0;

	while ((m->page_size << order) < bytes)
		order++;
	return order;
}

static unsigned int fls_u(unsigned int x)
{
	return x ? 32 - (unsigned int)__builtin_clz(x) : 0;
}

/*
 * Is s a cache of m? Every cache lives in m's direct map (a kmem_cache
 * object, or boot memory for the first), so a pointer outside it or not
 * aligned as a cache is refused before anything is read through it: a
 * foreign pointer is reported, not dereferenced.
 */
bool slab_cache_valid(struct kmm_machine *m, const struct kmem_cache *s)
{
	if (!s || !IS_ALIGNED((uintptr_t)s, _Alignof(struct kmem_cache)) ||
	    !virt_to_head_page_m(m, s) || !virt_to_head_page_m(m, (const char *)(s + 1) - 1))
		return false;
	return s->magic == KMEM_CACHE_MAGIC && s->m == m;
}

/*
 * Slab pages are counted machine-wide (meminfo, the checker) and per node,
 * in the node's nr_slab_reclaimable / nr_slab_unreclaimable as the kernel
 * keeps them (NR_SLAB_*_B, shown in pages).
 */
void slab_node_account(struct kmm_machine *m, int nid, bool reclaimable, long nr)
{
	__atomic_add_fetch(&m->node_data[nid]->vm_stat[reclaimable ? NR_SLAB_RECLAIMABLE_B
								   : NR_SLAB_UNRECLAIMABLE_B],
			   nr, __ATOMIC_RELAXED);
}

void slab_account_pages(struct kmem_cache *s, const struct page *page, long nr)
{
	int reclaimable = !!(s->flags & SLAB_RECLAIM_ACCOUNT);

	__atomic_add_fetch(&s->m->slab->slab_pages[reclaimable], (unsigned long)nr,
			   __ATOMIC_RELAXED);
	slab_node_account(s->m, (int)page_nid(page), reclaimable, nr);
}

/* ---- geometry ------------------------------------------------------------- */

static unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = SLAB_CACHE_LINE;

		while (size <= ralign / 2)
			ralign /= 2;
		align = MAX(align, ralign);
	}
	align = MAX(align, (unsigned int)sizeof(void *));
	return ALIGN_UP(align, (unsigned int)sizeof(void *));
}

static unsigned int order_objects(const struct kmm_machine *m, unsigned int order,
				  unsigned int size)
{
	return (unsigned int)((m->page_size << order) / size);
}

static unsigned int calc_slab_order(const struct kmm_machine *m, unsigned int size,
				    unsigned int min_order, unsigned int max_order,
				    unsigned int fract_leftover)
{
	unsigned int order;

	for (order = min_order; order <= max_order; order++) {
		unsigned long slab_size = m->page_size << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* SLUB's calculate_order; -1 when an object does not fit in an order-10 block. */
static int calculate_order(const struct kmm_machine *m, unsigned int size)
{
	unsigned int min_objects = 4 * (fls_u((unsigned int)m->nr_cpus) + 1);
	unsigned int max_objects = MAX(order_objects(m, SLUB_MAX_ORDER, size), 1u);
	unsigned int min_order, order;

	min_objects = MIN(min_objects, max_objects);
	min_order = get_order_m(m, (size_t)min_objects * size);
	if (order_objects(m, min_order, size) > SLAB_MAX_OBJECTS)
		return (int)get_order_m(m, (size_t)size * SLAB_MAX_OBJECTS) - 1;
	for (unsigned int fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(m, size, min_order, SLUB_MAX_ORDER, fraction);
		if (order <= SLUB_MAX_ORDER)
			return (int)order;
	}
	order = get_order_m(m, size);
	return order <= MAX_ORDER ? (int)order : -1;
}

/* q^-1 mod 2^32 for odd q: Newton's iteration doubles the correct low bits (3, 6, 12, 24, 48). */
static uint32_t odd_inverse32(uint32_t q)
{
	uint32_t x = q; /* q * q = 1 mod 8 for odd q */

	for (int i = 0; i < 4; i++)
		x *= 2 - q * x;
	return x;
}

static bool calculate_sizes(struct kmem_cache *s, const struct kmm_kmem_cache_args *args)
{
	struct kmm_machine *m = s->m;
	slab_flags_t flags = s->flags;
	unsigned int size = ALIGN_UP(s->object_size, (unsigned int)sizeof(void *));
	unsigned long leftover;
	int order;

	if ((flags & SLAB_POISON) && !(flags & SLAB_TYPESAFE_BY_RCU) && !s->ctor)
		s->flags |= __OBJECT_POISON;
	else
		s->flags &= ~__OBJECT_POISON;
	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += sizeof(void *);
	s->inuse = size;
	if (((flags & SLAB_TYPESAFE_BY_RCU) && !args->use_freeptr_offset) ||
	    (flags & SLAB_POISON) || s->ctor ||
	    ((flags & SLAB_RED_ZONE) && s->object_size < sizeof(void *))) {
		s->offset = size;
		size += sizeof(void *);
	} else if ((flags & SLAB_TYPESAFE_BY_RCU) && args->use_freeptr_offset) {
		/* the caller reserved a freeptr_t inside the object (checked at create) */
		s->offset = args->freeptr_offset;
	} else {
		s->offset = ALIGN_DOWN(s->object_size / 2, (unsigned int)sizeof(void *));
	}
	if (flags & SLAB_STORE_USER)
		size += 2 * sizeof(struct slab_track);
	if (flags & SLAB_RED_ZONE) {
		size += sizeof(void *);
		s->red_left_pad = ALIGN_UP((unsigned int)sizeof(void *), s->align);
		size += s->red_left_pad;
	}
	size = ALIGN_UP(size, s->align);
	s->size = size;
	order = calculate_order(m, size);
	if (order < 0)
		return false;
	s->order = (unsigned int)order;
	s->objects = order_objects(m, s->order, size);
	if (s->objects == 0 || s->objects > SLAB_MAX_OBJECTS)
		return false;
	/* ceil(2^64 / size) without 128-bit division: exact for object offsets */
	s->recip = ~0ull / size + 1;
	s->index_rot = (uint8_t)__builtin_ctz(size);
	s->index_inv = odd_inverse32(size >> s->index_rot);
	s->phys = (uintptr_t)m->phys;
	s->slab_mask = (m->page_size << s->order) - 1;
	s->allocflags = __GFP_COMP;
	if (s->flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (s->flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;

	leftover = (m->page_size << s->order) - (unsigned long)s->objects * size;
	s->colour_off = MAX(SLAB_CACHE_LINE, s->align);
	s->colour = (unsigned int)(leftover / s->colour_off);
	while (s->colour > 1 && (s->colour - 1) * s->colour_off > 0xffffu)
		s->colour--;
	return true;
}

/* SLAB's enable_cpucache sizes, or the sheaf capacity the creator asked for. */
static void set_cpu_tunables(struct kmem_cache *s, unsigned int sheaf_capacity)
{
	unsigned int limit;

	if (sheaf_capacity)
		limit = sheaf_capacity;
	else if (s->size > 131072)
		limit = 1;
	else if (s->size > s->m->page_size)
		limit = 8;
	else if (s->size > 1024)
		limit = 24;
	else if (s->size > 256)
		limit = 54;
	else
		limit = 120;
	limit = MIN(limit,
		    (unsigned int)(((1ul << s->m->slab->array_shift) - sizeof(struct slab_array)) /
				   sizeof(void *)));
	s->limit = limit;
	s->batchcount = (limit + 1) / 2;
}

/* Where the nodes start in a struct kmem_cache object: after the arrays. */
static size_t nodes_offset(const struct kmm_machine *m)
{
	return SLAB_ARRAYS_OFFSET + ((size_t)m->nr_slots << m->slab->array_shift);
}

/* The object size of the boot cache: struct, per-CPU arrays, nodes. */
static unsigned int boot_cache_size(const struct kmm_machine *m)
{
	return (unsigned int)(nodes_offset(m) +
			      (size_t)m->nr_nodes * sizeof(struct kmem_cache_node));
}

static unsigned int ilog2_u(unsigned int x)
{
	return x ? 31 - (unsigned int)__builtin_clz(x) : 0;
}

/* Fill in a zeroed struct kmem_cache. */
static bool kmem_cache_open(struct kmm_machine *m, struct kmem_cache *s, const char *name,
			    unsigned int size, const struct kmm_kmem_cache_args *args,
			    slab_flags_t flags)
{
	s->m = m;
	s->node = (struct kmem_cache_node *)((char *)s + nodes_offset(m));
	kmm_strlcpy(s->name, name, sizeof(s->name));
	s->object_size = size ? size : 1;
	s->ctor = args->ctor;
	s->useroffset = args->useroffset;
	s->usersize = args->usersize;
	s->flags = (flags & ~__OBJECT_POISON) | slab_debug_flags(m, s->name);
	s->debug = !!(s->flags & SLAB_DEBUG_FLAGS);
	/* SLUB's stack_depot_init for SLAB_STORE_USER; without a depot tracks keep the call site */
	if (s->flags & SLAB_STORE_USER)
		stack_depot_init(m);
	s->align = calculate_alignment(s->flags, args->align, s->object_size);
	if (!calculate_sizes(s, args))
		return false;
	/*
	 * SLUB's kmem_cache_open: the larger the object, the more empty slabs
	 * a node keeps, so the page allocator is not pounded (slabs.c, node_trim).
	 */
	s->min_partial = MIN(MAX(ilog2_u(s->size) / 2, 5u), 10u);
	set_cpu_tunables(s, args->sheaf_capacity);
	slab_arrays_init(s);
	s->random = (uintptr_t)slab_random(m);
	s->init_on_alloc = slab_want_init_on_alloc(m, s);
	s->init_on_free = slab_want_init_on_free(m, s);
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);

		kmm_spin_init_class(&n->list_lock, KMM_LOCK_LIST_LOCK);
		page_list_init(&n->partial);
		page_list_init(&n->full);
		page_list_init(&n->free);
		page_list_init(&n->rcu);
		barn_init(&n->barn);
	}
	s->magic = KMEM_CACHE_MAGIC;
	return true;
}

static void cache_list_add(struct kmm_slab *ss, struct kmem_cache *s)
{
	kmm_spin_lock(&ss->slab_mutex);
	s->prev = NULL;
	s->next = ss->caches;
	if (ss->caches)
		ss->caches->prev = s;
	ss->caches = s;
	ss->nr_caches++;
	kmm_spin_unlock(&ss->slab_mutex);
}

static void cache_list_del(struct kmm_slab *ss, struct kmem_cache *s)
{
	kmm_spin_lock(&ss->slab_mutex);
	if (s->prev)
		s->prev->next = s->next;
	else
		ss->caches = s->next;
	if (s->next)
		s->next->prev = s->prev;
	ss->nr_caches--;
	kmm_spin_unlock(&ss->slab_mutex);
}

struct kmem_cache *__kmem_cache_create(struct kmm_machine *m, const char *name, unsigned int size,
				       unsigned int align, slab_flags_t flags, void (*ctor)(void *))
{
	struct kmm_kmem_cache_args args = { .align = align, .ctor = ctor };

	return __kmem_cache_create_args_m(m, name, size, &args, flags);
}

struct kmem_cache *__kmem_cache_create_args_m(struct kmm_machine *m, const char *name,
					      unsigned int size,
					      const struct kmm_kmem_cache_args *args,
					      slab_flags_t flags)
{
	struct kmm_slab *ss = m->slab;
	struct kmem_cache *s;

	if (ss->boot_nid >= 0)
		s = slab_alloc_slow(m, ss->kmem_cache, GFP_KERNEL | __GFP_ZERO, ss->boot_nid,
				    RET_IP);
	else
		s = slab_alloc(m, ss->kmem_cache, GFP_KERNEL | __GFP_ZERO, RET_IP);
	if (!s)
		return NULL;
	if (!kmem_cache_open(m, s, name, size, args, flags)) {
		struct page *page = virt_to_head_page_m(m, s);

		kmm_memset(s, 0, boot_cache_size(m));
		slab_free(m, ss->kmem_cache, page, s, RET_IP);
		return NULL;
	}
	cache_list_add(ss, s);
	return s;
}

/*
 * __kmem_cache_create_args's checks, in the kernel's order: a bad usercopy
 * region is dropped with a warning (the kernel's WARN_ON), a bad free
 * pointer offset fails (-EINVAL), and so does what kmm cannot build.
 */
struct kmem_cache *kmm_kmem_cache_create_args(kmm_machine *m, const char *name, unsigned int size,
					      const struct kmm_kmem_cache_args *args,
					      kmm_slab_flags_t flags)
{
	static const struct kmm_kmem_cache_args defaults;
	struct kmm_kmem_cache_args a = args ? *args : defaults;
	const char *why = NULL;
	struct kmem_cache *s = NULL;
	int err = KMM_EINVAL;

	if (!m->slab)
		why = "the slab allocator is not running";
	else if (!name || !*name)
		why = "no name";
	else if (size == 0 || size > kmm_kmalloc_max_size(m))
		why = "bad object size";
	else if (a.align & (a.align - 1))
		why = "alignment is not a power of two";
	else if (a.align > m->page_size)
		why = "alignment above the page size";
	else if (a.use_freeptr_offset &&
		 (a.freeptr_offset >= size || !(flags & SLAB_TYPESAFE_BY_RCU) ||
		  a.freeptr_offset % _Alignof(void *)))
		why = a.freeptr_offset >= size ? "freeptr_offset outside the object"
		      : !(flags & SLAB_TYPESAFE_BY_RCU)
			      ? "freeptr_offset without SLAB_TYPESAFE_BY_RCU"
			      : "freeptr_offset not aligned to a pointer";
	if (!why && ((!a.usersize && a.useroffset) || size < a.usersize ||
		     size - a.usersize < a.useroffset)) {
		kmm_log(m,
			"WARNING: __kmem_cache_create_args(%s): usercopy region %u+%u does not fit "
			"the %u-byte object: dropped\n",
			name, a.useroffset, a.usersize, size);
		a.useroffset = a.usersize = 0;
	}
	if (!why) {
		s = __kmem_cache_create_args_m(m, name, size, &a, flags);
		if (!s) {
			why = "out of memory or object too large";
			err = KMM_ENOMEM;
		}
	}
	if (s)
		return s;
	if (flags & SLAB_PANIC) {
		kmm_log(m,
			"Kernel panic - not syncing: __kmem_cache_create_args: Failed to create "
			"slab "
			"'%s'. Error %d\n",
			name ? name : "(null)", err);
		kmm_os_abort();
	}
	kmm_log(m, "__kmem_cache_create_args(%s) failed with error %d\n", name ? name : "(null)",
		err);
	kmm_log(m, "kmm: %s (size %u, align %u)\n", why, size, a.align);
	return NULL;
}

struct kmem_cache *kmm_kmem_cache_create(kmm_machine *m, const char *name, unsigned int size,
					 unsigned int align, slab_flags_t flags,
					 void (*ctor)(void *))
{
	struct kmm_kmem_cache_args args = { .align = align, .ctor = ctor };

	return kmm_kmem_cache_create_args(m, name, size, &args, flags);
}

/* ---- shrinking ---------------------------------------------------------------- */

/* Pages of slabs the cache holds on all nodes (each node under its list_lock). */
static unsigned long cache_slab_pages(struct kmem_cache *s)
{
	struct kmm_machine *m = s->m;
	unsigned long slabs = 0;

	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);

		kmm_spin_lock(&n->list_lock);
		slabs += n->nr_partial + n->nr_full + n->nr_free + n->nr_rcu;
		kmm_spin_unlock(&n->list_lock);
	}
	return slabs << s->order;
}

/*
 * The pages given back: the array flush may already discard slabs it
 * empties (the min_partial trim), so what came back is measured.
 */
unsigned long __kmem_cache_shrink(struct kmem_cache *s, bool wait)
{
	unsigned long before = cache_slab_pages(s), after;
	struct page_list release;

	drain_arrays(s, wait);
	page_list_init(&release);
	node_release_empty(s, &release);
	discard_slab_list(s, &release);
	after = cache_slab_pages(s);
	return before > after ? before - after : 0;
}

unsigned long kmm_kmem_cache_shrink(kmm_machine *m, struct kmem_cache *s)
{
	if (!slab_cache_valid(m, s)) {
		kmm_report_bad_call(m, "kmem_cache_shrink: %p is not a cache of this machine",
				    (void *)s);
		return 0;
	}
	return __kmem_cache_shrink(s, true);
}

static unsigned long shrink_all(struct kmm_machine *m, bool wait)
{
	struct kmm_slab *ss = m->slab;
	unsigned long pages = 0;

	if (!ss)
		return 0;
	if (wait)
		kmm_spin_lock(&ss->slab_mutex);
	else if (!kmm_spin_trylock(&ss->slab_mutex))
		return 0;
	for (struct kmem_cache *s = ss->caches; s; s = s->next)
		pages += __kmem_cache_shrink(s, wait);
	kmm_spin_unlock(&ss->slab_mutex);
	return pages;
}

unsigned long kmm_slab_shrink_all(kmm_machine *m)
{
	return shrink_all(m, true);
}

/* The shrinker: memory pressure, from inside the page allocator (no lock waited for). */
unsigned long slab_reclaim(struct kmm_machine *m, gfp_t gfp, unsigned int order)
{
	(void)gfp;
	(void)order;
	return shrink_all(m, false);
}

/*
 * Move every slab waiting out a grace period on node n to `release` (the
 * caller frees them after dropping the lock). n->list_lock held.
 */
static void __take_rcu_slabs(struct kmm_machine *m, struct kmem_cache *s, struct kmem_cache_node *n,
			     struct page_list *release)
{
	while (!page_list_empty(&n->rcu)) {
		uint32_t pfn = n->rcu.head;

		page_list_del(m->vmemmap, &n->rcu, pfn);
		n->nr_rcu--;
		n->free_objects -= s->objects;
		page_list_add_tail(m->vmemmap, release, pfn);
	}
}

unsigned long kmm_slab_synchronize_rcu(kmm_machine *m)
{
	struct kmm_slab *ss = m->slab;
	unsigned long pages = 0;

	if (!ss)
		return 0;
	kmm_spin_lock(&ss->slab_mutex);
	for (struct kmem_cache *s = ss->caches; s; s = s->next) {
		struct page_list release;

		if (!(s->flags & SLAB_TYPESAFE_BY_RCU))
			continue;
		page_list_init(&release);
		for (int nid = 0; nid < m->nr_nodes; nid++) {
			struct kmem_cache_node *n = get_node(s, nid);

			kmm_spin_lock(&n->list_lock);
			__take_rcu_slabs(m, s, n, &release);
			kmm_spin_unlock(&n->list_lock);
		}
		pages += discard_slab_list(s, &release);
	}
	kmm_spin_unlock(&ss->slab_mutex);
	return pages;
}

void kmm_slab_set_reports_fatal(kmm_machine *m, int fatal)
{
	__atomic_store_n(&m->reports_fatal, fatal != 0, __ATOMIC_RELAXED);
}

/* ---- destroy ---------------------------------------------------------------------- */

void kmm_kmem_cache_destroy(kmm_machine *m, struct kmem_cache *s)
{
	struct kmm_slab *ss = m->slab;
	unsigned long live = 0;

	if (!s)
		return;
	if (!slab_cache_valid(m, s) || s == ss->kmem_cache || (s->flags & SLAB_KMALLOC)) {
		kmm_report_bad_call(m,
				    "kmem_cache_destroy: %p is not a cache that can be destroyed",
				    (void *)s);
		return;
	}
	__kmem_cache_shrink(s, true);
	/* As rcu_barrier() does before Linux frees a TYPESAFE_BY_RCU cache. */
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		struct page_list release;

		page_list_init(&release);
		kmm_spin_lock(&n->list_lock);
		__take_rcu_slabs(m, s, n, &release);
		live += n->nr_partial + n->nr_full;
		kmm_spin_unlock(&n->list_lock);
		discard_slab_list(s, &release);
	}
	if (live) {
		report_leaks(m, s);
		kmm_log(m,
			"kmem_cache_destroy %s: Slab cache still has objects when called from "
			"0x%lx\n",
			s->name, (unsigned long)RET_IP);
		kmm_log(m, "FIX %s: cache kept with its %lu slabs in use\n", s->name, live);
		s->destroy_failed = true;
		return;
	}
	cache_list_del(ss, s);
	s->magic = 0;
	slab_free(m, ss->kmem_cache, virt_to_head_page_m(m, s), s, RET_IP);
}

/* ---- boot ----------------------------------------------------------------------------- */

/*
 * log2 of the bytes of one per-CPU array: 1 KiB (120 pointers), less when
 * the arrays of ~48 caches would take more than 1/64 of the machine.
 */
static unsigned int choose_array_shift(const struct kmm_machine *m)
{
	unsigned int shift = 10;
	unsigned long ram = m->totalram_pages << m->page_shift;

	while (shift > 7 && 48ul * ((unsigned long)m->nr_slots << shift) > ram / 64)
		shift--;
	return shift;
}

static int __kmem_cache_init(struct kmm_machine *m, int nid)
{
	size_t state = ALIGN_UP(sizeof(struct kmm_slab), (size_t)64);
	struct kmm_slab boot_state = { .array_shift = choose_array_shift(m) };
	unsigned int order;
	struct kmm_slab *ss;
	struct kmem_cache *boot;
	struct page *page;
	int ret;

	m->slab = &boot_state; /* for boot_cache_size */
	order = get_order_m(m, state + boot_cache_size(m));
	m->slab = NULL;
	page = __alloc_pages(m, GFP_KERNEL | __GFP_ZERO | (order ? __GFP_COMP : 0), order, nid,
			     NULL);
	if (!page)
		return KMM_ENOMEM;
	ss = page_to_virt_raw(m, page);
	m->slab = ss;
	ss->array_shift = boot_state.array_shift;
	ss->boot_nid = nid;
	ss->state_order = order;
	ss->meta_pages = 1ul << order;
	slab_node_account(m, (int)page_nid(page), false, 1l << order);
	ss->kmalloc_shift_high = m->page_shift + 1;
	kmm_spin_init_class(&ss->slab_mutex, KMM_LOCK_SLAB_MUTEX);
	slab_random_seed(m);
	slab_debug_validate(m);

	boot = (struct kmem_cache *)((char *)ss + state);
	if (!kmem_cache_open(m, boot, "kmem_cache", boot_cache_size(m),
			     &(const struct kmm_kmem_cache_args){ 0 }, SLAB_HWCACHE_ALIGN)) {
		m->slab = NULL;
		free_pages_untraced(m, page, order);
		return KMM_ENOMEM;
	}
	ss->kmem_cache = boot;
	cache_list_add(ss, boot);

	ret = create_kmalloc_caches(m);
	/* The empty-slab release is one registered shrinker (reclaim/shrinker.c). */
	if (!ret)
		ret = slab_register_shrinker(m);
	ss->boot_nid = -1;
	if (ret)
		return ret;

	m->meminfo_extra = slab_meminfo;
	return KMM_OK;
}

/*
 * Boot the slab layer (late init, after smp_init: the per-CPU arrays use
 * its CPU locks). Its boot-time memory - the state block and the slabs of
 * the first struct kmem_cache objects - is taken from the node of the last
 * CPU, as smp_init takes the per-CPU areas, leaving node 0 (and its DMA
 * zones) as the buddy allocator left it.
 */
int kmem_cache_init(struct kmm_machine *m)
{
	unsigned long drains = m->events[DRAIN_ALL];
	int ret;

	/* a quiet layer (boot/late_init.c): its slabs' page events are not counted */
	ret = __kmem_cache_init(m, cpu_to_node_m(m, m->nr_cpus - 1));
	/*
	 * what the per-CPU page lists kept of the boot slabs' refills goes
	 * back, and the booting CPU's pagesets forget the tuning it did
	 */
	pcp_boot_done(m);
	m->events[DRAIN_ALL] = drains;
	return ret;
}
