//! Rust string literals whose value is exactly the text, byte for byte, and
//! comments that stay comments, whatever the text holds.
//!
//! A one-line text is a plain string (`"..."`) with what Rust needs
//! escaped. A text of several lines is a raw string (`r#"..."#`, enough
//! `#`s to hold any `"#` in it) whose lines start at column 0, so that the
//! text is readable as it will be stored; no line of it is ever indented.
//! A text of several lines that a raw string would show wrongly (a carriage
//! return, a control character, a bidirectional override or an invisible
//! character, whitespace at the end of a line that an editor would strip)
//! is a plain string with each line on a line of its own, continued with
//! `\` (Rust skips the line break and the indentation after it), every
//! character of the text that is not shown as itself escaped.
//!
//! The code around a literal is indented line by line, so the line breaks
//! of a raw string's text are written as [`RAW_NEWLINE`] until the whole
//! file is assembled; [`finish`] turns them into line breaks.

/// Stands for a line break inside a raw string while code is indented. A
/// private-use character: a text that holds one is written escaped, never
/// raw, so it cannot be mistaken.
pub const RAW_NEWLINE: char = '\u{e000}';

/// `code` with the line breaks of its raw strings in place.
pub fn finish(code: &str) -> String {
    code.replace(RAW_NEWLINE, "\n")
}

/// A Rust string literal whose value is `text`.
pub fn string(text: &str) -> String {
    if !text.contains('\n') {
        let mut out = String::with_capacity(text.len() + 2);
        out.push('"');
        for c in text.chars() {
            escape_into(&mut out, c);
        }
        out.push('"');
        return out;
    }
    if raw_is_exact(text) {
        return raw(text);
    }
    continued(text)
}

/// A raw string: the text as it is, its line breaks as [`RAW_NEWLINE`].
fn raw(text: &str) -> String {
    let hashes = (1..)
        .map(|n| "#".repeat(n))
        .find(|h| !text.contains(&format!("\"{h}")))
        .expect("some number of #s is not in the text");
    format!("r{hashes}\"{}\"{hashes}", text.replace('\n', &RAW_NEWLINE.to_string()))
}

/// A plain string over several lines: each line of the text but the first
/// on a line of its own after a `\` continuation, its leading whitespace
/// escaped (the continuation skips the whitespace that follows it).
fn continued(text: &str) -> String {
    let mut out = String::from("\"");
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let mut leading = true;
        for c in line.chars() {
            if leading && c.is_whitespace() {
                out.push_str(&escape_always(c));
            } else {
                leading = false;
                escape_into(&mut out, c);
            }
        }
        if i + 2 == lines.len() && lines[i + 1].is_empty() {
            // The text ends with a line break: nothing to continue with.
            out.push_str("\\n");
        } else if i + 1 < lines.len() {
            out.push_str("\\n\\\n    ");
        }
    }
    out.push('"');
    out
}

/// Whether a raw string shows `text` exactly: every character is one that
/// rustc takes as it is and a reader sees as it is, and no line ends in
/// whitespace.
fn raw_is_exact(text: &str) -> bool {
    text.chars().all(|c| c == '\n' || c == '\t' || !needs_escape(c))
        && text.split('\n').all(|line| !line.ends_with([' ', '\t']))
}

/// Characters never written as themselves: controls (rustc refuses a bare
/// carriage return, and normalizes CRLF), bidirectional controls (rustc's
/// deny-by-default `text_direction_codepoint_in_literal`), invisible
/// formatting characters, separators that look like line breaks, the byte
/// order mark, private-use characters ([`RAW_NEWLINE`] is one) and
/// noncharacters.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{61c}'
                | '\u{115f}'..='\u{1160}'
                | '\u{17b4}'..='\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff0}'..='\u{fffb}'
                | '\u{e000}'..='\u{f8ff}'
                | '\u{f0000}'..='\u{10ffff}'
                | '\u{e0000}'..='\u{e0fff}'
        )
        || (c as u32 & 0xfffe) == 0xfffe
        || ('\u{fdd0}'..='\u{fdef}').contains(&c)
}

/// Appends `c` as it goes inside `"..."`.
fn escape_into(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        c if needs_escape(c) => out.push_str(&escape_always(c)),
        c => out.push(c),
    }
}

fn escape_always(c: char) -> String {
    match c {
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        '\0' => "\\0".into(),
        ' ' => "\\x20".into(),
        c => format!("\\u{{{:x}}}", c as u32),
    }
}

/// `text` fit for a `//` comment: one line, with every character that
/// could end the comment, move the text around or hide it escaped
/// (`\u{a}`).
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that have gone wrong somewhere, or could.
    pub(crate) const TRICKY: &[&str] = &[
        "",
        "plain",
        "it's \"quoted\" \\ back\\slashed",
        "tab\there",
        "ünïcode ✓ 日本語 🦀",
        "line one\nline two",
        "\n leading break and trailing\n",
        "  indented\n\tby tab\n\n\nblank lines above\n",
        "ends in a quote\"",
        "\"starts with one\nand \"# a raw end\n and \"## and \"### \"####",
        "r#\"looks like a raw string\"#\n",
        "$$ dollar $$ quotes $fn$ inside $fn$\n",
        "trailing spaces   \nand a tab\t\nend",
        "crlf\r\nline\r\n",
        "lone\rreturn\nnext",
        "bidi \u{202e}override\u{202c}\nand\u{2066}isolate",
        "zero\u{200b}width\u{feff} and \u{ad}soft\nnul-free \u{1b}[31m escape \u{7f}",
        "separator\u{2028}line\u{2029}para\nnext",
        "private \u{e000} sentinel\nline",
        "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $$\nBEGIN\n\tRETURN 'a\n    b';  \nEND $$",
        "\\\n\\",
        "back\\\nslash before a break",
        "   \n   ",
        "\n",
        "\n\n",
        "x\n",
    ];

    /// The value of a literal, as Rust reads it: syn implements the
    /// language's escapes, continuations and raw strings.
    fn value(literal: &str) -> String {
        syn::parse_str::<syn::LitStr>(literal)
            .unwrap_or_else(|e| panic!("{literal}: {e}"))
            .value()
    }

    #[test]
    fn every_literal_holds_its_text_exactly() {
        for text in TRICKY {
            let literal = string(text);
            assert_eq!(&value(&finish(&literal)), text, "{literal}");
            // Indenting the code around it (every line break the code has,
            // that is, outside raw strings) changes nothing.
            let indented = finish(&literal.replace('\n', "\n            "));
            assert_eq!(&value(&indented), text, "{indented}");
            // Nothing rustc refuses or warns about, nothing a reader cannot see.
            assert!(
                !finish(&literal)
                    .chars()
                    .any(|c| c != '\n' && c != '\t' && needs_escape(c)),
                "{literal:?}"
            );
            assert!(
                !finish(&literal).lines().any(|l| l.ends_with([' ', '\t'])),
                "{literal:?}"
            );
        }
    }

    #[test]
    fn texts_of_several_lines_read_as_they_are_stored() {
        assert_eq!(
            finish(&string("SELECT 1\n  FROM t\n\tWHERE x = '\"#'")),
            "r##\"SELECT 1\n  FROM t\n\tWHERE x = '\"#'\"##"
        );
        assert_eq!(string("one line\t\"q\""), "\"one line\\t\\\"q\\\"\"");
        assert_eq!(string("a  \n  b\r\n"), "\"a  \\n\\\n    \\x20\\x20b\\r\\n\"");
    }

    #[test]
    fn comments_stay_on_their_line() {
        assert_eq!(comment("table a\nfn evil() {}"), "table a\\u{a}fn evil() {}");
        assert_eq!(comment("x\u{202e}y\rz"), "x\\u{202e}y\\u{d}z");
        assert_eq!(comment("plain ünïcode"), "plain ünïcode");
    }
}
