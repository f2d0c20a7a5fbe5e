# Shared by test_console.sh and test_hostile.sh: the console in tmux.
# Source after lib.sh.  Every tmux call goes to a private server
# (tmux -L), so a test never sees nor disturbs anyone else's sessions,
# and cleanup kills that server only.
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed"
TMUX_SOCK="patchdeck-test-$$"
SESSION="pd$$"
unset TMUX
tm() {
	tmux -L "$TMUX_SOCK" "$@"
}

tm_cleanup() {
	tm kill-server >/dev/null 2>&1 || true
}

# A session that lives as long as the test: tmux's server exits when its
# last session ends, and a new-session sent while it is exiting fails with
# "server exited unexpectedly".  With this one, tm_stop never empties it.
TM_KEPT=""
tm_keep() {
	[ -n "$TM_KEPT" ] && return 0
	tm new-session -d -s keep "sleep 86400" || fail "tmux new-session (keeper) failed"
	TM_KEPT=1
}

# tm_start W H LAUNCHER [RAWFILE]: a session running `sh LAUNCHER`.  With
# RAWFILE, every byte the pane receives is appended to it from the very
# first one: the launcher waits for $TEST_TMP/go, made once pipe-pane runs.
tm_start() {
	rm -f "$TEST_TMP/go"
	tm_keep
	tm new-session -d -s "$SESSION" -x "$1" -y "$2" \
		"while [ ! -e '$TEST_TMP/go' ]; do sleep 0.05; done; sh '$3'" ||
		fail "tmux new-session failed"
	tm set-option -t "$SESSION" status off >/dev/null
	if [ $# -ge 4 ]; then
		: >"$4"
		tm pipe-pane -o -t "$SESSION" "cat >>'$4'" ||
			fail "tmux pipe-pane failed"
	fi
	: >"$TEST_TMP/go"
}

tm_stop() {
	tm kill-session -t "$SESSION" >/dev/null 2>&1 || true
}

# The screen now, into $TEST_TMP/screen.
tm_cap() {
	tm capture-pane -p -t "$SESSION" >"$TEST_TMP/screen" 2>/dev/null || :
}

# tm_max_width N: no line of the last capture has more than N characters
# (characters, not bytes: an ellipsis is three bytes in UTF-8).
tm_max_width() {
	while IFS= read -r _l; do
		_n=$(printf '%s' "$_l" | LC_ALL=C.UTF-8 wc -m)
		if [ "$_n" -gt "$1" ]; then
			echo "--- a line of $_n characters"
			printf '%s\n' "$_l"
			return 1
		fi
	done <"$TEST_TMP/screen"
	return 0
}

# The last non-empty line of the screen (the status line).
tm_status() {
	tm_cap
	grep -v '^ *$' "$TEST_TMP/screen" | tail -n 1
}

# tm_wait ERE [WHAT]: polls the screen (up to 30 s, for a loaded CI
# machine) until a line matches; fails showing the screen otherwise.
tm_wait() {
	_i=0
	while [ $_i -lt 300 ]; do
		tm_cap
		grep -E -q -- "$1" "$TEST_TMP/screen" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "--- screen"
	cat "$TEST_TMP/screen"
	fail "${2:-the screen} never showed /$1/"
}

# tm_wait_gone ERE [WHAT]: until no line matches.
tm_wait_gone() {
	_i=0
	while [ $_i -lt 300 ]; do
		tm_cap
		grep -E -q -- "$1" "$TEST_TMP/screen" || return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "--- screen"
	cat "$TEST_TMP/screen"
	fail "${2:-the screen} still shows /$1/"
}

# tm_wait_status ERE [WHAT]: the status line (last line) matches.
tm_wait_status() {
	_i=0
	while [ $_i -lt 300 ]; do
		_s=$(tm_status)
		printf '%s\n' "$_s" | grep -E -q -- "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "--- screen"
	cat "$TEST_TMP/screen"
	fail "${2:-the status line} never matched /$1/ (last: '$_s')"
}

tm_keys() {
	tm send-keys -t "$SESSION" "$@"
}

# Literal text, no key names.
tm_type() {
	tm send-keys -t "$SESSION" -l -- "$1"
}

tm_resize() {
	tm resize-window -t "$SESSION" -x "$1" -y "$2" ||
		fail "tmux resize-window $1x$2 failed"
}

# tm_launcher FILE [ENV=VALUE | -u NAME ...] -- ARGS...: writes a launcher that runs
# patchdeck with the environment given, then says how it exited and
# leaves an interactive shell, so the terminal's state after the console
# can be inspected.
tm_launcher() {
	_f=$1
	shift
	{
		echo "cd '$ROOT' || exit 1"
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			case $1 in
			-u) echo "unset $2"; shift ;;
			*) printf "export %s\n" "$(printf '%s' "$1" | sed "s/=\(.*\)/='\1'/")" ;;
			esac
			shift
		done
		[ $# -gt 0 ] && shift
		printf "'%s'" "$PD"
		for _a in "$@"; do
			printf " '%s'" "$_a"
		done
		echo
		echo 'echo "EXITED $?"'
		echo 'PS1="pdshell$ " exec sh -i'
	} >"$_f"
}
