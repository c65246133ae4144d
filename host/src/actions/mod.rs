//! The `Action` type and its SQL: the one place DDL text is built.
//!
//! Every action a migration calls through the WIT `actions` interface (and,
//! later, every step the diff plans) is an [`Action`]. [`plan`] turns one into
//! the SQL statements that perform it. Most actions need nothing but their
//! arguments ([`render`], pure and unit-tested); two read the catalog first
//! (an automatic cast needs the column's current type, removing enum values
//! needs every column that uses the enum).
//!
//! [`facts`] says what each action is (its grant, schemas, texts, the lint
//! rules it triggers); [`rules`] is the lint's table of rules and
//! [`sql_rules`] the rules a raw statement triggers; `guard` parses the SQL
//! text actions and raw statements carry.
//! This module builds SQL; it never decides whether an action is allowed
//! (that is `policy/`) and never runs anything but catalog lookups.

mod catalog;
mod collations;
mod comments;
pub mod concurrent;
mod enums;
pub mod facts;
mod grants;
pub mod guard;
pub mod ident;
mod removed;
pub mod rules;
mod sequences;
pub mod sql_rules;
mod tables;
pub mod types;
mod user_types;
pub mod values;

use crate::model::{
    AttributeChange, CollationDef, ColumnDef, ColumnDefault, CommentTarget, Constraint, DataType, DomainChange,
    EnumPosition, ForeignKeyAction, GrantDef, IdentityKind, IndexDef, IndexMethod, PolicyDef, QualifiedName,
    RelationOption, ReplicaIdentity, SequenceOptions, SqlValue, TableMember, TableOptions, TypeCast,
};
use ident::{column_list, ident, literal, qualified};
use types::TypeUse;

/// The schema that unqualified names resolve to.
pub const DEFAULT_SCHEMA: &str = "public";

/// One database action, as the guest asked for it. Serializable, so that
/// plans and tests can carry actions as data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    AddTable {
        table: QualifiedName,
        columns: Vec<ColumnDef>,
        #[serde(default)]
        options: TableOptions,
    },
    SetTableLogged {
        table: QualifiedName,
        logged: bool,
    },
    SetRelationOptions {
        relation: QualifiedName,
        set: Vec<RelationOption>,
        reset: Vec<String>,
    },
    SetReplicaIdentity {
        table: QualifiedName,
        identity: ReplicaIdentity,
    },
    AttachIndex {
        parent: QualifiedName,
        index: QualifiedName,
        partition: QualifiedName,
    },
    GrantColumns {
        grant: GrantDef,
        columns: Vec<String>,
    },
    RevokeColumns {
        grant: GrantDef,
        columns: Vec<String>,
    },
    CreateType {
        definition: String,
    },
    AlterDomain {
        name: QualifiedName,
        change: DomainChange,
    },
    AlterCompositeType {
        name: QualifiedName,
        change: AttributeChange,
    },
    AttachPartition {
        parent: QualifiedName,
        partition: QualifiedName,
        bound: String,
    },
    DetachPartition {
        parent: QualifiedName,
        partition: QualifiedName,
    },
    SetRowLevelSecurity {
        table: QualifiedName,
        enabled: bool,
        forced: bool,
    },
    CreatePolicy {
        policy: PolicyDef,
    },
    DropPolicy {
        table: QualifiedName,
        name: String,
    },
    CreateSequence {
        name: QualifiedName,
        options: SequenceOptions,
    },
    AlterSequence {
        name: QualifiedName,
        options: SequenceOptions,
    },
    SetSequenceOwner {
        name: QualifiedName,
        owner: Option<TableMember>,
    },
    DropSequence {
        name: QualifiedName,
    },
    SetColumnCollation {
        table: QualifiedName,
        column: String,
        collation: Option<QualifiedName>,
    },
    CreateCollation {
        name: QualifiedName,
        definition: CollationDef,
    },
    DropCollation {
        name: QualifiedName,
    },
    SetComment {
        target: CommentTarget,
        text: Option<String>,
    },
    Grant {
        grant: GrantDef,
    },
    Revoke {
        grant: GrantDef,
    },
    DropTable {
        table: QualifiedName,
    },
    RenameTable {
        table: QualifiedName,
        new_name: String,
    },
    AddColumn {
        table: QualifiedName,
        column: ColumnDef,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    RenameColumn {
        table: QualifiedName,
        column: String,
        new_name: String,
    },
    ChangeColumnType {
        table: QualifiedName,
        column: String,
        new_type: DataType,
        cast: TypeCast,
    },
    SetColumnIdentity {
        table: QualifiedName,
        column: String,
        identity: Option<IdentityKind>,
    },
    DropColumnExpression {
        table: QualifiedName,
        column: String,
    },
    AddNotNull {
        table: QualifiedName,
        column: String,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    SetColumnDefault {
        table: QualifiedName,
        column: String,
        default: ColumnDefault,
    },
    DropColumnDefault {
        table: QualifiedName,
        column: String,
    },
    AddConstraint {
        table: QualifiedName,
        name: String,
        constraint: Constraint,
    },
    DropConstraint {
        table: QualifiedName,
        name: String,
    },
    RenameConstraint {
        table: QualifiedName,
        name: String,
        new_name: String,
    },
    AddIndex {
        index: IndexDef,
    },
    AddIndexSql {
        definition: String,
    },
    DropIndex {
        index: QualifiedName,
    },
    RenameIndex {
        index: QualifiedName,
        new_name: String,
    },
    CreateView {
        name: QualifiedName,
        query: String,
        materialized: bool,
    },
    DropView {
        name: QualifiedName,
        materialized: bool,
    },
    CreateExtension {
        name: String,
        schema: Option<String>,
        version: Option<String>,
    },
    UpdateExtension {
        name: String,
        version: String,
    },
    DropExtension {
        name: String,
    },
    CreateFunction {
        definition: String,
    },
    DropFunction {
        name: QualifiedName,
        arguments: String,
        procedure: bool,
    },
    CreateTrigger {
        definition: String,
    },
    DropTrigger {
        table: QualifiedName,
        name: String,
    },
    CreateSchema {
        name: String,
    },
    DropSchema {
        name: String,
    },
    CreateEnum {
        name: QualifiedName,
        values: Vec<String>,
    },
    AddEnumValues {
        name: QualifiedName,
        values: Vec<String>,
        position: Option<EnumPosition>,
    },
    DropEnumValues {
        name: QualifiedName,
        values: Vec<String>,
    },
    RenameEnumValue {
        name: QualifiedName,
        value: String,
        new_value: String,
    },
    DropType {
        name: QualifiedName,
    },
    /// A step Postgres runs only outside a transaction block: the
    /// migration's transaction commits before it, and a new one opens
    /// after it.
    Concurrently {
        step: concurrent::Concurrent,
    },
}

/// Why an action could not be turned into SQL or run.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum ActionError {
    #[error("invalid identifier: {0}")]
    InvalidIdentifier(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("refused: {0}")]
    Refused(String),
    /// The source's grant does not allow it (see `policy/`).
    #[error("not permitted: {0}")]
    NotPermitted(String),
    #[error("{message}")]
    Database { message: String, sqlstate: Option<String> },
}

impl ActionError {
    /// The SQLSTATE of a database error (`55P03`, `23505`...).
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            ActionError::Database { sqlstate, .. } => sqlstate.as_deref(),
            _ => None,
        }
    }
}

impl Action {
    /// The WIT name of the action and the object it targets, for messages:
    /// `add-column public.posts.slug`.
    pub fn describe(&self) -> String {
        self.describe_in(DEFAULT_SCHEMA)
    }

    /// [`Action::describe`], unqualified names in `schema` (a tenant's).
    pub fn describe_in(&self, schema: &str) -> String {
        let q = |n: &QualifiedName| format!("{}.{}", n.schema.as_deref().unwrap_or(schema), n.name);
        match self {
            Action::AddTable { table, .. } => format!("add-table {}", q(table)),
            Action::DropTable { table } => format!("drop-table {}", q(table)),
            Action::SetTableLogged { table, .. } => format!("set-table-logged {}", q(table)),
            Action::AttachPartition { parent, partition, .. } => {
                format!("attach-partition {} to {}", q(partition), q(parent))
            }
            Action::DetachPartition { parent, partition } => {
                format!("detach-partition {} from {}", q(partition), q(parent))
            }
            Action::SetRowLevelSecurity { table, .. } => format!("set-row-level-security {}", q(table)),
            Action::CreatePolicy { policy } => format!("create-policy {} on {}", policy.name, q(&policy.table)),
            Action::DropPolicy { table, name } => format!("drop-policy {name} on {}", q(table)),
            Action::CreateSequence { name, .. } => format!("create-sequence {}", q(name)),
            Action::AlterSequence { name, .. } => format!("alter-sequence {}", q(name)),
            Action::SetSequenceOwner { name, .. } => format!("set-sequence-owner {}", q(name)),
            Action::DropSequence { name } => format!("drop-sequence {}", q(name)),
            Action::SetColumnCollation { table, column, .. } => format!("set-column-collation {}.{column}", q(table)),
            Action::CreateCollation { name, .. } => format!("create-collation {}", q(name)),
            Action::DropCollation { name } => format!("drop-collation {}", q(name)),
            Action::SetComment { target, .. } => format!("set-comment {}", comments::describe(target, schema)),
            Action::Grant { grant } => format!("grant on {} to {}", q(&grant.on), grant.grantee),
            Action::Revoke { grant } => format!("revoke on {} from {}", q(&grant.on), grant.grantee),
            Action::RenameTable { table, new_name } => {
                format!("rename-table {} to {new_name}", q(table))
            }
            Action::AddColumn { table, column } => {
                format!("add-column {}.{}", q(table), column.name)
            }
            Action::DropColumn { table, column } => format!("drop-column {}.{column}", q(table)),
            Action::RenameColumn {
                table,
                column,
                new_name,
            } => {
                format!("rename-column {}.{column} to {new_name}", q(table))
            }
            Action::ChangeColumnType { table, column, .. } => {
                format!("change-column-type {}.{column}", q(table))
            }
            Action::SetColumnIdentity { table, column, .. } => format!("set-column-identity {}.{column}", q(table)),
            Action::DropColumnExpression { table, column } => format!("drop-column-expression {}.{column}", q(table)),
            Action::AddNotNull { table, column } => format!("add-not-null {}.{column}", q(table)),
            Action::DropNotNull { table, column } => format!("drop-not-null {}.{column}", q(table)),
            Action::SetColumnDefault { table, column, .. } => {
                format!("set-column-default {}.{column}", q(table))
            }
            Action::DropColumnDefault { table, column } => {
                format!("drop-column-default {}.{column}", q(table))
            }
            Action::AddConstraint { table, name, .. } => {
                format!("add-constraint {name} on {}", q(table))
            }
            Action::DropConstraint { table, name } => {
                format!("drop-constraint {name} on {}", q(table))
            }
            Action::RenameConstraint { table, name, new_name } => {
                format!("rename-constraint {name} on {} to {new_name}", q(table))
            }
            Action::AddIndex { index } => {
                format!("add-index {} on {}", index.name, q(&index.table))
            }
            Action::AddIndexSql { definition } => {
                format!("add-index-sql {}", guard::index_name(definition).unwrap_or_default())
            }
            Action::DropIndex { index } => format!("drop-index {}", q(index)),
            Action::RenameIndex { index, new_name } => format!("rename-index {} to {new_name}", q(index)),
            Action::CreateView { name, .. } => format!("create-view {}", q(name)),
            Action::DropView { name, .. } => format!("drop-view {}", q(name)),
            Action::CreateExtension { name, .. } => format!("create-extension {name}"),
            Action::UpdateExtension { name, version } => format!("update-extension {name} to {version}"),
            Action::DropExtension { name } => format!("drop-extension {name}"),
            Action::CreateFunction { definition } => {
                format!(
                    "create-function {}",
                    guard::function_name(definition).unwrap_or_default()
                )
            }
            Action::DropFunction { name, arguments, .. } => format!("drop-function {}({arguments})", q(name)),
            Action::CreateTrigger { definition } => {
                format!("create-trigger {}", guard::trigger_name(definition).unwrap_or_default())
            }
            Action::DropTrigger { table, name } => format!("drop-trigger {name} on {}", q(table)),
            Action::CreateSchema { name } => format!("create-schema {name}"),
            Action::DropSchema { name } => format!("drop-schema {name}"),
            Action::CreateEnum { name, .. } => format!("create-enum {}", q(name)),
            Action::AddEnumValues { name, .. } => format!("add-enum-values {}", q(name)),
            Action::DropEnumValues { name, .. } => format!("drop-enum-values {}", q(name)),
            Action::RenameEnumValue { name, value, new_value } => {
                format!("rename-enum-value {} {value} to {new_value}", q(name))
            }
            Action::DropType { name } => format!("drop-type {}", q(name)),
            Action::SetRelationOptions { relation, .. } => format!("set-relation-options {}", q(relation)),
            Action::SetReplicaIdentity { table, .. } => format!("set-replica-identity {}", q(table)),
            Action::AttachIndex { parent, index, .. } => format!("attach-index {} to {}", q(index), q(parent)),
            Action::GrantColumns { grant, .. } => format!("grant-columns on {} to {}", q(&grant.on), grant.grantee),
            Action::RevokeColumns { grant, .. } => {
                format!("revoke-columns on {} from {}", q(&grant.on), grant.grantee)
            }
            Action::CreateType { definition } => format!(
                "create-type {}",
                guard::type_name_of(definition).map_or_else(|| "(unnamed)".into(), |n| q(&n))
            ),
            Action::AlterDomain { name, .. } => format!("alter-domain {}", q(name)),
            Action::AlterCompositeType { name, .. } => format!("alter-composite-type {}", q(name)),
            Action::Concurrently { step } => step.describe(),
        }
    }
}

/// A step the current data would make fail, as a query to ask first: the
/// rule, the query (one row, one `bigint`: how many offend), what the
/// count counts, and the table and columns that must exist for the query
/// to run (a dry run has not made what earlier steps add).
pub struct DataCheck {
    pub rule: rules::Code,
    pub sql: String,
    /// `row(s) hold NULL in "email"`, after the count.
    pub counts: String,
    pub table: String,
    pub columns: Vec<String>,
}

/// The [`DataCheck`] of a step that adds `NOT NULL` or a unique index or
/// constraint (none for other steps, and for an index written as SQL,
/// whose columns may be expressions).
pub fn data_check(action: &Action, schema: &str) -> Result<Option<DataCheck>, ActionError> {
    let duplicates = |table: &QualifiedName, columns: &[String], predicate: Option<&str>| {
        let t = qualified(table, schema, "table")?;
        let list = column_list(columns, "column")?;
        let mut filter: Vec<String> = columns
            .iter()
            .map(|c| format!("{} IS NOT NULL", ident::quote(c)))
            .collect();
        filter.extend(predicate.map(|p| format!("({p})")));
        Ok::<_, ActionError>(Some(DataCheck {
            rule: rules::Code::MH303,
            sql: format!(
                "SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {} GROUP BY {list} HAVING count(*) > 1) AS duplicated",
                filter.join(" AND ")
            ),
            counts: format!("value(s) of ({list}) appear more than once"),
            table: t,
            columns: columns.to_vec(),
        }))
    };
    match action {
        Action::AddNotNull { table, column } => {
            let t = qualified(table, schema, "table")?;
            let c = ident(column, "column")?;
            Ok(Some(DataCheck {
                rule: rules::Code::MH302,
                sql: format!("SELECT count(*) FROM {t} WHERE {c} IS NULL"),
                counts: format!("row(s) hold NULL in {c}"),
                table: t,
                columns: vec![column.clone()],
            }))
        }
        Action::AddConstraint {
            table,
            constraint: Constraint::PrimaryKey(columns) | Constraint::Unique(columns),
            ..
        } => duplicates(table, columns, None),
        Action::AddIndex { index }
        | Action::Concurrently {
            step: concurrent::Concurrent::AddIndex { index },
        } if index.unique => duplicates(&index.table, &index.columns, index.predicate.as_deref()),
        Action::AddIndexSql { definition }
        | Action::Concurrently {
            step: concurrent::Concurrent::AddIndexSql { definition },
        } => match guard::unique_index_columns(definition) {
            Some((table, columns)) => duplicates(&table, &columns, None),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// Whether `action`'s SQL depends on the database's current state, so that
/// [`plan`] reads the catalog (and every earlier statement of the migration
/// must have run first).
pub fn reads_catalog(action: &Action) -> bool {
    matches!(
        action,
        Action::ChangeColumnType {
            cast: TypeCast::Auto,
            ..
        } | Action::DropEnumValues { .. }
            | Action::SetColumnIdentity { .. }
            | Action::SetColumnCollation { .. }
            | Action::AttachIndex { .. }
    )
}

/// The statements that perform `action`, reading the catalog through
/// `client` where the SQL depends on the database's current state
/// ([`reads_catalog`]: an arm below that it does not list is never reached).
/// The reads see the migration's own earlier changes (same transaction).
pub async fn plan(action: &Action, client: &tokio_postgres::Client) -> Result<Vec<String>, ActionError> {
    plan_in(action, client, DEFAULT_SCHEMA).await
}

/// [`plan`], unqualified names in `schema` (a tenant's).
pub async fn plan_in(
    action: &Action,
    client: &tokio_postgres::Client,
    schema: &str,
) -> Result<Vec<String>, ActionError> {
    if !reads_catalog(action) {
        return render(action, schema);
    }
    match action {
        Action::ChangeColumnType {
            table,
            column,
            new_type,
            cast: TypeCast::Auto,
        } => {
            let current = catalog::column_is_array(client, table, column, schema).await?;
            Ok(vec![change_column_type(
                table,
                column,
                new_type,
                &auto_cast(column, new_type, current, schema)?,
                schema,
            )?])
        }
        Action::DropEnumValues { name, values } => {
            let facts = catalog::enum_facts(client, name, values, schema).await?;
            enums::drop_values(name, values, &facts, schema)
        }
        Action::SetColumnIdentity {
            table,
            column,
            identity,
        } => {
            let current = catalog::column_identity(client, table, column, schema).await?;
            Ok(identity_sql(table, column, current, *identity, schema)?
                .into_iter()
                .collect())
        }
        Action::AttachIndex {
            parent,
            index,
            partition,
        } => {
            let found = catalog::partition_index(client, parent, index, partition, schema).await?;
            tables::attach_index(parent, index, &found, schema)
        }
        Action::SetColumnCollation {
            table,
            column,
            collation,
        } => {
            let type_sql = catalog::column_type(client, table, column, schema).await?;
            Ok(vec![alter_column(
                table,
                column,
                schema,
                &collations::column_clause(&type_sql, collation, schema)?,
            )?])
        }
        other => render(other, schema),
    }
}

/// A type change with the automatic cast, when whether the column is an
/// array (all it reads of the catalog) is known already: its statement, and
/// a query that Postgres refuses (`42846`) exactly when no such cast exists,
/// the cast applied to a NULL of `old_type`.
pub fn auto_cast_known(
    action: &Action,
    old_type: &str,
    column_is_array: bool,
) -> Result<Option<(String, String)>, ActionError> {
    let schema = DEFAULT_SCHEMA;
    let Action::ChangeColumnType {
        table,
        column,
        new_type,
        cast: TypeCast::Auto,
    } = action
    else {
        return Ok(None);
    };
    let using = auto_cast(column, new_type, column_is_array, schema)?;
    let statement = change_column_type(table, column, new_type, &using, schema)?;
    guard::type_name(old_type)?;
    let probe = format!(
        "SELECT {} FROM (SELECT NULL::{old_type} AS {}) AS probe",
        using.unwrap_or_default(),
        ident(column, "column")?
    );
    Ok(Some((statement, probe)))
}

/// The statements for an action that needs nothing from the catalog.
pub fn render(action: &Action, schema: &str) -> Result<Vec<String>, ActionError> {
    let table_name = |t: &QualifiedName| qualified(t, schema, "table");
    let one = |s: String| Ok(vec![s]);
    match action {
        Action::AddTable {
            table,
            columns,
            options,
        } => {
            let defs: Result<Vec<_>, _> = columns.iter().map(|c| column_def(c, schema)).collect();
            one(tables::create_table(table, &defs?, options, schema)?)
        }
        Action::DropTable { table } => one(format!("DROP TABLE {}", table_name(table)?)),
        Action::SetTableLogged { table, logged } => one(tables::set_logged(table, *logged, schema)?),
        Action::SetRelationOptions { relation, set, reset } => tables::set_options(relation, set, reset, schema),
        Action::SetReplicaIdentity { table, identity } => one(tables::replica_identity(table, identity, schema)?),
        // Without the catalog, take the index as one to attach: `plan` knows better.
        Action::AttachIndex {
            parent,
            index,
            partition: _,
        } => tables::attach_index(parent, index, &catalog::PartitionIndex::Unattached, schema),
        Action::GrantColumns { grant, columns } => one(grants::grant_columns(grant, columns, schema)?),
        Action::RevokeColumns { grant, columns } => one(grants::revoke_columns(grant, columns, schema)?),
        Action::CreateType { definition } => {
            guard::type_statement(definition)?;
            one(definition.trim_end().trim_end_matches(';').to_owned())
        }
        Action::AlterDomain { name, change } => one(user_types::alter_domain(name, change, schema)?),
        Action::AlterCompositeType { name, change } => one(user_types::alter_composite(name, change, schema)?),
        Action::AttachPartition {
            parent,
            partition,
            bound,
        } => one(tables::attach_partition(parent, partition, bound, schema)?),
        Action::DetachPartition { parent, partition } => one(tables::detach_partition(parent, partition, schema)?),
        Action::SetRowLevelSecurity { table, enabled, forced } => {
            one(tables::row_level_security(table, *enabled, *forced, schema)?)
        }
        Action::CreatePolicy { policy } => one(tables::create_policy(policy, schema)?),
        Action::DropPolicy { table, name } => one(tables::drop_policy(table, name, schema)?),
        Action::CreateSequence { name, options } => one(sequences::create(name, options, schema)?),
        Action::AlterSequence { name, options } => one(sequences::alter(name, options, schema)?),
        Action::SetSequenceOwner { name, owner } => one(sequences::set_owner(name, owner, schema)?),
        Action::DropSequence { name } => one(sequences::drop(name, schema)?),
        Action::SetColumnCollation { table, column, .. } => Err(ActionError::InvalidArgument(format!(
            "changes the collation of {}.{column}: the SQL repeats the column's type, read when the migration runs",
            table_name(table)?
        ))),
        Action::CreateCollation { name, definition } => one(collations::create(name, definition, schema)?),
        Action::DropCollation { name } => one(collations::drop(name, schema)?),
        Action::SetComment { target, text } => one(comments::set(target, text, schema)?),
        Action::Grant { grant } => one(grants::grant(grant, schema)?),
        Action::Revoke { grant } => one(grants::revoke(grant, schema)?),
        Action::RenameTable { table, new_name } => one(format!(
            "ALTER TABLE {} RENAME TO {}",
            table_name(table)?,
            ident(new_name, "table")?
        )),
        Action::AddColumn { table, column } => one(format!(
            "ALTER TABLE {} ADD COLUMN {}",
            table_name(table)?,
            column_def(column, schema)?
        )),
        Action::DropColumn { table, column } => one(format!(
            "ALTER TABLE {} DROP COLUMN {}",
            table_name(table)?,
            ident(column, "column")?
        )),
        Action::RenameColumn {
            table,
            column,
            new_name,
        } => one(format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            table_name(table)?,
            ident(column, "column")?,
            ident(new_name, "column")?
        )),
        Action::ChangeColumnType {
            table,
            column,
            new_type,
            cast,
        } => {
            let using = match cast {
                TypeCast::None => None,
                TypeCast::Using(expr) => {
                    guard::expression(expr, "USING expression")?;
                    // Parenthesized: a row value `(a, b)` passes the guard, and
                    // unwrapped its comma would start another subcommand.
                    Some(format!("({expr})"))
                }
                // Without the catalog, assume a scalar column: `plan` knows better.
                TypeCast::Auto => auto_cast(column, new_type, false, schema)?,
            };
            one(change_column_type(table, column, new_type, &using, schema)?)
        }
        Action::SetColumnIdentity {
            table,
            column,
            identity,
        } => {
            // Without the catalog, assume the column is not an identity yet: `plan` knows better.
            Ok(identity_sql(table, column, None, *identity, schema)?
                .into_iter()
                .collect())
        }
        Action::DropColumnExpression { table, column } => one(alter_column(table, column, schema, "DROP EXPRESSION")?),
        Action::AddNotNull { table, column } => one(alter_column(table, column, schema, "SET NOT NULL")?),
        Action::DropNotNull { table, column } => one(alter_column(table, column, schema, "DROP NOT NULL")?),
        Action::SetColumnDefault { table, column, default } => one(alter_column(
            table,
            column,
            schema,
            &format!("SET DEFAULT {}", default_sql(default)?),
        )?),
        Action::DropColumnDefault { table, column } => one(alter_column(table, column, schema, "DROP DEFAULT")?),
        Action::AddConstraint {
            table,
            name,
            constraint,
        } => one(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            table_name(table)?,
            ident(name, "constraint")?,
            constraint_sql(constraint, schema)?
        )),
        Action::DropConstraint { table, name } => one(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            table_name(table)?,
            ident(name, "constraint")?
        )),
        Action::RenameConstraint { table, name, new_name } => one(format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            table_name(table)?,
            ident(name, "constraint")?,
            ident(new_name, "constraint")?
        )),
        Action::AddIndex { index } => one(index_sql(index, schema)?),
        Action::AddIndexSql { definition } => {
            guard::index_statement(definition)?;
            one(definition.clone())
        }
        Action::DropIndex { index } => one(format!("DROP INDEX {}", qualified(index, schema, "index")?)),
        Action::RenameIndex { index, new_name } => one(format!(
            "ALTER INDEX {} RENAME TO {}",
            qualified(index, schema, "index")?,
            ident(new_name, "index")?
        )),
        Action::CreateView {
            name,
            query,
            materialized,
        } => {
            guard::view_query(query)?;
            let kind = if *materialized { "MATERIALIZED VIEW" } else { "VIEW" };
            one(format!(
                "CREATE {kind} {} AS {}",
                qualified(name, schema, "view")?,
                query.trim_end().trim_end_matches(';')
            ))
        }
        Action::DropView { name, materialized } => {
            let kind = if *materialized { "MATERIALIZED VIEW" } else { "VIEW" };
            one(format!("DROP {kind} {}", qualified(name, schema, "view")?))
        }
        Action::CreateExtension { name, schema, version } => {
            let mut sql = format!("CREATE EXTENSION {}", ident(name, "extension")?);
            if let Some(schema) = schema {
                sql.push_str(&format!(" SCHEMA {}", ident(schema, "schema")?));
            }
            if let Some(version) = version {
                sql.push_str(&format!(" VERSION {}", literal(version)?));
            }
            one(sql)
        }
        Action::UpdateExtension { name, version } => one(format!(
            "ALTER EXTENSION {} UPDATE TO {}",
            ident(name, "extension")?,
            literal(version)?
        )),
        Action::DropExtension { name } => one(format!("DROP EXTENSION {}", ident(name, "extension")?)),
        Action::CreateFunction { definition } => {
            guard::function_statement(definition)?;
            // As pg_dump does: the body is checked when the function is first
            // called, so the order of functions and tables does not matter.
            Ok(vec![
                "SET LOCAL check_function_bodies = off".into(),
                definition.trim_end().trim_end_matches(';').to_owned(),
            ])
        }
        Action::DropFunction {
            name,
            arguments,
            procedure,
        } => {
            guard::function_arguments(arguments)?;
            let kind = if *procedure { "PROCEDURE" } else { "FUNCTION" };
            one(format!(
                "DROP {kind} {}({arguments})",
                qualified(name, schema, "function")?
            ))
        }
        Action::CreateTrigger { definition } => {
            guard::trigger_statement(definition)?;
            one(definition.trim_end().trim_end_matches(';').to_owned())
        }
        Action::DropTrigger { table, name } => one(format!(
            "DROP TRIGGER {} ON {}",
            ident(name, "trigger")?,
            qualified(table, schema, "table")?
        )),
        Action::CreateSchema { name } => one(format!("CREATE SCHEMA {}", ident(name, "schema")?)),
        Action::DropSchema { name } => one(format!("DROP SCHEMA {}", ident(name, "schema")?)),
        Action::CreateEnum { name, values } => {
            let labels: Result<Vec<_>, _> = values.iter().map(|v| enum_label(v)).collect();
            check_distinct(values)?;
            one(format!(
                "CREATE TYPE {} AS ENUM ({})",
                qualified(name, schema, "type")?,
                labels?.join(", ")
            ))
        }
        Action::AddEnumValues { name, values, position } => {
            if values.is_empty() {
                return Err(ActionError::InvalidArgument(
                    "add-enum-values needs at least one value".into(),
                ));
            }
            check_distinct(values)?;
            let type_name = qualified(name, schema, "type")?;
            let mut statements = Vec::with_capacity(values.len());
            let mut previous: Option<&String> = None;
            for value in values {
                let place = match (previous, position) {
                    (Some(p), _) => format!(" AFTER {}", enum_label(p)?),
                    (None, Some(EnumPosition::Before(anchor))) => format!(" BEFORE {}", enum_label(anchor)?),
                    (None, Some(EnumPosition::After(anchor))) => format!(" AFTER {}", enum_label(anchor)?),
                    (None, None) => String::new(),
                };
                // Only a positioned insert chains: appends already keep order.
                if position.is_some() {
                    previous = Some(value);
                }
                statements.push(format!(
                    "ALTER TYPE {type_name} ADD VALUE {}{place}",
                    enum_label(value)?
                ));
            }
            Ok(statements)
        }
        Action::RenameEnumValue { name, value, new_value } => one(format!(
            "ALTER TYPE {} RENAME VALUE {} TO {}",
            qualified(name, schema, "type")?,
            enum_label(value)?,
            enum_label(new_value)?
        )),
        Action::DropEnumValues { name, values } => Err(ActionError::InvalidArgument(format!(
            "removes {} from {}: the type is re-created and its columns converted; the SQL depends on the columns \
             that use it when the migration runs",
            values.join(", "),
            qualified(name, schema, "type")?
        ))),
        Action::DropType { name } => one(format!("DROP TYPE {}", qualified(name, schema, "type")?)),
        Action::Concurrently { step } => one(step.sql(schema)?),
    }
}

fn column_def(column: &ColumnDef, schema: &str) -> Result<String, ActionError> {
    let mut sql = format!(
        "{} {}",
        ident(&column.name, "column")?,
        types::render(&column.data_type, schema, TypeUse::NewColumn)?
    );
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(
            " COLLATE {}",
            qualified(collation, "pg_catalog", "collation")?
        ));
    }
    let conflict = |what: &str| ActionError::InvalidArgument(format!("column {} cannot have both {what}", column.name));
    if let Some(default) = &column.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(&default_sql(default)?);
    }
    if let Some(identity) = column.identity {
        if column.default.is_some() || column.generated.is_some() {
            return Err(conflict("an identity and a default or generated expression"));
        }
        let when = match identity {
            IdentityKind::Always => "ALWAYS",
            IdentityKind::ByDefault => "BY DEFAULT",
        };
        sql.push_str(&format!(" GENERATED {when} AS IDENTITY"));
    }
    if let Some(expr) = &column.generated {
        if column.default.is_some() {
            return Err(conflict("a default and a generated expression"));
        }
        guard::expression(expr, "generated expression")?;
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED"));
    }
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    Ok(sql)
}

fn default_sql(default: &ColumnDefault) -> Result<String, ActionError> {
    match default {
        ColumnDefault::Value(value) => values::literal(value),
        ColumnDefault::Expression(expr) => {
            guard::expression(expr, "default expression")?;
            Ok(format!("({expr})"))
        }
    }
}

/// The statement that takes a column from identity `current` to `wanted`;
/// none when it already is what is wanted.
fn identity_sql(
    table: &QualifiedName,
    column: &str,
    current: Option<IdentityKind>,
    wanted: Option<IdentityKind>,
    schema: &str,
) -> Result<Option<String>, ActionError> {
    let kind = |k: IdentityKind| match k {
        IdentityKind::Always => "ALWAYS",
        IdentityKind::ByDefault => "BY DEFAULT",
    };
    let clause = match (current, wanted) {
        (None, None) => return Ok(None),
        (None, Some(k)) => format!("ADD GENERATED {} AS IDENTITY", kind(k)),
        (Some(_), None) => "DROP IDENTITY".to_owned(),
        (Some(a), Some(b)) if a == b => return Ok(None),
        (Some(_), Some(k)) => format!("SET GENERATED {}", kind(k)),
    };
    alter_column(table, column, schema, &clause).map(Some)
}

/// `ALTER TABLE table ALTER COLUMN column <clause>`.
fn alter_column(table: &QualifiedName, column: &str, schema: &str, clause: &str) -> Result<String, ActionError> {
    Ok(format!(
        "ALTER TABLE {} ALTER COLUMN {} {clause}",
        qualified(table, schema, "table")?,
        ident(column, "column")?
    ))
}

fn change_column_type(
    table: &QualifiedName,
    column: &str,
    new_type: &DataType,
    using: &Option<String>,
    schema: &str,
) -> Result<String, ActionError> {
    let mut sql = alter_column(
        table,
        column,
        schema,
        &format!("TYPE {}", types::render(new_type, schema, TypeUse::ChangeType)?),
    )?;
    if let Some(using) = using {
        sql.push_str(" USING ");
        sql.push_str(using);
    }
    Ok(sql)
}

/// The `USING` expression of an automatic cast. Enums and other named types
/// go through `text` (Postgres has no direct cast from, say, varchar to an
/// enum); a scalar becomes a one-element array.
fn auto_cast(
    column: &str,
    target: &DataType,
    current_is_array: bool,
    schema: &str,
) -> Result<Option<String>, ActionError> {
    let col = ident(column, "column")?;
    let scalar = types::render_scalar(&target.scalar, schema)?;
    let through_text = matches!(target.scalar, crate::model::ScalarType::Named(_));
    Ok(Some(match (current_is_array, target.is_array) {
        (false, false) if through_text => format!("{col}::text::{scalar}"),
        (false, false) => format!("{col}::{scalar}"),
        (false, true) if through_text => format!("ARRAY[{col}::text::{scalar}]"),
        (false, true) => format!("ARRAY[{col}::{scalar}]"),
        (true, true) if through_text => format!("{col}::text[]::{scalar}[]"),
        (true, true) => format!("{col}::{scalar}[]"),
        (true, false) => {
            return Err(ActionError::InvalidArgument(format!(
                "column {column} is an array and the new type is not: there is no automatic cast; \
                 pass a USING expression (for example {col}[1])"
            )));
        }
    }))
}

/// A constraint's clause (`FOREIGN KEY (a) REFERENCES ...`), as `add-constraint` writes it.
pub fn constraint_sql(constraint: &Constraint, schema: &str) -> Result<String, ActionError> {
    Ok(match constraint {
        Constraint::PrimaryKey(columns) => {
            format!("PRIMARY KEY ({})", column_list(columns, "a primary key")?)
        }
        Constraint::Unique(columns) => {
            format!("UNIQUE ({})", column_list(columns, "a unique constraint")?)
        }
        Constraint::Check(expr) => {
            guard::expression(expr, "check expression")?;
            format!("CHECK ({expr})")
        }
        Constraint::Sql(definition) => {
            guard::table_constraint(definition)?;
            definition.clone()
        }
        Constraint::ForeignKey(fk) => {
            if fk.columns.len() != fk.referenced_columns.len() {
                return Err(ActionError::InvalidArgument(format!(
                    "a foreign key needs as many referenced columns as columns ({} and {})",
                    fk.columns.len(),
                    fk.referenced_columns.len()
                )));
            }
            let mut sql = format!(
                "FOREIGN KEY ({}) REFERENCES {} ({})",
                column_list(&fk.columns, "a foreign key")?,
                qualified(&fk.references, schema, "table")?,
                column_list(&fk.referenced_columns, "a foreign key")?
            );
            for (clause, action) in [("ON DELETE", fk.on_delete), ("ON UPDATE", fk.on_update)] {
                if action != ForeignKeyAction::NoAction {
                    sql.push_str(&format!(" {clause} {}", fk_action(action)));
                }
            }
            sql
        }
    })
}

fn fk_action(action: ForeignKeyAction) -> &'static str {
    match action {
        ForeignKeyAction::NoAction => "NO ACTION",
        ForeignKeyAction::Restrict => "RESTRICT",
        ForeignKeyAction::Cascade => "CASCADE",
        ForeignKeyAction::SetNull => "SET NULL",
        ForeignKeyAction::SetDefault => "SET DEFAULT",
    }
}

fn index_sql(index: &IndexDef, schema: &str) -> Result<String, ActionError> {
    let method = match index.method {
        IndexMethod::Btree => "btree",
        IndexMethod::Hash => "hash",
        IndexMethod::Gist => "gist",
        IndexMethod::Gin => "gin",
        IndexMethod::Brin => "brin",
        IndexMethod::Spgist => "spgist",
    };
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} USING {method} ({})",
        if index.unique { "UNIQUE " } else { "" },
        ident(&index.name, "index")?,
        qualified(&index.table, schema, "table")?,
        column_list(&index.columns, "an index")?
    );
    if let Some(predicate) = &index.predicate {
        guard::expression(predicate, "index predicate")?;
        sql.push_str(&format!(" WHERE ({predicate})"));
    }
    Ok(sql)
}

/// Enum labels are limited like identifiers (NAMEDATALEN), but written as literals.
fn enum_label(value: &str) -> Result<String, ActionError> {
    if value.is_empty() || value.len() > ident::MAX_IDENTIFIER_BYTES {
        return Err(ActionError::InvalidArgument(format!(
            "enum value {value:?} must be 1 to {} bytes long",
            ident::MAX_IDENTIFIER_BYTES
        )));
    }
    literal(value)
}

fn check_distinct(values: &[String]) -> Result<(), ActionError> {
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(ActionError::InvalidArgument(format!(
                "enum value {v:?} is listed twice"
            )));
        }
    }
    Ok(())
}

/// For messages: a value as the guest sent it.
pub fn describe_value(value: &SqlValue) -> String {
    match value {
        SqlValue::Null => "NULL".into(),
        SqlValue::Boolean(b) => b.to_string(),
        SqlValue::Int(i) => i.to_string(),
        SqlValue::Float(f) => f.to_string(),
        SqlValue::Numeric(n) => format!("{n:?}"),
        SqlValue::Text(t) | SqlValue::Json(t) => format!("{t:?}"),
        SqlValue::Bytes(b) => format!("<{} bytes>", b.len()),
    }
}

#[cfg(test)]
mod tests;
