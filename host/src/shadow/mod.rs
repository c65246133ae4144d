//! The declared schema (`schema.sql`, or a directory of `.sql` files)
//! loaded into a throwaway shadow database, introspected exactly like the
//! live one, and dropped, whatever happened.

use crate::migrator::connect;
use crate::schema::{Schema, introspect};
use crate::testing::{unique_name, with_database};
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};

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

/// Loads `path` into a new database on the server `admin_url` points at
/// (the live server, or `--shadow-url`), introspects it and drops it.
pub async fn load(admin_url: &str, path: &Path) -> anyhow::Result<Schema> {
    let files = schema_files(path)?;
    let admin = connect(admin_url)
        .await
        .context("connecting to the server for the shadow database")?;
    let name = unique_name("migrate_shadow");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
        .await
        .context(
            "creating the shadow database (the role needs CREATEDB; or pass --shadow-url for a server where it has it)",
        )?;
    let result = async {
        let client = connect(&with_database(admin_url, &name)).await?;
        for file in &files {
            let sql = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            client.batch_execute(&sql).await.map_err(|e| located(e, file, &sql))?;
        }
        introspect(&client).await
    }
    .await;
    let dropped = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    let schema = result?;
    dropped.with_context(|| format!("dropping the shadow database {name}"))?;
    Ok(schema)
}

/// A schema file's SQL error with its file and line.
fn located(error: tokio_postgres::Error, file: &Path, sql: &str) -> anyhow::Error {
    let Some(db) = error.as_db_error() else {
        return anyhow::Error::from(error).context(format!("loading {}", file.display()));
    };
    let line = match db.position() {
        Some(tokio_postgres::error::ErrorPosition::Original(position)) => {
            let offset: usize = sql.chars().take(*position as usize).map(char::len_utf8).sum();
            Some(sql[..offset.min(sql.len())].matches('\n').count() + 1)
        }
        _ => None,
    };
    let place = match line {
        Some(line) => format!("{}:{line}", file.display()),
        None => file.display().to_string(),
    };
    anyhow::anyhow!("{place}: {} (SQLSTATE {})", db.message(), db.code().code())
}
