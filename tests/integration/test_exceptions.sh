#!/bin/sh
# Exceptions against tests/sim: `setup` (dry run, twice: the second changes
# nothing); request (validation, dry run, --force); approve by someone
# else (a second IAM user made through the sim's IAM), never by the
# requester; two approvals at once: exactly one wins and the other names
# who did; reject; revoke; list filters and formats (a hostile reason
# escaped in the table, raw in json); read-only refuses; no DynamoDB
# write in a dry run; the audit log.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 5 --fleet 6

export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
PDC="$PD --cache $TEST_TMP/cache.db"

# How many AWS requests with op $1 the simulator logged (all: any op;
# writes: any DynamoDB write).
sim_ops() {
	sim_get /_sim/log >"$TEST_TMP/simlog"
	"$PY" -c '
import json, sys
log = json.load(open(sys.argv[1]))
op = sys.argv[2]
w = {"PutItem", "UpdateItem", "DeleteItem", "CreateTable", "BatchWriteItem"}
print(sum(1 for e in log if op == "all" or e.get("op") == op or
          (op == "writes" and e.get("op") in w)))
' "$TEST_TMP/simlog" "$1"
}

# Two more IAM users of the same account: approvers.
"$PY" - >"$TEST_TMP/users" <<'PYEOF' || fail "could not make IAM users"
import boto3
iam = boto3.client("iam")
for name in ("approver-b", "approver-c"):
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    print(k["AccessKeyId"], k["SecretAccessKey"])
PYEOF
B_KEY=$(sed -n 1p "$TEST_TMP/users" | cut -d' ' -f1)
B_SECRET=$(sed -n 1p "$TEST_TMP/users" | cut -d' ' -f2)
C_KEY=$(sed -n 2p "$TEST_TMP/users" | cut -d' ' -f1)
C_SECRET=$(sed -n 2p "$TEST_TMP/users" | cut -d' ' -f2)
as_b() { AWS_ACCESS_KEY_ID=$B_KEY AWS_SECRET_ACCESS_KEY=$B_SECRET "$@"; }
as_c() { AWS_ACCESS_KEY_ID=$C_KEY AWS_SECRET_ACCESS_KEY=$C_SECRET "$@"; }

# 1. setup: dry run creates nothing; then twice; the second is a no-op.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --dry-run setup
expect_grep '^would call: CreateTable .*"TableName":"patchdeck-exceptions"' "$TEST_TMP/out"
expect_grep '^would call: CreateTable .*"TableName":"patchdeck-runs"' "$TEST_TMP/out"
[ "$(sim_ops writes)" -eq 0 ] || fail "setup --dry-run wrote"
expect_rc 1 $PDC --read-only setup
expect_grep 'read-only mode' "$TEST_TMP/err"
expect_rc 0 $PDC setup
expect_grep '^table patchdeck-exceptions: created \(ACTIVE\)$' "$TEST_TMP/out"
expect_grep '^table patchdeck-runs: created \(ACTIVE\)$' "$TEST_TMP/out"
[ "$(sim_ops CreateTable)" -eq 2 ] || fail "expected 2 CreateTable"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC setup
expect_grep '^setup: nothing to do$' "$TEST_TMP/out"
[ "$(sim_ops writes)" -eq 0 ] || fail "the second setup wrote"
"$PY" - <<'PYEOF' || fail "tables not as expected"
import boto3
t = boto3.client("dynamodb").describe_table(TableName="patchdeck-exceptions")["Table"]
assert [k["AttributeName"] for k in t["KeySchema"]] == ["instance_id", "exception_id"], t
assert t["TableStatus"] == "ACTIVE"
t = boto3.client("dynamodb").describe_table(TableName="patchdeck-runs")["Table"]
assert [k["AttributeName"] for k in t["KeySchema"]] == ["run_id"], t
PYEOF
[ "$(grep -c '"action":"setup.create_table"' "$AUDIT")" -eq 4 ] || fail "setup audit entries"

expect_rc 0 timeout 120 $PDC sync
expect_rc 0 $PDC instances --format json
set -- $("$PY" -c '
import json, sys
print(" ".join(sorted(r["id"] for r in json.load(open(sys.argv[1])))[:4]))
' "$TEST_TMP/out")
I1=$1 I2=$2 I3=$3 I4=$4
TODAY=$(date -u +%F)
day() { "$PY" -c 'import datetime as d, sys; print(d.datetime.now(d.timezone.utc).date() + d.timedelta(days=int(sys.argv[1])))' "$1"; }
D3=$(day 3)
D30=$(day 30)
D100=$(day 100)
YESTERDAY=$(day -1)

# 2. Validation: clear messages, nothing sent.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 2 $PDC exceptions request $I1 --from $D3 --to $TODAY --reason x
expect_grep "ends \($TODAY\) before it starts \($D3\)" "$TEST_TMP/err"
expect_rc 2 $PDC exceptions request $I1 --from $TODAY --to $D100 --reason x
expect_grep 'at most 90 are allowed' "$TEST_TMP/err"
expect_rc 2 $PDC exceptions request $I1 --from $YESTERDAY --to $TODAY --reason x
expect_grep 'starts in the past' "$TEST_TMP/err"
expect_rc 2 $PDC exceptions request $I1 --from 2026-13-01 --to $TODAY --reason x
expect_grep "--from '2026-13-01' is not a date" "$TEST_TMP/err"
expect_rc 2 $PDC exceptions request $I1 --from $TODAY --to $TODAY
expect_grep 'a reason is required' "$TEST_TMP/err"
expect_rc 2 $PDC exceptions request i-00000000deadbeef0 --from $TODAY --to $TODAY --reason x
expect_grep 'not in the cache.*--force' "$TEST_TMP/err"
[ "$(sim_ops all)" -eq 0 ] || fail "a refused request sent AWS requests"

# 3. Dry run and read-only: no write, no audit entry.
N0=$(wc -l <"$AUDIT")
expect_rc 0 $PDC --dry-run exceptions request $I1 --from $TODAY --to $D3 --reason x
expect_grep '^would call: PutItem .*attribute_not_exists\(exception_id\)' "$TEST_TMP/out"
expect_rc 1 $PDC --read-only exceptions request $I1 --from $TODAY --to $D3 --reason x
expect_grep 'read-only mode' "$TEST_TMP/err"
[ "$(sim_ops all)" -eq 0 ] || fail "dry run or read-only sent AWS requests"
[ "$(wc -l <"$AUDIT")" -eq "$N0" ] || fail "dry run or read-only audited"

# 4. Request (hostile reason), approve: not by the requester; by B.
HOSTILE=$(printf 'bid \033[31mred\033]0;owned\007 \342\200\256txt')
expect_rc 0 $PDC exceptions request $I1 --from $TODAY --to $D3 --reason "$HOSTILE" --ticket CHG-1
EX1=$(cat "$TEST_TMP/out")
echo "$EX1" | grep -E -q '^ex-[0-9]{14}-[0-9a-f]{6}$' || fail "request printed '$EX1'"
expect_rc 1 $PDC exceptions approve $EX1
expect_grep 'refused: you \(arn:aws:iam::[0-9]+:user/[^)]*\) requested it' "$TEST_TMP/err"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 as_b $PDC --dry-run exceptions approve $EX1
expect_grep "^would call: UpdateItem .*#s = :from AND requested_by = :req AND requested_by <> :me AND starts = :starts AND ends = :ends" "$TEST_TMP/out"
[ "$(sim_ops writes)" -eq 0 ] || fail "approve --dry-run wrote"
expect_rc 1 as_b $PDC --read-only exceptions approve $EX1
expect_rc 0 as_b $PDC exceptions approve $EX1 --reason "release freeze"
expect_grep "^$EX1 \($I1 $TODAY\.\.$D3\): APPROVED$" "$TEST_TMP/out"
expect_rc 1 as_c $PDC exceptions approve $EX1
expect_grep 'refused: already APPROVED by arn:aws:iam::[0-9]+:user/approver-b at ' "$TEST_TMP/err"

# 5. Two approvals at once (B and C): exactly one wins; the other is
#    refused naming who decided.  Run a few times: the race must not
#    depend on timing.
for k in 1 2 3; do
	expect_rc 0 $PDC exceptions request $I2 --from $D3 --to $D30 --reason "race $k"
	EXR=$(cat "$TEST_TMP/out")
	as_b $PDC exceptions approve $EXR >"$TEST_TMP/b.out" 2>"$TEST_TMP/b.err" &
	PB=$!
	as_c $PDC exceptions approve $EXR >"$TEST_TMP/c.out" 2>"$TEST_TMP/c.err" &
	PC=$!
	wait $PB; RB=$?
	wait $PC; RC=$?
	[ $((RB + RC)) -eq 1 ] || { cat "$TEST_TMP/b.err" "$TEST_TMP/c.err"; fail "race $k: exits $RB and $RC"; }
	if [ $RB -eq 0 ]; then
		expect_grep 'already APPROVED by arn:aws:iam::[0-9]+:user/approver-b at ' "$TEST_TMP/c.err"
	else
		expect_grep 'already APPROVED by arn:aws:iam::[0-9]+:user/approver-c at ' "$TEST_TMP/b.err"
	fi
done
EXUP=$EXR

# 6. Reject (reason required), revoke (approved only).
expect_rc 0 $PDC exceptions request $I3 --from $TODAY --to $D3 --reason "to reject"
EXREJ=$(cat "$TEST_TMP/out")
expect_rc 2 as_b $PDC exceptions reject $EXREJ
expect_grep 'a reason is required' "$TEST_TMP/err"
expect_rc 0 as_b $PDC exceptions reject $EXREJ --reason "no"
expect_grep ': REJECTED$' "$TEST_TMP/out"
expect_rc 1 as_b $PDC exceptions revoke $EXREJ
expect_grep 'refused: already REJECTED by' "$TEST_TMP/err"
expect_rc 0 $PDC exceptions request $I4 --from $TODAY --to $D30 --reason "to revoke"
EXREV=$(cat "$TEST_TMP/out")
expect_rc 0 as_b $PDC exceptions approve $EXREV
expect_rc 0 $PDC exceptions revoke $EXREV
expect_grep ': REVOKED$' "$TEST_TMP/out"
expect_rc 1 $PDC exceptions revoke ex-00000000000000-000000
expect_grep "no exception 'ex-00000000000000-000000'" "$TEST_TMP/err"
expect_rc 0 $PDC exceptions request $I4 --from $D3 --to $D30 --reason "pending one"
EXPEND=$(cat "$TEST_TMP/out")

# 7. list: filters, formats, the cache.
ids() { "$PY" -c '
import json, sys
print(" ".join(sorted(r["exception_id"] for r in json.load(open(sys.argv[1])))))
' "$TEST_TMP/out"; }
expect_rc 0 $PDC --format json exceptions list --live
[ "$(ids)" = "$EX1" ] || fail "--live gave $(ids)"
expect_rc 0 $PDC --format json exceptions list --expiring
[ "$(ids)" = "$EX1" ] || fail "--expiring gave $(ids)"
expect_rc 0 $PDC --format json exceptions list --expiring 1
[ -z "$(ids)" ] || fail "--expiring 1 gave $(ids)"
expect_rc 0 $PDC --format json exceptions list --upcoming
[ "$(echo "$(ids)" | wc -w)" -eq 3 ] || fail "--upcoming gave $(ids)"
expect_rc 0 $PDC --format json exceptions list --pending
[ "$(ids)" = "$EXPEND" ] || fail "--pending gave $(ids)"
expect_rc 0 $PDC --format json exceptions list --rejected
[ "$(ids)" = "$EXREJ" ] || fail "--rejected gave $(ids)"
expect_rc 0 $PDC --format json exceptions list --expired
[ -z "$(ids)" ] || fail "--expired gave $(ids)"
expect_rc 0 $PDC --format json exceptions list
[ "$(echo "$(ids)" | wc -w)" -eq 5 ] || fail "the default list gave $(ids)"
expect_rc 0 $PDC --format json exceptions list --all
[ "$(echo "$(ids)" | wc -w)" -eq 7 ] || fail "--all gave $(ids)"
"$PY" - "$TEST_TMP/out" "$EX1" "$HOSTILE" <<'PYEOF' || fail "json list content"
import json, sys
rows = {r["exception_id"]: r for r in json.load(open(sys.argv[1]))}
r = rows[sys.argv[2]]
assert r["reason"] == sys.argv[3], r["reason"]
assert r["status"] == "APPROVED" and r["category"] == "live", r
assert r["decided_by"].endswith(":user/approver-b"), r
assert r["decision_reason"] == "release freeze" and r["ticket"] == "CHG-1", r
PYEOF
expect_rc 0 $PDC exceptions list --live
expect_grep "^$EX1 +$I1 +$TODAY +$D3 +APPROVED +expiring$" "$TEST_TMP/out"
expect_grep 'reason: bid \\x1b\[31mred\\x1b\]0;owned\\x07 (\\u202e|\\xe2\\x80\\xae)txt$' "$TEST_TMP/out"
if LC_ALL=C grep -q "$(printf '\033')" "$TEST_TMP/out"; then
	fail "an escape byte reached the table"
fi
expect_rc 0 $PDC --format csv exceptions list --rejected
expect_grep '^exception_id,instance_id,starts,ends,status,category,reason' "$TEST_TMP/out"
expect_grep "^$EXREJ,$I3,.*,REJECTED,rejected,to reject," "$TEST_TMP/out"
"$PY" - "$TEST_TMP/cache.db" <<'PYEOF' || fail "the cache does not hold the records"
import sqlite3, sys
n = sqlite3.connect(sys.argv[1]).execute(
    "select count(*) from exceptions where source = 'patchdeck-exceptions'").fetchone()[0]
assert n == 7, n
PYEOF

# 8. The audit log: intent and result for each change, same action id.
"$PY" - "$AUDIT" "$EX1" <<'PYEOF' || fail "audit log content"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for l in lines:
    by.setdefault(l["action_id"], []).append(l)
acts = {}
for aid, ls in by.items():
    assert [l["phase"] for l in ls] == ["intent", "result"], ls
    acts.setdefault(ls[0]["action"], []).append(ls)
assert len(acts["exceptions.request"]) == 7, acts.keys()
assert len(acts["exceptions.reject"]) == 1
assert len(acts["exceptions.revoke"]) == 1
# approve: EX1 by B, 3 races x 2 (one refused each), EXREV by B.
# (a loser of a race is refused before its write when the winner has
# already finished: then it writes no entry)
ap = acts["exceptions.approve"]
assert sum(1 for ls in ap if ls[1]["outcome"] == "ok") == 5, ap
assert sum(1 for ls in ap if ls[1]["outcome"] == "refused") <= 3, ap
assert all(ls[0]["caller"].startswith("arn:aws:iam::") for ls in ap)
ex1 = [ls for ls in ap if ls[0]["exception_id"] == sys.argv[2]]
assert ex1[0][1]["outcome"] == "ok" and ex1[0][0]["reason"] == "release freeze"
PYEOF
if grep -F -q -- "$AWS_SECRET_ACCESS_KEY" "$AUDIT" || grep -F -q -- "$B_SECRET" "$AUDIT"; then
	fail "a secret key is in the audit log"
fi

# 9. More records than one Scan page holds (DynamoDB pages at 1 MB):
#    1,500 of ~1 KB each, written straight into the table; every one
#    comes back, over several pages.
"$PY" - <<'PYEOF' || fail "could not write the bulk records"
import boto3
ddb = boto3.resource("dynamodb").Table("patchdeck-exceptions")
with ddb.batch_writer() as b:
    for i in range(1500):
        b.put_item(Item={
            "instance_id": "i-bulk%012d" % i,
            "exception_id": "ex-20261101000000-%06d" % i,
            "starts": "2026-11-01", "ends": "2026-11-02",
            "reason": "bulk %04d " % i + "x" * 1000,
            "requested_by": "arn:aws:iam::123456789012:user/bulk",
            "requested_at": "2026-10-30T00:00:00Z",
            "status": "REJECTED",
            "decided_by": "arn:aws:iam::123456789012:user/approver-b",
            "decided_at": "2026-10-31T00:00:00Z",
            "decision_reason": "bulk"})
PYEOF
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --format json exceptions list --all
"$PY" - "$TEST_TMP/out" <<'PYEOF' || fail "the bulk records did not all come back"
import json, sys
rows = json.load(open(sys.argv[1]))
bulk = sorted(r["exception_id"] for r in rows if r["instance_id"].startswith("i-bulk"))
assert len(rows) == 1507, len(rows)
assert bulk == ["ex-20261101000000-%06d" % i for i in range(1500)], bulk[:3]
r = [r for r in rows if r["exception_id"] == "ex-20261101000000-000042"][0]
assert r["reason"] == "bulk 0042 " + "x" * 1000 and r["status"] == "REJECTED", r
PYEOF
scans=$(sim_ops Scan)
[ "$scans" -ge 2 ] || fail "1.5 MB of records came in $scans Scan page(s)"

# 10. `exceptions sync` is reached through `exceptions` (test_exsync.sh
#    tests what it does); its dry run changes nothing.
expect_rc 0 $PDC --dry-run exceptions sync
expect_grep 'exceptions sync: [0-9]+ record' "$TEST_TMP/out"

# 11. The whole cycle, through patchdeck: request -> approve (by B) ->
#     sync: the tag follows -> the exception ends -> sync: the tag goes,
#     and the instance is no longer excepted.  The end is made by moving
#     the record's dates back in the table, as the days passing would.
#     The fleet's own PatchException tags are taken off first, so no
#     unapproved tag calls for an alert (no topic is configured here).
"$PY" - <<'PYEOF' || fail "could not clear the fleet's exception tags"
import boto3
ec2 = boto3.client("ec2")
ids = [i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
ec2.delete_tags(Resources=ids, Tags=[{"Key": "PatchException"}])
PYEOF
tag_of() { "$PY" - "$1" <<'PYEOF'
import boto3, sys
tags = boto3.client("ec2").describe_tags(Filters=[
    {"Name": "resource-id", "Values": [sys.argv[1]]},
    {"Name": "key", "Values": ["PatchException"]}])["Tags"]
print(tags[0]["Value"] if tags else "-")
PYEOF
}
state_of() { "$PY" - "$TEST_TMP/out" "$1" <<'PYEOF'
import json, sys
print([r for r in json.load(open(sys.argv[1])) if r["id"] == sys.argv[2]][0]["tag_state"])
PYEOF
}
expect_rc 0 $PDC exceptions request $I4 --from $TODAY --to $D3 --reason "cycle"
EXC=$(cat "$TEST_TMP/out")
expect_rc 0 as_b $PDC exceptions approve $EXC
expect_rc 0 timeout 120 $PDC exceptions sync --refresh
[ "$(tag_of $I4)" = "$TODAY..$D3" ] || fail "after approval and sync, $I4 has PatchException '$(tag_of $I4)'"
expect_rc 0 $PDC --format json instances --refresh
[ "$(state_of $I4)" = "excepted" ] || fail "$I4 is '$(state_of $I4)', not excepted"
D_10=$(day -10)
D_2=$(day -2)
"$PY" - "$I4" "$EXC" "$D_10" "$D_2" <<'PYEOF' || fail "could not age the record"
import boto3, sys
boto3.client("dynamodb").update_item(TableName="patchdeck-exceptions",
    Key={"instance_id": {"S": sys.argv[1]}, "exception_id": {"S": sys.argv[2]}},
    UpdateExpression="SET starts = :s, ends = :e",
    ExpressionAttributeValues={":s": {"S": sys.argv[3]}, ":e": {"S": sys.argv[4]}})
PYEOF
expect_rc 0 timeout 120 $PDC exceptions sync --refresh
expect_grep "^remove $I4 .*PatchException: '$TODAY\.\.$D3' -> \(removed\)" "$TEST_TMP/out"
[ "$(tag_of $I4)" = "-" ] || fail "after the end and a sync, $I4 still has '$(tag_of $I4)'"
expect_rc 0 $PDC --format json instances --refresh
[ "$(state_of $I4)" != "excepted" ] || fail "$I4 is still excepted"
expect_rc 0 $PDC --format json exceptions list --expired
[ "$(ids)" = "$EXC" ] || fail "--expired gave $(ids) after the end"
# 12. The same person through a role: a request and a decision by one
#     role in two sessions (two profiles that differ only in
#     role_session_name, as two runs of patchdeck seconds apart do) are
#     refused, naming both ARNs and the person; another role approves.
"$PY" - >"$TEST_TMP/roles" <<'PYEOF' || fail "could not make the roles"
import boto3, json
iam = boto3.client("iam")
trust = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
for name in ("PatchOps", "PatchApprovers"):
    print(iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"])
PYEOF
OPS_ROLE=$(sed -n 1p "$TEST_TMP/roles")
APPR_ROLE=$(sed -n 2p "$TEST_TMP/roles")
umask 077
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF
[pd-base]
aws_access_key_id = $AWS_ACCESS_KEY_ID
aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
EOF
cat >"$AWS_CONFIG_FILE" <<EOF
[profile ops-early]
role_arn = $OPS_ROLE
source_profile = pd-base
role_session_name = patchdeck-1780000000
region = $AWS_REGION
[profile ops-later]
role_arn = $OPS_ROLE
source_profile = pd-base
role_session_name = patchdeck-1780000002
region = $AWS_REGION
[profile approvers]
role_arn = $APPR_ROLE
source_profile = pd-base
region = $AWS_REGION
EOF
D5=$(day 5)
expect_rc 0 $PDC --profile ops-early exceptions request $I3 --from $D3 --to $D5 --reason "role"
EXROLE=$(cat "$TEST_TMP/out")
sim_post /_sim/log/clear '{}' >/dev/null
for act in approve reject; do
	expect_rc 1 $PDC --profile ops-later exceptions $act $EXROLE --reason "mine"
	expect_grep "refused: you \(arn:aws:sts::[0-9]+:assumed-role/PatchOps/patchdeck-1780000002\) requested it as arn:aws:sts::[0-9]+:assumed-role/PatchOps/patchdeck-1780000000: the same person \(arn:aws:iam::[0-9]+:role/patchops\); someone else must $act it$" "$TEST_TMP/err"
done
[ "$(sim_ops writes)" -eq 0 ] || fail "a refused decision by the same role wrote"
expect_rc 0 $PDC --profile approvers exceptions approve $EXROLE
expect_grep "^$EXROLE \($I3 $D3\.\.$D5\): APPROVED$" "$TEST_TMP/out"
expect_rc 0 $PDC --format json exceptions list --all
"$PY" - "$TEST_TMP/out" "$EXROLE" <<'PYEOF' || fail "the role-approved record"
import json, sys
r = [r for r in json.load(open(sys.argv[1])) if r["exception_id"] == sys.argv[2]][0]
assert r["requested_by"].endswith(":assumed-role/PatchOps/patchdeck-1780000000"), r
assert ":assumed-role/PatchApprovers/" in r["decided_by"], r
assert r["valid"] is True and r["invalid_reason"] is None and r["category"] == "upcoming", r
PYEOF
echo ok
