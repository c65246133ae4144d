//! Table-level SQL beyond columns and constraints: how a table is created
//! (unlogged, partitioned, a partition, a child table), its persistence,
//! storage parameters (a view's options too) and replica identity,
//! attaching and detaching partitions (and their indexes), and row-level
//! security with its policies.

use super::ActionError;
use super::catalog::PartitionIndex;
use super::guard;
use super::ident::literal;
use super::ident::{ident, qualified};
use crate::model::{PolicyCommand, PolicyDef, QualifiedName, RelationOption, ReplicaIdentity, TableOptions};

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

/// `ALTER TABLE relation SET (...)` and `RESET (...)` (either may be left
/// out, not both). `ALTER TABLE` takes views and materialized views too.
pub fn set_options(
    relation: &QualifiedName,
    set: &[RelationOption],
    reset: &[String],
    schema: &str,
) -> Result<Vec<String>, ActionError> {
    if set.is_empty() && reset.is_empty() {
        return Err(ActionError::InvalidArgument(format!(
            "set-relation-options on {} sets and resets nothing",
            relation.name
        )));
    }
    let name = qualified(relation, schema, "table")?;
    let mut statements = Vec::new();
    if !set.is_empty() {
        let pairs: Result<Vec<String>, ActionError> = set
            .iter()
            .map(|o| Ok(format!("{} = {}", option_name(&o.name)?, literal(&o.value)?)))
            .collect();
        statements.push(format!("ALTER TABLE {name} SET ({})", pairs?.join(", ")));
    }
    if !reset.is_empty() {
        let names: Result<Vec<String>, ActionError> = reset.iter().map(|n| option_name(n)).collect();
        statements.push(format!("ALTER TABLE {name} RESET ({})", names?.join(", ")));
    }
    Ok(statements)
}

/// `fillfactor`, or a namespaced one (`toast.autovacuum_enabled`), quoted.
fn option_name(name: &str) -> Result<String, ActionError> {
    match name.split_once('.') {
        Some((namespace, option)) => Ok(format!("{}.{}", ident(namespace, "option")?, ident(option, "option")?)),
        None => ident(name, "option"),
    }
}

pub fn replica_identity(
    table: &QualifiedName,
    identity: &ReplicaIdentity,
    schema: &str,
) -> Result<String, ActionError> {
    let what = match identity {
        ReplicaIdentity::Default => "DEFAULT".to_owned(),
        ReplicaIdentity::Full => "FULL".to_owned(),
        ReplicaIdentity::Nothing => "NOTHING".to_owned(),
        ReplicaIdentity::UsingIndex(index) => format!("USING INDEX {}", ident(index, "index")?),
    };
    Ok(format!(
        "ALTER TABLE {} REPLICA IDENTITY {what}",
        qualified(table, schema, "table")?
    ))
}

/// `attach-index`, given where `index` stands (see the contract): the
/// attach, the rename of the index Postgres made, or nothing.
pub fn attach_index(
    parent: &QualifiedName,
    index: &QualifiedName,
    found: &PartitionIndex,
    schema: &str,
) -> Result<Vec<String>, ActionError> {
    let parent_sql = qualified(parent, schema, "index")?;
    let index_sql = qualified(index, schema, "index")?;
    Ok(match found {
        PartitionIndex::Attached => Vec::new(),
        PartitionIndex::Unattached => vec![format!("ALTER INDEX {parent_sql} ATTACH PARTITION {index_sql}")],
        PartitionIndex::Named(made) => {
            let made = QualifiedName {
                schema: index.schema.clone(),
                name: made.clone(),
            };
            vec![format!(
                "ALTER INDEX {} RENAME TO {}",
                qualified(&made, schema, "index")?,
                ident(&index.name, "index")?
            )]
        }
    })
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
