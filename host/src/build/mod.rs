//! `migrate-host build`: turns every migration crate under a directory into
//! a component beside it (`<dir>/<crate dir>.wasm`), with cargo, one shared
//! target directory (`<dir>/target`) so that adding a migration rebuilds
//! only that crate.
//!
//! When `<dir>/Cargo.toml` is a workspace, one `cargo build` builds every
//! crate that needs it; otherwise each crate is built on its own (same
//! target directory). Only this module runs cargo.
//!
//! A `.js` file in the directory is a JavaScript migration, built with
//! componentize-qjs ([`js`]).
//!
//! Each component carries the digest of its crate's source
//! ([`crate::source::identity`]): a crate whose component already carries
//! its current digest is not built again and its component is left as it
//! is, bytes and time, whatever changed around it (the SDK, the toolchain,
//! the lock file). Builds are made independent of where the directory lies
//! (`--remap-path-prefix`), so that two clones produce the same bytes as far
//! as the toolchain allows.
//!
//! A new crate (one `generate` writes) is built staged ([`Staged`]): in a
//! workspace of its own under `<dir>/target/`, out of reach of the
//! workspace's `members = ["*"]`, sharing the target directory, the lock
//! file, the profiles and the dependencies of `<dir>/Cargo.toml`. It joins
//! `<dir>` only once it built, so that a crate that does not compile never
//! breaks every later `build`.

mod js;

pub use js::{JS_FILES, SDK_DIR, SDK_IMPORT, ensure_js, scripts};

use crate::progress::{Progress, Silent};
use crate::source::identity;
use anyhow::{Context as _, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const TARGET: &str = "wasm32-wasip2";

/// A migration's source and the component built from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Built {
    /// The crate's directory, or the `.js` file.
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

/// A new migration crate being written and built outside the workspace:
/// [`Staged::crate_dir`] is where its files go, [`Staged::build`] builds it
/// and moves it into the migrations directory.
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    name: String,
    /// The staging workspace: `<dir>/target/migrate-host-staging/<name>`.
    root: PathBuf,
}

/// Where new crates are staged, under the target directory (which every
/// migrations workspace excludes from its members, since builds write there).
const STAGING: &str = "target/migrate-host-staging";

impl Staged {
    /// Makes a staging workspace for the crate `<dir>/<name>` (which must
    /// not exist) from the workspace `<dir>/Cargo.toml`: its
    /// `[workspace]` table with the one member, relative paths made
    /// absolute, its `[patch]`, `[replace]` and `[profile]`, and a copy of
    /// its `Cargo.lock`, so that the crate builds with the same
    /// dependencies, settings and artifacts as in place.
    pub fn new(dir: &Path, name: &str) -> anyhow::Result<Self> {
        let manifest_path = dir.join("Cargo.toml");
        let text =
            std::fs::read_to_string(&manifest_path).with_context(|| format!("reading {}", manifest_path.display()))?;
        let manifest: toml::Table = text
            .parse()
            .with_context(|| format!("parsing {}", manifest_path.display()))?;
        let Some(toml::Value::Table(workspace)) = manifest.get("workspace") else {
            bail!(
                "{} is not a cargo workspace: a migrations directory with a Cargo.toml must make it one \
                 (`[workspace]`, members = [\"*\"], migrate-plugin in [workspace.dependencies])",
                manifest_path.display()
            );
        };
        let base = dir
            .canonicalize()
            .with_context(|| format!("resolving {}", dir.display()))?;
        let mut workspace = workspace.clone();
        for key in ["members", "exclude", "default-members"] {
            workspace.remove(key);
        }
        workspace.insert("members".into(), toml::Value::Array(vec![name.into()]));
        if let Some(toml::Value::Table(dependencies)) = workspace.get_mut("dependencies") {
            absolute_paths(dependencies.iter_mut().map(|(_, v)| v), &base);
        }
        let mut staged = toml::Table::new();
        staged.insert("workspace".into(), toml::Value::Table(workspace));
        for key in ["patch", "replace", "profile"] {
            if let Some(mut value) = manifest.get(key).cloned() {
                match (key, &mut value) {
                    ("patch", toml::Value::Table(sources)) => {
                        for source in sources.iter_mut().map(|(_, v)| v) {
                            if let toml::Value::Table(crates) = source {
                                absolute_paths(crates.iter_mut().map(|(_, v)| v), &base);
                            }
                        }
                    }
                    ("replace", toml::Value::Table(crates)) => absolute_paths(crates.iter_mut().map(|(_, v)| v), &base),
                    _ => {}
                }
                staged.insert(key.into(), value);
            }
        }
        let root = dir.join(STAGING).join(name);
        if root.exists() {
            std::fs::remove_dir_all(&root).with_context(|| format!("removing {}", root.display()))?;
        }
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        std::fs::write(
            root.join("Cargo.toml"),
            format!(
                "# Staged by `migrate-host generate`: {name} builds here before it joins {}.\n{}",
                dir.display(),
                toml::to_string(&staged).context("writing the staging manifest")?
            ),
        )
        .with_context(|| format!("writing {}", root.join("Cargo.toml").display()))?;
        let lock = dir.join("Cargo.lock");
        if lock.is_file() {
            std::fs::copy(&lock, root.join("Cargo.lock")).with_context(|| format!("copying {}", lock.display()))?;
        }
        Ok(Staged {
            dir: dir.to_owned(),
            name: name.to_owned(),
            root,
        })
    }

    /// Where the crate's files are written.
    pub fn crate_dir(&self) -> PathBuf {
        self.root.join(&self.name)
    }

    /// Where the staging workspace is (and the crate's source stays when it
    /// does not build).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Builds the crate with its source digest embedded, then moves it to
    /// `<dir>/<name>` and writes its component beside it; the staging
    /// workspace is removed. When cargo fails, nothing is moved and the
    /// staging workspace is left for a look.
    pub fn build(self, quiet: bool) -> anyhow::Result<Built> {
        let bytes = self.compile(quiet)?;
        self.place(&bytes)
    }

    /// The first half of [`Staged::build`]: the component, its source
    /// digest embedded, built where the crate is staged; nothing is moved.
    pub fn compile(&self, quiet: bool) -> anyhow::Result<Vec<u8>> {
        let krate = self.crate_dir();
        let target = self.dir.join(&self.name);
        if target.exists() {
            bail!("{} already exists", target.display());
        }
        let digest =
            identity::crate_digest(&krate).with_context(|| format!("reading the source of {}", krate.display()))?;
        check_target_installed()?;
        let package =
            package_name(&krate).with_context(|| format!("reading {}", krate.join("Cargo.toml").display()))?;
        let artifacts = cargo_build(
            &self.root.join("Cargo.toml"),
            &self.dir.join("target"),
            Some(Some(vec![package])),
            &remap_flags(&self.dir)?,
            quiet,
            false,
            &mut |_| {},
        )?;
        let canonical = krate
            .canonicalize()
            .with_context(|| format!("resolving {}", krate.display()))?;
        let Some(wasm) = artifacts.get(&canonical) else {
            bail!("cargo built no component for {}", krate.display());
        };
        let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
        identity::embed(&bytes, &digest).with_context(|| format!("embedding the source digest of {}", krate.display()))
    }

    /// The second half of [`Staged::build`]: the crate moved to
    /// `<dir>/<name>`, `bytes` (what [`Staged::compile`] made) written
    /// beside it as its component, the staging workspace removed.
    pub fn place(self, bytes: &[u8]) -> anyhow::Result<Built> {
        let krate = self.crate_dir();
        let target = self.dir.join(&self.name);
        if target.exists() {
            bail!("{} already exists", target.display());
        }
        // The crate first: a crate without its component is built by the
        // next `build`, a component without its crate would be a migration
        // with no source.
        move_dir(&krate, &target)?;
        let component = self.dir.join(format!("{}.wasm", self.name));
        write_if_changed(bytes, &component)?;
        // The workspace's first lock file, when it had none: the next build
        // resolves the same versions.
        let lock = self.dir.join("Cargo.lock");
        if !lock.exists() && self.root.join("Cargo.lock").is_file() {
            std::fs::copy(self.root.join("Cargo.lock"), &lock)
                .with_context(|| format!("writing {}", lock.display()))?;
        }
        std::fs::remove_dir_all(&self.root).with_context(|| format!("removing {}", self.root.display()))?;
        Ok(Built {
            crate_dir: target,
            component,
            changed: true,
        })
    }
}

/// Rewrites every relative `path = "..."` of these dependency entries as
/// an absolute path under `base`.
fn absolute_paths<'a>(entries: impl Iterator<Item = &'a mut toml::Value>, base: &Path) {
    for entry in entries {
        if let toml::Value::Table(entry) = entry
            && let Some(toml::Value::String(path)) = entry.get_mut("path")
            && Path::new(path.as_str()).is_relative()
        {
            *path = base.join(&*path).display().to_string();
        }
    }
}

/// Renames `from` to `to`; across file systems (the target directory may
/// be a link to another one), copies and removes.
fn move_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let copied = copy_dir(from, to);
    if let Err(e) = copied {
        let _ = std::fs::remove_dir_all(to);
        return Err(e.context(format!("moving {} to {}", from.display(), to.display())));
    }
    std::fs::remove_dir_all(from).with_context(|| format!("removing {}", from.display()))
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            copy_dir(&source, &dest)?;
        } else {
            std::fs::copy(&source, &dest).with_context(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

/// Builds every migration under `dir` whose component does not carry its
/// current source digest (each crate with cargo, each `.js` file with
/// componentize-qjs), and writes each component next to its source with
/// the digest embedded. Cargo's own progress and errors go to stderr.
pub fn build(dir: &Path, quiet: bool) -> anyhow::Result<Vec<Built>> {
    build_with(dir, quiet, &Silent)
}

/// [`build`], reporting to `progress` each migration built (cargo's own
/// progress lines are left out while it is shown).
pub fn build_with(dir: &Path, quiet: bool, progress: &dyn Progress) -> anyhow::Result<Vec<Built>> {
    let crates = crates(dir)?;
    let scripts = scripts(dir)?;
    if crates.is_empty() && scripts.is_empty() {
        bail!(
            "no migrations to build in {} (a migration is a crate, a directory with a Cargo.toml, or a .js file)",
            dir.display()
        );
    }
    let mut built = if crates.is_empty() {
        Vec::new()
    } else {
        build_crates(dir, crates, quiet, progress)?
    };
    built.extend(js::build(dir, scripts, quiet, progress)?);
    built.sort_by(|a, b| a.crate_dir.cmp(&b.crate_dir));
    Ok(built)
}

/// The migrations under `dir` (crates and `.js` files) whose component is
/// missing or does not carry the source's current digest: edited, or never
/// built.
pub fn outdated(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut outdated = Vec::new();
    for krate in crates(dir)? {
        let digest =
            identity::crate_digest(&krate).with_context(|| format!("reading the source of {}", krate.display()))?;
        if !carries(&component_of(dir, &krate), &digest) {
            outdated.push(krate);
        }
    }
    for script in scripts(dir)? {
        if !js::current(&script)?.2 {
            outdated.push(script);
        }
    }
    outdated.sort();
    Ok(outdated)
}

/// Whether the component at `component` carries `digest` (one that cannot
/// be read does not).
fn carries(component: &Path, digest: &str) -> bool {
    std::fs::read(component)
        .ok()
        .and_then(|bytes| identity::read(&bytes).ok().flatten())
        .is_some_and(|embedded| embedded.digest == digest)
}

/// `<dir>/<crate dir>.wasm`.
fn component_of(dir: &Path, krate: &Path) -> PathBuf {
    let name = krate
        .file_name()
        .expect("a crate directory has a name")
        .to_string_lossy();
    dir.join(format!("{name}.wasm"))
}

/// [`build`] for the crates.
fn build_crates(dir: &Path, crates: Vec<PathBuf>, quiet: bool, progress: &dyn Progress) -> anyhow::Result<Vec<Built>> {
    let mut built = Vec::new();
    let mut stale = Vec::new();
    for krate in crates {
        let digest =
            identity::crate_digest(&krate).with_context(|| format!("reading the source of {}", krate.display()))?;
        let component = component_of(dir, &krate);
        // A component that cannot be read back is simply built again.
        if carries(&component, &digest) {
            built.push(Built {
                crate_dir: krate,
                component,
                changed: false,
            });
        } else {
            stale.push((krate, component, digest));
        }
    }
    if stale.is_empty() {
        return Ok(built);
    }
    check_target_installed()?;
    let target_dir = dir.join("target");
    let workspace = dir.join("Cargo.toml");
    let remap = remap_flags(dir)?;
    let mut artifacts = BTreeMap::new();
    progress.start("building migration crates", stale.len() as u64);
    let finish = crate::progress::Finish(progress);
    // Each migration crate cargo finishes is a step (its dependencies are not).
    let stale_dirs: Vec<PathBuf> = stale
        .iter()
        .map(|(krate, ..)| krate.canonicalize().unwrap_or_else(|_| krate.clone()))
        .collect();
    let mut on_artifact = |crate_dir: &Path| {
        if let Some(krate) = stale_dirs.iter().find(|k| *k == crate_dir) {
            let name = krate.file_name().unwrap_or_default().to_string_lossy();
            progress.advance(1, &name);
        }
    };
    if workspace.is_file() {
        let packages: Option<Vec<String>> = stale.iter().map(|(krate, ..)| package_name(krate)).collect();
        artifacts.extend(cargo_build(
            &workspace,
            &target_dir,
            Some(packages),
            &remap,
            quiet,
            progress.shown(),
            &mut on_artifact,
        )?);
    } else {
        for (krate, ..) in &stale {
            artifacts.extend(cargo_build(
                &krate.join("Cargo.toml"),
                &target_dir,
                None,
                &remap,
                quiet,
                progress.shown(),
                &mut on_artifact,
            )?);
        }
    }
    drop(finish);
    // Every crate must have produced a component before any is written.
    let mut outputs = Vec::new();
    for (krate, component, digest) in stale {
        let canonical = krate
            .canonicalize()
            .with_context(|| format!("resolving {}", krate.display()))?;
        let Some(wasm) = artifacts.get(&canonical) else {
            bail!(
                "cargo built no component for {}: is its crate-type \"cdylib\"?",
                krate.display()
            );
        };
        let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
        let bytes = identity::embed(&bytes, &digest).with_context(|| {
            format!(
                "embedding the source digest of {} in {}",
                krate.display(),
                wasm.display()
            )
        })?;
        outputs.push((krate, component, bytes));
    }
    for (krate, component, bytes) in outputs {
        let changed = write_if_changed(&bytes, &component)?;
        built.push(Built {
            crate_dir: krate,
            component,
            changed,
        });
    }
    built.sort_by(|a, b| a.crate_dir.cmp(&b.crate_dir));
    Ok(built)
}

/// The package a crate's manifest names, for `cargo build -p`.
fn package_name(krate: &Path) -> Option<String> {
    let text = std::fs::read_to_string(krate.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    Some(manifest.get("package")?.get("name")?.as_str()?.to_owned())
}

/// `--remap-path-prefix` flags that write every path the compiler embeds
/// (panic locations, mostly) relative to `dir` instead of where it lies:
/// `dir` itself becomes `.`, each of its ancestors but `/` becomes `..`,
/// `../..` and so on (so a path dependency beside it, `../plugins/rust`,
/// reads the same from any clone), and cargo's and rustup's homes, given
/// last so that they win, become `cargo-home` and `rustup-home`.
fn remap_flags(dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))?;
    let mut remaps: Vec<(PathBuf, String)> = dir
        .ancestors()
        .enumerate()
        .filter(|(_, ancestor)| ancestor.parent().is_some())
        .map(|(up, ancestor)| {
            let to = if up == 0 {
                ".".to_owned()
            } else {
                vec![".."; up].join("/")
            };
            (ancestor.to_owned(), to)
        })
        .collect();
    // The outermost first: when several match, rustc applies the last.
    remaps.reverse();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let tool_home = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(default)))
    };
    for (home, to) in [
        (tool_home("CARGO_HOME", ".cargo"), "cargo-home"),
        (tool_home("RUSTUP_HOME", ".rustup"), "rustup-home"),
    ] {
        if let Some(home) = home {
            let home = home.canonicalize().unwrap_or(home);
            remaps.push((home, to.to_owned()));
        }
    }
    Ok(remaps
        .into_iter()
        .map(|(from, to)| format!("--remap-path-prefix={}={to}", from.display()))
        .collect())
}

/// Runs cargo and returns crate directory → built `.wasm`, from cargo's JSON messages.
/// In a workspace, `packages` are the ones to build (all of them when a
/// name could not be read). `on_artifact` hears of each crate directory
/// whose component cargo finished, as it finishes; with `no_status`
/// (our progress is on the terminal), cargo prints its diagnostics but not
/// its own progress.
fn cargo_build(
    manifest: &Path,
    target_dir: &Path,
    packages: Option<Option<Vec<String>>>,
    remap: &[String],
    quiet: bool,
    no_status: bool,
    on_artifact: &mut dyn FnMut(&Path),
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
    match packages {
        Some(Some(packages)) => {
            for package in packages {
                command.arg("--package").arg(package);
            }
        }
        Some(None) => {
            command.arg("--workspace");
        }
        None => {}
    }
    add_rustflags(&mut command, remap);
    if quiet || no_status {
        command.arg("--quiet");
    }
    let mut child = command
        .spawn()
        .context("running cargo (is the Rust toolchain installed?)")?;
    // Piped stderr is read on its own thread, so that neither pipe fills
    // while the other is read.
    let stderr_reader = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = std::io::Read::read_to_end(&mut stderr, &mut text);
            text
        })
    });
    let mut artifacts = BTreeMap::new();
    let stdout = child.stdout.take().expect("cargo's stdout is piped");
    for line in std::io::BufRead::split(std::io::BufReader::new(stdout), b'\n') {
        let line = line.context("reading cargo's output")?;
        if let Some((crate_dir, wasm)) = cdylib_artifact(&line) {
            on_artifact(&crate_dir);
            artifacts.insert(crate_dir, wasm);
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    let stderr = stderr_reader
        .map(|reader| reader.join().unwrap_or_default())
        .unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
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
    Ok(artifacts)
}

/// The crate directory and the `.wasm` of a `compiler-artifact` message
/// of cargo for a `cdylib`.
fn cdylib_artifact(line: &[u8]) -> Option<(PathBuf, PathBuf)> {
    let message = serde_json::from_slice::<serde_json::Value>(line).ok()?;
    if message["reason"] != "compiler-artifact" {
        return None;
    }
    let is_cdylib = message["target"]["kind"]
        .as_array()
        .is_some_and(|k| k.iter().any(|k| k == "cdylib"));
    let wasm = message["filenames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str())
        .find(|f| f.ends_with(".wasm"))?;
    let crate_dir = message["manifest_path"].as_str().and_then(|m| Path::new(m).parent())?;
    if !is_cdylib {
        return None;
    }
    let crate_dir = crate_dir.canonicalize().unwrap_or_else(|_| crate_dir.to_owned());
    Some((crate_dir, PathBuf::from(wasm)))
}

/// Adds `flags` to the rustflags of the build for [`TARGET`], keeping the
/// user's: appended to `CARGO_ENCODED_RUSTFLAGS` or `RUSTFLAGS` when one is
/// set (cargo then reads no others), else given as
/// `target.wasm32-wasip2.rustflags` on the command line, which cargo merges
/// with the same key of its configuration files.
fn add_rustflags(command: &mut Command, flags: &[String]) {
    let encoded = std::env::var("CARGO_ENCODED_RUSTFLAGS").ok();
    let plain = std::env::var("RUSTFLAGS").ok();
    let existing: Option<Vec<String>> = match (encoded, plain) {
        (Some(encoded), _) => Some(
            encoded
                .split('\x1f')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        (None, Some(plain)) => Some(plain.split_whitespace().map(str::to_owned).collect()),
        (None, None) => None,
    };
    match existing {
        Some(mut all) => {
            all.extend(flags.iter().cloned());
            command.env("CARGO_ENCODED_RUSTFLAGS", all.join("\x1f"));
        }
        None => {
            // A JSON array of strings is a TOML array of strings.
            let array = serde_json::to_string(flags).expect("strings serialize");
            command
                .arg("--config")
                .arg(format!("target.{TARGET}.rustflags={array}"));
        }
    }
}

/// Writes through a temporary file and a rename, so that `apply` never
/// reads a half-written component; leaves an identical file untouched.
fn write_if_changed(bytes: &[u8], to: &Path) -> anyhow::Result<bool> {
    if std::fs::read(to).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    let tmp = to.with_extension(format!("wasm.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staging_workspace_has_the_workspace_settings_and_one_member() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nresolver = \"3\"\nmembers = [\"*\"]\nexclude = [\"target\", \"sdk\"]\n\n\
             [workspace.dependencies]\nmigrate-plugin = { path = \"sdk/plugins/rust\" }\n\
             helper = { path = \"/abs/helper\" }\nserde = \"1\"\n\n\
             [patch.crates-io]\nwit-bindgen = { path = \"../vendored/wit-bindgen\" }\n\n\
             [profile.release]\nstrip = true\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), "# the lock\n").unwrap();
        let staged = Staged::new(dir.path(), "20261201000000_x").unwrap();
        let base = dir.path().canonicalize().unwrap();
        assert_eq!(
            staged.root(),
            dir.path().join("target/migrate-host-staging/20261201000000_x")
        );
        assert_eq!(staged.crate_dir(), staged.root().join("20261201000000_x"));
        let manifest: toml::Table = std::fs::read_to_string(staged.root().join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let workspace = manifest["workspace"].as_table().unwrap();
        assert_eq!(
            workspace["members"].as_array().unwrap(),
            &[toml::Value::from("20261201000000_x")]
        );
        assert!(!workspace.contains_key("exclude"));
        assert_eq!(workspace["resolver"].as_str(), Some("3"));
        let dependencies = workspace["dependencies"].as_table().unwrap();
        assert_eq!(
            dependencies["migrate-plugin"]["path"].as_str().unwrap(),
            base.join("sdk/plugins/rust").display().to_string()
        );
        assert_eq!(dependencies["helper"]["path"].as_str(), Some("/abs/helper"));
        assert_eq!(dependencies["serde"].as_str(), Some("1"));
        assert_eq!(
            manifest["patch"]["crates-io"]["wit-bindgen"]["path"].as_str().unwrap(),
            base.join("../vendored/wit-bindgen").display().to_string()
        );
        assert_eq!(manifest["profile"]["release"]["strip"].as_bool(), Some(true));
        assert_eq!(
            std::fs::read_to_string(staged.root().join("Cargo.lock")).unwrap(),
            "# the lock\n"
        );
    }

    #[test]
    fn a_directory_whose_manifest_is_not_a_workspace_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        let error = format!("{:#}", Staged::new(dir.path(), "x").unwrap_err());
        assert!(error.contains("is not a cargo workspace"), "{error}");
    }
}
