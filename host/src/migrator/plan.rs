//! Which migrations a run moves, worked out from the chains and the
//! history alone: no database, no components, so every rule (what `--to`
//! means, what a squash stands for, what `--force` lets through) is
//! unit-tested here. The migrator reads the history, plans, then runs the
//! plan's migrations through the transaction protocol.

use super::RollbackTarget;
use super::error::{Error, Result};
use crate::history::chain::{self, Applied, Link, Reconciled, State};

/// One source's chain as planning sees it.
#[derive(Clone, Debug)]
pub(crate) struct ChainLinks {
    /// The source's name.
    pub name: String,
    /// For messages: the directory, or `source NAME (DIR)` when there are
    /// several sources.
    pub at: String,
    /// In chain order.
    pub links: Vec<Link>,
}

/// A migration's place: its chain (source), and its index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    pub chain: usize,
    pub index: usize,
}

/// The chains of every source against the database's history.
pub(crate) struct Ledger {
    chains: Vec<ChainLinks>,
    applied: Vec<Applied>,
    reconciled: Vec<Reconciled>,
    /// Where the migrations come from, for messages.
    origin: String,
}

/// What `apply` runs.
#[derive(Debug, PartialEq)]
pub(crate) struct ApplyPlan {
    /// Changed migrations that `--force` lets through.
    pub forced: Vec<String>,
    /// In the order they run.
    pub run: Vec<Position>,
    /// The newest applied revision before the run.
    pub head: Option<String>,
}

/// One migration `rollback` undoes.
#[derive(Debug, PartialEq)]
pub(crate) struct Undo {
    pub position: Position,
    /// A squash undone where it was never run (the database has it through
    /// the revisions it replaces): their history records, newest first, to
    /// be rolled back with it in the same transaction.
    pub also: Vec<Applied>,
    /// The newest applied revision once it is undone.
    pub head_after: Option<String>,
}

/// What `rollback` runs.
#[derive(Debug, PartialEq)]
pub(crate) struct RollbackPlan {
    pub forced: Vec<String>,
    /// Newest first.
    pub run: Vec<Undo>,
    /// The newest applied revision before the run.
    pub head: Option<String>,
}

impl Ledger {
    /// Each chain reconciled with the history: its own applied revisions,
    /// and (for the first) those that no source declares, so that they are
    /// reported as missing.
    pub fn new(chains: Vec<ChainLinks>, applied: Vec<Applied>, origin: String) -> Self {
        let declared = |revision: &str, chain: &ChainLinks| {
            chain
                .links
                .iter()
                .any(|l| l.revision == revision || l.replaces.iter().any(|r| r == revision))
        };
        let reconciled = chains
            .iter()
            .enumerate()
            .map(|(i, chain)| {
                let own: Vec<Applied> = applied
                    .iter()
                    .filter(|a| {
                        declared(&a.revision, chain) || (i == 0 && !chains.iter().any(|c| declared(&a.revision, c)))
                    })
                    .cloned()
                    .collect();
                let links: Vec<&Link> = chain.links.iter().collect();
                chain::reconcile(&links, &own)
            })
            .collect();
        Ledger {
            chains,
            applied,
            reconciled,
            origin,
        }
    }

    pub fn reconciled(&self) -> &[Reconciled] {
        &self.reconciled
    }

    /// Every chain's problems, each named by its source when there are several.
    pub fn problems(&self) -> Vec<String> {
        let several = self.chains.len() > 1;
        self.chains
            .iter()
            .zip(&self.reconciled)
            .flat_map(|(chain, r)| {
                r.problems().into_iter().map(move |p| {
                    if several {
                        format!("source {}: {p}", chain.name)
                    } else {
                        p
                    }
                })
            })
            .collect()
    }

    fn find(&self, revision: &str) -> Option<Position> {
        self.chains.iter().enumerate().find_map(|(chain, c)| {
            let index = c.links.iter().position(|l| l.revision == revision)?;
            Some(Position { chain, index })
        })
    }

    fn link(&self, p: Position) -> &Link {
        &self.chains[p.chain].links[p.index]
    }

    fn unknown_revision(&self, revision: &str) -> Error {
        let squash = self
            .chains
            .iter()
            .flat_map(|c| &c.links)
            .find(|l| l.replaces.iter().any(|r| r == revision));
        Error::UnknownRevision {
            revision: revision.to_owned(),
            squashed_into: squash.map(|s| (s.revision.clone(), s.origin.clone())),
            origin: self.origin.clone(),
        }
    }

    /// Everything pending, source by source; with `to`, the sources before
    /// its source in full and its own up to it.
    pub fn plan_apply(&self, to: Option<&str>, force: bool) -> Result<ApplyPlan> {
        let target = to
            .map(|to| self.find(to).ok_or_else(|| self.unknown_revision(to)))
            .transpose()?;
        let mut forced = Vec::new();
        for (chain, r) in self.chains.iter().zip(&self.reconciled) {
            forced.extend(check(&chain.at, r, &r.entries, force)?);
        }
        let mut run = Vec::new();
        for (c, (chain, r)) in self.chains.iter().zip(&self.reconciled).enumerate() {
            let end = match target {
                Some(t) if t.chain == c => t.index + 1,
                Some(t) if t.chain < c => break,
                _ => chain.links.len(),
            };
            run.extend((r.applied_prefix()..end).map(|index| Position { chain: c, index }));
        }
        Ok(ApplyPlan {
            forced,
            run,
            head: self.applied.last().map(|a| a.revision.clone()),
        })
    }

    /// The newest applied migrations, across sources in the order the
    /// history applied them, back to `target`. Only the migrations undone
    /// must be unchanged.
    pub fn plan_rollback(&self, target: &RollbackTarget, force: bool) -> Result<RollbackPlan> {
        // A squash migration the database has through what it replaces
        // stands where the newest of those was applied.
        let squashed = |revision: &str| {
            self.chains.iter().enumerate().find_map(|(c, chain)| {
                let index = chain
                    .links
                    .iter()
                    .position(|l| l.replaces.last().is_some_and(|r| r == revision))?;
                self.reconciled[c].entries[index]
                    .squashed
                    .then_some(Position { chain: c, index })
            })
        };
        let mut order: Vec<Position> = Vec::new();
        for position in self
            .applied
            .iter()
            .filter_map(|a| self.find(&a.revision).or_else(|| squashed(&a.revision)))
            .filter(|p| p.index < self.reconciled[p.chain].applied_prefix())
        {
            order.retain(|&p| p != position);
            order.push(position);
        }
        let keep = match target {
            RollbackTarget::Steps(n) => order.len().saturating_sub(*n),
            RollbackTarget::All => 0,
            RollbackTarget::To(to) => {
                let p = self.find(to).ok_or_else(|| self.unknown_revision(to))?;
                let at = order
                    .iter()
                    .position(|&o| o == p)
                    .ok_or_else(|| Error::NotApplied { revision: to.clone() })?;
                at + 1
            }
        };
        let undo = &order[keep..];
        let mut forced = Vec::new();
        for (c, (chain, r)) in self.chains.iter().zip(&self.reconciled).enumerate() {
            let entries: Vec<chain::Entry> = undo
                .iter()
                .filter(|p| p.chain == c)
                .map(|p| r.entries[p.index].clone())
                .collect();
            forced.extend(check(&chain.at, r, &entries, force)?);
        }
        let revision = |p: &Position| self.link(*p).revision.clone();
        let run = (keep..order.len())
            .rev()
            .map(|j| {
                let position = order[j];
                let also = if self.reconciled[position.chain].entries[position.index].squashed {
                    let replaces = &self.link(position).replaces;
                    self.applied
                        .iter()
                        .rev()
                        .filter(|a| replaces.contains(&a.revision))
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                let head_after = j.checked_sub(1).map(|k| revision(&order[k]));
                Undo {
                    position,
                    also,
                    head_after,
                }
            })
            .collect();
        Ok(RollbackPlan {
            forced,
            run,
            head: order.last().map(revision),
        })
    }

    /// The position of an applied revision for `accept`, and whether its
    /// component changed (true: there is something to record).
    pub fn plan_accept(&self, revision: &str) -> anyhow::Result<(Position, bool)> {
        let found = self
            .chains
            .iter()
            .zip(&self.reconciled)
            .enumerate()
            .find_map(|(c, (chain, r))| {
                let index = chain.links.iter().position(|l| l.revision == revision)?;
                Some((
                    Position { chain: c, index },
                    r.entries.iter().find(|e| e.chain_index == Some(index))?,
                ))
            });
        let Some((position, entry)) = found else {
            anyhow::bail!("accept {revision}: no migration in {} has that revision", self.origin);
        };
        match entry.state {
            State::Changed => Ok((position, true)),
            State::Applied => Ok((position, false)),
            State::Pending | State::Missing => {
                anyhow::bail!("accept {revision}: it is not applied, so there is nothing to accept (`apply` runs it)")
            }
        }
    }
}

/// Refuses to move a chain with problems, or over changed migrations unless
/// forced; returns the changed ones that `force` lets through.
fn check(at: &str, reconciled: &Reconciled, entries: &[chain::Entry], force: bool) -> Result<Vec<String>> {
    let problems = reconciled.problems();
    if !problems.is_empty() {
        return Err(Error::HistoryMismatch {
            at: at.to_owned(),
            problems,
        });
    }
    let changed: Vec<String> = entries
        .iter()
        .filter(|e| e.state == State::Changed)
        .map(|e| e.revision.clone())
        .collect();
    if !changed.is_empty() && !force {
        return Err(Error::Changed {
            at: at.to_owned(),
            revisions: changed,
        });
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::chain::tests::link;

    /// A chain r1 <- r2 <- ... of `n` links, named with `prefix`.
    fn chain(name: &str, prefix: &str, n: usize) -> ChainLinks {
        let links = (1..=n)
            .map(|i| {
                let parent = (i > 1).then(|| format!("{prefix}{}", i - 1));
                link(&format!("{prefix}{i}"), parent.as_deref())
            })
            .collect();
        ChainLinks {
            name: name.into(),
            at: format!("source {name} ({name}/)"),
            links,
        }
    }

    fn applied(revisions: &[&str]) -> Vec<Applied> {
        revisions
            .iter()
            .map(|r| Applied {
                revision: (*r).into(),
                parent: None,
                message: String::new(),
                checksum: format!("sum-{r}"),
                source_digest: None,
                applied_at: chrono::DateTime::UNIX_EPOCH,
                execution_ms: 0.0,
                accepted_at: None,
            })
            .collect()
    }

    fn ledger(chains: Vec<ChainLinks>, history: &[&str]) -> Ledger {
        Ledger::new(chains, applied(history), "migrations/".into())
    }

    fn at(chain: usize, index: usize) -> Position {
        Position { chain, index }
    }

    fn undone(plan: &RollbackPlan) -> Vec<Position> {
        plan.run.iter().map(|u| u.position).collect()
    }

    #[test]
    fn apply_runs_what_follows_the_applied_prefix() {
        let l = ledger(vec![chain("app", "r", 4)], &["r1", "r2"]);
        let plan = l.plan_apply(None, false).unwrap();
        assert_eq!(plan.run, [at(0, 2), at(0, 3)]);
        assert_eq!(plan.head.as_deref(), Some("r2"));
        assert!(plan.forced.is_empty());
        assert_eq!(l.plan_apply(Some("r3"), false).unwrap().run, [at(0, 2)]);
        assert!(
            l.plan_apply(Some("r2"), false).unwrap().run.is_empty(),
            "--to an applied revision"
        );
    }

    #[test]
    fn apply_to_a_later_source_takes_the_earlier_ones_in_full() {
        let l = ledger(vec![chain("app", "a", 2), chain("vendor", "v", 3)], &["a1"]);
        let plan = l.plan_apply(Some("v2"), false).unwrap();
        assert_eq!(plan.run, [at(0, 1), at(1, 0), at(1, 1)]);
        let plan = l.plan_apply(Some("a2"), false).unwrap();
        assert_eq!(plan.run, [at(0, 1)], "the sources after --to's are left alone");
    }

    #[test]
    fn an_unknown_revision_is_named_or_its_squash_is() {
        let l = ledger(vec![chain("app", "r", 2)], &[]);
        let err = l.plan_apply(Some("nope"), false).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownRevision { revision, squashed_into: None, .. } if revision == "nope"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "--to nope: no migration in migrations/ has that revision"
        );

        let mut squashed = chain("app", "r", 0);
        let mut s = link("s", None);
        s.replaces = vec!["r1".into(), "r2".into()];
        squashed.links.push(s);
        let l = ledger(vec![squashed], &[]);
        let err = l.plan_rollback(&RollbackTarget::To("r1".into()), false).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownRevision { squashed_into: Some((s, file)), .. } if s == "s" && file == "s.wasm"),
            "{err:?}"
        );
    }

    #[test]
    fn a_changed_migration_is_refused_unless_forced() {
        let mut chains = vec![chain("app", "r", 3)];
        chains[0].links[0].checksum = "other bytes".into();
        let l = ledger(chains, &["r1", "r2"]);
        let err = l.plan_apply(None, false).unwrap_err();
        assert!(
            matches!(&err, Error::Changed { revisions, .. } if revisions == &["r1"]),
            "{err:?}"
        );
        let plan = l.plan_apply(None, true).unwrap();
        assert_eq!(plan.forced, ["r1"]);
        assert_eq!(plan.run, [at(0, 2)]);
        // Rolling back what is unchanged needs no force; reaching r1 does.
        assert_eq!(
            undone(&l.plan_rollback(&RollbackTarget::Steps(1), false).unwrap()),
            [at(0, 1)]
        );
        let err = l.plan_rollback(&RollbackTarget::All, false).unwrap_err();
        assert!(
            matches!(&err, Error::Changed { revisions, .. } if revisions == &["r1"]),
            "{err:?}"
        );
    }

    #[test]
    fn a_history_the_chain_does_not_explain_stops_every_move() {
        // r9 applied, declared by nobody.
        let l = ledger(vec![chain("app", "r", 2)], &["r1", "r9"]);
        let err = l.plan_apply(None, false).unwrap_err();
        assert!(
            matches!(&err, Error::HistoryMismatch { problems, .. } if problems.len() == 1 && problems[0].contains("r9")),
            "{err:?}"
        );
        assert!(matches!(
            l.plan_rollback(&RollbackTarget::Steps(1), false),
            Err(Error::HistoryMismatch { .. })
        ));
        // r2 applied without r1.
        let l = ledger(vec![chain("app", "r", 2)], &["r2"]);
        assert!(matches!(l.plan_apply(None, true), Err(Error::HistoryMismatch { .. })));
        assert_eq!(l.problems().len(), 1, "{:?}", l.problems());
    }

    #[test]
    fn rollback_goes_back_in_the_order_the_history_applied() {
        // The vendor's v1 was applied between the app's a1 and a2.
        let l = ledger(vec![chain("app", "a", 2), chain("vendor", "v", 1)], &["a1", "v1", "a2"]);
        let plan = l.plan_rollback(&RollbackTarget::Steps(2), false).unwrap();
        assert_eq!(undone(&plan), [at(0, 1), at(1, 0)]);
        assert_eq!(plan.head.as_deref(), Some("a2"));
        assert_eq!(plan.run[1].head_after.as_deref(), Some("a1"));
        assert_eq!(plan.run[0].head_after.as_deref(), Some("v1"));
        let plan = l.plan_rollback(&RollbackTarget::To("v1".into()), false).unwrap();
        assert_eq!(undone(&plan), [at(0, 1)]);
        let plan = l.plan_rollback(&RollbackTarget::All, false).unwrap();
        assert_eq!(undone(&plan), [at(0, 1), at(1, 0), at(0, 0)]);
        assert_eq!(plan.run[2].head_after, None);
        assert!(
            l.plan_rollback(&RollbackTarget::Steps(0), false)
                .unwrap()
                .run
                .is_empty()
        );
        assert_eq!(l.plan_rollback(&RollbackTarget::Steps(9), false).unwrap().run.len(), 3);
    }

    #[test]
    fn rollback_to_a_pending_revision_is_refused() {
        let l = ledger(vec![chain("app", "r", 3)], &["r1"]);
        let err = l.plan_rollback(&RollbackTarget::To("r3".into()), false).unwrap_err();
        assert!(
            matches!(&err, Error::NotApplied { revision } if revision == "r3"),
            "{err:?}"
        );
    }

    #[test]
    fn a_squash_the_database_has_through_its_parts_is_undone_with_them() {
        let mut s = link("s", None);
        s.replaces = vec!["r1".into(), "r2".into()];
        let r3 = link("r3", Some("s"));
        let chains = vec![ChainLinks {
            name: "app".into(),
            at: "migrations/".into(),
            links: vec![s, r3],
        }];
        let l = ledger(chains, &["r1", "r2"]);
        assert!(l.problems().is_empty(), "{:?}", l.problems());
        assert_eq!(l.plan_apply(None, false).unwrap().run, [at(0, 1)]);
        let plan = l.plan_rollback(&RollbackTarget::All, false).unwrap();
        assert_eq!(undone(&plan), [at(0, 0)]);
        let also: Vec<&str> = plan.run[0].also.iter().map(|a| a.revision.as_str()).collect();
        assert_eq!(also, ["r2", "r1"], "newest first");
        assert_eq!(plan.head.as_deref(), Some("s"));
    }

    #[test]
    fn accept_records_only_what_changed() {
        let mut chains = vec![chain("app", "r", 3)];
        chains[0].links[1].checksum = "other bytes".into();
        let l = ledger(chains, &["r1", "r2"]);
        assert_eq!(l.plan_accept("r1").unwrap(), (at(0, 0), false));
        assert_eq!(l.plan_accept("r2").unwrap(), (at(0, 1), true));
        assert!(format!("{:#}", l.plan_accept("r3").unwrap_err()).contains("it is not applied"));
        assert!(format!("{:#}", l.plan_accept("r4").unwrap_err()).contains("no migration in migrations/"));
    }
}
