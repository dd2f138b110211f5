/* SPDX-License-Identifier: MIT */
/*
 * kmm/gfp.h - get-free-page flags, with the modern kernel's bit values.
 *
 * Shared by the instance API (kmm.h) and the Linux layer (linux.h). The bit
 * values are those of include/linux/gfp_types.h; the 2.6-era names are kept
 * as aliases (__GFP_WAIT, __GFP_REPEAT) or given bits of their own where the
 * kernel removed them (__GFP_COLD, __GFP_NO_GROW), so old textbook code
 * compiles and means what it meant.
 */
#ifndef KMM_GFP_H
#define KMM_GFP_H

typedef unsigned int gfp_t;

/* Zone modifiers (the low four bits select the highest usable zone). */
#define __GFP_DMA 0x01u
#define __GFP_HIGHMEM 0x02u
#define __GFP_DMA32 0x04u
#define __GFP_MOVABLE 0x08u
#define GFP_ZONEMASK (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)

/* Mobility and placement. */
#define __GFP_RECLAIMABLE 0x10u
#define __GFP_HARDWALL 0x100000u
#define __GFP_THISNODE 0x200000u
#define __GFP_ACCOUNT 0x400000u

/* Watermark modifiers. */
#define __GFP_HIGH 0x20u
#define __GFP_MEMALLOC 0x20000u
#define __GFP_NOMEMALLOC 0x80000u

/* Reclaim modifiers. */
#define __GFP_IO 0x40u
#define __GFP_FS 0x80u
#define __GFP_DIRECT_RECLAIM 0x400u
#define __GFP_KSWAPD_RECLAIM 0x800u
#define __GFP_RECLAIM (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define __GFP_RETRY_MAYFAIL 0x4000u
#define __GFP_NOFAIL 0x8000u
#define __GFP_NORETRY 0x10000u

/* Action modifiers. */
#define __GFP_ZERO 0x100u
#define __GFP_WRITE 0x1000u
#define __GFP_NOWARN 0x2000u
#define __GFP_COMP 0x40000u

/*
 * Removed from the kernel, kept by kmm with bits above the kernel's:
 * __GFP_COLD (gone in 4.15) asks the per-CPU lists for a cache-cold page;
 * __GFP_NO_GROW (slab-internal) forbids a cache to take new pages.
 */
#define __GFP_COLD 0x1000000u
#define __GFP_NO_GROW 0x2000000u

/* 2.6-era aliases. */
#define __GFP_WAIT __GFP_RECLAIM
#define __GFP_REPEAT __GFP_RETRY_MAYFAIL

/* Every bit kmm knows; anything else in a mask is reported as invalid. */
#define __GFP_BITS_MASK 0x37ffdffu

/* Common combinations. */
#define GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT (__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO (__GFP_RECLAIM)
#define GFP_NOFS (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA __GFP_DMA
#define GFP_DMA32 __GFP_DMA32
#define GFP_HIGHUSER (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE)

#endif /* KMM_GFP_H */
