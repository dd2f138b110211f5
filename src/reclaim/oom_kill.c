/* SPDX-License-Identifier: MIT */
/*
 * reclaim/oom_kill.c - the out-of-memory path (mm/oom_kill.c): the OOM
 * notifier chain, the program's victim callback (its own "kill"),
 * panic_on_oom, and the kernel's report.
 *
 * out_of_memory, called by the page allocator with oom_lock held once
 * reclaim has given up (page_alloc.c, __alloc_pages_may_oom):
 *   1. the OOM notifiers run; any pages they free end it (the allocation
 *      retries without a kill);
 *   2. an allocation without __GFP_FS gets "progress" without a kill (the
 *      kernel: the OOM killer does not compensate for IO-less reclaim) and
 *      waits for memory to be freed before it retries (page_alloc.c gives
 *      up when the wait saw no free and no kswapd can make progress);
 *   3. panic_on_oom (machine key): 2 always, 1 unless the allocation was
 *      constrained to a nodemask: the report, then "Kernel panic - not
 *      syncing: Out of memory: ... panic_on_oom is enabled" and
 *      kmm_os_abort();
 *   4. the report (dump_header): "<comm> invoked oom-killer: gfp_mask=...,
 *      order=N, oom_score_adj=0", "COMPACTION is disabled!!!" for order >
 *      0 on a machine booted with compaction=0 (Linux prints it when built
 *      without CONFIG_COMPACTION), show_mem, the unreclaimable slab table;
 *   5. the victim callback frees memory and names its victim: the
 *      "oom-kill:constraint=..." line and "Out of memory: Killed process
 *      <pid> (<comm>) total-vm:..." follow, oom_kill is counted and
 *      waiting allocations are woken. No callback, or one with nothing to
 *      kill: "Out of memory and no killable processes..." and the
 *      allocation fails (the kernel panics: "System is deadlocked on
 *      memory").
 * Departures: no stack dump and no task table (kmm has no tasks); the
 * victim's rss is what the callback says it held.
 */
#include "log.h"
#include "reclaim/reclaim.h"
#include "slab/slab.h"

enum oom_constraint { CONSTRAINT_NONE, CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY };

static const char *const oom_constraint_text[] = {
	[CONSTRAINT_NONE] = "CONSTRAINT_NONE",
	[CONSTRAINT_CPUSET] = "CONSTRAINT_CPUSET",
	[CONSTRAINT_MEMORY_POLICY] = "CONSTRAINT_MEMORY_POLICY",
};

static enum oom_constraint constrained_alloc(struct kmm_machine *m, const struct oom_control *oc)
{
	uint64_t all = m->nr_nodes >= 64 ? ~0ull : (1ull << m->nr_nodes) - 1;

	if (oc->nodemask && (*oc->nodemask & all) != all)
		return CONSTRAINT_MEMORY_POLICY;
	return CONSTRAINT_NONE;
}

/* "%*pbl": a node list as ranges ("0-3,5"). */
static void print_nodelist(struct kmm_out *o, uint64_t mask, int nr)
{
	bool first = true;

	for (int i = 0; i < nr && i < 64; i++) {
		int j = i;

		if (!((mask >> i) & 1))
			continue;
		while (j + 1 < nr && j + 1 < 64 && ((mask >> (j + 1)) & 1))
			j++;
		if (j > i)
			kmm_out_printf(o, "%s%d-%d", first ? "" : ",", i, j);
		else
			kmm_out_printf(o, "%s%d", first ? "" : ",", i);
		first = false;
		i = j;
	}
}

static void dump_unreclaimable_slab(struct kmm_machine *m, struct kmm_out *o)
{
	struct kmm_slab *ss = m->slab;
	struct kmm_slab_info info;

	if (!ss)
		return;
	if (!kmm_spin_trylock(&ss->slab_mutex)) {
		kmm_out_printf(o, "excessive unreclaimable slab but cannot dump stats\n");
		return;
	}
	kmm_out_printf(o, "Unreclaimable slab info:\n");
	kmm_out_printf(o, "Name                      Used          Total\n");
	for (struct kmem_cache *s = ss->caches; s; s = s->next) {
		if (s->flags & SLAB_RECLAIM_ACCOUNT)
			continue;
		slab_cache_info(s, &info);
		if (info.num_objs > 0)
			kmm_out_printf(o, "%-17s %10luKB %10luKB\n", info.name,
				       info.active_objs * info.objsize / 1024,
				       info.num_objs * info.objsize / 1024);
	}
	kmm_spin_unlock(&ss->slab_mutex);
}

static void dump_header(struct kmm_machine *m, struct kmm_out *o, const struct oom_control *oc)
{
	char comm[32], flags[256];
	struct kmm_meminfo_extra slab = { 0, 0 };

	kmm_os_task_name(comm, sizeof(comm));
	kmm_format_gfp(flags, sizeof(flags), oc->gfp_mask);
	kmm_out_printf(o, "%s invoked oom-killer: gfp_mask=%#x(%s), order=%d, oom_score_adj=%d\n",
		       comm, oc->gfp_mask, flags, oc->order, 0);
	if (oc->order && !m->desc.compaction) /* Linux: a kernel built without compaction */
		kmm_out_printf(o, "COMPACTION is disabled!!!\n");
	show_mem(m, o, true, oc->nodemask, gfp_zone(oc->gfp_mask)); /* SHOW_MEM_FILTER_NODES */
	/* should_dump_unreclaim_slab: unreclaimable slab above the LRU pages (kmm has none) */
	if (m->meminfo_extra)
		m->meminfo_extra(m, &slab);
	if (slab.slab_unreclaimable_pages > 0)
		dump_unreclaimable_slab(m, o);
}

static void dump_oom_victim(struct kmm_machine *m, struct kmm_out *o, const struct oom_control *oc,
			    enum oom_constraint constraint, const struct kmm_oom_victim *v)
{
	uint64_t all = m->nr_nodes >= 64 ? ~0ull : (1ull << m->nr_nodes) - 1;

	kmm_out_printf(o, "oom-kill:constraint=%s,nodemask=", oom_constraint_text[constraint]);
	if (oc->nodemask)
		print_nodelist(o, *oc->nodemask, m->nr_nodes);
	else
		kmm_out_printf(o, "(null)");
	kmm_out_printf(o, ",cpuset=/,mems_allowed=");
	print_nodelist(o, all, m->nr_nodes);
	kmm_out_printf(o, ",global_oom,task_memcg=/,task=%s,pid=%d,uid=%u\n", v->comm, v->pid, 0u);
}

bool out_of_memory(struct kmm_machine *m, const struct oom_control *oc, bool *victim_exiting)
{
	struct kmm_reclaim *r = m->reclaim;
	struct oom_notifier chain[OOM_NOTIFIERS_MAX];
	enum oom_constraint constraint;
	struct kmm_oom_victim victim;
	unsigned long freed = 0;
	kmm_oom_victim_fn fn;
	struct kmm_out o;
	void *ctx;

	*victim_exiting = false;
	kmm_spin_lock(&r->notifier_lock);
	kmm_memcpy(chain, r->notifiers, sizeof(chain));
	fn = r->victim_fn;
	ctx = r->victim_ctx;
	kmm_spin_unlock(&r->notifier_lock);
	for (int i = 0; i < OOM_NOTIFIERS_MAX; i++)
		if (chain[i].fn)
			chain[i].fn(chain[i].ctx, 0, &freed);
	if (freed > 0)
		return true;
	/*
	 * The OOM killer does not compensate for IO-less reclaim: wait for
	 * memory, retry (the allocator gives up when nobody can free: see
	 * alloc_pages_may_oom).
	 */
	if (!(oc->gfp_mask & __GFP_FS)) {
		*victim_exiting = true;
		return true;
	}
	constraint = constrained_alloc(m, oc);
	if (m->desc.panic_on_oom == 2 ||
	    (m->desc.panic_on_oom == 1 && constraint == CONSTRAINT_NONE)) {
		kmm_log_begin(m, &o);
		dump_header(m, &o, oc);
		kmm_out_printf(&o,
			       "Kernel panic - not syncing: Out of memory: %s panic_on_oom is "
			       "enabled\n",
			       m->desc.panic_on_oom == 2 ? "compulsory" : "system-wide");
		kmm_log_end(m, &o);
		kmm_os_abort();
	}
	kmm_memset(&victim, 0, sizeof(victim));
	kmm_log_begin(m, &o);
	dump_header(m, &o, oc);
	kmm_log_end(m, &o);
	freed = fn ? fn(ctx, oc, &victim) : 0;
	kmm_log_begin(m, &o);
	if (!freed) {
		kmm_out_printf(&o, "Out of memory and no killable processes...\n");
		kmm_log_end(m, &o);
		return false;
	}
	if (!victim.comm[0])
		kmm_strlcpy(victim.comm, "victim", sizeof(victim.comm));
	dump_oom_victim(m, &o, oc, constraint, &victim);
	kmm_out_printf(&o,
		       "%s: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, "
		       "file-rss:%lukB, shmem-rss:%lukB, UID:%u pgtables:%lukB "
		       "oom_score_adj:%d\n",
		       "Out of memory", victim.pid, victim.comm,
		       victim.rss_pages << (m->page_shift - 10),
		       victim.rss_pages << (m->page_shift - 10), 0ul, 0ul, 0u, 0ul, 0);
	kmm_log_end(m, &o);
	count_vm_event(m, OOM_KILL);
	__atomic_add_fetch(&r->oom_kills, 1, __ATOMIC_RELAXED);
	*victim_exiting = freed == KMM_OOM_VICTIM_EXITING;
	reclaim_wake_waiters(m);
	return true;
}

void warn_nofail_order(struct kmm_machine *m, gfp_t gfp, unsigned int order)
{
	struct kmm_reclaim *r = m->reclaim;
	char flags[256];

	if (!r || __atomic_exchange_n(&r->nofail_warned, true, __ATOMIC_RELAXED))
		return;
	kmm_format_gfp(flags, sizeof(flags), gfp);
	kmm_log(m,
		"kmm: WARNING: __GFP_NOFAIL allocation of order %u, mode:%#x(%s): the kernel "
		"warns for __GFP_NOFAIL above order 1 (rmqueue)\n",
		order, gfp, flags);
}

/* ---- public ---------------------------------------------------------------------- */

void kmm_set_oom_victim(kmm_machine *m, kmm_oom_victim_fn fn, void *ctx)
{
	struct kmm_reclaim *r = m->reclaim;

	kmm_spin_lock(&r->notifier_lock);
	r->victim_fn = fn;
	r->victim_ctx = ctx;
	kmm_spin_unlock(&r->notifier_lock);
}

int kmm_register_oom_notifier(kmm_machine *m, kmm_oom_notifier_fn fn, void *ctx)
{
	struct kmm_reclaim *r = m->reclaim;
	int ret = KMM_ENOMEM;

	if (!fn)
		return KMM_EINVAL;
	kmm_spin_lock(&r->notifier_lock);
	for (int i = 0; i < OOM_NOTIFIERS_MAX; i++) {
		if (r->notifiers[i].fn == fn && r->notifiers[i].ctx == ctx) {
			ret = KMM_EINVAL;
			break;
		}
	}
	for (int i = 0; ret == KMM_ENOMEM && i < OOM_NOTIFIERS_MAX; i++) {
		if (!r->notifiers[i].fn) {
			r->notifiers[i].fn = fn;
			r->notifiers[i].ctx = ctx;
			ret = KMM_OK;
		}
	}
	kmm_spin_unlock(&r->notifier_lock);
	return ret;
}

int kmm_unregister_oom_notifier(kmm_machine *m, kmm_oom_notifier_fn fn, void *ctx)
{
	struct kmm_reclaim *r = m->reclaim;
	int ret = KMM_EINVAL;

	kmm_spin_lock(&r->notifier_lock);
	for (int i = 0; i < OOM_NOTIFIERS_MAX; i++) {
		if (fn && r->notifiers[i].fn == fn && r->notifiers[i].ctx == ctx) {
			r->notifiers[i].fn = NULL;
			r->notifiers[i].ctx = NULL;
			ret = KMM_OK;
			break;
		}
	}
	kmm_spin_unlock(&r->notifier_lock);
	return ret;
}

int kmm_out_of_memory(kmm_machine *m, const struct oom_control *oc)
{
	struct kmm_reclaim *r = m->reclaim;
	bool exiting, ret;

	if (!oc || oc->order < 0 || oc->order > MAX_ORDER) {
		kmm_report_bad_call(m, "out_of_memory: invalid oom_control");
		return 0;
	}
	kmm_spin_lock(&r->oom_lock);
	ret = out_of_memory(m, oc, &exiting);
	kmm_spin_unlock(&r->oom_lock);
	return ret;
}
