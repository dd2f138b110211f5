/* SPDX-License-Identifier: MIT */
/*
 * fuzz/ops_percpu.c - per-CPU allocations for the API fuzzer:
 * alloc_percpu of any size and alignment (including sizes above a unit and
 * alignments that are not powers of two, which must be refused), writes to
 * every CPU's copy, free_percpu; and the misuses: freeing twice, freeing a
 * pointer that is not a per-CPU object, asking for a CPU that does not
 * exist. Each CPU's copy carries a cookie that names the CPU.
 */
#include "api.h"

#include <string.h>

static uint64_t cpu_cookie(const struct fz_pcpu *c, int cpu)
{
	return c->cookie ^ ((uint64_t)cpu << 40);
}

static void *copy(struct fz *f, const struct fz_pcpu *c, int cpu)
{
	return kmm_per_cpu_ptr(f->m, c->p, cpu, NULL, NULL);
}

static void pcpu_verify(struct fz *f)
{
	for (int i = 0; i < FZ_PCPU; i++) {
		struct fz_pcpu *c = &f->pcpu[i];

		if (!c->p || c->size < 8)
			continue;
		for (int cpu = 0; cpu < kmm_nr_cpus(f->m); cpu++) {
			uint64_t v, want = cpu_cookie(c, cpu);

			memcpy(&v, copy(f, c, cpu), 8);
			if (v != want)
				fz_fail(f, "per-CPU slot %d, cpu %d: cookie overwritten", i, cpu);
		}
	}
}

static void op_alloc(struct fz *f)
{
	struct fz_pcpu *c = &f->pcpu[fz_u8(f) % FZ_PCPU];
	uint8_t sb = fz_u8(f), ab = fz_u8(f);
	size_t size = sb < 200 ? (size_t)1 + sb % 128 : (size_t)fz_u16(f) * 2;
	size_t align = ab < 200 ? (size_t)1 << (ab % 8) : ab;
	bool bad = (align & (align - 1)) || align > kmm_page_size(f->m) || size == 0 ||
		   size > 8 * kmm_page_size(f->m);

	if (c->p)
		return;
	c->p = kmm_alloc_percpu(f->m, size, align);
	if (bad) {
		if (c->p)
			fz_fail(f, "alloc_percpu(%zu, %zu) succeeded", size, align);
		fz_misuse(f, "alloc_percpu with a bad size or alignment");
		return;
	}
	if (!c->p)
		return;
	c->size = size;
	c->cookie = fz_cookie(f, (unsigned int)(c - f->pcpu));
	for (int cpu = 0; cpu < kmm_nr_cpus(f->m); cpu++) {
		unsigned char *p = copy(f, c, cpu);

		if (!p || ((uintptr_t)p & (align - 1)))
			fz_fail(f, "per-CPU copy %p of cpu %d is not aligned to %zu", (void *)p, cpu,
				align);
		for (size_t i = 0; i < size; i++)
			if (p[i])
				fz_fail(f, "alloc_percpu memory is not zero");
		if (size >= 8) {
			uint64_t v = cpu_cookie(c, cpu);

			memcpy(p, &v, 8);
		}
	}
}

static void op_free(struct fz *f)
{
	struct fz_pcpu *c = &f->pcpu[fz_u8(f) % FZ_PCPU];
	void *p = c->p;

	if (!p)
		return;
	kmm_free_percpu(f->m, p);
	fz_no_report(f, "free_percpu");
	c->p = NULL;
	if (fz_u8(f) & 1) {
		kmm_free_percpu(f->m, p);
		fz_misuse(f, "free_percpu twice");
	}
}

static void op_misuse(struct fz *f)
{
	uint64_t local = 0;
	struct fz_pcpu *c = &f->pcpu[fz_u8(f) % FZ_PCPU];

	switch (fz_u8(f) % 3) {
	case 0:
		kmm_free_percpu(f->m, &local);
		break;
	case 1:
		if (kmm_per_cpu_ptr(f->m, &local, 0, NULL, NULL))
			fz_fail(f, "per_cpu_ptr of a foreign pointer answered");
		break;
	default:
		if (!c->p)
			return;
		if (kmm_per_cpu_ptr(f->m, c->p, kmm_nr_cpus(f->m) + (fz_u8(f) % 3), NULL, NULL))
			fz_fail(f, "per_cpu_ptr of a CPU that does not exist answered");
		break;
	}
	fz_misuse(f, "a per-CPU misuse");
}

static void op_get_cpu(struct fz *f)
{
	struct fz_pcpu *c = &f->pcpu[fz_u8(f) % FZ_PCPU];
	int cpu = kmm_get_cpu(f->m);

	if (cpu < 0 || cpu >= kmm_nr_cpus(f->m))
		fz_fail(f, "get_cpu gave cpu %d", cpu);
	if (c->p && c->size >= 16) {
		unsigned char *p = copy(f, c, cpu);

		p[8]++;
	}
	kmm_put_cpu(f->m);
	fz_no_report(f, "get_cpu/put_cpu");
}

static void pcpu_teardown(struct fz *f)
{
	for (int i = 0; i < FZ_PCPU; i++) {
		if (!f->pcpu[i].p)
			continue;
		kmm_free_percpu(f->m, f->pcpu[i].p);
		fz_no_report(f, "free_percpu at the end");
		f->pcpu[i].p = NULL;
	}
}

static const struct fz_op percpu_ops[] = {
	{ "alloc_percpu", op_alloc },
	{ "free_percpu", op_free },
	{ "get_cpu", op_get_cpu },
	{ "misuse: per-CPU", op_misuse },
};

const struct fz_layer fz_layer_percpu = {
	"percpu", percpu_ops, sizeof(percpu_ops) / sizeof(percpu_ops[0]), pcpu_verify,
	pcpu_teardown,
};
