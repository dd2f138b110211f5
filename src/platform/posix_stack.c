/* SPDX-License-Identifier: MIT */
/*
 * platform/posix_stack.c - kmm_os_call_on_stack: run a function on a kmm
 * kernel stack, and catch an overflow into its guard page.
 *
 * The switch is a few instructions of arch glue (x86-64, arm64): save the
 * frame pointer, move the stack pointer to the top of the kmm stack
 * (16-byte aligned), call fn(arg), restore. Nothing of the C runtime is
 * involved, so the stack may be as small as THREAD_SIZE. Under
 * AddressSanitizer the switch is announced (start/finish_switch_fiber) so
 * its stack bookkeeping follows.
 *
 * The guard: a thread that runs on a kmm stack gets an alternate signal
 * stack (sigaltstack, once per thread) and the process a SIGSEGV/SIGBUS
 * handler (installed again whenever someone replaced it). A fault whose address lies in the guard
 * below the stack the thread is running on prints the kernel's words (x86's handle_stack_overflow)
 * and aborts; any other fault is given to the previous handler, or to the default action.
 *
 * The handler is the process's one kmm fault handler: a write into a
 * range whose writers are held (posix_hold.c, vmalloc migration) is asked
 * about first and waits there. One handler, so the two uses never chain
 * to each other.
 */
#define _GNU_SOURCE
#include "platform/platform.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KMM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define KMM_ASAN 1
#endif
#ifdef KMM_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/* void posix_stack_call(void *top, void (*fn)(void *), void *arg) */
void kmm_posix_stack_call(void *top, void (*fn)(void *), void *arg)
	__attribute__((visibility("hidden")));
#if defined(__x86_64__)
__asm__(".text\n"
	".globl kmm_posix_stack_call\n"
	".hidden kmm_posix_stack_call\n"
	".type kmm_posix_stack_call,@function\n"
	"kmm_posix_stack_call:\n"
	"	pushq %rbp\n"
	"	movq %rsp, %rbp\n"
	"	andq $-16, %rdi\n"
	"	movq %rdi, %rsp\n"
	"	movq %rdx, %rdi\n"
	"	callq *%rsi\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	"	ret\n"
	".size kmm_posix_stack_call, .-kmm_posix_stack_call\n");
#define HAVE_STACK_CALL 1
#elif defined(__aarch64__)
__asm__(".text\n"
	".globl kmm_posix_stack_call\n"
	".hidden kmm_posix_stack_call\n"
	".type kmm_posix_stack_call,%function\n"
	"kmm_posix_stack_call:\n"
	"	stp x29, x30, [sp, #-16]!\n"
	"	mov x29, sp\n"
	"	and x0, x0, #~15\n"
	"	mov sp, x0\n"
	"	mov x9, x1\n"
	"	mov x0, x2\n"
	"	blr x9\n"
	"	mov sp, x29\n"
	"	ldp x29, x30, [sp], #16\n"
	"	ret\n"
	".size kmm_posix_stack_call, .-kmm_posix_stack_call\n");
#define HAVE_STACK_CALL 1
#endif

struct running_stack {
	char *base;
	size_t size, guard;
};

static __thread struct running_stack cur;
static __thread void *altstack;
static struct sigaction prev_segv, prev_bus;
static pthread_mutex_t handler_lock = PTHREAD_MUTEX_INITIALIZER;

bool kmm_posix_held_fault(const siginfo_t *si) __attribute__((visibility("hidden")));
void kmm_posix_install_fault_handler(void) __attribute__((visibility("hidden")));

static void write_str(const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(2, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
	char *addr = si->si_addr;
	struct sigaction *prev = sig == SIGBUS ? &prev_bus : &prev_segv;

	if (sig == SIGSEGV && kmm_posix_held_fault(si))
		return; /* a held writer: the hold has ended, the write runs again */
	if (cur.base && addr < cur.base && addr >= cur.base - cur.guard) {
		char msg[192];

		snprintf(msg, sizeof(msg),
			 "BUG: stack guard page was hit at %p (stack is %p..%p)\n", (void *)addr,
			 (void *)cur.base, (void *)(cur.base + cur.size - 1));
		write_str(msg);
		write_str("kernel stack overflow (double-fault): 0000 [#1] SMP\n");
		abort();
	}
	if (prev->sa_flags & SA_SIGINFO && prev->sa_sigaction) {
		prev->sa_sigaction(sig, si, uc);
		return;
	}
	if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN && prev->sa_handler) {
		prev->sa_handler(sig);
		return;
	}
	signal(sig, SIG_DFL); /* the fault happens again, with the default action */
}

/* (Re)install the handler when someone replaced it (a test harness may, per test). */
void kmm_posix_install_fault_handler(void)
{
	struct sigaction sa, now;

	pthread_mutex_lock(&handler_lock);
	if (sigaction(SIGSEGV, NULL, &now) == 0 && (now.sa_flags & SA_SIGINFO) &&
	    now.sa_sigaction == guard_handler) {
		pthread_mutex_unlock(&handler_lock);
		return;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = guard_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &prev_segv);
	sigaction(SIGBUS, &sa, &prev_bus);
	pthread_mutex_unlock(&handler_lock);
}

#ifdef KMM_ASAN
/* AddressSanitizer follows the switch: announced before, completed on the new stack. */
struct asan_switch {
	void (*fn)(void *);
	void *arg;
	void *fake;
	const void *old_bottom;
	size_t old_size;
};

static void asan_entry(void *p)
{
	struct asan_switch *sw = p;

	__sanitizer_finish_switch_fiber(sw->fake, &sw->old_bottom, &sw->old_size);
	sw->fn(sw->arg);
	__sanitizer_start_switch_fiber(&sw->fake, sw->old_bottom, sw->old_size);
}
#endif

int kmm_os_call_on_stack(void *base, size_t size, size_t guard, void (*fn)(void *arg), void *arg)
{
#ifdef HAVE_STACK_CALL
	struct running_stack saved = cur;

	if (!altstack) {
		size_t sz = 64 * 1024;
		stack_t ss;

		altstack =
			mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (altstack == MAP_FAILED) {
			altstack = NULL;
			return -ENOMEM;
		}
		ss.ss_sp = altstack;
		ss.ss_size = sz;
		ss.ss_flags = 0;
		if (sigaltstack(&ss, NULL) != 0)
			return -errno;
	}
	kmm_posix_install_fault_handler();
	cur.base = base;
	cur.size = size;
	cur.guard = guard;
#ifdef KMM_ASAN
	{
		struct asan_switch sw = { .fn = fn, .arg = arg };

		__sanitizer_start_switch_fiber(&sw.fake, base, size);
		kmm_posix_stack_call((char *)base + size, asan_entry, &sw);
		__sanitizer_finish_switch_fiber(sw.fake, NULL, NULL);
	}
#else
	kmm_posix_stack_call((char *)base + size, fn, arg);
#endif
	cur = saved;
	return 0;
#else
	(void)base, (void)size, (void)guard, (void)fn, (void)arg;
	return -ENOSYS;
#endif
}
