//! Migrations in another language against the same contract: the
//! JavaScript example (`plugins/js/examples/audit_log.js`, built by
//! componentize-qjs in `scripts/setup.sh`) applied and rolled back like a
//! Rust one.

mod support;

use migrate_host::testing::TestDatabase;
use std::process::Command;
use support::*;

/// The JavaScript example, built (again only if its source changed).
fn js_example() -> std::path::PathBuf {
    let root = repo_root();
    let status = Command::new(root.join("plugins/js/build.sh"))
        .status()
        .expect("running plugins/js/build.sh (needs npm)");
    assert!(status.success(), "plugins/js/build.sh failed");
    root.join("plugins/js/examples/audit_log.wasm")
}

#[tokio::test]
async fn a_javascript_migration_applies_and_rolls_back() {
    let scratch = Scratch::with_fixtures(&[]);
    std::fs::copy(js_example(), scratch.path().join("audit_log.wasm")).unwrap();
    let db = TestDatabase::create(scratch.path()).await.unwrap();

    let status = db.migrator().status().await.unwrap();
    assert_eq!(status.migrations[0].revision, "js_20261125");
    assert_eq!(status.migrations[0].message, "audit log, written in JavaScript");

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
            ("js_20261125".to_owned(), "apply".to_owned()),
            ("js_20261125".to_owned(), "rollback".to_owned())
        ]
    );
    db.drop().await.unwrap();
}
