//! The policy of `apply`, `rollback` and `status`: which migrations run, in
//! which order, each in its own transaction with its history record, under
//! the advisory lock. Mechanism lives elsewhere: components in `runtime/`,
//! the table and the chain in `history/`, SQL in `actions/`.

use crate::history::chain::{self, Link, Reconciled, State};
use crate::history::{self, Operation, Record};
use crate::runtime::session::{Mode, Session};
use crate::runtime::{Direction, Runtime};
use crate::source::{self, Migration};
use anyhow::{Context as _, anyhow, bail};
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tokio_postgres::Client;

/// Which revision `apply` stops at.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Stop after this revision; none: apply everything.
    pub to: Option<String>,
    pub dry_run: bool,
    /// Apply even though an applied migration's component has changed.
    pub force: bool,
}

/// How far `rollback` goes.
#[derive(Clone, Debug)]
pub enum RollbackTarget {
    /// Undo this many migrations, newest first.
    Steps(usize),
    /// Undo until this revision is the newest applied one.
    To(String),
    /// Undo everything.
    All,
}

#[derive(Clone, Debug)]
pub struct RollbackOptions {
    pub target: RollbackTarget,
    pub dry_run: bool,
    pub force: bool,
}

/// Something that happened, for progress output.
#[derive(Debug)]
pub enum Event<'a> {
    WaitingForLock,
    Started {
        direction: Direction,
        revision: &'a str,
        message: &'a str,
    },
    Finished {
        direction: Direction,
        revision: &'a str,
        message: &'a str,
        millis: f64,
        statements: &'a [String],
        output: &'a str,
    },
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Report {
    /// (revision, message) of each migration run, in order.
    pub ran: Vec<(String, String)>,
    /// The newest applied revision afterwards (before, in a dry run).
    pub head: Option<String>,
}

/// One line of `status`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StatusLine {
    pub revision: String,
    pub state: State,
    pub message: String,
    pub file: Option<String>,
    pub applied_at: Option<chrono::DateTime<Utc>>,
    pub execution_ms: Option<f64>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Status {
    pub migrations: Vec<StatusLine>,
    /// Reasons the chain cannot be applied or rolled back as it is.
    pub problems: Vec<String>,
}

pub struct Migrator {
    runtime: Runtime,
    /// The connection migrations run on.
    client: Arc<Client>,
    /// A second connection, which holds the advisory lock: a migration's own
    /// SQL (`pg_advisory_unlock_all()`, say) cannot release it.
    control: Arc<Client>,
    dir: PathBuf,
}

impl Migrator {
    pub fn new(runtime: Runtime, client: Arc<Client>, control: Arc<Client>, dir: impl Into<PathBuf>) -> Self {
        Migrator {
            runtime,
            client,
            control,
            dir: dir.into(),
        }
    }

    /// Opens the two connections a migrator needs.
    pub async fn connect(runtime: Runtime, url: &str, dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let client = connect(url).await?;
        let control = connect(url).await?;
        Ok(Migrator::new(runtime, client, control, dir))
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads every component and orders the chain; any problem is reported
    /// before anything runs.
    async fn load_chain(&self) -> anyhow::Result<Vec<Migration>> {
        let mut migrations = source::load(&self.runtime, &self.dir).await?;
        let links = links(&migrations);
        let order: Vec<String> = chain::order(&links)?.iter().map(|l| l.revision.clone()).collect();
        migrations.sort_by_key(|m| order.iter().position(|r| r == m.revision()));
        Ok(migrations)
    }

    pub async fn status(&self) -> anyhow::Result<Status> {
        let migrations = self.load_chain().await?;
        let applied = history::applied(&self.client).await?;
        let reconciled = reconcile(&migrations, &applied);
        let migrations = reconciled
            .entries
            .iter()
            .map(|e| {
                let m = e.chain_index.map(|i| &migrations[i]);
                StatusLine {
                    revision: e.revision.clone(),
                    state: e.state,
                    message: m.map_or_else(
                        || e.applied.as_ref().map(|a| a.message.clone()).unwrap_or_default(),
                        |m| m.message().to_owned(),
                    ),
                    file: m.map(Migration::file_name),
                    applied_at: e.applied.as_ref().map(|a| a.applied_at),
                    execution_ms: e.applied.as_ref().map(|a| a.execution_ms),
                }
            })
            .collect();
        Ok(Status {
            migrations,
            problems: reconciled.problems(),
        })
    }

    pub async fn apply(&self, options: &ApplyOptions, on_event: &mut dyn FnMut(Event)) -> anyhow::Result<Report> {
        let migrations = self.load_chain().await?;
        if let Some(to) = &options.to
            && !migrations.iter().any(|m| m.revision() == to)
        {
            bail!("--to {to}: no migration in {} has that revision", self.dir.display());
        }
        self.locked(on_event, options.dry_run, async |on_event| {
            let applied = history::applied(&self.client).await?;
            let reconciled = reconcile(&migrations, &applied);
            check(&reconciled, options.force)?;
            let start = reconciled.applied_prefix();
            let end = match &options.to {
                Some(to) => {
                    migrations
                        .iter()
                        .position(|m| m.revision() == to)
                        .expect("checked above")
                        + 1
                }
                None => migrations.len(),
            };
            let mut report = Report {
                head: start.checked_sub(1).map(|i| migrations[i].revision().to_owned()),
                ..Report::default()
            };
            for migration in migrations.iter().take(end).skip(start) {
                self.run_one(migration, Direction::Up, options.dry_run, on_event)
                    .await?;
                report
                    .ran
                    .push((migration.revision().to_owned(), migration.message().to_owned()));
                if !options.dry_run {
                    report.head = Some(migration.revision().to_owned());
                }
            }
            Ok(report)
        })
        .await
    }

    pub async fn rollback(&self, options: &RollbackOptions, on_event: &mut dyn FnMut(Event)) -> anyhow::Result<Report> {
        let migrations = self.load_chain().await?;
        self.locked(on_event, options.dry_run, async |on_event| {
            let applied = history::applied(&self.client).await?;
            let reconciled = reconcile(&migrations, &applied);
            let applied_count = reconciled.applied_prefix();
            let keep = match &options.target {
                RollbackTarget::Steps(n) => applied_count.saturating_sub(*n),
                RollbackTarget::All => 0,
                RollbackTarget::To(to) => {
                    let index = migrations.iter().position(|m| m.revision() == to).ok_or_else(|| {
                        anyhow!("--to {to}: no migration in {} has that revision", self.dir.display())
                    })?;
                    if index >= applied_count {
                        bail!("--to {to}: that revision is not applied, so there is nothing to roll back to");
                    }
                    index + 1
                }
            };
            // Only the migrations being undone must be unchanged.
            let undo = &reconciled.entries[keep..applied_count];
            check_entries(&reconciled, undo, options.force)?;
            let mut report = Report {
                head: applied_count
                    .checked_sub(1)
                    .map(|i| migrations[i].revision().to_owned()),
                ..Report::default()
            };
            for index in (keep..applied_count).rev() {
                let migration = &migrations[index];
                self.run_one(migration, Direction::Down, options.dry_run, on_event)
                    .await?;
                report
                    .ran
                    .push((migration.revision().to_owned(), migration.message().to_owned()));
                if !options.dry_run {
                    report.head = migration.parent().map(str::to_owned);
                }
            }
            Ok(report)
        })
        .await
    }

    /// Runs `body` holding the advisory lock, with the history table in place.
    async fn locked<'s>(
        &'s self,
        on_event: &mut dyn FnMut(Event),
        dry_run: bool,
        body: impl AsyncFnOnce(&mut dyn FnMut(Event)) -> anyhow::Result<Report>,
    ) -> anyhow::Result<Report> {
        if history::lock(&self.control).await? {
            on_event(Event::WaitingForLock);
        }
        let result = async {
            if !dry_run {
                history::ensure_table(&self.client).await?;
            }
            body(on_event).await
        }
        .await;
        let unlocked = history::unlock(&self.control).await;
        let report = result?;
        unlocked?;
        Ok(report)
    }

    /// One migration in one transaction, with its history record. A dry run
    /// opens no transaction and records nothing.
    async fn run_one(
        &self,
        migration: &Migration,
        direction: Direction,
        dry_run: bool,
        on_event: &mut dyn FnMut(Event),
    ) -> anyhow::Result<()> {
        let (revision, message) = (migration.revision(), migration.message());
        let what = || {
            let verb = if direction == Direction::Up {
                "applying"
            } else {
                "rolling back"
            };
            format!("{verb} {revision} ({message}, {})", migration.file_name())
        };
        on_event(Event::Started {
            direction,
            revision,
            message,
        });
        let started = Instant::now();
        let applied_at = Utc::now();
        if !dry_run {
            self.client.batch_execute("BEGIN").await.with_context(what)?;
        }
        let result = async {
            let mode = if dry_run { Mode::DryRun } else { Mode::Live };
            let session = Session::new(self.client.clone(), mode);
            let outcome = self.runtime.run(&migration.component, direction, session).await?;
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            if !dry_run {
                let operation = if direction == Direction::Up {
                    Operation::Apply
                } else {
                    Operation::Rollback
                };
                let record = Record {
                    revision: revision.to_owned(),
                    parent: migration.parent().map(str::to_owned),
                    message: message.to_owned(),
                    checksum: migration.checksum.clone(),
                    operation,
                    applied_at,
                    execution_ms: millis,
                };
                history::record(&self.client, &record).await?;
                self.client.batch_execute("COMMIT").await.context("committing")?;
            }
            anyhow::Ok((outcome, millis))
        }
        .await;
        if !dry_run {
            // Whatever session state the migration set (SET via set_config,
            // a role, temporary tables) must not reach the next one.
            let reset = self
                .client
                .batch_execute("RESET ALL; RESET ROLE; RESET SESSION AUTHORIZATION; DISCARD TEMP")
                .await;
            if let (Ok(_), Err(e)) = (&result, reset) {
                return Err(anyhow::Error::from(e).context("resetting the session after the migration"))
                    .with_context(what);
            }
        }
        let (outcome, millis) = match result {
            Ok(done) => done,
            // Nothing of the migration, nor its record, survives.
            Err(error) if !dry_run => {
                if let Err(rollback) = self.client.batch_execute("ROLLBACK").await {
                    let error = error.context(format!("and rolling the transaction back failed too: {rollback}"));
                    return Err(error).with_context(what);
                }
                return Err(error).with_context(what);
            }
            Err(error) => return Err(error).with_context(what),
        };
        let (statements, output) = (&outcome.statements, &outcome.output);
        on_event(Event::Finished {
            direction,
            revision,
            message,
            millis,
            statements,
            output,
        });
        Ok(())
    }
}

/// Connects and drives the connection on the current runtime. (No TLS yet.)
pub async fn connect(url: &str) -> anyhow::Result<Arc<Client>> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .context("connecting to Postgres")?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Arc::new(client))
}

fn links(migrations: &[Migration]) -> Vec<Link> {
    migrations
        .iter()
        .map(|m| Link {
            revision: m.revision().to_owned(),
            parent: m.parent().map(str::to_owned),
            checksum: m.checksum.clone(),
            origin: m.file_name(),
        })
        .collect()
}

fn reconcile(migrations: &[Migration], applied: &[chain::Applied]) -> Reconciled {
    let links = links(migrations);
    let refs: Vec<&Link> = links.iter().collect();
    chain::reconcile(&refs, applied)
}

fn check(reconciled: &Reconciled, force: bool) -> anyhow::Result<()> {
    check_entries(reconciled, &reconciled.entries, force)
}

/// Refuses to move a chain with problems, or over changed migrations unless forced.
fn check_entries(reconciled: &Reconciled, entries: &[chain::Entry], force: bool) -> anyhow::Result<()> {
    let problems = reconciled.problems();
    if !problems.is_empty() {
        bail!(
            "the database's history does not match the migrations:\n  {}",
            problems.join("\n  ")
        );
    }
    let changed: Vec<&str> = entries
        .iter()
        .filter(|e| e.state == State::Changed)
        .map(|e| e.revision.as_str())
        .collect();
    if !changed.is_empty() && !force {
        bail!(
            "applied migration(s) {} changed since they were applied (their component's checksum differs); \
             restore the applied version, or pass --force to go ahead anyway",
            changed.join(", ")
        );
    }
    Ok(())
}
