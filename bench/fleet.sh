#!/usr/bin/env bash
# Applying the example's four migrations to N databases (default 100) on
# this machine's server, side by side: `migrate-host apply --targets` with
# --parallel 1 and --parallel 8, and the shell loop users write today (one
# `migrate-host apply` per database, one after the other). Every run starts
# from N empty databases (made before the clock starts); after each, every
# database is checked to be at head (`status --targets`, exit 0). Median of
# RUNS runs (default 3), the three interleaved; peak memory of each.
# Release build; run by hand, never in CI.
#
#   bench/fleet.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-100}
runs=${2:-3}

work=$(mktemp -d)
prefix=migrate_host_bench_fleet
admin() { psql -q -X -v ON_ERROR_STOP=1 -d "$server/postgres" "$@"; }
drop_all() {
    admin -At -c "SELECT format('DROP DATABASE %I;', datname) FROM pg_database WHERE datname ~ '^${prefix}_[0-9]+$'" |
        admin >/dev/null
}
fresh() { drop_all; seq -f "CREATE DATABASE ${prefix}_%04g;" 1 "$n" | admin >/dev/null; }
trap 'drop_all; rm -rf "$work"' EXIT

cat >"$work/targets.toml" <<EOF
[[server]]
name = "bench"
url = "$server/postgres"
query = "SELECT datname FROM pg_database WHERE datname ~ '^${prefix}_[0-9]+\$' ORDER BY 1"
EOF
cat >"$work/loop.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
for i in \$(seq -f %04g 1 $n); do
    "$host" -q --dir migrations --database-url "$server/${prefix}_\$i" apply
done
EOF
chmod +x "$work/loop.sh"

$host -q build --dir migrations
# One warm-up run fills the compiled-component cache, as the first deploy
# of these migrations would.
fresh; $host -q --dir migrations apply --targets "$work/targets.toml"

declare -A times mem
measure() { # name command...
    local name=$1; shift
    fresh
    local t; t=$(now)
    /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    times[$name]+="$(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }') "
    mem[$name]=$(tail -n1 "$work/rss")
    $host -q --dir migrations status --targets "$work/targets.toml" ||
        { echo "$name: not every database is at head" >&2; exit 1; }
}
for run in $(seq "$runs"); do
    measure "--parallel 1" "$host" -q --dir migrations apply --targets "$work/targets.toml" --parallel 1
    measure "--parallel 8" "$host" -q --dir migrations apply --targets "$work/targets.toml" --parallel 8
    measure "shell loop" "$work/loop.sh"
done

one=$(echo "${times[--parallel 1]}" | median)
echo
echo "$n databases × 4 migrations, median of $runs"
echo
echo "| how | median (s) | per database (ms) | vs --parallel 1 | peak RSS (MiB) |"
echo "| --- | --- | --- | --- | --- |"
declare -A label=(
    ["--parallel 1"]="apply --targets --parallel 1"
    ["--parallel 8"]="apply --targets --parallel 8"
    ["shell loop"]="a shell loop of apply, one database at a time"
)
for how in "--parallel 1" "--parallel 8" "shell loop"; do
    m=$(echo "${times[$how]}" | median)
    awk -v h="${label[$how]}" -v m="$m" -v o="$one" -v n="$n" -v r="${mem[$how]}" \
        'BEGIN { printf "| %s | %.2f | %.1f | %.2f× | %.1f |\n", h, m, 1000 * m / n, m / o, r / 1024 }'
done
