/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/demo.c - `kmm demo`: a guided tour of a booted machine for a
 * reader who knows the textbook chapter on the buddy allocator: the zones
 * and their sizes, /proc/buddyinfo, what a split and a merge do to it,
 * zone choice by gfp flags, watermarks, a failure warning and what happens
 * when a program frees a page twice.
 */
#include <string.h>

#include "tool.h"

struct snap {
	unsigned long c[8][KMM_NR_ZONES][KMM_NR_ORDERS];
};

static const char *const zname[KMM_NR_ZONES] = { "DMA",     "DMA32",   "Normal",
						    "HighMem", "Movable", "Device" };

static void take(kmm_machine *m, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	for (int n = 0; n < kmm_nr_nodes(m) && n < 8; n++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			kmm_zone_free_blocks(m, n, (enum kmm_zone_type)z, s->c[n][z]);
}

/* Print the buddyinfo cells that changed between a and b. */
static void show_changes(kmm_machine *m, const struct snap *a, const struct snap *b)
{
	int any = 0;

	for (int n = 0; n < kmm_nr_nodes(m) && n < 8; n++) {
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			int printed = 0;

			for (int o = 0; o < KMM_NR_ORDERS; o++) {
				if (a->c[n][z][o] == b->c[n][z][o])
					continue;
				if (!printed)
					printf("    Node %d, zone %-7s", n, zname[z]);
				printf("  order %d: %lu -> %lu", o, a->c[n][z][o], b->c[n][z][o]);
				printed = any = 1;
			}
			if (printed)
				printf("\n");
		}
	}
	if (!any)
		printf("    (no change)\n");
}

/*
 * Explain where an allocation of `order` came from, from the change in one
 * zone's free block counts: the largest order whose count fell is the block
 * __rmqueue_smallest took; expand() left one block at each order below it.
 */
static void explain_take(const struct snap *a, const struct snap *b, int nid, int zone,
			 unsigned int order)
{
	int taken = -1;

	for (int o = KMM_NR_ORDERS - 1; o >= (int)order; o--)
		if (b->c[nid][zone][o] < a->c[nid][zone][o]) {
			taken = o;
			break;
		}
	if (taken < 0) {
		printf("(the free lists show no block taken)\n");
	} else if (taken == (int)order) {
		printf("A free block of order %u was on the list: it was taken as it was, no "
		       "split.\n",
		       order);
	} else {
		char range[32];

		if (taken - 1 == (int)order)
			snprintf(range, sizeof(range), "order %u", order);
		else
			snprintf(range, sizeof(range), "orders %u..%d", order, taken - 1);
		printf("No free block of %s existed, so __rmqueue_smallest took the smallest\n"
		       "larger one, of order %d, and expand() split it: the upper half of each\n"
		       "split went back one order down, leaving one new free block at each of\n"
		       "%s, and the lowest 2^%u page(s) for us.\n",
		       range, taken, range, order);
	}
}

static void section(const char *title)
{
	printf("\n== %s ==\n\n", title);
}

static void print_report(kmm_machine *m, enum kmm_report r)
{
	kmm_report(m, r, tool_file_sink, stdout);
}

static const char *machine;

static const struct tool_opt demo_opts[] = {
	TOOL_OPT_MACHINE(&machine),
	{ 0 },
};

static const struct tool_cmd demo_cmd = {
	.name = "kmm demo",
	.synopsis = "[--machine '...']",
	.help = "A guided tour of a booted machine: its zones, /proc/buddyinfo, what a split\n"
		"and a merge do to it, zone choice by gfp flags, watermarks, a failure\n"
		"warning, a double free being caught, and last the per-CPU page lists.\n"
		"\n"
		"The tour boots the machine with pcp=0 appended, so that every step shows the\n"
		"buddy allocator alone (a pcp= of yours is overridden for the tour, and the\n"
		"tour says so); the last section boots the machine exactly as given.\n",
	.opts = demo_opts,
	.epilog = TOOL_MACHINE_HELP,
};

/* The value of the last pcp= token of the user's machine string, or NULL. */
static const char *user_pcp(const char *cmdline, char *buf, size_t len)
{
	const char *found = NULL, *s = cmdline;

	while (s && *s) {
		size_t n;

		while (*s && strchr(" \t\n\r\v\f", *s))
			s++;
		n = strcspn(s, " \t\n\r\v\f");
		if (n > 4 && !strncmp(s, "pcp=", 4)) {
			snprintf(buf, len, "%.*s", (int)(n - 4), s + 4);
			found = buf;
		}
		s += n;
	}
	return found;
}

int kmm_demo_main(int argc, char **argv)
{
	struct snap boot, s0, s1;
	struct page *p0, *p3, *pdma, *p9, *dma_blocks[8];
	int rc, ndma = 0;
	char tour[600], pcp_buf[64];
	const char *pcp;
	kmm_machine *m;
	unsigned long kb;

	rc = tool_parse(&demo_cmd, argc, argv, NULL, NULL);
	if (rc)
		return rc == TOOL_HELP ? 0 : rc;
	/* the machine as given must boot, or the error names what the user typed */
	rc = tool_boot(&demo_cmd, machine, machine, &m);
	if (rc)
		return rc;
	kmm_machine_destroy(m);
	pcp = user_pcp(machine, pcp_buf, sizeof(pcp_buf));
	/* the tour shows the buddy allocator alone; the per-CPU lists come last */
	snprintf(tour, sizeof(tour), "%s pcp=0", machine ? machine : KMM_DEFAULT_CMDLINE);
	rc = tool_boot(&demo_cmd, machine, tour, &m);
	if (rc)
		return rc;
	kmm_set_log(m, tool_file_sink, stdout);
	kb = kmm_page_size(m) >> 10;

	section("The machine");
	printf("Booted '%s': %d node(s), %d CPU(s), %lu KiB pages.\n", kmm_machine_cmdline(m),
	       kmm_nr_nodes(m), kmm_nr_cpus(m), kb);
	if (pcp && strcmp(pcp, "0") && strcmp(pcp, "off"))
		printf("(Your machine string says pcp=%s; the tour appended pcp=0, which overrides\n"
		       "it: the per-CPU page lists are off for the tour, so every step below is\n"
		       "the buddy allocator alone. The last section boots your machine as given.)\n\n",
		       pcp);
	else
		printf("(pcp=0 %s: the per-CPU page lists are off for the tour, so every\n"
		       "step below is the buddy allocator alone; the last section boots the\n"
		       "machine as given.)\n\n",
		       pcp ? "as in your machine string" : "was appended");
	printf("Physical memory is a sparse memfd: frames cost host memory only once touched.\n"
	       "The memmap (one 32-byte struct page per frame), node and zone structures were\n"
	       "carved out of the machine's own RAM by the boot allocator, so each zone's\n"
	       "'managed' pages are its 'present' pages minus that boot memory:\n\n");
	for (int n = 0; n < kmm_nr_nodes(m); n++)
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			unsigned long managed = kmm_zone_managed_pages(m, n, (enum kmm_zone_type)z);

			if (managed)
				printf("    Node %d %-7s managed %8lu pages (%6lu MiB)\n", n,
				       zname[z], managed, managed * kb / 1024);
		}

	section("/proc/buddyinfo at boot");
	print_report(m, KMM_REPORT_BUDDYINFO);
	printf("\nColumn k counts free blocks of 2^k contiguous pages (order k). Boot freed\n"
	       "every RAM page in the largest aligned blocks that fit inside its zone, so\n"
	       "nearly everything sits in order-10 (4 MiB) blocks; the odd small blocks are\n"
	       "the edges of holes (640K-1M, the PCI hole) and of boot allocations.\n");
	take(m, &boot);

	section("alloc_pages(GFP_DMA32, 0): one page");
	s0 = boot;
	p0 = kmm_alloc_pages(m, GFP_DMA32, 0);
	take(m, &s1);
	show_changes(m, &s0, &s1);
	printf("\nGFP_DMA32 may use ZONE_DMA32 and below; the zonelist tries DMA32 first\n"
	       "(page at pfn %#lx, zone %s).\n",
	       kmm_page_to_pfn(m, p0), zname[kmm_page_zonenum(m, p0)]);
	explain_take(&s0, &s1, kmm_page_to_nid(m, p0), kmm_page_zonenum(m, p0), 0);

	section("alloc_pages(GFP_DMA32, 3): eight pages");
	s0 = s1;
	p3 = kmm_alloc_pages(m, GFP_DMA32, 3);
	take(m, &s1);
	show_changes(m, &s0, &s1);
	printf("\n");
	explain_take(&s0, &s1, kmm_page_to_nid(m, p3), kmm_page_zonenum(m, p3), 3);

	section("alloc_pages(GFP_DMA, 2) and alloc_pages(GFP_HIGHUSER_MOVABLE, 9)");
	s0 = s1;
	pdma = kmm_alloc_pages(m, GFP_DMA, 2);
	p9 = kmm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 9);
	take(m, &s1);
	show_changes(m, &s0, &s1);
	printf("\nGFP_DMA limits the request to ZONE_DMA (below 16 MiB): pfn %#lx is in zone\n"
	       "%s. The movable order-9 request (a whole 2 MiB pageblock) came from zone %s.\n",
	       pdma ? kmm_page_to_pfn(m, pdma) : 0ul, pdma ? zname[kmm_page_zonenum(m, pdma)] : "-",
	       p9 ? zname[kmm_page_zonenum(m, p9)] : "-");

	section("Freeing everything: buddies merge back");
	s0 = s1;
	kmm_free_pages(m, p9, 9);
	kmm_free_pages(m, pdma, 2);
	kmm_free_pages(m, p3, 3);
	kmm_free_pages(m, p0, 0);
	take(m, &s1);
	show_changes(m, &s0, &s1);
	printf("\n__free_one_page merged each block with its buddy (pfn ^ 2^order) while the\n"
	       "buddy was free and of the same order, climbing back to order 10.\n"
	       "Free lists now %s the boot state.\n",
	       memcmp(&s1, &boot, sizeof(boot)) == 0 ? "equal" : "DIFFER FROM");

	section("Watermarks and protection (from /proc/zoneinfo)");
	printf("Each zone keeps min/low/high watermarks derived from min_free_kbytes, and a\n"
	       "'protection' (lowmem_reserve) per higher zone so that allocations that could\n"
	       "have used a higher zone leave lower zones alone. The first zone's entry:\n\n");
	{
		FILE *tmp = tmpfile();
		char line[256];
		int lines = 0;

		if (tmp) {
			kmm_report(m, KMM_REPORT_ZONEINFO, tool_file_sink, tmp);
			rewind(tmp);
			while (fgets(line, sizeof(line), tmp) && lines < 10) {
				fputs(line, stdout);
				lines++;
			}
			fclose(tmp);
		}
	}

	section("Running a zone dry: GFP_DMA order-10 until it fails");
	while (ndma < 8 && (dma_blocks[ndma] = kmm_alloc_pages(m, GFP_DMA, 10)) != NULL)
		ndma++;
	printf("\n%d order-10 blocks came out of ZONE_DMA before the request failed; the\n"
	       "warning above is the kernel's \"page allocation failure\" report followed by\n"
	       "each zone's free areas, as show_free_areas prints them.\n",
	       ndma);
	while (ndma > 0)
		kmm_free_pages(m, dma_blocks[--ndma], 10);

	section("Misuse: freeing a page twice");
	p0 = kmm_alloc_pages(m, GFP_KERNEL, 0);
	kmm_free_pages(m, p0, 0);
	kmm_free_pages(m, p0, 0);
	printf("\nThe second free was refused and reported; nothing changed. kmm_check() walks\n"
	       "every free list and the memmap: it finds %d problems.\n",
	       kmm_check(m));
	kmm_machine_destroy(m);

	section("Per-CPU page lists (pcp)");
	rc = tool_boot(&demo_cmd, machine, machine, &m);
	if (rc)
		return rc;
	if (pcp && (!strcmp(pcp, "0") || !strcmp(pcp, "off"))) {
		printf("Your machine string says pcp=%s: this machine has no per-CPU page lists,\n"
		       "every order-0 request goes to the buddy lists under zone->lock, as in the\n"
		       "tour above. Run the demo without pcp=%s to see the lists.\n",
		       pcp, pcp);
		kmm_machine_destroy(m);
		return 0;
	}
	kmm_set_log(m, tool_file_sink, stdout);
	take(m, &s0);
	p0 = kmm_alloc_pages(m, GFP_KERNEL, 0);
	take(m, &s1);
	show_changes(m, &s0, &s1);
	printf("\nOn '%s' order-0..3 requests go through the current CPU's\n"
	       "page list. It was empty, so one zone-lock hold moved a whole batch of\n"
	       "pages from the buddy lists to it (rmqueue_bulk) and handed us one: the\n"
	       "rest sit on the CPU's list, counted in zoneinfo's pagesets, not in\n"
	       "buddyinfo. Freeing puts the page back on that list (no zone lock), until\n"
	       "the list reaches `high` and pages go back to the buddy lists. As in Linux\n"
	       "6.18, high tunes itself between high_min and high_max: refills raise it,\n"
	       "a zone short of memory and kmm_vmstat_refresh() lower it:\n\n",
	       kmm_machine_cmdline(m));
	kmm_free_pages(m, p0, 0);
	{
		FILE *tmp = tmpfile();
		char line[256];
		int show = 0, lines = 0;

		if (tmp) {
			kmm_report(m, KMM_REPORT_ZONEINFO, tool_file_sink, tmp);
			rewind(tmp);
			while (fgets(line, sizeof(line), tmp) && lines < 16) {
				if (show && strstr(line, "Node"))
					break; /* the next zone */
				if (strstr(line, "zone   Normal"))
					show = 1;
				if (show &&
				    (strstr(line, "zone   Normal") || strstr(line, "pagesets") ||
				     strstr(line, "cpu:") || strstr(line, "count:") ||
				     strstr(line, "high:") || strstr(line, "batch:") ||
				     strstr(line, "high_min:") || strstr(line, "high_max:"))) {
					fputs(line, stdout);
					lines++;
				}
			}
			fclose(tmp);
		}
	}
	printf("\nkmm_check() with the lists full: %d problems.\n", kmm_check(m));
	kmm_machine_destroy(m);
	return 0;
}
