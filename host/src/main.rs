//! The `migrate-host` binary: see `cli` for the commands.

fn main() -> std::process::ExitCode {
    // Output piped into `head` and the like: when the reader goes away, stop
    // quietly as Unix tools do, instead of panicking on the failed write
    // (Rust ignores SIGPIPE unless told otherwise).
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal, before any
    // other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    migrate_host::cli::main()
}
