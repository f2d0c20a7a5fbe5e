#!/bin/sh
# doctor against tests/sim: passes; fails with the backend's signature
# error on a wrong secret; survives 30% throttling and 5% 5xx through
# retries that stay within the policy; gives up after 3 attempts when
# everything is throttled.  No secret in any output.
. tests/integration/lib.sh
sim_start --seed 7 --fleet 20

# 1. Everything passes.
expect_rc 0 timeout 120 "$PD" doctor
expect_grep '^identity +arn:aws:' "$TEST_TMP/out"
expect_grep '^credentials +environment' "$TEST_TMP/out"
expect_grep '^region +us-east-1 \(from AWS_REGION\)' "$TEST_TMP/out"
expect_grep '^7 of 7 checks passed' "$TEST_TMP/out"
for svc in STS EC2 SSM DYNAMODB S3 ATHENA SNS; do
	expect_grep "^$svc +pass " "$TEST_TMP/out"
done
expect_rc 0 timeout 120 "$PD" doctor --format json
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["passed"] == r["total"] == 7, r
assert r["arn"].startswith("arn:aws:"), r
assert all(c["ok"] and c["endpoint"].startswith("http://127.0.0.1:") for c in r["checks"]), r
' "$TEST_TMP/out" || fail "doctor --format json is not what it should be"

# 2. A wrong secret: the backend's signature error, non-zero exit.
good_secret=$AWS_SECRET_ACCESS_KEY
AWS_SECRET_ACCESS_KEY="${good_secret}x" expect_rc 1 timeout 120 "$PD" doctor
expect_grep 'FAIL' "$TEST_TMP/out"
expect_grep '(SignatureDoesNotMatch|InvalidSignatureException)' "$TEST_TMP/out"
expect_no_grep '^7 of 7' "$TEST_TMP/out"

# 3. 30% throttling and 5% 5xx, seeded; 10 attempts: every read succeeds,
#    and each retry waited no longer than the policy allows.
sim_post /_sim/faults '{"throttle": 0.3, "5xx": 0.05, "seed": 42}' >/dev/null
: >"$TEST_TMP/debug"
for i in 1 2 3; do
	AWS_MAX_ATTEMPTS=10 expect_rc 0 timeout 300 "$PD" --debug="$TEST_TMP/debug" doctor
	expect_grep '^7 of 7 checks passed' "$TEST_TMP/out"
done
retries=$(grep -c ' retry [0-9]* in [0-9]* ms' "$TEST_TMP/debug")
[ "$retries" -gt 0 ] || fail "no retries were made with 30% throttling"
awk '
/ retry [0-9]+ in [0-9]+ ms/ {
	n = $(NF - 3); d = $(NF - 1)
	cap = 2 ^ (n - 1); if (cap > 20) cap = 20
	if (d < 0 || d > cap * 1000) { print "retry " n " waited " d " ms > " cap " s"; bad = 1 }
}
/attempt [0-9]+\/[0-9]+/ {
	split($0, a, "attempt "); split(a[2], b, "/"); split(b[2], c, ":")
	if (b[1] + 0 > 10 || c[1] + 0 != 10) { print "attempt " b[1] " of " c[1]; bad = 1 }
}
END { exit bad }' "$TEST_TMP/debug" || fail "retries outside the policy"
echo "retries under faults: $retries"
sim_get /_sim/log >"$TEST_TMP/simlog"
python3 -c '
import json, sys
log = json.load(open(sys.argv[1]))
faulted = [e for e in log if e.get("fault")]
assert faulted, "the simulator injected no faults"
' "$TEST_TMP/simlog" || fail "the simulator log shows no injected faults"

# 4. Every reply throttled, default attempts: ends with the throttling code
#    after 3 attempts per call, not a hang (timeout is only a guard).
sim_post /_sim/faults '{"throttle": 1.0, "5xx": 0, "seed": 1}' >/dev/null
: >"$TEST_TMP/debug"
expect_rc 1 timeout 120 env -u AWS_MAX_ATTEMPTS "$PD" --debug="$TEST_TMP/debug" doctor
expect_grep '(Throttling|ThrottlingException|RequestLimitExceeded|SlowDown|ProvisionedThroughputExceededException)' "$TEST_TMP/out"
expect_grep 'after 3 attempts' "$TEST_TMP/out"
expect_no_grep 'attempt 4/' "$TEST_TMP/debug"
sim_post /_sim/faults '{"throttle": 0, "5xx": 0}' >/dev/null

# 5. No secret anywhere we wrote.
for f in "$TEST_TMP/out" "$TEST_TMP/err" "$TEST_TMP/debug"; do
	if grep -F -q -- "$good_secret" "$f"; then
		fail "the secret key appears in $f"
	fi
done
echo "doctor: ok"
