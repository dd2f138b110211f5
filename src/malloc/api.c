/* SPDX-License-Identifier: MIT */
/*
 * malloc/api.c - the C library's allocation functions over the machine.
 *
 * Where a block comes from, by size:
 *   0..32 KiB     a slab cache of libkmm-malloc's own size classes
 *                 (malloc-16 ... malloc-32768: 16-byte steps to 256, then
 *                 eight per power of two), every one aligned to 16 bytes
 *                 (max_align_t) - kmalloc-8 is never used - and the
 *                 power-of-two classes aligned to their size;
 *   to 4 MiB      kmalloc's large path: a compound block of the page
 *                 allocator, aligned to its size;
 *   above         huge.c: a host mapping of its own.
 * malloc(0) returns a unique 16-byte block (glibc does the same).
 *
 * The aligned family: an alignment of at most 16 is malloc; above, the
 * block is the power-of-two class, compound block or huge mapping of
 * max(size, alignment) rounded to a power of two, which is aligned to its
 * size (boot.c maps the machine aligned to 4 MiB).
 *
 * free and realloc tell blocks apart by address (kmm_malloc.h): the
 * machine's memory goes to kfree, which finds the cache or compound block
 * from the pointer alone; the boot arena is never freed; a registered huge
 * block goes to huge.c; anything else is foreign and goes to the real libc
 * (silently unless KMM_MALLOC_DEBUG=foreign).
 *
 * realloc follows glibc (and C17's implementation-defined cases so):
 * realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and returns NULL; a
 * failure returns NULL with errno ENOMEM and leaves p as it was. A block
 * stays in place while the new size fits its usable size and is more than
 * half of it; huge blocks grow and shrink in place or move with mremap.
 */
#define _GNU_SOURCE
/* The slab layer's inline fast paths first: they use the kernel's names. */
#include "slab/slab.h"
#include "trace/trace.h"

#include "malloc/kmm_malloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The class of a size, computed (km_classes_init fills the tables from it). */
static unsigned int size_class_calc(size_t size)
{
	unsigned int e;

	if (size <= 256)
		return size ? (unsigned int)((size + 15) >> 4) - 1 : 0;
	e = 64 - (unsigned int)__builtin_clzll((unsigned long long)(size - 1)); /* fls */
	return 16 + (e - 9) * 8 + (unsigned int)((size - 1 - (1ull << (e - 1))) >> (e - 4));
}

/*
 * The class of a size, looked up: every class boundary to 1 KiB is a
 * multiple of 16 and every one above a multiple of 128, so two tables
 * indexed by the size rounded up to those steps hold the whole map. One
 * load replaces the computation and its branch at 256, which sizes spread
 * around 256 mispredict.
 */
static uint8_t class_by_16[1024 / 16 + 1], class_by_128[KM_MAX_CLASS / 128 + 1];

void km_classes_init(void)
{
	for (unsigned int i = 0; i < sizeof(class_by_16); i++)
		class_by_16[i] = (uint8_t)size_class_calc(16 * i);
	for (unsigned int i = 0; i < sizeof(class_by_128); i++)
		class_by_128[i] = (uint8_t)size_class_calc(128 * i);
}

static inline unsigned int size_class(size_t size)
{
	if (km_likely(size <= 1024))
		return class_by_16[(size + 15) >> 4];
	return class_by_128[(size + 127) >> 7];
}

/*
 * The slab layer's fast paths (slab/slab.h), inlined into the whole paths of
 * malloc, free and the aligned family:
 * the per-CPU array pop and push of kmm_kmem_cache_alloc and kmm_kfree,
 * with their checks but for the one that a cache pointer is a cache
 * (km.cls holds only caches), without the calls. Whatever they decline
 * (an empty or full array, a debug cache, a large block, a bad pointer)
 * takes the public calls, which retry and report.
 */
static inline void *km_class_alloc(unsigned int c)
{
	struct kmem_cache *s = km_class(c);
	void *obj;

	if (km_unlikely(!s))
		return NULL;
	obj = slab_alloc_fast_cache(km.m, s, KM_GFP);
	if (km_likely(obj))
		return trace_cache_alloc(km.m, s, KM_GFP, -1, obj);
	return kmm_kmem_cache_alloc(km.m, s, KM_GFP);
}

/*
 * Debug caches go through kmm_kfree, so that their stack traces (slab_debug=U)
 * keep the frames they skip; only they record the caller slab_free_slow gets.
 */
static inline void km_kfree(void *p)
{
	kmm_machine *m = km.m;
	struct page *page = virt_to_head_page_m(m, p);
	struct kmem_cache *s = km_likely(page) ? page_slab_cache(page) : NULL;

	if (km_likely(s) && km_likely(!s->debug)) {
		trace_kfree(m, p);
		if (km_unlikely(!slab_free_push(m, s, page, p)))
			slab_free_slow(m, s, page, p, 0);
		return;
	}
	kmm_kfree(m, p);
}

/* zero: 0 or KMM_GFP_ZERO, for calloc's compound blocks (the page allocator clears or knows) */
static inline void *km_alloc(size_t size, kmm_gfp_t zero)
{
	if (km_likely(size <= KM_MAX_CLASS))
		return km_class_alloc(size_class(size));
	if (size <= km.max_kmalloc)
		return kmm_kmalloc(km.m, size, KM_GFP | zero);
	return km_huge_alloc(size, 0);
}

/* A block of at least `size` bytes aligned to `align` (a power of two). */
static void *km_alloc_aligned(size_t align, size_t size)
{
	size_t n;

	if (align <= KM_ALIGN)
		return km_alloc(size, 0);
	n = size > align ? size : align;
	if (n > km.max_kmalloc)
		return km_huge_alloc(size, align);
	if (n & (n - 1))
		n = (size_t)1 << (64 - __builtin_clzll((unsigned long long)n));
	if (n <= km.page_size)
		return km_class_alloc(size_class(n));
	/* a compound block (kmalloc's large path starts above its largest class) */
	if (n <= km.max_cache)
		n = km.max_cache + 1;
	return kmm_kmalloc(km.m, n, KM_GFP);
}

void *km_real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

void km_foreign_report(const char *what, const void *p)
{
	char msg[160];
	int n;

	if (!km.debug_foreign)
		return;
	n = snprintf(
		msg, sizeof(msg),
		"libkmm-malloc: %s(%p): not a block of this machine; passed to the C library\n",
		what, p);
	if (n > 0 && write(2, msg, (size_t)n) < 0)
		return;
}

static size_t usable(const void *p)
{
	size_t n;

	if (km_in_machine(p)) {
		km_gate_enter();
		n = kmm_ksize(km.m, p);
		km_gate_exit();
		return n;
	}
	if (km_in_arena(p))
		return km_arena_usable(p);
	if (km_huge_owns(p))
		return km_huge_usable(p);
	{
		size_t (*real)(void *) = (size_t(*)(void *))km_real("malloc_usable_size");

		km_foreign_report("malloc_usable_size", p);
		return real ? real((void *)p) : 0;
	}
}

/*
 * malloc's and free's fast paths: code without a call, which either
 * finishes on this CPU's array or declines (NULL, false) having changed
 * nothing; malloc and free then take the whole path (km_malloc_slow,
 * km_free_slow). The whole path is inlined after the fast path, not
 * tail-called: a tail call would drop malloc's frame from the stack, and
 * SLUB's reports (slab_debug=U) would begin at a static function that
 * dladdr cannot name (tests/malloc/debug_reports.sh, Release build). The
 * fast paths decline everything but a class of at most 1 KiB from a cache
 * without debugging or init_on_alloc, while the machine is neither tracing
 * nor injecting faults, and a thread the gate knows. Figures:
 * bench/README.md.
 */
static inline void *km_fast_malloc(size_t size)
{
	struct kmem_cache *s;
	kmm_machine *m;
	void *obj = NULL;

	if (km_unlikely(size > 1024))
		return NULL;
	s = __atomic_load_n(&km.cls[class_by_16[(size + 15) >> 4]], __ATOMIC_ACQUIRE);
	if (km_unlikely(!s) || km_unlikely(!km_gate_enter_fast()))
		return NULL;
	m = km.m;
	if (km_likely(!trace_enabled(m)))
		obj = slab_alloc_fast_leaf(m, s);
	km_gate_exit_fast();
	return obj;
}

static inline bool km_fast_free(void *p)
{
	kmm_machine *m;
	struct page *page;
	struct kmem_cache *s;
	bool done = false;

	if (km_unlikely(!km_in_machine(p)) || km_unlikely(!km_gate_enter_fast()))
		return false;
	m = km.m;
	page = virt_to_head_page_m(m, p);
	s = km_likely(page) ? page_slab_cache(page) : NULL;
	if (km_likely(s) && km_likely(!s->debug) && km_likely(!trace_enabled(m)))
		done = slab_free_push(m, s, page, p);
	km_gate_exit_fast();
	return done;
}

static inline __attribute__((always_inline)) void *km_malloc_slow(size_t size, kmm_gfp_t zero)
{
	void *p = NULL;

	if (km_unlikely(km_boot())) {
		p = km_arena_alloc(size, KM_ALIGN);
	} else {
		unsigned long seen = km_grown();

		km_gate_enter();
		p = km_alloc(size, zero);
		while (km_unlikely(!p) && km_grow(&seen))
			p = km_alloc(size, zero);
		km_gate_exit();
	}
	if (km_unlikely(!p))
		errno = ENOMEM;
	return p;
}

KM_EXPORT void *malloc(size_t size)
{
	void *p = km_fast_malloc(size);

	if (km_likely(p))
		return p;
	return km_malloc_slow(size, 0);
}

static inline __attribute__((always_inline)) void km_free_slow(void *p)
{
	if (!p)
		return;
	if (km_likely(km_in_machine(p))) {
		km_gate_enter();
		km_kfree(p);
		km_gate_exit();
		return;
	}
	if (km_in_arena(p))
		return;
	if (km_huge_owns(p)) {
		km_huge_free(p);
		return;
	}
	{
		void (*real)(void *) = (void (*)(void *))km_real("free");

		km_foreign_report("free", p);
		if (real)
			real(p);
	}
}

KM_EXPORT void free(void *p)
{
	if (km_likely(km_fast_free(p)))
		return;
	km_free_slow(p);
}

KM_EXPORT void *calloc(size_t n, size_t size)
{
	size_t bytes;
	void *p = NULL;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	/*
	 * A compound block (above the largest class) comes zeroed from the page allocator, which
	 * does not clear memory nobody has written yet (docs/zones.md, "Known-zero free blocks"): a
	 * large calloc on fresh memory stays unresident, as glibc's mmap'd one does. Huge blocks
	 * are fresh host mappings. Slab objects are cleared here.
	 */
	if (bytes > KM_MAX_CLASS && bytes <= km.max_kmalloc)
		return km_malloc_slow(bytes, KMM_GFP_ZERO);
	p = malloc(bytes);
	if (p && !km_huge_owns(p))
		memset(p, 0, bytes);
	return p;
}

KM_EXPORT void *realloc(void *p, size_t size)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(size);
	if (size == 0) {
		free(p);
		return NULL;
	}
	if (km_in_machine(p)) {
		km_gate_enter();
		old = kmm_ksize(km.m, p);
		km_gate_exit();
		if (size <= old && (size > old / 2 || old <= KM_ALIGN))
			return p;
	} else if (km_in_arena(p)) {
		old = km_arena_usable(p);
	} else if (km_huge_owns(p)) {
		if (size > km.max_kmalloc) {
			q = km_huge_realloc(p, size);
			if (!q)
				errno = ENOMEM;
			return q;
		}
		old = km_huge_usable(p);
	} else {
		void *(*real)(void *, size_t) = (void *(*)(void *, size_t))km_real("realloc");

		km_foreign_report("realloc", p);
		return real ? real(p, size) : NULL;
	}
	q = malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, old < size ? old : size);
	free(p);
	return q;
}

KM_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, bytes);
}

static void *aligned(size_t align, size_t size)
{
	void *p = NULL;

	if (km_unlikely(km_boot())) {
		p = km_arena_alloc(size, align);
	} else {
		unsigned long seen = km_grown();

		km_gate_enter();
		p = km_alloc_aligned(align, size);
		while (!p && km_grow(&seen))
			p = km_alloc_aligned(align, size);
		km_gate_exit();
	}
	return p;
}

KM_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = NULL;

	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	p = aligned(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

KM_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	void *p = NULL;

	if (!align || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	p = aligned(align, size);
	if (!p)
		errno = ENOMEM;
	return p;
}

KM_EXPORT void *memalign(size_t align, size_t size)
{
	void *p = NULL;

	if (align > ((size_t)1 << 63)) {
		errno = EINVAL;
		return NULL;
	}
	if (align & (align - 1)) /* glibc rounds up to a power of two */
		align = (size_t)1 << (64 - __builtin_clzll((unsigned long long)align));
	p = aligned(align ? align : 1, size);
	if (!p)
		errno = ENOMEM;
	return p;
}

KM_EXPORT void *valloc(size_t size)
{
	return memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

KM_EXPORT void *pvalloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), bytes;

	if (__builtin_add_overflow(size, page - 1, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	bytes &= ~(page - 1);
	return memalign(page, bytes ? bytes : page);
}

KM_EXPORT size_t malloc_usable_size(void *p)
{
	return p ? usable(p) : 0;
}

/* The pointer predicate: 1 when p is a block of this library (not NULL, not foreign). */
KM_EXPORT int kmm_malloc_owns(const void *p)
{
	return p && (km_in_machine(p) || km_in_arena(p) || km_huge_owns(p));
}

/* The machine behind malloc (booted on first call). */
KM_EXPORT kmm_machine *kmm_malloc_machine(void)
{
	if (km_boot())
		return NULL;
	return km.m;
}
