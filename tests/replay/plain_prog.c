/* SPDX-License-Identifier: MIT */
/*
 * tests/replay/plain_prog.c - a plain C program, not linked with kmm, for
 * tests/replay/preload.sh: under `kmm record --preload` its malloc is
 * libkmm-malloc's, and what it does must show in the trace exactly.
 *
 *   100 x malloc(40009)  kmalloc (above libkmm-malloc's largest size class)
 *   300 x malloc(40)     kmem_cache_alloc from malloc-48
 *   the first 50 of each freed again (kfree)
 *   a forked child: 7 x malloc(50021) (kmalloc), which must not be in the trace
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	static void *big[100], *small[300];
	int status;
	pid_t pid;

	for (int i = 0; i < 100; i++) {
		big[i] = malloc(40009);
		if (!big[i])
			return 1;
		memset(big[i], i, 40009);
	}
	for (int i = 0; i < 300; i++)
		if (!(small[i] = malloc(40)))
			return 1;
	for (int i = 0; i < 50; i++) {
		free(big[i]);
		free(small[i]);
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 7; i++)
			if (!malloc(50021))
				_exit(1);
		exit(0); /* atexit handlers run: libkmm-malloc's recorder too */
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	puts("plain_prog done");
	return 0;
}
