//! The policy of `apply`, `rollback` and `status`: which migrations run, in
//! which order, each in its own transaction with its history record, under
//! the advisory lock. Mechanism lives elsewhere: components in `runtime/`,
//! the table and the chain in `history/`, SQL in `actions/`.

use crate::history::chain::{self, Link, Reconciled, State};
use crate::history::{self, Operation, Record};
use crate::policy::Source;
use crate::runtime::session::{Mode, Session, Watch};
use crate::runtime::{Direction, RunFailure, Runtime};
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
    /// Apply even though an applied migration's component has changed
    /// (this run only: nothing is recorded; `accept` records it).
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
    /// `--force` lets this run go ahead over applied migrations that
    /// changed; it records nothing, so the next run refuses them again.
    Forced {
        revisions: &'a [String],
    },
    /// How many migrations this run is about to run, before the first
    /// starts (for a progress display).
    Planned {
        direction: Direction,
        count: usize,
    },
    Started {
        direction: Direction,
        revision: &'a str,
        message: &'a str,
    },
    /// The migration waited for a lock past its `lock_timeout`; its
    /// transaction was rolled back and it runs again after `wait`.
    Retrying {
        revision: &'a str,
        attempt: u32,
        retries: u32,
        wait: std::time::Duration,
    },
    Finished {
        direction: Direction,
        revision: &'a str,
        message: &'a str,
        millis: f64,
        statements: &'a [String],
        output: &'a str,
        /// In a dry run, what the hazard lint flags in the steps the migration took.
        hazards: &'a [crate::lint::Hazard],
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
    /// The source it comes from (`app` when there is no `migrate.toml`).
    pub source: String,
    pub revision: String,
    pub state: State,
    /// Applied, and the component is another build of the same source
    /// (same source digest, other bytes).
    pub rebuilt: bool,
    pub message: String,
    pub file: Option<String>,
    pub applied_at: Option<chrono::DateTime<Utc>>,
    pub execution_ms: Option<f64>,
    /// When a changed component was last accepted as the applied one.
    pub accepted_at: Option<chrono::DateTime<Utc>>,
    /// A squash migration's: the revisions it replaces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// Applied through the revisions it replaces (applied before the
    /// squash), not by running it here.
    pub squashed: bool,
}

/// What `accept` did for one revision.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Accepted {
    pub revision: String,
    pub message: String,
    /// False when the component already was the applied one (or another
    /// build of its source): nothing was recorded.
    pub recorded: bool,
}

/// A source and its grant, for `status`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SourceLine {
    pub name: String,
    pub dir: String,
    pub trust: crate::policy::Trust,
    /// Sandboxed only: the schemas it may change and what it may do.
    pub schemas: Vec<String>,
    pub allow: Vec<crate::policy::Capability>,
    pub role: Option<String>,
    pub statement_timeout: Option<String>,
    pub lock_timeout: Option<String>,
    pub data_dir: Option<String>,
    pub memory_mib: usize,
    pub timeout_secs: u64,
    pub max_calls: u64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Status {
    pub sources: Vec<SourceLine>,
    pub migrations: Vec<StatusLine>,
    /// Reasons the chain cannot be applied or rolled back as it is.
    pub problems: Vec<String>,
}

pub struct Migrator {
    runtime: Arc<Runtime>,
    /// The connection migrations run on.
    client: Arc<Client>,
    /// A second connection, which holds the advisory lock: a migration's own
    /// SQL (`pg_advisory_unlock_all()`, say) cannot release it.
    control: Arc<Client>,
    /// In the order they are applied; the first trusted one is the app's own.
    sources: Vec<Source>,
    /// Where to connect, for the connections that log in as a sandboxed
    /// source's role (none: sandboxed sources cannot run).
    url: Option<String>,
    /// Those connections, opened on first use, one per sandboxed source,
    /// with their server process (for the host's watch over timeouts).
    sandboxes: tokio::sync::Mutex<std::collections::HashMap<String, (Arc<Client>, i32)>>,
    /// Granted schemas this run created for a source, dropped again (when
    /// still empty) if the source's migration fails before any succeeded.
    provisioned: std::sync::Mutex<std::collections::HashMap<String, Vec<String>>>,
    /// How often a migration that timed out waiting for a lock runs again.
    lock_retries: u32,
}

/// How many times a migration that waited past its `lock_timeout` is tried
/// again, by default.
pub const LOCK_RETRIES: u32 = 3;

/// The wait before retry `attempt` (1, 2, ...): 0.5 s, doubling, at most 8 s.
fn lock_backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(500 << attempt.saturating_sub(1).min(4))
}

/// One source's migrations in chain order.
struct Chain<'a> {
    source: &'a Source,
    migrations: Vec<Migration>,
}

impl Migrator {
    /// A migrator over one trusted source (no `migrate.toml`).
    pub fn new(runtime: Runtime, client: Arc<Client>, control: Arc<Client>, dir: impl Into<PathBuf>) -> Self {
        let source = Source::trusted(dir, runtime.limits().clone());
        Self::with_sources(runtime, client, control, vec![source])
    }

    pub fn with_sources(runtime: Runtime, client: Arc<Client>, control: Arc<Client>, sources: Vec<Source>) -> Self {
        Migrator {
            runtime: Arc::new(runtime),
            client,
            control,
            sources,
            url: None,
            sandboxes: Default::default(),
            provisioned: Default::default(),
            lock_retries: LOCK_RETRIES,
        }
    }

    /// How often a migration that times out waiting for a lock is tried
    /// again (its whole transaction) before the run fails.
    pub fn with_lock_retries(mut self, retries: u32) -> Self {
        self.lock_retries = retries;
        self
    }

    /// Opens the two connections a migrator needs.
    pub async fn connect(runtime: Runtime, url: &str, dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let source = Source::trusted(dir, runtime.limits().clone());
        Self::connect_sources(runtime, url, vec![source]).await
    }

    pub async fn connect_sources(runtime: Runtime, url: &str, sources: Vec<Source>) -> anyhow::Result<Self> {
        let (client, control) = tokio::try_join!(connect(url), connect(url))?;
        let mut migrator = Migrator::with_sources(runtime, client, control, sources);
        migrator.url = Some(url.to_owned());
        Ok(migrator)
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// The app's own migrations: the first trusted source (where `generate` writes).
    pub fn dir(&self) -> &Path {
        let source = self
            .sources
            .iter()
            .find(|s| !s.grant.sandboxed())
            .unwrap_or(&self.sources[0]);
        &source.dir
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Loads every source's components and orders each chain; any problem
    /// is reported before anything runs.
    async fn load_chains(&self) -> anyhow::Result<Vec<Chain<'_>>> {
        let mut chains = Vec::new();
        let several = self.sources.len() > 1;
        for source in &self.sources {
            let context = |e: anyhow::Error| {
                if several {
                    e.context(format!("source {} ({})", source.name, source.dir.display()))
                } else {
                    e
                }
            };
            let mut migrations = source::load_with(&self.runtime, &source.dir, &source.grant.limits)
                .await
                .map_err(context)?;
            if source.grant.sandboxed() {
                // Its history rows could be taken for another source's.
                if let Some(squash) = migrations.iter().find(|m| !m.replaces().is_empty()) {
                    return Err(context(anyhow!(
                        "{} is a squash migration (it replaces {}): a sandboxed source's migrations may not stand \
                         for others, since the history does not say which source applied a revision",
                        squash.file_name(),
                        squash.replaces().join(", ")
                    )));
                }
                // Its vendor could have embedded any digest: its components
                // are identified by their bytes.
                for migration in &mut migrations {
                    migration.source_digest = None;
                    migration.bare_checksum = None;
                }
            }
            let links = links(&migrations);
            let order: Vec<String> = chain::order(&links)
                .map_err(|e| context(e.into()))?
                .iter()
                .map(|l| l.revision.clone())
                .collect();
            migrations.sort_by_key(|m| order.iter().position(|r| r == m.revision()));
            chains.push(Chain { source, migrations });
        }
        let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for chain in &chains {
            for migration in &chain.migrations {
                if let Some(other) = seen.insert(migration.revision(), &chain.source.name) {
                    bail!(
                        "revision {} is declared by both source {other} and source {}: revisions must be unique \
                         across sources",
                        migration.revision(),
                        chain.source.name
                    );
                }
            }
        }
        Ok(chains)
    }

    /// Each chain reconciled with the history: its own applied revisions,
    /// and (for the first) those that no source declares, so that they are
    /// reported as missing.
    fn reconcile_all(chains: &[Chain], applied: &[chain::Applied]) -> Vec<Reconciled> {
        let declared = |revision: &str, chain: &Chain| {
            chain
                .migrations
                .iter()
                .any(|m| m.revision() == revision || m.replaces().iter().any(|r| r == revision))
        };
        chains
            .iter()
            .enumerate()
            .map(|(i, chain)| {
                let own: Vec<chain::Applied> = applied
                    .iter()
                    .filter(|a| {
                        declared(&a.revision, chain) || (i == 0 && !chains.iter().any(|c| declared(&a.revision, c)))
                    })
                    .cloned()
                    .collect();
                reconcile(&chain.migrations, &own)
            })
            .collect()
    }

    pub async fn status(&self) -> anyhow::Result<Status> {
        let chains = self.load_chains().await?;
        let applied = history::applied(&self.client).await?;
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        for (chain, reconciled) in chains.iter().zip(Self::reconcile_all(&chains, &applied)) {
            lines.extend(status_lines(chain, &reconciled));
            problems.extend(reconciled.problems().into_iter().map(|p| {
                if chains.len() > 1 {
                    format!("source {}: {p}", chain.source.name)
                } else {
                    p
                }
            }));
        }
        let database = self.database().await?;
        Ok(Status {
            sources: self.sources.iter().map(|s| source_line(s, &database)).collect(),
            migrations: lines,
            problems,
        })
    }

    pub async fn apply(&self, options: &ApplyOptions, on_event: &mut dyn FnMut(Event)) -> anyhow::Result<Report> {
        let chains = self.load_chains().await?;
        // The chain holding --to, and its place there.
        let target = match &options.to {
            Some(to) => Some(
                chains
                    .iter()
                    .enumerate()
                    .find_map(|(c, chain)| chain.migrations.iter().position(|m| m.revision() == to).map(|i| (c, i)))
                    .ok_or_else(|| self.unknown_revision(&chains, to))?,
            ),
            None => None,
        };
        self.locked(on_event, options.dry_run, async |on_event| {
            let applied = history::applied(&self.client).await?;
            let reconciled = Self::reconcile_all(&chains, &applied);
            let mut forced = Vec::new();
            for (chain, r) in chains.iter().zip(&reconciled) {
                forced.extend(check(r, options.force).with_context(|| self.source_context(chain.source))?);
            }
            if !forced.is_empty() {
                on_event(Event::Forced { revisions: &forced });
            }
            let mut report = Report {
                head: applied.last().map(|a| a.revision.clone()),
                ..Report::default()
            };
            // Sources in order; with --to, those before its source in full.
            let mut todo = Vec::new();
            for (c, (chain, r)) in chains.iter().zip(&reconciled).enumerate() {
                let start = r.applied_prefix();
                let end = match target {
                    Some((tc, ti)) if tc == c => ti + 1,
                    Some((tc, _)) if tc < c => break,
                    _ => chain.migrations.len(),
                };
                todo.extend(chain.migrations.iter().take(end).skip(start).map(|m| (chain, m)));
            }
            let _ahead = self.prepare_ahead(todo.iter().map(|(_, m)| *m));
            on_event(Event::Planned {
                direction: Direction::Up,
                count: todo.len(),
            });
            for (chain, migration) in todo {
                self.run_one(migration, chain.source, Direction::Up, options.dry_run, &[], on_event)
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
        let chains = self.load_chains().await?;
        self.locked(on_event, options.dry_run, async |on_event| {
            let applied = history::applied(&self.client).await?;
            let reconciled = Self::reconcile_all(&chains, &applied);
            // Applied migrations newest last, across sources, as the history has them.
            let find = |revision: &str| {
                chains.iter().enumerate().find_map(|(c, chain)| {
                    chain
                        .migrations
                        .iter()
                        .position(|m| m.revision() == revision)
                        .map(|i| (c, i))
                })
            };
            // A squash migration the database has through what it replaces
            // stands where the newest of those was applied.
            let squashed = |revision: &str| {
                chains.iter().enumerate().find_map(|(c, chain)| {
                    chain
                        .migrations
                        .iter()
                        .position(|m| m.replaces().last().is_some_and(|r| r == revision))
                        .filter(|&i| reconciled[c].entries[i].squashed)
                        .map(|i| (c, i))
                })
            };
            let mut applied_order: Vec<(usize, usize)> = Vec::new();
            for position in applied
                .iter()
                .filter_map(|a| find(&a.revision).or_else(|| squashed(&a.revision)))
                .filter(|&(c, i)| i < reconciled[c].applied_prefix())
            {
                applied_order.retain(|&p| p != position);
                applied_order.push(position);
            }
            let keep = match &options.target {
                RollbackTarget::Steps(n) => applied_order.len().saturating_sub(*n),
                RollbackTarget::All => 0,
                RollbackTarget::To(to) => {
                    let (c, i) = find(to).ok_or_else(|| self.unknown_revision(&chains, to))?;
                    let position = applied_order.iter().position(|&p| p == (c, i)).ok_or_else(|| {
                        anyhow!("--to {to}: that revision is not applied, so there is nothing to roll back to")
                    })?;
                    position + 1
                }
            };
            let undo = &applied_order[keep..];
            // Only the migrations being undone must be unchanged.
            let mut forced = Vec::new();
            for (c, r) in reconciled.iter().enumerate() {
                let entries: Vec<chain::Entry> = undo
                    .iter()
                    .filter(|&&(uc, _)| uc == c)
                    .map(|&(_, i)| r.entries[i].clone())
                    .collect();
                forced.extend(
                    check_entries(r, &entries, options.force).with_context(|| self.source_context(chains[c].source))?,
                );
            }
            if !forced.is_empty() {
                on_event(Event::Forced { revisions: &forced });
            }
            let mut report = Report {
                head: applied_order
                    .last()
                    .map(|&(c, i)| chains[c].migrations[i].revision().to_owned()),
                ..Report::default()
            };
            let _ahead = self.prepare_ahead(undo.iter().rev().map(|&(c, i)| &chains[c].migrations[i]));
            on_event(Event::Planned {
                direction: Direction::Down,
                count: undo.len(),
            });
            for &(c, i) in undo.iter().rev() {
                let (chain, migration) = (&chains[c], &chains[c].migrations[i]);
                // A squash undone where it was never run: what it replaces
                // is rolled back with it, in the same transaction.
                let also: Vec<Record> = if reconciled[c].entries[i].squashed {
                    applied
                        .iter()
                        .rev()
                        .filter(|a| migration.replaces().contains(&a.revision))
                        .map(|a| Record {
                            revision: a.revision.clone(),
                            parent: a.parent.clone(),
                            message: a.message.clone(),
                            checksum: a.checksum.clone(),
                            source_digest: a.source_digest.clone(),
                            operation: Operation::Rollback,
                            applied_at: Utc::now(),
                            execution_ms: 0.0,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                self.run_one(
                    migration,
                    chain.source,
                    Direction::Down,
                    options.dry_run,
                    &also,
                    on_event,
                )
                .await?;
                report
                    .ran
                    .push((migration.revision().to_owned(), migration.message().to_owned()));
            }
            if !options.dry_run {
                report.head = keep
                    .checked_sub(1)
                    .map(|k| applied_order[k])
                    .map(|(c, i)| chains[c].migrations[i].revision().to_owned());
            }
            Ok(report)
        })
        .await
    }

    /// Records, for each of `revisions` (applied migrations whose component
    /// changed, reviewed by a person), the component's current identity as
    /// the applied one: an `accept` row each, all in one transaction, so
    /// that later runs need no `--force`. Nothing runs. Every revision is
    /// checked before anything is written; one that is not applied is an
    /// error, one that is unchanged is left as it is.
    pub async fn accept(&self, revisions: &[String]) -> anyhow::Result<Vec<Accepted>> {
        let chains = self.load_chains().await?;
        self.locked(&mut |_| {}, false, async |_| {
            let applied = history::applied(&self.client).await?;
            let reconciled = Self::reconcile_all(&chains, &applied);
            let mut accepted = Vec::new();
            let mut records = Vec::new();
            let accepted_at = Utc::now();
            for revision in revisions {
                if accepted.iter().any(|a: &Accepted| &a.revision == revision) {
                    continue;
                }
                let found = chains.iter().zip(&reconciled).find_map(|(chain, r)| {
                    let i = chain.migrations.iter().position(|m| m.revision() == revision)?;
                    Some((
                        &chain.migrations[i],
                        r.entries.iter().find(|e| e.chain_index == Some(i))?,
                    ))
                });
                let Some((migration, entry)) = found else {
                    bail!("accept {revision}: no migration in {} has that revision", self.where_());
                };
                let recorded = match entry.state {
                    State::Changed => true,
                    State::Applied => false,
                    State::Pending | State::Missing => {
                        bail!("accept {revision}: it is not applied, so there is nothing to accept (`apply` runs it)")
                    }
                };
                if recorded {
                    records.push(Record {
                        revision: revision.clone(),
                        parent: migration.parent().map(str::to_owned),
                        message: migration.message().to_owned(),
                        checksum: migration.checksum.clone(),
                        source_digest: migration.source_digest.clone(),
                        operation: Operation::Accept,
                        applied_at: accepted_at,
                        execution_ms: 0.0,
                    });
                }
                accepted.push(Accepted {
                    revision: revision.clone(),
                    message: migration.message().to_owned(),
                    recorded,
                });
            }
            if !records.is_empty() {
                let mut sql = vec!["BEGIN".to_owned()];
                for record in &records {
                    sql.push(history::record_sql(record)?);
                }
                sql.push("COMMIT".to_owned());
                if let Err(e) = self.client.batch_execute(&sql.join("; ")).await {
                    let _ = self.client.batch_execute("ROLLBACK").await;
                    return Err(e).context("recording the accepted migrations in migration_info");
                }
            }
            Ok(accepted)
        })
        .await
    }

    /// Records `revision` as applied without running it: `baseline`'s
    /// migration, which describes what the database already holds. Refused
    /// when the history has any row (the database is managed already).
    pub async fn record_baseline(&self, revision: &str) -> anyhow::Result<()> {
        let chains = self.load_chains().await?;
        let Some(migration) = chains
            .iter()
            .flat_map(|c| &c.migrations)
            .find(|m| m.revision() == revision)
        else {
            bail!(
                "baseline {revision}: no migration in {} has that revision",
                self.where_()
            );
        };
        self.locked(&mut |_| {}, false, async |_| {
            let rows = history::count(&self.client).await?;
            if rows > 0 {
                bail!(
                    "the database already has a migration history ({rows} row(s) in public.migration_info): \
                     baseline is for a database migrate-host has never managed"
                );
            }
            let record = Record {
                revision: revision.to_owned(),
                parent: migration.parent().map(str::to_owned),
                message: migration.message().to_owned(),
                checksum: migration.checksum.clone(),
                source_digest: migration.source_digest.clone(),
                operation: Operation::Apply,
                applied_at: Utc::now(),
                execution_ms: 0.0,
            };
            history::record(&self.client, &record).await
        })
        .await
    }

    /// The components about to run, compiled (or mapped from the cache) on
    /// another thread while the first ones run, so that their loading
    /// overlaps the database's work.
    fn prepare_ahead<'m>(&self, migrations: impl Iterator<Item = &'m Migration>) -> crate::runtime::PrepareAhead {
        self.runtime
            .prepare_ahead(migrations.map(|m| m.component.clone()).collect())
    }

    /// `--to REV` names no migration: said so, or which squash replaced it.
    fn unknown_revision(&self, chains: &[Chain], to: &str) -> anyhow::Error {
        let squash = chains
            .iter()
            .flat_map(|c| &c.migrations)
            .find(|m| m.replaces().iter().any(|r| r == to));
        match squash {
            Some(squash) => anyhow!(
                "--to {to}: that revision was squashed into {} ({}), which replaces it; name {} instead",
                squash.revision(),
                squash.file_name(),
                squash.revision()
            ),
            None => anyhow!("--to {to}: no migration in {} has that revision", self.where_()),
        }
    }

    /// Where migrations come from, for messages.
    fn where_(&self) -> String {
        match self.sources.as_slice() {
            [one] => one.dir.display().to_string(),
            many => format!(
                "the sources ({})",
                many.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    fn source_context(&self, source: &Source) -> String {
        if self.sources.len() > 1 {
            format!("source {} ({})", source.name, source.dir.display())
        } else {
            source.dir.display().to_string()
        }
    }

    /// Runs `body` holding the advisory lock, with the history table in place.
    async fn locked<'s, T>(
        &'s self,
        on_event: &mut dyn FnMut(Event),
        dry_run: bool,
        body: impl AsyncFnOnce(&mut dyn FnMut(Event)) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
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

    /// The connection a source's migrations run on: the migrator's own for
    /// a trusted source; for a sandboxed one, a connection that logs in as
    /// the source's role. Its session user is then that role, so nothing the
    /// migration's SQL does (`SET ROLE`, `set_config('role', ...)`, a
    /// built-in that runs SQL text) can make it anyone else.
    async fn connection(&self, source: &Source) -> anyhow::Result<(Arc<Client>, Option<i32>)> {
        if !source.grant.sandboxed() {
            return Ok((self.client.clone(), None));
        }
        let mut sandboxes = self.sandboxes.lock().await;
        if let Some((client, pid)) = sandboxes.get(&source.name) {
            return Ok((client.clone(), Some(*pid)));
        }
        let url = self
            .url
            .as_deref()
            .context("a sandboxed source needs the migrator to know its connection string")?;
        let role = source.grant.role(&source.name, &self.database().await?);
        let existing: Vec<String> = self
            .client
            .query(
                "SELECT nspname::text FROM pg_namespace WHERE nspname = ANY($1)",
                &[&source.grant.schemas],
            )
            .await
            .context("reading the granted schemas")?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let missing = source
            .grant
            .schemas
            .iter()
            .filter(|s| !existing.contains(s))
            .cloned()
            .collect();
        self.provisioned.lock().unwrap().insert(source.name.clone(), missing);
        // A fresh password on every run: nobody else needs to know it.
        let password = hex::encode(rand::random::<[u8; 24]>());
        for statement in sandbox_sql(&role, &password, &source.grant.schemas) {
            self.client.batch_execute(&statement).await.map_err(|e| {
                let message = e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned());
                anyhow!(
                    "preparing source {}'s sandbox failed: {message}\n  SQL: {}\n  (the connecting role needs \
                     CREATEROLE, or create the role and the schemas beforehand)",
                    source.name,
                    statement.replace(&password, "***")
                )
            })?;
        }
        let mut target = crate::pg::Target::parse(url)?;
        target.config.user(&role).password(password.as_bytes());
        let client = target.connect().await.with_context(|| {
            format!(
                "logging in as {role} for source {} (the server's pg_hba.conf must let that role connect with a \
                 password)",
                source.name
            )
        })?;
        let pid: i32 = client
            .query_one("SELECT pg_catalog.pg_backend_pid()", &[])
            .await
            .with_context(|| format!("reading the server process of source {}'s connection", source.name))?
            .get(0);
        sandboxes.insert(source.name.clone(), (client.clone(), pid));
        Ok((client, Some(pid)))
    }

    /// The name of the database the migrator works on.
    async fn database(&self) -> anyhow::Result<String> {
        Ok(self
            .client
            .query_one("SELECT current_database()::text", &[])
            .await
            .context("reading the database's name")?
            .get(0))
    }

    /// The source's settings for the migration's transaction: its timeouts,
    /// and for a sandboxed source a search path of only `pg_catalog` and its
    /// own schemas, so that no unqualified name (a function called by
    /// attribute notation, `t.audit`, or an operator) resolves to the app's.
    fn timeouts(source: &Source) -> Vec<String> {
        let grant = &source.grant;
        let mut settings: Vec<String> = [
            ("statement_timeout", grant.statement_timeout),
            ("lock_timeout", grant.lock_timeout),
        ]
        .into_iter()
        .filter_map(|(setting, value)| value.map(|v| format!("SET LOCAL {setting} = {}", v.as_millis().max(1))))
        .collect();
        if grant.sandboxed() {
            let mut path = vec!["pg_catalog".to_owned()];
            path.extend(grant.schemas.iter().map(|s| crate::actions::ident::quote(s)));
            settings.push(format!("SET LOCAL search_path = {}", path.join(", ")));
        }
        settings
    }

    /// [`Self::run_once`], again (after a growing wait) while it fails
    /// waiting for a lock: each try is its own transaction, rolled back whole.
    async fn run_one(
        &self,
        migration: &Migration,
        source: &Source,
        direction: Direction,
        dry_run: bool,
        also: &[Record],
        on_event: &mut dyn FnMut(Event),
    ) -> anyhow::Result<()> {
        let mut attempt = 0;
        loop {
            let result = self
                .run_once(migration, source, direction, dry_run, also, on_event)
                .await;
            let locked = result.as_ref().err().is_some_and(|e| {
                e.chain().any(|cause| {
                    cause
                        .downcast_ref::<RunFailure>()
                        .is_some_and(RunFailure::is_lock_timeout)
                })
            });
            match result {
                Err(_) if locked && !dry_run && attempt < self.lock_retries => {
                    attempt += 1;
                    let wait = lock_backoff(attempt);
                    on_event(Event::Retrying {
                        revision: migration.revision(),
                        attempt,
                        retries: self.lock_retries,
                        wait,
                    });
                    // A sandboxed source's schemas may have been dropped with
                    // the failed try: the next one provisions them again.
                    self.sandboxes.lock().await.remove(&source.name);
                    tokio::time::sleep(wait).await;
                }
                Err(error) if locked && attempt > 0 => {
                    return Err(error.context(format!(
                        "{} still waited for a lock past its lock_timeout after {attempt} retries; find what holds \
                         the lock (pg_locks, pg_stat_activity), or raise --lock-timeout / --lock-retries",
                        migration.revision()
                    )));
                }
                other => return other,
            }
        }
    }

    /// One migration in one transaction, with its history record (and the
    /// records `also`, after it). A dry run opens no transaction and records
    /// nothing.
    async fn run_once(
        &self,
        migration: &Migration,
        source: &Source,
        direction: Direction,
        dry_run: bool,
        also: &[Record],
        on_event: &mut dyn FnMut(Event),
    ) -> anyhow::Result<()> {
        let (revision, message) = (migration.revision(), migration.message());
        let what = || {
            let verb = if direction == Direction::Up {
                "applying"
            } else {
                "rolling back"
            };
            let from = if self.sources.len() > 1 {
                format!(" from source {}", source.name)
            } else {
                String::new()
            };
            format!("{verb} {revision} ({message}, {}{from})", migration.file_name())
        };
        on_event(Event::Started {
            direction,
            revision,
            message,
        });
        let started = Instant::now();
        let applied_at = Utc::now();
        let (client, pid) = if dry_run {
            (self.client.clone(), None)
        } else {
            self.connection(source).await.with_context(what)?
        };
        let mut session = Session::new(client.clone(), if dry_run { Mode::DryRun } else { Mode::Live });
        let timeouts = source.grant.statement_timeout.is_some() || source.grant.lock_timeout.is_some();
        if let Some(pid) = pid.filter(|_| timeouts) {
            session = session.watched(Watch {
                statement_timeout: source.grant.statement_timeout,
                lock_timeout: source.grant.lock_timeout,
                observer: self.control.clone(),
                pid,
            });
        }
        if !dry_run {
            let mut begin = vec!["BEGIN".to_owned()];
            begin.extend(Self::timeouts(source));
            // A trusted migration's transaction opens with its first
            // statement (one round trip fewer); a sandboxed one's at once,
            // to count the history rows inside it.
            if source.grant.sandboxed() {
                client.batch_execute(&begin.join("; ")).await.with_context(what)?;
            } else {
                session = session.opening(begin.join("; ")).pipelined();
            }
        }
        let result = async {
            // A sandboxed migration may insert into the history (so that its
            // record commits with it) but must not forge rows of its own.
            let history_rows = if source.grant.sandboxed() && !dry_run {
                Some(history::count(&client).await?)
            } else {
                None
            };
            let outcome = self
                .runtime
                .run_granted(&migration.component, direction, session, &source.grant)
                .await?;
            // Whatever path stored code in the source's schemas, it is
            // judged by what the catalog now holds, before anything commits.
            if source.grant.sandboxed() && !dry_run {
                crate::policy::stored::check(&client, &source.grant).await?;
            }
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
                    source_digest: migration.source_digest.clone(),
                    operation,
                    applied_at,
                    execution_ms: millis,
                };
                // The opening, if the migration ran no statement to carry it.
                let mut finish = match &outcome.unsent_opening {
                    Some(opening) => format!("{opening}; "),
                    None => String::new(),
                };
                let records = std::iter::once(&record).chain(also);
                match history_rows {
                    // The records, checked to be the only rows the migration added.
                    Some(before) => {
                        for record in records {
                            history::record(&client, record).await?;
                        }
                        if history::count(&client).await? != before + 1 + also.len() as i64 {
                            bail!("the migration wrote to migration_info itself: refused");
                        }
                    }
                    None => {
                        for record in records {
                            finish.push_str(&format!("{}; ", history::record_sql(record)?));
                        }
                    }
                }
                // Recorded and committed, then whatever session state the
                // migration set (a setting, a role, temporary tables, advisory
                // locks) is cleared so that it cannot reach the next one: one
                // round trip for all of it.
                client
                    .batch_execute(&format!("{finish}COMMIT; {RESET_SESSION}"))
                    .await
                    .with_context(|| format!("recording {revision} in migration_info and committing"))?;
            }
            anyhow::Ok((outcome, millis))
        }
        .await;
        let (outcome, millis) = match result {
            Ok(done) => {
                if !dry_run {
                    self.provisioned.lock().unwrap().remove(&source.name);
                }
                done
            }
            // Nothing of the migration, nor its record, survives.
            Err(error) if !dry_run => {
                // A connection the host had to end (a sandboxed statement
                // that caught its cancel) took its transaction with it.
                let rolled_back = client.batch_execute(&format!("ROLLBACK; {RESET_SESSION}")).await;
                let error = match rolled_back {
                    Err(_) if client.is_closed() => {
                        self.sandboxes.lock().await.remove(&source.name);
                        error
                    }
                    Err(rollback) => error.context(format!("and rolling the transaction back failed too: {rollback}")),
                    Ok(()) => error,
                };
                // Nor the empty schemas provisioned for a source that never got going.
                let provisioned = self
                    .provisioned
                    .lock()
                    .unwrap()
                    .remove(&source.name)
                    .unwrap_or_default();
                for schema in provisioned {
                    let _ = self
                        .client
                        .batch_execute(&format!(
                            "DROP SCHEMA IF EXISTS {}",
                            crate::actions::ident::quote(&schema)
                        ))
                        .await;
                }
                return Err(error).with_context(what);
            }
            Err(error) => return Err(error).with_context(what),
        };
        let (statements, output) = (&outcome.statements, &outcome.output);
        let hazards = crate::lint::lint(&outcome.actions); // empty unless a dry run
        on_event(Event::Finished {
            direction,
            revision,
            message,
            millis,
            statements,
            output,
            hazards: &hazards,
        });
        Ok(())
    }
}

/// Clears what a migration may have set on the session.
/// (The host's own advisory lock is on the control connection, so
/// unlocking everything here only releases what a migration took.)
const RESET_SESSION: &str =
    "RESET ALL; RESET ROLE; RESET SESSION AUTHORIZATION; DISCARD TEMP; SELECT pg_advisory_unlock_all()";

pub use crate::pg::connect;

fn links(migrations: &[Migration]) -> Vec<Link> {
    migrations
        .iter()
        .map(|m| Link {
            revision: m.revision().to_owned(),
            parent: m.parent().map(str::to_owned),
            checksum: m.checksum.clone(),
            source_digest: m.source_digest.clone(),
            bare_checksum: m.bare_checksum.clone(),
            origin: m.file_name(),
            replaces: m.replaces().to_vec(),
        })
        .collect()
}

fn reconcile(migrations: &[Migration], applied: &[chain::Applied]) -> Reconciled {
    let links = links(migrations);
    let refs: Vec<&Link> = links.iter().collect();
    chain::reconcile(&refs, applied)
}

fn check(reconciled: &Reconciled, force: bool) -> anyhow::Result<Vec<String>> {
    check_entries(reconciled, &reconciled.entries, force)
}

/// Refuses to move a chain with problems, or over changed migrations unless
/// forced; returns the changed ones that `force` lets through.
fn check_entries(reconciled: &Reconciled, entries: &[chain::Entry], force: bool) -> anyhow::Result<Vec<String>> {
    let problems = reconciled.problems();
    if !problems.is_empty() {
        bail!(
            "the database's history does not match the migrations:\n  {}",
            problems.join("\n  ")
        );
    }
    let changed: Vec<String> = entries
        .iter()
        .filter(|e| e.state == State::Changed)
        .map(|e| e.revision.clone())
        .collect();
    if !changed.is_empty() && !force {
        let list = changed.join(", ");
        bail!(
            "applied migration(s) {list} changed since they were applied (neither the component applied nor \
             built from the same source); restore the applied version, or review the change and run \
             `migrate-host accept {}` to record it, or pass --force to go ahead this once",
            changed.join(" ")
        );
    }
    Ok(changed)
}

/// The statements that make a sandboxed source's role ready, run (and
/// committed) on the host's own connection before the source's first
/// migration: the role exists and may log in with this run's password (no
/// other rights, no memberships), each granted schema exists and the role
/// may use and create in it (and read and write what is there), and of the
/// history it may only read and insert (the host checks that it inserted
/// nothing but its own record).
fn sandbox_sql(role: &str, password: &str, schemas: &[String]) -> Vec<String> {
    let quote = crate::actions::ident::quote;
    let r = quote(role);
    let literal = role.replace('\'', "''");
    // Roles are per server: another database's run may be creating the same
    // one right now, hence the exception handler as well as the check.
    let mut sql = vec![
        format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{literal}') THEN \
             CREATE ROLE {r} NOLOGIN NOINHERIT; END IF; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ),
        format!(
            "ALTER ROLE {r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{password}'"
        ),
        // The host needs to act on what the role owns (roll back, drop).
        format!(
            "DO $$ BEGIN IF NOT pg_has_role(current_user, '{literal}', 'MEMBER') THEN GRANT {r} TO current_user; END IF; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ),
    ];
    for schema in schemas {
        let s = quote(schema);
        sql.push(format!("CREATE SCHEMA IF NOT EXISTS {s} AUTHORIZATION {r}"));
        sql.push(format!("GRANT USAGE, CREATE ON SCHEMA {s} TO {r}"));
        sql.push(format!("GRANT ALL ON ALL TABLES IN SCHEMA {s} TO {r}"));
        sql.push(format!("GRANT ALL ON ALL SEQUENCES IN SCHEMA {s} TO {r}"));
    }
    sql.push(format!("REVOKE ALL ON public.migration_info FROM {r}"));
    sql.push(format!("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {r}"));
    if schemas.iter().any(|s| s == "public") {
        // Granted back, except the history's own sequence.
        sql.push(format!("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {r}"));
        sql.push(format!("REVOKE ALL ON SEQUENCE public.migration_info_id_seq FROM {r}"));
    }
    sql.push(format!("GRANT SELECT, INSERT ON public.migration_info TO {r}"));
    sql
}

fn source_line(source: &Source, database: &str) -> SourceLine {
    let grant = &source.grant;
    let duration = |d: Option<std::time::Duration>| d.map(|d| humantime::format_duration(d).to_string());
    SourceLine {
        name: source.name.clone(),
        dir: source.dir.display().to_string(),
        trust: grant.trust,
        schemas: grant.schemas.clone(),
        allow: grant.capabilities.clone(),
        role: grant.sandboxed().then(|| grant.role(&source.name, database)),
        statement_timeout: duration(grant.statement_timeout),
        lock_timeout: duration(grant.lock_timeout),
        data_dir: grant.data_dir.as_ref().map(|d| d.display().to_string()),
        memory_mib: grant.limits.memory_bytes >> 20,
        timeout_secs: grant.limits.timeout.as_secs(),
        max_calls: grant.limits.max_calls,
    }
}

fn status_lines(chain: &Chain, reconciled: &Reconciled) -> Vec<StatusLine> {
    reconciled
        .entries
        .iter()
        .map(|e| {
            let m = e.chain_index.map(|i| &chain.migrations[i]);
            StatusLine {
                source: chain.source.name.clone(),
                revision: e.revision.clone(),
                state: e.state,
                rebuilt: e.rebuilt,
                message: m.map_or_else(
                    || e.applied.as_ref().map(|a| a.message.clone()).unwrap_or_default(),
                    |m| m.message().to_owned(),
                ),
                file: m.map(Migration::file_name),
                applied_at: e.applied.as_ref().map(|a| a.applied_at),
                execution_ms: e.applied.as_ref().map(|a| a.execution_ms),
                accepted_at: e.applied.as_ref().and_then(|a| a.accepted_at),
                replaces: m.map(|m| m.replaces().to_vec()).unwrap_or_default(),
                squashed: e.squashed,
            }
        })
        .collect()
}
