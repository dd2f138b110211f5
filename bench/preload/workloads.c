/* SPDX-License-Identifier: MIT */
/*
 * bench/preload/workloads.c - allocation-heavy programs of the kind
 * mimalloc-bench uses, for bench/preload.sh to run under each malloc:
 *
 *   churn     one thread; a working set of 4096 slots, each step frees a
 *             random slot and allocates 8..1032 bytes into it (cfrac/espresso
 *             style small-object churn)
 *   prodcons  one producer thread allocates 16..512-byte objects and hands
 *             them in batches of 256 through a queue to one consumer thread
 *             that frees them (xmalloc-test: every free is a remote free)
 *   larson    larson-style server simulation: 2 threads each own 1000
 *             slots of 10..500 bytes and replace random ones; every round
 *             the threads exit and new threads inherit the slots (objects
 *             are freed by threads that did not allocate them)
 *   start     start-up: runs `workloads once` (a program that mallocs one
 *             block and exits) 200 times, one after another, so that the
 *             time is 200 process starts and the peak RSS is the largest
 *             of them (the malloc's own start: its boot, for kmm)
 *
 * Each prints a checksum, so a run can be compared between allocators.
 * Usage: workloads MODE [SCALE]
 */
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned long churn(long ops)
{
	enum { SLOTS = 4096 };
	static char *slot[SLOTS];
	uint64_t s = 88172645463325252ull;
	unsigned long sum = 0;

	for (long i = 0; i < ops; i++) {
		unsigned int k = (unsigned int)(rnd(&s) % SLOTS);
		size_t n = 8 + rnd(&s) % 1025;

		free(slot[k]);
		slot[k] = malloc(n);
		slot[k][0] = (char)i;
		slot[k][n - 1] = (char)n;
		sum += (unsigned char)slot[k][0];
	}
	for (int k = 0; k < SLOTS; k++)
		free(slot[k]);
	return sum;
}

/* ---- prodcons: a bounded queue of batches ---- */
enum { BATCH = 256, QLEN = 64 };
struct batch {
	void *obj[BATCH];
};
static struct batch *queue[QLEN];
static unsigned int q_head, q_tail;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static long pc_batches;

static void q_put(struct batch *b)
{
	pthread_mutex_lock(&q_lock);
	while (q_tail - q_head == QLEN)
		pthread_cond_wait(&q_cond, &q_lock);
	queue[q_tail++ % QLEN] = b;
	pthread_cond_broadcast(&q_cond);
	pthread_mutex_unlock(&q_lock);
}

static struct batch *q_get(void)
{
	struct batch *b;

	pthread_mutex_lock(&q_lock);
	while (q_tail == q_head)
		pthread_cond_wait(&q_cond, &q_lock);
	b = queue[q_head++ % QLEN];
	pthread_cond_broadcast(&q_cond);
	pthread_mutex_unlock(&q_lock);
	return b;
}

static void *producer(void *arg)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;

	(void)arg;
	for (long i = 0; i < pc_batches; i++) {
		struct batch *b = malloc(sizeof(*b));

		for (int k = 0; k < BATCH; k++) {
			size_t n = 16 + rnd(&s) % 497;

			b->obj[k] = malloc(n);
			memset(b->obj[k], (int)k, 16);
		}
		q_put(b);
	}
	q_put(NULL);
	return NULL;
}

static void *consumer(void *arg)
{
	unsigned long *sum = arg;
	struct batch *b;

	while ((b = q_get()) != NULL) {
		for (int k = 0; k < BATCH; k++) {
			*sum += ((unsigned char *)b->obj[k])[3];
			free(b->obj[k]);
		}
		free(b);
	}
	return NULL;
}

static unsigned long prodcons(long scale)
{
	pthread_t p, c;
	unsigned long sum = 0;

	pc_batches = scale;
	pthread_create(&c, NULL, consumer, &sum);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	return sum;
}

/* ---- larson ---- */
enum { LSLOTS = 1000, LTHREADS = 2 };
struct lwork {
	char *slot[LSLOTS];
	uint64_t seed;
	long steps;
	unsigned long sum;
};

static void *larson_thread(void *arg)
{
	struct lwork *w = arg;

	for (long i = 0; i < w->steps; i++) {
		unsigned int k = (unsigned int)(rnd(&w->seed) % LSLOTS);
		size_t n = 10 + rnd(&w->seed) % 491;

		if (w->slot[k])
			w->sum += (unsigned char)w->slot[k][0];
		free(w->slot[k]);
		w->slot[k] = malloc(n);
		w->slot[k][0] = (char)n;
	}
	return NULL;
}

static unsigned long larson(long scale)
{
	static struct lwork w[LTHREADS];
	unsigned long sum = 0;

	for (int t = 0; t < LTHREADS; t++) {
		w[t].seed = 1234567ull * (unsigned)(t + 1);
		w[t].steps = 20000;
	}
	for (long round = 0; round < scale; round++) {
		pthread_t th[LTHREADS];

		for (int t = 0; t < LTHREADS; t++) /* threads inherit the other's slots */
			pthread_create(&th[t], NULL, larson_thread, &w[(t + round) % LTHREADS]);
		for (int t = 0; t < LTHREADS; t++)
			pthread_join(th[t], NULL);
	}
	for (int t = 0; t < LTHREADS; t++) {
		for (int k = 0; k < LSLOTS; k++)
			free(w[t].slot[k]);
		sum += w[t].sum;
	}
	return sum;
}

/* ---- start: process start-ups, one after another ---- */
static unsigned long start(const char *self, long runs)
{
	unsigned long ok = 0;

	for (long i = 0; i < runs; i++) {
		char *args[] = { (char *)self, (char *)"once", NULL };
		pid_t pid;
		int status;

		if (posix_spawn(&pid, self, NULL, NULL, args, environ) != 0)
			break;
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			ok++;
	}
	return ok;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "churn";
	long scale = argc > 2 ? atol(argv[2]) : 1;
	unsigned long sum;

	if (!strcmp(mode, "once")) { /* one block, kept from the optimizer */
		char *volatile p = malloc(100);

		p[0] = 1;
		free(p);
		return 0;
	}
	if (!strcmp(mode, "churn"))
		sum = churn(4000000 * scale);
	else if (!strcmp(mode, "prodcons"))
		sum = prodcons(8000 * scale);
	else if (!strcmp(mode, "larson"))
		sum = larson(200 * scale);
	else if (!strcmp(mode, "start"))
		sum = start(argv[0], 200 * scale);
	else {
		fprintf(stderr, "usage: workloads churn|prodcons|larson|start [SCALE]\n");
		return 2;
	}
	printf("%s %lu\n", mode, sum);
	return 0;
}
