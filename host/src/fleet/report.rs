//! What a fleet command tells: per target, what happened (the revision
//! before and after, what ran and how long, the error), and for the whole
//! fleet, the counts and the exit code. Built from the migrator's own
//! reports and statuses; no database here, so the verdicts are unit-tested.

use crate::history::chain::State;
use crate::migrator::Status;
use serde::Serialize;

/// How a target's run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Done: every migration it had to run ran (maybe none).
    Ok,
    Failed,
    /// Not started: the rollout stopped first ([`Stop`]).
    Skipped,
}

/// Why the rollout stopped starting targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// A canary failed.
    Canary,
    /// A target failed under `--fail-fast`.
    FailFast,
}

/// One migration a target ran.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ran {
    pub revision: String,
    pub message: String,
    pub ms: f64,
}

/// What happened on one target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetReport {
    pub name: String,
    pub outcome: Outcome,
    /// The newest applied revision before the run and after it (none: no
    /// migration applied, or not known because the target's history could
    /// not be read; `error` then says why).
    pub before: Option<String>,
    pub after: Option<String>,
    /// The migrations that ran (and committed), in order.
    pub ran: Vec<Ran>,
    /// Wall time on the target, connecting included.
    pub ms: f64,
    /// The error, with its causes (`{:#}`), when it failed.
    pub error: Option<String>,
}

impl TargetReport {
    /// A target the rollout never started.
    pub fn skipped(name: &str) -> Self {
        TargetReport {
            name: name.to_owned(),
            outcome: Outcome::Skipped,
            before: None,
            after: None,
            ran: Vec::new(),
            ms: 0.0,
            error: None,
        }
    }

    /// A target that failed before anything ran (or could not be listed).
    pub fn failed(name: &str, error: String, ms: f64) -> Self {
        TargetReport {
            outcome: Outcome::Failed,
            error: Some(error),
            ms,
            ..TargetReport::skipped(name)
        }
    }
}

/// A fleet `apply` or `rollback`.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// `apply` or `rollback`.
    pub command: &'static str,
    /// 0 every target is done; 1 one failed or was skipped.
    pub exit_code: u8,
    /// Why targets were skipped, if the rollout stopped.
    pub stopped: Option<Stop>,
    /// In the targets' order.
    pub targets: Vec<TargetReport>,
    pub ms: f64,
}

impl Summary {
    pub fn new(command: &'static str, targets: Vec<TargetReport>, stopped: Option<Stop>, ms: f64) -> Self {
        let done = targets.iter().all(|t| t.outcome == Outcome::Ok);
        Summary {
            command,
            exit_code: if done { 0 } else { 1 },
            stopped,
            targets,
            ms,
        }
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.targets.iter().filter(|t| t.outcome == outcome).count()
    }
}

/// Where one target stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetStatus {
    pub name: String,
    /// The newest migration applied (none: none is, or the target could not
    /// be read).
    pub revision: Option<String>,
    pub pending: Vec<String>,
    /// Applied, and changed since (`CHANGED`), or no longer declared (`MISSING`).
    pub changed: Vec<String>,
    pub missing: Vec<String>,
    /// What keeps its history from moving (a migration under way, a
    /// history that does not match).
    pub problems: Vec<String>,
    /// Why it could not be read.
    pub error: Option<String>,
}

impl TargetStatus {
    pub fn of(name: &str, status: &Status) -> Self {
        let revisions = |state: State| -> Vec<String> {
            status
                .migrations
                .iter()
                .filter(|m| m.state == state)
                .map(|m| m.revision.clone())
                .collect()
        };
        TargetStatus {
            name: name.to_owned(),
            revision: status
                .migrations
                .iter()
                .rfind(|m| matches!(m.state, State::Applied | State::Changed))
                .map(|m| m.revision.clone()),
            pending: revisions(State::Pending),
            changed: revisions(State::Changed),
            missing: revisions(State::Missing),
            problems: status.problems.clone(),
            error: None,
        }
    }

    pub fn unreadable(name: &str, error: String) -> Self {
        TargetStatus {
            name: name.to_owned(),
            revision: None,
            pending: Vec::new(),
            changed: Vec::new(),
            missing: Vec::new(),
            problems: Vec::new(),
            error: Some(error),
        }
    }

    /// Every migration applied as it is, nothing in the way.
    pub fn at_head(&self) -> bool {
        self.error.is_none() && self.is_current()
    }

    fn is_current(&self) -> bool {
        self.pending.is_empty() && self.changed.is_empty() && self.missing.is_empty() && self.problems.is_empty()
    }

    pub fn behind(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn drifted(&self) -> bool {
        !self.changed.is_empty() || !self.missing.is_empty()
    }

    pub fn failing(&self) -> bool {
        self.error.is_some() || !self.problems.is_empty()
    }
}

/// How many targets are at one revision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AtRevision {
    /// None: no migration applied.
    pub revision: Option<String>,
    pub targets: usize,
}

/// `status` over a fleet.
#[derive(Clone, Debug, Serialize)]
pub struct FleetStatus {
    /// 0 every target is at head; 3 one is not (behind, changed, failing).
    pub exit_code: u8,
    /// The newest migration.
    pub head: Option<String>,
    /// The targets that could be read, counted by revision, newest first.
    pub revisions: Vec<AtRevision>,
    /// In the targets' order.
    pub targets: Vec<TargetStatus>,
}

impl FleetStatus {
    /// `order` is every migration's revision in chain order (what "newest" means).
    pub fn new(head: Option<String>, order: &[String], targets: Vec<TargetStatus>) -> Self {
        let mut revisions: Vec<AtRevision> = Vec::new();
        for target in targets.iter().filter(|t| t.error.is_none()) {
            match revisions.iter_mut().find(|r| r.revision == target.revision) {
                Some(at) => at.targets += 1,
                None => revisions.push(AtRevision {
                    revision: target.revision.clone(),
                    targets: 1,
                }),
            }
        }
        // Newest first, by place in the chain; then a revision no migration
        // declares; none at all last.
        let rank = |r: &AtRevision| match &r.revision {
            None => 0,
            Some(revision) => order.iter().position(|o| o == revision).map_or(1, |p| p + 2),
        };
        revisions.sort_by_key(|r| std::cmp::Reverse(rank(r)));
        FleetStatus {
            exit_code: if targets.iter().all(TargetStatus::at_head) {
                0
            } else {
                3
            },
            head,
            revisions,
            targets,
        }
    }
}

/// `check` of one target.
#[derive(Clone, Debug, Serialize)]
pub struct TargetCheck {
    pub name: String,
    /// As `check`'s: 0 in sync, 2 the database differs from the declared
    /// schema, 3 the migrations are out of step; 1 it could not be checked.
    pub exit_code: u8,
    /// What would bring the database to the declared schema; none for a
    /// tenant (its schema is not compared) or a target not read.
    pub database: Option<Vec<crate::check::Step>>,
    pub migrations: crate::check::Migrations,
    pub error: Option<String>,
}

impl TargetCheck {
    pub fn of(name: &str, report: crate::check::Report) -> Self {
        TargetCheck {
            name: name.to_owned(),
            exit_code: report.exit_code,
            database: report.database,
            migrations: report.migrations,
            error: None,
        }
    }

    pub fn unreadable(name: &str, error: String) -> Self {
        TargetCheck {
            name: name.to_owned(),
            exit_code: 1,
            database: None,
            migrations: Default::default(),
            error: Some(error),
        }
    }
}

/// `check` over a fleet.
#[derive(Clone, Debug, Serialize)]
pub struct FleetCheck {
    /// 1 a target could not be checked; else the worst target's (3, then 2, then 0).
    pub exit_code: u8,
    /// The declared schema, as given.
    pub schema: String,
    /// The migrations replayed once, for every target.
    pub replay: crate::check::Replay,
    pub targets: Vec<TargetCheck>,
}

impl FleetCheck {
    pub fn new(schema: String, replay: crate::check::Replay, targets: Vec<TargetCheck>) -> Self {
        let worst = |code: u8| match code {
            1 => 3,
            3 => 2,
            2 => 1,
            _ => 0,
        };
        let exit_code = targets
            .iter()
            .map(|t| t.exit_code)
            .max_by_key(|&c| worst(c))
            .unwrap_or(0);
        FleetCheck {
            exit_code,
            schema,
            replay,
            targets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(name: &str, revision: Option<&str>, pending: &[&str]) -> TargetStatus {
        TargetStatus {
            name: name.into(),
            revision: revision.map(Into::into),
            pending: pending.iter().map(|p| p.to_string()).collect(),
            changed: vec![],
            missing: vec![],
            problems: vec![],
            error: None,
        }
    }

    #[test]
    fn the_fleet_is_counted_by_revision_newest_first() {
        let order = ["r1".to_owned(), "r2".to_owned(), "r3".to_owned()];
        let targets = vec![
            at("a", Some("r3"), &[]),
            at("b", Some("r1"), &["r2", "r3"]),
            at("c", None, &["r1", "r2", "r3"]),
            at("d", Some("r3"), &[]),
            TargetStatus::unreadable("e", "connecting: refused".into()),
            at("f", Some("gone"), &[]),
        ];
        let status = FleetStatus::new(Some("r3".into()), &order, targets);
        let counts: Vec<(Option<&str>, usize)> = status
            .revisions
            .iter()
            .map(|r| (r.revision.as_deref(), r.targets))
            .collect();
        assert_eq!(counts, [(Some("r3"), 2), (Some("r1"), 1), (Some("gone"), 1), (None, 1)]);
        assert_eq!(status.exit_code, 3);
        assert!(status.targets[1].behind() && !status.targets[1].failing());
        assert!(status.targets[4].failing() && !status.targets[4].at_head());
    }

    #[test]
    fn a_fleet_at_head_exits_0() {
        let order = ["r1".to_owned()];
        let status = FleetStatus::new(Some("r1".into()), &order, vec![at("a", Some("r1"), &[])]);
        assert_eq!(status.exit_code, 0);
        let mut changed = at("b", Some("r1"), &[]);
        changed.changed.push("r1".into());
        assert!(changed.drifted());
        assert_eq!(FleetStatus::new(None, &order, vec![changed]).exit_code, 3);
    }

    #[test]
    fn a_target_that_could_not_be_checked_makes_the_fleet_fail() {
        let with = |codes: &[u8]| {
            let targets = codes
                .iter()
                .map(|&code| TargetCheck {
                    exit_code: code,
                    ..TargetCheck::unreadable("t", String::new())
                })
                .collect();
            FleetCheck::new("schema.sql".into(), Default::default(), targets).exit_code
        };
        assert_eq!(with(&[0, 0]), 0);
        assert_eq!(with(&[0, 2]), 2);
        assert_eq!(with(&[2, 3, 0]), 3);
        assert_eq!(with(&[3, 1, 2]), 1);
        assert_eq!(with(&[]), 0);
    }

    #[test]
    fn a_run_fails_when_a_target_failed_or_was_skipped() {
        let ok = TargetReport {
            outcome: Outcome::Ok,
            ..TargetReport::skipped("a")
        };
        assert_eq!(Summary::new("apply", vec![ok.clone()], None, 1.0).exit_code, 0);
        let failed = TargetReport::failed("b", "boom".into(), 2.0);
        let summary = Summary::new(
            "apply",
            vec![ok, failed, TargetReport::skipped("c")],
            Some(Stop::Canary),
            3.0,
        );
        assert_eq!(summary.exit_code, 1);
        assert_eq!(
            (
                summary.count(Outcome::Ok),
                summary.count(Outcome::Failed),
                summary.count(Outcome::Skipped)
            ),
            (1, 1, 1)
        );
    }
}
