//! Working in a team, through the binary: `init` makes a workspace, `new`
//! scaffolds migrations (Rust and JavaScript) that build and apply as they
//! are, `check` exits 0, 2 or 3 for CI, and `rebase` re-parents a
//! migration after two branches merge.

mod support;

use assert_cmd::Command;
use migrate_host::testing::TestDatabase;
use migrate_host::workspace::{self, sources};
use std::path::{Path, PathBuf};
use support::*;

/// A copy of the binary made on first use, so that a rebuild of the target
/// directory while the suite runs (another checkout sharing
/// `CARGO_TARGET_DIR`) cannot change it between two steps of a test.
fn binary() -> &'static Path {
    static COPY: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    &COPY
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let copy = dir.path().join("migrate-host");
            std::fs::copy(env!("CARGO_BIN_EXE_migrate-host"), &copy).unwrap();
            (dir, copy)
        })
        .1
}

fn bin() -> Command {
    let mut cmd = Command::new(binary());
    cmd.env_remove("DATABASE_URL").env_remove("RUST_BACKTRACE");
    cmd
}

/// The binary against `db`, on the migrations in `dir`.
fn on(db: &TestDatabase, dir: &Path) -> Command {
    let mut cmd = bin();
    cmd.env("DATABASE_URL", db.url()).arg("--dir").arg(dir);
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `cmd`, expecting exit `code`; returns stdout and stderr.
fn run(cmd: &mut Command, code: i32) -> (String, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

/// A workspace made by `init` under a temporary project directory, its
/// cargo target directory shared between runs (only the first builds the
/// SDK) and componentize-qjs taken from `plugins/js` (installed there by
/// its build script) instead of `npm ci`.
fn project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (stdout, _) = run(bin().arg("init").arg(tmp.path()), 0);
    assert!(stdout.contains("is a migrations workspace"), "{stdout}");
    let dir = tmp.path().join("migrations");
    let shared_target = repo_root().join("target/team-test-target");
    std::fs::create_dir_all(&shared_target).unwrap();
    std::os::unix::fs::symlink(&shared_target, dir.join("target")).unwrap();
    let qjs = repo_root().join("plugins/js");
    if !qjs.join("node_modules/.bin/componentize-qjs").is_file() {
        let status = std::process::Command::new(qjs.join("build.sh"))
            .status()
            .expect("running plugins/js/build.sh (needs npm)");
        assert!(status.success(), "plugins/js/build.sh failed");
    }
    std::fs::create_dir_all(dir.join(".migrate-sdk/js")).unwrap();
    std::os::unix::fs::symlink(qjs.join("node_modules"), dir.join(".migrate-sdk/js/node_modules")).unwrap();
    (tmp, dir)
}

/// `new -m message [--lang js]`: the revision it wrote, from what it printed.
fn new(dir: &Path, message: &str, lang: &str) -> String {
    // Revisions are UTC seconds: one migration a second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (stdout, _) = run(
        bin().arg("--dir").arg(dir).args(["new", "-m", message, "--lang", lang]),
        0,
    );
    let revision = stdout
        .split("(revision ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no revision in {stdout}"));
    revision.to_owned()
}

/// The source file `new` wrote for `revision`.
fn source_of(dir: &Path, revision: &str) -> PathBuf {
    let entry = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(&format!("{revision}_")) && (p.is_dir() || name.ends_with(".js"))
        })
        .unwrap_or_else(|| panic!("no source for {revision} in {}", dir.display()));
    if entry.is_dir() {
        entry.join("src/lib.rs")
    } else {
        entry
    }
}

#[tokio::test]
async fn init_then_new_migrations_in_rust_and_javascript_build_and_apply_as_they_are() {
    let (tmp, dir) = project();
    for file in [
        "Cargo.toml",
        ".migrate-sdk/plugins/rust/Cargo.toml",
        ".migrate-sdk/wit/migrate.wit",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
        workspace::GITIGNORE
    );
    let schema = std::fs::read_to_string(tmp.path().join("schema.sql")).unwrap();
    assert!(
        schema.lines().all(|l| l.is_empty() || l.starts_with("--")),
        "declares nothing: {schema}"
    );
    // Run again: everything kept; the next three commands printed.
    let (stdout, _) = run(bin().arg("init").arg(tmp.path()), 0);
    assert!(!stdout.contains(" created  "), "{stdout}");
    let commands: Vec<&str> = stdout.lines().filter(|l| l.starts_with("  migrate-host ")).collect();
    assert_eq!(commands.len(), 3, "{stdout}");
    assert!(
        commands[0].contains("generate -m") && commands[2].contains("check"),
        "{stdout}"
    );

    // Messages that are Rust's and the SDK's own names, or no word at all.
    let mut chain = Vec::new();
    for (message, lang) in [
        ("ok", "rust"),
        ("result", "rust"),
        ("✓", "js"),
        ("Self", "rust"),
        ("result", "js"),
    ] {
        let revision = new(&dir, message, lang);
        let declared = sources::read(&source_of(&dir, &revision)).unwrap();
        assert_eq!(declared.revision, revision);
        assert_eq!(declared.parent, chain.last().cloned(), "{message} ({lang})");
        chain.push(revision);
    }

    let (stdout, stderr) = run(bin().arg("--dir").arg(&dir).arg("build"), 0);
    assert_eq!(stdout.matches("     built  ").count(), 5, "{stdout}\n{stderr}");
    let db = TestDatabase::create(&dir).await.unwrap();
    let (stdout, _) = run(on(&db, &dir).arg("apply"), 0);
    assert!(
        stdout.contains(&format!("applied 5 migration(s); now at revision {}", chain[4])),
        "{stdout}"
    );
    assert_eq!(
        history(&db).await,
        chain
            .iter()
            .map(|r| (r.clone(), "apply".to_owned()))
            .collect::<Vec<_>>()
    );
    // A JavaScript component carries its source's digest too: nothing to build.
    let (stdout, _) = run(bin().arg("--dir").arg(&dir).arg("build"), 0);
    assert_eq!(stdout.matches("up to date  ").count(), 5, "{stdout}");

    // Migrations that do nothing and a schema that declares nothing: in sync.
    let check = || {
        let mut cmd = on(&db, &dir);
        cmd.arg("check").arg("--schema").arg(tmp.path().join("schema.sql"));
        cmd
    };
    run(&mut check(), 0);
    // An edit to an applied migration: not built yet, then CHANGED.
    let first = source_of(&dir, &chain[0]);
    let source = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, source.replace("Ok(())", "Ok(()) // reviewed")).unwrap();
    let (stdout, _) = run(&mut check(), 3);
    assert!(
        stdout.contains("migrations: 1 not built since their source changed") && stdout.contains("_ok\n"),
        "{stdout}"
    );
    run(bin().arg("--dir").arg(&dir).arg("build"), 0);
    let (stdout, _) = run(&mut check(), 3);
    assert!(stdout.contains(&format!("  CHANGED  {}  ok", chain[0])), "{stdout}");
    assert!(!stdout.contains("not built"), "{stdout}");
    db.drop().await.unwrap();
}

/// `pg_dump -s` of `db` without the history: the schema its migrations made.
fn dump(db: &TestDatabase) -> String {
    let out = std::process::Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--exclude-table=public.migration_info",
            "--exclude-table=public.migration_steps",
            "--dbname",
        ])
        .arg(db.url())
        .output()
        .expect("running pg_dump");
    assert!(out.status.success(), "pg_dump: {}", text(&out.stderr));
    text(&out.stdout)
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn check_exits_0_in_sync_2_when_the_database_differs_and_3_when_the_migrations_do() {
    let scratch = Scratch::with_example();
    let dir = scratch.path();
    let db = TestDatabase::create(dir).await.unwrap();
    run(on(&db, dir).arg("apply"), 0);
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    let declared = dump(&db);
    std::fs::write(&schema, &declared).unwrap();
    let check = |db: &TestDatabase, code: i32| {
        let mut cmd = on(db, dir);
        cmd.arg("check").arg("--schema").arg(&schema);
        let (stdout, _) = run(&mut cmd, code);
        let (as_json, _) = run(cmd.arg("--json"), code);
        let as_json = json(&as_json);
        assert_eq!(as_json["exit_code"], code, "{as_json:#}");
        (stdout, as_json)
    };

    // 0: the database, the migrations and the schema agree.
    let (stdout, _) = check(&db, 0);
    assert!(stdout.contains("database: matches "), "{stdout}");
    assert!(stdout.contains("they produce "), "{stdout}");
    assert!(stdout.ends_with("check: in sync (exit 0)\n"), "{stdout}");

    // 2: someone changed the database by hand.
    db.client().batch_execute("CREATE TABLE extra (id int)").await.unwrap();
    let (stdout, report) = check(&db, 2);
    assert!(stdout.contains("database: differs from "), "{stdout}");
    assert!(
        stdout.contains("  drop-table public.extra  (HAZARD: loses data)"),
        "{stdout}"
    );
    assert!(stdout.contains("they produce "), "{stdout}");
    assert_eq!(report["database"][0]["description"], "drop-table public.extra");
    assert_eq!(report["replay"]["steps"], serde_json::json!([]));

    // 3: schema.sql edited, no migration generated; and with the drift, 3 wins, both listed.
    std::fs::write(&schema, format!("{declared}\nCREATE TABLE public.later (id int);\n")).unwrap();
    let (stdout, report) = check(&db, 3);
    assert!(stdout.contains("they do not produce "), "{stdout}");
    assert_eq!(stdout.matches("  add-table public.later").count(), 2, "{stdout}");
    assert!(stdout.contains("  drop-table public.extra"), "{stdout}");
    assert_eq!(report["replay"]["steps"][0]["description"], "add-table public.later");
    db.client().batch_execute("DROP TABLE extra").await.unwrap();
    std::fs::write(&schema, &declared).unwrap();
    check(&db, 0);

    // 3: migrations pending on a database that is behind.
    let behind = TestDatabase::create(dir).await.unwrap();
    run(on(&behind, dir).args(["apply", "--to", "20261102090000"]), 0);
    let (stdout, report) = check(&behind, 3);
    assert!(
        stdout.contains("migrations: 2 pending (`migrate-host apply` runs them):"),
        "{stdout}"
    );
    assert!(stdout.contains("  pending  20261103090000  "), "{stdout}");
    assert_eq!(report["migrations"]["pending"][1]["revision"], "20261104090000");
    assert!(stdout.contains("database: differs from "), "{stdout}");
    behind.drop().await.unwrap();

    // Without a database, only the migrations are replayed (on --shadow-url's server).
    let mut cmd = bin();
    cmd.arg("--dir")
        .arg(dir)
        .arg("check")
        .arg("--schema")
        .arg(&schema)
        .arg("--shadow-url")
        .arg(migrate_host::testing::server_url());
    let (stdout, _) = run(&mut cmd, 0);
    assert!(stdout.contains("database: not checked"), "{stdout}");

    // 3: a chain that does not hold together is the migrations' problem too.
    scratch.add_fixture("orphan");
    let (stdout, report) = check(&db, 3);
    assert!(stdout.contains("problem: ") && stdout.contains("r404"), "{stdout}");
    assert!(
        report["replay"]["error"].as_str().unwrap().contains("not replayed"),
        "{report:#}"
    );
    scratch.remove("orphan");

    // 1: the check itself could not run.
    let (_, stderr) = run(on(&db, dir).args(["check", "--schema", "/nonexistent/schema.sql"]), 1);
    assert!(
        stderr.starts_with("error: the schema /nonexistent/schema.sql does not exist"),
        "{stderr}"
    );
    db.drop().await.unwrap();
}

/// Makes the migration `revision` declare `parent`, as a branch that
/// wrote it before the other branch's migration was merged would have.
fn fork_onto(dir: &Path, revision: &str, old_parent: &str, parent: &str) {
    let file = source_of(dir, revision);
    let source = std::fs::read_to_string(&file).unwrap();
    let (from, to) = if file.extension().unwrap() == "js" {
        (format!("parent: \"{old_parent}\""), format!("parent: \"{parent}\""))
    } else {
        (format!("Some(\"{old_parent}\")"), format!("Some(\"{parent}\")"))
    };
    assert!(source.contains(&from), "{source}");
    std::fs::write(&file, source.replace(&from, &to)).unwrap();
}

#[tokio::test]
async fn rebase_puts_a_merged_branch_after_the_head_and_refuses_an_applied_migration() {
    let (_tmp, dir) = project();
    let a = new(&dir, "create base", "rust");
    let b = new(&dir, "second", "rust");
    run(bin().arg("--dir").arg(&dir).arg("build"), 0);
    let db = TestDatabase::create(&dir).await.unwrap();
    run(on(&db, &dir).arg("apply"), 0);

    // Two branches each added a migration on top of b: the newest is d.
    let c = new(&dir, "branch one", "rust");
    let d = new(&dir, "branch two", "rust");
    fork_onto(&dir, &d, &c, &b);
    run(bin().arg("--dir").arg(&dir).arg("build"), 0);
    for command in ["apply", "status"] {
        let (_, stderr) = run(on(&db, &dir).arg(command), 1);
        assert!(stderr.contains(&format!("have the same parent {b}")), "{stderr}");
        assert!(
            stderr.contains(&format!("run `migrate-host rebase {d}`")),
            "{command}: {stderr}"
        );
    }
    // An applied migration stays where it is.
    let (_, stderr) = run(on(&db, &dir).args(["rebase", &b]), 1);
    assert!(stderr.contains("it is applied to this database"), "{stderr}");
    assert!(stderr.starts_with(&format!("error: rebase {b}: ")), "{stderr}");
    let (_, stderr) = run(on(&db, &dir).args(["rebase", "20990101000000"]), 1);
    assert!(stderr.contains("no migration in"), "{stderr}");

    let (stdout, _) = run(on(&db, &dir).args(["rebase", &d]), 0);
    assert!(
        stdout.contains(&format!("rebased {d}: its parent is now {c} (was {b})")),
        "{stdout}"
    );
    assert!(
        stdout.contains("     built  ") && stdout.contains(&format!("{d}_branch_two.wasm")),
        "{stdout}"
    );
    assert_eq!(sources::read(&source_of(&dir, &d)).unwrap().parent, Some(c.clone()));
    let (stdout, _) = run(on(&db, &dir).args(["rebase", &d]), 0);
    assert!(stdout.contains("nothing to do"), "{stdout}");

    // A JavaScript migration moves the same way, and what was built on it follows.
    let e = new(&dir, "branch three", "rust");
    let f = new(&dir, "branch four", "js");
    let g = new(&dir, "on top of four", "rust");
    fork_onto(&dir, &f, &e, &d);
    let (stdout, _) = run(on(&db, &dir).args(["rebase", &f]), 0);
    assert!(stdout.contains(&format!("its parent is now {e} (was {d})")), "{stdout}");
    assert_eq!(sources::read(&source_of(&dir, &f)).unwrap().parent, Some(e.clone()));
    assert_eq!(sources::read(&source_of(&dir, &g)).unwrap().parent, Some(f.clone()));

    let (stdout, _) = run(on(&db, &dir).arg("apply"), 0);
    assert!(
        stdout.contains(&format!("applied 5 migration(s); now at revision {g}")),
        "{stdout}"
    );
    assert_eq!(
        history(&db).await,
        [&a, &b, &c, &d, &e, &f, &g]
            .iter()
            .map(|r| (r.to_string(), "apply".to_owned()))
            .collect::<Vec<_>>()
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn check_replays_a_sandboxed_source_too_and_leaves_no_role_behind() {
    let project = tempfile::tempdir().unwrap();
    let (app, vendor) = (project.path().join("migrations"), project.path().join("vendor"));
    std::fs::create_dir_all(&vendor).unwrap();
    std::fs::rename(Scratch::with_example().dir.keep(), &app).unwrap();
    std::fs::copy(fixture("vendor_1"), vendor.join("vendor_1.wasm")).unwrap();
    let config = project.path().join("migrate.toml");
    std::fs::write(
        &config,
        "[[source]]\nname = \"app\"\ndir = \"migrations\"\n\n\
         [[source]]\nname = \"teamcheck\"\ndir = \"vendor\"\ntrust = \"sandboxed\"\nschemas = [\"auth\"]\n",
    )
    .unwrap();
    let db = TestDatabase::create(&app).await.unwrap();
    let with_config = || {
        let mut cmd = bin();
        cmd.env("DATABASE_URL", db.url()).arg("--config").arg(&config);
        cmd
    };
    run(with_config().arg("apply"), 0);
    let schema = project.path().join("schema.sql");
    std::fs::write(&schema, dump(&db)).unwrap();
    let roles = || async {
        let n: i64 = db
            .client()
            .query_one(
                "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'migrate\\_host\\_teamcheck\\_%'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        n
    };
    assert_eq!(roles().await, 1, "the role apply made for this database");

    let (stdout, _) = run(with_config().arg("check").arg("--schema").arg(&schema), 0);
    assert!(stdout.contains("they produce "), "{stdout}");
    assert_eq!(roles().await, 1, "the scratch database's role is gone with it");

    // The vendor's table dropped by hand: the database differs, its migrations do not.
    db.client().batch_execute("DROP TABLE auth.users").await.unwrap();
    let (stdout, _) = run(with_config().arg("check").arg("--schema").arg(&schema), 2);
    assert!(stdout.contains("  add-table auth.users"), "{stdout}");
    db.drop().await.unwrap();
}

/// Writes `up` and `down` (SDK calls, each ending in `?;`) into the
/// migration `new` scaffolded for `revision`.
fn fill(dir: &Path, revision: &str, up: &str, down: &str) {
    let file = source_of(dir, revision);
    let mut source = std::fs::read_to_string(&file).unwrap();
    for (function, body) in [("fn up() -> Result<()> {", up), ("fn down() -> Result<()> {", down)] {
        let start = source
            .find(function)
            .unwrap_or_else(|| panic!("no {function}: {source}"))
            + function.len();
        let end = start + source[start..].find("Ok(())").unwrap();
        source.replace_range(start..end, &format!("\n        {body}\n        "));
    }
    std::fs::write(&file, source).unwrap();
}

/// The revision a `wrote ... (N step(s), revision R)` line names.
fn written_revision(stdout: &str) -> String {
    stdout
        .split(", revision ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no revision in {stdout}"))
        .to_owned()
}

/// The databases' schemas as pg_dump shows them, compared.
fn same_schema(got: &TestDatabase, want: &TestDatabase) {
    if let Some(difference) = dump_difference(&schema_dump(got.url()), &schema_dump(want.url())) {
        panic!("{difference}");
    }
}

#[tokio::test]
async fn squash_replaces_the_first_migrations_on_databases_that_applied_all_part_or_none_of_them() {
    let (_tmp, dir) = project();
    let a = new(&dir, "users", "rust");
    fill(
        &dir,
        &a,
        r#"add_table("users", [column("id", ty::bigint()).not_null(), column("email", ty::text())])?;
        add_constraint("users", "users_pkey", primary_key(["id"]))?;"#,
        r#"drop_table("users")?;"#,
    );
    let b = new(&dir, "nicknames", "rust");
    fill(
        &dir,
        &b,
        r#"add_column("users", column("nick", ty::varchar(40)))?;
        add_index(index("users_nick_idx", "users", ["nick"]))?;"#,
        r#"drop_index("users_nick_idx")?;
        drop_column("users", "nick")?;"#,
    );
    let c = new(&dir, "notes", "js");
    std::fs::write(
        source_of(&dir, &c),
        std::fs::read_to_string(source_of(&dir, &c)).unwrap().replace(
            "import { defineMigration,",
            "import { defineMigration, execute,",
        ).replace(
            "  up() {\n",
            "  up() {\n    execute(\"CREATE TABLE notes (id integer PRIMARY KEY, author bigint REFERENCES users (id))\");\n",
        ).replace(
            "  down() {\n",
            "  down() {\n    execute(\"DROP TABLE notes\");\n",
        ),
    )
    .unwrap();
    let d = new(&dir, "note bodies", "rust");
    fill(
        &dir,
        &d,
        r#"add_column("notes", column("body", ty::text()).not_null().default("empty"))?;"#,
        r#"drop_column("notes", "body")?;"#,
    );
    run(bin().arg("--dir").arg(&dir).arg("build"), 0);
    // Before the squash: one database applied everything, one only the first migration.
    let full = TestDatabase::create(&dir).await.unwrap();
    run(on(&full, &dir).arg("apply"), 0);
    let partly = TestDatabase::create(&dir).await.unwrap();
    run(on(&partly, &dir).args(["apply", "--to", &a]), 0);
    let history_before = history(&full).await;
    // What a pull of the squash leaves in a clone: the component, which git does not track.
    let component_of = |revision: &str| {
        let krate = source_of(&dir, revision).parent().unwrap().parent().unwrap().to_owned();
        dir.join(format!("{}.wasm", krate.file_name().unwrap().to_string_lossy()))
    };
    let (leftover, leftover_bytes) = (component_of(&a), std::fs::read(component_of(&a)).unwrap());

    let server = migrate_host::testing::server_url();
    let mut squash = bin();
    squash
        .arg("--dir")
        .arg(&dir)
        .args(["squash", "--to", &c, "--shadow-url", &server]);
    let (stdout, _) = run(&mut squash, 0);
    let s = written_revision(&stdout);
    assert!(
        stdout.contains(&format!("it replaces 3 migration(s): {a}, {b}, {c}")),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("{d} now follows {s}")), "{stdout}");
    // The replaced sources and components are gone; the next one is untouched.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("20"))
        .collect();
    for gone in [&a, &b, &c] {
        assert!(!names.iter().any(|n| n.starts_with(gone.as_str())), "{gone}: {names:?}");
    }
    let squashed = sources::read(&source_of(&dir, &s)).unwrap();
    assert_eq!(squashed.replaces, [a.clone(), b.clone(), c.clone()]);
    assert_eq!(squashed.parent, None);
    assert_eq!(sources::read(&source_of(&dir, &d)).unwrap().parent, Some(c.clone()));
    assert!(component_of(&s).is_file() && !leftover.exists());
    // Nothing to build: the squash is built, and the next migration did not change.
    let (stdout, _) = run(bin().arg("--dir").arg(&dir).arg("build"), 0);
    assert!(!stdout.contains("     built  "), "{stdout}");
    // A component left behind is named, and `build` removes it.
    std::fs::write(&leftover, &leftover_bytes).unwrap();
    let (_, stderr) = run(on(&full, &dir).arg("status"), 1);
    assert!(
        stderr.contains(&format!("declares revision {a}, which the squash migration {s}"))
            && stderr.contains("`migrate-host build`")
            && !stderr.contains("same parent"),
        "{stderr}"
    );
    let (stdout, _) = run(bin().arg("--dir").arg(&dir).arg("build"), 0);
    assert!(
        stdout.contains(&format!("   removed  {} (squashed into {s})", leftover.display())),
        "{stdout}"
    );
    assert!(!leftover.exists());

    // Applied it all before: the squash counts as applied, nothing runs, nothing is recorded.
    let (stdout, _) = run(on(&full, &dir).arg("status"), 0);
    assert!(
        stdout.contains(&format!("applied  {s}")) && stdout.contains("(squashed: "),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("applied  {d}")) && !stdout.contains("MISSING"),
        "{stdout}"
    );
    let (stdout, _) = run(on(&full, &dir).args(["status", "--json"]), 0);
    let status = json(&stdout);
    assert_eq!(status["migrations"][0]["revision"], s.as_str());
    assert_eq!(status["migrations"][0]["squashed"], true);
    assert_eq!(status["migrations"][0]["replaces"], serde_json::json!([a, b, c]));
    let (stdout, _) = run(on(&full, &dir).arg("apply"), 0);
    assert!(
        stdout.contains(&format!("already up to date (at revision {d})")),
        "{stdout}"
    );
    assert_eq!(history(&full).await, history_before);
    let (_, stderr) = run(on(&full, &dir).args(["apply", "--to", &b]), 1);
    assert!(stderr.contains(&format!("was squashed into {s}")), "{stderr}");

    // Applied only part of it: refused, saying what to do.
    for command in ["apply", "rollback"] {
        let (_, stderr) = run(on(&partly, &dir).arg(command), 1);
        assert!(
            stderr.contains(&format!(
                "squashes the 3 migrations up to {c}, but the database applied only 1 of them ({a})"
            )) && stderr.contains(&format!("`migrate-host apply --to {c}`")),
            "{command}: {stderr}"
        );
    }
    assert_eq!(history(&partly).await.len(), 1);

    // A new database applies the squash alone, then what follows: the same schema.
    let fresh = TestDatabase::create(&dir).await.unwrap();
    let (stdout, _) = run(on(&fresh, &dir).arg("apply"), 0);
    assert!(
        stdout.contains(&format!("applied 2 migration(s); now at revision {d}")),
        "{stdout}"
    );
    assert_eq!(
        history(&fresh).await,
        [(s.clone(), "apply".to_owned()), (d.clone(), "apply".to_owned())]
    );
    same_schema(&fresh, &full);

    // Rolling the squash back where it never ran rolls back what it replaces with it.
    let (stdout, _) = run(on(&full, &dir).args(["rollback", "--steps", "2"]), 0);
    assert!(stdout.contains("rolled back 2 migration(s)"), "{stdout}");
    let tail: Vec<(String, String)> = history(&full).await.split_off(history_before.len());
    let rollback = |r: &String| (r.clone(), "rollback".to_owned());
    assert_eq!(
        tail,
        [rollback(&d), rollback(&s), rollback(&c), rollback(&b), rollback(&a)]
    );
    assert!(!table_exists(&full, "users").await);
    let (stdout, _) = run(on(&full, &dir).arg("status"), 0);
    assert!(
        stdout.contains(&format!("pending  {s}")) && !stdout.contains("MISSING"),
        "{stdout}"
    );
    run(on(&full, &dir).arg("apply"), 0);
    same_schema(&full, &fresh);

    // The next migration goes after the head, as before.
    let e = new(&dir, "after the squash", "rust");
    assert_eq!(sources::read(&source_of(&dir, &e)).unwrap().parent, Some(d.clone()));
    for db in [full, partly, fresh] {
        db.drop().await.unwrap();
    }
}

#[tokio::test]
async fn baseline_adopts_a_database_of_many_kinds_and_a_new_database_applies_it() {
    let server = TestDatabase::create(example_dir()).await.unwrap();
    // The role the grants and the policies name (roles are per server).
    server
        .client()
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE migrate_host_test_reader;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        )
        .await
        .unwrap();
    server.drop().await.unwrap();
    let (_tmp, dir) = project();
    let existing = TestDatabase::create(&dir).await.unwrap();
    existing
        .client()
        .batch_execute(&format!(
            "{}{}\nCOMMENT ON TABLE blog.author IS 'who writes';\n\
             COMMENT ON COLUMN box.label IS 'sorted as numbers';\n",
            schemas::SCHEMA,
            schemas::MORE
        ))
        .await
        .unwrap();

    let (stdout, _) = run(on(&existing, &dir).arg("baseline"), 0);
    let revision = written_revision(&stdout);
    assert!(
        stdout.contains(&format!("recorded {revision} as applied here without running it")),
        "{stdout}"
    );
    assert_eq!(history(&existing).await, [(revision.clone(), "apply".to_owned())]);
    let lib = std::fs::read_to_string(source_of(&dir, &revision)).unwrap();
    assert!(lib.contains("Err(Error::msg("), "{lib}");
    let (stdout, _) = run(on(&existing, &dir).arg("status"), 0);
    assert!(stdout.contains(&format!("applied  {revision}")), "{stdout}");
    let (stdout, _) = run(on(&existing, &dir).arg("apply"), 0);
    assert!(
        stdout.contains(&format!("already up to date (at revision {revision})")),
        "{stdout}"
    );
    // Its down refuses, saying why; nothing changes.
    let (_, stderr) = run(on(&existing, &dir).arg("rollback"), 1);
    assert!(
        stderr.contains("this migration is a baseline") && stderr.contains("--down-drops"),
        "{stderr}"
    );
    assert!(table_exists(&existing, "box").await);
    // Again: refused, the database has a history (and the directory a migration).
    let (_, stderr) = run(on(&existing, &dir).arg("baseline"), 1);
    assert!(stderr.contains("already has a migration history"), "{stderr}");
    let other = TestDatabase::create(&dir).await.unwrap();
    other.client().batch_execute("CREATE TABLE t (id int)").await.unwrap();
    let (_, stderr) = run(on(&other, &dir).arg("baseline"), 1);
    assert!(stderr.contains("already holds migrations"), "{stderr}");
    other.drop().await.unwrap();

    // A new database gets the same schema from it.
    let fresh = TestDatabase::create(&dir).await.unwrap();
    let (stdout, _) = run(on(&fresh, &dir).arg("apply"), 0);
    assert!(
        stdout.contains(&format!("applied 1 migration(s); now at revision {revision}")),
        "{stdout}"
    );
    same_schema(&fresh, &existing);
    fresh.drop().await.unwrap();
    existing.drop().await.unwrap();

    // With --down-drops, down drops everything it made.
    let (_tmp2, dir2) = project();
    let small = TestDatabase::create(&dir2).await.unwrap();
    small
        .client()
        .batch_execute("CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE t (id int PRIMARY KEY, m mood)")
        .await
        .unwrap();
    let (stdout, _) = run(on(&small, &dir2).args(["baseline", "--down-drops", "-m", "adopt"]), 0);
    assert!(stdout.contains("its down drops everything"), "{stdout}");
    run(on(&small, &dir2).arg("rollback"), 0);
    assert!(!table_exists(&small, "t").await && !type_exists(&small, "mood").await);
    small.drop().await.unwrap();
}
