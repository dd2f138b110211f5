/* SPDX-License-Identifier: MIT */
/*
 * examples/driver.c - a kernel-style driver written against <kmm/linux.h>,
 * the way a Linux network driver uses the memory-management API.
 *
 * "kmmnet" is a pretend NIC. Its probe() does what a real probe does:
 *   - a DMA descriptor ring from the page allocator: alloc_pages(GFP_DMA32 |
 *     __GFP_ZERO, order), because the device can only address 32 bits;
 *   - a slab cache for its per-packet descriptors (kmem_cache_create with
 *     SLAB_HWCACHE_ALIGN), as drivers keep one for their sk_buff-like
 *     structures;
 *   - per-CPU statistics (DEFINE_PER_CPU), updated with this_cpu_add() on
 *     the hot path without a lock and summed over for_each_possible_cpu()
 *     when someone asks, like dev->tstats;
 *   - kmalloc for variable-sized payload copies, kfree when done;
 * and unwinds in reverse order on failure with the usual goto ladder.
 * Two "receive queue" threads then take packets concurrently. remove()
 * frees everything, and the program checks that the statistics add up and
 * that kmm_check() finds the allocator consistent.
 *
 * The machine is the Linux layer's default machine, booted on first use
 * from KMM_CMDLINE (unset: mem=4G nr_cpus=2).
 *
 * Build: cc driver.c $(pkg-config --cflags --libs kmm) -pthread
 * Run:   ./driver               (exit status 0 when every check holds)
 */
#include <errno.h>
#include <kmm/linux.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define RING_ORDER 2 /* 4 pages of descriptors */
#define PACKETS_PER_QUEUE 5000
#define NR_QUEUES 2

struct kmmnet_stats {
	unsigned long rx_packets;
	unsigned long rx_bytes;
};

static DEFINE_PER_CPU(struct kmmnet_stats, kmmnet_stats);

/* What a driver keeps per packet (a tiny sk_buff). */
struct kmmnet_pkt {
	unsigned int len;
	unsigned int queue;
	unsigned char *data; /* kmalloc'ed copy of the payload */
};

struct kmmnet_dev {
	struct page *ring_page;
	unsigned long *ring; /* page_address(ring_page): the "DMA" descriptors */
	struct kmem_cache *pkt_cache;
};

static int kmmnet_probe(struct kmmnet_dev *dev)
{
	dev->ring_page = alloc_pages(GFP_DMA32 | __GFP_ZERO, RING_ORDER);
	if (!dev->ring_page)
		goto err_ring;
	dev->ring = page_address(dev->ring_page);
	dev->pkt_cache = kmem_cache_create("kmmnet_pkt", sizeof(struct kmmnet_pkt), 0,
					   SLAB_HWCACHE_ALIGN, NULL);
	if (!dev->pkt_cache)
		goto err_cache;
	printf("kmmnet: probe: %lu-page DMA ring at pfn %#lx (zone %s, below 4G: %s), "
	       "cache kmmnet_pkt of %u-byte objects\n",
	       1ul << RING_ORDER, page_to_pfn(dev->ring_page),
	       page_zonenum(dev->ring_page) <= ZONE_DMA32 ? "DMA/DMA32" : "other",
	       (page_to_pfn(dev->ring_page) << PAGE_SHIFT) < (1ull << 32) ? "yes" : "no",
	       kmem_cache_size(dev->pkt_cache));
	return 0;

err_cache:
	__free_pages(dev->ring_page, RING_ORDER);
err_ring:
	printf("kmmnet: probe failed\n");
	return -ENOMEM;
}

static void kmmnet_remove(struct kmmnet_dev *dev)
{
	kmem_cache_destroy(dev->pkt_cache);
	__free_pages(dev->ring_page, RING_ORDER);
	printf("kmmnet: removed\n");
}

struct rx_queue {
	struct kmmnet_dev *dev;
	unsigned int id;
	unsigned long bytes; /* what this queue handed to the stack, to check the stats */
	int failed;
};

/* The receive path: descriptor -> packet -> payload copy -> stats -> free. */
static void *kmmnet_rx_thread(void *arg)
{
	struct rx_queue *q = arg;

	for (unsigned int i = 0; i < PACKETS_PER_QUEUE; i++) {
		unsigned int len = 60 + (i * 37 + q->id * 11) % 1455; /* 60..1514 bytes */
		struct kmmnet_pkt *pkt = kmem_cache_alloc(q->dev->pkt_cache, GFP_ATOMIC);

		if (!pkt) {
			q->failed = 1;
			break;
		}
		pkt->len = len;
		pkt->queue = q->id;
		pkt->data = kmalloc(len, GFP_ATOMIC);
		if (!pkt->data) {
			kmem_cache_free(q->dev->pkt_cache, pkt);
			q->failed = 1;
			break;
		}
		memset(pkt->data, (int)(i & 0xff), len);
		q->dev->ring[(q->id * 256 + i) % 512] = len; /* "the device wrote a descriptor" */
		this_cpu_inc(kmmnet_stats.rx_packets);
		this_cpu_add(kmmnet_stats.rx_bytes, len);
		q->bytes += len;
		kfree(pkt->data);
		kmem_cache_free(q->dev->pkt_cache, pkt);
	}
	return NULL;
}

int main(void)
{
	struct kmmnet_dev dev;
	struct rx_queue q[NR_QUEUES];
	pthread_t tid[NR_QUEUES];
	unsigned long packets = 0, bytes = 0, expect = 0;
	int cpu, problems;

	if (kmmnet_probe(&dev))
		return 1;
	for (unsigned int i = 0; i < NR_QUEUES; i++) {
		q[i] = (struct rx_queue){ .dev = &dev, .id = i };
		if (pthread_create(&tid[i], NULL, kmmnet_rx_thread, &q[i]))
			return 1;
	}
	for (unsigned int i = 0; i < NR_QUEUES; i++) {
		pthread_join(tid[i], NULL);
		if (q[i].failed)
			return 2;
		expect += q[i].bytes;
	}
	/* what ethtool -S would show: the per-CPU counters summed */
	for_each_possible_cpu (cpu) {
		const struct kmmnet_stats *st = per_cpu_ptr(&kmmnet_stats, cpu);

		printf("kmmnet: cpu%d rx_packets %lu rx_bytes %lu\n", cpu, st->rx_packets,
		       st->rx_bytes);
		packets += st->rx_packets;
		bytes += st->rx_bytes;
	}
	printf("kmmnet: total rx_packets %lu rx_bytes %lu\n", packets, bytes);
	kmmnet_remove(&dev);
	problems = kmm_check(kmm_default_machine());
	printf("kmmnet: kmm_check: %d problems\n", problems);
	if (packets != NR_QUEUES * PACKETS_PER_QUEUE || bytes != expect || problems)
		return 3;
	return 0;
}
