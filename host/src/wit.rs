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
    ColumnDef, ColumnDefault, Constraint, DataType, EnumPosition, Error, ErrorKind, ForeignKey, ForeignKeyAction,
    IdentityKind, IndexDef, IndexMethod, NumericPrecision, QualifiedName, Rows, ScalarType, SqlValue, TimeOptions,
    TypeCast,
};

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
