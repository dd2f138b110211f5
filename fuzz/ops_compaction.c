/* SPDX-License-Identifier: MIT */
/*
 * fuzz/ops_compaction.c - page migration, compaction and contiguous
 * allocation for the API fuzzer: the program owns movable pages through
 * movable_operations (each page carries a cookie at both ends and its own
 * slot number), allocates and frees them, compacts the machine or a node
 * (a node that does not exist is a misuse), takes contiguous ranges with
 * alloc_contig_range (any bounds: bad ones are misuses that change
 * nothing) and alloc_contig_pages, and frees them with free_contig_range,
 * sometimes with a range one page too long (a misuse: nothing is freed).
 * The oracle, after every operation: every movable page the program owns
 * still holds its cookie at the frame the program now points at, and kmm
 * marks that frame with the program's id; kmm_check (run by the harness)
 * verifies that no old frame kept a mark and that isolated pages add up.
 * A mutex guards the owner's table: kcompactd and kswapd may migrate its
 * pages from their threads while an operation runs.
 */
#include "api.h"

#include <pthread.h>
#include <string.h>

#include <kmm/compaction.h>

#define FZ_MOVABLE 32
#define FZ_CONTIG 2

struct fz_movable {
	struct page *page;
	uint64_t cookie;
	bool busy;
};

static struct {
	kmm_machine *m; /* the machine the id below belongs to */
	int id;
	struct fz *f;
	pthread_mutex_t lock;
	struct fz_movable slot[FZ_MOVABLE];
	struct {
		unsigned long pfn, nr;
	} contig[FZ_CONTIG];
} mv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t *words(kmm_machine *m, struct page *p)
{
	return fz_block_address(m, p);
}

static void stamp(kmm_machine *m, struct page *p, uint64_t cookie)
{
	uint64_t *w = words(m, p);

	w[0] = cookie;
	w[kmm_page_size(m) / 8 - 1] = ~cookie;
}

static bool stamped(kmm_machine *m, struct page *p, uint64_t cookie)
{
	uint64_t *w = words(m, p);

	return w[0] == cookie && w[kmm_page_size(m) / 8 - 1] == ~cookie;
}

static int slot_of(struct page *page)
{
	for (int i = 0; i < FZ_MOVABLE; i++)
		if (mv.slot[i].page == page)
			return i;
	return -1;
}

static bool mv_isolate(kmm_machine *m, struct page *page, kmm_isolate_mode_t mode, void *ctx)
{
	int i;
	bool ok = false;

	(void)m;
	(void)mode;
	(void)ctx;
	pthread_mutex_lock(&mv.lock);
	i = slot_of(page);
	if (i >= 0 && !mv.slot[i].busy) {
		mv.slot[i].busy = true;
		ok = true;
	}
	pthread_mutex_unlock(&mv.lock);
	return ok;
}

static int mv_migrate(kmm_machine *m, struct page *dst, struct page *src,
		      enum kmm_migrate_mode mode, void *ctx)
{
	int i;

	(void)mode;
	(void)ctx;
	pthread_mutex_lock(&mv.lock);
	i = slot_of(src);
	if (i < 0 || !mv.slot[i].busy)
		fz_fail(mv.f, "migrate_page for a page that was not isolated");
	kmm_copy_highpage(m, dst, src);
	mv.slot[i].page = dst;
	mv.slot[i].busy = false;
	pthread_mutex_unlock(&mv.lock);
	return 0;
}

static void mv_putback(kmm_machine *m, struct page *page, void *ctx)
{
	int i;

	(void)m;
	(void)ctx;
	pthread_mutex_lock(&mv.lock);
	i = slot_of(page);
	if (i < 0)
		fz_fail(mv.f, "putback_page for a page the owner does not know");
	mv.slot[i].busy = false;
	pthread_mutex_unlock(&mv.lock);
}

static const struct kmm_movable_operations mv_ops = {
	.isolate_page = mv_isolate,
	.migrate_page = mv_migrate,
	.putback_page = mv_putback,
};

/* The owner's id on this input's machine (registered on first use). */
static int owner(struct fz *f)
{
	if (mv.m != f->m) {
		memset(mv.slot, 0, sizeof(mv.slot));
		memset(mv.contig, 0, sizeof(mv.contig));
		mv.m = f->m;
		mv.f = f;
		mv.id = kmm_register_movable_ops(f->m, &mv_ops, NULL);
		if (mv.id <= 0)
			fz_fail(f, "register_movable_ops: %d", mv.id);
	}
	return mv.id;
}

static void op_mov_alloc(struct fz *f)
{
	int i = fz_u8(f) % FZ_MOVABLE, id = owner(f);
	struct page *p;

	if (mv.slot[i].page)
		return;
	p = kmm_alloc_pages(f->m, KMM_GFP_KERNEL | KMM_GFP_MOVABLE | KMM_GFP_NOWARN, 0);
	if (!p)
		return;
	mv.slot[i].cookie = fz_cookie(f, (unsigned int)i);
	stamp(f->m, p, mv.slot[i].cookie);
	if (kmm_page_set_movable_ops(f->m, p, id) != KMM_OK) {
		/* a machine without mobility grouping marks anything; others need __GFP_MOVABLE */
		fz_fail(f, "SetPageMovableOps refused a __GFP_MOVABLE page");
	}
	pthread_mutex_lock(&mv.lock);
	mv.slot[i].page = p;
	pthread_mutex_unlock(&mv.lock);
	fz_no_report(f, "movable alloc");
}

static void op_mov_free(struct fz *f)
{
	int i = fz_u8(f) % FZ_MOVABLE;
	struct page *p;

	owner(f);
	pthread_mutex_lock(&mv.lock);
	p = mv.slot[i].page;
	if (!p || mv.slot[i].busy) {
		pthread_mutex_unlock(&mv.lock);
		return;
	}
	mv.slot[i].page = NULL;
	pthread_mutex_unlock(&mv.lock);
	kmm_free_pages(f->m, p, 0);
	fz_no_report(f, "movable free");
}

static void op_compact(struct fz *f)
{
	uint8_t how = fz_u8(f);
	long n;

	owner(f);
	if (how & 1) {
		n = kmm_compact_memory(f->m);
		if (n < 0)
			fz_fail(f, "compact_memory: %ld", n);
		fz_no_report(f, "compact_memory");
		return;
	}
	n = kmm_compact_node(f->m, (int)(how >> 1) % 4);
	if ((how >> 1) % 4 >= (unsigned int)kmm_nr_nodes(f->m)) {
		if (n != KMM_EINVAL)
			fz_fail(f, "compact of a node that does not exist: %ld", n);
		fz_misuse(f, "compact of a missing node");
	} else {
		fz_no_report(f, "compact_node");
	}
}

static void op_contig_range(struct fz *f)
{
	int c = fz_u8(f) % FZ_CONTIG;
	unsigned long start = fz_u32(f) % (kmm_max_pfn(f->m) + 64);
	unsigned long nr = fz_u16(f) % 1100;
	bool backwards = nr > 1050;
	int rc;

	owner(f);
	if (mv.contig[c].nr)
		return;
	if (backwards)
		rc = kmm_alloc_contig_range(f->m, start + 8, start, 0, KMM_GFP_KERNEL);
	else
		rc = kmm_alloc_contig_range(f->m, start, start + nr, 0, KMM_GFP_KERNEL);
	if (rc == KMM_OK) {
		mv.contig[c].pfn = start;
		mv.contig[c].nr = nr;
		fz_no_report(f, "alloc_contig_range");
	} else if (rc == KMM_EINVAL) {
		fz_misuse(f, "alloc_contig_range with bad bounds");
	} else if (rc != KMM_EBUSY) {
		fz_fail(f, "alloc_contig_range: %d", rc);
	}
	if (backwards && rc != KMM_EINVAL)
		fz_fail(f, "alloc_contig_range accepted end < start");
}

static void op_contig_pages(struct fz *f)
{
	int c = fz_u8(f) % FZ_CONTIG;
	unsigned long nr = (fz_u16(f) % 2048) + 1;
	struct page *p;

	owner(f);
	if (mv.contig[c].nr)
		return;
	p = kmm_alloc_contig_pages(f->m, nr, KMM_GFP_KERNEL, 0, NULL);
	if (p) {
		mv.contig[c].pfn = kmm_page_to_pfn(f->m, p);
		mv.contig[c].nr = nr;
	}
	fz_no_report(f, "alloc_contig_pages");
}

static void op_contig_free(struct fz *f)
{
	uint8_t b = fz_u8(f);
	int c = b % FZ_CONTIG;

	owner(f);
	if (!mv.contig[c].nr)
		return;
	/* one page too many: its last page is not ours (free, or someone's) unless it is */
	if ((b & 0x80) && mv.contig[c].pfn + mv.contig[c].nr < kmm_max_pfn(f->m)) {
		struct page *next = kmm_pfn_to_page(f->m, mv.contig[c].pfn + mv.contig[c].nr);

		if (next && kmm_page_ref_count(f->m, next) == 0) {
			kmm_free_contig_range(f->m, mv.contig[c].pfn, mv.contig[c].nr + 1);
			fz_misuse(f, "free_contig_range past the range");
			if (kmm_page_ref_count(f->m, kmm_pfn_to_page(f->m, mv.contig[c].pfn)) != 1)
				fz_fail(f, "a refused free_contig_range freed pages");
			return;
		}
	}
	kmm_free_contig_range(f->m, mv.contig[c].pfn, mv.contig[c].nr);
	mv.contig[c].nr = 0;
	fz_no_report(f, "free_contig_range");
}

static const struct fz_op ops[] = {
	{ "movable_alloc", op_mov_alloc },
	{ "movable_free", op_mov_free },
	{ "compact", op_compact },
	{ "alloc_contig_range", op_contig_range },
	{ "alloc_contig_pages", op_contig_pages },
	{ "free_contig_range", op_contig_free },
};

static void verify(struct fz *f)
{
	if (mv.m != f->m)
		return;
	pthread_mutex_lock(&mv.lock);
	for (int i = 0; i < FZ_MOVABLE; i++) {
		struct page *p = mv.slot[i].page;

		if (!p)
			continue;
		if (!stamped(f->m, p, mv.slot[i].cookie))
			fz_fail(f, "movable page %d lost its contents", i);
		if (kmm_page_movable_ops(f->m, p) != mv.id)
			fz_fail(f, "movable page %d is not marked with its owner's id", i);
	}
	pthread_mutex_unlock(&mv.lock);
	for (int c = 0; c < FZ_CONTIG; c++)
		for (unsigned long p = mv.contig[c].pfn; p < mv.contig[c].pfn + mv.contig[c].nr;
		     p += 97)
			if (kmm_page_ref_count(f->m, kmm_pfn_to_page(f->m, p)) != 1)
				fz_fail(f, "contig page %#lx is no longer allocated", p);
}

static void teardown(struct fz *f)
{
	if (mv.m != f->m)
		return;
	for (int i = 0; i < FZ_MOVABLE; i++) {
		struct page *p;

		for (;;) {
			pthread_mutex_lock(&mv.lock);
			p = mv.slot[i].page;
			if (!p || !mv.slot[i].busy)
				break;
			pthread_mutex_unlock(&mv.lock);
		}
		mv.slot[i].page = NULL;
		pthread_mutex_unlock(&mv.lock);
		if (p)
			kmm_free_pages(f->m, p, 0);
	}
	for (int c = 0; c < FZ_CONTIG; c++)
		if (mv.contig[c].nr)
			kmm_free_contig_range(f->m, mv.contig[c].pfn, mv.contig[c].nr);
	if (kmm_unregister_movable_ops(f->m, mv.id) != KMM_OK)
		fz_fail(f, "unregister_movable_ops refused after every page was freed");
	mv.m = NULL;
}

const struct fz_layer fz_layer_compaction = {
	.name = "compaction",
	.ops = ops,
	.nr_ops = sizeof(ops) / sizeof(ops[0]),
	.verify = verify,
	.teardown = teardown,
};
