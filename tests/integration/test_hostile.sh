#!/bin/sh
# Terminal safety (DESIGN.md section 9), end to end.  Hostile values go in
# where outside text enters; the console's SCREEN must show them as
# visible escapes, and the RAW BYTES written to the terminal (recorded
# with tmux pipe-pane from the first byte) must hold none of the payloads.
#
#   EC2 tags (XML: no C0, so C1, bidi overrides and isolates, zero-width,
#     5,000 characters), set with boto3 create_tags: the table, the
#     drill-down (every tag), `instances` (escaped) and --format json (raw).
#   JSON-borne fields (SSM PlatformName, PlatformVersion, AgentVersion)
#     with C0 ESC sequences (OSC 0 title, OSC 52 clipboard, ESC[2J): set
#     in the simulator (POST /_sim/ssm/instance) and fetched by `sync`
#     through DescribeInstanceInformation, as from AWS.  An invalid UTF-8
#     byte, which neither XML nor JSON carries, is written into the cache
#     (raw values by design, section 8); the drawing path is the same.
#   The status line's error: a target whose credential_process fails
#     writing escape sequences to its stderr.
# ncurses writes ESC sequences of its own, so only the payloads are
# looked for, each carrying a marker no drawing sequence has.
. tests/integration/lib.sh
. tests/integration/console_lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 11 --fleet 60
trap 'tm_cleanup; sim_stop' EXIT

CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
cat >"$CFG" <<'CONF'
[window sun-0200]
schedule = sun 02:00
duration = 3h

[window tue-2200]
schedule = tue 22:00
duration = 1h30m

[window wed-0100]
schedule = wed 01:00
duration = 2h
CONF
PDC="$PD --config $CFG --cache $CACHE"

# 1. Hostile tags through EC2, on one instance.
"$PY" - >"$TEST_TMP/id" <<'PYEOF' || fail "create_tags with hostile values"
import boto3
ec2 = boto3.client("ec2")
ids = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"] if i["State"]["Name"] == "running")
iid = ids[0]
ec2.create_tags(Resources=[iid], Tags=[
    {"Key": "Name", "Value": "HOSTNAME\u009b31mC1\u202eBIDI\u200bZW\u2066ISO\u2069END"},
    {"Key": "Owner", "Value": "own\u202egpj.exe\u2067x\u2068y@example.com"},
    {"Key": "C1", "Value": "nel\u0085osc\u009d0;PWNED-C1\u009cst\u0090dcs"},
    {"Key": "ZeroWidth", "Value": "a\u200bb\u200cc\u200dd\u2060e\ufeffBOM"},
    {"Key": "Long", "Value": "L" * 4990 + "<END>"},
])
print(iid)
PYEOF
ID=$(cat "$TEST_TMP/id")

# 2. C0 escape sequences in the fields SSM's JSON fills, set in the
# simulator and fetched by sync (see above).
"$PY" - "$(sim_url /_sim/ssm/instance)" "$ID" <<'PYEOF' || fail "setting SSM fields in the simulator"
import json, sys, urllib.request
url, iid = sys.argv[1:3]
body = {"id": iid, "fields": {
    "PlatformName": "Ubuntu\x1b]0;PWNED-TITLE\x07",
    "PlatformVersion": "\x1b[2JPWNED-CLEAR\x1b[31mRED",
    "AgentVersion": "\x1b]52;c;UFdORUQ=\x07PWNED-CLIP"}}
req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()
PYEOF
expect_rc 0 timeout 120 $PDC sync
expect_rc 0 $PDC instances --format json --filter "$ID"
"$PY" - "$TEST_TMP/out" <<'PYEOF' || fail "sync did not bring the SSM fields"
import json, sys
(r,) = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert r["platform_name"] == "Ubuntu\x1b]0;PWNED-TITLE\x07", r["platform_name"]
assert r["agent_version"] == "\x1b]52;c;UFdORUQ=\x07PWNED-CLIP", r["agent_version"]
PYEOF
# The invalid byte, written through the cache's API by
# tests/integration/cacheset.c (each target's instances are one record
# blob, which SQL cannot edit field by field).
CACHESET=${CACHESET:-${B:-build}/tests/cacheset}
[ -x "$CACHESET" ] || make --no-print-directory "$CACHESET" >&2 ||
    fail "cannot build $CACHESET"
"$PY" - "$CACHESET" "$CACHE" "$ID" <<'PYEOF' || fail "planting an invalid byte in the cache"
import subprocess, sys
helper, cache, iid = sys.argv[1:4]
subprocess.run([helper, cache, iid, b"az=zone-\xff\xc0-BADUTF8"], check=True)
PYEOF

# 3. The command line: escaped in the table, raw in JSON.
expect_rc 0 env LC_ALL=C.UTF-8 $PDC instances --filter "$ID"
cp "$TEST_TMP/out" "$TEST_TMP/table"
# (the table cuts long cells with an ellipsis)
expect_grep 'HOSTNAME\\u009b31mC1\\u202eBIDI\\u200bZW' "$TEST_TMP/table"
expect_grep 'own\\u202egpj\.exe\\u2067x\\u2068y@example\.' "$TEST_TMP/table"
"$PY" - "$TEST_TMP/table" <<'PYEOF' || fail "instances prints a hostile character raw"
import sys
t = open(sys.argv[1], "rb").read().decode("utf-8")
bad = [c for c in t if ord(c) < 0x20 and c != "\n" or 0x7f <= ord(c) <= 0x9f or
       0x200b <= ord(c) <= 0x200f or 0x202a <= ord(c) <= 0x202e or
       0x2060 <= ord(c) <= 0x206f or ord(c) == 0xfeff]
assert not bad, bad
PYEOF
expect_rc 0 $PDC instances --format json --filter "$ID"
"$PY" - "$TEST_TMP/out" <<'PYEOF' || fail "--format json does not keep the raw values"
import json, sys
# Strict: JSON text must be UTF-8; the zone planted above holds a byte
# that is not, which comes out as U+FFFD.
(r,) = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert "\ufffd" in r["az"], r["az"]
t = r["tags"]
assert t["Name"] == "HOSTNAME\u009b31mC1\u202eBIDI\u200bZW\u2066ISO\u2069END", t["Name"]
assert t["C1"] == "nel\u0085osc\u009d0;PWNED-C1\u009cst\u0090dcs", t["C1"]
assert t["Long"] == "L" * 4990 + "<END>", len(t["Long"])
raw = open(sys.argv[1], "rb").read()
assert b"\x1b" not in raw, "a raw ESC in JSON output"
PYEOF

# 4. The console, every byte recorded.
cat >"$TEST_TMP/aws-config" <<'AWSCONF'
[profile evil]
credential_process = sh -c 'printf "\033]0;PWNED-CP\007\033[2JPWNED-CP2 boom\n" >&2; exit 1'
AWSCONF
cat >"$TEST_TMP/config-evil" <<CONF
$(cat "$CFG")

[target default]
profile = evil
CONF
L="$TEST_TMP/launch.sh"
RAW="$TEST_TMP/raw"
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= \
	-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -- \
	--config "$TEST_TMP/config-evil" --cache "$CACHE"
# Wide: the status line gives its right half to the error message.
tm_start 600 60 "$L" "$RAW"
tm_wait '  name \^ ' "the table"

# The status line: the refresh fails with the process's stderr in it.
tm_wait_status '^ refresh: 1 target\(s\) failed, 0 synced' "the failed refresh"
tm_keys g
# (creds.c makes the process's control bytes '?'; the screen must show
# them so, or as escapes, and the raw output must not hold them)
tm_wait_status 'ERROR default/[a-z0-9-]+: CredentialProcessError: .*credential_process of profile evil .*exited with status 1: (\?|\\x1b)\]0;PWNED-CP.*\[2JPWNED-CP2 boom' \
	"the escaped error in the status line"

# The table: the instance, escaped.
tm_keys /
tm_type "$ID"
tm_keys Enter
tm_wait_status "^ [0-9]+ instances, 1 shown  /$ID" "the filter on $ID"
tm_wait 'HOSTNAME\\u009b31mC1\\u202eBIDI\\u200bZW\\u2066ISO\\u2069END' "the escaped name in the table"
# The drill-down: every field and every tag.
tm_keys Enter
tm_wait '^ Tags \([0-9]+\)$' "the drill-down"
tm_wait '^  OS +Ubuntu\\x1b\]0;PWNED-TITLE\\x07$' "the escaped OS name"
tm_wait '^  OS version +\\x1b\[2JPWNED-CLEAR\\x1b\[31mRED$' "the escaped OS version"
tm_wait '^  SSM agent +\\x1b\]52;c;UFdORUQ=\\x07PWNED-CLIP$' "the escaped agent version"
tm_wait '^  zone +zone-\\xff\\xc0-BADUTF8$' "the invalid UTF-8 zone"
tm_keys G
tm_wait '^  C1 +nel\\u0085osc\\u009d0;PWNED-C1\\u009cst\\u0090dcs$' "the C1 tag"
tm_wait '^  ZeroWidth +a\\u200bb\\u200cc\\u200dd\\u2060e\\ufeffBOM$' "the zero-width tag"
tm_wait '^  Owner +own\\u202egpj\.exe\\u2067x\\u2068y@example\.com$' "the bidi owner"
tm_wait '^  Long +L{100,}…$' "the long tag, cut with an ellipsis"
tm_cap
expect_no_grep '<END>' "$TEST_TMP/screen"
tm_max_width 600 || fail "a line is wider than the terminal"
[ "$(grep -c 'LLLLLLLLLL' "$TEST_TMP/screen")" -eq 1 ] ||
	fail "the long value spills over more than one line"
tm_keys q
tm_wait '  name \^ ' "the table again"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop

"$PY" - "$RAW" <<'PYEOF' || fail "a hostile payload reached the terminal raw"
import sys
raw = open(sys.argv[1], "rb").read()
assert len(raw) > 5000, "only %d bytes recorded" % len(raw)
bad = {
    b"\x1b]": "OSC (title, clipboard)",
    b"PWNED-TITLE\x07": "BEL after the title payload",
    b"\x1b[2JPWNED": "ESC[2J from a value",
    b"\x1b[31mRED": "SGR from a value",
    b"\xc2\x9b": "C1 CSI",
    b"\xc2\x9d": "C1 OSC",
    b"\xc2\x85": "C1 NEL",
    b"\xe2\x80\xae": "RIGHT-TO-LEFT OVERRIDE",
    b"\xe2\x80\x8b": "ZERO WIDTH SPACE",
    b"\xe2\x80\x8c": "ZERO WIDTH NON-JOINER",
    b"\xe2\x80\x8d": "ZERO WIDTH JOINER",
    b"\xe2\x81\xa0": "WORD JOINER",
    b"\xe2\x81\xa6": "LEFT-TO-RIGHT ISOLATE",
    b"\xe2\x81\xa7": "RIGHT-TO-LEFT ISOLATE",
    b"\xe2\x81\xa8": "FIRST STRONG ISOLATE",
    b"\xe2\x81\xa9": "POP DIRECTIONAL ISOLATE",
    b"\xef\xbb\xbf": "BOM",
    b"\xff": "invalid UTF-8 byte",
    b"\x1b]0;PWNED-CP": "credential_process stderr",
}
found = [(k, v) for k, v in bad.items() if k in raw]
for k, v in found:
    i = raw.index(k)
    print("raw output holds %s %r at %d: %r" % (v, k, i, raw[max(0, i - 30):i + 30]))
try:
    raw.decode("utf-8")
except UnicodeDecodeError as e:
    print("raw output is not valid UTF-8: %s" % e)
    found.append(("utf8", "invalid"))
# The markers were drawn, as escapes.
for m in (b"PWNED-TITLE", b"PWNED-CLEAR", b"PWNED-CLIP", b"PWNED-C1", b"BADUTF8"):
    if m not in raw:
        print("marker %r never drawn" % m)
        found.append((m, "missing"))
sys.exit(1 if found else 0)
PYEOF

# 5. The same instance without a UTF-8 locale: bytes escaped, none >= 0x80.
expect_rc 0 env LC_ALL=C $PDC instances --filter "$ID"
expect_grep 'HOSTNAME\\xc2\\x9b31mC1\\xe2\\x80\\xaeBIDI' "$TEST_TMP/out"
"$PY" -c '
import sys
raw = open(sys.argv[1], "rb").read()
assert not any(b >= 0x80 or (b < 0x20 and b not in (9, 10)) for b in raw), raw[:200]
' "$TEST_TMP/out" || fail "LC_ALL=C instances output is not plain ASCII"
echo "hostile: ok"
