/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/init.c - the vmalloc layer's row of the layer table: the vmalloc
 * area's reservation (vmalloc=), the free tree's first block, the purge
 * threshold, the host mapping budget, and teardown.
 *
 * The row comes second, after highmem and before the per-CPU page lists;
 * nothing is kmalloc'd at boot (vmap areas and vm_structs are, later, so
 * no vmalloc may happen before the slab row is up - none does). A
 * machine over caller memory (no remappable handle) gets no vmalloc area:
 * m->vmalloc stays NULL and every vmalloc call is refused with a report.
 */
#include "log.h"
#include "page/internal.h"
#include "platform/platform.h"
#include "smp/cpu.h"
#include "vmalloc/vmalloc.h"

#include <kmm/slab.h>

#define MAX_MAP_COUNT 65530    /* vm.max_map_count, the host's default */
#define MAP_COUNT_RESERVE 8192 /* left for the rest of the process and other machines */

static unsigned int fls_u(unsigned int x)
{
	return x ? 32u - (unsigned int)__builtin_clz(x) : 0;
}

int vmalloc_init(struct kmm_machine *m)
{
	struct kmm_vmalloc *v;
	struct vmap_area *first;
	uint64_t bytes = m->desc.vmalloc_bytes;
	size_t align = (size_t)m->page_size << MAX_ORDER;
	struct page *page;
	unsigned int order = 0;
	void *base;

	if (!m->owns_phys)
		return KMM_OK; /* caller memory: no vmalloc area (documented refusal) */
	if (stack_thread_size(m) == 0)
		return KMM_EINVAL;
	bytes = ALIGN_UP(bytes, (uint64_t)align);
	/*
	 * The state is one block from the last CPU's node, taken before the
	 * per-CPU page lists exist, so booting leaves them and node 0 as they
	 * were; the first free block is part of it (never kfree'd).
	 */
	while ((m->page_size << order) < sizeof(*v))
		order++;
	page = __alloc_pages(m, GFP_KERNEL | __GFP_ZERO, order, cpu_to_node_m(m, m->nr_cpus - 1),
			     NULL);
	if (!page)
		return KMM_ENOMEM;
	v = page_to_virt_raw(m, page);
	/* aligned to the largest block, so areas of a power-of-two size can be aligned */
	base = kmm_os_reserve((size_t)bytes + align);
	if (!base) {
		kmm_log(m, "vmalloc: cannot reserve %llu bytes of address space (vmalloc=)\n",
			(unsigned long long)bytes);
		free_pages_untraced(m, page, order);
		return KMM_ENOMEM;
	}
	v->state_order = order;
	v->start = ALIGN_UP((uintptr_t)base, (uintptr_t)align);
	v->end = v->start + (uintptr_t)bytes;
	v->reserve = base;
	v->reserve_bytes = (size_t)bytes + align;
	kmm_spin_init_class(&v->lock, KMM_LOCK_VMAP_AREA);
	first = &v->first;
	first->va_start = v->start;
	first->va_end = v->end;
	v->free_root = va_tree_insert(NULL, first, true);
	v->nr_free_areas = 1;
	/* lazy_max_pages: fls(num_online_cpus()) * 32 MiB of pages */
	v->lazy_max_pages = fls_u((unsigned int)m->nr_cpus) * ((32ul << 20) >> m->page_shift);
	v->max_host_maps = MAX_MAP_COUNT - MAP_COUNT_RESERVE;
	v->thread_size = stack_thread_size(m);
	v->can_hold = true; /* until the host says -ENOSYS (migrate.c) */
	m->vmalloc = v;
	return KMM_OK;
}

void vmalloc_teardown(struct kmm_machine *m)
{
	struct kmm_vmalloc *v = vmalloc_of(m);

	if (!v)
		return;
	m->vmalloc = NULL;
	/* the areas' nodes and frames go with the machine's memory */
	kmm_os_unmap(v->reserve, v->reserve_bytes);
}
