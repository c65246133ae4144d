#!/usr/bin/env bash
# Builds the JavaScript migrations in plugins/js/examples/ (and any .js
# files given as arguments) into components, with componentize-qjs from the
# npm registry, pinned in package-lock.json. Run by scripts/setup.sh.
#
#   plugins/js/build.sh [MIGRATION.js ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if ! command -v npm >/dev/null; then
    echo "plugins/js: npm is needed to build JavaScript migrations (install Node.js 20 or newer)" >&2
    exit 1
fi
if [ ! -x node_modules/.bin/componentize-qjs ]; then
    echo "setup: installing componentize-qjs from npm (plugins/js)" >&2
    npm ci --silent --no-audit --no-fund
fi
sources=("$@")
if [ ${#sources[@]} -eq 0 ]; then
    sources=(examples/*.js)
fi
for js in "${sources[@]}"; do
    wasm="${js%.js}.wasm"
    # Rebuild only when the source or the contract changed.
    if [ ! -f "$wasm" ] || [ "$js" -nt "$wasm" ] || [ ../../wit/migrate.wit -nt "$wasm" ]; then
        node_modules/.bin/componentize-qjs --sync --wit ../../wit --world migration-component \
            --js "$js" -o "$wasm" >/dev/null
    fi
done
