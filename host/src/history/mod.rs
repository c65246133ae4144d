//! The `migration_info` table, the advisory lock, and the revision chain.
//!
//! `migration_info` is an append-only log: one row per `apply` and per
//! `rollback` of a revision, never updated or deleted, so the whole history
//! stays readable. A revision is applied when its latest row is an `apply`.
//! Each row is written in the same transaction as the migration it records.

pub mod chain;

use anyhow::{Context as _, bail};
use chain::Applied;
use chrono::{DateTime, Utc};
use tokio_postgres::Client;

/// The history table, in the `public` schema.
pub const TABLE: &str = "migration_info";

/// The advisory lock key that serializes migrate-host runs on one database
/// (advisory locks are per database). "migrate-host" in ASCII, truncated.
const LOCK_KEY: i64 = 0x6d69_6772_6174_6568;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS public.migration_info (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision text NOT NULL,
    parent text,
    message text NOT NULL,
    checksum text NOT NULL,
    operation text NOT NULL CHECK (operation IN ('apply', 'rollback')),
    applied_at timestamptz NOT NULL,
    execution_ms double precision NOT NULL,
    applied_by text NOT NULL DEFAULT current_user
)";

/// The columns and types `CREATE_TABLE` makes, as `format_type` prints them.
const COLUMNS: [(&str, &str); 9] = [
    ("id", "bigint"),
    ("revision", "text"),
    ("parent", "text"),
    ("message", "text"),
    ("checksum", "text"),
    ("operation", "text"),
    ("applied_at", "timestamp with time zone"),
    ("execution_ms", "double precision"),
    ("applied_by", "text"),
];

/// One row of the log.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Record {
    pub revision: String,
    pub parent: Option<String>,
    pub message: String,
    pub checksum: String,
    pub operation: Operation,
    pub applied_at: DateTime<Utc>,
    pub execution_ms: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Apply,
    Rollback,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "apply",
            Operation::Rollback => "rollback",
        }
    }
}

/// Whether the table exists; checks that an existing one is ours, column
/// by column and type by type, so that reading it cannot fail halfway.
pub async fn exists(client: &Client) -> anyhow::Result<bool> {
    let columns: Vec<(String, String)> = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = to_regclass('public.migration_info') AND a.attnum > 0 AND NOT a.attisdropped",
            &[],
        )
        .await
        .context("reading the migration_info table's columns")?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    if columns.is_empty() {
        return Ok(false);
    }
    let mut wrong = Vec::new();
    for (name, expected) in COLUMNS {
        match columns.iter().find(|(have, _)| have == name) {
            None => wrong.push(format!("no column {name}")),
            Some((_, actual)) if actual != expected => wrong.push(format!("{name} is {actual}, not {expected}")),
            Some(_) => {}
        }
    }
    if !wrong.is_empty() {
        bail!(
            "public.migration_info exists but is not migrate-host's ({}); rename or drop it, or use another database",
            wrong.join(", ")
        );
    }
    Ok(true)
}

/// Creates the table if it does not exist. Call it holding the lock, so that
/// two first runs do not race on `CREATE TABLE`.
pub async fn ensure_table(client: &Client) -> anyhow::Result<()> {
    if !exists(client).await? {
        client
            .batch_execute(CREATE_TABLE)
            .await
            .context("creating the migration_info table")?;
    }
    Ok(())
}

/// Takes the session-level advisory lock, waiting for another run to finish.
/// Returns whether it had to wait.
pub async fn lock(client: &Client) -> anyhow::Result<bool> {
    let got: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
        .await
        .context("taking the migration lock")?
        .get(0);
    if got {
        return Ok(false);
    }
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await
        .context("waiting for the migration lock")?;
    Ok(true)
}

pub async fn unlock(client: &Client) -> anyhow::Result<()> {
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await
        .context("releasing the migration lock")?;
    Ok(())
}

/// The revisions currently applied, in the order they were applied.
pub async fn applied(client: &Client) -> anyhow::Result<Vec<Applied>> {
    if !exists(client).await? {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            "SELECT revision, parent, message, checksum, applied_at, execution_ms FROM ( \
                 SELECT DISTINCT ON (revision) * FROM public.migration_info ORDER BY revision, id DESC \
             ) latest WHERE operation = 'apply' ORDER BY id",
            &[],
        )
        .await
        .context("reading migration_info")?;
    Ok(rows
        .iter()
        .map(|r| Applied {
            revision: r.get(0),
            parent: r.get(1),
            message: r.get(2),
            checksum: r.get(3),
            applied_at: r.get(4),
            execution_ms: r.get(5),
        })
        .collect())
}

/// [`record`] as one statement of literals, for sending together with the
/// `COMMIT` in one round trip (every value is escaped as a literal).
pub fn record_sql(record: &Record) -> anyhow::Result<String> {
    let literal = |text: &str| crate::actions::ident::literal(text).map_err(|e| anyhow::anyhow!("{e}"));
    let parent = match &record.parent {
        Some(parent) => literal(parent)?,
        None => "NULL".into(),
    };
    Ok(format!(
        "INSERT INTO public.migration_info \
         (revision, parent, message, checksum, operation, applied_at, execution_ms) \
         VALUES ({}, {parent}, {}, {}, {}, {}::timestamptz, {}::double precision)",
        literal(&record.revision)?,
        literal(&record.message)?,
        literal(&record.checksum)?,
        literal(record.operation.as_str())?,
        literal(&record.applied_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))?,
        if record.execution_ms.is_finite() {
            record.execution_ms
        } else {
            0.0
        }
    ))
}

/// How many rows the log has (to check that a migration added only its own).
pub async fn count(client: &Client) -> anyhow::Result<i64> {
    Ok(client
        .query_one("SELECT count(*) FROM public.migration_info", &[])
        .await
        .context("counting migration_info")?
        .get(0))
}

/// The whole log, oldest first.
pub async fn log(client: &Client) -> anyhow::Result<Vec<Record>> {
    if !exists(client).await? {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            "SELECT revision, parent, message, checksum, operation, applied_at, execution_ms \
             FROM public.migration_info ORDER BY id",
            &[],
        )
        .await
        .context("reading migration_info")?;
    Ok(rows
        .iter()
        .map(|r| Record {
            revision: r.get(0),
            parent: r.get(1),
            message: r.get(2),
            checksum: r.get(3),
            operation: if r.get::<_, &str>(4) == "apply" {
                Operation::Apply
            } else {
                Operation::Rollback
            },
            applied_at: r.get(5),
            execution_ms: r.get(6),
        })
        .collect())
}

/// Appends a record; run it inside the migration's transaction.
pub async fn record(client: &Client, record: &Record) -> anyhow::Result<()> {
    client
        .execute(
            "INSERT INTO public.migration_info \
             (revision, parent, message, checksum, operation, applied_at, execution_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &record.revision,
                &record.parent,
                &record.message,
                &record.checksum,
                &record.operation.as_str(),
                &record.applied_at,
                &record.execution_ms,
            ],
        )
        .await
        .with_context(|| {
            format!(
                "recording {} of {} in migration_info",
                record.operation.as_str(),
                record.revision
            )
        })?;
    Ok(())
}

#[cfg(test)]
mod record_tests {
    use super::*;

    #[test]
    fn a_record_as_literals_escapes_every_value() {
        let record = Record {
            revision: "r1".into(),
            parent: None,
            message: "it's a \\ test'); DROP TABLE x; --".into(),
            checksum: "ab".into(),
            operation: Operation::Apply,
            applied_at: DateTime::from_timestamp(0, 1_000).unwrap(),
            execution_ms: 1.5,
        };
        assert_eq!(
            record_sql(&record).unwrap(),
            "INSERT INTO public.migration_info (revision, parent, message, checksum, operation, applied_at, \
             execution_ms) VALUES ('r1', NULL, E'it''s a \\\\ test''); DROP TABLE x; --', 'ab', 'apply', \
             '1970-01-01T00:00:00.000001Z'::timestamptz, 1.5::double precision)"
        );
    }
}
