//! A migrations directory on disk, as a team works in it: the cargo
//! workspace of migration crates with the Rust SDK and the WIT contract
//! vendored into `.migrate-sdk/` ([`ensure`]), what `init` makes
//! ([`init`]), a new migration's revision and name ([`slot`]), writing a
//! migration's source ([`write_crate`], [`write_js`]), and the revision and
//! parent each migration declares in its source or component
//! ([`migrations`], [`head`], [`sources`]).
//!
//! Files only: nothing here connects to a database or runs cargo.

pub mod sources;

use crate::history::chain::{self, Link};
use crate::runtime::Runtime;
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};

/// Where the SDK, the WIT contract and the JavaScript toolchain's manifest
/// are vendored, inside the migrations directory.
pub const SDK_DIR: &str = crate::build::SDK_DIR;

/// The vendored Rust SDK: the crate and the WIT package it binds.
const SDK_FILES: [(&str, &str); 6] = [
    (
        "plugins/rust/Cargo.toml",
        include_str!("../../../plugins/rust/Cargo.toml"),
    ),
    (
        "plugins/rust/src/lib.rs",
        include_str!("../../../plugins/rust/src/lib.rs"),
    ),
    (
        "plugins/rust/src/actions.rs",
        include_str!("../../../plugins/rust/src/actions.rs"),
    ),
    (
        "plugins/rust/src/builders.rs",
        include_str!("../../../plugins/rust/src/builders.rs"),
    ),
    (
        "plugins/rust/src/values.rs",
        include_str!("../../../plugins/rust/src/values.rs"),
    ),
    (WIT_FILE, include_str!("../../../wit/migrate.wit")),
];

/// The WIT contract, inside [`SDK_DIR`].
const WIT_FILE: &str = "wit/migrate.wit";

/// The `.gitignore` of a migrations directory: the policy on committing.
/// Sources are committed (each crate, each `.js` file, `Cargo.toml`,
/// `Cargo.lock`, `.migrate-sdk/`); what `build` makes from them is not,
/// since a component carries its source's digest and a rebuild anywhere
/// is the same migration.
pub const GITIGNORE: &str = "\
# Commit the sources: each migration's crate or .js file, Cargo.toml,
# Cargo.lock and .migrate-sdk/. What `migrate-host build` makes from them is
# not committed: a component carries the digest of its source, so a build on
# another machine is the same migration. CI and deployments run
# `migrate-host build` first (or ship the built directory as an artifact).
# A component with no source here (a vendor's, or one built by another
# toolchain) is identified by its bytes: commit it with `git add -f`.
/target/
/*.wasm
/.migrate-sdk/js/node_modules/
";

/// What `init` writes as the declared schema: nothing declared yet.
pub const SCHEMA_SQL: &str = "\
-- The declared schema: what the database should look like, as CREATE
-- statements (or `pg_dump -s` output). `migrate-host generate -m MESSAGE`
-- writes the migration that takes the database there; `migrate-host check`
-- tells when the migrations and this file disagree.
";

/// Whether a file was written or was there already.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Made {
    Created,
    Kept,
}

/// Makes `dir` a cargo workspace of migration crates if it is not one:
/// the workspace manifest, the SDK and the WIT contract vendored into
/// [`SDK_DIR`], and the [`GITIGNORE`] (each only when missing; nothing
/// when `dir/Cargo.toml` exists). Returns each file it looked at and
/// whether it wrote it.
pub fn ensure(dir: &Path) -> anyhow::Result<Vec<(PathBuf, Made)>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut made = Vec::new();
    let manifest = dir.join("Cargo.toml");
    if manifest.is_file() {
        made.push((manifest, Made::Kept));
    } else {
        for (path, text) in SDK_FILES {
            made.push(write_new(&dir.join(SDK_DIR).join(path), text)?);
        }
        let text = format!(
            "# Migrations: one crate per migration, built by `migrate-host build`.\n\
             [workspace]\nresolver = \"3\"\nmembers = [\"*\"]\nexclude = [\"target\", \"{SDK_DIR}\"]\n\n\
             [workspace.dependencies]\nmigrate-plugin = {{ path = \"{SDK_DIR}/plugins/rust\" }}\n\n\
             [profile.release]\nstrip = true\ncodegen-units = 1\n"
        );
        made.push(write_new(&manifest, &text)?);
        made.push(write_new(&dir.join(".gitignore"), GITIGNORE)?);
    }
    Ok(made)
}

/// Writes `text` to `file` (and its folders) unless the file exists.
fn write_new(file: &Path, text: &str) -> anyhow::Result<(PathBuf, Made)> {
    if file.exists() {
        return Ok((file.to_owned(), Made::Kept));
    }
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
    Ok((file.to_owned(), Made::Created))
}

/// `init`: the migrations workspace in `migrations` ([`ensure`]), its
/// [`GITIGNORE`], and an empty declared schema at `schema` (each kept when
/// it exists).
pub fn init(migrations: &Path, schema: &Path) -> anyhow::Result<Vec<(PathBuf, Made)>> {
    let mut made = ensure(migrations)?;
    let gitignore = migrations.join(".gitignore");
    if !made.iter().any(|(file, _)| *file == gitignore) {
        made.push(write_new(&gitignore, GITIGNORE)?);
    }
    made.push(write_new(schema, SCHEMA_SQL)?);
    Ok(made)
}

/// A new migration's revision (the UTC time, to the second) and its name
/// in the directory: `<revision>_<slug of the message>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub revision: String,
    pub name: String,
}

/// The [`Slot`] for a migration written now into `dir`. Refuses when a
/// migration of that revision is already there (two in one second).
pub fn slot(dir: &Path, message: &str) -> anyhow::Result<Slot> {
    let revision = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    let taken = |name: &str| name == revision || name.starts_with(&format!("{revision}_"));
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let name = entry.with_context(|| format!("reading {}", dir.display()))?.file_name();
            let name = name.to_string_lossy();
            let stem = name.rsplit_once('.').map_or(&*name, |(stem, _)| stem);
            if taken(stem) {
                bail!(
                    "{} already holds a migration of revision {revision} ({name}): wait a second and try again",
                    dir.display()
                );
            }
        }
    }
    let name = format!("{revision}_{}", crate::codegen::slug(message));
    Ok(Slot { revision, name })
}

/// Writes the migration crate `<dir>/<name>/` (its `Cargo.toml` and
/// `src/lib.rs`), making `dir` a workspace first if it is not one. Returns
/// the crate's directory.
pub fn write_crate(dir: &Path, name: &str, lib_rs: &str) -> anyhow::Result<PathBuf> {
    let crate_dir = dir.join(name);
    if crate_dir.exists() {
        bail!("{} already exists", crate_dir.display());
    }
    ensure(dir)?;
    let src = crate_dir.join("src");
    std::fs::create_dir_all(&src).with_context(|| format!("creating {}", src.display()))?;
    let manifest = crate_dir.join("Cargo.toml");
    std::fs::write(&manifest, crate::codegen::cargo_toml(name))
        .with_context(|| format!("writing {}", manifest.display()))?;
    let lib = src.join("lib.rs");
    std::fs::write(&lib, lib_rs).with_context(|| format!("writing {}", lib.display()))?;
    format_source(&lib);
    Ok(crate_dir)
}

/// Writes the JavaScript migration `<dir>/<name>.js`, with what building
/// it needs vendored ([`crate::build::ensure_js`]). Returns the file.
pub fn write_js(dir: &Path, name: &str, source: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join(format!("{name}.js"));
    if file.exists() {
        bail!("{} already exists", file.display());
    }
    crate::build::ensure_js(dir)?;
    std::fs::write(&file, source).with_context(|| format!("writing {}", file.display()))?;
    Ok(file)
}

/// Best effort: `rustfmt` wraps long lines if it is installed; the code is
/// valid without it.
pub(crate) fn format_source(file: &Path) {
    let _ = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .arg(file)
        .output();
}

/// The language of a new migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// A crate (`<name>/Cargo.toml`, `<name>/src/lib.rs`) using the Rust SDK.
    Rust,
    /// One ES module, `<name>.js`, built with componentize-qjs.
    Js,
}

/// What [`new`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The file to edit: the crate's `src/lib.rs`, or the `.js` file.
    pub file: PathBuf,
    pub revision: String,
    pub parent: Option<String>,
}

/// `new`: a hand-written migration's source in `dir`, its revision the UTC
/// time and its parent the head of the directory's migrations ([`head`]:
/// built or not, applied or not), with empty `up` and `down`, so that it
/// builds and applies as it is.
pub async fn new(runtime: &Runtime, dir: &Path, message: &str, lang: Lang) -> anyhow::Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let parent = head(&migrations(runtime, dir).await?).with_context(|| {
        format!(
            "finding the newest migration in {}, the new one's parent",
            dir.display()
        )
    })?;
    let Slot { revision, name } = slot(dir, message)?;
    let meta = crate::codegen::Meta {
        revision: revision.clone(),
        parent: parent.clone(),
        message: message.to_owned(),
    };
    let file = match lang {
        Lang::Rust => write_crate(dir, &name, &crate::codegen::rust_scaffold(&meta))?.join("src/lib.rs"),
        Lang::Js => write_js(dir, &name, &crate::codegen::js_scaffold(&meta))?,
    };
    Ok(Written { file, revision, parent })
}

/// A migration of the directory as its source (or, without one, its
/// component) declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    pub revision: String,
    pub parent: Option<String>,
    /// The file that declares it: a crate's `src/lib.rs`, a `.js` file, or
    /// a component with no source beside it.
    pub file: PathBuf,
    /// Whether `file` is a source that [`sources::set_parent`] can rewrite.
    pub has_source: bool,
    /// A squash migration's: the revisions it replaces, in chain order.
    pub replaces: Vec<String>,
}

/// Every migration in `dir`: each crate and `.js` file by what its source
/// declares (so that one not built yet counts, and an edit counts before
/// it is built), and each component that has neither beside it
/// (`<name>.wasm` without `<name>/` or `<name>.js`) by its metadata.
pub async fn migrations(runtime: &Runtime, dir: &Path) -> anyhow::Result<Vec<Declared>> {
    let mut declared = Vec::new();
    let mut with_source = std::collections::HashSet::new();
    for krate in crate::build::crates(dir)? {
        with_source.insert(krate.file_name().expect("a crate has a name").to_owned());
        declared.push(sources::read(&krate.join("src/lib.rs"))?);
    }
    for script in crate::build::scripts(dir)? {
        with_source.insert(script.file_stem().expect("a script has a name").to_owned());
        declared.push(sources::read(&script)?);
    }
    let bare: Vec<PathBuf> = crate::source::component_files(dir)?
        .into_iter()
        .filter(|wasm| !with_source.contains(wasm.file_stem().expect("a component has a name")))
        .collect();
    for migration in crate::source::load_files(runtime, bare, runtime.limits()).await? {
        declared.push(Declared {
            revision: migration.revision().to_owned(),
            parent: migration.parent().map(str::to_owned),
            file: migration.file.clone(),
            has_source: false,
            replaces: migration.replaces().to_vec(),
        });
    }
    Ok(declared)
}

/// Removes from `dir` the components of migrations a squash replaced that
/// were left behind: a component with no source beside it whose revision
/// a migration of the directory replaces (`build`'s outputs are not in git,
/// so a pull that removes a squashed migration's source leaves its
/// component). Returns each file removed, with the squash that replaces it.
pub async fn prune_squashed(runtime: &Runtime, dir: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let all = migrations(runtime, dir).await?;
    let replaced: std::collections::HashMap<&str, &str> = all
        .iter()
        .flat_map(|d| d.replaces.iter().map(move |r| (r.as_str(), d.revision.as_str())))
        .collect();
    let mut removed = Vec::new();
    for declared in all.iter().filter(|d| !d.has_source) {
        if let Some(squash) = replaced.get(declared.revision.as_str()) {
            std::fs::remove_file(&declared.file).with_context(|| format!("removing {}", declared.file.display()))?;
            removed.push((declared.file.clone(), (*squash).to_owned()));
        }
    }
    Ok(removed)
}

/// What [`rebase`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebased {
    /// The source rewritten (untouched when it already was on the head).
    pub file: PathBuf,
    pub old_parent: Option<String>,
    pub new_parent: Option<String>,
}

impl Rebased {
    pub fn moved(&self) -> bool {
        self.old_parent != self.new_parent
    }
}

/// `rebase`: makes `revision` (and the migrations after it, which keep
/// their parents) follow the head of the other migrations in `dir`, by
/// rewriting the parent its source declares. The caller builds it again,
/// and must first make sure it is not applied anywhere that matters
/// (`applied`: the revisions the database has applied; one of them is
/// refused, since its source would change under it).
pub async fn rebase(runtime: &Runtime, dir: &Path, revision: &str, applied: &[String]) -> anyhow::Result<Rebased> {
    let all = migrations(runtime, dir).await?;
    let Some(target) = all.iter().find(|d| d.revision == revision) else {
        bail!("rebase {revision}: no migration in {} has that revision", dir.display());
    };
    if applied.iter().any(|a| a == revision) {
        bail!(
            "rebase {revision}: it is applied to this database, so its parent cannot change under it; rebase the \
             other migration of the fork instead (one that is not applied), or roll {revision} back first"
        );
    }
    if !target.has_source {
        bail!(
            "rebase {revision}: {} is a component without a source here (a crate or a .js file); only a source's \
             parent can be rewritten",
            target.file.display()
        );
    }
    // It and what is built on it move together.
    let links: Vec<Link> = all.iter().map(link).collect();
    let parents = chain::effective_parents(&links);
    let mut moving = std::collections::HashSet::from([revision.to_owned()]);
    loop {
        let before = moving.len();
        for d in &all {
            if parents[&d.revision].as_ref().is_some_and(|p| moving.contains(p)) {
                moving.insert(d.revision.clone());
            }
        }
        if moving.len() == before {
            break;
        }
    }
    let rest: Vec<Declared> = all.iter().filter(|d| !moving.contains(&d.revision)).cloned().collect();
    let new_parent = head(&rest)
        .with_context(|| format!("rebase {revision}: the other migrations do not form one chain to put it on"))?;
    let rebased = Rebased {
        file: target.file.clone(),
        old_parent: target.parent.clone(),
        new_parent,
    };
    if rebased.moved() {
        sources::set_parent(&target.file, rebased.new_parent.as_deref())?;
    }
    Ok(rebased)
}

/// The newest migration of a chain: the one that no other names as its
/// parent. None when there are none; an error naming every problem when
/// they do not form one chain.
pub fn head(migrations: &[Declared]) -> anyhow::Result<Option<String>> {
    let links: Vec<Link> = migrations.iter().map(link).collect();
    let order = chain::order(&links)?;
    Ok(order.last().map(|l| l.revision.clone()))
}

/// `migrations` in chain order, first to newest; an error naming every
/// problem when they do not form one chain.
pub fn ordered(migrations: &[Declared]) -> anyhow::Result<Vec<Declared>> {
    let links: Vec<Link> = migrations.iter().map(link).collect();
    let order = chain::order(&links)?;
    Ok(order
        .iter()
        .filter_map(|l| migrations.iter().find(|d| d.revision == l.revision).cloned())
        .collect())
}

fn link(declared: &Declared) -> Link {
    Link {
        revision: declared.revision.clone(),
        parent: declared.parent.clone(),
        checksum: String::new(),
        source_digest: None,
        bare_checksum: None,
        origin: declared
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        replaces: declared.replaces.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_makes_what_is_missing_and_keeps_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let (migrations, schema) = (tmp.path().join("db/migrations"), tmp.path().join("schema.sql"));
        let made = init(&migrations, &schema).unwrap();
        assert!(made.iter().all(|(_, m)| *m == Made::Created), "{made:?}");
        for file in [
            "Cargo.toml",
            ".gitignore",
            ".migrate-sdk/wit/migrate.wit",
            ".migrate-sdk/plugins/rust/src/lib.rs",
        ] {
            assert!(migrations.join(file).is_file(), "{file}");
        }
        assert_eq!(std::fs::read_to_string(&schema).unwrap(), SCHEMA_SQL);
        std::fs::write(&schema, "CREATE TABLE t (id int);").unwrap();
        let again = init(&migrations, &schema).unwrap();
        assert!(again.iter().all(|(_, m)| *m == Made::Kept), "{again:?}");
        assert_eq!(std::fs::read_to_string(&schema).unwrap(), "CREATE TABLE t (id int);");
    }

    #[test]
    fn a_slot_is_refused_while_its_revision_is_taken() {
        let tmp = tempfile::tempdir().unwrap();
        let slot = super::slot(tmp.path(), "Add ✓ views").unwrap();
        assert_eq!(slot.revision.len(), 14);
        assert_eq!(slot.name, format!("{}_add_views", slot.revision));
        std::fs::write(tmp.path().join(format!("{}_other.js", slot.revision)), "").unwrap();
        // Still the same second, or the next one: either way the name says which.
        match super::slot(tmp.path(), "again") {
            Err(e) => assert!(e.to_string().contains("wait a second"), "{e}"),
            Ok(next) => assert_ne!(next.revision, slot.revision),
        }
    }

    #[test]
    fn the_head_is_the_migration_nobody_builds_on() {
        let d = |revision: &str, parent: Option<&str>| Declared {
            revision: revision.into(),
            parent: parent.map(str::to_owned),
            file: PathBuf::from(format!("{revision}.js")),
            has_source: true,
            replaces: Vec::new(),
        };
        assert_eq!(head(&[]).unwrap(), None);
        assert_eq!(
            head(&[d("3", Some("2")), d("1", None), d("2", Some("1"))]).unwrap(),
            Some("3".into())
        );
        let fork = head(&[d("1", None), d("2", Some("1")), d("3", Some("1"))]).unwrap_err();
        assert!(fork.to_string().contains("same parent 1"), "{fork}");
    }
}
