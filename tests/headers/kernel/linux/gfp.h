/* SPDX-License-Identifier: MIT */
/*
 * tests/headers/kernel/linux/gfp.h - a hobby kernel's own gfp header, of
 * the kind a program brings along (the kernel's tools/include, a teaching
 * kernel): its gfp_t is not kmm's type and its flags are not kmm's values.
 * The coexistence tests include it next to kmm's instance API.
 */
#ifndef HOBBY_LINUX_GFP_H
#define HOBBY_LINUX_GFP_H

typedef unsigned long gfp_t;

#define __GFP_WAIT 1
#define __GFP_ZERO 0x10
#define __GFP_NOWARN 0
#define GFP_ATOMIC 0
#define GFP_KERNEL 0x1
#define GFP_NOWAIT 0

#endif
