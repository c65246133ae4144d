// TypeScript declarations of the JavaScript SDK (migrate.js), so that an
// editor completes and checks a migration (`// @ts-check` at its top, or
// `tsc --noEmit --allowJs --checkJs`). The WIT records and the raw
// interfaces are declared in types/, generated from wit/migrate.wit by jco.
/// <reference path="./types/migration-component.d.ts" />

import type {
  CollationProvider,
  ColumnDef,
  CommentTarget,
  Constraint,
  ConstraintForeignKey,
  DataType,
  ErrorKind,
  ForeignKeyAction,
  IdentityKind,
  IndexDef,
  IndexMethod,
  PolicyCommand,
  Privilege,
  QualifiedName,
  ScalarType,
  SequenceType,
  SqlValue,
  TableMember,
} from "migrate:host/types@0.1.0";
import type * as Actions from "migrate:host/actions@0.1.0";
import type * as MigrationExport from "migrate:host/migration@0.1.0";

export type {
  CollationProvider,
  ColumnDef,
  CommentTarget,
  Constraint,
  DataType,
  ErrorKind,
  ForeignKeyAction,
  IdentityKind,
  IndexDef,
  IndexMethod,
  PolicyCommand,
  Privilege,
  QualifiedName,
  ScalarType,
  SequenceType,
  SqlValue,
  TableMember,
};

/** The WIT `actions` interface itself, for what the helpers do not cover. */
export declare const actions: typeof Actions;

// --- the migration ------------------------------------------------------------

export interface MigrationDefinition {
  /** This migration's revision: unique in its chain, 1 to 128 bytes. */
  revision: string;
  /** The revision this one applies on top of; null for the first. */
  parent: string | null;
  /** What the migration does, for humans. */
  message: string;
  /** Moves the database forward. */
  up(): void;
  /** Undoes `up`. */
  down(): void;
}

/** The `migration` export of a component. */
export type Migration = typeof MigrationExport;

/**
 * The `migration` export from a revision, parent, message and two
 * directions; an exception escaping `up` or `down` becomes the contract's
 * error instead of a trap.
 */
export declare function defineMigration(definition: MigrationDefinition): Migration;

/** The contract's error record (what a failed action reports). */
export interface ActionError {
  kind: ErrorKind;
  message: string;
  /** The SQLSTATE code when `kind` is "database" (e.g. "23505"). */
  sqlstate: string | null;
}

/** Fails the migration with `message` (it is rolled back). */
export declare function fail(message: string): never;

/** The error record of an exception an action threw, or null when it is not one. */
export declare function actionError(e: unknown): ActionError | null;

// --- names and values ---------------------------------------------------------

/**
 * "table" (the default schema), ["schema", "table"] or { schema, name }.
 * (Any string array type-checks, so that `const t = ["shop", "orders"]`
 * does; one that is not a pair throws.)
 */
export type Name = string | readonly string[] | { schema?: string | null; name: string };

/** A qualified name from a `Name`. */
export declare function name(n: Name): QualifiedName;

/** A value given with its SQL kind (from `value.numeric()` and the like). */
export interface TypedValue {
  readonly tag: SqlValue["tag"];
  readonly val?: unknown;
}

/** What `value()` turns into a bind parameter. */
export type Param =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Date
  | TypedValue
  | readonly unknown[]
  | { readonly [key: string]: unknown };

/** A JSON document's value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A bind parameter from a JavaScript value: null/undefined NULL, boolean,
 * an integral number `int`, any other number `float`, bigint `int`, string
 * `text`, Uint8Array `bytes`, Date `text` (ISO 8601), other objects and
 * arrays `json`.
 */
export declare const value: {
  (v: Param): SqlValue;
  /** An exact decimal, as text: `value.numeric("12.50")`. */
  numeric(text: string | number): TypedValue;
  /** A float even when the number is integral. */
  float(n: number): TypedValue;
  int(n: number): TypedValue;
  text(s: string): TypedValue;
  /** A JSON document from any JSON value. */
  json(v: unknown): TypedValue;
  bytes(bytes: Uint8Array | readonly number[]): TypedValue;
  null(): TypedValue;
};

/** A value `query` returns: NULL null, `numeric` its exact text, `json` parsed. */
export type Value = null | boolean | number | string | Uint8Array | Json;

/** A JavaScript value from a `sql-value` of `query`. */
export declare function fromValue(v: SqlValue): Value;

// --- types --------------------------------------------------------------------

/** A column's type: a scalar type from `ty.*`, or an array type from `ty.array()`. */
export type Type = ScalarType | DataType;

/** Column types. */
export declare const ty: {
  smallint(): ScalarType;
  integer(): ScalarType;
  bigint(): ScalarType;
  /** `numeric(precision, scale)`. */
  numeric(precision: number, scale?: number): ScalarType;
  /** Unconstrained `numeric`. */
  decimal(): ScalarType;
  real(): ScalarType;
  doublePrecision(): ScalarType;
  smallserial(): ScalarType;
  serial(): ScalarType;
  bigserial(): ScalarType;
  money(): ScalarType;
  /** `char(length)`; without a length, `char(1)`. */
  char(length?: number): ScalarType;
  /** `varchar(length)`; without a length, unbounded. */
  varchar(length?: number): ScalarType;
  text(): ScalarType;
  bytea(): ScalarType;
  boolean(): ScalarType;
  date(): ScalarType;
  /** `time(precision)` without time zone. */
  time(precision?: number): ScalarType;
  /** `timetz`. */
  timetz(precision?: number): ScalarType;
  /** `timestamp(precision)` without time zone. */
  timestamp(precision?: number): ScalarType;
  /** `timestamptz`. */
  timestamptz(precision?: number): ScalarType;
  interval(): ScalarType;
  uuid(): ScalarType;
  json(): ScalarType;
  jsonb(): ScalarType;
  xml(): ScalarType;
  point(): ScalarType;
  line(): ScalarType;
  lseg(): ScalarType;
  box(): ScalarType;
  path(): ScalarType;
  polygon(): ScalarType;
  circle(): ScalarType;
  cidr(): ScalarType;
  inet(): ScalarType;
  macaddr(): ScalarType;
  macaddr8(): ScalarType;
  /** `bit(length)`; without a length, `bit(1)`. */
  bit(length?: number): ScalarType;
  /** `bit varying(length)`; without a length, unbounded. */
  varbit(length?: number): ScalarType;
  tsvector(): ScalarType;
  tsquery(): ScalarType;
  int4range(): ScalarType;
  int8range(): ScalarType;
  numrange(): ScalarType;
  tsrange(): ScalarType;
  tstzrange(): ScalarType;
  daterange(): ScalarType;
  oid(): ScalarType;
  /** A user-defined type (an enum, a domain, an extension's type) by name. */
  named(typeName: Name): ScalarType;
  /** A type as Postgres spells it, for anything the others lack. */
  sql(spelling: string): ScalarType;
  /** An array of a scalar type (`text[]`). */
  array(of: Type): DataType;
};

// --- columns, constraints, indexes --------------------------------------------

export interface ColumnOptions {
  /** Adds `NOT NULL`. */
  notNull?: boolean;
  /** A constant default, sent as a typed literal. */
  default?: Param;
  /** A default expression such as "now()". */
  defaultExpr?: string;
  /** `GENERATED ALWAYS|BY DEFAULT AS IDENTITY`. */
  identity?: IdentityKind | null;
  /** `GENERATED ALWAYS AS (expression) STORED`. */
  generated?: string | null;
  /** `COLLATE name`. */
  collate?: Name | null;
}

/** A column of `addTable` or `addColumn`, nullable unless `notNull`. */
export declare function column(columnName: string, type: Type, options?: ColumnOptions): ColumnDef;

/** Column names: "a", ["a", "b"], or several of either. */
export type Columns = string | readonly string[];

/** `PRIMARY KEY (columns)`. */
export declare function primaryKey(...columns: Columns[]): Constraint;
/** `UNIQUE (columns)`. */
export declare function unique(...columns: Columns[]): Constraint;
/** `CHECK (expression)`. */
export declare function check(expression: string): Constraint;

export interface ForeignKeyOptions {
  onDelete?: ForeignKeyAction;
  onUpdate?: ForeignKeyAction;
}

/** `FOREIGN KEY (columns) REFERENCES references (referencedColumns)`, `NO ACTION` unless told. */
export declare function foreignKey(
  columns: Columns,
  references: Name,
  referencedColumns: Columns,
  options?: ForeignKeyOptions,
): ConstraintForeignKey;

/** A whole table constraint as Postgres prints it (exclusion constraints, `DEFERRABLE`, `NOT VALID`). */
export declare function constraintSql(definition: string): Constraint;

export interface IndexOptions {
  unique?: boolean;
  /** Default "btree". */
  method?: IndexMethod;
  /** A partial index's `WHERE` predicate. */
  predicate?: string | null;
}

/** An index for `addIndex`. */
export declare function index(indexName: string, table: Name, columns: Columns, options?: IndexOptions): IndexDef;

/** A column, constraint or trigger of a table. */
export declare function member(table: Name, memberName: string): TableMember;

/** What `setComment` comments on. */
export declare const commentOn: {
  schema(schema: string): CommentTarget;
  table(n: Name): CommentTarget;
  column(table: Name, columnName: string): CommentTarget;
  view(n: Name): CommentTarget;
  materializedView(n: Name): CommentTarget;
  index(n: Name): CommentTarget;
  sequence(n: Name): CommentTarget;
  type(n: Name): CommentTarget;
  collation(n: Name): CommentTarget;
  function(n: Name, args?: string): CommentTarget;
  procedure(n: Name, args?: string): CommentTarget;
  constraint(table: Name, constraintName: string): CommentTarget;
  trigger(table: Name, triggerName: string): CommentTarget;
};

// --- actions ------------------------------------------------------------------

export interface TableOptions {
  /** `CREATE UNLOGGED TABLE`. */
  unlogged?: boolean;
  /** `PARTITION BY <this>` ("RANGE (logdate)"). */
  partitionBy?: string | null;
  /** `INHERITS (parents...)`. */
  inherits?: readonly Name[];
}

export declare function addTable(table: Name, columns?: readonly ColumnDef[], options?: TableOptions): void;
export declare function addPartition(partition: Name, parentTable: Name, bound: string): void;
export declare function dropTable(table: Name): void;
export declare function renameTable(table: Name, newName: string): void;
export declare function setTableLogged(table: Name, logged: boolean): void;
/** `ALTER TABLE relation SET (name = 'value', ...)` for each entry of `set`, then `RESET (name, ...)`. */
export declare function setRelationOptions(
  relation: Name,
  set: { readonly [option: string]: string | number | boolean },
  reset?: readonly string[],
): void;
export type ReplicaIdentityChoice = "default" | "full" | "nothing" | { usingIndex: string };
export declare function setReplicaIdentity(table: Name, identity: ReplicaIdentityChoice): void;
/** `ALTER INDEX parent ATTACH PARTITION index`, or the partition's index Postgres made renamed `index`. */
export declare function attachIndex(parent: Name, index: Name, partition: Name): void;
export declare function attachPartition(parentTable: Name, partition: Name, bound: string): void;
export declare function detachPartition(parentTable: Name, partition: Name): void;

export declare function addColumn(table: Name, col: ColumnDef): void;
export declare function dropColumn(table: Name, columnName: string): void;
export declare function renameColumn(table: Name, columnName: string, newName: string): void;

export interface CastOptions {
  /** `USING <expression>`. */
  using?: string;
  /** The host writes the `USING` cast. */
  auto?: boolean;
}

export declare function changeColumnType(table: Name, columnName: string, newType: Type, options?: CastOptions): void;
export declare function setColumnIdentity(table: Name, columnName: string, identity: IdentityKind | null): void;
export declare function dropColumnExpression(table: Name, columnName: string): void;
export declare function addNotNull(table: Name, columnName: string): void;
export declare function dropNotNull(table: Name, columnName: string): void;
export declare function setColumnDefault(table: Name, columnName: string, constant: Param): void;
export declare function setColumnDefaultExpr(table: Name, columnName: string, expression: string): void;
export declare function dropColumnDefault(table: Name, columnName: string): void;
export declare function setColumnCollation(table: Name, columnName: string, collation: Name | null): void;

export declare function addConstraint(table: Name, constraintName: string, constraint: Constraint): void;
export declare function dropConstraint(table: Name, constraintName: string): void;
export declare function renameConstraint(table: Name, constraintName: string, newName: string): void;
export declare function addIndex(indexDef: IndexDef): void;
export declare function addIndexSql(definition: string): void;
export declare function dropIndex(indexName: Name): void;
export declare function renameIndex(indexName: Name, newName: string): void;

export declare function createView(view: Name, query: string): void;
export declare function createMaterializedView(view: Name, query: string): void;
export declare function dropView(view: Name): void;
export declare function dropMaterializedView(view: Name): void;

export interface ExtensionOptions {
  schema?: string | null;
  version?: string | null;
}

export declare function createExtension(extension: string, options?: ExtensionOptions): void;
export declare function updateExtension(extension: string, version: string): void;
export declare function dropExtension(extension: string): void;
export declare function createFunction(definition: string): void;
export declare function dropFunction(fn: Name, args?: string): void;
export declare function dropProcedure(procedure: Name, args?: string): void;
export declare function createTrigger(definition: string): void;
export declare function dropTrigger(table: Name, triggerName: string): void;

export declare function setRowLevelSecurity(table: Name, enabled: boolean, forced?: boolean): void;

export interface PolicyOptions {
  /** Default true; false is `AS RESTRICTIVE`. */
  permissive?: boolean;
  /** Default "all". */
  command?: PolicyCommand;
  /** Role names or "PUBLIC"; empty (the default) means PUBLIC. */
  roles?: readonly string[];
  using?: string | null;
  withCheck?: string | null;
}

export declare function createPolicy(policyName: string, table: Name, options?: PolicyOptions): void;
export declare function dropPolicy(table: Name, policyName: string): void;

export interface SequenceOptions {
  dataType?: SequenceType | null;
  start?: number | null;
  increment?: number | null;
  minValue?: number | null;
  maxValue?: number | null;
  cache?: number | null;
  cycle?: boolean | null;
}

export declare function createSequence(sequence: Name, options?: SequenceOptions): void;
export declare function alterSequence(sequence: Name, options?: SequenceOptions): void;
export declare function setSequenceOwner(sequence: Name, table: Name, columnName: string): void;
export declare function clearSequenceOwner(sequence: Name): void;
export declare function dropSequence(sequence: Name): void;

export interface CollationOptions {
  /** The ICU locale, or libc's LC_COLLATE. */
  locale: string;
  /** Default "libc". */
  provider?: CollationProvider;
  /** libc's LC_CTYPE when it differs from `locale`. */
  lcCtype?: string | null;
  /** Default true. */
  deterministic?: boolean;
}

export declare function createCollation(collation: Name, options: CollationOptions): void;
export declare function dropCollation(collation: Name): void;
export declare function setComment(target: CommentTarget, text: string | null): void;

export interface GrantOptions {
  /** `WITH GRANT OPTION` (grant) / `GRANT OPTION FOR` (revoke). */
  grantOption?: boolean;
}

export declare function grant(on: Name, privileges: readonly Privilege[], grantee: string, options?: GrantOptions): void;
export declare function revoke(on: Name, privileges: readonly Privilege[], grantee: string, options?: GrantOptions): void;
/** `GRANT privileges (columns) ON on TO grantee` ("select", "insert", "update", "references"). */
export declare function grantColumns(
  on: Name,
  privileges: readonly Privilege[],
  columns: Columns,
  grantee: string,
  options?: GrantOptions,
): void;
export declare function revokeColumns(
  on: Name,
  privileges: readonly Privilege[],
  columns: Columns,
  grantee: string,
  options?: GrantOptions,
): void;

export declare function createSchema(schema: string): void;
export declare function dropSchema(schema: string): void;
export declare function createEnum(enumName: Name, values: readonly string[]): void;
/** A whole `CREATE DOMAIN`, `CREATE TYPE name AS (...)` or `CREATE TYPE name AS RANGE (...)` statement. */
export declare function createType(definition: string): void;
export type DomainChangeChoice =
  | { setDefault: string }
  | "drop-default"
  | "set-not-null"
  | "drop-not-null"
  | { addCheck: { name: string; expression: string } }
  | { dropConstraint: string };
export declare function alterDomain(domain: Name, change: DomainChangeChoice): void;
export interface Attribute {
  name: string;
  type: Type;
  collate?: Name | null;
}
export type AttributeChangeChoice = { add: Attribute } | { drop: string } | { setType: Attribute };
export declare function alterCompositeType(typeName: Name, change: AttributeChangeChoice): void;

export interface EnumPositionOptions {
  before?: string;
  after?: string;
}

export declare function addEnumValues(enumName: Name, values: readonly string[], options?: EnumPositionOptions): void;
export declare function dropEnumValues(enumName: Name, values: readonly string[]): void;
export declare function renameEnumValue(enumName: Name, value: string, newValue: string): void;
export declare function dropType(typeName: Name): void;

/** Runs one statement with bind parameters; returns the number of rows affected. */
export declare function execute(sql: string, ...params: Param[]): number;
/** Runs one statement with bind parameters; returns its rows by column name. */
export declare function query(sql: string, ...params: Param[]): Array<Record<string, Value>>;
/** Suppresses lint rule `code` ("MH101", or its name) for the steps after it, with a reason. */
export declare function lintAllow(code: string, reason: string): void;

/** Commits what the migration did so far as one step; what follows runs in a new transaction. */
export declare function commitStep(): void;
/** `CREATE [UNIQUE] INDEX CONCURRENTLY`, a step of its own outside any transaction. */
export declare function addIndexConcurrently(indexDef: IndexDef): void;
/** `addIndexSql`'s statement built `CONCURRENTLY`, a step of its own. */
export declare function addIndexSqlConcurrently(definition: string): void;
/** `DROP INDEX CONCURRENTLY`, a step of its own. */
export declare function dropIndexConcurrently(indexName: Name): void;
/** `REINDEX INDEX CONCURRENTLY`, a step of its own. */
export declare function reindexConcurrently(indexName: Name): void;
/** `DETACH PARTITION ... CONCURRENTLY`, a step of its own. */
export declare function detachPartitionConcurrently(parent: Name, partition: Name): void;
/** `VALIDATE CONSTRAINT` of a constraint added `NOT VALID`, a step of its own. */
export declare function validateConstraint(table: Name, constraintName: string): void;
/** `execute` as a step of its own outside any transaction; returns the rows affected. */
export declare function executeOutsideTransaction(sql: string, ...params: Param[]): number;
