//! The exhaustiveness guard, in the spirit of pg-schema-diff's: every part
//! of an object that can differ between the two schemas is read by a
//! generator. A difference in a field no generator reads (one added to the
//! model and not yet diffed) is refused by name, never a plan that silently
//! leaves it out.
//!
//! The guard compares the two models field by field through their serde
//! form: objects are matched by their key, lists of named members
//! (`columns`, `constraints`) member by member.

use crate::schema::Schema;
use serde_json::Value;
use std::collections::BTreeMap;

/// One list of the model: what identifies an object in it, and the fields
/// its generator reads (a nested `list.field` for a named member).
pub(super) struct Kind {
    /// The list's field in [`Schema`].
    pub list: &'static str,
    /// The object kind, for messages.
    pub what: &'static str,
    pub key: &'static [&'static str],
    pub handled: &'static [&'static str],
}

/// Lists of named members, compared member by member.
const MEMBER_LISTS: [&str; 2] = ["columns", "constraints"];

/// What the generators read. `schemas` and `other_types` are compared
/// whole in `diff()` itself (`dependencies`, no objects but what the steps
/// are ordered by, are not in the serde form).
pub(super) const HANDLED: [Kind; 16] = [
    Kind {
        list: "extensions",
        what: "extension",
        key: &["name"],
        handled: &["schema", "version"],
    },
    Kind {
        list: "enums",
        what: "enum",
        key: &["name"],
        handled: &["values"],
    },
    Kind {
        list: "sequences",
        what: "sequence",
        key: &["name"],
        handled: &[
            "data_type",
            "start",
            "increment",
            "min",
            "max",
            "cache",
            "cycle",
            "owned_by",
            "identity",
        ],
    },
    Kind {
        list: "tables",
        what: "table",
        key: &["name"],
        handled: &[
            "unlogged",
            "partition_key",
            "partition_bound",
            "inherits",
            "parents",
            "row_security",
            "force_row_security",
            "options",
            "replica_identity",
            "columns",
            // A column's type is its `data_type`; `type_sql` spells it.
            "columns.type_sql",
            "columns.data_type",
            "columns.nullable",
            "columns.default",
            "columns.identity",
            "columns.generated",
            "columns.collation",
            "columns.local",
            "columns.owned_sequence",
            "constraints",
            // `definition` spells the kind and deferrability.
            "constraints.kind",
            "constraints.definition",
            "constraints.deferrable",
            "constraints.initially_deferred",
            "constraints.local",
        ],
    },
    Kind {
        list: "indexes",
        what: "index",
        key: &["name"],
        // `definition` spells the table, method, uniqueness and predicate.
        handled: &[
            "table",
            "definition",
            "unique",
            "method",
            "predicate",
            "simple_columns",
            "parent",
        ],
    },
    Kind {
        list: "views",
        what: "view",
        key: &["name"],
        // `depends_on` follows from the definition.
        handled: &["materialized", "definition", "depends_on", "options"],
    },
    Kind {
        list: "functions",
        what: "function",
        key: &["name", "input_types"],
        handled: &["procedure", "definition", "identity_arguments", "arguments", "result"],
    },
    Kind {
        list: "triggers",
        what: "trigger",
        key: &["table", "name"],
        handled: &["definition"],
    },
    Kind {
        list: "collations",
        what: "collation",
        key: &["name"],
        handled: &["provider", "locale", "lc_ctype", "deterministic"],
    },
    Kind {
        list: "policies",
        what: "policy",
        key: &["table", "name"],
        handled: &["permissive", "command", "roles", "using", "with_check"],
    },
    Kind {
        list: "grants",
        what: "grant",
        key: &["on", "grantee", "privilege", "grant_option"],
        handled: &[],
    },
    Kind {
        list: "column_grants",
        what: "column privilege",
        key: &["on", "column", "grantee", "privilege", "grant_option"],
        handled: &[],
    },
    Kind {
        list: "comments",
        what: "comment",
        key: &["kind", "object", "member"],
        handled: &["text"],
    },
    Kind {
        list: "domains",
        what: "domain",
        key: &["name"],
        // `definition` is the others together.
        handled: &["head", "default", "not_null", "checks", "definition"],
    },
    Kind {
        list: "composite_types",
        what: "composite type",
        key: &["name"],
        handled: &["attributes", "definition"],
    },
    Kind {
        list: "range_types",
        what: "range type",
        key: &["name"],
        handled: &["definition"],
    },
];

/// Each difference between `current` and `target` in a field that
/// `kinds` does not list as handled: `table public.t: replica_identity`.
pub(super) fn unhandled(current: &Schema, target: &Schema, kinds: &[Kind]) -> Vec<String> {
    let (Ok(Value::Object(current)), Ok(Value::Object(target))) =
        (serde_json::to_value(current), serde_json::to_value(target))
    else {
        return vec!["the schema model could not be compared field by field".into()];
    };
    let mut out = Vec::new();
    for (list, _) in target.iter().filter(|(list, _)| current.contains_key(*list)) {
        let Some(kind) = kinds.iter().find(|k| k.list == list) else {
            continue; // compared whole in diff()
        };
        let have = keyed(&current[list], kind.key);
        for (key, wanted) in keyed(&target[list], kind.key) {
            let Some(had) = have.get(&key) else { continue };
            for field in differing(had, wanted) {
                if !kind.handled.contains(&field.as_str()) {
                    out.push(format!(
                        "{} {key}: its `{field}` differs, which the diff does not compare yet",
                        kind.what
                    ));
                }
            }
        }
    }
    out
}

/// The objects of one list by their key, spelled for messages.
fn keyed<'a>(list: &'a Value, key: &[&str]) -> BTreeMap<String, &'a Value> {
    let Value::Array(items) = list else {
        return BTreeMap::new();
    };
    items
        .iter()
        .map(|item| {
            let parts: Vec<String> = key.iter().map(|k| spell(&item[*k])).filter(|p| !p.is_empty()).collect();
            (parts.join(" "), item)
        })
        .collect()
}

/// `public.users` for a name, the text for a string.
fn spell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(o) if o.contains_key("schema") && o.contains_key("name") => {
            format!("{}.{}", spell(&o["schema"]), spell(&o["name"]))
        }
        other => other.to_string(),
    }
}

/// The fields of two objects that differ; in a member list, the members'
/// fields (`columns.default`), and the list itself when a member is added
/// or removed.
fn differing(have: &Value, want: &Value) -> Vec<String> {
    let (Value::Object(have), Value::Object(want)) = (have, want) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (field, wanted) in want {
        let had = have.get(field).unwrap_or(&Value::Null);
        if had == wanted {
            continue;
        }
        if MEMBER_LISTS.contains(&field.as_str()) {
            let (had, wanted) = (keyed(had, &["name"]), keyed(wanted, &["name"]));
            if had.keys().ne(wanted.keys()) {
                out.push(field.clone());
            }
            for (name, member) in &wanted {
                if let Some(old) = had.get(name) {
                    out.extend(differing(old, member).into_iter().map(|f| format!("{field}.{f}")));
                }
            }
        } else {
            out.push(field.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DataType, ScalarType};
    use crate::schema::{Column, Table, TableConstraint};

    fn table() -> Table {
        Table {
            columns: vec![Column {
                name: "c".into(),
                type_sql: "text".into(),
                data_type: DataType {
                    scalar: ScalarType::Text,
                    is_array: false,
                },
                nullable: true,
                default: None,
                identity: None,
                generated: None,
                collation: None,
                local: true,
                owned_sequence: None,
            }],
            constraints: vec![TableConstraint {
                name: "k".into(),
                kind: crate::schema::ConstraintKind::Check,
                definition: "CHECK (c <> '')".into(),
                deferrable: false,
                initially_deferred: false,
                local: true,
            }],
            ..crate::diff::tests::table("t")
        }
    }

    fn with(table: Table) -> Schema {
        Schema {
            tables: vec![table],
            ..Schema::default()
        }
    }

    #[test]
    fn a_difference_in_a_field_no_generator_reads_is_named() {
        let current = with(table());
        let mut changed = table();
        changed.unlogged = true;
        changed.columns[0].default = Some("'x'".into());
        let target = with(changed);
        assert_eq!(unhandled(&current, &target, &HANDLED), Vec::<String>::new());
        // A model in which nobody reads `unlogged` or a column's default.
        let tables = HANDLED.iter().find(|k| k.list == "tables").unwrap();
        let without: Vec<&str> = tables
            .handled
            .iter()
            .copied()
            .filter(|f| !matches!(*f, "unlogged" | "columns.default"))
            .collect();
        let blind = [Kind {
            list: "tables",
            what: "table",
            key: &["name"],
            handled: without.leak(),
        }];
        assert_eq!(
            unhandled(&current, &target, &blind),
            [
                "table public.t: its `columns.default` differs, which the diff does not compare yet",
                "table public.t: its `unlogged` differs, which the diff does not compare yet",
            ]
        );
    }

    /// One object of every kind the guard matches.
    fn one_of_each() -> Schema {
        use crate::schema::*;
        let n = || Name::new("public", "x");
        Schema {
            extensions: vec![Extension {
                name: "e".into(),
                schema: "public".into(),
                version: "1".into(),
            }],
            enums: vec![EnumType {
                name: n(),
                values: vec![],
            }],
            sequences: vec![Sequence {
                name: n(),
                data_type: "bigint".into(),
                start: 1,
                increment: 1,
                min: 1,
                max: 9,
                cache: 1,
                cycle: false,
                owned_by: None,
                identity: false,
            }],
            tables: vec![table()],
            indexes: vec![Index {
                name: n(),
                table: n(),
                definition: String::new(),
                unique: false,
                method: "btree".into(),
                predicate: None,
                simple_columns: None,
                parent: None,
            }],
            views: vec![View {
                name: n(),
                materialized: false,
                definition: String::new(),
                options: vec![],
                depends_on: vec![],
            }],
            functions: vec![Function {
                name: n(),
                identity_arguments: String::new(),
                procedure: false,
                definition: String::new(),
                arguments: String::new(),
                result: None,
                input_types: String::new(),
            }],
            triggers: vec![Trigger {
                table: n(),
                name: "t".into(),
                definition: String::new(),
            }],
            collations: vec![Collation {
                name: n(),
                provider: "c".into(),
                locale: String::new(),
                lc_ctype: String::new(),
                deterministic: true,
            }],
            policies: vec![Policy {
                table: n(),
                name: "p".into(),
                permissive: true,
                command: "*".into(),
                roles: vec![],
                using: None,
                with_check: None,
            }],
            grants: vec![Grant {
                on: n(),
                grantee: "r".into(),
                privilege: "SELECT".into(),
                grant_option: false,
            }],
            comments: vec![Comment {
                kind: "table".into(),
                object: n(),
                member: None,
                text: String::new(),
            }],
            column_grants: vec![ColumnGrant {
                on: n(),
                column: "c".into(),
                grantee: "r".into(),
                privilege: "SELECT".into(),
                grant_option: false,
            }],
            domains: vec![Domain {
                name: n(),
                head: String::new(),
                default: None,
                not_null: false,
                checks: vec![],
                definition: String::new(),
            }],
            composite_types: vec![CompositeType {
                name: n(),
                attributes: vec![],
                definition: String::new(),
            }],
            range_types: vec![RangeType {
                name: n(),
                definition: String::new(),
            }],
            ..Schema::default()
        }
    }

    #[test]
    fn every_field_of_the_model_is_handled_or_a_key() {
        // Held to the model: a field added to any object (or to a column or
        // constraint) fails here until a generator reads it and it is listed.
        let Value::Object(schema) = serde_json::to_value(one_of_each()).unwrap() else {
            panic!()
        };
        for kind in &HANDLED {
            let Value::Object(object) = &schema[kind.list][0] else {
                panic!("no {} in one_of_each()", kind.list)
            };
            for (field, value) in object {
                if MEMBER_LISTS.contains(&field.as_str()) {
                    let Value::Object(member) = &value[0] else {
                        panic!("no member in {field}")
                    };
                    for inner in member.keys().filter(|k| *k != "name") {
                        let path = format!("{field}.{inner}");
                        assert!(
                            kind.handled.contains(&path.as_str()),
                            "{} {path} is not handled",
                            kind.what
                        );
                    }
                }
                assert!(
                    kind.key.contains(&field.as_str()) || kind.handled.contains(&field.as_str()),
                    "{} {field} is not handled",
                    kind.what
                );
            }
        }
    }

    #[test]
    fn every_list_of_the_model_is_guarded_or_compared_whole() {
        let Value::Object(schema) = serde_json::to_value(Schema::default()).unwrap() else {
            panic!()
        };
        for list in schema.keys() {
            let whole = matches!(list.as_str(), "schemas" | "other_types");
            assert!(whole || HANDLED.iter().any(|k| k.list == list), "{list} is not guarded");
        }
    }
}
