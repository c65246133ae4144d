//! Comments (`COMMENT ON`): set where the target's differ, removed where the
//! target has none, and given back to objects the plan re-creates (a
//! re-created view or column has lost its comment by then).

use super::{Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::{CommentTarget, FunctionRef, QualifiedName, TableMember};
use crate::schema::{Comment, Name, Schema};
use std::collections::{HashMap, HashSet};

/// A comment's object: (kind, object, member).
pub(super) type Key = (String, Name, Option<String>);

pub(super) fn key(comment: &Comment) -> Key {
    (comment.kind.clone(), comment.object.clone(), comment.member.clone())
}

/// Whether the plan drops (and so, if the target has it, re-creates) the
/// object a comment is on.
pub(super) fn lost(key: &Key, actions: &[&Action]) -> bool {
    let (kind, object, member) = key;
    let same = |name: &QualifiedName| {
        name.name == object.name && name.schema.as_deref().unwrap_or(crate::actions::DEFAULT_SCHEMA) == object.schema
    };
    actions.iter().any(|action| match action {
        Action::DropTable { table } | Action::DropView { name: table, .. } => same(table),
        Action::DropColumn { table, column } => kind == "column" && same(table) && member.as_ref() == Some(column),
        Action::DropConstraint { table, name } => kind == "constraint" && same(table) && member.as_ref() == Some(name),
        Action::DropTrigger { table, name } => kind == "trigger" && same(table) && member.as_ref() == Some(name),
        Action::DropIndex { index } => kind == "index" && same(index),
        Action::DropFunction { name, arguments, .. } => {
            (kind == "function" || kind == "procedure") && same(name) && member.as_ref() == Some(arguments)
        }
        Action::DropType { name } | Action::DropEnumValues { name, .. } => kind == "type" && same(name),
        Action::DropSequence { name } => kind == "sequence" && same(name),
        Action::DropCollation { name } => kind == "collation" && same(name),
        _ => false,
    })
}

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan) {
    let planned: Vec<Action> = plan.actions().cloned().collect();
    let planned: Vec<&Action> = planned.iter().collect();
    let planned = planned.as_slice();
    let have: HashMap<Key, &String> = current.comments.iter().map(|c| (key(c), &c.text)).collect();
    let want: HashSet<Key> = target.comments.iter().map(key).collect();
    for comment in &target.comments {
        let key = key(comment);
        if have.get(&key) != Some(&&comment.text) || lost(&key, planned) {
            plan.push(Phase::Comments, set(comment, Some(comment.text.clone())));
        }
    }
    for comment in &current.comments {
        let key = key(comment);
        if !want.contains(&key) && exists(target, &key) && !lost(&key, planned) {
            plan.push(Phase::Comments, set(comment, None));
        }
    }
}

/// Whether the commented object is in `schema` (else the comment goes with it).
fn exists(schema: &Schema, (kind, object, member): &Key) -> bool {
    let member = member.as_deref().unwrap_or_default();
    let table = || schema.table(object);
    match kind.as_str() {
        "schema" => schema.schemas.contains(&object.name),
        "table" => table().is_some(),
        "column" => {
            table().is_some_and(|t| t.column(member).is_some()) || schema.views.iter().any(|v| &v.name == object)
        }
        "view" | "materialized view" => schema.views.iter().any(|v| &v.name == object),
        "index" => {
            schema.indexes.iter().any(|i| &i.name == object)
                || schema
                    .tables
                    .iter()
                    .any(|t| t.name.schema == object.schema && t.constraints.iter().any(|c| c.name == object.name))
        }
        "sequence" => schema.sequences.iter().any(|s| &s.name == object),
        "type" => schema.enums.iter().any(|e| &e.name == object),
        "collation" => schema.collations.iter().any(|c| &c.name == object),
        "function" | "procedure" => schema
            .functions
            .iter()
            .any(|f| &f.name == object && f.identity_arguments == member),
        "constraint" => table().is_some_and(|t| t.constraints.iter().any(|c| c.name == member)),
        "trigger" => schema.triggers.iter().any(|t| &t.table == object && t.name == member),
        _ => false,
    }
}

fn set(comment: &Comment, text: Option<String>) -> Action {
    let name = qualified(&comment.object);
    let member = || TableMember {
        table: name.clone(),
        name: comment.member.clone().unwrap_or_default(),
    };
    let target = match comment.kind.as_str() {
        "schema" => CommentTarget::Schema(comment.object.name.clone()),
        "column" => CommentTarget::Column(member()),
        "view" => CommentTarget::View(name),
        "materialized view" => CommentTarget::MaterializedView(name),
        "index" => CommentTarget::Index(name),
        "sequence" => CommentTarget::Sequence(name),
        "type" => CommentTarget::Type(name),
        "collation" => CommentTarget::Collation(name),
        "function" | "procedure" => CommentTarget::Function(FunctionRef {
            name,
            arguments: comment.member.clone().unwrap_or_default(),
            procedure: comment.kind == "procedure",
        }),
        "constraint" => CommentTarget::Constraint(member()),
        "trigger" => CommentTarget::Trigger(member()),
        _ => CommentTarget::Table(name),
    };
    Action::SetComment { target, text }
}
