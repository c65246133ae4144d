//! The steps that run on their own, outside the migration's transaction:
//! those Postgres runs only outside a transaction block (`CONCURRENTLY`),
//! and `VALIDATE CONSTRAINT`, which must not share the transaction that
//! added the constraint (its scan would hold that transaction's strong
//! lock). Their SQL, and what an interrupted run of each leaves behind and
//! how the next run takes it up. When the migration's
//! transaction commits around them and how each is recorded is the
//! session's (`runtime/session.rs`) and the history's (`history/steps.rs`).

use super::ident::{ident, literal, qualified};
use super::{ActionError, guard, index_sql, tables};
use crate::model::{IndexDef, QualifiedName};

/// One step that runs on its own, outside any transaction.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Concurrent {
    AddIndex {
        index: IndexDef,
    },
    /// An ordinary `CREATE INDEX` statement, built `CONCURRENTLY`.
    AddIndexSql {
        definition: String,
    },
    DropIndex {
        index: QualifiedName,
    },
    Reindex {
        index: QualifiedName,
    },
    DetachPartition {
        parent: QualifiedName,
        partition: QualifiedName,
    },
    /// `ALTER TABLE table VALIDATE CONSTRAINT name`, for a constraint added
    /// `NOT VALID`: its scan takes only a lock that lets writes go on.
    ValidateConstraint {
        table: QualifiedName,
        name: String,
    },
}

/// What the next run does with a step that an earlier run started and did
/// not record as done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resume {
    /// It finished after all: take it as done.
    Done,
    /// Run these statements (each on its own), then the step again.
    Redo(Vec<String>),
    /// Run these statements instead of the step: they finish it.
    Finish(Vec<String>),
}

impl Concurrent {
    /// The WIT name of the action and its object, for messages and the
    /// step's record: `add-index-concurrently public.posts_title_idx`.
    pub fn describe(&self) -> String {
        let q = |n: &QualifiedName| format!("{}.{}", n.schema.as_deref().unwrap_or(super::DEFAULT_SCHEMA), n.name);
        match self {
            Concurrent::AddIndex { index } => format!(
                "add-index-concurrently {}.{}",
                index.table.schema.as_deref().unwrap_or(super::DEFAULT_SCHEMA),
                index.name
            ),
            Concurrent::AddIndexSql { definition } => match guard::index_name(definition) {
                Some(name) => format!("add-index-sql-concurrently {name}"),
                None => "add-index-sql-concurrently".into(),
            },
            Concurrent::DropIndex { index } => format!("drop-index-concurrently {}", q(index)),
            Concurrent::Reindex { index } => format!("reindex-concurrently {}", q(index)),
            Concurrent::DetachPartition { parent, partition } => {
                format!("detach-partition-concurrently {} from {}", q(partition), q(parent))
            }
            Concurrent::ValidateConstraint { table, name } => format!("validate-constraint {}.{name}", q(table)),
        }
    }

    /// The same change's statements inside a transaction (what a rehearsal
    /// on a throwaway copy runs); none for a reindex, which changes no
    /// definition.
    pub fn in_transaction_sql(&self, schema: &str) -> Result<Vec<String>, ActionError> {
        Ok(match self {
            Concurrent::AddIndex { index } => vec![index_sql(index, schema)?],
            Concurrent::AddIndexSql { definition } => {
                guard::index_statement(definition)?;
                vec![definition.clone()]
            }
            Concurrent::DropIndex { index } => vec![format!("DROP INDEX {}", qualified(index, schema, "index")?)],
            Concurrent::Reindex { .. } => Vec::new(),
            Concurrent::DetachPartition { parent, partition } => {
                vec![tables::detach_partition(parent, partition, schema)?]
            }
            Concurrent::ValidateConstraint { .. } => vec![self.sql(schema)?],
        })
    }

    /// The one statement the step runs.
    pub fn sql(&self, schema: &str) -> Result<String, ActionError> {
        Ok(match self {
            Concurrent::AddIndex { index } => {
                let plain = index_sql(index, schema)?;
                // `CREATE [UNIQUE] INDEX name ...`, as `index_sql` writes it.
                let (head, rest) = plain
                    .split_once("INDEX ")
                    .expect("index_sql writes CREATE [UNIQUE] INDEX");
                format!("{head}INDEX CONCURRENTLY {rest}")
            }
            Concurrent::AddIndexSql { definition } => guard::concurrent_index_statement(definition)?,
            Concurrent::DropIndex { index } => {
                format!("DROP INDEX CONCURRENTLY {}", qualified(index, schema, "index")?)
            }
            Concurrent::Reindex { index } => {
                format!("REINDEX INDEX CONCURRENTLY {}", qualified(index, schema, "index")?)
            }
            Concurrent::DetachPartition { parent, partition } => {
                format!("{} CONCURRENTLY", tables::detach_partition(parent, partition, schema)?)
            }
            Concurrent::ValidateConstraint { table, name } => format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                qualified(table, schema, "table")?,
                ident(name, "constraint")?
            ),
        })
    }

    /// The index the step builds, qualified and quoted (for the check of an
    /// interrupted build).
    fn built_index(&self, schema: &str) -> Result<Option<String>, ActionError> {
        Ok(match self {
            Concurrent::AddIndex { index } => Some(qualified(
                &QualifiedName {
                    schema: index.table.schema.clone(),
                    name: index.name.clone(),
                },
                schema,
                "index",
            )?),
            Concurrent::AddIndexSql { definition } => {
                let table = guard::index_table(definition);
                let name = guard::index_name(definition).filter(|n| !n.is_empty());
                match (table, name) {
                    (Some(table), Some(name)) => Some(qualified(
                        &QualifiedName {
                            schema: table.schema,
                            name,
                        },
                        schema,
                        "index",
                    )?),
                    // An unnamed index cannot be found again: built afresh.
                    _ => None,
                }
            }
            _ => None,
        })
    }

    /// The query that tells what an interrupted run of the step left: its
    /// rows (one text column) go to [`Concurrent::resume`].
    pub fn probe(&self, schema: &str) -> Result<String, ActionError> {
        let regclass = |name: &str| Ok::<_, ActionError>(format!("pg_catalog.to_regclass({})", literal(name)?));
        Ok(match self {
            Concurrent::AddIndex { .. } | Concurrent::AddIndexSql { .. } => match self.built_index(schema)? {
                Some(index) => format!(
                    "SELECT CASE WHEN indisvalid THEN 'valid' ELSE 'invalid' END FROM pg_catalog.pg_index \
                     WHERE indexrelid = {}",
                    regclass(&index)?
                ),
                None => "SELECT 'unknown' WHERE false".into(),
            },
            Concurrent::DropIndex { index } => format!(
                "SELECT 'present' WHERE {} IS NOT NULL",
                regclass(&qualified(index, schema, "index")?)?
            ),
            // The copies a killed REINDEX CONCURRENTLY leaves, invalid.
            Concurrent::Reindex { index } => format!(
                "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid \
                 WHERE n.nspname = {} AND NOT i.indisvalid AND (c.relname LIKE {} OR c.relname LIKE {})",
                literal(index.schema.as_deref().unwrap_or(schema))?,
                literal(&format!("{}_ccnew%", like_escape(&index.name)))?,
                literal(&format!("{}_ccold%", like_escape(&index.name)))?
            ),
            Concurrent::DetachPartition { parent, partition } => format!(
                "SELECT CASE WHEN inhdetachpending THEN 'pending' ELSE 'attached' END FROM pg_catalog.pg_inherits \
                 WHERE inhrelid = {} AND inhparent = {}",
                regclass(&qualified(partition, schema, "table")?)?,
                regclass(&qualified(parent, schema, "table")?)?
            ),
            Concurrent::ValidateConstraint { table, name } => format!(
                "SELECT CASE WHEN convalidated THEN 'valid' ELSE 'not valid' END FROM pg_catalog.pg_constraint \
                 WHERE conrelid = {} AND conname = {}",
                regclass(&qualified(table, schema, "table")?)?,
                literal(name)?
            ),
        })
    }

    /// What to do, given the probe's rows.
    pub fn resume(&self, rows: &[String], schema: &str) -> Result<Resume, ActionError> {
        let first = rows.first().map(String::as_str);
        Ok(match self {
            Concurrent::AddIndex { .. } | Concurrent::AddIndexSql { .. } => match first {
                Some("valid") => Resume::Done,
                Some("invalid") => {
                    let index = self.built_index(schema)?.expect("probed by name");
                    Resume::Redo(vec![format!("DROP INDEX CONCURRENTLY {index}")])
                }
                _ => Resume::Redo(Vec::new()),
            },
            Concurrent::DropIndex { .. } => match first {
                Some(_) => Resume::Redo(Vec::new()),
                None => Resume::Done,
            },
            Concurrent::Reindex { .. } => Resume::Redo(
                rows.iter()
                    .map(|name| format!("DROP INDEX CONCURRENTLY {name}"))
                    .collect(),
            ),
            Concurrent::DetachPartition { parent, partition } => match first {
                None => Resume::Done,
                Some("pending") => Resume::Finish(vec![format!(
                    "{} FINALIZE",
                    tables::detach_partition(parent, partition, schema)?
                )]),
                Some(_) => Resume::Redo(Vec::new()),
            },
            Concurrent::ValidateConstraint { .. } => match first {
                Some("valid") => Resume::Done,
                _ => Resume::Redo(Vec::new()),
            },
        })
    }
}

/// `name` as a `LIKE` pattern that matches only itself.
fn like_escape(name: &str) -> String {
    name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IndexMethod;

    fn t(name: &str) -> QualifiedName {
        QualifiedName {
            schema: None,
            name: name.into(),
        }
    }

    fn index(unique: bool) -> IndexDef {
        IndexDef {
            name: "posts_title_idx".into(),
            table: t("posts"),
            columns: vec!["title".into()],
            unique,
            method: IndexMethod::Btree,
            predicate: None,
        }
    }

    #[test]
    fn each_step_is_its_statement_concurrently() {
        let sql = |step: Concurrent| step.sql("public").unwrap();
        assert_eq!(
            sql(Concurrent::AddIndex { index: index(false) }),
            r#"CREATE INDEX CONCURRENTLY "posts_title_idx" ON "public"."posts" USING btree ("title")"#
        );
        assert_eq!(
            sql(Concurrent::AddIndex { index: index(true) }),
            r#"CREATE UNIQUE INDEX CONCURRENTLY "posts_title_idx" ON "public"."posts" USING btree ("title")"#
        );
        assert_eq!(
            sql(Concurrent::AddIndexSql {
                definition: "CREATE INDEX posts_lower ON public.posts USING btree (lower(title))".into()
            }),
            "CREATE INDEX CONCURRENTLY posts_lower ON public.posts USING btree (lower(title))"
        );
        assert_eq!(
            sql(Concurrent::DropIndex {
                index: t("posts_title_idx")
            }),
            r#"DROP INDEX CONCURRENTLY "public"."posts_title_idx""#
        );
        assert_eq!(
            sql(Concurrent::Reindex {
                index: t("posts_title_idx")
            }),
            r#"REINDEX INDEX CONCURRENTLY "public"."posts_title_idx""#
        );
        assert_eq!(
            sql(Concurrent::DetachPartition {
                parent: t("events"),
                partition: t("events_2025")
            }),
            r#"ALTER TABLE "public"."events" DETACH PARTITION "public"."events_2025" CONCURRENTLY"#
        );
        assert_eq!(
            sql(Concurrent::ValidateConstraint {
                table: t("posts"),
                name: "posts_user_fkey".into()
            }),
            r#"ALTER TABLE "public"."posts" VALIDATE CONSTRAINT "posts_user_fkey""#
        );
    }

    #[test]
    fn a_definition_that_is_concurrent_already_or_not_an_index_is_refused() {
        for definition in [
            "CREATE INDEX CONCURRENTLY i ON t (a)",
            "DROP TABLE t",
            "CREATE INDEX i ON t (a); DROP TABLE t",
        ] {
            let step = Concurrent::AddIndexSql {
                definition: definition.into(),
            };
            assert!(step.sql("public").is_err(), "{definition}");
        }
    }

    #[test]
    fn an_interrupted_build_is_dropped_and_built_again_unless_it_finished() {
        let step = Concurrent::AddIndex { index: index(false) };
        assert_eq!(step.resume(&["valid".into()], "public").unwrap(), Resume::Done);
        assert_eq!(
            step.resume(&["invalid".into()], "public").unwrap(),
            Resume::Redo(vec![r#"DROP INDEX CONCURRENTLY "public"."posts_title_idx""#.into()])
        );
        assert_eq!(step.resume(&[], "public").unwrap(), Resume::Redo(vec![]));
        let detach = Concurrent::DetachPartition {
            parent: t("events"),
            partition: t("events_2025"),
        };
        assert_eq!(
            detach.resume(&["pending".into()], "public").unwrap(),
            Resume::Finish(vec![
                r#"ALTER TABLE "public"."events" DETACH PARTITION "public"."events_2025" FINALIZE"#.into()
            ])
        );
        assert_eq!(detach.resume(&[], "public").unwrap(), Resume::Done);
        assert_eq!(
            Concurrent::Reindex { index: t("i_x") }
                .resume(&[r#""public"."i_x_ccnew""#.into()], "public")
                .unwrap(),
            Resume::Redo(vec![r#"DROP INDEX CONCURRENTLY "public"."i_x_ccnew""#.into()])
        );
    }
}
