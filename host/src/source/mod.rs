//! Where migrations come from: a directory of built components (`*.wasm`,
//! top level only). Nothing here needs sources or cargo, so a directory of
//! components can be shipped to a production box and applied there.
//!
//! A migration is identified by the source digest its component carries
//! ([`identity`]), or by its bytes when it carries none.

pub mod identity;

use crate::runtime::{LoadedComponent, Runtime};
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A migration component with its metadata, ready to run.
#[derive(Clone)]
pub struct Migration {
    /// The file it was read from.
    pub file: PathBuf,
    /// Hex SHA-256 of the component's bytes.
    pub checksum: String,
    /// The digest of the source it was built from, when `build` embedded
    /// one ([`identity`]); none for a sandboxed source's components.
    pub source_digest: Option<String>,
    /// With a source digest: the SHA-256 of the component without it (the
    /// bytes an older `build` wrote, which embedded nothing).
    pub bare_checksum: Option<String>,
    /// (Shared with a thread that prepares components ahead of their run.)
    pub component: Arc<LoadedComponent>,
}

impl Migration {
    pub fn revision(&self) -> &str {
        &self.component.info.revision
    }

    pub fn parent(&self) -> Option<&str> {
        self.component.info.parent.as_deref()
    }

    pub fn message(&self) -> &str {
        &self.component.info.message
    }

    /// A squash migration's: the revisions it replaces, in chain order.
    pub fn replaces(&self) -> &[String] {
        &self.component.replaces
    }

    /// The file name, for messages.
    pub fn file_name(&self) -> String {
        self.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The `.wasm` files in `dir`, sorted by name.
pub fn component_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!(
            "the migrations directory {} does not exist (set it with --dir)",
            dir.display()
        );
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry.with_context(|| format!("reading {}", dir.display()))?.path();
        if path.extension().is_some_and(|e| e == "wasm") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

pub use crate::digest::checksum;

/// Reads, compiles and checks every component in `dir`.
pub async fn load(runtime: &Runtime, dir: &Path) -> anyhow::Result<Vec<Migration>> {
    load_with(runtime, dir, runtime.limits()).await
}

/// [`load`], reading metadata under `limits` (the source's). A component
/// whose metadata the cache holds (from an earlier run of this host) is only
/// hashed here; the others are compiled (or mapped from the cache) on every
/// core, then their metadata is read in order.
pub async fn load_with(
    runtime: &Runtime,
    dir: &Path,
    limits: &crate::policy::Limits,
) -> anyhow::Result<Vec<Migration>> {
    load_files(runtime, component_files(dir)?, limits).await
}

/// [`load_with`] for the components `files` (sorted by name in the result).
pub async fn load_files(
    runtime: &Runtime,
    files: Vec<PathBuf>,
    limits: &crate::runtime::Limits,
) -> anyhow::Result<Vec<Migration>> {
    let mut known = Vec::with_capacity(files.len());
    let mut unknown = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let checksum = checksum(&bytes);
        let embedded =
            identity::read(&bytes).with_context(|| format!("{} is not a usable migration", file.display()))?;
        let (source_digest, bare_checksum) = embedded.map(|e| (e.digest, e.bare_checksum)).unzip();
        match runtime.cached(&checksum, &file) {
            Some(component) => known.push(Migration {
                file,
                checksum,
                source_digest,
                bare_checksum,
                component: Arc::new(component),
            }),
            None => unknown.push((file, bytes, checksum, source_digest, bare_checksum)),
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(unknown.len().max(1));
    let chunk = unknown.len().div_ceil(threads).max(1);
    let compiled: Vec<anyhow::Result<crate::runtime::CompiledComponent>> = std::thread::scope(|scope| {
        let handles: Vec<_> = unknown
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(_, bytes, checksum, ..)| runtime.compile(bytes, checksum))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a compile thread panicked"))
            .collect()
    });
    let mut migrations = known;
    for ((file, _, checksum, source_digest, bare_checksum), compiled) in unknown.into_iter().zip(compiled) {
        let component = async { runtime.finish(compiled?, limits).await }
            .await
            .with_context(|| format!("{} is not a usable migration", file.display()))?;
        migrations.push(Migration {
            checksum,
            source_digest,
            bare_checksum,
            file,
            component: Arc::new(component),
        });
    }
    // In file order, as the directory lists them.
    migrations.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(migrations)
}
