//! `GRANT` and `REVOKE` of privileges on tables, views and sequences, and
//! on some columns of a table.

use super::ActionError;
use super::ident::{column_list, qualified};
use super::tables::role;
use crate::model::{GrantDef, Privilege};

pub fn grant(grant: &GrantDef, schema: &str) -> Result<String, ActionError> {
    let (privileges, on, grantee) = parts(grant, schema)?;
    let option = if grant.grant_option { " WITH GRANT OPTION" } else { "" };
    Ok(format!("GRANT {privileges} ON TABLE {on} TO {grantee}{option}"))
}

pub fn revoke(grant: &GrantDef, schema: &str) -> Result<String, ActionError> {
    let (privileges, on, grantee) = parts(grant, schema)?;
    let option = if grant.grant_option { "GRANT OPTION FOR " } else { "" };
    Ok(format!("REVOKE {option}{privileges} ON TABLE {on} FROM {grantee}"))
}

/// `GRANT SELECT (a, b), UPDATE (a, b) ON TABLE ...`.
pub fn grant_columns(grant: &GrantDef, columns: &[String], schema: &str) -> Result<String, ActionError> {
    let (privileges, on, grantee) = column_parts(grant, columns, schema)?;
    let option = if grant.grant_option { " WITH GRANT OPTION" } else { "" };
    Ok(format!("GRANT {privileges} ON TABLE {on} TO {grantee}{option}"))
}

pub fn revoke_columns(grant: &GrantDef, columns: &[String], schema: &str) -> Result<String, ActionError> {
    let (privileges, on, grantee) = column_parts(grant, columns, schema)?;
    let option = if grant.grant_option { "GRANT OPTION FOR " } else { "" };
    Ok(format!("REVOKE {option}{privileges} ON TABLE {on} FROM {grantee}"))
}

/// Each privilege with the column list: only those a column can have.
fn column_parts(grant: &GrantDef, columns: &[String], schema: &str) -> Result<(String, String, String), ActionError> {
    let (_, on, grantee) = parts(grant, schema)?;
    let list = column_list(columns, "column")?;
    let privileges: Result<Vec<String>, ActionError> = grant
        .privileges
        .iter()
        .map(|p| match p {
            Privilege::Select | Privilege::Insert | Privilege::Update | Privilege::References => {
                Ok(format!("{} ({list})", privilege(*p)))
            }
            other => Err(ActionError::InvalidArgument(format!(
                "{} cannot be granted on columns (only SELECT, INSERT, UPDATE and REFERENCES can)",
                privilege(*other)
            ))),
        })
        .collect();
    Ok((privileges?.join(", "), on, grantee))
}

fn parts(grant: &GrantDef, schema: &str) -> Result<(String, String, String), ActionError> {
    if grant.privileges.is_empty() {
        return Err(ActionError::InvalidArgument(format!(
            "a grant on {} needs at least one privilege",
            grant.on.name
        )));
    }
    let privileges: Vec<_> = grant.privileges.iter().map(|p| privilege(*p)).collect();
    // ON TABLE covers sequences too: Postgres checks sequence privileges
    // once it sees the object is one.
    Ok((
        privileges.join(", "),
        qualified(&grant.on, schema, "table")?,
        role(&grant.grantee)?,
    ))
}

pub fn privilege(privilege: Privilege) -> &'static str {
    match privilege {
        Privilege::Select => "SELECT",
        Privilege::Insert => "INSERT",
        Privilege::Update => "UPDATE",
        Privilege::Delete => "DELETE",
        Privilege::Truncate => "TRUNCATE",
        Privilege::References => "REFERENCES",
        Privilege::Trigger => "TRIGGER",
        Privilege::Usage => "USAGE",
    }
}
