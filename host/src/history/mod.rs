//! The `migration_info` table, the advisory lock, and the revision chain.
//!
//! `migration_info` is an append-only log: one row per `apply` and per
//! `rollback` of a revision, and one per `accept` (a person reviewed a
//! changed migration and took its current identity as the applied one),
//! never updated or deleted, so the whole history stays readable. A
//! revision is applied when its latest `apply` or `rollback` row is an
//! `apply`; its identity (checksum and source digest) is that of the latest
//! `accept` after that row, else of the `apply` itself. Each apply and
//! rollback row is written in the same transaction as the migration it
//! records.
//!
//! A table made by a version without source digests (no `source_digest`
//! column, no `accept` operation) is read as it is and upgraded in place,
//! rows untouched, the first time a run writes to it.
//!
//! A history lives in a schema ([`Place`]): `public` for a database, a
//! tenant's own schema in schema-per-tenant mode, so that each tenant has
//! its own log, its own `migration_steps` and its own advisory lock.

pub mod chain;
pub mod steps;

use anyhow::{Context as _, bail};
use chain::Applied;
use chrono::{DateTime, Utc};
use tokio_postgres::Client;

/// The history table, in its [`Place`]'s schema.
pub const TABLE: &str = "migration_info";

/// The advisory lock key that serializes migrate-host runs on one
/// database's `public` history (advisory locks are per database).
/// "migrate-host" in ASCII, truncated.
const LOCK_KEY: i64 = 0x6d69_6772_6174_6568;

/// Where a history lives: the schema that holds `migration_info` and
/// `migration_steps`, and the advisory lock that serializes the runs that
/// write to them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    schema: String,
}

impl Default for Place {
    /// A database's own history, in `public`.
    fn default() -> Self {
        Place {
            schema: crate::actions::DEFAULT_SCHEMA.to_owned(),
        }
    }
}

impl Place {
    /// The history of the tenant whose schema is `schema`.
    pub fn new(schema: &str) -> anyhow::Result<Self> {
        crate::actions::ident::validate(schema, "schema").map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Place {
            schema: schema.to_owned(),
        })
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Whether this is a database's own history, in `public`.
    pub fn is_public(&self) -> bool {
        self.schema == crate::actions::DEFAULT_SCHEMA
    }

    /// `"schema"."migration_info"`, for SQL.
    pub fn info(&self) -> String {
        self.qualified(TABLE)
    }

    /// `"schema"."migration_steps"`, for SQL.
    pub fn steps(&self) -> String {
        self.qualified(steps::TABLE)
    }

    fn qualified(&self, table: &str) -> String {
        format!("{}.{table}", crate::actions::ident::quote(&self.schema))
    }

    /// `schema.migration_info`, for messages.
    pub fn describe(&self) -> String {
        format!("{}.{TABLE}", self.schema)
    }

    /// `public`'s key is the one every version took; a tenant's is its
    /// own, so that the tenants of one database migrate side by side while
    /// two runs on one tenant still wait for each other.
    fn lock_key(&self) -> i64 {
        if self.is_public() {
            return LOCK_KEY;
        }
        let digest = crate::digest::checksum(format!("migrate-host lock {}", self.schema).as_bytes());
        u64::from_str_radix(&digest[..16], 16).expect("a SHA-256 is hex") as i64
    }
}

fn create_table_sql(place: &Place) -> String {
    let schema = if place.is_public() {
        String::new()
    } else {
        format!(
            "CREATE SCHEMA IF NOT EXISTS {}; ",
            crate::actions::ident::quote(place.schema())
        )
    };
    format!(
        "{schema}CREATE TABLE IF NOT EXISTS {} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision text NOT NULL,
    parent text,
    message text NOT NULL,
    checksum text NOT NULL,
    operation text NOT NULL CONSTRAINT migration_info_operation_check
        CHECK (operation IN ('apply', 'rollback', 'accept')),
    applied_at timestamptz NOT NULL,
    execution_ms double precision NOT NULL,
    applied_by text NOT NULL DEFAULT current_user,
    source_digest text
)",
        place.info()
    )
}

/// What a table made before source digests needs (its `operation` check
/// was made unnamed, which Postgres names as here). Each statement is
/// idempotent; all run in one transaction.
fn upgrade_sql(place: &Place) -> String {
    let table = place.info();
    format!(
        "BEGIN;
ALTER TABLE {table} ADD COLUMN IF NOT EXISTS source_digest text;
ALTER TABLE {table} DROP CONSTRAINT IF EXISTS migration_info_operation_check;
ALTER TABLE {table} ADD CONSTRAINT migration_info_operation_check
    CHECK (operation IN ('apply', 'rollback', 'accept'));
COMMIT"
    )
}

/// The column `UPGRADE` adds.
const DIGEST_COLUMN: (&str, &str) = ("source_digest", "text");

/// The columns and types every version's table has, as `format_type`
/// prints them.
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
    /// The digest of the source the component was built from, if it
    /// carries one and its source is trusted.
    pub source_digest: Option<String>,
    pub operation: Operation,
    pub applied_at: DateTime<Utc>,
    pub execution_ms: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Apply,
    Rollback,
    /// A changed migration reviewed: its current identity is the applied one.
    Accept,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "apply",
            Operation::Rollback => "rollback",
            Operation::Accept => "accept",
        }
    }

    fn parse(text: &str) -> anyhow::Result<Self> {
        Ok(match text {
            "apply" => Operation::Apply,
            "rollback" => Operation::Rollback,
            "accept" => Operation::Accept,
            other => bail!("migration_info holds an unknown operation {other:?}"),
        })
    }
}

/// What is in the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Absent,
    /// Made by a version without source digests: upgraded when written to.
    Old,
    Current,
}

/// Whether the table exists; checks that an existing one is ours, column
/// by column and type by type, so that reading it cannot fail halfway.
pub async fn exists(client: &Client, place: &Place) -> anyhow::Result<bool> {
    Ok(table(client, place).await? != Table::Absent)
}

async fn table(client: &Client, place: &Place) -> anyhow::Result<Table> {
    let columns: Vec<(String, String)> = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
            &[&place.info()],
        )
        .await
        .context("reading the migration_info table's columns")?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    if columns.is_empty() {
        return Ok(Table::Absent);
    }
    let mut wrong = Vec::new();
    let digest = columns.iter().find(|(have, _)| have == DIGEST_COLUMN.0);
    if let Some((_, actual)) = digest
        && actual != DIGEST_COLUMN.1
    {
        wrong.push(format!("{} is {actual}, not {}", DIGEST_COLUMN.0, DIGEST_COLUMN.1));
    }
    for (name, expected) in COLUMNS {
        match columns.iter().find(|(have, _)| have == name) {
            None => wrong.push(format!("no column {name}")),
            Some((_, actual)) if actual != expected => wrong.push(format!("{name} is {actual}, not {expected}")),
            Some(_) => {}
        }
    }
    if !wrong.is_empty() {
        bail!(
            "{} exists but is not migrate-host's ({}); rename or drop it, or use another database",
            place.describe(),
            wrong.join(", ")
        );
    }
    Ok(if digest.is_some() { Table::Current } else { Table::Old })
}

/// Creates the table if it does not exist, or upgrades one made by an
/// older version. Call it holding the lock, so that two first runs do not
/// race on `CREATE TABLE`.
/// A tenant's schema is made with it if it does not exist.
pub async fn ensure_table(client: &Client, place: &Place) -> anyhow::Result<()> {
    match table(client, place).await? {
        Table::Absent => client
            .batch_execute(&create_table_sql(place))
            .await
            .with_context(|| format!("creating the {} table", place.describe()))?,
        Table::Old => {
            if let Err(e) = client.batch_execute(&upgrade_sql(place)).await {
                let _ = client.batch_execute("ROLLBACK").await;
                return Err(e).context(
                    "upgrading the migration_info table (adding the source_digest column and the accept \
                     operation; the connecting role must own the table)",
                );
            }
        }
        Table::Current => {}
    }
    Ok(())
}

/// Takes the session-level advisory lock of `place`, waiting for another
/// run to finish. Returns whether it had to wait.
pub async fn lock(client: &Client, place: &Place) -> anyhow::Result<bool> {
    let key = place.lock_key();
    let got: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .await
        .context("taking the migration lock")?
        .get(0);
    if got {
        return Ok(false);
    }
    client
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .await
        .context("waiting for the migration lock")?;
    Ok(true)
}

pub async fn unlock(client: &Client, place: &Place) -> anyhow::Result<()> {
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&place.lock_key()])
        .await
        .context("releasing the migration lock")?;
    Ok(())
}

/// The revisions currently applied, in the order they were applied, each
/// with its current identity (from its latest `accept`, if one followed
/// the `apply`).
pub async fn applied(client: &Client, place: &Place) -> anyhow::Result<Vec<Applied>> {
    let table_name = place.info();
    let digest = match table(client, place).await? {
        Table::Absent => return Ok(Vec::new()),
        Table::Old => "NULL::text",
        Table::Current => "source_digest",
    };
    let rows = client
        .query(
            &format!(
                "SELECT a.revision, a.parent, a.message, coalesce(c.checksum, a.checksum), \
                        CASE WHEN c.id IS NULL THEN a.digest ELSE c.digest END, \
                        a.applied_at, a.execution_ms, c.applied_at \
                 FROM (SELECT DISTINCT ON (revision) *, {digest} AS digest FROM {table_name} \
                       WHERE operation <> 'accept' ORDER BY revision, id DESC) a \
                 LEFT JOIN (SELECT DISTINCT ON (revision) *, {digest} AS digest FROM {table_name} \
                            WHERE operation = 'accept' ORDER BY revision, id DESC) c \
                   ON c.revision = a.revision AND c.id > a.id \
                 WHERE a.operation = 'apply' ORDER BY a.id"
            ),
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
            source_digest: r.get(4),
            applied_at: r.get(5),
            execution_ms: r.get(6),
            accepted_at: r.get(7),
        })
        .collect())
}

/// [`record`] as one statement of literals, for sending together with the
/// `COMMIT` in one round trip (every value is escaped as a literal).
pub fn record_sql(record: &Record, place: &Place) -> anyhow::Result<String> {
    let literal = |text: &str| crate::actions::ident::literal(text).map_err(|e| anyhow::anyhow!("{e}"));
    let optional = |text: &Option<String>| match text {
        Some(text) => literal(text),
        None => Ok("NULL".into()),
    };
    let (parent, digest) = (optional(&record.parent)?, optional(&record.source_digest)?);
    Ok(format!(
        "INSERT INTO {} \
         (revision, parent, message, checksum, source_digest, operation, applied_at, execution_ms) \
         VALUES ({}, {parent}, {}, {}, {digest}, {}, {}::timestamptz, {}::double precision)",
        place.info(),
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
pub async fn count(client: &Client, place: &Place) -> anyhow::Result<i64> {
    Ok(client
        .query_one(&format!("SELECT count(*) FROM {}", place.info()), &[])
        .await
        .context("counting migration_info")?
        .get(0))
}

/// The whole log, oldest first.
pub async fn log(client: &Client, place: &Place) -> anyhow::Result<Vec<Record>> {
    let digest = match table(client, place).await? {
        Table::Absent => return Ok(Vec::new()),
        Table::Old => "NULL::text",
        Table::Current => "source_digest",
    };
    let rows = client
        .query(
            &format!(
                "SELECT revision, parent, message, checksum, {digest}, operation, applied_at, execution_ms \
                 FROM {} ORDER BY id",
                place.info()
            ),
            &[],
        )
        .await
        .context("reading migration_info")?;
    rows.iter()
        .map(|r| {
            Ok(Record {
                revision: r.get(0),
                parent: r.get(1),
                message: r.get(2),
                checksum: r.get(3),
                source_digest: r.get(4),
                operation: Operation::parse(r.get(5))?,
                applied_at: r.get(6),
                execution_ms: r.get(7),
            })
        })
        .collect()
}

/// Appends a record; run it inside the migration's transaction.
pub async fn record(client: &Client, record: &Record, place: &Place) -> anyhow::Result<()> {
    client
        .execute(
            &format!(
                "INSERT INTO {} \
                 (revision, parent, message, checksum, source_digest, operation, applied_at, execution_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                place.info()
            ),
            &[
                &record.revision,
                &record.parent,
                &record.message,
                &record.checksum,
                &record.source_digest,
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
    fn each_tenant_has_a_lock_of_its_own_and_public_keeps_the_old_one() {
        assert_eq!(Place::default().lock_key(), LOCK_KEY);
        assert_eq!(Place::new("public").unwrap(), Place::default());
        let (a, b) = (Place::new("acme").unwrap(), Place::new("globex").unwrap());
        assert_ne!(a.lock_key(), b.lock_key());
        assert_ne!(a.lock_key(), LOCK_KEY);
        assert_eq!(a.lock_key(), Place::new("acme").unwrap().lock_key());
        assert_eq!(a.info(), "\"acme\".migration_info");
        assert!(Place::new("").is_err());
    }

    #[test]
    fn a_record_as_literals_escapes_every_value() {
        let record = Record {
            revision: "r1".into(),
            parent: None,
            message: "it's a \\ test'); DROP TABLE x; --".into(),
            checksum: "ab".into(),
            source_digest: None,
            operation: Operation::Apply,
            applied_at: DateTime::from_timestamp(0, 1_000).unwrap(),
            execution_ms: 1.5,
        };
        assert_eq!(
            record_sql(&record, &Place::default()).unwrap(),
            "INSERT INTO \"public\".migration_info (revision, parent, message, checksum, source_digest, operation, \
             applied_at, execution_ms) VALUES ('r1', NULL, E'it''s a \\\\ test''); DROP TABLE x; --', 'ab', NULL, \
             'apply', '1970-01-01T00:00:00.000001Z'::timestamptz, 1.5::double precision)"
        );
    }
}
