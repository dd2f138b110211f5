/* SPDX-License-Identifier: MIT */
/*
 * bench/fastpath_probe.c - a fixed number of fast-path pairs for counting
 * instructions with callgrind (docs/smp.md, "Where the time goes").
 *
 * Not a timing benchmark: it boots one machine (argv[1], default
 * "mem=4G nr_cpus=2"), warms each path, then runs N pairs (argv[2],
 * default 100000) of each pattern, each pattern in a function of its own
 * (probe_page_pair, probe_kmalloc64_pair, probe_cache_pair) so that
 * callgrind's --toggle-collect can count just that loop:
 *
 *   valgrind --tool=callgrind --toggle-collect=probe_page_pair \
 *            build/release/fastpath_probe 'mem=4G nr_cpus=2' 100000
 *
 * Instructions per pair = the collected Ir / N. Valgrind does not run
 * rseq, so the machine is in CAS mode under it; KMM_RSEQ=0 forces the same
 * outside valgrind. The mode is printed on stderr.
 */
#include <kmm/kmm.h>
#include <kmm/slab.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) void probe_page_pair(kmm_machine *m, long n)
{
	for (long i = 0; i < n; i++) {
		struct page *p = kmm_alloc_pages(m, KMM_GFP_KERNEL, 0);

		if (!p)
			abort();
		*(volatile char *)kmm_page_address(m, p) = 1;
		kmm_free_pages(m, p, 0);
	}
}

__attribute__((noinline)) void probe_kmalloc64_pair(kmm_machine *m, long n)
{
	for (long i = 0; i < n; i++) {
		char *p = kmm_kmalloc(m, 64, KMM_GFP_KERNEL);

		if (!p)
			abort();
		*(volatile char *)p = 1;
		kmm_kfree(m, p);
	}
}

__attribute__((noinline)) void probe_cache_pair(kmm_machine *m, struct kmem_cache *s, long n)
{
	for (long i = 0; i < n; i++) {
		char *p = kmm_kmem_cache_alloc(m, s, KMM_GFP_KERNEL);

		if (!p)
			abort();
		*(volatile char *)p = 1;
		kmm_kmem_cache_free(m, s, p);
	}
}

int main(int argc, char **argv)
{
	const char *cmdline = argc > 1 ? argv[1] : "mem=4G nr_cpus=2";
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
	struct kmem_cache *s;
	kmm_machine *m;
	char err[256];

	if (n <= 0 || kmm_machine_create(cmdline, &m, err, sizeof(err)) != 0) {
		fprintf(stderr, "fastpath_probe: %s\n", n <= 0 ? "bad count" : err);
		return 2;
	}
	s = kmm_kmem_cache_create(m, "probe_64", 64, 0, 0, NULL);
	if (!s)
		return 1;
	fprintf(stderr, "fastpath_probe: machine '%s', smp mode %s, %ld pairs each\n", cmdline,
		kmm_smp_mode(m), n);
	/* warm-up: fills the arrays and lists, grows the slabs */
	probe_page_pair(m, 1000);
	probe_kmalloc64_pair(m, 1000);
	probe_cache_pair(m, s, 1000);
	probe_page_pair(m, n);
	probe_kmalloc64_pair(m, n);
	probe_cache_pair(m, s, n);
	kmm_kmem_cache_destroy(m, s);
	if (kmm_check(m) != 0)
		return 1;
	kmm_machine_destroy(m);
	return 0;
}
