/* SPDX-License-Identifier: MIT */
/*
 * tests/test_stackdepot.c - the stack depot (lib/stackdepot.c) and the
 * stacks of SLUB's user tracking (slab/debug.c):
 *   the same stack saved twice is one record with one handle, different
 *   stacks (one frame or the length apart) get different handles, fetch
 *   gives the frames back, bad handles give nothing;
 *   a machine without SLAB_STORE_USER caches has no depot (handle 0);
 *   a full depot says so once, keeps finding the stacks it has, returns 0
 *   for new ones, and reports then print the call site alone;
 *   threads saving the same stacks at once get one record and one handle
 *   per stack;
 *   kmm_check's walker passes on a good depot and finds a damaged record;
 *   a double free and a red zone overrun under slab_debug=U print the
 *   alloc and free stacks, several frames each, with this file's function
 *   names (the executable is linked with -rdynamic, tests/CMakeLists.txt).
 */
#include "kmm_test.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/stackdepot.h"
#include "slab/slab.h"
#include <kmm/slab.h>

static struct test_log log_;

static void assert_log(const char *needle)
{
	if (!test_log_contains(&log_, needle))
		fail_msg("log lacks \"%s\"; log:\n%s", needle, log_.buf);
}

static int log_count(const char *needle)
{
	int n = 0;

	for (const char *p = log_.buf; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static struct kmm_stackdepot *depot(kmm_machine *m)
{
	return __atomic_load_n(&m->stackdepot, __ATOMIC_ACQUIRE);
}

/* ---- dedup, distinct stacks, fetch ------------------------------------------------- */

static void test_dedup(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=U,tracked*", &log_);
	struct kmem_cache *s;
	uintptr_t a[5] = { 0x401000, 0x401100, 0x402200, 0x403300, 0x404400 };
	uintptr_t b[5] = { 0x401000, 0x401100, 0x402200, 0x403300, 0x404401 };
	depot_stack_handle_t ha, ha2, hb, hshort;
	const uintptr_t *got;
	unsigned int before;

	(void)state;
	assert_null(depot(m)); /* no SLAB_STORE_USER cache yet */
	assert_int_equal(stack_depot_save(m, a, 5), 0);
	s = kmm_kmem_cache_create(m, "tracked", 64, 0, 0, NULL);
	assert_non_null(s);
	assert_true(s->flags & SLAB_STORE_USER);
	assert_non_null(depot(m));
	before = depot(m)->nr_stacks;

	ha = stack_depot_save(m, a, 5);
	assert_int_not_equal(ha, 0);
	ha2 = stack_depot_save(m, a, 5);
	assert_int_equal(ha, ha2); /* the same stack: the same record */
	assert_int_equal(depot(m)->nr_stacks, before + 1);
	hb = stack_depot_save(m, b, 5); /* one frame apart */
	assert_int_not_equal(hb, 0);
	assert_int_not_equal(hb, ha);
	hshort = stack_depot_save(m, a, 4); /* a prefix */
	assert_int_not_equal(hshort, 0);
	assert_int_not_equal(hshort, ha);
	assert_int_not_equal(hshort, hb);
	assert_int_equal(depot(m)->nr_stacks, before + 3);
	assert_int_equal(stack_depot_save(m, a, 0), 0);

	assert_int_equal(stack_depot_fetch(m, ha, &got), 5);
	assert_memory_equal(got, a, sizeof(a));
	assert_int_equal(stack_depot_fetch(m, hb, &got), 5);
	assert_memory_equal(got, b, sizeof(b));
	assert_int_equal(stack_depot_fetch(m, hshort, &got), 4);
	/* bad handles: none, past the end, into the middle of a record */
	assert_int_equal(stack_depot_fetch(m, 0, &got), 0);
	assert_null(got);
	assert_int_equal(stack_depot_fetch(m, 0x7fffffff, &got), 0);
	assert_int_equal(stack_depot_fetch(m, ha + 3, &got), 0);
	/* a second STORE_USER cache keeps the depot */
	{
		struct kmm_stackdepot *d = depot(m);
		struct kmem_cache *t = kmm_kmem_cache_create(m, "tracked2", 32, 0, 0, NULL);

		assert_ptr_equal(depot(m), d);
		assert_int_equal(stack_depot_save(m, a, 5), ha);
		kmm_kmem_cache_destroy(m, t);
	}
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	kmm_kmem_cache_destroy(m, s);
	kmm_machine_destroy(m);
}

/* Without user tracking there is no depot, and tracks have no stack. */
static void test_no_depot_without_store_user(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=FZP", &log_);
	uintptr_t a[2] = { 1, 2 };
	void *p;

	(void)state;
	p = kmm_kmalloc(m, 64, GFP_KERNEL);
	kmm_kfree(m, p);
	assert_null(depot(m));
	assert_int_equal(stack_depot_save(m, a, 2), 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- real stacks of slab tracking ------------------------------------------------- */

/* Global and not inlined, so that kmm_os_symbol (dladdr, -rdynamic) names them. */
__attribute__((noinline)) void *stackdepot_test_alloc(kmm_machine *m, struct kmem_cache *s)
{
	void *p = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);

	__asm__ volatile("" ::: "memory"); /* no tail call */
	return p;
}

__attribute__((noinline)) void *stackdepot_test_alloc_other(kmm_machine *m, struct kmem_cache *s)
{
	void *p = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);

	__asm__ volatile("" ::: "memory");
	return p;
}

__attribute__((noinline)) void stackdepot_test_free(kmm_machine *m, struct kmem_cache *s, void *p)
{
	kmm_kmem_cache_free(m, s, p);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void stackdepot_test_double_free(kmm_machine *m, struct kmem_cache *s,
							   void *p)
{
	kmm_kmem_cache_free(m, s, p);
	__asm__ volatile("" ::: "memory");
}

static depot_stack_handle_t alloc_handle(struct kmem_cache *s, void *obj)
{
	return get_track(s, obj, 1)->handle;
}

/* The stacks the same call chain records are one depot record. */
void test_stackdepot_track_dedup(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=U,victim", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	void *p[4], *q;
	const uintptr_t *frames;

	(void)state;
	/* a volatile counter: an unrolled loop would make four call sites */
	for (volatile int i = 0; i < 4; i++)
		p[i] = stackdepot_test_alloc(m, s);
	q = stackdepot_test_alloc_other(m, s);
	assert_int_not_equal(alloc_handle(s, p[0]), 0);
	for (int i = 1; i < 4; i++)
		assert_int_equal(alloc_handle(s, p[i]), alloc_handle(s, p[0]));
	assert_int_not_equal(alloc_handle(s, q), alloc_handle(s, p[0]));
	/* the stack starts at the call site, the track's addr */
	assert_true(stack_depot_fetch(m, alloc_handle(s, q), &frames) >= 3);
	assert_int_equal(frames[0], get_track(s, q, 1)->addr);
	for (volatile int i = 0; i < 4; i++)
		stackdepot_test_free(m, s, p[i]);
	stackdepot_test_free(m, s, q);
	assert_int_not_equal(get_track(s, p[0], 0)->handle, 0);
	assert_int_equal(get_track(s, p[1], 0)->handle, get_track(s, p[0], 0)->handle);
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	kmm_kmem_cache_destroy(m, s);
	kmm_machine_destroy(m);
}

/* The indented frame lines that follow the first line starting with `info`. */
static int frames_after(const char *info, char *out, size_t len)
{
	const char *p = strstr(log_.buf, info);
	int n = 0;
	size_t used = 0;

	if (!p)
		return -1;
	p = strchr(p, '\n');
	while (p && p[1] == ' ') {
		const char *e = strchr(p + 1, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (used + l < len) {
			memcpy(out + used, p, l);
			used += l;
		}
		n++;
		p = e;
	}
	out[used < len ? used : len - 1] = '\0';
	return n;
}

void test_stackdepot_double_free_report(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=FZU,victim", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	char frames[4096];
	void *p;
	int n;

	(void)state;
	p = stackdepot_test_alloc(m, s);
	stackdepot_test_free(m, s, p);
	assert_int_equal(log_.len, 0);
	stackdepot_test_double_free(m, s, p);
	assert_log("BUG victim (Not tainted): Object already free");
	/* the call sites, symbolised (%pS) */
	assert_log("INFO: Allocated in stackdepot_test_alloc+0x");
	assert_log("INFO: Freed in stackdepot_test_free+0x");
	/* then each stack, one frame a line, indented by one space */
	n = frames_after("INFO: Allocated in ", frames, sizeof(frames));
	if (n < 3 || !strstr(frames, "\n stackdepot_test_alloc+0x") ||
	    !strstr(frames, "\n test_stackdepot_double_free_report+0x"))
		fail_msg("alloc stack (%d frames):%s\nlog:\n%s", n, frames, log_.buf);
	n = frames_after("INFO: Freed in ", frames, sizeof(frames));
	if (n < 3 || !strstr(frames, "\n stackdepot_test_free+0x") ||
	    !strstr(frames, "\n test_stackdepot_double_free_report+0x"))
		fail_msg("free stack (%d frames):%s\nlog:\n%s", n, frames, log_.buf);
	/* kmm's own frames are not in it: the stack starts at the call site */
	if (strstr(frames, "kmm_kmem_cache_free"))
		fail_msg("free stack shows kmm's frames:%s", frames);
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, s);
	kmm_machine_destroy(m);
}

void test_stackdepot_overrun_report(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=FZU,victim", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	char frames[4096];
	char *p;
	int n;

	(void)state;
	p = stackdepot_test_alloc(m, s);
	p[64] = 'x'; /* one byte into the right red zone */
	stackdepot_test_free(m, s, p);
	assert_log("BUG victim (Not tainted): Right Redzone overwritten");
	n = frames_after("INFO: Allocated in ", frames, sizeof(frames));
	if (n < 3 || !strstr(frames, "\n stackdepot_test_alloc+0x") ||
	    !strstr(frames, "\n test_stackdepot_overrun_report+0x"))
		fail_msg("alloc stack (%d frames):%s\nlog:\n%s", n, frames, log_.buf);
	test_log_clear(&log_);
	stackdepot_test_free(m, s, p); /* restored: now it frees */
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, s);
	kmm_machine_destroy(m);
}

/* ---- capacity ---------------------------------------------------------------------- */

static void test_capacity(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=2 slab_debug=FU,victim", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	struct kmm_stackdepot *d = depot(m);
	uintptr_t first[3] = { 0x1000, 0x2000, 0 };
	const size_t rec = sizeof(struct stack_record) + 3 * sizeof(uintptr_t);
	depot_stack_handle_t hfirst, h = 1;
	unsigned int saved = 0, room, pools;
	unsigned long pages0 = stack_depot_pages(m), present = 0;
	const uintptr_t *got;
	void *p;

	(void)state;
	assert_non_null(d);
	/*
	 * The first block is 1 MiB on this machine, and the depot grows by 1 MiB
	 * pools while it stays within 1/32 of the present memory (a little under
	 * 128M: the holes of the memory map), so to 3 MiB.
	 */
	for_each_zone_m (m, zone)
		present += zone->present_pages;
	pools = (unsigned int)((present * 4096 / 32) / STACK_DEPOT_BYTES);
	assert_int_equal(pools, 3);
	assert_int_equal(pages0, STACK_DEPOT_BYTES / 4096);
	assert_int_equal(d->nr_pools, 1);
	room = (unsigned int)((d->pools[0].size - d->pools[0].used) / rec) +
	       (pools - 1) * (unsigned int)(STACK_DEPOT_BYTES / rec);
	hfirst = stack_depot_save(m, first, 3);
	assert_int_not_equal(hfirst, 0);
	saved = 1;
	for (uintptr_t i = 1; h && i < 10 * (uintptr_t)room; i++) {
		uintptr_t e[3] = { 0x1000 + i, 0x2000, i * 7 };

		h = stack_depot_save(m, e, 3);
		if (h)
			saved++;
	}
	assert_int_equal(h, 0);
	/* exactly what pool 0 and the added pools hold: one more would pass 1/32 of the memory */
	assert_int_equal(saved, room);
	assert_int_equal(d->nr_pools, pools);
	assert_int_equal(stack_depot_pages(m), pools * pages0);
	assert_true(d->full);
	assert_int_equal(log_count("Stack depot reached limit capacity\n"), 1);
	assert_log("stackdepot: ");
	/* more new stacks: 0, and no second message */
	for (uintptr_t i = 0; i < 100; i++) {
		uintptr_t e[2] = { 0xdead0000 + i, 1 };

		assert_int_equal(stack_depot_save(m, e, 2), 0);
	}
	assert_int_equal(log_count("Stack depot reached limit capacity"), 1);
	/* what is there is still found */
	assert_int_equal(stack_depot_save(m, first, 3), hfirst);
	assert_int_equal(stack_depot_fetch(m, hfirst, &got), 3);
	assert_memory_equal(got, first, sizeof(first));
	assert_consistent(m, &log_);

	/* tracking goes on with the call site alone */
	test_log_clear(&log_);
	p = stackdepot_test_alloc(m, s);
	assert_int_equal(get_track(s, p, 1)->handle, 0);
	assert_int_not_equal(get_track(s, p, 1)->addr, 0);
	stackdepot_test_free(m, s, p);
	stackdepot_test_double_free(m, s, p);
	assert_log("BUG victim (Not tainted): Object already free");
	assert_log("INFO: Allocated in stackdepot_test_alloc+0x");
	assert_log("INFO: Freed in stackdepot_test_free+0x");
	{
		char frames[256];

		assert_int_equal(frames_after("INFO: Allocated in ", frames, sizeof(frames)), 0);
		assert_int_equal(frames_after("INFO: Freed in ", frames, sizeof(frames)), 0);
	}
	assert_int_equal(log_count("Stack depot reached limit capacity"), 0);
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, s);
	kmm_machine_destroy(m);
}

/*
 * The depot is sized from the machine's present memory, not from what
 * deferred struct page init has handed to the buddy lists so far: on
 * libkmm-malloc's machine shape (128M, descriptors written 4 MiB at a time)
 * the first block is 1 MiB, where 1/32 of the first chunk gave 128 KiB.
 */
static void test_sized_past_deferred_init(void **state)
{
	size_t size = (size_t)5 << 30;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	kmm_machine *m = NULL;
	struct kmem_cache *s;
	char err[256];

	(void)state;
	assert_true(mem != MAP_FAILED);
	assert_int_equal(kmm_machine_create_on_zeroed(
				 "memmap=exactmap memmap=128M@4G nr_cpus=1 kswapd=0 kcompactd=0 "
				 "deferred_struct_page_init.chunk=block slab_debug=U,victim",
				 mem, size, &m, err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, test_log_sink, &log_);
	assert_true(m->totalram_pages * 4096 / 32 < STACK_DEPOT_BYTES); /* still deferred */
	s = kmm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	assert_non_null(s);
	assert_non_null(depot(m));
	assert_int_equal(stack_depot_pages(m), STACK_DEPOT_BYTES / 4096);
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, s);
	kmm_machine_destroy(m);
	munmap(mem, size);
}

/* ---- concurrent saves ----------------------------------------------------------------- */

#define RACE_THREADS 4
#define RACE_STACKS 30000 /* more than pool 0 holds: the threads race to add a pool too */

struct race {
	kmm_machine *m;
	int id;
	depot_stack_handle_t handle[RACE_STACKS];
};

/* Every thread saves the same stacks, each in its own order: one record per stack. */
static void *race_thread(void *arg)
{
	static const int stride[RACE_THREADS] = { 1, 7, 11, 13 }; /* coprime with RACE_STACKS */
	struct race *r = arg;

	for (int k = 0; k < RACE_STACKS; k++) {
		int i = (k * stride[r->id] + r->id * 977) % RACE_STACKS;
		uintptr_t e[4] = { 0x5000, 0x6000 + (uintptr_t)i, 0x7000, (uintptr_t)i % 7 };

		r->handle[i] = stack_depot_save(r->m, e, 4);
	}
	return NULL;
}

static void test_concurrent_saves(void **state)
{
	kmm_machine *m = test_boot("mem=128M nr_cpus=2 slab_debug=U,victim", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	static struct race races[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	unsigned int before = depot(m)->nr_stacks;

	(void)state;
	for (int i = 0; i < RACE_THREADS; i++) {
		races[i].m = m;
		races[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &races[i]), 0);
	}
	for (int i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int k = 0; k < RACE_STACKS; k++) {
		assert_int_not_equal(races[0].handle[k], 0);
		for (int i = 1; i < RACE_THREADS; i++)
			assert_int_equal(races[i].handle[k], races[0].handle[k]);
	}
	assert_int_equal(depot(m)->nr_stacks, before + RACE_STACKS);
	assert_int_equal(depot(m)->nr_pools, 2);
	assert_int_equal(stack_depot_pages(m), 2 * STACK_DEPOT_BYTES / 4096);
	assert_consistent(m, &log_);
	assert_int_equal(log_.len, 0);
	kmm_kmem_cache_destroy(m, s);
	kmm_machine_destroy(m);
}

/* ---- kmm_check's walker -------------------------------------------------------------- */

static void test_check_finds_damage(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=U,victim", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	uintptr_t a[4] = { 10, 20, 30, 40 };
	depot_stack_handle_t h = stack_depot_save(m, a, 4);
	struct stack_record *rec;
	uintptr_t saved;

	(void)state;
	assert_int_not_equal(h, 0);
	assert_consistent(m, &log_);
	rec = stack_depot_record(depot(m), h);
	assert_memory_equal(rec->entries, a, sizeof(a));
	saved = rec->entries[2];
	rec->entries[2] = 31; /* a frame changed under its hash */
	assert_true(kmm_check(m) > 0);
	assert_log("stackdepot: ");
	assert_log("1 records with a wrong hash");
	rec->entries[2] = saved;
	test_log_clear(&log_);
	assert_consistent(m, &log_);
	depot(m)->nr_stacks++; /* a count that disagrees */
	assert_true(kmm_check(m) > 0);
	depot(m)->nr_stacks--;
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, s);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_no_depot_without_store_user),
		cmocka_unit_test(test_stackdepot_track_dedup),
		cmocka_unit_test(test_stackdepot_double_free_report),
		cmocka_unit_test(test_stackdepot_overrun_report),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_sized_past_deferred_init),
		cmocka_unit_test(test_concurrent_saves),
		cmocka_unit_test(test_check_finds_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
