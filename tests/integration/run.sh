#!/bin/sh
# Runs every tests/integration/test_*.sh from the repository root, each in
# its own temporary folder ($TEST_TMP), and ends with one summary line,
# "integration: N passed, N failed, N skipped": the skipped are the checks
# a test could not run here, each a line "skip: TEST WHAT: WHY" in its log
# (lib.sh's skip_check), shown whether the test passed or not.
# With arguments, only the tests named (test_sync, or test_sync.sh).
set -u
cd "$(dirname "$0")/../.."
pass=0
fail=0
skip=0
failed=""
if [ $# -gt 0 ]; then
	tests=""
	for n in "$@"; do
		t="tests/integration/$(basename "$n" .sh).sh"
		[ -e "$t" ] || { echo "run.sh: no test $t" >&2; exit 2; }
		tests="$tests $t"
	done
else
	tests=$(ls tests/integration/test_*.sh 2>/dev/null)
fi
for t in $tests; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/patchdeck-$name.XXXXXX")
	start=$(date +%s)
	if TEST_TMP="$tmp" sh "$t" >"$tmp/log" 2>&1; then
		pass=$((pass + 1))
		echo "ok   $name ($(($(date +%s) - start)) s)"
		ok=1
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name ($(($(date +%s) - start)) s); its log:"
		sed 's/^/    /' "$tmp/log" | tail -n 60
		ok=0
	fi
	grep '^skip: ' "$tmp/log"
	skip=$((skip + $(grep -c '^skip: ' "$tmp/log")))
	[ "$ok" -eq 0 ] || rm -rf "$tmp"
done
[ -z "$failed" ] || echo "failed:$failed"
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
