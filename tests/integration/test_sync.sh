#!/bin/sh
# patchdeck sync against tests/sim: 2 accounts x 2 regions fetched at
# once and merged (EC2 + SSM) into the cache; a target that fails (a
# wrong secret) is named with the AWS error and keeps its previous rows
# while the others sync; throttling and 5xx injected from a seeded source
# are ridden out through retries; progress lines on a non-terminal.
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 21 --fleet 240 --accounts 2 --regions us-east-1,eu-west-1

# One AWS profile per simulated account, as in a real set-up.
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF2
[acct1]
aws_access_key_id = $PATCHDECK_SIM_ACCOUNT_1_KEY
aws_secret_access_key = $PATCHDECK_SIM_ACCOUNT_1_SECRET

[acct2]
aws_access_key_id = $PATCHDECK_SIM_ACCOUNT_2_KEY
aws_secret_access_key = $PATCHDECK_SIM_ACCOUNT_2_SECRET
EOF2
cat >"$AWS_CONFIG_FILE" <<EOF2
[profile acct1]
region = us-east-1
endpoint_url = $AWS_ENDPOINT_URL

[profile acct2]
region = us-east-1
endpoint_url = $AWS_ENDPOINT_URL
EOF2
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL
CFG="$TEST_TMP/config"
cat >"$CFG" <<'CONF'
[target one]
profile = acct1
regions = us-east-1, eu-west-1

[target two]
profile = acct2
regions = us-east-1, eu-west-1

[window sun-0200]
schedule = sun 02:00
duration = 3h
CONF
DB="$TEST_TMP/cache.db"
PDC="$PD --config $CFG --cache $DB"

# 1. Everything: four targets, each with its account's instances.
expect_rc 0 timeout 180 $PDC sync
for t in one/us-east-1 one/eu-west-1 two/us-east-1 two/eu-west-1; do
	expect_grep "sync $t: [0-9]+ instances" "$TEST_TMP/err"
done
expect_grep 'sync: 4 target\(s\) synced, 0 failed, 240 instances' "$TEST_TMP/err"
expect_rc 0 $PDC instances --format json
cp "$TEST_TMP/out" "$TEST_TMP/first.json"
"$PY" - "$TEST_TMP/first.json" "$PATCHDECK_SIM_ACCOUNT_1_ID" "$PATCHDECK_SIM_ACCOUNT_2_ID" <<'PYEOF' || fail "the synced rows are not what the simulator holds"
import json, sys
rows = json.load(open(sys.argv[1]))
accounts = {sys.argv[2], sys.argv[3]}
assert len(rows) == 240, len(rows)
assert {r["account"] for r in rows} == accounts, {r["account"] for r in rows}
assert {r["region"] for r in rows} == {"us-east-1", "eu-west-1"}
keys = {(r["account"], r["region"], r["id"]) for r in rows}
assert len(keys) == 240, "an instance appears twice"
# SSM merged in: running instances have a ping status and an agent.
running = [r for r in rows if r["state"] == "running"]
assert running and sum(1 for r in running if r["ping"] in ("Online", "ConnectionLost")) == len(running), \
    [r["ping"] for r in running][:10]
assert any(r["agent_version"] for r in running)
PYEOF

# 2. Target two's secret goes bad: it fails with the AWS code, keeps its
#    rows, and target one still syncs.
sed -i "s|^aws_secret_access_key = $PATCHDECK_SIM_ACCOUNT_2_SECRET|aws_secret_access_key = wrong${PATCHDECK_SIM_ACCOUNT_2_SECRET}|" \
	"$AWS_SHARED_CREDENTIALS_FILE"
expect_rc 1 timeout 180 $PDC sync
expect_grep 'sync two/us-east-1: FAILED: [A-Za-z]+' "$TEST_TMP/err"
expect_grep '(SignatureDoesNotMatch|AuthFailure|InvalidSignatureException|InvalidClientTokenId)' "$TEST_TMP/err"
expect_grep 'sync one/us-east-1: [0-9]+ instances' "$TEST_TMP/err"
expect_grep 'sync: 2 target\(s\) synced, 2 failed' "$TEST_TMP/err"
expect_rc 0 $PDC instances --format json
"$PY" - "$TEST_TMP/first.json" "$TEST_TMP/out" <<'PYEOF' || fail "a failed target lost its rows"
import json, sys
a = {(r["account"], r["region"], r["id"]) for r in json.load(open(sys.argv[1]))}
b = {(r["account"], r["region"], r["id"]) for r in json.load(open(sys.argv[2]))}
assert a == b, (len(a), len(b))
PYEOF
sed -i "s|^aws_secret_access_key = wrong|aws_secret_access_key = |" "$AWS_SHARED_CREDENTIALS_FILE"

# 3. 30% throttling and 5% 5xx, seeded: the sync completes through
#    retries, and the simulator saw the faults.
sim_post /_sim/log/clear '{}' >/dev/null
sim_post /_sim/faults '{"throttle": 0.3, "5xx": 0.05, "seed": 5}' >/dev/null
AWS_MAX_ATTEMPTS=10 expect_rc 0 timeout 300 $PDC --debug="$TEST_TMP/debug" sync
expect_grep 'sync: 4 target\(s\) synced, 0 failed, 240 instances' "$TEST_TMP/err"
grep -q ' retry [0-9]* in ' "$TEST_TMP/debug" || fail "no retries under 30% throttling"
sim_get /_sim/log >"$TEST_TMP/simlog"
"$PY" -c '
import json, sys
log = json.load(open(sys.argv[1]))
assert any(e.get("fault") for e in log), "no fault was injected"
' "$TEST_TMP/simlog" || fail "the simulator injected no faults"
sim_post /_sim/faults '{"throttle": 0, "5xx": 0}' >/dev/null

# 4. No secret in anything we wrote.
for f in "$TEST_TMP/out" "$TEST_TMP/err" "$TEST_TMP/debug"; do
	if grep -F -q -- "$PATCHDECK_SIM_ACCOUNT_1_SECRET" "$f"; then
		fail "a secret key appears in $f"
	fi
done
echo "sync: ok"
