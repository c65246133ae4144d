//! Snapshots of generated migrations (review changes with `cargo insta review`).

use super::*;
use crate::wit::{
    ColumnDef, ColumnDefault, Constraint, DataType, EnumPosition, ForeignKey, ForeignKeyAction, IdentityKind, IndexDef,
    IndexMethod, NumericPrecision, QualifiedName, ScalarType, TypeCast,
};

fn t(name: &str) -> QualifiedName {
    QualifiedName::unqualified(name)
}

fn col(name: &str, scalar: ScalarType, nullable: bool) -> ColumnDef {
    ColumnDef {
        nullable,
        ..ColumnDef::new(
            name,
            DataType {
                scalar,
                is_array: false,
            },
        )
    }
}

#[test]
fn slugs_are_safe_file_names() {
    assert_eq!(slug("Add author to article"), "add_author_to_article");
    assert_eq!(slug("../../etc/passwd; rm -rf /"), "etc_passwd_rm_rf");
    assert_eq!(slug("Ünïcode ✓ only"), "n_code_only");
    assert_eq!(slug("✓✓✓"), "migration");
    assert!(slug(&"word ".repeat(30)).len() <= 40);
    assert_eq!(type_name("2nd try"), "M2ndTry");
}

#[test]
fn a_generated_migration_reads_like_a_hand_written_one() {
    let up = vec![
        Action::CreateEnum {
            name: t("post_status"),
            values: vec!["draft".into(), "live".into()],
        },
        Action::AddEnumValues {
            name: t("mood"),
            values: vec!["meh".into()],
            position: Some(EnumPosition::After("ok".into())),
        },
        Action::AddTable {
            options: Default::default(),
            table: t("posts"),
            columns: vec![
                col("id", ScalarType::Bigserial, false),
                ColumnDef {
                    default: Some(ColumnDefault::Expression("'draft'::post_status".into())),
                    ..col("status", ScalarType::Named(t("post_status")), false)
                },
                col(
                    "price",
                    ScalarType::Numeric(Some(NumericPrecision {
                        precision: 10,
                        scale: 2,
                    })),
                    true,
                ),
                ColumnDef {
                    data_type: DataType {
                        scalar: ScalarType::Text,
                        is_array: true,
                    },
                    ..col("tags", ScalarType::Text, true)
                },
                ColumnDef {
                    identity: Some(IdentityKind::ByDefault),
                    ..col("seq", ScalarType::Integer, false)
                },
                col("quote\"d", ScalarType::Point, true),
            ],
        },
        Action::AddConstraint {
            table: t("posts"),
            name: "posts_pkey".into(),
            constraint: Constraint::PrimaryKey(vec!["id".into()]),
        },
        Action::AddConstraint {
            table: t("posts"),
            name: "posts_price_check".into(),
            constraint: Constraint::Check("price > 0::numeric".into()),
        },
        Action::AddColumn {
            table: t("users"),
            column: col("bio", ScalarType::Varchar(Some(200)), true),
        },
        Action::ChangeColumnType {
            table: t("users"),
            column: "age".into(),
            new_type: DataType {
                scalar: ScalarType::Bigint,
                is_array: false,
            },
            cast: TypeCast::Auto,
        },
        Action::AddNotNull {
            table: t("users"),
            column: "bio".into(),
        },
        Action::AddConstraint {
            table: t("posts"),
            name: "posts_author_fkey".into(),
            constraint: Constraint::ForeignKey(ForeignKey {
                columns: vec!["author".into()],
                references: QualifiedName::qualified("auth", "users"),
                referenced_columns: vec!["id".into()],
                on_delete: ForeignKeyAction::Cascade,
                on_update: ForeignKeyAction::NoAction,
            }),
        },
        Action::AddIndex {
            index: IndexDef {
                name: "posts_tags_idx".into(),
                table: t("posts"),
                columns: vec!["tags".into()],
                unique: false,
                method: IndexMethod::Gin,
                predicate: None,
            },
        },
        Action::AddIndexSql {
            definition: "CREATE INDEX posts_lower ON public.posts USING btree (lower(title))".into(),
        },
        Action::DropColumn {
            table: t("users"),
            column: "legacy".into(),
        },
        Action::CreateView {
            name: t("live_posts"),
            query: " SELECT posts.id,\n    posts.title\n   FROM posts\n  WHERE posts.status = 'live'::post_status;"
                .into(),
            materialized: false,
        },
        Action::DropEnumValues {
            name: t("mood"),
            values: vec!["sad".into()],
        },
    ];
    let down = vec![
        Action::DropTable { table: t("posts") },
        Action::DropType { name: t("post_status") },
    ];
    let meta = Meta {
        revision: "20261125103000".into(),
        parent: Some("20261104090000".into()),
        message: "add posts".into(),
    };
    insta::assert_snapshot!(lib_rs(&meta, &up, &down));
    insta::assert_snapshot!(cargo_toml("20261125103000_add_posts"));
}

#[test]
fn tables_sequences_collations_policies_comments_and_grants() {
    use crate::wit::{
        CollationDef, CollationProvider, CommentTarget, GrantDef, PartitionOf, PolicyCommand, PolicyDef, Privilege,
        SequenceOptions, SequenceType, TableMember, TableOptions,
    };
    let up = vec![
        Action::CreateSequence {
            name: t("counter"),
            options: SequenceOptions {
                data_type: Some(SequenceType::Integer),
                start: Some(5),
                ..SequenceOptions::default()
            },
        },
        Action::CreateCollation {
            name: t("numeric"),
            definition: CollationDef {
                provider: CollationProvider::Icu,
                locale: "en-u-kn-true".into(),
                lc_ctype: None,
                deterministic: true,
            },
        },
        Action::AddTable {
            table: t("m"),
            columns: vec![col("d", ScalarType::Date, false)],
            options: TableOptions {
                partition_by: Some("RANGE (d)".into()),
                ..TableOptions::default()
            },
        },
        Action::AddTable {
            table: t("m1"),
            columns: vec![],
            options: TableOptions {
                partition_of: Some(PartitionOf {
                    parent: t("m"),
                    bound: "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')".into(),
                }),
                ..TableOptions::default()
            },
        },
        Action::AddTable {
            table: t("child"),
            columns: vec![col("extra", ScalarType::Text, true)],
            options: TableOptions {
                unlogged: true,
                inherits: vec![t("parent")],
                ..TableOptions::default()
            },
        },
        Action::SetSequenceOwner {
            name: t("counter"),
            owner: Some(TableMember {
                table: t("child"),
                name: "id".into(),
            }),
        },
        Action::SetColumnCollation {
            table: t("child"),
            column: "extra".into(),
            collation: Some(t("numeric")),
        },
        Action::SetRowLevelSecurity {
            table: t("child"),
            enabled: true,
            forced: false,
        },
        Action::CreatePolicy {
            policy: PolicyDef {
                name: "mine".into(),
                table: t("child"),
                permissive: true,
                command: PolicyCommand::All,
                roles: vec![],
                using: Some("owner = current_user".into()),
                with_check: None,
            },
        },
        Action::Grant {
            grant: GrantDef {
                on: t("child"),
                privileges: vec![Privilege::Select, Privilege::Insert],
                grantee: "reader".into(),
                grant_option: false,
            },
        },
        Action::SetComment {
            target: CommentTarget::Column(TableMember {
                table: t("child"),
                name: "extra".into(),
            }),
            text: Some("free text".into()),
        },
    ];
    let down = vec![
        Action::DetachPartition {
            parent: t("m"),
            partition: t("m1"),
        },
        Action::SetTableLogged {
            table: t("child"),
            logged: true,
        },
        Action::SetSequenceOwner {
            name: t("counter"),
            owner: None,
        },
        Action::DropSequence { name: t("counter") },
    ];
    let meta = Meta {
        revision: "20261125113000".into(),
        parent: None,
        message: "wider coverage".into(),
    };
    insta::assert_snapshot!(lib_rs(&meta, &up, &down));
}
