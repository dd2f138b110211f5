/* SPDX-License-Identifier: MIT */
/* vmalloc/stack.c - kernel stacks (THREAD_SIZE, CONFIG_VMAP_STACK). */
#include "vmalloc/vmalloc.h"

int stack_init(struct kmm_machine *m)
{
	(void)m;
	return KMM_OK;
}
