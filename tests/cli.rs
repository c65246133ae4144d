//! The `migrate-host` binary as a user runs it: output, exit codes and
//! one-line errors.

mod support;

use assert_cmd::Command;
use migrate_host::testing::TestDatabase;
use support::*;

fn cli(db_url: &str, dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("migrate-host").unwrap();
    cmd.env("DATABASE_URL", db_url)
        .env_remove("RUST_BACKTRACE")
        .arg("--dir")
        .arg(dir);
    cmd
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn apply_status_rollback_through_the_binary() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let dir = scratch.path();

    let out = cli(db.url(), dir).args(["apply", "--dry-run"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(r#"CREATE TABLE "public"."users" ("id" bigserial NOT NULL"#),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("-- dry run: 4 migration(s) would be applied; nothing was run"));

    let out = cli(db.url(), dir)
        .args(["apply", "--to", "20261102090000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("applied 2 migration(s); now at revision 20261102090000"),
        "{}",
        stdout(&out)
    );

    let out = cli(db.url(), dir).args(["status", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<&str> = status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["applied", "applied", "pending", "pending"]);

    let out = cli(db.url(), dir).arg("apply").output().unwrap();
    assert!(
        stdout(&out).contains("applied 2 migration(s); now at revision 20261104090000"),
        "{}",
        stdout(&out)
    );
    let out = cli(db.url(), dir).arg("apply").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("already up to date (at revision 20261104090000)"));

    let out = cli(db.url(), dir)
        .args(["rollback", "--steps", "2", "-v"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(r#"DROP INDEX "public"."posts_slug_key""#),
        "verbose shows the SQL: {}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("now at revision 20261102090000"));

    let out = cli(db.url(), dir).arg("status").output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("2 pending migration(s)"), "{text}");
    db.drop().await.unwrap();
}

#[tokio::test]
async fn failures_are_one_clear_line_and_exit_1() {
    let scratch = Scratch::with_fixtures(&["interp_1", "orphan"]);
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let out = cli(db.url(), scratch.path()).arg("apply").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: the migrations do not form a single chain"),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("Backtrace") && !err.contains("Error {"),
        "{err}"
    );

    let out = cli(db.url(), &scratch.path().join("nope"))
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: the migrations directory"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("does not exist (set it with --dir)"));

    let out = cli("postgres://postgres@127.0.0.1:1/x", scratch.path())
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: connecting to Postgres:"),
        "{}",
        stderr(&out)
    );

    let out = Command::cargo_bin("migrate-host")
        .unwrap()
        .env_remove("DATABASE_URL")
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: no database given: pass --database-url or set DATABASE_URL"
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_run_that_stops_says_first_what_it_kept() {
    let (db, scratch) = interp_db(&["interp_1", "halfway"]).await;
    // -q: the error is the only output, so it must say where the database is.
    let out = cli(db.url(), scratch.path()).args(["-q", "apply"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: applied r1 (now at revision r1), then stopped: applying r2 (fail halfway, halfway.wasm): up \
             returned an error: failing on purpose after two actions"
        ),
        "{err}"
    );
    // Nothing ran before the failure: the error alone.
    let out = cli(db.url(), scratch.path()).args(["-q", "apply"]).output().unwrap();
    assert!(stderr(&out).starts_with("error: applying r2 ("), "{}", stderr(&out));
    db.drop().await.unwrap();
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::cargo_bin("migrate-host")
        .unwrap()
        .args(["apply", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::cargo_bin("migrate-host")
        .unwrap()
        .args(["rollback", "--steps", "1", "--all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::cargo_bin("migrate-host")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    assert!(stdout(&out).contains("Examples:"));
}

#[test]
fn build_reports_each_component() {
    let dir = example_dir();
    let out = Command::cargo_bin("migrate-host")
        .unwrap()
        .args(["build", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().filter(|l| l.contains("up to date")).count(), 4, "{text}");
    let empty = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("migrate-host")
        .unwrap()
        .args(["build", "--dir"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no migrations to build in"), "{}", stderr(&out));
}

#[tokio::test]
async fn plan_prints_the_diff_and_locates_schema_errors() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    db.apply_all().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);\n",
    )
    .unwrap();

    let out = cli(db.url(), scratch.path())
        .args(["plan", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(r#"DROP TABLE "public"."posts";"#), "{text}");
    assert!(
        text.contains(
            "-- HAZARD (loses data): drops the table and every row in it\n\
             --   instead: copy or rename it first and drop it in a later release, once nothing reads it\n\
             -- drop-table public.posts"
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"ALTER TABLE "public"."users" DROP COLUMN "display_name";"#),
        "{text}"
    );
    assert!(
        text.contains(r#"ALTER TABLE "public"."users" DROP CONSTRAINT "users_email_key";"#),
        "{text}"
    );

    // Online (the default), the unique constraint on the users table in use
    // is an index built concurrently, then the constraint USING it.
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--down", "--json", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["description"].as_str().unwrap())
        .collect();
    assert!(
        steps.contains(&"add-index-concurrently public.users_email_key"),
        "{steps:?}"
    );
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--down", "--json", "--no-online", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["direction"], "down");
    // Each step carries its hazard: in the plain plan, a unique constraint
    // on the existing users table locks it; an index on the posts table the
    // plan creates does not.
    let step = |description: &str| {
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["description"] == description)
            .unwrap_or_else(|| panic!("no step {description}: {plan:#}"))
            .clone()
    };
    assert_eq!(
        step("add-constraint users_email_key on public.users")["hazard"]["kind"],
        "lock"
    );
    assert!(step("add-table public.posts")["hazard"].is_null());
    assert!(
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["description"] == "add-table public.posts")
    );

    // The database against its own schema: nothing to do.
    db.rollback(4).await.unwrap();
    std::fs::write(&schema, "").unwrap();
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    assert!(stdout(&out).contains("schema is up to date"), "{}", stdout(&out));

    std::fs::write(
        &schema,
        "CREATE TABLE ok (a int);\n\nCREATE TABLE broken (a nosuchtype);\n",
    )
    .unwrap();
    // Spawned, to know its process id: its shadow databases carry it (other
    // tests make shadow databases of their own on the same server meanwhile).
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_migrate-host"))
        .env("DATABASE_URL", db.url())
        .arg("--dir")
        .arg(scratch.path())
        .args(["plan", "--schema"])
        .arg(&schema)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("schema.sql:3: type \"nosuchtype\" does not exist"),
        "{}",
        stderr(&out)
    );
    let leftovers: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &[&format!("migrate_shadow_{pid}_%")],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(leftovers, 0, "the shadow database is dropped even after an error");
    db.drop().await.unwrap();
}

#[tokio::test]
async fn plan_against_a_reference_database_reads_it_in_place() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    db.apply_all().await.unwrap();
    let empty = tempfile::tempdir().unwrap();
    let reference = TestDatabase::create(empty.path()).await.unwrap();
    reference
        .client()
        .batch_execute(
            "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, nickname text);\n\
             CREATE TABLE audit (id int);",
        )
        .await
        .unwrap();
    let out = cli(db.url(), scratch.path())
        .args(["-v", "plan", "--schema", reference.url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(r#"DROP TABLE "public"."posts";"#), "{text}");
    assert!(
        text.contains(r#"ALTER TABLE "public"."users" ADD COLUMN "nickname" text;"#),
        "{text}"
    );
    assert!(
        text.contains(r#"CREATE TABLE "public"."audit" ("id" integer);"#),
        "{text}"
    );
    // Read in place: no shadow database was loaded (which `-v` would say).
    assert!(
        stderr(&out).contains("; introspected the declared schema in "),
        "{}",
        stderr(&out)
    );

    // The way back, and the reference left as it was.
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--down", "--schema", reference.url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(r#"DROP TABLE "public"."audit";"#),
        "{}",
        stdout(&out)
    );
    let tables: i64 = reference
        .client()
        .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 2);

    // The same database on both sides: nothing to do.
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--schema", db.url()])
        .output()
        .unwrap();
    assert!(stdout(&out).contains("schema is up to date"), "{}", stdout(&out));

    let missing = migrate_host::testing::with_database(db.url(), "migrate_host_no_such_database");
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--schema", &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("connecting to the database given as --schema")
            && stderr(&out).contains("migrate_host_no_such_database"),
        "{}",
        stderr(&out)
    );
    reference.drop().await.unwrap();
    db.drop().await.unwrap();
}

#[tokio::test]
async fn output_into_a_closed_pipe_stops_quietly() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("migrate-host"))
        .env("DATABASE_URL", db.url())
        .env_remove("RUST_BACKTRACE")
        .args(["--dir"])
        .arg(scratch.path())
        .args(["apply", "--dry-run"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the first line is written (as `| head -0` would).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.status.success());
    db.drop().await.unwrap();
}

/// What a user does first: `pg_dump -s > schema.sql`. It loads as it is
/// (`\restrict`, `SET`, `set_config`, extension comments, ownership lines
/// naming a role this server lacks), so planning the dumped database
/// against its own dump finds nothing; `\ir` splits a schema over files,
/// and any other meta-command is refused naming its line.
#[tokio::test]
async fn a_pg_dump_of_the_database_loads_as_the_declared_schema() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    db.client()
        .batch_execute(
            "CREATE EXTENSION pg_trgm; CREATE TYPE mood AS ENUM ('ok', 'meh');
             CREATE TABLE t (id serial PRIMARY KEY, m mood DEFAULT 'ok', name text);
             CREATE INDEX t_name_trgm ON t USING gin (name gin_trgm_ops);
             CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
             CREATE VIEW v AS SELECT id, name FROM t; COMMENT ON TABLE t IS 'tee';",
        )
        .await
        .unwrap();
    let dump = std::process::Command::new("pg_dump")
        .args(["--schema-only", "--dbname", db.url()])
        .output()
        .expect("running pg_dump");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let text = String::from_utf8(dump.stdout).unwrap();
    assert!(text.contains("OWNER TO"), "{text}");
    // As if dumped on another server, whose owner role this one lacks.
    let owner = regex::Regex::new(r"OWNER TO [^;]+;").unwrap();
    let text = owner.replace_all(&text, "OWNER TO migrate_host_no_such_owner;");
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(&schema, text.as_bytes()).unwrap();
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("schema is up to date"), "{}", stdout(&out));

    // Split over files with \ir; refused meta-commands name file:line.
    std::fs::create_dir(dir.path().join("parts")).unwrap();
    std::fs::write(dir.path().join("parts/dump.sql"), text.as_bytes()).unwrap();
    let split = dir.path().join("split.sql");
    std::fs::write(&split, "-- the whole schema\n\\ir parts/dump.sql\n").unwrap();
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--schema"])
        .arg(&split)
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("schema is up to date"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    std::fs::write(&split, "CREATE TABLE extra (id int);\n\\set ON_ERROR_STOP on\n").unwrap();
    let out = cli(db.url(), scratch.path())
        .args(["plan", "--schema"])
        .arg(&split)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("split.sql:2: psql meta-command \\set is not supported"),
        "{}",
        stderr(&out)
    );
    db.drop().await.unwrap();
}

/// A migration that waits for a lock past its lock_timeout is rolled back
/// and tried again with a growing wait, each retry reported; once the lock
/// is free it applies, and when it never is the run fails saying so.
#[tokio::test]
async fn a_lock_timeout_is_retried_then_reported() {
    let (db, scratch) = interp_db(&["interp_1"]).await;
    db.client().batch_execute("CREATE TABLE busy (id int)").await.unwrap();
    queue(
        &db,
        "r1",
        "up",
        &[act(migrate_host::actions::Action::AddColumn {
            table: t("busy"),
            column: col("note", migrate_host::model::ScalarType::Text),
        })],
    )
    .await;
    let holder = migrate_host::pg::connect(db.url()).await.unwrap();
    holder
        .batch_execute("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let apply = |retries: &str| {
        let mut cmd = cli(db.url(), scratch.path());
        cmd.args(["--lock-timeout", "200ms", "--lock-retries", retries, "apply"]);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };

    let out = apply("2").await.unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("r1: waited for a lock past its lock_timeout; rolled back, trying again in 500ms (retry 1 of 2)"),
        "{err}"
    );
    assert!(err.contains("trying again in 1s (retry 2 of 2)"), "{err}");
    assert!(
        err.contains("r1 still waited for a lock past its lock_timeout after 2 retries"),
        "{err}"
    );
    assert!(err.contains("canceling statement due to lock timeout"), "{err}");
    assert!(history(&db).await.is_empty());

    // The lock goes away while the migration waits between tries.
    let running = apply("3");
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    holder.batch_execute("ROLLBACK").await.unwrap();
    let out = running.await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("(retry 1 of 3)"), "{}", stderr(&out));
    assert_eq!(history(&db).await.len(), 1);
    let columns: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(columns, 2);
    db.drop().await.unwrap();
}

/// What the progress display writes: indicatif's redraws (a carriage
/// return, ANSI escapes) and the bar's own line (`applying [===`).
fn has_progress(text: &str) -> bool {
    text.contains('\r') || text.contains('\u{1b}') || text.contains("applying [") || text.contains("rolling back [")
}

#[tokio::test]
async fn progress_is_drawn_on_a_terminal_only_and_never_with_quiet() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let dir = scratch.path();

    // Captured output (not a terminal): the results, nothing of a bar.
    let out = cli(db.url(), dir).arg("apply").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("applied 4 migration(s)"), "{}", stdout(&out));
    assert!(!has_progress(&stdout(&out)) && !has_progress(&stderr(&out)), "{out:?}");
    let out = cli(db.url(), dir).args(["rollback", "--all"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!has_progress(&stdout(&out)) && !has_progress(&stderr(&out)), "{out:?}");

    // On a terminal (a pseudo-terminal from util-linux's `script`): a bar;
    // with -q, none.
    let binary = assert_cmd::cargo::cargo_bin("migrate-host");
    let on_a_terminal = |args: &str| {
        let command = format!("{} --dir {} {args}", binary.display(), dir.display());
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("DATABASE_URL", db.url())
            .output()
            .expect("running script (util-linux), which gives the command a terminal");
        assert!(out.status.success(), "{command}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = on_a_terminal("apply");
    assert!(shown.contains("applied 4 migration(s)"), "{shown}");
    assert!(shown.contains("applying ["), "no bar on a terminal: {shown:?}");
    // (A terminal ends lines with CR LF.)
    let quiet = on_a_terminal("-q rollback --all").replace("\r\n", "\n");
    assert!(!has_progress(&quiet), "{quiet:?}");
    assert_eq!(history(&db).await.len(), 16);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn lint_names_each_rule_exits_1_on_an_error_and_lists_suppressions() {
    let scratch = Scratch::with_fixtures(&["lint_1", "lint_2"]);
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let dir = scratch.path();

    // The first migration only works on the table it creates.
    let out = cli(db.url(), dir).args(["lint", "--to", "l1"]).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("l1  accounts\n  no findings\n"), "{text}");
    assert!(
        text.contains("lint: 1 migration(s) linted, 0 error(s), 0 warning(s), 0 suppressed (exit 0)"),
        "{text}"
    );

    // The second, on the table in use, which holds a duplicated email: an
    // index, a unique constraint (whose data check counts the duplicates)
    // and an `execute` SET NOT NULL are errors; the drop it suppressed is
    // listed with its reason.
    let out = cli(db.url(), dir).args(["apply", "--to", "l1"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    db.client()
        .batch_execute("INSERT INTO accounts VALUES (1, 'a@x', NULL), (2, 'a@x', NULL), (3, 'b@x', NULL)")
        .await
        .unwrap();
    let out = cli(db.url(), dir).arg("lint").output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    for expected in [
        "l2  tighten accounts\n",
        "  allowed MH202 drop-column  drop-column public.accounts.legacy: drops the column's values\n",
        "  warning MH404 statements-under-access-exclusive  add-index accounts_email on public.accounts: ",
        "  error   MH101 index-without-concurrently  add-index accounts_email on public.accounts: builds the index",
        "          instead: on a big table, build it with add-index-concurrently",
        "  error   MH104 unique-without-index  add-constraint accounts_email_key on public.accounts: ",
        "  error   MH303 unique-violated  add-constraint accounts_email_key on public.accounts: 1 value(s) of \
         (\"email\") appear more than once now: ",
        "  error   MH107 set-not-null  execute: ALTER TABLE accounts ALTER COLUMN email SET NOT NULL: SET NOT NULL scans",
        "  suppressed MH202 drop-column (1 finding(s)): legacy has been unread since v3; backed up in ticket 42\n",
        "lint: 1 migration(s) linted, 4 error(s), 1 warning(s), 1 suppressed (exit 1)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    let out = cli(db.url(), dir).args(["lint", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["exit_code"], 1);
    let l2 = &report["migrations"][0];
    assert_eq!(l2["revision"], "l2");
    assert_eq!(l2["suppressions"][0]["code"], "MH202");
    assert_eq!(
        l2["suppressions"][0]["reason"],
        "legacy has been unread since v3; backed up in ticket 42"
    );
    let codes: Vec<(&str, &str, bool)> = l2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f.get("suppressed").is_some(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("MH202", "error", true),
            ("MH404", "warning", false),
            ("MH101", "error", false),
            ("MH104", "error", false),
            ("MH303", "error", false),
            ("MH107", "error", false)
        ]
    );

    // Applied, the data check stops the unique constraint before its DDL,
    // naming the count; the migration is rolled back whole.
    let out = cli(db.url(), dir).arg("apply").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "MH303 unique-violated: 1 value(s) of (\"email\") appear more than once, so the step would fail; not run."
        ),
        "{}",
        stderr(&out)
    );
    let out = cli(db.url(), dir).args(["status", "--json"]).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["migrations"][1]["state"], "pending");

    // Without the duplicate it applies; then nothing is pending, nothing to lint.
    db.client()
        .batch_execute("DELETE FROM accounts WHERE id = 2")
        .await
        .unwrap();
    let out = cli(db.url(), dir).arg("apply").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cli(db.url(), dir).arg("lint").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("lint: no pending migration linted"),
        "{}",
        stdout(&out)
    );

    // A plan: an index on the table in use is an error, a nullable column no finding.
    let schema = scratch.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE accounts (id bigint NOT NULL, email text NOT NULL, nickname text, \
         CONSTRAINT accounts_email_key UNIQUE (email));\n\
         CREATE INDEX accounts_id ON accounts (id);\n\
         CREATE INDEX accounts_email ON accounts (email);\n\
         CREATE INDEX accounts_nickname ON accounts (nickname);\n",
    )
    .unwrap();
    // The online plan (the default) builds the indexes concurrently and the
    // constraint from one: nothing to flag.
    let out = cli(db.url(), dir)
        .args(["lint", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("no findings"), "{text}");
    let out = cli(db.url(), dir)
        .args(["lint", "--no-online", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains(&format!("plan to {}\n", schema.display())), "{text}");
    assert!(
        text.contains("  error   MH101 index-without-concurrently  add-index accounts_nickname on public.accounts: "),
        "{text}"
    );
    assert!(
        text.contains("lint: the plan linted, 1 error(s), 0 warning(s), 0 suppressed (exit 1)"),
        "{text}"
    );
    db.drop().await.unwrap();
}
