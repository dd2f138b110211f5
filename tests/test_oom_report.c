/* SPDX-License-Identifier: MIT */
/*
 * tests/test_oom_report.c - the OOM report's layout, line by line, as
 * Linux 6.18 prints it (mm/oom_kill.c dump_header and dump_oom_victim,
 * mm/show_mem.c): each line is matched against the kernel's printf format
 * turned into a regular expression, and the figures are checked against
 * the machine (free pages, the free-area totals, RAM pages). Then
 * panic_on_oom: 1 panics for an unconstrained OOM, not for one limited to
 * a nodemask; 2 panics for both (in a child process: it aborts).
 */
#include "kmm_test.h"
#include "reclaim_test.h"

#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static struct test_log log_;

#define MACHINE "memmap=exactmap memmap=64M@16M nr_cpus=2 pcp=0 kswapd=0 page_reporting=0"

static unsigned long hog_kill(void *ctx, const struct oom_control *oc, struct kmm_oom_victim *v)
{
	struct page **held = ctx;
	kmm_machine *m = (kmm_machine *)held[0];
	unsigned long n = 0;

	(void)oc;
	strcpy(v->comm, "hog");
	v->pid = 31337;
	for (int i = 1; held[i]; i++) {
		kmm_free_pages(m, held[i], 0);
		held[i] = NULL;
		n++;
		if (n == 100)
			break;
	}
	v->rss_pages = n;
	return n;
}

static bool matches(const char *line, const char *re)
{
	regex_t r;
	bool ok;

	assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&r, line, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

static bool match(const char *line, const char *re)
{
	bool ok = matches(line, re);

	if (!ok)
		fprintf(stderr, "line:    '%s'\npattern: '%s'\n", line, re);
	return ok;
}

#define U "[0-9]+"

static void test_oom_report_layout(void **state)
{
	kmm_machine *m;
	struct page **held = calloc(20000, sizeof(*held));
	char *text, *line, *save = NULL;
	const char *lines[256];
	int n = 1, nl = 0, i = 0;
	unsigned long free_sum = 0, zone_free_kb = 0, area_kb = 0, area_total = 0;
	struct page *p;

	(void)state;
	prctl(PR_SET_NAME, "oomtest", 0, 0, 0);
	m = test_boot(MACHINE, &log_);
	held[0] = (struct page *)m;
	while (n < 19999 && (p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0)))
		held[n++] = p;
	kmm_set_oom_victim(m, hog_kill, held);
	test_log_clear(&log_);
	p = kmm_alloc_pages(m, GFP_KERNEL, 0);
	assert_non_null(p);
	text = strdup(log_.buf);
	for (line = strtok_r(text, "\n", &save); line && nl < 256;
	     line = strtok_r(NULL, "\n", &save))
		lines[nl++] = line;
	assert_true(nl > 20);
	assert_true(match(lines[i++],
			  "^oomtest invoked oom-killer: gfp_mask=0xcc0\\(GFP_KERNEL\\), "
			  "order=0, oom_score_adj=0$"));
	assert_true(match(lines[i++], "^Mem-Info:$"));
	assert_true(
		match(lines[i++], "^active_anon:" U " inactive_anon:" U " isolated_anon:" U "$"));
	assert_true(
		match(lines[i++], "^ active_file:" U " inactive_file:" U " isolated_file:" U "$"));
	assert_true(match(lines[i++], "^ unevictable:" U " dirty:" U " writeback:" U "$"));
	assert_true(match(lines[i++], "^ slab_reclaimable:" U " slab_unreclaimable:" U "$"));
	assert_true(match(lines[i++], "^ mapped:" U " shmem:" U " pagetables:" U "$"));
	assert_true(match(lines[i++], "^ sec_pagetables:" U " bounce:" U "$"));
	assert_true(match(lines[i++], "^ kernel_misc_reclaimable:" U "$"));
	assert_true(match(lines[i], "^ free:" U " free_pcp:" U " free_cma:" U "$"));
	sscanf(lines[i++], " free:%lu", &free_sum);
	assert_true(match(lines[i++],
			  "^Node 0 active_anon:" U "kB inactive_anon:" U "kB active_file:" U
			  "kB inactive_file:" U "kB unevictable:" U "kB isolated\\(anon\\):" U
			  "kB isolated\\(file\\):" U "kB mapped:" U "kB dirty:" U "kB writeback:" U
			  "kB shmem:" U "kB shmem_thp:" U "kB shmem_pmdmapped:" U "kB anon_thp:" U
			  "kB kernel_stack:" U "kB pagetables:" U "kB sec_pagetables:" U
			  "kB all_unreclaimable\\? (yes|no) Balloon:" U "kB$"));
	assert_true(match(lines[i],
			  "^Node 0 DMA32 free:" U "kB boost:" U "kB min:" U "kB low:" U "kB high:" U
			  "kB reserved_highatomic:" U "KB free_highatomic:" U "KB active_anon:" U
			  "kB inactive_anon:" U "kB active_file:" U "kB inactive_file:" U
			  "kB unevictable:" U "kB writepending:" U "kB zspages:" U "kB present:" U
			  "kB managed:" U "kB mlocked:" U "kB bounce:" U "kB free_pcp:" U
			  "kB local_pcp:" U "kB free_cma:" U "kB$"));
	sscanf(lines[i++], "Node 0 DMA32 free:%lukB", &zone_free_kb);
	assert_int_equal(zone_free_kb, free_sum * 4);
	assert_true(match(lines[i++], "^lowmem_reserve\\[\\]:( " U "){6}$"));
	/* "Node 0 DMA32: 3*4kB (UME) 1*8kB (M) 0*16kB ... = 12kB" */
	assert_true(match(lines[i],
			  "^Node 0 DMA32: (" U "\\*" U "kB (\\([UMEHI]+\\) )?){11}= " U "kB$"));
	{
		const char *s = strchr(lines[i], ':') + 2;
		unsigned long cnt, kb;
		int used;

		while (sscanf(s, "%lu*%lukB %n", &cnt, &kb, &used) == 2) {
			area_kb += cnt * kb;
			s += used;
			if (*s == '(')
				s = strchr(s, ' ') + 1;
		}
		assert_int_equal(sscanf(s, "= %lukB", &area_total), 1);
		assert_int_equal(area_kb, area_total);
		assert_int_equal(area_total, zone_free_kb);
		i++;
	}
	/* hugetlb_show_meminfo_node: x86_64's 1 GiB and 2 MiB hstates */
	assert_true(match(lines[i++], "^Node 0 hugepages_total=0 hugepages_free=0 "
				      "hugepages_surp=0 hugepages_size=1048576kB$"));
	assert_true(match(lines[i++], "^Node 0 hugepages_total=0 hugepages_free=0 "
				      "hugepages_surp=0 hugepages_size=2048kB$"));
	assert_true(match(lines[i++], "^0 total pagecache pages$"));
	assert_true(match(lines[i++], "^0 pages in swap cache$"));
	assert_true(match(lines[i++], "^Free swap  = 0kB$"));
	assert_true(match(lines[i++], "^Total swap = 0kB$"));
	assert_true(match(lines[i], "^" U " pages RAM$"));
	assert_int_equal(strtoul(lines[i++], NULL, 10), 16384);
	assert_true(match(lines[i++], "^0 pages HighMem/MovableOnly$"));
	assert_true(match(lines[i++], "^" U " pages reserved$"));
	assert_true(match(lines[i++], "^Unreclaimable slab info:$"));
	assert_true(match(lines[i++], "^Name                      Used          Total$"));
	while (i < nl && matches(lines[i], "^[^ ]+ +" U "KB +" U "KB$"))
		i++;
	assert_true(i < nl - 1);
	assert_true(match(lines[i++], "^oom-kill:constraint=CONSTRAINT_NONE,nodemask=\\(null\\),"
				      "cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=hog,"
				      "pid=31337,uid=0$"));
	assert_true(match(lines[i++],
			  "^Out of memory: Killed process 31337 \\(hog\\) total-vm:400kB, "
			  "anon-rss:400kB, file-rss:0kB, shmem-rss:0kB, UID:0 "
			  "pgtables:0kB oom_score_adj:0$"));
	assert_int_equal(i, nl);
	free(text);
	kmm_free_pages(m, p, 0);
	for (int k = 1; k < n; k++)
		if (held[k])
			kmm_free_pages(m, held[k], 0);
	free(held);
	assert_consistent(m, &log_);
	kmm_machine_destroy(m);
}

static void test_show_mem_multi_node_and_order(void **state)
{
	kmm_machine *m = test_boot("mem=2G nr_cpus=2 numa=fake=2 kswapd=0", &log_);
	struct oom_control oc = { .nodemask = NULL, .gfp_mask = GFP_KERNEL, .order = 2 };

	(void)state;
	test_log_clear(&log_);
	assert_int_equal(kmm_out_of_memory(m, &oc), 0); /* no victim: nothing killed */
	/* the machine compacts: no "COMPACTION is disabled!!!" (compaction=0 below) */
	assert_true(test_log_contains(&log_, "order=2, oom_score_adj=0\nMem-Info:\n"));
	assert_true(test_log_contains(&log_, "\nNode 0 active_anon:"));
	assert_true(test_log_contains(&log_, "\nNode 1 active_anon:"));
	assert_true(test_log_contains(&log_, "\nNode 1 DMA32 free:"));
	assert_true(test_log_contains(&log_, "\nNode 0 DMA: "));
	assert_true(test_log_contains(&log_, "Out of memory and no killable processes...\n"));
	/* kmm_show_mem alone prints the Mem-Info block */
	test_log_clear(&log_);
	kmm_show_mem(m);
	assert_true(strncmp(log_.buf, "Mem-Info:\n", 10) == 0);
	assert_false(test_log_contains(&log_, "oom-killer"));
	kmm_machine_destroy(m);
	/* a machine without compaction says so, as a kernel built without it */
	m = test_boot("mem=64M nr_cpus=1 kswapd=0 compaction=0", &log_);
	test_log_clear(&log_);
	assert_int_equal(kmm_out_of_memory(m, &oc), 0);
	assert_true(
		test_log_contains(&log_, "order=2, oom_score_adj=0\nCOMPACTION is disabled!!!\n"));
	oc.order = 0;
	test_log_clear(&log_);
	assert_int_equal(kmm_out_of_memory(m, &oc), 0);
	assert_false(test_log_contains(&log_, "COMPACTION is disabled"));
	kmm_machine_destroy(m);
}

/* In a child: exhaust the machine and OOM, with the log in fd; returns how the child ended. */
static int oom_child(const char *cmdline, bool constrained, int fd)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		kmm_machine *m;
		struct page *p;
		uint64_t nodes = 1;
		char err[256];
		static struct page *held[40000];
		int n = 0;

		if (kmm_machine_create(cmdline, &m, err, sizeof(err)))
			_exit(3);
		dup2(fd, 2);
		/* everything, including what the shrinkers could give back */
		for (int round = 0; round < 2; round++) {
			while (n < 39999 &&
			       (p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN,
						    0)))
				held[n++] = p;
			kmm_drop_slab(m);
		}
		while (n < 39999 &&
		       (p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0)))
			held[n++] = p;
		held[n] = NULL;
		kmm_set_oom_victim(m, hog_kill, held);
		held[0] = (struct page *)m; /* hog_kill's convention; the first page is leaked */
		if (constrained)
			p = kmm_alloc_pages_nodemask(m, GFP_KERNEL, 0, 0, &nodes);
		else
			p = kmm_alloc_pages(m, GFP_KERNEL, 0);
		_exit(p ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void test_panic_on_oom(void **state)
{
	char path[] = "/tmp/kmm-oom-XXXXXX";
	int fd = mkstemp(path);
	char buf[1 << 16];
	ssize_t len;
	int status;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	/* 1: an unconstrained OOM panics */
	status = oom_child(
		"mem=128M nr_cpus=1 numa=fake=2 pcp=0 kswapd=0 page_reporting=0 panic_on_oom=1",
		false, fd);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(len > 0);
	buf[len] = '\0';
	assert_non_null(strstr(buf, "invoked oom-killer"));
	assert_non_null(strstr(buf, "Kernel panic - not syncing: Out of memory: system-wide "
				    "panic_on_oom is enabled"));
	assert_null(strstr(buf, "Killed process"));
	/* 1: one limited to a nodemask kills instead */
	assert_int_equal(ftruncate(fd, 0), 0);
	lseek(fd, 0, SEEK_SET);
	status = oom_child(
		"mem=128M nr_cpus=1 numa=fake=2 pcp=0 kswapd=0 page_reporting=0 panic_on_oom=1",
		true, fd);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = '\0';
	if (!strstr(buf, "oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=0,"))
		fprintf(stderr, "%s", buf);
	assert_non_null(strstr(buf, "oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=0,"));
	assert_non_null(strstr(buf, "Killed process 31337 (hog)"));
	/* 2: compulsory */
	assert_int_equal(ftruncate(fd, 0), 0);
	lseek(fd, 0, SEEK_SET);
	status = oom_child(
		"mem=128M nr_cpus=1 numa=fake=2 pcp=0 kswapd=0 page_reporting=0 panic_on_oom=2",
		true, fd);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = '\0';
	assert_non_null(strstr(buf, "Out of memory: compulsory panic_on_oom is enabled"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oom_report_layout),
		cmocka_unit_test(test_show_mem_multi_node_and_order),
		cmocka_unit_test(test_panic_on_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
