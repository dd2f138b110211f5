/* SPDX-License-Identifier: MIT */
/*
 * fuzz/machine.c - the machine-string parser and every report printer.
 *
 * The input is a machine string. The parser must accept it or refuse it
 * with a message; what it accepts must format to a canonical string that
 * parses to the same canonical string again. The layout (RAM ranges,
 * nodes, zones) is computed for any accepted string. A machine small enough to
 * boot quickly (at most 512 MiB of address space, 8 CPUs) is booted: a
 * refusal must carry a message; a machine that boots must pass kmm_check,
 * print every report (before and after some allocations, non-empty, whole
 * lines), and be destroyed. The string is also looked up as a report name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/cmdline.h"
#include "boot/layout.h"
#include <kmm/slab.h>

struct count_sink {
	size_t bytes;
	char last;
};

static void counting_sink(void *ctx, const char *text, size_t len)
{
	struct count_sink *c = ctx;

	if (len) {
		c->bytes += len;
		c->last = text[len - 1];
	}
}

static void quiet(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	(void)text;
	(void)len;
}

__attribute__((noreturn)) static void fail(const char *cmdline, const char *what)
{
	fprintf(stderr, "fuzz_machine: \"%s\": %s\n", cmdline, what);
	abort();
}

static uint64_t address_space(const struct kmm_machine_desc *d)
{
	uint64_t top = d->mem_bytes;

	if (d->exactmap) {
		top = 0;
		for (int i = 0; i < d->nr_usable; i++)
			if (d->usable[i].start + d->usable[i].size > top)
				top = d->usable[i].start + d->usable[i].size;
	}
	for (int i = 0; i < d->nr_reserved; i++)
		if (d->reserved[i].start + d->reserved[i].size > top)
			top = d->reserved[i].start + d->reserved[i].size;
	return top;
}

static void print_reports(kmm_machine *m, const char *cmdline)
{
	for (int r = 0; r < KMM_NR_REPORTS; r++) {
		struct count_sink c = { 0, 0 };

		if (kmm_report(m, (enum kmm_report)r, counting_sink, &c) != KMM_OK)
			fail(cmdline, "a report refused to print");
		/* vmallocinfo lists vmap areas: a machine that has none prints nothing */
		if ((c.bytes == 0 && r != KMM_REPORT_VMALLOCINFO) || (c.bytes && c.last != '\n'))
			fail(cmdline, "a report is empty or ends inside a line");
	}
	if (kmm_report(m, KMM_NR_REPORTS, quiet, NULL) == KMM_OK)
		fail(cmdline, "an unknown report printed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cmdline[1024], canon[4096], again[4096], err[256] = "";
	struct kmm_machine_desc d, d2;
	kmm_machine *m = NULL;
	int which;

	if (size >= sizeof(cmdline))
		size = sizeof(cmdline) - 1;
	memcpy(cmdline, data, size);
	cmdline[size] = '\0';

	which = kmm_report_by_name(cmdline);
	if (which != -1 &&
	    (which < 0 || which >= KMM_NR_REPORTS || strcmp(kmm_report_name(which), cmdline) != 0))
		fail(cmdline, "report name lookup does not round-trip");

	kmm_desc_defaults(&d);
	if (kmm_cmdline_parse(cmdline, &d, err, sizeof(err)) != KMM_OK) {
		if (!err[0])
			fail(cmdline, "refused without a message");
		return 0;
	}
	kmm_desc_format(&d, canon, sizeof(canon));
	kmm_desc_defaults(&d2);
	if (kmm_cmdline_parse(canon, &d2, err, sizeof(err)) != KMM_OK)
		fail(canon, "the canonical form of an accepted string is refused");
	kmm_desc_format(&d2, again, sizeof(again));
	if (strcmp(canon, again) != 0)
		fail(cmdline, "the canonical form does not parse to itself");

	/* the layout is pure: compute it for any machine, boot only small ones */
	{
		static struct kmm_layout lay;
		char lerr[256] = "";

		if (kmm_layout_compute(&d, NULL, &lay, lerr, sizeof(lerr)) != KMM_OK && !lerr[0])
			fail(cmdline, "layout refused without a message");
	}
	if (address_space(&d) > (512ull << 20) || d.nr_cpus > 8 || d.numa_fake > 8)
		return 0;
	if (kmm_machine_create(cmdline, &m, err, sizeof(err)) != KMM_OK) {
		if (!err[0] || m)
			fail(cmdline, "boot refused without a message, or left a machine");
		return 0;
	}
	kmm_set_log(m, quiet, NULL);
	if (kmm_check(m) != 0)
		fail(cmdline, "kmm_check after boot");
	print_reports(m, cmdline);
	{
		struct page *pages[4];
		void *obj = kmm_kmalloc(m, 100, GFP_KERNEL);

		for (unsigned int i = 0; i < 4; i++)
			pages[i] = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, i * 3);
		print_reports(m, cmdline);
		for (unsigned int i = 0; i < 4; i++)
			if (pages[i])
				kmm_free_pages(m, pages[i], i * 3);
		kmm_kfree(m, obj);
	}
	if (kmm_check(m) != 0)
		fail(cmdline, "kmm_check after the reports");
	kmm_machine_destroy(m);
	return 0;
}
