//! The WIT contract (`wit/migrate.wit` at the repository root) as Rust types
//! and traits, generated once by wasmtime's `bindgen!`.
//!
//! Everything else in the host speaks these types: `actions/` turns them into
//! SQL, `runtime/` implements the imported `actions` interface and calls the
//! exported `migration` interface.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "migration-component",
    imports: { default: async | trappable },
    exports: { default: async },
    additional_derives: [PartialEq, serde::Serialize, serde::Deserialize],
});

pub use exports::migrate::host::migration::RevisionInfo;
pub use migrate::host::types::{
    CollationDef, CollationProvider, ColumnDef, ColumnDefault, CommentTarget, Constraint, DataType, EnumPosition,
    Error, ErrorKind, ForeignKey, ForeignKeyAction, FunctionRef, GrantDef, IdentityKind, IndexDef, IndexMethod,
    NumericPrecision, PartitionOf, PolicyCommand, PolicyDef, Privilege, QualifiedName, Rows, ScalarType,
    SequenceOptions, SequenceType, SqlValue, TableMember, TableOptions, TimeOptions, TypeCast,
};

impl Default for TableOptions {
    /// A plain logged table.
    fn default() -> Self {
        TableOptions {
            unlogged: false,
            partition_by: None,
            partition_of: None,
            inherits: Vec::new(),
        }
    }
}

impl Default for SequenceOptions {
    /// Every setting left as it is.
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

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            sqlstate: None,
        }
    }
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
