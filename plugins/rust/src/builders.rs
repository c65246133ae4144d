//! Builders for the contract's records: names, columns, types, constraints
//! and indexes, so that a migration reads like the schema it creates.

use crate::{
    ColumnDef, ColumnDefault, Constraint, DataType, ForeignKey, ForeignKeyAction, IdentityKind, IndexDef,
    IndexMethod, NumericPrecision, QualifiedName, ScalarType, SequenceOptions, SqlValue, TableMember, TableOptions,
    TimeOptions,
};

impl From<&str> for QualifiedName {
    /// A name in the migration's default schema. A dot is part of the name,
    /// not a separator: use `("schema", "name")` for a qualified one.
    fn from(name: &str) -> Self {
        QualifiedName { schema: None, name: name.to_owned() }
    }
}

impl From<String> for QualifiedName {
    fn from(name: String) -> Self {
        QualifiedName { schema: None, name }
    }
}

impl From<(&str, &str)> for QualifiedName {
    fn from((schema, name): (&str, &str)) -> Self {
        QualifiedName { schema: Some(schema.to_owned()), name: name.to_owned() }
    }
}

impl From<&QualifiedName> for QualifiedName {
    fn from(name: &QualifiedName) -> Self {
        name.clone()
    }
}

impl From<ScalarType> for DataType {
    fn from(scalar: ScalarType) -> Self {
        DataType { scalar, is_array: false }
    }
}

impl ScalarType {
    /// An array of this type (`text[]`).
    pub fn array(self) -> DataType {
        DataType { scalar: self, is_array: true }
    }
}

/// Constructors for column types: `ty::text()`, `ty::varchar(40)`,
/// `ty::numeric(10, 2)`, `ty::named("post_status")`, `ty::text().array()`.
pub mod ty {
    use super::*;

    pub fn smallint() -> ScalarType { ScalarType::Smallint }
    pub fn integer() -> ScalarType { ScalarType::Integer }
    pub fn bigint() -> ScalarType { ScalarType::Bigint }
    pub fn serial() -> ScalarType { ScalarType::Serial }
    pub fn bigserial() -> ScalarType { ScalarType::Bigserial }
    pub fn smallserial() -> ScalarType { ScalarType::Smallserial }
    pub fn real() -> ScalarType { ScalarType::Real }
    pub fn double_precision() -> ScalarType { ScalarType::DoublePrecision }
    /// `numeric(precision, scale)`.
    pub fn numeric(precision: u32, scale: u32) -> ScalarType {
        ScalarType::Numeric(Some(NumericPrecision { precision, scale }))
    }
    /// Unconstrained `numeric`.
    pub fn decimal() -> ScalarType { ScalarType::Numeric(None) }
    pub fn money() -> ScalarType { ScalarType::Money }
    pub fn text() -> ScalarType { ScalarType::Text }
    /// `varchar(length)`.
    pub fn varchar(length: u32) -> ScalarType { ScalarType::Varchar(Some(length)) }
    /// `char(length)`.
    pub fn char(length: u32) -> ScalarType { ScalarType::Char(Some(length)) }
    pub fn bytea() -> ScalarType { ScalarType::Bytea }
    pub fn boolean() -> ScalarType { ScalarType::Boolean }
    pub fn date() -> ScalarType { ScalarType::Date }
    /// `time` (without time zone).
    pub fn time() -> ScalarType { ScalarType::Time(TimeOptions { with_time_zone: false, precision: None }) }
    /// `timestamp` (without time zone).
    pub fn timestamp() -> ScalarType {
        ScalarType::Timestamp(TimeOptions { with_time_zone: false, precision: None })
    }
    /// `timestamptz`.
    pub fn timestamptz() -> ScalarType {
        ScalarType::Timestamp(TimeOptions { with_time_zone: true, precision: None })
    }
    pub fn interval() -> ScalarType { ScalarType::Interval }
    pub fn uuid() -> ScalarType { ScalarType::Uuid }
    pub fn json() -> ScalarType { ScalarType::Json }
    pub fn jsonb() -> ScalarType { ScalarType::Jsonb }
    pub fn inet() -> ScalarType { ScalarType::Inet }
    /// A user-defined type (an enum, a domain) in the default schema.
    pub fn named(name: &str) -> ScalarType { ScalarType::Named(name.into()) }
    /// A type as Postgres spells it, for anything the other constructors lack.
    pub fn sql(spelling: &str) -> ScalarType { ScalarType::Sql(spelling.to_owned()) }
}

/// A column: `column("email", ty::text()).not_null()`. Nullable unless
/// [`ColumnDef::not_null`] is called.
pub fn column(name: &str, data_type: impl Into<DataType>) -> ColumnDef {
    ColumnDef {
        name: name.to_owned(),
        data_type: data_type.into(),
        nullable: true,
        default: None,
        identity: None,
        generated: None,
        collation: None,
    }
}

impl ColumnDef {
    /// Adds `NOT NULL`.
    pub fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }

    /// A constant default, sent as a typed literal.
    pub fn default(mut self, value: impl Into<SqlValue>) -> Self {
        self.default = Some(ColumnDefault::Value(value.into()));
        self
    }

    /// A default expression such as `now()`.
    pub fn default_expr(mut self, expression: &str) -> Self {
        self.default = Some(ColumnDefault::Expression(expression.to_owned()));
        self
    }

    /// `GENERATED ALWAYS AS IDENTITY` (or `BY DEFAULT`).
    pub fn identity(mut self, kind: IdentityKind) -> Self {
        self.identity = Some(kind);
        self
    }

    /// `GENERATED ALWAYS AS (expression) STORED`.
    pub fn generated(mut self, expression: &str) -> Self {
        self.generated = Some(expression.to_owned());
        self
    }

    /// `COLLATE name` (a collation in `pg_catalog` unless qualified).
    pub fn collate(mut self, collation: impl Into<QualifiedName>) -> Self {
        self.collation = Some(collation.into());
        self
    }
}

/// `PRIMARY KEY (columns)`.
pub fn primary_key<'a>(columns: impl IntoIterator<Item = &'a str>) -> Constraint {
    Constraint::PrimaryKey(names(columns))
}

/// `UNIQUE (columns)`.
pub fn unique<'a>(columns: impl IntoIterator<Item = &'a str>) -> Constraint {
    Constraint::Unique(names(columns))
}

/// `CHECK (expression)`.
pub fn check(expression: &str) -> Constraint {
    Constraint::Check(expression.to_owned())
}

/// `FOREIGN KEY (columns) REFERENCES table (referenced)`, `NO ACTION` on
/// delete and update unless [`ForeignKey::on_delete`]/[`ForeignKey::on_update`] say otherwise.
pub fn foreign_key<'a, 'b>(
    columns: impl IntoIterator<Item = &'a str>,
    references: impl Into<QualifiedName>,
    referenced_columns: impl IntoIterator<Item = &'b str>,
) -> ForeignKey {
    ForeignKey {
        columns: names(columns),
        references: references.into(),
        referenced_columns: names(referenced_columns),
        on_delete: ForeignKeyAction::NoAction,
        on_update: ForeignKeyAction::NoAction,
    }
}

impl ForeignKey {
    pub fn on_delete(mut self, action: ForeignKeyAction) -> Self {
        self.on_delete = action;
        self
    }

    pub fn on_update(mut self, action: ForeignKeyAction) -> Self {
        self.on_update = action;
        self
    }
}

impl From<ForeignKey> for Constraint {
    fn from(fk: ForeignKey) -> Self {
        Constraint::ForeignKey(fk)
    }
}

/// A btree index: `index("posts_author_idx", "posts", ["author_id"])`, then
/// `.unique()`, `.method(..)`, `.predicate(..)` as needed.
pub fn index<'a>(name: &str, table: impl Into<QualifiedName>, columns: impl IntoIterator<Item = &'a str>) -> IndexDef {
    IndexDef {
        name: name.to_owned(),
        table: table.into(),
        columns: names(columns),
        unique: false,
        method: IndexMethod::Btree,
        predicate: None,
    }
}

impl IndexDef {
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    pub fn method(mut self, method: IndexMethod) -> Self {
        self.method = method;
        self
    }

    /// A partial index's `WHERE` predicate.
    pub fn predicate(mut self, predicate: &str) -> Self {
        self.predicate = Some(predicate.to_owned());
        self
    }
}

fn names<'a>(columns: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    columns.into_iter().map(str::to_owned).collect()
}

impl Default for TableOptions {
    /// A plain logged table.
    fn default() -> Self {
        TableOptions { unlogged: false, partition_by: None, partition_of: None, inherits: Vec::new() }
    }
}

impl Default for SequenceOptions {
    /// Every setting left as it is (Postgres's default on create).
    fn default() -> Self {
        SequenceOptions {
            data_type: None,
            start: None,
            increment: None,
            min_value: None,
            max_value: None,
            cache: None,
            cycle: None,
        }
    }
}

/// A column, constraint or trigger of a table: `member("users", "email")`.
pub fn member(table: impl Into<QualifiedName>, name: &str) -> TableMember {
    TableMember { table: table.into(), name: name.into() }
}
