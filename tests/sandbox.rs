//! The sandbox: a guest that loops, hogs memory, waits in SQL, panics,
//! swallows errors, looks at the machine or tries to end its transaction is
//! stopped with a clear error, and the database and history are as before.

mod support;

use migrate_host::runtime::Limits;
use std::time::{Duration, Instant};
use support::*;

/// Applies a single hostile fixture and returns the error as printed.
async fn apply_alone(fixture: &str, limits: Limits) -> (String, migrate_host::testing::TestDatabase) {
    let (db, scratch) = interp_db_with(&[fixture], limits).await;
    let err = message(&db.apply_all().await.expect_err("the hostile migration must fail"));
    drop(scratch);
    assert!(history(&db).await.is_empty(), "{fixture} left a history record");
    (err, db)
}

#[tokio::test]
async fn an_endless_loop_runs_out_of_fuel() {
    let limits = Limits {
        fuel: 200_000_000,
        ..Limits::default()
    };
    let (err, db) = apply_alone("spin", limits).await;
    assert!(err.contains("applying spin (loop forever, spin.wasm)"), "{err}");
    assert!(err.contains("exceeded its CPU budget of 200000000 fuel"), "{err}");
    assert!(!table_exists(&db, "spin_was_here").await);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn unbounded_allocation_hits_the_memory_cap() {
    let limits = Limits {
        memory_bytes: 32 << 20,
        ..Limits::default()
    };
    let (err, db) = apply_alone("hog", limits).await;
    assert!(err.contains("exceeded its memory limit of 32 MiB"), "{err}");
    assert!(!table_exists(&db, "hog_was_here").await);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_long_sql_wait_hits_the_wall_clock_limit_and_is_cancelled() {
    let limits = Limits {
        timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let started = Instant::now();
    let (err, db) = apply_alone("sleeper", limits).await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the 60 s sleep was not cut short"
    );
    assert!(err.contains("exceeded its wall-clock limit of 2s"), "{err}");
    assert!(!table_exists(&db, "sleeper_was_here").await);
    let sleeping: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(sleeping, 0, "the query still runs on the server");
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_panic_fails_with_its_message() {
    let (err, db) = apply_alone("panicker", Limits::default()).await;
    assert!(err.contains("trapped: hit `unreachable`"), "{err}");
    assert!(
        err.contains("this migration panics on purpose"),
        "the guest's panic message is shown: {err}"
    );
    assert!(!table_exists(&db, "panicker_table").await);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_swallowed_error_still_fails_the_migration() {
    let (err, db) = apply_alone("swallow", Limits::default()).await;
    assert!(err.contains("up returned success after a failed call"), "{err}");
    assert!(err.contains("execute failed: division by zero"), "{err}");
    assert!(err.contains("SQL: SELECT 1 / 0"), "{err}");
    assert!(!table_exists(&db, "swallow_table").await);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn transaction_control_and_session_state_are_refused() {
    let (err, db) = apply_alone("txn_control", Limits::default()).await;
    for refused in ["COMMIT", "ROLLBACK", "BEGIN", "SAVEPOINT s"] {
        assert!(err.contains(&format!("SQL: {refused}")), "{refused} not refused: {err}");
    }
    assert!(
        err.contains("transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...) is the host's"),
        "{err}"
    );
    assert!(err.contains("holds 2 statements; send one statement per call"), "{err}");
    assert!(err.contains("a session-wide SET would outlive the migration"), "{err}");
    assert!(err.contains("COPY is not available to migrations"), "{err}");
    assert!(
        err.contains("DEALLOCATE and DISCARD act on the host's session"),
        "{err}"
    );
    assert!(!table_exists(&db, "txn_control_table").await);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn the_guest_sees_no_files_environment_network_or_time() {
    let (err, db) = apply_alone("snoop", Limits::default()).await;
    assert!(err.contains("file=Err("), "{err}");
    assert!(err.contains("dir=Err("), "{err}");
    assert!(err.contains("env=0 args=0"), "{err}");
    assert!(err.contains("tcp=Err("), "{err}");
    assert!(err.contains("clock=0"), "the wall clock is frozen at the epoch: {err}");
    assert!(err.contains("migration output:\nline 00000 xxx"), "{err}");
    assert!(err.contains("more bytes of output were dropped]"), "{err}");
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_migration_cannot_release_the_lock_or_leave_session_state_behind() {
    let (db, _scratch) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            execute("SELECT pg_advisory_unlock_all()", &[]),
            execute("SELECT set_config('search_path', 'nowhere', false)", &[]),
            query("SELECT count(*) AS held FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()", &[]),
        ],
    )
    .await;
    // Unqualified: fails if r1's search_path survived into r2.
    queue(&db, "r2", "up", &[execute("CREATE TABLE after_reset ()", &[])]).await;
    db.apply_all().await.expect("apply");
    assert_eq!(
        results(&db).await[0]["rows"][0][0],
        serde_json::json!({"Int": 1}),
        "the lock is still held"
    );
    assert!(table_exists(&db, "after_reset").await);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn deep_recursion_overflows_the_guest_stack_with_a_clear_error() {
    let (err, db) = apply_alone("recurse", Limits::default()).await;
    assert!(
        err.contains("applying recurse (recurse forever, recurse.wasm)"),
        "{err}"
    );
    assert!(
        err.contains("stack overflow") || err.contains("exhausted its call stack"),
        "{err}"
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_flood_of_calls_hits_the_call_limit() {
    let limits = Limits {
        max_calls: 500,
        ..Limits::default()
    };
    let (err, db) = apply_alone("flood", limits).await;
    assert!(err.contains("applying flood (flood the host, flood.wasm)"), "{err}");
    assert!(err.contains("500"), "the error names the limit's value: {err}");
    db.drop().await.unwrap();
}

/// Injection through every place a guest's text reaches SQL: identifiers,
/// enum values and literal defaults are quoted and come out exactly as
/// given; a check expression that tries to close its parenthesis and chain
/// a statement is refused before any SQL runs.
#[tokio::test]
async fn injection_through_names_values_and_expressions_goes_nowhere() {
    use migrate_host::actions::Action;
    use migrate_host::model::{ColumnDef, ColumnDefault, Constraint};
    let (db, _dir) = interp_db(&["interp_1"]).await;
    let evil_table = "x\"; DROP TABLE interp_ops; --";
    let evil_label = "a'); DROP TABLE interp_ops; --";
    let evil_default = "it's \\'; DROP TABLE interp_ops; --";
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::CreateEnum {
                name: t("mood"),
                values: vec![evil_label.into(), "b".into()],
            }),
            act(Action::AddTable {
                table: t(evil_table),
                columns: vec![ColumnDef {
                    default: Some(ColumnDefault::Value(text(evil_default))),
                    ..col("note", migrate_host::model::ScalarType::Text)
                }],
                options: Default::default(),
            }),
        ],
    )
    .await;
    db.apply_all()
        .await
        .expect("quoted names and values are just names and values");
    let facts = db
        .client()
        .query_one(
            "SELECT to_regclass('interp_ops') IS NOT NULL,
                    (SELECT relname::text FROM pg_class WHERE relname LIKE 'x%DROP%'),
                    (SELECT string_agg(enumlabel::text, '|' ORDER BY enumsortorder) FROM pg_enum
                     WHERE enumtypid = 'mood'::regtype),
                    (SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
                     WHERE c.relname LIKE 'x%DROP%')",
            &[],
        )
        .await
        .unwrap();
    assert!(facts.get::<_, bool>(0), "interp_ops is still there");
    assert_eq!(facts.get::<_, String>(1), evil_table);
    assert_eq!(facts.get::<_, String>(2), format!("{evil_label}|b"));
    assert!(
        facts.get::<_, String>(3).contains("DROP TABLE interp_ops"),
        "kept as text, inside the literal"
    );

    // A check that tries to break out of its parentheses never reaches SQL.
    let (db2, _dir2) = interp_db(&["interp_1"]).await;
    queue(
        &db2,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                table: t("t"),
                columns: vec![col("n", migrate_host::model::ScalarType::Integer)],
                options: Default::default(),
            }),
            act(Action::AddConstraint {
                table: t("t"),
                name: "c".into(),
                constraint: Constraint::Check("true); DROP TABLE interp_ops; --".into()),
            }),
        ],
    )
    .await;
    let err = message(&db2.apply_all().await.unwrap_err());
    assert!(err.contains("add-constraint c on public.t failed"), "{err}");
    assert!(!table_exists(&db2, "t").await && table_exists(&db2, "interp_ops").await);
    assert!(history(&db2).await.is_empty());
    db.drop().await.unwrap();
    db2.drop().await.unwrap();
}
