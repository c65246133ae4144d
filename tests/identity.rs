//! A migration's identity is its source: the same migrations built in two
//! clones at different paths, and again after the SDK changed, are the
//! applied ones from either; an edit to `up` is `CHANGED` until someone
//! accepts it. A sandboxed source's components are identified by their
//! bytes whatever they carry, and a history table made before source
//! digests is read as it is and upgraded in place. Through the binary, as a
//! user runs it.

mod support;

use assert_cmd::Command;
use migrate_host::source::identity;
use migrate_host::testing::TestDatabase;
use std::path::{Path, PathBuf};
use support::*;
use wasm_encoder::ComponentSection as _;

fn cli(db: &TestDatabase, dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("migrate-host").unwrap();
    cmd.env("DATABASE_URL", db.url())
        .env_remove("RUST_BACKTRACE")
        .arg("--dir")
        .arg(dir);
    cmd
}

/// Runs `cmd`, which must succeed; returns its stdout and stderr.
fn ok(cmd: &mut Command) -> (String, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

/// Runs `cmd`, which must fail with exit code 1; returns its stderr.
fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{cmd:?}:\n{}", text(&out.stdout));
    text(&out.stderr)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// (revision, state, rebuilt) of each migration, from `status --json`.
fn states(db: &TestDatabase, dir: &Path) -> Vec<(String, String, bool)> {
    let (stdout, _) = ok(cli(db, dir).args(["status", "--json"]));
    let status: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["revision"].as_str().unwrap().to_owned(),
                m["state"].as_str().unwrap().to_owned(),
                m["rebuilt"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn all(state: &str, rebuilt: &[bool]) -> Vec<(String, String, bool)> {
    REVISIONS
        .iter()
        .zip(rebuilt)
        .map(|(r, &b)| (r.to_string(), state.to_owned(), b))
        .collect()
}

const REVISIONS: [&str; 4] = ["20261101090000", "20261102090000", "20261103090000", "20261104090000"];

/// Copies `from` into `to` recursively, keeping modification times (so
/// that cargo finds a copied target directory fresh), leaving out what
/// `skip` names.
fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if skip(&path) {
            continue;
        }
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &dest, skip);
        } else {
            std::fs::copy(&path, &dest).unwrap();
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            std::fs::File::options()
                .write(true)
                .open(&dest)
                .unwrap()
                .set_modified(modified)
                .unwrap();
        }
    }
}

/// A clone of the example under `root`, laid out as in the repository
/// (`migrations/`, `plugins/rust/`, `wit/`) so that the workspace's
/// `../plugins/rust` resolves: sources only, no components. Its target
/// directory is seeded, when it can be, with what the repository's build
/// compiled for the host (proc macros and build scripts, which put no path
/// into a component); everything compiled for wasm32-wasip2 is built again,
/// since its flags name the clone's own path.
fn clone_example(root: &Path) -> PathBuf {
    let repo = repo_root();
    let example = example_dir();
    let sources = |p: &Path| {
        let name = p.file_name().unwrap();
        name == "target" || p.extension().is_some_and(|e| e == "wasm")
    };
    copy_tree(&example, &root.join("migrations"), &sources);
    copy_tree(&repo.join("plugins/rust"), &root.join("plugins/rust"), &sources);
    copy_tree(&repo.join("wit"), &root.join("wit"), &|_| false);
    // (Absent when the repository's components were current without cargo.)
    let host_side = example.join("target/release");
    if host_side.is_dir() {
        copy_tree(&host_side, &root.join("migrations/target/release"), &|_| false);
    }
    root.join("migrations")
}

fn component(dir: &Path, revision: &str) -> PathBuf {
    let name = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "wasm") && p.file_name().unwrap().to_string_lossy().starts_with(revision)
        })
        .unwrap_or_else(|| panic!("no component for {revision} in {}", dir.display()));
    dir.join(name)
}

fn components(dir: &Path) -> Vec<Vec<u8>> {
    REVISIONS
        .iter()
        .map(|r| std::fs::read(component(dir, r)).unwrap())
        .collect()
}

/// What `build` printed for each component: `built` or `up to date`.
fn built(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .map(|l| l.trim_start())
        .map(|l| if l.starts_with("built") { "built" } else { "up to date" })
        .collect()
}

/// `bytes` with one more custom section: other bytes, the same source digest.
fn with_other_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    wasm_encoder::CustomSection {
        name: "something-else".into(),
        data: b"a toolchain's note".into(),
    }
    .append_to_component(&mut out);
    out
}

#[tokio::test]
async fn the_same_source_built_in_two_clones_is_the_same_migration_and_an_edit_needs_accepting() {
    let tmp = tempfile::tempdir().unwrap();
    let one = clone_example(&tmp.path().join("one"));
    let two = clone_example(&tmp.path().join("somewhere/else/two"));
    let (stdout, _) = ok(cli_without_db(&one).arg("build"));
    assert_eq!(built(&stdout), ["built"; 4], "{stdout}");
    let (stdout, _) = ok(cli_without_db(&two).arg("build"));
    assert_eq!(built(&stdout), ["built"; 4], "{stdout}");
    // Built at different paths, byte for byte the same.
    assert!(
        components(&one) == components(&two),
        "the two clones built different bytes"
    );

    let db = TestDatabase::create(&one).await.unwrap();
    let (stdout, _) = ok(cli(&db, &one).arg("apply"));
    assert!(stdout.contains("applied 4 migration(s)"), "{stdout}");
    assert_eq!(states(&db, &two), all("applied", &[false; 4]));
    let (stdout, _) = ok(cli(&db, &two).arg("apply"));
    assert!(stdout.contains("already up to date"), "{stdout}");

    // A comment in the SDK: `build` leaves every component as it is.
    let sdk = two.join("../plugins/rust/src/lib.rs");
    let lib = std::fs::read_to_string(&sdk).unwrap();
    std::fs::write(&sdk, format!("// A comment that moves every line down.\n{lib}")).unwrap();
    let first = component(&two, REVISIONS[0]);
    let modified = std::fs::metadata(&first).unwrap().modified().unwrap();
    let (stdout, _) = ok(cli_without_db(&two).arg("build"));
    assert_eq!(built(&stdout), ["up to date"; 4], "{stdout}");
    assert_eq!(std::fs::metadata(&first).unwrap().modified().unwrap(), modified);
    assert!(components(&one) == components(&two));

    // Built again from scratch with that SDK: other bytes (the SDK's panic
    // locations moved), the same migrations.
    for revision in REVISIONS {
        std::fs::remove_file(component(&two, revision)).unwrap();
    }
    let (stdout, _) = ok(cli_without_db(&two).arg("build"));
    assert_eq!(built(&stdout), ["built"; 4], "{stdout}");
    let rebuilt: Vec<bool> = components(&one)
        .iter()
        .zip(components(&two))
        .map(|(a, b)| *a != b)
        .collect();
    assert!(
        rebuilt.iter().any(|&r| r),
        "no component's bytes changed with the SDK, so this tests nothing"
    );
    assert_eq!(states(&db, &two), all("applied", &rebuilt));
    let (stdout, _) = ok(cli(&db, &two).args(["status", "-v"]));
    assert_eq!(
        stdout.matches("(rebuilt: same source, other bytes)").count(),
        rebuilt.iter().filter(|&&r| r).count(),
        "{stdout}"
    );
    let (stdout, _) = ok(cli(&db, &two).arg("status"));
    assert!(!stdout.contains("rebuilt"), "{stdout}");
    let (stdout, _) = ok(cli(&db, &two).arg("apply"));
    assert!(stdout.contains("already up to date"), "{stdout}");
    assert_eq!(states(&db, &one), all("applied", &[false; 4]));

    // An edit to `up`: CHANGED, and only that crate is built.
    let users = two.join("20261101090000_create_users/src/lib.rs");
    let source = std::fs::read_to_string(&users).unwrap();
    assert!(source.contains("ty::varchar(80)"));
    std::fs::write(&users, source.replace("ty::varchar(80)", "ty::varchar(120)")).unwrap();
    let (stdout, _) = ok(cli_without_db(&two).arg("build"));
    assert_eq!(
        built(&stdout),
        ["built", "up to date", "up to date", "up to date"],
        "{stdout}"
    );
    let mut expected = all("applied", &rebuilt);
    expected[0] = (REVISIONS[0].to_owned(), "changed".to_owned(), false);
    assert_eq!(states(&db, &two), expected);
    let (stdout, _) = ok(cli(&db, &two).arg("status"));
    assert!(stdout.contains("CHANGED  20261101090000"), "{stdout}");
    assert!(stdout.contains("migrate-host accept"), "{stdout}");
    let err = fails(cli(&db, &two).arg("apply"));
    assert!(err.contains("applied migration(s) 20261101090000 changed"), "{err}");
    assert!(err.contains("`migrate-host accept 20261101090000`"), "{err}");
    let err = fails(cli(&db, &two).args(["rollback", "--all"]));
    assert!(err.contains("changed"), "{err}");

    // --force lets one run through, says so, and records nothing.
    let (stdout, stderr) = ok(cli(&db, &two).args(["apply", "--force"]));
    assert!(stdout.contains("already up to date"), "{stdout}");
    assert!(
        stderr.contains("changed migration(s) 20261101090000 because of --force, for this run only"),
        "{stderr}"
    );
    fails(cli(&db, &two).arg("apply"));

    // Accepted: the edited component is the applied one from now on.
    let err = fails(cli(&db, &two).args(["accept", "20991231000000"]));
    assert!(err.contains("accept 20991231000000: no migration in"), "{err}");
    let (stdout, _) = ok(cli(&db, &two).args(["accept", "20261101090000", "20261102090000"]));
    assert!(stdout.contains("accepted  20261101090000  create users"), "{stdout}");
    assert!(stdout.contains("unchanged  20261102090000"), "{stdout}");
    assert!(stdout.contains("accepted 1 migration(s)"), "{stdout}");
    let (stdout, stderr) = ok(cli(&db, &two).arg("apply"));
    assert!(stdout.contains("already up to date"), "{stdout}");
    assert!(!stderr.contains("--force"), "{stderr}");
    // (The edited component is now the accepted one itself, not a rebuild.)
    expected[0] = (REVISIONS[0].to_owned(), "applied".to_owned(), false);
    assert_eq!(states(&db, &two), expected);
    // From the first clone, its own (older) source is the changed one now.
    assert_eq!(states(&db, &one)[0].1, "changed");
    let (stdout, _) = ok(cli(&db, &two).args(["accept", "20261101090000"]));
    assert!(stdout.contains("nothing to accept"), "{stdout}");

    // The history: the apply, then one accept with the edited component's identity.
    let rows = db
        .client()
        .query(
            "SELECT operation, checksum, source_digest FROM migration_info WHERE revision = $1 ORDER BY id",
            &[&REVISIONS[0]],
        )
        .await
        .unwrap();
    let edited = std::fs::read(component(&two, REVISIONS[0])).unwrap();
    let rows: Vec<(String, String, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "apply");
    assert_eq!(
        rows[1],
        (
            "accept".to_owned(),
            migrate_host::source::checksum(&edited),
            Some(identity::read(&edited).unwrap().unwrap().digest)
        )
    );
    assert_ne!(rows[0].2, rows[1].2);
    db.drop().await.unwrap();
}

/// `build` needs no database.
fn cli_without_db(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("migrate-host").unwrap();
    cmd.env_remove("DATABASE_URL")
        .env_remove("RUST_BACKTRACE")
        .arg("--dir")
        .arg(dir);
    cmd
}

#[tokio::test]
async fn a_sandboxed_source_is_identified_by_its_bytes_whatever_it_carries() {
    let project = tempfile::tempdir().unwrap();
    let (app, vendor) = (project.path().join("migrations"), project.path().join("vendor"));
    for (dir, name) in [(&app, "interp_1"), (&vendor, "vendor_1")] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(fixture(name), dir.join(format!("{name}.wasm"))).unwrap();
        assert!(
            identity::read(&std::fs::read(fixture(name)).unwrap())
                .unwrap()
                .is_some()
        );
    }
    let config = project.path().join("migrate.toml");
    std::fs::write(
        &config,
        "[[source]]\nname = \"app\"\ndir = \"migrations\"\n\n\
         [[source]]\nname = \"auth\"\ndir = \"vendor\"\ntrust = \"sandboxed\"\n\
         schemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"drop\", \"sql\"]\n",
    )
    .unwrap();
    let run = |db: &TestDatabase| {
        let mut cmd = Command::cargo_bin("migrate-host").unwrap();
        cmd.env("DATABASE_URL", db.url()).arg("--config").arg(&config);
        cmd
    };
    let db = TestDatabase::create(fixtures_dir()).await.unwrap();
    db.client()
        .batch_execute("CREATE TABLE interp_ops (id serial PRIMARY KEY, revision text, direction text, op jsonb)")
        .await
        .unwrap();
    ok(run(&db).arg("apply"));
    let digests: Vec<(String, bool)> = db
        .client()
        .query(
            "SELECT revision, source_digest IS NOT NULL FROM migration_info ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(digests, [("r1".to_owned(), true), ("auth_1".to_owned(), false)]);

    // Other bytes carrying the same digest: another build of the app's
    // source, but not proof of anything from a vendor.
    for (dir, name) in [(&app, "interp_1"), (&vendor, "vendor_1")] {
        let file = dir.join(format!("{name}.wasm"));
        std::fs::write(&file, with_other_bytes(&std::fs::read(&file).unwrap())).unwrap();
    }
    let (stdout, _) = ok(run(&db).args(["status", "--json"]));
    let status: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let states: Vec<(&str, &str, bool)> = status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["revision"].as_str().unwrap(),
                m["state"].as_str().unwrap(),
                m["rebuilt"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(states, [("r1", "applied", true), ("auth_1", "changed", false)]);
    // Accepting the vendor's component records its bytes, and no digest.
    ok(run(&db).args(["accept", "auth_1"]));
    let accepted: Option<String> = db
        .client()
        .query_one(
            "SELECT source_digest FROM migration_info WHERE operation = 'accept'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(accepted, None);
    let (stdout, _) = ok(run(&db).args(["apply"]));
    assert!(stdout.contains("already up to date"), "{stdout}");
    db.drop().await.unwrap();
}

/// The table as the version before source digests made it.
const OLD_TABLE: &str = "CREATE TABLE public.migration_info (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision text NOT NULL,
    parent text,
    message text NOT NULL,
    checksum text NOT NULL,
    operation text NOT NULL CHECK (operation IN ('apply', 'rollback')),
    applied_at timestamptz NOT NULL,
    execution_ms double precision NOT NULL,
    applied_by text NOT NULL DEFAULT current_user
)";

#[tokio::test]
async fn a_history_from_before_source_digests_is_read_as_it_is_and_upgraded_in_place() {
    let (db, scratch) = interp_db(&["interp_1", "interp_2", "interp_3"]).await;
    // r1 applied by a build that embedded no digest: the same bytes without
    // the section. r2 applied and rolled back.
    let bare = identity::read(&std::fs::read(scratch.path().join("interp_1.wasm")).unwrap())
        .unwrap()
        .unwrap()
        .bare_checksum;
    db.client().batch_execute(OLD_TABLE).await.unwrap();
    db.client()
        .execute(
            "INSERT INTO migration_info (revision, parent, message, checksum, operation, applied_at, execution_ms) \
             VALUES ('r1', NULL, 'one', $1, 'apply', now(), 1), ('r2', 'r1', 'two', 'x', 'apply', now(), 1), \
             ('r2', 'r1', 'two', 'x', 'rollback', now(), 1)",
            &[&bare],
        )
        .await
        .unwrap();
    let before: Vec<String> = db
        .client()
        .query("SELECT row(m.*)::text FROM migration_info m ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let has_column = async || -> bool {
        db.client()
            .query_one(
                "SELECT count(*) = 1 FROM pg_attribute WHERE attrelid = 'public.migration_info'::regclass \
                 AND attname = 'source_digest'",
                &[],
            )
            .await
            .unwrap()
            .get(0)
    };

    // Read as it is: status writes nothing.
    let status = db.migrator().status().await.unwrap();
    let states: Vec<_> = status
        .migrations
        .iter()
        .map(|m| (m.revision.as_str(), m.state))
        .collect();
    use migrate_host::history::chain::State;
    assert_eq!(
        states,
        [("r1", State::Applied), ("r2", State::Pending), ("r3", State::Pending)]
    );
    assert!(!has_column().await);

    // Written to: upgraded, every row kept, and the new ones carry digests.
    db.apply_to("r2").await.unwrap();
    assert!(has_column().await);
    let after: Vec<String> = db
        .client()
        .query(
            "SELECT row(m.id, m.revision, m.parent, m.message, m.checksum, m.operation, m.applied_at, \
             m.execution_ms, m.applied_by)::text FROM migration_info m WHERE id <= 3 ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(before, after);
    let digests: Vec<Option<String>> = db
        .client()
        .query("SELECT source_digest FROM migration_info ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(digests[..3], [None, None, None]);
    assert!(
        digests[3].as_deref().is_some_and(|d| d.starts_with("v1:")),
        "{digests:?}"
    );
    // And it takes accept rows now.
    std::fs::copy(fixture("dup_1"), scratch.path().join("interp_1.wasm")).unwrap();
    let accepted = db.migrator().accept(&["r1".to_owned()]).await.unwrap();
    assert!(accepted[0].recorded);
    db.apply_all().await.unwrap();
    assert_eq!(
        history(&db).await.last().unwrap(),
        &("r3".to_owned(), "apply".to_owned())
    );
    db.drop().await.unwrap();
}
