/* SPDX-License-Identifier: MIT */
/*
 * percpu/static.c - static per-CPU variables (DEFINE_PER_CPU) of the
 * programs that link kmm.
 *
 * As in Linux, DEFINE_PER_CPU puts the variable into a dedicated ELF
 * section, here "kmm_percpu", and the linker brackets each module's copy
 * of that section with __start_kmm_percpu / __stop_kmm_percpu. The section
 * is only a template: the variable that per_cpu() reaches is a copy of it
 * per CPU, in the machine's per-CPU area. Linux copies .data..percpu for
 * every CPU at boot (setup_per_cpu_areas); kmm cannot see a program's
 * sections at boot, so the first access from a module to a machine makes
 * that machine's copies: an allocation of the section's size in every
 * unit, filled from the template (so initialisers apply to every CPU).
 * Each module (the executable and every shared object, which each have
 * their own section) is registered once per machine; lookups read the
 * registry without the lock, entries being published with a release store.
 *
 * Invariant: modules[0..nr_modules) are complete and never change.
 */
#include "log.h"
#include "page/internal.h"
#include "percpu/percpu.h"

static struct pcpu_module *pcpu_find_module(struct pcpu_state *pcpu, const char *start)
{
	int n = __atomic_load_n(&pcpu->nr_modules, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (pcpu->modules[i].start == start)
			return &pcpu->modules[i];
	return NULL;
}

static struct pcpu_module *pcpu_register_module(struct kmm_machine *m, const char *start,
						const char *end)
{
	struct pcpu_state *pcpu = m->pcpu;
	size_t size = (size_t)(end - start);
	struct pcpu_module *mod;
	char *copy;

	copy = pcpu_alloc(m, size, MIN(64ul, m->page_size), false);
	if (!copy)
		return NULL;
	for (int cpu = 0; cpu < m->nr_cpus; cpu++)
		kmm_memcpy(per_cpu_ptr_m(m, copy, cpu), start, size);
	kmm_spin_lock(&pcpu->lock);
	mod = pcpu_find_module(pcpu, start); /* another thread may have won */
	if (!mod && pcpu->nr_modules < PCPU_MAX_MODULES) {
		mod = &pcpu->modules[pcpu->nr_modules];
		mod->start = start;
		mod->end = end;
		mod->copy = copy;
		copy = NULL;
		__atomic_store_n(&pcpu->nr_modules, pcpu->nr_modules + 1, __ATOMIC_RELEASE);
	}
	kmm_spin_unlock(&pcpu->lock);
	if (copy)
		pcpu_free(m, copy);
	if (!mod)
		kmm_report_bad_call(m,
				    "DEFINE_PER_CPU: more than %d program modules have per-CPU "
				    "variables",
				    PCPU_MAX_MODULES);
	return mod;
}

void *pcpu_static_ptr(struct kmm_machine *m, const void *var, const char *start, const char *end)
{
	struct pcpu_module *mod = pcpu_find_module(m->pcpu, start);

	if (unlikely(!mod)) {
		mod = pcpu_register_module(m, start, end);
		if (!mod)
			return NULL;
	}
	return mod->copy + ((const char *)var - start);
}
