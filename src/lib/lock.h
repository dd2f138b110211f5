/* SPDX-License-Identifier: MIT */
/*
 * lib/lock.h - the core's spinlock.
 *
 * Acquire is one compare-and-swap when uncontended; release is a plain
 * release store, so an uncontended lock/unlock pair costs a single atomic
 * instruction. Under contention a waiter spins briefly with a pause hint and
 * then yields to the host scheduler (kmm_os_yield), because in user space
 * the holder can be preempted: spinning on a descheduled holder would waste
 * the waiter's whole time slice. There is no queue, so the lock is not fair;
 * the zone and cache locks it guards are held for short, bounded work.
 *
 * A lock initialised with kmm_spin_init_class belongs to a lock class and
 * debug builds check its order (lib/lockdep.h); kmm_spin_lock and friends
 * are macros so that the checker learns the caller's file and line.
 */
#ifndef KMM_LIB_LOCK_H
#define KMM_LIB_LOCK_H

#include "lib/compiler.h"
#include "lib/fpcount.h"
#include "lib/lockdep.h"

typedef struct kmm_spinlock {
	uint32_t locked;
	uint32_t lock_class; /* enum kmm_lock_class; KMM_LOCK_NONE: not checked */
} kmm_spinlock;

#define KMM_SPINLOCK_INIT \
	{                 \
		0, 0      \
	}

void kmm_spin_lock_slow(kmm_spinlock *lock);

static inline void kmm_spin_init(kmm_spinlock *lock)
{
	lock->locked = 0;
	lock->lock_class = KMM_LOCK_NONE;
}

static inline void kmm_spin_init_class(kmm_spinlock *lock, enum kmm_lock_class cls)
{
	lock->locked = 0;
	lock->lock_class = cls;
}

/* The lock word alone, untracked (the lock's own slow path, assertion reports). */
static inline bool __kmm_spin_trylock_raw(kmm_spinlock *lock)
{
	uint32_t expected = 0;

	fp_count_atomic();
	return __atomic_compare_exchange_n(&lock->locked, &expected, 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline bool __kmm_spin_trylock(kmm_spinlock *lock, const char *file, int line)
{
	if (!__kmm_spin_trylock_raw(lock))
		return false;
	kmm_lockdep_acquire(lock, lock->lock_class, true, file, line);
	return true;
}

static inline void __kmm_spin_lock(kmm_spinlock *lock, const char *file, int line)
{
	kmm_lockdep_acquire(lock, lock->lock_class, false, file, line);
	if (likely(__kmm_spin_trylock_raw(lock)))
		return;
	kmm_spin_lock_slow(lock);
}

static inline void __kmm_spin_unlock(kmm_spinlock *lock, const char *file, int line)
{
	kmm_lockdep_release(lock, lock->lock_class, file, line);
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

#define kmm_spin_trylock(l) __kmm_spin_trylock((l), KMM_SITE)
#define kmm_spin_lock(l) __kmm_spin_lock((l), KMM_SITE)
#define kmm_spin_unlock(l) __kmm_spin_unlock((l), KMM_SITE)

static inline bool kmm_spin_is_locked(const kmm_spinlock *lock)
{
	return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

#endif /* KMM_LIB_LOCK_H */
