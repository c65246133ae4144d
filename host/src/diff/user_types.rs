//! Domains, composite types and range types.
//!
//! Each is created from its whole statement (`create-type`) and dropped
//! once no column uses it. A domain changes its default, NOT NULL and
//! checks in place (`ALTER DOMAIN`); a composite type adds, drops and
//! retypes attributes in place while the kept ones stay in order. What
//! cannot change in place (a domain's base type or collation, a range's
//! options, attributes that change order) is dropped and created again,
//! with what uses it (`cascade`; a column that uses it cannot be, and the
//! plan is refused by name).

use super::{Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::{AttributeChange, AttributeDef, DomainChange, DomainCheck};
use crate::schema::{Attribute, CompositeType, Domain, Name, Schema};

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan) {
    for wanted in &target.domains {
        match current.domains.iter().find(|d| d.name == wanted.name) {
            None => create(plan, &wanted.definition),
            Some(have) if have.head != wanted.head => recreate(plan, &wanted.name, &wanted.definition),
            Some(have) => alter_domain(have, wanted, plan),
        }
    }
    for wanted in &target.composite_types {
        match current.composite_types.iter().find(|t| t.name == wanted.name) {
            None => create(plan, &wanted.definition),
            Some(have) if have.attributes == wanted.attributes => {}
            Some(have) => match attribute_changes(have, wanted) {
                Some(changes) => plan.extend(
                    Phase::CreateTypes,
                    changes.into_iter().map(|change| Action::AlterCompositeType {
                        name: qualified(&wanted.name),
                        change,
                    }),
                ),
                None => recreate(plan, &wanted.name, &wanted.definition),
            },
        }
    }
    for wanted in &target.range_types {
        match current.range_types.iter().find(|r| r.name == wanted.name) {
            None => create(plan, &wanted.definition),
            Some(have) if have.definition != wanted.definition => recreate(plan, &wanted.name, &wanted.definition),
            Some(_) => {}
        }
    }
    let gone = current
        .domains
        .iter()
        .map(|d| &d.name)
        .filter(|n| !target.domains.iter().any(|d| &d.name == *n))
        .chain(
            current
                .composite_types
                .iter()
                .map(|t| &t.name)
                .filter(|n| !target.composite_types.iter().any(|t| &t.name == *n)),
        )
        .chain(
            current
                .range_types
                .iter()
                .map(|r| &r.name)
                .filter(|n| !target.range_types.iter().any(|r| &r.name == *n)),
        );
    for name in gone {
        plan.push(Phase::DropTypes, Action::DropType { name: qualified(name) });
    }
}

fn create(plan: &mut Plan, definition: &str) {
    plan.push(
        Phase::CreateTypes,
        Action::CreateType {
            definition: definition.to_owned(),
        },
    );
}

fn recreate(plan: &mut Plan, name: &Name, definition: &str) {
    plan.push(Phase::DropToRecreate, Action::DropType { name: qualified(name) });
    create(plan, definition);
}

/// A domain's default, NOT NULL and checks, from `have`'s to `wanted`'s.
fn alter_domain(have: &Domain, wanted: &Domain, plan: &mut Plan) {
    let mut changes = Vec::new();
    // Checks that go or change come off first: a new NOT NULL or check is
    // proved against the columns' values, which the old ones allowed.
    for (name, definition) in &have.checks {
        if !wanted.checks.iter().any(|(n, d)| n == name && d == definition) {
            changes.push(DomainChange::DropConstraint(name.clone()));
        }
    }
    if have.default != wanted.default {
        changes.push(match &wanted.default {
            Some(default) => DomainChange::SetDefault(default.clone()),
            None => DomainChange::DropDefault,
        });
    }
    if have.not_null != wanted.not_null {
        changes.push(if wanted.not_null {
            DomainChange::SetNotNull
        } else {
            DomainChange::DropNotNull
        });
    }
    for (name, definition) in &wanted.checks {
        if !have.checks.iter().any(|(n, d)| n == name && d == definition) {
            changes.push(DomainChange::AddCheck(DomainCheck {
                name: name.clone(),
                expression: check_expression(definition),
            }));
        }
    }
    plan.extend(
        Phase::CreateTypes,
        changes.into_iter().map(|change| Action::AlterDomain {
            name: qualified(&wanted.name),
            change,
        }),
    );
}

/// `CHECK (expr)` (as `pg_get_constraintdef` prints it) → `expr`.
fn check_expression(definition: &str) -> String {
    definition
        .strip_prefix("CHECK (")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(definition)
        .to_owned()
}

/// The attribute changes that turn `have` into `wanted` in place, if there
/// are such: the attributes both keep stay in the same order, and the new
/// ones come after all of them (`ADD ATTRIBUTE` appends).
fn attribute_changes(have: &CompositeType, wanted: &CompositeType) -> Option<Vec<AttributeChange>> {
    let kept_in = |list: &[Attribute], other: &[Attribute]| -> Vec<String> {
        list.iter()
            .filter(|a| other.iter().any(|o| o.name == a.name))
            .map(|a| a.name.clone())
            .collect()
    };
    if kept_in(&have.attributes, &wanted.attributes) != kept_in(&wanted.attributes, &have.attributes) {
        return None;
    }
    let last_kept = wanted
        .attributes
        .iter()
        .rposition(|a| have.attributes.iter().any(|h| h.name == a.name));
    let first_new = wanted
        .attributes
        .iter()
        .position(|a| !have.attributes.iter().any(|h| h.name == a.name));
    if let (Some(last_kept), Some(first_new)) = (last_kept, first_new)
        && first_new < last_kept
    {
        return None;
    }
    let def = |a: &Attribute| AttributeDef {
        name: a.name.clone(),
        data_type: a.data_type.clone(),
        collation: a.collation.as_ref().map(qualified),
    };
    let mut changes: Vec<AttributeChange> = have
        .attributes
        .iter()
        .filter(|a| !wanted.attributes.iter().any(|w| w.name == a.name))
        .map(|a| AttributeChange::Drop(a.name.clone()))
        .collect();
    for attribute in &wanted.attributes {
        match have.attributes.iter().find(|h| h.name == attribute.name) {
            None => changes.push(AttributeChange::Add(def(attribute))),
            Some(old) if (&old.type_sql, &old.collation) != (&attribute.type_sql, &attribute.collation) => {
                changes.push(AttributeChange::SetType(def(attribute)))
            }
            Some(_) => {}
        }
    }
    Some(changes)
}
