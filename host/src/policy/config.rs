//! `migrate.toml`: the sources and their grants.
//!
//! ```toml
//! [[source]]                       # the app's own migrations
//! name = "app"
//! dir = "migrations"               # trust = "trusted" is the default
//!
//! [[source]]                       # a vendor's components, run without trusting them
//! name = "auth"
//! dir = "vendor/auth/migrations"
//! trust = "sandboxed"
//! schemas = ["auth"]               # the only schemas it may change
//! allow = ["create", "alter", "sql"]   # default: create, alter
//! statement_timeout = "30s"        # defaults: 30s and 5s when sandboxed
//! lock_timeout = "5s"
//! data_dir = "vendor/auth/data"    # read-only, seen by the guest as /data
//! acknowledge = ["20261201000000"] # revisions whose data-loss hazards are accepted
//! [source.limits]                  # defaults: tighter than a trusted source's
//! memory_mib = 64
//! timeout_secs = 60
//! ```

use super::Limits;
use super::{Capability, Grant, Source};
use anyhow::{Context as _, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// `[targets]`: the databases a fleet command works on, read by
    /// `fleet::targets` (this module only keeps the table for it).
    pub targets: Option<toml::Value>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trust {
    #[default]
    Trusted,
    Sandboxed,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: String,
    pub dir: PathBuf,
    #[serde(default)]
    pub trust: Trust,
    #[serde(default)]
    pub schemas: Vec<String>,
    pub allow: Option<Vec<Capability>>,
    pub statement_timeout: Option<String>,
    pub lock_timeout: Option<String>,
    pub data_dir: Option<PathBuf>,
    #[serde(default)]
    pub acknowledge: Vec<String>,
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// Limits a source overrides; the rest keep their defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub fuel: Option<u64>,
    pub memory_mib: Option<usize>,
    pub timeout_secs: Option<u64>,
    pub max_calls: Option<u64>,
    pub max_call_bytes: Option<usize>,
    pub max_query_rows: Option<usize>,
    pub max_query_bytes: Option<usize>,
}

/// A sandboxed source's limits unless it says otherwise: enough for a schema
/// migration, far from enough to hurt the machine.
pub fn sandbox_limits() -> Limits {
    Limits {
        fuel: 2_000_000_000,
        memory_bytes: 64 << 20,
        timeout: Duration::from_secs(60),
        max_calls: 10_000,
        max_call_bytes: 256 << 10,
        max_query_rows: 10_000,
        max_query_bytes: 16 << 20,
    }
}

/// Reads `path` if it exists; `Ok(None)` when it does not (zero config).
pub fn load_config(path: &Path) -> anyhow::Result<Option<Config>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let config: Config = toml::from_str(&text).with_context(|| format!("{} is not a valid config", path.display()))?;
    Ok(Some(config))
}

impl Config {
    /// The sources, paths resolved against `base` (the config file's
    /// directory), trusted ones on `trusted_limits` (the command line's).
    pub fn sources(&self, base: &Path, trusted_limits: &Limits) -> anyhow::Result<Vec<Source>> {
        if self.sources.is_empty() {
            bail!("migrate.toml lists no [[source]]");
        }
        let mut sources: Vec<Source> = Vec::new();
        for config in &self.sources {
            let source = config
                .resolve(base, trusted_limits)
                .with_context(|| format!("migrate.toml, source {:?}", config.name))?;
            if sources.iter().any(|s| s.name == source.name) {
                bail!("migrate.toml names two sources {:?}", source.name);
            }
            if sources.iter().any(|s| s.dir == source.dir) {
                bail!("migrate.toml lists {} as two sources", source.dir.display());
            }
            sources.push(source);
        }
        Ok(sources)
    }
}

impl SourceConfig {
    fn resolve(&self, base: &Path, trusted_limits: &Limits) -> anyhow::Result<Source> {
        let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
        if self.name.is_empty() || self.name.len() > 40 || !self.name.chars().all(plain) {
            bail!("a source name is 1 to 40 of a-z, 0-9 and _ (it names a database role)");
        }
        let sandboxed = self.trust == Trust::Sandboxed;
        if sandboxed && self.schemas.is_empty() {
            bail!("a sandboxed source needs `schemas`: the schemas it may change");
        }
        if !sandboxed && (!self.schemas.is_empty() || self.allow.is_some()) {
            bail!("`schemas` and `allow` only apply to trust = \"sandboxed\" (a trusted source may do anything)");
        }
        for schema in &self.schemas {
            crate::actions::ident::validate(schema, "schema").map_err(|e| anyhow::anyhow!("{e}"))?;
            if schema.starts_with("pg_") || schema == "information_schema" {
                bail!("schema {schema} belongs to Postgres; a source cannot be granted it");
            }
        }
        let duration = |text: &Option<String>, default: Option<Duration>, what: &str| -> anyhow::Result<_> {
            match text {
                Some(text) => humantime::parse_duration(text)
                    .map(Some)
                    .with_context(|| format!("{what} {text:?} is not a duration (say \"30s\", \"5min\")")),
                None => Ok(default),
            }
        };
        let base_limits = if sandboxed {
            sandbox_limits()
        } else {
            trusted_limits.clone()
        };
        let l = &self.limits;
        let limits = Limits {
            fuel: l.fuel.unwrap_or(base_limits.fuel),
            memory_bytes: l.memory_mib.map_or(base_limits.memory_bytes, |m| m << 20),
            timeout: l.timeout_secs.map_or(base_limits.timeout, Duration::from_secs),
            max_calls: l.max_calls.unwrap_or(base_limits.max_calls),
            max_call_bytes: l.max_call_bytes.unwrap_or(base_limits.max_call_bytes),
            max_query_rows: l.max_query_rows.unwrap_or(base_limits.max_query_rows),
            max_query_bytes: l.max_query_bytes.unwrap_or(base_limits.max_query_bytes),
        };
        let data_dir = match &self.data_dir {
            Some(dir) => {
                let dir = base.join(dir);
                if !dir.is_dir() {
                    bail!("data_dir {} is not a directory", dir.display());
                }
                Some(dir)
            }
            None => None,
        };
        Ok(Source {
            name: self.name.clone(),
            dir: base.join(&self.dir),
            grant: Grant {
                trust: self.trust,
                schemas: self.schemas.clone(),
                capabilities: match (&self.allow, sandboxed) {
                    (_, false) => Capability::ALL.to_vec(),
                    (Some(allow), true) => allow.clone(),
                    (None, true) => vec![Capability::Create, Capability::Alter],
                },
                limits,
                statement_timeout: duration(
                    &self.statement_timeout,
                    sandboxed.then_some(Duration::from_secs(30)),
                    "statement_timeout",
                )?,
                lock_timeout: duration(
                    &self.lock_timeout,
                    sandboxed.then_some(Duration::from_secs(5)),
                    "lock_timeout",
                )?,
                data_dir,
                acknowledged: self.acknowledge.clone(),
                tenant: None,
            },
        })
    }
}
