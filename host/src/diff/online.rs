//! The online form of a plan: what `plan` and `generate` write for tables
//! that already exist (unless `--no-online`), so that the app keeps reading
//! and writing them while the migration runs:
//!
//! - an index is built (and dropped) `CONCURRENTLY`, a step of its own
//!   outside the migration's transaction;
//! - a unique constraint or primary key is its unique index built
//!   concurrently, then `ADD CONSTRAINT ... USING INDEX`;
//! - a foreign key or check is added `NOT VALID` (no scan), then validated
//!   in a step of its own, under a lock that lets writes go on;
//! - `SET NOT NULL` is `CHECK (column IS NOT NULL) NOT VALID`, validated,
//!   then `SET NOT NULL` (which Postgres proves from the check without a
//!   scan), then the check dropped.
//!
//! A table the plan creates is new and empty, and a partitioned one cannot
//! be indexed concurrently: their steps stay as they are. And a column
//! added `NOT NULL` without a default to a table that holds rows cannot be
//! added at all: [`refuse_not_null`] says how to do it instead.

use super::name_of as name;
use crate::actions::Action;
use crate::actions::concurrent::Concurrent;
use crate::model::{Constraint, IndexDef, IndexMethod, QualifiedName};
use crate::schema::{Name, Schema};
use std::collections::HashSet;

/// `actions` (a plan from `before`) in their online form on the tables
/// that exist in `before`, stay, and are not partitioned (see the module doc).
pub fn online(before: &Schema, actions: Vec<Action>) -> Vec<Action> {
    // Tables the plan drops or creates: new (or going), not in use.
    let mut fresh: HashSet<Name> = HashSet::new();
    for action in &actions {
        if let Action::AddTable { table, .. } | Action::DropTable { table } = action {
            fresh.insert(name(table));
        }
    }
    let in_use = |table: &Name| {
        !fresh.contains(table)
            && before
                .tables
                .iter()
                .find(|t| &t.name == table)
                .is_some_and(|t| t.partition_key.is_none())
    };
    let index_table = |index: &QualifiedName| {
        let index = name(index);
        before.indexes.iter().find(|i| i.name == index).map(|i| i.table.clone())
    };
    actions
        .into_iter()
        .flat_map(|action| {
            let table = match &action {
                Action::AddIndex { index } => Some(name(&index.table)),
                Action::AddIndexSql { definition } => crate::actions::guard::index_table(definition).map(|t| name(&t)),
                Action::DropIndex { index } => index_table(index),
                Action::AddConstraint { table, .. } | Action::AddNotNull { table, .. } => Some(name(table)),
                _ => None,
            };
            match table {
                Some(table) if in_use(&table) => online_steps(action),
                _ => vec![action],
            }
        })
        .collect()
}

/// The online form of one step on a table in use.
fn online_steps(action: Action) -> Vec<Action> {
    let own = |step| Action::Concurrently { step };
    match action {
        Action::AddIndex { index } => vec![own(Concurrent::AddIndex { index })],
        Action::AddIndexSql { definition } => vec![own(Concurrent::AddIndexSql { definition })],
        Action::DropIndex { index } => vec![own(Concurrent::DropIndex { index })],
        Action::AddConstraint {
            table,
            name,
            constraint,
        } => match constraint {
            Constraint::Unique(ref columns) | Constraint::PrimaryKey(ref columns) => {
                let kind = if matches!(constraint, Constraint::Unique(_)) {
                    "UNIQUE"
                } else {
                    "PRIMARY KEY"
                };
                let index = IndexDef {
                    name: name.clone(),
                    table: table.clone(),
                    columns: columns.clone(),
                    unique: true,
                    method: IndexMethod::Btree,
                    predicate: None,
                };
                vec![
                    own(Concurrent::AddIndex { index }),
                    Action::AddConstraint {
                        table,
                        constraint: Constraint::Sql(format!(
                            "{kind} USING INDEX {}",
                            crate::actions::ident::quote(&name)
                        )),
                        name,
                    },
                ]
            }
            Constraint::ForeignKey(_) | Constraint::Check(_) => not_valid(table, name, &constraint),
            Constraint::Sql(ref definition)
                if !definition.contains("NOT VALID")
                    && (definition.starts_with("FOREIGN KEY") || definition.starts_with("CHECK")) =>
            {
                not_valid(table, name, &constraint)
            }
            constraint => vec![Action::AddConstraint {
                table,
                name,
                constraint,
            }],
        },
        Action::AddNotNull { table, column } => {
            let check = check_name(&table.name, &column);
            vec![
                Action::AddConstraint {
                    table: table.clone(),
                    name: check.clone(),
                    constraint: Constraint::Sql(format!(
                        "CHECK ({} IS NOT NULL) NOT VALID",
                        crate::actions::ident::quote(&column)
                    )),
                },
                own(Concurrent::ValidateConstraint {
                    table: table.clone(),
                    name: check.clone(),
                }),
                Action::AddNotNull {
                    table: table.clone(),
                    column,
                },
                Action::DropConstraint { table, name: check },
            ]
        }
        other => vec![other],
    }
}

/// `constraint` added `NOT VALID`, then validated in a step of its own.
fn not_valid(table: QualifiedName, name: String, constraint: &Constraint) -> Vec<Action> {
    let Ok(clause) = crate::actions::constraint_sql(constraint, crate::actions::DEFAULT_SCHEMA) else {
        // Not a constraint Postgres would take: the step fails as it is.
        return vec![Action::AddConstraint {
            table,
            name,
            constraint: constraint.clone(),
        }];
    };
    vec![
        Action::AddConstraint {
            table: table.clone(),
            name: name.clone(),
            constraint: Constraint::Sql(format!("{clause} NOT VALID")),
        },
        Action::Concurrently {
            step: Concurrent::ValidateConstraint { table, name },
        },
    ]
}

/// The temporary check's name: `<table>_<column>_not_null`, cut to the 63
/// bytes Postgres keeps.
fn check_name(table: &str, column: &str) -> String {
    let mut name = format!("{table}_{column}_not_null");
    while name.len() > crate::actions::ident::MAX_IDENTIFIER_BYTES {
        name.pop();
    }
    name
}

/// A column the plan adds `NOT NULL`, without a default (nor identity,
/// nor generated expression), to a table of `before`: such a step fails on a
/// table that holds a row. The tables to ask about, with their columns.
pub fn not_null_additions(before: &Schema, actions: &[Action]) -> Vec<(QualifiedName, String)> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::AddColumn { table, column }
                if !column.nullable
                    && column.default.is_none()
                    && column.identity.is_none()
                    && column.generated.is_none()
                    && before.tables.iter().any(|t| t.name == name(table)) =>
            {
                Some((table.clone(), column.name.clone()))
            }
            _ => None,
        })
        .collect()
}

/// What to do instead of adding `column` `NOT NULL` to `table`, which holds rows.
pub fn refuse_not_null(table: &QualifiedName, column: &str) -> String {
    let t = name(table);
    format!(
        "{t} holds rows, and {t}.{column} is added NOT NULL without a default: the step would fail. Either declare \
         a default in the schema (a constant default fills the rows without rewriting the table, PostgreSQL 11 and \
         later), or expand and contract over several migrations: add {column} nullable (declare it without NOT \
         NULL), deploy code that writes it, fill the rows in batches (execute ... commit-step), then declare it NOT \
         NULL (the online plan adds CHECK ({column} IS NOT NULL) NOT VALID, validates it, then sets NOT NULL)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ColumnDef, DataType, ScalarType};
    use crate::schema::{Index, Table};

    fn schema() -> Schema {
        let table = |n: &str, partitioned: bool| Table {
            partition_key: partitioned.then(|| "RANGE (at)".to_owned()),
            ..crate::diff::tests::table(n)
        };
        let index = |n: &str, table: &str| Index {
            name: Name::new("public", n),
            table: Name::new("public", table),
            definition: format!("CREATE INDEX {n} ON public.{table} USING btree (x)"),
            unique: false,
            method: "btree".into(),
            predicate: None,
            simple_columns: Some(vec!["x".into()]),
            parent: None,
        };
        Schema {
            tables: vec![table("posts", false), table("events", true), table("old", false)],
            indexes: vec![index("posts_title_idx", "posts"), index("events_at_idx", "events")],
            ..Schema::default()
        }
    }

    fn add_index(table: &str) -> Action {
        Action::AddIndex {
            index: IndexDef {
                name: format!("{table}_x_idx"),
                table: QualifiedName::unqualified(table),
                columns: vec!["x".into()],
                unique: false,
                method: IndexMethod::Btree,
                predicate: None,
            },
        }
    }

    #[test]
    fn only_the_indexes_of_tables_in_use_are_built_concurrently() {
        let new_table = Action::AddTable {
            table: QualifiedName::unqualified("fresh"),
            columns: vec![],
            options: Default::default(),
        };
        let plan = vec![
            new_table.clone(),
            add_index("posts"),
            add_index("events"),
            add_index("fresh"),
            Action::AddIndexSql {
                definition: "CREATE INDEX posts_lower ON public.posts USING btree (lower(title))".into(),
            },
            Action::DropIndex {
                index: QualifiedName::unqualified("posts_title_idx"),
            },
            Action::DropIndex {
                index: QualifiedName::unqualified("events_at_idx"),
            },
        ];
        let online = online(&schema(), plan);
        let concurrent: Vec<bool> = online
            .iter()
            .map(|a| matches!(a, Action::Concurrently { .. }))
            .collect();
        assert_eq!(concurrent, vec![false, true, false, false, true, true, false]);
    }

    #[test]
    fn constraints_on_a_table_in_use_are_added_without_a_long_lock() {
        let posts = || QualifiedName::unqualified("posts");
        let add = |name: &str, constraint| Action::AddConstraint {
            table: posts(),
            name: name.into(),
            constraint,
        };
        let plan = vec![
            add("posts_slug_key", Constraint::Unique(vec!["slug".into()])),
            add("posts_check", Constraint::Check("id > 0".into())),
            add(
                "posts_user_fkey",
                Constraint::Sql("FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE".into()),
            ),
            Action::AddNotNull {
                table: posts(),
                column: "title".into(),
            },
        ];
        let sql: Vec<String> = online(&schema(), plan)
            .iter()
            .map(|a| crate::actions::render(a, "public").unwrap().join("; "))
            .collect();
        assert_eq!(
            sql,
            vec![
                r#"CREATE UNIQUE INDEX CONCURRENTLY "posts_slug_key" ON "public"."posts" USING btree ("slug")"#,
                r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "posts_slug_key" UNIQUE USING INDEX "posts_slug_key""#,
                r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "posts_check" CHECK (id > 0) NOT VALID"#,
                r#"ALTER TABLE "public"."posts" VALIDATE CONSTRAINT "posts_check""#,
                r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "posts_user_fkey" FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE NOT VALID"#,
                r#"ALTER TABLE "public"."posts" VALIDATE CONSTRAINT "posts_user_fkey""#,
                r#"ALTER TABLE "public"."posts" ADD CONSTRAINT "posts_title_not_null" CHECK ("title" IS NOT NULL) NOT VALID"#,
                r#"ALTER TABLE "public"."posts" VALIDATE CONSTRAINT "posts_title_not_null""#,
                r#"ALTER TABLE "public"."posts" ALTER COLUMN "title" SET NOT NULL"#,
                r#"ALTER TABLE "public"."posts" DROP CONSTRAINT "posts_title_not_null""#,
            ]
        );
        // The same on a table the plan creates stays as it is.
        let fresh = vec![
            Action::AddTable {
                table: QualifiedName::unqualified("fresh"),
                columns: vec![],
                options: Default::default(),
            },
            Action::AddConstraint {
                table: QualifiedName::unqualified("fresh"),
                name: "fresh_check".into(),
                constraint: Constraint::Check("true".into()),
            },
        ];
        assert_eq!(online(&schema(), fresh.clone()), fresh);
    }

    #[test]
    fn a_not_null_column_without_a_default_on_an_existing_table_is_found() {
        let column = |nullable: bool, default: bool| {
            let mut column = ColumnDef::new(
                "c",
                DataType {
                    scalar: ScalarType::Text,
                    is_array: false,
                },
            );
            column.nullable = nullable;
            if default {
                column.default = Some(crate::model::ColumnDefault::Expression("'x'".into()));
            }
            column
        };
        let add = |table: &str, column| Action::AddColumn {
            table: QualifiedName::unqualified(table),
            column,
        };
        let found = not_null_additions(
            &schema(),
            &[
                add("posts", column(false, false)),
                add("posts", column(false, true)),
                add("posts", column(true, false)),
                add("nowhere", column(false, false)),
            ],
        );
        assert_eq!(found, vec![(QualifiedName::unqualified("posts"), "c".to_owned())]);
        assert!(refuse_not_null(&found[0].0, "c").contains("declare a default"));
    }
}
