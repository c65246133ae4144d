//! Schema × schema → the ordered actions that turn one into the other.
//!
//! `diff(current, target)` gives `up`; `diff(target, current)` gives `down`.
//! Each object kind has its own module producing actions into phases; the
//! phases fix the order that dependencies need (schemas and types before
//! the tables that use them, tables before the foreign keys that join them,
//! foreign keys dropped before what they point at, drops after creates).
//! Names of constraints and indexes are kept exactly. Nothing is renamed by
//! guessing: a renamed object is a drop and a create.
//!
//! A difference this module cannot express yet is an error naming it
//! ([`Unsupported`]), never a silent omission.

mod access;
mod collations;
mod comments;
mod enums;
mod indexes;
mod routines;
mod sequences;
mod tables;
mod views;

use crate::actions::Action;
use crate::schema::{Name, Schema};
use crate::wit::QualifiedName;
use std::collections::HashSet;

/// Differences the diff cannot turn into actions yet.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the schema differs in ways migrate-host cannot migrate yet:\n  {}", .0.join("\n  "))]
pub struct Unsupported(pub Vec<String>);

/// The buckets actions are collected in, in the order they run.
#[derive(Default)]
struct Phases {
    /// Views come off first: they block changes to what they read.
    drop_views: Vec<Action>,
    drop_triggers: Vec<Action>,
    create_schemas: Vec<Action>,
    /// Extensions may provide the types and functions tables use.
    create_extensions: Vec<Action>,
    create_types: Vec<Action>,
    /// Functions early: defaults, checks and views may call them.
    create_functions: Vec<Action>,
    /// Foreign keys first: they depend on the keys and unique constraints they point at.
    drop_foreign_keys: Vec<Action>,
    /// Constraints that must go before anything they depend on changes.
    drop_constraints: Vec<Action>,
    drop_indexes: Vec<Action>,
    /// Partitions detached, and columns dropped from a child table before
    /// its parent adds them.
    detach_partitions: Vec<Action>,
    create_tables: Vec<Action>,
    alter_tables: Vec<Action>,
    /// `OWNED BY` once the owning column exists.
    own_sequences: Vec<Action>,
    /// Once the table's columns match its new parent's.
    attach_partitions: Vec<Action>,
    add_constraints: Vec<Action>,
    add_foreign_keys: Vec<Action>,
    add_indexes: Vec<Action>,
    drop_tables: Vec<Action>,
    drop_types: Vec<Action>,
    /// Views go back last, over the final tables and types.
    create_views: Vec<Action>,
    /// Indexes of materialized views, once the views exist.
    view_indexes: Vec<Action>,
    /// Triggers last: their tables, views and functions exist by then.
    create_triggers: Vec<Action>,
    create_policies: Vec<Action>,
    grants: Vec<Action>,
    comments: Vec<Action>,
    drop_functions: Vec<Action>,
    drop_extensions: Vec<Action>,
    drop_schemas: Vec<Action>,
}

impl Phases {
    /// Every action planned so far (in no particular order).
    fn planned(&self) -> Vec<&Action> {
        [
            &self.drop_views,
            &self.drop_triggers,
            &self.drop_foreign_keys,
            &self.drop_constraints,
            &self.drop_indexes,
            &self.detach_partitions,
            &self.alter_tables,
            &self.drop_tables,
            &self.drop_types,
            &self.drop_functions,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn into_actions(self) -> Vec<Action> {
        [
            self.drop_views,
            self.drop_triggers,
            self.create_schemas,
            self.create_extensions,
            self.create_types,
            self.create_functions,
            self.drop_foreign_keys,
            self.drop_constraints,
            self.drop_indexes,
            self.detach_partitions,
            self.create_tables,
            self.alter_tables,
            self.own_sequences,
            self.attach_partitions,
            self.add_constraints,
            self.add_foreign_keys,
            self.add_indexes,
            self.drop_tables,
            self.drop_types,
            self.create_views,
            self.view_indexes,
            self.create_triggers,
            self.create_policies,
            self.grants,
            self.comments,
            self.drop_functions,
            self.drop_extensions,
            self.drop_schemas,
        ]
        .concat()
    }
}

/// The actions that turn `current` into `target`.
pub fn diff(current: &Schema, target: &Schema) -> Result<Vec<Action>, Unsupported> {
    let mut phases = Phases::default();
    let mut unsupported = Vec::new();

    for schema in target.schemas.iter().filter(|s| !current.schemas.contains(s)) {
        phases
            .create_schemas
            .push(Action::CreateSchema { name: schema.clone() });
    }
    for schema in current.schemas.iter().filter(|s| !target.schemas.contains(s)) {
        phases.drop_schemas.push(Action::DropSchema { name: schema.clone() });
    }
    extensions(current, target, &mut phases, &mut unsupported);
    enums::diff(current, target, &mut phases, &mut unsupported);
    collations::diff(current, target, &mut phases, &mut unsupported);
    sequences::diff(current, target, &mut phases);
    tables::diff(current, target, &mut phases, &mut unsupported);
    indexes::diff(current, target, &mut phases);
    views::diff(current, target, &mut phases);
    routines::diff(current, target, &mut phases);
    // What the plan drops and re-creates loses its policies, grants and comments.
    let planned: Vec<Action> = phases.planned().into_iter().cloned().collect();
    let planned: Vec<&Action> = planned.iter().collect();
    let recreated: HashSet<Name> = planned
        .iter()
        .filter_map(|a| match a {
            Action::DropTable { table } | Action::DropView { name: table, .. } => Some(Name::new(
                table.schema.as_deref().unwrap_or(crate::actions::DEFAULT_SCHEMA),
                &table.name,
            )),
            _ => None,
        })
        .collect();
    // A policy blocks type and collation changes of its table's columns.
    let retyped: HashSet<Name> = planned
        .iter()
        .filter_map(|a| match a {
            Action::ChangeColumnType { table, .. } | Action::SetColumnCollation { table, .. } => Some(Name::new(
                table.schema.as_deref().unwrap_or(crate::actions::DEFAULT_SCHEMA),
                &table.name,
            )),
            _ => None,
        })
        .collect();
    access::diff(current, target, &recreated, &retyped, &mut phases);
    comments::diff(current, target, &planned, &mut phases);
    for (name, kind) in target.other_types.iter().filter(|t| !current.other_types.contains(t)) {
        unsupported.push(format!("{kind} {name} would be created or changed"));
    }
    for (name, kind) in current
        .other_types
        .iter()
        .filter(|t| !target.other_types.iter().any(|w| w.0 == t.0))
    {
        unsupported.push(format!("{kind} {name} would be dropped"));
    }
    if current.column_grants != target.column_grants {
        unsupported.push("column-level privileges (GRANT ... (column) ON ...) differ".into());
    }

    if unsupported.is_empty() {
        Ok(phases.into_actions())
    } else {
        Err(Unsupported(unsupported))
    }
}

/// Extensions: created at the version the target has, updated in place
/// when only the version differs, dropped after everything that used them.
fn extensions(current: &Schema, target: &Schema, phases: &mut Phases, unsupported: &mut Vec<String>) {
    for wanted in &target.extensions {
        match current.extensions.iter().find(|e| e.name == wanted.name) {
            None => phases.create_extensions.push(Action::CreateExtension {
                name: wanted.name.clone(),
                schema: Some(wanted.schema.clone()),
                version: Some(wanted.version.clone()),
            }),
            Some(have) if have.schema != wanted.schema => unsupported.push(format!(
                "extension {} moves from schema {} to {}",
                wanted.name, have.schema, wanted.schema
            )),
            // Extensions rarely ship downgrade scripts: going back re-creates
            // the extension, which fails (rolling back) while objects use it.
            Some(have) if is_downgrade(&have.version, &wanted.version) => {
                phases.create_extensions.push(Action::DropExtension {
                    name: wanted.name.clone(),
                });
                phases.create_extensions.push(Action::CreateExtension {
                    name: wanted.name.clone(),
                    schema: Some(wanted.schema.clone()),
                    version: Some(wanted.version.clone()),
                });
            }
            Some(have) if have.version != wanted.version => phases.create_extensions.push(Action::UpdateExtension {
                name: wanted.name.clone(),
                version: wanted.version.clone(),
            }),
            Some(_) => {}
        }
    }
    for old in current
        .extensions
        .iter()
        .filter(|e| !target.extensions.iter().any(|t| t.name == e.name))
    {
        phases
            .drop_extensions
            .push(Action::DropExtension { name: old.name.clone() });
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

#[cfg(test)]
mod tests;
