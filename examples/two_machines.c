/* SPDX-License-Identifier: MIT */
/*
 * examples/two_machines.c - two independent machines in one process with
 * the instance API (<kmm/kmm.h>, <kmm/slab.h>): every call names the
 * machine it works on, so a program can run as many as it likes, of any
 * shape, side by side.
 *
 *   "big":   mem=2G nr_cpus=2 numa=fake=2   two NUMA nodes of 1G
 *   "small": mem=64M nr_cpus=1 page_size=16K   one node, 16 KiB pages
 *
 * The program allocates pages on a chosen node of "big", objects from a
 * cache and from kmalloc on "small", prints each machine's
 * /proc/buddyinfo through a sink, and then hands a page of "big" to
 * "small": the second machine refuses it (a Linux-style "Bad page" style
 * report on its log sink, which the program captures) and nothing changes
 * on either machine. kmm_check() must find both consistent.
 *
 * Build: cc two_machines.c $(pkg-config --cflags --libs kmm)
 * Run:   ./two_machines          (exit status 0 when every check holds)
 */
#include <kmm/kmm.h>
#include <kmm/slab.h>
#include <stdio.h>
#include <string.h>

/* A report sink that indents every line by the prefix in ctx. */
static void print_sink(void *ctx, const char *text, size_t len)
{
	static int at_line_start = 1;

	for (size_t i = 0; i < len; i++) {
		if (at_line_start)
			fputs((const char *)ctx, stdout);
		putchar(text[i]);
		at_line_start = text[i] == '\n';
	}
}

/* A log sink that counts the reports a machine prints, and keeps them quiet. */
struct log_capture {
	int lines;
	char first[160];
};

static void capture_sink(void *ctx, const char *text, size_t len)
{
	struct log_capture *c = ctx;
	const char *nl = memchr(text, '\n', len); /* text is not NUL-terminated */
	size_t n = nl ? (size_t)(nl - text) : len;

	if (!c->lines++)
		snprintf(c->first, sizeof(c->first), "%.*s", (int)n, text);
}

static kmm_machine *boot(const char *cmdline)
{
	kmm_machine *m = NULL;
	char err[256];

	if (kmm_machine_create(cmdline, &m, err, sizeof(err)) != KMM_OK) {
		fprintf(stderr, "cannot boot '%s': %s\n", cmdline, err);
		return NULL;
	}
	printf("booted '%s': %d node(s), %d CPU(s), %lu-byte pages, smp mode %s\n",
	       kmm_machine_cmdline(m), kmm_nr_nodes(m), kmm_nr_cpus(m), kmm_page_size(m),
	       kmm_smp_mode(m));
	return m;
}

int main(void)
{
	kmm_machine *big = boot("mem=2G nr_cpus=2 numa=fake=2");
	kmm_machine *small = boot("mem=64M nr_cpus=1 page_size=16K");
	struct log_capture log = { 0 };
	struct page *on_node1, *spare;
	struct kmem_cache *cache;
	void *obj, *buf;
	int rc = 0;

	if (!big || !small)
		return 1;

	/* big: an order-3 block on node 1 (the second NUMA node) */
	on_node1 = kmm_alloc_pages_node(big, 1, GFP_KERNEL | __GFP_THISNODE, 3);
	if (!on_node1 || kmm_page_to_nid(big, on_node1) != 1)
		return 2;
	printf("big: order-3 block at pfn %#lx on node %d\n", kmm_page_to_pfn(big, on_node1),
	       kmm_page_to_nid(big, on_node1));

	/* small: a slab cache and kmalloc, on its own 16 KiB pages */
	cache = kmm_kmem_cache_create(small, "example_obj", 200, 0, 0, NULL);
	obj = cache ? kmm_kmem_cache_alloc(small, cache, GFP_KERNEL) : NULL;
	buf = kmm_kmalloc(small, 3000, GFP_KERNEL);
	if (!obj || !buf)
		return 3;
	printf("small: object of cache %s (%u bytes), kmalloc(3000) got %zu bytes\n",
	       kmm_kmem_cache_name(cache), kmm_kmem_cache_size(cache), kmm_ksize(small, buf));

	printf("big's /proc/buddyinfo:\n");
	kmm_report(big, KMM_REPORT_BUDDYINFO, print_sink, "  ");
	printf("small's /proc/buddyinfo:\n");
	kmm_report(small, KMM_REPORT_BUDDYINFO, print_sink, "  ");

	/* a page of one machine freed on the other: refused, reported, nothing changes */
	spare = kmm_alloc_pages(big, GFP_KERNEL, 0);
	kmm_set_log(small, capture_sink, &log);
	kmm_free_pages(small, spare, 0);
	kmm_set_log(small, NULL, NULL);
	printf("small refused big's page: %d report line(s), the first: %s\n", log.lines,
	       log.first);
	if (log.lines == 0)
		rc = 4;
	kmm_free_pages(big, spare, 0); /* its owner frees it */

	kmm_kfree(small, buf);
	kmm_kmem_cache_free(small, cache, obj);
	kmm_kmem_cache_destroy(small, cache);
	kmm_free_pages(big, on_node1, 3);
	printf("kmm_check: big %d problems, small %d problems\n", kmm_check(big), kmm_check(small));
	if (kmm_check(big) || kmm_check(small))
		rc = 5;
	kmm_machine_destroy(small);
	kmm_machine_destroy(big);
	return rc;
}
