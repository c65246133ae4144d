//! `apply`, `rollback`, `status` and `check` with `--targets`: the
//! arguments made into the fleet's options, the result printed (or as
//! JSON), and the exit code.

use super::output::Printer;
use super::{Cli, Command, FleetArgs, RolloutArgs};
use crate::fleet::{self, Concurrency, Fleet, targets};
use anyhow::{Context as _, anyhow};
use clap::CommandFactory as _;

/// Runs a command with `--targets`; the exit code is the fleet's verdict.
pub async fn run(cli: Cli, printer: &Printer) -> anyhow::Result<u8> {
    let args = cli.command.fleet().expect("called with --targets");
    if let Command::Rollback {
        to: None, all: false, ..
    } = &cli.command
    {
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "rollback --targets needs --to REVISION or --all: a fleet's runs are made to be run again, and \
                 --steps would undo more on every run",
            )
            .exit();
    }
    let config = match &args.targets {
        Some(Some(file)) => targets::Config::read(file)?,
        _ => {
            let value = crate::policy::load_config(&cli.config)?.and_then(|c| c.targets);
            let value = value.ok_or_else(|| {
                anyhow!(
                    "--targets without a file reads the [targets] of {}, which has none: name a targets file",
                    cli.config.display()
                )
            })?;
            targets::Config::from_value(value, &cli.config)?
        }
    };
    let limits = limits(args);
    let (runtime, sources) = super::run_sources(&cli)?;
    let check_sources = sources.clone();
    let fleet = Fleet::open(&config, runtime, sources, cli.limits.lock_retries).await?;
    match &cli.command {
        Command::Apply {
            to,
            force,
            interrupted,
            rollout,
            ..
        }
        | Command::Rollback {
            to,
            force,
            interrupted,
            rollout,
            ..
        } => {
            let command = fleet::Command {
                direction: match &cli.command {
                    Command::Apply { .. } => crate::runtime::Direction::Up,
                    _ => crate::runtime::Direction::Down,
                },
                to: to.clone(),
                force: *force,
                interrupted: interrupted.map(Into::into),
            };
            roll_out(&fleet, &command, rollout, limits, printer).await
        }
        Command::Status { json, .. } => {
            let status = fleet.status(limits, &|e| printer.fleet_event(&e, *json)).await;
            show(printer, *json, &status, |s| printer.fleet_status(s))?;
            Ok(status.exit_code)
        }
        Command::Check {
            schema,
            shadow_url,
            json,
            ..
        } => {
            let Some(server) = shadow_url
                .as_deref()
                .or(fleet.targets().first().map(|t| t.url.as_str()))
            else {
                anyhow::bail!("check --targets has no target to make its scratch databases on: pass --shadow-url");
            };
            let options = crate::check::Options {
                url: None,
                shadow_url: Some(server),
                schema,
                sources: check_sources,
                limits: cli.limits.limits()?,
                cache_dir: cli.limits.cache_dir(),
            };
            let expected = crate::check::Expected::make(server, &options).await?;
            let report = fleet
                .check(&expected, limits, &|e| printer.fleet_event(&e, *json))
                .await;
            show(printer, *json, &report, |r| printer.fleet_checked(r))?;
            Ok(report.exit_code)
        }
        _ => unreachable!("only apply, rollback, status and check take --targets"),
    }
}

fn limits(args: &FleetArgs) -> Concurrency {
    Concurrency {
        parallel: args.parallel,
        per_server: args.per_server.unwrap_or(args.parallel),
    }
}

/// A fleet `apply` or `rollback`: the summary, and exit 1 with an error
/// line when a target failed or was not started.
async fn roll_out(
    fleet: &Fleet,
    command: &fleet::Command,
    rollout: &RolloutArgs,
    limits: Concurrency,
    printer: &Printer,
) -> anyhow::Result<u8> {
    let options = fleet::Options {
        concurrency: limits,
        canary: rollout.canary,
        wave_size: rollout.wave_size,
        pause: rollout.pause.unwrap_or_default(),
        fail_fast: rollout.fail_fast,
    };
    let summary = fleet
        .run(command, &options, &|e| printer.fleet_event(&e, rollout.json))
        .await;
    show(printer, rollout.json, &summary, |s| printer.fleet_summary(s))?;
    if summary.exit_code == 0 {
        return Ok(0);
    }
    let (failed, skipped) = (
        summary.count(fleet::Outcome::Failed),
        summary.count(fleet::Outcome::Skipped),
    );
    let stopped = match summary.stopped {
        Some(fleet::Stop::Canary) => ", the rollout stopped at a failed canary",
        Some(fleet::Stop::FailFast) => ", the rollout stopped at the first failure (--fail-fast)",
        None => "",
    };
    Err(anyhow!(
        "{failed} of {} target(s) failed and {skipped} were not started{stopped}; run the same command again to \
         take each one up where it stands",
        summary.targets.len()
    ))
}

/// The result as JSON, or as `print` writes it, once the bar is gone.
fn show<T: serde::Serialize>(printer: &Printer, json: bool, result: &T, print: impl FnOnce(&T)) -> anyhow::Result<()> {
    printer.finish_fleet();
    if json {
        println!("{}", serde_json::to_string_pretty(result).context("writing JSON")?);
    } else {
        print(result);
    }
    Ok(())
}
