#define _GNU_SOURCE
/* SPDX-License-Identifier: MIT */
/*
 * tests/test_highmem.c - the direct map covers lowmem only and is aligned
 * to the largest block; highmem frames are reached through kmap,
 * kmap_local and the page allocator's temporary maps (src/highmem/).
 */
#include "kmm_test.h"

#include <kmm/highmem.h>
#include <kmm/percpu.h>
#include <kmm/slab.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "highmem/highmem.h"
#include "machine.h"
#include "smp/cpu.h"

static struct test_log log_;

/*
 * No service threads: test_highmem_not_in_direct_map scans the whole direct
 * map, which kswapd, kcompactd and page reporting write as they run.
 */
#define HM "mem=128M nr_cpus=2 highmem=32M kswapd=0 kcompactd=0 page_reporting=0"

static struct page *alloc_high(kmm_machine *m)
{
	struct page *p = kmm_alloc_pages(m, GFP_HIGHUSER, 0);

	assert_non_null(p);
	assert_true(kmm_page_is_highmem(m, p));
	return p;
}

/* An order-k block's direct-map address is aligned to its size; so is kmalloc(2^k). */
static void test_direct_map_alignment(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=2", &log_);

	(void)state;
	for (unsigned int order = 0; order <= KMM_MAX_ORDER; order++) {
		for (int i = 0; i < 4; i++) {
			struct page *p = kmm_alloc_pages(m, GFP_KERNEL, order);
			uintptr_t a;

			assert_non_null(p);
			a = (uintptr_t)kmm_page_address(m, p);
			assert_int_equal(a % (kmm_page_size(m) << order), 0);
			kmm_free_pages(m, p, order);
		}
	}
	for (size_t size = 8; size <= (size_t)4 << 20; size <<= 1) {
		void *p = kmm_kmalloc(m, size, GFP_KERNEL);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % (size < 8 ? 8 : size), 0);
		kmm_kfree(m, p);
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Touching what would be a highmem frame's direct-map address faults (in a child). */
static void test_highmem_not_in_direct_map(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct page *p = alloc_high(m);
	unsigned long pfn = kmm_page_to_pfn(m, p);
	volatile char *raw = pfn_to_phys_virt(m, pfn);
	unsigned char pattern[64], *v;
	pid_t pid;
	int status;

	(void)state;
	assert_null(kmm_page_address(m, p));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		(void)*raw;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);

	/* A pattern written through kmap appears nowhere in the lowmem direct map. */
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(0xa5 ^ (i * 37) ^ (pfn & 0xff));
	v = kmm_kmap(m, p);
	assert_non_null(v);
	assert_ptr_equal(kmm_page_address(m, p), v);
	memcpy(v, pattern, sizeof(pattern));
	kmm_kunmap(m, p);
	{
		const unsigned char *low = (const unsigned char *)m->phys;
		size_t bytes = (size_t)m->max_low_pfn << m->page_shift;

		assert_null(memmem(low, bytes, pattern, sizeof(pattern)));
	}
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Written through kmap, read back through a kmap_local slot and the byte helpers. */
static void test_kmap_roundtrip(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct page *p = alloc_high(m), *q = alloc_high(m);
	struct page *low = kmm_alloc_pages(m, GFP_KERNEL, 0);
	char buf[128], *a, *b;

	(void)state;
	a = kmm_kmap(m, p);
	memset(a, 0x5a, kmm_page_size(m));
	strcpy(a + 100, "through kmap");
	kmm_kunmap(m, p);
	b = kmm_kmap_local_page(m, p);
	assert_ptr_not_equal(a, b);
	assert_string_equal(b + 100, "through kmap");
	assert_int_equal((unsigned char)b[0], 0x5a);
	kmm_kunmap_local(m, b);
	kmm_memcpy_from_page(m, buf, p, 100, 13);
	assert_string_equal(buf, "through kmap");
	kmm_memcpy_to_page(m, p, 200, "helper", 7);
	kmm_copy_highpage(m, q, p);
	kmm_memcpy_from_page(m, buf, q, 200, 7);
	assert_string_equal(buf, "helper");
	kmm_memzero_page(m, q, 200, 7);
	kmm_memcpy_from_page(m, buf, q, 200, 7);
	assert_int_equal(buf[0], 0);
	kmm_clear_highpage(m, q);
	kmm_memcpy_from_page(m, buf, q, 0, 1);
	assert_int_equal(buf[0], 0);
	/* lowmem: kmap is the direct address */
	assert_ptr_equal(kmm_kmap(m, low), kmm_page_address(m, low));
	kmm_kunmap(m, low);
	/* misuse: reported, nothing changes */
	test_log_clear(&log_);
	kmm_kunmap(m, q);
	assert_true(test_log_contains(&log_, "kunmap: page"));
	kmm_memcpy_to_page(m, p, kmm_page_size(m) - 2, "xyz", 3);
	assert_true(test_log_contains(&log_, "past the end of the page"));
	kmm_free_pages(m, p, 0);
	kmm_free_pages(m, q, 0);
	kmm_free_pages(m, low, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* __GFP_ZERO and init_on_free reach highmem frames through the temporary maps. */
static void test_highmem_zeroing(void **state)
{
	const char *lines[] = { HM, HM " init_on_free=1" };

	(void)state;
	for (int l = 0; l < 2; l++) {
		kmm_machine *m = test_boot(lines[l], &log_);

		for (int round = 0; round < 64; round++) {
			struct page *p = kmm_alloc_pages(m, GFP_HIGHUSER | __GFP_ZERO, 2);
			char *v;

			assert_non_null(p);
			assert_true(kmm_page_is_highmem(m, p));
			for (int i = 0; i < 4; i++) {
				v = kmm_kmap_local_page(m, p + i);
				for (size_t j = 0; j < kmm_page_size(m); j += 512)
					assert_int_equal(v[j], 0);
				memset(v, 0xee, kmm_page_size(m));
				kmm_kunmap_local(m, v);
			}
			kmm_free_pages(m, p, 2);
		}
		assert_consistent(m, &log_);
		kmm_machine_destroy(m);
	}
}

/* 10,000 random nested kmap_local sequences, each slot checked while nested. */
static void test_kmap_local_nesting(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct page *pages[40];
	uint64_t seed = 42;

	(void)state;
	for (int i = 0; i < 40; i++)
		pages[i] = i < 32 ? alloc_high(m) : kmm_alloc_pages(m, GFP_KERNEL, 0);
	for (int i = 0; i < 40; i++) {
		char *v = kmm_kmap(m, pages[i]);

		memset(v, i + 1, kmm_page_size(m));
		kmm_kunmap(m, pages[i]);
	}
	for (int seq = 0; seq < 10000; seq++) {
		int depth = 1 + (int)(test_rand(&seed) % 16), idx[16];
		char *v[16];

		for (int d = 0; d < depth; d++) {
			idx[d] = (int)(test_rand(&seed) % 40);
			v[d] = kmm_kmap_local_page(m, pages[idx[d]]);
			assert_non_null(v[d]);
			for (int e = 0; e <= d; e++)
				assert_int_equal(v[e][(seq * 7 + e) % 4096 % kmm_page_size(m)],
						 idx[e] + 1);
		}
		for (int d = depth - 1; d >= 0; d--)
			kmm_kunmap_local(m, v[d] + (seq % 100));
		assert_int_equal(preempt_held_cpu(m), -1);
	}
	/* out of order: reported, both mappings stay */
	{
		char *a = kmm_kmap_local_page(m, pages[0]), *b = kmm_kmap_local_page(m, pages[1]);
		test_log_clear(&log_);
		kmm_kunmap_local(m, a);
		/* nothing changed: both still mapped, the CPU still owned */
		assert_int_equal(a[0], 1);
		assert_int_equal(b[0], 2);
		assert_true(preempt_held_cpu(m) >= 0);
		kmm_kunmap_local(m, b);
		kmm_kunmap_local(m, a);
		/* reported once the CPU was given back (no log while it is owned) */
		assert_true(test_log_contains(&log_, "kunmap_local_indexed"));
		assert_true(test_log_contains(&log_, "is not the last kmap_local"));
		assert_int_equal(preempt_held_cpu(m), -1);
		test_log_clear(&log_);
		kmm_kunmap_local(m, a);
		assert_true(test_log_contains(&log_, "holds no kmap_local"));
	}
	for (int i = 0; i < 40; i++)
		kmm_free_pages(m, pages[i], 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

struct waiter {
	kmm_machine *m;
	struct page *page;
	void *addr;
	int done;
};

static void *kmap_waiter(void *arg)
{
	struct waiter *w = arg;

	w->addr = kmm_kmap(w->m, w->page);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The window fills; a kmap then sleeps until a kunmap frees a slot. */
static void test_pkmap_window_full(void **state)
{
	kmm_machine *m = test_boot(HM, &log_);
	struct page **pages = calloc(LAST_PKMAP + 1, sizeof(*pages));
	struct waiter w = { .m = m };
	pthread_t t;

	(void)state;
	for (int i = 0; i <= LAST_PKMAP; i++)
		pages[i] = alloc_high(m);
	for (int i = 0; i < LAST_PKMAP; i++) {
		char *v = kmm_kmap(m, pages[i]);

		assert_non_null(v);
		*(int *)v = i;
	}
	w.page = pages[LAST_PKMAP];
	assert_int_equal(pthread_create(&t, NULL, kmap_waiter, &w), 0);
	usleep(100 * 1000);
	assert_int_equal(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE), 0);
	kmm_kunmap(m, pages[7]);
	pthread_join(t, NULL);
	assert_int_equal(w.done, 1);
	assert_non_null(w.addr);
	assert_ptr_equal(kmm_page_address(m, pages[LAST_PKMAP]), w.addr);
	assert_true(m->highmem->kmap_sleeps >= 1);
	for (int i = 0; i < LAST_PKMAP; i++)
		if (i != 7)
			assert_int_equal(*(int *)kmm_page_address(m, pages[i]), i);
	assert_consistent(m, &log_);
	for (int i = 0; i <= LAST_PKMAP; i++) {
		if (i != 7)
			kmm_kunmap(m, pages[i]);
		kmm_free_pages(m, pages[i], 0);
	}
	free(pages);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Over caller memory: the flat fallback (every frame in the caller's mapping). */
static void test_caller_memory_fallback(void **state)
{
	size_t size = 128u << 20;
	void *mem = aligned_alloc(1u << 22, size);
	kmm_machine *m = NULL;
	char err[256];
	struct page *p;
	char *v;

	(void)state;
	assert_non_null(mem);
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=128M@0 highmem=32M "
					       "nr_cpus=1 kswapd=0",
					       mem, size, &m, err, sizeof(err)),
			 KMM_OK);
	p = kmm_alloc_pages(m, GFP_HIGHUSER | __GFP_ZERO, 0);
	assert_non_null(p);
	assert_null(kmm_page_address(m, p));
	v = kmm_kmap(m, p);
	assert_ptr_equal(v, (char *)mem + (kmm_page_to_pfn(m, p) << 12));
	kmm_kunmap(m, p);
	kmm_free_pages(m, p, 0);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_map_alignment),
		cmocka_unit_test(test_highmem_not_in_direct_map),
		cmocka_unit_test(test_kmap_roundtrip),
		cmocka_unit_test(test_highmem_zeroing),
		cmocka_unit_test(test_kmap_local_nesting),
		cmocka_unit_test(test_pkmap_window_full),
		cmocka_unit_test(test_caller_memory_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
