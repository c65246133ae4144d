-- Catalog queries for introspection, one per object kind, each over every
-- user schema at once (set-based: the number of queries does not grow with
-- the number of tables). `schema/introspect.rs` runs them by name.
--
-- "User" objects: not in pg_catalog, information_schema, pg_toast or a temp
-- schema, not owned by an extension (pg_depend deptype 'e'), and not the
-- engine's own migration_info and migration_steps (in `public`, or in a
-- tenant's schema when the database holds a schema per tenant).
--
-- They run all at once on one connection (pipelined), and their cost is
-- Postgres's, so they avoid per-row subqueries: column numbers come back as
-- arrays and `introspect.rs` names them from the columns query's rows, and
-- nothing is sorted here that Rust sorts anyway. Functions that open a
-- relation to deparse (pg_get_indexdef, pg_get_expr with a relation) build
-- its relcache entry, which costs a fresh connection about 15 µs a table;
-- a column default cannot refer to a column, so it is deparsed without one.

-- name: schemas
SELECT n.nspname
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
ORDER BY 1;

-- name: extensions
SELECT e.extname, n.nspname, e.extversion
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
ORDER BY 1;

-- name: enums
SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
GROUP BY 1, 2
ORDER BY 1, 2;

-- name: sequences
-- The owning table and column come back as numbers (named from the tables
-- and columns queries); the engine's own migration_info's is left out.
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
       s.seqcache, s.seqcycle, dep.refobjid, dep.refobjsubid::int2, dep.deptype::text
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
     AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_class h WHERE h.oid = dep.refobjid AND h.relname = 'migration_info');

-- name: tables
-- The first INHERITS parent (or the partitioned parent) by join; the number
-- of parents is counted only for tables that have one. Storage parameters
-- as Postgres prints them (`fillfactor=70`), the TOAST table's prefixed
-- `toast.`; the replica identity, and its index when it is one.
SELECT c.oid, n.nspname, c.relname, c.relpersistence = 'u', c.relkind = 'p',
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
       CASE WHEN pc.oid IS NOT NULL THEN ARRAY[pn.nspname::text, pc.relname::text] END,
       c.relrowsecurity, c.relforcerowsecurity,
       CASE WHEN pc.oid IS NULL THEN 0 ELSE (SELECT count(*)::int FROM pg_inherits i WHERE i.inhrelid = c.oid) END,
       COALESCE(c.reloptions, '{}') || COALESCE((SELECT array_agg('toast.' || o) FROM unnest(tc.reloptions) o), '{}'),
       c.relreplident::text,
       CASE WHEN c.relreplident = 'i' THEN (SELECT ri.relname::text FROM pg_index x JOIN pg_class ri ON ri.oid = x.indexrelid
                                            WHERE x.indrelid = c.oid AND x.indisreplident) END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class tc ON tc.oid = c.reltoastrelid
LEFT JOIN pg_inherits first ON first.inhrelid = c.oid AND first.inhseqno = 1
LEFT JOIN pg_class pc ON pc.oid = first.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND c.relname NOT IN ('migration_info', 'migration_steps')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e');

-- name: columns
-- Columns of tables; also of views, materialized views and foreign tables,
-- whose names the indexes query's column numbers need (the last field:
-- whether the relation is a table).
SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.atttypmod,
       COALESCE(et.typname, t.typname), COALESCE(etn.nspname, tn.nspname), et.oid IS NOT NULL,
       COALESCE(et.typtype, t.typtype)::text,
       NOT a.attnotnull, CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) END,
       NULLIF(a.attidentity, '')::text, CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
       CASE WHEN a.attcollation <> t.typcollation THEN cn.nspname END,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
       a.attislocal, c.relkind IN ('r', 'p')
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%';

-- name: constraints
-- conkey and confkey are column numbers, named from the columns query.
SELECT con.conrelid, con.conname, con.contype::text, pg_get_constraintdef(con.oid, true),
       con.condeferrable, con.condeferred, con.conkey, fn.nspname, fc.relname, con.confrelid, con.confkey,
       con.confdeltype::text, con.confupdtype::text, con.conislocal
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
ORDER BY con.conrelid, con.conname;

-- name: indexes
-- The definition is pg_get_indexdef's, but that function opens the table to
-- name its columns (a relcache build per table: about 20 ms at 1,000 tables
-- on a fresh connection). For a plain list of columns (default operator
-- class and collation, no sort options, INCLUDE, predicate, expressions,
-- storage options or NULLS NOT DISTINCT) it is spelled here the way
-- pg_get_indexdef spells it (quote_ident is its quote_identifier; the
-- table is always schema-qualified); anything else goes to pg_get_indexdef.
-- `tests/introspect.rs` compares the two over every kind of index.
-- The key columns (the first indnkeyatts of indkey; 0 is an expression)
-- are numbers, named from the columns query.
SELECT n.nspname, ic.relname, c.relname,
       COALESCE(
         (SELECT 'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' || quote_ident(ic.relname)
                 || ' ON ' || CASE WHEN ic.relkind = 'I' THEN 'ONLY ' ELSE '' END
                 || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' USING ' || quote_ident(am.amname)
                 || ' (' || string_agg(quote_ident(a.attname), ', ' ORDER BY k.o) || ')'
          FROM unnest(i.indkey::int2[], i.indclass::oid[], i.indcollation::oid[]) WITH ORDINALITY k(attnum, opclass, coll, o)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
          JOIN pg_opclass opc ON opc.oid = k.opclass
          WHERE i.indexprs IS NULL AND i.indpred IS NULL AND i.indnatts = i.indnkeyatts AND ic.reloptions IS NULL
            -- (NULLS NOT DISTINCT is Postgres 15's; looked up only for a unique index.)
            AND CASE WHEN i.indisunique THEN NOT COALESCE((to_jsonb(i)->>'indnullsnotdistinct')::bool, false) ELSE true END
          HAVING bool_and(opc.opcdefault AND opc.opcintype = a.atttypid AND k.coll = a.attcollation)
             AND count(*) = i.indnatts
             AND NOT EXISTS (SELECT 1 FROM unnest(i.indoption) o WHERE o <> 0)),
         pg_get_indexdef(i.indexrelid)),
       i.indisunique, am.amname,
       pg_get_expr(i.indpred, i.indrelid), i.indexprs IS NOT NULL, i.indrelid,
       (i.indkey::int2[])[0:i.indnkeyatts - 1],
       -- What add-index cannot say (its columns are names, nothing more):
       -- INCLUDE, sort options, a key column's operator class or collation
       -- other than its default, NULLS NOT DISTINCT, storage parameters.
       i.indnkeyatts <> i.indnatts OR EXISTS (SELECT 1 FROM unnest(i.indoption) o WHERE o <> 0)
         OR ic.reloptions IS NOT NULL
         OR CASE WHEN i.indisunique THEN COALESCE((to_jsonb(i)->>'indnullsnotdistinct')::bool, false) ELSE false END
         OR EXISTS (SELECT 1 FROM unnest(i.indkey::int2[], i.indclass::oid[], i.indcollation::oid[]) k(attnum, opclass, coll)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                    JOIN pg_opclass opc ON opc.oid = k.opclass
                    WHERE NOT opc.opcdefault OR k.coll <> a.attcollation),
       -- A partition's index: the partitioned table's index it is attached to.
       CASE WHEN ic.relispartition THEN
         (SELECT ARRAY[pn.nspname::text, pi.relname::text] FROM pg_inherits h
            JOIN pg_class pi ON pi.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = pi.relnamespace
           WHERE h.inhrelid = i.indexrelid) END
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
  AND c.relname NOT IN ('migration_info', 'migration_steps')
ORDER BY 1, 2;

-- name: views
-- With their options (`security_barrier=true`, `check_option=local`) or a
-- materialized view's storage parameters.
SELECT n.nspname, c.relname, c.relkind = 'm', pg_get_viewdef(c.oid, true), COALESCE(c.reloptions, '{}')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2;

-- name: view_dependencies
SELECT DISTINCT vn.nspname, v.relname, tn.nspname, t.relname
FROM pg_class v
JOIN pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_rewrite r ON r.ev_class = v.oid
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
     AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE v.relkind IN ('v', 'm') AND vn.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2, 3, 4;

-- name: functions
SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind::text, pg_get_functiondef(p.oid),
       pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), oidvectortypes(p.proargtypes)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prokind IN ('f', 'p')
  -- Not an extension's, nor one a type made for itself (a range's constructors).
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype IN ('e', 'i'))
ORDER BY 1, 2, 3;

-- name: triggers
SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid, true)
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2, 3;

-- name: collations
SELECT n.nspname, c.collname, c.collprovider::text,
       COALESCE(c.collcollate, to_jsonb(c)->>'colliculocale', to_jsonb(c)->>'colllocale', ''),
       COALESCE(c.collctype, ''), c.collisdeterministic
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_collation'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2;

-- name: policies
SELECT n.nspname, c.relname, p.polname, p.polpermissive, p.polcmd::text,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r ORDER BY 1),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2, 3;

-- name: column_grants
-- Privileges on some columns of a table or view, one row per column,
-- grantee and privilege (the owner's own aside).
SELECT n.nspname, c.relname, a.attname::text,
       CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_get_userbyid(x.grantee)::text END, x.privilege_type, x.is_grantable
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(a.attacl) x
WHERE a.attacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  AND x.grantee <> c.relowner
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3, 4, 5;

-- name: grants
-- Privileges on tables, views and sequences that someone other than the
-- owner holds (the owner's own are implicit).
SELECT n.nspname, c.relname, CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END,
       a.privilege_type, a.is_grantable
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) a
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND a.grantee <> c.relowner
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND c.relname NOT IN ('migration_info', 'migration_info_id_seq', 'migration_steps')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3, 4;

-- name: comments
-- (kind, schema, object, member, text): member is the column, constraint or
-- trigger name, or a function's identity arguments.
SELECT kind, schema, object, member, text FROM (
  SELECT CASE WHEN d.objsubid <> 0 THEN 'column'
              ELSE CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                   WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' ELSE 'table' END END AS kind,
         n.nspname AS schema, c.relname AS object,
         CASE WHEN d.objsubid <> 0 THEN (SELECT a.attname::text FROM pg_attribute a
                                         WHERE a.attrelid = c.oid AND a.attnum = d.objsubid) END AS member,
         d.description AS text, c.oid AS oid, 'pg_class'::regclass AS classid
  FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'i', 'I', 'S')
    AND c.relname NOT IN ('migration_info', 'migration_steps')
  UNION ALL
  SELECT 'type', n.nspname, t.typname, NULL, d.description, t.oid, 'pg_type'::regclass
  FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid
  JOIN pg_namespace n ON n.oid = t.typnamespace
  UNION ALL
  SELECT 'collation', n.nspname, c.collname, NULL, d.description, c.oid, 'pg_collation'::regclass
  FROM pg_description d JOIN pg_collation c ON d.classoid = 'pg_collation'::regclass AND d.objoid = c.oid
  JOIN pg_namespace n ON n.oid = c.collnamespace
  UNION ALL
  SELECT 'schema', n.nspname, n.nspname, NULL, d.description, n.oid, 'pg_namespace'::regclass
  FROM pg_description d JOIN pg_namespace n ON d.classoid = 'pg_namespace'::regclass AND d.objoid = n.oid
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, n.nspname, p.proname,
         pg_get_function_identity_arguments(p.oid), d.description, p.oid, 'pg_proc'::regclass
  FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid
  JOIN pg_namespace n ON n.oid = p.pronamespace
  UNION ALL
  SELECT 'constraint', n.nspname, c.relname, con.conname, d.description, con.oid, 'pg_constraint'::regclass
  FROM pg_description d JOIN pg_constraint con ON d.classoid = 'pg_constraint'::regclass AND d.objoid = con.oid
  JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT 'trigger', n.nspname, c.relname, tg.tgname, d.description, tg.oid, 'pg_trigger'::regclass
  FROM pg_description d JOIN pg_trigger tg ON d.classoid = 'pg_trigger'::regclass AND d.objoid = tg.oid
  JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
) x
WHERE x.schema NOT IN ('pg_catalog', 'information_schema') AND x.schema NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = x.classid AND e.objid = x.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3, 4;

-- name: other_types
-- Base types, which the diff does not manage (they need C code), so that a
-- difference in them is reported rather than missed.
SELECT n.nspname, t.typname, 'base type'
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'b'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND t.typcategory <> 'A'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2;

-- name: domains
-- A domain: `CREATE DOMAIN name AS type [COLLATE ...]`, then its default,
-- NOT NULL and checks, which change in place.
SELECT n.nspname, t.typname, head.sql, pg_get_expr(t.typdefaultbin, 0), t.typnotnull,
       ARRAY(SELECT k.conname::text FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c' ORDER BY k.conname),
       ARRAY(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'
             ORDER BY k.conname),
       head.sql || COALESCE(' DEFAULT ' || pg_get_expr(t.typdefaultbin, 0), '')
         || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
         || COALESCE((SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid), ''
                                        ORDER BY k.conname)
                      FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), '')
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
CROSS JOIN LATERAL (SELECT 'CREATE DOMAIN ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || ' AS '
         || format_type(t.typbasetype, t.typtypmod)
         || CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                 THEN ' COLLATE ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname) ELSE '' END) head(sql)
WHERE t.typtype = 'd'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2;

-- name: composite_types
-- A composite type's attributes in order (a type without any: one row of
-- NULLs), typed as the columns query types a column, and on each row the
-- type's whole `CREATE TYPE`.
SELECT n.nspname, t.typname, a.attname::text, format_type(a.atttypid, a.atttypmod), a.atttypmod,
       COALESCE(et.typname, at.typname)::text, COALESCE(etn.nspname, atn.nspname)::text, et.oid IS NOT NULL,
       CASE WHEN a.attcollation <> at.typcollation THEN cn.nspname END,
       CASE WHEN a.attcollation <> at.typcollation THEN co.collname END,
       'CREATE TYPE ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || ' AS ('
         || COALESCE((SELECT string_agg(quote_ident(b.attname) || ' ' || format_type(b.atttypid, b.atttypmod)
                                        || CASE WHEN b.attcollation <> bt.typcollation
                                                THEN ' COLLATE ' || quote_ident(bcn.nspname) || '.' || quote_ident(bco.collname)
                                                ELSE '' END, ', ' ORDER BY b.attnum)
                      FROM pg_attribute b JOIN pg_type bt ON bt.oid = b.atttypid
                      LEFT JOIN pg_collation bco ON bco.oid = b.attcollation
                      LEFT JOIN pg_namespace bcn ON bcn.oid = bco.collnamespace
                      WHERE b.attrelid = c.oid AND b.attnum > 0 AND NOT b.attisdropped), '') || ')'
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_type at ON at.oid = a.atttypid
LEFT JOIN pg_namespace atn ON atn.oid = at.typnamespace
LEFT JOIN pg_type et ON et.oid = at.typelem AND at.typcategory = 'A'
LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2, a.attnum;

-- name: range_types
-- A range type's whole `CREATE TYPE ... AS RANGE`, each option only where
-- it is not what Postgres would choose (the subtype's default operator
-- class and collation, the multirange's name made from the range's).
SELECT n.nspname, t.typname,
       'CREATE TYPE ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || ' AS RANGE (subtype = '
         || format_type(r.rngsubtype, NULL)
         || CASE WHEN NOT opc.opcdefault
                 THEN ', subtype_opclass = ' || quote_ident(ocn.nspname) || '.' || quote_ident(opc.opcname) ELSE '' END
         || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                 THEN ', collation = ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname) ELSE '' END
         || CASE WHEN r.rngcanonical <> 0 THEN ', canonical = ' || r.rngcanonical::regproc::text ELSE '' END
         || CASE WHEN r.rngsubdiff <> 0 THEN ', subtype_diff = ' || r.rngsubdiff::regproc::text ELSE '' END
         || CASE WHEN mt.typname <> CASE WHEN strpos(t.typname, 'range') > 0
                                         THEN overlay(t.typname PLACING 'multirange' FROM strpos(t.typname, 'range') FOR 5)
                                         ELSE t.typname || '_multirange' END
                   OR mt.typnamespace <> t.typnamespace
                 THEN ', multirange_type_name = ' || quote_ident(mn.nspname) || '.' || quote_ident(mt.typname) ELSE '' END
         || ')'
FROM pg_range r
JOIN pg_type t ON t.oid = r.rngtypid
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_type st ON st.oid = r.rngsubtype
JOIN pg_opclass opc ON opc.oid = r.rngsubopc
JOIN pg_namespace ocn ON ocn.oid = opc.opcnamespace
LEFT JOIN pg_collation co ON co.oid = r.rngcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid
LEFT JOIN pg_namespace mn ON mn.oid = mt.typnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2;

-- name: dependencies
-- What needs what (pg_depend's normal and automatic rows), each side named
-- as `model::Object` names it: kind, schema, name, member (a column's,
-- default's, constraint's, trigger's or policy's name on its table). A
-- view's rule is its view, a key's index its constraint, a
-- domain's constraint its domain, an array type its element, a row type its
-- relation, and what an extension owns the extension. Only what users
-- make (oids from 16384 on) and not the engine's own tables; not a
-- sequence's owner (the sequence goes with its column, which may use it).
WITH objects (classid, objid, subid, kind, schema, name, member, base) AS (
    -- Relations, and their columns (a view's column stands for the view).
    SELECT 'pg_class'::regclass, c.oid, 0,
           CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type' ELSE 'relation' END,
           n.nspname, c.relname, NULL::text, c.oid
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S', 'c') AND c.oid >= 16384
    UNION ALL
    SELECT 'pg_class'::regclass, c.oid, a.attnum,
           CASE WHEN c.relkind IN ('r', 'p', 'f') THEN 'column' WHEN c.relkind = 'c' THEN 'type' ELSE 'relation' END,
           n.nspname, c.relname, CASE WHEN c.relkind IN ('r', 'p', 'f') THEN a.attname::text END, c.oid
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'c') AND c.oid >= 16384 AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    -- An index that backs a key, or an exclusion constraint, is the constraint.
    SELECT 'pg_class'::regclass, i.oid, 0, CASE WHEN k.conname IS NULL THEN 'index' ELSE 'constraint' END,
           n.nspname, COALESCE(t.relname, i.relname), k.conname::text, i.oid
    FROM pg_class i JOIN pg_namespace n ON n.oid = i.relnamespace
    LEFT JOIN pg_constraint k ON k.conindid = i.oid AND k.contype IN ('p', 'u', 'x')
    LEFT JOIN pg_class t ON t.oid = k.conrelid
    WHERE i.relkind IN ('i', 'I') AND i.oid >= 16384
    UNION ALL
    SELECT 'pg_attrdef'::regclass, d.oid, 0, 'default', n.nspname, c.relname, a.attname::text, d.oid
    FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
    WHERE d.oid >= 16384
    UNION ALL
    -- A domain's constraint is the domain.
    SELECT 'pg_constraint'::regclass, k.oid, 0, CASE WHEN k.conrelid <> 0 THEN 'constraint' ELSE 'type' END,
           n.nspname, COALESCE(c.relname, t.typname), CASE WHEN k.conrelid <> 0 THEN k.conname::text END, k.oid
    FROM pg_constraint k
    LEFT JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_type t ON t.oid = k.contypid
    JOIN pg_namespace n ON n.oid = COALESCE(c.relnamespace, t.typnamespace)
    WHERE k.oid >= 16384
    UNION ALL
    -- A view's query is the view.
    SELECT 'pg_rewrite'::regclass, r.oid, 0, 'relation', n.nspname, c.relname, NULL, r.oid
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE r.oid >= 16384
    UNION ALL
    SELECT 'pg_trigger'::regclass, g.oid, 0, 'trigger', n.nspname, c.relname, g.tgname::text, g.oid
    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT g.tgisinternal AND g.oid >= 16384
    UNION ALL
    SELECT 'pg_policy'::regclass, p.oid, 0, 'policy', n.nspname, c.relname, p.polname::text, p.oid
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE p.oid >= 16384
    UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, 0, 'function', n.nspname, p.proname, NULL, p.oid
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.oid >= 16384
    UNION ALL
    -- An array type is its element type; a relation's row type, the relation.
    SELECT 'pg_type'::regclass, t.oid, 0,
           CASE WHEN r.relkind IN ('r', 'p', 'f', 'v', 'm') THEN 'relation' ELSE 'type' END,
           n.nspname, COALESCE(r.relname, e.typname, t.typname), NULL, COALESCE(e.oid, t.oid)
    FROM pg_type t
    LEFT JOIN pg_type e ON e.oid = t.typelem AND e.typarray = t.oid
    LEFT JOIN pg_class r ON r.oid = COALESCE(e.typrelid, t.typrelid)
    JOIN pg_namespace n ON n.oid = COALESCE(e.typnamespace, t.typnamespace)
    WHERE t.oid >= 16384
    UNION ALL
    SELECT 'pg_collation'::regclass, c.oid, 0, 'collation', n.nspname, c.collname, NULL, c.oid
    FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
    WHERE c.oid >= 16384
    UNION ALL
    SELECT 'pg_namespace'::regclass, n.oid, 0, 'schema', n.nspname, n.nspname, NULL, n.oid FROM pg_namespace n
    UNION ALL
    SELECT 'pg_extension'::regclass, e.oid, 0, 'extension', e.extname, e.extname, NULL, e.oid FROM pg_extension e
),
-- What an extension owns stands for the extension.
owned (classid, objid, extname) AS (
    SELECT d.classid, d.objid, e.extname
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
),
resolved (classid, objid, subid, kind, schema, name, member) AS (
    SELECT o.classid, o.objid, o.subid,
           CASE WHEN x.extname IS NULL THEN o.kind ELSE 'extension' END,
           COALESCE(x.extname, o.schema), COALESCE(x.extname, o.name), CASE WHEN x.extname IS NULL THEN o.member END
    FROM objects o
    LEFT JOIN owned x ON x.objid = o.base
         AND x.classid = CASE WHEN o.base = o.objid THEN o.classid ELSE 'pg_type'::regclass END
    WHERE (o.schema NOT IN ('pg_catalog', 'information_schema') OR x.extname IS NOT NULL)
      AND o.name NOT IN ('migration_info', 'migration_info_id_seq', 'migration_steps')
)
SELECT DISTINCT o.kind, o.schema, o.name, o.member, r.kind, r.schema, r.name, r.member
FROM pg_depend d
JOIN resolved o ON o.classid = d.classid AND o.objid = d.objid AND o.subid = d.objsubid
JOIN resolved r ON r.classid = d.refclassid AND r.objid = d.refobjid AND r.subid = d.refobjsubid
WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
  -- OWNED BY: the sequence goes with its column, which may use it.
  AND NOT (o.kind = 'sequence' AND d.refobjsubid <> 0)
  AND (o.kind, o.schema, o.name, o.member) IS DISTINCT FROM (r.kind, r.schema, r.name, r.member);
