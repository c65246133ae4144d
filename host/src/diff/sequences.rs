//! Free-standing sequences: created before the columns whose defaults use
//! them, altered in place, owned once their column exists, dropped after
//! the defaults that used them are gone. The sequence of a `serial` column
//! that the diff adds or drops comes and goes with the column; identity
//! sequences belong to their identity columns, and their options (`START`,
//! `INCREMENT`, `MINVALUE`, `MAXVALUE`, `CACHE`, `CYCLE`) are set in place
//! once the column is one ([`identities`]).

use super::{Phase, Plan, name_of, qualified, tables};
use crate::actions::Action;
use crate::model::{SequenceOptions, SequenceType, TableMember};
use crate::schema::{Name, Schema, Sequence};
use std::collections::HashMap;

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan) {
    let managed = |s: &Schema| -> HashMap<Name, Sequence> {
        s.sequences
            .iter()
            .filter(|q| !q.identity)
            .map(|q| (q.name.clone(), q.clone()))
            .collect()
    };
    let (have, want) = (managed(current), managed(target));
    let mut wanted: Vec<&Sequence> = want.values().collect();
    wanted.sort_by(|a, b| a.name.cmp(&b.name));
    for sequence in wanted {
        let name = qualified(&sequence.name);
        match have.get(&sequence.name) {
            None if tables::is_serial_sequence(target, sequence) && !column_exists(current, &sequence.owned_by) => {}
            None => {
                plan.push(
                    Phase::CreateTypes,
                    Action::CreateSequence {
                        name: name.clone(),
                        options: options(None, sequence),
                    },
                );
                if let Some(owner) = &sequence.owned_by {
                    plan.push(Phase::OwnSequences, owned_by(&name, Some(owner)));
                }
            }
            Some(old) => {
                let options = options(Some(old), sequence);
                if options != SequenceOptions::default() {
                    plan.push(
                        Phase::CreateTypes,
                        Action::AlterSequence {
                            name: name.clone(),
                            options,
                        },
                    );
                }
                if old.owned_by != sequence.owned_by {
                    // Disowned before its old column can go (taking the
                    // sequence with it); owned once the new one exists.
                    if old.owned_by.is_some() {
                        plan.push(Phase::DisownSequences, owned_by(&name, None));
                    }
                    if let Some(owner) = &sequence.owned_by {
                        plan.push(Phase::OwnSequences, owned_by(&name, Some(owner)));
                    }
                }
            }
        }
    }
    let mut old: Vec<&Sequence> = have.values().filter(|q| !want.contains_key(&q.name)).collect();
    old.sort_by(|a, b| a.name.cmp(&b.name));
    for sequence in old {
        // Dropping a column drops the sequence it owns.
        if sequence.owned_by.is_some() && !column_exists(target, &sequence.owned_by) {
            continue;
        }
        plan.push(
            Phase::DropTypes,
            Action::DropSequence {
                name: qualified(&sequence.name),
            },
        );
    }
}

/// The options of identity columns' sequences: those that differ from the
/// database's (or, for a column the plan makes an identity column, from the
/// defaults Postgres gives a new one), set with `ALTER SEQUENCE` once the
/// column is an identity column. Runs after the table steps are planned.
pub(super) fn identities(current: &Schema, target: &Schema, plan: &mut Plan) {
    let by_column = |s: &Schema| -> HashMap<(Name, String), Sequence> {
        s.sequences
            .iter()
            .filter(|q| q.identity)
            .filter_map(|q| q.owned_by.clone().map(|owner| (owner, q.clone())))
            .collect()
    };
    let (have, want) = (by_column(current), by_column(target));
    // Columns the plan makes anew (with their tables, or on their own):
    // their sequences start from the defaults.
    let mut fresh: std::collections::HashSet<(Name, String)> = std::collections::HashSet::new();
    for action in plan.actions() {
        match action {
            Action::AddTable { table, columns, .. } => {
                for column in columns {
                    fresh.insert((name_of(table), column.name.clone()));
                }
            }
            Action::AddColumn { table, column } => {
                fresh.insert((name_of(table), column.name.clone()));
            }
            _ => {}
        }
    }
    let mut wanted: Vec<(&(Name, String), &Sequence)> = want.iter().collect();
    wanted.sort_by(|a, b| a.0.cmp(b.0));
    for (column, sequence) in wanted {
        let base = match have.get(column) {
            Some(old) if !fresh.contains(column) => old.clone(),
            _ => new_identity(sequence),
        };
        let options = SequenceOptions {
            // Its column's type: changed with the column, never on its own.
            data_type: None,
            ..options(Some(&base), sequence)
        };
        if options != SequenceOptions::default() {
            plan.push(
                Phase::OwnSequences,
                Action::AlterSequence {
                    name: qualified(&sequence.name),
                    options,
                },
            );
        }
    }
}

/// The sequence Postgres makes for a new identity column of `like`'s type.
fn new_identity(like: &Sequence) -> Sequence {
    let max = match like.data_type.as_str() {
        "smallint" => i64::from(i16::MAX),
        "integer" => i64::from(i32::MAX),
        _ => i64::MAX,
    };
    Sequence {
        start: 1,
        increment: 1,
        min: 1,
        max,
        cache: 1,
        cycle: false,
        ..like.clone()
    }
}

fn column_exists(schema: &Schema, column: &Option<(Name, String)>) -> bool {
    column
        .as_ref()
        .is_some_and(|(table, column)| schema.table(table).is_some_and(|t| t.column(column).is_some()))
}

fn owned_by(name: &crate::model::QualifiedName, owner: Option<&(Name, String)>) -> Action {
    Action::SetSequenceOwner {
        name: name.clone(),
        owner: owner.map(|(table, column)| TableMember {
            table: qualified(table),
            name: column.clone(),
        }),
    }
}

/// Every setting of `wanted` (a new sequence), or those that differ from `have`.
fn options(have: Option<&Sequence>, wanted: &Sequence) -> SequenceOptions {
    let changed = |get: fn(&Sequence) -> i64| match have {
        Some(have) if get(have) == get(wanted) => None,
        _ => Some(get(wanted)),
    };
    SequenceOptions {
        data_type: match have {
            Some(have) if have.data_type == wanted.data_type => None,
            _ => match wanted.data_type.as_str() {
                "smallint" => Some(SequenceType::Smallint),
                "integer" => Some(SequenceType::Integer),
                _ => Some(SequenceType::Bigint),
            },
        },
        start: changed(|s| s.start),
        increment: changed(|s| s.increment),
        min_value: changed(|s| s.min),
        max_value: changed(|s| s.max),
        cache: changed(|s| s.cache),
        cycle: match have {
            Some(have) if have.cycle == wanted.cycle => None,
            _ => Some(wanted.cycle),
        },
    }
}
