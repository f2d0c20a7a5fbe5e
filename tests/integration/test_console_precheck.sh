#!/bin/sh
# The console's pre-check pane against tests/sim, in tmux: P on marked
# instances runs the pre-check on the console's loop (progress, then the
# members failed first); Enter shows one member's checks and the tail of
# its output.  The output is hostile (tests/sim/outputs.py HOSTILE_OUTPUT:
# OSC title, screen clear, colours, C1 CSI, bidi override, BEL, BS, CR,
# DEL, DCS): the screen must show it as visible escapes, and the raw
# bytes written to the terminal (tmux pipe-pane from the first byte) must
# hold none of it.  P on an unmarked row pre-checks its window's members.
. tests/integration/lib.sh
. tests/integration/console_lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 13 --fleet 40 --time-scale 30
trap 'tm_cleanup; sim_stop' EXIT
export XDG_STATE_HOME="$TEST_TMP/state"

CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
cat >"$CFG" <<'CONF'
[window pc-win]
schedule = sun 02:00
duration = 3h

[precheck]
repo_url_prefixes = https://mirror.example.com/
CONF
PDC="$PD --config $CFG --cache $CACHE"

# Three running Linux instances in the window: one hostile (passes), one
# with a full disk, one fine.
"$PY" - "$ROOT/data/ssm/patchdeck-precheck.json" >"$TEST_TMP/ids" <<'PYEOF' || fail "setting up"
import sys, boto3
ec2 = boto3.client("ec2")
boto3.client("ssm").create_document(Content=open(sys.argv[1]).read(), Name="patchdeck-precheck",
                                    DocumentType="Command", DocumentFormat="JSON")
ids = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"] if i["State"]["Name"] == "running"
             and i.get("Platform") != "windows")[:3]
ec2.create_tags(Resources=ids, Tags=[{"Key": "PatchWindow", "Value": "pc-win"}])
ec2.delete_tags(Resources=ids, Tags=[{"Key": "PatchException"}])
print(" ".join(ids))
PYEOF
set -- $(cat "$TEST_TMP/ids")
HOSTILE=$1 DISK=$2 FINE=$3
sim_post /_sim/precheck "{\"fates\": {\"$HOSTILE\": \"hostile\", \"$DISK\": \"disk\", \"$FINE\": \"ok\"}}" >/dev/null ||
	fail "POST /_sim/precheck"
expect_rc 0 timeout 120 $PDC sync

L="$TEST_TMP/launch.sh"
RAW="$TEST_TMP/raw"
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= XDG_STATE_HOME="$XDG_STATE_HOME" -- \
	--config "$CFG" --cache "$CACHE"
tm_start 200 50 "$L" "$RAW"
tm_wait '  name \^ ' "the table"

# 1. The hostile one alone: filter, mark, P.
tm_keys /
tm_type "$HOSTILE"
tm_keys Enter
tm_wait_status "^ [0-9]+ instances, 1 shown  /$HOSTILE" "the filter"
tm_keys Space
tm_keys P
tm_wait '^ Pre-check of the marked instances' "the pre-check pane"
tm_wait '1 member\(s\): 1 passed, 0 failed' "the pre-check's end"
tm_wait "pass +$HOSTILE" "the member's row"
tm_keys Enter
tm_wait '^ result: pass' "the member's checks"
tm_wait 'disk /: 12288 MB free \(60%\)' "a parsed check"
tm_wait 'checking \\x1b\]0;pwned\\x07disk\\x1b\[2J\\x1b\[31mRED\\x1b\[0m \\u009b31mc1\\u202etxt\.exe \\x07bell\\x08back\\x0d' \
	"the hostile output, escaped"
tm_wait 'raw: \\x01\\x02\\x7f\\u0085.\\x1bP\+q\\x1b\\ end' "the raw bytes, escaped"
tm_cap
tm_max_width 200 || fail "a line is wider than the terminal"
tm_keys Escape
tm_wait '1 member\(s\): 1 passed' "the list again"
tm_keys Escape
tm_wait '  name \^ ' "the table again"

# 2. The window's members: P on an unmarked row (clear marks and filter).
tm_keys u
tm_keys Escape
tm_keys /
tm_type "$DISK"
tm_keys Enter
tm_wait_status "^ [0-9]+ instances, 1 shown  /$DISK" "the filter"
tm_keys P
tm_wait '^ Pre-check pc-win ' "the window's pre-check"
tm_wait '3 member\(s\): 2 passed, 1 failed' "the window's pre-check end"
# Failed first: the first row is the full disk.
tm_cap
first=$(grep -E '^ (FAIL|pass) ' "$TEST_TMP/screen" | head -n 1)
printf '%s\n' "$first" | grep -Eq "^ FAIL +$DISK +.* disk *$" || fail "the first row is not the failed one: $first"
tm_keys q
tm_wait '  name \^ ' "the table again"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop

"$PY" - "$RAW" <<'PYEOF' || fail "hostile output reached the terminal raw"
import sys
raw = open(sys.argv[1], "rb").read()
assert len(raw) > 2000, "only %d bytes recorded" % len(raw)
# The output was drawn (escaped), so the checks below look at it.
assert b"pwned" in raw and b"bell" in raw, "the escaped output is not in the recording"
for p in (b"\x1b]0;pwned", b"\x07disk", b"\x9b31mc1", b"\xc2\x9b31mc1", b"\x1b[31mRED",
          b"\x07bell", b"\x08back", b"\x01\x02\x7f", b"\xc2\x85", b"\x1bP+q",
          "\u202etxt".encode()):
    assert p not in raw, "raw %r in the terminal output" % p
print("ok")
PYEOF
# Read-only: P is refused before anything is sent.
sim_post /_sim/log/clear '{}' >/dev/null
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= XDG_STATE_HOME="$XDG_STATE_HOME" -- \
	--read-only --config "$CFG" --cache "$CACHE"
tm_start 200 50 "$L"
tm_wait '  name \^ ' "the table (read-only)"
tm_keys P
tm_wait 'read-only' "the refusal"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop
sim_get /_sim/log | "$PY" -c '
import json, sys
ops = [e.get("op") for e in json.load(sys.stdin)]
assert "SendCommand" not in ops and "CreateTags" not in ops, ops' ||
	fail "read-only: P sent something"

# The cache holds the verdicts (the console saved them).
n=$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM prechecks").fetchone()[0])' "$CACHE")
[ "$n" -eq 3 ] || fail "the cache holds $n pre-check rows, expected 3"
echo ok
