#!/bin/sh
# tests/bench/run.sh - patchdeck's benchmarks (`make bench`).  Each prints
#
#   NAME: measured X (target Y)
#
# and nothing here fails on timing: a missed target is a figure to read,
# not a test failure.  The script fails only when a benchmark cannot run
# (the simulator does not start, a command exits non-zero).  Wall times are
# taken with CLOCK_MONOTONIC by tests/bench/timerun.c and ptyrun.c, so no
# shell or script(1) process sits inside a measurement.
#
#   (a) sync: `patchdeck sync` of 10,000 instances vs awscli's
#       describe-instances + describe-instance-information, same simulator
#   (b) first frame: the console from a warm 50,000-instance cache, and
#       from a warm 1,000,000-instance one (the first frame reads what it
#       shows; the fleet loads after it, in the background)
#   (c) filter: per keystroke at 100,000 instances (tests/bench/bench_filter),
#       typing (narrowing) and erasing (widening) apart
#   (d) peak RSS: the console with 100,000 instances loaded
#   (e) exception sync: the plan for 20,000 records over 50,000 instances
#       (tests/bench/bench_exsync), and its tag calls against the distinct
#       tag values
#   (f) pre-check: 5,000 instances (tests/bench/precheck.sh): API calls per
#       action, wall time to the last result against the simulator's time
#
# Run from the top of the tree with the programs built: `make bench` does
# both (B= names the build folder, default build).  Takes about 4 minutes,
# half of it writing the 1,000,000-instance cache (about 1 GB in $TMPDIR).
set -u
ROOT=$(pwd)
B=${B:-build}
BIN="$ROOT/$B/bench"
PD="$ROOT/patchdeck"
RUNS_SYNC=3
RUNS_FRAME=5
for f in "$PD" "$BIN/timerun" "$BIN/ptyrun" "$BIN/mkcache" "$BIN/bench_filter" "$BIN/bench_exsync"; do
	[ -x "$f" ] || { echo "bench: $f missing; run make bench" >&2; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/patchdeck-bench.XXXXXX")
SIM_DIR="$TMP/sim"
cleanup() {
	[ -d "$SIM_DIR" ] && sh "$ROOT/tests/sim/simctl" stop "$SIM_DIR" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "bench: $*" >&2
	exit 1
}

# median: the middle of the numbers on stdin (the upper one of two).
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int(NR / 2) + 1] }'
}

# ms_of LINE: the M of timerun's "ms=M rc=R".
ms_of() {
	echo "$1" | sed -n 's/^ms=\([0-9.]*\) .*/\1/p'
}

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "machine: $(nproc) CPUs, ${model:-unknown CPU}, $(uname -sr)," \
	"$(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" \
	"(other work on the machine shows up in every figure)"
echo "patchdeck: $("$PD" --version 2>/dev/null)"
echo

# --- (a) sync vs awscli ------------------------------------------------------
echo "== (a) sync of 10,000 instances: patchdeck vs awscli, same simulator"
sh "$ROOT/tests/sim/simctl" start "$SIM_DIR" --seed 1 --fleet 10000 >/dev/null ||
	die "the simulator did not start: $(tail -n 20 "$SIM_DIR/sim.log" 2>/dev/null)"
(
	set -a
	. "$SIM_DIR/env"
	set +a
	# No profile files of the machine take part.
	export AWS_CONFIG_FILE="$TMP/aws-config"
	export AWS_SHARED_CREDENTIALS_FILE="$TMP/aws-credentials"
	: >"$AWS_CONFIG_FILE"
	: >"$AWS_SHARED_CREDENTIALS_FILE"
	unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
	# No [target]: one target, the environment's region.
	: >"$TMP/sync.conf"
	command -v aws >/dev/null 2>&1 || die "aws (awscli) is not on PATH"
	echo "awscli: $(aws --version 2>&1)"
	# awscli 1.x pages through everything by itself and has no pager
	# (--no-cli-pager is a v2 option that 1.x rejects).
	pd=""
	cli=""
	i=1
	while [ "$i" -le "$RUNS_SYNC" ]; do
		# A fresh cache each time: the same work in every run.
		rm -f "$TMP/sync.db" "$TMP/sync.db-wal" "$TMP/sync.db-shm"
		r=$("$BIN/timerun" "$TMP/err" "$PD" --config "$TMP/sync.conf" \
			--cache "$TMP/sync.db" sync) ||
			die "patchdeck sync failed: $r: $(tail -n 5 "$TMP/err")"
		t_pd=$(ms_of "$r")
		r=$("$BIN/timerun" "$TMP/err" aws --endpoint-url "$AWS_ENDPOINT_URL" \
			ec2 describe-instances) ||
			die "aws ec2 describe-instances failed: $r: $(tail -n 5 "$TMP/err")"
		t_ec2=$(ms_of "$r")
		r=$("$BIN/timerun" "$TMP/err" aws --endpoint-url "$AWS_ENDPOINT_URL" \
			ssm describe-instance-information) ||
			die "aws ssm describe-instance-information failed: $r: $(tail -n 5 "$TMP/err")"
		t_ssm=$(ms_of "$r")
		t_cli=$(echo "$t_ec2 $t_ssm" | awk '{ printf "%.1f", $1 + $2 }')
		echo "run $i: patchdeck sync $t_pd ms; awscli $t_cli ms" \
			"(describe-instances $t_ec2 + describe-instance-information $t_ssm)"
		pd="$pd $t_pd"
		cli="$cli $t_cli"
		i=$((i + 1))
	done
	n=$(sqlite3 "$TMP/sync.db" 'select count(*) from instances' 2>/dev/null ||
		echo "?")
	echo "cache after the last sync: $n instances"
	m_pd=$(echo "$pd" | tr ' ' '\n' | grep . | median)
	m_cli=$(echo "$cli" | tr ' ' '\n' | grep . | median)
	ratio=$(echo "$m_pd $m_cli" | awk '{ printf "%.3f", $1 / $2 }')
	echo "sync-10k-patchdeck: measured ${m_pd} ms (median of $RUNS_SYNC)"
	echo "sync-10k-awscli: measured ${m_cli} ms (median of $RUNS_SYNC)"
	echo "sync-vs-awscli: measured ratio $ratio (target <= 0.333, patchdeck at most 1/3 of awscli's time)"
) || exit 1
sh "$ROOT/tests/sim/simctl" stop "$SIM_DIR" >/dev/null 2>&1
echo

# From here on nothing may reach a network: no AWS settings at all (the
# console in --frames mode does not start its background refresh either,
# see ui/app.c).
for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$v"
done
export AWS_CONFIG_FILE="$TMP/aws-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/aws-credentials"
export AWS_EC2_METADATA_DISABLED=true
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"
export TERM=xterm-256color
unset NO_COLOR LINES COLUMNS

# --- (b) first frame ---------------------------------------------------------
# first_frame N LABEL: the console's first frame from a warm cache of N.
# The status line ("loading 200 of N instances", or "N instances") is
# drawn in the same refresh as the rest of the first frame: its arrival
# on the terminal is the frame.  Then "q": the console quits without
# waiting for the fleet it loads in the background.
first_frame() {
	"$BIN/mkcache" "$1" "$TMP/c$2.db" "$TMP/bench.conf" ||
		die "mkcache failed"
	# Warm: the file in the page cache, as after any earlier use; and
	# written back first, so the flush of a just-written 885 MB cache
	# does not land in the frames measured (it cost the 1M case ~10 ms).
	sync
	cat "$TMP/c$2.db" >/dev/null
	out=$(PTYRUN_MARK="$1 instances" PTYRUN_AFTER=q "$BIN/ptyrun" \
		"$RUNS_FRAME" 50 200 "$PD" --config "$TMP/bench.conf" \
		--cache "$TMP/c$2.db" --frames 1) ||
		die "the console failed: $out"
	echo "$out"
	m=$(echo "$out" | sed -n 's/.*mark_median_ms=\([0-9.]*\).*/\1/p')
	e=$(echo "$out" | sed -n 's/.* median_ms=\([0-9.]*\).*/\1/p')
	echo "first-frame-$2: measured ${m} ms (median of $RUNS_FRAME; 200x50 pty; start to the frame on the terminal; ${e} ms to exit on q) (target <= 50 ms)"
}
echo "== (b) console: first full frame from a warm cache of 50,000 instances"
first_frame 50000 50k
rm -f "$TMP/c50k.db" "$TMP/c50k.db-wal" "$TMP/c50k.db-shm"
echo
echo "== (b) console: first full frame from a warm cache of 1,000,000 instances"
first_frame 1000000 1m
rm -f "$TMP/c1m.db" "$TMP/c1m.db-wal" "$TMP/c1m.db-shm"
echo

# --- (c) filter per keystroke ------------------------------------------------
echo "== (c) filter recomputation + visible rows per keystroke, 100,000 instances"
"$BIN/bench_filter" 100000 "$TMP/bench.conf" || die "bench_filter failed"
echo

# --- (d) peak RSS ------------------------------------------------------------
echo "== (d) peak RSS: the console with 100,000 instances loaded"
"$BIN/mkcache" 100000 "$TMP/c100k.db" "$TMP/bench.conf" || die "mkcache failed"
# --frames 1 exits after the first frame once the fleet is loaded.
out=$("$BIN/ptyrun" 1 50 200 "$PD" --config "$TMP/bench.conf" \
	--cache "$TMP/c100k.db" --frames 1) || die "the console failed: $out"
echo "$out"
kb=$(echo "$out" | sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p')
echo "peak-rss-100k: measured $(echo "$kb" | awk '{ printf "%.1f", $1 / 1024 }') MB (ru_maxrss; --frames 1, the whole fleet loaded) (target <= 100 MB)"
echo

# --- (e) exception sync plan -------------------------------------------------
echo "== (e) exceptions sync: plan for 20,000 records over 50,000 instances"
"$BIN/bench_exsync" 20000 50000 || die "bench_exsync failed"
echo

# --- (f) pre-check of 5,000 instances ------------------------------------------
sh "$ROOT/tests/bench/precheck.sh" || die "the pre-check bench failed"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
