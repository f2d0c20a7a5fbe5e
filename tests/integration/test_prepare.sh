#!/bin/sh
# `patchdeck prepare` and `prepare --undo` against tests/sim (issue #9
# points 6 and 9): of five members of a window, the stopped ones are
# tagged patchdeck:started-for=WINDOW@DATE and started, a running one and
# one with an approved exception record are left alone (a PatchException
# tag alone excepts nothing); the started ones come Online after the
# simulator's boot delay, one (sim:boot=never) does not and is named (exit
# 4); Ctrl-C stops a wait; --undo stops exactly the tagged ones (never the
# one running before), removes the tag, and a second --undo changes
# nothing.  Also: dry runs change nothing, read-only and a missing --yes
# without a terminal are refused, a date the window does not start on and
# an unreadable EC2 change nothing, the audit log has intent and result
# with the ids and the caller, a failed batch is sent again one instance
# per call (one bad id fails only itself), an instance outside the window
# is untouched, one account under two targets lists each instance once,
# and on a terminal (tmux) the question names the count and the ids while
# an instance started by hand meanwhile is not taken for ours.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
# 3 simulated (= wall) seconds from StartInstances to the agent Online.
sim_start --seed 5 --fleet 12 --boot-delay 3

export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
CFG="$TEST_TMP/config"
cat >"$CFG" <<'CONF'
[general]
prepare_timeout = 1m

[window prep-win]
schedule = daily 02:00
duration = 1h
timezone = Europe/Berlin

[window weekly]
schedule = sun 02:00
duration = 1h
timezone = Europe/Berlin
CONF
PDC="$PD --config $CFG --cache $TEST_TMP/cache.db"

# boto3 against the simulator: ec2 ACTION ARGS (see the cases below).
ec2() {
	"$PY" - "$@" <<'PYEOF'
import sys, boto3
ec2 = boto3.client("ec2")
act, args = sys.argv[1], sys.argv[2:]
if act == "ids":            # N instance ids, running, no sim faults
    out = []
    for r in ec2.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            t = {x["Key"]: x["Value"] for x in i.get("Tags", [])}
            if i["State"]["Name"] == "running" and not any(
                    k.startswith("sim:") for k in t):
                out.append(i["InstanceId"])
    print(" ".join(sorted(out)[:int(args[0])]))
elif act == "tag":          # tag KEY VALUE ID...
    ec2.create_tags(Resources=args[2:], Tags=[{"Key": args[0], "Value": args[1]}])
elif act == "untag":        # untag KEY ID...
    ec2.delete_tags(Resources=args[1:], Tags=[{"Key": args[0]}])
elif act == "stop":
    ec2.stop_instances(InstanceIds=args)
elif act == "start":
    ec2.start_instances(InstanceIds=args)
elif act == "show":         # show KEY ID...: "ID STATE VALUE" lines
    r = ec2.describe_instances(InstanceIds=args[1:])
    for res in r["Reservations"]:
        for i in res["Instances"]:
            t = {x["Key"]: x["Value"] for x in i.get("Tags", [])}
            print(i["InstanceId"], i["State"]["Name"], t.get(args[0], "-"))
PYEOF
}

IDS=$(ec2 ids 6)
set -- $IDS
[ $# -eq 6 ] || fail "expected 6 running instances, got '$IDS'"
A=$1 B=$2 C=$3 D=$4 E=$5 F=$6
# A, B, C stopped members (C never boots); D running member; E stopped
# member with an approved exception record covering the night; F
# stopped, other window.
ec2 tag PatchWindow prep-win $A $B $C $D $E || fail "tagging"
ec2 tag PatchWindow other-win $F || fail "tagging"
ec2 tag sim:boot never $C || fail "tagging"
# E's exception is an approved record (cached by `exceptions list`); A's
# is a tag no record backs, which leaves nothing out (as the plan).
ec2 tag PatchException 2000-01-01..2099-12-31 $A || fail "tagging"
"$PY" - "$E" <<'PYEOF' || fail "exception record"
import datetime, sys, boto3
ddb = boto3.client("dynamodb")
today = datetime.datetime.now(datetime.timezone.utc).date()
d = lambda n: (today + datetime.timedelta(days=n)).isoformat()
ddb.create_table(TableName="patchdeck-exceptions",
                 KeySchema=[{"AttributeName": "instance_id", "KeyType": "HASH"},
                            {"AttributeName": "exception_id", "KeyType": "RANGE"}],
                 AttributeDefinitions=[{"AttributeName": "instance_id", "AttributeType": "S"},
                                       {"AttributeName": "exception_id", "AttributeType": "S"}],
                 BillingMode="PAY_PER_REQUEST")
item = {"instance_id": sys.argv[1], "exception_id": "x001", "starts": d(-30),
        "ends": d(30), "reason": "audit", "ticket": "CHG-1",
        "requested_by": "arn:aws:iam::123456789012:user/alice",
        "requested_at": d(-40) + "T10:00:00Z", "status": "APPROVED",
        "decided_by": "arn:aws:sts::123456789012:assumed-role/Approvers/bob",
        "decided_at": d(-39) + "T10:00:00Z"}
ddb.put_item(TableName="patchdeck-exceptions", Item={k: {"S": v} for k, v in item.items()})
PYEOF
ec2 stop $A $B $C $E $F || fail "stopping"
ec2 show patchdeck:started-for $A $B $C $D $E $F | sort >"$TEST_TMP/before"

# 1. Dry run: lists, changes nothing, audits nothing.  Without the
# records in the cache, E is not known to be excepted (and it says so).
expect_rc 0 $PDC --dry-run --format json prepare prep-win
expect_grep 'no exception records in the cache' "$TEST_TMP/err"
expect_rc 0 $PDC exceptions list
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --dry-run --format json prepare prep-win
"$PY" - "$TEST_TMP/out" "$A" "$B" "$C" "$D" "$E" <<'PYEOF' || fail "dry-run json"
import json, sys
doc = json.load(open(sys.argv[1]))
a, b, c, d, e = sys.argv[2:]
acts = {m["instance_id"]: m["action"] for m in doc["instances"]}
assert acts == {a: "start", b: "start", c: "start", d: "running", e: "excepted"}, acts
assert doc["dry_run"] is True and doc["tag"] == "prep-win@" + doc["date"], doc
PYEOF
DATE=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["date"])' "$TEST_TMP/out")
expect_grep 'dry run: 3 instance\(s\) would be tagged and started; no change was made' "$TEST_TMP/err"
[ "$(sim_op_count StartInstances)" -eq 0 ] && [ "$(sim_op_count CreateTags)" -eq 0 ] ||
	fail "the dry run changed something"
[ ! -s "$AUDIT" ] || fail "the dry run wrote to the audit log"

# 1b. One account and region configured under two targets: each instance
# is one member (of the first target by name), not two.
{ cat "$CFG"; printf '\n[target one]\nregions = us-east-1\n\n[target two]\nregions = us-east-1\n'; } >"$CFG.two"
expect_rc 0 $PD --config "$CFG.two" --cache "$TEST_TMP/cache.db" --dry-run --format json prepare prep-win
"$PY" - "$TEST_TMP/out" <<'PYEOF' || fail "two targets, one account: members repeated"
import json, sys
doc = json.load(open(sys.argv[1]))
ids = [m["instance_id"] for m in doc["instances"]]
assert len(ids) == 5 and len(set(ids)) == 5, ids
assert all(m["target"] == "one/us-east-1" for m in doc["instances"]), doc
PYEOF
expect_grep 'two/us-east-1: 5 instance\(s\) in the window' "$TEST_TMP/err"

# 2. Refusals: read-only; no terminal and no --yes (exit 2); a date the
# window does not start on is not a date of this window... (daily: any
# date is), so a malformed one.
expect_rc 1 $PDC --read-only prepare prep-win
expect_grep 'read-only mode' "$TEST_TMP/err"
expect_rc 2 $PDC prepare prep-win </dev/null
expect_grep 'refused: tag and start 3 instance\(s\) needs --yes without a terminal' "$TEST_TMP/err"
expect_rc 2 $PDC prepare prep-win --date 2026-13-01
expect_rc 2 $PDC prepare no-such-window
# 2030-01-07 is a Monday: the weekly window does not start then.
expect_rc 2 $PDC prepare weekly --date 2030-01-07
expect_grep 'window weekly has no occurrence on 2030-01-07 \(a Monday; next: 2030-01-13\)' "$TEST_TMP/err"
# EC2 cannot be read: nothing is decided on half a fleet, nothing changes.
sim_post /_sim/faults/queue '{"op": "DescribeInstances", "faults": [{"status": 403, "code": "UnauthorizedOperation", "message": "queued by test_prepare"}]}' >/dev/null ||
	fail "queueing a fault"
expect_rc 1 $PDC --yes prepare prep-win
expect_grep 'nothing was changed: DescribeInstances default/us-east-1: UnauthorizedOperation' "$TEST_TMP/err"
[ "$(sim_op_count StartInstances)" -eq 0 ] || fail "a refusal started instances"
[ ! -s "$AUDIT" ] || fail "a refusal wrote to the audit log"
ec2 show patchdeck:started-for $A $B $C $D $E $F | sort >"$TEST_TMP/after"
cmp -s "$TEST_TMP/before" "$TEST_TMP/after" || fail "a refusal changed instances"

# 3. For real: A and B come Online, C never does (exit 4, named).
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 4 timeout 200 $PDC --yes --format json prepare prep-win
expect_grep "did not come Online within 60 s: $C\$" "$TEST_TMP/err"
expect_grep 'prepare: waiting for 3 instance\(s\) to come Online' "$TEST_TMP/err"
"$PY" - "$TEST_TMP/out" "$A" "$B" "$C" "$D" "$E" <<'PYEOF' || fail "prepare json"
import json, sys
doc = json.load(open(sys.argv[1]))
a, b, c, d, e = sys.argv[2:]
m = {x["instance_id"]: x for x in doc["instances"]}
for i in (a, b):
    assert m[i]["action"] == "start" and m[i]["acted"] and m[i]["tagged"], m[i]
    assert m[i]["came_online"] is True and m[i]["error"] is None, m[i]
assert m[c]["acted"] and m[c]["came_online"] is False, m[c]
assert m[c]["ping"] == "ConnectionLost", m[c]
assert m[d]["action"] == "running" and not m[d]["acted"], m[d]
assert m[e]["action"] == "excepted" and not m[e]["acted"], m[e]
PYEOF
[ "$(sim_op_count StartInstances)" -eq 1 ] || fail "expected one StartInstances for 3 ids"
[ "$(sim_op_count CreateTags)" -eq 1 ] || fail "expected one CreateTags for 3 ids"
ec2 show patchdeck:started-for $A $B $C $D $E $F | sort >"$TEST_TMP/after"
for i in $A $B $C; do
	expect_grep "^$i running prep-win@$DATE\$" "$TEST_TMP/after"
done
expect_grep "^$D running -\$" "$TEST_TMP/after"
expect_grep "^$E stopped -\$" "$TEST_TMP/after"
expect_grep "^$F stopped -\$" "$TEST_TMP/after"
# Audit: intent and result, same action id, the ids.
"$PY" - "$AUDIT" "$A" "$B" "$C" <<'PYEOF' || fail "audit log"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2, lines
i, r = lines
assert i["phase"] == "intent" and r["phase"] == "result", lines
assert i["action"] == r["action"] == "prepare" and i["action_id"] == r["action_id"]
ids = sorted(x["instance_id"] for x in i["instances"] if x["action"] == "start")
assert ids == sorted(sys.argv[2:]), ids
assert r["outcome"] == "not_ready", r
assert i["callers"]["default/us-east-1"].startswith("arn:aws:iam::"), i
late = [x for x in r["instances"] if x.get("came_online") is False]
assert [x["instance_id"] for x in late] == [sys.argv[4]], late
PYEOF

# 3b. Again, with A, B, C running and tagged: nothing to start, only a
# wait (not audited); Ctrl-C stops the wait: C is named, exit 4.
lines=$(wc -l <"$AUDIT")
# (a fresh file: the last one says "waiting for" too, and the shell may
# look before the background command has truncated it)
rm -f "$TEST_TMP/err"
$PDC --yes prepare prep-win >"$TEST_TMP/out" 2>"$TEST_TMP/err.bg" &
pid=$!
n=0
until grep -q 'waiting for 3 instance' "$TEST_TMP/err.bg" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 600 ] || { kill $pid; fail "prepare did not start waiting"; }
	sleep 0.1
done
kill -INT $pid
wait $pid
rc=$?
mv "$TEST_TMP/err.bg" "$TEST_TMP/err"
[ $rc -eq 4 ] || { cat "$TEST_TMP/err"; fail "Ctrl-C: exit $rc, expected 4"; }
expect_grep 'no more waiting \(cancelled\)' "$TEST_TMP/err"
expect_grep "not Online when the wait was cancelled: $C\$" "$TEST_TMP/err"
expect_grep "^$A .* wait +online" "$TEST_TMP/out"
[ "$(wc -l <"$AUDIT")" -eq "$lines" ] || fail "a wait-only prepare was audited"

# 4. Undo: dry run first, then for real: A, B, C stopped and untagged; D
# (running before) never stopped.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --dry-run prepare --undo prep-win
expect_grep "^$A .* stop " "$TEST_TMP/out"
expect_no_grep "^$D " "$TEST_TMP/out"
[ "$(sim_op_count StopInstances)" -eq 0 ] || fail "the undo dry run stopped instances"
expect_rc 2 $PDC prepare --undo prep-win --date "$DATE" </dev/null
expect_rc 0 $PDC --yes prepare --undo prep-win --date "$DATE"
expect_grep "prepare --undo: prep-win@$DATE: 3 stopped, 3 untagged" "$TEST_TMP/err"
ec2 show patchdeck:started-for $A $B $C $D $E $F | sort >"$TEST_TMP/after"
for i in $A $B $C; do
	expect_grep "^$i stopped -\$" "$TEST_TMP/after"
done
expect_grep "^$D running -\$" "$TEST_TMP/after"
[ "$(tail -n 1 "$AUDIT" | grep -c '"action":"prepare.undo".*"phase":"result"\|"phase":"result".*"action":"prepare.undo"')" -eq 1 ] ||
	fail "no undo result in the audit log"

# 5. A second undo changes nothing (and sends no change).
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --yes prepare --undo prep-win
expect_grep 'nothing to do' "$TEST_TMP/err"
[ "$(sim_op_count StopInstances)" -eq 0 ] && [ "$(sim_op_count DeleteTags)" -eq 0 ] ||
	fail "the second undo made changes"

# 6. One bad id in a batch fails only itself: B is tagged by hand for
# this date while stopped (undo: untag only) and an instance id that does
# not exist cannot be made; instead A is terminated-like: tag A for the
# date, then queue one InvalidInstanceID fault on the first DeleteTags:
# the batch is sent again one id per call.
ec2 tag patchdeck:started-for "prep-win@$DATE" $A $B || fail "tagging"
sim_post /_sim/faults/queue '{"op": "DeleteTags", "faults": [{"status": 400, "code": "InvalidInstanceID.NotFound", "message": "queued by test_prepare"}]}' >/dev/null ||
	fail "queueing a fault"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --yes prepare --undo prep-win --date "$DATE"
[ "$(sim_op_count DeleteTags)" -eq 3 ] || fail "expected 1 failed + 2 single DeleteTags, got $(sim_op_count DeleteTags)"
expect_grep 'sending one instance per call' "$TEST_TMP/err"
ec2 show patchdeck:started-for $A $B | sort >"$TEST_TMP/after"
expect_grep "^$A stopped -\$" "$TEST_TMP/after"
expect_grep "^$B stopped -\$" "$TEST_TMP/after"

# 7. StartInstances fails for one instance: the batch fails, is sent again
# one id per call, and the first of those to reach the simulator fails
# too (two queued faults; the three single calls are in flight together,
# so which one is not fixed): that one (X) is named with the error and
# loses its tag again; the other two start and come Online (C boots this
# time).  Exit 1.
ec2 untag sim:boot $C || fail "untagging"
sim_post /_sim/faults/queue '{"op": "StartInstances", "faults": [{"status": 400, "code": "IncorrectInstanceState", "message": "queued by test_prepare"}, {"status": 400, "code": "IncorrectInstanceState", "message": "queued by test_prepare"}]}' >/dev/null ||
	fail "queueing a fault"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 1 timeout 200 $PDC --yes --format json prepare prep-win
[ "$(sim_op_count StartInstances)" -eq 4 ] || fail "expected 1 failed batch + 3 single StartInstances, got $(sim_op_count StartInstances)"
"$PY" - "$TEST_TMP/out" "$A" "$B" "$C" >"$TEST_TMP/x" <<'PYEOF' || fail "prepare json with a failed start"
import json, sys
doc = json.load(open(sys.argv[1]))
m = {x["instance_id"]: x for x in doc["instances"]}
bad = [i for i in sys.argv[2:] if m[i]["error"] is not None]
assert len(bad) == 1, [m[i] for i in sys.argv[2:]]
x = bad[0]
assert "StartInstances: IncorrectInstanceState" in m[x]["error"], m[x]
assert not m[x]["acted"] and m[x]["untagged"], m[x]
for i in sys.argv[2:]:
    if i != x:
        assert m[i]["acted"] and m[i]["came_online"] is True, m[i]
print(x)
PYEOF
X=$(cat "$TEST_TMP/x")
ec2 show patchdeck:started-for $A $B $C $D | sort >"$TEST_TMP/after"
for i in $A $B $C; do
	if [ "$i" = "$X" ]; then
		expect_grep "^$i stopped -\$" "$TEST_TMP/after"
	else
		expect_grep "^$i running prep-win@$DATE\$" "$TEST_TMP/after"
	fi
done
tail -n 1 "$AUDIT" | grep -q '"outcome":"partial"' || fail "audit result not partial"

# 8. Again: X is started now; the other two (started by the last
# prepare) are only waited for.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 timeout 200 $PDC --yes --format json prepare prep-win
"$PY" - "$TEST_TMP/out" "$X" "$A" "$B" "$C" <<'PYEOF' || fail "prepare json, second run"
import json, sys
doc = json.load(open(sys.argv[1]))
x = sys.argv[2]
m = {i["instance_id"]: i for i in doc["instances"]}
for i in sys.argv[3:]:
    assert m[i]["action"] == ("start" if i == x else "wait"), m[i]
    assert m[i]["came_online"] is True, m[i]
PYEOF
[ "$(sim_op_count StartInstances)" -eq 1 ] || fail "expected one StartInstances"

# 9. Undo: A, B, C stopped; D never.
expect_rc 0 $PDC --yes prepare --undo prep-win
expect_grep "prepare --undo: prep-win@$DATE: 3 stopped, 3 untagged" "$TEST_TMP/err"
ec2 show patchdeck:started-for $A $B $C $D | sort >"$TEST_TMP/after"
expect_grep "^$D running -\$" "$TEST_TMP/after"
for i in $A $B $C; do
	expect_grep "^$i stopped -\$" "$TEST_TMP/after"
done
# 10. On a terminal (tmux): the question names the count and the ids.
# While it waits, someone starts A by hand: StartInstances then finds A
# running, so A is not counted as started by prepare and loses the tag
# again (an undo must never stop it); B and C are started.
. tests/integration/console_lib.sh
trap 'tm_cleanup; sim_stop' EXIT
tm_launcher "$TEST_TMP/launch" XDG_STATE_HOME="$XDG_STATE_HOME" -- \
	--config "$CFG" --cache "$TEST_TMP/cache.db" prepare prep-win
tm_start 200 50 "$TEST_TMP/launch"
tm_wait "prepare: tag and start 3 instance\(s\): $A, $B, $C\? \[y/N\]" "the question"
ec2 start $A || fail "starting A by hand"
tm_type y
tm_keys Enter
tm_wait '^EXITED [0-9]+' "the end of prepare"
expect_grep '^EXITED 0$' "$TEST_TMP/screen"
expect_grep "^$A .*running already \(started by someone else\)" "$TEST_TMP/screen"
expect_grep "^$B .* start +online" "$TEST_TMP/screen"
tm_stop
ec2 show patchdeck:started-for $A $B $C | sort >"$TEST_TMP/after"
expect_grep "^$A running -\$" "$TEST_TMP/after"
expect_grep "^$B running prep-win@$DATE\$" "$TEST_TMP/after"
expect_grep "^$C running prep-win@$DATE\$" "$TEST_TMP/after"
expect_rc 0 $PDC --yes prepare --undo prep-win
ec2 show patchdeck:started-for $A $B $C $D | sort >"$TEST_TMP/after"
expect_grep "^$A running -\$" "$TEST_TMP/after"
expect_grep "^$B stopped -\$" "$TEST_TMP/after"
expect_grep "^$C stopped -\$" "$TEST_TMP/after"
expect_grep "^$D running -\$" "$TEST_TMP/after"

# 11. Undo without --date when instances are tagged for two dates of the
# window: it names both and changes nothing; with --date, that one only.
ec2 tag patchdeck:started-for prep-win@2026-01-01 $B || fail "tagging"
ec2 tag patchdeck:started-for prep-win@2026-01-02 $C || fail "tagging"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 1 $PDC --yes prepare --undo prep-win
expect_grep 'tagged for prep-win on several dates \(2026-01-01, 2026-01-02\); name one with --date' "$TEST_TMP/err"
[ "$(sim_op_count DeleteTags)" -eq 0 ] || fail "an undo of several dates changed tags"
expect_rc 0 $PDC --yes prepare --undo prep-win --date 2026-01-01
expect_grep 'prep-win@2026-01-01: 0 stopped, 1 untagged' "$TEST_TMP/err"
ec2 show patchdeck:started-for $B $C | sort >"$TEST_TMP/after"
expect_grep "^$B stopped -\$" "$TEST_TMP/after"
expect_grep "^$C stopped prep-win@2026-01-02\$" "$TEST_TMP/after"
echo "test_prepare: ok"
