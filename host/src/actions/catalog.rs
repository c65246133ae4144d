//! The catalog reads that some actions need before their SQL can be written.

use super::ActionError;
use super::ident::{ident, qualified};
use crate::model::QualifiedName;
use tokio_postgres::Client;

fn db_error(e: tokio_postgres::Error) -> ActionError {
    let sqlstate = e.code().map(|c| c.code().to_owned());
    let message = e
        .as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_owned());
    ActionError::Database { message, sqlstate }
}

/// Whether `schema.table.column` is an array column.
pub async fn column_is_array(
    client: &Client,
    table: &QualifiedName,
    column: &str,
    default_schema: &str,
) -> Result<bool, ActionError> {
    let schema = table.schema.as_deref().unwrap_or(default_schema);
    let row = client
        .query_opt(
            "SELECT t.typcategory = 'A' FROM pg_attribute a \
             JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_type t ON t.oid = a.atttypid \
             WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped",
            &[&schema, &table.name, &column],
        )
        .await
        .map_err(db_error)?;
    match row {
        Some(row) => Ok(row.get(0)),
        None => Err(ActionError::Database {
            message: format!(
                "column \"{column}\" of relation \"{schema}\".\"{}\" does not exist",
                table.name
            ),
            sqlstate: Some("42703".into()),
        }),
    }
}

/// A column's identity kind, if it is an identity column.
pub async fn column_identity(
    client: &Client,
    table: &QualifiedName,
    column: &str,
    default_schema: &str,
) -> Result<Option<crate::model::IdentityKind>, ActionError> {
    let schema = table.schema.as_deref().unwrap_or(default_schema);
    let row = client
        .query_opt(
            "SELECT a.attidentity::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped",
            &[&schema, &table.name, &column],
        )
        .await
        .map_err(db_error)?;
    match row.map(|r| r.get::<_, String>(0)) {
        Some(kind) if kind == "a" => Ok(Some(crate::model::IdentityKind::Always)),
        Some(kind) if kind == "d" => Ok(Some(crate::model::IdentityKind::ByDefault)),
        Some(_) => Ok(None),
        None => Err(ActionError::Database {
            message: format!(
                "column \"{column}\" of relation \"{schema}\".\"{}\" does not exist",
                table.name
            ),
            sqlstate: Some("42703".into()),
        }),
    }
}

/// A column that uses an enum, directly or as an array.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumUsage {
    pub schema: String,
    pub table: String,
    pub column: String,
    pub is_array: bool,
    /// The column's default, as Postgres prints it (`'draft'::post_status`).
    pub default: Option<String>,
    /// How many rows hold each value being removed (only values with rows).
    pub rows_holding: Vec<(String, i64)>,
}

/// A constraint or index whose definition names the enum (a constant such
/// as `'draft'::post_status`): it must be dropped while the type is swapped
/// and re-created from its definition afterwards.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDependent {
    pub drop_sql: String,
    pub create_sql: String,
}

/// What removing values from an enum depends on.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumFacts {
    pub oid: u32,
    /// The enum's values in their order.
    pub values: Vec<String>,
    pub usages: Vec<EnumUsage>,
    pub dependents: Vec<EnumDependent>,
}

pub async fn enum_facts(
    client: &Client,
    name: &QualifiedName,
    removing: &[String],
    default_schema: &str,
) -> Result<EnumFacts, ActionError> {
    let schema = name.schema.as_deref().unwrap_or(default_schema);
    let labels = client
        .query(
            "SELECT t.oid, e.enumlabel FROM pg_type t \
             JOIN pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_enum e ON e.enumtypid = t.oid \
             WHERE n.nspname = $1 AND t.typname = $2 ORDER BY e.enumsortorder",
            &[&schema, &name.name],
        )
        .await
        .map_err(db_error)?;
    let Some(first) = labels.first() else {
        return Err(ActionError::Database {
            message: format!("enum type \"{schema}\".\"{}\" does not exist", name.name),
            sqlstate: Some("42704".into()),
        });
    };
    let oid: u32 = first.get(0);
    let values = labels.iter().map(|r| r.get::<_, String>(1)).collect();
    let columns = client
        .query(
            "SELECT n.nspname, c.relname, a.attname, a.atttypid = t.typarray, pg_get_expr(d.adbin, d.adrelid) \
             FROM pg_type t \
             JOIN pg_attribute a ON a.atttypid IN (t.oid, t.typarray) \
             JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE t.oid = $1 AND a.attnum > 0 AND NOT a.attisdropped \
               AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
             ORDER BY 1, 2, 3",
            &[&oid],
        )
        .await
        .map_err(db_error)?;
    let mut usages = Vec::with_capacity(columns.len());
    for row in columns {
        let (schema, table, column, is_array): (String, String, String, bool) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let table_sql = qualified(&QualifiedName::qualified(&schema, &table), default_schema, "table")?;
        let col = ident(&column, "column")?;
        // The alias is qualified and unusual: the table may well have a
        // column (or be) called `v` or `value`.
        let condition = if is_array {
            format!("{col}::text[] @> ARRAY[_migrate_host_removing.value]")
        } else {
            format!("{col}::text = _migrate_host_removing.value")
        };
        let holding = client
            .query(
                &format!(
                    "SELECT _migrate_host_removing.value, (SELECT count(*) FROM {table_sql} WHERE {condition}) \
                     FROM unnest($1::text[]) AS _migrate_host_removing(value)"
                ),
                &[&removing],
            )
            .await
            .map_err(db_error)?;
        let rows_holding = holding
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
            .filter(|(_, n)| *n > 0)
            .collect();
        usages.push(EnumUsage {
            schema,
            table,
            column,
            is_array,
            default: row.get(4),
            rows_holding,
        });
    }
    // Printed now, while the names in them still mean the current type;
    // re-created, the same text then names the new type.
    let dependents = client
        .query(
            "SELECT n.nspname, c.relname, con.conname, NULL::text, pg_get_constraintdef(con.oid) \
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE con.contype = 'c' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_constraint'::regclass \
                   AND d.objid = con.oid AND d.refclassid = 'pg_type'::regclass AND d.refobjid = $1) \
             UNION ALL \
             SELECT n.nspname, NULL, NULL, ic.relname, pg_get_indexdef(ic.oid) \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace \
             WHERE EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = ic.oid \
                   AND d.refclassid = 'pg_type'::regclass AND d.refobjid = $1) \
             ORDER BY 1, 2, 3, 4",
            &[&oid],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| -> Result<EnumDependent, ActionError> {
            let schema: String = r.get(0);
            let definition: String = r.get(4);
            Ok(match (r.get::<_, Option<String>>(1), r.get::<_, Option<String>>(2), r.get::<_, Option<String>>(3)) {
                (Some(table), Some(constraint), _) => {
                    let table = qualified(&QualifiedName::qualified(&schema, &table), default_schema, "table")?;
                    let constraint = ident(&constraint, "constraint")?;
                    EnumDependent {
                        drop_sql: format!("ALTER TABLE {table} DROP CONSTRAINT {constraint}"),
                        create_sql: format!("ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition}"),
                    }
                }
                (_, _, Some(index)) => EnumDependent {
                    drop_sql: format!(
                        "DROP INDEX {}",
                        qualified(&QualifiedName::qualified(&schema, &index), default_schema, "index")?
                    ),
                    create_sql: definition,
                },
                _ => unreachable!("each branch of the query fills one kind"),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(EnumFacts {
        oid,
        values,
        usages,
        dependents,
    })
}

/// A column's type as `format_type` prints it (`character varying(40)`).
pub async fn column_type(
    client: &Client,
    table: &QualifiedName,
    column: &str,
    default_schema: &str,
) -> Result<String, ActionError> {
    let schema = table.schema.as_deref().unwrap_or(default_schema);
    let row = client
        .query_opt(
            "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped",
            &[&schema, &table.name, &column],
        )
        .await
        .map_err(db_error)?;
    row.map(|r| r.get(0)).ok_or_else(|| ActionError::Database {
        message: format!(
            "column \"{column}\" of relation \"{schema}\".\"{}\" does not exist",
            table.name
        ),
        sqlstate: Some("42703".into()),
    })
}

/// Where an index stands towards a partitioned table's index `parent`.
#[derive(Debug, PartialEq)]
pub enum PartitionIndex {
    /// It is one of `parent`'s partitions already.
    Attached,
    /// It exists and is not.
    Unattached,
    /// It does not exist, and the partition's index of `parent` is this one
    /// (Postgres made it when the partition was created or attached).
    Named(String),
}

/// How `index` (on `partition`) stands towards `parent`'s partitions.
pub async fn partition_index(
    client: &Client,
    parent: &QualifiedName,
    index: &QualifiedName,
    partition: &QualifiedName,
    default_schema: &str,
) -> Result<PartitionIndex, ActionError> {
    let text = |n: &QualifiedName| -> Result<String, ActionError> { qualified(n, default_schema, "index") };
    let (parent_sql, index_sql, partition_sql) = (
        text(parent)?,
        text(index)?,
        qualified(partition, default_schema, "table")?,
    );
    let row = client
        .query_one(
            "SELECT to_regclass($2) IS NOT NULL,                     EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($2) AND inhparent = to_regclass($1)),                     (SELECT c.relname::text FROM pg_inherits h JOIN pg_index x ON x.indexrelid = h.inhrelid                        JOIN pg_class c ON c.oid = h.inhrelid                       WHERE h.inhparent = to_regclass($1) AND x.indrelid = to_regclass($3))",
            &[&parent_sql, &index_sql, &partition_sql],
        )
        .await
        .map_err(db_error)?;
    let (exists, attached, made): (bool, bool, Option<String>) = (row.get(0), row.get(1), row.get(2));
    match (exists, attached, made) {
        (true, true, _) => Ok(PartitionIndex::Attached),
        (true, false, _) => Ok(PartitionIndex::Unattached),
        (false, _, Some(made)) => Ok(PartitionIndex::Named(made)),
        (false, _, None) => Err(ActionError::Database {
            message: format!("index {index_sql} does not exist, and {partition_sql} has no index of {parent_sql}"),
            sqlstate: Some("42704".into()),
        }),
    }
}
