//! `migrate-host generate`: the live database diffed against the declared
//! schema, written as a migration crate and built into a component.
//!
//! The policy: refuse while migrations are pending (the diff would be
//! against a database that is not at the head); no difference, no
//! migration. A migrations directory without a cargo workspace gets one,
//! with the Rust SDK and the WIT contract vendored into `.migrate-sdk/`, so
//! generated crates build anywhere, not only inside this repository.

use crate::codegen::{self, Meta};
use crate::history::chain::State;
use crate::migrator::Migrator;
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};

/// What `generate` did.
#[derive(Debug)]
pub enum Generated {
    UpToDate,
    Written {
        crate_dir: PathBuf,
        component: PathBuf,
        revision: String,
        /// The steps of `up`, as `Action::describe` names them.
        steps: Vec<String>,
        /// What the lint flags in `up`.
        hazards: Vec<crate::lint::Hazard>,
    },
}

pub struct Options<'a> {
    pub url: &'a str,
    pub shadow_url: Option<&'a str>,
    pub schema: &'a Path,
    pub message: &'a str,
    pub quiet: bool,
}

pub async fn generate(migrator: &Migrator, options: &Options<'_>) -> anyhow::Result<Generated> {
    let dir = migrator.dir().to_owned();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let status = migrator.status().await?;
    let pending: Vec<&str> = status
        .migrations
        .iter()
        .filter(|m| m.state == State::Pending)
        .map(|m| m.revision.as_str())
        .collect();
    if !pending.is_empty() {
        bail!(
            "{} migration(s) are not applied yet ({}): the new migration would be planned against an out-of-date \
             database. Run `migrate-host apply` (or delete them), then generate again",
            pending.len(),
            pending.join(", ")
        );
    }
    if !status.problems.is_empty() {
        bail!(
            "the database's history does not match the migrations:\n  {}",
            status.problems.join("\n  ")
        );
    }
    let unbuilt: Vec<String> = crate::build::crates(&dir)?
        .iter()
        .filter(|c| !c.with_extension("wasm").is_file())
        .map(|c| c.display().to_string())
        .collect();
    if !unbuilt.is_empty() {
        bail!(
            "migration crate(s) {} are not built: run `migrate-host build` and `apply` first",
            unbuilt.join(", ")
        );
    }
    let parent = status
        .migrations
        .iter()
        .rfind(|m| matches!(m.state, State::Applied | State::Changed))
        .map(|m| m.revision.clone());

    // The live database is read while the shadow one is loaded.
    let (live, declared) = tokio::join!(
        crate::schema::introspect(migrator.client()),
        crate::shadow::declared(options.shadow_url.unwrap_or(options.url), options.schema)
    );
    let live = live.context("introspecting the database")?;
    let declared = declared?;
    let up = crate::diff::diff(&live, &declared)?;
    if up.is_empty() {
        return Ok(Generated::UpToDate);
    }
    let down = crate::diff::diff(&declared, &live)?;

    let revision = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    let crate_name = format!("{revision}_{}", codegen::slug(options.message));
    let crate_dir = dir.join(&crate_name);
    if crate_dir.exists() {
        bail!(
            "{} already exists: wait a second and generate again",
            crate_dir.display()
        );
    }
    ensure_workspace(&dir)?;
    let meta = Meta {
        revision: revision.clone(),
        parent,
        message: options.message.to_owned(),
    };
    // Written and built outside the workspace's members: a crate that does
    // not build never joins the directory (where it would break every
    // later `build`).
    let staged = crate::build::Staged::new(&dir, &crate_name)?;
    let staged_dir = staged.crate_dir();
    std::fs::create_dir_all(staged_dir.join("src")).with_context(|| format!("creating {}", staged_dir.display()))?;
    let manifest = staged_dir.join("Cargo.toml");
    std::fs::write(&manifest, codegen::cargo_toml(&crate_name))
        .with_context(|| format!("writing {}", manifest.display()))?;
    let lib = staged_dir.join("src/lib.rs");
    std::fs::write(&lib, codegen::lib_rs(&meta, &up, &down)).with_context(|| format!("writing {}", lib.display()))?;
    format_source(&lib);
    let kept = staged.root().to_owned();
    let built = staged.build(options.quiet).with_context(|| {
        format!(
            "the generated migration did not build, so nothing was added to {}; its source is kept in {} \
             (please report this: generated code should always build)",
            dir.display(),
            kept.display()
        )
    })?;
    let (crate_dir, component) = (built.crate_dir, built.component);
    Ok(Generated::Written {
        crate_dir,
        component,
        revision,
        steps: up.iter().map(|a| a.describe()).collect(),
        hazards: crate::lint::lint(&up),
    })
}

/// Best effort: `rustfmt` wraps long lines if it is installed; the code is
/// valid without it.
fn format_source(file: &Path) {
    let _ = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .arg(file)
        .output();
}

const SDK_DIR: &str = ".migrate-sdk";

/// The vendored SDK: the crate and the WIT package it binds.
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
    ("wit/migrate.wit", include_str!("../../../wit/migrate.wit")),
];

/// Makes `dir` a cargo workspace of migration crates if it is not one.
fn ensure_workspace(dir: &Path) -> anyhow::Result<()> {
    let manifest = dir.join("Cargo.toml");
    if manifest.is_file() {
        return Ok(());
    }
    for (path, text) in SDK_FILES {
        let file = dir.join(SDK_DIR).join(path);
        std::fs::create_dir_all(file.parent().expect("vendored files are in folders"))?;
        std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    }
    std::fs::write(
        &manifest,
        format!(
            "# Migrations: one crate per migration, built by `migrate-host build`.\n\
             [workspace]\nresolver = \"3\"\nmembers = [\"*\"]\nexclude = [\"target\", \"{SDK_DIR}\"]\n\n\
             [workspace.dependencies]\nmigrate-plugin = {{ path = \"{SDK_DIR}/plugins/rust\" }}\n\n\
             [profile.release]\nstrip = true\ncodegen-units = 1\n"
        ),
    )
    .with_context(|| format!("writing {}", manifest.display()))?;
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        std::fs::write(&gitignore, "/target\n")?;
    }
    Ok(())
}
