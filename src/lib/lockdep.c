/* SPDX-License-Identifier: MIT */
/*
 * lib/lockdep.c - the lock-order checker of debug builds (see lockdep.h).
 *
 * Per thread: a stack of the locks held, each with its class and the site
 * (file, line) of its acquisition, in the platform's per-thread words from
 * LOCKDEP_WORD0 on (the get_cpu holds of smp/preempt.c use the words below
 * it). Releases may come in any order; the entry is found by lock address.
 * The stack is bounded: a thread holding more than LOCKDEP_MAX_HELD
 * tracked locks is itself reported (no path of kmm's nests that deep).
 *
 * Invariant checked on every tracked acquisition: every held lock's rank is
 * below the new lock's rank, or it is of the same nestable class and a
 * different lock. Nothing here takes a lock or allocates.
 */
#include "lib/fpcount.h"
#include "lib/lockdep.h"
#include "lib/format.h"
#include "platform/platform.h"

#if KMM_DEBUG_CHECKS

#define LOCKDEP_WORD0 16
#define LOCKDEP_MAX_HELD 14

struct held_lock {
	const void *lock;
	const char *file;
	uint32_t cls;
	int32_t line;
};

struct lockdep_thread {
	uintptr_t depth;
	struct held_lock held[LOCKDEP_MAX_HELD];
};

_Static_assert(LOCKDEP_WORD0 * sizeof(uintptr_t) + sizeof(struct lockdep_thread) <=
		       KMM_TW_FP_ATOMICS * sizeof(uintptr_t),
	       "the held-lock stack must fit in the thread words");

struct lock_class_info {
	const char *name;
	unsigned int rank;
	unsigned int flags;
};

static const struct lock_class_info lock_classes[NR_KMM_LOCK_CLASSES] = {
	[KMM_LOCK_NONE] = { "(untracked)", 0, 0 },
#define KMM_LOCK_ROW(id, name, rank, flags) [KMM_LOCK_##id] = { name, rank, flags },
	KMM_LOCK_CLASSES(KMM_LOCK_ROW)
#undef KMM_LOCK_ROW
};

static struct lockdep_thread *this_thread(void)
{
	return (struct lockdep_thread *)(void *)(kmm_os_thread_words() + LOCKDEP_WORD0);
}

/* The report: written at once to the host console, then the program stops. */
struct report {
	char buf[2048];
	size_t len;
};

static void say(struct report *r, const char *fmt, ...) KMM_PRINTF(2, 3);
static void say(struct report *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->buf) - 1)
		return;
	va_start(ap, fmt);
	n = kmm_vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	r->len += (size_t)n;
	if (r->len > sizeof(r->buf) - 1)
		r->len = sizeof(r->buf) - 1;
}

static void header(struct report *r, const char *title)
{
	r->len = 0;
	say(r, "\n======================================================\n");
	say(r, "WARNING: %s\n", title);
	say(r, "------------------------------------------------------\n");
}

static void site_line(struct report *r, const struct held_lock *h, const char *what)
{
	say(r, " (%s){rank %u} at %p, %s at %s:%d\n", lock_classes[h->cls].name,
	    lock_classes[h->cls].rank, h->lock, what, kmm_short_file(h->file), h->line);
}

static void held_line(struct report *r, const struct held_lock *h)
{
	site_line(r, h, "acquired");
}

static void print_held(struct report *r, const struct lockdep_thread *t)
{
	say(r, "\n%d lock%s held by this thread:\n", (int)t->depth, t->depth == 1 ? "" : "s");
	for (uintptr_t i = 0; i < t->depth; i++) {
		say(r, " #%d: ", (int)i);
		held_line(r, &t->held[i]);
	}
}

static void print_order(struct report *r)
{
	say(r, "\nthe lock order (docs/architecture.md):");
	for (unsigned int c = 1; c < NR_KMM_LOCK_CLASSES; c++)
		say(r, "%s %s", c == 1 ? "" : " ->", lock_classes[c].name);
	say(r, "\n");
}

__attribute__((noreturn)) static void finish(struct report *r)
{
	say(r, "\nkmm: stopping (lock-order checking is on in this debug build)\n");
	kmm_os_log(r->buf, r->len);
	kmm_os_abort();
}

static void report_inversion(const struct lockdep_thread *t, const struct held_lock *held,
			     const struct held_lock *want, bool recursive)
{
	struct report r;
	char comm[32];

	kmm_os_task_name(comm, sizeof(comm));
	header(&r, recursive ? "possible recursive locking detected"
			     : "possible circular locking dependency detected");
	say(&r, "%s is trying to acquire lock:\n", comm);
	held_line(&r, want);
	say(&r, "\nbut task is already holding lock:\n");
	held_line(&r, held);
	if (!recursive) {
		say(&r,
		    "\nwhich lock already depends on the new lock: %s (rank %u) must be taken "
		    "before %s (rank %u), never inside it\n",
		    lock_classes[want->cls].name, lock_classes[want->cls].rank,
		    lock_classes[held->cls].name, lock_classes[held->cls].rank);
		print_order(&r);
	} else {
		say(&r, "\nmay be due to missing lock nesting notation\n");
	}
	print_held(&r, t);
	finish(&r);
}

void kmm_lockdep_acquire(const void *lock, unsigned int cls, bool trylock, const char *file,
			 int line)
{
	struct lockdep_thread *t = this_thread();
	struct held_lock want = { lock, file, cls, line };

	if (cls == KMM_LOCK_NONE || cls >= NR_KMM_LOCK_CLASSES)
		return;
	for (uintptr_t i = 0; i < t->depth; i++) {
		const struct held_lock *h = &t->held[i];

		if (h->lock == lock)
			report_inversion(t, h, &want, true);
		if (trylock)
			continue;
		if (lock_classes[h->cls].rank > lock_classes[cls].rank ||
		    (h->cls == cls && !(lock_classes[cls].flags & LOCKDEP_NEST)))
			report_inversion(t, h, &want, false);
	}
	if (t->depth >= LOCKDEP_MAX_HELD) {
		struct report r;

		header(&r, "too many locks held");
		held_line(&r, &want);
		print_held(&r, t);
		finish(&r);
	}
	t->held[t->depth++] = want;
}

void kmm_lockdep_release(const void *lock, unsigned int cls, const char *file, int line)
{
	struct lockdep_thread *t = this_thread();

	if (cls == KMM_LOCK_NONE || cls >= NR_KMM_LOCK_CLASSES)
		return;
	for (uintptr_t i = t->depth; i-- > 0;) {
		if (t->held[i].lock == lock) {
			for (uintptr_t j = i; j + 1 < t->depth; j++)
				t->held[j] = t->held[j + 1];
			t->depth--;
			return;
		}
	}
	{
		struct report r;
		char comm[32];
		struct held_lock rel = { lock, file, cls, line };

		kmm_os_task_name(comm, sizeof(comm));
		header(&r, "bad unlock balance detected!");
		say(&r, "%s is trying to release lock:\n", comm);
		site_line(&r, &rel, "released");
		say(&r, "but there are no more locks to release!\n");
		print_held(&r, t);
		finish(&r);
	}
}

void kmm_might_sleep(const char *file, int line)
{
	struct lockdep_thread *t = this_thread();
	char comm[32];
	struct report r;
	uintptr_t i;

	for (i = 0; i < t->depth; i++)
		if (!(lock_classes[t->held[i].cls].flags & LOCKDEP_SLEEP))
			break;
	if (i == t->depth)
		return;
	kmm_os_task_name(comm, sizeof(comm));
	r.len = 0;
	say(&r, "\nBUG: sleeping function called from invalid context at %s:%d\n",
	    kmm_short_file(file), line);
	say(&r, "in_atomic(): 1, name: %s\n", comm);
	say(&r, "a lock one may not sleep under is held:\n");
	held_line(&r, &t->held[i]);
	print_held(&r, t);
	finish(&r);
}

int kmm_lockdep_depth(void)
{
	return (int)this_thread()->depth;
}

#endif /* KMM_DEBUG_CHECKS */
