//! Domains and composite types changed in place: `ALTER DOMAIN` (its
//! default, NOT NULL, checks) and `ALTER TYPE ... ATTRIBUTE`. (They, and
//! range types, are created from their whole statements, `create-type`.)

use super::ActionError;
use super::guard;
use super::ident::{ident, qualified};
use super::types::{self, TypeUse};
use crate::model::{AttributeChange, AttributeDef, DomainChange, QualifiedName};

pub fn alter_domain(name: &QualifiedName, change: &DomainChange, schema: &str) -> Result<String, ActionError> {
    let what = match change {
        DomainChange::SetDefault(expression) => {
            guard::expression(expression, "domain default")?;
            format!("SET DEFAULT {}", expression.trim())
        }
        DomainChange::DropDefault => "DROP DEFAULT".into(),
        DomainChange::SetNotNull => "SET NOT NULL".into(),
        DomainChange::DropNotNull => "DROP NOT NULL".into(),
        DomainChange::AddCheck(check) => {
            guard::expression(&check.expression, "domain check")?;
            format!(
                "ADD CONSTRAINT {} CHECK ({})",
                ident(&check.name, "constraint")?,
                check.expression.trim()
            )
        }
        DomainChange::DropConstraint(constraint) => format!("DROP CONSTRAINT {}", ident(constraint, "constraint")?),
    };
    Ok(format!("ALTER DOMAIN {} {what}", qualified(name, schema, "domain")?))
}

pub fn alter_composite(name: &QualifiedName, change: &AttributeChange, schema: &str) -> Result<String, ActionError> {
    let typed = |attribute: &AttributeDef| -> Result<String, ActionError> {
        let mut sql = types::render(&attribute.data_type, schema, TypeUse::ChangeType)?;
        if let Some(collation) = &attribute.collation {
            sql.push_str(&format!(
                " COLLATE {}",
                qualified(collation, "pg_catalog", "collation")?
            ));
        }
        Ok(sql)
    };
    let what = match change {
        AttributeChange::Add(attribute) => format!(
            "ADD ATTRIBUTE {} {}",
            ident(&attribute.name, "attribute")?,
            typed(attribute)?
        ),
        AttributeChange::Drop(attribute) => format!("DROP ATTRIBUTE {}", ident(attribute, "attribute")?),
        AttributeChange::SetType(attribute) => format!(
            "ALTER ATTRIBUTE {} TYPE {}",
            ident(&attribute.name, "attribute")?,
            typed(attribute)?
        ),
    };
    Ok(format!("ALTER TYPE {} {what}", qualified(name, schema, "type")?))
}
