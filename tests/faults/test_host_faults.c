/* SPDX-License-Identifier: MIT */
/*
 * tests/faults/test_host_faults.c - every host failure at boot is a clean
 * error, and a machine is either fully booted or fully torn down.
 *
 * Linked with the fault-injecting platform (faulty_platform.c) instead of
 * posix.c. For each machine shape the test first counts the failable host
 * calls of a good boot, then boots again failing the 1st, the 2nd, ... the
 * last of them. Each boot must either fail with a KMM_E* code and a message,
 * or (when the failed call was optional) boot a machine that kmm_check finds
 * whole; either way, once it is gone, the ledger of host resources (memfds,
 * reserved and mapped bytes) must be back at zero.
 *
 * A second group makes the host itself refuse, in a child process: a
 * machine larger than the address space, a memfd that cannot grow
 * (RLIMIT_FSIZE), and vm.max_map_count exhausted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <kmm/highmem.h>
#include <kmm/kmm.h>
#include <kmm/reclaim.h>
#include <kmm/vmalloc.h>

#include <kmm/compaction.h>
#include <kmm/hotplug.h>
#include "faulty_platform.h"
#include "machine.h"
#include "page/vmstat.h"

static const char *const shapes[] = {
	"mem=64M nr_cpus=1",
	"mem=4G nr_cpus=2",
	"mem=2G nr_cpus=4 numa=fake=2",
	"mem=1G nr_cpus=2 highmem=256M movablecore=128M",
	"mem=512M nr_cpus=2 page_size=64K",
	"mem=64G nr_cpus=2 memmap=64M$1G",
	"mem=256M nr_cpus=2 maxmem=4G", /* memory hotplug: phys and memmap reserved to the limit */
};

static char logbuf[4096];
static size_t loglen;

static void quiet_sink(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	if (loglen + len < sizeof(logbuf)) {
		memcpy(logbuf + loglen, text, len);
		loglen += len;
	}
}

static void assert_ledger_clear(const char *shape, unsigned long n)
{
	if (host_faults.live_threads != 0)
		fail_msg("'%s', failing call %lu: %ld threads not joined", shape, n,
			 host_faults.live_threads);
	if (host_faults.live_objects != 0 || host_faults.live_bytes != 0)
		fail_msg("'%s', failing call %lu: %ld memfds and %ld bytes of address space "
			 "left behind",
			 shape, n, host_faults.live_objects, host_faults.live_bytes);
}

/* Boot with call `n` failing (0: none); returns 1 when the machine booted. */
static int boot_once(const char *shape, unsigned long n)
{
	char err[256] = "";
	kmm_machine *m = NULL;
	int ret;

	host_faults_reset(n);
	ret = kmm_machine_create(shape, &m, err, sizeof(err));
	if (ret != KMM_OK) {
		if (n == 0)
			fail_msg("'%s' does not boot: %s", shape, err);
		assert_true(ret < 0);
		assert_null(m);
		if (err[0] == '\0')
			fail_msg("'%s', failing call %lu: error %d without a message", shape, n,
				 ret);
		assert_ledger_clear(shape, n);
		return 0;
	}
	assert_non_null(m);
	kmm_set_log(m, quiet_sink, NULL);
	if (kmm_check(m) != 0)
		fail_msg("'%s', failing call %lu: booted but kmm_check fails", shape, n);
	kmm_machine_destroy(m);
	assert_ledger_clear(shape, n);
	return 1;
}

static void test_every_boot_call_fails_cleanly(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		unsigned long calls, failed = 0;

		assert_int_equal(boot_once(shapes[s], 0), 1);
		calls = host_faults.calls;
		assert_true(calls >= 2); /* at least the memfd and its mapping */
		for (unsigned long n = 1; n <= calls; n++)
			failed += !boot_once(shapes[s], n);
		/* Every failable call at boot is needed: each failure is a failed boot. */
		if (failed != calls)
			fail_msg("'%s': only %lu of %lu host failures stopped the boot", shapes[s],
				 failed, calls);
		printf("'%s': %lu host calls, each failure a clean error\n", shapes[s], calls);
	}
}

/* The message for a failing memfd names what was refused. */
static void test_messages_name_the_refusal(void **state)
{
	char err[256];
	kmm_machine *m = NULL;

	(void)state;
	host_faults_reset(1); /* the first call: the physical memory object */
	assert_int_equal(kmm_machine_create("mem=1G", &m, err, sizeof(err)), KMM_ENOMEM);
	assert_int_equal(host_faults.failed_call, HOST_PHYS_CREATE);
	assert_non_null(strstr(err, "physical memory"));
	host_faults_reset(2); /* the direct map's address space */
	assert_int_not_equal(kmm_machine_create("mem=1G", &m, err, sizeof(err)), KMM_OK);
	assert_int_equal(host_faults.failed_call, HOST_RESERVE);
	assert_non_null(strstr(err, "map"));
	host_faults_reset(3); /* lowmem mapped into it */
	assert_int_not_equal(kmm_machine_create("mem=1G", &m, err, sizeof(err)), KMM_OK);
	assert_int_equal(host_faults.failed_call, HOST_MAP_FIXED);
	assert_non_null(strstr(err, "map"));
	assert_int_equal(host_faults.live_bytes, 0);
	assert_int_equal(host_faults.live_objects, 0);
	host_faults_reset(0);
}

/* Run fn in a child; the child's exit status is its verdict (0 = passed). */
static void in_child(void (*fn)(void))
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the child failed (status %#x)", status);
}

static void child_expect_error(const char *cmdline, const char *needle)
{
	char err[256] = "";
	kmm_machine *m = NULL;
	int ret;

	host_faults_reset(0);
	ret = kmm_machine_create(cmdline, &m, err, sizeof(err));
	if (ret == KMM_OK || !strstr(err, needle) || host_faults.live_objects ||
	    host_faults.live_bytes) {
		fprintf(stderr, "'%s': ret %d, err '%s', %ld memfds, %ld bytes left\n", cmdline,
			ret, err, host_faults.live_objects, host_faults.live_bytes);
		_exit(1);
	}
	printf("'%s' refused: %s\n", cmdline, err);
	fflush(stdout);
}

/* 2^32 frames of 64 KiB: 256 TiB, more than x86_64's 128 TiB of user space. */
static void child_bigger_than_address_space(void)
{
	child_expect_error("mem=255T page_size=64K nr_cpus=1", "cannot map");
}

static void child_memfd_cannot_grow(void)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		_exit(2);
	child_expect_error("mem=1G nr_cpus=1", "cannot create");
}

/* Fill the process's map count with one-page mappings that cannot merge. */
static void child_map_count_exhausted(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *p;
	long n = 0;

	for (;;) {
		p = mmap(NULL, page, n & 1 ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
		if (p == MAP_FAILED)
			break;
		n++;
	}
	if (errno != ENOMEM || n < 1000)
		_exit(3);
	/* A NUMA machine needs several mappings: the memfd and each node's memmap. */
	child_expect_error("mem=2G nr_cpus=2 numa=fake=2", "cannot");
}

static void test_host_refusals(void **state)
{
	(void)state;
	in_child(child_bigger_than_address_space);
	in_child(child_memfd_cannot_grow);
	in_child(child_map_count_exhausted);
}

/*
 * A host that refuses threads: the machine boots without kswapd and without
 * free page reporting (docs/reclaim.md), reclaims directly, and every
 * thread of a machine that had them is joined at destroy.
 */
static void test_threads_refused(void **state)
{
	struct kmm_kswapd_info ki;
	char err[256] = "";
	kmm_machine *m = NULL;
	struct page **held;
	long n = 0, max;

	(void)state;
	host_faults_reset(0);
	assert_int_equal(kmm_machine_create("mem=64M nr_cpus=2", &m, err, sizeof(err)), KMM_OK);
	assert_true(host_faults.thread_creates > 0); /* kswapd0 and page_reporting */
	assert_int_equal(host_faults.live_threads, host_faults.thread_creates);
	assert_int_equal(kmm_kswapd_info(m, 0, &ki), KMM_OK);
	assert_true(ki.running);
	kmm_machine_destroy(m);
	assert_ledger_clear("mem=64M nr_cpus=2", 0);

	host_faults_reset(0);
	host_faults.fail_threads = 1;
	m = NULL;
	assert_int_equal(kmm_machine_create("mem=64M nr_cpus=2", &m, err, sizeof(err)), KMM_OK);
	kmm_set_log(m, quiet_sink, NULL);
	assert_true(host_faults.thread_creates > 0);
	assert_int_equal(host_faults.live_threads, 0);
	assert_int_equal(kmm_kswapd_info(m, 0, &ki), KMM_OK);
	assert_false(ki.running);
	/* allocating everything still works (direct reclaim only) and nothing is lost */
	max = 64l << 20 >> 12;
	held = calloc((size_t)max, sizeof(*held));
	assert_non_null(held);
	while (n < max &&
	       (held[n] = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_NORETRY | KMM_GFP_NOWARN, 0)))
		n++;
	assert_true(n > max / 2);
	assert_int_equal(kmm_check(m), 0);
	while (n > 0)
		kmm_free_pages(m, held[--n], 0);
	free(held);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	assert_ledger_clear("mem=64M nr_cpus=2", 0);
}

/*
 * Each thread a machine starts (one kswapd per node, free page reporting)
 * refused in turn, the N-th kmm_os_thread_create failing: the machine
 * boots without that one thread and keeps the others (a node whose kswapd
 * was refused says so in kmm_kswapd_info and reclaims directly), passes
 * kmm_check, allocates node 0 to exhaustion (direct reclaim where kswapd is
 * missing) and frees it again, and joins
 * every thread it did start at destroy.
 */
static void test_each_thread_refused_in_turn(void **state)
{
	static const char *const thread_shapes[] = {
		"mem=64M nr_cpus=2",
		"mem=2G nr_cpus=4 numa=fake=2",
		"mem=1G nr_cpus=2 numa=fake=4",
	};

	(void)state;
	for (size_t sh = 0; sh < sizeof(thread_shapes) / sizeof(thread_shapes[0]); sh++) {
		const char *shape = thread_shapes[sh];
		char err[256] = "";
		kmm_machine *m = NULL;
		long threads;
		int nodes;

		host_faults_reset(0);
		assert_int_equal(kmm_machine_create(shape, &m, err, sizeof(err)), KMM_OK);
		threads = host_faults.thread_creates;
		nodes = kmm_nr_nodes(m);
		assert_true(threads >= nodes); /* a kswapd per node at least */
		kmm_machine_destroy(m);
		for (long n = 1; n <= threads; n++) {
			struct kmm_kswapd_info ki;
			int stopped = 0, want_stopped;
			unsigned long before;
			struct page **held;
			long got = 0, max;

			host_faults_reset(0);
			host_faults.fail_thread_at = (unsigned long)n;
			m = NULL;
			if (kmm_machine_create(shape, &m, err, sizeof(err)) != KMM_OK)
				fail_msg("'%s', thread %ld refused: no boot: %s", shape, n, err);
			kmm_set_log(m, quiet_sink, NULL);
			assert_int_equal(host_faults.live_threads, threads - 1);
			want_stopped = strncmp(host_faults.refused_thread, "kswapd", 6) == 0;
			for (int nid = 0; nid < nodes; nid++) {
				assert_int_equal(kmm_kswapd_info(m, nid, &ki), KMM_OK);
				stopped += !ki.running;
			}
			if (stopped != want_stopped)
				fail_msg("'%s', thread %ld (%s) refused: %d kswapd not running",
					 shape, n, host_faults.refused_thread, stopped);
			if (kmm_check(m) != 0)
				fail_msg("'%s', thread %ld refused: kmm_check fails", shape, n);
			before = kmm_zone_free_pages(m, 0, KMM_ZONE_DMA32) +
				 kmm_zone_free_pages(m, 0, KMM_ZONE_NORMAL);
			max = (long)before;
			held = calloc((size_t)max + 1, sizeof(*held));
			assert_non_null(held);
			while (got < max && (held[got] = kmm_alloc_pages_node(
						     m, 0,
						     KMM_GFP_KERNEL | KMM_GFP_NORETRY |
							     KMM_GFP_NOWARN | KMM_GFP_THISNODE,
						     0)))
				got++;
			assert_true(got > max / 2);
			while (got > 0)
				kmm_free_pages(m, held[--got], 0);
			free(held);
			assert_int_equal(kmm_check(m), 0);
			kmm_machine_destroy(m);
			assert_ledger_clear(shape, (unsigned long)n);
		}
		printf("'%s': %ld threads, each refused in turn: clean\n", shape, threads);
	}
}

struct logbuf {
	char text[16384];
	size_t len;
};

static void log_sink(void *ctx, const char *text, size_t len)
{
	struct logbuf *l = ctx;

	if (l->len + len < sizeof(l->text)) {
		memcpy(l->text + l->len, text, len);
		l->len += len;
		l->text[l->len] = '\0';
	}
}

/*
 * After boot the host refuses every fixed mapping: vmalloc, vmap, kmap and
 * kmap_local fail with a report and leave nothing behind; zeroing a highmem
 * block still works (the frames are punched out of the memfd instead).
 */
static void test_runtime_map_refusal(void **state)
{
	struct logbuf lb = { .len = 0 };
	struct kmm_vmalloc_stats st;
	kmm_machine *m = NULL;
	char err[256];
	struct page *hp, *zp;
	unsigned char *v;

	(void)state;
	host_faults_reset(0);
	assert_int_equal(kmm_machine_create("mem=256M nr_cpus=1 highmem=64M kswapd=0 "
					    "page_reporting=0",
					    &m, err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, log_sink, &lb);
	hp = kmm_alloc_pages(m, KMM_GFP_HIGHUSER, 0);
	v = kmm_kmap(m, hp);
	memset(v, 0xab, kmm_page_size(m));
	kmm_kunmap(m, hp);
	host_faults.fail_map_fixed = -ENOMEM;
	/* still in the window (count 1, not flushed): a kmap needs no new mapping */
	assert_ptr_equal(kmm_kmap(m, hp), v);
	kmm_kunmap(m, hp);
	kmm_free_pages(m, hp, 0);
	assert_null(kmm_vmalloc(m, 1 << 20));
	assert_non_null(strstr(lb.text, "the host refused to map it (error 12)"));
	kmm_vmalloc_stats(m, &st);
	assert_int_equal(st.nr_areas, 0);
	assert_int_equal(st.nr_vmalloc_pages, 0);
	assert_int_equal(st.host_maps, 0);
	hp = kmm_alloc_pages(m, KMM_GFP_HIGHUSER | KMM_GFP_NOWARN, 1); /* pages never kmapped */
	assert_null(kmm_kmap(m, kmm_pfn_to_page(m, kmm_page_to_pfn(m, hp) + 1)));
	assert_non_null(strstr(lb.text, "kmap: the host refused to map pfn"));
	assert_null(kmm_kmap_local_page(m, hp));
	assert_non_null(strstr(lb.text, "kmap_local_page: the host refused"));
	assert_null(kmm_vmap(m, &hp, 1, 0));
	kmm_free_pages(m, hp, 1);
	/*
	 * The page allocator's zeroing of highmem falls back to punching the
	 * frames. Every block is written first (mapping works again for that),
	 * so that the block taken holds data, not the host's fresh zeroes,
	 * which need no clear (known-zero blocks, docs/zones.md).
	 */
	host_faults.fail_map_fixed = 0;
	{
		static struct page *blk[4096];
		int n = 0;

		for (struct page *p;
		     n < 4096 && (p = kmm_alloc_pages(m, KMM_GFP_HIGHUSER | KMM_GFP_NOWARN, 4));) {
			for (unsigned long i = 0; i < 16; i++) {
				unsigned char *w = kmm_kmap_local_page(
					m, kmm_pfn_to_page(m, kmm_page_to_pfn(m, p) + i));

				memset(w, 0xcd, kmm_page_size(m));
				kmm_kunmap_local(m, w);
			}
			blk[n++] = p;
		}
		assert_true(n > 1000);
		for (int i = 0; i < n; i++)
			kmm_free_pages(m, blk[i], 4);
	}
	host_faults.fail_map_fixed = -ENOMEM;
	zp = kmm_alloc_pages(m, KMM_GFP_HIGHUSER | KMM_GFP_ZERO, 4);
	assert_non_null(zp);
	assert_true(kmm_page_is_highmem(m, zp));
	assert_int_equal(kmm_check(m), 0);
	/* a host that can neither map nor discard: the block is not cleared, and that is said */
	host_faults.keep_discards = 1;
	hp = kmm_alloc_pages(m, KMM_GFP_HIGHUSER | KMM_GFP_ZERO, 4);
	assert_non_null(hp);
	assert_non_null(strstr(lb.text, "not cleared: the host can neither map nor discard it"));
	host_faults.keep_discards = 0;
	kmm_free_pages(m, hp, 4);
	host_faults.fail_map_fixed = 0;
	for (int i = 0; i < 16; i++) {
		unsigned char *z = kmm_kmap_local_page(
			m, kmm_pfn_to_page(m, kmm_page_to_pfn(m, zp) + (unsigned long)i));

		for (size_t j = 0; j < kmm_page_size(m); j += 64)
			assert_int_equal(z[j], 0);
		kmm_kunmap_local(m, z);
	}
	kmm_free_pages(m, zp, 4);
	v = kmm_vmalloc(m, 1 << 20);
	assert_non_null(v);
	kmm_vfree(m, v);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	assert_int_equal(host_faults.live_bytes, 0);
	assert_int_equal(host_faults.live_objects, 0);
}

/*
 * Movable vmalloc areas when the host refuses to hold writers off: with
 * -ENOSPC (no free hold) compaction moves none of their pages and every
 * area keeps its frames and bytes; with -ENOSYS (the host cannot) the
 * layer stops making new areas movable as well.
 */
static void test_hold_refused(void **state)
{
	enum { MAX_AREAS = 20000 };
	static void *area[MAX_AREAS];
	static unsigned long pfn[MAX_AREAS];
	kmm_machine *m = NULL;
	char err[256];
	size_t n = 0, ps;
	long moved;
	void *late;

	(void)state;
	host_faults_reset(0);
	assert_int_equal(kmm_machine_create("mem=128M nr_cpus=1 pcp=0 kswapd=0 kcompactd=0 "
					    "page_reporting=0",
					    &m, err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, quiet_sink, NULL);
	ps = kmm_page_size(m);
	while (n < MAX_AREAS &&
	       (area[n] = kmm___vmalloc(m, 4 * ps,
					KMM_GFP_KERNEL | KMM_GFP_MOVABLE | KMM_GFP_NOWARN |
						KMM_GFP_NORETRY)) != NULL) {
		memset(area[n], (int)(n % 255) + 1, 4 * ps);
		pfn[n] = kmm_vmalloc_to_pfn(m, area[n]);
		n++;
	}
	assert_true(n > 1000);
	assert_int_equal(kmm_page_movable_ops(m, kmm_vmalloc_to_page(m, area[0])), 7);
	for (size_t i = 0; i < n; i++)
		if (i % 3) {
			kmm_vfree(m, area[i]);
			area[i] = NULL;
		}
	host_faults.fail_hold = -ENOSPC;
	moved = kmm_compact_memory(m);
	assert_true(host_faults.hold_calls > 0);
	assert_true(moved >= 0);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *c = area[i];

		if (!c)
			continue;
		assert_int_equal(kmm_vmalloc_to_pfn(m, c), pfn[i]);
		for (size_t k = 0; k < 4 * ps; k += 97)
			assert_int_equal(c[k], (unsigned char)(i % 255 + 1));
	}
	assert_int_equal(kmm_check(m), 0);
	/* a host that cannot hold: nothing moves, and new areas are not made movable */
	host_faults.fail_hold = -ENOSYS;
	kmm_compact_memory(m);
	late = kmm___vmalloc(m, 4 * ps, KMM_GFP_KERNEL | KMM_GFP_MOVABLE);
	assert_non_null(late);
	assert_int_equal(kmm_page_movable_ops(m, kmm_vmalloc_to_page(m, late)), 0);
	kmm_vfree(m, late);
	host_faults.fail_hold = 0;
	for (size_t i = 0; i < n; i++)
		kmm_vfree(m, area[i]);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	assert_int_equal(host_faults.live_bytes, 0);
	assert_int_equal(host_faults.live_objects, 0);
}

/*
 * Memory hotplug at run time: each host call of an add_memory (growing the
 * memfd, mapping the range, mapping each block's memmap) failing in turn is
 * -ENOMEM with a message and no change; then the add succeeds, and the
 * ledger is clear after teardown.
 */
static void test_hotplug_host_calls_fail_cleanly(void **state)
{
	const char *shape = "mem=256M nr_cpus=2 maxmem=4G page_reporting=0";
	char err[256];
	kmm_machine *m = NULL;
	unsigned long calls;

	(void)state;
	host_faults_reset(0);
	assert_int_equal(kmm_machine_create(shape, &m, err, sizeof(err)), KMM_OK);
	kmm_set_log(m, quiet_sink, NULL);
	host_faults_reset(0);
	assert_int_equal(kmm_add_memory(m, 0, 256ull << 20, 1ull << 30), 0);
	calls = host_faults.calls;
	assert_int_equal(calls, 1 + 1 + 8); /* the memfd grows, the range and 8 memmaps map */
	assert_int_equal(kmm_remove_memory(m, 256ull << 20, 1ull << 30), 0);
	for (unsigned long n = 1; n <= calls; n++) {
		unsigned long max_pfn = kmm_max_pfn(m);

		host_faults_reset(n);
		loglen = 0;
		assert_int_equal(kmm_add_memory(m, 0, 1280ull << 20, 1ull << 30), KMM_ENOMEM);
		assert_true(loglen > 0);
		assert_int_equal(kmm_max_pfn(m), max_pfn);
		assert_int_equal(kmm_check(m), 0);
	}
	host_faults_reset(0);
	assert_int_equal(kmm_add_memory(m, 0, 1280ull << 20, 1ull << 30), 0);
	assert_int_equal(
		kmm_online_pages(m, (1280ul << 20) >> 12, (1ul << 30) >> 12, KMM_MMOP_ONLINE), 0);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	assert_ledger_clear(shape, 0);
}

/*
 * A caller's region that grows (maxmem= on kmm_machine_create_on): each
 * commit of the boot (the memmap of each boot section) failing in turn is a
 * failed boot with a message; each commit of an add_memory (the range, each
 * block's memmap) failing in turn is -ENOMEM, a message and no change.
 * (kmm_machine_create_on, not _zeroed: the region is booted on again.)
 */
static void test_region_commit_fails_cleanly(void **state)
{
	const char *shape = "mem=256M nr_cpus=2 maxmem=2G page_reporting=0";
	size_t size = 2ul << 30;
	char *region =
		mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char err[256];
	kmm_machine *m = NULL;
	unsigned long calls;

	(void)state;
	assert_true(region != MAP_FAILED);
	assert_int_equal(mprotect(region, 256ul << 20, PROT_READ | PROT_WRITE), 0);
	host_faults_reset(0);
	assert_int_equal(kmm_machine_create_on(shape, region, size, &m, err, sizeof(err)), KMM_OK);
	assert_int_equal(host_faults.calls_of[HOST_COMMIT], 2); /* each boot section's memmap */
	calls = host_faults.calls;
	kmm_machine_destroy(m);
	for (unsigned long n = 1; n <= calls; n++) {
		host_faults_reset(n);
		err[0] = '\0';
		assert_int_not_equal(
			kmm_machine_create_on(shape, region, size, &m, err, sizeof(err)), KMM_OK);
		assert_true(err[0] != '\0');
		if (host_faults.failed_call == HOST_COMMIT)
			assert_non_null(strstr(err, "cannot commit the memmap of section"));
	}
	host_faults_reset(0);
	assert_int_equal(kmm_machine_create_on(shape, region, size, &m, err, sizeof(err)), KMM_OK);
	kmm_set_log(m, quiet_sink, NULL);
	host_faults_reset(0);
	assert_int_equal(kmm_add_memory(m, 0, 256ull << 20, 512ull << 20), 0);
	calls = host_faults.calls;
	assert_int_equal(calls, 1 + 4); /* the range, and the memmap of 4 blocks */
	for (unsigned long n = 1; n <= calls; n++) {
		unsigned long max_pfn = kmm_max_pfn(m);

		host_faults_reset(n);
		loglen = 0;
		memset(logbuf, 0, sizeof(logbuf));
		assert_int_equal(kmm_add_memory(m, 0, 768ull << 20, 512ull << 20), KMM_ENOMEM);
		assert_non_null(strstr(logbuf, "the host cannot back [mem 0x30000000-0x4fffffff]"));
		assert_int_equal(kmm_max_pfn(m), max_pfn);
		assert_int_equal(kmm_check(m), 0);
	}
	host_faults_reset(0);
	assert_int_equal(kmm_add_memory(m, 0, 768ull << 20, 512ull << 20), 0);
	assert_int_equal(
		kmm_online_pages(m, (256ul << 20) >> 12, (1ul << 30) >> 12, KMM_MMOP_ONLINE), 0);
	assert_int_equal(kmm_check(m), 0);
	kmm_machine_destroy(m);
	munmap(region, size);
}

/* Pages __GFP_ZERO did not clear (vmstat pgzero_skipped: known-zero free blocks). */
static unsigned long zero_skips(kmm_machine *m)
{
	return __atomic_load_n(&m->events[PGZERO_SKIPPED], __ATOMIC_RELAXED);
}

/* Free pages of every zone: what a fill left (below the watermark). */
static unsigned long free_total(kmm_machine *m)
{
	unsigned long sum = 0;

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			sum += kmm_zone_free_pages(m, nid, (enum kmm_zone_type)z);
	return sum;
}

/* Take every page with __GFP_ZERO, each read whole; free them; how many. */
static long take_all_zeroed(kmm_machine *m, struct page **v, long max)
{
	long n = 0;

	for (struct page *p;
	     n < max &&
	     (p = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_ZERO | KMM_GFP_NOWARN, 0));) {
		const unsigned char *b = kmm_page_address(m, p);

		for (int i = 0; i < 4096; i++)
			if (b[i])
				fail_msg("byte %d of a __GFP_ZERO page reads %#x", i, b[i]);
		v[n++] = p;
	}
	for (long i = 0; i < n; i++)
		kmm_free_pages(m, v[i], 0);
	return n;
}

/*
 * A host that keeps the contents of what it is told to discard (kmm_os_discard
 * returning 0, as a kernel's RAM stays RAM): discarded free blocks and a
 * memory block removed and added again are not taken for zeroes - every
 * __GFP_ZERO page is cleared (pgzero_skipped does not move) and reads as
 * zeroes, though the memory still holds what was written. The same with
 * the real host skips the clears (tests/test_zeroed.c).
 */
static void test_kept_discards_not_trusted(void **state)
{
	const char *shape = "mem=64M nr_cpus=1 maxmem=1G page_reporting=0 kswapd=0 "
			    "memhp_default_state=online_kernel";
	enum { MAXP = 1 << 17 };
	struct page **v = calloc(MAXP, sizeof(*v));
	char err[256];
	kmm_machine *m = NULL;
	unsigned long s0, left;
	long n = 0;

	(void)state;
	assert_non_null(v);
	host_faults_reset(0);
	assert_int_equal(kmm_machine_create(shape, &m, err, sizeof(err)), KMM_OK);
	kmm_set_log(m, quiet_sink, NULL);
	assert_int_equal(kmm_add_memory(m, 0, 128ull << 20, 128ull << 20), 0);
	/* every page written, freed, discarded by a host that keeps it all */
	for (struct page *p;
	     n < MAXP && (p = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_NOWARN, 0));)
		v[n++] = p;
	assert_true(n > 40000);
	left = free_total(m);
	for (long i = 0; i < n; i++) {
		memset(kmm_page_address(m, v[i]), 0x4b, 4096);
		kmm_free_pages(m, v[i], 0);
	}
	host_faults.keep_discards = 1;
	assert_true(kmm_discard_free_pages(m, 0) >= (unsigned long)n);
	s0 = zero_skips(m);
	assert_true(take_all_zeroed(m, v, MAXP) >= n * 9 / 10);
	/* only pages the fill left free (below the watermark) were never written */
	assert_true(zero_skips(m) - s0 <= left);
	/* the hot-added block, dirtied again, removed and added back: not fresh */
	n = 0;
	for (struct page *p;
	     n < MAXP && (p = kmm_alloc_pages(m, KMM_GFP_KERNEL | KMM_GFP_NOWARN, 0));)
		v[n++] = p;
	left = free_total(m);
	for (long i = 0; i < n; i++) {
		memset(kmm_page_address(m, v[i]), 0x4b, 4096);
		kmm_free_pages(m, v[i], 0);
	}
	assert_int_equal(kmm_offline_and_remove_memory(m, 128ull << 20, 128ull << 20), 0);
	assert_int_equal(kmm_add_memory(m, 0, 128ull << 20, 128ull << 20), 0);
	s0 = zero_skips(m);
	assert_true(take_all_zeroed(m, v, MAXP) > 30000);
	assert_true(zero_skips(m) - s0 <= left);
	assert_int_equal(kmm_check(m), 0);
	host_faults.keep_discards = 0;
	kmm_machine_destroy(m);
	free(v);
	assert_ledger_clear(shape, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_boot_call_fails_cleanly),
		cmocka_unit_test(test_messages_name_the_refusal),
		cmocka_unit_test(test_host_refusals),
		cmocka_unit_test(test_threads_refused),
		cmocka_unit_test(test_each_thread_refused_in_turn),
		cmocka_unit_test(test_runtime_map_refusal),
		cmocka_unit_test(test_hold_refused),
		cmocka_unit_test(test_hotplug_host_calls_fail_cleanly),
		cmocka_unit_test(test_region_commit_fails_cleanly),
		cmocka_unit_test(test_kept_discards_not_trusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
