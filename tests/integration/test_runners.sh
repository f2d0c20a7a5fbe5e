#!/bin/sh
# make test's runners count and list what they did not run: cmocka's
# skipped cases (tests/run-unit.sh), a sanitizer runtime that cannot run
# (tests/san-probe.sh), and tests/run-stages.sh's summary of every stage,
# which still prints, and still fails, when a stage fails.  Stand-ins for
# the test binaries and for make; no simulator.
. tests/integration/lib.sh

# 1. run-unit.sh: cmocka's own closing list of skipped cases.
cat >"$TEST_TMP/test_fake" <<'EOF'
#!/bin/sh
echo "no python3 for tests/sim/imds.py: skipped" >&2
cat <<'OUT'
[==========] Running 3 test(s).
[ RUN      ] test_a
[       OK ] test_a
[ RUN      ] test_b
[  SKIPPED ] test_b
[ RUN      ] test_c
[  SKIPPED ] test_c
[==========] 3 test(s) run.
[  PASSED  ] 1 test(s).
[  SKIPPED ] 2 test(s), listed below:
[  SKIPPED ] test_b
[  SKIPPED ] test_c

 2 SKIPPED TEST(S)
OUT
EOF
chmod +x "$TEST_TMP/test_fake"
expect_rc 0 sh tests/run-unit.sh "$TEST_TMP/test_fake"
expect_grep "^skip: $TEST_TMP/test_fake test_b: " "$TEST_TMP/out"
expect_grep "^skip: $TEST_TMP/test_fake test_c: " "$TEST_TMP/out"
[ "$(grep -c '^skip: ' "$TEST_TMP/out")" -eq 2 ] || fail "not two skip lines"
expect_grep '^unit: 1 passed, 0 failed, 2 skipped$' "$TEST_TMP/out"

# 2. san-probe.sh: a compiler that cannot build sanitized code.
expect_rc 1 sh tests/san-probe.sh "$TEST_TMP/no-such-cc"
expect_grep '^skip: unit-san: .*no-such-cc cannot link' "$TEST_TMP/out"

# 3. run-stages.sh: every stage runs, even after one failed; the summary
#    lists each stage's counts and every skip, the closing line adds them
#    up, and a failed stage fails the run.
cat >"$TEST_TMP/make" <<'EOF'
#!/bin/sh
case $1 in
ok) echo "cc -o x x.c"; echo "skip: x y: no z"
	echo "ok: 5 passed, 0 failed, 1 skipped" ;;
none) echo "skip: none: the runtime cannot run here" ;;
bad) echo "bad: 3 passed, 2 failed"; exit 1 ;;
crash) echo "Segmentation fault" >&2; exit 2 ;;
esac
EOF
expect_rc 1 sh tests/run-stages.sh "sh $TEST_TMP/make" ok bad none crash
expect_grep '^skip: none: ' "$TEST_TMP/out"
expect_grep '^ok +5 passed, 0 failed, 1 skipped$' "$TEST_TMP/out"
expect_grep '^bad +3 passed, 2 failed \(exit 1\), 0 skipped$' "$TEST_TMP/out"
expect_grep '^none +ran nothing, 1 skipped$' "$TEST_TMP/out"
expect_grep '^crash +FAILED \(exit 2, no count of its own\), 0 skipped$' "$TEST_TMP/out"
expect_grep '^  x y: no z$' "$TEST_TMP/out"
expect_grep '^  none: the runtime cannot run here$' "$TEST_TMP/out"
[ "$(tail -n 1 "$TEST_TMP/out")" = "test: 8 passed, 3 failed, 2 skipped" ] ||
	fail "the closing line is not the sum: $(tail -n 1 "$TEST_TMP/out")"
expect_rc 0 sh tests/run-stages.sh "sh $TEST_TMP/make" ok none
[ "$(tail -n 1 "$TEST_TMP/out")" = "test: 5 passed, 0 failed, 2 skipped" ] ||
	fail "the closing line is not the sum: $(tail -n 1 "$TEST_TMP/out")"

# 4. lib.sh's skip_check: the line run.sh relays and counts.
skip_check "a check" "a reason" >"$TEST_TMP/skip"
expect_grep '^skip: test_runners a check: a reason$' "$TEST_TMP/skip"
echo "runners: ok"
