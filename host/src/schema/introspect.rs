//! Reads a database's schema from the catalogs into a [`Schema`]: one
//! query per object kind (see `queries.sql`), whatever the number of tables,
//! all sent at once.

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

/// The queries, in the order [`introspect`] takes their rows apart.
const NAMES: [&str; 22] = [
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
    "dependencies",
    "domains",
    "composite_types",
    "range_types",
    "column_grants",
];

/// Column names by (relation, column number), for the constraints' and
/// indexes' column numbers.
type ColumnNames = HashMap<(Oid, i16), String>;

/// The names of `numbers`' columns of `relation`, in order. A number with no
/// column (0, an index expression's place) is left out.
fn named(names: &ColumnNames, relation: Oid, numbers: Option<Vec<i16>>) -> Vec<String> {
    numbers
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| names.get(&(relation, n)).cloned())
        .collect()
}

/// Introspects every user schema of the database `client` is connected to.
pub async fn introspect(client: &Client) -> anyhow::Result<Schema> {
    // Sent together, the queries run back to back on the server while the
    // rows of the earlier ones are decoded here (tokio-postgres pipelines
    // requests polled at the same time).
    let results = futures_util::future::try_join_all(NAMES.map(|name| run(client, name))).await?;
    let [
        schemas,
        extensions,
        enums,
        sequences,
        tables,
        columns,
        constraints,
        indexes,
        views,
        view_dependencies,
        functions,
        triggers,
        collations,
        policies,
        grants,
        comments,
        other_types,
        dependencies,
        domains,
        composite_types,
        range_types,
        column_grants,
    ]: [Vec<tokio_postgres::Row>; 22] = results.try_into().expect("one result per query");
    let mut schema = Schema {
        schemas: schemas.iter().map(|r| r.get(0)).collect(),
        ..Schema::default()
    };
    schema.extensions = extensions
        .iter()
        .map(|r| Extension {
            name: r.get(0),
            schema: r.get(1),
            version: r.get(2),
        })
        .collect();
    schema.enums = enums
        .iter()
        .map(|r| EnumType {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            values: r.get(2),
        })
        .collect();
    let mut tables: Vec<(Oid, Table)> = tables
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
                options: r.get(11),
                replica_identity: match r.get::<_, String>(12).as_str() {
                    "f" => ReplicaIdentity::Full,
                    "n" => ReplicaIdentity::Nothing,
                    // An index that is gone leaves `i` with none (Postgres then acts as with `nothing`).
                    "i" => r
                        .get::<_, Option<String>>(13)
                        .map_or(ReplicaIdentity::Nothing, ReplicaIdentity::UsingIndex),
                    _ => ReplicaIdentity::Default,
                },
                columns: Vec::new(),
                constraints: Vec::new(),
            };
            (r.get(0), table)
        })
        .collect();
    let by_oid: HashMap<Oid, usize> = tables.iter().enumerate().map(|(i, (oid, _))| (*oid, i)).collect();

    // In column order (sorted here: the server would sort the wide rows).
    let mut columns = columns;
    columns.sort_by_cached_key(|r| (r.get::<_, Oid>(0), r.get::<_, i16>(1)));
    let mut names = ColumnNames::with_capacity(columns.len());
    for r in &columns {
        let (relation, name): (Oid, String) = (r.get(0), r.get(2));
        names.insert((relation, r.get(1)), name);
        // Views', materialized views' and foreign tables' columns are only named.
        if !r.get::<_, bool>(16) {
            continue;
        }
        let Some(&i) = by_oid.get(&relation) else {
            continue;
        };
        let (type_name, type_schema): (String, String) = (r.get(5), r.get(6));
        let identity = match r.get::<_, Option<String>>(11).as_deref() {
            Some("a") => Some(Identity::Always),
            Some("d") => Some(Identity::ByDefault),
            _ => None,
        };
        let collation = match (r.get::<_, Option<String>>(13), r.get::<_, Option<String>>(14)) {
            (Some(s), Some(n)) => Some(Name::new(s, n)),
            _ => None,
        };
        tables[i].1.columns.push(Column {
            name: r.get(2),
            type_sql: r.get(3),
            data_type: types::data_type(&type_name, &type_schema, r.get(4), r.get(7)),
            nullable: r.get(9),
            default: r.get(10),
            identity,
            generated: r.get(12),
            collation,
            local: r.get(15),
            owned_sequence: None,
        });
    }
    schema.column_grants = column_grants
        .iter()
        .map(|r| ColumnGrant {
            on: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            column: r.get(2),
            grantee: r.get(3),
            privilege: r.get(4),
            grant_option: r.get(5),
        })
        .collect();
    schema.column_grants.sort();
    schema.sequences = sequences
        .iter()
        .map(|r| {
            // The owning column, named from the tables and columns read
            // above (a sequence of a table not read here, one an extension
            // owns, counts as free-standing).
            let owned_by = match (r.get::<_, Option<Oid>>(9), r.get::<_, Option<i16>>(10)) {
                (Some(table), Some(column)) => by_oid
                    .get(&table)
                    .zip(names.get(&(table, column)))
                    .map(|(&i, column)| (tables[i].1.name.clone(), column.clone())),
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
                owned_by,
                identity: r.get::<_, Option<String>>(11).as_deref() == Some("i"),
            }
        })
        .collect();

    for r in &constraints {
        let relation: Oid = r.get(0);
        let Some(&i) = by_oid.get(&relation) else {
            continue;
        };
        let columns = named(&names, relation, r.get(6));
        let kind = match r.get::<_, String>(2).as_str() {
            "p" => ConstraintKind::PrimaryKey { columns },
            "u" => ConstraintKind::Unique { columns },
            "f" => ConstraintKind::ForeignKey {
                columns,
                references: Name::new(
                    r.get::<_, Option<String>>(7).unwrap_or_default(),
                    r.get::<_, Option<String>>(8).unwrap_or_default(),
                ),
                referenced_columns: named(&names, r.get(9), r.get(10)),
                on_delete: first_char(r.get(11)),
                on_update: first_char(r.get(12)),
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
            local: r.get(13),
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

    schema.indexes = indexes
        .iter()
        .map(|r| {
            // An index lives in its table's schema.
            let table = Name::new(r.get::<_, String>(0), r.get::<_, String>(2));
            let has_expressions: bool = r.get(7);
            // INCLUDE, sort options, operator classes, collations, NULLS NOT
            // DISTINCT, storage parameters: only the definition says them.
            let has_options: bool = r.get(10);
            Index {
                name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                table,
                definition: r.get(3),
                unique: r.get(4),
                method: r.get(5),
                predicate: r.get(6),
                simple_columns: (!has_expressions && !has_options).then(|| named(&names, r.get(8), r.get(9))),
                parent: r
                    .get::<_, Option<Vec<String>>>(11)
                    .map(|parent| Name::new(parent[0].clone(), parent[1].clone())),
            }
        })
        .collect();

    schema.views = views
        .iter()
        .map(|r| View {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            materialized: r.get(2),
            definition: r.get(3),
            options: r.get(4),
            depends_on: Vec::new(),
        })
        .collect();
    for r in &view_dependencies {
        let view = Name::new(r.get::<_, String>(0), r.get::<_, String>(1));
        if let Some(v) = schema.views.iter_mut().find(|v| v.name == view) {
            v.depends_on
                .push(Name::new(r.get::<_, String>(2), r.get::<_, String>(3)));
        }
    }
    schema.functions = functions
        .iter()
        .map(|r| Function {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            identity_arguments: r.get(2),
            procedure: r.get::<_, String>(3) == "p",
            definition: r.get(4),
            arguments: r.get(5),
            result: r.get(6),
            input_types: r.get(7),
        })
        .collect();
    schema.triggers = triggers
        .iter()
        .map(|r| Trigger {
            table: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            name: r.get(2),
            definition: r.get(3),
        })
        .collect();
    schema.collations = collations
        .iter()
        .map(|r| Collation {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            provider: r.get(2),
            locale: r.get(3),
            lc_ctype: r.get(4),
            deterministic: r.get(5),
        })
        .collect();
    schema.policies = policies
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
    schema.grants = grants
        .iter()
        .map(|r| Grant {
            on: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            grantee: r.get(2),
            privilege: r.get(3),
            grant_option: r.get(4),
        })
        .collect();
    schema.comments = comments
        .iter()
        .map(|r| Comment {
            kind: r.get(0),
            object: Name::new(r.get::<_, String>(1), r.get::<_, String>(2)),
            member: r.get(3),
            text: r.get(4),
        })
        .collect();
    schema.other_types = other_types
        .iter()
        .map(|r| (Name::new(r.get::<_, String>(0), r.get::<_, String>(1)), r.get(2)))
        .collect();
    schema.domains = domains
        .iter()
        .map(|r| {
            let (names, checks): (Vec<String>, Vec<String>) = (r.get(5), r.get(6));
            Domain {
                name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                head: r.get(2),
                default: r.get(3),
                not_null: r.get(4),
                checks: names.into_iter().zip(checks).collect(),
                definition: r.get(7),
            }
        })
        .collect();
    for r in &composite_types {
        let name = Name::new(r.get::<_, String>(0), r.get::<_, String>(1));
        if schema.composite_types.last().is_none_or(|t| t.name != name) {
            schema.composite_types.push(CompositeType {
                name,
                attributes: Vec::new(),
                definition: r.get(10),
            });
        }
        let Some(attribute) = r.get::<_, Option<String>>(2) else {
            continue; // a type without attributes
        };
        let (type_name, type_schema): (String, String) = (r.get(5), r.get(6));
        let collation = match (r.get::<_, Option<String>>(8), r.get::<_, Option<String>>(9)) {
            (Some(s), Some(n)) => Some(Name::new(s, n)),
            _ => None,
        };
        if let Some(t) = schema.composite_types.last_mut() {
            t.attributes.push(Attribute {
                name: attribute,
                type_sql: r.get(3),
                data_type: types::data_type(&type_name, &type_schema, r.get(4), r.get(7)),
                collation,
            });
        }
    }
    schema.range_types = range_types
        .iter()
        .map(|r| RangeType {
            name: Name::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            definition: r.get(2),
        })
        .collect();
    let object = |r: &tokio_postgres::Row, at: usize| {
        let kind: String = r.get(at);
        let name = || Name::new(r.get::<_, String>(at + 1), r.get::<_, String>(at + 2));
        let member = || r.get::<_, Option<String>>(at + 3).unwrap_or_default();
        Ok(match kind.as_str() {
            "schema" => Object::Schema(r.get(at + 2)),
            "extension" => Object::Extension(r.get(at + 2)),
            "type" => Object::Type(name()),
            "collation" => Object::Collation(name()),
            "sequence" => Object::Sequence(name()),
            "relation" => Object::Relation(name()),
            "column" => Object::Column(name(), member()),
            "default" => Object::Default(name(), member()),
            "constraint" => Object::Constraint(name(), member()),
            "index" => Object::Index(name()),
            "function" => Object::Function(name()),
            "trigger" => Object::Trigger(name(), member()),
            "policy" => Object::Policy(name(), member()),
            other => return Err(anyhow!("unexpected kind of object {other:?} in the dependencies")),
        })
    };
    schema.dependencies = dependencies
        .iter()
        .map(|r| {
            Ok(Dependency {
                dependent: object(r, 0)?,
                referenced: object(r, 4)?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    // Overloads and several rows of one pair are one dependency.
    schema.dependencies.sort();
    schema.dependencies.dedup();
    Ok(schema)
}

fn first_char(text: String) -> char {
    text.chars().next().unwrap_or('a')
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_query_is_named_and_found() {
        for name in super::NAMES {
            let code = super::query(name)
                .lines()
                .skip_while(|l| l.starts_with("--"))
                .collect::<String>();
            assert!(code.starts_with("SELECT") || code.starts_with("WITH"), "{name}");
        }
        assert_eq!(super::QUERIES.len(), 22);
    }
}
