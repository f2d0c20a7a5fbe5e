#!/bin/sh
# Tonight's overview in the console and the plan pane, at chosen instants
# around the autumn DST change in Berlin (2026-10-25, 03:00 CEST -> 02:00
# CET), "now" set by the LD_PRELOAD shim fakenow.so (no switch in
# patchdeck):
#   Sat 2026-10-24 22:20 UTC: sat-2200 (UTC) is running, sun-0200 (Berlin)
#     opens in 1 h 40 min (02:00 CEST = 00:00 UTC), tue-2200 (Berlin) is
#     next Tue 22:00 Berlin; they sort in that order (the config lists
#     them the other way round); sun-0200's members at risk are counted;
#     Tab / h / l move the focus; Enter opens sun-0200's plan pane, with
#     every action and reason, trouble first; Enter there opens an
#     instance, Esc comes back;
#   Sun 2026-10-25 01:30 UTC, after the clocks went back: sun-0200 is
#     running with 1 h 30 min left (3 real hours, to 04:00 CET);
#   Sat 2026-10-31 23:30 UTC: sun-0200 opens in 1 h 30 min (02:00 CET =
#     01:00 UTC; in summer time it would have been 30 min), after
#     sat-2200, which runs.
. tests/integration/lib.sh
. tests/integration/console_lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
SHIM="$ROOT/${B:-build}/tests/fakenow.so"
[ -e "$SHIM" ] || fail "$SHIM is missing: make ${B:-build}/tests/fakenow.so"
sim_start --seed 5 --fleet 40
trap 'tm_cleanup; sim_stop' EXIT

CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
cat >"$CFG" <<'CONF'
[window tue-2200]
schedule = tue 22:00
duration = 1h
timezone = Europe/Berlin

[window sun-0200]
schedule = sun 02:00
duration = 3h
timezone = Europe/Berlin

[window sat-2200]
schedule = sat 22:00
duration = 2h
CONF
PDC="$PD --config $CFG --cache $CACHE"

sim_exceptions_table

# sun-0200's members: P patched, O offline, S stopped, U an unapproved
# exception tag, X excepted by an approved record; every other instance
# of the fleet moved to the other two windows.
"$PY" - >"$TEST_TMP/roles" <<'PYEOF' || fail "scenario setup"
import boto3
ec2 = boto3.client("ec2")
ddb = boto3.client("dynamodb")
ids, alive = [], []
for page in ec2.get_paginator("describe_instances").paginate():
    for res in page["Reservations"]:
        for i in res["Instances"]:
            if i["State"]["Name"] == "running":
                ids.append(i["InstanceId"])
            if i["State"]["Name"] not in ("terminated", "shutting-down"):
                alive.append(i["InstanceId"])
            tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
            if "PatchException" in tags:
                ec2.delete_tags(Resources=[i["InstanceId"]],
                                Tags=[{"Key": "PatchException"}])
ids.sort()
roles = dict(zip("POSUX", ids))
rest = sorted(set(alive) - set(roles.values()))
ec2.create_tags(Resources=rest[::2], Tags=[{"Key": "PatchWindow", "Value": "tue-2200"}])
ec2.create_tags(Resources=rest[1::2], Tags=[{"Key": "PatchWindow", "Value": "sat-2200"}])
for r, i in roles.items():
    ec2.create_tags(Resources=[i], Tags=[
        {"Key": "PatchWindow", "Value": "sun-0200"},
        {"Key": "Name", "Value": "member-" + r},
        {"Key": "sim:fail", "Value": "none"}])
ec2.create_tags(Resources=[roles["O"]], Tags=[{"Key": "sim:offline", "Value": "1"}])
ec2.create_tags(Resources=[roles["U"]],
                Tags=[{"Key": "PatchException", "Value": "2026-10-20..2026-10-30"}])
ec2.create_tags(Resources=[roles["X"]],
                Tags=[{"Key": "PatchException", "Value": "2026-10-20..2026-10-30"}])
ec2.stop_instances(InstanceIds=[roles["S"]])
ddb.put_item(TableName="patchdeck-exceptions", Item={k: {"S": v} for k, v in {
    "instance_id": roles["X"], "exception_id": "exc-x", "starts": "2026-10-20",
    "ends": "2026-10-30", "reason": "quarter close", "ticket": "CHG-9",
    "requested_by": "arn:aws:iam::123456789012:user/alice",
    "requested_at": "2026-10-01T10:00:00Z", "status": "APPROVED",
    "decided_by": "arn:aws:iam::123456789012:user/bob",
    "decided_at": "2026-10-02T10:00:00Z"}.items()})
for r, i in sorted(roles.items()):
    print("%s=%s" % (r, i))
PYEOF
. "$TEST_TMP/roles"
expect_rc 0 timeout 120 $PDC sync
expect_rc 0 $PDC exceptions list

# The console at an instant; no refresh can reach AWS (a closed port), so
# what is drawn is the cache as set up above.
console_at() {
	tm_stop
	tm_launcher "$TEST_TMP/launch.sh" TERM=xterm-256color LANG=C.UTF-8 \
		LC_ALL= LD_PRELOAD="$SHIM" FAKENOW="$1" \
		AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		-- --config "$CFG" --cache "$CACHE"
	tm_start "${2:-140}" 40 "$TEST_TMP/launch.sh"
	tm_wait '^WINDOWS' "the windows pane"
}

# The windows pane's lines (left of its border), blanks squeezed.
side() {
	tm_cap
	sed 's/[│|].*//' "$TEST_TMP/screen" | sed -n '2,20p' | tr -s ' ' |
		sed 's/ $//' >"$TEST_TMP/side"
}

# 1. Sat 2026-10-24 22:20 UTC.
console_at 1792880400
tm_wait 'opens in 1 h 40 min' "sun-0200 opening (CEST)"
side
"$PY" - "$TEST_TMP/side" <<'PYEOF' || { cat "$TEST_TMP/side"; fail "the overview at 22:20 UTC"; }
import sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip()]
want = ["WINDOWS",
        "sat-2200", "running, 1 h 40 min left",
        "sun-0200 5", "opens in 1 h 40 min", "off 1 stop 1 pre ?", "tag 1 exc 1",
        "tue-2200", "next Tue 22:00 Berlin"]
# Member counts of the other two depend on the fleet: only their place.
got = [l.split(" ")[0] if l.startswith(("sat-", "tue-")) else l for l in lines]
w = [x.split(" ")[0] if x.startswith(("sat-", "tue-")) else x for x in want]
pos = 0
for x in w:
    assert x in got[pos:], (x, got)
    pos = got.index(x, pos) + 1
assert got.index("sat-2200") < got.index("sun-0200 5") < got.index("tue-2200"), got
PYEOF

# Focus: Tab to the windows pane, j to sun-0200, Enter: its plan.
tm_keys Tab
tm_wait '^WINDOWS \(Enter: plan\)' "the windows pane in focus"
tm_keys j Enter
tm_wait '^ *plan sun-0200 +2026-10-25 02:00 CEST \.\. 2026-10-25 04:00 CET' "the plan pane's title"
tm_wait '5 members: 1 unreachable, 1 wake, 1 excluded, 2 patch' "the plan's counts"
tm_wait 'pre-checks failing \?' "pre-checks unknown, not 0"
tm_cap
cp "$TEST_TMP/screen" "$TEST_TMP/plan-screen"
"$PY" - "$TEST_TMP/plan-screen" "$O" "$S" "$X" "$U" "$P" <<'PYEOF' || { cat "$TEST_TMP/plan-screen"; fail "the plan pane"; }
import re, sys
screen = open(sys.argv[1]).read().splitlines()
O, S, X, U, P = sys.argv[2:]
rows = [l for l in screen if re.match(r"^ (unreachable|wake|excluded|patch) ", l)]
ids = [re.search(r"i-[0-9a-f]+", l).group(0) for l in rows]
assert ids == [O, S, X, U, P], (ids, rows)
assert "last ping" in rows[0], rows[0]
assert "started 15 min before the window" in rows[1], rows[1]
assert "exception exc-x approved 2026-10-20..2026-10-30: quarter close" in rows[2], rows[2]
assert "exception tag not approved: patched anyway" in rows[3], rows[3]
PYEOF
tm_keys Enter
tm_wait "^ *$O +member-O" "the instance opened from the plan"
tm_keys Escape
tm_wait '^ *plan sun-0200' "back to the plan"
tm_keys Escape
tm_wait '^WINDOWS \(Enter: plan\)' "back to the overview"
# l gives the table the keys again, h the windows.
tm_keys l
tm_wait_gone '^WINDOWS \(Enter: plan\)' "l: the table in focus"
tm_keys h
tm_wait '^WINDOWS \(Enter: plan\)' "h: the windows in focus"
# A narrow screen: the pane in focus takes it whole.
tm_resize 80 30
tm_wait '^sun-0200 ' "the windows pane alone at 80 columns"
# The plan pane at 80 columns: the platform column goes, nothing wider.
tm_keys Enter
tm_wait "^ unreachable +member-O +$O +- +SSM ConnectionLost" "the plan at 80 columns"
tm_cap
tm_max_width 80 || fail "a line of the plan pane is wider than 80 columns"
tm_keys Escape
tm_wait '^sun-0200 ' "back to the windows pane at 80 columns"
tm_keys Tab
tm_wait_gone '^WINDOWS' "the table alone at 80 columns"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"

# 2. Sun 2026-10-25 01:30 UTC, an hour and a half after the clocks went
#    back: running, 3 real hours, so until 03:00 UTC (04:00 CET).
console_at 1792891800
tm_wait 'running, 1 h 30 min left' "sun-0200 running across the change"
side
expect_grep '^sun-0200 5$' "$TEST_TMP/side"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"

# 3. Sat 2026-10-31 23:30 UTC: in CET now, so 02:00 is 01:00 UTC.
console_at 1793489400
tm_wait 'opens in 1 h 30 min' "sun-0200 opening (CET)"
side
grep -n 'opens in 1 h 30 min' "$TEST_TMP/side" | head -n 1 >"$TEST_TMP/at"
grep -n '^sun-0200 ' "$TEST_TMP/side" | head -n 1 >>"$TEST_TMP/at"
# sat-2200 runs (22:00-00:00 UTC), so it comes first; sun-0200 next, its
# state just under it.
expect_grep '^6:sun-0200 5$' "$TEST_TMP/at"
expect_grep '^7:opens in 1 h 30 min$' "$TEST_TMP/at"
expect_grep '^running, 30 min left$' "$TEST_TMP/side"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"
echo "ok"
