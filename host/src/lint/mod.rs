//! The lint: steps that lose data, rewrite a table, hold a long lock, break
//! running code or go against the project's type preferences, each a rule
//! of [`rules::RULES`] with a stable code, a reason and what to do instead.
//!
//! It reads what migrate-host would run: actions (their rules are facts of
//! the action, [`Action::facts`]) and the statements a migration sends
//! through `execute` ([`sql::statement`]). It runs over the diff in
//! `generate`, `plan` and `lint --schema`, and over what a migration calls
//! in `apply --dry-run` and `lint`. A step on a table, type or index the
//! same migration creates is never flagged: it is new and empty. A
//! migration may suppress a rule by code with a reason ([`Step::Allow`]),
//! for the steps after it; the suppression is reported with what it hid.
//!
//! What it assumes: the host does not know how big a table is, so every
//! table the migration did not create is taken to be in use and big; a
//! sandboxed source's data-loss steps are refused unless the project
//! acknowledged the revision ([`data_loss`]).

pub use crate::actions::facts::HazardKind;
pub use crate::actions::rules::{self, Code, RULES, Rule, Severity};
pub use crate::actions::sql_rules as sql;

use crate::actions::concurrent::Concurrent;
use crate::actions::facts::HazardFact;
use crate::actions::{Action, DEFAULT_SCHEMA};
use crate::model::QualifiedName;
use std::collections::{HashMap, HashSet};

/// One step of a migration, as the lint reads it.
// Nearly every step is an action: boxing them would add an allocation
// each and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Action(Action),
    /// A statement sent through `execute`.
    Sql(String),
    /// A statement sent through `execute-outside-transaction`: a step of
    /// its own.
    SqlOutside(String),
    /// The migration's transaction commits here (`commit-step`, or around
    /// a step that runs outside it): what it held is released.
    Commit,
    /// The migration suppresses `code` for the steps after this one.
    Allow {
        code: Code,
        reason: String,
    },
    /// What the live data says of the step before: `rows` offend `code`
    /// ([`Code::MH302`], [`Code::MH303`]); the dry run counted them.
    Violation {
        code: Code,
        step: String,
        rows: i64,
        counts: String,
    },
}

/// What the lint knows about how the steps will run.
#[derive(Clone, Copy, Debug)]
pub struct Context {
    /// The transaction starts with a `lock_timeout` (the source's, or
    /// `--lock-timeout`): without one, [`Code::MH403`] applies.
    pub lock_timeout: bool,
}

impl Default for Context {
    /// As `apply` runs a trusted source by default: with a lock timeout.
    fn default() -> Self {
        Context { lock_timeout: true }
    }
}

/// One rule one step triggers.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hazard {
    pub code: Code,
    pub name: &'static str,
    pub severity: Severity,
    /// What it does to a table in use (none: a compatibility or hygiene rule).
    pub kind: Option<HazardKind>,
    /// The step, as `Action::describe` names it (`execute: ...` for SQL).
    pub step: String,
    pub why: String,
    /// What to do instead.
    pub instead: String,
    /// The reason the migration gave when it suppressed the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

impl Hazard {
    /// `loses data`, `rewrites the table`, `long lock`, or the rule's name.
    pub fn label(&self) -> &'static str {
        self.kind.map_or(self.name, HazardKind::label)
    }
}

impl std::fmt::Display for Hazard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}; instead: {}",
            self.step,
            self.label(),
            self.why,
            self.instead
        )
    }
}

/// A rule a migration suppressed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Suppression {
    pub code: Code,
    pub name: &'static str,
    pub reason: String,
    /// How many findings it hid.
    pub hid: usize,
}

/// The lint of one migration (or plan).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Report {
    /// Every finding in step order, suppressed ones included (marked).
    pub findings: Vec<Hazard>,
    pub suppressions: Vec<Suppression>,
}

impl Report {
    /// Findings no suppression covers, of severity error: what fails `lint`.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|h| h.suppressed.is_none() && h.severity == Severity::Error)
            .count()
    }

    /// The findings about tables in use, unsuppressed: what `plan`,
    /// `generate` and a dry run print.
    pub fn hazards(&self) -> impl Iterator<Item = &Hazard> {
        self.findings
            .iter()
            .filter(|h| h.kind.is_some() && h.suppressed.is_none())
    }
}

/// The lint of one migration (or of a plan), as `migrate-host lint` reports it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Linted {
    /// None: a plan.
    pub revision: Option<String>,
    pub message: String,
    #[serde(flatten)]
    pub report: Report,
}

/// The hazards of a migration's steps, in order (see [`Report::hazards`]).
pub fn lint(actions: &[Action]) -> Vec<Hazard> {
    let steps: Vec<Step> = actions.iter().cloned().map(Step::Action).collect();
    lint_steps(&steps, Context::default()).hazards().cloned().collect()
}

/// [`lint`], one entry per step: its first hazard (none: the step is
/// harmless to tables in use).
pub fn lint_each(actions: &[Action]) -> Vec<Option<Hazard>> {
    let steps: Vec<Step> = actions.iter().cloned().map(Step::Action).collect();
    let mut each: Vec<Option<Hazard>> = vec![None; actions.len()];
    for (i, hazard) in findings(&steps, Context::default()) {
        if hazard.kind.is_some() && each[i].is_none() {
            each[i] = Some(hazard);
        }
    }
    each
}

/// Every rule every step triggers, and the suppressions.
pub fn lint_steps(steps: &[Step], context: Context) -> Report {
    let findings: Vec<Hazard> = findings(steps, context).into_iter().map(|(_, h)| h).collect();
    let mut suppressions: Vec<Suppression> = Vec::new();
    for step in steps {
        if let Step::Allow { code, reason } = step
            && !suppressions.iter().any(|s| s.code == *code)
        {
            suppressions.push(Suppression {
                code: *code,
                name: code.rule().name,
                reason: reason.clone(),
                hid: 0,
            });
        }
    }
    for hazard in &findings {
        if hazard.suppressed.is_some()
            && let Some(s) = suppressions.iter_mut().find(|s| s.code == hazard.code)
        {
            s.hid += 1;
        }
    }
    Report { findings, suppressions }
}

fn key(name: &QualifiedName) -> (String, String) {
    (
        name.schema.clone().unwrap_or_else(|| DEFAULT_SCHEMA.into()),
        name.name.clone(),
    )
}

/// `execute: ALTER TABLE users ...`, one line, cut short.
fn describe_sql(sql: &str) -> String {
    format!("execute: {}", one_line(sql))
}

/// A statement on one line, cut short after 72 characters.
pub fn one_line(sql: &str) -> String {
    let line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(72) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line,
    }
}

/// The findings with the index of the step each is about.
fn findings(steps: &[Step], context: Context) -> Vec<(usize, Hazard)> {
    // Tables, types and indexes the migration creates (one namespace in
    // Postgres's pg_class, and types share it).
    let mut new: HashSet<(String, String)> = HashSet::new();
    let mut not_valid: HashSet<((String, String), String)> = HashSet::new();
    let mut allowed: HashMap<Code, String> = HashMap::new();
    let mut lock_timeout = context.lock_timeout;
    let mut exclusive_held = false;
    let (mut flagged_exclusive, mut flagged_timeout) = (false, false);
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        // A step of its own commits what came before it, and runs alone; so
        // does a commit-step.
        let own_step = matches!(step, Step::Action(Action::Concurrently { .. }) | Step::SqlOutside(_));
        if own_step || matches!(step, Step::Commit) {
            exclusive_held = false;
            not_valid.clear();
        }
        let (description, facts, analysis) = match step {
            Step::Allow { code, reason } => {
                allowed.insert(*code, reason.clone());
                continue;
            }
            Step::Violation {
                code,
                step,
                rows,
                counts,
            } => {
                let r = code.rule();
                out.push((
                    i,
                    Hazard {
                        code: *code,
                        name: r.name,
                        severity: r.severity,
                        kind: r.kind,
                        step: step.clone(),
                        why: format!("{rows} {counts} now: {}", r.why),
                        instead: r.instead.into(),
                        suppressed: allowed.get(code).cloned(),
                    },
                ));
                continue;
            }
            Step::Action(action) => {
                let facts = action.facts().hazards;
                (action.describe(), facts, None)
            }
            Step::Sql(sql) => {
                let analysis = sql::statement(sql);
                (describe_sql(sql), analysis.hazards.clone(), Some(analysis))
            }
            Step::SqlOutside(sql) => {
                let analysis = sql::statement(sql);
                let hazards = analysis
                    .hazards
                    .iter()
                    .filter(|h| h.rule != Code::MH401)
                    .cloned()
                    .collect();
                (describe_sql(sql), hazards, Some(analysis))
            }
            Step::Commit => continue,
        };
        let mut rules: Vec<Code> = Vec::new();
        // A later step of the same migration runs while the lock is held.
        if exclusive_held && !flagged_exclusive {
            rules.push(Code::MH404);
            flagged_exclusive = true;
        }
        let live: Vec<&HazardFact> = facts
            .iter()
            .filter(|f| f.on_existing.as_ref().is_none_or(|t| !new.contains(&key(t))))
            .collect();
        rules.extend(live.iter().map(|f| f.rule));
        let locks_existing = live
            .iter()
            .any(|f| f.on_existing.is_some() && matches!(f.kind(), Some(HazardKind::Lock | HazardKind::Rewrite)));
        if let Some(analysis) = &analysis {
            for (table, name) in &analysis.validates {
                if not_valid.contains(&(key(table), name.clone())) {
                    rules.push(Code::MH402);
                }
            }
        }
        if locks_existing && !lock_timeout && !flagged_timeout {
            rules.push(Code::MH403);
            flagged_timeout = true;
        }
        exclusive_held |= !own_step
            && live
                .iter()
                .any(|f| f.on_existing.is_some() && f.rule.rule().access_exclusive);
        for rule in rules {
            let r = rule.rule();
            out.push((
                i,
                Hazard {
                    code: rule,
                    name: r.name,
                    severity: r.severity,
                    kind: r.kind,
                    step: description.clone(),
                    why: r.why.into(),
                    instead: r.instead.into(),
                    suppressed: allowed.get(&rule).cloned(),
                },
            ));
        }
        // What this step creates or leaves NOT VALID counts for the steps after it.
        match step {
            Step::Action(action) => {
                for created in creates(action) {
                    new.insert(key(&created));
                }
                // A new table keeps being new under its new name.
                if let Action::RenameTable { table, new_name } = action
                    && new.contains(&key(table))
                {
                    new.insert(key(&QualifiedName {
                        schema: table.schema.clone(),
                        name: new_name.clone(),
                    }));
                }
                if let Action::AddConstraint {
                    table,
                    name,
                    constraint: crate::model::Constraint::Sql(definition),
                } = action
                    && sql::constraint_not_valid(definition)
                {
                    not_valid.insert((key(table), name.clone()));
                }
            }
            Step::Sql(_) | Step::SqlOutside(_) => {
                let analysis = analysis.expect("analysed above");
                new.extend(analysis.creates.iter().map(key));
                // A step of its own committed what it added NOT VALID.
                if !own_step {
                    not_valid.extend(analysis.added_not_valid.iter().map(|(t, n)| (key(t), n.clone())));
                }
                if let Some(set) = analysis.lock_timeout {
                    lock_timeout = set;
                }
            }
            Step::Allow { .. } | Step::Violation { .. } | Step::Commit => {}
        }
    }
    out
}

/// The tables, types and indexes an action creates.
fn creates(action: &Action) -> Vec<QualifiedName> {
    match action {
        Action::AddTable { table, .. } => vec![table.clone()],
        Action::CreateEnum { name, .. } => vec![name.clone()],
        Action::AddIndex { index }
        | Action::Concurrently {
            step: Concurrent::AddIndex { index },
        } => vec![QualifiedName {
            schema: index.table.schema.clone(),
            name: index.name.clone(),
        }],
        Action::AddIndexSql { definition }
        | Action::Concurrently {
            step: Concurrent::AddIndexSql { definition },
        } => {
            let table = crate::actions::guard::index_table(definition);
            let name = crate::actions::guard::index_name(definition);
            match (table, name) {
                (Some(table), Some(name)) => vec![QualifiedName {
                    schema: table.schema,
                    name,
                }],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// The data-loss hazard of one step, if any (what a sandboxed source needs acknowledged).
pub fn data_loss(action: &Action) -> Option<Hazard> {
    let fact = action
        .facts()
        .hazards
        .into_iter()
        .find(|h| h.kind() == Some(HazardKind::DataLoss))?;
    let r = fact.rule.rule();
    Some(Hazard {
        code: fact.rule,
        name: r.name,
        severity: r.severity,
        kind: r.kind,
        step: action.describe(),
        why: r.why.into(),
        instead: r.instead.into(),
        suppressed: None,
    })
}

#[cfg(test)]
mod tests;
