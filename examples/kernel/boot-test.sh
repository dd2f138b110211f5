#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/kernel/boot-test.sh KERNEL.bin MEMORY CPUS [APPEND]
#
# Boots the kmm kernel headless under QEMU (TCG, -m MEMORY -smp CPUS) and
# checks its serial output from the outside:
#   - every CPU came up ("smp: Brought up 1 node, CPUS CPUs") and the
#     concurrent allocation run on all of them found no bad cookie;
#   - the kernel reached "all checks passed" and left QEMU through the
#     isa-debug-exit device with the success code (QEMU exit status 1);
#   - the firmware's usable RAM (the BIOS-e820 lines) adds up to the memory
#     QEMU was given, less the legacy holes (at most 2 MiB);
#   - every zone's `present` count in the printed /proc/zoneinfo equals the
#     pages of the usable E820 ranges that fall in that zone's addresses
#     (DMA below 16M, DMA32 below 4G, Normal above), less the ranges the
#     kernel printed as reserved: recomputed here, independently of kmm;
#   - kmm_check found no problem.
# Exit 0 when all hold; otherwise the serial log is printed.
set -u
kernel="$1" mem="$2" cpus="$3" append="${4:-}"
qemu="${QEMU:-qemu-system-x86_64}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
timeout "${BOOT_TIMEOUT:-240}" "$qemu" -kernel "$kernel" -m "$mem" -smp "$cpus" -nographic \
	-serial stdio -monitor none -no-reboot -display none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 ${append:+-append "$append"} \
	</dev/null >"$log" 2>&1
status=$?
tr -d '\r' <"$log" | awk -v status="$status" -v mem="$mem" -v cpus="$cpus" '
function hex(s,   i, c, v) {
	sub(/^0x/, "", s); v = 0
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", tolower(substr(s, i, 1)))
		if (c == 0) return -1
		v = v * 16 + c - 1
	}
	return v
}
function size(s,   n, u) {
	n = s + 0; u = toupper(substr(s, length(s)))
	if (u == "K") return n * 1024
	if (u == "M") return n * 1048576
	if (u == "G") return n * 1073741824
	return n * 1048576  # QEMU reads a bare -m number as MiB
}
function add_zone_pages(a, b, sign,   z, lo, hi, s, e) {
	for (z = 0; z < 3; z++) {
		lo = zlo[z]; hi = zhi[z]
		s = a > lo ? a : lo; e = b < hi ? b : hi
		if (e > s) want[zname[z]] += sign * (e - s) / 4096
	}
}
BEGIN {
	zname[0] = "DMA"; zlo[0] = 0; zhi[0] = 16 * 1048576
	zname[1] = "DMA32"; zlo[1] = zhi[0]; zhi[1] = 4 * 1073741824
	zname[2] = "Normal"; zlo[2] = zhi[1]; zhi[2] = 2 ^ 60
}
/^BIOS-e820: \[mem / && / usable$/ {
	split($3, r, "-"); sub(/^\[mem /, "", r[1]); sub(/\]$/, "", r[2])
	a = hex(r[1]); b = hex(r[2]) + 1
	usable += b - a
	a = int((a + 4095) / 4096) * 4096; b = int(b / 4096) * 4096
	if (b > a) add_zone_pages(a, b, 1)
	next
}
/^kmm-kernel: reserved \[mem / {
	split($4, r, "-"); sub(/\]$/, "", r[2])
	add_zone_pages(hex(r[1]), hex(r[2]) + 1, -1)
	next
}
/^Node [0-9]+, zone / && NF == 4 { zone = $4; next }
/^ +present / && zone != "" { got[zone] += $2; seen[zone] = 1; next }
/^smp: Brought up 1 node, [0-9]+ CPUs?$/ { up = $6 + 0 }
/^kmm-kernel: [0-9]+ CPUs at once: .* 0 bad cookies, 0 failures$/ { smp_ok = $2 + 0 }
/^kmm_check: 0 problems$/ { check_ok = 1 }
/^kmm-kernel: all checks passed$/ { passed = 1 }
/^FAIL: |^Kernel panic|^BUG: / { print "kernel: " $0; bad = 1 }
END {
	ok = 1
	if (status != 1) { print "QEMU exit status " status " (1 means the kernel passed)"; ok = 0 }
	if (!passed || !check_ok || bad) { print "the kernel did not report success"; ok = 0 }
	if (up != cpus || smp_ok != cpus) {
		printf "%d CPUs came up and %d ran the concurrent test; -smp %d\n", up, smp_ok, cpus
		ok = 0
	}
	total = size(mem)
	if (usable > total || usable < total - 2 * 1048576) {
		printf "usable E820 RAM %d bytes does not match -m %s\n", usable, mem; ok = 0
	}
	for (z = 0; z < 3; z++) {
		n = zname[z]
		if ((want[n] + 0) != (got[n] + 0)) {
			printf "zone %s: present %d, the E820 map gives %d\n", n, got[n], want[n]; ok = 0
		} else if (want[n] > 0)
			printf "zone %-6s present %d pages = the E820 map\n", n, got[n]
	}
	if (!seen["DMA"]) { print "no zoneinfo in the output"; ok = 0 }
	exit ok ? 0 : 1
}'
rc=$?
if [ $rc -ne 0 ]; then
	echo "---- serial output (-m $mem) ----"
	tr -d '\r' <"$log" | tail -n 80
	exit 1
fi
echo "kmm kernel booted on -m $mem -smp $cpus: all checks passed"
