/* SPDX-License-Identifier: MIT */
/*
 * linux/default_machine.c - the machine <kmm/linux.h> is bound to.
 *
 * Hosted code (it reads the environment): the default machine boots once,
 * on first use, from KMM_CMDLINE or the built-in default. A bad KMM_CMDLINE
 * is reported on standard error and the built-in default is used, because
 * alloc_pages() has no way to return a boot error.
 */
#include <kmm/linux.h>

#include "linux/record.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static kmm_machine *default_machine;
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;

static kmm_machine *boot_default(void)
{
	const char *cmdline = getenv("KMM_CMDLINE");
	char err[256];
	kmm_machine *m = NULL;

	if (kmm_machine_create(cmdline, &m, err, sizeof(err)) == KMM_OK) {
		kmm_record_from_env(m);
		return m;
	}
	fprintf(stderr, "kmm: KMM_CMDLINE=\"%s\": %s; booting the default machine (%s)\n",
		cmdline ? cmdline : "", err, KMM_DEFAULT_CMDLINE);
	if (kmm_machine_create(NULL, &m, err, sizeof(err)) == KMM_OK)
		return m;
	fprintf(stderr, "kmm: cannot boot the default machine: %s\n", err);
	abort();
}

kmm_machine *kmm_default_machine(void)
{
	kmm_machine *m = __atomic_load_n(&default_machine, __ATOMIC_ACQUIRE);

	if (__builtin_expect(m != NULL, 1))
		return m;
	pthread_mutex_lock(&default_lock);
	m = default_machine;
	if (!m) {
		m = boot_default();
		__atomic_store_n(&default_machine, m, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&default_lock);
	return m;
}

int kmm_default_machine_boot(const char *cmdline, char *err, size_t err_len)
{
	kmm_machine *m = NULL;
	int ret;

	pthread_mutex_lock(&default_lock);
	if (default_machine) {
		pthread_mutex_unlock(&default_lock);
		if (err && err_len)
			snprintf(err, err_len, "the default machine is already booted");
		return KMM_EINVAL;
	}
	ret = kmm_machine_create(cmdline, &m, err, err_len);
	if (ret == KMM_OK) {
		kmm_record_from_env(m);
		__atomic_store_n(&default_machine, m, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&default_lock);
	return ret;
}

kmm_machine *kmm_set_default_machine(kmm_machine *m)
{
	kmm_machine *old;

	pthread_mutex_lock(&default_lock);
	old = default_machine;
	__atomic_store_n(&default_machine, m, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&default_lock);
	return old;
}
