#!/usr/bin/env bash
# Applying N migrations (default 200) to an empty database, side by side:
# migrate-host, psql running the same SQL as N transactions in one session
# (the floor), sqlx-cli and dbmate. Each migration creates a table of 8
# columns (defaults among them), its primary key, an index and a foreign key
# to the table before (bench/synth_migrations.py). The SQL the peers run is
# exactly what migrate-host runs (taken from its dry run). Median of RUNS
# runs (default 5) in one go on this machine; peak memory of each.
# Release build; run by hand, never in CI.
#
#   bench/apply.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
source bench/peers.sh
n=${1:-200}
runs=${2:-5}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=migrate_host_bench_apply
url=$server/$db
fresh() { psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; }

echo "== $n migrations: build"
python3 bench/synth_migrations.py "$n" "$work/migrations"
t=$(now); $host -q build --dir "$work/migrations"
awk -v a="$t" -v b="$(now)" 'BEGIN { printf "built %d components in %.1f s\n", '"$n"', b - a }'

# The SQL migrate-host runs, per migration, for the peers.
fresh
$host -q --database-url "$url" apply --dir "$work/migrations" --dry-run >"$work/dry.sql"
mkdir -p "$work/sqlx" "$work/dbmate"
python3 - "$work" <<'PY'
import re, sys
from pathlib import Path
work = Path(sys.argv[1])
text = (work / "dry.sql").read_text()
parts = re.split(r"^-- apply (r\d+): .*$", text, flags=re.M)[1:]
floor = []
for rev, body in zip(parts[0::2], parts[1::2]):
    sql = body.strip()
    i = int(rev[1:])
    floor.append(f"BEGIN;\n{sql}\nCOMMIT;\n")
    (work / "sqlx" / f"{i + 1:04}_{rev}.sql").write_text(sql + "\n")
    (work / "dbmate" / f"{i + 1:04}_{rev}.sql").write_text(f"-- migrate:up\n{sql}\n\n-- migrate:down\nDROP TABLE t{i};\n")
(work / "floor.sql").write_text("".join(floor))
PY

declare -A times mem
measure() { # name command...
    local name=$1; shift
    fresh
    local t; t=$(now)
    /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    times[$name]+="$(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }') "
    mem[$name]=$(tail -n1 "$work/rss")
}
# One warm-up apply fills migrate-host's compiled-component cache, as the
# first deploy of these migrations would.
fresh; $host -q --database-url "$url" apply --dir "$work/migrations"
for run in $(seq "$runs"); do
    measure psql psql -q -v ON_ERROR_STOP=1 -d "$url" -f "$work/floor.sql"
    measure migrate-host "$host" -q --database-url "$url" apply --dir "$work/migrations"
    measure sqlx "$SQLX" migrate run --source "$work/sqlx" --database-url "$url"
    measure dbmate "$DBMATE" --url "$url?sslmode=disable" --migrations-dir "$work/dbmate" --no-dump-schema up
done
measure migrate-host-no-cache "$host" -q --database-url "$url" --no-cache apply --dir "$work/migrations"
psql -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db"

floor=$(echo "${times[psql]}" | median)
echo
echo "| tool | median of $runs (s) | vs psql floor | peak RSS (MiB) |"
echo "| --- | --- | --- | --- |"
for tool in psql migrate-host sqlx dbmate migrate-host-no-cache; do
    m=$(echo "${times[$tool]}" | median)
    awk -v t="$tool" -v m="$m" -v f="$floor" -v r="${mem[$tool]}" \
        'BEGIN { printf "| %s | %.3f | %.2f× | %.1f |\n", t, m, m / f, r / 1024 }'
done
