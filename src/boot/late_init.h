/* SPDX-License-Identifier: MIT */
/*
 * boot/late_init.h - start the layers above the buddy allocator (late_init.c).
 */
#ifndef KMM_BOOT_LATE_INIT_H
#define KMM_BOOT_LATE_INIT_H

#include "machine.h"

int kmm_late_init(struct kmm_machine *m, char *err, size_t len);

#endif /* KMM_BOOT_LATE_INIT_H */
