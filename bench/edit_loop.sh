#!/usr/bin/env bash
# The edit loop: one column added to the declared schema, then `generate`
# to a built component, on the example app. Cold: a fresh copy of the
# migrations without a target directory (the SDK and wit-bindgen built from
# scratch); warm: the target directory already built, as in day-to-day work.
# Median of RUNS warm runs (default 5). Release build; run by hand.
#
#   bench/edit_loop.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
runs=${1:-5}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=migrate_host_bench_edit
export DATABASE_URL=$server/$db

copy() { # a fresh migrations directory: the example's crates, no target
    rm -rf "$work/migrations"
    mkdir -p "$work/migrations"
    cp -r migrations/Cargo.toml migrations/Cargo.lock migrations/2* "$work/migrations/"
    sed -i "s|path = \"../plugins/rust\"|path = \"$PWD/plugins/rust\"|" "$work/migrations"/*/Cargo.toml "$work/migrations/Cargo.toml"
}
reset_db() { # the example applied, and no generated migration
    rm -rf "$work"/migrations/*_add_a_column*
    psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    $host -q apply --dir "$work/migrations"
}

copy
$host -q build --dir "$work/migrations"
psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
$host -q apply --dir "$work/migrations"
# The declared schema: what the example makes, plus one column.
pg_dump --schema-only --no-owner --exclude-table=public.migration_info -d "$DATABASE_URL" | grep -v '^\\' >"$work/schema.sql"
echo "ALTER TABLE public.users ADD COLUMN nickname text;" >>"$work/schema.sql"

echo "== cold (no target directory)"
copy
rm -rf "$work/migrations/target"
$host -q build --dir "$work/migrations" >/dev/null 2>&1 || true
rm -rf "$work/migrations/target"
reset_db
t=$(now); $host -q generate -m "add a column" --schema "$work/schema.sql" --dir "$work/migrations" >/dev/null
echo "generate, cold: $(elapsed "$t") s"

echo "== warm (target directory built)"
: >"$work/warm"
for run in $(seq "$runs"); do
    reset_db
    t=$(now); $host -q generate -m "add a column" --schema "$work/schema.sql" --dir "$work/migrations" >/dev/null
    elapsed "$t" >>"$work/warm"; echo >>"$work/warm"
done
sort -g "$work/warm" | awk 'NF { a[++n] = $1 } END { printf "generate, warm: median %.2f s of %d (min %.2f, max %.2f)\n", (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2, n, a[1], a[n] }'
psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db"
