/* SPDX-License-Identifier: MIT */
/*
 * examples/kernel/main.c - a tiny x86_64 kernel whose memory manager is kmm.
 *
 * The boot loader (QEMU -kernel, or GRUB) hands over a multiboot memory map:
 * the firmware's E820 table. This kernel
 *   1. prints that map the way Linux does ("BIOS-e820: [mem ...] usable"),
 *   2. maps all of physical memory at the x86_64 direct-map base
 *      (0xffff888000000000, Linux's page_offset_base) with 2 MiB pages of its
 *      own page tables,
 *   3. turns the map into a kmm machine string - `memmap=exactmap`, one
 *      `memmap=SIZE@START` per usable range, `memmap=SIZE$START` for the
 *      kernel image and page 0 - plus whatever the boot command line adds,
 *      and boots kmm over the direct map with kmm_machine_create_on, so the
 *      zones come from the addresses (DMA below 16M, DMA32 below 4G, Normal
 *      above) and the holes from the firmware,
 *   4. exercises the allocators on the real RAM (every order, memory
 *      exhausted and given back, slab caches, kmalloc of every class, per-CPU
 *      memory), checks that each page's direct-map address is its physical
 *      address plus the base, runs kmm_check, and
 *   5. prints /proc/buddyinfo, zoneinfo and slabinfo on the serial port and
 *      exits QEMU with success only when every check held.
 *
 * The kmm core is linked unchanged (the same objects as libkmm); platform.c
 * is this kernel's implementation of the platform contract.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kmm/kmm.h>
#include <kmm/percpu.h>
#include <kmm/slab.h>

#include "arch.h"
#include "platform/platform.h"

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u
#define DIRECT_MAP_BASE 0xffff888000000000ul
#define PML4_DIRECT_SLOT 273 /* DIRECT_MAP_BASE >> 39 & 511 */
#define MAX_DIRECT_GB 64
#define MAX_E820 64

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

struct e820_entry {
	uint64_t addr, len;
	uint32_t type;
};

extern uint64_t boot_pml4[512];
extern char __image_start[], __bss_end[];

static uint64_t direct_pdpt[512] __attribute__((aligned(4096)));
static uint64_t direct_pd[MAX_DIRECT_GB][512] __attribute__((aligned(4096)));
static struct e820_entry e820[MAX_E820];
static int nr_e820;
static char boot_cmdline[512];
static char machine_cmdline[4096];
static size_t cmdline_len;
static int failures;
static int nr_cpus = 1;

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (!(cond)) {                                    \
			kprintf("FAIL: %s:%d: ", __FILE__, __LINE__); \
			kprintf(__VA_ARGS__);                     \
			kprintf("\n");                            \
			failures++;                               \
		}                                                 \
	} while (0)

static const char *e820_type_name(uint32_t type)
{
	switch (type) {
	case 1:
		return "usable";
	case 3:
		return "ACPI data";
	case 4:
		return "ACPI NVS";
	case 5:
		return "unusable";
	default:
		return "reserved";
	}
}

static void read_multiboot(uint32_t magic, uint32_t info_phys)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)info_phys;
	uint32_t off = 0;

	if (magic != MULTIBOOT_LOADER_MAGIC || !(mbi->flags & (1u << 6))) {
		kprintf("kmm-kernel: no multiboot memory map (magic %x)\n", magic);
		kernel_exit(1);
	}
	while (off < mbi->mmap_length && nr_e820 < MAX_E820) {
		const struct mb_mmap_entry *e =
			(const struct mb_mmap_entry *)(uintptr_t)(mbi->mmap_addr + off);

		e820[nr_e820++] = (struct e820_entry){e->addr, e->len, e->type};
		off += e->size + 4;
	}
	if (mbi->flags & (1u << 2)) {
		const char *s = (const char *)(uintptr_t)mbi->cmdline;
		const char *w = s;
		size_t i = 0;

		/* Loaders put the image's name first; machine keys all have a '='. */
		while (*w && *w != ' ' && *w != '=')
			w++;
		if (*w != '=') {
			s = w;
			while (*s == ' ')
				s++;
		}

		while (s[i] && i < sizeof(boot_cmdline) - 1) {
			boot_cmdline[i] = s[i];
			i++;
		}
		while (i > 0 && boot_cmdline[i - 1] == ' ')
			i--;
		boot_cmdline[i] = '\0';
	}
}

/* Map [0, top) at DIRECT_MAP_BASE with 2 MiB pages. */
static void map_direct(uint64_t top)
{
	uint64_t gbs = (top + (1ul << 30) - 1) >> 30;

	if (gbs > MAX_DIRECT_GB) {
		kprintf("kmm-kernel: %lu GiB of address space, this kernel maps at most %d\n",
			(unsigned long)gbs, MAX_DIRECT_GB);
		kernel_exit(1);
	}
	for (uint64_t g = 0; g < gbs; g++) {
		for (uint64_t i = 0; i < 512; i++)
			direct_pd[g][i] = (g << 30) | (i << 21) | 0x83; /* present, rw, 2M */
		direct_pdpt[g] = (uint64_t)(uintptr_t)direct_pd[g] | 3;
	}
	boot_pml4[PML4_DIRECT_SLOT] = (uint64_t)(uintptr_t)direct_pdpt | 3;
	write_cr3((uint64_t)(uintptr_t)boot_pml4);
}

static void cmdline_put(const char *s)
{
	while (*s && cmdline_len < sizeof(machine_cmdline) - 1)
		machine_cmdline[cmdline_len++] = *s++;
	machine_cmdline[cmdline_len] = '\0';
}

static void cmdline_hex(uint64_t v)
{
	char tmp[19];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	cmdline_put("0x");
	while (n > 0) {
		char c[2] = {tmp[--n], 0};

		cmdline_put(c);
	}
}

static void cmdline_range(uint64_t start, uint64_t end, const char *sep)
{
	cmdline_put(" memmap=");
	cmdline_hex(end - start);
	cmdline_put(sep);
	cmdline_hex(start);
}

/* The machine string of this RAM; returns the top of usable RAM. */
static uint64_t build_machine(void)
{
	uint64_t top = 0;
	uint64_t img_start = (uint64_t)(uintptr_t)__image_start;
	uint64_t img_end = ((uint64_t)(uintptr_t)__bss_end + 4095) & ~4095ul;

	cmdline_put("memmap=exactmap");
	for (int i = 0; i < nr_e820; i++) {
		uint64_t s = (e820[i].addr + 4095) & ~4095ul;
		uint64_t e = (e820[i].addr + e820[i].len) & ~4095ul;

		kprintf("BIOS-e820: [mem 0x%016lx-0x%016lx] %s\n", (unsigned long)e820[i].addr,
			(unsigned long)(e820[i].addr + e820[i].len - 1), e820_type_name(e820[i].type));
		if (e820[i].type != 1 || e <= s)
			continue;
		cmdline_range(s, e, "@");
		if (e > top)
			top = e;
	}
	/* Page 0 (real-mode IVT and BIOS data), the AP trampoline and this kernel
	 * stay out of kmm's hands. */
	kprintf("kmm-kernel: reserved [mem 0x%016lx-0x%016lx] (page 0)\n", 0ul, 4095ul);
	cmdline_range(0, 4096, "$");
	kprintf("kmm-kernel: reserved [mem 0x%016lx-0x%016lx] (AP trampoline)\n", 0x8000ul,
		0x8fffl);
	cmdline_range(0x8000, 0x9000, "$");
	kprintf("kmm-kernel: reserved [mem 0x%016lx-0x%016lx] (kernel image)\n",
		(unsigned long)img_start, (unsigned long)(img_end - 1));
	cmdline_range(img_start, img_end, "$");
	cmdline_put(" nr_cpus=");
	{
		char c[2] = {(char)('0' + nr_cpus), 0};

		cmdline_put(c);
	}
	if (boot_cmdline[0]) {
		cmdline_put(" ");
		cmdline_put(boot_cmdline);
	}
	return top;
}

static void serial_sink(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	serial_write(text, len);
}

static unsigned long free_pages(kmm_machine *m)
{
	unsigned long sum = 0;

	kmm_drain_all_pages(m, NULL);
	for (int nid = 0; nid < kmm_nr_nodes(m); nid++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			sum += kmm_zone_free_pages(m, nid, (enum kmm_zone_type)z);
	return sum;
}

/* A page's direct-map address must be its physical address plus the base. */
static bool page_is_mapped_right(kmm_machine *m, struct page *page)
{
	void *va = kmm_page_address(m, page);

	return va && (uintptr_t)va == DIRECT_MAP_BASE + (kmm_page_to_pfn(m, page) << 12) &&
	       kmm_virt_to_page(m, va) == page;
}

static void test_every_order(kmm_machine *m)
{
	struct page *blocks[KMM_NR_ORDERS];

	for (unsigned order = 0; order < KMM_NR_ORDERS; order++) {
		blocks[order] = kmm_alloc_pages(m, GFP_KERNEL, order);
		CHECK(blocks[order], "order-%u allocation failed", order);
		if (!blocks[order])
			continue;
		CHECK(page_is_mapped_right(m, blocks[order]), "order-%u block mapped wrong", order);
		CHECK((kmm_page_to_pfn(m, blocks[order]) & ((1ul << order) - 1)) == 0,
		      "order-%u block not aligned", order);
		/* Write every byte of the block through the direct map, read it back. */
		uint64_t *w = kmm_page_address(m, blocks[order]);
		size_t words = (4096ul << order) / 8;

		for (size_t i = 0; i < words; i++)
			w[i] = (uint64_t)(uintptr_t)&w[i] ^ order;
		for (size_t i = 0; i < words; i++)
			if (w[i] != ((uint64_t)(uintptr_t)&w[i] ^ order)) {
				CHECK(0, "order-%u block lost its data at word %lu", order,
				      (unsigned long)i);
				break;
			}
	}
	for (unsigned order = 0; order < KMM_NR_ORDERS; order++)
		if (blocks[order])
			kmm_free_pages(m, blocks[order], order);
	kprintf("kmm-kernel: every order 0..%d allocated, written, read back and freed\n",
		KMM_MAX_ORDER);
}

/* Take every free page, one at a time, chained through the pages themselves. */
static void test_exhaustion(kmm_machine *m)
{
	unsigned long before = free_pages(m), taken = 0;
	void *chain = NULL;

	for (;;) {
		struct page *p = kmm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 0);
		void **va;

		if (!p)
			break;
		va = kmm_page_address(m, p);
		*va = chain;
		chain = va;
		taken++;
	}
	kprintf("kmm-kernel: memory exhausted after %lu order-0 pages (%lu MiB); %lu were free\n",
		taken, taken >> 8, before);
	/* Only the reserves below the min watermark stay out of GFP_KERNEL's reach. */
	CHECK(taken > 0 && taken <= before, "took %lu pages of %lu free", taken, before);
	while (chain) {
		void **va = chain;

		chain = *va;
		kmm_free_pages(m, kmm_virt_to_page(m, va), 0);
	}
	CHECK(free_pages(m) == before, "free pages %lu after the burst, %lu before",
	      free_pages(m), before);
	CHECK(kmm_check(m) == 0, "kmm_check after exhaustion");
}

struct task {
	unsigned long pid;
	char comm[16];
	unsigned long stack[30];
};

static void test_slab(kmm_machine *m)
{
	enum { NR_TASKS = 2000, NR_SIZES = 14 };
	static struct task *tasks[NR_TASKS];
	static const size_t sizes[NR_SIZES] = {8,   16,  32,   64,   96,   128,  192,
					       256, 512, 1024, 2048, 4096, 8192, 100000};
	static void *objs[NR_SIZES][64];
	struct kmem_cache *cache = kmm_kmem_cache_create(m, "task_struct", sizeof(struct task),
							 0, SLAB_HWCACHE_ALIGN, NULL);

	CHECK(cache, "kmem_cache_create failed");
	if (!cache)
		return;
	for (unsigned long i = 0; i < NR_TASKS; i++) {
		tasks[i] = kmm_kmem_cache_alloc(m, cache, GFP_KERNEL);
		CHECK(tasks[i], "task %lu", i);
		if (tasks[i])
			tasks[i]->pid = i;
	}
	for (int s = 0; s < NR_SIZES; s++)
		for (int i = 0; i < 64; i++) {
			objs[s][i] = kmm_kmalloc(m, sizes[s], GFP_KERNEL);
			CHECK(objs[s][i], "kmalloc(%lu)", (unsigned long)sizes[s]);
			if (objs[s][i])
				*(unsigned char *)objs[s][i] = (unsigned char)s;
		}
	kprintf("kmm-kernel: %d task_struct objects and %d kmalloc objects of 8..100000 bytes live\n",
		NR_TASKS, NR_SIZES * 64);
	CHECK(kmm_check(m) == 0, "kmm_check with live slab objects");
	kprintf("--- /proc/slabinfo ---\n");
	kmm_report(m, KMM_REPORT_SLABINFO, serial_sink, NULL);
	for (unsigned long i = 0; i < NR_TASKS; i++)
		if (tasks[i]) {
			CHECK(tasks[i]->pid == i, "task %lu lost its pid", i);
			kmm_kmem_cache_free(m, cache, tasks[i]);
		}
	for (int s = 0; s < NR_SIZES; s++)
		for (int i = 0; i < 64; i++)
			if (objs[s][i]) {
				CHECK(*(unsigned char *)objs[s][i] == s, "kmalloc object %d/%d", s, i);
				kmm_kfree(m, objs[s][i]);
			}
	kmm_kmem_cache_destroy(m, cache);
}

static KMM_DEFINE_PER_CPU(long, boot_ticks) = 7; /* a static per-CPU variable */

static void test_percpu(kmm_machine *m)
{
	long *counter = kmm_alloc_percpu(m, sizeof(long), sizeof(long));

	CHECK(counter, "alloc_percpu failed");
	if (!counter)
		return;
	for (int i = 0; i < 1000; i++) {
		(*kmm_get_cpu_ptr_of(m, counter))++;
		kmm_put_cpu(m);
		kmm_this_cpu_add(m, boot_ticks, 1);
	}
	CHECK(*kmm_per_cpu_ptr_of(m, counter, 0) == 1000, "per-CPU counter");
	CHECK(kmm_per_cpu(m, boot_ticks, 0) == 1007, "static per-CPU variable: %ld",
	      kmm_per_cpu(m, boot_ticks, 0));
	kmm_free_percpu(m, counter);
	kprintf("kmm-kernel: per-CPU memory: dynamic and DEFINE_PER_CPU copies counted right\n");
}

/*
 * All CPUs at once: each allocates and frees pages of orders 0-2 and kmalloc
 * objects, checking a cookie in each before it frees it, and hands some
 * objects to the others through a shared exchange, so that objects are
 * freed on another CPU than the one that allocated them.
 */
#define SMP_ITERATIONS 20000
#define SMP_SLOTS 32
#define SMP_EXCHANGE 64
#define COOKIE 0x6b6d6d5f736d7021ul

static kmm_machine *smp_machine;
static void *smp_exchange[SMP_EXCHANGE];
static struct {
	unsigned long allocs, frees, remote_frees, bad, failed;
} __attribute__((aligned(64))) smp_stats[KERNEL_MAX_CPUS];

static uint64_t smp_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void smp_free_obj(unsigned long cpu, uint64_t *obj, bool remote)
{
	if (obj[0] != ((uint64_t)(uintptr_t)obj ^ COOKIE))
		smp_stats[cpu].bad++;
	kmm_kfree(smp_machine, obj);
	smp_stats[cpu].frees++;
	smp_stats[cpu].remote_frees += remote;
}

static void smp_worker(unsigned long cpu)
{
	kmm_machine *m = smp_machine;
	struct page *pages[SMP_SLOTS] = {0};
	unsigned orders[SMP_SLOTS];
	uint64_t *objs[SMP_SLOTS] = {0};
	uint64_t seed = cpu * 0x9e3779b97f4a7c15ul + 1;

	for (int i = 0; i < SMP_ITERATIONS; i++) {
		uint64_t r = smp_rand(&seed);
		unsigned slot = r % SMP_SLOTS;

		if (pages[slot]) {
			uint64_t *w = kmm_page_address(m, pages[slot]);

			if (w[0] != ((uint64_t)(uintptr_t)w ^ cpu))
				smp_stats[cpu].bad++;
			kmm_free_pages(m, pages[slot], orders[slot]);
			pages[slot] = NULL;
			smp_stats[cpu].frees++;
		} else {
			orders[slot] = (unsigned)(r >> 8) % 3;
			pages[slot] = kmm_alloc_pages(m, GFP_KERNEL, orders[slot]);
			if (pages[slot]) {
				uint64_t *w = kmm_page_address(m, pages[slot]);

				w[0] = (uint64_t)(uintptr_t)w ^ cpu;
				smp_stats[cpu].allocs++;
			} else {
				smp_stats[cpu].failed++;
			}
		}
		slot = (r >> 16) % SMP_SLOTS;
		if (objs[slot]) {
			/* Half the time hand it over; free whatever the exchange gives back. */
			if ((r >> 24) & 1) {
				uint64_t *got = __atomic_exchange_n(
					&smp_exchange[(r >> 32) % SMP_EXCHANGE], objs[slot],
					__ATOMIC_ACQ_REL);

				if (got)
					smp_free_obj(cpu, got, true);
			} else {
				smp_free_obj(cpu, objs[slot], false);
			}
			objs[slot] = NULL;
		} else {
			objs[slot] = kmm_kmalloc(m, 8 + (r >> 40) % 2048, GFP_KERNEL);
			if (objs[slot]) {
				objs[slot][0] = (uint64_t)(uintptr_t)objs[slot] ^ COOKIE;
				smp_stats[cpu].allocs++;
			} else {
				smp_stats[cpu].failed++;
			}
		}
	}
	for (int s = 0; s < SMP_SLOTS; s++) {
		if (pages[s]) {
			kmm_free_pages(m, pages[s], orders[s]);
			smp_stats[cpu].frees++;
		}
		if (objs[s])
			smp_free_obj(cpu, objs[s], false);
	}
}

static void test_smp(kmm_machine *m)
{
	unsigned long allocs = 0, frees = 0, remote = 0, bad = 0, failed = 0;

	smp_machine = m;
	smp_run_on_aps(smp_worker);
	smp_worker(0);
	smp_wait_aps(nr_cpus - 1);
	for (int e = 0; e < SMP_EXCHANGE; e++)
		if (smp_exchange[e])
			smp_free_obj(0, smp_exchange[e], true);
	for (int c = 0; c < nr_cpus; c++) {
		allocs += smp_stats[c].allocs;
		frees += smp_stats[c].frees;
		remote += smp_stats[c].remote_frees;
		bad += smp_stats[c].bad;
		failed += smp_stats[c].failed;
	}
	kprintf("kmm-kernel: %d CPUs at once: %lu allocations, %lu frees (%lu of objects another "
		"CPU may have allocated), %lu bad cookies, %lu failures\n",
		nr_cpus, allocs, frees, remote, bad, failed);
	CHECK(allocs == frees && bad == 0 && failed == 0, "concurrent allocation");
	CHECK(kmm_check(m) == 0, "kmm_check after the concurrent run");
}

void kmain(uint32_t magic, uint32_t info);

void kmain(uint32_t magic, uint32_t info)
{
	static char err[256];
	kmm_machine *m = NULL;
	uint64_t top, t0;
	unsigned long boot_free;
	int ret;

	smp_init_bsp();
	serial_init();
	trap_init();
	time_init();
	kprintf("kmm-kernel: Linux 6.18's memory manager, booting on bare x86_64\n");
	read_multiboot(magic, info);
	nr_cpus = smp_start_aps();
	kprintf("smp: Brought up 1 node, %d CPU%s\n", nr_cpus, nr_cpus > 1 ? "s" : "");
	if (boot_cmdline[0])
		kprintf("Kernel command line: %s\n", boot_cmdline);
	top = build_machine();
	map_direct(top);
	kprintf("kmm-kernel: direct map of [mem 0x0-0x%lx] at 0x%lx\n", (unsigned long)(top - 1),
		DIRECT_MAP_BASE);
	kprintf("kmm-kernel: machine %s\n", machine_cmdline);
	t0 = kmm_os_now_ns();
	ret = kmm_machine_create_on(machine_cmdline, (void *)DIRECT_MAP_BASE, top, &m, err,
				    sizeof(err));
	if (ret) {
		kprintf("kmm-kernel: kmm_machine_create_on failed (%d): %s\n", ret, err);
		kernel_exit(1);
	}
	kmm_set_log(m, serial_sink, NULL);
	kprintf("kmm-kernel: kmm booted in %lu us: %s\n",
		(unsigned long)((kmm_os_now_ns() - t0) / 1000), kmm_machine_cmdline(m));
	boot_free = free_pages(m);

	test_every_order(m);
	test_exhaustion(m);
	test_slab(m);
	test_percpu(m);
	test_smp(m);

	kprintf("--- /proc/buddyinfo ---\n");
	kmm_report(m, KMM_REPORT_BUDDYINFO, serial_sink, NULL);
	kprintf("--- /proc/zoneinfo ---\n");
	kmm_report(m, KMM_REPORT_ZONEINFO, serial_sink, NULL);
	kprintf("--- end ---\n");

	ret = kmm_check(m);
	kprintf("kmm_check: %d problems\n", ret);
	CHECK(ret == 0, "kmm_check");
	kmm_slab_shrink_all(m);
	CHECK(free_pages(m) == boot_free, "free pages %lu at the end, %lu after boot",
	      free_pages(m), boot_free);
	if (failures) {
		kprintf("kmm-kernel: %d checks FAILED\n", failures);
		kernel_exit(1);
	}
	kprintf("kmm-kernel: all checks passed\n");
	kernel_exit(0);
}
