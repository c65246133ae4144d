//! Enum types: created, extended in place (`ADD VALUE` keeps existing rows
//! valid), values removed through `drop-enum-values`, dropped.

use super::{Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::EnumPosition;
use crate::schema::Schema;

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan, unsupported: &mut Vec<String>) {
    for wanted in &target.enums {
        let name = qualified(&wanted.name);
        let Some(have) = current.enum_type(&wanted.name) else {
            plan.push(
                Phase::CreateTypes,
                Action::CreateEnum {
                    name,
                    values: wanted.values.clone(),
                },
            );
            continue;
        };
        if have.values == wanted.values {
            continue;
        }
        // The values both keep must stay in the same relative order:
        // Postgres cannot reorder an enum's values in place.
        let kept_have: Vec<&String> = have.values.iter().filter(|v| wanted.values.contains(v)).collect();
        let kept_wanted: Vec<&String> = wanted.values.iter().filter(|v| have.values.contains(v)).collect();
        if kept_have != kept_wanted {
            unsupported.push(format!(
                "enum {} reorders its values ({} to {}); Postgres cannot reorder an enum in place",
                wanted.name,
                have.values.join(", "),
                wanted.values.join(", ")
            ));
            continue;
        }
        // Each added value goes right after its predecessor in the target
        // order (or before the first value when it is the new first one).
        for (i, value) in wanted.values.iter().enumerate() {
            if have.values.contains(value) {
                continue;
            }
            let position = match i.checked_sub(1).map(|p| &wanted.values[p]) {
                Some(previous) => EnumPosition::After(previous.clone()),
                None => match wanted.values.iter().find(|v| have.values.contains(v)) {
                    Some(first_kept) => EnumPosition::Before(first_kept.clone()),
                    None => EnumPosition::After(have.values.last().cloned().unwrap_or_default()),
                },
            };
            plan.push(
                Phase::CreateTypes,
                Action::AddEnumValues {
                    name: name.clone(),
                    values: vec![value.clone()],
                    position: Some(position),
                },
            );
        }
        let removed: Vec<String> = have
            .values
            .iter()
            .filter(|v| !wanted.values.contains(v))
            .cloned()
            .collect();
        if !removed.is_empty() {
            // After the tables changed: rows may have been moved off the values.
            plan.push(Phase::DropTypes, Action::DropEnumValues { name, values: removed });
        }
    }
    for old in current.enums.iter().filter(|e| target.enum_type(&e.name).is_none()) {
        plan.push(
            Phase::DropTypes,
            Action::DropType {
                name: qualified(&old.name),
            },
        );
    }
}
