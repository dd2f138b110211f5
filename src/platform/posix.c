/* SPDX-License-Identifier: MIT */
/*
 * platform/posix.c - the host contract (platform.h) for Linux user space.
 *
 * Physical memory is a memfd (falling back to an unlinked file in /dev/shm
 * where memfd_create is missing) mapped MAP_SHARED | MAP_NORESERVE, so a
 * 64 GiB machine costs only the frames it touches. Everything else is a thin
 * wrapper over the system call of the same purpose.
 *
 * SMP: the rseq area is glibc's when glibc registered one, otherwise kmm's
 * own (posix_rseq.c); KMM_RSEQ=0 in the environment hides it. The
 * rseq fence is membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ), after a
 * one-time registration (redone in a forked child). The core's per-thread
 * words are a __thread array.
 *
 * Threads are pthreads (named with pthread_setname_np); kmm_os_wait and
 * kmm_os_wake are the futex system call on the word's address
 * (FUTEX_PRIVATE: every waiter is a thread of this process, whatever
 * mapping the word lives in).
 */
#define _GNU_SOURCE
#include "platform/platform.h"
#include "platform/posix_rseq.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <link.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void kmm_os_caps(struct kmm_os_caps *caps)
{
	long ps = sysconf(_SC_PAGESIZE);

	caps->can_remap = 1;
	caps->can_commit = 1;
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

int kmm_os_phys_resize(intptr_t handle, uint64_t size)
{
	if (ftruncate((int)handle, (off_t)size) != 0)
		return -errno;
	return 0;
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

/*
 * mprotect keeps the mapping (and anything already written in it). Under
 * vm.overcommit_memory=2 MAP_NORESERVE is ignored, so this is where the
 * range is charged to the commit limit, and where the host says no.
 */
int kmm_os_commit(void *addr, size_t size)
{
	return mprotect(addr, size, PROT_READ | PROT_WRITE) == 0 ? 0 : -errno;
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KMM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define KMM_TSAN 1
#endif
#ifdef KMM_TSAN
/*
 * ThreadSanitizer counts a new mapping as a write of every byte by the
 * thread that made it. A page remapped by migration (posix_hold.c) holds
 * the same bytes as before, so the remap must not look like one: with the
 * thread's writes ignored TSan resets the range's history instead.
 */
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#endif
bool kmm_posix_range_held(const void *addr) __attribute__((visibility("hidden")));

int kmm_os_phys_map_fixed(intptr_t handle, uint64_t offset, size_t size, void *at)
{
	void *p;
#ifdef KMM_TSAN
	bool same_bytes = kmm_posix_range_held(at);

	if (same_bytes)
		AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
	p = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED,
		 (int)handle, (off_t)offset);
#ifdef KMM_TSAN
	if (same_bytes)
		AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
#endif
	return p == MAP_FAILED ? -errno : 0;
}

int kmm_os_unmap_fixed(void *addr, size_t size)
{
	/* the same kind of mapping kmm_os_reserve made, so neighbours merge again */
	void *p = mmap(addr, size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);

	return p == MAP_FAILED ? -errno : 0;
}

int kmm_os_phys_discard(intptr_t handle, uint64_t offset, uint64_t size)
{
	/* a punched hole reads as zeroes */
	return fallocate((int)handle, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
			 (off_t)size) == 0
		       ? 1
		       : -errno;
}

int kmm_os_discard(void *addr, size_t size)
{
	/*
	 * A shared mapping of a memfd (kmm's own physical memory) or of a file:
	 * MADV_REMOVE punches the hole, and the range reads as zeroes.
	 */
	if (madvise(addr, size, MADV_REMOVE) == 0)
		return 1;
	/*
	 * A caller's region (kmm_machine_create_on). MADV_REMOVE refuses a
	 * mapping without a file with EINVAL (and a locked one, which
	 * MADV_DONTNEED refuses too), a private mapping of a file with EACCES.
	 * MADV_DONTNEED gives private anonymous memory zero pages on the next
	 * touch, but makes a file mapping read its file again: only the first
	 * is known to read as zeroes.
	 */
	bool anonymous = errno == EINVAL;

	return madvise(addr, size, MADV_DONTNEED) == 0 && anonymous;
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

#ifndef MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ (1 << 7)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ (1 << 8)
#endif
#ifndef MEMBARRIER_CMD_FLAG_CPU
#define MEMBARRIER_CMD_FLAG_CPU (1 << 0)
#endif

static int posix_membarrier(int cmd, unsigned int flags, int cpu)
{
#ifdef SYS_membarrier
	return (int)syscall(SYS_membarrier, cmd, flags, cpu);
#else
	(void)cmd;
	(void)flags;
	(void)cpu;
	errno = ENOSYS;
	return -1;
#endif
}

/* Register this process for rseq fences once; 1 when they work. */
static int rseq_fence_state; /* 0 unknown, 1 works, -1 does not */

static int posix_rseq_fence_register(void)
{
	int state = __atomic_load_n(&rseq_fence_state, __ATOMIC_ACQUIRE);

	if (state)
		return state > 0;
	state = posix_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0 ? 1
											    : -1;
	__atomic_store_n(&rseq_fence_state, state, __ATOMIC_RELEASE);
	return state > 0;
}

void kmm_os_smp_caps(struct kmm_os_smp *smp)
{
	const char *env = getenv("KMM_RSEQ");
	long n = sysconf(_SC_NPROCESSORS_CONF);

	memset(smp, 0, sizeof(*smp));
	smp->host_cpus = n > 0 ? (int)n : 1;
#if defined(__x86_64__)
	if (!(env && !strcmp(env, "0")) && posix_rseq_area(&smp->rseq_offset, &smp->rseq_size) == 0)
		smp->rseq_fence = posix_rseq_fence_register();
#else
	(void)env;
#endif
}

int kmm_os_rseq_fence(int cpu)
{
	int ret;

	if (cpu >= 0) {
		ret = posix_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
				       MEMBARRIER_CMD_FLAG_CPU, cpu);
		if (ret == 0)
			return 0;
		if (errno == EPERM) /* a forked child: register again */
			posix_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0);
	}
	ret = posix_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0);
	if (ret != 0 && errno == EPERM &&
	    posix_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0)
		ret = posix_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0);
	return ret == 0 ? 0 : -errno;
}

static __thread uintptr_t thread_words[KMM_OS_THREAD_WORDS];

uintptr_t *kmm_os_thread_words(void)
{
	return thread_words;
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

/* ---- threads and futex waits ----------------------------------------------------- */

struct posix_thread_start {
	void (*fn)(void *arg);
	void *arg;
	char name[16];
};

/*
 * glibc 2.34 moved the pthread functions into libc with a new symbol
 * version; bind the versions every glibc since the baseline
 * (docs/building.md) exports, so libkmm.so still loads there. Not in
 * sanitizer builds, whose interceptors take the unversioned names.
 */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define KMM_POSIX_NO_SYMVER
#endif
#endif
#ifndef KMM_POSIX_NO_SYMVER
#if defined(__x86_64__)
__asm__(".symver pthread_create,pthread_create@GLIBC_2.2.5");
__asm__(".symver pthread_join,pthread_join@GLIBC_2.2.5");
__asm__(".symver pthread_setname_np,pthread_setname_np@GLIBC_2.12");
__asm__(".symver dladdr1,dladdr1@GLIBC_2.3.3");
#elif defined(__aarch64__)
__asm__(".symver pthread_create,pthread_create@GLIBC_2.17");
__asm__(".symver pthread_join,pthread_join@GLIBC_2.17");
__asm__(".symver pthread_setname_np,pthread_setname_np@GLIBC_2.17");
__asm__(".symver dladdr1,dladdr1@GLIBC_2.17");
#endif
#endif
#endif

static void *posix_thread_main(void *p)
{
	struct posix_thread_start st = *(struct posix_thread_start *)p;

	free(p);
	if (st.name[0])
		pthread_setname_np(pthread_self(), st.name);
	st.fn(st.arg);
	return NULL;
}

int kmm_os_thread_create(kmm_os_thread *thread, const char *name, void (*fn)(void *arg), void *arg)
{
	struct posix_thread_start *st = calloc(1, sizeof(*st));
	pthread_t t;
	int ret;

	if (!st)
		return -ENOMEM;
	st->fn = fn;
	st->arg = arg;
	if (name)
		strncpy(st->name, name, sizeof(st->name) - 1);
	ret = pthread_create(&t, NULL, posix_thread_main, st);
	if (ret) {
		free(st);
		return -ret;
	}
	*thread = (kmm_os_thread)t;
	return 0;
}

void kmm_os_thread_join(kmm_os_thread thread)
{
	pthread_join((pthread_t)thread, NULL);
}

int kmm_os_wait(const uint32_t *addr, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;
	long ret;

	if (timeout_ns != KMM_OS_WAIT_FOREVER) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000ull);
		ts.tv_nsec = (long)(timeout_ns % 1000000000ull);
		tsp = &ts;
	}
	ret = syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
	if (ret != 0 && errno == ETIMEDOUT)
		return KMM_OS_TIMEDOUT;
	return 0;
}

void kmm_os_wake(const uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* dladdr1 finds exported symbols only (a program's own functions need -rdynamic). */
size_t kmm_os_symbol(const void *addr, char *buf, size_t len)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	int n;

	if (!len || !dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !info.dli_sname ||
	    !info.dli_saddr)
		return 0;
	n = snprintf(buf, len, "%s+%#lx/%#lx", info.dli_sname,
		     (unsigned long)((const char *)addr - (const char *)info.dli_saddr),
		     sym ? (unsigned long)sym->st_size : 0ul);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}
