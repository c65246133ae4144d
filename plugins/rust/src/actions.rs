//! The actions a migration can call, as plain functions taking Rust-friendly
//! arguments (`&str` names, arrays of builders). Each one is a thin wrapper
//! over the WIT import of the same name.

use crate::bindings::migrate::host::actions as wit;
use crate::{
    ColumnDef, ColumnDefault, Constraint, DataType, EnumPosition, IndexDef, QualifiedName, Result,
    Rows, SqlValue, TypeCast,
};

/// `CREATE TABLE table (columns...)`.
pub fn add_table(table: impl Into<QualifiedName>, columns: impl IntoIterator<Item = ColumnDef>) -> Result<()> {
    let columns: Vec<ColumnDef> = columns.into_iter().collect();
    wit::add_table(&table.into(), &columns)
}

/// `DROP TABLE table`.
pub fn drop_table(table: impl Into<QualifiedName>) -> Result<()> {
    wit::drop_table(&table.into())
}

/// `ALTER TABLE table RENAME TO new_name`.
pub fn rename_table(table: impl Into<QualifiedName>, new_name: &str) -> Result<()> {
    wit::rename_table(&table.into(), new_name)
}

/// `ALTER TABLE table ADD COLUMN ...`.
pub fn add_column(table: impl Into<QualifiedName>, column: ColumnDef) -> Result<()> {
    wit::add_column(&table.into(), &column)
}

/// `ALTER TABLE table DROP COLUMN column`.
pub fn drop_column(table: impl Into<QualifiedName>, column: &str) -> Result<()> {
    wit::drop_column(&table.into(), column)
}

/// `ALTER TABLE table RENAME COLUMN column TO new_name`.
pub fn rename_column(table: impl Into<QualifiedName>, column: &str, new_name: &str) -> Result<()> {
    wit::rename_column(&table.into(), column, new_name)
}

/// `ALTER TABLE table ALTER COLUMN column TYPE new_type [USING ...]`.
pub fn change_column_type(
    table: impl Into<QualifiedName>,
    column: &str,
    new_type: impl Into<DataType>,
    cast: TypeCast,
) -> Result<()> {
    wit::change_column_type(&table.into(), column, &new_type.into(), &cast)
}

/// Makes a column an identity column (`Some`), changes its kind, or stops it being one (`None`).
pub fn set_column_identity(table: impl Into<QualifiedName>, column: &str, identity: Option<crate::IdentityKind>) -> Result<()> {
    wit::set_column_identity(&table.into(), column, identity)
}

/// A generated column becomes an ordinary one, keeping its values.
pub fn drop_column_expression(table: impl Into<QualifiedName>, column: &str) -> Result<()> {
    wit::drop_column_expression(&table.into(), column)
}

/// `ALTER TABLE table ALTER COLUMN column SET NOT NULL`.
pub fn add_not_null(table: impl Into<QualifiedName>, column: &str) -> Result<()> {
    wit::add_not_null(&table.into(), column)
}

/// `ALTER TABLE table ALTER COLUMN column DROP NOT NULL`.
pub fn drop_not_null(table: impl Into<QualifiedName>, column: &str) -> Result<()> {
    wit::drop_not_null(&table.into(), column)
}

/// `ALTER TABLE table ALTER COLUMN column SET DEFAULT ...`.
pub fn set_column_default(table: impl Into<QualifiedName>, column: &str, default: ColumnDefault) -> Result<()> {
    wit::set_column_default(&table.into(), column, &default)
}

/// `ALTER TABLE table ALTER COLUMN column DROP DEFAULT`.
pub fn drop_column_default(table: impl Into<QualifiedName>, column: &str) -> Result<()> {
    wit::drop_column_default(&table.into(), column)
}

/// `ALTER TABLE table ADD CONSTRAINT name ...`; see [`primary_key`](crate::primary_key),
/// [`unique`](crate::unique), [`foreign_key`](crate::foreign_key) and [`check`](crate::check).
pub fn add_constraint(table: impl Into<QualifiedName>, name: &str, constraint: impl Into<Constraint>) -> Result<()> {
    wit::add_constraint(&table.into(), name, &constraint.into())
}

/// `ALTER TABLE table DROP CONSTRAINT name`.
pub fn drop_constraint(table: impl Into<QualifiedName>, name: &str) -> Result<()> {
    wit::drop_constraint(&table.into(), name)
}

/// `CREATE INDEX ...`; see [`index`](crate::index).
pub fn add_index(index: impl Into<IndexDef>) -> Result<()> {
    wit::add_index(&index.into())
}

/// A whole `CREATE INDEX` statement, for indexes [`add_index`] cannot
/// express (expressions, `INCLUDE`, sort orders, operator classes).
pub fn add_index_sql(definition: &str) -> Result<()> {
    wit::add_index_sql(definition)
}

/// `CREATE VIEW name AS query`.
pub fn create_view(name: impl Into<QualifiedName>, query: &str) -> Result<()> {
    wit::create_view(&name.into(), query, false)
}

/// `CREATE MATERIALIZED VIEW name AS query`.
pub fn create_materialized_view(name: impl Into<QualifiedName>, query: &str) -> Result<()> {
    wit::create_view(&name.into(), query, true)
}

/// `DROP VIEW name`.
pub fn drop_view(name: impl Into<QualifiedName>) -> Result<()> {
    wit::drop_view(&name.into(), false)
}

/// `DROP MATERIALIZED VIEW name`.
pub fn drop_materialized_view(name: impl Into<QualifiedName>) -> Result<()> {
    wit::drop_view(&name.into(), true)
}

/// `CREATE EXTENSION name [SCHEMA schema] [VERSION version]`.
pub fn create_extension(name: &str, schema: Option<&str>, version: Option<&str>) -> Result<()> {
    wit::create_extension(name, schema, version)
}

/// `ALTER EXTENSION name UPDATE TO version`.
pub fn update_extension(name: &str, version: &str) -> Result<()> {
    wit::update_extension(name, version)
}

/// `DROP EXTENSION name`.
pub fn drop_extension(name: &str) -> Result<()> {
    wit::drop_extension(name)
}

/// A whole `CREATE [OR REPLACE] FUNCTION` (or `PROCEDURE`) statement.
pub fn create_function(definition: &str) -> Result<()> {
    wit::create_function(definition)
}

/// `DROP FUNCTION name(arguments)`.
pub fn drop_function(name: impl Into<QualifiedName>, arguments: &str) -> Result<()> {
    wit::drop_function(&name.into(), arguments, false)
}

/// `DROP PROCEDURE name(arguments)`.
pub fn drop_procedure(name: impl Into<QualifiedName>, arguments: &str) -> Result<()> {
    wit::drop_function(&name.into(), arguments, true)
}

/// A whole `CREATE TRIGGER` statement.
pub fn create_trigger(definition: &str) -> Result<()> {
    wit::create_trigger(definition)
}

/// `DROP TRIGGER name ON table`.
pub fn drop_trigger(table: impl Into<QualifiedName>, name: &str) -> Result<()> {
    wit::drop_trigger(&table.into(), name)
}

/// `CREATE SCHEMA name`.
pub fn create_schema(name: &str) -> Result<()> {
    wit::create_schema(name)
}

/// `DROP SCHEMA name` (it must be empty).
pub fn drop_schema(name: &str) -> Result<()> {
    wit::drop_schema(name)
}

/// `DROP INDEX name` (the name qualified by the table's schema when it is not
/// the default one).
pub fn drop_index(name: impl Into<QualifiedName>) -> Result<()> {
    wit::drop_index(&name.into())
}

/// `CREATE TYPE name AS ENUM (values...)`.
pub fn create_enum<'a>(name: impl Into<QualifiedName>, values: impl IntoIterator<Item = &'a str>) -> Result<()> {
    wit::create_enum(&name.into(), &strings(values))
}

/// Appends values to an enum (`ALTER TYPE name ADD VALUE ...`).
pub fn add_enum_values<'a>(name: impl Into<QualifiedName>, values: impl IntoIterator<Item = &'a str>) -> Result<()> {
    wit::add_enum_values(&name.into(), &strings(values), None)
}

/// Inserts values into an enum before or after an existing one.
pub fn add_enum_values_at<'a>(
    name: impl Into<QualifiedName>,
    values: impl IntoIterator<Item = &'a str>,
    position: EnumPosition,
) -> Result<()> {
    wit::add_enum_values(&name.into(), &strings(values), Some(&position))
}

/// Removes values from an enum, converting every column that uses it.
pub fn drop_enum_values<'a>(name: impl Into<QualifiedName>, values: impl IntoIterator<Item = &'a str>) -> Result<()> {
    wit::drop_enum_values(&name.into(), &strings(values))
}

/// `DROP TYPE name`.
pub fn drop_type(name: impl Into<QualifiedName>) -> Result<()> {
    wit::drop_type(&name.into())
}

/// Runs one SQL statement with bind parameters (`$1`, `$2`, ...); returns the
/// number of rows affected.
pub fn execute(sql: &str, params: &[SqlValue]) -> Result<u64> {
    wit::execute(sql, params)
}

/// Runs one SQL statement with bind parameters; returns its rows.
pub fn query(sql: &str, params: &[SqlValue]) -> Result<Rows> {
    wit::query(sql, params)
}

fn strings<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values.into_iter().map(str::to_owned).collect()
}
