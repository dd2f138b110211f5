/* SPDX-License-Identifier: MIT */
/*
 * percpu/api.c - the public per-CPU interface of <kmm/percpu.h>: dynamic
 * objects, reaching a CPU's copy of a dynamic object or of a static
 * DEFINE_PER_CPU variable, and get_cpu_ptr. Argument checking lives here;
 * alloc.c and static.c trust their callers.
 */
#include "page/internal.h"
#include "percpu/percpu.h"
#include "smp/cpu.h"
#include <kmm/percpu.h>

void *kmm_alloc_percpu(kmm_machine *m, size_t size, size_t align)
{
	return pcpu_alloc(m, size, align ? align : 1, false);
}

void kmm_free_percpu(kmm_machine *m, void *ptr)
{
	pcpu_free(m, ptr);
}

/* Unit-0 address of ptr (static or dynamic), or NULL after a report. */
static void *percpu_base(kmm_machine *m, const void *ptr, const char *sec_start,
			 const char *sec_end, const char *caller)
{
	const char *p = ptr;

	if (sec_start && p >= sec_start && p < sec_end)
		return pcpu_static_ptr(m, ptr, sec_start, sec_end);
	if (likely(pcpu_addr_valid(m, ptr)))
		return (void *)ptr;
	kmm_report_bad_call(m,
			    "%s: %p is neither a per-CPU allocation nor a DEFINE_PER_CPU "
			    "variable",
			    caller, ptr);
	return NULL;
}

void *kmm_per_cpu_ptr(kmm_machine *m, const void *ptr, int cpu, const char *sec_start,
		      const char *sec_end)
{
	void *base;

	if (unlikely(cpu < 0 || cpu >= m->nr_cpus)) {
		kmm_report_bad_call(m, "per_cpu_ptr: cpu %d does not exist (cpus 0-%d)", cpu,
				    m->nr_cpus - 1);
		return NULL;
	}
	base = percpu_base(m, ptr, sec_start, sec_end, "per_cpu_ptr");
	return base ? per_cpu_ptr_m(m, base, cpu) : NULL;
}

void *kmm_get_cpu_ptr(kmm_machine *m, const void *ptr, const char *sec_start, const char *sec_end)
{
	void *base = percpu_base(m, ptr, sec_start, sec_end, "get_cpu_ptr");
	int cpu = kmm_get_cpu(m);

	/* Even for a bad pointer the CPU is owned: the caller's put_cpu releases it. */
	return base ? per_cpu_ptr_m(m, base, cpu) : NULL;
}
