#!/usr/bin/env bash
# Introspect + diff and generate on a synthetic schema of N tables (default
# 1,000): a database at v1, a declared schema at v2 (bench/synth_schema.py
# says what changes). Times `plan` (shadow load of v2, introspection of
# both, diff, SQL), then `generate` cold (the SDK built from scratch in a
# new migrations workspace) and warm (the workspace's target dir built).
# Release build of the host; run by hand, never in CI.
#
#   bench/generate.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/synth_schema.py "$n" "$work"
db=migrate_host_bench_generate
psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
t=$(now); psql -q -1 -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f "$work/v1.sql"
echo "load v1 ($n tables) with psql, one transaction: $(elapsed "$t") s"

echo "== plan (v1 database, v2 declared)"
for run in 1 2 3; do
    t=$(now); $host -v plan --schema "$work/v2.sql" >"$work/plan.sql"
    echo "plan run $run: $(elapsed "$t") s ($(grep -c ';$' "$work/plan.sql") statements)"
done
/usr/bin/time -f "plan peak memory: %M KiB" $host plan --schema "$work/v2.sql" >/dev/null

echo "== generate"
mkdir "$work/migrations"
t=$(now); $host -q generate -m "change set" --schema "$work/v2.sql" --dir "$work/migrations"
echo "generate, cold (SDK built from scratch): $(elapsed "$t") s"
rm -rf "$work"/migrations/2*
t=$(now); $host -q generate -m "change set" --schema "$work/v2.sql" --dir "$work/migrations"
echo "generate, warm (target dir built): $(elapsed "$t") s"
psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db"
