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
	targets="$targets$(printf '[target account-%d]\nprofile = sim%d\nregions = %s\n\n' \
		"$n" "$n" "$(echo "${PATCHDECK_SIM_REGIONS:-us-east-1}" | sed 's/,/, /g')")
"
	n=$((n + 1))
done

cat >"$dir/patchdeck.conf" <<CONF
[general]
refresh = 5m

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
if [ -t 0 ] && [ -t 1 ]; then
	"$root/patchdeck" --config "$dir/patchdeck.conf" --cache "$dir/cache.db"
else
	echo "demo: not a terminal; showing the inventory instead of the console"
	"$root/patchdeck" --config "$dir/patchdeck.conf" --cache "$dir/cache.db" windows
fi
