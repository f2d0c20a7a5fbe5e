#!/bin/sh
# The plan pane's p and U against tests/sim, in tmux: from the windows
# pane (Tab, Enter) to the plan; p lists from EC2, asks naming the count
# and the stopped members' ids (not the one an approved exception keeps
# out), marked as a change to AWS; y tags and starts them and waits for
# SSM Online; c stops waiting for the one that never boots, and the
# outcome says so; the plan follows (the started member is patched now,
# not woken); U asks, stops both and removes the tag; the member running
# before and the excepted one are never touched; both audited.  P
# opens the pre-check pane for the plan's window and date; back in the
# plan, the failed verdict is counted and shown on its member, first.
# Then --read-only refuses p, U and P, --dry-run changes nothing.
. tests/integration/lib.sh
. tests/integration/console_lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 5 --fleet 30 --boot-delay 2 --time-scale 10
trap 'tm_cleanup; sim_stop' EXIT

export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
cat >"$CFG" <<'CONF'
[general]
prepare_timeout = 1m

[window plan-night]
schedule = daily 03:00
duration = 2h
CONF
PDC="$PD --config $CFG --cache $CACHE"

# Four members: R running, S stopped, W stopped and never to boot
# (sim:boot=never), E stopped and excepted by an approved record; no
# other instance in the window.
sim_exceptions_table
"$PY" - "$ROOT/data/ssm/patchdeck-precheck.json" >"$TEST_TMP/roles" <<'PYEOF' || fail "scenario setup"
import datetime, sys, boto3
boto3.client("ssm").create_document(Content=open(sys.argv[1]).read(),
                                    Name="patchdeck-precheck",
                                    DocumentType="Command", DocumentFormat="JSON")
ec2 = boto3.client("ec2")
run = []
for page in ec2.get_paginator("describe_instances").paginate():
    for res in page["Reservations"]:
        for i in res["Instances"]:
            tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
            for k in ("PatchWindow", "PatchException"):
                if k in tags:
                    ec2.delete_tags(Resources=[i["InstanceId"]], Tags=[{"Key": k}])
            if i["State"]["Name"] == "running":
                run.append(i["InstanceId"])
run.sort()
R, S, W, E = run[0], run[1], run[2], run[3]
for r, i in (("R", R), ("S", S), ("W", W), ("E", E)):
    ec2.create_tags(Resources=[i], Tags=[
        {"Key": "PatchWindow", "Value": "plan-night"},
        {"Key": "Name", "Value": "member-" + r},
        {"Key": "sim:fail", "Value": "none"}])
ec2.create_tags(Resources=[W], Tags=[{"Key": "sim:boot", "Value": "never"}])
ec2.stop_instances(InstanceIds=[S, W, E])
today = datetime.datetime.now(datetime.timezone.utc).date()
d = lambda n: (today + datetime.timedelta(days=n)).isoformat()
ec2.create_tags(Resources=[E], Tags=[{"Key": "PatchException",
                                      "Value": "%s..%s" % (d(-1), d(3))}])
boto3.client("dynamodb").put_item(TableName="patchdeck-exceptions", Item={
    k: {"S": v} for k, v in {
        "instance_id": E, "exception_id": "exc-e", "starts": d(-1),
        "ends": d(3), "reason": "freeze", "status": "APPROVED",
        "requested_by": "arn:aws:iam::123456789012:user/alice",
        "decided_by": "arn:aws:iam::123456789012:user/bob"}.items()})
for r, i in (("R", R), ("S", S), ("W", W), ("E", E)):
    print("%s=%s" % (r, i))
PYEOF
. "$TEST_TMP/roles"
expect_rc 0 timeout 120 $PDC sync
expect_rc 0 $PDC exceptions list

# "ID STATE STARTED-FOR" of R, S, W and E, from boto3.
show() {
	"$PY" - "$R" "$S" "$W" "$E" <<'PYEOF'
import sys, boto3
r = boto3.client("ec2").describe_instances(InstanceIds=sys.argv[1:])
for res in r["Reservations"]:
    for i in res["Instances"]:
        t = {x["Key"]: x["Value"] for x in i.get("Tags", [])}
        print(i["InstanceId"], i["State"]["Name"], t.get("patchdeck:started-for", "-"))
PYEOF
}

L="$TEST_TMP/launch.sh"
open_plan() {
	tm_stop
	tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= -- \
		"$@" --config "$CFG" --cache "$CACHE"
	tm_start 140 40 "$L"
	tm_wait '^WINDOWS' "the windows pane"
	tm_keys Tab
	tm_wait '^WINDOWS \(Enter: plan\)' "the windows pane in focus"
	tm_keys Enter
	tm_wait '^ *plan plan-night ' "the plan pane"
	tm_wait "^ wake +member-S +$S " "S to wake"
	tm_wait "^ excluded +member-E +$E .*exception exc-e approved" "E excluded"
}

# 1. p: asked, then started; S comes Online, W never: c stops waiting.
open_plan
tm_keys p
tm_wait 'Start 2 instance\(s\)\?' "the confirmation of p"
tm_wait "$S, $W|$W, $S" "the ids in the confirmation"
tm_wait 'This changes AWS state' "the change marked"
tm_keys y
tm_wait_status 'prepare: 1 of 2 instance\(s\) Online' "S Online, W not"
tm_keys c
tm_wait '^ prepare plan-night@[0-9-]+: 2 started, 1 Online; stopped waiting \(audited\)' "the prepare's outcome"
show >"$TEST_TMP/after-p"
expect_grep "^$S running plan-night@[0-9-]+$" "$TEST_TMP/after-p"
expect_grep "^$W running plan-night@[0-9-]+$" "$TEST_TMP/after-p"
expect_grep "^$R running -$" "$TEST_TMP/after-p"
expect_grep "^$E stopped -$" "$TEST_TMP/after-p"
expect_grep '"action":"prepare' "$AUDIT"
expect_grep "$S" "$AUDIT"
# The refresh that follows: S is patched now, not woken.
tm_wait "^ patch +member-S +$S " "S in the plan after the refresh"

# 2. U: asked, stopped, untagged; R and E untouched.
tm_keys U
tm_wait 'Stop and untag 2 instance\(s\)\?' "the confirmation of U"
tm_keys y
tm_wait '^ undo plan-night@[0-9-]+: 2 stopped, tags removed \(audited\)' "the undo's outcome"
show >"$TEST_TMP/after-u"
expect_grep "^$S (stopping|stopped) -$" "$TEST_TMP/after-u"
expect_grep "^$W (stopping|stopped) -$" "$TEST_TMP/after-u"
expect_grep "^$R running -$" "$TEST_TMP/after-u"
expect_grep "^$E stopped -$" "$TEST_TMP/after-u"
# A second U finds nothing.
tm_keys U
tm_wait_status 'undo plan-night@[0-9-]+: nothing to do' "the second undo"

# 3. P: the pre-check of the plan's members (R's disk is full); back in
#    the plan, R has failed (and S and W, stopped, with it).
sim_post /_sim/precheck "{\"fates\": {\"$R\": \"disk\"}}" >/dev/null ||
	fail "POST /_sim/precheck"
tm_wait 'pre-checks failing \?' "pre-checks unknown before P"
tm_keys P
tm_wait '^ Pre-check plan-night ' "the pre-check pane of the plan's window"
tm_wait '[0-9]+ member\(s\): [0-9]+ passed, [1-9][0-9]* failed' "the pre-check's end"
tm_keys q
tm_wait '^ *plan plan-night ' "back to the plan"
# S and W are stopped: their agents are offline, failures too.
tm_wait 'pre-checks failing 3' "the failed verdicts counted"
tm_wait "^ patch +member-R +$R +linux +fail +pre-check failed: disk" "R's verdict in the plan"
tm_keys q q q
tm_wait '^EXITED 0$' "the console's exit"

# 4. --read-only: p, U and P refused by the dispatcher, nothing asked;
#    help marks both as changing AWS state, and not the moves.
open_plan --read-only
tm_keys p
tm_wait_status 'refused: patchdeck is in read-only mode \(--read-only\); no change was made' "p refused in read-only mode"
tm_keys U
tm_wait_status 'refused: patchdeck is in read-only mode' "U refused in read-only mode"
tm_keys P
tm_wait_status 'refused: patchdeck is in read-only mode' "P refused in read-only mode"
tm_keys '?'
tm_wait '! changes AWS state; refused in read-only mode' "the help's legend"
expect_grep '^! +p +prepare: tag and start' "$TEST_TMP/screen"
expect_grep '^! +U +undo prepare: stop' "$TEST_TMP/screen"
expect_no_grep '^! +(j, Down|Enter) ' "$TEST_TMP/screen"
tm_keys q q q q
tm_wait '^EXITED 0$' "the console's exit"
show | sed 's/ stopping / stopped /' >"$TEST_TMP/after-ro"
sed 's/ stopping / stopped /' "$TEST_TMP/after-u" | cmp -s - "$TEST_TMP/after-ro" ||
	fail "read-only mode changed EC2"

# 5. --dry-run: what would be done, nothing changed.
show >"$TEST_TMP/before-dry"
open_plan --dry-run
tm_keys p
tm_wait_status 'DRY RUN, nothing was changed: prepare would tag and start 2 instance\(s\): ' "p under --dry-run"
show >"$TEST_TMP/after-dry"
cmp -s "$TEST_TMP/before-dry" "$TEST_TMP/after-dry" || fail "--dry-run changed EC2"
tm_keys q q q
tm_wait '^EXITED 0$' "the console's exit"
echo "ok"
