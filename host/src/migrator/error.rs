//! Why a run of the migrator stopped, as a kind a caller can branch on. A
//! failure after some migrations committed carries the report of those, so
//! nothing that happened is lost with the error.

use super::Report;
use crate::runtime::Direction;

/// The error the cause of a failed migration is kept as: anyhow's chain,
/// as a standard error (so `{:#}` through anyhow still prints all of it).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The migrations do not form one chain: duplicates, forks, missing
    /// parents, cycles.
    #[error("{}", match .at { Some(at) => format!("{at}: {error}"), None => error.to_string() })]
    BrokenChain {
        /// `source NAME (DIR)` when there are several sources.
        at: Option<String>,
        error: crate::history::chain::ChainError,
    },
    /// The history cannot be moved as it is: revisions applied that no
    /// migration declares, an applied revision after a pending one, a squash
    /// applied in part.
    #[error("{at}: the database's history does not match the migrations:\n  {}", .problems.join("\n  "))]
    HistoryMismatch {
        /// The directory, or `source NAME (DIR)` when there are several.
        at: String,
        problems: Vec<String>,
    },
    /// Applied migrations changed since they were applied, and the run was
    /// not forced.
    #[error(
        "{at}: applied migration(s) {} changed since they were applied (neither the component applied nor built \
         from the same source); restore the applied version, or review the change and run `migrate-host accept {}` \
         to record it, or pass --force to go ahead this once",
        .revisions.join(", "),
        .revisions.join(" ")
    )]
    Changed { at: String, revisions: Vec<String> },
    /// `--to REV` names no migration.
    #[error("{}", unknown_revision(.revision, .squashed_into.as_ref(), .origin))]
    UnknownRevision {
        revision: String,
        /// The squash migration that replaced it, and its file.
        squashed_into: Option<(String, String)>,
        /// Where the migrations come from.
        origin: String,
    },
    /// `rollback --to REV` names a migration that is not applied.
    #[error("--to {revision}: that revision is not applied, so there is nothing to roll back to")]
    NotApplied { revision: String },
    /// A migration failed and was rolled back whole; those before it in
    /// this run committed (`report`).
    #[error("{what}")]
    Failed {
        revision: String,
        direction: Direction,
        /// `applying r2 (message, file.wasm)`.
        what: String,
        report: Box<Report>,
        #[source]
        cause: Cause,
    },
    /// A migration kept waiting for a lock past its `lock_timeout`, every
    /// retry; it was rolled back each time.
    #[error(
        "{revision} still waited for a lock past its lock_timeout after {retries} retries; find what holds the \
         lock (pg_locks, pg_stat_activity), or raise --lock-timeout / --lock-retries"
    )]
    LockWait {
        revision: String,
        direction: Direction,
        retries: u32,
        report: Box<Report>,
        #[source]
        cause: Cause,
    },
    /// Anything else: the migrations could not be loaded, the database
    /// could not be reached or locked, the history table is not ours.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    /// A migration failed: which way the run went, and what it did
    /// before (in a live run, committed and kept).
    pub fn stopped(&self) -> Option<(Direction, &Report)> {
        match self {
            Error::Failed { direction, report, .. } | Error::LockWait { direction, report, .. } => {
                Some((*direction, report.as_ref()))
            }
            _ => None,
        }
    }
}

fn unknown_revision(revision: &str, squashed_into: Option<&(String, String)>, origin: &str) -> String {
    match squashed_into {
        Some((squash, file)) => format!(
            "--to {revision}: that revision was squashed into {squash} ({file}), which replaces it; name {squash} \
             instead"
        ),
        None => format!("--to {revision}: no migration in {origin} has that revision"),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
