# common.sh - the block both patchdeck SSM scripts share (linux-patch.sh,
# precheck.sh): locale, the package manager's detection, timeouts and the
# JSON helpers.  Not run on its own: data/ssm/build.py puts these lines in
# place of each script's "# patchdeck:common" line when it builds the
# documents.  POSIX sh; never two opening braces in a row (SSM parameters).
LC_ALL=C
export LC_ALL
PATH=$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
DEBIAN_FRONTEND=noninteractive
NEEDRESTART_MODE=l
export DEBIAN_FRONTEND NEEDRESTART_MODE

have() { command -v "$1" >/dev/null 2>&1; }

# json_str VALUE: VALUE as a JSON string literal, quotes included.  Escapes
# quote, backslash, C0 controls and DEL; invalid UTF-8 bytes become U+FFFD,
# so the line is valid JSON whatever bytes a package name or error carries.
json_str() {
	printf '%s' "$1" | awk '
BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i; out = "" }
{
	if (NR > 1) out = out "\\n"
	s = $0; n = length(s); i = 1
	while (i <= n) {
		c = substr(s, i, 1); o = ord[c]
		if (c == "\"") { out = out "\\\""; i++; continue }
		if (c == "\\") { out = out "\\\\"; i++; continue }
		if (o < 32 || o == 127) {
			if (o == 9) out = out "\\t"
			else if (o == 13) out = out "\\r"
			else out = out sprintf("\\u%04x", o)
			i++; continue
		}
		if (o < 128) { out = out c; i++; continue }
		len = 0
		if (o >= 194 && o <= 223) len = 2
		else if (o >= 224 && o <= 239) len = 3
		else if (o >= 240 && o <= 244) len = 4
		ok = (len > 0 && i + len - 1 <= n)
		for (k = 1; ok && k < len; k++) { b = ord[substr(s, i + k, 1)]; if (b < 128 || b > 191) ok = 0 }
		if (ok) {
			b = ord[substr(s, i + 1, 1)]
			if ((o == 224 && b < 160) || (o == 237 && b > 159) || (o == 240 && b < 144) || (o == 244 && b > 143)) ok = 0
		}
		if (ok) { out = out substr(s, i, len); i += len } else { out = out "\\ufffd"; i++ }
	}
}
END { printf "\"%s\"", out }'
}

# int VALUE: VALUE if it is a non-negative integer, else 0.
int() {
	case $1 in
	'' | *[!0-9]*) echo 0 ;;
	*) echo "$1" ;;
	esac
}

# osr KEY: a value from os-release, unquoted, without running the file.
osr() {
	f=$ROOT/etc/os-release
	[ -r "$f" ] || f=$ROOT/usr/lib/os-release
	[ -r "$f" ] || return 0
	sed -n "s/^$1=//p" "$f" | head -n 1 |
		sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\\(.*\\)'\$/\\1/" -e 's/\\\(["$`\\]\)/\1/g'
}

os_name() {
	n=$(osr PRETTY_NAME)
	[ -n "$n" ] || n="$(osr NAME) $(osr VERSION_ID)"
	case $n in ' ' | '') n=$(uname -s 2>/dev/null) ;; esac
	printf '%s' "$n" | tr -d '\n'
}

# detect_pm: apt | dnf | yum | zypper, from os-release first (a Debian host
# can carry a stray rpm, a SUSE host no apt), then by what is installed.
detect_pm() {
	if [ -n "${PATCHDECK_PM:-}" ]; then
		echo "$PATCHDECK_PM"
		return 0
	fi
	ids=" $(osr ID) $(osr ID_LIKE) "
	case $ids in
	*' debian '* | *' ubuntu '*) have apt-get && { echo apt; return 0; } ;;
	*suse* | *sles*) have zypper && { echo zypper; return 0; } ;;
	*' rhel '* | *' fedora '* | *' centos '* | *' amzn '* | *' ol '* | *' rocky '* | *' almalinux '*)
		have dnf && { echo dnf; return 0; }
		have yum && { echo yum; return 0; }
		;;
	esac
	for p in dnf yum apt-get zypper; do
		if have $p; then
			[ $p = apt-get ] && p=apt
			echo $p
			return 0
		fi
	done
	echo none
}

# lock_holder: prints "pid N (name)" when another package manager runs.
lock_holder() {
	for f in "$ROOT/var/run/yum.pid" "$ROOT/run/yum.pid" "$ROOT/var/run/zypp.pid" \
		"$ROOT/run/zypp.pid" "$ROOT/var/run/dnf.pid" "$ROOT/run/dnf.pid"; do
		[ -s "$f" ] || continue
		pid=$(head -n 1 "$f" | tr -cd '0-9')
		[ -n "$pid" ] && [ "$pid" != "$$" ] && [ -d "$ROOT/proc/$pid" ] || continue
		comm=$(cat "$ROOT/proc/$pid/comm" 2>/dev/null)
		case $comm in
		*yum* | *dnf* | *zypp* | *rpm* | *python* | *packagekit* | '')
			echo "pid $pid ($comm, $f)"
			return 0
			;;
		esac
	done
	if have pgrep; then
		h=$(pgrep -l -x 'apt|apt-get|aptitude|dpkg|unattended-upgr|yum|dnf|zypper|rpm' 2>/dev/null | head -n 1)
		if [ -n "$h" ]; then
			echo "pid ${h%% *} (${h#* })"
			return 0
		fi
	fi
	return 1
}

vsort() {
	if printf '1\n' | sort -V >/dev/null 2>&1; then sort -V; else sort; fi
}

# newest_kernel RUNNING: the newest kernel installed (a /lib/modules
# directory with an image in /boot or in the directory itself), of the same
# flavour (-aws, -generic, -default) as the running one; RUNNING if none.
newest_kernel() {
	flavor=$(printf '%s' "$1" | sed -n 's/^[0-9.]*-[0-9.]*-\(.*\)$/\1/p')
	{
		echo "$1"
		ls "$ROOT/lib/modules" 2>/dev/null | while read -r k; do
			[ -f "$ROOT/boot/vmlinuz-$k" ] || [ -f "$ROOT/lib/modules/$k/vmlinuz" ] ||
				[ -f "$ROOT/boot/Image-$k" ] || [ -f "$ROOT/boot/image-$k" ] || continue
			case $k in
			*"-$flavor") echo "$k" ;;
			*) [ -z "$flavor" ] && echo "$k" ;;
			esac
		done
	} | vsort | tail -n 1
}

# reboot_flagged: the OS says a reboot is pending (files or tools).
reboot_flagged() {
	[ -e "$ROOT/var/run/reboot-required" ] || [ -e "$ROOT/run/reboot-required" ] ||
		[ -e "$ROOT/run/reboot-needed" ] && return 0
	case $PM in
	dnf | yum)
		if have needs-restarting; then
			needs-restarting -r >/dev/null 2>&1
			[ $? -eq 1 ] && return 0
		fi
		;;
	zypper)
		zypper --non-interactive needs-rebooting >/dev/null 2>&1
		[ $? -eq 102 ] && return 0
		;;
	esac
	return 1
}

# classify FILE RC WHAT: one line of error text for a failed command.
classify() {
	[ "$2" = 124 ] && { echo "$3 timed out"; return 0; }
	[ "$2" -gt 128 ] 2>/dev/null && [ "$2" -lt 160 ] && { echo "$3 killed by signal $(($2 - 128))"; return 0; }
	for kind in lock disk repo; do
		case $kind in
		lock) pat='could not get lock|unable to acquire the dpkg|unable to lock|existing lock|holding the yum lock|system management is locked|is held by process|waiting for process with pid' ;;
		disk) pat='no space left on device|not enough free space|enough free space in|needs [0-9.]+ ?[kmg]?i?b (more space|on the)|disk requirements|insufficient (disk )?space' ;;
		repo) pat='failed to fetch|could not resolve|temporary failure resolving|failed to download metadata|cannot find a valid baseurl|cannot retrieve repository|could not retrieve mirrorlist|curl error|connection (timed out|refused)|unable to connect|problem retrieving files|repository .* (is invalid|not available|could not be refreshed)|valid metadata|some index files failed|name or service not known|timeout was reached|download (failed|error)' ;;
		esac
		line=$(grep -iE "$pat" "$1" 2>/dev/null | head -n 1 | cut -c1-300)
		if [ -n "$line" ]; then
			case $kind in
			lock) echo "package lock held: $line" ;;
			disk) echo "disk full: $line" ;;
			repo) echo "repository unreachable: $line" ;;
			esac
			return 0
		fi
	done
	line=$(grep -E '^(E:|Error|ERROR|Problem)' "$1" 2>/dev/null | head -n 1 | cut -c1-300)
	[ -n "$line" ] || line=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1 | cut -c1-300)
	echo "$3 failed (exit $2): $line"
}

# run_to FILE SECONDS CMD...: run CMD with a timeout, output to FILE.
run_to() {
	o=$1 t=$2
	shift 2
	if have timeout; then
		timeout "$t" "$@" >"$o" 2>&1 </dev/null
	else
		"$@" >"$o" 2>&1 </dev/null
	fi
}

# refresh FILE TIMEOUT: refresh package metadata; 0 ok, else FILE has why.
refresh() {
	case $PM in
	apt)
		run_to "$1" "$2" apt-get -q update
		r=$?
		[ $r -eq 0 ] && grep -qE '^(E:|W: Failed to fetch|W: Some index files failed|Err:)' "$1" && r=100
		;;
	dnf | yum) run_to "$1" "$2" $PM -y makecache; r=$? ;;
	zypper)
		run_to "$1" "$2" zypper --non-interactive refresh
		r=$?
		;;
	*) echo "no supported package manager (apt, dnf, yum, zypper)" >"$1"; r=127 ;;
	esac
	return $r
}
