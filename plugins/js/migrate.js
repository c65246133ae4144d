// The JavaScript SDK for migrate-host migrations: the Rust prelude's
// helpers (plugins/rust) as one ES module. A migration imports it and the
// WIT contract's records are filled in for it:
//
//   import { defineMigration, column, ty, primaryKey, index, addTable, addConstraint,
//            addIndex, dropTable } from "./.migrate-sdk/js/migrate.js";
//
//   export const migration = defineMigration({
//     revision: "20261125120000",
//     parent: "20261104090000",
//     message: "audit log",
//     up() {
//       addTable("audit_log", [
//         column("id", ty.bigint(), { notNull: true, identity: "always" }),
//         column("actor", ty.text(), { notNull: true }),
//       ]);
//       addConstraint("audit_log", "audit_log_pkey", primaryKey("id"));
//     },
//     down() {
//       dropTable("audit_log");
//     },
//   });
//
// componentize-qjs resolves the import while it builds the component (the
// module is evaluated then and snapshotted with the migration), so the
// component holds the SDK and needs no file at run time. migrate.d.ts
// declares this module for TypeScript and editors; types/ declares the WIT
// interfaces themselves (generated from wit/migrate.wit by jco).
//
// A name is a string (the default schema), a [schema, name] pair or a
// { schema, name } record. Values are plain JavaScript values (null,
// booleans, numbers, strings, Uint8Array, objects and arrays as JSON), or
// value.*() for what a plain value cannot say (value.numeric("12.50"),
// value.float(2)). Every action throws on failure; let it propagate and the
// whole migration is rolled back.
import actions from "migrate:host/actions@0.1.0";

export { actions };

// --- the migration ------------------------------------------------------------

/**
 * The `migration` export of a component from its revision, parent (null
 * for the first), message and two directions. An exception that escapes
 * `up` or `down` becomes the contract's error (kind `migration`, naming
 * it) instead of a trap, and a failed action's error passes through as it
 * is.
 */
export function defineMigration(definition) {
  const { revision, parent = null, message = "", up, down } = definition;
  if (typeof revision !== "string" || revision === "") {
    throw new TypeError("defineMigration: revision must be a non-empty string");
  }
  for (const [name, direction] of [["up", up], ["down", down]]) {
    if (typeof direction !== "function") {
      throw new TypeError(`defineMigration: ${name} must be a function`);
    }
  }
  return {
    metadata() {
      return { revision, parent, message };
    },
    up() {
      reporting(up);
    },
    down() {
      reporting(down);
    },
  };
}

function reporting(direction) {
  try {
    direction();
  } catch (e) {
    throw asError(e);
  }
}

const ERROR_KINDS = new Set([
  "invalid-identifier",
  "invalid-argument",
  "database",
  "not-permitted",
  "limit-exceeded",
  "migration",
]);

/** The contract's error record for anything thrown in a migration. */
function asError(e) {
  // A failed action throws an Error whose payload is the host's error record.
  const record = e !== null && typeof e === "object" && "payload" in e ? e.payload : e;
  if (record !== null && typeof record === "object" && ERROR_KINDS.has(record.kind) && typeof record.message === "string") {
    return { kind: record.kind, message: record.message, sqlstate: record.sqlstate ?? null };
  }
  const text = e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${describe(e)}`;
  return { kind: "migration", message: text, sqlstate: null };
}

function describe(v) {
  try {
    return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Fails the migration with `message` (it is rolled back). */
export function fail(message) {
  throw { kind: "migration", message: String(message), sqlstate: null };
}

/**
 * The contract's error record of an exception an action threw (`kind`,
 * `message`, `sqlstate`), or null when it is not one: for a migration
 * that catches a failure and decides.
 */
export function actionError(e) {
  const record = e !== null && typeof e === "object" && "payload" in e ? e.payload : e;
  if (record !== null && typeof record === "object" && ERROR_KINDS.has(record.kind)) {
    return { kind: record.kind, message: String(record.message), sqlstate: record.sqlstate ?? null };
  }
  return null;
}

// --- names and values ---------------------------------------------------------

/**
 * A qualified name from "table" (the default schema), ["schema", "table"]
 * or { schema, name }. A dot is part of a name, not a separator.
 */
export function name(n) {
  if (typeof n === "string") return { schema: null, name: n };
  if (Array.isArray(n) && n.length === 2 && n.every((part) => typeof part === "string")) {
    return { schema: n[0], name: n[1] };
  }
  if (n !== null && typeof n === "object" && typeof n.name === "string") {
    return { schema: n.schema ?? null, name: n.name };
  }
  throw new TypeError(`not a name: ${describe(n)} (a string, a [schema, name] pair or { schema, name })`);
}

function optionalName(n) {
  return n === null || n === undefined ? null : name(n);
}

/** A value given with its SQL kind, passed through `value()` as it is. */
class Typed {
  constructor(tag, val) {
    this.tag = tag;
    if (val !== undefined) this.val = val;
  }
}

/**
 * A bind parameter (the WIT `sql-value`) from a JavaScript value: null and
 * undefined are NULL, a boolean `boolean`, an integral number `int`, any
 * other number `float`, a bigint `int`, a string `text`, a Uint8Array
 * `bytes`, a Date `text` (ISO 8601 in UTC: an instant, for `timestamptz`),
 * and any other object or array `json`.
 */
export function value(v) {
  if (v instanceof Typed) return { tag: v.tag, val: v.val };
  if (v === null || v === undefined) return { tag: "null" };
  switch (typeof v) {
    case "boolean":
      return { tag: "boolean", val: v };
    case "number":
      return Number.isInteger(v) ? { tag: "int", val: v } : { tag: "float", val: v };
    case "bigint":
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new RangeError(`value: ${v} does not fit a JavaScript number; pass it as value.numeric("${v}")`);
      }
      return { tag: "int", val: Number(v) };
    case "string":
      return { tag: "text", val: v };
  }
  if (v instanceof Uint8Array) return { tag: "bytes", val: v };
  if (v instanceof Date) return { tag: "text", val: v.toISOString() };
  if (typeof v === "object") return { tag: "json", val: JSON.stringify(v) };
  throw new TypeError(`value: no SQL value for ${typeof v}`);
}

/** An exact decimal, as text: `value.numeric("12.50")`. */
value.numeric = (text) => new Typed("numeric", String(text));
/** A float even when the number is integral: `value.float(2)`. */
value.float = (n) => new Typed("float", Number(n));
/** An integer: `value.int(5)`. */
value.int = (n) => new Typed("int", Number(n));
/** Text, whatever it looks like. */
value.text = (s) => new Typed("text", String(s));
/** A JSON document from any JSON value (a string too: `value.json("a")` is `"a"`). */
value.json = (v) => new Typed("json", JSON.stringify(v));
/** Bytes. */
value.bytes = (bytes) => new Typed("bytes", bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
/** SQL NULL. */
value.null = () => new Typed("null");

/**
 * A JavaScript value from a `sql-value` that `query` returned: NULL is
 * null, `numeric` its exact text, `json` parsed, the rest their value.
 */
export function fromValue(v) {
  switch (v.tag) {
    case "null":
      return null;
    case "json":
      return JSON.parse(v.val);
    default:
      return v.val;
  }
}

function names(columns) {
  return columns.flat().map((c) => {
    if (typeof c !== "string") throw new TypeError(`not a column name: ${describe(c)}`);
    return c;
  });
}

// --- types --------------------------------------------------------------------

const scalar = (tag, val) => (val === undefined ? { tag } : { tag, val });
const time = (withTimeZone, precision) => ({ withTimeZone, precision: precision ?? null });

/**
 * Column types: `ty.text()`, `ty.varchar(40)`, `ty.numeric(10, 2)`,
 * `ty.timestamptz()`, `ty.named("post_status")`, `ty.array(ty.text())`.
 * Each returns the WIT `scalar-type` (`ty.array` a `data-type`); a column
 * takes either.
 */
export const ty = {
  smallint: () => scalar("smallint"),
  integer: () => scalar("integer"),
  bigint: () => scalar("bigint"),
  /** `numeric(precision, scale)`. */
  numeric: (precision, scale = 0) => scalar("numeric", { precision, scale }),
  /** Unconstrained `numeric`. */
  decimal: () => scalar("numeric", null),
  real: () => scalar("real"),
  doublePrecision: () => scalar("double-precision"),
  smallserial: () => scalar("smallserial"),
  serial: () => scalar("serial"),
  bigserial: () => scalar("bigserial"),
  money: () => scalar("money"),
  /** `char(length)`; without a length, `char(1)`. */
  char: (length) => scalar("char", length ?? null),
  /** `varchar(length)`; without a length, unbounded. */
  varchar: (length) => scalar("varchar", length ?? null),
  text: () => scalar("text"),
  bytea: () => scalar("bytea"),
  boolean: () => scalar("boolean"),
  date: () => scalar("date"),
  /** `time(precision)` without time zone. */
  time: (precision) => scalar("time", time(false, precision)),
  /** `timetz`. */
  timetz: (precision) => scalar("time", time(true, precision)),
  /** `timestamp(precision)` without time zone. */
  timestamp: (precision) => scalar("timestamp", time(false, precision)),
  /** `timestamptz`. */
  timestamptz: (precision) => scalar("timestamp", time(true, precision)),
  interval: () => scalar("interval"),
  uuid: () => scalar("uuid"),
  json: () => scalar("json"),
  jsonb: () => scalar("jsonb"),
  xml: () => scalar("xml"),
  point: () => scalar("point"),
  line: () => scalar("line"),
  lseg: () => scalar("lseg"),
  box: () => scalar("box"),
  path: () => scalar("path"),
  polygon: () => scalar("polygon"),
  circle: () => scalar("circle"),
  cidr: () => scalar("cidr"),
  inet: () => scalar("inet"),
  macaddr: () => scalar("macaddr"),
  macaddr8: () => scalar("macaddr8"),
  /** `bit(length)`; without a length, `bit(1)`. */
  bit: (length) => scalar("bit", length ?? null),
  /** `bit varying(length)`; without a length, unbounded. */
  varbit: (length) => scalar("varbit", length ?? null),
  tsvector: () => scalar("tsvector"),
  tsquery: () => scalar("tsquery"),
  int4range: () => scalar("int4range"),
  int8range: () => scalar("int8range"),
  numrange: () => scalar("numrange"),
  tsrange: () => scalar("tsrange"),
  tstzrange: () => scalar("tstzrange"),
  daterange: () => scalar("daterange"),
  oid: () => scalar("oid"),
  /** A user-defined type (an enum, a domain, an extension's type) by name. */
  named: (typeName) => scalar("named", name(typeName)),
  /** A type as Postgres spells it, for anything the others lack. */
  sql: (spelling) => scalar("sql", spelling),
  /** An array of a scalar type (`text[]`). */
  array: (of) => ({ scalar: dataType(of).scalar, isArray: true }),
};

/** A `data-type` from a scalar type (not an array) or a data type. */
function dataType(t) {
  if (t !== null && typeof t === "object" && "scalar" in t) return { scalar: t.scalar, isArray: Boolean(t.isArray) };
  if (t !== null && typeof t === "object" && typeof t.tag === "string") return { scalar: t, isArray: false };
  throw new TypeError(`not a type: ${describe(t)} (use ty.*)`);
}

// --- columns, constraints, indexes --------------------------------------------

const COLUMN_OPTIONS = new Set(["notNull", "default", "defaultExpr", "identity", "generated", "collate"]);

function checkOptions(what, options, known) {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${what}: unknown option ${key} (known: ${[...known].join(", ")})`);
  }
}

/**
 * A column of `addTable` or `addColumn`, nullable unless `notNull`:
 * `column("email", ty.text(), { notNull: true })`. Options: `default` (a
 * constant, sent as a typed literal) or `defaultExpr` (an expression such
 * as "now()"), `identity` ("always" or "by-default"), `generated` (a
 * stored generated column's expression), `collate` (a collation's name).
 */
export function column(columnName, type, options = {}) {
  checkOptions("column", options, COLUMN_OPTIONS);
  const { notNull = false, default: constant, defaultExpr, identity = null, generated = null, collate = null } = options;
  if (constant !== undefined && defaultExpr !== undefined) {
    throw new TypeError(`column ${columnName}: give default or defaultExpr, not both`);
  }
  let defaultValue = null;
  if (constant !== undefined) defaultValue = { tag: "value", val: value(constant) };
  else if (defaultExpr !== undefined) defaultValue = { tag: "expression", val: defaultExpr };
  return {
    name: columnName,
    dataType: dataType(type),
    nullable: !notNull,
    default: defaultValue,
    identity,
    generated,
    collation: optionalName(collate),
  };
}

/** `PRIMARY KEY (columns)`: `primaryKey("id")`, `primaryKey("a", "b")` or `primaryKey(["a", "b"])`. */
export function primaryKey(...columns) {
  return { tag: "primary-key", val: names(columns) };
}

/** `UNIQUE (columns)`. */
export function unique(...columns) {
  return { tag: "unique", val: names(columns) };
}

/** `CHECK (expression)`. */
export function check(expression) {
  return { tag: "check", val: expression };
}

const FOREIGN_KEY_OPTIONS = new Set(["onDelete", "onUpdate"]);

/**
 * `FOREIGN KEY (columns) REFERENCES table (referencedColumns)`, `NO ACTION`
 * unless `onDelete`/`onUpdate` say otherwise ("cascade", "restrict",
 * "set-null", "set-default").
 */
export function foreignKey(columns, references, referencedColumns, options = {}) {
  checkOptions("foreignKey", options, FOREIGN_KEY_OPTIONS);
  return {
    tag: "foreign-key",
    val: {
      columns: names([columns]),
      references: name(references),
      referencedColumns: names([referencedColumns]),
      onDelete: options.onDelete ?? "no-action",
      onUpdate: options.onUpdate ?? "no-action",
    },
  };
}

/**
 * A whole table constraint as Postgres prints it, for what the others
 * cannot say (exclusion constraints, `DEFERRABLE`, `NOT VALID`).
 */
export function constraintSql(definition) {
  return { tag: "sql", val: definition };
}

const INDEX_OPTIONS = new Set(["unique", "method", "predicate"]);

/**
 * An index for `addIndex`: `index("posts_author_idx", "posts", ["author_id"])`,
 * btree unless `method` ("hash", "gist", "gin", "brin", "spgist"),
 * `unique`, and partial with a `predicate`.
 */
export function index(indexName, table, columns, options = {}) {
  checkOptions("index", options, INDEX_OPTIONS);
  return {
    name: indexName,
    table: name(table),
    columns: names([columns]),
    unique: Boolean(options.unique),
    method: options.method ?? "btree",
    predicate: options.predicate ?? null,
  };
}

/** A column, constraint or trigger of a table: `member("users", "email")`. */
export function member(table, memberName) {
  return { table: name(table), name: memberName };
}

/** What `setComment` comments on: `commentOn.column("users", "email")`. */
export const commentOn = {
  schema: (schema) => ({ tag: "schema", val: schema }),
  table: (n) => ({ tag: "table", val: name(n) }),
  column: (table, columnName) => ({ tag: "column", val: member(table, columnName) }),
  view: (n) => ({ tag: "view", val: name(n) }),
  materializedView: (n) => ({ tag: "materialized-view", val: name(n) }),
  index: (n) => ({ tag: "index", val: name(n) }),
  sequence: (n) => ({ tag: "sequence", val: name(n) }),
  type: (n) => ({ tag: "type", val: name(n) }),
  collation: (n) => ({ tag: "collation", val: name(n) }),
  function: (n, args = "") => ({ tag: "function", val: { name: name(n), arguments: args, procedure: false } }),
  procedure: (n, args = "") => ({ tag: "function", val: { name: name(n), arguments: args, procedure: true } }),
  constraint: (table, constraintName) => ({ tag: "constraint", val: member(table, constraintName) }),
  trigger: (table, triggerName) => ({ tag: "trigger", val: member(table, triggerName) }),
};

// --- actions: tables ----------------------------------------------------------

const TABLE_OPTIONS = new Set(["unlogged", "partitionBy", "inherits"]);

/**
 * `CREATE [UNLOGGED] TABLE table (columns...) [INHERITS (...)] [PARTITION BY ...]`.
 * Options: `unlogged`, `partitionBy` ("RANGE (logdate)"), `inherits` (names).
 */
export function addTable(table, columns = [], options = {}) {
  checkOptions("addTable", options, TABLE_OPTIONS);
  actions.addTable(name(table), [...columns], {
    unlogged: Boolean(options.unlogged),
    partitionBy: options.partitionBy ?? null,
    partitionOf: null,
    inherits: (options.inherits ?? []).map(name),
  });
}

/** `CREATE TABLE partition PARTITION OF parent <bound>` (`FOR VALUES ...` or `DEFAULT`). */
export function addPartition(partition, parentTable, bound) {
  actions.addTable(name(partition), [], {
    unlogged: false,
    partitionBy: null,
    partitionOf: { parent: name(parentTable), bound },
    inherits: [],
  });
}

/** `DROP TABLE table`. */
export function dropTable(table) {
  actions.dropTable(name(table));
}

/** `ALTER TABLE table RENAME TO newName` (the schema stays). */
export function renameTable(table, newName) {
  actions.renameTable(name(table), newName);
}

/** `ALTER TABLE table SET LOGGED` (true) or `SET UNLOGGED` (false); rewrites the table. */
export function setTableLogged(table, logged) {
  actions.setTableLogged(name(table), logged);
}

/**
 * `ALTER TABLE relation SET (name = 'value', ...)` for each entry of `set`
 * (`{ fillfactor: 70, "toast.autovacuum_enabled": false }`, a view's
 * `{ security_barrier: true, check_option: "cascaded" }`), then `RESET
 * (name, ...)` for `reset`.
 */
export function setRelationOptions(relation, set, reset = []) {
  const options = Object.entries(set ?? {}).map(([optionName, value]) => ({ name: optionName, value: String(value) }));
  actions.setRelationOptions(name(relation), options, [...reset]);
}

/** `ALTER TABLE table REPLICA IDENTITY ...`: "default", "full", "nothing" or `{ usingIndex: "index" }`. */
export function setReplicaIdentity(table, identity) {
  let wit;
  if (identity === "default" || identity === "full" || identity === "nothing") wit = { tag: identity };
  else if (identity !== null && typeof identity === "object" && typeof identity.usingIndex === "string") {
    wit = { tag: "using-index", val: identity.usingIndex };
  } else throw new TypeError(`setReplicaIdentity: not a replica identity: ${describe(identity)}`);
  actions.setReplicaIdentity(name(table), wit);
}

/**
 * `ALTER INDEX parent ATTACH PARTITION index` (`index` is on `partition`),
 * or, where Postgres already made the partition's index of `parent`, that
 * index renamed `index`.
 */
export function attachIndex(parent, index, partition) {
  actions.attachIndex(name(parent), name(index), name(partition));
}

/** `ALTER TABLE parentTable ATTACH PARTITION partition <bound>`. */
export function attachPartition(parentTable, partition, bound) {
  actions.attachPartition(name(parentTable), name(partition), bound);
}

/** `ALTER TABLE parentTable DETACH PARTITION partition`: it stays as a table. */
export function detachPartition(parentTable, partition) {
  actions.detachPartition(name(parentTable), name(partition));
}

// --- actions: columns ---------------------------------------------------------

/** `ALTER TABLE table ADD COLUMN ...`; see `column()`. */
export function addColumn(table, col) {
  actions.addColumn(name(table), col);
}

/** `ALTER TABLE table DROP COLUMN columnName`. */
export function dropColumn(table, columnName) {
  actions.dropColumn(name(table), columnName);
}

/** `ALTER TABLE table RENAME COLUMN columnName TO newName`. */
export function renameColumn(table, columnName, newName) {
  actions.renameColumn(name(table), columnName, newName);
}

const CAST_OPTIONS = new Set(["using", "auto"]);

/**
 * `ALTER COLUMN ... TYPE ...`: Postgres's assignment cast, or `{ auto: true }`
 * (the host writes the `USING` cast), or `{ using: "expression" }`.
 */
export function changeColumnType(table, columnName, newType, options = {}) {
  checkOptions("changeColumnType", options, CAST_OPTIONS);
  let cast = { tag: "none" };
  if (options.using !== undefined) cast = { tag: "using", val: options.using };
  else if (options.auto) cast = { tag: "auto" };
  actions.changeColumnType(name(table), columnName, dataType(newType), cast);
}

/** Makes a column an identity column ("always", "by-default"), or (null) stops it being one. */
export function setColumnIdentity(table, columnName, identity) {
  actions.setColumnIdentity(name(table), columnName, identity ?? null);
}

/** A generated column becomes an ordinary one, keeping its values. */
export function dropColumnExpression(table, columnName) {
  actions.dropColumnExpression(name(table), columnName);
}

/** `ALTER COLUMN ... SET NOT NULL`. */
export function addNotNull(table, columnName) {
  actions.addNotNull(name(table), columnName);
}

/** `ALTER COLUMN ... DROP NOT NULL`. */
export function dropNotNull(table, columnName) {
  actions.dropNotNull(name(table), columnName);
}

/** `ALTER COLUMN ... SET DEFAULT` a constant (sent as a typed literal). */
export function setColumnDefault(table, columnName, constant) {
  actions.setColumnDefault(name(table), columnName, { tag: "value", val: value(constant) });
}

/** `ALTER COLUMN ... SET DEFAULT` an expression such as "now()". */
export function setColumnDefaultExpr(table, columnName, expression) {
  actions.setColumnDefault(name(table), columnName, { tag: "expression", val: expression });
}

/** `ALTER COLUMN ... DROP DEFAULT`. */
export function dropColumnDefault(table, columnName) {
  actions.dropColumnDefault(name(table), columnName);
}

/** Changes a column's collation (null: the type's default), keeping its type. */
export function setColumnCollation(table, columnName, collation) {
  actions.setColumnCollation(name(table), columnName, optionalName(collation));
}

// --- actions: constraints and indexes -----------------------------------------

/** `ALTER TABLE table ADD CONSTRAINT constraintName ...`; see `primaryKey`, `unique`, `check`, `foreignKey`. */
export function addConstraint(table, constraintName, constraint) {
  actions.addConstraint(name(table), constraintName, constraint);
}

/** `ALTER TABLE table DROP CONSTRAINT constraintName`. */
export function dropConstraint(table, constraintName) {
  actions.dropConstraint(name(table), constraintName);
}

/** `ALTER TABLE table RENAME CONSTRAINT constraintName TO newName`. */
export function renameConstraint(table, constraintName, newName) {
  actions.renameConstraint(name(table), constraintName, newName);
}

/** `CREATE [UNIQUE] INDEX ...`; see `index()`. */
export function addIndex(indexDef) {
  actions.addIndex(indexDef);
}

/** A whole `CREATE INDEX` statement, for what `addIndex` cannot say (expressions, `INCLUDE`, sort orders). */
export function addIndexSql(definition) {
  actions.addIndexSql(definition);
}

/** `DROP INDEX name` (qualified by the table's schema when it is not the default one). */
export function dropIndex(indexName) {
  actions.dropIndex(name(indexName));
}

/** `ALTER INDEX indexName RENAME TO newName`. */
export function renameIndex(indexName, newName) {
  actions.renameIndex(name(indexName), newName);
}

// --- actions: views, extensions, functions, triggers --------------------------

/** `CREATE VIEW view AS query`. */
export function createView(view, query) {
  actions.createView(name(view), query, false);
}

/** `CREATE MATERIALIZED VIEW view AS query`. */
export function createMaterializedView(view, query) {
  actions.createView(name(view), query, true);
}

/** `DROP VIEW view`. */
export function dropView(view) {
  actions.dropView(name(view), false);
}

/** `DROP MATERIALIZED VIEW view`. */
export function dropMaterializedView(view) {
  actions.dropView(name(view), true);
}

const EXTENSION_OPTIONS = new Set(["schema", "version"]);

/** `CREATE EXTENSION extension [SCHEMA schema] [VERSION version]`. */
export function createExtension(extension, options = {}) {
  checkOptions("createExtension", options, EXTENSION_OPTIONS);
  actions.createExtension(extension, options.schema ?? null, options.version ?? null);
}

/** `ALTER EXTENSION extension UPDATE TO version`. */
export function updateExtension(extension, version) {
  actions.updateExtension(extension, version);
}

/** `DROP EXTENSION extension`. */
export function dropExtension(extension) {
  actions.dropExtension(extension);
}

/** A whole `CREATE [OR REPLACE] FUNCTION` (or `PROCEDURE`) statement. */
export function createFunction(definition) {
  actions.createFunction(definition);
}

/** `DROP FUNCTION fn(args)`, the arguments as Postgres prints them ("a integer, b text"). */
export function dropFunction(fn, args = "") {
  actions.dropFunction(name(fn), args, false);
}

/** `DROP PROCEDURE procedure(args)`. */
export function dropProcedure(procedure, args = "") {
  actions.dropFunction(name(procedure), args, true);
}

/** A whole `CREATE TRIGGER` statement. */
export function createTrigger(definition) {
  actions.createTrigger(definition);
}

/** `DROP TRIGGER triggerName ON table`. */
export function dropTrigger(table, triggerName) {
  actions.dropTrigger(name(table), triggerName);
}

// --- actions: row-level security, sequences, collations, comments, grants -----

/** `ALTER TABLE table ENABLE|DISABLE ROW LEVEL SECURITY`; `forced` binds the owner too. */
export function setRowLevelSecurity(table, enabled, forced = false) {
  actions.setRowLevelSecurity(name(table), enabled, forced);
}

const POLICY_OPTIONS = new Set(["permissive", "command", "roles", "using", "withCheck"]);

/**
 * `CREATE POLICY policyName ON table ...`. Options: `permissive` (default
 * true; false is `AS RESTRICTIVE`), `command` ("all", "select", "insert",
 * "update", "delete"), `roles` (default PUBLIC), `using`, `withCheck`.
 */
export function createPolicy(policyName, table, options = {}) {
  checkOptions("createPolicy", options, POLICY_OPTIONS);
  actions.createPolicy({
    name: policyName,
    table: name(table),
    permissive: options.permissive ?? true,
    command: options.command ?? "all",
    roles: [...(options.roles ?? [])],
    using: options.using ?? null,
    withCheck: options.withCheck ?? null,
  });
}

/** `DROP POLICY policyName ON table`. */
export function dropPolicy(table, policyName) {
  actions.dropPolicy(name(table), policyName);
}

const SEQUENCE_OPTIONS = new Set(["dataType", "start", "increment", "minValue", "maxValue", "cache", "cycle"]);

function sequenceOptions(what, options) {
  checkOptions(what, options, SEQUENCE_OPTIONS);
  return {
    dataType: options.dataType ?? null,
    start: options.start ?? null,
    increment: options.increment ?? null,
    minValue: options.minValue ?? null,
    maxValue: options.maxValue ?? null,
    cache: options.cache ?? null,
    cycle: options.cycle ?? null,
  };
}

/**
 * `CREATE SEQUENCE sequence ...`. Options (each Postgres's default when
 * left out): `dataType` ("smallint", "integer", "bigint"), `start`,
 * `increment`, `minValue`, `maxValue`, `cache`, `cycle`.
 */
export function createSequence(sequence, options = {}) {
  actions.createSequence(name(sequence), sequenceOptions("createSequence", options));
}

/** `ALTER SEQUENCE sequence ...` with the settings given (the others are kept). */
export function alterSequence(sequence, options = {}) {
  actions.alterSequence(name(sequence), sequenceOptions("alterSequence", options));
}

/** `ALTER SEQUENCE sequence OWNED BY table.columnName`. */
export function setSequenceOwner(sequence, table, columnName) {
  actions.setSequenceOwner(name(sequence), member(table, columnName));
}

/** `ALTER SEQUENCE sequence OWNED BY NONE`. */
export function clearSequenceOwner(sequence) {
  actions.setSequenceOwner(name(sequence), null);
}

/** `DROP SEQUENCE sequence`. */
export function dropSequence(sequence) {
  actions.dropSequence(name(sequence));
}

const COLLATION_OPTIONS = new Set(["provider", "locale", "lcCtype", "deterministic"]);

/**
 * `CREATE COLLATION collation (...)`: `locale` (the ICU locale, or libc's
 * LC_COLLATE), `provider` ("libc", the default, or "icu"), `lcCtype`
 * (libc's LC_CTYPE when it differs), `deterministic` (default true).
 */
export function createCollation(collation, options) {
  checkOptions("createCollation", options, COLLATION_OPTIONS);
  if (typeof options.locale !== "string") throw new TypeError("createCollation: locale is required");
  actions.createCollation(name(collation), {
    provider: options.provider ?? "libc",
    locale: options.locale,
    lcCtype: options.lcCtype ?? null,
    deterministic: options.deterministic ?? true,
  });
}

/** `DROP COLLATION collation`. */
export function dropCollation(collation) {
  actions.dropCollation(name(collation));
}

/** `COMMENT ON target IS text`; null removes the comment. See `commentOn`. */
export function setComment(target, text) {
  actions.setComment(target, text ?? null);
}

const GRANT_OPTIONS = new Set(["grantOption"]);

function grantDef(what, on, privileges, grantee, options) {
  checkOptions(what, options, GRANT_OPTIONS);
  return { on: name(on), privileges: [...privileges], grantee, grantOption: Boolean(options.grantOption) };
}

/** `GRANT privileges ON on TO grantee` (a table, view or sequence; a role or "PUBLIC"). */
export function grant(on, privileges, grantee, options = {}) {
  actions.grant(grantDef("grant", on, privileges, grantee, options));
}

/** `REVOKE privileges ON on FROM grantee`. */
export function revoke(on, privileges, grantee, options = {}) {
  actions.revoke(grantDef("revoke", on, privileges, grantee, options));
}

/** `GRANT privileges (columns) ON on TO grantee`: "select", "insert", "update" or "references" on some columns. */
export function grantColumns(on, privileges, columns, grantee, options = {}) {
  actions.grantColumns(grantDef("grantColumns", on, privileges, grantee, options), names([columns]));
}

/** `REVOKE privileges (columns) ON on FROM grantee`. */
export function revokeColumns(on, privileges, columns, grantee, options = {}) {
  actions.revokeColumns(grantDef("revokeColumns", on, privileges, grantee, options), names([columns]));
}

// --- actions: schemas and types -----------------------------------------------

/** `CREATE SCHEMA schema`. */
export function createSchema(schema) {
  actions.createSchema(schema);
}

/** `DROP SCHEMA schema` (it must be empty). */
export function dropSchema(schema) {
  actions.dropSchema(schema);
}

/**
 * A whole `CREATE DOMAIN`, `CREATE TYPE name AS (...)` (composite) or
 * `CREATE TYPE name AS RANGE (...)` statement.
 */
export function createType(definition) {
  actions.createType(definition);
}

/**
 * `ALTER DOMAIN domain ...`: `{ setDefault: "expr" }`, "drop-default",
 * "set-not-null", "drop-not-null", `{ addCheck: { name, expression } }`
 * (over `VALUE`) or `{ dropConstraint: "name" }`.
 */
export function alterDomain(domain, change) {
  let wit;
  if (change === "drop-default" || change === "set-not-null" || change === "drop-not-null") wit = { tag: change };
  else if (change?.setDefault !== undefined) wit = { tag: "set-default", val: change.setDefault };
  else if (change?.addCheck !== undefined) {
    wit = { tag: "add-check", val: { name: change.addCheck.name, expression: change.addCheck.expression } };
  } else if (change?.dropConstraint !== undefined) wit = { tag: "drop-constraint", val: change.dropConstraint };
  else throw new TypeError(`alterDomain: not a domain change: ${describe(change)}`);
  actions.alterDomain(name(domain), wit);
}

/** An attribute of a composite type: its name, `ty.*` type and optional collation. */
function attributeDef(attribute) {
  return {
    name: attribute.name,
    dataType: dataType(attribute.type),
    collation: optionalName(attribute.collate ?? null),
  };
}

/**
 * `ALTER TYPE type ADD|DROP|ALTER ATTRIBUTE ...` of a composite type:
 * `{ add: { name, type, collate } }`, `{ drop: "name" }` or
 * `{ setType: { name, type, collate } }`.
 */
export function alterCompositeType(typeName, change) {
  let wit;
  if (change?.add !== undefined) wit = { tag: "add", val: attributeDef(change.add) };
  else if (change?.drop !== undefined) wit = { tag: "drop", val: change.drop };
  else if (change?.setType !== undefined) wit = { tag: "set-type", val: attributeDef(change.setType) };
  else throw new TypeError(`alterCompositeType: not an attribute change: ${describe(change)}`);
  actions.alterCompositeType(name(typeName), wit);
}

/** `CREATE TYPE enumName AS ENUM (values...)`. */
export function createEnum(enumName, values) {
  actions.createEnum(name(enumName), [...values]);
}

const ENUM_POSITION_OPTIONS = new Set(["before", "after"]);

/** `ALTER TYPE enumName ADD VALUE ...` for each value: appended, or placed `before`/`after` an existing one. */
export function addEnumValues(enumName, values, options = {}) {
  checkOptions("addEnumValues", options, ENUM_POSITION_OPTIONS);
  let position = null;
  if (options.before !== undefined) position = { tag: "before", val: options.before };
  else if (options.after !== undefined) position = { tag: "after", val: options.after };
  actions.addEnumValues(name(enumName), [...values], position);
}

/** Removes values from an enum, converting every column that uses it. */
export function dropEnumValues(enumName, values) {
  actions.dropEnumValues(name(enumName), [...values]);
}

/** `ALTER TYPE enumName RENAME VALUE value TO newValue`: rows keep their value under its new label. */
export function renameEnumValue(enumName, value, newValue) {
  actions.renameEnumValue(name(enumName), value, newValue);
}

/** `DROP TYPE typeName`. */
export function dropType(typeName) {
  actions.dropType(name(typeName));
}

// --- actions: SQL -------------------------------------------------------------

/**
 * Runs one SQL statement with bind parameters ($1, $2, ...), each a
 * JavaScript value (see `value()`); returns the number of rows affected.
 */
export function execute(sql, ...params) {
  return actions.execute(sql, params.map(value));
}

/**
 * Runs one SQL statement with bind parameters; returns its rows as objects
 * of JavaScript values, by column name (see `fromValue()`).
 */
export function query(sql, ...params) {
  const result = actions.query(sql, params.map(value));
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, fromValue(row[i])])));
}

// --- steps: commits inside a migration, and what runs outside a transaction ----

/**
 * Ends this migration's current step: what it did so far commits now
 * (recorded in `migration_steps`), and what follows runs in a new
 * transaction. A run that stops later keeps the steps that committed; the
 * next `apply` runs `up` again from the start and replays them (their
 * actions and `execute`s are not sent again, an `execute` returning what
 * it returned then; their queries read the database as it is now,
 * read-only), so take the steps in the same order
 * each time.
 */
export function commitStep() {
  actions.commitStep();
}

/**
 * `CREATE [UNIQUE] INDEX CONCURRENTLY` (an `index(...)`): writes go on while
 * it builds. A step of its own, outside any transaction; a build that failed
 * or was killed is dropped and built again by the next run.
 */
export function addIndexConcurrently(indexDef) {
  actions.addIndexConcurrently(indexDef);
}

/** `addIndexSql`'s statement (an ordinary `CREATE INDEX`), built `CONCURRENTLY`, a step of its own. */
export function addIndexSqlConcurrently(definition) {
  actions.addIndexSqlConcurrently(definition);
}

/** `DROP INDEX CONCURRENTLY`, a step of its own. */
export function dropIndexConcurrently(indexName) {
  actions.dropIndexConcurrently(name(indexName));
}

/** `REINDEX INDEX CONCURRENTLY`, a step of its own. */
export function reindexConcurrently(indexName) {
  actions.reindexConcurrently(name(indexName));
}

/** `ALTER TABLE parent DETACH PARTITION partition CONCURRENTLY`, a step of its own. */
export function detachPartitionConcurrently(parent, partition) {
  actions.detachPartitionConcurrently(name(parent), name(partition));
}

/**
 * `ALTER TABLE table VALIDATE CONSTRAINT constraintName` of a constraint added
 * `NOT VALID`: a step of its own, scanning under a lock that lets writes go on.
 */
export function validateConstraint(table, constraintName) {
  actions.validateConstraint(name(table), constraintName);
}

/**
 * `execute`, as a step of its own outside any transaction, for what Postgres
 * refuses inside one (`VACUUM`, ...); returns the rows affected. Killed while
 * it ran, it stops the next run, which names it (`apply --interrupted retry|done`).
 */
export function executeOutsideTransaction(sql, ...params) {
  return actions.executeOutsideTransaction(sql, params.map(value));
}

// --- the lint -----------------------------------------------------------------

/**
 * Suppresses the lint rule `code` ("MH101", or its name) for the steps after
 * this call, with the reason `migrate-host lint` lists beside it. Changes
 * nothing in the database.
 */
export function lintAllow(code, reason) {
  actions.lintAllow(code, reason);
}
