# SPDX-License-Identifier: MIT
# tests/cli/lib.sh - what every tests/cli/test_*.sh script sources: run the
# kmm command as a user would and check its exit status, stdout and stderr.
#
#   run ARGS...            run "$KMM" ARGS..., capture rc, stdout, stderr
#   expect_rc N            the exit status was N
#   expect_out STR         stdout contains STR (fixed string)
#   expect_err STR         stderr contains STR
#   expect_no_out STR      stdout does not contain STR (no_err: stderr)
#   expect_out_empty       nothing on stdout (err_empty: stderr)
#   finish                 print the tally; exit 1 if a check failed
# Each check names the command it was about when it fails.
set -u
KMM="${1:?usage: $0 path/to/kmm}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
checks=0
failed=0
last=""

run() {
	last="kmm $*"
	"$KMM" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
}

fail() {
	failed=$((failed + 1))
	echo "FAIL: $last: $*"
	echo "  exit status: $rc"
	echo "  stdout: $(head -c 400 "$TMP/out")"
	echo "  stderr: $(head -c 400 "$TMP/err")"
}

check() { checks=$((checks + 1)); }

expect_rc() { check; [ "$rc" -eq "$1" ] || fail "exit status $rc, expected $1"; }
expect_out() { check; grep -qF -- "$1" "$TMP/out" || fail "stdout lacks '$1'"; }
expect_err() { check; grep -qF -- "$1" "$TMP/err" || fail "stderr lacks '$1'"; }
expect_no_out() { check; ! grep -qF -- "$1" "$TMP/out" || fail "stdout has '$1'"; }
expect_no_err() { check; ! grep -qF -- "$1" "$TMP/err" || fail "stderr has '$1'"; }
expect_out_empty() { check; [ ! -s "$TMP/out" ] || fail "stdout is not empty"; }
expect_err_empty() { check; [ ! -s "$TMP/err" ] || fail "stderr is not empty"; }

# A usage error: exit 2, nothing on stdout, the message on stderr.
expect_usage_error() {
	expect_rc 2
	expect_out_empty
	expect_err "$1"
}

finish() {
	echo "$checks checks, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
