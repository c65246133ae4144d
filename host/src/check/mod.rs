//! `migrate-host check`, for CI: do the declared schema, the migrations
//! and the database agree? Three comparisons, each reported in full:
//!
//! - **the database**: the live database diffed against the declared
//!   schema (what `plan` would do);
//! - **the migrations, replayed**: every migration applied, in chain order,
//!   to a scratch database made for the check (on the database's server, or
//!   `--shadow-url`'s) and dropped after it, then diffed against the
//!   declared schema: a difference means someone edited `schema.sql` and
//!   did not generate the migration (or wrote a migration that does not do
//!   what `schema.sql` says);
//! - **the migrations against the database's history**: pending, changed
//!   or missing migrations, history problems, a chain that does not hold
//!   together, and sources whose component is missing or older than the
//!   source (not built since the last edit).
//!
//! The verdict ([`Report::exit_code`]): 3 when anything about the
//! migrations is wrong, else 2 when the database differs from the declared
//! schema, else 0. When several hold, all are reported and 3 wins: the
//! migrations have to be put right before the database can be judged
//! (a pending migration is usually why the database differs).
//!
//! Read-only for the database and the files: nothing is applied to the
//! database, nothing is built.

use crate::actions::Action;
use crate::history::chain::State;
use crate::migrator::{ApplyOptions, Migrator, Status};
use crate::policy::Source;
use crate::runtime::{Limits, Runtime};
use crate::schema::Schema;
use anyhow::Context as _;
use std::path::{Path, PathBuf};

pub struct Options<'a> {
    /// The database to check; none: only the migrations are replayed.
    pub url: Option<&'a str>,
    /// The server for the scratch databases [default: `url`'s].
    pub shadow_url: Option<&'a str>,
    /// The declared schema: files or a database URL, as for `plan`.
    pub schema: &'a Path,
    pub sources: Vec<Source>,
    pub limits: Limits,
    pub cache_dir: Option<PathBuf>,
}

/// One step of a difference, as `plan --json` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Step {
    pub description: String,
    pub sql: Vec<String>,
    pub hazard: Option<crate::lint::Hazard>,
}

/// The migrations replayed into a scratch database.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Replay {
    /// What would turn the replayed database into the declared schema.
    pub steps: Vec<Step>,
    /// Why the replay did not finish (a migration failed, the chain is
    /// broken); `steps` is then empty.
    pub error: Option<String>,
}

/// A migration named in the report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Named {
    pub revision: String,
    pub message: String,
    pub source: String,
}

/// The migrations against the database's history, and their sources.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Migrations {
    /// Whether the history was read (there is a database).
    pub checked: bool,
    pub pending: Vec<Named>,
    pub changed: Vec<Named>,
    pub missing: Vec<Named>,
    /// Sources (crate directories, `.js` files) whose component is missing
    /// or does not carry the source's current digest.
    pub unbuilt: Vec<String>,
    /// The chain's and the history's problems, as `apply` reports them.
    pub problems: Vec<String>,
}

impl Migrations {
    fn is_clean(&self) -> bool {
        self.pending.is_empty()
            && self.changed.is_empty()
            && self.missing.is_empty()
            && self.unbuilt.is_empty()
            && self.problems.is_empty()
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// 0 in sync, 2 the database differs from the declared schema, 3 the
    /// migrations do not match it or the database's history.
    pub exit_code: u8,
    /// The declared schema, as given.
    pub schema: String,
    /// What would turn the database into the declared schema; none when no
    /// database was given.
    pub database: Option<Vec<Step>>,
    pub replay: Replay,
    pub migrations: Migrations,
}

impl Report {
    fn verdict(database: &Option<Vec<Step>>, replay: &Replay, migrations: &Migrations) -> u8 {
        if !replay.steps.is_empty() || replay.error.is_some() || !migrations.is_clean() {
            3
        } else if database.as_ref().is_some_and(|steps| !steps.is_empty()) {
            2
        } else {
            0
        }
    }
}

/// Runs the three comparisons at once (the declared schema is loaded once,
/// and its shadow database, the scratch database and the live one are
/// worked on together).
pub async fn check(options: Options<'_>) -> anyhow::Result<Report> {
    let Some(server) = options.shadow_url.or(options.url) else {
        anyhow::bail!(
            "check needs a database (--database-url or DATABASE_URL), or at least a server for its scratch \
             databases (--shadow-url)"
        );
    };
    let live = async {
        let Some(url) = options.url else {
            return anyhow::Ok(None);
        };
        let runtime = Runtime::new(options.limits.clone(), options.cache_dir.clone())?;
        let migrator = Migrator::connect_sources(runtime, url, options.sources.clone()).await?;
        Ok(Some(read(&migrator, true).await?))
    };
    let (expected, live) = tokio::join!(Expected::make(server, &options), live);
    expected?.report(live?)
}

/// What a database is read for: its migrations' status and its schema.
pub struct Live {
    /// The status, or the chain's problems when the migrations do not form one.
    status: Result<Status, Vec<String>>,
    /// None: the schema is not compared (a tenant's).
    schema: Option<Schema>,
}

/// Reads what `check` compares of the database `migrator` works on; its
/// schema only when `introspect`.
pub async fn read(migrator: &Migrator, introspect: bool) -> anyhow::Result<Live> {
    let status = match migrator.status().await {
        Ok(status) => Ok(status),
        Err(crate::migrator::Error::BrokenChain { error, .. }) => Err(error.problems),
        Err(e) => return Err(e.into()),
    };
    let schema = if introspect {
        Some(
            crate::schema::introspect(migrator.client())
                .await
                .context("introspecting the database")?,
        )
    } else {
        None
    };
    Ok(Live { status, schema })
}

/// What every database is checked against, made once: the declared schema,
/// the migrations replayed, and the sources not built.
pub struct Expected {
    /// The declared schema, as given.
    schema_path: String,
    declared: Schema,
    replay: Replay,
    /// The problems that kept the migrations from being replayed.
    problems: Vec<String>,
    unbuilt: Vec<String>,
}

impl Expected {
    /// Loads the declared schema and replays the migrations into scratch
    /// databases on `server`, at once.
    pub async fn make(server: &str, options: &Options<'_>) -> anyhow::Result<Self> {
        let mut unbuilt = Vec::new();
        for source in options.sources.iter().filter(|s| !s.grant.sandboxed()) {
            unbuilt.extend(
                crate::build::outdated(&source.dir)?
                    .iter()
                    .map(|p| p.display().to_string()),
            );
        }
        let (declared, replayed) =
            tokio::join!(crate::shadow::declared(server, options.schema), replay(server, options));
        let declared = declared?;
        let mut problems = Vec::new();
        let replay = match replayed? {
            Ok(schema) => Replay {
                steps: steps(&crate::diff::diff(&schema, &declared)?),
                error: None,
            },
            Err(Failed::Chain(chain)) => {
                problems = chain;
                Replay {
                    steps: Vec::new(),
                    error: Some("not replayed: the migrations do not form a single chain".into()),
                }
            }
            Err(Failed::Migration(error)) => Replay {
                steps: Vec::new(),
                error: Some(error),
            },
        };
        Ok(Expected {
            schema_path: options.schema.display().to_string(),
            declared,
            replay,
            problems,
            unbuilt,
        })
    }

    pub fn replay(&self) -> &Replay {
        &self.replay
    }

    /// The declared schema, as given.
    pub fn schema(&self) -> &str {
        &self.schema_path
    }

    /// The report on a database read as `live` (none: only the migrations
    /// were checked).
    pub fn report(&self, live: Option<Live>) -> anyhow::Result<Report> {
        let mut migrations = Migrations {
            unbuilt: self.unbuilt.clone(),
            ..Migrations::default()
        };
        let database = match live {
            None => None,
            Some(Live { status, schema }) => {
                migrations.checked = true;
                match status {
                    Ok(status) => note_status(&mut migrations, &status),
                    Err(problems) => migrations.problems.extend(problems),
                }
                match schema {
                    Some(schema) => Some(steps(&crate::diff::diff(&schema, &self.declared)?)),
                    None => None,
                }
            }
        };
        for problem in &self.problems {
            if !migrations.problems.contains(problem) {
                migrations.problems.push(problem.clone());
            }
        }
        Ok(Report {
            exit_code: Report::verdict(&database, &self.replay, &migrations),
            schema: self.schema_path.clone(),
            database,
            replay: self.replay.clone(),
            migrations,
        })
    }
}

fn note_status(migrations: &mut Migrations, status: &Status) {
    for line in &status.migrations {
        let named = Named {
            revision: line.revision.clone(),
            message: line.message.clone(),
            source: line.source.clone(),
        };
        match line.state {
            State::Applied => {}
            State::Pending => migrations.pending.push(named),
            State::Changed => migrations.changed.push(named),
            State::Missing => migrations.missing.push(named),
        }
    }
    migrations.problems.extend(status.problems.iter().cloned());
}

/// Why a replay did not produce a schema.
enum Failed {
    Chain(Vec<String>),
    Migration(String),
}

/// Applies every source's migrations to a new database on `server`,
/// introspects it and drops it (with the sandbox roles made for it),
/// whatever happened. The outer error is the check's own (the scratch
/// database could not be made); the inner one, the migrations'.
async fn replay(server: &str, options: &Options<'_>) -> anyhow::Result<Result<Schema, Failed>> {
    let admin = crate::pg::connect(server)
        .await
        .context("connecting to the server for the scratch database")?;
    let name = crate::pg::unique_name("migrate_check");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
        .await
        .context(
            "creating the scratch database to replay the migrations into (the role needs CREATEDB; or pass \
             --shadow-url for a server where it has it)",
        )?;
    let result = async {
        let runtime = Runtime::new(options.limits.clone(), options.cache_dir.clone())?;
        let url = crate::pg::with_database(server, &name);
        let migrator = Migrator::connect_sources(runtime, &url, options.sources.clone())
            .await
            .context("connecting to the scratch database")?;
        if let Err(e) = migrator.apply(&ApplyOptions::default(), &mut |_| {}).await {
            return Ok(Err(match e {
                crate::migrator::Error::BrokenChain { error, .. } => Failed::Chain(error.problems),
                e => Failed::Migration(format!("{:#}", anyhow::Error::new(e))),
            }));
        }
        let schema = crate::schema::introspect(migrator.client())
            .await
            .context("introspecting the scratch database")?;
        anyhow::Ok(Ok(schema))
    }
    .await;
    let dropped = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    // Roles are per server: those made for the scratch database go with it.
    let _ = crate::migrator::drop_roles(&admin, &name).await;
    let result = result?;
    dropped.with_context(|| format!("dropping the scratch database {name}"))?;
    Ok(result)
}

/// Each action as a step: its description, its SQL, its hazard.
fn steps(actions: &[Action]) -> Vec<Step> {
    let hazards = crate::lint::lint_each(actions);
    actions
        .iter()
        .zip(hazards)
        .map(|(action, hazard)| Step {
            description: action.describe(),
            sql: crate::actions::render(action, crate::actions::DEFAULT_SCHEMA)
                .unwrap_or_else(|e| e.to_string().lines().map(|l| format!("-- {l}")).collect()),
            hazard,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> Step {
        Step {
            description: "add-table public.t".into(),
            sql: vec![],
            hazard: None,
        }
    }

    #[test]
    fn the_migrations_win_over_the_database() {
        let clean = Migrations::default();
        let pending = Migrations {
            pending: vec![Named {
                revision: "1".into(),
                message: "m".into(),
                source: "app".into(),
            }],
            ..Migrations::default()
        };
        let unbuilt = Migrations {
            unbuilt: vec!["migrations/1_m".into()],
            ..Migrations::default()
        };
        let in_sync = Replay::default();
        let behind = Replay {
            steps: vec![step()],
            error: None,
        };
        let failed = Replay {
            steps: vec![],
            error: Some("boom".into()),
        };
        assert_eq!(Report::verdict(&Some(vec![]), &in_sync, &clean), 0);
        assert_eq!(Report::verdict(&None, &in_sync, &clean), 0);
        assert_eq!(Report::verdict(&Some(vec![step()]), &in_sync, &clean), 2);
        assert_eq!(Report::verdict(&Some(vec![]), &behind, &clean), 3);
        assert_eq!(Report::verdict(&Some(vec![step()]), &behind, &clean), 3);
        assert_eq!(Report::verdict(&Some(vec![step()]), &in_sync, &pending), 3);
        assert_eq!(Report::verdict(&None, &in_sync, &unbuilt), 3);
        assert_eq!(Report::verdict(&None, &failed, &clean), 3);
    }
}
