#!/bin/sh
# `patchdeck setup` against tests/sim, 2 accounts x 2 regions:
#   - --dry-run lists every change (CreateTable, the Athena DDL,
#     CreateDocument in each of the four target/regions) and makes none;
#   - read-only refuses;
#   - setup creates the DynamoDB tables, the Athena database and tables
#     (home account only) and the documents in every target/region, with
#     the content built into the binary (SSM's Hash = its SHA-256), audited;
#   - a second setup changes nothing and says so;
#   - a document changed behind patchdeck's back is updated to a new
#     version, made the default; when an older version holds ours, or the
#     newest one does but is not the default, only the default is set;
#   - an Athena table with other columns is reported, not dropped;
#   - a public bucket and a missing bucket are reported (exit 1).
. tests/integration/lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 9 --fleet 8 --accounts 2 --regions us-east-1,eu-west-1

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
# boto3 below speaks as account 1, the home account.
export AWS_ACCESS_KEY_ID=$PATCHDECK_SIM_ACCOUNT_1_KEY
export AWS_SECRET_ACCESS_KEY=$PATCHDECK_SIM_ACCOUNT_1_SECRET
export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
CFG="$TEST_TMP/config"
write_config() {
	cat >"$CFG" <<CONF
[target one]
profile = acct1
regions = us-east-1, eu-west-1

[target two]
profile = acct2
regions = us-east-1, eu-west-1

[results]
bucket = $1
prefix = pd
athena_output = s3://pd-results/athena-out/
CONF
}
write_config pd-results
PDC="$PD --config $CFG --profile acct1"
SLOTS="one/us-east-1 one/eu-west-1 two/us-east-1 two/eu-west-1"
# Every data/ssm document is set up (a new one needs no change here).
DOCS=$(for f in data/ssm/*.json; do basename "$f" .json; done)
NDOCS=$(echo $DOCS | wc -w)

"$PY" - <<'PYEOF' || fail "could not make the bucket"
import boto3
s3 = boto3.client("s3")
s3.create_bucket(Bucket="pd-results")
s3.put_public_access_block(Bucket="pd-results", PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True})
PYEOF

# How many requests that change something the simulator logged.
sim_writes() {
	sim_get /_sim/log >"$TEST_TMP/simlog"
	"$PY" -c '
import json, sys
log = json.load(open(sys.argv[1]))
w = {"CreateTable", "PutItem", "UpdateItem", "DeleteItem", "CreateDocument",
     "UpdateDocument", "UpdateDocumentDefaultVersion", "StartQueryExecution",
     "PutObject", "CreateBucket", "PutBucketPolicy"}
print(sum(1 for e in log if e.get("op") in w))
' "$TEST_TMP/simlog"
}

# 1. Dry run: every change listed, none made.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC --dry-run setup
expect_grep '^would call: CreateTable .*"TableName":"patchdeck-exceptions"' "$TEST_TMP/out"
expect_grep '^would call: CreateTable .*"TableName":"patchdeck-runs"' "$TEST_TMP/out"
expect_grep '^would call: StartQueryExecution .*CREATE DATABASE IF NOT EXISTS patchdeck$' "$TEST_TMP/out"
expect_grep '^would call: StartQueryExecution .*CREATE EXTERNAL TABLE IF NOT EXISTS patchdeck.results \(' "$TEST_TMP/out"
expect_grep '^would call: StartQueryExecution .*CREATE EXTERNAL TABLE IF NOT EXISTS patchdeck.prechecks \(' "$TEST_TMP/out"
for s in $SLOTS; do
	for d in $DOCS; do
		expect_grep "^would call: CreateDocument $d in $s \\(content sha256 [0-9a-f]{64}\\)$" "$TEST_TMP/out"
	done
done
# 2 DynamoDB tables, the database and 2 Athena tables, every document in
# each of the 4 target/regions.
expect_grep "^setup: dry run: $((5 + 4 * NDOCS)) change\\(s\\) would be made; none was\$" "$TEST_TMP/out"
expect_grep '^bucket pd-results: exists, not public \(public access block: all four on\)$' "$TEST_TMP/out"
[ "$(sim_writes)" -eq 0 ] || fail "setup --dry-run changed something"
[ ! -s "$AUDIT" ] || fail "a dry run wrote the audit log"

# 2. Read-only refuses before any call.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 1 $PDC --read-only setup
expect_grep 'read-only mode' "$TEST_TMP/err"
[ "$(sim_writes)" -eq 0 ] || fail "a read-only setup changed something"

# 3. Setup (stdout is not a terminal: progress on stderr).
expect_rc 0 $PDC setup
expect_grep '^setup: reading the documents in two/eu-west-1 \(4/4\)$' "$TEST_TMP/err"
expect_grep "^setup: making $((5 + 4 * NDOCS)) change\\(s\\)\$" "$TEST_TMP/err"
expect_grep '^table patchdeck-exceptions: created \(ACTIVE\)$' "$TEST_TMP/out"
expect_grep '^database patchdeck: created$' "$TEST_TMP/out"
expect_grep '^table patchdeck.results: created$' "$TEST_TMP/out"
expect_grep '^table patchdeck.prechecks: created$' "$TEST_TMP/out"
for s in $SLOTS; do
	for d in $DOCS; do
		expect_grep "^document $d in $s: created \\(version 1\\)$" "$TEST_TMP/out"
	done
done
"$PY" - "$PATCHDECK_SIM_ACCOUNT_2_KEY" "$PATCHDECK_SIM_ACCOUNT_2_SECRET" <<'PYEOF' || fail "not what setup should have made"
import boto3, hashlib, sys
import glob, os
keys = [{}, {"aws_access_key_id": sys.argv[1], "aws_secret_access_key": sys.argv[2]}]
names = [os.path.basename(f)[:-5] for f in glob.glob("data/ssm/*.json")]
assert "patchdeck-linux-patch" in names and "patchdeck-precheck" in names, names
for k in keys:
    for region in ("us-east-1", "eu-west-1"):
        ssm = boto3.client("ssm", region_name=region, **k)
        for name in names:
            want = hashlib.sha256(open("data/ssm/%s.json" % name, "rb").read()).hexdigest()
            d = ssm.describe_document(Name=name)["Document"]
            assert d["Hash"] == want, (name, region, d["Hash"], want)
            assert d["DocumentType"] == "Command" and d["DocumentFormat"] == "JSON", d
# Athena: in the home account and region only.
ath = boto3.client("athena", region_name="us-east-1")
t = ath.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="patchdeck",
                           TableName="prechecks")["TableMetadata"]
cols = {c["Name"]: c["Type"] for c in t["Columns"]}
assert cols["disk"] == "array<struct<mount:string,free_mb:bigint,free_pct:int>>", cols
assert cols["repo_urls"] == "array<string>" and cols["failures"] == "array<string>", cols
assert t["Parameters"]["serde.serialization.lib"] == "org.apache.hive.hcatalog.data.JsonSerDe", t
assert t["Parameters"]["location"] == "s3://pd-results/pd/prechecks/", t
for region, k in (("eu-west-1", keys[0]), ("us-east-1", keys[1])):
    dbs = boto3.client("athena", region_name=region, **k).list_databases(
        CatalogName="AwsDataCatalog")["DatabaseList"]
    assert "patchdeck" not in [d["Name"] for d in dbs], (region, dbs)
PYEOF
[ "$(grep -c '"action":"setup.create_document"' "$AUDIT")" -eq $((8 * NDOCS)) ] ||
	fail "expected $((4 * NDOCS)) documents audited before and after"
[ "$(grep -c '"action":"setup.athena_ddl"' "$AUDIT")" -eq 6 ] ||
	fail "expected 3 Athena statements audited before and after"

# 4. Twice: nothing to do, nothing sent that changes anything.
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC setup
expect_grep '^setup: nothing to do$' "$TEST_TMP/out"
expect_grep '^document patchdeck-precheck in two/eu-west-1: current \(version 1\)$' "$TEST_TMP/out"
expect_grep '^table patchdeck.results: exists$' "$TEST_TMP/out"
[ "$(sim_writes)" -eq 0 ] || fail "the second setup changed something"

# 5. Documents changed behind patchdeck's back.  SSM refuses content an
# older version holds (DuplicateDocumentContent), so each case is set up
# the way it happens:
#   one/eu-west-1 linux-patch: made afresh by someone else (version 1 is
#     theirs): updated, version 2 made the default;
#   one/eu-west-1 precheck: someone's version 2 made the default; ours is
#     version 1: it becomes the default again;
#   two/eu-west-1 precheck: theirs is version 1 (the default), ours the
#     newest (2), not the default: only the default is set.
"$PY" - "$PATCHDECK_SIM_ACCOUNT_2_KEY" "$PATCHDECK_SIM_ACCOUNT_2_SECRET" <<'PYEOF' || fail "could not change the documents"
import boto3, json, sys
def edited(name):
    d = json.load(open("data/ssm/%s.json" % name))
    d["description"] = "someone's edit"
    return json.dumps(d)
ours = lambda name: open("data/ssm/%s.json" % name).read()
ssm = boto3.client("ssm", region_name="eu-west-1")
ssm.delete_document(Name="patchdeck-linux-patch")
ssm.create_document(Name="patchdeck-linux-patch", Content=edited("patchdeck-linux-patch"),
                    DocumentType="Command", DocumentFormat="JSON")
v = ssm.update_document(Name="patchdeck-precheck", Content=edited("patchdeck-precheck"),
                        DocumentVersion="$LATEST", DocumentFormat="JSON")["DocumentDescription"]
ssm.update_document_default_version(Name="patchdeck-precheck", DocumentVersion=v["DocumentVersion"])
ssm2 = boto3.client("ssm", region_name="eu-west-1", aws_access_key_id=sys.argv[1],
                    aws_secret_access_key=sys.argv[2])
ssm2.delete_document(Name="patchdeck-precheck")
ssm2.create_document(Name="patchdeck-precheck", Content=edited("patchdeck-precheck"),
                     DocumentType="Command", DocumentFormat="JSON")
ssm2.update_document(Name="patchdeck-precheck", Content=ours("patchdeck-precheck"),
                     DocumentVersion="$LATEST", DocumentFormat="JSON")
PYEOF
expect_rc 0 $PDC --dry-run setup
expect_grep '^would call: UpdateDocument patchdeck-linux-patch in one/eu-west-1 \(content sha256 [0-9a-f]{64}; default version 1 has [0-9a-f]{64}\)$' "$TEST_TMP/out"
expect_grep '^would call: UpdateDocumentDefaultVersion patchdeck-linux-patch in one/eu-west-1 \(to the new version\)$' "$TEST_TMP/out"
expect_grep '^would call: UpdateDocument patchdeck-precheck in one/eu-west-1 ' "$TEST_TMP/out"
expect_grep '^would call: UpdateDocumentDefaultVersion patchdeck-precheck in two/eu-west-1 \(to version 2, which holds this content\)$' "$TEST_TMP/out"
expect_grep '^setup: dry run: 3 change\(s\) would be made; none was$' "$TEST_TMP/out"
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 0 $PDC setup
expect_grep '^document patchdeck-linux-patch in one/eu-west-1: updated \(default version 2, was 1\)$' "$TEST_TMP/out"
expect_grep '^document patchdeck-precheck in one/eu-west-1: updated \(default version 1, was 2\)$' "$TEST_TMP/out"
expect_grep '^document patchdeck-precheck in two/eu-west-1: updated \(default version 2, was 1\)$' "$TEST_TMP/out"
expect_grep '^document patchdeck-linux-patch in one/us-east-1: current \(version 1\)$' "$TEST_TMP/out"
sim_get /_sim/log >"$TEST_TMP/simlog"
"$PY" - "$TEST_TMP/simlog" "$PATCHDECK_SIM_ACCOUNT_2_KEY" "$PATCHDECK_SIM_ACCOUNT_2_SECRET" <<'PYEOF' || fail "not the calls a document update takes"
import boto3, hashlib, json, sys
ops = [e["op"] for e in json.load(open(sys.argv[1]))]
assert ops.count("UpdateDocument") == 2, ops
assert ops.count("UpdateDocumentDefaultVersion") == 3, ops
assert "CreateDocument" not in ops, ops
want = lambda n: hashlib.sha256(open("data/ssm/%s.json" % n, "rb").read()).hexdigest()
ssm = boto3.client("ssm", region_name="eu-west-1")
ssm2 = boto3.client("ssm", region_name="eu-west-1", aws_access_key_id=sys.argv[2],
                    aws_secret_access_key=sys.argv[3])
for c, name, default in ((ssm, "patchdeck-linux-patch", "2"), (ssm, "patchdeck-precheck", "1"),
                         (ssm2, "patchdeck-precheck", "2")):
    d = c.describe_document(Name=name)["Document"]
    assert (d["DefaultVersion"], d["Hash"]) == (default, want(name)), (name, d)
PYEOF
expect_grep '"action":"setup.update_document"' "$AUDIT"
expect_grep '"action":"setup.set_default_version"' "$AUDIT"
expect_rc 0 $PDC setup
expect_grep '^setup: nothing to do$' "$TEST_TMP/out"

# 6. An Athena table with other columns (an older layout): reported with
# what differs, never dropped; exit 1.
"$PY" - <<'PYEOF' || fail "could not replace the table"
import boto3, time
ath = boto3.client("athena", region_name="us-east-1")
def run(q):
    i = ath.start_query_execution(QueryString=q, QueryExecutionContext={"Database": "patchdeck"},
                                  ResultConfiguration={"OutputLocation": "s3://pd-results/athena-out/"})
    for _ in range(100):
        s = ath.get_query_execution(QueryExecutionId=i["QueryExecutionId"])["QueryExecution"]["Status"]
        if s["State"] not in ("QUEUED", "RUNNING"):
            assert s["State"] == "SUCCEEDED", s
            return
        time.sleep(0.1)
run("DROP TABLE prechecks")
run("CREATE EXTERNAL TABLE prechecks (`run_id` string, `disk` string) PARTITIONED BY (`dt` string) "
    "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://pd-results/pd/prechecks/'")
PYEOF
sim_post /_sim/log/clear '{}' >/dev/null
expect_rc 1 $PDC setup
expect_grep '^table patchdeck.prechecks: DIFFERS from patchdeck.s: it lacks .*disk array<struct<mount:string,free_mb:bigint,free_pct:int>>.*; it has instead disk string; patchdeck does not drop tables: DROP TABLE patchdeck.prechecks' "$TEST_TMP/out"
expect_grep '^setup: nothing to create or update; see the problems above$' "$TEST_TMP/out"
[ "$(sim_writes)" -eq 0 ] || fail "setup touched a table that differs"
"$PY" - <<'PYEOF' || fail "could not drop the table"
import boto3, time
ath = boto3.client("athena", region_name="us-east-1")
i = ath.start_query_execution(QueryString="DROP TABLE prechecks",
                              QueryExecutionContext={"Database": "patchdeck"},
                              ResultConfiguration={"OutputLocation": "s3://pd-results/athena-out/"})
time.sleep(0.5)
assert ath.get_query_execution(QueryExecutionId=i["QueryExecutionId"])["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
PYEOF
expect_rc 0 $PDC setup
expect_grep '^table patchdeck.prechecks: created$' "$TEST_TMP/out"

# 7. A public bucket: reported, exit 1; nothing else changes.
"$PY" - <<'PYEOF' || fail "could not make the bucket public"
import boto3, json
s3 = boto3.client("s3")
s3.delete_public_access_block(Bucket="pd-results")
s3.put_bucket_policy(Bucket="pd-results", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::pd-results/*"}]}))
PYEOF
expect_rc 1 $PDC setup
expect_grep '^bucket pd-results: PROBLEM: it is PUBLIC: its bucket policy grants public access$' "$TEST_TMP/out"
expect_no_grep '^setup: nothing to do$' "$TEST_TMP/out"

# 8. A missing bucket.
write_config pd-no-such-bucket
expect_rc 1 $PDC setup
expect_grep '^bucket pd-no-such-bucket: PROBLEM: it does not exist$' "$TEST_TMP/out"
