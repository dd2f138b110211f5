/* SPDX-License-Identifier: MIT */
/*
 * tests/test_gfp.c - gfp flags against Linux 6.18 itself.
 *
 * The golden reference is the kernel's own table: the mm_page_alloc trace
 * event format of a 6.18 machine (tests/data/linux-6.18/, copied from
 * tracefs) prints gfp_flags with __print_flags over the kernel's
 * __def_gfpflag_names, each entry a C expression of the flag's bits and its
 * name. The test parses and evaluates those expressions itself, then
 * checks that (1) kmm's name table lists the same names with the same
 * masks in the same order, (2) every kmm macro of those names has the
 * kernel's value, (3) printed masks come out as the kernel's printer makes
 * them (the printer's rule re-implemented over the kernel's table, not
 * kmm's). Then the semantics that go with the bits: __GFP_MOVABLE |
 * __GFP_RECLAIMABLE warns and allocates as HighAtomic, kmm's own flags
 * sit above the kernel's mask, the slab layer's "Unexpected gfp" fix-up
 * reads as the kernel's.
 */
#include "kmm_test.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page/internal.h"
#include "slab/slab.h"

static struct test_log log_;

/* ---- the kernel's table, parsed from the event format ------------------------------ */

struct kflag {
	unsigned long mask;
	char name[40];
};

static struct kflag ktable[64];
static int knr;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* A tiny C expression evaluator: casts, ( ), ~, <<, &, |, integer literals. */
struct parser {
	const char *p;
};

static void skip_ws(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static unsigned long parse_or(struct parser *ps);

static bool at_cast(const struct parser *ps)
{
	const char *q = ps->p + 1;

	while (*q == ' ')
		q++;
	if (!isalpha((unsigned char)*q) && *q != '_')
		return false;
	while (isalnum((unsigned char)*q) || *q == '_' || *q == ' ')
		q++;
	return *q == ')';
}

static unsigned long parse_unary(struct parser *ps)
{
	skip_ws(ps);
	if (*ps->p == '~') {
		ps->p++;
		return ~parse_unary(ps);
	}
	if (*ps->p == '(') {
		unsigned long v;

		if (at_cast(ps)) {
			ps->p = strchr(ps->p, ')') + 1;
			return parse_unary(ps);
		}
		ps->p++;
		v = parse_or(ps);
		skip_ws(ps);
		assert_int_equal(*ps->p, ')');
		ps->p++;
		return v;
	}
	if (isdigit((unsigned char)*ps->p)) {
		char *end;
		unsigned long v = strtoul(ps->p, &end, 0);

		ps->p = end;
		while (*ps->p == 'U' || *ps->p == 'L' || *ps->p == 'u' || *ps->p == 'l')
			ps->p++;
		return v;
	}
	fail_msg("unexpected '%.20s' in a gfp expression", ps->p);
	return 0;
}

static unsigned long parse_shift(struct parser *ps)
{
	unsigned long v = parse_unary(ps);

	for (;;) {
		skip_ws(ps);
		if (ps->p[0] != '<' || ps->p[1] != '<')
			return v;
		ps->p += 2;
		v <<= parse_unary(ps);
	}
}

static unsigned long parse_and(struct parser *ps)
{
	unsigned long v = parse_shift(ps);

	for (;;) {
		skip_ws(ps);
		if (*ps->p != '&')
			return v;
		ps->p++;
		v &= parse_shift(ps);
	}
}

static unsigned long parse_or(struct parser *ps)
{
	unsigned long v = parse_and(ps);

	for (;;) {
		skip_ws(ps);
		if (*ps->p != '|')
			return v;
		ps->p++;
		v |= parse_and(ps);
	}
}

static void load_kernel_table(void)
{
	char path[1024];
	const char *slash = strrchr(__FILE__, '/');
	char *text;
	struct parser ps;

	if (knr)
		return;
	snprintf(path, sizeof(path), "%.*s/data/linux-6.18/mm_page_alloc.format",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	text = read_file(path);
	if (!text)
		fail_msg("cannot read %s", path);
	ps.p = strstr(text, "__print_flags(REC->gfp_flags, \"|\",");
	assert_non_null(ps.p);
	ps.p = strchr(ps.p, ',') + 1;
	ps.p = strchr(ps.p, ',') + 1;
	for (;;) {
		const char *q;

		skip_ws(&ps);
		assert_int_equal(*ps.p, '{');
		ps.p++;
		skip_ws(&ps);
		if (ps.p[0] == '0' && ps.p[1] == ',')
			break; /* { 0, ((void *)0) } ends the table */
		ktable[knr].mask = parse_or(&ps);
		skip_ws(&ps);
		assert_int_equal(*ps.p, ',');
		ps.p = strchr(ps.p, '"') + 1;
		q = strchr(ps.p, '"');
		assert_true(q - ps.p < (long)sizeof(ktable[knr].name));
		memcpy(ktable[knr].name, ps.p, (size_t)(q - ps.p));
		ps.p = q + 1;
		skip_ws(&ps);
		assert_int_equal(*ps.p, '}');
		ps.p++;
		skip_ws(&ps);
		assert_int_equal(*ps.p, ',');
		ps.p++;
		knr++;
		assert_true(knr < 64);
	}
	free(text);
}

static unsigned long kernel_value(const char *name)
{
	for (int i = 0; i < knr; i++)
		if (!strcmp(ktable[i].name, name))
			return ktable[i].mask;
	fail_msg("the kernel's table has no %s", name);
	return 0;
}

/* The kernel's printer (format_flags / trace_print_flags_seq) over the kernel's table. */
static void kernel_print(char *buf, size_t len, unsigned long flags)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (int i = 0; i < knr && flags; i++) {
		if ((flags & ktable[i].mask) != ktable[i].mask)
			continue;
		flags &= ~ktable[i].mask;
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", pos ? "|" : "",
					ktable[i].name);
	}
	if (flags)
		snprintf(buf + pos, len - pos, "%s%#lx", pos ? "|" : "", flags);
}

/* ---- golden tests -------------------------------------------------------------------- */

/* kmm's names, in the same order, with the kernel's masks; then kmm's own two. */
static void test_name_table_is_the_kernels(void **state)
{
	size_t nr;
	const struct gfp_name *names = kmm_gfp_names(&nr);

	(void)state;
	load_kernel_table();
	assert_int_equal(knr, 38); /* 11 composites, GFP_DMA, GFP_DMA32, __GFP_RECLAIM, 24 bits */
	assert_int_equal(nr, (size_t)knr + 2);
	for (int i = 0; i < knr; i++) {
		assert_string_equal(names[i].name, ktable[i].name);
		assert_int_equal(names[i].mask, ktable[i].mask);
	}
	assert_string_equal(names[knr].name, "__GFP_COLD");
	assert_string_equal(names[knr + 1].name, "__GFP_NO_GROW");
	/* kmm's own flags are above the kernel's mask, and above every 6.18 configuration's */
	for (int i = 0; i < knr; i++)
		assert_int_equal(ktable[i].mask & ~(unsigned long)__GFP_BITS_MASK, 0);
	assert_int_equal(KMM_GFP_KMM_MASK & ((1u << 28) - 1), 0);
	assert_int_equal(__GFP_COLD & __GFP_NO_GROW, 0);
}

/* Every macro of a kernel name has the kernel's value. */
static void test_macros_have_the_kernels_values(void **state)
{
	static const struct {
		const char *name;
		gfp_t value;
	} ours[] = {
#define V(x) { #x, x }
		V(GFP_TRANSHUGE),
		V(GFP_TRANSHUGE_LIGHT),
		V(GFP_HIGHUSER_MOVABLE),
		V(GFP_HIGHUSER),
		V(GFP_USER),
		V(GFP_KERNEL_ACCOUNT),
		V(GFP_KERNEL),
		V(GFP_NOFS),
		V(GFP_ATOMIC),
		V(GFP_NOIO),
		V(GFP_NOWAIT),
		V(GFP_DMA),
		V(GFP_DMA32),
		V(__GFP_RECLAIM),
		V(__GFP_DMA),
		V(__GFP_HIGHMEM),
		V(__GFP_DMA32),
		V(__GFP_MOVABLE),
		V(__GFP_RECLAIMABLE),
		V(__GFP_HIGH),
		V(__GFP_IO),
		V(__GFP_FS),
		V(__GFP_ZERO),
		V(__GFP_DIRECT_RECLAIM),
		V(__GFP_KSWAPD_RECLAIM),
		V(__GFP_WRITE),
		V(__GFP_NOWARN),
		V(__GFP_RETRY_MAYFAIL),
		V(__GFP_NOFAIL),
		V(__GFP_NORETRY),
		V(__GFP_MEMALLOC),
		V(__GFP_COMP),
		V(__GFP_NOMEMALLOC),
		V(__GFP_HARDWALL),
		V(__GFP_THISNODE),
		V(__GFP_ACCOUNT),
		V(__GFP_ZEROTAGS),
		V(__GFP_NO_OBJ_EXT),
#undef V
	};
	unsigned long all = 0;

	(void)state;
	load_kernel_table();
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		if (kernel_value(ours[i].name) != ours[i].value)
			fail_msg("%s is %#x, the kernel's is %#lx", ours[i].name, ours[i].value,
				 kernel_value(ours[i].name));
	}
	/* the 6.18 facts the issue names */
	assert_int_equal(GFP_NOWAIT, 0x2800);
	assert_int_equal(__GFP_ZEROTAGS, 1u << 23);
	assert_int_equal(__GFP_NO_OBJ_EXT, 1u << 24);
	/* __GFP_BITS_MASK covers exactly the kernel's highest bit and everything below */
	for (int i = 0; i < knr; i++)
		all |= ktable[i].mask;
	assert_int_equal(__GFP_BITS_MASK, (1ul << (64 - __builtin_clzl(all))) - 1);
	assert_int_equal(__GFP_BITS_MASK, 0x1ffffff);
	/* the KMM_ spellings are the same bits */
	assert_int_equal(KMM_GFP_KERNEL, GFP_KERNEL);
	assert_int_equal(KMM_GFP_NOWAIT, GFP_NOWAIT);
	assert_int_equal(KMM_GFP_ZERO, __GFP_ZERO);
	/* 2.6 names keep their meaning */
	assert_int_equal(__GFP_WAIT, __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM);
	assert_int_equal(__GFP_WAIT | __GFP_IO | __GFP_FS, GFP_KERNEL);
	assert_int_equal(__GFP_REPEAT, __GFP_RETRY_MAYFAIL);
	assert_int_equal(__GFP_SKIP_KASAN | __GFP_SKIP_ZERO | __GFP_NOLOCKDEP, 0);
	/* include/linux/gfp.h's predicates */
	assert_true(gfpflags_allow_blocking(GFP_KERNEL));
	assert_false(gfpflags_allow_blocking(GFP_ATOMIC));
	assert_false(gfpflags_allow_blocking(GFP_NOWAIT));
	assert_true(gfpflags_allow_spinning(GFP_NOWAIT));
	assert_false(gfpflags_allow_spinning(__GFP_ZERO));
	assert_true(gfp_has_io_fs(GFP_KERNEL));
	assert_false(gfp_has_io_fs(GFP_NOFS));
	assert_true(gfp_has_flags(GFP_KERNEL_ACCOUNT, GFP_KERNEL));
}

/* Printed masks: what the kernel's printer makes of them with the kernel's table. */
static void test_printed_names(void **state)
{
	static const gfp_t masks[] = {
		GFP_KERNEL,
		GFP_ATOMIC,
		GFP_NOWAIT,
		GFP_KERNEL | __GFP_ZERO | __GFP_COMP,
		GFP_HIGHUSER_MOVABLE,
		GFP_DMA | __GFP_ZERO,
		GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY,
		GFP_USER | __GFP_RETRY_MAYFAIL,
		GFP_NOFS,
		GFP_TRANSHUGE,
		GFP_TRANSHUGE_LIGHT,
		GFP_KERNEL_ACCOUNT | __GFP_ZERO,
		__GFP_RECLAIM | __GFP_DMA32,
		__GFP_MOVABLE | __GFP_RECLAIMABLE,
		__GFP_HIGH,
		__GFP_NO_OBJ_EXT | __GFP_ZEROTAGS | __GFP_THISNODE,
		GFP_NOWAIT | __GFP_COMP | 0x200u,
		0,
	};
	char ours[256], theirs[256];

	(void)state;
	load_kernel_table();
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		kmm_format_gfp(ours, sizeof(ours), masks[i]);
		kernel_print(theirs, sizeof(theirs), masks[i]);
		assert_string_equal(ours, theirs);
	}
	/* a few spelled out, as the kernel prints them */
	kmm_format_gfp(ours, sizeof(ours), GFP_KERNEL | __GFP_ZERO | __GFP_COMP);
	assert_string_equal(ours, "GFP_KERNEL|__GFP_ZERO|__GFP_COMP");
	kmm_format_gfp(ours, sizeof(ours), GFP_NOWAIT | __GFP_ZERO);
	assert_string_equal(ours, "GFP_NOWAIT|__GFP_ZERO");
	kmm_format_gfp(ours, sizeof(ours), __GFP_RECLAIM | __GFP_DMA32);
	assert_string_equal(ours, "GFP_NOIO|GFP_DMA32");
	kmm_format_gfp(ours, sizeof(ours), GFP_KERNEL | 0x200u);
	assert_string_equal(ours, "GFP_KERNEL|0x200");
	/* kmm's own flags get their names after the kernel's */
	kmm_format_gfp(ours, sizeof(ours), GFP_KERNEL | __GFP_COLD);
	assert_string_equal(ours, "GFP_KERNEL|__GFP_COLD");
	kmm_format_gfp(ours, sizeof(ours), __GFP_HIGH | 0x40000000u);
	assert_string_equal(ours, "__GFP_HIGH|0x40000000");
	/* truncation is safe and reports the full length */
	assert_int_equal(kmm_format_gfp(ours, 8, GFP_KERNEL | __GFP_ZERO),
			 strlen("GFP_KERNEL|__GFP_ZERO"));
	assert_int_equal(strlen(ours), 7);
}

/* ---- semantics that go with the bits -------------------------------------------------- */

static int page_mt(kmm_machine *m, struct page *page)
{
	return (int)page_alloc_mt(page);
	(void)m;
}

/*
 * __GFP_MOVABLE|__GFP_RECLAIMABLE: 6.18's gfp_migratetype warns (VM_WARN_ON)
 * and yields MIGRATE_HIGHATOMIC; kmm allocates, from the HighAtomic reserve
 * first, never from the per-CPU lists.
 */
static void test_movable_reclaimable_is_highatomic(void **state)
{
	kmm_machine *m = test_boot("mem=1G nr_cpus=2", &log_);
	gfp_t both = GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE;
	struct page *page;

	(void)state;
	assert_int_equal(gfp_migratetype(m, both), MIGRATE_HIGHATOMIC);
	assert_int_equal(gfp_migratetype(m, GFP_KERNEL | __GFP_MOVABLE), MIGRATE_MOVABLE);
	assert_int_equal(gfp_migratetype(m, GFP_KERNEL | __GFP_RECLAIMABLE), MIGRATE_RECLAIMABLE);
	assert_int_equal(gfp_migratetype(m, GFP_KERNEL), MIGRATE_UNMOVABLE);
	test_log_clear(&log_);
	page = kmm_alloc_pages(m, both, 0);
	assert_non_null(page);
	assert_int_equal(page_mt(m, page), MIGRATE_HIGHATOMIC);
	assert_true(
		test_log_contains(&log_, "------------[ cut here ]------------\nWARNING: CPU: "));
	assert_true(test_log_contains(&log_, " at include/linux/gfp.h:22 gfp_migratetype\n"));
	assert_true(test_log_contains(
		&log_, "mode:0xcd8(GFP_KERNEL|__GFP_MOVABLE|__GFP_RECLAIMABLE) has both mobility"));
	assert_false(test_log_contains(&log_, "invalid gfp mask"));
	kmm_free_pages(m, page, 0);
	/* orders above the pcp range too */
	page = kmm_alloc_pages(m, both | __GFP_NOWARN, 5);
	assert_non_null(page);
	kmm_free_pages(m, page, 5);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* Bits outside the kernel's mask and kmm's own, and the unused bit 9, are refused. */
static void test_unknown_bits_refused(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1", &log_);
	struct page *page;

	(void)state;
	test_log_clear(&log_);
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | 0x40000000u, 0));
	assert_true(test_log_contains(&log_, "alloc_pages: invalid gfp mask 0x40000cc0"
					     "(GFP_KERNEL|0x40000000): unknown bits"));
	assert_null(kmm_alloc_pages(m, GFP_KERNEL | 0x200u, 0));
	/* the 6.18 bits kmm accepts without effect, and kmm's own */
	page = kmm_alloc_pages(m,
			       GFP_KERNEL_ACCOUNT | __GFP_ZEROTAGS | __GFP_NO_OBJ_EXT |
				       __GFP_WRITE | __GFP_HARDWALL | __GFP_COLD,
			       0);
	assert_non_null(page);
	kmm_free_pages(m, page, 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* The slab layer's fix-up of gfp it cannot honour reads as kmalloc_fix_flags's. */
static void test_unexpected_gfp_warning(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=1", &log_);
	void *p;

	(void)state;
	test_log_clear(&log_);
	p = kmm_kmalloc(m, 64 << 10, GFP_KERNEL | __GFP_DMA32);
	assert_non_null(p);
	assert_true(test_log_contains(&log_, "Unexpected gfp: 0x4 (GFP_DMA32). Fixing up to gfp: "
					     "0xcc0 (GFP_KERNEL). Fix your code!\n"));
	kmm_kfree(m, p);
	kmm_slab_shrink_all(m);
	test_log_clear(&log_);
	{
		void *q[64];

		/* enough to grow kmalloc-4k: the fix-up happens when a slab is made */
		for (int i = 0; i < 64; i++)
			assert_non_null(q[i] = kmm_kmalloc(m, 3000, GFP_KERNEL | __GFP_HIGHMEM));
		for (int i = 0; i < 64; i++)
			kmm_kfree(m, q[i]);
	}
	assert_true(test_log_contains(&log_,
				      "Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: "));
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* warn_alloc's first line and show_mem's filters, as 6.18 has them. */
static void test_failure_warning(void **state)
{
	kmm_machine *m = test_boot("mem=256M nr_cpus=2 numa=fake=2 pcp=0", &log_);
	uint64_t both = 0x3, node1 = 0x2;
	struct page *held[8];
	int n = 0;

	(void)state;
	test_log_clear(&log_);
	while (n < 8 && (held[n] = kmm_alloc_pages_nodemask(m, GFP_DMA | __GFP_NORETRY, 10, 0,
							    &both)) != NULL)
		n++;
	assert_true(n < 8);
	assert_true(test_log_contains(&log_, ": page allocation failure: order:10, mode:0x10001("
					     "GFP_DMA|__GFP_NORETRY), nodemask=0-1,cpuset=/,"
					     "mems_allowed=0-1\nMem-Info:\n"));
	assert_true(test_log_contains(&log_, "\nNode 0 DMA free:"));
	assert_true(test_log_contains(&log_, "\nlowmem_reserve[]: 0 "));
	assert_true(test_log_contains(&log_, "\nNode 0 DMA: "));
	assert_false(test_log_contains(&log_, "Node 0 DMA32"));
	assert_true(test_log_contains(&log_, "\n0 pages in swap cache\nFree swap  = 0kB\n"
					     "Total swap = 0kB\n"));
	assert_true(test_log_contains(&log_, " pages RAM\n0 pages HighMem/MovableOnly\n"));
	/* a request that may reclaim shows only the nodes of its nodemask */
	test_log_clear(&log_);
	assert_null(kmm_alloc_pages_nodemask(m, GFP_KERNEL | GFP_DMA, 10, 1, &node1));
	assert_true(test_log_contains(&log_, "nodemask=1,cpuset=/,mems_allowed=0-1\n"));
	assert_false(test_log_contains(&log_, "Node 0 "));
	while (n-- > 0)
		kmm_free_pages(m, held[n], 10);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_table_is_the_kernels),
		cmocka_unit_test(test_macros_have_the_kernels_values),
		cmocka_unit_test(test_printed_names),
		cmocka_unit_test(test_movable_reclaimable_is_highatomic),
		cmocka_unit_test(test_unknown_bits_refused),
		cmocka_unit_test(test_unexpected_gfp_warning),
		cmocka_unit_test(test_failure_warning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
