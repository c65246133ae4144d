//! Migrations of several steps: `commit-step` and the steps outside a
//! transaction (`CONCURRENTLY`, `execute-outside-transaction`), each
//! recorded in `migration_steps`; a run that stopped (a failed step, a
//! `kill -9`) resumed by the next one without running again what committed,
//! an `INVALID` index left by a failed build dropped and built again.

mod support;

use migrate_host::actions::Action;
use migrate_host::actions::concurrent::Concurrent;
use migrate_host::model::{IndexDef, IndexMethod};
use migrate_host::testing::TestDatabase;
use serde_json::{Value, json};
use support::*;

fn commit_step() -> Value {
    json!("CommitStep")
}

fn concurrently(step: Concurrent) -> Value {
    act(Action::Concurrently { step })
}

fn index(name: &str, table: &str, column: &str, unique: bool) -> IndexDef {
    IndexDef {
        name: name.into(),
        table: t(table),
        columns: vec![column.into()],
        unique,
        method: IndexMethod::Btree,
        predicate: None,
    }
}

async fn scalar(db: &TestDatabase, sql: &str) -> i64 {
    db.client().query_one(sql, &[]).await.unwrap().get(0)
}

/// (step, description, state) of every row of `migration_steps`.
async fn steps(db: &TestDatabase) -> Vec<(i32, String, String)> {
    if !table_exists(db, "migration_steps").await {
        return Vec::new();
    }
    db.client()
        .query(
            "SELECT step, description, state FROM migration_steps ORDER BY step",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// `migrate-host apply EXTRA...` on the database, over the migrations in `dir`.
fn apply_cli(db: &TestDatabase, dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("migrate-host")
        .unwrap()
        .env("DATABASE_URL", db.url())
        .arg("--dir")
        .arg(dir)
        .arg("apply")
        .args(extra)
        .output()
        .unwrap()
}

/// Whether index `name` exists, and if so whether it is valid.
async fn index_valid(db: &TestDatabase, name: &str) -> Option<bool> {
    db.client()
        .query_opt(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)",
            &[&format!("public.{name}")],
        )
        .await
        .unwrap()
        .map(|r| r.get(0))
}

async fn items(db: &TestDatabase, rows: i64) {
    db.client()
        .batch_execute(&format!(
            "CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL); \
             INSERT INTO items SELECT i, i FROM generate_series(1, {rows}) AS i"
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_failed_step_keeps_the_steps_before_it_and_the_next_apply_resumes_there() {
    let (db, _scratch) = interp_db(&["interp_1"]).await;
    items(&db, 1000).await;
    // A duplicate, so that the unique index cannot be built yet (over an
    // expression, whose duplicates the host does not count first: the
    // build itself fails, leaving its index INVALID).
    db.client()
        .batch_execute("UPDATE items SET n = 1 WHERE id = 2")
        .await
        .unwrap();
    queue(
        &db,
        "r1",
        "up",
        &[
            execute("INSERT INTO items VALUES (5000, 5000)", &[]),
            commit_step(),
            execute("UPDATE items SET n = n + 1 WHERE id = 5000", &[]),
            concurrently(Concurrent::AddIndexSql {
                definition: "CREATE UNIQUE INDEX items_n_key ON public.items USING btree (abs(n))".into(),
            }),
            concurrently(Concurrent::AddIndex {
                index: index("items_id_n_idx", "items", "n", false),
            }),
        ],
    )
    .await;
    let error = db.apply_all().await.unwrap_err();
    let text = message(&error);
    assert!(text.contains("could not create unique index \"items_n_key\""), "{text}");
    assert!(
        text.contains("the apply of r1 stopped after 2 step(s) committed and while step 3"),
        "{text}"
    );
    assert!(text.contains("the next `migrate-host apply` resumes it"), "{text}");
    // Steps 1 and 2 committed; the failed build left its index, INVALID.
    assert_eq!(scalar(&db, "SELECT n::bigint FROM items WHERE id = 5000").await, 5001);
    assert_eq!(index_valid(&db, "items_n_key").await, Some(false));
    let recorded = steps(&db).await;
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    assert!(
        recorded[0]
            .1
            .starts_with("query: SELECT op::text FROM public.interp_ops")
            && recorded[0].1.ends_with("... and 1 more call(s)"),
        "{recorded:?}"
    );
    assert_eq!(recorded[1].1, "execute: UPDATE items SET n = n + 1 WHERE id = 5000");
    assert_eq!(
        (recorded[2].1.as_str(), recorded[2].2.as_str()),
        ("add-index-sql-concurrently items_n_key", "running")
    );
    assert!(
        history(&db).await.is_empty(),
        "r1 is not applied until its last step commits"
    );
    let status = db.migrator().status().await.unwrap();
    assert!(
        status
            .problems
            .iter()
            .any(|p| p.contains("`migrate-host apply` resumes it")),
        "{:?}",
        status.problems
    );
    // A rollback would undo what lies under it: refused.
    let refused = message(&db.rollback(1).await.unwrap_err());
    assert!(
        refused.contains("run `migrate-host apply` to finish it before a rollback"),
        "{refused}"
    );

    // Fixed, the next apply replays steps 1 and 2 (nothing runs twice),
    // drops the invalid index and builds it again.
    db.client()
        .batch_execute("UPDATE items SET n = 2 WHERE id = 2")
        .await
        .unwrap();
    db.apply_all().await.unwrap();
    assert_eq!(scalar(&db, "SELECT count(*) FROM items WHERE id = 5000").await, 1);
    assert_eq!(scalar(&db, "SELECT n::bigint FROM items WHERE id = 5000").await, 5001);
    assert_eq!(index_valid(&db, "items_n_key").await, Some(true));
    assert_eq!(index_valid(&db, "items_id_n_idx").await, Some(true));
    assert_eq!(history(&db).await, vec![("r1".to_owned(), "apply".to_owned())]);
    assert!(
        steps(&db).await.is_empty(),
        "a recorded migration leaves no progress behind"
    );

    // Down in steps too.
    queue(
        &db,
        "r1",
        "down",
        &[
            concurrently(Concurrent::DropIndex {
                index: t("items_n_key"),
            }),
            concurrently(Concurrent::DropIndex {
                index: t("items_id_n_idx"),
            }),
            execute("DELETE FROM items WHERE id = 5000", &[]),
        ],
    )
    .await;
    db.rollback(1).await.unwrap();
    assert_eq!(index_valid(&db, "items_n_key").await, None);
    assert_eq!(index_valid(&db, "items_id_n_idx").await, None);
    assert_eq!(scalar(&db, "SELECT count(*) FROM items WHERE id = 5000").await, 0);
    assert!(steps(&db).await.is_empty());
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_run_that_takes_other_steps_than_the_one_that_stopped_is_refused() {
    let (db, _scratch) = interp_db(&["interp_1"]).await;
    items(&db, 10).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            concurrently(Concurrent::AddIndex {
                index: index("items_n_idx", "items", "n", false),
            }),
            json!({ "Fail": { "message": "not yet" } }),
        ],
    )
    .await;
    assert!(message(&db.apply_all().await.unwrap_err()).contains("not yet"));
    // Someone edits the migration's steps before the next run.
    db.client()
        .batch_execute(
            "DELETE FROM interp_ops; INSERT INTO interp_ops (revision, direction, op) VALUES \
             ('r1', 'up', '{\"Concurrently\": {\"step\": {\"DropIndex\": {\"index\": {\"schema\": null, \"name\": \"items_n_idx\"}}}}}')",
        )
        .await
        .unwrap();
    let text = message(&db.apply_all().await.unwrap_err());
    assert!(
        text.contains("recorded step 2 as \"add-index-concurrently public.items_n_idx\""),
        "{text}"
    );
    assert!(text.contains("must take the same steps each time"), "{text}");
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_raw_step_left_running_is_named_and_the_user_says_whether_it_ran() {
    let (db, scratch) = interp_db(&["interp_1"]).await;
    items(&db, 10).await;
    queue(
        &db,
        "r1",
        "up",
        &[json!({ "ExecuteOutsideTransaction": { "sql": "VACUUM public.items", "params": [] } })],
    )
    .await;
    // What a run killed while the statement ran leaves (step 1 is the read
    // of the ops, which committed).
    db.client()
        .batch_execute(&format!(
            "{}; INSERT INTO migration_steps (revision, direction, step, description, state) VALUES \
             ('r1', 'up', 1, 'query', 'done'), \
             ('r1', 'up', 2, 'execute-outside-transaction: VACUUM public.items', 'running')",
            migrate_host::history::steps::create_sql(&Default::default())
        ))
        .await
        .unwrap();
    let out = apply_cli(&db, scratch.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("step 2 was running when an earlier run stopped"),
        "{stderr}"
    );
    assert!(stderr.contains("--interrupted retry"), "{stderr}");
    let out = apply_cli(&db, scratch.path(), &["--interrupted", "done"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(history(&db).await, vec![("r1".to_owned(), "apply".to_owned())]);
    assert!(steps(&db).await.is_empty());
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_concurrent_build_killed_with_the_host_is_rebuilt_by_the_next_apply() {
    let (db, scratch) = interp_db(&["interp_1"]).await;
    items(&db, 2000).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            execute("INSERT INTO items VALUES (9000, 9000)", &[]),
            concurrently(Concurrent::AddIndex {
                index: index("items_n_idx", "items", "n", false),
            }),
            execute("INSERT INTO items VALUES (9001, 9001)", &[]),
        ],
    )
    .await;
    // A writer's open transaction: the build waits for it once its index
    // exists (not yet valid).
    let (writer, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    writer
        .batch_execute("BEGIN; UPDATE items SET n = n WHERE id = 1")
        .await
        .unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("migrate-host"))
        .env("DATABASE_URL", db.url())
        .arg("--dir")
        .arg(scratch.path())
        .args(["--lock-timeout", "60s", "apply"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The build, waiting.
    let mut build_pid = None;
    for _ in 0..300 {
        let row = db
            .client()
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                 AND query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap();
        if let Some(row) = row {
            build_pid = Some(row.get::<_, i32>(0));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let build_pid = build_pid.expect("the concurrent build waits for the writer");
    // kill -9, and the server loses the build with it.
    child.kill().unwrap();
    child.wait().unwrap();
    db.client()
        .execute("SELECT pg_terminate_backend($1)", &[&build_pid])
        .await
        .unwrap();
    writer.batch_execute("ROLLBACK").await.unwrap();
    for _ in 0..100 {
        let gone: bool = db
            .client()
            .query_one(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)",
                &[&build_pid],
            )
            .await
            .unwrap()
            .get(0);
        if gone {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        index_valid(&db, "items_n_idx").await,
        Some(false),
        "the killed build left its index INVALID"
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM items WHERE id = 9000").await, 1);
    let recorded = steps(&db).await;
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert_eq!(recorded[1].2, "running");

    let out = apply_cli(&db, scratch.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(index_valid(&db, "items_n_idx").await, Some(true));
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM items WHERE id = 9000").await,
        1,
        "step 1 is not run again"
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM items WHERE id = 9001").await, 1);
    assert_eq!(history(&db).await, vec![("r1".to_owned(), "apply".to_owned())]);
    assert!(steps(&db).await.is_empty());
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_unique_index_the_rows_would_violate_is_refused_before_its_build() {
    let (db, _scratch) = interp_db(&["interp_1"]).await;
    items(&db, 100).await;
    db.client()
        .batch_execute("UPDATE items SET n = 1 WHERE id IN (2, 3)")
        .await
        .unwrap();
    queue(
        &db,
        "r1",
        "up",
        &[concurrently(Concurrent::AddIndex {
            index: index("items_n_key", "items", "n", true),
        })],
    )
    .await;
    let text = message(&db.apply_all().await.unwrap_err());
    assert!(
        text.contains("MH303 unique-violated: 1 value(s) of (\"n\") appear more than once"),
        "{text}"
    );
    assert_eq!(index_valid(&db, "items_n_key").await, None, "no INVALID index is left");
    db.drop().await.unwrap();
}
