/* SPDX-License-Identifier: MIT */
/*
 * kmm/linux.h - the kernel's memory-management API, bound to a default
 * machine, so kernel-style code compiles unchanged:
 *
 *	struct page *page = alloc_pages(GFP_KERNEL, 2);
 *	void *p = page_address(page);
 *	__free_pages(page, 2);
 *
 * The default machine boots on first use from the environment variable
 * KMM_CMDLINE (the same machine string as everywhere else; unset: the
 * built-in default, KMM_DEFAULT_CMDLINE), or explicitly with
 * kmm_default_machine_boot(). A program can also bind a machine it created
 * itself with kmm_set_default_machine().
 *
 * PAGE_SIZE and PAGE_SHIFT are the default machine's, read at run time
 * (a machine may use 4K, 16K or 64K pages): they are expressions, not
 * constants.
 */
#ifndef KMM_LINUX_H
#define KMM_LINUX_H

#include <kmm/kmm.h>
#include <kmm/gfp.h> /* the kernel's gfp names, even after KMM_NO_LINUX_NAMES */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the default machine --------------------------------------------------- */

/* The default machine, booted on first use (never NULL: a bad KMM_CMDLINE is
 * reported on standard error and the built-in default is used instead). */
KMM_API kmm_machine *kmm_default_machine(void);
/* Boot the default machine now from cmdline; fails if one is already bound. */
KMM_API int kmm_default_machine_boot(const char *cmdline, char *err, size_t err_len);
/* Bind a machine the program created (NULL unbinds). Returns the previous one. */
KMM_API kmm_machine *kmm_set_default_machine(kmm_machine *m);

#define __kmm_m kmm_default_machine()

/* ---- pages ------------------------------------------------------------------- */

#define PAGE_SIZE (kmm_page_size(__kmm_m))
#define PAGE_SHIFT ((unsigned int)__builtin_ctzl(PAGE_SIZE))
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define MAX_ORDER KMM_MAX_ORDER
#define MAX_PAGE_ORDER KMM_MAX_ORDER
#define NR_PAGE_ORDERS KMM_NR_ORDERS

static inline struct page *alloc_pages(gfp_t gfp_mask, unsigned int order)
{
	return kmm_alloc_pages(__kmm_m, gfp_mask, order);
}

static inline struct page *alloc_pages_node(int nid, gfp_t gfp_mask, unsigned int order)
{
	return kmm_alloc_pages_node(__kmm_m, nid, gfp_mask, order);
}

#define alloc_page(gfp_mask) alloc_pages(gfp_mask, 0)

static inline unsigned long alloc_pages_bulk(gfp_t gfp, unsigned long nr_pages,
					     struct page **page_array)
{
	return kmm_alloc_pages_bulk(__kmm_m, gfp, nr_pages, page_array);
}

static inline unsigned long alloc_pages_bulk_node(gfp_t gfp, int nid, unsigned long nr_pages,
						  struct page **page_array)
{
	return kmm_alloc_pages_bulk_node(__kmm_m, gfp, nid, nr_pages, page_array);
}

static inline unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
{
	return kmm_get_free_pages(__kmm_m, gfp_mask, order);
}

#define __get_free_page(gfp_mask) __get_free_pages((gfp_mask), 0)
#define __get_dma_pages(gfp_mask, order) __get_free_pages((gfp_mask) | GFP_DMA, (order))

static inline unsigned long get_zeroed_page(gfp_t gfp_mask)
{
	return __get_free_pages(gfp_mask | __GFP_ZERO, 0);
}

static inline void __free_pages(struct page *page, unsigned int order)
{
	kmm_free_pages(__kmm_m, page, order);
}

#define __free_page(page) __free_pages((page), 0)

static inline void free_pages(unsigned long addr, unsigned int order)
{
	kmm_free_pages_addr(__kmm_m, addr, order);
}

#define free_page(addr) free_pages((addr), 0)

static inline void get_page(struct page *page)
{
	kmm_get_page(__kmm_m, page);
}

static inline void put_page(struct page *page)
{
	kmm_put_page(__kmm_m, page);
}

static inline void release_pages(struct page **pages, int nr)
{
	kmm_release_pages(__kmm_m, pages, nr);
}

static inline int page_ref_count(const struct page *page)
{
	return kmm_page_ref_count(__kmm_m, page);
}

static inline unsigned long page_to_pfn(const struct page *page)
{
	return kmm_page_to_pfn(__kmm_m, page);
}

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return kmm_pfn_to_page(__kmm_m, pfn);
}

static inline int pfn_valid(unsigned long pfn)
{
	return kmm_pfn_valid(__kmm_m, pfn);
}

static inline void *page_address(const struct page *page)
{
	return kmm_page_address(__kmm_m, page);
}

static inline struct page *virt_to_page(const void *addr)
{
	return kmm_virt_to_page(__kmm_m, addr);
}

#define virt_addr_valid(addr) (virt_to_page(addr) != NULL)

static inline struct page *compound_head(const struct page *page)
{
	return kmm_compound_head(__kmm_m, page);
}

static inline unsigned int compound_order(const struct page *page)
{
	return kmm_compound_order(__kmm_m, page);
}

/* ---- zones and nodes ----------------------------------------------------------- */

#define ZONE_DMA KMM_ZONE_DMA
#define ZONE_DMA32 KMM_ZONE_DMA32
#define ZONE_NORMAL KMM_ZONE_NORMAL
#define ZONE_HIGHMEM KMM_ZONE_HIGHMEM
#define ZONE_MOVABLE KMM_ZONE_MOVABLE
#define ZONE_DEVICE KMM_ZONE_DEVICE
#define MAX_NR_ZONES KMM_NR_ZONES
#define NUMA_NO_NODE (-1)

static inline struct zone *page_zone(const struct page *page)
{
	return kmm_page_zone(__kmm_m, page);
}

static inline int page_zonenum(const struct page *page)
{
	return kmm_page_zonenum(__kmm_m, page);
}

static inline int page_to_nid(const struct page *page)
{
	return kmm_page_to_nid(__kmm_m, page);
}

static inline int zone_idx(const struct zone *zone)
{
	return kmm_zone_idx(zone);
}

static inline int is_highmem_idx(int idx)
{
	return idx == ZONE_HIGHMEM;
}

static inline int is_highmem(const struct zone *zone)
{
	return is_highmem_idx(kmm_zone_idx(zone));
}

#define PageHighMem(page) (page_zonenum(page) == ZONE_HIGHMEM)

static inline int numa_node_id(void)
{
	return kmm_numa_node_id(__kmm_m);
}

static inline int cpu_to_node(int cpu)
{
	return kmm_cpu_to_node(__kmm_m, cpu);
}

static inline int node_distance(int from, int to)
{
	return kmm_node_distance(__kmm_m, from, to);
}

#define nr_node_ids (kmm_nr_nodes(__kmm_m))
#define num_online_nodes() (kmm_nr_nodes(__kmm_m))
#define for_each_online_node(nid) for ((nid) = 0; (nid) < kmm_nr_nodes(__kmm_m); (nid)++)
#define for_each_node(nid) for_each_online_node (nid)

#define nr_cpu_ids (kmm_nr_cpus(__kmm_m))
#define num_possible_cpus() (kmm_nr_cpus(__kmm_m))
#define num_online_cpus() (kmm_nr_cpus(__kmm_m))
#define raw_smp_processor_id() (kmm_smp_processor_id(__kmm_m))
#define smp_processor_id() (kmm_smp_processor_id(__kmm_m))

#ifdef __cplusplus
}
#endif

#include <kmm/percpu.h>
#include <kmm/slab.h>
#include <kmm/reclaim.h>
#include <kmm/highmem.h>
#include <kmm/vmalloc.h>
#include <kmm/hotplug.h>
#include <kmm/compaction.h>

#endif /* KMM_LINUX_H */
