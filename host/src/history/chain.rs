//! The revision chain and its reconciliation with what the database has
//! applied. Pure functions over plain data, tested without Postgres.
//!
//! A squash migration ([`Link::replaces`]) stands for the first migrations
//! of a chain, which are no longer in the directory: a migration whose
//! parent is one of them follows the squash, a database that applied them
//! (up to the newest) has the squash applied without having run it, and
//! their history rows are the squash's, not missing migrations'.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A migration as the chain sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub revision: String,
    pub parent: Option<String>,
    pub checksum: String,
    /// The digest of the source it was built from, when it carries one
    /// (and its source is trusted).
    pub source_digest: Option<String>,
    /// With a source digest: the checksum of the component without it.
    pub bare_checksum: Option<String>,
    /// Where it came from (a file name), for messages.
    pub origin: String,
    /// A squash migration's: the revisions it replaces, in chain order.
    pub replaces: Vec<String>,
}

/// A revision the database has applied (its latest `apply` record), with
/// its current identity (from a later `accept`, if any).
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub revision: String,
    pub parent: Option<String>,
    pub message: String,
    pub checksum: String,
    pub source_digest: Option<String>,
    pub applied_at: DateTime<Utc>,
    pub execution_ms: f64,
    /// When a changed component was last accepted in its place.
    pub accepted_at: Option<DateTime<Utc>>,
}

impl Applied {
    /// Whether `link` is the migration that was applied (or accepted), and
    /// if so whether it was rebuilt since: the same bytes; or the same
    /// bytes with a source digest embedded, an older build's (which
    /// embedded none); or other bytes built from the same source. None:
    /// changed.
    pub fn identifies(&self, link: &Link) -> Option<Rebuilt> {
        if self.checksum == link.checksum || link.bare_checksum.as_ref() == Some(&self.checksum) {
            return Some(Rebuilt::No);
        }
        match (&self.source_digest, &link.source_digest) {
            (Some(applied), Some(now)) if applied == now => Some(Rebuilt::Yes),
            _ => None,
        }
    }
}

/// Whether an applied migration's component is another build of the same
/// source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rebuilt {
    No,
    Yes,
}

/// Why the migrations do not form one chain.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the migrations do not form a single chain:\n  {}", .problems.join("\n  "))]
pub struct ChainError {
    pub problems: Vec<String>,
}

/// Orders `links` from the first migration (no parent) to the head. Every
/// problem is reported at once: duplicates, forks, missing parents, several
/// or no first migration, cycles.
pub fn order(links: &[Link]) -> Result<Vec<&Link>, ChainError> {
    let mut problems = Vec::new();
    let mut by_revision: HashMap<&str, &Link> = HashMap::new();
    for link in links {
        if let Some(other) = by_revision.insert(&link.revision, link) {
            problems.push(format!(
                "revision {} is declared twice: by {} and {}",
                link.revision, other.origin, link.origin
            ));
        }
    }
    let replaced_by = replaced_by(links, &mut problems);
    for (replaced, squash) in &replaced_by {
        if let Some(declaring) = by_revision.get(replaced) {
            problems.push(format!(
                "{} declares revision {replaced}, which the squash migration {} ({}) replaces: delete it (squash \
                 removed its source; a component left behind, as build outputs are after a pull, is removed by \
                 `migrate-host build`)",
                declaring.origin, squash.revision, squash.origin
            ));
        }
    }
    // Those are the only problem such a leftover makes.
    let links: Vec<&Link> = links
        .iter()
        .filter(|l| !replaced_by.contains_key(l.revision.as_str()))
        .collect();
    let mut children: HashMap<Option<&str>, Vec<&Link>> = HashMap::new();
    for &link in &links {
        let parent = effective_parent(link, &replaced_by);
        children.entry(parent).or_default().push(link);
        if let Some(parent) = parent
            && !by_revision.contains_key(parent)
        {
            problems.push(format!(
                "{} (revision {}) has parent {parent}, which no migration declares",
                link.origin, link.revision
            ));
        }
    }
    for (parent, kids) in &children {
        if kids.len() > 1 {
            let names: Vec<String> = kids.iter().map(|k| format!("{} ({})", k.revision, k.origin)).collect();
            // Two branches that each added a migration, merged: one of them
            // goes after the other (the newest, usually the one not applied).
            let newest = kids.iter().map(|k| k.revision.as_str()).max().expect("more than one");
            let fix = format!(
                "; if two branches merged, run `migrate-host rebase {newest}` to put {newest} after the \
                 newest migration (rebase the one that is not applied yet)"
            );
            problems.push(match parent {
                Some(p) => format!(
                    "{} migrations have the same parent {p}: {}{fix}",
                    kids.len(),
                    names.join(", ")
                ),
                None => format!(
                    "{} migrations have no parent (only the first may): {}{fix}",
                    kids.len(),
                    names.join(", ")
                ),
            });
        }
    }
    if !links.is_empty() && !children.contains_key(&None) {
        problems.push("no migration is the first one (every migration names a parent)".into());
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(ChainError { problems });
    }
    let mut chain = Vec::with_capacity(links.len());
    let mut next = children.get(&None).and_then(|k| k.first()).copied();
    while let Some(link) = next {
        chain.push(link);
        next = children
            .get(&Some(link.revision.as_str()))
            .and_then(|k| k.first())
            .copied();
    }
    if chain.len() != links.len() {
        let in_chain: Vec<&str> = chain.iter().map(|l| l.revision.as_str()).collect();
        let mut stray: Vec<&str> = links
            .iter()
            .map(|l| l.revision.as_str())
            .filter(|r| !in_chain.contains(r))
            .collect();
        stray.sort();
        return Err(ChainError {
            problems: vec![format!(
                "revisions {} form a cycle, detached from the chain",
                stray.join(", ")
            )],
        });
    }
    Ok(chain)
}

/// Each revision a squash migration replaces, with that migration (a
/// revision replaced by two is a problem).
fn replaced_by<'l>(links: &'l [Link], problems: &mut Vec<String>) -> HashMap<&'l str, &'l Link> {
    let mut replaced_by: HashMap<&str, &Link> = HashMap::new();
    for link in links {
        for replaced in &link.replaces {
            if let Some(other) = replaced_by.insert(replaced, link) {
                problems.push(format!(
                    "revision {replaced} is replaced by two squash migrations: {} ({}) and {} ({})",
                    other.revision, other.origin, link.revision, link.origin
                ));
            }
        }
    }
    replaced_by
}

/// The parent `link` follows: the one it names, or the squash migration
/// that replaces the one it names.
fn effective_parent<'l>(link: &'l Link, replaced_by: &HashMap<&str, &'l Link>) -> Option<&'l str> {
    let parent = link.parent.as_deref()?;
    Some(
        replaced_by
            .get(parent)
            .map_or(parent, |squash| squash.revision.as_str()),
    )
}

/// The parent each link follows ([`order`]'s view: a parent that a squash
/// migration replaces is that migration), by revision.
pub fn effective_parents(links: &[Link]) -> HashMap<String, Option<String>> {
    let replaced_by = replaced_by(links, &mut Vec::new());
    links
        .iter()
        .map(|l| (l.revision.clone(), effective_parent(l, &replaced_by).map(str::to_owned)))
        .collect()
}

/// Where one revision stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Applied, and the component is the one that was applied, or another
    /// build of the same source ([`Entry::rebuilt`]).
    Applied,
    /// Applied, but the component is neither the one applied (or accepted)
    /// nor built from the same source.
    Changed,
    /// Not applied yet.
    Pending,
    /// Applied, but no component declares it any more.
    Missing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub revision: String,
    pub state: State,
    /// Index into the chain; none for `Missing`.
    pub chain_index: Option<usize>,
    /// Its latest `apply` record; for a squash migration applied through
    /// the revisions it replaces, the newest of theirs.
    pub applied: Option<Applied>,
    /// Applied, from the same source as the component applied, but not its
    /// bytes.
    pub rebuilt: bool,
    /// A squash migration that the database has through the revisions it
    /// replaces (applied before the squash), not by running it.
    pub squashed: bool,
    /// A squash migration of which the database applied some of the
    /// revisions it replaces, but not the newest.
    pub partly: Option<Partly>,
}

/// What a database has of a squash migration it has only partly.
#[derive(Clone, Debug, PartialEq)]
pub struct Partly {
    /// The replaced revisions it applied, in chain order.
    pub applied: Vec<String>,
    /// The newest revision the squash replaces.
    pub newest: String,
    /// How many it replaces.
    pub of: usize,
}

/// The chain against the database's history.
#[derive(Clone, Debug, PartialEq)]
pub struct Reconciled {
    /// Chain order, then `Missing` revisions in the order they were applied.
    pub entries: Vec<Entry>,
}

impl Reconciled {
    /// How many migrations, from the first, are applied.
    pub fn applied_prefix(&self) -> usize {
        self.entries
            .iter()
            .take_while(|e| matches!(e.state, State::Applied | State::Changed))
            .count()
    }

    pub fn with_state(&self, state: State) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.state == state)
    }

    /// Problems that make the chain unsafe to move: revisions applied that
    /// no component declares, applied revisions after a pending one, and
    /// squash migrations of which the database applied only a part.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = self
            .with_state(State::Missing)
            .map(|e| {
                format!(
                    "revision {} is applied in the database but no migration in the directory declares it",
                    e.revision
                )
            })
            .collect();
        for entry in &self.entries {
            let Some(partly) = &entry.partly else { continue };
            problems.push(format!(
                "revision {} squashes the {} migrations up to {}, but the database applied only {} of them ({}): \
                 apply the rest with the migrations as they were before the squash (check out the commit before \
                 it, then `migrate-host build` and `migrate-host apply --to {}`), or roll those back there; then \
                 this directory's migrations apply",
                entry.revision,
                partly.of,
                partly.newest,
                partly.applied.len(),
                partly.applied.join(", "),
                partly.newest,
            ));
        }
        let prefix = self.applied_prefix();
        for entry in self.entries.iter().skip(prefix) {
            if matches!(entry.state, State::Applied | State::Changed) {
                problems.push(format!(
                    "revision {} is applied but an earlier revision, {}, is not",
                    entry.revision, self.entries[prefix].revision
                ));
            }
        }
        problems
    }
}

pub fn reconcile(chain: &[&Link], applied: &[Applied]) -> Reconciled {
    let by_revision: HashMap<&str, &Applied> = applied.iter().map(|a| (a.revision.as_str(), a)).collect();
    let mut entries: Vec<Entry> = chain
        .iter()
        .enumerate()
        .map(|(i, link)| {
            let mut entry = Entry {
                revision: link.revision.clone(),
                state: State::Pending,
                chain_index: Some(i),
                applied: by_revision.get(link.revision.as_str()).map(|a| (*a).clone()),
                rebuilt: false,
                squashed: false,
                partly: None,
            };
            match entry.applied.as_ref().map(|a| a.identifies(link)) {
                Some(Some(rebuilt)) => (entry.state, entry.rebuilt) = (State::Applied, rebuilt == Rebuilt::Yes),
                Some(None) => entry.state = State::Changed,
                // A squash not run here: applied if what it replaces is,
                // up to the newest (they were applied in chain order).
                None => {
                    let done: Vec<String> = link
                        .replaces
                        .iter()
                        .filter(|r| by_revision.contains_key(r.as_str()))
                        .cloned()
                        .collect();
                    let newest = link.replaces.last().and_then(|r| by_revision.get(r.as_str()));
                    if let Some(newest) = newest {
                        (entry.state, entry.squashed) = (State::Applied, true);
                        entry.applied = Some((*newest).clone());
                    } else if !done.is_empty() {
                        entry.partly = Some(Partly {
                            applied: done,
                            newest: link.replaces.last().cloned().unwrap_or_default(),
                            of: link.replaces.len(),
                        });
                    }
                }
            }
            entry
        })
        .collect();
    for a in applied {
        let known = |l: &&&Link| l.revision == a.revision || l.replaces.contains(&a.revision);
        if !chain.iter().any(|l| known(&l)) {
            entries.push(Entry {
                revision: a.revision.clone(),
                state: State::Missing,
                chain_index: None,
                applied: Some(a.clone()),
                rebuilt: false,
                squashed: false,
                partly: None,
            });
        }
    }
    Reconciled { entries }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A link whose checksum and file are named after its revision (the
    /// migrator's planning tests use it too).
    pub(crate) fn link(revision: &str, parent: Option<&str>) -> Link {
        Link {
            revision: revision.into(),
            parent: parent.map(Into::into),
            checksum: format!("sum-{revision}"),
            source_digest: None,
            bare_checksum: None,
            origin: format!("{revision}.wasm"),
            replaces: Vec::new(),
        }
    }

    fn applied(revision: &str, checksum: &str) -> Applied {
        Applied {
            revision: revision.into(),
            parent: None,
            message: String::new(),
            checksum: checksum.into(),
            source_digest: None,
            applied_at: DateTime::UNIX_EPOCH,
            execution_ms: 1.0,
            accepted_at: None,
        }
    }

    fn revisions(chain: &[&Link]) -> Vec<String> {
        chain.iter().map(|l| l.revision.clone()).collect()
    }

    #[test]
    fn orders_whatever_the_input_order() {
        let links = [link("c", Some("b")), link("a", None), link("b", Some("a"))];
        assert_eq!(revisions(&order(&links).unwrap()), ["a", "b", "c"]);
        assert!(order(&[]).unwrap().is_empty());
    }

    #[test]
    fn reports_every_chain_problem() {
        let err = |links: &[Link]| order(links).unwrap_err().problems.join("\n");
        assert!(err(&[link("a", None), link("a", None)]).contains("declared twice"));
        assert!(err(&[link("a", None), link("b", Some("a")), link("c", Some("a"))]).contains("same parent a"));
        assert!(
            err(&[link("a", None), link("b", Some("a")), link("c", Some("a"))]).contains("`migrate-host rebase c`")
        );
        assert!(err(&[link("a", None), link("b", Some("x"))]).contains("parent x, which no migration declares"));
        assert!(err(&[link("a", None), link("b", None)]).contains("have no parent"));
        assert!(err(&[link("a", Some("b")), link("b", Some("a"))]).contains("no migration is the first"));
        assert!(err(&[link("r", None), link("a", Some("b")), link("b", Some("a"))]).contains("form a cycle"));
    }

    #[test]
    fn reconciles_applied_changed_pending_and_missing() {
        let links = [link("a", None), link("b", Some("a")), link("c", Some("b"))];
        let chain = order(&links).unwrap();
        let r = reconcile(
            &chain,
            &[applied("a", "sum-a"), applied("b", "other"), applied("z", "sum-z")],
        );
        let states: Vec<(String, State)> = r.entries.iter().map(|e| (e.revision.clone(), e.state)).collect();
        assert_eq!(
            states,
            [
                ("a".into(), State::Applied),
                ("b".into(), State::Changed),
                ("c".into(), State::Pending),
                ("z".into(), State::Missing)
            ]
        );
        assert_eq!(r.applied_prefix(), 2);
        assert_eq!(r.problems().len(), 1);
        assert!(r.problems()[0].contains("revision z is applied"));
    }

    #[test]
    fn finds_gaps() {
        let links = [link("a", None), link("b", Some("a")), link("c", Some("b"))];
        let chain = order(&links).unwrap();
        let r = reconcile(&chain, &[applied("a", "sum-a"), applied("c", "sum-c")]);
        assert_eq!(r.applied_prefix(), 1);
        assert_eq!(
            r.problems(),
            ["revision c is applied but an earlier revision, b, is not"]
        );
    }

    #[test]
    fn a_rebuild_of_the_same_source_is_applied_and_an_edit_is_changed() {
        let built = |revision: &str, checksum: &str, digest: Option<&str>| Link {
            checksum: checksum.into(),
            source_digest: digest.map(Into::into),
            bare_checksum: digest.map(|_| format!("bare-{checksum}")),
            ..link(revision, None)
        };
        let recorded = |checksum: &str, digest: Option<&str>| Applied {
            source_digest: digest.map(Into::into),
            ..applied("a", checksum)
        };
        let state = |link: &Link, applied: &Applied| {
            let e = reconcile(&[link], std::slice::from_ref(applied)).entries.remove(0);
            (e.state, e.rebuilt)
        };
        // Same bytes.
        assert_eq!(
            state(&built("a", "x", Some("d1")), &recorded("x", Some("d1"))),
            (State::Applied, false)
        );
        // Other bytes, same source: rebuilt.
        assert_eq!(
            state(&built("a", "y", Some("d1")), &recorded("x", Some("d1"))),
            (State::Applied, true)
        );
        // Other source.
        assert_eq!(
            state(&built("a", "y", Some("d2")), &recorded("x", Some("d1"))),
            (State::Changed, false)
        );
        // Without a digest on either side, only the bytes count.
        assert_eq!(
            state(&built("a", "y", None), &recorded("x", Some("d1"))),
            (State::Changed, false)
        );
        assert_eq!(
            state(&built("a", "y", Some("d1")), &recorded("x", None)),
            (State::Changed, false)
        );
        // Applied by a build that embedded nothing, and the same bytes now with a digest.
        assert_eq!(
            state(&built("a", "x", Some("d1")), &recorded("bare-x", None)),
            (State::Applied, false)
        );
    }

    #[test]
    fn a_squash_stands_for_what_it_replaces() {
        let squash = |revision: &str, replaces: &[&str]| Link {
            replaces: replaces.iter().map(|r| r.to_string()).collect(),
            ..link(revision, None)
        };
        // The migration after the range names the newest replaced one as its parent.
        let links = [squash("s", &["a", "b"]), link("c", Some("b")), link("d", Some("c"))];
        let chain = order(&links).unwrap();
        assert_eq!(revisions(&chain), ["s", "c", "d"]);
        let states = |applied: &[Applied]| {
            let r = reconcile(&chain, applied);
            let states: Vec<(String, State, bool)> = r
                .entries
                .iter()
                .map(|e| (e.revision.clone(), e.state, e.squashed))
                .collect();
            (states, r.problems())
        };
        // Applied before the squash, up to the newest: the squash is applied, nothing is missing.
        let (got, problems) = states(&[applied("a", "sum-a"), applied("b", "sum-b"), applied("c", "sum-c")]);
        assert_eq!(
            got,
            [
                ("s".into(), State::Applied, true),
                ("c".into(), State::Applied, false),
                ("d".into(), State::Pending, false)
            ]
        );
        assert!(problems.is_empty(), "{problems:?}");
        // Run itself on a fresh database.
        let (got, _) = states(&[applied("s", "sum-s")]);
        assert_eq!(got[0], ("s".into(), State::Applied, false));
        // Only part of the range: a problem naming what to do.
        let (got, problems) = states(&[applied("a", "sum-a")]);
        assert_eq!(got[0], ("s".into(), State::Pending, false));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("squashes the 2 migrations up to b") && problems[0].contains("apply --to b"),
            "{}",
            problems[0]
        );
        // Nothing applied: pending, no problem.
        assert!(states(&[]).1.is_empty());
        // What a squash replaces may not be declared still, nor replaced twice.
        let err = |links: &[Link]| order(links).unwrap_err().problems.join("\n");
        // A component left behind: that is the one problem it makes.
        let leftover = order(&[squash("s", &["a"]), link("a", None), link("b", Some("a"))]).unwrap_err();
        assert_eq!(leftover.problems.len(), 1, "{leftover}");
        assert!(leftover.problems[0].contains("delete it"), "{leftover}");
        assert!(err(&[squash("s", &["a"]), squash("t", &["a"])]).contains("replaced by two squash migrations"));
        assert_eq!(effective_parents(&links)["c"].as_deref(), Some("s"));
    }
}
