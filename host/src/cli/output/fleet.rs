//! What a fleet command prints: a line per target as it finishes (stdout),
//! notes on the rollout and on retries (stderr), then the summary, the
//! fleet's status or its check. The bar counts the targets done, and names
//! how many run and how many failed.

use super::{COUNT_TEMPLATE, Printer, line, lines};
use crate::fleet::{Event, FleetCheck, FleetStatus, Outcome, Stop, Summary, TargetReport};
use crate::migrator;
use crate::runtime::Direction;

/// The targets running and failed, for the bar.
#[derive(Default)]
pub(super) struct Tally {
    running: usize,
    failed: usize,
}

/// How many names a list of targets shows before it counts the rest.
const NAMES_SHOWN: usize = 10;

impl Printer {
    /// One event of a fleet command; `json`: nothing on stdout but the
    /// JSON at the end.
    pub fn fleet_event(&self, event: &Event, json: bool) {
        match event {
            Event::Planned { targets } => {
                *self.tally.lock().unwrap_or_else(|e| e.into_inner()) = Tally::default();
                self.start_bar("targets", *targets as u64, COUNT_TEMPLATE);
            }
            Event::Canary { count } => self.note(&format!(
                "canary: {count} target(s) with something to run go first; if one fails, no other starts"
            )),
            Event::Wave { number, of, targets } => self.note(&format!("wave {number} of {of}: {targets} target(s)")),
            Event::Pausing { wait, number, of } => {
                let next = if *of > 1 {
                    format!("wave {number} of {of}")
                } else {
                    "the rest".to_owned()
                };
                self.note(&format!("pausing {} before {next}", humantime::format_duration(*wait)))
            }
            Event::Started { .. } => self.count(|t| t.running += 1, 0),
            Event::Migrator { target, event } => self.target_event(target, event, json),
            Event::Ran { report } => {
                let failed = report.outcome == Outcome::Failed;
                self.count(|t| finished(t, failed), 1);
                if !self.quiet && !json {
                    self.out(|| println!("{}", target_line(report)));
                }
            }
            Event::Read { failed, .. } => self.count(|t| finished(t, *failed), 1),
            Event::Stopped { why, target } => {
                let why = match why {
                    Stop::Canary => "the canary",
                    Stop::FailFast => "with --fail-fast,",
                };
                self.note(&format!(
                    "{why} {} failed: no other target starts (those running finish)",
                    line(target)
                ));
            }
        }
    }

    /// The bar goes, before the result is printed.
    pub fn finish_fleet(&self) {
        use crate::progress::Progress as _;
        self.finish();
    }

    /// A line on stderr about the rollout, unless `-q`.
    fn note(&self, text: &str) {
        if !self.quiet {
            self.out(|| eprintln!("{text}"));
        }
    }

    /// Updates the tally (and moves the bar `done` targets on).
    fn count(&self, update: impl FnOnce(&mut Tally), done: u64) {
        let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        update(&mut tally);
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            bar.set_message(format!("{} running, {} failed", tally.running, tally.failed));
            bar.inc(done);
        }
    }

    /// What a target's migrator said: retries and waits on stderr, and with
    /// `-v` each migration as it finishes.
    fn target_event(&self, target: &str, event: &migrator::Event, json: bool) {
        let target = line(target);
        match event {
            migrator::Event::WaitingForLock => self.note(&format!(
                "{target}: waiting for another migrate-host run on it to finish..."
            )),
            migrator::Event::Forced { revisions } => self.note(&format!(
                "{target}: warning: going ahead over changed migration(s) {} because of --force, for this run only",
                revisions.join(", ")
            )),
            migrator::Event::Retrying {
                revision,
                attempt,
                retries,
                wait,
            } => self.note(&format!(
                "{target}: {} waited for a lock past its lock_timeout; rolled back, trying again in {} (retry \
                 {attempt} of {retries})",
                line(revision),
                humantime::format_duration(*wait)
            )),
            migrator::Event::Finished {
                direction,
                revision,
                message,
                millis,
                ..
            } if self.verbose && !json => {
                let verb = match direction {
                    Direction::Up => "applied",
                    Direction::Down => "rolled back",
                };
                self.out(|| {
                    println!(
                        "{target}: {verb} {}  {}  ({millis:.1} ms)",
                        line(revision),
                        line(message)
                    )
                });
            }
            _ => {}
        }
    }

    /// What a fleet `apply` or `rollback` did: the counts, each failure in
    /// full, the targets not started.
    pub fn fleet_summary(&self, summary: &Summary) {
        if self.quiet {
            return;
        }
        let ok = summary.count(Outcome::Ok);
        let moved = summary
            .targets
            .iter()
            .filter(|t| t.outcome == Outcome::Ok && !t.ran.is_empty())
            .count();
        let failed: Vec<&TargetReport> = summary
            .targets
            .iter()
            .filter(|t| t.outcome == Outcome::Failed)
            .collect();
        let skipped: Vec<&str> = summary
            .targets
            .iter()
            .filter(|t| t.outcome == Outcome::Skipped)
            .map(|t| t.name.as_str())
            .collect();
        println!(
            "{}: {} target(s) in {}: {ok} ok ({moved} ran migrations, {} had nothing to do), {} failed, {} not started",
            summary.command,
            summary.targets.len(),
            duration(summary.ms),
            ok - moved,
            failed.len(),
            skipped.len()
        );
        for report in &failed {
            println!(
                "FAILED {}: {}",
                line(&report.name),
                lines(report.error.as_deref().unwrap_or_default()).replace('\n', "\n  ")
            );
        }
        if !skipped.is_empty() {
            let why = match summary.stopped {
                Some(Stop::Canary) => "a canary failed",
                Some(Stop::FailFast) => "--fail-fast",
                None => "the rollout stopped",
            };
            println!("not started ({why}): {}", names(&skipped));
        }
    }

    /// `status --targets`: the targets by revision, then the ones behind,
    /// changed or failing, then the verdict.
    pub fn fleet_status(&self, status: &FleetStatus) {
        if self.quiet {
            return;
        }
        let head = status.head.as_deref().map_or("(no migrations)".into(), line);
        println!("{} target(s); the newest migration is {head}", status.targets.len());
        let width = status
            .revisions
            .iter()
            .map(|r| revision(r.revision.as_deref()).len())
            .max()
            .unwrap_or(0);
        for at in &status.revisions {
            println!(
                "  {:<width$}  {} target(s)",
                revision(at.revision.as_deref()),
                at.targets
            );
        }
        let list = |what: &str, which: &dyn Fn(&crate::fleet::TargetStatus) -> Option<String>| {
            let listed: Vec<(String, String)> = status
                .targets
                .iter()
                .filter_map(|t| which(t).map(|why| (t.name.clone(), why)))
                .collect();
            if !listed.is_empty() {
                println!("{what} ({}):", listed.len());
                for (name, why) in listed {
                    println!("  {}  {why}", line(&name));
                }
            }
        };
        list("behind", &|t| {
            t.behind()
                .then(|| format!("at {}, {} pending", revision(t.revision.as_deref()), t.pending.len()))
        });
        list("changed", &|t| {
            t.drifted().then(|| {
                let changed = t.changed.iter().map(|r| format!("CHANGED {}", line(r)));
                let missing = t.missing.iter().map(|r| format!("MISSING {}", line(r)));
                changed.chain(missing).collect::<Vec<_>>().join(", ")
            })
        });
        list("failing", &|t| {
            t.failing().then(|| match &t.error {
                Some(error) => format!("error: {}", first_line(error)),
                None => format!(
                    "problem: {}",
                    t.problems.iter().map(|p| first_line(p)).collect::<Vec<_>>().join("; ")
                ),
            })
        });
        let at_head = status.targets.iter().filter(|t| t.at_head()).count();
        println!(
            "status: {at_head} of {} target(s) at head (exit {})",
            status.targets.len(),
            status.exit_code
        );
    }

    /// `check --targets`: the migrations replayed once, each target's
    /// verdict (with what differs), then the fleet's.
    pub fn fleet_checked(&self, report: &FleetCheck) {
        if self.quiet {
            return;
        }
        let schema = line(&report.schema);
        match (&report.replay.error, report.replay.steps.len()) {
            (Some(error), _) => println!("migrations: replaying them failed: {}", lines(error)),
            (None, 0) => println!("migrations: replayed into a scratch database, they produce {schema}"),
            (None, n) => println!(
                "migrations: replayed into a scratch database, they do not produce {schema}; {n} step(s) missing"
            ),
        }
        for target in &report.targets {
            let mut verdict = Vec::new();
            if let Some(error) = &target.error {
                verdict.push(format!("error: {}", first_line(error)));
            }
            let m = &target.migrations;
            for (count, what) in [
                (m.pending.len(), "pending"),
                (m.changed.len(), "changed"),
                (m.missing.len(), "missing"),
                (m.problems.len(), "problem(s)"),
            ] {
                if count > 0 {
                    verdict.push(format!("{count} {what}"));
                }
            }
            match &target.database {
                Some(steps) if !steps.is_empty() => {
                    verdict.push(format!("the database differs from {schema} ({} step(s))", steps.len()))
                }
                None if target.error.is_none() => verdict.push("schema not compared (a tenant)".into()),
                _ => {}
            }
            let verdict = if target.exit_code == 0 && verdict.iter().all(|v| v.starts_with("schema not")) {
                std::iter::once("in sync".to_owned())
                    .chain(verdict)
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                verdict.join("; ")
            };
            println!("  {}  {verdict}  (exit {})", line(&target.name), target.exit_code);
            if self.verbose {
                for step in target.database.iter().flatten() {
                    println!("      {}", line(&step.description));
                }
                for problem in &m.problems {
                    println!("      problem: {}", lines(problem));
                }
            }
        }
        let in_sync = report.targets.iter().filter(|t| t.exit_code == 0).count();
        println!(
            "check: {in_sync} of {} target(s) in sync (exit {})",
            report.targets.len(),
            report.exit_code
        );
    }
}

fn finished(tally: &mut Tally, failed: bool) {
    tally.running = tally.running.saturating_sub(1);
    tally.failed += usize::from(failed);
}

/// `      ok  name  (none) → r4  (4 migration(s), 812 ms)`.
fn target_line(report: &TargetReport) -> String {
    let name = line(&report.name);
    let took = duration(report.ms);
    match report.outcome {
        Outcome::Ok if report.ran.is_empty() => {
            format!(
                "{:>8}  {name}  at {}: nothing to do  ({took})",
                "ok",
                revision(report.after.as_deref())
            )
        }
        Outcome::Ok => format!(
            "{:>8}  {name}  {} -> {}  ({} migration(s), {took})",
            "ok",
            revision(report.before.as_deref()),
            revision(report.after.as_deref()),
            report.ran.len()
        ),
        Outcome::Failed => format!(
            "{:>8}  {name}  {} migration(s) ran, then: {}  ({took})",
            "FAILED",
            report.ran.len(),
            first_line(report.error.as_deref().unwrap_or_default())
        ),
        Outcome::Skipped => format!("{:>8}  {name}", "skipped"),
    }
}

fn revision(revision: Option<&str>) -> String {
    revision.map_or_else(|| "(none)".to_owned(), |r| line(r).into_owned())
}

fn first_line(text: &str) -> String {
    line(text.lines().next().unwrap_or_default()).into_owned()
}

fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// Some names, and how many more.
fn names(all: &[&str]) -> String {
    let shown: Vec<String> = all.iter().take(NAMES_SHOWN).map(|n| line(n).into_owned()).collect();
    match all.len().saturating_sub(NAMES_SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Ran;
    use crate::progress::Progress as _;

    #[test]
    fn the_bar_counts_the_targets_done_running_and_failed() {
        let printer = Printer::with_progress(false, false, true);
        printer.fleet_event(&Event::Planned { targets: 3 }, true);
        for target in ["a", "b"] {
            printer.fleet_event(&Event::Started { target }, true);
        }
        let failed = TargetReport::failed("a", "connecting to Postgres: refused".into(), 3.0);
        printer.fleet_event(&Event::Ran { report: &failed }, true);
        {
            let bar = printer.bar.lock().unwrap();
            let bar = bar.as_ref().expect("a bar of three targets");
            assert_eq!(bar.message(), "1 running, 1 failed");
            assert_eq!((bar.position(), bar.length()), (1, Some(3)));
        }
        printer.finish_fleet();
        assert!(!printer.shown());
    }

    #[test]
    fn a_target_is_one_line() {
        let mut report = TargetReport {
            outcome: Outcome::Ok,
            before: Some("r1".into()),
            after: Some("r3".into()),
            ran: vec![
                Ran {
                    revision: "r2".into(),
                    message: "m".into(),
                    ms: 1.0,
                },
                Ran {
                    revision: "r3".into(),
                    message: "m".into(),
                    ms: 1.0,
                },
            ],
            ..TargetReport::skipped("s1/shop")
        };
        report.ms = 1234.0;
        assert_eq!(
            target_line(&report),
            "      ok  s1/shop  r1 -> r3  (2 migration(s), 1.2 s)"
        );
        report.ran.clear();
        report.ms = 12.0;
        assert_eq!(target_line(&report), "      ok  s1/shop  at r3: nothing to do  (12 ms)");
        let failed = TargetReport::failed("s1/\u{1b}[2Kshop", "it failed\n  SQL: x".into(), 5.0);
        assert_eq!(
            target_line(&failed),
            "  FAILED  s1/\\u{1b}[2Kshop  0 migration(s) ran, then: it failed  (5 ms)"
        );
        assert_eq!(names(&["a"; 12]), "a, a, a, a, a, a, a, a, a, a and 2 more");
    }
}
