//! The revision chain and its reconciliation with what the database has
//! applied. Pure functions over plain data, tested without Postgres.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A migration as the chain sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub revision: String,
    pub parent: Option<String>,
    pub checksum: String,
    /// Where it came from (a file name), for messages.
    pub origin: String,
}

/// A revision the database has applied (its latest `apply` record).
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub revision: String,
    pub parent: Option<String>,
    pub message: String,
    pub checksum: String,
    pub applied_at: DateTime<Utc>,
    pub execution_ms: f64,
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
    let mut children: HashMap<Option<&str>, Vec<&Link>> = HashMap::new();
    for link in links {
        children.entry(link.parent.as_deref()).or_default().push(link);
        if let Some(parent) = &link.parent
            && !by_revision.contains_key(parent.as_str())
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
            problems.push(match parent {
                Some(p) => format!(
                    "{} migrations have the same parent {p}: {}",
                    kids.len(),
                    names.join(", ")
                ),
                None => format!(
                    "{} migrations have no parent (only the first may): {}",
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

/// Where one revision stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Applied, and the component is the one that was applied.
    Applied,
    /// Applied, but the component's checksum differs from the applied one.
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
    pub applied: Option<Applied>,
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
    /// no component declares, and applied revisions after a pending one.
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
            let applied = by_revision.get(link.revision.as_str()).map(|a| (*a).clone());
            let state = match &applied {
                Some(a) if a.checksum == link.checksum => State::Applied,
                Some(_) => State::Changed,
                None => State::Pending,
            };
            Entry {
                revision: link.revision.clone(),
                state,
                chain_index: Some(i),
                applied,
            }
        })
        .collect();
    for a in applied {
        if !chain.iter().any(|l| l.revision == a.revision) {
            entries.push(Entry {
                revision: a.revision.clone(),
                state: State::Missing,
                chain_index: None,
                applied: Some(a.clone()),
            });
        }
    }
    Reconciled { entries }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(revision: &str, parent: Option<&str>) -> Link {
        Link {
            revision: revision.into(),
            parent: parent.map(Into::into),
            checksum: format!("sum-{revision}"),
            origin: format!("{revision}.wasm"),
        }
    }

    fn applied(revision: &str, checksum: &str) -> Applied {
        Applied {
            revision: revision.into(),
            parent: None,
            message: String::new(),
            checksum: checksum.into(),
            applied_at: DateTime::UNIX_EPOCH,
            execution_ms: 1.0,
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
}
