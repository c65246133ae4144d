#!/usr/bin/env bash
# The engine's costs on this machine, for the closing notes of the engine
# issue: building the example (cold, then after touching one migration),
# compiling and instantiating one component, applying the example.
# Release build of the host; run by hand, never in CI.
#
#   bench/engine.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --release --quiet --bin migrate-host --example component_costs
host=./target/release/migrate-host
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }'; }

echo "== build the example's migrations"
rm -rf migrations/target migrations/*.wasm
t=$(now); $host -q build; echo "cold build (4 crates, SDK and wit-bindgen from scratch): $(elapsed "$t")"
touch migrations/20261104090000_add_post_slug/src/lib.rs
t=$(now); $host -q build; echo "after touching one migration: $(elapsed "$t")"
t=$(now); $host -q build; echo "nothing changed: $(elapsed "$t")"

echo "== one component"
./target/release/examples/component_costs migrations/20261104090000_add_post_slug.wasm 20

echo "== apply the example to an empty database"
db=migrate_host_bench
for cache in "" "--no-cache"; do
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
    t=$(now); $host -q apply $cache; echo "apply 4 migrations ${cache:-(compiled components cached)}: $(elapsed "$t")"
    t=$(now); $host -q status $cache >/dev/null; echo "status ${cache}: $(elapsed "$t")"
done
psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db"
