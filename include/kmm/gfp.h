/* SPDX-License-Identifier: MIT */
/*
 * kmm/gfp.h - get-free-page flags, with Linux 6.18's bit values.
 *
 * Two sets of names for the same bits:
 *  - KMM_GFP_*, always defined, for the instance API: the kernel's name
 *    without its leading underscores and with a KMM_ prefix
 *    (__GFP_ZERO -> KMM_GFP_ZERO, GFP_KERNEL -> KMM_GFP_KERNEL), and the
 *    type kmm_gfp_t. In 6.18 no __GFP_X and GFP_X pair names different bits,
 *    so the rule is unambiguous;
 *  - the kernel's own names (gfp_t, __GFP_*, GFP_*), defined unless the
 *    program defines KMM_NO_LINUX_NAMES before including a kmm header (then
 *    it may bring its own kernel-style gfp.h: see docs/architecture.md,
 *    "Headers"). <kmm/linux.h> always defines them.
 *
 * The bits are those of include/linux/gfp_types.h in 6.18 as built for
 * x86_64 with CONFIG_SLAB_OBJ_EXT and without KASAN_HW_TAGS and LOCKDEP (the
 * kernel these machines run): bits 0..23 as listed, bit 9 unused,
 * __GFP_NO_OBJ_EXT at bit 24, __GFP_BITS_SHIFT 25. __GFP_SKIP_ZERO,
 * __GFP_SKIP_KASAN and __GFP_NOLOCKDEP are 0 in that configuration, and so
 * here. tests/test_gfp.c checks every value and name against the kernel's
 * own table (the mm_page_alloc trace event format of this machine).
 *
 * kmm-only flags live above every 6.18 configuration's mask (at most 28
 * bits, with KASAN_HW_TAGS and LOCKDEP): __GFP_COLD (bit 28: removed from
 * Linux in 4.15; asks the per-CPU lists for a cache-cold page, their tail)
 * and __GFP_NO_GROW (bit 29: slab-internal in 2.6; the cache must not take
 * new pages). The 2.6-era names keep their meaning: __GFP_WAIT is
 * __GFP_RECLAIM (4.4 split it into the two reclaim bits), __GFP_REPEAT is
 * __GFP_RETRY_MAYFAIL (renamed in 4.13).
 *
 * What kmm does with each flag, and which it accepts without effect
 * (__GFP_IO, __GFP_FS, __GFP_WRITE, __GFP_HARDWALL, __GFP_ACCOUNT,
 * __GFP_ZEROTAGS, __GFP_NO_OBJ_EXT), is listed in docs/zones.md.
 */
#ifndef KMM_GFP_H
#define KMM_GFP_H

typedef unsigned int kmm_gfp_t;

/* Zone modifiers (the low four bits select the highest usable zone). */
#define KMM_GFP_DMA 0x01u
#define KMM_GFP_HIGHMEM 0x02u
#define KMM_GFP_DMA32 0x04u
#define KMM_GFP_MOVABLE 0x08u
#define KMM_GFP_ZONEMASK (KMM_GFP_DMA | KMM_GFP_HIGHMEM | KMM_GFP_DMA32 | KMM_GFP_MOVABLE)

/* Mobility and placement. */
#define KMM_GFP_RECLAIMABLE 0x10u
#define KMM_GFP_WRITE 0x1000u
#define KMM_GFP_HARDWALL 0x100000u
#define KMM_GFP_THISNODE 0x200000u
#define KMM_GFP_ACCOUNT 0x400000u

/* Watermark modifiers. */
#define KMM_GFP_HIGH 0x20u
#define KMM_GFP_MEMALLOC 0x20000u
#define KMM_GFP_NOMEMALLOC 0x80000u

/* Reclaim modifiers. */
#define KMM_GFP_IO 0x40u
#define KMM_GFP_FS 0x80u
#define KMM_GFP_DIRECT_RECLAIM 0x400u
#define KMM_GFP_KSWAPD_RECLAIM 0x800u
#define KMM_GFP_RECLAIM (KMM_GFP_DIRECT_RECLAIM | KMM_GFP_KSWAPD_RECLAIM)
#define KMM_GFP_RETRY_MAYFAIL 0x4000u
#define KMM_GFP_NOFAIL 0x8000u
#define KMM_GFP_NORETRY 0x10000u

/* Action modifiers. */
#define KMM_GFP_ZERO 0x100u
#define KMM_GFP_NOWARN 0x2000u
#define KMM_GFP_COMP 0x40000u
#define KMM_GFP_ZEROTAGS 0x800000u
#define KMM_GFP_NO_OBJ_EXT 0x1000000u
/* Configuration-dependent bits, 0 in the reference configuration. */
#define KMM_GFP_SKIP_ZERO 0u
#define KMM_GFP_SKIP_KASAN 0u
#define KMM_GFP_NOLOCKDEP 0u

/* Room for the kernel's bits (6.18: 25 here). */
#define KMM_GFP_BITS_SHIFT 25
#define KMM_GFP_BITS_MASK ((kmm_gfp_t)((1u << KMM_GFP_BITS_SHIFT) - 1))

/* kmm-only flags, above every 6.18 configuration's mask. */
#define KMM_GFP_COLD 0x10000000u
#define KMM_GFP_NO_GROW 0x20000000u
#define KMM_GFP_KMM_MASK (KMM_GFP_COLD | KMM_GFP_NO_GROW)

/* Common combinations (gfp_types.h). */
#define KMM_GFP_ATOMIC (KMM_GFP_HIGH | KMM_GFP_KSWAPD_RECLAIM)
#define KMM_GFP_KERNEL (KMM_GFP_RECLAIM | KMM_GFP_IO | KMM_GFP_FS)
#define KMM_GFP_KERNEL_ACCOUNT (KMM_GFP_KERNEL | KMM_GFP_ACCOUNT)
#define KMM_GFP_NOWAIT (KMM_GFP_KSWAPD_RECLAIM | KMM_GFP_NOWARN)
#define KMM_GFP_NOIO (KMM_GFP_RECLAIM)
#define KMM_GFP_NOFS (KMM_GFP_RECLAIM | KMM_GFP_IO)
#define KMM_GFP_USER (KMM_GFP_RECLAIM | KMM_GFP_IO | KMM_GFP_FS | KMM_GFP_HARDWALL)
#define KMM_GFP_HIGHUSER (KMM_GFP_USER | KMM_GFP_HIGHMEM)
#define KMM_GFP_HIGHUSER_MOVABLE (KMM_GFP_HIGHUSER | KMM_GFP_MOVABLE | KMM_GFP_SKIP_KASAN)
#define KMM_GFP_TRANSHUGE_LIGHT                                                            \
	((KMM_GFP_HIGHUSER_MOVABLE | KMM_GFP_COMP | KMM_GFP_NOMEMALLOC | KMM_GFP_NOWARN) & \
	 ~KMM_GFP_RECLAIM)
#define KMM_GFP_TRANSHUGE (KMM_GFP_TRANSHUGE_LIGHT | KMM_GFP_DIRECT_RECLAIM)

#endif /* KMM_GFP_H */

/*
 * The kernel's names: unless the program asked for none, and always once
 * <kmm/linux.h> is being read (it includes this header again).
 */
#if (!defined(KMM_NO_LINUX_NAMES) || defined(KMM_LINUX_H)) && !defined(KMM_GFP_LINUX_H)
#define KMM_GFP_LINUX_H

#include <stdbool.h>

typedef kmm_gfp_t gfp_t;

#define __GFP_DMA KMM_GFP_DMA
#define __GFP_HIGHMEM KMM_GFP_HIGHMEM
#define __GFP_DMA32 KMM_GFP_DMA32
#define __GFP_MOVABLE KMM_GFP_MOVABLE
#define GFP_ZONEMASK KMM_GFP_ZONEMASK
#define __GFP_RECLAIMABLE KMM_GFP_RECLAIMABLE
#define __GFP_WRITE KMM_GFP_WRITE
#define __GFP_HARDWALL KMM_GFP_HARDWALL
#define __GFP_THISNODE KMM_GFP_THISNODE
#define __GFP_ACCOUNT KMM_GFP_ACCOUNT
#define __GFP_HIGH KMM_GFP_HIGH
#define __GFP_MEMALLOC KMM_GFP_MEMALLOC
#define __GFP_NOMEMALLOC KMM_GFP_NOMEMALLOC
#define __GFP_IO KMM_GFP_IO
#define __GFP_FS KMM_GFP_FS
#define __GFP_DIRECT_RECLAIM KMM_GFP_DIRECT_RECLAIM
#define __GFP_KSWAPD_RECLAIM KMM_GFP_KSWAPD_RECLAIM
#define __GFP_RECLAIM KMM_GFP_RECLAIM
#define __GFP_RETRY_MAYFAIL KMM_GFP_RETRY_MAYFAIL
#define __GFP_NOFAIL KMM_GFP_NOFAIL
#define __GFP_NORETRY KMM_GFP_NORETRY
#define __GFP_ZERO KMM_GFP_ZERO
#define __GFP_NOWARN KMM_GFP_NOWARN
#define __GFP_COMP KMM_GFP_COMP
#define __GFP_ZEROTAGS KMM_GFP_ZEROTAGS
#define __GFP_NO_OBJ_EXT KMM_GFP_NO_OBJ_EXT
#define __GFP_SKIP_ZERO KMM_GFP_SKIP_ZERO
#define __GFP_SKIP_KASAN KMM_GFP_SKIP_KASAN
#define __GFP_NOLOCKDEP KMM_GFP_NOLOCKDEP
#define __GFP_BITS_SHIFT KMM_GFP_BITS_SHIFT
#define __GFP_BITS_MASK KMM_GFP_BITS_MASK

/* kmm-only flags and the 2.6-era names. */
#define __GFP_COLD KMM_GFP_COLD
#define __GFP_NO_GROW KMM_GFP_NO_GROW
#define __GFP_WAIT __GFP_RECLAIM
#define __GFP_REPEAT __GFP_RETRY_MAYFAIL

#define GFP_ATOMIC KMM_GFP_ATOMIC
#define GFP_KERNEL KMM_GFP_KERNEL
#define GFP_KERNEL_ACCOUNT KMM_GFP_KERNEL_ACCOUNT
#define GFP_NOWAIT KMM_GFP_NOWAIT
#define GFP_NOIO KMM_GFP_NOIO
#define GFP_NOFS KMM_GFP_NOFS
#define GFP_USER KMM_GFP_USER
#define GFP_DMA KMM_GFP_DMA
#define GFP_DMA32 KMM_GFP_DMA32
#define GFP_HIGHUSER KMM_GFP_HIGHUSER
#define GFP_HIGHUSER_MOVABLE KMM_GFP_HIGHUSER_MOVABLE
#define GFP_TRANSHUGE_LIGHT KMM_GFP_TRANSHUGE_LIGHT
#define GFP_TRANSHUGE KMM_GFP_TRANSHUGE

/* include/linux/gfp.h's predicates, for kernel-style code. */
static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
{
	return !!(gfp_flags & __GFP_DIRECT_RECLAIM);
}

static inline bool gfpflags_allow_spinning(const gfp_t gfp_flags)
{
	return !!(gfp_flags & __GFP_RECLAIM);
}

static inline bool gfp_has_flags(gfp_t gfp, gfp_t flags)
{
	return (gfp & flags) == flags;
}

static inline bool gfp_has_io_fs(gfp_t gfp)
{
	return gfp_has_flags(gfp, __GFP_IO | __GFP_FS);
}

#endif /* Linux names */
