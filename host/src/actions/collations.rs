//! Collations: `CREATE`/`DROP COLLATION` and a column's collation.

use super::ActionError;
use super::ident::{literal, qualified};
use crate::model::{CollationDef, CollationProvider, QualifiedName};

pub fn create(name: &QualifiedName, definition: &CollationDef, schema: &str) -> Result<String, ActionError> {
    let mut settings = match definition.provider {
        CollationProvider::Icu => vec![
            "provider = icu".to_owned(),
            format!("locale = {}", literal(&definition.locale)?),
        ],
        CollationProvider::Libc => vec![
            "provider = libc".to_owned(),
            format!("lc_collate = {}", literal(&definition.locale)?),
            format!(
                "lc_ctype = {}",
                literal(definition.lc_ctype.as_deref().unwrap_or(&definition.locale))?
            ),
        ],
    };
    if !definition.deterministic {
        settings.push("deterministic = false".into());
    }
    Ok(format!(
        "CREATE COLLATION {} ({})",
        qualified(name, schema, "collation")?,
        settings.join(", ")
    ))
}

pub fn drop(name: &QualifiedName, schema: &str) -> Result<String, ActionError> {
    Ok(format!("DROP COLLATION {}", qualified(name, schema, "collation")?))
}

/// The `COLLATE` clause for a column of type `type_sql`: none means the
/// type's own default.
pub fn column_clause(type_sql: &str, collation: &Option<QualifiedName>, schema: &str) -> Result<String, ActionError> {
    let collation = match collation {
        Some(name) => qualified(name, schema, "collation")?,
        None => "pg_catalog.\"default\"".into(),
    };
    Ok(format!("TYPE {type_sql} COLLATE {collation}"))
}
