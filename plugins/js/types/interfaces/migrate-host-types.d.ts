// Generated from wit/migrate.wit by plugins/js/tools/types.mjs (jco guest-types, s64/u64 as number).
// Do not edit: run plugins/js/build.sh after changing the WIT.
declare module 'migrate:host/types@0.1.0' {
  /**
   * A name of a schema object, optionally qualified by its schema.
   * 
   * Names are used exactly as given (case-sensitive) and always quoted by
   * the host: `User` and `user` are different tables, and reserved words are
   * fine. A name must be 1 to 63 bytes and must not contain NUL. When
   * `schema` is none the host uses the migration's default schema (`public`).
   */
  export interface QualifiedName {
    schema?: string,
    name: string,
  }
  export interface NumericPrecision {
    precision: number,
    scale: number,
  }
  export interface TimeOptions {
    withTimeZone: boolean,
    /**
     * Fractional-second digits, 0 to 6; none: Postgres's default (6).
     */
    precision?: number,
  }
  /**
   * A built-in scalar type, or a user-defined type by name.
   */
  export type ScalarType = ScalarTypeSmallint | ScalarTypeInteger | ScalarTypeBigint | ScalarTypeNumeric | ScalarTypeReal | ScalarTypeDoublePrecision | ScalarTypeSmallserial | ScalarTypeSerial | ScalarTypeBigserial | ScalarTypeMoney | ScalarTypeChar | ScalarTypeVarchar | ScalarTypeText | ScalarTypeBytea | ScalarTypeBoolean | ScalarTypeDate | ScalarTypeTime | ScalarTypeTimestamp | ScalarTypeInterval | ScalarTypeUuid | ScalarTypeJson | ScalarTypeJsonb | ScalarTypeXml | ScalarTypePoint | ScalarTypeLine | ScalarTypeLseg | ScalarTypeBox | ScalarTypePath | ScalarTypePolygon | ScalarTypeCircle | ScalarTypeCidr | ScalarTypeInet | ScalarTypeMacaddr | ScalarTypeMacaddr8 | ScalarTypeBit | ScalarTypeVarbit | ScalarTypeTsvector | ScalarTypeTsquery | ScalarTypeInt4range | ScalarTypeInt8range | ScalarTypeNumrange | ScalarTypeTsrange | ScalarTypeTstzrange | ScalarTypeDaterange | ScalarTypeOid | ScalarTypeNamed | ScalarTypeSql;
  export interface ScalarTypeSmallint {
    tag: 'smallint',
  }
  export interface ScalarTypeInteger {
    tag: 'integer',
  }
  export interface ScalarTypeBigint {
    tag: 'bigint',
  }
  /**
   * `numeric(precision, scale)`; none: unconstrained `numeric`.
   */
  export interface ScalarTypeNumeric {
    tag: 'numeric',
    val: NumericPrecision | undefined,
  }
  export interface ScalarTypeReal {
    tag: 'real',
  }
  export interface ScalarTypeDoublePrecision {
    tag: 'double-precision',
  }
  /**
   * `smallserial`/`serial`/`bigserial`: only valid in `add-column` and
   * `add-table` (Postgres creates the owned sequence then).
   */
  export interface ScalarTypeSmallserial {
    tag: 'smallserial',
  }
  export interface ScalarTypeSerial {
    tag: 'serial',
  }
  export interface ScalarTypeBigserial {
    tag: 'bigserial',
  }
  export interface ScalarTypeMoney {
    tag: 'money',
  }
  /**
   * `char(n)`; none: `char(1)` as Postgres defines it.
   */
  export interface ScalarTypeChar {
    tag: 'char',
    val: number | undefined,
  }
  /**
   * `varchar(n)`; none: unbounded `varchar`.
   */
  export interface ScalarTypeVarchar {
    tag: 'varchar',
    val: number | undefined,
  }
  export interface ScalarTypeText {
    tag: 'text',
  }
  export interface ScalarTypeBytea {
    tag: 'bytea',
  }
  export interface ScalarTypeBoolean {
    tag: 'boolean',
  }
  export interface ScalarTypeDate {
    tag: 'date',
  }
  export interface ScalarTypeTime {
    tag: 'time',
    val: TimeOptions,
  }
  export interface ScalarTypeTimestamp {
    tag: 'timestamp',
    val: TimeOptions,
  }
  export interface ScalarTypeInterval {
    tag: 'interval',
  }
  export interface ScalarTypeUuid {
    tag: 'uuid',
  }
  export interface ScalarTypeJson {
    tag: 'json',
  }
  export interface ScalarTypeJsonb {
    tag: 'jsonb',
  }
  export interface ScalarTypeXml {
    tag: 'xml',
  }
  export interface ScalarTypePoint {
    tag: 'point',
  }
  export interface ScalarTypeLine {
    tag: 'line',
  }
  export interface ScalarTypeLseg {
    tag: 'lseg',
  }
  export interface ScalarTypeBox {
    tag: 'box',
  }
  export interface ScalarTypePath {
    tag: 'path',
  }
  export interface ScalarTypePolygon {
    tag: 'polygon',
  }
  export interface ScalarTypeCircle {
    tag: 'circle',
  }
  export interface ScalarTypeCidr {
    tag: 'cidr',
  }
  export interface ScalarTypeInet {
    tag: 'inet',
  }
  export interface ScalarTypeMacaddr {
    tag: 'macaddr',
  }
  export interface ScalarTypeMacaddr8 {
    tag: 'macaddr8',
  }
  /**
   * `bit(n)`; none: `bit(1)`.
   */
  export interface ScalarTypeBit {
    tag: 'bit',
    val: number | undefined,
  }
  /**
   * `bit varying(n)`; none: unbounded.
   */
  export interface ScalarTypeVarbit {
    tag: 'varbit',
    val: number | undefined,
  }
  export interface ScalarTypeTsvector {
    tag: 'tsvector',
  }
  export interface ScalarTypeTsquery {
    tag: 'tsquery',
  }
  export interface ScalarTypeInt4range {
    tag: 'int4range',
  }
  export interface ScalarTypeInt8range {
    tag: 'int8range',
  }
  export interface ScalarTypeNumrange {
    tag: 'numrange',
  }
  export interface ScalarTypeTsrange {
    tag: 'tsrange',
  }
  export interface ScalarTypeTstzrange {
    tag: 'tstzrange',
  }
  export interface ScalarTypeDaterange {
    tag: 'daterange',
  }
  export interface ScalarTypeOid {
    tag: 'oid',
  }
  /**
   * A user-defined type (an enum created with `create-enum`, a domain,
   * an extension's type), by name.
   */
  export interface ScalarTypeNamed {
    tag: 'named',
    val: QualifiedName,
  }
  /**
   * A type as Postgres spells it, for what the cases above cannot
   * express (`interval day to second`, `geometry(Point, 4326)`). It
   * must parse as exactly one type name.
   */
  export interface ScalarTypeSql {
    tag: 'sql',
    val: string,
  }
  /**
   * A column's data type: a scalar, or an array of it (Postgres does not
   * distinguish array dimensions in a column's type).
   */
  export interface DataType {
    scalar: ScalarType,
    isArray: boolean,
  }
  /**
   * A value sent to Postgres as a bind parameter or returned by `query`.
   * 
   * Parameters are converted to the type Postgres infers for them: `int`
   * fits any integer column (checked for range), `text` fits text-like
   * columns, enums, `uuid`, `date`/`time`/`timestamp` (ISO 8601),
   * `numeric` and `json`/`jsonb`. Query results come back as the closest
   * case: integers as `int`, `numeric` as `numeric` (exact decimal text),
   * enums, uuids and date/time values as `text` (ISO 8601).
   */
  export type SqlValue = SqlValueNull | SqlValueBoolean | SqlValueInt | SqlValueFloat | SqlValueNumeric | SqlValueText | SqlValueBytes | SqlValueJson;
  export interface SqlValueNull {
    tag: 'null',
  }
  export interface SqlValueBoolean {
    tag: 'boolean',
    val: boolean,
  }
  export interface SqlValueInt {
    tag: 'int',
    val: number,
  }
  export interface SqlValueFloat {
    tag: 'float',
    val: number,
  }
  /**
   * An exact decimal, as text (`"12.50"`).
   */
  export interface SqlValueNumeric {
    tag: 'numeric',
    val: string,
  }
  export interface SqlValueText {
    tag: 'text',
    val: string,
  }
  export interface SqlValueBytes {
    tag: 'bytes',
    val: Uint8Array,
  }
  /**
   * A JSON document, as text.
   */
  export interface SqlValueJson {
    tag: 'json',
    val: string,
  }
  /**
   * A column's default value.
   */
  export type ColumnDefault = ColumnDefaultValue | ColumnDefaultExpression;
  /**
   * A constant, sent to Postgres as a typed literal.
   */
  export interface ColumnDefaultValue {
    tag: 'value',
    val: SqlValue,
  }
  /**
   * A SQL expression such as `now()` or `gen_random_uuid()`, used as
   * written: it must be a single expression.
   */
  export interface ColumnDefaultExpression {
    tag: 'expression',
    val: string,
  }
  /**
   * # Variants
   * 
   * ## `"always"`
   * 
   * ## `"by-default"`
   */
  export type IdentityKind = 'always' | 'by-default';
  /**
   * A column of `add-table` or `add-column`.
   */
  export interface ColumnDef {
    name: string,
    dataType: DataType,
    /**
     * false adds `NOT NULL`.
     */
    nullable: boolean,
    'default'?: ColumnDefault,
    /**
     * `GENERATED ALWAYS|BY DEFAULT AS IDENTITY`.
     */
    identity?: IdentityKind,
    /**
     * `GENERATED ALWAYS AS (expression) STORED`.
     */
    generated?: string,
    /**
     * `COLLATE name`.
     */
    collation?: QualifiedName,
  }
  /**
   * How `change-column-type` converts existing values.
   */
  export type TypeCast = TypeCastNone | TypeCastAuto | TypeCastUsing;
  /**
   * No `USING`: Postgres's assignment cast (works for widening and
   * text-like changes).
   */
  export interface TypeCastNone {
    tag: 'none',
  }
  /**
   * The host writes the `USING` cast (`col::text::target` for enums,
   * `ARRAY[col]` for scalar to array, `col::target` otherwise).
   */
  export interface TypeCastAuto {
    tag: 'auto',
  }
  /**
   * `USING <expression>`, written by the migration.
   */
  export interface TypeCastUsing {
    tag: 'using',
    val: string,
  }
  /**
   * # Variants
   * 
   * ## `"no-action"`
   * 
   * ## `"restrict"`
   * 
   * ## `"cascade"`
   * 
   * ## `"set-null"`
   * 
   * ## `"set-default"`
   */
  export type ForeignKeyAction = 'no-action' | 'restrict' | 'cascade' | 'set-null' | 'set-default';
  export interface ForeignKey {
    columns: Array<string>,
    references: QualifiedName,
    /**
     * In the same order as `columns`.
     */
    referencedColumns: Array<string>,
    onDelete: ForeignKeyAction,
    onUpdate: ForeignKeyAction,
  }
  /**
   * A table constraint.
   */
  export type Constraint = ConstraintPrimaryKey | ConstraintUnique | ConstraintForeignKey | ConstraintCheck | ConstraintSql;
  export interface ConstraintPrimaryKey {
    tag: 'primary-key',
    val: Array<string>,
  }
  export interface ConstraintUnique {
    tag: 'unique',
    val: Array<string>,
  }
  export interface ConstraintForeignKey {
    tag: 'foreign-key',
    val: ForeignKey,
  }
  /**
   * A boolean SQL expression, used as written.
   */
  export interface ConstraintCheck {
    tag: 'check',
    val: string,
  }
  /**
   * A whole constraint as Postgres prints it (`pg_get_constraintdef`),
   * for what the cases above cannot express: exclusion constraints,
   * `DEFERRABLE`, `MATCH FULL`, `NOT VALID`. It must parse as exactly
   * one table constraint.
   */
  export interface ConstraintSql {
    tag: 'sql',
    val: string,
  }
  /**
   * # Variants
   * 
   * ## `"btree"`
   * 
   * ## `"hash"`
   * 
   * ## `"gist"`
   * 
   * ## `"gin"`
   * 
   * ## `"brin"`
   * 
   * ## `"spgist"`
   */
  export type IndexMethod = 'btree' | 'hash' | 'gist' | 'gin' | 'brin' | 'spgist';
  export interface IndexDef {
    /**
     * The index's name; it lives in the table's schema.
     */
    name: string,
    table: QualifiedName,
    columns: Array<string>,
    unique: boolean,
    method: IndexMethod,
    /**
     * A partial index's `WHERE` predicate, used as written.
     */
    predicate?: string,
  }
  /**
   * A column, constraint or trigger of a table.
   */
  export interface TableMember {
    table: QualifiedName,
    name: string,
  }
  export interface PartitionOf {
    parent: QualifiedName,
    /**
     * `FOR VALUES ...` or `DEFAULT`, as `pg_get_expr` prints a bound.
     */
    bound: string,
  }
  /**
   * How `add-table` makes a table, besides its columns.
   */
  export interface TableOptions {
    /**
     * `CREATE UNLOGGED TABLE`.
     */
    unlogged: boolean,
    /**
     * `PARTITION BY <this>`, as `pg_get_partkeydef` prints it
     * (`RANGE (logdate)`): a partitioned table.
     */
    partitionBy?: string,
    /**
     * `PARTITION OF parent <bound>`: the table is a partition and takes
     * its columns from the parent (`columns` must be empty).
     */
    partitionOf?: PartitionOf,
    /**
     * `INHERITS (parents...)`: `columns` lists only the child's own.
     */
    inherits: Array<QualifiedName>,
  }
  /**
   * # Variants
   * 
   * ## `"smallint"`
   * 
   * ## `"integer"`
   * 
   * ## `"bigint"`
   */
  export type SequenceType = 'smallint' | 'integer' | 'bigint';
  /**
   * Settings of `create-sequence` and `alter-sequence`: none keeps
   * Postgres's default (create) or the current setting (alter).
   */
  export interface SequenceOptions {
    /**
     * `AS smallint|integer|bigint`.
     */
    dataType?: SequenceType,
    start?: number,
    increment?: number,
    minValue?: number,
    maxValue?: number,
    cache?: number,
    cycle?: boolean,
  }
  /**
   * # Variants
   * 
   * ## `"libc"`
   * 
   * ## `"icu"`
   */
  export type CollationProvider = 'libc' | 'icu';
  export interface CollationDef {
    provider: CollationProvider,
    /**
     * The ICU locale, or libc's `LC_COLLATE`.
     */
    locale: string,
    /**
     * libc's `LC_CTYPE` when it differs from `locale`.
     */
    lcCtype?: string,
    /**
     * false: strings that compare equal may differ (ICU only).
     */
    deterministic: boolean,
  }
  /**
   * A function or procedure, told apart from its overloads by its
   * arguments as `pg_get_function_identity_arguments` prints them.
   */
  export interface FunctionRef {
    name: QualifiedName,
    arguments: string,
    procedure: boolean,
  }
  /**
   * What `set-comment` comments on.
   */
  export type CommentTarget = CommentTargetSchema | CommentTargetTable | CommentTargetColumn | CommentTargetView | CommentTargetMaterializedView | CommentTargetIndex | CommentTargetSequence | CommentTargetType | CommentTargetCollation | CommentTargetFunction | CommentTargetConstraint | CommentTargetTrigger;
  export interface CommentTargetSchema {
    tag: 'schema',
    val: string,
  }
  export interface CommentTargetTable {
    tag: 'table',
    val: QualifiedName,
  }
  export interface CommentTargetColumn {
    tag: 'column',
    val: TableMember,
  }
  export interface CommentTargetView {
    tag: 'view',
    val: QualifiedName,
  }
  export interface CommentTargetMaterializedView {
    tag: 'materialized-view',
    val: QualifiedName,
  }
  export interface CommentTargetIndex {
    tag: 'index',
    val: QualifiedName,
  }
  export interface CommentTargetSequence {
    tag: 'sequence',
    val: QualifiedName,
  }
  export interface CommentTargetType {
    tag: 'type',
    val: QualifiedName,
  }
  export interface CommentTargetCollation {
    tag: 'collation',
    val: QualifiedName,
  }
  export interface CommentTargetFunction {
    tag: 'function',
    val: FunctionRef,
  }
  export interface CommentTargetConstraint {
    tag: 'constraint',
    val: TableMember,
  }
  export interface CommentTargetTrigger {
    tag: 'trigger',
    val: TableMember,
  }
  /**
   * A privilege on a table, view or sequence.
   * # Variants
   * 
   * ## `"select"`
   * 
   * ## `"insert"`
   * 
   * ## `"update"`
   * 
   * ## `"delete"`
   * 
   * ## `"truncate"`
   * 
   * ## `"references"`
   * 
   * ## `"trigger"`
   * 
   * ## `"usage"`
   */
  export type Privilege = 'select' | 'insert' | 'update' | 'delete' | 'truncate' | 'references' | 'trigger' | 'usage';
  /**
   * What `grant` and `revoke` are about.
   */
  export interface GrantDef {
    /**
     * A table, view, materialized view or sequence.
     */
    on: QualifiedName,
    privileges: Array<Privilege>,
    /**
     * A role name, or `PUBLIC`.
     */
    grantee: string,
    /**
     * `WITH GRANT OPTION` (grant) / `GRANT OPTION FOR` (revoke).
     */
    grantOption: boolean,
  }
  /**
   * # Variants
   * 
   * ## `"all"`
   * 
   * ## `"select"`
   * 
   * ## `"insert"`
   * 
   * ## `"update"`
   * 
   * ## `"delete"`
   */
  export type PolicyCommand = 'all' | 'select' | 'insert' | 'update' | 'delete';
  /**
   * A row-level security policy (`CREATE POLICY`).
   */
  export interface PolicyDef {
    name: string,
    table: QualifiedName,
    /**
     * false: `AS RESTRICTIVE`.
     */
    permissive: boolean,
    command: PolicyCommand,
    /**
     * Role names or `PUBLIC`; empty means `PUBLIC`.
     */
    roles: Array<string>,
    /**
     * `USING (expression)`.
     */
    using?: string,
    /**
     * `WITH CHECK (expression)`.
     */
    withCheck?: string,
  }
  /**
   * A storage parameter of a table or materialized view (`fillfactor`,
   * `autovacuum_enabled`, `toast.autovacuum_enabled`...), or an option
   * of a view (`security_barrier`, `security_invoker`, `check_option`),
   * and its value as Postgres prints it (`70`, `true`, `cascaded`).
   */
  export interface RelationOption {
    name: string,
    value: string,
  }
  /**
   * What logical replication writes of a row it updates or deletes.
   */
  export type ReplicaIdentity = ReplicaIdentityDefault | ReplicaIdentityFull | ReplicaIdentityNothing | ReplicaIdentityUsingIndex;
  /**
   * The primary key's columns.
   */
  export interface ReplicaIdentityDefault {
    tag: 'default',
  }
  /**
   * Every column.
   */
  export interface ReplicaIdentityFull {
    tag: 'full',
  }
  /**
   * Nothing: updates and deletes are not replicated.
   */
  export interface ReplicaIdentityNothing {
    tag: 'nothing',
  }
  /**
   * The columns of this unique index (of the table, not deferrable,
   * over NOT NULL columns).
   */
  export interface ReplicaIdentityUsingIndex {
    tag: 'using-index',
    val: string,
  }
  /**
   * A domain's `CHECK` constraint.
   */
  export interface DomainCheck {
    name: string,
    /**
     * The condition, over `VALUE`.
     */
    expression: string,
  }
  /**
   * A change `alter-domain` makes.
   */
  export type DomainChange = DomainChangeSetDefault | DomainChangeDropDefault | DomainChangeSetNotNull | DomainChangeDropNotNull | DomainChangeAddCheck | DomainChangeDropConstraint;
  export interface DomainChangeSetDefault {
    tag: 'set-default',
    val: string,
  }
  export interface DomainChangeDropDefault {
    tag: 'drop-default',
  }
  export interface DomainChangeSetNotNull {
    tag: 'set-not-null',
  }
  export interface DomainChangeDropNotNull {
    tag: 'drop-not-null',
  }
  /**
   * Checks every value of every column of the domain.
   */
  export interface DomainChangeAddCheck {
    tag: 'add-check',
    val: DomainCheck,
  }
  export interface DomainChangeDropConstraint {
    tag: 'drop-constraint',
    val: string,
  }
  /**
   * An attribute of a composite type.
   */
  export interface AttributeDef {
    name: string,
    dataType: DataType,
    collation?: QualifiedName,
  }
  /**
   * A change `alter-composite-type` makes.
   */
  export type AttributeChange = AttributeChangeAdd | AttributeChangeDrop | AttributeChangeSetType;
  export interface AttributeChangeAdd {
    tag: 'add',
    val: AttributeDef,
  }
  export interface AttributeChangeDrop {
    tag: 'drop',
    val: string,
  }
  /**
   * The attribute's new type (and collation).
   */
  export interface AttributeChangeSetType {
    tag: 'set-type',
    val: AttributeDef,
  }
  /**
   * Where `add-enum-values` inserts the new values.
   */
  export type EnumPosition = EnumPositionBefore | EnumPositionAfter;
  export interface EnumPositionBefore {
    tag: 'before',
    val: string,
  }
  export interface EnumPositionAfter {
    tag: 'after',
    val: string,
  }
  /**
   * The result of `query`.
   */
  export interface Rows {
    columns: Array<string>,
    rows: Array<Array<SqlValue>>,
  }
  /**
   * # Variants
   * 
   * ## `"invalid-identifier"`
   * 
   * An identifier is empty, longer than 63 bytes, or contains NUL.
   * ## `"invalid-argument"`
   * 
   * An argument is malformed (an empty column list, a bad precision, a
   * value that does not fit its column, a statement `execute` refuses).
   * ## `"database"`
   * 
   * Postgres rejected the statement (`sqlstate` says why).
   * ## `"not-permitted"`
   * 
   * The host's policy does not allow this call.
   * ## `"limit-exceeded"`
   * 
   * The migration exceeded one of its limits.
   * ## `"migration"`
   * 
   * The migration itself failed (returned by guest code).
   */
  export type ErrorKind = 'invalid-identifier' | 'invalid-argument' | 'database' | 'not-permitted' | 'limit-exceeded' | 'migration';
  export interface Error {
    kind: ErrorKind,
    message: string,
    /**
     * The SQLSTATE code when `kind` is `database` (e.g. `23505`).
     */
    sqlstate?: string,
  }
}
