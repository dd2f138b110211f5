/* SPDX-License-Identifier: MIT */
/*
 * lib/lock.c - contended path of the core spinlock (see lock.h).
 */
#include "lib/lock.h"
#include "platform/platform.h"

#define KMM_SPIN_BEFORE_YIELD 128

void kmm_spin_lock_slow(kmm_spinlock *lock)
{
	for (;;) {
		for (int i = 0; i < KMM_SPIN_BEFORE_YIELD; i++) {
			if (!kmm_spin_is_locked(lock) && __kmm_spin_trylock_raw(lock))
				return;
			cpu_relax();
		}
		kmm_os_yield();
	}
}
