# Sourced by scripts/example and scripts/test: installs what building and
# testing need on a fresh machine, and starts PostgreSQL if it is down.
# Idempotent: a machine that has everything costs well under a second.

set -euo pipefail

# Components are built for WASI preview 2.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    echo "setup: adding the wasm32-wasip2 Rust target" >&2
    rustup target add wasm32-wasip2
fi

# pg_query (Postgres's own SQL parser) generates its bindings with libclang.
# (libclang-cpp, which some machines have, is not it.)
if ! compgen -G "/usr/lib/llvm-*/lib/libclang.so*" >/dev/null && ! compgen -G "/usr/lib/*/libclang-[0-9]*.so*" >/dev/null; then
    echo "setup: installing libclang-dev (needed to build pg_query)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev >/dev/null
fi

# PostgreSQL on 127.0.0.1:5432.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "setup: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p 5432 && break
        sleep 1
    done
    pg_isready -h 127.0.0.1 -p 5432
fi

# The JavaScript example migration (plugins/js): componentize-qjs from npm.
"$(dirname "${BASH_SOURCE[0]}")/../plugins/js/build.sh"

# The Python example migration (plugins/python): componentize-py from PyPI,
# into plugins/python/.venv.
"$(dirname "${BASH_SOURCE[0]}")/../plugins/python/build.sh"
