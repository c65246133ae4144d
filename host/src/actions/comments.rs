//! `COMMENT ON`: object comments, which tools and people read as documentation.

use super::ActionError;
use super::guard;
use super::ident::{ident, literal, qualified};
use crate::model::{CommentTarget, TableMember};

pub fn set(target: &CommentTarget, text: &Option<String>, schema: &str) -> Result<String, ActionError> {
    let member = |m: &TableMember, what: &str| -> Result<String, ActionError> {
        Ok(format!(
            "{} ON {}",
            ident(&m.name, what)?,
            qualified(&m.table, schema, "table")?
        ))
    };
    let object = match target {
        CommentTarget::Schema(name) => format!("SCHEMA {}", ident(name, "schema")?),
        CommentTarget::Table(name) => format!("TABLE {}", qualified(name, schema, "table")?),
        CommentTarget::Column(column) => format!(
            "COLUMN {}.{}",
            qualified(&column.table, schema, "table")?,
            ident(&column.name, "column")?
        ),
        CommentTarget::View(name) => format!("VIEW {}", qualified(name, schema, "view")?),
        CommentTarget::MaterializedView(name) => {
            format!("MATERIALIZED VIEW {}", qualified(name, schema, "view")?)
        }
        CommentTarget::Index(name) => format!("INDEX {}", qualified(name, schema, "index")?),
        CommentTarget::Sequence(name) => format!("SEQUENCE {}", qualified(name, schema, "sequence")?),
        CommentTarget::Type(name) => format!("TYPE {}", qualified(name, schema, "type")?),
        CommentTarget::Collation(name) => format!("COLLATION {}", qualified(name, schema, "collation")?),
        CommentTarget::Function(function) => {
            guard::function_arguments(&function.arguments)?;
            format!(
                "{} {}({})",
                if function.procedure { "PROCEDURE" } else { "FUNCTION" },
                qualified(&function.name, schema, "function")?,
                function.arguments
            )
        }
        CommentTarget::Constraint(constraint) => format!("CONSTRAINT {}", member(constraint, "constraint")?),
        CommentTarget::Trigger(trigger) => format!("TRIGGER {}", member(trigger, "trigger")?),
    };
    let text = match text {
        Some(text) => literal(text)?,
        None => "NULL".into(),
    };
    Ok(format!("COMMENT ON {object} IS {text}"))
}

/// The commented object, for messages: `column public.t.a`.
pub fn describe(target: &CommentTarget, schema: &str) -> String {
    let q = |n: &crate::model::QualifiedName| format!("{}.{}", n.schema.as_deref().unwrap_or(schema), n.name);
    match target {
        CommentTarget::Schema(name) => format!("schema {name}"),
        CommentTarget::Table(name) => format!("table {}", q(name)),
        CommentTarget::Column(c) => format!("column {}.{}", q(&c.table), c.name),
        CommentTarget::View(name) => format!("view {}", q(name)),
        CommentTarget::MaterializedView(name) => format!("materialized view {}", q(name)),
        CommentTarget::Index(name) => format!("index {}", q(name)),
        CommentTarget::Sequence(name) => format!("sequence {}", q(name)),
        CommentTarget::Type(name) => format!("type {}", q(name)),
        CommentTarget::Collation(name) => format!("collation {}", q(name)),
        CommentTarget::Function(f) => format!("function {}({})", q(&f.name), f.arguments),
        CommentTarget::Constraint(c) => format!("constraint {} on {}", c.name, q(&c.table)),
        CommentTarget::Trigger(t) => format!("trigger {} on {}", t.name, q(&t.table)),
    }
}
