//! What a drop takes with it. An object the target keeps as it is can
//! still need, in the current catalog, something the plan drops: a foreign
//! key on an index that is rebuilt, a default, view or function calling a
//! function that must be dropped to change its signature, a view or foreign
//! key on a table that becomes partitioned; or a column whose type changes,
//! which a function's `BEGIN ATOMIC` body or a trigger that uses it blocks. Postgres refuses such a drop
//! (and `CASCADE` would lose the dependent for good), so the dependent comes
//! off before it and is created again after, from the target's definition;
//! and so on for what needs the dependent ([`Object`] by [`Object`], over
//! the current `pg_depend`, to a fixpoint). The order (off before the drop,
//! back after what it needs is back) is the catalogs' ([`super::order`]).
//!
//! Defaults, constraints, indexes, functions, views and the partitions of
//! a partitioned table created again are planned here; triggers and
//! policies are handed to their own generators, which plan them with the
//! rest of their kind (the set this returns). Another kept table cannot be
//! re-created without losing its rows: a plan that would need it is
//! refused by name.

use super::{Phase, Plan, indexes, qualified, tables};
use crate::actions::Action;
use crate::model::{ColumnDefault, Object};
use crate::schema::Schema;
use std::collections::{BTreeSet, HashSet};

/// Plans the re-creation of what the plan's drops take with them, and
/// returns every object so re-created (triggers and policies among them,
/// for their generators to plan).
pub(super) fn cascade(
    current: &Schema,
    target: &Schema,
    plan: &mut Plan,
    unsupported: &mut Vec<String>,
) -> HashSet<Object> {
    let mut dropped: HashSet<Object> = HashSet::new();
    // What the plan creates or changes in place: it lets go of what it
    // needed by itself (a replaced function, a default set anew).
    let mut handled: HashSet<Object> = HashSet::new();
    // Columns whose type or collation changes: Postgres rebuilds the
    // indexes, constraints and defaults on them, but refuses while a
    // function's `BEGIN ATOMIC` body or a trigger uses them.
    let mut retyped: HashSet<Object> = HashSet::new();
    for action in plan.actions() {
        if let Action::ChangeColumnType { table, column, .. } | Action::SetColumnCollation { table, column, .. } =
            action
        {
            retyped.insert(Object::Column(super::name_of(table), column.clone()));
        }
        let objects = action.objects();
        dropped.extend(objects.drops);
        handled.extend(objects.creates);
        handled.extend(objects.changes);
        handled.extend(objects.releases);
    }
    let gone = |dropped: &HashSet<Object>, object: &Object| {
        dropped.contains(object)
            || object
                .relation()
                .is_some_and(|r| dropped.contains(&Object::Relation(r.clone())))
            || matches!(object, Object::Default(t, c) if dropped.contains(&Object::Column(t.clone(), c.clone())))
    };
    // In the order found, so that the plan is the same from run to run.
    let mut taken: Vec<Object> = Vec::new();
    loop {
        let mut more = BTreeSet::new();
        for dependency in &current.dependencies {
            let dependent = &dependency.dependent;
            let blocks_retyping = retyped.contains(&dependency.referenced)
                && matches!(dependent, Object::Function(_) | Object::Trigger(..));
            // A function replaced in place still holds the column: it is
            // dropped and created again all the same.
            if (gone(&dropped, &dependency.referenced) || blocks_retyping)
                && !gone(&dropped, dependent)
                && (!handled.contains(dependent) || blocks_retyping)
                && exists(target, dependent)
            {
                more.insert(dependent.clone());
            }
        }
        if more.is_empty() {
            break;
        }
        for object in more {
            dropped.insert(object.clone());
            taken.push(object);
        }
    }
    for object in &taken {
        recreate(current, target, object, plan, unsupported);
    }
    taken.into_iter().collect()
}

/// Whether `target` has `object` (what it does not have, the generators drop).
fn exists(target: &Schema, object: &Object) -> bool {
    let table = |name| target.table(name);
    match object {
        Object::Schema(name) => target.schemas.contains(name),
        Object::Extension(name) => target.extensions.iter().any(|e| &e.name == name),
        Object::Type(name) => {
            target.enums.iter().any(|e| &e.name == name) || target.other_types.iter().any(|(n, _)| n == name)
        }
        Object::Collation(name) => target.collations.iter().any(|c| &c.name == name),
        Object::Sequence(name) => target.sequence(name).is_some(),
        Object::Relation(name) => table(name).is_some() || target.views.iter().any(|v| &v.name == name),
        Object::Column(t, c) => table(t).is_some_and(|t| t.column(c).is_some()),
        Object::Default(t, c) => table(t)
            .and_then(|t| t.column(c))
            .is_some_and(|c| c.default.is_some() || c.generated.is_some()),
        Object::Constraint(t, c) => table(t).is_some_and(|t| t.constraints.iter().any(|k| &k.name == c)),
        Object::Index(name) => target.indexes.iter().any(|i| &i.name == name),
        Object::Function(name) => target.functions.iter().any(|f| &f.name == name),
        Object::Trigger(t, name) => target.triggers.iter().any(|g| &g.table == t && &g.name == name),
        Object::Policy(t, name) => target.policies.iter().any(|p| &p.table == t && &p.name == name),
    }
}

/// The steps that take `object` off and put it back as the target has it.
fn recreate(current: &Schema, target: &Schema, object: &Object, plan: &mut Plan, unsupported: &mut Vec<String>) {
    let mut refuse = |what: String| {
        unsupported.push(format!(
            "{what} would have to be dropped and created again, because something it uses is (this is not supported yet)"
        ))
    };
    match object {
        Object::Default(t, c) => {
            let (Some(table), Some(column)) = (target.table(t), target.table(t).and_then(|table| table.column(c)))
            else {
                return;
            };
            let name = qualified(t);
            if column.generated.is_some() {
                // A generated column's values are its expression's: it is added again.
                plan.push(
                    Phase::AlterTables,
                    Action::DropColumn {
                        table: name.clone(),
                        column: c.clone(),
                    },
                );
                plan.push(
                    Phase::AlterTables,
                    Action::AddColumn {
                        table: name,
                        column: tables::column_def(target, table, column),
                    },
                );
            } else if let Some(default) = &column.default {
                plan.push(
                    Phase::AlterTables,
                    Action::DropColumnDefault {
                        table: name.clone(),
                        column: c.clone(),
                    },
                );
                plan.push(
                    Phase::AlterTables,
                    Action::SetColumnDefault {
                        table: name,
                        column: c.clone(),
                        default: ColumnDefault::Expression(default.clone()),
                    },
                );
            }
        }
        Object::Constraint(t, c) => {
            let Some(table) = target.table(t) else { return };
            let Some(constraint) = table.constraints.iter().find(|k| &k.name == c) else {
                return;
            };
            if !constraint.local {
                return; // it comes with its parent's
            }
            let drop = Action::DropConstraint {
                table: qualified(t),
                name: c.clone(),
            };
            let foreign_key = matches!(constraint.kind, crate::schema::ConstraintKind::ForeignKey { .. });
            plan.push(
                if foreign_key {
                    Phase::DropForeignKeys
                } else {
                    Phase::DropConstraints
                },
                drop,
            );
            tables::add_constraint(table, constraint, plan);
        }
        Object::Index(name) => {
            let Some(index) = target.indexes.iter().find(|i| &i.name == name) else {
                return;
            };
            let on_view = target.views.iter().any(|v| v.name == index.table);
            // An index goes with its table when the plan drops that; a
            // partition's index goes with its table or its partitioned index
            // (it cannot be dropped alone), and is attached again.
            let table_goes = plan
                .actions()
                .any(|a| a.objects().drops.contains(&Object::Relation(index.table.clone())));
            if index.parent.is_none() && !table_goes {
                plan.push(Phase::DropIndexes, Action::DropIndex { index: qualified(name) });
            }
            plan.push(
                if on_view { Phase::ViewIndexes } else { Phase::AddIndexes },
                indexes::add_index(index),
            );
            if let Some(parent) = &index.parent {
                plan.push(
                    Phase::AttachIndexes,
                    Action::AttachIndex {
                        parent: qualified(parent),
                        index: qualified(name),
                        partition: qualified(&index.table),
                    },
                );
            }
            // A partitioned index made again gets its partitions' back.
            for child in target.indexes.iter().filter(|i| i.parent.as_ref() == Some(name)) {
                let attach = Action::AttachIndex {
                    parent: qualified(name),
                    index: qualified(&child.name),
                    partition: qualified(&child.table),
                };
                if !plan.actions().any(|a| a == &attach) {
                    plan.push(Phase::AttachIndexes, attach);
                }
            }
        }
        Object::Function(name) => {
            // Overloads are one object here: each one both databases have
            // is re-created.
            for function in target.functions.iter().filter(|f| &f.name == name) {
                let Some(old) = current
                    .functions
                    .iter()
                    .find(|f| f.name == function.name && f.input_types == function.input_types)
                else {
                    continue;
                };
                plan.push(
                    Phase::DropToRecreate,
                    Action::DropFunction {
                        name: qualified(&old.name),
                        arguments: old.identity_arguments.clone(),
                        procedure: old.procedure,
                    },
                );
                let create = Action::CreateFunction {
                    definition: function.definition.clone(),
                };
                // One the plan replaces anyway now comes after the drop.
                if !plan.actions().any(|a| a == &create) {
                    plan.push(Phase::CreateFunctions, create);
                }
            }
        }
        Object::Relation(name) => match target.views.iter().find(|v| &v.name == name) {
            Some(view) => {
                let materialized = current
                    .views
                    .iter()
                    .find(|v| &v.name == name)
                    .is_some_and(|v| v.materialized);
                plan.push(
                    Phase::DropViews,
                    Action::DropView {
                        name: qualified(name),
                        materialized,
                    },
                );
                plan.push(
                    Phase::CreateViews,
                    Action::CreateView {
                        name: qualified(name),
                        query: view.definition.clone(),
                        materialized: view.materialized,
                    },
                );
                for index in target.indexes.iter().filter(|i| &i.table == name) {
                    plan.push(Phase::ViewIndexes, indexes::add_index(index));
                }
            }
            // A partition of a table the plan creates again goes with it:
            // it is created again too, as the target has it.
            None => match (current.table(name), target.table(name)) {
                (Some(had), Some(table))
                    if had.partition_bound.is_some()
                        && table.partition_bound.is_some()
                        && had.inherits == table.inherits =>
                {
                    plan.push(
                        Phase::DropTablesToRecreate,
                        Action::DropTable { table: qualified(name) },
                    );
                    tables::create(target, table, plan);
                }
                _ => refuse(format!("table {name}")),
            },
        },
        // Their generators plan them (see the module doc).
        Object::Trigger(..) | Object::Policy(..) => {}
        Object::Column(t, c) => refuse(format!("column {t}.{c}")),
        Object::Type(name) => refuse(format!("type {name}")),
        Object::Sequence(name) => refuse(format!("sequence {name}")),
        Object::Collation(name) => refuse(format!("collation {name}")),
        Object::Schema(name) => refuse(format!("schema {name}")),
        Object::Extension(name) => refuse(format!("extension {name}")),
    }
}
