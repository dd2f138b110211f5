/* SPDX-License-Identifier: MIT */
/*
 * examples/kernel/trap.c - what happens when the CPU faults: an IDT whose
 * 32 exception vectors lead (through the stubs in boot.S) to kernel_trap,
 * which prints the vector, error code, RIP and CR2 on the console in the
 * kernel's words ("BUG: unable to handle page fault for address: ...") and
 * ends the run as a failure. Interrupts are never enabled, so these are the
 * only entries.
 */
#include <stdint.h>

#include "arch.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* 0x8e: present, ring 0, 64-bit interrupt gate */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

struct trap_frame {
	uint64_t vector, error, rip, cs, rflags;
};

extern const uint64_t trap_stubs[32];
static struct idt_gate idt[32] __attribute__((aligned(16)));

void trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = {sizeof(idt) - 1, (uint64_t)idt};

	for (int v = 0; v < 32; v++) {
		uint64_t a = trap_stubs[v];

		idt[v] = (struct idt_gate){(uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16),
					   (uint32_t)(a >> 32), 0};
	}
	__asm__ volatile("lidt %0" : : "m"(desc));
}

void kernel_trap(struct trap_frame *f);

void kernel_trap(struct trap_frame *f)
{
	if (f->vector == 14)
		kprintf("BUG: unable to handle page fault for address: %lx (error %lx)\n",
			(unsigned long)read_cr2(), (unsigned long)f->error);
	kprintf("Oops: exception %lu, error code %lx\nRIP: 0010:%lx RFLAGS: %08lx\n",
		(unsigned long)f->vector, (unsigned long)f->error, (unsigned long)f->rip,
		(unsigned long)f->rflags);
	kprintf("Kernel panic - not syncing: Fatal exception\n");
	kernel_exit(1);
}
