/* SPDX-License-Identifier: MIT */
/*
 * page/pcp_hot.h - the per-CPU arrays of hot order-0 pages in front of the
 * per-CPU page lists, pushed and popped in one restartable sequence each.
 *
 * The pcp lists (pcp.h) are doubly linked through the page descriptors: a
 * push or a pop stores into three descriptors and the list head, under the
 * CPU's lock (an rseq "if 0 store 1" plus a release store). In front of them
 * every CPU keeps, per zone and pcp migratetype, a small array of pfns of
 * free order-0 pages (struct pcp_hot). In rseq mode an order-0 allocation
 * pops the top pfn and a free pushes one, each as a single restartable
 * sequence whose commit is one 64-bit store of the array's word: no lock,
 * no atomic instruction. The lists stay for everything else: refills and
 * bulk frees (an empty array sends the allocation to the lists, a full one
 * the free), other orders, cold ends, CAS mode, drains.
 *
 * The word: bits 0-7 the number of pfns in the array (avail, at most
 * PCP_HOT_MAX), bits 8-35 the pops and 36-63 the pushes since the last fold
 * (so the vm counters pgalloc/pgfree/numa_hit/numa_local stay exact without
 * a second store). A sequence that would carry a counter into its top bit
 * gives up, and its caller folds the counters under the lock.
 *
 * State of a page in an array: refcount 0, no allocation info, no PG_buddy /
 * PG_pcp, private and u cleared - a "free, unlisted" page, which is what a
 * page being freed looks like anyway. The free path writes that state
 * before its sequence (restoring the allocated state if the sequence finds
 * the array busy or full); the allocation path writes the allocated state
 * (prep_new_page) after its pop.
 *
 * Exclusion: each sequence requires the pcp lock word to be 0, the same
 * protocol as the slab arrays (slab/percpu_rseq.h): a local lock holder has
 * stored 1; a remote one (drain, kmm_check, vmstat fold) has CASed its tag
 * and fenced the CPU, after which no sequence there can commit. So under
 * the pcp lock the arrays hold still and are walked, flushed and folded.
 *
 * Double frees (docs/smp.md): two frees of a page from threads of one CPU
 * are serialised by the sequences, so the second one's validation
 * (free_page_is_valid) sees refcount 0 and reports it - no atomic needed.
 * Two frees racing from two CPUs may both read refcount 1 and push the page
 * into two arrays; the pop that finds a page no longer free (it was handed
 * out from the other array) reports it and drops the entry, and kmm_check
 * reports a pfn present twice. A pop racing with the other pop of the same
 * page is not caught.
 *
 * Only x86_64 has the assembly (KMM_HAVE_RSEQ); elsewhere, in TSan builds
 * and in CAS mode the arrays stay empty and every operation uses the lists.
 */
#ifndef KMM_PAGE_PCP_HOT_H
#define KMM_PAGE_PCP_HOT_H

#include "smp/rseq.h"

#define PCP_HOT_MAX 8
#define PCP_HOT_AVAIL_MASK 0xffull
#define PCP_HOT_POP_SHIFT 8
#define PCP_HOT_PUSH_SHIFT 36
#define PCP_HOT_FIELD_MASK ((1ull << 28) - 1)
/* the top bit of either counter: fold before it carries */
#define PCP_HOT_OVERFLOW ((1ull << 35) | (1ull << 63))
#define PCP_HOT_PUSH_INC ((1ull << PCP_HOT_PUSH_SHIFT) + 1)

struct pcp_hot {
	uint64_t word;		   /* avail | pops << 8 | pushes << 36 */
	uint32_t pfn[PCP_HOT_MAX]; /* [0, avail): free order-0 pages, top = hottest */
};

static inline uint64_t pcp_hot_word(const struct pcp_hot *h)
{
	return __atomic_load_n(&h->word, __ATOMIC_RELAXED);
}

static inline unsigned int pcp_hot_avail(const struct pcp_hot *h)
{
	return (unsigned int)(pcp_hot_word(h) & PCP_HOT_AVAIL_MASK);
}

enum pcp_hot_result {
	PCP_HOT_DONE,
	PCP_HOT_BUSY,  /* locked, empty (pop), full (push), a counter to fold */
	PCP_HOT_MOVED, /* not on `cpu`, preempted, migrated or signalled: look again */
};

#if KMM_HAVE_RSEQ

/* On CPU `cpu`: if *lock == 0 and avail > 0: *out = pfn[--avail], pops++. */
static inline enum pcp_hot_result pcp_hot_pop_seq(uintptr_t *lock, struct pcp_hot *h, uint32_t cpu,
						  long rseq_offset, uint32_t *out)
{
	unsigned int ret;
	uint32_t pfn;

	__asm__ __volatile__(
		KMM_RSEQ_START "movl $2, %[ret]\n\t"
			       "cmpl %[cpu], %%fs:4(%[off])\n\t"
			       "jnz 6f\n\t"
			       "movl $1, %[ret]\n\t"
			       "xorl %[pfn], %[pfn]\n\t"
			       "cmpq $0, %[lock]\n\t"
			       "jnz 6f\n\t"
			       "movq %[word], %%rax\n\t"
			       "testb %%al, %%al\n\t"
			       "jz 6f\n\t"
			       "btq $35, %%rax\n\t"
			       "jc 6f\n\t"
			       /* avail - 1, pops + 1: avail >= 1 does not borrow */
			       "leaq 255(%%rax), %%rdx\n\t"
			       "movzbl %%dl, %%ecx\n\t"
			       "movl (%[pfns], %%rcx, 4), %[pfn]\n\t"
			       "xorl %[ret], %[ret]\n\t"
			       /* commit */
			       "movq %%rdx, %[word]\n\t"
			       "2:\n\t" KMM_RSEQ_ABORT "movl $2, %[ret]\n\t"
			       "jmp 6f\n\t"
			       ".popsection\n\t"
			       "6:\n\t"
		: [ret] "=&r"(ret), [pfn] "=&r"(pfn), [word] "+m"(h->word)
		: [cpu] "r"(cpu), [off] "r"(rseq_offset), [lock] "m"(*lock), [pfns] "r"(h->pfn)
		: "memory", "cc", "rax", "rcx", "rdx");
	*out = pfn;
	return (enum pcp_hot_result)ret;
}

/* On CPU `cpu`: if *lock == 0 and avail < PCP_HOT_MAX: pfn[avail++] = pfn, pushes++. */
static inline enum pcp_hot_result pcp_hot_push_seq(uintptr_t *lock, struct pcp_hot *h, uint32_t cpu,
						   long rseq_offset, uint32_t pfn)
{
	__asm__ __volatile__ goto(KMM_RSEQ_START "cmpl %[cpu], %%fs:4(%[off])\n\t"
						 "jnz 4f\n\t"
						 "cmpq $0, %[lock]\n\t"
						 "jnz %l[busy]\n\t"
						 "movq %[word], %%rax\n\t"
						 "movzbl %%al, %%ecx\n\t"
						 "cmpl %[max], %%ecx\n\t"
						 "jae %l[busy]\n\t"
						 "btq $63, %%rax\n\t"
						 "jc %l[busy]\n\t"
						 "movl %[pfn], (%[pfns], %%rcx, 4)\n\t"
						 "addq %[inc], %%rax\n\t"
						 /* commit */
						 "movq %%rax, %[word]\n\t"
						 "2:\n\t" KMM_RSEQ_ABORT "jmp %l[moved]\n\t"
						 ".popsection\n\t"
				  :
				  : [cpu] "r"(cpu), [off] "r"(rseq_offset), [lock] "m"(*lock),
				    [word] "m"(h->word), [pfns] "r"(h->pfn), [pfn] "r"(pfn),
				    [inc] "r"(PCP_HOT_PUSH_INC), [max] "i"(PCP_HOT_MAX)
				  : "memory", "cc", "rax", "rcx"
				  : busy, moved);
	return PCP_HOT_DONE;
busy:
	return PCP_HOT_BUSY;
moved:
	return PCP_HOT_MOVED;
}

#endif /* KMM_HAVE_RSEQ */

#endif /* KMM_PAGE_PCP_HOT_H */
