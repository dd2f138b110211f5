/* SPDX-License-Identifier: MIT */
/*
 * page/gfp.c - the printed names of a gfp mask: the kernel's %pGg (lib/
 * vsprintf.c format_flags over gfpflag_names), used by allocation-failure
 * warnings, the "Unexpected gfp" fix-up of the slab layer and bad-call
 * reports. gfp_zone and gfp_migratetype, on every allocation's path, are
 * inline in page/internal.h.
 *
 * The table is 6.18's __def_gfpflag_names (include/trace/events/mmflags.h)
 * in its order: the composites from the widest down, then GFP_DMA,
 * GFP_DMA32 and __GFP_RECLAIM, then every single bit in bit order. A name
 * matches when all of its bits are set; its bits are then taken out, so a
 * later, narrower name never repeats them (GFP_DMA leaves nothing for
 * __GFP_DMA). kmm's own two flags (above the kernel's mask) follow, named
 * as kmm defines them; bits that no name covers print as one hex number
 * at the end. tests/test_gfp.c compares the table with the kernel's own,
 * taken from this machine's mm_page_alloc event format.
 */
#include "page/internal.h"

/* clang-format off */
#define GFP_NAME(flag) { flag, #flag }
/* clang-format on */

static const struct gfp_name gfp_names[] = {
	GFP_NAME(GFP_TRANSHUGE),
	GFP_NAME(GFP_TRANSHUGE_LIGHT),
	GFP_NAME(GFP_HIGHUSER_MOVABLE),
	GFP_NAME(GFP_HIGHUSER),
	GFP_NAME(GFP_USER),
	GFP_NAME(GFP_KERNEL_ACCOUNT),
	GFP_NAME(GFP_KERNEL),
	GFP_NAME(GFP_NOFS),
	GFP_NAME(GFP_ATOMIC),
	GFP_NAME(GFP_NOIO),
	GFP_NAME(GFP_NOWAIT),
	GFP_NAME(GFP_DMA),
	GFP_NAME(GFP_DMA32),
	GFP_NAME(__GFP_RECLAIM),
	GFP_NAME(__GFP_DMA),
	GFP_NAME(__GFP_HIGHMEM),
	GFP_NAME(__GFP_DMA32),
	GFP_NAME(__GFP_MOVABLE),
	GFP_NAME(__GFP_RECLAIMABLE),
	GFP_NAME(__GFP_HIGH),
	GFP_NAME(__GFP_IO),
	GFP_NAME(__GFP_FS),
	GFP_NAME(__GFP_ZERO),
	GFP_NAME(__GFP_DIRECT_RECLAIM),
	GFP_NAME(__GFP_KSWAPD_RECLAIM),
	GFP_NAME(__GFP_WRITE),
	GFP_NAME(__GFP_NOWARN),
	GFP_NAME(__GFP_RETRY_MAYFAIL),
	GFP_NAME(__GFP_NOFAIL),
	GFP_NAME(__GFP_NORETRY),
	GFP_NAME(__GFP_MEMALLOC),
	GFP_NAME(__GFP_COMP),
	GFP_NAME(__GFP_NOMEMALLOC),
	GFP_NAME(__GFP_HARDWALL),
	GFP_NAME(__GFP_THISNODE),
	GFP_NAME(__GFP_ACCOUNT),
	GFP_NAME(__GFP_ZEROTAGS),
	GFP_NAME(__GFP_NO_OBJ_EXT),
	/* kmm's own, above the kernel's mask */
	GFP_NAME(__GFP_COLD),
	GFP_NAME(__GFP_NO_GROW),
};

const struct gfp_name *kmm_gfp_names(size_t *nr)
{
	*nr = ARRAY_SIZE(gfp_names);
	return gfp_names;
}

size_t kmm_format_gfp(char *buf, size_t len, gfp_t gfp)
{
	size_t pos = 0;
	bool first = true;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(gfp_names) && gfp; i++) {
		if ((gfp & gfp_names[i].mask) != gfp_names[i].mask)
			continue;
		gfp &= ~gfp_names[i].mask;
		pos += (size_t)kmm_snprintf(buf + MIN(pos, len), len > pos ? len - pos : 0, "%s%s",
					    first ? "" : "|", gfp_names[i].name);
		first = false;
	}
	if (gfp)
		pos += (size_t)kmm_snprintf(buf + MIN(pos, len), len > pos ? len - pos : 0, "%s%#x",
					    first ? "" : "|", gfp);
	return pos;
}
