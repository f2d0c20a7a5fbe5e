#!/bin/sh
# The layers of DESIGN.md section 2, read from the #include lines: ui/
# never includes aws/ or cache/ (it reaches them through src/ops, e.g.
# ops/desk.h); src/fleet includes none of aws/, cache/, ops/, ui/ (pure
# logic); only ui/ includes curses.h; only src/cache includes sqlite3.h.
# The same check runs first on a made-up tree with one breach of each
# rule, and must find every one there, so it cannot pass by finding
# nothing.  Needs no simulator.
. tests/integration/lib.sh

# An #include line, up to the opening quote or bracket.
INC='^[[:space:]]*#[[:space:]]*include[[:space:]]*'

# layers ROOT: prints one line per breach under ROOT ("FILE:LINE").
layers() {
	root=$1
	for f in "$root"/ui/*.c "$root"/ui/*.h; do
		[ -e "$f" ] || continue
		grep -H -E "$INC"'"(aws|cache)/' "$f"
	done
	for f in "$root"/src/fleet/*.c "$root"/src/fleet/*.h; do
		[ -e "$f" ] || continue
		grep -H -E "$INC"'"(aws|cache|ops|ui)/' "$f"
	done
	for f in "$root"/src/*.c "$root"/src/*/*.c "$root"/src/*/*.h; do
		[ -e "$f" ] || continue
		grep -H -E "$INC"'[<"](n?curses(w/)?|ncursesw/curses)\.h[>"]' "$f"
	done
	for f in "$root"/src/*.c "$root"/src/*/*.c "$root"/src/*/*.h \
	    "$root"/ui/*.c "$root"/ui/*.h; do
		[ -e "$f" ] || continue
		case $f in "$root"/src/cache/*) continue ;; esac
		grep -H -E "$INC"'[<"]sqlite3\.h[>"]' "$f"
	done
	return 0
}

# 1. A tree that breaks each rule once (and has allowed includes beside
# them): every breach is found, nothing else.
fake="$TEST_TMP/fake"
mkdir -p "$fake/ui" "$fake/src/fleet" "$fake/src/ops" "$fake/src/cache"
cat >"$fake/ui/view_x.c" <<'EOF'
#include "views.h"
#include "ops/desk.h"
#include "fleet/window.h"
#include "aws/net.h"
EOF
cat >"$fake/ui/view_y.h" <<'EOF'
#  include "cache/cache.h"
EOF
cat >"$fake/src/fleet/x.c" <<'EOF'
#include "fleet/x.h"
#include "util/util.h"
#include "ops/config.h"
#include "ui/ui.h"
EOF
cat >"$fake/src/fleet/y.h" <<'EOF'
#include "aws/ssm.h"
#include "cache/cache.h"
EOF
cat >"$fake/src/ops/z.c" <<'EOF'
#include "aws/net.h"
#include "cache/cache.h"
#include <curses.h>
#include <sqlite3.h>
EOF
cat >"$fake/src/cache/cache.c" <<'EOF'
#include <sqlite3.h>
EOF
layers "$fake" >"$TEST_TMP/fake.out"
cat >"$TEST_TMP/fake.want" <<EOF
$fake/ui/view_x.c:#include "aws/net.h"
$fake/ui/view_y.h:#  include "cache/cache.h"
$fake/src/fleet/x.c:#include "ops/config.h"
$fake/src/fleet/x.c:#include "ui/ui.h"
$fake/src/fleet/y.h:#include "aws/ssm.h"
$fake/src/fleet/y.h:#include "cache/cache.h"
$fake/src/ops/z.c:#include <curses.h>
$fake/src/ops/z.c:#include <sqlite3.h>
EOF
sort "$TEST_TMP/fake.out" >"$TEST_TMP/fake.got"
sort "$TEST_TMP/fake.want" >"$TEST_TMP/fake.want.sorted"
cmp -s "$TEST_TMP/fake.got" "$TEST_TMP/fake.want.sorted" || {
	diff "$TEST_TMP/fake.want.sorted" "$TEST_TMP/fake.got"
	fail "the layer check does not find exactly the breaches of a made-up tree"
}

# 2. The tree itself: no breach.
layers . >"$TEST_TMP/real.out"
if [ -s "$TEST_TMP/real.out" ]; then
	cat "$TEST_TMP/real.out"
	fail "includes across the layers of DESIGN.md section 2 (above)"
fi
echo "layers: ok"
