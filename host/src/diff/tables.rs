//! Tables, their columns and their constraints.

use super::{Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::{
    ColumnDef, ColumnDefault, Constraint, DataType, ForeignKey, ForeignKeyAction, IdentityKind, PartitionOf,
    QualifiedName, ScalarType, TableOptions, TypeCast,
};
use crate::schema::{Column, ConstraintKind, Identity, Name, Schema, Sequence, Table, TableConstraint};
use std::collections::HashMap;

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan, unsupported: &mut Vec<String>) {
    let current_tables: HashMap<&Name, &Table> = current.tables.iter().map(|t| (&t.name, t)).collect();
    let target_tables: HashMap<&Name, &Table> = target.tables.iter().map(|t| (&t.name, t)).collect();
    // Parents before their partitions and children (created and altered),
    // children before their parents when dropped.
    for wanted in by_depth(&target.tables, &target_tables) {
        if wanted.parents > 1 {
            unsupported.push(format!(
                "table {} inherits from {} tables (only one is supported)",
                wanted.name, wanted.parents
            ));
            continue;
        }
        match current_tables.get(&wanted.name) {
            None => create(target, wanted, plan),
            Some(have) if have.partition_key != wanted.partition_key => {
                // A table cannot become (or stop being) partitioned, or change
                // its partition key, in place: it is created again, and what
                // hangs off it (views, foreign keys into it, its indexes,
                // triggers, policies and grants) with it (`cascade`,
                // `Context::recreated`); its partitions are detached first or
                // dropped.
                plan.push(
                    Phase::DropTablesToRecreate,
                    Action::DropTable {
                        table: qualified(&have.name),
                    },
                );
                create(target, wanted, plan);
            }
            Some(have) => alter(current, target, have, wanted, plan, unsupported),
        }
    }
    let mut dropped: Vec<&Table> = current
        .tables
        .iter()
        .filter(|t| !target_tables.contains_key(&t.name))
        .collect();
    dropped.sort_by_key(|t| std::cmp::Reverse(depth(t, &current_tables)));
    for old in dropped {
        // Its foreign keys go first, so that dropped tables that point at each
        // other (even in a cycle) drop in any order. Foreign keys from kept
        // tables into this one are dropped early (as constraints the target lacks).
        for fk in old
            .constraints
            .iter()
            .filter(|c| c.local && matches!(c.kind, ConstraintKind::ForeignKey { .. }))
        {
            plan.push(
                Phase::DropForeignKeys,
                Action::DropConstraint {
                    table: qualified(&old.name),
                    name: fk.name.clone(),
                },
            );
        }
        plan.push(
            Phase::DropTables,
            Action::DropTable {
                table: qualified(&old.name),
            },
        );
    }
}

/// How many ancestors a table has in `tables`.
fn depth(table: &Table, tables: &HashMap<&Name, &Table>) -> usize {
    let mut depth = 0;
    let mut parent = table.inherits.as_ref();
    while let Some(name) = parent {
        depth += 1;
        parent = tables.get(name).and_then(|t| t.inherits.as_ref());
        if depth > tables.len() {
            break;
        }
    }
    depth
}

fn by_depth<'a>(tables: &'a [Table], index: &HashMap<&Name, &Table>) -> Vec<&'a Table> {
    let mut sorted: Vec<&Table> = tables.iter().collect();
    sorted.sort_by_key(|t| depth(t, index));
    sorted
}

pub(super) fn create(target: &Schema, table: &Table, plan: &mut Plan) {
    let partition_of = match (&table.partition_bound, &table.inherits) {
        (Some(bound), Some(parent)) => Some(PartitionOf {
            parent: qualified(parent),
            bound: bound.clone(),
        }),
        _ => None,
    };
    let options = TableOptions {
        unlogged: table.unlogged,
        partition_by: table.partition_key.clone(),
        inherits: match (&partition_of, &table.inherits) {
            (None, Some(parent)) => vec![qualified(parent)],
            _ => Vec::new(),
        },
        partition_of,
    };
    // A child declares only its own columns; a partition none.
    let columns = table
        .columns
        .iter()
        .filter(|c| c.local && options.partition_of.is_none())
        .map(|c| column_def(target, table, c))
        .collect();
    plan.push(
        Phase::CreateTables,
        Action::AddTable {
            table: qualified(&table.name),
            columns,
            options,
        },
    );
    if table.row_security || table.force_row_security {
        plan.push(
            Phase::AlterTables,
            Action::SetRowLevelSecurity {
                table: qualified(&table.name),
                enabled: table.row_security,
                forced: table.force_row_security,
            },
        );
    }
    for constraint in table.constraints.iter().filter(|c| c.local) {
        add_constraint(table, constraint, plan);
    }
}

fn alter(
    current: &Schema,
    target: &Schema,
    have: &Table,
    wanted: &Table,
    plan: &mut Plan,
    unsupported: &mut Vec<String>,
) {
    let table = qualified(&wanted.name);
    let partition = |t: &Table| t.partition_bound.clone().zip(t.inherits.clone());
    let (was_partition, is_partition) = (partition(have), partition(wanted));
    if was_partition != is_partition {
        if let Some((_, parent)) = &was_partition {
            plan.push(
                Phase::DetachPartitions,
                Action::DetachPartition {
                    parent: qualified(parent),
                    partition: table.clone(),
                },
            );
        }
        if let Some((bound, parent)) = &is_partition {
            plan.push(
                Phase::AttachPartitions,
                Action::AttachPartition {
                    parent: qualified(parent),
                    partition: table.clone(),
                    bound: bound.clone(),
                },
            );
        }
    } else if was_partition.is_none() && have.inherits != wanted.inherits {
        unsupported.push(format!(
            "table {} changes the table it inherits from ({} to {})",
            wanted.name,
            have.inherits.as_ref().map_or("none".into(), |n| n.to_string()),
            wanted.inherits.as_ref().map_or("none".into(), |n| n.to_string()),
        ));
    }
    // A partition's columns are its parent's: they change with the parent.
    let partitioned_columns = was_partition.is_some() && is_partition.is_some();
    if have.unlogged != wanted.unlogged {
        plan.push(
            Phase::AlterTables,
            Action::SetTableLogged {
                table: table.clone(),
                logged: !wanted.unlogged,
            },
        );
    }
    if (have.row_security, have.force_row_security) != (wanted.row_security, wanted.force_row_security) {
        plan.push(
            Phase::AlterTables,
            Action::SetRowLevelSecurity {
                table: table.clone(),
                enabled: wanted.row_security,
                forced: wanted.force_row_security,
            },
        );
    }
    // A constraint that only changed its name is renamed, not dropped and
    // added again (which would scan or rebuild its index).
    let renamed = renamed_constraints(have, wanted);
    for (old, new) in &renamed {
        plan.push(
            Phase::RenameConstraintsAndIndexes,
            Action::RenameConstraint {
                table: table.clone(),
                name: old.clone(),
                new_name: new.clone(),
            },
        );
    }
    // Constraints first come off (changed ones are re-added below), so that
    // column changes and drops are not blocked by them.
    for old in &have.constraints {
        let kept = wanted
            .constraints
            .iter()
            .any(|c| c.name == old.name && c.definition == old.definition)
            || renamed.iter().any(|(o, _)| o == &old.name);
        if !kept && old.local {
            let drop = Action::DropConstraint {
                table: table.clone(),
                name: old.name.clone(),
            };
            if matches!(old.kind, ConstraintKind::ForeignKey { .. }) {
                plan.push(Phase::DropForeignKeys, drop);
            } else {
                plan.push(Phase::DropConstraints, drop);
            }
        }
    }
    // A column inherited on both sides changes through its parent. One that
    // becomes the child's own is added once the parent has dropped it (parents
    // are altered first); one that the parent will provide is dropped from the
    // child early, before the parent adds it.
    let inherited = |c: &Column| !c.local && was_partition.is_none() && is_partition.is_none();
    for column in wanted.columns.iter().filter(|c| !partitioned_columns || c.local) {
        match have.column(&column.name) {
            None if inherited(column) => {}
            Some(old) if inherited(column) && !inherited(old) => plan.push(
                Phase::DropColumnsParentsWillAdd,
                Action::DropColumn {
                    table: table.clone(),
                    column: old.name.clone(),
                },
            ),
            Some(old) if inherited(column) && inherited(old) => {}
            None => plan.push(
                Phase::AlterTables,
                Action::AddColumn {
                    table: table.clone(),
                    column: column_def(target, wanted, column),
                },
            ),
            Some(old) if inherited(old) => plan.push(
                Phase::AlterTables,
                Action::AddColumn {
                    table: table.clone(),
                    column: column_def(target, wanted, column),
                },
            ),
            // A column that becomes generated (or changes its expression)
            // is added again: its values are the expression's anyway.
            Some(old) if column.generated.is_some() && old.generated != column.generated => {
                plan.push(
                    Phase::AlterTables,
                    Action::DropColumn {
                        table: table.clone(),
                        column: old.name.clone(),
                    },
                );
                plan.push(
                    Phase::AlterTables,
                    Action::AddColumn {
                        table: table.clone(),
                        column: column_def(target, wanted, column),
                    },
                );
            }
            Some(old) => alter_column(current, have, old, column, &table, plan),
        }
    }
    // A detached partition keeps every column as its own.
    let detached = was_partition.is_some() && is_partition.is_none();
    for old in have
        .columns
        .iter()
        .filter(|c| wanted.column(&c.name).is_none() && (c.local || detached))
    {
        plan.push(
            Phase::AlterTables,
            Action::DropColumn {
                table: table.clone(),
                column: old.name.clone(),
            },
        );
    }
    for constraint in &wanted.constraints {
        let kept = have
            .constraints
            .iter()
            .any(|c| c.name == constraint.name && c.definition == constraint.definition)
            || renamed.iter().any(|(_, n)| n == &constraint.name);
        if !kept && constraint.local {
            add_constraint(wanted, constraint, plan);
        }
    }
}

fn alter_column(
    current: &Schema,
    have_table: &Table,
    old: &Column,
    new: &Column,
    table: &QualifiedName,
    plan: &mut Plan,
) {
    let column = new.name.clone();
    // A type change resets the collation to the new type's default.
    let set_collation = (old.collation != new.collation || (old.type_sql != new.type_sql && new.collation.is_some()))
        .then(|| Action::SetColumnCollation {
            table: table.clone(),
            column: column.clone(),
            collation: new.collation.as_ref().map(qualified),
        });
    // Generated to ordinary keeps the values (generated to generated is handled by the caller).
    if old.generated.is_some() && new.generated.is_none() {
        plan.push(
            Phase::AlterTables,
            Action::DropColumnExpression {
                table: table.clone(),
                column: column.clone(),
            },
        );
    }
    // An identity goes before its column's NOT NULL can be dropped, and
    // comes after the default is gone and NOT NULL is set.
    let set_identity = (old.identity != new.identity).then(|| Action::SetColumnIdentity {
        table: table.clone(),
        column: column.clone(),
        identity: new.identity.map(|i| match i {
            Identity::Always => IdentityKind::Always,
            Identity::ByDefault => IdentityKind::ByDefault,
        }),
    });
    let identity_last = old.identity.is_none();
    if let Some(action) = set_identity.clone().filter(|_| !identity_last) {
        plan.push(Phase::AlterTables, action);
    }
    let serial_before = serial_type(current, have_table, old).is_some();
    if old.type_sql != new.type_sql {
        // A default typed for the old type can block the conversion: drop it
        // first and set the new one after. A serial's `nextval` converts to
        // any integer type, so it stays when the column keeps it.
        let default_kept = serial_before && old.default == new.default;
        if old.default.is_some() && !default_kept {
            plan.push(
                Phase::AlterTables,
                Action::DropColumnDefault {
                    table: table.clone(),
                    column: column.clone(),
                },
            );
        }
        plan.push(
            Phase::AlterTables,
            Action::ChangeColumnType {
                table: table.clone(),
                column: column.clone(),
                new_type: new.data_type.clone(),
                cast: TypeCast::Auto,
            },
        );
        plan.extend(Phase::AlterTables, set_collation);
        if let Some(default) = &new.default {
            plan.push(
                Phase::AlterTables,
                Action::SetColumnDefault {
                    table: table.clone(),
                    column: column.clone(),
                    default: ColumnDefault::Expression(default.clone()),
                },
            );
        }
    } else if let Some(action) = set_collation {
        plan.push(Phase::AlterTables, action);
    }
    if old.type_sql == new.type_sql && old.default != new.default {
        plan.push(
            Phase::AlterTables,
            match &new.default {
                Some(default) => Action::SetColumnDefault {
                    table: table.clone(),
                    column: column.clone(),
                    default: ColumnDefault::Expression(default.clone()),
                },
                None => Action::DropColumnDefault {
                    table: table.clone(),
                    column: column.clone(),
                },
            },
        );
    }
    if old.nullable != new.nullable {
        plan.push(
            Phase::AlterTables,
            if new.nullable {
                Action::DropNotNull {
                    table: table.clone(),
                    column,
                }
            } else {
                Action::AddNotNull {
                    table: table.clone(),
                    column,
                }
            },
        );
    }
    if let Some(action) = set_identity.filter(|_| identity_last) {
        plan.push(Phase::AlterTables, action);
    }
}

/// A column as `add-table`/`add-column` creates it. A column whose default
/// takes the next value of a sequence it owns is written as `serial` (the
/// sequence comes with it), as `CREATE TABLE` would have it.
pub(super) fn column_def(schema: &Schema, table: &Table, column: &Column) -> ColumnDef {
    let serial = serial_type(schema, table, column);
    let is_serial = serial.is_some();
    ColumnDef {
        name: column.name.clone(),
        data_type: serial.map_or_else(
            || column.data_type.clone(),
            |scalar| DataType {
                scalar,
                is_array: false,
            },
        ),
        nullable: column.nullable,
        default: if is_serial {
            None
        } else {
            column.default.clone().map(ColumnDefault::Expression)
        },
        identity: column.identity.map(|i| match i {
            Identity::Always => IdentityKind::Always,
            Identity::ByDefault => IdentityKind::ByDefault,
        }),
        generated: column.generated.clone(),
        collation: column
            .collation
            .as_ref()
            .map(|c| QualifiedName::qualified(&c.schema, &c.name)),
    }
}

/// The serial type a column was declared with, if its default is the next
/// value of a default-shaped sequence that the column owns.
fn serial_type(schema: &Schema, table: &Table, column: &Column) -> Option<ScalarType> {
    let sequence = schema.sequence(column.owned_sequence.as_ref()?)?;
    let expected = format!("nextval('{}'::regclass)", regclass_text(sequence));
    // The name `serial` would give it (shorter names only: Postgres shortens long ones its own way).
    let serial_name = format!("{}_{}_seq", table.name.name, column.name);
    let named_as_serial = sequence.name == Name::new(&table.name.schema, &serial_name) && serial_name.len() <= 63;
    if column.default.as_deref() != Some(&expected) || !default_shaped(sequence) || !named_as_serial {
        return None;
    }
    match column.data_type.scalar {
        ScalarType::Smallint if sequence.data_type == "smallint" => Some(ScalarType::Smallserial),
        ScalarType::Integer if sequence.data_type == "integer" => Some(ScalarType::Serial),
        ScalarType::Bigint if sequence.data_type == "bigint" => Some(ScalarType::Bigserial),
        _ => None,
    }
}

/// Whether `sequence` is the one a `serial` column created (it comes and
/// goes with its column, so it needs no actions of its own).
pub(super) fn is_serial_sequence(schema: &Schema, sequence: &Sequence) -> bool {
    let Some((table_name, column_name)) = &sequence.owned_by else {
        return false;
    };
    let Some(table) = schema.table(table_name) else {
        return false;
    };
    table
        .column(column_name)
        .is_some_and(|c| serial_type(schema, table, c).is_some())
}

/// How `nextval` names a sequence in a default: unqualified in `public`
/// (on the default search path), qualified elsewhere.
fn regclass_text(sequence: &Sequence) -> String {
    let quote = |s: &str| {
        let plain = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit());
        if plain {
            s.to_owned()
        } else {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
    };
    if sequence.name.schema == "public" {
        quote(&sequence.name.name)
    } else {
        format!("{}.{}", quote(&sequence.name.schema), quote(&sequence.name.name))
    }
}

fn default_shaped(sequence: &Sequence) -> bool {
    let max = match sequence.data_type.as_str() {
        "smallint" => i16::MAX as i64,
        "integer" => i32::MAX as i64,
        _ => i64::MAX,
    };
    sequence.start == 1
        && sequence.increment == 1
        && sequence.min == 1
        && sequence.max == max
        && sequence.cache == 1
        && !sequence.cycle
}

/// Constraints of `have` that `wanted` holds under another name and nothing
/// else changed (kind, definition, deferrability), as (old, new): only where
/// the match is unambiguous both ways.
fn renamed_constraints(have: &Table, wanted: &Table) -> Vec<(String, String)> {
    let same = |a: &TableConstraint, b: &TableConstraint| {
        a.kind == b.kind
            && a.definition == b.definition
            && a.deferrable == b.deferrable
            && a.initially_deferred == b.initially_deferred
            && a.local
            && b.local
    };
    let gone: Vec<&TableConstraint> = have
        .constraints
        .iter()
        .filter(|c| !wanted.constraints.iter().any(|w| w.name == c.name))
        .collect();
    let came: Vec<&TableConstraint> = wanted
        .constraints
        .iter()
        .filter(|w| !have.constraints.iter().any(|c| c.name == w.name))
        .collect();
    gone.iter()
        .filter_map(|old| {
            let [new] = came.iter().filter(|w| same(old, w)).collect::<Vec<_>>()[..] else {
                return None;
            };
            let [_] = gone.iter().filter(|o| same(o, new)).collect::<Vec<_>>()[..] else {
                return None;
            };
            Some((old.name.clone(), new.name.clone()))
        })
        .collect()
}

/// The action that adds `constraint`: typed where the contract can say it,
/// Postgres's own definition otherwise.
pub(super) fn add_constraint(table: &Table, constraint: &TableConstraint, plan: &mut Plan) {
    if !constraint.local {
        return;
    }
    let plain = !constraint.deferrable && !constraint.definition.contains("NOT VALID");
    let typed =
        match &constraint.kind {
            ConstraintKind::PrimaryKey { columns } if plain => Some(Constraint::PrimaryKey(columns.clone())),
            ConstraintKind::Unique { columns } if plain && !constraint.definition.contains("NULLS NOT DISTINCT") => {
                Some(Constraint::Unique(columns.clone()))
            }
            ConstraintKind::ForeignKey {
                columns,
                references,
                referenced_columns,
                on_delete,
                on_update,
            } if plain && !constraint.definition.contains("MATCH") => fk_action(*on_delete)
                .zip(fk_action(*on_update))
                .map(|(on_delete, on_update)| {
                    Constraint::ForeignKey(ForeignKey {
                        columns: columns.clone(),
                        references: qualified(references),
                        referenced_columns: referenced_columns.clone(),
                        on_delete,
                        on_update,
                    })
                }),
            ConstraintKind::Check if plain => check_expression(&constraint.definition).map(Constraint::Check),
            _ => None,
        };
    let is_fk = matches!(constraint.kind, ConstraintKind::ForeignKey { .. });
    let action = Action::AddConstraint {
        table: qualified(&table.name),
        name: constraint.name.clone(),
        constraint: typed.unwrap_or_else(|| Constraint::Sql(constraint.definition.clone())),
    };
    if is_fk {
        plan.push(Phase::AddForeignKeys, action)
    } else {
        plan.push(Phase::AddConstraints, action)
    }
}

fn fk_action(code: char) -> Option<ForeignKeyAction> {
    Some(match code {
        'a' => ForeignKeyAction::NoAction,
        'r' => ForeignKeyAction::Restrict,
        'c' => ForeignKeyAction::Cascade,
        'n' => ForeignKeyAction::SetNull,
        'd' => ForeignKeyAction::SetDefault,
        _ => return None,
    })
}

/// `CHECK (expr)` → `expr`, when that is the whole definition.
fn check_expression(definition: &str) -> Option<String> {
    let inner = definition.strip_prefix("CHECK (")?.strip_suffix(')')?;
    // The parentheses must be the definition's own, not `(a) AND (b)`'s.
    let mut depth = 0i32;
    for c in inner.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return None;
        }
    }
    (depth == 0).then(|| inner.to_owned())
}
