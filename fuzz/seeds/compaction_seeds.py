#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the compaction layer's seed inputs for fuzz_api (fuzz/corpus/api/compaction-*.bin).

The decoder (fuzz/api.h): byte 0 picks the machine shape (fuzz/api.c shapes[]),
then each operation is one byte, (opcode % number of all ops), followed by the
bytes the operation reads (fz_u8, fz_u16, fz_u32: little endian). The opcodes
are computed here from the op tables themselves (the layer order of api.c's
layers[] and each ops_*.c table), so when a layer gains operations, rerun

    python3 fuzz/seeds/compaction_seeds.py

and the seeds keep their meaning. Each seed is a short deliberate program
aimed at one op of the FZ_COMPACTION layer (fuzz/ops_compaction.c), misuse
included; `fuzz_api_replay fuzz/corpus/api/compaction-*.bin` runs them.
"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.dirname(HERE)


def tables():
    api = open(os.path.join(FUZZ, "api.c")).read()
    body = re.search(r"layers\[\] = \{(.*?)\};", api, re.S).group(1)
    order = re.findall(r"&fz_layer_(\w+)", body)
    shapes = re.findall(r'^\t"([^"]*)",', re.search(r"shapes\[\] = \{(.*?)\};", api, re.S).group(1), re.M)
    ops = []
    for layer in order:
        src = open(os.path.join(FUZZ, "ops_%s.c" % layer)).read()
        t = re.search(r"static const struct fz_op \w+\[\] = \{(.*?)\n\};", src, re.S).group(1)
        ops += [(layer, n) for n in re.findall(r'\{\s*"([^"]+)"', t)]
    return shapes, ops


SHAPES, OPS = tables()


def opcode(name):
    for i, (layer, n) in enumerate(OPS):
        if layer == "compaction" and n == name:
            return i
    sys.exit("no compaction op %r" % name)


def shape(text):
    return bytes([SHAPES.index(text)])


def u8(v):
    return bytes([v & 0xFF])


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def op(layer, name):
    for i, (l, n) in enumerate(OPS):
        if l == layer and n == name:
            return i
    sys.exit("no %s op %r" % (layer, name))


def page_alloc(slot, order):
    """The page layer's alloc_pages(GFP_KERNEL | __GFP_NOWARN, order) into page slot `slot`."""
    return u8(op("page", "alloc_pages")) + u8(slot) + u8(order) + u8(0) + u8(0x30)  # base[48 % 12] = GFP_KERNEL, bit 4: NOWARN


def mov_alloc(slot):
    return u8(opcode("movable_alloc")) + u8(slot)


def mov_free(slot):
    return u8(opcode("movable_free")) + u8(slot)


def compact_memory():
    return u8(opcode("compact")) + u8(1)


def compact_node(nid):
    return u8(opcode("compact")) + u8(nid << 1)


def contig_range(c, start, nr):
    """alloc_contig_range(start, start + nr); nr > 1050: end < start (a misuse)."""
    return u8(opcode("alloc_contig_range")) + u8(c) + u32(start) + u16(nr)


def contig_pages(c, nr):
    return u8(opcode("alloc_contig_pages")) + u8(c) + u16(nr - 1)


def contig_free(c, past=False):
    return u8(opcode("free_contig_range")) + u8(c | (0x80 if past else 0))


def fill(n, first=0):
    return b"".join(mov_alloc(first + i) for i in range(n))


def free_every(n, step, first=0):
    return b"".join(mov_free(first + i) for i in range(0, n, step))


M32 = "mem=32M nr_cpus=2"
SEEDS = {
    # movable pages, half of them freed, the whole machine compacted, then node 0
    "alloc-free-compact": shape(M32) + fill(32) + free_every(32, 2) + compact_memory()
    + compact_node(0) + free_every(32, 1),
    # compact_node of nodes that do not exist: reported, nothing changes
    "compact-missing-node": shape(M32) + fill(8) + compact_node(1) + compact_node(3)
    + compact_node(0),
    # two nodes: each compacted, node 2 and 3 missing
    "numa-compact-nodes": shape("mem=96M nr_cpus=2 numa=fake=2") + fill(24) + free_every(24, 3)
    + compact_node(1) + compact_node(0) + compact_node(2) + compact_memory(),
    # a range in the middle of the machine, freed; then one at its top
    "contig-range": shape(M32) + fill(16) + contig_range(0, 0x1000, 512) + contig_free(0)
    + contig_range(1, 0x1F00, 256) + contig_free(1),
    # bounds: past the end of memory, end < start, empty, low memory held by boot
    "contig-range-bad-bounds": shape(M32) + contig_range(0, 8192 + 40, 100)
    + contig_range(0, 0x800, 1060) + contig_range(0, 0x900, 0) + contig_range(1, 8192 - 8, 64)
    + contig_range(1, 0, 1000),
    # a range over the movable pages just allocated: they are migrated out of it
    "contig-range-over-movable": shape(M32) + fill(32) + free_every(32, 4)
    + contig_range(0, 0x1C00, 1024) + contig_range(1, 0x1800, 1024) + contig_free(0)
    + contig_free(1),
    # alloc_contig_pages of 1, 100 and 2048 pages (8 MiB of 32), freed
    "contig-pages": shape(M32) + fill(20) + contig_pages(0, 2048) + contig_pages(1, 1)
    + contig_free(0) + contig_free(1) + contig_pages(0, 100) + contig_free(0),
    # free_contig_range one page too long (a misuse, nothing freed), then right
    "contig-free-misuse": shape(M32) + contig_pages(0, 64) + contig_free(0, past=True)
    + contig_range(1, 0x1400, 300) + contig_free(1, past=True) + contig_free(1) + contig_free(0),
    # no grouping by mobility: every allocation may be marked movable
    "no-mobility": shape("mem=32M nr_cpus=2 page_group_by_mobility=0") + fill(32)
    + free_every(32, 2) + compact_memory() + contig_pages(0, 512) + contig_free(0),
    # ZONE_MOVABLE: the movable pages land there, compaction and a range there
    "movablecore": shape("mem=64M nr_cpus=2 movablecore=16M") + fill(32) + free_every(32, 2)
    + compact_memory() + contig_range(0, 0x3C00, 1024) + contig_pages(1, 1024) + contig_free(0)
    + contig_free(1),
    # highmem: movable pages in HighMem, compacted, a range across it
    "highmem": shape("mem=64M nr_cpus=1 highmem=16M") + fill(32) + free_every(32, 3)
    + compact_memory() + contig_range(0, 0x3800, 1000) + contig_free(0),
    # memory with holes (exactmap) and no per-CPU lists
    "exactmap": shape("memmap=exactmap memmap=24M@0 nr_cpus=1") + fill(16) + compact_node(0)
    + contig_pages(0, 700) + contig_range(1, 0x17F0, 64) + contig_free(0) + contig_free(1),
    "pcp0": shape("mem=32M nr_cpus=2 pcp=0") + fill(32) + free_every(32, 2) + compact_memory()
    + contig_pages(0, 1024) + contig_free(0),
    # three fake nodes: alloc_contig_pages on node 0, compaction of the others
    "numa3": shape("mem=128M nr_cpus=2 numa=fake=3 slab_debug=FZP pcp=0") + fill(24)
    + free_every(24, 2) + compact_node(2) + compact_node(1) + contig_pages(0, 2048)
    + contig_free(0),
    # direct compaction: the order-9 blocks taken, then costly orders that must compact
    "direct-compaction": shape(M32) + fill(32) + free_every(32, 2)
    + b"".join(page_alloc(i, 9) for i in range(18)) + b"".join(page_alloc(18 + i, o) for i, o in enumerate((8, 7, 6, 5, 4, 8)))
    + compact_node(0),
    # the same slots again and again: frees of busy or empty slots, ranges in both slots
    "cycles": shape(M32) + (fill(8) + compact_memory() + free_every(8, 2) + contig_pages(0, 300)
                            + contig_range(1, 0x1A00, 200) + contig_free(1) + contig_free(0)) * 3
    + mov_free(31) + contig_free(0),
}


def main():
    out = os.path.join(FUZZ, "corpus", "api")
    for name, data in sorted(SEEDS.items()):
        path = os.path.join(out, "compaction-%s.bin" % name)
        with open(path, "wb") as f:
            f.write(data)
        print("%-45s %4d bytes" % (os.path.relpath(path, os.path.dirname(FUZZ)), len(data)))


if __name__ == "__main__":
    main()
