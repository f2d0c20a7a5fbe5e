#!/bin/sh
# Prints the path of a python3 that imports moto: $MOTO_PYTHON, then the
# python3 on PATH, then ~/.pyenv/versions/*/bin/python3.  Exit 1 if none.
for py in ${MOTO_PYTHON:-} "$(command -v python3 2>/dev/null)" "$HOME"/.pyenv/versions/*/bin/python3; do
	[ -n "$py" ] && [ -x "$py" ] || continue
	if "$py" -c 'import moto, boto3' >/dev/null 2>&1; then
		echo "$py"
		exit 0
	fi
done
exit 1
