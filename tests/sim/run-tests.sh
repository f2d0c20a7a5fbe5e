#!/bin/sh
# The simulator's own tests (Python unittest), with the Python that has
# moto.  Ends with "sim: N passed, N failed, N skipped"; each skipped test
# is also a line "skip: sim TEST: WHY" (make test lists them).
set -u
cd "$(dirname "$0")/../.."
py=$(sh tests/sim/find-python.sh) || {
	echo "sim: no python3 that can import moto; run: pip install 'moto[server]'" >&2
	exit 1
}
echo "sim: tests with $py"
exec "$py" - <<'PY'
import sys
import unittest

suite = unittest.defaultTestLoader.discover("tests/sim", pattern="test_*.py")
r = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
sys.stderr.flush()
for test, why in r.skipped:
    print("skip: sim %s: %s" % (test.id(), " ".join(str(why).split())))
failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
passed = r.testsRun - failed - len(r.skipped)
print("sim: %d passed, %d failed, %d skipped" % (passed, failed, len(r.skipped)))
sys.exit(0 if r.wasSuccessful() else 1)
PY
