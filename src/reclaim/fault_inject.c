/* SPDX-License-Identifier: MIT */
/*
 * reclaim/fault_inject.c - Linux's fault injection for the page allocator
 * and the slab allocator (lib/fault-inject.c, mm/fail_page_alloc.c,
 * mm/failslab.c; Documentation/fault-injection/fault-injection.rst).
 *
 * Two attribute sets, fail_page_alloc and failslab, set at boot with the
 * kernel's syntax (machine keys fail_page_alloc=<interval>,<probability>,
 * <space>,<times> and failslab=...) and changed at run time through
 * kmm_fault_attr_set with the names of their debugfs files. The decision
 * (should_fail_ex), in the kernel's order:
 *   probability 0 -> never; times 0 -> no more failures;
 *   space > size  -> space -= size, no failure (the first bytes are spared);
 *   interval > 1  -> only every interval-th call that got this far;
 *   then fail with probability percent;
 *   a failure prints "FAULT_INJECTION: forcing a failure." with the
 *   attributes when verbose (rate limited, verbose_ratelimit_*; not for
 *   __GFP_NOWARN) and uses up one of `times` (unless -1).
 * The filters before it: fail_page_alloc spares orders below min-order,
 * __GFP_NOFAIL, __GFP_HIGHMEM (ignore-gfp-highmem) and allocations that
 * may reclaim (ignore-gfp-wait); failslab spares __GFP_NOFAIL, reclaiming
 * allocations (ignore-gfp-wait), the boot cache of struct kmem_cache, and
 * with cache-filter every cache not opted in (kmm_kmem_cache_set_failslab,
 * the kernel's /sys/kernel/slab/<cache>/failslab).
 *
 * An injected failure is a failure like any other for the caller: the
 * allocation returns NULL at once (the kernel's prepare_alloc_pages and
 * slab_pre_alloc_hook), without reclaim, the allocation-failure warning
 * or the OOM killer - as in the kernel. task-filter is accepted and
 * ignored (kmm has no per-task make-it-fail); stacktrace filters do not
 * exist.
 *
 * The random numbers are a per-attribute xorshift, seeded from the
 * attribute's name: runs are reproducible.
 */
#include "log.h"
#include "reclaim/reclaim.h"
#include "slab/slab.h"

#define FAULT_ARMED_PAGE 1u
#define FAULT_ARMED_SLAB 2u

static void attr_defaults(struct fault_attr *a, const char *name, uint64_t seed)
{
	kmm_memset(a, 0, sizeof(*a));
	kmm_spin_init_class(&a->lock, KMM_LOCK_FAULT_ATTR);
	a->name = name;
	a->interval = 1;
	a->times = 1;
	a->verbose = 2;
	a->ratelimit_interval_ms = 5000;
	a->ratelimit_burst = 10;
	a->ignore_gfp_reclaim = true;
	a->rand = seed;
}

static void apply_boot(struct fault_attr *a, const struct kmm_fault_desc *d)
{
	if (!d->set)
		return;
	a->interval = d->interval;
	a->probability = d->probability;
	a->space = d->space;
	a->times = d->times;
}

static void update_armed(struct kmm_machine *m)
{
	struct kmm_reclaim *r = m->reclaim;
	uint8_t armed = 0;

	if (READ_ONCE(r->fault[KMM_FAULT_PAGE_ALLOC].probability))
		armed |= FAULT_ARMED_PAGE;
	if (READ_ONCE(r->fault[KMM_FAULT_SLAB].probability))
		armed |= FAULT_ARMED_SLAB;
	__atomic_store_n(&m->fault_armed, armed, __ATOMIC_RELAXED);
}

void fault_init(struct kmm_machine *m)
{
	struct kmm_reclaim *r = m->reclaim;
	struct fault_attr *pa = &r->fault[KMM_FAULT_PAGE_ALLOC], *sa = &r->fault[KMM_FAULT_SLAB];

	attr_defaults(pa, "fail_page_alloc", 0x9e3779b97f4a7c15ull);
	pa->ignore_gfp_highmem = true;
	pa->min_order = 1;
	attr_defaults(sa, "failslab", 0xd1b54a32d192ed03ull);
	apply_boot(pa, &m->desc.fail_page_alloc);
	apply_boot(sa, &m->desc.failslab);
}

/* Boot is over (the last late-init row): the boot-time attributes take effect. */
void fault_arm(struct kmm_machine *m)
{
	update_armed(m);
}

static uint64_t attr_rand(struct fault_attr *a)
{
	uint64_t x = a->rand;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	a->rand = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static bool ratelimit_ok(struct fault_attr *a)
{
	uint64_t now = kmm_os_now_ns();

	if (!a->ratelimit_interval_ms)
		return true;
	if (!a->rl_window_ns || now - a->rl_window_ns >= a->ratelimit_interval_ms * 1000000ull) {
		a->rl_window_ns = now;
		a->rl_count = 0;
	}
	return a->rl_count++ < a->ratelimit_burst;
}

/* should_fail_ex; size in bytes (pages for fail_page_alloc: 1 << order). */
static bool should_fail(struct kmm_machine *m, struct fault_attr *a, long size, bool nowarn)
{
	bool fail = false, dump = false;
	unsigned long interval, probability;
	long space, times;

	kmm_spin_lock(&a->lock);
	if (a->probability == 0 || a->times == 0)
		goto out;
	if (a->space > size) {
		a->space -= size;
		goto out;
	}
	if (a->interval > 1) {
		a->count++;
		if (a->count % a->interval)
			goto out;
	}
	if (a->probability <= attr_rand(a) % 100)
		goto out;
	fail = true;
	a->injected++;
	dump = !nowarn && a->verbose > 0 && ratelimit_ok(a);
	if (a->times != -1)
		a->times--;
out:
	interval = a->interval;
	probability = a->probability;
	space = a->space;
	times = a->times;
	kmm_spin_unlock(&a->lock);
	if (dump)
		kmm_log(m,
			"FAULT_INJECTION: forcing a failure.\nname %s, interval %lu, probability "
			"%lu, space %ld, times %ld\n",
			a->name, interval, probability, space, times);
	return fail;
}

bool should_fail_alloc_page(struct kmm_machine *m, gfp_t gfp, unsigned int order)
{
	struct fault_attr *a;

	if (!m->reclaim)
		return false;
	a = &m->reclaim->fault[KMM_FAULT_PAGE_ALLOC];
	if (order < READ_ONCE(a->min_order))
		return false;
	if (gfp & __GFP_NOFAIL)
		return false;
	if (READ_ONCE(a->ignore_gfp_highmem) && (gfp & __GFP_HIGHMEM))
		return false;
	if (READ_ONCE(a->ignore_gfp_reclaim) && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	return should_fail(m, a, 1l << order, gfp & __GFP_NOWARN);
}

bool should_failslab(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp)
{
	struct fault_attr *a;

	if (!m->reclaim || !m->slab || s == m->slab->kmem_cache)
		return false;
	a = &m->reclaim->fault[KMM_FAULT_SLAB];
	if (gfp & __GFP_NOFAIL)
		return false;
	if (READ_ONCE(a->ignore_gfp_reclaim) && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	if (READ_ONCE(a->cache_filter) && !(READ_ONCE(s->flags) & SLAB_FAILSLAB))
		return false;
	return should_fail(m, a, (long)s->object_size, gfp & __GFP_NOWARN);
}

/* ---- the debugfs attributes ------------------------------------------------------ */

enum attr_id {
	A_PROBABILITY,
	A_INTERVAL,
	A_TIMES,
	A_SPACE,
	A_VERBOSE,
	A_RL_INTERVAL,
	A_RL_BURST,
	A_TASK_FILTER,
	A_IGNORE_WAIT,
	A_IGNORE_HIGHMEM,
	A_MIN_ORDER,
	A_CACHE_FILTER,
};

static const struct {
	const char *name;
	enum attr_id id;
	long lo, hi;
	unsigned int which; /* bit per enum kmm_fault */
} attrs[] = {
	{ "probability", A_PROBABILITY, 0, 100, 3 },
	{ "interval", A_INTERVAL, 0, 0x7fffffffl, 3 },
	{ "times", A_TIMES, -1, 0x7fffffffl, 3 },
	{ "space", A_SPACE, 0, 0x7fffffffl, 3 },
	{ "verbose", A_VERBOSE, 0, 2, 3 },
	{ "verbose_ratelimit_interval_ms", A_RL_INTERVAL, 0, 0x7fffffffl, 3 },
	{ "verbose_ratelimit_burst", A_RL_BURST, 0, 0x7fffffffl, 3 },
	{ "task-filter", A_TASK_FILTER, 0, 1, 3 },
	{ "ignore-gfp-wait", A_IGNORE_WAIT, 0, 1, 3 },
	{ "ignore-gfp-highmem", A_IGNORE_HIGHMEM, 0, 1, 1u << KMM_FAULT_PAGE_ALLOC },
	{ "min-order", A_MIN_ORDER, 0, KMM_MAX_ORDER + 1, 1u << KMM_FAULT_PAGE_ALLOC },
	{ "cache-filter", A_CACHE_FILTER, 0, 1, 1u << KMM_FAULT_SLAB },
};

static int find_attr(kmm_machine *m, enum kmm_fault which, const char *name, const char *caller)
{
	if (!m || !m->reclaim || (unsigned int)which >= KMM_NR_FAULTS || !name) {
		if (m)
			kmm_report_bad_call(m, "%s: no such fault-injection set", caller);
		return -1;
	}
	for (int i = 0; i < (int)ARRAY_SIZE(attrs); i++)
		if (kmm_strcmp(attrs[i].name, name) == 0 && (attrs[i].which >> which) & 1)
			return i;
	kmm_report_bad_call(m, "%s: %s has no attribute '%s'", caller,
			    m->reclaim->fault[which].name, name);
	return -1;
}

int kmm_fault_attr_set(kmm_machine *m, enum kmm_fault which, const char *name, long value)
{
	int i = find_attr(m, which, name, "fault_attr_set");
	struct fault_attr *a;

	if (i < 0)
		return KMM_EINVAL;
	if (value < attrs[i].lo || value > attrs[i].hi) {
		kmm_report_bad_call(m, "fault_attr_set: %s/%s: %ld is out of range (%ld..%ld)",
				    m->reclaim->fault[which].name, name, value, attrs[i].lo,
				    attrs[i].hi);
		return KMM_EINVAL;
	}
	a = &m->reclaim->fault[which];
	kmm_spin_lock(&a->lock);
	switch (attrs[i].id) {
	case A_PROBABILITY:
		WRITE_ONCE(a->probability, (unsigned long)value);
		break;
	case A_INTERVAL:
		a->interval = (unsigned long)value;
		break;
	case A_TIMES:
		a->times = value;
		break;
	case A_SPACE:
		a->space = value;
		break;
	case A_VERBOSE:
		a->verbose = (unsigned long)value;
		break;
	case A_RL_INTERVAL:
		a->ratelimit_interval_ms = (unsigned long)value;
		break;
	case A_RL_BURST:
		a->ratelimit_burst = (unsigned long)value;
		break;
	case A_TASK_FILTER:
		a->task_filter = value;
		break;
	case A_IGNORE_WAIT:
		WRITE_ONCE(a->ignore_gfp_reclaim, value != 0);
		break;
	case A_IGNORE_HIGHMEM:
		WRITE_ONCE(a->ignore_gfp_highmem, value != 0);
		break;
	case A_MIN_ORDER:
		WRITE_ONCE(a->min_order, (unsigned int)value);
		break;
	case A_CACHE_FILTER:
		WRITE_ONCE(a->cache_filter, value != 0);
		break;
	}
	kmm_spin_unlock(&a->lock);
	update_armed(m);
	return KMM_OK;
}

int kmm_fault_attr_get(kmm_machine *m, enum kmm_fault which, const char *name, long *value)
{
	int i = find_attr(m, which, name, "fault_attr_get");
	struct fault_attr *a;
	long v = 0;

	if (i < 0 || !value)
		return KMM_EINVAL;
	a = &m->reclaim->fault[which];
	kmm_spin_lock(&a->lock);
	switch (attrs[i].id) {
	case A_PROBABILITY:
		v = (long)a->probability;
		break;
	case A_INTERVAL:
		v = (long)a->interval;
		break;
	case A_TIMES:
		v = a->times;
		break;
	case A_SPACE:
		v = a->space;
		break;
	case A_VERBOSE:
		v = (long)a->verbose;
		break;
	case A_RL_INTERVAL:
		v = (long)a->ratelimit_interval_ms;
		break;
	case A_RL_BURST:
		v = (long)a->ratelimit_burst;
		break;
	case A_TASK_FILTER:
		v = a->task_filter;
		break;
	case A_IGNORE_WAIT:
		v = a->ignore_gfp_reclaim;
		break;
	case A_IGNORE_HIGHMEM:
		v = a->ignore_gfp_highmem;
		break;
	case A_MIN_ORDER:
		v = (long)a->min_order;
		break;
	case A_CACHE_FILTER:
		v = a->cache_filter;
		break;
	}
	kmm_spin_unlock(&a->lock);
	*value = v;
	return KMM_OK;
}

int kmm_kmem_cache_set_failslab(kmm_machine *m, struct kmem_cache *s, int on)
{
	if (!slab_cache_valid(m, s)) {
		kmm_report_bad_call(m, "kmem_cache_set_failslab: %p is not a cache of this machine",
				    (void *)s);
		return KMM_EINVAL;
	}
	if (on)
		__atomic_or_fetch(&s->flags, SLAB_FAILSLAB, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&s->flags, ~(slab_flags_t)SLAB_FAILSLAB, __ATOMIC_RELAXED);
	return KMM_OK;
}

unsigned long kmm_fault_injected(kmm_machine *m, enum kmm_fault which)
{
	struct fault_attr *a;
	unsigned long n;

	if (!m || !m->reclaim || (unsigned int)which >= KMM_NR_FAULTS)
		return 0;
	a = &m->reclaim->fault[which];
	kmm_spin_lock(&a->lock);
	n = a->injected;
	kmm_spin_unlock(&a->lock);
	return n;
}
