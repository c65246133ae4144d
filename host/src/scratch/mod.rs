//! Scratch databases, for commands that prove what they write before they
//! write it (`baseline`, `squash`): a database made on a server with
//! `TEMPLATE template0` and dropped afterwards whatever happened, a
//! directory's migrations applied into it, and what it holds as `pg_dump
//! --schema-only` prints it, so that two databases can be compared by
//! everything Postgres would dump, not only by what the diff models.
//!
//! Needs `pg_dump` (of the server's major version or newer) on `PATH`, or
//! named by `PG_DUMP`.

use crate::migrator::{ApplyOptions, Migrator};
use crate::pg::{connect, unique_name, with_database};
use crate::runtime::Runtime;
use anyhow::{Context as _, bail};
use std::path::Path;
use std::sync::Arc;
use tokio_postgres::Client;

/// A database that exists until [`Scratch::drop`] (call it on every path:
/// an async drop cannot run in `Drop`).
pub struct Scratch {
    admin: Arc<Client>,
    name: String,
    url: String,
}

impl Scratch {
    /// Makes an empty database on the server `server` points at.
    pub async fn create(server: &str, prefix: &str) -> anyhow::Result<Self> {
        let admin = connect(server)
            .await
            .context("connecting to the server for the scratch databases")?;
        let name = unique_name(prefix);
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
            .await
            .context(
                "creating a scratch database (the role needs CREATEDB; or pass --shadow-url for a server where it \
                 has it)",
            )?;
        let url = with_database(server, &name);
        Ok(Scratch { admin, name, url })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Applies the migrations in `dir` (up to and including `to`) as the
    /// one trusted source.
    pub async fn apply(&self, runtime: Runtime, dir: &Path, to: Option<&str>) -> anyhow::Result<()> {
        let migrator = Migrator::connect(runtime, &self.url, dir)
            .await
            .context("connecting to the scratch database")?;
        let options = ApplyOptions {
            to: to.map(str::to_owned),
            ..ApplyOptions::default()
        };
        migrator.apply(&options, &mut |_| {}).await?;
        Ok(())
    }

    /// Applies the one component `bytes`, as `<name>.wasm` alone in a
    /// directory of its own.
    pub async fn apply_component(&self, runtime: Runtime, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(unique_name("migrate-host-component"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let file = dir.join(format!("{name}.wasm"));
        let applied = match std::fs::write(&file, bytes) {
            Ok(()) => self.apply(runtime, &dir, None).await,
            Err(e) => Err(anyhow::Error::from(e).context(format!("writing {}", file.display()))),
        };
        let _ = std::fs::remove_dir_all(&dir);
        applied
    }

    /// The database's schema, introspected.
    pub async fn schema(&self) -> anyhow::Result<crate::schema::Schema> {
        let client = connect(&self.url).await?;
        crate::schema::introspect(&client)
            .await
            .context("introspecting the scratch database")
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        self.admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
            .await
            .with_context(|| format!("dropping the scratch database {}", self.name))
    }
}

/// `pg_dump --schema-only --no-owner` of the database `url` names, without
/// the engine's own `migration_info` and `migration_steps`, as a sorted list of statements: what
/// pg_dump prints apart from its comments, `SET` lines and per-run guards
/// (`\restrict KEY`), so that two databases compare equal exactly when
/// pg_dump shows the same objects (in whatever order they were made).
pub fn schema_dump(url: &str) -> anyhow::Result<Vec<String>> {
    let program = std::env::var_os("PG_DUMP").unwrap_or_else(|| "pg_dump".into());
    let output = std::process::Command::new(&program)
        .args([
            "--schema-only",
            "--no-owner",
            "--exclude-table=public.migration_info",
            "--exclude-table=public.migration_steps",
            "--dbname",
            url,
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| {
            format!(
                "running {} (install PostgreSQL's client tools, or name pg_dump with PG_DUMP)",
                Path::new(&program).display()
            )
        })?;
    if !output.status.success() {
        bail!("pg_dump failed: {}", String::from_utf8_lossy(&output.stderr).trim_end());
    }
    let dump = String::from_utf8(output.stdout).context("pg_dump printed something that is not UTF-8")?;
    statements(&dump)
}

/// pg_dump's output as its statements, sorted, without what differs from
/// one run or one database to another but the schema.
fn statements(dump: &str) -> anyhow::Result<Vec<String>> {
    let mut statements = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut open_quote: Option<&str> = None;
    for line in dump.lines() {
        if open_quote.is_none() && current.is_empty() {
            let skipped = line.is_empty()
                || line.starts_with("--")
                || line.starts_with("SET ")
                || line.starts_with("\\restrict ")
                || line.starts_with("\\unrestrict ")
                || line.starts_with("SELECT pg_catalog.set_config(");
            if skipped {
                continue;
            }
        }
        current.push(line);
        for tag in dollar_tags(line) {
            match open_quote {
                None => open_quote = Some(tag),
                Some(open) if open == tag => open_quote = None,
                Some(_) => {}
            }
        }
        if open_quote.is_none() && line.ends_with(';') {
            statements.push(current.join("\n"));
            current.clear();
        }
    }
    if !current.is_empty() {
        bail!("pg_dump's output ends inside a statement: {}", current.join("\n"));
    }
    statements.sort();
    Ok(statements)
}

/// The dollar-quote tags (`$$`, `$body$`) on a line, in order.
fn dollar_tags(line: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let end = bytes[i + 1..]
                .iter()
                .position(|&b| !(b.is_ascii_alphabetic() || b == b'_'))
                .map(|n| i + 1 + n);
            if let Some(end) = end
                && bytes[end] == b'$'
            {
                tags.push(&line[i..=end]);
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    tags
}

/// What two dumps disagree on, for a message: the statements only one has
/// (the first few of each). None when they are the same.
pub fn difference(got: &[String], want: &[String], got_name: &str, want_name: &str) -> Option<String> {
    if got == want {
        return None;
    }
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        let mut rest: Vec<&String> = b.iter().collect();
        a.iter()
            .filter(|s| match rest.iter().position(|r| r == s) {
                Some(i) => {
                    rest.remove(i);
                    false
                }
                None => true,
            })
            .cloned()
            .collect()
    };
    let (extra, missing) = (only(got, want), only(want, got));
    let show = |list: &[String]| {
        let mut shown: Vec<String> = list
            .iter()
            .take(5)
            .map(|s| format!("    {}", s.replace('\n', "\n    ")))
            .collect();
        if list.len() > 5 {
            shown.push(format!("    ... and {} more", list.len() - 5));
        }
        shown.join("\n")
    };
    let mut out = Vec::new();
    if !extra.is_empty() {
        out.push(format!("only in {got_name}:\n{}", show(&extra)));
    }
    if !missing.is_empty() {
        out.push(format!("only in {want_name}:\n{}", show(&missing)));
    }
    Some(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_leave_out_what_changes_between_runs_and_keep_bodies_whole() {
        let dump = "--\n-- PostgreSQL database dump\n--\n\\restrict abc\nSET statement_timeout = 0;\n\
                    SELECT pg_catalog.set_config('search_path', '', false);\n\n\
                    CREATE TABLE public.t (\n    id integer\n);\n\n\
                    CREATE FUNCTION public.f() RETURNS integer\n    LANGUAGE sql\n    AS $_$ SELECT 1;\nSELECT 2; $_$;\n\
                    \\unrestrict abc\n";
        let got = statements(dump).unwrap();
        assert_eq!(
            got,
            [
                "CREATE FUNCTION public.f() RETURNS integer\n    LANGUAGE sql\n    AS $_$ SELECT 1;\nSELECT 2; $_$;",
                "CREATE TABLE public.t (\n    id integer\n);",
            ]
        );
        assert!(statements("CREATE TABLE x (\n").is_err());
        let a = vec!["A;".to_owned(), "B;".to_owned()];
        let b = vec!["A;".to_owned(), "C;".to_owned()];
        assert_eq!(difference(&a, &a, "a", "b"), None);
        let d = difference(&a, &b, "the range", "the squash").unwrap();
        assert!(
            d.contains("only in the range:\n    B;") && d.contains("only in the squash:\n    C;"),
            "{d}"
        );
    }
}
