/* SPDX-License-Identifier: MIT */
/*
 * vmalloc/tree.c - the trees of vmap areas: AVL trees keyed by va_start.
 *
 * Linux keeps vmap areas in two red-black trees, the busy tree (lookups by
 * address: vfree, vmalloc_to_page, find_vm_area) and the free tree, where
 * every node is augmented with subtree_max_size, the largest free block in
 * its subtree; the lowest-addressed block that fits is found by walking
 * down, left first whenever the left subtree has room (find_vmap_lowest_match).
 * kmm uses AVL trees with the same augmentation (every node keeps it; only
 * the free tree's search reads it): each insert and remove is O(log n),
 * recursive, and recomputes height and subtree_max_size on the way up.
 *
 * Invariants (va_tree_check): in-order va_start strictly increasing, areas
 * disjoint and inside the vmalloc range, |height(left) - height(right)| <= 1,
 * height and subtree_max_size exactly what the children give.
 */
#include "vmalloc/vmalloc.h"

static inline int h_of(const struct vmap_area *n)
{
	return n ? n->height : 0;
}

static inline unsigned long va_size(const struct vmap_area *n)
{
	return (unsigned long)(n->va_end - n->va_start);
}

static inline unsigned long sms_of(const struct vmap_area *n)
{
	return n ? n->subtree_max_size : 0;
}

static void update(struct vmap_area *n)
{
	n->height = 1 + MAX(h_of(n->left), h_of(n->right));
	n->subtree_max_size = MAX(va_size(n), MAX(sms_of(n->left), sms_of(n->right)));
}

static struct vmap_area *rotate_right(struct vmap_area *n)
{
	struct vmap_area *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct vmap_area *rotate_left(struct vmap_area *n)
{
	struct vmap_area *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

static struct vmap_area *rebalance(struct vmap_area *n)
{
	int bal;

	update(n);
	bal = h_of(n->left) - h_of(n->right);
	if (bal > 1) {
		if (h_of(n->left->left) < h_of(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bal < -1) {
		if (h_of(n->right->right) < h_of(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

struct vmap_area *va_tree_insert(struct vmap_area *root, struct vmap_area *va, bool augment)
{
	(void)augment;
	if (!root) {
		va->left = va->right = NULL;
		update(va);
		return va;
	}
	if (va->va_start < root->va_start)
		root->left = va_tree_insert(root->left, va, augment);
	else
		root->right = va_tree_insert(root->right, va, augment);
	return rebalance(root);
}

static struct vmap_area *remove_min(struct vmap_area *n, struct vmap_area **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = remove_min(n->left, min);
	return rebalance(n);
}

struct vmap_area *va_tree_remove(struct vmap_area *root, struct vmap_area *va, bool augment)
{
	if (!root)
		return NULL;
	if (va->va_start < root->va_start) {
		root->left = va_tree_remove(root->left, va, augment);
	} else if (va->va_start > root->va_start) {
		root->right = va_tree_remove(root->right, va, augment);
	} else {
		struct vmap_area *l = root->left, *r = root->right, *min;

		root->left = root->right = NULL;
		if (!r)
			return l;
		r = remove_min(r, &min);
		min->left = l;
		min->right = r;
		return rebalance(min);
	}
	return rebalance(root);
}

struct vmap_area *va_tree_find(struct vmap_area *root, uintptr_t addr)
{
	while (root) {
		if (addr < root->va_start)
			root = root->left;
		else if (addr >= root->va_end)
			root = root->right;
		else
			return root;
	}
	return NULL;
}

static bool fits(const struct vmap_area *n, unsigned long size, unsigned long align)
{
	uintptr_t start = ALIGN_UP(n->va_start, align);

	return start >= n->va_start && start + size > start && start + size <= n->va_end;
}

struct vmap_area *va_tree_lowest_fit(struct vmap_area *root, unsigned long size,
				     unsigned long align)
{
	/* a block this long fits whatever its alignment (adjust_search_size) */
	unsigned long need = size + align - 1;
	struct vmap_area *n = root;

	while (n) {
		if (sms_of(n->left) >= need) {
			n = n->left;
			continue;
		}
		if (fits(n, size, align))
			return n;
		if (sms_of(n->right) >= need) {
			n = n->right;
			continue;
		}
		break;
	}
	return NULL;
}

struct vmap_area *va_tree_prev(struct vmap_area *root, uintptr_t addr)
{
	struct vmap_area *best = NULL;

	while (root) {
		if (root->va_start < addr) {
			best = root;
			root = root->right;
		} else {
			root = root->left;
		}
	}
	return best;
}

struct vmap_area *va_tree_next(struct vmap_area *root, uintptr_t addr)
{
	struct vmap_area *best = NULL;

	while (root) {
		if (root->va_start >= addr) {
			best = root;
			root = root->left;
		} else {
			root = root->right;
		}
	}
	return best;
}

struct check_walk {
	uintptr_t last_end;
	int problems;
	unsigned long count, bytes;
};

static void check_node(const struct vmap_area *n, struct check_walk *w, int depth)
{
	if (!n || depth > 128)
		return;
	check_node(n->left, w, depth + 1);
	if (n->va_start >= n->va_end || n->va_start < w->last_end)
		w->problems++;
	if (n->height != 1 + MAX(h_of(n->left), h_of(n->right)) ||
	    h_of(n->left) - h_of(n->right) > 1 || h_of(n->right) - h_of(n->left) > 1 ||
	    n->subtree_max_size != MAX(va_size(n), MAX(sms_of(n->left), sms_of(n->right))))
		w->problems++;
	w->last_end = n->va_end;
	w->count++;
	w->bytes += va_size(n);
	check_node(n->right, w, depth + 1);
}

int va_tree_check(struct vmap_area *root, bool augment, uintptr_t lo, uintptr_t hi,
		  unsigned long *count, unsigned long *bytes)
{
	struct check_walk w = { .last_end = lo };

	(void)augment;
	check_node(root, &w, 0);
	if (w.last_end > hi)
		w.problems++;
	*count = w.count;
	*bytes = w.bytes;
	return w.problems;
}
