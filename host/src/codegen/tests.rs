//! Snapshots of generated migrations (review changes with `cargo insta review`).

use super::*;
use crate::model::{
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
fn the_type_name_never_shadows_what_the_code_needs() {
    assert_eq!(type_name("add post views"), "AddPostViews");
    assert_eq!(type_name("ok"), "OkMigration");
    assert_eq!(type_name("OK"), "OkMigration");
    assert_eq!(type_name("result"), "ResultMigration");
    assert_eq!(type_name("Migration"), "MigrationMigration");
    assert_eq!(type_name("✓"), "GeneratedMigration");
    assert_eq!(type_name(""), "GeneratedMigration");
    assert_eq!(type_name("self"), "SelfMigration");
    assert_eq!(type_name("table options"), "TableOptionsMigration");
    let messages = [
        "ok",
        "Ok",
        "err",
        "result",
        "Result",
        "migration",
        "✓",
        "",
        " ",
        "self",
        "Self",
        "super",
        "crate",
        "some",
        "none",
        "option",
        "vec",
        "string",
        "box",
        "default",
        "error",
        "error kind",
        "rows",
        "scalar type",
        "sql value",
        "type",
        "fn",
        "impl",
        "struct",
        "r#type",
        "async",
        "dyn",
        "try",
        "gen",
        "union",
        "2024",
        "_",
        "__",
        "-",
        "add_table",
        "migrate_plugin",
        "ty",
        "m",
        "a",
        "z",
        "0",
        "9 lives",
        "Ünïcode ✓ only",
        "日本語",
        "../../etc/passwd",
        "drop table; --",
        "\"#",
        "$$",
        "a\nb",
        "tab\tname",
        "into",
        "from",
        "iterator",
        "into iterator",
        "fn once",
        "partial eq",
        "column def",
        "revision info",
        "generated migration",
    ];
    let long = "word ".repeat(30);
    for message in messages.iter().copied().chain([long.as_str(), &"x".repeat(100)]) {
        let name = type_name(message);
        // An identifier, not a keyword (syn refuses those), not raw.
        let ident: syn::Ident = syn::parse_str(&name).unwrap_or_else(|e| panic!("{message:?} -> {name:?}: {e}"));
        assert_eq!(ident.to_string(), name);
        assert!(
            name.starts_with(|c: char| c.is_ascii_uppercase()),
            "{message:?} -> {name}"
        );
        assert!(!RESERVED_NAMES.contains(&name.as_str()), "{message:?} -> {name}");
        // The generated crate, parsed whole, declares and exports that type.
        let meta = Meta {
            revision: "20261125103000".into(),
            parent: None,
            message: message.into(),
        };
        let source = lib_rs(&meta, &[], &[]);
        syn::parse_file(&source).unwrap_or_else(|e| panic!("{message:?}: {e}\n{source}"));
        assert!(source.contains(&format!("struct {name};")), "{source}");
    }
}

/// Every type and trait the SDK defines, or binds from the WIT contract,
/// is a name the migration's type may not take.
#[test]
fn the_reserved_names_cover_the_sdk() {
    let sdk = [
        include_str!("../../../plugins/rust/src/lib.rs"),
        include_str!("../../../plugins/rust/src/actions.rs"),
        include_str!("../../../plugins/rust/src/builders.rs"),
        include_str!("../../../plugins/rust/src/values.rs"),
    ];
    let mut names = Vec::new();
    let item = regex::Regex::new(r"\bpub\s+(?:struct|enum|trait|type|union)\s+([A-Za-z_][A-Za-z0-9_]*)").unwrap();
    for source in sdk {
        names.extend(item.captures_iter(source).map(|c| c[1].to_owned()));
    }
    let wit = regex::Regex::new(r"(?m)^\s*(?:record|variant|enum|flags|resource|type)\s+([a-z][a-z0-9-]*)").unwrap();
    for c in wit.captures_iter(include_str!("../../../wit/migrate.wit")) {
        names.push(c[1].split('-').map(|w| w[..1].to_ascii_uppercase() + &w[1..]).collect());
    }
    assert!(names.len() > 30, "{names:?}");
    let missing: Vec<_> = names.iter().filter(|n| !RESERVED_NAMES.contains(&n.as_str())).collect();
    assert!(missing.is_empty(), "add to RESERVED_NAMES: {missing:?}");
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
    use crate::model::{
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

/// Every string literal of `source`, in order, as Rust reads it.
fn literal_values(source: &str) -> Vec<String> {
    struct Strings(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Strings {
        fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
            self.0.push(lit.value());
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            // `vec![a, b]`: its elements are expressions.
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            if let Ok(elements) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) {
                for element in &elements {
                    syn::visit::Visit::visit_expr(self, element);
                }
            }
        }
    }
    let file = syn::parse_file(source).unwrap_or_else(|e| panic!("{e}\n{source}"));
    let mut strings = Strings(Vec::new());
    syn::visit::visit_file(&mut strings, &file);
    strings.0
}

#[test]
fn texts_reach_the_code_byte_for_byte() {
    use crate::model::{CommentTarget, FunctionRef, PolicyCommand, PolicyDef};
    let body = "CREATE OR REPLACE FUNCTION public.f(x text)\n RETURNS text\n LANGUAGE plpgsql\nAS $function$\n\
                BEGIN\n\t-- a tab, trailing spaces:   \n\n\n\tRETURN x || '\"#' || $$two\n    lines$$ || 'ü ✓';\nEND\n\
                $function$\n";
    let crlf = "CREATE OR REPLACE FUNCTION public.g()\r\n RETURNS int\r\n LANGUAGE sql\r\nAS $$SELECT 1$$\r\n";
    let query = " SELECT 'a\"##b'::text AS q,\n    '\\' AS backslash\n   FROM t;";
    let comment = "line one\n  \"quoted\" and it's\n\ttabbed \u{202e} bidi";
    let up = vec![
        Action::CreateFunction {
            definition: body.into(),
        },
        Action::CreateFunction {
            definition: crlf.into(),
        },
        Action::CreateView {
            name: t("v"),
            query: query.into(),
            materialized: false,
        },
        Action::AddColumn {
            table: t("t\nfn evil() {}"),
            column: ColumnDef {
                default: Some(ColumnDefault::Expression("'a\nb'::text".into())),
                generated: None,
                ..col("c", ScalarType::Text, true)
            },
        },
        Action::CreatePolicy {
            policy: PolicyDef {
                name: "p".into(),
                table: t("t"),
                permissive: true,
                command: PolicyCommand::All,
                roles: vec!["it's a\nrole".into()],
                using: Some("owner = current_user\n  AND x <> '\t'".into()),
                with_check: None,
            },
        },
        Action::SetComment {
            target: CommentTarget::Function(FunctionRef {
                name: t("f"),
                arguments: "x text".into(),
                procedure: false,
            }),
            text: Some(comment.into()),
        },
    ];
    let meta = Meta {
        revision: "20261125120000".into(),
        parent: Some("20261125110000".into()),
        message: "texts\r\nwith \u{1b}[2J odd bits".into(),
    };
    let source = lib_rs(&meta, &up, &[]);
    let values = literal_values(&source);
    for text in [
        body,
        crlf,
        query,
        comment,
        "'a\nb'::text",
        "owner = current_user\n  AND x <> '\t'",
        "t\nfn evil() {}",
        "it's a\nrole",
        "texts\r\nwith \u{1b}[2J odd bits",
    ] {
        assert!(
            values.iter().any(|v| v == text),
            "{text:?} is not a literal of\n{source}"
        );
    }
    // What rustc refuses, or a reader would not see, is escaped.
    assert!(
        !source.chars().any(|c| c == '\r' || c == '\u{202e}' || c == '\u{1b}'),
        "{source}"
    );
    assert!(
        source.contains("        // table t\\u{a}fn evil() {}\n"),
        "a name cannot end its comment:\n{source}"
    );
    insta::assert_snapshot!(source);
}

#[test]
fn float_defaults_that_are_not_numbers_are_still_rust() {
    use crate::model::SqlValue;
    for (value, code) in [
        (f64::NAN, "f64::NAN"),
        (f64::INFINITY, "f64::INFINITY"),
        (f64::NEG_INFINITY, "f64::NEG_INFINITY"),
        (1.5, "1.5f64"),
    ] {
        let call = action_call(&Action::SetColumnDefault {
            table: t("t"),
            column: "x".into(),
            default: ColumnDefault::Value(SqlValue::Float(value)),
        });
        assert!(call.contains(code), "{call}");
        syn::parse_str::<syn::Stmt>(&call).unwrap_or_else(|e| panic!("{call}: {e}"));
    }
}

#[test]
fn relation_options_replica_identity_partition_indexes_types_and_column_grants() {
    use crate::model::{
        AttributeChange, AttributeDef, DataType, DomainChange, DomainCheck, GrantDef, Privilege, RelationOption,
        ReplicaIdentity,
    };
    let up = vec![
        Action::SetRelationOptions {
            relation: t("t"),
            set: vec![RelationOption {
                name: "fillfactor".into(),
                value: "70".into(),
            }],
            reset: vec!["autovacuum_enabled".into()],
        },
        Action::SetReplicaIdentity {
            table: t("t"),
            identity: ReplicaIdentity::UsingIndex("t_key".into()),
        },
        Action::AttachIndex {
            parent: t("m_at"),
            index: t("m1_at"),
            partition: t("m1"),
        },
        Action::GrantColumns {
            grant: GrantDef {
                on: t("t"),
                privileges: vec![Privilege::Select],
                grantee: "reader".into(),
                grant_option: false,
            },
            columns: vec!["id".into(), "email".into()],
        },
        Action::CreateType {
            definition: "CREATE DOMAIN public.positive AS integer CONSTRAINT positive_check CHECK (VALUE > 0)".into(),
        },
        Action::AlterDomain {
            name: t("positive"),
            change: DomainChange::AddCheck(DomainCheck {
                name: "small".into(),
                expression: "VALUE < 100".into(),
            }),
        },
        Action::AlterCompositeType {
            name: t("address"),
            change: AttributeChange::SetType(AttributeDef {
                name: "zip".into(),
                data_type: DataType {
                    scalar: ScalarType::Varchar(Some(10)),
                    is_array: true,
                },
                collation: Some(t("c")),
            }),
        },
    ];
    let down = vec![
        Action::AlterCompositeType {
            name: t("address"),
            change: AttributeChange::Drop("zip".into()),
        },
        Action::AlterDomain {
            name: t("positive"),
            change: DomainChange::DropNotNull,
        },
        Action::SetReplicaIdentity {
            table: t("t"),
            identity: ReplicaIdentity::Default,
        },
        Action::RevokeColumns {
            grant: GrantDef {
                on: t("t"),
                privileges: vec![Privilege::Select],
                grantee: "reader".into(),
                grant_option: false,
            },
            columns: vec!["id".into()],
        },
    ];
    let meta = Meta {
        revision: "20261207000000".into(),
        parent: None,
        message: "options and types".into(),
    };
    insta::assert_snapshot!(lib_rs(&meta, &up, &down));
}
