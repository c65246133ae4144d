//! `apply`, `rollback`, `accept`, `status` and `baseline`'s record: the
//! migrator loads each source's chain, reads the history under the advisory
//! lock, plans what to move (`plan`, pure), and runs each migration through
//! the transaction protocol (`transaction`), as a sandboxed source's role
//! where one is (`sandbox`). Components run in `runtime/`; the history table
//! and the chain's rules are `history/`'s.
//!
//! A migrator works on one database's history, or on one tenant's
//! ([`Migrator::for_tenant`]: the history in the tenant's schema, and every
//! migration's statements with that schema for their unqualified names).
//! Several migrators may share one runtime and the migrations loaded once
//! ([`load`], [`Migrator::sharing`]): a fleet's targets do.

mod error;
mod plan;
mod sandbox;
mod status;
mod transaction;

pub use error::{Cause, Error};
pub use sandbox::{drop_roles, role_name};
pub use status::{SourceLine, Status, StatusLine};
pub use transaction::LOCK_RETRIES;

use crate::history::chain::{self, Link};
use crate::history::{self, Operation, Place, Record};
use crate::policy::Source;
use crate::runtime::{Direction, Runtime};
use crate::source::{self, Migration};
use anyhow::{anyhow, bail};
use chrono::Utc;
use plan::{ChainLinks, Ledger, Position};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_postgres::Client;
use transaction::Step;

use crate::history::steps::{self as steps_table, UnderWay};
pub use crate::runtime::session::Interrupted;

/// Which revision `apply` stops at.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Stop after this revision; none: apply everything.
    pub to: Option<String>,
    pub dry_run: bool,
    /// Apply even though an applied migration's component has changed
    /// (this run only: nothing is recorded; `accept` records it).
    pub force: bool,
    /// What to do with an `execute-outside-transaction` step an earlier
    /// run left running (`--interrupted`).
    pub interrupted: Option<Interrupted>,
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
    pub interrupted: Option<Interrupted>,
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
        /// In a dry run, the lint of the steps the migration took.
        lint: &'a crate::lint::Report,
    },
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The newest applied revision before the run.
    pub before: Option<String>,
    /// (revision, message) of each migration run, in order.
    pub ran: Vec<(String, String)>,
    /// The newest applied revision afterwards (before, in a dry run).
    pub head: Option<String>,
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
    /// The connections as sandboxed sources' roles, and what was
    /// provisioned for them.
    sandboxes: sandbox::Sandboxes,
    /// How often a migration that timed out waiting for a lock runs again.
    lock_retries: u32,
    /// The history worked on: the database's, or a tenant's.
    place: Place,
    /// The sources' migrations, when loaded once for several migrators;
    /// none: each run loads them afresh (a test may add components between
    /// runs of one migrator).
    loaded: Option<Arc<Loaded>>,
}

/// Every source's migrations, loaded, checked and in chain order: what the
/// migrators of a fleet share, so that the components are read, hashed and
/// compiled once for all of its targets.
pub struct Loaded {
    /// One list per source, in the sources' order.
    chains: Vec<Vec<Migration>>,
}

impl Loaded {
    /// Every revision, sources in order, each chain in order: the last is
    /// the newest.
    pub fn revisions(&self) -> Vec<String> {
        self.chains.iter().flatten().map(|m| m.revision().to_owned()).collect()
    }
}

/// Whether the sources can run on a tenant's schema: trusted ones only. A
/// sandboxed source's grant names the schemas it may change (not the
/// tenant's), and its role and history rows are per database.
pub fn tenants_allowed(sources: &[Source]) -> anyhow::Result<()> {
    match sources.iter().find(|s| s.grant.sandboxed()) {
        Some(source) => bail!(
            "source {} is sandboxed: a schema-per-tenant target runs trusted sources only (a sandboxed source's \
             grant names the schemas it may change, which would not be the tenant's); apply it to database targets \
             instead",
            source.name
        ),
        None => Ok(()),
    }
}

/// Loads every source's components and orders each chain; any problem is
/// reported before anything runs.
pub async fn load(runtime: &Runtime, sources: &[Source]) -> Result<Loaded, Error> {
    let several = sources.len() > 1;
    let mut chains: Vec<Vec<Migration>> = Vec::new();
    for source in sources {
        let context = |e: anyhow::Error| {
            if several {
                e.context(format!("source {} ({})", source.name, source.dir.display()))
            } else {
                e
            }
        };
        let mut migrations = source::load_with(runtime, &source.dir, &source.grant.limits)
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
                ))
                .into());
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
            .map_err(|error| Error::BrokenChain {
                at: several.then(|| format!("source {} ({})", source.name, source.dir.display())),
                error,
            })?
            .iter()
            .map(|l| l.revision.clone())
            .collect();
        migrations.sort_by_key(|m| order.iter().position(|r| r == m.revision()));
        chains.push(migrations);
    }
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (source, migrations) in sources.iter().zip(&chains) {
        for migration in migrations {
            if let Some(other) = seen.insert(migration.revision(), &source.name) {
                return Err(anyhow!(
                    "revision {} is declared by both source {other} and source {}: revisions must be unique \
                     across sources",
                    migration.revision(),
                    source.name
                )
                .into());
            }
        }
    }
    Ok(Loaded { chains })
}

/// A run may not start while a migration is under way in the other
/// direction.
fn check_direction(under_way: &[UnderWay], direction: Direction) -> Result<(), Error> {
    match under_way.iter().find(|u| u.direction != direction) {
        Some(u) => Err(anyhow!(
            "{} (recorded in migration_steps): run `migrate-host {}` to finish it before a {}",
            u.describe(),
            u.direction.command(),
            direction.command()
        )
        .into()),
        None => Ok(()),
    }
}

/// A run must take up first the migration under way in its direction.
fn check_first(under_way: &[UnderWay], planned: &[&str]) -> Result<(), Error> {
    match under_way.iter().find(|u| planned.first() != Some(&u.revision.as_str())) {
        Some(u) => {
            let this = u.direction.command();
            Err(anyhow!(
                "{} (recorded in migration_steps), and this {this} would not run it first: run `migrate-host {this}` \
                 without a target that stops before it",
                u.describe()
            )
            .into())
        }
        None => Ok(()),
    }
}

/// What `under_way` recorded of `revision`'s steps in `direction`.
fn recorded<'a>(under_way: &'a [UnderWay], revision: &str, direction: Direction) -> &'a [steps_table::StepRow] {
    under_way
        .iter()
        .find(|u| u.revision == revision && u.direction == direction)
        .map_or(&[], |u| u.steps.as_slice())
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

    pub fn with_sources(
        runtime: impl Into<Arc<Runtime>>,
        client: Arc<Client>,
        control: Arc<Client>,
        sources: Vec<Source>,
    ) -> Self {
        Migrator {
            runtime: runtime.into(),
            client,
            control,
            sources,
            url: None,
            sandboxes: Default::default(),
            lock_retries: LOCK_RETRIES,
            place: Place::default(),
            loaded: None,
        }
    }

    /// Runs the migrations `loaded` holds, loaded once from this
    /// migrator's sources (by [`load`]), instead of loading them itself.
    pub fn sharing(mut self, loaded: Arc<Loaded>) -> Self {
        self.loaded = Some(loaded);
        self
    }

    /// Works on the tenant whose schema is `schema`: its history lives
    /// there (made with the schema by the first run that writes), under a
    /// lock of its own, and each migration runs with `search_path` set to
    /// that schema alone and the actions' unqualified names in it. Refused
    /// with a sandboxed source ([`tenants_allowed`]).
    pub fn for_tenant(mut self, schema: &str) -> anyhow::Result<Self> {
        tenants_allowed(&self.sources)?;
        self.place = Place::new(schema)?;
        Ok(self)
    }

    /// The tenant's schema, when the migrator works on a tenant.
    fn tenant(&self) -> Option<&str> {
        (!self.place.is_public()).then(|| self.place.schema())
    }

    /// What `source`'s migrations may do here: on a tenant, change only its schema.
    fn grant<'s>(&self, source: &'s Source) -> std::borrow::Cow<'s, crate::policy::Grant> {
        match self.tenant() {
            Some(tenant) => std::borrow::Cow::Owned(source.grant.on_tenant(tenant)),
            None => std::borrow::Cow::Borrowed(&source.grant),
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

    pub async fn connect_sources(
        runtime: impl Into<Arc<Runtime>>,
        url: &str,
        sources: Vec<Source>,
    ) -> anyhow::Result<Self> {
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

    /// Every source's chain: loaded now, or the ones this migrator shares.
    async fn load_chains(&self) -> Result<Vec<Chain<'_>>, Error> {
        let loaded = match &self.loaded {
            Some(loaded) => loaded.clone(),
            None => Arc::new(load(&self.runtime, &self.sources).await?),
        };
        Ok(self
            .sources
            .iter()
            .zip(&loaded.chains)
            .map(|(source, migrations)| Chain {
                source,
                migrations: migrations.clone(),
            })
            .collect())
    }

    /// The chains against the history, for planning.
    fn ledger(&self, chains: &[Chain], applied: Vec<chain::Applied>) -> Ledger {
        let chains = chains
            .iter()
            .map(|c| ChainLinks {
                name: c.source.name.clone(),
                at: self.source_context(c.source),
                links: links(&c.migrations),
            })
            .collect();
        Ledger::new(chains, applied, self.where_())
    }

    pub async fn status(&self) -> Result<Status, Error> {
        let chains = self.load_chains().await?;
        let ledger = self.ledger(&chains, history::applied(&self.client, &self.place).await?);
        let migrations = chains
            .iter()
            .zip(ledger.reconciled())
            .flat_map(|(chain, reconciled)| status::status_lines(chain, reconciled))
            .collect();
        let database = self.database().await?;
        let mut problems = ledger.problems();
        for u in steps_table::under_way(&self.client, &self.place).await? {
            problems.push(format!(
                "{} (recorded in migration_steps): `migrate-host {}` resumes it",
                u.describe(),
                u.direction.command()
            ));
        }
        Ok(Status {
            sources: self.sources.iter().map(|s| status::source_line(s, &database)).collect(),
            migrations,
            problems,
        })
    }

    pub async fn apply(&self, options: &ApplyOptions, on_event: &mut dyn FnMut(Event)) -> Result<Report, Error> {
        let chains = self.load_chains().await?;
        self.locked(on_event, options.dry_run, async |on_event| {
            let ledger = self.ledger(&chains, history::applied(&self.client, &self.place).await?);
            let under_way = steps_table::under_way(&self.client, &self.place).await?;
            check_direction(&under_way, Direction::Up)?;
            let plan = ledger.plan_apply(options.to.as_deref(), options.force)?;
            let planned: Vec<&str> = plan
                .run
                .iter()
                .map(|p| chains[p.chain].migrations[p.index].revision())
                .collect();
            check_first(&under_way, &planned)?;
            if !plan.forced.is_empty() {
                on_event(Event::Forced {
                    revisions: &plan.forced,
                });
            }
            let mut report = Report {
                before: plan.head.clone(),
                head: plan.head,
                ..Report::default()
            };
            let at = |p: &Position| (chains[p.chain].source, &chains[p.chain].migrations[p.index]);
            let _ahead = self.prepare_ahead(plan.run.iter().map(|p| at(p).1));
            on_event(Event::Planned {
                direction: Direction::Up,
                count: plan.run.len(),
            });
            for position in &plan.run {
                let (source, migration) = at(position);
                let step = Step {
                    migration,
                    source,
                    direction: Direction::Up,
                    dry_run: options.dry_run,
                    also: &[],
                    recorded: recorded(&under_way, migration.revision(), Direction::Up),
                    interrupted: options.interrupted,
                };
                self.run_one(step, &report, on_event).await?;
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

    pub async fn rollback(&self, options: &RollbackOptions, on_event: &mut dyn FnMut(Event)) -> Result<Report, Error> {
        let chains = self.load_chains().await?;
        self.locked(on_event, options.dry_run, async |on_event| {
            let ledger = self.ledger(&chains, history::applied(&self.client, &self.place).await?);
            let under_way = steps_table::under_way(&self.client, &self.place).await?;
            check_direction(&under_way, Direction::Down)?;
            let plan = ledger.plan_rollback(&options.target, options.force)?;
            let planned: Vec<&str> = plan
                .run
                .iter()
                .map(|u| chains[u.position.chain].migrations[u.position.index].revision())
                .collect();
            check_first(&under_way, &planned)?;
            if !plan.forced.is_empty() {
                on_event(Event::Forced {
                    revisions: &plan.forced,
                });
            }
            let mut report = Report {
                before: plan.head.clone(),
                head: plan.head,
                ..Report::default()
            };
            let at = |p: &Position| (chains[p.chain].source, &chains[p.chain].migrations[p.index]);
            let _ahead = self.prepare_ahead(plan.run.iter().map(|u| at(&u.position).1));
            on_event(Event::Planned {
                direction: Direction::Down,
                count: plan.run.len(),
            });
            for undo in &plan.run {
                let (source, migration) = at(&undo.position);
                let step = Step {
                    migration,
                    source,
                    direction: Direction::Down,
                    dry_run: options.dry_run,
                    also: &undo.also,
                    recorded: recorded(&under_way, migration.revision(), Direction::Down),
                    interrupted: options.interrupted,
                };
                self.run_one(step, &report, on_event).await?;
                report
                    .ran
                    .push((migration.revision().to_owned(), migration.message().to_owned()));
                if !options.dry_run {
                    report.head = undo.head_after.clone();
                }
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
    pub async fn accept(&self, revisions: &[String]) -> Result<Vec<Accepted>, Error> {
        let chains = self.load_chains().await?;
        self.locked(&mut |_| {}, false, async |_| {
            let ledger = self.ledger(&chains, history::applied(&self.client, &self.place).await?);
            let mut accepted = Vec::new();
            let mut records = Vec::new();
            let accepted_at = Utc::now();
            for revision in revisions {
                if accepted.iter().any(|a: &Accepted| &a.revision == revision) {
                    continue;
                }
                let (position, recorded) = ledger.plan_accept(revision)?;
                let migration = &chains[position.chain].migrations[position.index];
                if recorded {
                    records.push(record(migration, Operation::Accept, accepted_at, 0.0));
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
                    sql.push(history::record_sql(record, &self.place)?);
                }
                sql.push("COMMIT".to_owned());
                if let Err(e) = self.client.batch_execute(&sql.join("; ")).await {
                    let _ = self.client.batch_execute("ROLLBACK").await;
                    return Err(anyhow::Error::new(e)
                        .context("recording the accepted migrations in migration_info")
                        .into());
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
            let rows = history::count(&self.client, &self.place).await?;
            if rows > 0 {
                bail!(
                    "the database already has a migration history ({rows} row(s) in {}): baseline is for a \
                     database migrate-host has never managed",
                    self.place.describe()
                );
            }
            let record = record(migration, Operation::Apply, Utc::now(), 0.0);
            history::record(&self.client, &record, &self.place).await
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
    async fn locked<'s, T, E: From<anyhow::Error>>(
        &'s self,
        on_event: &mut dyn FnMut(Event),
        dry_run: bool,
        body: impl AsyncFnOnce(&mut dyn FnMut(Event)) -> Result<T, E>,
    ) -> Result<T, E> {
        if history::lock(&self.control, &self.place).await? {
            on_event(Event::WaitingForLock);
        }
        let result = async {
            if !dry_run {
                history::ensure_table(&self.client, &self.place).await?;
            }
            body(on_event).await
        }
        .await;
        let unlocked = history::unlock(&self.control, &self.place).await;
        let report = result?;
        unlocked?;
        Ok(report)
    }

    /// The name of the database the migrator works on.
    async fn database(&self) -> anyhow::Result<String> {
        sandbox::database_name(&self.client).await
    }
}

pub use crate::pg::connect;

/// `migration`'s row in the history for `operation`.
fn record(migration: &Migration, operation: Operation, at: chrono::DateTime<Utc>, execution_ms: f64) -> Record {
    Record {
        revision: migration.revision().to_owned(),
        parent: migration.parent().map(str::to_owned),
        message: migration.message().to_owned(),
        checksum: migration.checksum.clone(),
        source_digest: migration.source_digest.clone(),
        operation,
        applied_at: at,
        execution_ms,
    }
}

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
