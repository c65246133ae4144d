// Generated from wit/migrate.wit by plugins/js/tools/types.mjs (jco guest-types, s64/u64 as number).
// Do not edit: run plugins/js/build.sh after changing the WIT.
/// <reference path="./migrate-host-types.d.ts" />
declare module 'migrate:host/actions@0.1.0' {
  /**
   * `CREATE [UNLOGGED] TABLE name (columns...) [PARTITION BY ...]`, or
   * `... PARTITION OF parent ...`, or `... INHERITS (...)`; `columns` may
   * be empty.
   */
  export function addTable(table: QualifiedName, columns: Array<ColumnDef>, options: TableOptions): void;
  /**
   * `DROP TABLE name`.
   */
  export function dropTable(table: QualifiedName): void;
  /**
   * `ALTER TABLE table RENAME TO new-name` (the schema stays).
   */
  export function renameTable(table: QualifiedName, newName: string): void;
  export function addColumn(table: QualifiedName, column: ColumnDef): void;
  export function dropColumn(table: QualifiedName, column: string): void;
  export function renameColumn(table: QualifiedName, column: string, newName: string): void;
  /**
   * `ALTER COLUMN ... TYPE ... [USING ...]`.
   */
  export function changeColumnType(table: QualifiedName, column: string, newType: DataType, cast: TypeCast): void;
  /**
   * Makes a column an identity column, changes its kind, or (none) stops
   * it being one: `ADD GENERATED ... AS IDENTITY`, `SET GENERATED ...` or
   * `DROP IDENTITY`, whichever the column's current state needs. A new
   * identity column must be NOT NULL and have no default.
   */
  export function setColumnIdentity(table: QualifiedName, column: string, identity: IdentityKind | undefined): void;
  /**
   * `ALTER COLUMN ... DROP EXPRESSION`: a generated column becomes an
   * ordinary one, keeping its values.
   */
  export function dropColumnExpression(table: QualifiedName, column: string): void;
  export function addNotNull(table: QualifiedName, column: string): void;
  export function dropNotNull(table: QualifiedName, column: string): void;
  export function setColumnDefault(table: QualifiedName, column: string, default_: ColumnDefault): void;
  export function dropColumnDefault(table: QualifiedName, column: string): void;
  /**
   * `ALTER TABLE table ADD CONSTRAINT name ...`.
   */
  export function addConstraint(table: QualifiedName, name: string, constraint: Constraint): void;
  export function dropConstraint(table: QualifiedName, name: string): void;
  /**
   * `ALTER TABLE table RENAME CONSTRAINT name TO new-name` (a unique or
   * primary key's index is renamed with it).
   */
  export function renameConstraint(table: QualifiedName, name: string, newName: string): void;
  /**
   * `CREATE [UNIQUE] INDEX name ON table USING method (columns) [WHERE ...]`.
   */
  export function addIndex(index: IndexDef): void;
  /**
   * A whole `CREATE [UNIQUE] INDEX` statement as Postgres prints it
   * (`pg_get_indexdef`), for indexes `add-index` cannot express:
   * expressions, `INCLUDE`, sort orders, operator classes. It must parse
   * as exactly one non-concurrent `CREATE INDEX`.
   */
  export function addIndexSql(definition: string): void;
  /**
   * `DROP INDEX schema.name`.
   */
  export function dropIndex(index: QualifiedName): void;
  /**
   * `ALTER INDEX index RENAME TO new-name` (the schema stays).
   */
  export function renameIndex(index: QualifiedName, newName: string): void;
  /**
   * Makes `index`, on the partition `partition`, the partition of the
   * partitioned table's index `parent` (`ALTER INDEX parent ATTACH
   * PARTITION index`). Where Postgres already gave the partition an
   * index of `parent` (creating or attaching the partition makes one
   * for each index of its table), that index is renamed `index`
   * instead. Nothing to do when `index` already is one.
   */
  export function attachIndex(parent: QualifiedName, index: QualifiedName, partition: QualifiedName): void;
  /**
   * `CREATE [MATERIALIZED] VIEW name AS query`. The query must parse as
   * exactly one `SELECT` (or `VALUES`, or `WITH ... SELECT`).
   */
  export function createView(name: QualifiedName, query: string, materialized: boolean): void;
  /**
   * `DROP [MATERIALIZED] VIEW name`.
   */
  export function dropView(name: QualifiedName, materialized: boolean): void;
  /**
   * `CREATE EXTENSION name [SCHEMA schema] [VERSION version]`.
   */
  export function createExtension(name: string, schema: string | undefined, version: string | undefined): void;
  /**
   * `ALTER EXTENSION name UPDATE TO version`.
   */
  export function updateExtension(name: string, version: string): void;
  /**
   * `DROP EXTENSION name`.
   */
  export function dropExtension(name: string): void;
  /**
   * A whole `CREATE [OR REPLACE] FUNCTION` or `PROCEDURE` statement
   * (as `pg_get_functiondef` prints it). Bodies are checked when first
   * called, not at creation, so a function may come before the tables it reads.
   */
  export function createFunction(definition: string): void;
  /**
   * `DROP FUNCTION|PROCEDURE name(arguments)`, `arguments` as
   * `pg_get_function_identity_arguments` prints them (`a integer, b text`).
   */
  export function dropFunction(name: QualifiedName, arguments: string, procedure: boolean): void;
  /**
   * A whole `CREATE TRIGGER` statement (as `pg_get_triggerdef` prints it).
   */
  export function createTrigger(definition: string): void;
  /**
   * `DROP TRIGGER name ON table`.
   */
  export function dropTrigger(table: QualifiedName, name: string): void;
  /**
   * `ALTER TABLE table SET LOGGED` or `SET UNLOGGED` (rewrites the table).
   */
  export function setTableLogged(table: QualifiedName, logged: boolean): void;
  /**
   * `ALTER TABLE relation SET (name = 'value', ...)` for `set`, then
   * `RESET (name, ...)` for `reset`: a table's or materialized view's
   * storage parameters, a view's options. No rewrite: a new `fillfactor`
   * applies to pages written from then on.
   */
  export function setRelationOptions(relation: QualifiedName, set: Array<RelationOption>, reset: Array<string>): void;
  /**
   * `ALTER TABLE table REPLICA IDENTITY ...`.
   */
  export function setReplicaIdentity(table: QualifiedName, identity: ReplicaIdentity): void;
  /**
   * `ALTER TABLE parent ATTACH PARTITION partition <bound>`; the bound is
   * `FOR VALUES ...` or `DEFAULT`.
   */
  export function attachPartition(parent: QualifiedName, partition: QualifiedName, bound: string): void;
  /**
   * `ALTER TABLE parent DETACH PARTITION partition`: it stays as a table.
   */
  export function detachPartition(parent: QualifiedName, partition: QualifiedName): void;
  /**
   * `ALTER TABLE table ENABLE|DISABLE ROW LEVEL SECURITY` and
   * `[NO] FORCE ROW LEVEL SECURITY` (forced: the owner is bound too).
   */
  export function setRowLevelSecurity(table: QualifiedName, enabled: boolean, forced: boolean): void;
  /**
   * `CREATE POLICY ...`.
   */
  export function createPolicy(policy: PolicyDef): void;
  /**
   * `DROP POLICY name ON table`.
   */
  export function dropPolicy(table: QualifiedName, name: string): void;
  /**
   * `CREATE SEQUENCE name ...`.
   */
  export function createSequence(name: QualifiedName, options: SequenceOptions): void;
  /**
   * `ALTER SEQUENCE name ...` with the settings given.
   */
  export function alterSequence(name: QualifiedName, options: SequenceOptions): void;
  /**
   * `ALTER SEQUENCE name OWNED BY table.column`, or (none) `OWNED BY NONE`.
   * An owned sequence is dropped with its column.
   */
  export function setSequenceOwner(name: QualifiedName, owner: TableMember | undefined): void;
  /**
   * `DROP SEQUENCE name`.
   */
  export function dropSequence(name: QualifiedName): void;
  /**
   * Changes a column's collation (none: the type's default), keeping its
   * type: `ALTER COLUMN ... TYPE <its type> COLLATE ...`.
   */
  export function setColumnCollation(table: QualifiedName, column: string, collation: QualifiedName | undefined): void;
  /**
   * `CREATE COLLATION name (provider = ..., ...)`.
   */
  export function createCollation(name: QualifiedName, definition: CollationDef): void;
  /**
   * `DROP COLLATION name`.
   */
  export function dropCollation(name: QualifiedName): void;
  /**
   * `COMMENT ON <target> IS text`, or (none) `IS NULL`, which removes it.
   */
  export function setComment(target: CommentTarget, text: string | undefined): void;
  /**
   * `GRANT privileges ON TABLE|SEQUENCE on TO grantee`.
   */
  export function grant(grant: GrantDef): void;
  /**
   * `REVOKE privileges ON ... FROM grantee`.
   */
  export function revoke(grant: GrantDef): void;
  /**
   * `GRANT privileges (columns) ON TABLE on TO grantee`: `select`,
   * `insert`, `update` or `references` on some columns only.
   */
  export function grantColumns(grant: GrantDef, columns: Array<string>): void;
  /**
   * `REVOKE privileges (columns) ON TABLE on FROM grantee`.
   */
  export function revokeColumns(grant: GrantDef, columns: Array<string>): void;
  /**
   * `CREATE SCHEMA name`.
   */
  export function createSchema(name: string): void;
  /**
   * `DROP SCHEMA name` (it must be empty).
   */
  export function dropSchema(name: string): void;
  /**
   * `CREATE TYPE name AS ENUM (values...)`, in the order given.
   */
  export function createEnum(name: QualifiedName, values: Array<string>): void;
  /**
   * `ALTER TYPE name ADD VALUE ...` for each value, in order; with a
   * position the first value goes there and each next one after the one
   * before. A value added in a migration cannot be used by that same
   * migration (a Postgres rule); use it in the next one.
   */
  export function addEnumValues(name: QualifiedName, values: Array<string>, position: EnumPosition | undefined): void;
  /**
   * `ALTER TYPE name RENAME VALUE 'value' TO 'new-value'`: rows that hold
   * the value hold the new one (the label changes, not the data).
   */
  export function renameEnumValue(name: QualifiedName, value: string, newValue: string): void;
  /**
   * Removes values from an enum. Postgres cannot do that in place, so the
   * host re-creates the type with the remaining values in their existing
   * order and converts every column that uses it (arrays too, defaults
   * kept). Fails, naming the table and column, when a row still holds a
   * removed value.
   */
  export function dropEnumValues(name: QualifiedName, values: Array<string>): void;
  /**
   * `DROP TYPE name` (an enum, a domain, a composite or a range type).
   */
  export function dropType(name: QualifiedName): void;
  /**
   * A whole `CREATE DOMAIN`, `CREATE TYPE name AS (...)` (a composite
   * type) or `CREATE TYPE name AS RANGE (...)` statement. It must parse
   * as exactly one of them.
   */
  export function createType(definition: string): void;
  /**
   * `ALTER DOMAIN name ...`: its default, NOT NULL, or a check (a new
   * check or NOT NULL is proved over every column of the domain).
   */
  export function alterDomain(name: QualifiedName, change: DomainChange): void;
  /**
   * `ALTER TYPE name ADD|DROP ATTRIBUTE ...` or `ALTER ATTRIBUTE ...
   * TYPE ...` of a composite type no table column uses.
   */
  export function alterCompositeType(name: QualifiedName, change: AttributeChange): void;
  /**
   * Runs one SQL statement with bind parameters (`$1`, `$2`, ...) and
   * returns the number of rows it affected. Transaction control (`BEGIN`,
   * `COMMIT`, `ROLLBACK`, `SAVEPOINT`, ...) and several statements in one
   * string are refused.
   */
  export function execute(sql: string, params: Array<SqlValue>): number;
  /**
   * Runs one SQL statement with bind parameters and returns its rows.
   */
  export function query(sql: string, params: Array<SqlValue>): Rows;
  /**
   * Ends the migration's current step: what it did so far commits now,
   * recorded in `migration_steps` as a step of this migration, and what
   * follows runs in a new transaction. A migration of several steps (this
   * call, or one of the steps below that run outside a transaction) is
   * applied step by step. A run that stops (a failed step, a lost
   * connection, `kill -9`) keeps the steps that committed, and the next
   * `apply` (for `down`: `rollback`) resumes it: the function runs again
   * from the start, and the steps that committed are replayed, not
   * rerun (their actions and `execute`s are not sent, an `execute`
   * returning the row count it returned then; their `query`s read the
   * database as it is now, in a read-only transaction). So a
   * migration must take its steps in the same order each time. Use it to
   * commit a long backfill batch by batch, or an enum value that later
   * steps use. Not for a sandboxed source, whose migration is checked
   * whole before it commits.
   */
  export function commitStep(): void;
  /**
   * `CREATE [UNIQUE] INDEX CONCURRENTLY`: reads and writes of the table
   * go on while the index builds. A step of its own, outside any
   * transaction (see `commit-step`). A build that failed or was killed
   * leaves an `INVALID` index; the next run drops it and builds again.
   */
  export function addIndexConcurrently(index: IndexDef): void;
  /**
   * `add-index-sql`'s statement, built `CONCURRENTLY` (the definition
   * itself is an ordinary `CREATE INDEX`); a step of its own.
   */
  export function addIndexSqlConcurrently(definition: string): void;
  /**
   * `DROP INDEX CONCURRENTLY`: waits for the queries that use the index
   * instead of blocking the table; a step of its own.
   */
  export function dropIndexConcurrently(index: QualifiedName): void;
  /**
   * `REINDEX INDEX CONCURRENTLY`: rebuilds an index (a bloated one, or one
   * left `INVALID`) while writes go on; a step of its own. A rebuild that
   * was killed leaves an `INVALID` copy (`..._ccnew`); the next run drops it.
   */
  export function reindexConcurrently(index: QualifiedName): void;
  /**
   * `ALTER TABLE parent DETACH PARTITION partition CONCURRENTLY`: the
   * parent is not locked against queries; a step of its own. A detach
   * that was interrupted is finished (`FINALIZE`) by the next run.
   */
  export function detachPartitionConcurrently(parent: QualifiedName, partition: QualifiedName): void;
  /**
   * `ALTER TABLE table VALIDATE CONSTRAINT name`, for a constraint added
   * `NOT VALID` (`constraint::sql("... NOT VALID")`): it scans the rows
   * under a lock that lets reads and writes go on. A step of its own,
   * so that the strong lock the `ADD` took is released before the scan.
   * Fails, naming the constraint, when a row violates it.
   */
  export function validateConstraint(table: QualifiedName, name: string): void;
  /**
   * `execute`, as a step of its own outside any transaction, for a
   * statement Postgres refuses inside one (`VACUUM`, `CREATE DATABASE`,
   * ...). A run killed while it ran cannot tell whether it finished: the
   * next run stops before it and names it, and `apply --interrupted
   * retry` runs it again or `--interrupted done` takes it as done.
   */
  export function executeOutsideTransaction(sql: string, params: Array<SqlValue>): number;
  /**
   * Suppresses the lint rule `code` (`MH101`, or its name,
   * `index-without-concurrently`) for the steps this migration takes
   * after the call, with the reason a reviewer reads in `migrate-host
   * lint`'s output. Changes nothing in the database; an unknown code or
   * an empty reason is an `invalid-argument` error.
   */
  export function lintAllow(code: string, reason: string): void;
  export type QualifiedName = import('migrate:host/types@0.1.0').QualifiedName;
  export type ColumnDef = import('migrate:host/types@0.1.0').ColumnDef;
  export type DataType = import('migrate:host/types@0.1.0').DataType;
  export type ColumnDefault = import('migrate:host/types@0.1.0').ColumnDefault;
  export type TypeCast = import('migrate:host/types@0.1.0').TypeCast;
  export type IdentityKind = import('migrate:host/types@0.1.0').IdentityKind;
  export type Constraint = import('migrate:host/types@0.1.0').Constraint;
  export type IndexDef = import('migrate:host/types@0.1.0').IndexDef;
  export type EnumPosition = import('migrate:host/types@0.1.0').EnumPosition;
  export type SqlValue = import('migrate:host/types@0.1.0').SqlValue;
  export type Rows = import('migrate:host/types@0.1.0').Rows;
  export type Error = import('migrate:host/types@0.1.0').Error;
  export type TableMember = import('migrate:host/types@0.1.0').TableMember;
  export type TableOptions = import('migrate:host/types@0.1.0').TableOptions;
  export type SequenceOptions = import('migrate:host/types@0.1.0').SequenceOptions;
  export type CollationDef = import('migrate:host/types@0.1.0').CollationDef;
  export type CommentTarget = import('migrate:host/types@0.1.0').CommentTarget;
  export type GrantDef = import('migrate:host/types@0.1.0').GrantDef;
  export type PolicyDef = import('migrate:host/types@0.1.0').PolicyDef;
  export type RelationOption = import('migrate:host/types@0.1.0').RelationOption;
  export type ReplicaIdentity = import('migrate:host/types@0.1.0').ReplicaIdentity;
  export type DomainChange = import('migrate:host/types@0.1.0').DomainChange;
  export type AttributeChange = import('migrate:host/types@0.1.0').AttributeChange;
}
