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
