#!/bin/sh
# `patchdeck exceptions sync` against tests/sim: records put straight into
# the sim's DynamoDB with boto3; a dry run (differences and calls printed,
# no CreateTags/DeleteTags/Publish); the real run (tags as the approvals
# say, one CreateTags per distinct value, one DeleteTags, exactly one SNS
# message naming the unapproved instance and its owner, audited); a second
# run that changes and sends nothing; read-only refused; a failed Publish
# named, exit 1.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 11 --fleet 30

export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
CFG="$TEST_TMP/config"

# How many AWS requests with op $1 the simulator logged (all: any op).
sim_ops() {
	sim_get /_sim/log >"$TEST_TMP/simlog"
	"$PY" -c '
import json, sys
log = json.load(open(sys.argv[1]))
op = sys.argv[2]
print(sum(1 for e in log if op == "all" or e.get("op") == op))
' "$TEST_TMP/simlog" "$1"
}

# The scenario, set up with boto3: every fleet-made PatchException tag
# removed first, then nine instances of the default region given roles
# (A..I, see below), the table created and the records put, the topic
# created.  Writes "ROLE=ID" lines and TOPIC=ARN.
"$PY" - >"$TEST_TMP/roles" <<'PYEOF' || fail "scenario setup"
import datetime, os, boto3
ec2 = boto3.client("ec2")
ddb = boto3.client("dynamodb")
sns = boto3.client("sns")
ids = []
for page in ec2.get_paginator("describe_instances").paginate():
    for res in page["Reservations"]:
        for i in res["Instances"]:
            tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
            if "PatchException" in tags:
                ec2.delete_tags(Resources=[i["InstanceId"]],
                                Tags=[{"Key": "PatchException"}])
            if i["State"]["Name"] not in ("terminated", "shutting-down"):
                ids.append(i["InstanceId"])
ids.sort()
assert len(ids) >= 9, ids
roles = dict(zip("ABCDEFGHI", ids))
today = datetime.datetime.now(datetime.timezone.utc).date()
d = lambda n: (today + datetime.timedelta(days=n)).isoformat()
R1 = (d(-2), d(5))
R2 = (d(-1), d(10))
RX = (d(-40), d(-30))
ddb.create_table(TableName="patchdeck-exceptions",
                 KeySchema=[{"AttributeName": "instance_id", "KeyType": "HASH"},
                            {"AttributeName": "exception_id", "KeyType": "RANGE"}],
                 AttributeDefinitions=[{"AttributeName": "instance_id", "AttributeType": "S"},
                                       {"AttributeName": "exception_id", "AttributeType": "S"}],
                 BillingMode="PAY_PER_REQUEST")
n = [0]
def rec(role, rng, status):
    n[0] += 1
    item = {"instance_id": roles[role], "exception_id": "x%03d" % n[0],
            "starts": rng[0], "ends": rng[1], "reason": "audit", "ticket": "CHG-%d" % n[0],
            "requested_by": "arn:aws:iam::123456789012:user/alice",
            "requested_at": d(-50) + "T10:00:00Z",
            "status": status}
    if status != "PENDING":
        item["decided_by"] = "arn:aws:sts::123456789012:assumed-role/Approvers/bob"
        item["decided_at"] = d(-49) + "T10:00:00Z"
    ddb.put_item(TableName="patchdeck-exceptions",
                 Item={k: {"S": v} for k, v in item.items()})
def tag(role, value, **more):
    t = [{"Key": "PatchException", "Value": value}]
    t += [{"Key": k, "Value": v} for k, v in more.items()]
    ec2.create_tags(Resources=[roles[role]], Tags=t)
# A, B, C: live R1, no tag -> set (one CreateTags for the three).
for r in "ABC":
    rec(r, R1, "APPROVED")
# D: live R2 and an old approved record whose range the tag has -> change.
rec("D", R2, "APPROVED")
rec("D", RX, "APPROVED")
tag("D", "%s..%s" % RX)
# E: live R2 (and a rejected longer one) -> set (with D: one CreateTags).
rec("E", R2, "APPROVED")
rec("E", (d(-1), d(60)), "REJECTED")
# F: expired approval, tag still there -> removed, no alert.
rec("F", RX, "APPROVED")
tag("F", "%s..%s" % RX)
# G: a tag nobody approved -> removed, alerted with its owner.
tag("G", "%s..%s" % (d(-3), d(300)), Owner="team-g@example.com")
# H: pending only -> nothing.
rec("H", R1, "PENDING")
# I: revoked, tag of its range -> removed, no alert.
rec("I", R1, "REVOKED")
tag("I", "%s..%s" % R1)
# Records of instances elsewhere (another account): counted, ignored.
for k in range(120):
    ddb.put_item(TableName="patchdeck-exceptions",
                 Item={"instance_id": {"S": "i-elsewhere%04d" % k},
                       "exception_id": {"S": "e"}, "starts": {"S": R1[0]},
                       "ends": {"S": R1[1]}, "status": {"S": "APPROVED"},
                       "requested_by": {"S": "arn:aws:iam::123456789012:user/carol"},
                       "decided_by": {"S": "arn:aws:iam::123456789012:user/dave"}})
arn = sns.create_topic(Name="patchdeck-alerts")["TopicArn"]
for r, i in sorted(roles.items()):
    print("%s=%s" % (r, i))
print("TOPIC=%s" % arn)
print("R1=%s..%s" % R1)
print("R2=%s..%s" % R2)
PYEOF
. "$TEST_TMP/roles"
printf '[general]\nsns_topic = %s\n' "$TOPIC" >"$CFG"
PDC="$PD --config $CFG --cache $TEST_TMP/cache.db"

# boto3's PatchException of the nine: "ROLE=VALUE" lines (- if none).
aws_tags() {
	"$PY" - "$A" "$B" "$C" "$D" "$E" "$F" "$G" "$H" "$I" <<'PYEOF'
import sys, boto3
ids = sys.argv[1:]
ec2 = boto3.client("ec2")
got = {}
for res in ec2.describe_instances(InstanceIds=ids)["Reservations"]:
    for i in res["Instances"]:
        tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
        got[i["InstanceId"]] = tags.get("PatchException", "-")
for role, i in zip("ABCDEFGHI", ids):
    print("%s=%s" % (role, got[i]))
PYEOF
}

expect_rc 0 timeout 120 $PDC sync
aws_tags >"$TEST_TMP/before"

# 1. Dry run: the differences and the calls; the table is read, nothing
#    changed or sent.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --dry-run exceptions sync
expect_grep "^set +$A \(.*\) default/[a-z0-9-]+ PatchException: \(none\) -> $R1 \(record x001\)$" "$TEST_TMP/out"
expect_grep "^change +$D .* -> $R2 \(record x004\)$" "$TEST_TMP/out"
expect_grep "^remove +$F .* -> \(removed\)$" "$TEST_TMP/out"
expect_grep "^remove +$G .* -> \(removed\)  UNAPPROVED$" "$TEST_TMP/out"
expect_grep "^remove +$I .* -> \(removed\)$" "$TEST_TMP/out"
expect_no_grep "$H" "$TEST_TMP/out"
expect_grep "4 to set, 1 to change, 3 to remove, 1 unapproved" "$TEST_TMP/out"
expect_grep "^would call: CreateTags default/[a-z0-9-]+ PatchException=$R1 on 3 instance\(s\): $A $B $C$" "$TEST_TMP/out"
expect_grep "^would call: CreateTags default/[a-z0-9-]+ PatchException=$R2 on 2 instance\(s\): $D $E$" "$TEST_TMP/out"
expect_grep "^would call: DeleteTags default/[a-z0-9-]+ PatchException on 3 instance\(s\): $F $G $I$" "$TEST_TMP/out"
expect_grep "^would publish to $TOPIC: patchdeck: 1 instance carries an unapproved patch exception$" "$TEST_TMP/out"
expect_grep "dry run: 3 call\(s\) and 1 alert would be made; none was" "$TEST_TMP/out"
[ "$(sim_ops Scan)" -ge 1 ] || fail "the dry run did not read the table"
for op in CreateTags DeleteTags Publish; do
	[ "$(sim_ops $op)" -eq 0 ] || fail "the dry run sent $op"
done
aws_tags >"$TEST_TMP/after"
cmp -s "$TEST_TMP/before" "$TEST_TMP/after" || fail "the dry run changed tags"
[ ! -s "$AUDIT" ] || fail "the dry run wrote to the audit log"

# 2. Read-only: refused before anything is read or sent.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 1 $PDC --read-only exceptions sync
expect_grep 'read-only mode \(--read-only\)' "$TEST_TMP/err"
[ "$(sim_ops all)" -eq 0 ] || fail "read-only mode sent AWS requests"

# 3. For real.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC exceptions sync
[ "$(grep -c '^  ok$' "$TEST_TMP/out")" -eq 3 ] || { cat "$TEST_TMP/out"; fail "expected 3 ok calls"; }
expect_grep "^alert: published to $TOPIC \(message " "$TEST_TMP/out"
# One CreateTags per distinct value (one target and region here).
[ "$(sim_ops CreateTags)" -eq 2 ] || fail "expected 2 CreateTags, got $(sim_ops CreateTags)"
[ "$(sim_ops DeleteTags)" -eq 1 ] || fail "expected 1 DeleteTags, got $(sim_ops DeleteTags)"
[ "$(sim_ops Publish)" -eq 1 ] || fail "expected 1 Publish, got $(sim_ops Publish)"
aws_tags >"$TEST_TMP/after"
cat >"$TEST_TMP/want" <<EOF
A=$R1
B=$R1
C=$R1
D=$R2
E=$R2
F=-
G=-
H=-
I=-
EOF
diff "$TEST_TMP/want" "$TEST_TMP/after" || fail "tags in the sim differ from the approvals"
sim_get /_sim/sns >"$TEST_TMP/sns"
"$PY" - "$TEST_TMP/sns" "$TOPIC" "$G" <<'PYEOF' || fail "the SNS message"
import json, sys
msgs = json.load(open(sys.argv[1]))
topic, g = sys.argv[2], sys.argv[3]
assert len(msgs) == 1, msgs
m = msgs[0]
assert m["topic"] == topic, m
assert m["subject"] == "patchdeck: 1 instance carries an unapproved patch exception", m
lines = [l for l in m["message"].splitlines() if l.startswith("i-")]
assert len(lines) == 1 and lines[0].startswith(g + "  name="), lines
l = lines[0]
assert "account=" in l and "region=" in l and "PatchException=" in l, l
assert "Owner=team-g@example.com" in l and l.endswith("-> removed"), l
PYEOF
"$PY" - "$AUDIT" "$TOPIC" "$G" <<'PYEOF' || fail "audit log content"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
acts = [(e["action"], e["phase"]) for e in lines]
assert acts == [("exceptions.sync", "intent"), ("exceptions.sync", "result"),
                ("exceptions.alert", "intent"), ("exceptions.alert", "result")], acts
a, b = lines[2], lines[3]
assert a["action_id"] == b["action_id"]
assert a["topic"] == b["topic"] == sys.argv[2]
assert a["instances"] == b["instances"] == [sys.argv[3]], a
assert b["outcome"] == "ok" and b["message_id"], b
assert lines[1]["outcome"] == "ok", lines[1]
PYEOF
# The records the Scan saw are in the cache, as `exceptions list` stores
# them: every one of the table, under its source, with the Scan's time.
"$PY" - "$TEST_TMP/cache.db" <<'PYEOF' || fail "the cache does not hold the scanned records"
import boto3, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
table = {(i["instance_id"]["S"], i["exception_id"]["S"])
         for i in boto3.client("dynamodb").scan(TableName="patchdeck-exceptions")["Items"]}
cached = set(db.execute("select instance_id, exception_id from exceptions"
                        " where source = 'patchdeck-exceptions'").fetchall())
assert len(table) > 5 and cached == table, (len(table), len(cached))
(when,) = db.execute("select value from meta where key = 'exceptions:patchdeck-exceptions'").fetchone()
assert int(when) > 0, when
PYEOF

# 4. Right after: nothing to change, nothing sent (the cache carries the
#    new tags; --refresh reads them from EC2 again).
for refresh in "" --refresh; do
	sim_post /_sim/log/clear '{}' >/dev/null
	expect_rc 0 $PDC exceptions sync $refresh
	expect_grep "0 to set, 0 to change, 0 to remove, 0 unapproved" "$TEST_TMP/out"
	expect_grep "in step; nothing to change" "$TEST_TMP/out"
	for op in CreateTags DeleteTags Publish; do
		[ "$(sim_ops $op)" -eq 0 ] || fail "the second run sent $op"
	done
done
[ "$(sim_get /_sim/sns | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 1 ] ||
	fail "the second run published"
[ "$(wc -l <"$AUDIT")" -eq 4 ] || fail "the second run was audited"

# 5. A failed call is named and exits 1: an unapproved tag again, the
#    topic gone.
"$PY" -c '
import boto3, sys
boto3.client("ec2").create_tags(Resources=[sys.argv[1]],
    Tags=[{"Key": "PatchException", "Value": "forever"}])
' "$G" || fail "tag G again"
printf '[general]\nsns_topic = %s-gone\n' "$TOPIC" >"$CFG.bad"
expect_rc 1 $PD --config "$CFG.bad" --cache "$TEST_TMP/cache.db" exceptions sync --refresh
expect_grep 'FAILED: SNS Publish to .*-gone: ' "$TEST_TMP/err"
aws_tags >"$TEST_TMP/after"
expect_grep '^G=-$' "$TEST_TMP/after"

# 6. Records written straight into the table, as anyone who may write it
#    could: approved by the requester's own role in another session, by
#    the very same ARN, without a decider, with a malformed date, longer
#    than exception_max_days (90).  None is tagged; the one tag already on
#    (J, as if a hand had put it) is removed as unapproved; each record is
#    printed as invalid with why and named in the SNS message.
"$PY" - "$A" "$B" "$C" "$D" "$E" "$F" "$G" "$H" "$I" >"$TEST_TMP/bad" <<'PYEOF' || fail "writing the invalid records"
import datetime, sys, boto3
ec2 = boto3.client("ec2")
ddb = boto3.client("dynamodb")
used = set(sys.argv[1:])
ids = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"]
             if i["State"]["Name"] == "running" and i["InstanceId"] not in used)[:5]
assert len(ids) == 5, ids
today = datetime.datetime.now(datetime.timezone.utc).date()
d = lambda n: (today + datetime.timedelta(days=n)).isoformat()
role = "arn:aws:sts::123456789012:assumed-role/PatchOps/"
bad = [
    ("y001", role + "patchdeck-1780000000", role + "patchdeck-1780000002", d(-1), d(5)),
    ("y002", "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice", d(-1), d(5)),
    ("y003", "arn:aws:iam::123456789012:user/alice", None, d(-1), d(5)),
    ("y004", "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/bob", d(-1), "2026-02-30"),
    ("y005", "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/bob", d(-1), d(120)),
]
for iid, (xid, req, dec, s, e) in zip(ids, bad):
    item = {"instance_id": iid, "exception_id": xid, "starts": s, "ends": e,
            "reason": "by hand", "requested_by": req, "status": "APPROVED"}
    if dec:
        item["decided_by"] = dec
    ddb.put_item(TableName="patchdeck-exceptions", Item={k: {"S": v} for k, v in item.items()})
ec2.create_tags(Resources=[ids[0]], Tags=[{"Key": "PatchException", "Value": d(-1) + ".." + d(5)}])
for k, iid in enumerate(ids):
    print("J%d=%s" % (k + 1, iid))
PYEOF
. "$TEST_TMP/bad"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC exceptions sync --refresh
expect_grep "^invalid y001 \($J1\): decided by the requester \(the same person\)$" "$TEST_TMP/out"
expect_grep "^invalid y002 \($J2\): decided by the requester \(the same person\)$" "$TEST_TMP/out"
expect_grep "^invalid y003 \($J3\): APPROVED without decided_by$" "$TEST_TMP/out"
expect_grep "^invalid y004 \($J4\): ends is not a YYYY-MM-DD date$" "$TEST_TMP/out"
expect_grep "^invalid y005 \($J5\): 122 days long; exception_max_days is 90$" "$TEST_TMP/out"
expect_grep "^remove +$J1 .* -> \(removed\)  UNAPPROVED$" "$TEST_TMP/out"
expect_grep "0 to set, 0 to change, 1 to remove, 1 unapproved; 5 invalid record\(s\)" "$TEST_TMP/out"
[ "$(sim_ops CreateTags)" -eq 0 ] || fail "an invalid record was tagged"
"$PY" - "$J1" "$J2" "$J3" "$J4" "$J5" <<'PYEOF' || fail "an instance of an invalid record carries the tag"
import sys, boto3
for res in boto3.client("ec2").describe_instances(InstanceIds=sys.argv[1:])["Reservations"]:
    for i in res["Instances"]:
        assert not any(t["Key"] == "PatchException" for t in i.get("Tags", [])), i["InstanceId"]
PYEOF
sim_get /_sim/sns >"$TEST_TMP/sns"
"$PY" - "$TEST_TMP/sns" "$J1" "$J3" <<'PYEOF' || fail "the SNS message of the invalid records"
import json, sys
m = json.load(open(sys.argv[1]))[-1]
assert m["subject"] == "patchdeck: 1 unapproved patch exception tag, 5 invalid records", m["subject"]
text = m["message"]
for want in ("y001  instance=%s  status=APPROVED  requested_by=arn:aws:sts::123456789012:"
             "assumed-role/PatchOps/patchdeck-1780000000  decided_by=arn:aws:sts::"
             "123456789012:assumed-role/PatchOps/patchdeck-1780000002  -> invalid: "
             "decided by the requester (the same person)" % sys.argv[2],
             "y002  ", "y003  instance=%s" % sys.argv[3], "-> invalid: APPROVED without decided_by",
             "y004  ", "-> invalid: ends is not a YYYY-MM-DD date",
             "y005  ", "-> invalid: 122 days long; exception_max_days is 90",
             sys.argv[2] + "  name="):
    assert want in text, (want, text)
PYEOF
# The list says so too, with why, in every format.
expect_rc 0 $PDC --format json exceptions list --invalid
"$PY" - "$TEST_TMP/out" <<'PYEOF' || fail "exceptions list --invalid"
import json, sys
rows = {r["exception_id"]: r for r in json.load(open(sys.argv[1]))}
assert sorted(rows) == ["y001", "y002", "y003", "y004", "y005"], sorted(rows)
assert all(r["category"] == "invalid" and r["valid"] is False for r in rows.values()), rows
assert rows["y003"]["invalid_reason"] == "APPROVED without decided_by", rows["y003"]
PYEOF
expect_rc 0 $PDC exceptions list --invalid
expect_grep "^    invalid: decided by the requester \(the same person\)$" "$TEST_TMP/out"
expect_rc 0 $PDC --format csv exceptions list --invalid
expect_grep "^y005,$J5,.*,APPROVED,invalid,.*,122 days long; exception_max_days is 90" "$TEST_TMP/out"
# Tag state: an instance whose only record is invalid is not excepted.
expect_rc 0 $PDC --format json instances
"$PY" - "$TEST_TMP/out" "$J2" <<'PYEOF' || fail "the tag state of an invalid record's instance"
import json, sys
r = [r for r in json.load(open(sys.argv[1])) if r["id"] == sys.argv[2]][0]
assert r["tag_state"] != "excepted", r
PYEOF

expect_rc 0 $PDC exceptions sync --help
expect_rc 2 $PDC exceptions sync --bogus
expect_rc 2 $PDC exceptions frobnicate
echo "exceptions sync: ok"
