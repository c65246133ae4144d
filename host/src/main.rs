//! The `migrate-host` binary: see `cli` for the commands.

fn main() -> std::process::ExitCode {
    migrate_host::cli::main()
}
