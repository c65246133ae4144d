//! The SQL a plan's steps will run, exactly as `apply` will run it. Most
//! steps need nothing but their arguments; a step whose SQL depends on the
//! database's state at that point (an automatic cast of an array column, a
//! collation change that repeats the column's type, removing enum values)
//! is planned the way `apply` plans it: on a throwaway copy of the schema
//! the plan starts from, after the steps before it ran there, inside a
//! transaction that is rolled back. Where the model already knows what
//! such a step reads (the type changes between built-in types of columns
//! no earlier step touches), no copy is made: the step is written from the
//! model, and a probe asks Postgres whether its cast exists.

use crate::actions::{self, Action};
use crate::schema::{Schema, introspect};
use anyhow::Context as _;

/// Each step's statements, in order. `from` is the schema the steps start
/// from; the copy is made on the server `admin_url` points at.
pub async fn statements(admin_url: &str, from: &Schema, steps: &[Action]) -> anyhow::Result<Vec<Vec<String>>> {
    if !steps.iter().any(actions::reads_catalog) {
        return Ok(offline(steps));
    }
    if let Some((planned, probes)) = from_the_model(from, steps) {
        probe(admin_url, steps, &probes).await?;
        return Ok(planned);
    }
    super::scratch(
        admin_url,
        "a shadow database to plan the steps that read the catalog",
        async |client| {
            let empty = introspect(client).await?;
            // A schema the diff cannot create from nothing (a kind it does not
            // support yet, unchanged by the plan) cannot be copied: the steps are
            // then written without the catalog, as far as they can be.
            let Ok(setup) = crate::diff::diff(&empty, from) else {
                return Ok(offline(steps));
            };
            copy(client, &setup)
                .await
                .context("making a copy of the schema the plan starts from")?;
            client.batch_execute("BEGIN").await?;
            let planned = run(client, steps).await;
            client.batch_execute("ROLLBACK").await?;
            planned
        },
    )
    .await
}

/// The schema `from` becomes once `steps` ran: they run on a throwaway copy
/// and the copy is introspected, so every definition reads as Postgres
/// rewrites it (a renamed column inside a constraint, a view, an index).
pub async fn after(admin_url: &str, from: &Schema, steps: &[Action]) -> anyhow::Result<Schema> {
    super::scratch(admin_url, "a shadow database to rehearse the renames", async |client| {
        let empty = introspect(client).await?;
        let setup = crate::diff::diff(&empty, from).map_err(|e| {
            anyhow::anyhow!(
                "a declared rename is planned on a copy of the database's schema, and this schema cannot be copied \
                 yet: {e}. Write the rename by hand (`migrate-host new`, then rename_table / rename_column)"
            )
        })?;
        copy(client, &setup)
            .await
            .context("making a copy of the database's schema")?;
        run(client, steps).await.context("renaming on the copy")?;
        introspect(client).await
    })
    .await
}

/// The statements without a copy, when every step that reads the catalog is
/// a type change with the automatic cast, between built-in types, of a
/// column `from` has as it stands when the step runs (no step before it
/// adds, drops or renames the column or its table): all such a step reads
/// is whether the column is an array, which the model says. With them, for
/// each such step, a probe query that fails exactly when the cast does not
/// exist (a copy would have failed on it).
fn from_the_model(from: &Schema, steps: &[Action]) -> Option<(Vec<Vec<String>>, Vec<(usize, String)>)> {
    let mut planned = Vec::with_capacity(steps.len());
    let mut probes = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        if !actions::reads_catalog(step) {
            planned.push(actions::render(step, actions::DEFAULT_SCHEMA).ok()?);
            continue;
        }
        let Action::ChangeColumnType {
            table: qualified,
            column,
            new_type,
            ..
        } = step
        else {
            return None;
        };
        let table = crate::diff::name_of(qualified);
        let built_in = |t: &crate::model::DataType| {
            !matches!(
                t.scalar,
                crate::model::ScalarType::Named(_) | crate::model::ScalarType::Sql(_)
            )
        };
        let old = from.table(&table)?.column(column)?;
        let touched_before = steps[..index].iter().any(|earlier| {
            let objects = earlier.objects();
            let names = |list: &[crate::model::Object]| {
                list.iter().any(|o| {
                    o == &crate::model::Object::Relation(table.clone())
                        || o == &crate::model::Object::Column(table.clone(), column.clone())
                })
            };
            names(&objects.creates)
                || names(&objects.drops)
                || matches!(earlier, Action::RenameTable { table: t, .. } | Action::RenameColumn { table: t, .. }
                    if crate::diff::name_of(t) == table)
        });
        if touched_before || !built_in(&old.data_type) || !built_in(new_type) {
            return None;
        }
        let (statement, probe) = actions::auto_cast_known(step, &old.type_sql, old.data_type.is_array).ok()??;
        planned.push(vec![statement]);
        probes.push((index, probe));
    }
    Some((planned, probes))
}

/// Runs each probe on the server `admin_url` points at (built-in types are
/// everywhere): one Postgres refuses names its step as a copy would have.
async fn probe(admin_url: &str, steps: &[Action], probes: &[(usize, String)]) -> anyhow::Result<()> {
    let client = crate::pg::connect(admin_url)
        .await
        .context("connecting to the server to check the plan's casts")?;
    for (index, sql) in probes {
        if let Err(e) = client.batch_execute(sql).await {
            return Err(Failed {
                step: *index,
                describe: steps[*index].describe(),
                sql: sql.clone(),
                sqlstate: e.code().map(|c| c.code().to_owned()),
                message: e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned()),
            }
            .into());
        }
    }
    Ok(())
}

/// Runs the steps that make a copy, many statements to a message (a copy
/// of thousands of tables is mostly round trips otherwise), each message
/// its own transaction (one for all would run out of lock slots). Function
/// bodies are not checked on this connection, as in a migration, so a
/// function may come before the tables it reads.
async fn copy(client: &tokio_postgres::Client, setup: &[Action]) -> anyhow::Result<()> {
    const STATEMENTS_PER_MESSAGE: usize = 500;
    client.batch_execute("SET check_function_bodies = off").await?;
    let mut batch: Vec<String> = Vec::new();
    let send = async |batch: &mut Vec<String>| -> anyhow::Result<()> {
        if !batch.is_empty() {
            client.batch_execute(&batch.join(";\n")).await.map_err(|e| {
                anyhow::anyhow!(
                    e.as_db_error()
                        .map_or_else(|| e.to_string(), |d| d.message().to_owned())
                )
            })?;
            batch.clear();
        }
        Ok(())
    };
    for step in setup {
        if actions::reads_catalog(step) {
            send(&mut batch).await?;
            run(client, std::slice::from_ref(step)).await?;
            continue;
        }
        let statements =
            actions::render(step, actions::DEFAULT_SCHEMA).with_context(|| format!("planning {}", step.describe()))?;
        batch.extend(statements);
        if batch.len() >= STATEMENTS_PER_MESSAGE {
            send(&mut batch).await?;
        }
    }
    send(&mut batch).await
}

/// Each step's statements without the catalog; a step that needs it says so
/// in a comment.
fn offline(steps: &[Action]) -> Vec<Vec<String>> {
    steps
        .iter()
        .map(|step| {
            actions::render(step, actions::DEFAULT_SCHEMA)
                .unwrap_or_else(|e| e.to_string().lines().map(|l| format!("-- {l}")).collect())
        })
        .collect()
}

/// A step that fails on the copy: it would fail at `apply`.
#[derive(Debug, thiserror::Error)]
#[error("{describe} fails on a copy of the schema\n  SQL: {sql}: {message}")]
pub struct Failed {
    /// Its place among the steps.
    pub step: usize,
    pub describe: String,
    pub sql: String,
    pub sqlstate: Option<String>,
    pub message: String,
}

/// Plans and runs each step as a migration does; its statements, in order.
async fn run(client: &tokio_postgres::Client, steps: &[Action]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut out = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let statements = actions::plan(step, client)
            .await
            .with_context(|| format!("planning {}", step.describe()))?;
        // The copy is changed in a transaction: a step outside one is
        // rehearsed as its transactional form (same effect on the schema).
        let rehearsed = match step {
            Action::Concurrently { step: own } => own
                .in_transaction_sql(actions::DEFAULT_SCHEMA)
                .with_context(|| format!("planning {}", step.describe()))?,
            _ => statements.clone(),
        };
        for sql in &rehearsed {
            client.batch_execute(sql).await.map_err(|e| Failed {
                step: index,
                describe: step.describe(),
                sql: sql.clone(),
                sqlstate: e.code().map(|c| c.code().to_owned()),
                message: e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned()),
            })?;
        }
        out.push(statements);
    }
    Ok(out)
}
