/* SPDX-License-Identifier: MIT */
/*
 * boot/cmdline.c - the machine's command line (see cmdline.h): defaults,
 * tokenizing, every key listed in docs/machine.md ("Command-line keys"),
 * memparse sizes, and the canonical form a description prints back as.
 *
 * Parsing fills a private copy of the defaults and stores it into the
 * caller's description only when every token was accepted: a failed parse
 * leaves *desc as it was. Messages name the offending token in single
 * quotes, with bytes outside printable ASCII shown as \xNN.
 *
 * Everything here is freestanding: no libc, no allocation, bounded stack.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/cmdline.h"
#include "lib/compiler.h"
#include "lib/format.h"

#define TOKEN_MAX 255 /* longest token accepted, in bytes */
#define TOKEN_ECHO 48 /* bytes of an over-long token quoted in its message */

/* ---- bounded text output ------------------------------------------------- */

/* Counts every byte, stores those that fit, keeps the buffer terminated. */
struct sbuf {
	char *buf;
	size_t len;
	size_t pos;
};

static void sb_init(struct sbuf *sb, char *buf, size_t len)
{
	sb->buf = buf;
	sb->len = buf ? len : 0;
	sb->pos = 0;
	if (sb->len)
		buf[0] = '\0';
}

static void sb_putc(struct sbuf *sb, char c)
{
	if (sb->pos + 1 < sb->len) {
		sb->buf[sb->pos] = c;
		sb->buf[sb->pos + 1] = '\0';
	}
	sb->pos++;
}

static void sb_puts(struct sbuf *sb, const char *s)
{
	while (*s)
		sb_putc(sb, *s++);
}

static void sb_putu64(struct sbuf *sb, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0)
		sb_putc(sb, tmp[--n]);
}

static void sb_puts64(struct sbuf *sb, int64_t v)
{
	if (v < 0) {
		sb_putc(sb, '-');
		sb_putu64(sb, 0 - (uint64_t)v);
	} else {
		sb_putu64(sb, (uint64_t)v);
	}
}

/* A size with the largest binary suffix that is exact: 4G, 640K, 1536M, 1000. */
static void sb_putsize(struct sbuf *sb, uint64_t v)
{
	static const char suffix[] = "KMGTPE";
	int i = -1;

	while (v && (v & 1023) == 0 && i < 5) {
		v >>= 10;
		i++;
	}
	sb_putu64(sb, v);
	if (i >= 0)
		sb_putc(sb, suffix[i]);
}

/* n bytes of s, with bytes outside printable ASCII escaped as \xNN. */
static void sb_putescaped(struct sbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			sb_putc(sb, (char)c);
		} else {
			sb_putc(sb, '\\');
			sb_putc(sb, 'x');
			sb_putc(sb, hex[c >> 4]);
			sb_putc(sb, hex[c & 15]);
		}
	}
}

/* ---- numbers ------------------------------------------------------------- */

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A decimal number, or a hex one after "0x". A leading 0 is not octal (the
 * kernel's simple_strtoull would make it so). Returns the characters
 * consumed: 0 when there is no digit or the value does not fit in 64 bits.
 */
static size_t parse_digits(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) >= 0) {
		base = 16;
		i = 2;
	}
	for (;; i++) {
		int d = digit_value(s[i]);

		if (d < 0 || (unsigned int)d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			return 0;
		v = v * base + (unsigned int)d;
	}
	if (i == 0)
		return 0;
	*out = v;
	return i;
}

/* The whole of s is one number. */
static bool parse_u64(const char *s, uint64_t *out)
{
	size_t n = parse_digits(s, out);

	return n && s[n] == '\0';
}

size_t kmm_memparse(const char *s, uint64_t *out)
{
	unsigned int shift = 0;
	uint64_t v;
	size_t n;

	if (!s)
		return 0;
	n = parse_digits(s, &v);
	if (!n)
		return 0;
	switch (s[n]) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'T':
	case 't':
		shift = 40;
		break;
	case 'P':
	case 'p':
		shift = 50;
		break;
	case 'E':
	case 'e':
		shift = 60;
		break;
	default:
		break;
	}
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return 0;
		v <<= shift;
		n++;
	}
	if (out)
		*out = v;
	return n;
}

/* The whole of s is one size. */
static bool parse_size(const char *s, uint64_t *out)
{
	size_t n = kmm_memparse(s, out);

	return n && s[n] == '\0';
}

/* ---- defaults ------------------------------------------------------------ */

/* DMA, DMA32, NORMAL, HIGHMEM, MOVABLE (the key's five values), DEVICE: x86-64's. */
static const int default_lowmem_reserve_ratio[KMM_NR_ZONES] = { 256, 256, 32, 0, 0 };

#define DEFAULT_PAGE_SHIFT 12
#define DEFAULT_REMOTE_DISTANCE 20
#define DEFAULT_WATERMARK_SCALE_FACTOR 10
#define DEFAULT_WATERMARK_BOOST_FACTOR 15000
#define DEFAULT_PAGE_REPORTING_ORDER 9
#define DEFAULT_PAGE_REPORTING_DELAY_MS 2000
#define DEFAULT_VMALLOC_BYTES (32ull << 30)
#define DEFAULT_THREAD_SIZE (16ull << 10)
#define DEFAULT_EXTFRAG_THRESHOLD 500
#define DEFAULT_COMPACTION_PROACTIVENESS 20

void kmm_desc_defaults(struct kmm_machine_desc *desc)
{
	/* Zero everything, padding included, so equal descriptions compare equal. */
	kmm_memset(desc, 0, sizeof(*desc));
	desc->page_shift = DEFAULT_PAGE_SHIFT;
	desc->nr_cpus = 1;
	desc->numa_fake = 0;
	desc->numa_remote_distance = DEFAULT_REMOTE_DISTANCE;
	desc->min_free_kbytes = -1;
	desc->watermark_scale_factor = DEFAULT_WATERMARK_SCALE_FACTOR;
	for (int z = 0; z < KMM_NR_ZONES; z++)
		desc->lowmem_reserve_ratio[z] = default_lowmem_reserve_ratio[z];
	desc->mobility_grouping = true;
	desc->pcp = true;
	desc->kswapd = true;
	desc->watermark_boost_factor = DEFAULT_WATERMARK_BOOST_FACTOR;
	desc->page_reporting = true;
	desc->page_reporting_order = DEFAULT_PAGE_REPORTING_ORDER;
	desc->page_reporting_delay_ms = DEFAULT_PAGE_REPORTING_DELAY_MS;
	desc->deferred_init = true;
	desc->vmalloc_bytes = DEFAULT_VMALLOC_BYTES;
	desc->thread_size = DEFAULT_THREAD_SIZE;
	desc->compaction = true;
	desc->kcompactd = true;
	desc->extfrag_threshold = DEFAULT_EXTFRAG_THRESHOLD;
	desc->compaction_proactiveness = DEFAULT_COMPACTION_PROACTIVENESS;
}

/* ---- parsing ------------------------------------------------------------- */

struct parser {
	struct kmm_machine_desc d;
	struct kmm_desc_src src; /* the tokens behind d */
	const char *tok;	 /* the token being parsed */
	const char *orig;	 /* the same token in the caller's command line */
	size_t tok_len;
	bool elide; /* quote only the start of the token */
	char *err;
	size_t err_len;
};

/* "<what> '<token>'<detail>", e.g. "bad size in 'mem=12Q'". */
static int fail(struct parser *p, const char *what, const char *detail)
{
	struct sbuf sb;

	if (!p->err || !p->err_len)
		return KMM_EINVAL;
	sb_init(&sb, p->err, p->err_len);
	sb_puts(&sb, what);
	sb_puts(&sb, " '");
	sb_putescaped(&sb, p->tok, p->elide ? MIN(p->tok_len, (size_t)TOKEN_ECHO) : p->tok_len);
	if (p->elide)
		sb_puts(&sb, "...");
	sb_putc(&sb, '\'');
	if (detail)
		sb_puts(&sb, detail);
	return KMM_EINVAL;
}

static int fail_range(struct parser *p, long long lo, long long hi)
{
	char detail[64];

	kmm_snprintf(detail, sizeof(detail), " (expected %lld..%lld)", lo, hi);
	return fail(p, "bad value in", detail);
}

/*
 * How a key's value is parsed: a memparse size into a uint64_t, a number in
 * [lo, hi] into an int or a long, 0/1/on/off into a bool, or by fn.
 */
enum key_type {
	K_SIZE,
	K_INT,
	K_LONG,
	K_BOOL,
	K_FUNC,
	K_FLAG, /* a bare word ("movable_node"), or =0/1 */
};

struct key {
	const char *name;
	enum key_type type;
	size_t off; /* of the field in struct kmm_machine_desc */
	long long lo, hi;
	int (*fn)(struct parser *p, const char *val);
};

static int key_numa(struct parser *p, const char *val)
{
	uint64_t v;

	if (kmm_strcmp(val, "off") == 0) {
		p->d.numa_fake = 0;
		return KMM_OK;
	}
	if (kmm_strncmp(val, "fake=", 5) != 0)
		return fail(p, "bad value in", " (expected fake=N or off)");
	if (!parse_u64(val + 5, &v) || v < 1 || v > KMM_MAX_NUMNODES)
		return fail_range(p, 1, KMM_MAX_NUMNODES);
	p->d.numa_fake = (int)v;
	return KMM_OK;
}

/*
 * fail_page_alloc= and failslab=: "<interval>,<probability>,<space>,<times>"
 * (setup_fault_attr); times may be -1 (no limit), probability is a percent.
 */
static int parse_fault(struct parser *p, const char *val, struct kmm_fault_desc *f)
{
	uint64_t v[4];
	bool neg[4] = { false, false, false, false };
	const char *s = val;

	for (int i = 0; i < 4; i++) {
		size_t n;

		if (*s == '-' && (i == 2 || i == 3)) {
			neg[i] = true;
			s++;
		}
		n = parse_digits(s, &v[i]);
		if (!n || v[i] > INT_MAX || s[n] != (i == 3 ? '\0' : ','))
			return fail(p, "bad value in",
				    " (expected <interval>,<probability>,<space>,<times>)");
		s += n + (i < 3);
	}
	if (v[1] > 100)
		return fail(p, "bad value in", " (the probability is a percentage, 0..100)");
	if (neg[2] || (neg[3] && v[3] != 1))
		return fail(p, "bad value in", " (space must be >= 0, times >= -1)");
	f->set = true;
	f->interval = (unsigned long)v[0];
	f->probability = (unsigned long)v[1];
	f->space = (long)v[2];
	f->times = neg[3] ? -1 : (long)v[3];
	return KMM_OK;
}

static int key_fail_page_alloc(struct parser *p, const char *val)
{
	return parse_fault(p, val, &p->d.fail_page_alloc);
}

static int key_failslab(struct parser *p, const char *val)
{
	return parse_fault(p, val, &p->d.failslab);
}

static int key_page_size(struct parser *p, const char *val)
{
	uint64_t v;

	if (!parse_size(val, &v))
		return fail(p, "bad size in", NULL);
	switch (v) {
	case 4096:
		p->d.page_shift = 12;
		break;
	case 16384:
		p->d.page_shift = 14;
		break;
	case 65536:
		p->d.page_shift = 16;
		break;
	default:
		return fail(p, "bad value in", " (expected 4K, 16K or 64K)");
	}
	return KMM_OK;
}

static int key_lowmem_reserve_ratio(struct parser *p, const char *val)
{
	int ratio[KMM_ZONE_DEVICE];
	const char *s = val;
	char detail[80];

	for (int z = 0; z < KMM_ZONE_DEVICE; z++) {
		uint64_t v;
		size_t n = parse_digits(s, &v);

		if (!n || v > INT_MAX)
			goto bad;
		ratio[z] = (int)v;
		s += n;
		if (z < KMM_ZONE_DEVICE - 1) {
			if (*s != ',')
				goto bad;
			s++;
		}
	}
	if (*s)
		goto bad;
	for (int z = 0; z < KMM_ZONE_DEVICE; z++)
		p->d.lowmem_reserve_ratio[z] = ratio[z];
	return KMM_OK;
bad:
	kmm_snprintf(detail, sizeof(detail), " (expected %d comma-separated integers 0..%d)",
		     KMM_ZONE_DEVICE, INT_MAX);
	return fail(p, "bad value in", detail);
}

static int key_slab_debug(struct parser *p, const char *val)
{
	size_t n = kmm_strlen(val);
	char detail[48];

	if (n >= sizeof(p->d.slab_debug)) {
		kmm_snprintf(detail, sizeof(detail), " (at most %zu characters)",
			     sizeof(p->d.slab_debug) - 1);
		return fail(p, "value too long in", detail);
	}
	kmm_memset(p->d.slab_debug, 0, sizeof(p->d.slab_debug));
	kmm_memcpy(p->d.slab_debug, val, n);
	return KMM_OK;
}

/* One SIZE<op>START item of memmap=, spanning [s, end). */
static int memmap_range(struct parser *p, const char *s, const char *end)
{
	const char *item = s;
	struct kmm_range *tab;
	uint64_t size, start;
	char detail[48];
	size_t n;
	int *nr;
	char op;

	n = kmm_memparse(s, &size);
	if (!n || s + n >= end)
		goto bad;
	op = s[n];
	if (op != '@' && op != '$' && op != '!' && op != '#')
		goto bad;
	s += n + 1;
	n = kmm_memparse(s, &start);
	if (!n || s + n != end)
		goto bad;
	if (size == 0)
		return fail(p, "empty range in", NULL);
	if (size > UINT64_MAX - start)
		return fail(p, "bad range in", " (it ends beyond the 64-bit address space)");

	if (op == '@') {
		tab = p->d.usable;
		nr = &p->d.nr_usable;
	} else {
		tab = p->d.reserved;
		nr = &p->d.nr_reserved;
	}
	for (int i = 0; i < *nr; i++) {
		if (start < tab[i].start + tab[i].size && tab[i].start < start + size)
			return fail(p, "range overlaps an earlier one in", NULL);
	}
	if (*nr >= KMM_MAX_RANGES) {
		kmm_snprintf(detail, sizeof(detail), " (at most %d of each kind)", KMM_MAX_RANGES);
		return fail(p, "too many ranges in", detail);
	}
	tab[*nr].start = start;
	tab[*nr].size = size;
	(op == '@' ? p->src.usable : p->src.reserved)[*nr] =
		(struct kmm_token){ p->orig + (item - p->tok), (size_t)(end - item) };
	(*nr)++;
	return KMM_OK;
bad:
	return fail(p, "bad range in",
		    " (expected exactmap, SIZE@START, SIZE$START, SIZE!START or SIZE#START)");
}

/* memmap=ITEM[,ITEM...] */
static int key_memmap(struct parser *p, const char *val)
{
	const char *s = val;

	for (;;) {
		const char *end = s;
		int ret;

		while (*end && *end != ',')
			end++;
		if (end - s == 8 && kmm_strncmp(s, "exactmap", 8) == 0) {
			p->src.exactmap = (struct kmm_token){ p->orig + (s - p->tok), 8 };
			kmm_memset(p->src.usable, 0, sizeof(p->src.usable));
			p->d.exactmap = true;
			p->d.nr_usable = 0;
			kmm_memset(p->d.usable, 0, sizeof(p->d.usable));
		} else {
			ret = memmap_range(p, s, end);
			if (ret)
				return ret;
		}
		if (!*end)
			return KMM_OK;
		s = end + 1;
	}
}

#define DESC_OFF(field) offsetof(struct kmm_machine_desc, field)

static const char *const memhp_state_names[] = { "offline", "online", "online_kernel",
						 "online_movable" };

/* memhp_default_state= (Linux's setup_memhp_default_state ignores a bad value; kmm refuses it) */
static int key_memhp_default_state(struct parser *p, const char *val)
{
	for (int i = 0; i < (int)ARRAY_SIZE(memhp_state_names); i++)
		if (kmm_strcmp(val, memhp_state_names[i]) == 0) {
			p->d.memhp_default_state = i;
			return KMM_OK;
		}
	return fail(p, "bad value in",
		    " (expected offline, online, online_kernel or online_movable)");
}

/* deferred_struct_page_init.chunk=SIZE, or =block: the largest buddy block of the page size. */
static int key_deferred_chunk(struct parser *p, const char *val)
{
	uint64_t v;

	if (kmm_strcmp(val, "block") == 0) {
		p->d.deferred_chunk_bytes = KMM_DEFERRED_CHUNK_BLOCK;
		return KMM_OK;
	}
	if (!parse_size(val, &v) || v == 0)
		return fail(p, "bad size in", " (a size, or block)");
	p->d.deferred_chunk_bytes = v;
	return KMM_OK;
}

static const struct key keys[] = {
	{ .name = "mem", .type = K_SIZE, .off = DESC_OFF(mem_bytes), .lo = 1 },
	{ .name = "nr_cpus", .type = K_INT, .off = DESC_OFF(nr_cpus), .lo = 1, .hi = KMM_MAX_CPUS },
	{ .name = "numa", .type = K_FUNC, .fn = key_numa },
	{ .name = "numa_distance",
	  .type = K_INT,
	  .off = DESC_OFF(numa_remote_distance),
	  .lo = 11,
	  .hi = 255 },
	{ .name = "page_size", .type = K_FUNC, .fn = key_page_size },
	{ .name = "highmem", .type = K_SIZE, .off = DESC_OFF(highmem_bytes) },
	{ .name = "movablecore", .type = K_SIZE, .off = DESC_OFF(movablecore_bytes) },
	{ .name = "min_free_kbytes",
	  .type = K_LONG,
	  .off = DESC_OFF(min_free_kbytes),
	  .lo = 0,
	  .hi = INT_MAX },
	{ .name = "watermark_scale_factor",
	  .type = K_INT,
	  .off = DESC_OFF(watermark_scale_factor),
	  .lo = 1,
	  .hi = 3000 },
	{ .name = "lowmem_reserve_ratio", .type = K_FUNC, .fn = key_lowmem_reserve_ratio },
	{ .name = "page_group_by_mobility", .type = K_BOOL, .off = DESC_OFF(mobility_grouping) },
	{ .name = "pcp", .type = K_BOOL, .off = DESC_OFF(pcp) },
	{ .name = "deferred_struct_page_init", .type = K_BOOL, .off = DESC_OFF(deferred_init) },
	{ .name = "deferred_struct_page_init.chunk", .type = K_FUNC, .fn = key_deferred_chunk },
	{ .name = "init_on_alloc", .type = K_BOOL, .off = DESC_OFF(init_on_alloc) },
	{ .name = "init_on_free", .type = K_BOOL, .off = DESC_OFF(init_on_free) },
	{ .name = "slab_freelist_random", .type = K_BOOL, .off = DESC_OFF(slab_freelist_random) },
	{ .name = "slab_debug", .type = K_FUNC, .fn = key_slab_debug },
	{ .name = "slub_debug", .type = K_FUNC, .fn = key_slab_debug }, /* the old name */
	{ .name = "memmap", .type = K_FUNC, .fn = key_memmap },
	{ .name = "kswapd", .type = K_BOOL, .off = DESC_OFF(kswapd) },
	{ .name = "watermark_boost_factor",
	  .type = K_INT,
	  .off = DESC_OFF(watermark_boost_factor),
	  .lo = 0,
	  .hi = INT_MAX },
	{ .name = "panic_on_oom", .type = K_INT, .off = DESC_OFF(panic_on_oom), .lo = 0, .hi = 2 },
	{ .name = "fail_page_alloc", .type = K_FUNC, .fn = key_fail_page_alloc },
	{ .name = "failslab", .type = K_FUNC, .fn = key_failslab },
	{ .name = "page_reporting", .type = K_BOOL, .off = DESC_OFF(page_reporting) },
	{ .name = "maxmem", .type = K_SIZE, .off = DESC_OFF(maxmem_bytes) },
	{ .name = "memhp_default_state", .type = K_FUNC, .fn = key_memhp_default_state },
	{ .name = "movable_node", .type = K_FLAG, .off = DESC_OFF(movable_node) },
	{ .name = "page_reporting.page_reporting_order",
	  .type = K_INT,
	  .off = DESC_OFF(page_reporting_order),
	  .lo = 0,
	  .hi = KMM_MAX_ORDER },
	{ .name = "page_reporting_delay_ms",
	  .type = K_INT,
	  .off = DESC_OFF(page_reporting_delay_ms),
	  .lo = 0,
	  .hi = 3600000 },
	{ .name = "vmalloc", .type = K_SIZE, .off = DESC_OFF(vmalloc_bytes), .lo = 1 },
	{ .name = "thread_size", .type = K_SIZE, .off = DESC_OFF(thread_size), .lo = 1 },
	{ .name = "compaction", .type = K_BOOL, .off = DESC_OFF(compaction) },
	{ .name = "kcompactd", .type = K_BOOL, .off = DESC_OFF(kcompactd) },
	{ .name = "vmalloc_movable", .type = K_BOOL, .off = DESC_OFF(vmalloc_movable) },
	{ .name = "vm.extfrag_threshold",
	  .type = K_INT,
	  .off = DESC_OFF(extfrag_threshold),
	  .lo = 0,
	  .hi = 1000 },
	{ .name = "vm.compaction_proactiveness",
	  .type = K_INT,
	  .off = DESC_OFF(compaction_proactiveness),
	  .lo = 0,
	  .hi = 100 },
	{ .name = "cma", .type = K_SIZE, .off = DESC_OFF(cma_bytes) },
};

static const struct key *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (kmm_strlen(keys[i].name) == len && kmm_strncmp(keys[i].name, name, len) == 0)
			return &keys[i];
	}
	return NULL;
}

/* The source slot of a key whose whole token layout.c may quote, or NULL. */
static struct kmm_token *key_src(struct parser *p, const struct key *k)
{
	if (!kmm_strcmp(k->name, "mem"))
		return &p->src.mem;
	if (!kmm_strcmp(k->name, "highmem"))
		return &p->src.highmem;
	if (!kmm_strcmp(k->name, "movablecore"))
		return &p->src.movablecore;
	if (!kmm_strcmp(k->name, "numa"))
		return &p->src.numa;
	if (!kmm_strcmp(k->name, "page_size"))
		return &p->src.page_size;
	if (!kmm_strcmp(k->name, "maxmem"))
		return &p->src.maxmem;
	return NULL;
}

static int parse_value(struct parser *p, const struct key *k, const char *eq);

/* One NUL-terminated token: KEY=VALUE. */
static int parse_token(struct parser *p, const char *tok)
{
	const struct key *k;
	const char *eq = tok;
	struct kmm_token *src;
	int ret;

	while (*eq && *eq != '=')
		eq++;
	k = find_key(tok, (size_t)(eq - tok));
	if (!k)
		return fail(p, "unknown key", NULL);
	if (!*eq && k->type == K_FLAG) {
		*(bool *)((char *)&p->d + k->off) = true;
		return KMM_OK;
	}
	if (!*eq)
		return fail(p, "missing '=' in", NULL);
	ret = parse_value(p, k, eq + 1);
	src = key_src(p, k);
	if (!ret && src)
		*src = (struct kmm_token){ p->orig, p->tok_len };
	return ret;
}

/* The value of key k (after its '='). */
static int parse_value(struct parser *p, const struct key *k, const char *eq)
{
	void *field;
	uint64_t v;

	field = (char *)&p->d + k->off;
	switch (k->type) {
	case K_SIZE:
		if (!parse_size(eq, &v))
			return fail(p, "bad size in", NULL);
		if (v < (uint64_t)k->lo)
			return fail(p, "bad size in", " (it must not be zero)");
		*(uint64_t *)field = v;
		return KMM_OK;
	case K_INT:
	case K_LONG:
		if (!parse_u64(eq, &v) || v < (uint64_t)k->lo || v > (uint64_t)k->hi)
			return fail_range(p, k->lo, k->hi);
		if (k->type == K_INT)
			*(int *)field = (int)v;
		else
			*(long *)field = (long)v;
		return KMM_OK;
	case K_BOOL:
	case K_FLAG:
		if (kmm_strcmp(eq, "1") == 0 || kmm_strcmp(eq, "on") == 0)
			*(bool *)field = true;
		else if (kmm_strcmp(eq, "0") == 0 || kmm_strcmp(eq, "off") == 0)
			*(bool *)field = false;
		else
			return fail(p, "bad value in", " (expected 0, 1, on or off)");
		return KMM_OK;
	case K_FUNC:
		return k->fn(p, eq);
	}
	return fail(p, "unknown key", NULL);
}

/* Token separators: the kernel's isspace(), so a trailing newline is harmless. */
static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int kmm_cmdline_parse(const char *cmdline, struct kmm_machine_desc *desc, char *err, size_t err_len)
{
	return kmm_cmdline_parse_src(cmdline, desc, NULL, err, err_len);
}

int kmm_cmdline_parse_src(const char *cmdline, struct kmm_machine_desc *desc,
			  struct kmm_desc_src *src, char *err, size_t err_len)
{
	const char *s = cmdline ? cmdline : "";
	char tok[TOKEN_MAX + 1];
	struct parser p;

	kmm_desc_defaults(&p.d);
	kmm_memset(&p.src, 0, sizeof(p.src));
	p.tok = "";
	p.orig = "";
	p.tok_len = 0;
	p.elide = false;
	p.err = err;
	p.err_len = err ? err_len : 0;
	if (p.err_len)
		err[0] = '\0';

	for (;;) {
		size_t n = 0;
		int ret;

		while (is_sep(*s))
			s++;
		if (!*s)
			break;
		while (s[n] && !is_sep(s[n]))
			n++;
		p.tok = s;
		p.orig = s;
		p.tok_len = n;
		if (n > TOKEN_MAX) {
			char detail[48];

			p.elide = true;
			kmm_snprintf(detail, sizeof(detail), " (at most %d bytes)", TOKEN_MAX);
			return fail(&p, "token too long in", detail);
		}
		kmm_memcpy(tok, s, n);
		tok[n] = '\0';
		p.tok = tok;
		ret = parse_token(&p, tok);
		if (ret)
			return ret;
		s += n;
	}
	if (src)
		kmm_memcpy(src, &p.src, sizeof(*src));
	if (!desc)
		return KMM_OK;
	kmm_memcpy(desc, &p.d, sizeof(*desc));
	return KMM_OK;
}

char *kmm_token_quote(char *buf, size_t len, const char *prefix, const struct kmm_token *t)
{
	struct sbuf sb;
	size_t n = t && t->text ? t->len : 0;

	sb_init(&sb, buf, len);
	sb_putc(&sb, '\'');
	if (prefix)
		sb_puts(&sb, prefix);
	sb_putescaped(&sb, t && t->text ? t->text : "", MIN(n, (size_t)TOKEN_ECHO));
	if (n > TOKEN_ECHO)
		sb_puts(&sb, "...");
	sb_putc(&sb, '\'');
	return buf;
}

/* ---- the canonical form -------------------------------------------------- */

static void sb_key(struct sbuf *sb, const char *key)
{
	if (sb->pos)
		sb_putc(sb, ' ');
	sb_puts(sb, key);
}

static void sb_ranges(struct sbuf *sb, const struct kmm_range *tab, int nr, char op)
{
	nr = nr < 0 ? 0 : MIN(nr, KMM_MAX_RANGES);
	for (int i = 0; i < nr; i++) {
		sb_key(sb, "memmap=");
		sb_putsize(sb, tab[i].size);
		sb_putc(sb, op);
		sb_putsize(sb, tab[i].start);
	}
}

static void sb_bool(struct sbuf *sb, const char *key, bool v, bool def)
{
	if (v == def)
		return;
	sb_key(sb, key);
	sb_putc(sb, v ? '1' : '0');
}

static void sb_fault(struct sbuf *sb, const char *key, const struct kmm_fault_desc *f)
{
	if (!f->set)
		return;
	sb_key(sb, key);
	sb_putu64(sb, f->interval);
	sb_putc(sb, ',');
	sb_putu64(sb, f->probability);
	sb_putc(sb, ',');
	sb_puts64(sb, f->space);
	sb_putc(sb, ',');
	sb_puts64(sb, f->times);
}

/*
 * Fixed order: the memory map, nr_cpus, then every other key that differs
 * from its default, then the memmap= ranges that are not the RAM map.
 * Reserved ranges all print as SIZE$START, whichever of $ ! # made them.
 */
void kmm_desc_format(const struct kmm_machine_desc *desc, char *buf, size_t len)
{
	struct sbuf sb;
	bool ratio_default = true;

	sb_init(&sb, buf, len);
	if (!desc)
		return;

	if (desc->exactmap) {
		sb_key(&sb, "memmap=exactmap");
		sb_ranges(&sb, desc->usable, desc->nr_usable, '@');
	}
	if (desc->mem_bytes) {
		sb_key(&sb, "mem=");
		sb_putsize(&sb, desc->mem_bytes);
	}
	sb_key(&sb, "nr_cpus=");
	sb_puts64(&sb, desc->nr_cpus);
	if (desc->page_shift != DEFAULT_PAGE_SHIFT) {
		sb_key(&sb, "page_size=");
		if (desc->page_shift < 64)
			sb_putsize(&sb, 1ull << desc->page_shift);
		else
			sb_putu64(&sb, 0);
	}
	if (desc->numa_fake) {
		sb_key(&sb, "numa=fake=");
		sb_puts64(&sb, desc->numa_fake);
	}
	if (desc->numa_remote_distance != DEFAULT_REMOTE_DISTANCE) {
		sb_key(&sb, "numa_distance=");
		sb_puts64(&sb, desc->numa_remote_distance);
	}
	if (desc->highmem_bytes) {
		sb_key(&sb, "highmem=");
		sb_putsize(&sb, desc->highmem_bytes);
	}
	if (desc->movablecore_bytes) {
		sb_key(&sb, "movablecore=");
		sb_putsize(&sb, desc->movablecore_bytes);
	}
	if (desc->min_free_kbytes != -1) {
		sb_key(&sb, "min_free_kbytes=");
		sb_puts64(&sb, desc->min_free_kbytes);
	}
	if (desc->watermark_scale_factor != DEFAULT_WATERMARK_SCALE_FACTOR) {
		sb_key(&sb, "watermark_scale_factor=");
		sb_puts64(&sb, desc->watermark_scale_factor);
	}
	for (int z = 0; z < KMM_NR_ZONES; z++)
		ratio_default &= desc->lowmem_reserve_ratio[z] == default_lowmem_reserve_ratio[z];
	if (!ratio_default) {
		sb_key(&sb, "lowmem_reserve_ratio=");
		for (int z = 0; z < KMM_ZONE_DEVICE; z++) {
			if (z)
				sb_putc(&sb, ',');
			sb_puts64(&sb, desc->lowmem_reserve_ratio[z]);
		}
	}
	sb_bool(&sb, "page_group_by_mobility=", desc->mobility_grouping, true);
	sb_bool(&sb, "pcp=", desc->pcp, true);
	sb_bool(&sb, "deferred_struct_page_init=", desc->deferred_init, true);
	if (desc->deferred_chunk_bytes == KMM_DEFERRED_CHUNK_BLOCK) {
		sb_key(&sb, "deferred_struct_page_init.chunk=block");
	} else if (desc->deferred_chunk_bytes) {
		sb_key(&sb, "deferred_struct_page_init.chunk=");
		sb_putsize(&sb, desc->deferred_chunk_bytes);
	}
	sb_bool(&sb, "init_on_alloc=", desc->init_on_alloc, false);
	sb_bool(&sb, "init_on_free=", desc->init_on_free, false);
	sb_bool(&sb, "slab_freelist_random=", desc->slab_freelist_random, false);
	if (desc->slab_debug[0]) {
		sb_key(&sb, "slab_debug=");
		for (size_t i = 0; i < sizeof(desc->slab_debug) && desc->slab_debug[i]; i++)
			sb_putc(&sb, desc->slab_debug[i]);
	}
	sb_bool(&sb, "kswapd=", desc->kswapd, true);
	if (desc->watermark_boost_factor != DEFAULT_WATERMARK_BOOST_FACTOR) {
		sb_key(&sb, "watermark_boost_factor=");
		sb_puts64(&sb, desc->watermark_boost_factor);
	}
	if (desc->panic_on_oom) {
		sb_key(&sb, "panic_on_oom=");
		sb_puts64(&sb, desc->panic_on_oom);
	}
	sb_fault(&sb, "fail_page_alloc=", &desc->fail_page_alloc);
	sb_fault(&sb, "failslab=", &desc->failslab);
	sb_bool(&sb, "page_reporting=", desc->page_reporting, true);
	if (desc->page_reporting_order != DEFAULT_PAGE_REPORTING_ORDER) {
		sb_key(&sb, "page_reporting.page_reporting_order=");
		sb_puts64(&sb, desc->page_reporting_order);
	}
	if (desc->page_reporting_delay_ms != DEFAULT_PAGE_REPORTING_DELAY_MS) {
		sb_key(&sb, "page_reporting_delay_ms=");
		sb_puts64(&sb, desc->page_reporting_delay_ms);
	}
	if (desc->vmalloc_bytes != DEFAULT_VMALLOC_BYTES) {
		sb_key(&sb, "vmalloc=");
		sb_putsize(&sb, desc->vmalloc_bytes);
	}
	if (desc->thread_size != DEFAULT_THREAD_SIZE) {
		sb_key(&sb, "thread_size=");
		sb_putsize(&sb, desc->thread_size);
	}
	if (desc->maxmem_bytes) {
		sb_key(&sb, "maxmem=");
		sb_putsize(&sb, desc->maxmem_bytes);
	}
	if (desc->memhp_default_state > 0 &&
	    desc->memhp_default_state < (int)ARRAY_SIZE(memhp_state_names)) {
		sb_key(&sb, "memhp_default_state=");
		sb_puts(&sb, memhp_state_names[desc->memhp_default_state]);
	}
	if (desc->movable_node)
		sb_key(&sb, "movable_node");
	sb_bool(&sb, "compaction=", desc->compaction, true);
	sb_bool(&sb, "kcompactd=", desc->kcompactd, true);
	sb_bool(&sb, "vmalloc_movable=", desc->vmalloc_movable, false);
	if (desc->extfrag_threshold != DEFAULT_EXTFRAG_THRESHOLD) {
		sb_key(&sb, "vm.extfrag_threshold=");
		sb_puts64(&sb, desc->extfrag_threshold);
	}
	if (desc->compaction_proactiveness != DEFAULT_COMPACTION_PROACTIVENESS) {
		sb_key(&sb, "vm.compaction_proactiveness=");
		sb_puts64(&sb, desc->compaction_proactiveness);
	}
	if (desc->cma_bytes) {
		sb_key(&sb, "cma=");
		sb_putsize(&sb, desc->cma_bytes);
	}
	if (!desc->exactmap)
		sb_ranges(&sb, desc->usable, desc->nr_usable, '@');
	sb_ranges(&sb, desc->reserved, desc->nr_reserved, '$');
}
