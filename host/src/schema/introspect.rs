//! Reads a database's schema from the catalogs into a [`Schema`]: one
//! query per object kind (see `queries.sql`), whatever the number of tables.

use super::*;
use anyhow::{Context as _, anyhow};
use std::collections::HashMap;
use std::sync::LazyLock;
use tokio_postgres::Client;
use tokio_postgres::types::Oid;

/// `queries.sql`, split at its `-- name: X` lines.
static QUERIES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let text = include_str!("queries.sql");
    let mut queries = HashMap::new();
    let mut parts = text.split("-- name: ");
    parts.next(); // the header comment
    for part in parts {
        let (name, body) = part.split_once('\n').expect("a query name ends its line");
        queries.insert(name.trim(), body.trim().trim_end_matches(';'));
    }
    queries
});

fn query(name: &str) -> &'static str {
    QUERIES
        .get(name)
        .unwrap_or_else(|| panic!("queries.sql has no query named {name}"))
}

async fn run(client: &Client, name: &str) -> anyhow::Result<Vec<tokio_postgres::Row>> {
    client
        .query(query(name), &[])
        .await
        .with_context(|| format!("reading the catalog ({name})"))
}

/// Introspects every user schema of the database `client` is connected to.
pub async fn introspect(client: &Client) -> anyhow::Result<Schema> {
    let mut schema = Schema {
        schemas: run(client, "schemas").await?.iter().map(|r| r.get(0)).collect(),
        ..Schema::default()
    };
    schema.extensions = run(client, "extensions")
        .await?
        .iter()
        .map(|r| Extension {
            name: r.get(0),
            schema: r.get(1),
            version: r.get(2),
        })
        .collect();
    schema.enums = run(client, "enums")
        .await?
        .iter()
        .map(|r| EnumType {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            values: r.get(2),
        })
        .collect();
    schema.sequences = run(client, "sequences")
        .await?
        .iter()
        .map(|r| {
            let owner: Option<(String, String, String)> = match (r.get(9), r.get(10), r.get(11)) {
                (Some(s), Some(t), Some(c)) => Some((s, t, c)),
                _ => None,
            };
            Sequence {
                name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                data_type: r.get(2),
                start: r.get(3),
                increment: r.get(4),
                min: r.get(5),
                max: r.get(6),
                cache: r.get(7),
                cycle: r.get(8),
                owned_by: owner.map(|(s, t, c)| (Name::new(s, t), c)),
                identity: r.get::<_, Option<String>>(12).as_deref() == Some("i"),
            }
        })
        .collect();

    let mut tables: Vec<(Oid, Table)> = run(client, "tables")
        .await?
        .iter()
        .map(|r| {
            let table = Table {
                name: Name::new(r.get::<_, String>(1), r.get::<_, String>(2)),
                unlogged: r.get(3),
                partition_key: r.get(5),
                partition_bound: r.get(6),
                inherits: r
                    .get::<_, Option<Vec<String>>>(7)
                    .map(|parent| Name::new(parent[0].clone(), parent[1].clone())),
                row_security: r.get(8),
                force_row_security: r.get(9),
                parents: r.get(10),
                columns: Vec::new(),
                constraints: Vec::new(),
            };
            (r.get(0), table)
        })
        .collect();
    let by_oid: HashMap<Oid, usize> = tables.iter().enumerate().map(|(i, (oid, _))| (*oid, i)).collect();

    for r in run(client, "columns").await? {
        let Some(&i) = by_oid.get(&r.get::<_, Oid>(0)) else {
            continue;
        };
        let (type_name, type_schema): (String, String) = (r.get(4), r.get(5));
        let identity = match r.get::<_, Option<String>>(10).as_deref() {
            Some("a") => Some(Identity::Always),
            Some("d") => Some(Identity::ByDefault),
            _ => None,
        };
        let collation = match (r.get::<_, Option<String>>(12), r.get::<_, Option<String>>(13)) {
            (Some(s), Some(n)) => Some(Name::new(s, n)),
            _ => None,
        };
        tables[i].1.columns.push(Column {
            name: r.get(1),
            type_sql: r.get(2),
            data_type: types::data_type(&type_name, &type_schema, r.get(3), r.get(6)),
            nullable: r.get(8),
            default: r.get(9),
            identity,
            generated: r.get(11),
            collation,
            local: r.get(14),
            owned_sequence: None,
        });
    }

    for r in run(client, "constraints").await? {
        let Some(&i) = by_oid.get(&r.get::<_, Oid>(0)) else {
            continue;
        };
        let columns: Vec<String> = r.get(6);
        let kind = match r.get::<_, String>(2).as_str() {
            "p" => ConstraintKind::PrimaryKey { columns },
            "u" => ConstraintKind::Unique { columns },
            "f" => ConstraintKind::ForeignKey {
                columns,
                references: Name::new(
                    r.get::<_, Option<String>>(7).unwrap_or_default(),
                    r.get::<_, Option<String>>(8).unwrap_or_default(),
                ),
                referenced_columns: r.get(9),
                on_delete: first_char(r.get(10)),
                on_update: first_char(r.get(11)),
            },
            "c" => ConstraintKind::Check,
            "x" => ConstraintKind::Exclusion,
            other => return Err(anyhow!("unexpected constraint type {other:?}")),
        };
        tables[i].1.constraints.push(TableConstraint {
            name: r.get(1),
            kind,
            definition: r.get(3),
            deferrable: r.get(4),
            initially_deferred: r.get(5),
            local: r.get(12),
        });
    }
    schema.tables = tables.into_iter().map(|(_, t)| t).collect();
    // Name order as Rust compares (the server's collation may differ), for binary searches.
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    schema.sequences.sort_by(|a, b| a.name.cmp(&b.name));
    let owners: HashMap<(&Name, &str), Name> = schema
        .sequences
        .iter()
        .filter(|q| !q.identity)
        .filter_map(|q| q.owned_by.as_ref().map(|(t, c)| ((t, c.as_str()), q.name.clone())))
        .collect();
    let owned: Vec<Vec<Option<Name>>> = schema
        .tables
        .iter()
        .map(|t| {
            t.columns
                .iter()
                .map(|c| owners.get(&(&t.name, c.name.as_str())).cloned())
                .collect()
        })
        .collect();
    for (table, owned) in schema.tables.iter_mut().zip(owned) {
        for (column, sequence) in table.columns.iter_mut().zip(owned) {
            column.owned_sequence = sequence;
        }
    }

    schema.indexes = run(client, "indexes")
        .await?
        .iter()
        .map(|r| {
            // An index lives in its table's schema.
            let table = Name::new(r.get::<_, String>(0), r.get::<_, String>(2));
            let has_expressions: bool = r.get(7);
            let has_options: bool = r.get(9);
            Index {
                name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                table,
                definition: r.get(3),
                unique: r.get(4),
                method: r.get(5),
                predicate: r.get(6),
                simple_columns: (!has_expressions && !has_options).then(|| r.get(8)),
            }
        })
        .collect();

    schema.views = run(client, "views")
        .await?
        .iter()
        .map(|r| View {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            materialized: r.get(2),
            definition: r.get(3),
            depends_on: Vec::new(),
        })
        .collect();
    for r in run(client, "view_dependencies").await? {
        let view = Name::new(r.get::<_, String>(0), r.get::<_, String>(1));
        if let Some(v) = schema.views.iter_mut().find(|v| v.name == view) {
            v.depends_on
                .push(Name::new(r.get::<_, String>(2), r.get::<_, String>(3)));
        }
    }
    schema.functions = run(client, "functions")
        .await?
        .iter()
        .map(|r| Function {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            identity_arguments: r.get(2),
            procedure: r.get::<_, String>(3) == "p",
            definition: r.get(4),
        })
        .collect();
    schema.triggers = run(client, "triggers")
        .await?
        .iter()
        .map(|r| Trigger {
            table: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            name: r.get(2),
            definition: r.get(3),
        })
        .collect();
    schema.collations = run(client, "collations")
        .await?
        .iter()
        .map(|r| Collation {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            provider: r.get(2),
            locale: r.get(3),
            lc_ctype: r.get(4),
            deterministic: r.get(5),
        })
        .collect();
    schema.policies = run(client, "policies")
        .await?
        .iter()
        .map(|r| Policy {
            table: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            name: r.get(2),
            permissive: r.get(3),
            command: r.get(4),
            roles: r.get(5),
            using: r.get(6),
            with_check: r.get(7),
        })
        .collect();
    schema.grants = run(client, "grants")
        .await?
        .iter()
        .map(|r| Grant {
            on: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            grantee: r.get(2),
            privilege: r.get(3),
            grant_option: r.get(4),
        })
        .collect();
    schema.comments = run(client, "comments")
        .await?
        .iter()
        .map(|r| Comment {
            kind: r.get(0),
            object: Name::new(r.get::<_, String>(1), r.get::<_, String>(2)),
            member: r.get(3),
            text: r.get(4),
        })
        .collect();
    schema.other_types = run(client, "other_types")
        .await?
        .iter()
        .map(|r| (Name::new(r.get::<_, String>(0), r.get::<_, String>(1)), r.get(2)))
        .collect();
    schema.column_grants = run(client, "column_grants")
        .await?
        .iter()
        .map(|r| {
            (
                Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                r.get(2),
                r.get(3),
            )
        })
        .collect();
    Ok(schema)
}

fn first_char(text: String) -> char {
    text.chars().next().unwrap_or('a')
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_query_is_named_and_found() {
        for name in [
            "schemas",
            "extensions",
            "enums",
            "sequences",
            "tables",
            "columns",
            "constraints",
            "indexes",
            "views",
            "view_dependencies",
            "functions",
            "triggers",
            "collations",
            "policies",
            "grants",
            "comments",
            "other_types",
            "column_grants",
        ] {
            let code = super::query(name)
                .lines()
                .skip_while(|l| l.starts_with("--"))
                .collect::<String>();
            assert!(code.starts_with("SELECT"), "{name}");
        }
        assert_eq!(super::QUERIES.len(), 18);
    }
}
