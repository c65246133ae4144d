//! How a column's values convert when its type changes. The diff changes a
//! type with Postgres's own cast (`USING column::new_type`), which does
//! not exist between some types (`bigint` to `timestamp`). For those the
//! user says how each value converts: `-- migrate:using EXPR` at the end of
//! the column's line in the schema (or `--using TABLE.COLUMN=EXPR`) for
//! `up`, `-- migrate:using-down EXPR` (or `--using-down`) for `down`. A plan
//! that needs one and has none is refused by name ([`missing`]), never
//! written as a migration that fails at `apply`.

use crate::actions::Action;
use crate::model::TypeCast;
use crate::schema::{Name, Schema};

/// One declared conversion: `expression` gives each row's new value of
/// `table`.`column` (its declared names) in one direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Using {
    pub table: Name,
    pub column: String,
    /// For `down` (the declared type back to the database's).
    pub down: bool,
    pub expression: String,
}

/// `--using TABLE.COLUMN=EXPR` (`TABLE` may be schema-qualified; `down`
/// for `--using-down`).
pub fn parse_flag(flag: &str, down: bool) -> Result<Using, String> {
    let option = if down { "--using-down" } else { "--using" };
    let bad = || format!("{option} {flag}: write it as TABLE.COLUMN=EXPRESSION (TABLE may be schema.table)");
    let (place, expression) = flag.split_once('=').ok_or_else(bad)?;
    let parts: Vec<&str> = place.trim().split('.').collect();
    let (schema, table, column) = match parts[..] {
        [table, column] => (crate::actions::DEFAULT_SCHEMA, table, column),
        [schema, table, column] => (schema, table, column),
        _ => return Err(bad()),
    };
    if [schema, table, column].iter().any(|p| p.is_empty()) || expression.trim().is_empty() {
        return Err(bad());
    }
    Ok(Using {
        table: Name::new(schema, table),
        column: column.to_owned(),
        down,
        expression: expression.trim().to_owned(),
    })
}

/// `steps` (a plan's `up`, or with `down` its way back) with each declared
/// expression as the cast of its column's type change.
pub fn apply(steps: Vec<Action>, usings: &[Using], down: bool) -> Vec<Action> {
    steps
        .into_iter()
        .map(|step| match step {
            Action::ChangeColumnType {
                table,
                column,
                new_type,
                cast: TypeCast::Auto,
            } => {
                let declared = usings
                    .iter()
                    .find(|u| u.down == down && u.table == super::name_of(&table) && u.column == column);
                Action::ChangeColumnType {
                    table,
                    column,
                    new_type,
                    cast: declared.map_or(TypeCast::Auto, |u| TypeCast::Using(u.expression.clone())),
                }
            }
            other => other,
        })
        .collect()
}

/// What to say when `step` (of `up`, or with `down` of the way back, from
/// `from` to `to`) failed because Postgres has no cast between the two
/// types; `None` when it is not a type change with the automatic cast.
pub fn missing(step: &Action, from: &Schema, to: &Schema, down: bool) -> Option<String> {
    let Action::ChangeColumnType {
        table,
        column,
        cast: TypeCast::Auto,
        ..
    } = step
    else {
        return None;
    };
    let table = super::name_of(table);
    let type_in = |schema: &Schema| {
        schema
            .table(&table)
            .and_then(|t| t.column(column))
            .map_or_else(|| "?".to_owned(), |c| c.type_sql.clone())
    };
    let (old, new) = (type_in(from), type_in(to));
    let (mark, option) = if down {
        ("migrate:using-down", "--using-down")
    } else {
        ("migrate:using", "--using")
    };
    let way = if down { "going back, " } else { "" };
    Some(format!(
        "{way}column {table}.{column} changes type from {old} to {new}, and Postgres has no cast from one to the \
         other: say how each value converts with an expression over the column, at the end of the column's line in \
         the schema (`{column} {} -- {mark} EXPR`) or with {option} {table}.{column}=EXPR",
        if down { &old } else { &new },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DataType, QualifiedName, ScalarType};

    fn change(table: &str) -> Action {
        Action::ChangeColumnType {
            table: QualifiedName::unqualified(table),
            column: "at".into(),
            new_type: DataType {
                scalar: ScalarType::Bigint,
                is_array: false,
            },
            cast: TypeCast::Auto,
        }
    }

    #[test]
    fn a_declared_expression_becomes_the_cast_in_its_direction_only() {
        let usings = [
            parse_flag("t.at=to_timestamp(at)", false).unwrap(),
            parse_flag("public.t.at=extract(epoch FROM at)::bigint", true).unwrap(),
        ];
        let cast = |steps: Vec<Action>| match &steps[..] {
            [Action::ChangeColumnType { cast, .. }] => cast.clone(),
            _ => panic!("{steps:?}"),
        };
        assert_eq!(
            cast(apply(vec![change("t")], &usings, false)),
            TypeCast::Using("to_timestamp(at)".into())
        );
        assert_eq!(
            cast(apply(vec![change("t")], &usings, true)),
            TypeCast::Using("extract(epoch FROM at)::bigint".into())
        );
        assert_eq!(cast(apply(vec![change("u")], &usings, false)), TypeCast::Auto);
    }

    #[test]
    fn a_flag_names_a_column_and_an_expression() {
        for bad in ["t=x", "t.at", "t.at=", "a.b.c.d=x", ".at=x"] {
            assert!(parse_flag(bad, false).is_err(), "{bad}");
        }
        let using = parse_flag("app.t.at = at::text::timestamp", false).unwrap();
        assert_eq!(
            (using.table, using.column.as_str(), using.expression.as_str()),
            (Name::new("app", "t"), "at", "at::text::timestamp")
        );
    }
}
