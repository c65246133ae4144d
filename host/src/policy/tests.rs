//! The grant checks, without a database.

use super::*;
use crate::model::QualifiedName;

fn sandboxed(schemas: &[&str], capabilities: &[Capability]) -> Grant {
    Grant {
        trust: Trust::Sandboxed,
        schemas: schemas.iter().map(|s| s.to_string()).collect(),
        capabilities: capabilities.to_vec(),
        ..Grant::trusted(Limits::default())
    }
}

#[test]
fn a_trusted_source_may_do_anything() {
    let grant = Grant::trusted(Limits::default());
    let drop = Action::DropTable {
        table: QualifiedName::unqualified("users"),
    };
    assert!(grant.check(&drop).is_ok());
    assert!(
        grant
            .check_sql("SELECT set_config('role', 'postgres', true)", None)
            .is_ok()
    );
}

#[test]
fn schemas_and_capabilities_bound_a_sandboxed_source() {
    let grant = sandboxed(&["auth"], &[Capability::Create, Capability::Alter]);
    let in_auth = QualifiedName::qualified("auth", "users");
    let add = Action::AddTable {
        table: in_auth.clone(),
        columns: vec![],
        options: Default::default(),
    };
    assert!(grant.check(&add).is_ok());
    let elsewhere = Action::AddTable {
        table: QualifiedName::unqualified("users"),
        columns: vec![],
        options: Default::default(),
    };
    let err = grant.check(&elsewhere).unwrap_err().to_string();
    assert!(
        err.contains("touches schema public, outside this source's schemas (auth)"),
        "{err}"
    );
    let err = grant
        .check(&Action::DropTable { table: in_auth })
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs the `drop` grant"), "{err}");
    let function = Action::CreateFunction {
        definition: "CREATE FUNCTION auth.f() RETURNS int LANGUAGE sql AS 'SELECT 1'".into(),
    };
    assert!(grant.check(&function).is_err(), "functions need their own grant");
    let index = Action::AddIndexSql {
        definition: "CREATE INDEX i ON public.users (lower(email))".into(),
    };
    assert!(grant.check(&index).is_err(), "the indexed table's schema counts");
}

#[test]
fn sandboxed_sql_cannot_change_role_or_define_code() {
    let grant = sandboxed(&["auth"], &[Capability::Sql]);
    assert!(
        grant
            .check_sql("INSERT INTO auth.users (email) VALUES ($1)", None)
            .is_ok()
    );
    assert!(grant.check_sql("CREATE TABLE auth.t (id int)", None).is_ok());
    assert!(
        grant
            .check_sql("ALTER TABLE auth.t ADD COLUMN x int, ALTER COLUMN x SET NOT NULL", None)
            .is_ok()
    );
    for sql in [
        "SET LOCAL ROLE postgres",
        "SET ROLE postgres",
        "RESET ROLE",
        "SET LOCAL search_path = public",
        "SET SESSION AUTHORIZATION postgres",
        "SELECT set_config('role', 'postgres', true)",
        "SELECT pg_catalog.SET_CONFIG('session_authorization', 'postgres', false)",
        "SELECT * FROM auth.users WHERE (SELECT set_config('role', 'postgres', true)) IS NOT NULL",
        "DO $$ BEGIN EXECUTE 'SET ROLE postgres'; END $$",
        "CREATE FUNCTION auth.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE TRIGGER t BEFORE INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION auth.f()",
        "CREATE RULE r AS ON INSERT TO auth.users DO INSTEAD NOTHING",
        "CREATE EXTENSION plpython3u",
        "ALTER ROLE current_user SUPERUSER",
        "GRANT postgres TO current_user",
        "COMMIT",
        "SELECT 1; SELECT 2",
    ] {
        assert!(grant.check_sql(sql, None).is_err(), "{sql}");
    }
    let no_sql = sandboxed(&["auth"], &[Capability::Create]);
    assert!(
        no_sql
            .check_sql("SELECT 1", None)
            .unwrap_err()
            .to_string()
            .contains("`sql` grant")
    );
}

#[test]
fn sandboxed_sql_stays_in_its_schemas_and_needs_drop_and_acknowledgement_to_lose_data() {
    let grant = sandboxed(&["auth"], &[Capability::Sql]);
    for (sql, why) in [
        ("INSERT INTO public.users VALUES (1)", "outside this source's schemas"),
        ("UPDATE users SET x = 1", "outside this source's schemas"),
        (
            "UPDATE pg_settings SET setting = '0' WHERE name = 'statement_timeout'",
            "may not use pg_settings",
        ),
        ("DELETE FROM pg_catalog.pg_description", "system catalog"),
        ("CREATE TABLE public.t AS SELECT 1", "outside this source's schemas"),
        ("DROP TABLE auth.users", "needs the `drop` grant"),
        ("TRUNCATE auth.users", "needs the `drop` grant"),
        ("ALTER TABLE auth.users DROP COLUMN email", "needs the `drop` grant"),
        ("DROP TABLE auth.users CASCADE", "CASCADE"),
        ("DROP SCHEMA auth", "drop this kind of object"),
        (
            "ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY",
            "this ALTER TABLE command",
        ),
        (
            "ALTER TABLE auth.users DISABLE TRIGGER USER",
            "this ALTER TABLE command",
        ),
        ("ALTER TABLE auth.users OWNER TO postgres", "this ALTER TABLE command"),
        ("COMMENT ON TABLE auth.users IS 'x'", "this kind of statement"),
    ] {
        let err = grant.check_sql(sql, None).unwrap_err().to_string();
        assert!(err.contains(why), "{sql}: {err}");
    }
    let with_drop = sandboxed(&["auth"], &[Capability::Sql, Capability::Drop]);
    assert!(with_drop.check_sql("DROP TABLE auth.users", None).is_ok());
    let err = with_drop
        .check_sql("TRUNCATE auth.users", Some("v3"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("add \"v3\" to the source's `acknowledge` list"), "{err}");
    assert!(
        with_drop.check_sql("DELETE FROM auth.users", Some("v3")).is_ok(),
        "a DELETE is data work, not a drop"
    );
}

#[test]
fn config_resolves_sources_with_defaults_and_refuses_mistakes() {
    let config: Config = toml::from_str(
        r#"
        [[source]]
        name = "app"
        dir = "migrations"

        [[source]]
        name = "auth"
        dir = "vendor/auth"
        trust = "sandboxed"
        schemas = ["auth"]
        lock_timeout = "2s"
        [source.limits]
        memory_mib = 32
        "#,
    )
    .unwrap();
    let sources = config.sources(std::path::Path::new("/p"), &Limits::default()).unwrap();
    assert_eq!(sources[0].name, "app");
    assert!(!sources[0].grant.sandboxed());
    assert_eq!(sources[0].grant.capabilities, Capability::ALL.to_vec());
    let auth = &sources[1].grant;
    assert_eq!(sources[1].dir, std::path::Path::new("/p/vendor/auth"));
    assert_eq!(auth.capabilities, vec![Capability::Create, Capability::Alter]);
    assert_eq!(auth.limits.memory_bytes, 32 << 20);
    assert_eq!(auth.limits.max_calls, config::sandbox_limits().max_calls);
    assert_eq!(auth.lock_timeout, Some(std::time::Duration::from_secs(2)));
    assert_eq!(auth.statement_timeout, Some(std::time::Duration::from_secs(30)));

    for (bad, why) in [
        (
            "[[source]]\nname = \"v\"\ndir = \"d\"\ntrust = \"sandboxed\"",
            "needs `schemas`",
        ),
        (
            "[[source]]\nname = \"a\"\ndir = \"d\"\nschemas = [\"x\"]",
            "only apply to trust",
        ),
        ("[[source]]\nname = \"Bad-Name\"\ndir = \"d\"", "a source name is"),
        (
            "[[source]]\nname = \"a\"\ndir = \"d\"\n[[source]]\nname = \"a\"\ndir = \"e\"",
            "two sources",
        ),
        (
            "[[source]]\nname = \"a\"\ndir = \"d\"\ntrust = \"sandboxed\"\nschemas = [\"s\"]\nlock_timeout = \"soon\"",
            "not a duration",
        ),
    ] {
        let config: Config = toml::from_str(bad).unwrap();
        let err = format!(
            "{:#}",
            config
                .sources(std::path::Path::new("/p"), &Limits::default())
                .unwrap_err()
        );
        assert!(err.contains(why), "{bad}: {err}");
    }
    assert!(toml::from_str::<Config>("[[source]]\nname = \"a\"\ndir = \"d\"\nallow_everything = true").is_err());
}

#[test]
fn sandboxed_expressions_cannot_call_set_config_either() {
    use crate::model::{ColumnDef, ColumnDefault, Constraint, DataType, ScalarType, TypeCast};
    let grant = sandboxed(&["auth"], &[Capability::Create, Capability::Alter]);
    let table = QualifiedName::qualified("auth", "t");
    let escape = "set_config('role', 'postgres', true) IS NOT NULL";
    let text = DataType {
        scalar: ScalarType::Text,
        is_array: false,
    };
    let attempts = [
        Action::AddConstraint {
            table: table.clone(),
            name: "c".into(),
            constraint: Constraint::Check(escape.into()),
        },
        Action::AddColumn {
            table: table.clone(),
            column: ColumnDef {
                default: Some(ColumnDefault::Expression(format!("CASE WHEN {escape} THEN 'x' END"))),
                ..ColumnDef::new("c", text.clone())
            },
        },
        Action::ChangeColumnType {
            table: table.clone(),
            column: "c".into(),
            new_type: text,
            cast: TypeCast::Using(format!("CASE WHEN {escape} THEN c END")),
        },
        Action::CreateView {
            name: QualifiedName::qualified("auth", "v"),
            query: "SELECT pg_catalog.set_config('role', 'postgres', true)".into(),
            materialized: true,
        },
    ];
    for action in attempts {
        let err = grant.check(&action).unwrap_err().to_string();
        assert!(err.contains("may not call set_config"), "{}: {err}", action.describe());
    }
    let fine = Action::AddConstraint {
        table,
        name: "c".into(),
        constraint: Constraint::Check("length(c) > 0".into()),
    };
    assert!(grant.check(&fine).is_ok());
    assert!(
        Grant::trusted(Limits::default())
            .check(&Action::AddConstraint {
                table: QualifiedName::qualified("auth", "t"),
                name: "c".into(),
                constraint: Constraint::Check(escape.into()),
            })
            .is_ok(),
        "a trusted source is not second-guessed"
    );
}

#[test]
fn sandboxed_stored_expressions_call_only_value_functions() {
    use crate::model::{ColumnDef, ColumnDefault, Constraint, DataType, PartitionOf, ScalarType};
    let grant = sandboxed(&["auth"], &[Capability::Create, Capability::Alter]);
    let table = QualifiedName::qualified("auth", "t");
    let text = DataType {
        scalar: ScalarType::Text,
        is_array: false,
    };
    let default = |expr: &str| Action::AddColumn {
        table: table.clone(),
        column: ColumnDef {
            default: Some(ColumnDefault::Expression(expr.into())),
            ..ColumnDef::new("c", text.clone())
        },
    };
    assert!(grant.check(&default("lower(md5(now()::text))")).is_ok());
    assert!(grant.check(&default("pg_catalog.gen_random_uuid()::text")).is_ok());
    for expr in [
        "query_to_xml('SELECT pg_read_file(''/etc/passwd'')', true, false, '')::text",
        "pg_read_file('/etc/passwd')",
        "public.anything()",
        "lo_export(1, '/tmp/x')::text",
        "pg_sleep(100)::text",
        "U&\"\\0070g_read_file\"('/etc/passwd')",
        "U&\"!0070g_read_file\" UESCAPE '!'('/etc/passwd')",
    ] {
        let err = grant.check(&default(expr)).unwrap_err().to_string();
        assert!(
            err.contains("may call only built-in functions that compute a value"),
            "{expr}: {err}"
        );
    }
    let check = Action::AddConstraint {
        table: table.clone(),
        name: "c".into(),
        constraint: Constraint::Check("ts_stat('SELECT 1') IS NOT NULL".into()),
    };
    assert!(grant.check(&check).is_err());
    let partition = Action::AddTable {
        table: QualifiedName::qualified("auth", "c"),
        columns: vec![],
        options: crate::model::TableOptions {
            partition_of: Some(PartitionOf {
                parent: table,
                bound: "FOR VALUES IN (set_config('role', 'none', false))".into(),
            }),
            ..Default::default()
        },
    };
    assert!(grant.check(&partition).is_err(), "partition bounds are expressions too");
}

#[test]
fn every_text_an_action_stores_is_held_to_the_allow_list() {
    use crate::model::{ColumnDef, ColumnDefault, Constraint, DataType, ScalarType, TableOptions};
    let grant = sandboxed(&["auth"], &[Capability::Create, Capability::Alter]);
    let table = QualifiedName::qualified("auth", "t");
    let text = DataType {
        scalar: ScalarType::Text,
        is_array: false,
    };
    let refused = |action: &Action| grant.check(action).unwrap_err().to_string();
    // A partition key is a stored expression too.
    let parted = |key: &str| Action::AddTable {
        table: table.clone(),
        columns: vec![ColumnDef::new("a", text.clone())],
        options: TableOptions {
            partition_by: Some(key.into()),
            ..Default::default()
        },
    };
    assert!(grant.check(&parted("LIST ((lower(a)))")).is_ok());
    assert!(refused(&parted("LIST ((pg_read_file(a)))")).contains("pg_read_file is not one of them"));
    // The escape hatch for constraints, read from its parse tree.
    let constraint = |sql: &str| Action::AddConstraint {
        table: table.clone(),
        name: "c".into(),
        constraint: Constraint::Sql(sql.into()),
    };
    assert!(grant.check(&constraint("CHECK (length(a) > 0)")).is_ok());
    assert!(grant.check(&constraint("EXCLUDE USING gist (a WITH =)")).is_ok());
    assert!(
        grant
            .check(&constraint("FOREIGN KEY (a) REFERENCES auth.u (a)"))
            .is_ok()
    );
    assert!(refused(&constraint("CHECK (pg_read_file(a) IS NULL)")).contains("pg_read_file is not one of them"));
    assert!(refused(&constraint("CHECK (public.f(a))")).contains("calls a function of schema public"));
    // A view's query: what it calls runs as whoever reads the view.
    let view = |query: &str| Action::CreateView {
        name: QualifiedName::qualified("auth", "v"),
        query: query.into(),
        materialized: false,
    };
    assert!(grant.check(&view("SELECT lower(a) FROM auth.t")).is_ok());
    assert!(refused(&view("SELECT public.secret()")).contains("calls a function of schema public"));
    assert!(refused(&view("SELECT (SELECT pg_read_file('/x'))")).contains("pg_read_file"));
    assert!(refused(&view("SELECT * FROM pg_catalog.pg_settings")).contains("pg_settings"));
    // Session state and sequences.
    let default = |expr: &str| Action::AddColumn {
        table: table.clone(),
        column: ColumnDef {
            default: Some(ColumnDefault::Expression(expr.into())),
            ..ColumnDef::new("c", text.clone())
        },
    };
    assert!(refused(&default("current_setting('app.jwt_secret', true)")).contains("current_setting"));
    assert!(grant.check(&default("nextval('auth.s')::text")).is_ok());
    assert!(grant.check(&default("nextval('\"auth\".s'::regclass)::text")).is_ok());
    assert!(refused(&default("nextval('public.s')::text")).contains("a sequence of schema public"));
    assert!(refused(&default("nextval('s')::text")).contains("a sequence of schema public"));
    assert!(refused(&default("nextval('auth.' || 's')::text")).contains("as a constant"));
    assert!(refused(&default("currval('auth.s')::text")).contains("session's sequence state"));
    assert!(refused(&default("setval('auth.s', 1)::text")).contains("session's sequence state"));
}

#[test]
fn sandboxed_sql_calls_only_value_functions_and_writes_only_its_schemas() {
    let grant = sandboxed(&["auth"], &[Capability::Sql, Capability::Create]);
    for sql in [
        "SELECT count(*), max(id), string_agg(name, ',') FROM auth.users",
        "SELECT row_number() OVER (ORDER BY id), lower(name) FROM auth.users",
        "INSERT INTO auth.users (name) SELECT md5(g::text) FROM generate_series(1, 3) g",
        "SELECT setval('auth.users_id_seq', (SELECT max(id) FROM auth.users))",
        "SELECT nextval('auth.users_id_seq'::regclass)",
        "WITH d AS (DELETE FROM auth.users WHERE id < 0 RETURNING id) SELECT count(*) FROM d",
        "CREATE TABLE auth.t (id serial, a text DEFAULT lower('X'))",
    ] {
        grant.check_sql(sql, None).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    for (sql, why) in [
        ("SELECT pg_notify('c', 'x')", "pg_notify is not one of them"),
        (
            "SELECT 1 FROM auth.users WHERE pg_sleep(1) IS NULL",
            "pg_sleep is not one of them",
        ),
        (
            "SELECT current_setting('app.secret')",
            "current_setting is not one of them",
        ),
        ("SELECT lastval()", "lastval is not one of them"),
        ("SELECT public.f()", "calls a function of schema public"),
        ("SELECT f()", "f is not one of them"),
        ("SELECT nextval('public.app_seq')", "a sequence of schema public"),
        ("SELECT nextval($1)", "as a constant"),
        (
            "CREATE TABLE auth.t (a text DEFAULT pg_read_file('/etc/passwd'))",
            "pg_read_file is not one of them",
        ),
        (
            "CREATE TABLE auth.t (a text DEFAULT public.secret())",
            "calls a function of schema public",
        ),
        (
            "WITH d AS (DELETE FROM public.keep RETURNING 1) SELECT 1",
            "outside this source's schemas",
        ),
        (
            "SELECT * FROM (WITH u AS (UPDATE keep SET id = 1 RETURNING id) SELECT * FROM u) x",
            "outside this source's schemas",
        ),
        (
            "WITH i AS (INSERT INTO public.keep VALUES (1) RETURNING 1) INSERT INTO auth.t SELECT 1 FROM i",
            "outside",
        ),
        ("SELECT * FROM pg_settings", "pg_settings"),
    ] {
        let err = grant.check_sql(sql, None).unwrap_err().to_string();
        assert!(err.contains(why), "{sql}: expected {why:?} in {err}");
    }
    // Functions of its own schemas, with the `functions` grant only.
    let with_functions = sandboxed(&["auth"], &[Capability::Sql, Capability::Functions]);
    assert!(with_functions.check_sql("SELECT auth.f()", None).is_ok());
    assert!(grant.check_sql("SELECT auth.f()", None).is_err());
    assert!(with_functions.check_sql("SELECT public.f()", None).is_err());
}

#[test]
fn sandboxed_ddl_may_not_lock_or_call_into_other_schemas() {
    let grant = sandboxed(&["auth"], &[Capability::Sql, Capability::Create]);
    for (sql, why) in [
        (
            "CREATE TABLE auth.p PARTITION OF public.parted FOR VALUES IN (1)",
            "outside this source's schemas",
        ),
        (
            "CREATE TABLE auth.c () INHERITS (public.users)",
            "outside this source's schemas",
        ),
        (
            "CREATE TABLE auth.r (u int REFERENCES public.users (id))",
            "outside this source's schemas",
        ),
        (
            "ALTER TABLE auth.r ADD FOREIGN KEY (u) REFERENCES users (id)",
            "outside this source's schemas",
        ),
        ("SELECT 1 OPERATOR(public.===) 1", "calls a function of schema public"),
    ] {
        let err = grant.check_sql(sql, None).unwrap_err().to_string();
        assert!(err.contains(why), "{sql}: expected {why:?} in {err}");
    }
    assert!(
        grant
            .check_sql("CREATE TABLE auth.r (u int REFERENCES auth.t (id))", None)
            .is_ok()
    );
    assert!(grant.check_sql("SELECT 1 OPERATOR(pg_catalog.+) 1", None).is_ok());
    // A view of its own may aggregate, through the action too.
    let view = Action::CreateView {
        name: QualifiedName::qualified("auth", "v"),
        query: "SELECT count(*), row_number() OVER () FROM auth.t".into(),
        materialized: false,
    };
    assert!(sandboxed(&["auth"], &[Capability::Create]).check(&view).is_ok());
    // Functions and triggers name their schema.
    let functions = sandboxed(&["auth"], &[Capability::Functions]);
    let function = |sql: &str| Action::CreateFunction { definition: sql.into() };
    let body = "RETURNS int LANGUAGE sql AS $$ SELECT 1 $$";
    assert!(
        functions
            .check(&function(&format!("CREATE FUNCTION auth.f() {body}")))
            .is_ok()
    );
    let err = functions
        .check(&function(&format!("CREATE FUNCTION public.lower(text) {body}")))
        .unwrap_err();
    assert!(err.to_string().contains("touches schema public"), "{err}");
    let trigger = Action::CreateTrigger {
        definition: "CREATE TRIGGER x BEFORE INSERT ON public.users FOR EACH ROW EXECUTE FUNCTION auth.f()".into(),
    };
    assert!(
        functions
            .check(&trigger)
            .unwrap_err()
            .to_string()
            .contains("touches schema public")
    );
}

#[test]
fn a_drop_through_execute_needs_what_the_same_drop_action_needs() {
    use crate::model::QualifiedName as Q;
    let with_drop = sandboxed(&["auth"], &[Capability::Sql, Capability::Drop]);
    let without = sandboxed(&["auth"], &[Capability::Sql]);
    let unacknowledged = Some("v3");
    // Indexes and views hold no data: the drop grant, no acknowledgement,
    // by the action and by raw SQL alike.
    for sql in ["DROP INDEX auth.i", "DROP VIEW auth.v", "DROP MATERIALIZED VIEW auth.m"] {
        assert!(with_drop.check_sql(sql, unacknowledged).is_ok(), "{sql}");
        assert!(
            without
                .check_sql(sql, None)
                .unwrap_err()
                .to_string()
                .contains("needs the `drop` grant")
        );
    }
    assert!(
        crate::lint::data_loss(&Action::DropIndex {
            index: Q::qualified("auth", "i")
        })
        .is_none()
    );
    assert!(
        crate::lint::data_loss(&Action::DropView {
            name: Q::qualified("auth", "v"),
            materialized: false
        })
        .is_none()
    );
    // Tables, sequences, truncation and columns lose data: both.
    for sql in [
        "DROP TABLE auth.t",
        "DROP SEQUENCE auth.s",
        "TRUNCATE auth.t",
        "ALTER TABLE auth.t DROP COLUMN c",
    ] {
        let err = with_drop.check_sql(sql, unacknowledged).unwrap_err().to_string();
        assert!(err.contains("must be acknowledged"), "{sql}: {err}");
        assert!(with_drop.check_sql(sql, None).is_ok(), "{sql}");
    }
    assert!(
        crate::lint::data_loss(&Action::DropTable {
            table: Q::qualified("auth", "t")
        })
        .is_some()
    );
    assert!(
        crate::lint::data_loss(&Action::DropSequence {
            name: Q::qualified("auth", "s")
        })
        .is_some()
    );
}

#[test]
fn a_tenant_migration_changes_its_own_schema_only() {
    let grant = Grant::trusted(Limits::default()).on_tenant("acme");
    let drop = |schema: Option<&str>| Action::DropTable {
        table: QualifiedName {
            schema: schema.map(Into::into),
            name: "users".into(),
        },
    };
    assert!(grant.check(&drop(None)).is_ok());
    assert!(grant.check(&drop(Some("acme"))).is_ok());
    let refused = grant.check(&drop(Some("public"))).unwrap_err().to_string();
    assert!(
        refused.contains("drop-table public.users changes schema public, on tenant acme"),
        "{refused}"
    );
    assert!(Grant::trusted(Limits::default()).check(&drop(Some("public"))).is_ok());
}
