#!/bin/sh
# Every byte that leaves patchdeck is safe (cli/cli.h, "the output rule"):
# hostile values go in where outside text enters, and the RAW BYTES of
# stdout and stderr of every subcommand are checked:
#   - no ESC, BEL or other C0 control but LF (and TAB in tables), no DEL,
#     no C1 (U+0080-U+009F), no raw bidi, zero-width or separator
#     character, only valid UTF-8;
#   - no forged line: every payload carries "\nFORGED", and no line may
#     start with FORGED;
#   - JSON parses (as strict UTF-8) and keeps the raw values; times are
#     ISO 8601 UTC;
#   - CSV parses, and no cell starts with = + - @, a blank or a
#     full-width = + - @ unless guarded with '.
# Where the values come from:
#   EC2 tags (create_tags: LF, TAB, C1, bidi, formulas), SSM fields (C0
#   ESC sequences, set in the simulator), an invalid UTF-8 byte in the
#   cache (cacheset), DynamoDB exception records written straight into the
#   table (hostile dates, reasons, ids; approve, reject, revoke and list
#   print them), and a hostile endpoint whose error replies carry an ESC
#   sequence and a line break in the code and message, and a byte that is
#   not UTF-8 (doctor, --debug, exceptions list); a credentials file with a
#   broken line that holds a secret.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"

# 0. One rule: outside src/cli/cli.c (the writers) and util_fatal(), no
#    source writes with printf() and friends; a new one would bypass the
#    escaping.  fputs() and putchar() stay for static text.
if grep -nE '(^|[^a-z_])(printf|fprintf|vprintf|vfprintf|puts|dprintf|vdprintf)\(' \
    src/main.c src/cli/*.c src/ops/*.c src/aws/*.c src/fleet/*.c \
    src/util/escape.c; then
	fail "the lines above write without cli_printf() / cli_err() (cli/cli.h)"
fi
sim_start --seed 5 --fleet 30
EVIL_PID=
trap '[ -n "$EVIL_PID" ] && kill "$EVIL_PID" 2>/dev/null; sim_stop' EXIT

CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
cat >"$CFG" <<'CONF'
[window sun-0200]
schedule = sun 02:00
duration = 3h
CONF
PDC="$PD --config $CFG --cache $CACHE"
export LC_ALL=C.UTF-8
export XDG_STATE_HOME="$TEST_TMP/state"

# check KIND NAME: the last command's stdout ($TEST_TMP/out, as KIND:
# text, json or csv) and stderr (always text) hold nothing unsafe.
CHECK="$TEST_TMP/check.py"
cat >"$CHECK" <<'PYEOF'
import csv, io, json, re, sys
kind, name, out, err = sys.argv[1:5]
problems = []

def text_ok(what, raw, allow_tab):
    try:
        t = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append("%s: not UTF-8: %s" % (what, e))
        t = raw.decode("utf-8", "replace")
    for i, c in enumerate(t):
        o = ord(c)
        if (o < 0x20 and c != "\n" and not (allow_tab and c == "\t") and
                not (kind == "csv" and what == "stdout" and c == "\r")):
            problems.append("%s: control U+%04X at %d: %r" % (what, o, i, t[max(0, i - 30):i + 30]))
        elif 0x7f <= o <= 0x9f or o in (0x00ad, 0x061c, 0x180e, 0xfeff) or \
                0x200b <= o <= 0x200f or 0x2028 <= o <= 0x202e or \
                0x2060 <= o <= 0x206f or 0xe0000 <= o <= 0xe007f:
            problems.append("%s: U+%04X raw at %d: %r" % (what, o, i, t[max(0, i - 30):i + 30]))
    for line in t.split("\n"):
        if line.lstrip("\r\"',").startswith("FORGED"):
            problems.append("%s: a forged line: %r" % (what, line))
    return t

o = open(out, "rb").read()
e = open(err, "rb").read()
text_ok("stderr", e, False)
t = text_ok("stdout", o, kind in ("text", "json"))
if kind == "json" and o.strip():
    try:
        json.loads(t)
    except ValueError as x:
        problems.append("stdout: not JSON: %s" % x)
if kind == "csv":
    risky = tuple("=+-@ \t\r\n\u00a0\u3000\uff1d\uff0b\uff0d\uff20")
    rows = list(csv.reader(io.StringIO(t, newline="")))
    for r in rows[1:]:
        for cell in r:
            if cell.startswith(risky) and not re.match(r"^-?[0-9]+$", cell):
                problems.append("stdout: an unguarded CSV cell %r" % cell)
if problems:
    print("%s:" % name)
    for p in problems[:20]:
        print("  " + p)
    sys.exit(1)
PYEOF
# Every command is checked, and the test fails at the end naming all
# that wrote something unsafe.
UNSAFE=
check() {
	"$PY" "$CHECK" "$1" "$2" "$TEST_TMP/out" "$TEST_TMP/err" || {
		echo "--- stdout"; head -c 1500 "$TEST_TMP/out" | cat -v
		echo "--- stderr"; head -c 1500 "$TEST_TMP/err" | cat -v
		unsafe "$2: unsafe output"
	}
}
# want PATTERN FILE: like expect_grep, but noted, not fatal.
want() {
	grep -E -q -- "$1" "$2" || unsafe "no line matching /$1/ in $(basename "$2")"
}
unsafe() {
	echo "FAIL: $1"
	UNSAFE="$UNSAFE
    $1"
}

# 1. Hostile tags through EC2.  XML carries LF and TAB, not other C0.
"$PY" - >"$TEST_TMP/id" <<'PYEOF' || fail "create_tags with hostile values"
import boto3
ec2 = boto3.client("ec2")
ids = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"] if i["State"]["Name"] == "running")
iid = ids[0]
ec2.create_tags(Resources=[iid], Tags=[
    {"Key": "Name", "Value": "web\nFORGED-NAME\t\u009b31m\u202eBIDI\u200b\u2028"},
    {"Key": "Owner", "Value": " =HYPERLINK(\"http://x\",\"y\")\nFORGED-OWNER"},
    {"Key": "PatchWindow", "Value": "\uff1dcmd|' /C calc'!A0"},
    {"Key": "Formula\nFORGED-KEY", "Value": "@SUM(1+1)\u0085"},
    {"Key": "LastPatched", "Value": "2026-11-01T03:00:00Z"},
])
print(iid)
PYEOF
ID=$(cat "$TEST_TMP/id")
"$PY" - "$(sim_url /_sim/ssm/instance)" "$ID" <<'PYEOF' || fail "setting SSM fields in the simulator"
import json, sys, urllib.request
url, iid = sys.argv[1:3]
body = {"id": iid, "fields": {
    "PlatformName": "Ubuntu\x1b]0;PWNED-TITLE\x07\nFORGED-PLATFORM",
    "PlatformVersion": "-2+3\x1b[2J",
    "AgentVersion": "\x1b]52;c;UFdORUQ=\x07PWNED-CLIP\r\nFORGED-AGENT"}}
req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()
PYEOF
expect_rc 0 timeout 120 $PDC sync
check text "sync"
CACHESET=${CACHESET:-${B:-build}/tests/cacheset}
[ -x "$CACHESET" ] || make --no-print-directory "$CACHESET" >&2 ||
    fail "cannot build $CACHESET"
"$PY" - "$CACHESET" "$CACHE" "$ID" <<'PYEOF' || fail "planting an invalid byte in the cache"
import subprocess, sys
helper, cache, iid = sys.argv[1:4]
subprocess.run([helper, cache, iid, b"az=zone-\xff\xc0\nFORGED-AZ"], check=True)
PYEOF

# 2. instances, windows: table, JSON, CSV.
expect_rc 0 $PDC instances
check text "instances"
expect_grep 'web\\x0aFORGED-NAME' "$TEST_TMP/out"
expect_rc 0 $PDC --format json instances
check json "instances --format json"
"$PY" - "$TEST_TMP/out" "$ID" <<'PYEOF' || unsafe "instances --format json: raw values or ISO times missing"
import json, re, sys
rows = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
(r,) = [r for r in rows if r["id"] == sys.argv[2]]
assert r["tags"]["Name"] == "web\nFORGED-NAME\t\u009b31m\u202eBIDI\u200b\u2028", r["tags"]
assert r["agent_version"] == "\x1b]52;c;UFdORUQ=\x07PWNED-CLIP\r\nFORGED-AGENT"
assert "\ufffd" in r["az"], r["az"]
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
assert r["last_patched"] == "2026-11-01T03:00:00Z", r["last_patched"]
for row in rows:
    for k in ("last_ping", "fetched_at", "last_patched"):
        assert row[k] is None or iso.match(row[k]), (k, row[k])
    assert "ago" not in json.dumps(row), row
PYEOF
expect_rc 0 $PDC --format csv instances
check csv "instances --format csv"
want "'=HYPERLINK|' =HYPERLINK" "$TEST_TMP/out"
for f in table json csv; do
	expect_rc 0 $PDC --format $f windows
	check $([ $f = table ] && echo text || echo $f) "windows --format $f"
done

# 3. Exception records written straight into the table, hostile in every
#    field; approve, reject and revoke print the record's dates.
expect_rc 0 $PDC setup
check text "setup"
"$PY" - <<'PYEOF' || fail "could not write the hostile records"
import boto3
t = boto3.resource("dynamodb").Table("patchdeck-exceptions")
evil = "\x1b]52;c;UFdORUQ=\x07\u009b\u202e\nFORGED-"
for n, status in (("1", "PENDING"), ("2", "PENDING"), ("3", "APPROVED")):
    item = {
        "instance_id": "i-0123456789abcdef" + n,
        "exception_id": "ex-20261201000000-evil0" + n,
        "starts": "2026-12-01" + evil + "STARTS",
        "ends": "2026-12-02" + evil + "ENDS",
        "reason": "=cmd|' /C calc'!A0" + evil + "REASON",
        "ticket": " @SUM(1)" + evil + "TICKET",
        "requested_by": "arn:aws:iam::123456789012:user/someone-else" + evil + "BY",
        "requested_at": "2026-11-30T00:00:00Z" + evil + "AT",
        "status": status}
    if status == "APPROVED":
        item["decided_by"] = "arn:aws:iam::123456789012:user/approver" + evil + "DBY"
        item["decided_at"] = "2026-11-30T01:00:00Z" + evil + "DAT"
        item["decision_reason"] = "ok" + evil + "DR"
    t.put_item(Item=item)
PYEOF
for f in table json csv; do
	expect_rc 0 $PDC --format $f exceptions list --all
	check $([ $f = table ] && echo text || echo $f) "exceptions list --format $f"
done
# Refused or done, whatever another rule says of such a record: what is
# printed either way must be safe.
run_any() {
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	[ "$rc" -le 3 ] || { cat "$TEST_TMP/err"; fail "$* exited $rc"; }
	echo "exit $rc: $(head -c 300 "$TEST_TMP/out" "$TEST_TMP/err" | cat -v)"
}
run_any $PDC exceptions approve ex-20261201000000-evil01
check text "exceptions approve"
run_any $PDC exceptions reject ex-20261201000000-evil02 --reason "no"
check text "exceptions reject"
run_any $PDC exceptions revoke ex-20261201000000-evil03
check text "exceptions revoke"
run_any $PDC --dry-run exceptions approve ex-20261201000000-evil01
check text "exceptions approve --dry-run"
run_any $PDC exceptions request "$ID" --from 2099-01-01 --to 2099-01-02 \
    --reason "$(printf 'r\033]52;c;UFdO\007\nFORGED-REQ')"
check text "exceptions request"
run_any $PDC exceptions sync
check text "exceptions sync"
# The audit log: JSON lines, valid UTF-8, no raw ESC.
for log in "$XDG_STATE_HOME"/patchdeck/*; do
	[ -f "$log" ] || continue
	cp "$log" "$TEST_TMP/out"
	: >"$TEST_TMP/err"
	"$PY" - "$TEST_TMP/out" <<'PYEOF' || unsafe "the audit log $log is not safe JSON lines"
import json, sys
raw = open(sys.argv[1], "rb").read()
assert b"\x1b" not in raw and b"\xc2\x9b" not in raw, raw[:200]
for line in raw.decode("utf-8").splitlines():
    json.loads(line)
PYEOF
done

# 4. AWS error replies with hostile codes and messages, from an endpoint
#    of our own (one for every service that is pointed at it).
"$PY" - "$TEST_TMP/evil-port" <<'PYEOF' &
import http.server, sys
body = (b'{"__type":"com.amazon#Evil\\u001b]52;c;UFdORUQ=\\u0007\\nFORGED-CODE",'
        b'"message":"bad \xff\xc2\x9b31m \\u202e\\nFORGED-MSG \\u001b[2J"}')
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_port))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PYEOF
EVIL_PID=$!
i=0
while [ ! -s "$TEST_TMP/evil-port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$TEST_TMP/evil-port" ] || fail "the hostile endpoint did not start"
EVIL="http://127.0.0.1:$(cat "$TEST_TMP/evil-port")"

run_any env AWS_ENDPOINT_URL_SSM="$EVIL" AWS_ENDPOINT_URL_DYNAMODB="$EVIL" \
    timeout 120 $PD --debug doctor
check text "--debug doctor"
want 'Evil\\x1b\]52;c;UFdORUQ=\\x07\\x0aFORGED-CODE' "$TEST_TMP/out"
want 'aws: .*Evil\\x1b' "$TEST_TMP/err"
run_any env AWS_ENDPOINT_URL_SSM="$EVIL" timeout 120 $PD --format json doctor
check json "doctor --format json"
"$PY" - "$TEST_TMP/out" <<'PYEOF' || unsafe "doctor --format json does not keep the raw message"
import json, sys
r = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
(c,) = [c for c in r["checks"] if not c["ok"]]
assert c["code"] == "Evil\x1b]52;c;UFdORUQ=\x07\nFORGED-CODE", c
assert c["message"].startswith("bad \ufffd\u009b31m \u202e\nFORGED-MSG"), c
PYEOF
run_any env AWS_ENDPOINT_URL_DYNAMODB="$EVIL" $PDC --debug exceptions list
check text "--debug exceptions list (an AWS error)"
want 'FORGED-MSG' "$TEST_TMP/err"
run_any env AWS_ENDPOINT_URL_EC2="$EVIL" AWS_ENDPOINT_URL_SSM="$EVIL" \
    timeout 120 $PDC --debug sync
check text "--debug sync (an AWS error)"
run_any env AWS_ENDPOINT_URL_DYNAMODB="$EVIL" $PDC --format json exceptions list
check json "exceptions list --format json (an AWS error)"

# 5. A configuration error never quotes a line that may hold a secret.
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<'CREDS'
[default]
aws_access_key_id = AKIAEXAMPLE
wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETLINE
CREDS
run_any env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY timeout 60 $PD doctor
check text "doctor with a broken credentials file"
if grep -q SECRETLINE "$TEST_TMP/out" "$TEST_TMP/err"; then
	cat "$TEST_TMP/err"
	unsafe "a configuration error quotes a line that holds a secret"
fi
grep -q 'credentials:3:' "$TEST_TMP/out" "$TEST_TMP/err" ||
    fail "the error does not name the file and line"
: >"$AWS_SHARED_CREDENTIALS_FILE"
printf '[window w]\nschedule = sun 02:00\nduration = 1h\n\033]0;x\007 = 1\n' >"$TEST_TMP/config-bad"
run_any $PD --config "$TEST_TMP/config-bad" --cache "$CACHE" instances
check text "instances with a hostile config line"
[ -z "$UNSAFE" ] || fail "unsafe:$UNSAFE"
echo "every subcommand's output is safe"
