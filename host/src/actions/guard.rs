//! Checks on SQL text that a migration supplies (expressions and raw
//! statements), made with Postgres's own parser (libpg_query).
//!
//! A keyword filter cannot tell `COMMIT` inside a string from a real one;
//! the parser can. These checks keep SQL fragments to the shape their action
//! promises: an expression stays one expression, and `execute`/`query` never
//! end, split or escape the migration's transaction.

use super::ActionError;
use super::removed::Removed;
use crate::model::QualifiedName;
use pg_query::NodeEnum;

/// Checks that `expression` is exactly one scalar SQL expression, so that
/// splicing it into `DEFAULT (...)`, `CHECK (...)`, `USING ...` or
/// `WHERE ...` cannot change the statement around it.
pub fn expression(expression: &str, what: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("{what} {expression:?} {why}"));
    if expression.trim().is_empty() {
        return Err(bad("is empty"));
    }
    if expression.contains('\0') {
        return Err(bad("contains a NUL byte"));
    }
    refuse_comments(expression, &bad)?;
    // The closing parenthesis proves the expression closed itself.
    let probe = format!("SELECT ({expression})");
    let parsed = pg_query::parse(&probe).map_err(|e| bad(&format!("is not a valid SQL expression: {e}")))?;
    let stmts = &parsed.protobuf.stmts;
    let Some(NodeEnum::SelectStmt(select)) = stmts
        .first()
        .and_then(|s| s.stmt.as_ref())
        .and_then(|n| n.node.as_ref())
    else {
        return Err(bad("is not a single SQL expression"));
    };
    let plain_select = stmts.len() == 1
        && select.target_list.len() == 1
        && select.from_clause.is_empty()
        && select.where_clause.is_none()
        && select.group_clause.is_empty()
        && select.having_clause.is_none()
        && select.window_clause.is_empty()
        && select.sort_clause.is_empty()
        && select.limit_count.is_none()
        && select.limit_offset.is_none()
        && select.locking_clause.is_empty()
        && select.with_clause.is_none()
        && select.into_clause.is_none()
        && select.values_lists.is_empty()
        && select.larg.is_none();
    if !plain_select {
        return Err(bad("is not a single SQL expression"));
    }
    Ok(())
}

/// Refuses SQL fragments with comments: the host writes a fragment on one
/// line with SQL after it, which a comment would swallow.
fn refuse_comments(text: &str, bad: &dyn Fn(&str) -> ActionError) -> Result<(), ActionError> {
    let tokens = pg_query::scan(text).map_err(|e| bad(&format!("is not valid SQL: {e}")))?;
    let comment = |t: &pg_query::protobuf::ScanToken| {
        matches!(
            t.token(),
            pg_query::protobuf::Token::SqlComment | pg_query::protobuf::Token::CComment
        )
    };
    if tokens.tokens.iter().any(comment) {
        return Err(bad("contains a comment"));
    }
    Ok(())
}

/// The single statement of `sql`, parsed.
fn single_statement(sql: &str, bad: &dyn Fn(&str) -> ActionError) -> Result<NodeEnum, ActionError> {
    if sql.contains('\0') {
        return Err(bad("contains a NUL byte"));
    }
    let parsed = pg_query::parse(sql).map_err(|e| bad(&format!("is not valid SQL: {e}")))?;
    let stmts = &parsed.protobuf.stmts;
    match stmts.as_slice() {
        [one] => one
            .stmt
            .as_ref()
            .and_then(|n| n.node.clone())
            .ok_or_else(|| bad("holds no statement")),
        _ => Err(bad("is not exactly one statement")),
    }
}

/// Checks that `text` is exactly one type name, for `scalar-type::sql`.
pub fn type_name(text: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("type {text:?} {why}"));
    refuse_comments(text, &bad)?;
    // The probe must be exactly `SELECT NULL::<type>`: one target, no alias,
    // a cast of the NULL constant and nothing around it.
    let NodeEnum::SelectStmt(select) = single_statement(&format!("SELECT NULL::{text}"), &bad)? else {
        return Err(bad("is not a single type name"));
    };
    let plain = select.from_clause.is_empty()
        && select.where_clause.is_none()
        && select.larg.is_none()
        && select.into_clause.is_none()
        && select.sort_clause.is_empty()
        && select.limit_count.is_none();
    let cast_of_null = match select.target_list.as_slice() {
        [target] => match target.node.as_ref() {
            Some(NodeEnum::ResTarget(res)) if res.name.is_empty() => {
                match res.val.as_ref().and_then(|v| v.node.as_ref()) {
                    Some(NodeEnum::TypeCast(cast)) => matches!(
                        cast.arg.as_ref().and_then(|a| a.node.as_ref()),
                        Some(NodeEnum::AConst(constant)) if constant.isnull
                    ),
                    _ => false,
                }
            }
            _ => false,
        },
        _ => false,
    };
    if plain && cast_of_null {
        Ok(())
    } else {
        Err(bad("is not a single type name"))
    }
}

/// Checks that `definition` is exactly one table constraint, for `constraint::sql`.
pub fn table_constraint(definition: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("constraint {definition:?} {why}"));
    refuse_comments(definition, &bad)?;
    match single_statement(&format!("ALTER TABLE t ADD {definition}"), &bad)? {
        NodeEnum::AlterTableStmt(alter) if alter.cmds.len() == 1 => {
            let is_constraint = matches!(
                alter.cmds[0].node.as_ref(),
                Some(NodeEnum::AlterTableCmd(cmd)) if cmd.subtype() == pg_query::protobuf::AlterTableType::AtAddConstraint
            );
            if is_constraint {
                Ok(())
            } else {
                Err(bad("is not a table constraint"))
            }
        }
        _ => Err(bad("is not a single table constraint")),
    }
}

/// Checks that `definition` is one non-concurrent `CREATE INDEX`, for `add-index-sql`.
pub fn index_statement(definition: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("index definition {definition:?} {why}"));
    refuse_comments(definition, &bad)?;
    match single_statement(definition, &bad)? {
        NodeEnum::IndexStmt(index) if index.concurrent => Err(bad(
            "uses CONCURRENTLY, which cannot run inside the migration's transaction",
        )),
        NodeEnum::IndexStmt(_) => Ok(()),
        _ => Err(bad("is not a CREATE INDEX statement")),
    }
}

/// `definition` (checked as [`index_statement`] checks it) built
/// `CONCURRENTLY`: the statement re-printed by Postgres's own deparser with
/// the flag set, so that nothing is spliced into the user's text.
pub fn concurrent_index_statement(definition: &str) -> Result<String, ActionError> {
    index_statement(definition)?;
    let bad = |why: &str| ActionError::InvalidArgument(format!("index definition {definition:?} {why}"));
    let mut parsed = pg_query::parse(definition).map_err(|e| bad(&format!("is not valid SQL: {e}")))?;
    for raw in &mut parsed.protobuf.stmts {
        if let Some(NodeEnum::IndexStmt(index)) = raw.stmt.as_mut().and_then(|n| n.node.as_mut()) {
            index.concurrent = true;
        }
    }
    parsed
        .deparse()
        .map_err(|e| bad(&format!("cannot be re-printed CONCURRENTLY: {e}")))
}

/// Checks that `key` is only a partition key (`RANGE (logdate)`), for
/// `table-options.partition-by`.
pub fn partition_key(key: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("partition key {key:?} {why}"));
    refuse_comments(key, &bad)?;
    match single_statement(&format!("CREATE TABLE t () PARTITION BY {key}"), &bad)? {
        NodeEnum::CreateStmt(create)
            if create.partspec.is_some() && create.options.is_empty() && create.tablespacename.is_empty() =>
        {
            Ok(())
        }
        _ => Err(bad("is not a partition key")),
    }
}

/// Checks that `bound` is only a partition bound (`FOR VALUES ...` or
/// `DEFAULT`), for `attach-partition` and `table-options.partition-of`.
pub fn partition_bound(bound: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("partition bound {bound:?} {why}"));
    refuse_comments(bound, &bad)?;
    match single_statement(&format!("ALTER TABLE t ATTACH PARTITION p {bound}"), &bad)? {
        NodeEnum::AlterTableStmt(alter) if alter.cmds.len() == 1 => Ok(()),
        _ => Err(bad("is not a partition bound")),
    }
}

/// Checks that `query` is exactly one query, for `create-view`.
pub fn view_query(query: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("view query {query:?} {why}"));
    match single_statement(query.trim_end().trim_end_matches(';'), &bad)? {
        NodeEnum::SelectStmt(select) if select.into_clause.is_none() && select.locking_clause.is_empty() => Ok(()),
        _ => Err(bad("is not a single SELECT")),
    }
}

/// Checks that `definition` is one `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
pub fn function_statement(definition: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("function definition {why}"));
    match single_statement(definition.trim_end().trim_end_matches(';'), &bad)? {
        NodeEnum::CreateFunctionStmt(_) => Ok(()),
        _ => Err(bad("is not a CREATE FUNCTION or CREATE PROCEDURE statement")),
    }
}

/// Checks that `arguments` is only an argument list, for `drop-function`.
pub fn function_arguments(arguments: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("function arguments {arguments:?} {why}"));
    refuse_comments(arguments, &bad)?;
    match single_statement(&format!("DROP FUNCTION f({arguments})"), &bad)? {
        NodeEnum::DropStmt(drop) if drop.objects.len() == 1 && !arguments.contains(')') => Ok(()),
        _ => Err(bad("is not an argument list")),
    }
}

/// Checks that `definition` is one `CREATE DOMAIN`, `CREATE TYPE ... AS
/// (...)` or `CREATE TYPE ... AS RANGE (...)`, for `create-type`.
pub fn type_statement(definition: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("type definition {definition:?} {why}"));
    refuse_comments(definition, &bad)?;
    match single_statement(definition.trim_end().trim_end_matches(';'), &bad)? {
        NodeEnum::CreateDomainStmt(_) | NodeEnum::CompositeTypeStmt(_) | NodeEnum::CreateRangeStmt(_) => Ok(()),
        _ => Err(bad(
            "is not a CREATE DOMAIN, CREATE TYPE ... AS (...) or CREATE TYPE ... AS RANGE statement",
        )),
    }
}

/// The type a `create-type` definition declares (`None`: the text is not one).
pub fn type_name_of(definition: &str) -> Option<QualifiedName> {
    let bad = |why: &str| ActionError::InvalidArgument(why.to_owned());
    let names = |nodes: &[pg_query::protobuf::Node]| -> Vec<String> {
        nodes
            .iter()
            .filter_map(|n| match n.node.as_ref() {
                Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                _ => None,
            })
            .collect()
    };
    let parts = match single_statement(definition.trim_end().trim_end_matches(';'), &bad).ok()? {
        NodeEnum::CreateDomainStmt(d) => names(&d.domainname),
        NodeEnum::CreateRangeStmt(r) => names(&r.type_name),
        NodeEnum::CompositeTypeStmt(c) => {
            let r = c.typevar?;
            vec![r.schemaname, r.relname]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect()
        }
        _ => return None,
    };
    match &parts[..] {
        [name] => Some(QualifiedName::unqualified(name)),
        [.., schema, name] => Some(QualifiedName::qualified(schema, name)),
        [] => None,
    }
}

/// Checks that `definition` is one `CREATE TRIGGER`.
pub fn trigger_statement(definition: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("trigger definition {definition:?} {why}"));
    refuse_comments(definition, &bad)?;
    match single_statement(definition.trim_end().trim_end_matches(';'), &bad)? {
        NodeEnum::CreateTrigStmt(_) => Ok(()),
        _ => Err(bad("is not a CREATE TRIGGER statement")),
    }
}

/// The function a `CREATE FUNCTION` statement declares, for messages.
pub fn function_name(definition: &str) -> Option<String> {
    let bad = |why: &str| ActionError::InvalidArgument(why.to_owned());
    match single_statement(definition.trim_end().trim_end_matches(';'), &bad).ok()? {
        NodeEnum::CreateFunctionStmt(f) => Some(
            f.funcname
                .iter()
                .filter_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("."),
        ),
        _ => None,
    }
}

/// The schema a `CREATE FUNCTION` statement puts its function in (`None`:
/// unqualified).
pub fn function_schema(definition: &str) -> Option<String> {
    let name = function_name(definition)?;
    name.rsplit_once('.')
        .map(|(schema, _)| schema.rsplit('.').next().unwrap_or(schema).to_owned())
}

/// The schema of the table a `CREATE TRIGGER` statement is on (`None`: unqualified).
pub fn trigger_table_schema(definition: &str) -> Option<String> {
    trigger_table(definition)?.schema
}

/// The table a `CREATE TRIGGER` statement is on (`None`: the text is not one).
pub fn trigger_table(definition: &str) -> Option<QualifiedName> {
    let bad = |why: &str| ActionError::InvalidArgument(why.to_owned());
    match single_statement(definition.trim_end().trim_end_matches(';'), &bad).ok()? {
        NodeEnum::CreateTrigStmt(t) => t.relation.map(|r| QualifiedName {
            schema: Some(r.schemaname).filter(|schema| !schema.is_empty()),
            name: r.relname,
        }),
        _ => None,
    }
}

/// The trigger a `CREATE TRIGGER` statement declares, for messages.
pub fn trigger_name(definition: &str) -> Option<String> {
    let bad = |why: &str| ActionError::InvalidArgument(why.to_owned());
    match single_statement(definition.trim_end().trim_end_matches(';'), &bad).ok()? {
        NodeEnum::CreateTrigStmt(t) => Some(t.trigname),
        _ => None,
    }
}

/// The index name a `CREATE INDEX` statement declares, for messages.
pub fn index_name(definition: &str) -> Option<String> {
    let bad = |why: &str| ActionError::InvalidArgument(why.to_owned());
    match single_statement(definition, &bad).ok()? {
        NodeEnum::IndexStmt(index) => Some(index.idxname),
        _ => None,
    }
}

/// The table and key columns of a unique index written as SQL, when its
/// duplicates can be counted as `add-index`'s are: plain columns (no
/// expression, operator class or collation), no predicate, NULLs distinct.
pub fn unique_index_columns(definition: &str) -> Option<(QualifiedName, Vec<String>)> {
    let bad = |why: &str| ActionError::InvalidArgument(why.to_owned());
    let NodeEnum::IndexStmt(index) = single_statement(definition.trim_end().trim_end_matches(';'), &bad).ok()? else {
        return None;
    };
    if !index.unique || index.where_clause.is_some() || index.nulls_not_distinct {
        return None;
    }
    let columns = index
        .index_params
        .iter()
        .map(|param| match param.node.as_ref() {
            Some(NodeEnum::IndexElem(e))
                if !e.name.is_empty() && e.expr.is_none() && e.collation.is_empty() && e.opclass.is_empty() =>
            {
                Some(e.name.clone())
            }
            _ => None,
        })
        .collect::<Option<Vec<String>>>()?;
    let relation = index.relation?;
    Some((
        QualifiedName {
            schema: Some(relation.schemaname).filter(|schema| !schema.is_empty()),
            name: relation.relname,
        },
        columns,
    ))
}

/// Checks a statement sent through `execute` or `query`: exactly one
/// statement, no transaction control, no session-wide `SET`.
pub fn raw_statement(sql: &str) -> Result<(), ActionError> {
    parse_raw(sql).map(drop)
}

/// [`raw_statement`]'s checks, returning the parse for further ones.
fn parse_raw(sql: &str) -> Result<pg_query::ParseResult, ActionError> {
    let refuse = |why: String| ActionError::Refused(why);
    if sql.contains('\0') {
        return Err(refuse("the statement contains a NUL byte".into()));
    }
    let parsed = pg_query::parse(sql).map_err(|e| ActionError::InvalidArgument(format!("SQL syntax error: {e}")))?;
    let stmts = &parsed.protobuf.stmts;
    match stmts.len() {
        0 => {
            return Err(ActionError::InvalidArgument("the SQL text holds no statement".into()));
        }
        1 => {}
        n => {
            return Err(refuse(format!(
                "the SQL text holds {n} statements; send one statement per call"
            )));
        }
    }
    let node = stmts[0].stmt.as_ref().and_then(|n| n.node.as_ref());
    match node {
        Some(NodeEnum::TransactionStmt(_)) => Err(refuse(
            "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...) is the host's: \
             each migration runs in one transaction that the host commits or rolls back"
                .into(),
        )),
        Some(NodeEnum::VariableSetStmt(set)) if !set.is_local => Err(refuse(
            "a session-wide SET would outlive the migration; use SET LOCAL".into(),
        )),
        // COPY switches the connection into a copy sub-protocol the host
        // does not speak (and FROM PROGRAM reaches the server's OS).
        Some(NodeEnum::CopyStmt(_)) => Err(refuse(
            "COPY is not available to migrations; use INSERT ... SELECT or batched INSERTs".into(),
        )),
        // These would drop the host's prepared statements or session state.
        Some(NodeEnum::DeallocateStmt(_) | NodeEnum::DiscardStmt(_)) => {
            Err(refuse("DEALLOCATE and DISCARD act on the host's session".into()))
        }
        _ => Ok(()),
    }?;
    Ok(parsed)
}

/// The table a `CREATE INDEX` statement indexes (`None`: the text is not one).
pub fn index_table(definition: &str) -> Option<QualifiedName> {
    let bad = |why: &str| ActionError::InvalidArgument(why.to_owned());
    match single_statement(definition.trim_end().trim_end_matches(';'), &bad).ok()? {
        NodeEnum::IndexStmt(index) => index.relation.map(|r| QualifiedName {
            schema: Some(r.schemaname).filter(|schema| !schema.is_empty()),
            name: r.relname,
        }),
        _ => None,
    }
}

/// What a sandboxed source's raw statement would change, for its grant.
#[derive(Debug, Default, PartialEq)]
pub struct SandboxedSql {
    /// The schema of each relation it writes or changes (`None`: unqualified).
    pub targets: Vec<Option<String>>,
    /// It drops or truncates something, or drops a column: it needs the
    /// `drop` grant.
    pub drops: bool,
    /// What it drops holds data ([`Removed::loses_data`], as for the
    /// actions that drop the same): it needs the acknowledgement too.
    pub loses_data: bool,
    /// What its function calls need from the grant.
    pub calls: Calls,
}

impl SandboxedSql {
    fn removes(&mut self, removed: Removed) {
        self.drops = true;
        self.loses_data |= removed.loses_data();
    }
}

/// Built-ins that act outside the value they compute, refused wherever the
/// token stream shows a call of them, even where the parse tree would not
/// (a second net under [`tree_calls`]).
fn acts_outside(name: &str) -> bool {
    name.starts_with("pg_")
        || name.starts_with("dblink")
        || name.starts_with("lo_")
        || name.ends_with("_to_xml")
        || name.ends_with("_to_xmlschema")
        || name.ends_with("_to_xml_and_xmlschema")
        || matches!(
            name,
            "set_config" | "current_setting" | "lastval" | "loread" | "lowrite"
        )
}

/// Checks raw SQL from a sandboxed source, on top of [`raw_statement`]:
/// only queries, data changes and plain DDL on tables, indexes, views and
/// sequences; no `SET`/`RESET`, `DO`, `CASCADE`, `set_config` call, or
/// statement on a `pg_` relation; `ALTER TABLE` only for columns,
/// defaults, NOT NULL and constraints. Says what it writes, for the
/// schema check, and whether it loses data, for the `drop` grant.
pub fn sandboxed_statement(sql: &str) -> Result<SandboxedSql, ActionError> {
    let parsed = parse_raw(sql)?;
    let refuse = |why: &str| ActionError::NotPermitted(format!("a sandboxed migration may not {why}"));
    if calls_set_config(&parsed) || function_calls(sql).iter().any(|(_, name)| name == "set_config") {
        return Err(refuse("call set_config (it can change the session's role)"));
    }
    let cascade = |behavior: i32| behavior == pg_query::protobuf::DropBehavior::DropCascade as i32;
    let range =
        |r: &Option<pg_query::protobuf::RangeVar>| r.as_ref().map(|r| (r.schemaname.clone(), r.relname.clone()));
    let mut facts = SandboxedSql {
        calls: tree_calls(&parsed, Context::Raw, "statement")?,
        ..SandboxedSql::default()
    };
    if let Some((_, name)) = function_calls(sql)
        .into_iter()
        .find(|(qualifier, name)| matches!(qualifier.as_deref(), None | Some("pg_catalog")) && acts_outside(name))
    {
        return Err(refuse(&format!(
            "call {name} (only built-ins that compute a value: nothing that runs SQL text, changes settings, \
             signals, waits, reads files or touches large objects)"
        )));
    }
    let mut relations: Vec<(String, String)> = Vec::new();
    // Writes anywhere in the statement (`WITH d AS (DELETE ...) SELECT`)
    // count like the statement's own.
    relations.extend(nested_writes(&parsed));
    let statement = parsed.protobuf.stmts[0].stmt.as_ref().and_then(|n| n.node.as_ref());
    match statement {
        Some(NodeEnum::SelectStmt(select)) => {
            if let Some(into) = &select.into_clause {
                relations.extend(range(&into.rel));
            }
        }
        Some(NodeEnum::InsertStmt(s)) => relations.extend(range(&s.relation)),
        Some(NodeEnum::UpdateStmt(s)) => relations.extend(range(&s.relation)),
        Some(NodeEnum::DeleteStmt(s)) => relations.extend(range(&s.relation)),
        Some(NodeEnum::MergeStmt(s)) => relations.extend(range(&s.relation)),
        Some(NodeEnum::CreateStmt(s)) => relations.extend(range(&s.relation)),
        Some(NodeEnum::CreateTableAsStmt(s)) => relations.extend(s.into.as_ref().and_then(|i| range(&i.rel))),
        Some(NodeEnum::IndexStmt(s)) => relations.extend(range(&s.relation)),
        Some(NodeEnum::ViewStmt(s)) => relations.extend(range(&s.view)),
        Some(NodeEnum::CreateSeqStmt(s)) => relations.extend(range(&s.sequence)),
        Some(NodeEnum::AlterTableStmt(s)) => {
            use pg_query::protobuf::AlterTableType as T;
            relations.extend(range(&s.relation));
            for cmd in &s.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                    return Err(refuse("run this ALTER TABLE"));
                };
                if cascade(cmd.behavior) {
                    return Err(refuse("use CASCADE (it reaches objects of other schemas and sources)"));
                }
                match cmd.subtype() {
                    T::AtDropColumn => facts.removes(Removed::Column),
                    T::AtAddColumn
                    | T::AtColumnDefault
                    | T::AtDropNotNull
                    | T::AtSetNotNull
                    | T::AtAlterColumnType
                    | T::AtAddConstraint
                    | T::AtDropConstraint
                    | T::AtValidateConstraint => {}
                    _ => {
                        return Err(refuse(
                            "use this ALTER TABLE command through execute (allowed: columns, defaults, NOT NULL, \
                             constraints); row-level security, triggers, owners and the rest need their actions",
                        ));
                    }
                }
            }
        }
        Some(NodeEnum::TruncateStmt(s)) => {
            if cascade(s.behavior) {
                return Err(refuse("use CASCADE (it reaches objects of other schemas and sources)"));
            }
            facts.removes(Removed::Rows);
            for relation in &s.relations {
                if let Some(NodeEnum::RangeVar(r)) = relation.node.as_ref() {
                    relations.push((r.schemaname.clone(), r.relname.clone()));
                }
            }
        }
        Some(NodeEnum::DropStmt(s)) => {
            use pg_query::protobuf::ObjectType as O;
            if cascade(s.behavior) {
                return Err(refuse("use CASCADE (it reaches objects of other schemas and sources)"));
            }
            let removed = match s.remove_type() {
                O::ObjectTable => Removed::Table,
                O::ObjectView | O::ObjectMatview => Removed::View,
                O::ObjectIndex => Removed::Index,
                O::ObjectSequence => Removed::Sequence,
                _ => {
                    return Err(refuse(
                        "drop this kind of object through execute (allowed: tables, views, indexes, sequences)",
                    ));
                }
            };
            facts.removes(removed);
            for object in &s.objects {
                let Some(NodeEnum::List(list)) = object.node.as_ref() else {
                    return Err(refuse("drop this object"));
                };
                let names: Vec<String> = list
                    .items
                    .iter()
                    .filter_map(|n| match n.node.as_ref() {
                        Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                        _ => None,
                    })
                    .collect();
                match names.as_slice() {
                    [name] => relations.push((String::new(), name.clone())),
                    [schema, name] => relations.push((schema.clone(), name.clone())),
                    _ => return Err(refuse("drop an object named across databases")),
                }
            }
        }
        Some(NodeEnum::VariableSetStmt(_)) => return Err(refuse("change session settings or its role (SET, RESET)")),
        Some(NodeEnum::DoStmt(_)) => return Err(refuse("run a DO block")),
        _ => {
            return Err(refuse(
                "run this kind of statement through execute/query (allowed: SELECT, INSERT, UPDATE, DELETE, MERGE, \
                 TRUNCATE, CREATE TABLE/INDEX/VIEW/SEQUENCE, ALTER TABLE for columns and constraints, DROP of \
                 tables, views, indexes and sequences)",
            ));
        }
    }
    for (schema, name) in relations {
        // Unqualified `pg_` names resolve to the catalog first (pg_settings, say).
        let catalog = schema == "pg_catalog" || schema == "information_schema" || schema.starts_with("pg_");
        if catalog || (schema.is_empty() && name.starts_with("pg_")) {
            return Err(refuse(&format!("change the system catalog ({name})")));
        }
        facts.targets.push((!schema.is_empty()).then_some(schema));
    }
    Ok(facts)
}

/// Whether a parsed statement calls `set_config` anywhere (which can switch
/// the session's role back to the connecting one).
fn calls_set_config(parsed: &pg_query::ParseResult) -> bool {
    parsed.protobuf.nodes().iter().any(|(node, ..)| match node {
        pg_query::NodeRef::FuncCall(call) => call.funcname.iter().any(
            |part| matches!(part.node.as_ref(), Some(NodeEnum::String(s)) if s.sval.eq_ignore_ascii_case("set_config")),
        ),
        _ => false,
    })
}

/// Functions a sandboxed source's stored expressions (defaults, checks,
/// generated columns, policies, `USING` casts, predicates, partition bounds,
/// view queries) may call. Those expressions run later as whoever writes or
/// reads the table (the app, a trusted migration), so only built-ins that
/// compute a value from their arguments are allowed: nothing that reads
/// files, tables or session state (`current_setting`), runs SQL text,
/// changes settings, waits or signals. `nextval` is allowed on a sequence of
/// the source's own schemas (see [`SEQUENCE_FUNCTIONS`]).
const EXPRESSION_FUNCTIONS: &[&str] = &[
    "abs",
    "age",
    "array_append",
    "array_cat",
    "array_dims",
    "array_length",
    "array_lower",
    "array_position",
    "array_remove",
    "array_to_string",
    "array_upper",
    "btrim",
    "cardinality",
    "ceil",
    "ceiling",
    "char_length",
    "character_length",
    "clock_timestamp",
    "concat",
    "concat_ws",
    "current_date",
    "date_part",
    "date_trunc",
    "daterange",
    "decode",
    "encode",
    "extract",
    "floor",
    "format",
    "gen_random_uuid",
    "generate_series",
    "greatest",
    "initcap",
    "int4range",
    "int8range",
    "is_normalized",
    "isempty",
    "isfinite",
    "json_array_elements",
    "json_build_array",
    "json_build_object",
    "json_each",
    "json_typeof",
    "jsonb_array_elements",
    "jsonb_array_elements_text",
    "jsonb_array_length",
    "jsonb_build_array",
    "jsonb_build_object",
    "jsonb_each",
    "jsonb_each_text",
    "jsonb_extract_path",
    "jsonb_extract_path_text",
    "jsonb_object_keys",
    "jsonb_populate_record",
    "jsonb_populate_recordset",
    "jsonb_set",
    "jsonb_strip_nulls",
    "jsonb_to_record",
    "jsonb_to_recordset",
    "jsonb_typeof",
    "least",
    "left",
    "length",
    "localtimestamp",
    "lower",
    "lower_inf",
    "lpad",
    "ltrim",
    "make_date",
    "make_interval",
    "md5",
    "mod",
    "normalize",
    "now",
    "numrange",
    "octet_length",
    "overlay",
    "phraseto_tsquery",
    "plainto_tsquery",
    "position",
    "power",
    "random",
    "regexp_like",
    "regexp_matches",
    "regexp_replace",
    "regexp_split_to_table",
    "replace",
    "right",
    "round",
    "row_to_json",
    "rpad",
    "rtrim",
    "setweight",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sign",
    "similar_to_escape",
    "split_part",
    "sqrt",
    "starts_with",
    "statement_timestamp",
    "string_to_array",
    "strpos",
    "substr",
    "substring",
    "timezone",
    "to_char",
    "to_date",
    "to_json",
    "to_jsonb",
    "to_number",
    "to_timestamp",
    "to_tsquery",
    "to_tsvector",
    "transaction_timestamp",
    "translate",
    "trim",
    "trunc",
    "ts_rank",
    "ts_rank_cd",
    "tsrange",
    "tstzrange",
    "unnest",
    "upper",
    "upper_inf",
    "websearch_to_tsquery",
];

/// Aggregates and window functions a sandboxed source's queries may also
/// call (`execute`/`query`): they compute over the rows read.
const QUERY_FUNCTIONS: &[&str] = &[
    "array_agg",
    "avg",
    "bool_and",
    "bool_or",
    "count",
    "cume_dist",
    "dense_rank",
    "every",
    "first_value",
    "json_agg",
    "json_object_agg",
    "jsonb_agg",
    "jsonb_object_agg",
    "lag",
    "last_value",
    "lead",
    "max",
    "min",
    "mode",
    "nth_value",
    "ntile",
    "percent_rank",
    "percentile_cont",
    "percentile_disc",
    "rank",
    "row_number",
    "string_agg",
    "sum",
];

/// Functions that act on a sequence named by their first argument: allowed
/// only on a constant naming a sequence of the source's own schemas (in a
/// stored expression, `nextval` only: the others read or set session state).
const SEQUENCE_FUNCTIONS: &[&str] = &["nextval", "currval", "setval"];

/// Whether a stored expression of a sandboxed source may call the built-in
/// `name` (for the catalog read-back, which sees every call by OID; there
/// `nextval`'s sequence is checked by its recorded dependency).
pub fn stored_function_allowed(name: &str) -> bool {
    EXPRESSION_FUNCTIONS.contains(&name) || name == "nextval"
}

/// What the calls in a sandboxed source's SQL need from its grant.
#[derive(Debug, Default, PartialEq)]
pub struct Calls {
    /// The schema of each sequence a sequence function names (`None`:
    /// unqualified).
    pub sequences: Vec<Option<String>>,
    /// The schema of each function called by a qualified name outside
    /// `pg_catalog` (its own code: needs the `functions` grant and the schema).
    pub functions: Vec<String>,
}

/// Where a call is: decides which lists apply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Stored in the schema, run later by others.
    Stored,
    /// A view's query: stored, and may aggregate.
    View,
    /// Run now by the migration (`execute`/`query`).
    Raw,
}

/// Judges one call `qualifier.name(...)`; `sequence` is the constant its
/// first argument names, if it is one (`None`: not a constant).
fn judge_call(
    qualifier: Option<&str>,
    name: &str,
    sequence: Option<Option<String>>,
    context: Context,
    what: &str,
    calls: &mut Calls,
) -> Result<(), ActionError> {
    let refuse = |why: String| {
        Err(ActionError::NotPermitted(match context {
            Context::Stored | Context::View => format!(
                "a sandboxed migration's {what} may call only built-in functions that compute a value (it runs \
                 later as whoever uses the object); {why}"
            ),
            Context::Raw => format!(
                "a sandboxed migration's SQL may call only built-in functions that compute a value (nothing that \
                 runs SQL text, changes settings, signals, waits, reads files or touches large objects); {why}"
            ),
        }))
    };
    match qualifier {
        None | Some("pg_catalog") => {}
        Some(schema) => {
            calls.functions.push(schema.to_owned());
            return Ok(());
        }
    }
    let full = qualifier.map_or(name.to_owned(), |q| format!("{q}.{name}"));
    if SEQUENCE_FUNCTIONS.contains(&name) {
        if context != Context::Raw && name != "nextval" {
            return refuse(format!("{full} reads or sets the session's sequence state"));
        }
        return match sequence {
            Some(schema) => {
                calls.sequences.push(schema);
                Ok(())
            }
            None => refuse(format!(
                "{full} must name its sequence as a constant ('schema.sequence') so that its schema can be checked"
            )),
        };
    }
    let listed =
        EXPRESSION_FUNCTIONS.contains(&name) || (context != Context::Stored && QUERY_FUNCTIONS.contains(&name));
    if listed {
        Ok(())
    } else {
        refuse(format!("{full} is not one of them"))
    }
}

/// The schema part of a sequence name given as text (`'auth.seq'`,
/// `'"Auth".seq'`), as Postgres reads it: `Some(None)` when unqualified,
/// `None` when it is not a name.
fn sequence_schema(text: &str) -> Option<Option<String>> {
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                part.extend(c.to_lowercase());
                chars.next();
            }
        }
        if part.is_empty() {
            return None;
        }
        parts.push(part);
        match chars.next() {
            None => break,
            Some('.') => continue,
            Some(_) => return None,
        }
    }
    match parts.as_slice() {
        [_] => Some(None),
        [schema, _] => Some(Some(schema.clone())),
        _ => None,
    }
}

/// For a sandboxed source: checks that a stored expression calls only
/// [`EXPRESSION_FUNCTIONS`] (qualified, if at all, with `pg_catalog`),
/// `nextval` of a named sequence, or functions of a schema (which the grant
/// then checks).
pub fn sandboxed_expression(text: &str, what: &str) -> Result<Calls, ActionError> {
    let mut calls = Calls::default();
    for (qualifier, name, sequence) in function_calls_with_argument(text) {
        judge_call(qualifier.as_deref(), &name, sequence, Context::Stored, what, &mut calls)?;
    }
    Ok(calls)
}

/// For a sandboxed source: the calls of a stored statement (a view's query,
/// an index definition, a table constraint), read from its parse tree, held
/// to the same list as stored expressions; and no read of `pg_settings`.
pub fn sandboxed_stored_statement(sql: &str, what: &str, query: bool) -> Result<Calls, ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("{what} {why}"));
    let parsed = pg_query::parse(sql).map_err(|e| bad(&format!("is not valid SQL: {e}")))?;
    tree_calls(&parsed, if query { Context::View } else { Context::Stored }, what)
}

/// Every call in a parse tree, judged; and no relation with rules that run
/// code on the migration's behalf (`pg_settings`). The tree is walked as a
/// whole (its serde form), so no node kind that the parser's own partial
/// walker skips (a column's default, a constraint's expression) hides one.
fn tree_calls(parsed: &pg_query::ParseResult, context: Context, what: &str) -> Result<Calls, ActionError> {
    let mut calls = Calls::default();
    let tree = serde_json::to_value(&parsed.protobuf)
        .map_err(|e| ActionError::InvalidArgument(format!("a sandboxed migration's {what} could not be read: {e}")))?;
    let mut found = Vec::new();
    let mut settings = false;
    let mut operators = Vec::new();
    walk(&tree, &mut |key, value| match key {
        // A node of the tree, or `CALL`'s own field.
        "FuncCall" | "funccall" => found.push(value),
        "AExpr" => operators.push(value),
        _ if value.get("relname").and_then(|r| r.as_str()) == Some("pg_settings") => {
            let schema = value.get("schemaname").and_then(|s| s.as_str()).unwrap_or_default();
            settings |= schema.is_empty() || schema == "pg_catalog";
        }
        _ => {}
    });
    if settings {
        return Err(ActionError::NotPermitted(format!(
            "a sandboxed migration's {what} may not use pg_settings (writing it changes the session's settings)"
        )));
    }
    // An operator runs its function: one named in another schema
    // (`OPERATOR(public.===)`) counts as a call of that schema's code.
    for operator in operators {
        let names: Vec<&str> = operator
            .get("name")
            .and_then(|n| n.as_array())
            .into_iter()
            .flatten()
            .filter_map(|n| n.pointer("/node/String/sval").and_then(|s| s.as_str()))
            .collect();
        if let [schema, _] | [_, schema, _] = names.as_slice()
            && *schema != "pg_catalog"
        {
            calls.functions.push((*schema).to_owned());
        }
    }
    for call in found {
        let strings = |list: Option<&serde_json::Value>| -> Vec<String> {
            list.and_then(|l| l.as_array())
                .into_iter()
                .flatten()
                .filter_map(|n| {
                    n.pointer("/node/String/sval")
                        .and_then(|s| s.as_str())
                        .map(str::to_owned)
                })
                .collect()
        };
        let names = strings(call.get("funcname"));
        let (qualifier, name) = match names.as_slice() {
            [name] => (None, name.clone()),
            [schema, name] | [_, schema, name] => (Some(schema.clone()), name.clone()),
            _ => {
                return Err(ActionError::NotPermitted(format!(
                    "a sandboxed migration's {what} calls a function by an unreadable name"
                )));
            }
        };
        let first = call.get("args").and_then(|a| a.get(0));
        let sequence = first.and_then(constant_text).and_then(|t| sequence_schema(&t));
        judge_call(qualifier.as_deref(), &name, sequence, context, what, &mut calls)?;
    }
    Ok(calls)
}

/// Calls `visit(key, value)` for every object-valued field and list item
/// (key `""`) of a JSON tree, depth first.
fn walk<'a>(value: &'a serde_json::Value, visit: &mut dyn FnMut(&str, &'a serde_json::Value)) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, field) in fields {
                if field.is_object() {
                    visit(key, field);
                }
                walk(field, visit);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                if item.is_object() {
                    visit("", item);
                }
                walk(item, visit);
            }
        }
        _ => {}
    }
}

/// The text of a string constant node, also cast (`'auth.seq'::regclass`).
fn constant_text(node: &serde_json::Value) -> Option<String> {
    let node = node.get("node")?;
    if let Some(text) = node.pointer("/AConst/val/Sval/sval") {
        return text.as_str().map(str::to_owned);
    }
    constant_text(node.pointer("/TypeCast/arg")?)
}

/// The relations the statement writes anywhere in it (`WITH d AS (DELETE
/// ...) SELECT`), or that its DDL locks (a foreign key's table, a parent),
/// as (schema, name).
fn nested_writes(parsed: &pg_query::ParseResult) -> Vec<(String, String)> {
    let Ok(tree) = serde_json::to_value(&parsed.protobuf) else {
        return Vec::new();
    };
    let mut writes = Vec::new();
    let name = |relation: &serde_json::Value| {
        let field = |f: &str| relation.get(f).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        (field("schemaname"), field("relname"))
    };
    walk(&tree, &mut |key, value| {
        if matches!(key, "InsertStmt" | "UpdateStmt" | "DeleteStmt" | "MergeStmt")
            && let Some(relation) = value.get("relation")
        {
            writes.push(name(relation));
        }
        // DDL locks these before Postgres checks a right on them: a
        // foreign key's table, a partition's or a child's parent.
        if key == "pktable" {
            writes.push(name(value));
        }
        if key == "CreateStmt" {
            for parent in value
                .get("inh_relations")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(relation) = parent.pointer("/node/RangeVar") {
                    writes.push(name(relation));
                }
            }
        }
    });
    writes
}

/// Every function call in SQL text, as (qualifier, name), lowercased: each
/// name (an identifier, or a keyword that can name a function) right before
/// a `(`. Read from the token stream, so no part of the grammar (partition
/// bounds, say) hides one; keywords that are grammar rather than functions
/// (`COALESCE(`, `CAST(`, `NUMERIC(`) do not count.
fn function_calls(text: &str) -> Vec<(Option<String>, String)> {
    function_calls_with_argument(text)
        .into_iter()
        .map(|(qualifier, name, _)| (qualifier, name))
        .collect()
}

/// [`function_calls`], each with the schema of the sequence its first
/// argument names when that argument is a string constant (`nextval('a.s')`,
/// `nextval('a.s'::regclass)`): `Some(None)` for an unqualified one.
fn function_calls_with_argument(text: &str) -> Vec<(Option<String>, String, Option<Option<String>>)> {
    use pg_query::protobuf::{KeywordKind, Token};
    let Ok(scanned) = pg_query::scan(text) else {
        return Vec::new();
    };
    let tokens = &scanned.tokens;
    let word = |i: usize| -> Option<String> {
        let t = tokens.get(i)?;
        let callable = t.token() == Token::Ident
            || matches!(
                t.keyword_kind(),
                KeywordKind::UnreservedKeyword | KeywordKind::TypeFuncNameKeyword
            );
        callable.then(|| {
            let raw = &text[t.start as usize..t.end as usize];
            match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => raw.to_lowercase(),
            }
        })
    };
    let is = |i: usize, token: Token| tokens.get(i).is_some_and(|t| t.token() == token);
    // A string constant right after the `(` at `open`, then `)`, `,` or `::`.
    let constant_argument = |open: usize| -> Option<Option<String>> {
        if !is(open + 1, Token::Sconst) {
            return None;
        }
        if !(is(open + 2, Token::Ascii41) || is(open + 2, Token::Ascii44) || is(open + 2, Token::Typecast)) {
            return None;
        }
        let t = &tokens[open + 1];
        let raw = &text[t.start as usize..t.end as usize];
        let literal = raw.strip_prefix('\'')?.strip_suffix('\'')?.replace("''", "'");
        sequence_schema(&literal)
    };
    let mut calls = Vec::new();
    for i in 0..tokens.len() {
        // A Unicode-escaped identifier (`U&"\0070g_read_file"`, perhaps with
        // `UESCAPE`) hides its name from the token stream: it counts as a
        // call of a function by that undecoded name, which no list allows.
        if is(i, Token::Uident) {
            let t = &tokens[i];
            calls.push((None, text[t.start as usize..t.end as usize].to_owned(), None));
            continue;
        }
        if !is(i + 1, Token::Ascii40) {
            continue;
        }
        let Some(name) = word(i) else { continue };
        let qualifier = if i >= 2 && is(i - 1, Token::Ascii46) {
            word(i - 2)
        } else {
            None
        };
        calls.push((qualifier, name, constant_argument(i + 1)));
    }
    calls
}

/// For a sandboxed source: refuses SQL text spliced into an action (a
/// default, a check, a `USING` cast, a view's query...) that calls
/// `set_config`: Postgres would evaluate it, as the sandbox role, while the
/// migration runs or later, and it could switch the role. `wrap` makes the
/// text a statement (`SELECT ({})` for an expression).
pub fn sandboxed_text(text: &str, wrap: &str, what: &str) -> Result<(), ActionError> {
    let statement = wrap.replace("{}", text);
    let parsed_calls = pg_query::parse(&statement).is_ok_and(|parsed| calls_set_config(&parsed));
    if parsed_calls || function_calls(text).iter().any(|(_, name)| name == "set_config") {
        return Err(ActionError::NotPermitted(format!(
            "a sandboxed migration may not call set_config (in {what})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_expressions() {
        for e in [
            "now()",
            "0",
            "'draft'",
            "price > 0",
            "lower(name) = name",
            "a IS NOT NULL AND (b < 3)",
            "gen_random_uuid()",
            "'{}'::jsonb",
            "CASE WHEN x THEN 1 ELSE 2 END",
            "(SELECT 1)",
        ] {
            expression(e, "default").unwrap_or_else(|err| panic!("{e}: {err}"));
        }
    }

    #[test]
    fn rejects_anything_that_escapes_the_expression() {
        for e in [
            "",
            "  ",
            "now()); DROP TABLE users; --",
            "1) FROM pg_sleep(10",
            "1 --",
            "1); COMMIT; SELECT (1",
            "1) UNION SELECT (2",
            "1 /* x */",
            "1 -- x",
            "1 FROM users",
            "1) INTO t FROM (SELECT 1",
        ] {
            assert!(expression(e, "default").is_err(), "{e:?} was accepted");
        }
    }

    #[test]
    fn checks_types_constraints_and_index_statements() {
        type_name("interval day to second").unwrap();
        type_name("character varying(40)[]").unwrap();
        assert!(type_name("int; DROP TABLE x").is_err());
        assert!(type_name("int FROM pg_sleep(1)").is_err());
        assert!(type_name("int -- x").is_err());
        assert!(type_name("int + 1").is_err());
        assert!(type_name("int AS x").is_err());
        assert!(type_name("int, 2").is_err());
        table_constraint("EXCLUDE USING gist (c WITH &&)").unwrap();
        table_constraint("FOREIGN KEY (a) REFERENCES b(c) DEFERRABLE INITIALLY DEFERRED").unwrap();
        assert!(table_constraint("CHECK (true); DROP TABLE x").is_err());
        assert!(table_constraint("COLUMN x int").is_err());
        index_statement("CREATE UNIQUE INDEX i ON public.t USING btree (lower(a)) INCLUDE (b)").unwrap();
        assert!(index_statement("CREATE INDEX CONCURRENTLY i ON t (a)").is_err());
        assert!(index_statement("DROP TABLE t").is_err());
        assert!(index_statement("CREATE INDEX i ON t (a); DROP TABLE t").is_err());
        assert_eq!(index_name("CREATE INDEX i ON t (a)").as_deref(), Some("i"));
    }

    #[test]
    fn refuses_transaction_control_and_session_state() {
        for sql in [
            "COMMIT",
            "rollback",
            "BEGIN",
            "START TRANSACTION",
            "SAVEPOINT a",
            "RELEASE SAVEPOINT a",
            "ROLLBACK TO SAVEPOINT a",
            "PREPARE TRANSACTION 'x'",
            "COMMIT PREPARED 'x'",
            "END",
            "ABORT",
            "/* hi */ COMMIT",
            "COPY t FROM STDIN",
            "COPY t TO PROGRAM 'sh'",
            "DEALLOCATE ALL",
            "DISCARD ALL",
            "SET search_path = x",
            "SET statement_timeout = 0",
            "RESET ROLE",
        ] {
            // RESET parses as a VariableSetStmt too (kind VAR_RESET, not local).
            assert!(
                matches!(raw_statement(sql), Err(ActionError::Refused(_))),
                "{sql:?} was accepted"
            );
        }
        assert!(matches!(
            raw_statement("INSERT INTO t VALUES (1); COMMIT"),
            Err(ActionError::Refused(_))
        ));
    }

    #[test]
    fn allows_ordinary_statements() {
        for sql in [
            "SELECT 'COMMIT'",
            "UPDATE t SET a = $1 WHERE id = $2",
            "SET LOCAL lock_timeout = '1s'",
            "INSERT INTO t (a) VALUES ($1) RETURNING id",
            "DO $$ BEGIN PERFORM 1; END $$",
        ] {
            raw_statement(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        assert!(matches!(raw_statement("SELEC 1"), Err(ActionError::InvalidArgument(_))));
    }
}
