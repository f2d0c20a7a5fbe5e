#!/bin/sh
# make demo: the console against a simulated fleet.  Starts tests/sim with a
# demo fleet over 3 accounts and 2 regions, writes a throw-away AWS config
# (one profile per account, endpoint_url pointing at the simulator) and a
# patchdeck config (targets, windows: one opening within the next hours
# and one in progress, computed from the clock, beside next week's;
# [results], [precheck]), runs `patchdeck setup`, shapes tonight's window
# (tests/demo_fleet.py: stopped, offline, unmanaged, excepted members and
# a pre-check fate of every failure kind), syncs, pre-checks tonight's
# window once, prints what to try, opens the console, and stops the
# simulator when the console exits.  Nothing outside a temporary folder
# is touched.
#
# PATCHDECK_DEMO_NO_CONSOLE=1 (this script's switch, not patchdeck's):
# everything but the console; instead, what the second terminal would
# see (windows, plan and the cached pre-check of tonight's window), as
# without a terminal.  tests/integration/test_demo.sh uses it.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/patchdeck-demo.XXXXXX")
cleanup() {
	sh "$root/tests/sim/simctl" stop "$dir/sim" >/dev/null 2>&1
	rm -rf "$dir"
}
# A closed terminal (HUP) cleans up too; a signal's trap waits for the
# console in the foreground to end first (POSIX).
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --time-scale 60: a simulated minute per second, so a pre-check that
# times out (600 s) takes 10 s, and an instance prepare starts boots
# (--boot-delay 600, SSM Online) in 10 s.
echo "demo: starting the simulator (a demo fleet of 600+ instances)..."
sh tests/sim/simctl start "$dir/sim" --seed 2026 --fleet 660 --accounts 3 \
	--regions us-east-1,eu-west-1 --time-scale 60 --boot-delay 600 >/dev/null || {
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
key="" secret=""
while [ "$n" -le "${PATCHDECK_SIM_ACCOUNTS:-1}" ]; do
	eval "key=\${PATCHDECK_SIM_ACCOUNT_${n}_KEY:-\$AWS_ACCESS_KEY_ID}"
	eval "secret=\${PATCHDECK_SIM_ACCOUNT_${n}_SECRET:-\$AWS_SECRET_ACCESS_KEY}"
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

# Tonight's windows from the clock, in UTC: `tonight` opens in about
# 1 h 40 min (the overview counts it down; prepare wakes its stopped
# members before it), `running-now` opened half an hour ago.  Minutes of
# the day, rounded to 5; ${x#0} keeps "08" from reading as octal.
hh=$(date -u +%H)
mm=$(date -u +%M)
now_min=$((${hh#0} * 60 + ${mm#0}))
hhmm() {
	_m=$((($1 + 1440) % 1440 / 5 * 5))
	printf '%02d:%02d' $((_m / 60)) $((_m % 60))
}
tonight_at=$(hhmm $((now_min + 100)))
running_at=$(hhmm $((now_min - 30)))

cat >"$dir/patchdeck.conf" <<CONF
[general]
refresh = 5m
sns_topic = arn:aws:sns:us-east-1:${PATCHDECK_SIM_ACCOUNT_1_ID:-123456789012}:patchdeck-alerts
# prepare (p in the plan pane) waits this long for SSM Online; one of
# tonight's stopped members never boots, so the wait ends on it.
prepare_timeout = 1m

[results]
bucket = patchdeck-demo-results
prefix = demo
athena_database = patchdeck
athena_output = s3://patchdeck-demo-results/athena/

[precheck]
min_free_mb = 1024
min_free_pct = 10
mounts = /, /var
repo_url_prefixes = https://mirror.example.com/
max_load1 = 8
repo_map = http://untrusted.example.net/ -> https://mirror.example.com/

$targets
[window tonight]
schedule = daily $tonight_at
duration = 3h
timezone = UTC

[window running-now]
schedule = daily $running_at
duration = 2h
timezone = UTC

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
py=$(sh "$root/tests/sim/find-python.sh" 2>/dev/null)
simenv="$dir/sim/env"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
unset AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION
export AWS_CONFIG_FILE="$dir/aws-config"
export AWS_SHARED_CREDENTIALS_FILE="$dir/aws-credentials"
export AWS_EC2_METADATA_DISABLED=true
export XDG_STATE_HOME="$dir/state"
pd() {
	"$root/patchdeck" --config "$dir/patchdeck.conf" --cache "$dir/cache.db" "$@"
}
# A step that did not work: said, counted (the exit status without a
# console), and the demo goes on with what it has.
problems=0
problem() {
	echo "demo: $*"
	problems=$((problems + 1))
}

# The results bucket (private), the alerts topic, and tonight's windows:
# members stopped, offline, unmanaged, terminated, excepted, with an
# unapproved tag, and a pre-check fate of every failure kind.
echo "demo: tonight's windows (tonight at $tonight_at UTC, running-now since $running_at UTC)..."
"$py" "$root/tests/demo_fleet.py" "$simenv" fleet ||
	problem "could not shape tonight's window; the console shows what it can"

# Setup: the DynamoDB tables and the Athena tables in the home account,
# the SSM documents in every account and region, the bucket checked.
echo "demo: patchdeck setup..."
if pd setup >"$dir/setup.out" 2>"$dir/setup.err"; then
	# The tables and the bucket's verdict as setup says them; the
	# documents (one line per document, account and region) counted.
	grep -v '^document ' "$dir/setup.out" | sed 's/^/    /'
	docs=$(sed -n 's/^document \([^ ]*\) in .*/\1/p' "$dir/setup.out" | sort -u | tr '\n' ' ')
	where=$(sed -n 's/^document [^ ]* in \([^:]*\):.*/\1/p' "$dir/setup.out" | sort -u | wc -l)
	echo "    documents ${docs}in each of $where account/region(s): $(grep -c '^document .*: created' "$dir/setup.out") created"
else
	problem "patchdeck setup failed; its output:"
	sed 's/^/    /' "$dir/setup.out" "$dir/setup.err" | tail -n 30
fi

echo "demo: the exceptions table and its records..."
"$py" "$root/tests/demo_fleet.py" "$simenv" records ||
	problem "could not fill the exceptions table; the view shows what it can"

echo "demo: first sync..."
pd sync >"$dir/sync.out" 2>&1 ||
	problem "the first sync reported failures; the console shows them"
tail -n 3 "$dir/sync.out" | sed 's/^/    /'
pd exceptions list >/dev/null 2>&1 || true

# A pre-check of tonight's window, so the overview's failing pre-checks,
# the plan pane's verdicts and `precheck --cached` have data before the
# console opens (exit 4: some members failed, as planned).  Its progress
# lines go to stderr; the members that time out take ~10 s.
echo "demo: pre-checking tonight's window..."
pd precheck tonight --format json >"$dir/precheck.json" 2>"$dir/precheck.err"
rc=$?
grep -E '^precheck:' "$dir/precheck.err" | tail -n 4 | sed 's/^/    /'
[ "$rc" -eq 0 ] || [ "$rc" -eq 4 ] ||
	{ problem "the pre-check failed (exit $rc):"; tail -n 10 "$dir/precheck.err"; }

# The lines that point the CLI of another terminal at this fleet while the
# console runs: the same throw-away files, none of that terminal's keys,
# and `pd` for this patchdeck with the demo's config and cache.  Also in
# $dir/cli.sh, to source.
q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
{
	echo "unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION"
	echo "export AWS_CONFIG_FILE=$(q "$AWS_CONFIG_FILE") AWS_SHARED_CREDENTIALS_FILE=$(q "$AWS_SHARED_CREDENTIALS_FILE") AWS_EC2_METADATA_DISABLED=true XDG_STATE_HOME=$(q "$XDG_STATE_HOME")"
	echo "pd() { $(q "$root/patchdeck") --config $(q "$dir/patchdeck.conf") --cache $(q "$dir/cache.db") \"\$@\"; }"
} >"$dir/cli.sh"
cat <<EOF

demo: in the console (? lists every key):
    Tab or h    the windows pane: tonight's overview; "tonight" opens in
                about 1 h 40 min, "running-now" is in progress; each shows
                its members at risk (off, stop, pre, tag, exc); j/k move
    Enter       the window's plan: each member's action (unreachable, wake,
                excluded with the reason, patch) and latest pre-check
    p           (plan pane) prepare: tag and start the stopped members,
                wait for SSM Online (one never boots: c stops the wait)
    U           (plan pane) undo: stop exactly those again, untag them
    P           pre-check the window: failed first, Enter for a member's
                checks and its output (hostile-precheck-output's is full
                of escape sequences: shown escaped)
    F           (pre-check pane) fix the failed rows (Space marks): disk,
                repo, pkg_lock; the re-check shows what the fix changed
    e, S        the exceptions view; the exception tag sync
    l, q        back to the table; quit (the simulator stops with it)

demo: while the console runs, another terminal reaches this fleet with
EOF
sed 's/^/    /' "$dir/cli.sh"
cat <<EOF
demo: (those three lines are also in $dir/cli.sh, to source); then try
    pd windows
    pd plan tonight
    pd precheck tonight --cached
    pd precheck tonight --fix disk --yes
    pd prepare tonight --yes        (pd prepare --undo tonight --yes)
EOF
if [ -t 0 ] && [ -t 1 ] && [ "${PATCHDECK_DEMO_NO_CONSOLE:-0}" = 0 ]; then
	pd
else
	# Through cli.sh alone, in an environment of nothing else: what
	# another terminal would do with the lines above.
	echo "demo: no console; what the second terminal shows instead:"
	for c in "windows" "plan tonight" "precheck tonight --cached"; do
		echo "\$ pd $c"
		# shellcheck disable=SC2086 # $c: words on purpose
		env -i PATH="$PATH" HOME="${HOME:-/}" sh -c '. "$1" && shift && pd "$@"' sh \
			"$dir/cli.sh" $c
		# precheck: 4 when some member failed, as planned.
		rc=$?
		[ "$rc" -eq 0 ] || { [ "$rc" -eq 4 ] && [ "${c%% *}" = precheck ]; } ||
			problem "pd $c exited $rc"
	done
	[ "$problems" -eq 0 ] || { echo "demo: $problems problem(s) above"; exit 1; }
fi
