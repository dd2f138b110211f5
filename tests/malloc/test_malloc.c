/* SPDX-License-Identifier: MIT */
/*
 * tests/malloc/test_malloc.c - libkmm-malloc linked statically: every
 * allocation of this program (cmocka's included) goes through kmm.
 *
 * The C and POSIX edge cases one by one, the alignment of every size to
 * 64 KiB and of every alignment to 1 MiB, fork in both directions, fork
 * while other threads allocate, threads that exit with objects live,
 * resident memory falling after malloc_trim, foreign pointers, size-class
 * caches created on first use (absent before, one cache however many
 * threads use a class first at once, a first use in a forked child that
 * stays the child's), the machine growing by memory blocks from two
 * threads, a large calloc on fresh memory staying unresident, and the
 * machine's consistency (kmm_check) after each.
 */
#define _GNU_SOURCE
#include <kmm/hotplug.h>
#include <kmm/kmm.h>
#include <kmm/slab.h>

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

int kmm_malloc_owns(const void *p);
kmm_machine *kmm_malloc_machine(void);

static void check_machine(void)
{
	assert_int_equal(kmm_check(kmm_malloc_machine()), 0);
}

static void test_malloc_free_basics(void **state)
{
	void *a = malloc(0), *b = malloc(0);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_true(kmm_malloc_owns(a));
	free(a);
	free(b);
	free(NULL);
	errno = 0;
	assert_null(malloc(SIZE_MAX));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(malloc(SIZE_MAX / 2));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(malloc_usable_size(NULL), 0);
	for (size_t n = 1; n < 100000; n = n * 3 + 1) {
		char *p = malloc(n);

		assert_non_null(p);
		assert_true(malloc_usable_size(p) >= n);
		memset(p, 0xa5, malloc_usable_size(p));
		free(p);
	}
	int x;
	assert_false(kmm_malloc_owns(&x));
	assert_false(kmm_malloc_owns(NULL));
	check_machine();
}

static void test_calloc_cases(void **state)
{
	(void)state;
	errno = 0;
	assert_null(calloc(SIZE_MAX / 2, 3));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(calloc((size_t)1 << 33, (size_t)1 << 33));
	assert_int_equal(errno, ENOMEM);
	for (size_t n = 1; n <= (8u << 20); n *= 2) {
		/* dirty a block of the size first, so calloc has to clear */
		unsigned char *d = malloc(n), *p;

		memset(d, 0xff, n);
		free(d);
		p = calloc(1, n);
		assert_non_null(p);
		for (size_t i = 0; i < n; i += (n > 4096 ? 61 : 1))
			assert_int_equal(p[i], 0);
		assert_int_equal(p[n - 1], 0);
		free(p);
	}
	void *z = calloc(0, 10);
	assert_non_null(z);
	free(z);
	check_machine();
}

/* pgzero_skipped of the process's machine, read off its /proc/vmstat */
struct text {
	char buf[16384];
	size_t len;
};

static void text_sink(void *ctx, const char *s, size_t n)
{
	struct text *t = ctx;

	if (n > sizeof(t->buf) - 1 - t->len)
		n = sizeof(t->buf) - 1 - t->len;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = 0;
}

static long vmstat_item(const char *name)
{
	static struct text t;
	size_t n = strlen(name);

	t.len = 0;
	assert_int_equal(kmm_report(kmm_malloc_machine(), KMM_REPORT_VMSTAT, text_sink, &t), 0);
	for (const char *l = t.buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		if (!strncmp(l, name, n) && l[n] == ' ')
			return atol(l + n + 1);
	fail_msg("no %s in vmstat", name);
	return -1;
}

static long rss_kb(void);

/*
 * Run early, while most of the machine's memory was never written: a
 * calloc of a compound block (above kmalloc's largest class) comes from the
 * page allocator with __GFP_ZERO, which does not clear memory known to read
 * as zeroes, so 32 MiB of calloc'd blocks cost no resident memory until
 * written - as glibc's mmap'd callocs - and still read as zeroes. Then the
 * same blocks, dirtied and freed, come back cleared.
 */
static void test_calloc_fresh_stays_unresident(void **state)
{
	enum { N = 32, SZ = 1 << 20 };
	unsigned char *v[N];
	long rss0, rss1, skip0, skip1;

	(void)state;
	skip0 = vmstat_item("pgzero_skipped");
	rss0 = rss_kb();
	for (int i = 0; i < N; i++)
		assert_non_null(v[i] = calloc(1, SZ));
	rss1 = rss_kb();
	skip1 = vmstat_item("pgzero_skipped");
	print_message("calloc %d x 1 MiB: rss +%ld KB, pgzero_skipped +%ld pages\n", N, rss1 - rss0,
		      skip1 - skip0);
	assert_true(rss1 - rss0 < N * (SZ / 1024) / 4);
	assert_true(skip1 - skip0 >= (long)(N * 3 / 4) * (SZ / 4096));
	for (int i = 0; i < N; i++) {
		for (size_t j = 0; j < SZ; j += 512)
			assert_int_equal(v[i][j], 0);
		memset(v[i], 0x5a, SZ);
		free(v[i]);
	}
	for (int i = 0; i < N; i++) {
		assert_non_null(v[i] = calloc(SZ / 64, 64));
		for (size_t j = 0; j < SZ; j++)
			if (v[i][j])
				fail_msg("calloc'd block %d reads %#x at %zu", i, v[i][j], j);
	}
	for (int i = 0; i < N; i++)
		free(v[i]);
	check_machine();
}

static void test_realloc_cases(void **state)
{
	char *p, *q;

	(void)state;
	p = realloc(NULL, 100); /* as malloc */
	assert_non_null(p);
	for (int i = 0; i < 100; i++)
		p[i] = (char)i;
	for (size_t n = 101; n < (16u << 20); n = n * 5 / 2) { /* grow across every kind */
		q = realloc(p, n);
		assert_non_null(q);
		for (int i = 0; i < 100; i++)
			assert_int_equal(q[i], (char)i);
		p = q;
	}
	for (size_t n = (16u << 20); n >= 100; n /= 3) { /* and shrink back */
		q = realloc(p, n);
		assert_non_null(q);
		for (int i = 0; i < 100 && i < (int)n; i++)
			assert_int_equal(q[i], (char)i);
		p = q;
	}
	/* failure: NULL, ENOMEM, the block untouched */
	errno = 0;
	assert_null(realloc(p, SIZE_MAX / 2));
	assert_int_equal(errno, ENOMEM);
	for (int i = 0; i < 50; i++)
		assert_int_equal(p[i], (char)i);
	/* realloc(p, 0) frees p and returns NULL (glibc) */
	assert_null(realloc(p, 0));
	/* reallocarray checks the product */
	p = malloc(10);
	errno = 0;
	assert_null(reallocarray(p, SIZE_MAX / 4, 8));
	assert_int_equal(errno, ENOMEM);
	q = reallocarray(p, 100, 8);
	assert_non_null(q);
	free(q);
	/* a huge block grows in place or by remapping, its content kept */
	p = malloc(6u << 20);
	memset(p, 7, 6u << 20);
	q = realloc(p, 40u << 20);
	assert_non_null(q);
	assert_int_equal(q[(6u << 20) - 1], 7);
	assert_true(malloc_usable_size(q) >= (40u << 20));
	free(q);
	check_machine();
}

static void test_aligned_family(void **state)
{
	void *p = (void *)1;
	long page = sysconf(_SC_PAGESIZE);
	/* alignments that are no power of two, hidden from the compiler's checks */
	volatile size_t three = 3, twenty_four = 24;

	(void)state;
	assert_int_equal(posix_memalign(&p, 0, 10), EINVAL);
	assert_int_equal(posix_memalign(&p, 3, 10), EINVAL);
	assert_int_equal(posix_memalign(&p, 4, 10), EINVAL); /* not a multiple of sizeof(void *) */
	assert_int_equal(posix_memalign(&p, 24, 10), EINVAL);
	assert_ptr_equal(p, (void *)1); /* untouched on failure */
	assert_int_equal(posix_memalign(&p, 8, 10), 0);
	free(p);
	assert_int_equal(posix_memalign(&p, 64, SIZE_MAX / 2), ENOMEM);
	errno = 0;
	assert_null(aligned_alloc(three, 10));
	assert_int_equal(errno, EINVAL);
	p = aligned_alloc(256, 1000);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 256, 0);
	free(p);
	p = memalign(twenty_four, 100); /* rounded up to 32, as glibc */
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 32, 0);
	free(p);
	p = valloc(10);
	assert_int_equal((uintptr_t)p % (uintptr_t)page, 0);
	free(p);
	p = pvalloc(0);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (uintptr_t)page, 0);
	assert_true(malloc_usable_size(p) >= (size_t)page);
	free(p);
	p = pvalloc((size_t)page + 1);
	assert_true(malloc_usable_size(p) >= 2 * (size_t)page);
	free(p);
	errno = 0;
	assert_null(pvalloc(SIZE_MAX - 10));
	assert_int_equal(errno, ENOMEM);
	check_machine();
}

static void test_alignment_every_size(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 65536; n++) {
		unsigned char *p = malloc(n);

		assert_non_null(p);
		if ((uintptr_t)p % 16)
			fail_msg("malloc(%zu) = %p is not 16-byte aligned", n, (void *)p);
		if (n)
			p[0] = p[n - 1] = 1;
		free(p);
	}
	for (size_t n = 65536; n <= (64u << 20); n = n * 3 / 2 + 1) {
		unsigned char *p = malloc(n);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		p[0] = p[n - 1] = 1;
		free(p);
	}
	/* every alignment to 1 MiB, with sizes around it */
	for (size_t a = sizeof(void *); a <= (1u << 20); a *= 2) {
		size_t sizes[] = { 1, a - 1, a, a + 1, 3 * a, 5u << 20 };

		for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			void *p = NULL;
			unsigned char *c;

			assert_int_equal(posix_memalign(&p, a, sizes[i]), 0);
			if ((uintptr_t)p % a)
				fail_msg("posix_memalign(%zu, %zu) = %p", a, sizes[i], p);
			c = p;
			c[0] = c[sizes[i] - 1] = 1;
			assert_true(malloc_usable_size(p) >= sizes[i]);
			free(p);
			c = aligned_alloc(a, sizes[i]);
			assert_int_equal((uintptr_t)c % a, 0);
			free(c);
		}
	}
	check_machine();
}

/* ---- fork ------------------------------------------------------------------ */

/*
 * Size classes: 16-byte steps to 256 bytes, then eight per power of two to
 * 32 KiB, so rounding never costs more than an eighth of the request (four
 * per power of two gave a 4200-byte block a 5120-byte object).
 */
static void test_size_class_rounding(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 32768; n++) {
		void *p = malloc(n);
		size_t u = malloc_usable_size(p);

		assert_non_null(p);
		if (u < n || u > (n <= 256 ? ((n + 15) & ~(size_t)15) : n + n / 8))
			fail_msg("malloc(%zu): usable size %zu", n, u);
		free(p);
	}
}

static void test_fork_separate_heaps(void **state)
{
	int to_child[2], to_parent[2];
	char *p = malloc(64), *q = malloc(10u << 20);
	pid_t pid;
	char c;
	int status;
	FILE *maps;
	char line[512];

	(void)state;
	/* nothing of the machine is a shared mapping: fork copies it */
	maps = fopen("/proc/self/maps", "r");
	assert_non_null(maps);
	while (fgets(line, sizeof(line), maps)) {
		char perms[8];

		if (sscanf(line, "%*s %7s", perms) == 1 && perms[3] == 's' && !strstr(line, "["))
			fail_msg("shared mapping: %s", line);
	}
	fclose(maps);
	strcpy(p, "parent");
	strcpy(q, "parent-big");
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = 1;
		char *mine[1000];

		strcpy(p, "child"); /* the child writes first ... */
		strcpy(q, "child-big");
		for (int i = 0; i < 1000; i++) /* ... and allocates from its own heap */
			mine[i] = malloc((size_t)(i * 37 % 5000) + 1);
		if (write(to_parent[1], "w", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		/* the parent wrote "again" after our write: not visible here */
		ok &= !strcmp(p, "child") && !strcmp(q, "child-big");
		for (int i = 0; i < 1000; i++)
			free(mine[i]);
		ok &= kmm_check(kmm_malloc_machine()) == 0;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	assert_string_equal(p, "parent"); /* the child's write is not visible */
	assert_string_equal(q, "parent-big");
	strcpy(p, "again");
	strcpy(q, "again-big");
	void *more = malloc(4000);
	assert_int_equal(write(to_child[1], "r", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(more);
	free(p);
	free(q);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	check_machine();
}

static int stop_churn;

static void *churn(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	void *slots[64] = { 0 };

	while (!__atomic_load_n(&stop_churn, __ATOMIC_RELAXED)) {
		unsigned int i = (seed = seed * 1103515245u + 12345u) >> 16;
		size_t n = (seed >> 8) % 3000 + 1;

		free(slots[i % 64]);
		slots[i % 64] = malloc(n);
		memset(slots[i % 64], 1, n < 64 ? n : 64);
	}
	for (int i = 0; i < 64; i++)
		free(slots[i]);
	return NULL;
}

static void test_fork_while_threads_allocate(void **state)
{
	pthread_t t[2];

	(void)state;
	stop_churn = 0;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1)), 0);
	for (int k = 0; k < 20; k++) {
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			void *v[200];

			for (int i = 0; i < 200; i++)
				v[i] = malloc((size_t)i * 13 + 1);
			for (int i = 0; i < 200; i++)
				free(v[i]);
			_exit(kmm_check(kmm_malloc_machine()) == 0 ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	__atomic_store_n(&stop_churn, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	check_machine();
}

/* ---- threads ---------------------------------------------------------------- */

#define LIVE 2000
static void *live_objects(void *arg)
{
	void **out = arg;

	for (int i = 0; i < LIVE; i++) {
		out[i] = malloc((size_t)(i % 700) + 1);
		memset(out[i], 0x3c, (size_t)(i % 700) + 1);
	}
	return NULL;
}

static void test_threads_exit_with_live_objects(void **state)
{
	static void *objs[8][LIVE];
	pthread_t t[8];

	(void)state;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++)
			assert_int_equal(pthread_create(&t[i], NULL, live_objects, objs[i]), 0);
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
		/* the threads are gone; their objects are still valid and freed here */
		for (int i = 0; i < 8; i++)
			for (int k = 0; k < LIVE; k++) {
				assert_int_equal(((unsigned char *)objs[i][k])[0], 0x3c);
				free(objs[i][k]);
			}
		check_machine();
	}
}

/* ---- memory back to the host ------------------------------------------------ */

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void test_trim_returns_memory(void **state)
{
	enum { SMALL = 100000, BIG = 1500 };
	static void *small[SMALL], *big[BIG];
	long before, peak, after;

	(void)state;
	malloc_trim(0);
	before = rss_kb();
	for (int i = 0; i < SMALL; i++) { /* ~100 MB of 1 KiB objects */
		small[i] = malloc(1000);
		memset(small[i], 1, 1000);
	}
	for (int i = 0; i < BIG; i++) { /* ~100 MB of 64 KiB blocks */
		big[i] = malloc(65536);
		memset(big[i], 2, 65536);
	}
	peak = rss_kb();
	for (int i = 0; i < SMALL; i++)
		free(small[i]);
	for (int i = 0; i < BIG; i++)
		free(big[i]);
	assert_int_equal(malloc_trim(0), 1);
	after = rss_kb();
	print_message("rss: %ld KB before, %ld KB at peak, %ld KB after malloc_trim\n", before,
		      peak, after);
	assert_true(peak - before > 150 * 1024);
	assert_true(after - before < 20 * 1024);
	check_machine();
	/*
	 * The host gave the trimmed frames back as zero pages, so their blocks
	 * are known-zero again (docs/zones.md): large callocs over them cost no
	 * resident memory until written, as on fresh memory.
	 */
	{
		enum { N = 32, SZ = 1 << 20 };
		unsigned char *v[N];
		long rss0 = rss_kb(), rss1, skip0 = vmstat_item("pgzero_skipped");

		for (int i = 0; i < N; i++)
			assert_non_null(v[i] = calloc(1, SZ));
		rss1 = rss_kb();
		print_message("calloc %d x 1 MiB after malloc_trim: rss +%ld KB, pgzero_skipped "
			      "+%ld pages\n",
			      N, rss1 - rss0, vmstat_item("pgzero_skipped") - skip0);
		assert_true(rss1 - rss0 < N * (SZ / 1024) / 4);
		for (int i = 0; i < N; i++) {
			for (size_t j = 0; j < SZ; j += 512)
				assert_int_equal(v[i][j], 0);
			free(v[i]);
		}
	}
	check_machine();
}

/* ---- glibc's extras and foreign pointers ------------------------------------ */

static void test_glibc_extras(void **state)
{
	struct mallinfo2 a, b;
	void *v[1000];

	(void)state;
	a = mallinfo2();
	for (int i = 0; i < 1000; i++)
		v[i] = malloc(200);
	b = mallinfo2();
	assert_true(b.uordblks >= a.uordblks + 1000 * 200);
	assert_true(b.arena >= b.uordblks);
	for (int i = 0; i < 1000; i++)
		free(v[i]);
	assert_int_equal(mallopt(M_MMAP_THRESHOLD, 1 << 20), 1);
	assert_int_equal(mallopt(M_ARENA_MAX, 1), 1);
	assert_int_equal(mallopt(12345, 1), 0);
	void *volatile h = malloc(32u << 20);
	memset(h, 1, 4096);
	b = mallinfo2();
	assert_true(b.hblks >= 1 && b.hblkhd >= (32u << 20));
	free(h);
	check_machine();
}

static void test_foreign_pointers(void **state)
{
	void *(*real_malloc)(size_t) = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	void *(*real_realloc)(void *, size_t) =
		(void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	char *p;

	(void)state;
	assert_non_null(real_malloc);
	assert_non_null(real_realloc);
	p = real_malloc(100); /* the C library's own block */
	assert_non_null(p);
	assert_false(kmm_malloc_owns(p));
	strcpy(p, "foreign");
	p = realloc(p, 5000); /* passed to the C library's realloc */
	assert_non_null(p);
	assert_false(kmm_malloc_owns(p));
	assert_string_equal(p, "foreign");
	assert_true(malloc_usable_size(p) >= 5000);
	free(p); /* and to its free, silently */
	check_machine();
}

/* ---- size classes created on first use -------------------------------------- */

/* How many caches of the machine are named `name` (/proc/slabinfo's view). */
static int caches_named(const char *name)
{
	static struct kmm_slab_info info[512];
	int n = kmm_slab_info(kmm_malloc_machine(), info, 512), count = 0;

	assert_true(n <= 512);
	for (int i = 0; i < n; i++)
		count += !strcmp(info[i].name, name);
	return count;
}

/* These tests run first: nothing before them allocates 20-28 KiB. */
static unsigned long machine_managed(void)
{
	return kmm_zone_managed_pages(kmm_malloc_machine(), 0, KMM_ZONE_NORMAL);
}

/* Blocks above the boot memory: each is online, or absent; the online ones come first. */
static unsigned long online_blocks(void)
{
	struct kmm_memory_block_info info;
	unsigned long n = 0;
	int absent = 0, boot = 0;

	for (unsigned long id = 0; kmm_memory_block_info(kmm_malloc_machine(), id, &info) == 0;
	     id++) {
		boot |= info.boot;
		if (info.boot || !boot)
			continue; /* the hole below 4G, and the boot block */
		assert_int_not_equal(info.state, KMM_MEM_BLOCK_OFFLINE);
		if (info.state == KMM_MEM_BLOCK_ABSENT)
			absent = 1;
		else if (absent)
			fail_msg("memory%lu is online above an absent block", id);
		else
			n++;
	}
	return n;
}

#define GROW_OBJ 32000
#define GROW_THREADS 2

static void *grow_worker(void *arg)
{
	size_t n = (size_t)(uintptr_t)arg;
	char **v = calloc(n, sizeof(*v));

	if (!v)
		return (void *)1;
	for (size_t i = 0; i < n; i++) {
		v[i] = malloc(GROW_OBJ);
		if (!v[i])
			return (void *)2;
		memset(v[i], (int)i, GROW_OBJ);
	}
	for (size_t i = 0; i < n; i++)
		if (v[i][GROW_OBJ - 1] != (char)i)
			return (void *)3;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

/*
 * The machine boots with one memory block and grows by hotplug when an
 * allocation fails (src/malloc/grow.c): two threads each allocate more than
 * the machine holds, every malloc succeeds, the machine grew by whole
 * online blocks, in address order, and its managed pages grew by as many
 * blocks' pages (the memmap is not on them).
 */
static void test_machine_grows_by_blocks(void **state)
{
	unsigned long block = kmm_memory_block_size_bytes(kmm_malloc_machine());
	unsigned long before = machine_managed(), blocks0 = online_blocks();
	size_t each = (before * 4096 + 2 * block) / GROW_OBJ / GROW_THREADS;
	pthread_t t[GROW_THREADS];
	unsigned long grown;

	(void)state;
	for (int i = 0; i < GROW_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, grow_worker, (void *)(uintptr_t)each),
				 0);
	for (int i = 0; i < GROW_THREADS; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	grown = online_blocks() - blocks0;
	print_message("machine: %lu MiB before, %lu blocks added\n", before >> 8, grown);
	assert_true(grown >= 1);
	assert_int_equal(machine_managed(), before + grown * (block / 4096));
	check_machine();
}

static void test_class_created_on_first_use(void **state)
{
	void *p;

	(void)state;
	assert_int_equal(caches_named("malloc-28672"), 0);
	p = malloc(28000);
	assert_non_null(p);
	assert_int_equal(caches_named("malloc-28672"), 1);
	assert_int_equal(malloc_usable_size(p), 28672);
	free(p);
	check_machine();
}

#define FIRST_USERS 8
static pthread_barrier_t first_use;

static void *first_user(void *arg)
{
	void *v[64];

	(void)arg;
	pthread_barrier_wait(&first_use);
	for (int i = 0; i < 64; i++) {
		v[i] = malloc(20000);
		if (!v[i])
			return (void *)1;
		memset(v[i], 0x5a, 20000);
	}
	for (int i = 0; i < 64; i++)
		free(v[i]);
	return NULL;
}

static void test_class_first_use_from_threads(void **state)
{
	pthread_t t[FIRST_USERS];
	void *ret;

	(void)state;
	assert_int_equal(caches_named("malloc-20480"), 0);
	assert_int_equal(pthread_barrier_init(&first_use, NULL, FIRST_USERS), 0);
	for (int i = 0; i < FIRST_USERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, first_user, NULL), 0);
	for (int i = 0; i < FIRST_USERS; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	pthread_barrier_destroy(&first_use);
	assert_int_equal(caches_named("malloc-20480"), 1);
	check_machine();
}

static void test_class_first_use_after_fork(void **state)
{
	pid_t pid;
	int status;
	void *p;

	(void)state;
	assert_int_equal(caches_named("malloc-24576"), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok;

		/* malloc_usable_size: the block escapes, so no compiler elides the pair */
		p = malloc(23000);
		ok = p && malloc_usable_size(p) == 24576 && caches_named("malloc-24576") == 1;
		free(p);
		_exit(ok && kmm_check(kmm_malloc_machine()) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the child's cache was the child's: the parent makes its own */
	assert_int_equal(caches_named("malloc-24576"), 0);
	p = malloc(23000);
	assert_non_null(p);
	assert_int_equal(malloc_usable_size(p), 24576);
	assert_int_equal(caches_named("malloc-24576"), 1);
	free(p);
	check_machine();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_created_on_first_use),
		cmocka_unit_test(test_class_first_use_from_threads),
		cmocka_unit_test(test_class_first_use_after_fork),
		cmocka_unit_test(test_calloc_fresh_stays_unresident), /* early: fresh memory */
		cmocka_unit_test(test_malloc_free_basics),
		cmocka_unit_test(test_calloc_cases),
		cmocka_unit_test(test_realloc_cases),
		cmocka_unit_test(test_aligned_family),
		cmocka_unit_test(test_alignment_every_size),
		cmocka_unit_test(test_size_class_rounding),
		cmocka_unit_test(test_fork_separate_heaps),
		cmocka_unit_test(test_fork_while_threads_allocate),
		cmocka_unit_test(test_threads_exit_with_live_objects),
		cmocka_unit_test(test_trim_returns_memory),
		cmocka_unit_test(test_glibc_extras),
		cmocka_unit_test(test_foreign_pointers),
		cmocka_unit_test(test_machine_grows_by_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
