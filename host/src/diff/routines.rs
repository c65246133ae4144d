//! Functions, procedures and triggers, by their whole definitions.
//!
//! A changed function is replaced in place (`CREATE OR REPLACE`, which
//! `pg_get_functiondef` prints), so what calls it keeps working; a changed
//! trigger is dropped and created again.

use super::{Context, Phase, Plan, qualified};
use crate::actions::Action;
use crate::schema::Schema;

pub(super) fn diff(current: &Schema, target: &Schema, context: &Context, plan: &mut Plan) {
    let same_function = |a: &crate::schema::Function, b: &crate::schema::Function| {
        a.name == b.name && a.identity_arguments == b.identity_arguments
    };
    for wanted in &target.functions {
        let have = current.functions.iter().find(|f| same_function(f, wanted));
        if have.is_none_or(|h| h.definition != wanted.definition) {
            plan.push(
                Phase::CreateFunctions,
                Action::CreateFunction {
                    definition: wanted.definition.clone(),
                },
            );
        }
    }
    for old in current
        .functions
        .iter()
        .filter(|f| !target.functions.iter().any(|t| same_function(t, f)))
    {
        plan.push(
            Phase::DropFunctions,
            Action::DropFunction {
                name: qualified(&old.name),
                arguments: old.identity_arguments.clone(),
                procedure: old.procedure,
            },
        );
    }

    let relation_kept =
        |s: &Schema, name: &crate::schema::Name| s.table(name).is_some() || s.views.iter().any(|v| &v.name == name);
    // Dropping a table or view (to re-create it) drops its triggers with it.
    for wanted in &target.triggers {
        let have = current
            .triggers
            .iter()
            .find(|t| t.table == wanted.table && t.name == wanted.name);
        let recreated = context.recreated.contains(&wanted.table);
        match have {
            Some(h) if h.definition == wanted.definition && recreated => {
                plan.push(
                    Phase::CreateTriggers,
                    Action::CreateTrigger {
                        definition: wanted.definition.clone(),
                    },
                );
            }
            Some(h) if h.definition == wanted.definition => {}
            Some(h) => {
                plan.push(
                    Phase::DropTriggers,
                    Action::DropTrigger {
                        table: qualified(&h.table),
                        name: h.name.clone(),
                    },
                );
                plan.push(
                    Phase::CreateTriggers,
                    Action::CreateTrigger {
                        definition: wanted.definition.clone(),
                    },
                );
            }
            None => plan.push(
                Phase::CreateTriggers,
                Action::CreateTrigger {
                    definition: wanted.definition.clone(),
                },
            ),
        }
    }
    for old in &current.triggers {
        let kept = target
            .triggers
            .iter()
            .any(|t| t.table == old.table && t.name == old.name);
        // A trigger of a dropped table or view goes with it.
        if !kept && relation_kept(target, &old.table) && !context.recreated.contains(&old.table) {
            plan.push(
                Phase::DropTriggers,
                Action::DropTrigger {
                    table: qualified(&old.table),
                    name: old.name.clone(),
                },
            );
        }
    }
}
