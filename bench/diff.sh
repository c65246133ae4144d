#!/usr/bin/env bash
# Introspect + diff, side by side with migra: for synthetic schemas of 100,
# 1,000 and 5,000 tables (bench/synth_schema.py: columns of mixed types,
# indexes, foreign keys, enums, views) in two versions, both loaded into
# databases once; then `migrate-host plan` (with -v, which splits out the
# shadow-database load) and `migra` on the same pair, median of RUNS
# (default 3). migrate-host must load the declared schema into a shadow
# database; migra is given both databases, so the fair comparison is
# introspection + diff. Release build; run by hand, never in CI.
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

echo "| tables | migrate-host introspect + diff (s) | migrate-host plan, whole (s) | migra (s) | ratio | plan RSS (MiB) | migra RSS (MiB) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for n in "${sizes[@]}"; do
    python3 bench/synth_schema.py "$n" "$work/$n"
    for v in 1 2; do
        psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS bench_diff_v$v" -c "CREATE DATABASE bench_diff_v$v"
        # Statement by statement (one transaction would run out of lock slots
        # at 5,000 tables), without waiting for each commit to reach disk.
        PGOPTIONS='-c synchronous_commit=off' psql -q -v ON_ERROR_STOP=1 -d "$server/bench_diff_v$v" -f "$work/$n/v$v.sql"
    done
    : >"$work/core"; : >"$work/whole"; : >"$work/migra"
    for run in $(seq "$runs"); do
        t=$(now)
        /usr/bin/time -f "%M" -o "$work/plan.rss" "$host" -v --database-url "$server/bench_diff_v1" plan \
            --schema "$work/$n/v2.sql" >"$work/plan.sql" 2>"$work/plan.err"
        awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.4f\n", b - a }' >>"$work/whole"
        # "introspected the database in A s; loaded and introspected the declared schema in B s; diffed in C s"
        python3 - "$work/plan.err" >>"$work/core" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
a, b, c = (float(x) for x in re.search(r"in ([\d.]+) s; .* in ([\d.]+) s; diffed in ([\d.]+) s", text).groups())
# The shadow database's own introspection is about the live one's: count one
# introspection per side, and the diff, but not loading the schema.
print(f"{2 * a + c:.4f}")
PY
        t=$(now)
        # (SQLAlchemy, under migra, wants the postgresql:// spelling.)
        /usr/bin/time -f "%M" -o "$work/migra.rss" "$MIGRA" --unsafe "${server/postgres:/postgresql:}/bench_diff_v1" \
            "${server/postgres:/postgresql:}/bench_diff_v2" \
            >"$work/migra.sql" || [ $? -eq 2 ]
        awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.4f\n", b - a }' >>"$work/migra"
    done
    core=$(median <"$work/core"); whole=$(median <"$work/whole"); migra=$(median <"$work/migra")
    awk -v n="$n" -v c="$core" -v w="$whole" -v m="$migra" -v pr="$(tail -n1 "$work/plan.rss")" -v mr="$(tail -n1 "$work/migra.rss")" \
        'BEGIN { printf "| %d | %.3f | %.2f | %.2f | %.3f× | %.1f | %.1f |\n", n, c, w, m, c / m, pr / 1024, mr / 1024 }'
done
for v in 1 2; do psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS bench_diff_v$v"; done
