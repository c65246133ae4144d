//! One action as one Rust statement calling the SDK.

use super::literal;
use crate::actions::Action;
use crate::actions::concurrent::Concurrent;
use crate::model::{
    AttributeChange, AttributeDef, CollationProvider, ColumnDef, ColumnDefault, CommentTarget, Constraint, DataType,
    DomainChange, EnumPosition, ForeignKeyAction, GrantDef, IdentityKind, IndexDef, IndexMethod, PolicyCommand,
    Privilege, QualifiedName, ReplicaIdentity, ScalarType, SequenceOptions, SequenceType, SqlValue, TableMember,
    TableOptions, TypeCast,
};

/// A Rust string literal whose value is exactly `text` (see [`literal`]).
fn lit(text: &str) -> String {
    literal::string(text)
}

/// `"users"` or `("blog", "users")`.
fn name(name: &QualifiedName) -> String {
    match &name.schema {
        None => lit(&name.name),
        Some(schema) => format!("({}, {})", lit(schema), lit(&name.name)),
    }
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|i| lit(i)).collect::<Vec<_>>().join(", "))
}

/// The SDK call for `action`, ending in `?;`, the line breaks of its raw
/// strings still [`literal::RAW_NEWLINE`].
pub fn action_call(action: &Action) -> String {
    match action {
        Action::AddTable {
            table,
            columns,
            options,
        } => match &options.partition_of {
            Some(of) if columns.is_empty() && *options == partition_only(options) => format!(
                "add_partition({}, {}, {})?;",
                name(table),
                name(&of.parent),
                lit(&of.bound)
            ),
            _ => add_table(table, columns, options),
        },
        Action::SetTableLogged { table, logged } => format!("set_table_logged({}, {logged})?;", name(table)),
        Action::SetRelationOptions { relation, set, reset } => format!(
            "set_relation_options(\n    {},\n    &[{}],\n    &[{}],\n)?;",
            name(relation),
            set.iter()
                .map(|o| format!("({}, {})", lit(&o.name), lit(&o.value)))
                .collect::<Vec<_>>()
                .join(", "),
            reset.iter().map(|r| lit(r)).collect::<Vec<_>>().join(", ")
        ),
        Action::SetReplicaIdentity { table, identity } => format!(
            "set_replica_identity({}, {})?;",
            name(table),
            match identity {
                ReplicaIdentity::Default => "ReplicaIdentity::Default".to_owned(),
                ReplicaIdentity::Full => "ReplicaIdentity::Full".to_owned(),
                ReplicaIdentity::Nothing => "ReplicaIdentity::Nothing".to_owned(),
                ReplicaIdentity::UsingIndex(index) => format!("ReplicaIdentity::UsingIndex({}.into())", lit(index)),
            }
        ),
        Action::AttachIndex {
            parent,
            index,
            partition,
        } => format!("attach_index({}, {}, {})?;", name(parent), name(index), name(partition)),
        Action::GrantColumns { grant: g, columns } => format!("grant_columns({}, {})?;", grant(g), list(columns)),
        Action::RevokeColumns { grant: g, columns } => format!("revoke_columns({}, {})?;", grant(g), list(columns)),
        Action::CreateType { definition } => format!("create_type({})?;", lit(definition)),
        Action::AlterDomain { name: n, change } => format!(
            "alter_domain({}, {})?;",
            name(n),
            match change {
                DomainChange::SetDefault(e) => format!("DomainChange::SetDefault({}.into())", lit(e)),
                DomainChange::DropDefault => "DomainChange::DropDefault".to_owned(),
                DomainChange::SetNotNull => "DomainChange::SetNotNull".to_owned(),
                DomainChange::DropNotNull => "DomainChange::DropNotNull".to_owned(),
                DomainChange::AddCheck(check) => format!(
                    "DomainChange::AddCheck(DomainCheck {{\n    name: {}.into(),\n    expression: {}.into(),\n}})",
                    lit(&check.name),
                    lit(&check.expression)
                ),
                DomainChange::DropConstraint(c) => format!("DomainChange::DropConstraint({}.into())", lit(c)),
            }
        ),
        Action::AlterCompositeType { name: n, change } => {
            let attribute = |a: &AttributeDef| {
                format!(
                    "AttributeDef {{\n    name: {}.into(),\n    data_type: {}.into(),\n    collation: {},\n}}",
                    lit(&a.name),
                    data_type(&a.data_type),
                    a.collation
                        .as_ref()
                        .map_or("None".into(), |c| format!("Some({}.into())", name(c)))
                )
            };
            format!(
                "alter_composite_type({}, {})?;",
                name(n),
                match change {
                    AttributeChange::Add(a) => format!("AttributeChange::Add({})", attribute(a)),
                    AttributeChange::Drop(a) => format!("AttributeChange::Drop({}.into())", lit(a)),
                    AttributeChange::SetType(a) => format!("AttributeChange::SetType({})", attribute(a)),
                }
            )
        }
        Action::AttachPartition {
            parent,
            partition,
            bound,
        } => format!(
            "attach_partition({}, {}, {})?;",
            name(parent),
            name(partition),
            lit(bound)
        ),
        Action::DetachPartition { parent, partition } => {
            format!("detach_partition({}, {})?;", name(parent), name(partition))
        }
        Action::SetRowLevelSecurity { table, enabled, forced } => {
            format!("set_row_level_security({}, {enabled}, {forced})?;", name(table))
        }
        Action::CreatePolicy { policy } => format!(
            "create_policy(PolicyDef {{\n    name: {}.into(),\n    table: {}.into(),\n    permissive: {},\n    \
             command: PolicyCommand::{},\n    roles: vec![{}],\n    using: {},\n    with_check: {},\n}})?;",
            lit(&policy.name),
            name(&policy.table),
            policy.permissive,
            match policy.command {
                PolicyCommand::All => "All",
                PolicyCommand::Select => "Select",
                PolicyCommand::Insert => "Insert",
                PolicyCommand::Update => "Update",
                PolicyCommand::Delete => "Delete",
            },
            policy
                .roles
                .iter()
                .map(|r| format!("{}.into()", lit(r)))
                .collect::<Vec<_>>()
                .join(", "),
            opt_string(&policy.using),
            opt_string(&policy.with_check)
        ),
        Action::DropPolicy { table, name: policy } => format!("drop_policy({}, {})?;", name(table), lit(policy)),
        Action::CreateSequence { name: n, options } => {
            format!("create_sequence({}, {})?;", name(n), sequence_options(options))
        }
        Action::AlterSequence { name: n, options } => {
            format!("alter_sequence({}, {})?;", name(n), sequence_options(options))
        }
        Action::SetSequenceOwner {
            name: n,
            owner: Some(owner),
        } => format!(
            "set_sequence_owner({}, {}, {})?;",
            name(n),
            name(&owner.table),
            lit(&owner.name)
        ),
        Action::SetSequenceOwner { name: n, owner: None } => format!("clear_sequence_owner({})?;", name(n)),
        Action::DropSequence { name: n } => format!("drop_sequence({})?;", name(n)),
        Action::SetColumnCollation {
            table,
            column,
            collation,
        } => format!(
            "set_column_collation({}, {}, {})?;",
            name(table),
            lit(column),
            collation
                .as_ref()
                .map_or("None".into(), |c| format!("Some({}.into())", name(c)))
        ),
        Action::CreateCollation { name: n, definition } => format!(
            "create_collation(\n    {},\n    CollationDef {{\n        provider: CollationProvider::{},\n        \
             locale: {}.into(),\n        lc_ctype: {},\n        deterministic: {},\n    }},\n)?;",
            name(n),
            match definition.provider {
                CollationProvider::Libc => "Libc",
                CollationProvider::Icu => "Icu",
            },
            lit(&definition.locale),
            opt_string(&definition.lc_ctype),
            definition.deterministic
        ),
        Action::DropCollation { name: n } => format!("drop_collation({})?;", name(n)),
        Action::SetComment { target, text } => format!(
            "set_comment({}, {})?;",
            comment_target(target),
            text.as_ref().map_or("None".into(), |t| format!("Some({})", lit(t)))
        ),
        Action::Grant { grant: g } => format!("grant({})?;", grant(g)),
        Action::Revoke { grant: g } => format!("revoke({})?;", grant(g)),
        Action::DropTable { table } => format!("drop_table({})?;", name(table)),
        Action::RenameTable { table, new_name } => format!("rename_table({}, {})?;", name(table), lit(new_name)),
        Action::AddColumn { table, column: c } => format!("add_column({}, {})?;", name(table), column(c)),
        Action::DropColumn { table, column } => format!("drop_column({}, {})?;", name(table), lit(column)),
        Action::RenameColumn {
            table,
            column,
            new_name,
        } => {
            format!("rename_column({}, {}, {})?;", name(table), lit(column), lit(new_name))
        }
        Action::ChangeColumnType {
            table,
            column,
            new_type,
            cast,
        } => format!(
            "change_column_type({}, {}, {}, {})?;",
            name(table),
            lit(column),
            data_type(new_type),
            match cast {
                TypeCast::None => "TypeCast::None".into(),
                TypeCast::Auto => "TypeCast::Auto".into(),
                TypeCast::Using(e) => format!("TypeCast::Using({}.into())", lit(e)),
            }
        ),
        Action::SetColumnIdentity {
            table,
            column,
            identity,
        } => format!(
            "set_column_identity({}, {}, {})?;",
            name(table),
            lit(column),
            match identity {
                Some(IdentityKind::Always) => "Some(IdentityKind::Always)",
                Some(IdentityKind::ByDefault) => "Some(IdentityKind::ByDefault)",
                None => "None",
            }
        ),
        Action::DropColumnExpression { table, column } => {
            format!("drop_column_expression({}, {})?;", name(table), lit(column))
        }
        Action::AddNotNull { table, column } => format!("add_not_null({}, {})?;", name(table), lit(column)),
        Action::DropNotNull { table, column } => format!("drop_not_null({}, {})?;", name(table), lit(column)),
        Action::SetColumnDefault { table, column, default } => format!(
            "set_column_default({}, {}, {})?;",
            name(table),
            lit(column),
            match default {
                ColumnDefault::Expression(e) => format!("ColumnDefault::Expression({}.into())", lit(e)),
                ColumnDefault::Value(v) => format!("ColumnDefault::Value({})", value(v)),
            }
        ),
        Action::DropColumnDefault { table, column } => {
            format!("drop_column_default({}, {})?;", name(table), lit(column))
        }
        Action::AddConstraint {
            table,
            name: constraint_name,
            constraint: c,
        } => {
            format!(
                "add_constraint({}, {}, {})?;",
                name(table),
                lit(constraint_name),
                constraint(c)
            )
        }
        Action::DropConstraint {
            table,
            name: constraint_name,
        } => {
            format!("drop_constraint({}, {})?;", name(table), lit(constraint_name))
        }
        Action::AddIndex { index: i } => format!("add_index({})?;", index(i)),
        Action::AddIndexSql { definition } => format!("add_index_sql({})?;", lit(definition)),
        Action::DropIndex { index } => format!("drop_index({})?;", name(index)),
        Action::RenameIndex { index, new_name } => format!("rename_index({}, {})?;", name(index), lit(new_name)),
        Action::RenameConstraint {
            table,
            name: constraint,
            new_name,
        } => format!(
            "rename_constraint({}, {}, {})?;",
            name(table),
            lit(constraint),
            lit(new_name)
        ),
        Action::RenameEnumValue {
            name: type_name,
            value,
            new_value,
        } => format!(
            "rename_enum_value({}, {}, {})?;",
            name(type_name),
            lit(value),
            lit(new_value)
        ),
        Action::CreateEnum { name: n, values } => format!("create_enum({}, {})?;", name(n), list(values)),
        Action::AddEnumValues {
            name: n,
            values,
            position: None,
        } => {
            format!("add_enum_values({}, {})?;", name(n), list(values))
        }
        Action::AddEnumValues {
            name: n,
            values,
            position: Some(position),
        } => format!(
            "add_enum_values_at({}, {}, {})?;",
            name(n),
            list(values),
            match position {
                EnumPosition::Before(v) => format!("EnumPosition::Before({}.into())", lit(v)),
                EnumPosition::After(v) => format!("EnumPosition::After({}.into())", lit(v)),
            }
        ),
        Action::DropEnumValues { name: n, values } => format!("drop_enum_values({}, {})?;", name(n), list(values)),
        Action::DropType { name: n } => format!("drop_type({})?;", name(n)),
        Action::Concurrently { step } => match step {
            Concurrent::AddIndex { index: i } => format!("add_index_concurrently({})?;", index(i)),
            Concurrent::AddIndexSql { definition } => format!("add_index_sql_concurrently({})?;", lit(definition)),
            Concurrent::DropIndex { index } => format!("drop_index_concurrently({})?;", name(index)),
            Concurrent::Reindex { index } => format!("reindex_concurrently({})?;", name(index)),
            Concurrent::DetachPartition { parent, partition } => {
                format!("detach_partition_concurrently({}, {})?;", name(parent), name(partition))
            }
            Concurrent::ValidateConstraint {
                table,
                name: constraint,
            } => {
                format!("validate_constraint({}, {})?;", name(table), lit(constraint))
            }
        },
        Action::CreateSchema { name } => format!("create_schema({})?;", lit(name)),
        Action::CreateFunction { definition } => format!("create_function(\n    {},\n)?;", lit(definition)),
        Action::DropFunction {
            name: n,
            arguments,
            procedure,
        } => format!(
            "{}({}, {})?;",
            if *procedure { "drop_procedure" } else { "drop_function" },
            name(n),
            lit(arguments)
        ),
        Action::CreateTrigger { definition } => format!("create_trigger({})?;", lit(definition)),
        Action::DropTrigger { table, name: trigger } => format!("drop_trigger({}, {})?;", name(table), lit(trigger)),
        Action::CreateExtension { name, schema, version } => {
            let opt = |o: &Option<String>| o.as_ref().map_or("None".to_owned(), |v| format!("Some({})", lit(v)));
            format!("create_extension({}, {}, {})?;", lit(name), opt(schema), opt(version))
        }
        Action::UpdateExtension { name, version } => format!("update_extension({}, {})?;", lit(name), lit(version)),
        Action::DropExtension { name } => format!("drop_extension({})?;", lit(name)),
        Action::CreateView {
            name: n,
            query,
            materialized,
        } => {
            let f = if *materialized {
                "create_materialized_view"
            } else {
                "create_view"
            };
            format!("{f}(\n    {},\n    {},\n)?;", name(n), lit(query))
        }
        Action::DropView { name: n, materialized } => {
            format!(
                "{}({})?;",
                if *materialized {
                    "drop_materialized_view"
                } else {
                    "drop_view"
                },
                name(n)
            )
        }
        Action::DropSchema { name } => format!("drop_schema({})?;", lit(name)),
    }
}

fn add_table(table: &QualifiedName, columns: &[ColumnDef], options: &TableOptions) -> String {
    let columns = match columns {
        [] => "[]".to_owned(),
        columns => format!(
            "[\n{}    ]",
            columns
                .iter()
                .map(|c| format!("        {},\n", column(c)))
                .collect::<String>()
        ),
    };
    if *options == TableOptions::default() {
        return format!("add_table(\n    {},\n    {columns},\n)?;", name(table));
    }
    let mut fields = Vec::new();
    if options.unlogged {
        fields.push("unlogged: true".to_owned());
    }
    if let Some(key) = &options.partition_by {
        fields.push(format!("partition_by: Some({}.into())", lit(key)));
    }
    if let Some(of) = &options.partition_of {
        fields.push(format!(
            "partition_of: Some(PartitionOf {{ parent: {}.into(), bound: {}.into() }})",
            name(&of.parent),
            lit(&of.bound)
        ));
    }
    if !options.inherits.is_empty() {
        let parents: Vec<_> = options.inherits.iter().map(|p| format!("{}.into()", name(p))).collect();
        fields.push(format!("inherits: vec![{}]", parents.join(", ")));
    }
    format!(
        "add_table_with(\n    {},\n    {columns},\n    TableOptions {{\n{}        ..TableOptions::default()\n    }},\n)?;",
        name(table),
        fields.iter().map(|f| format!("        {f},\n")).collect::<String>()
    )
}

/// `options` with only its `partition_of` kept: a plain partition.
fn partition_only(options: &TableOptions) -> TableOptions {
    TableOptions {
        partition_of: options.partition_of.clone(),
        ..TableOptions::default()
    }
}

fn opt_string(text: &Option<String>) -> String {
    text.as_ref()
        .map_or("None".into(), |t| format!("Some({}.into())", lit(t)))
}

fn sequence_options(options: &SequenceOptions) -> String {
    let mut fields = Vec::new();
    if let Some(t) = options.data_type {
        fields.push(format!(
            "data_type: Some(SequenceType::{})",
            match t {
                SequenceType::Smallint => "Smallint",
                SequenceType::Integer => "Integer",
                SequenceType::Bigint => "Bigint",
            }
        ));
    }
    for (field, value) in [
        ("start", options.start),
        ("increment", options.increment),
        ("min_value", options.min_value),
        ("max_value", options.max_value),
        ("cache", options.cache),
    ] {
        if let Some(v) = value {
            fields.push(format!("{field}: Some({v})"));
        }
    }
    if let Some(cycle) = options.cycle {
        fields.push(format!("cycle: Some({cycle})"));
    }
    if fields.is_empty() {
        return "SequenceOptions::default()".into();
    }
    format!("SequenceOptions {{ {}, ..Default::default() }}", fields.join(", "))
}

fn member(m: &TableMember) -> String {
    format!("member({}, {})", name(&m.table), lit(&m.name))
}

fn comment_target(target: &CommentTarget) -> String {
    match target {
        CommentTarget::Schema(s) => format!("CommentTarget::Schema({}.into())", lit(s)),
        CommentTarget::Table(n) => format!("CommentTarget::Table({}.into())", name(n)),
        CommentTarget::Column(m) => format!("CommentTarget::Column({})", member(m)),
        CommentTarget::View(n) => format!("CommentTarget::View({}.into())", name(n)),
        CommentTarget::MaterializedView(n) => format!("CommentTarget::MaterializedView({}.into())", name(n)),
        CommentTarget::Index(n) => format!("CommentTarget::Index({}.into())", name(n)),
        CommentTarget::Sequence(n) => format!("CommentTarget::Sequence({}.into())", name(n)),
        CommentTarget::Type(n) => format!("CommentTarget::Type({}.into())", name(n)),
        CommentTarget::Collation(n) => format!("CommentTarget::Collation({}.into())", name(n)),
        CommentTarget::Function(f) => format!(
            "CommentTarget::Function(FunctionRef {{ name: {}.into(), arguments: {}.into(), procedure: {} }})",
            name(&f.name),
            lit(&f.arguments),
            f.procedure
        ),
        CommentTarget::Constraint(m) => format!("CommentTarget::Constraint({})", member(m)),
        CommentTarget::Trigger(m) => format!("CommentTarget::Trigger({})", member(m)),
    }
}

fn grant(g: &GrantDef) -> String {
    let privileges: Vec<_> = g
        .privileges
        .iter()
        .map(|p| {
            format!(
                "Privilege::{}",
                match p {
                    Privilege::Select => "Select",
                    Privilege::Insert => "Insert",
                    Privilege::Update => "Update",
                    Privilege::Delete => "Delete",
                    Privilege::Truncate => "Truncate",
                    Privilege::References => "References",
                    Privilege::Trigger => "Trigger",
                    Privilege::Usage => "Usage",
                }
            )
        })
        .collect();
    format!(
        "GrantDef {{\n    on: {}.into(),\n    privileges: vec![{}],\n    grantee: {}.into(),\n    grant_option: {},\n}}",
        name(&g.on),
        privileges.join(", "),
        lit(&g.grantee),
        g.grant_option
    )
}

fn column(c: &ColumnDef) -> String {
    let mut out = format!("column({}, {})", lit(&c.name), data_type(&c.data_type));
    if !c.nullable {
        out.push_str(".not_null()");
    }
    match &c.default {
        Some(ColumnDefault::Expression(e)) => out.push_str(&format!(".default_expr({})", lit(e))),
        Some(ColumnDefault::Value(v)) => out.push_str(&format!(".default({})", value(v))),
        None => {}
    }
    match c.identity {
        Some(IdentityKind::Always) => out.push_str(".identity(IdentityKind::Always)"),
        Some(IdentityKind::ByDefault) => out.push_str(".identity(IdentityKind::ByDefault)"),
        None => {}
    }
    if let Some(g) = &c.generated {
        out.push_str(&format!(".generated({})", lit(g)));
    }
    if let Some(collation) = &c.collation {
        out.push_str(&format!(".collate({})", name(collation)));
    }
    out
}

fn data_type(t: &DataType) -> String {
    let scalar = scalar(&t.scalar);
    if t.is_array {
        format!("{scalar}.array()")
    } else {
        scalar
    }
}

fn scalar(s: &ScalarType) -> String {
    use ScalarType as S;
    let tz = |with_tz: bool| format!("TimeOptions {{ with_time_zone: {with_tz}, precision: None }}");
    match s {
        S::Smallint => "ty::smallint()".into(),
        S::Integer => "ty::integer()".into(),
        S::Bigint => "ty::bigint()".into(),
        S::Serial => "ty::serial()".into(),
        S::Bigserial => "ty::bigserial()".into(),
        S::Smallserial => "ty::smallserial()".into(),
        S::Real => "ty::real()".into(),
        S::DoublePrecision => "ty::double_precision()".into(),
        S::Numeric(None) => "ty::decimal()".into(),
        S::Numeric(Some(p)) => format!("ty::numeric({}, {})", p.precision, p.scale),
        S::Text => "ty::text()".into(),
        S::Varchar(Some(n)) => format!("ty::varchar({n})"),
        S::Char(Some(n)) => format!("ty::char({n})"),
        S::Bytea => "ty::bytea()".into(),
        S::Boolean => "ty::boolean()".into(),
        S::Date => "ty::date()".into(),
        S::Time(o) if !o.with_time_zone && o.precision.is_none() => "ty::time()".into(),
        S::Timestamp(o) if o.precision.is_none() => {
            if o.with_time_zone {
                "ty::timestamptz()".into()
            } else {
                "ty::timestamp()".into()
            }
        }
        S::Time(o) | S::Timestamp(o) if o.precision.is_none() => {
            format!(
                "ScalarType::{}({})",
                if matches!(s, S::Time(_)) { "Time" } else { "Timestamp" },
                tz(o.with_time_zone)
            )
        }
        S::Time(o) | S::Timestamp(o) => format!(
            "ScalarType::{}(TimeOptions {{ with_time_zone: {}, precision: Some({}) }})",
            if matches!(s, S::Time(_)) { "Time" } else { "Timestamp" },
            o.with_time_zone,
            o.precision.unwrap_or_default()
        ),
        S::Interval => "ty::interval()".into(),
        S::Uuid => "ty::uuid()".into(),
        S::Json => "ty::json()".into(),
        S::Jsonb => "ty::jsonb()".into(),
        S::Inet => "ty::inet()".into(),
        S::Named(n) if n.schema.is_none() => format!("ty::named({})", lit(&n.name)),
        S::Named(n) => format!("ScalarType::Named({}.into())", name(n)),
        S::Sql(text) => format!("ty::sql({})", lit(text)),
        S::Varchar(None) => "ScalarType::Varchar(None)".into(),
        S::Char(None) => "ScalarType::Char(None)".into(),
        S::Bit(n) => format!("ScalarType::Bit({n:?})"),
        S::Varbit(n) => format!("ScalarType::Varbit({n:?})"),
        S::Money => "ScalarType::Money".into(),
        S::Xml => "ScalarType::Xml".into(),
        S::Point => "ScalarType::Point".into(),
        S::Line => "ScalarType::Line".into(),
        S::Lseg => "ScalarType::Lseg".into(),
        S::Box => "ScalarType::Box".into(),
        S::Path => "ScalarType::Path".into(),
        S::Polygon => "ScalarType::Polygon".into(),
        S::Circle => "ScalarType::Circle".into(),
        S::Cidr => "ScalarType::Cidr".into(),
        S::Macaddr => "ScalarType::Macaddr".into(),
        S::Macaddr8 => "ScalarType::Macaddr8".into(),
        S::Tsvector => "ScalarType::Tsvector".into(),
        S::Tsquery => "ScalarType::Tsquery".into(),
        S::Int4range => "ScalarType::Int4range".into(),
        S::Int8range => "ScalarType::Int8range".into(),
        S::Numrange => "ScalarType::Numrange".into(),
        S::Tsrange => "ScalarType::Tsrange".into(),
        S::Tstzrange => "ScalarType::Tstzrange".into(),
        S::Daterange => "ScalarType::Daterange".into(),
        S::Oid => "ScalarType::Oid".into(),
    }
}

fn fk_action(action: ForeignKeyAction) -> &'static str {
    match action {
        ForeignKeyAction::NoAction => "NoAction",
        ForeignKeyAction::Restrict => "Restrict",
        ForeignKeyAction::Cascade => "Cascade",
        ForeignKeyAction::SetNull => "SetNull",
        ForeignKeyAction::SetDefault => "SetDefault",
    }
}

fn index_method(method: IndexMethod) -> &'static str {
    match method {
        IndexMethod::Btree => "Btree",
        IndexMethod::Hash => "Hash",
        IndexMethod::Gist => "Gist",
        IndexMethod::Gin => "Gin",
        IndexMethod::Brin => "Brin",
        IndexMethod::Spgist => "Spgist",
    }
}

fn value(v: &SqlValue) -> String {
    match v {
        SqlValue::Null => "SqlValue::Null".into(),
        SqlValue::Boolean(b) => b.to_string(),
        SqlValue::Int(i) => format!("{i}i64"),
        SqlValue::Float(f) if f.is_nan() => "f64::NAN".into(),
        SqlValue::Float(f) if f.is_infinite() => if *f > 0.0 { "f64::INFINITY" } else { "f64::NEG_INFINITY" }.into(),
        SqlValue::Float(f) => format!("{f:?}f64"),
        SqlValue::Numeric(n) => format!("SqlValue::Numeric({}.into())", lit(n)),
        SqlValue::Text(t) => lit(t),
        SqlValue::Bytes(b) => format!("vec!{b:?}"),
        SqlValue::Json(j) => format!("SqlValue::Json({}.into())", lit(j)),
    }
}

fn constraint(c: &Constraint) -> String {
    match c {
        Constraint::PrimaryKey(columns) => format!("primary_key({})", list(columns)),
        Constraint::Unique(columns) => format!("unique({})", list(columns)),
        Constraint::Check(e) => format!("check({})", lit(e)),
        Constraint::Sql(d) => format!("Constraint::Sql({}.into())", lit(d)),
        Constraint::ForeignKey(fk) => {
            let mut out = format!(
                "foreign_key({}, {}, {})",
                list(&fk.columns),
                name(&fk.references),
                list(&fk.referenced_columns)
            );
            for (method, action) in [("on_delete", fk.on_delete), ("on_update", fk.on_update)] {
                if action != ForeignKeyAction::NoAction {
                    out.push_str(&format!(".{method}(ForeignKeyAction::{})", fk_action(action)));
                }
            }
            out
        }
    }
}

fn index(i: &IndexDef) -> String {
    let mut out = format!("index({}, {}, {})", lit(&i.name), name(&i.table), list(&i.columns));
    if i.unique {
        out.push_str(".unique()");
    }
    if i.method != IndexMethod::Btree {
        out.push_str(&format!(".method(IndexMethod::{})", index_method(i.method)));
    }
    if let Some(p) = &i.predicate {
        out.push_str(&format!(".predicate({})", lit(p)));
    }
    out
}
