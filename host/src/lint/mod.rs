//! The hazard lint: steps that lose data, rewrite a table, or hold a long
//! `ACCESS EXCLUSIVE` (or write-blocking) lock on a table that may be big,
//! each with what to do instead. Run over a migration's actions by
//! `generate` and `plan` (from the diff) and by `apply --dry-run` (from
//! what the migration calls); a sandboxed source's data-loss steps are
//! refused unless the project acknowledged the revision.

pub use crate::actions::facts::HazardKind;

use crate::actions::{Action, DEFAULT_SCHEMA};
use crate::model::QualifiedName;
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    /// The step, as `Action::describe` names it.
    pub step: String,
    pub why: String,
    /// What to do instead.
    pub instead: String,
}

impl std::fmt::Display for Hazard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}; instead: {}",
            self.step,
            self.kind.label(),
            self.why,
            self.instead
        )
    }
}

/// The hazards of a migration's steps, in order. Tables the same steps
/// create are new and empty: changing them is harmless.
pub fn lint(actions: &[Action]) -> Vec<Hazard> {
    lint_each(actions).into_iter().flatten().collect()
}

/// [`lint`], one entry per step (none: the step is harmless).
pub fn lint_each(actions: &[Action]) -> Vec<Option<Hazard>> {
    let mut new_tables: HashSet<(String, String)> = HashSet::new();
    actions
        .iter()
        .map(|action| {
            if let Action::AddTable { table, .. } = action {
                new_tables.insert(key(table));
            }
            hazard(action, &new_tables)
        })
        .collect()
}

fn key(name: &QualifiedName) -> (String, String) {
    (
        name.schema.clone().unwrap_or_else(|| DEFAULT_SCHEMA.into()),
        name.name.clone(),
    )
}

/// The data-loss hazard of one step, if any (what a sandboxed source needs acknowledged).
pub fn data_loss(action: &Action) -> Option<Hazard> {
    hazard(action, &HashSet::new()).filter(|h| h.kind == HazardKind::DataLoss)
}

/// The step's hazard ([`Action::facts`]), unless it is only one on a table
/// that existed before and `new_tables` holds that table.
fn hazard(action: &Action, new_tables: &HashSet<(String, String)>) -> Option<Hazard> {
    let fact = action.facts().hazard?;
    if fact.on_existing.is_some_and(|table| new_tables.contains(&key(&table))) {
        return None;
    }
    Some(Hazard {
        kind: fact.kind,
        step: action.describe(),
        why: fact.why.into(),
        instead: fact.instead.into(),
    })
}

#[cfg(test)]
mod tests;
