#!/bin/sh
# Installs (as root) or names (otherwise) what building and testing patchdeck
# needs on Debian, and finds the Python that can import moto.
set -u
pkgs="build-essential pkg-config libncurses-dev libcurl4-openssl-dev libcjson-dev libssl-dev libsqlite3-dev libxml2-dev libcmocka-dev tmux tzdata curl"
# Used by a test when present (it says when it is not): never a reason to stop.
optional="strace shellcheck"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
			echo "deps: apt-get failed; run: apt-get update && apt-get install -y$missing" >&2
			exit 1
		}
	else
		echo "deps: missing Debian packages; run:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
		exit 1
	fi
fi
for p in $optional; do
	command -v "$p" >/dev/null 2>&1 && continue
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1 ||
			echo "deps: optional $p not installed; a check that needs it is skipped"
	else
		echo "deps: optional $p missing (apt-get install $p); a check that needs it is skipped"
	fi
done
# libFuzzer for make fuzz (and make test's brief fuzz stage): clang and its
# runtime (libclang-rt-dev).  Optional like the above.
if ! command -v clang >/dev/null 2>&1 ||
    ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-dev >/dev/null 2>&1 ||
			echo "deps: optional clang/libFuzzer not installed; the fuzz stage is skipped"
	else
		echo "deps: optional libFuzzer missing (apt-get install clang libclang-rt-dev); the fuzz stage is skipped"
	fi
fi
py=$(sh "$(dirname "$0")/sim/find-python.sh") || {
	echo "deps: no python3 that can import moto; run: pip install 'moto[server]'" >&2
	exit 1
}
echo "deps: ok (moto from $py)"
