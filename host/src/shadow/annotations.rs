//! What the schema files say about the way there, in annotations: a
//! comment at the end of a line that names a table (its `CREATE TABLE`
//! line), a column (its definition's line) or an enum value (the value's
//! line in `CREATE TYPE ... AS ENUM`). A line may end with several, each
//! after its own `--`.
//!
//! - `-- migrate:renamed-from OLD` on any of them: a rename. `OLD` is an
//!   identifier, double-quoted if it needs to be (an enum value's may be
//!   quoted as a string). Constraints and indexes need none: one whose
//!   definition is unchanged follows its new name in the diff. It stays
//!   true after the rename is applied, so it may be left in place.
//! - `-- migrate:using EXPR` and `-- migrate:using-down EXPR` on a
//!   column's: how its values convert when its type changes, going there
//!   and going back (`diff::casts`); ignored when the type does not change.

use super::script::Piece;
use crate::diff::casts::Using;
use crate::diff::renames::Rename;
use crate::schema::Name;
use anyhow::bail;
use pg_query::NodeEnum;

const RENAMED_FROM: &str = "migrate:renamed-from";
const USING: &str = "migrate:using";
const USING_DOWN: &str = "migrate:using-down";

/// What the schema files declare.
#[derive(Debug, Default, PartialEq)]
pub struct Annotations {
    pub renames: Vec<Rename>,
    pub usings: Vec<Using>,
}

/// Every annotation of `pieces`.
pub fn declared(pieces: &[Piece]) -> anyhow::Result<Annotations> {
    let mut annotations = Annotations::default();
    for piece in pieces.iter().filter(|p| p.sql.contains("migrate:")) {
        in_piece(piece, &mut annotations)?;
    }
    Ok(annotations)
}

/// What a line names.
enum Place {
    Table(Name),
    Column(Name, String),
    EnumValue(Name, String),
}

fn in_piece(piece: &Piece, out: &mut Annotations) -> anyhow::Result<()> {
    let sql = &piece.sql;
    let line_of = |offset: usize| sql[..offset.min(sql.len())].matches('\n').count();
    let place = |offset: usize| format!("{}:{}", piece.file.display(), piece.lines_before + line_of(offset) + 1);
    let tokens = match pg_query::scan(sql) {
        Ok(tokens) => tokens.tokens,
        // The shadow database reports where the file is broken.
        Err(_) => return Ok(()),
    };
    let Ok(parsed) = pg_query::parse(sql) else {
        return Ok(());
    };
    for token in tokens
        .iter()
        .filter(|t| t.token() == pg_query::protobuf::Token::SqlComment)
    {
        let (start, end) = (token.start as usize, token.end as usize);
        let marks = sql[start..end]
            .split("--")
            .map(str::trim)
            .filter(|part| part.starts_with("migrate:"));
        for text in marks {
            let (mark, argument) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
            let argument = argument.trim();
            if ![RENAMED_FROM, USING, USING_DOWN].contains(&mark) {
                bail!(
                    "{}: unknown annotation `{mark}` (the annotations are `{RENAMED_FROM} OLD`, `{USING} EXPR` and \
                     `{USING_DOWN} EXPR`)",
                    place(start)
                );
            }
            let on_line = object_on_line(&parsed, &tokens, sql, line_of(start), &line_of);
            if mark == RENAMED_FROM {
                let from = old_name(argument).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}: `{RENAMED_FROM}` needs the old name after it (one identifier, double-quoted if it needs \
                         to be)",
                        place(start)
                    )
                })?;
                out.renames.push(match on_line {
                    Some(Place::Table(to)) => Rename::Table { to, from },
                    Some(Place::Column(table, to)) => Rename::Column { table, to, from },
                    Some(Place::EnumValue(enum_type, to)) => Rename::EnumValue { enum_type, to, from },
                    None => bail!(
                        "{}: `{RENAMED_FROM}` must end the line of a CREATE TABLE (a table's rename), of a column's \
                         definition (a column's) or of an enum value (the value's); this line is none of them",
                        place(start)
                    ),
                });
            } else {
                let Some(Place::Column(table, column)) = on_line else {
                    bail!("{}: `{mark}` must end the line of a column's definition", place(start));
                };
                if argument.is_empty() {
                    bail!(
                        "{}: `{mark}` needs an expression after it (the column's new value, computed from the old)",
                        place(start)
                    );
                }
                out.usings.push(Using {
                    table,
                    column,
                    down: mark == USING_DOWN,
                    expression: argument.to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// `old`, `"Old Name"`, `'old value'`: the name, unquoted; nothing after it.
fn old_name(text: &str) -> Option<String> {
    if let Some(quoted) = text.strip_prefix('\'') {
        let end = quoted.rfind('\'')?;
        return quoted[end + 1..]
            .trim()
            .is_empty()
            .then(|| quoted[..end].replace("''", "'"));
    }
    if let Some(quoted) = text.strip_prefix('"') {
        let end = quoted.find('"')?;
        return quoted[end + 1..].trim().is_empty().then(|| quoted[..end].to_owned());
    }
    let word = text.split_whitespace().next()?;
    (text.split_whitespace().count() == 1).then(|| word.to_lowercase())
}

/// The table, column or enum value whose definition starts on `line`.
fn object_on_line(
    parsed: &pg_query::ParseResult,
    tokens: &[pg_query::protobuf::ScanToken],
    sql: &str,
    line: usize,
    line_of: &dyn Fn(usize) -> usize,
) -> Option<Place> {
    for raw in &parsed.protobuf.stmts {
        let node = raw.stmt.as_ref().and_then(|s| s.node.as_ref());
        if let Some(NodeEnum::CreateEnumStmt(create)) = node {
            let (start, end) = (raw.stmt_location as usize, (raw.stmt_location + raw.stmt_len) as usize);
            let values: Vec<&pg_query::protobuf::ScanToken> = tokens
                .iter()
                .filter(|t| {
                    t.token() == pg_query::protobuf::Token::Sconst
                        && (t.start as usize) >= start
                        && (raw.stmt_len == 0 || (t.start as usize) < end)
                        && line_of(t.start as usize) == line
                })
                .collect();
            let [value] = values[..] else { continue };
            let names: Vec<String> = create
                .type_name
                .iter()
                .filter_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                    _ => None,
                })
                .collect();
            let enum_type = match names.as_slice() {
                [name] => Name::new("public", name),
                [schema, name] => Name::new(schema, name),
                _ => continue,
            };
            let text = &sql[value.start as usize..value.end as usize];
            return Some(Place::EnumValue(enum_type, text.trim_matches('\'').replace("''", "'")));
        }
        let Some(NodeEnum::CreateStmt(create)) = node else {
            continue;
        };
        let relation = create.relation.as_ref()?;
        let schema = if relation.schemaname.is_empty() {
            "public"
        } else {
            &relation.schemaname
        };
        let table = Name::new(schema, &relation.relname);
        // Locations are offsets into the whole text, not the statement.
        for element in &create.table_elts {
            if let Some(NodeEnum::ColumnDef(column)) = element.node.as_ref()
                && column.location >= 0
                && line_of(column.location as usize) == line
            {
                return Some(Place::Column(table, column.colname.clone()));
            }
        }
        if relation.location >= 0 && line_of(relation.location as usize) == line {
            return Some(Place::Table(table));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotations(sql: &str) -> anyhow::Result<Annotations> {
        declared(&[Piece {
            file: "schema.sql".into(),
            lines_before: 0,
            sql: sql.to_owned(),
        }])
    }

    fn renames(sql: &str) -> anyhow::Result<Vec<Rename>> {
        annotations(sql).map(|a| a.renames)
    }

    #[test]
    fn a_table_and_a_column_are_renamed_on_their_lines() {
        let sql = "CREATE TABLE users (id int);\n\
                   CREATE TABLE app.articles ( -- migrate:renamed-from posts\n  \
                   id int PRIMARY KEY,\n  \
                   headline text NOT NULL, -- migrate:renamed-from title\n  \
                   \"Body\" text -- migrate:renamed-from \"Old Body\"\n);\n";
        assert_eq!(
            renames(sql).unwrap(),
            [
                Rename::Table {
                    to: Name::new("app", "articles"),
                    from: "posts".into()
                },
                Rename::Column {
                    table: Name::new("app", "articles"),
                    to: "headline".into(),
                    from: "title".into()
                },
                Rename::Column {
                    table: Name::new("app", "articles"),
                    to: "Body".into(),
                    from: "Old Body".into()
                },
            ]
        );
    }

    #[test]
    fn an_enum_value_is_renamed_on_its_line() {
        let sql = "CREATE TYPE app.mood AS ENUM (\n  'happy',\n  'so-so' -- migrate:renamed-from 'meh'\n);\n";
        assert_eq!(
            renames(sql).unwrap(),
            [Rename::EnumValue {
                enum_type: Name::new("app", "mood"),
                to: "so-so".into(),
                from: "meh".into()
            }]
        );
    }

    #[test]
    fn an_annotation_elsewhere_is_refused_with_its_line() {
        let err = renames("CREATE TABLE t (\n  id int\n  -- migrate:renamed-from x\n);\n").unwrap_err();
        assert!(format!("{err:#}").starts_with("schema.sql:3: "), "{err:#}");
        let err = renames("CREATE TABLE t (id int -- migrate:renamed-from\n);").unwrap_err();
        assert!(format!("{err:#}").contains("needs the old name"), "{err:#}");
        assert!(
            renames("CREATE TABLE t (id int); -- a comment, not an annotation\n")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_column_says_how_its_values_convert_both_ways() {
        let sql = "CREATE TABLE t (\n  \
                   at timestamp, -- migrate:using to_timestamp(at) -- migrate:using-down extract(epoch FROM at)::bigint\n  \
                   n text -- migrate:renamed-from m -- migrate:using n::text\n);\n";
        let found = annotations(sql).unwrap();
        let t = Name::new("public", "t");
        assert_eq!(
            found.usings,
            [
                Using {
                    table: t.clone(),
                    column: "at".into(),
                    down: false,
                    expression: "to_timestamp(at)".into()
                },
                Using {
                    table: t.clone(),
                    column: "at".into(),
                    down: true,
                    expression: "extract(epoch FROM at)::bigint".into()
                },
                Using {
                    table: t.clone(),
                    column: "n".into(),
                    down: false,
                    expression: "n::text".into()
                },
            ]
        );
        assert_eq!(
            found.renames,
            [Rename::Column {
                table: t,
                to: "n".into(),
                from: "m".into()
            }]
        );
        let err = annotations("CREATE TABLE t ( -- migrate:using x\n  a int\n);").unwrap_err();
        assert!(format!("{err:#}").contains("must end the line of a column"), "{err:#}");
        let err = annotations("CREATE TABLE t (a int -- migrate:using\n);").unwrap_err();
        assert!(format!("{err:#}").contains("needs an expression"), "{err:#}");
        let err = annotations("CREATE TABLE t (a int -- migrate:usng x\n);").unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown annotation `migrate:usng`"),
            "{err:#}"
        );
    }
}
