/* SPDX-License-Identifier: MIT */
/*
 * kmm/percpu.h - per-CPU data and the per-CPU page lists.
 *
 * Instance API (every call names its machine):
 *   kmm_get_cpu / kmm_put_cpu        own the current CPU (what get_cpu does)
 *   kmm_alloc_percpu / kmm_free_percpu   dynamic per-CPU objects
 *   kmm_per_cpu_ptr                  a CPU's copy of a per-CPU object
 *   kmm_drain_local_pages / kmm_drain_all_pages / kmm_free_cold_page ...
 *   KMM_DEFINE_PER_CPU, kmm_per_cpu, kmm_this_cpu_*   static variables
 * and, when included from <kmm/linux.h>, the kernel's names bound to the
 * default machine: DEFINE_PER_CPU, DECLARE_PER_CPU, per_cpu, per_cpu_ptr,
 * this_cpu_ptr, get_cpu_var / put_cpu_var, get_cpu / put_cpu,
 * this_cpu_read / write / add / sub / inc / dec, alloc_percpu /
 * free_percpu, for_each_possible_cpu / for_each_online_cpu,
 * drain_local_pages / drain_all_pages, free_hot_page / free_cold_page.
 *
 * What get_cpu guarantees (docs/smp.md has the whole story): until the
 * matching put_cpu, the calling thread owns the CPU number it returned. No
 * other thread of that machine is between get_cpu and put_cpu on the same
 * CPU, so get_cpu_var(x) / put_cpu_var(x) and the this_cpu_* operations
 * (which own the CPU for their duration) on that CPU's copies are mutually
 * exclusive. The host may move the thread meanwhile; it keeps its CPU and
 * smp_processor_id() keeps answering it. get_cpu nests. Do not block while
 * owning a CPU. per_cpu(x, cpu) by number takes no lock, as in the kernel.
 *
 * Static per-CPU variables: DEFINE_PER_CPU puts the variable in the ELF
 * section "kmm_percpu"; that copy is only the template. Each machine makes
 * a copy per CPU, initialised from the template, the first time a module
 * reaches its variables through one of the accessors here. Touching the
 * variable directly (`x = 1` instead of `this_cpu_write(x, 1)`) changes the
 * template, not any CPU's copy. The section of each module is found with
 * __start_kmm_percpu / __stop_kmm_percpu, declared hidden so every shared
 * object uses its own.
 */
#ifndef KMM_PERCPU_H
#define KMM_PERCPU_H

#include <kmm/kmm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CPUs ------------------------------------------------------------------ */

/* Own the CPU this thread runs on (nests); returns its number. */
KMM_API int kmm_get_cpu(kmm_machine *m);
/* Give it back: the put_cpu that balances the outermost get_cpu releases it. */
KMM_API void kmm_put_cpu(kmm_machine *m);

/* ---- per-CPU objects ------------------------------------------------------- */

/*
 * __alloc_percpu: `size` bytes per CPU (at most one unit, 32 KiB with 4 KiB
 * pages), aligned to `align` (a power of two up to the page size), zeroed
 * in every CPU. The result names the object; use kmm_per_cpu_ptr to reach
 * a CPU's copy. NULL (reported) on failure.
 */
KMM_API void *kmm_alloc_percpu(kmm_machine *m, size_t size, size_t align);
/* free_percpu; NULL does nothing; anything else that is not live is reported. */
KMM_API void kmm_free_percpu(kmm_machine *m, void *ptr);

/*
 * CPU `cpu`'s copy of the per-CPU object `ptr`: a kmm_alloc_percpu result,
 * or a static per-CPU variable of the module whose kmm_percpu section is
 * [sec_start, sec_end) (the macros below pass it). NULL and a report when
 * ptr is neither or cpu is out of range.
 */
KMM_API void *kmm_per_cpu_ptr(kmm_machine *m, const void *ptr, int cpu, const char *sec_start,
			      const char *sec_end);
/* kmm_get_cpu, then the owned CPU's copy of ptr (the kernel's get_cpu_ptr). */
KMM_API void *kmm_get_cpu_ptr(kmm_machine *m, const void *ptr, const char *sec_start,
			      const char *sec_end);

/* The module-local bounds of the static per-CPU section. */
extern char __start_kmm_percpu[] __attribute__((weak, visibility("hidden")));
extern char __stop_kmm_percpu[] __attribute__((weak, visibility("hidden")));

#define KMM_PERCPU_SECTION "kmm_percpu"
#define KMM_DEFINE_PER_CPU(type, name) \
	__attribute__((section(KMM_PERCPU_SECTION), used)) __typeof__(type) name
#define KMM_DECLARE_PER_CPU(type, name) \
	extern __attribute__((section(KMM_PERCPU_SECTION))) __typeof__(type) name

#define kmm_per_cpu_ptr_of(m, ptr, cpu) \
	((__typeof__(ptr))kmm_per_cpu_ptr((m), (ptr), (cpu), __start_kmm_percpu, __stop_kmm_percpu))
#define kmm_per_cpu(m, var, cpu) (*kmm_per_cpu_ptr_of((m), &(var), (cpu)))
#define kmm_get_cpu_ptr_of(m, ptr) \
	((__typeof__(ptr))kmm_get_cpu_ptr((m), (ptr), __start_kmm_percpu, __stop_kmm_percpu))

/* this_cpu operations: each owns the current CPU for its duration. */
#define kmm_this_cpu_op(m, var, op, val)                       \
	do {                                                   \
		kmm_machine *__kmm_pm = (m);                   \
		*kmm_get_cpu_ptr_of(__kmm_pm, &(var)) op(val); \
		kmm_put_cpu(__kmm_pm);                         \
	} while (0)
#define kmm_this_cpu_write(m, var, val) kmm_this_cpu_op(m, var, =, val)
#define kmm_this_cpu_add(m, var, val) kmm_this_cpu_op(m, var, +=, val)
#define kmm_this_cpu_sub(m, var, val) kmm_this_cpu_op(m, var, -=, val)
#define kmm_this_cpu_inc(m, var) kmm_this_cpu_add(m, var, 1)
#define kmm_this_cpu_dec(m, var) kmm_this_cpu_sub(m, var, 1)
#define kmm_this_cpu_read(m, var)                                                \
	({                                                                       \
		kmm_machine *__kmm_pm = (m);                                     \
		__typeof__(var) __kmm_v = *kmm_get_cpu_ptr_of(__kmm_pm, &(var)); \
		kmm_put_cpu(__kmm_pm);                                           \
		__kmm_v;                                                         \
	})

/* ---- per-CPU page lists ------------------------------------------------------ */

struct zone;

/* Return the current CPU's (every CPU's) pcp pages of zone (NULL: all zones) to the buddy lists. */
KMM_API void kmm_drain_local_pages(kmm_machine *m, struct zone *zone);
KMM_API void kmm_drain_all_pages(kmm_machine *m, struct zone *zone);

/*
 * __free_page(page), putting the page at the hot end (free_hot_page) or the
 * cold end (free_cold_page) of the CPU's list when it becomes free. (In 2.6
 * these took a page whose count the caller had already dropped; here they
 * drop the caller's reference, like __free_page.)
 */
KMM_API void kmm_free_hot_page(kmm_machine *m, struct page *page);
KMM_API void kmm_free_cold_page(kmm_machine *m, struct page *page);

/* One CPU's page list set of one zone, as zoneinfo's pagesets show it. */
struct kmm_pcp_info {
	int count; /* pages on the lists */
	int high;  /* tuned between high_min and high_max; 0 until the lists are first used */
	int batch;
	int high_min;
	int high_max;
};
/*
 * The vmstat worker's step, which Linux runs every second (vm.stat_interval):
 * fold every CPU's counters and decay every pageset's high towards high_min,
 * draining the pages above it. kmm has no worker thread: call it at the
 * interval you want. Returns 1 while another call would still change something, else 0.
 */
KMM_API int kmm_vmstat_refresh(kmm_machine *m);
KMM_API int kmm_zone_pcp_info(kmm_machine *m, int nid, enum kmm_zone_type zone, int cpu,
			      struct kmm_pcp_info *info);

/* ---- the kernel's names, bound to the default machine (from <kmm/linux.h>) ---- */

#ifdef KMM_LINUX_H

#define __percpu
#define DEFINE_PER_CPU(type, name) KMM_DEFINE_PER_CPU(type, name)
#define DECLARE_PER_CPU(type, name) KMM_DECLARE_PER_CPU(type, name)

#define get_cpu() kmm_get_cpu(__kmm_m)
#define put_cpu() kmm_put_cpu(__kmm_m)

#define per_cpu_ptr(ptr, cpu) kmm_per_cpu_ptr_of(__kmm_m, ptr, cpu)
#define per_cpu(var, cpu) kmm_per_cpu(__kmm_m, var, cpu)
#define raw_cpu_ptr(ptr) per_cpu_ptr(ptr, smp_processor_id())
#define this_cpu_ptr(ptr) per_cpu_ptr(ptr, smp_processor_id())
#define get_cpu_ptr(ptr) kmm_get_cpu_ptr_of(__kmm_m, ptr)
#define put_cpu_ptr(ptr)              \
	do {                          \
		(void)(ptr);          \
		kmm_put_cpu(__kmm_m); \
	} while (0)
#define get_cpu_var(var) (*get_cpu_ptr(&(var)))
#define put_cpu_var(var) put_cpu_ptr(&(var))

#define this_cpu_read(var) kmm_this_cpu_read(__kmm_m, var)
#define this_cpu_write(var, val) kmm_this_cpu_write(__kmm_m, var, val)
#define this_cpu_add(var, val) kmm_this_cpu_add(__kmm_m, var, val)
#define this_cpu_sub(var, val) kmm_this_cpu_sub(__kmm_m, var, val)
#define this_cpu_inc(var) kmm_this_cpu_inc(__kmm_m, var)
#define this_cpu_dec(var) kmm_this_cpu_dec(__kmm_m, var)

#define alloc_percpu(type) ((type *)kmm_alloc_percpu(__kmm_m, sizeof(type), __alignof__(type)))
#define __alloc_percpu(size, align) kmm_alloc_percpu(__kmm_m, (size), (align))
#define free_percpu(ptr) kmm_free_percpu(__kmm_m, (ptr))

/* Every CPU of a machine is possible and online (no hotplug). */
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
#define for_each_online_cpu(cpu) for_each_possible_cpu (cpu)
#define for_each_present_cpu(cpu) for_each_possible_cpu (cpu)

static inline void drain_local_pages(struct zone *zone)
{
	kmm_drain_local_pages(__kmm_m, zone);
}

static inline void drain_all_pages(struct zone *zone)
{
	kmm_drain_all_pages(__kmm_m, zone);
}

static inline void free_hot_page(struct page *page)
{
	kmm_free_hot_page(__kmm_m, page);
}

static inline void free_cold_page(struct page *page)
{
	kmm_free_cold_page(__kmm_m, page);
}

#endif /* KMM_LINUX_H */

#ifdef __cplusplus
}
#endif

#endif /* KMM_PERCPU_H */
