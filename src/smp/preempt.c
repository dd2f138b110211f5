/* SPDX-License-Identifier: MIT */
/*
 * smp/preempt.c - get_cpu / put_cpu: what "preemption disabled" means in
 * user space.
 *
 * In the kernel, get_cpu() disables preemption, so until put_cpu() the
 * task stays on its CPU and no other task runs there: it has that CPU's
 * per-CPU data to itself. A user thread cannot stop the host scheduler, so
 * kmm gives each machine CPU a lock (struct cpu_state, a per-CPU object)
 * and get_cpu takes the lock of the CPU the thread runs on:
 *
 *  - Between kmm_get_cpu and kmm_put_cpu the thread owns CPU c (the value
 *    returned): no other thread of this machine is between get_cpu and
 *    put_cpu on c. The host may still move the thread to another host CPU;
 *    it keeps owning c, and smp_processor_id() keeps answering c.
 *  - Nesting: get_cpu inside get_cpu returns the same c and only counts;
 *    the lock is dropped by the put_cpu that balances the first get_cpu.
 *    A thread may own one CPU of each of up to KMM_CPU_HOLDS machines.
 *  - Another thread that wants c waits (spins, then yields), so do not
 *    block or wait for another thread while owning a CPU, as in the
 *    kernel one must not sleep with preemption disabled.
 *  - It does not keep other threads off c's page lists (page/pcp.c has its
 *    own per-CPU locks) nor off per_cpu(var, c) accessed by CPU number;
 *    the this_cpu_* operations of <kmm/percpu.h> do take it.
 *
 * Which CPU a thread owns is kept in per-thread words (kmm_os_thread_words):
 * KMM_CPU_HOLDS triples {machine, cpu, depth}.
 */
#include <kmm/percpu.h> /* the public declarations: exported, not hidden */

#include "page/internal.h"
#include "percpu/percpu.h"
#include "smp/cpu_lock.h"

#define KMM_CPU_HOLDS 5 /* in thread words 0..14; lib/lockdep.c uses 16 on */

struct cpu_state {
	kmm_cpu_lock lock;
};

struct cpu_hold {
	uintptr_t machine;
	uintptr_t cpu;
	uintptr_t depth;
};

_Static_assert(KMM_CPU_HOLDS * sizeof(struct cpu_hold) <= KMM_OS_THREAD_WORDS * sizeof(uintptr_t),
	       "the holds must fit in the thread words");

static inline struct cpu_hold *thread_holds(void)
{
	return (struct cpu_hold *)(void *)kmm_os_thread_words();
}

static struct cpu_hold *find_hold(const struct kmm_machine *m)
{
	struct cpu_hold *h = thread_holds();

	for (int i = 0; i < KMM_CPU_HOLDS; i++)
		if (h[i].machine == (uintptr_t)m && h[i].depth)
			return &h[i];
	return NULL;
}

static inline kmm_cpu_lock *cpu_state_lock(const struct kmm_machine *m, int cpu)
{
	return &((struct cpu_state *)per_cpu_ptr_m(m, m->cpu_state, cpu))->lock;
}

int preempt_init(struct kmm_machine *m)
{
	m->cpu_state = pcpu_alloc(m, sizeof(struct cpu_state), sizeof(struct cpu_state), true);
	return m->cpu_state ? KMM_OK : KMM_ENOMEM;
}

int preempt_held_cpu(const struct kmm_machine *m)
{
	const struct cpu_hold *h = find_hold(m);

	return h ? (int)h->cpu : -1;
}

/* Take the get_cpu lock of the CPU this thread runs on; returns that CPU. */
static int lock_this_cpu(struct kmm_machine *m)
{
	for (unsigned int spins = 0;; spins++) {
		int cpu = smp_local_cpu(m);

		if (unlikely(cpu < 0)) {
			cpu = kmm_this_cpu(m);
			cpu_lock_remote(m, cpu_state_lock(m, cpu), cpu);
			return cpu;
		}
		switch (cpu_trylock_local(m, cpu_state_lock(m, cpu), cpu)) {
		case CPU_LOCK_TAKEN:
			return cpu;
		case CPU_LOCK_MOVED:
			break;
		case CPU_LOCK_BUSY:
			cpu_lock_backoff(spins);
			break;
		}
	}
}

int kmm_get_cpu(kmm_machine *m)
{
	struct cpu_hold *h = find_hold(m);
	int cpu;

	if (h) {
		h->depth++;
		return (int)h->cpu;
	}
	h = thread_holds();
	for (int i = 0; i < KMM_CPU_HOLDS; i++, h++)
		if (!h->depth)
			break;
	if (h == thread_holds() + KMM_CPU_HOLDS) {
		kmm_report_bad_call(m, "get_cpu: this thread already owns a CPU of %d machines",
				    KMM_CPU_HOLDS);
		return kmm_this_cpu(m);
	}
	cpu = lock_this_cpu(m);
	kmm_lockdep_acquire(cpu_state_lock(m, cpu), KMM_LOCK_GET_CPU, false, KMM_SITE);
	h->machine = (uintptr_t)m;
	h->cpu = (uintptr_t)cpu;
	h->depth = 1;
	return cpu;
}

void kmm_put_cpu(kmm_machine *m)
{
	struct cpu_hold *h = find_hold(m);

	if (unlikely(!h)) {
		kmm_report_bad_call(m, "put_cpu: this thread owns no CPU (no matching get_cpu)");
		return;
	}
	if (--h->depth == 0) {
		int cpu = (int)h->cpu;

		h->machine = 0;
		kmm_lockdep_release(cpu_state_lock(m, cpu), KMM_LOCK_GET_CPU, KMM_SITE);
		cpu_unlock(cpu_state_lock(m, cpu));
	}
}
