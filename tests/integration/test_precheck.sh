#!/bin/sh
# `patchdeck precheck` against tests/sim: 300 members of one window, each
# given a pre-check fate (tests/sim/world.py PRECHECK_FATES) so every
# failure kind shows: JSON checked instance by instance against what its
# fate, platform and state must give, exit 4, failed first in the table,
# CSV; one SendCommand by tag and the tag gone afterwards; the audit log;
# the cache rows; --instances; S3 objects when [results] bucket is set;
# --dry-run sends nothing; read-only refuses.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 9 --fleet 300 --time-scale 60

export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
CFG="$TEST_TMP/config"
cat >"$CFG" <<'CONF'
[window sun-0200]
schedule = sun 02:00
duration = 3h
timezone = Europe/Berlin

[precheck]
min_free_mb = 1024
min_free_pct = 10
mounts = /, /var
repo_url_prefixes = https://mirror.example.com/
max_load1 = 8
CONF
PDC="$PD --config $CFG --cache $TEST_TMP/cache.db"

# Every instance into the window, a fate each (round robin), the
# pre-check document registered; prints the fates as JSON.
"$PY" - "$ROOT/data/ssm/patchdeck-precheck.json" >"$TEST_TMP/fates.json" <<'PYEOF'
import json, sys, boto3
ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
ssm.create_document(Content=open(sys.argv[1]).read(), Name="patchdeck-precheck",
                    DocumentType="Command", DocumentFormat="JSON")
fates = ["ok", "disk", "repo_unreachable", "repo_url", "pkg_lock", "reboot_pending",
         "load", "agent_offline", "status_check", "undeliverable", "timeout",
         "malformed", "hostile"]
out = {}
ids = []
for res in ec2.describe_instances()["Reservations"]:
    for i in res["Instances"]:
        if i["State"]["Name"] == "terminated":
            continue
        ids.append(i["InstanceId"])
ids.sort()
for n in range(0, len(ids), 500):
    ec2.create_tags(Resources=ids[n:n + 500], Tags=[{"Key": "PatchWindow", "Value": "sun-0200"}])
    ec2.delete_tags(Resources=ids[n:n + 500], Tags=[{"Key": "PatchException"}])
for k, i in enumerate(ids):
    out[i] = fates[k % len(fates)]
print(json.dumps(out))
PYEOF
sim_post /_sim/precheck "{\"fates\": $(cat "$TEST_TMP/fates.json")}" >/dev/null ||
	fail "POST /_sim/precheck"

sim_ops() {
	sim_get /_sim/log | "$PY" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e.get("op") == sys.argv[1]))' "$1"
}

expect_rc 0 timeout 120 $PDC sync
expect_rc 0 $PDC precheck --help
expect_grep '^usage: patchdeck \[global options\] precheck WINDOW' "$TEST_TMP/out"
expect_rc 2 $PDC precheck
expect_rc 2 $PDC precheck sun-0200 --bogus

# 1. --dry-run: the calls, nothing sent.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --dry-run precheck sun-0200
expect_grep '^would call: default/us-east-1: SendCommand patchdeck-precheck Targets tag:patchdeck:precheck=pc-' "$TEST_TMP/out"
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "the dry run sent a command"
[ "$(sim_ops CreateTags)" -eq 0 ] || fail "the dry run tagged"

# --date: an occurrence on that local date (a Sunday), or none.
SUN=$("$PY" -c 'import datetime as d; t=d.date.today(); print(t + d.timedelta(days=(6 - t.weekday()) % 7 + 7))')
MON=$("$PY" -c 'import datetime as d; t=d.date.today(); print(t + d.timedelta(days=(7 - t.weekday()) % 7 + 7))')
expect_rc 0 $PDC --dry-run precheck sun-0200 --date "$SUN"
expect_grep "^dry run: [0-9]+ member\\(s\\), [0-9]+ to be sent the pre-check" "$TEST_TMP/out"
expect_rc 2 $PDC --dry-run precheck sun-0200 --date "$MON"
expect_grep "window sun-0200 has no occurrence on $MON" "$TEST_TMP/err"
expect_rc 2 $PDC --dry-run precheck sun-0200 --date 2026-13-01
expect_grep "not a date" "$TEST_TMP/err"

# 2. Read-only: refused, exit 1, nothing sent.
expect_rc 1 $PDC --read-only precheck sun-0200
expect_grep 'read-only' "$TEST_TMP/err"
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "read-only sent a command"

# --cached before any pre-check: every member unknown, exit 4, nothing sent.
expect_rc 4 $PDC --read-only --format json precheck sun-0200 --cached
"$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows and all(r["result"] == "unknown" and r["checked_at"] is None for r in rows), rows[:2]' \
	"$TEST_TMP/out" || fail "--cached before any pre-check"

# 3. The pre-check of every member, JSON: exit 4.  One member is
# terminated after the sync: the cache still says running.
GONE=$("$PY" -c '
import json, sys, boto3
f = json.load(open(sys.argv[1]))
ec2 = boto3.client("ec2")
run = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"] if i["State"]["Name"] == "running" and f[i["InstanceId"]] == "ok")
ec2.terminate_instances(InstanceIds=[run[0]])
print(run[0])' "$TEST_TMP/fates.json")
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 4 timeout 300 $PDC --format json precheck sun-0200
cp "$TEST_TMP/out" "$TEST_TMP/pc.json"
if LC_ALL=C grep -q "$(printf '\033')" "$TEST_TMP/pc.json"; then fail "a raw ESC in the JSON"; fi
expect_grep '^precheck: (status|tag|send|wait|untag|judge)' "$TEST_TMP/err"
[ "$(sim_ops SendCommand)" -eq 1 ] || fail "$(sim_ops SendCommand) SendCommands, expected 1 (by tag)"
"$PY" - "$TEST_TMP/pc.json" "$TEST_TMP/fates.json" <<'PYEOF' || fail "JSON verdicts"
import json, sys, boto3
rows = json.load(open(sys.argv[1]))
fates = json.load(open(sys.argv[2]))
ec2 = boto3.client("ec2")
info = {}
for res in ec2.describe_instances()["Reservations"]:
    for i in res["Instances"]:
        info[i["InstanceId"]] = (i["State"]["Name"], i.get("Platform") == "windows")
assert len(rows) == len(fates), (len(rows), len(fates))
assert any(info[r["instance_id"]][0] == "terminated" for r in rows), "no terminated member"
assert len(rows) >= 250, len(rows)
kinds = {"disk", "repo_unreachable", "repo_url", "pkg_lock", "reboot_pending",
         "agent_offline", "status_check", "no_result"}
linux = {"ok": [], "hostile": [], "disk": ["disk"], "repo_unreachable": ["repo_unreachable"],
         "repo_url": ["repo_url"], "pkg_lock": ["pkg_lock"],
         "reboot_pending": ["reboot_pending"], "load": ["status_check"],
         "agent_offline": ["agent_offline"], "status_check": ["status_check"],
         "undeliverable": ["no_result"], "timeout": ["no_result"], "malformed": ["no_result"]}
reason = {"undeliverable": "undeliverable", "timeout": "timed out", "malformed": "parse error"}
seen = set()
failed_seen = False
bad = []
for k, r in enumerate(rows):
    for key in ("instance_id", "result", "failures", "run_id", "window", "account", "region",
                "name", "platform", "status", "started_at", "ended_at", "disk", "repo",
                "repo_urls", "pkg_lock", "uptime_s", "load1", "reboot_pending", "error"):
        assert key in r, (key, r)
    i = r["instance_id"]
    state, win = info[i]
    fate = fates[i]
    if state == "terminated":
        assert r["failures"] == ["agent_offline"] and "terminated" in r["reason"], r
        continue
    if state != "running" or fate == "agent_offline":
        want = ["agent_offline"]
        if state == "running" and fate == "status_check":
            want.append("status_check")
    elif fate == "status_check":
        want = ["status_check"]
    elif win:
        want = []
    else:
        want = linux[fate]
    got = r["failures"]
    assert set(got) <= kinds, got
    if sorted(got) != sorted(want):
        bad.append((i, fate, state, win, got, want, r.get("reason")))
    assert r["result"] == ("fail" if want else "pass"), r
    if fate in reason and want == ["no_result"]:
        assert reason[fate] in r["error"], (fate, r["error"])
    if not win and state == "running" and fate in ("ok", "hostile"):
        assert r["disk"][0]["mount"] == "/" and r["repo"] == "ok", r
    if fate == "hostile" and not win and state == "running":
        assert "\x1b]0;pwned\x07" in r["output_tail"], r["output_tail"]
    seen.update(got)
    # Failed first.
    if r["result"] == "pass":
        failed_seen = True
    else:
        assert not failed_seen, "a failed row after a passing one"
    assert r["window"] == "sun-0200"
assert not bad, bad[:5]
assert seen == kinds, kinds - seen
print("ok", len(rows))
PYEOF
# The tag is gone; the audit log has the command and both tag changes.
"$PY" - <<'PYEOF' || fail "patchdeck:precheck tags left behind"
import boto3
r = boto3.client("ec2").describe_tags(Filters=[{"Name": "key", "Values": ["patchdeck:precheck"]}])
assert not r["Tags"], r["Tags"][:3]
PYEOF
for a in precheck.send precheck.tag precheck.untag; do
	[ "$(grep -c "\"action\":\"$a\"" "$AUDIT")" -ge 2 ] || fail "audit log: no intent and result for $a"
done
# The cache holds the latest verdict of each member.
n=$("$PY" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT count(*) FROM prechecks WHERE failed = 1").fetchone()[0],
      db.execute("SELECT count(*) FROM prechecks").fetchone()[0])' "$TEST_TMP/cache.db")
nfail=$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(x["result"]=="fail" for x in r), len(r))' "$TEST_TMP/pc.json")
[ "$n" = "$nfail" ] || fail "cache rows '$n', expected '$nfail'"

# --cached now: the verdicts just stored, read-only, nothing sent.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 4 $PDC --read-only --format json precheck sun-0200 --cached
"$PY" - "$TEST_TMP/out" "$TEST_TMP/pc.json" <<'PYEOF' || fail "--cached"
import json, sys
cached = {r["instance_id"]: r for r in json.load(open(sys.argv[1]))}
ran = json.load(open(sys.argv[2]))
assert len(cached) == len(ran)
for r in ran:
    c = cached[r["instance_id"]]
    assert c["result"] == r["result"] and sorted(c["failures"]) == sorted(r["failures"]), (c, r)
    assert c["age_s"] is not None and 0 <= c["age_s"] < 600, c
PYEOF
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "--cached sent a command"
expect_rc 4 $PDC precheck sun-0200 --cached
expect_grep '^RESULT +INSTANCE +NAME +REGION +CHECKED' "$TEST_TMP/out"
expect_grep 'from the cache; nothing was sent' "$TEST_TMP/out"

# 4. Table and CSV (again, the same fates).
expect_rc 4 timeout 300 $PDC precheck sun-0200
expect_grep '^RESULT +INSTANCE +NAME' "$TEST_TMP/out"
sed -n 2p "$TEST_TMP/out" | grep -q '^FAIL ' || fail "the table does not start with a failure"
tail -n 1 "$TEST_TMP/out" | grep -Eq '^[0-9]+ member\(s\): [0-9]+ passed, [0-9]+ failed' || fail "no summary line"
if LC_ALL=C grep -q "$(printf '\033')" "$TEST_TMP/out"; then fail "raw ESC in the table"; fi
expect_rc 4 timeout 300 $PDC --format csv precheck sun-0200
expect_grep '^instance_id,name,account,region,platform,result,failures,reason,status,run_id$' "$TEST_TMP/out"
expect_grep ',fail,disk,' "$TEST_TMP/out"
expect_grep ',fail,no_result,' "$TEST_TMP/out"

# 5. --instances: exactly those (an ok one passes, exit 0).
OK3=$("$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1])); f = json.load(open(sys.argv[2]))
ok = [r["instance_id"] for r in rows if r["result"] == "pass" and r["platform"] == "linux"
      and f[r["instance_id"]] == "ok"]
print(" ".join(ok[:3]))' "$TEST_TMP/pc.json" "$TEST_TMP/fates.json")
set -- $OK3
[ $# -eq 3 ] || fail "no three passing Linux members"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 timeout 120 $PDC --format json precheck --instances $OK3
"$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert sorted(r["instance_id"] for r in rows) == sorted(sys.argv[2:]), rows
assert all(r["result"] == "pass" and r["failures"] == [] for r in rows)' "$TEST_TMP/out" $OK3 ||
	fail "--instances"
[ "$(sim_ops SendCommand)" -eq 1 ] || fail "--instances: not one SendCommand"
expect_rc 2 $PDC precheck --instances i-00000000deadbeef0
expect_grep 'not in the cache' "$TEST_TMP/err"
expect_rc 2 $PDC precheck no-such-window
expect_grep "unknown window 'no-such-window'" "$TEST_TMP/err"

# 6. With [results] bucket: one object per member, one JSON line each.
"$PY" -c 'import boto3; boto3.client("s3").create_bucket(Bucket="pc-results")'
cat "$CFG" >"$TEST_TMP/config-s3"
printf '\n[results]\nbucket = pc-results\nprefix = pd\n' >>"$TEST_TMP/config-s3"
expect_rc 0 timeout 120 $PD --config "$TEST_TMP/config-s3" --cache "$TEST_TMP/cache.db" \
	--format json precheck --instances $OK3
"$PY" - "$TEST_TMP/out" $OK3 <<'PYEOF' || fail "S3 objects"
import json, sys, boto3
rows = json.load(open(sys.argv[1]))
run = rows[0]["run_id"]
s3 = boto3.client("s3")
objs = s3.list_objects_v2(Bucket="pc-results", Prefix="pd/prechecks/")["Contents"]
keys = sorted(o["Key"] for o in objs)
assert len(keys) == 3, keys
for k in keys:
    parts = k.split("/")
    assert parts[2].startswith("dt=") and len(parts[2]) == 13, k
    assert parts[3] == "run=" + run, k
    body = s3.get_object(Bucket="pc-results", Key=k)["Body"].read().decode()
    assert body.endswith("\n") and body.count("\n") == 1, body
    o = json.loads(body)
    assert parts[4] == o["instance_id"] + ".json", k
    assert o["result"] == "pass" and o["failures"] == [] and o["error"] == ""
    assert isinstance(o["disk"], list) and isinstance(o["repo_urls"], list)
    for col in ("run_id", "window", "account", "region", "instance_id", "name", "platform",
                "status", "started_at", "ended_at", "disk", "repo", "repo_urls", "pkg_lock",
                "uptime_s", "load1", "reboot_pending", "result", "failures", "error"):
        assert col in o, col
print("ok")
PYEOF
echo ok
