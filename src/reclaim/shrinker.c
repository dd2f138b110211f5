/* SPDX-License-Identifier: MIT */
/*
 * reclaim/shrinker.c - shrinkers (mm/shrinker.c): the caches that give
 * objects back under memory pressure, and the proportional scan that
 * decides how much each one is asked for (do_shrink_slab).
 *
 * Life of a shrinker: kmm_shrinker_alloc takes it from kmalloc (with one
 * deferred-work counter per node behind it), the caller fills in
 * count_objects / scan_objects / seeks / batch, kmm_shrinker_register
 * puts it on the machine's list, kmm_shrinker_free takes it off, waits
 * until no reclaimer is inside its callbacks, and frees it.
 *
 * The walk (shrink_slab) never holds shrinker_lock while a callback runs:
 * under the lock it takes a reference on the next live shrinker, drops
 * the lock, calls it, and retakes the lock to drop the reference and step
 * on. A shrinker leaves the list only when its last reference goes (the
 * registration's, dropped by shrinker_free, or a walker's), so the
 * element a walker holds is always still linked and its next pointer is
 * good under the lock - the job RCU does in the kernel.
 *
 * The scan of one shrinker at one priority (do_shrink_slab, 6.x):
 *   freeable = count_objects (0 or SHRINK_EMPTY: nothing to do);
 *   nr       = the node's deferred work, taken (xchg with 0);
 *   delta    = seeks ? (freeable >> priority) * 4 / seeks : freeable / 2;
 *   total    = min(nr >> priority + delta, 2 * freeable);
 *   scan in batches of `batch` (SHRINK_BATCH when 0) while total is at
 *   least a batch, or at least all of freeable (tight on memory);
 *   SHRINK_STOP ends it; slabs_scanned counts sc->nr_scanned;
 *   what was not done (nr + delta - scanned, at most 2 * freeable) is
 *   deferred to the next call.
 * So at DEF_PRIORITY a default shrinker is asked for 1/2048 of its
 * objects, at priority 0 for all of them twice over, and work refused now
 * (small caches below one batch) accumulates until it is worth a call.
 *
 * gfp gating: a shrinker flagged SHRINKER_NEEDS_FS / _IO is skipped when
 * the reclaim's gfp lacks __GFP_FS / __GFP_IO (kmm's declaration of what
 * the kernel's shrinkers test in sc->gfp_mask themselves).
 */
#include "reclaim/reclaim.h"
#include "slab/slab.h"

static void shrinker_put_locked(struct kmm_reclaim *r, struct shrinker *s)
{
	if (--s->refcount)
		return;
	if (s->prev)
		s->prev->next = s->next;
	else
		r->shrinkers = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	r->nr_shrinkers--;
	__atomic_store_n(&s->state, 1, __ATOMIC_RELEASE);
}

struct shrinker *__shrinker_alloc(struct kmm_machine *m, unsigned int flags, int nid,
				  const char *name)
{
	struct shrinker *s;
	size_t bytes;

	if (!m || !m->reclaim || !m->slab) {
		if (m)
			kmm_report_bad_call(
				m, "shrinker_alloc: the machine has no slab allocator yet");
		return NULL;
	}
	if (flags & ~(SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE | SHRINKER_NONSLAB |
		      SHRINKER_NEEDS_FS | SHRINKER_NEEDS_IO | SHRINKER_KMM_LAST)) {
		kmm_report_bad_call(m, "shrinker_alloc: unknown flags %#x", flags);
		return NULL;
	}
	bytes = sizeof(*s) + (size_t)m->nr_nodes * sizeof(long);
	s = kmm_kmalloc_node(m, bytes, GFP_KERNEL | __GFP_ZERO, nid);
	if (!s)
		return NULL;
	s->nr_deferred = (long *)(s + 1);
	s->flags = flags | SHRINKER_ALLOCATED;
	s->machine = m;
	s->seeks = DEFAULT_SEEKS;
	if (name)
		kmm_strlcpy(s->name, name, sizeof(s->name));
	return s;
}

struct shrinker *shrinker_init_embedded(struct kmm_machine *m, struct shrinker *s, long *deferred,
					unsigned int flags, const char *name)
{
	kmm_memset(s, 0, sizeof(*s));
	kmm_memset(deferred, 0, (size_t)m->nr_nodes * sizeof(long));
	s->nr_deferred = deferred;
	s->flags = flags | SHRINKER_ALLOCATED | SHRINKER_KMM_EMBEDDED;
	s->machine = m;
	s->seeks = DEFAULT_SEEKS;
	kmm_strlcpy(s->name, name, sizeof(s->name));
	return s;
}

struct shrinker *kmm_shrinker_alloc(kmm_machine *m, unsigned int flags, const char *fmt, ...)
{
	char name[sizeof(((struct shrinker *)0)->name)] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		kmm_vsnprintf(name, sizeof(name), fmt, ap);
		va_end(ap);
	}
	return __shrinker_alloc(m, flags, -1, name);
}

static bool shrinker_valid(const struct shrinker *s, const char *caller)
{
	if (!s)
		return false;
	if (!s->machine || !(s->flags & SHRINKER_ALLOCATED) ||
	    s->machine->magic != KMM_MACHINE_MAGIC)
		return false;
	(void)caller;
	return true;
}

void kmm_shrinker_register(struct shrinker *s)
{
	struct kmm_machine *m;
	struct kmm_reclaim *r;
	struct shrinker **pp, *prev = NULL;

	if (!shrinker_valid(s, "shrinker_register"))
		return;
	m = s->machine;
	r = m->reclaim;
	if (!s->count_objects || !s->scan_objects || s->seeks < 0 || s->batch < 0) {
		kmm_report_bad_call(m,
				    "shrinker_register: shrinker %s has no count_objects/"
				    "scan_objects or a negative seeks/batch",
				    s->name[0] ? s->name : "(unnamed)");
		return;
	}
	kmm_spin_lock(&r->shrinker_lock);
	if (s->flags & SHRINKER_REGISTERED) {
		kmm_spin_unlock(&r->shrinker_lock);
		kmm_report_bad_call(m, "shrinker_register: shrinker %s is already registered",
				    s->name);
		return;
	}
	/* registration order, with the kmm-internal "last" shrinkers kept at the end */
	for (pp = &r->shrinkers; *pp; pp = &(*pp)->next) {
		if (((*pp)->flags & SHRINKER_KMM_LAST) && !(s->flags & SHRINKER_KMM_LAST))
			break;
		prev = *pp;
	}
	s->next = *pp;
	s->prev = prev;
	if (*pp)
		(*pp)->prev = s;
	*pp = s;
	s->refcount = 1;
	s->state = 0;
	s->flags |= SHRINKER_REGISTERED;
	r->nr_shrinkers++;
	kmm_spin_unlock(&r->shrinker_lock);
}

void kmm_shrinker_free(struct shrinker *s)
{
	struct kmm_machine *m;
	struct kmm_reclaim *r;

	if (!s)
		return;
	if (!shrinker_valid(s, "shrinker_free"))
		return;
	m = s->machine;
	r = m->reclaim;
	kmm_spin_lock(&r->shrinker_lock);
	if (s->flags & SHRINKER_REGISTERED) {
		s->flags &= ~SHRINKER_REGISTERED;
		shrinker_put_locked(r, s);
		kmm_spin_unlock(&r->shrinker_lock);
		/* a reclaimer inside the callbacks holds a reference: wait for it */
		while (!__atomic_load_n(&s->state, __ATOMIC_ACQUIRE))
			kmm_os_wait(&s->state, 0, 1000000);
		/* the walker that dropped the last reference has left the lock */
		kmm_spin_lock(&r->shrinker_lock);
		kmm_spin_unlock(&r->shrinker_lock);
	} else {
		kmm_spin_unlock(&r->shrinker_lock);
	}
	if (s->flags & SHRINKER_KMM_EMBEDDED) {
		s->flags = 0;
		return;
	}
	s->flags = 0;
	kmm_kfree(m, s);
}

static unsigned long do_shrink_slab(struct kmm_machine *m, struct shrink_control *sc,
				    struct shrinker *s, int priority)
{
	unsigned long freed = 0, scanned = 0;
	long batch_size = s->batch ? s->batch : SHRINK_BATCH;
	unsigned long freeable, delta, total_scan;
	long nr, next_deferred;
	int nid = sc->nid;

	freeable = s->count_objects(s, sc);
	if (freeable == 0 || freeable == SHRINK_EMPTY)
		return freeable;
	nr = __atomic_exchange_n(&s->nr_deferred[nid], 0, __ATOMIC_RELAXED);
	if (s->seeks) {
		delta = freeable >> priority;
		delta *= 4;
		delta /= (unsigned long)s->seeks;
	} else {
		/* objects that cost nothing to recreate: trim them hard */
		delta = freeable / 2;
	}
	total_scan = ((unsigned long)nr >> priority) + delta;
	total_scan = MIN(total_scan, 2 * freeable);

	/*
	 * Normally at least a batch per call; but a cache smaller than a
	 * batch is scanned whole once the pressure asks for all of it.
	 */
	while (total_scan >= (unsigned long)batch_size || total_scan >= freeable) {
		unsigned long ret, nr_to_scan = MIN((unsigned long)batch_size, total_scan);

		sc->nr_to_scan = nr_to_scan;
		sc->nr_scanned = nr_to_scan;
		ret = s->scan_objects(s, sc);
		if (ret == SHRINK_STOP)
			break;
		freed += ret;
		count_vm_events(m, SLABS_SCANNED, sc->nr_scanned);
		total_scan -= MIN(total_scan, sc->nr_scanned);
		scanned += sc->nr_scanned;
		if (!sc->nr_scanned)
			break;
	}
	next_deferred = nr + (long)delta - (long)scanned;
	if (next_deferred < 0)
		next_deferred = 0;
	next_deferred = MIN(next_deferred, (long)(2 * freeable));
	if (next_deferred > 0)
		__atomic_add_fetch(&s->nr_deferred[nid], next_deferred, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->freed, freed, __ATOMIC_RELAXED);
	return freed;
}

/*
 * flags is a copy read under shrinker_lock: shrinker_free clears
 * SHRINKER_REGISTERED in the same word while a walker is inside the
 * callbacks, so the walker never reads s->flags unlocked.
 */
static bool shrinker_allowed(unsigned int flags, gfp_t gfp)
{
	if ((flags & SHRINKER_NEEDS_FS) && !(gfp & __GFP_FS))
		return false;
	if ((flags & SHRINKER_NEEDS_IO) && !(gfp & __GFP_IO))
		return false;
	return true;
}

/* The next live shrinker from `from` on (inclusive), with a reference taken; lock held. */
static struct shrinker *get_live(struct shrinker *from)
{
	for (struct shrinker *s = from; s; s = s->next) {
		if (s->flags & SHRINKER_REGISTERED) {
			s->refcount++;
			return s;
		}
	}
	return NULL;
}

unsigned long shrink_slab(struct kmm_machine *m, gfp_t gfp, int nid, int priority,
			  unsigned long *scanned)
{
	struct kmm_reclaim *r = m->reclaim;
	unsigned long freed = 0;
	struct shrinker *s, *next;
	unsigned int flags;

	if (!r)
		return 0;
	kmm_spin_lock(&r->shrinker_lock);
	s = get_live(r->shrinkers);
	flags = s ? s->flags : 0;
	kmm_spin_unlock(&r->shrinker_lock);
	while (s) {
		if (shrinker_allowed(flags, gfp)) {
			struct shrink_control sc = {
				.gfp_mask = gfp,
				.nid = (flags & SHRINKER_NUMA_AWARE) ? nid : 0,
			};
			unsigned long ret = do_shrink_slab(m, &sc, s, priority);

			if (ret == SHRINK_EMPTY)
				ret = 0;
			freed += ret;
			if (scanned)
				*scanned += sc.nr_scanned;
		}
		kmm_spin_lock(&r->shrinker_lock);
		next = get_live(s->next);
		flags = next ? next->flags : 0;
		shrinker_put_locked(r, s);
		/*
		 * The last reference gone: wake shrinker_free under the lock, which
		 * it takes once more before freeing, so s is never touched after.
		 */
		if (__atomic_load_n(&s->state, __ATOMIC_RELAXED))
			kmm_os_wake(&s->state, INT32_MAX);
		kmm_spin_unlock(&r->shrinker_lock);
		s = next;
	}
	return freed;
}

unsigned long kmm_drop_slab(kmm_machine *m)
{
	unsigned long total = 0, freed;
	int shift = 0;

	count_vm_event(m, DROP_SLAB);
	/* drop_slab: repeat at priority 0 until a round frees little (freed >> shift) */
	do {
		freed = 0;
		for (int nid = 0; nid < m->nr_nodes; nid++)
			freed += shrink_slab(m, GFP_KERNEL, nid, 0, NULL);
		total += freed;
		shift++;
	} while ((freed >> shift) > 1 && shift < 10);
	return total;
}
