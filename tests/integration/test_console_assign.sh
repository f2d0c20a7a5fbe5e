#!/bin/sh
# The console's self-service against tests/sim, driven in tmux: filter to 3
# instances, mark them, `w`, a window id, the confirmation (count, names,
# calls); `n` changes nothing; `y` makes one CreateTags, audited, and the
# table shows the new window; `W` under --dry-run lists the call and makes
# none; `W` for real removes the tag; --read-only refuses `w` and `O`
# (dispatch, for every key marked as changing AWS state) and help marks
# them with '!'; `q` quits with status 0.  Only bounded polling of the
# screen, no timing asserts.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
command -v tmux >/dev/null 2>&1 || fail "tmux is needed for the console tests"
# A copy: other work may rebuild ./patchdeck while this test runs.
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
PDC="$PD --config $CFG --cache $DB"

# A tmux server of our own: no user configuration, nobody else's sessions.
SOCK="pdtest-$$"
T="tmux -L $SOCK -f /dev/null"
cleanup() {
	$T kill-server >/dev/null 2>&1 || true
	sim_stop
}
trap cleanup EXIT
# A session that outlives every console: the server exits with its last
# session, and a new-session sent while it exits fails ("server exited
# unexpectedly").
$T new-session -d -s keep "sleep 86400" || fail "tmux new-session (keeper)"

# The console in a 160x45 pane; the pane stays after it exits, showing
# "EXITED <status>".
cat >"$TEST_TMP/console.sh" <<EOF
set -a
. "$SIM_DIR/env"
set +a
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
export AWS_CONFIG_FILE="$AWS_CONFIG_FILE"
export AWS_SHARED_CREDENTIALS_FILE="$AWS_SHARED_CREDENTIALS_FILE"
export XDG_STATE_HOME="$XDG_STATE_HOME" LC_ALL=C.UTF-8
"$PD" --config "$CFG" --cache "$DB" "\$@"
echo "EXITED \$?"
sleep 600
EOF
console() {
	$T kill-session -t pd >/dev/null 2>&1 || true
	$T new-session -d -s pd -x 160 -y 45 "sh $TEST_TMP/console.sh $*" ||
		fail "tmux new-session"
}
keys() {
	$T send-keys -t pd "$@"
}
screen() {
	$T capture-pane -p -t pd >"$TEST_TMP/screen" 2>/dev/null
}
# wait_for TEXT: polls the screen (at most about 30 s) for TEXT.
wait_for() {
	n=0
	while [ $n -lt 150 ]; do
		screen
		grep -F -q -- "$1" "$TEST_TMP/screen" && return 0
		sleep 0.2
		n=$((n + 1))
	done
	echo "--- screen"
	cat "$TEST_TMP/screen"
	fail "the screen never showed '$1'"
}

# How many AWS requests with op $1 the simulator logged.
sim_ops() {
	sim_get /_sim/log >"$TEST_TMP/simlog"
	"$PY" -c '
import json, sys
print(sum(1 for e in json.load(open(sys.argv[1])) if e.get("op") == sys.argv[2]))
' "$TEST_TMP/simlog" "$1"
}

aws_tag() {
	key=$1
	shift
	"$PY" - "$key" "$@" <<'PYEOF'
import sys, boto3
key, ids = sys.argv[1], sys.argv[2:]
r = boto3.client("ec2").describe_instances(InstanceIds=ids)
for res in r["Reservations"]:
    for i in res["Instances"]:
        tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
        print("%s=%s" % (i["InstanceId"], tags.get(key, "-")))
PYEOF
}

expect_rc 0 timeout 120 $PDC sync
expect_rc 0 $PDC instances --format json
cp "$TEST_TMP/out" "$TEST_TMP/all.json"

# A filter text that shows exactly 3 instances: a name prefix such as
# "ldap-prod", checked with the same filter `instances --filter` uses.
FILTER=
for cand in $("$PY" -c '
import json, sys
names = sorted({"-".join(r["name"].split("-")[:2]) for r in json.load(open(sys.argv[1]))
                if r["name"].count("-") >= 2 and r["name"].isascii()})
print("\n".join(names))
' "$TEST_TMP/all.json"); do
	expect_rc 0 $PDC instances --format json --filter "$cand"
	if [ "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TEST_TMP/out")" -eq 3 ]; then
		FILTER=$cand
		break
	fi
done
[ -n "$FILTER" ] || fail "no name prefix matches exactly 3 instances"
cp "$TEST_TMP/out" "$TEST_TMP/three.json"
IDS=$("$PY" -c 'import json,sys; print(" ".join(sorted(r["id"] for r in json.load(open(sys.argv[1])))))' "$TEST_TMP/three.json")
NAMES=$("$PY" -c 'import json,sys; print(" ".join(sorted(r["name"] for r in json.load(open(sys.argv[1])))))' "$TEST_TMP/three.json")
# The window none of the three has, so the table must change.
WIN=$("$PY" -c '
import json, sys
have = {r["window"] for r in json.load(open(sys.argv[1]))}
print(next(w for w in ("tue-2200", "sun-0200") if w not in have))
' "$TEST_TMP/three.json")
set -- $NAMES
NAME1=$1

# 1. w, the window, n: cancelled, nothing sent, nothing audited.
console
wait_for "refreshed: 40 instances"
keys /
keys -l "$FILTER"
keys Enter
wait_for "3 shown"
keys a
wait_for "3 marked"
keys w
wait_for "window [sun-0200, tue-2200]:"
keys -l "$WIN"
keys Enter
wait_for "Set PatchWindow=$WIN on 3 instances: $NAME1"
wait_for "That is 1 CreateTags call, in default/us-east-1 (target/region)."
wait_for "Written to the audit log before and after."
keys n
wait_for "cancelled; nothing was changed"
[ "$(sim_ops CreateTags)" -eq 0 ] || fail "'n' sent CreateTags"
[ ! -s "$AUDIT" ] || fail "'n' wrote to the audit log"

# An unknown window is refused with the defined ones.
keys w
wait_for "window [sun-0200, tue-2200]:"
keys -l "fri-0300"
keys Enter
wait_for "refused: window 'fri-0300' is not defined in the configuration; defined: sun-0200, tue-2200"

# 2. Again, and y: one CreateTags, the tags, the audit log, the table.
keys w
wait_for "window [sun-0200, tue-2200]:"
keys -l "$WIN"
keys Enter
wait_for "Set PatchWindow=$WIN on 3 instances"
keys y
wait_for "set PatchWindow=$WIN on 3 instances: ok (1 call, audited)"
[ "$(sim_ops CreateTags)" -eq 1 ] || fail "expected 1 CreateTags, got $(sim_ops CreateTags)"
aws_tag PatchWindow $IDS >"$TEST_TMP/after"
[ "$(grep -c "=$WIN\$" "$TEST_TMP/after")" -eq 3 ] || {
	cat "$TEST_TMP/after"
	fail "the tags did not change in the sim"
}
"$PY" - "$AUDIT" "$WIN" $IDS <<'PYEOF' || fail "audit log content"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2, lines
i, r = lines
assert (i["phase"], r["phase"]) == ("intent", "result"), lines
assert i["action_id"] == r["action_id"] and i["action"] == "window.assign"
assert i["requested"] == sys.argv[2] and r["outcome"] == "ok", lines
(c,) = r["calls"]
assert c["op"] == "CreateTags" and sorted(c["ids"]) == sorted(sys.argv[3:]), c
assert c["set"] == {"PatchWindow": sys.argv[2]} and c["outcome"] == "ok", c
PYEOF
# The table: each of the three rows now shows the window; marks cleared.
keys g
wait_for "40 instances, 3 shown  /$FILTER"
for name in $NAMES; do
	grep -E -q " $name .* $WIN " "$TEST_TMP/screen" || {
		cat "$TEST_TMP/screen"
		fail "the table does not show $WIN for $name"
	}
done
expect_no_grep "marked" "$TEST_TMP/screen"
keys q
wait_for "EXITED 0"

# 3. --dry-run: W lists the DeleteTags call and makes none.
console --dry-run
wait_for "refreshed: 40 instances"
keys /
keys -l "$FILTER"
keys Enter
wait_for "3 shown"
keys a
wait_for "3 marked"
keys W
wait_for "DRY RUN: patch window, nothing will change"
wait_for "Remove PatchWindow from 3 instances: $NAME1"
keys y
wait_for "DRY RUN, nothing was changed; would call: DeleteTags default/us-east-1 PatchWindow on i-"
[ "$(sim_ops DeleteTags)" -eq 0 ] || fail "the dry run sent DeleteTags"
[ "$(wc -l <"$AUDIT")" -eq 2 ] || fail "the dry run was audited"
keys q
wait_for "EXITED 0"

# 4. W for real: one DeleteTags, the tag gone, audited as window.clear.
console
wait_for "refreshed: 40 instances"
keys /
keys -l "$FILTER"
keys Enter
wait_for "3 shown"
keys a
wait_for "3 marked"
keys W
wait_for "Remove PatchWindow from 3 instances"
keys y
wait_for "removed PatchWindow on 3 instances: ok (1 call, audited)"
[ "$(sim_ops DeleteTags)" -eq 1 ] || fail "expected 1 DeleteTags"
aws_tag PatchWindow $IDS >"$TEST_TMP/after"
[ "$(grep -c '=-$' "$TEST_TMP/after")" -eq 3 ] || {
	cat "$TEST_TMP/after"
	fail "the tags were not removed in the sim"
}
tail -n 1 "$AUDIT" | grep -q '"action":"window.clear".*"removed":\["PatchWindow"\]' ||
	fail "no window.clear result in the audit log"
keys q
wait_for "EXITED 0"

# 5. --read-only: w is refused, naming read-only mode; nothing is sent.
console --read-only
wait_for "refreshed: 40 instances"
keys a
wait_for "40 marked"
keys w
wait_for "refused: patchdeck is in read-only mode (--read-only); no change was made"
# READ-ONLY leads the right of the status line, beside any message.
tail -n 1 "$TEST_TMP/screen" | grep -E -q 'no change was made +READ-ONLY \| data ' || {
	cat "$TEST_TMP/screen"
	fail "READ-ONLY and the data's age are not beside the message"
}
# Every key marked as changing AWS state is refused by the dispatcher,
# not only w: O (clear the owner tag) says the same.
# (An unbound key first, so the refusal seen is O's, not w's.)
keys Z
wait_for "unknown key: ? for help"
keys O
wait_for "refused: patchdeck is in read-only mode (--read-only); no change was made"
# Help marks those keys with '!' (and its legend), and not the others.
keys '?'
wait_for "! changes AWS state; refused in read-only mode"
grep -E -q '^! +w +set the patch window' "$TEST_TMP/screen" || {
	cat "$TEST_TMP/screen"
	fail "help does not mark w as changing AWS state"
}
grep -E -q '^! +O +clear the owner tag' "$TEST_TMP/screen" || {
	cat "$TEST_TMP/screen"
	fail "help does not mark O as changing AWS state"
}
grep -E -q '^! +(j, Down|/|Space) ' "$TEST_TMP/screen" &&
	fail "help marks a key that changes nothing"
keys q
[ "$(sim_ops CreateTags)" -eq 1 ] || fail "read-only mode sent CreateTags"
[ "$(wc -l <"$AUDIT")" -eq 4 ] || fail "read-only mode wrote to the audit log"
keys q
wait_for "EXITED 0"
echo "console assign: ok"
