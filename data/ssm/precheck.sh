#!/bin/sh
# patchdeck Linux pre-check script (DESIGN.md section 6).
#
# Runs as the `precheck` step (aws:runShellScript) of the SSM document
# patchdeck-precheck.json; data/ssm/build.py embeds this file there.
# POSIX sh only.  Never write two opening braces in a row in this file: SSM
# would take them for a parameter reference.
#
# Prints exactly one line (and nothing else on stdout):
#   PATCHDECK_PRECHECK {"v":1,"disk":[{"mount":"/","free_mb":0,"free_pct":0}],
#     "repo":"ok|<error>","repo_urls":["..."],"pkg_lock":false,"uptime_s":0,
#     "load1":0.0,"reboot_pending":false}
# disk: / always, /var, /boot, /tmp only when they are separate mounts;
#   free_pct = available / (used + available), as df computes its capacity.
# repo: the package manager's metadata refresh, under a timeout; "ok" or the
#   error text.  Not run while another package manager holds the lock.
# repo_urls: baseurl / mirrorlist / metalink of enabled yum, dnf and zypper
#   repositories, deb and URIs lines of apt sources, in order, deduplicated.
# reboot_pending: a newer kernel is installed than the one running, or the OS
#   flags a pending reboot (reboot-required files, needs-restarting -r,
#   zypper needs-rebooting).
# Exit status is 0 whenever the line was printed: the caller judges the values.
#
# Environment: PATCHDECK_ROOT (prefix for every file read), PATCHDECK_PM,
# PATCHDECK_REPO_TIMEOUT (seconds, default 120).
# patchdeck:params (build.py inserts the SSM parameter assignments after this line)

ROOT=${PATCHDECK_ROOT:-}
REPO_TIMEOUT=${PATCHDECK_REPO_TIMEOUT:-120}

# patchdeck:common (build.py puts common.sh here in the document)

disk_json() {
	out=
	for m in / /var /boot /tmp; do
		line=$(df -Pk "$m" 2>/dev/null | awk 'NR == 2 {
			mnt = $6; for (i = 7; i <= NF; i++) mnt = mnt " " $i
			t = $3 + $4; pct = 0; if (t > 0) pct = int($4 * 100 / t)
			print int($4 / 1024), pct, mnt }')
		[ -n "$line" ] || continue
		mb=${line%% *}
		rest=${line#* }
		pct=${rest%% *}
		mnt=${rest#* }
		[ "$m" = / ] || [ "$mnt" = "$m" ] || continue
		out="${out:+$out,}{\"mount\":$(json_str "$m"),\"free_mb\":$(int "$mb"),\"free_pct\":$(int "$pct")}"
	done
	printf '[%s]' "$out"
}

# ini_urls FILE...: URLs of enabled sections of yum / zypper .repo files.
ini_urls() {
	cat "$@" 2>/dev/null | tr -d '\r' | awk '
function flush() { if (sect != "" && enabled) printf "%s", urls; urls = ""; enabled = 1 }
/^[ \t]*[#;]/ { next }
/^[ \t]*\[/ { flush(); sect = $0; cont = 0; next }
/^[ \t]*enabled[ \t]*=/ { v = $0; sub(/^[^=]*=[ \t]*/, "", v); enabled = (v !~ /^(0|no|false|off)/); cont = 0; next }
/^[ \t]*(baseurl|mirrorlist|metalink)[ \t]*=/ { v = $0; sub(/^[^=]*=/, "", v); add(v); cont = 1; next }
/^[ \t]+[^ \t]/ { if (cont) add($0); next }
{ cont = 0 }
function add(v,   n, i, a) { gsub(/,/, " ", v); n = split(v, a, /[ \t]+/); for (i = 1; i <= n; i++) if (a[i] != "") urls = urls a[i] "\n" }
BEGIN { enabled = 1 }
END { flush() }'
}

repo_urls() {
	case $PM in
	apt)
		cat "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/*.list 2>/dev/null | tr -d '\r' |
			awk '/^[ \t]*deb[ \t]/ { sub(/\[[^\]]*\]/, ""); if ($2 != "") print $2 }'
		cat "$ROOT"/etc/apt/sources.list.d/*.sources 2>/dev/null | tr -d '\r' | awk '
function flush() { if (!off) printf "%s", urls; urls = ""; off = 0 }
/^[ \t]*$/ { flush(); next }
/^[ \t]*#/ { next }
tolower($1) == "enabled:" && tolower($2) ~ /^(no|false|0)/ { off = 1 }
tolower($1) == "uris:" { for (i = 2; i <= NF; i++) urls = urls $i "\n" }
END { flush() }'
		;;
	dnf | yum) ini_urls "$ROOT"/etc/yum.repos.d/*.repo ;;
	zypper) ini_urls "$ROOT"/etc/zypp/repos.d/*.repo ;;
	esac | awk 'NF && !seen[$0]++' | head -n 50
}

urls_json() {
	out=
	while IFS= read -r u; do
		[ -n "$u" ] || continue
		out="${out:+$out,}$(json_str "$u")"
	done <<URLS
$(repo_urls)
URLS
	printf '[%s]' "$out"
}

main() {
	PM=$(detect_pm)
	tmp=${TMPDIR:-/tmp}/patchdeck-precheck.$$
	trap 'rm -f "$tmp"' EXIT
	trap 'exit 1' HUP INT TERM

	lock=false
	if h=$(lock_holder); then
		lock=true
		repo="not checked: package lock held by $h"
	elif refresh "$tmp" "$REPO_TIMEOUT"; then
		repo=ok
	else
		repo=$(classify "$tmp" $? 'metadata refresh')
	fi

	running=$(uname -r 2>/dev/null)
	pending=false
	if [ "$(newest_kernel "$running")" != "$running" ] || reboot_flagged; then
		pending=true
	fi
	up=$(awk '{ print int($1) }' "$ROOT/proc/uptime" 2>/dev/null)
	load=$(awk '{ print $1 }' "$ROOT/proc/loadavg" 2>/dev/null)
	case $load in
	'' | *[!0-9.]* | *.*.* | .* | *.) load=0.0 ;;
	esac

	printf 'PATCHDECK_PRECHECK {"v":1,"disk":%s,"repo":%s,"repo_urls":%s,"pkg_lock":%s,"uptime_s":%s,"load1":%s,"reboot_pending":%s}\n' \
		"$(disk_json)" "$(json_str "$repo")" "$(urls_json)" "$lock" "$(int "$up")" "$load" "$pending"
}

main "$@"
