/* SPDX-License-Identifier: MIT */
/*
 * malloc/kmm_malloc.h - libkmm-malloc's state, shared by its files.
 *
 * libkmm-malloc is hosted glue over the instance API, like src/linux/: the
 * C library's allocation functions served by one kmm machine per process
 * (docs/malloc.md). Its files:
 *
 *   boot.c   the process's machine: sized from the host, booted lazily on
 *            first use over a private mapping the library makes itself, a
 *            bump arena for allocations made while it boots, the size
 *            classes' caches (each created on its first use), fork safety
 *   api.c    malloc, free, calloc, realloc, the aligned family, usable size
 *   grow.c   the machine grows by memory hotplug when an allocation fails
 *   huge.c   blocks above the buddy allocator's largest order: host mappings
 *   stats.c  malloc_trim, mallinfo2, malloc_stats, mallopt, KMM_STATS
 *
 * Ownership: a pointer belongs to the library when it lies in the machine's
 * physical memory [mm.base, mm.base + mm.size), in the boot arena, or is a
 * registered huge block. Anything else is foreign (allocated by ld.so
 * before the preload took over, or by the real libc's malloc) and is passed
 * on to the real libc (dlsym(RTLD_NEXT)).
 *
 * The fork gate (boot.c): every entry point runs between gate_enter() and
 * gate_exit(). pthread_atfork's prepare handler closes the gate and waits
 * until no thread is inside, so the child's copy of the machine has no lock
 * held and no operation half done; both sides reopen it.
 */
#ifndef KMM_MALLOC_INTERNAL_H
#define KMM_MALLOC_INTERNAL_H

#define KMM_NO_LINUX_NAMES 1
#include <kmm/kmm.h>
#include <kmm/slab.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KM_EXPORT __attribute__((visibility("default")))
#define KM_TLS __thread __attribute__((tls_model("initial-exec")))
#define km_likely(x) __builtin_expect(!!(x), 1)
#define km_unlikely(x) __builtin_expect(!!(x), 0)
/* The pointee is not read (only the address): calloc asks about fresh, uninitialized memory. */
#if defined(__GNUC__) && !defined(__clang__)
#define KM_ADDRESS_ONLY(i) __attribute__((access(none, i)))
#else
#define KM_ADDRESS_ONLY(i)
#endif

/* Size classes: 16..256 by 16, then eight per power of two up to 32 KiB. */
#define KM_NR_CLASSES 72
#define KM_MAX_CLASS 32768u
/* Alignment of every block malloc returns (max_align_t). */
#define KM_ALIGN 16u
/* The largest alignment the aligned family serves from the machine. */
#define KM_GFP_FULL (KMM_GFP_KERNEL | KMM_GFP_NOWARN)
/* What the machine is asked with: KM_GFP_FULL | __GFP_NORETRY while it can grow (grow.c). */
#define KM_GFP (__atomic_load_n(&km.gfp, __ATOMIC_RELAXED))

struct km_state {
	kmm_machine *m;
	char *base; /* the machine's physical memory, mapped by boot.c */
	size_t size;
	size_t max_kmalloc; /* kmm_kmalloc_max_size: above it, huge.c */
	size_t page_size;
	size_t max_cache; /* kmm_kmalloc_max_cache_size: kmalloc's largest class */
	struct kmem_cache *cls[KM_NR_CLASSES]; /* NULL until the class's first use */
	int debug_foreign; /* KMM_MALLOC_DEBUG=foreign: report foreign pointers */
	unsigned int gfp;  /* KM_GFP: written by grow.c */
	/* grow.c: the machine's RAM is [4G, grow_next); it may grow to grow_limit */
	uint64_t grow_next, grow_limit;
	unsigned long grown;	       /* blocks added since boot */
	unsigned long free_after_grow; /* the zone's free pages after the last growth, or 0 */
	uint64_t refused_at;	       /* when the host last refused to commit a block, or 0 */
};

extern struct km_state km;

/* boot.c */
int km_boot_slow(void);
void *km_arena_alloc(size_t size, size_t align);
bool km_in_arena(const void *p);
size_t km_arena_usable(const void *p);

/* grow.c: true when the caller should try again (the machine grew since *seen). */
bool km_grow(unsigned long *seen);

static inline unsigned long km_grown(void)
{
	return __atomic_load_n(&km.grown, __ATOMIC_ACQUIRE);
}

/* 0 when the machine is up (booting it on first use); -1: serve from the arena. */
static inline int km_boot(void)
{
	if (km_likely(__atomic_load_n(&km.m, __ATOMIC_ACQUIRE) != NULL))
		return 0;
	return km_boot_slow();
}

/*
 * The fork gate's per-thread record (boot.c). Its fast paths are inline,
 * on every malloc and free: a thread already registered marks itself
 * inside and checks that the gate is open; anything else (first visit,
 * a thread past its exit destructor, a closed gate) is km_gate_enter_slow.
 */
struct km_thread {
	int inside;
	int registered; /* 1 linked, 2 unlinked by the exit destructor */
	struct km_thread *next, *prev;
};

extern KM_TLS struct km_thread km_self;
extern int km_gate_closed;
extern int km_gate_fence; /* 1: no membarrier, enter with a full fence */
void km_gate_enter_slow(void);
void km_gate_exit_late(void);

/*
 * A registered thread's try: mark itself inside, then (after a fence the
 * fork handler's membarrier completes, or a full one without membarrier)
 * look at the gate. false: it is closed, and the thread is still marked.
 */
static inline bool km_gate_try(void)
{
	__atomic_store_n(&km_self.inside, 1, __ATOMIC_RELAXED);
	if (km_unlikely(km_gate_fence))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return km_likely(!__atomic_load_n(&km_gate_closed, __ATOMIC_ACQUIRE));
}

static inline void km_gate_enter(void)
{
	if (km_likely(km_self.registered == 1) && km_gate_try())
		return;
	km_gate_enter_slow();
}

/*
 * The fast paths' entry: true when inside. false leaves the thread outside
 * (and changes nothing), for a caller that then takes km_gate_enter.
 */
static inline bool km_gate_enter_fast(void)
{
	if (km_likely(km_self.registered == 1)) {
		if (km_likely(km_gate_try()))
			return true;
		__atomic_store_n(&km_self.inside, 0, __ATOMIC_RELEASE);
	}
	return false;
}

/*
 * Leave after km_gate_enter_fast: the thread was registered on entry and
 * still is (only its own exit destructor unregisters it).
 */
static inline void km_gate_exit_fast(void)
{
	__atomic_store_n(&km_self.inside, 0, __ATOMIC_RELEASE);
}

static inline void km_gate_exit(void)
{
	if (km_unlikely(km_self.registered == 2))
		km_gate_exit_late();
	else
		__atomic_store_n(&km_self.inside, 0, __ATOMIC_RELEASE);
}

struct kmem_cache *km_class_create(unsigned int c); /* inside the gate; NULL: no memory */

/* Size class c's cache, created on its first use (boot.c). */
static inline struct kmem_cache *km_class(unsigned int c)
{
	struct kmem_cache *s = __atomic_load_n(&km.cls[c], __ATOMIC_ACQUIRE);

	return km_likely(s) ? s : km_class_create(c);
}

static inline bool km_in_machine(const void *p)
{
	return (uintptr_t)p - (uintptr_t)km.base < km.size;
}

/* huge.c */
void *km_huge_alloc(size_t size, size_t align);
bool km_huge_owns(const void *p) KM_ADDRESS_ONLY(1);
size_t km_huge_usable(const void *p);
void km_huge_free(void *p);
void *km_huge_realloc(void *p, size_t size);
void km_huge_totals(size_t *blocks, size_t *bytes);
void km_huge_lock(void);
void km_huge_unlock(void);

/* api.c */
void km_classes_init(void);	 /* at boot, before the machine is published */
void *km_real(const char *name); /* dlsym(RTLD_NEXT, name) */
void km_foreign_report(const char *what, const void *p);

/* stats.c */
void km_stats_init(void);

#endif /* KMM_MALLOC_INTERNAL_H */
