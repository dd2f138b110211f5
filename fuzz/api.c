/* SPDX-License-Identifier: MIT */
/*
 * fuzz/api.c - the API-sequence fuzz target (see api.h): machine shapes,
 * the layer table, the loop and its checks.
 *
 * Speed: every input boots a fresh machine, so an input's behaviour depends
 * on its bytes alone (a crash reproduces from the saved input). The shapes
 * are small (24 to 96 MiB), where a boot takes a fraction of a millisecond
 * (the memmap is small and untouched physical memory costs nothing), and
 * kmm_check, which runs after every operation, walks a few thousand pages.
 */
#define _GNU_SOURCE
#include "api.h"
#include "lib/stackdepot.h" /* stack_depot_pages */
#include "page/internal.h"  /* GFP_KMM_VALID */
#include "percpu/percpu.h"  /* pcpu_chunk_pages */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Machine shapes: the first byte of an input picks one. */
static const char *const shapes[] = {
	"mem=32M nr_cpus=2",
	"mem=96M nr_cpus=2 numa=fake=2",
	"mem=64M nr_cpus=1 highmem=16M",
	"mem=64M nr_cpus=2 movablecore=16M",
	"mem=32M nr_cpus=2 pcp=0",
	"mem=32M nr_cpus=2 slab_debug=FZPU",
	"mem=32M nr_cpus=2 page_group_by_mobility=0",
	"memmap=exactmap memmap=24M@0 nr_cpus=1",
	"mem=48M nr_cpus=3 init_on_alloc=1 init_on_free=1 slab_freelist_random=1",
	"mem=128M nr_cpus=2 numa=fake=3 slab_debug=FZP pcp=0",
	"mem=32M nr_cpus=2 maxmem=2G",
	"mem=96M nr_cpus=2 numa=fake=2 maxmem=3G movable_node memhp_default_state=online",
};

/* The layers: add a row for a new one (api.h). */
static const struct fz_layer *const layers[] = {
	&fz_layer_hotplug, /* first: torn down last, once the others gave everything back */
	&fz_layer_page,	   &fz_layer_slab,    &fz_layer_percpu,
	&fz_layer_reclaim, &fz_layer_vmalloc, &fz_layer_compaction,
};

#define FZ_MAX_OPS 512

static void fz_sink(void *ctx, const char *text, size_t len)
{
	struct fz *f = ctx;
	size_t room = sizeof(f->log) - 1 - f->log_len;

	if (len > room)
		len = room;
	memcpy(f->log + f->log_len, text, len);
	f->log_len += len;
	f->log[f->log_len] = '\0';
}

static void log_clear(struct fz *f)
{
	f->log_len = 0;
	f->log[0] = '\0';
}

bool fz_log_has(const struct fz *f, const char *needle)
{
	return strstr(f->log, needle) != NULL;
}

void fz_fail(struct fz *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_api: after %lu operations: ", f->nr_ops);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nmachine: %s\nlog of the operation:\n%s\n",
		f->m ? kmm_machine_cmdline(f->m) : "-", f->log);
	abort();
}

void fz_misuse(struct fz *f, const char *what)
{
	if (!fz_log_has(f, "BUG"))
		fz_fail(f, "misuse '%s' was not reported", what);
}

void fz_no_report(struct fz *f, const char *what)
{
	if (fz_log_has(f, "BUG") || fz_log_has(f, "WARNING"))
		fz_fail(f, "legal operation '%s' was reported", what);
}

/*
 * gfp masks. Valid: at most one of DMA, DMA32, HIGHMEM (MOVABLE may join),
 * not MOVABLE and RECLAIMABLE together, no unknown bit. __GFP_NOFAIL is
 * left out: one thread has nobody to wait for.
 */
gfp_t fz_gfp(struct fz *f, bool *valid)
{
	static const gfp_t base[] = {
		GFP_KERNEL,
		GFP_ATOMIC,
		GFP_NOWAIT,
		GFP_DMA,
		GFP_DMA32,
		GFP_HIGHUSER_MOVABLE,
		GFP_KERNEL | __GFP_RECLAIMABLE,
		GFP_USER,
		GFP_NOIO,
		GFP_KERNEL | __GFP_ZERO,
		GFP_KERNEL | __GFP_COMP,
		GFP_ATOMIC | __GFP_COLD,
	};
	uint8_t b = fz_u8(f);
	gfp_t gfp = base[b % (sizeof(base) / sizeof(base[0]))];

	if (b & 0x80) /* modifiers, maybe conflicting ones */
		gfp |= fz_u32(f) & (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE |
				    __GFP_RECLAIMABLE | __GFP_ZERO | __GFP_COMP | __GFP_NOWARN |
				    __GFP_NORETRY | __GFP_RETRY_MAYFAIL | __GFP_THISNODE |
				    __GFP_HIGH | __GFP_COLD | __GFP_MEMALLOC | __GFP_NOMEMALLOC);
	if (b & 0x40 && (fz_u8(f) & 7) == 0)
		gfp |= 1u << 30; /* an unknown bit */
	gfp |= __GFP_NOWARN * ((b >> 4) & 1);
	*valid = fz_gfp_valid(gfp);
	return gfp;
}

bool fz_gfp_valid(gfp_t gfp)
{
	unsigned int zones = !!(gfp & __GFP_DMA) + !!(gfp & __GFP_DMA32) + !!(gfp & __GFP_HIGHMEM);

	/* MOVABLE|RECLAIMABLE is allowed: 6.18 warns and allocates it as HighAtomic */
	return zones <= 1 && !(gfp & ~GFP_KMM_VALID);
}

static unsigned long free_pages_now(kmm_machine *m)
{
	unsigned long total = 0;

	kmm_slab_synchronize_rcu(m);
	kmm_slab_shrink_all(m);
	kmm_drain_all_pages(m, NULL);
	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			total += kmm_zone_free_pages(m, nid, (enum kmm_zone_type)z);
	/*
	 * a chunk the per-CPU allocator added is kept, not lost (docs/smp.md);
	 * so is the stack depot the first SLAB_STORE_USER cache made (docs/slab.md)
	 */
	return total + pcpu_chunk_pages(m) + stack_depot_pages(m);
}

static void check_all(struct fz *f, const char *after)
{
	int problems = kmm_check(f->m);

	if (problems)
		fz_fail(f, "kmm_check found %d problems after %s", problems, after);
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		layers[i]->verify(f);
}

static struct fz fz_state;
static bool trace_ops;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz *f = &fz_state;
	char err[256];
	size_t nr_all = 0;
	unsigned long boot_free, end_free;
	const char *shape;

	/* KMM_FUZZ_TRACE=1: name each operation on stderr, to read a crash's sequence */
	trace_ops = getenv("KMM_FUZZ_TRACE") != NULL;
	memset(f, 0, offsetof(struct fz, log));
	f->in = data;
	f->left = size;
	shape = shapes[fz_u8(f) % (sizeof(shapes) / sizeof(shapes[0]))];
	if (kmm_machine_create(shape, &f->m, err, sizeof(err)) != KMM_OK) {
		fprintf(stderr, "fuzz_api: shape \"%s\" does not boot: %s\n", shape, err);
		abort();
	}
	f->slab_debug = strstr(shape, "slab_debug=F") != NULL;
	log_clear(f);
	kmm_set_log(f->m, fz_sink, f);
	boot_free = free_pages_now(f->m);
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		nr_all += layers[i]->nr_ops;
	while (f->left && f->nr_ops < FZ_MAX_OPS) {
		size_t op = fz_u8(f) % nr_all;
		const struct fz_op *o = NULL;

		for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
			if (op < layers[i]->nr_ops) {
				o = &layers[i]->ops[op];
				break;
			}
			op -= layers[i]->nr_ops;
		}
		log_clear(f);
		if (trace_ops)
			fprintf(stderr, "fuzz_api: op %lu: %s\n", f->nr_ops, o->name);
		o->run(f);
		check_all(f, o->name);
		f->nr_ops++;
	}
	log_clear(f);
	for (size_t i = sizeof(layers) / sizeof(layers[0]); i-- > 0;)
		layers[i]->teardown(f);
	check_all(f, "teardown");
	end_free = free_pages_now(f->m) - (unsigned long)f->free_adjust;
	if (end_free != boot_free)
		fz_fail(f, "free pages (+ per-CPU chunks) %lu at the end, %lu after boot", end_free,
			boot_free);
	fz_no_report(f, "teardown");
	kmm_machine_destroy(f->m);
	f->m = NULL;
	return 0;
}
