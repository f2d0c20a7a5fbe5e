#!/bin/sh
# `patchdeck precheck WINDOW --fix KIND` against tests/sim: 300 members of
# one window, each given a pre-check fate (every failure kind); a fix of
# each fixable kind (disk, repo for repo_unreachable and repo_url,
# pkg_lock) followed by a passing pre-check of those instances; pkg_lock
# needs --force for the running package manager; --dry-run sends nothing
# and changes nothing; read-only refuses; no terminal and no --yes: exit 2;
# a kind without a fix: exit 2; the audit log has intent and result;
# --instances names why a member is left alone; with a cache that holds
# no pre-check, the members are pre-checked before the fix.
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
repo_map = http://untrusted.example.net/ -> https://mirror.example.com/
CONF
PDC="$PD --config $CFG --cache $TEST_TMP/cache.db"

# Every instance into the window, a fate each (round robin), both
# documents registered; prints the fates as JSON.
"$PY" - "$ROOT/data/ssm" >"$TEST_TMP/fates.json" <<'PYEOF'
import json, sys, boto3
ec2 = boto3.client("ec2")
ssm = boto3.client("ssm")
for name in ("patchdeck-precheck", "patchdeck-fix"):
    ssm.create_document(Content=open("%s/%s.json" % (sys.argv[1], name)).read(), Name=name,
                        DocumentType="Command", DocumentFormat="JSON")
fates = ["ok", "disk", "repo_unreachable", "repo_url", "pkg_lock", "reboot_pending",
         "load", "agent_offline", "status_check", "undeliverable", "timeout",
         "malformed", "hostile"]
ids = sorted(i["InstanceId"] for res in ec2.describe_instances()["Reservations"]
             for i in res["Instances"] if i["State"]["Name"] != "terminated")
for n in range(0, len(ids), 500):
    ec2.create_tags(Resources=ids[n:n + 500], Tags=[{"Key": "PatchWindow", "Value": "sun-0200"}])
    ec2.delete_tags(Resources=ids[n:n + 500], Tags=[{"Key": "PatchException"}])
print(json.dumps({i: fates[k % len(fates)] for k, i in enumerate(ids)}))
PYEOF
sim_post /_sim/precheck "{\"fates\": $(cat "$TEST_TMP/fates.json")}" >/dev/null ||
	fail "POST /_sim/precheck"

sim_ops() {
	sim_get /_sim/log | "$PY" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e.get("op") == sys.argv[1]))' "$1"
}
fates_now() {
	sim_get /_sim/precheck >"$TEST_TMP/fates-now.json"
}
audit_fix_lines() {
	if [ -f "$AUDIT" ]; then grep -c '"action":"precheck.fix"' "$AUDIT"; else echo 0; fi
}

expect_rc 0 timeout 120 $PDC sync
# The pre-check that the fixes start from (cached): some members fail.
expect_rc 4 timeout 300 $PDC --format json precheck sun-0200
cp "$TEST_TMP/out" "$TEST_TMP/before.json"

# The members a fix of KIND must act on: running Linux members whose
# pre-check failed with a kind KIND repairs.
want_ids() {
	"$PY" - "$TEST_TMP/before.json" "$1" <<'PYEOF'
import json, sys
rows = json.load(open(sys.argv[1]))
kinds = {"disk": {"disk"}, "repo": {"repo_unreachable", "repo_url"},
         "pkg_lock": {"pkg_lock"}}[sys.argv[2]]
print(" ".join(sorted(r["instance_id"] for r in rows
                      if r["platform"] == "linux" and kinds & set(r["failures"]))))
PYEOF
}

# 1. --dry-run: the calls it would make, nothing sent, nothing changed.
fates_now
cp "$TEST_TMP/fates-now.json" "$TEST_TMP/fates-0.json"
DISK=$(want_ids disk)
set -- $DISK
NDISK=$#
[ "$NDISK" -ge 10 ] || fail "only $NDISK members fail with disk"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --dry-run precheck sun-0200 --fix disk
expect_grep "^would call: SendCommand default/us-east-1 patchdeck-fix Kind=disk Force=false on $NDISK instance\(s\): " "$TEST_TMP/out"
expect_grep "dry run: $NDISK instance\(s\), 1 call\(s\) would be made" "$TEST_TMP/out"
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "the dry run sent a command"
[ "$(audit_fix_lines)" -eq 0 ] || fail "the dry run wrote to the audit log"
fates_now
cmp -s "$TEST_TMP/fates-0.json" "$TEST_TMP/fates-now.json" || fail "the dry run changed a fate"

# 2. Read-only: refused, exit 1, nothing sent.
expect_rc 1 $PDC --read-only precheck sun-0200 --fix disk
expect_grep 'read-only' "$TEST_TMP/err"
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "read-only sent a command"

# 3. No terminal and no --yes: exit 2, nothing sent.
expect_rc 2 $PDC precheck sun-0200 --fix disk </dev/null
expect_grep "needs --yes without a terminal" "$TEST_TMP/err"
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "a fix without --yes sent a command"
[ "$(audit_fix_lines)" -eq 0 ] || fail "a refused fix wrote to the audit log"

# 4. Kinds without a fix, a wrong one, --force alone: exit 2.
expect_rc 2 $PDC --yes precheck sun-0200 --fix reboot_pending
expect_grep 'reboot_pending has no fix' "$TEST_TMP/err"
expect_rc 2 $PDC --yes precheck sun-0200 --fix everything
expect_rc 2 $PDC --yes precheck sun-0200 --force
grep -v '^repo_map' "$CFG" >"$TEST_TMP/config-nomap"
expect_rc 1 $PD --config "$TEST_TMP/config-nomap" --cache "$TEST_TMP/cache.db" --yes \
	precheck sun-0200 --fix repo
expect_grep 'refused: the repository fix needs \[precheck\] repo_map' "$TEST_TMP/err"
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "a repo fix without repo_map sent a command"
expect_rc 2 $PDC --yes precheck no-such-window --fix disk
expect_grep "unknown window 'no-such-window'" "$TEST_TMP/err"
expect_rc 2 $PDC --yes precheck sun-0200 --fix disk --instances i-00000000deadbeef0
expect_grep 'not members of the window on that date: i-00000000deadbeef0' "$TEST_TMP/err"

# 5. Each fixable kind: one command per 50 instances, then the pre-check
# of the same instances passes (exit 0), before -> after in the JSON.
check_fixed() {
	"$PY" - "$TEST_TMP/out" "$1" "$2" $3 <<'PYEOF' || fail "fix $1: JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
kind, status, want = sys.argv[2], sys.argv[3], sorted(sys.argv[4:])
kinds = {"disk": {"disk"}, "repo": {"repo_unreachable", "repo_url"},
         "pkg_lock": {"pkg_lock"}}[kind]
assert doc["kind"] == kind and doc["window"] == "sun-0200", doc
got = sorted(x["instance_id"] for x in doc["instances"])
assert got == want, (len(got), len(want))
for x in doc["instances"]:
    assert x["fix"]["status"] == status, x
    assert x["before"]["result"] == "fail" and kinds & set(x["before"]["failures"]), x
    if status == "ok":
        assert x["after"] == {"result": "pass", "failures": []}, x
        assert x["fix"]["changed"], x
    else:
        assert x["after"]["result"] == "fail" and "pkg_lock" in x["after"]["failures"], x
        assert "Force=true" in x["fix"]["error"], x
assert doc["still_failing"] == (0 if status == "ok" else len(want)), doc["still_failing"]
print("ok", kind, len(got))
PYEOF
}
for kind in disk repo; do
	IDS=$(want_ids $kind)
	set -- $IDS
	n=$#
	[ "$n" -ge 10 ] || fail "only $n members fail with $kind"
	sim_post /_sim/log/clear '{}' >/dev/null
	before=$(audit_fix_lines)
	expect_rc 0 timeout 300 $PDC --yes --format json precheck sun-0200 --fix $kind
	check_fixed $kind ok "$IDS"
	# the fix by ids, 50 a call, and one pre-check by tag
	sends=$(( (n + 49) / 50 + 1 ))
	[ "$(sim_ops SendCommand)" -eq "$sends" ] ||
		fail "fix $kind: $(sim_ops SendCommand) SendCommands, expected $sends"
	[ "$(audit_fix_lines)" -eq $((before + 2)) ] || fail "fix $kind: no intent and result in the audit log"
	expect_grep '^precheck --fix: fix: [0-9]+/[0-9]+ instance\(s\) done' "$TEST_TMP/err"
done
grep '"action":"precheck.fix"' "$AUDIT" | tail -n 1 >"$TEST_TMP/audit-last"
expect_grep '"phase":"result".*"kind":"repo"' "$TEST_TMP/audit-last"
expect_grep '"outcome":"ok"' "$TEST_TMP/audit-last"

# 6. pkg_lock: a running package manager; without --force the fix is
# skipped and the pre-check still fails (exit 4); with it, passes.
LOCK=$(want_ids pkg_lock)
set -- $LOCK
[ $# -ge 10 ] || fail "only $# members fail with pkg_lock"
expect_rc 4 timeout 300 $PDC --yes --format json precheck sun-0200 --fix pkg_lock
check_fixed pkg_lock skipped "$LOCK"
expect_rc 0 timeout 300 $PDC --yes precheck sun-0200 --fix pkg_lock --force
expect_grep "^i-[0-9a-f]+ +pkg_lock +ok +fail: pkg_lock -> pass" "$TEST_TMP/out"
expect_grep "^precheck --fix: $# instance\(s\) fixed with pkg_lock; $# pass their pre-check now, 0 still fail" "$TEST_TMP/out"

# 7. A fresh pre-check of the window: no fixable failure left, the others
# stay (exit 4); a fix now has nothing to do (exit 0, nothing sent).
expect_rc 4 timeout 300 $PDC --format json precheck sun-0200
cp "$TEST_TMP/out" "$TEST_TMP/after.json"
"$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
left = [r for r in rows if r["platform"] == "linux" and
        {"disk", "repo_unreachable", "repo_url", "pkg_lock"} & set(r["failures"])]
assert not left, left[:3]
assert any("reboot_pending" in r["failures"] for r in rows)' "$TEST_TMP/out" ||
	fail "fixable failures left after the fixes"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --yes precheck sun-0200 --fix disk
expect_grep 'nothing to do' "$TEST_TMP/out"
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "a fix with nothing to do sent a command"

# 8. --instances: a passing member and one that failed with another kind
# are named with the reason they are left alone.
set -- $("$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
p = [r["instance_id"] for r in rows if r["result"] == "pass"][0]
b = [r["instance_id"] for r in rows if "reboot_pending" in r["failures"]][0]
print(p, b)' "$TEST_TMP/after.json")
expect_rc 0 $PDC --yes precheck sun-0200 --fix disk --instances "$1" "$2"
expect_grep "^$1 +not fixed: passed its pre-check" "$TEST_TMP/out"
expect_grep "^$2 +not fixed: fails with reboot_pending" "$TEST_TMP/out"
# The same in JSON and CSV: still machine-readable with nothing fixed.
expect_rc 0 $PDC --yes --format json precheck sun-0200 --fix disk --instances "$1" "$2"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["instances"] == [] and d["still_failing"] == 0, d
assert sorted(x["instance_id"] for x in d["skipped"]) == sorted(sys.argv[2:]), d' "$TEST_TMP/out" "$1" "$2" ||
	fail "--format json with nothing to fix"
expect_rc 0 $PDC --yes --format csv precheck sun-0200 --fix disk --instances "$1" "$2"
[ "$(cat "$TEST_TMP/out")" = "instance_id,target,fix_status,freed_mb,changed,error,before,after,after_reason" ] ||
	fail "--format csv with nothing to fix: $(cat "$TEST_TMP/out")"

# 9. A cache that has never seen a pre-check: the members are pre-checked
# first, then the ones failing with disk are fixed and pass.
set -- $("$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
print(" ".join([r["instance_id"] for r in rows if r["result"] == "pass"
                and r["platform"] == "linux"][:3]))' "$TEST_TMP/after.json")
[ $# -eq 3 ] || fail "no three passing Linux members"
sim_post /_sim/precheck "{\"fates\": {\"$1\": \"disk\", \"$2\": \"disk\", \"$3\": \"disk\"}}" >/dev/null ||
	fail "POST /_sim/precheck"
PDN="$PD --config $CFG --cache $TEST_TMP/new.db"
expect_rc 0 timeout 120 $PDN sync
# without --yes and a terminal: refused before the pre-check is sent
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 2 $PDN precheck sun-0200 --fix disk </dev/null
expect_grep 'needs --yes without a terminal' "$TEST_TMP/err"
[ "$(sim_ops SendCommand)" -eq 0 ] || fail "a pre-check was sent before the refusal"
expect_rc 0 timeout 300 $PDN --yes --format json precheck sun-0200 --fix disk
check_fixed disk ok "$*"
expect_grep '^precheck --fix: pre-check: judge' "$TEST_TMP/err"
[ "$(grep -n 'pre-check: judge' "$TEST_TMP/err" | head -n 1 | cut -d: -f1)" -lt \
	"$(grep -n 'fix: [0-9]*/[0-9]* instance' "$TEST_TMP/err" | head -n 1 | cut -d: -f1)" ] ||
	fail "the members were not pre-checked before the fix"

# 10. CSV: one row per instance fixed, before and after.
sim_post /_sim/precheck "{\"fates\": {\"$1\": \"disk\"}}" >/dev/null || fail "POST /_sim/precheck"
expect_rc 4 timeout 300 $PDN precheck sun-0200 --instances "$1"
expect_rc 0 timeout 300 $PDN --yes --format csv precheck sun-0200 --fix disk --instances "$1"
expect_grep '^instance_id,target,fix_status,freed_mb,changed,error,before,after,after_reason$' "$TEST_TMP/out"
expect_grep "^$1,default/us-east-1,ok,[0-9]+,[^,]*clean all; journalctl --vacuum-size=200M|^$1,default/us-east-1,ok,[0-9]+,apt-get clean; journalctl" "$TEST_TMP/out"
expect_grep "^$1,.*,fail: disk,pass,\$" "$TEST_TMP/out"
[ "$(wc -l <"$TEST_TMP/out")" -eq 2 ] || fail "CSV: not one row"
echo ok
