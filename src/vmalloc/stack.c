/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/stack.c - kernel stacks as Linux allocates them with
 * CONFIG_VMAP_STACK (kernel/fork.c alloc_thread_stack_node,
 * free_thread_stack, account_kernel_stack; include/linux/sched/task_stack.h).
 *
 * A stack is THREAD_SIZE bytes (thread_size=, 16K by default as x86-64),
 * vmalloc'd zeroed and aligned to THREAD_SIZE, so the page below it is
 * never mapped (the guard page of the area before it, or free space) and
 * an overflow faults instead of corrupting a neighbour. Each CPU keeps up
 * to NR_CACHED_STACKS freed stacks (taken and given with an atomic
 * exchange, this_cpu_xchg in Linux) and reuses them zeroed. The lowest
 * word holds STACK_END_MAGIC; stack_not_used() counts the bytes above it
 * still zero (the high-water mark: stacks grow down from the top), and
 * kmm_stack_end_corrupted() says whether the magic was overwritten.
 * nr_kernel_stack (meminfo's KernelStack) counts the live stacks in kB on
 * their node.
 *
 * Running code on a stack is the host's part (kmm_os_call_on_stack: a
 * stack switch in src/platform/posix_stack.c for x86-64 and arm64, which
 * also catches a fault on the guard page on an alternate signal stack and
 * reports it as the kernel does, "BUG: stack guard page was hit at ...").
 */
#include "log.h"
#include "page/internal.h"
#include "platform/platform.h"
#include "smp/cpu.h"
#include "vmalloc/vmalloc.h"

#define STACK_END_MAGIC 0x57AC6E9Dul

/*
 * THREAD_SIZE for this machine, or 0 (and a message) when thread_size= is
 * not a power of two from one page to 1M. The default 16K grows to one page
 * with larger pages, as arm64's THREAD_SHIFT does with CONFIG_VMAP_STACK.
 */
unsigned long stack_thread_size(struct kmm_machine *m)
{
	unsigned long ts = (unsigned long)m->desc.thread_size;

	if (ts == (16ul << 10) && ts < m->page_size)
		ts = m->page_size;
	if (ts < m->page_size || ts > (1ul << 20) || (ts & (ts - 1))) {
		kmm_log(m,
			"thread_size=%lu: a kernel stack must be a power of two from one page to "
			"1M\n",
			ts);
		return 0;
	}
	return ts;
}

static void account_kernel_stack(struct kmm_machine *m, void *stack, long sign)
{
	struct page *page = kmm_vmalloc_to_page(m, stack);

	if (page)
		__atomic_add_fetch(&m->node_data[page_nid(page)]->vm_stat[NR_KERNEL_STACK_KB],
				   sign * (long)(vmalloc_of(m)->thread_size >> 10),
				   __ATOMIC_RELAXED);
}

unsigned long kmm_thread_size(const kmm_machine *m)
{
	const struct kmm_vmalloc *v = m ? vmalloc_of(m) : NULL;

	return v ? v->thread_size : 0;
}

void *kmm_stack_alloc(kmm_machine *m, int node)
{
	struct kmm_vmalloc *v = m ? vmalloc_of(m) : NULL;
	void *stack = NULL;

	if (!v) {
		if (m)
			kmm_report_bad_call(m,
					    "alloc_thread_stack_node: this machine has no vmalloc "
					    "area");
		return NULL;
	}
	/* a cached stack of this CPU: reused zeroed */
	{
		struct kmm_stack_cache *c = &v->stack_cache[kmm_this_cpu(m)];

		for (int i = 0; i < NR_CACHED_STACKS && !stack; i++)
			stack = __atomic_exchange_n(&c->cached[i], NULL, __ATOMIC_ACQUIRE);
		if (stack) {
			kmm_memset(stack, 0, v->thread_size);
			__atomic_add_fetch(&v->stack_cache_hits, 1, __ATOMIC_RELAXED);
		}
	}
	if (!stack)
		stack = __vmalloc_node_range_m(m, v->thread_size, v->thread_size,
					       GFP_KERNEL | __GFP_ZERO, 0, node,
					       __builtin_return_address(0));
	if (!stack)
		return NULL;
	*(unsigned long *)stack = STACK_END_MAGIC; /* end_of_stack: the lowest word */
	account_kernel_stack(m, stack, 1);
	return stack;
}

void kmm_stack_free(kmm_machine *m, void *stack)
{
	struct kmm_vmalloc *v = m ? vmalloc_of(m) : NULL;
	struct kmm_stack_cache *c;

	if (!v || !stack)
		return;
	if (kmm_vmalloc_to_page(m, stack) == NULL || ((uintptr_t)stack & (v->thread_size - 1))) {
		kmm_report_bad_call(m, "free_thread_stack: %p is not a kernel stack", stack);
		return;
	}
	account_kernel_stack(m, stack, -1);
	c = &v->stack_cache[kmm_this_cpu(m)];
	for (int i = 0; i < NR_CACHED_STACKS; i++) {
		void *expect = NULL;

		if (__atomic_compare_exchange_n(&c->cached[i], &expect, stack, false,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return;
	}
	vfree_m(m, stack, "vfree");
}

int kmm_stack_end_corrupted(const kmm_machine *m, const void *stack)
{
	(void)m;
	return *(const unsigned long *)stack != STACK_END_MAGIC;
}

unsigned long kmm_stack_not_used(const kmm_machine *m, const void *stack)
{
	const unsigned long *n = (const unsigned long *)stack + 1; /* past the magic */
	const unsigned long *top =
		(const unsigned long *)((const char *)stack + vmalloc_of(m)->thread_size);

	while (n < top && !*n)
		n++;
	return (unsigned long)((const char *)n - (const char *)stack);
}

int kmm_stack_call(kmm_machine *m, void *stack, void (*fn)(void *arg), void *arg)
{
	struct kmm_vmalloc *v = m ? vmalloc_of(m) : NULL;
	int ret;

	if (!v || !stack || !fn)
		return KMM_EINVAL;
	might_sleep();
	ret = kmm_os_call_on_stack(stack, v->thread_size, m->page_size, fn, arg);
	if (ret)
		return ret == -KMM_OS_ENOSYS ? KMM_ENOSYS : KMM_EINVAL;
	if (kmm_stack_end_corrupted(m, stack)) {
		kmm_log(m, "corrupted stack end detected inside scheduler\n");
		kmm_log_maybe_fatal(m);
		return KMM_EINVAL;
	}
	return KMM_OK;
}

/* Freed stacks go back to vmalloc at teardown: nothing to do, the memory goes with m. */
