//! `migration_steps`: the progress of a migration that runs in several
//! steps (`commit-step`, or a step outside any transaction). While such a
//! migration is under way its table holds one row per step that committed
//! (`done`) and, for a step outside a transaction, one written before it
//! starts (`running`), so that a run that stopped anywhere can be resumed
//! by the next one, or the step it stopped in named. The rows of a
//! migration go in the transaction that records it in `migration_info`:
//! the table holds only migrations under way.
//!
//! A transactional step's `done` row commits with the step itself; a step
//! outside a transaction is `running` before it starts and `done` after it
//! ends, so only such a step can be found `running`.

use super::Place;
use crate::model::Direction;
use anyhow::Context as _;
use tokio_postgres::Client;

/// The table, in its [`Place`]'s schema.
pub const TABLE: &str = "migration_steps";

/// Creates the table if it is not there (inside the step's transaction,
/// or on its own).
pub fn create_sql(place: &Place) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (
    revision text NOT NULL,
    direction text NOT NULL CONSTRAINT migration_steps_direction_check CHECK (direction IN ('up', 'down')),
    step integer NOT NULL,
    description text NOT NULL,
    state text NOT NULL CONSTRAINT migration_steps_state_check CHECK (state IN ('running', 'done')),
    affected bigint[] NOT NULL DEFAULT '{{}}',
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (revision, direction, step)
)",
        place.steps()
    )
}

/// One recorded step.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StepRow {
    /// Counted from 1.
    pub step: i32,
    pub description: String,
    pub done: bool,
    /// The rows each of its `execute`s affected, in order: what they
    /// return when the step is replayed, so that a loop over batches takes
    /// the same steps again.
    pub affected: Vec<i64>,
}

/// A migration under way: the steps an earlier run recorded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnderWay {
    pub revision: String,
    pub direction: Direction,
    pub steps: Vec<StepRow>,
}

impl UnderWay {
    /// The steps that committed.
    pub fn done(&self) -> usize {
        self.steps.iter().filter(|s| s.done).count()
    }

    /// The step an earlier run started and did not finish, if any.
    pub fn interrupted(&self) -> Option<&StepRow> {
        self.steps.iter().find(|s| !s.done)
    }

    /// `the apply of r3 stopped after 2 step(s) committed and while step 3
    /// (add-index-concurrently ...) ran`.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "the {} of {} stopped after {} step(s) committed",
            self.direction.command(),
            self.revision,
            self.done()
        );
        if let Some(step) = self.interrupted() {
            text.push_str(&format!(" and while step {} ({}) ran", step.step, step.description));
        }
        text
    }
}

/// Every migration under way, oldest first (none when no migration of this
/// database ever took steps: the table does not exist).
pub async fn under_way(client: &Client, place: &Place) -> anyhow::Result<Vec<UnderWay>> {
    let table = place.steps();
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .await
        .context("looking for the migration_steps table")?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            &format!(
                "SELECT revision, direction, step, description, state = 'done', affected FROM {table} \
                 ORDER BY started_at, revision, direction, step"
            ),
            &[],
        )
        .await
        .context("reading the migration_steps table")?;
    let mut out: Vec<UnderWay> = Vec::new();
    for row in rows {
        let revision: String = row.get(0);
        let direction = if row.get::<_, String>(1) == "up" {
            Direction::Up
        } else {
            Direction::Down
        };
        let step = StepRow {
            step: row.get(2),
            description: row.get(3),
            done: row.get(4),
            affected: row.get(5),
        };
        match out
            .iter_mut()
            .find(|u| u.revision == revision && u.direction == direction)
        {
            Some(under_way) => under_way.steps.push(step),
            None => out.push(UnderWay {
                revision,
                direction,
                steps: vec![step],
            }),
        }
    }
    for under_way in &mut out {
        under_way.steps.sort_by_key(|s| s.step);
    }
    Ok(out)
}

/// A literal of what the host wrote itself (a NUL cannot be in it: names
/// and revisions are checked for one before they get here).
fn literal(text: &str) -> String {
    crate::actions::ident::literal(&text.replace('\0', "")).expect("no NUL left")
}

/// The statement that records step `step` as started (`done`: finished,
/// its `execute`s having affected `affected` rows).
pub fn record_sql(
    place: &Place,
    revision: &str,
    direction: Direction,
    step: usize,
    description: &str,
    done: bool,
    affected: &[u64],
) -> String {
    let (state, finished) = if done { ("done", "now()") } else { ("running", "NULL") };
    let affected: Vec<String> = affected.iter().map(u64::to_string).collect();
    format!(
        "INSERT INTO {} (revision, direction, step, description, state, affected, finished_at) \
         VALUES ({}, '{}', {step}, {}, '{state}', '{{{}}}', {finished}) \
         ON CONFLICT (revision, direction, step) DO UPDATE SET description = EXCLUDED.description, \
         state = EXCLUDED.state, affected = EXCLUDED.affected, finished_at = EXCLUDED.finished_at",
        place.steps(),
        literal(revision),
        direction,
        literal(description),
        affected.join(",")
    )
}

/// The statement that clears a migration's progress once it is recorded
/// in `migration_info` (both directions: a finished apply ends whatever
/// rollback of it was under way before).
pub fn clear_sql(place: &Place, revision: &str) -> String {
    format!("DELETE FROM {} WHERE revision = {}", place.steps(), literal(revision))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_recorded_with_its_names_quoted() {
        let public = Place::default();
        let sql = record_sql(
            &public,
            "r'1",
            Direction::Up,
            2,
            "add-index-concurrently public.a'b",
            false,
            &[],
        );
        assert!(
            sql.contains("VALUES ('r''1', 'up', 2, 'add-index-concurrently public.a''b', 'running', '{}', NULL)"),
            "{sql}"
        );
        assert!(
            record_sql(&public, "r1", Direction::Down, 1, "x", true, &[3, 0])
                .contains("'down', 1, 'x', 'done', '{3,0}', now()")
        );
        assert_eq!(
            clear_sql(&public, "r1"),
            "DELETE FROM \"public\".migration_steps WHERE revision = 'r1'"
        );
        let tenant = Place::new("acme \"co\"").unwrap();
        assert_eq!(
            clear_sql(&tenant, "r1"),
            "DELETE FROM \"acme \"\"co\"\"\".migration_steps WHERE revision = 'r1'"
        );
    }

    #[test]
    fn an_interrupted_step_is_named() {
        let under_way = UnderWay {
            revision: "r3".into(),
            direction: Direction::Up,
            steps: vec![
                StepRow {
                    step: 1,
                    description: "transaction".into(),
                    done: true,
                    affected: vec![],
                },
                StepRow {
                    step: 2,
                    description: "add-index-concurrently public.i".into(),
                    done: false,
                    affected: vec![],
                },
            ],
        };
        assert_eq!(under_way.done(), 1);
        assert_eq!(
            under_way.describe(),
            "the apply of r3 stopped after 1 step(s) committed and while step 2 (add-index-concurrently public.i) ran"
        );
    }
}
