use super::*;
use crate::model::{
    ColumnDef, ColumnDefault, Constraint, DataType, EnumPosition, ForeignKey, ForeignKeyAction, IdentityKind, IndexDef,
    IndexMethod, ScalarType, TimeOptions, TypeCast,
};

fn t(name: &str) -> QualifiedName {
    QualifiedName::unqualified(name)
}

fn ty(scalar: ScalarType) -> DataType {
    DataType {
        scalar,
        is_array: false,
    }
}

fn act(action: Action) -> Step {
    Step::Action(action)
}

fn sql(text: &str) -> Step {
    Step::Sql(text.into())
}

fn add_column(column: ColumnDef) -> Step {
    act(Action::AddColumn {
        table: t("users"),
        column,
    })
}

/// `public.users`, created by the migration: what makes a step harmless.
fn create_users() -> Step {
    act(Action::AddTable {
        table: t("users"),
        columns: vec![ColumnDef::new("id", ty(ScalarType::Bigint))],
        options: Default::default(),
    })
}

const WITH_TIMEOUT: Context = Context { lock_timeout: true };
const NO_TIMEOUT: Context = Context { lock_timeout: false };

/// For each rule, steps that trigger it on tables that exist (`users`,
/// `posts`), as an action where one exists and as SQL where the rule
/// reads statements; `true` when creating `users` first makes it harmless.
fn cases() -> Vec<(Code, Context, Vec<Step>, bool)> {
    let index = IndexDef {
        name: "users_email".into(),
        table: t("users"),
        columns: vec!["email".into()],
        unique: false,
        method: IndexMethod::Btree,
        predicate: None,
    };
    let fk = ForeignKey {
        columns: vec!["user_id".into()],
        references: t("users"),
        referenced_columns: vec!["id".into()],
        on_delete: ForeignKeyAction::NoAction,
        on_update: ForeignKeyAction::NoAction,
    };
    let c = WITH_TIMEOUT;
    vec![
        (
            Code::MH101,
            c,
            vec![act(Action::AddIndex { index: index.clone() })],
            true,
        ),
        (
            Code::MH101,
            c,
            vec![sql("CREATE INDEX users_name ON users (name)")],
            true,
        ),
        (
            Code::MH102,
            c,
            vec![act(Action::DropIndex {
                index: t("users_email"),
            })],
            false,
        ),
        (Code::MH102, c, vec![sql("DROP INDEX users_email")], false),
        (Code::MH103, c, vec![sql("REINDEX TABLE users")], true),
        (
            Code::MH103,
            c,
            vec![act(Action::DetachPartition {
                parent: t("users"),
                partition: t("users_2025"),
            })],
            true,
        ),
        (
            Code::MH104,
            c,
            vec![act(Action::AddConstraint {
                table: t("users"),
                name: "users_email_key".into(),
                constraint: Constraint::Unique(vec!["email".into()]),
            })],
            true,
        ),
        (
            Code::MH104,
            c,
            vec![sql("ALTER TABLE users ADD PRIMARY KEY (id)")],
            true,
        ),
        (
            Code::MH105,
            c,
            vec![act(Action::AddConstraint {
                table: t("users"),
                name: "no_overlap".into(),
                constraint: Constraint::Sql("EXCLUDE USING gist (during WITH &&)".into()),
            })],
            true,
        ),
        (
            Code::MH106,
            c,
            vec![act(Action::AddConstraint {
                table: t("users"),
                name: "users_author".into(),
                constraint: Constraint::ForeignKey(fk),
            })],
            true,
        ),
        (
            Code::MH106,
            c,
            vec![sql("ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0)")],
            true,
        ),
        (
            Code::MH107,
            c,
            vec![act(Action::AddNotNull {
                table: t("users"),
                column: "email".into(),
            })],
            true,
        ),
        (
            Code::MH107,
            c,
            vec![sql("ALTER TABLE users ALTER COLUMN email SET NOT NULL")],
            true,
        ),
        (
            Code::MH108,
            c,
            vec![add_column(ColumnDef {
                default: Some(ColumnDefault::Expression("gen_random_uuid()".into())),
                ..ColumnDef::new("token", ty(ScalarType::Uuid))
            })],
            true,
        ),
        (
            Code::MH108,
            c,
            vec![sql("ALTER TABLE users ADD COLUMN r float8 DEFAULT random()")],
            true,
        ),
        (
            Code::MH109,
            c,
            vec![add_column(ColumnDef {
                identity: Some(IdentityKind::Always),
                nullable: false,
                ..ColumnDef::new("n", ty(ScalarType::Bigint))
            })],
            true,
        ),
        (
            Code::MH109,
            c,
            vec![sql(
                "ALTER TABLE users ADD COLUMN lower_email text GENERATED ALWAYS AS (lower(email)) STORED",
            )],
            true,
        ),
        (
            Code::MH110,
            c,
            vec![act(Action::ChangeColumnType {
                table: t("users"),
                column: "id".into(),
                new_type: ty(ScalarType::Bigint),
                cast: TypeCast::Auto,
            })],
            true,
        ),
        (
            Code::MH110,
            c,
            vec![sql("ALTER TABLE users ALTER COLUMN id TYPE bigint")],
            true,
        ),
        (
            Code::MH111,
            c,
            vec![act(Action::SetColumnCollation {
                table: t("users"),
                column: "name".into(),
                collation: Some(t("C")),
            })],
            true,
        ),
        (
            Code::MH112,
            c,
            vec![act(Action::SetTableLogged {
                table: t("users"),
                logged: false,
            })],
            true,
        ),
        (Code::MH112, c, vec![sql("ALTER TABLE users SET LOGGED")], true),
        (
            Code::MH113,
            c,
            vec![act(Action::CreateTrigger {
                definition: "CREATE TRIGGER audit AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION audit()".into(),
            })],
            true,
        ),
        (Code::MH114, c, vec![sql("VACUUM (FULL) users")], false),
        (Code::MH114, c, vec![sql("CLUSTER users USING users_pkey")], true),
        (Code::MH201, c, vec![act(Action::DropTable { table: t("users") })], true),
        (Code::MH201, c, vec![sql("DROP TABLE users")], true),
        (
            Code::MH202,
            c,
            vec![act(Action::DropColumn {
                table: t("users"),
                column: "legacy".into(),
            })],
            true,
        ),
        (Code::MH202, c, vec![sql("ALTER TABLE users DROP COLUMN legacy")], true),
        (
            Code::MH203,
            c,
            vec![act(Action::DropSchema { name: "old".into() })],
            false,
        ),
        (Code::MH203, c, vec![sql("DROP SCHEMA old CASCADE")], false),
        (
            Code::MH204,
            c,
            vec![act(Action::DropConstraint {
                table: t("users"),
                name: "users_email_key".into(),
            })],
            true,
        ),
        (
            Code::MH205,
            c,
            vec![act(Action::RenameColumn {
                table: t("users"),
                column: "title".into(),
                new_name: "headline".into(),
            })],
            true,
        ),
        (Code::MH205, c, vec![sql("ALTER TABLE users RENAME TO people")], true),
        (
            Code::MH205,
            c,
            vec![sql("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'")],
            false,
        ),
        (
            Code::MH205,
            c,
            vec![act(Action::RenameEnumValue {
                name: t("mood"),
                value: "sad".into(),
                new_value: "blue".into(),
            })],
            false,
        ),
        (
            Code::MH206,
            c,
            vec![act(Action::DropNotNull {
                table: t("users"),
                column: "email".into(),
            })],
            true,
        ),
        (Code::MH207, c, vec![sql("TRUNCATE users CASCADE")], false),
        (
            Code::MH208,
            c,
            vec![add_column(ColumnDef::new("doc", ty(ScalarType::Json)))],
            false,
        ),
        (Code::MH208, c, vec![sql("CREATE TABLE docs (body json)")], false),
        (
            Code::MH209,
            c,
            vec![act(Action::ChangeColumnType {
                table: t("users"),
                column: "age".into(),
                new_type: ty(ScalarType::Bigint),
                cast: TypeCast::Using("NULL".into()),
            })],
            false,
        ),
        (Code::MH210, c, vec![act(Action::DropType { name: t("mood") })], false),
        (
            Code::MH211,
            c,
            vec![act(Action::DropSequence { name: t("counter") })],
            false,
        ),
        (
            Code::MH301,
            c,
            vec![add_column(ColumnDef {
                nullable: false,
                ..ColumnDef::new("email", ty(ScalarType::Text))
            })],
            true,
        ),
        (
            Code::MH301,
            c,
            vec![sql("ALTER TABLE users ADD COLUMN email text NOT NULL")],
            true,
        ),
        (
            Code::MH401,
            c,
            vec![sql("CREATE INDEX CONCURRENTLY users_name ON users (name)")],
            false,
        ),
        (Code::MH401, c, vec![sql("VACUUM users")], false),
        // As the dry run records what it counted in the live table.
        (
            Code::MH302,
            c,
            vec![Step::Violation {
                code: Code::MH302,
                step: "add-not-null public.users.email".into(),
                rows: 3,
                counts: "row(s) hold NULL in \"email\"".into(),
            }],
            false,
        ),
        (
            Code::MH303,
            c,
            vec![Step::Violation {
                code: Code::MH303,
                step: "add-constraint users_email_key on public.users".into(),
                rows: 1,
                counts: "value(s) of (\"email\") appear more than once".into(),
            }],
            false,
        ),
        (
            Code::MH402,
            c,
            vec![
                sql("ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users NOT VALID"),
                sql("ALTER TABLE posts VALIDATE CONSTRAINT posts_user"),
            ],
            false,
        ),
        (
            Code::MH402,
            c,
            vec![
                act(Action::AddConstraint {
                    table: t("posts"),
                    name: "positive".into(),
                    constraint: Constraint::Sql("CHECK (id > 0) NOT VALID".into()),
                }),
                sql("ALTER TABLE public.posts VALIDATE CONSTRAINT positive"),
            ],
            false,
        ),
        (
            Code::MH403,
            NO_TIMEOUT,
            vec![act(Action::AddNotNull {
                table: t("users"),
                column: "email".into(),
            })],
            true,
        ),
        (
            Code::MH403,
            c,
            vec![
                sql("SET LOCAL lock_timeout = 0"),
                sql("ALTER TABLE users ALTER COLUMN email SET NOT NULL"),
            ],
            true,
        ),
        (
            Code::MH404,
            c,
            vec![
                sql("ALTER TABLE users ALTER COLUMN email SET NOT NULL"),
                sql("UPDATE posts SET title = ''"),
            ],
            true,
        ),
        (
            Code::MH501,
            c,
            vec![add_column(ColumnDef::new("n", ty(ScalarType::Integer)))],
            false,
        ),
        (Code::MH501, c, vec![sql("CREATE TABLE counts (n int)")], false),
        (Code::MH502, c, vec![sql("CREATE TABLE counts (id bigserial)")], false),
        (
            Code::MH503,
            c,
            vec![add_column(ColumnDef::new("code", ty(ScalarType::Varchar(Some(20)))))],
            false,
        ),
        (Code::MH503, c, vec![sql("CREATE TABLE codes (code char(3))")], false),
        (
            Code::MH504,
            c,
            vec![add_column(ColumnDef::new(
                "at",
                ty(ScalarType::Timestamp(TimeOptions {
                    with_time_zone: false,
                    precision: None,
                })),
            ))],
            false,
        ),
        (
            Code::MH505,
            c,
            vec![sql(&format!("CREATE TABLE {} (id bigint)", "x".repeat(64)))],
            false,
        ),
        (
            Code::MH506,
            c,
            vec![act(Action::AddEnumValues {
                name: t("mood"),
                values: vec!["meh".into()],
                position: None,
            })],
            false,
        ),
        (Code::MH506, c, vec![sql("ALTER TYPE mood ADD VALUE 'meh'")], false),
    ]
}

fn codes(report: &Report, code: Code) -> Vec<&Hazard> {
    report.findings.iter().filter(|h| h.code == code).collect()
}

#[test]
fn every_rule_has_a_case_and_codes_are_in_order() {
    let covered: HashSet<Code> = cases().into_iter().map(|(code, ..)| code).collect();
    for (i, rule) in RULES.iter().enumerate() {
        assert!(covered.contains(&rule.code), "{}: no test triggers it", rule.code);
        assert_eq!(rule.code as usize, i);
        assert_eq!(Code::parse(rule.code.as_str()), Some(rule.code));
        assert_eq!(Code::parse(rule.name), Some(rule.code));
        assert!(rule.code.as_str().starts_with("MH") && rule.code.as_str().len() == 5);
        assert!(!rule.why.is_empty() && !rule.instead.is_empty() && !rule.peers.is_empty());
    }
}

#[test]
fn each_case_triggers_its_rule() {
    for (code, context, steps, _) in cases() {
        let report = lint_steps(&steps, context);
        let found = codes(&report, code);
        assert!(!found.is_empty(), "{code} not triggered by {steps:?}: {report:#?}");
        assert!(found.iter().all(|h| h.suppressed.is_none()));
        if code.rule().severity == Severity::Error {
            assert!(report.errors() > 0, "{code}");
        }
    }
}

#[test]
fn each_rule_is_suppressed_by_its_code_and_the_suppression_is_listed() {
    for (code, context, steps, _) in cases() {
        let mut allowed = vec![Step::Allow {
            code,
            reason: "reviewed".into(),
        }];
        allowed.extend(steps.iter().cloned());
        let report = lint_steps(&allowed, context);
        let found = codes(&report, code);
        assert!(!found.is_empty(), "{code}");
        assert!(
            found.iter().all(|h| h.suppressed.as_deref() == Some("reviewed")),
            "{code}: {report:#?}"
        );
        assert_eq!(report.suppressions.len(), 1);
        assert_eq!(report.suppressions[0].code, code);
        assert_eq!(report.suppressions[0].hid, found.len());
        // Only what the suppression hides stops counting.
        let unsuppressed = lint_steps(&steps, context);
        let hidden = found.iter().filter(|h| h.severity == Severity::Error).count();
        assert_eq!(report.errors(), unsuppressed.errors() - hidden, "{code}");
    }
}

#[test]
fn a_suppression_covers_only_the_steps_after_it() {
    let drop = act(Action::DropTable { table: t("users") });
    let allow = Step::Allow {
        code: Code::MH201,
        reason: "archived".into(),
    };
    let report = lint_steps(&[drop.clone(), allow, drop], WITH_TIMEOUT);
    let found = codes(&report, Code::MH201);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].suppressed, None);
    assert_eq!(found[1].suppressed.as_deref(), Some("archived"));
    assert_eq!(report.errors(), 1);
}

#[test]
fn a_step_on_a_table_the_migration_creates_is_never_flagged() {
    for (code, context, steps, on_table) in cases() {
        if !on_table {
            continue;
        }
        // `posts` is `users` in the cases that need two tables; none here does.
        let mut fresh = vec![create_users()];
        fresh.extend(steps.iter().cloned());
        let report = lint_steps(&fresh, context);
        assert!(
            codes(&report, code).is_empty(),
            "{code} flagged on a new table: {report:#?}"
        );
    }
    // Created by SQL, then changed by SQL.
    let report = lint_steps(
        &[
            sql("CREATE TABLE t (id bigint)"),
            sql("CREATE INDEX t_id ON t (id)"),
            sql("ALTER TABLE t ADD PRIMARY KEY (id)"),
            sql("DROP INDEX t_id"),
        ],
        WITH_TIMEOUT,
    );
    assert_eq!(report.findings, vec![]);
}

#[test]
fn a_timeout_the_migration_sets_or_a_concurrent_index_is_no_finding() {
    let report = lint_steps(
        &[
            sql("SET LOCAL lock_timeout = '2s'"),
            act(Action::AddNotNull {
                table: t("users"),
                column: "email".into(),
            }),
        ],
        NO_TIMEOUT,
    );
    assert!(codes(&report, Code::MH403).is_empty());
    let report = lint_steps(
        &[
            sql("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email"),
            sql("ALTER TABLE users ADD COLUMN at timestamptz DEFAULT now()"),
            sql("ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok'"),
            sql("ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0) NOT VALID"),
        ],
        WITH_TIMEOUT,
    );
    let found: Vec<Code> = report.findings.iter().map(|h| h.code).collect();
    // USING INDEX takes ACCESS EXCLUSIVE briefly: the later steps run under it.
    assert!(
        !found.contains(&Code::MH104) && !found.contains(&Code::MH108),
        "{found:?}"
    );
    assert!(
        !found.contains(&Code::MH506) && !found.contains(&Code::MH106),
        "{found:?}"
    );
}

#[test]
fn a_step_outside_the_transaction_is_no_finding_and_a_commit_ends_what_was_held() {
    let index = IndexDef {
        name: "users_email_idx".into(),
        table: t("users"),
        columns: vec!["email".into()],
        unique: false,
        method: IndexMethod::Btree,
        predicate: None,
    };
    let concurrently = |step| act(Action::Concurrently { step });
    let report = lint_steps(
        &[
            concurrently(crate::actions::concurrent::Concurrent::AddIndex { index: index.clone() }),
            concurrently(crate::actions::concurrent::Concurrent::DropIndex {
                index: t("users_old_idx"),
            }),
            concurrently(crate::actions::concurrent::Concurrent::Reindex { index: t("users_pkey") }),
            concurrently(crate::actions::concurrent::Concurrent::DetachPartition {
                parent: t("events"),
                partition: t("events_2020"),
            }),
            Step::SqlOutside("VACUUM users".into()),
        ],
        WITH_TIMEOUT,
    );
    assert_eq!(report.findings, vec![]);
    // The same in the migration's transaction is flagged.
    let inside = lint_steps(&[act(Action::AddIndex { index }), sql("VACUUM users")], WITH_TIMEOUT);
    let found: Vec<Code> = inside.findings.iter().map(|h| h.code).collect();
    assert!(
        found.contains(&Code::MH101) && found.contains(&Code::MH401),
        "{found:?}"
    );
    // A constraint validated after a commit-step is validated under its own, weaker lock.
    let add = act(Action::AddConstraint {
        table: t("posts"),
        name: "positive".into(),
        constraint: Constraint::Sql("CHECK (id > 0) NOT VALID".into()),
    });
    let validate = sql("ALTER TABLE public.posts VALIDATE CONSTRAINT positive");
    let report = lint_steps(&[add.clone(), Step::Commit, validate.clone()], WITH_TIMEOUT);
    assert!(codes(&report, Code::MH402).is_empty(), "{:?}", report.findings);
    let report = lint_steps(&[add, validate], WITH_TIMEOUT);
    assert_eq!(codes(&report, Code::MH402).len(), 1);
    // A step of its own ends what the transaction before it held.
    let exclusive = act(Action::DropIndex {
        index: t("users_old_idx"),
    });
    let after = act(Action::AddColumn {
        table: t("users"),
        column: ColumnDef::new("note", ty(ScalarType::Text)),
    });
    let validate_own = concurrently(crate::actions::concurrent::Concurrent::ValidateConstraint {
        table: t("posts"),
        name: "positive".into(),
    });
    let report = lint_steps(&[exclusive.clone(), validate_own, after.clone()], WITH_TIMEOUT);
    assert!(codes(&report, Code::MH404).is_empty(), "{:?}", report.findings);
    let report = lint_steps(&[exclusive, after], WITH_TIMEOUT);
    assert_eq!(codes(&report, Code::MH404).len(), 1);
}

#[test]
fn drops_rewrites_and_locks_are_flagged_with_what_to_do_instead() {
    let hazards = lint(&[
        Action::DropTable { table: t("old") },
        Action::DropColumn {
            table: t("users"),
            column: "legacy".into(),
        },
        Action::ChangeColumnType {
            table: t("users"),
            column: "id".into(),
            new_type: ty(ScalarType::Bigint),
            cast: TypeCast::Auto,
        },
        Action::AddNotNull {
            table: t("users"),
            column: "email".into(),
        },
        Action::SetColumnDefault {
            table: t("users"),
            column: "email".into(),
            default: crate::model::ColumnDefault::Expression("''".into()),
        },
    ]);
    let kinds: Vec<(Code, Option<HazardKind>)> = hazards.iter().map(|h| (h.code, h.kind)).collect();
    assert_eq!(
        kinds,
        [
            (Code::MH201, Some(HazardKind::DataLoss)),
            (Code::MH202, Some(HazardKind::DataLoss)),
            (Code::MH110, Some(HazardKind::Rewrite)),
            (Code::MH107, Some(HazardKind::Lock)),
        ]
    );
    assert_eq!(
        hazards[3].to_string(),
        "add-not-null public.users.email (long lock): SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE \
         lock; instead: add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT after a commit-step, then SET \
         NOT NULL (Postgres then skips the scan)"
    );
}

#[test]
fn a_table_created_by_the_same_steps_is_not_a_hazard() {
    let hazards = lint(&[
        Action::AddTable {
            table: t("fresh"),
            columns: vec![ColumnDef::new("id", ty(ScalarType::Bigint))],
            options: Default::default(),
        },
        Action::AddNotNull {
            table: t("fresh"),
            column: "id".into(),
        },
        Action::AddConstraint {
            table: t("fresh"),
            name: "fresh_pkey".into(),
            constraint: Constraint::PrimaryKey(vec!["id".into()]),
        },
        Action::AddIndexSql {
            definition: "CREATE INDEX fresh_id ON fresh (id)".into(),
        },
        Action::DropColumn {
            table: t("fresh"),
            column: "id".into(),
        },
    ]);
    assert_eq!(hazards, vec![]);
    assert!(data_loss(&Action::DropTable { table: t("fresh") }).is_some());
}

#[test]
fn an_enum_value_with_a_position_or_on_a_new_enum_is_no_finding() {
    let report = lint_steps(
        &[
            act(Action::CreateEnum {
                name: t("mood"),
                values: vec!["ok".into()],
            }),
            act(Action::AddEnumValues {
                name: t("mood"),
                values: vec!["meh".into()],
                position: None,
            }),
            act(Action::AddEnumValues {
                name: t("other"),
                values: vec!["x".into()],
                position: Some(EnumPosition::After("y".into())),
            }),
        ],
        WITH_TIMEOUT,
    );
    assert_eq!(report.findings, vec![]);
}

/// The README's rule table is this table, row for row: the docs cannot
/// drift from the codes a suppression names.
#[test]
fn the_readme_lists_every_rule_as_the_table_defines_it() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    for rule in RULES {
        let kind = match rule.kind {
            Some(HazardKind::Lock) => "long lock",
            Some(HazardKind::Rewrite) => "rewrite",
            Some(HazardKind::DataLoss) => "loses data",
            None => "—",
        };
        let severity = match rule.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let row = format!(
            "| `{}` | `{}` | {severity} | {kind} | {} | {} | {} |",
            rule.code, rule.name, rule.why, rule.instead, rule.peers
        );
        assert!(readme.contains(&row), "README.md lacks the row\n{row}");
    }
}

#[test]
fn the_data_checks_count_nulls_and_duplicates_before_the_ddl() {
    let check = crate::actions::data_check(
        &Action::AddNotNull {
            table: t("users"),
            column: "email".into(),
        },
        DEFAULT_SCHEMA,
    )
    .unwrap()
    .unwrap();
    assert_eq!(check.rule, Code::MH302);
    assert_eq!(
        check.sql,
        r#"SELECT count(*) FROM "public"."users" WHERE "email" IS NULL"#
    );
    let index = IndexDef {
        name: "users_email".into(),
        table: QualifiedName::qualified("app", "users"),
        columns: vec!["org".into(), "email".into()],
        unique: true,
        method: IndexMethod::Btree,
        predicate: Some("deleted_at IS NULL".into()),
    };
    let check = crate::actions::data_check(&Action::AddIndex { index: index.clone() }, DEFAULT_SCHEMA)
        .unwrap()
        .unwrap();
    assert_eq!(check.rule, Code::MH303);
    assert_eq!(
        check.sql,
        r#"SELECT count(*) FROM (SELECT 1 FROM "app"."users" WHERE "org" IS NOT NULL AND "email" IS NOT NULL AND (deleted_at IS NULL) GROUP BY "org", "email" HAVING count(*) > 1) AS duplicated"#
    );
    let plain = Action::AddIndex {
        index: IndexDef { unique: false, ..index },
    };
    assert!(crate::actions::data_check(&plain, DEFAULT_SCHEMA).unwrap().is_none());
    // A unique index written as SQL is counted when its keys are plain columns.
    let sql = |definition: &str| {
        crate::actions::data_check(
            &Action::AddIndexSql {
                definition: definition.into(),
            },
            DEFAULT_SCHEMA,
        )
        .unwrap()
        .map(|c| c.sql)
    };
    assert_eq!(
        sql("CREATE UNIQUE INDEX users_email ON app.users USING btree (org, email) INCLUDE (name)").as_deref(),
        Some(
            r#"SELECT count(*) FROM (SELECT 1 FROM "app"."users" WHERE "org" IS NOT NULL AND "email" IS NOT NULL GROUP BY "org", "email" HAVING count(*) > 1) AS duplicated"#
        )
    );
    for uncounted in [
        "CREATE INDEX users_email ON users (email)",
        "CREATE UNIQUE INDEX users_email ON users (lower(email))",
        "CREATE UNIQUE INDEX users_email ON users (email) WHERE deleted_at IS NULL",
        "CREATE UNIQUE INDEX users_email ON users (email) NULLS NOT DISTINCT",
        "CREATE UNIQUE INDEX users_email ON users (email COLLATE \"C\")",
    ] {
        assert_eq!(sql(uncounted), None, "{uncounted}");
    }
}
