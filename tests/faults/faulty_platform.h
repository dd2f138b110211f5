/* SPDX-License-Identifier: MIT */
/*
 * tests/faults/faulty_platform.h - the controls of the fault-injecting
 * platform (faulty_platform.c): which host call fails, how many were made,
 * and the ledger of host resources still held.
 */
#ifndef KMM_TESTS_FAULTY_PLATFORM_H
#define KMM_TESTS_FAULTY_PLATFORM_H

enum host_call {
	HOST_PHYS_CREATE, /* kmm_os_phys_create: the memfd */
	HOST_PHYS_MAP,	  /* kmm_os_phys_map */
	HOST_RESERVE,	  /* kmm_os_reserve: address space */
	HOST_MAP_FIXED,	  /* kmm_os_phys_map_fixed: the direct map, vmalloc, kmap */
	HOST_PHYS_RESIZE, /* kmm_os_phys_resize: growing the memfd (memory hotplug) */
	HOST_COMMIT,	  /* kmm_os_commit: a caller's region grows (memory hotplug) */
	NR_HOST_CALLS
};

struct host_faults {
	unsigned long fail_at; /* fail the fail_at-th failable call (1-based); 0 never */
	unsigned long calls;   /* failable calls made since the last reset */
	unsigned long calls_of[NR_HOST_CALLS];
	int failed_call;   /* enum host_call of the injected failure */
	long live_objects; /* physical-memory objects created and not destroyed */
	long live_bytes;   /* address space reserved or mapped and not unmapped */
	/*
	 * Threads (kswapd, page reporting) are not boot calls: a host that
	 * refuses them gets a machine without them, not a failed boot. So they
	 * have their own switch, outside the fail_at sequence.
	 */
	int fail_threads;	      /* every kmm_os_thread_create fails with -EAGAIN */
	unsigned long fail_thread_at; /* only the fail_thread_at-th (1-based) fails; 0 none */
	char refused_thread[32];      /* the name the last refused thread would have had */
	long thread_creates;	      /* kmm_os_thread_create calls since the last reset */
	long live_threads;	      /* threads created and not joined */
	/* Outside the sequence too: every kmm_os_phys_map_fixed after boot fails with this. */
	int fail_map_fixed; /* -errno, 0 for none */
	long map_fixed_calls;
	/* Outside the sequence: every kmm_os_hold_writers fails with this (vmalloc migration). */
	int fail_hold; /* -errno, 0 for none */
	long hold_calls;
	/* Outside the sequence: discards do nothing and say so (return 0), contents kept. */
	int keep_discards;
};

extern struct host_faults host_faults;

static inline void host_faults_reset(unsigned long fail_at)
{
	host_faults.fail_at = fail_at;
	host_faults.calls = 0;
	for (int i = 0; i < NR_HOST_CALLS; i++)
		host_faults.calls_of[i] = 0;
	host_faults.failed_call = -1;
	host_faults.fail_threads = 0;
	host_faults.fail_thread_at = 0;
	host_faults.refused_thread[0] = '\0';
	host_faults.thread_creates = 0;
	host_faults.fail_map_fixed = 0;
	host_faults.map_fixed_calls = 0;
	host_faults.fail_hold = 0;
	host_faults.hold_calls = 0;
	host_faults.keep_discards = 0;
}

#endif
