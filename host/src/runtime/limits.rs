//! The sandbox's budgets: CPU (fuel), memory, wall clock, and how much a
//! migration may ask of the host.

use std::time::Duration;
use wasmtime::ResourceLimiter;

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

/// A limit that was hit: the error traps the guest so it cannot be caught.
#[derive(Debug, thiserror::Error)]
pub enum LimitExceeded {
    #[error("exceeded its memory limit of {} MiB (it asked for {} MiB)", limit >> 20, requested >> 20)]
    Memory { limit: usize, requested: usize },
    #[error("exceeded its limit of {0} host calls (actions, execute, query)")]
    Calls(u64),
    #[error("sent {size} bytes in one call; the limit is {limit} bytes")]
    CallSize { size: usize, limit: usize },
    #[error("exceeded its limit of {limit} {what}")]
    Other { what: &'static str, limit: usize },
}

/// Bounds the guest's memories and tables; a refused growth traps with
/// [`LimitExceeded::Memory`] instead of letting the guest's allocator abort
/// with an unreadable `unreachable`.
pub struct MemoryLimiter {
    pub limit: usize,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.limit {
            return Err(wasmtime::Error::new(LimitExceeded::Memory {
                limit: self.limit,
                requested: desired,
            }));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        const MAX_TABLE_ELEMENTS: usize = 1 << 20;
        if desired > MAX_TABLE_ELEMENTS {
            return Err(wasmtime::Error::new(LimitExceeded::Other {
                what: "table elements",
                limit: MAX_TABLE_ELEMENTS,
            }));
        }
        Ok(true)
    }
}
