//! Runs migration components: one wasmtime engine per process, a fresh store
//! and instance per call, and the sandbox every migration runs in.
//!
//! The sandbox: WASI preview 2 is linked (Rust's std imports it) but grants
//! nothing: no preopened directories, no environment, no arguments, no
//! sockets; the clocks are frozen at the Unix epoch and randomness is a fixed
//! seed, so a migration cannot observe the machine and runs the same every
//! time. Its output goes to a bounded buffer shown with errors and in
//! verbose mode. Budgets ([`Limits`]): fuel for CPU, a memory cap, a
//! wall-clock deadline (epoch interruption) and caps on host calls.
//!
//! It owns the WIT bindings ([`wit`], wasmtime's `bindgen!`) and their
//! conversion to and from the host's [`crate::model`] ([`convert`]): the
//! generated types stop at the imports' arguments and results and the
//! exports' returns, and the rest of the host never sees them.
//!
//! This module does not open transactions or record history (that is
//! `migrator/`), and builds no SQL (that is `actions/`).

mod cache;
mod convert;
mod host;
pub mod limits;
mod output;
pub mod session;
mod wit;

use crate::model::RevisionInfo;
use crate::policy::Grant;
pub use crate::policy::Limits;
use anyhow::Context as _;
use convert::Convert as _;
use host::HostState;
pub use limits::LimitExceeded;
use session::{ActionFailure, Session};
use std::path::PathBuf;
use std::time::Duration;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, Store, Trap};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx};
use wit::{MigrationComponent, MigrationComponentPre};

/// How often the epoch advances; the wall-clock deadline's resolution.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// How much guest output (stdout and stderr together) is kept.
const OUTPUT_CAPACITY: usize = 64 << 10;

pub use crate::model::Direction;

/// A component compiled and checked against the contract, metadata not read yet.
pub struct CompiledComponent {
    pre: MigrationComponentPre<HostState>,
    sha256: String,
}

/// A migration component with its metadata; its code is compiled (or mapped
/// from the cache) when first needed. One whose metadata the cache holds is
/// not touched until it runs, so a directory of applied migrations costs
/// little more than hashing it.
pub struct LoadedComponent {
    pub info: RevisionInfo,
    /// The revisions it replaces (a squash migration's; exported through
    /// the optional `squash` interface), in chain order; empty for others.
    pub replaces: Vec<String>,
    sha256: String,
    /// The component's file, read again (and checked against `sha256`) only
    /// if the cache no longer holds its compiled code. None: `pre` is set.
    file: Option<PathBuf>,
    pre: std::sync::OnceLock<MigrationComponentPre<HostState>>,
}

/// What a successful run did.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// The SQL statements run (or, in a dry run, that would run).
    pub statements: Vec<String>,
    /// What the guest printed.
    pub output: String,
    /// In a dry run, the steps the guest took (actions, `execute`
    /// statements, lint suppressions), in order, for the lint.
    pub steps: Vec<crate::lint::Step>,
    /// The session's transaction opening, if no statement sent it (the
    /// caller sends it before it commits).
    pub unsent_opening: Option<String>,
    /// The migration took more than one step (`migration_steps` holds
    /// their progress until its record commits).
    pub stepped: bool,
}

/// Why a run failed. The transaction must be rolled back by the caller.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{direction} returned an error: {message}")]
    Returned { direction: Direction, message: String },
    #[error("{direction} returned success after a failed call, which aborted its transaction: {0}", .failure)]
    IgnoredFailure {
        direction: Direction,
        failure: ActionFailure,
    },
    #[error("{0}")]
    Limit(String),
    #[error("loading the component: {0}")]
    Load(String),
    #[error("trapped: {0}")]
    Trap(String),
}

/// A failed run with what the guest printed, for the error message.
#[derive(Debug, thiserror::Error)]
#[error("{error}{}", output_suffix(.output))]
pub struct RunFailure {
    pub error: RunError,
    pub output: String,
    /// The SQLSTATE of the first call that failed, if one did (a guest that
    /// returns an error usually passes its call's on).
    pub sqlstate: Option<String>,
}

impl RunFailure {
    /// Whether it failed waiting for a lock (`lock_timeout`, SQLSTATE
    /// 55P03): worth another try once the lock is free.
    pub fn is_lock_timeout(&self) -> bool {
        self.sqlstate.as_deref() == Some("55P03")
    }
}

fn output_suffix(output: &str) -> String {
    let output = output.trim_end();
    if output.is_empty() {
        String::new()
    } else {
        format!("\nmigration output:\n{output}")
    }
}

/// Where a granted data directory appears to the guest.
pub const DATA_DIR: &str = "/data";

/// Stops [`Runtime::prepare_ahead`]'s thread when dropped.
pub struct PrepareAhead {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for PrepareAhead {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    limits: Limits,
    /// Compiled components by content; none: compile every time.
    cache: Option<cache::ComponentCache>,
}

impl Runtime {
    /// Builds the engine and linker. `cache_dir` keeps compiled components
    /// (keyed by content and engine settings) so that an unchanged migration
    /// is compiled once, not on every run.
    pub fn new(limits: Limits, cache_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.consume_fuel(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(anyhow::Error::from)?;
        let cache = cache_dir.map(|dir| cache::ComponentCache::new(dir, &engine));
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
        MigrationComponent::add_to_linker::<_, HasSelf<HostState>>(&mut linker, |state| state)
            .map_err(anyhow::Error::from)?;
        spawn_epoch_ticker(&engine);
        Ok(Runtime {
            engine,
            linker,
            limits,
            cache,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Compiles a component, checks that it is a migration of this contract,
    /// and reads its metadata.
    pub async fn load(&self, bytes: &[u8]) -> anyhow::Result<LoadedComponent> {
        self.load_with(bytes, &self.limits).await
    }

    /// [`Runtime::load`], reading the metadata under `limits` (a sandboxed
    /// source's, so that even `metadata` cannot spin past them).
    pub async fn load_with(&self, bytes: &[u8], limits: &Limits) -> anyhow::Result<LoadedComponent> {
        let compiled = self.compile(bytes, &crate::digest::checksum(bytes))?;
        self.finish(compiled, limits).await
    }

    /// The CPU-bound half of loading (compile or map from the cache, check
    /// the imports and exports): synchronous, so that callers can spread
    /// many components over threads. `sha256` is the hex digest of `bytes`.
    pub fn compile(&self, bytes: &[u8], sha256: &str) -> anyhow::Result<CompiledComponent> {
        if !bytes.starts_with(b"\0asm") {
            anyhow::bail!("not a WebAssembly file (it does not start with the wasm magic number)");
        }
        let component = match &self.cache {
            Some(cache) => cache.component(&self.engine, bytes, sha256),
            None => Component::new(&self.engine, bytes).map_err(anyhow::Error::from),
        }
            .context("not a valid WebAssembly component (a core module must be turned into a component, e.g. by building for wasm32-wasip2)")?;
        Ok(CompiledComponent {
            pre: self.link(&component)?,
            sha256: sha256.to_owned(),
        })
    }

    fn link(&self, component: &Component) -> anyhow::Result<MigrationComponentPre<HostState>> {
        let pre = self
            .linker
            .instantiate_pre(component)
            .map_err(anyhow::Error::from)
            .context("not a migration for this host: its imports do not match the migrate:host@0.1.0 contract")?;
        MigrationComponentPre::new(pre)
            .map_err(anyhow::Error::from)
            .context("not a migration for this host: it does not export the migrate:host@0.1.0 `migration` interface")
    }

    /// The other half: reads and checks the metadata, under `limits`, and
    /// keeps it in the cache (by content, engine and contract) so that the
    /// next run can skip both halves until the component runs.
    pub async fn finish(&self, compiled: CompiledComponent, limits: &Limits) -> anyhow::Result<LoadedComponent> {
        let (info, replaces) = self.read_metadata(&compiled.pre, limits).await?;
        validate_info(&info, &replaces)?;
        if let Some(cache) = &self.cache {
            cache.store_info(&compiled.sha256, &info, &replaces);
        }
        Ok(LoadedComponent {
            info,
            replaces,
            sha256: compiled.sha256,
            file: None,
            pre: compiled.pre.into(),
        })
    }

    /// The component in `file` (whose bytes hash to `sha256`) if the cache
    /// has its metadata: checked against this contract when it was stored,
    /// and compiled later, when it runs ([`Runtime::prepare`]).
    pub fn cached(&self, sha256: &str, file: &std::path::Path) -> Option<LoadedComponent> {
        let (info, replaces) = self.cache.as_ref()?.info(sha256)?;
        validate_info(&info, &replaces).ok()?;
        Some(LoadedComponent {
            info,
            replaces,
            sha256: sha256.to_owned(),
            file: Some(file.to_owned()),
            pre: std::sync::OnceLock::new(),
        })
    }

    /// The component's compiled code, ready to instantiate: mapped from the
    /// cache, or compiled from its file (which must still hold the bytes
    /// that were hashed) if the cache lost it. Done once per component.
    pub fn prepare<'c>(&self, component: &'c LoadedComponent) -> anyhow::Result<&'c MigrationComponentPre<HostState>> {
        if let Some(pre) = component.pre.get() {
            return Ok(pre);
        }
        let file = component
            .file
            .as_ref()
            .expect("a component without compiled code has a file");
        let mapped = self
            .cache
            .as_ref()
            .and_then(|cache| cache.mapped(&self.engine, &component.sha256));
        let pre = match mapped {
            Some(mapped) => self.link(&mapped)?,
            None => {
                let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
                if crate::digest::checksum(&bytes) != component.sha256 {
                    anyhow::bail!("{} changed while migrate-host was running", file.display());
                }
                self.compile(&bytes, &component.sha256)?.pre
            }
        };
        // (Two threads may race to prepare it; either result will do.)
        let _ = component.pre.set(pre);
        Ok(component.pre.get().expect("set just now"))
    }

    /// Prepares `components` in order on a thread of their own, while the
    /// caller runs the first ones; stops when the returned guard drops.
    pub fn prepare_ahead(
        self: &std::sync::Arc<Self>,
        components: Vec<std::sync::Arc<LoadedComponent>>,
    ) -> PrepareAhead {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        if components.iter().any(|c| c.pre.get().is_none()) {
            let (runtime, stopped) = (self.clone(), stop.clone());
            std::thread::spawn(move || {
                for component in components {
                    if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    // An error is reported when the component runs.
                    let _ = runtime.prepare(&component);
                }
            });
        }
        PrepareAhead { stop }
    }

    /// Instantiates the component afresh and calls its `metadata` export,
    /// and `squash.replaces` if it exports that, under the same limits as
    /// `up` and `down`.
    async fn read_metadata(
        &self,
        pre: &MigrationComponentPre<HostState>,
        limits: &Limits,
    ) -> anyhow::Result<(RevisionInfo, Vec<String>)> {
        let mut store = self.store(Session::detached(), &Grant::trusted(limits.clone()))?;
        let info = async {
            let instance = pre.instance_pre().instantiate_async(&mut store).await?;
            let bindings = MigrationComponent::new(&mut store, &instance)?;
            let info: RevisionInfo = bindings
                .migrate_host_migration()
                .call_metadata(&mut store)
                .await?
                .convert();
            let replaces = match instance.get_export_index(&mut store, None, SQUASH_INTERFACE) {
                None => Vec::new(),
                Some(interface) => {
                    let function = instance
                        .get_export_index(&mut store, Some(&interface), "replaces")
                        .ok_or_else(|| wasmtime::format_err!("it exports {SQUASH_INTERFACE} without `replaces`"))?;
                    let replaces = instance
                        .get_typed_func::<(), (Vec<String>,)>(&mut store, &function)
                        .map_err(|e| {
                            wasmtime::format_err!("its {SQUASH_INTERFACE} `replaces` has another type: {e}")
                        })?;
                    replaces.call_async(&mut store, ()).await?.0
                }
            };
            Ok::<_, wasmtime::Error>((info, replaces))
        };
        tokio::time::timeout(limits.timeout, info)
            .await
            .map_err(|_| anyhow::anyhow!("reading its metadata took longer than {:?}", limits.timeout))?
            .map_err(|e| anyhow::anyhow!("reading its metadata failed: {}", describe_trap(&e, limits)))
    }

    /// Instantiates a loaded component and reads its metadata again: the
    /// per-run cost once compilation is done (for benchmarks).
    pub async fn instantiate(&self, component: &LoadedComponent) -> anyhow::Result<RevisionInfo> {
        Ok(self.read_metadata(self.prepare(component)?, &self.limits).await?.0)
    }

    /// Runs `up` or `down` in a fresh instance. SQL goes through `session`,
    /// whose connection must already be inside the migration's transaction.
    pub async fn run(
        &self,
        component: &LoadedComponent,
        direction: Direction,
        session: Session,
    ) -> Result<RunOutcome, RunFailure> {
        self.run_granted(component, direction, session, &Grant::trusted(self.limits.clone()))
            .await
    }

    /// Runs `up` or `down` under a source's grant: its limits, its checks on
    /// every call, and its data directory.
    pub async fn run_granted(
        &self,
        component: &LoadedComponent,
        direction: Direction,
        session: Session,
        grant: &Grant,
    ) -> Result<RunOutcome, RunFailure> {
        let limits = &grant.limits;
        let client = session.client().cloned();
        let mut store = self.store(session, grant).map_err(|error| RunFailure {
            error: RunError::Trap(format!("{error:#}")),
            output: String::new(),
            sqlstate: None,
        })?;
        let revision = &component.info.revision;
        if grant.sandboxed() && direction == Direction::Up && !grant.acknowledged.contains(revision) {
            store.data_mut().unacknowledged = Some(revision.clone());
        }
        let pre = self.prepare(component).map_err(|error| RunFailure {
            error: RunError::Load(format!("{error:#}")),
            output: String::new(),
            sqlstate: None,
        })?;
        let call = async {
            let instance = pre.instantiate_async(&mut store).await?;
            let exports = instance.migrate_host_migration();
            match direction {
                Direction::Up => exports.call_up(&mut store).await,
                Direction::Down => exports.call_down(&mut store).await,
            }
        };
        let result = tokio::time::timeout(limits.timeout, call).await;
        let output = store.data().output.text();
        let sqlstate = store
            .data()
            .first_failure
            .as_ref()
            .and_then(|f| f.error.sqlstate())
            .map(str::to_owned);
        let fail = |error| RunFailure {
            error,
            output: output.clone(),
            sqlstate: sqlstate.clone(),
        };
        let returned = match result {
            Err(_elapsed) => {
                // The guest may be waiting on a statement: stop it on the server too.
                if let Some(client) = client {
                    crate::pg::cancel(&client).await;
                }
                return Err(fail(RunError::Limit(format!(
                    "exceeded its wall-clock limit of {:?} (raise it with --timeout, or in migrate.toml for a sandboxed source)",
                    limits.timeout
                ))));
            }
            Ok(Err(trap)) => {
                let message = describe_trap(&trap, limits);
                return Err(fail(if is_limit(&trap) {
                    RunError::Limit(message)
                } else {
                    RunError::Trap(message)
                }));
            }
            Ok(Ok(returned)) => returned,
        };
        let returned: Result<(), crate::model::Error> = returned.convert();
        let mut state = store.into_data();
        // The pipeline's last statements: a failure among them is reported
        // as the call's own would have been, had the guest passed it on.
        if returned.is_ok() && state.first_failure.is_none() && state.session.queued() {
            if let Err(failure) = state.session.flush().await {
                let sqlstate = failure.error.sqlstate().map(str::to_owned);
                return Err(RunFailure {
                    error: RunError::Returned {
                        direction,
                        message: failure.to_string(),
                    },
                    output,
                    sqlstate,
                });
            }
        }
        match (returned, state.first_failure) {
            (Err(error), _) => Err(fail(RunError::Returned {
                direction,
                message: error.message,
            })),
            (Ok(()), Some(failure)) => Err(fail(RunError::IgnoredFailure { direction, failure })),
            (Ok(()), None) => {
                if let Err(failure) = state.session.finish() {
                    return Err(fail(RunError::Returned {
                        direction,
                        message: failure.to_string(),
                    }));
                }
                let stepped = state.session.stepped();
                let (statements, steps, unsent_opening) = state.session.into_parts();
                Ok(RunOutcome {
                    statements,
                    output,
                    steps,
                    unsent_opening,
                    stepped,
                })
            }
        }
    }

    fn store(&self, session: Session, grant: &Grant) -> anyhow::Result<Store<HostState>> {
        let limits = &grant.limits;
        let output = output::GuestOutput::new(OUTPUT_CAPACITY);
        let mut wasi = WasiCtx::builder();
        wasi.stdout(output.clone())
            .stderr(output.clone())
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .insecure_random_seed(0)
            .secure_random(rand_core_fixed());
        // The one grant beyond the database: a directory to read, nothing else.
        if let Some(dir) = &grant.data_dir {
            wasi.preopened_dir(dir, DATA_DIR, wasmtime_wasi::FsPerms::ReadOnly)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("opening the data directory {}", dir.display()))?;
        }
        let state = HostState::new(wasi.build(), output, session, limits, grant.clone());
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        store
            .set_fuel(limits.fuel)
            .expect("fuel is enabled in the engine config");
        // Yield to the executor every tick so the wall-clock timeout can fire.
        store.epoch_deadline_async_yield_and_update(1);
        store.set_hostcall_fuel(limits.max_call_bytes.saturating_mul(2));
        Ok(store)
    }
}

/// Where compiled components are cached: `MIGRATE_HOST_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/migrate-host`, else `~/.cache/migrate-host`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MIGRATE_HOST_CACHE_DIR") {
        return Some(dir.into());
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("migrate-host"))
}

/// Whether `c`, in text a migration supplies, could move, hide or reorder
/// what a terminal shows: a control character (an ANSI escape, a carriage
/// return, a newline) or a bidirectional mark, override or isolate. Such
/// text is refused in a revision and escaped wherever it is printed.
pub fn moves_the_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The optional interface through which a squash migration names the
/// revisions it replaces.
const SQUASH_INTERFACE: &str = "migrate:host/squash@0.1.0";

fn validate_info(info: &RevisionInfo, replaces: &[String]) -> anyhow::Result<()> {
    let check = |what: &str, value: &str| -> anyhow::Result<()> {
        if value.is_empty() || value.len() > 128 || value.chars().any(moves_the_terminal) {
            anyhow::bail!(
                "its {what} {value:?} must be 1 to 128 bytes without control characters or direction overrides"
            );
        }
        Ok(())
    };
    check("revision", &info.revision)?;
    if let Some(parent) = &info.parent {
        check("parent revision", parent)?;
        if parent == &info.revision {
            anyhow::bail!("its revision {:?} names itself as its parent", info.revision);
        }
    }
    if info.message.len() > 4096 {
        anyhow::bail!("its message is {} bytes long; at most 4096", info.message.len());
    }
    for (i, replaced) in replaces.iter().enumerate() {
        check("replaced revision", replaced)?;
        if replaced == &info.revision || Some(replaced) == info.parent.as_ref() {
            anyhow::bail!(
                "it replaces {replaced:?}, which is its own revision or its parent (a squash replaces the migrations \
                 before it)"
            );
        }
        if replaces[..i].contains(replaced) {
            anyhow::bail!("it names {replaced:?} twice among the revisions it replaces");
        }
    }
    Ok(())
}

fn is_limit(error: &wasmtime::Error) -> bool {
    error.downcast_ref::<LimitExceeded>().is_some() || matches!(error.downcast_ref::<Trap>(), Some(Trap::OutOfFuel))
}

/// One line for a trap: the limit it hit, or the trap and where.
fn describe_trap(error: &wasmtime::Error, limits: &Limits) -> String {
    if let Some(limit) = error.downcast_ref::<LimitExceeded>() {
        return limit.to_string();
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => format!(
            "exceeded its CPU budget of {} fuel (about one unit per wasm instruction; raise it with --max-fuel)",
            limits.fuel
        ),
        Some(Trap::UnreachableCodeReached) => {
            "hit `unreachable` (a Rust guest panicked; its message, if any, is in the migration output)".into()
        }
        Some(Trap::StackOverflow) => "exhausted its call stack (unbounded recursion?)".into(),
        // Rust and C guests keep their stack in linear memory, below the
        // data: running off its end is an out-of-bounds access.
        Some(Trap::MemoryOutOfBounds) => {
            "accessed memory out of bounds (in a Rust or C guest usually a stack overflow: unbounded recursion)".into()
        }
        Some(trap) => trap.to_string(),
        // Not a trap: an instantiation or host error; its chain says what.
        None => error.chain().map(|e| e.to_string()).collect::<Vec<_>>().join(": "),
    }
}

/// Advances the engine's epoch while the engine lives.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("migrate-host-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}

/// A clock stopped at the Unix epoch: migrations see no time.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// The "secure" random source a migration sees: a fixed seed, so runs are
/// reproducible. Migrations have no business generating secrets.
fn rand_core_fixed() -> rand::rngs::StdRng {
    use rand::SeedableRng;
    rand::rngs::StdRng::seed_from_u64(0)
}
