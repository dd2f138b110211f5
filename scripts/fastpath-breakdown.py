#!/usr/bin/env python3
"""Per-function instructions per pair from two callgrind dumps of
bench/probe/fastpath_probe (scripts/fastpath-callgrind.sh with CG_DUMP=dir):
(Ir at 120000 pairs - Ir at 20000) / 100000, self and inclusive.
usage: scripts/fastpath-breakdown.py DIR FUNCTION [--inclusive]"""
import subprocess, sys, re

def counts(path, inclusive):
    out = subprocess.run(['callgrind_annotate', '--inclusive=' + ('yes' if inclusive else 'no'),
                          '--threshold=100', '--auto=no', path], capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        m = re.match(r'\s*([\d,]+) \([^)]*\)\s+(\S+)', line)
        if m and not line.strip().endswith('PROGRAM TOTALS'):
            fn = m.group(2)
            res[fn] = res.get(fn, 0) + int(m.group(1).replace(',', ''))
    return res

d, fn = sys.argv[1], sys.argv[2]
inc = '--inclusive' in sys.argv
a = counts('%s/%s.20000' % (d, fn), inc)
b = counts('%s/%s.120000' % (d, fn), inc)
rows = sorted(((b.get(k, 0) - a.get(k, 0)) / 100000.0, k) for k in b)
for v, k in reversed(rows):
    if v >= 1.0:
        print('%8.1f  %s' % (v, k))
