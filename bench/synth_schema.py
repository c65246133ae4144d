#!/usr/bin/env python3
"""Writes a synthetic schema of N tables, in two versions, for the
introspect + diff and generate benchmarks.

    bench/synth_schema.py 1000 OUT_DIR   ->  OUT_DIR/v1.sql, OUT_DIR/v2.sql

v1: N tables of 8 columns of mixed types (a default, an enum column, a
foreign key to the table before, an index), 10 enums, a view per 10
tables. v2 is v1 with a realistic change set: every 50th table gains a
column, every 100th changes a type and a default, one view in 20 reads a
new column, 1% new tables, one enum gains a value, 1% of indexes change.
"""
import sys
from pathlib import Path


def schema(n: int, version: int) -> str:
    out = []
    for e in range(10):
        values = ["'a'", "'b'", "'c'"] + (["'d'"] if version == 2 and e == 0 else [])
        out.append(f"CREATE TYPE e{e} AS ENUM ({', '.join(values)});")
    tables = n + (n // 100 if version == 2 else 0)
    for i in range(tables):
        cols = [
            "id bigserial PRIMARY KEY",
            "name text NOT NULL",
            "amount numeric(12,2) NOT NULL DEFAULT 0" if not (version == 2 and i % 100 == 7)
            else "amount numeric(14,2) NOT NULL DEFAULT 1",
            f"status e{i % 10} NOT NULL DEFAULT 'a'",
            "created_at timestamptz NOT NULL DEFAULT now()",
            "flag boolean",
            "payload jsonb",
            f"parent_id bigint REFERENCES t{i - 1} (id)" if i > 0 else "parent_id bigint",
        ]
        if version == 2 and i % 50 == 0:
            cols.append("note varchar(200)")
        out.append(f"CREATE TABLE t{i} (\n    " + ",\n    ".join(cols) + "\n);")
        index_cols = "name, created_at" if version == 2 and i % 100 == 11 else "name"
        out.append(f"CREATE INDEX t{i}_name_idx ON t{i} ({index_cols});")
        if i % 10 == 0 and i < n:
            extra = ", note" if version == 2 and i % 50 == 0 else ""
            out.append(f"CREATE VIEW v{i} AS SELECT id, name, amount{extra} FROM t{i} WHERE flag;")
    return "\n".join(out) + "\n"


def main() -> None:
    n, out_dir = int(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    for version in (1, 2):
        (out_dir / f"v{version}.sql").write_text(schema(n, version))


if __name__ == "__main__":
    main()
