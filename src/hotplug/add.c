/* SPDX-License-Identifier: MIT */
/*
 * hotplug/add.c - add_memory and remove_memory: making a range of new
 * physical memory present, and absent again.
 *
 * add_memory checks the range in the kernel's order and words
 * (register_memory_resource: inside the pluggable range, -E2BIG; no
 * conflict with memory or reservations, -EEXIST; add_memory_resource:
 * whole memory blocks, -EINVAL; a possible node, -EINVAL), then:
 *  1. the host backs it: the physical-memory object grows to cover it
 *     (kmm_os_phys_resize) and the range is mapped into the address space
 *     boot held for phys up to maxmem= (-ENOMEM when the host refuses);
 *  2. each block's memmap is mapped from the block's own first pages
 *     (memory_hotplug.memmap_on_memory: a 64 GiB addition needs no memory
 *     of the machine it joins) and every descriptor written reserved, with
 *     its node;
 *  1-2 on a caller's region (kmm_machine_create_on with maxmem=): the
 *     range and each block's memmap, at the vmemmap, are committed
 *     (kmm_os_commit: private memory cannot be mapped twice, so the memmap
 *     is not on the block, and every page of the block is managed);
 *  3. the sections become present (pfn_valid), with a release store after
 *     the descriptors, and max_pfn rises;
 *  4. the blocks are offline - in no zone, their pages nobody's - unless
 *     memhp_default_state= onlines them at once.
 * A refusal changes nothing: whatever the host gave is given back.
 *
 * remove_memory takes offline blocks away again: sections absent, their
 * frames (memmap included) handed back to the host; a caller's region
 * becomes no-access again (kmm_os_unmap_fixed), its memmap stays mapped. max_pfn stays, as in
 * Linux.
 */
#include "hotplug/hotplug.h"
#include "log.h"
#include "page/internal.h"
#include "platform/platform.h"

static unsigned long memmap_bytes(void)
{
	return PAGES_PER_SECTION * sizeof(struct page);
}

static void *block_memmap(struct kmm_machine *m, unsigned long block)
{
	return m->vmemmap + block_start_pfn(block);
}

/* Every descriptor of the block reserved, on node nid; the zone is set when it is onlined. */
void hotplug_init_block_memmap(struct kmm_machine *m, unsigned long block, int nid)
{
	struct page tmpl, *p = block_memmap(m, block);

	kmm_memset(&tmpl, 0, sizeof(tmpl));
	tmpl.flags = 1u << PG_reserved;
	set_page_links(&tmpl, KMM_ZONE_NORMAL, (unsigned int)nid);
	tmpl._refcount = 1;
	tmpl.lru_next = KMM_NIL_PFN;
	tmpl.lru_prev = KMM_NIL_PFN;
	for (unsigned long i = 0; i < PAGES_PER_SECTION; i++)
		p[i] = tmpl;
}

static void set_section_present(struct kmm_machine *m, unsigned long sec, bool on)
{
	uint8_t bit = (uint8_t)(1u << (sec % 8));

	if (on)
		__atomic_fetch_or(&m->section_present[sec / 8], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&m->section_present[sec / 8], (uint8_t)~bit, __ATOMIC_RELEASE);
}

/* Does [start, end) (bytes) meet a memmap= reservation? */
static bool meets_reservation(const struct kmm_machine *m, uint64_t start, uint64_t end)
{
	for (int i = 0; i < m->desc.nr_reserved; i++) {
		const struct kmm_range *r = &m->desc.reserved[i];

		if (r->start < end && r->start + r->size > start)
			return true;
	}
	return false;
}

/* register_memory_resource and add_memory_resource's checks; the hotplug lock is held. */
static int check_add(struct kmm_machine *m, int nid, uint64_t start, uint64_t size)
{
	struct kmm_hotplug *hp = m->hotplug;
	uint64_t limit = (uint64_t)m->layout.maxmem_pfn << m->page_shift;
	uint64_t end = start + size, block = kmm_memory_block_size_bytes(m);

	if (!(start < end && end <= limit)) {
		kmm_log(m,
			"Hotplug memory [%#llx-%#llx] exceeds maximum addressable range "
			"[%#llx-%#llx]\n",
			(unsigned long long)start, (unsigned long long)end, 0ull,
			(unsigned long long)(limit - 1));
		return KMM_E2BIG;
	}
	for (uint64_t b = start / block; b < (end + block - 1) / block; b++)
		if (hp->blocks[b].state != MEM_ABSENT || meets_reservation(m, start, end)) {
			kmm_log(m, "Unable to reserve System RAM region: %016llx->%016llx\n",
				(unsigned long long)start, (unsigned long long)(end - 1));
			return KMM_EEXIST;
		}
	if (start % block || size % block) {
		kmm_log(m, "Block size [%#lx] unaligned hotplug range: start %#llx, size %#llx\n",
			(unsigned long)block, (unsigned long long)start, (unsigned long long)size);
		return KMM_EINVAL;
	}
	if (nid < 0 || nid >= m->nr_nodes) {
		/* kmm's possible nodes are its boot nodes (docs/hotplug.md) */
		kmm_log(m, "WARNING: node %d was absent from the node_possible_map\n", nid);
		return KMM_EINVAL;
	}
	return KMM_OK;
}

/*
 * Steps 1 and 2 on a caller's region (kmm_machine_create_on with maxmem=):
 * the range is address space the caller reserved inside its region, and
 * it and each block's memmap (at the vmemmap, not on the block: private
 * memory cannot be mapped twice) are committed as private memory. A host
 * that will not commit (a commit limit) refuses; what was committed then
 * goes back.
 */
static int commit_range(struct kmm_machine *m, uint64_t start, uint64_t end)
{
	unsigned long first = (unsigned long)(start >> m->page_shift) >> PFN_SECTION_SHIFT;
	unsigned long last = (unsigned long)(end >> m->page_shift) >> PFN_SECTION_SHIFT;
	unsigned long b;
	int ret = kmm_os_commit(m->phys + start, (size_t)(end - start));

	for (b = first; !ret && b < last; b++)
		ret = kmm_os_commit(block_memmap(m, b), memmap_bytes());
	if (!ret)
		return KMM_OK;
	kmm_log(m, "kmm: the host cannot back [mem %#010llx-%#010llx] (error %d)\n",
		(unsigned long long)start, (unsigned long long)(end - 1), -ret);
	kmm_os_unmap_fixed(m->phys + start, (size_t)(end - start));
	return KMM_ENOMEM;
}

/* Steps 1 and 2; on failure everything the host gave is given back. */
static int back_range(struct kmm_machine *m, uint64_t start, uint64_t end)
{
	struct kmm_hotplug *hp = m->hotplug;
	uint64_t boot_bytes = (uint64_t)m->layout.max_pfn << m->page_shift;
	uint64_t old_size = m->phys_size, map_from = MAX(start, boot_bytes);
	unsigned long first = (unsigned long)(start >> m->page_shift) >> PFN_SECTION_SHIFT;
	unsigned long last = (unsigned long)(end >> m->page_shift) >> PFN_SECTION_SHIFT;
	unsigned long b;
	int ret;

	if (end > old_size) {
		ret = kmm_os_phys_resize(m->phys_handle, end);
		if (ret) {
			kmm_log(m, "kmm: the host cannot back [mem %#010llx-%#010llx] (error %d)\n",
				(unsigned long long)start, (unsigned long long)(end - 1), -ret);
			return KMM_ENOMEM;
		}
	}
	/* below the boot memory's end the boot mapping covers it already */
	if (map_from < end &&
	    !kmm_os_phys_map(m->phys_handle, map_from, end - map_from, m->phys + map_from)) {
		kmm_log(m, "kmm: cannot map [mem %#010llx-%#010llx]\n", (unsigned long long)start,
			(unsigned long long)(end - 1));
		goto undo;
	}
	for (b = first; b < last; b++) {
		uint64_t off = (uint64_t)block_start_pfn(b) << m->page_shift;

		if (!kmm_os_phys_map(m->phys_handle, off, memmap_bytes(), block_memmap(m, b))) {
			kmm_log(m, "kmm: cannot map the memmap of memory%lu\n", b);
			goto undo;
		}
	}
	(void)hp;
	return KMM_OK;
undo:
	/* the frames go back; mappings into the reservations may stay (nothing reads them) */
	kmm_os_discard(m->phys + start, (size_t)(end - start));
	if (end > old_size)
		kmm_os_phys_resize(m->phys_handle, old_size);
	return KMM_ENOMEM;
}

int kmm_add_memory(kmm_machine *m, int nid, uint64_t start, uint64_t size)
{
	struct kmm_hotplug *hp = m ? m->hotplug : NULL;
	unsigned long first, last, end_pfn;
	int ret;

	if (!hp) {
		if (m)
			kmm_log(m, "kmm: memory hotplug needs maxmem= on the machine string\n");
		return KMM_EOPNOTSUPP;
	}
	kmm_spin_lock(&hp->lock);
	ret = check_add(m, nid, start, size);
	if (!ret)
		ret = m->owns_phys ? back_range(m, start, start + size)
				   : commit_range(m, start, start + size);
	if (ret) {
		kmm_spin_unlock(&hp->lock);
		return ret;
	}
	first = (unsigned long)(start >> m->page_shift) >> PFN_SECTION_SHIFT;
	last = (unsigned long)((start + size) >> m->page_shift) >> PFN_SECTION_SHIFT;
	for (unsigned long b = first; b < last; b++) {
		hotplug_init_block_memmap(m, b, nid);
		hp->blocks[b].state = MEM_OFFLINE;
		hp->blocks[b].nid = (uint8_t)nid;
		hp->blocks[b].zone = KMM_ZONE_NORMAL;
		hp->blocks[b].boot = 0;
		/* the host's fresh memory reads as zeroes; memory used before may not */
		hp->blocks[b].fresh = m->phys_zeroed && !hp->blocks[b].used;
		set_section_present(m, b, true);
	}
	end_pfn = block_start_pfn(last);
	if (end_pfn > m->max_pfn)
		__atomic_store_n(&m->max_pfn, end_pfn, __ATOMIC_RELEASE);
	if (start + size > m->phys_size)
		WRITE_ONCE(m->phys_size, (size_t)(start + size)); /* the tracer reads it */
	/* memhp_default_state=: online what was added (failures leave a block offline, as Linux) */
	if (m->desc.memhp_default_state != KMM_MMOP_OFFLINE)
		for (unsigned long b = first; b < last; b++)
			online_block_locked(m, b, m->desc.memhp_default_state);
	kmm_spin_unlock(&hp->lock);
	return KMM_OK;
}

/*
 * A removed range's frames go back to the host: kmm's own memory is
 * discarded (its memmap lies on it); a caller's region is decommitted, its
 * memmap only discarded (the vmemmap stays readable: a walker may still
 * look at a descriptor of a section it saw present). true when the range
 * reads as zeroes when it is added again: the discard said so, or the
 * range is a no-access reservation again, which kmm_os_commit makes memory
 * reading as zeroes.
 */
static bool give_back(struct kmm_machine *m, uint64_t start, uint64_t size)
{
	bool zeroed;

	if (m->owns_phys)
		return kmm_os_discard(m->phys + start, (size_t)size) == 1;
	zeroed = kmm_os_unmap_fixed(m->phys + start, (size_t)size) == 0;
	kmm_os_discard(m->vmemmap + (start >> m->page_shift),
		       (size_t)(size >> m->page_shift) * sizeof(struct page));
	return zeroed;
}

/*
 * The blocks of [start, start + size), all offline, leave: absent, and
 * their frames (their own memmap with them) go back to the host. A block
 * the host dropped is fresh again when it is added next (hotplug.h).
 * hp->lock held.
 */
static void remove_blocks_locked(struct kmm_machine *m, uint64_t start, uint64_t size)
{
	struct kmm_hotplug *hp = m->hotplug;
	uint64_t block = kmm_memory_block_size_bytes(m);
	unsigned long first = (unsigned long)(start / block),
		      last = (unsigned long)((start + size) / block);
	bool zeroed;

	for (unsigned long b = first; b < last; b++) {
		set_section_present(m, b, false);
		hp->blocks[b].state = MEM_ABSENT;
	}
	zeroed = give_back(m, start, size);
	for (unsigned long b = first; b < last && zeroed; b++)
		hp->blocks[b].used = 0;
}

int kmm_remove_memory(kmm_machine *m, uint64_t start, uint64_t size)
{
	struct kmm_hotplug *hp = m ? m->hotplug : NULL;
	uint64_t block = m ? kmm_memory_block_size_bytes(m) : 1;
	unsigned long first, last;
	int ret = KMM_OK;

	if (!hp)
		return KMM_EOPNOTSUPP;
	if (!size || start % block || size % block || start + size < start ||
	    (start + size) / block > hp->nr_blocks) {
		kmm_log(m, "Block size [%#lx] unaligned hotplug range: start %#llx, size %#llx\n",
			(unsigned long)block, (unsigned long long)start, (unsigned long long)size);
		return KMM_EINVAL;
	}
	first = (unsigned long)(start / block);
	last = (unsigned long)((start + size) / block);
	kmm_spin_lock(&hp->lock);
	for (unsigned long b = first; b < last && !ret; b++) {
		const struct mem_block *mb = &hp->blocks[b];
		uint64_t s = (uint64_t)b * block;

		if (mb->state == MEM_ONLINE) {
			kmm_log(m,
				"removing memory fails, because memory [%#010llx-%#010llx] is "
				"onlined\n",
				(unsigned long long)s, (unsigned long long)(s + block - 1));
			ret = KMM_EBUSY;
		} else if (mb->state == MEM_ABSENT) {
			kmm_log(m, "kmm: remove_memory: [mem %#010llx-%#010llx] was never added\n",
				(unsigned long long)s, (unsigned long long)(s + block - 1));
			ret = KMM_EINVAL;
		}
	}
	if (!ret)
		remove_blocks_locked(m, start, size);
	kmm_spin_unlock(&hp->lock);
	return ret;
}

/*
 * offline_and_remove_memory: offline every online block of the range, then
 * remove it; when a block refuses, the blocks this call offlined are onlined
 * again into the zones they were in, and nothing has changed (Linux's rule).
 */
int kmm_offline_and_remove_memory(kmm_machine *m, uint64_t start, uint64_t size)
{
	struct kmm_hotplug *hp = m ? m->hotplug : NULL;
	uint64_t block = m ? kmm_memory_block_size_bytes(m) : 1;
	unsigned long first, last, b;
	int ret = KMM_OK;

	if (!hp)
		return KMM_EOPNOTSUPP;
	if (!size || start % block || size % block || start + size < start ||
	    (start + size) / block > hp->nr_blocks)
		return kmm_remove_memory(m, start, size); /* its -EINVAL and message */
	first = (unsigned long)(start / block);
	last = (unsigned long)((start + size) / block);
	kmm_spin_lock(&hp->lock);
	for (b = first; b < last; b++) {
		struct mem_block *mb = &hp->blocks[b];

		if (mb->state == MEM_ABSENT || mb->boot) {
			kmm_log(m, "kmm: offline_and_remove_memory: memory%lu is %s\n", b,
				mb->boot ? "boot memory" : "not present");
			ret = KMM_EINVAL;
			break;
		}
		mb->was_online = mb->state == MEM_ONLINE;
		if (mb->was_online) {
			ret = offline_block_locked(m, b);
			if (ret)
				break;
		}
	}
	if (ret) {
		/* undo: what this call offlined comes back, each block to its zone */
		while (b-- > first) {
			struct mem_block *mb = &hp->blocks[b];

			if (mb->was_online)
				online_block_zone(m, b,
						  &m->node_data[mb->nid]->node_zones[mb->zone]);
			mb->was_online = 0;
		}
		kmm_spin_unlock(&hp->lock);
		return ret;
	}
	for (b = first; b < last; b++)
		hp->blocks[b].was_online = 0;
	remove_blocks_locked(m, start, size);
	kmm_spin_unlock(&hp->lock);
	return KMM_OK;
}
