/* SPDX-License-Identifier: MIT */
/*
 * tests/test_golden.c - kmm's reports held line by line against the real
 * files of a Linux 6.18 machine (tests/data/linux-6.18/, copied from the
 * machine kmm is developed on; parsed here at test time), and the
 * kernel's formulas validated on the real numbers before they are applied
 * to kmm's.
 *
 * Layout. Nothing here prints an expected line: the expected line is a
 * line of the real file (for kmm machines the real file lacks, e.g. a
 * second node, the real line of the same kind: the same zone's header,
 * the counter block of a populated zone, a CPU's pageset). A kmm line
 * matches a real line when, split into runs of digits, of other
 * characters and of blanks, every text run is the same at the same
 * column, every number sits where the real one does (a number after one
 * blank starts at the same column; a padded number ends at the same
 * column, or as far from it as the digit counts differ, when one of the
 * two overflows its field) and the line ends the same way.
 *
 * Formulas. One set of functions, written here from the kernel's
 * description (LINUX-FACTS, mm/page_alloc.c, mm/vmstat.c): watermarks
 * (min, low, high, promo), protection (lowmem_reserve), pcp batch /
 * high_min / high_max, MemAvailable (si_mem_available), the unusable free
 * space and fragmentation indices. They first recompute the real
 * machine's numbers from its own managed counts, sysctls and CPU count
 * (and must get them exactly), then kmm's numbers from kmm's managed
 * counts for three machines: this one (mem=24G nr_cpus=2, whose present
 * pages are the real machine's), a NUMA machine and a small one. Values
 * that depend on runtime state (free pages, pcp counts) are compared by
 * formula, not literally.
 */
#include "kmm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include <kmm/percpu.h>

#ifndef KMM_TEST_DATA_DIR
#error "KMM_TEST_DATA_DIR must name tests/data"
#endif
#define REAL_DIR KMM_TEST_DATA_DIR "/linux-6.18"

static struct test_log log_;

#define THIS_MACHINE "mem=24G nr_cpus=2"
#define NUMA_MACHINE "mem=8G nr_cpus=4 numa=fake=2"
#define SMALL_MACHINE "mem=64M nr_cpus=1"

/* ---- files and lines ---------------------------------------------------------------- */

static char *slurp(const char *name)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", REAL_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct lines {
	char **l;
	int n;
};

/* Split text into lines (the text is modified and owned by the result). */
static struct lines split_lines(char *text)
{
	struct lines r = { NULL, 0 };
	char *p = text;

	while (*p) {
		char *nl = strchr(p, '\n');

		r.l = realloc(r.l, sizeof(char *) * (size_t)(r.n + 1));
		r.l[r.n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return r;
}

static long read_long(const char *name)
{
	char *s = slurp(name);
	long v = strtol(s, NULL, 10);

	free(s);
	return v;
}

/* ---- layout match --------------------------------------------------------------------- */

enum tok_kind { TOK_NUM, TOK_TEXT };

struct tok {
	enum tok_kind kind;
	int start, end; /* [start, end) */
	int gap;	/* blanks before it */
};

static int tokenize(const char *s, struct tok *t, int max, int *trailing)
{
	int n = 0, i = 0, gap = 0;

	while (s[i]) {
		if (s[i] == ' ' || s[i] == '\t') {
			gap++;
			i++;
			continue;
		}
		assert_true(n < max);
		t[n].start = i;
		t[n].gap = gap;
		if (s[i] >= '0' && s[i] <= '9') {
			t[n].kind = TOK_NUM;
			while (s[i] >= '0' && s[i] <= '9')
				i++;
		} else {
			t[n].kind = TOK_TEXT;
			while (s[i] && s[i] != ' ' && s[i] != '\t' && !(s[i] >= '0' && s[i] <= '9'))
				i++;
		}
		t[n].end = i;
		gap = 0;
		n++;
	}
	*trailing = gap;
	return n;
}

/* Does kmm's line have the real line's layout? Explains why not in why[]. */
static bool layout_match(const char *real, const char *got, char *why, size_t len)
{
	struct tok tr[128], tk[128];
	int trail_r, trail_k, offset = 0;
	int nr = tokenize(real, tr, 128, &trail_r), nk = tokenize(got, tk, 128, &trail_k);

	if (nr != nk) {
		snprintf(why, len, "%d fields, the kernel's line has %d", nk, nr);
		return false;
	}
	for (int i = 0; i < nr; i++) {
		int lr = tr[i].end - tr[i].start, lk = tk[i].end - tk[i].start;

		if (tr[i].kind != tk[i].kind) {
			snprintf(why, len, "field %d is %s, the kernel's is %s", i,
				 tk[i].kind == TOK_NUM ? "a number" : "text",
				 tr[i].kind == TOK_NUM ? "a number" : "text");
			return false;
		}
		if (tr[i].kind == TOK_TEXT || tr[i].gap <= 1) {
			if (tk[i].start != tr[i].start + offset ||
			    (tr[i].kind == TOK_TEXT &&
			     (lr != lk ||
			      memcmp(real + tr[i].start, got + tk[i].start, (size_t)lr)))) {
				snprintf(why, len,
					 "field %d '%.*s' at column %d, the kernel's '%.*s' at %d",
					 i, lk, got + tk[i].start, tk[i].start, lr,
					 real + tr[i].start, tr[i].start + offset);
				return false;
			}
		} else {
			/* right-aligned: the same right edge, unless one overflowed its field */
			int want = tr[i].end + offset, lo = want, hi = want;

			if (lk < lr)
				lo = want - (lr - lk);
			else
				hi = want + (lk - lr);
			if (tk[i].gap < 1 || tk[i].end < lo || tk[i].end > hi) {
				snprintf(why, len,
					 "number %d ends at column %d, the kernel's at %d", i,
					 tk[i].end, want);
				return false;
			}
		}
		offset = tk[i].end - tr[i].end;
	}
	if (trail_r != trail_k) {
		snprintf(why, len, "%d trailing blanks, the kernel's line has %d", trail_k,
			 trail_r);
		return false;
	}
	return true;
}

static void assert_layout(const char *what, int lineno, const char *real, const char *got)
{
	char why[256];

	if (!layout_match(real, got, why, sizeof(why)))
		fail_msg("%s line %d: %s\n  kmm:    '%s'\n  kernel: '%s'", what, lineno + 1, why,
			 got, real);
}

/* The layout rule itself must be able to fail. */
static void test_layout_rule(void **state)
{
	char why[256];

	(void)state;
	assert_true(layout_match("Node 0, zone      DMA      0      1 ",
				 "Node 0, zone      DMA   7685  14956 ", why, sizeof(why)));
	assert_false(layout_match("Node 0, zone      DMA      0 ", "Node 0, zone DMA 0 ", why,
				  sizeof(why)));
	assert_false(layout_match("Node 0, zone      DMA      0 ", "Node 0, zone      DMA 0 ", why,
				  sizeof(why)));
	assert_false(layout_match("Node 0, zone      DMA      0 ", "Node 0, zone      DMA      0",
				  why, sizeof(why)));
	assert_false(layout_match("        min      20", "        min     20", why, sizeof(why)));
	assert_true(
		layout_match("        min      20", "        min      123456", why, sizeof(why)));
	assert_true(
		layout_match("      nr_mapped    8181", "      nr_mapped    0", why, sizeof(why)));
	assert_false(
		layout_match("      nr_mapped    8181", "      nr_mapped 0", why, sizeof(why)));
	assert_true(layout_match("VmallocTotal:   34359738367 kB", "VmallocTotal:          0 kB",
				 why, sizeof(why)));
	assert_false(layout_match("MemTotal:       24683584 kB", "MemTotal:      24683584 kB", why,
				  sizeof(why)));
	assert_false(layout_match("nr_bounce 0", "nr_bouncy 0", why, sizeof(why)));
}

/* ---- the real zoneinfo, as blocks and templates ------------------------------------------ */

struct zi_zone {
	int node;
	char name[16];
	long free, boost, min, low, high, promo, spanned, present, managed, cma;
	long prot[8];
	int nprot;
	bool populated, pernode;
	int first, last; /* line range [first, last) */
	int ncpus;
	long count[64], phigh[64], batch[64], high_min[64], high_max[64], threshold[64];
	long start_pfn, free_blocks;
};

struct zoneinfo {
	struct lines lines;
	char *text;
	struct zi_zone z[64];
	int nz;
};

static long field(const char *line, const char *label)
{
	const char *p = strstr(line, label);

	if (!p)
		fail_msg("'%s' has no '%s'", line, label);
	return strtol(p + strlen(label), NULL, 10);
}

static void parse_zoneinfo(struct zoneinfo *zi, char *text)
{
	zi->text = text;
	zi->lines = split_lines(text);
	zi->nz = 0;
	for (int i = 0; i < zi->lines.n; i++) {
		const char *l = zi->lines.l[i];
		struct zi_zone *z;

		if (strncmp(l, "Node ", 5) == 0) {
			z = &zi->z[zi->nz++];
			memset(z, 0, sizeof(*z));
			assert_int_equal(sscanf(l, "Node %d, zone %15s", &z->node, z->name), 2);
			z->first = i;
		}
		assert_true(zi->nz > 0);
		z = &zi->z[zi->nz - 1];
		z->last = i + 1;
		if (!strcmp(l, "  per-node stats"))
			z->pernode = true;
		else if (!strncmp(l, "  pages free", 12))
			z->free = field(l, "free");
		else if (!strncmp(l, "        boost", 13))
			z->boost = field(l, "boost");
		else if (!strncmp(l, "        min ", 12))
			z->min = field(l, "min");
		else if (!strncmp(l, "        low ", 12))
			z->low = field(l, "low");
		else if (!strncmp(l, "        high ", 13))
			z->high = field(l, "high");
		else if (!strncmp(l, "        promo", 13))
			z->promo = field(l, "promo");
		else if (!strncmp(l, "        spanned", 15))
			z->spanned = field(l, "spanned");
		else if (!strncmp(l, "        present", 15))
			z->present = field(l, "present");
		else if (!strncmp(l, "        managed", 15))
			z->managed = field(l, "managed");
		else if (!strncmp(l, "        cma", 11))
			z->cma = field(l, "cma");
		else if (!strncmp(l, "        protection: (", 20)) {
			const char *p = strchr(l, '(') + 1;

			while (*p && *p != ')') {
				char *end;

				assert_true(z->nprot < 8);
				z->prot[z->nprot++] = strtol(p, &end, 10);
				assert_true(end != p);
				p = end;
				if (*p == ',')
					p += 2;
			}
		} else if (!strcmp(l, "  pagesets"))
			z->populated = true;
		else if (!strncmp(l, "    cpu: ", 9))
			z->ncpus++;
		else if (!strncmp(l, "              count:", 20))
			z->count[z->ncpus - 1] = field(l, "count:");
		else if (!strncmp(l, "              high:", 19))
			z->phigh[z->ncpus - 1] = field(l, "high:");
		else if (!strncmp(l, "              batch:", 20))
			z->batch[z->ncpus - 1] = field(l, "batch:");
		else if (!strncmp(l, "              high_min:", 23))
			z->high_min[z->ncpus - 1] = field(l, "high_min:");
		else if (!strncmp(l, "              high_max:", 23))
			z->high_max[z->ncpus - 1] = field(l, "high_max:");
		else if (!strncmp(l, "  vm stats threshold:", 21))
			z->threshold[z->ncpus - 1] = field(l, "threshold:");
		else if (!strncmp(l, "      nr_free_pages_blocks ", 27))
			z->free_blocks = field(l, "blocks");
		else if (!strncmp(l, "  start_pfn:", 12))
			z->start_pfn = field(l, "start_pfn:");
	}
}

static const struct zi_zone *zi_find(const struct zoneinfo *zi, int node, const char *name)
{
	for (int i = 0; i < zi->nz; i++)
		if (zi->z[i].node == node && !strcmp(zi->z[i].name, name))
			return &zi->z[i];
	return NULL;
}

/* ---- the kernel's formulas, written out here ------------------------------------------ */

static unsigned long isqrt(unsigned long x)
{
	unsigned long r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* Zone kinds by name: highmem-like (HighMem, Movable) zones have their own min. */
static bool is_himov(const char *name)
{
	return !strcmp(name, "HighMem") || !strcmp(name, "Movable");
}

struct wmarks {
	long min, low, high, promo;
};

/* __setup_per_zone_wmarks over the zones of every node (names and managed pages). */
static void expect_wmarks(const struct zoneinfo *zi, long min_free_kbytes, long wsf,
			  struct wmarks *out)
{
	unsigned long pages_min = (unsigned long)min_free_kbytes / 4, lowmem = 0;

	for (int i = 0; i < zi->nz; i++)
		if (!is_himov(zi->z[i].name) && strcmp(zi->z[i].name, "HighMem"))
			lowmem += (unsigned long)zi->z[i].managed;
	for (int i = 0; i < zi->nz; i++) {
		const struct zi_zone *z = &zi->z[i];
		unsigned long tmp = lowmem ? pages_min * (unsigned long)z->managed / lowmem : 0;
		unsigned long step, scaled = (unsigned long)z->managed * (unsigned long)wsf / 10000;
		long min;

		if (is_himov(z->name)) {
			long m = z->managed / 1024;

			min = m < 32 ? 32 : m > 128 ? 128 : m;
		} else {
			min = (long)tmp;
		}
		step = tmp / 4 > scaled ? tmp / 4 : scaled;
		out[i].min = min;
		out[i].low = min + (long)step;
		out[i].high = min + 2 * (long)step;
		out[i].promo = min + 3 * (long)step;
	}
}

/* setup_per_zone_lowmem_reserve for zone i of its node (zones of a node are consecutive). */
static void expect_protection(const struct zoneinfo *zi, int i, const long *ratio, long *out)
{
	const struct zi_zone *z = &zi->z[i];
	int first = i, k;
	unsigned long sum = 0;

	while (first > 0 && zi->z[first - 1].node == z->node)
		first--;
	k = i - first;
	for (int j = 0; j < z->nprot; j++) {
		if (j > k)
			sum += (unsigned long)zi->z[first + j].managed;
		out[j] = (j <= k || ratio[k] == 0 || z->managed == 0)
				 ? 0
				 : (long)(sum / (unsigned long)ratio[k]);
	}
}

static long expect_batch(long managed)
{
	long b = managed >> 10, p = 1;

	if (b > 256)
		b = 256; /* 1 MiB of 4 KiB pages */
	b /= 4;
	if (b < 1)
		b = 1;
	while (p * 2 <= b + b / 2)
		p *= 2;
	return p - 1 < 1 ? 1 : p - 1;
}

static long expect_highsize(long total, int cpus, long batch)
{
	long h = total / cpus;

	return h > 4 * batch ? h : 4 * batch;
}

/* calculate_totalreserve_pages: per zone, max protection + high, at most managed. */
static long totalreserve(const struct zoneinfo *zi)
{
	long total = 0;

	for (int i = 0; i < zi->nz; i++) {
		long max = 0;

		for (int j = 0; j < zi->z[i].nprot; j++)
			max = zi->z[i].prot[j] > max ? zi->z[i].prot[j] : max;
		max += zi->z[i].high;
		total += max > zi->z[i].managed ? zi->z[i].managed : max;
	}
	return total;
}

/* si_mem_available, in pages. */
static long expect_available(const struct zoneinfo *zi, long free, long file, long sreclaimable,
			     long misc)
{
	long wmark_low = 0, avail, pagecache = file, reclaimable = sreclaimable + misc;

	for (int i = 0; i < zi->nz; i++)
		wmark_low += zi->z[i].low;
	avail = free - totalreserve(zi);
	pagecache -= pagecache / 2 < wmark_low ? pagecache / 2 : wmark_low;
	avail += pagecache;
	reclaimable -= reclaimable / 2 < wmark_low ? reclaimable / 2 : wmark_low;
	avail += reclaimable;
	return avail < 0 ? 0 : avail;
}

/* The debugfs indices from per-order free block counts, in thousandths. */
static int expect_unusable(const unsigned long *counts, int order)
{
	unsigned long free = 0, suitable = 0;

	for (int o = 0; o < 11; o++) {
		free += counts[o] << o;
		if (o >= order)
			suitable += counts[o] << (o - order);
	}
	if (!free)
		return 1000;
	return (int)((free - (suitable << order)) * 1000 / free);
}

static int expect_fragindex(const unsigned long *counts, int order)
{
	unsigned long free = 0, blocks = 0, suitable = 0;

	for (int o = 0; o < 11; o++) {
		free += counts[o] << o;
		blocks += counts[o];
		if (o >= order)
			suitable += counts[o] << (o - order);
	}
	if (!blocks)
		return 0;
	if (suitable)
		return -1000;
	return 1000 - (int)((1000 + free * 1000 / (1ul << order)) / blocks);
}

static long meminfo_kb(const char *text, const char *label)
{
	const char *p = strstr(text, label);

	if (!p)
		fail_msg("meminfo has no %s", label);
	return strtol(p + strlen(label), NULL, 10);
}

/* Check a zoneinfo (real or kmm's) against the formulas. cpus_of_node[n]: the node's CPUs. */
static void check_zoneinfo_formulas(const char *what, const struct zoneinfo *zi,
				    long min_free_kbytes, long wsf, const long *ratio,
				    const int *cpus_of_node, int all_cpus, bool tuned_high)
{
	struct wmarks w[64];

	expect_wmarks(zi, min_free_kbytes, wsf, w);
	for (int i = 0; i < zi->nz; i++) {
		const struct zi_zone *z = &zi->z[i];
		long prot[8];
		int cpus = cpus_of_node[z->node] ? cpus_of_node[z->node] : all_cpus;

		if (z->min != w[i].min || z->low != w[i].low || z->high != w[i].high ||
		    z->promo != w[i].promo)
			fail_msg("%s: node %d %s: watermarks %ld/%ld/%ld/%ld, the formulas give "
				 "%ld/%ld/%ld/%ld",
				 what, z->node, z->name, z->min, z->low, z->high, z->promo,
				 w[i].min, w[i].low, w[i].high, w[i].promo);
		assert_int_equal(z->boost, 0);
		assert_int_equal(z->cma, 0);
		expect_protection(zi, i, ratio, prot);
		for (int j = 0; j < z->nprot; j++)
			if (z->prot[j] != prot[j])
				fail_msg(
					"%s: node %d %s: protection[%d] %ld, the formula gives %ld",
					what, z->node, z->name, j, z->prot[j], prot[j]);
		for (int c = 0; c < z->ncpus; c++) {
			long batch = expect_batch(z->managed);
			long hmin = expect_highsize(z->low, cpus, batch);
			long hmax = expect_highsize(z->managed / 8, cpus, batch);

			if (z->batch[c] != batch || z->high_min[c] != hmin ||
			    z->high_max[c] != hmax)
				fail_msg("%s: node %d %s cpu %d: batch %ld high_min %ld high_max "
					 "%ld, "
					 "the formulas give %ld %ld %ld",
					 what, z->node, z->name, c, z->batch[c], z->high_min[c],
					 z->high_max[c], batch, hmin, hmax);
			/* calculate_normal_threshold: 2 * fls(cpus) * (1 + fls(managed / 128 MiB))
			 */
			{
				int fls_c = 0, fls_m = 0;
				long t;

				while (all_cpus >> fls_c)
					fls_c++;
				while ((z->managed >> 15) >> fls_m)
					fls_m++;
				t = 2l * fls_c * (1 + fls_m);
				assert_int_equal(z->threshold[c], t > 125 ? 125 : t);
			}
			/* high is 0 until the lists are used, then tuned within the range */
			if (tuned_high)
				assert_true(z->phigh[c] == 0 ||
					    (z->phigh[c] >= hmin && z->phigh[c] <= hmax));
			assert_true(z->count[c] >= 0);
		}
	}
}

/* ---- formulas on the real machine ------------------------------------------------------- */

static void real_sysctls(long *mfk, long *wsf, long ratio[8], int *ncpus)
{
	char *r = slurp("lowmem_reserve_ratio");
	char *p = r;

	*mfk = read_long("min_free_kbytes");
	*wsf = read_long("watermark_scale_factor");
	*ncpus = (int)read_long("ncpus");
	for (int i = 0; i < 8; i++)
		ratio[i] = strtol(p, &p, 10);
	free(r);
}

static void test_formulas_on_the_real_machine(void **state)
{
	struct zoneinfo zi;
	long mfk, wsf, ratio[8];
	int ncpus, cpus_of_node[1];
	char *mem = slurp("meminfo");

	(void)state;
	parse_zoneinfo(&zi, slurp("zoneinfo"));
	real_sysctls(&mfk, &wsf, ratio, &ncpus);
	cpus_of_node[0] = ncpus;
	assert_int_equal(zi.nz, 5);
	/* the checks compare something: protection has five columns, DMA's the issue's */
	assert_int_equal(zi.z[0].nprot, 5);
	assert_int_equal(zi.z[0].prot[1], 3018);
	assert_int_equal(zi.z[0].prot[4], 12618);
	/* high is not checked against the range: the real one holds a boot-time value (252) */
	check_zoneinfo_formulas("real zoneinfo", &zi, mfk, wsf, ratio, cpus_of_node, ncpus, false);
	/* nr_free_pages_blocks: the free pages in blocks of pageblock order (9) or more */
	{
		char *bi = slurp("buddyinfo");
		struct lines b = split_lines(bi);

		assert_int_equal(b.n, 3);
		for (int i = 0; i < b.n; i++) {
			char *p = b.l[i] + 21;
			long pages = 0;

			for (int o = 0; o < 11; o++) {
				long n = strtol(p, &p, 10);

				pages += o >= 9 ? n << o : 0;
			}
			assert_int_equal(pages, zi.z[i].free_blocks);
		}
		free(b.l);
		free(bi);
	}
	/* MemAvailable from the real meminfo's own counters and the real zones' reserves */
	{
		long free = meminfo_kb(mem, "MemFree:") / 4;
		long file =
			(meminfo_kb(mem, "Active(file):") + meminfo_kb(mem, "Inactive(file):")) / 4;
		long srec = meminfo_kb(mem, "SReclaimable:") / 4;
		long krec = meminfo_kb(mem, "KReclaimable:") / 4;

		assert_int_equal(expect_available(&zi, free, file, srec, krec - srec) * 4,
				 meminfo_kb(mem, "MemAvailable:"));
	}
	/* both debugfs indices from a live capture's buddyinfo */
	{
		char *bi = slurp("live/buddyinfo"), *ui = slurp("live/unusable_index"),
		     *ei = slurp("live/extfrag_index");
		struct lines b = split_lines(bi), u = split_lines(ui), e = split_lines(ei);
		int checked = 0;

		assert_int_equal(b.n, u.n);
		assert_int_equal(b.n, e.n);
		for (int i = 0; i < b.n; i++) {
			unsigned long counts[11];
			char *p = b.l[i] + 21, *q = u.l[i] + 21, *r = e.l[i] + 21;

			for (int o = 0; o < 11; o++)
				counts[o] = strtoul(p, &p, 10);
			for (int o = 0; o < 11; o++) {
				double uv = strtod(q, &q), ev = strtod(r, &r);
				int uw = expect_unusable(counts, o),
				    ew = expect_fragindex(counts, o);

				assert_int_equal((long)(uv * 1000 + (uv < 0 ? -0.5 : 0.5)), uw);
				assert_int_equal((long)(ev * 1000 + (ev < 0 ? -0.5 : 0.5)), ew);
				checked += uw != 0;
			}
		}
		assert_true(checked > 5);
		free(b.l);
		free(u.l);
		free(e.l);
		free(bi);
		free(ui);
		free(ei);
	}
	free(mem);
	free(zi.lines.l);
	free(zi.text);
}

/* ---- kmm's machines --------------------------------------------------------------------- */

static void kmm_sysctls(kmm_machine *m, const struct zoneinfo *zi, long *mfk, long *wsf,
			long ratio[8], int *cpus_of_node)
{
	unsigned long lowmem_kb = 0;
	int k = 0;

	for (int i = 0; i < zi->nz; i++)
		if (!is_himov(zi->z[i].name))
			lowmem_kb += (unsigned long)zi->z[i].managed * 4;
	*mfk = (long)isqrt(lowmem_kb * 16);
	*mfk = *mfk < 128 ? 128 : *mfk > 262144 ? 262144 : *mfk;
	*wsf = 10;
	/* the defaults, in the order of the machine's zones (no HighMem here) */
	ratio[k++] = 256;
	ratio[k++] = 256;
	ratio[k++] = 32;
	ratio[k++] = 0;
	ratio[k++] = 0;
	for (int n = 0; n < kmm_nr_nodes(m); n++) {
		cpus_of_node[n] = 0;
		for (int c = 0; c < kmm_nr_cpus(m); c++)
			cpus_of_node[n] += kmm_cpu_to_node(m, c) == n;
	}
}

/*
 * The real zoneinfo's line for each line kmm must print for machine m: the
 * real zone block of the same name gives the header, the per-node stats,
 * the watermark block and the protection line; the real DMA32 block the
 * counters, a CPU's pageset and the tail.
 */
static void check_zoneinfo_layout(kmm_machine *m, const char *got_text)
{
	char *rt = slurp("zoneinfo"), *gt = strdup(got_text);
	struct zoneinfo real, got;
	const struct zi_zone *rpop = NULL, *rfirst = NULL;
	int li = 0;

	parse_zoneinfo(&real, rt);
	parse_zoneinfo(&got, gt);
	for (int i = 0; i < real.nz; i++) {
		if (real.z[i].pernode)
			rfirst = &real.z[i];
		else if (real.z[i].populated && !rpop)
			rpop = &real.z[i];
	}
	assert_non_null(rpop);
	assert_non_null(rfirst);
	for (int n = 0; n < kmm_nr_nodes(m); n++) {
		bool first_done = false;

		for (int z = 0; z < KMM_NR_ZONES; z++) {
			struct zone *zone = &m->node_data[n]->node_zones[z];
			const struct zi_zone *rz;
			int r;

			if (!zone_idx_configured(m, z))
				continue;
			rz = zi_find(&real, 0, zone->name);
			assert_non_null(rz);
			r = rz->first;
			assert_true(li < got.lines.n);
			assert_layout("zoneinfo", li, real.lines.l[r], got.lines.l[li]);
			assert_int_equal(field(got.lines.l[li], "Node "), n);
			li++;
			r++;
			if (zone->present_pages && !first_done) {
				first_done = true;
				/* the per-node block of the real node's first populated zone */
				for (int k = rfirst->first + 1;
				     strncmp(real.lines.l[k], "  pages", 7); k++)
					assert_layout("zoneinfo", li, real.lines.l[k],
						      got.lines.l[li]),
						li++;
				if (rz->pernode)
					while (strncmp(real.lines.l[r], "  pages", 7))
						r++;
			} else if (rz->pernode) {
				while (strncmp(real.lines.l[r], "  pages", 7))
					r++;
			}
			/* pages free .. protection: 11 lines */
			for (int k = 0; k < 11; k++)
				assert_layout("zoneinfo", li, real.lines.l[r + k], got.lines.l[li]),
					li++;
			if (!zone->present_pages)
				continue;
			/* the counters, the pagesets line, each CPU's 7 lines, the tail */
			{
				int c0 = rpop->first + 1 + 11, k = c0;

				while (strcmp(real.lines.l[k], "  pagesets"))
					assert_layout("zoneinfo", li, real.lines.l[k++],
						      got.lines.l[li]),
						li++;
				assert_layout("zoneinfo", li, real.lines.l[k++], got.lines.l[li]),
					li++;
				for (int c = 0; c < kmm_nr_cpus(m); c++)
					for (int j = 0; j < 7; j++)
						assert_layout("zoneinfo", li, real.lines.l[k + j],
							      got.lines.l[li]),
							li++;
				k += 7 * rpop->ncpus;
				assert_layout("zoneinfo", li, real.lines.l[k], got.lines.l[li]),
					li++;
				assert_layout("zoneinfo", li, real.lines.l[k + 1], got.lines.l[li]),
					li++;
			}
		}
	}
	assert_int_equal(li, got.lines.n);
	free(real.lines.l);
	free(got.lines.l);
	free(rt);
	free(gt);
}

static void check_machine_zoneinfo(const char *cmdline, bool same_as_real)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	char *text = test_report(m, KMM_REPORT_ZONEINFO), *copy = strdup(text);
	struct zoneinfo got;
	long mfk, wsf, ratio[8];
	int cpus_of_node[64];

	check_zoneinfo_layout(m, text);
	parse_zoneinfo(&got, copy);
	/* the zone and node counters kmm does not model print 0 (docs/reports.md) */
	for (int i = 0; i < got.lines.n; i++) {
		static const char *const counted[] = {
			"nr_free_pages ", "nr_free_pages_blocks ", "numa_hit ",
			"numa_miss ",	  "numa_foreign ",	   "numa_local ",
			"numa_other ",	  "nr_slab_reclaimable ",  "nr_slab_unreclaimable "
		};
		const char *l = got.lines.l[i];
		bool is_counted = false;

		if (!strncmp(l, "  node_unreclaimable:", 21))
			assert_int_equal(field(l, ":"), 0);
		if (strncmp(l, "      ", 6) || l[6] == ' ')
			continue;
		for (size_t k = 0; k < sizeof(counted) / sizeof(counted[0]); k++)
			is_counted |= !strncmp(l + 6, counted[k], strlen(counted[k]));
		if (!is_counted && strtol(l + 6 + strcspn(l + 6, " "), NULL, 10) != 0)
			fail_msg("%s: zoneinfo '%s' should be 0", cmdline, l);
	}
	kmm_sysctls(m, &got, &mfk, &wsf, ratio, cpus_of_node);
	check_zoneinfo_formulas(cmdline, &got, mfk, wsf, ratio, cpus_of_node, kmm_nr_cpus(m), true);
	for (int i = 0; i < got.nz; i++) {
		const struct zi_zone *z = &got.z[i];
		struct zone *zone = NULL;

		for (int k = 0; k < KMM_NR_ZONES; k++)
			if (!strcmp(m->node_data[z->node]->node_zones[k].name, z->name))
				zone = &m->node_data[z->node]->node_zones[k];
		assert_non_null(zone);
		/* runtime values by formula: free pages are the zone's, the counts its CPUs' */
		assert_int_equal(z->free, kmm_zone_free_pages(m, z->node, zone->idx));
		assert_int_equal(z->managed, zone->managed_pages);
		if (z->populated) {
			unsigned long counts[KMM_NR_ORDERS];
			long pages = 0;

			assert_int_equal(kmm_zone_free_blocks(m, z->node, zone->idx, counts),
					 KMM_OK);
			for (int o = 9; o < KMM_NR_ORDERS; o++)
				pages += (long)counts[o] << o;
			assert_int_equal(z->free_blocks, pages);
		}
		for (int c = 0; c < z->ncpus; c++) {
			struct kmm_pcp_info in;

			assert_int_equal(kmm_zone_pcp_info(m, z->node, zone->idx, c, &in), KMM_OK);
			assert_int_equal(z->count[c], in.count);
			assert_int_equal(z->phigh[c], in.high);
		}
		assert_true(z->present <= z->spanned);
		assert_true(z->managed <= z->present);
	}
	if (same_as_real) {
		/* mem=24G nr_cpus=2 is this machine: spans, present pages and start pfns equal */
		struct zoneinfo real;
		char *rt = slurp("zoneinfo");

		parse_zoneinfo(&real, rt);
		assert_int_equal(real.nz, got.nz);
		for (int i = 0; i < real.nz; i++) {
			assert_string_equal(real.z[i].name, got.z[i].name);
			assert_int_equal(real.z[i].spanned, got.z[i].spanned);
			assert_int_equal(real.z[i].present, got.z[i].present);
			assert_int_equal(real.z[i].start_pfn, got.z[i].start_pfn);
			assert_int_equal(real.z[i].nprot, got.z[i].nprot);
			assert_int_equal(real.z[i].populated, got.z[i].populated);
			assert_int_equal(real.z[i].pernode, got.z[i].pernode);
		}
		assert_int_equal(got.z[1].spanned, 1044480); /* DMA32 spans the PCI hole */
		free(real.lines.l);
		free(rt);
	}
	free(got.lines.l);
	free(copy);
	free(text);
	kmm_machine_destroy(m);
}

static void test_zoneinfo_this_machine(void **state)
{
	(void)state;
	check_machine_zoneinfo(THIS_MACHINE, true);
}

static void test_zoneinfo_numa_and_small(void **state)
{
	(void)state;
	check_machine_zoneinfo(NUMA_MACHINE, false);
	check_machine_zoneinfo(SMALL_MACHINE, false);
	check_machine_zoneinfo("mem=4G nr_cpus=2 movablecore=512M", false);
}

/* ---- buddyinfo, pagetypeinfo ---------------------------------------------------------- */

/* The real line that starts like `key` does after the node number (zone and type names). */
static const char *real_line_like(const struct lines *real, const char *got, const char *after)
{
	const char *k = strstr(got, after);
	size_t len;

	assert_non_null(k);
	/* the zone name, and the migratetype name when there is one */
	{
		const char *p = k + strlen(after);

		while (*p == ' ')
			p++;
		while (*p && *p != ' ' && *p != ',')
			p++;
		if (!strncmp(p, ", type ", 7)) {
			p += 7;
			while (*p == ' ')
				p++;
			while (*p && *p != ' ')
				p++;
		}
		len = (size_t)(p - k);
	}
	for (int i = 0; i < real->n; i++) {
		const char *r = strstr(real->l[i], after);

		if (r && strncmp(r, k, len) == 0 && (r[len] == ' ' || r[len] == ',') &&
		    strncmp(real->l[i], got, 4) == 0)
			return real->l[i];
	}
	return NULL;
}

static void check_buddy_pagetype(const char *cmdline, bool same_as_real)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	char *rb = slurp("buddyinfo"), *rp = slurp("pagetypeinfo");
	char *gb = test_report(m, KMM_REPORT_BUDDYINFO),
	     *gp = test_report(m, KMM_REPORT_PAGETYPEINFO);
	struct lines real_b = split_lines(rb), real_p = split_lines(rp);
	struct lines got_b = split_lines(gb), got_p = split_lines(gp);
	int populated = 0;

	for_each_zone_m (m, zone)
		populated += zone->present_pages != 0;
	/* buddyinfo: one line per populated zone, shaped like the real zone's */
	assert_int_equal(got_b.n, populated);
	for (int i = 0; i < got_b.n; i++) {
		const char *r = real_line_like(&real_b, got_b.l[i], "zone ");

		if (!r)
			fail_msg("buddyinfo: no real line like '%s'", got_b.l[i]);
		assert_layout("buddyinfo", i, r, got_b.l[i]);
	}
	/* pagetypeinfo: per node the header (4 lines), the type rows, a blank, the block counts */
	{
		int li = 0;

		for (int n = 0; n < kmm_nr_nodes(m); n++) {
			int zones = 0;

			for (int z = 0; z < KMM_NR_ZONES; z++)
				zones += m->node_data[n]->node_zones[z].present_pages != 0;
			for (int k = 0; k < 4; k++)
				assert_layout("pagetypeinfo", li, real_p.l[k], got_p.l[li]), li++;
			for (int k = 0; k < zones * 5; k++, li++) {
				const char *r = real_line_like(&real_p, got_p.l[li], "zone ");

				assert_non_null(r);
				assert_layout("pagetypeinfo", li, r, got_p.l[li]);
				assert_int_equal(field(got_p.l[li], "Node"), n);
			}
			assert_string_equal(got_p.l[li], "");
			li++;
			assert_layout("pagetypeinfo", li, real_p.l[4 + 15 + 1], got_p.l[li]);
			li++;
			for (int k = 0; k < zones; k++, li++) {
				const char *r = NULL;

				for (int j = 4 + 15 + 2; j < real_p.n; j++)
					if (!strncmp(real_p.l[j] + 8, got_p.l[li] + 8, 13))
						r = real_p.l[j];
				assert_non_null(r);
				assert_layout("pagetypeinfo", li, r, got_p.l[li]);
			}
		}
		assert_int_equal(li, got_p.n);
	}
	if (same_as_real) {
		/* this machine's pageblocks, holes skipped: 8, 1528 and 10752 blocks */
		for (int z = 0; z < 3; z++) {
			const char *l = got_p.l[got_p.n - 3 + z];
			long sum = 0;
			char *p = (char *)l + 21;

			for (int t = 0; t < 5; t++)
				sum += strtol(p, &p, 10);
			assert_int_equal(sum, z == 0 ? 8 : z == 1 ? 1528 : 10752);
		}
	}
	free(real_b.l);
	free(real_p.l);
	free(got_b.l);
	free(got_p.l);
	free(rb);
	free(rp);
	free(gb);
	free(gp);
	kmm_machine_destroy(m);
}

static void test_buddyinfo_pagetypeinfo(void **state)
{
	(void)state;
	check_buddy_pagetype(THIS_MACHINE, true);
	check_buddy_pagetype(NUMA_MACHINE, false);
	check_buddy_pagetype(SMALL_MACHINE, false);
}

/* ---- vmstat and meminfo ------------------------------------------------------------------ */

static long value_of(const struct lines *l, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < l->n; i++)
		if (!strncmp(l->l[i], name, n) && l->l[i][n] == ' ')
			return strtol(l->l[i] + n + 1, NULL, 10);
	fail_msg("no %s", name);
	return -1;
}

/* kmm's own vmstat counters, after the kernel's (docs/reports.md). */
static const char *const kmm_own[] = {
	"kswapd_wake",		"pgalloc_slowpath",	 "pgalloc_fail",     "pgalloc_highatomic",
	"pgalloc_fallback",	"pageblock_claimed",	 "bad_page_reports", "drain_all_pages",
	"page_reporting_pages", "page_reporting_reused", "pgzero_skipped"
};

/* vmstat lines kmm counts (the rest of the kernel's print 0 on a fresh machine). */
static bool kmm_counts(const char *name)
{
	static const char *const counted[] = { "nr_free_pages",
					       "nr_free_pages_blocks",
					       "numa_hit",
					       "numa_local",
					       "nr_slab_reclaimable",
					       "nr_slab_unreclaimable",
					       "nr_dirty_threshold",
					       "nr_dirty_background_threshold",
					       "nr_memmap_boot_pages",
					       "pgfree",
					       "numa_miss",
					       "numa_foreign",
					       "numa_other" };

	size_t n = strcspn(name, " ");

	if (!strncmp(name, "pgalloc_", 8))
		return true;
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		if (strlen(counted[i]) == n && !strncmp(name, counted[i], n))
			return true;
	return false;
}

static void check_vmstat(const char *cmdline)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	char *rv = slurp("vmstat"), *gv, *zi;
	struct lines real, got;
	long free_sum = 0, reserve, avail;
	int i;

	/* some traffic first, so the counters kmm keeps are not all 0 */
	for (int k = 0; k < 50; k++) {
		struct page *p = kmm_alloc_pages(m, GFP_KERNEL, (unsigned)(k % 4));

		kmm_free_pages(m, p, (unsigned)(k % 4));
	}
	gv = test_report(m, KMM_REPORT_VMSTAT);
	real = split_lines(rv);
	got = split_lines(gv);
	/* the kernel's lines, names and order, then kmm's own */
	assert_int_equal(got.n, real.n + (int)(sizeof(kmm_own) / sizeof(kmm_own[0])));
	for (i = 0; i < real.n; i++) {
		size_t nr = strcspn(real.l[i], " "), ng = strcspn(got.l[i], " ");

		if (nr != ng || strncmp(real.l[i], got.l[i], nr))
			fail_msg("vmstat line %d: kmm '%s', the kernel '%s'", i + 1, got.l[i],
				 real.l[i]);
		assert_layout("vmstat", i, real.l[i], got.l[i]);
		if (!kmm_counts(got.l[i]) && strtol(got.l[i] + ng, NULL, 10) != 0)
			fail_msg("vmstat: '%s' should print 0 (kmm does not model it)", got.l[i]);
	}
	assert_string_equal(real.l[real.n - 1], "nr_unstable 0");
	for (size_t k = 0; k < sizeof(kmm_own) / sizeof(kmm_own[0]); k++, i++) {
		assert_int_equal(strncmp(got.l[i], kmm_own[k], strlen(kmm_own[k])), 0);
		assert_true(got.l[i][strlen(kmm_own[k])] == ' ');
	}
	/* values by formula */
	for_each_zone_m (m, zone)
		free_sum += (long)kmm_zone_free_pages(m, zone->node, zone->idx);
	assert_int_equal(value_of(&got, "nr_free_pages"), free_sum);
	assert_true(value_of(&got, "pgalloc_normal") + value_of(&got, "pgalloc_dma32") +
			    value_of(&got, "pgalloc_dma") >=
		    50);
	assert_int_equal(value_of(&got, "nr_memmap_boot_pages"), (long)m->memmap_pages);
	assert_true(m->memmap_pages > 0);
	/* global_dirty_limits at dirty_ratio 20 / background 10 over free - reserves (+1) */
	zi = test_report(m, KMM_REPORT_ZONEINFO);
	{
		struct zoneinfo z;

		parse_zoneinfo(&z, zi);
		reserve = totalreserve(&z);
		free(z.lines.l);
	}
	avail = free_sum - (free_sum < reserve ? free_sum : reserve) + 1;
	assert_int_equal(value_of(&got, "nr_dirty_threshold"), (20 * 4096 / 100) * avail / 4096);
	assert_int_equal(value_of(&got, "nr_dirty_background_threshold"),
			 (10 * 4096 / 100) * avail / 4096);
	free(zi);
	free(real.l);
	free(got.l);
	free(rv);
	free(gv);
	kmm_machine_destroy(m);
}

static void test_vmstat_lines(void **state)
{
	(void)state;
	check_vmstat(THIS_MACHINE);
	check_vmstat(NUMA_MACHINE);
	check_vmstat(SMALL_MACHINE);
}

/* meminfo lines kmm computes; every other line prints 0. */
static bool meminfo_computed(const char *line)
{
	static const char *const computed[] = { "MemTotal:",	 "MemFree:",	  "MemAvailable:",
						"KReclaimable:", "Slab:",	  "SReclaimable:",
						"SUnreclaim:",	 "CommitLimit:",  "Percpu:",
						"Hugepagesize:", "VmallocTotal:", "VmallocUsed:" };

	for (size_t i = 0; i < sizeof(computed) / sizeof(computed[0]); i++)
		if (!strncmp(line, computed[i], strlen(computed[i])))
			return true;
	return false;
}

static void check_meminfo(const char *cmdline)
{
	kmm_machine *m = test_boot(cmdline, &log_);
	char *rm = slurp("meminfo"), *gm = test_report(m, KMM_REPORT_MEMINFO);
	char *zt = test_report(m, KMM_REPORT_ZONEINFO);
	struct lines real = split_lines(rm), got;
	struct zoneinfo zi;
	char *copy = strdup(gm);
	long free_sum = 0;

	got = split_lines(copy);
	assert_int_equal(got.n, real.n);
	for (int i = 0; i < real.n; i++) {
		size_t nr = strcspn(real.l[i], ":"), ng = strcspn(got.l[i], ":");

		if (nr != ng || strncmp(real.l[i], got.l[i], nr))
			fail_msg("meminfo line %d: kmm '%s', the kernel '%s'", i + 1, got.l[i],
				 real.l[i]);
		assert_layout("meminfo", i, real.l[i], got.l[i]);
		if (!meminfo_computed(got.l[i]) && strtol(got.l[i] + ng + 1, NULL, 10) != 0)
			fail_msg("meminfo: '%s' should print 0 (kmm does not model it)", got.l[i]);
	}
	parse_zoneinfo(&zi, zt);
	for (int i = 0; i < zi.nz; i++)
		free_sum += zi.z[i].free;
	assert_int_equal(meminfo_kb(gm, "MemTotal:"), (long)m->totalram_pages * 4);
	assert_int_equal(meminfo_kb(gm, "MemFree:"), free_sum * 4);
	if (meminfo_kb(gm, "MemAvailable:") !=
	    expect_available(&zi, free_sum, 0, meminfo_kb(gm, "SReclaimable:") / 4, 0) * 4)
		fail_msg(
			"%s: MemAvailable %ld, expected %ld (free %ld reserve %ld srec %ld)",
			cmdline, meminfo_kb(gm, "MemAvailable:"),
			expect_available(&zi, free_sum, 0, meminfo_kb(gm, "SReclaimable:") / 4, 0) *
				4,
			free_sum, totalreserve(&zi), meminfo_kb(gm, "SReclaimable:") / 4);
	assert_int_equal(
		meminfo_kb(gm, "MemAvailable:"),
		expect_available(&zi, free_sum, 0, meminfo_kb(gm, "SReclaimable:") / 4, 0) * 4);
	assert_int_equal(meminfo_kb(gm, "KReclaimable:"), meminfo_kb(gm, "SReclaimable:"));
	assert_int_equal(meminfo_kb(gm, "Slab:"),
			 meminfo_kb(gm, "SReclaimable:") + meminfo_kb(gm, "SUnreclaim:"));
	assert_true(meminfo_kb(gm, "Slab:") > 0);
	/* vm_commit_limit: overcommit_ratio 50 of the RAM's pages, no swap */
	assert_int_equal(meminfo_kb(gm, "CommitLimit:"), (long)m->totalram_pages * 50 / 100 * 4);
	assert_true(meminfo_kb(gm, "Percpu:") > 0);
	assert_int_equal(meminfo_kb(gm, "Hugepagesize:"), 2048);
	free(zi.lines.l);
	free(zt);
	free(real.l);
	free(got.l);
	free(copy);
	free(rm);
	free(gm);
	kmm_machine_destroy(m);
}

static void test_meminfo_lines(void **state)
{
	(void)state;
	check_meminfo(THIS_MACHINE);
	check_meminfo(NUMA_MACHINE);
	check_meminfo(SMALL_MACHINE);
}

/* ---- slabinfo ----------------------------------------------------------------------------- */

static void test_slabinfo_lines(void **state)
{
	kmm_machine *m = test_boot(THIS_MACHINE, &log_);
	char *rs = slurp("slabinfo"), *gs = test_report(m, KMM_REPORT_SLABINFO);
	struct lines real = split_lines(rs), got = split_lines(gs);
	const char *tmpl = NULL;

	(void)state;
	assert_string_equal(got.l[0], real.l[0]);
	assert_string_equal(got.l[1], real.l[1]);
	assert_true(got.n > 10);
	/* a real row with a short name, as the pattern of every row whose name is short too */
	for (int i = 2; i < real.n && !tmpl; i++)
		if (strcspn(real.l[i], " ") <= 10 &&
		    strstr(real.l[i], " : tunables    0    0    0"))
			tmpl = real.l[i];
	assert_non_null(tmpl);
	for (int i = 2; i < got.n; i++) {
		size_t nk = strcspn(got.l[i], " "), nr = strcspn(tmpl, " ");
		char *a, *b, *end;
		long active, total;

		if (nk > 16)
			continue;
		/* the names differ: compare with both names blanked to the same width */
		a = strdup(tmpl);
		b = strdup(got.l[i]);
		memset(a, 'x', nr);
		memset(b, 'x', nk);
		if (nk < nr)
			memset(a + nk, ' ', nr - nk);
		else
			memset(b + nr, ' ', nk - nr);
		assert_layout("slabinfo", i, a, b);
		free(a);
		free(b);
		/* SLUB: no tunables, active slabs = all slabs, nothing shared */
		assert_non_null(strstr(got.l[i], " : tunables    0    0    0 : slabdata "));
		active = strtol(strstr(got.l[i], "slabdata") + 8, &end, 10);
		total = strtol(end, &end, 10);
		assert_int_equal(active, total);
		assert_int_equal(strtol(end, NULL, 10), 0);
	}
	free(real.l);
	free(got.l);
	free(rs);
	free(gs);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_rule),
		cmocka_unit_test(test_formulas_on_the_real_machine),
		cmocka_unit_test(test_zoneinfo_this_machine),
		cmocka_unit_test(test_zoneinfo_numa_and_small),
		cmocka_unit_test(test_buddyinfo_pagetypeinfo),
		cmocka_unit_test(test_vmstat_lines),
		cmocka_unit_test(test_meminfo_lines),
		cmocka_unit_test(test_slabinfo_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
