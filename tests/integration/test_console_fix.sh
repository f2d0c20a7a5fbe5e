#!/bin/sh
# The console's F on the pre-check pane against tests/sim, in tmux: four
# failing members (disk, disk, repo_url, pkg_lock); the two disk rows and
# the repository one marked, F asks which kind (they fail in two), the
# confirmation names the count and the instances, 'y' fixes and re-checks
# them: the pane shows them passing with what the fix did.  Then F on the
# pkg_lock row: without force the fix is skipped and the row still fails;
# with force it passes.  The help marks F as changing AWS state.  The
# audit log has each fix's intent and result.  Only bounded polling of the
# screen, no timing asserts.  Last, `patchdeck precheck --fix` on a
# terminal: the question names the count and the instance; n, then y.
. tests/integration/lib.sh
. tests/integration/console_lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 17 --fleet 40 --time-scale 30
trap 'tm_cleanup; sim_stop' EXIT
export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"

CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
cat >"$CFG" <<'CONF'
[window fx-win]
schedule = sun 02:00
duration = 3h

[precheck]
repo_url_prefixes = https://mirror.example.com/
repo_map = http://untrusted.example.net/ -> https://mirror.example.com/
CONF
PDC="$PD --config $CFG --cache $CACHE"

"$PY" - "$ROOT/data/ssm" >"$TEST_TMP/ids" <<'PYEOF' || fail "setting up"
import sys, boto3
ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
for name in ("patchdeck-precheck", "patchdeck-fix"):
    ssm.create_document(Content=open("%s/%s.json" % (sys.argv[1], name)).read(), Name=name,
                        DocumentType="Command", DocumentFormat="JSON")
ids = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"] if i["State"]["Name"] == "running"
             and i.get("Platform") != "windows")[:4]
ec2.create_tags(Resources=ids, Tags=[{"Key": "PatchWindow", "Value": "fx-win"}])
ec2.delete_tags(Resources=ids, Tags=[{"Key": "PatchException"}])
print(" ".join(ids))
PYEOF
set -- $(cat "$TEST_TMP/ids")
D1=$1 D2=$2 REPO=$3 LOCK=$4
sim_post /_sim/precheck "{\"fates\": {\"$D1\": \"disk\", \"$D2\": \"disk\", \"$REPO\": \"repo_url\", \"$LOCK\": \"pkg_lock\"}}" >/dev/null ||
	fail "POST /_sim/precheck"
expect_rc 0 timeout 120 $PDC sync

L="$TEST_TMP/launch.sh"
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= XDG_STATE_HOME="$XDG_STATE_HOME" -- \
	--config "$CFG" --cache "$CACHE"
tm_start 200 50 "$L"
tm_wait '  name \^ ' "the table"

# The window's pre-check: P on the row of one member.
tm_keys /
tm_type "$D1"
tm_keys Enter
tm_wait_status "^ [0-9]+ instances, 1 shown  /$D1" "the filter"
tm_keys P
tm_wait '^ Pre-check fx-win ' "the window's pre-check"
tm_wait '4 member\(s\): 0 passed, 4 failed' "the pre-check's end"

# Marks: walk the rows from the top, Space on D1, D2 and REPO, j past LOCK.
tm_keys g
tm_cap
grep -E '^ *\*? *(FAIL|pass) +i-' "$TEST_TMP/screen" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^i-/) { print $i; break } }' >"$TEST_TMP/order"
[ "$(wc -l <"$TEST_TMP/order")" -eq 4 ] || { cat "$TEST_TMP/screen"; fail "not 4 rows"; }
while read -r id; do
	if [ "$id" = "$LOCK" ]; then tm_keys j; else tm_keys Space; fi
done <"$TEST_TMP/order"
tm_wait "^\*.*$D1" "D1 marked"
tm_wait "^\*.*$REPO" "REPO marked"

# F: two kinds among the marked rows, so it asks.
tm_keys F
tm_wait 'fix which\? disk \(2\), repo \(1\):' "the kind question"
tm_type disk
tm_keys Enter
tm_wait 'Fix disk on 2 instance\(s\): ' "the confirmation"
tm_cap
grep -q "$D1" "$TEST_TMP/screen" && grep -q "$D2" "$TEST_TMP/screen" ||
	{ cat "$TEST_TMP/screen"; fail "the confirmation does not name both instances"; }
tm_keys y
tm_wait "fix disk: 2 ok, 0 skipped, 0 failed, 0 no result; re-checked: 0 still fail" "the fix's end"
tm_wait '4 member\(s\): 2 passed, 2 failed' "the re-checked counts"
tm_wait "pass +$D1 .*\[fix disk: ok\]" "D1 fixed"
tm_wait "pass +$D2 .*\[fix disk: ok\]" "D2 fixed"
tm_wait "^\*FAIL +$REPO " "REPO still marked and failing"
tm_cap
expect_no_grep '^\*pass' "$TEST_TMP/screen"

# F again: only the repository fix is left among the marked.
tm_keys F
tm_wait 'Fix repo on 1 instance\(s\): ' "the repo confirmation"
tm_keys y
tm_wait "pass +$REPO .*\[fix repo: ok\]" "REPO fixed"

# The pkg_lock row: without force skipped, with force fixed.
tm_keys g
n=1
while read -r id; do
	[ "$id" = "$LOCK" ] && break
	n=$((n + 1))
done <"$TEST_TMP/order"
i=1
while [ $i -lt $n ]; do tm_keys j; i=$((i + 1)); done
tm_keys F
tm_wait 'stop a running package manager \(force\)\? y/N:' "the force question"
tm_type n
tm_keys Enter
tm_wait 'Fix pkg_lock on 1 instance\(s\): ' "the pkg_lock confirmation"
tm_wait 'package manager is left' "the confirmation saying no force"
tm_keys y
tm_wait "FAIL +$LOCK .*\[fix pkg_lock: skipped: package manager running" "pkg_lock skipped"
tm_keys F
tm_wait 'stop a running package manager' "the force question again"
tm_type y
tm_keys Enter
tm_wait 'is STOPPED' "the confirmation saying force"
tm_keys y
tm_wait "pass +$LOCK .*\[fix pkg_lock: ok\]" "pkg_lock fixed"
tm_wait '4 member\(s\): 4 passed, 0 failed' "every member passing"

# The help marks F as a change to AWS.
tm_keys '?'
tm_wait 'F +.*fix the marked failed members' "F in the help"
tm_cap
grep -E '!.*F +.*fix the marked|F.*!.*fix the marked' "$TEST_TMP/screen" >/dev/null ||
	grep -E '^ *! *F ' "$TEST_TMP/screen" >/dev/null ||
	{ cat "$TEST_TMP/screen"; fail "F is not marked as changing AWS state in the help"; }
tm_keys q
tm_keys q
tm_wait '  name \^ ' "the table again"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop

[ "$(grep -c '"action":"precheck.fix"' "$AUDIT")" -eq 8 ] ||
	fail "audit log: $(grep -c '"action":"precheck.fix"' "$AUDIT") precheck.fix lines, expected 8 (4 fixes)"

# `patchdeck precheck --fix` on a terminal asks, naming the count and the
# instance: n changes nothing (exit 1), y fixes (exit 0).
sim_post /_sim/precheck "{\"fates\": {\"$D1\": \"disk\"}}" >/dev/null || fail "POST /_sim/precheck"
expect_rc 4 timeout 120 $PDC precheck fx-win --instances "$D1"
for answer in n y; do
	tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= XDG_STATE_HOME="$XDG_STATE_HOME" -- \
		--config "$CFG" --cache "$CACHE" precheck fx-win --fix disk
	tm_start 200 50 "$L"
	tm_wait "^precheck --fix: fix disk on 1 instance\(s\): $D1\? \[y/N\]" "the question on the terminal"
	tm_type $answer
	tm_keys Enter
	if [ $answer = n ]; then
		tm_wait 'precheck --fix: nothing was changed' "the refusal"
		tm_wait '^EXITED 1$' "exit 1 after n"
		[ "$(grep -c '"action":"precheck.fix"' "$AUDIT")" -eq 8 ] || fail "n wrote to the audit log"
	else
		tm_wait "^$D1 +disk +ok .*fail: disk -> pass" "the fix's line"
		tm_wait '^EXITED 0$' "exit 0 after y"
	fi
	tm_stop
done
[ "$(grep -c '"action":"precheck.fix"' "$AUDIT")" -eq 10 ] || fail "y: no intent and result"
echo ok
