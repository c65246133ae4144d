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
    db.drop().await.unwrap();
}
