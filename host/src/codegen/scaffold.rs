//! The source of a hand-written migration, as `migrate-host new` writes it:
//! revision, parent and message filled in, `up` and `down` empty (with an
//! example in a comment), so that it builds and applies as it is.

use super::{Meta, literal, type_name};

/// `src/lib.rs` of a new Rust migration.
pub fn rust_scaffold(meta: &Meta) -> String {
    let parent = match &meta.parent {
        Some(p) => format!("Some({})", lit(p)),
        None => "None".into(),
    };
    let type_name = type_name(&meta.message);
    let source = format!(
        "//! {title}\n//!\n\
         //! Written by `migrate-host new`: fill in `up`, and `down` to undo it.\n\
         //! The SDK's calls are listed in the README (\"Writing a migration in Rust\").\n\n\
         use migrate_plugin::prelude::*;\n\n\
         struct {type_name};\n\n\
         impl Migration for {type_name} {{\n\
         \x20   const REVISION: &'static str = {revision};\n\
         \x20   const PARENT: Option<&'static str> = {parent};\n\
         \x20   const MESSAGE: &'static str = {message};\n\n\
         \x20   fn up() -> Result<()> {{\n\
         \x20       // For example:\n\
         \x20       // add_column(\"users\", column(\"nickname\", ty::text()))?;\n\
         \x20       Ok(())\n\
         \x20   }}\n\n\
         \x20   fn down() -> Result<()> {{\n\
         \x20       // drop_column(\"users\", \"nickname\")?;\n\
         \x20       Ok(())\n\
         \x20   }}\n\
         }}\n\n\
         migration!({type_name});\n",
        title = literal::comment(meta.message.lines().next().unwrap_or_default()),
        revision = lit(&meta.revision),
        message = lit(&meta.message),
    );
    literal::finish(&source)
}

/// A new JavaScript migration (an ES module using the vendored SDK, built
/// by `migrate-host build` with componentize-qjs).
pub fn js_scaffold(meta: &Meta) -> String {
    // JSON strings are JavaScript string literals (U+2028 and U+2029
    // included, since ES2019).
    let json = |s: &str| serde_json::to_string(s).expect("strings serialize");
    let parent = meta.parent.as_deref().map_or_else(|| "null".to_owned(), json);
    format!(
        "// {title}\n//\n\
         // Written by `migrate-host new --lang js`: fill in `up`, and `down` to undo it.\n\
         // `migrate-host build` turns this file into a component beside it. The SDK\n\
         // (.migrate-sdk/js/migrate.js) has the Rust prelude's helpers: column(), ty.*,\n\
         // primaryKey(), index(), one function per action, execute() and query();\n\
         // migrate.d.ts beside it declares them for your editor. A failed action\n\
         // throws, and the migration is rolled back.\n\
         // @ts-check\n\
         import {{ defineMigration, column, ty, addColumn, dropColumn }} from {sdk};\n\n\
         export const migration = defineMigration({{\n\
         \x20 revision: {revision},\n\
         \x20 parent: {parent},\n\
         \x20 message: {message},\n\n\
         \x20 up() {{\n\
         \x20   // For example:\n\
         \x20   // addColumn(\"users\", column(\"nickname\", ty.text()));\n\
         \x20 }},\n\n\
         \x20 down() {{\n\
         \x20   // dropColumn(\"users\", \"nickname\");\n\
         \x20 }},\n\
         }});\n",
        title = comment_line(&meta.message),
        sdk = json(crate::build::SDK_IMPORT),
        revision = json(&meta.revision),
        message = json(&meta.message),
    )
}

fn lit(text: &str) -> String {
    literal::string(text)
}

/// The message's first line, safe inside a JavaScript line comment:
/// control characters and the line and paragraph separators (which end
/// the comment) become spaces.
fn comment_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(message: &str, parent: Option<&str>) -> Meta {
        Meta {
            revision: "20261201120000".into(),
            parent: parent.map(str::to_owned),
            message: message.into(),
        }
    }

    #[test]
    fn scaffolds_fill_in_revision_parent_and_message() {
        let rust = rust_scaffold(&meta("add nickname", Some("20261104090000")));
        assert!(rust.contains("struct AddNickname;"), "{rust}");
        assert!(rust.contains("const REVISION: &'static str = \"20261201120000\";"));
        assert!(rust.contains("const PARENT: Option<&'static str> = Some(\"20261104090000\");"));
        assert!(rust.contains("const MESSAGE: &'static str = \"add nickname\";"));
        assert!(rust.contains("migration!(AddNickname);"));
        let first = rust_scaffold(&meta("first", None));
        assert!(first.contains("const PARENT: Option<&'static str> = None;"));

        let js = js_scaffold(&meta("say \"hi\"\u{2028}there", None));
        assert!(js.contains("revision: \"20261201120000\","), "{js}");
        assert!(js.contains("parent: null,"));
        assert!(js.contains("message: \"say \\\"hi\\\"\u{2028}there\","), "{js}");
        assert!(js.starts_with("// say \"hi\" there\n"), "{js}");
        assert!(js_scaffold(&meta("x", Some("1"))).contains("parent: \"1\","));
    }

    #[test]
    fn type_names_compile_whatever_the_message() {
        assert_eq!(type_name("add post views"), "AddPostViews");
        assert_eq!(type_name("ok"), "OkMigration");
        assert_eq!(type_name("result"), "ResultMigration");
        assert_eq!(type_name("self"), "SelfMigration");
        assert_eq!(type_name("✓"), "GeneratedMigration");
        assert_eq!(type_name("table options"), "TableOptionsMigration");
        // Every capitalized name the SDK's prelude exports is reserved.
        let sdk = include_str!("../../../plugins/rust/src/lib.rs");
        let prelude = sdk
            .split("pub mod prelude {")
            .nth(1)
            .and_then(|rest| rest.split("};").next())
            .expect("the SDK has a prelude");
        let exported: Vec<&str> = prelude
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
            .collect();
        assert!(exported.len() > 20, "{exported:?}");
        for name in exported {
            assert!(
                super::super::RESERVED_NAMES.contains(&name),
                "{name} is in the SDK's prelude but not reserved"
            );
        }
    }

    #[test]
    fn comments_hold_one_line_and_literals_the_message_exactly() {
        assert_eq!(comment_line("a\rb\u{1b}c\nsecond"), "a b c");
        assert_eq!(comment_line(""), "");
        for message in [
            "one\r\ntwo",
            "a\u{202e}b",
            "multi\nline\n  indented ",
            "say \"hi\" \\ ✓",
        ] {
            let rust = rust_scaffold(&meta(message, None));
            let file = syn::parse_file(&rust).unwrap_or_else(|e| panic!("{message:?}: {e}\n{rust}"));
            let value = file
                .items
                .iter()
                .find_map(|item| match item {
                    syn::Item::Impl(imp) => imp.items.iter().find_map(|i| match i {
                        syn::ImplItem::Const(c) if c.ident == "MESSAGE" => match &c.expr {
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(s), ..
                            }) => Some(s.value()),
                            _ => None,
                        },
                        _ => None,
                    }),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no MESSAGE in {rust}"));
            assert_eq!(value, message);
            assert_eq!(
                rust.lines().next().unwrap().len(),
                rust.split('\n').next().unwrap().len()
            );
        }
    }
}
