#!/bin/sh
# Every AWS call of the foundation issue's point 5, through src/aws, against
# tests/sim with throttling and 5xx injected (so calls go through retries),
# checked by build/tests/calls (tests/integration/calls.c) against values
# it put there itself.  This script prepares what our layer cannot make
# (bucket, SNS topic, IAM role, an assume-role profile), then checks from
# the simulator's side: the SNS message arrived, faults hit several
# operations, and every operation of point 5 ended at least once in a 2xx.
. tests/integration/lib.sh

# DescribeInstances pages at 1,000 (EC2_MAX_RESULTS): a fleet above that is
# what makes the paging check mean something.
FLEET=${PATCHDECK_CALLS_FLEET:-1500}
CALLS=${PATCHDECK_CALLS_BIN:-"$ROOT/${B:-build}/tests/calls"}

if [ ! -x "$CALLS" ]; then
	make --no-print-directory "${B:-build}/tests/calls" >"$TEST_TMP/make.log" 2>&1 ||
		fail "cannot build $CALLS: $(tail -n 20 "$TEST_TMP/make.log")"
fi
PY=$(sh tests/sim/find-python.sh) ||
	fail "no python3 with moto; install it with: pip install 'moto[server]' boto3"

sim_start --seed 3 --fleet "$FLEET"

# What the driver needs and our layer does not make, made with boto3 while
# no fault is injected.  ARNs come back on stdout, one per line.
"$PY" - >"$TEST_TMP/prep" 2>"$TEST_TMP/prep.err" <<'PY' ||
import json, os
import boto3
kw = dict(endpoint_url=os.environ["AWS_ENDPOINT_URL"],
          region_name=os.environ["AWS_REGION"])
boto3.client("s3", **kw).create_bucket(Bucket="patchdeck-calls")
topic = boto3.client("sns", **kw).create_topic(Name="patchdeck-calls")["TopicArn"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % os.environ["PATCHDECK_SIM_ACCOUNT_ID"]},
         "Action": "sts:AssumeRole"}]}
role = boto3.client("iam", **kw).create_role(
    RoleName="patchdeck-calls", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
print(topic)
print(role)
PY
	fail "preparing with boto3 failed: $(tail -n 20 "$TEST_TMP/prep.err")"
TOPIC=$(sed -n 1p "$TEST_TMP/prep")
ROLE=$(sed -n 2p "$TEST_TMP/prep")
[ -n "$TOPIC" ] && [ -n "$ROLE" ] || fail "no topic or role ARN: $(cat "$TEST_TMP/prep")"

# A profile that assumes the role from a profile with static keys, as an
# operator's ~/.aws would; lib.sh already points both files into $TEST_TMP.
umask 077
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF
[pd-base]
aws_access_key_id = $AWS_ACCESS_KEY_ID
aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
EOF
cat >"$AWS_CONFIG_FILE" <<EOF
[profile pd-assumed]
role_arn = $ROLE
source_profile = pd-base
region = $AWS_REGION
EOF

# Only the driver's requests in the log from here on, under faults.
sim_post /_sim/log/clear '{}' >/dev/null || fail "cannot clear the simulator log"
sim_post /_sim/faults '{"throttle": 0.2, "5xx": 0.05, "seed": 9}' >/dev/null ||
	fail "cannot set faults"

RUN_ID="calls-$(date -u +%H%M%S)"
AWS_MAX_ATTEMPTS=10 timeout 1200 "$CALLS" \
	--expect-instances "$FLEET" \
	--bucket patchdeck-calls \
	--topic-arn "$TOPIC" \
	--role-arn "$ROLE" \
	--assume-profile pd-assumed \
	--doc-file data/ssm/patchdeck-linux-patch.json \
	--results-sql data/athena/results.sql \
	--run-id "$RUN_ID" >"$TEST_TMP/calls.out" 2>"$TEST_TMP/calls.err"
rc=$?
sim_post /_sim/faults '{"throttle": 0, "5xx": 0}' >/dev/null
cat "$TEST_TMP/calls.out"
[ -s "$TEST_TMP/calls.err" ] && { echo "--- stderr"; tail -n 40 "$TEST_TMP/calls.err"; }

status=0
[ "$rc" -eq 0 ] || { echo "FAIL: the driver exited $rc"; status=1; }
grep -q '^calls: [0-9]* passed, 0 failed$' "$TEST_TMP/calls.out" ||
	{ echo "FAIL: the driver reported failures"; status=1; }

# No secret in anything the driver wrote.
for f in "$TEST_TMP/calls.out" "$TEST_TMP/calls.err"; do
	if grep -F -q -- "$AWS_SECRET_ACCESS_KEY" "$f"; then
		echo "FAIL: the secret key appears in $f"
		status=1
	fi
done

# The simulator's side: the message as published, with the id the driver saw.
MID=$(sed -n 's/^# sns message-id //p' "$TEST_TMP/calls.out")
sim_get /_sim/sns >"$TEST_TMP/sns.json" || fail "GET /_sim/sns failed"
"$PY" - "$TEST_TMP/sns.json" "$TOPIC" "$RUN_ID" "$MID" <<'PY' || status=1
import json, sys
msgs = json.load(open(sys.argv[1]))
topic, run, mid = sys.argv[2], sys.argv[3], sys.argv[4]
want = "patchdeck calls %s: \u2713 <&> \"q\" 'a' +=%%" % run
hits = [m for m in msgs if m["topic"] == topic and m["message"] == want]
if len(hits) != 1 or hits[0]["subject"] != "patchdeck calls " + run or \
        hits[0]["message_id"] != mid:
    print("FAIL sim_sns: %d messages match on %s (of %d); wanted id %r: %r"
          % (len(hits), topic, len(msgs), mid, msgs[-3:]))
    sys.exit(1)
print("ok sim_sns")
PY

# Faults hit several operations, and every operation of point 5 ended at
# least once in a 2xx.
sim_get /_sim/log >"$TEST_TMP/simlog.json" || fail "GET /_sim/log failed"
"$PY" - "$TEST_TMP/simlog.json" <<'PY' || status=1
import json, sys
log = json.load(open(sys.argv[1]))
want = {
    "ec2": ["DescribeInstances", "CreateTags", "DeleteTags", "StartInstances",
            "StopInstances"],
    "ssm": ["DescribeInstanceInformation", "SendCommand", "ListCommands",
            "ListCommandInvocations", "GetCommandInvocation", "CancelCommand",
            "CreateDocument", "UpdateDocument", "DescribeDocument"],
    "dynamodb": ["CreateTable", "DescribeTable", "Query", "Scan", "PutItem",
                 "UpdateItem"],
    "s3": ["ListObjectsV2", "GetObject", "PutObject"],
    "athena": ["StartQueryExecution", "GetQueryExecution", "GetQueryResults"],
    "sns": ["Publish"],
    "sts": ["GetCallerIdentity", "AssumeRole"],
}
ok2xx = {(e.get("service"), e.get("op")) for e in log
         if isinstance(e.get("status"), int) and 200 <= e["status"] < 300}
missing = ["%s %s" % (s, o) for s, ops in want.items() for o in ops
           if (s, o) not in ok2xx]
faulted = {}
for e in log:
    if e.get("fault") in ("throttle", "5xx"):
        k = "%s %s" % (e.get("service"), e.get("op"))
        faulted[k] = faulted.get(k, 0) + 1
kinds = {e.get("fault") for e in log if e.get("fault")}
bad = 0
if missing:
    print("FAIL sim_log_2xx: no 2xx for: " + ", ".join(missing))
    bad = 1
else:
    print("ok sim_log_2xx (%d requests, every operation of point 5)" % len(log))
if len(faulted) < 10 or not {"throttle", "5xx"} <= kinds:
    print("FAIL sim_log_faults: faults on %d operations (%s), kinds %s"
          % (len(faulted), ", ".join(sorted(faulted)), sorted(kinds)))
    bad = 1
else:
    print("ok sim_log_faults (%d faults on %d operations, kinds %s)"
          % (sum(faulted.values()), len(faulted), sorted(kinds)))
sys.exit(bad)
PY

[ "$status" -eq 0 ] || fail "aws calls: see the lines above"
echo "aws calls: ok"
