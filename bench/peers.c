/* SPDX-License-Identifier: MIT */
/*
 * bench/peers.c - the peer allocators kmm is measured against.
 *
 * glibc is the process's own malloc/free. jemalloc, mimalloc and tcmalloc
 * are loaded at run time with dlopen(soname, RTLD_LOCAL | RTLD_NOW), so a
 * machine without one still runs and reports it absent. RTLD_LOCAL keeps
 * their malloc/free out of the global symbol scope: the process (and kmm)
 * keeps using glibc, and the peer is only ever reached through the function
 * pointers taken from its own handle with dlsym. Each pointer is checked
 * with dladdr to live in the peer's own object, not in libc, and a small
 * allocation round trip is made before the peer is declared present. The
 * handles are never closed: unloading an allocator that may still own
 * memory (libstdc++'s, for one) is what is unsafe, not loading it.
 *
 * Symbols: mimalloc and tcmalloc export prefixed entry points (mi_malloc,
 * tc_malloc). Debian's jemalloc has no prefix, so its plain malloc/free are
 * looked up in its handle, which finds the handle's own definitions first.
 *
 * jemalloc is built with initial-exec TLS (DF_STATIC_TLS, 2.6 KiB), more
 * than the surplus glibc keeps for dlopen (512 bytes by default), so its
 * dlopen fails with "cannot allocate memory in static TLS block". When that
 * happens the command re-executes itself once (same pid, same argv from
 * /proc/self/cmdline) with glibc.rtld.optional_static_tls raised through
 * GLIBC_TUNABLES; it does so before anything has been printed. The guard
 * variable KMM_BENCH_REEXECED prevents a loop, and setting it beforehand
 * forbids the re-exec (jemalloc is then reported absent). This keeps every
 * peer in-process, so peer repetitions interleave with kmm's exactly.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/*
 * A sanitizer build (KMM_SANITIZE) replaces malloc itself and reports the
 * peers' private bookkeeping as leaks; its timings mean nothing anyway, so
 * only kmm, mmap and the process's malloc are measured there.
 */
#ifdef KMM_SANITIZED
#define KMM_BENCH_SANITIZED 1
#else
#define KMM_BENCH_SANITIZED 0
#endif

#define PEER_REEXEC_ENV "KMM_BENCH_REEXECED"
#define PEER_TLS_TUNABLE "glibc.rtld.optional_static_tls=16384"

struct peer_spec {
	const char *name;
	const char *soname;
	const char *malloc_sym;
	const char *free_sym;
};

static const struct peer_spec peer_specs[] = {
	{ "glibc", NULL, "malloc", "free" },
	{ "jemalloc", "libjemalloc.so.2", "malloc", "free" },
	{ "mimalloc", "libmimalloc.so.2", "mi_malloc", "mi_free" },
	{ "tcmalloc", "libtcmalloc_minimal.so.4", "tc_malloc", "tc_free" },
};

#define NR_PEERS ((int)(sizeof(peer_specs) / sizeof(peer_specs[0])))

static struct bench_peer peers[NR_PEERS];
static bool peers_loaded;

int bench_nr_peers(void)
{
	return NR_PEERS;
}

const struct bench_peer *bench_peer(int i)
{
	return i >= 0 && i < NR_PEERS ? &peers[i] : NULL;
}

/* Re-execute this command with more static TLS for dlopen; returns only on failure. */
static void peer_reexec(void)
{
	static char cmdline[65536];
	char *argv[1024];
	const char *old = getenv("GLIBC_TUNABLES");
	char tunables[1024];
	size_t len = 0, off;
	ssize_t got;
	int argc = 0;
	FILE *f;

	if (getenv(PEER_REEXEC_ENV))
		return;
	f = fopen("/proc/self/cmdline", "r");
	if (!f)
		return;
	while (len < sizeof(cmdline) - 1 &&
	       (got = (ssize_t)fread(cmdline + len, 1, sizeof(cmdline) - 1 - len, f)) > 0)
		len += (size_t)got;
	fclose(f);
	if (!len || len >= sizeof(cmdline) - 1)
		return;
	cmdline[len] = '\0';
	for (off = 0; off < len && argc < (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	     off += strlen(cmdline + off) + 1)
		argv[argc++] = cmdline + off;
	argv[argc] = NULL;

	if (old && *old)
		snprintf(tunables, sizeof(tunables), "%s:%s", old, PEER_TLS_TUNABLE);
	else
		snprintf(tunables, sizeof(tunables), "%s", PEER_TLS_TUNABLE);
	setenv(PEER_REEXEC_ENV, "1", 1);
	setenv("GLIBC_TUNABLES", tunables, 1);
	fflush(NULL);
	execv("/proc/self/exe", argv);
}

/* Does `fn` live in the object loaded as `h`? */
static bool peer_sym_in(void *h, void *fn, char *why, size_t why_len)
{
	struct link_map *lm = NULL;
	Dl_info info;

	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) || !lm || !dladdr(fn, &info) || !info.dli_fname) {
		snprintf(why, why_len, "cannot locate its symbols");
		return false;
	}
	if (strcmp(info.dli_fname, lm->l_name)) {
		snprintf(why, why_len, "symbol resolved to %s", info.dli_fname);
		return false;
	}
	return true;
}

/* The process's own malloc must be glibc's for the "glibc" rows to mean that. */
static void peer_load_glibc(struct bench_peer *p, const struct peer_spec *s)
{
	void *fn = dlsym(RTLD_DEFAULT, s->malloc_sym);
	Dl_info info;
	const char *base;

	if (!fn || !dladdr(fn, &info) || !info.dli_fname) {
		snprintf(p->why, sizeof(p->why), "cannot locate the process's malloc");
		return;
	}
	base = strrchr(info.dli_fname, '/');
	base = base ? base + 1 : info.dli_fname;
	if (strncmp(base, "libc.so", 7)) {
		snprintf(p->why, sizeof(p->why), "the process's malloc comes from %s", base);
		return;
	}
	p->malloc_fn = malloc;
	p->free_fn = free;
	p->present = true;
}

static void peer_load(struct bench_peer *p, const struct peer_spec *s)
{
	void *h, *m, *f, *probe;
	const char *err, *tun;

	h = dlopen(s->soname, RTLD_LOCAL | RTLD_NOW);
	if (!h) {
		err = dlerror();
		snprintf(p->why, sizeof(p->why), "%s", err ? err : "dlopen failed");
		tun = getenv("GLIBC_TUNABLES");
		if (strstr(p->why, "static TLS")) {
			if (!getenv(PEER_REEXEC_ENV))
				peer_reexec();
			else if (tun && strstr(tun, PEER_TLS_TUNABLE))
				snprintf(p->why, sizeof(p->why), "%s: too little static TLS even "
					 "with " PEER_TLS_TUNABLE, s->soname);
		}
		return;
	}
	m = dlsym(h, s->malloc_sym);
	f = dlsym(h, s->free_sym);
	if (!m || !f) {
		snprintf(p->why, sizeof(p->why), "%s: no %s/%s", s->soname, s->malloc_sym,
			 s->free_sym);
		return;
	}
	if (!peer_sym_in(h, m, p->why, sizeof(p->why)) ||
	    !peer_sym_in(h, f, p->why, sizeof(p->why)))
		return;
	/* POSIX guarantees that a data pointer can hold what dlsym returns. */
	memcpy(&p->malloc_fn, &m, sizeof(m));
	memcpy(&p->free_fn, &f, sizeof(f));
	probe = p->malloc_fn(64);
	if (!probe) {
		snprintf(p->why, sizeof(p->why), "%s: %s(64) failed", s->soname, s->malloc_sym);
		return;
	}
	memset(probe, 0x5a, 64);
	p->free_fn(probe);
	p->present = true;
}

void bench_peers_init(void)
{
	int i;

	if (peers_loaded)
		return;
	peers_loaded = true;
	for (i = 0; i < NR_PEERS; i++) {
		struct bench_peer *p = &peers[i];

		p->name = peer_specs[i].name;
		p->soname = peer_specs[i].soname;
		if (p->soname && KMM_BENCH_SANITIZED)
			snprintf(p->why, sizeof(p->why), "not loaded into a sanitizer build");
		else if (p->soname)
			peer_load(p, &peer_specs[i]);
		else
			peer_load_glibc(p, &peer_specs[i]);
		if (!p->present)
			fprintf(stderr, "kmm bench: peer %s absent: %s\n", p->name, p->why);
	}
}
