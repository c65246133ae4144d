//! Free-standing sequences: created before the columns whose defaults use
//! them, altered in place, owned once their column exists, dropped after
//! the defaults that used them are gone. The sequence of a `serial` column
//! that the diff adds or drops comes and goes with the column; identity
//! sequences belong to their identity columns.

use super::{Phase, Plan, qualified, tables};
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
