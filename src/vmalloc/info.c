/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/info.c - /proc/vmallocinfo as Linux 6.18 prints it
 * (mm/vmalloc.c vmalloc_info_show, show_numa_info, show_purge_info), and
 * the meminfo figures.
 *
 * One line per live area in address order:
 *   0x<start>-0x<end> <size, %7ld> <caller %pS> pages=<n> phys=<addr>
 *   [ioremap] [vmalloc] [vmap] [user] [dma-coherent] [vpages] N<node>=<count>...
 * then one "0x<start>-0x<end> <size> unpurged vm_area" line per lazily
 * freed area not yet purged. Addresses print in full (as %pK does for a
 * reader with kptr_restrict=0); the caller through kmm_os_symbol (an
 * exported function: "name+0xoff/0xsize"), otherwise as an address.
 * Areas still being set up (VM_UNINITIALIZED) are skipped, as Linux does.
 *
 * Lines are collected under vmap_area_lock in chunks of INFO_CHUNK and
 * printed after unlock: the sink is the caller's and may take its time.
 */
#include "platform/platform.h"
#include "report/report.h"
#include "vmalloc/vmalloc.h"

#define INFO_CHUNK 16

struct info_line {
	uintptr_t start, end;
	unsigned long size, flags;
	const void *caller;
	unsigned int nr_pages;
	bool vpages, unpurged;
	uint64_t phys;
	unsigned int node_pages[KMM_MAX_NUMNODES];
};

/* The busy areas from cursor on, up to INFO_CHUNK of them; under the lock. */
static int collect(struct kmm_machine *m, struct kmm_vmalloc *v, uintptr_t *cursor,
		   struct info_line *out)
{
	int n = 0;

	while (n < INFO_CHUNK) {
		struct vmap_area *va = va_tree_next(v->busy_root, *cursor);
		struct vm_struct *vm;
		struct info_line *l;

		if (!va)
			break;
		*cursor = va->va_end;
		vm = va->vm;
		if (!vm || (vm->flags & KMM_VM_UNINITIALIZED))
			continue;
		l = &out[n++];
		kmm_memset(l, 0, sizeof(*l));
		l->start = va->va_start;
		l->end = va->va_end;
		l->size = vm->size;
		l->flags = vm->flags;
		l->caller = vm->caller;
		l->phys = vm->phys_addr;
		if (vm->flags & (KMM_VM_ALLOC | KMM_VM_MAP_PUT_PAGES)) {
			l->nr_pages = vm->nr_pages;
			l->vpages = kmm_is_vmalloc_addr(m, vm->pages);
			for (unsigned int i = 0; i < vm->nr_pages; i++)
				l->node_pages[page_nid(vm->pages[i])]++;
		}
	}
	return n;
}

static void print_line(struct kmm_machine *m, struct kmm_out *o, const struct info_line *l)
{
	char sym[160];

	kmm_out_printf(o, "0x%016lx-0x%016lx %7ld", (unsigned long)l->start, (unsigned long)l->end,
		       (long)l->size);
	if (l->unpurged) {
		kmm_out_printf(o, " unpurged vm_area\n");
		return;
	}
	if (l->caller) {
		if (kmm_os_symbol(l->caller, sym, sizeof(sym)))
			kmm_out_printf(o, " %s", sym);
		else
			kmm_out_printf(o, " 0x%016lx", (unsigned long)(uintptr_t)l->caller);
	}
	if (l->nr_pages)
		kmm_out_printf(o, " pages=%u", l->nr_pages);
	if (l->phys)
		kmm_out_printf(o, " phys=0x%016llx", (unsigned long long)l->phys);
	if (l->flags & KMM_VM_IOREMAP)
		kmm_out_printf(o, " ioremap");
	if (l->flags & KMM_VM_ALLOC)
		kmm_out_printf(o, " vmalloc");
	if (l->flags & KMM_VM_MAP)
		kmm_out_printf(o, " vmap");
	if (l->flags & KMM_VM_USERMAP)
		kmm_out_printf(o, " user");
	if (l->flags & KMM_VM_DMA_COHERENT)
		kmm_out_printf(o, " dma-coherent");
	if (l->vpages)
		kmm_out_printf(o, " vpages");
	if (l->nr_pages) /* show_numa_info: VM_ALLOC areas only */
		for (int n = 0; n < m->nr_nodes; n++)
			if (l->node_pages[n])
				kmm_out_printf(o, " N%d=%u", n, l->node_pages[n]);
	kmm_out_printf(o, "\n");
}

void report_vmallocinfo(struct kmm_machine *m, struct kmm_out *o)
{
	struct kmm_vmalloc *v = vmalloc_of(m);
	struct info_line lines[INFO_CHUNK];
	uintptr_t cursor;
	int n;

	if (!v)
		return;
	cursor = v->start;
	do {
		kmm_spin_lock(&v->lock);
		n = collect(m, v, &cursor, lines);
		kmm_spin_unlock(&v->lock);
		for (int i = 0; i < n; i++)
			print_line(m, o, &lines[i]);
	} while (n == INFO_CHUNK);
	/* show_purge_info: what waits for the lazy purge */
	cursor = 0;
	for (;;) {
		int k = 0, seen = 0;

		kmm_spin_lock(&v->lock);
		for (struct vmap_area *va = v->purge_list; va && k < INFO_CHUNK;
		     va = va->purge_next) {
			if (seen++ < (int)cursor)
				continue;
			kmm_memset(&lines[k], 0, sizeof(lines[k]));
			lines[k].start = va->va_start;
			lines[k].end = va->va_end;
			lines[k].size = va->va_end - va->va_start;
			lines[k].unpurged = true;
			k++;
		}
		kmm_spin_unlock(&v->lock);
		for (int i = 0; i < k; i++)
			print_line(m, o, &lines[i]);
		cursor += (uintptr_t)k;
		if (k < INFO_CHUNK)
			break;
	}
}

void vmalloc_meminfo(struct kmm_machine *m, unsigned long *total_kb, unsigned long *used_pages)
{
	struct kmm_vmalloc *v = vmalloc_of(m);

	*total_kb = 0;
	*used_pages = 0;
	if (!v)
		return;
	*total_kb = (unsigned long)((v->end - v->start) >> 10);
	kmm_spin_lock(&v->lock);
	*used_pages = v->nr_vmalloc_pages;
	kmm_spin_unlock(&v->lock);
}

int kmm_vmalloc_stats(kmm_machine *m, struct kmm_vmalloc_stats *st)
{
	struct kmm_vmalloc *v;

	if (!m || !st)
		return KMM_EINVAL;
	kmm_memset(st, 0, sizeof(*st));
	v = vmalloc_of(m);
	if (!v)
		return KMM_OK;
	kmm_spin_lock(&v->lock);
	st->start = v->start;
	st->end = v->end;
	st->nr_areas = v->nr_busy;
	st->nr_vmalloc_pages = v->nr_vmalloc_pages;
	st->lazy_pages = v->vmap_lazy_nr;
	st->lazy_max_pages = v->lazy_max_pages;
	st->purges = v->purges;
	st->host_maps = v->host_maps;
	st->max_host_maps = v->max_host_maps;
	st->pages_migrated = v->pages_migrated;
	st->migrate_refused = v->migrate_refused;
	kmm_spin_unlock(&v->lock);
	return KMM_OK;
}
