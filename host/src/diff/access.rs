//! Row-level security policies and privileges on tables, views and
//! sequences, and on some of their columns. An object the plan re-creates (a view around a column change,
//! a table that becomes partitioned) has lost its policies and privileges
//! by then, so they are given back.

use super::{Context, Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::{GrantDef, Object, PolicyCommand, PolicyDef, Privilege};
use crate::schema::{ColumnGrant, Grant, Name, Policy, Schema};
use std::collections::{BTreeMap, HashSet};

/// The policies of a re-created relation go back; those of a retyped
/// table come off first and go back after.
pub(super) fn diff(current: &Schema, target: &Schema, context: &Context, plan: &mut Plan) {
    policies(current, target, context, plan);
    grants(current, target, &context.recreated, plan);
    column_grants(current, target, &context.recreated, plan);
}

/// A policy that needs what the plan drops (`context.cascaded`) comes off
/// and goes back like a changed one.
fn policies(current: &Schema, target: &Schema, context: &Context, plan: &mut Plan) {
    let (recreated, retyped) = (&context.recreated, &context.retyped);
    let find = |s: &Schema, p: &Policy| {
        s.policies
            .iter()
            .find(|q| q.table == p.table && q.name == p.name)
            .cloned()
    };
    for wanted in &target.policies {
        let have = find(current, wanted).filter(|_| !recreated.contains(&wanted.table));
        let cascaded = context
            .cascaded
            .contains(&Object::Policy(wanted.table.clone(), wanted.name.clone()));
        if have.as_ref() == Some(wanted) && !retyped.contains(&wanted.table) && !cascaded {
            continue;
        }
        if have.is_some() {
            plan.push(Phase::DropPolicies, drop_policy(wanted));
        }
        plan.push(
            Phase::CreatePolicies,
            Action::CreatePolicy {
                policy: PolicyDef {
                    name: wanted.name.clone(),
                    table: qualified(&wanted.table),
                    permissive: wanted.permissive,
                    command: match wanted.command.as_str() {
                        "r" => PolicyCommand::Select,
                        "a" => PolicyCommand::Insert,
                        "w" => PolicyCommand::Update,
                        "d" => PolicyCommand::Delete,
                        _ => PolicyCommand::All,
                    },
                    roles: if wanted.roles == ["public"] {
                        Vec::new()
                    } else {
                        wanted.roles.clone()
                    },
                    using: wanted.using.clone(),
                    with_check: wanted.with_check.clone(),
                },
            },
        );
    }
    for old in &current.policies {
        // A dropped table takes its policies with it.
        if find(target, old).is_none() && target.table(&old.table).is_some() && !recreated.contains(&old.table) {
            plan.push(Phase::DropPolicies, drop_policy(old));
        }
    }
}

fn drop_policy(policy: &Policy) -> Action {
    Action::DropPolicy {
        table: qualified(&policy.table),
        name: policy.name.clone(),
    }
}

/// (object, grantee) → privilege → with grant option.
type Grants = BTreeMap<(Name, String), BTreeMap<String, bool>>;

fn grouped(grants: &[Grant], skip: impl Fn(&Name) -> bool) -> Grants {
    let mut map = Grants::new();
    for grant in grants.iter().filter(|g| !skip(&g.on)) {
        map.entry((grant.on.clone(), grant.grantee.clone()))
            .or_default()
            .insert(grant.privilege.clone(), grant.grant_option);
    }
    map
}

fn grants(current: &Schema, target: &Schema, recreated: &HashSet<Name>, plan: &mut Plan) {
    let exists_in_target = |name: &Name| {
        target.table(name).is_some()
            || target.views.iter().any(|v| &v.name == name)
            || target.sequences.iter().any(|s| &s.name == name)
    };
    let have = grouped(&current.grants, |on| recreated.contains(on) || !exists_in_target(on));
    let want = grouped(&target.grants, |_| false);
    let empty = BTreeMap::new();
    let keys: std::collections::BTreeSet<_> = have.keys().chain(want.keys()).collect();
    for key in keys {
        let (had, wanted) = (have.get(key).unwrap_or(&empty), want.get(key).unwrap_or(&empty));
        // (revoke?, grant option, privileges)
        let mut changes: BTreeMap<(bool, bool), Vec<Privilege>> = BTreeMap::new();
        for (privilege, option) in wanted {
            match had.get(privilege) {
                Some(had_option) if had_option == option => {}
                Some(true) => changes.entry((true, true)).or_default().extend(parse(privilege)),
                _ => changes.entry((false, *option)).or_default().extend(parse(privilege)),
            }
        }
        for privilege in had.keys().filter(|p| !wanted.contains_key(*p)) {
            changes.entry((true, false)).or_default().extend(parse(privilege));
        }
        for ((revoke, grant_option), privileges) in changes {
            let grant = GrantDef {
                on: qualified(&key.0),
                privileges,
                grantee: key.1.clone(),
                grant_option,
            };
            plan.push(
                Phase::Grants,
                if revoke {
                    Action::Revoke { grant }
                } else {
                    Action::Grant { grant }
                },
            );
        }
    }
}

/// Privileges on columns, granted and revoked as those on relations are,
/// each privilege with the columns it changes on. A column's privileges go
/// with it when it is dropped (and added again), with its relation when
/// that is re-created, and with the table's when that privilege is revoked
/// from the whole table.
fn column_grants(current: &Schema, target: &Schema, recreated: &HashSet<Name>, plan: &mut Plan) {
    let lost = |g: &ColumnGrant| {
        recreated.contains(&g.on)
            || plan.actions().any(|a| match a {
                Action::DropColumn { table, column } => super::name_of(table) == g.on && column == &g.column,
                Action::Revoke { grant } => {
                    super::name_of(&grant.on) == g.on
                        && grant.grantee == g.grantee
                        && !grant.grant_option
                        && grant.privileges.iter().any(|p| Some(*p) == parse(&g.privilege))
                }
                _ => false,
            })
    };
    let relation_in_target = |name: &Name| target.table(name).is_some() || target.views.iter().any(|v| &v.name == name);
    // (relation, grantee) → (privilege, column) → with grant option.
    type ByColumn = BTreeMap<(Name, String), BTreeMap<(String, String), bool>>;
    let group = |grants: &[ColumnGrant], skip: &dyn Fn(&ColumnGrant) -> bool| {
        let mut map = ByColumn::new();
        for g in grants.iter().filter(|g| !skip(g)) {
            map.entry((g.on.clone(), g.grantee.clone()))
                .or_default()
                .insert((g.privilege.clone(), g.column.clone()), g.grant_option);
        }
        map
    };
    let have = group(&current.column_grants, &|g| lost(g) || !relation_in_target(&g.on));
    let want = group(&target.column_grants, &|_| false);
    let empty = BTreeMap::new();
    let keys: std::collections::BTreeSet<_> = have.keys().chain(want.keys()).collect();
    let mut steps = Vec::new();
    for key in keys {
        let (had, wanted) = (have.get(key).unwrap_or(&empty), want.get(key).unwrap_or(&empty));
        // (revoke?, grant option, privilege) → columns
        let mut changes: BTreeMap<(bool, bool, String), Vec<String>> = BTreeMap::new();
        for ((privilege, column), option) in wanted {
            match had.get(&(privilege.clone(), column.clone())) {
                Some(had_option) if had_option == option => {}
                Some(true) => changes
                    .entry((true, true, privilege.clone()))
                    .or_default()
                    .push(column.clone()),
                _ => changes
                    .entry((false, *option, privilege.clone()))
                    .or_default()
                    .push(column.clone()),
            }
        }
        for (privilege, column) in had.keys().filter(|k| !wanted.contains_key(*k)) {
            changes
                .entry((true, false, privilege.clone()))
                .or_default()
                .push(column.clone());
        }
        for ((revoke, grant_option, privilege), columns) in changes {
            let grant = GrantDef {
                on: qualified(&key.0),
                privileges: parse(&privilege).into_iter().collect(),
                grantee: key.1.clone(),
                grant_option,
            };
            steps.push(if revoke {
                Action::RevokeColumns { grant, columns }
            } else {
                Action::GrantColumns { grant, columns }
            });
        }
    }
    plan.extend(Phase::Grants, steps);
}

fn parse(privilege: &str) -> Option<Privilege> {
    Some(match privilege {
        "SELECT" => Privilege::Select,
        "INSERT" => Privilege::Insert,
        "UPDATE" => Privilege::Update,
        "DELETE" => Privilege::Delete,
        "TRUNCATE" => Privilege::Truncate,
        "REFERENCES" => Privilege::References,
        "TRIGGER" => Privilege::Trigger,
        "USAGE" => Privilege::Usage,
        _ => return None,
    })
}
