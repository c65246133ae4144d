//! Compiled components, cached by content: a component is compiled once
//! (`Component::new`, tens to thousands of milliseconds) and afterwards
//! memory-mapped from `<cache dir>/<sha256>-<engine>.cwasm` (a fraction of a
//! millisecond), so `apply` never recompiles an unchanged migration.
//!
//! The file name holds the SHA-256 of the component's bytes and a hash of
//! everything about the engine that makes an artifact compatible (wasmtime
//! version, target, settings): a different host build simply misses. Only
//! this module writes the directory, atomically (temporary file, rename).

use anyhow::Context as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

pub struct ComponentCache {
    dir: PathBuf,
    /// The engine's compatibility hash, as hex, for file names.
    engine: String,
}

impl ComponentCache {
    pub fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ComponentCache {
            dir,
            engine: format!("{:016x}", hasher.finish()),
        }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine))
    }

    /// The compiled component for `bytes`: from the cache when it is there
    /// and loads, else compiled and stored (a cache that cannot be written
    /// costs speed, never correctness).
    /// `sha256`: the hex digest of `bytes` (the caller has it already).
    pub fn component(&self, engine: &Engine, bytes: &[u8], sha256: &str) -> anyhow::Result<Component> {
        let path = self.path(sha256);
        if path.is_file() {
            // SAFETY: the file is an artifact this module serialized from a
            // component compiled by an engine with the same compatibility
            // hash (it is in the name); wasmtime also checks its header and
            // refuses an incompatible one, in which case it is recompiled.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok(component);
            }
        }
        let component = Component::new(engine, bytes).map_err(anyhow::Error::from)?;
        let _ = store(&path, &component);
        Ok(component)
    }
}

fn store(path: &Path, component: &Component) -> anyhow::Result<()> {
    let dir = path.parent().context("the cache path has a directory")?;
    std::fs::create_dir_all(dir)?;
    let serialized = component.serialize().map_err(anyhow::Error::from)?;
    let temporary = dir.join(format!(
        ".{}.{}",
        std::process::id(),
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&temporary, serialized)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}
