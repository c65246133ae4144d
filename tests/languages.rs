//! Migrations in another language against the same contract: the
//! JavaScript example (`plugins/js/examples/audit_log.js`, built by
//! componentize-qjs) and the Python one (`plugins/python/examples/audit_log.py`,
//! built by componentize-py), both built in `scripts/setup.sh`, applied and
//! rolled back like a Rust one. Both make the same audit log.

mod support;

use migrate_host::testing::TestDatabase;
use std::process::Command;
use support::*;

/// The audit-log example of `plugins/<language>`, built by its `build.sh`
/// (again only if its source changed).
fn example(language: &str, needs: &str) -> std::path::PathBuf {
    let root = repo_root();
    let script = root.join("plugins").join(language).join("build.sh");
    let status = Command::new(&script)
        .status()
        .unwrap_or_else(|e| panic!("running {} (needs {needs}): {e}", script.display()));
    assert!(status.success(), "{} failed", script.display());
    root.join("plugins").join(language).join("examples/audit_log.wasm")
}

/// Applies the audit-log example `component` (revision `revision`, its
/// message `message`) to a scratch database, checks the table, its row and
/// its index, rolls it back and checks the history.
async fn applies_and_rolls_back(component: std::path::PathBuf, revision: &str, message: &str) {
    let scratch = Scratch::with_fixtures(&[]);
    std::fs::copy(component, scratch.path().join("audit_log.wasm")).unwrap();
    let db = TestDatabase::create(scratch.path()).await.unwrap();

    let status = db.migrator().status().await.unwrap();
    assert_eq!(status.migrations.len(), 1);
    assert_eq!(status.migrations[0].revision, revision);
    assert_eq!(status.migrations[0].message, message);

    db.apply_all().await.unwrap();
    let columns: Vec<(String, String, bool)> = db
        .client()
        .query(
            "SELECT attname::text, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
             WHERE attrelid = 'audit_log'::regclass AND attnum > 0 ORDER BY attnum",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let expected = [
        ("id", "bigint", true),
        ("actor", "text", true),
        ("action", "character varying(40)", true),
        ("at", "timestamp with time zone", true),
    ];
    assert_eq!(
        columns,
        expected.map(|(n, t, nn)| (n.to_owned(), t.to_owned(), nn)).to_vec()
    );
    let identity_and_key: (String, String) = db
        .client()
        .query_one(
            "SELECT (SELECT attidentity::text FROM pg_attribute WHERE attrelid = 'audit_log'::regclass AND attname = 'id'),
                    (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'audit_log_pkey')",
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(identity_and_key, ("a".into(), "PRIMARY KEY (id)".into()));
    let row: (String, String) = db
        .client()
        .query_one("SELECT actor, action FROM audit_log", &[])
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(row, ("migrate-host".into(), "created the audit log".into()));
    assert!(
        db.client()
            .query_one("SELECT to_regclass('audit_log_actor_idx') IS NOT NULL", &[])
            .await
            .unwrap()
            .get::<_, bool>(0)
    );

    db.rollback(1).await.unwrap();
    assert!(!table_exists(&db, "audit_log").await);
    assert_eq!(
        history(&db).await,
        [
            (revision.to_owned(), "apply".to_owned()),
            (revision.to_owned(), "rollback".to_owned())
        ]
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_javascript_migration_applies_and_rolls_back() {
    applies_and_rolls_back(example("js", "npm"), "js_20261125", "audit log, written in JavaScript").await;
}

#[tokio::test]
async fn a_python_migration_applies_and_rolls_back() {
    applies_and_rolls_back(
        example("python", "python3"),
        "py_20261125",
        "audit log, written in Python",
    )
    .await;
}
