/* SPDX-License-Identifier: MIT */
/*
 * smp/cpu_lock.h - the lock that keeps a per-CPU structure consistent
 * while threads are preempted and migrated at any moment.
 *
 * User space cannot disable preemption, so every per-CPU structure kmm
 * keeps (the page lists of page/pcp.c, the get_cpu lock of smp/cpu.c)
 * carries a kmm_cpu_lock, as Linux's per_cpu_pages carries a spinlock
 * since 6.0. Its word is 0 when free, 1 when held by a "local" owner, or
 * the tag of a "remote" owner (an address unique to the thread, | 2).
 *
 * Local acquisition is the fast path: a thread takes the lock of the CPU
 * it runs on (smp_local_cpu), for its own use.
 *  - CAS mode: one compare-and-swap, 0 -> 1.
 *  - rseq mode: the restartable sequence "on CPU c, if 0 store 1"
 *    (smp/rseq.h), no atomic instruction. Two threads of CPU c cannot both
 *    succeed: the kernel aborts a sequence whose thread was preempted or
 *    migrated before its commit, so sequences on one CPU are serialised.
 *    If the thread has moved, the result is CPU_LOCK_MOVED and the caller
 *    looks up its CPU again.
 * A trylock that finds the lock held returns CPU_LOCK_BUSY at once; what
 * the caller does then is its business (the page allocator goes to the
 * buddy lists, as Linux does when pcp_spin_trylock fails).
 *
 * Remote acquisition (cpu_lock_remote, smp/cpu.c) takes any CPU's lock:
 * drains, kmm_check, and threads without a local CPU.
 *  - CAS mode: compare-and-swap 0 -> tag, spinning, then yielding.
 *  - rseq mode: compare-and-swap 0 -> tag, then an rseq fence on that CPU
 *    (membarrier): every sequence that was running there has either
 *    committed (its store is now visible) or been aborted, and any later
 *    one sees the tag. Reading the word again then tells who won: the tag
 *    (ours) or 1 (a local sequence committed between our CAS and the
 *    fence, overwriting the tag; we back off and retry). Local sequences
 *    that read 0 before our CAS cannot commit after the fence.
 * Release is a store of 0 with release ordering, from anywhere.
 *
 * Lock order: get_cpu lock -> percpu allocator -> pcp lock -> zone->lock.
 * Nothing logs while holding a per-CPU lock.
 */
#ifndef KMM_SMP_CPU_LOCK_H
#define KMM_SMP_CPU_LOCK_H

#include "lib/fpcount.h"
#include "smp/cpu.h"

typedef struct kmm_cpu_lock {
	uintptr_t owner;
} kmm_cpu_lock;

#define CPU_LOCK_LOCAL 1ul

enum cpu_lock_result {
	CPU_LOCK_TAKEN = RSEQ_TAKEN,
	CPU_LOCK_BUSY = RSEQ_BUSY,
	CPU_LOCK_MOVED = RSEQ_MOVED,
};

/* Try to take the lock of `cpu`, the CPU this thread was just seen on (smp_local_cpu). */
static inline enum cpu_lock_result cpu_trylock_local(const struct kmm_machine *m, kmm_cpu_lock *l,
						     int cpu)
{
	uintptr_t expected = 0;

#if KMM_HAVE_RSEQ
	if (likely(m->smp_mode == KMM_SMP_RSEQ))
		return (enum cpu_lock_result)rseq_trylock(&l->owner, (uint32_t)cpu, m->rseq_offset);
#else
	(void)m;
	(void)cpu;
#endif
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == 0 && (fp_count_atomic(), true) &&
	    __atomic_compare_exchange_n(&l->owner, &expected, CPU_LOCK_LOCAL, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return CPU_LOCK_TAKEN;
	return CPU_LOCK_BUSY;
}

static inline void cpu_unlock(kmm_cpu_lock *l)
{
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
}

static inline bool cpu_lock_held(const kmm_cpu_lock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) != 0;
}

/* Take CPU `cpu`'s lock from any thread, waiting as long as it takes (smp/cpu.c). */
void cpu_lock_remote(struct kmm_machine *m, kmm_cpu_lock *l, int cpu);

/* Back-off step `spins` of a waiter: pause, then yield to the host scheduler. */
void cpu_lock_backoff(unsigned int spins);

#endif /* KMM_SMP_CPU_LOCK_H */
