//! A schema file as people write it: SQL with the few psql meta-commands
//! that `pg_dump -s` prints or that split a schema over files. Turned into
//! pieces of plain SQL for the shadow database, each knowing the file and
//! line it came from.
//!
//! - `\restrict KEY` / `\unrestrict KEY` (pg_dump of PostgreSQL 13.22+,
//!   14.19+, 15.14+, 16.10+, 17.6+) are dropped;
//! - `\i FILE` / `\include FILE` (relative to the working directory, as in
//!   psql) and `\ir FILE` / `\include_relative FILE` (relative to the file
//!   that includes it) are read in their place;
//! - any other meta-command is refused, naming `file:line`.
//!
//! Ownership statements (`ALTER ... OWNER TO`) are left out: owners are not
//! part of what the diff manages, and the role may not exist where the shadow
//! database is made. Everything else (`SET`, `SELECT
//! pg_catalog.set_config(...)`, comments) is sent as it is.

use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};

/// SQL from one file, to be sent as it is.
#[derive(Debug, PartialEq)]
pub struct Piece {
    pub file: PathBuf,
    /// How many lines of the file come before `sql` (for error positions).
    pub lines_before: usize,
    pub sql: String,
}

/// How deep `\i` may nest (a file that includes itself stops here).
const MAX_DEPTH: usize = 16;

/// `file` with its includes, as pieces of plain SQL in order.
pub fn read(file: &Path) -> anyhow::Result<Vec<Piece>> {
    let mut pieces = Vec::new();
    read_into(file, 0, &mut pieces)?;
    Ok(pieces)
}

fn read_into(file: &Path, depth: usize, pieces: &mut Vec<Piece>) -> anyhow::Result<()> {
    if depth > MAX_DEPTH {
        bail!(
            "{}: \\i nests more than {MAX_DEPTH} files deep (does a file include itself?)",
            file.display()
        );
    }
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut sql = String::with_capacity(text.len());
    let mut lines_before = 0;
    for (line_number, line, meta) in lines(&text) {
        let Some(command) = meta else {
            sql.push_str(line);
            continue;
        };
        // The meta-command's line stays as an empty one, so that line
        // numbers in errors are the file's own.
        sql.push('\n');
        let (name, argument) = command
            .trim_end()
            .split_once(char::is_whitespace)
            .map_or((command.trim_end(), ""), |(n, a)| (n, a.trim()));
        let included = match name {
            "restrict" | "unrestrict" => continue,
            "i" | "include" => PathBuf::from(argument),
            "ir" | "include_relative" => file.parent().unwrap_or(Path::new(".")).join(argument),
            _ => bail!(
                "{}:{line_number}: psql meta-command \\{name} is not supported in a schema file (only \\i, \\ir, \
                 \\include, \\include_relative, \\restrict and \\unrestrict are); remove it",
                file.display()
            ),
        };
        if argument.is_empty() {
            bail!("{}:{line_number}: \\{name} needs a file name", file.display());
        }
        flush(file, &mut sql, &mut lines_before, pieces);
        read_into(&included, depth + 1, pieces)
            .with_context(|| format!("included from {}:{line_number}", file.display()))?;
    }
    flush(file, &mut sql, &mut lines_before, pieces);
    Ok(())
}

/// Ends the current piece (if it holds anything but blank space).
fn flush(file: &Path, sql: &mut String, lines_before: &mut usize, pieces: &mut Vec<Piece>) {
    let lines = sql.matches('\n').count();
    if !sql.trim().is_empty() {
        pieces.push(Piece {
            file: file.to_owned(),
            lines_before: *lines_before,
            sql: without_owners(std::mem::take(sql)),
        });
    }
    sql.clear();
    *lines_before += lines;
}

/// The text with each `ALTER ... OWNER TO` statement blanked out (its
/// newlines kept, so positions in the rest stay where they were).
fn without_owners(sql: String) -> String {
    if !sql.to_ascii_uppercase().contains("OWNER TO") {
        return sql;
    }
    let Ok(statements) = pg_query::split_with_parser(&sql) else {
        return sql;
    };
    let mut blank = Vec::new();
    for statement in statements {
        if !statement.to_ascii_uppercase().contains("OWNER TO") {
            continue;
        }
        let owner_only = pg_query::parse(statement).is_ok_and(|parsed| {
            parsed
                .protobuf
                .stmts
                .iter()
                .all(|s| match s.stmt.as_ref().and_then(|n| n.node.as_ref()) {
                    Some(pg_query::NodeEnum::AlterOwnerStmt(_)) => true,
                    Some(pg_query::NodeEnum::AlterTableStmt(alter)) => alter.cmds.iter().all(|cmd| {
                        matches!(
                            cmd.node.as_ref(),
                            Some(pg_query::NodeEnum::AlterTableCmd(c))
                                if c.subtype() == pg_query::protobuf::AlterTableType::AtChangeOwner
                        )
                    }),
                    _ => false,
                })
        });
        if owner_only {
            let start = statement.as_ptr() as usize - sql.as_ptr() as usize;
            blank.push(start..start + statement.len());
        }
    }
    let mut out = sql.into_bytes();
    for range in blank {
        for byte in &mut out[range] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    // Only ASCII bytes of whole statements were replaced by ASCII.
    String::from_utf8(out).expect("blanking whole statements keeps UTF-8")
}

/// The file's lines (each with its line break), numbered from 1, each with
/// the meta-command it is (the text after the backslash), if it is one: a
/// line that starts, after blanks, with `\` outside any string, quoted
/// name, dollar-quoted body or comment.
fn lines(text: &str) -> Vec<(usize, &str, Option<&str>)> {
    #[derive(Clone, Copy, PartialEq)]
    enum In {
        Code,
        Quote { escapes: bool },
        Name,
        Block(usize),
    }
    let mut state = In::Code;
    let mut dollar: Option<String> = None;
    let mut out = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if state == In::Code && dollar.is_none() && trimmed.starts_with('\\') {
            out.push((index + 1, line, Some(trimmed[1..].trim_end_matches(['\n', '\r']))));
            continue;
        }
        out.push((index + 1, line, None));
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            match (state, &dollar) {
                (_, Some(tag)) => {
                    // Bytes: `i` may be inside a character of the body.
                    if bytes[i..].starts_with(tag.as_bytes()) {
                        i += tag.len();
                        dollar = None;
                        continue;
                    }
                }
                (In::Code, None) => match c {
                    b'-' if bytes.get(i + 1) == Some(&b'-') => break,
                    b'/' if bytes.get(i + 1) == Some(&b'*') => {
                        state = In::Block(1);
                        i += 1;
                    }
                    b'\'' => {
                        let escapes = i > 0 && matches!(bytes[i - 1], b'E' | b'e');
                        state = In::Quote { escapes };
                    }
                    b'"' => state = In::Name,
                    b'$' => {
                        // `$tag$` opens a body; `$1` is a parameter.
                        let rest = &line[i + 1..];
                        if let Some(end) = rest.find('$') {
                            let tag = &rest[..end];
                            let starts_well = !tag.starts_with(|c: char| c.is_ascii_digit());
                            if starts_well && tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
                                dollar = Some(format!("${tag}$"));
                                i += end + 2;
                                continue;
                            }
                        }
                    }
                    _ => {}
                },
                (In::Quote { escapes }, None) => match c {
                    b'\\' if escapes => i += 1,
                    b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 1,
                    b'\'' => state = In::Code,
                    _ => {}
                },
                (In::Name, None) => {
                    if c == b'"' {
                        state = In::Code;
                    }
                }
                (In::Block(depth), None) => {
                    if c == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        state = if depth == 1 { In::Code } else { In::Block(depth - 1) };
                        i += 1;
                    } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        state = In::Block(depth + 1);
                        i += 1;
                    }
                }
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn pg_dump_lines_are_dropped_and_owners_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let file = written(
            dir.path(),
            "schema.sql",
            "--\n\\restrict abcDEF123\n\nSET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\
             CREATE TABLE public.t (id int);\nALTER TABLE public.t OWNER TO someone;\nALTER TYPE public.m OWNER TO x;\n\
             ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n\\unrestrict abcDEF123\n",
        );
        let pieces = read(&file).unwrap();
        assert_eq!(pieces.len(), 1);
        let sql = &pieces[0].sql;
        assert!(!sql.contains('\\') && !sql.contains("OWNER TO"), "{sql}");
        assert!(
            sql.contains("SET statement_timeout = 0;") && sql.contains("ADD CONSTRAINT t_pkey"),
            "{sql}"
        );
        // Lines keep their numbers.
        assert_eq!(sql.lines().position(|l| l.contains("CREATE TABLE")), Some(5));
        assert_eq!(sql.matches('\n').count(), 10);
    }

    #[test]
    fn includes_are_read_in_place_and_other_meta_commands_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("parts")).unwrap();
        written(dir.path(), "parts/types.sql", "CREATE TYPE m AS ENUM ('a');\n");
        written(
            dir.path(),
            "parts/tables.sql",
            "\\ir types.sql\nCREATE TABLE t (m m);\n",
        );
        let main = written(
            dir.path(),
            "schema.sql",
            "CREATE SCHEMA s;\n\\ir parts/tables.sql\nCREATE VIEW v AS SELECT 1;\n",
        );
        let pieces = read(&main).unwrap();
        let shown: Vec<(String, usize, &str)> = pieces
            .iter()
            .map(|p| {
                (
                    p.file.file_name().unwrap().to_string_lossy().into_owned(),
                    p.lines_before,
                    p.sql.trim(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("schema.sql".to_owned(), 0, "CREATE SCHEMA s;"),
                ("types.sql".to_owned(), 0, "CREATE TYPE m AS ENUM ('a');"),
                ("tables.sql".to_owned(), 1, "CREATE TABLE t (m m);"),
                ("schema.sql".to_owned(), 2, "CREATE VIEW v AS SELECT 1;"),
            ]
        );
        let bad = written(dir.path(), "bad.sql", "CREATE TABLE a ();\n\\connect other\n");
        let err = format!("{:#}", read(&bad).unwrap_err());
        assert!(
            err.contains("bad.sql:2: psql meta-command \\connect is not supported"),
            "{err}"
        );
        let looping = written(dir.path(), "loop.sql", "\\ir loop.sql\n");
        assert!(format!("{:#}", read(&looping).unwrap_err()).contains("nests more than"));
        let missing = written(dir.path(), "missing.sql", "\\i nowhere.sql\n");
        let err = format!("{:#}", read(&missing).unwrap_err());
        assert!(err.contains("nowhere.sql") && err.contains("missing.sql:1"), "{err}");
    }

    #[test]
    fn a_backslash_inside_strings_bodies_and_comments_is_sql() {
        let text = "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $body$\n\\not a command\n$body$;\n\
                    SELECT 'a\n\\b';\nSELECT E'it\\'s\n\\c';\n/* a\n\\d */\nCREATE TABLE \"x\n\\y\" ();\nSELECT $1, 2;\n\\q\n";
        let meta: Vec<(usize, &str)> = lines(text)
            .into_iter()
            .filter_map(|(n, _, m)| m.map(|m| (n, m)))
            .collect();
        assert_eq!(meta, [(13, "q")]);
    }

    #[test]
    fn bodies_may_hold_any_character() {
        let text = "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $fn$SELECT 'ünïcode ✓ «»'$fn$;\n\\q\n";
        let meta: Vec<(usize, &str)> = lines(text)
            .into_iter()
            .filter_map(|(n, _, m)| m.map(|m| (n, m)))
            .collect();
        assert_eq!(meta, [(2, "q")]);
    }
}
