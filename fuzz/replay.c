/* SPDX-License-Identifier: MIT */
/*
 * fuzz/replay.c - a main() for fuzz targets built without libFuzzer: runs
 * LLVMFuzzerTestOneInput on every file named on the command line and on
 * every file in every directory named (in name order), so CI and gcc
 * builds replay the corpus and the saved crashes. With --time SECONDS it
 * reports inputs per second, replaying the corpus again and again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long runs;

static void run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!fp) {
		perror(path);
		exit(2);
	}
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		fprintf(stderr, "%s: cannot read\n", path);
		exit(2);
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	runs++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_path(const char *path)
{
	struct stat st;
	struct dirent **names;
	int n;

	if (stat(path, &st) != 0) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	n = scandir(path, &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		char full[4096];

		if (names[i]->d_name[0] != '.') {
			snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
			run_path(full);
		}
		free(names[i]);
	}
	free(names);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	double seconds = 0, t0;
	int first = 1;

	if (argc > 2 && !strcmp(argv[1], "--time")) {
		seconds = atof(argv[2]);
		first = 3;
	}
	t0 = now();
	do {
		for (int i = first; i < argc; i++)
			run_path(argv[i]);
	} while (now() - t0 < seconds);
	if (seconds > 0)
		printf("%lu inputs in %.2f s: %.0f inputs/s\n", runs, now() - t0,
		       (double)runs / (now() - t0));
	else
		printf("%s: %lu inputs replayed\n", argv[0], runs);
	return 0;
}
