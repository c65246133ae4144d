//! `migrate-host generate`: the live database diffed against the declared
//! schema, written as a migration crate and built into a component.
//!
//! The policy: refuse while migrations are pending (the diff would be
//! against a database that is not at the head); no difference, no
//! migration. A migrations directory without a cargo workspace gets one
//! ([`crate::workspace::ensure`]), with the Rust SDK and the WIT contract
//! vendored into `.migrate-sdk/`, so generated crates build anywhere, not
//! only inside this repository.

use crate::actions::Action;
use crate::codegen::{self, Meta};
use crate::diff::{casts, renames};
use crate::history::chain::State;
use crate::migrator::Migrator;
use crate::schema::Schema;
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
    /// How the steps are planned.
    pub choices: Choices<'a>,
}

/// What `plan` and `generate` both compute: the live schema, the declared
/// one, and the steps between them both ways.
pub struct Changes {
    pub live: Schema,
    pub declared: Schema,
    /// Declared renames first, then the diff.
    pub up: Vec<Action>,
    /// The diff back, then the renames undone.
    pub down: Vec<Action>,
    /// How long reading each side took, and diffing them.
    pub introspected: std::time::Duration,
    pub loaded: std::time::Duration,
    pub diffed: std::time::Duration,
}

/// How `plan`, `generate` and `lint --schema` want the steps.
#[derive(Clone, Copy, Debug)]
pub struct Choices<'a> {
    /// `--rename` values, beside the schema's own annotations.
    pub renames: &'a [String],
    /// `--using` and `--using-down` values, beside the schema's own annotations.
    pub usings: &'a [String],
    pub usings_down: &'a [String],
    /// Let a drop and an add that look like a rename through.
    pub allow_drop: bool,
    /// The online plan for tables in use (`diff::online`); false: `--no-online`.
    pub online: bool,
}

/// The front half of `plan` and `generate`: the live database (`client`)
/// read while the declared schema is loaded (through a shadow database on
/// `admin_url`'s server), the declared renames made first (never a drop and
/// an add), then the diff, online unless `choices` say otherwise. A drop
/// and an add that look like a rename nobody declared are refused unless
/// `allow_drop`; a column added NOT NULL without a default to a table that
/// holds rows is refused, with what to do instead.
pub async fn changes(
    client: &tokio_postgres::Client,
    admin_url: &str,
    schema: &Path,
    choices: Choices<'_>,
    progress: &dyn crate::progress::Progress,
) -> anyhow::Result<Changes> {
    let Choices {
        renames: flags,
        usings: using_flags,
        usings_down: using_down_flags,
        allow_drop,
        online,
    } = choices;
    let (live, declared) = tokio::join!(
        timed(async {
            crate::schema::introspect(client)
                .await
                .context("introspecting the database")
        }),
        timed(crate::shadow::declared_with_annotations(admin_url, schema, progress))
    );
    let ((live, introspected), ((declared, annotations), loaded)) = (live?, declared?);
    let crate::shadow::Annotations {
        mut renames,
        mut usings,
    } = annotations;
    let diffing = std::time::Instant::now();
    for flag in flags {
        renames.push(renames::parse_flag(flag, &live).map_err(anyhow::Error::msg)?);
    }
    for (flags, down) in [(using_flags, false), (using_down_flags, true)] {
        for flag in flags {
            usings.push(casts::parse_flag(flag, down).map_err(anyhow::Error::msg)?);
        }
    }
    let (rename_up, rename_down) = renames::steps(&live, &declared, &renames)
        .map_err(|e| anyhow::anyhow!("declared renames:\n  {}", e.replace('\n', "\n  ")))?;
    // The diff starts from the database as the renames leave it, read back
    // from a copy (definitions that name a renamed column change with it).
    let renamed = if rename_up.is_empty() {
        None
    } else {
        Some(crate::shadow::rehearse::after(admin_url, &live, &rename_up).await?)
    };
    let start = renamed.as_ref().unwrap_or(&live);
    let up = crate::diff::diff(start, &declared)?;
    if !allow_drop {
        let suspected = renames::suspected(start, &declared, &up);
        if !suspected.is_empty() {
            bail!(
                "the plan would lose data (what looks renamed, or a table created again):\n  {}",
                suspected.join("\n  ")
            );
        }
    }
    for (table, column) in crate::diff::online::not_null_additions(start, &up) {
        let qualified = crate::actions::ident::qualified(&table, crate::actions::DEFAULT_SCHEMA, "table")?;
        let has_rows: bool = client
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {qualified})"), &[])
            .await
            .with_context(|| format!("looking for rows in {qualified}"))?
            .get(0);
        if has_rows {
            bail!("{}", crate::diff::online::refuse_not_null(&table, &column));
        }
    }
    let down = crate::diff::diff(&declared, start)?;
    let (up, down) = (casts::apply(up, &usings, false), casts::apply(down, &usings, true));
    let (up, down) = if online {
        (
            crate::diff::online::online(start, up),
            crate::diff::online::online(&declared, down),
        )
    } else {
        (up, down)
    };
    Ok(Changes {
        up: rename_up.into_iter().chain(up).collect(),
        down: down.into_iter().chain(rename_down).collect(),
        live,
        declared,
        introspected,
        loaded,
        diffed: diffing.elapsed(),
    })
}

/// The statements of one direction of `changes` (`down`: the way back),
/// exactly as `apply` will run them: when a step's SQL reads the catalog,
/// the steps are planned and run on a throwaway copy of the schema they
/// start from (made on `admin_url`'s server), where one that would fail at
/// `apply` fails first. A type change Postgres has no cast for (a step
/// that reads the catalog) is refused naming the column, both types and
/// how to say the conversion.
pub async fn statements(admin_url: &str, changes: &Changes, down: bool) -> anyhow::Result<Vec<Vec<String>>> {
    let (from, to, steps) = if down {
        (&changes.declared, &changes.live, &changes.down)
    } else {
        (&changes.live, &changes.declared, &changes.up)
    };
    crate::shadow::rehearse::statements(admin_url, from, steps)
        .await
        .map_err(|e| {
            const CANNOT_COERCE: &str = "42846";
            let missing_cast = e
                .downcast_ref::<crate::shadow::rehearse::Failed>()
                .filter(|failed| failed.sqlstate.as_deref() == Some(CANNOT_COERCE))
                .and_then(|failed| steps.get(failed.step))
                .and_then(|step| casts::missing(step, from, to, down));
            match missing_cast {
                Some(message) => e.context(message),
                None => e,
            }
        })
}

/// `work`'s value, and how long it took.
async fn timed<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<(T, std::time::Duration)> {
    let begun = std::time::Instant::now();
    work.await.map(|value| (value, begun.elapsed()))
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

    let shadow = options.shadow_url.unwrap_or(options.url);
    let changes = changes(migrator.client(), shadow, options.schema, options.choices, progress).await?;
    if changes.up.is_empty() {
        return Ok(Generated::UpToDate);
    }
    // Steps whose SQL depends on the database there (a cast, say) are
    // planned and run on a copy first: one that would fail at `apply` (a
    // type change Postgres has no cast for) is refused now, before
    // anything is written.
    for (direction, down) in [("up", false), ("down", true)] {
        statements(shadow, &changes, down)
            .await
            .with_context(|| format!("the migration's {direction} would fail at apply, so nothing was written"))?;
    }
    let Changes { up, down, .. } = changes;

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
