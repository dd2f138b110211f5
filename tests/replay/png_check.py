#!/usr/bin/env python3
# tests/replay/png_check.py SHOT.png MIN_W MIN_H - a screenshot really shows
# charts: a valid PNG of at least the size asked, mostly not one colour, with
# many distinct colours (axes, series, legend keys, frame-map cells). Decodes
# the PNG itself (zlib + the five scanline filters), so it needs no imaging library.
import struct, sys, zlib

path, min_w, min_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
assert w >= min_w and h >= min_h, (w, h)
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
colours, nonwhite, total = set(), 0, 0
for y in range(0, h, 2):
    r = rows[y]
    for x in range(0, w, 2):
        px = r[x * bpp:x * bpp + 3]
        colours.add(px)
        total += 1
        if px != b"\xff\xff\xff":
            nonwhite += 1
frac = nonwhite / total
print("png %dx%d: %d colours, %.1f%% not white" % (w, h, len(colours), 100 * frac))
assert len(colours) > 40, "too few colours: nothing drawn?"
assert frac > 0.03, "almost all white: nothing drawn?"
