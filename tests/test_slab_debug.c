/* SPDX-License-Identifier: MIT */
/*
 * tests/test_slab_debug.c - misuse of the slab allocator and SLUB-style
 * debugging (slab/debug.c). Each misuse is made once, its report is checked
 * against SLUB's format (the "=====" line, "BUG <cache> (<taint>): <reason>",
 * INFO lines, the hex dump, "FIX <cache>: ..."), and kmm_check must then
 * find the allocator consistent:
 *   double free, a pointer into the middle of an object, a free into the
 *   wrong cache, kfree of pointers kmm never returned, the left and right
 *   red zones overwritten, a write after free (poison), a corrupted free
 *   pointer, objects still live at kmem_cache_destroy;
 * plus slab_debug= parsing (global, per cache, globs, '-', unknown letters),
 * user tracking (U), tracing (T), the taint after a first report, kmm_check
 * finding damage on its own, reports made fatal, and SLAB_PANIC.
 */
#include "kmm_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slab/slab.h"
#include <kmm/slab.h>

static struct test_log log_;

#define BANNER "=============================================================================\n"
#define RULE "-----------------------------------------------------------------------------\n"

static void assert_log(const char *needle)
{
	if (!test_log_contains(&log_, needle))
		fail_msg("log lacks \"%s\"; log:\n%s", needle, log_.buf);
}

/* The header of a SLUB report, exactly. */
static void assert_bug(const char *cache, const char *taint, const char *reason)
{
	char want[512];
	int n;

	n = snprintf(want, sizeof(want), BANNER "BUG %s (%s): %s\n" RULE "\n", cache, taint, reason);
	assert_true(n > 0 && (size_t)n < sizeof(want)); /* a truncated needle would match less */
	assert_log(want);
}

static void assert_fix_not_freed(const char *cache, const void *obj)
{
	char want[256];
	int n;

	n = snprintf(want, sizeof(want), "FIX %s: Object at %p not freed\n", cache, obj);
	assert_true(n > 0 && (size_t)n < sizeof(want));
	assert_log(want);
}

/* ---- double free ----------------------------------------------------------------- */

static void test_double_free_debug(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=F,victim", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	void *a = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	void *b = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);

	(void)state;
	assert_true(s->debug);
	kmm_kmem_cache_free(m, s, a);
	kmm_kmem_cache_free(m, s, b);
	assert_int_equal(log_.len, 0);
	kmm_kmem_cache_free(m, s, a); /* not at the head of the freelist: a deep double free */
	assert_bug("victim", "Not tainted", "Object already free");
	assert_log("INFO: Slab 0x");
	assert_log("INFO: Object 0x");
	assert_log("Object   0000");
	assert_fix_not_freed("victim", a);
	assert_consistent(m, &log_);
	/* the allocator is intact: both objects come back once each */
	{
		void *x = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
		void *y = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);

		assert_ptr_not_equal(x, y);
		assert_true((x == a && y == b) || (x == b && y == a));
	}
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Without debugging: the immediate double free is still caught (the array's top). */
static void test_double_free_plain(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1", &log_);
	void *a = kmm_kmalloc(m, 64, GFP_KERNEL);

	(void)state;
	kmm_kfree(m, a);
	kmm_kfree(m, a);
	assert_bug("kmalloc-64", "Not tainted", "Object already free");
	assert_fix_not_freed("kmalloc-64", a);
	assert_consistent(m, &log_);
	/* a second report says the machine is tainted */
	test_log_clear(&log_);
	kmm_kfree(m, a);
	assert_bug("kmalloc-64", "Tainted: B", "Object already free");
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- bad pointers ------------------------------------------------------------------ */

static void test_pointer_inside_object(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "inner", 100, 0, 0, NULL);
	char *a = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	char want[96];

	(void)state;
	kmm_kmem_cache_free(m, s, a + 8);
	snprintf(want, sizeof(want), "Invalid object pointer %p", (void *)(a + 8));
	assert_bug("inner", "Not tainted", want);
	assert_log("INFO: Slab 0x");
	assert_fix_not_freed("inner", a + 8);
	test_log_clear(&log_);
	kmm_kfree(m, a + 1);
	snprintf(want, sizeof(want), "Invalid object pointer %p", (void *)(a + 1));
	assert_bug("inner", "Tainted: B", want);
	assert_consistent(m, &log_);
	/* the object itself is still allocated, and frees normally */
	kmm_kmem_cache_free(m, s, a);
	kmm_kmem_cache_shrink(m, s);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_wrong_cache(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2", &log_);
	struct kmem_cache *a = kmm_kmem_cache_create(m, "cache_a", 64, 0, 0, NULL);
	struct kmem_cache *b = kmm_kmem_cache_create(m, "cache_b", 64, 0, 0, NULL);
	void *x = kmm_kmem_cache_alloc(m, a, GFP_KERNEL);

	(void)state;
	kmm_kmem_cache_free(m, b, x);
	assert_bug("cache_b", "Not tainted",
		   "Wrong slab cache. cache_b but object is from cache_a");
	assert_fix_not_freed("cache_b", x);
	assert_consistent(m, &log_);
	kmm_kmem_cache_free(m, a, x);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_kfree_foreign(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2", &log_);
	int on_stack;
	void *heap = malloc(32);
	struct page *pg = kmm_alloc_pages(m, GFP_KERNEL, 1);
	char *pa = kmm_page_address(m, pg);
	char *big = kmm_kmalloc(m, 20000, GFP_KERNEL);
	char want[96];

	(void)state;
	kmm_kfree(m, &on_stack);
	snprintf(want, sizeof(want), "Invalid object pointer %p", (void *)&on_stack);
	assert_bug("kfree", "Not tainted", want);
	assert_log("INFO: not an address in this machine's direct map\n");
	assert_log("FIX kfree: Object at ");
	test_log_clear(&log_);
	kmm_kfree(m, heap);
	assert_log("BUG kfree (Tainted: B): Invalid object pointer");
	test_log_clear(&log_);
	/* pages from the page allocator are not kmalloc's */
	kmm_kfree(m, pa);
	assert_log("BUG kfree (Tainted: B): Invalid object pointer");
	assert_log("is neither a slab nor a large kmalloc");
	test_log_clear(&log_);
	/* nor is the inside of a large kmalloc */
	kmm_kfree(m, big + 4096);
	assert_log("is inside the large kmalloc at");
	assert_consistent(m, &log_);
	kmm_kfree(m, big);
	kmm_free_pages(m, pg, 1);
	free(heap);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- red zones --------------------------------------------------------------------- */

static void test_redzone_right(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=Z", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "rz", 40, 0, 0, NULL);
	unsigned char *p = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	char want[160];

	(void)state;
	assert_true(s->flags & SLAB_RED_ZONE);
	p[40] = 0x00; /* one byte past the object */
	kmm_kmem_cache_free(m, s, p);
	assert_bug("rz", "Not tainted", "Right Redzone overwritten");
	snprintf(want, sizeof(want), "INFO: %p-%p @offset=", (void *)(p + 40), (void *)(p + 40));
	assert_log(want);
	assert_log(". First byte 0x0 instead of 0xcc\n");
	assert_log("Redzone  0000");
	assert_log("Object   0000");
	snprintf(want, sizeof(want), "FIX rz: Restoring Right Redzone %p-%p=0xcc\n",
		 (void *)(p + 40), (void *)(p + 40));
	assert_log(want);
	assert_fix_not_freed("rz", p);
	assert_int_equal(p[40], 0xcc); /* restored */
	assert_consistent(m, &log_);
	/* still allocated: a normal free works */
	test_log_clear(&log_);
	kmm_kmem_cache_free(m, s, p);
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_redzone_left(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=FZ", &log_);
	unsigned char *p = kmm_kmalloc(m, 64, GFP_KERNEL);

	(void)state;
	p[-3] = 0x41;
	kmm_kfree(m, p);
	assert_bug("kmalloc-64", "Not tainted", "Left Redzone overwritten");
	assert_log("First byte 0x41 instead of 0xcc");
	assert_log("FIX kmalloc-64: Restoring Left Redzone ");
	assert_consistent(m, &log_);
	kmm_kfree(m, p);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- poison: write after free --------------------------------------------------------- */

static void test_use_after_free_poison(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=P,uaf", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "uaf", 64, 0, 0, NULL);
	unsigned char *p = kmm_kmem_cache_alloc(m, s, GFP_KERNEL), *q;

	(void)state;
	kmm_kmem_cache_free(m, s, p);
	/* freed: poisoned */
	assert_int_equal(p[0], POISON_FREE);
	assert_int_equal(p[63], POISON_END);
	p[10] = 0x99; /* a write after free */
	assert_int_equal(log_.len, 0);
	q = kmm_kmem_cache_alloc(m, s, GFP_KERNEL); /* the same object comes back */
	assert_ptr_equal(p, q);
	assert_bug("uaf", "Not tainted", "Poison overwritten");
	assert_log("First byte 0x99 instead of 0x6b");
	assert_log("Object   0000");
	assert_log("6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 99 6b 6b 6b 6b 6b  kkkkkkkkkk.kkkkk");
	assert_log("FIX uaf: Restoring Poison ");
	assert_consistent(m, &log_);
	kmm_kmem_cache_free(m, s, q);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* kmm_check finds a poisoned object damaged while free, reports and repairs it. */
static void test_check_finds_damage(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=ZP,found", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "found", 128, 0, 0, NULL);
	unsigned char *p = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);

	(void)state;
	kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	kmm_kmem_cache_free(m, s, p);
	p[100] = 0;
	assert_true(kmm_check(m) > 0);
	assert_log("objects with damaged red zones, poison or padding");
	assert_bug("found", "Not tainted", "Poison overwritten");
	assert_int_equal(p[100], POISON_FREE);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- free pointer ------------------------------------------------------------------- */

static void test_freepointer_corrupt(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=F,fp", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "fp", 64, 0, 0, NULL);
	void *obj[8];
	unsigned char *victim;
	struct kmm_slab_info before, after;

	(void)state;
	for (int i = 0; i < 8; i++)
		obj[i] = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	for (int i = 0; i < 8; i++)
		kmm_kmem_cache_free(m, s, obj[i]);
	kmm_slab_info(m, &before, 1);
	/* the last freed object heads the freelist; overwrite its free pointer */
	victim = obj[7];
	memset(victim, 0x41, 64);
	assert_ptr_equal(kmm_kmem_cache_alloc(m, s, GFP_KERNEL), victim);
	assert_bug("fp", "Not tainted", "Freepointer corrupt");
	assert_log("FIX fp: Isolate corrupted freechain");
	assert_consistent(m, &log_);
	/* the objects cut off are written off as in use: counts stay exact */
	kmm_slab_info(m, &after, 1);
	assert_string_equal(after.name, "fp");
	assert_int_equal(after.num_objs, before.num_objs);
	assert_int_equal(after.active_objs, after.num_objs);
	/* and the cache goes on: the next allocation takes a new slab */
	assert_non_null(kmm_kmem_cache_alloc(m, s, GFP_KERNEL));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- destroy with live objects -------------------------------------------------------- */

static void test_destroy_with_live_objects(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=U,leaky", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "leaky", 64, 0, 0, NULL);
	void *a = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	void *b = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	char want[96];
	char *info;

	(void)state;
	kmm_kmem_cache_free(m, s, b);
	kmm_kmem_cache_destroy(m, s);
	assert_bug("leaky", "Not tainted", "Objects remaining in leaky on __kmem_cache_shutdown()");
	snprintf(want, sizeof(want), "INFO: Object %p @offset=", a);
	assert_log(want);
	assert_log("INFO: Allocated in 0x");
	assert_log("kmem_cache_destroy leaky: Slab cache still has objects when called from 0x");
	assert_log("FIX leaky: cache kept with its 1 slabs in use");
	/* kept: the object is still valid, the cache still listed */
	memset(a, 1, 64);
	info = test_report(m, KMM_REPORT_SLABINFO);
	assert_non_null(strstr(info, "\nleaky "));
	free(info);
	assert_consistent(m, &log_);
	/* once freed, destroy succeeds */
	test_log_clear(&log_);
	kmm_kmem_cache_free(m, s, a);
	kmm_kmem_cache_destroy(m, s);
	assert_int_equal(log_.len, 0);
	info = test_report(m, KMM_REPORT_SLABINFO);
	assert_null(strstr(info, "\nleaky "));
	free(info);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- U and T ---------------------------------------------------------------------------- */

static void test_user_tracking(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=FU", &log_);
	void *a = kmm_kmalloc(m, 32, GFP_KERNEL);

	(void)state;
	kmm_kfree(m, a);
	kmm_kfree(m, a);
	assert_bug("kmalloc-32", "Not tainted", "Object already free");
	assert_log("INFO: Allocated in 0x");
	assert_log("INFO: Freed in 0x");
	assert_log(" cpu=");
	assert_log(" comm=");
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_trace(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=T,traced", &log_);
	struct kmem_cache *s = kmm_kmem_cache_create(m, "traced", 24, 0, 0, NULL);
	void *a = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);
	char want[96];

	(void)state;
	snprintf(want, sizeof(want), "TRACE traced alloc %p inuse=1 fp=", a);
	assert_log(want);
	memcpy(a, "abcdefgh", 8);
	kmm_kmem_cache_free(m, s, a);
	snprintf(want, sizeof(want), "TRACE traced free %p inuse=1 fp=", a);
	assert_log(want);
	assert_log("Object 0000");
	assert_log("abcdefgh");
	/* other caches are not traced */
	test_log_clear(&log_);
	kmm_kfree(m, kmm_kmalloc(m, 24, GFP_KERNEL));
	assert_int_equal(log_.len, 0);
	kmm_machine_destroy(m);
}

/* ---- slab_debug= parsing ----------------------------------------------------------------- */

static slab_flags_t debug_of(kmm_machine *m, const char *name)
{
	return slab_debug_flags(m, name);
}

static void test_slab_debug_option(void **state)
{
	kmm_machine *m;

	(void)state;
	m = test_boot("mem=64M nr_cpus=1 slab_debug=FZPU", &log_);
	assert_int_equal(debug_of(m, "anything"),
			 SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER);
	assert_true(m->slab->kmalloc_caches[KMALLOC_NORMAL][6]->debug);
	kmm_machine_destroy(m);

	m = test_boot("mem=64M nr_cpus=1 slub_debug=Z,kmalloc-*,dentry;P,foo", &log_);
	assert_int_equal(debug_of(m, "kmalloc-64"), SLAB_RED_ZONE);
	assert_int_equal(debug_of(m, "dentry"), SLAB_RED_ZONE);
	assert_int_equal(debug_of(m, "dentry2"), 0);
	assert_int_equal(debug_of(m, "foo"), SLAB_POISON);
	assert_int_equal(debug_of(m, "bar"), 0);
	assert_false(m->slab->kmalloc_caches[KMALLOC_NORMAL][6]->debug == false);
	assert_false(m->slab->kmalloc_caches[KMALLOC_DMA][6]->debug);
	kmm_machine_destroy(m);

	/* no letters before a list: full debugging for those caches */
	m = test_boot("mem=64M nr_cpus=1 slab_debug=,bar", &log_);
	assert_int_equal(debug_of(m, "bar"),
			 SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER);
	assert_int_equal(debug_of(m, "baz"), 0);
	kmm_machine_destroy(m);

	m = test_boot("mem=64M nr_cpus=1 slab_debug=-", &log_);
	assert_int_equal(debug_of(m, "kmalloc-8"), 0);
	kmm_machine_destroy(m);

	/* unknown letters are reported and skipped, as Linux does */
	m = test_boot("mem=64M nr_cpus=1 slab_debug=FQ", NULL);
	kmm_machine_destroy(m);
	{
		kmm_machine *q = NULL;
		char err[128];

		test_log_clear(&log_);
		/* boot messages go to stderr before a sink can be set: check the parse */
		assert_int_equal(
			kmm_machine_create("mem=64M nr_cpus=1 slab_debug=FQ", &q, err, sizeof(err)),
			KMM_OK);
		kmm_set_log(q, test_log_sink, &log_);
		slab_debug_validate(q);
		assert_log("slab_debug option 'Q' unknown. skipped\n");
		assert_int_equal(debug_of(q, "x"), SLAB_CONSISTENCY_CHECKS);
		kmm_machine_destroy(q);
	}
	/* flags given to kmem_cache_create add to slab_debug's */
	m = test_boot("mem=64M nr_cpus=1", &log_);
	{
		struct kmem_cache *s = kmm_kmem_cache_create(m, "own", 64, 0, SLAB_POISON, NULL);
		unsigned char *p = kmm_kmem_cache_alloc(m, s, GFP_KERNEL);

		assert_true(s->debug);
		kmm_kmem_cache_free(m, s, p);
		assert_int_equal(p[0], POISON_FREE);
	}
	kmm_machine_destroy(m);
}

/* A debug layout does not change what the caller can use. */
static void test_debug_layout(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=2 slab_debug=FZPU", &log_);

	(void)state;
	for (size_t size = 1; size <= 8192; size = size * 3 + 1) {
		unsigned char *p = kmm_kmalloc(m, size, GFP_KERNEL);

		assert_non_null(p);
		assert_true(kmm_ksize(m, p) >= size);
		memset(p, 0xa1, kmm_ksize(m, p));
		kmm_kfree(m, p);
	}
	assert_int_equal(log_.len, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* ---- fatal reports ------------------------------------------------------------------------ */

static void test_reports_fatal(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		kmm_machine *m = NULL;
		char err[128];
		void *a;

		if (kmm_machine_create("mem=64M nr_cpus=1", &m, err, sizeof(err)))
			_exit(2);
		kmm_set_log(m, test_log_sink, &log_);
		kmm_slab_set_reports_fatal(m, 1);
		a = kmm_kmalloc(m, 64, GFP_KERNEL);
		kmm_kfree(m, a);
		kmm_kfree(m, a); /* aborts */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* SLAB_PANIC: a cache that cannot be created stops the program. */
static void test_slab_panic(void **state)
{
	kmm_machine *m = test_boot("mem=64M nr_cpus=1", &log_);
	pid_t pid;
	int status;

	(void)state;
	/* without SLAB_PANIC the failure is returned */
	assert_null(kmm_kmem_cache_create(m, "bad", 0, 0, 0, NULL));
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		kmm_kmem_cache_create(m, "bad", 0, 0, SLAB_PANIC, NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_free_debug),
		cmocka_unit_test(test_double_free_plain),
		cmocka_unit_test(test_pointer_inside_object),
		cmocka_unit_test(test_wrong_cache),
		cmocka_unit_test(test_kfree_foreign),
		cmocka_unit_test(test_redzone_right),
		cmocka_unit_test(test_redzone_left),
		cmocka_unit_test(test_use_after_free_poison),
		cmocka_unit_test(test_check_finds_damage),
		cmocka_unit_test(test_freepointer_corrupt),
		cmocka_unit_test(test_destroy_with_live_objects),
		cmocka_unit_test(test_user_tracking),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_slab_debug_option),
		cmocka_unit_test(test_debug_layout),
		cmocka_unit_test(test_reports_fatal),
		cmocka_unit_test(test_slab_panic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
