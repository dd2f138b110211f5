/* SPDX-License-Identifier: MIT */
/*
 * examples/kernel/arch.h - the x86_64 instructions the kmm kernel needs:
 * port I/O, the time-stamp counter, control registers. Nothing else of the
 * CPU is touched.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause");
}

/* The console (serial.c) and the way out (QEMU's isa-debug-exit device). */
void serial_init(void);
void serial_write(const char *s, unsigned long len);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void kernel_exit(int failed);

/* Time (platform.c): the TSC, calibrated against the PIT. */
void time_init(void);
void udelay(unsigned long us);

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/*
 * Per-CPU data (smp.c): GS points at each CPU's struct cpu_local, so the
 * CPU number and the platform's per-thread words are one %gs load away.
 */
#define KERNEL_MAX_CPUS 8
#define CPU_LOCAL_WORDS 64
struct cpu_local {
	unsigned long cpu;
	uintptr_t words[CPU_LOCAL_WORDS];
};

static inline unsigned long this_cpu(void)
{
	unsigned long cpu;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(cpu));
	return cpu;
}

struct cpu_local *cpu_local_of(unsigned long cpu);
void smp_init_bsp(void);
/* Wake the other CPUs; returns how many CPUs run (1 when alone). */
int smp_start_aps(void);
/* Start work(cpu) on every other CPU; smp_wait_aps waits until all finished. */
void smp_run_on_aps(void (*work)(unsigned long cpu));
void smp_wait_aps(int nr_aps);

/* Exceptions (trap.c). */
void trap_init(void);

#endif /* KERNEL_ARCH_H */
