//! Test migrations from `cargo test`: a scratch database made for one test
//! and dropped after it, and the moves a test needs (apply up to a revision,
//! insert data, apply the next migration, roll back, assert).
//!
//! ```ignore
//! let db = TestDatabase::create("migrations").await?;
//! db.apply_to("20261103090000").await?;
//! db.client().execute("INSERT INTO users (email) VALUES ('a@example.com')", &[]).await?;
//! db.apply_to("20261104090000").await?;
//! let slug: String = db.client().query_one("SELECT slug FROM posts", &[]).await?.get(0);
//! db.rollback(1).await?;
//! db.drop().await?;
//! ```
//!
//! The server comes from `MIGRATE_HOST_TEST_DATABASE_URL`, else
//! `DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/postgres`; the
//! role must be allowed to create databases.

use crate::migrator::{ApplyOptions, Error, Migrator, Report, RollbackOptions, RollbackTarget};
use crate::runtime::{Limits, Runtime, default_cache_dir};
use anyhow::Context as _;
use std::path::PathBuf;
use tokio_postgres::Client;

/// The server a test database is made on.
pub fn server_url() -> String {
    std::env::var("MIGRATE_HOST_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub use crate::pg::{connect, unique_name, with_database};

/// A database that exists for one test.
pub struct TestDatabase {
    name: String,
    server: String,
    url: String,
    migrator: Migrator,
    dropped: bool,
}

impl TestDatabase {
    /// Makes an empty database and a migrator over the components in `dir`.
    pub async fn create(dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        Self::create_with(dir, Limits::default()).await
    }

    pub async fn create_with(dir: impl Into<PathBuf>, limits: Limits) -> anyhow::Result<Self> {
        let server = server_url();
        let name = unique_name("migrate_test");
        let admin = connect(&server).await?;
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .with_context(|| format!("creating database {name}"))?;
        let url = with_database(&server, &name);
        let runtime = Runtime::new(limits, default_cache_dir())?;
        let migrator = Migrator::connect(runtime, &url, dir).await?;
        Ok(TestDatabase {
            name,
            server,
            url,
            migrator,
            dropped: false,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection string for this database (for running the CLI against it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A connection to the database, outside any migration.
    pub fn client(&self) -> &Client {
        self.migrator.client()
    }

    pub fn migrator(&self) -> &Migrator {
        &self.migrator
    }

    pub async fn apply_all(&self) -> Result<Report, Error> {
        self.migrator.apply(&ApplyOptions::default(), &mut |_| {}).await
    }

    /// Applies every pending migration up to and including `revision`.
    pub async fn apply_to(&self, revision: &str) -> Result<Report, Error> {
        self.migrator
            .apply(
                &ApplyOptions {
                    to: Some(revision.into()),
                    ..ApplyOptions::default()
                },
                &mut |_| {},
            )
            .await
    }

    /// Rolls back the newest `steps` migrations.
    pub async fn rollback(&self, steps: usize) -> Result<Report, Error> {
        let options = RollbackOptions {
            target: RollbackTarget::Steps(steps),
            dry_run: false,
            force: false,
            interrupted: None,
        };
        self.migrator.rollback(&options, &mut |_| {}).await
    }

    /// Rolls back until `revision` is the newest applied one.
    pub async fn rollback_to(&self, revision: &str) -> Result<Report, Error> {
        let options = RollbackOptions {
            target: RollbackTarget::To(revision.into()),
            dry_run: false,
            force: false,
            interrupted: None,
        };
        self.migrator.rollback(&options, &mut |_| {}).await
    }

    /// Drops the database. Dropping a `TestDatabase` without calling this
    /// drops it too, from a helper thread.
    pub async fn drop(mut self) -> anyhow::Result<()> {
        self.dropped = true;
        drop_database(&self.server, &self.name).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop may run inside a runtime that cannot block: use a thread of our own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(drop_database(&server, &name)).ok()
        })
        .join();
    }
}

async fn drop_database(server: &str, name: &str) -> anyhow::Result<()> {
    let admin = connect(server).await?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .with_context(|| format!("dropping database {name}"))?;
    // Roles outlive databases; one left behind is harmless to the next test.
    let _ = crate::migrator::drop_roles(&admin, name).await;
    Ok(())
}
