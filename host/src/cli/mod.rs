//! The `migrate-host` command line: arguments, output, exit codes. No
//! migration logic lives here; each command calls the library and prints.
//!
//! Exit codes: 0 success (including "already up to date"), 1 failure,
//! 2 usage error (clap's own); `check` adds its verdicts, 2 and 3, and
//! `status --targets` 3 (a target is not at head).

mod fleet;
mod output;

use crate::build;
use crate::migrator::{ApplyOptions, Interrupted, Migrator, RollbackOptions, RollbackTarget};
use crate::runtime::{Limits, Runtime, default_cache_dir};
use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use output::Printer;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  migrate-host init                           a migrations workspace in ./migrations and an empty ./schema.sql
  migrate-host new -m \"backfill nicknames\"    a hand-written migration on top of the newest one
  migrate-host build                          build every migration crate in ./migrations
  migrate-host apply                          apply every pending migration
  migrate-host apply --to 20261103090000      apply up to and including that revision
  migrate-host apply --dry-run                print the SQL, run nothing
  migrate-host rollback                       undo the newest migration
  migrate-host rollback --steps 2             undo the two newest
  migrate-host status --json                  applied / pending / changed, for scripts
  migrate-host accept 20261103090000          after reviewing a changed migration, take it as applied
  migrate-host rebase 20261202110000          after a merge, put that migration after the newest one
  migrate-host plan --schema schema.sql       the SQL that would bring the database to schema.sql
  migrate-host generate -m \"add views\"       write and build that migration
  migrate-host check                          in CI: 0 in sync, 2 the database differs, 3 the migrations do
  migrate-host apply --targets fleet.toml --canary 2 --wave-size 50
                                              every database in fleet.toml: two canaries first, then waves of 50
  migrate-host status --targets fleet.toml    how many databases are at each revision; exit 3 if one is behind
  migrate-host lint --json                    in CI: the lint of the pending migrations, exit 1 on an error
  migrate-host squash --to 20261130090000     one migration in place of the first ones, up to that revision
  migrate-host baseline                       adopt an existing database: its schema as the first migration";

/// PostgreSQL schema migrations as sandboxed WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "migrate-host", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Postgres connection string (postgres://user@host/db or key=value form).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory of migrations: crates for `build`, `.wasm` components for
    /// the rest [default: migrations]. With a migrate.toml, its sources instead.
    #[arg(long, global = true)]
    pub dir: Option<PathBuf>,

    /// The trust policy: migrations sources and their grants (optional).
    #[arg(long, global = true, value_name = "PATH", default_value = "migrate.toml")]
    pub config: PathBuf,

    /// Print less: only errors (and the SQL of a dry run).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: the SQL each migration runs and what it prints.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The sandbox's budgets for each migration.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// CPU budget per migration, in fuel (about one unit per wasm instruction).
    #[arg(long, global = true, value_name = "FUEL", default_value_t = Limits::default().fuel)]
    pub max_fuel: u64,
    /// Memory cap per migration, in MiB.
    #[arg(long, global = true, value_name = "MIB", default_value_t = Limits::default().memory_bytes >> 20)]
    pub max_memory: usize,
    /// Wall-clock limit per migration, in seconds (SQL time included).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = Limits::default().timeout.as_secs())]
    pub timeout: u64,
    /// Most actions/queries one migration may call.
    #[arg(long, global = true, value_name = "N", default_value_t = Limits::default().max_calls)]
    pub max_calls: u64,
    /// Most rows one query may return to a migration.
    #[arg(long, global = true, value_name = "N", default_value_t = Limits::default().max_query_rows)]
    pub max_query_rows: usize,
    /// Directory of cached compiled components [default: ~/.cache/migrate-host; env MIGRATE_HOST_CACHE_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile components on every run instead of caching them.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// How long a statement of a trusted source may wait for a lock (each
    /// source may set its own in migrate.toml; 0: no limit).
    #[arg(long, global = true, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration)]
    pub lock_timeout: Duration,
    /// How often a migration that waited past its lock_timeout is tried
    /// again, its whole transaction, with a growing wait between tries.
    #[arg(long, global = true, value_name = "N", default_value_t = crate::migrator::LOCK_RETRIES)]
    pub lock_retries: u32,
}

impl LimitArgs {
    fn limits(&self) -> anyhow::Result<Limits> {
        if self.max_memory == 0 || self.timeout == 0 {
            bail!("--max-memory and --timeout must be greater than 0");
        }
        Ok(Limits {
            fuel: self.max_fuel,
            memory_bytes: self
                .max_memory
                .checked_mul(1 << 20)
                .context("--max-memory is too large")?,
            timeout: Duration::from_secs(self.timeout),
            max_calls: self.max_calls,
            max_query_rows: self.max_query_rows,
            ..Limits::default()
        })
    }

    fn cache_dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache_dir.clone().or_else(default_cache_dir)
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a migrations workspace (cargo workspace, vendored SDK and WIT, .gitignore) and an empty schema.sql.
    Init {
        /// The project directory: the workspace goes in DIR/migrations (or --dir), the schema in DIR/schema.sql.
        #[arg(value_name = "DIR", default_value = ".")]
        project: PathBuf,
    },
    /// Write a hand-written migration, its revision and parent (the newest migration in --dir) filled in.
    New {
        /// What the migration does (also names it).
        #[arg(short, long)]
        message: String,
        /// The language to write it in.
        #[arg(long, value_enum, default_value = "rust")]
        lang: crate::workspace::Lang,
    },
    /// Build every migration in --dir (crates, .js files) into a component (<name>.wasm) beside it.
    Build,
    /// Apply pending migrations, each in its own transaction.
    Apply {
        /// Stop after this revision.
        #[arg(long, value_name = "REVISION")]
        to: Option<String>,
        /// Print the SQL each migration would run; run nothing. Queries return no rows.
        #[arg(long, conflicts_with = "targets")]
        dry_run: bool,
        /// Go ahead even if an applied migration has changed, this run only (`accept` records it).
        #[arg(long)]
        force: bool,
        /// A raw step outside a transaction that an earlier run left running (killed while it ran): `retry`
        /// runs it again, `done` takes it as done. Without it such a step stops the run, named.
        #[arg(long, value_name = "retry|done")]
        interrupted: Option<InterruptedArg>,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        rollout: RolloutArgs,
    },
    /// Undo applied migrations, newest first (one by default).
    Rollback {
        /// How many migrations to undo (not with --targets: name where to go, with --to or --all).
        #[arg(long, value_name = "N", conflicts_with_all = ["to", "all", "targets"])]
        steps: Option<usize>,
        /// Undo until this revision is the newest applied one.
        #[arg(long, value_name = "REVISION", conflicts_with = "all")]
        to: Option<String>,
        /// Undo every applied migration.
        #[arg(long)]
        all: bool,
        /// Print the SQL each migration would run; run nothing.
        #[arg(long, conflicts_with = "targets")]
        dry_run: bool,
        /// Go ahead even if a migration changed since it was applied, this run only (`accept` records it).
        #[arg(long)]
        force: bool,
        /// As for `apply`: what to do with a raw step outside a transaction an earlier run left running.
        #[arg(long, value_name = "retry|done")]
        interrupted: Option<InterruptedArg>,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        rollout: RolloutArgs,
    },
    /// Record reviewed changes: each applied REVISION's current component becomes the applied one.
    Accept {
        /// The changed migrations to accept.
        #[arg(value_name = "REVISION", required = true)]
        revisions: Vec<String>,
    },
    /// After two branches merged: put REVISION (not applied to the database) after the newest migration, and build it.
    Rebase {
        /// The migration to move: its source's parent is rewritten (Rust and JavaScript).
        #[arg(value_name = "REVISION")]
        revision: String,
    },
    /// Write a migration that turns the database into the declared schema, and build it.
    Generate {
        /// What the migration does (also names its crate).
        #[arg(short, long)]
        message: String,
        /// The declared schema: a .sql file, a directory of them, or a database (postgres://...) to match.
        #[arg(long, value_name = "PATH", default_value = "schema.sql")]
        schema: PathBuf,
        /// Server (connection string) for the throwaway shadow database [default: the --database-url server].
        #[arg(long, value_name = "URL")]
        shadow_url: Option<String>,
        /// A rename the schema does not annotate: TABLE=NEW or TABLE.COLUMN=NEW (repeatable).
        #[arg(long, value_name = "OLD=NEW")]
        rename: Vec<String>,
        /// How a column's values convert when its type changes and Postgres has no cast:
        /// TABLE.COLUMN=EXPR, as `-- migrate:using EXPR` on the column's line says (repeatable).
        #[arg(long, value_name = "COLUMN=EXPR")]
        using: Vec<String>,
        /// The same, going back (for `down`), as `-- migrate:using-down EXPR` says (repeatable).
        #[arg(long, value_name = "COLUMN=EXPR")]
        using_down: Vec<String>,
        /// Drop what looks renamed (a column or table that goes while a like one comes), or re-create a table that becomes or stops being partitioned, losing its rows.
        #[arg(long)]
        allow_drop: bool,
        /// The plain plan, in one transaction: no index built CONCURRENTLY on a table in use.
        #[arg(long)]
        no_online: bool,
    },
    /// Print the SQL that would turn the database into the declared schema; write nothing.
    Plan {
        /// The declared schema: a .sql file, a directory of them, or a database (postgres://...) to match.
        #[arg(long, value_name = "PATH", default_value = "schema.sql")]
        schema: PathBuf,
        /// Server (connection string) for the throwaway shadow database [default: the --database-url server].
        #[arg(long, value_name = "URL")]
        shadow_url: Option<String>,
        /// Print the way back (declared schema → database) instead.
        #[arg(long)]
        down: bool,
        /// A rename the schema does not annotate: TABLE=NEW or TABLE.COLUMN=NEW (repeatable).
        #[arg(long, value_name = "OLD=NEW")]
        rename: Vec<String>,
        /// How a column's values convert when its type changes and Postgres has no cast:
        /// TABLE.COLUMN=EXPR, as `-- migrate:using EXPR` on the column's line says (repeatable).
        #[arg(long, value_name = "COLUMN=EXPR")]
        using: Vec<String>,
        /// The same, going back (for `down`), as `-- migrate:using-down EXPR` says (repeatable).
        #[arg(long, value_name = "COLUMN=EXPR")]
        using_down: Vec<String>,
        /// Drop what looks renamed (a column or table that goes while a like one comes), or re-create a table that becomes or stops being partitioned, losing its rows.
        #[arg(long)]
        allow_drop: bool,
        /// The plain plan, in one transaction: no index built CONCURRENTLY on a table in use.
        #[arg(long)]
        no_online: bool,
        /// Machine-readable output: the actions and their SQL.
        #[arg(long)]
        json: bool,
    },
    /// For CI: exit 0 in sync, 2 the database differs from the declared schema, 3 the migrations do
    /// (replayed into a scratch database they do not produce it, or one is pending, changed or not built).
    Check {
        /// The declared schema: a .sql file, a directory of them, or a database (postgres://...) to match.
        #[arg(long, value_name = "PATH", default_value = "schema.sql")]
        schema: PathBuf,
        /// Server (connection string) for the scratch databases [default: the --database-url server, or
        /// the first target's].
        #[arg(long, value_name = "URL")]
        shadow_url: Option<String>,
        /// Machine-readable output (the exit code is the same).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Replace the migrations up to and including REVISION with one that makes the same schema (proved first).
    Squash {
        /// The newest migration to replace (the first ones of the chain, up to this one, are replaced).
        #[arg(long, value_name = "REVISION")]
        to: String,
        /// What the new migration says it does [default: "squash of N migrations up to REVISION"].
        #[arg(short, long)]
        message: Option<String>,
        /// Server (connection string) for the two scratch databases [default: the --database-url server].
        #[arg(long, value_name = "URL")]
        shadow_url: Option<String>,
    },
    /// Adopt a database migrate-host never managed: its schema as the first migration, recorded as applied.
    Baseline {
        /// What the migration says it does (also names it).
        #[arg(short, long, default_value = "baseline")]
        message: String,
        /// Make `down` drop everything `up` makes (by default it refuses).
        #[arg(long)]
        down_drops: bool,
        /// Server (connection string) for the scratch database [default: the --database-url server].
        #[arg(long, value_name = "URL")]
        shadow_url: Option<String>,
    },
    /// For CI: the lint of the pending migrations (run as in a dry run) or, with --schema, of the plan;
    /// exit 1 on an error no migration suppressed.
    Lint {
        /// Lint the pending migrations up to and including this revision only.
        #[arg(long, value_name = "REVISION", conflicts_with = "schema")]
        to: Option<String>,
        /// Lint the plan from the database to this declared schema (a .sql file, a directory, postgres://...).
        #[arg(long, value_name = "PATH")]
        schema: Option<PathBuf>,
        /// Server (connection string) for the throwaway shadow database [default: the --database-url server].
        #[arg(long, value_name = "URL", requires = "schema")]
        shadow_url: Option<String>,
        /// With --schema: a rename the schema does not annotate, TABLE=NEW or TABLE.COLUMN=NEW (repeatable).
        #[arg(long, value_name = "OLD=NEW", requires = "schema")]
        rename: Vec<String>,
        /// With --schema: how a column's values convert on a type change, as `plan --using` says.
        #[arg(long, value_name = "COLUMN=EXPR", requires = "schema")]
        using: Vec<String>,
        /// With --schema: the same going back, as `plan --using-down` says.
        #[arg(long, value_name = "COLUMN=EXPR", requires = "schema")]
        using_down: Vec<String>,
        /// With --schema: plan drops of what looks renamed, as `plan --allow-drop` does.
        #[arg(long, requires = "schema")]
        allow_drop: bool,
        /// With --schema: lint the plain plan, as `plan --no-online` writes it.
        #[arg(long, requires = "schema")]
        no_online: bool,
        /// Machine-readable output (the exit code is the same).
        #[arg(long)]
        json: bool,
    },
    /// List migrations: applied, pending, changed since applied, missing (-v: which were rebuilt).
    /// With --targets: how many targets are at each revision; exit 3 when one is not at head.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        fleet: FleetArgs,
    },
}

impl Command {
    /// The fleet the command runs over, when `--targets` is given.
    fn fleet(&self) -> Option<&FleetArgs> {
        let fleet = match self {
            Command::Apply { fleet, .. }
            | Command::Rollback { fleet, .. }
            | Command::Status { fleet, .. }
            | Command::Check { fleet, .. } => fleet,
            _ => return None,
        };
        fleet.targets.is_some().then_some(fleet)
    }
}

/// Many databases at once: `apply`, `rollback`, `status` and `check` over
/// the targets of a file, or of migrate.toml's `[targets]`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Many databases")]
pub struct FleetArgs {
    /// Run over the databases (or tenant schemas) FILE lists, instead of --database-url; without FILE, over
    /// migrate.toml's [targets].
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub targets: Option<Option<PathBuf>>,
    /// With --targets: how many targets run at once.
    #[arg(long, value_name = "N", default_value_t = crate::fleet::DEFAULT_PARALLEL, requires = "targets", value_parser = at_least_one)]
    pub parallel: usize,
    /// With --targets: how many targets of one server run at once (each holds two of its connections)
    /// [default: --parallel].
    #[arg(long, value_name = "M", requires = "targets", value_parser = at_least_one)]
    pub per_server: Option<usize>,
}

/// A count of 1 or more.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// How a fleet `apply` or `rollback` rolls out.
#[derive(Debug, Args)]
#[command(next_help_heading = "Many databases")]
pub struct RolloutArgs {
    /// With --targets: first run on K targets that have something to run, and stop if one fails.
    #[arg(long, value_name = "K", requires = "targets", value_parser = at_least_one)]
    pub canary: Option<usize>,
    /// With --targets: then the rest in waves of N targets.
    #[arg(long, value_name = "N", requires = "targets", value_parser = at_least_one)]
    pub wave_size: Option<usize>,
    /// With --targets: the wait after the canaries and between waves.
    #[arg(long, value_name = "DURATION", requires = "targets", value_parser = humantime::parse_duration)]
    pub pause: Option<Duration>,
    /// With --targets: start no more targets once one failed (by default the others go on).
    #[arg(long, requires = "targets")]
    pub fail_fast: bool,
    /// With --targets: the summary as JSON (the exit code is the same).
    #[arg(long, requires = "targets")]
    pub json: bool,
}

/// Parses arguments, runs the command, prints any error as one message.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.quiet, cli.verbose);
    // One thread: the work is a conversation with Postgres, one round trip
    // at a time, and hopping between worker threads on every reply cost
    // more than anything else the host did (CPU-heavy compiling spreads over
    // its own threads).
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            printer.error(&anyhow::Error::from(e).context("starting the async runtime"));
            return ExitCode::FAILURE;
        }
    };
    let result = if cli.command.fleet().is_some() {
        runtime.block_on(fleet::run(cli, &printer))
    } else if let Command::Check { .. } = cli.command {
        runtime.block_on(check(cli, &printer))
    } else if let Command::Lint { .. } = cli.command {
        runtime.block_on(lint(cli, &printer))
    } else {
        runtime.block_on(run(cli, &printer)).map(|()| 0)
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            printer.error(&e);
            ExitCode::FAILURE
        }
    }
}

/// Where migrations live when there is neither `--dir` nor a migrate.toml.
const DEFAULT_DIR: &str = "migrations";

/// The migrations sources: migrate.toml's when it exists, else `--dir`
/// (default `migrations`) as the one trusted source.
fn sources(cli: &Cli, limits: &Limits) -> anyhow::Result<Vec<crate::policy::Source>> {
    match crate::policy::load_config(&cli.config)? {
        // A migrate.toml that only lists targets leaves the migrations in --dir.
        Some(config) if !(config.sources.is_empty() && config.targets.is_some()) => {
            if cli.dir.is_some() {
                bail!(
                    "--dir and {} both say where migrations are; drop --dir (or pass --config with another file)",
                    cli.config.display()
                );
            }
            let base = cli
                .config
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            config.sources(base, limits)
        }
        _ => Ok(vec![crate::policy::Source::trusted(
            cli.dir.clone().unwrap_or_else(|| DEFAULT_DIR.into()),
            limits.clone(),
        )]),
    }
}

pub async fn run(cli: Cli, printer: &Printer) -> anyhow::Result<()> {
    if let Command::Init { project } = &cli.command {
        let migrations = cli.dir.clone().unwrap_or_else(|| project.join(DEFAULT_DIR));
        let made = crate::workspace::init(&migrations, &project.join("schema.sql"))?;
        printer.initialized(project, &migrations, &made);
        return Ok(());
    }
    if let Command::New { message, lang } = &cli.command {
        let limits = cli.limits.limits()?;
        let sources = sources(&cli, &limits)?;
        let Some(source) = sources.iter().find(|s| !s.grant.sandboxed()) else {
            bail!(
                "every source in {} is sandboxed: new writes into a trusted one",
                cli.config.display()
            );
        };
        let runtime = Runtime::new(limits, cli.limits.cache_dir())?;
        let written = crate::workspace::new(&runtime, &source.dir, message, *lang).await?;
        printer.scaffolded(&written);
        return Ok(());
    }
    if let Command::Build = cli.command {
        // Sandboxed sources ship components, not crates: only trusted ones are built.
        for source in sources(&cli, &cli.limits.limits()?)?
            .iter()
            .filter(|s| !s.grant.sandboxed())
        {
            let built = build::build_with(&source.dir, cli.quiet, printer)?;
            printer.built(&built);
            let runtime = Runtime::new(cli.limits.limits()?, cli.limits.cache_dir())?;
            for (file, squash) in crate::workspace::prune_squashed(&runtime, &source.dir).await? {
                if !cli.quiet {
                    println!("   removed  {} (squashed into {squash})", file.display());
                }
            }
        }
        return Ok(());
    }
    if let Command::Squash {
        to,
        message,
        shadow_url,
    } = &cli.command
    {
        return squash(&cli, to, message.as_deref(), shadow_url.as_deref()).await;
    }
    let Some(url) = cli.database_url.as_deref() else {
        bail!("no database given: pass --database-url or set DATABASE_URL");
    };
    if let Command::Plan {
        schema,
        shadow_url,
        down,
        json,
        rename,
        using,
        using_down,
        allow_drop,
        no_online,
    } = &cli.command
    {
        let options = PlanOptions {
            shadow_url: shadow_url.as_deref(),
            down: *down,
            json: *json,
            choices: crate::generate::Choices {
                renames: rename,
                usings: using,
                usings_down: using_down,
                allow_drop: *allow_drop,
                online: !*no_online,
            },
        };
        return plan(url, schema, &options, cli.verbose, printer).await;
    }
    let migrator = migrator(&cli, url).await?;
    match cli.command {
        Command::Init { .. }
        | Command::New { .. }
        | Command::Build
        | Command::Plan { .. }
        | Command::Check { .. }
        | Command::Lint { .. }
        | Command::Squash { .. } => {
            unreachable!("handled above")
        }
        Command::Baseline {
            message,
            down_drops,
            shadow_url,
        } => {
            let options = crate::baseline::Options {
                url,
                shadow_url: shadow_url.as_deref(),
                message: &message,
                down_drops,
                quiet: cli.quiet,
                limits: cli.limits.limits()?,
                cache_dir: cli.limits.cache_dir(),
            };
            let done = crate::baseline::baseline(&migrator, &options).await?;
            if !cli.quiet {
                println!(
                    "wrote {} ({} step(s), revision {}) and built {}",
                    done.crate_dir.display(),
                    done.steps,
                    done.revision,
                    done.component.display()
                );
                println!(
                    "applied to an empty database, it makes what pg_dump --schema-only shows of this one; recorded \
                     {} as applied here without running it",
                    done.revision
                );
                if done.down_drops {
                    println!("its down drops everything (--down-drops)");
                } else {
                    println!(
                        "its down refuses (the database existed before it); --down-drops makes it drop everything"
                    );
                }
                println!("commit it: a new database gets this schema with `migrate-host apply`");
            }
        }
        Command::Generate {
            message,
            schema,
            shadow_url,
            rename,
            using,
            using_down,
            allow_drop,
            no_online,
        } => {
            let options = crate::generate::Options {
                url,
                shadow_url: shadow_url.as_deref(),
                schema: &schema,
                message: &message,
                quiet: cli.quiet,
                choices: crate::generate::Choices {
                    renames: &rename,
                    usings: &using,
                    usings_down: &using_down,
                    allow_drop,
                    online: !no_online,
                },
            };
            printer.generated(&crate::generate::generate_with(&migrator, &options, printer).await?);
        }
        Command::Apply {
            to,
            dry_run,
            force,
            interrupted,
            ..
        } => {
            let options = ApplyOptions {
                to,
                dry_run,
                force,
                interrupted: interrupted.map(Interrupted::from),
            };
            let report = migrator
                .apply(&options, &mut |e| printer.event(&e, dry_run))
                .await
                .map_err(|e| stopped(e, dry_run))?;
            printer.applied(&report, dry_run);
        }
        Command::Rollback {
            steps,
            to,
            all,
            dry_run,
            force,
            interrupted,
            ..
        } => {
            let target = match (steps, to, all) {
                (_, _, true) => RollbackTarget::All,
                (_, Some(to), _) => RollbackTarget::To(to),
                (steps, None, false) => RollbackTarget::Steps(steps.unwrap_or(1)),
            };
            let report = migrator
                .rollback(
                    &RollbackOptions {
                        target,
                        dry_run,
                        force,
                        interrupted: interrupted.map(Interrupted::from),
                    },
                    &mut |e| printer.event(&e, dry_run),
                )
                .await
                .map_err(|e| stopped(e, dry_run))?;
            printer.rolled_back(&report, dry_run);
        }
        Command::Rebase { revision } => {
            let applied: Vec<String> = crate::history::applied(migrator.client(), &Default::default())
                .await?
                .into_iter()
                .map(|a| a.revision)
                .collect();
            let dir = migrator.dir().to_owned();
            // (For the metadata of components that have no source here.)
            let runtime = Runtime::new(cli.limits.limits()?, cli.limits.cache_dir())?;
            let rebased = crate::workspace::rebase(&runtime, &dir, &revision, &applied).await?;
            printer.rebased(&revision, &rebased);
            if rebased.moved() {
                let built = build::build_with(&dir, cli.quiet, printer)?;
                printer.built(&built);
                printer.rebased_next();
            }
        }
        Command::Accept { revisions } => {
            let accepted = migrator.accept(&revisions).await?;
            printer.accepted(&accepted);
        }
        Command::Status { json, .. } => {
            let status = migrator.status().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status).context("writing JSON")?);
            } else {
                printer.status(&status);
            }
        }
    }
    Ok(())
}

/// A run that stopped at a failed migration after others committed says
/// first what it kept, so that even `-q` tells where the database is.
fn stopped(error: crate::migrator::Error, dry_run: bool) -> anyhow::Error {
    let kept = match error.stopped() {
        Some((direction, report)) if !dry_run && !report.ran.is_empty() => {
            let verb = match direction {
                crate::runtime::Direction::Up => "applied",
                crate::runtime::Direction::Down => "rolled back",
            };
            let what = match report.ran.as_slice() {
                few if few.len() <= 5 => few.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>().join(", "),
                many => format!("{} migrations", many.len()),
            };
            let head = report.head.as_deref().unwrap_or("(none)");
            Some(format!("{verb} {what} (now at revision {head}), then stopped"))
        }
        _ => None,
    };
    let error = anyhow::Error::new(error);
    match kept {
        Some(kept) => error.context(kept),
        None => error,
    }
}

/// `squash`: needs no database, only a server for its scratch databases.
async fn squash(cli: &Cli, to: &str, message: Option<&str>, shadow_url: Option<&str>) -> anyhow::Result<()> {
    let Some(server) = shadow_url.or(cli.database_url.as_deref()) else {
        bail!(
            "squash needs a server for its scratch databases: pass --shadow-url or --database-url (or set DATABASE_URL)"
        );
    };
    let limits = cli.limits.limits()?;
    let sources = sources(cli, &limits)?;
    let Some(source) = sources.iter().find(|s| !s.grant.sandboxed()) else {
        bail!(
            "every source in {} is sandboxed: squash rewrites a trusted one",
            cli.config.display()
        );
    };
    let done = crate::squash::squash(&crate::squash::Options {
        dir: &source.dir,
        server,
        to,
        message,
        quiet: cli.quiet,
        limits,
        cache_dir: cli.limits.cache_dir(),
    })
    .await?;
    if !cli.quiet {
        println!(
            "wrote {} ({} step(s), revision {}) and built {}",
            done.crate_dir.display(),
            done.steps,
            done.revision,
            done.component.display()
        );
        println!(
            "it replaces {} migration(s): {}; the range replayed and the squash applied give the same pg_dump \
             --schema-only",
            done.replaces.len(),
            done.replaces.join(", ")
        );
        for removed in &done.removed {
            println!("   removed  {}", removed.display());
        }
        if let Some(next) = &done.next {
            println!(
                "{next} now follows {} (its parent, {to}, is replaced by it)",
                done.revision
            );
        }
        println!(
            "commit it; databases that applied them take {} as applied, new ones apply it alone",
            done.revision
        );
    }
    Ok(())
}

/// `check`: the exit code is the verdict (0, 2 or 3), printed or as JSON.
async fn check(cli: Cli, printer: &Printer) -> anyhow::Result<u8> {
    let Command::Check {
        schema,
        shadow_url,
        json,
        ..
    } = &cli.command
    else {
        unreachable!("called for check only")
    };
    let limits = cli.limits.limits()?;
    let report = crate::check::check(crate::check::Options {
        url: cli.database_url.as_deref(),
        shadow_url: shadow_url.as_deref(),
        schema,
        sources: sources(&cli, &limits)?,
        limits,
        cache_dir: cli.limits.cache_dir(),
    })
    .await?;
    if *json {
        println!("{}", serde_json::to_string_pretty(&report).context("writing JSON")?);
    } else {
        printer.checked(&report);
    }
    Ok(report.exit_code)
}

/// `lint`: the exit code is 1 when an error is left unsuppressed, else 0.
async fn lint(cli: Cli, printer: &Printer) -> anyhow::Result<u8> {
    let Command::Lint {
        to,
        schema,
        shadow_url,
        rename,
        using,
        using_down,
        allow_drop,
        no_online,
        json,
    } = &cli.command
    else {
        unreachable!("called for lint only")
    };
    let Some(url) = cli.database_url.as_deref() else {
        bail!("no database given: pass --database-url or set DATABASE_URL");
    };
    let mut linted: Vec<crate::lint::Linted> = Vec::new();
    if let Some(schema) = schema {
        let client = crate::migrator::connect(url).await?;
        let changes = crate::generate::changes(
            &client,
            shadow_url.as_deref().unwrap_or(url),
            schema,
            crate::generate::Choices {
                renames: rename,
                usings: using,
                usings_down: using_down,
                allow_drop: *allow_drop,
                online: !*no_online,
            },
            printer,
        )
        .await?;
        let steps: Vec<crate::lint::Step> = changes.up.into_iter().map(crate::lint::Step::Action).collect();
        // The plan runs as `apply` runs a trusted migration.
        let context = crate::lint::Context {
            lock_timeout: !cli.limits.lock_timeout.is_zero(),
        };
        linted.push(crate::lint::Linted {
            revision: None,
            message: format!("plan to {}", schema.display()),
            report: crate::lint::lint_steps(&steps, context),
        });
    } else {
        let migrator = migrator(&cli, url).await?;
        let options = ApplyOptions {
            to: to.clone(),
            dry_run: true,
            ..ApplyOptions::default()
        };
        migrator
            .apply(&options, &mut |event| {
                if let crate::migrator::Event::Finished {
                    revision,
                    message,
                    lint,
                    ..
                } = event
                {
                    linted.push(crate::lint::Linted {
                        revision: Some(revision.to_owned()),
                        message: message.to_owned(),
                        report: lint.clone(),
                    });
                }
            })
            .await
            .context("running the pending migrations as a dry run")?;
    }
    let code = u8::from(linted.iter().any(|l| l.report.errors() > 0));
    if *json {
        let value = serde_json::json!({ "exit_code": code, "migrations": linted });
        println!("{}", serde_json::to_string_pretty(&value).context("writing JSON")?);
    } else {
        printer.linted(&linted, code);
    }
    Ok(code)
}

/// `--interrupted`'s values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum InterruptedArg {
    Retry,
    Done,
}

impl From<InterruptedArg> for Interrupted {
    fn from(arg: InterruptedArg) -> Self {
        match arg {
            InterruptedArg::Retry => Interrupted::Retry,
            InterruptedArg::Done => Interrupted::Done,
        }
    }
}

/// The migrator over the sources ([`run_sources`]).
async fn migrator(cli: &Cli, url: &str) -> anyhow::Result<Migrator> {
    let (runtime, sources) = run_sources(cli)?;
    Ok(Migrator::connect_sources(runtime, url, sources)
        .await?
        .with_lock_retries(cli.limits.lock_retries))
}

/// The runtime and the sources that `apply` and the like run, trusted ones
/// under the command line's lock timeout unless they set their own.
fn run_sources(cli: &Cli) -> anyhow::Result<(Runtime, Vec<crate::policy::Source>)> {
    let limits = cli.limits.limits()?;
    let mut sources = sources(cli, &limits)?;
    for source in sources.iter_mut().filter(|s| !s.grant.sandboxed()) {
        if source.grant.lock_timeout.is_none() && !cli.limits.lock_timeout.is_zero() {
            source.grant.lock_timeout = Some(cli.limits.lock_timeout);
        }
    }
    Ok((Runtime::new(limits, cli.limits.cache_dir())?, sources))
}

/// `plan`: the diff between the live database and the declared schema, as SQL.
struct PlanOptions<'a> {
    shadow_url: Option<&'a str>,
    down: bool,
    json: bool,
    choices: crate::generate::Choices<'a>,
}

async fn plan(
    url: &str,
    schema: &std::path::Path,
    options: &PlanOptions<'_>,
    verbose: bool,
    progress: &dyn crate::progress::Progress,
) -> anyhow::Result<()> {
    let PlanOptions {
        shadow_url, down, json, ..
    } = *options;
    let started = std::time::Instant::now();
    let client = crate::migrator::connect(url).await?;
    let changes =
        crate::generate::changes(&client, shadow_url.unwrap_or(url), schema, options.choices, progress).await?;
    let (introspected, loaded, diffed) = (changes.introspected, changes.loaded, changes.diffed);
    if verbose {
        eprintln!(
            "introspected the database in {:.2} s; {} the declared schema in {:.2} s; \
             diffed in {:.3} s; {:.2} s in all",
            introspected.as_secs_f64(),
            if crate::shadow::is_database_url(schema) {
                "introspected"
            } else {
                "loaded and introspected"
            },
            loaded.as_secs_f64(),
            diffed.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    // Exactly what `apply` will run, planned and run on a throwaway copy
    // of the schema the plan starts from.
    let statements = crate::generate::statements(shadow_url.unwrap_or(url), &changes, down).await?;
    let actions = if down { changes.down } else { changes.up };
    let hazards = crate::lint::lint_each(&actions);
    let steps: Vec<(String, Vec<String>)> = actions
        .iter()
        .zip(statements)
        .map(|(action, sql)| (action.describe(), sql))
        .collect();
    if json {
        let value = serde_json::json!({
            "direction": if down { "down" } else { "up" },
            "steps": actions.iter().zip(&steps).zip(&hazards).map(|((action, (description, sql)), hazard)| serde_json::json!({
                "action": action, "description": description, "sql": sql, "hazard": hazard,
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&value).context("writing JSON")?);
        return Ok(());
    }
    if steps.is_empty() {
        println!("-- schema is up to date: nothing to do");
    }
    for ((action, (description, sql)), hazard) in actions.iter().zip(steps).zip(&hazards) {
        if let Some(hazard) = hazard {
            println!("-- HAZARD ({}): {}", hazard.label(), hazard.why);
            println!("--   instead: {}", hazard.instead);
        }
        if matches!(action, crate::actions::Action::Concurrently { .. }) {
            println!("-- a step of its own, outside the transaction: the steps before it commit first");
        }
        println!("-- {description}");
        for statement in sql {
            let end = if statement.starts_with("--") { "" } else { ";" };
            println!("{statement}{end}");
        }
    }
    Ok(())
}
