/* SPDX-License-Identifier: MIT */
/*
 * fuzz/ops_hotplug.c - memory hotplug for the API fuzzer: add, online,
 * offline and remove memory blocks of a maxmem= machine, in any order,
 * aligned or not, on any node, with any online type, while the other
 * layers hold pages and objects (which may land in hot-added blocks).
 * The oracle: every call answers one of its documented codes, a refusal
 * leaves max_pfn and the block's state as they were, an online block is
 * counted in totalram and an offline one is not (managed pages change by
 * exactly a block less its memmap), and kmm_check (with the hotplug
 * walker) stays clean after each operation. On a machine without maxmem=
 * every call is -EOPNOTSUPP. Teardown offlines and removes what it can;
 * a block still held (a per-CPU chunk kept for good) stays online and its
 * pages are accounted for in the end-of-run balance (f->free_adjust).
 */
#include "api.h"

#include <kmm/hotplug.h>
#include <kmm/slab.h>

#include "machine.h"

#define FZ_BLOCKS 16 /* blocks the program works with, from the first one above boot */

/* The first block above the boot memory. */
static unsigned long first_block(struct fz *f)
{
	return (f->m->layout.max_pfn + (1ul << 15) - 1) >> 15;
}

/* A block where hotplug begins, or one of the two boot blocks below it. */
static unsigned long pick_block(struct fz *f)
{
	return first_block(f) + fz_u8(f) % (FZ_BLOCKS + 2) - 2;
}

static int state_of(struct fz *f, unsigned long b)
{
	struct kmm_memory_block_info info;

	return kmm_memory_block_info(f->m, b, &info) ? -1 : (int)info.state;
}

/* Managed pages, counting those deferred init has yet to hand over. */
static unsigned long totalram(struct fz *f)
{
	return __atomic_load_n(&f->m->totalram_pages, __ATOMIC_RELAXED) + kmm_deferred_pages(f->m);
}

static void op_add(struct fz *f)
{
	uint64_t bs = kmm_memory_block_size_bytes(f->m);
	unsigned long b = pick_block(f), n = 1 + fz_u8(f) % 3, max_pfn = kmm_max_pfn(f->m);
	uint8_t k = fz_u8(f);
	uint64_t start = (uint64_t)b * bs + (k & 0x80 ? (uint64_t)4096 * (k & 7) : 0);
	uint64_t size = n * bs - (k & 0x40 ? 4096 : 0);
	int nid = (k >> 3) & 3;
	int ret = kmm_add_memory(f->m, nid, start, size);

	if (ret != 0 && ret != KMM_EINVAL && ret != KMM_EEXIST && ret != KMM_E2BIG &&
	    ret != KMM_EOPNOTSUPP && ret != KMM_ENOMEM)
		fz_fail(f, "add_memory answered %d", ret);
	if (ret && kmm_max_pfn(f->m) != max_pfn)
		fz_fail(f, "a refused add_memory moved max_pfn");
	if (!ret && (start % bs || size % bs || nid >= kmm_nr_nodes(f->m)))
		fz_fail(f, "add_memory took an unaligned range or node %d", nid);
}

static void op_online(struct fz *f)
{
	unsigned long b = pick_block(f), before = totalram(f);
	int type = fz_u8(f) % 5, was = state_of(f, b);
	int ret = kmm_memory_block_online(f->m, b, type);
	long delta = (long)totalram(f) - (long)before;

	if (ret != 0 && ret != KMM_EINVAL && ret != KMM_EBUSY && ret != KMM_EOPNOTSUPP)
		fz_fail(f, "online answered %d", ret);
	if (!ret && (was != KMM_MEM_BLOCK_OFFLINE || state_of(f, b) != KMM_MEM_BLOCK_ONLINE))
		fz_fail(f, "online of block %lu (state %d) succeeded", b, was);
	if (ret && state_of(f, b) != was)
		fz_fail(f, "a refused online changed block %lu", b);
	if (delta != (ret ? 0 : (long)((1ul << 15) - 512)))
		fz_fail(f, "online of block %lu changed managed pages by %ld", b, delta);
}

static void op_offline(struct fz *f)
{
	unsigned long b = pick_block(f), before = totalram(f);
	int was = state_of(f, b);
	int ret = kmm_memory_block_offline(f->m, b);
	long delta = (long)before - (long)totalram(f);

	if (ret != 0 && ret != KMM_EINVAL && ret != KMM_EBUSY && ret != KMM_EOPNOTSUPP)
		fz_fail(f, "offline answered %d", ret);
	if (!ret && (was != KMM_MEM_BLOCK_ONLINE || state_of(f, b) != KMM_MEM_BLOCK_OFFLINE))
		fz_fail(f, "offline of block %lu (state %d) succeeded", b, was);
	if (ret && state_of(f, b) != was)
		fz_fail(f, "a refused offline changed block %lu", b);
	if (delta != (ret ? 0 : (long)((1ul << 15) - 512)))
		fz_fail(f, "offline of block %lu changed managed pages by %ld", b, delta);
}

static void op_remove(struct fz *f)
{
	uint64_t bs = kmm_memory_block_size_bytes(f->m);
	unsigned long b = pick_block(f), n = 1 + fz_u8(f) % 2;
	int was = state_of(f, b);
	int ret = kmm_remove_memory(f->m, (uint64_t)b * bs, n * bs);

	if (ret != 0 && ret != KMM_EINVAL && ret != KMM_EBUSY && ret != KMM_EOPNOTSUPP)
		fz_fail(f, "remove_memory answered %d", ret);
	if (!ret && state_of(f, b) != KMM_MEM_BLOCK_ABSENT)
		fz_fail(f, "removed block %lu is not absent", b);
	if (ret && state_of(f, b) != was)
		fz_fail(f, "a refused remove changed block %lu", b);
}

static void hotplug_verify(struct fz *f)
{
	(void)f; /* kmm_check runs the hotplug walker */
}

static void hotplug_teardown(struct fz *f)
{
	unsigned long first = first_block(f);

	kmm_slab_synchronize_rcu(f->m);
	kmm_slab_shrink_all(f->m);
	kmm_drain_all_pages(f->m, NULL);
	/* an add starts at most at first + FZ_BLOCKS - 1 and spans up to 3 blocks */
	for (unsigned long b = first > 2 ? first - 2 : 0; b < first + FZ_BLOCKS + 2; b++) {
		struct kmm_memory_block_info info;

		if (kmm_memory_block_info(f->m, b, &info) || info.boot)
			continue;
		if (info.state == KMM_MEM_BLOCK_ONLINE && kmm_memory_block_offline(f->m, b) != 0) {
			/* held for good (a per-CPU chunk): its free pages stay in the balance */
			f->free_adjust += (long)((1ul << 15) - 512);
			continue;
		}
		if (kmm_memory_block_info(f->m, b, &info) == 0 &&
		    info.state == KMM_MEM_BLOCK_OFFLINE &&
		    kmm_remove_memory(f->m, info.start_pfn << 12, info.nr_pages << 12) != 0)
			fz_fail(f, "teardown could not remove offline block %lu", b);
	}
	f->log_len = 0; /* an -EBUSY above is logged, and is no report */
	f->log[0] = '\0';
}

static const struct fz_op hotplug_ops[] = {
	{ "hotplug: add_memory", op_add },
	{ "hotplug: online a block", op_online },
	{ "hotplug: offline a block", op_offline },
	{ "hotplug: remove_memory", op_remove },
};

const struct fz_layer fz_layer_hotplug = {
	"hotplug",	hotplug_ops,	  sizeof(hotplug_ops) / sizeof(hotplug_ops[0]),
	hotplug_verify, hotplug_teardown,
};
