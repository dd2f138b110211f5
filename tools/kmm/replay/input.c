/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/input.c - read a trace file whole, decompressing it.
 *
 * The format is told by the first bytes, not the file name: 1f 8b is
 * gzip, fd 37 7a 58 5a 00 is xz, anything else is text. When the build
 * found zlib and liblzma (Debian: zlib1g-dev, liblzma-dev) they inflate
 * in process; otherwise the file is piped through `gzip -dc` or `xz -dc`,
 * which every Debian system has. The library itself never decompresses:
 * only the kmm command links these (docs/replay.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef KMM_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef KMM_HAVE_LZMA
#include <lzma.h>
#endif

#include "input.h"

const char *rp_decompressors(void)
{
#if defined(KMM_HAVE_ZLIB) && defined(KMM_HAVE_LZMA)
	return "zlib, liblzma";
#elif defined(KMM_HAVE_ZLIB)
	return "zlib, xz -dc pipe";
#elif defined(KMM_HAVE_LZMA)
	return "gzip -dc pipe, liblzma";
#else
	return "gzip -dc pipe, xz -dc pipe";
#endif
}

struct growbuf {
	char *p;
	size_t len, cap;
};

static int gb_reserve(struct growbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 1 << 20;

	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);

	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int read_stream(FILE *f, struct growbuf *b)
{
	for (;;) {
		if (gb_reserve(b, 1 << 16))
			return -1;
		size_t n = fread(b->p + b->len, 1, b->cap - b->len - 1, f);

		b->len += n;
		if (n == 0)
			return ferror(f) ? -1 : 0;
	}
}

#ifdef KMM_HAVE_ZLIB
static int inflate_gzip(const struct growbuf *in, struct growbuf *out, char *err, size_t err_len)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in->p;
	z.avail_in = (unsigned int)in->len;
	for (;;) {
		if (gb_reserve(out, 1 << 20)) {
			inflateEnd(&z);
			return -1;
		}
		z.next_out = (unsigned char *)out->p + out->len;
		z.avail_out = (unsigned int)(out->cap - out->len - 1);
		r = inflate(&z, Z_NO_FLUSH);
		out->len = out->cap - 1 - z.avail_out;
		if (r == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			if (inflateReset(&z) != Z_OK) { /* concatenated members */
				r = Z_DATA_ERROR;
				break;
			}
			continue;
		}
		if (r == Z_BUF_ERROR && z.avail_out != 0) { /* truncated */
			r = Z_DATA_ERROR;
			break;
		}
		if (r != Z_OK && r != Z_BUF_ERROR)
			break;
	}
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		snprintf(err, err_len, "gzip data is corrupt (zlib error %d)", r);
		return -1;
	}
	return 0;
}
#endif

#ifdef KMM_HAVE_LZMA
static int inflate_xz(const struct growbuf *in, struct growbuf *out, char *err, size_t err_len)
{
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret r;

	if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return -1;
	z.next_in = (const uint8_t *)in->p;
	z.avail_in = in->len;
	do {
		if (gb_reserve(out, 1 << 20)) {
			lzma_end(&z);
			return -1;
		}
		z.next_out = (uint8_t *)out->p + out->len;
		z.avail_out = out->cap - out->len - 1;
		r = lzma_code(&z, z.avail_in ? LZMA_RUN : LZMA_FINISH);
		out->len = out->cap - 1 - z.avail_out;
	} while (r == LZMA_OK);
	lzma_end(&z);
	if (r != LZMA_STREAM_END) {
		snprintf(err, err_len, "xz data is corrupt (liblzma error %d)", (int)r);
		return -1;
	}
	return 0;
}
#endif

static __attribute__((unused)) int pipe_through(const char *tool, const char *path,
						struct growbuf *out, char *err, size_t err_len)
{
	char cmd[4200];
	FILE *f;
	int st;

	if (strchr(path, '\'')) {
		snprintf(err, err_len, "%s: a quote in the file name", path);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "%s -dc -- '%s'", tool, path);
	f = popen(cmd, "r");
	if (!f) {
		snprintf(err, err_len, "cannot run %s: %s", tool, strerror(errno));
		return -1;
	}
	st = read_stream(f, out);
	if (pclose(f) != 0 || st) {
		snprintf(err, err_len, "%s: %s -dc failed (corrupt or truncated?)", path, tool);
		return -1;
	}
	return 0;
}

int rp_read_trace(const char *path, char **buf, size_t *len, char *err, size_t err_len)
{
	struct growbuf raw = { 0 }, out = { 0 };
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	int ret = 0;

	if (!f) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (read_stream(f, &raw)) {
		snprintf(err, err_len, "%s: read error", path);
		ret = -1;
	}
	if (f != stdin)
		fclose(f);
	if (ret) {
		free(raw.p);
		return -1;
	}
	if (raw.len >= 2 && (uint8_t)raw.p[0] == 0x1f && (uint8_t)raw.p[1] == 0x8b) {
#ifdef KMM_HAVE_ZLIB
		ret = inflate_gzip(&raw, &out, err, err_len);
#else
		ret = strcmp(path, "-") ? pipe_through("gzip", path, &out, err, err_len) : -1;
#endif
		free(raw.p);
	} else if (raw.len >= 6 && !memcmp(raw.p,
					   "\xfd"
					   "7zXZ\0",
					   6)) {
#ifdef KMM_HAVE_LZMA
		ret = inflate_xz(&raw, &out, err, err_len);
#else
		ret = strcmp(path, "-") ? pipe_through("xz", path, &out, err, err_len) : -1;
#endif
		free(raw.p);
	} else {
		out = raw;
	}
	if (ret) {
		if (!err[0])
			snprintf(err, err_len, "%s: cannot decompress", path);
		free(out.p);
		return -1;
	}
	if (gb_reserve(&out, 0)) {
		free(out.p);
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	out.p[out.len] = '\0';
	*buf = out.p;
	*len = out.len;
	return 0;
}
