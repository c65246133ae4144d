//! Compiled components, cached by content: a component is compiled once
//! (`Component::new`, tens to thousands of milliseconds) and afterwards
//! memory-mapped from `<cache dir>/<sha256>-<engine>.cwasm` (a fraction of a
//! millisecond), so `apply` never recompiles an unchanged migration.
//!
//! The file name holds the SHA-256 of the component's bytes and a hash of
//! everything about the engine that makes an artifact compatible (wasmtime
//! version, target, settings): a different host build simply misses. Only
//! this module writes the directory, atomically (temporary file, rename).
//!
//! Next to each artifact, `<sha256>-<engine>-<contract>.json` keeps the
//! component's metadata, written once it linked against this contract (the
//! WIT file's hash is in the name) and its metadata checked out: a later
//! run reads that instead of instantiating the component, and maps the
//! artifact only when the migration runs.

use crate::model::RevisionInfo;
use anyhow::Context as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// What the metadata file holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    info: RevisionInfo,
    replaces: Vec<String>,
}

pub struct ComponentCache {
    dir: PathBuf,
    /// The engine's compatibility hash, as hex, for file names.
    engine: String,
    /// The contract's (the WIT file's) hash, as hex, for metadata file names.
    contract: String,
}

impl ComponentCache {
    pub fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let contract = crate::digest::checksum(include_str!("../../../wit/migrate.wit").as_bytes());
        ComponentCache {
            dir,
            engine: format!("{:016x}", hasher.finish()),
            contract: contract[..16].to_owned(),
        }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine))
    }

    fn info_path(&self, sha256: &str) -> PathBuf {
        self.dir
            .join(format!("{sha256}-{}-{}.json", self.engine, self.contract))
    }

    /// The component's metadata (and the revisions it replaces), if a run
    /// of this host stored it.
    pub fn info(&self, sha256: &str) -> Option<(RevisionInfo, Vec<String>)> {
        let stored: Stored = serde_json::from_slice(&std::fs::read(self.info_path(sha256)).ok()?).ok()?;
        Some((stored.info, stored.replaces))
    }

    /// Keeps `info` for the next run (best effort, like the artifacts).
    pub fn store_info(&self, sha256: &str, info: &RevisionInfo, replaces: &[String]) {
        let path = self.info_path(sha256);
        if path.is_file() {
            return;
        }
        let stored = Stored {
            info: info.clone(),
            replaces: replaces.to_vec(),
        };
        if let Ok(json) = serde_json::to_vec(&stored) {
            let _ = write_atomically(&path, &json);
        }
    }

    /// The compiled component for `sha256` from the cache alone, if it is
    /// there and loads.
    pub fn mapped(&self, engine: &Engine, sha256: &str) -> Option<Component> {
        let path = self.path(sha256);
        if !path.is_file() {
            return None;
        }
        // SAFETY: the file is an artifact this module serialized from a
        // component compiled by an engine with the same compatibility
        // hash (it is in the name); wasmtime also checks its header and
        // refuses an incompatible one, which then counts as a miss.
        unsafe { Component::deserialize_file(engine, &path) }.ok()
    }

    /// The compiled component for `bytes`: from the cache when it is there
    /// and loads, else compiled and stored (a cache that cannot be written
    /// costs speed, never correctness).
    /// `sha256`: the hex digest of `bytes` (the caller has it already).
    pub fn component(&self, engine: &Engine, bytes: &[u8], sha256: &str) -> anyhow::Result<Component> {
        if let Some(component) = self.mapped(engine, sha256) {
            return Ok(component);
        }
        let component = Component::new(engine, bytes).map_err(anyhow::Error::from)?;
        let _ = store(&self.path(sha256), &component);
        Ok(component)
    }
}

fn store(path: &Path, component: &Component) -> anyhow::Result<()> {
    write_atomically(path, &component.serialize().map_err(anyhow::Error::from)?)
}

/// Readers see the whole file or none: written aside, then renamed.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("the cache path has a directory")?;
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(
        ".{}.{}",
        std::process::id(),
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}
