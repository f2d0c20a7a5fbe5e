#!/bin/sh
# tests/bench/precheck.sh - `patchdeck precheck` of 5,000 instances against
# tests/sim (time scale 1: SSM runs take the simulated seconds they would).
# Prints figures only, asserts nothing about time:
#   - the API calls made, per action, as the simulator logged them
#     (SendCommand: one per account and region by tag; ListCommandInvocations
#     pages of 50; DescribeInstanceInformation pages of 50 ids;
#     DescribeInstanceStatus calls of 100 ids; CreateTags/DeleteTags);
#   - wall time to the last parsed result, beside the simulator's own time
#     for the same span and the simulated end of the last invocation (the
#     floor: no client could see a result before it exists).
# Run from the top of the tree after `make` (run.sh calls it).
set -u
ROOT=$(pwd)
PD="$ROOT/patchdeck"
N=${PRECHECK_BENCH_N:-5000}
PY=$(sh "$ROOT/tests/sim/find-python.sh") || { echo "bench: no python3 with moto" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/patchdeck-bench-precheck.XXXXXX")
SIM_DIR="$TMP/sim"
cleanup() {
	sh "$ROOT/tests/sim/simctl" stop "$SIM_DIR" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() {
	echo "bench: $*" >&2
	exit 1
}

echo "== pre-check of $N instances (one window, one account and region)"
sh "$ROOT/tests/sim/simctl" start "$SIM_DIR" --seed 3 --fleet "$N" >/dev/null ||
	die "the simulator did not start"
set -a
. "$SIM_DIR/env"
set +a
export AWS_CONFIG_FILE="$TMP/aws-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/aws-credentials"
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"
export XDG_STATE_HOME="$TMP/state"
cat >"$TMP/config" <<'CONF'
[window sun-0200]
schedule = sun 02:00
duration = 3h

[precheck]
repo_url_prefixes = https://mirror.example.com/
CONF
PDC="$PD --config $TMP/config --cache $TMP/cache.db"
ctl() {
	curl -fsS -X POST -H 'Content-Type: application/json' -d "$2" "$PATCHDECK_SIM_URL/$1"
}

# Every instance into the window; fates: 95% pass, the rest spread over the
# failure kinds (no "timeout": it would wait the document's 600 s).
"$PY" - "$ROOT/data/ssm/patchdeck-precheck.json" >"$TMP/fates.json" <<'PYEOF' ||
import json, sys, boto3
ec2 = boto3.client("ec2")
boto3.client("ssm").create_document(Content=open(sys.argv[1]).read(), Name="patchdeck-precheck",
                                    DocumentType="Command", DocumentFormat="JSON")
ids = []
for page in ec2.get_paginator("describe_instances").paginate():
    for res in page["Reservations"]:
        ids += [i["InstanceId"] for i in res["Instances"] if i["State"]["Name"] != "terminated"]
for n in range(0, len(ids), 1000):
    ec2.create_tags(Resources=ids[n:n + 1000], Tags=[{"Key": "PatchWindow", "Value": "sun-0200"}])
    ec2.delete_tags(Resources=ids[n:n + 1000], Tags=[{"Key": "PatchException"}])
bad = ["disk", "repo_unreachable", "repo_url", "pkg_lock", "reboot_pending", "status_check",
       "undeliverable", "malformed"]
print(json.dumps({i: (bad[k // 20 % len(bad)] if k % 20 == 0 else "ok")
                  for k, i in enumerate(sorted(ids))}))
PYEOF
	die "setting up the fleet"
"$PY" -c 'import json,sys; json.dump({"fates": json.load(open(sys.argv[1]))}, open(sys.argv[2], "w"))' \
	"$TMP/fates.json" "$TMP/fates-body.json"
curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @"$TMP/fates-body.json" \
	"$PATCHDECK_SIM_URL/precheck" >/dev/null || die "POST /_sim/precheck"
$PDC sync >/dev/null 2>"$TMP/sync.err" || die "sync: $(tail -n 5 "$TMP/sync.err")"

ctl log/clear '{}' >/dev/null
t0=$(curl -fsS "$PATCHDECK_SIM_URL/clock" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["now"])')
$PDC --format json precheck sun-0200 >"$TMP/out.json" 2>"$TMP/err"
rc=$?
t1=$(curl -fsS "$PATCHDECK_SIM_URL/clock" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["now"])')
[ "$rc" -eq 0 ] || [ "$rc" -eq 4 ] || die "precheck exited $rc: $(tail -n 5 "$TMP/err")"
curl -fsS "$PATCHDECK_SIM_URL/log" >"$TMP/log.json"
"$PY" - "$TMP/log.json" "$TMP/out.json" "$t0" "$t1" <<'PYEOF'
import json, sys
log = json.load(open(sys.argv[1]))
rows = json.load(open(sys.argv[2]))
t0, t1 = float(sys.argv[3]), float(sys.argv[4])
ops = {}
for e in log:
    ops[e.get("op")] = ops.get(e.get("op"), 0) + 1
failed = sum(1 for r in rows if r["result"] == "fail")
print("members: %d (%d passed, %d failed)" % (len(rows), len(rows) - failed, failed))
for op in ("DescribeInstanceInformation", "DescribeInstanceStatus", "CreateTags",
           "SendCommand", "ListCommandInvocations", "GetCommandInvocation", "ListCommands",
           "DeleteTags", "GetCallerIdentity"):
    print("  %-28s %d call(s)" % (op, ops.get(op, 0)))
print("  %-28s %d call(s)" % ("all", len(log)))
print("simulated time over the whole pre-check: %.1f s" % (t1 - t0))
# The floor: when the simulator ended the last invocation, from the start
# of the command (RequestedDateTime), read back with boto3.
import boto3
ssm = boto3.client("ssm")
cmd = ssm.list_commands()["Commands"][0]
last = 0.0
for page in ssm.get_paginator("list_command_invocations").paginate(
        CommandId=cmd["CommandId"], Details=True):
    for inv in page["CommandInvocations"]:
        for pl in inv["CommandPlugins"]:
            if pl.get("ResponseFinishDateTime"):
                last = max(last, pl["ResponseFinishDateTime"].timestamp())
req = cmd["RequestedDateTime"].timestamp()
print("simulated: the last invocation ended %.1f s after SendCommand (the floor)"
      % (last - req))
PYEOF
grep '^precheck: \(calls\|last result\)' "$TMP/err"
