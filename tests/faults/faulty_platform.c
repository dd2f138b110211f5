/* SPDX-License-Identifier: MIT */
/*
 * tests/faults/faulty_platform.c - the POSIX platform with failures on demand.
 *
 * Every kmm_os_* call that can fail on a real host goes through a wrapper
 * here that counts it and, when asked, fails the N-th such call the way the
 * host would (an error code or NULL). The wrappers also keep the books of
 * what the host handed out - physical-memory objects and address space - so
 * a test can prove that a machine whose boot failed gave every byte and every
 * descriptor back, and that one that booted and was destroyed did too.
 *
 * Built only into tests/faults/test_host_faults (with the kmm core objects),
 * never into libkmm. The real implementations are posix.c's, renamed.
 */
#define kmm_os_phys_create real_kmm_os_phys_create
#define kmm_os_phys_destroy real_kmm_os_phys_destroy
#define kmm_os_phys_resize real_kmm_os_phys_resize
#define kmm_os_phys_map real_kmm_os_phys_map
#define kmm_os_reserve real_kmm_os_reserve
#define kmm_os_commit real_kmm_os_commit
#define kmm_os_unmap real_kmm_os_unmap
#define kmm_os_phys_map_fixed real_kmm_os_phys_map_fixed
#define kmm_os_thread_create real_kmm_os_thread_create
#define kmm_os_thread_join real_kmm_os_thread_join
#define kmm_os_hold_writers real_kmm_os_hold_writers
#define kmm_os_discard real_kmm_os_discard
#define kmm_os_phys_discard real_kmm_os_phys_discard
#include "platform/posix.c"
#include "platform/posix_hold.c"
#undef kmm_os_phys_create
#undef kmm_os_phys_destroy
#undef kmm_os_phys_resize
#undef kmm_os_phys_map
#undef kmm_os_reserve
#undef kmm_os_commit
#undef kmm_os_unmap
#undef kmm_os_phys_map_fixed
#undef kmm_os_thread_create
#undef kmm_os_thread_join
#undef kmm_os_hold_writers
#undef kmm_os_discard
#undef kmm_os_phys_discard

#include <stdio.h>

#include "faulty_platform.h"

struct host_faults host_faults;

/* True when this call is the one to fail. */
static int fault_here(enum host_call call)
{
	unsigned long n = __atomic_add_fetch(&host_faults.calls, 1, __ATOMIC_RELAXED);

	host_faults.calls_of[call]++;
	if (host_faults.fail_at && n == host_faults.fail_at) {
		host_faults.failed_call = call;
		return 1;
	}
	return 0;
}

int kmm_os_phys_create(uint64_t size, intptr_t *handle);
void kmm_os_phys_destroy(intptr_t handle);
int kmm_os_phys_resize(intptr_t handle, uint64_t size);
void *kmm_os_phys_map(intptr_t handle, uint64_t offset, size_t size, void *at);
void *kmm_os_reserve(size_t size);
int kmm_os_commit(void *addr, size_t size);
void kmm_os_unmap(void *addr, size_t size);
int kmm_os_phys_map_fixed(intptr_t handle, uint64_t offset, size_t size, void *at);
int kmm_os_hold_writers(void *addr, size_t size);
int kmm_os_discard(void *addr, size_t size);
int kmm_os_phys_discard(intptr_t handle, uint64_t offset, uint64_t size);

/*
 * Discards: with keep_discards the host keeps the contents (a kernel whose
 * RAM stays RAM): nothing is done and both calls return 0.
 */
int kmm_os_discard(void *addr, size_t size)
{
	if (__atomic_load_n(&host_faults.keep_discards, __ATOMIC_RELAXED))
		return 0;
	return real_kmm_os_discard(addr, size);
}

int kmm_os_phys_discard(intptr_t handle, uint64_t offset, uint64_t size)
{
	if (__atomic_load_n(&host_faults.keep_discards, __ATOMIC_RELAXED))
		return 0;
	return real_kmm_os_phys_discard(handle, offset, size);
}
int kmm_os_thread_create(kmm_os_thread *thread, const char *name, void (*fn)(void *arg), void *arg);
void kmm_os_thread_join(kmm_os_thread thread);

/*
 * Threads: refused on demand (every one with fail_threads, or only the
 * fail_thread_at-th), counted until joined; the name of each refused one
 * is kept for the tests.
 */
int kmm_os_thread_create(kmm_os_thread *thread, const char *name, void (*fn)(void *arg), void *arg)
{
	long nth = __atomic_add_fetch(&host_faults.thread_creates, 1, __ATOMIC_RELAXED);
	int ret;

	if (__atomic_load_n(&host_faults.fail_threads, __ATOMIC_RELAXED) ||
	    (unsigned long)nth == host_faults.fail_thread_at) {
		snprintf(host_faults.refused_thread, sizeof(host_faults.refused_thread), "%s",
			 name ? name : "");
		return -EAGAIN;
	}
	ret = real_kmm_os_thread_create(thread, name, fn, arg);
	if (ret == 0)
		__atomic_add_fetch(&host_faults.live_threads, 1, __ATOMIC_RELAXED);
	return ret;
}

void kmm_os_thread_join(kmm_os_thread thread)
{
	real_kmm_os_thread_join(thread);
	__atomic_sub_fetch(&host_faults.live_threads, 1, __ATOMIC_RELAXED);
}

int kmm_os_phys_create(uint64_t size, intptr_t *handle)
{
	int ret;

	if (fault_here(HOST_PHYS_CREATE))
		return -ENOMEM;
	ret = real_kmm_os_phys_create(size, handle);
	if (ret == 0)
		host_faults.live_objects++;
	return ret;
}

void kmm_os_phys_destroy(intptr_t handle)
{
	host_faults.live_objects--;
	real_kmm_os_phys_destroy(handle);
}

/* Growing the memory object (memory hotplug): refused as a full tmpfs refuses (-ENOSPC). */
int kmm_os_phys_resize(intptr_t handle, uint64_t size)
{
	if (fault_here(HOST_PHYS_RESIZE))
		return -ENOSPC;
	return real_kmm_os_phys_resize(handle, size);
}

void *kmm_os_phys_map(intptr_t handle, uint64_t offset, size_t size, void *at)
{
	void *p;

	if (fault_here(HOST_PHYS_MAP))
		return NULL;
	p = real_kmm_os_phys_map(handle, offset, size, at);
	if (p && !at) /* a fixed mapping replaces part of a reservation */
		host_faults.live_bytes += (long)size;
	return p;
}

void *kmm_os_reserve(size_t size)
{
	void *p;

	if (fault_here(HOST_RESERVE))
		return NULL;
	p = real_kmm_os_reserve(size);
	if (p)
		host_faults.live_bytes += (long)size;
	return p;
}

/* Committing part of a reservation: refused as a commit limit refuses (-ENOMEM). */
int kmm_os_commit(void *addr, size_t size)
{
	if (fault_here(HOST_COMMIT))
		return -ENOMEM;
	return real_kmm_os_commit(addr, size);
}

void kmm_os_unmap(void *addr, size_t size)
{
	host_faults.live_bytes -= (long)size;
	real_kmm_os_unmap(addr, size);
}

/*
 * Fixed mappings replace part of a reservation: no bytes of address space
 * change hands. They fail in the boot sequence (fail_at) and, after boot,
 * whenever fail_map_fixed is set (vmalloc, kmap and the highmem windows
 * then meet the host's refusal). kmm_os_unmap_fixed passes through.
 */
int kmm_os_phys_map_fixed(intptr_t handle, uint64_t offset, size_t size, void *at)
{
	int forced = __atomic_load_n(&host_faults.fail_map_fixed, __ATOMIC_RELAXED);

	__atomic_add_fetch(&host_faults.map_fixed_calls, 1, __ATOMIC_RELAXED);
	if (forced)
		return forced;
	if (fault_here(HOST_MAP_FIXED))
		return -ENOMEM;
	return real_kmm_os_phys_map_fixed(handle, offset, size, at);
}

/* Holding writers off (vmalloc migration): refused with fail_hold (-errno) when set. */
int kmm_os_hold_writers(void *addr, size_t size)
{
	int forced = __atomic_load_n(&host_faults.fail_hold, __ATOMIC_RELAXED);

	__atomic_add_fetch(&host_faults.hold_calls, 1, __ATOMIC_RELAXED);
	if (forced)
		return forced;
	return real_kmm_os_hold_writers(addr, size);
}
