//! Shared by the end-to-end suites: guest components built once per test
//! binary, scratch migration directories, and interpreter-driven databases.

#![allow(dead_code)]

use migrate_host::actions::Action;
use migrate_host::runtime::Limits;
use migrate_host::testing::TestDatabase;
use migrate_host::wit::{ColumnDef, DataType, QualifiedName, ScalarType, SqlValue};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_owned()
}

fn build_once(cell: &'static OnceLock<PathBuf>, dir: &str) -> PathBuf {
    cell.get_or_init(|| {
        let dir = repo_root().join(dir);
        migrate_host::build::build(&dir, true).unwrap_or_else(|e| panic!("building {}: {e:#}", dir.display()));
        dir
    })
    .clone()
}

/// `tests/fixtures`, built.
pub fn fixtures_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    build_once(&BUILT, "tests/fixtures")
}

/// The example application's `migrations/`, built.
pub fn example_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    build_once(&BUILT, "migrations")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(format!("{name}.wasm"))
}

/// A temporary migrations directory holding copies of some components.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn with_fixtures(names: &[&str]) -> Self {
        let scratch = Scratch {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        for name in names {
            scratch.add_fixture(name);
        }
        scratch
    }

    pub fn with_example() -> Self {
        let scratch = Scratch {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        for file in std::fs::read_dir(example_dir()).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "wasm") {
                std::fs::copy(&path, scratch.path().join(path.file_name().unwrap())).unwrap();
            }
        }
        scratch
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn add_fixture(&self, name: &str) {
        std::fs::copy(fixture(name), self.path().join(format!("{name}.wasm"))).expect("copying a fixture");
    }

    /// Writes `bytes` as `name.wasm`.
    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path().join(format!("{name}.wasm")), bytes).unwrap();
    }

    pub fn remove(&self, name: &str) {
        std::fs::remove_file(self.path().join(format!("{name}.wasm"))).unwrap();
    }
}

/// A database and a scratch directory of interpreter components, with the
/// interpreter's tables (`interp_ops`, `interp_results`) in place.
pub async fn interp_db(fixtures: &[&str]) -> (TestDatabase, Scratch) {
    interp_db_with(fixtures, Limits::default()).await
}

pub async fn interp_db_with(fixtures: &[&str], limits: Limits) -> (TestDatabase, Scratch) {
    let scratch = Scratch::with_fixtures(fixtures);
    let db = TestDatabase::create_with(scratch.path(), limits)
        .await
        .expect("creating a test database");
    db.client()
        .batch_execute(
            "CREATE TABLE interp_ops (id serial PRIMARY KEY, revision text NOT NULL, direction text NOT NULL, op jsonb NOT NULL);
             CREATE TABLE interp_results (id serial PRIMARY KEY, result jsonb NOT NULL);",
        )
        .await
        .expect("creating the interpreter's tables");
    (db, scratch)
}

/// Queues ops for the interpreter migration `revision` in `direction`.
pub async fn queue(db: &TestDatabase, revision: &str, direction: &str, ops: &[Value]) {
    for op in ops {
        db.client()
            .execute(
                "INSERT INTO interp_ops (revision, direction, op) VALUES ($1, $2, $3::text::jsonb)",
                &[&revision, &direction, &op.to_string()],
            )
            .await
            .expect("queueing an op");
    }
}

pub fn act(action: Action) -> Value {
    serde_json::to_value(action).expect("actions serialize")
}

pub fn execute(sql: &str, params: &[SqlValue]) -> Value {
    json!({ "Execute": { "sql": sql, "params": params } })
}

pub fn query(sql: &str, params: &[SqlValue]) -> Value {
    json!({ "Query": { "sql": sql, "params": params } })
}

/// What the interpreter's `Query` ops returned, in order.
pub async fn results(db: &TestDatabase) -> Vec<Value> {
    db.client()
        .query("SELECT result::text FROM interp_results ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).unwrap())
        .collect()
}

pub fn t(name: &str) -> QualifiedName {
    QualifiedName::unqualified(name)
}

pub fn col(name: &str, scalar: ScalarType) -> ColumnDef {
    ColumnDef::new(
        name,
        DataType {
            scalar,
            is_array: false,
        },
    )
}

pub fn array_col(name: &str, scalar: ScalarType) -> ColumnDef {
    ColumnDef::new(name, DataType { scalar, is_array: true })
}

pub fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.into())
}

/// Whether a relation exists in `public`.
pub async fn table_exists(db: &TestDatabase, name: &str) -> bool {
    db.client()
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&format!("public.\"{name}\"")])
        .await
        .unwrap()
        .get(0)
}

pub async fn type_exists(db: &TestDatabase, name: &str) -> bool {
    db.client()
        .query_one("SELECT to_regtype($1) IS NOT NULL", &[&name])
        .await
        .unwrap()
        .get(0)
}

/// `(revision, operation)` rows of migration_info, oldest first; empty when
/// the table does not exist.
pub async fn history(db: &TestDatabase) -> Vec<(String, String)> {
    let exists: bool = db
        .client()
        .query_one("SELECT to_regclass('public.migration_info') IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    if !exists {
        return Vec::new();
    }
    db.client()
        .query("SELECT revision, operation FROM migration_info ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// The error chain as the CLI prints it.
pub fn message(e: &anyhow::Error) -> String {
    format!("{e:#}")
}
