//! `migrate-host squash --to REV`: one migration in place of the first ones
//! of the chain, up to and including `REV`.
//!
//! The new migration is a crate made by the same code generation as
//! `generate`'s: `up` makes, from nothing, the schema the range makes
//! (introspected after replaying the range into a scratch database), `down`
//! drops it, and `REPLACES` lists the revisions it stands for (through the
//! WIT `squash` interface), in chain order. It is proved before anything is
//! written: the range replayed into one scratch database and the new
//! migration applied into another must give the same `pg_dump
//! --schema-only`; if not, the difference is shown and nothing changes.
//! Then the crate joins the directory and the migrations it replaces (their
//! sources and components) leave it (git keeps them).
//!
//! The chain does the rest ([`crate::history::chain`]): the migration after
//! `REV`, whose source still names `REV` as its parent (so that its source
//! digest, and with it its identity on every database that applied it, is
//! unchanged), follows the squash; a database that applied the range has
//! the squash applied without running it; one that applied only part of it
//! is refused with what to do; a new database applies the squash alone.
//!
//! No database is needed: only a server for the two scratch databases.

use crate::codegen::{self, Down, Meta, Origin};
use crate::runtime::{Limits, Runtime};
use crate::scratch::{self, Scratch};
use crate::workspace::Declared;
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};

pub struct Options<'a> {
    /// The app's migrations directory.
    pub dir: &'a Path,
    /// The server for the scratch databases.
    pub server: &'a str,
    /// The newest migration to replace.
    pub to: &'a str,
    /// The new migration's message [default: "squash of N migrations up to REV"].
    pub message: Option<&'a str>,
    pub quiet: bool,
    pub limits: Limits,
    pub cache_dir: Option<PathBuf>,
}

/// What `squash` did.
#[derive(Debug)]
pub struct Squashed {
    pub crate_dir: PathBuf,
    pub component: PathBuf,
    pub revision: String,
    /// The revisions it replaces, in chain order.
    pub replaces: Vec<String>,
    /// The files taken out of the directory (sources and components).
    pub removed: Vec<PathBuf>,
    /// The migration after the range, which now follows the squash.
    pub next: Option<String>,
    /// How many steps `up` takes.
    pub steps: usize,
}

pub async fn squash(options: &Options<'_>) -> anyhow::Result<Squashed> {
    let dir = options.dir;
    let runtime = || Runtime::new(options.limits.clone(), options.cache_dir.clone());
    let outdated = crate::build::outdated(dir)?;
    if !outdated.is_empty() {
        let names: Vec<String> = outdated.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "squash replays the built components, and {} are not built since their source changed: run \
             `migrate-host build` first",
            names.join(", ")
        );
    }
    let vendored = dir.join(crate::workspace::SDK_DIR).join("plugins/rust/src/lib.rs");
    if vendored.is_file()
        && !std::fs::read_to_string(&vendored)
            .with_context(|| format!("reading {}", vendored.display()))?
            .contains("const REPLACES")
    {
        bail!(
            "the Rust SDK vendored in {} predates squash (its Migration has no REPLACES): replace {} and {} with \
             this version's (`migrate-host init` writes them into a new directory), then squash again",
            dir.join(crate::workspace::SDK_DIR).display(),
            dir.join(crate::workspace::SDK_DIR).join("plugins").display(),
            dir.join(crate::workspace::SDK_DIR).join("wit").display()
        );
    }
    let chain = crate::workspace::ordered(&crate::workspace::migrations(&runtime()?, dir).await?)
        .with_context(|| format!("reading the chain of {}", dir.display()))?;
    let Some(last) = chain.iter().position(|d| d.revision == options.to) else {
        if let Some(squash) = chain.iter().find(|d| d.replaces.iter().any(|r| r == options.to)) {
            bail!(
                "squash --to {}: that revision was squashed into {} already; name {} or a later one",
                options.to,
                squash.revision,
                squash.revision
            );
        }
        bail!(
            "squash --to {}: no migration in {} has that revision",
            options.to,
            dir.display()
        );
    };
    if last == 0 {
        bail!(
            "squash --to {}: it is the first migration, so there is nothing to squash into it (name a later one)",
            options.to
        );
    }
    let range = &chain[..=last];
    // A squash in the range stands for what it replaces, and they for it.
    let replaces: Vec<String> = range
        .iter()
        .flat_map(|d| d.replaces.iter().cloned().chain([d.revision.clone()]))
        .collect();
    let message = match options.message {
        Some(message) => message.to_owned(),
        None => format!("squash of {} migrations up to {}", range.len(), options.to),
    };

    let server = options.server;
    let (replayed, fresh) = tokio::try_join!(
        Scratch::create(server, "migrate_squash_range"),
        Scratch::create(server, "migrate_squash_new")
    )?;
    let result = async {
        replayed
            .apply(runtime()?, dir, Some(options.to))
            .await
            .context("replaying the migrations to squash into a scratch database")?;
        let (range_schema, empty) = tokio::try_join!(replayed.schema(), fresh.schema())?;
        let up = crate::diff::diff(&empty, &range_schema).context("planning the squashed schema from nothing")?;
        let down = crate::diff::diff(&range_schema, &empty).context("planning the way back to nothing")?;
        let crate::workspace::Slot { revision, name } = crate::workspace::slot(dir, &message)?;
        let meta = Meta {
            revision: revision.clone(),
            parent: None,
            message: message.clone(),
        };
        let origin = Origin {
            header: format!(
                "Written by `migrate-host squash`: one migration in place of the {} up to {} (REPLACES). A \
                 database that applied them has this one applied; on any other, `up` makes the schema they made \
                 (proved by pg_dump --schema-only when it was written), and `down` drops it.",
                range.len(),
                options.to
            ),
            replaces: replaces.clone(),
        };
        let source = codegen::migration_rs(&meta, &up, &Down::Actions(&down), &origin);
        let (staged, bytes) = crate::generate::stage_crate(dir, &name, &source, options.quiet)?;
        let kept = staged.root().display().to_string();
        fresh
            .apply_component(runtime()?, &name, &bytes)
            .await
            .with_context(|| {
                format!("applying the squashed migration to an empty database (its source is kept in {kept})")
            })?;
        let (want, got) = (
            scratch::schema_dump(replayed.url())?,
            scratch::schema_dump(fresh.url())?,
        );
        if let Some(difference) = scratch::difference(&got, &want, "what the squash makes", "what the range makes") {
            bail!(
                "the squashed migration does not make the schema the {} migrations up to {} make (pg_dump \
                 --schema-only differs), so nothing was changed in {}; they hold what the diff does not manage \
                 (see Limitations in the README), or this is a bug. Its source is kept in {kept}.\n{difference}",
                range.len(),
                options.to,
                dir.display()
            );
        }
        anyhow::Ok((staged, bytes, revision, up.len()))
    }
    .await;
    let dropped = tokio::join!(replayed.drop(), fresh.drop());
    let (staged, bytes, revision, steps) = result?;
    dropped.0?;
    dropped.1?;

    let built = staged.place(&bytes)?;
    let mut removed = Vec::new();
    for declared in range {
        removed.extend(remove(dir, declared)?);
    }
    Ok(Squashed {
        crate_dir: built.crate_dir,
        component: built.component,
        revision,
        replaces,
        removed,
        next: chain.get(last + 1).map(|d| d.revision.clone()),
        steps,
    })
}

/// Takes a replaced migration out of `dir`: its source (a crate's
/// directory, a `.js` file) and its component. Returns what it removed.
fn remove(dir: &Path, declared: &Declared) -> anyhow::Result<Vec<PathBuf>> {
    let file = &declared.file;
    let (source, component) = if !declared.has_source {
        (None, file.clone())
    } else if file.extension().is_some_and(|e| e == "js") {
        (Some(file.clone()), file.with_extension("wasm"))
    } else {
        // <crate>/src/lib.rs
        let krate = file
            .parent()
            .and_then(Path::parent)
            .with_context(|| format!("{} is not in a crate", file.display()))?
            .to_owned();
        let name = krate.file_name().context("a crate has a name")?.to_owned();
        (Some(krate), dir.join(format!("{}.wasm", name.to_string_lossy())))
    };
    let mut removed = Vec::new();
    if let Some(source) = source {
        if source.is_dir() {
            std::fs::remove_dir_all(&source).with_context(|| format!("removing {}", source.display()))?;
        } else {
            std::fs::remove_file(&source).with_context(|| format!("removing {}", source.display()))?;
        }
        removed.push(source);
    }
    if component.is_file() {
        std::fs::remove_file(&component).with_context(|| format!("removing {}", component.display()))?;
        removed.push(component);
    }
    Ok(removed)
}
