/* SPDX-License-Identifier: MIT */
/*
 * tests/test_fastpath_sharing.c - on a simulated many-CPU machine
 * (nr_cpus=64), the fast paths write no shared cache line and execute no
 * atomic read-modify-write (docs/smp.md, "Sharing on the fast paths").
 *
 * Threads (4; in CAS mode one per host CPU) pinned round-robin to the host's CPUs (machine CPU =
 * host CPU in rseq mode) warm up, then run alloc/free pairs of order-0 pages, of kmalloc(64) and of
 * a cache's 64-byte objects. Two measures:
 *  - atomics: each thread's count of atomic RMW instructions
 *    (lib/fpcount.h: per-CPU lock CAS, spinlocks, page reference counts,
 *    atomic counters), read before and after its pairs; debug builds only.
 *  - shared writes: every shared structure - the machine, its nodes and
 *    zones, the slab state, the two caches up to their per-CPU arrays, and
 *    the per-CPU areas (pcp, slab arrays) of every CPU no thread runs on -
 *    is copied before the pairs and compared after: the number of 64-byte
 *    lines that differ. (A store that restores a line's value is not seen;
 *    locks do that, which is why lock acquisitions count as atomics.)
 *    Page descriptors are the pages' own and are not compared: a page's
 *    descriptor is written by whoever allocates or frees it.
 * A control run with pcp=0 (every page pair through zone->lock) must see
 * both, so the measures can fail.
 * rseq mode: both must be zero per operation. CAS mode (KMM_RSEQ=0): no
 * shared line either, and the atomics are exactly the per-CPU locks'
 * compare-and-swaps (one per array operation) and the page reference drop
 * of the list path; the test prints them per pair.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fpcount.h"
#include "machine.h"
#include "page/pcp.h"
#include "slab/slab.h"

#define NTHREADS 4
#define WARM 3000
#define PAIRS 4000
#define LINE 64

static struct test_log log_;
static pthread_barrier_t warm_, go_, done_;

struct region {
	const char *what;
	const void *addr;
	size_t len;
	void *copy;
};

struct snap {
	struct region r[4096];
	int n;
};

static void add(struct snap *s, const char *what, const void *addr, size_t len)
{
	assert_true(s->n < (int)(sizeof(s->r) / sizeof(s->r[0])));
	s->r[s->n].what = what;
	s->r[s->n].addr = addr;
	s->r[s->n].len = len;
	s->r[s->n].copy = malloc(len);
	assert_non_null(s->r[s->n].copy);
	memcpy(s->r[s->n].copy, addr, len);
	s->n++;
}

/* Lines of the snapshot that changed since; prints each (up to 20). */
static unsigned long changed_lines(struct snap *s)
{
	unsigned long lines = 0;

	for (int i = 0; i < s->n; i++) {
		const char *a = s->r[i].addr, *b = s->r[i].copy;

		for (size_t off = 0; off < s->r[i].len; off += LINE) {
			size_t len = MIN((size_t)LINE, s->r[i].len - off);

			if (memcmp(a + off, b + off, len) != 0) {
				if (lines < 20)
					print_message("  changed: %s + %zu\n", s->r[i].what, off);
				lines++;
			}
		}
		free(s->r[i].copy);
	}
	s->n = 0;
	return lines;
}

struct worker {
	kmm_machine *m;
	struct kmem_cache *s;
	int host_cpu;
	uintptr_t atomics[3]; /* page, kmalloc, cache */
};

static void pairs(struct worker *w, int kind, int n)
{
	for (int i = 0; i < n; i++) {
		if (kind == 0) {
			struct page *p = kmm_alloc_pages(w->m, GFP_KERNEL, 0);

			*(volatile char *)kmm_page_address(w->m, p) = 1;
			kmm_free_pages(w->m, p, 0);
		} else {
			char *p = kind == 1 ? kmm_kmalloc(w->m, 64, GFP_KERNEL)
					    : kmm_kmem_cache_alloc(w->m, w->s, GFP_KERNEL);

			*(volatile char *)p = 1;
			if (kind == 1)
				kmm_kfree(w->m, p);
			else
				kmm_kmem_cache_free(w->m, w->s, p);
		}
	}
}

static void *work(void *p)
{
	struct worker *w = p;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->host_cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		abort();
	for (int k = 0; k < 3; k++)
		pairs(w, k, WARM);
	pthread_barrier_wait(&warm_);
	pthread_barrier_wait(&go_); /* the main thread has taken its snapshot */
	for (int k = 0; k < 3; k++) {
		uintptr_t a0 = fp_atomics();

		pairs(w, k, PAIRS);
		w->atomics[k] = fp_atomics() - a0;
	}
	pthread_barrier_wait(&done_);
	return NULL;
}

static struct snap snap_;

static void snapshot(kmm_machine *m, struct kmem_cache *s, struct kmem_cache *k64, const bool *used)
{
	add(&snap_, "machine", m, sizeof(*m));
	add(&snap_, "slab state", m->slab, sizeof(*m->slab));
	for (int nid = 0; nid < m->nr_nodes; nid++)
		add(&snap_, "node (pglist_data, zones)", m->node_data[nid],
		    sizeof(*m->node_data[nid]));
	add(&snap_, "test cache", s, SLAB_ARRAYS_OFFSET);
	add(&snap_, "kmalloc-64", k64, SLAB_ARRAYS_OFFSET);
	for (int slot = 0; slot < m->nr_slots; slot++) {
		if (used[slot])
			continue;
		add(&snap_, "idle CPU's test cache array", cpu_array(s, m->slab->array_shift, slot),
		    (size_t)1 << m->slab->array_shift);
		add(&snap_, "idle CPU's kmalloc-64 array",
		    cpu_array(k64, m->slab->array_shift, slot), (size_t)1 << m->slab->array_shift);
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->node_data[0]->node_zones[z];

			if (zone->pcp)
				add(&snap_, "idle CPU's pcp", pcp_ptr(m, zone, slot),
				    sizeof(struct per_cpu_pages));
		}
	}
}

static void run(bool cas, bool nopcp)
{
	static const char *const kinds[] = { "alloc_page+__free_page", "kmalloc(64)+kfree",
					     "kmem_cache_alloc+free(64)" };
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	bool used[KMM_MAX_CPUS] = { false };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads;
	struct kmem_cache *s, *k64;
	unsigned long lines;
	kmm_machine *m;
	void *probe;

	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > 64)
		ncpu = 64;
	/*
	 * CAS mode: one thread per host CPU. Two threads of one CPU would find
	 * the CPU's lock held whenever the host preempts its owner, and a busy
	 * lock sends the operation to the shared lists by design (pcp.h, slab.h).
	 */
	nthreads = cas ? (int)MIN(ncpu, (long)NTHREADS) : NTHREADS;
	if (cas)
		setenv("KMM_RSEQ", "0", 1);
	m = test_boot(nopcp ? "mem=1G nr_cpus=64 pcp=0" : "mem=1G nr_cpus=64", &log_);
	unsetenv("KMM_RSEQ");
	print_message("nr_cpus=64, %s mode, %d threads on %ld host CPUs\n", kmm_smp_mode(m),
		      nthreads, ncpu);
	if (!cas && strcmp(kmm_smp_mode(m), "rseq") != 0) {
		print_message("no rseq mode on this host: rseq half not run\n");
		kmm_machine_destroy(m);
		return;
	}
	s = kmm_kmem_cache_create(m, "fp_sharing", 64, 0, 0, NULL);
	assert_non_null(s);
	probe = kmm_kmalloc(m, 64, GFP_KERNEL);
	k64 = page_slab_cache(virt_to_head_page_m(m, probe));
	kmm_kfree(m, probe);
	assert_non_null(k64);
	pthread_barrier_init(&warm_, NULL, nthreads + 1);
	pthread_barrier_init(&go_, NULL, nthreads + 1);
	pthread_barrier_init(&done_, NULL, nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .m = m, .s = s, .host_cpu = (int)(i % ncpu) };
		used[w[i].host_cpu] = true;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	pthread_barrier_wait(&warm_);
	snapshot(m, s, k64, used);
	pthread_barrier_wait(&go_);
	pthread_barrier_wait(&done_);
	lines = changed_lines(&snap_);
	for (int i = 0; i < nthreads; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	print_message("shared lines written: %lu over %d pairs\n", lines, 3 * nthreads * PAIRS);
	if (nopcp) {
		/* the control: every page pair through zone->lock and the zone's counters */
		assert_true(lines > 0);
		if (KMM_DEBUG_CHECKS)
			assert_true(w[0].atomics[0] >= PAIRS);
		goto out;
	}
	assert_int_equal(lines, 0);
	for (int k = 0; k < 3; k++) {
		uintptr_t sum = 0;

		for (int i = 0; i < nthreads; i++)
			sum += w[i].atomics[k];
		print_message("%-28s atomic RMWs per pair: %.3f%s\n", kinds[k],
			      (double)sum / (nthreads * PAIRS),
			      KMM_DEBUG_CHECKS ? "" : " (not counted)");
		if (!cas)
			assert_int_equal(sum, 0);
		else if (KMM_DEBUG_CHECKS)
			/* CAS mode: the per-CPU lock's CAS on alloc and on free (+ the page ref
			 * drop) */
			assert_true(sum >= (uintptr_t)2 * nthreads * PAIRS &&
				    sum <= (uintptr_t)(k == 0 ? 3 : 2) * nthreads * PAIRS +
						    nthreads * 64);
	}
out:
	pthread_barrier_destroy(&warm_);
	pthread_barrier_destroy(&go_);
	pthread_barrier_destroy(&done_);
	kmm_kmem_cache_destroy(m, s);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_rseq_no_sharing(void **state)
{
	(void)state;
	run(false, false);
}

static void test_cas_no_sharing(void **state)
{
	(void)state;
	run(true, false);
}

/* The detector detects: with pcp=0 the page pairs write the zone's lines and take its lock. */
static void test_nopcp_shares(void **state)
{
	(void)state;
	run(false, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rseq_no_sharing),
		cmocka_unit_test(test_cas_no_sharing),
		cmocka_unit_test(test_nopcp_shares),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
