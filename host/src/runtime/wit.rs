//! The WIT contract (`wit/migrate.wit` at the repository root) as wasmtime's
//! `bindgen!` generates it: the world's linker and instance glue, the
//! `actions` trait the host implements, and the generated types, which
//! nothing outside `runtime/` sees (`convert` turns them into the host's
//! [`crate::model`] and back).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "migration-component",
    imports: { default: async | trappable },
    exports: { default: async },
    // Serialize only for the conversion tests, which compare each value's
    // serde form with its model counterpart's.
    additional_derives: [serde::Serialize],
});

pub use exports::migrate::host::migration::RevisionInfo;
pub use migrate::host::types::{
    AttributeChange, AttributeDef, CollationDef, CollationProvider, ColumnDef, ColumnDefault, CommentTarget,
    Constraint, DataType, DomainChange, DomainCheck, EnumPosition, Error, ErrorKind, ForeignKey, ForeignKeyAction,
    FunctionRef, GrantDef, IdentityKind, IndexDef, IndexMethod, NumericPrecision, PartitionOf, PolicyCommand,
    PolicyDef, Privilege, QualifiedName, RelationOption, ReplicaIdentity, Rows, ScalarType, SequenceOptions,
    SequenceType, SqlValue, TableMember, TableOptions, TimeOptions, TypeCast,
};
