//! migrate-host: PostgreSQL schema migrations as sandboxed WebAssembly
//! components.
//!
//! The host owns everything privileged (the connection, the transaction, the
//! SQL); a migration is a component of the WIT `migration-component` world
//! that can only ask for actions. Modules, in the order data flows:
//!
//! - [`source`]: a directory of `.wasm` files → migrations with metadata and checksums;
//! - [`history`]: the `migration_info` table, the revision chain, the advisory lock;
//! - [`runtime`]: wasmtime, the sandbox and its limits, the imported `actions`;
//! - [`actions`]: the `Action` type and the SQL it becomes;
//! - [`migrator`]: apply / rollback / status, the policy over all of the above;
//! - [`build`]: migration crates → components, with cargo (and `.js` files, with componentize-qjs);
//! - [`workspace`]: a migrations directory on disk: `init`, new migrations, the parents their sources declare;
//! - [`check`]: the declared schema, the migrations (replayed) and the database compared, for CI;
//! - [`testing`]: scratch databases for testing migrations from `cargo test`;
//! - [`cli`]: the `migrate-host` command line.

pub mod actions;
pub mod build;
pub mod check;
pub mod cli;
pub mod codegen;
pub mod diff;
pub mod generate;
pub mod history;
pub mod lint;
pub mod migrator;
pub mod pg;
pub mod policy;
pub mod runtime;
pub mod schema;
pub mod shadow;
pub mod source;
pub mod testing;
pub mod wit;
pub mod workspace;
