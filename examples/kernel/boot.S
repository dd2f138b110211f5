/* SPDX-License-Identifier: MIT */
/*
 * examples/kernel/boot.S - from the boot loader to C, for the kmm kernel.
 *
 * QEMU's -kernel loader (and GRUB's `multiboot` command) load this flat
 * image at 1 MiB through the multiboot header below (the address fields say
 * where each part goes, so no ELF parsing is needed) and jump to _start32 in
 * 32-bit protected mode with paging off, EAX = the multiboot magic and
 * EBX = the physical address of the multiboot information.
 *
 * _start32 builds the smallest page tables that reach long mode (the first
 * 1 GiB identity-mapped with 2 MiB pages: the kernel image, its stack and
 * the boot loader's tables all live there), turns on SSE (the kmm core is
 * ordinary x86_64 code and may use it), enables PAE and long mode, loads a
 * flat GDT and enters start64, which calls kmain(magic, info). The direct
 * map that kmm uses is built later in C (main.c). Interrupts stay off; the
 * exception stubs at the end report a fault on the serial port (trap.c).
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 1) | (1 << 16)) /* memory map wanted; address fields valid */

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long __image_start	/* load_addr */
	.long __load_end	/* load_end_addr: end of the bytes in the file */
	.long __bss_end		/* bss_end_addr: the loader zeroes up to here */
	.long _start32		/* entry_addr */

	.section .bss
	.align 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
	.globl boot_pdpt
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
	.align 16
boot_stack:	.skip 262144
boot_stack_top:

	.section .data
	.align 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt
boot_magic:	.long 0
boot_info:	.long 0

	.section .text
	.code32
	.globl _start32
_start32:
	cli
	movl	$boot_stack_top, %esp
	movl	%eax, boot_magic
	movl	%ebx, boot_info

	/* 512 large pages of 2 MiB: the first 1 GiB, identity-mapped. */
	movl	$boot_pd, %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax		/* present, writable, 2 MiB page */
	movl	%eax, (%edi,%ecx,8)
	movl	$0, 4(%edi,%ecx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jne	1b
	movl	$boot_pd, %eax
	orl	$3, %eax
	movl	%eax, boot_pdpt
	movl	$boot_pdpt, %eax
	orl	$3, %eax
	movl	%eax, boot_pml4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3

	movl	%cr4, %eax
	orl	$((1 << 5) | (1 << 9) | (1 << 10)), %eax /* PAE, OSFXSR, OSXMMEXCPT */
	movl	%eax, %cr4
	movl	$0xc0000080, %ecx	/* EFER */
	rdmsr
	orl	$(1 << 8), %eax		/* LME */
	wrmsr
	movl	%cr0, %eax
	andl	$~(1 << 2), %eax	/* no x87 emulation */
	orl	$((1 << 31) | (1 << 1) | 1), %eax /* PG, MP, PE */
	movl	%eax, %cr0
	lgdt	gdt_ptr
	ljmp	$0x08, $start64

	.code64
start64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movabsq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	movl	boot_magic(%rip), %edi
	movl	boot_info(%rip), %esi
	call	kmain
2:	cli
	hlt
	jmp	2b


/*
 * The application processors' way in. smp.c copies ap_trampoline to
 * physical 0x8000 (AP_TRAMPOLINE) and wakes the other CPUs with INIT and
 * STARTUP IPIs; each starts there in 16-bit real mode, loads the small GDT
 * below, enters protected mode, then long mode with the boot CPU's page
 * tables, and jumps to ap_start64 in the kernel image, which takes the next
 * stack of ap_stacks (an atomic counter hands out CPU numbers 1, 2, ...)
 * and calls ap_main(cpu). Addresses inside the copy are computed relative
 * to AP_TRAMPOLINE because it does not run where it was linked.
 */
#define AP_TRAMPOLINE 0x8000
#define TRAMP(sym) ((sym) - ap_trampoline + AP_TRAMPOLINE)
#define AP_STACK_SIZE 65536

	.code16
	.globl ap_trampoline, ap_trampoline_end
	.align 16
ap_trampoline:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TRAMP(ap_gdt_ptr)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x18, $TRAMP(ap_pm32)

	.code32
ap_pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$((1 << 5) | (1 << 9) | (1 << 10)), %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$(1 << 8), %eax
	wrmsr
	movl	%cr0, %eax
	andl	$~(1 << 2), %eax
	orl	$((1 << 31) | (1 << 1) | 1), %eax
	movl	%eax, %cr0
	ljmp	$0x08, $ap_start64

	.align 8
ap_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00cf9a000000ffff	/* 0x18: 32-bit code */
ap_gdt_end:
ap_gdt_ptr:
	.word ap_gdt_end - ap_gdt - 1
	.long TRAMP(ap_gdt)
ap_trampoline_end:

	.code64
ap_start64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$1, %edi
	lock xaddl %edi, ap_next_cpu(%rip)	/* edi = this CPU's number */
	cmpl	$8, %edi			/* no stack for a ninth CPU */
	jae	4f
	movl	%edi, %eax
	incl	%eax
	imull	$AP_STACK_SIZE, %eax
	leaq	ap_stacks(%rip), %rsp
	addq	%rax, %rsp
	xorl	%ebp, %ebp
	call	ap_main
4:	cli
	hlt
	jmp	4b

	.section .data
	.align 4
ap_next_cpu:	.long 1
	.section .bss
	.align 16
	.globl ap_stacks
ap_stacks:	.skip AP_STACK_SIZE * 8	/* CPUs 1..7; slot 0 unused */
	.section .text

/*
 * Exception stubs: vector numbers 0..31. Vectors that push an error code
 * (8, 10-14, 17, 21, 29, 30) get none added; the others push a zero so that
 * every frame looks alike: vector, error code, then the CPU's RIP, CS, RFLAGS.
 */
	.macro trap_stub vec
	.align 16
trap_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
	.endm

	.align 16
trap_common:
	movq	%rsp, %rdi
	andq	$~15, %rsp
	call	kernel_trap
3:	cli
	hlt
	jmp	3b

	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	trap_stub \v
	.endr

	.section .rodata
	.align 8
	.globl trap_stubs
trap_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_\v
	.endr

	.section .note.GNU-stack, "", @progbits
