/* SPDX-License-Identifier: MIT */
/*
 * platform/posix.c - the host contract (platform.h) for Linux user space.
 *
 * Physical memory is a memfd (falling back to an unlinked file in /dev/shm
 * where memfd_create is missing) mapped MAP_SHARED | MAP_NORESERVE, so a
 * 64 GiB machine costs only the frames it touches. Everything else is a thin
 * wrapper over the system call of the same purpose.
 */
#define _GNU_SOURCE
#include "platform/platform.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

void kmm_os_caps(struct kmm_os_caps *caps)
{
	long ps = sysconf(_SC_PAGESIZE);

	caps->can_remap = 1;
	caps->host_page_size = ps > 0 ? (unsigned long)ps : 4096;
}

int kmm_os_phys_create(uint64_t size, intptr_t *handle)
{
	int fd = memfd_create("kmm-phys", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*handle = fd;
	return 0;
}

void kmm_os_phys_destroy(intptr_t handle)
{
	close((int)handle);
}

void *kmm_os_phys_map(intptr_t handle, uint64_t offset, size_t size, void *at)
{
	int flags = MAP_SHARED | MAP_NORESERVE | (at ? MAP_FIXED : 0);
	void *p = mmap(at, size, PROT_READ | PROT_WRITE, flags, (int)handle, (off_t)offset);

	return p == MAP_FAILED ? NULL : p;
}

void *kmm_os_reserve(size_t size)
{
	void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void kmm_os_unmap(void *addr, size_t size)
{
	munmap(addr, size);
}

void kmm_os_discard(void *addr, size_t size)
{
	/* For a shared memfd mapping this frees the frames (reads give zeroes). */
	madvise(addr, size, MADV_REMOVE);
}

void kmm_os_log(const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(2, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

void kmm_os_task_name(char *buf, size_t len)
{
	char comm[17] = { 0 };

	if (len == 0)
		return;
	if (prctl(PR_GET_NAME, comm, 0, 0, 0) != 0)
		strcpy(comm, "kmm");
	strncpy(buf, comm, len - 1);
	buf[len - 1] = '\0';
}

unsigned int kmm_os_cpu_hint(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0u : (unsigned int)cpu;
}

void kmm_os_yield(void)
{
	sched_yield();
}

uint64_t kmm_os_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void kmm_os_abort(void)
{
	abort();
}
