/* SPDX-License-Identifier: MIT */
/*
 * linux/record.h - KMM_RECORD for the default machine (linux/record.c).
 */
#ifndef KMM_LINUX_RECORD_H
#define KMM_LINUX_RECORD_H

#include <kmm/kmm.h>

/* Start recording m to $KMM_RECORD when it is set; report a failure on stderr. */
void kmm_record_from_env(kmm_machine *m);

#endif /* KMM_LINUX_RECORD_H */
