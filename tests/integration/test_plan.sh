#!/bin/sh
# `patchdeck plan` against tests/sim: a window whose members carry every
# action and every exclusion reason (patch, Windows patch, wake, excluded
# as terminated / by a live approved exception / not managed by SSM,
# unreachable with its last ping), an unapproved exception tag flagged and
# patched, a pending record that excludes nothing; --refresh (sync and
# the exceptions table); json, csv, table; --date (another date: the
# exception is over; no occurrence; not a date); an unknown window (2);
# --help.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 5 --fleet 40

CFG="$TEST_TMP/config"
cat >"$CFG" <<'CONF'
[window plan-night]
schedule = daily 03:00
duration = 2h

[window mon-0100]
schedule = mon 01:00
duration = 1h
timezone = Europe/Berlin
CONF
PDC="$PD --config $CFG --cache $TEST_TMP/cache.db"

sim_exceptions_table

# The scenario with boto3: every PatchWindow tag of the fleet moved off
# plan-night, then roles given to instances of the default region.
"$PY" - >"$TEST_TMP/roles" <<'PYEOF' || fail "scenario setup"
import datetime, boto3
ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
ddb = boto3.client("dynamodb")
lin, win = [], []
plat = {}
tok = None
while True:
    kw = {"MaxResults": 50}
    if tok:
        kw["NextToken"] = tok
    r = ssm.describe_instance_information(**kw)
    for x in r["InstanceInformationList"]:
        plat[x["InstanceId"]] = x["PlatformType"]
    tok = r.get("NextToken")
    if not tok:
        break
for page in ec2.get_paginator("describe_instances").paginate():
    for res in page["Reservations"]:
        for i in res["Instances"]:
            if i["State"]["Name"] != "running":
                continue
            tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
            if "PatchException" in tags:
                ec2.delete_tags(Resources=[i["InstanceId"]],
                                Tags=[{"Key": "PatchException"}])
            if tags.get("PatchWindow") == "plan-night":
                ec2.delete_tags(Resources=[i["InstanceId"]],
                                Tags=[{"Key": "PatchWindow"}])
            p = plat.get(i["InstanceId"])
            (win if p == "Windows" else lin if p == "Linux" else []).append(
                i["InstanceId"])
lin.sort()
win.sort()
assert len(lin) >= 9 and win, (len(lin), len(win))
roles = dict(zip(["P", "S", "T", "X", "U", "D", "N", "O", "Z"], lin))
roles["W"] = win[0]
today = datetime.datetime.now(datetime.timezone.utc).date()
d = lambda n: (today + datetime.timedelta(days=n)).isoformat()
for r, i in roles.items():
    tags = [{"Key": "PatchWindow", "Value": "plan-night" if r != "Z" else "mon-0100"},
            {"Key": "Name", "Value": "role-" + r},
            {"Key": "sim:fail", "Value": "none"}]
    ec2.create_tags(Resources=[i], Tags=tags)
# A hostile name: a formula for spreadsheets and a bidi override.
ec2.create_tags(Resources=[roles["P"]],
                Tags=[{"Key": "Name", "Value": "=1+1\u202etxt.exe"}])
ec2.create_tags(Resources=[roles["N"]], Tags=[{"Key": "sim:unmanaged", "Value": "1"}])
ec2.create_tags(Resources=[roles["O"]], Tags=[{"Key": "sim:offline", "Value": "1"}])
ec2.create_tags(Resources=[roles["X"]],
                Tags=[{"Key": "PatchException", "Value": "%s..%s" % (d(-3), d(10))}])
ec2.create_tags(Resources=[roles["U"]],
                Tags=[{"Key": "PatchException", "Value": "%s..%s" % (d(-3), d(10))}])
ec2.stop_instances(InstanceIds=[roles["S"]])
ec2.terminate_instances(InstanceIds=[roles["T"]])
def rec(role, eid, status):
    item = {"instance_id": roles[role], "exception_id": eid,
            "starts": d(-3), "ends": d(10), "reason": "year-end audit",
            "ticket": "CHG-7", "requested_by": "arn:aws:iam::123456789012:user/alice",
            "requested_at": d(-20) + "T10:00:00Z", "status": status}
    if status != "PENDING":
        item["decided_by"] = "arn:aws:iam::123456789012:user/bob"
        item["decided_at"] = d(-19) + "T10:00:00Z"
    ddb.put_item(TableName="patchdeck-exceptions",
                 Item={k: {"S": v} for k, v in item.items()})
rec("X", "exc-live", "APPROVED")
rec("D", "exc-pending", "PENDING")
for r, i in sorted(roles.items()):
    print("%s=%s" % (r, i))
print("FAR=%s" % d(20))
PYEOF
. "$TEST_TMP/roles"

# --help, and what is refused before any work.
expect_rc 0 $PDC plan --help
expect_grep '^usage: patchdeck .*plan WINDOW' "$TEST_TMP/out"
expect_rc 2 $PDC plan
expect_rc 2 $PDC plan nosuch-window
expect_grep "unknown window 'nosuch-window'; configured: plan-night, mon-0100" "$TEST_TMP/err"
expect_rc 2 $PDC plan plan-night --bogus

# --refresh: sync and the exceptions table, then the plan as JSON.
expect_rc 0 timeout 120 $PDC --format json plan plan-night --refresh
cp "$TEST_TMP/out" "$TEST_TMP/plan.json"
expect_grep '^plan: refreshing the inventory and the exceptions table\.\.\.$' "$TEST_TMP/err"
"$PY" - "$TEST_TMP/plan.json" "$P" "$W" "$S" "$T" "$X" "$U" "$D" "$N" "$O" "$Z" <<'PYEOF' || fail "plan JSON"
import json, sys
plan = json.load(open(sys.argv[1]))
P, W, S, T, X, U, D, N, O, Z = sys.argv[2:]
m = {x["instance_id"]: x for x in plan["members"]}
want = {P: ("patch", ""), W: ("patch", ""), S: ("wake", "stopped"),
        T: ("excluded", "terminated"), X: ("excluded", "exception"),
        U: ("patch", ""), D: ("patch", ""), N: ("excluded", "not_managed"),
        O: ("unreachable", "ssm_offline")}
assert set(m) == set(want), (sorted(m), sorted(want))
for i, (action, reason) in want.items():
    got = (m[i]["action"], m[i]["reason"])
    assert got == (action, reason), (i, got, action, reason)
assert Z not in m
assert m[W]["platform"] == "windows", m[W]
assert m[P]["platform"] == "linux", m[P]
assert m[P]["name"] == "=1+1\u202etxt.exe", m[P]
assert m[X]["exception_id"] == "exc-live", m[X]
assert "year-end audit" in m[X]["detail"], m[X]
assert m[U]["unapproved_exception_tag"] is True, m[U]
assert m[D]["unapproved_exception_tag"] is False, m[D]
assert m[O]["last_ping"] and m[O]["last_ping"].endswith("Z"), m[O]
assert "last ping" in m[O]["detail"], m[O]
assert m[S]["detail"].startswith("stopped: started 15 min"), m[S]
for k in ("instance_id", "action", "reason", "name", "platform", "account",
          "region", "last_ping"):
    assert all(k in x for x in plan["members"]), k
s = plan["summary"]
assert s["members"] == 9, s
assert (s["patch"], s["wake"], s["excluded"], s["unreachable"]) == (4, 1, 3, 1), s
assert (s["linux"], s["windows"]) == (8, 1), s
assert s["to_patch"]["windows"] == 1 and s["to_patch"]["linux"] == 4, s
assert s["unapproved_exception_tag"] == 1, s
assert s["precheck_failing"] is None, s
assert plan["window"] == "plan-night" and plan["exceptions_fetched_at"], plan
assert plan["data_fetched_at"], plan
# Trouble first: unreachable, wake, excluded, then patch.
order = [x["action"] for x in plan["members"]]
rank = ["unreachable", "wake", "excluded", "patch"]
assert order == sorted(order, key=rank.index), order
assert plan["members"][5]["instance_id"] == U, plan["members"][5]
PYEOF

# The table: every reason in words, the summary, the data's age.
expect_rc 0 $PDC plan plan-night
expect_grep "^plan plan-night on [0-9]{4}-[0-9]{2}-[0-9]{2}: " "$TEST_TMP/out"
expect_grep "^unreachable +role-O +$O .*SSM ConnectionLost, last ping " "$TEST_TMP/out"
expect_grep "^wake +role-S +$S .*stopped: started 15 min before the window" "$TEST_TMP/out"
expect_grep "^excluded +role-T +$T .*terminated" "$TEST_TMP/out"
expect_grep "^excluded +role-X +$X .*exception exc-live approved .*: year-end audit" "$TEST_TMP/out"
expect_grep "^excluded +role-N +$N .*not managed by SSM" "$TEST_TMP/out"
expect_grep "^patch +role-U +$U .*exception tag not approved: patched anyway" "$TEST_TMP/out"
expect_grep "^patch +role-W +$W +windows" "$TEST_TMP/out"
expect_grep "^9 member\(s\): 4 patch, 1 wake, 3 excluded, 1 unreachable; linux 8, windows 1$" "$TEST_TMP/out"
expect_grep "^data from .*; exception records from " "$TEST_TMP/out"
expect_no_grep "role-Z" "$TEST_TMP/out"
# The hostile name escaped, never raw.
expect_grep "^patch +=1\+1\\\\u202etxt\.exe +$P " "$TEST_TMP/out"
LC_ALL=C grep -q "$(printf '\342\200\256')" "$TEST_TMP/out" && fail "a raw U+202E in the table"

# CSV: a header and one row per member.
expect_rc 0 $PDC --format csv plan plan-night
expect_grep '^instance_id,action,reason,detail,name,platform,account,region,' "$TEST_TMP/out"
[ "$(grep -c "^i-" "$TEST_TMP/out")" -eq 9 ] || fail "csv: 9 rows expected"
expect_grep "^$N,excluded,not_managed,not managed by SSM,role-N,linux," "$TEST_TMP/out"
expect_grep "^$P,patch,,,'=1\+1\\\\u202etxt\.exe,linux," "$TEST_TMP/out"

# Another date: the exception is over, so X is patched.
expect_rc 0 $PDC --format json plan plan-night --date "$FAR"
"$PY" -c '
import json, sys
plan = json.load(open(sys.argv[1]))
m = {x["instance_id"]: x for x in plan["members"]}
assert plan["date"] == sys.argv[3], plan["date"]
assert m[sys.argv[2]]["action"] == "patch", m[sys.argv[2]]
assert plan["in_progress"] is False
' "$TEST_TMP/out" "$X" "$FAR" || fail "plan --date $FAR"

# --refresh with an exceptions table that is not there: exit 1, said,
# the plan still made from what the cache holds.
{ printf '[general]\nexceptions_table = no-such-table\n\n'; cat "$CFG"; } >"$TEST_TMP/config-notable"
expect_rc 1 "$PD" --config "$TEST_TMP/config-notable" --cache "$TEST_TMP/cache.db" \
	--format json plan plan-night --refresh
expect_grep 'plan: refresh exceptions no-such-table: .*ResourceNotFoundException.*\(previous records kept\)' "$TEST_TMP/err"
"$PY" -c '
import json, sys
m = {x["instance_id"]: x for x in json.load(open(sys.argv[1]))["members"]}
assert len(m) == 9, len(m)
' "$TEST_TMP/out" || fail "the plan after a failed refresh"

# A date without an occurrence, and one that is not a date.
expect_rc 2 $PDC plan mon-0100 --date 2026-12-08
expect_grep "window mon-0100 has no occurrence on 2026-12-08 \(a Tuesday; next: " "$TEST_TMP/err"
expect_rc 2 $PDC plan plan-night --date 2026-02-30
expect_grep "not a date" "$TEST_TMP/err"
echo "ok"
