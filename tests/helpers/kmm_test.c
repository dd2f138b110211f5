/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/kmm_test.c - shared test helpers (see kmm_test.h).
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <kmm/compaction.h>

#include <sched.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void test_log_sink(void *ctx, const char *text, size_t len)
{
	struct test_log *log = ctx;
	size_t room = sizeof(log->buf) - 1 - log->len;

	if (len > room)
		len = room;
	memcpy(log->buf + log->len, text, len);
	log->len += len;
	log->buf[log->len] = '\0';
}

void test_log_clear(struct test_log *log)
{
	log->len = 0;
	log->buf[0] = '\0';
}

bool test_log_contains(const struct test_log *log, const char *needle)
{
	return strstr(log->buf, needle) != NULL;
}

static void quiet_sink(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	(void)text;
	(void)len;
}

kmm_machine *test_boot(const char *cmdline, struct test_log *log)
{
	kmm_machine *m = NULL;
	char err[256] = "";
	int ret = kmm_machine_create(cmdline, &m, err, sizeof(err));

	if (ret != KMM_OK)
		fail_msg("booting \"%s\" failed: %s", cmdline ? cmdline : "(default)", err);
	if (log) {
		test_log_clear(log);
		kmm_set_log(m, test_log_sink, log);
	} else {
		kmm_set_log(m, quiet_sink, NULL);
	}
	return m;
}

int test_boot_fails(const char *cmdline, char *err, size_t len)
{
	kmm_machine *m = NULL;
	int ret = kmm_machine_create(cmdline, &m, err, len);

	if (ret == KMM_OK) {
		kmm_machine_destroy(m);
		fail_msg("booting \"%s\" should have failed", cmdline);
	}
	assert_null(m);
	return ret;
}

void test_assert_consistent(kmm_machine *m, struct test_log *log, const char *file, int line)
{
	int problems = kmm_check(m);

	if (problems != 0) {
		if (log)
			fprintf(stderr, "%s", log->buf);
		fail_msg("%s:%d: kmm_check found %d problems", file, line, problems);
	}
}

void test_snapshot(kmm_machine *m, struct free_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (int n = 0; n < kmm_nr_nodes(m) && n < 8; n++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			assert_int_equal(
				kmm_zone_free_blocks(m, n, (enum kmm_zone_type)z, s->counts[n][z]),
				KMM_OK);
}

bool test_snapshot_equal(const struct free_snapshot *a, const struct free_snapshot *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

struct strbuf {
	char *p;
	size_t len, cap;
};

static void strbuf_sink(void *ctx, const char *text, size_t len)
{
	struct strbuf *sb = ctx;

	if (sb->len + len + 1 > sb->cap) {
		sb->cap = (sb->len + len + 1) * 2;
		sb->p = realloc(sb->p, sb->cap);
		assert_non_null(sb->p);
	}
	memcpy(sb->p + sb->len, text, len);
	sb->len += len;
	sb->p[sb->len] = '\0';
}

char *test_report(kmm_machine *m, enum kmm_report which)
{
	struct strbuf sb = { calloc(1, 1), 0, 1 };

	assert_int_equal(kmm_report(m, which, strbuf_sink, &sb), KMM_OK);
	return sb.p;
}

unsigned long test_free_pages(kmm_machine *m)
{
	unsigned long n = 0;

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			n += kmm_zone_free_pages(m, nid, (enum kmm_zone_type)z);
	return n;
}

unsigned long test_order9_free(kmm_machine *m)
{
	unsigned long n = 0;

	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			unsigned long c[KMM_NR_ORDERS];

			kmm_zone_free_blocks(m, nid, (enum kmm_zone_type)z, c);
			for (int o = 9; o < KMM_NR_ORDERS; o++)
				n += c[o] << (o - 9);
		}
	return n;
}

struct page **test_pin_pages(kmm_machine *m, unsigned long stride, int *nr)
{
	struct page **pins = calloc(kmm_max_pfn(m) / stride + 1, sizeof(*pins));

	*nr = 0;
	for (unsigned long pfn = 0; pins && pfn < kmm_max_pfn(m); pfn += stride)
		for (unsigned long t = pfn; t < pfn + stride && t < kmm_max_pfn(m); t++) {
			struct page *cand = kmm_pfn_to_page(m, t);

			if (cand && kmm_page_ref_count(m, cand) == 0 &&
			    kmm_alloc_contig_range(m, t, t + 1, 0, KMM_GFP_KERNEL) == KMM_OK) {
				pins[(*nr)++] = cand;
				break;
			}
		}
	return pins;
}

void test_unpin_pages(kmm_machine *m, struct page **pins, int nr)
{
	for (int i = 0; i < nr; i++)
		kmm_free_contig_range(m, kmm_page_to_pfn(m, pins[i]), 1);
	free(pins);
}

static cpu_set_t saved_affinity;
static bool pinned;

/* Pin to the index-th host CPU this process may run on (wrapping around). */
void test_pin_cpu(int index)
{
	cpu_set_t set;
	int allowed, cpu = -1;

	if (!pinned)
		assert_int_equal(sched_getaffinity(0, sizeof(saved_affinity), &saved_affinity), 0);
	pinned = true;
	allowed = CPU_COUNT(&saved_affinity);
	assert_true(allowed > 0);
	index %= allowed;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &saved_affinity) && index-- == 0) {
			cpu = c;
			break;
		}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
}

void test_unpin(void)
{
	if (pinned)
		sched_setaffinity(0, sizeof(saved_affinity), &saved_affinity);
	pinned = false;
}
