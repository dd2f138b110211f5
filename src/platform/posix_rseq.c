/* SPDX-License-Identifier: MIT */
/*
 * platform/posix_rseq.c - where each thread's rseq area is, without a hard
 * dependency on a new glibc.
 *
 * The core's per-CPU fast paths (smp/rseq.h) need every thread to have a
 * registered struct rseq at the same offset from its thread pointer. glibc
 * 2.35 and later register one for every thread and publish the offset and
 * size in two symbols of the dynamic loader, __rseq_offset and __rseq_size.
 * Referring to them, even weakly, would give libkmm.so a version need on
 * GLIBC_2.35 that the dynamic loader enforces, so the library would not load
 * on an older glibc. Looking them up with dlsym would need dlsym@GLIBC_2.34.
 * Instead this file reads the loaded objects' dynamic symbol tables itself
 * (dl_iterate_phdr, the GNU or SysV hash table of each object), which every
 * glibc since 2.2.5 supports.
 *
 * Three outcomes, decided once per process:
 *  - libc registered an area (__rseq_size >= 20): kmm uses it, as before;
 *  - libc did not (glibc older than 2.35, or glibc.pthread.rseq=0 in
 *    GLIBC_TUNABLES: __rseq_size is then 0): kmm registers an area of its
 *    own, an initial-exec __thread variable (so its offset from the thread
 *    pointer is one constant for every thread). The booting thread registers
 *    in kmm_os_smp_caps, every other thread on its first visit
 *    (kmm_os_rseq_thread_init, called by smp_host_cpu when it reads the
 *    kernel's "not registered" CPU number, -1, which is what the area holds
 *    until the kernel fills it);
 *  - the registration fails (no rseq in the kernel, a seccomp filter, or an
 *    area registered by someone kmm cannot see, as in a fully static glibc
 *    executable): no rseq, and the core uses compare-and-swap locks.
 *
 * Invariant: a thread's own area holds cpu_id -1 until this thread is
 * registered and -2 after its registration failed, never a CPU number that
 * the kernel did not write, so no unregistered thread passes for CPU 0.
 */
#define _GNU_SOURCE
#include "platform/posix_rseq.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)

#ifndef SYS_rseq
#define SYS_rseq 334
#endif
#define POSIX_RSEQ_SIG 0x53053053u /* must match the signature in smp/rseq.h */
#define CPU_ID_UNREGISTERED 0xffffffffu
#define CPU_ID_FAILED 0xfffffffeu

/* struct rseq of the kernel's original ABI (32 bytes, 32-byte aligned). */
struct own_rseq {
	uint32_t cpu_id_start;
	uint32_t cpu_id;
	uint64_t rseq_cs;
	uint32_t flags;
	uint32_t pad[3];
} __attribute__((aligned(32)));

static __thread struct own_rseq own_area __attribute__((tls_model("initial-exec"))) = {
	.cpu_id_start = 0,
	.cpu_id = CPU_ID_UNREGISTERED,
};

/* ---- looking a symbol up in the loaded objects ------------------------------ */

struct sym_query {
	const char *name;
	const void *addr;
};

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static uint32_t sysv_hash(const char *s)
{
	uint32_t h = 0, g;

	for (; *s; s++) {
		h = (h << 4) + (unsigned char)*s;
		g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* A dynamic-section address: glibc relocates most in place, not all (the vDSO). */
static uintptr_t dyn_addr(const struct dl_phdr_info *info, ElfW(Addr) ptr)
{
	return ptr < info->dlpi_addr ? info->dlpi_addr + ptr : ptr;
}

static const ElfW(Sym) *match(const ElfW(Sym) *sym, const char *strtab, const char *name)
{
	if (sym->st_shndx == SHN_UNDEF || (sym->st_info & 0xf) == STT_TLS)
		return NULL;
	return strcmp(strtab + sym->st_name, name) == 0 ? sym : NULL;
}

static const ElfW(Sym) *lookup_gnu(const uint32_t *table, const ElfW(Sym) *symtab,
				   const char *strtab, const char *name)
{
	uint32_t nbuckets = table[0], symoffset = table[1], bloom_words = table[2];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)(const void *)(table + 4);
	const uint32_t *buckets = (const uint32_t *)(const void *)(bloom + bloom_words);
	const uint32_t *chain = buckets + nbuckets;
	uint32_t h = gnu_hash(name), i;

	if (nbuckets == 0)
		return NULL;
	i = buckets[h % nbuckets];
	if (i < symoffset)
		return NULL;
	for (;; i++) {
		uint32_t h2 = chain[i - symoffset];
		const ElfW(Sym) *sym;

		if ((h | 1) == (h2 | 1) && (sym = match(&symtab[i], strtab, name)))
			return sym;
		if (h2 & 1)
			return NULL;
	}
}

static const ElfW(Sym) *lookup_sysv(const uint32_t *table, const ElfW(Sym) *symtab,
				    const char *strtab, const char *name)
{
	uint32_t nbuckets = table[0], nchain = table[1];
	const uint32_t *buckets = table + 2, *chain = buckets + nbuckets;

	if (nbuckets == 0)
		return NULL;
	for (uint32_t i = buckets[sysv_hash(name) % nbuckets]; i != STN_UNDEF && i < nchain;
	     i = chain[i]) {
		const ElfW(Sym) *sym = match(&symtab[i], strtab, name);

		if (sym)
			return sym;
	}
	return NULL;
}

static int lookup_in_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct sym_query *q = data;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL, *sym = NULL;
	const char *strtab = NULL;
	const uint32_t *gnu = NULL, *sysv = NULL;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			symtab = (const ElfW(Sym) *)dyn_addr(info, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			strtab = (const char *)dyn_addr(info, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_GNU_HASH)
			gnu = (const uint32_t *)dyn_addr(info, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			sysv = (const uint32_t *)dyn_addr(info, dyn->d_un.d_ptr);
	}
	if (!symtab || !strtab)
		return 0;
	if (gnu)
		sym = lookup_gnu(gnu, symtab, strtab, q->name);
	else if (sysv)
		sym = lookup_sysv(sysv, symtab, strtab, q->name);
	if (!sym)
		return 0;
	q->addr = (const void *)(info->dlpi_addr + sym->st_value);
	return 1;
}

const void *posix_lookup_symbol(const char *name)
{
	struct sym_query q = { name, NULL };

	dl_iterate_phdr(lookup_in_object, &q);
	return q.addr;
}

/* ---- the decision, once per process ---------------------------------------- */

enum rseq_owner { OWNER_UNKNOWN, OWNER_LIBC, OWNER_KMM };

static int owner;	   /* enum rseq_owner, published with release */
static long libc_offset;   /* valid when owner == OWNER_LIBC */
static unsigned libc_size; /* ditto */

static int decide_owner(void)
{
	int o = __atomic_load_n(&owner, __ATOMIC_ACQUIRE);
	const ptrdiff_t *off;
	const unsigned int *size;

	if (o != OWNER_UNKNOWN)
		return o;
	off = posix_lookup_symbol("__rseq_offset");
	size = posix_lookup_symbol("__rseq_size");
	o = OWNER_KMM;
	if (off && size && *size >= 20) {
		__atomic_store_n(&libc_offset, (long)*off, __ATOMIC_RELAXED);
		__atomic_store_n(&libc_size, *size, __ATOMIC_RELAXED);
		o = OWNER_LIBC;
	}
	__atomic_store_n(&owner, o, __ATOMIC_RELEASE); /* racing deciders agree */
	return o;
}

static long own_offset(void)
{
	uintptr_t tp;

	__asm__("movq %%fs:0, %0" : "=r"(tp)); /* the TCB points at itself */
	return (long)((uintptr_t)&own_area - tp);
}

int kmm_os_rseq_thread_init(void)
{
	struct own_rseq *area;

	if (__atomic_load_n(&owner, __ATOMIC_ACQUIRE) != OWNER_KMM)
		return -1;
	area = &own_area;
	if (area->cpu_id < 0x80000000u)
		return 0;
	if (area->cpu_id == CPU_ID_FAILED)
		return -1;
	if (syscall(SYS_rseq, area, sizeof(*area), 0, POSIX_RSEQ_SIG) != 0) {
		area->cpu_id = CPU_ID_FAILED;
		return -1;
	}
	return area->cpu_id < 0x80000000u ? 0 : -1;
}

int posix_rseq_area(long *offset, unsigned int *size)
{
	if (decide_owner() == OWNER_LIBC) {
		*offset = __atomic_load_n(&libc_offset, __ATOMIC_RELAXED);
		*size = __atomic_load_n(&libc_size, __ATOMIC_RELAXED);
		return 0;
	}
	if (kmm_os_rseq_thread_init() != 0)
		return -1;
	*offset = own_offset();
	*size = sizeof(struct own_rseq);
	return 0;
}

#else /* no rseq code for this architecture */

const void *posix_lookup_symbol(const char *name)
{
	(void)name;
	return NULL;
}

int kmm_os_rseq_thread_init(void)
{
	return -1;
}

int posix_rseq_area(long *offset, unsigned int *size)
{
	(void)offset;
	(void)size;
	return -1;
}

#endif
