#!/bin/sh
# The client follows the standard retry policy, as the simulator sees it
# (its log counts and times every attempt; patchdeck's own debug log is
# not asked):
#   1. a 400 that is not throttling (ValidationException,
#      ConditionalCheckFailedException) is sent exactly once, even with
#      attempts to spare; a 400 throttle on the same operation is retried;
#   2. a throttled call waits its backoff before the next attempt.
. tests/integration/lib.sh

CALLS=${PATCHDECK_CALLS_BIN:-"$ROOT/${B:-build}/tests/calls"}
if [ ! -x "$CALLS" ]; then
	make --no-print-directory "${B:-build}/tests/calls" >"$TEST_TMP/make.log" 2>&1 ||
		fail "cannot build $CALLS: $(tail -n 20 "$TEST_TMP/make.log")"
fi
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto"

sim_start --seed 4 --fleet 6

# requests OP: how many requests of OP the simulator received since the
# last log/clear.
requests() {
	sim_get /_sim/log >"$TEST_TMP/simlog" || fail "GET /_sim/log failed"
	"$PY" -c '
import json, sys
print(sum(1 for r in json.load(open(sys.argv[1])) if r["op"] == sys.argv[2]))
' "$TEST_TMP/simlog" "$1"
}

# 1. doctor reads DynamoDB with ListTables; its first reply is the error
#    queued for it.  Five attempts allowed: only the policy stops a retry.
for code in ValidationException ConditionalCheckFailedException; do
	sim_post /_sim/log/clear '{}' >/dev/null
	sim_post /_sim/faults/queue \
		"{\"op\": \"ListTables\", \"faults\": [{\"status\": 400, \"code\": \"$code\"}]}" \
		>/dev/null || fail "cannot queue $code"
	AWS_MAX_ATTEMPTS=5 expect_rc 1 timeout 60 "$PD" doctor
	expect_grep "^DYNAMODB +FAIL " "$TEST_TMP/out"
	expect_grep "^ +$code: " "$TEST_TMP/out"
	n=$(requests ListTables)
	[ "$n" -eq 1 ] || fail "a 400 $code was sent $n times, not once"
	echo "400 $code: sent once"
done
# The same status with a throttling code is retried: the count above
# would have seen a retry.
sim_post /_sim/log/clear '{}' >/dev/null
sim_post /_sim/faults/queue '{"op": "ListTables", "faults": ["throttle"]}' >/dev/null
AWS_MAX_ATTEMPTS=5 expect_rc 0 timeout 60 "$PD" doctor
n=$(requests ListTables)
[ "$n" -eq 2 ] || fail "a 400 throttle on ListTables was sent $n times, not twice"

# 2. Backoff.  Before retry 1 the policy waits rand[0,1) s.  N calls
#    (calls --retry-probe: DescribeInstances, each with a filter of its
#    own, so the log's body digest tells which attempts are one call's),
#    in rounds of 16 (net.c's connections per host), each round's 16
#    throttles queued before it: N retries.  Each retry must arrive after
#    the reply before it was handed over (t_done), and the waits in all
#    must add up to what a backoff gives.  Each wait is at least the
#    backoff drawn, and that at least U - 1 ms for U uniform on [0,1)
#    (retry_delay_ms truncates to whole ms; a retry that took a second
#    throttle waits U * 2), so the sum is at least S - N ms with S a sum of
#    N independent uniforms.  P(S <= x) <= x^N / N! (the simplex holds the
#    cube's corner): for N = 48 and x = 7 + 0.048 s that is below 1e-20, so
#    the test never fails by chance (the expected sum is 24 s).  A client
#    that retries at once waits some 30 ms per retry on a busy machine
#    (about 1.5 s in all), so MIN_S = 7 catches it every time.  Wall time:
#    about 3 x 1 s.
N=48
MIN_S=7
BATCH=16
queue=$("$PY" -c 'import json, sys; print(json.dumps({"op": "DescribeInstances", "faults": ["throttle"] * int(sys.argv[1])}))' "$BATCH")
sim_post /_sim/log/clear '{}' >/dev/null
r=0
while [ "$r" -lt "$N" ]; do
	sim_post /_sim/faults/queue "$queue" >/dev/null || fail "cannot queue throttles"
	AWS_MAX_ATTEMPTS=10 expect_rc 0 timeout 120 "$CALLS" --retry-probe "$BATCH"
	expect_grep "^calls: $BATCH passed, 0 failed$" "$TEST_TMP/out"
	r=$((r + BATCH))
done
sim_get /_sim/log >"$TEST_TMP/simlog" || fail "GET /_sim/log failed"
"$PY" - "$N" "$MIN_S" "$TEST_TMP/simlog" <<'PY' || fail "throttled calls did not wait their backoff"
import json, sys
n, min_s = int(sys.argv[1]), float(sys.argv[2])
calls = {}
for r in json.load(open(sys.argv[3])):
    if r["op"] == "DescribeInstances":
        calls.setdefault(r["body"], []).append(r)
bad, waits = [], []
for body, att in calls.items():
    att.sort(key=lambda r: r["t"])
    if att[-1]["fault"] is not None or any(r["fault"] != "throttle" for r in att[:-1]):
        bad.append("call %s: %s" % (body, [(r["fault"], r["status"]) for r in att]))
    for a, b in zip(att, att[1:]):
        waits.append(b["t"] - a["t_done"])
        if b["t"] < a["t_done"]:
            bad.append("call %s: a retry arrived %.4f s before the reply it follows"
                       % (body, a["t_done"] - b["t"]))
if len(calls) != n or len(waits) != n:
    bad.append("%d calls and %d retries; want %d of each" % (len(calls), len(waits), n))
print("backoff: %d retries waited %.3f s in all (at least %.1f s wanted, %.1f s "
      "expected); shortest %.4f s" % (len(waits), sum(waits), min_s, n / 2.0,
                                     min(waits or [0])))
if sum(waits) < min_s:
    bad.append("the retries waited %.3f s in all" % sum(waits))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
echo "retry: ok"
