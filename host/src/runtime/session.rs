//! The database side of a running migration: turns each call the guest
//! makes into SQL on the migration's transaction (or, in a dry run, into a
//! line of the printed plan), and keeps the log of statements.
//!
//! A migration may take several steps (`commit-step`, and the steps that
//! run outside any transaction): the session commits each, recorded in
//! `migration_steps`, and opens the next one's transaction with the first
//! statement after it. Run again after it stopped, it replays the steps
//! that committed (their calls are not sent) and takes up the one it
//! stopped in ([`Steps`]).

use crate::actions::concurrent::{Concurrent, Resume};
use crate::actions::values::{Out, Param};
use crate::actions::{self, Action, ActionError, guard};
use crate::history::Place;
use crate::history::steps::{self as steps_table, StepRow};
use crate::model::{Direction, Rows, SqlValue};
use futures_util::TryStreamExt;
use postgres_types::ToSql;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_postgres::Client;

/// The host's own watch over a sandboxed migration's statements: its
/// source's `statement_timeout` and `lock_timeout` enforced by cancelling
/// the statement, whatever settings the migration's session managed to
/// change. (The same timeouts are also set on the session, where Postgres
/// enforces them first with its own errors.)
#[derive(Clone)]
pub struct Watch {
    pub statement_timeout: Option<Duration>,
    pub lock_timeout: Option<Duration>,
    /// A connection of the host's, to see whether the statement waits on a lock.
    pub observer: Arc<Client>,
    /// The migration connection's server process.
    pub pid: i32,
}

impl Watch {
    /// How often a running statement is looked at.
    fn poll(&self) -> Duration {
        let shortest = [self.statement_timeout, self.lock_timeout]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(Duration::from_millis(200));
        (shortest / 4).clamp(Duration::from_millis(10), Duration::from_millis(200))
    }

    /// Whether the statement is waiting for a lock right now.
    async fn waiting_for_lock(&self) -> bool {
        self.observer
            .query_opt(
                "SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
                &[&self.pid],
            )
            .await
            .is_ok_and(|row| row.is_some())
    }
}

/// How a session treats the guest's calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Run every statement on the connection's open transaction.
    Live,
    /// Run nothing; record what would run. `query` returns no rows.
    DryRun,
    /// No database at all (reading a component's metadata): every action fails.
    Detached,
}

/// A call that failed, with what it was and the SQL it ran.
#[derive(Clone, Debug)]
pub struct ActionFailure {
    pub action: String,
    pub sql: Option<String>,
    pub error: ActionError,
}

impl std::fmt::Display for ActionFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed: {}", self.action, self.error)?;
        if let Some(sql) = &self.sql {
            write!(f, "\n  SQL: {sql}")?;
        }
        Ok(())
    }
}

pub struct Session {
    client: Option<Arc<Client>>,
    mode: Mode,
    /// The transaction's opening (`BEGIN`, its settings), not sent yet: it
    /// goes in one message with the first statement, a round trip saved
    /// per migration. Whoever ends the transaction sends it if no
    /// statement did ([`Session::into_parts`] hands it back).
    opening: Option<String>,
    log: Vec<String>,
    /// In a dry run, every step the guest took, in order (for the lint,
    /// which only a dry run runs).
    steps: Vec<crate::lint::Step>,
    /// A sandboxed migration's timeouts, enforced by the host.
    watch: Option<Watch>,
    /// Pipelined: the statements of actions not sent yet ([`Session::flush`]).
    queue: Option<Vec<Queued>>,
    /// Tables this migration created (quoted and qualified): new and empty,
    /// so a NOT NULL or unique step on them needs no count of its rows, and
    /// the pipeline need not wait for one.
    created: std::collections::HashSet<String>,
    /// A live run that may take steps: where they are recorded.
    progress: Option<Steps>,
    /// The step being taken, from 1.
    step: usize,
    /// What the current step has done so far, for its record.
    calls: Calls,
    /// A replayed step's queries run in a read-only transaction, open.
    replay_open: bool,
    /// Where the actions' unqualified names live: `public`, or a tenant's
    /// schema (whose `search_path` the migrator sets for the statements).
    schema: String,
}

/// How a live run records its steps, and what an earlier run of the same
/// migration recorded.
#[derive(Clone, Debug)]
pub struct Steps {
    /// The history the steps are recorded in.
    pub place: Place,
    pub revision: String,
    pub direction: Direction,
    /// Each step's transaction opening (`BEGIN` and its `SET LOCAL`s).
    pub opening: String,
    /// The same settings for a step outside a transaction (`SET ...`),
    /// reset after it.
    pub settings: Vec<(String, String)>,
    /// The steps an earlier run recorded.
    pub recorded: Vec<StepRow>,
    /// What to do with an `execute-outside-transaction` step an earlier
    /// run left running.
    pub interrupted: Option<Interrupted>,
}

impl Steps {
    /// The last step that committed in an earlier run (0: none).
    fn last_done(&self) -> usize {
        self.recorded
            .iter()
            .filter(|r| r.done)
            .map(|r| r.step as usize)
            .max()
            .unwrap_or(0)
    }

    fn recorded(&self, step: usize) -> Option<&StepRow> {
        self.recorded.iter().find(|r| r.step as usize == step)
    }
}

/// What the user says of a raw statement an earlier run left running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupted {
    /// Run it again.
    Retry,
    /// It finished: take it as done.
    Done,
}

/// The calls of the current step, for its record: the first one and how
/// many more.
#[derive(Debug, Default)]
struct Calls {
    first: Option<String>,
    more: usize,
    /// The rows each `execute` affected (live), or how many of the
    /// recorded counts a replay has returned.
    affected: Vec<u64>,
    replayed: usize,
}

impl Calls {
    fn push(&mut self, what: impl FnOnce() -> String) {
        match self.first {
            None => self.first = Some(what()),
            Some(_) => self.more += 1,
        }
    }

    fn describe(&self) -> String {
        match (&self.first, self.more) {
            (None, _) => "no calls".into(),
            (Some(first), 0) => first.clone(),
            (Some(first), more) => format!("{first} and {more} more call(s)"),
        }
    }
}

/// What a step outside a transaction runs.
enum Outside<'a> {
    Action(&'a Action, &'a Concurrent),
    Sql(&'a str, &'a [SqlValue]),
}

/// A statement waiting in the pipeline, with the action it performs.
struct Queued {
    action: String,
    sql: String,
}

impl Session {
    pub fn new(client: Arc<Client>, mode: Mode) -> Self {
        Session {
            client: Some(client),
            mode,
            opening: None,
            log: Vec::new(),
            steps: Vec::new(),
            watch: None,
            queue: None,
            created: Default::default(),
            progress: None,
            step: 1,
            calls: Calls::default(),
            replay_open: false,
            schema: actions::DEFAULT_SCHEMA.to_owned(),
        }
    }

    pub fn detached() -> Self {
        Session {
            client: None,
            mode: Mode::Detached,
            opening: None,
            log: Vec::new(),
            steps: Vec::new(),
            watch: None,
            queue: None,
            created: Default::default(),
            progress: None,
            step: 1,
            calls: Calls::default(),
            replay_open: false,
            schema: actions::DEFAULT_SCHEMA.to_owned(),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A live session whose transaction is opened by `opening` (statements
    /// separated by `;`), sent with the first statement the session runs.
    pub fn opening(mut self, opening: String) -> Self {
        self.opening = Some(opening);
        self
    }

    /// Unqualified names in the actions mean `schema` (a tenant's).
    pub fn in_schema(mut self, schema: &str) -> Self {
        self.schema = schema.to_owned();
        self
    }

    /// Statements run under the host's watch (a sandboxed source's).
    pub fn watched(mut self, watch: Watch) -> Self {
        self.watch = Some(watch);
        self.queue = None;
        self
    }

    /// A live session that queues the statements of actions and sends them
    /// in one message ([`Session::flush`]) before the next `execute` or
    /// `query`, before an action that reads the catalog, and when the
    /// migration returns. Inside a transaction any failed statement aborts
    /// it, so waiting for each reply buys nothing; a failure is reported
    /// naming its action and SQL, at the next flush. Not for a watched
    /// session, whose statements are cancelled one by one.
    pub fn pipelined(mut self) -> Self {
        if self.mode == Mode::Live && self.watch.is_none() {
            self.queue = Some(Vec::new());
        }
        self
    }

    /// A live run that records its steps as `steps` says, and replays what
    /// an earlier run committed.
    pub fn stepwise(mut self, steps: Steps) -> Self {
        if self.mode == Mode::Live {
            self.progress = Some(steps);
        }
        self
    }

    /// Whether the current step committed in an earlier run: its calls are
    /// replayed, not sent.
    fn replaying(&self) -> bool {
        self.progress.as_ref().is_some_and(|p| self.step <= p.last_done())
    }

    /// The steps this run took past the ones an earlier run committed, or
    /// the error when it took fewer than those: the migration does not
    /// take the same steps each time.
    pub fn finish(&self) -> Result<(), ActionFailure> {
        if self.replaying() {
            let last = self.progress.as_ref().map_or(0, Steps::last_done);
            return Err(ActionFailure {
                action: format!("step {}", self.step),
                sql: None,
                error: ActionError::Refused(format!(
                    "an earlier run committed {last} step(s) of this migration, and this run returned after {}: a \
                     migration must take the same steps each time. Look at migration_steps and the database, and \
                     put it right by hand",
                    self.step
                )),
            });
        }
        Ok(())
    }

    /// `commit-step`: the current step commits, recorded as done.
    pub async fn commit_step(&mut self) -> Result<(), ActionFailure> {
        match self.mode {
            Mode::DryRun => {
                self.log
                    .push(comment(&format!("step {} commits here (commit-step)", self.step)));
                self.steps.push(crate::lint::Step::Commit);
                self.step += 1;
                Ok(())
            }
            Mode::Detached => Err(refused(
                "commit-step",
                "actions cannot be called while the host reads a migration's metadata",
            )),
            Mode::Live => {
                self.end_step("commit-step").await?;
                self.step += 1;
                Ok(())
            }
        }
    }

    /// Ends the current step: commits it, recorded as done (a step that
    /// ran nothing has nothing to commit), or ends its replay. The next
    /// statement opens the next step's transaction.
    async fn end_step(&mut self, what: &str) -> Result<(), ActionFailure> {
        let Some(progress) = &self.progress else {
            return Err(refused(
                what,
                "this migration runs in one transaction here (a sandboxed source's migration is checked whole \
                 before it commits): it cannot take steps",
            ));
        };
        let client = self.connected(what)?;
        let (opening, revision, direction) = (progress.opening.clone(), progress.revision.clone(), progress.direction);
        let place = progress.place.clone();
        if self.replaying() {
            if self.replay_open {
                self.replay_open = false;
                client
                    .batch_execute("ROLLBACK")
                    .await
                    .map_err(|e| fail_with(what, None, database_error(&e)))?;
            }
        } else {
            self.flush().await?;
            // No opening waiting: the step's transaction is open.
            if self.opening.is_none() {
                let record = steps_table::record_sql(
                    &place,
                    &revision,
                    direction,
                    self.step,
                    &self.calls.describe(),
                    true,
                    &self.calls.affected,
                );
                let sql = format!("{}; {record}; COMMIT", steps_table::create_sql(&place));
                client
                    .batch_execute(&sql)
                    .await
                    .map_err(|e| fail_with(what, Some(&record), database_error(&e)))?;
                self.log.push(comment(&format!("step {} committed", self.step)));
            }
        }
        self.opening = Some(opening);
        self.calls = Calls::default();
        Ok(())
    }

    /// A step of its own outside any transaction: the step before it
    /// commits, it is recorded as running, runs, and is recorded as done;
    /// taken up where an earlier run left it.
    async fn outside(&mut self, work: Outside<'_>) -> Result<u64, ActionFailure> {
        let describe = match &work {
            Outside::Action(action, _) => action.describe_in(&self.schema),
            Outside::Sql(sql, _) => format!("execute-outside-transaction: {}", crate::lint::one_line(sql)),
        };
        let sql = match &work {
            Outside::Action(_, step) => step.sql(&self.schema).map_err(|e| fail_with(&describe, None, e))?,
            Outside::Sql(sql, params) => {
                guard::raw_statement(sql).map_err(|e| fail_with(&describe, Some(&sql.to_string()), e))?;
                with_params(sql, params)
            }
        };
        let client = self.connected(&describe)?;
        if self.mode == Mode::DryRun {
            if let Outside::Action(action, _) = &work {
                self.check_data(action, &client, &describe).await?;
            }
            // The lint knows that such a step commits what came before it.
            self.steps.push(match &work {
                Outside::Action(action, _) => crate::lint::Step::Action((*action).clone()),
                Outside::Sql(sql, _) => crate::lint::Step::SqlOutside(sql.to_string()),
            });
            self.log.push(comment(&format!(
                "step {}: outside the migration's transaction (the steps before it commit first)",
                self.step + 1
            )));
            self.log.push(sql);
            self.step += 2;
            return Ok(0);
        }
        self.end_step(&describe).await?;
        self.step += 1;
        let progress = self.progress.clone().expect("end_step refuses a run without steps");
        let fail = |error| fail_with(&describe, Some(&sql), error);
        let recorded = progress.recorded(self.step).cloned();
        if let Some(recorded) = &recorded
            && recorded.description != describe
        {
            return Err(fail(ActionError::Refused(format!(
                "an earlier run of this migration recorded step {} as {:?}, and this run takes {describe:?} there: a \
                 migration must take the same steps each time. Look at migration_steps and the database, and put it \
                 right by hand",
                self.step, recorded.description
            ))));
        }
        let step = self.step;
        let record = |done, affected: &[u64]| {
            steps_table::record_sql(
                &progress.place,
                &progress.revision,
                progress.direction,
                step,
                &describe,
                done,
                affected,
            )
        };
        let mut rows = 0;
        // `None`: run the step; `Some(statements)`: run those instead.
        let mut instead: Option<Vec<String>> = None;
        let mut before: Vec<String> = Vec::new();
        match (&recorded, &work) {
            (Some(r), _) if r.done => {
                self.log.push(comment(&format!(
                    "step {}: committed by an earlier run, replayed",
                    self.step
                )));
                rows = r.affected.first().map_or(0, |&n| n as u64);
                instead = Some(Vec::new());
            }
            (Some(_), Outside::Action(_, step)) => {
                let probe = step.probe(&self.schema).map_err(fail)?;
                let found: Vec<String> = client
                    .query(&probe, &[])
                    .await
                    .map_err(|e| fail_with(&describe, Some(&probe), database_error(&e)))?
                    .iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect();
                match step.resume(&found, &self.schema).map_err(fail)? {
                    Resume::Done => instead = Some(Vec::new()),
                    Resume::Finish(statements) => instead = Some(statements),
                    Resume::Redo(statements) => before = statements,
                }
            }
            (Some(_), Outside::Sql(..)) => match progress.interrupted {
                Some(Interrupted::Retry) => {}
                Some(Interrupted::Done) => instead = Some(Vec::new()),
                None => {
                    return Err(fail(ActionError::Refused(format!(
                        "step {} was running when an earlier run stopped, and whether it finished cannot be told \
                         from the database: see what it did, then run again with `--interrupted retry` (run it \
                         again) or `--interrupted done` (take it as done)",
                        self.step
                    ))));
                }
            },
            (None, _) => {}
        }
        let done_already = recorded.as_ref().is_some_and(|r| r.done);
        // A unique index the rows would violate fails before its build
        // leaves an INVALID index behind, naming the count.
        if let (Outside::Action(action, _), false, None) = (&work, done_already, &instead) {
            self.check_data(action, &client, &describe).await?;
        }
        if !done_already {
            let started = format!("{}; {}", steps_table::create_sql(&progress.place), record(false, &[]));
            client
                .batch_execute(&started)
                .await
                .map_err(|e| fail_with(&describe, Some(&started), database_error(&e)))?;
            let settings: Vec<String> = progress
                .settings
                .iter()
                .map(|(name, value)| format!("SET {name} = {value}"))
                .collect();
            if !settings.is_empty() {
                client
                    .batch_execute(&settings.join("; "))
                    .await
                    .map_err(|e| fail_with(&describe, None, database_error(&e)))?;
            }
            // Each on its own: several statements in one message would make
            // one implicit transaction, which CONCURRENTLY refuses.
            for statement in instead.as_ref().unwrap_or(&before) {
                client
                    .batch_execute(statement)
                    .await
                    .map_err(|e| fail_with(&describe, Some(statement), database_error(&e)))?;
                self.log.push(statement.clone());
            }
            // The step itself, unless those finish it.
            if instead.is_none() {
                rows = match &work {
                    Outside::Action(..) => {
                        client.batch_execute(&sql).await.map_err(|e| fail(database_error(&e)))?;
                        0
                    }
                    Outside::Sql(raw, params) => {
                        let params: Vec<Param> = params.iter().map(Param).collect();
                        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                        client
                            .execute(*raw, &refs)
                            .await
                            .map_err(|e| fail(database_error(&e)))?
                    }
                };
                self.log.push(sql.clone());
            }
            let reset: Vec<String> = progress
                .settings
                .iter()
                .map(|(name, _)| format!("RESET {name}"))
                .collect();
            let finished = std::iter::once(record(true, &[rows]))
                .chain(reset)
                .collect::<Vec<_>>()
                .join("; ");
            client
                .batch_execute(&finished)
                .await
                .map_err(|e| fail_with(&describe, Some(&finished), database_error(&e)))?;
        }
        // What follows is the next step.
        self.step += 1;
        self.opening = Some(progress.opening.clone());
        self.calls = Calls::default();
        Ok(rows)
    }

    /// `execute-outside-transaction`: one guest statement, a step of its own.
    pub async fn execute_outside(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, ActionFailure> {
        self.outside(Outside::Sql(sql, params)).await
    }

    /// Runs one statement's work, under the watch if there is one: past its
    /// source's `statement_timeout`, or waiting on a lock past its
    /// `lock_timeout`, it is cancelled on the server and fails saying so.
    async fn guarded<T>(
        &self,
        client: &Client,
        work: impl std::future::Future<Output = Result<T, ActionError>>,
    ) -> Result<T, ActionError> {
        let Some(watch) = &self.watch else {
            return work.await;
        };
        let mut work = std::pin::pin!(work);
        let (started, poll) = (Instant::now(), watch.poll());
        let mut waiting_since: Option<Instant> = None;
        let mut cancelled: Option<(String, &str)> = None;
        // A cancel can be caught (PL/pgSQL `EXCEPTION WHEN query_canceled`):
        // a statement still running a moment later loses its connection.
        let (mut cancelled_at, mut terminated) = (None::<Instant>, false);
        loop {
            tokio::select! {
                result = &mut work => {
                    return match (result, cancelled) {
                        (Err(ActionError::Database { .. }), Some((why, sqlstate))) => Err(ActionError::Database {
                            message: why,
                            sqlstate: Some(sqlstate.into()),
                        }),
                        (result, _) => result,
                    };
                }
                _ = tokio::time::sleep(poll), if !terminated => {
                    if let Some(at) = cancelled_at {
                        if at.elapsed() >= (poll * 10).max(Duration::from_millis(500)) {
                            terminated = true;
                            let _ = watch
                                .observer
                                .execute("SELECT pg_catalog.pg_terminate_backend($1)", &[&watch.pid])
                                .await;
                        }
                        continue;
                    }
                    // A little past the limit, so that Postgres's own timeout
                    // (set on the session too) normally speaks first.
                    let over = |limit: Option<Duration>, since: Option<Instant>| {
                        limit.zip(since).is_some_and(|(limit, since)| since.elapsed() >= limit + poll)
                    };
                    if over(watch.statement_timeout, Some(started)) {
                        cancelled = Some((format!(
                            "cancelled by the host: the statement ran past its source's statement_timeout ({})",
                            humantime::format_duration(watch.statement_timeout.unwrap_or_default())
                        ), "57014"));
                    } else if watch.lock_timeout.is_some() {
                        waiting_since = match (watch.waiting_for_lock().await, waiting_since) {
                            (true, None) => Some(Instant::now() - poll),
                            (true, since) => since,
                            (false, _) => None,
                        };
                        if over(watch.lock_timeout, waiting_since) {
                            cancelled = Some((format!(
                                "cancelled by the host: the statement waited for a lock past its source's \
                                 lock_timeout ({})",
                                humantime::format_duration(watch.lock_timeout.unwrap_or_default())
                            ), "55P03"));
                        }
                    }
                    if cancelled.is_some() {
                        cancelled_at = Some(Instant::now());
                        crate::pg::cancel(client).await;
                    }
                }
            }
        }
    }

    /// Sends the opening if it has not gone yet and every queued statement,
    /// in one message: before a statement with parameters, which cannot
    /// share it, and when the migration returns. The statements that
    /// completed are counted, so a failure names the action whose
    /// statement failed.
    pub async fn flush(&mut self) -> Result<(), ActionFailure> {
        let queued = self.queue.as_mut().map(std::mem::take).unwrap_or_default();
        let Some(client) = self.client.clone().filter(|_| self.mode == Mode::Live) else {
            return Ok(());
        };
        let opening = match (self.opening.take(), queued.is_empty()) {
            (None, true) => return Ok(()),
            (opening, _) => opening,
        };
        let opening_statements = opening.as_deref().map_or(0, |o| o.split("; ").count());
        let text: Vec<&str> = opening
            .as_deref()
            .into_iter()
            .chain(queued.iter().map(|q| q.sql.as_str()))
            .collect();
        let mut completed: usize = 0;
        let sent = async {
            let stream = client.simple_query_raw(&text.join("; ")).await?;
            let mut stream = std::pin::pin!(stream);
            while let Some(message) = stream.try_next().await? {
                if let tokio_postgres::SimpleQueryMessage::CommandComplete(_) = message {
                    completed += 1;
                }
            }
            Ok::<_, tokio_postgres::Error>(())
        }
        .await;
        sent.map_err(
            |e| match completed.checked_sub(opening_statements).and_then(|i| queued.get(i)) {
                Some(failed) => ActionFailure {
                    action: failed.action.clone(),
                    sql: Some(failed.sql.clone()),
                    error: database_error(&e),
                },
                None => ActionFailure {
                    action: "opening the migration's transaction".into(),
                    sql: opening.clone(),
                    error: database_error(&e),
                },
            },
        )
    }

    /// Whether the run took more than one step.
    pub fn stepped(&self) -> bool {
        self.step > 1
    }

    /// Whether statements wait in the pipeline.
    pub fn queued(&self) -> bool {
        self.queue.as_ref().is_some_and(|q| !q.is_empty())
    }

    /// The statements run (or, in a dry run, that would run), in order.
    pub fn into_log(self) -> Vec<String> {
        self.log
    }

    /// The statements, (in a dry run) the steps taken, and the opening
    /// if no statement took it.
    pub fn into_parts(self) -> (Vec<String>, Vec<crate::lint::Step>, Option<String>) {
        (self.log, self.steps, self.opening)
    }

    /// The migration suppresses a lint rule for its later steps (only a
    /// dry run lints, so only a dry run keeps it).
    pub fn allow(&mut self, code: crate::lint::Code, reason: String) {
        if self.mode == Mode::DryRun {
            self.steps.push(crate::lint::Step::Allow { code, reason });
        }
    }

    pub fn client(&self) -> Option<&Arc<Client>> {
        self.client.as_ref()
    }

    /// The connection, cloned so that the log can be written while it is in use.
    fn connected(&self, what: &str) -> Result<Arc<Client>, ActionFailure> {
        match (&self.client, self.mode) {
            (Some(client), Mode::Live | Mode::DryRun) => Ok(client.clone()),
            _ => Err(ActionFailure {
                action: what.to_owned(),
                sql: None,
                error: ActionError::Refused(
                    "actions cannot be called while the host reads a migration's metadata".into(),
                ),
            }),
        }
    }

    /// Plans and runs one action.
    pub async fn action(&mut self, action: &Action) -> Result<(), ActionFailure> {
        if let Action::Concurrently { step } = action {
            return self.outside(Outside::Action(action, step)).await.map(drop);
        }
        if self.mode == Mode::DryRun {
            self.steps.push(crate::lint::Step::Action(action.clone()));
        }
        let describe = action.describe_in(&self.schema);
        let client = self.connected(&describe)?;
        if self.replaying() {
            self.log.push(comment(&format!(
                "replayed (step {} committed before): {describe}",
                self.step
            )));
            return Ok(());
        }
        self.calls.push(|| describe.clone());
        let fail = |error, sql: Option<&String>| ActionFailure {
            action: describe.clone(),
            sql: sql.cloned(),
            error,
        };
        self.check_data(action, &client, &describe).await?;
        if let Action::AddTable { table, .. } = action
            && let Ok(name) = crate::actions::ident::qualified(table, &self.schema, "table")
        {
            self.created.insert(name);
        }
        // What the catalog says must include the queued statements' work.
        if self.queue.is_some() && actions::reads_catalog(action) {
            self.flush().await?;
        }
        let statements = match actions::plan_in(action, &client, &self.schema).await {
            Ok(statements) => statements,
            // Only a catalog lookup can fail for want of earlier, unrun
            // steps; every other error would fail the live run too.
            Err(error @ ActionError::Database { .. }) if self.mode == Mode::DryRun => {
                self.log.push(comment(&format!(
                    "{describe}: cannot be planned in a dry run ({error})"
                )));
                return Ok(());
            }
            Err(error) => return Err(fail(error, None)),
        };
        for sql in &statements {
            if let Some(queue) = self.queue.as_mut() {
                queue.push(Queued {
                    action: describe.clone(),
                    sql: sql.clone(),
                });
            } else if self.mode == Mode::Live {
                // The host's own DDL has no parameters: the simple protocol
                // runs it in one round trip (prepare + execute takes two),
                // the transaction's opening with it if it has not gone yet.
                let text = match self.opening.take() {
                    Some(opening) => format!("{opening}; {sql}"),
                    None => sql.clone(),
                };
                let run = async { client.batch_execute(&text).await.map_err(|e| database_error(&e)) };
                self.guarded(&client, run).await.map_err(|e| fail(e, Some(sql)))?;
            }
            self.log.push(sql.clone());
        }
        Ok(())
    }

    /// Before a step that adds NOT NULL or a unique index or constraint:
    /// counts the rows that would make it fail. Live, such rows fail the
    /// step before its DDL takes its lock and scans, naming how many; in a
    /// dry run they are recorded for the lint (when the table and columns
    /// exist yet: a dry run has not made what earlier steps add).
    async fn check_data(&mut self, action: &Action, client: &Client, describe: &str) -> Result<(), ActionFailure> {
        let fail = |error, sql: Option<&String>| ActionFailure {
            action: describe.to_owned(),
            sql: sql.cloned(),
            error,
        };
        let Some(check) = actions::data_check(action, &self.schema).map_err(|e| fail(e, None))? else {
            return Ok(());
        };
        // A table made by this migration holds only what it put there since;
        // were that a NULL or a duplicate, Postgres's own error names the step.
        if self.created.contains(&check.table) {
            return Ok(());
        }
        if self.mode == Mode::DryRun {
            let present = async {
                let row = client
                    .query_one(
                        "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = ANY($2) \
                         AND NOT attisdropped",
                        &[&check.table, &check.columns],
                    )
                    .await
                    .map_err(|e| database_error(&e))?;
                Ok(row.get::<_, i64>(0) == check.columns.len() as i64)
            };
            if !self.guarded(client, present).await.map_err(|e| fail(e, None))? {
                return Ok(());
            }
        } else if self.queued() {
            // The count must see what the queued statements did (with
            // nothing queued it reads what is committed, or the open
            // transaction: it never opens one of its own).
            self.flush().await?;
        }
        let count = async {
            let row = client
                .query_one(&check.sql, &[])
                .await
                .map_err(|e| database_error(&e))?;
            Ok(row.get::<_, i64>(0))
        };
        let rows = self
            .guarded(client, count)
            .await
            .map_err(|e| fail(e, Some(&check.sql)))?;
        if rows == 0 {
            return Ok(());
        }
        if self.mode == Mode::DryRun {
            self.log
                .push(comment(&format!("{describe}: {rows} {} now", check.counts)));
            self.steps.push(crate::lint::Step::Violation {
                code: check.rule,
                step: describe.to_owned(),
                rows,
                counts: check.counts,
            });
            return Ok(());
        }
        let rule = check.rule.rule();
        Err(fail(
            ActionError::Refused(format!(
                "{} {}: {rows} {}, so the step would fail; not run. Instead: {}",
                check.rule, rule.name, check.counts, rule.instead
            )),
            Some(&check.sql),
        ))
    }

    /// `execute`: one guest statement with bind parameters.
    pub async fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, ActionFailure> {
        let client = self.connected("execute")?;
        let fail = |error| ActionFailure {
            action: "execute".into(),
            sql: Some(sql.to_owned()),
            error,
        };
        guard::raw_statement(sql).map_err(fail)?;
        if self.replaying() {
            self.log.push(comment(&format!(
                "replayed (step {} committed before), not run:\n{}",
                self.step,
                with_params(sql, params)
            )));
            // What it returned then, so that the migration takes the same steps.
            let step = self.step;
            let at = self.calls.replayed;
            self.calls.replayed += 1;
            let recorded = self.progress.as_ref().and_then(|p| p.recorded(step));
            return Ok(recorded.and_then(|r| r.affected.get(at)).map_or(0, |&n| n as u64));
        }
        self.log.push(with_params(sql, params));
        if self.mode == Mode::DryRun {
            self.steps.push(crate::lint::Step::Sql(sql.to_owned()));
            return Ok(0);
        }
        self.calls.push(|| format!("execute: {}", crate::lint::one_line(sql)));
        self.flush().await?;
        let params: Vec<Param> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let run = async { client.execute(sql, &refs).await.map_err(|e| database_error(&e)) };
        let rows = self.guarded(&client, run).await.map_err(fail)?;
        self.calls.affected.push(rows);
        Ok(rows)
    }

    /// `query`: one guest statement with bind parameters; at most `max_rows`
    /// rows come back (more is an error, not a silent cut).
    pub async fn query(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        max_rows: usize,
        max_bytes: usize,
    ) -> Result<Rows, ActionFailure> {
        let client = self.connected("query")?;
        let fail = |error| ActionFailure {
            action: "query".into(),
            sql: Some(sql.to_owned()),
            error,
        };
        guard::raw_statement(sql).map_err(fail)?;
        if self.mode == Mode::DryRun {
            let shown = with_params(sql, params);
            self.log.push(comment(&format!(
                "not run in a dry run (the query returns no rows):\n{shown}"
            )));
            return Ok(Rows {
                columns: vec![],
                rows: vec![],
            });
        }
        self.log.push(with_params(sql, params));
        if self.replaying() {
            // A step that committed before reads the database as it is now,
            // and cannot change it.
            if !self.replay_open {
                client
                    .batch_execute("BEGIN READ ONLY")
                    .await
                    .map_err(|e| fail(database_error(&e)))?;
                self.replay_open = true;
            }
        } else {
            self.calls.push(|| format!("query: {}", crate::lint::one_line(sql)));
            self.flush().await?;
        }
        let run = async {
            let statement = client.prepare(sql).await.map_err(|e| database_error(&e))?;
            let params: Vec<Param> = params.iter().map(Param).collect();
            let stream = client
                .query_raw(&statement, params.iter())
                .await
                .map_err(|e| database_error(&e))?;
            let columns: Vec<String> = statement.columns().iter().map(|c| c.name().to_owned()).collect();
            // Rows are read one at a time and counted as they come, so a huge
            // result stops at the limit instead of filling the host's memory.
            let mut stream = std::pin::pin!(stream);
            let (mut out, mut bytes) = (Vec::new(), 0usize);
            while let Some(row) = stream.try_next().await.map_err(|e| database_error(&e))? {
                if out.len() == max_rows {
                    return Err(ActionError::InvalidArgument(format!(
                        "the query returned more than {max_rows} rows; a migration may read at most {max_rows} at \
                         once (page with LIMIT and a key range)"
                    )));
                }
                let mut values = Vec::with_capacity(columns.len());
                for (i, name) in columns.iter().enumerate() {
                    let Out(value) = row.try_get::<_, Out>(i).map_err(|e| {
                        ActionError::InvalidArgument(format!("column {name:?}: {}", source_message(&e)))
                    })?;
                    bytes += value_size(&value);
                    values.push(value);
                }
                if bytes > max_bytes {
                    return Err(ActionError::InvalidArgument(format!(
                        "the query returned more than {} MiB; a migration may read at most that much at once \
                         (page with LIMIT and a key range)",
                        max_bytes >> 20
                    )));
                }
                out.push(values);
            }
            Ok(Rows { columns, rows: out })
        };
        self.guarded(&client, run).await.map_err(fail)
    }
}

fn fail_with(action: &str, sql: Option<&String>, error: ActionError) -> ActionFailure {
    ActionFailure {
        action: action.to_owned(),
        sql: sql.cloned(),
        error,
    }
}

fn refused(action: &str, why: &str) -> ActionFailure {
    fail_with(action, None, ActionError::Refused(why.to_owned()))
}

fn with_params(sql: &str, params: &[SqlValue]) -> String {
    if params.is_empty() {
        return sql.to_owned();
    }
    let shown: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, v)| format!("${} = {}", i + 1, actions::describe_value(v)))
        .collect();
    format!("{sql}\n{}", comment(&format!("with {}", shown.join(", "))))
}

/// `text` as SQL comment lines: every line starts with `--`, so nothing a
/// migration put in a name or a value can become a statement of the script.
fn comment(text: &str) -> String {
    text.lines()
        .map(|line| format!("-- {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bytes a value holds, for the per-query size limit.
fn value_size(value: &SqlValue) -> usize {
    match value {
        SqlValue::Text(s) | SqlValue::Json(s) | SqlValue::Numeric(s) => s.len(),
        SqlValue::Bytes(b) => b.len(),
        _ => 8,
    }
}

/// A Postgres error as the guest (and the user) should read it: the
/// server's message with its detail and hint, and the SQLSTATE.
pub fn database_error(e: &tokio_postgres::Error) -> ActionError {
    match e.as_db_error() {
        Some(db) => {
            let mut message = db.message().to_owned();
            if let Some(detail) = db.detail() {
                message.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                message.push_str(&format!("; hint: {hint}"));
            }
            ActionError::Database {
                message,
                sqlstate: Some(db.code().code().to_owned()),
            }
        }
        None => ActionError::Database {
            message: source_message(e),
            sqlstate: e.code().map(|c| c.code().to_owned()),
        },
    }
}

/// tokio-postgres wraps conversion errors; the innermost message is the useful one.
fn source_message(e: &tokio_postgres::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_a_migration_sends_escapes_the_comment_lines() {
        let logged = with_params("SELECT $1", &[SqlValue::Numeric("1\nDROP TABLE users;".into())]);
        let mut lines = logged.lines();
        assert_eq!(lines.next(), Some("SELECT $1"));
        assert!(lines.all(|l| l.starts_with("--")), "{logged}");
        assert!(comment("a\nDROP TABLE users;\nb").lines().all(|l| l.starts_with("-- ")));
    }
}
