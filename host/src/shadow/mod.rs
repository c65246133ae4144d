//! The declared schema: `schema.sql` (or a directory of `.sql` files, and
//! what they include with `\i`; `pg_dump -s` output loads as it is, see
//! [`script`]) loaded into a throwaway shadow database, introspected exactly like the
//! live one, and dropped, whatever happened; or, given a database URL, that
//! database's schema, read in place. And [`rehearse`]: the SQL of a plan's
//! steps, planned on a throwaway copy where it depends on the catalog.

use crate::pg::{connect, unique_name, with_database};
use crate::progress::{Finish, Progress, Silent};
use crate::schema::{Schema, introspect};
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};

mod annotations;
pub mod rehearse;
mod script;

pub use annotations::Annotations;

/// The `.sql` files of `path`: the file itself, or a directory's `*.sql`
/// files (not recursive) in name order.
pub fn schema_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    if !path.is_dir() {
        bail!("the schema {} does not exist (set it with --schema)", path.display());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql") && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{} holds no .sql files", path.display());
    }
    Ok(files)
}

/// Whether `--schema` names a database rather than files.
pub fn is_database_url(schema: &Path) -> bool {
    schema
        .to_str()
        .is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// The declared schema `--schema` names: a database's (introspected in
/// place, read-only) or the files' (through a shadow database on the server
/// `admin_url` points at).
pub async fn declared(admin_url: &str, schema: &Path) -> anyhow::Result<Schema> {
    declared_with(admin_url, schema, &Silent).await
}

/// [`declared`], reporting how much of the files the shadow database has
/// loaded to `progress`.
pub async fn declared_with(admin_url: &str, schema: &Path, progress: &dyn Progress) -> anyhow::Result<Schema> {
    if is_database_url(schema) {
        return read_in_place(schema).await;
    }
    load_pieces(admin_url, schema, &pieces(schema)?, progress).await
}

/// [`declared_with`], and what the schema files' annotations declare
/// (renames, casts: see [`annotations`]; none for a schema given as a
/// database), the files read once for both.
pub async fn declared_with_annotations(
    admin_url: &str,
    schema: &Path,
    progress: &dyn Progress,
) -> anyhow::Result<(Schema, Annotations)> {
    if is_database_url(schema) {
        return Ok((read_in_place(schema).await?, Annotations::default()));
    }
    let pieces = pieces(schema)?;
    let annotations = annotations::declared(&pieces)?;
    Ok((load_pieces(admin_url, schema, &pieces, progress).await?, annotations))
}

/// What the annotations of one SQL text declare (`file` names it in errors).
pub fn annotations_of(file: &Path, sql: &str) -> anyhow::Result<Annotations> {
    annotations::declared(&[script::Piece {
        file: file.to_owned(),
        lines_before: 0,
        sql: sql.to_owned(),
    }])
}

/// The schema of the database `--schema` names, read in place.
async fn read_in_place(schema: &Path) -> anyhow::Result<Schema> {
    let url = schema.to_str().expect("a URL is UTF-8");
    let client = connect(url)
        .await
        .context("connecting to the database given as --schema")?;
    introspect(&client)
        .await
        .context("introspecting the database given as --schema")
}

/// The schema files of `path` with their includes, as pieces of plain SQL.
fn pieces(path: &Path) -> anyhow::Result<Vec<script::Piece>> {
    let mut pieces = Vec::new();
    for file in schema_files(path)? {
        pieces.extend(script::read(&file)?);
    }
    Ok(pieces)
}

/// Loads `path` into a new database on the server `admin_url` points at
/// (the live server, or `--shadow-url`), introspects it and drops it.
pub async fn load(admin_url: &str, path: &Path) -> anyhow::Result<Schema> {
    load_with(admin_url, path, &Silent).await
}

/// [`load`], reporting to `progress` how many bytes of SQL the shadow
/// database has run (a large schema takes a while).
pub async fn load_with(admin_url: &str, path: &Path, progress: &dyn Progress) -> anyhow::Result<Schema> {
    load_pieces(admin_url, path, &pieces(path)?, progress).await
}

/// Loads `pieces` (read from `path`) into a shadow database, introspects it
/// and drops it.
async fn load_pieces(
    admin_url: &str,
    path: &Path,
    pieces: &[script::Piece],
    progress: &dyn Progress,
) -> anyhow::Result<Schema> {
    scratch(admin_url, "the shadow database", async |client| {
        let total: usize = pieces.iter().map(|p| p.sql.len()).sum();
        progress.start_bytes(&format!("loading {}", path.display()), total as u64);
        let _finish = Finish(progress);
        for piece in pieces {
            let sql = &piece.sql;
            let mut done = 0;
            for (start, end) in batches(sql) {
                let batch = &sql[start..end];
                let line = piece.lines_before + sql[..start].matches('\n').count();
                client
                    .batch_execute(batch)
                    .await
                    .map_err(|e| located(e, &piece.file, batch, line))?;
                progress.advance((end - done) as u64, &piece.file.display().to_string());
                done = end;
            }
            progress.advance((sql.len() - done) as u64, &piece.file.display().to_string());
        }
        // What the files set (pg_dump empties search_path) must not change
        // how the catalog is read.
        client.batch_execute("RESET ALL").await?;
        introspect(client).await
    })
    .await
}

/// Runs `work` in a new database on the server `admin_url` points at (the
/// live server, or `--shadow-url`), and drops the database whatever
/// happened. `what` names it in errors.
pub(crate) async fn scratch<T>(
    admin_url: &str,
    what: &str,
    work: impl AsyncFnOnce(&tokio_postgres::Client) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let admin = connect(admin_url)
        .await
        .with_context(|| format!("connecting to the server for {what}"))?;
    let name = unique_name("migrate_shadow");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
        .await
        .with_context(|| {
            format!("creating {what} (the role needs CREATEDB; or pass --shadow-url for a server where it has it)")
        })?;
    let result = async {
        let client = connect(&with_database(admin_url, &name)).await?;
        // A throwaway database needs no durability.
        client.batch_execute("SET synchronous_commit = off").await?;
        work(&client).await
    }
    .await;
    let dropped = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    let value = result?;
    dropped.with_context(|| format!("dropping {what} {name}"))?;
    Ok(value)
}

/// How many statements go to the server at once. One batch is one
/// transaction, and a transaction can hold only so many locks
/// (`max_locks_per_transaction`): a schema of thousands of tables loaded in
/// one would run out of shared memory.
const STATEMENTS_PER_BATCH: usize = 500;

/// The file cut into byte ranges of whole statements (Postgres's own
/// splitter, so `;` inside strings and function bodies does not count). If
/// the file does not parse, one range: the server then reports the error.
fn batches(sql: &str) -> Vec<(usize, usize)> {
    let Ok(statements) = pg_query::split_with_parser(sql) else {
        return vec![(0, sql.len())];
    };
    let offset = |s: &str| s.as_ptr() as usize - sql.as_ptr() as usize;
    statements
        .chunks(STATEMENTS_PER_BATCH)
        .map(|chunk| {
            let (first, last) = (chunk[0], chunk[chunk.len() - 1]);
            (offset(first), offset(last) + last.len())
        })
        .collect()
}

/// A schema file's SQL error with its file and line; `sql` is the part of
/// the file that was sent, which starts after `lines_before` lines.
fn located(error: tokio_postgres::Error, file: &Path, sql: &str, lines_before: usize) -> anyhow::Error {
    let Some(db) = error.as_db_error() else {
        return anyhow::Error::from(error).context(format!("loading {}", file.display()));
    };
    let line = match db.position() {
        Some(tokio_postgres::error::ErrorPosition::Original(position)) => {
            let offset: usize = sql.chars().take(*position as usize).map(char::len_utf8).sum();
            Some(lines_before + sql[..offset.min(sql.len())].matches('\n').count() + 1)
        }
        _ => None,
    };
    let place = match line {
        Some(line) => format!("{}:{line}", file.display()),
        None => file.display().to_string(),
    };
    anyhow::anyhow!("{place}: {} (SQLSTATE {})", db.message(), db.code().code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_cut_between_whole_statements() {
        let sql =
            "CREATE TABLE a (x text DEFAULT ';');\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n";
        assert_eq!(batches(sql), vec![(0, sql.trim_end().len() - 1)]);
        let many: String = (0..1200).map(|i| format!("CREATE TABLE t{i} (id int);\n")).collect();
        let cut = batches(&many);
        assert_eq!(cut.len(), 3);
        assert!(many[cut[1].0..].trim_start().starts_with("CREATE TABLE t500 "));
        assert_eq!(batches("CREATE TABLE (broken"), vec![(0, 20)]);
    }
}
