#!/bin/sh
# The console driven for real in tmux against tests/sim (200 instances):
# first screen (header, data age), filter as you type (the count after
# each key), Esc, :window / :clear / :bogus, sort (> and s move the
# header marker), marks (Space, a, u), the drill-down (Enter, Esc, q),
# the help made from the key tables, resizes (60x15, 30x8 "too small",
# 250x70 with the windows column), a key after a resize (it once spun
# forever), q and the terminal restored (stty: icanon, echo).  Also:
# --frames 1 under script(1), refusal without a terminal, NO_COLOR=1, and
# LANG=C (ASCII lines, no UTF-8 byte in the raw output).
. tests/integration/lib.sh
. tests/integration/console_lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
sim_start --seed 11 --fleet 200
trap 'tm_cleanup; sim_stop' EXIT

CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
cat >"$CFG" <<'CONF'
[window sun-0200]
schedule = sun 02:00
duration = 3h
timezone = Europe/Berlin

[window tue-2200]
schedule = tue 22:00
duration = 1h30m

[window wed-0100]
schedule = wed 01:00
duration = 2h

[window 2nd-tue+3d-0100]
schedule = 2nd tue +3d 01:00
duration = 4h
CONF
expect_rc 0 timeout 120 "$PD" --config "$CFG" --cache "$CACHE" sync
L="$TEST_TMP/launch.sh"

# 1. The console at 120x40, UTF-8, colour.
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= -- \
	--config "$CFG" --cache "$CACHE"
tm_start 120 40 "$L"
tm_wait '^ patchdeck .* UTC$' "the title line"
# What patch night needs first (ping, window, tag state, last patched);
# EC2's state and id come into sight with Right.
tm_wait '  name \^ +ping +window +tag state +last patched$' "the table header"
# The background refresh at start ends with a message, which the next
# key clears; then the status line shows the counts and the data's age.
tm_wait_status '^ refreshed: 200 instances' "the background refresh"
tm_keys g
tm_wait_status '^ 200 instances  row [0-9]+ of 200 +data (just now|[0-9]+ s ago) \| default/' "the data age"

# Filter as you type: the count after each key, from the prompt line.
tm_keys /
tm_wait_status '^/ +200 instances' "the empty filter prompt"
# (for seed 11: w 156, we 57, web 16 of 200)
count() {
	tm_wait_status "^/$1 +200 instances, [0-9]+ shown" "the count for /$1"
	n=$(tm_status | sed -n 's/.*200 instances, \([0-9]*\) shown.*/\1/p')
	[ -n "$n" ] || fail "no count after /$1"
}
prev=200
for prefix in w we web; do
	tm_type "$(printf '%s' "$prefix" | tail -c 1)"
	count "$prefix"
	[ "$n" -lt "$prev" ] || fail "/$prefix: $n shown, not fewer than $prev"
	[ "$n" -ge 1 ] || fail "/$prefix matches nothing"
	[ "$prefix" = we ] && n_we=$n
	prev=$n
done
tm_wait 'web-(prod|dev|stage)-' "a web row"
tm_keys BSpace
count we
[ "$n" -eq "$n_we" ] || fail "Backspace to /we: $n shown, not $n_we"
tm_type b
count web
[ "$n" -eq "$prev" ] || fail "/web again: $n shown, not $prev"
tm_keys Enter
tm_wait_status "^ 200 instances, $prev shown  /web " "the kept filter"
tm_keys Escape
tm_wait_status '^ filter cleared' "Esc"
tm_keys j
tm_wait_status '^ 200 instances  row [0-9]+ of 200 +data' "all instances after Esc"

# Commands.
tm_keys :
tm_type 'window sun-0200'
tm_keys Enter
tm_wait_status '^ window: sun-0200 \([0-9]+ shown\)' ":window"
tm_keys j
tm_wait_status '^ 200 instances, [0-9]+ shown  :window sun-0200 ' ":window in the status"
tm_cap
expect_no_grep '  (tue-2200|wed-0100) ' "$TEST_TMP/screen"
# The message keeps the data's age beside it.
tm_keys :
tm_type 'window 2nd-tue+3d-0100'
tm_keys Enter
tm_wait_status '^ window: 2nd-tue\+3d-0100 \([0-9]+ shown\) +data ' \
	"the message beside the data's age"
tm_keys :
tm_type clear
tm_keys Enter
tm_wait_status '^ every condition and the filter cleared' ":clear"
tm_keys :
tm_type bogus
tm_keys Enter
tm_wait_status "^ unknown command 'bogus'" ":bogus"

# Sort: > moves the marker to the next column shown (id, account,
# region, state and platform are not at 120 columns), s reverses it.
tm_keys '>'
tm_wait_status '^ sorted by ping' ">"
tm_wait '  name +ping \^ ' "the marker on ping"
tm_keys s
tm_wait '  name +ping v ' "the reversed marker"
tm_keys '<'
tm_wait '  name \^ ' "the marker back on name"

# Marks.
tm_keys Space
tm_wait_status '^ 200 instances, 1 marked ' "Space"
tm_keys a
tm_wait_status '^ 200 marked' "a"
tm_keys u
tm_wait_status '^ marks cleared' "u"
tm_keys j
tm_wait_status '^ 200 instances  row [0-9]+ of 200 +data' "no marks after u"

# Drill-down: the id under the cursor, the tags; Esc and q go back.
tm_keys g Right Right
tm_wait '  name \^ +id +state +ping +last patched$' "the columns scrolled"
tm_cap
id=$(grep -o 'i-[0-9a-f]\{17\}' "$TEST_TMP/screen" | head -n 1)
[ -n "$id" ] || fail "no instance id on the first screen"
tm_keys Enter
tm_wait "^ $id  " "the drill-down title"
tm_wait '^ Tags \([0-9]+\)$' "the Tags section"
tm_wait "^  id +$id\$" "the id line"
tm_keys Escape
tm_wait '  name \^ ' "the table after Esc"
tm_keys Enter
tm_wait '^ Tags \([0-9]+\)$' "the drill-down again"
tm_keys q
tm_wait '  name \^ ' "the table after q"

# Moving, checked through Enter (the drill-down names the row under the
# cursor): a page is the table's 36 rows (under the hint bar) less one, G the last, k one up.
# The order is the one `instances` gives.
expect_rc 0 "$PD" --config "$CFG" --cache "$CACHE" instances --format json
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto"
"$PY" -c 'import json, sys
print("\n".join(r["id"] for r in json.load(open(sys.argv[1]))))' \
	"$TEST_TMP/out" >"$TEST_TMP/order"
nth() {
	sed -n "$(($1 + 1))p" "$TEST_TMP/order"
}
opens() {
	tm_keys Enter
	tm_wait "^ $1  " "the drill-down of row $2 ($1)"
	tm_keys Escape
	tm_wait '  name \^ ' "the table after row $2"
}
tm_keys g NPage
opens "$(nth 35)" 35
tm_keys G
opens "$(nth 199)" 199
tm_keys k
opens "$(nth 198)" 198
tm_keys PPage
opens "$(nth 163)" 163
# Home and End as tmux sends them ("\e[1~", "\e[4~"), which this TERM's
# terminfo does not list.
tm_keys Home
opens "$(nth 0)" 0
tm_keys End
opens "$(nth 199)" 199

tm_keys Left Left
tm_wait '  name \^ +ping +window +tag state +last patched$' "the columns back"

# Help: generated from the key tables.
tm_keys '?'
tm_wait 'filter as you type' "the help"
tm_wait '^ everywhere$' "the help's global keys"
tm_wait 'help for this screen' "the help"
tm_keys q
tm_wait '  name \^ ' "the table after the help"

# Resizes.
tm_resize 60 15
tm_wait '^  name \^ +window +tag state *$' "the header at 60x15"
tm_wait_gone 'WINDOWS' "no windows column at 60x15"
tm_cap
tm_max_width 60 || fail "a line is wider than 60 columns"
[ "$(grep -c -E -- '-w?[0-9]{5}' "$TEST_TMP/screen")" -ge 10 ] ||
	{ cat "$TEST_TMP/screen"; fail "too few rows at 60x15"; }
tm_wait_status '^ 200 instances ' "the status line at 60x15"
# The help at 60x15: long texts wrap under their key, and the last row
# says there is more.
tm_keys '?'
tm_wait '^ -- more: j, Space, PgDn --' "the help's more line"
# Wrapped, not cut (the status line may cut the targets): the first page,
# then the second, where ":"'s long text wraps.
help_page_ok() {
	tm_cap
	tm_max_width 60 || fail "a help line is wider than 60 columns"
	if grep -v ' data ' "$TEST_TMP/screen" | grep -q '…'; then
		cat "$TEST_TMP/screen"
		fail "a help text cut at 60 columns"
	fi
}
help_page_ok
tm_keys Space
tm_wait '^ {22}[a-z]' "a wrapped help text on the second page"
help_page_ok
tm_keys q
tm_wait '^  name \^ ' "the table after the help at 60x15"
# A filter longer than the line: its end, where the typing is, shows.
tm_keys /
tm_type "nothing-matches-this-0123456789-0123456789-0123456789-tail"
tm_wait_status '^/…[-0-9]*-tail +200 instances, 0 shown' \
	"the end of a long filter"
tm_cap
tm_max_width 60 || fail "the prompt line is wider than 60 columns"
tm_keys Escape
tm_wait_status '^ 200 instances  row [0-9]+ of 200 +data' "Esc after the long filter"
tm_resize 30 8
tm_wait 'too small' "the too-small message"
tm_wait '40x10 at least' "the minimum size"
tm_resize 250 70
tm_wait '^WINDOWS +│ +name \^' "the windows column at 250x70"
tm_wait '^sun-0200 +32 ' "the window counts"
tm_wait ' last patched owner' "more columns at 250x70"
# A window id longer than the column's usual 14: the column widens.
tm_wait 'i-[0-9a-f]{17} .* 2nd-tue\+3d-0100 ' "the whole window id in a row"
# A key after a resize (this once made get_wch() spin on KEY_RESIZE).
tm_keys G
tm_keys g
tm_resize 120 40
tm_wait '^WINDOWS +│ +name \^' "the layout back at 120x40"
tm_keys '>'
tm_wait '  name +ping \^ ' "a key handled after the resize"

# Quit: the shell's prompt, the terminal restored.
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"
tm_wait '^pdshell\$' "the shell's prompt"
# STTY-""END: the typed line must not match the wait for the output.
tm_type 'stty -a | tr " ;" "\n\n" | grep -x -e icanon -e -icanon -e echo -e -echo | tr "\n" " "; echo STTY-""END'
tm_keys Enter
tm_wait ' STTY-END$' "stty's output"
tm_cap
grep -q '^icanon echo STTY-END$\|^echo icanon STTY-END$' "$TEST_TMP/screen" || {
	cat "$TEST_TMP/screen"
	fail "the terminal is not restored (want icanon and echo)"
}
tm_stop

# 2. --frames 1 under script(1): one frame, exit 0.
if command -v script >/dev/null 2>&1; then
	TERM=xterm-256color LANG=C.UTF-8 timeout 30 script -q -e -c \
		"'$PD' --config '$CFG' --cache '$CACHE' --frames 1" \
		"$TEST_TMP/frames.raw" </dev/null >/dev/null 2>&1 ||
		fail "--frames 1 under script exited $?"
	grep -a -q 'patchdeck' "$TEST_TMP/frames.raw" ||
		fail "--frames 1 drew nothing"
	# A frame goes out in a few write()s, not one per cursor movement
	# (ncurses' default until a first endwin(): 270 at 200x50), each a
	# packet of its own over ssh.
	if strace -o /dev/null true 2>/dev/null; then
		# (LeakSanitizer cannot run under ptrace: a sanitized build
		# is traced without it.)
		ASAN_OPTIONS=detect_leaks=0 TERM=xterm-256color LANG=C.UTF-8 \
			timeout 30 script -q -e -c \
			"strace -f -e trace=write -o '$TEST_TMP/w.trace' '$PD' --config '$CFG' --cache '$CACHE' --frames 1" \
			/dev/null </dev/null >/dev/null 2>&1 ||
			fail "--frames 1 under strace exited $?"
		w=$(grep -c '^[0-9]* *write(1,' "$TEST_TMP/w.trace")
		[ "$w" -ge 1 ] && [ "$w" -le 20 ] || {
			grep 'write(1,' "$TEST_TMP/w.trace" | head -n 30
			fail "$w write()s to the terminal for one frame (at most 20)"
		}
	else
		skip_check "frame write count" "strace cannot trace here"
	fi
else
	skip_check "--frames 1 under script(1)" "script(1) is not installed"
fi
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= -- \
	--config "$CFG" --cache "$CACHE" --frames 1
tm_start 120 40 "$L"
tm_wait '^EXITED 0$' "--frames 1 in tmux"
tm_stop

# 3. Not a terminal: refused, naming the subcommands.
expect_rc 2 "$PD" --config "$CFG" --cache "$CACHE"
expect_grep 'needs a terminal.*subcommands' "$TEST_TMP/err"
"$PD" --config "$CFG" --cache "$CACHE" </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err" &&
	fail "the console started with stdin not a terminal"

# 3b. A TERM terminfo does not know (initscr() would exit silently, its
# message lost) and TERM=dumb (no cursor movement): refused with exit 2,
# naming TERM, escaped.
if command -v script >/dev/null 2>&1; then
	for t in no-such-terminal dumb "$(printf 'bad\033]0;x\007')"; do
		TERM=$t LANG=C.UTF-8 timeout 30 script -q -c \
			"'$PD' --config '$CFG' --cache '$CACHE'; echo EXIT=\$?" \
			"$TEST_TMP/term.raw" </dev/null >/dev/null 2>&1
		grep -a -q 'EXIT=2' "$TEST_TMP/term.raw" &&
			grep -a -q 'the terminal type TERM=.*set TERM to match' \
			"$TEST_TMP/term.raw" || {
			cat -v "$TEST_TMP/term.raw"
			fail "TERM=$t was not refused with a message"
		}
	done
	grep -a -q 'TERM=bad\\x1b\]0;x\\x07 is not known' "$TEST_TMP/term.raw" || {
		cat -v "$TEST_TMP/term.raw"
		fail "TERM's value was not escaped"
	}
else
	skip_check "unknown and dumb TERM refused" "script(1) is not installed"
fi

# 4. NO_COLOR=1: draws and quits.
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= NO_COLOR=1 -- \
	--config "$CFG" --cache "$CACHE"
tm_start 120 40 "$L" "$TEST_TMP/nocolor.raw"
tm_wait '  name \^ +ping +window' "the header with NO_COLOR"
tm_wait_status '200 instances' "the status with NO_COLOR"
tm_keys q
tm_wait '^EXITED 0$' "the exit with NO_COLOR"
tm_stop
# No colour pair set: no SGR 3x/4x/38/48 from the console.
if LC_ALL=C grep -a -q "$(printf '\033')\[[0-9;]*\(3[0-9]\|4[0-9]\)m" "$TEST_TMP/nocolor.raw"; then
	fail "colour sequences with NO_COLOR=1"
fi

# 5. LANG=C: ASCII lines, not a single UTF-8 byte written.
tm_launcher "$L" TERM=xterm-256color LANG=C LC_ALL=C -- \
	--config "$CFG" --cache "$CACHE"
tm_start 120 40 "$L" "$TEST_TMP/c.raw"
tm_wait '^WINDOWS +\| +name \^' "the ASCII vertical line"
tm_keys /
tm_type txt.exe
tm_keys Enter
tm_wait 'txt\.exe\\xe2\\x80\\xaegpj' "byte escapes in LANG=C"
tm_keys Enter
tm_wait '^ Tags \([0-9]+\)$' "the drill-down in LANG=C"
tm_wait '^  name +txt\.exe\\xe2\\x80\\xaegpj\.sh$' "the name in the drill-down"
tm_keys q
tm_keys q
tm_wait '^EXITED 0$' "the exit in LANG=C"
tm_stop
"$PY" - "$TEST_TMP/c.raw" <<'PYEOF' || fail "LANG=C output has bytes >= 0x80"
import sys
raw = open(sys.argv[1], "rb").read()
assert len(raw) > 1000, len(raw)
hi = [i for i, b in enumerate(raw) if b >= 0x80]
if hi:
    i = hi[0]
    print("first byte >= 0x80 at %d: %r" % (i, raw[max(0, i - 40):i + 40]))
    sys.exit(1)
# The ACS line drawing of xterm (ESC ( 0) is not used either: '|' and '-'.
assert b"\x1b(0" not in raw, "ACS line drawing in LANG=C"
PYEOF
echo "console: ok"
