/* SPDX-License-Identifier: MIT */
/*
 * fuzz/api.h - the API-sequence fuzz target's shared state and decoder.
 *
 * An input is a machine shape (its first byte) followed by operations:
 * one byte picks an operation from the table of all layers (fuzz/api.c,
 * struct fz_layer rows), the operation then reads its arguments from the
 * bytes that follow (fz_u8 ...: 0 once the input is exhausted, so every
 * byte string is a valid program). After every operation the harness runs
 * kmm_check, verifies the cookie of every live block and object, and, when
 * the operation was a misuse (fz_misuse), that the log holds a report for
 * it; at the end it frees everything and compares the machine's free pages
 * with their value after boot. Any failure prints the log and aborts, which
 * is what libFuzzer (and the corpus replay) record as a crash.
 *
 * A new layer (vmalloc, kmap, shrinkers, replay) adds a file of operations
 * and one row to the layer table in api.c: its ops, a verify function (run
 * after every operation) and a teardown (free everything it holds). Adding
 * operations renumbers the opcodes, so older corpus inputs then decode to
 * other programs: they stay valid inputs, only their meaning changes.
 */
#ifndef KMM_FUZZ_API_H
#define KMM_FUZZ_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kmm/highmem.h>
#include <kmm/kmm.h>
#include <kmm/percpu.h>
#include <kmm/slab.h>

#define FZ_PAGES 24
#define FZ_OBJS 48
#define FZ_CACHES 4
#define FZ_PCPU 8

struct fz_page {
	struct page *page;
	unsigned int order;
	int refs; /* references the program holds */
	bool comp;
	uint64_t cookie;
};

struct fz_obj {
	void *p;
	size_t size;
	int cache; /* index in caches[], -1: kmalloc */
	uint64_t cookie;
};

struct fz_cache {
	struct kmem_cache *s;
	unsigned int size;
	bool ctor;
	int live;
};

struct fz_pcpu {
	void *p;
	size_t size;
	uint64_t cookie;
};

struct fz {
	kmm_machine *m;
	const uint8_t *in;
	size_t left;
	bool slab_debug; /* slab_debug=F...: double frees of objects are caught */
	unsigned long nr_ops;
	long free_adjust; /* free pages a layer leaves for good (a hot-added block still held) */
	struct fz_page pages[FZ_PAGES];
	struct fz_obj objs[FZ_OBJS];
	struct fz_cache caches[FZ_CACHES];
	struct fz_pcpu pcpu[FZ_PCPU];
	/* the log of the current operation */
	size_t log_len;
	char log[1 << 16];
};

struct fz_op {
	const char *name;
	void (*run)(struct fz *f);
};

struct fz_layer {
	const char *name;
	const struct fz_op *ops;
	size_t nr_ops;
	void (*verify)(struct fz *f);
	void (*teardown)(struct fz *f);
};

extern const struct fz_layer fz_layer_page, fz_layer_slab, fz_layer_percpu, fz_layer_reclaim,
	fz_layer_hotplug, fz_layer_vmalloc, fz_layer_compaction;

static inline uint8_t fz_u8(struct fz *f)
{
	if (!f->left)
		return 0;
	f->left--;
	return *f->in++;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t lo = fz_u8(f);

	return (uint16_t)(lo | (uint16_t)fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t lo = fz_u16(f);

	return lo | (uint32_t)fz_u16(f) << 16;
}

/* A cookie that depends on the slot and the operation count. */
static inline uint64_t fz_cookie(struct fz *f, unsigned int slot)
{
	return (f->nr_ops + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)slot << 48) ^ 0x5a5a;
}

/*
 * The direct-map address of a block, through which all of it can be read:
 * NULL for highmem, whose page_address is a kmap of one page at most (a
 * kmap's address lingers after kunmap until the pkmap pool is flushed, as
 * in Linux).
 */
static inline void *fz_block_address(kmm_machine *m, struct page *page)
{
	return kmm_page_is_highmem(m, page) ? NULL : kmm_page_address(m, page);
}

/* Stop with the log: a crash for libFuzzer. */
__attribute__((noreturn, format(printf, 2, 3))) void fz_fail(struct fz *f, const char *fmt, ...);
/* The operation was a misuse: the log must hold a report ("BUG") for it by now. */
void fz_misuse(struct fz *f, const char *what);
/* The operation was legal: its log must hold no report. */
void fz_no_report(struct fz *f, const char *what);
bool fz_log_has(const struct fz *f, const char *needle);

/* gfp masks: a mix of valid ones and invalid combinations; *valid says which. */
gfp_t fz_gfp(struct fz *f, bool *valid);
bool fz_gfp_valid(gfp_t gfp);

#endif /* KMM_FUZZ_API_H */
