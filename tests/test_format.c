/* SPDX-License-Identifier: MIT */
/*
 * tests/test_format.c - the core's freestanding printf (lib/format.c)
 * against the C library's, conversion by conversion, plus the two places
 * where it deliberately follows the kernel instead ("%#x" of 0 is "0x0",
 * "%p" of NULL is "0x0").
 */
#include "kmm_test.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/format.h"

#define SAME(...)                                                 \
	do {                                                      \
		char a[256], b[256];                              \
		int na = kmm_snprintf(a, sizeof(a), __VA_ARGS__); \
		int nb = snprintf(b, sizeof(b), __VA_ARGS__);     \
		assert_string_equal(a, b);                        \
		assert_int_equal(na, nb);                         \
	} while (0)

static void test_matches_libc(void **state)
{
	(void)state;
	SAME("%d %i %u", -5, 42, 7u);
	SAME("%ld %lu %lld %llu", LONG_MIN, ULONG_MAX, LLONG_MIN, ULLONG_MAX);
	SAME("%zu %zd %td", (size_t)123, (ssize_t)-9, (ptrdiff_t)-3);
	SAME("%x %X %#x %#X %o %#o", 0xbeefu, 0xbeefu, 0x1fu, 0x1fu, 8u, 8u);
	SAME("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	SAME("[%8s] [%-8s] [%.3s] [%*s] [%-*s]", "zone", "zone", "abcdef", 6, "x", 6, "y");
	SAME("[%6lu ] [%12lu ] [%-12s %lu]", 123ul, 4567ul, "nr_free", 9ul);
	SAME("[%.5d] [%8.3d] [%-8.3d] [%.0d]", 42, 7, 7, 0);
	SAME("%c%c%%", 'o', 'k');
	SAME("%2d.%03d %d.%03d", -1, 0, 0, 17);
	{
		volatile unsigned int big = 300, bigger = 70000;
		volatile int neg = -2;

		SAME("%hhu %hu %hd", (unsigned char)big, (unsigned short)bigger, (short)neg);
	}
	SAME("%s", "");
}

static void test_kernel_flavour_and_bounds(void **state)
{
	char buf[8];

	(void)state;
	kmm_snprintf(buf, sizeof(buf), "%#x", 0u);
	assert_string_equal(buf, "0x0");
	kmm_snprintf(buf, sizeof(buf), "%p", NULL);
	assert_string_equal(buf, "0x0");
	/* truncation: returns the full length, always terminates */
	assert_int_equal(kmm_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(kmm_snprintf(NULL, 0, "%d", 12345), 5);
	assert_int_equal(kmm_snprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
	{
		const char *volatile none = NULL; /* hidden from the format checker */

		kmm_snprintf(buf, sizeof(buf), "%s", none);
		assert_string_equal(buf, "(null)");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_libc),
		cmocka_unit_test(test_kernel_flavour_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
