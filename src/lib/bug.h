/* SPDX-License-Identifier: MIT */
/*
 * lib/bug.h - assertions on the core's invariants, as Linux's BUG_ON,
 * WARN_ON and VM_BUG_ON_PAGE.
 *
 * They are active when the build sets KMM_DEBUG_CHECKS=1 (the CMake option
 * of the same name, on in Debug builds and in scripts/test.sh) and compile
 * to nothing otherwise; the condition is still parsed and type-checked in
 * every build (`if (KMM_DEBUG_CHECKS && ...)`, as jemalloc's config_debug),
 * so a release build cannot rot them, and it is never evaluated there: a
 * condition must have no side effects.
 *
 *  KMM_BUG_ON(m, cond)            "kernel BUG at src/page/buddy.c:123!" in the
 *                                 machine's log, the condition, then abort;
 *  KMM_WARN_ON(m, cond)           "WARNING: CPU: 0 PID: comm at file:line"
 *                                 and the condition, then go on; its value
 *                                 is the condition (if (KMM_WARN_ON(...)));
 *  VM_BUG_ON_PAGE(m, cond, page)  dump_page of the descriptor, then BUG.
 *
 * These are for states no caller can produce through the API: misuse by a
 * caller is never an assertion but a report that changes nothing (see
 * docs/architecture.md). The report is written through the machine's sink
 * without waiting on locks: an assertion may fire with a zone lock held.
 */
#ifndef KMM_LIB_BUG_H
#define KMM_LIB_BUG_H

#include "lib/compiler.h"

#ifndef KMM_DEBUG_CHECKS
#define KMM_DEBUG_CHECKS 0
#endif

struct kmm_machine;
struct page;

__attribute__((noreturn)) KMM_COLD void kmm_bug(struct kmm_machine *m, const char *file, int line,
						const char *cond);
KMM_COLD void kmm_warn(struct kmm_machine *m, const char *file, int line, const char *cond);
__attribute__((noreturn)) KMM_COLD void kmm_bug_page(struct kmm_machine *m, const struct page *page,
						     const char *file, int line, const char *cond);

#define KMM_BUG_ON(m, cond)                                                            \
	do {                                                                           \
		if (KMM_DEBUG_CHECKS && unlikely(cond))                                \
			kmm_bug((struct kmm_machine *)(m), __FILE__, __LINE__, #cond); \
	} while (0)

#define KMM_WARN_ON(m, cond)                                                            \
	({                                                                              \
		bool __kmm_w = false;                                                   \
		if (KMM_DEBUG_CHECKS && unlikely(cond)) {                               \
			__kmm_w = true;                                                 \
			kmm_warn((struct kmm_machine *)(m), __FILE__, __LINE__, #cond); \
		}                                                                       \
		__kmm_w;                                                                \
	})

#define VM_BUG_ON_PAGE(m, cond, page)                                                       \
	do {                                                                                \
		if (KMM_DEBUG_CHECKS && unlikely(cond))                                     \
			kmm_bug_page((struct kmm_machine *)(m), (page), __FILE__, __LINE__, \
				     #cond);                                                \
	} while (0)

/* The path below the last "src/" of a __FILE__, as the kernel prints mm/page_alloc.c. */
static inline const char *kmm_short_file(const char *file)
{
	const char *s = file;

	for (const char *p = file; *p; p++)
		if (p[0] == 's' && p[1] == 'r' && p[2] == 'c' && p[3] == '/')
			s = p + 4;
	return s;
}

#endif /* KMM_LIB_BUG_H */
