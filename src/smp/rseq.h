/* SPDX-License-Identifier: MIT */
/*
 * smp/rseq.h - the one restartable sequence kmm runs: "on CPU c, if *word
 * is 0, store 1 into it" (librseq's rseq_cmpeqv_storev with constants).
 *
 * A restartable sequence is a stretch of code the kernel promises to run
 * without interference from another thread on the same CPU: if the thread
 * is preempted, migrated or signalled between the start and the commit
 * (the last instruction, a single store), the kernel resumes it at an abort
 * handler instead, and the store never happened. glibc (2.35 and later)
 * registers an rseq area (struct rseq) for every thread at the thread
 * pointer plus __rseq_offset; the kernel keeps its cpu_id field (offset 4)
 * current, and a sequence is announced by storing the address of its
 * descriptor (struct rseq_cs, in section __rseq_cs) into its rseq_cs field
 * (offset 8). The abort handler must be preceded by the signature glibc
 * registered (RSEQ_SIG, 0x53053053 on x86).
 *
 * smp/cpu_lock.h builds the per-CPU lock on it: the threads of CPU c take
 * CPU c's locks with this sequence, without an atomic instruction, and are
 * still mutually exclusive because no two of them can be inside the
 * sequence at once. Threads of other CPUs use compare-and-swap plus an
 * rseq fence (cpu_lock.h explains the protocol).
 *
 * Only x86_64 has the assembly; elsewhere, and in ThreadSanitizer builds
 * (whose instrumentation cannot see inside assembly), KMM_HAVE_RSEQ is 0
 * and every per-CPU lock is a compare-and-swap lock.
 */
#ifndef KMM_SMP_RSEQ_H
#define KMM_SMP_RSEQ_H

#include "lib/compiler.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KMM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define KMM_TSAN 1
#endif

#if defined(__x86_64__) && !defined(KMM_TSAN)
#define KMM_HAVE_RSEQ 1
#else
#define KMM_HAVE_RSEQ 0
#endif

/* What rseq_trylock found. */
enum rseq_trylock_result {
	RSEQ_TAKEN, /* the word was 0 and is now 1 */
	RSEQ_BUSY,  /* the word was not 0: nothing stored */
	RSEQ_MOVED, /* not on `cpu`, or preempted / migrated / signalled: nothing stored */
};

#if KMM_HAVE_RSEQ

/*
 * The assembly every sequence shares. KMM_RSEQ_START emits the sequence's
 * descriptor (struct rseq_cs: version 0, flags 0, start 1f, length to the
 * commit label 2f, abort handler 4f) into __rseq_cs, registers it in
 * __rseq_cs_ptr_array, announces it in this thread's rseq area and opens the
 * sequence at label 1; it needs the rseq offset as operand [off] and
 * clobbers rax. KMM_RSEQ_ABORT opens the abort handler (label 4) in
 * __rseq_failure, after the signature the kernel checks (ud1
 * 0x53053053(%rip), %edi); the caller writes the handler's body and closes
 * the section.
 */
#define KMM_RSEQ_START                                 \
	".pushsection __rseq_cs, \"aw\"\n\t"           \
	".balign 32\n\t"                               \
	"3:\n\t"                                       \
	".long 0, 0\n\t"                               \
	".quad 1f, (2f - 1f), 4f\n\t"                  \
	".popsection\n\t"                              \
	".pushsection __rseq_cs_ptr_array, \"aw\"\n\t" \
	".quad 3b\n\t"                                 \
	".popsection\n\t"                              \
	"leaq 3b(%%rip), %%rax\n\t"                    \
	"movq %%rax, %%fs:8(%[off])\n\t"               \
	"1:\n\t"

#define KMM_RSEQ_ABORT                            \
	".pushsection __rseq_failure, \"ax\"\n\t" \
	".byte 0x0f, 0xb9, 0x3d\n\t"              \
	".long 0x53053053\n\t"                    \
	"4:\n\t"

/* The CPU number the kernel keeps in this thread's rseq area. */
static inline uint32_t rseq_cpu_id(long rseq_offset)
{
	uint32_t cpu;

	__asm__ __volatile__("movl %%fs:4(%1), %0" : "=r"(cpu) : "r"(rseq_offset));
	return cpu;
}

/* On CPU `cpu`: if *word == 0, *word = 1, as one restartable sequence. */
static inline enum rseq_trylock_result rseq_trylock(uintptr_t *word, uint32_t cpu, long rseq_offset)
{
	__asm__ __volatile__ goto(KMM_RSEQ_START "cmpl %[cpu], %%fs:4(%[off])\n\t"
						 "jnz 4f\n\t"
						 "cmpq $0, %[word]\n\t"
						 "jnz %l[busy]\n\t"
						 /* commit */
						 "movq $1, %[word]\n\t"
						 "2:\n\t" KMM_RSEQ_ABORT "jmp %l[moved]\n\t"
						 ".popsection\n\t"
				  :
				  : [cpu] "r"(cpu), [off] "r"(rseq_offset), [word] "m"(*word)
				  : "memory", "cc", "rax"
				  : busy, moved);
	return RSEQ_TAKEN;
busy:
	return RSEQ_BUSY;
moved:
	return RSEQ_MOVED;
}

#else

static inline uint32_t rseq_cpu_id(long rseq_offset)
{
	(void)rseq_offset;
	return 0;
}

static inline enum rseq_trylock_result rseq_trylock(uintptr_t *word, uint32_t cpu, long rseq_offset)
{
	(void)word;
	(void)cpu;
	(void)rseq_offset;
	return RSEQ_BUSY;
}

#endif /* KMM_HAVE_RSEQ */

#endif /* KMM_SMP_RSEQ_H */
