#!/bin/sh
# run-stages.sh MAKE STAGE...: the runner of `make test`.  Runs each stage
# (a make target: unit, unit-san, simtest, integration, ...) to its end
# even when an earlier one failed, showing its output as it goes, then
# prints one summary: each stage's counts, every line "skip: WHAT: WHY"
# any stage printed (a green run says what it did not run), and the
# closing line
#
#   test: N passed, N failed, N skipped
#
# A stage's counts are the last line of its output of the form
# "NAME: N passed, N failed[, N skipped]"; its skips are its "skip: "
# lines.  A stage that exits non-zero fails the run (exit 1), counted as
# one failure when it printed no failed case of its own.
set -u
make=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/patchdeck-test.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
status=0
for s in "$@"; do
	# sh has no pipefail: the stage's status goes round the pipe in a
	# file.  $make is a command and its options: split on purpose.
	{ $make "$s" 2>&1; echo $? >"$dir/$s.rc"; } | tee "$dir/$s.out"
done

echo
echo "== make test: summary"
tp=0
tf=0
for s in "$@"; do
	rc=$(cat "$dir/$s.rc" 2>/dev/null || echo 1)
	line=$(grep -E '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' \
		"$dir/$s.out" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^[^:]*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^[^:]*: [0-9]* passed, \([0-9]*\) failed.*/\1/p')
	n=$(grep -c '^skip: ' "$dir/$s.out")
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ]; then
		status=1
		[ "$f" -gt 0 ] || f=1
	fi
	tp=$((tp + p))
	tf=$((tf + f))
	if [ -z "$line" ] && [ "$rc" -eq 0 ]; then
		what="ran nothing"
	elif [ -z "$line" ]; then
		what="FAILED (exit $rc, no count of its own)"
	else
		what="$p passed, $f failed"
		[ "$rc" -eq 0 ] || what="$what (exit $rc)"
	fi
	printf '%-12s %s, %s skipped\n' "$s" "$what" "$n"
done
for s in "$@"; do
	grep '^skip: ' "$dir/$s.out"
done >"$dir/skips"
ts=$(wc -l <"$dir/skips" | tr -d ' ')
if [ "$ts" -gt 0 ]; then
	echo "not run here ($ts):"
	sed 's/^skip: /  /' "$dir/skips"
fi
echo "test: $tp passed, $tf failed, $ts skipped"
exit "$status"
