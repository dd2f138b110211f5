/* SPDX-License-Identifier: MIT */
/*
 * slab/percpu_rseq.h - the two restartable sequences of the slab fast
 * path: pop an object from, and push one onto, a CPU's slab_array.
 *
 * In rseq mode (smp/cpu.h: every host CPU is a machine CPU, the host
 * registers rseq and can fence it) a thread on CPU c may change CPU c's
 * array inside a restartable sequence without taking its lock, as
 * tcmalloc's per-CPU caches do: the kernel aborts a sequence whose thread
 * is preempted, migrated or signalled before the commit (the final store
 * of the new count), so two sequences on one CPU never interleave. Each
 * sequence first requires the array's lock word to be 0, which keeps it
 * compatible with the lock of smp/cpu_lock.h, used by everything else:
 *  - a local lock holder (the slow paths: refill, flush) has stored 1, so
 *    sequences on that CPU give up (RSEQ_ARRAY_BUSY) and take the slow path;
 *  - a remote acquirer (drain, kmm_check) sets the word with a
 *    compare-and-swap and then fences the CPU: every sequence running
 *    there has committed or aborted by then, and every later one sees the
 *    word and gives up.
 * A push writes the entry before the commit: if the sequence aborts in
 * between, the slot above avail holds a stale pointer, which is harmless.
 *
 * Cost: no atomic instruction; the descriptor store, a CPU check, the lock
 * word, the count, the entry and the commit (docs/slab.md has the figures).
 * Only x86_64 has the assembly (KMM_HAVE_RSEQ, smp/rseq.h); elsewhere and in
 * ThreadSanitizer builds the fast path takes the array's lock instead.
 */
#ifndef KMM_SLAB_PERCPU_RSEQ_H
#define KMM_SLAB_PERCPU_RSEQ_H

#include "smp/rseq.h"

enum rseq_array_result {
	RSEQ_ARRAY_DONE,  /* popped / pushed */
	RSEQ_ARRAY_BUSY,  /* locked, empty (pop), full or a double free (push): go slow */
	RSEQ_ARRAY_MOVED, /* not on `cpu`, preempted, migrated or signalled: look again */
};

#if KMM_HAVE_RSEQ

/*
 * On CPU `cpu`: if *lock == 0 and *avail > 0, *out = entry[--*avail]. Not
 * an asm goto: the object comes back in a register, and the status too.
 */
static inline enum rseq_array_result rseq_array_pop(uintptr_t *lock, uint16_t *avail, void **entry,
						    uint32_t cpu, long rseq_offset, void **out)
{
	unsigned int ret;
	void *obj;

	__asm__ __volatile__(
		KMM_RSEQ_START "movl $2, %[ret]\n\t"
			       "cmpl %[cpu], %%fs:4(%[off])\n\t"
			       "jnz 6f\n\t"
			       "movl $1, %[ret]\n\t"
			       "xorl %k[obj], %k[obj]\n\t"
			       "cmpq $0, %[lock]\n\t"
			       "jnz 6f\n\t"
			       "movzwl %[avail], %%eax\n\t"
			       "testl %%eax, %%eax\n\t"
			       "jz 6f\n\t"
			       "subl $1, %%eax\n\t"
			       "movq (%[entry], %%rax, 8), %[obj]\n\t"
			       "xorl %[ret], %[ret]\n\t"
			       /* commit */
			       "movw %%ax, %[avail]\n\t"
			       "2:\n\t" KMM_RSEQ_ABORT "movl $2, %[ret]\n\t"
			       "jmp 6f\n\t"
			       ".popsection\n\t"
			       "6:\n\t"
		: [ret] "=&r"(ret), [obj] "=&r"(obj), [avail] "+m"(*avail)
		: [cpu] "r"(cpu), [off] "r"(rseq_offset), [lock] "m"(*lock), [entry] "r"(entry)
		: "memory", "cc", "rax");
	*out = obj;
	return (enum rseq_array_result)ret;
}

/*
 * On CPU `cpu`: if *lock == 0, *avail < *limit and obj is not the top
 * entry (SLUB's naive double-free check), entry[(*avail)++] = obj.
 */
static inline enum rseq_array_result rseq_array_push(uintptr_t *lock, uint16_t *avail,
						     const uint16_t *limit, void **entry,
						     uint32_t cpu, long rseq_offset, void *obj)
{
	__asm__ __volatile__ goto(
		KMM_RSEQ_START "cmpl %[cpu], %%fs:4(%[off])\n\t"
			       "jnz 4f\n\t"
			       "cmpq $0, %[lock]\n\t"
			       "jnz %l[busy]\n\t"
			       "movzwl %[avail], %%eax\n\t"
			       "cmpw %[limit], %%ax\n\t"
			       "jae %l[busy]\n\t"
			       "testl %%eax, %%eax\n\t"
			       "jz 5f\n\t"
			       "cmpq %[obj], -8(%[entry], %%rax, 8)\n\t"
			       "jz %l[busy]\n\t"
			       "5:\n\t"
			       "movq %[obj], (%[entry], %%rax, 8)\n\t"
			       "addl $1, %%eax\n\t"
			       /* commit */
			       "movw %%ax, %[avail]\n\t"
			       "2:\n\t" KMM_RSEQ_ABORT "jmp %l[moved]\n\t"
			       ".popsection\n\t"
		:
		: [cpu] "r"(cpu), [off] "r"(rseq_offset), [lock] "m"(*lock), [avail] "m"(*avail),
		  [limit] "m"(*limit), [entry] "r"(entry), [obj] "r"(obj)
		: "memory", "cc", "rax"
		: busy, moved);
	return RSEQ_ARRAY_DONE;
busy:
	return RSEQ_ARRAY_BUSY;
moved:
	return RSEQ_ARRAY_MOVED;
}

#endif /* KMM_HAVE_RSEQ */

#endif /* KMM_SLAB_PERCPU_RSEQ_H */
