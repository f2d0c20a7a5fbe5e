#!/bin/sh
# patchdeck Linux patch script (DESIGN.md section 6).
#
# Runs as the `patch` step (aws:runShellScript) of the SSM document
# patchdeck-linux-patch.json; data/ssm/build.py embeds this file there.
# POSIX sh only (dash, busybox ash, bash --posix).  Never write two opening braces in a row in this
# file: SSM would take it for a parameter reference.
#
# Pass 1: record the OS, running kernel, installed package count and updates
# available; refresh metadata, apply updates non-interactively, count packages
# updated (added or changed name/arch/version lines), find the newest installed
# kernel.  If a reboot is needed and allowed, write a marker under the state
# directory, print the result with "reboot":"required" and exit 194: the SSM
# agent reboots and runs the step again.
# Pass 2 (marker present, boot id changed, marker younger than a day): print
# the result with "reboot":"done", kernel_before from pass 1 and kernel_after
# the kernel now running.  A stale marker (same boot, or too old) is removed
# and a normal pass runs.
#
# stdout carries a few "patchdeck:" lines and exactly one PATCHDECK_RESULT
# line.  Package manager output goes to $STATE_DIR/patch.log (SSM keeps only
# the first 24,000 characters of stdout); on failure its tail goes to stderr.
#
# Exit: 0 ok (also when a reboot is required but RebootAllowed=false),
# 1 failed, 194 reboot requested.
#
# Environment (SSM parameters arrive as the first two; the rest are for tests
# and unusual hosts):
#   PATCHDECK_EXCLUDE          packages to leave alone, space or comma separated;
#                              globs allowed (yum/dnf --exclude, apt: expanded
#                              over installed packages and held, zypper: locks)
#   PATCHDECK_REBOOT_ALLOWED   true (default) | false
#   PATCHDECK_ROOT             prefix for every file read or written (/etc/os-release,
#                              /lib/modules, /boot, /proc, /run, /var/lib/patchdeck)
#   PATCHDECK_STATE_DIR        default $PATCHDECK_ROOT/var/lib/patchdeck
#   PATCHDECK_PM               force apt | dnf | yum | zypper
#   PATCHDECK_MIN_FREE_MB      free space needed on / and /var (default 300)
#   PATCHDECK_LOCK_WAIT        seconds to wait for a held package lock (default 120)
#   PATCHDECK_TIMEOUT          seconds allowed for applying updates (default 5400)
#   PATCHDECK_REFRESH_TIMEOUT  seconds allowed for the metadata refresh (default 600)
#   PATCHDECK_MARKER_MAX_AGE   seconds a reboot marker stays valid (default 86400)
# patchdeck:params (build.py inserts the SSM parameter assignments after this line)

ROOT=${PATCHDECK_ROOT:-}
STATE_DIR=${PATCHDECK_STATE_DIR:-$ROOT/var/lib/patchdeck}
EXCLUDE=${PATCHDECK_EXCLUDE:-}
REBOOT_ALLOWED=${PATCHDECK_REBOOT_ALLOWED:-true}
MIN_FREE_MB=${PATCHDECK_MIN_FREE_MB:-300}
LOCK_WAIT=${PATCHDECK_LOCK_WAIT:-120}
APPLY_TIMEOUT=${PATCHDECK_TIMEOUT:-5400}
REFRESH_TIMEOUT=${PATCHDECK_REFRESH_TIMEOUT:-600}
MARKER_MAX_AGE=${PATCHDECK_MARKER_MAX_AGE:-86400}

# patchdeck:common (build.py puts common.sh here in the document)

emitted=0
OS='' RUNNING='' KBEFORE='' KAFTER='' PKGS_BEFORE=0 PKGS_UPDATED=0 AVAIL_AFTER=0
REBOOT=none STATUS=ok ERROR=

emit() {
	[ $emitted = 1 ] && return 0
	emitted=1
	printf 'PATCHDECK_RESULT {"v":1,"os":%s,"kernel_before":%s,"kernel_after":%s,"pkgs_before":%s,"pkgs_updated":%s,"pkgs_available_after":%s,"reboot":"%s","status":"%s","error":%s}\n' \
		"$(json_str "$OS")" "$(json_str "$KBEFORE")" "$(json_str "$KAFTER")" \
		"$(int "$PKGS_BEFORE")" "$(int "$PKGS_UPDATED")" "$(int "$AVAIL_AFTER")" \
		"$REBOOT" "$STATUS" "$(json_str "$ERROR")"
}

# fail TEXT: result with status failed, the log's tail on stderr, exit 1.
fail() {
	STATUS=failed
	ERROR=$(printf '%s' "$1" | tr '\n' ' ' | cut -c1-500)
	[ -n "$KAFTER" ] || KAFTER=$RUNNING
	emit
	echo "patchdeck: failed: $ERROR" >&2
	if [ -s "$LOG" ]; then
		echo "patchdeck: last lines of $LOG:" >&2
		tail -n 20 "$LOG" >&2
	fi
	exit 1
}

# logrun FILE-LABEL TIMEOUT CMD...: run, keep the output in $OUT and the log.
logrun() {
	echo "+ $*" | cut -c1-500 >>"$LOG"
	t=$1
	shift
	run_to "$OUT" "$t" "$@"
	r=$?
	cat "$OUT" >>"$LOG" 2>/dev/null
	echo "+ exit $r" >>"$LOG"
	return $r
}

# pkg_list: sorted "name.arch version" lines of installed packages.
pkg_list() {
	case $PM in
	apt) dpkg-query -W -f='${db:Status-Abbrev}|${binary:Package}|${Version}\n' 2>/dev/null |
		awk -F'|' '$1 ~ /^ii/ { print $2 " " $3 }' ;;
	*) rpm -qa --qf '%{NAME}.%{ARCH} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\n' 2>/dev/null ;;
	esac | sort -u
}

# count_updates: updates available, from cached metadata (no network).
count_updates() {
	case $PM in
	apt) apt-get -s -o Debug::NoLocking=1 upgrade --with-new-pkgs 2>/dev/null | grep -c '^Inst ' ;;
	dnf | yum) $PM -q -C check-update 2>/dev/null |
		awk '/^Obsoleting/ { exit } NF == 3 && $1 ~ /\./ && $2 ~ /^[0-9]/ { n++ } END { print n + 0 }' ;;
	zypper) zypper --non-interactive --no-refresh list-updates 2>/dev/null | grep -c '^v ' ;;
	*) echo 0 ;;
	esac
}

excludes() { printf '%s\n' "$EXCLUDE" | tr ', ' '\n\n' | grep -v '^$'; }

# Undo apt holds / zypper locks that a killed earlier run left behind.
release_holds() {
	if [ -s "$STATE_DIR/apt-held" ]; then
		xargs apt-mark unhold <"$STATE_DIR/apt-held" >>"$LOG" 2>&1
	fi
	if [ -s "$STATE_DIR/zypper-locked" ]; then
		xargs zypper --non-interactive removelock <"$STATE_DIR/zypper-locked" >>"$LOG" 2>&1
	fi
	rm -f "$STATE_DIR/apt-held" "$STATE_DIR/zypper-locked"
}

apply_updates() {
	set -f
	ex=$(excludes)
	r=0
	case $PM in
	apt)
		if [ -n "$ex" ]; then
			held=$(apt-mark showhold 2>/dev/null)
			for p in $ex; do
				dpkg-query -W -f='${Package}\n' "$p" 2>/dev/null
			done | sort -u | while read -r p; do
				printf '%s\n' "$held" | grep -qxF "$p" || echo "$p"
			done >"$STATE_DIR/apt-held"
			[ -s "$STATE_DIR/apt-held" ] && xargs apt-mark hold <"$STATE_DIR/apt-held" >>"$LOG" 2>&1
		fi
		logrun "$APPLY_TIMEOUT" apt-get -y -q -o Dpkg::Options::=--force-confdef \
			-o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout="$LOCK_WAIT" \
			upgrade --with-new-pkgs
		r=$?
		;;
	dnf | yum)
		args=
		for p in $ex; do args="$args --exclude=$p"; done
		logrun "$APPLY_TIMEOUT" $PM -y update $args
		r=$?
		;;
	zypper)
		if [ -n "$ex" ]; then
			locked=$(zypper --non-interactive locks 2>/dev/null)
			for p in $ex; do
				printf '%s\n' "$locked" | grep -qF "| $p " || echo "$p"
			done >"$STATE_DIR/zypper-locked"
			[ -s "$STATE_DIR/zypper-locked" ] &&
				xargs zypper --non-interactive addlock <"$STATE_DIR/zypper-locked" >>"$LOG" 2>&1
		fi
		for _ in 1 2; do
			logrun "$APPLY_TIMEOUT" zypper --non-interactive update --auto-agree-with-licenses
			r=$?
			# 100-102 are information (102: reboot needed); 103: zypper updated itself, run again
			case $r in
			100 | 101) r=0 ;;
			102) r=0 ZYPPER_REBOOT=1 ;;
			103) r=0; continue ;;
			esac
			break
		done
		;;
	esac
	set +f
	cp "$OUT" "$OUT.apply" 2>/dev/null
	release_holds
	return $r
}

# disk_check: fail when / or /var has less than MIN_FREE_MB free.
disk_check() {
	for m in / /var; do
		free=$(df -Pk "$m" 2>/dev/null | awk 'NR == 2 { print int($4 / 1024) }')
		[ -n "$free" ] || continue
		free=$(int "$free")
		if [ "$free" -lt "$MIN_FREE_MB" ]; then
			fail "disk full: $m has $free MB free, need $MIN_FREE_MB MB"
		fi
	done
}

second_pass() {
	{
		read -r tag
		read -r m_boot
		read -r m_time
		read -r m_kbefore
		read -r m_pkgs
		read -r m_updated
		# the newest kernel the first pass saw: the running one counts
		read -r _
	} <"$MARKER"
	rm -f "$MARKER"
	now=$(date +%s)
	age=$(($(int "$now") - $(int "$m_time")))
	if [ "$tag" != "patchdeck-reboot-v1" ] || { [ -n "$BOOT_ID" ] && [ "$BOOT_ID" = "$m_boot" ]; } ||
		[ $age -lt 0 ] || [ $age -gt "$MARKER_MAX_AGE" ]; then
		echo "patchdeck: ignoring stale reboot marker (no reboot since, or older than ${MARKER_MAX_AGE}s)"
		return 1
	fi
	REBOOT='done'
	KBEFORE=$m_kbefore
	KAFTER=$RUNNING
	PKGS_BEFORE=$m_pkgs
	PKGS_UPDATED=$m_updated
	AVAIL_AFTER=$(count_updates)
	echo "patchdeck: second pass after reboot: kernel $KBEFORE -> $KAFTER"
	newest=$(newest_kernel "$RUNNING")
	if [ "$newest" != "$RUNNING" ]; then
		fail "rebooted, but the running kernel $RUNNING is not the newest installed ($newest); check the boot loader default"
	fi
	emit
	exit 0
}

main() {
	umask 022
	mkdir -p "$STATE_DIR" 2>/dev/null && [ -w "$STATE_DIR" ] || STATE_DIR=${TMPDIR:-/tmp}
	LOG=$STATE_DIR/patch.log
	OUT=$STATE_DIR/patch.cmd.out
	MARKER=$STATE_DIR/reboot-pending
	trap 'fail "interrupted by signal"' HUP INT TERM

	OS=$(os_name)
	RUNNING=$(uname -r 2>/dev/null)
	KBEFORE=$RUNNING
	BOOT_ID=$(cat "$ROOT/proc/sys/kernel/random/boot_id" 2>/dev/null)
	PM=$(detect_pm)

	if [ -f "$MARKER" ]; then
		echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) second pass" >>"$LOG"
		second_pass
	fi
	echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) patch run, pm=$PM" >"$LOG"
	[ "$PM" = none ] && fail "no supported package manager (apt, dnf, yum, zypper)"
	release_holds
	disk_check

	pkg_list >"$STATE_DIR/pkgs.before"
	PKGS_BEFORE=$(wc -l <"$STATE_DIR/pkgs.before" | tr -d ' ')
	[ "$PKGS_BEFORE" -gt 0 ] || fail "cannot list installed packages ($PM)"

	waited=0
	while h=$(lock_holder); do
		if [ $waited -ge "$LOCK_WAIT" ]; then
			fail "package lock held by $h for ${waited}s"
		fi
		sleep 5
		waited=$((waited + 5))
	done

	refresh "$OUT" "$REFRESH_TIMEOUT"
	r=$?
	cat "$OUT" >>"$LOG"
	[ $r -eq 0 ] || fail "$(classify "$OUT" $r 'metadata refresh')"

	avail=$(int "$(count_updates)")
	echo "patchdeck: os=$OS pm=$PM kernel=$RUNNING installed=$PKGS_BEFORE available=$avail" | tr -d '\000-\010\013-\037'

	apply_updates
	r=$?
	pkg_list >"$STATE_DIR/pkgs.after"
	PKGS_UPDATED=$(sort "$STATE_DIR/pkgs.before" | comm -13 - "$STATE_DIR/pkgs.after" | wc -l | tr -d ' ')
	AVAIL_AFTER=$(count_updates)
	newest=$(newest_kernel "$RUNNING")
	KAFTER=$newest
	if [ "$newest" != "$RUNNING" ] || reboot_flagged || [ "${ZYPPER_REBOOT:-0}" = 1 ]; then
		REBOOT=required
	fi
	[ $r -eq 0 ] || fail "$(classify "$OUT.apply" $r 'applying updates')"
	echo "patchdeck: updated=$PKGS_UPDATED available_after=$(int "$AVAIL_AFTER") newest_kernel=$newest reboot=$REBOOT" | tr -d '\000-\010\013-\037'

	if [ $REBOOT = required ] && [ "$REBOOT_ALLOWED" = true ]; then
		{
			echo patchdeck-reboot-v1
			echo "$BOOT_ID"
			date +%s
			printf '%s\n' "$RUNNING" "$PKGS_BEFORE" "$PKGS_UPDATED" "$newest"
		} >"$MARKER.tmp" && mv "$MARKER.tmp" "$MARKER" || fail "cannot write the reboot marker $MARKER"
		emit
		echo "patchdeck: rebooting (exit 194); the step runs again after the reboot"
		exit 194
	fi
	emit
	exit 0
}

main "$@"
