//! Views and materialized views, and the indexes of materialized views.
//!
//! A view is re-created (dropped, then created from its new definition)
//! when its definition changes, and also when something it reads changes
//! under it: a column it may use is dropped or retyped, a table it reads is
//! dropped or loses its primary key (a `GROUP BY` may rely on the key), an
//! enum of a table it reads loses values, or a view it reads is re-created.
//! Drops go first, dependents before what they read; creates go last, after
//! every table and type change, in dependency order.

use super::{Phase, Plan, indexes, qualified};
use crate::actions::Action;
use crate::model::ScalarType;
use crate::schema::{ConstraintKind, Name, Schema, View};
use std::collections::{BTreeSet, HashMap};

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan) {
    let (have, want) = (by_name(current), by_name(target));
    let mut affected = affected_relations(current, plan);
    // A view that goes away takes its readers' plans with it.
    affected.extend(
        current
            .views
            .iter()
            .filter(|v| !want.contains_key(&v.name))
            .map(|v| v.name.clone()),
    );
    // Views in both whose definition changed, then (to a fixpoint) those
    // reading something affected or re-created.
    let mut recreate: BTreeSet<Name> = current
        .views
        .iter()
        .filter(|v| {
            want.get(&v.name)
                .is_some_and(|t| t.definition != v.definition || t.materialized != v.materialized)
        })
        .map(|v| v.name.clone())
        .collect();
    loop {
        let before = recreate.len();
        for view in &current.views {
            let gone = !want.contains_key(&view.name);
            if !gone
                && view
                    .depends_on
                    .iter()
                    .any(|d| affected.contains(d) || recreate.contains(d))
            {
                recreate.insert(view.name.clone());
            }
        }
        if recreate.len() == before {
            break;
        }
    }
    let dropped: Vec<&View> = current
        .views
        .iter()
        .filter(|v| recreate.contains(&v.name) || !want.contains_key(&v.name))
        .collect();
    for view in in_dependency_order(&dropped).into_iter().rev() {
        plan.push(
            Phase::DropViews,
            Action::DropView {
                name: qualified(&view.name),
                materialized: view.materialized,
            },
        );
    }
    let created: Vec<&View> = target
        .views
        .iter()
        .filter(|v| recreate.contains(&v.name) || !have.contains_key(&v.name))
        .collect();
    for view in in_dependency_order(&created) {
        plan.push(
            Phase::CreateViews,
            Action::CreateView {
                name: qualified(&view.name),
                query: view.definition.clone(),
                materialized: view.materialized,
            },
        );
    }
    // Indexes of materialized views: all of them for a (re-)created view;
    // otherwise the ones that changed.
    for view in target.views.iter().filter(|v| v.materialized) {
        let fresh = created.iter().any(|c| c.name == view.name);
        for index in target.indexes.iter().filter(|i| i.table == view.name) {
            let unchanged = current
                .indexes
                .iter()
                .any(|i| i.name == index.name && i.definition == index.definition);
            if fresh || !unchanged {
                if !fresh && current.indexes.iter().any(|i| i.name == index.name) {
                    plan.push(
                        Phase::DropIndexes,
                        Action::DropIndex {
                            index: qualified(&index.name),
                        },
                    );
                }
                plan.push(Phase::ViewIndexes, indexes::add_index(index));
            }
        }
        if !fresh {
            for old in current.indexes.iter().filter(|i| i.table == view.name) {
                if !target.indexes.iter().any(|i| i.name == old.name) {
                    plan.push(
                        Phase::DropIndexes,
                        Action::DropIndex {
                            index: qualified(&old.name),
                        },
                    );
                }
            }
        }
    }
}

/// A schema's views by name (a large schema has many).
fn by_name(schema: &Schema) -> HashMap<&Name, &View> {
    schema.views.iter().map(|v| (&v.name, v)).collect()
}

/// Tables whose change can break a view reading them: dropped, a column
/// dropped or retyped, the primary key dropped (a view grouping by the key
/// depends on it), or a column of an enum that loses values.
fn affected_relations(current: &Schema, plan: &Plan) -> BTreeSet<Name> {
    let name = super::name_of;
    let mut affected = BTreeSet::new();
    for action in plan.actions() {
        match action {
            Action::DropColumn { table, .. }
            | Action::ChangeColumnType { table, .. }
            | Action::SetColumnCollation { table, .. }
            | Action::DropTable { table } => {
                affected.insert(name(table));
            }
            Action::DropConstraint {
                table,
                name: constraint,
            } => {
                let table = name(table);
                let primary_key = current.table(&table).is_some_and(|t| {
                    t.constraints
                        .iter()
                        .any(|c| &c.name == constraint && matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
                });
                if primary_key {
                    affected.insert(table);
                }
            }
            _ => {}
        }
    }
    for action in plan.actions() {
        if let Action::DropEnumValues { name: enum_name, .. } = action {
            let enum_name = name(enum_name);
            for table in &current.tables {
                let uses = table.columns.iter().any(|c| match &c.data_type.scalar {
                    ScalarType::Named(n) => name(n) == enum_name,
                    _ => false,
                });
                if uses {
                    affected.insert(table.name.clone());
                }
            }
        }
    }
    affected
}

/// `views` ordered so that each comes after the views (of this list) it reads.
fn in_dependency_order<'a>(views: &[&'a View]) -> Vec<&'a View> {
    let mut ordered: Vec<&View> = Vec::with_capacity(views.len());
    let mut left: Vec<&View> = views.to_vec();
    while !left.is_empty() {
        let ready = left.iter().position(|v| {
            v.depends_on
                .iter()
                .all(|d| !left.iter().any(|o| &o.name == d && o.name != v.name))
        });
        // A cycle cannot exist among views; fall back to the given order.
        let index = ready.unwrap_or(0);
        ordered.push(left.remove(index));
    }
    ordered
}
