//! The host's own vocabulary of database objects (names, types, columns,
//! constraints, indexes, grants...), of the values that cross with SQL, and
//! of what a migration says about itself: what `actions/`, `schema/`,
//! `diff/`, `codegen/`, `lint/` and `policy/` are written in.
//!
//! Why not the types wasmtime generates from the WIT: those change with
//! the contract and with wasmtime, and carry its component glue. The
//! host's model changes when the host wants it to; `runtime/` converts at the
//! boundary, field by field, so that a change to `wit/migrate.wit` that the
//! model does not follow fails to compile there and nowhere else.
//!
//! The types mirror the WIT's (same names, same fields, same cases; see
//! `wit/migrate.wit` for what each one means) and keep the serde form the
//! generated types had (serde's defaults, Rust names): actions go out as
//! JSON in `plan --json` and to the interp test fixture, and revision info
//! is kept as JSON in the component cache. `runtime/`'s conversion tests
//! check that the two forms agree. Three types are the host's alone, with
//! no WIT twin: [`Name`] (a name whose schema is known), and [`Object`]
//! and [`Dependency`], the catalog's objects and what needs what, which
//! the schema model reads and the actions' facts name.

use serde::{Deserialize, Serialize};

/// A schema-qualified name; the schema is always known once introspected.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Name {
    pub schema: String,
    pub name: String,
}

impl Name {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Name {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// A database object as the catalog's dependencies (`pg_depend`) name it,
/// and as a step's facts name what it creates, changes and drops: what the
/// diff orders its steps by. Coarser than the catalog where finer would
/// not change an order: a key's index is the key, a view's rule the view,
/// an array type its element type, and whatever an extension owns is the
/// extension.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Object {
    Schema(String),
    Extension(String),
    /// An enum, domain, composite or range type.
    Type(Name),
    Collation(Name),
    Sequence(Name),
    /// A table, view or materialized view (a view's columns are the view).
    Relation(Name),
    Column(Name, String),
    /// A column's default or generation expression.
    Default(Name, String),
    Constraint(Name, String),
    Index(Name),
    /// By name alone: the overloads of a function are one object here.
    Function(Name),
    Trigger(Name, String),
    Policy(Name, String),
}

impl Object {
    /// The relation a column, default, constraint, trigger or policy is
    /// part of: created and dropped with it.
    pub fn relation(&self) -> Option<&Name> {
        match self {
            Object::Column(table, _)
            | Object::Default(table, _)
            | Object::Constraint(table, _)
            | Object::Trigger(table, _)
            | Object::Policy(table, _) => Some(table),
            Object::Schema(_)
            | Object::Extension(_)
            | Object::Type(_)
            | Object::Collation(_)
            | Object::Sequence(_)
            | Object::Relation(_)
            | Object::Index(_)
            | Object::Function(_) => None,
        }
    }
}

/// `dependent` needs `referenced` to exist (a `pg_depend` row, in
/// [`Object`]'s terms).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Dependency {
    pub dependent: Object,
    pub referenced: Object,
}

/// A name of a schema object; `schema` none is the migration's default schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualifiedName {
    pub schema: Option<String>,
    pub name: String,
}

impl QualifiedName {
    /// A name in the default schema.
    pub fn unqualified(name: impl Into<String>) -> Self {
        QualifiedName {
            schema: None,
            name: name.into(),
        }
    }

    pub fn qualified(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: Some(schema.into()),
            name: name.into(),
        }
    }
}

/// A built-in scalar type, or a user-defined type by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ScalarType {
    Smallint,
    Integer,
    Bigint,
    Numeric(Option<NumericPrecision>),
    Real,
    DoublePrecision,
    Smallserial,
    Serial,
    Bigserial,
    Money,
    Char(Option<u32>),
    Varchar(Option<u32>),
    Text,
    Bytea,
    Boolean,
    Date,
    Time(TimeOptions),
    Timestamp(TimeOptions),
    Interval,
    Uuid,
    Json,
    Jsonb,
    Xml,
    Point,
    Line,
    Lseg,
    Box,
    Path,
    Polygon,
    Circle,
    Cidr,
    Inet,
    Macaddr,
    Macaddr8,
    Bit(Option<u32>),
    Varbit(Option<u32>),
    Tsvector,
    Tsquery,
    Int4range,
    Int8range,
    Numrange,
    Tsrange,
    Tstzrange,
    Daterange,
    Oid,
    Named(QualifiedName),
    Sql(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericPrecision {
    pub precision: u32,
    pub scale: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeOptions {
    pub with_time_zone: bool,
    pub precision: Option<u32>,
}

/// A column's data type: a scalar, or an array of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataType {
    pub scalar: ScalarType,
    pub is_array: bool,
}

/// A bind parameter, or a value `query` returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SqlValue {
    Null,
    Boolean(bool),
    Int(i64),
    Float(f64),
    Numeric(String),
    Text(String),
    Bytes(Vec<u8>),
    Json(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ColumnDefault {
    Value(SqlValue),
    Expression(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    pub default: Option<ColumnDefault>,
    pub identity: Option<IdentityKind>,
    pub generated: Option<String>,
    pub collation: Option<QualifiedName>,
}

impl ColumnDef {
    /// A nullable column with no default, identity, generated expression or collation.
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        ColumnDef {
            name: name.into(),
            data_type,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            collation: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentityKind {
    Always,
    ByDefault,
}

/// How `change-column-type` converts existing values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TypeCast {
    None,
    Auto,
    Using(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForeignKeyAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub references: QualifiedName,
    pub referenced_columns: Vec<String>,
    pub on_delete: ForeignKeyAction,
    pub on_update: ForeignKeyAction,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Constraint {
    PrimaryKey(Vec<String>),
    Unique(Vec<String>),
    ForeignKey(ForeignKey),
    Check(String),
    Sql(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexMethod {
    Btree,
    Hash,
    Gist,
    Gin,
    Brin,
    Spgist,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexDef {
    pub name: String,
    pub table: QualifiedName,
    pub columns: Vec<String>,
    pub unique: bool,
    pub method: IndexMethod,
    pub predicate: Option<String>,
}

/// A column, constraint or trigger of a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableMember {
    pub table: QualifiedName,
    pub name: String,
}

/// How `add-table` makes a table besides its columns; the default is a
/// plain logged table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableOptions {
    pub unlogged: bool,
    pub partition_by: Option<String>,
    pub partition_of: Option<PartitionOf>,
    pub inherits: Vec<QualifiedName>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartitionOf {
    pub parent: QualifiedName,
    pub bound: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SequenceType {
    Smallint,
    Integer,
    Bigint,
}

/// Settings of `create-sequence` and `alter-sequence`; the default leaves
/// every setting as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SequenceOptions {
    pub data_type: Option<SequenceType>,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CollationProvider {
    Libc,
    Icu,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollationDef {
    pub provider: CollationProvider,
    pub locale: String,
    pub lc_ctype: Option<String>,
    pub deterministic: bool,
}

/// A function or procedure, told apart from its overloads by its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionRef {
    pub name: QualifiedName,
    pub arguments: String,
    pub procedure: bool,
}

/// What `set-comment` comments on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CommentTarget {
    Schema(String),
    Table(QualifiedName),
    Column(TableMember),
    View(QualifiedName),
    MaterializedView(QualifiedName),
    Index(QualifiedName),
    Sequence(QualifiedName),
    Type(QualifiedName),
    Collation(QualifiedName),
    Function(FunctionRef),
    Constraint(TableMember),
    Trigger(TableMember),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Privilege {
    Select,
    Insert,
    Update,
    Delete,
    Truncate,
    References,
    Trigger,
    Usage,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantDef {
    pub on: QualifiedName,
    pub privileges: Vec<Privilege>,
    pub grantee: String,
    pub grant_option: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

/// A row-level security policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyDef {
    pub name: String,
    pub table: QualifiedName,
    pub permissive: bool,
    pub command: PolicyCommand,
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

/// A storage parameter of a table or materialized view, or an option of a view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelationOption {
    pub name: String,
    pub value: String,
}

/// What logical replication writes of a row it updates or deletes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ReplicaIdentity {
    Default,
    Full,
    Nothing,
    UsingIndex(String),
}

/// A domain's `CHECK` constraint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainCheck {
    pub name: String,
    pub expression: String,
}

/// A change `alter-domain` makes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DomainChange {
    SetDefault(String),
    DropDefault,
    SetNotNull,
    DropNotNull,
    AddCheck(DomainCheck),
    DropConstraint(String),
}

/// An attribute of a composite type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributeDef {
    pub name: String,
    pub data_type: DataType,
    pub collation: Option<QualifiedName>,
}

/// A change `alter-composite-type` makes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AttributeChange {
    Add(AttributeDef),
    Drop(String),
    SetType(AttributeDef),
}

/// Where `add-enum-values` inserts the new values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EnumPosition {
    Before(String),
    After(String),
}

/// What `query` returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<SqlValue>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    InvalidIdentifier,
    InvalidArgument,
    Database,
    NotPermitted,
    LimitExceeded,
    Migration,
}

/// What a failed call tells the migration (and what a migration's `up` or
/// `down` returns when it fails).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub sqlstate: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            sqlstate: None,
        }
    }
}

/// A migration's metadata: its place in the chain and what it does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevisionInfo {
    pub revision: String,
    pub parent: Option<String>,
    pub message: String,
}

/// Which of a migration's exported functions runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    /// The command that runs this direction: `apply` or `rollback`.
    pub fn command(self) -> &'static str {
        match self {
            Direction::Up => "apply",
            Direction::Down => "rollback",
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}
