//! The transaction protocol: one migration in one transaction with its
//! history record, its session settings and, for a sandboxed source, its
//! login role and the catalog check before commit; rolled back whole on any
//! failure, and tried again while it only waited for a lock.

use super::error::Error;
use super::{Event, Migrator, Report};
use crate::history::chain::Applied;
use crate::history::steps::{self as steps_table, StepRow};
use crate::history::{self, Operation, Record};
use crate::policy::Source;
use crate::runtime::session::{Mode, Session, Steps as SessionSteps, Watch};
use crate::runtime::{Direction, RunFailure};
use crate::source::Migration;
use anyhow::{Context as _, bail};
use chrono::Utc;
use std::time::Instant;

/// One migration to run, and how.
#[derive(Clone, Copy)]
pub(super) struct Step<'a> {
    pub migration: &'a Migration,
    pub source: &'a Source,
    pub direction: Direction,
    pub dry_run: bool,
    /// History records to roll back with it (a squash's parts, newest first).
    pub also: &'a [Applied],
    /// What an earlier run committed of its steps (see `history/steps.rs`).
    pub recorded: &'a [StepRow],
    pub interrupted: Option<crate::runtime::session::Interrupted>,
}

/// How many times a migration that waited past its `lock_timeout` is tried
/// again, by default.
pub const LOCK_RETRIES: u32 = 3;

/// The wait before retry `attempt` (1, 2, ...): 0.5 s, doubling, at most 8 s.
fn lock_backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(500 << attempt.saturating_sub(1).min(4))
}

impl Migrator {
    /// The settings of the migration's transaction: the source's
    /// timeouts, and for a sandboxed source a search path of only
    /// `pg_catalog` and its own schemas, so that no unqualified name (a
    /// function called by attribute notation, `t.audit`, or an operator)
    /// resolves to the app's.
    fn timeouts(&self, source: &Source) -> Vec<String> {
        let grant = &source.grant;
        let mut settings: Vec<String> = self
            .session_settings(source)
            .into_iter()
            .map(|(setting, value)| format!("SET LOCAL {setting} = {value}"))
            .collect();
        if grant.sandboxed() {
            let mut path = vec!["pg_catalog".to_owned()];
            path.extend(grant.schemas.iter().map(|s| crate::actions::ident::quote(s)));
            settings.push(format!("SET LOCAL search_path = {}", path.join(", ")));
        }
        settings
    }

    /// What every statement of the migration runs under, as (setting,
    /// value), in its transactions and around its steps outside one: the
    /// source's timeouts (in milliseconds) and, for a tenant, a search path
    /// of the tenant's schema alone, so that the `execute`s' unqualified
    /// names resolve there and never to another schema's table of the same
    /// name.
    fn session_settings(&self, source: &Source) -> Vec<(String, String)> {
        let grant = &source.grant;
        let mut settings: Vec<(String, String)> = [
            ("statement_timeout", grant.statement_timeout),
            ("lock_timeout", grant.lock_timeout),
        ]
        .into_iter()
        .filter_map(|(setting, value)| value.map(|v| (setting.to_owned(), v.as_millis().max(1).to_string())))
        .collect();
        if let Some(schema) = self.tenant() {
            settings.push(("search_path".to_owned(), crate::actions::ident::quote(schema)));
        }
        settings
    }

    /// [`Self::run_once`], again (after a growing wait) while it fails
    /// waiting for a lock: each try is its own transaction, rolled back
    /// whole. A failure carries `report`, what this run committed before.
    pub(super) async fn run_one(
        &self,
        step: Step<'_>,
        report: &Report,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(), Error> {
        let Step { migration, source, .. } = step;
        let mut attempt = 0;
        let mut recorded = step.recorded.to_vec();
        loop {
            let result = self.run_once(step, recorded.clone(), on_event).await;
            let Err(mut cause) = result else { return Ok(()) };
            // A migration of several steps keeps the ones that committed.
            let under_way = if step.dry_run {
                None
            } else {
                self.under_way(migration.revision(), step.direction).await
            };
            if let Some(under_way) = &under_way {
                recorded = under_way.steps.clone();
                cause = cause.context(format!(
                    "{} (recorded in migration_steps); the next `migrate-host {}` resumes it",
                    under_way.describe(),
                    step.direction.command()
                ));
            }
            let locked = cause
                .chain()
                .any(|c| c.downcast_ref::<RunFailure>().is_some_and(RunFailure::is_lock_timeout));
            if locked && !step.dry_run && attempt < self.lock_retries {
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
                self.sandboxes.forget(&source.name).await;
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(if locked && attempt > 0 {
                Error::LockWait {
                    revision: migration.revision().to_owned(),
                    direction: step.direction,
                    retries: attempt,
                    report: Box::new(report.clone()),
                    cause: cause.context(self.describe(step)).into(),
                }
            } else {
                Error::Failed {
                    revision: migration.revision().to_owned(),
                    direction: step.direction,
                    what: self.describe(step),
                    report: Box::new(report.clone()),
                    cause: cause.into(),
                }
            });
        }
    }

    /// `applying r2 (its message, its file[ from source S])`.
    fn describe(&self, step: Step) -> String {
        let Step {
            migration,
            source,
            direction,
            ..
        } = step;
        let verb = match direction {
            Direction::Up => "applying",
            Direction::Down => "rolling back",
        };
        let from = if self.sources.len() > 1 {
            format!(" from source {}", source.name)
        } else {
            String::new()
        };
        format!(
            "{verb} {} ({}, {}{from})",
            migration.revision(),
            migration.message(),
            migration.file_name()
        )
    }

    /// What `migration_steps` holds of a migration under way, if anything.
    async fn under_way(&self, revision: &str, direction: Direction) -> Option<steps_table::UnderWay> {
        let all = steps_table::under_way(&self.client, &self.place).await.ok()?;
        all.into_iter()
            .find(|u| u.revision == revision && u.direction == direction)
    }

    /// One migration in one transaction, with its history record (and the
    /// records `also`, after it); or, when it takes steps, each step in its
    /// own, `recorded` being what an earlier run committed of them. A dry
    /// run opens no transaction and records nothing.
    async fn run_once(
        &self,
        step: Step<'_>,
        recorded: Vec<StepRow>,
        on_event: &mut dyn FnMut(Event),
    ) -> anyhow::Result<()> {
        let Step {
            migration,
            source,
            direction,
            dry_run,
            also,
            ..
        } = step;
        let (revision, message) = (migration.revision(), migration.message());
        let resumed = !recorded.is_empty();
        on_event(Event::Started {
            direction,
            revision,
            message,
        });
        let started = Instant::now();
        let applied_at = Utc::now();
        let (client, pid) = if source.grant.sandboxed() && !dry_run {
            let (client, pid) = (self.sandboxes)
                .connect(&self.client, self.url.as_deref(), source)
                .await?;
            (client, Some(pid))
        } else {
            (self.client.clone(), None)
        };
        let mut session = Session::new(client.clone(), if dry_run { Mode::DryRun } else { Mode::Live })
            .in_schema(self.place.schema());
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
            begin.extend(self.timeouts(source));
            // A trusted migration's transaction opens with its first
            // statement (one round trip fewer); a sandboxed one's at once,
            // to count the history rows inside it.
            if source.grant.sandboxed() {
                client.batch_execute(&begin.join("; ")).await?;
            } else {
                session = session.opening(begin.join("; ")).pipelined().stepwise(SessionSteps {
                    place: self.place.clone(),
                    revision: revision.to_owned(),
                    direction,
                    opening: begin.join("; "),
                    settings: self.session_settings(source),
                    recorded,
                    interrupted: step.interrupted,
                });
            }
        }
        let result = async {
            // A sandboxed migration may insert into the history (so that its
            // record commits with it) but must not forge rows of its own.
            let history_rows = if source.grant.sandboxed() && !dry_run {
                Some(history::count(&client, &self.place).await?)
            } else {
                None
            };
            let outcome = self
                .runtime
                .run_granted(&migration.component, direction, session, &self.grant(source))
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
                let record = super::record(migration, operation, applied_at, millis);
                // The opening, if the migration ran no statement to carry it.
                let mut finish = match &outcome.unsent_opening {
                    Some(opening) => format!("{opening}; "),
                    None => String::new(),
                };
                // A squash's parts, undone with it.
                let also: Vec<Record> = also
                    .iter()
                    .map(|a| Record {
                        revision: a.revision.clone(),
                        parent: a.parent.clone(),
                        message: a.message.clone(),
                        checksum: a.checksum.clone(),
                        source_digest: a.source_digest.clone(),
                        operation: Operation::Rollback,
                        applied_at,
                        execution_ms: 0.0,
                    })
                    .collect();
                let records = std::iter::once(&record).chain(&also);
                // Its steps' progress, this run's or an earlier one's, goes
                // with its record.
                if outcome.stepped || resumed {
                    finish.push_str(&format!("{}; ", steps_table::clear_sql(&self.place, revision)));
                }
                match history_rows {
                    // The records, checked to be the only rows the migration added.
                    Some(before) => {
                        for record in records {
                            history::record(&client, record, &self.place).await?;
                        }
                        if history::count(&client, &self.place).await? != before + 1 + also.len() as i64 {
                            bail!("the migration wrote to migration_info itself: refused");
                        }
                    }
                    None => {
                        for record in records {
                            finish.push_str(&format!("{}; ", history::record_sql(record, &self.place)?));
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
                    self.sandboxes.keep(&source.name);
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
                        self.sandboxes.forget(&source.name).await;
                        error
                    }
                    Err(rollback) => error.context(format!("and rolling the transaction back failed too: {rollback}")),
                    Ok(()) => error,
                };
                // Nor the empty schemas provisioned for a source that never got going.
                self.sandboxes.undo(&self.client, &source.name).await;
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        let (statements, output) = (&outcome.statements, &outcome.output);
        // Empty unless a dry run, which records the steps.
        let context = crate::lint::Context {
            lock_timeout: source.grant.lock_timeout.is_some(),
        };
        let lint = crate::lint::lint_steps(&outcome.steps, context);
        on_event(Event::Finished {
            direction,
            revision,
            message,
            millis,
            statements,
            output,
            lint: &lint,
        });
        Ok(())
    }
}

/// Clears what a migration may have set on the session.
/// (The host's own advisory lock is on the control connection, so
/// unlocking everything here only releases what a migration took.)
const RESET_SESSION: &str =
    "RESET ALL; RESET ROLE; RESET SESSION AUTHORIZATION; DISCARD TEMP; SELECT pg_advisory_unlock_all()";
