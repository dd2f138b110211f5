/* SPDX-License-Identifier: MIT */
/*
 * slab/debug.c - SLUB-style debugging: slab_debug=, object layout checks,
 * user tracking and tracing, and the reports in SLUB's format.
 *
 * slab_debug=FLAGS[,CACHE...][;FLAGS[,CACHE...]]... (slub_debug= too):
 * F sanity checks (SLAB_CONSISTENCY_CHECKS), Z red zones (SLAB_RED_ZONE),
 * P poisoning (SLAB_POISON), U user tracking (SLAB_STORE_USER), T trace
 * (SLAB_TRACE); '-' means none; no letters before a cache list means FZPU;
 * a block without a cache list sets the default for every cache, a block
 * with one applies to those caches (a trailing '*' matches a prefix), the
 * first matching block wins. A and O are accepted and ignored. Flags given
 * to kmem_cache_create add to these.
 *
 * Object layout with debugging (SLUB's calculate_sizes, cache.c):
 *   [left red zone][object][right red zone][free ptr][alloc track][free track][padding]
 * red zones hold 0xbb while the object is free and 0xcc while allocated,
 * a free poisoned object holds 0x6b with 0xa5 in its last byte, padding
 * holds 0x5a. A debug cache has no per-CPU arrays: every alloc and free
 * takes the node's list_lock and sees the slab's exact state, so a double
 * free is found on the slab's freelist ("Object already free").
 *
 * Checks, and what each leaves behind (the allocator stays consistent):
 *   free:  pointer not an object start -> "Invalid object pointer", not
 *          freed; object on the freelist -> "Object already free", not
 *          freed; red zone / padding damaged -> "<what> overwritten", the
 *          bytes restored, not freed (as SLUB);
 *   alloc: poison or red zone of the free object damaged -> reported,
 *          restored, the object handed out; a free pointer that does not
 *          decode to an object of the slab -> "Freepointer corrupt", the
 *          chain cut there and the objects beyond written off as in use.
 * kmm checks red zones and poison on every alloc and free of a Z or P
 * cache; SLUB does so only with F as well (docs/slab.md).
 *
 * User tracking (U, SLUB's struct track): for its last alloc and its last
 * free each object keeps the call site, CPU, task name, a timestamp and
 * the stack - at most 16 frames from the call site outwards, walked by the
 * host (kmm_os_stack_trace) and stored once in the machine's stack depot
 * (lib/stackdepot.c), the track holding its 32-bit handle. A report prints
 * "INFO: Allocated in <%pS> age=... cpu=... comm=..." and under it the
 * stack, one " function+0xoff/0xsize" line per frame (stack_depot_print);
 * with no stack (a host that cannot walk, a full depot) the call site is
 * all there is.
 *
 * Reports are written with no lock held, as one log message each:
 *   =====...  /  BUG <cache> (Not tainted|Tainted: B): <reason>  /  -----...
 *   INFO: lines (fault range, Allocated in / Freed in, Slab, Object),
 *   hex dumps (Redzone / Object / Padding, print_hex_dump's layout) and
 *   FIX <cache>: <what was done>.
 * After the first report the machine's slab layer is tainted ('B', as
 * TAINT_BAD_PAGE); with kmm_slab_set_reports_fatal every report aborts.
 */
#include "slab/slab.h"

#define SLAB_DEBUG_DEFAULT (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
#define MAX_LEAK_REPORTS 16
#define MAX_LEAK_SLABS 4
#define SLAB_TRACK_FRAMES 16 /* frames kept per track (SLUB's TRACK_ADDRS_COUNT) */
#define SLAB_TRACK_WALK 32   /* frames walked: kmm's own, then the ones kept */

/* ---- slab_debug= ---------------------------------------------------------- */

/* Letters -> flags; *unknown gets the first letter not understood (or 0). */
static slab_flags_t parse_letters(const char *s, size_t len, char *unknown)
{
	slab_flags_t flags = 0;

	if (len == 0)
		return SLAB_DEBUG_DEFAULT;
	for (size_t i = 0; i < len; i++) {
		switch (s[i] | 0x20) {
		case 'f':
			flags |= SLAB_CONSISTENCY_CHECKS;
			break;
		case 'z':
			flags |= SLAB_RED_ZONE;
			break;
		case 'p':
			flags |= SLAB_POISON;
			break;
		case 'u':
			flags |= SLAB_STORE_USER;
			break;
		case 't':
			flags |= SLAB_TRACE;
			break;
		case 'a': /* failslab: no fault injection in kmm */
		case 'o': /* switch debugging off for high-order caches */
			break;
		default:
			if (s[i] == '-')
				return 0;
			if (unknown && !*unknown)
				*unknown = s[i];
		}
	}
	return flags;
}

static bool name_matches(const char *pat, size_t len, const char *name)
{
	if (len && pat[len - 1] == '*')
		return kmm_strncmp(pat, name, len - 1) == 0;
	return kmm_strlen(name) == len && kmm_strncmp(pat, name, len) == 0;
}

slab_flags_t slab_debug_flags(struct kmm_machine *m, const char *name)
{
	const char *p = m->desc.slab_debug;
	slab_flags_t global = 0;

	while (*p) {
		const char *end = p, *comma;
		slab_flags_t flags;

		while (*end && *end != ';')
			end++;
		for (comma = p; comma < end && *comma != ','; comma++)
			;
		flags = parse_letters(p, (size_t)(comma - p), NULL);
		if (comma == end) {
			global = flags;
		} else {
			const char *q = comma + 1;

			while (q < end) {
				const char *e = q;

				while (e < end && *e != ',')
					e++;
				if (e > q && name_matches(q, (size_t)(e - q), name))
					return flags;
				q = e + 1;
			}
		}
		p = *end ? end + 1 : end;
	}
	return global;
}

void slab_debug_validate(struct kmm_machine *m)
{
	const char *p = m->desc.slab_debug;

	while (*p) {
		const char *end = p, *comma;
		char unknown = 0;

		while (*end && *end != ';')
			end++;
		for (comma = p; comma < end && *comma != ','; comma++)
			;
		parse_letters(p, (size_t)(comma - p), &unknown);
		if (unknown)
			kmm_log(m, "slab_debug option '%c' unknown. skipped\n", unknown);
		p = *end ? end + 1 : end;
	}
}

/* ---- object layout ------------------------------------------------------------ */

static inline bool freeptr_outside_object(const struct kmem_cache *s)
{
	return s->offset >= s->inuse;
}

/* End of the object's own metadata (free pointer), where the tracks start. */
static inline unsigned int get_info_end(const struct kmem_cache *s)
{
	return freeptr_outside_object(s) ? s->offset + (unsigned int)sizeof(void *) : s->inuse;
}

static inline unsigned int size_from_object(const struct kmem_cache *s)
{
	return (s->flags & SLAB_RED_ZONE) ? s->size - s->red_left_pad : s->size;
}

struct slab_track *get_track(struct kmem_cache *s, void *obj, int alloc)
{
	return (struct slab_track *)((char *)obj + get_info_end(s)) + (alloc ? 0 : 1);
}

void init_tracking(struct kmem_cache *s, void *obj)
{
	if (s->flags & SLAB_STORE_USER)
		kmm_memset(get_track(s, obj, 1), 0, 2 * sizeof(struct slab_track));
}

/*
 * SLUB's set_track_prepare: the stack of this alloc or free, kept in the
 * machine's stack depot. kmm's own frames are dropped by finding the call
 * site: the walk is cut so that it starts at the frame whose return
 * address is `addr` (the API function's return address into its caller),
 * and SLAB_TRACK_FRAMES are kept from there, as SLUB keeps
 * TRACK_ADDRS_COUNT. If the call site is not on the walk (a host that
 * unwinds oddly), the whole walk is kept. 0 when there is no depot or the
 * host cannot walk stacks.
 */
static KMM_NOINLINE depot_stack_handle_t set_track_prepare(struct kmm_machine *m, uintptr_t addr)
{
	uintptr_t entries[SLAB_TRACK_WALK];
	size_t nr, start = 0;

	if (!__atomic_load_n(&m->stackdepot, __ATOMIC_RELAXED))
		return 0;
	nr = kmm_os_stack_trace(entries, ARRAY_SIZE(entries), 0);
	for (size_t i = 0; i < nr; i++)
		if (entries[i] == addr) {
			start = i;
			break;
		}
	return stack_depot_save(m, entries + start,
				(unsigned int)MIN(nr - start, SLAB_TRACK_FRAMES));
}

static void fill_track(struct kmm_machine *m, struct slab_track *t, uintptr_t addr)
{
	t->addr = addr;
	t->handle = set_track_prepare(m, addr);
	t->when = kmm_os_now_ns();
	t->cpu = (uint32_t)kmm_this_cpu(m);
	kmm_os_task_name(t->comm, sizeof(t->comm));
}

void init_object(struct kmem_cache *s, void *obj, uint8_t val)
{
	uint8_t *p = obj;

	if (s->flags & SLAB_RED_ZONE)
		kmm_memset(p - s->red_left_pad, val, s->red_left_pad);
	if (s->flags & __OBJECT_POISON) {
		kmm_memset(p, POISON_FREE, s->object_size - 1);
		p[s->object_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		kmm_memset(p + s->object_size, val, s->inuse - s->object_size);
}

void setup_slab_debug(struct kmem_cache *s, struct page *page)
{
	if (s->flags & SLAB_POISON)
		kmm_memset(slab_address(s->m, page), POISON_INUSE, s->m->page_size << s->order);
	for (unsigned int i = 0; i < s->objects; i++) {
		void *obj = slab_object(s, page, i);

		init_object(s, obj, SLUB_RED_INACTIVE);
		init_tracking(s, obj);
	}
}

/* ---- report output ---------------------------------------------------------------- */

static void report_begin(struct kmm_machine *m, struct kmm_out *o, const char *name,
			 const char *reason)
{
	bool tainted = __atomic_load_n(&m->slab->tainted, __ATOMIC_RELAXED);

	kmm_log_begin(m, o);
	kmm_out_printf(o, "============================================================="
			  "================\n");
	kmm_out_printf(o, "BUG %s (%s): %s\n", name, tainted ? "Tainted: B" : "Not tainted",
		       reason);
	kmm_out_printf(o, "-------------------------------------------------------------"
			  "----------------\n\n");
}

static void report_end(struct kmm_machine *m, struct kmm_out *o)
{
	kmm_log_end(m, o);
	__atomic_store_n(&m->slab->tainted, true, __ATOMIC_RELAXED);
	kmm_log_maybe_fatal(m);
}

/* print_hex_dump(DUMP_PREFIX_ADDRESS, rowsize 16, groupsize 1, ascii). */
static void print_section(struct kmm_out *o, const char *text, const uint8_t *addr,
			  unsigned int len)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned int off = 0; off < len; off += 16) {
		unsigned int n = MIN(16u, len - off), lx = 0;
		char line[16 * 3 + 2 + 16 + 1];

		for (unsigned int j = 0; j < n; j++) {
			uint8_t c = addr[off + j];

			line[lx++] = hex[c >> 4];
			line[lx++] = hex[c & 15];
			line[lx++] = ' ';
		}
		if (n)
			lx--;
		while (lx < 16 * 3 + 1)
			line[lx++] = ' ';
		for (unsigned int j = 0; j < n; j++) {
			uint8_t c = addr[off + j];

			line[lx++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
		}
		line[lx] = '\0';
		kmm_out_printf(o, "%s%016lx: %s\n", text, (unsigned long)(uintptr_t)(addr + off),
			       line);
	}
}

/*
 * SLUB's print_track: the call site as %pS (kmm_os_symbol, else the
 * address), then the stack from the depot, one indented frame a line
 * (stack_depot_print). Without a stack (handle 0) the call site alone.
 */
static void print_track(struct kmm_machine *m, struct kmm_out *o, const char *what,
			const struct slab_track *t, uint64_t now)
{
	char comm[sizeof(t->comm) + 1], site[160];

	if (!t->addr)
		return;
	kmm_memcpy(comm, t->comm, sizeof(t->comm));
	comm[sizeof(t->comm)] = '\0';
	stack_sprint_symbol(site, sizeof(site), t->addr);
	kmm_out_printf(o, "INFO: %s in %s age=%llu cpu=%u comm=%s\n", what, site,
		       (unsigned long long)(now > t->when ? (now - t->when) / 1000000 : 0), t->cpu,
		       comm);
	if (t->handle)
		stack_depot_print(m, o, t->handle);
}

static void print_tracking(struct kmm_out *o, struct kmem_cache *s, void *obj)
{
	uint64_t now = kmm_os_now_ns();

	if (!(s->flags & SLAB_STORE_USER))
		return;
	print_track(s->m, o, "Allocated", get_track(s, obj, 1), now);
	print_track(s->m, o, "Freed", get_track(s, obj, 0), now);
}

static void print_page_info(struct kmm_out *o, struct kmem_cache *s, const struct page *page)
{
	uint32_t flags = page->flags & PAGE_FLAGS_MASK;
	unsigned int head = __atomic_load_n(&page->u.slab.freelist, __ATOMIC_RELAXED);
	char names[160];
	size_t len = 0;

	names[0] = '\0';
	for (int f = 0; f < NR_PAGEFLAGS; f++)
		if (flags & (1u << f))
			len += (size_t)kmm_snprintf(names + len,
						    sizeof(names) - MIN(len, sizeof(names)), "%s%s",
						    len ? "|" : "", pageflag_names[f]);
	kmm_out_printf(o, "INFO: Slab %p objects=%u used=%u fp=%p flags=%#x(%s)\n",
		       (const void *)page, page->u.slab.objects,
		       __atomic_load_n(&page->u.slab.inuse, __ATOMIC_RELAXED),
		       head == SLAB_NIL ? NULL : slab_object(s, page, head), flags, names);
}

static void print_trailer(struct kmm_out *o, struct kmem_cache *s, const struct page *page,
			  uint8_t *p)
{
	uint8_t *addr = (uint8_t *)slab_address(s->m, page);
	unsigned int off;

	print_tracking(o, s, p);
	print_page_info(o, s, page);
	kmm_out_printf(o, "INFO: Object %p @offset=%tu fp=%p\n\n", (void *)p, p - addr,
		       get_freepointer(s, p));
	if (s->flags & SLAB_RED_ZONE)
		print_section(o, "Redzone  ", p - s->red_left_pad, s->red_left_pad);
	else if (p >= addr + 16)
		print_section(o, "Bytes b4 ", p - 16, 16);
	print_section(o, "Object   ", p, MIN(s->object_size, (unsigned int)s->m->page_size));
	if (s->flags & SLAB_RED_ZONE)
		print_section(o, "Redzone  ", p + s->object_size, s->inuse - s->object_size);
	off = get_info_end(s);
	if (s->flags & SLAB_STORE_USER)
		off += 2 * (unsigned int)sizeof(struct slab_track);
	if (off != size_from_object(s))
		print_section(o, "Padding  ", p + off, size_from_object(s) - off);
}

static void object_err(struct kmm_machine *m, struct kmem_cache *s, const struct page *page,
		       void *obj, const char *reason, const char *fix)
{
	struct kmm_out o;

	report_begin(m, &o, s->name, reason);
	print_trailer(&o, s, page, obj);
	if (fix)
		kmm_out_printf(&o, "FIX %s: %s\n", s->name, fix);
	report_end(m, &o);
}

void report_invalid_free(struct kmm_machine *m, struct kmem_cache *s, struct page *page,
			 const void *obj, const char *reason)
{
	struct kmm_out o;
	char why[192], fix[64];

	kmm_snprintf(fix, sizeof(fix), "Object at %p not freed", obj);
	if (page && !kmm_strcmp(reason, "Object already free")) {
		object_err(m, s, page, (void *)obj, reason, fix);
		return;
	}
	if (!kmm_strcmp(reason, "Invalid object pointer"))
		kmm_snprintf(why, sizeof(why), "Invalid object pointer %p", obj);
	else
		kmm_snprintf(why, sizeof(why), "%s", reason);
	report_begin(m, &o, s->name, why);
	if (page && page_test(page, PG_slab))
		print_page_info(&o, page_slab_cache(page), page);
	else
		kmm_out_printf(&o, "INFO: %p is not in a slab page of this machine\n", obj);
	kmm_out_printf(&o, "FIX %s: %s\n", s->name, fix);
	report_end(m, &o);
}

void report_bad_kfree(struct kmm_machine *m, const void *obj, const char *why)
{
	struct kmm_out o;
	char reason[64];

	kmm_snprintf(reason, sizeof(reason), "Invalid object pointer %p", obj);
	report_begin(m, &o, "kfree", reason);
	kmm_out_printf(&o, "INFO: %s\n", why);
	kmm_out_printf(&o, "FIX kfree: Object at %p not freed\n", obj);
	report_end(m, &o);
}

void slab_report_emit(struct kmm_machine *m, struct kmem_cache *s, const struct slab_report *r)
{
	struct kmm_out o;
	char fix[96];

	switch (r->kind) {
	case SLAB_REPORT_NONE:
		return;
	case SLAB_REPORT_FREECHAIN:
		kmm_snprintf(fix, sizeof(fix),
			     "Isolate corrupted freechain (%u free objects written off as in use)",
			     r->lost);
		object_err(m, s, r->page, r->object, "Freepointer corrupt", fix);
		return;
	case SLAB_REPORT_FREEPTR:
		report_begin(m, &o, s->name, "Freepointer corrupt");
		print_page_info(&o, s, r->page);
		kmm_out_printf(&o, "FIX %s: Freelist cleared\n", s->name);
		report_end(m, &o);
		return;
	case SLAB_REPORT_COUNT: {
		char why[96];

		kmm_snprintf(why, sizeof(why),
			     "Wrong object count. Counter is %u but counted were %u", r->counter,
			     r->counted);
		report_begin(m, &o, s->name, why);
		print_page_info(&o, s, r->page);
		kmm_out_printf(&o, "FIX %s: Object count adjusted\n", s->name);
		report_end(m, &o);
		return;
	}
	}
}

/* ---- checks ----------------------------------------------------------------------- */

/*
 * Are [start, start + bytes) all `value`? With report: print SLUB's
 * "<what> overwritten" report and restore the bytes (the caller owns the
 * object, no lock is held).
 */
static int check_bytes(struct kmem_cache *s, const struct page *page, uint8_t *obj,
		       const char *what, uint8_t *start, uint8_t value, unsigned int bytes,
		       bool report)
{
	struct kmm_machine *m = s->m;
	uint8_t *fault = NULL, *end;
	uint8_t *addr = (uint8_t *)slab_address(m, page);
	char reason[64];
	struct kmm_out o;

	for (unsigned int i = 0; i < bytes; i++)
		if (start[i] != value) {
			fault = start + i;
			break;
		}
	if (!fault)
		return 1;
	if (!report)
		return 0;
	end = start + bytes;
	while (end > fault && end[-1] == value)
		end--;
	kmm_snprintf(reason, sizeof(reason), "%s overwritten", what);
	report_begin(m, &o, s->name, reason);
	kmm_out_printf(&o, "INFO: %p-%p @offset=%tu. First byte 0x%x instead of 0x%x\n",
		       (void *)fault, (void *)(end - 1), fault - addr, fault[0], value);
	print_trailer(&o, s, page, obj);
	kmm_out_printf(&o, "FIX %s: Restoring %s %p-%p=0x%x\n", s->name, what, (void *)fault,
		       (void *)(end - 1), value);
	report_end(m, &o);
	kmm_memset(fault, value, (size_t)(end - fault));
	return 0;
}

/*
 * SLUB's check_object: red zones (or the alignment padding of a poisoned
 * cache), the poison of a free object, the object padding, and the free
 * pointer when check_fp. Returns 1 when all is well. With report every
 * problem is printed and repaired; without, nothing is touched.
 */
static int check_object(struct kmem_cache *s, const struct page *page, void *object, uint8_t val,
			bool check_fp, bool report)
{
	uint8_t *p = object, *endobject = p + s->object_size;
	int ret = 1;

	if (s->flags & SLAB_RED_ZONE) {
		if (!check_bytes(s, page, p, "Left Redzone", p - s->red_left_pad, val,
				 s->red_left_pad, report))
			ret = 0;
		if ((ret || report) && !check_bytes(s, page, p, "Right Redzone", endobject, val,
						    s->inuse - s->object_size, report))
			ret = 0;
	} else if ((s->flags & SLAB_POISON) && s->object_size < s->inuse) {
		if (!check_bytes(s, page, p, "Alignment padding", endobject, POISON_INUSE,
				 s->inuse - s->object_size, report))
			ret = 0;
	}
	if (!ret && !report)
		return 0;
	if (s->flags & SLAB_POISON) {
		if (val != SLUB_RED_ACTIVE && (s->flags & __OBJECT_POISON)) {
			if (!check_bytes(s, page, p, "Poison", p, POISON_FREE, s->object_size - 1,
					 report))
				ret = 0;
			if ((ret || report) &&
			    !check_bytes(s, page, p, "End Poison", p + s->object_size - 1,
					 POISON_END, 1, report))
				ret = 0;
		}
		if (ret || report) {
			unsigned int off = get_info_end(s);

			if (s->flags & SLAB_STORE_USER)
				off += 2 * (unsigned int)sizeof(struct slab_track);
			if (off != size_from_object(s) &&
			    !check_bytes(s, page, p, "Object padding", p + off, POISON_INUSE,
					 size_from_object(s) - off, report))
				ret = 0;
		}
	}
	if (!ret && !report)
		return 0;
	if (check_fp && (freeptr_outside_object(s) || val != SLUB_RED_ACTIVE)) {
		void *fp = get_freepointer(s, p);

		if (fp && slab_obj_index(s, page, fp) < 0) {
			if (report)
				object_err(s->m, s, page, p, "Freepointer corrupt",
					   "Free pointer reset");
			set_freepointer(s, p, NULL);
			ret = 0;
		}
	}
	return ret;
}

int check_object_report(struct kmem_cache *s, struct page *page, void *obj, uint8_t val)
{
	return check_object(s, page, obj, val, true, true);
}

/*
 * Is `search` on the slab's freelist? Walks it validating every pointer
 * and fixes what it finds (list_lock held): a bad pointer cuts the chain,
 * a cycle clears the freelist, a count that disagrees is adjusted; *rep
 * describes the first fix for the caller to print after unlock.
 */
static bool on_freelist(struct kmem_cache *s, struct kmem_cache_node *n, struct page *page,
			const void *search, struct slab_report *rep)
{
	unsigned int objects = page->u.slab.objects, nr = 0, head = page->u.slab.freelist;
	void *fp = head == SLAB_NIL ? NULL : slab_object(s, page, head);
	unsigned int old_free = objects - page->u.slab.inuse;

	while (fp && nr <= objects) {
		void *next;

		if (fp == search)
			return true;
		next = get_freepointer(s, fp);
		nr++;
		if (next && slab_obj_index(s, page, next) < 0) {
			set_freepointer(s, fp, NULL);
			if (!rep->kind) {
				rep->kind = SLAB_REPORT_FREECHAIN;
				rep->page = page;
				rep->object = fp;
				rep->lost = old_free > nr ? old_free - nr : 0;
			}
			break;
		}
		fp = next;
	}
	if (nr > objects) {
		page->u.slab.freelist = SLAB_NIL;
		nr = 0;
		if (!rep->kind) {
			rep->kind = SLAB_REPORT_FREEPTR;
			rep->page = page;
		}
	}
	if (page->u.slab.inuse != objects - nr) {
		if (!rep->kind) {
			rep->kind = SLAB_REPORT_COUNT;
			rep->page = page;
			rep->counter = page->u.slab.inuse;
			rep->counted = objects - nr;
		}
		node_list_del(s, n, page);
		n->free_objects -= old_free;
		page->u.slab.inuse = (uint16_t)(objects - nr);
		n->free_objects += nr;
		node_list_add(s, n, page);
	}
	return false;
}

/* ---- tracing ------------------------------------------------------------------ */

static void trace(struct kmem_cache *s, const struct page *page, void *obj, bool alloc)
{
	struct kmm_machine *m = s->m;
	unsigned int head = __atomic_load_n(&page->u.slab.freelist, __ATOMIC_RELAXED);
	struct kmm_out o;

	kmm_log_begin(m, &o);
	kmm_out_printf(&o, "TRACE %s %s %p inuse=%d fp=%p\n", s->name, alloc ? "alloc" : "free",
		       obj, (int)__atomic_load_n(&page->u.slab.inuse, __ATOMIC_RELAXED),
		       head == SLAB_NIL ? NULL : slab_object(s, page, head));
	if (!alloc)
		print_section(&o, "Object ", obj, s->object_size);
	kmm_log_end(m, &o);
}

/* ---- the debug alloc and free paths --------------------------------------------------- */

void *slab_alloc_debug(struct kmm_machine *m, struct kmem_cache *s, gfp_t gfp, int nid,
		       uintptr_t caller)
{
	struct slab_report rep = { .kind = SLAB_REPORT_NONE };
	struct kmem_cache_node *n;
	struct page *page;
	unsigned int got;
	void *obj;

	if (nid < 0)
		nid = numa_node_id_m(m);
	n = get_node(s, nid);
	kmm_spin_lock(&n->list_lock);
	got = node_take(s, n, &obj, 1, &rep);
	kmm_spin_unlock(&n->list_lock);
	if (rep.kind)
		slab_report_emit(m, s, &rep);
	if (!got) {
		obj = slab_grow_alloc(s, gfp, nid);
		if (!obj)
			return NULL;
	}
	/* The object is off the freelist: it is ours, no lock needed. */
	page = virt_to_head_page_m(m, obj);
	check_object(s, page, obj, SLUB_RED_INACTIVE, false, true);
	if (s->flags & SLAB_STORE_USER)
		fill_track(m, get_track(s, obj, 1), caller);
	init_object(s, obj, SLUB_RED_ACTIVE);
	if (s->flags & SLAB_TRACE)
		trace(s, page, obj, true);
	if ((gfp & __GFP_ZERO) || s->init_on_alloc)
		kmm_memset(obj, 0, s->object_size);
	return obj;
}

void slab_free_debug(struct kmm_machine *m, struct kmem_cache *s, struct page *page, void *obj,
		     uintptr_t caller)
{
	struct slab_report rep = { .kind = SLAB_REPORT_NONE };
	struct kmem_cache_node *n = get_node(s, (int)page_nid(page));
	struct slab_track track;
	struct page_list release;
	char fix[64];

	if (slab_obj_index(s, page, obj) < 0) {
		report_invalid_free(m, s, page, obj, "Invalid object pointer");
		return;
	}
	if (s->flags & SLAB_TRACE)
		trace(s, page, obj, false);
	if (s->flags & SLAB_STORE_USER)
		fill_track(m, &track, caller);
	page_list_init(&release);
	kmm_spin_lock(&n->list_lock);
	if (on_freelist(s, n, page, obj, &rep)) {
		kmm_spin_unlock(&n->list_lock);
		slab_report_emit(m, s, &rep);
		report_invalid_free(m, s, page, obj, "Object already free");
		return;
	}
	if (!check_object(s, page, obj, SLUB_RED_ACTIVE, true, false)) {
		/* The object is not on the freelist: the caller's, stable after unlock. */
		kmm_spin_unlock(&n->list_lock);
		slab_report_emit(m, s, &rep);
		check_object(s, page, obj, SLUB_RED_ACTIVE, true, true);
		kmm_snprintf(fix, sizeof(fix), "Object at %p not freed", obj);
		kmm_log(m, "FIX %s: %s\n", s->name, fix);
		kmm_log_maybe_fatal(m);
		return;
	}
	if (s->flags & SLAB_STORE_USER)
		*get_track(s, obj, 0) = track;
	init_object(s, obj, SLUB_RED_INACTIVE);
	if (s->init_on_free)
		kmm_memset(obj, 0, s->object_size);
	node_list_del(s, n, page);
	slab_push(s, page, obj);
	n->free_objects++;
	node_list_add(s, n, page);
	node_trim(s, n, &release);
	kmm_spin_unlock(&n->list_lock);
	if (rep.kind)
		slab_report_emit(m, s, &rep);
	discard_slab_list(s, &release);
}

/* ---- kmm_check's object validation (validate_slab) ------------------------------------- */

/*
 * Check every object of a slab against its state (list_lock held, so only
 * detection; the caller reports). Returns the number of damaged objects
 * and the first one in *bad.
 */
int validate_slab_objects(struct kmem_cache *s, struct page *page, const uint8_t *freemap,
			  void **bad, uint8_t *bad_val)
{
	int problems = 0;

	if (!(s->flags & (SLAB_RED_ZONE | SLAB_POISON)))
		return 0;
	for (unsigned int i = 0; i < page->u.slab.objects; i++) {
		void *obj = slab_object(s, page, i);
		uint8_t val = (freemap[i / 8] >> (i % 8)) & 1 ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE;

		if (!check_object(s, page, obj, val, false, false)) {
			if (!problems) {
				*bad = obj;
				*bad_val = val;
			}
			problems++;
		}
	}
	return problems;
}

/* Report and repair one damaged object found by kmm_check (no lock held). */
void validate_report(struct kmem_cache *s, void *obj, uint8_t val)
{
	check_object(s, virt_to_head_page_m(s->m, obj), obj, val, false, true);
}

/* ---- objects left at kmem_cache_destroy ------------------------------------------------- */

void report_leaks(struct kmm_machine *m, struct kmem_cache *s)
{
	struct page *map = m->vmemmap;
	int slabs_reported = 0;

	for (int nid = 0; nid < m->nr_nodes && slabs_reported < MAX_LEAK_SLABS; nid++) {
		struct kmem_cache_node *n = get_node(s, nid);
		struct page_list *lists[2] = { &n->partial, &n->full };

		for (int l = 0; l < 2 && slabs_reported < MAX_LEAK_SLABS; l++) {
			uint32_t pfn;

			page_list_for_each (map, lists[l], pfn) {
				struct page *page = &map[pfn];
				uint8_t freemap[SLAB_MAX_OBJECTS / 8 + 1];
				void *live[MAX_LEAK_REPORTS];
				unsigned int nlive = 0, head;
				struct kmm_out o;
				char why[SLAB_NAME_LEN + 64];
				uint8_t *addr = (uint8_t *)slab_address(m, page);

				if (slabs_reported >= MAX_LEAK_SLABS)
					break;
				kmm_memset(freemap, 0, (page->u.slab.objects + 7) / 8);
				head = page->u.slab.freelist;
				for (void *fp = head == SLAB_NIL ? NULL
								 : slab_object(s, page, head);
				     fp;) {
					int idx = slab_obj_index(s, page, fp);

					if (idx < 0 || (freemap[idx / 8] >> (idx % 8)) & 1)
						break;
					freemap[idx / 8] |= (uint8_t)(1u << (idx % 8));
					fp = get_freepointer(s, fp);
				}
				for (unsigned int i = 0;
				     i < page->u.slab.objects && nlive < MAX_LEAK_REPORTS; i++)
					if (!((freemap[i / 8] >> (i % 8)) & 1))
						live[nlive++] = slab_object(s, page, i);
				kmm_snprintf(why, sizeof(why),
					     "Objects remaining in %s on __kmem_cache_shutdown()",
					     s->name);
				report_begin(m, &o, s->name, why);
				print_page_info(&o, s, page);
				for (unsigned int i = 0; i < nlive; i++) {
					kmm_out_printf(&o, "INFO: Object %p @offset=%tu\n", live[i],
						       (uint8_t *)live[i] - addr);
					print_tracking(&o, s, live[i]);
				}
				report_end(m, &o);
				slabs_reported++;
			}
		}
	}
}
