#!/bin/sh
# patchdeck Linux fix script: repairs what a failed pre-check found
# (issue #9 point 5; DESIGN.md section 6).
#
# Runs as the `fix` step (aws:runShellScript) of the SSM document
# patchdeck-fix.json; data/ssm/build.py embeds this file there.
# POSIX sh only.  Never write two opening braces in a row in this file: SSM
# would take them for a parameter reference.
#
# Kind (PATCHDECK_FIX_KIND):
#   disk      clean the package manager's caches (apt-get clean, yum / dnf
#             clean all, zypper clean --all) and vacuum the systemd journal
#             to PATCHDECK_JOURNAL_MAX (default 200M).  The caches are left
#             alone while a package manager runs (it holds them).
#   repo      rewrite repository URLs by the map (RepoMap, PATCHDECK_REPO_MAP:
#             "FROM -> TO, FROM -> TO", the [precheck] repo_map of the
#             config): every URL of an apt source (sources.list,
#             sources.list.d/*.list, deb822 *.sources URIs), a yum / dnf
#             repository (yum.repos.d) or a zypper repository (zypp/repos.d)
#             that starts with FROM gets TO instead of FROM.  Each file
#             changed is saved first under /var/lib/patchdeck/fix-backup.
#   pkg_lock  finish or clear an interrupted package transaction.  A package
#             manager that is running is never stopped unless Force is true
#             (then TERM, and KILL after PATCHDECK_KILL_WAIT seconds); without
#             Force the fix is "skipped" and names it.  With none running:
#             stale pid files and dpkg / apt lock files are removed (only
#             when fuser, where installed, says no process has them open),
#             then dpkg --configure -a (apt), yum-complete-transaction (yum),
#             dnf history redo of an unfinished last transaction (dnf).
#
# Prints exactly one line on stdout:
#   PATCHDECK_FIX {"v":1,"kind":"disk|repo|pkg_lock","status":"ok|failed|skipped",
#     "freed_mb":N,"changed":["..."],"error":"..."}
# freed_mb: free space gained on / and /var (disk; 0 for the others).
# changed: what was done, one entry per command run or file changed.
# Exit status 0 for ok and skipped, 1 for failed.
#
# Environment: PATCHDECK_ROOT (prefix for every file read or written),
# PATCHDECK_PM, PATCHDECK_FIX_KIND, PATCHDECK_FIX_FORCE (true|false),
# PATCHDECK_REPO_MAP, PATCHDECK_JOURNAL_MAX, PATCHDECK_KILL_WAIT.
# patchdeck:params (build.py inserts the SSM parameter assignments after this line)

ROOT=${PATCHDECK_ROOT:-}
KIND=${PATCHDECK_FIX_KIND:-}
FORCE=${PATCHDECK_FIX_FORCE:-false}
REPO_MAP=${PATCHDECK_REPO_MAP:-}
JOURNAL_MAX=${PATCHDECK_JOURNAL_MAX:-200M}
KILL_WAIT=${PATCHDECK_KILL_WAIT:-30}

# patchdeck:common (build.py puts common.sh here in the document)

STATUS=ok
ERROR=
CHANGED=
FREED=0

# did TEXT: one entry of "changed".
did() {
	CHANGED="${CHANGED:+$CHANGED,}$(json_str "$1")"
}

# fail TEXT: the fix failed (the first reason is kept).
fail() {
	STATUS=failed
	[ -n "$ERROR" ] || ERROR=$1
}

# free_mb: MB available on / plus /var when /var is a separate mount.
free_mb() {
	total=0
	for m in / /var; do
		line=$(df -Pk "$m" 2>/dev/null | awk 'NR == 2 { print int($4 / 1024), $6 }')
		[ -n "$line" ] || continue
		[ "$m" = / ] || [ "${line#* }" = "$m" ] || continue
		total=$((total + $(int "${line%% *}")))
	done
	echo "$total"
}

fix_disk() {
	before=$(free_mb)
	if h=$(lock_holder); then
		fail "package caches not cleaned: package manager running: $h"
	else
		case $PM in
		apt) set -- apt-get clean ;;
		dnf | yum) set -- "$PM" -y clean all ;;
		zypper) set -- zypper --non-interactive clean --all ;;
		*) set -- ;;
		esac
		if [ $# -gt 0 ]; then
			if run_to "$tmp" 600 "$@"; then
				did "$*"
			else
				fail "$(classify "$tmp" $? "$*")"
			fi
		else
			fail "no supported package manager (apt, dnf, yum, zypper)"
		fi
	fi
	if have journalctl; then
		if run_to "$tmp" 300 journalctl --vacuum-size="$JOURNAL_MAX"; then
			did "journalctl --vacuum-size=$JOURNAL_MAX"
		else
			fail "$(classify "$tmp" $? journalctl)"
		fi
	fi
	after=$(free_mb)
	[ "$after" -gt "$before" ] && FREED=$((after - before))
}

# rewrite FILE: FILE's repository URLs per REPO_MAP; 0 when it changed.
rewrite() {
	printf '%s\n' "$REPO_MAP" | tr ',' '\n' | awk '
# Literal prefixes, never patterns: a URL is data here.
NR == FNR {
	n = split($0, w, /[ \t]+/); k = 0
	for (i = 1; i <= n; i++) if (w[i] != "") v[++k] = w[i]
	if (k == 3 && v[2] == "->") { from[++nm] = v[1]; to[nm] = v[3] }
	next
}
function map(u,   i) {
	for (i = 1; i <= nm; i++)
		if (substr(u, 1, length(from[i])) == from[i]) { changed = 1; return to[i] substr(u, length(from[i]) + 1) }
	return u
}
# Each whitespace-separated word of a URL-bearing line is looked at; the
# spacing between words is kept as it was.
function words(s,   out, w, sp) {
	out = ""
	while (s != "") {
		match(s, /^[ \t]*/); sp = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
		match(s, /^[^ \t]*/); w = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
		out = out sp map(w)
	}
	return out
}
/^[ \t]*#/ { print; next }
/^[ \t]*(deb|deb-src)[ \t]/ || tolower($0) ~ /^[ \t]*uris:/ {
	match($0, /^[ \t]*[^ \t]+/); head = substr($0, 1, RLENGTH)
	print head words(substr($0, RLENGTH + 1)); next
}
/^[ \t]*(baseurl|mirrorlist|metalink)[ \t]*=/ {
	i = index($0, "="); print substr($0, 1, i) words(substr($0, i + 1)); cont = 1; next
}
/^[ \t]+[^ \t]/ { if (cont) { print words($0) } else print; next }
{ cont = 0; print }
END { exit changed ? 0 : 1 }' - "$1" >"$tmp.new"
}

fix_repo() {
	if [ -z "$(printf '%s' "$REPO_MAP" | tr -d ' ,')" ]; then
		STATUS=skipped
		ERROR="no repository map given ([precheck] repo_map)"
		return 0
	fi
	backup=$ROOT/var/lib/patchdeck/fix-backup
	stamp=$(date -u +%Y%m%dT%H%M%SZ 2>/dev/null)
	for f in "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/*.list \
		"$ROOT"/etc/apt/sources.list.d/*.sources "$ROOT"/etc/yum.repos.d/*.repo \
		"$ROOT"/etc/zypp/repos.d/*.repo; do
		[ -f "$f" ] || continue
		rewrite "$f" || continue
		name=${f#"$ROOT"}
		mkdir -p "$backup" &&
			cp -p "$f" "$backup/$(printf '%s' "$name" | tr / _).$stamp" &&
			cat "$tmp.new" >"$f" || {
			fail "could not rewrite $name"
			continue
		}
		did "$name"
	done
	rm -f "$tmp.new"
	[ -n "$CHANGED" ] || [ "$STATUS" != ok ] || {
		STATUS=skipped
		ERROR="no repository URL starts with a FROM of the map"
	}
}

# alive PID: PID runs (a zombie, stopped and waiting for its parent, does not).
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	st=$(sed -n 's/^.*) \([A-Za-z]\).*$/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ "$st" != Z ]
}

# holder: lock_holder's "pid N (name)" when that process is alive.
holder() {
	h=$(lock_holder) || return 1
	p=${h#pid }
	alive "${p%% *}" || return 1
	echo "$h"
}

# stop_holders: TERM, then KILL, every running package manager (Force).
stop_holders() {
	n=0
	while h=$(holder) && [ $n -lt 5 ]; do
		n=$((n + 1))
		pid=${h#pid }
		pid=${pid%% *}
		kill -TERM "$pid" 2>/dev/null
		w=0
		while alive "$pid" && [ $w -lt "$KILL_WAIT" ]; do
			sleep 1
			w=$((w + 1))
		done
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
		did "stopped $h"
	done
	if h=$(holder); then
		fail "package manager still running after being stopped: $h"
		return 1
	fi
	return 0
}

# unlock FILE: remove a lock file that no process has open.
unlock() {
	[ -e "$1" ] || return 0
	if have fuser && fuser "$1" >/dev/null 2>&1; then
		return 0
	fi
	rm -f "$1" && did "removed ${1#"$ROOT"}"
}

# stale_pidfiles: remove pid files whose process is gone.
stale_pidfiles() {
	for f in "$ROOT/var/run/yum.pid" "$ROOT/run/yum.pid" "$ROOT/var/run/zypp.pid" \
		"$ROOT/run/zypp.pid" "$ROOT/var/run/dnf.pid" "$ROOT/run/dnf.pid"; do
		[ -e "$f" ] || continue
		pid=$(head -n 1 "$f" 2>/dev/null | tr -cd '0-9')
		[ -n "$pid" ] && [ -d "$ROOT/proc/$pid" ] && continue
		rm -f "$f" && did "removed ${f#"$ROOT"}"
	done
}

fix_pkg_lock() {
	if h=$(holder); then
		if [ "$FORCE" != true ]; then
			STATUS=skipped
			ERROR="package manager running: $h; not stopped (Force=true stops it)"
			return 0
		fi
		stop_holders || return 0
	fi
	stale_pidfiles
	case $PM in
	apt)
		for f in lib/dpkg/lock-frontend lib/dpkg/lock lib/apt/lists/lock cache/apt/archives/lock; do
			unlock "$ROOT/var/$f"
		done
		if run_to "$tmp" 1800 dpkg --configure -a; then
			did "dpkg --configure -a"
		else
			fail "$(classify "$tmp" $? 'dpkg --configure -a')"
		fi
		;;
	yum)
		if have yum-complete-transaction; then
			if run_to "$tmp" 1800 yum-complete-transaction -y; then
				did "yum-complete-transaction -y"
			else
				fail "$(classify "$tmp" $? yum-complete-transaction)"
			fi
		fi
		;;
	dnf)
		run_to "$tmp" 120 dnf history info last
		if grep -qiE '^Return-Code[[:space:]]*:[[:space:]]*(Failure|Incomplete)' "$tmp"; then
			if run_to "$tmp" 1800 dnf -y history redo last; then
				did "dnf -y history redo last"
			else
				fail "$(classify "$tmp" $? 'dnf history redo')"
			fi
		fi
		;;
	zypper) ;;
	*) fail "no supported package manager (apt, dnf, yum, zypper)" ;;
	esac
}

main() {
	PM=$(detect_pm)
	tmp=${TMPDIR:-/tmp}/patchdeck-fix.$$
	trap 'rm -f "$tmp" "$tmp.new"' EXIT
	trap 'exit 1' HUP INT TERM

	case $KIND in
	disk) fix_disk ;;
	repo) fix_repo ;;
	pkg_lock) fix_pkg_lock ;;
	*) fail "unknown kind (disk, repo, pkg_lock)" ;;
	esac

	printf 'PATCHDECK_FIX {"v":1,"kind":%s,"status":"%s","freed_mb":%s,"changed":[%s],"error":%s}\n' \
		"$(json_str "$KIND")" "$STATUS" "$(int "$FREED")" "$CHANGED" "$(json_str "$ERROR")"
	[ "$STATUS" != failed ]
}

main "$@"
