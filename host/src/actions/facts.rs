//! What each action is, in one place: the grant it needs, the schemas it
//! changes, the SQL text it splices into its statements, its hazard, the
//! caveat a reviewer should read beside it, and what it works on. The
//! policy, the lint, the code generator and the sandbox guard all read
//! [`Action::facts`]; its `match` has no wildcard arm, so a new action does
//! not compile until its facts are written.

use super::concurrent::Concurrent;
pub use super::removed::Removed;
use super::rules::Code;
use super::{Action, guard};
use crate::model::{
    ColumnDef, ColumnDefault, CommentTarget, Constraint, DataType, DomainChange, Name, Object, QualifiedName,
    ScalarType, TypeCast,
};

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
    /// Removals: tables, columns, types, enum values, views, indexes,
    /// sequences dropped.
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardKind {
    /// Rows or values are gone afterwards.
    DataLoss,
    /// Postgres rewrites the whole table (and its indexes) under an exclusive lock.
    Rewrite,
    /// Scans or builds under a lock that blocks writes (or everything) meanwhile.
    Lock,
}

impl HazardKind {
    pub fn label(self) -> &'static str {
        match self {
            HazardKind::DataLoss => "loses data",
            HazardKind::Rewrite => "rewrites the table",
            HazardKind::Lock => "long lock",
        }
    }
}

/// A rule a step triggers, before the lint knows which objects the
/// migration itself creates. The rule's reason and advice are in
/// [`crate::lint::rules`].
#[derive(Clone, Debug, PartialEq)]
pub struct HazardFact {
    pub rule: Code,
    /// `Some(name)`: a finding only when the table, type or index `name`
    /// existed before the migration (one it creates is new and empty);
    /// `None`: always.
    pub on_existing: Option<QualifiedName>,
}

impl HazardFact {
    pub fn kind(&self) -> Option<HazardKind> {
        self.rule.rule().kind
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

/// Everything the rest of the host needs to know about one action.
pub struct Facts<'a> {
    /// What a sandboxed source's grant must allow.
    pub capability: Capability,
    /// The schema of each object it changes (`None`: the default schema).
    pub schemas: Vec<Option<String>>,
    /// What it removes, if it is a removal.
    pub removes: Option<Removed>,
    /// The SQL text it splices into its statements.
    pub texts: Vec<SqlText<'a>>,
    /// The lint rules it triggers, in the order they are reported.
    pub hazards: Vec<HazardFact>,
    /// When the step fails, for the comment above it in a generated
    /// migration (hazards have their own).
    pub caveat: Option<&'static str>,
    /// What it works on (`table public.users`), to group generated steps.
    pub subject: String,
}

impl Facts<'_> {
    /// Rows or values may be gone afterwards: what a sandboxed source needs
    /// its project to acknowledge. (A removal loses data exactly when
    /// [`Removed::loses_data`] says so; a unit test holds the two together.)
    pub fn loses_data(&self) -> bool {
        self.hazards.iter().any(|h| h.kind() == Some(HazardKind::DataLoss))
    }
}

impl Action {
    /// This action's facts (see the module doc).
    pub fn facts(&self) -> Facts<'_> {
        use Capability::*;
        let s = |n: &QualifiedName| n.schema.clone();
        let q = |n: &QualifiedName| match &n.schema {
            Some(s) => format!("{s}.{}", n.name),
            None => n.name.clone(),
        };
        let table_subject = |n: &QualifiedName| format!("table {}", q(n));
        let hazard = |rule, on_existing: Option<&QualifiedName>| HazardFact {
            rule,
            on_existing: on_existing.cloned(),
        };
        let facts = |capability, schemas, subject| Facts {
            capability,
            schemas,
            removes: None,
            texts: Vec::new(),
            hazards: Vec::new(),
            caveat: None,
            subject,
        };
        match self {
            Action::AddTable {
                table,
                columns,
                options,
            } => {
                let mut schemas = vec![s(table)];
                schemas.extend(options.partition_of.iter().map(|p| s(&p.parent)));
                let mut texts = Vec::new();
                columns.iter().for_each(|c| column_texts(c, &mut texts));
                texts.extend(
                    options
                        .partition_by
                        .iter()
                        .map(|k| text(k, TextKind::PartitionKey, "a partition key")),
                );
                texts.extend(
                    options
                        .partition_of
                        .iter()
                        .map(|p| text(&p.bound, TextKind::PartitionBound, "a partition bound")),
                );
                let mut hazards = Vec::new();
                columns.iter().for_each(|c| type_hazards(&c.data_type, &mut hazards));
                Facts {
                    texts,
                    hazards,
                    ..facts(Create, schemas, table_subject(table))
                }
            }
            Action::SetTableLogged { table, .. } => Facts {
                hazards: vec![hazard(Code::MH112, Some(table))],
                ..facts(Alter, vec![s(table)], table_subject(table))
            },
            // Neither rewrites: a new fillfactor applies to pages written later.
            Action::SetRelationOptions { relation: table, .. } | Action::SetReplicaIdentity { table, .. } => {
                facts(Alter, vec![s(table)], table_subject(table))
            }
            Action::AttachIndex { parent, index, .. } => facts(Alter, vec![s(parent), s(index)], "indexes".into()),
            Action::GrantColumns { grant, .. } | Action::RevokeColumns { grant, .. } => facts(
                Privileges,
                vec![s(&grant.on)],
                format!("privileges on {}", q(&grant.on)),
            ),
            Action::CreateType { definition } => {
                // Named as the other actions name it: `public` left out.
                let name = guard::type_name_of(definition).map(|n| match n.schema.as_deref() {
                    Some(super::DEFAULT_SCHEMA) => QualifiedName::unqualified(n.name),
                    _ => n,
                });
                Facts {
                    texts: vec![text(definition, TextKind::Statement, "a type definition")],
                    ..facts(
                        Create,
                        vec![name.as_ref().and_then(|n| n.schema.clone())],
                        format!("type {}", name.as_ref().map_or_else(|| "(unnamed)".into(), q)),
                    )
                }
            }
            Action::AlterDomain { name, change } => Facts {
                texts: match change {
                    DomainChange::SetDefault(e) => vec![text(e, TextKind::Expression, "a domain default")],
                    DomainChange::AddCheck(check) => {
                        vec![text(&check.expression, TextKind::Expression, "a domain check")]
                    }
                    DomainChange::DropDefault
                    | DomainChange::SetNotNull
                    | DomainChange::DropNotNull
                    | DomainChange::DropConstraint(_) => Vec::new(),
                },
                // A new check or NOT NULL scans every column of the domain.
                hazards: match change {
                    DomainChange::AddCheck(_) => vec![hazard(Code::MH106, Some(name))],
                    DomainChange::SetNotNull => vec![hazard(Code::MH107, Some(name))],
                    DomainChange::SetDefault(_)
                    | DomainChange::DropDefault
                    | DomainChange::DropNotNull
                    | DomainChange::DropConstraint(_) => Vec::new(),
                },
                caveat: match change {
                    DomainChange::AddCheck(_) | DomainChange::SetNotNull => {
                        Some("Fails while a column of the domain holds a value it refuses.")
                    }
                    _ => None,
                },
                ..facts(Alter, vec![s(name)], format!("type {}", q(name)))
            },
            Action::AlterCompositeType { name, .. } => facts(Alter, vec![s(name)], format!("type {}", q(name))),
            Action::AttachPartition {
                parent,
                partition,
                bound,
            } => Facts {
                texts: vec![text(bound, TextKind::PartitionBound, "a partition bound")],
                ..facts(Alter, vec![s(parent), s(partition)], table_subject(parent))
            },
            Action::DetachPartition { parent, partition } => Facts {
                hazards: vec![hazard(Code::MH103, Some(parent))],
                ..facts(Alter, vec![s(parent), s(partition)], table_subject(parent))
            },
            Action::SetRowLevelSecurity { table, .. } => facts(Privileges, vec![s(table)], table_subject(table)),
            Action::CreatePolicy { policy } => {
                let mut texts: Vec<_> = policy
                    .using
                    .iter()
                    .map(|e| text(e, TextKind::Expression, "a policy"))
                    .collect();
                texts.extend(
                    policy
                        .with_check
                        .iter()
                        .map(|e| text(e, TextKind::Expression, "a policy")),
                );
                Facts {
                    texts,
                    ..facts(Privileges, vec![s(&policy.table)], table_subject(&policy.table))
                }
            }
            Action::DropPolicy { table, .. } => Facts {
                removes: Some(Removed::Policy),
                ..facts(Privileges, vec![s(table)], table_subject(table))
            },
            Action::CreateSequence { name, .. } => facts(Create, vec![s(name)], format!("sequence {}", q(name))),
            Action::AlterSequence { name, .. } => facts(Alter, vec![s(name)], format!("sequence {}", q(name))),
            Action::SetSequenceOwner { name, owner } => {
                let mut schemas = vec![s(name)];
                schemas.extend(owner.iter().map(|o| s(&o.table)));
                facts(Alter, schemas, format!("sequence {}", q(name)))
            }
            Action::DropSequence { name } => Facts {
                removes: Some(Removed::Sequence),
                hazards: vec![hazard(Code::MH211, None)],
                ..facts(Drop, vec![s(name)], format!("sequence {}", q(name)))
            },
            Action::SetColumnCollation { table, .. } => Facts {
                hazards: vec![hazard(Code::MH111, Some(table))],
                caveat: Some("Rebuilds the table's indexes on the column."),
                ..facts(Alter, vec![s(table)], table_subject(table))
            },
            Action::CreateCollation { name, .. } => facts(Create, vec![s(name)], format!("collation {}", q(name))),
            Action::DropCollation { name } => Facts {
                removes: Some(Removed::Collation),
                ..facts(Drop, vec![s(name)], format!("collation {}", q(name)))
            },
            Action::SetComment { target, .. } => facts(Alter, vec![comment_schema(target)], "comments".into()),
            Action::Grant { grant } | Action::Revoke { grant } => facts(
                Privileges,
                vec![s(&grant.on)],
                format!("privileges on {}", q(&grant.on)),
            ),
            Action::DropTable { table } => Facts {
                removes: Some(Removed::Table),
                hazards: vec![hazard(Code::MH201, Some(table))],
                ..facts(Drop, vec![s(table)], table_subject(table))
            },
            Action::RenameTable { table, .. } | Action::RenameColumn { table, .. } => Facts {
                hazards: vec![hazard(Code::MH205, Some(table))],
                ..facts(Alter, vec![s(table)], table_subject(table))
            },
            Action::AddColumn { table, column } => {
                let mut texts = Vec::new();
                column_texts(column, &mut texts);
                Facts {
                    texts,
                    hazards: added_column_hazards(column, table),
                    ..facts(Create, vec![s(table)], table_subject(table))
                }
            }
            Action::DropColumn { table, .. } => Facts {
                removes: Some(Removed::Column),
                hazards: vec![hazard(Code::MH202, Some(table))],
                ..facts(Drop, vec![s(table)], table_subject(table))
            },
            Action::ChangeColumnType {
                table, cast, new_type, ..
            } => Facts {
                texts: match cast {
                    TypeCast::Using(e) => vec![text(e, TextKind::Expression, "a USING cast")],
                    TypeCast::Auto | TypeCast::None => Vec::new(),
                },
                hazards: {
                    let mut hazards = vec![match cast {
                        // The expression decides every value: `USING NULL` keeps none.
                        TypeCast::Using(_) => hazard(Code::MH209, None),
                        TypeCast::None | TypeCast::Auto => hazard(Code::MH110, Some(table)),
                    }];
                    type_hazards(new_type, &mut hazards);
                    hazards
                },
                caveat: Some("Fails on values that do not convert."),
                ..facts(Alter, vec![s(table)], table_subject(table))
            },
            Action::AddNotNull { table, .. } => Facts {
                hazards: vec![hazard(Code::MH107, Some(table))],
                caveat: Some("Fails while the column holds NULLs."),
                ..facts(Alter, vec![s(table)], table_subject(table))
            },
            Action::DropNotNull { table, .. } => Facts {
                hazards: vec![hazard(Code::MH206, Some(table))],
                ..facts(Alter, vec![s(table)], table_subject(table))
            },
            Action::SetColumnIdentity { table, .. }
            | Action::DropColumnExpression { table, .. }
            | Action::DropColumnDefault { table, .. } => facts(Alter, vec![s(table)], table_subject(table)),
            Action::SetColumnDefault { table, default, .. } => Facts {
                texts: match default {
                    ColumnDefault::Expression(e) => vec![text(e, TextKind::Expression, "a default")],
                    ColumnDefault::Value(_) => Vec::new(),
                },
                ..facts(Alter, vec![s(table)], table_subject(table))
            },
            Action::AddConstraint { table, constraint, .. } => Facts {
                texts: match constraint {
                    Constraint::Check(e) => vec![text(e, TextKind::Expression, "a check constraint")],
                    Constraint::Sql(d) => vec![text(d, TextKind::TableConstraint, "a constraint")],
                    Constraint::PrimaryKey(_) | Constraint::Unique(_) | Constraint::ForeignKey(_) => Vec::new(),
                },
                hazards: match constraint {
                    Constraint::ForeignKey(_) | Constraint::Check(_) => vec![hazard(Code::MH106, Some(table))],
                    Constraint::PrimaryKey(_) | Constraint::Unique(_) => vec![hazard(Code::MH104, Some(table))],
                    // Written by the migration: the statement linter reads it.
                    Constraint::Sql(definition) => super::sql_rules::table_constraint(definition)
                        .into_iter()
                        .map(|rule| hazard(rule, Some(table)))
                        .collect(),
                },
                ..facts(Create, vec![s(table)], table_subject(table))
            },
            Action::DropConstraint { table, .. } => Facts {
                removes: Some(Removed::Constraint),
                hazards: vec![hazard(Code::MH204, Some(table))],
                ..facts(Alter, vec![s(table)], table_subject(table))
            },
            Action::RenameConstraint { table, .. } => facts(Alter, vec![s(table)], table_subject(table)),
            Action::AddIndex { index } => Facts {
                texts: index
                    .predicate
                    .iter()
                    .map(|p| text(p, TextKind::Expression, "an index predicate"))
                    .collect(),
                hazards: vec![hazard(Code::MH101, Some(&index.table))],
                ..facts(Create, vec![s(&index.table)], table_subject(&index.table))
            },
            Action::AddIndexSql { definition } => {
                let table = guard::index_table(definition);
                Facts {
                    texts: vec![text(definition, TextKind::Statement, "an index definition")],
                    hazards: vec![hazard(Code::MH101, table.as_ref())],
                    ..facts(Create, vec![table.and_then(|t| t.schema)], "indexes".into())
                }
            }
            Action::DropIndex { index } => Facts {
                removes: Some(Removed::Index),
                hazards: vec![hazard(Code::MH102, Some(index))],
                ..facts(Drop, vec![s(index)], "indexes".into())
            },
            Action::RenameIndex { index, .. } => facts(Alter, vec![s(index)], "indexes".into()),
            Action::CreateView { name, query, .. } => Facts {
                texts: vec![text(query, TextKind::Query, "a view's query")],
                ..facts(Create, vec![s(name)], format!("view {}", q(name)))
            },
            Action::DropView { name, .. } => Facts {
                removes: Some(Removed::View),
                ..facts(Drop, vec![s(name)], format!("view {}", q(name)))
            },
            Action::CreateExtension { name, schema, .. } => {
                facts(Extensions, vec![schema.clone()], format!("extension {name}"))
            }
            Action::UpdateExtension { name, .. } => facts(Extensions, vec![], format!("extension {name}")),
            Action::DropExtension { name } => Facts {
                removes: Some(Removed::Extension),
                caveat: Some("Fails while objects (columns, indexes, functions) use the extension."),
                ..facts(Extensions, vec![], format!("extension {name}"))
            },
            Action::CreateFunction { definition } => Facts {
                texts: vec![text(definition, TextKind::Code, "a definition")],
                ..facts(Functions, vec![guard::function_schema(definition)], "functions".into())
            },
            Action::DropFunction { name, .. } => Facts {
                removes: Some(Removed::Function),
                ..facts(Functions, vec![s(name)], "functions".into())
            },
            Action::CreateTrigger { definition } => Facts {
                texts: vec![text(definition, TextKind::Code, "a definition")],
                hazards: guard::trigger_table(definition)
                    .map(|table| hazard(Code::MH113, Some(&table)))
                    .into_iter()
                    .collect(),
                ..facts(
                    Functions,
                    vec![guard::trigger_table_schema(definition)],
                    "triggers".into(),
                )
            },
            Action::DropTrigger { table, .. } => Facts {
                removes: Some(Removed::Trigger),
                ..facts(Functions, vec![s(table)], table_subject(table))
            },
            Action::CreateSchema { name } => facts(Create, vec![Some(name.clone())], format!("schema {name}")),
            Action::DropSchema { name } => Facts {
                removes: Some(Removed::Schema),
                hazards: vec![hazard(Code::MH203, None)],
                ..facts(Drop, vec![Some(name.clone())], format!("schema {name}"))
            },
            Action::CreateEnum { name, .. } => facts(Create, vec![s(name)], format!("type {}", q(name))),
            Action::AddEnumValues { name, position, .. } => Facts {
                hazards: match position {
                    None => vec![hazard(Code::MH506, Some(name))],
                    Some(_) => Vec::new(),
                },
                ..facts(Create, vec![s(name)], format!("type {}", q(name)))
            },
            Action::RenameEnumValue { name, .. } => Facts {
                hazards: vec![hazard(Code::MH205, Some(name))],
                ..facts(Alter, vec![s(name)], format!("type {}", q(name)))
            },
            Action::DropEnumValues { name, .. } => Facts {
                removes: Some(Removed::EnumValues),
                hazards: vec![hazard(Code::MH210, Some(name))],
                ..facts(Drop, vec![s(name)], format!("type {}", q(name)))
            },
            Action::DropType { name } => Facts {
                removes: Some(Removed::Type),
                caveat: Some("Fails while a column, function or cast still uses it."),
                hazards: vec![hazard(Code::MH210, Some(name))],
                ..facts(Drop, vec![s(name)], format!("type {}", q(name)))
            },
            // What the transactional forms lock, these do without blocking
            // writes: no lock hazard.
            Action::Concurrently { step } => match step {
                Concurrent::AddIndex { index } => Facts {
                    texts: index
                        .predicate
                        .iter()
                        .map(|p| text(p, TextKind::Expression, "an index predicate"))
                        .collect(),
                    caveat: Some(
                        "Runs outside the migration's transaction; a failed build is rebuilt by the next run.",
                    ),
                    ..facts(Create, vec![s(&index.table)], table_subject(&index.table))
                },
                Concurrent::AddIndexSql { definition } => Facts {
                    texts: vec![text(definition, TextKind::Statement, "an index definition")],
                    caveat: Some(
                        "Runs outside the migration's transaction; a failed build is rebuilt by the next run.",
                    ),
                    ..facts(
                        Create,
                        vec![guard::index_table(definition).and_then(|t| t.schema)],
                        "indexes".into(),
                    )
                },
                Concurrent::DropIndex { index } => Facts {
                    removes: Some(Removed::Index),
                    ..facts(Drop, vec![s(index)], "indexes".into())
                },
                Concurrent::Reindex { index } => facts(Alter, vec![s(index)], "indexes".into()),
                Concurrent::DetachPartition { parent, partition } => {
                    facts(Alter, vec![s(parent), s(partition)], table_subject(parent))
                }
                Concurrent::ValidateConstraint { table, .. } => Facts {
                    caveat: Some("Fails, naming the constraint, when a row violates it; the rows stay as they are."),
                    ..facts(Alter, vec![s(table)], table_subject(table))
                },
            },
        }
    }
}

/// What an action creates, changes in place and drops, as the catalog's
/// dependencies name the objects: the diff orders its steps by them.
#[derive(Debug, Default, PartialEq)]
pub struct Objects {
    /// Objects that exist only after it (a replaced function counts as created).
    pub creates: Vec<Object>,
    /// Objects it changes and keeps: what they need may change with them.
    pub changes: Vec<Object>,
    /// Objects it keeps but only takes something from (a default dropped):
    /// they need less afterwards, never more.
    pub releases: Vec<Object>,
    /// Objects that exist only before it.
    pub drops: Vec<Object>,
}

impl Action {
    /// What this action creates, changes and drops (see [`Objects`]). Apart
    /// from [`Action::facts`] because only the diff needs it and it parses
    /// the definitions of functions, triggers and raw indexes; exhaustive
    /// like it. Renames name nothing: the diff plans them in a phase of
    /// their own, and the catalogs name their objects before and after.
    pub fn objects(&self) -> Objects {
        let name = |q: &QualifiedName| Name::new(q.schema.as_deref().unwrap_or(super::DEFAULT_SCHEMA), &q.name);
        let relation = |q: &QualifiedName| Object::Relation(name(q));
        let column = |q: &QualifiedName, c: &str| Object::Column(name(q), c.to_owned());
        let constraint = |q: &QualifiedName, c: &str| Object::Constraint(name(q), c.to_owned());
        // An index lives in its table's schema.
        let index_on = |table: &QualifiedName, index: &str| Object::Index(Name::new(name(table).schema, index));
        let raw_index = |definition: &str| {
            guard::index_table(definition)
                .zip(guard::index_name(definition))
                .map(|(table, index)| index_on(&table, &index))
        };
        let creates = |creates: Vec<Object>| Objects {
            creates,
            ..Objects::default()
        };
        let changes = |changes: Vec<Object>| Objects {
            changes,
            ..Objects::default()
        };
        let drops = |drops: Vec<Object>| Objects {
            drops,
            ..Objects::default()
        };
        match self {
            Action::AddTable { table, columns, .. } => {
                let mut made = vec![relation(table)];
                for c in columns {
                    made.extend(column_objects(&name(table), c));
                }
                creates(made)
            }
            Action::SetTableLogged { table, .. }
            | Action::SetRowLevelSecurity { table, .. }
            | Action::SetRelationOptions { relation: table, .. }
            | Action::SetReplicaIdentity { table, .. } => changes(vec![relation(table)]),
            Action::AttachIndex { index, .. } => changes(vec![Object::Index(name(index))]),
            Action::GrantColumns { .. } | Action::RevokeColumns { .. } => Objects::default(),
            Action::CreateType { definition } => creates(
                guard::type_name_of(definition)
                    .map(|n| Object::Type(name(&n)))
                    .into_iter()
                    .collect(),
            ),
            Action::AlterDomain { name: type_name, .. } | Action::AlterCompositeType { name: type_name, .. } => {
                changes(vec![Object::Type(name(type_name))])
            }
            Action::AttachPartition { partition, .. } => changes(vec![relation(partition)]),
            // The partition lets go of its parent.
            Action::DetachPartition { partition, .. } => Objects {
                releases: vec![relation(partition)],
                ..Objects::default()
            },
            Action::CreatePolicy { policy } => creates(vec![Object::Policy(name(&policy.table), policy.name.clone())]),
            Action::DropPolicy { table, name: policy } => drops(vec![Object::Policy(name(table), policy.clone())]),
            Action::CreateSequence { name: sequence, .. } => creates(vec![Object::Sequence(name(sequence))]),
            Action::AlterSequence { name: sequence, .. } | Action::SetSequenceOwner { name: sequence, .. } => {
                changes(vec![Object::Sequence(name(sequence))])
            }
            Action::DropSequence { name: sequence } => drops(vec![Object::Sequence(name(sequence))]),
            Action::CreateCollation { name: collation, .. } => creates(vec![Object::Collation(name(collation))]),
            Action::DropCollation { name: collation } => drops(vec![Object::Collation(name(collation))]),
            Action::SetComment { .. }
            | Action::Grant { .. }
            | Action::Revoke { .. }
            | Action::RenameTable { .. }
            | Action::RenameColumn { .. }
            | Action::RenameConstraint { .. }
            | Action::RenameIndex { .. }
            | Action::RenameEnumValue { .. } => Objects::default(),
            Action::DropTable { table } => drops(vec![relation(table)]),
            Action::AddColumn { table, column: c } => creates(column_objects(&name(table), c)),
            Action::DropColumn { table, column: c } => drops(vec![column(table, c)]),
            Action::SetColumnCollation { table, column: c, .. }
            | Action::ChangeColumnType { table, column: c, .. }
            | Action::SetColumnIdentity { table, column: c, .. }
            | Action::AddNotNull { table, column: c }
            | Action::DropNotNull { table, column: c } => changes(vec![column(table, c)]),
            Action::SetColumnDefault { table, column: c, .. } => changes(vec![Object::Default(name(table), c.clone())]),
            Action::DropColumnExpression { table, column: c } | Action::DropColumnDefault { table, column: c } => {
                Objects {
                    releases: vec![Object::Default(name(table), c.clone())],
                    ..Objects::default()
                }
            }
            Action::AddConstraint { table, name: c, .. } => creates(vec![constraint(table, c)]),
            Action::DropConstraint { table, name: c } => drops(vec![constraint(table, c)]),
            Action::AddIndex { index } => creates(vec![index_on(&index.table, &index.name)]),
            Action::AddIndexSql { definition } => creates(raw_index(definition).into_iter().collect()),
            Action::DropIndex { index } => drops(vec![Object::Index(name(index))]),
            Action::CreateView { name: view, .. } => creates(vec![relation(view)]),
            Action::DropView { name: view, .. } => drops(vec![relation(view)]),
            Action::CreateExtension { name: extension, .. } => creates(vec![Object::Extension(extension.clone())]),
            Action::UpdateExtension { name: extension, .. } => changes(vec![Object::Extension(extension.clone())]),
            Action::DropExtension { name: extension } => drops(vec![Object::Extension(extension.clone())]),
            Action::CreateFunction { definition } => creates(
                guard::function_name(definition)
                    .map(|full| {
                        let (schema, function) = full.rsplit_once('.').unwrap_or((super::DEFAULT_SCHEMA, &full));
                        Object::Function(Name::new(schema.rsplit('.').next().unwrap_or(schema), function))
                    })
                    .into_iter()
                    .collect(),
            ),
            Action::DropFunction { name: function, .. } => drops(vec![Object::Function(name(function))]),
            Action::CreateTrigger { definition } => creates(
                guard::trigger_table(definition)
                    .zip(guard::trigger_name(definition))
                    .map(|(table, trigger)| Object::Trigger(name(&table), trigger))
                    .into_iter()
                    .collect(),
            ),
            Action::DropTrigger { table, name: trigger } => drops(vec![Object::Trigger(name(table), trigger.clone())]),
            Action::CreateSchema { name: schema } => creates(vec![Object::Schema(schema.clone())]),
            Action::DropSchema { name: schema } => drops(vec![Object::Schema(schema.clone())]),
            Action::CreateEnum { name: enum_type, .. } => creates(vec![Object::Type(name(enum_type))]),
            Action::AddEnumValues { name: enum_type, .. } | Action::DropEnumValues { name: enum_type, .. } => {
                changes(vec![Object::Type(name(enum_type))])
            }
            Action::DropType { name: type_name } => drops(vec![Object::Type(name(type_name))]),
            Action::Concurrently { step } => match step {
                Concurrent::AddIndex { index } => creates(vec![index_on(&index.table, &index.name)]),
                Concurrent::AddIndexSql { definition } => creates(raw_index(definition).into_iter().collect()),
                Concurrent::DropIndex { index } => drops(vec![Object::Index(name(index))]),
                Concurrent::Reindex { index } => changes(vec![Object::Index(name(index))]),
                Concurrent::DetachPartition { partition, .. } => Objects {
                    releases: vec![relation(partition)],
                    ..Objects::default()
                },
                Concurrent::ValidateConstraint { table, name: c } => changes(vec![constraint(table, c)]),
            },
        }
    }
}

/// What adding `column` to `table` makes: the column, its default or
/// generation expression, and the sequence a `serial` column makes (by the
/// name Postgres gives it, when that name is short enough to be given as it is).
fn column_objects(table: &Name, column: &ColumnDef) -> Vec<Object> {
    let mut made = vec![Object::Column(table.clone(), column.name.clone())];
    let serial = matches!(
        column.data_type.scalar,
        ScalarType::Smallserial | ScalarType::Serial | ScalarType::Bigserial
    );
    if serial || column.default.is_some() || column.generated.is_some() {
        made.push(Object::Default(table.clone(), column.name.clone()));
    }
    let sequence = format!("{}_{}_seq", table.name, column.name);
    if serial && sequence.len() <= 63 {
        made.push(Object::Sequence(Name::new(&table.schema, sequence)));
    }
    made
}

/// The rules a column's type triggers wherever the column is added (they
/// judge the type, not what adding it costs).
fn type_hazards(data_type: &DataType, out: &mut Vec<HazardFact>) {
    let mut add = |rule| {
        out.push(HazardFact {
            rule,
            on_existing: None,
        })
    };
    match &data_type.scalar {
        ScalarType::Smallint | ScalarType::Integer => add(Code::MH501),
        ScalarType::Smallserial | ScalarType::Serial => {
            add(Code::MH501);
            add(Code::MH502)
        }
        ScalarType::Bigserial => add(Code::MH502),
        ScalarType::Char(_) | ScalarType::Varchar(Some(_)) => add(Code::MH503),
        ScalarType::Timestamp(t) if !t.with_time_zone => add(Code::MH504),
        ScalarType::Json => add(Code::MH208),
        _ => {}
    }
}

/// `add-column`'s rules: the column's type, and what adding it does to a
/// table that has rows.
fn added_column_hazards(column: &ColumnDef, table: &QualifiedName) -> Vec<HazardFact> {
    let on = |rule| HazardFact {
        rule,
        on_existing: Some(table.clone()),
    };
    let mut out = Vec::new();
    let serial = matches!(
        column.data_type.scalar,
        ScalarType::Smallserial | ScalarType::Serial | ScalarType::Bigserial
    );
    if column.generated.is_some() || column.identity.is_some() || serial {
        out.push(on(Code::MH109));
    } else if let Some(ColumnDefault::Expression(e)) = &column.default
        && super::sql_rules::volatile(e)
    {
        out.push(on(Code::MH108));
    } else if !column.nullable && column.default.is_none() {
        out.push(on(Code::MH301));
    }
    type_hazards(&column.data_type, &mut out);
    out
}

fn text<'a>(text: &'a str, kind: TextKind, what: &'static str) -> SqlText<'a> {
    SqlText { text, kind, what }
}

fn column_texts<'a>(c: &'a ColumnDef, out: &mut Vec<SqlText<'a>>) {
    if let Some(ColumnDefault::Expression(e)) = &c.default {
        out.push(text(e, TextKind::Expression, "a default"));
    }
    if let Some(g) = &c.generated {
        out.push(text(g, TextKind::Expression, "a generated column"));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> QualifiedName {
        QualifiedName::unqualified(name)
    }

    /// One action of every kind that removes something.
    fn removals() -> Vec<Action> {
        vec![
            Action::DropTable { table: t("a") },
            Action::DropColumn {
                table: t("a"),
                column: "c".into(),
            },
            Action::DropSequence { name: t("s") },
            Action::DropType { name: t("e") },
            Action::DropEnumValues {
                name: t("e"),
                values: vec!["x".into()],
            },
            Action::DropIndex { index: t("i") },
            Action::DropView {
                name: t("v"),
                materialized: true,
            },
            Action::DropSchema { name: "s".into() },
            Action::DropCollation { name: t("c") },
            Action::DropConstraint {
                table: t("a"),
                name: "k".into(),
            },
            Action::DropPolicy {
                table: t("a"),
                name: "p".into(),
            },
            Action::DropFunction {
                name: t("f"),
                arguments: String::new(),
                procedure: false,
            },
            Action::DropTrigger {
                table: t("a"),
                name: "g".into(),
            },
            Action::DropExtension { name: "x".into() },
        ]
    }

    #[test]
    fn a_removal_loses_data_exactly_when_its_kind_does() {
        for action in removals() {
            let facts = action.facts();
            let removed = facts.removes.expect("a removal says what it removes");
            assert_eq!(
                facts.loses_data(),
                removed.loses_data(),
                "{}: its hazard and its kind disagree",
                action.describe()
            );
        }
    }

    #[test]
    fn only_removals_and_using_casts_lose_data() {
        let using = Action::ChangeColumnType {
            table: t("a"),
            column: "c".into(),
            new_type: DataType {
                scalar: ScalarType::Bigint,
                is_array: false,
            },
            cast: TypeCast::Using("NULL".into()),
        };
        assert!(using.facts().loses_data() && using.facts().removes.is_none());
        let add = Action::AddColumn {
            table: t("a"),
            column: ColumnDef::new(
                "c",
                DataType {
                    scalar: ScalarType::Text,
                    is_array: false,
                },
            ),
        };
        assert!(!add.facts().loses_data() && add.facts().removes.is_none());
    }

    #[test]
    fn a_raw_index_names_its_table_so_a_new_table_is_not_a_hazard() {
        let action = Action::AddIndexSql {
            definition: "CREATE INDEX i ON blog.posts USING gin (tags)".into(),
        };
        let facts = action.facts();
        assert_eq!(facts.schemas, [Some("blog".to_owned())]);
        assert_eq!(
            facts.hazards.into_iter().next().and_then(|h| h.on_existing),
            Some(QualifiedName::qualified("blog", "posts"))
        );
    }
}
