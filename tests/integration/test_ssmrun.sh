#!/bin/sh
# ops/ssmrun against tests/sim: by InstanceIds (120 instances: three
# SendCommands of at most 50, ListCommandInvocations in pages of 50, every
# invocation followed to a final status, stopped ones Undeliverable) and
# by tag target (one SendCommand; the instances expected named, one of
# them not carrying the tag: NotTargeted).
. tests/integration/lib.sh
B=${B:-build}
DRV="$ROOT/$B/tests/ssmrun"
[ -x "$DRV" ] || fail "build $DRV first (make $B/tests/ssmrun)"
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 5 --fleet 120 --time-scale 20

# "running" and "stopped" instance ids.
"$PY" - >"$TEST_TMP/ids" <<'PYEOF'
import boto3
ec2 = boto3.client("ec2")
run, stop = [], []
for res in ec2.describe_instances()["Reservations"]:
    for i in res["Instances"]:
        (run if i["State"]["Name"] == "running" else stop).append(i["InstanceId"])
print(" ".join(sorted(run)))
print(" ".join(sorted(stop)))
PYEOF
RUN=$(sed -n 1p "$TEST_TMP/ids")
STOP=$(sed -n 2p "$TEST_TMP/ids")
set -- $RUN $STOP
[ $# -eq 120 ] || fail "expected 120 instances, got $#"
[ -n "$STOP" ] || fail "the fleet has no stopped instance"

sim_ops() {
	sim_get /_sim/log | "$PY" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e.get("op") == sys.argv[1]))' "$1"
}

# 1. By ids.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 timeout 120 "$DRV" ids AWS-RunShellScript $RUN $STOP
[ "$(grep -c '^i-' "$TEST_TMP/out")" -eq 120 ] || fail "not 120 results"
[ "$(awk '$4 != 1' "$TEST_TMP/out" | grep -c '^i-')" -eq 0 ] ||
	fail "an invocation was not followed to a final status"
for id in $STOP; do
	expect_grep "^$id Failed Undeliverable 1 " "$TEST_TMP/out"
done
n=$(grep -c '^i-.* Success Success 1 [0-9]* hello$' "$TEST_TMP/out")
[ "$n" -ge 80 ] || fail "only $n instances said hello"
[ "$(sim_ops SendCommand)" -eq 3 ] || fail "$(sim_ops SendCommand) SendCommands for 120 ids, expected 3"
expect_grep '^calls send=3 ' "$TEST_TMP/out"

# 2. By tag: 10 tagged (of those that said hello), 11 expected.
set -- $(grep '^i-.* Success Success 1 [0-9]* hello$' "$TEST_TMP/out" | cut -d' ' -f1)
TAGGED="$1 $2 $3 $4 $5 $6 $7 $8 $9 ${10}"
UNTAGGED=${11}
"$PY" - $TAGGED <<'PYEOF'
import sys, boto3
boto3.client("ec2").create_tags(Resources=sys.argv[1:],
    Tags=[{"Key": "patchdeck:test", "Value": "tok1"}])
PYEOF
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 timeout 120 "$DRV" tag AWS-RunShellScript patchdeck:test tok1 $TAGGED $UNTAGGED
[ "$(sim_ops SendCommand)" -eq 1 ] || fail "a tag target takes one SendCommand"
for id in $TAGGED; do
	expect_grep "^$id Success Success 1 [0-9]* hello$" "$TEST_TMP/out"
done
expect_grep "^$UNTAGGED - NotTargeted 0 " "$TEST_TMP/out"

# 3. By tag, nothing expected: what SSM lists.
expect_rc 0 timeout 120 "$DRV" tag AWS-RunShellScript patchdeck:test tok1
[ "$(grep -c '^i-.* Success Success 1 ' "$TEST_TMP/out")" -eq 10 ] ||
	fail "not the 10 tagged instances"

# 4. A document that does not exist: an error, exit 1.
expect_rc 1 timeout 60 "$DRV" ids no-such-document $UNTAGGED
expect_grep 'InvalidDocument' "$TEST_TMP/err"
echo "ok"
