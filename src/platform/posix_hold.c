/* SPDX-License-Identifier: MIT */
/*
 * platform/posix_hold.c - kmm_os_hold_writers / kmm_os_release_writers:
 * writers of a page wait while vmalloc migration copies it (the kernel's
 * migration entries), and kmm_os_phys_mappings, which lists the host's
 * mappings of the physical-memory object for kmm_check.
 *
 * A hold is a slot of a small table (HOLD_SLOTS ranges) and an mprotect
 * to PROT_READ. A write into the range faults; the process's SIGSEGV
 * handler (posix_stack.c's, one handler for the stack guard and for this)
 * asks posix_held_fault first: a fault inside a held range waits until
 * the slot is released, then returns, and the write is retried on what is
 * mapped there by then (the new frame, writable). Reads never fault.
 *
 * The race: a write faults while the range is held, but the migrator
 * releases the slot before the handler looks. The handler then finds no
 * slot; the fault is an access fault (SEGV_ACCERR) and a hold has been
 * taken at some time, so it retries the write once. A second fault at the
 * same address on the same thread is a real one and goes on to the stack
 * guard check and the previous handler.
 *
 * Invariants: a slot's start is 0 (free), 1 (being filled) or the held
 * range's start, published with release after its end; the handler only
 * reads the table (atomics, nothing that may not run in a signal handler:
 * sched_yield, no locks, no allocation).
 */
#define _GNU_SOURCE
#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HOLD_SLOTS 64

struct hold {
	uintptr_t start; /* 0 free, 1 being filled */
	uintptr_t end;
};

static struct hold holds[HOLD_SLOTS];
static int hold_taken; /* a hold has been taken: faults may be ours */
static __thread uintptr_t retried_at;

void kmm_posix_install_fault_handler(void) __attribute__((visibility("hidden")));
bool kmm_posix_held_fault(const siginfo_t *si) __attribute__((visibility("hidden")));
bool kmm_posix_range_held(const void *addr) __attribute__((visibility("hidden")));

int kmm_os_hold_writers(void *addr, size_t size)
{
	uintptr_t a = (uintptr_t)addr;

	if (a <= 1 || size == 0)
		return -EINVAL;
	kmm_posix_install_fault_handler();
	for (int i = 0; i < HOLD_SLOTS; i++) {
		uintptr_t free_slot = 0;

		if (!__atomic_compare_exchange_n(&holds[i].start, &free_slot, 1, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&holds[i].end, a + size, __ATOMIC_RELAXED);
		__atomic_store_n(&holds[i].start, a, __ATOMIC_RELEASE);
		__atomic_store_n(&hold_taken, 1, __ATOMIC_RELAXED);
		if (mprotect(addr, size, PROT_READ) != 0) {
			int err = -errno;

			__atomic_store_n(&holds[i].start, 0, __ATOMIC_RELEASE);
			return err;
		}
		return 0;
	}
	return -ENOSPC;
}

void kmm_os_release_writers(void *addr, size_t size, int restore)
{
	if (restore)
		mprotect(addr, size, PROT_READ | PROT_WRITE);
	for (int i = 0; i < HOLD_SLOTS; i++)
		if (__atomic_load_n(&holds[i].start, __ATOMIC_ACQUIRE) == (uintptr_t)addr &&
		    __atomic_load_n(&holds[i].end, __ATOMIC_RELAXED) == (uintptr_t)addr + size) {
			__atomic_store_n(&holds[i].start, 0, __ATOMIC_RELEASE);
			return;
		}
}

/* Is addr the start of a held range? (posix.c: a remap of a held page keeps its bytes.) */
bool kmm_posix_range_held(const void *addr)
{
	for (int i = 0; i < HOLD_SLOTS; i++)
		if (__atomic_load_n(&holds[i].start, __ATOMIC_ACQUIRE) == (uintptr_t)addr)
			return true;
	return false;
}

/* A write fault inside a held range waits for the hold to end: true when the write may retry. */
bool kmm_posix_held_fault(const siginfo_t *si)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;

	if (!__atomic_load_n(&hold_taken, __ATOMIC_RELAXED))
		return false;
	for (int i = 0; i < HOLD_SLOTS; i++) {
		uintptr_t s = __atomic_load_n(&holds[i].start, __ATOMIC_ACQUIRE);

		if (s <= 1 || a < s || a >= __atomic_load_n(&holds[i].end, __ATOMIC_RELAXED))
			continue;
		while (__atomic_load_n(&holds[i].start, __ATOMIC_ACQUIRE) == s)
			sched_yield();
		retried_at = 0;
		errno = saved;
		return true;
	}
	if (si->si_signo == SIGSEGV && si->si_code == SEGV_ACCERR && retried_at != a) {
		retried_at = a; /* the hold may have ended before we looked: once more */
		return true;
	}
	retried_at = 0;
	return false;
}

/* ---- kmm_os_phys_mappings: /proc/self/maps, read without stdio (no malloc) ---------------- */

static bool parse_hex(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	for (;; n++, (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			break;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return n > 0;
}

/* One line of /proc/self/maps: "start-end perms offset dev inode path". */
static bool parse_line(const char *p, uint64_t *start, uint64_t *end, uint64_t *off, uint64_t *ino)
{
	if (!parse_hex(&p, start) || *p++ != '-' || !parse_hex(&p, end) || *p++ != ' ')
		return false;
	while (*p && *p != ' ')
		p++; /* perms */
	if (*p++ != ' ' || !parse_hex(&p, off) || *p++ != ' ')
		return false;
	while (*p && *p != ' ')
		p++; /* dev */
	if (*p++ != ' ')
		return false;
	*ino = 0;
	while (*p >= '0' && *p <= '9')
		*ino = *ino * 10 + (uint64_t)(*p++ - '0');
	return true;
}

int kmm_os_phys_mappings(intptr_t handle, const void *start, const void *end,
			 void (*fn)(void *ctx, uintptr_t addr, size_t size, uint64_t offset),
			 void *ctx)
{
	char buf[8192], line[512];
	size_t len = 0;
	ssize_t n;
	int fd;

	/*
	 * Inside [start, end) (a reservation of this machine) every mapping
	 * with an inode is the physical-memory object's: the reservation
	 * itself is anonymous (inode 0). No fstat: glibc 2.27 has no fstat
	 * symbol of its own, and the baseline is 2.27.
	 */
	(void)handle;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOSYS;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < n; i++) {
			uint64_t s, e, off, ino;

			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			len = 0;
			if (!parse_line(line, &s, &e, &off, &ino) || ino == 0)
				continue;
			if (s < (uintptr_t)start || e > (uintptr_t)end)
				continue;
			fn(ctx, (uintptr_t)s, (size_t)(e - s), off);
		}
	}
	close(fd);
	return 0;
}
