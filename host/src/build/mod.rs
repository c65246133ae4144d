//! `migrate-host build`: turns every migration crate under a directory into
//! a component beside it (`<dir>/<crate dir>.wasm`), with cargo, one shared
//! target directory (`<dir>/target`) so that adding a migration rebuilds
//! only that crate.
//!
//! When `<dir>/Cargo.toml` is a workspace, one `cargo build --workspace`
//! builds every crate; otherwise each crate is built on its own (same target
//! directory). Only this module runs cargo.

use anyhow::{Context as _, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const TARGET: &str = "wasm32-wasip2";

/// A migration crate and the component built from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Built {
    pub crate_dir: PathBuf,
    pub component: PathBuf,
    /// False when the component was already up to date.
    pub changed: bool,
}

/// The migration crates directly under `dir` (directories with a Cargo.toml
/// that declares a `cdylib` package), sorted.
pub fn crates(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!(
            "the migrations directory {} does not exist (set it with --dir)",
            dir.display()
        );
    }
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let manifest = path.join("Cargo.toml");
        if path.file_name().is_some_and(|n| n == "target") || !manifest.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
        // A crate that is not a cdylib is a helper library the migrations share.
        if text.lines().any(|l| l.trim() == "[package]") && text.contains("cdylib") {
            crates.push(path);
        }
    }
    crates.sort();
    Ok(crates)
}

/// Builds every migration crate under `dir` and copies each component next
/// to its crate. Cargo's own progress and errors go to stderr.
pub fn build(dir: &Path, quiet: bool) -> anyhow::Result<Vec<Built>> {
    let crates = crates(dir)?;
    if crates.is_empty() {
        bail!(
            "no migration crates in {} (a migration crate is a directory with a Cargo.toml)",
            dir.display()
        );
    }
    check_target_installed()?;
    let target_dir = dir.join("target");
    let workspace = dir.join("Cargo.toml");
    let mut artifacts = BTreeMap::new();
    if workspace.is_file() {
        artifacts.extend(cargo_build(&workspace, &target_dir, true, quiet)?);
    } else {
        for krate in &crates {
            artifacts.extend(cargo_build(&krate.join("Cargo.toml"), &target_dir, false, quiet)?);
        }
    }
    // Every crate must have produced a component before any is copied.
    let mut outputs = Vec::new();
    for krate in crates {
        let canonical = krate
            .canonicalize()
            .with_context(|| format!("resolving {}", krate.display()))?;
        let Some(wasm) = artifacts.get(&canonical) else {
            bail!(
                "cargo built no component for {}: is its crate-type \"cdylib\"?",
                krate.display()
            );
        };
        outputs.push((krate, wasm.clone()));
    }
    let mut built = Vec::new();
    for (krate, wasm) in outputs {
        let name = krate
            .file_name()
            .expect("a crate directory has a name")
            .to_string_lossy();
        let component = dir.join(format!("{name}.wasm"));
        let changed = copy_if_changed(&wasm, &component)?;
        built.push(Built {
            crate_dir: krate,
            component,
            changed,
        });
    }
    Ok(built)
}

/// Runs cargo and returns crate directory → built `.wasm`, from cargo's JSON messages.
fn cargo_build(
    manifest: &Path,
    target_dir: &Path,
    workspace: bool,
    quiet: bool,
) -> anyhow::Result<BTreeMap<PathBuf, PathBuf>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--release",
            "--target",
            TARGET,
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .stdout(Stdio::piped())
        .stderr(if quiet { Stdio::piped() } else { Stdio::inherit() });
    if workspace {
        command.arg("--workspace");
    }
    if quiet {
        command.arg("--quiet");
    }
    let output = command
        .output()
        .context("running cargo (is the Rust toolchain installed?)")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "cargo build failed for {}{}",
            manifest.display(),
            if stderr.trim().is_empty() {
                " (see its errors above)".into()
            } else {
                format!(":\n{}", stderr.trim_end())
            }
        );
    }
    let mut artifacts = BTreeMap::new();
    for line in output.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let is_cdylib = message["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "cdylib"));
        let wasm = message["filenames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str())
            .find(|f| f.ends_with(".wasm"));
        let crate_dir = message["manifest_path"].as_str().and_then(|m| Path::new(m).parent());
        if let (true, Some(wasm), Some(crate_dir)) = (is_cdylib, wasm, crate_dir) {
            let crate_dir = crate_dir.canonicalize().unwrap_or_else(|_| crate_dir.to_owned());
            artifacts.insert(crate_dir, PathBuf::from(wasm));
        }
    }
    Ok(artifacts)
}

/// Copies through a temporary file and a rename, so that `apply` never reads
/// a half-written component; leaves an identical file untouched.
fn copy_if_changed(from: &Path, to: &Path) -> anyhow::Result<bool> {
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    if std::fs::read(to).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    let tmp = to.with_extension(format!("wasm.tmp{}", std::process::id()));
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, to).with_context(|| format!("writing {}", to.display()))?;
    Ok(true)
}

/// A missing target makes cargo fail with a long message about `core`; say
/// what to do instead.
fn check_target_installed() -> anyhow::Result<()> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .context("running rustc (is the Rust toolchain installed?)")?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || libdir.is_empty() || !Path::new(&libdir).is_dir() {
        bail!("the Rust target {TARGET} is not installed; run `rustup target add {TARGET}`");
    }
    Ok(())
}
