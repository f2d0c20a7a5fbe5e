#!/bin/sh
# san-probe.sh CC: can CC build and run a program under AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer here?  Exit 0 if so;
# otherwise says why in a line "skip: unit-san: WHY" on stdout (which make
# test counts and lists) and exits 1: make unit-san then skips rather than
# failing on a machine without the runtime.
set -u
cc=${1:-cc}
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
printf '#include <stdlib.h>\nint main(void) { free(malloc(16)); return 0; }\n' >"$dir/p.c"
if ! "$cc" -fsanitize=address,undefined -o "$dir/p" "$dir/p.c" 2>"$dir/err"; then
	echo "skip: unit-san: $cc cannot link with -fsanitize=address,undefined: $(head -n 3 "$dir/err" | tr '\n' ' ' | sed 's/ *$//')"
	exit 1
fi
if ! ASAN_OPTIONS=detect_leaks=1 "$dir/p" 2>"$dir/err"; then
	echo "skip: unit-san: a sanitized program does not run here: $(head -n 3 "$dir/err" | tr '\n' ' ' | sed 's/ *$//')"
	exit 1
fi
exit 0
