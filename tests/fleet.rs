//! A fleet end to end: three PostgreSQL servers of the suite's own
//! (initdb, pg_ctl), started once for every test here and stopped when the
//! test process exits. Each test spreads 30 databases over them (ten each,
//! listed by a query) and a database with a schema for each of 20 tenants,
//! runs the binary over the 50 targets with the example's four migrations,
//! and drops what it made.

mod support;

use assert_cmd::Command;
use migrate_host::actions::Action;
use migrate_host::model::QualifiedName;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use support::cluster::Cluster;
use support::*;
use tokio_postgres::{Client, NoTls};

const HEAD: &str = "20261104090000";
const REVISIONS: [&str; 4] = ["20261101090000", "20261102090000", "20261103090000", HEAD];
const DATABASES: usize = 30;
const TENANTS: usize = 20;

/// The servers, kept until the test process exits (a static is never
/// dropped, so `atexit` stops them).
static CLUSTERS: Mutex<Option<Vec<Cluster>>> = Mutex::new(None);

extern "C" fn stop_clusters() {
    if let Ok(mut clusters) = CLUSTERS.lock() {
        clusters.take();
    }
}

/// The three servers' ports, started on first use.
fn ports() -> [u16; 3] {
    static PORTS: OnceLock<[u16; 3]> = OnceLock::new();
    *PORTS.get_or_init(|| {
        let hba = "local all all trust\nhost all all 127.0.0.1/32 trust\n";
        let clusters: Vec<Cluster> = std::thread::scope(|scope| {
            let started: Vec<_> = (0..3)
                .map(|_| scope.spawn(|| Cluster::start("max_connections = 100", hba, &[])))
                .collect();
            started.into_iter().map(|s| s.join().unwrap()).collect()
        });
        let ports = [clusters[0].port, clusters[1].port, clusters[2].port];
        *CLUSTERS.lock().unwrap() = Some(clusters);
        // SAFETY: registers a plain function, which only drops the clusters.
        assert_eq!(unsafe { libc::atexit(stop_clusters) }, 0);
        ports
    })
}

fn url(port: u16, database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/{database}")
}

async fn connect(port: u16, database: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(&url(port, database), NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// One target: a database, or a tenant of the tenants' database.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Target {
    /// Its name in the output.
    name: String,
    port: u16,
    database: String,
    tenant: Option<String>,
}

impl Target {
    /// Its history table.
    fn history(&self) -> String {
        format!("{}.migration_info", self.tenant.as_deref().unwrap_or("public"))
    }
}

/// 30 databases over the three servers and 20 tenants in a database on
/// the first, all named after the test; the example's migrations; a
/// targets file that lists them all by query.
struct Fleet {
    prefix: String,
    targets: Vec<Target>,
    scratch: Scratch,
    files: tempfile::TempDir,
    /// A connection to each database, for looking.
    clients: HashMap<(u16, String), Arc<Client>>,
}

impl Fleet {
    async fn new(prefix: &str) -> Fleet {
        let ports = ports();
        let mut targets = Vec::new();
        let mut made = Vec::new();
        for (s, &port) in ports.iter().enumerate() {
            let admin = connect(port, "postgres").await;
            for i in 0..DATABASES / 3 {
                let database = format!("{prefix}_{:02}", s * 10 + i);
                admin
                    .batch_execute(&format!("CREATE DATABASE {database}"))
                    .await
                    .unwrap();
                targets.push(Target {
                    name: format!("s{s}/{database}"),
                    port,
                    database: database.clone(),
                    tenant: None,
                });
                made.push((port, database));
            }
        }
        let saas = format!("{prefix}_saas");
        connect(ports[0], "postgres")
            .await
            .batch_execute(&format!("CREATE DATABASE {saas}"))
            .await
            .unwrap();
        made.push((ports[0], saas.clone()));
        let mut clients = HashMap::new();
        for (port, database) in made {
            let client = connect(port, &database).await;
            clients.insert((port, database), Arc::new(client));
        }
        let tenants_db = clients[&(ports[0], saas.clone())].clone();
        for i in 0..TENANTS {
            let tenant = format!("t{i:02}");
            tenants_db
                .batch_execute(&format!("CREATE SCHEMA {tenant}"))
                .await
                .unwrap();
            targets.push(Target {
                name: format!("saas/{tenant}"),
                port: ports[0],
                database: saas.clone(),
                tenant: Some(tenant),
            });
        }
        let fleet = Fleet {
            prefix: prefix.to_owned(),
            targets,
            scratch: Scratch::with_example(),
            files: tempfile::tempdir().unwrap(),
            clients,
        };
        let mut file = String::new();
        for (s, port) in ports.iter().enumerate() {
            file.push_str(&format!(
                "[[server]]\nname = \"s{s}\"\nurl = \"{}\"\nquery = \"SELECT datname FROM pg_database WHERE datname \
                 ~ '^{prefix}_[0-9]+$' ORDER BY 1\"\n\n",
                url(*port, "postgres")
            ));
        }
        file.push_str(&format!(
            "[[tenants]]\nname = \"saas\"\nurl = \"{}\"\nquery = \"SELECT nspname FROM pg_namespace WHERE nspname ~ \
             '^t[0-9]+$' ORDER BY 1\"\n",
            url(ports[0], &saas)
        ));
        fleet.write("targets.toml", &file);
        fleet
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.files.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn targets_file(&self) -> PathBuf {
        self.files.path().join("targets.toml")
    }

    fn target(&self, name: &str) -> &Target {
        self.targets.iter().find(|t| t.name == name).unwrap()
    }

    fn client(&self, target: &Target) -> &Client {
        &self.clients[&(target.port, target.database.clone())]
    }

    /// The binary over the fleet's migrations, with `args`.
    fn cli(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("migrate-host").unwrap();
        cmd.env_remove("DATABASE_URL")
            .env_remove("RUST_BACKTRACE")
            .arg("--dir")
            .arg(self.scratch.path())
            .args(args);
        cmd
    }

    /// `command --targets FILE args...` over every target.
    fn run(&self, command: &str, args: &[&str]) -> std::process::Output {
        self.cli(&[command, "--targets"])
            .arg(self.targets_file())
            .args(args)
            .output()
            .unwrap()
    }

    /// `(revision, operation)` rows of a target's history, oldest first.
    async fn history(&self, target: &Target) -> Vec<(String, String)> {
        let client = self.client(target);
        let exists: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&target.history()])
            .await
            .unwrap()
            .get(0);
        if !exists {
            return Vec::new();
        }
        client
            .query(
                &format!("SELECT revision, operation FROM {} ORDER BY id", target.history()),
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    }

    /// The revisions a target applied, in order (each once, never rolled back).
    async fn applied(&self, target: &Target) -> Vec<String> {
        let history = self.history(target).await;
        assert!(
            history.iter().all(|(_, op)| op == "apply"),
            "{}: {history:?}",
            target.name
        );
        history.into_iter().map(|(r, _)| r).collect()
    }

    async fn drop(self) {
        drop(self.clients);
        for port in ports() {
            let admin = connect(port, "postgres").await;
            let rows = admin
                .query(
                    "SELECT datname::text FROM pg_database WHERE datname LIKE $1",
                    &[&format!("{}\\_%", self.prefix)],
                )
                .await
                .unwrap();
            for row in rows {
                let database: String = row.get(0);
                admin
                    .batch_execute(&format!("DROP DATABASE {database} WITH (FORCE)"))
                    .await
                    .unwrap();
            }
        }
    }
}

/// A session of another application's that holds `table` of `target`
/// against everything, until it rolls back.
async fn hold(target: &Target, table: &str) -> Client {
    let holder = connect(target.port, &target.database).await;
    holder
        .batch_execute(&format!("BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        .await
        .unwrap();
    holder
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The JSON a run printed, after checking its exit code.
fn json(out: &std::process::Output, code: i32) -> Value {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// Each target's report in a summary, by name.
fn reports(summary: &Value) -> HashMap<String, &Value> {
    summary["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t))
        .collect()
}

fn ran(report: &Value) -> Vec<&str> {
    report["ran"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_fleet_of_databases_and_tenants_is_applied_and_its_status_counted() {
    let fleet = Fleet::new("fleet_full").await;
    let out = fleet.run("status", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("50 target(s); the newest migration is 20261104090000"),
        "{stdout}"
    );
    assert!(stdout.contains("(none)  50 target(s)"), "{stdout}");
    assert!(stdout.contains("saas/t07  at (none), 4 pending"), "{stdout}");

    // Three migrations everywhere, then rows in two tenants, then the data
    // migration: its query and updates see each tenant's own rows.
    let out = fleet.run("apply", &["--to", REVISIONS[2], "--parallel", "6", "--per-server", "3"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let saas = fleet.target("saas/t00");
    fleet
        .client(saas)
        .batch_execute(
            "INSERT INTO t00.users (id, email) VALUES (1, 'a@t00'); INSERT INTO t00.posts (author_id, title) VALUES \
             (1, 'Hello Zero'); INSERT INTO t01.users (id, email) VALUES (1, 'a@t01'); INSERT INTO t01.posts \
             (author_id, title) VALUES (1, 'Hello One'), (1, 'Again')",
        )
        .await
        .unwrap();
    let summary = json(
        &fleet.run("apply", &["--parallel", "6", "--per-server", "3", "--json"]),
        0,
    );
    let by_name = reports(&summary);
    assert_eq!(by_name.len(), 50);
    for target in &fleet.targets {
        let report = by_name[&target.name];
        assert_eq!(report["outcome"], "ok", "{report}");
        assert_eq!(report["before"], REVISIONS[2]);
        assert_eq!(report["after"], HEAD);
        assert_eq!(ran(report), [HEAD]);
        assert_eq!(fleet.applied(target).await, REVISIONS, "{}", target.name);
    }
    let slugs = |schema: &str| format!("SELECT string_agg(slug, ',' ORDER BY id) FROM {schema}.posts");
    let slug: String = fleet.client(saas).query_one(&slugs("t00"), &[]).await.unwrap().get(0);
    assert_eq!(slug, "hello-zero-1");
    let slug: String = fleet.client(saas).query_one(&slugs("t01"), &[]).await.unwrap().get(0);
    assert_eq!(slug, "hello-one-1,again-2");
    // Every tenant's objects, and its history, in its own schema; none in public.
    let public: Vec<String> = fleet
        .client(saas)
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(public.is_empty(), "{public:?}");
    let foreign: i64 = fleet
        .client(saas)
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' \
             AND conrelid::regclass::text ~ '^t' AND split_part(conrelid::regclass::text, '.', 1) \
             <> split_part(confrelid::regclass::text, '.', 1)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(foreign, 0, "a tenant's foreign key points into another schema");

    // Run again: nothing is done twice.
    let summary = json(&fleet.run("apply", &["--json"]), 0);
    assert!(
        reports(&summary)
            .values()
            .all(|r| ran(r).is_empty() && r["after"] == HEAD)
    );
    // The same targets from migrate.toml's [targets].
    let targets = std::fs::read_to_string(fleet.targets_file()).unwrap();
    let config = fleet.write(
        "migrate.toml",
        &targets
            .replace("[[server]]", "[[targets.server]]")
            .replace("[[tenants]]", "[[targets.tenants]]"),
    );
    let out = fleet
        .cli(&["status", "--targets", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("20261104090000  50 target(s)"));
    assert!(text(&out.stdout).contains("status: 50 of 50 target(s) at head (exit 0)"));

    // check: the declared schema is what the migrations make; the databases
    // are compared with it, the tenants' migrations with their histories.
    let schema = fleet.files.path().join("schema.sql");
    let one = fleet.target("s1/fleet_full_12");
    let dump = std::process::Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--exclude-table=public.migration_info",
            "-f",
        ])
        .arg(&schema)
        .arg(url(one.port, &one.database))
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", text(&dump.stderr));
    let check = |extra: &[&str]| {
        fleet
            .cli(&["check", "--schema"])
            .arg(&schema)
            .arg("--targets")
            .arg(fleet.targets_file())
            .args(extra)
            .output()
            .unwrap()
    };
    let out = check(&[]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("check: 50 of 50 target(s) in sync (exit 0)"));
    assert!(text(&out.stdout).contains("saas/t04  in sync; schema not compared (a tenant)  (exit 0)"));
    // A database that drifted from the declared schema.
    let drifted = fleet.target("s0/fleet_full_05");
    fleet
        .client(drifted)
        .batch_execute("ALTER TABLE users ADD COLUMN nickname text")
        .await
        .unwrap();
    let out = check(&["-v"]);
    assert_eq!(out.status.code(), Some(2), "{}{}", text(&out.stdout), text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "s0/fleet_full_05  the database differs from {} (1 step(s))  (exit 2)\n      drop-column \
             public.users.nickname",
            schema.display()
        )),
        "{stdout}"
    );

    // One database behind, one tenant whose applied migration changed,
    // and a database that is not there.
    let behind = fleet.target("s2/fleet_full_25");
    let out = fleet
        .cli(&["rollback", "--database-url", &url(behind.port, &behind.database)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let changed = fleet.target("saas/t13");
    fleet
        .client(changed)
        .batch_execute(&format!(
            "UPDATE t13.migration_info SET checksum = 'forged', source_digest = 'forged' WHERE revision = '{}'",
            REVISIONS[0]
        ))
        .await
        .unwrap();
    let out = fleet.run("status", &[]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = text(&out.stdout);
    for expected in [
        "20261104090000  49 target(s)",
        "20261103090000  1 target(s)",
        "behind (1):\n  s2/fleet_full_25  at 20261103090000, 1 pending",
        "changed (1):\n  saas/t13  CHANGED 20261101090000",
        "status: 48 of 50 target(s) at head (exit 3)",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    let status = json(&fleet.run("status", &["--json"]), 3);
    assert_eq!(status["head"], HEAD);
    let out = check(&["--json"]);
    let report = json(&out, 3);
    let verdicts: HashMap<&str, u64> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["exit_code"].as_u64().unwrap()))
        .collect();
    assert_eq!(verdicts["s2/fleet_full_25"], 3);
    assert_eq!(verdicts["saas/t13"], 3);
    assert_eq!(verdicts["s0/fleet_full_05"], 2);
    assert_eq!(verdicts.values().filter(|&&v| v == 0).count(), 47);
    let missing = fleet.write(
        "missing.toml",
        &format!(
            "databases = [\"{}\", {{ name = \"gone\", url = \"{}\" }}]\n",
            url(one.port, &one.database),
            url(one.port, "fleet_full_nowhere")
        ),
    );
    let out = fleet.cli(&["status", "--targets"]).arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("failing (1):\n  gone  error: connecting to Postgres"),
        "{stdout}"
    );

    // A rollback over the fleet names where it goes, and goes there.
    let out = fleet.run("rollback", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("rollback --targets needs --to REVISION or --all"));
    let summary = json(&fleet.run("rollback", &["--to", REVISIONS[1], "--json"]), 0);
    for target in &fleet.targets {
        let report = reports(&summary)[&target.name];
        assert_eq!(report["after"], REVISIONS[1], "{report}");
    }
    fleet.drop().await;
}

#[tokio::test]
async fn a_target_that_fails_leaves_the_others_applied_and_is_taken_up_by_the_next_run() {
    let fleet = Fleet::new("fleet_fault").await;
    let out = fleet.run("apply", &["--to", REVISIONS[0]]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Another session holds `users` in one database and in one tenant: the
    // next migration's foreign key waits for it past the lock timeout.
    let (database, tenant) = (fleet.target("s1/fleet_fault_14"), fleet.target("saas/t05"));
    let holders = [hold(database, "public.users").await, hold(tenant, "t05.users").await];
    let out = fleet.run(
        "apply",
        &[
            "--json",
            "--lock-timeout",
            "100ms",
            "--lock-retries",
            "1",
            "--parallel",
            "6",
        ],
    );
    let summary = json(&out, 1);
    assert!(
        text(&out.stderr).contains("2 of 50 target(s) failed and 0 were not started"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("s1/fleet_fault_14: 20261102090000 waited for a lock"));
    let by_name = reports(&summary);
    for target in &fleet.targets {
        let report = by_name[&target.name];
        if target == database || target == tenant {
            assert_eq!(report["outcome"], "failed");
            assert_eq!(report["before"], REVISIONS[0]);
            assert_eq!(report["after"], REVISIONS[0]);
            assert!(ran(report).is_empty());
            let error = report["error"].as_str().unwrap();
            assert!(
                error.contains("20261102090000 still waited for a lock past its lock_timeout after 1 retries"),
                "{error}"
            );
            assert_eq!(fleet.applied(target).await, &REVISIONS[..1]);
        } else {
            assert_eq!(report["outcome"], "ok", "{report}");
            assert_eq!(ran(report), &REVISIONS[1..]);
            assert_eq!(fleet.applied(target).await, REVISIONS);
        }
    }
    let out = fleet.run("status", &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).contains("behind (2):"), "{}", text(&out.stdout));
    // With --fail-fast, one at a time: the first failure starts no other.
    let out = fleet.run(
        "apply",
        &[
            "--json",
            "--fail-fast",
            "--parallel",
            "1",
            "--lock-timeout",
            "100ms",
            "--lock-retries",
            "0",
        ],
    );
    let summary = json(&out, 1);
    assert_eq!(summary["stopped"], "fail-fast");
    let outcomes: Vec<&str> = summary["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["outcome"].as_str().unwrap())
        .collect();
    let first = fleet.targets.iter().position(|t| t == database).unwrap();
    assert!(outcomes[..first].iter().all(|o| *o == "ok"), "{outcomes:?}");
    assert_eq!(outcomes[first], "failed");
    assert!(outcomes[first + 1..].iter().all(|o| *o == "skipped"), "{outcomes:?}");
    assert!(text(&out.stderr).contains("with --fail-fast, s1/fleet_fault_14 failed: no other target starts"));

    // The locks go; the same command takes up the two where they stopped.
    for holder in &holders {
        holder.batch_execute("ROLLBACK").await.unwrap();
    }
    let summary = json(&fleet.run("apply", &["--json", "--parallel", "6"]), 0);
    for target in &fleet.targets {
        let report = reports(&summary)[&target.name];
        let expected: &[&str] = if target == database || target == tenant {
            &REVISIONS[1..]
        } else {
            &[]
        };
        assert_eq!(ran(report), expected, "{}", target.name);
        assert_eq!(fleet.applied(target).await, REVISIONS);
    }
    fleet.drop().await;
}

#[tokio::test]
async fn a_run_killed_midway_is_finished_by_the_next_one_and_nothing_runs_twice() {
    let fleet = Fleet::new("fleet_kill").await;
    // Two targets are stuck behind a lock when the run is killed, one
    // migration in; the others are wherever the run had got to.
    let (database, tenant) = (fleet.target("s0/fleet_kill_03"), fleet.target("saas/t11"));
    let two = fleet.write(
        "two.toml",
        &format!(
            "databases = [\"{}\"]\n[[tenants]]\nurl = \"{}\"\nschemas = [\"t11\"]\n",
            url(database.port, &database.database),
            url(tenant.port, &tenant.database)
        ),
    );
    let out = fleet
        .cli(&["apply", "--to", REVISIONS[0], "--targets"])
        .arg(&two)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let holders = [hold(database, "public.users").await, hold(tenant, "t11.users").await];
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("migrate-host"))
        .env_remove("DATABASE_URL")
        .arg("--dir")
        .arg(fleet.scratch.path())
        .args([
            "apply",
            "--parallel",
            "4",
            "--per-server",
            "2",
            "--lock-timeout",
            "10min",
            "--targets",
        ])
        .arg(fleet.targets_file())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Both stuck, and a dozen others done.
    let waiting = |target: &Target| {
        let (client, database) = (fleet.client(target), target.database.clone());
        async move {
            client
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
                    &[&database],
                )
                .await
                .unwrap()
                .get::<_, i64>(0)
                > 0
        }
    };
    let mut ready = false;
    for _ in 0..600 {
        let mut done = 0;
        for target in &fleet.targets {
            done += usize::from(fleet.history(target).await.len() == 4);
        }
        if done >= 12 && waiting(database).await && waiting(tenant).await {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the run did not get there");
    child.kill().unwrap();
    child.wait().unwrap();
    // The stuck migrations' connections die with their transactions, and
    // the locks go.
    for (target, holder) in [database, tenant].into_iter().zip(&holders) {
        fleet
            .client(target)
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 \
                 AND wait_event_type = 'Lock'",
                &[&target.database],
            )
            .await
            .unwrap();
        holder.batch_execute("ROLLBACK").await.unwrap();
    }
    drop(holders);
    // Every connection of the killed run gone (what committed, committed).
    for port in ports() {
        let admin = connect(port, "postgres").await;
        for _ in 0..300 {
            let left: i64 = admin
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' \
                     AND datname ~ '^fleet_kill_' AND application_name = ''",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            if left <= fleet.clients.keys().filter(|(p, _)| *p == port).count() as i64 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let mut before = HashMap::new();
    for target in &fleet.targets {
        before.insert(target.name.clone(), fleet.applied(target).await);
    }
    assert_eq!(before[&database.name], &REVISIONS[..1]);
    assert!(before.values().any(|b| b.len() == 4));
    assert!(
        before.values().any(|b| b.is_empty()),
        "the kill came too late to show anything"
    );

    let summary = json(&fleet.run("apply", &["--json", "--parallel", "6"]), 0);
    for target in &fleet.targets {
        let report = reports(&summary)[&target.name];
        let had = &before[&target.name];
        assert_eq!(had[..], REVISIONS[..had.len()], "{}", target.name);
        assert_eq!(ran(report), &REVISIONS[had.len()..], "{}", target.name);
        assert_eq!(fleet.applied(target).await, REVISIONS, "{}", target.name);
    }
    fleet.drop().await;
}

#[tokio::test]
async fn a_failed_canary_stops_the_rollout_and_waves_roll_out_the_rest() {
    let fleet = Fleet::new("fleet_canary").await;
    // The first target in order cannot take the second migration.
    let first = fleet.target("s0/fleet_canary_00");
    fleet
        .client(first)
        .batch_execute("CREATE TABLE posts (id int)")
        .await
        .unwrap();
    let out = fleet.run(
        "apply",
        &["--canary", "3", "--parallel", "6", "--per-server", "3", "--json"],
    );
    let summary = json(&out, 1);
    assert_eq!(summary["stopped"], "canary");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the canary s0/fleet_canary_00 failed: no other target starts"),
        "{stderr}"
    );
    let by_name = reports(&summary);
    assert_eq!(by_name[&first.name]["outcome"], "failed");
    assert!(
        by_name[&first.name]["error"]
            .as_str()
            .unwrap()
            .contains("relation \"posts\" already exists")
    );
    // The other canaries ran with it; nothing else was touched.
    let (mut ok, mut skipped) = (0, 0);
    for target in &fleet.targets {
        match by_name[&target.name]["outcome"].as_str().unwrap() {
            "ok" => {
                ok += 1;
                assert_eq!(fleet.applied(target).await, REVISIONS);
            }
            "skipped" => {
                skipped += 1;
                assert!(fleet.history(target).await.is_empty(), "{}", target.name);
            }
            _ => assert_eq!(target, first),
        }
    }
    assert_eq!((ok, skipped), (2, 47));

    // Mended, the same rollout: canaries that have something to run (the
    // first, then the ones the last run never started), then waves.
    fleet.client(first).batch_execute("DROP TABLE posts").await.unwrap();
    let out = fleet.run(
        "apply",
        &[
            "--canary",
            "2",
            "--wave-size",
            "20",
            "--pause",
            "10ms",
            "--parallel",
            "6",
        ],
    );
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("canary: 2 target(s) with something to run go first"),
        "{stderr}"
    );
    assert!(stderr.contains("wave 1 of 3: 20 target(s)"), "{stderr}");
    assert!(stderr.contains("pausing 10ms before wave 2 of 3"), "{stderr}");
    assert!(stderr.contains("wave 3 of 3: 6 target(s)"), "{stderr}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("apply: 50 target(s) in ") && stdout.contains("50 ok (48 ran migrations, 2 had nothing to do)"),
        "{stdout}"
    );
    for target in &fleet.targets {
        assert_eq!(fleet.applied(target).await, REVISIONS, "{}", target.name);
    }
    fleet.drop().await;
}

#[tokio::test]
async fn tenants_run_trusted_sources_only() {
    let files = tempfile::tempdir().unwrap();
    let (app, vendor) = (Scratch::with_example(), Scratch::with_fixtures(&["vendor_1"]));
    let config = files.path().join("migrate.toml");
    std::fs::write(
        &config,
        format!(
            "[[source]]\nname = \"app\"\ndir = \"{}\"\n\n[[source]]\nname = \"vendor\"\ndir = \"{}\"\n\
             trust = \"sandboxed\"\nschemas = [\"vendor\"]\n\n[targets]\n[[targets.tenants]]\n\
             url = \"postgres://postgres@127.0.0.1:1/saas\"\nschemas = [\"acme\"]\n",
            app.path().display(),
            vendor.path().display()
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("migrate-host")
        .unwrap()
        .env_remove("DATABASE_URL")
        .args(["apply", "--targets", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: source vendor is sandboxed: a schema-per-tenant target runs trusted sources only (a sandboxed \
         source's grant names the schemas it may change, which would not be the tenant's); apply it to database \
         targets instead\n"
    );
}

/// On the shared test server: a tenant's migration that names another
/// schema is refused, and nothing of it stays; unqualified, it is the
/// tenant's.
#[tokio::test]
async fn a_tenant_migration_changes_its_own_schema_and_no_other() {
    // No schema acme yet: apply makes it, with the tenant's history.
    let (db, scratch) = interp_db(&["interp_1"]).await;
    let table = |name: QualifiedName| {
        act(Action::AddTable {
            options: Default::default(),
            table: name,
            columns: vec![],
        })
    };
    queue(
        &db,
        "r1",
        "up",
        &[table(t("mine")), table(QualifiedName::qualified("public", "shared"))],
    )
    .await;
    let files = tempfile::tempdir().unwrap();
    let targets = files.path().join("targets.toml");
    std::fs::write(
        &targets,
        format!(
            "[[tenants]]\nname = \"saas\"\nurl = \"{}\"\nschemas = [\"acme\"]\n",
            db.url()
        ),
    )
    .unwrap();
    let apply = || {
        Command::cargo_bin("migrate-host")
            .unwrap()
            .env_remove("DATABASE_URL")
            .arg("--dir")
            .arg(scratch.path())
            .args(["apply", "--json", "--targets"])
            .arg(&targets)
            .output()
            .unwrap()
    };
    let summary = json(&apply(), 1);
    let error = reports(&summary)["saas/acme"]["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains(
            "add-table public.shared changes schema public, on tenant acme: a tenant's migration changes its own \
             schema only"
        ),
        "{error}"
    );
    let exists = |name: &str| {
        let name = name.to_owned();
        let client = db.client();
        async move {
            client
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
                .await
                .unwrap()
                .get::<_, bool>(0)
        }
    };
    assert!(!exists("acme.mine").await && !exists("public.shared").await && !exists("mine").await);
    db.client()
        .batch_execute("DELETE FROM interp_ops WHERE op::text LIKE '%shared%'")
        .await
        .unwrap();
    let summary = json(&apply(), 0);
    assert_eq!(ran(reports(&summary)["saas/acme"]), ["r1"]);
    assert!(exists("acme.mine").await && exists("acme.migration_info").await);
    assert!(!exists("public.mine").await && !exists("public.migration_info").await);
    db.drop().await.unwrap();
}
