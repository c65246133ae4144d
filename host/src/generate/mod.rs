//! `migrate-host generate`: the live database diffed against the declared
//! schema, written as a migration crate and built into a component.
//!
//! The policy: refuse while migrations are pending (the diff would be
//! against a database that is not at the head); no difference, no
//! migration. A migrations directory without a cargo workspace gets one
//! ([`crate::workspace::ensure`]), with the Rust SDK and the WIT contract
//! vendored into `.migrate-sdk/`, so generated crates build anywhere, not
//! only inside this repository.

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
    generate_with(migrator, options, &crate::progress::Silent).await
}

/// [`generate`], loading the declared schema into the shadow database with
/// its progress reported to `progress`.
pub async fn generate_with(
    migrator: &Migrator,
    options: &Options<'_>,
    progress: &dyn crate::progress::Progress,
) -> anyhow::Result<Generated> {
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
        crate::shadow::declared_with(options.shadow_url.unwrap_or(options.url), options.schema, progress)
    );
    let live = live.context("introspecting the database")?;
    let declared = declared?;
    let up = crate::diff::diff(&live, &declared)?;
    if up.is_empty() {
        return Ok(Generated::UpToDate);
    }
    let down = crate::diff::diff(&declared, &live)?;
    // A step whose SQL depends on the database there (a cast, say) is
    // planned and run on a copy first: one that would fail at `apply`
    // (a type change Postgres has no cast for) is refused now, before
    // anything is written.
    let shadow = options.shadow_url.unwrap_or(options.url);
    for (direction, from, steps) in [("up", &live, &up), ("down", &declared, &down)] {
        crate::shadow::rehearse::statements(shadow, from, steps)
            .await
            .with_context(|| {
                format!(
                    "the migration's {direction} would fail at apply, so nothing was written (for a type change with no cast, write the migration by hand with `migrate-host new` and a USING expression)"
                )
            })?;
    }

    let crate::workspace::Slot {
        revision,
        name: crate_name,
    } = crate::workspace::slot(&dir, options.message)?;
    let meta = Meta {
        revision: revision.clone(),
        parent,
        message: options.message.to_owned(),
    };
    // Written and built outside the workspace's members: a crate that does
    // not build never joins the directory (where it would break every
    // later `build`).
    crate::workspace::ensure(&dir)?;
    let staged = crate::build::Staged::new(&dir, &crate_name)?;
    let staged_dir = staged.crate_dir();
    std::fs::create_dir_all(staged_dir.join("src")).with_context(|| format!("creating {}", staged_dir.display()))?;
    let manifest = staged_dir.join("Cargo.toml");
    std::fs::write(&manifest, codegen::cargo_toml(&crate_name))
        .with_context(|| format!("writing {}", manifest.display()))?;
    let lib = staged_dir.join("src/lib.rs");
    std::fs::write(&lib, codegen::lib_rs(&meta, &up, &down)).with_context(|| format!("writing {}", lib.display()))?;
    crate::workspace::format_source(&lib);
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

/// A migration crate written into a staging workspace of `dir` (made a
/// workspace first if it is not one) and compiled there, not yet moved in:
/// the caller checks the component, then [`crate::build::Staged::place`]s
/// it. Returns the staging workspace and the component's bytes.
pub fn stage_crate(
    dir: &Path,
    crate_name: &str,
    lib_rs: &str,
    quiet: bool,
) -> anyhow::Result<(crate::build::Staged, Vec<u8>)> {
    crate::workspace::ensure(dir)?;
    let staged = crate::build::Staged::new(dir, crate_name)?;
    let staged_dir = staged.crate_dir();
    std::fs::create_dir_all(staged_dir.join("src")).with_context(|| format!("creating {}", staged_dir.display()))?;
    let manifest = staged_dir.join("Cargo.toml");
    std::fs::write(&manifest, codegen::cargo_toml(crate_name))
        .with_context(|| format!("writing {}", manifest.display()))?;
    let lib = staged_dir.join("src/lib.rs");
    std::fs::write(&lib, lib_rs).with_context(|| format!("writing {}", lib.display()))?;
    crate::workspace::format_source(&lib);
    let bytes = staged.compile(quiet).with_context(|| {
        format!(
            "the written migration did not build, so nothing was added to {}; its source is kept in {} \
             (please report this: written code should always build)",
            dir.display(),
            staged.root().display()
        )
    })?;
    Ok((staged, bytes))
}
