//! One action as one Rust statement calling the SDK.

use crate::actions::Action;
use crate::wit::{
    ColumnDef, ColumnDefault, Constraint, DataType, EnumPosition, ForeignKeyAction, IdentityKind, IndexDef,
    IndexMethod, QualifiedName, ScalarType, SqlValue, TypeCast,
};

/// A Rust string literal (Debug escapes exactly what Rust needs).
fn lit(text: &str) -> String {
    format!("{text:?}")
}

/// A raw string literal for multi-line SQL, with enough `#`s to hold it.
fn raw_lit(text: &str) -> String {
    let hashes = (0..)
        .map(|n| "#".repeat(n))
        .find(|h| !text.contains(&format!("\"{h}")))
        .unwrap_or_default();
    let hashes = if hashes.is_empty() { "#".to_owned() } else { hashes };
    format!("r{hashes}\"{}\"{hashes}", text.trim())
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

/// What a group of statements works on, for the comment above it.
pub fn subject(action: &Action) -> String {
    let q = |n: &QualifiedName| match &n.schema {
        Some(s) => format!("{s}.{}", n.name),
        None => n.name.clone(),
    };
    match action {
        Action::AddTable { table, .. }
        | Action::DropTable { table }
        | Action::RenameTable { table, .. }
        | Action::AddColumn { table, .. }
        | Action::DropColumn { table, .. }
        | Action::RenameColumn { table, .. }
        | Action::ChangeColumnType { table, .. }
        | Action::SetColumnIdentity { table, .. }
        | Action::DropColumnExpression { table, .. }
        | Action::AddNotNull { table, .. }
        | Action::DropNotNull { table, .. }
        | Action::SetColumnDefault { table, .. }
        | Action::DropColumnDefault { table, .. }
        | Action::AddConstraint { table, .. }
        | Action::DropConstraint { table, .. } => format!("table {}", q(table)),
        Action::AddIndex { index } => format!("table {}", q(&index.table)),
        Action::AddIndexSql { .. } | Action::DropIndex { .. } => "indexes".into(),
        Action::CreateEnum { name, .. }
        | Action::AddEnumValues { name, .. }
        | Action::DropEnumValues { name, .. }
        | Action::DropType { name } => format!("type {}", q(name)),
        Action::CreateSchema { name } | Action::DropSchema { name } => format!("schema {name}"),
        Action::CreateFunction { .. } | Action::DropFunction { .. } => "functions".into(),
        Action::CreateTrigger { .. } => "triggers".into(),
        Action::DropTrigger { table, .. } => format!("table {}", q(table)),
        Action::CreateExtension { name, .. }
        | Action::UpdateExtension { name, .. }
        | Action::DropExtension { name } => {
            format!("extension {name}")
        }
        Action::CreateView { name, .. } | Action::DropView { name, .. } => format!("view {}", q(name)),
    }
}

/// The comment a step deserves: it loses data or rewrites the table.
pub fn warning(action: &Action) -> Option<&'static str> {
    Some(match action {
        Action::DropTable { .. } => "Loses data: drops the table and every row in it.",
        Action::DropColumn { .. } => "Loses data: drops the column's values.",
        Action::DropEnumValues { .. } => "Fails while rows hold the removed values: move them first.",
        Action::DropType { .. } => "Drops the type (it must be unused by then).",
        Action::ChangeColumnType { .. } => "May rewrite the table and fail on values that do not convert.",
        Action::AddNotNull { .. } => "Scans the table and fails while it holds NULLs.",
        _ => return None,
    })
}

/// The SDK call for `action`, ending in `?;`.
pub fn action_call(action: &Action) -> String {
    match action {
        Action::AddTable { table, columns } if columns.is_empty() => format!("add_table({}, [])?;", name(table)),
        Action::AddTable { table, columns } => {
            let columns: Vec<String> = columns.iter().map(|c| format!("    {},\n", column(c))).collect();
            format!(
                "add_table(\n    {},\n    [\n{}    ],\n)?;",
                name(table),
                columns.iter().map(|c| format!("    {c}")).collect::<String>()
            )
        }
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
        Action::CreateSchema { name } => format!("create_schema({})?;", lit(name)),
        Action::CreateFunction { definition } => format!("create_function(\n    {},\n)?;", raw_lit(definition)),
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
            format!("{f}(\n    {},\n    {},\n)?;", name(n), raw_lit(query))
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
