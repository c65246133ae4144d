//! What `status` reports: each source with its grant, each migration with
//! where it stands against the history, and what keeps the chain from
//! moving.

use super::Chain;
use crate::history::chain::{Reconciled, State};
use crate::policy::Source;
use crate::source::Migration;
use chrono::Utc;

/// One line of `status`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StatusLine {
    /// The source it comes from (`app` when there is no `migrate.toml`).
    pub source: String,
    pub revision: String,
    pub state: State,
    /// Applied, and the component is another build of the same source
    /// (same source digest, other bytes).
    pub rebuilt: bool,
    pub message: String,
    pub file: Option<String>,
    pub applied_at: Option<chrono::DateTime<Utc>>,
    pub execution_ms: Option<f64>,
    /// When a changed component was last accepted as the applied one.
    pub accepted_at: Option<chrono::DateTime<Utc>>,
    /// A squash migration's: the revisions it replaces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// Applied through the revisions it replaces (applied before the
    /// squash), not by running it here.
    pub squashed: bool,
}

/// A source and its grant, for `status`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SourceLine {
    pub name: String,
    pub dir: String,
    pub trust: crate::policy::Trust,
    /// Sandboxed only: the schemas it may change and what it may do.
    pub schemas: Vec<String>,
    pub allow: Vec<crate::policy::Capability>,
    pub role: Option<String>,
    pub statement_timeout: Option<String>,
    pub lock_timeout: Option<String>,
    pub data_dir: Option<String>,
    pub memory_mib: usize,
    pub timeout_secs: u64,
    pub max_calls: u64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Status {
    pub sources: Vec<SourceLine>,
    pub migrations: Vec<StatusLine>,
    /// Reasons the chain cannot be applied or rolled back as it is.
    pub problems: Vec<String>,
}

pub(super) fn source_line(source: &Source, database: &str) -> SourceLine {
    let grant = &source.grant;
    let duration = |d: Option<std::time::Duration>| d.map(|d| humantime::format_duration(d).to_string());
    SourceLine {
        name: source.name.clone(),
        dir: source.dir.display().to_string(),
        trust: grant.trust,
        schemas: grant.schemas.clone(),
        allow: grant.capabilities.clone(),
        role: grant
            .sandboxed()
            .then(|| super::sandbox::role_name(&source.name, database)),
        statement_timeout: duration(grant.statement_timeout),
        lock_timeout: duration(grant.lock_timeout),
        data_dir: grant.data_dir.as_ref().map(|d| d.display().to_string()),
        memory_mib: grant.limits.memory_bytes >> 20,
        timeout_secs: grant.limits.timeout.as_secs(),
        max_calls: grant.limits.max_calls,
    }
}

pub(super) fn status_lines(chain: &Chain, reconciled: &Reconciled) -> Vec<StatusLine> {
    reconciled
        .entries
        .iter()
        .map(|e| {
            let m = e.chain_index.map(|i| &chain.migrations[i]);
            StatusLine {
                source: chain.source.name.clone(),
                revision: e.revision.clone(),
                state: e.state,
                rebuilt: e.rebuilt,
                message: m.map_or_else(
                    || e.applied.as_ref().map(|a| a.message.clone()).unwrap_or_default(),
                    |m| m.message().to_owned(),
                ),
                file: m.map(Migration::file_name),
                applied_at: e.applied.as_ref().map(|a| a.applied_at),
                execution_ms: e.applied.as_ref().map(|a| a.execution_ms),
                accepted_at: e.applied.as_ref().and_then(|a| a.accepted_at),
                replaces: m.map(|m| m.replaces().to_vec()).unwrap_or_default(),
                squashed: e.squashed,
            }
        })
        .collect()
}
