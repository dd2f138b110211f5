/* SPDX-License-Identifier: MIT */
/*
 * examples/highmem_vmalloc.c - a kernel-style program against <kmm/linux.h>
 * on a 32-bit-style machine with 768 MiB of highmem: the issue-10 tour.
 *
 *   - vmalloc(256 MiB): frames from highmem (vmalloc adds __GFP_HIGHMEM),
 *     mapped for real at consecutive addresses; written and checked;
 *   - highmem pages have no address until kmap'd: page_address() is NULL,
 *     kmap gives a pkmap address and page_address() then returns it;
 *     kmap_local_page reads the same bytes through another slot, and the
 *     page's vmalloc alias shows them too;
 *   - /proc/vmallocinfo and meminfo's Vmalloc lines as the kernel prints them;
 *   - a function runs on a kmm kernel stack (THREAD_SIZE, guard page below)
 *     and stack_not_used() says how deep it went;
 *   - another stack is overflowed in a child process: the guard page is
 *     hit and the child dies with the kernel's report;
 *   - kmm_check() walks it all.
 *
 * Build: cc highmem_vmalloc.c $(pkg-config --cflags --libs kmm) -pthread
 */
#include <kmm/linux.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MACHINE "mem=1G nr_cpus=2 highmem=768M kswapd=0"

static void print_sink(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	fwrite(text, 1, len, stdout);
}

static long __attribute__((noinline)) recurse(int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	if (depth == 0)
		return 0;
	return recurse(depth - 1) + frame[0];
}

static void worker(void *arg)
{
	*(long *)arg = recurse(8);
}

static void runaway(void *arg)
{
	(void)arg;
	recurse(1 << 20);
}

int main(void)
{
	kmm_machine *m;
	char err[256];
	size_t big = 256u << 20;
	unsigned char *v;
	struct page *hp, *vp;
	char *k, *l;
	unsigned long high = 0;
	long result = 0;
	void *stack, *stack2;
	int status;
	pid_t pid;

	if (kmm_default_machine_boot(MACHINE, err, sizeof(err)) != KMM_OK) {
		fprintf(stderr, "boot: %s\n", err);
		return 1;
	}
	m = kmm_default_machine();

	/* 256 MiB of highmem-backed vmalloc */
	v = vmalloc(big);
	if (!v)
		return 1;
	for (size_t i = 0; i < big; i += PAGE_SIZE)
		v[i] = (unsigned char)(i >> 12);
	for (size_t i = 0; i < big; i += PAGE_SIZE) {
		if (v[i] != (unsigned char)(i >> 12))
			return 1;
		high += PageHighMem(vmalloc_to_page(v + i));
	}
	printf("vmalloc(256 MiB) at %p: %lu of %zu pages from highmem\n", (void *)v, high,
	       big / PAGE_SIZE);

	/* a highmem page: no address until kmap */
	hp = alloc_pages(GFP_HIGHUSER, 0);
	printf("highmem page pfn %#lx: page_address %p\n", page_to_pfn(hp), page_address(hp));
	k = kmap(hp);
	strcpy(k, "written through kmap");
	printf("kmap: %p, page_address now %p\n", (void *)k, page_address(hp));
	l = kmap_local_page(hp);
	printf("kmap_local_page: %p reads '%s'\n", (void *)l, l);
	kunmap_local(l);
	kunmap(hp);
	vp = vmalloc_to_page(v + 12345 * PAGE_SIZE);
	l = kmap_local_page(vp);
	printf("the vmalloc page at +12345 pages, through kmap_local: byte %d (vmalloc says %d)\n",
	       l[0], v[12345 * PAGE_SIZE]);
	kunmap_local(l);

	kmm_report(m, KMM_REPORT_VMALLOCINFO, print_sink, NULL);
	kmm_report(m, KMM_REPORT_MEMINFO, print_sink, NULL);

	/* a kernel stack, used for real */
	stack = kmm_stack_alloc(m, -1);
	if (!stack || kmm_stack_call(m, stack, worker, &result) != KMM_OK)
		return 1;
	printf("ran on a %lu-byte kernel stack at %p: result %ld, stack_not_used %lu\n",
	       THREAD_SIZE, stack, result, stack_not_used(stack));

	/* and one overflowed, in a child */
	stack2 = kmm_stack_alloc(m, -1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(1, 2);
		kmm_stack_call(m, stack2, runaway, NULL);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	printf("the child that overflowed its stack: %s\n",
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT ? "aborted (SIGABRT)"
								  : "survived");

	kmm_stack_free(m, stack);
	kmm_stack_free(m, stack2);
	__free_pages(hp, 0);
	printf("kmm_check: %d problems\n", kmm_check(m));
	vfree(v);
	printf("after vfree: kmm_check: %d problems\n", kmm_check(m));
	return 0;
}
