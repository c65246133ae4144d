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
    migrate_host::migrator::role_name("auth", db.name())
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
    // check expression, set_config run through query_to_xml (a built-in
    // that runs SQL text: not on the allow-list), a DELETE in another
    // schema; then Postgres itself refuses the sandbox role a read.
    assert!(
        err.contains(
            "attempts: not-permitted not-permitted not-permitted invalid invalid not-permitted \
             not-permitted invalid not-permitted invalid not-permitted not-permitted not-permitted not-permitted \
             database:42501"
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
    let (project, db) =
        interp_vendor("schemas = [\"public\"]\nallow = [\"create\", \"sql\"]\nstatement_timeout = \"300ms\"").await;
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                table: QualifiedName::unqualified("sleeper_was_here"),
                columns: vec![],
                options: Default::default(),
            }),
            execute("SELECT count(*) FROM generate_series(1, 100000000000)", &[]),
        ],
    )
    .await;
    let started = std::time::Instant::now();
    let out = project.cli(&db).arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // Postgres's own timeout, or (if the server's timer is late) the host's.
    assert!(
        err.contains("canceling statement due to statement timeout")
            || err.contains("cancelled by the host: the statement ran past its source's statement_timeout"),
        "{err}"
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "the timeout, not the wall clock, ended it"
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

// ---------------------------------------------------------------------------
// The sandbox's second ring: what a sandboxed migration stores, runs, waits
// for and prints. The vendor here is the interpreter (revision r1), so that
// one component tries every spelling: each attempt is queued as r1's `up`,
// applied, refused, and leaves the database and the history as they were.

use migrate_host::actions::Action;
use migrate_host::model::{ColumnDef, ColumnDefault, Constraint, DataType, QualifiedName, ScalarType};
use serde_json::{Value, json};

/// The app's objects a vendor must not reach: a table, a function, a
/// sequence and a type of `public`.
const APP: &str = "CREATE TABLE interp_ops (id serial PRIMARY KEY, revision text NOT NULL, direction text NOT NULL, op jsonb NOT NULL);
     CREATE TABLE interp_results (id serial PRIMARY KEY, result jsonb NOT NULL);
     GRANT SELECT ON interp_ops TO PUBLIC;
     CREATE TABLE keep (id int); INSERT INTO keep VALUES (1), (2);
     CREATE TABLE users (id serial PRIMARY KEY, email text);
     CREATE FUNCTION secret() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'the app''s secret' $$;
     CREATE SEQUENCE app_seq;
     CREATE TYPE mood AS ENUM ('ok');";

async fn interp_vendor(grant: &str) -> (Project, TestDatabase) {
    let project = Project::new(&[], &["interp_1"], grant);
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    db.client().batch_execute(APP).await.unwrap();
    (project, db)
}

fn auth(name: &str) -> QualifiedName {
    QualifiedName::qualified("auth", name)
}

fn text_column(name: &str) -> ColumnDef {
    ColumnDef::new(
        name,
        DataType {
            scalar: ScalarType::Text,
            is_array: false,
        },
    )
}

/// `auth.t (a text)`, with `default` on `a` if given.
fn vendor_table(default: Option<&str>) -> Value {
    let mut column = text_column("a");
    column.default = default.map(|d| ColumnDefault::Expression(d.into()));
    act(Action::AddTable {
        table: auth("t"),
        columns: vec![column],
        options: Default::default(),
    })
}

fn create_view(name: &str, query: &str) -> Value {
    act(Action::CreateView {
        name: auth(name),
        query: query.into(),
        materialized: false,
    })
}

/// Applies `ops` as the vendor's migration: it must fail with an error that
/// contains `expected` (or one of its alternatives, separated by ` | `), and
/// leave the database and its history as before.
async fn refused(project: &Project, db: &TestDatabase, ops: &[Value], expected: &str) -> String {
    db.client().batch_execute("DELETE FROM interp_ops").await.unwrap();
    queue(db, "r1", "up", ops).await;
    let before = schema_dump(db.url());
    let out = project.cli(db).arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{ops:?} was accepted: {err}");
    assert!(
        expected.split(" | ").any(|e| err.contains(e)),
        "{ops:?}: expected {expected:?} in:\n{err}"
    );
    assert!(history(db).await.is_empty(), "{ops:?}");
    assert_eq!(dump_difference(&schema_dump(db.url()), &before), None, "{ops:?}");
    err
}

#[tokio::test]
async fn code_a_vendor_stores_is_held_to_the_allow_list_whatever_path_stored_it() {
    let (project, db) = interp_vendor("schemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"sql\"]").await;
    let read_file = "pg_read_file('/etc/hostname')";
    let attempts: Vec<(Vec<Value>, &str)> = vec![
        // The escape hatch for constraints.
        (
            vec![
                vendor_table(None),
                act(Action::AddConstraint {
                    table: auth("t"),
                    name: "c".into(),
                    constraint: Constraint::Sql(format!("CHECK ({read_file} IS NOT NULL)")),
                }),
            ],
            "pg_read_file is not one of them",
        ),
        // A view's query, by the action and by raw SQL, calling a built-in
        // that reads files and an app function.
        (
            vec![create_view("v", &format!("SELECT {read_file} AS f"))],
            "pg_read_file is not one of them",
        ),
        (
            vec![create_view("v", "SELECT public.secret() AS s")],
            "calls a function of schema public",
        ),
        (
            vec![execute(&format!("CREATE VIEW auth.v AS SELECT {read_file} AS f"), &[])],
            "pg_read_file is not one of them",
        ),
        // Defaults and generated columns inside raw DDL.
        (
            vec![execute(
                &format!("CREATE TABLE auth.t (a text DEFAULT {read_file})"),
                &[],
            )],
            "pg_read_file is not one of them",
        ),
        (
            vec![
                vendor_table(None),
                execute("ALTER TABLE auth.t ALTER COLUMN a SET DEFAULT public.secret()", &[]),
            ],
            "calls a function of schema public",
        ),
        (
            vec![execute(
                "CREATE TABLE auth.t (a text, b text GENERATED ALWAYS AS (public.secret()) STORED)",
                &[],
            )],
            "calls a function of schema public",
        ),
        // Session state copied into the vendor's rows by the app's inserts.
        (
            vec![vendor_table(Some("current_setting('app.jwt_secret', true)"))],
            "current_setting is not one of them",
        ),
        // The app's sequence, named and computed.
        (
            vec![vendor_table(Some("nextval('public.app_seq')::text"))],
            "a sequence of schema public",
        ),
        (
            vec![execute(
                "CREATE TABLE auth.t (n bigint DEFAULT nextval('public.app_seq'::regclass))",
                &[],
            )],
            "a sequence of schema public",
        ),
        (
            vec![vendor_table(Some("nextval('public.' || 'app_seq')::text"))],
            "must name its sequence as a constant",
        ),
        // Only the read-back sees these: the text sent calls nothing, but
        // what the catalog stores depends on the app's objects.
        (
            vec![execute("CREATE TABLE auth.t (m public.mood)", &[])],
            "depends on type public.mood",
        ),
        (
            vec![execute(
                "CREATE TABLE auth.t (m text DEFAULT 'ok'::public.mood::text)",
                &[],
            )],
            "depends on type public.mood",
        ),
    ];
    for (ops, expected) in &attempts {
        refused(&project, &db, ops, expected).await;
    }
    // What a vendor legitimately stores still goes through: a serial key,
    // a check and a default that compute a value, a view of its own table.
    db.client().batch_execute("DELETE FROM interp_ops").await.unwrap();
    queue(
        &db,
        "r1",
        "up",
        &[
            execute(
                "CREATE TABLE auth.t (id serial PRIMARY KEY, a text DEFAULT lower('X') CHECK (length(a) < 10), \
                 at timestamptz DEFAULT now())",
                &[],
            ),
            create_view("v", "SELECT id, upper(a) AS a FROM auth.t"),
            execute("CREATE INDEX t_lower ON auth.t (lower(a)) WHERE a IS NOT NULL", &[]),
        ],
    )
    .await;
    let out = project.cli(&db).arg("apply").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_vendor_object_cannot_pin_the_apps() {
    let (project, db) = interp_vendor("schemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"sql\"]").await;
    for ops in [
        vec![create_view("pin", "SELECT email FROM public.users")],
        vec![execute(
            "CREATE VIEW auth.pin AS SELECT u.email FROM public.users u",
            &[],
        )],
        vec![execute(
            "CREATE VIEW auth.pin AS SELECT 1 AS one WHERE EXISTS (SELECT email FROM public.users)",
            &[],
        )],
    ] {
        let err = refused(&project, &db, &ops, "depends on column email of table public.users").await;
        assert!(err.contains("outside this source's schemas (auth)"), "{err}");
    }
    // The app's own change goes through.
    db.client()
        .batch_execute("ALTER TABLE users DROP COLUMN email")
        .await
        .unwrap();
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_vendor_cannot_lift_its_timeouts() {
    let (project, db) = interp_vendor(
        "schemas = [\"auth\"]\nallow = [\"create\", \"sql\", \"functions\"]\nstatement_timeout = \"300ms\"\n\
         lock_timeout = \"300ms\"",
    )
    .await;
    // The spellings the host refuses.
    for (sql, expected) in [
        (
            "SELECT query_to_xml('SELECT set_config(''statement_timeout'', ''0'', true)', true, false, '')",
            "query_to_xml is not one of them",
        ),
        (
            "CREATE VIEW auth.s AS SELECT name, setting FROM pg_settings",
            "may not use pg_settings",
        ),
        (
            "UPDATE pg_settings SET setting = '0' WHERE name = 'statement_timeout'",
            "may not use pg_settings",
        ),
        ("SELECT pg_sleep(60)", "pg_sleep is not one of them"),
    ] {
        refused(&project, &db, &[execute(sql, &[])], expected).await;
    }
    refused(
        &project,
        &db,
        &[create_view("s", "SELECT name, setting FROM pg_catalog.pg_settings")],
        "may not use pg_settings",
    )
    .await;
    // With the `functions` grant a vendor can lift the session's settings
    // in code of its own; the host still cancels the statement on time.
    let lift = |setting: &str| {
        act(Action::CreateFunction {
            definition: format!(
                "CREATE FUNCTION auth.lift() RETURNS void LANGUAGE plpgsql AS $$ BEGIN \
                 EXECUTE 'SET LOCAL {setting} = 0'; END $$"
            ),
        })
    };
    let started = std::time::Instant::now();
    refused(
        &project,
        &db,
        &[
            lift("statement_timeout"),
            execute("SELECT auth.lift()", &[]),
            execute("SELECT count(*) FROM generate_series(1, 100000000000)", &[]),
        ],
        "cancelled by the host: the statement ran past its source's statement_timeout (300ms)",
    )
    .await;
    assert!(
        started.elapsed().as_secs() < 20,
        "the host, not the wall clock, stopped it"
    );

    // A lock wait past lock_timeout, with lock_timeout lifted. (The dump
    // of the database before and after is taken while nothing is locked.)
    db.client()
        .batch_execute("CREATE SCHEMA auth; CREATE TABLE auth.held (id int)")
        .await
        .unwrap();
    let before = schema_dump(db.url());
    let project = Project::new(
        &[],
        &["interp_1"],
        "schemas = [\"auth\"]\nallow = [\"create\", \"sql\", \"functions\"]\nstatement_timeout = \"60s\"\n\
         lock_timeout = \"300ms\"",
    );
    db.client().batch_execute("DELETE FROM interp_ops").await.unwrap();
    queue(
        &db,
        "r1",
        "up",
        &[
            lift("lock_timeout"),
            execute("SELECT auth.lift()", &[]),
            execute("SELECT count(*) FROM auth.held", &[]),
        ],
    )
    .await;
    let holder = migrate_host::migrator::connect(db.url()).await.unwrap();
    holder
        .batch_execute("BEGIN; LOCK TABLE auth.held IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let out = project.cli(&db).arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cancelled by the host: the statement waited for a lock past its source's lock_timeout (300ms)"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 20, "{err}");
    holder.batch_execute("ROLLBACK").await.unwrap();
    drop(holder);
    // Rolled back whole: only the grants the host gives the role on the
    // schema the test made beforehand remain.
    assert!(history(&db).await.is_empty());
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_proc WHERE proname = 'lift'").await,
        0
    );
    let difference = dump_difference(&schema_dump(db.url()), &before).unwrap_or_default();
    assert!(
        difference
            .lines()
            .filter(|l| l.trim_start().starts_with('"'))
            .all(|l| l.contains("GRANT ALL ON")),
        "{difference}"
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_vendor_has_no_side_effects_outside_its_grant_through_functions_or_with() {
    let (project, db) = interp_vendor("schemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"sql\"]").await;
    for (sql, expected) in [
        (
            "SELECT pg_notify('app_channel', 'hello')",
            "pg_notify is not one of them",
        ),
        (
            "SELECT * FROM pg_catalog.pg_notify('app_channel', 'hello')",
            "pg_notify is not one of them",
        ),
        ("SELECT pg_advisory_lock(1)", "pg_advisory_lock is not one of them"),
        ("SELECT lo_import('/etc/hostname')", "lo_import is not one of them"),
        (
            "WITH d AS (DELETE FROM public.keep RETURNING id) SELECT count(*) FROM d",
            "changes something in schema public",
        ),
        (
            "WITH i AS (INSERT INTO keep VALUES (3) RETURNING id) SELECT 1",
            "changes something in schema public",
        ),
        (
            "CREATE TABLE auth.x AS WITH u AS (UPDATE public.keep SET id = 0 RETURNING id) SELECT id FROM u",
            "changes something in schema public",
        ),
    ] {
        refused(&project, &db, &[execute(sql, &[])], expected).await;
    }
    assert_eq!(count(&db, "SELECT count(*) FROM keep WHERE id IN (1, 2)").await, 2);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn what_a_migration_prints_cannot_move_the_terminal() {
    let scratch = Scratch::with_fixtures(&["ansi"]);
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    db.client().batch_execute(APP).await.unwrap();
    let cli = || {
        let mut cmd = Command::cargo_bin("migrate-host").unwrap();
        cmd.env("DATABASE_URL", db.url()).arg("--dir").arg(scratch.path());
        cmd
    };
    let printed = json!({ "Print": { "text": "done\u{1b}[2J\u{1b}[1A\rall migrations verified" } });
    queue(&db, "ansi", "up", std::slice::from_ref(&printed)).await;
    let out = cli().args(["-v", "apply"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut shown = Vec::new();
    for args in [&["status"][..], &["rollback", "--dry-run"][..]] {
        shown.push(text(&cli().args(args).output().unwrap().stdout));
    }
    shown.insert(0, text(&out.stdout));
    for output in &shown {
        assert!(!output.contains('\u{1b}') && !output.contains('\r'), "{output:?}");
        assert!(
            output.contains("fine\\u{1b}[1A\\u{1b}[2K\\u{d}all migrations verified\\u{a}forged line"),
            "{output}"
        );
        // No line of its own says what the migration forged.
        assert!(
            !output
                .lines()
                .any(|l| l.starts_with("all migrations") || l.starts_with("forged")),
            "{output}"
        );
    }
    assert!(
        shown[0].contains("| done\\u{1b}[2J\\u{1b}[1A\\u{d}all migrations verified"),
        "{}",
        shown[0]
    );
    // JSON keeps the text as it is.
    let out = cli().args(["status", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["migrations"][0]["message"],
        "fine\u{1b}[1A\u{1b}[2K\rall migrations verified\nforged line"
    );
    // An error text goes out escaped too.
    let out = cli().args(["rollback"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    queue(
        &db,
        "ansi",
        "up",
        &[json!({ "Fail": { "message": "bad\u{1b}]0;owned\u{7}\rerror: none" } })],
    )
    .await;
    let out = cli().arg("apply").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\r') && !err.contains('\u{7}'),
        "{err:?}"
    );
    assert!(err.contains("bad\\u{1b}]0;owned\\u{7}\\u{d}error: none"), "{err}");
    db.drop().await.unwrap();
}

/// The read-back alone, on objects made behind the host's back (by the
/// test, as a superuser): each kind of stored code is caught, naming the
/// object and the call or dependency, and a clean schema passes.
#[tokio::test]
async fn the_catalog_read_back_alone_catches_every_kind_of_stored_code() {
    use migrate_host::policy::{Capability, Grant, Trust};
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    db.client()
        .batch_execute(&format!(
            "{APP}; CREATE SCHEMA auth; CREATE TABLE auth.t (id serial PRIMARY KEY, a text, n int);
             CREATE FUNCTION auth.own() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
        ))
        .await
        .unwrap();
    let grant = |capabilities: Vec<Capability>| Grant {
        trust: Trust::Sandboxed,
        schemas: vec!["auth".into()],
        capabilities,
        ..Grant::trusted(Default::default())
    };
    let plain = grant(vec![Capability::Create, Capability::Sql]);
    let client = db.client();
    let judged = |sql: &'static str, grant: &Grant| {
        let grant = grant.clone();
        async move {
            client.batch_execute(&format!("BEGIN; {sql}")).await.unwrap();
            let verdict = migrate_host::policy::stored::check(client, &grant).await;
            client.batch_execute("ROLLBACK").await.unwrap();
            verdict.map_err(|e| e.to_string())
        }
    };
    assert_eq!(judged("SELECT 1", &plain).await, Ok(()));
    let cases = [
        (
            "ALTER TABLE auth.t ALTER a SET DEFAULT pg_read_file('/etc/hostname')",
            "the default of auth.t.a calls pg_catalog.pg_read_file()",
        ),
        (
            "ALTER TABLE auth.t ADD b text GENERATED ALWAYS AS (public.secret()) STORED",
            "the generation expression of auth.t.b calls public.secret()",
        ),
        (
            "ALTER TABLE auth.t ADD CONSTRAINT c CHECK (current_setting('x', true) IS NULL)",
            "constraint c on auth.t calls pg_catalog.current_setting()",
        ),
        (
            "CREATE DOMAIN auth.d AS text CHECK (VALUE <> public.secret())",
            "constraint d_check on domain auth.d calls public.secret()",
        ),
        (
            "CREATE DOMAIN auth.d AS text DEFAULT pg_catalog.inet_client_addr()::text",
            "the default of domain auth.d calls pg_catalog.inet_client_addr()",
        ),
        (
            "CREATE VIEW auth.v AS SELECT public.secret()",
            "view auth.v calls public.secret()",
        ),
        (
            "CREATE MATERIALIZED VIEW auth.m AS SELECT 1 AS one WITH NO DATA; CREATE VIEW auth.v2 AS SELECT query_to_xml('SELECT 1', true, false, '')",
            "view auth.v2 calls pg_catalog.query_to_xml()",
        ),
        (
            "CREATE RULE r AS ON INSERT TO auth.t DO ALSO SELECT pg_notify('c', 'x')",
            "rule r on auth.t calls pg_catalog.pg_notify()",
        ),
        (
            "CREATE INDEX i ON auth.t ((a || public.secret()))",
            "index auth.i calls public.secret()",
        ),
        (
            "CREATE INDEX i ON auth.t (a) WHERE a <> public.secret()",
            "index auth.i calls public.secret()",
        ),
        (
            "ALTER TABLE auth.t ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON auth.t USING (a = current_setting('app.user'))",
            "policy p on auth.t calls pg_catalog.current_setting()",
        ),
        (
            "CREATE TABLE auth.parted (a text) PARTITION BY LIST ((a || public.secret()))",
            "the partition key of auth.parted calls public.secret()",
        ),
        (
            "CREATE FUNCTION public.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; CREATE TRIGGER x BEFORE INSERT ON auth.t FOR EACH ROW EXECUTE FUNCTION public.trg()",
            "trigger x on auth.t calls public.trg()",
        ),
        (
            "CREATE STATISTICS auth.s ON (a || public.secret()), n FROM auth.t",
            "statistics s calls public.secret()",
        ),
        (
            "ALTER TABLE auth.t ALTER n SET DEFAULT nextval('public.app' || '_seq')",
            "the default of auth.t.n calls nextval() on a sequence named only when it runs",
        ),
        (
            "ALTER TABLE auth.t ALTER n SET DEFAULT nextval('public.app_seq')",
            "default value for column n of table auth.t depends on sequence public.app_seq",
        ),
        (
            "CREATE VIEW auth.pin AS SELECT email FROM public.users",
            "rule _RETURN on view auth.pin depends on column email of table public.users",
        ),
        (
            "ALTER TABLE auth.t ADD u int REFERENCES public.users (id)",
            "constraint t_u_fkey on table auth.t depends on column id of table public.users",
        ),
        (
            "CREATE VIEW auth.s AS SELECT name FROM pg_settings",
            "view auth.s reads pg_settings, whose rules run code",
        ),
    ];
    for (sql, expected) in cases {
        let verdict = judged(sql, &plain).await;
        assert!(
            verdict.as_ref().is_err_and(|e| e.contains(expected)),
            "{sql}: expected {expected:?}, got {verdict:?}"
        );
    }
    // Its own code, with the `functions` grant: a default and a trigger.
    let functions = grant(vec![Capability::Create, Capability::Sql, Capability::Functions]);
    let own = "CREATE FUNCTION auth.f() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;
               ALTER TABLE auth.t ALTER a SET DEFAULT auth.f();
               CREATE TRIGGER x BEFORE INSERT ON auth.t FOR EACH ROW EXECUTE FUNCTION auth.own()";
    assert_eq!(judged(own, &functions).await, Ok(()));
    let verdict = judged(own, &plain).await;
    assert!(verdict.is_err_and(|e| e.contains("calls auth.f()")));
    let when = "CREATE TRIGGER x BEFORE UPDATE ON auth.t FOR EACH ROW WHEN (NEW.a <> public.secret()) \
                EXECUTE FUNCTION auth.own()";
    let verdict = judged(when, &functions).await;
    assert!(
        verdict
            .as_ref()
            .is_err_and(|e| e.contains("trigger x on auth.t calls public.secret()")),
        "{verdict:?}"
    );
    db.drop().await.unwrap();
}

/// What a review found past the first ring, each refused: a trigger
/// deferred past the checks, a cancel caught in code of its own, a function
/// put in the app's schema, functions reached by attribute notation or an
/// operator, and DDL that locks the app's tables before Postgres says no.
#[tokio::test]
async fn a_vendor_cannot_act_after_the_checks_or_reach_the_apps_code_sideways() {
    let (project, db) = interp_vendor(
        "schemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"sql\", \"functions\"]\nstatement_timeout = \"300ms\"",
    )
    .await;
    db.client()
        .batch_execute(
            "CREATE FUNCTION audit(anyelement) RETURNS text LANGUAGE sql AS $$ SELECT 'ran as the app' $$;
             CREATE FUNCTION eq3(int, int) RETURNS bool LANGUAGE sql AS $$ SELECT $1 = $2 $$;
             CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = eq3);
             CREATE TABLE parted (k int) PARTITION BY LIST (k);",
        )
        .await
        .unwrap();
    let function = |definition: &str| {
        act(Action::CreateFunction {
            definition: definition.into(),
        })
    };
    let table = execute("CREATE TABLE auth.t (id int)", &[]);
    let attempts: Vec<(Vec<Value>, &str)> = vec![
        (
            vec![
                table.clone(),
                function(
                    "CREATE FUNCTION auth.late() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     EXECUTE 'CREATE VIEW auth.pin AS SELECT email FROM public.users'; RETURN NULL; END $$",
                ),
                act(Action::CreateTrigger {
                    definition: "CREATE CONSTRAINT TRIGGER late AFTER INSERT ON auth.t DEFERRABLE INITIALLY DEFERRED \
                                 FOR EACH ROW EXECUTE FUNCTION auth.late()"
                        .into(),
                }),
                execute("INSERT INTO auth.t VALUES (1)", &[]),
            ],
            "trigger late on auth.t is deferrable",
        ),
        (
            vec![
                function(
                    "CREATE FUNCTION auth.stubborn() RETURNS void LANGUAGE plpgsql AS $$ BEGIN \
                     EXECUTE 'SET LOCAL statement_timeout = 0'; \
                     FOR i IN 1..600 LOOP BEGIN PERFORM count(*) FROM generate_series(1, 3000000); \
                     EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$",
                ),
                execute("SELECT auth.stubborn()", &[]),
            ],
            // Postgres's own timeout, armed when the statement began, speaks
            // first when it fires outside the function's guarded block; the
            // host's deadline stops it when the block swallows it.
            "cancelled by the host: the statement ran past its source's statement_timeout | \
             canceling statement due to statement timeout",
        ),
        (
            vec![function(
                "CREATE FUNCTION public.lower(character varying) RETURNS text LANGUAGE sql AS $$ SELECT 'trojan' $$",
            )],
            "touches schema public",
        ),
        (
            vec![table.clone(), execute("SELECT t.audit FROM auth.t t", &[])],
            "does not exist",
        ),
        (
            vec![execute("SELECT 1 OPERATOR(public.===) 1", &[])],
            "calls a function of schema public",
        ),
        (vec![execute("SELECT 1 === 1", &[])], "does not exist"),
        (
            vec![execute(
                "CREATE TABLE auth.p PARTITION OF public.parted FOR VALUES IN (1)",
                &[],
            )],
            "outside this source's schemas",
        ),
        (
            vec![execute("CREATE TABLE auth.r (u int REFERENCES public.users (id))", &[])],
            "outside this source's schemas",
        ),
    ];
    for (ops, expected) in &attempts {
        let started = std::time::Instant::now();
        refused(&project, &db, ops, expected).await;
        assert!(started.elapsed().as_secs() < 30, "{ops:?} ran on");
    }
    db.drop().await.unwrap();
}
