//! Table-level SQL beyond columns and constraints: how a table is created
//! (unlogged, partitioned, a partition, a child table), its persistence,
//! attaching and detaching partitions, and row-level security with its
//! policies.

use super::ActionError;
use super::guard;
use super::ident::{ident, qualified};
use crate::model::{PolicyCommand, PolicyDef, QualifiedName, TableOptions};

/// `CREATE [UNLOGGED] TABLE ...`, the column definitions already rendered.
pub fn create_table(
    table: &QualifiedName,
    columns: &[String],
    options: &TableOptions,
    schema: &str,
) -> Result<String, ActionError> {
    let name = qualified(table, schema, "table")?;
    let unlogged = if options.unlogged { "UNLOGGED " } else { "" };
    let mut sql = match &options.partition_of {
        Some(of) => {
            if !columns.is_empty() || !options.inherits.is_empty() {
                return Err(ActionError::InvalidArgument(format!(
                    "table {} is a partition: it takes its columns from its parent, so it can list no columns \
                     and inherit from nothing else",
                    table.name
                )));
            }
            guard::partition_bound(&of.bound)?;
            format!(
                "CREATE {unlogged}TABLE {name} PARTITION OF {} {}",
                qualified(&of.parent, schema, "table")?,
                of.bound.trim()
            )
        }
        None => format!("CREATE {unlogged}TABLE {name} ({})", columns.join(", ")),
    };
    if !options.inherits.is_empty() {
        let parents: Result<Vec<_>, _> = options.inherits.iter().map(|p| qualified(p, schema, "table")).collect();
        sql.push_str(&format!(" INHERITS ({})", parents?.join(", ")));
    }
    if let Some(key) = &options.partition_by {
        guard::partition_key(key)?;
        sql.push_str(&format!(" PARTITION BY {}", key.trim()));
    }
    Ok(sql)
}

pub fn set_logged(table: &QualifiedName, logged: bool, schema: &str) -> Result<String, ActionError> {
    Ok(format!(
        "ALTER TABLE {} SET {}",
        qualified(table, schema, "table")?,
        if logged { "LOGGED" } else { "UNLOGGED" }
    ))
}

pub fn attach_partition(
    parent: &QualifiedName,
    partition: &QualifiedName,
    bound: &str,
    schema: &str,
) -> Result<String, ActionError> {
    guard::partition_bound(bound)?;
    Ok(format!(
        "ALTER TABLE {} ATTACH PARTITION {} {}",
        qualified(parent, schema, "table")?,
        qualified(partition, schema, "table")?,
        bound.trim()
    ))
}

pub fn detach_partition(
    parent: &QualifiedName,
    partition: &QualifiedName,
    schema: &str,
) -> Result<String, ActionError> {
    Ok(format!(
        "ALTER TABLE {} DETACH PARTITION {}",
        qualified(parent, schema, "table")?,
        qualified(partition, schema, "table")?
    ))
}

pub fn row_level_security(
    table: &QualifiedName,
    enabled: bool,
    forced: bool,
    schema: &str,
) -> Result<String, ActionError> {
    Ok(format!(
        "ALTER TABLE {} {} ROW LEVEL SECURITY, {}FORCE ROW LEVEL SECURITY",
        qualified(table, schema, "table")?,
        if enabled { "ENABLE" } else { "DISABLE" },
        if forced { "" } else { "NO " }
    ))
}

pub fn create_policy(policy: &PolicyDef, schema: &str) -> Result<String, ActionError> {
    let command = match policy.command {
        PolicyCommand::All => "ALL",
        PolicyCommand::Select => "SELECT",
        PolicyCommand::Insert => "INSERT",
        PolicyCommand::Update => "UPDATE",
        PolicyCommand::Delete => "DELETE",
    };
    let mut sql = format!(
        "CREATE POLICY {} ON {} AS {} FOR {command}",
        ident(&policy.name, "policy")?,
        qualified(&policy.table, schema, "table")?,
        if policy.permissive { "PERMISSIVE" } else { "RESTRICTIVE" }
    );
    if !policy.roles.is_empty() {
        let roles: Result<Vec<_>, _> = policy.roles.iter().map(|r| role(r)).collect();
        sql.push_str(&format!(" TO {}", roles?.join(", ")));
    }
    if let Some(using) = &policy.using {
        guard::expression(using, "policy expression")?;
        sql.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &policy.with_check {
        guard::expression(check, "policy check")?;
        sql.push_str(&format!(" WITH CHECK ({check})"));
    }
    Ok(sql)
}

pub fn drop_policy(table: &QualifiedName, name: &str, schema: &str) -> Result<String, ActionError> {
    Ok(format!(
        "DROP POLICY {} ON {}",
        ident(name, "policy")?,
        qualified(table, schema, "table")?
    ))
}

/// A role name, or the `PUBLIC` keyword (any spelling of `public` means it,
/// as in Postgres's own ACLs, where no role can be called that).
pub fn role(name: &str) -> Result<String, ActionError> {
    if name.eq_ignore_ascii_case("public") {
        Ok("PUBLIC".into())
    } else {
        ident(name, "role")
    }
}
