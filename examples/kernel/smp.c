/* SPDX-License-Identifier: MIT */
/*
 * examples/kernel/smp.c - bringing up the other CPUs.
 *
 * The boot CPU maps the local APIC (0xfee00000, uncached, through a page
 * directory for the 3-4 GiB range of the identity map), copies the real-mode
 * trampoline of boot.S to physical 0x8000 (a page main.c keeps out of kmm's
 * hands), and sends INIT, then STARTUP twice, to all other CPUs (the "all
 * excluding self" shorthand, so no ACPI table needs reading). Each CPU that
 * arrives takes a number from boot.S's counter, points GS at its
 * struct cpu_local and counts itself in; smp_start_aps waits (a bounded spin
 * on the TSC) until the count stops changing.
 *
 * After that every CPU runs one thread of control: ap_main waits for work
 * from main.c (smp_run_on_aps) and reports completion. There are no
 * interrupts, so nothing preempts a CPU inside kmm's per-CPU sections.
 */
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

#define AP_TRAMPOLINE 0x8000ul
#define LAPIC_BASE 0xfee00000ul
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_INIT 0x4500u    /* INIT, level assert */
#define ICR_STARTUP 0x4600u /* STARTUP; low byte: the trampoline's page number */

extern uint64_t boot_pml4[512], boot_pdpt[512];
extern const char ap_trampoline[], ap_trampoline_end[];

static uint64_t pd_3g[512] __attribute__((aligned(4096)));
static struct cpu_local cpu_locals[KERNEL_MAX_CPUS];
static volatile int cpus_up = 1;
static void (*volatile ap_work)(unsigned long cpu);
static volatile unsigned long ap_work_gen;
static volatile int ap_work_done;

struct cpu_local *cpu_local_of(unsigned long cpu)
{
	return &cpu_locals[cpu < KERNEL_MAX_CPUS ? cpu : 0];
}

static void set_gs(unsigned long cpu)
{
	cpu_locals[cpu].cpu = cpu;
	wrmsr(0xc0000101, (uint64_t)(uintptr_t)&cpu_locals[cpu]); /* IA32_GS_BASE */
}

void smp_init_bsp(void)
{
	set_gs(0);
}

static void lapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

static int lapic_busy(void)
{
	return (*(volatile uint32_t *)(LAPIC_BASE + LAPIC_ICR_LO) >> 12) & 1;
}

static void send_ipi(uint32_t icr)
{
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, icr);
	for (int i = 0; i < 100000 && lapic_busy(); i++)
		cpu_pause();
}

void ap_main(unsigned long cpu);

void ap_main(unsigned long cpu)
{
	unsigned long seen = 0;

	set_gs(cpu);
	__atomic_add_fetch(&cpus_up, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		while (__atomic_load_n(&ap_work_gen, __ATOMIC_ACQUIRE) == seen)
			cpu_pause();
		seen = ap_work_gen;
		ap_work(cpu);
		__atomic_add_fetch(&ap_work_done, 1, __ATOMIC_SEQ_CST);
	}
}

int smp_start_aps(void)
{
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline);
	int last;

	pd_3g[(LAPIC_BASE - 0xc0000000ul) >> 21] = (LAPIC_BASE & ~0x1ffffful) | 0x9b; /* PCD|PWT */
	boot_pdpt[3] = (uint64_t)(uintptr_t)pd_3g | 3;
	write_cr3((uint64_t)(uintptr_t)boot_pml4);
	__builtin_memcpy((void *)AP_TRAMPOLINE, ap_trampoline, len);

	send_ipi(ICR_ALL_BUT_SELF | ICR_INIT);
	udelay(10000);
	for (int i = 0; i < 2; i++) {
		send_ipi(ICR_ALL_BUT_SELF | ICR_STARTUP | (uint32_t)(AP_TRAMPOLINE >> 12));
		udelay(200);
	}
	/* Wait until no new CPU has arrived for 100 ms (TCG is slow to start them). */
	do {
		last = cpus_up;
		udelay(100000);
	} while (cpus_up != last);
	return cpus_up > KERNEL_MAX_CPUS ? KERNEL_MAX_CPUS : cpus_up;
}

/* Run work(cpu) on every other CPU; returns once all have finished. */
void smp_run_on_aps(void (*work)(unsigned long cpu))
{
	ap_work_done = 0;
	ap_work = work;
	__atomic_add_fetch(&ap_work_gen, 1, __ATOMIC_RELEASE);
}

void smp_wait_aps(int nr_aps)
{
	while (__atomic_load_n(&ap_work_done, __ATOMIC_ACQUIRE) < nr_aps)
		cpu_pause();
}
