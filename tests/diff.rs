//! Round trips through the diff: a database loaded from `a.sql` is moved to
//! `b.sql`'s schema by the planned actions and must then introspect exactly
//! like `b.sql` and be indistinguishable from it to `pg_dump --schema-only`
//! (column order aside), plan nothing more, and come back to `a.sql`'s
//! schema (by both measures) with the reverse plan; and the Rust that
//! `generate` would write for both plans holds every text of every action
//! byte for byte. Over the project's own pairs
//! (every object kind the diff supports) and, when `MIGRATE_HOST_CORPUS`
//! names one, a migra-style corpus (CI's is `../shared/corpus/migra`).

mod support;

use migrate_host::actions::{Action, plan};
use migrate_host::diff::{casts, diff};
use migrate_host::schema::{Schema, introspect};
use migrate_host::testing::TestDatabase;
use std::path::Path;

/// Runs actions on `db` in one transaction, the way a migration would;
/// the statements each ran. They must be what `plan` prints for the same
/// steps from the same schema (`from`): plan == apply.
async fn run(db: &TestDatabase, from: &Schema, actions: &[Action]) -> anyhow::Result<()> {
    let client = db.client();
    let printed =
        migrate_host::shadow::rehearse::statements(&migrate_host::testing::server_url(), from, actions).await?;
    client.batch_execute("BEGIN").await?;
    let mut ran = Vec::new();
    let result = async {
        for action in actions {
            let statements = plan(action, client)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", action.describe()))?;
            ran.push(statements.clone());
            for sql in statements {
                client.execute(sql.as_str(), &[]).await.map_err(|e| {
                    let message = e
                        .as_db_error()
                        .map_or_else(|| e.to_string(), |d| d.message().to_owned());
                    anyhow::anyhow!("{sql}: {message}")
                })?;
            }
        }
        anyhow::Ok(())
    }
    .await;
    client
        .batch_execute(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })
        .await?;
    result?;
    for ((action, printed), ran) in actions.iter().zip(&printed).zip(&ran) {
        anyhow::ensure!(
            printed == ran,
            "plan prints other SQL than apply runs for {}:\n  plan:  {printed:?}\n  apply: {ran:?}",
            action.describe()
        );
    }
    Ok(())
}

/// The migration `generate` would write for `up` and `down`, parsed back as
/// Rust: each action is one statement of `up()` (or `down()`), in order,
/// and every string the action carries (a function's definition, a view's
/// query, a comment, a default, a name...) is the value of a literal of
/// that statement, exactly. (Strings that are variant names, such as
/// `"Cascade"`, are written as code, not as literals.) Nothing in the file
/// is a character rustc refuses or a reader cannot see.
fn codegen_holds_every_text(up: &[Action], down: &[Action]) -> Result<(), String> {
    struct Literals(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Literals {
        fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
            self.0.push(lit.value());
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            // `vec![a, b]`: its elements are expressions.
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            if let Ok(elements) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) {
                for element in &elements {
                    syn::visit::Visit::visit_expr(self, element);
                }
            }
        }
    }
    fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(fields) => fields.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let meta = migrate_host::codegen::Meta {
        revision: "20261201000000".into(),
        parent: Some("20261130000000".into()),
        message: "round trip".into(),
    };
    let source = migrate_host::codegen::lib_rs(&meta, up, down);
    if let Some(c) = source
        .chars()
        .find(|&c| (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c))
    {
        return Err(format!("the code holds {c:?}:\n{source}"));
    }
    let file = syn::parse_file(&source).map_err(|e| format!("the code does not parse: {e}\n{source}"))?;
    let variant = regex::Regex::new("^[A-Z][A-Za-z0-9]*$").unwrap();
    for (direction, actions) in [("up", up), ("down", down)] {
        let statements = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Impl(block) => block.items.iter().find_map(|item| match item {
                    syn::ImplItem::Fn(f) if f.sig.ident == direction => Some(&f.block.stmts),
                    _ => None,
                }),
                _ => None,
            })
            .ok_or_else(|| format!("no fn {direction}:\n{source}"))?;
        if statements.len() != actions.len() + 1 {
            return Err(format!(
                "{direction}: {} statements for {} actions:\n{source}",
                statements.len(),
                actions.len()
            ));
        }
        for (action, statement) in actions.iter().zip(statements) {
            let mut literals = Literals(Vec::new());
            syn::visit::Visit::visit_stmt(&mut literals, statement);
            let mut texts = Vec::new();
            strings(&serde_json::to_value(action).unwrap(), &mut texts);
            for text in texts {
                if !literals.0.contains(&text) && !variant.is_match(&text) {
                    return Err(format!(
                        "{direction}: {text:?} of {} is not a literal of its statement; the literals are {:?}",
                        action.describe(),
                        literals.0
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The schema with each table's columns in name order: the round trip may
/// append a column that the declared schema has in the middle.
fn normalized(mut schema: Schema) -> Schema {
    for table in &mut schema.tables {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Passed,
    Unsupported(String),
    Failed(String),
}

/// One pair, both ways.
async fn round_trip(a_sql: &str, b_sql: &str) -> Outcome {
    let load = |sql: String| async move {
        let db = TestDatabase::create(support::example_dir()).await.unwrap();
        db.client().batch_execute(&sql).await.map(|_| db)
    };
    let (Ok(w), Ok(a), Ok(b)) = (
        load(a_sql.into()).await,
        load(a_sql.into()).await,
        load(b_sql.into()).await,
    ) else {
        return Outcome::Unsupported("does not load on this server".into());
    };
    let schema_a = introspect(a.client()).await.unwrap();
    let schema_b = introspect(b.client()).await.unwrap();
    let (dump_a, dump_b) = (support::schema_dump(a.url()), support::schema_dump(b.url()));
    let outcome = async {
        let before = introspect(w.client()).await.unwrap();
        // How b.sql's columns convert when their types change, both ways.
        let usings = migrate_host::shadow::annotations_of(Path::new("b.sql"), b_sql)
            .map(|a| a.usings)
            .unwrap_or_default();
        let up = match diff(&before, &schema_b) {
            Ok(up) => casts::apply(up, &usings, false),
            Err(e) => return Outcome::Unsupported(e.to_string()),
        };
        // What `generate` writes for this pair: the planned actions both ways.
        if let Ok(down) = diff(&schema_b, &schema_a).map(|down| casts::apply(down, &usings, true))
            && let Err(e) = codegen_holds_every_text(&up, &down)
        {
            return Outcome::Failed(format!("codegen: {e}"));
        }
        if let Err(e) = run(&w, &before, &up).await {
            return Outcome::Failed(format!("up: {e:#}"));
        }
        let after_up = introspect(w.client()).await.unwrap();
        if normalized(after_up.clone()) != normalized(schema_b.clone()) {
            return Outcome::Failed(format!(
                "up: the schema differs from b.sql's\n{}",
                first_difference(&after_up, &schema_b)
            ));
        }
        if let Some(difference) = support::dump_difference(&support::schema_dump(w.url()), &dump_b) {
            return Outcome::Failed(format!("up: {difference}"));
        }
        match diff(&after_up, &schema_b) {
            Ok(again) if again.is_empty() => {}
            other => return Outcome::Failed(format!("a second plan is not empty: {other:?}")),
        }
        let down = match diff(&schema_b, &schema_a) {
            Ok(down) => casts::apply(down, &usings, true),
            Err(e) => return Outcome::Unsupported(format!("down: {e}")),
        };
        if let Err(e) = run(&w, &after_up, &down).await {
            return Outcome::Failed(format!("down: {e:#}"));
        }
        let after_down = introspect(w.client()).await.unwrap();
        if normalized(after_down.clone()) != normalized(schema_a.clone()) {
            return Outcome::Failed(format!(
                "down: the schema differs from a.sql's\n{}",
                first_difference(&after_down, &schema_a)
            ));
        }
        if let Some(difference) = support::dump_difference(&support::schema_dump(w.url()), &dump_a) {
            return Outcome::Failed(format!("down: {difference}"));
        }
        Outcome::Passed
    }
    .await;
    for db in [w, a, b] {
        db.drop().await.unwrap();
    }
    outcome
}

fn first_difference(got: &Schema, want: &Schema) -> String {
    let (got, want) = (
        format!("{:#?}", normalized(got.clone())),
        format!("{:#?}", normalized(want.clone())),
    );
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {i}: got {g:?}, want {w:?}");
        }
    }
    "lengths differ".into()
}

/// The project's own pairs: (name, a.sql, b.sql). Every one must pass.
/// b.sql's `-- migrate:using` annotations say how values convert, as in a
/// schema file.
const PAIRS: &[(&str, &str, &str)] = &[
    (
        "byte-exact bodies (issue 15, class 6): a function, a procedure and a trigger function indented with \
         tabs and spaces, trailing blanks, a CRLF body, a multi-line string constant, changed and created",
        "CREATE TABLE t (id int);
         CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN RETURN NEW; END $body$;",
        "CREATE TABLE t (id int);
         CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$
\tBEGIN
\t\t-- tabs and trailing spaces   
\t\tIF NEW.id IS NULL THEN
\t\t    NEW.id := 0;
\t\tEND IF;
    RETURN NEW;
\tEND
$body$;
         CREATE PROCEDURE p(INOUT x int) LANGUAGE plpgsql AS $$
  BEGIN
      x := x + length('a constant over
    two lines');
  END $$;
         CREATE FUNCTION crlf() RETURNS text LANGUAGE sql AS $$SELECT 'crlf'\r\n  || 'lines'\r\n$$;
         CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
    ),
    (
        "options on relations (issue 15, class 4): storage parameters of tables (TOAST ones too) and a \
         materialized view, view options and check options, replica identity full, nothing and using an index",
        "CREATE TABLE t (id int PRIMARY KEY, v int, body text) WITH (fillfactor = 90, autovacuum_enabled = false);
         CREATE TABLE u (id int NOT NULL); CREATE UNIQUE INDEX u_id ON u (id);
         CREATE TABLE w (id int NOT NULL); CREATE UNIQUE INDEX w_id ON w (id); ALTER TABLE w REPLICA IDENTITY USING INDEX w_id;
         CREATE VIEW v1 AS SELECT id FROM t; CREATE VIEW v2 WITH (security_barrier) AS SELECT id, v FROM t WHERE v > 0;
         CREATE MATERIALIZED VIEW m AS SELECT id FROM t;",
        "CREATE TABLE t (id int PRIMARY KEY, v int, body text)
             WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.05, toast.autovacuum_enabled = false);
         ALTER TABLE t REPLICA IDENTITY FULL;
         CREATE TABLE u (id int NOT NULL) WITH (toast_tuple_target = 256, log_autovacuum_min_duration = 0);
         CREATE UNIQUE INDEX u_id ON u (id) WITH (fillfactor = 70); ALTER TABLE u REPLICA IDENTITY USING INDEX u_id;
         CREATE TABLE w (id int NOT NULL); CREATE UNIQUE INDEX w_id ON w (id);
         CREATE TABLE n (id int); ALTER TABLE n REPLICA IDENTITY NOTHING;
         CREATE VIEW v1 WITH (security_barrier) AS SELECT id FROM t;
         CREATE VIEW v2 WITH (security_invoker = true) AS SELECT id, v FROM t WHERE v > 0 WITH CASCADED CHECK OPTION;
         CREATE VIEW v3 AS SELECT id, v FROM t WHERE v > 1 WITH LOCAL CHECK OPTION;
         CREATE MATERIALIZED VIEW m WITH (fillfactor = 50) AS SELECT id FROM t;",
    ),
    (
        "keys of partitioned tables and keys local to one partition (issue 15, class 3), both ways",
        "CREATE TABLE ev (tenant int NOT NULL, at date NOT NULL, id bigint NOT NULL, body text) PARTITION BY RANGE (at);
         CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         ALTER TABLE ev_2024 ADD CONSTRAINT ev_2024_body_key UNIQUE (body);",
        "CREATE TABLE ev (tenant int NOT NULL, at date NOT NULL, id bigint NOT NULL, body text,
             PRIMARY KEY (tenant, at, id)) PARTITION BY RANGE (at);
         CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         ALTER TABLE ev_2025 ADD CONSTRAINT ev_2025_id_key UNIQUE (id);
         CREATE INDEX ev_body ON ev (body); CREATE INDEX ev_2024_tenant ON ev_2024 (tenant);",
    ),
    (
        "a partitioned table changes its partition key (issue 15, class 3): its partitions detached and attached \
         again with their new bounds and rows, its partitioned index made again and the partitions' indexes \
         attached to it by name, a partition's policy and a view on a partition kept",
        "CREATE TABLE ev (tenant int NOT NULL, at date NOT NULL, body text) PARTITION BY RANGE (at);
         CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         CREATE INDEX ev_t ON ev (tenant); ALTER INDEX ev_a_tenant_idx RENAME TO ev_a_t;
         CREATE INDEX ev_a_body ON ev_a (body);
         ALTER TABLE ev_a ENABLE ROW LEVEL SECURITY; CREATE POLICY ev_a_p ON ev_a USING (tenant > 0);
         CREATE VIEW ev_b_v AS SELECT * FROM ev_b;",
        "CREATE TABLE ev (tenant int NOT NULL, at date NOT NULL, body text) PARTITION BY LIST (tenant);
         CREATE TABLE ev_a PARTITION OF ev FOR VALUES IN (1);
         CREATE TABLE ev_b PARTITION OF ev FOR VALUES IN (2);
         CREATE INDEX ev_t ON ev (tenant); ALTER INDEX ev_a_tenant_idx RENAME TO ev_a_t;
         CREATE INDEX ev_a_body ON ev_a (body);
         ALTER TABLE ev_a ENABLE ROW LEVEL SECURITY; CREATE POLICY ev_a_p ON ev_a USING (tenant > 0);
         CREATE VIEW ev_b_v AS SELECT * FROM ev_b;",
    ),
    (
        "partitioned tables' indexes (issue 15, class 3): a partitioned index over an existing partition index \
         that backs it, named partition indexes of new and attached partitions, an index left on one partition",
        "CREATE TABLE ev (tenant int NOT NULL, at date NOT NULL, kind text) PARTITION BY RANGE (at);
         CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE INDEX ev_2024_t ON ev_2024 (tenant);
         CREATE INDEX ev_kind ON ev (kind); ALTER INDEX ev_2024_kind_idx RENAME TO ev_2024_k;
         CREATE TABLE loose (tenant int NOT NULL, at date NOT NULL, kind text); CREATE INDEX loose_kind ON loose (kind);
         CREATE INDEX ev_2024_at ON ev_2024 (at);",
        "CREATE TABLE ev (tenant int NOT NULL, at date NOT NULL, kind text) PARTITION BY RANGE (at);
         CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE INDEX ev_2024_t ON ev_2024 (tenant);
         CREATE INDEX ev_t ON ONLY ev (tenant); ALTER INDEX ev_t ATTACH PARTITION ev_2024_t;
         CREATE INDEX ev_kind ON ev (kind); ALTER INDEX ev_2024_kind_idx RENAME TO ev_2024_k;
         CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         ALTER INDEX ev_2025_kind_idx RENAME TO ev_2025_k; ALTER INDEX ev_2025_tenant_idx RENAME TO ev_2025_t;
         CREATE TABLE loose (tenant int NOT NULL, at date NOT NULL, kind text); CREATE INDEX loose_kind ON loose (kind);
         ALTER TABLE ev ATTACH PARTITION loose FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
         ALTER INDEX loose_tenant_idx RENAME TO loose_t;
         CREATE INDEX ev_2024_at ON ev_2024 (at);",
    ),
    (
        "domains, composite and range types (issue 15, class 7): created with the functions they call and that \
         take them, changed in place (defaults, NOT NULL, checks, attributes) or re-created (reordered \
         attributes, range options), dropped",
        "CREATE FUNCTION is_even(i int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT i % 2 = 0';
         CREATE DOMAIN even AS int DEFAULT 2 CONSTRAINT even_check CHECK (is_even(VALUE));
         CREATE DOMAIN code AS varchar(10) NOT NULL; CREATE DOMAIN gone AS text;
         CREATE TYPE pair AS (a int, b text); CREATE TYPE reordered AS (x int, y int);
         CREATE TYPE floatrange AS RANGE (subtype = float8); CREATE TYPE rerange AS RANGE (subtype = int4);
         CREATE TABLE t (id int, e even, c code, p pair);
         CREATE FUNCTION mk_pair(i int) RETURNS pair LANGUAGE sql AS 'SELECT ROW(i, i::text)::pair';
         CREATE FUNCTION width(r floatrange) RETURNS float8 LANGUAGE sql AS 'SELECT upper(r) - lower(r)';",
        "CREATE FUNCTION is_even(i int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT i % 2 = 0';
         CREATE FUNCTION is_small(i int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT i < 1000';
         CREATE DOMAIN even AS int DEFAULT 4 NOT NULL CONSTRAINT even_check CHECK (is_even(VALUE))
             CONSTRAINT even_small CHECK (is_small(VALUE));
         CREATE DOMAIN code AS varchar(10) CONSTRAINT code_upper CHECK (VALUE = upper(VALUE));
         CREATE DOMAIN email AS text COLLATE \"C\" CHECK (VALUE ~ '@');
         CREATE TYPE pair AS (a bigint, b text, c date); CREATE TYPE reordered AS (y int, x int);
         CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
         CREATE TYPE rerange AS RANGE (subtype = int8);
         CREATE TYPE fresh AS (n numeric(10, 2), tags text[] COLLATE \"C\"); CREATE TYPE empty AS ();
         CREATE TABLE t (id int, e even, c code, m email, f fresh, r floatrange);
         CREATE FUNCTION mk_pair(i int) RETURNS pair LANGUAGE sql AS 'SELECT ROW(i, i::text, current_date)::pair';
         CREATE FUNCTION width(r floatrange) RETURNS float8 LANGUAGE sql AS 'SELECT upper(r) - lower(r)';",
    ),
    (
        "column-level privileges (issue 15, class 7): granted, with grant option, revoked, and kept on a \
         re-created view",
        "CREATE TABLE t (id int, secret text, note text); CREATE VIEW v AS SELECT id, note FROM t;
         GRANT SELECT (id, note), UPDATE (note) ON t TO migrate_host_test_reader;
         GRANT SELECT (id) ON v TO migrate_host_test_reader;",
        "CREATE TABLE t (id int, secret text, note varchar(100)); CREATE VIEW v AS SELECT id, note FROM t;
         GRANT SELECT (id), UPDATE (note) ON t TO migrate_host_test_reader WITH GRANT OPTION;
         GRANT INSERT (id, secret) ON t TO PUBLIC;
         GRANT SELECT (id) ON v TO migrate_host_test_reader;",
    ),
    (
        "type changes Postgres has no cast for (issue 15, class 5), converted both ways as the schema declares",
        "CREATE TABLE t (at bigint, flag int, tags text);
         INSERT INTO t VALUES (86400, 1, 'a,b');",
        "CREATE TABLE t (
           at timestamptz, -- migrate:using to_timestamp(at) -- migrate:using-down extract(epoch FROM at)::bigint
           flag boolean, -- migrate:using flag <> 0 -- migrate:using-down CASE WHEN flag THEN 1 ELSE 0 END
           tags text[] -- migrate:using string_to_array(tags, ',') -- migrate:using-down array_to_string(tags, ',')
         );",
    ),
    (
        "order only the catalog knows (issue 15, class 1): a foreign key onto a unique index the plan creates, \
         one onto an index that is rebuilt, BEGIN ATOMIC functions calling functions in another schema and \
         reading a table, a default, a check and a view calling them",
        "CREATE TABLE p (id int NOT NULL, code text); CREATE TABLE c (p_id int);
         CREATE TABLE q (id int NOT NULL); CREATE UNIQUE INDEX q_uq ON q (id);
         CREATE TABLE d (q_id int CONSTRAINT d_q_fk REFERENCES q (id));
         CREATE TABLE t (id int);",
        "CREATE TABLE p (id int NOT NULL, code text); CREATE UNIQUE INDEX p_id_uq ON p (id);
         CREATE TABLE c (p_id int REFERENCES p (id));
         CREATE TABLE q (id int NOT NULL); CREATE UNIQUE INDEX q_uq ON q (id) WITH (fillfactor = 80);
         CREATE TABLE d (q_id int CONSTRAINT d_q_fk REFERENCES q (id));
         CREATE SCHEMA util; CREATE TABLE t (id int);
         CREATE FUNCTION util.zzz_base(i int) RETURNS int LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT i * 2; END;
         CREATE FUNCTION aaa_top(i int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT util.zzz_base(i) + 1; END;
         CREATE FUNCTION count_t() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END;
         CREATE TABLE u (id int DEFAULT aaa_top(1), n int CHECK (aaa_top(n) > 0), k bigint DEFAULT count_t());
         CREATE VIEW v AS SELECT aaa_top(id) AS x FROM t;",
    ),
    (
        "a BEGIN ATOMIC function that calls another function than before, the old one dropped",
        "CREATE FUNCTION base() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';
         CREATE FUNCTION top() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT base() + 1; END;
         CREATE TABLE t (a int DEFAULT top());",
        "CREATE FUNCTION base2() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 2';
         CREATE FUNCTION top() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT base2() + 1; END;
         CREATE TABLE t (a int DEFAULT top());",
    ),
    (
        "a serial column becomes a plain bigint and a plain one bigserial (its sequence let go before it is \
         dropped), also on partitioned tables",
        "CREATE TABLE t (id serial PRIMARY KEY, n int);
         CREATE TABLE p (id bigint, d date NOT NULL) PARTITION BY RANGE (d);
         CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
         CREATE TABLE q (id int, d date NOT NULL) PARTITION BY RANGE (d);",
        "CREATE TABLE t (id bigint PRIMARY KEY, n bigserial);
         CREATE TABLE p (id bigserial, d date NOT NULL) PARTITION BY RANGE (d);
         CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
         CREATE TABLE q (id serial, d date NOT NULL) PARTITION BY RANGE (d);",
    ),
    (
        "functions CREATE OR REPLACE cannot change (issue 15, class 8): a renamed parameter and another return \
         type, other OUT columns; the default, the view and the function that call them taken off and put back",
        "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a';
         CREATE FUNCTION g(OUT x int, OUT y int) LANGUAGE sql AS 'SELECT 1, 2';
         CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT f(1); END;
         CREATE TABLE t (v int DEFAULT f(1));
         CREATE VIEW v AS SELECT f(v) FROM t;
         COMMENT ON FUNCTION f(int) IS 'the f';",
        "CREATE FUNCTION f(b int) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT b::bigint';
         CREATE FUNCTION g(OUT x int, OUT y int, OUT z int) LANGUAGE sql AS 'SELECT 1, 2, 3';
         CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT f(1); END;
         CREATE TABLE t (v int DEFAULT f(1));
         CREATE VIEW v AS SELECT f(v) FROM t;
         COMMENT ON FUNCTION f(int) IS 'the f';",
    ),
    (
        "a table becomes partitioned and back (issue 15, class 3), with views, foreign keys into it, its own \
         keys, index, trigger, policy, grant and comment; a partitioned table becomes plain, one partition \
         detached and one dropped",
        "CREATE TABLE acct (id int PRIMARY KEY);
         CREATE TABLE ev (id int NOT NULL, at date NOT NULL, acct int REFERENCES acct(id), UNIQUE (id, at));
         CREATE INDEX ev_at ON ev (at);
         CREATE TABLE ev_ref (id int, at date, FOREIGN KEY (id, at) REFERENCES ev (id, at));
         CREATE VIEW ev_v AS SELECT id, at FROM ev; CREATE VIEW ev_vv AS SELECT id FROM ev_v;
         CREATE FUNCTION ev_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER ev_t BEFORE INSERT ON ev FOR EACH ROW EXECUTE FUNCTION ev_touch();
         ALTER TABLE ev ENABLE ROW LEVEL SECURITY; CREATE POLICY ev_p ON ev USING (acct > 0);
         GRANT SELECT ON ev TO migrate_host_test_reader; COMMENT ON TABLE ev IS 'events';
         CREATE TABLE was_parted (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
         CREATE TABLE was_parted_2024 PARTITION OF was_parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE was_parted_2025 PARTITION OF was_parted FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         CREATE VIEW wp AS SELECT * FROM was_parted;",
        "CREATE TABLE acct (id int PRIMARY KEY);
         CREATE TABLE ev (id int NOT NULL, at date NOT NULL, acct int REFERENCES acct(id), UNIQUE (id, at))
             PARTITION BY RANGE (at);
         CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE INDEX ev_at ON ev (at);
         CREATE TABLE ev_ref (id int, at date, FOREIGN KEY (id, at) REFERENCES ev (id, at));
         CREATE VIEW ev_v AS SELECT id, at FROM ev; CREATE VIEW ev_vv AS SELECT id FROM ev_v;
         CREATE FUNCTION ev_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER ev_t BEFORE INSERT ON ev FOR EACH ROW EXECUTE FUNCTION ev_touch();
         ALTER TABLE ev ENABLE ROW LEVEL SECURITY; CREATE POLICY ev_p ON ev USING (acct > 0);
         GRANT SELECT ON ev TO migrate_host_test_reader; COMMENT ON TABLE ev IS 'events';
         CREATE TABLE was_parted (id int NOT NULL, at date NOT NULL);
         CREATE TABLE was_parted_2024 (id int NOT NULL, at date NOT NULL);
         CREATE VIEW wp AS SELECT * FROM was_parted;",
    ),
    (
        "identity columns' sequence options: added, altered, on a new column and a new table, a column made identity",
        "CREATE TABLE t (a int GENERATED BY DEFAULT AS IDENTITY (START 100 INCREMENT 5), b int NOT NULL,
          c bigint GENERATED ALWAYS AS IDENTITY);",
        "CREATE TABLE t (a int GENERATED BY DEFAULT AS IDENTITY (START 100 INCREMENT 10 CACHE 4),
          b int GENERATED ALWAYS AS IDENTITY (START 7 MAXVALUE 1000 CYCLE),
          c bigint GENERATED BY DEFAULT AS IDENTITY (START 5),
          d smallint GENERATED ALWAYS AS IDENTITY (INCREMENT 2 MAXVALUE 500));
      CREATE TABLE u (id bigint GENERATED ALWAYS AS IDENTITY (START 1000) PRIMARY KEY);",
    ),
    (
        "index details: operator classes, collations, NULLS NOT DISTINCT, storage parameters, and a change of each",
        "CREATE EXTENSION pg_trgm;
      CREATE TABLE t (a varchar(10), b text, c int, d int);
      CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b); CREATE UNIQUE INDEX t_c ON t (c);
      CREATE INDEX t_d ON t (d);",
        "CREATE EXTENSION pg_trgm;
      CREATE TABLE t (a varchar(10), b text, c int, d int);
      CREATE INDEX t_a ON t (a varchar_pattern_ops); CREATE INDEX t_b ON t (b COLLATE \"C\");
      CREATE UNIQUE INDEX t_c ON t (c) NULLS NOT DISTINCT; CREATE INDEX t_d ON t (d) WITH (fillfactor = 70);
      CREATE INDEX t_b_trgm ON t USING gin (b gin_trgm_ops);
      CREATE INDEX t_cd ON t (c, d DESC) INCLUDE (a) WITH (deduplicate_items = off);",
    ),
    (
        "new table with every constraint kind",
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);",
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);
      CREATE TABLE posts (id serial PRIMARY KEY, author bigint REFERENCES users(id) ON DELETE CASCADE,
          price numeric(10,2) CHECK (price > 0), title varchar(80) NOT NULL DEFAULT 'untitled',
          CONSTRAINT posts_title_key UNIQUE (author, title));
      CREATE INDEX posts_price_idx ON posts (price) WHERE price > 10;",
    ),
    (
        "columns added, dropped, retyped, nullability and defaults",
        "CREATE TABLE t (a integer, b text NOT NULL, c varchar(10) DEFAULT 'x', gone int);",
        "CREATE TABLE t (a bigint NOT NULL DEFAULT 0, b text, c varchar(40) DEFAULT 'y', added timestamptz DEFAULT now());",
    ),
    (
        "enum values added in place, removed, and a new enum",
        "CREATE TYPE s AS ENUM ('a', 'c', 'gone'); CREATE TABLE t (v s DEFAULT 'a');",
        "CREATE TYPE s AS ENUM ('first', 'a', 'b', 'c', 'last'); CREATE TYPE other AS ENUM ('x');
      CREATE TABLE t (v s DEFAULT 'a', o other);",
    ),
    (
        "schemas, identity, generated, collation, exclusion, expression index",
        "CREATE TABLE plain (id int);",
        "CREATE SCHEMA app; CREATE TABLE app.item (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          name text COLLATE \"C\", price int, twice int GENERATED ALWAYS AS (price * 2) STORED, during tsrange,
          EXCLUDE USING gist (during WITH &&));
      CREATE INDEX item_lower ON app.item (lower(name)) INCLUDE (price);
      CREATE TABLE plain (id int);",
    ),
    (
        "constraints changed in place and deferrable foreign keys",
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p int REFERENCES p(id), n int CONSTRAINT n_pos CHECK (n > 0));",
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p int REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED,
          n int CONSTRAINT n_pos CHECK (n > 1));",
    ),
    (
        "views re-created around the changes under them, materialized views with their indexes",
        "CREATE TABLE t (id int, v varchar(10), gone int); CREATE VIEW a AS SELECT id, v FROM t;
         CREATE VIEW b AS SELECT id FROM a; CREATE VIEW old AS SELECT 1 AS one;
         CREATE MATERIALIZED VIEW m AS SELECT id, v FROM t; CREATE INDEX m_id ON m (id);
         CREATE VIEW untouched AS SELECT 2 AS two;",
        "CREATE TABLE t (id bigint, v text); CREATE VIEW a AS SELECT id, v FROM t;
         CREATE VIEW b AS SELECT id FROM a; CREATE VIEW fresh AS SELECT id FROM b;
         CREATE MATERIALIZED VIEW m AS SELECT id, v FROM t; CREATE INDEX m_id ON m (id); CREATE INDEX m_v ON m (v);
         CREATE VIEW untouched AS SELECT 2 AS two;",
    ),
    (
        "an enum loses a value under a view and a check constraint",
        "CREATE TYPE e AS ENUM ('a', 'b', 'c'); CREATE TABLE t (x e CHECK (x <> 'c')); CREATE VIEW v AS SELECT x FROM t;",
        "CREATE TYPE e AS ENUM ('a', 'c'); CREATE TABLE t (x e CHECK (x <> 'c')); CREATE VIEW v AS SELECT x FROM t;",
    ),
    (
        "a table becomes a view that another view reads",
        "CREATE SCHEMA x; CREATE TABLE x.data (id int); CREATE VIEW x.q AS SELECT * FROM x.data;",
        "CREATE SCHEMA x; CREATE TABLE x.t_data (id int); CREATE VIEW x.data AS SELECT * FROM x.t_data;
         CREATE VIEW x.q AS SELECT * FROM x.data;",
    ),
    (
        "functions replaced and dropped, triggers on tables and re-created views",
        "CREATE TABLE emp (name text, stamp timestamptz);
         CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.stamp := now(); RETURN NEW; END $$;
         CREATE FUNCTION gone(i int) RETURNS int LANGUAGE sql AS 'SELECT i';
         CREATE TRIGGER emp_stamp BEFORE INSERT ON emp FOR EACH ROW EXECUTE FUNCTION stamp();
         CREATE VIEW v AS SELECT name FROM emp;
         CREATE FUNCTION v_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO emp (name) VALUES (NEW.name); RETURN NEW; END $$;
         CREATE TRIGGER v_ins INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION v_insert();",
        "CREATE TABLE emp (name text, stamp timestamptz);
         CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.stamp := now() - interval '1 day'; RETURN NEW; END $$;
         CREATE TABLE later (id int);
         CREATE FUNCTION reads_later(id int) RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM later WHERE later.id = reads_later.id';
         CREATE TRIGGER emp_stamp BEFORE INSERT OR UPDATE ON emp FOR EACH ROW EXECUTE FUNCTION stamp();
         CREATE VIEW v AS SELECT name, stamp FROM emp;
         CREATE FUNCTION v_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO emp (name) VALUES (NEW.name); RETURN NEW; END $$;
         CREATE TRIGGER v_ins INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION v_insert();",
    ),
    (
        "identity added, changed and removed; generated columns made, changed and undone",
        "CREATE TABLE t (a int DEFAULT 7, b int GENERATED ALWAYS AS IDENTITY, c int GENERATED BY DEFAULT AS IDENTITY,
             g1 int GENERATED ALWAYS AS (1) STORED, g2 int, g3 int GENERATED ALWAYS AS (3) STORED);",
        "CREATE TABLE t (a int GENERATED BY DEFAULT AS IDENTITY, b int GENERATED BY DEFAULT AS IDENTITY, c int,
             g1 int, g2 int GENERATED ALWAYS AS (2) STORED, g3 int GENERATED ALWAYS AS (33) STORED);",
    ),
    (
        "tables dropped with foreign keys between them",
        "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a int REFERENCES a(id)); CREATE TABLE keep (a int REFERENCES a(id));",
        "CREATE TABLE keep (a int);",
    ),
    (
        "free-standing sequences created, altered, owned, disowned and dropped",
        "CREATE SEQUENCE counter START 5 INCREMENT 2; CREATE SEQUENCE gone;
         CREATE SEQUENCE owned; CREATE TABLE t (id int DEFAULT nextval('owned'), n int);
         ALTER SEQUENCE owned OWNED BY t.id; CREATE TABLE s (id serial);",
        "CREATE SEQUENCE counter AS integer START 5 INCREMENT 3 MAXVALUE 1000 CYCLE;
         CREATE SEQUENCE owned; CREATE SEQUENCE fresh CACHE 10;
         CREATE TABLE t (id int DEFAULT nextval('owned'), n int DEFAULT nextval('fresh'));
         ALTER SEQUENCE fresh OWNED BY t.n; CREATE TABLE s (id serial);",
    ),
    (
        "collations created, dropped and changed on columns (with and without a type change)",
        "CREATE COLLATION c1 (provider = icu, locale = 'de-u-co-phonebk');
         CREATE TABLE t (a text COLLATE c1, b varchar(10) COLLATE \"C\", c text);",
        "CREATE COLLATION c2 (provider = icu, locale = 'en-u-kn-true', deterministic = false);
         CREATE COLLATION l (provider = libc, locale = 'C');
         CREATE TABLE t (a text COLLATE c2, b text COLLATE \"C\", c text COLLATE l);",
    ),
    (
        "comments on every kind, kept on re-created views and columns",
        "CREATE SCHEMA app; CREATE TABLE app.t (id int CONSTRAINT t_pk PRIMARY KEY, v varchar(5), g int);
         CREATE VIEW app.v AS SELECT id, v FROM app.t; COMMENT ON VIEW app.v IS 'the view';
         COMMENT ON COLUMN app.t.v IS 'short text'; COMMENT ON COLUMN app.t.g IS 'to go';
         COMMENT ON TABLE app.t IS 'old';",
        "CREATE SCHEMA app; COMMENT ON SCHEMA app IS 'the app';
         CREATE TABLE app.t (id int CONSTRAINT t_pk PRIMARY KEY, v text, g int);
         CREATE VIEW app.v AS SELECT id, v FROM app.t; COMMENT ON VIEW app.v IS 'the view';
         COMMENT ON COLUMN app.v.v IS 'view column'; COMMENT ON COLUMN app.t.v IS 'short text';
         COMMENT ON TABLE app.t IS 'new; it''s \\ here'; COMMENT ON CONSTRAINT t_pk ON app.t IS 'key';
         CREATE INDEX t_v ON app.t (v); COMMENT ON INDEX app.t_v IS 'index';
         CREATE TYPE app.e AS ENUM ('x'); COMMENT ON TYPE app.e IS 'enum';
         CREATE SEQUENCE app.q; COMMENT ON SEQUENCE app.q IS 'seq';
         CREATE FUNCTION app.f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'; COMMENT ON FUNCTION app.f(int) IS 'fn';
         CREATE MATERIALIZED VIEW app.m AS SELECT 1 AS one; COMMENT ON MATERIALIZED VIEW app.m IS 'mat';",
    ),
    (
        "privileges granted, revoked, with grant option, and kept on a re-created view",
        "CREATE TABLE t (id int, v varchar(5)); CREATE VIEW v AS SELECT id, v FROM t; CREATE SEQUENCE q;
         GRANT SELECT, INSERT ON t TO migrate_host_test_reader; GRANT SELECT ON v TO migrate_host_test_reader;
         GRANT SELECT ON t TO PUBLIC;",
        "CREATE TABLE t (id int, v text); CREATE VIEW v AS SELECT id, v FROM t; CREATE SEQUENCE q;
         GRANT SELECT, UPDATE ON t TO migrate_host_test_reader WITH GRANT OPTION;
         GRANT SELECT ON v TO migrate_host_test_reader; GRANT USAGE ON SEQUENCE q TO migrate_host_test_reader;",
    ),
    (
        "row-level security and policies",
        "CREATE TABLE t (owner text, v int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY mine ON t USING (owner = current_user); CREATE POLICY gone ON t FOR DELETE USING (false);",
        "CREATE TABLE t (owner text, v int); ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t FORCE ROW LEVEL SECURITY;
         CREATE POLICY mine ON t AS RESTRICTIVE FOR UPDATE TO migrate_host_test_reader
             USING (owner = current_user) WITH CHECK (v > 0);
         CREATE TABLE fresh (id int); ALTER TABLE fresh ENABLE ROW LEVEL SECURITY;
         CREATE POLICY everyone ON fresh FOR SELECT USING (true);",
    ),
    (
        "partitions attached, detached and created; unlogged tables; children of a parent",
        "CREATE TABLE m (d date NOT NULL, v int) PARTITION BY RANGE (d);
         CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
         CREATE TABLE loose (d date NOT NULL, v int);
         CREATE TABLE l (id int); CREATE UNLOGGED TABLE u (id int);
         CREATE TABLE parent (id int, a int); CREATE TABLE child (b int) INHERITS (parent);",
        "CREATE TABLE m (d date NOT NULL, v int, extra text) PARTITION BY RANGE (d);
         CREATE TABLE m1 (d date NOT NULL, v int);
         CREATE TABLE loose PARTITION OF m FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
         CREATE TABLE m_default PARTITION OF m DEFAULT;
         CREATE UNLOGGED TABLE l (id int); CREATE TABLE u (id int);
         CREATE TABLE parent (id int); CREATE TABLE child (b int, a int) INHERITS (parent);
         CREATE TABLE child2 (c int) INHERITS (parent);",
    ),
    (
        "the original's acceptance cases (spec 5.2 #26-#38, 5.3 #46-#52): an enum column moved to a new enum, \
         a shared enum, a composite uuid key, every constraint kind, time types, sorted multi-column indexes",
        "CREATE TYPE oldvalues AS ENUM ('A'); CREATE TABLE modela (id serial PRIMARY KEY, animal oldvalues NOT NULL,
             was_nullable varchar);",
        "CREATE TYPE newvalues AS ENUM ('A', 'B'); CREATE TYPE enumvalues AS ENUM ('A', 'B');
         CREATE TABLE modela (id serial PRIMARY KEY, name varchar NOT NULL, animal newvalues NOT NULL,
             was_nullable varchar NOT NULL);
         CREATE TABLE model1 (id serial PRIMARY KEY, value enumvalues NOT NULL);
         CREATE TABLE model2 (id serial PRIMARY KEY, value enumvalues NOT NULL);
         CREATE TABLE examplemodel (value_a uuid, value_b uuid, PRIMARY KEY (value_a, value_b));
         CREATE TABLE parentmodel (id serial PRIMARY KEY, name varchar NOT NULL CONSTRAINT parentmodel_name_unique UNIQUE);
         CREATE TABLE childmodel (id serial PRIMARY KEY, parent_id integer NOT NULL REFERENCES parentmodel (id)
             ON DELETE CASCADE ON UPDATE CASCADE, name varchar NOT NULL, email varchar NOT NULL, status varchar NOT NULL,
             age integer CONSTRAINT age_positive CHECK (age > 0),
             CONSTRAINT childmodel_email_name_unique UNIQUE (name, email));
         CREATE INDEX childmodel_status_idx ON childmodel (status);
         CREATE INDEX childmodel_sorted_idx ON childmodel (id DESC, age ASC NULLS FIRST, name);
         CREATE TABLE times (a timestamp, b timestamptz, c date, d time, e timetz, f interval, g varchar[] NOT NULL);",
    ),
    (
        "policies and views around retyped and re-collated columns, a sequence moving to another column, \
         a trigger and an expression index on a partitioned table",
        "CREATE SEQUENCE counter; CREATE TABLE t (name text, n int, a bigint DEFAULT nextval('counter'));
         ALTER SEQUENCE counter OWNED BY t.a; CREATE VIEW v AS SELECT name FROM t;
         ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON t USING (n > 0);
         CREATE TABLE m (d date NOT NULL, x text) PARTITION BY RANGE (d);
         CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');",
        "CREATE SEQUENCE counter; CREATE TABLE t (name text COLLATE \"C\", n bigint, b bigint DEFAULT nextval('counter'));
         ALTER SEQUENCE counter OWNED BY t.b; CREATE VIEW v AS SELECT name FROM t;
         ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON t USING (n > 0);
         CREATE TABLE m (d date NOT NULL, x text) PARTITION BY RANGE (d);
         CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
         CREATE INDEX m_lower ON m (lower(x));
         CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER m_trg BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION trg();",
    ),
    (
        "an extension updated and taken back to an older version",
        "CREATE EXTENSION pg_trgm VERSION '1.4';",
        "CREATE EXTENSION pg_trgm VERSION '1.6';",
    ),
    (
        "extensions created at a version and dropped, one's type used by a column",
        "CREATE EXTENSION pg_trgm VERSION '1.3'; CREATE EXTENSION hstore;
         CREATE TABLE settings (id int, pairs hstore);",
        "CREATE EXTENSION citext VERSION '1.4'; CREATE EXTENSION pg_trgm VERSION '1.5';
         CREATE TABLE settings (id int, owner_email citext);",
    ),
    (
        "schemas dropped and created with what is in them; tables without columns; an enum column becomes text",
        "CREATE SCHEMA retired; CREATE TABLE retired.log (id uuid, line text); CREATE TYPE retired.level AS ENUM ('low');
         CREATE SCHEMA kept; CREATE TABLE kept.log (id uuid, line text);
         CREATE TABLE nothing_here (); CREATE TYPE colour AS ENUM ('red', 'blue');
         CREATE TABLE swatch (id int, shade colour, spare colour);",
        "CREATE SCHEMA kept; CREATE TABLE kept.log (id uuid, line text); CREATE TABLE kept.extra (id uuid, line text);
         CREATE SCHEMA newcomer; CREATE TABLE newcomer.log (id uuid);
         CREATE TABLE still_nothing (); CREATE TYPE colour AS ENUM ('red', 'blue');
         CREATE TABLE swatch (id int, shade colour, spare text);",
    ),
    (
        "a column becomes serial and the key, uniques and a foreign key go, checks change, \
         views and a materialized view redefined, a function's volatility and security change",
        "CREATE TABLE shipment (id int PRIMARY KEY);
         CREATE TABLE stock (code int, label varchar(12) NOT NULL UNIQUE, cost numeric, shelf int NOT NULL DEFAULT 3 UNIQUE,
             shipment int REFERENCES shipment ON DELETE CASCADE, retired text, CONSTRAINT cost_ok CHECK (cost > 0));
         CREATE UNIQUE INDEX ON stock (shelf); CREATE INDEX ON stock (cost);
         CREATE VIEW stock_all AS SELECT * FROM stock; CREATE MATERIALIZED VIEW stock_snapshot AS SELECT * FROM stock;
         CREATE FUNCTION pick(n integer, tags text[]) RETURNS TABLE (label text, qty integer) LANGUAGE plpgsql
             STABLE STRICT SECURITY DEFINER AS $$ BEGIN RETURN QUERY SELECT 'one'::text, n; END $$;",
        "CREATE TABLE shipment (id int PRIMARY KEY UNIQUE);
         CREATE TABLE stock (code serial PRIMARY KEY, label text, cost numeric NOT NULL DEFAULT 50, shelf int,
             added text, wait interval, CONSTRAINT cost_ok CHECK (cost > 5), CONSTRAINT cost_pos CHECK (cost > 0));
         CREATE INDEX ON stock (label);
         CREATE TABLE stock_line (code int REFERENCES stock ON DELETE RESTRICT, shipment int REFERENCES shipment ON DELETE CASCADE,
             qty int, PRIMARY KEY (code, shipment));
         CREATE VIEW stock_all AS SELECT 3 AS three; CREATE MATERIALIZED VIEW stock_snapshot AS SELECT 4 AS four;
         CREATE FUNCTION pick(n integer, tags text[]) RETURNS TABLE (label text, qty integer) LANGUAGE plpgsql
             VOLATILE STRICT SECURITY DEFINER AS $$ BEGIN RETURN QUERY SELECT 'one'::text, n; END $$;
         CREATE FUNCTION pick_more(n integer, tags text[]) RETURNS TABLE (label text, qty integer) LANGUAGE plpgsql
             STABLE STRICT SECURITY INVOKER AS $$ BEGIN RETURN QUERY SELECT 'more'::text, n; END $$;",
    ),
    (
        "a chain of views dropped with a function that reads one; a view gains a column under an unchanged view",
        "CREATE TABLE origin (id serial PRIMARY KEY, label text);
         CREATE VIEW link1 AS SELECT label FROM origin; CREATE VIEW link2 AS SELECT label FROM link1;
         CREATE VIEW link3 AS SELECT label FROM link2;
         CREATE VIEW widening AS SELECT label FROM origin; CREATE VIEW over_widening AS SELECT label FROM widening;
         CREATE FUNCTION via_link2(x text) RETURNS TABLE (label text) LANGUAGE sql AS 'SELECT label FROM link2';",
        "CREATE TABLE origin (id serial PRIMARY KEY, label text);
         CREATE VIEW widening AS SELECT label, 'more' AS extra FROM origin;
         CREATE VIEW over_widening AS SELECT label FROM widening;",
    ),
    (
        "a view becomes a materialized view, a view's only column renamed and retyped, names that need quoting",
        "CREATE TABLE base (a int); CREATE VIEW reads_base AS SELECT a FROM base; CREATE VIEW turns AS SELECT 1 AS a;
         CREATE TABLE \"odd table (really)?\" (code text);
         CREATE VIEW \"odd view [x]\" AS SELECT code FROM \"odd table (really)?\";",
        "CREATE TABLE base (a int, b int); CREATE VIEW reads_base AS SELECT a FROM base;
         CREATE MATERIALIZED VIEW turns AS SELECT 1 AS a;
         CREATE TABLE \"odd table (really)?\" (code text);
         CREATE VIEW \"odd view [x]\" AS SELECT code::int + 1 AS next_code FROM \"odd table (really)?\";",
    ),
    (
        "a view that relies on its table's primary key, and a materialized view over it with a unique index",
        "CREATE TABLE leftover (a int);",
        "CREATE TABLE tally (id int PRIMARY KEY, tag text, score int);
         CREATE VIEW best AS SELECT id, tag, max(score) AS top FROM tally GROUP BY id;
         CREATE MATERIALIZED VIEW best_ids AS SELECT id FROM best; CREATE UNIQUE INDEX ON best_ids (id);",
    ),
    (
        "a primary key renamed under a view that groups by it, and one widened under a view that changes",
        "CREATE TABLE tally (id int CONSTRAINT tally_pkey PRIMARY KEY, tag text, score int);
         CREATE VIEW best AS SELECT id, tag, max(score) AS top FROM tally GROUP BY id;
         GRANT SELECT ON best TO migrate_host_test_reader;
         CREATE TABLE board (id int PRIMARY KEY, tag text NOT NULL, score int);
         CREATE VIEW leaders AS SELECT id, tag, max(score) AS top FROM board GROUP BY id;",
        "CREATE TABLE tally (id int CONSTRAINT tally_key PRIMARY KEY, tag text, score int);
         CREATE VIEW best AS SELECT id, tag, max(score) AS top FROM tally GROUP BY id;
         GRANT SELECT ON best TO migrate_host_test_reader;
         CREATE TABLE board (id int, tag text NOT NULL, score int, PRIMARY KEY (id, tag));
         CREATE VIEW leaders AS SELECT id, tag, max(score) AS top FROM board GROUP BY id, tag;",
    ),
    (
        "enums in another schema: a value appended under a default, a column moved between two kept enums",
        "CREATE SCHEMA lookup; CREATE TYPE phase AS ENUM ('queued', 'running', 'done');
         CREATE TYPE lookup.size1 AS ENUM ('s', 'm', 'l'); CREATE TYPE lookup.size2 AS ENUM ('s', 'm', 'l');
         CREATE TABLE job (id serial PRIMARY KEY, phase phase DEFAULT 'queued'::phase, size lookup.size1);",
        "CREATE SCHEMA lookup; CREATE TYPE phase AS ENUM ('queued', 'running', 'done', 'failed');
         CREATE TYPE lookup.size1 AS ENUM ('s', 'm', 'l'); CREATE TYPE lookup.size2 AS ENUM ('s', 'm', 'l');
         CREATE TABLE job (id serial PRIMARY KEY, phase phase DEFAULT 'queued'::phase, size lookup.size2);",
    ),
    (
        "an enum gains a value under views that read it, one through a literal, and a new table uses it",
        "CREATE TYPE tone AS ENUM ('low', 'mid', 'high'); CREATE TABLE note (id int PRIMARY KEY, tone tone);
         CREATE VIEW all_notes AS SELECT * FROM note; CREATE VIEW mid_notes AS SELECT *, 'mid'::tone AS pivot FROM note;",
        "CREATE TYPE tone AS ENUM ('low', 'mid', 'high', 'shrill'); CREATE TABLE note (id int PRIMARY KEY, tone tone);
         CREATE VIEW all_notes AS SELECT * FROM note; CREATE VIEW mid_notes AS SELECT *, 'mid'::tone AS pivot FROM note;
         CREATE TABLE chord (id int, tone tone);",
    ),
    (
        "identity: a default becomes identity, always and by default swap, always is removed; \
         a table of identity and generated columns replaced; generated text columns swapped",
        "CREATE TABLE ids (p int DEFAULT 9, q int GENERATED ALWAYS AS IDENTITY, r int GENERATED BY DEFAULT AS IDENTITY,
             s int GENERATED ALWAYS AS IDENTITY);
         CREATE TABLE old_mix (a int, b int DEFAULT 1, c int GENERATED ALWAYS AS (2) STORED,
             d int GENERATED ALWAYS AS IDENTITY, e int GENERATED BY DEFAULT AS IDENTITY);
         CREATE TABLE gen_text (id serial PRIMARY KEY, was text GENERATED ALWAYS AS ('fixed') STORED, becomes text);",
        "CREATE TABLE ids (p int GENERATED BY DEFAULT AS IDENTITY, r int GENERATED ALWAYS AS IDENTITY,
             q int GENERATED BY DEFAULT AS IDENTITY, s int);
         CREATE TABLE new_mix (a int, b int DEFAULT 1, c int GENERATED ALWAYS AS (2) STORED,
             d int GENERATED ALWAYS AS IDENTITY, e int GENERATED BY DEFAULT AS IDENTITY);
         CREATE TABLE gen_text (id serial PRIMARY KEY, was text, becomes text GENERATED ALWAYS AS ('fixed' || '!') STORED);",
    ),
    (
        "children of a bigserial parent with their own checks and uniques; a parent drops a column a child keeps, \
         a child drops its own",
        "CREATE TABLE solo (id int);
         CREATE TABLE stamped (at timestamp DEFAULT now(), n integer);
         CREATE TABLE kid (k1 integer, k2 integer) INHERITS (stamped);",
        "CREATE TABLE binding (id bigserial, kind text NOT NULL, ref bigint NOT NULL);
         CREATE TABLE binding_x (CONSTRAINT \"kind is x\" CHECK (kind = 'x'), UNIQUE (ref, kind)) INHERITS (binding);
         CREATE TABLE binding_y (CONSTRAINT \"kind is y\" CHECK (kind = 'y'), UNIQUE (ref, kind)) INHERITS (binding);
         CREATE TABLE stamped (at timestamp DEFAULT now());
         CREATE TABLE kid (k1 integer, n integer) INHERITS (stamped);",
    ),
    (
        "a plain table becomes partitioned and a partitioned one plain; an index on one partition; list partitions",
        "CREATE TABLE reading (site int NOT NULL, day date NOT NULL, value int) PARTITION BY RANGE (day);
         CREATE TABLE reading_2021 PARTITION OF reading FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
         CREATE TABLE reading_2022 PARTITION OF reading FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
         CREATE INDEX ON reading_2021 (day);
         CREATE TABLE to_parted (site int NOT NULL, day date NOT NULL, value int);
         CREATE TABLE to_plain (site int NOT NULL, day date NOT NULL, value int) PARTITION BY RANGE (day);
         CREATE TABLE by_region (region text NOT NULL, n int) PARTITION BY LIST (region);
         CREATE TABLE by_region_north PARTITION OF by_region FOR VALUES IN ('north');",
        "CREATE TABLE reading (site int NOT NULL, day date NOT NULL, value int, note text) PARTITION BY RANGE (day);
         CREATE TABLE reading_2020 PARTITION OF reading FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
         CREATE TABLE reading_2021 PARTITION OF reading FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
         CREATE TABLE reading_2022 (site int NOT NULL, day date NOT NULL, value int);
         CREATE INDEX ON reading_2021 (day);
         CREATE TABLE to_parted (site int NOT NULL, day date NOT NULL, value int) PARTITION BY RANGE (day);
         CREATE TABLE to_plain (site int NOT NULL, day date NOT NULL, value int);
         CREATE TABLE by_region (region text NOT NULL, n int) PARTITION BY LIST (region);
         CREATE TABLE by_region_north PARTITION OF by_region FOR VALUES IN ('north', 'arctic');
         CREATE TABLE by_region_south PARTITION OF by_region FOR VALUES IN ('south');",
    ),
    (
        "privileges granted to the owner itself, every grant revoked from a table, a granted view dropped",
        "CREATE TABLE ledger (id serial PRIMARY KEY, what text NOT NULL); CREATE UNIQUE INDEX ON ledger (what);
         CREATE VIEW ledger_a AS SELECT * FROM ledger; CREATE VIEW ledger_b AS SELECT * FROM ledger;
         CREATE TABLE open_book (id int);
         GRANT SELECT, INSERT ON ledger TO CURRENT_USER; GRANT SELECT ON ledger_b TO migrate_host_test_reader;
         GRANT SELECT, DELETE ON open_book TO migrate_host_test_reader; GRANT SELECT ON open_book TO PUBLIC;",
        "CREATE TABLE ledger (id serial PRIMARY KEY, what text NOT NULL); CREATE UNIQUE INDEX ON ledger (what);
         CREATE VIEW ledger_a AS SELECT * FROM ledger;
         CREATE TABLE open_book (id int);
         GRANT UPDATE, INSERT ON ledger TO CURRENT_USER;",
    ),
    (
        "row-level security enabled and disabled on kept tables, a policy made restrictive, a FOR ALL policy",
        "CREATE TABLE account (manager text, firm text); ALTER TABLE account ENABLE ROW LEVEL SECURITY;
         CREATE POLICY managers ON account TO migrate_host_test_reader USING (manager = current_user);
         CREATE TABLE account_b (manager text); CREATE TABLE account_c (manager text);
         ALTER TABLE account_c ENABLE ROW LEVEL SECURITY; CREATE TABLE bare ();",
        "CREATE TABLE account (manager text, firm text); ALTER TABLE account ENABLE ROW LEVEL SECURITY;
         CREATE POLICY managers ON account AS RESTRICTIVE TO migrate_host_test_reader USING (manager = current_user);
         CREATE TABLE account_b (manager text); ALTER TABLE account_b ENABLE ROW LEVEL SECURITY;
         CREATE TABLE account_c (manager text);
         CREATE TABLE sample (id serial PRIMARY KEY, name text NOT NULL); ALTER TABLE sample ENABLE ROW LEVEL SECURITY;
         CREATE POLICY sample_all ON sample FOR ALL USING (true);",
    ),
    (
        "a serial column's sequence kept but disowned, a free-standing sequence taken over by serial, \
         primary keys made from an index, one deferrable",
        "CREATE TABLE first (id serial PRIMARY KEY); CREATE TABLE dropped ();
         CREATE SEQUENCE second_id_seq; CREATE TABLE second (id integer NOT NULL DEFAULT nextval('second_id_seq'::regclass));
         CREATE UNIQUE INDEX second_pkey ON second (id);
         ALTER TABLE second ADD CONSTRAINT second_pkey PRIMARY KEY USING INDEX second_pkey;
         CREATE TABLE third (k int UNIQUE);",
        "CREATE SEQUENCE first_id_seq; CREATE TABLE first (id integer NOT NULL DEFAULT nextval('first_id_seq'::regclass));
         CREATE UNIQUE INDEX first_pkey ON first (id);
         ALTER TABLE first ADD CONSTRAINT first_pkey PRIMARY KEY USING INDEX first_pkey;
         CREATE TABLE second (id serial PRIMARY KEY);
         CREATE TABLE third (k int UNIQUE); CREATE UNIQUE INDEX third_pkey ON third (k);
         ALTER TABLE third ADD CONSTRAINT third_pkey PRIMARY KEY USING INDEX third_pkey DEFERRABLE INITIALLY DEFERRED;",
    ),
    (
        "a primary key and a same-named check move to another table, unique indexes move, \
         an exclusion constraint dropped from a kept table",
        "CREATE TABLE one (a int); CREATE TABLE target (t int PRIMARY KEY);
         CREATE TABLE two (a int PRIMARY KEY, t int REFERENCES target (t), cost numeric, CONSTRAINT positive CHECK (cost > 0));
         CREATE UNIQUE INDEX ON one (a);
         CREATE TABLE rings (r circle, EXCLUDE USING gist (r WITH &&));",
        "CREATE TABLE target (t int PRIMARY KEY);
         CREATE TABLE two (a int, t int REFERENCES target (t) DEFERRABLE INITIALLY DEFERRED);
         CREATE TABLE one (a int PRIMARY KEY, cost numeric, CONSTRAINT positive CHECK (cost > 0));
         CREATE UNIQUE INDEX ON two (a);
         CREATE TABLE rings (r circle); CREATE TABLE hoops (h circle, EXCLUDE USING gist (h WITH &&));",
    ),
    (
        "triggers dropped, created and given other events; same-named triggers on two tables; \
         a table with a trigger loses a column; an INSTEAD OF trigger on a view re-created with data underneath",
        "CREATE TABLE staff (name text, pay integer, changed_at timestamp, changed_by text);
         CREATE FUNCTION check_pay() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.pay < 0 THEN RAISE EXCEPTION 'negative pay for %', NEW.name; END IF;
             NEW.changed_at := current_timestamp; NEW.changed_by := current_user; RETURN NEW;
         END $$;
         CREATE TRIGGER pay_check BEFORE INSERT OR UPDATE ON staff FOR EACH ROW EXECUTE PROCEDURE check_pay();
         CREATE TRIGGER pay_check_old BEFORE INSERT ON staff FOR EACH ROW EXECUTE PROCEDURE check_pay();
         CREATE TABLE left_side (id serial PRIMARY KEY); CREATE TABLE right_side (id serial PRIMARY KEY, memo text);
         CREATE FUNCTION wave() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'wave'; RETURN NULL; END $$;
         CREATE TRIGGER waved AFTER INSERT ON left_side FOR EACH ROW EXECUTE PROCEDURE wave();
         CREATE TRIGGER waved AFTER INSERT ON right_side FOR EACH ROW EXECUTE PROCEDURE wave();
         CREATE TABLE entry (body text, n int); CREATE VIEW entry_v AS SELECT body, n FROM entry;
         CREATE FUNCTION entry_add() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN INSERT INTO entry (body) VALUES (NEW.body); RETURN NEW; END $$;
         CREATE TRIGGER entry_v_add INSTEAD OF INSERT ON entry_v FOR EACH ROW EXECUTE PROCEDURE entry_add();
         INSERT INTO entry_v VALUES ('kept through the round trip');",
        "CREATE TABLE staff (name text, pay integer, changed_at timestamp, changed_by text);
         CREATE FUNCTION check_pay() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.pay < 0 THEN RAISE EXCEPTION 'negative pay for %', NEW.name; END IF;
             NEW.changed_at := current_timestamp; NEW.changed_by := current_user; RETURN NEW;
         END $$;
         CREATE TRIGGER pay_check BEFORE UPDATE ON staff FOR EACH ROW EXECUTE PROCEDURE check_pay();
         CREATE TRIGGER pay_check_new BEFORE INSERT OR UPDATE ON staff FOR EACH ROW EXECUTE PROCEDURE check_pay();
         CREATE TABLE left_side (id serial PRIMARY KEY); CREATE TABLE right_side (id serial PRIMARY KEY);
         CREATE FUNCTION wave() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'wave'; RETURN NULL; END $$;
         CREATE TRIGGER waved AFTER INSERT ON right_side FOR EACH ROW EXECUTE PROCEDURE wave();
         CREATE TRIGGER waved AFTER INSERT ON left_side FOR EACH ROW EXECUTE PROCEDURE wave();
         CREATE TABLE entry (body text, at timestamp, n int); CREATE VIEW entry_v AS SELECT body, at, n FROM entry;
         CREATE FUNCTION entry_add() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN INSERT INTO entry (body) VALUES (NEW.body); RETURN NEW; END $$;
         CREATE TRIGGER entry_v_add INSTEAD OF INSERT ON entry_v FOR EACH ROW EXECUTE PROCEDURE entry_add();",
    ),
    (
        "a collation copied from another dropped as its column moves to an ICU one, a new column on a kept collation",
        "CREATE COLLATION plain_posix FROM \"POSIX\"; CREATE TABLE word (w text, sorted text COLLATE plain_posix);
         CREATE COLLATION digits_as_numbers (provider = icu, locale = 'en-u-kn-true');",
        "CREATE COLLATION digits_as_numbers (provider = icu, locale = 'en-u-kn-true');
         CREATE TABLE word (w text, sorted text COLLATE digits_as_numbers, also_sorted text COLLATE digits_as_numbers);",
    ),
    (
        "one schema among others changes: an extension swapped, an enum value appended, a column added in the middle, \
         views redefined (one with an unnamed column), an index and a granted table in public dropped",
        "CREATE EXTENSION hstore; CREATE SCHEMA shop; CREATE TABLE shop.item (id uuid, price text);
         CREATE TABLE loose_end (id uuid, price text); CREATE TYPE shop.state AS ENUM ('open', 'shut');
         CREATE INDEX ON shop.item (id); CREATE VIEW shop.named AS SELECT 1 AS one; CREATE VIEW shop.unnamed AS SELECT 1;
         GRANT SELECT ON loose_end TO migrate_host_test_reader;",
        "CREATE EXTENSION citext; CREATE SCHEMA shop; CREATE TYPE shop.state AS ENUM ('open', 'shut', 'moved');
         CREATE TABLE shop.item (id uuid, title text, price text);
         CREATE VIEW shop.named AS SELECT 2 AS two; CREATE VIEW shop.unnamed AS SELECT 2;",
    ),
];

/// Makes a role the pairs name, if the server lacks it (roles are per server).
async fn ensure_role(role: &str) {
    let admin = TestDatabase::create(support::example_dir()).await.unwrap();
    admin
        .client()
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .await
        .unwrap();
    admin.drop().await.unwrap();
}

/// Every pair of `pairs` round-trips; the failures are named together.
async fn every_pair_round_trips(pairs: &[(&str, &str, &str)]) {
    // The role the privilege and policy pairs name.
    ensure_role("migrate_host_test_reader").await;
    let mut failures = Vec::new();
    for (name, a, b) in pairs {
        let outcome = round_trip(a, b).await;
        if outcome != Outcome::Passed {
            failures.push(format!("{name}: {outcome:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// In two halves, which the test harness runs side by side.
#[tokio::test]
async fn the_projects_own_pairs_round_trip_first_half() {
    every_pair_round_trips(&PAIRS[..PAIRS.len() / 2]).await;
}

#[tokio::test]
async fn the_projects_own_pairs_round_trip_second_half() {
    every_pair_round_trips(&PAIRS[PAIRS.len() / 2..]).await;
}

/// Schemas in the shape real applications take, two versions each
/// (`tests/apps/<app>/a.sql`, `b.sql`): a multi-tenant SaaS with partitioned
/// events and row-level security, an e-commerce shop with views over
/// functions over functions, and an application built on extensions
/// (citext, pgcrypto, pg_trgm).
const APPS: &[(&str, &str, &str)] = &[
    ("saas", include_str!("apps/saas/a.sql"), include_str!("apps/saas/b.sql")),
    ("shop", include_str!("apps/shop/a.sql"), include_str!("apps/shop/b.sql")),
    (
        "extensions",
        include_str!("apps/extensions/a.sql"),
        include_str!("apps/extensions/b.sql"),
    ),
];

#[tokio::test]
async fn real_application_schemas_round_trip() {
    every_pair_round_trips(APPS).await;
}

const RENAMED_A: &str =
    "CREATE TABLE t (id int CONSTRAINT t_old_pkey PRIMARY KEY, n int CONSTRAINT n_positive CHECK (n > 0), m int);
    CREATE TABLE c (t_id int CONSTRAINT c_t_fk REFERENCES t (id));
    CREATE INDEX t_m_old ON t (m); CREATE INDEX twin_1 ON t (n); CREATE INDEX twin_2 ON t (n);";
const RENAMED_B: &str =
    "CREATE TABLE t (id int CONSTRAINT t_pkey PRIMARY KEY, n int CONSTRAINT n_is_positive CHECK (n > 0), m int);
    CREATE TABLE c (t_id int CONSTRAINT c_t_id_fkey REFERENCES t (id));
    CREATE INDEX t_m_new ON t (m); CREATE INDEX twin_a ON t (n); CREATE INDEX twin_b ON t (n);";

#[tokio::test]
async fn constraints_and_indexes_that_only_change_their_name_are_renamed() {
    let schema = |sql: &'static str| async move {
        let db = TestDatabase::create(support::example_dir()).await.unwrap();
        db.client().batch_execute(sql).await.unwrap();
        let schema = introspect(db.client()).await.unwrap();
        db.drop().await.unwrap();
        schema
    };
    let (a, b) = (schema(RENAMED_A).await, schema(RENAMED_B).await);
    let steps: Vec<String> = diff(&a, &b).unwrap().iter().map(|s| s.describe()).collect();
    for renamed in [
        "rename-constraint t_old_pkey on public.t to t_pkey",
        "rename-constraint n_positive on public.t to n_is_positive",
        "rename-constraint c_t_fk on public.c to c_t_id_fkey",
        "rename-index public.t_m_old to t_m_new",
    ] {
        assert!(steps.iter().any(|s| s == renamed), "{renamed}: {steps:#?}");
    }
    // Two identical indexes renamed: which is which is a guess, so they are rebuilt.
    assert!(steps.iter().any(|s| s == "drop-index public.twin_1"), "{steps:#?}");
    assert!(steps.iter().any(|s| s.starts_with("add-index twin_a")), "{steps:#?}");
    assert!(!steps.iter().any(|s| s.starts_with("drop-constraint")), "{steps:#?}");
    assert_eq!(round_trip(RENAMED_A, RENAMED_B).await, Outcome::Passed);
}

/// How many pairs of the CI corpus (`../shared/corpus/migra`) pass today: a
/// floor that may only rise.
const CORPUS_FLOOR: usize = 26;

/// The migra corpus `MIGRATE_HOST_CORPUS` names (CI sets it; see
/// `support::corpus_cases`), every pair both ways.
#[tokio::test]
async fn the_migra_corpus_round_trips() {
    let Some(cases) = support::corpus_cases("the_migra_corpus_round_trips") else {
        return;
    };
    // The role the rls pair's policies name, as migra's own test set-up makes it.
    ensure_role("schemainspect_test_role").await;
    let (mut passed, mut failed, mut up_only) = (0, 0, 0);
    let mut report = Vec::new();
    for case in &cases {
        let read = |f: &str| std::fs::read_to_string(Path::new(case).join(f)).unwrap();
        let outcome = round_trip(&read("a.sql"), &read("b.sql")).await;
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        match &outcome {
            Outcome::Failed(why) | Outcome::Unsupported(why) if why.starts_with("down:") => up_only += 1,
            _ => {}
        }
        match outcome {
            Outcome::Passed => passed += 1,
            Outcome::Failed(_) => failed += 1,
            Outcome::Unsupported(_) => {}
        }
        report.push(format!("{name}: {outcome:?}"));
    }
    eprintln!(
        "corpus: {} of {n} pairs pass up, {passed} of {n} both ways\n{}",
        passed + up_only,
        report.join("\n"),
        n = cases.len()
    );
    // Every pair passes or names what is not supported yet: none goes wrong.
    assert_eq!(failed, 0, "corpus pairs failed");
    assert!(
        passed >= CORPUS_FLOOR,
        "only {passed} corpus pairs pass; the floor is {CORPUS_FLOOR}"
    );
}
