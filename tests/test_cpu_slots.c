/* SPDX-License-Identifier: MIT */
/*
 * tests/test_cpu_slots.c - the slots of the per-CPU arrays in CAS mode
 * (smp/cpu.h, smp_local_slot): a host CPU numbered at or above nr_cpus
 * gets pcp lists, hot arrays and slab arrays of its own under its machine
 * CPU (h % nr_cpus), so host CPUs never share an array and the fast path
 * never divides. The test boots nr_cpus=1 on this (at least) 2-CPU host,
 * runs threads pinned to host CPUs 0 and 1 and checks: each host CPU's
 * pages and objects wait in its own slot; zoneinfo and kmm_zone_pcp_info
 * count both slots under CPU 0; kmm_check walks both (it sees damage in
 * the extra slot); drain_all, the local drain of CPU 0 from host CPU 1,
 * and kmem_cache_shrink empty every slot. In rseq mode there are exactly
 * nr_cpus slots.
 */
#define _GNU_SOURCE
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine.h"
#include "page/pcp.h"
#include "slab/slab.h"
#include <kmm/percpu.h>

static struct test_log log_;

static int host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? (int)n : 1;
}

static bool can_run_on(int cpu)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return false;
	return CPU_ISSET(cpu, &set);
}

/* Pages of every zone waiting in slot `slot` (lists and hot arrays). */
static int slot_pages(kmm_machine *m, int slot)
{
	int n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &m->node_data[0]->node_zones[z];

		if (zone->pcp)
			n += pcp_pages(pcp_ptr(m, zone, slot));
	}
	return n;
}

struct worker {
	kmm_machine *m;
	struct kmem_cache *s;
	int host_cpu;
	int pages;
	bool drain_local;
};

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* Allocate `pages` order-0 pages and 40 objects, then free them all, on host CPU host_cpu. */
static void *work(void *p)
{
	struct worker *w = p;
	struct page *pg[64];
	void *obj[40];

	pin_self(w->host_cpu);
	for (int i = 0; i < w->pages; i++)
		pg[i] = kmm_alloc_pages(w->m, GFP_KERNEL, 0);
	for (int i = 0; i < 40; i++)
		obj[i] = kmm_kmem_cache_alloc(w->m, w->s, GFP_KERNEL);
	for (int i = 0; i < w->pages; i++) {
		if (pg[i])
			kmm_free_pages(w->m, pg[i], 0);
	}
	for (int i = 0; i < 40; i++)
		kmm_kmem_cache_free(w->m, w->s, obj[i]);
	if (w->drain_local)
		kmm_drain_local_pages(w->m, NULL);
	return NULL;
}

static void run_on(struct worker *w)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, work, w), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

static void test_slots_in_cas_mode(void **state)
{
	struct worker w = { .pages = 64 };
	struct kmm_pcp_info info;
	kmm_machine *m;
	int sum;

	(void)state;
	if (host_cpus() < 2 || !can_run_on(0) || !can_run_on(1)) {
		skip();
		return;
	}
	m = test_boot("mem=512M nr_cpus=1", &log_);
	assert_string_equal(kmm_smp_mode(m), "cas");
	assert_int_equal(m->nr_slots, MIN(host_cpus(), KMM_MAX_CPUS));
	assert_int_equal(m->cpu_to_node[1], 0);
	kmm_drain_all_pages(m, NULL);
	w.m = m;
	w.s = kmm_kmem_cache_create(m, "slots_test", 64, 0, 0, NULL);
	assert_non_null(w.s);
	/* the cache may be merged with kmalloc-64, which boot used from this thread's CPU */
	kmm_kmem_cache_shrink(m, w.s);
	kmm_drain_all_pages(m, NULL);

	/* host CPU 1: its pages and objects stay in slot 1, slot 0 untouched */
	w.host_cpu = 1;
	run_on(&w);
	assert_int_equal(slot_pages(m, 0), 0);
	assert_true(slot_pages(m, 1) >= 64);
	assert_int_equal(cpu_array(w.s, m->slab->array_shift, 0)->avail, 0);
	assert_true(cpu_array(w.s, m->slab->array_shift, 1)->avail > 0);
	/* host CPU 0: slot 0 */
	w.host_cpu = 0;
	run_on(&w);
	assert_true(slot_pages(m, 0) >= 64);
	assert_true(cpu_array(w.s, m->slab->array_shift, 0)->avail > 0);

	/* machine CPU 0's count is both slots' */
	sum = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		if (!m->node_data[0]->node_zones[z].pcp)
			continue;
		assert_int_equal(kmm_zone_pcp_info(m, 0, (enum kmm_zone_type)z, 0, &info), KMM_OK);
		sum += info.count;
	}
	assert_int_equal(sum, slot_pages(m, 0) + slot_pages(m, 1));
	assert_consistent(m, &log_);

	/* kmm_check walks the extra slot: a page of slot 1's array made busy is seen */
	{
		struct zone *zone = NULL;
		struct per_cpu_pages *pcp = NULL;

		for (int z = 0; z < MAX_NR_ZONES && !zone; z++) {
			struct zone *zz = &m->node_data[0]->node_zones[z];

			if (zz->pcp && pcp_pages(pcp_ptr(m, zz, 1)) > 0) {
				zone = zz;
				pcp = pcp_ptr(m, zz, 1);
			}
		}
		assert_non_null(pcp);
		for (unsigned int i = 0; i < NR_PCP_LISTS; i++) {
			if (!page_list_empty(&pcp->lists[i])) {
				struct page *p = pfn_to_page(m, pcp->lists[i].head);
				uint32_t saved = p->u.pcp_cpu;

				p->u.pcp_cpu = 0; /* listed on slot 1, marked for slot 0 */
				test_log_clear(&log_);
				assert_int_not_equal(kmm_check(m), 0);
				p->u.pcp_cpu = saved;
				break;
			}
		}
		assert_consistent(m, &log_);
	}

	/* a local drain of CPU 0 from host CPU 1 empties both of CPU 0's slots */
	w.host_cpu = 1;
	w.drain_local = true;
	run_on(&w);
	assert_int_equal(slot_pages(m, 0), 0);
	assert_int_equal(slot_pages(m, 1), 0);

	/* drain_all and shrink reach slot 1 too */
	w.drain_local = false;
	run_on(&w);
	assert_true(slot_pages(m, 1) > 0);
	kmm_drain_all_pages(m, NULL);
	assert_int_equal(slot_pages(m, 1), 0);
	kmm_kmem_cache_shrink(m, w.s);
	assert_int_equal(cpu_array(w.s, m->slab->array_shift, 0)->avail, 0);
	assert_int_equal(cpu_array(w.s, m->slab->array_shift, 1)->avail, 0);
	assert_consistent(m, &log_);
	kmm_kmem_cache_destroy(m, w.s);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

/* rseq mode (when this host has it): host CPU c is CPU c, no extra slots. */
static void test_rseq_has_no_extra_slots(void **state)
{
	kmm_machine *m;

	(void)state;
	m = test_boot("mem=512M nr_cpus=64", &log_);
	assert_int_equal(m->nr_slots, 64);
	kmm_machine_destroy(m);
	setenv("KMM_RSEQ", "0", 1);
	m = test_boot("mem=512M nr_cpus=64", &log_);
	unsetenv("KMM_RSEQ");
	/* CAS mode, but every host CPU is a machine CPU: no extra slots either */
	assert_string_equal(kmm_smp_mode(m), "cas");
	assert_int_equal(m->nr_slots, host_cpus() > 64 ? MIN(host_cpus(), KMM_MAX_CPUS) : 64);
	kmm_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_in_cas_mode),
		cmocka_unit_test(test_rseq_has_no_extra_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
