# Sourced by the bench scripts (from the repository root): set-up, the host
# built in release mode as $host, and small timing helpers.
source scripts/setup.sh
cargo build --release --quiet --bin migrate-host
host=$PWD/target/release/migrate-host
server=postgres://postgres@127.0.0.1:5432
now() { date +%s.%N; }
# Seconds since $1 (a `now`), two decimals.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# The median of the numbers on standard input, one per line or space-separated.
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
