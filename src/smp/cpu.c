/* SPDX-License-Identifier: MIT */
/*
 * smp/cpu.c - the public CPU and node queries (see cpu.h).
 */
#include "smp/cpu.h"

int kmm_cpu_to_node(const kmm_machine *m, int cpu)
{
	if (cpu < 0 || cpu >= m->nr_cpus)
		return -1;
	return m->cpu_to_node[cpu];
}

int kmm_numa_node_id(kmm_machine *m)
{
	return m->cpu_to_node[kmm_this_cpu(m)];
}

int kmm_smp_processor_id(kmm_machine *m)
{
	return kmm_this_cpu(m);
}
