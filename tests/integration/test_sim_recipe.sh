#!/bin/sh
# The README's hand-run simulator recipe, as the README writes it (its
# folder /tmp/sim moved into $TEST_TMP), in a plain sh that holds nothing
# of the test's environment: `. DIR/env && ./patchdeck doctor` passes.
. tests/integration/lib.sh

sed -n '/^The simulator can be run by hand/,/^## /p' README.md |
	sed -n 's/^    //p' >"$TEST_TMP/recipe"
grep -q '^sh tests/sim/simctl start /tmp/sim ' "$TEST_TMP/recipe" &&
	grep -q '^\. /tmp/sim/env && \./patchdeck doctor$' "$TEST_TMP/recipe" &&
	grep -q '^sh tests/sim/simctl stop /tmp/sim$' "$TEST_TMP/recipe" ||
	fail "the README's recipe is not the three lines this test knows: $(cat "$TEST_TMP/recipe")"
sed "s#/tmp/sim#$SIM_DIR#g" "$TEST_TMP/recipe" >"$TEST_TMP/recipe.sh"
trap sim_stop EXIT
# set -e: a line that fails ends the recipe, as it would for a reader.
expect_rc 0 timeout 300 env -i PATH="$PATH" HOME="$TEST_TMP" sh -e "$TEST_TMP/recipe.sh"
expect_grep '^identity +arn:aws:iam::' "$TEST_TMP/out"
expect_grep '^7 of 7 checks passed' "$TEST_TMP/out"
[ ! -f "$SIM_DIR/pid" ] || fail "the recipe's last line left the simulator running"
echo "sim recipe: ok"
