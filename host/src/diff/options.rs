//! Options of relations: a table's or materialized view's storage
//! parameters (`fillfactor`, `autovacuum_*`, `toast.*`), a view's options
//! (`security_barrier`, `security_invoker`, `check_option`), and a table's
//! replica identity. Set where they differ (`SET` what is new or changed,
//! `RESET` what is gone); a relation the plan creates, or drops and creates
//! again, starts from Postgres's defaults, so it gets all of the target's.

use super::{Context, Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::{RelationOption, ReplicaIdentity};
use crate::schema::{Name, Schema};

pub(super) fn diff(current: &Schema, target: &Schema, context: &Context, plan: &mut Plan) {
    // What the plan drops and makes again starts anew, like what is new.
    let before = |name: &Name| (!context.recreated.contains(name)).then_some(());
    for table in &target.tables {
        let had = before(&table.name).and_then(|()| current.table(&table.name));
        let old = had.map_or(&[][..], |t| &t.options[..]);
        plan.extend(Phase::AlterTables, set_options(&table.name, old, &table.options));
        let old_identity = had.map_or(&ReplicaIdentity::Default, |t| &t.replica_identity);
        // An index rebuilt by the plan has lost the flag.
        let rebuilt = |index: &String| {
            plan.actions().any(|a| {
                a.objects()
                    .drops
                    .contains(&crate::model::Object::Index(Name::new(&table.name.schema, index)))
            })
        };
        let lost = matches!(&table.replica_identity, ReplicaIdentity::UsingIndex(i) if rebuilt(i));
        if old_identity != &table.replica_identity || lost {
            plan.push(
                Phase::ReplicaIdentity,
                Action::SetReplicaIdentity {
                    table: qualified(&table.name),
                    identity: table.replica_identity.clone(),
                },
            );
        }
    }
    for view in &target.views {
        let old = before(&view.name)
            .and_then(|()| current.views.iter().find(|v| v.name == view.name))
            .map_or(&[][..], |v| &v.options[..]);
        plan.extend(Phase::ViewIndexes, set_options(&view.name, old, &view.options));
    }
}

/// The step from `old` to `new` options (`name=value`, as Postgres prints
/// them), if they differ.
fn set_options(relation: &Name, old: &[String], new: &[String]) -> Option<Action> {
    let pairs = |options: &[String]| -> Vec<(String, String)> {
        options
            .iter()
            .map(|o| {
                let (name, value) = o.split_once('=').unwrap_or((o, ""));
                (name.to_owned(), value.to_owned())
            })
            .collect()
    };
    let (old, new) = (pairs(old), pairs(new));
    let set: Vec<RelationOption> = new
        .iter()
        .filter(|pair| !old.contains(pair))
        .map(|(name, value)| RelationOption {
            name: name.clone(),
            value: value.clone(),
        })
        .collect();
    let reset: Vec<String> = old
        .iter()
        .filter(|(name, _)| !new.iter().any(|(n, _)| n == name))
        .map(|(name, _)| name.clone())
        .collect();
    (!set.is_empty() || !reset.is_empty()).then(|| Action::SetRelationOptions {
        relation: qualified(relation),
        set,
        reset,
    })
}
