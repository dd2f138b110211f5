/* SPDX-License-Identifier: MIT */
/* kmm/vmalloc.h - virtually contiguous memory (docs/vmalloc.md). */
#ifndef KMM_VMALLOC_H
#define KMM_VMALLOC_H

#include <kmm/kmm.h>

#endif /* KMM_VMALLOC_H */
