/* SPDX-License-Identifier: MIT */
/*
 * lib/fpcount.h - debug counters of the atomic read-modify-write
 * instructions a thread executes, for the proof that the fast paths of a
 * many-CPU machine run without one (docs/smp.md, "Sharing on the fast
 * paths"; tests/test_fastpath_sharing.c).
 *
 * In KMM_DEBUG_CHECKS builds every atomic RMW the allocation and free
 * paths can reach counts one in the calling thread's words (platform
 * kmm_os_thread_words, word KMM_TW_FP_ATOMICS): the per-CPU lock's
 * compare-and-swap (local and remote), every spinlock acquisition attempt
 * (zone->lock, list_lock: shared lines by nature), the page reference
 * count's atomic increment and decrement, and the atomic counter adds
 * (vm events, NUMA_FOREIGN, slab statistics, large kmalloc pages). A
 * restartable sequence is not an atomic instruction and does not count.
 * Plain stores to shared lines cannot be counted this way (there are too
 * many store sites); the test finds those by comparing every shared
 * structure before and after the operations instead. Release builds
 * compile the counting away.
 *
 * The counter is per thread, so reading it needs no synchronisation; a
 * thread compares its own count before and after its operations.
 */
#ifndef KMM_LIB_FPCOUNT_H
#define KMM_LIB_FPCOUNT_H

#include "lib/bug.h"
#include "platform/platform.h"

/* Thread words 59..62 are free (lockdep ends at 58, task flags are 63). */
#define KMM_TW_FP_ATOMICS 60

static inline void fp_count_atomic(void)
{
	if (KMM_DEBUG_CHECKS)
		kmm_os_thread_words()[KMM_TW_FP_ATOMICS]++;
}

/* The atomic RMWs this thread has executed so far (0 in release builds). */
static inline uintptr_t fp_atomics(void)
{
	return KMM_DEBUG_CHECKS ? kmm_os_thread_words()[KMM_TW_FP_ATOMICS] : 0;
}

#endif /* KMM_LIB_FPCOUNT_H */
