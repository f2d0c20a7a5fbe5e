#!/bin/sh
# The cache survives SIGKILL at any point of a sync: a driver replaces
# KILL_TARGETS targets with generation after generation (N instances each,
# every row tagged with its generation) and is killed at KILL_COUNT random
# moments (0-300 ms, seeded by KILL_SEED); after each kill the cache must
# open without being found corrupt, and every target must hold exactly N
# rows of one generation (its rows, its tags and its targets row agree),
# never older than what an earlier check saw or the driver reported
# committed, never missing once it was there.
#
#   TEST_TMP=$(mktemp -d) sh tests/integration/test_cache_kill.sh
set -u
: "${TEST_TMP:?set TEST_TMP to a scratch folder}"
B=${B:-build}
DRV=${CACHEKILL:-$B/tests/cachekill}
N=${KILL_N:-2000}
TARGETS=${KILL_TARGETS:-3}
COUNT=${KILL_COUNT:-30}
SEED=${KILL_SEED:-20240601}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

if [ ! -x "$DRV" ]; then
	make --no-print-directory "$DRV" >&2 || fail "cannot build $DRV"
fi
db="$TEST_TMP/cache.db"
rm -f "$db" "$db-wal" "$db-shm"
echo "driver $DRV, $N instances x $TARGETS targets, $COUNT kills, seed $SEED"

# The delays, in seconds, from the seed.
delays=$(awk -v seed="$SEED" -v n="$COUNT" 'BEGIN {
	srand(seed);
	for (i = 0; i < n; i++) printf "%.3f\n", rand() * 0.3 }')

# Warm-up: let generation 1 commit once (slow builds, e.g. sanitizers,
# might never get there inside 300 ms), so "never empty" is always tested.
"$DRV" fill "$db" "$N" "$TARGETS" >"$TEST_TMP/fill.0" 2>&1 &
pid=$!
w=0
until grep -q '^committed' "$TEST_TMP/fill.0"; do
	kill -0 "$pid" 2>/dev/null || { cat "$TEST_TMP/fill.0" >&2; fail "the driver died"; }
	w=$((w + 1))
	[ "$w" -lt 600 ] || { kill -KILL "$pid"; fail "no commit within 60 s"; }
	sleep 0.1
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
committed=$(sed -n 's/^committed //p' "$TEST_TMP/fill.0" | tail -n 1)
i=0
prev=""
changed=0
for d in $delays; do
	i=$((i + 1))
	out="$TEST_TMP/fill.$i"
	"$DRV" fill "$db" "$N" "$TARGETS" >"$out" 2>"$out.err" &
	pid=$!
	sleep "$d"
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
	else
		cat "$out.err" >&2
		fail "kill $i: the driver had exited already"
	fi
	wait "$pid" 2>/dev/null
	last=$(sed -n 's/^committed //p' "$out" | tail -n 1)
	[ -n "$last" ] && committed=$last
	"$DRV" check "$db" "$N" >"$out.check" 2>&1 ||
		{ cat "$out.check" >&2; fail "kill $i after ${d}s: the cache is not whole"; }
	gens=$(sed -n 's/^gens//p' "$out.check")
	# Each target (listed by name) only moves forward, and holds at least
	# the generation last reported committed for all targets.
	set -- $prev
	ntargets=0
	for g in $gens; do
		ntargets=$((ntargets + 1))
		[ "$g" -ge "$committed" ] ||
			fail "kill $i: a target holds generation $g, $committed was committed"
		if [ $# -gt 0 ]; then
			[ "$g" -ge "$1" ] ||
				fail "kill $i: a target went back from generation $1 to $g"
			shift
		fi
	done
	[ $# -eq 0 ] || fail "kill $i: a target disappeared ($prev ->$gens)"
	if [ "$committed" -ge 1 ] && [ "$ntargets" -ne "$TARGETS" ]; then
		fail "kill $i: $ntargets targets, want $TARGETS"
	fi
	case "$gens" in
	"$prev") ;;
	*) changed=$((changed + 1)) ;;
	esac
	prev=$gens
	echo "kill $i after ${d}s: committed $committed, targets hold$gens"
done
[ "$committed" -ge 1 ] || fail "no generation was ever committed (driver too slow?)"
[ "$changed" -ge 1 ] || fail "the cache changed between only $changed of $COUNT kills: the kills did not land during syncs"
echo "ok: $COUNT kills, every target whole each time, the cache moved on between $changed of them"
