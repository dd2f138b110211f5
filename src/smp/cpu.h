/* SPDX-License-Identifier: MIT */
/*
 * smp/cpu.h - which of the machine's CPUs the calling thread runs on.
 *
 * A machine has nr_cpus simulated CPUs; host threads are mapped onto them.
 * kmm_this_cpu() gives the CPU whose per-CPU data the caller should use.
 * It is only a placement hint: nothing here pins the thread, so per-CPU
 * data is always protected by its own lock (see docs/smp.md).
 */
#ifndef KMM_SMP_CPU_H
#define KMM_SMP_CPU_H

#include "machine.h"
#include "platform/platform.h"

static inline int kmm_this_cpu(const struct kmm_machine *m)
{
	return (int)(kmm_os_cpu_hint() % (unsigned int)m->nr_cpus);
}

static inline int cpu_to_node_m(const struct kmm_machine *m, int cpu)
{
	return m->cpu_to_node[cpu];
}

#endif /* KMM_SMP_CPU_H */
