/* SPDX-License-Identifier: MIT */
/*
 * slab/harden.c - the hardening the slab allocator does by default and the
 * options that add more:
 *  - free pointer obfuscation: a free object stores the next free object's
 *    address as ptr ^ s->random ^ swab(address of the stored pointer), as
 *    Linux does with CONFIG_SLAB_FREELIST_HARDENED (the inline encode and
 *    decode are in slab.h). A secret per cache, drawn at creation, makes a
 *    forged or overwritten pointer decode to garbage, which the allocator
 *    catches because it validates every decoded pointer against its slab;
 *  - slab_freelist_random=1: the objects of a new slab are linked in a
 *    random order (Fisher-Yates over the object indices), so allocation
 *    order does not reveal the layout;
 *  - init_on_alloc=1 / init_on_free=1: objects are zeroed when handed out /
 *    given back, with Linux's exceptions (caches with a constructor,
 *    SLAB_TYPESAFE_BY_RCU and poisoned caches keep their contents).
 *
 * Randomness: one 64-bit state per machine, seeded from the clock and
 * addresses at boot, advanced with an atomic add (Weyl sequence) and mixed
 * with splitmix64. It is unpredictable enough for layout randomization and
 * secrets in a user-space simulator; it is not a cryptographic generator.
 */
#include "slab/slab.h"

static uint64_t splitmix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void slab_random_seed(struct kmm_machine *m)
{
	uint64_t local = 0;

	m->slab->rng = splitmix64(kmm_os_now_ns() ^ (uint64_t)(uintptr_t)m ^
				  ((uint64_t)(uintptr_t)&local << 17));
}

uint64_t slab_random(struct kmm_machine *m)
{
	uint64_t x = __atomic_add_fetch(&m->slab->rng, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED);

	return splitmix64(x);
}

void slab_shuffle(struct kmm_machine *m, uint16_t *order, unsigned int n)
{
	uint64_t r = slab_random(m);

	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j;
		uint16_t t;

		if ((i & 7) == 0)
			r = slab_random(m);
		/* 64-bit random times (i + 1), high half: uniform in [0, i] */
		j = (unsigned int)(((unsigned __int128)r * (i + 1)) >> 64);
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

bool slab_want_init_on_alloc(const struct kmm_machine *m, const struct kmem_cache *s)
{
	if (!m->desc.init_on_alloc)
		return false;
	if (s->ctor)
		return false;
	return !(s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
}

bool slab_want_init_on_free(const struct kmm_machine *m, const struct kmem_cache *s)
{
	if (!m->desc.init_on_free)
		return false;
	return !(s->ctor || (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)));
}
