//! Third-party migrations under a trust policy (`migrate.toml`): a vendor's
//! components applied next to the app's own under their grant, and hostile
//! ones stopped at every turn with the database and history exactly as
//! before. Through the binary, as a user runs it.

mod support;

use assert_cmd::Command;
use migrate_host::testing::TestDatabase;
use support::*;

/// A project directory: the app's migrations, a vendor's components and a
/// migrate.toml naming both.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(app: &[&str], vendor: &[&str], vendor_grant: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (sub, names) in [("migrations", app), ("vendor/auth", vendor)] {
            let target = dir.path().join(sub);
            std::fs::create_dir_all(&target).unwrap();
            for name in names {
                std::fs::copy(fixture(name), target.join(format!("{name}.wasm"))).unwrap();
            }
        }
        let config = format!(
            "[[source]]\nname = \"app\"\ndir = \"migrations\"\n\n\
             [[source]]\nname = \"auth\"\ndir = \"vendor/auth\"\ntrust = \"sandboxed\"\n{vendor_grant}\n"
        );
        std::fs::write(dir.path().join("migrate.toml"), config).unwrap();
        Project { dir }
    }

    fn cli(&self, db: &TestDatabase) -> Command {
        let mut cmd = Command::cargo_bin("migrate-host").unwrap();
        cmd.env("DATABASE_URL", db.url())
            .env_remove("RUST_BACKTRACE")
            .arg("--config")
            .arg(self.dir.path().join("migrate.toml"));
        cmd
    }
}

/// The role the `auth` source runs as in this test's database.
fn sandbox_role(db: &TestDatabase) -> String {
    migrate_host::policy::Grant::trusted(Default::default()).role("auth", db.name())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn count(db: &TestDatabase, sql: &str) -> i64 {
    db.client().query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_vendor_source_applies_next_to_the_apps_own_under_its_grant() {
    let project = Project::new(
        &["interp_1"],
        &["vendor_1", "vendor_2"],
        "schemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"drop\", \"sql\"]\nlock_timeout = \"2s\"",
    );
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    db.client()
        .batch_execute("CREATE TABLE interp_ops (id serial PRIMARY KEY, revision text, direction text, op jsonb)")
        .await
        .unwrap();

    let out = project.cli(&db).arg("apply").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        history(&db).await.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        ["r1", "auth_1", "auth_2"]
    );
    // The vendor's tables belong to the sandbox role, and its row is there.
    let owner: String = db
        .client()
        .query_one(
            "SELECT tableowner::text FROM pg_tables WHERE schemaname = 'auth' AND tablename = 'users'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(owner, sandbox_role(&db));
    assert_eq!(
        count(&db, "SELECT count(*) FROM auth.users WHERE name = 'root'").await,
        1
    );

    let out = project.cli(&db).arg("status").output().unwrap();
    let status = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(status.contains("source app ("), "{status}");
    assert!(
        status.contains("trusted (every action; no access to the OS)"),
        "{status}"
    );
    assert!(
        status.contains(&format!(
            "sandboxed: schemas auth; may create, alter, drop, sql; SQL runs as role {}",
            sandbox_role(&db)
        )),
        "{status}"
    );
    assert!(status.contains("lock_timeout 2s"), "{status}");
    assert!(status.contains("applied  auth   auth_2"), "{status}");
    let out = project.cli(&db).args(["status", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sources"][1]["trust"], "sandboxed");
    assert_eq!(json["migrations"][2]["source"], "auth");

    // Back across both sources, newest first.
    let out = project.cli(&db).args(["rollback", "--all"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let undone: Vec<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().find(|w| ["r1", "auth_1", "auth_2"].contains(w)))
        .map(str::to_owned)
        .collect();
    assert_eq!(undone, ["auth_2", "auth_1", "r1"], "{}", text(&out.stdout));
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'auth'").await,
        0
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_hostile_vendor_is_stopped_at_every_turn_and_changes_nothing() {
    let project = Project::new(
        &[],
        &["intruder"],
        "schemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"sql\"]",
    );
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    db.client()
        .batch_execute("CREATE TABLE keep (id int); INSERT INTO keep VALUES (1), (2)")
        .await
        .unwrap();
    let before = schema_dump(db.url());

    let out = project.cli(&db).arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // In order: drop outside the grant, create outside the schemas, SET LOCAL
    // ROLE, RESET ROLE and a session SET (refused for every source),
    // set_config, DO, chained statements, a
    // SECURITY DEFINER function, COMMIT, a grant, set_config hidden in a
    // check expression, set_config run through query_to_xml (allowed, and
    // harmless: the session user is the sandbox role), a DELETE in another
    // schema; then Postgres itself refuses the sandbox role a read.
    assert!(
        err.contains(
            "attempts: not-permitted not-permitted not-permitted invalid invalid not-permitted \
             not-permitted invalid not-permitted invalid not-permitted not-permitted ok not-permitted database:42501"
        ),
        "{err}"
    );
    assert!(err.contains("intruder"), "the error names the migration: {err}");
    assert_eq!(count(&db, "SELECT count(*) FROM keep").await, 2);
    assert!(history(&db).await.is_empty());
    assert_eq!(dump_difference(&schema_dump(db.url()), &before), None);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_data_directory_is_readable_and_nothing_else_is() {
    let project = Project::new(
        &[],
        &["reader"],
        "schemas = [\"auth\"]\nallow = [\"create\", \"sql\"]\ndata_dir = \"seed\"",
    );
    std::fs::create_dir(project.dir.path().join("seed")).unwrap();
    std::fs::write(project.dir.path().join("seed/seed.csv"), "ada\ngrace\n").unwrap();
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    let out = project.cli(&db).arg("apply").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count(&db, "SELECT count(*) FROM auth.seeded").await, 2);
    assert!(!project.dir.path().join("seed/written.txt").exists());
    let status = text(&project.cli(&db).arg("status").output().unwrap().stdout);
    assert!(status.contains("seed as /data"), "{status}");
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_sandboxed_statement_timeout_stops_a_long_query() {
    let project = Project::new(
        &[],
        &["sleeper"],
        "schemas = [\"public\"]\nallow = [\"create\", \"sql\"]\nstatement_timeout = \"300ms\"",
    );
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    let started = std::time::Instant::now();
    let out = project.cli(&db).arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("canceling statement due to statement timeout"), "{err}");
    assert!(
        started.elapsed().as_secs() < 30,
        "the timeout, not the 60 s sleep, ended it"
    );
    assert!(!table_exists(&db, "sleeper_was_here").await);
    assert!(history(&db).await.is_empty());
    // Granting `public` does not grant the history table: the sandbox role may
    // only read it and insert (its record; the host checks it added nothing else).
    let granted: bool = db
        .client()
        .query_one(
            "SELECT has_table_privilege($1, 'public.migration_info', 'UPDATE')
                 OR has_table_privilege($1, 'public.migration_info', 'DELETE')
                 OR has_table_privilege($1, 'public.migration_info', 'TRUNCATE')
                 OR has_sequence_privilege($1, 'public.migration_info_id_seq', 'UPDATE')",
            &[&sandbox_role(&db)],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!granted);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_sandboxed_source_has_tight_limits_by_default() {
    // The default sandbox allows 10,000 calls; flooding stops there.
    let project = Project::new(&[], &["flood"], "schemas = [\"auth\"]\nallow = [\"sql\"]");
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    let out = project.cli(&db).arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("10000"), "the error names the limit's value: {err}");
    assert!(err.contains("flood"), "the error names the migration: {err}");
    assert!(history(&db).await.is_empty());
    db.drop().await.unwrap();
}

#[tokio::test]
async fn bad_configs_are_one_clear_error() {
    let project = Project::new(&[], &[], "");
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    let out = project.cli(&db).arg("status").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("a sandboxed source needs `schemas`"), "{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("error")).count(), 1, "{err}");
    let out = project.cli(&db).args(["--dir", "x", "status"]).output().unwrap();
    assert!(text(&out.stderr).contains("--dir and"), "{}", text(&out.stderr));
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_sandboxed_migration_that_loses_data_needs_acknowledging() {
    let grant = "schemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"drop\", \"sql\"]";
    let project = Project::new(&[], &["vendor_1", "vendor_2", "vendor_3"], grant);
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();

    // A dry run already says so.
    let out = project.cli(&db).args(["apply", "--dry-run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("must be acknowledged"),
        "{}",
        text(&out.stderr)
    );

    let out = project.cli(&db).arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("applying auth_3"), "{err}");
    assert!(
        err.contains(
            "must be acknowledged: review the migration, then add \"auth_3\" to the source's `acknowledge` list"
        ),
        "{err}"
    );
    // The first two applied; the third rolled back whole.
    assert_eq!(history(&db).await.len(), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'"
        )
        .await,
        1
    );

    let acknowledged = format!("{grant}\nacknowledge = [\"auth_3\"]");
    let project = Project::new(&[], &["vendor_1", "vendor_2", "vendor_3"], &acknowledged);
    let out = project.cli(&db).args(["apply", "--dry-run"]).output().unwrap();
    let plan = text(&out.stdout);
    assert!(
        plan.contains("-- HAZARD drop-column auth.users.name (loses data): drops the column's values"),
        "{plan}"
    );
    let out = project.cli(&db).arg("apply").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'"
        )
        .await,
        0
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_sandboxed_migration_cannot_forge_the_history() {
    // Granted `public`, so that the host's schema check lets the INSERT
    // through and the history check has to catch it.
    let project = Project::new(&[], &["forger"], "schemas = [\"auth\", \"public\"]\nallow = [\"sql\"]");
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    let out = project.cli(&db).arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the migration wrote to migration_info itself: refused"),
        "{err}"
    );
    assert!(history(&db).await.is_empty());
    db.drop().await.unwrap();
}
