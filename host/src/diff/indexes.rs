//! Indexes that back no constraint (those come with their constraint).
//!
//! A partitioned table's index is made as pg_dump makes it: on the table
//! alone (`ON ONLY`), then each partition's index built on its partition
//! under its own name and attached (`attach-index`). Where the plan creates
//! or attaches a partition while the partitioned index already exists,
//! Postgres makes the partition's index itself, and `attach-index` gives it
//! its name. A partition's index goes with its partitioned index.

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
    // Partitioned indexes the plan drops (gone, or changed) take their
    // partitions' with them.
    let dropped_parents: HashSet<&Name> = current
        .indexes
        .iter()
        .filter(|i| i.definition.contains(" ON ONLY ") && !renamed_from.contains(&i.name))
        .filter(|i| want.get(&i.name).is_none_or(|w| w.definition != i.definition))
        .map(|i| &i.name)
        .collect();
    // What the database has of `name`, unless it goes with its partitioned index.
    let kept = |name: &Name| {
        have.get(name)
            .copied()
            .filter(|h| h.parent.as_ref().is_none_or(|p| !dropped_parents.contains(p)))
    };
    for wanted in target
        .indexes
        .iter()
        .filter(|i| target_tables.contains(&i.table) && !renamed_to.contains(&i.name))
    {
        match kept(&wanted.name) {
            Some(have) if have.definition == wanted.definition => {}
            Some(have) => {
                // An attached partition's index goes with its partitioned index.
                if have.parent.is_none() {
                    plan.push(
                        Phase::DropIndexes,
                        Action::DropIndex {
                            index: qualified(&have.name),
                        },
                    );
                }
                if wanted.parent.is_none() {
                    plan.push(Phase::AddIndexes, add_index(wanted));
                }
            }
            None if wanted.parent.is_none() => plan.push(Phase::AddIndexes, add_index(wanted)),
            None => {}
        }
    }
    for wanted in target.indexes.iter().filter(|i| !renamed_to.contains(&i.name)) {
        let Some(parent) = &wanted.parent else { continue };
        let had = kept(&wanted.name).filter(|h| h.definition == wanted.definition);
        if had.is_some_and(|h| h.parent.as_ref() == Some(parent)) {
            continue;
        }
        // Postgres makes the partition's index when the plan creates or
        // attaches the partition under a partitioned index that stays.
        let parent_stays = have.get(parent).is_some_and(|p| {
            !dropped_parents.contains(parent) && want.get(parent).is_some_and(|w| w.definition == p.definition)
        });
        let made_by_postgres = parent_stays && partition_joins(plan, &wanted.table);
        if had.is_none() && !made_by_postgres {
            plan.push(Phase::AddIndexes, add_index(wanted));
        }
        plan.push(
            Phase::AttachIndexes,
            Action::AttachIndex {
                parent: qualified(parent),
                index: qualified(&wanted.name),
                partition: qualified(&wanted.table),
            },
        );
    }
    for old in current
        .indexes
        .iter()
        .filter(|i| !want.contains_key(&i.name) && !renamed_from.contains(&i.name))
    {
        // An index of a dropped table goes with it, an attached partition's
        // with its partitioned index.
        if target_tables.contains(&old.table) && old.parent.is_none() {
            plan.push(
                Phase::DropIndexes,
                Action::DropIndex {
                    index: qualified(&old.name),
                },
            );
        }
    }
}

/// Whether the plan creates `table` as a partition or attaches it.
fn partition_joins(plan: &Plan, table: &Name) -> bool {
    plan.actions().any(|a| match a {
        Action::AddTable { table: t, options, .. } => options.partition_of.is_some() && &super::name_of(t) == table,
        Action::AttachPartition { partition, .. } => &super::name_of(partition) == table,
        _ => false,
    })
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
    // A partitioned table's index is made on it alone (`ON ONLY`), its
    // partitions' attached one by one.
    let partitioned = index.definition.contains(" ON ONLY ");
    match (&index.simple_columns, method) {
        (Some(columns), Some(method)) if !partitioned => Action::AddIndex {
            index: IndexDef {
                name: index.name.name.clone(),
                table: qualified(&index.table),
                columns: columns.clone(),
                unique: index.unique,
                method,
                predicate: index.predicate.clone(),
            },
        },
        _ => Action::AddIndexSql {
            definition: index.definition.clone(),
        },
    }
}
