//! Progress of long work, as the library reports it: building migrations,
//! loading a declared schema into the shadow database, applying or
//! rolling back migrations. The library only calls a [`Progress`]; whether
//! anything is shown, and how, is the command line's (`Printer` in
//! `cli/output.rs` is the one place that decides). [`Silent`] shows nothing.

/// Where long work reports how far it got. Every method has a default
/// that does nothing.
pub trait Progress: Sync {
    /// Whether progress is on a terminal now (so that a child process's own
    /// progress lines, cargo's, can be turned off in its favour).
    fn shown(&self) -> bool {
        false
    }

    /// Work of `total` steps begins; `what` says what it is.
    fn start(&self, _what: &str, _total: u64) {}

    /// Work of `total` bytes begins (a schema's SQL).
    fn start_bytes(&self, what: &str, total: u64) {
        self.start(what, total);
    }

    /// `done` more units are done; `item` names what is being worked on.
    fn advance(&self, _done: u64, _item: &str) {}

    /// The work is over, done or failed: the display goes away.
    fn finish(&self) {}
}

/// No progress shown: for the library's callers that have no terminal.
pub struct Silent;

impl Progress for Silent {}

/// Ends `progress` when dropped, so that an error (`?`) leaves no bar behind.
pub(crate) struct Finish<'a>(pub(crate) &'a dyn Progress);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}
