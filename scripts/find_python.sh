#!/bin/sh
# Usage: sh scripts/find_python.sh X.Y [X.Y ...]
# Prints "X.Y /path/to/python" for each CPython version asked for that this machine has, in the
# order asked: a working pythonX.Y on PATH, else a pyenv installation of X.Y (pyenv's shim for a
# version that is installed but not selected fails to run, so its folder is looked at directly).
# The Makefile uses it to pick an interpreter and to find every supported one for `make test-all`.
pyenv_root=$(pyenv root 2>/dev/null)
for v in "$@"; do
    for candidate in "python$v" "$pyenv_root"/versions/"$v".*/bin/"python$v"; do
        exe=$(command -v "$candidate" 2>/dev/null) || continue
        # the real interpreter behind the name (not a shim), and only if it is CPython X.Y
        real=$("$exe" -c "import sys; print(sys.executable) if sys.implementation.name == 'cpython' and '%d.%d' % sys.version_info[:2] == '$v' else sys.exit(1)" 2>/dev/null) || continue
        echo "$v $real"
        break
    done
done
