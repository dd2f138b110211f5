/* SPDX-License-Identifier: MIT */
/*
 * smp/cpu.h - the CPU model: which of the machine's CPUs a thread runs on.
 *
 * A machine has nr_cpus simulated CPUs, all possible and online (there is
 * no hotplug). A host thread runs "on" the CPU numbered like the host CPU
 * it is executing on, modulo nr_cpus: kmm_this_cpu() reads the host CPU
 * from the thread's rseq area when the host registers one (a load from the
 * thread's TLS, no system call), otherwise from kmm_os_cpu_hint()
 * (sched_getcpu). Nothing pins a thread: it may be preempted or migrated
 * right after the answer, so the answer is only a placement. Data that
 * belongs to a CPU is protected by a per-CPU lock (smp/cpu_lock.h), never
 * by the assumption that the thread stays put.
 *
 * The machine runs in one of two modes, chosen at boot (smp_init):
 *  - KMM_SMP_RSEQ: every host CPU number is below nr_cpus, the host has
 *    rseq and rseq fences. CPU c is exactly host CPU c; a thread on host
 *    CPU c takes CPU c's per-CPU locks with a restartable sequence.
 *  - KMM_SMP_CAS: anything else (more host CPUs than the machine has, no
 *    rseq, ThreadSanitizer builds, KMM_RSEQ=0). Several host CPUs may map
 *    to one machine CPU and per-CPU locks are compare-and-swap locks; the
 *    per-CPU arrays (pcp, slab) still give each host CPU a slot of its own
 *    (smp_local_slot), so host CPUs do not share them.
 * docs/smp.md compares the two and gives the measurements.
 *
 * Invariant: 0 <= kmm_this_cpu(m) < m->nr_cpus, for any thread, always.
 */
#ifndef KMM_SMP_CPU_H
#define KMM_SMP_CPU_H

#include "machine.h"
#include "platform/platform.h"
#include "smp/rseq.h"

enum kmm_smp_mode {
	KMM_SMP_CAS,
	KMM_SMP_RSEQ,
};

/* The host CPU this thread is executing on (any number; may be stale at once). */
static inline unsigned int smp_host_cpu(const struct kmm_machine *m)
{
#if KMM_HAVE_RSEQ
	if (likely(m->rseq_offset != 0)) {
		unsigned int cpu = rseq_cpu_id(m->rseq_offset);

		/* -1: a thread the host registers lazily, on its first visit */
		if (unlikely(cpu >= 0x80000000u) && kmm_os_rseq_thread_init() == 0)
			cpu = rseq_cpu_id(m->rseq_offset);
		return cpu;
	}
#endif
	return kmm_os_cpu_hint();
}

/* The machine CPU the calling thread runs on (smp_processor_id). */
static inline int kmm_this_cpu(const struct kmm_machine *m)
{
	unsigned int cpu = smp_host_cpu(m);

	if (likely(cpu < (unsigned int)m->nr_cpus))
		return (int)cpu;
	return (int)(cpu % (unsigned int)m->nr_cpus);
}

/*
 * The slot of the per-CPU arrays (pcp lists and hot arrays, slab arrays)
 * this thread uses, or -1. A slot is private to one host CPU: slot s <
 * nr_cpus is machine CPU s; in CAS mode a host CPU h at or above nr_cpus
 * has slot h of its own (m->nr_slots covers the host's CPUs, up to
 * KMM_MAX_CPUS), which belongs to machine CPU h % nr_cpus (smp_slot_cpu)
 * for draining, reporting and its node. So the fast paths never divide and
 * never share an array between host CPUs. -1: rseq mode on a host CPU the
 * machine has no CPU for, or a host CPU beyond KMM_MAX_CPUS in CAS mode;
 * the caller goes to the shared lists (buddy, node lists) instead.
 */
static inline int smp_local_slot(const struct kmm_machine *m)
{
	unsigned int cpu = smp_host_cpu(m);

	if (likely(cpu < (unsigned int)m->nr_slots))
		return (int)cpu;
	return -1;
}

/* The machine CPU a slot belongs to (slow paths: reports, local drains). */
static inline int smp_slot_cpu(const struct kmm_machine *m, int slot)
{
	return slot < m->nr_cpus ? slot : slot % m->nr_cpus;
}

/* The node of the host CPU this thread runs on (numa_node_id), without a division. */
static inline int smp_this_node(const struct kmm_machine *m)
{
	unsigned int cpu = smp_host_cpu(m);

	if (likely(cpu < (unsigned int)m->nr_slots))
		return m->cpu_to_node[cpu];
	return m->cpu_to_node[cpu % (unsigned int)m->nr_cpus];
}

/* Every slot of the per-CPU arrays; every slot of machine CPU cpu. */
#define for_each_slot_m(m, slot) for ((slot) = 0; (slot) < (m)->nr_slots; (slot)++)
#define for_each_cpu_slot_m(m, cpu, slot) \
	for ((slot) = (cpu); (slot) < (m)->nr_slots; (slot) += (m)->nr_cpus)

/*
 * The CPU whose per-CPU locks this thread may take with cpu_trylock_local,
 * or -1 in rseq mode when the thread executes on a host CPU the machine
 * has no CPU for (possible only if the host grew CPUs after boot): such a
 * thread must use cpu_lock_remote or do without per-CPU data.
 */
static inline int smp_local_cpu(const struct kmm_machine *m)
{
	unsigned int cpu = smp_host_cpu(m);

	if (likely(cpu < (unsigned int)m->nr_cpus))
		return (int)cpu;
	if (m->smp_mode == KMM_SMP_RSEQ)
		return -1;
	return (int)(cpu % (unsigned int)m->nr_cpus);
}

static inline int cpu_to_node_m(const struct kmm_machine *m, int cpu)
{
	return m->cpu_to_node[cpu];
}

#define for_each_possible_cpu_m(m, cpu) for ((cpu) = 0; (cpu) < (m)->nr_cpus; (cpu)++)

/* Boot: choose the mode, allocate the per-CPU areas and the page lists (late init). */
int smp_init(struct kmm_machine *m);

/* ---- preempt.c: get_cpu / put_cpu ------------------------------------------------ */

int preempt_init(struct kmm_machine *m);
/* The CPU this thread owns on m (between get_cpu and put_cpu), or -1. */
int preempt_held_cpu(const struct kmm_machine *m);

#endif /* KMM_SMP_CPU_H */
