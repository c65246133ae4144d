//! JavaScript migrations: each `<dir>/<name>.js` (one ES module, top level
//! only) built into `<dir>/<name>.wasm` with componentize-qjs, the version
//! pinned by the lock file vendored into `<dir>/.migrate-sdk/js/` (installed
//! there with `npm ci` on first use), against the WIT contract in
//! `<dir>/.migrate-sdk/wit/`.
//!
//! componentize-qjs does not produce the same bytes twice, so the source
//! digest matters even more than for Rust: a component carrying the current
//! digest of its `.js` file is left alone, and another build of the same
//! file is the same migration.

use super::{Built, write_if_changed};
use crate::source::identity;
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The `.js` files directly under `dir`, sorted.
pub fn scripts(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!(
            "the migrations directory {} does not exist (set it with --dir)",
            dir.display()
        );
    }
    let mut scripts = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry.with_context(|| format!("reading {}", dir.display()))?.path();
        if path.extension().is_some_and(|e| e == "js") && path.is_file() {
            scripts.push(path);
        }
    }
    scripts.sort();
    Ok(scripts)
}

/// The component `script` builds into, and whether it carries the
/// script's current digest.
pub fn current(script: &Path) -> anyhow::Result<(PathBuf, String, bool)> {
    let digest =
        identity::file_digest(script).with_context(|| format!("reading the source of {}", script.display()))?;
    let component = script.with_extension("wasm");
    let current = super::carries(&component, &digest);
    Ok((component, digest, current))
}

/// Builds each of `scripts` whose component is not current.
pub fn build(dir: &Path, scripts: Vec<PathBuf>, quiet: bool) -> anyhow::Result<Vec<Built>> {
    let mut built = Vec::new();
    let mut stale = Vec::new();
    for script in scripts {
        let (component, digest, current) = current(&script)?;
        if current {
            built.push(Built {
                crate_dir: script,
                component,
                changed: false,
            });
        } else {
            stale.push((script, component, digest));
        }
    }
    if stale.is_empty() {
        return Ok(built);
    }
    let (tools, wit) = ensure_js(dir)?;
    let componentize = install(&tools, quiet)?;
    for (script, component, digest) in stale {
        let tmp = component.with_extension(format!("wasm.qjs{}", std::process::id()));
        let output = Command::new(&componentize)
            .args(["--sync", "--world", "migration-component", "--wit"])
            .arg(&wit)
            .arg("--js")
            .arg(&script)
            .arg("-o")
            .arg(&tmp)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", componentize.display()))?;
        if !output.status.success() {
            let _ = std::fs::remove_file(&tmp);
            let stderr = String::from_utf8_lossy(&output.stderr);
            let stdout = String::from_utf8_lossy(&output.stdout);
            bail!(
                "componentize-qjs failed for {}:\n{}",
                script.display(),
                format!("{}\n{}", stderr.trim_end(), stdout.trim_end()).trim()
            );
        }
        let bytes = std::fs::read(&tmp).with_context(|| format!("reading {}", tmp.display()));
        let _ = std::fs::remove_file(&tmp);
        let bytes = identity::embed(&bytes?, &digest)
            .with_context(|| format!("embedding the source digest of {}", script.display()))?;
        let changed = write_if_changed(&bytes, &component)?;
        built.push(Built {
            crate_dir: script,
            component,
            changed,
        });
    }
    Ok(built)
}

/// Where the WIT contract and componentize-qjs's manifest are vendored,
/// inside the migrations directory (the Rust SDK is vendored there too, by
/// [`crate::workspace::ensure`]).
pub const SDK_DIR: &str = ".migrate-sdk";

/// What building a `.js` migration needs, inside [`SDK_DIR`]:
/// componentize-qjs's manifest and lock file (installed with `npm ci`), and
/// the WIT contract.
const JS_FILES: [(&str, &str); 3] = [
    ("js/package.json", include_str!("../../../plugins/js/package.json")),
    (
        "js/package-lock.json",
        include_str!("../../../plugins/js/package-lock.json"),
    ),
    ("wit/migrate.wit", include_str!("../../../wit/migrate.wit")),
];

/// Vendors what building a `.js` migration in `dir` needs into
/// [`SDK_DIR`], each file only when missing. Returns the directory to run
/// `npm ci` in and the WIT directory.
pub fn ensure_js(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let sdk = dir.join(SDK_DIR);
    for (path, text) in JS_FILES {
        let file = sdk.join(path);
        if file.exists() {
            continue;
        }
        let parent = file.parent().expect("vendored files are in folders");
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    }
    Ok((sdk.join("js"), sdk.join("wit")))
}

/// componentize-qjs in `tools` (`node_modules/.bin`), installed there from
/// its lock file with `npm ci` when it is not.
fn install(tools: &Path, quiet: bool) -> anyhow::Result<PathBuf> {
    let bin = tools.join("node_modules/.bin/componentize-qjs");
    if bin.is_file() {
        return Ok(bin);
    }
    if !quiet {
        eprintln!("installing componentize-qjs with npm ci in {}", tools.display());
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--silent"])
        .current_dir(tools)
        .stdin(Stdio::null())
        .output()
        .context("running npm: building JavaScript migrations needs Node.js 20 or newer with npm")?;
    if !output.status.success() {
        bail!(
            "npm ci failed in {} (it installs componentize-qjs, which builds JavaScript migrations):\n{}",
            tools.display(),
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    if !bin.is_file() {
        bail!("npm ci in {} installed no componentize-qjs", tools.display());
    }
    Ok(bin)
}
