/* SPDX-License-Identifier: MIT */
/*
 * examples/kernel/platform.c - the kmm platform contract
 * (src/platform/platform.h) for a one-CPU kernel without a scheduler.
 *
 * Physical memory is the RAM itself: main.c maps all of it at the direct-map
 * base and boots the machine over it with kmm_machine_create_on, so the
 * memory-object calls (phys_create, phys_map, reserve) are never needed and
 * refuse; caps.can_remap = 0 tells the core so. The log is the serial port;
 * time is the TSC, calibrated at boot against the PIT's 1.193182 MHz clock;
 * each CPU runs one thread of control (so the per-thread words are per-CPU,
 * reached through GS), there is no rseq (no preemption: interrupts are off),
 * and "yield" or "abort" mean pause and a failed exit.
 *
 * Threads and waiting: there is no scheduler, so kmm_os_thread_create
 * refuses (-ENOSYS) and kmm runs without kswapd (reclaim is direct only)
 * and without free page reporting. kmm_os_wait spins with pause: it
 * returns when the word no longer holds `expected`, when kmm_os_wake was
 * called on any address since it started (a global wake generation: a
 * spurious wakeup the contract allows), or at the timeout. With all CPUs
 * running kmm code at once, a waiter on one CPU is released by a free or
 * a wake on another.
 */
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "platform/platform.h"

#define ENOSYS 38

static uint64_t tsc_per_us = 1000; /* until time_init: assume 1 GHz */
static uint64_t tsc_at_boot;

void time_init(void)
{
	/* PIT channel 2, gated by port 0x61 bit 0, counts 11932 ticks = 10 ms. */
	uint16_t count = 11932;
	uint64_t t0, t1;

	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, (uint8_t)count);
	outb(0x42, (uint8_t)(count >> 8));
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		cpu_pause();
	t1 = rdtsc();
	if (t1 > t0 + 10000)
		tsc_per_us = (t1 - t0) / 10000;
	tsc_at_boot = t0;
}

void udelay(unsigned long us)
{
	uint64_t end = rdtsc() + us * tsc_per_us;

	while (rdtsc() < end)
		cpu_pause();
}

void kmm_os_caps(struct kmm_os_caps *caps)
{
	caps->can_remap = 0;
	caps->can_commit = 0;
	caps->host_page_size = 4096;
}

int kmm_os_phys_create(uint64_t size, intptr_t *handle)
{
	(void)size;
	*handle = -1;
	return -ENOSYS;
}

void kmm_os_phys_destroy(intptr_t handle)
{
	(void)handle;
}

/* One fixed region from the firmware map: nothing to grow (no memory hotplug). */
int kmm_os_phys_resize(intptr_t handle, uint64_t size)
{
	(void)handle, (void)size;
	return -ENOSYS;
}

void *kmm_os_phys_map(intptr_t handle, uint64_t offset, size_t size, void *at)
{
	(void)handle, (void)offset, (void)size, (void)at;
	return NULL;
}

void *kmm_os_reserve(size_t size)
{
	(void)size;
	return NULL;
}

void kmm_os_unmap(void *addr, size_t size)
{
	(void)addr, (void)size;
}

int kmm_os_discard(void *addr, size_t size)
{
	(void)addr, (void)size; /* RAM stays RAM: nothing to give back to, contents kept */
	return 0;
}

/* RAM is what the firmware map says: no memory to commit later (no hotplug). */
int kmm_os_commit(void *addr, size_t size)
{
	(void)addr, (void)size;
	return -ENOSYS;
}

/*
 * Remapping: this kernel maps its RAM once at boot and keeps no page-table
 * editor for kmm, so it refuses. kmm then gives such a machine no vmalloc
 * area (vmalloc fails with a report) and highmem is reached through the
 * flat RAM mapping (docs/platform.md, docs/highmem.md). A kernel with a
 * page-table API would write the PTEs of [at, at + size) here and flush
 * the TLB in kmm_os_unmap_fixed.
 */
int kmm_os_phys_map_fixed(intptr_t handle, uint64_t offset, size_t size, void *at)
{
	(void)handle, (void)offset, (void)size, (void)at;
	return -ENOSYS;
}

int kmm_os_unmap_fixed(void *addr, size_t size)
{
	(void)addr, (void)size;
	return -ENOSYS;
}

int kmm_os_phys_discard(intptr_t handle, uint64_t offset, uint64_t size)
{
	(void)handle, (void)offset, (void)size;
	return 0; /* RAM stays RAM: nothing done, contents kept */
}

/*
 * Holding off writers needs page protection and a fault handler that
 * waits: this kernel has neither for kmm, so vmalloc'd pages never move
 * here (there is no vmalloc area anyway). A kernel with page tables would
 * write-protect the PTEs and make its page-fault handler wait for the
 * hold, as Linux does on a migration entry.
 */
int kmm_os_hold_writers(void *addr, size_t size)
{
	(void)addr, (void)size;
	return -ENOSYS;
}

void kmm_os_release_writers(void *addr, size_t size, int restore)
{
	(void)addr, (void)size, (void)restore;
}

int kmm_os_phys_mappings(intptr_t handle, const void *start, const void *end,
			 void (*fn)(void *ctx, uintptr_t addr, size_t size, uint64_t offset),
			 void *ctx)
{
	(void)handle, (void)start, (void)end, (void)fn, (void)ctx;
	return -ENOSYS;
}

void kmm_os_log(const char *text, size_t len)
{
	serial_write(text, len);
}

void kmm_os_task_name(char *buf, size_t len)
{
	static const char name[] = "swapper/0";

	for (size_t i = 0; i < len; i++) {
		buf[i] = i < sizeof(name) - 1 ? name[i] : '\0';
		if (!buf[i])
			break;
	}
	if (len)
		buf[len - 1] = '\0';
}

unsigned int kmm_os_cpu_hint(void)
{
	return (unsigned int)this_cpu();
}

void kmm_os_yield(void)
{
	cpu_pause();
}

void kmm_os_smp_caps(struct kmm_os_smp *smp)
{
	smp->host_cpus = KERNEL_MAX_CPUS;
	smp->rseq_offset = 0;
	smp->rseq_size = 0;
	smp->rseq_fence = 0;
}

int kmm_os_rseq_fence(int cpu)
{
	(void)cpu;
	return -ENOSYS;
}

/* One thread of control per CPU, so per-thread is per-CPU. */
_Static_assert(CPU_LOCAL_WORDS >= KMM_OS_THREAD_WORDS, "cpu_local words");

int kmm_os_rseq_thread_init(void)
{
	return -1; /* no rseq in a kernel */
}

uintptr_t *kmm_os_thread_words(void)
{
	return cpu_local_of(this_cpu())->words;
}

int kmm_os_thread_create(kmm_os_thread *thread, const char *name, void (*fn)(void *arg), void *arg)
{
	(void)name, (void)fn, (void)arg;
	*thread = 0;
	return -ENOSYS; /* no scheduler: no kernel threads */
}

void kmm_os_thread_join(kmm_os_thread thread)
{
	(void)thread; /* never created */
}

/* Bumped by every kmm_os_wake: a spinning waiter on any address returns. */
static uint32_t wake_generation;

int kmm_os_wait(const uint32_t *addr, uint32_t expected, uint64_t timeout_ns)
{
	uint32_t gen = __atomic_load_n(&wake_generation, __ATOMIC_ACQUIRE);
	uint64_t start = kmm_os_now_ns();

	while (__atomic_load_n(addr, __ATOMIC_ACQUIRE) == expected &&
	       __atomic_load_n(&wake_generation, __ATOMIC_ACQUIRE) == gen) {
		if (timeout_ns != KMM_OS_WAIT_FOREVER && kmm_os_now_ns() - start >= timeout_ns)
			return KMM_OS_TIMEDOUT;
		cpu_pause();
	}
	return 0;
}

void kmm_os_wake(const uint32_t *addr, int n)
{
	(void)addr, (void)n;
	__atomic_add_fetch(&wake_generation, 1, __ATOMIC_RELEASE);
}

uint64_t kmm_os_now_ns(void)
{
	return (rdtsc() - tsc_at_boot) * 1000 / tsc_per_us;
}

void kmm_os_abort(void)
{
	kprintf("Kernel panic - not syncing: kmm report configured as fatal\n");
	kernel_exit(1);
}

size_t kmm_os_symbol(const void *addr, char *buf, size_t len)
{
	(void)addr, (void)buf, (void)len;
	return 0; /* no symbol table: the address is printed */
}

size_t kmm_os_stack_trace(uintptr_t *addrs, size_t max, size_t skip)
{
	(void)addrs, (void)max, (void)skip;
	/*
	 * No unwinder in this example kernel: user tracking (slab_debug=U)
	 * keeps the call site only, and its reports print that one address.
	 * A kernel with frame pointers or ORC walks its own stack here.
	 */
	return 0;
}

int kmm_os_call_on_stack(void *base, size_t size, size_t guard, void (*fn)(void *arg), void *arg)
{
	(void)base, (void)size, (void)guard, (void)fn, (void)arg;
	return -ENOSYS; /* this example kernel has no second stack to switch to */
}
