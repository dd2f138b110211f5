/* SPDX-License-Identifier: MIT */
/*
 * report/report.h - the /proc-format reports. Each report is one file
 * that prints through a struct kmm_out; report.c dispatches by name.
 * Reports take zone locks only to read consistent snapshots of a zone.
 */
#ifndef KMM_REPORT_REPORT_H
#define KMM_REPORT_REPORT_H

#include "page/internal.h"

void report_buddyinfo(struct kmm_machine *m, struct kmm_out *o);
void report_zoneinfo(struct kmm_machine *m, struct kmm_out *o);
void report_meminfo(struct kmm_machine *m, struct kmm_out *o);
void report_pagetypeinfo(struct kmm_machine *m, struct kmm_out *o);
void report_vmstat(struct kmm_machine *m, struct kmm_out *o);
void report_slabinfo(struct kmm_machine *m, struct kmm_out *o);
/* vmalloc/info.c */
void report_vmallocinfo(struct kmm_machine *m, struct kmm_out *o);
void vmalloc_meminfo(struct kmm_machine *m, unsigned long *total_kb, unsigned long *used_pages);
void report_unusable_index(struct kmm_machine *m, struct kmm_out *o);
void report_extfrag_index(struct kmm_machine *m, struct kmm_out *o);

/* counters.c: the counters as the reports print them (see there). */
unsigned long zone_stat_value(const struct zone *zone, int item);
unsigned long node_stat_value(struct kmm_machine *m, int nid, int item);
unsigned long global_zone_stat(struct kmm_machine *m, int item);
unsigned long global_node_stat(struct kmm_machine *m, int item);
long si_mem_available(struct kmm_machine *m);
/* zoneinfo.c: the kernel's names of the counters. */
const char *zone_stat_name(int item);
const char *node_stat_name(int item);

/* Snapshot of one zone's per-order free block counts (under its lock). */
void zone_free_blocks(struct zone *zone, unsigned long counts[NR_PAGE_ORDERS]);

#endif /* KMM_REPORT_REPORT_H */
