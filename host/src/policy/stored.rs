//! The last check of a sandboxed migration, made on its own connection just
//! before it commits: what its granted schemas now *store*, read back from
//! the catalog, whatever path put it there (a typed action, the
//! `constraint::sql` escape hatch, raw `execute`).
//!
//! Code stored in a schema runs later as whoever touches the object: a
//! default or a check as the app that writes the table, a function called
//! in a view as the app that reads it. So every function call Postgres
//! recorded in a stored expression (defaults, generated columns, checks,
//! domain checks and defaults, view and rule queries, index expressions and
//! predicates, policies, partition bounds and keys, trigger conditions and
//! functions) is held to the stored-expression allow-list, and no object in
//! the granted schemas may depend on anything outside them (built-ins
//! aside): a vendor view over the app's table would pin it, and a vendor
//! default naming an app function or sequence would run it as the app.
//!
//! The calls are read from the stored node trees (`pg_node_tree`), not from
//! deparsed text: every call is a `FUNCEXPR` with its function's OID, so no
//! spelling hides one.

use super::Capability;
use super::Grant;
use crate::actions::{ActionError, guard};
use tokio_postgres::Client;

/// The granted schemas, their relations, and every stored expression in
/// them as (what stores it, its node tree as text).
const TREES: &str = r#"
granted AS (
    SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[])
), rels AS (
    SELECT oid FROM pg_catalog.pg_class WHERE relnamespace IN (SELECT oid FROM granted)
), trees(obj, tree) AS (
    SELECT pg_catalog.format('%s of %s.%s',
               CASE WHEN a.attgenerated <> '' THEN 'the generation expression' ELSE 'the default' END,
               d.adrelid::pg_catalog.regclass, pg_catalog.quote_ident(a.attname)),
           d.adbin::pg_catalog.text
      FROM pg_catalog.pg_attrdef d
      JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
     WHERE d.adrelid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT pg_catalog.format('constraint %s on %s', pg_catalog.quote_ident(c.conname),
               CASE WHEN c.conrelid <> 0 THEN c.conrelid::pg_catalog.regclass::pg_catalog.text
                    ELSE 'domain ' || c.contypid::pg_catalog.regtype::pg_catalog.text END),
           c.conbin::pg_catalog.text
      FROM pg_catalog.pg_constraint c
     WHERE c.conbin IS NOT NULL
       AND (c.connamespace IN (SELECT oid FROM granted) OR c.conrelid IN (SELECT oid FROM rels))
    UNION ALL
    SELECT pg_catalog.format('the default of domain %s', t.oid::pg_catalog.regtype), t.typdefaultbin::pg_catalog.text
      FROM pg_catalog.pg_type t
     WHERE t.typnamespace IN (SELECT oid FROM granted) AND t.typdefaultbin IS NOT NULL
    UNION ALL
    SELECT CASE WHEN r.rulename = '_RETURN' AND c.relkind = 'm' THEN 'materialized view ' || c.oid::pg_catalog.regclass::pg_catalog.text
                WHEN r.rulename = '_RETURN' THEN 'view ' || c.oid::pg_catalog.regclass::pg_catalog.text
                ELSE pg_catalog.format('rule %s on %s', pg_catalog.quote_ident(r.rulename), c.oid::pg_catalog.regclass) END,
           pg_catalog.concat(r.ev_qual::pg_catalog.text, ' ', r.ev_action::pg_catalog.text)
      FROM pg_catalog.pg_rewrite r
      JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
     WHERE r.ev_class IN (SELECT oid FROM rels)
    UNION ALL
    SELECT 'index ' || i.indexrelid::pg_catalog.regclass::pg_catalog.text,
           pg_catalog.concat(i.indexprs::pg_catalog.text, ' ', i.indpred::pg_catalog.text)
      FROM pg_catalog.pg_index i
     WHERE i.indrelid IN (SELECT oid FROM rels) AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
    UNION ALL
    SELECT pg_catalog.format('policy %s on %s', pg_catalog.quote_ident(p.polname), p.polrelid::pg_catalog.regclass),
           pg_catalog.concat(p.polqual::pg_catalog.text, ' ', p.polwithcheck::pg_catalog.text)
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid IN (SELECT oid FROM rels)
    UNION ALL
    SELECT 'the partition bound of ' || c.oid::pg_catalog.regclass::pg_catalog.text, c.relpartbound::pg_catalog.text
      FROM pg_catalog.pg_class c
     WHERE c.oid IN (SELECT oid FROM rels) AND c.relpartbound IS NOT NULL
    UNION ALL
    SELECT 'the partition key of ' || p.partrelid::pg_catalog.regclass::pg_catalog.text, p.partexprs::pg_catalog.text
      FROM pg_catalog.pg_partitioned_table p
     WHERE p.partrelid IN (SELECT oid FROM rels) AND p.partexprs IS NOT NULL
    UNION ALL
    SELECT pg_catalog.format('trigger %s on %s', pg_catalog.quote_ident(t.tgname), t.tgrelid::pg_catalog.regclass),
           t.tgqual::pg_catalog.text
      FROM pg_catalog.pg_trigger t
     WHERE t.tgrelid IN (SELECT oid FROM rels) AND NOT t.tgisinternal AND t.tgqual IS NOT NULL
    UNION ALL
    SELECT 'statistics ' || pg_catalog.quote_ident(s.stxname), s.stxexprs::pg_catalog.text
      FROM pg_catalog.pg_statistic_ext s
     WHERE s.stxnamespace IN (SELECT oid FROM granted) AND s.stxexprs IS NOT NULL
)
"#;

/// Every function call stored in the granted schemas: what stores it, the
/// function's schema and name, whether it is a cast's function, and `how`
/// (`call`, `trigger`, or `dynamic-sequence` for a `nextval` whose sequence
/// is computed at run time, which `pg_depend` cannot see).
const STORED_CALLS: &str = r#"
, nextval AS (
    SELECT 'pg_catalog.nextval(pg_catalog.regclass)'::pg_catalog.regprocedure::pg_catalog.oid AS fn
), calls(obj, fn, how) AS (
    SELECT t.obj, m[1]::pg_catalog.oid, 'call'
      FROM trees t, pg_catalog.regexp_matches(t.tree, '\{FUNCEXPR :funcid (\d+) ', 'g') m
    UNION ALL
    SELECT pg_catalog.format('trigger %s on %s', pg_catalog.quote_ident(t.tgname), t.tgrelid::pg_catalog.regclass),
           t.tgfoid, 'trigger'
      FROM pg_catalog.pg_trigger t
     WHERE t.tgrelid IN (SELECT oid FROM rels) AND NOT t.tgisinternal
    UNION ALL
    -- A nextval whose argument is not a regclass constant: its sequence is
    -- looked up by name when it runs, so no dependency records it.
    SELECT t.obj, n.fn, 'dynamic-sequence'
      FROM trees t, nextval n
     WHERE (SELECT pg_catalog.count(*) FROM pg_catalog.regexp_matches(t.tree, '\{FUNCEXPR :funcid ' || n.fn || ' ', 'g'))
        <> (SELECT pg_catalog.count(*) FROM pg_catalog.regexp_matches(t.tree,
               '\{FUNCEXPR :funcid ' || n.fn || ' [^{}()]*:args \(\{CONST :consttype 2205 ', 'g'))
)
SELECT DISTINCT c.obj, ns.nspname::pg_catalog.text, p.proname::pg_catalog.text, c.how,
       EXISTS (SELECT 1 FROM pg_catalog.pg_cast k WHERE k.castfunc = p.oid)
  FROM calls c
  JOIN pg_catalog.pg_proc p ON p.oid = c.fn
  JOIN pg_catalog.pg_namespace ns ON ns.oid = p.pronamespace
 ORDER BY 1, 2, 3, 4
"#;

/// Every relation outside the granted schemas with rewrite rules (other than
/// a view's own) that a stored query or expression reads: a vendor view
/// over `pg_settings` turns an `UPDATE` into `set_config`. (Built-in
/// relations have no `pg_depend` rows, so the dependency check cannot see
/// them.)
const RULED_RELATIONS: &str = r#"
SELECT DISTINCT t.obj, c.oid::pg_catalog.regclass::pg_catalog.text
  FROM trees t, pg_catalog.regexp_matches(t.tree, ':relid (\d+)', 'g') m
  JOIN pg_catalog.pg_class c ON c.oid = m[1]::pg_catalog.oid
 WHERE c.oid NOT IN (SELECT oid FROM rels)
   AND EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w WHERE w.ev_class = c.oid AND w.rulename <> '_RETURN')
 ORDER BY 1, 2
"#;

/// Every trigger of the granted schemas that may be deferred to `COMMIT`:
/// it would run after this check (and after the host's watch), so whatever
/// it does there would never be judged.
const DEFERRED_TRIGGERS: &str = r#"
SELECT pg_catalog.format('trigger %s on %s', pg_catalog.quote_ident(t.tgname), t.tgrelid::pg_catalog.regclass)
  FROM pg_catalog.pg_trigger t
 WHERE t.tgrelid IN (SELECT oid FROM rels) AND NOT t.tgisinternal AND t.tgdeferrable
 ORDER BY 1
"#;

/// Every dependency of an object in the granted schemas on an object
/// outside them that is not built in (OIDs below 16384 are initdb's).
const OUTSIDE_DEPENDENCIES: &str = r#"
, mine(classid, objid) AS (
    SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, oid FROM granted
    UNION ALL SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, oid FROM rels
    UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, oid FROM pg_catalog.pg_type
               WHERE typnamespace IN (SELECT oid FROM granted)
    UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, oid FROM pg_catalog.pg_proc
               WHERE pronamespace IN (SELECT oid FROM granted)
    UNION ALL SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, oid FROM pg_catalog.pg_attrdef
               WHERE adrelid IN (SELECT oid FROM rels)
    UNION ALL SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, oid FROM pg_catalog.pg_constraint
               WHERE connamespace IN (SELECT oid FROM granted) OR conrelid IN (SELECT oid FROM rels)
    UNION ALL SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass, oid FROM pg_catalog.pg_rewrite
               WHERE ev_class IN (SELECT oid FROM rels)
    UNION ALL SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, oid FROM pg_catalog.pg_trigger
               WHERE tgrelid IN (SELECT oid FROM rels)
    UNION ALL SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, oid FROM pg_catalog.pg_policy
               WHERE polrelid IN (SELECT oid FROM rels)
    UNION ALL SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, oid FROM pg_catalog.pg_collation
               WHERE collnamespace IN (SELECT oid FROM granted)
    UNION ALL SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass, oid FROM pg_catalog.pg_extension
               WHERE extnamespace IN (SELECT oid FROM granted)
    UNION ALL SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, oid FROM pg_catalog.pg_statistic_ext
               WHERE stxnamespace IN (SELECT oid FROM granted)
)
SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid),
       pg_catalog.pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
  FROM pg_catalog.pg_depend d
  JOIN mine m ON m.classid = d.classid AND m.objid = d.objid
 WHERE d.refobjid >= 16384
   AND NOT EXISTS (SELECT 1 FROM mine r WHERE r.classid = d.refclassid AND r.objid = d.refobjid)
 ORDER BY 1, 2
"#;

/// One function call stored in the granted schemas.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCall {
    /// What stores it (`the default of auth.users.email`).
    pub object: String,
    pub schema: String,
    pub function: String,
    pub how: CallKind,
    /// The function is a cast's (`int4(numeric)`): a value conversion.
    pub cast: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// A call in an expression.
    Call,
    /// The function a trigger runs.
    Trigger,
    /// `nextval` of a sequence computed when it runs.
    DynamicSequence,
}

/// Trigger functions Postgres ships that only touch the row they are given.
const TRIGGER_FUNCTIONS: &[&str] = &[
    "suppress_redundant_updates_trigger",
    "tsvector_update_trigger",
    "tsvector_update_trigger_column",
];

/// Reads back what the granted schemas store and checks it (see the module
/// doc). Run on the migration's own connection, inside its transaction.
pub async fn check(client: &Client, grant: &Grant) -> Result<(), ActionError> {
    let database = |e: tokio_postgres::Error| ActionError::Database {
        message: format!(
            "reading back what the migration stored: {}",
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_owned())
        ),
        sqlstate: e.code().map(|c| c.code().to_owned()),
    };
    // Nothing the migration defined may stand in for a built-in while the
    // check runs (every name below is qualified too).
    client
        .batch_execute("SET LOCAL search_path = pg_catalog, pg_temp")
        .await
        .map_err(database)?;
    let schemas = &grant.schemas;
    let (calls_sql, ruled_sql, dependencies_sql, deferred_sql) = (
        format!("WITH {TREES}{STORED_CALLS}"),
        format!("WITH {TREES}{RULED_RELATIONS}"),
        format!("WITH {TREES}{OUTSIDE_DEPENDENCIES}"),
        format!("WITH {TREES}{DEFERRED_TRIGGERS}"),
    );
    let (calls, ruled, dependencies, deferred) = futures_util::future::try_join4(
        client.query(&calls_sql, &[schemas]),
        client.query(&ruled_sql, &[schemas]),
        client.query(&dependencies_sql, &[schemas]),
        client.query(&deferred_sql, &[schemas]),
    )
    .await
    .map_err(database)?;
    if let Some(row) = deferred.first() {
        return Err(ActionError::NotPermitted(format!(
            "{} is deferrable: a trigger deferred to COMMIT would run after the host's checks of the migration; \
             make it NOT DEFERRABLE; the migration was rolled back",
            row.get::<_, String>(0)
        )));
    }
    let calls: Vec<StoredCall> = calls
        .iter()
        .map(|row| StoredCall {
            object: row.get(0),
            schema: row.get(1),
            function: row.get(2),
            how: match row.get::<_, &str>(3) {
                "trigger" => CallKind::Trigger,
                "dynamic-sequence" => CallKind::DynamicSequence,
                _ => CallKind::Call,
            },
            cast: row.get(4),
        })
        .collect();
    let pairs = |rows: Vec<tokio_postgres::Row>| -> Vec<(String, String)> {
        rows.iter().map(|row| (row.get(0), row.get(1))).collect()
    };
    judge(&calls, &pairs(ruled), &pairs(dependencies), grant)
}

/// The verdict on what was read back: the first call, ruled relation or
/// dependency that is not allowed, as an error naming the object and it.
pub fn judge(
    calls: &[StoredCall],
    ruled: &[(String, String)],
    dependencies: &[(String, String)],
    grant: &Grant,
) -> Result<(), ActionError> {
    let refuse = |why: String| {
        Err(ActionError::NotPermitted(format!(
            "{why}; the migration was rolled back"
        )))
    };
    let functions = grant.capabilities.contains(&Capability::Functions);
    let own_code = |schema: &str| functions && grant.schemas.iter().any(|s| s == schema);
    let allowed = if functions {
        "built-ins that compute a value, and functions of its own schemas"
    } else {
        "built-ins that compute a value"
    };
    for call in calls {
        let full = format!("{}.{}()", call.schema, call.function);
        let builtin = call.schema == "pg_catalog";
        let ok = match call.how {
            CallKind::DynamicSequence => {
                return refuse(format!(
                    "{} calls nextval() on a sequence named only when it runs, which may be another schema's: \
                     name the sequence as a constant (nextval('schema.sequence'))",
                    call.object
                ));
            }
            CallKind::Trigger => {
                (builtin && TRIGGER_FUNCTIONS.contains(&call.function.as_str())) || own_code(&call.schema)
            }
            CallKind::Call => {
                (builtin && (call.cast || guard::stored_function_allowed(&call.function))) || own_code(&call.schema)
            }
        };
        if !ok {
            return refuse(format!(
                "{} calls {full}: code a sandboxed migration stores runs later with the rights of whoever uses \
                 the object (the app), so it may call only {allowed}",
                call.object
            ));
        }
    }
    if let Some((object, relation)) = ruled.first() {
        return refuse(format!(
            "{object} reads {relation}, whose rules run code (an UPDATE of pg_settings calls set_config): a \
             sandboxed migration's stored queries may not read it"
        ));
    }
    if let Some((object, on)) = dependencies.first() {
        return refuse(format!(
            "{object} depends on {on}, outside this source's schemas ({}): a sandboxed object may depend only on \
             its own schemas and on what Postgres has built in (it would pin the app's objects, or run them as \
             the app)",
            grant.schemas.join(", ")
        ));
    }
    Ok(())
}
