//! Migrations in another language against the same contract: the
//! JavaScript example (`plugins/js/examples/audit_log.js`, built by
//! componentize-qjs) and the Python one (`plugins/python/examples/audit_log.py`,
//! built by componentize-py), both built in `scripts/setup.sh`, applied and
//! rolled back like a Rust one. Both make the same audit log.
//!
//! The JavaScript SDK (`plugins/js/migrate.js`) is tested the way a
//! migrations directory uses it: vendored by the host into
//! `.migrate-sdk/js/` and built by `migrate-host build`. A migration that
//! calls every helper (`tests/js/every_helper.js`) applies, makes
//! exactly the schema `every_helper.sql` declares (compared with pg_dump),
//! and rolls back to an empty database; errors reach the host as the
//! contract's error; `new --lang js` scaffolds one that builds and applies;
//! and the TypeScript declarations are jco's output for the current WIT and
//! type-check migrations (with the pinned tsc from `plugins/js/tools`).

mod support;

use migrate_host::testing::TestDatabase;
use std::path::{Path, PathBuf};
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

/// `plugins/js`, its npm packages installed (componentize-qjs, and jco and
/// tsc in `tools/`) by its build script.
fn js_plugin() -> PathBuf {
    let plugin = repo_root().join("plugins/js");
    let installed = [
        "node_modules/.bin/componentize-qjs",
        "tools/node_modules/.bin/jco",
        "tools/node_modules/.bin/tsc",
    ]
    .iter()
    .all(|bin| plugin.join(bin).is_file());
    if !installed {
        example("js", "npm");
    }
    plugin
}

/// A migrations directory with what building a `.js` migration needs
/// vendored by the host (the SDK, its declarations, the WIT, the pinned
/// manifest), componentize-qjs taken from `plugins/js` instead of `npm ci`,
/// and `files` (name, source) in it.
fn js_workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let plugin = js_plugin();
    let dir = tempfile::tempdir().unwrap();
    migrate_host::build::ensure_js(dir.path()).unwrap();
    std::os::unix::fs::symlink(
        plugin.join("node_modules"),
        dir.path().join(".migrate-sdk/js/node_modules"),
    )
    .unwrap();
    for (name, source) in files {
        std::fs::write(dir.path().join(name), source).unwrap();
    }
    dir
}

/// Runs the pinned tsc over `file` with the settings `plugins/js/build.sh`
/// uses; returns whether it passed and what it printed.
fn tsc(file: &Path) -> (bool, String) {
    let tsc = js_plugin().join("tools/node_modules/.bin/tsc");
    let out = Command::new(&tsc)
        .args([
            "--noEmit",
            "--allowJs",
            "--checkJs",
            "--strict",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
        ])
        .arg(file)
        .current_dir(file.parent().unwrap())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", tsc.display()));
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), printed)
}

const EVERY_HELPER: &str = include_str!("js/every_helper.js");

#[tokio::test]
async fn a_javascript_migration_using_every_sdk_helper_makes_its_schema_and_rolls_back() {
    let dir = js_workspace(&[("20261201000000_every_helper.js", EVERY_HELPER)]);
    let built = migrate_host::build::build(dir.path(), true).unwrap();
    assert_eq!(built.len(), 1);
    assert!(built[0].changed);

    let db = TestDatabase::create(dir.path()).await.unwrap();
    let empty = schema_dump(db.url());
    db.apply_all().await.unwrap();

    // The schema is exactly the one every_helper.sql declares.
    let scratch = Scratch::with_fixtures(&[]);
    let expected = TestDatabase::create(scratch.path()).await.unwrap();
    expected
        .client()
        .batch_execute(include_str!("js/every_helper.sql"))
        .await
        .unwrap();
    let (got, want) = (schema_dump(db.url()), schema_dump(expected.url()));
    if let Some(difference) = dump_difference(&got, &want) {
        panic!("{difference}");
    }
    expected.drop().await.unwrap();

    // What execute wrote, with each kind of value (query read it back in the migration).
    let row = db
        .client()
        .query_one(
            "SELECT c.name, c.score::text, c.tags, o.payload::text, o.raw, o.ratio, o.status::text, o.note
             FROM shop.customers c JOIN shop.orders o ON o.customer_id = c.id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("Ann"));
    assert_eq!(row.get::<_, String>(1), "12.50");
    assert_eq!(row.get::<_, Vec<String>>(2), ["a", "b"]);
    assert_eq!(row.get::<_, String>(3), r#"{"gift": false, "items": [1, 2]}"#);
    assert_eq!(row.get::<_, Vec<u8>>(4), [0, 255]);
    assert_eq!(row.get::<_, f64>(5), 0.25);
    assert_eq!(row.get::<_, String>(6), "paid");
    assert_eq!(row.get::<_, Option<String>>(7), None);
    let created: String = db
        .client()
        .query_one(
            "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM shop.customers WHERE active",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(created, "2026-11-30 08:00:00.250");

    db.rollback(1).await.unwrap();
    if let Some(difference) = dump_difference(&schema_dump(db.url()), &empty) {
        panic!("after the rollback: {difference}");
    }
    assert_eq!(
        history(&db).await,
        [
            ("20261201000000".to_owned(), "apply".to_owned()),
            ("20261201000000".to_owned(), "rollback".to_owned())
        ]
    );
    db.drop().await.unwrap();
}

/// A JavaScript migration `up` of which is `body`.
fn failing(body: &str) -> String {
    format!(
        "import {{ defineMigration, fail, actionError, execute, addTable, column, ty }} from \"./.migrate-sdk/js/migrate.js\";\n\
         export const migration = defineMigration({{\n\
         \x20 revision: \"20261201000001\",\n  parent: null,\n  message: \"fails\",\n\
         \x20 up() {{ {body} }},\n  down() {{}},\n}});\n"
    )
}

#[tokio::test]
async fn errors_in_a_javascript_migration_reach_the_host_as_the_contracts_error() {
    let cases = [
        // A failed action, caught and read, then the migration's own error.
        (
            "addTable(\"kept\", [column(\"id\", ty.integer())]); \
             try { execute(\"SELECT * FROM missing_table\"); } \
             catch (e) { const error = actionError(e); fail(`caught ${error?.kind} ${error?.sqlstate}`); }",
            "up returned an error: caught database 42P01",
        ),
        // A failed action, not caught.
        (
            "execute(\"SELECT $1::int\", \"not a number\");",
            "up returned an error: execute failed",
        ),
        // A stray exception: the contract's error, not a trap.
        (
            "column(\"id\", ty.integer(), { nullable: false });",
            "up returned an error: TypeError: column: unknown option nullable",
        ),
        ("null.x;", "up returned an error: TypeError: "),
    ];
    for (body, expected) in cases {
        let dir = js_workspace(&[("20261201000001_fails.js", &failing(body))]);
        migrate_host::build::build(dir.path(), true).unwrap();
        let db = TestDatabase::create(dir.path()).await.unwrap();
        let error = message(&db.apply_all().await.unwrap_err());
        assert!(error.contains(expected), "{body}: {error}");
        assert!(!error.contains("trapped"), "{body}: {error}");
        // Rolled back whole: the table made before the failure is gone.
        assert!(!table_exists(&db, "kept").await, "{body}");
        assert!(history(&db).await.is_empty(), "{body}");
        db.drop().await.unwrap();
    }
}

#[tokio::test]
async fn new_lang_js_scaffolds_a_migration_that_uses_the_sdk_builds_applies_and_type_checks() {
    let dir = js_workspace(&[]);
    let cli = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_migrate-host"));
        cmd.arg("--dir").arg(dir.path()).arg("--no-cache");
        cmd
    };
    let out = cli()
        .args(["new", "-m", "add nicknames", "--lang", "js"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scripts = migrate_host::build::scripts(dir.path()).unwrap();
    assert_eq!(scripts.len(), 1);
    let source = std::fs::read_to_string(&scripts[0]).unwrap();
    assert!(
        source.contains(&format!("from \"{}\"", migrate_host::build::SDK_IMPORT))
            && source.contains("export const migration = defineMigration({"),
        "{source}"
    );
    let (passed, printed) = tsc(&scripts[0]);
    assert!(passed, "tsc: {printed}");
    let out = cli().arg("build").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Captured, not a terminal: the result, and nothing of a progress bar.
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("     built  "), "{printed}");
    assert!(
        !printed.contains('\r') && !printed.contains('\u{1b}') && !printed.contains(" ["),
        "{printed:?}"
    );
    let db = TestDatabase::create(dir.path()).await.unwrap();
    let report = db.apply_all().await.unwrap();
    assert_eq!(report.ran.len(), 1);
    db.rollback(1).await.unwrap();
    db.drop().await.unwrap();
}

#[test]
fn the_typescript_declarations_are_jcos_for_the_wit_and_type_check_migrations() {
    let plugin = js_plugin();
    // What the host vendors is what jco generates from the WIT now.
    let generated = tempfile::tempdir().unwrap();
    let status = Command::new("node")
        .arg(plugin.join("tools/types.mjs"))
        .arg(generated.path())
        .status()
        .expect("running node");
    assert!(status.success(), "plugins/js/tools/types.mjs failed");
    let mut declarations = 0;
    for (path, vendored) in migrate_host::build::JS_FILES {
        let Some(relative) = path.strip_prefix("js/types/") else {
            continue;
        };
        declarations += 1;
        let fresh = std::fs::read_to_string(generated.path().join(relative))
            .unwrap_or_else(|e| panic!("jco wrote no {relative}: {e}"));
        assert_eq!(
            vendored, fresh,
            "plugins/js/types/{relative} is not what jco generates from wit/migrate.wit: run plugins/js/build.sh"
        );
    }
    let written = std::fs::read_dir(generated.path().join("interfaces")).unwrap().count() + 1;
    assert_eq!(declarations, written, "every file jco writes is vendored");

    // A migration using every helper type-checks; one that misuses them does not.
    let dir = js_workspace(&[
        ("every_helper.js", EVERY_HELPER),
        (
            "wrong.js",
            "// @ts-check\n\
             import { defineMigration, column, ty, addTable, index, execute } from \"./.migrate-sdk/js/migrate.js\";\n\
             import actions from \"migrate:host/actions@0.1.0\";\n\
             export const migration = defineMigration({\n\
             \x20 revision: \"1\",\n  parent: null,\n  message: \"wrong\",\n\
             \x20 up() {\n\
             \x20   addTable(\"t\", [column(\"id\", ty.varchar(\"40\"), { identity: \"sometimes\" })]);\n\
             \x20   index(\"i\", \"t\", [\"id\"], { method: \"btree2\" });\n\
             \x20   const n = execute(\"SELECT 1\"); n.toUpperCase();\n\
             \x20   actions.execute(\"SELECT 1\", [{ tag: \"int\", val: 1n }]);\n\
             \x20 },\n\
             \x20 down() {},\n});\n",
        ),
    ]);
    let (passed, printed) = tsc(&dir.path().join("every_helper.js"));
    assert!(passed, "tsc: {printed}");
    let (passed, printed) = tsc(&dir.path().join("wrong.js"));
    assert!(!passed, "tsc passed a wrong migration: {printed}");
    for (line, what) in [
        ("(9,44)", "varchar's length is a number"),
        ("(9,53)", "identity is an identity-kind"),
        ("(10,31)", "method is an index-method"),
        ("(11,38)", "execute returns a number"),
        ("(12,48)", "s64 is a number, not a bigint"),
    ] {
        assert!(printed.contains(&format!("wrong.js{line}")), "{what}: {printed}");
    }
}
