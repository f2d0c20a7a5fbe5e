#!/bin/sh
# Runs each unit test binary (test_sigv4 gets the vectors folder), shows
# cmocka's output, and ends with one summary line of test cases.
set -u
vectors=${SIGV4_VECTORS:-../shared/testdata/sigv4}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail=0
for t in "$@"; do
	arg=""
	case "$t" in
	*/test_sigv4) arg=$vectors ;;
	esac
	CMOCKA_MESSAGE_OUTPUT=stdout "$t" ${arg:+"$arg"} >"$out" 2>&1 || fail=1
	cat "$out"
	cat "$out" >>"$out.all"
done
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out.all" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out.all" | awk '{s+=$1} END {print s+0}')
rm -f "$out.all"
echo "unit: $passed passed, $failed failed"
[ "$fail" -eq 0 ] && [ "$failed" -eq 0 ]
