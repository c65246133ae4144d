//! migrate-host: PostgreSQL schema migrations as sandboxed WebAssembly
//! components.
//!
//! The host owns everything privileged (the connection, the transaction, the
//! SQL); a migration is a component of the WIT `migration-component` world
//! that can only ask for actions. Modules, from the command line down:
//!
//! - [`cli`]: the `migrate-host` command line: arguments and the one printer;
//! - [`squash`]: `squash`: one migration in place of the first ones of the chain, proved in scratch databases;
//! - [`baseline`]: `baseline`: a database never managed, adopted as the first migration (recorded, not run);
//! - [`fleet`]: `apply`, `rollback`, `status` and `check` over many databases or tenant schemas: targets, rollout (parallel, canary, waves), per-target reports;
//! - [`check`]: `check`, for CI: the database, the migrations (replayed into a scratch database) and the declared schema compared;
//! - [`generate`]: the front half `plan` and `generate` share, and writing a migration crate;
//! - [`workspace`]: a migrations directory's files: `init`, `new`, the revision and parent each source declares, `rebase`;
//! - [`migrator`]: apply / rollback / status / accept over the sources: pure planning over the history, the transaction protocol, sandbox roles, typed errors;
//! - [`testing`]: scratch databases for testing migrations from `cargo test`;
//! - [`build`]: migration crates (cargo) and `.js` files (componentize-qjs) → components, with their source digest;
//! - [`source`]: a directory of `.wasm` files → migrations with metadata and identity;
//! - [`runtime`]: wasmtime, the store and its limits, the compiled-component cache, the imported `actions`, the WIT bindings and their conversion;
//! - [`policy`]: `migrate.toml`, sources, grants and their limits, the check of every call and of what is stored;
//! - [`progress`]: how long work (builds, the shadow database, runs of many migrations) reports how far it got;
//! - [`history`]: the `migration_info` log, the revision chain, the advisory lock;
//! - [`lint`]: the lint over a migration's steps and statements (its rules live with the actions' facts);
//! - [`codegen`]: actions → the Rust source of a migration;
//! - [`diff`]: schema × schema → actions, in explicit phases, every field of the model compared;
//! - [`scratch`]: scratch databases for proofs: made, migrations applied, compared by `pg_dump -s`, dropped;
//! - [`shadow`]: throwaway databases: the declared schema loaded (or read from a database), a plan rehearsed;
//! - [`schema`]: the in-memory model of a database and catalog introspection;
//! - [`actions`]: the `Action` type, its facts (grant, texts, hazard) and the SQL it becomes;
//! - [`model`]: the host's own types of database objects, SQL values and revision info, independent of the generated bindings;
//! - [`pg`]: connecting (TLS included), cancelling, scratch-database names;
//! - [`digest`]: the SHA-256 every identity is made of.

pub mod actions;
pub mod baseline;
pub mod build;
pub mod check;
pub mod cli;
pub mod codegen;
pub mod diff;
pub mod digest;
pub mod fleet;
pub mod generate;
pub mod history;
pub mod lint;
pub mod migrator;
pub mod model;
pub mod pg;
pub mod policy;
pub mod progress;
pub mod runtime;
pub mod schema;
pub mod scratch;
pub mod shadow;
pub mod source;
pub mod squash;
pub mod testing;
pub mod workspace;
