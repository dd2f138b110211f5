/* SPDX-License-Identifier: MIT */
/*
 * tests/test_debug_checks.c - the debug-build checks fire: each internal
 * assertion kind (KMM_BUG_ON, VM_BUG_ON_PAGE, KMM_WARN_ON) and each report
 * of the lock-order checker (circular dependency, recursive locking,
 * sleeping with a spinlock or a CPU held, bad unlock balance) is provoked
 * in a child process by corrupting state or misusing an internal lock on
 * purpose; the parent checks the report's words, both acquisition sites,
 * and that the child stopped (SIGABRT). In a build without KMM_DEBUG_CHECKS
 * the provoking tests are skipped (they would deadlock or corrupt), and one
 * test checks that correct nesting is accepted.
 */
#include "kmm_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine.h"
#include "page/pcp.h"

#include <kmm/percpu.h>

#define SMALL "memmap=exactmap memmap=64M@0 nr_cpus=2"

struct child_result {
	int status;
	char out[16384];
};

/* Run fn in a child whose standard error (the default log sink and the console) is captured. */
static void run_child(void (*fn)(void), struct child_result *r)
{
	int fds[2];
	pid_t pid;
	size_t len = 0;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		signal(SIGABRT, SIG_DFL);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
		len += (size_t)n;
	r->out[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
}

static void expect_abort(void (*fn)(void), const char *const *needles)
{
	struct child_result r;

	run_child(fn, &r);
	if (getenv("KMM_TEST_VERBOSE"))
		fputs(r.out, stdout);
	if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGABRT)
		fail_msg("the child did not stop with SIGABRT (status %#x); it said:\n%s", r.status,
			 r.out);
	for (; *needles; needles++)
		if (!strstr(r.out, *needles))
			fail_msg("the report lacks \"%s\":\n%s", *needles, r.out);
}

static kmm_machine *boot_console(const char *cmdline)
{
	kmm_machine *m = NULL;
	char err[256];

	if (kmm_machine_create(cmdline, &m, err, sizeof(err)) != KMM_OK) {
		fprintf(stderr, "boot failed: %s\n", err);
		_exit(3);
	}
	return m;
}

static struct zone *dma_zone(kmm_machine *m)
{
	return &m->node_data[0]->node_zones[KMM_ZONE_DMA];
}

#if KMM_DEBUG_CHECKS
#define NEED_DEBUG() (void)0
#else
#define NEED_DEBUG() skip()
#endif

/* ---- assertions -------------------------------------------------------------------- */

/* The head of a free block loses PG_buddy behind the allocator's back. */
static void corrupt_free_block(void)
{
	kmm_machine *m = boot_console(SMALL " pcp=0");
	struct zone *z = dma_zone(m);
	uint32_t pfn = z->free_area[MAX_ORDER].free_list[MIGRATE_MOVABLE].head;

	if (pfn == KMM_NIL_PFN)
		_exit(4);
	page_clear(pfn_to_page(m, pfn), PG_buddy);
	kmm_alloc_pages(m, GFP_DMA | __GFP_MOVABLE, MAX_ORDER);
	_exit(0);
}

static void test_vm_bug_on_page_fires(void **state)
{
	static const char *const needles[] = { "kernel BUG at page/buddy.c:",
					       "VM_BUG_ON_PAGE(!page_test(page, PG_buddy)",
					       "page dumped because:", "flags:", NULL };

	(void)state;
	NEED_DEBUG();
	expect_abort(corrupt_free_block, needles);
}

/* A zone's free list is handed to __free_one_page without its lock. */
static void free_without_zone_lock(void)
{
	kmm_machine *m = boot_console(SMALL " pcp=0");
	struct page *p = kmm_alloc_pages(m, GFP_DMA, 0);

	set_page_count(p, 0);
	clear_page_alloc_info(p);
	__free_one_page(m, dma_zone(m), kmm_page_to_pfn(m, p), 0, MIGRATE_UNMOVABLE);
	_exit(0);
}

static void test_bug_on_fires(void **state)
{
	static const char *const needles[] = { "------------[ cut here ]------------",
					       "kernel BUG at page/buddy.c:",
					       "BUG_ON(!kmm_spin_is_locked(&zone->lock))", NULL };

	(void)state;
	NEED_DEBUG();
	expect_abort(free_without_zone_lock, needles);
}

static void warn_and_go_on(void)
{
	kmm_machine *m = boot_console(SMALL);
	int x = 3;

	if (KMM_WARN_ON(m, x == 3))
		fprintf(stderr, "warned and went on\n");
	if (KMM_WARN_ON(m, x == 4))
		fprintf(stderr, "wrongly warned\n");
	kmm_machine_destroy(m);
	_exit(0);
}

static void test_warn_on_reports_and_continues(void **state)
{
	struct child_result r;

	(void)state;
	NEED_DEBUG();
	run_child(warn_and_go_on, &r);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	assert_non_null(strstr(r.out, "WARNING: CPU: "));
	assert_non_null(strstr(r.out, "at test_debug_checks.c:") ||
			strstr(r.out, "tests/test_debug_checks.c:"));
	assert_non_null(strstr(r.out, "WARN_ON(x == 3)"));
	assert_non_null(strstr(r.out, "warned and went on"));
	assert_null(strstr(r.out, "wrongly warned"));
}

/* ---- the lock-order checker -------------------------------------------------------- */

/* zone->lock, then a pcp lock: the pcp lock ranks before the zone lock. */
static void pcp_inside_zone_lock(void)
{
	kmm_machine *m = boot_console(SMALL);
	struct zone *z = &m->node_data[0]->node_zones[KMM_ZONE_DMA32];

	kmm_spin_lock(&z->lock);
	pcp_lock_remote(m, pcp_ptr(m, z, 0), 0);
	_exit(0);
}

static void test_lockdep_circular(void **state)
{
	static const char *const needles[] = {
		"WARNING: possible circular locking dependency detected",
		"is trying to acquire lock:",
		"(pcp->lock)",
		"test_debug_checks.c:",
		"but task is already holding lock:",
		"(zone->lock)",
		"the lock order (docs/architecture.md): mem_hotplug_lock -> oom_lock -> slab_mutex "
		"->",
		NULL
	};

	(void)state;
	NEED_DEBUG();
	expect_abort(pcp_inside_zone_lock, needles);
}

static void zone_lock_twice(void)
{
	kmm_machine *m = boot_console(SMALL);
	struct zone *z = dma_zone(m);

	kmm_spin_lock(&z->lock);
	kmm_spin_lock(&z->lock);
	_exit(0);
}

static void test_lockdep_recursive(void **state)
{
	static const char *const needles[] = { "WARNING: possible recursive locking detected",
					       "(zone->lock)",
					       "1 lock held by this thread:", NULL };

	(void)state;
	NEED_DEBUG();
	expect_abort(zone_lock_twice, needles);
}

static void sleep_under_zone_lock(void)
{
	kmm_machine *m = boot_console(SMALL);
	struct zone *z = dma_zone(m);

	kmm_spin_lock(&z->lock);
	kmm_alloc_pages(m, GFP_KERNEL, 0);
	_exit(0);
}

static void sleep_under_get_cpu(void)
{
	kmm_machine *m = boot_console(SMALL);

	kmm_get_cpu(m);
	kmm_alloc_pages(m, GFP_KERNEL, 0);
	_exit(0);
}

static void test_lockdep_sleep_with_lock_held(void **state)
{
	static const char *const zone_needles[] = {
		"BUG: sleeping function called from invalid context at page/page_alloc.c:",
		"(zone->lock)", "test_debug_checks.c:", NULL
	};
	static const char *const cpu_needles[] = {
		"BUG: sleeping function called from invalid context", "(get_cpu lock)", NULL
	};

	(void)state;
	NEED_DEBUG();
	expect_abort(sleep_under_zone_lock, zone_needles);
	expect_abort(sleep_under_get_cpu, cpu_needles);
}

static void unlock_unheld(void)
{
	kmm_machine *m = boot_console(SMALL);

	kmm_spin_unlock(&dma_zone(m)->lock);
	_exit(0);
}

static void test_lockdep_bad_unlock(void **state)
{
	static const char *const needles[] = { "WARNING: bad unlock balance detected!",
					       "(zone->lock)", NULL };

	(void)state;
	NEED_DEBUG();
	expect_abort(unlock_unheld, needles);
}

/* The orders the library uses are accepted, and the held-lock stack empties. */
static void test_lockdep_accepts_the_order(void **state)
{
	kmm_machine *m = test_boot(SMALL, NULL);
	struct zone *z = &m->node_data[0]->node_zones[KMM_ZONE_DMA32];

	(void)state;
	kmm_get_cpu(m);
	pcp_lock_remote(m, pcp_ptr(m, z, 0), 0);
	pcp_lock_remote(m, pcp_ptr(m, z, 1), 1); /* nestable: kmm_check holds them all */
	kmm_spin_lock(&z->lock);
#if KMM_DEBUG_CHECKS
	assert_int_equal(kmm_lockdep_depth(), 4);
#endif
	kmm_spin_unlock(&z->lock);
	pcp_unlock(pcp_ptr(m, z, 0)); /* out of order release is fine */
	pcp_unlock(pcp_ptr(m, z, 1));
	kmm_put_cpu(m);
	assert_int_equal(kmm_lockdep_depth(), 0);
	assert_int_equal(kmm_check(m), 0);
	assert_int_equal(kmm_lockdep_depth(), 0);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_bug_on_page_fires),
		cmocka_unit_test(test_bug_on_fires),
		cmocka_unit_test(test_warn_on_reports_and_continues),
		cmocka_unit_test(test_lockdep_circular),
		cmocka_unit_test(test_lockdep_recursive),
		cmocka_unit_test(test_lockdep_sleep_with_lock_held),
		cmocka_unit_test(test_lockdep_bad_unlock),
		cmocka_unit_test(test_lockdep_accepts_the_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
