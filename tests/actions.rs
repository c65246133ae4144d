//! Every action, end to end: guest component → WIT → host → SQL → Postgres.
//! The interpreter fixture replays the actions each test queues (see
//! tests/fixtures/interp), so the calls cross the same boundary a real
//! migration's calls do.

mod support;

use migrate_host::actions::Action;
use migrate_host::model::{
    ColumnDef, ColumnDefault, Constraint, DataType, EnumPosition, ForeignKey, ForeignKeyAction, IndexDef, IndexMethod,
    NumericPrecision, QualifiedName, ScalarType, SqlValue, TimeOptions, TypeCast,
};
use serde_json::json;
use support::*;

fn sqlstate(e: &tokio_postgres::Error) -> String {
    e.code().map(|c| c.code().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn every_column_type_is_created_as_declared() {
    let (db, _dir) = interp_db(&["interp_1"]).await;
    let tz = |with_time_zone| TimeOptions {
        with_time_zone,
        precision: None,
    };
    let cases: Vec<(ScalarType, &str)> = vec![
        (ScalarType::Smallint, "smallint"),
        (ScalarType::Integer, "integer"),
        (ScalarType::Bigint, "bigint"),
        (ScalarType::Numeric(None), "numeric"),
        (
            ScalarType::Numeric(Some(NumericPrecision {
                precision: 10,
                scale: 2,
            })),
            "numeric(10,2)",
        ),
        (ScalarType::Real, "real"),
        (ScalarType::DoublePrecision, "double precision"),
        (ScalarType::Smallserial, "smallint"),
        (ScalarType::Serial, "integer"),
        (ScalarType::Bigserial, "bigint"),
        (ScalarType::Money, "money"),
        (ScalarType::Char(None), "character(1)"),
        (ScalarType::Char(Some(10)), "character(10)"),
        (ScalarType::Varchar(None), "character varying"),
        (ScalarType::Varchar(Some(40)), "character varying(40)"),
        (ScalarType::Text, "text"),
        (ScalarType::Bytea, "bytea"),
        (ScalarType::Boolean, "boolean"),
        (ScalarType::Date, "date"),
        (ScalarType::Time(tz(false)), "time without time zone"),
        (ScalarType::Time(tz(true)), "time with time zone"),
        (ScalarType::Timestamp(tz(false)), "timestamp without time zone"),
        (ScalarType::Timestamp(tz(true)), "timestamp with time zone"),
        (
            ScalarType::Timestamp(TimeOptions {
                with_time_zone: true,
                precision: Some(3),
            }),
            "timestamp(3) with time zone",
        ),
        (ScalarType::Interval, "interval"),
        (ScalarType::Uuid, "uuid"),
        (ScalarType::Json, "json"),
        (ScalarType::Jsonb, "jsonb"),
        (ScalarType::Xml, "xml"),
        (ScalarType::Point, "point"),
        (ScalarType::Line, "line"),
        (ScalarType::Lseg, "lseg"),
        (ScalarType::Box, "box"),
        (ScalarType::Path, "path"),
        (ScalarType::Polygon, "polygon"),
        (ScalarType::Circle, "circle"),
        (ScalarType::Cidr, "cidr"),
        (ScalarType::Inet, "inet"),
        (ScalarType::Macaddr, "macaddr"),
        (ScalarType::Macaddr8, "macaddr8"),
        (ScalarType::Bit(Some(8)), "bit(8)"),
        (ScalarType::Varbit(None), "bit varying"),
        (ScalarType::Tsvector, "tsvector"),
        (ScalarType::Tsquery, "tsquery"),
        (ScalarType::Int4range, "int4range"),
        (ScalarType::Int8range, "int8range"),
        (ScalarType::Numrange, "numrange"),
        (ScalarType::Tsrange, "tsrange"),
        (ScalarType::Tstzrange, "tstzrange"),
        (ScalarType::Daterange, "daterange"),
        (ScalarType::Oid, "oid"),
    ];
    let columns: Vec<ColumnDef> = cases
        .iter()
        .enumerate()
        .map(|(i, (s, _))| col(&format!("c{i}"), s.clone()))
        .collect();
    let mut ops = vec![act(Action::AddTable {
        options: Default::default(),
        table: t("all_types"),
        columns,
    })];
    // And every non-serial type as an array, added column by column.
    for (i, (scalar, _)) in cases.iter().enumerate() {
        if !matches!(
            scalar,
            ScalarType::Smallserial | ScalarType::Serial | ScalarType::Bigserial
        ) {
            ops.push(act(Action::AddColumn {
                table: t("all_types"),
                column: array_col(&format!("a{i}"), scalar.clone()),
            }));
        }
    }
    queue(&db, "r1", "up", &ops).await;
    db.apply_all().await.expect("apply");

    let rows = db
        .client()
        .query(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'all_types'::regclass AND attnum > 0 ORDER BY attnum",
            &[],
        )
        .await
        .unwrap();
    let actual: std::collections::HashMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for (i, (scalar, expected)) in cases.iter().enumerate() {
        assert_eq!(actual[&format!("c{i}")], *expected, "{scalar:?}");
        if let Some(array) = actual.get(&format!("a{i}")) {
            assert_eq!(*array, format!("{expected}[]"), "{scalar:?}[]");
        }
    }
    db.drop().await.unwrap();
}

#[tokio::test]
async fn tables_reserved_names_renames_and_drops() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: t("user"),
                columns: vec![col("select", ScalarType::Text)],
            }),
            act(Action::AddTable {
                options: Default::default(),
                table: t("Mixed Case"),
                columns: vec![],
            }),
            act(Action::RenameTable {
                table: t("Mixed Case"),
                new_name: "renamed".into(),
            }),
            act(Action::AddColumn {
                table: t("user"),
                column: col("old", ScalarType::Integer),
            }),
            act(Action::RenameColumn {
                table: t("user"),
                column: "old".into(),
                new_name: "new".into(),
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[
            act(Action::DropColumn {
                table: t("user"),
                column: "new".into(),
            }),
            act(Action::DropTable { table: t("renamed") }),
        ],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    db.client()
        .execute(r#"INSERT INTO "user" ("select", new) VALUES ('x', 1)"#, &[])
        .await
        .unwrap();
    assert!(table_exists(&db, "renamed").await);
    assert!(!table_exists(&db, "Mixed Case").await);

    db.apply_all().await.unwrap();
    let err = db.client().query(r#"SELECT new FROM "user""#, &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "42703", "{err}");
    let err = db.client().query("SELECT 1 FROM renamed", &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "42P01", "{err}");
    db.drop().await.unwrap();
}

#[tokio::test]
async fn arrays_and_query_results_round_trip() {
    let (db, _dir) = interp_db(&["interp_1"]).await;
    let table = t("vals");
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: table.clone(),
                columns: vec![
                    array_col("tags", ScalarType::Varchar(None)),
                    col("n", ScalarType::Bigint),
                    col("price", ScalarType::Numeric(Some(NumericPrecision { precision: 10, scale: 2 }))),
                    col("ok", ScalarType::Boolean),
                    col("id", ScalarType::Uuid),
                    col("at", ScalarType::Timestamp(TimeOptions { with_time_zone: true, precision: None })),
                    col("doc", ScalarType::Jsonb),
                    col("raw", ScalarType::Bytea),
                    col("day", ScalarType::Date),
                    col("note", ScalarType::Text),
                ],
            }),
            execute(
                "INSERT INTO vals (tags, n, price, ok, id, at, doc, raw, day, note) VALUES \
                 (ARRAY[$1, $2], $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    text("value_1"),
                    text("value_2"),
                    SqlValue::Int(9_007_199_254_740_993),
                    SqlValue::Numeric("1234.50".into()),
                    SqlValue::Boolean(true),
                    text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                    text("2026-11-25T10:00:00Z"),
                    SqlValue::Json(r#"{"a": [1, 2]}"#.into()),
                    SqlValue::Bytes(vec![0, 159, 255]),
                    text("2026-01-31"),
                    SqlValue::Null,
                ],
            ),
            query(
                "SELECT array_to_json(tags) AS tags, n, price, ok, id, at, doc, raw, day, note, 'x'::text AS lit FROM vals",
                &[],
            ),
        ],
    )
    .await;
    db.apply_all().await.expect("apply");
    let results = results(&db).await;
    assert_eq!(
        results[0],
        json!({
            "columns": ["tags", "n", "price", "ok", "id", "at", "doc", "raw", "day", "note", "lit"],
            "rows": [[
                {"Json": "[\"value_1\",\"value_2\"]"},
                {"Int": 9_007_199_254_740_993_i64},
                {"Numeric": "1234.50"},
                {"Boolean": true},
                {"Text": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
                {"Text": "2026-11-25T10:00:00Z"},
                {"Json": "{\"a\": [1, 2]}"},
                {"Bytes": [0, 159, 255]},
                {"Text": "2026-01-31"},
                "Null",
                {"Text": "x"}
            ]]
        })
    );
    // The array really is an array of varchar, read back by Postgres itself.
    let tags: Vec<String> = db
        .client()
        .query_one("SELECT tags FROM vals", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tags, ["value_1", "value_2"]);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn change_column_type_autocast_matrix() {
    let (db, _dir) = interp_db(&["interp_1"]).await;
    let int = ScalarType::Integer;
    let tz = |with_time_zone| TimeOptions {
        with_time_zone,
        precision: None,
    };
    // (from, to, value inserted as text, expected value as text, automatic cast)
    let cases: Vec<(ScalarType, DataType, &str, &str, bool)> = vec![
        (
            ScalarType::Varchar(None),
            ScalarType::Text.into_dt(),
            "hello",
            "hello",
            false,
        ),
        (
            ScalarType::Text,
            ScalarType::Varchar(None).into_dt(),
            "hello",
            "hello",
            false,
        ),
        (ScalarType::Varchar(None), int.clone().into_dt(), "123", "123", true),
        (ScalarType::Text, int.clone().into_dt(), "456", "456", true),
        (ScalarType::Integer, ScalarType::Bigint.into_dt(), "50", "50", false),
        (ScalarType::Integer, ScalarType::Smallint.into_dt(), "50", "50", false),
        (ScalarType::Smallint, int.clone().into_dt(), "50", "50", false),
        (ScalarType::Integer, ScalarType::Real.into_dt(), "123", "123", false),
        (
            ScalarType::Real,
            ScalarType::DoublePrecision.into_dt(),
            "123.5",
            "123.5",
            false,
        ),
        (
            ScalarType::Varchar(None),
            ScalarType::Boolean.into_dt(),
            "true",
            "true",
            true,
        ),
        (ScalarType::Text, ScalarType::Boolean.into_dt(), "false", "false", true),
        (ScalarType::Integer, ScalarType::Boolean.into_dt(), "1", "true", true),
        (
            ScalarType::Varchar(None),
            ScalarType::Date.into_dt(),
            "2023-01-01",
            "2023-01-01",
            true,
        ),
        (
            ScalarType::Text,
            ScalarType::Timestamp(tz(false)).into_dt(),
            "2023-01-01 12:00:00",
            "2023-01-01 12:00:00",
            true,
        ),
        (
            ScalarType::Text,
            ScalarType::Json.into_dt(),
            r#"{"a": 1}"#,
            r#"{"a": 1}"#,
            true,
        ),
        (
            ScalarType::Varchar(None),
            ScalarType::Jsonb.into_dt(),
            r#"{"a": 1}"#,
            r#"{"a": 1}"#,
            true,
        ),
        (
            ScalarType::Json,
            ScalarType::Jsonb.into_dt(),
            r#"{"a": 1}"#,
            r#"{"a": 1}"#,
            false,
        ),
        (
            ScalarType::Varchar(None),
            ScalarType::Uuid.into_dt(),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            true,
        ),
        (
            ScalarType::Date,
            ScalarType::Timestamp(tz(false)).into_dt(),
            "2023-01-01",
            "2023-01-01 00:00:00",
            false,
        ),
        (
            ScalarType::Char(Some(10)),
            ScalarType::Varchar(None).into_dt(),
            "abc",
            "abc",
            false,
        ),
        (
            ScalarType::Integer,
            DataType {
                scalar: ScalarType::Integer,
                is_array: true,
            },
            "42",
            "{42}",
            true,
        ),
        (
            ScalarType::Varchar(None),
            ScalarType::Named(t("test_enum")).into_dt(),
            "A",
            "A",
            true,
        ),
    ];
    let mut ops = vec![act(Action::CreateEnum {
        name: t("test_enum"),
        values: vec!["A".into(), "B".into()],
    })];
    for (i, (from, to, value, _, auto)) in cases.iter().enumerate() {
        let table = t(&format!("cast_{i}"));
        ops.push(act(Action::AddTable {
            options: Default::default(),
            table: table.clone(),
            columns: vec![col("c", from.clone())],
        }));
        ops.push(execute(
            &format!("INSERT INTO cast_{i} (c) VALUES ($1::text::{})", type_sql(from)),
            &[text(value)],
        ));
        ops.push(act(Action::ChangeColumnType {
            table,
            column: "c".into(),
            new_type: to.clone(),
            cast: if *auto { TypeCast::Auto } else { TypeCast::None },
        }));
    }
    queue(&db, "r1", "up", &ops).await;
    db.apply_all().await.expect("apply");
    for (i, (from, to, _, expected, _)) in cases.iter().enumerate() {
        let row = db
            .client()
            .query_one(&format!("SELECT c::text, format_type(atttypid, atttypmod) FROM cast_{i}, pg_attribute WHERE attrelid = 'cast_{i}'::regclass AND attname = 'c'"), &[])
            .await
            .unwrap();
        let (value, ty): (String, String) = (row.get(0), row.get(1));
        assert_eq!(value, *expected, "{from:?} -> {to:?}");
        assert_ne!(
            ty,
            type_sql(from),
            "{from:?} -> {to:?}: the column's type did not change"
        );
    }
    // After an automatic cast to integer on an empty column, integers insert.
    db.client()
        .execute("INSERT INTO cast_2 (c) VALUES (42)", &[])
        .await
        .unwrap();
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_failed_cast_fails_the_migration_with_the_database_error() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: t("c"),
                columns: vec![col("v", ScalarType::Varchar(None))],
            }),
            execute("INSERT INTO c (v) VALUES ('not_a_number')", &[]),
        ],
    )
    .await;
    let to_int = |cast| Action::ChangeColumnType {
        table: t("c"),
        column: "v".into(),
        new_type: ScalarType::Integer.into_dt(),
        cast,
    };
    queue(&db, "r2", "up", &[act(to_int(TypeCast::None))]).await;
    db.apply_to("r1").await.unwrap();
    let err = message(&db.apply_all().await.unwrap_err());
    assert!(err.contains("cannot be cast automatically to type integer"), "{err}");
    assert!(err.contains("change-column-type public.c.v"), "{err}");
    assert!(
        err.contains(r#"ALTER TABLE "public"."c" ALTER COLUMN "v" TYPE integer"#),
        "{err}"
    );

    db.client()
        .execute(
            "UPDATE interp_ops SET op = $1::text::jsonb WHERE revision = 'r2'",
            &[&act(to_int(TypeCast::Auto)).to_string()],
        )
        .await
        .unwrap();
    let err = message(&db.apply_all().await.unwrap_err());
    assert!(err.contains("invalid input syntax for type integer"), "{err}");
    assert_eq!(history(&db).await, [("r1".to_owned(), "apply".to_owned())]);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn foreign_keys_cascade() {
    let (db, _dir) = interp_db(&["interp_1"]).await;
    let fk = ForeignKey {
        columns: vec!["parent_id".into()],
        references: t("parent"),
        referenced_columns: vec!["id".into()],
        on_delete: ForeignKeyAction::Cascade,
        on_update: ForeignKeyAction::Cascade,
    };
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: t("parent"),
                columns: vec![col("id", ScalarType::Integer)],
            }),
            act(Action::AddConstraint {
                table: t("parent"),
                name: "parent_pkey".into(),
                constraint: Constraint::PrimaryKey(vec!["id".into()]),
            }),
            act(Action::AddTable {
                options: Default::default(),
                table: t("child"),
                columns: vec![col("id", ScalarType::Integer), col("parent_id", ScalarType::Integer)],
            }),
            act(Action::AddConstraint {
                table: t("child"),
                name: "child_parent_id_fkey".into(),
                constraint: Constraint::ForeignKey(fk),
            }),
        ],
    )
    .await;
    db.apply_all().await.unwrap();
    let c = db.client();
    c.batch_execute("INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1)")
        .await
        .unwrap();
    let err = c.execute("INSERT INTO child VALUES (11, 2)", &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "23503", "{err}");
    c.execute("UPDATE parent SET id = 5 WHERE id = 1", &[]).await.unwrap();
    let moved: i32 = c.query_one("SELECT parent_id FROM child", &[]).await.unwrap().get(0);
    assert_eq!(moved, 5);
    c.execute("DELETE FROM parent", &[]).await.unwrap();
    let left: i64 = c.query_one("SELECT count(*) FROM child", &[]).await.unwrap().get(0);
    assert_eq!(left, 0);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn unique_primary_key_and_check_constraints_and_their_removal() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: t("item"),
                columns: vec![col("name", ScalarType::Text), col("price", ScalarType::Integer)],
            }),
            act(Action::AddConstraint {
                table: t("item"),
                name: "item_name_key".into(),
                constraint: Constraint::Unique(vec!["name".into()]),
            }),
            act(Action::AddConstraint {
                table: t("item"),
                name: "price_positive".into(),
                constraint: Constraint::Check("price > 0".into()),
            }),
            act(Action::AddColumn {
                table: t("item"),
                column: col("code", ScalarType::Integer),
            }),
            act(Action::AddConstraint {
                table: t("item"),
                name: "item_pkey".into(),
                constraint: Constraint::PrimaryKey(vec!["code".into()]),
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[act(Action::DropConstraint {
            table: t("item"),
            name: "item_name_key".into(),
        })],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let c = db.client();
    c.execute("INSERT INTO item VALUES ('a', 1, 1)", &[]).await.unwrap();
    assert_eq!(
        sqlstate(&c.execute("INSERT INTO item VALUES ('a', 1, 2)", &[]).await.unwrap_err()),
        "23505"
    );
    assert_eq!(
        sqlstate(&c.execute("INSERT INTO item VALUES ('b', 1, 1)", &[]).await.unwrap_err()),
        "23505"
    );
    assert_eq!(
        sqlstate(
            &c.execute("INSERT INTO item VALUES ('c', -1, 3)", &[])
                .await
                .unwrap_err()
        ),
        "23514"
    );
    db.apply_all().await.unwrap();
    c.execute("INSERT INTO item VALUES ('a', 1, 2)", &[]).await.unwrap();
    db.drop().await.unwrap();
}

#[tokio::test]
async fn not_null_and_defaults_on_and_off() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: t("n"),
                columns: vec![col("a", ScalarType::Text), col("b", ScalarType::Integer)],
            }),
            act(Action::AddNotNull {
                table: t("n"),
                column: "a".into(),
            }),
            act(Action::SetColumnDefault {
                table: t("n"),
                column: "a".into(),
                default: ColumnDefault::Value(text("it's a default")),
            }),
            act(Action::SetColumnDefault {
                table: t("n"),
                column: "b".into(),
                default: ColumnDefault::Expression("40 + 2".into()),
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[
            act(Action::DropNotNull {
                table: t("n"),
                column: "a".into(),
            }),
            act(Action::DropColumnDefault {
                table: t("n"),
                column: "a".into(),
            }),
            act(Action::DropColumnDefault {
                table: t("n"),
                column: "b".into(),
            }),
        ],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let c = db.client();
    assert_eq!(
        sqlstate(&c.execute("INSERT INTO n (a) VALUES (NULL)", &[]).await.unwrap_err()),
        "23502"
    );
    let row = c
        .query_one("INSERT INTO n DEFAULT VALUES RETURNING a, b", &[])
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, i32>(1)),
        ("it's a default".to_owned(), 42)
    );
    db.apply_all().await.unwrap();
    let row = c
        .query_one("INSERT INTO n DEFAULT VALUES RETURNING a, b", &[])
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, Option<String>>(0), row.get::<_, Option<i32>>(1)),
        (None, None)
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn enums_create_add_and_drop_values_with_data_present() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2", "interp_3"]).await;
    let status = t("status");
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::CreateEnum {
                name: status.clone(),
                values: vec!["zeta".into(), "beta".into(), "alpha".into()],
            }),
            act(Action::AddTable {
                options: Default::default(),
                table: t("doc"),
                columns: vec![
                    ColumnDef {
                        default: Some(ColumnDefault::Value(text("zeta"))),
                        ..col("status", ScalarType::Named(status.clone()))
                    },
                    array_col("history", ScalarType::Named(status.clone())),
                ],
            }),
            act(Action::AddEnumValues {
                name: status.clone(),
                values: vec!["omega".into()],
                position: None,
            }),
            act(Action::AddEnumValues {
                name: status.clone(),
                values: vec!["gamma".into(), "delta".into()],
                position: Some(EnumPosition::Before("alpha".into())),
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[act(Action::DropEnumValues {
            name: status.clone(),
            values: vec!["beta".into(), "gamma".into()],
        })],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let labels = || async {
        db.client()
            .query_one("SELECT enum_range(NULL::status)::text", &[])
            .await
            .unwrap()
            .get::<_, String>(0)
    };
    assert_eq!(labels().await, "{zeta,beta,gamma,delta,alpha,omega}");
    let c = db.client();
    assert_eq!(
        sqlstate(
            &c.execute("INSERT INTO doc (status) VALUES ('nope')", &[])
                .await
                .unwrap_err()
        ),
        "22P02"
    );
    c.batch_execute("INSERT INTO doc (status, history) VALUES ('beta', '{zeta,beta}'), ('alpha', '{gamma}')")
        .await
        .unwrap();

    // Rows still hold removed values: refused, naming table and column, nothing changed.
    let err = message(&db.apply_to("r2").await.unwrap_err());
    assert!(err.contains("cannot remove \"beta\" from enum \"public\".\"status\": 1 row(s) of \"public\".\"doc\" still hold it in column \"history\""), "{err}");
    assert_eq!(labels().await, "{zeta,beta,gamma,delta,alpha,omega}");

    c.batch_execute("UPDATE doc SET status = 'alpha', history = '{zeta}'")
        .await
        .unwrap();
    // A constraint and an index that name the enum's values must survive its re-creation.
    c.batch_execute(
        "ALTER TABLE doc ADD CONSTRAINT doc_not_omega CHECK (status <> 'omega');
         CREATE INDEX doc_not_delta ON doc (status) WHERE status <> 'delta';",
    )
    .await
    .unwrap();
    db.apply_to("r2").await.unwrap();
    assert_eq!(labels().await, "{zeta,delta,alpha,omega}", "order kept, not re-sorted");
    let kept: i64 = c
        .query_one(
            "SELECT (SELECT count(*) FROM pg_constraint WHERE conname = 'doc_not_omega') \
                  + (SELECT count(*) FROM pg_indexes WHERE indexname = 'doc_not_delta')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 2, "the dependent constraint and index were re-created");
    assert_eq!(
        sqlstate(
            &c.execute("INSERT INTO doc (status) VALUES ('omega')", &[])
                .await
                .unwrap_err()
        ),
        "23514"
    );
    let rows = c
        .query("SELECT status::text, history::text FROM doc ORDER BY 1", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<_, String>(1), "{zeta}");
    // The default survived the re-creation, and the columns use the new type.
    let status: String = c
        .query_one("INSERT INTO doc DEFAULT VALUES RETURNING status::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "zeta");
    assert_eq!(
        sqlstate(
            &c.execute("INSERT INTO doc (status) VALUES ('beta')", &[])
                .await
                .unwrap_err()
        ),
        "22P02"
    );
    let leftovers: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_type WHERE typname LIKE '_migrate_host_old_enum_%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(leftovers, 0);

    queue(
        &db,
        "r3",
        "up",
        &[
            act(Action::DropTable { table: t("doc") }),
            act(Action::DropType { name: t("status") }),
        ],
    )
    .await;
    db.apply_all().await.unwrap();
    assert_eq!(
        sqlstate(&c.execute("CREATE TABLE x (s status)", &[]).await.unwrap_err()),
        "42704"
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn indexes_add_and_drop() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    let index = |name: &str, columns: &[&str], unique, predicate: Option<&str>| IndexDef {
        name: name.into(),
        table: t("test_table"),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        unique,
        method: IndexMethod::Btree,
        predicate: predicate.map(Into::into),
    };
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: t("test_table"),
                columns: vec![
                    col("test_column", ScalarType::Text),
                    col("first_column", ScalarType::Integer),
                    col("second_column", ScalarType::Integer),
                ],
            }),
            act(Action::AddIndex {
                index: index("test_single_column_index", &["test_column"], false, None),
            }),
            act(Action::AddIndex {
                index: index(
                    "test_multi_column_index",
                    &["first_column", "second_column"],
                    false,
                    None,
                ),
            }),
            act(Action::AddIndex {
                index: index(
                    "test_partial_unique",
                    &["first_column"],
                    true,
                    Some("second_column > 0"),
                ),
            }),
            act(Action::AddIndex {
                index: IndexDef {
                    method: IndexMethod::Hash,
                    ..index("test_hash", &["test_column"], false, None)
                },
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[act(Action::DropIndex {
            index: t("test_single_column_index"),
        })],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let defs = || async {
        db.client()
            .query(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'test_table' ORDER BY indexname",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        defs().await,
        [
            "CREATE INDEX test_hash ON public.test_table USING hash (test_column)",
            "CREATE INDEX test_multi_column_index ON public.test_table USING btree (first_column, second_column)",
            "CREATE UNIQUE INDEX test_partial_unique ON public.test_table USING btree (first_column) WHERE (second_column > 0)",
            "CREATE INDEX test_single_column_index ON public.test_table USING btree (test_column)",
        ]
    );
    db.apply_all().await.unwrap();
    assert_eq!(defs().await.len(), 3);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn invalid_identifiers_are_refused_before_any_sql() {
    let (db, _dir) = interp_db(&["interp_1"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: t("fine"),
                columns: vec![],
            }),
            act(Action::AddTable {
                options: Default::default(),
                table: t(&"x".repeat(64)),
                columns: vec![],
            }),
        ],
    )
    .await;
    let err = message(&db.apply_all().await.unwrap_err());
    assert!(err.contains("invalid identifier: table name \"xxxx"), "{err}");
    assert!(err.contains("is 64 bytes long; Postgres allows at most 63"), "{err}");
    assert!(!table_exists(&db, "fine").await, "the first action was rolled back");
    assert!(history(&db).await.is_empty());
    db.drop().await.unwrap();
}

#[tokio::test]
async fn schema_qualified_names() {
    let (db, _dir) = interp_db(&["interp_1"]).await;
    db.client().batch_execute("CREATE SCHEMA blog").await.unwrap();
    let posts = QualifiedName::qualified("blog", "posts");
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::CreateEnum {
                name: QualifiedName::qualified("blog", "state"),
                values: vec!["a".into()],
            }),
            act(Action::AddTable {
                options: Default::default(),
                table: posts.clone(),
                columns: vec![col(
                    "state",
                    ScalarType::Named(QualifiedName::qualified("blog", "state")),
                )],
            }),
            act(Action::AddIndex {
                index: IndexDef {
                    name: "posts_state_idx".into(),
                    table: posts,
                    columns: vec!["state".into()],
                    unique: false,
                    method: IndexMethod::Btree,
                    predicate: None,
                },
            }),
            act(Action::DropIndex {
                index: QualifiedName::qualified("blog", "posts_state_idx"),
            }),
        ],
    )
    .await;
    db.apply_all().await.unwrap();
    db.client()
        .execute("INSERT INTO blog.posts VALUES ('a')", &[])
        .await
        .unwrap();
    db.drop().await.unwrap();
}

/// Test-side helpers.
trait IntoDataType {
    fn into_dt(self) -> DataType;
}

impl IntoDataType for ScalarType {
    fn into_dt(self) -> DataType {
        DataType {
            scalar: self,
            is_array: false,
        }
    }
}

fn type_sql(scalar: &ScalarType) -> String {
    migrate_host::actions::types::render_scalar(scalar, "public").unwrap()
}

#[tokio::test]
async fn schemas_identity_generated_collation_and_sql_escape_hatches() {
    use migrate_host::model::IdentityKind;
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    let table = QualifiedName::qualified("shop", "item");
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::CreateSchema { name: "shop".into() }),
            act(Action::AddTable {
                options: Default::default(),
                table: table.clone(),
                columns: vec![
                    ColumnDef {
                        identity: Some(IdentityKind::Always),
                        nullable: false,
                        ..col("id", ScalarType::Bigint)
                    },
                    ColumnDef {
                        collation: Some(QualifiedName::qualified("pg_catalog", "C")),
                        ..col("name", ScalarType::Text)
                    },
                    col("price", ScalarType::Integer),
                    ColumnDef {
                        generated: Some("price * 2".into()),
                        ..col("double_price", ScalarType::Integer)
                    },
                    col("span", ScalarType::Sql("interval day to second".into())),
                    col("during", ScalarType::Tsrange),
                ],
            }),
            act(Action::AddConstraint {
                table: table.clone(),
                name: "item_no_overlap".into(),
                constraint: Constraint::Sql("EXCLUDE USING gist (during WITH &&)".into()),
            }),
            act(Action::AddIndexSql {
                definition: "CREATE INDEX item_lower_name ON shop.item USING btree (lower(name)) INCLUDE (price)"
                    .into(),
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[
            act(Action::DropTable { table }),
            act(Action::DropSchema { name: "shop".into() }),
        ],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let c = db.client();
    let row = c
        .query_one("INSERT INTO shop.item (name, price, during) VALUES ('a', 21, '[2020-01-01, 2020-02-01)') RETURNING id, double_price", &[])
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i32>(1)), (1, 42));
    let err = c
        .execute("INSERT INTO shop.item (id) VALUES (5)", &[])
        .await
        .unwrap_err();
    assert_eq!(
        sqlstate(&err),
        "428C9",
        "an identity ALWAYS column refuses explicit values: {err}"
    );
    let err = c
        .execute(
            "INSERT INTO shop.item (during) VALUES ('[2020-01-15, 2020-01-20)')",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23P01", "the exclusion constraint holds: {err}");
    let types: Vec<String> = c
        .query("SELECT format_type(atttypid, atttypmod) || coalesce(' ' || collname, '') FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100 WHERE attrelid = 'shop.item'::regclass AND attnum > 0 ORDER BY attnum", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(types[1], "text C");
    assert_eq!(types[4], "interval day to second");
    let index: String = c
        .query_one(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'item_lower_name'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(index.ends_with("(lower(name)) INCLUDE (price)"), "{index}");

    db.apply_all().await.unwrap();
    let gone: bool = c
        .query_one("SELECT to_regnamespace('shop') IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(gone);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn escape_hatches_refuse_anything_but_their_one_kind_of_statement() {
    let (db, _dir) = interp_db(&["interp_1"]).await;
    for (op, expected) in [
        (
            Action::AddIndexSql {
                definition: "CREATE INDEX i ON t (a); DROP TABLE interp_ops".into(),
            },
            "is not exactly one statement",
        ),
        (
            Action::AddIndexSql {
                definition: "DROP TABLE interp_ops".into(),
            },
            "is not a CREATE INDEX statement",
        ),
        (
            Action::AddIndexSql {
                definition: "CREATE INDEX CONCURRENTLY i ON interp_ops (id)".into(),
            },
            "uses CONCURRENTLY",
        ),
        (
            Action::AddConstraint {
                table: t("interp_ops"),
                name: "c".into(),
                constraint: Constraint::Sql("CHECK (true), DROP COLUMN op".into()),
            },
            "is not a single table constraint",
        ),
        (
            Action::AddColumn {
                table: t("interp_ops"),
                column: col("x", ScalarType::Sql("int, 2".into())),
            },
            "is not a single type name",
        ),
    ] {
        db.client().batch_execute("DELETE FROM interp_ops").await.unwrap();
        queue(&db, "r1", "up", &[act(op)]).await;
        let err = message(&db.apply_all().await.unwrap_err());
        assert!(err.contains(expected), "{err}");
    }
    assert!(history(&db).await.is_empty());
    db.drop().await.unwrap();
}

#[tokio::test]
async fn views_and_materialized_views() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::AddTable {
                options: Default::default(),
                table: t("src"),
                columns: vec![col("n", ScalarType::Integer)],
            }),
            act(Action::CreateView {
                name: t("doubled"),
                query: "SELECT n * 2 AS d FROM src".into(),
                materialized: false,
            }),
            act(Action::CreateView {
                name: t("counted"),
                query: "SELECT count(*) AS c FROM src;".into(),
                materialized: true,
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[
            act(Action::DropView {
                name: t("doubled"),
                materialized: false,
            }),
            act(Action::DropView {
                name: t("counted"),
                materialized: true,
            }),
            act(Action::CreateView {
                name: t("bad"),
                query: "SELECT 1; DROP TABLE src".into(),
                materialized: false,
            }),
        ],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let c = db.client();
    c.execute("INSERT INTO src VALUES (21)", &[]).await.unwrap();
    assert_eq!(
        c.query_one("SELECT d FROM doubled", &[])
            .await
            .unwrap()
            .get::<_, i32>(0),
        42
    );
    assert_eq!(
        c.query_one("SELECT c FROM counted", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        0,
        "materialized at creation"
    );
    let err = message(&db.apply_all().await.unwrap_err());
    assert!(err.contains("is not exactly one statement"), "{err}");
    assert!(
        table_exists(&db, "doubled").await,
        "the failed migration dropped nothing"
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn extensions_create_and_drop() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            act(Action::CreateExtension {
                name: "citext".into(),
                schema: Some("public".into()),
                version: None,
            }),
            act(Action::AddTable {
                options: Default::default(),
                table: t("ci"),
                columns: vec![col("email", ScalarType::Named(QualifiedName::unqualified("citext")))],
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[
            act(Action::DropTable { table: t("ci") }),
            act(Action::DropExtension { name: "citext".into() }),
        ],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let c = db.client();
    c.execute("INSERT INTO ci VALUES ('A@Example.com')", &[]).await.unwrap();
    let found: i64 = c
        .query_one("SELECT count(*) FROM ci WHERE email = 'a@example.COM'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(found, 1, "citext compares case-insensitively");
    db.apply_all().await.unwrap();
    let left: i64 = c
        .query_one("SELECT count(*) FROM pg_extension WHERE extname = 'citext'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn functions_and_triggers() {
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[
            // Created before the table its body reads: bodies are checked when called.
            act(Action::CreateFunction {
                definition: "CREATE FUNCTION logged_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM log'"
                    .into(),
            }),
            act(Action::AddTable { table: t("log"), columns: vec![col("what", ScalarType::Text)], options: Default::default() }),
            act(Action::CreateFunction {
                definition: "CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.what := upper(NEW.what); RETURN NEW; END $$;"
                    .into(),
            }),
            act(Action::CreateTrigger {
                definition: "CREATE TRIGGER log_shout BEFORE INSERT ON log FOR EACH ROW EXECUTE FUNCTION shout()".into(),
            }),
        ],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[
            act(Action::DropTrigger {
                table: t("log"),
                name: "log_shout".into(),
            }),
            act(Action::DropFunction {
                name: t("shout"),
                arguments: "".into(),
                procedure: false,
            }),
            act(Action::CreateFunction {
                definition: "DROP TABLE log".into(),
            }),
        ],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let c = db.client();
    c.execute("INSERT INTO log VALUES ('hi')", &[]).await.unwrap();
    assert_eq!(
        c.query_one("SELECT what FROM log", &[])
            .await
            .unwrap()
            .get::<_, String>(0),
        "HI"
    );
    assert_eq!(
        c.query_one("SELECT logged_count()", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        1
    );
    let err = message(&db.apply_all().await.unwrap_err());
    assert!(
        err.contains("is not a CREATE FUNCTION or CREATE PROCEDURE statement"),
        "{err}"
    );
    assert!(table_exists(&db, "log").await);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn identity_and_generated_columns_change_in_place() {
    use migrate_host::model::IdentityKind;
    let (db, _dir) = interp_db(&["interp_1", "interp_2"]).await;
    queue(
        &db,
        "r1",
        "up",
        &[act(Action::AddTable {
            options: Default::default(),
            table: t("g"),
            columns: vec![
                ColumnDef {
                    nullable: false,
                    ..col("id", ScalarType::Integer)
                },
                ColumnDef {
                    generated: Some("id * 10".into()),
                    ..col("tenfold", ScalarType::Integer)
                },
            ],
        })],
    )
    .await;
    queue(
        &db,
        "r2",
        "up",
        &[
            act(Action::SetColumnIdentity {
                table: t("g"),
                column: "id".into(),
                identity: Some(IdentityKind::ByDefault),
            }),
            act(Action::SetColumnIdentity {
                table: t("g"),
                column: "id".into(),
                identity: Some(IdentityKind::Always),
            }),
            act(Action::DropColumnExpression {
                table: t("g"),
                column: "tenfold".into(),
            }),
        ],
    )
    .await;
    db.apply_to("r1").await.unwrap();
    let c = db.client();
    c.execute("INSERT INTO g (id) VALUES (4)", &[]).await.unwrap();
    db.apply_all().await.unwrap();
    assert_eq!(
        sqlstate(&c.execute("INSERT INTO g (id) VALUES (5)", &[]).await.unwrap_err()),
        "428C9",
        "now ALWAYS"
    );
    let row = c
        .query_one("INSERT INTO g (tenfold) VALUES (1) RETURNING id, tenfold", &[])
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, i32>(0), row.get::<_, i32>(1)),
        (1, 1),
        "an identity, and tenfold is an ordinary column"
    );
    let kept: i32 = c
        .query_one("SELECT tenfold FROM g WHERE id = 4", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 40, "dropping the expression keeps the values");
    db.drop().await.unwrap();
}

/// The actions added for the diff's wider coverage, called by a guest: a
/// partitioned table with a partition, one attached and detached, an
/// unlogged table made logged, a sequence created, altered and owned, a
/// collation and a column moved onto it, row-level security with a policy,
/// comments and a grant. Rolling back undoes all of it.
#[tokio::test]
async fn partitions_sequences_collations_policies_comments_and_grants() {
    use migrate_host::model::{
        CollationDef, CollationProvider, CommentTarget, GrantDef, PartitionOf, PolicyCommand, PolicyDef, Privilege,
        SequenceOptions, TableMember, TableOptions,
    };
    let (db, _dir) = interp_db(&["interp_1"]).await;
    let date = col("d", ScalarType::Date);
    let up = vec![
        act(Action::AddTable {
            table: t("m"),
            columns: vec![ColumnDef {
                nullable: false,
                ..date.clone()
            }],
            options: TableOptions {
                partition_by: Some("RANGE (d)".into()),
                ..Default::default()
            },
        }),
        act(Action::AddTable {
            table: t("m1"),
            columns: vec![],
            options: TableOptions {
                partition_of: Some(PartitionOf {
                    parent: t("m"),
                    bound: "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')".into(),
                }),
                ..Default::default()
            },
        }),
        act(Action::AddTable {
            table: t("loose"),
            columns: vec![ColumnDef {
                nullable: false,
                ..date
            }],
            options: TableOptions {
                unlogged: true,
                ..Default::default()
            },
        }),
        act(Action::SetTableLogged {
            table: t("loose"),
            logged: true,
        }),
        act(Action::AttachPartition {
            parent: t("m"),
            partition: t("loose"),
            bound: "DEFAULT".into(),
        }),
        act(Action::DetachPartition {
            parent: t("m"),
            partition: t("m1"),
        }),
        act(Action::CreateSequence {
            name: t("counter"),
            options: SequenceOptions {
                start: Some(10),
                ..Default::default()
            },
        }),
        act(Action::AlterSequence {
            name: t("counter"),
            options: SequenceOptions {
                increment: Some(5),
                ..Default::default()
            },
        }),
        act(Action::AddColumn {
            table: t("m1"),
            column: ColumnDef {
                default: Some(migrate_host::model::ColumnDefault::Expression(
                    "nextval('counter')".into(),
                )),
                ..col("n", ScalarType::Bigint)
            },
        }),
        act(Action::SetSequenceOwner {
            name: t("counter"),
            owner: Some(TableMember {
                table: t("m1"),
                name: "n".into(),
            }),
        }),
        act(Action::CreateCollation {
            name: t("num"),
            definition: CollationDef {
                provider: CollationProvider::Icu,
                locale: "en-u-kn-true".into(),
                lc_ctype: None,
                deterministic: true,
            },
        }),
        act(Action::AddColumn {
            table: t("m1"),
            column: col("label", ScalarType::Varchar(Some(20))),
        }),
        act(Action::SetColumnCollation {
            table: t("m1"),
            column: "label".into(),
            collation: Some(t("num")),
        }),
        act(Action::SetRowLevelSecurity {
            table: t("m1"),
            enabled: true,
            forced: true,
        }),
        act(Action::CreatePolicy {
            policy: PolicyDef {
                name: "recent".into(),
                table: t("m1"),
                permissive: true,
                command: PolicyCommand::Select,
                roles: vec![],
                using: Some("d > '2020-06-01'".into()),
                with_check: None,
            },
        }),
        act(Action::SetComment {
            target: CommentTarget::Column(TableMember {
                table: t("m1"),
                name: "label".into(),
            }),
            text: Some("sorted as numbers".into()),
        }),
        act(Action::Grant {
            grant: GrantDef {
                on: t("m1"),
                privileges: vec![Privilege::Select],
                grantee: "public".into(),
                grant_option: false,
            },
        }),
    ];
    queue(&db, "r1", "up", &up).await;
    queue(
        &db,
        "r1",
        "down",
        &[
            act(Action::DropTable { table: t("m1") }),
            act(Action::DropTable { table: t("m") }),
            act(Action::DropCollation { name: t("num") }),
        ],
    )
    .await;
    db.apply_all().await.expect("apply");

    let facts = db
        .client()
        .query_one(
            "SELECT (SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i
                     JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'm'::regclass),
                    (SELECT relpersistence::text FROM pg_class WHERE oid = 'loose'::regclass),
                    (SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'counter'::regclass),
                    (SELECT a.attname::text FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid
                     AND a.attnum = d.refobjsubid WHERE d.objid = 'counter'::regclass AND d.deptype = 'a'),
                    (SELECT collname::text FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
                     WHERE a.attrelid = 'm1'::regclass AND a.attname = 'label'),
                    (SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'm1'::regclass),
                    (SELECT polname::text FROM pg_policy WHERE polrelid = 'm1'::regclass),
                    col_description('m1'::regclass, 3),
                    has_table_privilege('public', 'm1', 'SELECT')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(facts.get::<_, Option<String>>(0).as_deref(), Some("loose"));
    assert_eq!(facts.get::<_, String>(1), "p");
    assert_eq!(facts.get::<_, i64>(2), 5);
    assert_eq!(facts.get::<_, String>(3), "n");
    assert_eq!(facts.get::<_, String>(4), "num");
    assert!(facts.get::<_, bool>(5));
    assert_eq!(facts.get::<_, String>(6), "recent");
    assert_eq!(facts.get::<_, Option<String>>(7).as_deref(), Some("sorted as numbers"));
    assert!(facts.get::<_, bool>(8));

    db.rollback(1).await.expect("rollback");
    assert!(!table_exists(&db, "m").await && !table_exists(&db, "m1").await);
    let left: i64 = db
        .client()
        .query_one(
            "SELECT (SELECT count(*) FROM pg_class WHERE relname IN ('counter', 'loose'))
                  + (SELECT count(*) FROM pg_collation WHERE collname = 'num')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    // `loose` was a partition of m when m was dropped; the sequence went with m1.n.
    assert_eq!(left, 0);
    db.drop().await.unwrap();
}
