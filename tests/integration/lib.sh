# Shared by the integration tests: start and stop tests/sim, and checks
# that say what they expected.  Source it; $TEST_TMP is the test's folder.
set -u
ROOT=$(pwd)
PD="$ROOT/patchdeck"
# For sanitized builds: leaks inside libraries we cannot fix (none of ours).
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}"
SIM_DIR="$TEST_TMP/sim"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip_check WHAT WHY: a check this machine cannot run, said on a line
# "skip: TEST WHAT: WHY" that run.sh and make test count and list, so a
# green run says what it did not run.
skip_check() {
	echo "skip: $(basename "$0" .sh) $1: $2"
}

# sim_start [sim args...]: starts the simulator and exports its settings.
sim_start() {
	mkdir -p "$SIM_DIR"
	sh "$ROOT/tests/sim/simctl" start "$SIM_DIR" "$@" >/dev/null ||
		fail "the simulator did not start (log: $(tail -n 20 "$SIM_DIR"/*.log 2>/dev/null))"
	. "$SIM_DIR/env"
	# No profile files of the machine may leak into a test.
	export AWS_CONFIG_FILE="$TEST_TMP/aws-config"
	export AWS_SHARED_CREDENTIALS_FILE="$TEST_TMP/aws-credentials"
	: >"$AWS_CONFIG_FILE"
	: >"$AWS_SHARED_CREDENTIALS_FILE"
	unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
	trap sim_stop EXIT
}

sim_stop() {
	sh "$ROOT/tests/sim/simctl" stop "$SIM_DIR" >/dev/null 2>&1 || true
}

sim_url() {
	echo "http://127.0.0.1:$PATCHDECK_SIM_PORT$1"
}

# sim_get PATH / sim_post PATH JSON: the simulator's control API.
sim_get() {
	curl -fsS "$(sim_url "$1")"
}

sim_post() {
	curl -fsS -X POST -H 'Content-Type: application/json' -d "$2" "$(sim_url "$1")"
}

# sim_op_count OP: how many AWS requests of operation OP (all: any) the
# simulator logged since it started or since POST /_sim/log/clear.
sim_op_count() {
	sim_get /_sim/log >"$TEST_TMP/simlog" || fail "GET /_sim/log"
	"$(sh "$ROOT/tests/sim/find-python.sh")" -c '
import json, sys
log = json.load(open(sys.argv[1]))
op = sys.argv[2]
print(sum(1 for e in log if op == "all" or e.get("op") == op))
' "$TEST_TMP/simlog" "$1"
}

# expect_rc WANT CMD...: runs CMD, keeping stdout in $TEST_TMP/out and
# stderr in $TEST_TMP/err, and fails unless it exits WANT.
expect_rc() {
	want=$1
	shift
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "--- stdout"; cat "$TEST_TMP/out"
		echo "--- stderr"; tail -n 40 "$TEST_TMP/err"
		fail "$* exited $got, expected $want"
	fi
}

# expect_grep PATTERN FILE: FILE must hold a line matching PATTERN.
expect_grep() {
	grep -E -q -- "$1" "$2" || {
		echo "--- $2"; cat "$2"
		fail "no line matching /$1/ in $2"
	}
}

expect_no_grep() {
	if grep -E -q -- "$1" "$2"; then
		echo "--- $2"; cat "$2"
		fail "a line matches /$1/ in $2"
	fi
}

# sim_exceptions_table: the patchdeck-exceptions table (DESIGN.md section
# 5) in the simulator's DynamoDB, made with boto3 ($PY), for a test that
# puts records before patchdeck reads them.
sim_exceptions_table() {
	"$PY" - <<'PYEOF' || fail "creating the table patchdeck-exceptions"
import boto3
boto3.client("dynamodb").create_table(
    TableName="patchdeck-exceptions",
    KeySchema=[{"AttributeName": "instance_id", "KeyType": "HASH"},
               {"AttributeName": "exception_id", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "instance_id", "AttributeType": "S"},
                          {"AttributeName": "exception_id", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST")
PYEOF
}
