#!/bin/sh
# make demo without a terminal (tests/demo.sh with its own switch
# PATCHDECK_DEMO_NO_CONSOLE=1: everything but the console):
#   - setup succeeds: the bucket checked (private), the DynamoDB and Athena
#     tables, every document in each of the 6 accounts/regions;
#   - the config loads: `windows` lists tonight's two windows from the
#     clock, one opening later (next), one in progress (now), and next
#     week's;
#   - the pre-check run before the console left failures of several
#     kinds in the cache (`precheck --cached`);
#   - `plan tonight` has members to wake, excluded and unreachable;
#   - the intro names the keys and commands to try;
#   - the demo's folder is gone and its simulator stopped afterwards.
. tests/integration/lib.sh

export TMPDIR="$TEST_TMP"
PATCHDECK_DEMO_NO_CONSOLE=1 sh tests/demo.sh </dev/null >"$TEST_TMP/demo" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$TEST_TMP/demo"; fail "tests/demo.sh exited $rc"; }
D="$TEST_TMP/demo"
expect_no_grep '^demo: .*(fail|could not|problem)|Traceback' "$D"

# Hostile tag values and pre-check output never reach the terminal raw.
if LC_ALL=C grep -q "$(printf '\033')" "$D"; then
	fail "a raw ESC in the demo's output"
fi

# Setup.
expect_grep '^    bucket patchdeck-demo-results: exists, not public' "$D"
expect_grep '^    table patchdeck-exceptions: (created|exists)' "$D"
expect_grep '^    table patchdeck\.prechecks: created' "$D"
expect_grep '^    table patchdeck\.results: created' "$D"
expect_grep '^    documents patchdeck-fix patchdeck-linux-patch patchdeck-precheck in each of 6 account/region\(s\): 18 created' "$D"

# The config: tonight's windows from the clock.
expect_grep '^tonight  daily [0-2][0-9]:[0-5][05], 3h, UTC' "$D"
expect_grep '^running-now  daily [0-2][0-9]:[0-5][05], 2h, UTC' "$D"
sed -n '/^running-now /{n;p;}' "$D" >"$TEST_TMP/running"
expect_grep '^    now: ' "$TEST_TMP/running"
sed -n '/^tonight /{n;p;}' "$D" >"$TEST_TMP/tonight"
expect_grep '^    next: ' "$TEST_TMP/tonight"
expect_grep '^sun-0200  sun 02:00' "$D"

# The cached pre-check: failures of every kind the fates give.
sed -n '/^\$ pd precheck tonight --cached/,$p' "$D" >"$TEST_TMP/cached"
for kind in disk repo_unreachable repo_url pkg_lock reboot_pending \
	status_check agent_offline no_result; do
	expect_grep "^fail +i-[0-9a-f]+ .* $kind " "$TEST_TMP/cached"
done
expect_grep 'no_result: timed out' "$TEST_TMP/cached"
expect_grep 'no_result: parse error' "$TEST_TMP/cached"
expect_grep '^pass .* hostile-precheck-output ' "$TEST_TMP/cached"
expect_grep 'nothing was sent' "$TEST_TMP/cached"

# The plan of tonight's window.
sed -n '/^\$ pd plan tonight/,/^\$ pd precheck/p' "$D" >"$TEST_TMP/plan"
for action in wake excluded unreachable patch; do
	expect_grep "^$action " "$TEST_TMP/plan"
done
expect_grep '^excluded .* terminated' "$TEST_TMP/plan"
expect_grep '^excluded .* not managed by SSM' "$TEST_TMP/plan"
expect_grep '^excluded .* exception ex-' "$TEST_TMP/plan"
expect_grep '^unreachable .* SSM ConnectionLost' "$TEST_TMP/plan"
expect_grep '^wake .* stopped' "$TEST_TMP/plan"
expect_grep 'exception tag no approved record covers' "$TEST_TMP/plan"

# The intro: keys and commands to try.
for k in 'Tab or h' 'Enter ' '    p  ' '    U  ' '    P  ' '    F  '; do
	grep -F -q -- "$k" "$D" || fail "the intro does not name '$k'"
done
for c in 'pd plan tonight' 'pd precheck tonight --cached' \
	'pd precheck tonight --fix' 'pd prepare tonight' 'pd prepare --undo tonight'; do
	grep -F -q -- "$c" "$D" || fail "the intro does not name '$c'"
done

# Nothing left behind: the folder (the simulator's state in it) is gone.
dir=$(sed -n 's|.*also in \(.*\)/cli\.sh, to source.*|\1|p' "$D")
[ -n "$dir" ] || fail "the intro names no cli.sh"
case $dir in "$TEST_TMP"/patchdeck-demo.*) ;; *) fail "demo folder $dir not under TMPDIR" ;; esac
[ ! -e "$dir" ] || fail "the demo left $dir behind"
