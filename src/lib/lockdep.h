/* SPDX-License-Identifier: MIT */
/*
 * lib/lockdep.h - the lock-order checker of debug builds (KMM_DEBUG_CHECKS).
 *
 * kmm's locks form one order, the table of docs/architecture.md. Every lock
 * that takes part belongs to a class, and every class has a rank: a thread
 * may take a lock only if its rank is above the rank of every lock it
 * already holds. That is stricter than Linux's lockdep, which learns the
 * order from what it sees and reports a cycle: a fixed rank (jemalloc's
 * witness) catches an inversion the first time either half of it runs, not
 * only once both halves have been seen. Each thread keeps the locks it
 * holds, with the file and line where it took them, in per-thread words of
 * the platform layer (kmm_os_thread_words), so the core stays freestanding.
 *
 * Reports, in lockdep's words, with both acquisition sites:
 *  - "possible circular locking dependency detected": a lock taken while a
 *    lock of an equal or higher rank is held (same class: only for classes
 *    marked nestable, like the per-CPU page list locks kmm_check takes in
 *    CPU order);
 *  - "possible recursive locking detected": the same lock taken twice;
 *  - "BUG: sleeping function called from invalid context": kmm_might_sleep
 *    (an allocation that may block, reclaim, a NOFAIL wait) while a
 *    spinning lock or a CPU (get_cpu) is held;
 *  - "bad unlock balance detected": releasing a lock this thread does not
 *    hold.
 * A report goes to the host console (kmm_os_log: the checker has no machine
 * at hand) and then stops the program, as a BUG does: a debug test run
 * cannot pass over a lock-order problem. A trylock cannot deadlock, so a
 * successful trylock is recorded as held but not checked against the
 * order.
 *
 * Using it from a new layer: add a row to KMM_LOCK_CLASSES below (name,
 * rank, flags), initialise a spinlock with kmm_spin_init_class(&l, class),
 * and kmm_spin_lock / kmm_spin_unlock track it. Other lock types call
 * kmm_lockdep_acquire / kmm_lockdep_release themselves (smp/cpu_lock.h).
 * In release builds every call here compiles to nothing.
 */
#ifndef KMM_LIB_LOCKDEP_H
#define KMM_LIB_LOCKDEP_H

#include "lib/bug.h"

/* Flags of a class. */
#define LOCKDEP_NEST 1u	 /* several locks of the class may be held (taken in a fixed order) */
#define LOCKDEP_SLEEP 2u /* a mutex in Linux: one may sleep while holding it */

/* name, rank (taken in increasing rank), flags; the table of docs/architecture.md */
#define KMM_LOCK_CLASSES(X)                                          \
	X(MEM_HOTPLUG, "mem_hotplug_lock", 3, LOCKDEP_SLEEP)         \
	X(OOM, "oom_lock", 5, LOCKDEP_SLEEP)                         \
	X(SLAB_MUTEX, "slab_mutex", 10, LOCKDEP_SLEEP)               \
	X(LOG, "log_lock", 15, 0)                                    \
	X(GET_CPU, "get_cpu lock", 20, 0)                            \
	X(PCPU, "pcpu->lock", 30, 0)                                 \
	X(SLAB_ARRAY, "kmem_cache cpu array lock", 40, LOCKDEP_NEST) \
	X(SLAB_BARN, "kmem_cache_node->barn.lock", 45, 0)            \
	X(LIST_LOCK, "kmem_cache_node->list_lock", 50, LOCKDEP_NEST) \
	X(PCP, "pcp->lock", 60, LOCKDEP_NEST)                        \
	X(DEFERRED, "pgdat->deferred_lock", 65, 0)                   \
	X(REPORT, "page reporting report_lock", 67, 0)               \
	X(ZONE, "zone->lock", 70, 0)                                 \
	X(VMAP_AREA, "vmap_area_lock", 73, 0)                        \
	X(KMAP, "kmap_lock", 75, 0)                                  \
	X(SHRINKER, "shrinker_lock", 80, 0)                          \
	X(OOM_NOTIFIER, "oom notifier_lock", 81, 0)                  \
	X(FAULT_ATTR, "fault attr lock", 82, 0)                      \
	X(CMA, "cma->lock", 83, 0)                                   \
	X(STACKDEPOT, "stack depot pool_lock", 90, 0)

enum kmm_lock_class {
	KMM_LOCK_NONE, /* not tracked */
#define KMM_LOCK_ENUM(id, name, rank, flags) KMM_LOCK_##id,
	KMM_LOCK_CLASSES(KMM_LOCK_ENUM)
#undef KMM_LOCK_ENUM
		NR_KMM_LOCK_CLASSES
};

#define KMM_SITE __FILE__, __LINE__

#if KMM_DEBUG_CHECKS
void kmm_lockdep_acquire(const void *lock, unsigned int cls, bool trylock, const char *file,
			 int line);
void kmm_lockdep_release(const void *lock, unsigned int cls, const char *file, int line);
void kmm_might_sleep(const char *file, int line);
/* Locks this thread holds (tests). */
int kmm_lockdep_depth(void);
#else
static inline void kmm_lockdep_acquire(const void *lock, unsigned int cls, bool trylock,
				       const char *file, int line)
{
}
static inline void kmm_lockdep_release(const void *lock, unsigned int cls, const char *file,
				       int line)
{
}
static inline void kmm_might_sleep(const char *file, int line)
{
}
static inline int kmm_lockdep_depth(void)
{
	return 0;
}
#endif

#define might_sleep() kmm_might_sleep(KMM_SITE)

#endif /* KMM_LIB_LOCKDEP_H */
