//! Indexes that back no constraint (those come with their constraint).

use super::{Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::{IndexDef, IndexMethod};
use crate::schema::{Index, Name, Schema};
use std::collections::{HashMap, HashSet};

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan) {
    let (have, want) = (by_name(current), by_name(target));
    let target_tables: HashSet<&Name> = target.tables.iter().map(|t| &t.name).collect();
    // Indexes of materialized views are the views' business (views.rs).
    for wanted in target.indexes.iter().filter(|i| target_tables.contains(&i.table)) {
        match have.get(&wanted.name) {
            Some(have) if have.definition == wanted.definition => {}
            Some(have) => {
                plan.push(
                    Phase::DropIndexes,
                    Action::DropIndex {
                        index: qualified(&have.name),
                    },
                );
                plan.push(Phase::AddIndexes, add_index(wanted));
            }
            None => plan.push(Phase::AddIndexes, add_index(wanted)),
        }
    }
    for old in current.indexes.iter().filter(|i| !want.contains_key(&i.name)) {
        // An index of a dropped table goes with it.
        if target_tables.contains(&old.table) {
            plan.push(
                Phase::DropIndexes,
                Action::DropIndex {
                    index: qualified(&old.name),
                },
            );
        }
    }
}

/// A schema's indexes by name (a large schema has thousands).
fn by_name(schema: &Schema) -> HashMap<&Name, &Index> {
    schema.indexes.iter().map(|i| (&i.name, i)).collect()
}

/// Typed when the index is a plain list of columns with a known method;
/// Postgres's own `CREATE INDEX` otherwise.
pub(super) fn add_index(index: &Index) -> Action {
    let method = match index.method.as_str() {
        "btree" => Some(IndexMethod::Btree),
        "hash" => Some(IndexMethod::Hash),
        "gist" => Some(IndexMethod::Gist),
        "gin" => Some(IndexMethod::Gin),
        "brin" => Some(IndexMethod::Brin),
        "spgist" => Some(IndexMethod::Spgist),
        _ => None,
    };
    match (&index.simple_columns, method) {
        (Some(columns), Some(method)) => Action::AddIndex {
            index: IndexDef {
                name: index.name.name.clone(),
                table: qualified(&index.table),
                columns: columns.clone(),
                unique: index.unique,
                method,
                predicate: index.predicate.clone(),
            },
        },
        // On a partitioned table Postgres prints `ON ONLY`, which would make
        // an invalid index on the parent alone; without it the partitions get theirs.
        _ => Action::AddIndexSql {
            definition: index.definition.replacen(" ON ONLY ", " ON ", 1),
        },
    }
}
