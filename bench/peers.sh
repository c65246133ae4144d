#!/usr/bin/env bash
# Installs the tools migrate-host is measured against, from their registries,
# into bench/.peers (ignored by git): sqlx-cli (crates.io), dbmate (npm),
# migra (PyPI, in a virtualenv). Idempotent; sourced by the bench scripts.
set -euo pipefail
peers="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.peers"
mkdir -p "$peers"
if [ ! -x "$peers/bin/sqlx" ]; then
    echo "bench: installing sqlx-cli from crates.io (a few minutes on 2 cores)" >&2
    cargo install --quiet --locked --root "$peers" sqlx-cli --version 0.8.6 --no-default-features --features postgres,rustls
fi
if [ ! -x "$peers/node_modules/.bin/dbmate" ]; then
    echo "bench: installing dbmate from npm" >&2
    (cd "$peers" && npm install --silent --no-audit --no-fund dbmate@2.36.0)
fi
if [ ! -x "$peers/venv/bin/migra" ]; then
    echo "bench: installing migra from PyPI" >&2
    python3 -m venv "$peers/venv"
    "$peers/venv/bin/pip" install --quiet migra==3.0.1663481299 "psycopg[binary]==3.3.9" psycopg2-binary==2.9.13
fi
export SQLX="$peers/bin/sqlx" DBMATE="$peers/node_modules/.bin/dbmate" MIGRA="$peers/venv/bin/migra"
