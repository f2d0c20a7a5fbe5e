#!/bin/sh
# Runs each unit test binary, shows cmocka's output, and ends with one
# summary line of test cases: "unit: N passed, N failed, N skipped".  Each
# case cmocka skipped is also a line "skip: BINARY CASE: WHY" (make test
# lists them).  test_sigv4 always reads the repository's tests/data/sigv4;
# a developer's ../shared/testdata/sigv4 (or $SIGV4_VECTORS) is read as
# well when present.
set -u
vectors=${SIGV4_VECTORS:-../shared/testdata/sigv4}
[ -d "$vectors" ] || vectors=""
out=$(mktemp)
trap 'rm -f "$out" "$out.all" "$out.skip"' EXIT
fail=0
bad=""
: >"$out.all"
: >"$out.skip"
# Under SANITIZE: undefined behaviour fails the test as a leak does.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
for t in "$@"; do
	arg=""
	case "$t" in
	*/test_sigv4) arg=$vectors ;;
	esac
	CMOCKA_MESSAGE_OUTPUT=stdout "$t" ${arg:+"$arg"} >"$out" 2>&1 ||
		{ fail=1; bad="$bad ${t##*/}"; }
	cat "$out"
	cat "$out" >>"$out.all"
	# The cases listed under cmocka's closing "[  SKIPPED ] N test(s),
	# listed below:" (each case is named once more while it runs).
	awk -v t="$t" '
	/^\[  SKIPPED \] [0-9]+ test\(s\), listed below:/ { list = 1; next }
	list && /^\[  SKIPPED \] [^ ]+$/ {
		print "skip: " t " " $NF ": skipped by the test (its output above says why)"
		next
	}
	{ list = 0 }' "$out" >>"$out.skip"
done
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out.all" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out.all" | awk '{s+=$1} END {print s+0}')
skipped=$(wc -l <"$out.skip" | tr -d ' ')
cat "$out.skip"
echo "unit: $passed passed, $failed failed, $skipped skipped"
[ -z "$bad" ] || echo "unit: exited non-zero:$bad (a failed case, or a sanitizer's report above)"
[ "$fail" -eq 0 ] && [ "$failed" -eq 0 ]
