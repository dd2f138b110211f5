/* SPDX-License-Identifier: MIT */
/*
 * platform/platform.h - the whole contract between the kmm core and its host.
 *
 * The core (everything under src/ except src/platform/ and src/linux/) is
 * compiled -ffreestanding and calls nothing but these functions (plus the
 * four that GCC requires of any freestanding environment: memcpy, memmove,
 * memset, memcmp). A host supplies exactly one implementation file:
 * posix.c for Linux user space; a kernel or firmware supplies its own.
 *
 * Physical memory is an object the host can map: on POSIX a memfd whose
 * untouched pages cost nothing. A host that cannot remap (a kernel handing
 * kmm one region) says so with caps.can_remap = 0 and the core then uses
 * the caller's region as both physical memory and direct map.
 *
 * None of these functions may allocate through kmm or call back into it.
 */
#ifndef KMM_PLATFORM_H
#define KMM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

struct kmm_os_caps {
	int can_remap;	/* map the same physical range at a second address */
	int can_commit; /* kmm_os_commit works: a caller's region can grow (maxmem=) */
	unsigned long host_page_size;
};

void kmm_os_caps(struct kmm_os_caps *caps);

/* Physical memory: create a sparse object of `size` bytes, reading as zeroes; 0 or -errno. */
int kmm_os_phys_create(uint64_t size, intptr_t *handle);
void kmm_os_phys_destroy(intptr_t handle);
/*
 * Grow (or shrink) the physical-memory object to `size` bytes, keeping what
 * lies below both sizes; new bytes read as zero and cost nothing until
 * touched. Memory hotplug calls it before mapping a hot-added range. 0 or
 * -errno (-ENOSYS: the host cannot, and hotplug is refused).
 */
int kmm_os_phys_resize(intptr_t handle, uint64_t size);

/*
 * Map [offset, offset + size) of physical memory, read-write, shared.
 * `at` == NULL lets the host choose; otherwise the mapping replaces
 * whatever is at `at` (which must lie inside a reservation). NULL on error.
 */
void *kmm_os_phys_map(intptr_t handle, uint64_t offset, size_t size, void *at);

/* Reserve address space with no access; NULL on error. */
void *kmm_os_reserve(size_t size);
/* Give back a reservation or mapping. */
void kmm_os_unmap(void *addr, size_t size);
/*
 * Tell the host the contents of [addr, addr+size) are no longer needed.
 * 1 when the host released the frames and the range now reads as zeroes
 * (the next touch faults in a zero page), 0 when its contents are unknown
 * or kept: nothing was done, or the host refills the range from somewhere
 * else (a private mapping of a file reads the file again). The core marks
 * a free block it discarded as known-zero only on 1 (docs/zones.md).
 */
int kmm_os_discard(void *addr, size_t size);
/*
 * Commit [addr, addr + size), page aligned, of a reservation (kmm_os_reserve,
 * or address space a caller reserved with no access for a machine on its
 * region with maxmem=): it becomes private memory, readable and writable,
 * reading as zero until written. Memory hotplug on a caller's region calls
 * it for the hot-added range and its memmap. 0 or -errno: -ENOMEM when the
 * host will not commit (a commit limit: vm.overcommit_memory=2), -ENOSYS
 * when it cannot (caps.can_commit = 0). Committing committed memory keeps
 * its contents.
 */
int kmm_os_commit(void *addr, size_t size);

/*
 * Remapping (vmalloc, kmap, kernel stacks: src/vmalloc/, src/highmem/).
 * kmm_os_phys_map_fixed maps [offset, offset + size) of the physical-memory
 * object read-write at `at`, which lies inside a reservation of
 * kmm_os_reserve, replacing what was there: the page-table update of
 * vmap_pages_range. kmm_os_unmap_fixed returns [addr, addr + size) to its
 * reservation (no access, a later touch faults): vunmap_range. Both
 * return 0 or -errno (-ENOMEM when the host is out of mappings,
 * vm.max_map_count). A kernel implements them with its page tables (and
 * a TLB flush for unmap); a host that cannot remap returns -ENOSYS, and
 * the machine then has no vmalloc and no real highmem (docs/platform.md).
 *
 * kmm_os_phys_discard tells the host [offset, offset + size) of the
 * physical-memory object is no longer needed, without a mapping (a hole
 * punched in the memfd): highmem frames have none. 1 when the range now
 * reads as zeroes, 0 when nothing was done (the contents are kept), or
 * -errno.
 */
/* The errno values the core tells apart (Linux's numbers; the core has no errno.h). */
#define KMM_OS_ENOMEM 12
#define KMM_OS_ENOSYS 38
int kmm_os_phys_map_fixed(intptr_t handle, uint64_t offset, size_t size, void *at);
int kmm_os_unmap_fixed(void *addr, size_t size);
int kmm_os_phys_discard(intptr_t handle, uint64_t offset, uint64_t size);

/*
 * Holding off writers (vmalloc page migration, src/vmalloc/migrate.c: the
 * role of the kernel's migration entries). kmm_os_hold_writers makes
 * [addr, addr + size) of a kmm_os_phys_map_fixed mapping read-only: reads
 * go on, and a thread that writes there waits until the hold ends, then
 * its write happens (on whatever is mapped there by then).
 * kmm_os_release_writers ends the hold: `restore` makes the old mapping
 * writable again; without it the caller has already replaced the range
 * with a new kmm_os_phys_map_fixed (writable) mapping. 0 or -errno:
 * -ENOSYS where the host cannot (the example kernel: vmalloc'd pages then
 * never move), -ENOSPC when too many holds are live at once. A write made
 * by the host itself (a system call filling a held buffer) fails with
 * EFAULT instead of waiting: docs/compaction.md.
 */
int kmm_os_hold_writers(void *addr, size_t size);
void kmm_os_release_writers(void *addr, size_t size, int restore);

/*
 * The host's mappings of the physical-memory object inside [start, end),
 * for kmm_check: fn(ctx, addr, size, offset) once per mapping (a VMA of the
 * memfd), in address order. 0, or -errno (-ENOSYS: the host cannot tell;
 * the check is then skipped).
 */
int kmm_os_phys_mappings(intptr_t handle, const void *start, const void *end,
			 void (*fn)(void *ctx, uintptr_t addr, size_t size, uint64_t offset),
			 void *ctx);

/* Default log sink: the host's standard error, or console. */
void kmm_os_log(const char *text, size_t len);

/* Name of the running task ("comm"), NUL-terminated, for warnings. */
void kmm_os_task_name(char *buf, size_t len);

/* A hint of the host CPU this thread runs on (any non-negative number). */
unsigned int kmm_os_cpu_hint(void);

/* Let another thread run (spin-lock back-off). */
void kmm_os_yield(void);

/*
 * SMP support (smp/cpu.c). A host that registers restartable sequences
 * (rseq) for its threads says where each thread's struct rseq lies: at the
 * thread pointer plus rseq_offset (the same offset for every thread, as
 * glibc's __rseq_offset). rseq_size is 0 when there is no usable rseq area
 * (none registered, an architecture kmm has no rseq code for, or the user
 * set KMM_RSEQ=0 in the environment), and then the core locks its per-CPU
 * structures with compare-and-swap instead. rseq_fence is 1 when
 * kmm_os_rseq_fence works. host_cpus bounds the host's CPU numbers.
 */
struct kmm_os_smp {
	int host_cpus;
	long rseq_offset;
	unsigned int rseq_size;
	int rseq_fence;
};

void kmm_os_smp_caps(struct kmm_os_smp *smp);

/*
 * Restart every rseq critical section that threads of this process are
 * running on host CPU `cpu` (-1: on any CPU), and order memory as a full
 * barrier on that CPU (membarrier MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ).
 * 0 or -errno.
 */
int kmm_os_rseq_fence(int cpu);

/*
 * Register the calling thread's rseq area when the host registers areas
 * lazily (a thread that reads the kernel's "unregistered" CPU number, -1,
 * from its area calls this): 0 when the thread now has one, -1 when it
 * cannot or the host registers areas itself.
 */
int kmm_os_rseq_thread_init(void);

/* Per-thread words the core owns: zero when a thread starts, never freed. */
/* 0..15: get_cpu holds (smp/preempt.c); 16..63: the lock-order checker (lib/lockdep.c). */
#define KMM_OS_THREAD_WORDS 64
uintptr_t *kmm_os_thread_words(void);

/*
 * Threads and waiting (the reclaim layer: kswapd, free page reporting,
 * allocations that wait for memory). A host thread runs fn(arg) until it
 * returns; join waits for that and releases the thread. `name` is the
 * thread's name for the host's tools and for kmm_os_task_name ("kswapd0"),
 * at most 15 characters are kept. 0 or -errno.
 *
 * kmm_os_wait is a futex: if *addr still holds `expected`, sleep until
 * kmm_os_wake(addr, ...) is called on the same address or timeout_ns
 * passes (KMM_OS_WAIT_FOREVER: no timeout); return at once otherwise. It
 * may return early for no reason (a spurious wakeup): callers re-check
 * their condition in a loop. Returns 0 (woken, or the value differed) or
 * KMM_OS_TIMEDOUT. kmm_os_wake wakes up to `n` waiters on addr (INT_MAX:
 * all). The core calls both with no lock held but may call kmm_os_wake
 * from paths that must not sleep: it must never block.
 *
 * A freestanding kernel supplies these from its scheduler: a kernel
 * thread per kmm_os_thread_create (kthread_run), a wait queue hashed by
 * address for kmm_os_wait/kmm_os_wake (wait_var_event_timeout /
 * wake_up_var), and kmm_os_thread_words from its task struct. A host
 * without threads returns -ENOSYS from kmm_os_thread_create: the machine
 * then runs without kswapd (reclaim is direct only) and without free page
 * reporting, and kmm_os_wait may simply return (the callers loop).
 */
typedef uintptr_t kmm_os_thread;
int kmm_os_thread_create(kmm_os_thread *thread, const char *name, void (*fn)(void *arg), void *arg);
void kmm_os_thread_join(kmm_os_thread thread);

#define KMM_OS_WAIT_FOREVER UINT64_MAX
#define KMM_OS_TIMEDOUT 1
int kmm_os_wait(const uint32_t *addr, uint32_t expected, uint64_t timeout_ns);
void kmm_os_wake(const uint32_t *addr, int n);

/*
 * The name of the code at addr as the kernel's %pS prints it
 * ("function+0x1c/0x80") into buf; 0 when the host cannot tell (the caller
 * then prints the address). For /proc/vmallocinfo's caller column and the
 * slab layer's reports (the call sites and stacks of user tracking).
 */
size_t kmm_os_symbol(const void *addr, char *buf, size_t len);

/*
 * Run fn(arg) with the stack pointer at base + size (the stack grows down
 * to base; the `guard` bytes below base are unmapped), back on the
 * caller's stack when fn returns. A fault on the guard is reported as the
 * kernel reports it ("BUG: stack guard page was hit at %p (stack is
 * %p..%p)") from a handler on an alternate signal stack, then the host
 * aborts. 0, or -ENOSYS where the host has no stack switch (a kernel does
 * this with its own context switch and double-fault handler).
 */
int kmm_os_call_on_stack(void *base, size_t size, size_t guard, void (*fn)(void *arg), void *arg);

/*
 * The caller's stack, as the kernel's stack_trace_save: up to `max` return
 * addresses into addrs, innermost first - addrs[0] lies in the function that
 * called kmm_os_stack_trace, addrs[1] in its caller, and so on - after
 * dropping the first `skip` of them. Returns how many were stored; 0 when
 * the host cannot walk stacks (the slab layer's user tracking then keeps
 * only the call site, docs/slab.md). The slab layer calls it on every alloc
 * and free of a SLAB_STORE_USER cache; it may run while the core holds a
 * spinlock, under the program's own locks and from inside its malloc, so
 * it must not allocate through kmm (nor through the C library's malloc,
 * which may be kmm's own: libkmm-malloc) and must take no lock that such a
 * caller could hold.
 */
size_t kmm_os_stack_trace(uintptr_t *addrs, size_t max, size_t skip);

/* Monotonic nanoseconds. */
uint64_t kmm_os_now_ns(void);

/* Stop the program: used only when a report is configured to be fatal. */
__attribute__((noreturn)) void kmm_os_abort(void);

#endif /* KMM_PLATFORM_H */
