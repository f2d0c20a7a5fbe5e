#!/bin/sh
# make demo: the console against a simulated fleet.  Starts tests/sim with a
# demo fleet over 3 accounts and 2 regions, writes a throw-away AWS config
# (one profile per account, endpoint_url pointing at the simulator) and a
# patchdeck config (targets and windows), opens the console, and stops the
# simulator when the console exits.  Nothing outside a temporary folder is
# touched.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/patchdeck-demo.XXXXXX")
cleanup() {
	sh "$root/tests/sim/simctl" stop "$dir/sim" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "demo: starting the simulator (a demo fleet of 600+ instances)..."
sh tests/sim/simctl start "$dir/sim" --seed 2026 --fleet 660 --accounts 3 \
	--regions us-east-1,eu-west-1 --time-scale 60 >/dev/null || {
	echo "demo: the simulator did not start; its log:" >&2
	tail -n 30 "$dir"/sim/*.log >&2
	exit 1
}
. "$dir/sim/env"

# One AWS profile per simulated account: the same conventions as a real
# fleet, only the endpoint differs.
: >"$dir/aws-credentials"
: >"$dir/aws-config"
n=1
targets=""
while [ "$n" -le "${PATCHDECK_SIM_ACCOUNTS:-1}" ]; do
	eval key=\${PATCHDECK_SIM_ACCOUNT_${n}_KEY:-$AWS_ACCESS_KEY_ID}
	eval secret=\${PATCHDECK_SIM_ACCOUNT_${n}_SECRET:-$AWS_SECRET_ACCESS_KEY}
	printf '[sim%d]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n' \
		"$n" "$key" "$secret" >>"$dir/aws-credentials"
	printf '[profile sim%d]\nregion = us-east-1\nendpoint_url = %s\n\n' \
		"$n" "$AWS_ENDPOINT_URL" >>"$dir/aws-config"
	# The default profile is account 1: the exceptions table and the
	# alerts topic live there (the default session, see README).
	if [ "$n" -eq 1 ]; then
		printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n' \
			"$key" "$secret" >>"$dir/aws-credentials"
		printf '[default]\nregion = us-east-1\nendpoint_url = %s\n\n' \
			"$AWS_ENDPOINT_URL" >>"$dir/aws-config"
	fi
	targets="$targets$(printf '[target account-%d]\nprofile = sim%d\nregions = %s\n\n' \
		"$n" "$n" "$(echo "${PATCHDECK_SIM_REGIONS:-us-east-1}" | sed 's/,/, /g')")
"
	n=$((n + 1))
done

cat >"$dir/patchdeck.conf" <<CONF
[general]
refresh = 5m
sns_topic = arn:aws:sns:us-east-1:${PATCHDECK_SIM_ACCOUNT_1_ID:-123456789012}:patchdeck-alerts

$targets
[window sun-0200]
schedule = sun 02:00
duration = 3h
timezone = Europe/Berlin

[window sun-0400]
schedule = sun 04:00
duration = 2h
timezone = Europe/Berlin

[window tue-2200]
schedule = tue 22:00
duration = 2h
timezone = America/New_York

[window wed-0100]
schedule = wed 01:00
duration = 3h
timezone = UTC

[window sat-2300]
schedule = sat 23:00
duration = 4h
timezone = Australia/Sydney

[window 2nd-tue+3d-0100]
schedule = 2nd tue +3d 01:00
duration = 4h
timezone = Europe/Berlin
CONF

# Only the throw-away files: no key of the environment or of ~/.aws.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
unset AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION
export AWS_CONFIG_FILE="$dir/aws-config"
export AWS_SHARED_CREDENTIALS_FILE="$dir/aws-credentials"
export AWS_EC2_METADATA_DISABLED=true
export XDG_STATE_HOME="$dir/state"

echo "demo: first sync..."
"$root/patchdeck" --config "$dir/patchdeck.conf" --cache "$dir/cache.db" sync ||
	echo "demo: the first sync reported failures; the console shows them"

# The exceptions table, with records behind most of the fleet's
# PatchException tags (approved), a few of them approved by their own
# requester (invalid: the tag counts as unapproved), some waiting for a
# decision, one rejected, and a few tags nobody approved, for the exceptions view
# (e) and its sync (S).
echo "demo: the exceptions table and its records..."
"$root/patchdeck" --config "$dir/patchdeck.conf" --cache "$dir/cache.db" setup >/dev/null &&
py=$(sh "$root/tests/sim/find-python.sh" 2>/dev/null) &&
"$py" - "$dir/sim/env" <<'PYEOF' ||
import boto3, datetime, sys
# "export K=V" lines (simctl); a plain K=V is read as well.
env = dict((l[len("export "):] if l.startswith("export ") else l).strip().split("=", 1)
           for l in open(sys.argv[1]) if "=" in l)
url = env["AWS_ENDPOINT_URL"]
n = int(env.get("PATCHDECK_SIM_ACCOUNTS", "1"))
regions = env.get("PATCHDECK_SIM_REGIONS", "us-east-1").split(",")
def client(svc, k, region="us-east-1"):
    return boto3.client(svc, endpoint_url=url, region_name=region,
                        aws_access_key_id=env["PATCHDECK_SIM_ACCOUNT_%d_KEY" % k],
                        aws_secret_access_key=env["PATCHDECK_SIM_ACCOUNT_%d_SECRET" % k])
ddb = client("dynamodb", 1)
client("sns", 1).create_topic(Name="patchdeck-alerts")
acct = lambda k: env.get("PATCHDECK_SIM_ACCOUNT_%d_ID" % k, "123456789012")
today = datetime.date.today()
i = 0
for k in range(1, n + 1):
    for region in regions:
        for r in client("ec2", k, region).describe_instances()["Reservations"]:
            for inst in r["Instances"]:
                tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
                iid, i = inst["InstanceId"], i + 1
                asked = today - datetime.timedelta(days=12)
                item = {"instance_id": iid,
                        "exception_id": "ex-%s090000-%06x" % (asked.strftime("%Y%m%d"), i),
                        "requested_by": "arn:aws:iam::%s:user/owner-%d" % (acct(k), i % 7),
                        "requested_at": asked.isoformat() + "T09:00:00Z",
                        "reason": "release freeze, ticket CHG-%d" % (4000 + i),
                        "ticket": "CHG-%d" % (4000 + i)}
                rng = tags.get("PatchException", "")
                if ".." in rng:
                    if i % 5 == 0:
                        continue          # a tag nobody approved
                    s, e = rng.split("..", 1)
                    item.update(starts=s, ends=e, status="APPROVED",
                                decided_by="arn:aws:iam::%s:user/approver" % acct(1),
                                decided_at=(today - datetime.timedelta(days=11)).isoformat() + "T10:00:00Z")
                    if i % 23 == 0:       # approved by its own requester: invalid
                        item["decided_by"] = item["requested_by"]
                elif i % 40 == 3:
                    s = today + datetime.timedelta(days=3 + i % 9)
                    item.update(starts=s.isoformat(), ends=(s + datetime.timedelta(days=7)).isoformat(),
                                status="PENDING" if i % 80 != 3 else "REJECTED")
                    if item["status"] == "REJECTED":
                        item.update(decided_by="arn:aws:iam::%s:user/approver" % acct(1),
                                    decided_at=today.isoformat() + "T08:00:00Z",
                                    decision_reason="the bid is over by then")
                else:
                    continue
                ddb.put_item(TableName="patchdeck-exceptions",
                             Item={k2: {"S": v} for k2, v in item.items()})
PYEOF
	echo "demo: could not fill the exceptions table; the view shows what it can"
"$root/patchdeck" --config "$dir/patchdeck.conf" --cache "$dir/cache.db" exceptions list >/dev/null 2>&1 || true

# The lines that point the CLI of another terminal at this fleet while the
# console runs: the same throw-away files, none of that terminal's keys.
# Also in $dir/cli.sh, to source.
q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
{
	echo "unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION"
	echo "export AWS_CONFIG_FILE=$(q "$AWS_CONFIG_FILE") AWS_SHARED_CREDENTIALS_FILE=$(q "$AWS_SHARED_CREDENTIALS_FILE") AWS_EC2_METADATA_DISABLED=true XDG_STATE_HOME=$(q "$XDG_STATE_HOME")"
} >"$dir/cli.sh"
echo "demo: while the console runs, another terminal reaches this fleet with"
sed 's/^/    /' "$dir/cli.sh"
echo "    cd $(q "$root") && ./patchdeck --config $(q "$dir/patchdeck.conf") --cache $(q "$dir/cache.db") instances"
echo "demo: (the first two lines are also in $dir/cli.sh, to source)"
if [ -t 0 ] && [ -t 1 ]; then
	"$root/patchdeck" --config "$dir/patchdeck.conf" --cache "$dir/cache.db"
else
	# Through cli.sh alone, in an environment of nothing else: what
	# another terminal would do with the lines above.
	echo "demo: not a terminal; showing the inventory instead of the console"
	env -i PATH="$PATH" HOME="${HOME:-/}" sh -c '. "$1" && cd "$2" &&
		./patchdeck --config "$3" --cache "$4" windows' sh \
		"$dir/cli.sh" "$root" "$dir/patchdeck.conf" "$dir/cache.db"
fi
