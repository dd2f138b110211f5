/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/input.h - a trace file into memory, decompressed.
 */
#ifndef KMM_REPLAY_INPUT_H
#define KMM_REPLAY_INPUT_H

#include <stddef.h>

/*
 * Read `path` ("-": standard input) whole into *buf (malloc'd, NUL-terminated),
 * inflating gzip and xz by their magic bytes. 0, or -1 with err set.
 */
int rp_read_trace(const char *path, char **buf, size_t *len, char *err, size_t err_len);
/* How gzip/xz are read in this build ("zlib, liblzma" or "gzip -dc, xz -dc pipes"). */
const char *rp_decompressors(void);

#endif /* KMM_REPLAY_INPUT_H */
