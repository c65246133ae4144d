//! The Rust SDK for writing migrate-host migrations.
//!
//! A migration is a crate of type `cdylib`, built for `wasm32-wasip2` (the
//! `migrate-host build` command does it). It implements [`Migration`] and
//! exports itself with [`migration!`]:
//!
//! ```ignore
//! use migrate_plugin::prelude::*;
//!
//! struct CreateUsers;
//!
//! impl Migration for CreateUsers {
//!     const REVISION: &'static str = "20261125093000";
//!     const PARENT: Option<&'static str> = None;
//!     const MESSAGE: &'static str = "create users";
//!
//!     fn up() -> Result<()> {
//!         add_table("users", [
//!             column("id", ty::bigint()).not_null(),
//!             column("email", ty::text()).not_null(),
//!             column("created_at", ty::timestamptz()).not_null().default_expr("now()"),
//!         ])?;
//!         add_constraint("users", "users_pkey", primary_key(["id"]))?;
//!         add_constraint("users", "users_email_key", unique(["email"]))
//!     }
//!
//!     fn down() -> Result<()> {
//!         drop_table("users")
//!     }
//! }
//!
//! migration!(CreateUsers);
//! ```
//!
//! Every action runs right away on the migration's transaction, inside the
//! host; an action's error comes back as an [`Error`] that `?` propagates.
//! Returning an error (or panicking) rolls the whole migration back.
//!
//! This crate owns only the guest-side ergonomics: the contract itself is the
//! WIT package in `wit/` at the repository root, bound here by wit-bindgen.

#![forbid(unsafe_op_in_unsafe_fn)]

/// The raw wit-bindgen bindings of the `squash-component` world: the
/// `migration-component` world, and the `squash` interface (the revisions a
/// migration replaces; none unless [`Migration::REPLACES`] says so).
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "squash-component",
        pub_export_macro: true,
        export_macro_name: "__export_migration_component",
        default_bindings_module: "migrate_plugin::bindings",
    });
}

mod actions;
mod builders;
mod values;

pub use actions::*;
pub use builders::*;
pub use bindings::migrate::host::types::{
    AttributeChange, AttributeDef, CollationDef, CollationProvider, ColumnDefault, ColumnDef, CommentTarget,
    Constraint, DataType, DomainChange, DomainCheck, EnumPosition, Error, ErrorKind, ForeignKey, ForeignKeyAction,
    FunctionRef, GrantDef, IdentityKind, IndexDef, IndexMethod, NumericPrecision, PartitionOf, PolicyCommand,
    PolicyDef, Privilege, QualifiedName, RelationOption, ReplicaIdentity, Rows, ScalarType, SequenceOptions,
    SequenceType, SqlValue, TableMember, TableOptions, TimeOptions, TypeCast,
};

/// The result of actions and of `up`/`down`.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything a migration usually needs, for `use migrate_plugin::prelude::*`.
pub mod prelude {
    pub use crate::{
        AttributeChange, AttributeDef, CollationDef, CollationProvider, ColumnDefault, CommentTarget, Constraint,
        DomainChange, DomainCheck, EnumPosition, Error, ErrorKind, ForeignKeyAction, FunctionRef, GrantDef,
        IdentityKind, IndexMethod, Migration, NumericPrecision, PartitionOf, PolicyCommand, PolicyDef, Privilege,
        ReplicaIdentity, Result, Rows, ScalarType, SequenceOptions, SequenceType, SqlValue, TableMember, TableOptions,
        TimeOptions, TypeCast, actions::*, builders::*, migration,
    };
}

/// A migration: its place in the chain and its two directions.
pub trait Migration {
    /// This migration's revision, unique in its chain (a UTC timestamp such as
    /// `"20261125093000"` by convention).
    const REVISION: &'static str;
    /// The revision this one applies on top of; `None` for the first.
    const PARENT: Option<&'static str>;
    /// What the migration does, for humans.
    const MESSAGE: &'static str;
    /// The revisions this migration replaces, oldest first: set by
    /// `migrate-host squash`, which writes one migration in place of the
    /// first ones of a chain. A database that applied them takes this one
    /// as applied. Empty for every other migration.
    const REPLACES: &'static [&'static str] = &[];

    /// Moves the database forward.
    fn up() -> Result<()>;
    /// Undoes [`Migration::up`].
    fn down() -> Result<()>;
}

impl Error {
    /// A migration's own error, for `return Err(Error::msg("..."))`.
    pub fn msg(message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Migration, message: message.into(), sqlstate: None }
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::msg(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::msg(message)
    }
}

#[doc(hidden)]
pub mod __private {
    pub use std::string::String;
    pub use std::vec::Vec;
}

/// Exports a type implementing [`Migration`] as this component's migration.
/// Use it once per crate.
#[macro_export]
macro_rules! migration {
    ($ty:ty) => {
        const _: () = {
            struct __MigrateExport;

            impl $crate::bindings::exports::migrate::host::migration::Guest for __MigrateExport {
                fn metadata() -> $crate::bindings::exports::migrate::host::migration::RevisionInfo {
                    $crate::bindings::exports::migrate::host::migration::RevisionInfo {
                        revision: <$ty as $crate::Migration>::REVISION.into(),
                        parent: <$ty as $crate::Migration>::PARENT.map(Into::into),
                        message: <$ty as $crate::Migration>::MESSAGE.into(),
                    }
                }
                fn up() -> $crate::Result<()> {
                    <$ty as $crate::Migration>::up()
                }
                fn down() -> $crate::Result<()> {
                    <$ty as $crate::Migration>::down()
                }
            }

            impl $crate::bindings::exports::migrate::host::squash::Guest for __MigrateExport {
                fn replaces() -> $crate::__private::Vec<$crate::__private::String> {
                    <$ty as $crate::Migration>::REPLACES.iter().map(|r| (*r).into()).collect()
                }
            }

            $crate::bindings::__export_migration_component!(__MigrateExport with_types_in $crate::bindings);
        };
    };
}
