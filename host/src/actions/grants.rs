//! `GRANT` and `REVOKE` of privileges on tables, views and sequences.

use super::ActionError;
use super::ident::qualified;
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
