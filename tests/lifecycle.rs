//! apply / rollback / status over chains of real components: the example
//! application, failures halfway, concurrency, broken chains, changed and
//! unusable components.

mod support;

use migrate_host::actions::Action;
use migrate_host::history::chain::State;
use migrate_host::migrator::{ApplyOptions, Error, Event, Migrator, RollbackOptions, RollbackTarget};
use migrate_host::runtime::{Limits, Runtime, default_cache_dir};
use migrate_host::testing::TestDatabase;
use support::*;

async fn states(db: &TestDatabase) -> Vec<(String, State)> {
    db.migrator()
        .status()
        .await
        .unwrap()
        .migrations
        .into_iter()
        .map(|m| (m.revision, m.state))
        .collect()
}

fn applied(revisions: &[&str]) -> Vec<(String, String)> {
    revisions.iter().map(|r| (r.to_string(), "apply".to_owned())).collect()
}

#[tokio::test]
async fn the_example_applies_rolls_back_and_reapplies() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let all = ["20261101090000", "20261102090000", "20261103090000", "20261104090000"];
    assert!(states(&db).await.iter().all(|(_, s)| *s == State::Pending));

    let report = db.apply_all().await.unwrap();
    assert_eq!(report.ran.len(), 4);
    assert_eq!(report.head.as_deref(), Some("20261104090000"));
    assert_eq!(history(&db).await, applied(&all));
    assert!(states(&db).await.iter().all(|(_, s)| *s == State::Applied));

    // Up to date is not an error (the original raised here).
    let report = db.apply_all().await.unwrap();
    assert!(report.ran.is_empty());
    assert_eq!(report.head.as_deref(), Some("20261104090000"));

    let report = db.rollback(2).await.unwrap();
    assert_eq!(
        report.ran.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["20261104090000", "20261103090000"]
    );
    assert_eq!(report.head.as_deref(), Some("20261102090000"));
    assert!(!table_exists(&db, "tags").await);
    assert!(table_exists(&db, "posts").await);

    db.apply_to("20261103090000").await.unwrap();
    assert!(table_exists(&db, "tags").await);
    assert_eq!(states(&db).await.last().unwrap().1, State::Pending);

    db.rollback_to("20261101090000").await.unwrap();
    assert!(!table_exists(&db, "posts").await);
    assert!(!type_exists(&db, "post_status").await);
    let options = RollbackOptions {
        target: RollbackTarget::All,
        dry_run: false,
        force: false,
        interrupted: None,
    };
    db.migrator().rollback(&options, &mut |_| {}).await.unwrap();
    assert!(!table_exists(&db, "users").await);

    // The whole history is kept: every apply and every rollback.
    let log = history(&db).await;
    assert_eq!(log.len(), 4 + 2 + 1 + 2 + 1);
    assert_eq!(log.iter().filter(|(_, op)| op == "rollback").count(), 5);

    db.apply_all().await.unwrap();
    assert!(table_exists(&db, "post_tags").await);
    db.drop().await.unwrap();
}

/// A trusted migration's actions are queued and sent together: a failed
/// one is still named, with its SQL and the database's error, whether it
/// surfaces at the next `query` (which then fails, so the guest stops
/// there) or when `up` returns; nothing of the migration remains.
#[tokio::test]
async fn a_queued_action_that_fails_is_named_with_its_sql() {
    let missing = || {
        act(Action::AddColumn {
            table: t("missing"),
            column: migrate_host::model::ColumnDef::new(
                "c",
                migrate_host::model::DataType {
                    scalar: migrate_host::model::ScalarType::Text,
                    is_array: false,
                },
            ),
        })
    };
    let table = |name: &str| {
        act(Action::AddTable {
            options: Default::default(),
            table: t(name),
            columns: vec![],
        })
    };
    let print = |text: &str| serde_json::json!({ "Print": { "text": text } });
    let named = |err: &str| {
        assert!(
            err.contains(
                "up returned an error: add-column public.missing.c failed: relation \"public.missing\" does not exist"
            ),
            "{err}"
        );
        assert!(
            err.contains("SQL: ALTER TABLE \"public\".\"missing\" ADD COLUMN"),
            "{err}"
        );
    };
    // At the end: the guest ran on past the queued failure.
    let (db, scratch) = interp_db(&["interp_1"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[table("before"), missing(), table("after"), print("ran to the end")],
    )
    .await;
    let err = message(&db.apply_all().await.unwrap_err());
    named(&err);
    assert!(err.contains("ran to the end"), "{err}");
    assert!(!table_exists(&db, "before").await && !table_exists(&db, "after").await);
    assert_eq!(history(&db).await, applied(&[]));
    drop(scratch);
    db.drop().await.unwrap();
    // At the next query: it fails with the earlier action's error.
    let (db, scratch) = interp_db(&["interp_1"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            table("before"),
            missing(),
            query("SELECT 1", &[]),
            print("after the query"),
        ],
    )
    .await;
    let err = message(&db.apply_all().await.unwrap_err());
    named(&err);
    assert!(
        !err.contains("after the query"),
        "the guest stopped at the query: {err}"
    );
    assert!(!table_exists(&db, "before").await);
    assert_eq!(history(&db).await, applied(&[]));
    drop(scratch);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_migration_that_fails_halfway_leaves_nothing_behind() {
    let (db, scratch) = interp_db(&["interp_1", "halfway"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[act(Action::AddTable {
            options: Default::default(),
            table: t("first"),
            columns: vec![],
        })],
    )
    .await;
    let error = db.apply_all().await.unwrap_err();
    // What committed before the failure is in the error.
    match &error {
        Error::Failed { revision, report, .. } => {
            assert_eq!(revision, "r2");
            assert_eq!(report.ran.len(), 1, "{report:?}");
            assert_eq!(report.ran[0].0, "r1");
            assert_eq!(report.head.as_deref(), Some("r1"));
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    let err = message(&error);
    assert!(err.contains("applying r2 (fail halfway, halfway.wasm)"), "{err}");
    assert!(
        err.contains("up returned an error: failing on purpose after two actions"),
        "{err}"
    );
    // r1 committed on its own; nothing of r2 remains, nor a record of it.
    assert!(table_exists(&db, "first").await);
    assert!(!table_exists(&db, "halfway_table").await);
    assert!(!type_exists(&db, "halfway_enum").await);
    assert_eq!(history(&db).await, applied(&["r1"]));
    drop(scratch);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn two_concurrent_applies_apply_each_migration_once() {
    let (db, scratch) = interp_db(&["interp_1", "interp_2", "interp_3"]).await;
    for r in ["r1", "r2", "r3"] {
        // A slow step makes the overlap certain.
        queue(
            &db,
            r,
            "up",
            &[
                execute("SELECT pg_sleep(0.2)", &[]),
                act(Action::AddTable {
                    options: Default::default(),
                    table: t(&format!("t_{r}")),
                    columns: vec![],
                }),
            ],
        )
        .await;
    }
    let runtime = Runtime::new(Limits::default(), default_cache_dir()).unwrap();
    let second = Migrator::connect(runtime, db.url(), scratch.path()).await.unwrap();
    let options = ApplyOptions::default();
    let (mut waits_a, mut waits_b) = (false, false);
    let mut on_a = |e: Event| waits_a |= matches!(e, Event::WaitingForLock);
    let mut on_b = |e: Event| waits_b |= matches!(e, Event::WaitingForLock);
    let (a, b) = tokio::join!(
        db.migrator().apply(&options, &mut on_a),
        second.apply(&options, &mut on_b)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(waits_a || waits_b, "one run waited for the other's lock");
    assert_eq!(a.ran.len() + b.ran.len(), 3, "{a:?} {b:?}");
    assert!(
        a.ran.is_empty() || b.ran.is_empty(),
        "one run did everything: {a:?} {b:?}"
    );
    assert_eq!(history(&db).await, applied(&["r1", "r2", "r3"]));
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_broken_chain_is_reported_before_anything_runs() {
    for (fixtures, expected) in [
        (&["interp_1", "dup_1"][..], "revision r1 is declared twice"),
        (
            &["interp_1", "interp_2", "fork_2b"][..],
            "2 migrations have the same parent r1",
        ),
        (
            &["interp_1", "orphan"][..],
            "has parent r404, which no migration declares",
        ),
    ] {
        let (db, _scratch) = interp_db(fixtures).await;
        queue(
            &db,
            "r1",
            "up",
            &[act(Action::AddTable {
                options: Default::default(),
                table: t("should_not_exist"),
                columns: vec![],
            })],
        )
        .await;
        let error = db.apply_all().await.unwrap_err();
        assert!(matches!(error, Error::BrokenChain { .. }), "{error:?}");
        let err = message(&error);
        assert!(err.contains("the migrations do not form a single chain"), "{err}");
        assert!(err.contains(expected), "{fixtures:?}: {err}");
        assert!(!table_exists(&db, "should_not_exist").await);
        assert!(history(&db).await.is_empty());
        assert!(
            db.migrator().status().await.is_err(),
            "status reports the broken chain too"
        );
        db.drop().await.unwrap();
    }
}

#[tokio::test]
async fn unusable_components_are_named_and_nothing_runs() {
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("garbage", b"this is not wasm at all".to_vec(), "not a WebAssembly file"),
        (
            "truncated",
            std::fs::read(fixture("interp_2")).unwrap()[..5000].to_vec(),
            "not a valid WebAssembly component",
        ),
        // An empty core module: valid wasm, but not a component.
        (
            "core_module",
            b"\0asm\x01\0\0\0".to_vec(),
            "not a valid WebAssembly component",
        ),
        (
            "other_world",
            std::fs::read(fixture("not_migration")).unwrap(),
            "not a migration for this host",
        ),
    ];
    for (name, bytes, expected) in cases {
        let (db, scratch) = interp_db(&["interp_1"]).await;
        scratch.write(name, &bytes);
        queue(
            &db,
            "r1",
            "up",
            &[act(Action::AddTable {
                options: Default::default(),
                table: t("should_not_exist"),
                columns: vec![],
            })],
        )
        .await;
        let err = message(&db.apply_all().await.unwrap_err());
        assert!(
            err.contains(&format!("{name}.wasm is not a usable migration")),
            "{name}: {err}"
        );
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!table_exists(&db, "should_not_exist").await);
        assert!(history(&db).await.is_empty());
        db.drop().await.unwrap();
    }
}

#[tokio::test]
async fn a_changed_component_is_refused_unless_forced() {
    let (db, scratch) = interp_db(&["interp_1", "interp_2"]).await;
    db.apply_to("r1").await.unwrap();
    // Same revision, other bytes: what a rebuilt or edited migration looks like.
    std::fs::copy(fixture("dup_1"), scratch.path().join("interp_1.wasm")).unwrap();
    assert_eq!(
        states(&db).await,
        [("r1".to_owned(), State::Changed), ("r2".to_owned(), State::Pending)]
    );
    queue(
        &db,
        "r2",
        "up",
        &[act(Action::AddTable {
            options: Default::default(),
            table: t("after"),
            columns: vec![],
        })],
    )
    .await;
    let error = db.apply_all().await.unwrap_err();
    assert!(
        matches!(&error, Error::Changed { revisions, .. } if revisions == &["r1"]),
        "{error:?}"
    );
    let err = message(&error);
    assert!(
        err.contains("applied migration(s) r1 changed since they were applied"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(!table_exists(&db, "after").await);

    let forced = ApplyOptions {
        force: true,
        ..ApplyOptions::default()
    };
    db.migrator().apply(&forced, &mut |_| {}).await.unwrap();
    assert!(table_exists(&db, "after").await);
    // Rolling back r2 is fine (r2 is unchanged); rolling back r1 is not.
    db.rollback(1).await.unwrap();
    let err = message(&db.rollback(1).await.unwrap_err());
    assert!(err.contains("r1 changed since they were applied"), "{err}");
    db.drop().await.unwrap();
}

#[tokio::test]
async fn applied_revisions_missing_from_the_directory_block_apply() {
    let (db, scratch) = interp_db(&["interp_1", "interp_2"]).await;
    db.apply_all().await.unwrap();
    scratch.remove("interp_2");
    let status = db.migrator().status().await.unwrap();
    assert_eq!(
        status
            .migrations
            .iter()
            .map(|m| (m.revision.as_str(), m.state))
            .collect::<Vec<_>>(),
        [("r1", State::Applied), ("r2", State::Missing)]
    );
    assert_eq!(status.problems.len(), 1, "{:?}", status.problems);
    let error = db.apply_all().await.unwrap_err();
    assert!(matches!(error, Error::HistoryMismatch { .. }), "{error:?}");
    let err = message(&error);
    assert!(
        err.contains("revision r2 is applied in the database but no migration in the directory declares it"),
        "{err}"
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn dry_runs_change_nothing() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let mut printed = Vec::new();
    let options = ApplyOptions {
        dry_run: true,
        ..ApplyOptions::default()
    };
    let report = db
        .migrator()
        .apply(&options, &mut |e| {
            if let Event::Finished { statements, .. } = e {
                printed.extend(statements.iter().cloned())
            }
        })
        .await
        .unwrap();
    assert_eq!(report.ran.len(), 4);
    assert!(
        printed
            .iter()
            .any(|s| s.starts_with(r#"CREATE TABLE "public"."users""#)),
        "{printed:?}"
    );
    assert!(!table_exists(&db, "users").await);
    assert!(
        !table_exists(&db, "migration_info").await,
        "a dry run creates no history table"
    );

    db.apply_all().await.unwrap();
    let options = RollbackOptions {
        target: RollbackTarget::All,
        dry_run: true,
        force: false,
        interrupted: None,
    };
    let report = db.migrator().rollback(&options, &mut |_| {}).await.unwrap();
    assert_eq!(report.ran.len(), 4);
    assert!(table_exists(&db, "users").await);
    assert_eq!(history(&db).await.len(), 4);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn apply_to_an_unknown_revision_is_refused() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let error = db.apply_to("nope").await.unwrap_err();
    assert!(
        matches!(&error, Error::UnknownRevision { revision, squashed_into: None, .. } if revision == "nope"),
        "{error:?}"
    );
    let err = message(&error);
    assert!(err.contains("--to nope: no migration in"), "{err}");
    let error = db.rollback_to("20261101090000").await.unwrap_err();
    assert!(matches!(error, Error::NotApplied { .. }), "{error:?}");
    let err = message(&error);
    assert!(err.contains("that revision is not applied"), "{err}");
    assert!(
        db.rollback(1).await.unwrap().ran.is_empty(),
        "nothing to roll back is not an error"
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_foreign_migration_info_table_is_not_touched() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    // The original tool's single-row table.
    db.client()
        .batch_execute("CREATE TABLE migration_info (active_revision varchar(255))")
        .await
        .unwrap();
    let err = message(&db.apply_all().await.unwrap_err());
    assert!(
        err.contains("public.migration_info exists but is not migrate-host's (no column id"),
        "{err}"
    );
    assert!(!table_exists(&db, "users").await);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_transaction_opens_with_its_first_statement() {
    // The example's first migration creates users, then its unique
    // constraint's index, whose name is taken: the table it created first
    // must go with the rest (BEGIN travelled with that first statement).
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    db.client()
        .batch_execute("CREATE TABLE users_email_key (taken int)")
        .await
        .unwrap();
    let error = db.apply_all().await.unwrap_err();
    assert!(
        message(&error).contains(r#"relation "users_email_key" already exists"#),
        "{}",
        message(&error)
    );
    assert!(!table_exists(&db, "users").await);
    assert!(history(&db).await.is_empty());
    // The session is clean for the next run: no transaction left open.
    db.client().batch_execute("DROP TABLE users_email_key").await.unwrap();
    assert_eq!(db.apply_all().await.unwrap().ran.len(), 4);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_migration_that_calls_nothing_is_recorded() {
    let scratch = Scratch::with_fixtures(&["empty"]);
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    assert_eq!(db.apply_all().await.unwrap().ran.len(), 1);
    assert_eq!(history(&db).await, applied(&["empty"]));
    db.rollback(1).await.unwrap();
    assert_eq!(
        history(&db).await,
        [
            ("empty".to_owned(), "apply".to_owned()),
            ("empty".to_owned(), "rollback".to_owned())
        ]
    );
    // Nothing left open on the migrator's connection either.
    let open: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(open, 0);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn components_the_cache_knows_are_compiled_only_to_run() {
    let scratch = Scratch::with_example();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    let cache = tempfile::tempdir().unwrap();
    let migrator = async || {
        let runtime = Runtime::new(Limits::default(), Some(cache.path().to_owned())).unwrap();
        Migrator::connect(runtime, db.url(), scratch.path()).await.unwrap()
    };
    let files = |suffix: &str| -> usize {
        std::fs::read_dir(cache.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().to_string_lossy().ends_with(suffix))
            .count()
    };
    // The first run compiles all four and keeps their code and metadata.
    assert_eq!(migrator().await.status().await.unwrap().migrations.len(), 4);
    assert_eq!((files(".cwasm"), files(".json")), (4, 4));

    // Later runs read the metadata alone: without the compiled code, status
    // still knows every migration, and apply compiles from the files.
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cwasm") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let status = migrator().await.status().await.unwrap();
    assert_eq!(status.migrations[3].revision, "20261104090000");
    assert_eq!(files(".cwasm"), 0, "status compiled nothing");
    let report = migrator()
        .await
        .apply(&ApplyOptions::default(), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.ran.len(), 4);
    assert!(table_exists(&db, "post_tags").await);
    assert_eq!(files(".cwasm"), 4, "apply compiled each to run it");

    // A metadata file that does not parse is a miss, not an error.
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::write(path, "{ not json").unwrap();
        }
    }
    let status = migrator().await.status().await.unwrap();
    assert!(
        status.migrations.iter().all(|m| m.state == State::Applied),
        "{:?}",
        status.migrations
    );
    db.drop().await.unwrap();
}
