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
        Action::CreateFunction { .. } | Action::CreateTrigger { .. } => (Functions, vec![]),
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

/// The expressions an action stores in the schema, to be evaluated later
/// by whoever writes the table: defaults, generated columns, checks,
/// policies, partition bounds (and `USING` casts, evaluated right away).
pub fn stored_expressions(action: &Action) -> Vec<(&str, &'static str, &'static str)> {
    let mut out: Vec<_> = sql_texts(action)
        .into_iter()
        .filter(|(_, wrap, _)| *wrap == "SELECT ({})")
        .collect();
    let bound = "ALTER TABLE t ATTACH PARTITION p {}";
    match action {
        Action::AddTable { options, .. } => out.extend(
            options
                .partition_of
                .iter()
                .map(|p| (p.bound.as_str(), bound, "a partition bound")),
        ),
        Action::AttachPartition { bound: b, .. } => out.push((b.as_str(), bound, "a partition bound")),
        _ => {}
    }
    out
}

/// The SQL text an action splices into its statements, each with how to
/// make it a statement for the parser (`{}` marks the text) and what it is.
pub fn sql_texts(action: &Action) -> Vec<(&str, &'static str, &'static str)> {
    const EXPR: &str = "SELECT ({})";
    fn column<'a>(column: &'a ColumnDef, out: &mut Vec<(&'a str, &'static str, &'static str)>) {
        if let Some(ColumnDefault::Expression(e)) = &column.default {
            out.push((e.as_str(), "SELECT ({})", "a default"));
        }
        if let Some(g) = &column.generated {
            out.push((g.as_str(), "SELECT ({})", "a generated column"));
        }
    }
    let mut out = Vec::new();
    match action {
        Action::AddTable { columns, .. } => columns.iter().for_each(|c| column(c, &mut out)),
        Action::AddColumn { column: c, .. } => column(c, &mut out),
        Action::SetColumnDefault {
            default: ColumnDefault::Expression(e),
            ..
        } => out.push((e.as_str(), EXPR, "a default")),
        Action::ChangeColumnType {
            cast: TypeCast::Using(e),
            ..
        } => out.push((e.as_str(), EXPR, "a USING cast")),
        Action::AddConstraint { constraint, .. } => match constraint {
            Constraint::Check(e) => out.push((e.as_str(), EXPR, "a check constraint")),
            Constraint::Sql(d) => out.push((d.as_str(), "ALTER TABLE t ADD {}", "a constraint")),
            _ => {}
        },
        Action::AddIndex { index } => {
            if let Some(p) = &index.predicate {
                out.push((p.as_str(), EXPR, "an index predicate"));
            }
        }
        Action::AddIndexSql { definition } => out.push((definition.as_str(), "{}", "an index definition")),
        Action::CreateView { query, .. } => out.push((query.as_str(), "{}", "a view's query")),
        Action::CreatePolicy { policy } => {
            out.extend(policy.using.iter().map(|e| (e.as_str(), EXPR, "a policy")));
            out.extend(policy.with_check.iter().map(|e| (e.as_str(), EXPR, "a policy")));
        }
        Action::CreateFunction { definition } | Action::CreateTrigger { definition } => {
            out.push((definition.as_str(), "{}", "a definition"))
        }
        _ => {}
    }
    out
}
