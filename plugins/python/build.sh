#!/usr/bin/env bash
# Builds the Python migrations in plugins/python/examples/ (and any .py
# files given as arguments) into components, with componentize-py from PyPI,
# pinned in requirements.txt and installed into plugins/python/.venv. Also
# writes the Python bindings of the contract to plugins/python/bindings/ (for
# editors and type checkers; the build generates its own). Run by
# scripts/setup.sh. Idempotent: a component newer than its source, the
# helper module, the contract and the pin is left as it is.
#
#   plugins/python/build.sh [MIGRATION.py ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sources=()
for py in "$@"; do
    [ -f "$py" ] || { echo "plugins/python: $py: no such file" >&2; exit 1; }
    sources+=("$(cd "$(dirname "$py")" && pwd)/$(basename "$py")")
done
cd "$here"

pinned="$(sed -n 's/^componentize-py==\([^ ;]*\).*/\1/p' requirements.txt)"
if ! compgen -G ".venv/lib/python3*/site-packages/componentize_py-$pinned.dist-info" >/dev/null \
    || [ ! -x .venv/bin/componentize-py ]; then
    if ! command -v python3 >/dev/null; then
        echo "plugins/python: python3 is needed to build Python migrations (CPython 3.9 or newer with venv and pip)" >&2
        exit 1
    fi
    echo "setup: installing componentize-py $pinned from PyPI (plugins/python/.venv)" >&2
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv || {
            echo "plugins/python: 'python3 -m venv' failed (on Debian: apt-get install python3-venv)" >&2
            exit 1
        }
    fi
    .venv/bin/python -m pip install --disable-pip-version-check --quiet -r requirements.txt || {
        echo "plugins/python: installing componentize-py==$pinned from PyPI failed (see pip's error above)" >&2
        exit 1
    }
fi
componentize_py=.venv/bin/componentize-py
# componentize-py adds the site-packages of $VIRTUAL_ENV (else pipenv's, else
# the running Python's) to the guest's path: name ours, so that what else the
# building machine has installed plays no part.
export VIRTUAL_ENV="$here/.venv"
wit=../../wit/migrate.wit

if [ ! -f bindings/wit_world/__init__.py ] || [ "$wit" -nt bindings/wit_world/__init__.py ] \
    || [ requirements.txt -nt bindings/wit_world/__init__.py ]; then
    rm -rf bindings
    "$componentize_py" -q -d ../../wit -w migration-component bindings bindings
fi

if [ ${#sources[@]} -eq 0 ]; then
    sources=("$here"/examples/*.py)
fi
for py in "${sources[@]}"; do
    wasm="${py%.py}.wasm"
    # Rebuild only when the source, the helpers, the contract or the pin changed.
    if [ -f "$wasm" ] && [ ! "$py" -nt "$wasm" ] && [ ! migrate_helpers.py -nt "$wasm" ] \
        && [ ! "$wit" -nt "$wasm" ] && [ ! requirements.txt -nt "$wasm" ]; then
        continue
    fi
    # The module is found on its own directory's path, the helpers on this one.
    if ! "$componentize_py" -q -d ../../wit -w migration-component componentize "$(basename "${py%.py}")" \
        -p "$(dirname "$py")" -p "$here" -o "$wasm.tmp"; then
        rm -f "$wasm.tmp"
        echo "plugins/python: componentize-py failed on $py" >&2
        exit 1
    fi
    mv "$wasm.tmp" "$wasm"
done
