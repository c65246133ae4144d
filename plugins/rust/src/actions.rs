//! The actions a migration can call, as plain functions taking Rust-friendly
//! arguments (`&str` names, arrays of builders). Each one is a thin wrapper
//! over the WIT import of the same name.

use crate::bindings::migrate::host::actions as wit;
use crate::{
    AttributeChange, CollationDef, ColumnDef, ColumnDefault, CommentTarget, Constraint, DataType, DomainChange,
    EnumPosition, GrantDef, IndexDef, PartitionOf, PolicyDef, QualifiedName, RelationOption, ReplicaIdentity, Result,
    Rows, SequenceOptions, SqlValue, TableMember, TableOptions, TypeCast,
};

/// `CREATE TABLE table (columns...)`.
pub fn add_table(table: impl Into<QualifiedName>, columns: impl IntoIterator<Item = ColumnDef>) -> Result<()> {
    add_table_with(table, columns, TableOptions::default())
}

/// `CREATE [UNLOGGED] TABLE table (columns...) [INHERITS (...)] [PARTITION BY ...]`.
pub fn add_table_with(
    table: impl Into<QualifiedName>,
    columns: impl IntoIterator<Item = ColumnDef>,
    options: TableOptions,
) -> Result<()> {
    let columns: Vec<ColumnDef> = columns.into_iter().collect();
    wit::add_table(&table.into(), &columns, &options)
}

/// `CREATE TABLE partition PARTITION OF parent <bound>`, the bound as
/// `FOR VALUES ...` or `DEFAULT`.
pub fn add_partition(partition: impl Into<QualifiedName>, parent: impl Into<QualifiedName>, bound: &str) -> Result<()> {
    let options = TableOptions {
        partition_of: Some(PartitionOf { parent: parent.into(), bound: bound.into() }),
        ..TableOptions::default()
    };
    wit::add_table(&partition.into(), &[], &options)
}

/// `ALTER TABLE table SET LOGGED` (true) or `SET UNLOGGED` (false).
pub fn set_table_logged(table: impl Into<QualifiedName>, logged: bool) -> Result<()> {
    wit::set_table_logged(&table.into(), logged)
}

/// `ALTER TABLE relation SET (name = 'value', ...)` for `set`, then `RESET
/// (name, ...)` for `reset`: a table's or materialized view's storage
/// parameters (`fillfactor`, `autovacuum_*`, `toast.*`), a view's options
/// (`security_barrier`, `security_invoker`, `check_option`).
pub fn set_relation_options(relation: impl Into<QualifiedName>, set: &[(&str, &str)], reset: &[&str]) -> Result<()> {
    let set: Vec<RelationOption> =
        set.iter().map(|(name, value)| RelationOption { name: (*name).into(), value: (*value).into() }).collect();
    wit::set_relation_options(&relation.into(), &set, &strings(reset.iter().copied()))
}

/// `ALTER TABLE table REPLICA IDENTITY ...`.
pub fn set_replica_identity(table: impl Into<QualifiedName>, identity: ReplicaIdentity) -> Result<()> {
    wit::set_replica_identity(&table.into(), &identity)
}

/// `ALTER INDEX parent ATTACH PARTITION index` (`index` is on the
/// partition `partition`), or, where Postgres already made the partition's
/// index of `parent`, that index renamed `index`.
pub fn attach_index(
    parent: impl Into<QualifiedName>,
    index: impl Into<QualifiedName>,
    partition: impl Into<QualifiedName>,
) -> Result<()> {
    wit::attach_index(&parent.into(), &index.into(), &partition.into())
}

/// `ALTER TABLE parent ATTACH PARTITION partition <bound>`.
pub fn attach_partition(parent: impl Into<QualifiedName>, partition: impl Into<QualifiedName>, bound: &str) -> Result<()> {
    wit::attach_partition(&parent.into(), &partition.into(), bound)
}

/// `ALTER TABLE parent DETACH PARTITION partition`.
pub fn detach_partition(parent: impl Into<QualifiedName>, partition: impl Into<QualifiedName>) -> Result<()> {
    wit::detach_partition(&parent.into(), &partition.into())
}

/// Turns row-level security on or off for a table; `forced` binds the owner too.
pub fn set_row_level_security(table: impl Into<QualifiedName>, enabled: bool, forced: bool) -> Result<()> {
    wit::set_row_level_security(&table.into(), enabled, forced)
}

/// `CREATE POLICY ...`.
pub fn create_policy(policy: PolicyDef) -> Result<()> {
    wit::create_policy(&policy)
}

/// `DROP POLICY name ON table`.
pub fn drop_policy(table: impl Into<QualifiedName>, name: &str) -> Result<()> {
    wit::drop_policy(&table.into(), name)
}

/// `CREATE SEQUENCE name ...`.
pub fn create_sequence(name: impl Into<QualifiedName>, options: SequenceOptions) -> Result<()> {
    wit::create_sequence(&name.into(), options)
}

/// `ALTER SEQUENCE name ...` with the settings given.
pub fn alter_sequence(name: impl Into<QualifiedName>, options: SequenceOptions) -> Result<()> {
    wit::alter_sequence(&name.into(), options)
}

/// `ALTER SEQUENCE name OWNED BY table.column`.
pub fn set_sequence_owner(name: impl Into<QualifiedName>, table: impl Into<QualifiedName>, column: &str) -> Result<()> {
    wit::set_sequence_owner(&name.into(), Some(&TableMember { table: table.into(), name: column.into() }))
}

/// `ALTER SEQUENCE name OWNED BY NONE`.
pub fn clear_sequence_owner(name: impl Into<QualifiedName>) -> Result<()> {
    wit::set_sequence_owner(&name.into(), None)
}

/// `DROP SEQUENCE name`.
pub fn drop_sequence(name: impl Into<QualifiedName>) -> Result<()> {
    wit::drop_sequence(&name.into())
}

/// Changes a column's collation (`None`: the type's default), keeping its type.
pub fn set_column_collation(table: impl Into<QualifiedName>, column: &str, collation: Option<QualifiedName>) -> Result<()> {
    wit::set_column_collation(&table.into(), column, collation.as_ref())
}

/// `CREATE COLLATION name (...)`.
pub fn create_collation(name: impl Into<QualifiedName>, definition: CollationDef) -> Result<()> {
    wit::create_collation(&name.into(), &definition)
}

/// `DROP COLLATION name`.
pub fn drop_collation(name: impl Into<QualifiedName>) -> Result<()> {
    wit::drop_collation(&name.into())
}

/// `COMMENT ON target IS text`; `None` removes the comment.
pub fn set_comment(target: CommentTarget, text: Option<&str>) -> Result<()> {
    wit::set_comment(&target, text)
}

/// `GRANT ... ON TABLE ... TO ...`.
pub fn grant(grant: GrantDef) -> Result<()> {
    wit::grant(&grant)
}

/// `REVOKE ... ON TABLE ... FROM ...`.
pub fn revoke(grant: GrantDef) -> Result<()> {
    wit::revoke(&grant)
}

/// `GRANT ... (columns) ON TABLE ... TO ...`.
pub fn grant_columns<'a>(grant: GrantDef, columns: impl IntoIterator<Item = &'a str>) -> Result<()> {
    wit::grant_columns(&grant, &strings(columns))
}

/// `REVOKE ... (columns) ON TABLE ... FROM ...`.
pub fn revoke_columns<'a>(grant: GrantDef, columns: impl IntoIterator<Item = &'a str>) -> Result<()> {
    wit::revoke_columns(&grant, &strings(columns))
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

/// `ALTER TABLE table RENAME CONSTRAINT name TO new_name`.
pub fn rename_constraint(table: impl Into<QualifiedName>, name: &str, new_name: &str) -> Result<()> {
    wit::rename_constraint(&table.into(), name, new_name)
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

/// `ALTER INDEX name RENAME TO new_name`.
pub fn rename_index(name: impl Into<QualifiedName>, new_name: &str) -> Result<()> {
    wit::rename_index(&name.into(), new_name)
}

/// `CREATE TYPE name AS ENUM (values...)`.
pub fn create_enum<'a>(name: impl Into<QualifiedName>, values: impl IntoIterator<Item = &'a str>) -> Result<()> {
    wit::create_enum(&name.into(), &strings(values))
}

/// Appends values to an enum (`ALTER TYPE name ADD VALUE ...`).
pub fn add_enum_values<'a>(name: impl Into<QualifiedName>, values: impl IntoIterator<Item = &'a str>) -> Result<()> {
    wit::add_enum_values(&name.into(), &strings(values), None)
}

/// `ALTER TYPE name RENAME VALUE 'value' TO 'new_value'`: rows keep their
/// value under its new label.
pub fn rename_enum_value(name: impl Into<QualifiedName>, value: &str, new_value: &str) -> Result<()> {
    wit::rename_enum_value(&name.into(), value, new_value)
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

/// A whole `CREATE DOMAIN`, `CREATE TYPE name AS (...)` or `CREATE TYPE
/// name AS RANGE (...)` statement.
pub fn create_type(definition: &str) -> Result<()> {
    wit::create_type(definition)
}

/// `ALTER DOMAIN name ...`.
pub fn alter_domain(name: impl Into<QualifiedName>, change: DomainChange) -> Result<()> {
    wit::alter_domain(&name.into(), &change)
}

/// `ALTER TYPE name ADD|DROP|ALTER ATTRIBUTE ...` of a composite type.
pub fn alter_composite_type(name: impl Into<QualifiedName>, change: AttributeChange) -> Result<()> {
    wit::alter_composite_type(&name.into(), &change)
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

/// Ends this migration's current step: what it did so far commits now
/// (recorded in `migration_steps`), and what follows runs in a new
/// transaction. A run that stops later keeps the steps that committed; the
/// next `apply` runs `up` again from the start and replays them (their
/// actions and `execute`s are not sent again, an `execute` returning what
/// it returned then; their `query`s read the database as it is now,
/// read-only), so take the steps in the same order
/// each time. For a backfill committed batch by batch, or an enum value
/// that later steps use.
pub fn commit_step() -> Result<()> {
    wit::commit_step()
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY`: writes go on while it builds. A
/// step of its own, outside any transaction (the steps before it commit
/// first); a build that failed or was killed is dropped and built again by
/// the next run.
pub fn add_index_concurrently(index: impl Into<IndexDef>) -> Result<()> {
    wit::add_index_concurrently(&index.into())
}

/// [`add_index_sql`]'s statement (an ordinary `CREATE INDEX`), built
/// `CONCURRENTLY`, a step of its own.
pub fn add_index_sql_concurrently(definition: &str) -> Result<()> {
    wit::add_index_sql_concurrently(definition)
}

/// `DROP INDEX CONCURRENTLY`, a step of its own.
pub fn drop_index_concurrently(name: impl Into<QualifiedName>) -> Result<()> {
    wit::drop_index_concurrently(&name.into())
}

/// `REINDEX INDEX CONCURRENTLY`, a step of its own.
pub fn reindex_concurrently(name: impl Into<QualifiedName>) -> Result<()> {
    wit::reindex_concurrently(&name.into())
}

/// `ALTER TABLE parent DETACH PARTITION partition CONCURRENTLY`, a step of
/// its own (an interrupted detach is finished by the next run).
pub fn detach_partition_concurrently(parent: impl Into<QualifiedName>, partition: impl Into<QualifiedName>) -> Result<()> {
    wit::detach_partition_concurrently(&parent.into(), &partition.into())
}

/// `ALTER TABLE table VALIDATE CONSTRAINT name` of a constraint added `NOT
/// VALID`: a step of its own, scanning under a lock that lets writes go on.
pub fn validate_constraint(table: impl Into<QualifiedName>, name: &str) -> Result<()> {
    wit::validate_constraint(&table.into(), name)
}

/// [`execute`], as a step of its own outside any transaction, for what
/// Postgres refuses inside one (`VACUUM`, ...). Killed while it ran, it
/// stops the next run, which names it: `apply --interrupted retry|done`.
pub fn execute_outside_transaction(sql: &str, params: &[SqlValue]) -> Result<u64> {
    wit::execute_outside_transaction(sql, params)
}

/// Suppresses the lint rule `code` (`"MH101"`, or its name) for the steps
/// after this call, with the reason `migrate-host lint` lists beside it.
/// Changes nothing in the database.
pub fn lint_allow(code: &str, reason: &str) -> Result<()> {
    wit::lint_allow(code, reason)
}

fn strings<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values.into_iter().map(str::to_owned).collect()
}
