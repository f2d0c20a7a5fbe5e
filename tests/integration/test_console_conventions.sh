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

SOCK="pdtest-$$"
T="tmux -L $SOCK -f /dev/null"
cleanup() {
	$T kill-server >/dev/null 2>&1 || true
	sim_stop
}
trap cleanup EXIT
$T new-session -d -s keep "sleep 86400" || fail "tmux new-session (keeper)"

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
console() {
	$T kill-session -t pd >/dev/null 2>&1 || true
	$T new-session -d -s pd -x 120 -y 40 "sh $TEST_TMP/console.sh $*" ||
		fail "tmux new-session"
}
keys() {
	$T send-keys -t pd "$@"
}
resize() {
	$T resize-window -t pd -x "$1" -y "$2" || fail "tmux resize-window"
}
screen() {
	$T capture-pane -p -t pd >"$TEST_TMP/screen" 2>/dev/null
}
# wait_for ERE: polls the screen (at most about 30 s) for a line matching.
wait_for() {
	n=0
	while [ $n -lt 150 ]; do
		screen
		grep -E -q -- "$1" "$TEST_TMP/screen" && return 0
		sleep 0.2
		n=$((n + 1))
	done
	echo "--- screen"
	cat "$TEST_TMP/screen"
	fail "the screen never showed /$1/"
}
wait_gone() {
	n=0
	while [ $n -lt 150 ]; do
		screen
		grep -E -q -- "$1" "$TEST_TMP/screen" || return 0
		sleep 0.2
		n=$((n + 1))
	done
	echo "--- screen"
	cat "$TEST_TMP/screen"
	fail "the screen still shows /$1/"
}
# The status line (the last line of the screen) matches ERE.
wait_status() {
	n=0
	while [ $n -lt 150 ]; do
		screen
		tail -n 1 "$TEST_TMP/screen" | grep -E -q -- "$1" && return 0
		sleep 0.2
		n=$((n + 1))
	done
	echo "--- screen"
	cat "$TEST_TMP/screen"
	fail "the status line never matched /$1/"
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
wait_status "refreshed: 40 instances"
keys g
wait_status "^ 40 instances  row 1 of 40 "
keys j
wait_status "^ 40 instances  row 2 of 40 "
wait_for '^ +\? help  H hide  j move  Space mark '
keys H
wait_gone 'H hide'
keys H
wait_for '^ +\? help  H hide '
keys Z
wait_status '^ unknown key: \? for help'
keys g j
wait_status "^ 40 instances  row 2 of 40 "

# 2. At 30x8 nothing is acted on: mark all, remove the window, y.
resize 30 8
wait_for "too small"
keys a W y
keys 4 0 Enter
wait_for "keys ignored"
resize 120 40
wait_for '  name \^ '
wait_status "^ 40 instances  row 2 of 40 "
expect_no_grep "marked|Remove the patch window" "$TEST_TMP/screen"
no_change_yet "keys typed at 30x8"

# 3. A confirmation open during a resize: drawn again, its answer waits.
# Nothing is marked: W is for the row under the cursor.
keys W
wait_for "Remove the patch window"
wait_for "Nothing is marked: the instance under the cursor is changed"
resize 30 8
wait_for "too small"
keys y
resize 120 40
wait_for "Remove the patch window"
wait_for "y: yes, do it"
keys n
wait_status "cancelled; nothing was changed"
no_change_yet "y at 30x8 with a confirmation open"

# 4. A text field: Left, Ctrl-W, Home, End.
keys /
keys -l "web-prod"
keys Left Left Left Left C-w
wait_status '^/prod'
keys Home
keys -l "x"
keys End
keys -l "y"
wait_status '^/xprody'
keys C-u Escape
wait_status "^ 40 instances "

# 5. :tag takes a unique beginning; an unknown state is an error.
keys :
keys -l "tag sched"
keys Enter
wait_status "tag: scheduled \([0-9]+ shown\)"
keys :
keys -l "tag bogus"
keys Enter
wait_status "unknown tag state 'bogus'; one of: "
keys :
keys -l "clear"
keys Enter
wait_status "every condition and the filter cleared"

# 6. Esc goes back from every view: the drill-down, the exceptions, the
# request form, the help.
keys Enter
wait_for '^ Tags \([0-9]+\)$'
keys Escape
wait_for '  name \^ '
keys e
wait_for 'live'
wait_gone '  name \^ '
keys Escape
wait_for '  name \^ '
keys E
wait_for "Request a patch exception"
keys Escape
wait_for '  name \^ '
keys '?'
wait_for "filter as you type"
keys Escape
wait_for '  name \^ '

# 7. The help honours G and g (a short screen: it has more pages).
resize 120 20
keys '?'
wait_for "-- more: "
keys G
wait_for "close this screen; quit from the main one"
wait_gone "next instance"
keys g
wait_for "next instance"
keys q
resize 120 40
wait_for '  name \^ '

# 8. o with nothing marked: the owner of the row under the cursor.
NAME=$("$PY" -c 'import json,sys; print(sorted(r["name"] for r in json.load(open(sys.argv[1])) if r["name"].isascii() and r["name"])[0])' "$TEST_TMP/tue.json")
expect_rc 0 $PDC instances --format json --filter "$NAME"
ID=$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r[0]["id"] if len(r) == 1 else "")' "$TEST_TMP/out")
[ -n "$ID" ] || fail "$NAME names more than one instance"
keys /
keys -l "$NAME"
keys Enter
wait_status "^ 40 instances, 1 shown  /$NAME  row 1 of 1 "
keys o
wait_for "^owner: "
keys C-u
keys -l "team-x"
keys Enter
wait_for "Set the owner"
wait_for "Set Owner=team-x on 1 instance: $NAME\?"
wait_for "Nothing is marked: the instance under the cursor is changed, no other."
keys y
wait_status "set Owner=team-x on 1 instance: ok \(1 call, audited\)"
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
keys q
wait_for "EXITED 0"

# 9. Above confirm_count_above (5 here), y is not enough: the count is
# typed; a wrong one cancels.
console --config "$CFG5"
wait_status "refreshed: 40 instances"
keys a
wait_status "40 marked"
keys W
wait_for "type 40, then Enter: yes, do it to 40 instances"
keys y
wait_status "cancelled; nothing was changed"
keys W
wait_for "type 40, then Enter"
keys 3 9 Enter
wait_status "cancelled; nothing was changed"
[ "$(sim_ops DeleteTags)" -eq 0 ] || fail "a wrong count sent DeleteTags"
keys W
wait_for "type 40, then Enter"
keys 4 0 Enter
wait_status "removed PatchWindow on 40 instances: ok"
[ "$(sim_ops DeleteTags)" -ge 1 ] || fail "the typed count sent nothing"
keys q
wait_for "EXITED 0"
echo "console conventions: ok"
