#!/bin/sh
# The simulator's own tests (Python unittest), with the Python that has moto.
set -u
cd "$(dirname "$0")/../.."
py=$(sh tests/sim/find-python.sh) || {
	echo "sim: no python3 that can import moto; run: pip install 'moto[server]'" >&2
	exit 1
}
echo "sim: tests with $py"
exec "$py" -m unittest discover -s tests/sim -p 'test_*.py'
