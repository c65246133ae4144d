//! `migrate-host baseline`: adopting a database that migrate-host has
//! never managed. It writes the directory's first migration, a crate made
//! by the same code generation as `generate`'s, whose `up` makes the
//! database's schema from nothing (the diff of an empty database against
//! it); proves it by applying it to an empty scratch database and
//! comparing `pg_dump --schema-only` of the two; and records it in
//! `migration_info` as applied, without running it, so that `status` shows
//! it applied and `apply` has nothing to do, while a new database gets the
//! schema by applying it.
//!
//! Its `down` refuses, returning an error that says why (the database
//! existed before the migration: undoing it would drop everything), unless
//! it was written with `--down-drops`, which makes `down` drop everything.
//!
//! Refused: a database with a history (it is managed already), a
//! directory that holds migrations (the baseline is the first), a database
//! with no schema objects, and a migration that does not make the
//! database's schema (what `pg_dump` shows differs): nothing is written or
//! recorded then.

use crate::codegen::{self, Down, Meta, Origin};
use crate::migrator::Migrator;
use crate::runtime::{Limits, Runtime};
use crate::scratch::{self, Scratch};
use anyhow::{Context as _, bail};
use std::path::PathBuf;

/// What a baseline's `down` says when it refuses (without `--down-drops`).
pub const REFUSED_DOWN: &str = "this migration is a baseline: it stands for the schema the database had when \
     migrate-host adopted it, and was recorded there as applied without running, so undoing it would drop every \
     object and every row it describes; down refuses. On a database made by applying it, drop the database \
     instead; or write the baseline with `migrate-host baseline --down-drops`, whose down drops everything.";

pub struct Options<'a> {
    /// The database to adopt.
    pub url: &'a str,
    /// The server for the scratch database [default: `url`'s].
    pub shadow_url: Option<&'a str>,
    pub message: &'a str,
    /// `down` drops everything `up` makes, instead of refusing.
    pub down_drops: bool,
    pub quiet: bool,
    pub limits: Limits,
    pub cache_dir: Option<PathBuf>,
}

/// What `baseline` wrote and recorded.
#[derive(Debug)]
pub struct Baselined {
    pub crate_dir: PathBuf,
    pub component: PathBuf,
    pub revision: String,
    /// How many steps `up` takes.
    pub steps: usize,
    pub down_drops: bool,
}

pub async fn baseline(migrator: &Migrator, options: &Options<'_>) -> anyhow::Result<Baselined> {
    let dir = migrator.dir().to_owned();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let place = crate::history::Place::default();
    if crate::history::exists(migrator.client(), &place).await? {
        let rows = crate::history::count(migrator.client(), &place).await?;
        if rows > 0 {
            bail!(
                "the database already has a migration history ({rows} row(s) in public.migration_info): baseline \
                 adopts a database migrate-host has never managed; `migrate-host status` shows where this one stands"
            );
        }
    }
    let runtime = || Runtime::new(options.limits.clone(), options.cache_dir.clone());
    let existing = crate::workspace::migrations(&runtime()?, &dir).await?;
    if !existing.is_empty() {
        let names: Vec<String> = existing.iter().map(|d| d.revision.clone()).collect();
        bail!(
            "{} already holds migrations ({}): the baseline is the first migration of a directory; adopt the \
             database into an empty one (or, if these migrations made it, `apply` them instead)",
            dir.display(),
            names.join(", ")
        );
    }
    let scratch = Scratch::create(options.shadow_url.unwrap_or(options.url), "migrate_baseline").await?;
    let result = async {
        let (empty, live) = tokio::join!(scratch.schema(), crate::schema::introspect(migrator.client()));
        let (empty, live) = (empty?, live.context("introspecting the database")?);
        let up = crate::diff::diff(&empty, &live).context("planning the schema from an empty database")?;
        if up.is_empty() {
            bail!(
                "the database holds no schema objects: there is nothing to baseline (start with `migrate-host \
                 generate` instead)"
            );
        }
        let down_actions;
        let down = if options.down_drops {
            down_actions = crate::diff::diff(&live, &empty).context("planning the way back to nothing")?;
            Down::Actions(&down_actions)
        } else {
            Down::Refuse { why: REFUSED_DOWN }
        };
        let crate::workspace::Slot { revision, name } = crate::workspace::slot(&dir, options.message)?;
        let meta = Meta {
            revision: revision.clone(),
            parent: None,
            message: options.message.to_owned(),
        };
        let header = format!(
            "Written by `migrate-host baseline`: the schema the database had when migrate-host adopted it. That \
             database has it recorded as applied, without having run it; on an empty database, `up` makes the same \
             schema. {}",
            if options.down_drops {
                "Its down drops everything up makes (it was written with --down-drops)."
            } else {
                "Its down refuses: see below."
            }
        );
        let origin = Origin {
            header,
            replaces: Vec::new(),
        };
        let source = codegen::migration_rs(&meta, &up, &down, &origin);
        let (staged, bytes) = crate::generate::stage_crate(&dir, &name, &source, options.quiet)?;
        scratch
            .apply_component(runtime()?, &name, &bytes)
            .await
            .with_context(|| {
                format!(
                    "applying the baseline migration to an empty database (its source is kept in {})",
                    staged.root().display()
                )
            })?;
        let (made, original) = (scratch::schema_dump(scratch.url())?, scratch::schema_dump(options.url)?);
        if let Some(difference) = scratch::difference(&made, &original, "what the migration makes", "the database") {
            bail!(
                "the baseline migration does not make the database's schema (pg_dump --schema-only differs), so \
                 nothing was written to {} or recorded; the database holds what migrate-host does not manage \
                 (see Limitations in the README), or this is a bug. Its source is kept in {}.\n{difference}",
                dir.display(),
                staged.root().display()
            );
        }
        let built = staged.place(&bytes)?;
        anyhow::Ok((built, revision, up.len()))
    }
    .await;
    let dropped = scratch.drop().await;
    let (built, revision, steps) = result?;
    dropped?;
    migrator.record_baseline(&revision).await.with_context(|| {
        format!(
            "{} is written, but recording it as applied failed: run `migrate-host baseline` again after deleting \
             it",
            built.crate_dir.display()
        )
    })?;
    Ok(Baselined {
        crate_dir: built.crate_dir,
        component: built.component,
        revision,
        steps,
        down_drops: options.down_drops,
    })
}
