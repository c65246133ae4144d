//! Measures what one component costs the host: compiling it (no cache),
//! loading it from the compiled-component cache, and instantiating it.
//! Run by bench/engine.sh; numbers mean something only in a release build.
//!
//!     cargo run --release --example component_costs -- migrations/X.wasm [runs]

use migrate_host::runtime::{Limits, Runtime};
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: component_costs FILE.wasm [RUNS]"))?;
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(20);
    let bytes = std::fs::read(&path)?;

    let uncached = Runtime::new(Limits::default(), None)?;
    let mut compile = Vec::new();
    for _ in 0..runs.min(5) {
        let started = Instant::now();
        uncached.load(&bytes).await?;
        compile.push(started.elapsed());
    }

    let cache = tempfile::tempdir()?;
    let cached = Runtime::new(Limits::default(), Some(cache.path().to_owned()))?;
    cached.load(&bytes).await?;
    let mut from_cache = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        cached.load(&bytes).await?;
        from_cache.push(started.elapsed());
    }

    let loaded = cached.load(&bytes).await?;
    let mut instantiate = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        cached.instantiate(&loaded).await?;
        instantiate.push(started.elapsed());
    }

    println!("component      {path} ({} KiB)", bytes.len() / 1024);
    println!(
        "compile        {:8.3} ms  (load without cache: compile, link, instantiate, metadata)",
        median(compile)
    );
    println!(
        "load, cached   {:8.3} ms  (the same, compiled code read from the cache)",
        median(from_cache)
    );
    println!(
        "instantiate    {:8.3} ms  (a fresh instance and its metadata call)",
        median(instantiate)
    );
    Ok(())
}
