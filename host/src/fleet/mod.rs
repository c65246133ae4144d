//! Many databases at once: `apply`, `rollback`, `status` and `check` over a
//! fleet of targets, which are databases (listed, or found on servers by a
//! query) or the tenants of a schema-per-tenant database ([`targets`]).
//!
//! The fleet owns the rollout, not the migrating. Each target runs through
//! a [`Migrator`] of its own (its lock, its history, a transaction per
//! migration; a tenant's history and lock live in its schema), on one
//! runtime and on the migrations loaded once for every target. What is
//! left to do on a target is what its own history says, so running the
//! same command again after a failure or a kill takes each target up where
//! it stands: nothing about a run is kept anywhere else.
//!
//! The rollout: targets start in order, at most `--parallel` at once and
//! `--per-server` on one server ([`schedule`]); with `--canary K`, K targets
//! that have something to run go first, and a failure among them stops the
//! rollout; the rest go in waves (`--wave-size`; `--pause` after the
//! canaries and between waves).
//! A target that fails stops no other unless `--fail-fast`. What each
//! target did, and the fleet's verdict, are [`report`]'s.

pub mod report;
mod schedule;
pub mod targets;

pub use report::{
    AtRevision, FleetCheck, FleetStatus, Outcome, Ran, Stop, Summary, TargetCheck, TargetReport, TargetStatus,
};
pub use schedule::{Concurrency, DEFAULT_PARALLEL};

use crate::migrator::{self, ApplyOptions, Interrupted, Loaded, Migrator, RollbackOptions, RollbackTarget};
use crate::policy::Source;
use crate::runtime::{Direction, Runtime};
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use schedule::Slots;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use targets::{Target, Unlisted};

/// What a fleet run does on each target: apply up to `to` (none: every
/// migration), or roll back until `to` is the newest applied (none:
/// everything). A rollback names where it goes, since `--steps N` would
/// undo N more on every run, and a fleet's runs are made to be run again.
#[derive(Clone, Debug)]
pub struct Command {
    pub direction: Direction,
    pub to: Option<String>,
    pub force: bool,
    pub interrupted: Option<Interrupted>,
}

/// How a fleet run rolls out.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub concurrency: Concurrency,
    /// Targets that must run cleanly before the others start.
    pub canary: Option<usize>,
    /// The rest in waves of this many.
    pub wave_size: Option<usize>,
    /// The wait after the canaries, and between waves.
    pub pause: Duration,
    /// Start no more targets once one failed.
    pub fail_fast: bool,
}

/// Something that happened, for progress output.
pub enum Event<'a> {
    /// The command starts on this many targets.
    Planned {
        targets: usize,
    },
    /// The canaries go first: this many targets that have something to run.
    Canary {
        count: usize,
    },
    /// A wave starts (there are several).
    Wave {
        number: usize,
        of: usize,
        targets: usize,
    },
    /// The wait before wave `number` of `of` (after the canaries, or a wave).
    Pausing {
        wait: Duration,
        number: usize,
        of: usize,
    },
    Started {
        target: &'a str,
    },
    /// What a target's migrator reported (a migration finished, a retry).
    Migrator {
        target: &'a str,
        event: &'a migrator::Event<'a>,
    },
    /// A target's apply or rollback is over.
    Ran {
        report: &'a TargetReport,
    },
    /// A target's status or check is over.
    Read {
        target: &'a str,
        failed: bool,
    },
    /// No more targets start: `target` failed.
    Stopped {
        why: Stop,
        target: &'a str,
    },
}

/// The targets, and what every target's migrator shares.
pub struct Fleet {
    runtime: Arc<Runtime>,
    sources: Vec<Source>,
    loaded: Arc<Loaded>,
    lock_retries: u32,
    targets: Vec<Target>,
    unlisted: Vec<Unlisted>,
}

impl Fleet {
    /// Loads the migrations once (any problem with them is reported before
    /// a target is touched) and lists the targets.
    pub async fn open(
        config: &targets::Config,
        runtime: Runtime,
        sources: Vec<Source>,
        lock_retries: u32,
    ) -> anyhow::Result<Self> {
        let loaded = migrator::load(&runtime, &sources).await?;
        let resolved = config.resolve().await?;
        if resolved.targets.iter().any(|t| t.tenant.is_some()) {
            migrator::tenants_allowed(&sources)?;
        }
        Ok(Fleet {
            runtime: Arc::new(runtime),
            sources,
            loaded: Arc::new(loaded),
            lock_retries,
            targets: resolved.targets,
            unlisted: resolved.unlisted,
        })
    }

    /// The targets, in order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// A migrator on `target`, sharing the fleet's runtime and migrations.
    async fn migrator(&self, target: &Target) -> anyhow::Result<Migrator> {
        let migrator = Migrator::connect_sources(self.runtime.clone(), &target.url, self.sources.clone())
            .await?
            .sharing(self.loaded.clone())
            .with_lock_retries(self.lock_retries);
        match &target.tenant {
            Some(schema) => migrator.for_tenant(schema),
            None => Ok(migrator),
        }
    }

    /// Runs `command` on every target, as `options` roll it out. Never
    /// fails as a whole: each target's failure is in its report.
    pub async fn run(&self, command: &Command, options: &Options, on_event: &dyn Fn(Event)) -> Summary {
        let started = Instant::now();
        on_event(Event::Planned {
            targets: self.targets.len() + self.unlisted.len(),
        });
        let mut listed = Vec::new();
        for unlisted in &self.unlisted {
            let report = TargetReport::failed(&unlisted.name, unlisted.error.clone(), 0.0);
            on_event(Event::Ran { report: &report });
            listed.push(report);
        }
        let reports: RefCell<Vec<Option<TargetReport>>> = RefCell::new(vec![None; self.targets.len()]);
        let stopped: Cell<Option<Stop>> = Cell::new(None);
        if options.fail_fast && !self.unlisted.is_empty() {
            stopped.set(Some(Stop::FailFast));
        }
        // Keeps the report; says whether to start more.
        let keep = |i: usize, report: TargetReport, stop: Option<Stop>| {
            on_event(Event::Ran { report: &report });
            let failed = report.outcome == Outcome::Failed;
            reports.borrow_mut()[i] = Some(report);
            match stop.filter(|_| failed) {
                Some(why) => {
                    if stopped.get().is_none() {
                        stopped.set(Some(why));
                        on_event(Event::Stopped {
                            why,
                            target: &self.targets[i].name,
                        });
                    }
                    false
                }
                None => true,
            }
        };
        let job = |i: usize| self.run_one(&self.targets[i], command, on_event);
        let mut queue: VecDeque<usize> = (0..self.targets.len()).collect();
        let canaries = options.canary.filter(|&k| k > 0 && stopped.get().is_none());
        if let Some(count) = canaries {
            on_event(Event::Canary { count });
            // A canary that had nothing to run (done in an earlier run)
            // proves nothing: the next one takes its place.
            let passed = Cell::new(0);
            let room = |running: usize| passed.get() + running < count;
            let done = &mut |i: usize, report: TargetReport| {
                if report.outcome == Outcome::Ok && !report.ran.is_empty() {
                    passed.set(passed.get() + 1);
                }
                keep(i, report, Some(Stop::Canary))
            };
            self.each(&mut queue, options.concurrency, &room, &job, done).await;
        }
        let waves = schedule::waves(queue.drain(..).collect(), options.wave_size);
        let of = waves.len();
        for (n, wave) in waves.into_iter().enumerate() {
            let mut wave = VecDeque::from(wave);
            if stopped.get().is_none() {
                if (n > 0 || canaries.is_some()) && !options.pause.is_zero() {
                    on_event(Event::Pausing {
                        wait: options.pause,
                        number: n + 1,
                        of,
                    });
                    tokio::time::sleep(options.pause).await;
                }
                if of > 1 {
                    on_event(Event::Wave {
                        number: n + 1,
                        of,
                        targets: wave.len(),
                    });
                }
                let stop = options.fail_fast.then_some(Stop::FailFast);
                let done = &mut |i: usize, report: TargetReport| keep(i, report, stop);
                self.each(&mut wave, options.concurrency, &|_| true, &job, done).await;
            }
        }
        let reports = reports.into_inner();
        listed.extend(
            reports
                .into_iter()
                .zip(&self.targets)
                .map(|(report, target)| report.unwrap_or_else(|| TargetReport::skipped(&target.name))),
        );
        Summary::new(
            command.direction.command(),
            listed,
            stopped.get(),
            started.elapsed().as_secs_f64() * 1000.0,
        )
    }

    /// Where every target stands.
    pub async fn status(&self, limits: Concurrency, on_event: &dyn Fn(Event)) -> FleetStatus {
        let read = |i: usize| async move {
            let target = &self.targets[i];
            let status = self.migrator(target).await?.status().await?;
            Ok(TargetStatus::of(&target.name, &status))
        };
        let statuses = self
            .read_each(limits, on_event, &read, TargetStatus::unreadable, TargetStatus::failing)
            .await;
        let order = self.loaded.revisions();
        FleetStatus::new(order.last().cloned(), &order, statuses)
    }

    /// `check` of every target against `expected` (the declared schema
    /// and the migrations replayed, made once). A tenant's schema is not
    /// compared with the declared one: its migrations are checked against
    /// its history.
    pub async fn check(
        &self,
        expected: &crate::check::Expected,
        limits: Concurrency,
        on_event: &dyn Fn(Event),
    ) -> FleetCheck {
        let read = |i: usize| async move {
            let target = &self.targets[i];
            let migrator = self.migrator(target).await?;
            let live = crate::check::read(&migrator, target.tenant.is_none()).await?;
            Ok(TargetCheck::of(&target.name, expected.report(Some(live))?))
        };
        let checks = self
            .read_each(limits, on_event, &read, TargetCheck::unreadable, |c| c.exit_code != 0)
            .await;
        FleetCheck::new(expected.schema().to_owned(), expected.replay().clone(), checks)
    }

    /// What `read` makes of each target, a few at once, in the targets'
    /// order; `unreadable` stands for a target (or a listing) that could
    /// not be read, and `failed` says which count as failed on the bar.
    async fn read_each<T, F: Future<Output = anyhow::Result<T>>>(
        &self,
        limits: Concurrency,
        on_event: &dyn Fn(Event),
        read: &dyn Fn(usize) -> F,
        unreadable: fn(&str, String) -> T,
        failed: fn(&T) -> bool,
    ) -> Vec<T> {
        on_event(Event::Planned {
            targets: self.targets.len() + self.unlisted.len(),
        });
        let mut all = Vec::new();
        for unlisted in &self.unlisted {
            on_event(Event::Read {
                target: &unlisted.name,
                failed: true,
            });
            all.push(unreadable(&unlisted.name, unlisted.error.clone()));
        }
        let mut slots: Vec<Option<T>> = self.targets.iter().map(|_| None).collect();
        let job = |i: usize| async move {
            let name = &self.targets[i].name;
            on_event(Event::Started { target: name });
            read(i)
                .await
                .unwrap_or_else(|error| unreadable(name, format!("{error:#}")))
        };
        let done = &mut |i: usize, result: T| {
            on_event(Event::Read {
                target: &self.targets[i].name,
                failed: failed(&result),
            });
            slots[i] = Some(result);
            true
        };
        let mut queue: VecDeque<usize> = (0..self.targets.len()).collect();
        self.each(&mut queue, limits, &|_| true, &job, done).await;
        all.extend(slots.into_iter().flatten());
        all
    }

    /// `command` on one target: what ran, and how it ended.
    async fn run_one(&self, target: &Target, command: &Command, on_event: &dyn Fn(Event)) -> TargetReport {
        on_event(Event::Started { target: &target.name });
        let started = Instant::now();
        let mut ran = Vec::new();
        let mut events = |event: migrator::Event| {
            if let migrator::Event::Finished {
                revision,
                message,
                millis,
                ..
            } = &event
            {
                ran.push(Ran {
                    revision: (*revision).to_owned(),
                    message: (*message).to_owned(),
                    ms: *millis,
                });
            }
            on_event(Event::Migrator {
                target: &target.name,
                event: &event,
            });
        };
        let Command {
            direction,
            to,
            force,
            interrupted,
        } = command.clone();
        let result = async {
            let migrator = self.migrator(target).await?;
            match direction {
                Direction::Up => {
                    let options = ApplyOptions {
                        to,
                        dry_run: false,
                        force,
                        interrupted,
                    };
                    migrator.apply(&options, &mut events).await
                }
                Direction::Down => {
                    let options = RollbackOptions {
                        target: to.map_or(RollbackTarget::All, RollbackTarget::To),
                        dry_run: false,
                        force,
                        interrupted,
                    };
                    migrator.rollback(&options, &mut events).await
                }
            }
        }
        .await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(report) => TargetReport {
                name: target.name.clone(),
                outcome: Outcome::Ok,
                before: report.before,
                after: report.head,
                ran,
                ms,
                error: None,
            },
            Err(error) => {
                // What committed before the failure stays, and says where the target is.
                let (before, after) = match error.stopped() {
                    Some((_, report)) => (report.before.clone(), report.head.clone()),
                    None => (None, None),
                };
                TargetReport {
                    name: target.name.clone(),
                    outcome: Outcome::Failed,
                    before,
                    after,
                    ran,
                    ms,
                    error: Some(format!("{:#}", anyhow::Error::new(error))),
                }
            }
        }
    }

    /// Runs `job` on the targets of `queue`, from its front, as many at once
    /// as `limits` allow and `room` (given how many run) agrees to; `done`
    /// takes each result as it comes, and says whether to start more. The
    /// ones running always finish: a migration is never cut off halfway.
    /// What did not start stays in `queue`.
    async fn each<T, F: Future<Output = T>>(
        &self,
        queue: &mut VecDeque<usize>,
        limits: Concurrency,
        room: &dyn Fn(usize) -> bool,
        job: &dyn Fn(usize) -> F,
        done: &mut dyn FnMut(usize, T) -> bool,
    ) {
        let servers: Vec<&str> = self.targets.iter().map(|t| t.server.as_str()).collect();
        let mut slots = Slots::new(limits, &servers);
        let mut running = FuturesUnordered::new();
        let mut open = true;
        loop {
            while open && room(slots.running()) {
                let Some(i) = slots.start(queue) else { break };
                running.push(async move { (i, job(i).await) });
            }
            let Some((i, result)) = running.next().await else {
                break;
            };
            slots.finished(i);
            open &= done(i, result);
        }
    }
}
