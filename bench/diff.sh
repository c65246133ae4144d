#!/usr/bin/env bash
# Introspect + diff, side by side with migra: for synthetic schemas of 100,
# 1,000 and 5,000 tables (bench/synth_schema.py: columns of mixed types,
# indexes, foreign keys, enums, views) in two versions, both loaded into
# databases once; then `migra` and `migrate-host plan --schema <database>`
# on the same pair of databases (the like-for-like comparison: both
# introspect two databases and diff them, whole commands timed), and
# `migrate-host plan --schema v2.sql` (its usual form: the declared schema
# loaded into a shadow database first), median of RUNS (default 3).
# Release build; run by hand, never in CI.
#
#   bench/diff.sh [RUNS] [SIZES...]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
source bench/peers.sh
runs=${1:-3}
shift || true
sizes=("${@:-100 1000 5000}")
read -r -a sizes <<<"${sizes[*]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| tables | migrate-host plan, database vs database (s) | migra (s) | ratio | migrate-host plan from v2.sql, whole (s) | plan RSS (MiB) | migra RSS (MiB) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for n in "${sizes[@]}"; do
    python3 bench/synth_schema.py "$n" "$work/$n"
    for v in 1 2; do
        psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS bench_diff_v$v" -c "CREATE DATABASE bench_diff_v$v"
        # Statement by statement (one transaction would run out of lock slots
        # at 5,000 tables), without waiting for each commit to reach disk.
        PGOPTIONS='-c synchronous_commit=off' psql -q -v ON_ERROR_STOP=1 -d "$server/bench_diff_v$v" -f "$work/$n/v$v.sql"
    done
    : >"$work/db"; : >"$work/whole"; : >"$work/migra"
    for run in $(seq "$runs"); do
        t=$(now)
        /usr/bin/time -f "%M" -o "$work/plan.rss" "$host" --database-url "$server/bench_diff_v1" plan \
            --schema "$server/bench_diff_v2" >"$work/plan-db.sql"
        awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.4f\n", b - a }' >>"$work/db"
        t=$(now)
        # (SQLAlchemy, under migra, wants the postgresql:// spelling.)
        /usr/bin/time -f "%M" -o "$work/migra.rss" "$MIGRA" --unsafe "${server/postgres:/postgresql:}/bench_diff_v1" \
            "${server/postgres:/postgresql:}/bench_diff_v2" \
            >"$work/migra.sql" || [ $? -eq 2 ]
        awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.4f\n", b - a }' >>"$work/migra"
        t=$(now)
        "$host" --database-url "$server/bench_diff_v1" plan --schema "$work/$n/v2.sql" >"$work/plan-file.sql"
        awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.4f\n", b - a }' >>"$work/whole"
    done
    # Both forms of plan must find the same change set.
    cmp -s "$work/plan-db.sql" "$work/plan-file.sql" || { echo "plan --schema <database> and <file> differ at $n tables" >&2; exit 1; }
    db=$(median <"$work/db"); whole=$(median <"$work/whole"); migra=$(median <"$work/migra")
    awk -v n="$n" -v d="$db" -v w="$whole" -v m="$migra" -v pr="$(tail -n1 "$work/plan.rss")" -v mr="$(tail -n1 "$work/migra.rss")" \
        'BEGIN { printf "| %d | %.3f | %.2f | %.3f× | %.2f | %.1f | %.1f |\n", n, d, m, d / m, w, pr / 1024, mr / 1024 }'
done
for v in 1 2; do psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS bench_diff_v$v"; done
