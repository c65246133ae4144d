//! The trust policy: which migrations sources there are (`migrate.toml`,
//! optional), how far each is trusted, and the check of every action a
//! migration calls against its source's grant, made before any SQL runs.
//!
//! A **trusted** source (the app's own `migrations/`, and the only source
//! when there is no `migrate.toml`) may call every action; like every
//! migration it still has no access to the OS. A **sandboxed** source (a
//! vendor's `.wasm` files) gets the schemas it may touch, the kinds of
//! action it may call, its own limits and timeouts, and runs its SQL as a
//! restricted role the host manages, so that Postgres enforces the same
//! boundary again. This module decides; `runtime/` and `migrator/` enforce.

mod config;
mod limits;
pub mod stored;

pub use crate::actions::facts::Capability;
pub use config::{Config, SourceConfig, Trust, load_config};
pub use limits::Limits;

use crate::actions::facts::{SqlText, TextKind};
use crate::actions::{Action, ActionError, DEFAULT_SCHEMA, guard};
use std::path::PathBuf;
use std::time::Duration;

/// One source of migrations with its trust, as the migrator uses it.
#[derive(Clone, Debug)]
pub struct Source {
    /// Its name in `status` and in messages (`app`, `auth`).
    pub name: String,
    pub dir: PathBuf,
    pub grant: Grant,
}

/// What a source's migrations may do.
#[derive(Clone, Debug)]
pub struct Grant {
    pub trust: Trust,
    /// The schemas a sandboxed source may change (ignored when trusted).
    pub schemas: Vec<String>,
    /// The kinds of action a sandboxed source may call (trusted: all).
    pub capabilities: Vec<Capability>,
    pub limits: Limits,
    /// `SET LOCAL statement_timeout` / `lock_timeout` for each migration.
    pub statement_timeout: Option<Duration>,
    pub lock_timeout: Option<Duration>,
    /// A directory the migration may read (WASI preopen `/data`, read-only).
    pub data_dir: Option<PathBuf>,
    /// Revisions whose data-loss hazards the project has reviewed and accepts.
    pub acknowledged: Vec<String>,
    /// The tenant's schema, when the migration runs on one: every object an
    /// action changes must be in it (trusted or not).
    pub tenant: Option<String>,
}

impl Grant {
    /// Everything, as for the app's own migrations.
    pub fn trusted(limits: Limits) -> Self {
        Grant {
            trust: Trust::Trusted,
            schemas: Vec::new(),
            capabilities: Capability::ALL.to_vec(),
            limits,
            statement_timeout: None,
            lock_timeout: None,
            data_dir: None,
            acknowledged: Vec::new(),
            tenant: None,
        }
    }

    /// The grant on the tenant whose schema is `schema`.
    pub fn on_tenant(&self, schema: &str) -> Self {
        Grant {
            tenant: Some(schema.to_owned()),
            ..self.clone()
        }
    }

    pub fn sandboxed(&self) -> bool {
        self.trust == Trust::Sandboxed
    }

    /// Checks one action against the grant; the error names what is missing.
    pub fn check(&self, action: &Action) -> Result<(), ActionError> {
        let facts = action.facts();
        // A tenant's migration runs once per tenant: an object of another
        // schema would be changed by each, the second run finding it done.
        if let Some(tenant) = &self.tenant
            && let Some(other) = facts.schemas.iter().flatten().find(|s| *s != tenant)
        {
            return Err(ActionError::NotPermitted(format!(
                "{} changes schema {other}, on tenant {tenant}: a tenant's migration changes its own schema \
                 only (leave names unqualified; they are the tenant's); change {other} in a migration applied to \
                 the database",
                action.describe_in(tenant)
            )));
        }
        if !self.sandboxed() {
            return Ok(());
        }
        let capability = facts.capability;
        if !self.capabilities.contains(&capability) {
            return Err(ActionError::NotPermitted(format!(
                "{} needs the `{}` grant, which this source does not have (it has: {})",
                action.describe(),
                capability.name(),
                self.capabilities
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for schema in facts.schemas {
            let schema = schema.as_deref().unwrap_or(DEFAULT_SCHEMA);
            if !self.schemas.iter().any(|s| s == schema) {
                return Err(ActionError::NotPermitted(format!(
                    "{} touches schema {schema}, outside this source's schemas ({})",
                    action.describe(),
                    self.schemas.join(", ")
                )));
            }
        }
        for SqlText { text, kind, what } in facts.texts {
            guard::sandboxed_text(text, kind.wrap(), what)?;
            let calls = match kind {
                // Read from the tokens: no corner of the grammar hides a call.
                TextKind::Expression | TextKind::PartitionBound => guard::sandboxed_expression(text, what)?,
                // The strategy (`LIST (`) reads like a call: from the tree.
                TextKind::TableConstraint | TextKind::PartitionKey | TextKind::Query | TextKind::Statement => {
                    let query = kind == TextKind::Query;
                    guard::sandboxed_stored_statement(&kind.wrap().replace("{}", text), what, query)?
                }
                TextKind::Code => continue,
            };
            self.check_calls(&calls, what)?;
        }
        Ok(())
    }

    /// Checks raw SQL (`execute`/`query`) from a sandboxed source: it needs
    /// the `sql` grant, and may not change the session's role or settings,
    /// run a `DO` block, call `set_config` or define code (functions,
    /// procedures, triggers, rules) that would run as someone else.
    /// `unacknowledged`: the revision being applied, when its data loss has
    /// not been acknowledged (statements that lose data are then refused).
    pub fn check_sql(&self, sql: &str, unacknowledged: Option<&str>) -> Result<(), ActionError> {
        if !self.sandboxed() {
            return Ok(());
        }
        if !self.capabilities.contains(&Capability::Sql) {
            return Err(ActionError::NotPermitted(
                "execute/query need the `sql` grant, which this source does not have".into(),
            ));
        }
        let facts = guard::sandboxed_statement(sql)?;
        if facts.drops && !self.capabilities.contains(&Capability::Drop) {
            return Err(ActionError::NotPermitted(
                "this statement drops something (DROP, TRUNCATE, DROP COLUMN) and needs the `drop` grant, which \
                 this source does not have"
                    .into(),
            ));
        }
        if facts.loses_data
            && let Some(revision) = unacknowledged
        {
            return Err(ActionError::NotPermitted(format!(
                "this statement loses data (DROP TABLE or SEQUENCE, TRUNCATE, DROP COLUMN), and a sandboxed \
                 source's data loss must \
                 be acknowledged: review the migration, then add {revision:?} to the source's `acknowledge` list in \
                 migrate.toml"
            )));
        }
        self.check_calls(&facts.calls, "the statement")?;
        for schema in facts.targets {
            let schema = schema.as_deref().unwrap_or(DEFAULT_SCHEMA);
            if !self.schemas.iter().any(|s| s == schema) {
                return Err(ActionError::NotPermitted(format!(
                    "the statement changes something in schema {schema}, outside this source's schemas ({})",
                    self.schemas.join(", ")
                )));
            }
        }
        Ok(())
    }
}

impl Grant {
    /// What the function calls of a sandboxed text need: each sequence it
    /// names in the source's schemas, each function of a schema only with
    /// the `functions` grant and in the source's schemas.
    fn check_calls(&self, calls: &guard::Calls, what: &str) -> Result<(), ActionError> {
        for schema in &calls.sequences {
            let schema = schema.as_deref().unwrap_or(DEFAULT_SCHEMA);
            if !self.schemas.iter().any(|s| s == schema) {
                return Err(ActionError::NotPermitted(format!(
                    "{what} uses a sequence of schema {schema}, outside this source's schemas ({})",
                    self.schemas.join(", ")
                )));
            }
        }
        for schema in &calls.functions {
            let own = self.schemas.iter().any(|s| s == schema);
            if !own || !self.capabilities.contains(&Capability::Functions) {
                return Err(ActionError::NotPermitted(format!(
                    "{what} calls a function of schema {schema}: a sandboxed migration may call only built-in \
                     functions that compute a value, and functions of its own schemas ({}) with the `functions` grant",
                    self.schemas.join(", ")
                )));
            }
        }
        Ok(())
    }
}

impl Source {
    /// The zero-config source: the `--dir` directory, trusted.
    pub fn trusted(dir: impl Into<PathBuf>, limits: Limits) -> Self {
        Source {
            name: "app".into(),
            dir: dir.into(),
            grant: Grant::trusted(limits),
        }
    }
}

#[cfg(test)]
mod tests;
