//! Identifiers and literals: the only way a name or a constant gets into SQL
//! text. Names are validated and always double-quoted; literals are escaped
//! so that they read the same whatever `standard_conforming_strings` is.

use super::ActionError;
use crate::model::QualifiedName;

/// Postgres truncates longer identifiers silently (NAMEDATALEN - 1), which
/// would make two different names collide: refuse them instead.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Checks that `name` can be a Postgres identifier as given.
pub fn validate(name: &str, what: &str) -> Result<(), ActionError> {
    if name.is_empty() {
        return Err(ActionError::InvalidIdentifier(format!("{what} name is empty")));
    }
    if name.contains('\0') {
        return Err(ActionError::InvalidIdentifier(format!(
            "{what} name {name:?} contains a NUL byte"
        )));
    }
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Err(ActionError::InvalidIdentifier(format!(
            "{what} name {name:?} is {} bytes long; Postgres allows at most {MAX_IDENTIFIER_BYTES}",
            name.len()
        )));
    }
    Ok(())
}

/// `"name"`, with embedded quotes doubled. The name must have been validated.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Validates and quotes a single name.
pub fn ident(name: &str, what: &str) -> Result<String, ActionError> {
    validate(name, what)?;
    Ok(quote(name))
}

/// Validates and quotes a list of column names; the list must not be empty.
pub fn column_list(columns: &[String], what: &str) -> Result<String, ActionError> {
    if columns.is_empty() {
        return Err(ActionError::InvalidArgument(format!(
            "{what} needs at least one column"
        )));
    }
    let quoted: Result<Vec<_>, _> = columns.iter().map(|c| ident(c, "column")).collect();
    Ok(quoted?.join(", "))
}

/// `"schema"."name"`, the schema defaulting to `default_schema`.
pub fn qualified(name: &QualifiedName, default_schema: &str, what: &str) -> Result<String, ActionError> {
    let schema = name.schema.as_deref().unwrap_or(default_schema);
    Ok(format!("{}.{}", ident(schema, "schema")?, ident(&name.name, what)?))
}

/// A string literal. Backslashes force the `E''` form so that the literal
/// means the same with `standard_conforming_strings` on or off.
pub fn literal(value: &str) -> Result<String, ActionError> {
    if value.contains('\0') {
        return Err(ActionError::InvalidArgument(format!(
            "text {value:?} contains a NUL byte"
        )));
    }
    let escaped = value.replace('\'', "''");
    if escaped.contains('\\') {
        Ok(format!("E'{}'", escaped.replace('\\', "\\\\")))
    } else {
        Ok(format!("'{escaped}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_every_identifier_the_original_rejected_or_mangled() {
        for name in [
            "validTableName",
            "_valid_table_name",
            "Table123",
            "_",
            "t",
            "user",
            "123table",
            "table-name",
            "table name",
            "table$name",
            "table; DROP TABLE users;",
            "--comment",
            "' OR '1'='1",
            "[table]",
            "<script>",
        ] {
            assert_eq!(ident(name, "table").unwrap(), format!("\"{name}\""));
        }
        assert_eq!(
            ident("\"; DROP TABLE users; --", "table").unwrap(),
            "\"\"\"; DROP TABLE users; --\""
        );
        assert_eq!(ident("a\"b", "table").unwrap(), "\"a\"\"b\"");
    }

    #[test]
    fn rejects_empty_nul_and_overlong_names() {
        assert!(matches!(ident("", "table"), Err(ActionError::InvalidIdentifier(_))));
        assert!(matches!(ident("a\0b", "table"), Err(ActionError::InvalidIdentifier(_))));
        assert!(ident(&"x".repeat(63), "table").is_ok());
        let err = ident(&"x".repeat(64), "table").unwrap_err();
        assert!(err.to_string().contains("64 bytes"), "{err}");
        // Bytes, not characters: 32 two-byte characters are 64 bytes.
        assert!(ident(&"é".repeat(32), "table").is_err());
    }

    #[test]
    fn qualifies_with_the_default_schema() {
        let name = QualifiedName::unqualified("posts");
        assert_eq!(qualified(&name, "public", "table").unwrap(), "\"public\".\"posts\"");
        let name = QualifiedName::qualified("blog", "posts");
        assert_eq!(qualified(&name, "public", "table").unwrap(), "\"blog\".\"posts\"");
    }

    #[test]
    fn escapes_literals() {
        assert_eq!(literal("single").unwrap(), "'single'");
        assert_eq!(literal("O'Neill").unwrap(), "'O''Neill'");
        assert_eq!(literal("").unwrap(), "''");
        assert_eq!(literal("   ").unwrap(), "'   '");
        assert_eq!(literal("a\\b'c").unwrap(), "E'a\\\\b''c'");
        assert_eq!(
            literal("'; DROP TABLE users; --").unwrap(),
            "'''; DROP TABLE users; --'"
        );
        assert!(literal("a\0").is_err());
    }
}
