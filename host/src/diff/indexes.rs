//! Indexes that back no constraint (those come with their constraint).

use super::{Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::{IndexDef, IndexMethod};
use crate::schema::{Index, Name, Schema};
use std::collections::{HashMap, HashSet};

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan) {
    let (have, want) = (by_name(current), by_name(target));
    let target_tables: HashSet<&Name> = target.tables.iter().map(|t| &t.name).collect();
    // An index that only changed its name is renamed, not rebuilt.
    let renamed = renamed(current, target, &have, &want, &target_tables);
    for (old, new) in &renamed {
        plan.push(
            Phase::RenameConstraintsAndIndexes,
            Action::RenameIndex {
                index: qualified(&old.name),
                new_name: new.name.name.clone(),
            },
        );
    }
    let renamed_from: HashSet<&Name> = renamed.iter().map(|(o, _)| &o.name).collect();
    let renamed_to: HashSet<&Name> = renamed.iter().map(|(_, n)| &n.name).collect();
    // Indexes of materialized views are the views' business (views.rs).
    for wanted in target
        .indexes
        .iter()
        .filter(|i| target_tables.contains(&i.table) && !renamed_to.contains(&i.name))
    {
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
    for old in current
        .indexes
        .iter()
        .filter(|i| !want.contains_key(&i.name) && !renamed_from.contains(&i.name))
    {
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

/// Indexes that only changed their name: same schema and table, same
/// definition but for the name, one match each way.
fn renamed<'a>(
    current: &'a Schema,
    target: &'a Schema,
    have: &HashMap<&Name, &Index>,
    want: &HashMap<&Name, &Index>,
    target_tables: &HashSet<&Name>,
) -> Vec<(&'a Index, &'a Index)> {
    let gone: Vec<&Index> = current.indexes.iter().filter(|i| !want.contains_key(&i.name)).collect();
    let came: Vec<&Index> = target
        .indexes
        .iter()
        .filter(|i| !have.contains_key(&i.name) && target_tables.contains(&i.table))
        .collect();
    if gone.is_empty() || came.is_empty() {
        return Vec::new();
    }
    let same = |a: &Index, b: &Index| {
        a.table == b.table && a.name.schema == b.name.schema && without_name(a) == without_name(b)
    };
    gone.iter()
        .filter_map(|&old| {
            let [new] = came.iter().filter(|n| same(old, n)).collect::<Vec<_>>()[..] else {
                return None;
            };
            let [_] = gone.iter().filter(|o| same(o, new)).collect::<Vec<_>>()[..] else {
                return None;
            };
            Some((old, *new))
        })
        .collect()
}

/// `pg_get_indexdef` without the index's own name: what follows ` ON `.
fn without_name(index: &Index) -> &str {
    index
        .definition
        .split_once(" ON ")
        .map_or(&index.definition, |(_, rest)| rest)
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
