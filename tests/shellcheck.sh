#!/bin/sh
# shellcheck.sh: make test's shellcheck stage.  The SSM document scripts of
# data/ssm pass `shellcheck -S warning`, checked two ways:
#   - each document's script as the document holds it (build.py --scripts:
#     common.sh and the parameter lines in place), the file SSM runs, so a
#     variable set in common.sh and used in the script is seen whole;
#   - each data/ssm/*.sh alone, as sh, without the checks that need the
#     other file (SC2034 unused, SC2154 unassigned, SC2148 no shebang in
#     common.sh), so a script no document uses is checked too.
# Where shellcheck is not installed: "skip: shellcheck: not installed".
# Ends with "shellcheck: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
if ! command -v shellcheck >/dev/null 2>&1; then
	echo "skip: shellcheck: not installed (apt-get install shellcheck)"
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/patchdeck-shellcheck.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
check() {
	if shellcheck -s sh -S warning "$@"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL shellcheck $*"
	fi
}
python3 data/ssm/build.py --scripts "$dir" >"$dir/list" || {
	echo "FAIL data/ssm/build.py --scripts"
	exit 1
}
for f in $(cat "$dir/list"); do
	check "$f"
done
for f in data/ssm/*.sh; do
	check -e SC2034,SC2154,SC2148 "$f"
done
echo "shellcheck: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
