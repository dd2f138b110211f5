/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/kmm_test.h - what every kmm unit test needs: booting a
 * machine whose log is captured, asserting consistency with kmm_check,
 * snapshots of the free lists, and a seeded random generator.
 */
#ifndef KMM_TEST_H
#define KMM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka must come after the standard headers above */
#include <cmocka.h>

#include <kmm/kmm.h>

struct test_log {
	size_t len;
	char buf[1 << 18];
};

/* A sink that appends to a struct test_log (ctx); the log is always terminated. */
void test_log_sink(void *ctx, const char *text, size_t len);
void test_log_clear(struct test_log *log);
bool test_log_contains(const struct test_log *log, const char *needle);

/* Boot a machine (asserting success) whose log goes to `log` (may be NULL: quiet). */
kmm_machine *test_boot(const char *cmdline, struct test_log *log);
/* Boot expected to fail: returns the error code and leaves the message in err. */
int test_boot_fails(const char *cmdline, char *err, size_t len);

/* Assert kmm_check finds nothing; on failure the captured log is printed. */
#define assert_consistent(m, log) test_assert_consistent((m), (log), __FILE__, __LINE__)
void test_assert_consistent(kmm_machine *m, struct test_log *log, const char *file, int line);

/* The free block counts of every zone of every node. */
struct free_snapshot {
	unsigned long counts[8][KMM_NR_ZONES][KMM_NR_ORDERS];
};
void test_snapshot(kmm_machine *m, struct free_snapshot *s);
bool test_snapshot_equal(const struct free_snapshot *a, const struct free_snapshot *b);

/* A report as a string (malloc'd by the test, freed by the caller). */
char *test_report(kmm_machine *m, enum kmm_report which);

/*
 * Pin the calling thread to one host CPU, the index-th it is allowed to run
 * on (so "this CPU" cannot change under a test that counts per-CPU objects);
 * test_unpin restores the affinity it had before the first pin.
 */
void test_pin_cpu(int index);
void test_unpin(void);

/* Total free pages in all zones. */
unsigned long test_free_pages(kmm_machine *m);
/* Free blocks of order 9 or more in the buddy lists, counted in order-9 units. */
unsigned long test_order9_free(kmm_machine *m);
/*
 * Pin one free page in every `stride` pfns (alloc_contig_range of one page:
 * unmovable, ours): no contiguous range of `stride` pages can be cleared.
 * Returns the calloc'd array of pins and their number in *nr;
 * test_unpin_pages gives them back.
 */
struct page **test_pin_pages(kmm_machine *m, unsigned long stride, int *nr);
void test_unpin_pages(kmm_machine *m, struct page **pins, int nr);

/* xorshift64*: deterministic, seeded. */
static inline uint64_t test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

#endif /* KMM_TEST_H */
