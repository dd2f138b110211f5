/* SPDX-License-Identifier: MIT */
/*
 * malloc/boot.c - the process's machine, booted on first use, and the fork gate.
 *
 * The machine is sized from the host: it may grow to the host's physical
 * memory (sysconf(_SC_PHYS_PAGES), rounded down to a 128 MiB section) and it
 * has as many CPUs as the host has configured, so host CPU numbers are
 * machine CPU numbers and the restartable-sequence fast paths apply. It
 * boots with one memory block of RAM above 4G (`memmap=exactmap
 * memmap=128M@4G`, one Normal zone) and maxmem= at 4G plus the host's
 * memory, and grows a block at a time by memory hotplug when an allocation
 * fails (grow.c). KMM_CMDLINE is appended to that string (a later key
 * wins); its mem= token, if any, replaces the host's size as the limit.
 *
 * Physical memory is an anonymous MAP_PRIVATE | MAP_NORESERVE reservation
 * with no access, made here and given to kmm_machine_create_on_zeroed,
 * aligned to the buddy allocator's largest block (4 MiB), so a block of
 * order k is aligned to its size in virtual memory too (the aligned family
 * relies on it). Only the boot block is committed here; hotplug commits
 * each block it adds and that block's memmap (kmm_os_commit), so a host
 * with a commit limit (vm.overcommit_memory=2) charges what the machine
 * holds, not the host's size. Only the RAM is reserved: the 4 GiB hole
 * below it is never touched and not mapped. Under an address-space limit
 * (RLIMIT_AS, ulimit -v) the machine's limit drops to what fits in half of
 * the address space the process has left (fit_address_limit), and a host
 * that refuses the reservation gets one half as big, down to 16 MiB.
 * Nothing of the machine is a shared mapping,
 * so fork gives parent and child separate, copy-on-write heaps
 * (tests/malloc/test_malloc.c checks /proc/self/maps).
 *
 * Boot writes what a kernel's boot writes and no more: the size classes'
 * caches are not part of it, each is created on its class's first use
 * (km_class_create, below); deferred struct page init works in 4 MiB
 * chunks; the machine starts no kswapd or kcompactd thread unless
 * KMM_CMDLINE asks (build_cmdline), and membarrier is registered first
 * (see boot_machine).
 *
 * Boot without recursion: the booting thread marks itself; whatever it
 * allocates meanwhile (sysconf, pthread_atfork, dlsym may call malloc) is
 * served by a static bump arena, never freed. Other threads wait on the
 * boot mutex. kmm itself never calls malloc.
 *
 * The fork gate: each thread has a record {inside} in initial-exec TLS,
 * linked into a list the first time the thread enters. An operation stores
 * inside = 1, then reads `closed`; the forking thread stores closed = 1,
 * runs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) - a full barrier on
 * every running thread, the asymmetric half of a Dekker handshake - then
 * waits until every record reads inside = 0. Either the thread sees the gate
 * closed and backs off, or the forking thread sees it inside and waits, so
 * at fork no allocator lock is held and no list is half changed. Where
 * membarrier is missing, entering uses a full fence instead. The parent and
 * child handlers reopen the gate; the child's list holds only itself.
 *
 * Thread exit: a pthread key's destructor unlinks the thread's record.
 * Nothing else is per thread: kmm's object caches are per CPU (the next
 * thread on that CPU uses them), so there is nothing a thread must give
 * back. A thread that allocates after its destructor ran enters through a
 * shared counter instead of its record.
 */
#define _GNU_SOURCE
#include "malloc/kmm_malloc.h"

#include <kmm/hotplug.h>
#include <kmm/trace.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct km_state km;

/* ---- the boot arena ------------------------------------------------------ */

#define ARENA_SIZE (256u << 10)
static _Alignas(64) char arena[ARENA_SIZE];
static size_t arena_used;

struct arena_hdr {
	size_t size;
	size_t pad;
};

void *km_arena_alloc(size_t size, size_t align)
{
	size_t old, start, end;

	if (align < KM_ALIGN)
		align = KM_ALIGN;
	if (size > ARENA_SIZE || align > 4096)
		return NULL;
	old = __atomic_load_n(&arena_used, __ATOMIC_RELAXED);
	do {
		start = (old + sizeof(struct arena_hdr) + align - 1) & ~(align - 1);
		end = start + ((size + KM_ALIGN - 1) & ~(size_t)(KM_ALIGN - 1));
		if (end > ARENA_SIZE)
			return NULL;
	} while (!__atomic_compare_exchange_n(&arena_used, &old, end, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	((struct arena_hdr *)(arena + start))[-1].size = size;
	return arena + start;
}

bool km_in_arena(const void *p)
{
	return (uintptr_t)p - (uintptr_t)arena < ARENA_SIZE;
}

size_t km_arena_usable(const void *p)
{
	return ((const struct arena_hdr *)p)[-1].size;
}

/* ---- the fork gate --------------------------------------------------------- */

KM_TLS struct km_thread km_self; /* the inline gate of kmm_malloc.h reads it */
static struct km_thread *threads;
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;
int km_gate_closed;
int km_gate_fence = 1;		  /* 1: no membarrier, enter with a full fence */
static unsigned long late_inside; /* threads past their exit destructor */

#ifndef MEMBARRIER_CMD_PRIVATE_EXPEDITED
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#endif

static int membarrier(int cmd)
{
#ifdef SYS_membarrier
	return (int)syscall(SYS_membarrier, cmd, 0, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static void thread_exit(void *arg)
{
	struct km_thread *t = arg;

	pthread_mutex_lock(&threads_lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		threads = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->registered = 2;
	pthread_mutex_unlock(&threads_lock);
}

static void register_thread(void)
{
	pthread_mutex_lock(&threads_lock);
	km_self.prev = NULL;
	km_self.next = threads;
	if (threads)
		threads->prev = &km_self;
	threads = &km_self;
	km_self.registered = 1;
	pthread_mutex_unlock(&threads_lock);
	pthread_setspecific(exit_key, &km_self);
}

/* The whole gate: the inline fast path of kmm_malloc.h calls it when that fails. */
void km_gate_enter_slow(void)
{
	if (km_unlikely(km_self.registered != 1)) {
		if (km_self.registered == 0) {
			register_thread();
		} else { /* after the thread's exit destructor: the shared counter */
			for (;;) {
				__atomic_add_fetch(&late_inside, 1, __ATOMIC_SEQ_CST);
				if (!__atomic_load_n(&km_gate_closed, __ATOMIC_SEQ_CST))
					return;
				__atomic_sub_fetch(&late_inside, 1, __ATOMIC_RELEASE);
				while (__atomic_load_n(&km_gate_closed, __ATOMIC_ACQUIRE))
					sched_yield();
			}
		}
	}
	while (!km_gate_try()) {
		__atomic_store_n(&km_self.inside, 0, __ATOMIC_RELEASE);
		while (__atomic_load_n(&km_gate_closed, __ATOMIC_ACQUIRE))
			sched_yield();
	}
}

void km_gate_exit_late(void)
{
	__atomic_sub_fetch(&late_inside, 1, __ATOMIC_RELEASE);
}

static void fork_prepare(void)
{
	pthread_mutex_lock(&threads_lock);
	__atomic_store_n(&km_gate_closed, 1, __ATOMIC_SEQ_CST);
	if (km_gate_fence || membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (struct km_thread *t = threads; t; t = t->next)
		while (__atomic_load_n(&t->inside, __ATOMIC_ACQUIRE))
			sched_yield();
	while (__atomic_load_n(&late_inside, __ATOMIC_ACQUIRE))
		sched_yield();
	km_huge_lock();
}

static void fork_parent(void)
{
	km_huge_unlock();
	__atomic_store_n(&km_gate_closed, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&threads_lock);
}

static void fork_child(void)
{
	/* Only the forking thread exists here. */
	threads = NULL;
	late_inside = 0;
	if (km_self.registered == 1) {
		km_self.next = km_self.prev = NULL;
		threads = &km_self;
	}
	/* membarrier registration is not inherited: register again. */
	if (!km_gate_fence && membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
		km_gate_fence = 1;
	km_huge_unlock();
	__atomic_store_n(&km_gate_closed, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&threads_lock);
}

/* ---- booting the machine --------------------------------------------------- */

static pthread_mutex_t boot_lock = PTHREAD_MUTEX_INITIALIZER;
static KM_TLS int booting;

static void say(const char *text)
{
	ssize_t r = write(2, text, strlen(text));

	(void)r;
}

/* memparse: digits with an optional K/M/G/T suffix; 0 when malformed. */
static uint64_t parse_size(const char *s)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	switch (*s) {
	case 'k':
	case 'K':
		v <<= 10;
		s++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		s++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		s++;
		break;
	case 't':
	case 'T':
		v <<= 40;
		s++;
		break;
	default:
		break;
	}
	return (*s == '\0' || *s == ' ' || *s == '\t') ? v : 0;
}

/*
 * What the machine string adds to the host's memory and CPUs, before
 * KMM_CMDLINE (whose keys come last and win). Deferred init grows by one
 * largest buddy block (4 MiB with 4 KiB pages), not by a section: boot
 * writes 32 KiB of memmap, not 1 MiB. No kswapd or kcompactd thread: the
 * machine grows a block when an allocation fails (grow.c) rather than
 * reclaiming ahead of its watermarks, and direct reclaim and compaction
 * serve it at its limit; the two threads cost a process about 0.9 ms of wall time to
 * start and stop, and make a single-threaded program multi-threaded
 * (docs/malloc.md).
 */
/* The memory the machine boots with: one memory block (grow.c adds the others). */
#define KM_BOOT_BYTES (128ull << 20)
/* The smallest machine, under a tight address-space limit (fit_address_limit). */
#define KM_MIN_BYTES (16ull << 20)
#define KM_MIN_STEP (4ull << 20)

static uint64_t boot_bytes(uint64_t mem)
{
	return mem < KM_BOOT_BYTES ? mem : KM_BOOT_BYTES;
}

#define KM_MACHINE_KEYS "kswapd=0 kcompactd=0 deferred_struct_page_init.chunk=block"

/*
 * The machine boots with its first memory block and grows to `mem` by
 * hotplug (grow.c): maxmem= and memhp_default_state= come after the user's
 * keys, which cannot turn the growth off or make it add offline blocks.
 */
static void machine_string(char *buf, size_t len, uint64_t mem, long cpus, const char *rest)
{
	if (mem <= KM_BOOT_BYTES) /* too small to grow (fit_address_limit) */
		snprintf(buf, len,
			 "memmap=exactmap memmap=%lluM@4G nr_cpus=%ld " KM_MACHINE_KEYS " %s",
			 (unsigned long long)(mem >> 20), cpus, rest);
	else
		snprintf(buf, len,
			 "memmap=exactmap memmap=%lluM@4G nr_cpus=%ld " KM_MACHINE_KEYS
			 " %s maxmem=%lluM memhp_default_state=online_kernel",
			 (unsigned long long)(KM_BOOT_BYTES >> 20), cpus, rest,
			 (unsigned long long)(((4ull << 30) + mem) >> 20));
}

/* KMM_CMDLINE without its mem= token into rest; the limit and CPUs from the host and it. */
static void build_cmdline(char *rest, size_t len, uint64_t *mem_out, long *cpus_out)
{
	const char *user = getenv("KMM_CMDLINE");
	size_t r = 0;
	uint64_t mem = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	long cpus = sysconf(_SC_NPROCESSORS_CONF); /* reads /sys: once per boot */

	rest[0] = '\0';
	while (user && *user) {
		const char *end = user;

		while (*end == ' ' || *end == '\t' || *end == '\n')
			end++;
		user = end;
		while (*end && *end != ' ' && *end != '\t' && *end != '\n')
			end++;
		if (end == user)
			break;
		if (!strncmp(user, "mem=", 4) && parse_size(user + 4))
			mem = parse_size(user + 4);
		else if ((size_t)(end - user) + 2 < len - r) {
			memcpy(rest + r, user, (size_t)(end - user));
			r += (size_t)(end - user);
			rest[r++] = ' ';
			rest[r] = '\0';
		}
		user = end;
	}
	mem &= ~((128ull << 20) - 1);
	if (mem < (256ull << 20))
		mem = 256ull << 20;
	if (cpus < 1)
		cpus = 1;
	if (cpus > 256)
		cpus = 256;
	*mem_out = mem;
	*cpus_out = cpus;
}

/*
 * The machine's RAM, [4G, 4G + mem) in its physical address space:
 * address space with no access (a no-access private mapping is not
 * charged to a commit limit), the first memory block committed; hotplug
 * commits the rest as the machine grows (grow.c). The 4 GiB below it are
 * a hole of the memory map, which the machine never touches, so they are
 * not mapped: the region given to kmm_machine_create_on_zeroed starts 4G
 * below the mapping. Returns the mapping, aligned to 4 MiB, or NULL.
 */
static char *map_ram(uint64_t mem)
{
	size_t align = 4u << 20, size = (size_t)mem;
	char *p = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	char *base;

	if (p != MAP_FAILED && (uintptr_t)p < (4ull << 30)) {
		/* no room for the hole below it: ask for a place higher up */
		munmap(p, size + align);
		p = mmap((void *)(1ull << 40), size + align, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED && (uintptr_t)p < (4ull << 30)) {
			munmap(p, size + align);
			return NULL;
		}
	}
	if (p == MAP_FAILED)
		return NULL;
	base = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (base > p)
		munmap(p, (size_t)(base - p));
	if (base + size < p + size + align)
		munmap(base + size, (size_t)(p + size + align - (base + size)));
	if (mprotect(base, (size_t)boot_bytes(mem), PROT_READ | PROT_WRITE)) {
		munmap(base, size);
		return NULL;
	}
	return base;
}

/* The process's address space now, from /proc/self/statm (0 if unreadable). */
static uint64_t address_space_used(void)
{
	char buf[64];
	uint64_t pages = 0;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		pages = pages * 10 + (uint64_t)(buf[i] - '0');
	return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * Under an address-space limit (RLIMIT_AS, ulimit -v) the machine takes
 * at most half of what the process has left, so the program keeps the
 * other half for its stacks, libraries and the huge blocks (huge.c maps
 * those apart): its memory plus its memmap's address space (32 bytes a
 * page of [0, 4G + mem), 32 MiB for the hole). Returns mem, lowered to
 * fit: a multiple of the boot block, or below one block a machine that
 * cannot grow, in 4 MiB steps; 0 if not even KM_MIN_BYTES fits.
 */
static uint64_t fit_address_limit(uint64_t mem)
{
	struct rlimit rl;
	uint64_t used, left, hole_memmap = (4ull << 30) / 128, fit;

	if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return mem;
	used = address_space_used();
	left = rl.rlim_cur > used ? (uint64_t)rl.rlim_cur - used : 0;
	if (left / 2 <= hole_memmap)
		return 0;
	fit = (left / 2 - hole_memmap) / 129 * 128; /* RAM and its memmap, 128:1 */
	fit &= ~((fit < KM_BOOT_BYTES ? KM_MIN_STEP : KM_BOOT_BYTES) - 1);
	if (fit < KM_MIN_BYTES)
		return 0;
	return fit < mem ? fit : mem;
}

/*
 * The size classes are created on first use, not at boot: a process that
 * mallocs a few sizes pays for a few caches (each a kmem_cache with its
 * per-CPU arrays and a first slab), not 44. km_class() reads km.cls[c]
 * with acquire; a miss comes here, inside the fork gate, and creates the
 * cache under class_lock, so two threads' first use of a class make one
 * cache, and fork (which waits until no thread is inside the gate) never
 * copies the lock held or a cache half made. A class not used yet is
 * absent from slabinfo and mallinfo2, as a cache not created yet is.
 */
static pthread_mutex_t class_lock = PTHREAD_MUTEX_INITIALIZER;

struct kmem_cache *km_class_create(unsigned int c)
{
	static char names[KM_NR_CLASSES][24];
	struct kmem_cache *s;
	unsigned int size, align;

	pthread_mutex_lock(&class_lock);
	s = km.cls[c];
	if (s)
		goto out;
	if (c < 16) {
		size = 16 * (c + 1);
	} else {
		unsigned int g = (c - 16) / 8, k = (c - 16) % 8;

		size = (256u << g) + (k + 1) * (32u << g);
	}
	/* power-of-two classes up to a page are aligned to their size (memalign) */
	align = (size & (size - 1)) || size > km.page_size ? KM_ALIGN : size;
	snprintf(names[c], sizeof(names[c]), "malloc-%u", size);
	s = kmm_kmem_cache_create(km.m, names[c], size, align, 0, NULL);
	if (s)
		__atomic_store_n(&km.cls[c], s, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&class_lock);
	return s;
}

/*
 * KMM_RECORD=path: the machine's tracepoints go to path in kmm's trace
 * format (kmm record -o FILE --preload -- PROGRAM; src/linux/record.c, which
 * never calls malloc, so recording neither re-enters this allocator nor
 * changes the machine it records). KMM_RECORD_PID, when set, names the one
 * process that records. Closed at exit.
 */
static void stop_recording(void)
{
	kmm_machine *m = __atomic_load_n(&km.m, __ATOMIC_ACQUIRE);

	if (m)
		kmm_record_stop(m);
}

static void start_recording(kmm_machine *m)
{
	const char *path = getenv("KMM_RECORD"), *only = getenv("KMM_RECORD_PID");
	char err[256], msg[400];

	if (!path || !*path)
		return;
	if (only && *only && strtol(only, NULL, 10) != (long)getpid())
		return;
	if (kmm_record_start(m, path, err, sizeof(err)) != KMM_OK) {
		snprintf(msg, sizeof(msg), "libkmm-malloc: KMM_RECORD: %s\n", err);
		say(msg);
		return;
	}
	atexit(stop_recording);
}

static int boot_machine(void)
{
	char cmdline[1280], rest[1024], err[256];
	uint64_t mem;
	long cpus;
	size_t size;
	char *base, *ram = NULL;
	kmm_machine *m = NULL;
	const char *dbg = getenv("KMM_MALLOC_DEBUG");

	/*
	 * Register for membarrier while the process may still be single
	 * threaded: a machine with kswapd=1 or kcompactd=1 starts them as it
	 * boots, and registering a multi-threaded mm waits for an RCU grace
	 * period (sync_runqueues_membarrier_state), 10-30 ms of wall time here.
	 */
	if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0)
		km_gate_fence = 0;
	build_cmdline(rest, sizeof(rest), &mem, &cpus);
	mem = fit_address_limit(mem);
	/* a host that refuses the whole reservation gets a smaller machine */
	while (mem >= KM_MIN_BYTES && !(ram = map_ram(mem)))
		mem = (mem / 2) & ~((mem / 2 < KM_BOOT_BYTES ? KM_MIN_STEP : KM_BOOT_BYTES) - 1);
	if (!ram) {
		say(mem ? "libkmm-malloc: cannot map the machine's memory\n"
			: "libkmm-malloc: the address-space limit (RLIMIT_AS, ulimit -v) leaves no "
			  "room for the machine's memory\n");
		abort();
	}
	machine_string(cmdline, sizeof(cmdline), mem, cpus, rest);
	base = (char *)((uintptr_t)ram - (4ull << 30)); /* the hole is never touched: not mapped */
	size = (size_t)((4ull << 30) + mem);
	if (kmm_machine_create_on_zeroed(cmdline, base, size, &m, err, sizeof(err)) != KMM_OK) {
		char msg[1800];

		snprintf(msg, sizeof(msg),
			 "libkmm-malloc: KMM_CMDLINE: %s; booting the host-sized machine\n", err);
		say(msg);
		machine_string(cmdline, sizeof(cmdline), mem, cpus, "");
		if (kmm_machine_create_on_zeroed(cmdline, base, size, &m, err, sizeof(err)) !=
		    KMM_OK) {
			say("libkmm-malloc: cannot boot: ");
			say(err);
			say("\n");
			abort();
		}
	}
	km.page_size = kmm_page_size(m);
	km.debug_foreign = dbg && strstr(dbg, "foreign") != NULL;
	km.max_kmalloc = kmm_kmalloc_max_size(m);
	km.max_cache = kmm_kmalloc_max_cache_size(m);
	km.base = ram;
	km.size = (size_t)mem;
	km.grow_next = (4ull << 30) + ((boot_bytes(mem) + kmm_memory_block_size_bytes(m) - 1) &
				       ~(kmm_memory_block_size_bytes(m) - 1));
	km.grow_limit = size;
	km.gfp = km.grow_next < km.grow_limit ? KM_GFP_FULL | KMM_GFP_NORETRY : KM_GFP_FULL;
	pthread_key_create(&exit_key, thread_exit);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	km_classes_init();
	km_stats_init();
	start_recording(m);
	__atomic_store_n(&km.m, m, __ATOMIC_RELEASE);
	return 0;
}

int km_boot_slow(void)
{
	if (__atomic_load_n(&km.m, __ATOMIC_ACQUIRE))
		return 0;
	if (booting)
		return -1;
	pthread_mutex_lock(&boot_lock);
	if (!km.m) {
		booting = 1;
		boot_machine();
		booting = 0;
	}
	pthread_mutex_unlock(&boot_lock);
	return 0;
}
