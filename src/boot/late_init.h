/* SPDX-License-Identifier: MIT */
/*
 * boot/late_init.h - the layers above the buddy allocator and their
 * operations table (late_init.c).
 *
 * Each layer is one row of a table (struct kmm_layer): how it starts
 * (init), how kmm_check walks it (check), what it folds before a report
 * reads the counters (report), what it gives back under memory pressure
 * (shrink: the pages it returned to the buddy lists) and how it stops
 * (teardown, in reverse order of init, before the machine's memory goes).
 * Any entry may be NULL. A new layer adds one row; a checker is one field
 * of its row (.check = my_check).
 */
#ifndef KMM_BOOT_LATE_INIT_H
#define KMM_BOOT_LATE_INIT_H

#include "machine.h"

struct kmm_layer {
	const char *name;
	int (*init)(struct kmm_machine *m);
	int (*check)(struct kmm_machine *m);
	void (*report)(struct kmm_machine *m);
	unsigned long (*shrink)(struct kmm_machine *m, gfp_t gfp, unsigned int order);
	void (*teardown)(struct kmm_machine *m);
	/*
	 * Boot-time allocations and frees of init are left out of the zones'
	 * events (pgalloc, pgfree, numa_*), as Linux takes that memory from
	 * memblock.
	 */
	bool quiet;
};

/* Start every layer in table order; on failure the started ones are torn down. */
int kmm_late_init(struct kmm_machine *m, char *err, size_t len);
/* Stop the started layers in reverse order (kmm_machine_destroy). */
void kmm_late_teardown(struct kmm_machine *m);
/* Every started layer's check: the number of problems reported. */
int kmm_layers_check(struct kmm_machine *m);
/* Every started layer's report op (fold per-CPU counters) before a report. */
void kmm_layers_report(struct kmm_machine *m);
/* Every started layer's shrink op: pages given back to the buddy lists. */
unsigned long kmm_layers_shrink(struct kmm_machine *m, gfp_t gfp, unsigned int order);

#endif /* KMM_BOOT_LATE_INIT_H */
