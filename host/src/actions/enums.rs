//! Removing values from an enum: Postgres has no `ALTER TYPE ... DROP VALUE`,
//! so the type is re-created and every column converted to it.
//!
//! Unlike the original tool this keeps the remaining values in their order
//! (it re-sorted them alphabetically), finds the columns itself (it needed
//! them listed), converts array columns too and keeps column defaults.

use super::ActionError;
use super::catalog::EnumFacts;
use super::ident::{ident, literal, qualified};
use crate::model::QualifiedName;

pub fn drop_values(
    name: &QualifiedName,
    removing: &[String],
    facts: &EnumFacts,
    default_schema: &str,
) -> Result<Vec<String>, ActionError> {
    let type_sql = qualified(name, default_schema, "type")?;
    if removing.is_empty() {
        return Err(ActionError::InvalidArgument(
            "drop-enum-values needs at least one value".into(),
        ));
    }
    for value in removing {
        if !facts.values.contains(value) {
            return Err(ActionError::InvalidArgument(format!(
                "enum {type_sql} has no value {value:?}"
            )));
        }
    }
    for usage in &facts.usages {
        if let Some((value, rows)) = usage.rows_holding.first() {
            return Err(ActionError::InvalidArgument(format!(
                "cannot remove {value:?} from enum {type_sql}: {rows} row(s) of \"{}\".\"{}\" still hold it in column \"{}\"; \
                 update or delete them first (in this migration, before this call)",
                usage.schema, usage.table, usage.column
            )));
        }
    }
    let remaining: Result<Vec<String>, _> = facts
        .values
        .iter()
        .filter(|v| !removing.contains(v))
        .map(|v| literal(v))
        .collect();
    let schema = name.schema.as_deref().unwrap_or(default_schema);
    // A digest of the enum's name makes the temporary name short and
    // unique whatever the name, and the same in every database (so that
    // `plan` prints what `apply` runs; an oid would differ).
    let old_name = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("{schema}.{}", name.name).as_bytes());
        format!("_migrate_host_old_enum_{}", hex::encode(&digest[..6]))
    };
    let old_sql = qualified(&QualifiedName::qualified(schema, &old_name), default_schema, "type")?;

    let mut sql = Vec::new();
    let column_sql = |u: &super::catalog::EnumUsage| -> Result<(String, String), ActionError> {
        Ok((
            qualified(&QualifiedName::qualified(&u.schema, &u.table), default_schema, "table")?,
            ident(&u.column, "column")?,
        ))
    };
    for dependent in &facts.dependents {
        sql.push(dependent.drop_sql.clone());
    }
    // A default is an expression of the old type and would block the change.
    for usage in facts.usages.iter().filter(|u| u.default.is_some()) {
        let (table, col) = column_sql(usage)?;
        sql.push(format!("ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"));
    }
    sql.push(format!("ALTER TYPE {type_sql} RENAME TO {}", ident(&old_name, "type")?));
    sql.push(format!("CREATE TYPE {type_sql} AS ENUM ({})", remaining?.join(", ")));
    for usage in &facts.usages {
        let (table, col) = column_sql(usage)?;
        sql.push(if usage.is_array {
            format!("ALTER TABLE {table} ALTER COLUMN {col} TYPE {type_sql}[] USING {col}::text[]::{type_sql}[]")
        } else {
            format!("ALTER TABLE {table} ALTER COLUMN {col} TYPE {type_sql} USING {col}::text::{type_sql}")
        });
    }
    for usage in &facts.usages {
        if let Some(default) = &usage.default {
            let (table, col) = column_sql(usage)?;
            // Printed before the rename, the default names the type by its
            // original name, which now is the new type.
            sql.push(format!("ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {default}"));
        }
    }
    for dependent in &facts.dependents {
        sql.push(dependent.create_sql.clone());
    }
    sql.push(format!("DROP TYPE {old_sql}"));
    Ok(sql)
}
