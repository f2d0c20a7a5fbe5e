#!/bin/sh
# Self-service tags against tests/sim: `window assign` (dry run, for real,
# read-only, unknown window, unknown id), `window clear`, `owner set`; the
# audit log (intent + result, same action id, the ids); one CreateTags
# call for 3 ids; `instances` in json, csv and table (a hostile value
# escaped in the table, raw in json, CSV injection defused); `windows`.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 11 --fleet 30

export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
CFG="$TEST_TMP/config"
cat >"$CFG" <<'CONF'
[window sun-0200]
schedule = sun 02:00
duration = 3h
timezone = Europe/Berlin

[window tue-2200]
schedule = tue 22:00
duration = 1h30m
CONF
PDC="$PD --config $CFG --cache $TEST_TMP/cache.db"

# boto3's view of one tag of some instances: "ID=VALUE" lines (- if none).
aws_tag() {
	key=$1
	shift
	"$PY" - "$key" "$@" <<'PYEOF'
import sys, boto3
key, ids = sys.argv[1], sys.argv[2:]
ec2 = boto3.client("ec2")
r = ec2.describe_instances(InstanceIds=ids)
for res in r["Reservations"]:
    for i in res["Instances"]:
        tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
        print("%s=%s" % (i["InstanceId"], tags.get(key, "-")))
PYEOF
}

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

expect_rc 0 timeout 120 $PDC sync
expect_rc 0 $PDC instances --format json
"$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 30, len(rows)
ids = sorted(r["id"] for r in rows if r["window"] != "tue-2200")[:3]
print(" ".join(ids))
' "$TEST_TMP/out" >"$TEST_TMP/ids" || fail "instances --format json"
IDS=$(cat "$TEST_TMP/ids")
set -- $IDS
[ $# -eq 3 ] || fail "expected 3 ids, got '$IDS'"
ID1=$1 ID2=$2 ID3=$3
aws_tag PatchWindow $IDS >"$TEST_TMP/before"

# 1. Dry run: prints the call, makes none, writes no audit entry.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --dry-run window assign tue-2200 $IDS
expect_grep "^would call: CreateTags default/us-east-1 PatchWindow=tue-2200 on 3 instance\(s\): $ID1 $ID2 $ID3$" "$TEST_TMP/out"
expect_grep 'dry run: 3 instance\(s\), 1 call\(s\) would be made' "$TEST_TMP/out"
[ "$(sim_ops all)" -eq 0 ] || fail "the dry run sent AWS requests"
aws_tag PatchWindow $IDS >"$TEST_TMP/after"
cmp -s "$TEST_TMP/before" "$TEST_TMP/after" || fail "the dry run changed tags"
[ ! -s "$AUDIT" ] || fail "the dry run wrote to the audit log"

# 2. For real: one CreateTags for 3 ids, tags changed, audited, cached.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC window assign tue-2200 $IDS
expect_grep '^  ok$' "$TEST_TMP/out"
expect_grep '3 of 3 instance\(s\) changed in 1 of 1 call\(s\)' "$TEST_TMP/out"
[ "$(sim_ops CreateTags)" -eq 1 ] || fail "expected 1 CreateTags call, got $(sim_ops CreateTags)"
aws_tag PatchWindow $IDS >"$TEST_TMP/after"
[ "$(grep -c '=tue-2200$' "$TEST_TMP/after")" -eq 3 ] || { cat "$TEST_TMP/after"; fail "tags not set in the sim"; }
[ -f "$AUDIT" ] || fail "no audit log at $AUDIT"
[ "$(stat -c %a "$AUDIT")" = 600 ] || fail "audit log mode $(stat -c %a "$AUDIT")"
[ "$(stat -c %a "$(dirname "$AUDIT")")" = 700 ] || fail "audit folder mode"
"$PY" - "$AUDIT" "$ID1" "$ID2" "$ID3" <<'PYEOF' || fail "audit log content"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2, lines
i, r = lines
assert i["phase"] == "intent" and r["phase"] == "result", lines
assert i["action_id"] == r["action_id"] and len(i["action_id"]) == 32
assert i["action"] == r["action"] == "window.assign"
assert i["requested"] == "tue-2200" and i["dry_run"] is False
assert i["time"].endswith("Z") and "T" in i["time"]
for e in (i, r):
    (c,) = e["calls"]
    assert c["op"] == "CreateTags" and c["region"] == "us-east-1", c
    assert c["caller"].startswith("arn:aws:"), c
    assert c["ids"] == sys.argv[2:], c
    assert c["set"] == {"PatchWindow": "tue-2200"}, c
assert r["outcome"] == "ok" and r["calls"][0]["outcome"] == "ok", r
PYEOF
if grep -F -q -- "$AWS_SECRET_ACCESS_KEY" "$AUDIT"; then
	fail "the secret key is in the audit log"
fi
expect_rc 0 $PDC instances --format json --window tue-2200
"$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
got = {r["id"] for r in rows}
assert set(sys.argv[2:]) <= got, (got, sys.argv[2:])
assert all(r["tags"]["PatchWindow"] == "tue-2200" for r in rows)
' "$TEST_TMP/out" $IDS || fail "the cache does not show the new window"

# 3. Read-only (flag and configuration): refused before any request.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 1 $PDC --read-only window assign sun-0200 $ID1
expect_grep 'read-only mode \(--read-only\)' "$TEST_TMP/err"
cp "$CFG" "$CFG.ro"
printf '[general]\nread_only = true\n' >>"$CFG.ro"
expect_rc 1 $PD --config "$CFG.ro" --cache "$TEST_TMP/cache.db" window clear $ID1
expect_grep 'read-only mode \(read_only = true' "$TEST_TMP/err"
[ "$(sim_ops all)" -eq 0 ] || fail "read-only mode sent AWS requests"
[ "$(wc -l <"$AUDIT")" -eq 2 ] || fail "a refused change was audited"

# 4. Unknown window, unknown id: refused, naming them.
expect_rc 1 $PDC window assign fri-0300 $ID1
expect_grep "window 'fri-0300' is not defined in the configuration; defined: sun-0200, tue-2200" "$TEST_TMP/err"
expect_rc 1 $PDC window assign sun-0200 $ID1 i-0000000000nothere
expect_grep 'not in the cache.*i-0000000000nothere; run `patchdeck sync`' "$TEST_TMP/err"
expect_no_grep "$ID1" "$TEST_TMP/err"
# The same ids twice: each named once, each instance changed once.
expect_rc 1 $PDC window assign sun-0200 i-0000000000nothere $ID1 i-0000000000nothere $ID1
expect_grep ': 1 id\(s\) not in the cache of a configured target: i-0000000000nothere; run' "$TEST_TMP/err"
expect_rc 0 $PDC --dry-run window assign sun-0200 $ID1 $ID1
expect_grep 'dry run: 1 instance\(s\), 1 call\(s\)' "$TEST_TMP/out"
[ "$(sim_ops all)" -eq 0 ] || fail "a refused change sent AWS requests"
expect_rc 2 $PDC window assign sun-0200 --dryrun $ID1

# 5. The audit log cannot be written (here: a folder stands in its
#    place, which stops root too): refused, nothing sent.
mkdir -p "$TEST_TMP/badstate/patchdeck/audit.log"
sim_post /_sim/log/clear '{}' >/dev/null
XDG_STATE_HOME="$TEST_TMP/badstate" expect_rc 1 $PDC window clear $ID1
expect_grep 'refused: audit log .*no change is made without an audit record' "$TEST_TMP/err"
[ "$(sim_ops all)" -eq 0 ] || fail "an unaudited change was sent"

# 6. Clear: one DeleteTags for 2 ids.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC window clear $ID1 $ID2
[ "$(sim_ops DeleteTags)" -eq 1 ] || fail "expected 1 DeleteTags"
aws_tag PatchWindow $ID1 $ID2 $ID3 >"$TEST_TMP/after"
expect_grep "^$ID1=-$" "$TEST_TMP/after"
expect_grep "^$ID2=-$" "$TEST_TMP/after"
expect_grep "^$ID3=tue-2200$" "$TEST_TMP/after"
tail -n 1 "$AUDIT" | grep -q '"action":"window.clear".*"removed":\["PatchWindow"\]' ||
	fail "no window.clear result in the audit log"

# 7. Owner: a hostile value (RIGHT-TO-LEFT OVERRIDE) and a formula.
EVIL=$(printf 'evil\342\200\256gpj.exe')
expect_rc 0 $PDC owner set "$EVIL" $ID1
expect_rc 0 $PDC owner set '=HYPERLINK("x")' $ID2
aws_tag Owner $ID1 >"$TEST_TMP/after"
grep -F -q "$ID1=$EVIL" "$TEST_TMP/after" || fail "owner not set raw in the sim"
expect_rc 0 env LC_ALL=C.UTF-8 $PDC instances --filter "$ID1"
if grep -F -q "$EVIL" "$TEST_TMP/out"; then
	fail "the table shows a bidi override raw"
fi
expect_grep 'evil\\u202egpj\.exe' "$TEST_TMP/out"
expect_grep '^1 of 30 instance\(s\); data from (less than a minute|[0-9]+ min) ago$' "$TEST_TMP/out"
expect_rc 0 env LC_ALL=C $PDC instances --filter "$ID1"
expect_grep 'evil\\xe2\\x80\\xaegpj\.exe' "$TEST_TMP/out"
expect_rc 0 $PDC instances --format json --filter "$ID1"
"$PY" -c '
import json, sys
(r,) = json.load(open(sys.argv[1]))
assert r["owner"] == sys.argv[2] and r["tags"]["Owner"] == sys.argv[2], r
' "$TEST_TMP/out" "$EVIL" || fail "json does not keep the raw owner"
expect_rc 0 $PDC instances --format csv --sort owner,-id
"$PY" -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][0] == "name" and rows[0][-1] == "owner", rows[0]
assert len(rows) == 31, len(rows)
owners = [r[-1] for r in rows[1:]]
assert "'"'"'=HYPERLINK(\"x\")" in owners, owners
assert not any(o.startswith("=") for o in owners), owners
' "$TEST_TMP/out" || fail "csv output"
expect_rc 2 $PDC owner set "$(printf 'a\033b')" $ID1
expect_grep 'owner holds a control character' "$TEST_TMP/err"
expect_rc 2 $PDC instances --sort nosuchcolumn

# 8. Conditions and table shape.
expect_rc 0 $PDC instances --window tue-2200 --state running --sort -name
expect_grep '^NAME +ID +ACCOUNT +REGION +STATE ' "$TEST_TMP/out"
expect_rc 2 $PDC instances --tag-state
expect_rc 0 $PDC instances --tag-state 'no window'
expect_grep "$ID1" "$TEST_TMP/out"

# The refresh syncs first: the sim's tags, the same rows.
expect_rc 0 $PDC instances --refresh --format json --window tue-2200
"$PY" -c '
import json, sys
ids = {r["id"] for r in json.load(open(sys.argv[1]))}
assert sys.argv[2] in ids and sys.argv[3] not in ids, ids
' "$TEST_TMP/out" "$ID3" "$ID1" || fail "instances --refresh"

# 9. windows: both, with the next start in local time and UTC.
expect_rc 0 $PDC windows
expect_grep '^sun-0200  sun 02:00, 3h, Europe/Berlin$' "$TEST_TMP/out"
expect_grep '^tue-2200  tue 22:00, 1h30m, UTC$' "$TEST_TMP/out"
expect_grep '^    (next:|now: ) Sun [0-9-]+ 02:00 CES?T \.\. Sun [0-9-]+ 05:00 CES?T  \(UTC ' "$TEST_TMP/out"
expect_grep '^    members: [0-9]+ \(' "$TEST_TMP/out"
expect_rc 0 $PDC windows --format json
"$PY" -c '
import json, sys
w = json.load(open(sys.argv[1]))
assert [x["id"] for x in w] == ["sun-0200", "tue-2200", None], w
assert all(x["start_utc"].endswith("Z") for x in w[:2]), w
assert w[1]["members"] >= 1 and w[1]["duration_min"] == 90, w
assert sum(x["members"] for x in w) == 30, w
' "$TEST_TMP/out" || fail "windows --format json"
expect_rc 0 $PDC windows --format csv
expect_grep '^id,schedule,duration_min,timezone,' "$TEST_TMP/out"
expect_rc 0 $PDC window --help
expect_rc 0 $PDC instances --help
expect_rc 0 $PDC windows --help
expect_rc 0 $PDC owner --help
echo "window assign: ok"
