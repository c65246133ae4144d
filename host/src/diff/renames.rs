//! Renames are never a drop and an add. A declared rename (in the schema
//! files, `-- migrate:renamed-from OLD` on the object's line, or on the
//! command line) becomes a rename step that runs before the rest of the
//! plan; a drop and an add that look like a rename nobody declared are
//! refused, naming both ways out.

use crate::actions::Action;
use crate::model::QualifiedName;
use crate::schema::{Name, Schema, Table};

/// One object renamed: `from` is its name in the database, the rest its
/// name in the declared schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rename {
    Table {
        to: Name,
        from: String,
    },
    /// `table` is the table's declared name (after its own rename, if any).
    Column {
        table: Name,
        to: String,
        from: String,
    },
    /// Rows that hold the value hold the new label.
    EnumValue {
        enum_type: Name,
        to: String,
        from: String,
    },
}

impl Rename {
    /// `column public.posts.title → headline`.
    pub fn describe(&self) -> String {
        match self {
            Rename::Table { to, from } => format!("table {}.{from} → {}", to.schema, to.name),
            Rename::Column { table, to, from } => format!("column {table}.{from} → {to}"),
            Rename::EnumValue { enum_type, to, from } => format!("enum value {enum_type} '{from}' → '{to}'"),
        }
    }

    /// The step that makes it, and the one that undoes it.
    fn steps(&self) -> (Action, Action) {
        let q = |schema: &str, name: &str| QualifiedName::qualified(schema, name);
        match self {
            Rename::Table { to, from } => (
                Action::RenameTable {
                    table: q(&to.schema, from),
                    new_name: to.name.clone(),
                },
                Action::RenameTable {
                    table: q(&to.schema, &to.name),
                    new_name: from.clone(),
                },
            ),
            Rename::Column { table, to, from } => (
                Action::RenameColumn {
                    table: q(&table.schema, &table.name),
                    column: from.clone(),
                    new_name: to.clone(),
                },
                Action::RenameColumn {
                    table: q(&table.schema, &table.name),
                    column: to.clone(),
                    new_name: from.clone(),
                },
            ),
            Rename::EnumValue { enum_type, to, from } => (
                Action::RenameEnumValue {
                    name: q(&enum_type.schema, &enum_type.name),
                    value: from.clone(),
                    new_value: to.clone(),
                },
                Action::RenameEnumValue {
                    name: q(&enum_type.schema, &enum_type.name),
                    value: to.clone(),
                    new_value: from.clone(),
                },
            ),
        }
    }
}

/// The renames that still have to happen, as steps: `up` runs first in the
/// migration (tables, then columns), `down` last (columns back, then
/// tables). A rename the database already has (the annotation outlives the
/// migration that made it) is nothing to do; one whose old name the
/// database does not hold, or whose new name it already holds beside the
/// old, is refused.
pub fn steps(current: &Schema, target: &Schema, renames: &[Rename]) -> Result<(Vec<Action>, Vec<Action>), String> {
    let mut pending: Vec<&Rename> = Vec::new();
    let mut problems = Vec::new();
    // Tables first: a column's rename is read under its table's old name.
    let mut ordered: Vec<&Rename> = renames.iter().filter(|r| matches!(r, Rename::Table { .. })).collect();
    ordered.extend(renames.iter().filter(|r| !matches!(r, Rename::Table { .. })));
    for rename in ordered {
        if pending.contains(&rename) {
            continue;
        }
        match rename {
            Rename::Table { to, from } => {
                let old = Name::new(&to.schema, from);
                let (has_old, has_new) = (table(current, &old).is_some(), table(current, to).is_some());
                match (has_old, has_new) {
                    (true, false) if table(target, &old).is_none() => pending.push(rename),
                    (true, false) => problems.push(format!(
                        "{}: the declared schema has a table {old} too; a table cannot be renamed and kept",
                        rename.describe()
                    )),
                    (false, true) => {} // done already
                    (true, true) => problems.push(format!(
                        "{}: the database has both tables; drop one of them first (or remove the annotation)",
                        rename.describe()
                    )),
                    (false, false) => problems.push(format!(
                        "{}: the database has no table {old} (is the old name right? remove the annotation once the \
                         rename is applied everywhere)",
                        rename.describe()
                    )),
                }
            }
            Rename::EnumValue { enum_type, to, from } => {
                let values = |s: &Schema| {
                    s.enums
                        .iter()
                        .find(|e| &e.name == enum_type)
                        .map(|e| (e.values.contains(from), e.values.contains(to)))
                };
                match (values(current), values(target)) {
                    (Some((true, false)), Some((false, true))) => pending.push(rename),
                    (Some((false, true)), _) => {} // done already
                    (None, _) => problems.push(format!("{}: the database has no enum {enum_type}", rename.describe())),
                    (Some((true, true)), _) => problems.push(format!(
                        "{}: the enum has both values in the database; remove the annotation",
                        rename.describe()
                    )),
                    (Some((false, false)), _) => problems.push(format!(
                        "{}: the enum has no value '{from}' in the database (is the old value right?)",
                        rename.describe()
                    )),
                    (Some((true, false)), _) => problems.push(format!(
                        "{}: the declared enum keeps '{from}' (or lacks '{to}'); a value cannot be renamed and kept",
                        rename.describe()
                    )),
                }
            }
            Rename::Column {
                table: declared,
                to,
                from,
            } => {
                // The table as the database names it now.
                let live_name = pending
                    .iter()
                    .find_map(|r| match r {
                        Rename::Table { to, from } if to == declared => Some(Name::new(&to.schema, from)),
                        _ => None,
                    })
                    .unwrap_or_else(|| declared.clone());
                let Some(live) = table(current, &live_name) else {
                    problems.push(format!("{}: the database has no table {live_name}", rename.describe()));
                    continue;
                };
                let (has_old, has_new) = (live.column(from).is_some(), live.column(to).is_some());
                let target_keeps_old = table(target, declared).is_some_and(|t| t.column(from).is_some());
                match (has_old, has_new) {
                    (true, false) if !target_keeps_old => pending.push(rename),
                    (true, false) => problems.push(format!(
                        "{}: the declared table has a column {from} too; a column cannot be renamed and kept",
                        rename.describe()
                    )),
                    (false, true) => {}
                    (true, true) => problems.push(format!(
                        "{}: the table has both columns in the database; drop one of them first (or remove the \
                         annotation)",
                        rename.describe()
                    )),
                    (false, false) => problems.push(format!(
                        "{}: table {live_name} has no column {from} in the database (is the old name right?)",
                        rename.describe()
                    )),
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let (up, mut down): (Vec<Action>, Vec<Action>) = pending.iter().map(|r| r.steps()).unzip();
    down.reverse();
    Ok((up, down))
}

fn table<'a>(schema: &'a Schema, name: &Name) -> Option<&'a Table> {
    schema.tables.iter().find(|t| &t.name == name)
}

/// Drops and adds in `steps` (a plan from `current` to `target`) that look
/// like a rename nobody declared: a table that loses a column and gains one
/// of the same type, or a table that goes while one with the same columns
/// comes; and a table dropped and created again (its rows go too). Each is
/// said with the ways out.
pub fn suspected(current: &Schema, target: &Schema, steps: &[Action]) -> Vec<String> {
    let name = super::name_of;
    let mut found = Vec::new();
    let dropped_tables: Vec<&Table> = steps
        .iter()
        .filter_map(|s| match s {
            Action::DropTable { table: t } => table(current, &name(t)),
            _ => None,
        })
        .collect();
    let added_tables: Vec<&Table> = steps
        .iter()
        .filter_map(|s| match s {
            Action::AddTable { table: t, .. } => table(target, &name(t)),
            _ => None,
        })
        .collect();
    let signature = |t: &Table| -> Vec<(String, String)> {
        let mut columns: Vec<(String, String)> =
            t.columns.iter().map(|c| (c.name.clone(), c.type_sql.clone())).collect();
        columns.sort();
        columns
    };
    for gone in &dropped_tables {
        if let Some(again) = added_tables.iter().find(|t| t.name == gone.name) {
            let why = match (&gone.partition_key, &again.partition_key) {
                (None, None) => "its partitioned table is too",
                (None, Some(_)) => "it becomes partitioned, which Postgres cannot do in place",
                (Some(_), None) => "it stops being partitioned, which Postgres cannot do in place",
                // A partitioned table holds no rows: its partitions keep
                // theirs, detached and attached again.
                (Some(_), Some(_)) => continue,
            };
            found.push(format!(
                "table {} is created again ({why}), and its rows are lost: \
                 copy them into the new table in a migration of your own, or, if they should go, pass --allow-drop",
                gone.name,
            ));
            continue;
        }
        let Some(like) = added_tables
            .iter()
            // A table created again is no candidate for another's rename.
            .filter(|t| table(current, &t.name).is_none())
            .find(|t| t.name.schema == gone.name.schema && !t.columns.is_empty() && signature(t) == signature(gone))
        else {
            continue;
        };
        found.push(format!(
            "table {} goes and table {} comes with the same columns: if it is a rename, declare it on {}'s line in \
             the schema (`CREATE TABLE {} ( -- migrate:renamed-from {}`) or pass --rename {}={}; if {}'s rows \
             should go, pass --allow-drop",
            gone.name, like.name, like.name.name, like.name.name, gone.name.name, gone.name, like.name.name, gone.name
        ));
    }
    for gone in steps.iter().filter_map(|s| match s {
        Action::DropColumn { table: t, column } => Some((name(t), column)),
        _ => None,
    }) {
        let (table_name, column) = gone;
        let (Some(before), Some(after)) = (table(current, &table_name), table(target, &table_name)) else {
            continue;
        };
        let Some(old) = before.column(column) else { continue };
        let added = steps.iter().find_map(|s| match s {
            Action::AddColumn { table: t, column: c } if name(t) == table_name => after
                .column(&c.name)
                .filter(|new| new.type_sql == old.type_sql && before.column(&new.name).is_none()),
            _ => None,
        });
        let Some(new) = added else { continue };
        found.push(format!(
            "table {table_name} loses column {} ({}) and gains {} ({}): if it is a rename, declare it on {}'s line \
             in the schema (`{} {} -- migrate:renamed-from {}`) or pass --rename {table_name}.{}={}; if {}'s data \
             should go, pass --allow-drop",
            old.name,
            old.type_sql,
            new.name,
            new.type_sql,
            new.name,
            new.name,
            new.type_sql,
            old.name,
            old.name,
            new.name,
            old.name
        ));
    }
    found
}

/// `--rename` values: `TABLE=NEW` (a table, `schema.table` or `table` in
/// `public`) or `TABLE.COLUMN=NEW` (a column; `schema.table.column` too).
/// Which of the two `a.b=new` is, the database says: a table `a.b`, or a
/// column `b` of table `a`.
pub fn parse_flag(flag: &str, current: &Schema) -> Result<Rename, String> {
    let bad = |why: &str| format!("--rename {flag}: {why} (expected TABLE=NEW or TABLE.COLUMN=NEW)");
    let (old, new) = flag.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let new = new.trim();
    if new.is_empty() || new.contains('.') {
        return Err(bad("the new name is one identifier, unqualified"));
    }
    let column = |table: Name, from: &str| Rename::Column {
        table,
        to: new.to_owned(),
        from: from.to_owned(),
    };
    let table_rename = |n: Name| Rename::Table {
        to: Name::new(&n.schema, new),
        from: n.name,
    };
    // Whether the old objects exist is `steps`' question (a rename applied
    // already names objects the database no longer has under that name);
    // here the database only tells `schema.table` from `table.column`.
    match old.trim().split('.').collect::<Vec<_>>().as_slice() {
        [t] => Ok(table_rename(Name::new("public", *t))),
        [a, b] => {
            let as_table = Name::new(*a, *b);
            let is_column = table(current, &Name::new("public", *a)).is_some_and(|t| t.column(b).is_some());
            match (table(current, &as_table).is_some(), is_column) {
                (true, true) => Err(bad(&format!("both a table {as_table} and a column public.{a}.{b}"))),
                (true, false) => Ok(table_rename(as_table)),
                (false, _) => Ok(column(Name::new("public", *a), b)),
            }
        }
        [s, t, c] => Ok(column(Name::new(*s, *t), c)),
        _ => Err(bad("no such table or column in the database")),
    }
}
