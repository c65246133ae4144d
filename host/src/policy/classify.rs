//! Every action as the kind of change it is and the schemas it changes.

use crate::actions::{Action, guard};
use crate::wit::{ColumnDef, ColumnDefault, CommentTarget, Constraint, QualifiedName, TypeCast};

/// A kind of action a grant can allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// New tables, columns, indexes, views, types, sequences, constraints,
    /// enum values, comments.
    Create,
    /// Changes that keep data: types, defaults, NOT NULL, renames,
    /// constraints dropped, partitions, sequence settings.
    Alter,
    /// Changes that lose data: tables, columns, types, enum values, views,
    /// indexes, sequences dropped.
    Drop,
    /// `execute` and `query`.
    Sql,
    /// Grants, revokes, row-level security and policies.
    Privileges,
    /// Extensions (server code) created, updated, dropped.
    Extensions,
    /// Functions, procedures and triggers: code that runs later.
    Functions,
}

impl Capability {
    pub const ALL: [Capability; 7] = [
        Capability::Create,
        Capability::Alter,
        Capability::Drop,
        Capability::Sql,
        Capability::Privileges,
        Capability::Extensions,
        Capability::Functions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Capability::Create => "create",
            Capability::Alter => "alter",
            Capability::Drop => "drop",
            Capability::Sql => "sql",
            Capability::Privileges => "privileges",
            Capability::Extensions => "extensions",
            Capability::Functions => "functions",
        }
    }
}

/// The capability an action needs and the schema of each object it changes
/// (`None`: the default schema).
pub fn classify(action: &Action) -> (Capability, Vec<Option<String>>) {
    use Capability::*;
    let s = |n: &QualifiedName| n.schema.clone();
    match action {
        Action::AddTable { table, options, .. } => {
            let mut schemas = vec![s(table)];
            schemas.extend(options.partition_of.iter().map(|p| s(&p.parent)));
            (Create, schemas)
        }
        Action::AddColumn { table, .. } | Action::AddConstraint { table, .. } => (Create, vec![s(table)]),
        Action::AddIndex { index } => (Create, vec![s(&index.table)]),
        Action::AddIndexSql { definition } => (Create, vec![guard::index_table_schema(definition)]),
        Action::CreateView { name, .. }
        | Action::CreateEnum { name, .. }
        | Action::AddEnumValues { name, .. }
        | Action::CreateSequence { name, .. }
        | Action::CreateCollation { name, .. } => (Create, vec![s(name)]),
        Action::SetComment { target, .. } => (Alter, vec![comment_schema(target)]),
        Action::RenameTable { table, .. }
        | Action::RenameColumn { table, .. }
        | Action::ChangeColumnType { table, .. }
        | Action::SetColumnIdentity { table, .. }
        | Action::DropColumnExpression { table, .. }
        | Action::AddNotNull { table, .. }
        | Action::DropNotNull { table, .. }
        | Action::SetColumnDefault { table, .. }
        | Action::DropColumnDefault { table, .. }
        | Action::DropConstraint { table, .. }
        | Action::SetColumnCollation { table, .. }
        | Action::SetTableLogged { table, .. } => (Alter, vec![s(table)]),
        Action::AttachPartition { parent, partition, .. } | Action::DetachPartition { parent, partition } => {
            (Alter, vec![s(parent), s(partition)])
        }
        Action::AlterSequence { name, .. } => (Alter, vec![s(name)]),
        Action::SetSequenceOwner { name, owner } => {
            let mut schemas = vec![s(name)];
            schemas.extend(owner.iter().map(|o| s(&o.table)));
            (Alter, schemas)
        }
        Action::DropTable { table } | Action::DropColumn { table, .. } => (Drop, vec![s(table)]),
        Action::DropIndex { index } => (Drop, vec![s(index)]),
        Action::DropView { name, .. }
        | Action::DropEnumValues { name, .. }
        | Action::DropType { name }
        | Action::DropSequence { name }
        | Action::DropCollation { name } => (Drop, vec![s(name)]),
        Action::CreateSchema { name } => (Create, vec![Some(name.clone())]),
        Action::DropSchema { name } => (Drop, vec![Some(name.clone())]),
        Action::Grant { grant } | Action::Revoke { grant } => (Privileges, vec![s(&grant.on)]),
        Action::SetRowLevelSecurity { table, .. } | Action::DropPolicy { table, .. } => (Privileges, vec![s(table)]),
        Action::CreatePolicy { policy } => (Privileges, vec![s(&policy.table)]),
        Action::CreateExtension { schema, .. } => (Extensions, vec![schema.clone()]),
        Action::UpdateExtension { .. } | Action::DropExtension { .. } => (Extensions, vec![]),
        Action::CreateFunction { definition } => (Functions, vec![guard::function_schema(definition)]),
        Action::CreateTrigger { definition } => (Functions, vec![guard::trigger_table_schema(definition)]),
        Action::DropFunction { name, .. } => (Functions, vec![s(name)]),
        Action::DropTrigger { table, .. } => (Functions, vec![s(table)]),
    }
}

fn comment_schema(target: &CommentTarget) -> Option<String> {
    match target {
        CommentTarget::Schema(name) => Some(name.clone()),
        CommentTarget::Table(n)
        | CommentTarget::View(n)
        | CommentTarget::MaterializedView(n)
        | CommentTarget::Index(n)
        | CommentTarget::Sequence(n)
        | CommentTarget::Type(n)
        | CommentTarget::Collation(n) => n.schema.clone(),
        CommentTarget::Column(m) | CommentTarget::Constraint(m) | CommentTarget::Trigger(m) => m.table.schema.clone(),
        CommentTarget::Function(f) => f.name.schema.clone(),
    }
}

/// SQL text an action splices into its statements.
pub struct SqlText<'a> {
    pub text: &'a str,
    pub kind: TextKind,
    /// What it is, for messages (`a default`).
    pub what: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// A scalar expression: a default, generated column, check, policy,
    /// index predicate or `USING` cast.
    Expression,
    /// A partition bound (`FOR VALUES ...`).
    PartitionBound,
    /// A table constraint (`constraint::sql`).
    TableConstraint,
    /// A partition key (`RANGE (lower(name))`).
    PartitionKey,
    /// A view's query.
    Query,
    /// An index definition.
    Statement,
    /// A function or trigger definition: code, which needs the `functions`
    /// grant and is not held to the expression allow-list.
    Code,
}

impl TextKind {
    /// How to make the text a statement for the parser (`{}` marks the text).
    pub fn wrap(self) -> &'static str {
        match self {
            TextKind::Expression => "SELECT ({})",
            TextKind::PartitionBound => "ALTER TABLE t ATTACH PARTITION p {}",
            TextKind::TableConstraint => "ALTER TABLE t ADD {}",
            TextKind::PartitionKey => "CREATE TABLE t () PARTITION BY {}",
            TextKind::Query | TextKind::Statement | TextKind::Code => "{}",
        }
    }
}

/// The SQL text `action` splices into its statements.
pub fn sql_texts(action: &Action) -> Vec<SqlText<'_>> {
    use TextKind::*;
    fn text<'a>(text: &'a str, kind: TextKind, what: &'static str) -> SqlText<'a> {
        SqlText { text, kind, what }
    }
    fn column<'a>(c: &'a ColumnDef, out: &mut Vec<SqlText<'a>>) {
        if let Some(ColumnDefault::Expression(e)) = &c.default {
            out.push(text(e, TextKind::Expression, "a default"));
        }
        if let Some(g) = &c.generated {
            out.push(text(g, TextKind::Expression, "a generated column"));
        }
    }
    let mut out = Vec::new();
    match action {
        Action::AddTable { columns, options, .. } => {
            columns.iter().for_each(|c| column(c, &mut out));
            out.extend(
                options
                    .partition_by
                    .iter()
                    .map(|k| text(k, PartitionKey, "a partition key")),
            );
            out.extend(
                options
                    .partition_of
                    .iter()
                    .map(|p| text(&p.bound, PartitionBound, "a partition bound")),
            );
        }
        Action::AttachPartition { bound, .. } => out.push(text(bound, PartitionBound, "a partition bound")),
        Action::AddColumn { column: c, .. } => column(c, &mut out),
        Action::SetColumnDefault {
            default: ColumnDefault::Expression(e),
            ..
        } => out.push(text(e, Expression, "a default")),
        Action::ChangeColumnType {
            cast: TypeCast::Using(e),
            ..
        } => out.push(text(e, Expression, "a USING cast")),
        Action::AddConstraint { constraint, .. } => match constraint {
            Constraint::Check(e) => out.push(text(e, Expression, "a check constraint")),
            Constraint::Sql(d) => out.push(text(d, TableConstraint, "a constraint")),
            _ => {}
        },
        Action::AddIndex { index } => out.extend(
            index
                .predicate
                .iter()
                .map(|p| text(p, Expression, "an index predicate")),
        ),
        Action::AddIndexSql { definition } => out.push(text(definition, Statement, "an index definition")),
        Action::CreateView { query, .. } => out.push(text(query, Query, "a view's query")),
        Action::CreatePolicy { policy } => {
            out.extend(policy.using.iter().map(|e| text(e, Expression, "a policy")));
            out.extend(policy.with_check.iter().map(|e| text(e, Expression, "a policy")));
        }
        Action::CreateFunction { definition } | Action::CreateTrigger { definition } => {
            out.push(text(definition, Code, "a definition"))
        }
        _ => {}
    }
    out
}
