#!/bin/sh
# The console's first frame comes from the head of the cache; the whole
# fleet loads in the background (ui/app.c).  The LD_PRELOAD shim
# loadgate.so holds that load back until a file exists, so what the operator can do
# while only the first rows are in is tried for certain, not by a race:
# the status says "loading N of M", the windows column has the cache's
# counts (the same once loaded), keys move, the filter works on the rows
# in, "a" (mark all) is refused; once loaded, the filter, the cursor's
# place and the marks carry over to the whole fleet, whose count for the
# filter is the CLI's.
. tests/integration/lib.sh
. tests/integration/console_lib.sh
sim_start --seed 7 --fleet 900
trap 'tm_cleanup; sim_stop' EXIT

CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
GATE="$TEST_TMP/gate"
cat >"$CFG" <<'CONF'
[window sun-0200]
schedule = sun 02:00
duration = 3h

[window tue-2200]
schedule = tue 22:00
duration = 1h30m
CONF
expect_rc 0 timeout 120 "$PD" --config "$CFG" --cache "$CACHE" sync
total=$(sqlite3 "$CACHE" 'select count(*) from instances' 2>/dev/null ||
	echo 900)
want=$("$PD" --config "$CFG" --cache "$CACHE" --format csv instances \
	--filter prod | tail -n +2 | wc -l)
[ "$want" -gt 200 ] || fail "/prod matches $want rows: too few for the test"

# The windows column: its names and totals (not the per-state line).
side() {
	tm_cap
	cut -c1-25 "$TEST_TMP/screen" | sed -n '3,20p' |
		grep -E '^[a-z(][^ ]* +[0-9]+ *$' | tr -s ' '
}

L="$TEST_TMP/launch.sh"
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= \
	LD_PRELOAD="$ROOT/${B:-build}/tests/loadgate.so" LOADGATE_FILE="$GATE" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	-- --config "$CFG" --cache "$CACHE"
tm_start 140 40 "$L"
# The background refresh at start lands while the load is held: the
# keys must not wait for the load (it is told to stop and starts again
# once it has); its message goes with the next key.
tm_wait_status '^ refreshed: [0-9]+ instances' "the background refresh"
tm_keys g
tm_wait_status "^ loading 200 of $total instances" "the loading status"
tm_wait ' counting\.\.\.' "the windows column while loading"
side >"$TEST_TMP/side-loading"
[ -s "$TEST_TMP/side-loading" ] || fail "no window totals while loading"

# Keys work on the rows in.
tm_keys j j
tm_keys a
tm_wait_status '^ still loading the fleet \(200 of [0-9]+\)' "a while loading"
tm_keys Space
tm_wait_status "^ loading 200 of $total instances, 1 marked" "Space while loading"
tm_keys /
tm_type prod
tm_wait_status "^/prod +loading 200 of $total instances, [0-9]+ shown" \
	"the filter over the rows in"
tm_keys Enter
tm_wait_status "^ loading 200 of $total instances, [0-9]+ shown, 1 marked  /prod" \
	"the filter kept while loading"

# Let the load go: the filter applies to the whole fleet.
: >"$GATE"
tm_wait_status "^ $total instances, $want shown, 1 marked  /prod" \
	"the filter over the whole fleet"
side >"$TEST_TMP/side-loaded"
if ! cmp -s "$TEST_TMP/side-loading" "$TEST_TMP/side-loaded"; then
	echo "--- while loading"; cat "$TEST_TMP/side-loading"
	echo "--- loaded"; cat "$TEST_TMP/side-loaded"
	fail "the window totals changed once loaded"
fi
expect_no_grep ' counting\.\.\.' "$TEST_TMP/screen"
tm_keys u
tm_wait_status '^ marks cleared' "u"
tm_keys a
tm_wait_status "^ $want marked" "a once loaded"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"
