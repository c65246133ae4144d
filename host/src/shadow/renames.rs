//! Renames declared in the schema files: `-- migrate:renamed-from OLD` at
//! the end of the line that names a table (its `CREATE TABLE` line), a
//! column (its definition's line) or an enum value (the value's line in
//! `CREATE TYPE ... AS ENUM`; `OLD` may be quoted as a string there).
//! Constraints and indexes need none: one whose definition is unchanged
//! follows its new name in the diff. The annotation stays true after the
//! rename is applied, so it may be left in place; `OLD` is an identifier,
//! double-quoted if it needs to be.

use super::script::Piece;
use crate::diff::renames::Rename;
use crate::schema::Name;
use anyhow::bail;
use pg_query::NodeEnum;

const MARK: &str = "migrate:renamed-from";

/// Every annotation of `pieces`, as the rename it declares.
pub fn declared(pieces: &[Piece]) -> anyhow::Result<Vec<Rename>> {
    let mut renames = Vec::new();
    for piece in pieces {
        if !piece.sql.contains(MARK) {
            continue;
        }
        renames.extend(in_piece(piece)?);
    }
    Ok(renames)
}

fn in_piece(piece: &Piece) -> anyhow::Result<Vec<Rename>> {
    let sql = &piece.sql;
    let line_of = |offset: usize| sql[..offset.min(sql.len())].matches('\n').count();
    let place = |offset: usize| format!("{}:{}", piece.file.display(), piece.lines_before + line_of(offset) + 1);
    let tokens = match pg_query::scan(sql) {
        Ok(tokens) => tokens.tokens,
        // The shadow database reports where the file is broken.
        Err(_) => return Ok(Vec::new()),
    };
    let Ok(parsed) = pg_query::parse(sql) else {
        return Ok(Vec::new());
    };
    let mut renames = Vec::new();
    for token in tokens
        .iter()
        .filter(|t| t.token() == pg_query::protobuf::Token::SqlComment)
    {
        let (start, end) = (token.start as usize, token.end as usize);
        let text = sql[start..end].trim_start_matches('-').trim();
        let Some(rest) = text.strip_prefix(MARK) else { continue };
        let from = old_name(rest.trim()).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: `{MARK}` needs the old name after it (one identifier, double-quoted if it needs to be)",
                place(start)
            )
        })?;
        let line = line_of(start);
        let Some(rename) = object_on_line(&parsed, &tokens, sql, line, &line_of, from) else {
            bail!(
                "{}: `{MARK}` must end the line of a CREATE TABLE (a table's rename), of a column's definition \
                 (a column's) or of an enum value (the value's); this line is none of them",
                place(start)
            );
        };
        renames.push(rename);
    }
    Ok(renames)
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

/// The table or column whose definition starts on `line`.
fn object_on_line(
    parsed: &pg_query::ParseResult,
    tokens: &[pg_query::protobuf::ScanToken],
    sql: &str,
    line: usize,
    line_of: &dyn Fn(usize) -> usize,
    from: String,
) -> Option<Rename> {
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
            return Some(Rename::EnumValue {
                enum_type,
                to: text.trim_matches('\'').replace("''", "'"),
                from,
            });
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
                return Some(Rename::Column {
                    table,
                    to: column.colname.clone(),
                    from,
                });
            }
        }
        if relation.location >= 0 && line_of(relation.location as usize) == line {
            return Some(Rename::Table { to: table, from });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renames(sql: &str) -> anyhow::Result<Vec<Rename>> {
        declared(&[Piece {
            file: "schema.sql".into(),
            lines_before: 0,
            sql: sql.to_owned(),
        }])
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
}
