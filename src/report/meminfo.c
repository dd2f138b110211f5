/* SPDX-License-Identifier: MIT */
/*
 * report/meminfo.c - /proc/meminfo with Linux 6.18's lines in its order
 * (fs/proc/meminfo.c, this machine's x86-64 configuration): each line a
 * label padded to 16 columns and "%8lu kB" (show_val_kb), the HugePages_
 * counts as hugetlb_report_meminfo prints them. The HighTotal / HighFree /
 * LowTotal / LowFree group appears on machines with highmem, after
 * Mlocked, as on a kernel built with CONFIG_HIGHMEM.
 *
 * kmm computes MemTotal, MemFree, MemAvailable (si_mem_available),
 * KReclaimable, Slab, SReclaimable, SUnreclaim, CommitLimit (half of RAM:
 * vm.overcommit_ratio 50, no swap), Percpu (the per-CPU allocator's
 * chunks) and Hugepagesize (the pageblock size, the PMD size kmm's THP
 * order would have), VmallocTotal and VmallocUsed (the vmalloc layer;
 * VmallocChunk is 0 as in every kernel since 4.x). The rest print 0 because kmm has no such
 * mechanism (page cache, swap, LRU lists, mlock, page tables, hugetlb, the x86 direct-map page
 * tables); docs/reports.md lists each line.
 */
#include "compaction/compaction.h"
#include "percpu/percpu.h"
#include "report/report.h"

static void show_val_kb(struct kmm_out *o, const char *label, unsigned long pages,
			unsigned int page_shift)
{
	kmm_out_printf(o, "%s%8lu kB\n", label, pages << (page_shift - 10));
}

/* A counter kmm does not have: the line, with 0. */
static void zero_kb(struct kmm_out *o, const char *label)
{
	kmm_out_printf(o, "%s%8lu kB\n", label, 0ul);
}

static unsigned long percpu_pages(const struct kmm_machine *m)
{
	const struct pcpu_state *pc = m->pcpu;

	if (!pc)
		return 0;
	/* pcpu_nr_pages: every chunk's units, one per CPU */
	return __atomic_load_n(&pc->nr_chunks, __ATOMIC_RELAXED) * pc->unit_pages *
	       (unsigned long)m->nr_cpus;
}

void report_meminfo(struct kmm_machine *m, struct kmm_out *o)
{
	unsigned int ps = m->page_shift;
	unsigned long free = global_zone_stat(m, NR_FREE_PAGES), high_free = 0;
	unsigned long sreclaimable = global_node_stat(m, NR_SLAB_RECLAIMABLE_B);
	unsigned long sunreclaim = global_node_stat(m, NR_SLAB_UNRECLAIMABLE_B);

	for_each_zone_m (m, zone)
		if (zone->idx == KMM_ZONE_HIGHMEM)
			high_free += zone_stat_value(zone, NR_FREE_PAGES);
	show_val_kb(o, "MemTotal:       ", m->totalram_pages, ps);
	show_val_kb(o, "MemFree:        ", free, ps);
	show_val_kb(o, "MemAvailable:   ", (unsigned long)si_mem_available(m), ps);
	zero_kb(o, "Buffers:        ");
	zero_kb(o, "Cached:         ");
	zero_kb(o, "SwapCached:     ");
	zero_kb(o, "Active:         ");
	zero_kb(o, "Inactive:       ");
	zero_kb(o, "Active(anon):   ");
	zero_kb(o, "Inactive(anon): ");
	zero_kb(o, "Active(file):   ");
	zero_kb(o, "Inactive(file): ");
	zero_kb(o, "Unevictable:    ");
	zero_kb(o, "Mlocked:        ");
	if (m->desc.highmem_bytes) {
		show_val_kb(o, "HighTotal:      ", m->totalhigh_pages, ps);
		show_val_kb(o, "HighFree:       ", high_free, ps);
		show_val_kb(o, "LowTotal:       ", m->totalram_pages - m->totalhigh_pages, ps);
		show_val_kb(o, "LowFree:        ", free - high_free, ps);
	}
	zero_kb(o, "SwapTotal:      ");
	zero_kb(o, "SwapFree:       ");
	zero_kb(o, "Zswap:          ");
	zero_kb(o, "Zswapped:       ");
	zero_kb(o, "Dirty:          ");
	zero_kb(o, "Writeback:      ");
	zero_kb(o, "AnonPages:      ");
	zero_kb(o, "Mapped:         ");
	zero_kb(o, "Shmem:          ");
	show_val_kb(o, "KReclaimable:   ",
		    sreclaimable + global_node_stat(m, NR_KERNEL_MISC_RECLAIMABLE), ps);
	show_val_kb(o, "Slab:           ", sreclaimable + sunreclaim, ps);
	show_val_kb(o, "SReclaimable:   ", sreclaimable, ps);
	show_val_kb(o, "SUnreclaim:     ", sunreclaim, ps);
	/* nr_kernel_stack is kept in kB by the kernel */
	kmm_out_printf(o, "KernelStack:    %8lu kB\n", global_node_stat(m, NR_KERNEL_STACK_KB));
	zero_kb(o, "PageTables:     ");
	zero_kb(o, "SecPageTables:  ");
	zero_kb(o, "NFS_Unstable:   ");
	zero_kb(o, "Bounce:         ");
	zero_kb(o, "WritebackTmp:   ");
	/* vm_commit_limit: overcommit_ratio 50 % of RAM, no hugetlb, no swap */
	show_val_kb(o, "CommitLimit:    ", m->totalram_pages * 50 / 100, ps);
	zero_kb(o, "Committed_AS:   ");
	/* 6.18: VMALLOC_TOTAL >> 10, vmalloc_nr_pages() in kB, and VmallocChunk always 0 */
	{
		unsigned long vtotal_kb, vused;

		vmalloc_meminfo(m, &vtotal_kb, &vused);
		kmm_out_printf(o, "VmallocTotal:   %8lu kB\n", vtotal_kb);
		show_val_kb(o, "VmallocUsed:    ", vused, ps);
		zero_kb(o, "VmallocChunk:   ");
	}
	show_val_kb(o, "Percpu:         ", percpu_pages(m), ps);
	zero_kb(o, "AnonHugePages:  ");
	zero_kb(o, "ShmemHugePages: ");
	zero_kb(o, "ShmemPmdMapped: ");
	zero_kb(o, "FileHugePages:  ");
	zero_kb(o, "FilePmdMapped:  ");
	/* CONFIG_CMA: a machine with a cma= area (compaction/cma.c) */
	if (machine_has_cma(m)) {
		unsigned long cma_total = 0, cma_free = 0;

		for_each_zone_m (m, zone) {
			cma_total += cma_zone_pages(m, zone);
			cma_free += (unsigned long)READ_ONCE(zone->vm_stat[NR_FREE_CMA_PAGES]);
		}
		show_val_kb(o, "CmaTotal:       ", cma_total, ps);
		show_val_kb(o, "CmaFree:        ", cma_free, ps);
	}
	zero_kb(o, "Balloon:        ");
	kmm_out_printf(o,
		       "HugePages_Total:   %5lu\n"
		       "HugePages_Free:    %5lu\n"
		       "HugePages_Rsvd:    %5lu\n"
		       "HugePages_Surp:    %5lu\n"
		       "Hugepagesize:   %8lu kB\n",
		       0ul, 0ul, 0ul, 0ul, pageblock_nr_pages << (ps - 10));
	zero_kb(o, "Hugetlb:        ");
	zero_kb(o, "DirectMap4k:    ");
	zero_kb(o, "DirectMap2M:    ");
	zero_kb(o, "DirectMap1G:    ");
}
