/* SPDX-License-Identifier: MIT */
/*
 * tests/test_version.c - <kmm/version.h> and kmm_version() agree with each
 * other and with the project version CMake passed in (KMM_TEST_VERSION).
 */
#include "kmm_test.h"

#include <stdio.h>
#include <string.h>

#include <kmm/version.h>

static void test_macros_compose(void **state)
{
	char buf[64];

	(void)state;
	snprintf(buf, sizeof(buf), "%d.%d.%d", KMM_VERSION_MAJOR, KMM_VERSION_MINOR,
		 KMM_VERSION_PATCH);
	assert_string_equal(buf, KMM_VERSION_STRING);
	assert_int_equal(KMM_VERSION_NUMBER,
			 KMM_VERSION_MAJOR * 10000 + KMM_VERSION_MINOR * 100 + KMM_VERSION_PATCH);
	assert_string_equal(KMM_VERSION_STRING, KMM_TEST_VERSION);
}

static void test_library_reports_its_version(void **state)
{
	(void)state;
	assert_non_null(kmm_version());
	assert_string_equal(kmm_version(), KMM_VERSION_STRING);
	assert_ptr_equal(kmm_version(), kmm_version()); /* a constant, not a buffer */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macros_compose),
		cmocka_unit_test(test_library_reports_its_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
