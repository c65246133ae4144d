#!/usr/bin/env python3
"""Writes N migrate-host migrations as a cargo workspace of Rust crates, for
the apply benchmark: migration i creates table t<i> with 8 columns of mixed
types (defaults among them), its primary key, an index, and a foreign key
to t<i-1>.

    bench/synth_migrations.py 200 OUT_DIR   ->  OUT_DIR/Cargo.toml, OUT_DIR/m0000/...
"""
import sys
from pathlib import Path

LIB = """use migrate_plugin::prelude::*;

struct M;

impl Migration for M {{
    const REVISION: &'static str = "{rev}";
    const PARENT: Option<&'static str> = {parent};
    const MESSAGE: &'static str = "table t{i}";

    fn up() -> Result<()> {{
        add_table(
            "t{i}",
            [
                column("id", ty::bigserial()).not_null(),
                column("name", ty::text()).not_null(),
                column("amount", ty::numeric(12, 2)).not_null().default_expr("0"),
                column("status", ty::varchar(20)).not_null().default_expr("'new'"),
                column("created_at", ty::timestamptz()).not_null().default_expr("now()"),
                column("flag", ty::boolean()),
                column("payload", ty::jsonb()),
                column("parent_id", ty::bigint()),
            ],
        )?;
        add_constraint("t{i}", "t{i}_pkey", primary_key(["id"]))?;
        add_index(index("t{i}_name_idx", "t{i}", ["name"]))?;
{fk}        Ok(())
    }}

    fn down() -> Result<()> {{
        drop_table("t{i}")
    }}
}}

migration!(M);
"""

FK = """        add_constraint("t{i}", "t{i}_parent_fkey", foreign_key(["parent_id"], "t{p}", ["id"]))?;
"""

CARGO = """[package]
name = "m{i:04}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
migrate-plugin.workspace = true
"""


def main() -> None:
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    sdk = Path(__file__).resolve().parent.parent / "plugins" / "rust"
    out.mkdir(parents=True, exist_ok=True)
    (out / "Cargo.toml").write_text(
        '[workspace]\nresolver = "3"\nmembers = ["m*"]\n\n'
        f'[workspace.dependencies]\nmigrate-plugin = {{ path = "{sdk}" }}\n\n'
        "[profile.release]\nstrip = true\ncodegen-units = 1\n"
    )
    for i in range(n):
        crate = out / f"m{i:04}"
        (crate / "src").mkdir(parents=True, exist_ok=True)
        (crate / "Cargo.toml").write_text(CARGO.format(i=i))
        parent = f'Some("r{i - 1:04}")' if i else "None"
        fk = FK.format(i=i, p=i - 1) if i else ""
        (crate / "src" / "lib.rs").write_text(LIB.format(rev=f"r{i:04}", parent=parent, i=i, fk=fk))


if __name__ == "__main__":
    main()
