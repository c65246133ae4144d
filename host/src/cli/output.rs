//! What the CLI prints: progress to stderr, results to stdout, errors as
//! one `error:` message with its causes. The [`Printer`] is also the one
//! place that decides whether long work shows a progress bar
//! ([`shows_progress`]: on a terminal, without `-q`), and draws it
//! (indicatif, on stderr). A fleet's output is in [`fleet`].

mod fleet;

use crate::build::Built;
use crate::generate::Generated;
use crate::history::chain::State;
use crate::migrator::{Accepted, Event, Report, Status};
use crate::progress::Progress;
use crate::runtime::Direction;
use crate::workspace::{Made, Written};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct Printer {
    quiet: bool,
    verbose: bool,
    /// Whether long work shows a progress bar ([`shows_progress`]).
    progress: bool,
    /// The bar of the work in progress, while one is drawn.
    bar: Mutex<Option<ProgressBar>>,
    /// A fleet's targets running and failed so far, for its bar.
    tally: Mutex<fleet::Tally>,
}

/// Whether long work (building many migrations, loading a declared schema
/// into the shadow database, applying many migrations) shows progress:
/// never with `-q`, and only when stderr is a terminal, so that output a
/// program, a pipe or a log captures holds nothing of it.
pub fn shows_progress(quiet: bool, stderr_is_terminal: bool) -> bool {
    !quiet && stderr_is_terminal
}

impl Printer {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Self::with_progress(quiet, verbose, shows_progress(quiet, std::io::stderr().is_terminal()))
    }

    fn with_progress(quiet: bool, verbose: bool, progress: bool) -> Self {
        Printer {
            quiet,
            verbose,
            progress,
            bar: Mutex::new(None),
            tally: Mutex::default(),
        }
    }

    /// Runs `print` with the bar (if one is drawn) lifted off the terminal,
    /// so that lines go above it.
    fn out(&self, print: impl FnOnce()) {
        let bar = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        match bar.as_ref() {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// Starts a bar of `total` units in `style`, when progress is shown and
    /// there is more than one unit of work.
    fn start_bar(&self, what: &str, total: u64, template: &str) {
        self.finish();
        if !self.progress || total < 2 {
            return;
        }
        let style = ProgressStyle::with_template(template)
            .expect("the templates are valid")
            .progress_chars("=> ");
        let bar = ProgressBar::new(total).with_style(style).with_prefix(what.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    pub fn error(&self, error: &anyhow::Error) {
        self.finish();
        eprintln!("error: {}", lines(&format!("{error:#}")));
    }

    pub fn built(&self, built: &[Built]) {
        self.finish();
        if self.quiet {
            return;
        }
        for b in built {
            let state = if b.changed { "built" } else { "up to date" };
            println!("{state:>10}  {}", b.component.display());
        }
    }

    /// What `generate` did: nothing with `-q`; with `-v`, every step of `up` too.
    pub fn generated(&self, generated: &Generated) {
        if self.quiet {
            return;
        }
        match generated {
            Generated::UpToDate => println!("schema is up to date: no migration written"),
            Generated::Written {
                crate_dir,
                component,
                revision,
                steps,
                hazards,
            } => {
                println!(
                    "wrote {} ({} step(s), revision {revision}) and built {}",
                    crate_dir.display(),
                    steps.len(),
                    component.display()
                );
                if self.verbose {
                    for step in steps {
                        println!("  up: {}", line(step));
                    }
                }
                for hazard in hazards {
                    println!("hazard: {}", line(&hazard.to_string()));
                }
                println!("review it, then run `migrate-host apply`");
            }
        }
    }

    /// What `init` made, and the commands to run next (from `project`).
    pub fn initialized(&self, project: &Path, migrations: &Path, made: &[(PathBuf, Made)]) {
        if self.quiet {
            return;
        }
        for (file, made) in made {
            let state = match made {
                Made::Created => "created",
                Made::Kept => "kept",
            };
            // The vendored SDK's files one by one only with -v.
            let sdk = file.components().any(|c| c.as_os_str() == crate::workspace::SDK_DIR);
            if !sdk || self.verbose {
                println!("{state:>8}  {}", file.display());
            }
        }
        let (created, kept) = made.iter().fold((0, 0), |(c, k), (_, m)| match m {
            Made::Created => (c + 1, k),
            Made::Kept => (c, k + 1),
        });
        println!(
            "{} is a migrations workspace ({created} file(s) created, {kept} kept; the SDK and the WIT \
             contract are vendored in {})",
            migrations.display(),
            migrations.join(crate::workspace::SDK_DIR).display()
        );
        let here = project.as_os_str().is_empty() || project == Path::new(".");
        let dir = match migrations.strip_prefix(project) {
            Ok(relative) if relative == Path::new("migrations") => String::new(),
            Ok(relative) => format!(" --dir {}", relative.display()),
            Err(_) => format!(" --dir {}", migrations.display()),
        };
        if here {
            println!("next, with DATABASE_URL naming your database:");
        } else {
            println!("next, in {} with DATABASE_URL naming your database:", project.display());
        }
        println!(
            "  migrate-host{dir} generate -m \"create tables\"   after declaring them in schema.sql: writes and builds the migration"
        );
        println!("  migrate-host{dir} apply                          applies it");
        println!(
            "  migrate-host{dir} check                          in CI: 0 in sync, 2 the database differs, 3 the migrations do"
        );
    }

    /// What `new` wrote.
    pub fn scaffolded(&self, written: &Written) {
        if self.quiet {
            return;
        }
        let parent = match &written.parent {
            Some(parent) => format!("parent {}", line(parent)),
            None => "the first migration".to_owned(),
        };
        println!(
            "wrote {} (revision {}, {parent})",
            written.file.display(),
            written.revision
        );
        println!("fill in up() and down(), then run `migrate-host build` and `migrate-host apply`");
    }

    /// `lint`'s report: each migration (or the plan) with its findings,
    /// one per line with the advice under it, then its suppressions, then
    /// the verdict.
    pub fn linted(&self, linted: &[crate::lint::Linted], code: u8) {
        if self.quiet {
            return;
        }
        let (mut errors, mut warnings, mut suppressed) = (0, 0, 0);
        for one in linted {
            match &one.revision {
                Some(revision) => println!("{}  {}", line(revision), line(&one.message)),
                None => println!("{}", line(&one.message)),
            }
            if one.report.findings.is_empty() {
                println!("  no findings");
            }
            for finding in &one.report.findings {
                let severity = match (&finding.suppressed, finding.severity) {
                    (Some(_), _) => {
                        suppressed += 1;
                        "allowed"
                    }
                    (None, crate::lint::Severity::Error) => {
                        errors += 1;
                        "error"
                    }
                    (None, crate::lint::Severity::Warning) => {
                        warnings += 1;
                        "warning"
                    }
                };
                println!(
                    "  {severity:<8}{} {}  {}: {}",
                    finding.code,
                    finding.name,
                    line(&finding.step),
                    finding.why
                );
                println!("          instead: {}", finding.instead);
            }
            for s in &one.report.suppressions {
                println!(
                    "  suppressed {} {} ({} finding(s)): {}",
                    s.code,
                    s.name,
                    s.hid,
                    line(&s.reason)
                );
            }
        }
        let what = match linted {
            [] => "no pending migration".to_owned(),
            [one] if one.revision.is_none() => "the plan".to_owned(),
            many => format!("{} migration(s)", many.len()),
        };
        println!(
            "lint: {what} linted, {errors} error(s), {warnings} warning(s), {suppressed} suppressed (exit {code})"
        );
    }

    /// `check`'s report: each comparison with what differs, then the
    /// verdict; plain lines that read well in a pull request. `-v` adds
    /// the SQL of each step.
    pub fn checked(&self, report: &crate::check::Report) {
        if self.quiet {
            return;
        }
        let schema = line(&report.schema);
        let steps = |steps: &[crate::check::Step]| {
            for step in steps {
                match &step.hazard {
                    Some(hazard) => println!("  {}  (HAZARD: {})", line(&step.description), hazard.label()),
                    None => println!("  {}", line(&step.description)),
                }
                if self.verbose {
                    for sql in &step.sql {
                        let end = if sql.starts_with("--") { "" } else { ";" };
                        for sql_line in format!("{sql}{end}").lines() {
                            println!("      {}", line(sql_line));
                        }
                    }
                }
            }
        };
        match &report.database {
            None => println!("database: not checked (no --database-url)"),
            Some(none) if none.is_empty() => println!("database: matches {schema}"),
            Some(differs) => {
                println!(
                    "database: differs from {schema}; {} step(s) would bring it there (`migrate-host plan` prints their SQL):",
                    differs.len()
                );
                steps(differs);
            }
        }
        let replay = &report.replay;
        match &replay.error {
            Some(error) => println!(
                "migrations: replaying them into a scratch database failed: {}",
                lines(error)
            ),
            None if replay.steps.is_empty() => {
                println!("migrations: replayed into a scratch database, they produce {schema}")
            }
            None => {
                println!(
                    "migrations: replayed into a scratch database, they do not produce {schema}; {} step(s) \
                     missing (was {schema} edited without `migrate-host generate`?):",
                    replay.steps.len()
                );
                steps(&replay.steps);
            }
        }
        let m = &report.migrations;
        let listed = |state: &str, named: &[crate::check::Named]| {
            for n in named {
                println!("  {state:<8} {}  {}", line(&n.revision), line(&n.message));
            }
        };
        if !m.pending.is_empty() {
            println!(
                "migrations: {} pending (`migrate-host apply` runs them):",
                m.pending.len()
            );
            listed("pending", &m.pending);
        }
        if !m.changed.is_empty() {
            println!(
                "migrations: {} changed since they were applied (restore them, or review and `migrate-host accept`):",
                m.changed.len()
            );
            listed("CHANGED", &m.changed);
        }
        if !m.missing.is_empty() {
            println!(
                "migrations: {} applied to the database but no longer in the directory:",
                m.missing.len()
            );
            listed("MISSING", &m.missing);
        }
        if !m.unbuilt.is_empty() {
            println!(
                "migrations: {} not built since their source changed (`migrate-host build`):",
                m.unbuilt.len()
            );
            for source in &m.unbuilt {
                println!("  {}", line(source));
            }
        }
        for problem in &m.problems {
            println!("problem: {}", lines(problem));
        }
        if m.checked && m.pending.is_empty() && m.changed.is_empty() && m.missing.is_empty() {
            println!("migrations: every one is applied to the database, none changed");
        }
        let verdict = match report.exit_code {
            0 => "in sync",
            2 => "the database differs from the declared schema",
            _ => "the migrations are out of step with the declared schema or the database",
        };
        println!("check: {verdict} (exit {})", report.exit_code);
    }

    /// What `rebase` did to the source.
    pub fn rebased(&self, revision: &str, rebased: &crate::workspace::Rebased) {
        if self.quiet {
            return;
        }
        let name = |parent: &Option<String>| {
            parent
                .as_deref()
                .map_or("none (the first)".to_owned(), |p| line(p).into_owned())
        };
        if rebased.moved() {
            println!(
                "rebased {revision}: its parent is now {} (was {}), in {}",
                name(&rebased.new_parent),
                name(&rebased.old_parent),
                rebased.file.display()
            );
        } else {
            println!(
                "{revision} already follows the newest migration ({}): nothing to do",
                name(&rebased.new_parent)
            );
        }
    }

    pub fn rebased_next(&self) {
        if !self.quiet {
            println!("review and commit the change, then run `migrate-host apply`");
        }
    }

    pub fn event(&self, event: &Event, dry_run: bool) {
        match event {
            Event::WaitingForLock if !self.quiet => {
                self.out(|| eprintln!("waiting for another migrate-host run on this database to finish..."))
            }
            Event::WaitingForLock => {}
            Event::Forced { revisions } if !self.quiet => self.out(|| {
                eprintln!(
                    "warning: going ahead over changed migration(s) {} because of --force, for this run only; \
                     after reviewing them, `migrate-host accept {}` records them so that later runs need no --force",
                    revisions.join(", "),
                    revisions.join(" ")
                )
            }),
            Event::Forced { .. } => {}
            Event::Planned { direction, count } => {
                let what = if *direction == Direction::Up {
                    "applying"
                } else {
                    "rolling back"
                };
                self.start(what, *count as u64);
            }
            Event::Started { revision, .. } => self.advance(0, revision),
            Event::Retrying {
                revision,
                attempt,
                retries,
                wait,
            } if !self.quiet => self.out(|| {
                eprintln!(
                    "{}: waited for a lock past its lock_timeout; rolled back, trying again in {} (retry {attempt} of \
                     {retries})",
                    line(revision),
                    humantime::format_duration(*wait)
                )
            }),
            Event::Retrying { .. } => {}
            Event::Finished {
                direction,
                revision,
                message,
                millis,
                statements,
                output,
                lint,
            } => {
                self.advance(1, revision);
                if dry_run {
                    let verb = if *direction == Direction::Up {
                        "apply"
                    } else {
                        "roll back"
                    };
                    self.out(|| {
                        println!("-- {verb} {}: {}", line(revision), line(message));
                        for hazard in lint.hazards() {
                            println!("-- HAZARD {}", line(&hazard.to_string()));
                        }
                        for sql in statements.iter() {
                            println!("{}", lines(&as_script(sql)));
                        }
                        println!();
                    });
                    return;
                }
                if self.quiet {
                    return;
                }
                let verb = if *direction == Direction::Up {
                    "applied"
                } else {
                    "rolled back"
                };
                self.out(|| {
                    println!("{verb:>11}  {}  {}  ({millis:.1} ms)", line(revision), line(message));
                    if self.verbose {
                        for sql in statements.iter() {
                            for sql_line in as_script(sql).lines() {
                                println!("             {}", line(sql_line));
                            }
                        }
                        for output_line in output.lines() {
                            println!("           | {}", line(output_line));
                        }
                    }
                });
            }
        }
    }

    pub fn applied(&self, report: &Report, dry_run: bool) {
        self.finish();
        if self.quiet {
            return;
        }
        let head = report.head.as_deref().unwrap_or("(none)");
        if report.ran.is_empty() {
            println!("already up to date (at revision {head})");
        } else if dry_run {
            println!(
                "-- dry run: {} migration(s) would be applied; nothing was run",
                report.ran.len()
            );
        } else {
            println!("applied {} migration(s); now at revision {head}", report.ran.len());
        }
    }

    pub fn rolled_back(&self, report: &Report, dry_run: bool) {
        self.finish();
        if self.quiet {
            return;
        }
        if report.ran.is_empty() {
            println!("nothing to roll back");
        } else if dry_run {
            println!(
                "-- dry run: {} migration(s) would be rolled back; nothing was run",
                report.ran.len()
            );
        } else {
            let head = report.head.as_deref().unwrap_or("(none: no migration applied)");
            println!("rolled back {} migration(s); now at revision {head}", report.ran.len());
        }
    }

    pub fn accepted(&self, accepted: &[Accepted]) {
        if self.quiet {
            return;
        }
        for a in accepted {
            let state = if a.recorded { "accepted" } else { "unchanged" };
            println!("{state:>10}  {}  {}", a.revision, line(&a.message));
        }
        let recorded = accepted.iter().filter(|a| a.recorded).count();
        if recorded > 0 {
            println!("accepted {recorded} migration(s): their current components are now the applied ones");
        } else {
            println!("nothing to accept: the applied migrations are unchanged");
        }
    }

    pub fn status(&self, status: &Status) {
        // Sources and their grants, when there is more than the default one.
        let plain = matches!(status.sources.as_slice(), [one] if one.trust == crate::policy::Trust::Trusted);
        if !plain {
            for source in &status.sources {
                println!("source {} ({}): {}", source.name, source.dir, describe_grant(source));
            }
            println!();
        }
        if status.migrations.is_empty() {
            println!("no migrations");
        } else {
            let width = status
                .migrations
                .iter()
                .map(|m| m.revision.len())
                .max()
                .unwrap_or(0)
                .max("REVISION".len());
            let source_width = if plain {
                0
            } else {
                status
                    .sources
                    .iter()
                    .map(|s| s.name.len())
                    .max()
                    .unwrap_or(0)
                    .max("SOURCE".len())
                    + 1
            };
            let source_header = if plain { "" } else { "SOURCE" };
            println!(
                "{:<8} {source_header:<source_width$}{:<width$}  {:<23}  MESSAGE",
                "STATE", "REVISION", "APPLIED AT"
            );
            for m in &status.migrations {
                let state = match m.state {
                    State::Applied => "applied",
                    State::Changed => "CHANGED",
                    State::Pending => "pending",
                    State::Missing => "MISSING",
                };
                let when = m
                    .applied_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_default();
                let source = if plain { "" } else { m.source.as_str() };
                let note = if m.squashed {
                    "  (squashed: the database applied the migrations it replaces)"
                } else if self.verbose && m.rebuilt {
                    "  (rebuilt: same source, other bytes)"
                } else {
                    ""
                };
                println!(
                    "{state:<8} {source:<source_width$}{:<width$}  {when:<23}  {}{note}",
                    line(&m.revision),
                    line(&m.message)
                );
            }
        }
        for problem in &status.problems {
            println!("problem: {}", line(problem));
        }
        let pending = status.migrations.iter().filter(|m| m.state == State::Pending).count();
        let changed = status.migrations.iter().filter(|m| m.state == State::Changed).count();
        if changed > 0 {
            println!(
                "{changed} applied migration(s) changed since they were applied: apply and rollback refuse to run over them; \
                 review them, then `migrate-host accept REVISION...` (or --force for one run)"
            );
        }
        if pending > 0 {
            println!("{pending} pending migration(s): run `migrate-host apply`");
        }
    }
}

/// A bar's line: what, the bar, how far, and what is being worked on.
const COUNT_TEMPLATE: &str = "{prefix} [{bar:30}] {pos}/{len} {wide_msg}";
const BYTES_TEMPLATE: &str = "{prefix} [{bar:30}] {binary_bytes}/{binary_total_bytes} {wide_msg}";

impl Progress for Printer {
    fn shown(&self) -> bool {
        self.bar.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    fn start(&self, what: &str, total: u64) {
        self.start_bar(what, total, COUNT_TEMPLATE);
    }

    fn start_bytes(&self, what: &str, total: u64) {
        self.start_bar(what, total, BYTES_TEMPLATE);
    }

    fn advance(&self, done: u64, item: &str) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            bar.set_message(line(item).into_owned());
            bar.inc(done);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}

/// Text from a migration (its message, what it printed, its errors, its
/// SQL) as one line that is safe on a terminal: every control character
/// (an ANSI escape, a carriage return, a newline) and every bidirectional
/// override is shown escaped (`\u{1b}`), so that nothing a migration says
/// can hide, move or forge the lines around it. `--json` keeps the text as
/// it is (JSON escapes it).
pub fn line(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, false)
}

/// [`line`], keeping line breaks (and tabs): for multi-line text whose
/// lines are printed as they are.
pub fn lines(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_breaks: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        let kept = keep_breaks && (c == '\n' || c == '\t');
        !kept && crate::runtime::moves_the_terminal(c)
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A logged statement as part of a SQL script: `;` ends the statement
/// itself, before any trailing comment lines, and on a line of its own when
/// the statement's last line holds a comment that would swallow it.
fn as_script(logged: &str) -> String {
    let (statement, comments) = match logged.find("\n--") {
        Some(i) => logged.split_at(i),
        None => (logged, ""),
    };
    if statement.starts_with("--") {
        return logged.to_owned();
    }
    let last_line = statement.lines().last().unwrap_or_default();
    let end = if last_line.contains("--") { "\n;" } else { ";" };
    format!("{statement}{end}{comments}")
}

#[cfg(test)]
mod tests {
    use super::{Printer, Progress as _, as_script, line, lines, shows_progress};

    #[test]
    fn progress_shows_only_on_a_terminal_and_never_with_quiet() {
        assert!(shows_progress(false, true));
        assert!(!shows_progress(true, true));
        assert!(!shows_progress(false, false));
        assert!(!shows_progress(true, false));
    }

    #[test]
    fn a_bar_is_drawn_for_more_than_one_unit_of_work_and_goes_when_it_is_over() {
        let printer = Printer::with_progress(false, false, true);
        printer.start("applying", 1);
        assert!(!printer.shown(), "one migration needs no bar");
        printer.start("applying", 3);
        assert!(printer.shown());
        printer.advance(1, "20261201000000");
        printer.finish();
        assert!(!printer.shown());
        printer.start_bytes("loading schema.sql", 1 << 20);
        assert!(printer.shown());
        // An error ends it before it is printed.
        printer.error(&anyhow::anyhow!("it failed"));
        assert!(!printer.shown());
        let quiet = Printer::with_progress(true, false, false);
        quiet.start("applying", 3);
        assert!(!quiet.shown());
    }

    #[test]
    fn text_from_a_migration_cannot_move_the_terminal() {
        let forged = "ok\u{1b}[1A\u{1b}[2K\rall migrations verified\nforged\u{9b}2J\u{202e}";
        let shown = line(forged);
        assert!(!shown.chars().any(|c| c.is_control() || c == '\u{202e}'), "{shown}");
        assert_eq!(
            shown,
            "ok\\u{1b}[1A\\u{1b}[2K\\u{d}all migrations verified\\u{a}forged\\u{9b}2J\\u{202e}"
        );
        assert_eq!(lines("a\n\tb\u{1b}"), "a\n\tb\\u{1b}");
        assert!(matches!(line("plain text, ünïcode"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn statements_end_before_their_comments() {
        assert_eq!(as_script("DROP TABLE a"), "DROP TABLE a;");
        assert_eq!(
            as_script("UPDATE a SET b = $1\n-- with $1 = 2"),
            "UPDATE a SET b = $1;\n-- with $1 = 2"
        );
        assert_eq!(as_script("SELECT 1 -- trailing"), "SELECT 1 -- trailing\n;");
        assert_eq!(as_script("-- a note"), "-- a note");
    }
}

/// A source's grant in one line: `trusted (every action, no OS access)` or
/// `sandboxed: schemas auth; may create, alter; role ...; limits ...`.
fn describe_grant(source: &crate::migrator::SourceLine) -> String {
    let mut parts = Vec::new();
    if source.trust == crate::policy::Trust::Trusted {
        parts.push("trusted (every action; no access to the OS)".to_owned());
    } else {
        parts.push(format!("sandboxed: schemas {}", source.schemas.join(", ")));
        let allow: Vec<&str> = source.allow.iter().map(|c| c.name()).collect();
        parts.push(format!("may {}", allow.join(", ")));
        if let Some(role) = &source.role {
            parts.push(format!("SQL runs as role {role}"));
        }
    }
    if let Some(t) = &source.statement_timeout {
        parts.push(format!("statement_timeout {t}"));
    }
    if let Some(t) = &source.lock_timeout {
        parts.push(format!("lock_timeout {t}"));
    }
    if let Some(dir) = &source.data_dir {
        parts.push(format!("reads {dir} as /data"));
    }
    parts.push(format!(
        "limits {} MiB, {} s, {} calls",
        source.memory_mib, source.timeout_secs, source.max_calls
    ));
    parts.join("; ")
}
