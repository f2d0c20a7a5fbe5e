#!/bin/sh
# The console never acts unseen, and follows the operator's conventions
# (issue 8, points 6 and 7), against tests/sim in tmux:
#  - at 30x8 the keys of a tag change (a, W, y) do nothing: no call, no
#    audit record; a confirmation open during a resize is drawn again and
#    its answer waits for a screen that shows it;
#  - above confirm_count_above, y does not confirm: the count is typed;
#  - the hint bar (H), "unknown key: ? for help", "row n of m";
#  - with nothing marked, o sets the owner of the row under the cursor
#    (audited as owner.set, the tag at the sim);
#  - :tag takes a unique beginning and refuses an unknown state, as
#    `instances --tag-state` does (exit 2, the candidates named);
#  - a text field takes Left, Right, Home, End and Ctrl-W;
#  - the help honours g and G; Esc goes back from every view.
# Only bounded polling of the screen, no timing asserts.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
command -v tmux >/dev/null 2>&1 || fail "tmux is needed for the console tests"
cp "${PATCHDECK_BIN:-$PD}" "$TEST_TMP/patchdeck" || fail "no patchdeck binary"
PD="$TEST_TMP/patchdeck"
sim_start --seed 5 --fleet 40

export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
CFG="$TEST_TMP/config"
DB="$TEST_TMP/cache.db"
cat >"$CFG" <<'CONF'
[window sun-0200]
schedule = sun 02:00
duration = 3h
timezone = Europe/Berlin

[window tue-2200]
schedule = tue 22:00
duration = 1h30m
CONF
# The same with a low threshold for the typed count.
CFG5="$TEST_TMP/config5"
{ printf '[general]\nconfirm_count_above = 5\n\n'; cat "$CFG"; } >"$CFG5"
PDC="$PD --config $CFG --cache $DB"

. tests/integration/console_lib.sh
trap 'tm_cleanup; sim_stop' EXIT

cat >"$TEST_TMP/console.sh" <<EOF
set -a
. "$SIM_DIR/env"
set +a
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
export AWS_CONFIG_FILE="$AWS_CONFIG_FILE"
export AWS_SHARED_CREDENTIALS_FILE="$AWS_SHARED_CREDENTIALS_FILE"
export XDG_STATE_HOME="$XDG_STATE_HOME" LC_ALL=C.UTF-8
"$PD" --cache "$DB" "\$@"
echo "EXITED \$?"
sleep 600
EOF
# console ARGS...: the console afresh, at 120x40, with ARGS.
console() {
	tm_stop
	printf 'sh "%s" %s\n' "$TEST_TMP/console.sh" "$*" >"$TEST_TMP/launch.sh"
	tm_start 120 40 "$TEST_TMP/launch.sh"
}
sim_ops() {
	sim_get /_sim/log >"$TEST_TMP/simlog"
	"$PY" -c '
import json, sys
print(sum(1 for e in json.load(open(sys.argv[1])) if e.get("op") == sys.argv[2]))
' "$TEST_TMP/simlog" "$1"
}
aws_tag() {
	"$PY" - "$1" "$2" <<'PYEOF'
import sys, boto3
key, iid = sys.argv[1], sys.argv[2]
r = boto3.client("ec2").describe_instances(InstanceIds=[iid])
for res in r["Reservations"]:
    for i in res["Instances"]:
        print({t["Key"]: t["Value"] for t in i.get("Tags", [])}.get(key, "-"))
PYEOF
}
no_change_yet() {
	[ "$(sim_ops CreateTags)" -eq 0 ] || fail "$1: CreateTags was sent"
	[ "$(sim_ops DeleteTags)" -eq 0 ] || fail "$1: DeleteTags was sent"
	[ ! -s "$AUDIT" ] || fail "$1: the audit log was written"
}

expect_rc 0 timeout 120 $PDC sync

# --tag-state and --window: a unique beginning, else exit 2 naming what
# to type.
expect_rc 0 $PDC instances --tag-state sched
expect_rc 2 $PDC instances --tag-state bogus
expect_grep "unknown tag state 'bogus'; one of: no window, unknown window, scheduled" "$TEST_TMP/err"
expect_rc 2 $PDC instances --tag-state exc
expect_grep "ambiguous: excepted, exception upcoming, exception expired" "$TEST_TMP/err"
expect_rc 0 $PDC instances --window tue --format json
cp "$TEST_TMP/out" "$TEST_TMP/tue.json"
expect_rc 0 $PDC instances --window tue-2200 --format json
cmp -s "$TEST_TMP/out" "$TEST_TMP/tue.json" || fail "--window tue is not tue-2200"
expect_rc 2 $PDC instances --window fri-0300
expect_grep "unknown window 'fri-0300'; defined: sun-0200, tue-2200" "$TEST_TMP/err"

# 1. The hint bar, row n of m, an unknown key.
console --config "$CFG"
tm_wait_status "refreshed: 40 instances"
tm_keys g
tm_wait_status "^ 40 instances  row 1 of 40 "
tm_keys j
tm_wait_status "^ 40 instances  row 2 of 40 "
tm_wait '^ +\? help  H hide  j move  Space mark '
tm_keys H
tm_wait_gone 'H hide'
tm_keys H
tm_wait '^ +\? help  H hide '
tm_keys Z
tm_wait_status '^ unknown key: \? for help'
tm_keys g j
tm_wait_status "^ 40 instances  row 2 of 40 "

# 2. At 30x8 nothing is acted on: mark all, remove the window, y.
tm_resize 30 8
tm_wait "too small"
tm_keys a W y
tm_keys 4 0 Enter
tm_wait "keys ignored"
tm_resize 120 40
tm_wait '  name \^ '
tm_wait_status "^ 40 instances  row 2 of 40 "
expect_no_grep "marked|Remove the patch window" "$TEST_TMP/screen"
no_change_yet "keys typed at 30x8"

# 3. A confirmation open during a resize: drawn again, its answer waits.
# Nothing is marked: W is for the row under the cursor.
tm_keys W
tm_wait "Remove the patch window"
tm_wait "Nothing is marked: the instance under the cursor is changed"
tm_resize 30 8
tm_wait "too small"
tm_keys y
tm_resize 120 40
tm_wait "Remove the patch window"
tm_wait "y: yes, do it"
tm_keys n
tm_wait_status "cancelled; nothing was changed"
no_change_yet "y at 30x8 with a confirmation open"

# 4. A text field: Left, Ctrl-W, Home, End.
tm_keys /
tm_keys -l "web-prod"
tm_keys Left Left Left Left C-w
tm_wait_status '^/prod'
tm_keys Home
tm_keys -l "x"
tm_keys End
tm_keys -l "y"
tm_wait_status '^/xprody'
tm_keys C-u Escape
tm_wait_status "^ 40 instances "

# 5. :tag takes a unique beginning; an unknown state is an error.
tm_keys :
tm_keys -l "tag sched"
tm_keys Enter
tm_wait_status "tag: scheduled \([0-9]+ shown\)"
tm_keys :
tm_keys -l "tag bogus"
tm_keys Enter
tm_wait_status "unknown tag state 'bogus'; one of: "
tm_keys :
tm_keys -l "clear"
tm_keys Enter
tm_wait_status "every condition and the filter cleared"

# 6. Esc goes back from every view: the drill-down, the exceptions, the
# request form, the help.
tm_keys Enter
tm_wait '^ Tags \([0-9]+\)$'
tm_keys Escape
tm_wait '  name \^ '
tm_keys e
tm_wait 'live'
tm_wait_gone '  name \^ '
tm_keys Escape
tm_wait '  name \^ '
tm_keys E
tm_wait "Request a patch exception"
tm_keys Escape
tm_wait '  name \^ '
tm_keys '?'
tm_wait "filter as you type"
tm_keys Escape
tm_wait '  name \^ '

# 7. The help honours G and g (a short screen: it has more pages).
tm_resize 120 20
tm_keys '?'
tm_wait "-- more: "
tm_keys G
tm_wait "close this screen; quit from the main one"
tm_wait_gone "next instance"
tm_keys g
tm_wait "next instance"
tm_keys q
tm_resize 120 40
tm_wait '  name \^ '

# 8. o with nothing marked: the owner of the row under the cursor.
NAME=$("$PY" -c 'import json,sys; print(sorted(r["name"] for r in json.load(open(sys.argv[1])) if r["name"].isascii() and r["name"])[0])' "$TEST_TMP/tue.json")
expect_rc 0 $PDC instances --format json --filter "$NAME"
ID=$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r[0]["id"] if len(r) == 1 else "")' "$TEST_TMP/out")
[ -n "$ID" ] || fail "$NAME names more than one instance"
tm_keys /
tm_keys -l "$NAME"
tm_keys Enter
tm_wait_status "^ 40 instances, 1 shown  /$NAME  row 1 of 1 "
tm_keys o
tm_wait "^owner: "
tm_keys C-u
tm_keys -l "team-x"
tm_keys Enter
tm_wait "Set the owner"
tm_wait "Set Owner=team-x on 1 instance: $NAME\?"
tm_wait "Nothing is marked: the instance under the cursor is changed, no other."
tm_keys y
tm_wait_status "set Owner=team-x on 1 instance: ok \(1 call, audited\)"
[ "$(aws_tag Owner "$ID")" = "team-x" ] || fail "the owner tag did not change at the sim"
"$PY" - "$AUDIT" "$ID" <<'PYEOF' || fail "audit log content"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2, lines
i, r = lines
assert i["action"] == "owner.set" and i["requested"] == "team-x", i
(c,) = r["calls"]
assert c["ids"] == [sys.argv[2]] and c["set"] == {"Owner": "team-x"}, c
assert r["outcome"] == "ok", r
PYEOF
tm_keys q
tm_wait "EXITED 0"

# 9. Above confirm_count_above (5 here), y is not enough: the count is
# typed; a wrong one cancels.
console --config "$CFG5"
tm_wait_status "refreshed: 40 instances"
tm_keys a
tm_wait_status "40 marked"
tm_keys W
tm_wait "type 40, then Enter: yes, do it to 40 instances"
tm_keys y
tm_wait_status "cancelled; nothing was changed"
tm_keys W
tm_wait "type 40, then Enter"
tm_keys 3 9 Enter
tm_wait_status "cancelled; nothing was changed"
[ "$(sim_ops DeleteTags)" -eq 0 ] || fail "a wrong count sent DeleteTags"
tm_keys W
tm_wait "type 40, then Enter"
tm_keys 4 0 Enter
tm_wait_status "removed PatchWindow on 40 instances: ok"
[ "$(sim_ops DeleteTags)" -ge 1 ] || fail "the typed count sent nothing"
tm_keys q
tm_wait "EXITED 0"
echo "console conventions: ok"
