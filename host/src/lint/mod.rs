//! The hazard lint: steps that lose data, rewrite a table, or hold a long
//! `ACCESS EXCLUSIVE` (or write-blocking) lock on a table that may be big,
//! each with what to do instead. Run over a migration's actions by
//! `generate` and `plan` (from the diff) and by `apply --dry-run` (from
//! what the migration calls); a sandboxed source's data-loss steps are
//! refused unless the project acknowledged the revision.

use crate::actions::{Action, DEFAULT_SCHEMA};
use crate::wit::{Constraint, QualifiedName, TypeCast};
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardKind {
    /// Rows or values are gone afterwards.
    DataLoss,
    /// Postgres rewrites the whole table (and its indexes) under an exclusive lock.
    Rewrite,
    /// Scans or builds under a lock that blocks writes (or everything) meanwhile.
    Lock,
}

impl HazardKind {
    pub fn label(self) -> &'static str {
        match self {
            HazardKind::DataLoss => "loses data",
            HazardKind::Rewrite => "rewrites the table",
            HazardKind::Lock => "long lock",
        }
    }
}

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

fn hazard(action: &Action, new_tables: &HashSet<(String, String)>) -> Option<Hazard> {
    use HazardKind::*;
    let existing = |table: &QualifiedName| !new_tables.contains(&key(table));
    let make = |kind, why: &str, instead: &str| {
        Some(Hazard {
            kind,
            step: action.describe(),
            why: why.into(),
            instead: instead.into(),
        })
    };
    match action {
        Action::DropTable { table } if existing(table) => make(
            DataLoss,
            "drops the table and every row in it",
            "copy or rename it first and drop it in a later release, once nothing reads it",
        ),
        Action::DropColumn { table, .. } if existing(table) => make(
            DataLoss,
            "drops the column's values",
            "stop writing and reading it in one release, back it up, drop it in the next",
        ),
        Action::DropEnumValues { .. } => make(
            DataLoss,
            "removes enum values (the migration fails while rows hold them)",
            "move rows off the values first, in the same migration or the one before",
        ),
        Action::DropType { .. } => make(
            DataLoss,
            "drops the type",
            "make sure no column, function or cast still uses it",
        ),
        Action::DropSequence { .. } => make(
            DataLoss,
            "drops the sequence and its current value",
            "keep it until nothing calls nextval on it",
        ),
        // The expression decides every value: `USING NULL` keeps none.
        Action::ChangeColumnType {
            cast: TypeCast::Using(_),
            ..
        } => make(
            DataLoss,
            "converts every value with a USING expression, which may discard them (and rewrites the table)",
            "check the expression on a copy of the data first; keep the old column until the new one is verified",
        ),
        Action::ChangeColumnType { table, cast, .. } if existing(table) => make(
            Rewrite,
            if matches!(cast, TypeCast::None) {
                "changes the column's type: unless the change is binary-coercible (varchar to text, a longer \
                 varchar) Postgres rewrites the table under an ACCESS EXCLUSIVE lock"
            } else {
                "changes the column's type with a cast: Postgres rewrites the table under an ACCESS EXCLUSIVE lock"
            },
            "on a big table, add a new column, backfill it in batches, switch readers, then drop the old one",
        ),
        Action::SetTableLogged { table, .. } if existing(table) => make(
            Rewrite,
            "changes persistence, which rewrites the table",
            "do it while the table is small, or in a maintenance window",
        ),
        Action::AddColumn { table, column } if existing(table) && column.generated.is_some() => make(
            Rewrite,
            "adds a stored generated column, which rewrites the table",
            "add a plain column, backfill it in batches, and keep it current with a trigger",
        ),
        Action::AddNotNull { table, .. } if existing(table) => make(
            Lock,
            "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
            "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then SET NOT \
             NULL (Postgres then skips the scan)",
        ),
        Action::AddIndex { index } if existing(&index.table) => make(
            Lock,
            "builds the index under a lock that blocks writes to the table",
            "on a big table, create it with CREATE INDEX CONCURRENTLY outside a migration (it cannot run in a \
             transaction), then let the migration find it",
        ),
        Action::AddIndexSql { .. } => make(
            Lock,
            "builds the index under a lock that blocks writes to its table",
            "on a big table, create it with CREATE INDEX CONCURRENTLY outside a migration",
        ),
        Action::AddConstraint { table, constraint, .. } if existing(table) => match constraint {
            Constraint::ForeignKey(_) | Constraint::Check(_) => make(
                Lock,
                "validates every row while it holds a lock on the table",
                "add it NOT VALID (Constraint::Sql(\"... NOT VALID\")), then VALIDATE CONSTRAINT in a later \
                 migration, which takes a weaker lock",
            ),
            Constraint::PrimaryKey(_) | Constraint::Unique(_) => make(
                Lock,
                "builds a unique index under a lock that blocks writes",
                "create the unique index CONCURRENTLY outside a migration, then add the constraint USING INDEX",
            ),
            Constraint::Sql(_) => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests;
