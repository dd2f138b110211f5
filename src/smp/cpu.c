/* SPDX-License-Identifier: MIT */
/*
 * smp/cpu.c - the CPU model at boot and the slow paths of per-CPU locks.
 *
 * smp_init (one row of the late-init table, boot/late_init.c) chooses the
 * mode (cpu.h), then brings up, in order, the per-CPU allocator
 * (percpu/alloc.c) and the get_cpu locks (smp/preempt.c). The per-CPU page
 * lists are the next row of the table (page/pcp.c).
 *
 * rseq mode needs: an rseq area the core has code for (x86_64, not under
 * ThreadSanitizer), working rseq fences, a CPU number in this thread's
 * area, and every host CPU number below nr_cpus, so that machine CPU c is
 * host CPU c and only threads on host CPU c take CPU c's locks locally.
 * Otherwise the machine runs in CAS mode. Either way the host CPU number
 * is read from the rseq area when there is one (cheaper than a call).
 */
#include "page/internal.h"
#include "percpu/percpu.h"
#include "smp/cpu_lock.h"

#define CPU_LOCK_SPINS_BEFORE_YIELD 64

static void smp_choose_mode(struct kmm_machine *m, const struct kmm_os_smp *caps)
{
	m->smp_mode = KMM_SMP_CAS;
	m->rseq_offset = 0;
	if (!KMM_HAVE_RSEQ || caps->rseq_size < 20 || caps->rseq_offset == 0)
		return;
	/* The kernel writes -1 (uninitialised) or -2 (failed) when it keeps no CPU number. */
	if (rseq_cpu_id(caps->rseq_offset) >= 0x80000000u)
		return;
	m->rseq_offset = caps->rseq_offset;
	if (caps->rseq_fence && caps->host_cpus <= m->nr_cpus)
		m->smp_mode = KMM_SMP_RSEQ;
}

/*
 * The slots of the per-CPU arrays (cpu.h, smp_local_slot): one per machine
 * CPU, and in CAS mode one more for each host CPU beyond them (up to
 * KMM_MAX_CPUS), with its machine CPU's node. rseq mode has exactly
 * nr_cpus: host CPU c is machine CPU c.
 */
static void smp_setup_slots(struct kmm_machine *m, const struct kmm_os_smp *smp)
{
	int slots = m->nr_cpus;

	if (m->smp_mode == KMM_SMP_CAS)
		slots = MAX(slots, MIN(smp->host_cpus, KMM_MAX_CPUS));
	for (int s = m->nr_cpus; s < slots; s++)
		m->cpu_to_node[s] = m->cpu_to_node[s % m->nr_cpus];
	m->nr_slots = slots;
}

int smp_init(struct kmm_machine *m)
{
	struct kmm_os_smp smp;
	int ret;

	kmm_os_smp_caps(&smp);
	smp_choose_mode(m, &smp);
	smp_setup_slots(m, &smp);
	ret = percpu_init(m);
	if (!ret)
		ret = preempt_init(m);
	return ret;
}

const char *kmm_smp_mode(const kmm_machine *m)
{
	return m->smp_mode == KMM_SMP_RSEQ ? "rseq" : "cas";
}

void cpu_lock_backoff(unsigned int spins)
{
	if (spins < CPU_LOCK_SPINS_BEFORE_YIELD)
		cpu_relax();
	else
		kmm_os_yield();
}

void cpu_lock_remote(struct kmm_machine *m, kmm_cpu_lock *l, int cpu)
{
	/* A tag no other thread uses: the address of this thread's words. */
	uintptr_t tag =
		m->smp_mode == KMM_SMP_RSEQ ? (uintptr_t)kmm_os_thread_words() | 2 : CPU_LOCK_LOCAL;

	for (unsigned int spins = 0;; spins++) {
		uintptr_t expected = 0;

		if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == 0 &&
		    (fp_count_atomic(), true) &&
		    __atomic_compare_exchange_n(&l->owner, &expected, tag, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			if (m->smp_mode != KMM_SMP_RSEQ)
				return;
			/* Sequences running on cpu either committed (visible now) or restart. */
			if (kmm_os_rseq_fence(cpu) != 0)
				kmm_os_abort(); /* checked at boot; the lock would not exclude */
			if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == tag)
				return;
			/* a local owner committed over our tag: it holds the lock */
		}
		cpu_lock_backoff(spins);
	}
}

/* ---- public queries --------------------------------------------------------- */

int kmm_cpu_to_node(const kmm_machine *m, int cpu)
{
	if (cpu < 0 || cpu >= m->nr_cpus)
		return -1;
	return m->cpu_to_node[cpu];
}

int kmm_numa_node_id(kmm_machine *m)
{
	return m->cpu_to_node[kmm_smp_processor_id(m)];
}

int kmm_smp_processor_id(kmm_machine *m)
{
	int cpu = preempt_held_cpu(m);

	return cpu >= 0 ? cpu : kmm_this_cpu(m);
}
