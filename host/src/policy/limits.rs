//! The budgets a grant gives each migration of its source: CPU (fuel),
//! memory, wall clock, and how much a migration may ask of the host. The
//! runtime enforces them; the grant owns them.

use std::time::Duration;

/// Per-migration limits. The defaults fit any reasonable schema migration and
/// data migrations over tens of thousands of rows; raise them with the CLI's
/// `--max-*` flags for bigger ones.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Guest CPU budget, in wasmtime fuel units (about one per wasm instruction).
    pub fuel: u64,
    /// Largest linear memory a migration may grow to, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock budget for one `up` or `down`, SQL time included.
    pub timeout: Duration,
    /// Most host calls (actions, `execute`, `query`) one run may make.
    pub max_calls: u64,
    /// Largest SQL text or argument list one call may send, in bytes.
    pub max_call_bytes: usize,
    /// Most rows one `query` may return.
    pub max_query_rows: usize,
    /// Most bytes of values one `query` may return.
    pub max_query_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 20_000_000_000,
            memory_bytes: 256 << 20,
            timeout: Duration::from_secs(600),
            max_calls: 100_000,
            max_call_bytes: 1 << 20,
            max_query_rows: 100_000,
            max_query_bytes: 64 << 20,
        }
    }
}
