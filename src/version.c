/* SPDX-License-Identifier: MIT */
/*
 * version.c - kmm_version(): the version of the library that is running.
 *
 * <kmm/version.h> is generated from project(kmm VERSION ...) and says which
 * headers a program was built with; this function answers from inside the
 * library, so a program linked against libkmm.so.0 can tell a newer minor
 * release it runs with (docs/building.md: the soname policy). The string is
 * a constant; it never comes from the machine or the heap.
 */
#include <kmm/kmm.h>
#include <kmm/version.h>

KMM_API const char *kmm_version(void)
{
	return KMM_VERSION_STRING;
}
