#!/bin/sh
# run.sh: builds the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang,
# ASan and UBSan in build-fuzz and runs each for FUZZ_SECONDS (default 60)
# over its seed corpus tests/fuzz/corpus/NAME (read, never written: what a
# run finds new stays in a temporary folder).  A crash, leak, undefined
# behaviour or broken invariant fails the harness; its input is kept and
# named so it can be added to the corpus as crash-*.  Where clang cannot
# build or run a fuzzer, prints one line "skip: fuzz: why" and succeeds.
# Ends with "fuzz: N passed, M failed".
set -u
secs=${FUZZ_SECONDS:-60}
make=${MAKE:-make}
cc=${FUZZ_CC:-clang}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$work/p.c"
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "skip: fuzz: no $cc (apt-get install clang)"
	exit 0
fi
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$work/p" "$work/p.c" \
    2>"$work/err"; then
	echo "skip: fuzz: $cc cannot link a libFuzzer harness (apt-get install libclang-rt-dev): $(head -n 1 "$work/err")"
	exit 0
fi
if ! "$work/p" -runs=1 >"$work/err" 2>&1; then
	echo "skip: fuzz: a fuzzer does not run here: $(grep -m 1 -i error "$work/err")"
	exit 0
fi

cd "$root" || exit 1
if ! $make --no-print-directory -s -j2 CC="$cc" B=build-fuzz \
    SANITIZE=fuzzer-no-link,address,undefined fuzz-build >"$work/build" 2>&1; then
	cat "$work/build"
	echo "fuzz: the harnesses do not build"
	exit 1
fi

export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
passed=0
failed=0
for src in tests/fuzz/fuzz_*.c; do
	name=${src##*/fuzz_}
	name=${name%.c}
	bin=build-fuzz/fuzz/fuzz_$name
	mkdir -p "$work/$name" "tests/fuzz/corpus/$name"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$work/$name-" "$work/$name" \
	    "tests/fuzz/corpus/$name" >"$work/$name.log" 2>&1; then
		passed=$((passed + 1))
		runs=$(sed -n 's/^#\([0-9]*\).*DONE.*/\1/p' "$work/$name.log" | tail -n 1)
		echo "fuzz: $name: ok (${runs:-?} runs in ${secs}s)"
	else
		failed=$((failed + 1))
		grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ in ' "$work/$name.log" | head -n 20
		for a in "$work/$name"-*; do
			[ -f "$a" ] || continue
			keep=build-fuzz/${a##*/}
			cp "$a" "$keep"
			echo "fuzz: $name: FAILED; input kept in $keep (fix, then add it as tests/fuzz/corpus/$name/crash-...)"
		done
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
