//! The plan's order: its steps by phase, except where the catalog's
//! dependencies say otherwise.
//!
//! The phases fix what holds between kinds (types before the tables that
//! use them, views dropped first and created last); what holds between two
//! objects only the catalog knows: a foreign key that needs a unique index
//! the same plan creates, a function whose `BEGIN ATOMIC` body calls
//! another, a table whose default calls a function that reads a table. As
//! pg-schema-diff does with its SQL graph, each step names the objects it
//! creates, changes and drops ([`Action::objects`]), and the two databases'
//! `pg_depend` (in [`crate::schema::Schema::dependencies`]) become edges:
//!
//! - in the target, X needs Y: the steps that create Y come before the
//!   steps that create or change X;
//! - in the current database, X needs Y: the steps that drop or release X
//!   (or, where there are none, change or replace it) come before the
//!   steps that drop Y (or, for a type, change it);
//! - an object the plan drops and creates again is dropped first, and
//!   one it creates is created before it is changed.
//!
//! A part (column, constraint, trigger, policy) that no step of its own
//! creates or drops is created and dropped with its relation. The steps are then taken in topological order, the
//! earliest phase (and, within it, the generator's order) first among those
//! whose predecessors are done. A cycle (which Postgres itself could only
//! untie by splitting a step) gives way to the phases: the earliest step
//! left goes next.

use super::Phase;
use crate::actions::Action;
use crate::actions::facts::Objects;
use crate::model::{Dependency, Object};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

/// `steps` in the order described in the module doc.
pub(super) fn sort(steps: Vec<(Phase, Action)>, current: &[Dependency], target: &[Dependency]) -> Vec<Action> {
    let objects: Vec<Objects> = steps.iter().map(|(_, action)| action.objects()).collect();
    let edges = edges(&objects, current, target);
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    let mut waiting_on = vec![0usize; steps.len()];
    for &(before, after) in &edges {
        successors[before].push(after);
        waiting_on[after] += 1;
    }
    let key = |i: usize| Reverse((steps[i].0, i));
    let mut ready: BinaryHeap<Reverse<(Phase, usize)>> =
        (0..steps.len()).filter(|&i| waiting_on[i] == 0).map(key).collect();
    let mut done = vec![false; steps.len()];
    let mut order = Vec::with_capacity(steps.len());
    while order.len() < steps.len() {
        let next = match ready.pop() {
            Some(Reverse((_, i))) if done[i] => continue,
            Some(Reverse((_, i))) => i,
            // A cycle: the earliest step left goes, whatever it waits on.
            None => (0..steps.len())
                .filter(|&i| !done[i])
                .min_by_key(|&i| (steps[i].0, i))
                .expect("a step is left"),
        };
        done[next] = true;
        order.push(next);
        for &after in &successors[next] {
            waiting_on[after] = waiting_on[after].saturating_sub(1);
            if waiting_on[after] == 0 && !done[after] {
                ready.push(key(after));
            }
        }
    }
    let mut steps: Vec<Option<Action>> = steps.into_iter().map(|(_, action)| Some(action)).collect();
    order.into_iter().filter_map(|i| steps[i].take()).collect()
}

/// The edges (before, after) between steps, deduplicated.
fn edges(objects: &[Objects], current: &[Dependency], target: &[Dependency]) -> BTreeSet<(usize, usize)> {
    let index = |list: fn(&Objects) -> &Vec<Object>| {
        let mut by_object: HashMap<&Object, Vec<usize>> = HashMap::new();
        for (i, step) in objects.iter().enumerate() {
            for object in list(step) {
                by_object.entry(object).or_default().push(i);
            }
        }
        by_object
    };
    let (creators, changers, droppers) = (index(|o| &o.creates), index(|o| &o.changes), index(|o| &o.drops));
    let releasers = index(|o| &o.releases);
    // A part that no step of its own creates or drops comes and goes with
    // its relation (a table's foreign keys are dropped before the table).
    let steps_of = |by: &HashMap<&Object, Vec<usize>>, object: &Object| -> Vec<usize> {
        match (by.get(object), object.relation()) {
            (Some(steps), _) => steps.clone(),
            (None, Some(relation)) => by.get(&Object::Relation(relation.clone())).cloned().unwrap_or_default(),
            (None, None) => Vec::new(),
        }
    };
    let changed = |object: &Object| changers.get(object).cloned().unwrap_or_default();
    let mut edges = BTreeSet::new();
    for dependency in target {
        let needed = steps_of(&creators, &dependency.referenced);
        if needed.is_empty() {
            continue;
        }
        let mut needing = steps_of(&creators, &dependency.dependent);
        needing.extend(changed(&dependency.dependent));
        for &before in &needed {
            edges.extend(
                needing
                    .iter()
                    .filter(|&&after| after != before)
                    .map(|&after| (before, after)),
            );
        }
    }
    for dependency in current {
        let mut going = steps_of(&droppers, &dependency.referenced);
        // A type changed in place is checked against what uses it (an
        // attribute retyped, a domain's new check): what lets go goes first.
        if matches!(dependency.referenced, Object::Type(_)) {
            going.extend(changed(&dependency.referenced));
        }
        if going.is_empty() {
            continue;
        }
        // What lets go of X: its drop or release where the plan has one
        // (what creates or changes X after that makes the target's X);
        // otherwise what changes it in place, or replaces a function
        // (`CREATE OR REPLACE`, the one create of what exists already).
        let dependent = &dependency.dependent;
        let mut letting_go = steps_of(&droppers, dependent);
        letting_go.extend(releasers.get(dependent).into_iter().flatten());
        if letting_go.is_empty() {
            letting_go.extend(changed(dependent));
            if matches!(dependent, Object::Function(_)) {
                letting_go.extend(creators.get(dependent).into_iter().flatten());
            }
        }
        for &after in &going {
            edges.extend(
                letting_go
                    .iter()
                    .filter(|&&before| before != after)
                    .map(|&before| (before, after)),
            );
        }
    }
    // What a plan drops and creates again is dropped first.
    for (object, dropping) in &droppers {
        for &after in creators.get(object).into_iter().flatten() {
            edges.extend(
                dropping
                    .iter()
                    .filter(|&&before| before != after)
                    .map(|&before| (before, after)),
            );
        }
    }
    // What a plan creates (or whose relation it creates) is created before
    // it is changed.
    for (object, changing) in changers.iter().chain(&releasers) {
        for before in steps_of(&creators, object) {
            edges.extend(
                changing
                    .iter()
                    .filter(|&&after| after != before)
                    .map(|&after| (before, after)),
            );
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Constraint, ForeignKey, ForeignKeyAction, IndexDef, IndexMethod, Name, QualifiedName};

    fn t(name: &str) -> QualifiedName {
        QualifiedName::unqualified(name)
    }

    fn needs(dependent: Object, referenced: Object) -> Dependency {
        Dependency { dependent, referenced }
    }

    fn public(name: &str) -> Name {
        Name::new("public", name)
    }

    fn unique_index() -> Action {
        Action::AddIndex {
            index: IndexDef {
                name: "p_id_uq".into(),
                table: t("p"),
                columns: vec!["id".into()],
                unique: true,
                method: IndexMethod::Btree,
                predicate: None,
            },
        }
    }

    fn foreign_key() -> Action {
        Action::AddConstraint {
            table: t("c"),
            name: "c_p_fk".into(),
            constraint: Constraint::ForeignKey(ForeignKey {
                columns: vec!["p_id".into()],
                references: t("p"),
                referenced_columns: vec!["id".into()],
                on_delete: ForeignKeyAction::NoAction,
                on_update: ForeignKeyAction::NoAction,
            }),
        }
    }

    fn function(name: &str) -> Action {
        Action::CreateFunction {
            definition: format!("CREATE FUNCTION public.{name}() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
        }
    }

    #[test]
    fn without_dependencies_the_phases_decide() {
        let steps = vec![
            (Phase::AddIndexes, unique_index()),
            (Phase::AddForeignKeys, foreign_key()),
        ];
        assert_eq!(sort(steps, &[], &[]), [foreign_key(), unique_index()]);
    }

    #[test]
    fn a_foreign_key_waits_for_the_unique_index_it_needs() {
        let steps = vec![
            (Phase::AddForeignKeys, foreign_key()),
            (Phase::AddIndexes, unique_index()),
        ];
        let target = [needs(
            Object::Constraint(public("c"), "c_p_fk".into()),
            Object::Index(public("p_id_uq")),
        )];
        assert_eq!(sort(steps, &[], &target), [unique_index(), foreign_key()]);
    }

    #[test]
    fn a_function_waits_for_the_function_it_calls_and_a_table_for_its_default() {
        let table = Action::AddTable {
            table: t("u"),
            columns: vec![],
            options: Default::default(),
        };
        let steps = vec![
            (Phase::CreateFunctions, function("a_top")),
            (Phase::CreateFunctions, function("z_base")),
            (Phase::CreateTables, table.clone()),
        ];
        let target = [
            needs(Object::Function(public("a_top")), Object::Function(public("z_base"))),
            needs(
                Object::Column(public("u"), "id".into()),
                Object::Function(public("a_top")),
            ),
        ];
        assert_eq!(
            sort(steps, &[], &target),
            [function("z_base"), function("a_top"), table]
        );
    }

    #[test]
    fn what_used_an_object_lets_go_of_it_before_it_is_dropped() {
        let drop_sequence = Action::DropSequence { name: t("s") };
        let drop_default = Action::DropColumnDefault {
            table: t("t"),
            column: "id".into(),
        };
        let steps = vec![
            (Phase::CreateTypes, drop_sequence.clone()),
            (Phase::AlterTables, drop_default.clone()),
        ];
        let current = [needs(
            Object::Default(public("t"), "id".into()),
            Object::Sequence(public("s")),
        )];
        assert_eq!(sort(steps, &current, &[]), [drop_default, drop_sequence]);
    }

    #[test]
    fn a_cycle_gives_way_to_the_phases() {
        let steps = vec![
            (Phase::CreateFunctions, function("f")),
            (Phase::CreateFunctions, function("g")),
        ];
        let target = [
            needs(Object::Function(public("f")), Object::Function(public("g"))),
            needs(Object::Function(public("g")), Object::Function(public("f"))),
        ];
        assert_eq!(sort(steps, &[], &target), [function("f"), function("g")]);
    }
}
