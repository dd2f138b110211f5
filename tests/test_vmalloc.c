/* SPDX-License-Identifier: MIT */
/*
 * tests/test_vmalloc.c - the vmalloc layer (src/vmalloc/): areas really
 * mapped from scattered frames (highmem first), guard pages that fault,
 * lazy purging, vmap, kvmalloc's rules, vmallocinfo and meminfo, every
 * misuse reported with nothing changed, and threads doing it all at once.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <kmm/highmem.h>
#include <kmm/percpu.h>
#include <kmm/slab.h>
#include <kmm/vmalloc.h>

#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine.h"
#include "vmalloc/vmalloc.h"

static struct test_log log_;

#define HM "mem=512M nr_cpus=2 highmem=256M kswapd=0"

static void stats(kmm_machine *m, struct kmm_vmalloc_stats *st)
{
	assert_int_equal(kmm_vmalloc_stats(m, st), KMM_OK);
}

static void test_vmalloc_maps_scattered_frames(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	size_t size = 4u << 20, ps = kmm_page_size(m);
	unsigned char *p = kmm_vmalloc(m, size);
	int high = 0;

	(void)state;
	assert_non_null(p);
	assert_true(kmm_is_vmalloc_addr(m, p));
	assert_false(kmm_is_vmalloc_addr(m, &size));
	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)(i * 7 + (i >> 12));
	for (size_t pg = 0; pg < size / ps; pg++) {
		struct page *page = kmm_vmalloc_to_page(m, p + pg * ps + 5);
		unsigned char *k;

		assert_non_null(page);
		assert_int_equal(kmm_vmalloc_to_pfn(m, p + pg * ps), kmm_page_to_pfn(m, page));
		high += kmm_page_is_highmem(m, page);
		k = kmm_kmap_local_page(m, page);
		assert_memory_equal(k, p + pg * ps, ps);
		kmm_kunmap_local(m, k);
	}
	assert_int_equal(high, (int)(size / ps)); /* GFP_KERNEL | __GFP_HIGHMEM: highmem first */
	assert_null(kmm_vmalloc_to_page(m, p + size)); /* the guard page */
	assert_consistent(m, &log_);
	kmm_vfree(m, p);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static int child_touch(volatile unsigned char *addr)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		addr[0] = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* Running off the end hits the guard page; a freed area faults too. */
static void test_guard_page_faults(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	size_t ps = kmm_page_size(m);
	unsigned char *p = kmm_vmalloc(m, 3 * ps), *q = kmm_vmalloc(m, ps);

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(child_touch(p + 3 * ps - 1), 0);
	assert_int_equal(child_touch(p + 3 * ps), SIGSEGV);
	assert_true(q >= p + 4 * ps); /* the next area starts after the guard */
	kmm_vfree(m, p);
	assert_int_equal(child_touch(p), SIGSEGV);
	kmm_vfree(m, q);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_family(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	size_t ps = kmm_page_size(m);
	unsigned char *z = kmm_vzalloc(m, 64 * ps), *d = kmm_vmalloc_32(m, 16 * ps);
	unsigned char *u = kmm_vmalloc_user(m, 2 * ps), *n = kmm_vzalloc_node(m, ps, 0);
	unsigned char *g = kmm___vmalloc(m, 5 * ps, GFP_KERNEL | __GFP_ZERO);
	char *info;

	(void)state;
	assert_non_null(z);
	for (size_t i = 0; i < 64 * ps; i++)
		assert_int_equal(z[i], 0);
	for (size_t i = 0; i < 16; i++) {
		int zone = kmm_page_zonenum(m, kmm_vmalloc_to_page(m, d + i * ps));

		assert_true(zone == KMM_ZONE_DMA || zone == KMM_ZONE_DMA32);
	}
	for (size_t i = 0; i < 2 * ps; i++)
		assert_int_equal(u[i], 0);
	assert_non_null(n);
	assert_non_null(g);
	assert_int_equal(g[5 * ps - 1], 0);
	assert_null(kmm_vmalloc_array(m, SIZE_MAX / 2, 3));
	assert_null(kmm_vmalloc(m, 0));
	info = test_report(m, KMM_REPORT_VMALLOCINFO);
	assert_non_null(strstr(info, " pages=2 vmalloc user N0=2\n"));
	assert_non_null(strstr(info, " pages=64 vmalloc N0=64\n"));
	free(info);
	kmm_vfree(m, z);
	kmm_vfree(m, d);
	kmm_vfree(m, u);
	kmm_vfree(m, n);
	kmm_vfree(m, g);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Every line of vmallocinfo reads as the kernel's; meminfo's Vmalloc lines too. */
static void test_vmallocinfo_format(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	size_t ps = kmm_page_size(m);
	void *a = kmm_vmalloc(m, 10 * ps), *big = kmm_vmalloc(m, 2048 * ps),
	     *f = kmm_vmalloc(m, ps);
	struct page *pages[3];
	void *vm;
	char *info, *mi, *line, *save;
	regex_t re;
	int lines = 0;
	char want[64];

	(void)state;
	for (int i = 0; i < 3; i++)
		pages[i] = kmm_alloc_pages(m, GFP_HIGHUSER, 0);
	vm = kmm_vmap(m, pages, 3, KMM_VM_MAP);
	assert_non_null(vm);
	kmm_vfree(m, f); /* an unpurged area */
	assert_int_equal(
		regcomp(&re,
			"^0x[0-9a-f]{16}-0x[0-9a-f]{16} [ 0-9]{7,}"
			"( unpurged vm_area| [^ ]+( pages=[0-9]+)?( vmalloc)?( vmap)?( user)?"
			"( vpages)?( N[0-9]+=[0-9]+)*)$",
			REG_EXTENDED | REG_NOSUB),
		0);
	info = test_report(m, KMM_REPORT_VMALLOCINFO);
	for (line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (regexec(&re, line, 0, NULL, 0) != 0)
			fail_msg("not the kernel's format: '%s'", line);
		lines++;
	}
	assert_true(lines >= 5);
	free(info);
	info = test_report(m, KMM_REPORT_VMALLOCINFO);
	assert_non_null(strstr(info, "   45056 ")); /* 10 pages + guard */
	assert_non_null(
		strstr(info, " pages=2048 vmalloc vpages N0=2048")); /* the array vmalloc'd */
	assert_non_null(strstr(info, "   16384 "));
	assert_non_null(strstr(info, " vmap\n"));
	assert_non_null(strstr(info, "    8192 unpurged vm_area\n"));
	free(info);
	regfree(&re);
	mi = test_report(m, KMM_REPORT_MEMINFO);
	assert_non_null(strstr(mi, "VmallocTotal:   33554432 kB\n"));
	snprintf(want, sizeof(want), "VmallocUsed:    %8lu kB\n", (10ul + 2048 + 4) * ps / 1024);
	assert_non_null(strstr(mi, want));
	assert_non_null(strstr(mi, "VmallocChunk:          0 kB\n"));
	free(mi);
	kmm_vunmap(m, vm);
	for (int i = 0; i < 3; i++)
		kmm_free_pages(m, pages[i], 0);
	kmm_vfree(m, a);
	kmm_vfree(m, big);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* vfree of what is no area, of an interior address, twice; vunmap of a vmalloc area. */
static void test_misuse_changes_nothing(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	size_t ps = kmm_page_size(m);
	char *p = kmm_vmalloc(m, 4 * ps), *gone = kmm_vmalloc(m, ps),
	     *k = kmm_kmalloc(m, 64, GFP_KERNEL);
	struct page *pg = kmm_alloc_pages(m, GFP_HIGHUSER, 0);
	void *vm = kmm_vmap(m, &pg, 1, 0);
	struct kmm_vmalloc_stats before, after;
	struct free_snapshot s1, s2;
	char expect[96];

	(void)state;
	kmm_vfree(m, gone);
	stats(m, &before);
	test_snapshot(m, &s1);
	test_log_clear(&log_);
	kmm_vfree(m, k);
	snprintf(expect, sizeof(expect), "Trying to vfree() nonexistent vm area (%p)", (void *)k);
	assert_true(test_log_contains(&log_, expect));
	test_log_clear(&log_);
	kmm_vfree(m, p + ps);
	snprintf(expect, sizeof(expect), "Trying to vfree() nonexistent vm area (%p)",
		 (void *)(p + ps));
	assert_true(test_log_contains(&log_, expect));
	assert_true(test_log_contains(&log_, "lies inside the area"));
	test_log_clear(&log_);
	kmm_vfree(m, gone); /* double vfree */
	snprintf(expect, sizeof(expect), "Trying to vfree() nonexistent vm area (%p)",
		 (void *)gone);
	assert_true(test_log_contains(&log_, expect));
	test_log_clear(&log_);
	kmm_vunmap(m, p);
	assert_true(test_log_contains(&log_, "Trying to vunmap()"));
	assert_true(test_log_contains(&log_, "a vmalloc area, released with vfree()"));
	test_log_clear(&log_);
	kmm_vfree(m, vm);
	assert_true(test_log_contains(&log_, "a vmap area, released with vunmap()"));
	stats(m, &after);
	test_snapshot(m, &s2);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_true(test_snapshot_equal(&s1, &s2));
	memset(p, 1, 4 * ps); /* still mapped, still ours */
	assert_consistent(m, &log_);
	kmm_vunmap(m, vm);
	kmm_free_pages(m, pg, 0);
	kmm_vfree(m, p);
	kmm_kfree(m, k);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* vmap of caller pages: the same bytes as their kmap; the pages stay the caller's. */
static void test_vmap(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	size_t ps = kmm_page_size(m);
	struct page *pages[8];
	char *v;

	(void)state;
	for (int i = 0; i < 8; i++) {
		char *k;

		pages[i] = kmm_alloc_pages(m, i & 1 ? GFP_KERNEL : GFP_HIGHUSER, 0);
		k = kmm_kmap(m, pages[i]);
		snprintf(k, 32, "page %d", i);
		kmm_kunmap(m, pages[i]);
	}
	v = kmm_vmap(m, pages, 8, KMM_VM_MAP);
	assert_non_null(v);
	for (int i = 0; i < 8; i++) {
		char want[32];

		snprintf(want, sizeof(want), "page %d", i);
		assert_string_equal(v + i * ps, want);
		assert_ptr_equal(kmm_vmalloc_to_page(m, v + i * ps), pages[i]);
	}
	strcpy(v + 3 * ps + 100, "via vmap");
	kmm_memcpy_from_page(m, v + 7 * ps + 200, pages[3], 100, 9);
	assert_string_equal(v + 7 * ps + 200, "via vmap");
	assert_consistent(m, &log_);
	kmm_vunmap(m, v);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(kmm_page_ref_count(m, pages[i]), 1);
		kmm_free_pages(m, pages[i], 0);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Freed areas wait for a batch purge past lazy_max_pages. */
static void test_lazy_purge(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct kmm_vmalloc_stats st;
	unsigned long freed = 0;

	(void)state;
	stats(m, &st);
	assert_int_equal(st.lazy_max_pages, 2 * (32ul << 20) / kmm_page_size(m));
	while (st.purges == 0) {
		void *p = kmm_vmalloc(m, 64 * kmm_page_size(m));

		assert_non_null(p);
		kmm_vfree(m, p);
		freed += 65;
		stats(m, &st);
		if (st.purges == 0)
			assert_int_equal(st.lazy_pages, freed);
	}
	assert_true(freed > st.lazy_max_pages);
	assert_int_equal(st.lazy_pages, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* kmalloc first, vmalloc above a page when the gfp mask may block. */
static void test_kvmalloc_rules(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	size_t big = 8u << 20; /* past KMALLOC_MAX_SIZE: kmalloc fails */
	char *a = kmm_kvmalloc(m, 100, GFP_KERNEL), *b = kmm_kvmalloc(m, big, GFP_KERNEL);
	char *c = kmm_kvmalloc(m, big, GFP_ATOMIC), *d = kmm_kvzalloc(m, 3 << 20, GFP_KERNEL);
	int *e = kmm_kvcalloc(m, 1000, sizeof(int), GFP_KERNEL);

	(void)state;
	assert_non_null(a);
	assert_false(kmm_is_vmalloc_addr(m, a));
	assert_non_null(b);
	assert_true(kmm_is_vmalloc_addr(m, b));
	assert_null(c); /* atomic: never vmalloc */
	assert_non_null(d);
	assert_false(kmm_is_vmalloc_addr(m, d)); /* kmalloc could: 3 MiB is a kmalloc size */
	assert_non_null(e);
	assert_int_equal(e[999], 0);
	assert_null(kmm_kvmalloc_array(m, SIZE_MAX, 2, GFP_KERNEL));
	strcpy(a, "kept");
	a = kmm_kvrealloc(m, a, big, GFP_KERNEL); /* kmalloc -> vmalloc */
	assert_true(kmm_is_vmalloc_addr(m, a));
	assert_string_equal(a, "kept");
	b[0] = 'x';
	assert_ptr_equal(kmm_kvrealloc(m, b, big - 100, GFP_KERNEL), b); /* in place */
	b = kmm_kvrealloc(m, b, big * 2, GFP_KERNEL);
	assert_int_equal(b[0], 'x');
	kmm_kvfree(m, a);
	kmm_kvfree(m, b);
	kmm_kvfree(m, d);
	kmm_kvfree(m, e);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* vfree while owning a CPU is deferred to the next vfree that may sleep. */
static void test_deferred_vfree(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct kmm_vmalloc_stats st;
	void *p = kmm_vmalloc(m, 1 << 20), *q;

	(void)state;
	kmm_get_cpu(m);
	kmm_vfree(m, p);
	kmm_put_cpu(m);
	stats(m, &st);
	assert_int_equal(st.nr_areas, 0);	    /* unlinked at once */
	assert_int_equal(st.nr_vmalloc_pages, 256); /* the rest deferred */
	test_log_clear(&log_);
	kmm_get_cpu(m);
	kmm_vfree(m, p); /* double, in atomic context: reported later */
	kmm_put_cpu(m);
	q = kmm_vmalloc(m, 4096); /* drains */
	stats(m, &st);
	assert_int_equal(st.nr_vmalloc_pages, 1);
	assert_true(test_log_contains(&log_, "Trying to vfree() nonexistent vm area"));
	kmm_vfree_atomic(m, q);
	kmm_vfree(m, NULL);
	stats(m, &st);
	assert_int_equal(st.nr_vmalloc_pages, 1);
	q = kmm_vmalloc(m, 4096);
	kmm_vfree(m, q);
	stats(m, &st);
	assert_int_equal(st.nr_vmalloc_pages, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* The host mapping budget: refused with a message before the host would refuse. */
static void test_host_map_budget(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=2 kswapd=0", &log_);
	struct kmm_vmalloc_stats st;
	unsigned long areas = 0;
	void **held = calloc(65536, sizeof(void *));

	(void)state;
	stats(m, &st);
	assert_int_equal(st.max_host_maps, 65530 - 8192);
	test_log_clear(&log_);
	for (;;) {
		void *p = kmm_vmalloc(m, kmm_page_size(m));

		if (!p)
			break;
		held[areas++] = p;
	}
	stats(m, &st);
	assert_true(test_log_contains(&log_, "vm.max_map_count is 65530"));
	assert_int_equal(st.host_maps, (long)areas * 2);
	assert_true(st.host_maps + 2 > st.max_host_maps);
	printf("single-page areas before the budget refused: %lu (host maps %ld of %ld)\n", areas,
	       st.host_maps, st.max_host_maps);
	assert_consistent(m, &log_);
	for (unsigned long i = 0; i < areas; i++)
		kmm_vfree(m, held[i]);
	/* one area of many contiguous frames costs few maps: 128 MiB fits easily */
	held[0] = kmm_vmalloc(m, 128u << 20);
	assert_non_null(held[0]);
	stats(m, &st);
	printf("a 128 MiB area costs %ld host maps\n", st.host_maps);
	assert_true(st.host_maps < 32768 / 8 + 2);
	kmm_vfree(m, held[0]);
	free(held);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Over caller memory: no vmalloc area, a clear refusal. */
static void test_caller_memory_refused(void **state)
{
	size_t size = 64u << 20;
	void *mem = aligned_alloc(1u << 22, size);
	kmm_machine *m = NULL;
	char err[256];

	(void)state;
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=64M@0 nr_cpus=1 kswapd=0",
					       mem, size, &m, err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, test_log_sink, &log_);
	test_log_clear(&log_);
	assert_null(kmm_vmalloc(m, 4096));
	assert_true(test_log_contains(&log_, "has no vmalloc area"));
	assert_false(kmm_is_vmalloc_addr(m, mem));
	/* kvmalloc still works through kmalloc */
	void *k = kmm_kvmalloc(m, 100000, GFP_KERNEL);
	assert_non_null(k);
	kmm_kvfree(m, k);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	free(mem);
}

struct worker {
	kmm_machine *m;
	int id;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t seed = 1234 + (uint64_t)w->id;
	size_t ps = kmm_page_size(w->m);

	for (int round = 0; round < 300; round++) {
		size_t pages = 1 + test_rand(&seed) % 64;
		unsigned char *p = kmm_vmalloc(w->m, pages * ps);
		struct page *hp;
		unsigned char *k;

		assert_non_null(p);
		memset(p, w->id, pages * ps);
		hp = kmm_vmalloc_to_page(w->m, p + (pages - 1) * ps);
		k = round & 1 ? kmm_kmap(w->m, hp) : kmm_kmap_local_page(w->m, hp);
		assert_int_equal(k[ps / 2], (unsigned char)w->id);
		if (round & 1)
			kmm_kunmap(w->m, hp);
		else
			kmm_kunmap_local(w->m, k);
		kmm_vfree(w->m, p);
	}
	return NULL;
}

static void test_threads(void **state)
{
	kmm_machine *m = test_boot("mem=512M nr_cpus=4 highmem=256M", &log_);
	pthread_t t[4];
	struct worker w[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ m, i + 1 };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmalloc_maps_scattered_frames),
		cmocka_unit_test(test_guard_page_faults),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_vmallocinfo_format),
		cmocka_unit_test(test_misuse_changes_nothing),
		cmocka_unit_test(test_vmap),
		cmocka_unit_test(test_lazy_purge),
		cmocka_unit_test(test_kvmalloc_rules),
		cmocka_unit_test(test_deferred_vfree),
		cmocka_unit_test(test_host_map_budget),
		cmocka_unit_test(test_caller_memory_refused),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
