//! Enforcing the sandbox's budgets ([`crate::policy::Limits`]): the memory
//! limiter and the errors that trap a guest past a limit.

use wasmtime::ResourceLimiter;

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
