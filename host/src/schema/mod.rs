//! The in-memory model of a database's schema, and catalog introspection
//! into it ([`introspect`]).
//!
//! The model is what the diff compares: each object kind is a flat, sorted
//! list keyed by its qualified name. Definitions Postgres can print itself
//! (constraint, index, view, function and trigger definitions, default and
//! generated expressions) are kept in Postgres's normalized spelling, so two
//! databases on the same server compare equal exactly when Postgres would
//! create the same object. This module reads the catalogs; it never changes
//! a database and builds no DDL.

mod introspect;
pub mod types;

pub use introspect::introspect;

pub use crate::model::{Dependency, Name, Object, ReplicaIdentity};

use crate::model::DataType;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Schema {
    /// User schemas, `public` included.
    pub schemas: Vec<String>,
    pub extensions: Vec<Extension>,
    pub enums: Vec<EnumType>,
    pub sequences: Vec<Sequence>,
    pub tables: Vec<Table>,
    /// Indexes that do not back a constraint (those live with the constraint).
    pub indexes: Vec<Index>,
    pub views: Vec<View>,
    pub functions: Vec<Function>,
    pub triggers: Vec<Trigger>,
    pub collations: Vec<Collation>,
    pub policies: Vec<Policy>,
    /// Privileges on tables, views and sequences, one per grantee and privilege.
    pub grants: Vec<Grant>,
    pub comments: Vec<Comment>,
    pub domains: Vec<Domain>,
    pub composite_types: Vec<CompositeType>,
    pub range_types: Vec<RangeType>,
    /// Base types: not migrated, only compared (name and kind), so that
    /// differences are reported.
    pub other_types: Vec<(Name, String)>,
    /// Privileges on some columns of a table or view, one per column,
    /// grantee and privilege.
    pub column_grants: Vec<ColumnGrant>,
    /// What needs what, from `pg_depend`, sorted: not an object of its own
    /// (two schemas with the same objects have the same dependencies) but
    /// what the diff orders its steps by; left out of the serde form, which
    /// compares objects.
    #[serde(skip)]
    pub dependencies: Vec<Dependency>,
}

impl Schema {
    /// The table called `name`.
    pub fn table(&self, name: &Name) -> Option<&Table> {
        by_name(&self.tables, name, |t| &t.name)
    }

    /// The sequence called `name`.
    pub fn sequence(&self, name: &Name) -> Option<&Sequence> {
        by_name(&self.sequences, name, |q| &q.name)
    }

    pub fn enum_type(&self, name: &Name) -> Option<&EnumType> {
        self.enums.iter().find(|e| &e.name == name)
    }
}

/// The item called `name`: a binary search, which finds it in a list in
/// name order (introspection sorts tables and sequences), then a scan for a
/// list built in another order (only a miss pays for it).
fn by_name<'a, T>(items: &'a [T], name: &Name, key: impl Fn(&T) -> &Name) -> Option<&'a T> {
    match items.binary_search_by(|item| key(item).cmp(name)) {
        Ok(i) => Some(&items[i]),
        Err(_) => items.iter().find(|item| key(item) == name),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnumType {
    pub name: Name,
    /// In their sort order.
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sequence {
    pub name: Name,
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// The column that owns it (`serial`, `OWNED BY`, identity).
    pub owned_by: Option<(Name, String)>,
    /// True for the implicit sequence of an identity column.
    pub identity: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    pub name: Name,
    pub unlogged: bool,
    /// `PARTITION BY ...` of a partitioned table.
    pub partition_key: Option<String>,
    /// `FOR VALUES ...` of a partition, with its parent in `inherits`.
    pub partition_bound: Option<String>,
    /// The parent table (`INHERITS` or `PARTITION OF`); only the first of
    /// several `INHERITS` parents (`parents` says how many there are).
    pub inherits: Option<Name>,
    pub parents: i32,
    /// Row-level security is enabled (and, with `force_row_security`, binds the owner too).
    pub row_security: bool,
    pub force_row_security: bool,
    /// Storage parameters as Postgres prints them (`fillfactor=70`), the
    /// TOAST table's prefixed `toast.`.
    pub options: Vec<String>,
    pub replica_identity: ReplicaIdentity,
    /// In column order.
    pub columns: Vec<Column>,
    /// Sorted by name.
    pub constraints: Vec<TableConstraint>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    /// The type as Postgres prints it (`character varying(40)`, `integer[]`).
    pub type_sql: String,
    /// The same type as the contract's typed value.
    pub data_type: DataType,
    pub nullable: bool,
    /// The default expression, as Postgres prints it.
    pub default: Option<String>,
    pub identity: Option<Identity>,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    pub generated: Option<String>,
    /// A collation other than the type's default.
    pub collation: Option<Name>,
    /// False for a column only inherited from a parent table.
    pub local: bool,
    /// The non-identity sequence this column owns (`serial`, `OWNED BY`).
    pub owned_sequence: Option<Name>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Identity {
    Always,
    ByDefault,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableConstraint {
    pub name: String,
    pub kind: ConstraintKind,
    /// `pg_get_constraintdef`: the whole definition (`FOREIGN KEY (a) REFERENCES b(c) DEFERRABLE`).
    pub definition: String,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// False for a constraint only inherited from a parent table.
    pub local: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    ForeignKey {
        columns: Vec<String>,
        references: Name,
        referenced_columns: Vec<String>,
        on_delete: char,
        on_update: char,
    },
    Check,
    Exclusion,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Index {
    pub name: Name,
    pub table: Name,
    /// `pg_get_indexdef`: the whole `CREATE INDEX` statement.
    pub definition: String,
    pub unique: bool,
    pub method: String,
    pub predicate: Option<String>,
    /// Key columns when the index is a plain list of columns (no
    /// expressions, INCLUDE or sort options); otherwise only `definition` says.
    pub simple_columns: Option<Vec<String>>,
    /// A partition's index: the partitioned table's index it is attached to.
    pub parent: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct View {
    pub name: Name,
    pub materialized: bool,
    /// `pg_get_viewdef`: the query.
    pub definition: String,
    /// A view's options (`security_barrier=true`), a materialized view's
    /// storage parameters, as Postgres prints them.
    pub options: Vec<String>,
    /// The tables and views it reads.
    pub depends_on: Vec<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Function {
    pub name: Name,
    /// `pg_get_function_identity_arguments`: what tells overloads apart.
    pub identity_arguments: String,
    pub procedure: bool,
    /// `pg_get_functiondef`: the whole `CREATE OR REPLACE FUNCTION`.
    pub definition: String,
    /// `pg_get_function_arguments` (names, modes and defaults) and
    /// `pg_get_function_result` (`None` for a procedure): what `CREATE OR
    /// REPLACE` cannot change.
    pub arguments: String,
    pub result: Option<String>,
    /// The input arguments' types (`integer, text`): with the name, what
    /// Postgres tells a function by (argument names and `OUT` arguments
    /// aside).
    pub input_types: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trigger {
    pub table: Name,
    pub name: String,
    /// `pg_get_triggerdef`: the whole `CREATE TRIGGER`.
    pub definition: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Collation {
    pub name: Name,
    /// `c` (libc) or `i` (ICU).
    pub provider: String,
    /// libc's `LC_COLLATE`, or the ICU locale.
    pub locale: String,
    /// libc's `LC_CTYPE` (empty for ICU).
    pub lc_ctype: String,
    pub deterministic: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Policy {
    pub table: Name,
    pub name: String,
    pub permissive: bool,
    /// `*` (all), `r` (select), `a` (insert), `w` (update), `d` (delete).
    pub command: String,
    /// Sorted; `public` for PUBLIC.
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Grant {
    pub on: Name,
    /// A role name, or `public`.
    pub grantee: String,
    /// `SELECT`, `INSERT`, ... as `aclexplode` spells it.
    pub privilege: String,
    pub grant_option: bool,
}

/// A domain: what `CREATE DOMAIN` fixes (the name, the base type and its
/// collation, as a statement's head), and what changes in place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Domain {
    pub name: Name,
    /// `CREATE DOMAIN "s"."n" AS type [COLLATE c]`.
    pub head: String,
    pub default: Option<String>,
    pub not_null: bool,
    /// (name, `pg_get_constraintdef`), in name order.
    pub checks: Vec<(String, String)>,
    /// The whole `CREATE DOMAIN`, all of the above.
    pub definition: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompositeType {
    pub name: Name,
    /// In order.
    pub attributes: Vec<Attribute>,
    /// The whole `CREATE TYPE ... AS (...)`.
    pub definition: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attribute {
    pub name: String,
    pub type_sql: String,
    pub data_type: DataType,
    /// A collation other than the type's default.
    pub collation: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RangeType {
    pub name: Name,
    /// The whole `CREATE TYPE ... AS RANGE (...)`.
    pub definition: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColumnGrant {
    pub on: Name,
    pub column: String,
    /// A role name, or `public`.
    pub grantee: String,
    /// `SELECT`, `INSERT`, `UPDATE` or `REFERENCES`.
    pub privilege: String,
    pub grant_option: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comment {
    /// `schema`, `table`, `column`, `view`, `materialized view`, `index`,
    /// `sequence`, `type`, `collation`, `function`, `procedure`,
    /// `constraint` or `trigger`.
    pub kind: String,
    /// The object, or for a column, constraint or trigger its table (for a
    /// schema, the schema's name twice).
    pub object: Name,
    /// The column, constraint or trigger; a function's identity arguments.
    pub member: Option<String>,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_in_sorted_and_unsorted_lists() {
        let names = |list: &[&str]| list.iter().map(|n| Name::new("public", *n)).collect::<Vec<_>>();
        for list in [names(&["a", "b", "c", "d"]), names(&["d", "a", "c", "b"])] {
            for wanted in ["a", "b", "c", "d"] {
                let found = by_name(&list, &Name::new("public", wanted), |n| n);
                assert_eq!(found.map(|n| n.name.as_str()), Some(wanted), "{list:?}");
            }
            assert!(by_name(&list, &Name::new("public", "e"), |n| n).is_none());
        }
    }
}
