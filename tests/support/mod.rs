//! Shared by the end-to-end suites: guest components built once per test
//! binary, scratch migration directories, and interpreter-driven databases.

#![allow(dead_code)]

pub mod cluster;
pub mod schemas;

use migrate_host::actions::Action;
use migrate_host::model::{ColumnDef, DataType, QualifiedName, ScalarType, SqlValue};
use migrate_host::runtime::Limits;
use migrate_host::testing::TestDatabase;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_owned()
}

/// The variable naming a migra-style corpus: a directory of `<case>/a.sql`
/// and `<case>/b.sql` (relative paths resolve against the repository root).
pub const CORPUS_VAR: &str = "MIGRATE_HOST_CORPUS";

/// The case directories of the corpus `MIGRATE_HOST_CORPUS` names, sorted.
/// Not set: `None`, after one line on the terminal saying that `test` was
/// not run and why (written past the test harness's capture, so that a
/// plain `cargo test` shows it). Set, but naming a directory that is
/// missing or holds no case: a panic, so that a misconfigured run fails
/// instead of passing without the corpus.
pub fn corpus_cases(test: &str) -> Option<Vec<PathBuf>> {
    let Some(value) = std::env::var_os(CORPUS_VAR) else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "{test}: not run: {CORPUS_VAR} is not set; set it to a directory of migra-style pairs to run this test"
        );
        return None;
    };
    assert!(
        !value.is_empty(),
        "{CORPUS_VAR} is set but empty; set it to a directory of migra-style pairs, or unset it"
    );
    let dir = repo_root().join(&value);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{CORPUS_VAR}={}: cannot read {}: {e}", value.display(), dir.display()));
    let mut cases: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    assert!(
        !cases.is_empty(),
        "{CORPUS_VAR}={}: {} holds no case (a directory with a.sql and b.sql)",
        value.display(),
        dir.display()
    );
    for case in &cases {
        for side in ["a.sql", "b.sql"] {
            assert!(
                case.join(side).is_file(),
                "{CORPUS_VAR}={}: the case {} has no {side}",
                value.display(),
                case.display()
            );
        }
    }
    Some(cases)
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
pub fn message(e: &impl ErrorText) -> String {
    e.text()
}

/// An error with its causes, as a user sees it (`{e:#}` through anyhow).
pub trait ErrorText {
    fn text(&self) -> String;
}

impl ErrorText for anyhow::Error {
    fn text(&self) -> String {
        format!("{self:#}")
    }
}

impl ErrorText for migrate_host::migrator::Error {
    fn text(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        text
    }
}

/// `pg_dump --schema-only` of a database, normalized so that two databases
/// compare equal exactly when pg_dump cannot tell them apart, column order
/// inside a table aside: comments, `SET` lines and blank lines go, each
/// statement becomes one entry, the column lines of a `CREATE TABLE` are
/// sorted, and the statements are sorted. The engine's own `migration_info`
/// is left out.
pub fn schema_dump(url: &str) -> Vec<String> {
    let output = std::process::Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--exclude-table=public.migration_info",
            "--exclude-table=public.migration_steps",
            "--dbname",
            url,
        ])
        .output()
        .expect("running pg_dump");
    assert!(
        output.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    normalize_dump(&String::from_utf8(output.stdout).expect("pg_dump prints UTF-8"))
}

fn normalize_dump(dump: &str) -> Vec<String> {
    let dollar = regex::Regex::new(r"\$[A-Za-z_]*\$").unwrap();
    let mut statements = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut open_quote: Option<String> = None;
    for line in dump.lines() {
        if open_quote.is_none() && current.is_empty() {
            let skipped = line.is_empty()
                || line.starts_with("--")
                || line.starts_with("SET ")
                // pg_dump's per-run psql guard (`\restrict <random key>`).
                || line.starts_with("\\restrict ")
                || line.starts_with("\\unrestrict ")
                || line.starts_with("SELECT pg_catalog.set_config(");
            if skipped {
                continue;
            }
        }
        current.push(line);
        for tag in dollar.find_iter(line) {
            match &open_quote {
                None => open_quote = Some(tag.as_str().to_owned()),
                Some(open) if open == tag.as_str() => open_quote = None,
                Some(_) => {}
            }
        }
        if open_quote.is_none() && line.ends_with(';') {
            statements.push(normalize_statement(&current));
            current.clear();
        }
    }
    assert!(
        current.is_empty(),
        "pg_dump output ends inside a statement: {current:?}"
    );
    statements.sort();
    statements
}

/// A `CREATE TABLE` with its column and constraint lines sorted (and their
/// trailing commas dropped); any other statement as it is.
fn normalize_statement(lines: &[&str]) -> String {
    let is_table = lines[0].starts_with("CREATE TABLE") || lines[0].starts_with("CREATE UNLOGGED TABLE");
    let close = lines.iter().position(|l| l.starts_with(')'));
    let (true, Some(close)) = (is_table && lines[0].ends_with('('), close) else {
        return lines.join("\n");
    };
    let mut body: Vec<&str> = lines[1..close].iter().map(|l| l.trim_end_matches(',')).collect();
    body.sort();
    [&lines[..1], &body[..], &lines[close..]].concat().join("\n")
}

/// The first statement two normalized dumps disagree on, for a failure message.
pub fn dump_difference(got: &[String], want: &[String]) -> Option<String> {
    if got == want {
        return None;
    }
    let extra: Vec<_> = got.iter().filter(|s| !want.contains(s)).take(3).collect();
    let missing: Vec<_> = want.iter().filter(|s| !got.contains(s)).take(3).collect();
    Some(format!(
        "pg_dump differs; only here: {extra:#?}\nonly in the expected: {missing:#?}"
    ))
}
