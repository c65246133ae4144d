//! Functions, procedures and triggers, by their whole definitions.
//!
//! A changed function is replaced in place (`CREATE OR REPLACE`, which
//! `pg_get_functiondef` prints), so what calls it keeps working, unless
//! the change is one `CREATE OR REPLACE` refuses: then it is dropped and
//! created again, and what calls it with it (`cascade`). A changed trigger
//! is dropped and created again.

use super::{Context, Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::Object;
use crate::schema::Schema;

pub(super) fn functions(current: &Schema, target: &Schema, plan: &mut Plan) {
    let same_function =
        |a: &crate::schema::Function, b: &crate::schema::Function| a.name == b.name && a.input_types == b.input_types;
    for wanted in &target.functions {
        let have = current.functions.iter().find(|f| same_function(f, wanted));
        if have.is_none_or(|h| h.definition != wanted.definition) {
            // A renamed parameter, a removed default, another result (OUT
            // columns included) or kind: `CREATE OR REPLACE` refuses them,
            // so it is dropped first, with what calls it (`cascade`).
            if let Some(h) = have.filter(|h| {
                (&h.arguments, &h.result, h.procedure) != (&wanted.arguments, &wanted.result, wanted.procedure)
            }) {
                plan.push(
                    Phase::DropToRecreate,
                    Action::DropFunction {
                        name: qualified(&h.name),
                        arguments: h.identity_arguments.clone(),
                        procedure: h.procedure,
                    },
                );
            }
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
}

/// Triggers: a changed one, or one that needs what the plan drops
/// (`context.cascaded`), is dropped and created again; those of a
/// re-created relation are created again.
pub(super) fn triggers(current: &Schema, target: &Schema, context: &Context, plan: &mut Plan) {
    let relation_kept =
        |s: &Schema, name: &crate::schema::Name| s.table(name).is_some() || s.views.iter().any(|v| &v.name == name);
    // Dropping a table or view (to re-create it) drops its triggers with it.
    for wanted in &target.triggers {
        let have = current
            .triggers
            .iter()
            .find(|t| t.table == wanted.table && t.name == wanted.name);
        let recreated = context.recreated.contains(&wanted.table);
        let cascaded = context
            .cascaded
            .contains(&Object::Trigger(wanted.table.clone(), wanted.name.clone()));
        match have {
            Some(h) if h.definition == wanted.definition && recreated => {
                plan.push(
                    Phase::CreateTriggers,
                    Action::CreateTrigger {
                        definition: wanted.definition.clone(),
                    },
                );
            }
            Some(h) if h.definition == wanted.definition && !cascaded => {}
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
