//! Tables, their columns and their constraints.

use super::{Phases, qualified};
use crate::actions::Action;
use crate::schema::{Column, ConstraintKind, Identity, Schema, Sequence, Table, TableConstraint};
use crate::wit::{
    ColumnDef, ColumnDefault, Constraint, DataType, ForeignKey, ForeignKeyAction, IdentityKind, QualifiedName,
    ScalarType, TypeCast,
};

pub(super) fn diff(current: &Schema, target: &Schema, phases: &mut Phases, unsupported: &mut Vec<String>) {
    for wanted in &target.tables {
        match current.table(&wanted.name) {
            None => create(target, wanted, phases, unsupported),
            Some(have) => alter(current, target, have, wanted, phases, unsupported),
        }
    }
    for old in current.tables.iter().filter(|t| target.table(&t.name).is_none()) {
        // Foreign keys from kept tables into this one are dropped early (as
        // constraints the target lacks); its own go with it.
        if old.inherits.is_some() || old.partition_key.is_some() {
            unsupported.push(format!(
                "table {} is partitioned or inherits, and would be dropped",
                old.name
            ));
        }
        // Its foreign keys go first, so that dropped tables that point at each
        // other (even in a cycle) drop in any order.
        for fk in old
            .constraints
            .iter()
            .filter(|c| c.local && matches!(c.kind, ConstraintKind::ForeignKey { .. }))
        {
            phases.drop_constraints.push(Action::DropConstraint {
                table: qualified(&old.name),
                name: fk.name.clone(),
            });
        }
        phases.drop_tables.push(Action::DropTable {
            table: qualified(&old.name),
        });
    }
}

fn create(target: &Schema, table: &Table, phases: &mut Phases, unsupported: &mut Vec<String>) {
    if table.unlogged || table.partition_key.is_some() || table.inherits.is_some() {
        unsupported.push(format!(
            "table {} is unlogged, partitioned or inherits, and would be created",
            table.name
        ));
        return;
    }
    let columns = table.columns.iter().map(|c| column_def(target, table, c)).collect();
    phases.create_tables.push(Action::AddTable {
        table: qualified(&table.name),
        columns,
    });
    for constraint in &table.constraints {
        add_constraint(table, constraint, phases);
    }
}

fn alter(
    current: &Schema,
    target: &Schema,
    have: &Table,
    wanted: &Table,
    phases: &mut Phases,
    unsupported: &mut Vec<String>,
) {
    let table = qualified(&wanted.name);
    if have.unlogged != wanted.unlogged
        || have.partition_key != wanted.partition_key
        || have.partition_bound != wanted.partition_bound
        || have.inherits != wanted.inherits
    {
        unsupported.push(format!(
            "table {} changes persistence, partitioning or inheritance",
            wanted.name
        ));
    }
    // Constraints first come off (changed ones are re-added below), so that
    // column changes and drops are not blocked by them.
    for old in &have.constraints {
        let kept = wanted
            .constraints
            .iter()
            .any(|c| c.name == old.name && c.definition == old.definition);
        if !kept && old.local {
            let drop = Action::DropConstraint {
                table: table.clone(),
                name: old.name.clone(),
            };
            phases.drop_constraints.push(drop);
        }
    }
    // Inherited columns (not local) arrive through the parent table.
    for column in wanted
        .columns
        .iter()
        .filter(|c| c.local || have.column(&c.name).is_some())
    {
        match have.column(&column.name) {
            None => phases.alter_tables.push(Action::AddColumn {
                table: table.clone(),
                column: column_def(target, wanted, column),
            }),
            // A column that becomes generated (or changes its expression)
            // is added again: its values are the expression's anyway.
            Some(old) if column.generated.is_some() && old.generated != column.generated => {
                phases.alter_tables.push(Action::DropColumn {
                    table: table.clone(),
                    column: old.name.clone(),
                });
                phases.alter_tables.push(Action::AddColumn {
                    table: table.clone(),
                    column: column_def(target, wanted, column),
                });
            }
            Some(old) => alter_column(
                current,
                have,
                old,
                column,
                &table,
                phases,
                unsupported,
                &wanted.name.to_string(),
            ),
        }
    }
    for old in have
        .columns
        .iter()
        .filter(|c| wanted.column(&c.name).is_none() && c.local)
    {
        phases.alter_tables.push(Action::DropColumn {
            table: table.clone(),
            column: old.name.clone(),
        });
    }
    for constraint in &wanted.constraints {
        let kept = have
            .constraints
            .iter()
            .any(|c| c.name == constraint.name && c.definition == constraint.definition);
        if !kept {
            add_constraint(wanted, constraint, phases);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn alter_column(
    current: &Schema,
    have_table: &Table,
    old: &Column,
    new: &Column,
    table: &QualifiedName,
    phases: &mut Phases,
    unsupported: &mut Vec<String>,
    table_name: &str,
) {
    let column = new.name.clone();
    if old.local != new.local {
        unsupported.push(format!(
            "column {table_name}.{} changes between inherited and declared locally",
            new.name
        ));
        return;
    }
    if old.collation != new.collation {
        unsupported.push(format!("column {table_name}.{} changes its collation", new.name));
        return;
    }
    // Generated to ordinary keeps the values (generated to generated is handled by the caller).
    if old.generated.is_some() && new.generated.is_none() {
        phases.alter_tables.push(Action::DropColumnExpression {
            table: table.clone(),
            column: column.clone(),
        });
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
        phases.alter_tables.push(action);
    }
    let serial_before = serial_type(current, have_table, old).is_some();
    if old.type_sql != new.type_sql {
        // A default typed for the old type can block the conversion: drop it
        // first and set the new one after.
        if old.default.is_some() && !serial_before {
            phases.alter_tables.push(Action::DropColumnDefault {
                table: table.clone(),
                column: column.clone(),
            });
        }
        phases.alter_tables.push(Action::ChangeColumnType {
            table: table.clone(),
            column: column.clone(),
            new_type: new.data_type.clone(),
            cast: TypeCast::Auto,
        });
        if let Some(default) = &new.default {
            phases.alter_tables.push(Action::SetColumnDefault {
                table: table.clone(),
                column: column.clone(),
                default: ColumnDefault::Expression(default.clone()),
            });
        }
    } else if old.default != new.default {
        phases.alter_tables.push(match &new.default {
            Some(default) => Action::SetColumnDefault {
                table: table.clone(),
                column: column.clone(),
                default: ColumnDefault::Expression(default.clone()),
            },
            None => Action::DropColumnDefault {
                table: table.clone(),
                column: column.clone(),
            },
        });
    }
    if old.nullable != new.nullable {
        phases.alter_tables.push(if new.nullable {
            Action::DropNotNull {
                table: table.clone(),
                column,
            }
        } else {
            Action::AddNotNull {
                table: table.clone(),
                column,
            }
        });
    }
    if let Some(action) = set_identity.filter(|_| identity_last) {
        phases.alter_tables.push(action);
    }
}

/// A column as `add-table`/`add-column` creates it. A column whose default
/// takes the next value of a sequence it owns is written as `serial` (the
/// sequence comes with it), as `CREATE TABLE` would have it.
fn column_def(schema: &Schema, table: &Table, column: &Column) -> ColumnDef {
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
    let sequence = schema
        .sequences
        .iter()
        .find(|q| q.owned_by.as_ref() == Some(&(table.name.clone(), column.name.clone())) && !q.identity)?;
    let expected = format!("nextval('{}'::regclass)", regclass_text(sequence));
    if column.default.as_deref() != Some(&expected) || !default_shaped(sequence) {
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

/// The action that adds `constraint`: typed where the contract can say it,
/// Postgres's own definition otherwise.
fn add_constraint(table: &Table, constraint: &TableConstraint, phases: &mut Phases) {
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
        phases.add_foreign_keys.push(action)
    } else {
        phases.add_constraints.push(action)
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
