//! Free-standing sequences: `CREATE`/`ALTER`/`DROP SEQUENCE` and the column
//! that owns one. (The sequences of `serial` and identity columns come and
//! go with their columns.)

use super::ActionError;
use super::ident::{ident, qualified};
use crate::model::{QualifiedName, SequenceOptions, SequenceType, TableMember};

pub fn create(name: &QualifiedName, options: &SequenceOptions, schema: &str) -> Result<String, ActionError> {
    Ok(format!(
        "CREATE SEQUENCE {}{}",
        qualified(name, schema, "sequence")?,
        clauses(options)
    ))
}

pub fn alter(name: &QualifiedName, options: &SequenceOptions, schema: &str) -> Result<String, ActionError> {
    let clauses = clauses(options);
    if clauses.is_empty() {
        return Err(ActionError::InvalidArgument(format!(
            "alter-sequence {} has nothing to change",
            name.name
        )));
    }
    Ok(format!(
        "ALTER SEQUENCE {}{clauses}",
        qualified(name, schema, "sequence")?
    ))
}

pub fn set_owner(name: &QualifiedName, owner: &Option<TableMember>, schema: &str) -> Result<String, ActionError> {
    let owner = match owner {
        Some(column) => format!(
            "{}.{}",
            qualified(&column.table, schema, "table")?,
            ident(&column.name, "column")?
        ),
        None => "NONE".into(),
    };
    Ok(format!(
        "ALTER SEQUENCE {} OWNED BY {owner}",
        qualified(name, schema, "sequence")?
    ))
}

pub fn drop(name: &QualifiedName, schema: &str) -> Result<String, ActionError> {
    Ok(format!("DROP SEQUENCE {}", qualified(name, schema, "sequence")?))
}

/// The settings given, each as its clause with a leading space.
fn clauses(options: &SequenceOptions) -> String {
    let mut sql = String::new();
    if let Some(data_type) = options.data_type {
        sql.push_str(match data_type {
            SequenceType::Smallint => " AS smallint",
            SequenceType::Integer => " AS integer",
            SequenceType::Bigint => " AS bigint",
        });
    }
    let numbers = [
        ("START WITH", options.start),
        ("INCREMENT BY", options.increment),
        ("MINVALUE", options.min_value),
        ("MAXVALUE", options.max_value),
        ("CACHE", options.cache),
    ];
    for (clause, value) in numbers {
        if let Some(value) = value {
            sql.push_str(&format!(" {clause} {value}"));
        }
    }
    match options.cycle {
        Some(true) => sql.push_str(" CYCLE"),
        Some(false) => sql.push_str(" NO CYCLE"),
        None => {}
    }
    sql
}
