//! The lint over SQL a migration writes itself: `execute` statements, and
//! the table constraints it passes as text. Parsed with Postgres's own
//! parser (libpg_query), as `actions::guard` does, so a keyword inside a
//! string or a comment never counts.

use super::rules::Code;
use crate::actions::facts::HazardFact;
use crate::model::QualifiedName;
use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, DropBehavior, ObjectType, Token};

/// What one statement does, as far as the lint cares.
#[derive(Debug, Default, PartialEq)]
pub struct Analysis {
    pub hazards: Vec<HazardFact>,
    /// Tables, indexes and types it creates: later steps on them are on
    /// something new.
    pub creates: Vec<QualifiedName>,
    /// Constraints it adds `NOT VALID` (table, constraint).
    pub added_not_valid: Vec<(QualifiedName, String)>,
    /// Constraints it validates (table, constraint).
    pub validates: Vec<(QualifiedName, String)>,
    /// `SET LOCAL lock_timeout`: `Some(false)` when it turns the limit off.
    pub lock_timeout: Option<bool>,
}

/// Functions whose value differs row by row, so that a column added with
/// one as its default is written into every row. The host does not read
/// `pg_proc.provolatile` (a plan or a dry run has no catalog of the final
/// schema): a function not listed is taken as stable, which can miss a
/// volatile user function but never flags a harmless default.
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "gen_random_bytes",
    "uuidv4",
    "uuidv7",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
    "pg_current_xact_id",
];

fn is_volatile_function(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    VOLATILE.contains(&last.as_str())
}

/// Whether a default expression calls a volatile function.
pub fn volatile(expression: &str) -> bool {
    pg_query::parse(&format!("SELECT ({expression})"))
        .map(|parsed| parsed.functions().iter().any(|f| is_volatile_function(f)))
        .unwrap_or(false)
}

/// The rules a table constraint written as SQL (`Constraint::Sql`) triggers.
pub fn table_constraint(definition: &str) -> Vec<Code> {
    constraint_analysis(definition).0
}

/// Whether a table constraint written as SQL is added `NOT VALID`.
pub fn constraint_not_valid(definition: &str) -> bool {
    constraint_analysis(definition).1
}

fn constraint_analysis(definition: &str) -> (Vec<Code>, bool) {
    let Ok(parsed) = pg_query::parse(&format!("ALTER TABLE t ADD {definition}")) else {
        return (Vec::new(), false);
    };
    let constraint = parsed
        .protobuf
        .stmts
        .first()
        .and_then(|raw| raw.stmt.as_ref()?.node.as_ref())
        .and_then(|node| match node {
            NodeEnum::AlterTableStmt(alter) => alter.cmds.first()?.node.as_ref(),
            _ => None,
        })
        .and_then(|cmd| match cmd {
            NodeEnum::AlterTableCmd(cmd) => cmd.def.as_ref()?.node.as_ref(),
            _ => None,
        });
    match constraint {
        Some(NodeEnum::Constraint(c)) => constraint_rules(c),
        _ => (Vec::new(), false),
    }
}

/// A constraint's rules, and whether it is added `NOT VALID`.
fn constraint_rules(c: &pg_query::protobuf::Constraint) -> (Vec<Code>, bool) {
    match c.contype() {
        ConstrType::ConstrPrimary | ConstrType::ConstrUnique if c.indexname.is_empty() => (vec![Code::MH104], false),
        ConstrType::ConstrExclusion => (vec![Code::MH105], false),
        ConstrType::ConstrForeign | ConstrType::ConstrCheck if c.skip_validation => (vec![], true),
        ConstrType::ConstrForeign | ConstrType::ConstrCheck => (vec![Code::MH106], false),
        _ => (vec![], false),
    }
}

fn range_var(r: &pg_query::protobuf::RangeVar) -> QualifiedName {
    QualifiedName {
        schema: Some(r.schemaname.clone()).filter(|s| !s.is_empty()),
        name: r.relname.clone(),
    }
}

/// A dotted name given as a list of `String` nodes (`DROP INDEX a.b`).
fn dotted(node: &pg_query::protobuf::Node) -> Option<QualifiedName> {
    let items = match node.node.as_ref()? {
        NodeEnum::List(list) => &list.items,
        NodeEnum::TypeName(t) => &t.names,
        _ => return None,
    };
    let names: Vec<String> = items
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::String(s) => Some(s.sval.clone()),
            _ => None,
        })
        .collect();
    match names.as_slice() {
        [name] => Some(QualifiedName::unqualified(name)),
        [.., schema, name] => Some(QualifiedName::qualified(schema, name)),
        [] => None,
    }
}

/// The rules a column's type triggers (the same as an action's; see
/// `actions::facts::type_hazards`).
fn type_rules(type_name: Option<&pg_query::protobuf::TypeName>, out: &mut Vec<HazardFact>) {
    let Some(t) = type_name else { return };
    let last = t.names.last().and_then(|n| match n.node.as_ref()? {
        NodeEnum::String(s) => Some(s.sval.as_str()),
        _ => None,
    });
    let mut add = |rule| {
        out.push(HazardFact {
            rule,
            on_existing: None,
        })
    };
    match last.unwrap_or_default() {
        "int2" | "int4" => add(Code::MH501),
        "serial" | "serial4" | "smallserial" | "serial2" => {
            add(Code::MH501);
            add(Code::MH502)
        }
        "bigserial" | "serial8" => add(Code::MH502),
        "bpchar" => add(Code::MH503),
        "varchar" if !t.typmods.is_empty() => add(Code::MH503),
        "timestamp" => add(Code::MH504),
        "json" => add(Code::MH208),
        _ => {}
    }
}

fn is_serial(type_name: Option<&pg_query::protobuf::TypeName>) -> bool {
    type_name
        .and_then(|t| t.names.last())
        .and_then(|n| match n.node.as_ref()? {
            NodeEnum::String(s) => Some(s.sval.contains("serial")),
            _ => None,
        })
        .unwrap_or(false)
}

/// `ADD COLUMN`'s rules on an existing `table`.
fn added_column(column: &pg_query::protobuf::ColumnDef, table: &QualifiedName, out: &mut Vec<HazardFact>) {
    let on = |rule| HazardFact {
        rule,
        on_existing: Some(table.clone()),
    };
    let constraints: Vec<&pg_query::protobuf::Constraint> = column
        .constraints
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::Constraint(c) => Some(&**c),
            _ => None,
        })
        .collect();
    let has = |t: ConstrType| constraints.iter().any(|c| c.contype() == t);
    let default = constraints.iter().find(|c| c.contype() == ConstrType::ConstrDefault);
    if has(ConstrType::ConstrGenerated) || has(ConstrType::ConstrIdentity) || is_serial(column.type_name.as_ref()) {
        out.push(on(Code::MH109));
    } else if let Some(default) = default {
        if default.raw_expr.as_deref().is_some_and(volatile_node) {
            out.push(on(Code::MH108));
        }
    } else if has(ConstrType::ConstrNotnull) || has(ConstrType::ConstrPrimary) {
        out.push(on(Code::MH301));
    }
    if has(ConstrType::ConstrPrimary) || has(ConstrType::ConstrUnique) {
        out.push(on(Code::MH104));
    }
    type_rules(column.type_name.as_ref(), out);
}

/// Whether an expression node calls a volatile function.
fn volatile_node(expression: &pg_query::protobuf::Node) -> bool {
    let Some(node) = expression.node.as_ref() else {
        return false;
    };
    node.nodes().iter().any(|(n, ..)| match n {
        pg_query::NodeRef::FuncCall(call) => call.funcname.last().is_some_and(
            |part| matches!(part.node.as_ref(), Some(NodeEnum::String(s)) if is_volatile_function(&s.sval)),
        ),
        _ => false,
    })
}

/// Identifiers over Postgres's 63 bytes, which it truncates: read from
/// the tokens, since the parse tree already holds the truncated name.
fn long_identifiers(sql: &str) -> bool {
    let Ok(scan) = pg_query::scan(sql) else { return false };
    scan.tokens.iter().any(|t| {
        if t.token != Token::Ident as i32 {
            return false;
        }
        let text = sql.get(t.start as usize..t.end as usize).unwrap_or_default();
        let name = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => text.to_owned(),
        };
        name.len() > crate::actions::ident::MAX_IDENTIFIER_BYTES
    })
}

/// What one `execute` statement does. A statement that does not parse is
/// left to `execute` to refuse.
pub fn statement(sql: &str) -> Analysis {
    let mut a = Analysis::default();
    let Ok(parsed) = pg_query::parse(sql) else { return a };
    if long_identifiers(sql) {
        a.hazards.push(fact(Code::MH505, None));
    }
    for raw in &parsed.protobuf.stmts {
        if let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) {
            one(node, &mut a);
        }
    }
    a
}

fn fact(rule: Code, on_existing: Option<QualifiedName>) -> HazardFact {
    HazardFact { rule, on_existing }
}

fn one(node: &NodeEnum, a: &mut Analysis) {
    let push = |a: &mut Analysis, rule, on: Option<QualifiedName>| a.hazards.push(fact(rule, on));
    match node {
        NodeEnum::CreateStmt(create) => {
            if let Some(r) = &create.relation {
                a.creates.push(range_var(r));
            }
            for element in &create.table_elts {
                if let Some(NodeEnum::ColumnDef(column)) = element.node.as_ref() {
                    type_rules(column.type_name.as_ref(), &mut a.hazards);
                }
            }
        }
        NodeEnum::CreateEnumStmt(e) => {
            let names: Vec<_> = e.type_name.clone();
            let list = pg_query::protobuf::Node {
                node: Some(NodeEnum::List(pg_query::protobuf::List { items: names })),
            };
            a.creates.extend(dotted(&list));
        }
        NodeEnum::IndexStmt(index) => {
            let table = index.relation.as_ref().map(range_var);
            if let Some(t) = &table {
                a.creates.push(QualifiedName {
                    schema: t.schema.clone(),
                    name: index.idxname.clone(),
                });
            }
            if index.concurrent {
                push(a, Code::MH401, None);
            } else {
                push(a, Code::MH101, table);
            }
        }
        NodeEnum::DropStmt(drop) => {
            let names = drop.objects.iter().filter_map(dotted);
            match drop.remove_type() {
                ObjectType::ObjectIndex if drop.concurrent => push(a, Code::MH401, None),
                ObjectType::ObjectIndex => names.for_each(|n| push(a, Code::MH102, Some(n))),
                ObjectType::ObjectTable => names.for_each(|n| push(a, Code::MH201, Some(n))),
                ObjectType::ObjectSchema => push(a, Code::MH203, None),
                ObjectType::ObjectType => names.for_each(|n| push(a, Code::MH210, Some(n))),
                ObjectType::ObjectSequence => push(a, Code::MH211, None),
                _ => {}
            }
        }
        NodeEnum::DropdbStmt(_) => {
            push(a, Code::MH203, None);
            push(a, Code::MH401, None);
        }
        NodeEnum::CreatedbStmt(_) | NodeEnum::AlterSystemStmt(_) | NodeEnum::CreateTableSpaceStmt(_) => {
            push(a, Code::MH401, None)
        }
        NodeEnum::ReindexStmt(reindex) => {
            let concurrently = reindex
                .params
                .iter()
                .any(|p| matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"));
            if concurrently {
                push(a, Code::MH401, None);
            } else {
                push(a, Code::MH103, reindex.relation.as_ref().map(range_var));
            }
        }
        NodeEnum::VacuumStmt(vacuum) => {
            let full = vacuum
                .options
                .iter()
                .any(|p| matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "full"));
            if full {
                push(a, Code::MH114, None);
            }
            if vacuum.is_vacuumcmd {
                push(a, Code::MH401, None);
            }
        }
        NodeEnum::ClusterStmt(cluster) => push(a, Code::MH114, cluster.relation.as_ref().map(range_var)),
        NodeEnum::TruncateStmt(truncate) if truncate.behavior() == DropBehavior::DropCascade => {
            push(a, Code::MH207, None)
        }
        NodeEnum::CreateTrigStmt(trigger) => push(a, Code::MH113, trigger.relation.as_ref().map(range_var)),
        NodeEnum::RenameStmt(rename) => match rename.rename_type() {
            ObjectType::ObjectTable | ObjectType::ObjectColumn => {
                push(a, Code::MH205, rename.relation.as_ref().map(range_var))
            }
            ObjectType::ObjectSchema => push(a, Code::MH205, None),
            _ => {}
        },
        NodeEnum::AlterEnumStmt(e)
            if e.old_val.is_empty() && !e.new_val.is_empty() && e.new_val_neighbor.is_empty() =>
        {
            let list = pg_query::protobuf::Node {
                node: Some(NodeEnum::List(pg_query::protobuf::List {
                    items: e.type_name.clone(),
                })),
            };
            push(a, Code::MH506, dotted(&list));
        }
        NodeEnum::AlterEnumStmt(e) if !e.old_val.is_empty() => {
            let list = pg_query::protobuf::Node {
                node: Some(NodeEnum::List(pg_query::protobuf::List {
                    items: e.type_name.clone(),
                })),
            };
            push(a, Code::MH205, dotted(&list));
        }
        NodeEnum::VariableSetStmt(set) if set.name.eq_ignore_ascii_case("lock_timeout") => {
            // `0`, `'0'`, `'0s'`, RESET and DEFAULT (no argument): no limit.
            let off = set.args.iter().all(|arg| {
                use pg_query::protobuf::a_const::Val;
                let Some(NodeEnum::AConst(c)) = arg.node.as_ref() else {
                    return false;
                };
                let zero = |text: &str| {
                    text.trim()
                        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                        .trim()
                        .parse::<f64>()
                        == Ok(0.0)
                };
                match &c.val {
                    Some(Val::Ival(i)) => i.ival == 0,
                    Some(Val::Fval(f)) => zero(&f.fval),
                    Some(Val::Sval(s)) => zero(&s.sval),
                    _ => false,
                }
            });
            a.lock_timeout = Some(!off);
        }
        NodeEnum::AlterTableStmt(alter) => {
            let Some(table) = alter.relation.as_ref().map(range_var) else {
                return;
            };
            for cmd in &alter.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                    continue;
                };
                let def = cmd.def.as_ref().and_then(|d| d.node.as_ref());
                let on = Some(table.clone());
                match cmd.subtype() {
                    AlterTableType::AtAddColumn => {
                        if let Some(NodeEnum::ColumnDef(column)) = def {
                            added_column(column, &table, &mut a.hazards);
                        }
                    }
                    AlterTableType::AtDropColumn => push(a, Code::MH202, on),
                    AlterTableType::AtAlterColumnType => {
                        let using = matches!(def, Some(NodeEnum::ColumnDef(c)) if c.raw_default.is_some());
                        if using {
                            push(a, Code::MH209, None);
                        } else {
                            push(a, Code::MH110, on);
                        }
                        if let Some(NodeEnum::ColumnDef(column)) = def {
                            type_rules(column.type_name.as_ref(), &mut a.hazards);
                        }
                    }
                    AlterTableType::AtSetNotNull => push(a, Code::MH107, on),
                    AlterTableType::AtDropNotNull => push(a, Code::MH206, on),
                    AlterTableType::AtAddConstraint => {
                        if let Some(NodeEnum::Constraint(c)) = def {
                            let (rules, not_valid) = constraint_rules(c);
                            for rule in rules {
                                push(a, rule, on.clone());
                            }
                            if not_valid {
                                a.added_not_valid.push((table.clone(), c.conname.clone()));
                            }
                        }
                    }
                    AlterTableType::AtValidateConstraint => a.validates.push((table.clone(), cmd.name.clone())),
                    AlterTableType::AtDropConstraint => push(a, Code::MH204, on),
                    AlterTableType::AtSetLogged | AlterTableType::AtSetUnLogged | AlterTableType::AtSetAccessMethod => {
                        push(a, Code::MH112, on)
                    }
                    AlterTableType::AtDetachPartition => {
                        let concurrent = matches!(def, Some(NodeEnum::PartitionCmd(p)) if p.concurrent);
                        if concurrent {
                            push(a, Code::MH401, None);
                        } else {
                            push(a, Code::MH103, on);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}
