/* SPDX-License-Identifier: MIT */
/*
 * tests/test_cmdline.c - the command-line parser (boot/cmdline.c): defaults,
 * every key, memparse, every error message, the canonical form and its
 * round trip, and a fuzz loop over pseudo-random byte strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "boot/cmdline.h"

/* ---- helpers ------------------------------------------------------------- */

static char errbuf[512];

static struct kmm_machine_desc parse_ok(const char *cmdline)
{
	struct kmm_machine_desc d;
	int ret;

	memset(&d, 0x5a, sizeof(d));
	errbuf[0] = 'X';
	errbuf[1] = '\0';
	ret = kmm_cmdline_parse(cmdline, &d, errbuf, sizeof(errbuf));
	if (ret != KMM_OK)
		fail_msg("parse of \"%s\" failed (%d): %s", cmdline ? cmdline : "(null)", ret,
			 errbuf);
	assert_string_equal(errbuf, "");
	return d;
}

/*
 * Parse must fail with KMM_EINVAL, leave desc untouched, and produce exactly
 * `msg` (which names the token).
 */
static void parse_err(const char *cmdline, const char *msg)
{
	struct kmm_machine_desc d, before;
	int ret;

	memset(&d, 0xa5, sizeof(d));
	memcpy(&before, &d, sizeof(d));
	errbuf[0] = '\0';
	ret = kmm_cmdline_parse(cmdline, &d, errbuf, sizeof(errbuf));
	if (ret != KMM_EINVAL)
		fail_msg("parse of \"%s\" returned %d, expected KMM_EINVAL", cmdline, ret);
	if (strcmp(errbuf, msg) != 0)
		fail_msg("parse of \"%s\": message \"%s\", expected \"%s\"", cmdline, errbuf, msg);
	assert_memory_equal(&d, &before, sizeof(d));
}

/* Parse must fail and the message must quote `token`. */
static void parse_err_tok(const char *cmdline, const char *token)
{
	char quoted[sizeof(errbuf)];
	int ret, n;

	ret = kmm_cmdline_parse(cmdline, NULL, errbuf, sizeof(errbuf));
	assert_int_equal(ret, KMM_EINVAL);
	/* A token too long to fit the message cannot be quoted whole: a bad test. */
	n = snprintf(quoted, sizeof(quoted), "'%s'", token);
	assert_true(n > 0 && (size_t)n < sizeof(quoted));
	if (!strstr(errbuf, quoted))
		fail_msg("parse of \"%s\": message \"%s\" does not quote %s", cmdline, errbuf,
			 quoted);
}

static const char *format(const struct kmm_machine_desc *d)
{
	static char buf[8192];

	kmm_desc_format(d, buf, sizeof(buf));
	return buf;
}

/* parse(format(d)) must give d back, byte for byte. */
static void assert_round_trip(const struct kmm_machine_desc *d)
{
	struct kmm_machine_desc again;
	const char *s = format(d);

	memset(&again, 0x77, sizeof(again));
	if (kmm_cmdline_parse(s, &again, errbuf, sizeof(errbuf)) != KMM_OK)
		fail_msg("canonical form \"%s\" does not parse: %s", s, errbuf);
	if (memcmp(&again, d, sizeof(again)) != 0)
		fail_msg("canonical form \"%s\" parses to a different description", s);
}

#define SZ_K(x) ((uint64_t)(x) << 10)
#define SZ_M(x) ((uint64_t)(x) << 20)
#define SZ_G(x) ((uint64_t)(x) << 30)

/* ---- defaults ------------------------------------------------------------ */

static void check_defaults(const struct kmm_machine_desc *d)
{
	static const int ratio[KMM_NR_ZONES] = { 256, 256, 32, 0, 0 };

	assert_int_equal(d->page_shift, 12);
	assert_int_equal(d->nr_cpus, 1);
	assert_int_equal(d->numa_fake, 0);
	assert_int_equal(d->numa_remote_distance, 20);
	assert_int_equal(d->min_free_kbytes, -1);
	assert_int_equal(d->watermark_scale_factor, 10);
	assert_memory_equal(d->lowmem_reserve_ratio, ratio, sizeof(ratio));
	assert_true(d->mobility_grouping);
	assert_true(d->pcp);
	assert_false(d->init_on_alloc);
	assert_false(d->init_on_free);
	assert_false(d->slab_freelist_random);
	assert_string_equal(d->slab_debug, "");
	assert_true(d->mem_bytes == 0);
	assert_true(d->highmem_bytes == 0);
	assert_true(d->movablecore_bytes == 0);
	assert_false(d->exactmap);
	assert_int_equal(d->nr_usable, 0);
	assert_int_equal(d->nr_reserved, 0);
}

static void test_defaults(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d, e;

	memset(&d, 0xff, sizeof(d));
	kmm_desc_defaults(&d);
	check_defaults(&d);

	e = parse_ok(NULL);
	check_defaults(&e);
	assert_memory_equal(&d, &e, sizeof(d));
	e = parse_ok("");
	assert_memory_equal(&d, &e, sizeof(d));
	e = parse_ok(" \t  \t");
	assert_memory_equal(&d, &e, sizeof(d));

	/* Parsing always starts from the defaults, not from what desc held. */
	e = parse_ok("pcp=1");
	assert_memory_equal(&d, &e, sizeof(d));

	/* A NULL desc is allowed: validation only. */
	assert_int_equal(kmm_cmdline_parse("mem=4G", NULL, NULL, 0), KMM_OK);
}

/* ---- memparse ------------------------------------------------------------ */

static void check_memparse(const char *s, size_t want_n, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	size_t n = kmm_memparse(s, &v);

	if (n != want_n)
		fail_msg("memparse(\"%s\") consumed %zu, expected %zu", s, n, want_n);
	if (want_n && v != want)
		fail_msg("memparse(\"%s\") = %llu, expected %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
	if (!want_n && v != 0xdeadbeef)
		fail_msg("memparse(\"%s\") wrote its output on error", s);
}

static void test_memparse(void **state KMM_UNUSED)
{
	check_memparse("0", 1, 0);
	check_memparse("4096", 4, 4096);
	check_memparse("010", 3, 10); /* not octal */
	check_memparse("4K", 2, SZ_K(4));
	check_memparse("4k", 2, SZ_K(4));
	check_memparse("640K", 4, SZ_K(640));
	check_memparse("1M", 2, SZ_M(1));
	check_memparse("3m", 2, SZ_M(3));
	check_memparse("2G", 2, SZ_G(2));
	check_memparse("2g", 2, SZ_G(2));
	check_memparse("1T", 2, 1ull << 40);
	check_memparse("5t", 2, 5ull << 40);
	check_memparse("1P", 2, 1ull << 50);
	check_memparse("7p", 2, 7ull << 50);
	check_memparse("1E", 2, 1ull << 60);
	check_memparse("15e", 3, 15ull << 60);
	check_memparse("0x1000", 6, 4096);
	check_memparse("0X1f", 4, 31);
	check_memparse("0xabcDEF", 8, 0xabcdef);
	check_memparse("0x10M", 5, SZ_M(16));
	check_memparse("0x1E", 4, 0x1e); /* E is a hex digit here, as in Linux */
	check_memparse("0x", 1, 0);	 /* "0", then an 'x' the caller rejects */
	check_memparse("0xg", 1, 0);
	/* Stops at the first character that is neither digit nor suffix. */
	check_memparse("64M$1G", 3, SZ_M(64));
	check_memparse("12Q", 2, 12);
	check_memparse("1KB", 2, SZ_K(1));
	check_memparse("18446744073709551615", 20, UINT64_MAX);
	check_memparse("0xffffffffffffffff", 18, UINT64_MAX);
	check_memparse("000000000000000000000000000001K", 31, 1024);
	check_memparse("16383P", 6, 16383ull << 50);

	/* Errors: no digits, or overflow of 64 bits. */
	check_memparse("", 0, 0);
	check_memparse("K", 0, 0);
	check_memparse("x10", 0, 0);
	check_memparse("-1", 0, 0);
	check_memparse(" 1", 0, 0);
	check_memparse("18446744073709551616", 0, 0);
	check_memparse("99999999999999999999999", 0, 0);
	check_memparse("0x10000000000000000", 0, 0);
	check_memparse("16E", 0, 0);
	check_memparse("16384P", 0, 0);
	check_memparse("17179869184G", 0, 0);
	check_memparse("17179869183G", 12, 17179869183ull << 30);
	assert_int_equal(kmm_memparse(NULL, NULL), 0);
	assert_int_equal(kmm_memparse("2M", NULL), 2);
}

/* ---- keys ---------------------------------------------------------------- */

static void test_mem(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d;

	d = parse_ok("mem=4G");
	assert_true(d.mem_bytes == SZ_G(4));
	d = parse_ok("mem=640K");
	assert_true(d.mem_bytes == SZ_K(640));
	d = parse_ok("mem=0x100000");
	assert_true(d.mem_bytes == SZ_M(1));
	d = parse_ok("mem=123456789");
	assert_true(d.mem_bytes == 123456789);
	/* A later mem= wins. */
	d = parse_ok("mem=1G mem=8G");
	assert_true(d.mem_bytes == SZ_G(8));

	parse_err("mem=12Q", "bad size in 'mem=12Q'");
	parse_err("mem=", "bad size in 'mem='");
	parse_err("mem=G", "bad size in 'mem=G'");
	parse_err("mem=4GG", "bad size in 'mem=4GG'");
	parse_err("mem=-4G", "bad size in 'mem=-4G'");
	parse_err("mem=4 G", "unknown key 'G'");
	parse_err("mem=16E", "bad size in 'mem=16E'");
	parse_err("mem=0", "bad size in 'mem=0' (it must not be zero)");
	parse_err("mem=0K", "bad size in 'mem=0K' (it must not be zero)");
	parse_err("mem", "missing '=' in 'mem'");
	parse_err("nr_cpus=2 mem", "missing '=' in 'mem'");
}

static void test_nr_cpus(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d;

	d = parse_ok("nr_cpus=1");
	assert_int_equal(d.nr_cpus, 1);
	d = parse_ok("nr_cpus=4");
	assert_int_equal(d.nr_cpus, 4);
	d = parse_ok("nr_cpus=256");
	assert_int_equal(d.nr_cpus, 256);
	d = parse_ok("nr_cpus=0x10");
	assert_int_equal(d.nr_cpus, 16);
	d = parse_ok("nr_cpus=8 nr_cpus=3");
	assert_int_equal(d.nr_cpus, 3);

	parse_err("nr_cpus=0", "bad value in 'nr_cpus=0' (expected 1..256)");
	parse_err("nr_cpus=257", "bad value in 'nr_cpus=257' (expected 1..256)");
	parse_err("nr_cpus=-1", "bad value in 'nr_cpus=-1' (expected 1..256)");
	parse_err("nr_cpus=", "bad value in 'nr_cpus=' (expected 1..256)");
	parse_err("nr_cpus=2x", "bad value in 'nr_cpus=2x' (expected 1..256)");
	parse_err("nr_cpus=4K", "bad value in 'nr_cpus=4K' (expected 1..256)");
	parse_err("nr_cpus=18446744073709551617",
		  "bad value in 'nr_cpus=18446744073709551617' (expected 1..256)");
	parse_err("nr_cpus=4294967297", "bad value in 'nr_cpus=4294967297' (expected 1..256)");
	parse_err("nr_cpus", "missing '=' in 'nr_cpus'");
}

static void test_numa(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d;

	d = parse_ok("numa=fake=2");
	assert_int_equal(d.numa_fake, 2);
	d = parse_ok("numa=fake=1");
	assert_int_equal(d.numa_fake, 1);
	d = parse_ok("numa=fake=64");
	assert_int_equal(d.numa_fake, 64);
	d = parse_ok("numa=fake=4 numa=off");
	assert_int_equal(d.numa_fake, 0);

	parse_err("numa=fake=0", "bad value in 'numa=fake=0' (expected 1..64)");
	parse_err("numa=fake=65", "bad value in 'numa=fake=65' (expected 1..64)");
	parse_err("numa=fake=", "bad value in 'numa=fake=' (expected 1..64)");
	parse_err("numa=fake=128M", "bad value in 'numa=fake=128M' (expected 1..64)");
	parse_err("numa=on", "bad value in 'numa=on' (expected fake=N or off)");
	parse_err("numa=offf", "bad value in 'numa=offf' (expected fake=N or off)");
	parse_err("numa=fake", "bad value in 'numa=fake' (expected fake=N or off)");
	parse_err("numa=", "bad value in 'numa=' (expected fake=N or off)");
	parse_err("numa", "missing '=' in 'numa'");

	d = parse_ok("numa_distance=11");
	assert_int_equal(d.numa_remote_distance, 11);
	d = parse_ok("numa_distance=255");
	assert_int_equal(d.numa_remote_distance, 255);
	d = parse_ok("numa_distance=40");
	assert_int_equal(d.numa_remote_distance, 40);
	parse_err("numa_distance=10", "bad value in 'numa_distance=10' (expected 11..255)");
	parse_err("numa_distance=256", "bad value in 'numa_distance=256' (expected 11..255)");
}

static void test_page_size(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d;

	d = parse_ok("page_size=4K");
	assert_int_equal(d.page_shift, 12);
	d = parse_ok("page_size=16K");
	assert_int_equal(d.page_shift, 14);
	d = parse_ok("page_size=64k");
	assert_int_equal(d.page_shift, 16);
	d = parse_ok("page_size=65536");
	assert_int_equal(d.page_shift, 16);
	d = parse_ok("page_size=0x4000");
	assert_int_equal(d.page_shift, 14);
	d = parse_ok("page_size=64K page_size=4096");
	assert_int_equal(d.page_shift, 12);

	parse_err("page_size=8K", "bad value in 'page_size=8K' (expected 4K, 16K or 64K)");
	parse_err("page_size=2M", "bad value in 'page_size=2M' (expected 4K, 16K or 64K)");
	parse_err("page_size=0", "bad value in 'page_size=0' (expected 4K, 16K or 64K)");
	parse_err("page_size=4KB", "bad size in 'page_size=4KB'");
	parse_err("page_size=", "bad size in 'page_size='");
}

static void test_highmem_movablecore(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d;

	d = parse_ok("highmem=512M movablecore=1G");
	assert_true(d.highmem_bytes == SZ_M(512));
	assert_true(d.movablecore_bytes == SZ_G(1));
	d = parse_ok("highmem=512M highmem=0 movablecore=1G movablecore=0");
	assert_true(d.highmem_bytes == 0);
	assert_true(d.movablecore_bytes == 0);
	parse_err("highmem=1Z", "bad size in 'highmem=1Z'");
	parse_err("movablecore=10%", "bad size in 'movablecore=10%'");
	parse_err("highmem", "missing '=' in 'highmem'");
}

static void test_vm_tunables(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d;

	d = parse_ok("min_free_kbytes=0");
	assert_int_equal(d.min_free_kbytes, 0);
	d = parse_ok("min_free_kbytes=65536");
	assert_int_equal(d.min_free_kbytes, 65536);
	d = parse_ok("min_free_kbytes=2147483647");
	assert_int_equal(d.min_free_kbytes, 2147483647L);
	parse_err("min_free_kbytes=2147483648",
		  "bad value in 'min_free_kbytes=2147483648' (expected 0..2147483647)");
	parse_err("min_free_kbytes=-1",
		  "bad value in 'min_free_kbytes=-1' (expected 0..2147483647)");
	parse_err("min_free_kbytes=64K",
		  "bad value in 'min_free_kbytes=64K' (expected 0..2147483647)");

	d = parse_ok("watermark_scale_factor=1");
	assert_int_equal(d.watermark_scale_factor, 1);
	d = parse_ok("watermark_scale_factor=3000");
	assert_int_equal(d.watermark_scale_factor, 3000);
	parse_err("watermark_scale_factor=0",
		  "bad value in 'watermark_scale_factor=0' (expected 1..3000)");
	parse_err("watermark_scale_factor=3001",
		  "bad value in 'watermark_scale_factor=3001' (expected 1..3000)");
}

static void test_lowmem_reserve_ratio(void **state KMM_UNUSED)
{
	static const int want[KMM_NR_ZONES] = { 1, 2, 3, 4, 5 };
	static const int zeros[KMM_NR_ZONES] = { 0, 0, 0, 0, 0 };
	static const int big[KMM_NR_ZONES] = { 2147483647, 0, 7, 0, 16 };
	const char *expect = " (expected 5 comma-separated integers 0..2147483647)";
	static const char *bad[] = {
		"lowmem_reserve_ratio=1,2,3,4",
		"lowmem_reserve_ratio=1,2,3,4,5,6",
		"lowmem_reserve_ratio=1,,3,4,5",
		"lowmem_reserve_ratio=1,2,3,4,",
		"lowmem_reserve_ratio=1,2,3,4,-5",
		"lowmem_reserve_ratio=",
		"lowmem_reserve_ratio=2147483648,1,1,1,1",
		"lowmem_reserve_ratio=1;2;3;4;5",
		"lowmem_reserve_ratio=1,2,3,4,5x",
		"lowmem_reserve_ratio=,1,2,3,4,5",
	};
	struct kmm_machine_desc d;
	char msg[256];

	d = parse_ok("lowmem_reserve_ratio=1,2,3,4,5");
	assert_memory_equal(d.lowmem_reserve_ratio, want, sizeof(want));
	d = parse_ok("lowmem_reserve_ratio=0,0,0,0,0");
	assert_memory_equal(d.lowmem_reserve_ratio, zeros, sizeof(zeros));
	d = parse_ok("lowmem_reserve_ratio=2147483647,0,7,0,0x10");
	assert_memory_equal(d.lowmem_reserve_ratio, big, sizeof(big));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "bad value in '%s'%s", bad[i], expect);
		parse_err(bad[i], msg);
	}
}

static void test_booleans(void **state KMM_UNUSED)
{
	static const struct {
		const char *key;
		size_t off;
		bool def;
	} keys[] = {
		{ "page_group_by_mobility", offsetof(struct kmm_machine_desc, mobility_grouping),
		  true },
		{ "pcp", offsetof(struct kmm_machine_desc, pcp), true },
		{ "init_on_alloc", offsetof(struct kmm_machine_desc, init_on_alloc), false },
		{ "init_on_free", offsetof(struct kmm_machine_desc, init_on_free), false },
		{ "slab_freelist_random", offsetof(struct kmm_machine_desc, slab_freelist_random),
		  false },
	};
	static const struct {
		const char *val;
		bool v;
	} good[] = { { "0", false }, { "1", true }, { "off", false }, { "on", true } };
	static const char *bad[] = { "2", "yes", "no", "true", "", "01", "ON", "y", "-1" };
	char tok[128], msg[256];

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		struct kmm_machine_desc d = parse_ok("");

		assert_int_equal(*((bool *)((char *)&d + keys[k].off)), keys[k].def);
		for (size_t g = 0; g < sizeof(good) / sizeof(good[0]); g++) {
			snprintf(tok, sizeof(tok), "%s=%s", keys[k].key, good[g].val);
			d = parse_ok(tok);
			if (*((bool *)((char *)&d + keys[k].off)) != good[g].v)
				fail_msg("%s did not set the field to %d", tok, good[g].v);
			/* The other fields keep their defaults. */
			*((bool *)((char *)&d + keys[k].off)) = keys[k].def;
			check_defaults(&d);
		}
		/* The later token wins. */
		snprintf(tok, sizeof(tok), "%s=0 %s=1", keys[k].key, keys[k].key);
		d = parse_ok(tok);
		assert_true(*((bool *)((char *)&d + keys[k].off)));
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			snprintf(tok, sizeof(tok), "%s=%s", keys[k].key, bad[b]);
			snprintf(msg, sizeof(msg), "bad value in '%s' (expected 0, 1, on or off)",
				 tok);
			parse_err(tok, msg);
		}
		snprintf(msg, sizeof(msg), "missing '=' in '%s'", keys[k].key);
		parse_err(keys[k].key, msg);
	}
}

static void test_slab_debug(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d, fresh;
	char tok[128], msg[256], val[80];

	d = parse_ok("slab_debug=FZPU,kmalloc-64");
	assert_string_equal(d.slab_debug, "FZPU,kmalloc-64");
	d = parse_ok("slub_debug=P,dentry");
	assert_string_equal(d.slab_debug, "P,dentry");
	/* Verbatim, '=' and odd bytes included. */
	d = parse_ok("slab_debug=O=x\xc3\xa9");
	assert_string_equal(d.slab_debug, "O=x\xc3\xa9");
	/* A shorter later value leaves no trace of the earlier one. */
	d = parse_ok("slab_debug=FZPU,kmalloc-64 slub_debug=U");
	fresh = parse_ok("slab_debug=U");
	assert_memory_equal(&d, &fresh, sizeof(d));
	d = parse_ok("slab_debug=FZPU slab_debug=");
	fresh = parse_ok("");
	assert_memory_equal(&d, &fresh, sizeof(d));

	/* 63 characters fit, 64 do not. */
	memset(val, 'F', 63);
	val[63] = '\0';
	snprintf(tok, sizeof(tok), "slab_debug=%s", val);
	d = parse_ok(tok);
	assert_string_equal(d.slab_debug, val);
	val[63] = 'F';
	val[64] = '\0';
	snprintf(tok, sizeof(tok), "slub_debug=%s", val);
	snprintf(msg, sizeof(msg), "value too long in '%s' (at most 63 characters)", tok);
	parse_err(tok, msg);
	parse_err("slab_debug", "missing '=' in 'slab_debug'");
	parse_err("slub_debug", "missing '=' in 'slub_debug'");
}

/* ---- memmap= ------------------------------------------------------------- */

static void assert_range(const struct kmm_range *r, uint64_t size, uint64_t start)
{
	if (r->size != size || r->start != start)
		fail_msg("range is %llu@%llu, expected %llu@%llu", (unsigned long long)r->size,
			 (unsigned long long)r->start, (unsigned long long)size,
			 (unsigned long long)start);
}

static void test_memmap(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d;

	d = parse_ok("memmap=64M$1G");
	assert_false(d.exactmap);
	assert_int_equal(d.nr_usable, 0);
	assert_int_equal(d.nr_reserved, 1);
	assert_range(&d.reserved[0], SZ_M(64), SZ_G(1));

	/* $ ! # are all reserved; @ is usable and implies nothing else. */
	d = parse_ok("memmap=1M!2G memmap=4K#0x9f000 memmap=512M@4G");
	assert_false(d.exactmap);
	assert_int_equal(d.nr_reserved, 2);
	assert_range(&d.reserved[0], SZ_M(1), SZ_G(2));
	assert_range(&d.reserved[1], SZ_K(4), 0x9f000);
	assert_int_equal(d.nr_usable, 1);
	assert_range(&d.usable[0], SZ_M(512), SZ_G(4));

	/* Several ranges in one token, as Linux allows. */
	d = parse_ok("memmap=64M$1G,32M$2G,1G@8G");
	assert_int_equal(d.nr_reserved, 2);
	assert_range(&d.reserved[0], SZ_M(64), SZ_G(1));
	assert_range(&d.reserved[1], SZ_M(32), SZ_G(2));
	assert_int_equal(d.nr_usable, 1);
	assert_range(&d.usable[0], SZ_G(1), SZ_G(8));

	/* exactmap clears the usable ranges given so far, keeps reserved ones. */
	d = parse_ok("memmap=1G@8G memmap=64M$1G memmap=exactmap memmap=639K@0,2G@1M");
	assert_true(d.exactmap);
	assert_int_equal(d.nr_usable, 2);
	assert_range(&d.usable[0], SZ_K(639), 0);
	assert_range(&d.usable[1], SZ_G(2), SZ_M(1));
	assert_int_equal(d.nr_reserved, 1);
	d = parse_ok("memmap=exactmap,1G@0");
	assert_true(d.exactmap);
	assert_int_equal(d.nr_usable, 1);
	assert_range(&d.usable[0], SZ_G(1), 0);
	d = parse_ok("memmap=exactmap");
	assert_true(d.exactmap);
	assert_int_equal(d.nr_usable, 0);
	d = parse_ok("memmap=1G@0,exactmap");
	assert_true(d.exactmap);
	assert_int_equal(d.nr_usable, 0);

	/* Touching ranges do not overlap; usable and reserved may overlap each other. */
	d = parse_ok("memmap=1M@0 memmap=1M@1M memmap=1M$0 memmap=2M$1M");
	assert_int_equal(d.nr_usable, 2);
	assert_int_equal(d.nr_reserved, 2);

	/* A range that ends exactly at the top of the 64-bit space minus one byte. */
	d = parse_ok("memmap=1@18446744073709551614");
	assert_range(&d.usable[0], 1, UINT64_MAX - 1);
}

static void test_memmap_errors(void **state KMM_UNUSED)
{
	const char *expect =
		" (expected exactmap, SIZE@START, SIZE$START, SIZE!START or SIZE#START)";
	static const char *bad[] = {
		"memmap=",	  "memmap=64M",		 "memmap=64M%1G",   "memmap=@1G",
		"memmap=64M@",	  "memmap=64M@1G,",	 "memmap=,64M@1G",  "memmap=64M@1Gx",
		"memmap=64M$$1G", "memmap=exactmapx",	 "memmap=EXACTMAP", "memmap=64M@16E",
		"memmap=16E@0",	  "memmap=64M@1G,,1M@0",
	};
	char msg[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "bad range in '%s'%s", bad[i], expect);
		parse_err(bad[i], msg);
	}
	parse_err("memmap", "missing '=' in 'memmap'");

	parse_err("memmap=0$1G", "empty range in 'memmap=0$1G'");
	parse_err("memmap=0@0", "empty range in 'memmap=0@0'");
	parse_err("memmap=1M$0,0K!1G", "empty range in 'memmap=1M$0,0K!1G'");

	parse_err("memmap=2@18446744073709551615",
		  "bad range in 'memmap=2@18446744073709551615' (it ends beyond the 64-bit "
		  "address space)");
	parse_err("memmap=1@0xffffffffffffffff",
		  "bad range in 'memmap=1@0xffffffffffffffff' (it ends beyond the 64-bit address "
		  "space)");

	/* Overlaps within a kind, in separate tokens or in one. */
	parse_err("memmap=128M$1G memmap=64M$1G",
		  "range overlaps an earlier one in 'memmap=64M$1G'");
	parse_err("memmap=64M$1G,32M$2G,1M!1050M",
		  "range overlaps an earlier one in 'memmap=64M$1G,32M$2G,1M!1050M'");
	parse_err("memmap=1G@0 memmap=1M@1023M",
		  "range overlaps an earlier one in 'memmap=1M@1023M'");
	parse_err("memmap=2M#1M memmap=4M$0", "range overlaps an earlier one in 'memmap=4M$0'");
	parse_err("memmap=exactmap memmap=1G@0,1G@512M",
		  "range overlaps an earlier one in 'memmap=1G@0,1G@512M'");
	/* exactmap forgets the earlier usable range, so this one no longer overlaps it. */
	parse_ok("memmap=1G@0 memmap=exactmap memmap=1G@0");
}

static void test_memmap_too_many(void **state KMM_UNUSED)
{
	char line[4096];
	size_t pos = 0;
	struct kmm_machine_desc d;

	/* KMM_MAX_RANGES of each kind fit... */
	for (int i = 0; i < KMM_MAX_RANGES; i++)
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
					"memmap=1M$%dM memmap=1M@%dM ", 2 * i, 2 * i);
	d = parse_ok(line);
	assert_int_equal(d.nr_reserved, KMM_MAX_RANGES);
	assert_int_equal(d.nr_usable, KMM_MAX_RANGES);
	assert_range(&d.reserved[KMM_MAX_RANGES - 1], SZ_M(1), SZ_M(2 * (KMM_MAX_RANGES - 1)));

	/* ...one more does not. */
	snprintf(line + pos, sizeof(line) - pos, "memmap=1M$1G");
	parse_err(line, "too many ranges in 'memmap=1M$1G' (at most 32 of each kind)");
	snprintf(line + pos, sizeof(line) - pos, "memmap=1M@1G");
	parse_err(line, "too many ranges in 'memmap=1M@1G' (at most 32 of each kind)");
	/* Also when the excess comes inside one token (33 ranges, 227 bytes). */
	pos = (size_t)snprintf(line, sizeof(line), "memmap=1K$0");
	for (int i = 1; i <= KMM_MAX_RANGES; i++)
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos, ",1K$%dK", i);
	parse_err_tok(line, line);
	assert_non_null(strstr(errbuf, "too many ranges in"));
}

/* ---- tokens and messages ------------------------------------------------- */

static void test_tokens(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d;

	d = parse_ok("  mem=2G\t\tnr_cpus=3   numa=fake=2\t");
	assert_true(d.mem_bytes == SZ_G(2));
	assert_int_equal(d.nr_cpus, 3);
	assert_int_equal(d.numa_fake, 2);
	/* Other isspace() bytes separate too, so a trailing newline is harmless. */
	d = parse_ok("mem=2G\nnr_cpus=3\r\n");
	assert_int_equal(d.nr_cpus, 3);

	parse_err("foo=1", "unknown key 'foo=1'");
	parse_err("mem=4G foo=1 nr_cpus=2", "unknown key 'foo=1'");
	parse_err("quiet", "unknown key 'quiet'");
	parse_err("=4G", "unknown key '=4G'");
	parse_err("MEM=4G", "unknown key 'MEM=4G'");
	parse_err("mem_=4G", "unknown key 'mem_=4G'");
	parse_err("me=4G", "unknown key 'me=4G'");
	parse_err("memmapx=1M@0", "unknown key 'memmapx=1M@0'");
	parse_err("nr_cpus=2 nr_cpus=0 foo=1", "bad value in 'nr_cpus=0' (expected 1..256)");
	/* Bytes outside printable ASCII are escaped in the message. */
	parse_err("m\xc3\xa9m=1\x01", "unknown key 'm\\xc3\\xa9m=1\\x01'");
	parse_err("mem=4G\x7f", "bad size in 'mem=4G\\x7f'");
}

static void test_token_length(void **state KMM_UNUSED)
{
	char line[1024], msg[256];
	struct kmm_machine_desc d;
	size_t pos;

	/* A 255-byte token is accepted (leading zeros pad the first ratio)... */
	pos = (size_t)snprintf(line, sizeof(line), "lowmem_reserve_ratio=");
	while (pos < 255 - strlen("7,2,3,4,5"))
		line[pos++] = '0';
	memcpy(line + pos, "7,2,3,4,5", 10);
	assert_int_equal(strlen(line), 255);
	d = parse_ok(line);
	assert_int_equal(d.lowmem_reserve_ratio[0], 7);
	assert_int_equal(d.lowmem_reserve_ratio[4], 5);

	/* ...256 bytes are not, and the message quotes only its start. */
	memset(line, 'a', 300);
	line[300] = '\0';
	line[0] = 'x';
	snprintf(msg, sizeof(msg), "token too long in 'x%.47s...' (at most 255 bytes)", line + 1);
	parse_err(line, msg);
	memcpy(line, "mem=", 4);
	line[256] = '\0';
	snprintf(msg, sizeof(msg), "token too long in '%.48s...' (at most 255 bytes)", line);
	parse_err(line, msg);
	line[255] = '\0';
	parse_err_tok(line, line); /* 255 bytes: a bad size, quoted whole */
	assert_non_null(strstr(errbuf, "bad size in"));

	/* A huge line of many short tokens is fine. */
	pos = 0;
	for (int i = 0; i < 60; i++)
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "nr_cpus=%d ", i % 200 + 1);
	d = parse_ok(line);
	assert_int_equal(d.nr_cpus, 60);
}

static void test_err_buffer(void **state KMM_UNUSED)
{
	char small[32];
	int ret;

	/* err_len 0 and NULL err are fine. */
	assert_int_equal(kmm_cmdline_parse("foo=1", NULL, NULL, 0), KMM_EINVAL);
	assert_int_equal(kmm_cmdline_parse("foo=1", NULL, NULL, 100), KMM_EINVAL);
	small[0] = 'Z';
	assert_int_equal(kmm_cmdline_parse("foo=1", NULL, small, 0), KMM_EINVAL);
	assert_int_equal(small[0], 'Z');

	/* Small buffers get a terminated prefix and nothing past err_len. */
	for (size_t len = 1; len < 24; len++) {
		memset(small, '#', sizeof(small));
		ret = kmm_cmdline_parse("nr_cpus=1000", NULL, small, len);
		assert_int_equal(ret, KMM_EINVAL);
		assert_int_equal(strlen(small), len - 1);
		assert_memory_equal(small, "bad value in 'nr_cpus=1000'", len - 1);
		for (size_t i = len; i < sizeof(small); i++)
			assert_int_equal(small[i], '#');
	}

	/* Success clears an old message. */
	strcpy(small, "old");
	assert_int_equal(kmm_cmdline_parse("mem=1G", NULL, small, sizeof(small)), KMM_OK);
	assert_string_equal(small, "");
}

/* Every documented message, and that it quotes the token. */
static void test_messages_quote_token(void **state KMM_UNUSED)
{
	parse_err_tok("mem=4G foo=1", "foo=1");
	parse_err_tok("mem=12Q", "mem=12Q");
	parse_err_tok("nr_cpus=0", "nr_cpus=0");
	parse_err_tok("mem", "mem");
	parse_err_tok("memmap=128M$1G memmap=64M$1G", "memmap=64M$1G");
	parse_err_tok("memmap=0$1G", "memmap=0$1G");
	parse_err_tok("memmap=64", "memmap=64");
	parse_err_tok(
		"slab_debug=0123456789012345678901234567890123456789012345678901234567890123",
		"slab_debug=0123456789012345678901234567890123456789012345678901234567890123");
}

/* ---- the canonical form -------------------------------------------------- */

static void check_format(const char *in, const char *want)
{
	struct kmm_machine_desc d = parse_ok(in);
	const char *got = format(&d);

	if (strcmp(got, want) != 0)
		fail_msg("format(parse(\"%s\")) = \"%s\", expected \"%s\"", in, got, want);
	assert_round_trip(&d);
}

/* ---- refusals after parsing (boot/layout.c) quote the token as typed ------ */

/*
 * kmm_machine_create must refuse `cmdline` with KMM_EINVAL, create
 * nothing, and quote `quoted` (with its single quotes) in the message.
 */
static void boot_refused(const char *cmdline, const char *quoted)
{
	kmm_machine *m = (kmm_machine *)&m;
	int ret;

	errbuf[0] = '\0';
	ret = kmm_machine_create(cmdline, &m, errbuf, sizeof(errbuf));
	if (ret != KMM_EINVAL)
		fail_msg("\"%s\" returned %d, expected KMM_EINVAL (%s)", cmdline, ret, errbuf);
	assert_null(m);
	if (!strstr(errbuf, quoted))
		fail_msg("\"%s\": message \"%s\" does not quote %s", cmdline, errbuf, quoted);
}

static void test_layout_refusals_quote_token(void **state KMM_UNUSED)
{
	/* too little memory once the x86 holes below 1M are cut out */
	boot_refused("mem=16M", "'mem=16M' leaves");
	boot_refused("mem=16384K nr_cpus=2", "'mem=16384K' leaves");
	boot_refused("nr_cpus=1 mem=0x1000000", "'mem=0x1000000'");
	boot_refused("mem=1M", "'mem=1M' is too small");
	/* more than 2^32 pages */
	boot_refused("mem=16T", "'mem=16T' puts memory beyond 16T");
	boot_refused("mem=17592186044416", "'mem=17592186044416'");
	boot_refused("page_size=64K mem=1G mem=300T", "'mem=300T' puts memory beyond 256T");
	/* an exact map: the item at fault, as typed */
	boot_refused("memmap=exactmap", "'memmap=exactmap' needs");
	boot_refused("memmap=exactmap memmap=8M@0", "'memmap=exactmap' leaves 8M");
	boot_refused("memmap=exactmap memmap=64M@0,32T@0x40000000", "'memmap=32T@0x40000000'");
	/* reservations */
	boot_refused("mem=1G memmap=1M$0,64M$100G", "'memmap=64M$100G' reserves a range outside");
	boot_refused("mem=1G memmap=0x4000000$0x1900000000", "'memmap=0x4000000$0x1900000000'");
	boot_refused("memmap=5G$0", "the default 'mem=4G'");
	/* the other size keys and numa= */
	boot_refused("mem=1G highmem=0x80000000", "'highmem=0x80000000' is larger");
	boot_refused("mem=1G movablecore=2048M", "'movablecore=2048M' is more");
	boot_refused("mem=64M numa=fake=08", "'numa=fake=08'");
	/* a later mem= wins, and it is the one quoted */
	boot_refused("mem=8G mem=16M", "'mem=16M'");
}

/* The parser records the tokens behind the description, and only on success. */
static void test_parse_src(void **state KMM_UNUSED)
{
	const char *line = "mem=8G  memmap=exactmap,64M@0 nr_cpus=2 memmap=1M$2M,3M$8M mem=0x40000000";
	struct kmm_desc_src src, before;
	struct kmm_machine_desc d;
	char q[80];

	memset(&src, 0x5a, sizeof(src));
	assert_int_equal(kmm_cmdline_parse_src(line, &d, &src, errbuf, sizeof(errbuf)), KMM_OK);
	assert_string_equal(kmm_token_quote(q, sizeof(q), NULL, &src.mem), "'mem=0x40000000'");
	assert_ptr_equal(src.mem.text, strstr(line, "mem=0x"));
	assert_string_equal(kmm_token_quote(q, sizeof(q), "memmap=", &src.exactmap),
			    "'memmap=exactmap'");
	assert_string_equal(kmm_token_quote(q, sizeof(q), "memmap=", &src.usable[0]),
			    "'memmap=64M@0'");
	assert_string_equal(kmm_token_quote(q, sizeof(q), "memmap=", &src.reserved[1]),
			    "'memmap=3M$8M'");
	assert_null(src.highmem.text);
	assert_null(src.numa.text);

	memcpy(&before, &src, sizeof(src));
	assert_int_equal(kmm_cmdline_parse_src("mem=1G bogus=1", &d, &src, errbuf, sizeof(errbuf)),
			 KMM_EINVAL);
	assert_memory_equal(&src, &before, sizeof(src));
}

static void test_format(void **state KMM_UNUSED)
{
	check_format("", "nr_cpus=1");
	check_format(KMM_DEFAULT_CMDLINE, KMM_DEFAULT_CMDLINE);
	check_format("mem=4G nr_cpus=2", "mem=4G nr_cpus=2");
	check_format("nr_cpus=2 mem=4096M numa=fake=2 memmap=64M$1G",
		     "mem=4G nr_cpus=2 numa=fake=2 memmap=64M$1G");
	check_format("mem=655360", "mem=640K nr_cpus=1");
	check_format("mem=1536M", "mem=1536M nr_cpus=1");
	check_format("mem=1000", "mem=1000 nr_cpus=1");
	check_format("mem=0x100000000", "mem=4G nr_cpus=1");
	check_format("mem=1024P", "mem=1E nr_cpus=1");
	check_format("mem=18446744073709551615", "mem=18446744073709551615 nr_cpus=1");
	/* Defaults given explicitly are not printed. */
	check_format(
		"page_size=4K numa=off numa_distance=20 pcp=1 page_group_by_mobility=on "
		"init_on_alloc=0 watermark_scale_factor=10 lowmem_reserve_ratio=256,256,32,0,0 "
		"highmem=0 slab_debug=",
		"nr_cpus=1");
	/* Every key, in the fixed order. */
	check_format(
		"slub_debug=FZ,kmalloc-64 slab_freelist_random=on init_on_free=1 "
		"init_on_alloc=1 pcp=0 page_group_by_mobility=off "
		"lowmem_reserve_ratio=1,2,3,4,5 watermark_scale_factor=200 "
		"min_free_kbytes=1024 movablecore=256M highmem=512M numa_distance=30 "
		"numa=fake=4 page_size=16K nr_cpus=8 mem=8G memmap=1M$5G memmap=2G@16G",
		"mem=8G nr_cpus=8 page_size=16K numa=fake=4 numa_distance=30 highmem=512M "
		"movablecore=256M min_free_kbytes=1024 watermark_scale_factor=200 "
		"lowmem_reserve_ratio=1,2,3,4,5 page_group_by_mobility=0 pcp=0 init_on_alloc=1 "
		"init_on_free=1 slab_freelist_random=1 slab_debug=FZ,kmalloc-64 "
		"memmap=2G@16G memmap=1M$5G");
	check_format("min_free_kbytes=0 page_size=65536",
		     "nr_cpus=1 page_size=64K min_free_kbytes=0");
	/* exactmap machines print their map instead of mem=. */
	check_format("memmap=exactmap memmap=639K@0,3071M@1M nr_cpus=2 memmap=4K#0x9f000",
		     "memmap=exactmap memmap=639K@0 memmap=3071M@1M nr_cpus=2 memmap=4K$636K");
	check_format("memmap=exactmap,1G@4G mem=2G",
		     "memmap=exactmap memmap=1G@4G mem=2G nr_cpus=1");
	/* !, # and $ all print as $; several per token become one token each. */
	check_format("memmap=64M$1G,32M!2G,1M#3G",
		     "nr_cpus=1 memmap=64M$1G memmap=32M$2G memmap=1M$3G");
}

static void test_format_truncation(void **state KMM_UNUSED)
{
	struct kmm_machine_desc d = parse_ok("mem=8G nr_cpus=8 numa=fake=4 memmap=64M$1G");
	const char *full = "mem=8G nr_cpus=8 numa=fake=4 memmap=64M$1G";
	char buf[64];

	for (size_t len = 1; len <= strlen(full) + 1; len++) {
		memset(buf, '#', sizeof(buf));
		kmm_desc_format(&d, buf, len);
		assert_int_equal(strlen(buf), len - 1);
		assert_memory_equal(buf, full, len - 1);
		for (size_t i = len; i < sizeof(buf); i++)
			assert_int_equal(buf[i], '#');
	}
	buf[0] = '#';
	kmm_desc_format(&d, buf, 0);
	assert_int_equal(buf[0], '#');
	kmm_desc_format(&d, NULL, 0);
	kmm_desc_format(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_round_trip(void **state KMM_UNUSED)
{
	static const char *lines[] = {
		"",
		"mem=4G nr_cpus=2",
		"mem=3G nr_cpus=4 numa=fake=2 memmap=64M$1G,32M$2G memmap=1M!0x123000",
		"memmap=exactmap memmap=1M@0 memmap=1G@1G memmap=4K$0 nr_cpus=256",
		"memmap=1G@4G mem=1G page_size=64K highmem=256M movablecore=0x1234567",
		"lowmem_reserve_ratio=0,1,0,1,0 min_free_kbytes=2147483647",
		"watermark_scale_factor=3000 min_free_kbytes=0",
		"slab_debug=- slub_debug=F,kmalloc-*,dentry pcp=off init_on_free=on",
		"mem=1 highmem=1023 movablecore=1025",
		"memmap=exactmap",
		"memmap=1@18446744073709551614 memmap=18446744073709551615$0",
		"numa=fake=64 numa_distance=255 nr_cpus=0x80 mem=0x7fffffffffffffff",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct kmm_machine_desc d = parse_ok(lines[i]);

		assert_round_trip(&d);
	}
}

/* ---- fuzz ---------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t xorshift64(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

/* Fuzz vocabularies: pieces separated by '|'. */
static const char fragments[] =
	"mem=|nr_cpus=|numa=fake=|numa=off|numa_distance=|page_size=|highmem=|"
	"movablecore=|min_free_kbytes=|watermark_scale_factor=|lowmem_reserve_ratio=|"
	"page_group_by_mobility=|pcp=|init_on_alloc=|init_on_free=|slab_freelist_random=|"
	"slab_debug=|slub_debug=|memmap=|exactmap|4G|16K|64K|1|0|on|off|0x|ff|$|@|!|#|,|"
	"=| |\t|M|E|18446744073709551615|255|256|12|1M$1G|2M@0|64M$1G,32M$2G";

static const char keys_eq[] =
	"mem=|nr_cpus=|numa=|numa_distance=|page_size=|highmem=|movablecore=|"
	"min_free_kbytes=|watermark_scale_factor=|lowmem_reserve_ratio=|"
	"page_group_by_mobility=|pcp=|init_on_alloc=|init_on_free=|slab_freelist_random=|"
	"slab_debug=|slub_debug=|memmap=";

static const char values[] =
	"1|0|on|off|2|4K|16K|64K|4G|1536M|640K|0x1000|fake=2|fake=64|20|255|3000|"
	"1,2,3,4,5|exactmap|1M$1G|64M$1G,32M$2G|1G@0|2M!3M|4K#8K|FZPU|exactmap,1M@0|"
	"12345|1E";

/* A random piece of a '|'-separated list; returns its start, its length in *len. */
static const char *pick(const char *list, size_t *len)
{
	size_t pieces = 1, k;
	const char *p;

	for (p = list; *p; p++)
		pieces += *p == '|';
	k = xorshift64() % pieces;
	for (p = list; k; p++)
		k -= *p == '|';
	*len = strcspn(p, "|");
	return p;
}

static size_t structured_line(char *buf, size_t target)
{
	size_t len = 0;

	for (;;) {
		size_t kn, vn;
		const char *k = pick(keys_eq, &kn);
		const char *v = pick(values, &vn);

		if (len + kn + vn + 1 > target)
			return len;
		memcpy(buf + len, k, kn);
		memcpy(buf + len + kn, v, vn);
		len += kn + vn;
		buf[len++] = ' ';
	}
}

static void random_line(char *buf, size_t cap)
{
	size_t len = 0, target = xorshift64() % (cap - 1);
	unsigned int mode = (unsigned int)(xorshift64() % 4);

	if (mode == 3) {
		len = structured_line(buf, target);
		buf[len] = '\0';
		return;
	}

	while (len < target) {
		uint64_t r = xorshift64();

		if (mode == 0 || (mode == 2 && (r & 1))) {
			/* any byte but NUL */
			buf[len++] = (char)(1 + (r >> 8) % 255);
		} else {
			size_t n;
			const char *f = pick(fragments, &n);

			if (len + n > target)
				break;
			memcpy(buf + len, f, n);
			len += n;
			/* separate tokens now and then */
			if ((r >> 40) % 4 == 0 && len < target)
				buf[len++] = ' ';
		}
	}
	buf[len] = '\0';
}

static void test_fuzz(void **state KMM_UNUSED)
{
	char line[600];
	int ok = 0, einval = 0;

	rng_state = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 100000; i++) {
		struct kmm_machine_desc d;
		char err[128];
		uint64_t v;
		size_t n;
		int ret;

		random_line(line, (i & 7) == 0 ? sizeof(line) : 96);
		memset(err, 0, sizeof(err));
		ret = kmm_cmdline_parse(line, &d, err, sizeof(err));
		if (ret == KMM_OK) {
			ok++;
			if (err[0] != '\0')
				fail_msg("OK with a message for \"%s\": %s", line, err);
			assert_round_trip(&d);
		} else {
			einval++;
			if (ret != KMM_EINVAL)
				fail_msg("\"%s\" returned %d", line, ret);
			if (err[0] == '\0')
				fail_msg("\"%s\" failed without a message", line);
			assert_true(strlen(err) < sizeof(err));
		}
		n = kmm_memparse(line, &v);
		assert_true(n <= strlen(line));
	}
	print_message("fuzz: %d accepted, %d rejected\n", ok, einval);
	/* Both paths must have been exercised for the loop to mean anything. */
	assert_true(ok > 1000);
	assert_true(einval > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_memparse),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_nr_cpus),
		cmocka_unit_test(test_numa),
		cmocka_unit_test(test_page_size),
		cmocka_unit_test(test_highmem_movablecore),
		cmocka_unit_test(test_vm_tunables),
		cmocka_unit_test(test_lowmem_reserve_ratio),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_slab_debug),
		cmocka_unit_test(test_memmap),
		cmocka_unit_test(test_memmap_errors),
		cmocka_unit_test(test_memmap_too_many),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_token_length),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_messages_quote_token),
		cmocka_unit_test(test_layout_refusals_quote_token),
		cmocka_unit_test(test_parse_src),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncation),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
