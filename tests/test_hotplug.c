/* SPDX-License-Identifier: MIT */
/*
 * tests/test_hotplug.c - memory hotplug: a mem=256M machine grown by 1 GiB
 * in blocks and allocated from; every refusal (unaligned, overlapping,
 * beyond maxmem=, a node that is not possible, a host that cannot back the
 * range, no maxmem= at all) with its message and no state change; the zone
 * choice of online, online_kernel, online_movable and movable_node, and
 * kmm's disjoint-span refusal; offlining a busy block (-EBUSY, nothing
 * changed) and a free one; remove_memory; notifiers and their veto; every
 * report's counters against the zones' sums after each step; and threads
 * allocating and freeing while blocks are onlined and offlined. kmm_check
 * runs after every step.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kmm/hotplug.h>

#include "hotplug/hotplug.h"
#include "page/internal.h"

static struct test_log log_;

#define MB (1ull << 20)
#define GB (1ull << 30)
#define BLOCK (128 * MB)
#define BLOCK_PAGES (BLOCK >> 12)
#define MEMMAP_PAGES 512ul /* a block's own memmap: one pageblock */

static unsigned long pfn_of(uint64_t addr)
{
	return (unsigned long)(addr >> 12);
}

static struct zone *zone_of(kmm_machine *m, int nid, enum kmm_zone_type z)
{
	return &m->node_data[nid]->node_zones[z];
}

/* A report's value after `key` in the section that starts with `section` (NULL: anywhere). */
static long report_value(const char *r, const char *section, const char *key)
{
	const char *p = section ? strstr(r, section) : r;

	if (!p || !(p = strstr(p, key)))
		fail_msg("no '%s' after '%s' in:\n%s", key, section ? section : "", r);
	return strtol(p + strlen(key), NULL, 10);
}

/*
 * Every report against the zones: meminfo's MemTotal and MemFree, each
 * populated zone's present/managed/spanned/free in zoneinfo, vmstat's
 * nr_free_pages, buddyinfo's block counts.
 */
static void assert_reports_agree(kmm_machine *m)
{
	char *mi = test_report(m, KMM_REPORT_MEMINFO), *zi = test_report(m, KMM_REPORT_ZONEINFO);
	char *vs = test_report(m, KMM_REPORT_VMSTAT), *bi = test_report(m, KMM_REPORT_BUDDYINFO);
	unsigned long managed = 0, nfree = 0;

	for (int n = 0; n < kmm_nr_nodes(m); n++)
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			struct zone *zone = zone_of(m, n, (enum kmm_zone_type)z);
			char sec[64];

			if (!zone_is_populated(zone))
				continue;
			managed += zone->managed_pages;
			nfree += (unsigned long)zone->vm_stat[NR_FREE_PAGES];
			snprintf(sec, sizeof(sec), "Node %d, zone %8s", n, zone->name);
			assert_int_equal(report_value(zi, sec, "\n        present "),
					 zone->present_pages);
			assert_int_equal(report_value(zi, sec, "\n        managed "),
					 zone->managed_pages);
			assert_int_equal(report_value(zi, sec, "\n        spanned "),
					 zone->spanned_pages);
			assert_int_equal(report_value(zi, sec, "\n  pages free     "),
					 zone->vm_stat[NR_FREE_PAGES]);
			/* buddyinfo: the zone's line, block counts weighted by order */
			{
				char bsec[64];
				const char *p;
				unsigned long pages = 0;

				snprintf(bsec, sizeof(bsec), "Node %d, zone %8s", n, zone->name);
				p = strstr(bi, bsec);
				assert_non_null(p);
				p += strlen(bsec);
				for (int o = 0; o < KMM_NR_ORDERS; o++) {
					char *e;

					pages += strtoul(p, &e, 10) << o;
					p = e;
				}
				assert_int_equal(pages, zone->vm_stat[NR_FREE_PAGES]);
			}
		}
	assert_int_equal(managed, m->totalram_pages);
	assert_int_equal(report_value(mi, NULL, "MemTotal:"), managed * 4);
	assert_int_equal(report_value(mi, NULL, "MemFree:"), nfree * 4);
	assert_int_equal(report_value(vs, NULL, "nr_free_pages "), nfree);
	free(mi);
	free(zi);
	free(vs);
	free(bi);
}

static void assert_block(kmm_machine *m, unsigned long id, enum kmm_memory_block_state state,
			 enum kmm_zone_type zone)
{
	struct kmm_memory_block_info info;

	assert_int_equal(kmm_memory_block_info(m, id, &info), 0);
	assert_int_equal(info.state, state);
	if (state == KMM_MEM_BLOCK_ONLINE)
		assert_int_equal(info.zone, zone);
}

/* Grow mem=256M by 1 GiB (half in one call, half block by block) and allocate from it. */
static void test_grow_by_1g(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=4G nr_cpus=2 page_reporting=0", &log_);
	unsigned long total0 = m->totalram_pages, got = 0, in_new = 0;
	struct page *blocks[300];
	int n = 0;

	(void)state;
	assert_int_equal(kmm_memory_block_size_bytes(m), BLOCK);
	assert_int_equal(kmm_max_pfn(m), pfn_of(256 * MB));
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, 512 * MB), 0);
	assert_consistent(m, &log_);
	for (uint64_t a = 768 * MB; a < 1280 * MB; a += BLOCK) {
		assert_int_equal(kmm_add_memory(m, 0, a, BLOCK), 0);
		assert_consistent(m, &log_);
	}
	/* present, but offline: nothing managed yet */
	assert_int_equal(kmm_max_pfn(m), pfn_of(1280 * MB));
	assert_int_equal(m->totalram_pages, total0);
	for (unsigned long b = 2; b < 10; b++)
		assert_block(m, b, KMM_MEM_BLOCK_OFFLINE, 0);
	assert_false(zone_is_populated(zone_of(m, 0, KMM_ZONE_NORMAL)));
	assert_reports_agree(m);

	assert_int_equal(kmm_online_pages(m, pfn_of(256 * MB), pfn_of(GB), KMM_MMOP_ONLINE), 0);
	assert_consistent(m, &log_);
	for (unsigned long b = 2; b < 10; b++)
		assert_block(m, b, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_NORMAL);
	assert_int_equal(m->totalram_pages, total0 + 8 * (BLOCK_PAGES - MEMMAP_PAGES));
	assert_int_equal(zone_of(m, 0, KMM_ZONE_NORMAL)->present_pages, 8 * BLOCK_PAGES);
	assert_int_equal(zone_of(m, 0, KMM_ZONE_NORMAL)->zone_start_pfn, pfn_of(256 * MB));
	assert_int_equal(zone_of(m, 0, KMM_ZONE_NORMAL)->spanned_pages, pfn_of(GB));
	assert_int_equal(m->node_data[0]->node_start_pfn + m->node_data[0]->node_spanned_pages,
			 pfn_of(1280 * MB));
	/* the watermarks follow: min_free_kbytes grew with lowmem */
	assert_true(zone_of(m, 0, KMM_ZONE_NORMAL)->_watermark[WMARK_MIN] > 0);
	assert_true(m->desc.min_free_kbytes > 1024);
	assert_reports_agree(m);

	/* GFP_KERNEL tries Normal first: 1 GiB in order-10 blocks comes from the new memory */
	for (n = 0; n < 250; n++) {
		blocks[n] = kmm_alloc_pages(m, KMM_GFP_KERNEL, 10);
		assert_non_null(blocks[n]);
		got++;
		in_new += kmm_page_to_pfn(m, blocks[n]) >= pfn_of(256 * MB);
		memset(kmm_page_address(m, blocks[n]), 0x5a, 4 * MB);
	}
	assert_true(in_new >= 240);
	assert_reports_agree(m);
	for (int i = 0; i < n; i++)
		kmm_free_pages(m, blocks[i], 10);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	kmm_machine_destroy(m);
}

/* The mapping of /proc/self/maps that holds addr: its permissions ("rw-p"), or "". */
static void perms_at(const void *addr, char out[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	out[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && (uintptr_t)addr >= lo &&
		    (uintptr_t)addr < hi) {
			memcpy(out, perms, 5);
			break;
		}
	}
	fclose(f);
}

/*
 * A caller's region grows (kmm_machine_create_on with maxmem=): the region
 * is address space with no access beyond the boot memory; add_memory
 * commits a block and its memmap (not on the block: all of it is managed),
 * the block is onlined and allocated from, and remove_memory gives it back
 * to the reservation. What libkmm-malloc's machine does (src/malloc/grow.c).
 */
static void test_grow_caller_region(void **state)
{
	size_t size = 1ul << 30;
	char *region =
		mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char err[256], perms[5];
	kmm_machine *m;
	unsigned long total0, in_new = 0;
	struct page *blocks[64];

	(void)state;
	assert_true(region != MAP_FAILED);
	assert_int_equal(mprotect(region, BLOCK, PROT_READ | PROT_WRITE), 0);
	/* the region must cover maxmem= */
	assert_int_equal(kmm_machine_create_on_zeroed("mem=128M maxmem=2G nr_cpus=2", region, size,
						      &m, err, sizeof(err)),
			 KMM_EINVAL);
	assert_non_null(strstr(err, "smaller than maxmem= (2147483648 bytes)"));
	assert_int_equal(kmm_machine_create_on_zeroed("mem=128M maxmem=1G nr_cpus=2", region, size,
						      &m, err, sizeof(err)),
			 KMM_OK);
	kmm_set_log(m, test_log_sink, &log_);
	total0 = m->totalram_pages;
	assert_consistent(m, &log_);
	perms_at(region + BLOCK, perms);
	assert_string_equal(perms, "---p");

	assert_int_equal(kmm_add_memory(m, 0, BLOCK, 2 * BLOCK), 0);
	perms_at(region + BLOCK, perms);
	assert_string_equal(perms, "rw-p");
	assert_block(m, 1, KMM_MEM_BLOCK_OFFLINE, 0);
	assert_consistent(m, &log_);
	assert_int_equal(
		kmm_online_pages(m, pfn_of(BLOCK), pfn_of(2 * BLOCK), KMM_MMOP_ONLINE_KERNEL), 0);
	assert_block(m, 2, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_NORMAL);
	/* the memmap is not on the blocks: every page of them is managed */
	assert_int_equal(m->totalram_pages, total0 + 2 * BLOCK_PAGES);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	for (int i = 0; i < 64; i++) {
		blocks[i] = kmm_alloc_pages(m, KMM_GFP_KERNEL, 10);
		assert_non_null(blocks[i]);
		in_new += kmm_page_to_pfn(m, blocks[i]) >= pfn_of(BLOCK);
		memset(kmm_page_address(m, blocks[i]), 0x5a, 4 * MB);
	}
	assert_true(in_new >= 60);
	assert_consistent(m, &log_);
	for (int i = 0; i < 64; i++)
		kmm_free_pages(m, blocks[i], 10);
	assert_int_equal(kmm_offline_and_remove_memory(m, 2 * BLOCK, BLOCK), 0);
	perms_at(region + 2 * BLOCK, perms);
	assert_string_equal(perms, "---p");
	assert_int_equal(m->totalram_pages, total0 + BLOCK_PAGES);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	/* added again: committed again, reading as zero */
	assert_int_equal(kmm_add_memory(m, 0, 2 * BLOCK, BLOCK), 0);
	assert_int_equal(region[2 * BLOCK + 12345], 0);
	assert_int_equal(kmm_memory_block_online(m, 2, KMM_MMOP_ONLINE_KERNEL), 0);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	kmm_machine_destroy(m);
	munmap(region, size);
}

/*
 * Boot memory that ends inside a section (mem=200M: section 1 is half
 * RAM): once a block is added above, max_pfn no longer bounds pfn_valid
 * there, so the rest of that section has a memmap (reserved) that every
 * walker may read. Found by fuzz_api (kmm_check's slab scan faulted).
 */
static void test_partial_boot_section(void **state)
{
	kmm_machine *m = test_boot("mem=200M maxmem=1G nr_cpus=2 page_reporting=0", &log_);
	unsigned long hole = pfn_of(200 * MB) + 100;

	(void)state;
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, BLOCK), 0);
	assert_true(kmm_pfn_valid(m, hole));
	assert_true(page_test(pfn_to_page(m, hole), PG_reserved));
	assert_consistent(m, &log_);
	assert_int_equal(kmm_memory_block_online(m, 2, KMM_MMOP_ONLINE), 0);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	kmm_machine_destroy(m);
}

/*
 * A hole below the boot memory's end (an exact map with 412 MiB missing) takes
 * hot-added blocks too, and "online" finds the zone whose span holds it (DMA32).
 */
static void test_hole_below_boot_end(void **state)
{
	kmm_machine *m = test_boot("memmap=exactmap memmap=100M@0 memmap=100M@512M maxmem=2G "
				   "page_reporting=0",
				   &log_);
	struct zone *z32 = zone_of(m, 0, KMM_ZONE_DMA32);
	unsigned long present = z32->present_pages, span = z32->spanned_pages;

	(void)state;
	assert_block(m, 1, KMM_MEM_BLOCK_ABSENT, 0);
	assert_int_equal(kmm_add_memory(m, 0, BLOCK, 2 * BLOCK), 0);
	assert_int_equal(kmm_online_pages(m, BLOCK_PAGES, 2 * BLOCK_PAGES, KMM_MMOP_ONLINE), 0);
	assert_block(m, 1, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_DMA32);
	assert_block(m, 2, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_DMA32);
	assert_int_equal(z32->present_pages, present + 2 * BLOCK_PAGES);
	assert_int_equal(z32->spanned_pages, span);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	assert_int_equal(kmm_offline_pages(m, BLOCK_PAGES, 2 * BLOCK_PAGES), 0);
	assert_int_equal(kmm_remove_memory(m, BLOCK, 2 * BLOCK), 0);
	assert_int_equal(z32->present_pages, present);
	assert_int_equal(z32->spanned_pages, span);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	kmm_machine_destroy(m);
}

/* One refusal: the code, the message, and the machine as it was. */
static void refused(kmm_machine *m, int want, uint64_t start, uint64_t size, int nid,
		    const char *msg)
{
	char *before = test_report(m, KMM_REPORT_ZONEINFO), *after;
	char *blocks_before = test_report(m, KMM_REPORT_MEMORY), *blocks_after;
	unsigned long max_pfn = kmm_max_pfn(m);

	test_log_clear(&log_);
	assert_int_equal(kmm_add_memory(m, nid, start, size), want);
	if (!test_log_contains(&log_, msg))
		fail_msg("expected '%s' in: %s", msg, log_.buf);
	after = test_report(m, KMM_REPORT_ZONEINFO);
	blocks_after = test_report(m, KMM_REPORT_MEMORY);
	assert_string_equal(before, after);
	assert_string_equal(blocks_before, blocks_after);
	assert_int_equal(kmm_max_pfn(m), max_pfn);
	free(before);
	free(after);
	free(blocks_before);
	free(blocks_after);
	assert_consistent(m, &log_);
}

static void test_refusals(void **state)
{
	kmm_machine *m = test_boot("mem=512M maxmem=2G nr_cpus=2 page_reporting=0 "
				   "memmap=128M$384M",
				   &log_);
	kmm_machine *plain = test_boot("mem=256M nr_cpus=1", &log_);

	(void)state;
	refused(m, KMM_EINVAL, 512 * MB + 4096, BLOCK, 0,
		"Block size [0x8000000] unaligned hotplug range: start 0x20001000, size 0x8000000");
	refused(m, KMM_EINVAL, 512 * MB, BLOCK / 2, 0, "Block size [0x8000000] unaligned");
	refused(m, KMM_E2BIG, 2 * GB - BLOCK, 2 * BLOCK, 0,
		"Hotplug memory [0x78000000-0x88000000] exceeds maximum addressable range "
		"[0x0-0x7fffffff]");
	refused(m, KMM_E2BIG, 512 * MB, 0, 0, "exceeds maximum addressable range");
	refused(m, KMM_E2BIG, ~0ull - BLOCK + 1, BLOCK, 0, "exceeds maximum addressable range");
	refused(m, KMM_EEXIST, 128 * MB, BLOCK, 0,
		"Unable to reserve System RAM region: 0000000008000000->000000000fffffff");
	/* the memmap= reservation at 384M is not free to take either */
	refused(m, KMM_EEXIST, 384 * MB, BLOCK, 0,
		"Unable to reserve System RAM region: 0000000018000000->000000001fffffff");
	refused(m, KMM_EINVAL, 512 * MB, BLOCK, 1, "node 1 was absent from the node_possible_map");
	refused(m, KMM_EINVAL, 512 * MB, BLOCK, -1, "node -1 was absent");
	/* overlapping what was added */
	assert_int_equal(kmm_add_memory(m, 0, 512 * MB, 2 * BLOCK), 0);
	refused(m, KMM_EEXIST, 640 * MB, 2 * BLOCK, 0, "Unable to reserve System RAM region");
	refused(m, KMM_EEXIST, 512 * MB, 4 * BLOCK, 0, "Unable to reserve System RAM region");
	/* online/offline of the wrong blocks */
	assert_int_equal(kmm_memory_block_online(m, 0, KMM_MMOP_ONLINE), KMM_EINVAL);
	assert_int_equal(kmm_memory_block_online(m, 3, KMM_MMOP_ONLINE), KMM_EINVAL); /* absent */
	assert_int_equal(kmm_memory_block_online(m, 4, 7), KMM_EINVAL);
	assert_int_equal(kmm_memory_block_online(m, 1000, KMM_MMOP_ONLINE), KMM_EINVAL);
	test_log_clear(&log_);
	assert_int_equal(kmm_memory_block_offline(m, 1), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "memory1 is boot memory"));
	assert_int_equal(kmm_memory_block_offline(m, 4), KMM_EINVAL); /* offline already */
	assert_int_equal(kmm_online_pages(m, 1, BLOCK_PAGES, KMM_MMOP_ONLINE), KMM_EINVAL);
	assert_int_equal(kmm_remove_memory(m, 768 * MB, BLOCK), KMM_EINVAL);
	assert_consistent(m, &log_);
	/* no maxmem=: no hotplug */
	test_log_clear(&log_);
	kmm_set_log(plain, test_log_sink, &log_);
	assert_int_equal(kmm_add_memory(plain, 0, 256 * MB, BLOCK), KMM_EOPNOTSUPP);
	assert_true(test_log_contains(&log_, "memory hotplug needs maxmem="));
	assert_int_equal(kmm_online_pages(plain, 0, BLOCK_PAGES, KMM_MMOP_ONLINE), KMM_EOPNOTSUPP);
	kmm_machine_destroy(plain);
	kmm_machine_destroy(m);
}

/* A host that cannot grow the memory: RLIMIT_FSIZE stops the memfd, -ENOMEM, nothing changed. */
static void test_host_refuses(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=2G nr_cpus=1 page_reporting=0", &log_);
	pid_t pid;
	int status;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 256 * MB, 256 * MB };

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(10);
		test_log_clear(&log_);
		if (kmm_add_memory(m, 0, 512 * MB, BLOCK) != KMM_ENOMEM)
			_exit(11);
		if (!test_log_contains(&log_, "the host cannot back [mem 0x20000000-0x27ffffff]"))
			_exit(12);
		if (kmm_max_pfn(m) != pfn_of(256 * MB) || kmm_check(m))
			_exit(13);
		/* below the boot memory's size (none here) nothing needs growing; a retry fails
		 * alike */
		if (kmm_add_memory(m, 0, 512 * MB, BLOCK) != KMM_ENOMEM)
			_exit(14);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	kmm_machine_destroy(m);
}

static void test_zone_choice(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=4G nr_cpus=2 page_reporting=0", &log_);
	kmm_machine *mv;

	(void)state;
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, 8 * BLOCK), 0);
	/* blocks 2..9: kernel, movable, and "online" inheriting the zone it lies in */
	assert_int_equal(kmm_memory_block_online(m, 2, KMM_MMOP_ONLINE_KERNEL), 0);
	assert_block(m, 2, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_NORMAL);
	assert_int_equal(kmm_memory_block_online(m, 5, KMM_MMOP_ONLINE_MOVABLE), 0);
	assert_block(m, 5, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_MOVABLE);
	assert_int_equal(kmm_memory_block_online(m, 7, KMM_MMOP_ONLINE_MOVABLE), 0);
	assert_consistent(m, &log_);
	/* 6 lies inside Movable's span [5, 8): "online" inherits Movable */
	assert_int_equal(kmm_memory_block_online(m, 6, KMM_MMOP_ONLINE), 0);
	assert_block(m, 6, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_MOVABLE);
	/* 3 lies in no zone: "online" picks the kernel zone */
	assert_int_equal(kmm_memory_block_online(m, 3, KMM_MMOP_ONLINE), 0);
	assert_block(m, 3, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_NORMAL);
	assert_int_equal(zone_of(m, 0, KMM_ZONE_MOVABLE)->zone_start_pfn, 5 * BLOCK_PAGES);
	assert_int_equal(zone_of(m, 0, KMM_ZONE_MOVABLE)->spanned_pages, 3 * BLOCK_PAGES);
	/* 9 in Normal would make Normal's span cover Movable's: kmm refuses, nothing changes */
	test_log_clear(&log_);
	assert_int_equal(kmm_memory_block_online(m, 9, KMM_MMOP_ONLINE_KERNEL), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "would make it overlap zone Movable"));
	assert_block(m, 9, KMM_MEM_BLOCK_OFFLINE, 0);
	/* "online" of 9, in no zone, picks the kernel zone too (no movable_node): refused alike */
	assert_int_equal(kmm_memory_block_online(m, 9, KMM_MMOP_ONLINE), KMM_EINVAL);
	assert_int_equal(kmm_memory_block_online(m, 9, KMM_MMOP_ONLINE_MOVABLE), 0);
	assert_block(m, 9, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_MOVABLE);
	/* an allocation that may use Movable gets it; GFP_KERNEL stays out of it */
	{
		struct page *p = kmm_alloc_pages(m, KMM_GFP_HIGHUSER_MOVABLE, 0);
		struct page *k = kmm_alloc_pages(m, KMM_GFP_KERNEL, 0);

		assert_int_equal(page_zonenum(p), KMM_ZONE_MOVABLE);
		assert_int_equal(page_zonenum(k), KMM_ZONE_NORMAL);
		kmm_free_pages(m, p, 0);
		kmm_free_pages(m, k, 0);
	}
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	kmm_machine_destroy(m);

	/* movable_node: "online" defaults to Movable; memhp_default_state onlines on add */
	mv = test_boot("mem=256M maxmem=4G movable_node memhp_default_state=online", &log_);
	assert_int_equal(kmm_add_memory(mv, 0, 256 * MB, 2 * BLOCK), 0);
	assert_block(mv, 2, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_MOVABLE);
	assert_block(mv, 3, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_MOVABLE);
	assert_consistent(mv, &log_);
	assert_reports_agree(mv);
	kmm_machine_destroy(mv);
	mv = test_boot("mem=256M maxmem=4G memhp_default_state=online_kernel", &log_);
	assert_int_equal(kmm_add_memory(mv, 0, 256 * MB, BLOCK), 0);
	assert_block(mv, 2, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_NORMAL);
	assert_consistent(mv, &log_);
	kmm_machine_destroy(mv);
}

static void test_offline_busy_and_free(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=4G nr_cpus=2 page_reporting=0", &log_);
	struct zone *mz;
	struct page *p = NULL, *held[64];
	unsigned long total, present, managed;
	int nheld = 0;

	(void)state;
	mz = zone_of(m, 0, KMM_ZONE_MOVABLE);
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, 2 * BLOCK), 0);
	assert_int_equal(
		kmm_online_pages(m, pfn_of(256 * MB), 2 * BLOCK_PAGES, KMM_MMOP_ONLINE_MOVABLE), 0);
	/* hold one page of block 3 */
	while (nheld < 64) {
		struct page *q = kmm_alloc_pages(m, KMM_GFP_HIGHUSER_MOVABLE, 9);

		assert_non_null(q);
		if (kmm_page_to_pfn(m, q) >= 3 * BLOCK_PAGES) {
			p = q;
			break;
		}
		held[nheld++] = q;
	}
	assert_non_null(p);
	for (int i = 0; i < nheld; i++)
		kmm_free_pages(m, held[i], 9);
	total = m->totalram_pages;
	present = mz->present_pages;
	managed = mz->managed_pages;
	test_log_clear(&log_);
	assert_int_equal(kmm_memory_block_offline(m, 3), KMM_EBUSY);
	assert_true(test_log_contains(
		&log_,
		"memory offlining [mem 0x18000000-0x1fffffff] failed due to unmovable page"));
	assert_block(m, 3, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_MOVABLE);
	assert_int_equal(m->totalram_pages, total);
	assert_int_equal(mz->present_pages, present);
	assert_int_equal(mz->managed_pages, managed);
	assert_consistent(m, &log_);
	/* the isolation was undone: block 3's free pages can be allocated again */
	{
		char *pt = test_report(m, KMM_REPORT_PAGETYPEINFO);

		assert_null(strstr(pt, "Isolate      1"));
		free(pt);
	}
	/* block 2 is all free: it goes */
	assert_int_equal(kmm_memory_block_offline(m, 2), 0);
	assert_block(m, 2, KMM_MEM_BLOCK_OFFLINE, 0);
	assert_int_equal(m->totalram_pages, total - (BLOCK_PAGES - MEMMAP_PAGES));
	assert_int_equal(mz->zone_start_pfn, 3 * BLOCK_PAGES);
	assert_int_equal(mz->spanned_pages, BLOCK_PAGES);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	/* remove: an online block refuses, an offline one goes */
	test_log_clear(&log_);
	assert_int_equal(kmm_remove_memory(m, 256 * MB, 2 * BLOCK), KMM_EBUSY);
	assert_true(test_log_contains(
		&log_, "removing memory fails, because memory [0x18000000-0x1fffffff] is onlined"));
	assert_block(m, 2, KMM_MEM_BLOCK_OFFLINE, 0);
	kmm_free_pages(m, p, 9);
	assert_int_equal(kmm_memory_block_offline(m, 3), 0);
	assert_false(zone_is_populated(mz));
	assert_int_equal(mz->spanned_pages, 0);
	assert_int_equal(m->totalram_pages, total - 2 * (BLOCK_PAGES - MEMMAP_PAGES));
	/* Movable is empty again: movable allocations fall back to the kernel zones */
	p = kmm_alloc_pages(m, KMM_GFP_HIGHUSER_MOVABLE, 0);
	assert_non_null(p);
	assert_true(page_zonenum(p) < KMM_ZONE_MOVABLE);
	kmm_free_pages(m, p, 0);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	assert_int_equal(kmm_remove_memory(m, 256 * MB, 2 * BLOCK), 0);
	assert_block(m, 2, KMM_MEM_BLOCK_ABSENT, 0);
	assert_block(m, 3, KMM_MEM_BLOCK_ABSENT, 0);
	assert_false(kmm_pfn_valid(m, 2 * BLOCK_PAGES));
	assert_consistent(m, &log_);
	/* and back again, this time to Normal */
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, 2 * BLOCK), 0);
	assert_int_equal(kmm_online_pages(m, pfn_of(256 * MB), 2 * BLOCK_PAGES, KMM_MMOP_ONLINE),
			 0);
	assert_block(m, 3, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_NORMAL);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	kmm_machine_destroy(m);
}

/* A refused offline gives every pageblock its own type back (6.18 keeps isolation apart). */
static void test_offline_restores_pageblock_types(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=1G nr_cpus=1 page_reporting=0", &log_);
	struct zone *nz = zone_of(m, 0, KMM_ZONE_NORMAL);
	uint8_t before[64];
	struct page *held[40];
	int unmovable = 0;

	(void)state;
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, BLOCK), 0);
	assert_int_equal(kmm_memory_block_online(m, 2, KMM_MMOP_ONLINE_KERNEL), 0);
	/* unmovable order-9 blocks steal Movable pageblocks of the new block */
	for (int i = 0; i < 40; i++) {
		held[i] = kmm_alloc_pages(m, KMM_GFP_KERNEL, 9);
		assert_non_null(held[i]);
	}
	for (int i = 0; i < 64; i++) {
		before[i] = (uint8_t)get_pageblock_migratetype(nz, 2 * BLOCK_PAGES + i * 512ul);
		unmovable += before[i] == MIGRATE_UNMOVABLE;
	}
	assert_true(unmovable > 1); /* the memmap's pageblock and stolen ones */
	assert_int_equal(kmm_memory_block_offline(m, 2), KMM_EBUSY);
	for (int i = 0; i < 64; i++)
		assert_int_equal(get_pageblock_migratetype(nz, 2 * BLOCK_PAGES + i * 512ul),
				 before[i]);
	assert_consistent(m, &log_);
	for (int i = 0; i < 40; i++)
		kmm_free_pages(m, held[i], 9);
	assert_int_equal(kmm_memory_block_offline(m, 2), 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* offline_and_remove_memory is all or nothing: a busy block brings the others back online. */
static void test_offline_and_remove_all_or_nothing(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=1G nr_cpus=1 page_reporting=0", &log_);
	struct page *p = NULL, *held[64];
	unsigned long total;
	int nheld = 0;

	(void)state;
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, 2 * BLOCK), 0);
	assert_int_equal(
		kmm_online_pages(m, pfn_of(256 * MB), 2 * BLOCK_PAGES, KMM_MMOP_ONLINE_MOVABLE), 0);
	while (!p && nheld < 64) {
		struct page *q = kmm_alloc_pages(m, KMM_GFP_HIGHUSER_MOVABLE, 9);

		assert_non_null(q);
		if (kmm_page_to_pfn(m, q) >= 3 * BLOCK_PAGES)
			p = q;
		else
			held[nheld++] = q;
	}
	assert_non_null(p);
	for (int i = 0; i < nheld; i++)
		kmm_free_pages(m, held[i], 9);
	total = m->totalram_pages;
	assert_int_equal(kmm_offline_and_remove_memory(m, 256 * MB, 2 * BLOCK), KMM_EBUSY);
	assert_block(m, 2, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_MOVABLE);
	assert_block(m, 3, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_MOVABLE);
	assert_int_equal(m->totalram_pages, total);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	assert_int_equal(kmm_offline_and_remove_memory(m, 128 * MB, BLOCK), KMM_EINVAL);
	kmm_free_pages(m, p, 9);
	assert_int_equal(kmm_offline_and_remove_memory(m, 256 * MB, 2 * BLOCK), 0);
	assert_block(m, 2, KMM_MEM_BLOCK_ABSENT, 0);
	assert_block(m, 3, KMM_MEM_BLOCK_ABSENT, 0);
	assert_int_equal(m->totalram_pages, total - 2 * (BLOCK_PAGES - MEMMAP_PAGES));
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	kmm_machine_destroy(m);
}

struct notes {
	int calls[6];
	int veto; /* action to refuse */
	unsigned long last_pfn;
};

static int note(void *ctx, unsigned long action, unsigned long start_pfn, unsigned long nr)
{
	struct notes *n = ctx;

	assert_int_equal(nr, BLOCK_PAGES);
	n->calls[__builtin_ctzl(action)]++;
	n->last_pfn = start_pfn;
	return (unsigned long)n->veto == action ? 1 : 0;
}

static void test_notifiers(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=4G page_reporting=0", &log_);
	struct notes n = { { 0 }, 0, 0 };

	(void)state;
	assert_int_equal(kmm_register_memory_notifier(m, note, &n), 0);
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, BLOCK), 0);
	n.veto = KMM_MEM_GOING_ONLINE;
	test_log_clear(&log_);
	assert_int_equal(kmm_memory_block_online(m, 2, KMM_MMOP_ONLINE), KMM_EBUSY);
	assert_true(test_log_contains(&log_, "online_pages [mem 0x10000000-0x17ffffff] failed"));
	assert_int_equal(n.calls[__builtin_ctzl(KMM_MEM_CANCEL_ONLINE)], 1);
	assert_block(m, 2, KMM_MEM_BLOCK_OFFLINE, 0);
	assert_consistent(m, &log_);
	n.veto = 0;
	assert_int_equal(kmm_memory_block_online(m, 2, KMM_MMOP_ONLINE), 0);
	assert_int_equal(n.calls[__builtin_ctzl(KMM_MEM_ONLINE)], 1);
	assert_int_equal(n.last_pfn, 2 * BLOCK_PAGES);
	n.veto = KMM_MEM_GOING_OFFLINE;
	assert_int_equal(kmm_memory_block_offline(m, 2), KMM_EBUSY);
	assert_int_equal(n.calls[__builtin_ctzl(KMM_MEM_CANCEL_OFFLINE)], 1);
	assert_block(m, 2, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_NORMAL);
	n.veto = 0;
	assert_int_equal(kmm_memory_block_offline(m, 2), 0);
	assert_int_equal(n.calls[__builtin_ctzl(KMM_MEM_OFFLINE)], 1);
	assert_int_equal(kmm_unregister_memory_notifier(m, note, &n), 0);
	assert_int_equal(kmm_unregister_memory_notifier(m, note, &n), KMM_EINVAL);
	assert_int_equal(kmm_memory_block_online(m, 2, KMM_MMOP_ONLINE), 0);
	assert_int_equal(n.calls[__builtin_ctzl(KMM_MEM_ONLINE)], 1);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* The sysfs view: block size, each block's state and zone. */
static void test_memory_report(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=1G page_reporting=0", &log_);
	char *r;

	(void)state;
	assert_int_equal(kmm_add_memory(m, 0, 256 * MB, 2 * BLOCK), 0);
	assert_int_equal(kmm_memory_block_online(m, 3, KMM_MMOP_ONLINE_MOVABLE), 0);
	r = test_report(m, KMM_REPORT_MEMORY);
	assert_non_null(strstr(r, "/sys/devices/system/memory/block_size_bytes:8000000\n"));
	assert_non_null(strstr(r, "/sys/devices/system/memory/auto_online_blocks:offline\n"));
	assert_non_null(strstr(r, "/sys/devices/system/memory/memory0/state:online\n"));
	/* block 0 holds DMA and DMA32: "none", as Linux says of a block in two zones */
	assert_non_null(strstr(r, "/sys/devices/system/memory/memory0/valid_zones:none\n"));
	assert_non_null(strstr(r, "/sys/devices/system/memory/memory1/valid_zones:DMA32\n"));
	assert_non_null(strstr(r, "/sys/devices/system/memory/memory2/online:0\n"));
	assert_non_null(strstr(r, "/sys/devices/system/memory/memory3/online:1\n"));
	assert_non_null(strstr(r, "/sys/devices/system/memory/memory2/state:offline\n"));
	assert_non_null(
		strstr(r, "/sys/devices/system/memory/memory2/valid_zones:Normal Movable\n"));
	assert_non_null(strstr(r, "/sys/devices/system/memory/memory3/state:online\n"));
	assert_non_null(strstr(r, "/sys/devices/system/memory/memory3/valid_zones:Movable\n"));
	assert_null(strstr(r, "memory4/"));
	assert_int_equal(kmm_report_by_name("memory"), KMM_REPORT_MEMORY);
	free(r);
	kmm_machine_destroy(m);
}

/* Machine strings: maxmem= below memory, with highmem=, on a caller's region. */
static void test_machine_keys(void **state)
{
	char err[256];
	static char region[32 << 20] __attribute__((aligned(4096)));
	kmm_machine *m;

	(void)state;
	assert_int_equal(test_boot_fails("mem=1G maxmem=1G", err, sizeof(err)), KMM_EINVAL);
	assert_non_null(strstr(err, "'maxmem=1G' leaves no section for hotplug"));
	assert_int_equal(test_boot_fails("mem=1G highmem=256M maxmem=2G", err, sizeof(err)),
			 KMM_EINVAL);
	assert_non_null(strstr(err, "not with highmem="));
	assert_int_equal(test_boot_fails("mem=256M memhp_default_state=maybe", err, sizeof(err)),
			 KMM_EINVAL);
	assert_int_equal(kmm_machine_create_on("memmap=exactmap memmap=16M@0 maxmem=1G", region,
					       sizeof(region), &m, err, sizeof(err)),
			 KMM_EINVAL);
	assert_non_null(strstr(err, "smaller than maxmem= (1073741824 bytes)"));
	m = test_boot("mem=256M maxmem=64G movable_node memhp_default_state=online_movable", &log_);
	assert_string_equal(kmm_machine_cmdline(m),
			    "mem=256M nr_cpus=1 maxmem=64G memhp_default_state=online_movable "
			    "movable_node");
	kmm_machine_destroy(m);
}

/*
 * Two nodes with deferred struct page init: memory above the boot memory
 * joins the last node; node 0 would overlap node 1 and is refused. Onlining
 * finishes the deferred init first, and the reports agree afterwards.
 */
static void test_numa_and_deferred(void **state)
{
	kmm_machine *m =
		test_boot("mem=8G maxmem=16G numa=fake=2 nr_cpus=2 page_reporting=0", &log_);
	uint64_t start = 9 * GB; /* mem=8G ends at 9G (the 3G-4G hole) */
	unsigned long block = start / BLOCK;

	(void)state;
	assert_true(kmm_deferred_pages(m) > 0);
	assert_int_equal(kmm_add_memory(m, 0, start, BLOCK), 0);
	test_log_clear(&log_);
	assert_int_equal(kmm_memory_block_online(m, block, KMM_MMOP_ONLINE), KMM_EINVAL);
	assert_true(test_log_contains(&log_, "on node 0 would make it overlap node 1"));
	assert_int_equal(kmm_remove_memory(m, start, BLOCK), 0);
	assert_int_equal(kmm_add_memory(m, 1, start, 2 * BLOCK), 0);
	assert_int_equal(kmm_online_pages(m, pfn_of(start), 2 * BLOCK_PAGES, KMM_MMOP_ONLINE), 0);
	assert_int_equal(kmm_deferred_pages(m), 0);
	assert_block(m, block, KMM_MEM_BLOCK_ONLINE, KMM_ZONE_NORMAL);
	assert_int_equal(zone_end_pfn(zone_of(m, 1, KMM_ZONE_NORMAL)), pfn_of(start + 2 * BLOCK));
	{
		struct page *p = kmm_alloc_pages_node(m, 1, KMM_GFP_KERNEL | KMM_GFP_THISNODE, 0);

		assert_non_null(p);
		assert_int_equal(kmm_page_to_nid(m, p), 1);
		kmm_free_pages(m, p, 0);
	}
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	assert_int_equal(kmm_offline_pages(m, pfn_of(start), 2 * BLOCK_PAGES), 0);
	assert_int_equal(zone_end_pfn(zone_of(m, 1, KMM_ZONE_NORMAL)), pfn_of(start));
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	kmm_machine_destroy(m);
}

/* ---- threads allocating while blocks come and go ---------------------------- */

struct worker {
	kmm_machine *m;
	volatile int *stop;
	uint64_t seed;
	unsigned long allocs;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct page *held[128] = { 0 };
	unsigned int order[128];

	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		unsigned int i = (unsigned int)(test_rand(&w->seed) % 128);

		if (held[i]) {
			kmm_free_pages(w->m, held[i], order[i]);
			held[i] = NULL;
		} else {
			order[i] = (unsigned int)(test_rand(&w->seed) % 4);
			held[i] = kmm_alloc_pages(
				w->m,
				(i & 1 ? KMM_GFP_HIGHUSER_MOVABLE : KMM_GFP_KERNEL) |
					KMM_GFP_NOWARN,
				order[i]);
			w->allocs += held[i] != NULL;
		}
	}
	for (int i = 0; i < 128; i++)
		if (held[i])
			kmm_free_pages(w->m, held[i], order[i]);
	return NULL;
}

/* blocks 2..5 to Normal, 6..9 to Movable: the spans stay disjoint */
static int type_of(unsigned long block)
{
	return block < 6 ? KMM_MMOP_ONLINE_KERNEL : KMM_MMOP_ONLINE_MOVABLE;
}

static void test_threads_while_onlining(void **state)
{
	kmm_machine *m = test_boot("mem=256M maxmem=4G nr_cpus=2 page_reporting=0", &log_);
	volatile int stop = 0;
	struct worker w[2] = { { m, &stop, 1, 0 }, { m, &stop, 2, 0 } };
	pthread_t t[2];
	int offlined = 0;

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	for (unsigned long b = 2; b < 10; b++) {
		assert_int_equal(kmm_add_memory(m, 0, b * BLOCK, BLOCK), 0);
		assert_int_equal(kmm_memory_block_online(m, b, type_of(b)), 0);
	}
	/* offline what is free at that moment; a block a thread holds a page of answers -EBUSY */
	for (int round = 0; round < 3; round++)
		for (unsigned long b = 2; b < 10; b++) {
			int ret = kmm_memory_block_offline(m, b);

			assert_true(ret == 0 || ret == KMM_EBUSY || ret == KMM_EINVAL);
			if (ret == 0) {
				offlined++;
				assert_int_equal(kmm_memory_block_online(m, b, type_of(b)), 0);
			}
		}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_true(w[0].allocs + w[1].allocs > 0);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	/* with the threads gone every block is free: all of them offline */
	for (unsigned long b = 2; b < 10; b++)
		assert_int_equal(kmm_memory_block_offline(m, b), 0);
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	print_message("offlined %d times while two threads made %lu allocations\n", offlined,
		      w[0].allocs + w[1].allocs);
	kmm_machine_destroy(m);
}

/*
 * Memory pressure while blocks arrive: two threads fill a 64 MiB machine
 * until allocations fail (kswapd and direct reclaim run, the watermarks are
 * read all the while), the main thread onlines 4 blocks one by one, and the
 * threads go on filling the new memory. Everything is freed and checked.
 */
struct filler {
	kmm_machine *m;
	volatile int *stop;
	struct page **held;
	long n, cap;
	unsigned long fails;
};

static void *fill(void *arg)
{
	struct filler *w = arg;

	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		struct page *p =
			w->n < w->cap
				? kmm_alloc_pages(w->m,
						  KMM_GFP_KERNEL | KMM_GFP_NOWARN | KMM_GFP_NORETRY,
						  0)
				: NULL;

		if (p)
			w->held[w->n++] = p;
		else
			__atomic_add_fetch(&w->fails, 1, __ATOMIC_RELAXED), sched_yield();
	}
	return NULL;
}

static void test_threads_under_pressure(void **state)
{
	kmm_machine *m = test_boot("mem=64M maxmem=1G nr_cpus=2 page_reporting=0", &log_);
	volatile int stop = 0;
	struct filler w[2];
	pthread_t t[2];
	long total = 0;

	(void)state;
	for (int i = 0; i < 2; i++) {
		w[i] = (struct filler){
			m, &stop, calloc(80000, sizeof(struct page *)), 0, 80000, 0
		};
		assert_non_null(w[i].held);
		assert_int_equal(pthread_create(&t[i], NULL, fill, &w[i]), 0);
	}
	/* wait until the boot memory is exhausted */
	while (__atomic_load_n(&w[0].fails, __ATOMIC_RELAXED) +
		       __atomic_load_n(&w[1].fails, __ATOMIC_RELAXED) <
	       100)
		sched_yield();
	assert_int_equal(kmm_add_memory(m, 0, 128 * MB, 4 * BLOCK), 0);
	for (unsigned long b = 1; b < 5; b++) {
		assert_int_equal(kmm_memory_block_online(m, b, KMM_MMOP_ONLINE), 0);
		usleep(20000);
	}
	usleep(50000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		total += w[i].n;
	}
	/* the threads took most of the new memory too */
	assert_true(total > (long)(64 * MB / 4096) + 2 * (long)BLOCK_PAGES);
	assert_consistent(m, &log_);
	for (int i = 0; i < 2; i++) {
		while (w[i].n > 0)
			kmm_free_pages(m, w[i].held[--w[i].n], 0);
		free(w[i].held);
	}
	assert_consistent(m, &log_);
	assert_reports_agree(m);
	for (unsigned long b = 1; b < 5; b++)
		assert_int_equal(kmm_memory_block_offline(m, b), 0);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_by_1g),
		cmocka_unit_test(test_grow_caller_region),
		cmocka_unit_test(test_partial_boot_section),
		cmocka_unit_test(test_hole_below_boot_end),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_host_refuses),
		cmocka_unit_test(test_zone_choice),
		cmocka_unit_test(test_offline_busy_and_free),
		cmocka_unit_test(test_offline_restores_pageblock_types),
		cmocka_unit_test(test_offline_and_remove_all_or_nothing),
		cmocka_unit_test(test_notifiers),
		cmocka_unit_test(test_memory_report),
		cmocka_unit_test(test_machine_keys),
		cmocka_unit_test(test_numa_and_deferred),
		cmocka_unit_test(test_threads_while_onlining),
		cmocka_unit_test(test_threads_under_pressure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
