/* SPDX-License-Identifier: MIT */
/*
 * malloc/grow.c - the process's machine grows by memory hotplug, a section
 * at a time, as a guest's memory is hot-plugged when it needs more.
 *
 * boot.c boots the machine with one memory block (a section, 128 MiB with
 * 4 KiB pages) committed, and maxmem= at the host's memory: the rest of the
 * machine's physical memory, and its memmap, are address space with no
 * access. An allocation asks the machine with __GFP_NORETRY while it can
 * still grow (km.gfp), so running out costs one round of direct reclaim,
 * never an OOM report; the caller then calls km_grow and tries again.
 * km_grow adds and onlines the next block (kmm_add_memory, with
 * memhp_default_state=online_kernel in the machine string): the host
 * commits the block and its memmap (kmm_os_commit), the buddy allocator
 * gets its pages, and watermarks, reserves and pagesets follow the bigger
 * zone, as on Linux after a hot-add.
 *
 * Invariants:
 *  - blocks are added in address order: [4G, km.grow_next) is the
 *    machine's RAM, every block of it online; km.grown counts the blocks
 *    added since boot and only rises;
 *  - km.gfp carries __GFP_NORETRY exactly while grow_next < grow_limit;
 *    at the limit it is KM_GFP_FULL, and an allocation that fails then has
 *    gone through the whole page allocator (reclaim, the OOM report);
 *  - a failure is not always for want of memory (an injected fault, a
 *    request no block can serve): the machine grows again only once the
 *    memory the last growth left free is half used, so failing calls never
 *    grow it block after block to its limit;
 *  - a host that refuses (a commit limit: vm.overcommit_memory=2) changes
 *    nothing: hotplug logs its "the host cannot back" line, the allocation
 *    fails with ENOMEM, as glibc's does when mmap fails, and for a second
 *    failures do not ask again (one line a second at most, as the kernel
 *    ratelimits its allocation-failure warnings).
 * km_grow runs inside the fork gate, under grow_lock, with no kmm lock
 * held: a fork never copies a half-added block.
 */
#define _GNU_SOURCE
#include "malloc/kmm_malloc.h"

#include <kmm/hotplug.h>

#include <pthread.h>
#include <time.h>

static pthread_mutex_t grow_lock = PTHREAD_MUTEX_INITIALIZER;

/* After a refusal the host is asked again a second later, not on every failed malloc. */
#define KM_REFUSED_WAIT_NS 1000000000ull

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec) | 1;
}

bool km_grow(unsigned long *seen)
{
	uint64_t block = kmm_memory_block_size_bytes(km.m);
	bool grew = false;
	int ret;

	pthread_mutex_lock(&grow_lock);
	if (km.grown != *seen) {
		/* another thread grew the machine since this one's attempt */
		grew = true;
	} else if (km.refused_at && now_ns() - km.refused_at < KM_REFUSED_WAIT_NS) {
		/* the host said no less than a second ago: fail without asking again */
	} else if (km.free_after_grow &&
		   kmm_zone_free_pages(km.m, 0, KMM_ZONE_NORMAL) >= km.free_after_grow / 2) {
		/*
		 * Half of what was free after the last growth still is: this
		 * failure is not for want of memory (a size no block serves,
		 * an injected fault), and another block would not help.
		 */
	} else if (km.grow_next + block > km.grow_limit) {
		/* the limit: one last attempt through the whole allocator */
		grew = km.gfp != KM_GFP_FULL;
		__atomic_store_n(&km.gfp, KM_GFP_FULL, __ATOMIC_RELAXED);
	} else {
		ret = kmm_add_memory(km.m, 0, km.grow_next, block);
		if (ret == KMM_OK) {
			km.free_after_grow = kmm_zone_free_pages(km.m, 0, KMM_ZONE_NORMAL);
			km.grow_next += block;
			__atomic_store_n(&km.grown, km.grown + 1, __ATOMIC_RELEASE);
			grew = true;
		} else {
			km.refused_at = now_ns();
		}
	}
	*seen = km.grown;
	pthread_mutex_unlock(&grow_lock);
	return grew;
}
