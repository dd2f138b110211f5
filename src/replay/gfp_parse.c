/* SPDX-License-Identifier: MIT */
/*
 * replay/gfp_parse.c - a gfp mask from its printed name, the inverse of
 * the kernel's show_gfp_flags (%pGg) and of kmm_format_gfp.
 *
 * A trace prints "GFP_KERNEL|__GFP_ZERO": composite names first, then
 * single bits, then any leftover bits in hex. Every name the kernel has
 * printed since 4.x is known, with the value it had:
 *  - 6.18's names (include/trace/events/mmflags.h);
 *  - older ones: __GFP_WAIT (4.3 and before: may sleep, now the two reclaim
 *    bits), __GFP_REPEAT (__GFP_RETRY_MAYFAIL since 4.13), __GFP_COLD
 *    (gone in 4.15), __GFP_NO_GROW, GFP_TEMPORARY (GFP_KERNEL|__GFP_RECLAIMABLE
 *    until 4.15), GFP_IOFS (__GFP_IO|__GFP_FS), __GFP_NO_KSWAPD (4.3: the
 *    kswapd bit cleared), __GFP_ATOMIC (dropped in 6.3, meaning "cannot
 *    sleep", which the reclaim bits now carry), and GFP_NOWAIT, which gained
 *    __GFP_NOWARN in 6.x (old_nowait selects the older meaning).
 *  - bits kmm does not model (accounting tags, KASAN, lockdep, the old
 *    __GFP_NOTRACK and __GFP_OTHER_NODE) parse to nothing, so a trace
 *    with them replays; docs/replay.md lists them.
 * An unknown name is an error, so a corrupted line is caught, not guessed.
 */
#include "lib/compiler.h"
#include <kmm/trace.h>

struct gfp_name {
	const char *name;
	unsigned char len;
	gfp_t mask;
};

#define N(s, v)                       \
	{                             \
		s, sizeof(s) - 1, (v) \
	}

static const struct gfp_name gfp_names[] = {
	N("GFP_KERNEL", GFP_KERNEL),
	N("__GFP_ZERO", __GFP_ZERO),
	N("__GFP_COMP", __GFP_COMP),
	N("GFP_NOFS", GFP_NOFS),
	N("GFP_ATOMIC", GFP_ATOMIC),
	N("GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE),
	N("GFP_HIGHUSER", GFP_HIGHUSER),
	N("GFP_USER", GFP_USER),
	N("GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT),
	N("GFP_NOIO", GFP_NOIO),
	N("GFP_DMA", GFP_DMA),
	N("GFP_DMA32", GFP_DMA32),
	N("GFP_TRANSHUGE",
	  ((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM) |
		  __GFP_DIRECT_RECLAIM),
	N("GFP_TRANSHUGE_LIGHT",
	  (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM),
	N("__GFP_DMA", __GFP_DMA),
	N("__GFP_HIGHMEM", __GFP_HIGHMEM),
	N("__GFP_DMA32", __GFP_DMA32),
	N("__GFP_MOVABLE", __GFP_MOVABLE),
	N("__GFP_RECLAIMABLE", __GFP_RECLAIMABLE),
	N("__GFP_HIGH", __GFP_HIGH),
	N("__GFP_IO", __GFP_IO),
	N("__GFP_FS", __GFP_FS),
	N("__GFP_NOWARN", __GFP_NOWARN),
	N("__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL),
	N("__GFP_NOFAIL", __GFP_NOFAIL),
	N("__GFP_NORETRY", __GFP_NORETRY),
	N("__GFP_MEMALLOC", __GFP_MEMALLOC),
	N("__GFP_NOMEMALLOC", __GFP_NOMEMALLOC),
	N("__GFP_HARDWALL", __GFP_HARDWALL),
	N("__GFP_THISNODE", __GFP_THISNODE),
	N("__GFP_ACCOUNT", __GFP_ACCOUNT),
	N("__GFP_WRITE", __GFP_WRITE),
	N("__GFP_RECLAIM", __GFP_RECLAIM),
	N("__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM),
	N("__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM),
	/* older kernels */
	N("__GFP_WAIT", __GFP_RECLAIM),
	N("__GFP_REPEAT", __GFP_RETRY_MAYFAIL),
	N("__GFP_COLD", __GFP_COLD),
	N("__GFP_NO_GROW", __GFP_NO_GROW),
	N("GFP_TEMPORARY", GFP_KERNEL | __GFP_RECLAIMABLE),
	N("GFP_IOFS", __GFP_IO | __GFP_FS),
	N("__GFP_NO_KSWAPD", 0),
	N("__GFP_ATOMIC", 0),
	/* bits kmm does not model */
	N("__GFP_NOTRACK", 0),
	N("__GFP_NOTRACK_FALSE_POSITIVE", 0),
	N("__GFP_OTHER_NODE", 0),
	N("__GFP_NOACCOUNT", 0),
	N("__GFP_NOLOCKDEP", 0),
	N("__GFP_ZEROTAGS", 0),
	N("__GFP_SKIP_ZERO", 0),
	N("__GFP_SKIP_KASAN", 0),
	N("__GFP_SKIP_KASAN_POISON", 0),
	N("__GFP_SKIP_KASAN_UNPOISON", 0),
	N("__GFP_UNMOVABLE", 0),
	N("none", 0),
};

static int parse_hex(const char *s, size_t len, gfp_t *out)
{
	uint64_t v = 0;

	if (len < 3 || len > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return KMM_EINVAL;
	for (size_t i = 2; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return KMM_EINVAL;
		v = v << 4 | d;
	}
	/* printed leftovers: keep the bits kmm knows, drop the rest */
	*out = (gfp_t)(v & __GFP_BITS_MASK);
	return KMM_OK;
}

int kmm_parse_gfp(const char *s, size_t len, bool old_nowait, gfp_t *out)
{
	gfp_t gfp = 0;
	size_t i = 0;

	if (!s || !out || len == 0)
		return KMM_EINVAL;
	while (i <= len) {
		size_t j = i, n;
		bool found = false;

		while (j < len && s[j] != '|')
			j++;
		n = j - i;
		if (n == 0)
			return KMM_EINVAL;
		if (n == 10 && !__builtin_memcmp(s + i, "GFP_NOWAIT", 10)) {
			gfp |= __GFP_KSWAPD_RECLAIM | (old_nowait ? 0 : __GFP_NOWARN);
			found = true;
		}
		for (size_t k = 0; !found && k < ARRAY_SIZE(gfp_names); k++) {
			if (gfp_names[k].len == n &&
			    !__builtin_memcmp(s + i, gfp_names[k].name, n)) {
				gfp |= gfp_names[k].mask;
				found = true;
			}
		}
		if (!found) {
			gfp_t v;

			if (parse_hex(s + i, n, &v))
				return KMM_EINVAL;
			gfp |= v;
		}
		i = j + 1;
	}
	*out = gfp;
	return KMM_OK;
}
