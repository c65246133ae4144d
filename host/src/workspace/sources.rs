//! The revision and parent a migration's source declares, read and
//! rewritten in place: in Rust, the `REVISION` and `PARENT` constants of
//! the crate's `src/lib.rs`; in JavaScript, the `revision` and `parent`
//! properties its `metadata()` returns. Comments and the insides of string
//! literals are skipped, so a message that mentions `parent:` does not
//! count; each must be declared exactly once, as a literal. A Rust
//! squash migration also declares `const REPLACES: &'static [&'static str]`,
//! a list of literals (optional: none, it replaces nothing).

use super::Declared;
use anyhow::{Context as _, bail};
use std::ops::Range;
use std::path::Path;

/// The language of a source file, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    Rust,
    Js,
}

fn lang(file: &Path) -> anyhow::Result<Lang> {
    match file.extension().and_then(|e| e.to_str()) {
        Some("rs") => Ok(Lang::Rust),
        Some("js") => Ok(Lang::Js),
        _ => bail!("{} is neither a Rust nor a JavaScript source", file.display()),
    }
}

/// What `file` (a crate's `src/lib.rs` or a `.js` migration) declares.
pub fn read(file: &Path) -> anyhow::Result<Declared> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let found =
        find(&text, lang(file)?).with_context(|| format!("reading the revision and parent of {}", file.display()))?;
    Ok(Declared {
        revision: found.revision,
        parent: found.parent,
        file: file.to_owned(),
        has_source: true,
        replaces: found.replaces,
    })
}

/// Rewrites the parent `file` declares; the rest of the file is left as it
/// is, byte for byte.
pub fn set_parent(file: &Path, parent: Option<&str>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let lang = lang(file)?;
    let found = find(&text, lang).with_context(|| format!("reading the revision and parent of {}", file.display()))?;
    let value = match (lang, parent) {
        (Lang::Rust, Some(p)) => format!("Some({p:?})"),
        (Lang::Rust, None) => "None".to_owned(),
        (Lang::Js, Some(p)) => serde_json::to_string(p).expect("strings serialize"),
        (Lang::Js, None) => "null".to_owned(),
    };
    let mut out = String::with_capacity(text.len() + value.len());
    out.push_str(&text[..found.parent_span.start]);
    out.push_str(&value);
    out.push_str(&text[found.parent_span.end..]);
    // Written whole through a rename: an interrupted write leaves the old file.
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, &out).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, file).with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}

/// The declarations of one source.
#[derive(Debug, PartialEq)]
struct Found {
    revision: String,
    parent: Option<String>,
    /// Where the parent's value (`Some("..")`/`None`, `".."`/`null`) lies.
    parent_span: Range<usize>,
    /// `const REPLACES` (Rust only).
    replaces: Vec<String>,
}

fn find(text: &str, lang: Lang) -> anyhow::Result<Found> {
    let code = mask(text, lang);
    let (revision_key, parent_key, example) = match lang {
        Lang::Rust => (
            "const REVISION",
            "const PARENT",
            "`const PARENT: Option<&'static str> = Some(\"20261104090000\");`",
        ),
        Lang::Js => (
            "revision",
            "parent",
            "`parent: \"20261104090000\",` in what metadata() returns",
        ),
    };
    let revision_at = only(&code, revision_key, lang)?;
    let parent_at = only(&code, parent_key, lang)?;
    // Where the value after a key starts: Rust's `: type = value`,
    // JavaScript's `: value`.
    let value_of = |key: &str, key_end: usize| -> anyhow::Result<usize> {
        let rest = &code[key_end..];
        let separator = if lang == Lang::Rust { '=' } else { ':' };
        let at = rest
            .find(separator)
            .with_context(|| format!("no `{separator}` after `{key}`"))?;
        let after = &rest[at + 1..];
        Ok(key_end + at + 1 + (after.len() - after.trim_start().len()))
    };
    let revision_start = value_of(revision_key, revision_at.end)?;
    let (revision, _) = literal(text, &code, revision_start, lang)
        .with_context(|| format!("the revision must be a plain string literal, as in {example}"))?;
    let parent_start = value_of(parent_key, parent_at.end)?;
    let parent_error = || format!("the parent must be a plain string literal or none, as in {example}");
    let (parent, parent_end) = match lang {
        Lang::Rust if code[parent_start..].starts_with("None") => (None, parent_start + 4),
        Lang::Js if code[parent_start..].starts_with("null") => (None, parent_start + 4),
        Lang::Rust => {
            let rest = &code[parent_start..];
            let open = rest
                .strip_prefix("Some")
                .map(|r| r.trim_start())
                .filter(|r| r.starts_with('('))
                .with_context(parent_error)?;
            let inner = parent_start + (rest.len() - open.len()) + 1;
            let inner = inner + (code[inner..].len() - code[inner..].trim_start().len());
            let (value, end) = literal(text, &code, inner, lang).with_context(parent_error)?;
            let close = code[end..].trim_start();
            if !close.starts_with(')') {
                bail!(parent_error());
            }
            (Some(value), end + (code[end..].len() - close.len()) + 1)
        }
        Lang::Js => {
            let (value, end) = literal(text, &code, parent_start, lang).with_context(parent_error)?;
            (Some(value), end)
        }
    };
    let replaces = match lang {
        Lang::Rust => replaces(text, &code)
            .context("`const REPLACES` must be a list of plain string literals, as in `&[\"20261101090000\"]`")?,
        Lang::Js => Vec::new(),
    };
    Ok(Found {
        revision,
        parent,
        parent_span: parent_start..parent_end,
        replaces,
    })
}

/// The literals of `const REPLACES: &'static [&'static str] = &[...];`, if
/// the source declares it.
fn replaces(text: &str, code: &str) -> anyhow::Result<Vec<String>> {
    let key = "const REPLACES";
    let at = match only(code, key, Lang::Rust) {
        Ok(at) => at,
        Err(_) if !code.contains(key) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let rest = &code[at.end..];
    let equals = rest.find('=').context("no `=`")? + at.end + 1;
    let after = code[equals..].trim_start();
    let list = after
        .strip_prefix('&')
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('['))
        .context("not `&[...]`")?;
    let mut i = code.len() - list.len();
    let mut out = Vec::new();
    loop {
        i += code[i..].len() - code[i..].trim_start().len();
        if code[i..].starts_with(']') {
            return Ok(out);
        }
        let (value, end) = literal(text, code, i, Lang::Rust)?;
        out.push(value);
        i = end + (code[end..].len() - code[end..].trim_start().len());
        match code[i..].chars().next() {
            Some(',') => i += 1,
            Some(']') => return Ok(out),
            _ => bail!("expected `,` or `]` after a literal"),
        }
    }
}

/// The one place `key` appears in the code as whole words.
fn only(code: &str, key: &str, lang: Lang) -> anyhow::Result<Range<usize>> {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let hits: Vec<usize> = code
        .match_indices(key)
        .map(|(i, _)| i)
        .filter(|&i| {
            let before = code[..i].chars().next_back();
            let after = code[i + key.len()..].chars().next();
            !before.is_some_and(word) && !after.is_some_and(word)
        })
        // In JavaScript, a property: the key followed by `:`.
        .filter(|&i| lang == Lang::Rust || code[i + key.len()..].trim_start().starts_with(':'))
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one..*one + key.len()),
        [] => bail!("`{key}` is not declared"),
        many => bail!("`{key}` is declared {} times: keep one", many.len()),
    }
}

/// The string literal at `start` (a quote in `code`), decoded, and where it
/// ends. Only plain literals: `"..."` (and `'...'` in JavaScript) whose
/// escapes are `\\`, `\"`, `\'`, `\n`, `\t`, `\r`, `\0`.
fn literal(text: &str, code: &str, start: usize, lang: Lang) -> anyhow::Result<(String, usize)> {
    let quote = code[start..].chars().next().context("nothing there")?;
    if quote != '"' && !(lang == Lang::Js && quote == '\'') {
        bail!("not a string literal");
    }
    let body_start = start + 1;
    let close = code[body_start..].find(quote).context("an unterminated string")? + body_start;
    let mut out = String::new();
    let mut chars = text[body_start..close].chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('\\') => '\\',
            Some('"') => '"',
            Some('\'') => '\'',
            Some('n') => '\n',
            Some('t') => '\t',
            Some('r') => '\r',
            Some('0') => '\0',
            _ => bail!("an escape other than \\\\ \\\" \\' \\n \\t \\r \\0"),
        });
    }
    Ok((out, close + 1))
}

/// `text` with every comment and the inside of every string, character and
/// template literal replaced by spaces, byte for byte (so offsets hold),
/// quotes kept.
fn mask(text: &str, lang: Lang) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let blank = |out: &mut Vec<u8>, range: Range<usize>| {
        for b in &mut out[range] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&b| b == b'\n').map_or(bytes.len(), |n| i + n);
            blank(&mut out, i..end);
            i = end;
        } else if rest.starts_with(b"/*") {
            // Rust's block comments nest; JavaScript's do not.
            let (mut depth, mut j) = (1, i + 2);
            while j < bytes.len() && depth > 0 {
                if bytes[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                } else if lang == Lang::Rust && bytes[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i..j);
            i = j;
        } else if lang == Lang::Rust && raw_string_start(bytes, i).is_some() {
            let (hashes, open) = raw_string_start(bytes, i).expect("just seen");
            let mut closing = vec![b'"'];
            closing.extend(std::iter::repeat_n(b'#', hashes));
            let end = bytes[open + 1..]
                .windows(closing.len())
                .position(|w| w == closing.as_slice())
                .map_or(bytes.len(), |n| open + 1 + n);
            blank(&mut out, open + 1..end);
            i = (end + closing.len()).min(bytes.len());
        } else if bytes[i] == b'"' || (lang == Lang::Js && matches!(bytes[i], b'\'' | b'`')) {
            let quote = bytes[i];
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != quote {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(bytes.len());
            blank(&mut out, i + 1..end);
            i = end + 1;
        } else if lang == Lang::Rust && bytes[i] == b'\'' {
            // A character literal ('"', '\''), not a lifetime ('static).
            let end = if rest.get(1) == Some(&b'\\') {
                rest.iter().skip(2).position(|&b| b == b'\'').map(|n| i + 2 + n)
            } else {
                let len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (rest.get(1 + len) == Some(&b'\'')).then_some(i + 1 + len)
            };
            match end {
                Some(end) => {
                    blank(&mut out, i + 1..end);
                    i = end + 1;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    // Only ASCII bytes were written, over whole characters.
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// At `i`, `r"`, `r#"`, `br"`...: the number of `#`s and where the quote is.
fn raw_string_start(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    let start = match bytes.get(i..i + 2) {
        Some(b"br") => i + 2,
        _ if bytes.get(i) == Some(&b'r') => i + 1,
        _ => return None,
    };
    // Not the end of an identifier (`for"` is not a raw string).
    if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
        return None;
    }
    let hashes = bytes[start..].iter().take_while(|&&b| b == b'#').count();
    (bytes.get(start + hashes) == Some(&b'"')).then_some((hashes, start + hashes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::{Meta, js_scaffold, rust_scaffold};

    fn meta(message: &str, parent: Option<&str>) -> Meta {
        Meta {
            revision: "20261201120000".into(),
            parent: parent.map(str::to_owned),
            message: message.into(),
        }
    }

    #[test]
    fn scaffolds_read_back_and_their_parents_rewrite() {
        // Messages that mention the keys, in comments and strings.
        let tricky = "const PARENT: parent: \"x\" revision: 'y' */ /*";
        for (lang, text) in [
            (Lang::Rust, rust_scaffold(&meta(tricky, Some("20261104090000")))),
            (Lang::Js, js_scaffold(&meta(tricky, Some("20261104090000")))),
        ] {
            let found = find(&text, lang).unwrap_or_else(|e| panic!("{lang:?}: {e:#}\n{text}"));
            assert_eq!(found.revision, "20261201120000");
            assert_eq!(found.parent.as_deref(), Some("20261104090000"));
            for parent in [None, Some("20261130000000"), Some("a\"b")] {
                let tmp = tempfile::tempdir().unwrap();
                let file = tmp.path().join(if lang == Lang::Rust { "lib.rs" } else { "m.js" });
                std::fs::write(&file, &text).unwrap();
                set_parent(&file, parent).unwrap();
                let back = read(&file).unwrap();
                assert_eq!(back.parent.as_deref(), parent, "{lang:?}");
                assert_eq!(back.revision, "20261201120000");
                let rewritten = std::fs::read_to_string(&file).unwrap();
                // Only the parent changed.
                let old = &text[found.parent_span.clone()];
                assert_eq!(rewritten.len() as isize - text.len() as isize, {
                    let new = match (lang, parent) {
                        (Lang::Rust, Some(p)) => format!("Some({p:?})"),
                        (Lang::Rust, None) => "None".into(),
                        (Lang::Js, Some(p)) => serde_json::to_string(p).unwrap(),
                        (Lang::Js, None) => "null".into(),
                    };
                    new.len() as isize - old.len() as isize
                });
            }
        }
        // A message over several lines is a raw or continued literal; the rest reads the same.
        let multi = rust_scaffold(&meta("const PARENT: \"x\"\nparent: 'y'\r\n  z", Some("p")));
        let found = find(&multi, Lang::Rust).unwrap_or_else(|e| panic!("{e:#}\n{multi}"));
        assert_eq!(
            (found.revision.as_str(), found.parent.as_deref()),
            ("20261201120000", Some("p"))
        );
        let first = rust_scaffold(&meta("first", None));
        assert_eq!(find(&first, Lang::Rust).unwrap().parent, None);
    }

    #[test]
    fn hand_written_forms_are_read() {
        let rust = "impl Migration for X {\n    const REVISION: &'static str = \"r2\";\n    \
                    const PARENT: Option<&'static str> = Some (\n        \"r1\"\n    );\n    \
                    const MESSAGE: &'static str = r#\"const PARENT\"#;\n    fn up() { let _ = '\"'; }\n}\n";
        let found = find(rust, Lang::Rust).unwrap();
        assert_eq!((found.revision.as_str(), found.parent.as_deref()), ("r2", Some("r1")));
        assert!(found.replaces.is_empty());
        let squash = "impl Migration for S {\n    const REVISION: &'static str = \"s\";\n    \
                      const PARENT: Option<&'static str> = None;\n    // const REPLACES: &[&str] = &[\"x\"];\n    \
                      const REPLACES: &'static [&'static str] = &[\n        \"r1\", // first\n        \"r2\",\n    ];\n}\n";
        assert_eq!(find(squash, Lang::Rust).unwrap().replaces, ["r1", "r2"]);
        let bad = squash.replace("\"r2\",", "R2,");
        assert!(format!("{:#}", find(&bad, Lang::Rust).unwrap_err()).contains("`const REPLACES` must be a list"));
        let js = "export const migration = { metadata() { return { message: `parent: ${1}`, revision: 'r2', parent:'r1' }; } };";
        let found = find(js, Lang::Js).unwrap();
        assert_eq!((found.revision.as_str(), found.parent.as_deref()), ("r2", Some("r1")));
    }

    #[test]
    fn what_cannot_be_read_is_said() {
        let err = |text: &str, lang| format!("{:#}", find(text, lang).unwrap_err());
        assert!(err("const REVISION: &str = \"a\";", Lang::Rust).contains("`const PARENT` is not declared"));
        assert!(
            err(
                "const REVISION: &str = \"a\"; const PARENT: Option<&str> = Some(PREVIOUS);",
                Lang::Rust
            )
            .contains("plain string literal or none")
        );
        assert!(err("{ revision: \"a\", parent: null, parent: null }", Lang::Js).contains("declared 2 times"));
        assert!(err("{ revision: \"a\\u0041\", parent: null }", Lang::Js).contains("plain string literal"));
    }
}
