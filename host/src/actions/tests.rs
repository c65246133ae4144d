//! SQL generation, one case per action and per bug the original had.

use super::catalog::{EnumFacts, EnumUsage};
use super::*;
use crate::model::{ForeignKey, NumericPrecision, ScalarType};

fn t(name: &str) -> QualifiedName {
    QualifiedName::unqualified(name)
}

fn sql(action: Action) -> Vec<String> {
    render(&action, DEFAULT_SCHEMA).unwrap_or_else(|e| panic!("{}: {e}", action.describe()))
}

fn col(name: &str, scalar: ScalarType) -> ColumnDef {
    ColumnDef::new(
        name,
        DataType {
            scalar,
            is_array: false,
        },
    )
}

#[test]
fn add_table_with_columns_defaults_and_not_null() {
    let columns = vec![
        ColumnDef {
            nullable: false,
            ..col("id", ScalarType::Bigserial)
        },
        ColumnDef {
            default: Some(ColumnDefault::Expression("now()".into())),
            ..col("created_at", ScalarType::Text)
        },
        ColumnDef {
            default: Some(ColumnDefault::Value(SqlValue::Text("it's".into()))),
            nullable: false,
            ..col("note", ScalarType::Text)
        },
    ];
    assert_eq!(
        sql(Action::AddTable {
            options: Default::default(),
            table: t("user"),
            columns
        }),
        [
            r#"CREATE TABLE "public"."user" ("id" bigserial NOT NULL, "created_at" text DEFAULT (now()), "note" text DEFAULT 'it''s' NOT NULL)"#
        ]
    );
    assert_eq!(
        sql(Action::AddTable {
            options: Default::default(),
            table: t("empty"),
            columns: vec![]
        }),
        [r#"CREATE TABLE "public"."empty" ()"#]
    );
}

#[test]
fn table_and_column_statements() {
    assert_eq!(sql(Action::DropTable { table: t("a") }), [r#"DROP TABLE "public"."a""#]);
    assert_eq!(
        sql(Action::RenameTable {
            table: QualifiedName::qualified("blog", "a"),
            new_name: "b".into()
        }),
        [r#"ALTER TABLE "blog"."a" RENAME TO "b""#]
    );
    let tags = ColumnDef {
        data_type: DataType {
            scalar: ScalarType::Varchar(None),
            is_array: true,
        },
        ..col("tags", ScalarType::Text)
    };
    assert_eq!(
        sql(Action::AddColumn {
            table: t("a"),
            column: tags
        }),
        [r#"ALTER TABLE "public"."a" ADD COLUMN "tags" character varying[]"#]
    );
    assert_eq!(
        sql(Action::DropColumn {
            table: t("a"),
            column: "select".into()
        }),
        [r#"ALTER TABLE "public"."a" DROP COLUMN "select""#]
    );
    assert_eq!(
        sql(Action::RenameColumn {
            table: t("a"),
            column: "x".into(),
            new_name: "y".into()
        }),
        [r#"ALTER TABLE "public"."a" RENAME COLUMN "x" TO "y""#]
    );
    assert_eq!(
        sql(Action::AddNotNull {
            table: t("a"),
            column: "x".into()
        }),
        [r#"ALTER TABLE "public"."a" ALTER COLUMN "x" SET NOT NULL"#]
    );
    assert_eq!(
        sql(Action::DropNotNull {
            table: t("a"),
            column: "x".into()
        }),
        [r#"ALTER TABLE "public"."a" ALTER COLUMN "x" DROP NOT NULL"#]
    );
    assert_eq!(
        sql(Action::SetColumnDefault {
            table: t("a"),
            column: "x".into(),
            default: ColumnDefault::Value(SqlValue::Int(3))
        }),
        [r#"ALTER TABLE "public"."a" ALTER COLUMN "x" SET DEFAULT (3)"#]
    );
    assert_eq!(
        sql(Action::DropColumnDefault {
            table: t("a"),
            column: "x".into()
        }),
        [r#"ALTER TABLE "public"."a" ALTER COLUMN "x" DROP DEFAULT"#]
    );
}

#[test]
fn change_column_type_uses_alter_column_not_modify_column() {
    let integer = DataType {
        scalar: ScalarType::Integer,
        is_array: false,
    };
    let action = |cast| Action::ChangeColumnType {
        table: t("a"),
        column: "n".into(),
        new_type: integer.clone(),
        cast,
    };
    assert_eq!(
        sql(action(TypeCast::None)),
        [r#"ALTER TABLE "public"."a" ALTER COLUMN "n" TYPE integer"#]
    );
    assert_eq!(
        sql(action(TypeCast::Auto)),
        [r#"ALTER TABLE "public"."a" ALTER COLUMN "n" TYPE integer USING "n"::integer"#]
    );
    assert_eq!(
        sql(action(TypeCast::Using("trim(n)::integer".into()))),
        [r#"ALTER TABLE "public"."a" ALTER COLUMN "n" TYPE integer USING (trim(n)::integer)"#]
    );
    assert!(render(&action(TypeCast::Using("1; DROP TABLE a".into())), DEFAULT_SCHEMA).is_err());
}

#[test]
fn auto_casts_through_text_for_enums_and_wrap_scalars_into_arrays() {
    let status = DataType {
        scalar: ScalarType::Named(t("status")),
        is_array: false,
    };
    assert_eq!(
        auto_cast("c", &status, false, "public").unwrap().unwrap(),
        r#""c"::text::"public"."status""#
    );
    let ints = DataType {
        scalar: ScalarType::Integer,
        is_array: true,
    };
    assert_eq!(
        auto_cast("c", &ints, false, "public").unwrap().unwrap(),
        r#"ARRAY["c"::integer]"#
    );
    assert_eq!(
        auto_cast("c", &ints, true, "public").unwrap().unwrap(),
        r#""c"::integer[]"#
    );
    let statuses = DataType {
        scalar: ScalarType::Named(t("status")),
        is_array: true,
    };
    assert_eq!(
        auto_cast("c", &statuses, true, "public").unwrap().unwrap(),
        r#""c"::text[]::"public"."status"[]"#
    );
    let int = DataType {
        scalar: ScalarType::Integer,
        is_array: false,
    };
    assert!(auto_cast("c", &int, true, "public").is_err());
}

#[test]
fn constraints() {
    let add = |constraint| {
        sql(Action::AddConstraint {
            table: t("posts"),
            name: "c".into(),
            constraint,
        })
    };
    assert_eq!(
        add(Constraint::PrimaryKey(vec!["a".into(), "b".into()])),
        [r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "c" PRIMARY KEY ("a", "b")"#]
    );
    assert_eq!(
        add(Constraint::Unique(vec!["a".into()])),
        [r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "c" UNIQUE ("a")"#]
    );
    assert_eq!(
        add(Constraint::Check("price > 0".into())),
        [r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "c" CHECK (price > 0)"#]
    );
    let fk = ForeignKey {
        columns: vec!["a".into(), "b".into()],
        references: t("users"),
        // Order is kept (the original lost it through a frozenset).
        referenced_columns: vec!["y".into(), "x".into()],
        on_delete: ForeignKeyAction::Cascade,
        on_update: ForeignKeyAction::NoAction,
    };
    assert_eq!(
        add(Constraint::ForeignKey(fk.clone())),
        [
            r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "c" FOREIGN KEY ("a", "b") REFERENCES "public"."users" ("y", "x") ON DELETE CASCADE"#
        ]
    );
    let uneven = ForeignKey {
        referenced_columns: vec!["x".into()],
        ..fk
    };
    let err = render(
        &Action::AddConstraint {
            table: t("p"),
            name: "c".into(),
            constraint: Constraint::ForeignKey(uneven),
        },
        "public",
    );
    assert!(err.is_err());
    assert!(
        render(
            &Action::AddConstraint {
                table: t("p"),
                name: "c".into(),
                constraint: Constraint::Unique(vec![])
            },
            "public"
        )
        .is_err()
    );
    assert_eq!(
        sql(Action::DropConstraint {
            table: t("p"),
            name: "p_pkey".into()
        }),
        [r#"ALTER TABLE "public"."p" DROP CONSTRAINT "p_pkey""#]
    );
}

#[test]
fn indexes_use_drop_index_not_alter_table() {
    let index = IndexDef {
        name: "posts_slug_key".into(),
        table: t("posts"),
        columns: vec!["slug".into()],
        unique: true,
        method: IndexMethod::Btree,
        predicate: Some("deleted_at IS NULL".into()),
    };
    assert_eq!(
        sql(Action::AddIndex { index }),
        [r#"CREATE UNIQUE INDEX "posts_slug_key" ON "public"."posts" USING btree ("slug") WHERE (deleted_at IS NULL)"#]
    );
    assert_eq!(
        sql(Action::DropIndex {
            index: t("posts_slug_key")
        }),
        [r#"DROP INDEX "public"."posts_slug_key""#]
    );
}

#[test]
fn enums_keep_their_order() {
    assert_eq!(
        sql(Action::CreateEnum {
            name: t("status"),
            values: vec!["zeta".into(), "alpha".into(), "it's".into()]
        }),
        [r#"CREATE TYPE "public"."status" AS ENUM ('zeta', 'alpha', 'it''s')"#]
    );
    assert_eq!(
        sql(Action::AddEnumValues {
            name: t("status"),
            values: vec!["b".into(), "a".into()],
            position: None
        }),
        [
            r#"ALTER TYPE "public"."status" ADD VALUE 'b'"#,
            r#"ALTER TYPE "public"."status" ADD VALUE 'a'"#
        ]
    );
    assert_eq!(
        sql(Action::AddEnumValues {
            name: t("status"),
            values: vec!["b".into(), "c".into()],
            position: Some(EnumPosition::Before("z".into()))
        }),
        [
            r#"ALTER TYPE "public"."status" ADD VALUE 'b' BEFORE 'z'"#,
            r#"ALTER TYPE "public"."status" ADD VALUE 'c' AFTER 'b'"#
        ]
    );
    assert!(
        render(
            &Action::CreateEnum {
                name: t("s"),
                values: vec!["a".into(), "a".into()]
            },
            "public"
        )
        .is_err()
    );
    assert!(
        render(
            &Action::CreateEnum {
                name: t("s"),
                values: vec!["".into()]
            },
            "public"
        )
        .is_err()
    );
    assert_eq!(
        sql(Action::DropType { name: t("status") }),
        [r#"DROP TYPE "public"."status""#]
    );
}

#[test]
fn drop_enum_values_recreates_in_order_and_converts_every_column() {
    let usage = |table: &str, is_array, default: Option<&str>| EnumUsage {
        schema: "public".into(),
        table: table.into(),
        column: "status".into(),
        is_array,
        default: default.map(Into::into),
        rows_holding: vec![],
    };
    let facts = EnumFacts {
        oid: 4242,
        values: vec!["zeta".into(), "beta".into(), "alpha".into()],
        usages: vec![
            usage("posts", false, Some("'zeta'::status")),
            usage("pages", true, None),
        ],
        dependents: vec![super::catalog::EnumDependent {
            drop_sql: r#"ALTER TABLE "public"."posts" DROP CONSTRAINT "c""#.into(),
            create_sql: r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "c" CHECK ((status <> 'beta'::status))"#.into(),
        }],
    };
    let statements = enums::drop_values(&t("status"), &["beta".into()], &facts, "public").unwrap();
    assert_eq!(
        statements,
        [
            r#"ALTER TABLE "public"."posts" DROP CONSTRAINT "c""#,
            r#"ALTER TABLE "public"."posts" ALTER COLUMN "status" DROP DEFAULT"#,
            r#"ALTER TYPE "public"."status" RENAME TO "_migrate_host_old_enum_95d5d7e05ec1""#,
            r#"CREATE TYPE "public"."status" AS ENUM ('zeta', 'alpha')"#,
            r#"ALTER TABLE "public"."posts" ALTER COLUMN "status" TYPE "public"."status" USING "status"::text::"public"."status""#,
            r#"ALTER TABLE "public"."pages" ALTER COLUMN "status" TYPE "public"."status"[] USING "status"::text[]::"public"."status"[]"#,
            r#"ALTER TABLE "public"."posts" ALTER COLUMN "status" SET DEFAULT 'zeta'::status"#,
            r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "c" CHECK ((status <> 'beta'::status))"#,
            r#"DROP TYPE "public"."_migrate_host_old_enum_95d5d7e05ec1""#,
        ]
    );
    let err = enums::drop_values(&t("status"), &["omega".into()], &facts, "public").unwrap_err();
    assert!(err.to_string().contains("has no value \"omega\""), "{err}");
    let mut held = facts.clone();
    held.usages[0].rows_holding = vec![("beta".into(), 3)];
    let err = enums::drop_values(&t("status"), &["beta".into()], &held, "public").unwrap_err();
    assert!(err.to_string().contains("3 row(s) of \"public\".\"posts\""), "{err}");
}

#[test]
fn every_name_is_validated() {
    let long = "x".repeat(64);
    let cases = [
        Action::DropTable { table: t("") },
        Action::DropTable {
            table: QualifiedName::qualified("", "a"),
        },
        Action::DropColumn {
            table: t("a"),
            column: long.clone(),
        },
        Action::DropConstraint {
            table: t("a"),
            name: "a\0".into(),
        },
        Action::DropIndex { index: t(&long) },
        Action::AddColumn {
            table: t("a"),
            column: col(&long, ScalarType::Text),
        },
        Action::AddColumn {
            table: t("a"),
            column: col(
                "c",
                ScalarType::Numeric(Some(NumericPrecision { precision: 0, scale: 0 })),
            ),
        },
    ];
    for action in cases {
        assert!(render(&action, "public").is_err(), "{} was accepted", action.describe());
    }
}

#[test]
fn tables_unlogged_partitioned_partitions_and_children() {
    let options = TableOptions {
        unlogged: true,
        partition_by: Some("RANGE (d)".into()),
        ..Default::default()
    };
    assert_eq!(
        sql(Action::AddTable {
            table: t("m"),
            columns: vec![col("d", ScalarType::Date)],
            options
        }),
        [r#"CREATE UNLOGGED TABLE "public"."m" ("d" date) PARTITION BY RANGE (d)"#]
    );
    let partition = TableOptions {
        partition_of: Some(crate::model::PartitionOf {
            parent: t("m"),
            bound: "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')".into(),
        }),
        ..Default::default()
    };
    assert_eq!(
        sql(Action::AddTable {
            table: t("m1"),
            columns: vec![],
            options: partition.clone()
        }),
        [r#"CREATE TABLE "public"."m1" PARTITION OF "public"."m" FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')"#]
    );
    let with_columns = Action::AddTable {
        table: t("m1"),
        columns: vec![col("x", ScalarType::Text)],
        options: partition,
    };
    assert!(
        render(&with_columns, DEFAULT_SCHEMA).is_err(),
        "a partition lists no columns"
    );
    let child = TableOptions {
        inherits: vec![t("parent"), QualifiedName::qualified("s", "other")],
        ..Default::default()
    };
    assert_eq!(
        sql(Action::AddTable {
            table: t("child"),
            columns: vec![col("b", ScalarType::Integer)],
            options: child
        }),
        [r#"CREATE TABLE "public"."child" ("b" integer) INHERITS ("public"."parent", "s"."other")"#]
    );
    assert_eq!(
        sql(Action::SetTableLogged {
            table: t("u"),
            logged: false
        }),
        [r#"ALTER TABLE "public"."u" SET UNLOGGED"#]
    );
    assert_eq!(
        sql(Action::AttachPartition {
            parent: t("m"),
            partition: t("m2"),
            bound: "DEFAULT".into()
        }),
        [r#"ALTER TABLE "public"."m" ATTACH PARTITION "public"."m2" DEFAULT"#]
    );
    assert_eq!(
        sql(Action::DetachPartition {
            parent: t("m"),
            partition: t("m2")
        }),
        [r#"ALTER TABLE "public"."m" DETACH PARTITION "public"."m2""#]
    );
}

#[test]
fn partition_keys_and_bounds_cannot_smuggle_statements() {
    for bound in [
        "DEFAULT; DROP TABLE x",
        "FOR VALUES IN (1) -- x",
        "DEFAULT, DROP COLUMN a",
    ] {
        let action = Action::AttachPartition {
            parent: t("m"),
            partition: t("p"),
            bound: bound.into(),
        };
        assert!(render(&action, DEFAULT_SCHEMA).is_err(), "{bound}");
    }
    for key in [
        "RANGE (d); DROP TABLE x",
        "RANGE (d) TABLESPACE pg_default",
        "LIST (a) /* x */",
    ] {
        let action = Action::AddTable {
            table: t("m"),
            columns: vec![],
            options: TableOptions {
                partition_by: Some(key.into()),
                ..Default::default()
            },
        };
        assert!(render(&action, DEFAULT_SCHEMA).is_err(), "{key}");
    }
}

#[test]
fn row_level_security_and_policies() {
    assert_eq!(
        sql(Action::SetRowLevelSecurity {
            table: t("t"),
            enabled: true,
            forced: false
        }),
        [r#"ALTER TABLE "public"."t" ENABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY"#]
    );
    let policy = PolicyDef {
        name: "mine".into(),
        table: t("t"),
        permissive: false,
        command: crate::model::PolicyCommand::Update,
        roles: vec!["reader".into(), "public".into()],
        using: Some("owner = current_user".into()),
        with_check: Some("v > 0".into()),
    };
    assert_eq!(
        sql(Action::CreatePolicy { policy: policy.clone() }),
        [
            r#"CREATE POLICY "mine" ON "public"."t" AS RESTRICTIVE FOR UPDATE TO "reader", PUBLIC USING (owner = current_user) WITH CHECK (v > 0)"#
        ]
    );
    let injected = PolicyDef {
        using: Some("true) WITH CHECK (true".into()),
        ..policy
    };
    assert!(render(&Action::CreatePolicy { policy: injected }, DEFAULT_SCHEMA).is_err());
    assert_eq!(
        sql(Action::DropPolicy {
            table: t("t"),
            name: "mine".into()
        }),
        [r#"DROP POLICY "mine" ON "public"."t""#]
    );
}

#[test]
fn sequences() {
    let options = SequenceOptions {
        data_type: Some(crate::model::SequenceType::Integer),
        start: Some(5),
        increment: Some(-1),
        min_value: Some(-10),
        max_value: Some(100),
        cache: Some(1),
        cycle: Some(true),
    };
    assert_eq!(
        sql(Action::CreateSequence { name: t("s"), options }),
        [
            r#"CREATE SEQUENCE "public"."s" AS integer START WITH 5 INCREMENT BY -1 MINVALUE -10 MAXVALUE 100 CACHE 1 CYCLE"#
        ]
    );
    assert_eq!(
        sql(Action::CreateSequence {
            name: t("plain"),
            options: SequenceOptions::default()
        }),
        [r#"CREATE SEQUENCE "public"."plain""#]
    );
    assert_eq!(
        sql(Action::AlterSequence {
            name: t("s"),
            options: SequenceOptions {
                cycle: Some(false),
                ..Default::default()
            }
        }),
        [r#"ALTER SEQUENCE "public"."s" NO CYCLE"#]
    );
    let nothing = Action::AlterSequence {
        name: t("s"),
        options: SequenceOptions::default(),
    };
    assert!(render(&nothing, DEFAULT_SCHEMA).is_err());
    assert_eq!(
        sql(Action::SetSequenceOwner {
            name: t("s"),
            owner: Some(TableMember {
                table: t("t"),
                name: "id".into()
            })
        }),
        [r#"ALTER SEQUENCE "public"."s" OWNED BY "public"."t"."id""#]
    );
    assert_eq!(
        sql(Action::SetSequenceOwner {
            name: t("s"),
            owner: None
        }),
        [r#"ALTER SEQUENCE "public"."s" OWNED BY NONE"#]
    );
    assert_eq!(
        sql(Action::DropSequence { name: t("s") }),
        [r#"DROP SEQUENCE "public"."s""#]
    );
}

#[test]
fn collations() {
    let icu = CollationDef {
        provider: crate::model::CollationProvider::Icu,
        locale: "en-u-kn-true".into(),
        lc_ctype: None,
        deterministic: false,
    };
    assert_eq!(
        sql(Action::CreateCollation {
            name: t("n"),
            definition: icu
        }),
        [r#"CREATE COLLATION "public"."n" (provider = icu, locale = 'en-u-kn-true', deterministic = false)"#]
    );
    let libc = CollationDef {
        provider: crate::model::CollationProvider::Libc,
        locale: "it's".into(),
        lc_ctype: None,
        deterministic: true,
    };
    assert_eq!(
        sql(Action::CreateCollation {
            name: t("l"),
            definition: libc
        }),
        [r#"CREATE COLLATION "public"."l" (provider = libc, lc_collate = 'it''s', lc_ctype = 'it''s')"#]
    );
    assert_eq!(
        sql(Action::DropCollation { name: t("n") }),
        [r#"DROP COLLATION "public"."n""#]
    );
    assert_eq!(
        collations::column_clause("character varying(10)", &Some(t("n")), DEFAULT_SCHEMA).unwrap(),
        r#"TYPE character varying(10) COLLATE "public"."n""#
    );
    assert_eq!(
        collations::column_clause("text", &None, DEFAULT_SCHEMA).unwrap(),
        r#"TYPE text COLLATE pg_catalog."default""#
    );
}

#[test]
fn comments_escape_their_text_and_name_their_object() {
    let column = CommentTarget::Column(TableMember {
        table: t("t"),
        name: "a".into(),
    });
    assert_eq!(
        sql(Action::SetComment {
            target: column,
            text: Some("it's \\ here".into())
        }),
        [r#"COMMENT ON COLUMN "public"."t"."a" IS E'it''s \\ here'"#]
    );
    let function = CommentTarget::Function(crate::model::FunctionRef {
        name: t("f"),
        arguments: "a integer".into(),
        procedure: false,
    });
    assert_eq!(
        sql(Action::SetComment {
            target: function,
            text: None
        }),
        [r#"COMMENT ON FUNCTION "public"."f"(a integer) IS NULL"#]
    );
    let smuggled = CommentTarget::Function(crate::model::FunctionRef {
        name: t("f"),
        arguments: "int) IS NULL; DROP TABLE t; --".into(),
        procedure: false,
    });
    assert!(
        render(
            &Action::SetComment {
                target: smuggled,
                text: None
            },
            DEFAULT_SCHEMA
        )
        .is_err()
    );
    let constraint = CommentTarget::Constraint(TableMember {
        table: t("t"),
        name: "t_pk".into(),
    });
    assert_eq!(
        sql(Action::SetComment {
            target: constraint,
            text: Some("key".into())
        }),
        [r#"COMMENT ON CONSTRAINT "t_pk" ON "public"."t" IS 'key'"#]
    );
}

#[test]
fn grants_and_revokes() {
    let grant = GrantDef {
        on: t("t"),
        privileges: vec![crate::model::Privilege::Select, crate::model::Privilege::Update],
        grantee: "reader".into(),
        grant_option: true,
    };
    assert_eq!(
        sql(Action::Grant { grant: grant.clone() }),
        [r#"GRANT SELECT, UPDATE ON TABLE "public"."t" TO "reader" WITH GRANT OPTION"#]
    );
    assert_eq!(
        sql(Action::Revoke { grant: grant.clone() }),
        [r#"REVOKE GRANT OPTION FOR SELECT, UPDATE ON TABLE "public"."t" FROM "reader""#]
    );
    let public = GrantDef {
        grantee: "PUBLIC".into(),
        grant_option: false,
        ..grant.clone()
    };
    assert_eq!(
        sql(Action::Revoke { grant: public }),
        [r#"REVOKE SELECT, UPDATE ON TABLE "public"."t" FROM PUBLIC"#]
    );
    let none = GrantDef {
        privileges: vec![],
        ..grant
    };
    assert!(render(&Action::Grant { grant: none }, DEFAULT_SCHEMA).is_err());
}

#[test]
fn relation_options_and_replica_identity() {
    use crate::model::{RelationOption, ReplicaIdentity};
    let option = |name: &str, value: &str| RelationOption {
        name: name.into(),
        value: value.into(),
    };
    assert_eq!(
        sql(Action::SetRelationOptions {
            relation: t("t"),
            set: vec![option("fillfactor", "70"), option("toast.autovacuum_enabled", "false")],
            reset: vec!["autovacuum_vacuum_scale_factor".into()],
        }),
        [
            r#"ALTER TABLE "public"."t" SET ("fillfactor" = '70', "toast"."autovacuum_enabled" = 'false')"#,
            r#"ALTER TABLE "public"."t" RESET ("autovacuum_vacuum_scale_factor")"#,
        ]
    );
    assert_eq!(
        sql(Action::SetRelationOptions {
            relation: t("v"),
            set: vec![option("check_option", "it's")],
            reset: vec![],
        }),
        [r#"ALTER TABLE "public"."v" SET ("check_option" = 'it''s')"#]
    );
    let nothing = Action::SetRelationOptions {
        relation: t("t"),
        set: vec![],
        reset: vec![],
    };
    assert!(render(&nothing, DEFAULT_SCHEMA).is_err());
    for (identity, want) in [
        (ReplicaIdentity::Default, "DEFAULT"),
        (ReplicaIdentity::Full, "FULL"),
        (ReplicaIdentity::Nothing, "NOTHING"),
        (ReplicaIdentity::UsingIndex("t_key".into()), r#"USING INDEX "t_key""#),
    ] {
        assert_eq!(
            sql(Action::SetReplicaIdentity {
                table: t("t"),
                identity
            }),
            [format!(r#"ALTER TABLE "public"."t" REPLICA IDENTITY {want}"#)]
        );
    }
}

#[test]
fn a_partition_index_is_attached_or_the_one_postgres_made_renamed() {
    use super::catalog::PartitionIndex;
    let attach = |found| tables::attach_index(&t("m_at"), &t("m1_at"), &found, DEFAULT_SCHEMA).unwrap();
    assert_eq!(
        attach(PartitionIndex::Unattached),
        [r#"ALTER INDEX "public"."m_at" ATTACH PARTITION "public"."m1_at""#]
    );
    assert_eq!(
        attach(PartitionIndex::Named("m1_at_idx".into())),
        [r#"ALTER INDEX "public"."m1_at_idx" RENAME TO "m1_at""#]
    );
    assert!(attach(PartitionIndex::Attached).is_empty());
}

#[test]
fn column_grants_name_their_columns() {
    use crate::model::Privilege;
    let grant = |privileges| GrantDef {
        on: t("t"),
        privileges,
        grantee: "public".into(),
        grant_option: true,
    };
    assert_eq!(
        sql(Action::GrantColumns {
            grant: grant(vec![Privilege::Select, Privilege::Update]),
            columns: vec!["id".into(), "email".into()],
        }),
        [r#"GRANT SELECT ("id", "email"), UPDATE ("id", "email") ON TABLE "public"."t" TO PUBLIC WITH GRANT OPTION"#]
    );
    assert_eq!(
        sql(Action::RevokeColumns {
            grant: grant(vec![Privilege::References]),
            columns: vec!["id".into()],
        }),
        [r#"REVOKE GRANT OPTION FOR REFERENCES ("id") ON TABLE "public"."t" FROM PUBLIC"#]
    );
    for bad in [
        Action::GrantColumns {
            grant: grant(vec![Privilege::Delete]),
            columns: vec!["id".into()],
        },
        Action::GrantColumns {
            grant: grant(vec![Privilege::Select]),
            columns: vec![],
        },
    ] {
        assert!(render(&bad, DEFAULT_SCHEMA).is_err(), "{}", bad.describe());
    }
}

#[test]
fn domains_composite_and_range_types() {
    use crate::model::{AttributeChange, AttributeDef, DomainChange, DomainCheck};
    for definition in [
        "CREATE DOMAIN app.positive AS integer DEFAULT 1 NOT NULL CONSTRAINT positive_check CHECK (VALUE > 0)",
        "CREATE TYPE app.pair AS (a integer, b text COLLATE \"C\")",
        "CREATE TYPE app.float_range AS RANGE (subtype = float8, subtype_diff = float8mi)",
    ] {
        let action = Action::CreateType {
            definition: definition.into(),
        };
        assert_eq!(sql(action.clone()), [definition]);
        assert!(
            action.describe().starts_with("create-type app."),
            "{}",
            action.describe()
        );
    }
    for bad in [
        "CREATE TYPE e AS ENUM ('a')",
        "CREATE TABLE t (a int)",
        "CREATE DOMAIN d AS int; DROP TABLE users",
        "CREATE DOMAIN d AS int -- comment",
    ] {
        let action = Action::CreateType { definition: bad.into() };
        assert!(render(&action, DEFAULT_SCHEMA).is_err(), "{bad}");
    }
    let domain = |change| {
        sql(Action::AlterDomain {
            name: t("positive"),
            change,
        })
    };
    assert_eq!(
        domain(DomainChange::SetDefault("1".into())),
        [r#"ALTER DOMAIN "public"."positive" SET DEFAULT 1"#]
    );
    assert_eq!(
        domain(DomainChange::DropNotNull),
        [r#"ALTER DOMAIN "public"."positive" DROP NOT NULL"#]
    );
    assert_eq!(
        domain(DomainChange::AddCheck(DomainCheck {
            name: "small".into(),
            expression: "VALUE < 100".into()
        })),
        [r#"ALTER DOMAIN "public"."positive" ADD CONSTRAINT "small" CHECK (VALUE < 100)"#]
    );
    let injected = Action::AlterDomain {
        name: t("positive"),
        change: DomainChange::SetDefault("1; DROP TABLE users".into()),
    };
    assert!(render(&injected, DEFAULT_SCHEMA).is_err());
    let attribute = AttributeDef {
        name: "zip".into(),
        data_type: DataType {
            scalar: ScalarType::Varchar(Some(10)),
            is_array: false,
        },
        collation: Some(t("C")),
    };
    assert_eq!(
        sql(Action::AlterCompositeType {
            name: t("address"),
            change: AttributeChange::Add(attribute.clone()),
        }),
        [r#"ALTER TYPE "public"."address" ADD ATTRIBUTE "zip" character varying(10) COLLATE "pg_catalog"."C""#]
    );
    assert_eq!(
        sql(Action::AlterCompositeType {
            name: t("address"),
            change: AttributeChange::SetType(attribute),
        }),
        [r#"ALTER TYPE "public"."address" ALTER ATTRIBUTE "zip" TYPE character varying(10) COLLATE "pg_catalog"."C""#]
    );
}

#[test]
fn a_type_change_whose_column_is_known_is_written_with_its_cast_probe() {
    let change = Action::ChangeColumnType {
        table: t("t"),
        column: "at".into(),
        new_type: DataType {
            scalar: ScalarType::Timestamp(crate::model::TimeOptions {
                with_time_zone: false,
                precision: None,
            }),
            is_array: false,
        },
        cast: TypeCast::Auto,
    };
    let (statement, probe) = auto_cast_known(&change, "bigint", false).unwrap().unwrap();
    assert_eq!(
        statement,
        r#"ALTER TABLE "public"."t" ALTER COLUMN "at" TYPE timestamp USING "at"::timestamp"#
    );
    assert_eq!(
        probe,
        r#"SELECT "at"::timestamp FROM (SELECT NULL::bigint AS "at") AS probe"#
    );
    // An array column cannot become a scalar by the automatic cast.
    assert!(auto_cast_known(&change, "bigint[]", true).is_err());
    // Not a type for the probe: refused, never spliced.
    assert!(auto_cast_known(&change, "bigint) AS x; DROP TABLE t; --", false).is_err());
    let Action::ChangeColumnType {
        table,
        column,
        new_type,
        ..
    } = change
    else {
        unreachable!()
    };
    let using = Action::ChangeColumnType {
        table,
        column,
        new_type,
        cast: TypeCast::Using("to_timestamp(at)".into()),
    };
    assert_eq!(auto_cast_known(&using, "bigint", false).unwrap(), None);
}
