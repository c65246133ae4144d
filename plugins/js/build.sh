#!/usr/bin/env bash
# Builds the JavaScript migrations in plugins/js/examples/ (and any .js
# files given as arguments) into components, with componentize-qjs from the
# npm registry, pinned in package-lock.json. Run by scripts/setup.sh.
#
#   plugins/js/build.sh [MIGRATION.js ...]
#
# It also keeps the SDK's TypeScript declarations current: types/ is
# generated from wit/migrate.wit by jco (tools/types.mjs; jco and
# TypeScript are pinned in tools/package-lock.json), and each example is
# type-checked with tsc against them and migrate.d.ts before it is built.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# Arguments are paths from where the script was run.
origin="$PWD"
sources=()
for js in "$@"; do
    case "$js" in
        /*) sources+=("$js") ;;
        *) sources+=("$origin/$js") ;;
    esac
done
cd "$here"
if ! command -v npm >/dev/null; then
    echo "plugins/js: npm is needed to build JavaScript migrations (install Node.js 20 or newer)" >&2
    exit 1
fi
if [ ! -x node_modules/.bin/componentize-qjs ]; then
    echo "setup: installing componentize-qjs from npm (plugins/js)" >&2
    npm ci --silent --no-audit --no-fund
fi
if [ ! -x tools/node_modules/.bin/jco ] || [ ! -x tools/node_modules/.bin/tsc ]; then
    echo "setup: installing jco and TypeScript from npm (plugins/js/tools)" >&2
    (cd tools && npm ci --silent --no-audit --no-fund)
fi
# The WIT's declarations, again when the WIT or their generator changed.
if [ ! -f types/migration-component.d.ts ] || [ ../../wit/migrate.wit -nt types/migration-component.d.ts ] \
    || [ tools/types.mjs -nt types/migration-component.d.ts ] || [ tools/package-lock.json -nt types/migration-component.d.ts ]; then
    node tools/types.mjs types
fi
examples=0
if [ ${#sources[@]} -eq 0 ]; then
    sources=(examples/*.js)
    examples=1
fi
for js in "${sources[@]}"; do
    wasm="${js%.js}.wasm"
    # Rebuild only when the source, the SDK or the contract changed.
    if [ ! -f "$wasm" ] || [ "$js" -nt "$wasm" ] || [ migrate.js -nt "$wasm" ] || [ migrate.d.ts -nt "$wasm" ] \
        || [ ../../wit/migrate.wit -nt "$wasm" ] || [ package-lock.json -nt "$wasm" ]; then
        if [ "$examples" -eq 1 ]; then
            # The examples import ../migrate.js: plugins/js is their module root.
            tools/node_modules/.bin/tsc --noEmit --allowJs --checkJs --strict --target es2022 \
                --module nodenext --moduleResolution nodenext "$js"
            node_modules/.bin/componentize-qjs --sync --wit ../../wit --world migration-component \
                --module-root "$here" --js "$js" -o "$wasm" >/dev/null
        else
            # Imports resolve under the directory it was run from (componentize-qjs's
            # default module root when the file is under it).
            (cd "$origin" && "$here/node_modules/.bin/componentize-qjs" --sync --wit "$here/../../wit" \
                --world migration-component --js "$js" -o "$wasm" >/dev/null)
        fi
    fi
done
