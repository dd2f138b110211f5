/* SPDX-License-Identifier: MIT */
/*
 * platform/posix_rseq.h - the rseq area of the POSIX host (posix_rseq.c),
 * for posix.c's kmm_os_smp_caps.
 */
#ifndef KMM_PLATFORM_POSIX_RSEQ_H
#define KMM_PLATFORM_POSIX_RSEQ_H

#include "platform/platform.h"

/*
 * Where the calling thread's registered rseq area is (libc's, or kmm's own,
 * registered now): 0 and the offset from the thread pointer and the size,
 * or -1 when this thread has none.
 */
int posix_rseq_area(long *offset, unsigned int *size);

/* The address of a symbol defined by a loaded object (dynamic symbol tables), or NULL. */
const void *posix_lookup_symbol(const char *name);

#endif /* KMM_PLATFORM_POSIX_RSEQ_H */
