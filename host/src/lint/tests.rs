use super::*;
use crate::model::{ColumnDef, Constraint, DataType, ScalarType, TypeCast};

fn t(name: &str) -> QualifiedName {
    QualifiedName::unqualified(name)
}

#[test]
fn drops_rewrites_and_locks_are_flagged_with_what_to_do_instead() {
    let int = DataType {
        scalar: ScalarType::Bigint,
        is_array: false,
    };
    let hazards = lint(&[
        Action::DropTable { table: t("old") },
        Action::DropColumn {
            table: t("users"),
            column: "legacy".into(),
        },
        Action::ChangeColumnType {
            table: t("users"),
            column: "id".into(),
            new_type: int,
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
    let kinds: Vec<HazardKind> = hazards.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        [
            HazardKind::DataLoss,
            HazardKind::DataLoss,
            HazardKind::Rewrite,
            HazardKind::Lock
        ]
    );
    assert_eq!(
        hazards[3].to_string(),
        "add-not-null public.users.email (long lock): SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE \
         lock; instead: add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then SET \
         NOT NULL (Postgres then skips the scan)"
    );
}

#[test]
fn a_table_created_by_the_same_steps_is_not_a_hazard() {
    let hazards = lint(&[
        Action::AddTable {
            table: t("fresh"),
            columns: vec![ColumnDef::new(
                "id",
                DataType {
                    scalar: ScalarType::Integer,
                    is_array: false,
                },
            )],
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
        Action::DropColumn {
            table: t("fresh"),
            column: "id".into(),
        },
    ]);
    assert_eq!(hazards, vec![]);
    assert!(data_loss(&Action::DropTable { table: t("fresh") }).is_some());
}
