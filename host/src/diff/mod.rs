//! Schema × schema → the ordered actions that turn one into the other.
//!
//! `diff(current, target)` gives `up`; `diff(target, current)` gives `down`.
//! Each object kind has its own module, a function of the two schemas (and,
//! for what depends on tables and views, of a [`Context`] computed once)
//! that plans steps, each in a [`Phase`]; the phases fix the order that
//! kinds need (schemas and types before the tables that use them, tables
//! before the foreign keys that join them, foreign keys dropped before what
//! they point at, drops after creates), and the catalogs' dependencies the
//! order between two objects that only they know ([`order`]). A difference in a part
//! of the model no generator reads is refused by name (`coverage`).
//! A constraint or index whose definition is unchanged but whose name
//! differs is renamed, where the match is unambiguous. Tables, columns and
//! enum values are never renamed by guessing: a rename is declared
//! ([`renames`]), and a drop and add that look like one are refused by
//! `generate` and `plan` unless allowed.
//!
//! A difference this module cannot express yet is an error naming it
//! ([`Unsupported`]), never a silent omission.

mod access;
mod cascade;
pub mod casts;
mod collations;
mod comments;
mod coverage;
mod enums;
mod indexes;
pub mod online;
mod options;
mod order;
pub mod renames;
mod routines;
mod sequences;
mod tables;
mod user_types;
mod views;

use crate::actions::Action;
use crate::model::{Object, QualifiedName};
use crate::schema::{Name, Schema};
use std::collections::HashSet;

/// Differences the diff cannot turn into actions yet.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the schema differs in ways migrate-host cannot migrate yet:\n  {}", .0.join("\n  "))]
pub struct Unsupported(pub Vec<String>);

/// When a step runs. The plan is its steps stably sorted by phase, so
/// within a phase they keep the order their generator gave them (parents
/// before children, a view after the views it reads). Each phase says
/// after what it must come, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Phase {
    /// First: a view blocks changes to the columns and types it reads.
    DropViews,
    /// Before the functions they call are replaced and their tables change.
    DropTriggers,
    /// Before their tables' columns change type (a policy blocks that).
    DropPolicies,
    /// A function or type that cannot be changed in place (or that needs
    /// what is), once what uses it is off, before it is created again.
    DropToRecreate,
    CreateSchemas,
    /// After the schemas they go in; they may provide types and functions
    /// that everything after uses (re-created when going back a version).
    CreateExtensions,
    /// Enums, collations and sequences created or altered, before the
    /// columns that use them.
    CreateTypes,
    /// Before the defaults, checks, views and triggers that call them.
    CreateFunctions,
    /// Before the keys and unique constraints they point at change.
    DropForeignKeys,
    /// A sequence let go of its old column before the column can go
    /// (dropping a column drops the sequence it owns).
    DisownSequences,
    /// Before the columns they are on change or go.
    DropConstraints,
    DropIndexes,
    /// A constraint or index that only changed its name is renamed, not
    /// rebuilt: after the drops that may free the name it takes.
    RenameConstraintsAndIndexes,
    /// A table that becomes (or stops being) partitioned, after its own
    /// indexes and constraints were dropped, before it is created again.
    DropTablesToRecreate,
    /// Before the table changes its columns to match another parent.
    DetachPartitions,
    /// A column an inheritance child stops owning, before its parent adds it.
    DropColumnsParentsWillAdd,
    /// After the types they use; parents before their partitions.
    CreateTables,
    AlterTables,
    /// `OWNED BY` once the owning column exists.
    OwnSequences,
    /// Once the table's columns match its new parent's.
    AttachPartitions,
    AddConstraints,
    /// After the keys and unique constraints they point at.
    AddForeignKeys,
    AddIndexes,
    /// A partition's index made one of its partitioned table's index's,
    /// once both exist.
    AttachIndexes,
    /// Once the index it names exists.
    ReplicaIdentity,
    /// After the foreign keys into them are gone.
    DropTables,
    /// Enum values, types, sequences and collations, once no column uses
    /// them (the tables changed first, moving rows off removed values).
    DropTypes,
    /// Over the final tables and types, in dependency order.
    CreateViews,
    /// Indexes of materialized views, and views' options, once the views exist.
    ViewIndexes,
    /// Once their tables, views and functions exist.
    CreateTriggers,
    CreatePolicies,
    /// On the final objects (re-created ones lost theirs).
    Grants,
    Comments,
    /// After everything that called them changed.
    DropFunctions,
    /// After every object that used their types or functions.
    DropExtensions,
    /// Last: empty by now.
    DropSchemas,
}

/// The steps planned so far, each in its phase.
#[derive(Default)]
pub(super) struct Plan {
    steps: Vec<(Phase, Action)>,
}

impl Plan {
    pub(super) fn push(&mut self, phase: Phase, action: Action) {
        self.steps.push((phase, action));
    }

    pub(super) fn extend(&mut self, phase: Phase, actions: impl IntoIterator<Item = Action>) {
        self.steps.extend(actions.into_iter().map(|a| (phase, a)));
    }

    /// Every step planned so far, in the order generators gave them.
    pub(super) fn actions(&self) -> impl Iterator<Item = &Action> {
        self.steps.iter().map(|(_, a)| a)
    }

    /// The steps in order: by phase where the catalogs' dependencies
    /// (`current`'s for what goes, `target`'s for what comes) allow ([`order`]).
    fn into_actions(self, current: &Schema, target: &Schema) -> Vec<Action> {
        order::sort(self.steps, &current.dependencies, &target.dependencies)
    }
}

/// What the steps on tables, types, indexes and views change, computed
/// once, for the generators of what depends on those objects (triggers,
/// policies, grants, comments).
pub(super) struct Context {
    /// Relations the plan drops (and, where the target keeps them, creates
    /// again): their triggers, policies and grants went with them.
    pub recreated: HashSet<Name>,
    /// Tables whose columns change type or collation, which their
    /// policies would block.
    pub retyped: HashSet<Name>,
    /// Kept objects that need something the plan drops: they come off
    /// before it and go back after ([`cascade`]).
    pub cascaded: HashSet<Object>,
}

impl Context {
    fn of(plan: &Plan, cascaded: HashSet<Object>) -> Self {
        let mut context = Context {
            recreated: HashSet::new(),
            retyped: HashSet::new(),
            cascaded,
        };
        for action in plan.actions() {
            match action {
                Action::DropTable { table } | Action::DropView { name: table, .. } => {
                    context.recreated.insert(name_of(table));
                }
                Action::ChangeColumnType { table, .. } | Action::SetColumnCollation { table, .. } => {
                    context.retyped.insert(name_of(table));
                }
                _ => {}
            }
        }
        context
    }
}

/// The actions that turn `current` into `target`.
pub fn diff(current: &Schema, target: &Schema) -> Result<Vec<Action>, Unsupported> {
    // Every part of the model, so that a new one does not compile until it
    // is diffed (or refused) here.
    let Schema {
        schemas,
        extensions: _,
        enums: _,
        sequences: _,
        tables: _,
        indexes: _,
        views: _,
        functions: _,
        triggers: _,
        collations: _,
        policies: _,
        grants: _,
        comments: _,
        other_types,
        column_grants: _,
        domains: _,
        composite_types: _,
        range_types: _,
        // Not an object: what the steps are ordered by.
        dependencies: _,
    } = target;
    let mut plan = Plan::default();
    let mut unsupported = Vec::new();

    for schema in schemas.iter().filter(|s| !current.schemas.contains(s)) {
        plan.push(Phase::CreateSchemas, Action::CreateSchema { name: schema.clone() });
    }
    for schema in current.schemas.iter().filter(|s| !schemas.contains(s)) {
        plan.push(Phase::DropSchemas, Action::DropSchema { name: schema.clone() });
    }
    // The objects themselves, then what depends on them: views read what
    // the table and type steps change; triggers, policies, grants and
    // comments read what the plan drops and re-creates.
    extensions(current, target, &mut plan, &mut unsupported);
    enums::diff(current, target, &mut plan, &mut unsupported);
    user_types::diff(current, target, &mut plan);
    collations::diff(current, target, &mut plan, &mut unsupported);
    sequences::diff(current, target, &mut plan);
    tables::diff(current, target, &mut plan, &mut unsupported);
    sequences::identities(current, target, &mut plan);
    indexes::diff(current, target, &mut plan);
    views::diff(current, target, &mut plan);
    routines::functions(current, target, &mut plan);
    let cascaded = cascade::cascade(current, target, &mut plan, &mut unsupported);
    let context = Context::of(&plan, cascaded);
    routines::triggers(current, target, &context, &mut plan);
    options::diff(current, target, &context, &mut plan);
    access::diff(current, target, &context, &mut plan);
    comments::diff(current, target, &mut plan);
    for (name, kind) in other_types.iter().filter(|t| !current.other_types.contains(t)) {
        unsupported.push(format!("{kind} {name} would be created or changed"));
    }
    for (name, kind) in current
        .other_types
        .iter()
        .filter(|t| !other_types.iter().any(|w| w.0 == t.0))
    {
        unsupported.push(format!("{kind} {name} would be dropped"));
    }
    unsupported.extend(coverage::unhandled(current, target, &coverage::HANDLED));

    if unsupported.is_empty() {
        Ok(plan.into_actions(current, target))
    } else {
        Err(Unsupported(unsupported))
    }
}

/// Extensions: created at the version the target has, updated in place
/// when only the version differs, dropped after everything that used them.
fn extensions(current: &Schema, target: &Schema, plan: &mut Plan, unsupported: &mut Vec<String>) {
    for wanted in &target.extensions {
        match current.extensions.iter().find(|e| e.name == wanted.name) {
            None => plan.push(
                Phase::CreateExtensions,
                Action::CreateExtension {
                    name: wanted.name.clone(),
                    schema: Some(wanted.schema.clone()),
                    version: Some(wanted.version.clone()),
                },
            ),
            Some(have) if have.schema != wanted.schema => unsupported.push(format!(
                "extension {} moves from schema {} to {}",
                wanted.name, have.schema, wanted.schema
            )),
            // Extensions rarely ship downgrade scripts: going back re-creates
            // the extension, which fails (rolling back) while objects use it.
            Some(have) if is_downgrade(&have.version, &wanted.version) => {
                plan.push(
                    Phase::CreateExtensions,
                    Action::DropExtension {
                        name: wanted.name.clone(),
                    },
                );
                plan.push(
                    Phase::CreateExtensions,
                    Action::CreateExtension {
                        name: wanted.name.clone(),
                        schema: Some(wanted.schema.clone()),
                        version: Some(wanted.version.clone()),
                    },
                );
            }
            Some(have) if have.version != wanted.version => plan.push(
                Phase::CreateExtensions,
                Action::UpdateExtension {
                    name: wanted.name.clone(),
                    version: wanted.version.clone(),
                },
            ),
            Some(_) => {}
        }
    }
    for old in current
        .extensions
        .iter()
        .filter(|e| !target.extensions.iter().any(|t| t.name == e.name))
    {
        plan.push(Phase::DropExtensions, Action::DropExtension { name: old.name.clone() });
    }
}

/// Whether `to` is an older dotted version than `from` (`1.3` < `1.4`).
fn is_downgrade(from: &str, to: &str) -> bool {
    let parse = |v: &str| v.split('.').map(|p| p.parse::<u64>()).collect::<Result<Vec<_>, _>>();
    matches!((parse(from), parse(to)), (Ok(from), Ok(to)) if to < from)
}

/// A model name as the contract's name: `public` is the default schema and
/// is left out, so generated code reads `"users"` rather than `("public", "users")`.
pub fn qualified(name: &Name) -> QualifiedName {
    if name.schema == crate::actions::DEFAULT_SCHEMA {
        QualifiedName::unqualified(&name.name)
    } else {
        QualifiedName::qualified(&name.schema, &name.name)
    }
}

/// An action's name as the schema model spells it (the schema always given).
pub(super) fn name_of(name: &QualifiedName) -> Name {
    Name::new(
        name.schema.as_deref().unwrap_or(crate::actions::DEFAULT_SCHEMA),
        &name.name,
    )
}

#[cfg(test)]
mod tests;
