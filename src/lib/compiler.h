/* SPDX-License-Identifier: MIT */
/*
 * lib/compiler.h - small language helpers shared by the whole core.
 * Freestanding: only compiler builtins, no libc.
 */
#ifndef KMM_LIB_COMPILER_H
#define KMM_LIB_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define KMM_INTERNAL __attribute__((visibility("hidden")))
#define KMM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define KMM_UNUSED __attribute__((unused))
#define KMM_NOINLINE __attribute__((noinline))
#define KMM_COLD __attribute__((cold, noinline))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* GCC requires these four of every freestanding environment. */
#define kmm_memset __builtin_memset
#define kmm_memcpy __builtin_memcpy
#define kmm_memmove __builtin_memmove
#define kmm_memcmp __builtin_memcmp

static inline size_t kmm_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline int kmm_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

static inline int kmm_strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

/* Copy at most len-1 bytes and always terminate (when len > 0). */
static inline void kmm_strlcpy(char *dst, const char *src, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return;
	for (; i + 1 < len && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static inline unsigned int ilog2_ul(unsigned long x)
{
	return (unsigned int)(sizeof(long) * 8 - 1 - (unsigned int)__builtin_clzl(x));
}

static inline unsigned long rounddown_pow_of_two(unsigned long x)
{
	return x ? 1ul << ilog2_ul(x) : 0;
}

/* int_sqrt as the kernel computes it: floor(sqrt(x)). */
static inline unsigned long int_sqrt(unsigned long x)
{
	unsigned long b, m, y = 0;

	if (x <= 1)
		return x;
	m = 1ul << (ilog2_ul(x) & ~1u);
	while (m != 0) {
		b = y + m;
		y >>= 1;
		if (x >= b) {
			x -= b;
			y += m;
		}
		m >>= 2;
	}
	return y;
}

#endif /* KMM_LIB_COMPILER_H */
