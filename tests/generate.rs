//! `generate` end to end: a declared schema becomes a migration crate, the
//! crate builds into a component, applying it brings the database to the
//! declared schema, a second `generate` finds nothing, and rolling back
//! restores the database as it was. Every text the schema stores reaches
//! the database byte for byte; odd messages make crates that build; a crate
//! that does not build never joins the directory; the binary's output
//! honours `-q` and `-v`.

mod support;

use migrate_host::generate::{Generated, Options, generate};
use migrate_host::schema::introspect;
use migrate_host::testing::TestDatabase;
use support::*;

/// A migrations directory with no migration yet, whose builds share one
/// cargo target directory across tests and runs.
fn empty_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shared_target = repo_root().join("target/generate-test-target");
    std::fs::create_dir_all(&shared_target).unwrap();
    std::os::unix::fs::symlink(&shared_target, dir.path().join("target")).unwrap();
    dir
}

/// The `migrate-host` binary built from this checkout. `CARGO_BIN_EXE_...`
/// names the copy cargo links into the target directory, which another
/// checkout sharing that directory may replace at any moment; the original
/// in `deps/` whose debug information names this checkout is this
/// checkout's own.
fn binary() -> std::path::PathBuf {
    static FOUND: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| {
            let linked = std::path::PathBuf::from(env!("CARGO_BIN_EXE_migrate-host"));
            let checkout = repo_root().canonicalize().unwrap();
            let ours = regex::bytes::Regex::new(&regex::escape(&format!("{}\0", checkout.display()))).unwrap();
            let mut candidates: Vec<(std::time::SystemTime, std::path::PathBuf)> =
                std::fs::read_dir(linked.parent().unwrap().join("deps"))
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.extension().is_none() && p.file_name().unwrap().to_string_lossy().starts_with("migrate_host-")
                    })
                    .filter_map(|exe| Some((exe.metadata().ok()?.modified().ok()?, exe)))
                    .collect();
            candidates.sort();
            candidates
                .into_iter()
                .rev()
                .map(|(_, exe)| exe)
                .find(|exe| {
                    // The binary itself, not a test harness, and built here.
                    std::process::Command::new(exe)
                        .arg("--version")
                        .output()
                        .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"migrate-host "))
                        && std::fs::read(exe).is_ok_and(|bytes| ours.is_match(&bytes))
                })
                .unwrap_or(linked)
        })
        .clone()
}

fn cli(db_url: &str, dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(binary());
    cmd.env("DATABASE_URL", db_url)
        .env_remove("RUST_BACKTRACE")
        .arg("--dir")
        .arg(dir);
    cmd
}

/// The directory's entries, sorted (`target` aside).
fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "target")
        .collect();
    names.sort();
    names
}

/// The example's schema with changes of several kinds.
const DECLARED: &str = "
CREATE TYPE post_status AS ENUM ('draft', 'review', 'published', 'archived');
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL CONSTRAINT users_email_key UNIQUE,
    display_name varchar(120),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE posts (
    id bigserial PRIMARY KEY,
    author_id bigint NOT NULL CONSTRAINT posts_author_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    status post_status NOT NULL DEFAULT 'draft',
    published_at timestamptz,
    slug text NOT NULL,
    views bigint NOT NULL DEFAULT 0,
    CONSTRAINT posts_published_at_check CHECK (status <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX posts_author_id_idx ON posts (author_id);
CREATE UNIQUE INDEX posts_slug_key ON posts (slug);
CREATE INDEX posts_title_lower ON posts (lower(title));
CREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, what text NOT NULL);
-- Kinds beyond tables and columns: each one is a call the generated crate must compile and run.
CREATE SEQUENCE ticket START 100 INCREMENT 10;
CREATE COLLATION numeric (provider = icu, locale = 'en-u-kn-true');
CREATE TABLE events (at date NOT NULL, label text COLLATE numeric, n bigint DEFAULT nextval('ticket'))
    PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE UNLOGGED TABLE scratch (id int);
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_read ON audit FOR SELECT USING (true);
COMMENT ON TABLE audit IS 'who did what';
GRANT SELECT ON audit TO PUBLIC;
";

#[tokio::test]
async fn generate_apply_regenerate_and_roll_back() {
    let scratch = Scratch::with_example();
    // One cargo target dir for every run of this test: only the first builds the SDK.
    let shared_target = repo_root().join("target/generate-test-target");
    std::fs::create_dir_all(&shared_target).unwrap();
    std::os::unix::fs::symlink(&shared_target, scratch.path().join("target")).unwrap();
    let db = TestDatabase::create(scratch.path()).await.unwrap();
    db.apply_all().await.unwrap();
    let before = introspect(db.client()).await.unwrap();
    let dump_before = schema_dump(db.url());
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    std::fs::write(&schema, DECLARED).unwrap();
    let options = |message: &'static str| Options {
        url: db.url(),
        shadow_url: None,
        schema: &schema,
        message,
        quiet: true,
        choices: migrate_host::generate::Choices {
            renames: &[],
            usings: &[],
            usings_down: &[],
            allow_drop: false,
            online: true,
        },
    };

    let Generated::Written {
        crate_dir,
        component,
        revision,
        steps,
        hazards,
    } = generate(db.migrator(), &options("Add views, audit & review"))
        .await
        .unwrap()
    else {
        panic!("expected a migration");
    };
    assert!(
        crate_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with("_add_views_audit_review")
    );
    assert!(component.is_file());
    assert!(
        hazards
            .iter()
            .any(|h| h.kind == Some(migrate_host::lint::HazardKind::DataLoss) && h.step == "drop-table public.tags"),
        "{hazards:?}"
    );
    assert!(steps.len() >= 5, "{steps:?}");
    let source = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    assert!(
        source.contains("const PARENT: Option<&'static str> = Some(\"20261104090000\");"),
        "{source}"
    );
    assert!(
        source.contains("drop_table(\"tags\")?;") && source.contains("// Loses data"),
        "{source}"
    );
    assert!(
        scratch.path().join(".migrate-sdk/wit/migrate.wit").is_file(),
        "the SDK is vendored"
    );

    // Not applied yet: another generate must refuse.
    let err = message(&generate(db.migrator(), &options("again")).await.unwrap_err());
    assert!(
        err.contains(&format!("1 migration(s) are not applied yet ({revision})")),
        "{err}"
    );

    db.apply_all().await.unwrap();
    // pg_dump cannot tell the database from one loaded straight from the declared schema.
    let reference = TestDatabase::create(scratch.path()).await.unwrap();
    reference.client().batch_execute(DECLARED).await.unwrap();
    let difference = dump_difference(&schema_dump(db.url()), &schema_dump(reference.url()));
    reference.drop().await.unwrap();
    assert_eq!(difference, None);
    let declared = migrate_host::shadow::load(db.url(), &schema).await.unwrap();
    assert!(
        migrate_host::diff::diff(&introspect(db.client()).await.unwrap(), &declared)
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        generate(db.migrator(), &options("again")).await.unwrap(),
        Generated::UpToDate
    ));
    assert_eq!(
        std::fs::read_dir(scratch.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().is_dir())
            .count(),
        3,
        "no new crate (the generated one, .migrate-sdk, target)"
    );

    db.rollback(1).await.unwrap();
    let after = introspect(db.client()).await.unwrap();
    assert!(
        migrate_host::diff::diff(&after, &before).unwrap().is_empty(),
        "rollback restores the schema"
    );
    assert_eq!(dump_difference(&schema_dump(db.url()), &dump_before), None);
    db.drop().await.unwrap();
}

/// Bodies, queries, expressions and comments with every kind of text that
/// has gone wrong somewhere: tabs, trailing spaces, blank lines, `"#` and
/// `$$` inside a body, quotes, backslashes, non-ASCII, CRLF, a multi-line
/// string constant (whose meaning changes if its lines are re-indented), a
/// bidirectional override.
const SHOUT_BODY: &str = "\nBEGIN\n\t-- indented by a tab; trailing spaces:   \n\n\n\tRETURN upper(x) || '\"#' || $$ $ dollars $$\n\
     \t\t|| E'\\\\' || 'a constant over\n    two lines' || ' ünïcode ✓ «»';  \nEND\n";
const CRLF_BODY: &str = "SELECT 'crlf'\r\n  || 'lines'\r\n";
const TOUCH_BODY: &str = "\nBEGIN\n\tRAISE NOTICE 'touch %', n;\t\nEND\n";
const TRIGGER_BODY: &str = " BEGIN NEW.body := NEW.body || E'\\t'; RETURN NEW; END ";
const TABLE_COMMENT: &str = "line one  \n\tline two\r\n\"quoted\"# and it's \\ back\nünïcode ✓\n\n";
const COLUMN_COMMENT: &str = "r#\"not raw\"#, $$ not dollar $$";
const VIEW_COMMENT: &str = "bidi \u{202e} override, zero\u{200b}width";

/// A SQL string constant (E'...') whose value is `text`.
fn sql_text(text: &str) -> String {
    format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn texts_schema(shout_body: &str, table_comment: &str) -> String {
    format!(
        "CREATE TABLE note (
    id int PRIMARY KEY,
    body text DEFAULT E'tab\\there  \\nline two',
    owner text NOT NULL DEFAULT current_user,
    shout text GENERATED ALWAYS AS (upper(body) || E'\\t\"#') STORED,
    CONSTRAINT note_body_check CHECK (body <> E'\"#\\t$$')
);
CREATE FUNCTION shout(x text) RETURNS text LANGUAGE plpgsql AS $fn${shout_body}$fn$;
CREATE FUNCTION crlf() RETURNS text LANGUAGE sql AS $fn${CRLF_BODY}$fn$;
CREATE PROCEDURE touch(n int) LANGUAGE plpgsql AS $fn${TOUCH_BODY}$fn$;
CREATE FUNCTION note_trg() RETURNS trigger LANGUAGE plpgsql AS $fn${TRIGGER_BODY}$fn$;
CREATE TRIGGER note_tab BEFORE INSERT ON note FOR EACH ROW WHEN (NEW.body <> E'\\t') EXECUTE FUNCTION note_trg();
CREATE VIEW note_v AS SELECT id, body || E'\\t\"#\\n' AS b, '$$' AS d, 'ü' AS u FROM note;
ALTER TABLE note ENABLE ROW LEVEL SECURITY;
CREATE POLICY note_mine ON note USING (owner = current_user AND body <> E'x\\ty');
COMMENT ON TABLE note IS {};
COMMENT ON COLUMN note.body IS {};
COMMENT ON VIEW note_v IS {};
COMMENT ON FUNCTION shout(text) IS E'Shouts.\\n\\tReturns ünïcode';
",
        sql_text(table_comment),
        sql_text(COLUMN_COMMENT),
        sql_text(VIEW_COMMENT),
    )
}

/// Every text the catalog stores for the objects of `public` (but the
/// history), by object.
async fn stored_texts(client: &tokio_postgres::Client) -> Vec<(String, String)> {
    let rows = client
        .query(
            "SELECT 'prosrc ' || p.oid::regprocedure::text, p.prosrc FROM pg_proc p
                 WHERE p.pronamespace = 'public'::regnamespace
             UNION ALL SELECT 'functiondef ' || p.oid::regprocedure::text, pg_get_functiondef(p.oid) FROM pg_proc p
                 WHERE p.pronamespace = 'public'::regnamespace
             UNION ALL SELECT 'view ' || c.relname, pg_get_viewdef(c.oid) FROM pg_class c
                 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
             UNION ALL SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal
             UNION ALL SELECT 'policy ' || policyname, coalesce(qual, '') || ' / ' || coalesce(with_check, '')
                 FROM pg_policies
             UNION ALL SELECT 'default ' || a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                 JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                 WHERE d.adrelid::regclass::text <> 'migration_info'
             UNION ALL SELECT 'constraint ' || conname, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'migration_info'
             UNION ALL SELECT 'comment ' || CASE WHEN d.classoid = 'pg_proc'::regclass
                     THEN d.objoid::regprocedure::text ELSE d.objoid::regclass::text || '.' || d.objsubid END,
                 d.description
                 FROM pg_description d
                 WHERE d.classoid IN ('pg_class'::regclass, 'pg_proc'::regclass) AND d.objoid IN (
                     SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace
                     UNION ALL SELECT oid FROM pg_proc WHERE pronamespace = 'public'::regnamespace)
             ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

async fn stored(client: &tokio_postgres::Client, what: &str) -> String {
    let texts = stored_texts(client).await;
    let found: Vec<&String> = texts.iter().filter(|(k, _)| k == what).map(|(_, v)| v).collect();
    match found.as_slice() {
        [one] => (*one).clone(),
        _ => panic!("{what}: {found:?} in {texts:#?}"),
    }
}

/// `schema` loaded straight into a database: what the catalog must hold.
async fn reference_texts(dir: &std::path::Path, schema: &str) -> Vec<(String, String)> {
    let reference = TestDatabase::create(dir).await.unwrap();
    reference.client().batch_execute(schema).await.unwrap();
    let texts = stored_texts(reference.client()).await;
    reference.drop().await.unwrap();
    texts
}

#[tokio::test]
async fn every_stored_text_reaches_the_database_byte_for_byte() {
    let dir = empty_dir();
    let db = TestDatabase::create(dir.path()).await.unwrap();
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    let options = |message: &'static str| Options {
        url: db.url(),
        shadow_url: None,
        schema: &schema,
        message,
        quiet: true,
        choices: migrate_host::generate::Choices {
            renames: &[],
            usings: &[],
            usings_down: &[],
            allow_drop: false,
            online: true,
        },
    };
    let plan_is_empty = async || {
        let declared = migrate_host::shadow::load(db.url(), &schema).await.unwrap();
        let plan = migrate_host::diff::diff(&introspect(db.client()).await.unwrap(), &declared).unwrap();
        assert!(plan.is_empty(), "plan after apply: {plan:#?}");
    };

    // Everything is new: created from the generated code.
    let first = texts_schema(SHOUT_BODY, TABLE_COMMENT);
    std::fs::write(&schema, &first).unwrap();
    let Generated::Written { crate_dir, .. } = generate(db.migrator(), &options("texts")).await.unwrap() else {
        panic!("expected a migration");
    };
    db.apply_all().await.unwrap();
    plan_is_empty().await;
    assert_eq!(stored(db.client(), "prosrc shout(text)").await, SHOUT_BODY);
    assert_eq!(stored(db.client(), "prosrc crlf()").await, CRLF_BODY);
    assert_eq!(stored(db.client(), "prosrc touch(integer)").await, TOUCH_BODY);
    assert_eq!(stored(db.client(), "prosrc note_trg()").await, TRIGGER_BODY);
    assert_eq!(stored(db.client(), "comment note.0").await, TABLE_COMMENT);
    assert_eq!(stored(db.client(), "comment note.2").await, COLUMN_COMMENT);
    assert_eq!(stored(db.client(), "comment note_v.0").await, VIEW_COMMENT);
    assert_eq!(
        stored_texts(db.client()).await,
        reference_texts(dir.path(), &first).await
    );
    let source = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    assert!(!source.contains('\r') && !source.contains('\u{202e}'), "{source}");

    // Changed in place: a function replaced, a comment set again; and back.
    let shout_changed = SHOUT_BODY.replace("\n\n\n", "\n \n\t\n");
    let table_comment_changed = format!("{TABLE_COMMENT}\t\"##\r\n");
    let second = texts_schema(&shout_changed, &table_comment_changed);
    std::fs::write(&schema, &second).unwrap();
    assert!(matches!(
        generate(db.migrator(), &options("texts again")).await.unwrap(),
        Generated::Written { .. }
    ));
    db.apply_all().await.unwrap();
    plan_is_empty().await;
    assert_eq!(stored(db.client(), "prosrc shout(text)").await, shout_changed);
    assert_eq!(stored(db.client(), "comment note.0").await, table_comment_changed);
    assert_eq!(
        stored_texts(db.client()).await,
        reference_texts(dir.path(), &second).await
    );

    db.rollback(1).await.unwrap();
    std::fs::write(&schema, &first).unwrap();
    plan_is_empty().await;
    assert_eq!(stored(db.client(), "prosrc shout(text)").await, SHOUT_BODY);
    assert_eq!(
        stored_texts(db.client()).await,
        reference_texts(dir.path(), &first).await
    );
    db.drop().await.unwrap();
}

/// Through the binary: `-q` prints nothing, `-v` the steps; messages that
/// would name the type after something the code needs (`ok`, `✓`) give
/// crates that build and apply.
#[tokio::test]
async fn the_binary_honours_quiet_and_verbose_and_any_message_builds() {
    let dir = empty_dir();
    let db = TestDatabase::create(dir.path()).await.unwrap();
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    let generate = |args: &[&str]| {
        cli(db.url(), dir.path())
            .arg("generate")
            .arg("--schema")
            .arg(&schema)
            .args(args)
            .output()
            .unwrap()
    };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();

    std::fs::write(&schema, "CREATE TABLE a (id int);").unwrap();
    let out = generate(&["-m", "ok", "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "-q prints nothing");
    assert_eq!(text(&out.stderr), "", "-q: not even cargo's progress");
    let crates: Vec<String> = entries(dir.path()).into_iter().filter(|n| n.ends_with("_ok")).collect();
    let [ok] = crates.as_slice() else {
        panic!("{:?}", entries(dir.path()))
    };
    let source = std::fs::read_to_string(dir.path().join(ok).join("src/lib.rs")).unwrap();
    assert!(
        source.contains("struct OkMigration;") && source.contains("migration!(OkMigration);"),
        "{source}"
    );
    assert!(dir.path().join(format!("{ok}.wasm")).is_file());
    db.apply_all().await.unwrap();

    let out = generate(&["-m", "ok"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "schema is up to date: no migration written\n");
    let out = generate(&["-m", "ok", "-q"]);
    assert!(out.status.success() && out.stdout.is_empty(), "{}", text(&out.stdout));

    std::fs::write(&schema, "CREATE TABLE a (id int); CREATE TABLE b (id int);").unwrap();
    let out = generate(&["-m", "✓", "-v"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("wrote ") && stdout.contains("_migration (1 step(s), revision "),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n  up: add-table public.b\n"),
        "-v lists the steps: {stdout}"
    );
    assert!(
        stdout.ends_with("review it, then run `migrate-host apply`\n"),
        "{stdout}"
    );
    let crates: Vec<String> = entries(dir.path())
        .into_iter()
        .filter(|n| n.ends_with("_migration"))
        .collect();
    let [check] = crates.as_slice() else {
        panic!("{:?}", entries(dir.path()))
    };
    let source = std::fs::read_to_string(dir.path().join(check).join("src/lib.rs")).unwrap();
    assert!(source.contains("struct GeneratedMigration;"), "{source}");
    assert!(source.contains("const MESSAGE: &'static str = \"✓\";"), "{source}");
    db.apply_all().await.unwrap();
    let status = db.migrator().status().await.unwrap();
    assert_eq!(status.migrations.len(), 2);
    assert!(
        status
            .migrations
            .iter()
            .all(|m| m.state == migrate_host::history::chain::State::Applied)
    );
    db.drop().await.unwrap();
}

/// A generated crate that does not build (here, the workspace's SDK is not
/// the real one) never joins the directory: the error says so, with
/// cargo's error and where the source is kept, and the directory is as it
/// was.
#[tokio::test]
async fn a_crate_that_does_not_build_is_not_left_in_the_directory() {
    let dir = empty_dir();
    let sdk = dir.path().join("not-the-sdk");
    std::fs::create_dir_all(sdk.join("src")).unwrap();
    std::fs::write(
        sdk.join("Cargo.toml"),
        "[package]\nname = \"migrate-plugin\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(sdk.join("src/lib.rs"), "//! Exports nothing.\n").unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"*\"]\nexclude = [\"target\", \"not-the-sdk\"]\n\n\
         [workspace.dependencies]\nmigrate-plugin = { path = \"not-the-sdk\" }\n",
    )
    .unwrap();
    let before = entries(dir.path());
    let db = TestDatabase::create(dir.path()).await.unwrap();
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    std::fs::write(&schema, "CREATE TABLE a (id int);").unwrap();

    let out = cli(db.url(), dir.path())
        .args(["generate", "-q", "-m", "add a", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.starts_with("error: the generated migration did not build, so nothing was added to "),
        "{stderr}"
    );
    assert!(
        stderr.contains("migrate_plugin::prelude"),
        "cargo's error is shown: {stderr}"
    );
    assert_eq!(
        entries(dir.path()),
        before,
        "no crate, no component, no lock file left behind"
    );
    let kept = regex::Regex::new(r"its source is kept in (\S+) ")
        .unwrap()
        .captures(&stderr)
        .unwrap_or_else(|| panic!("{stderr}"))[1]
        .to_owned();
    let kept = std::path::Path::new(&kept);
    assert!(kept.starts_with(dir.path().join("target")), "{}", kept.display());
    let lib = std::fs::read_dir(kept)
        .unwrap()
        .map(|e| e.unwrap().path().join("src/lib.rs"))
        .find(|p| p.is_file())
        .unwrap();
    assert!(std::fs::read_to_string(lib).unwrap().contains("add_table("));

    // `build` sees no crate that fails: there is none.
    let out = cli(db.url(), dir.path()).arg("build").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("no migrations to build in"), "{stderr}");
    // The target directory is shared between runs.
    std::fs::remove_dir_all(kept).unwrap();
    db.drop().await.unwrap();
}

/// A type change Postgres has no cast for (`bigint` to `timestamptz`) would
/// fail at `apply`: `generate` finds out on a copy of the schema first and
/// refuses, naming the column, both types, the annotation and the flag
/// that say how values convert, and writes nothing. Once the schema says
/// it both ways (`-- migrate:using` / `-- migrate:using-down`), the
/// migration converts every row there and back, and nothing is left to plan.
#[tokio::test]
async fn a_type_change_with_no_cast_asks_for_its_conversion_and_then_converts_both_ways() {
    let dir = empty_dir();
    let before = entries(dir.path());
    let db = TestDatabase::create(dir.path()).await.unwrap();
    db.client()
        .batch_execute(
            "CREATE TABLE events (id int PRIMARY KEY, at bigint); INSERT INTO events VALUES (1, 86400), (2, 0)",
        )
        .await
        .unwrap();
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    std::fs::write(&schema, "CREATE TABLE events (id int PRIMARY KEY, at timestamptz);").unwrap();

    let generate = |extra: &[&str]| {
        cli(db.url(), dir.path())
            .args(["generate", "-q", "-m", "retype", "--schema"])
            .arg(&schema)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = generate(&[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.starts_with(
            "error: the migration's up would fail at apply, so nothing was written: column public.events.at changes \
             type from bigint to timestamp with time zone, and Postgres has no cast from one to the other"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("(`at timestamp with time zone -- migrate:using EXPR`) or with --using public.events.at=EXPR"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot cast type bigint to timestamp with time zone"),
        "{stderr}"
    );
    assert_eq!(entries(dir.path()), before, "nothing written");

    // Up said with the flag, down not yet: the way back is refused by name.
    let out = generate(&["--using", "events.at=to_timestamp(at)"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.starts_with(
            "error: the migration's down would fail at apply, so nothing was written: going back, column \
             public.events.at changes type from timestamp with time zone to bigint"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("-- migrate:using-down EXPR`) or with --using-down public.events.at=EXPR"),
        "{stderr}"
    );
    assert_eq!(entries(dir.path()), before, "nothing written");

    std::fs::write(
        &schema,
        "CREATE TABLE events (\n  id int PRIMARY KEY,\n  at timestamptz -- migrate:using to_timestamp(at) -- \
         migrate:using-down extract(epoch FROM at)::bigint\n);\n",
    )
    .unwrap();
    let out = generate(&[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = async || -> Vec<String> {
        db.client()
            .query("SELECT at::text FROM events ORDER BY id", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let apply = cli(db.url(), dir.path()).args(["apply", "-q"]).output().unwrap();
    assert!(apply.status.success(), "{}", String::from_utf8_lossy(&apply.stderr));
    db.client().batch_execute("SET TIME ZONE 'UTC'").await.unwrap();
    assert_eq!(rows().await, ["1970-01-02 00:00:00+00", "1970-01-01 00:00:00+00"]);
    let declared = migrate_host::shadow::load(db.url(), &schema).await.unwrap();
    let plan = migrate_host::diff::diff(&introspect(db.client()).await.unwrap(), &declared).unwrap();
    assert!(plan.is_empty(), "plan after apply: {plan:#?}");
    let rollback = cli(db.url(), dir.path()).args(["rollback", "-q"]).output().unwrap();
    assert!(
        rollback.status.success(),
        "{}",
        String::from_utf8_lossy(&rollback.stderr)
    );
    assert_eq!(rows().await, ["86400", "0"]);
    db.drop().await.unwrap();
}

#[tokio::test]
async fn a_declared_rename_keeps_every_row_both_ways() {
    let dir = empty_dir();
    let db = TestDatabase::create(dir.path()).await.unwrap();
    db.client()
        .batch_execute(
            "CREATE TYPE mood AS ENUM ('happy', 'meh');
             CREATE TABLE posts (id int PRIMARY KEY,
                 title text NOT NULL CHECK (length(title) > 0), mood mood NOT NULL DEFAULT 'meh');
             CREATE INDEX posts_title_idx ON posts (lower(title));
             CREATE VIEW titles AS SELECT title FROM posts;
             INSERT INTO posts VALUES (1, 'one', 'happy'), (2, 'two', 'meh'), (3, 'three', 'meh');",
        )
        .await
        .unwrap();
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    // The key, the check and the index get the names Postgres gives them on
    // the renamed table: they follow, they are not rebuilt.
    std::fs::write(
        &schema,
        "CREATE TYPE mood AS ENUM (
             'happy',
             'so-so' -- migrate:renamed-from 'meh'
         );
         CREATE TABLE articles ( -- migrate:renamed-from posts
             id int PRIMARY KEY,
             headline text NOT NULL CHECK (length(headline) > 0), -- migrate:renamed-from title
             mood mood NOT NULL DEFAULT 'so-so'
         );
         CREATE INDEX articles_lower_idx ON articles (lower(headline));
         CREATE VIEW titles AS SELECT headline AS title FROM articles;",
    )
    .unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let plan = || {
        let out = cli(db.url(), dir.path())
            .arg("plan")
            .arg("--schema")
            .arg(&schema)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };

    // The plan renames, and nothing is dropped or added: the default, the
    // view and the constraints follow the renames in the database.
    let sql = plan();
    for expected in [
        r#"ALTER TABLE "public"."posts" RENAME TO "articles""#,
        r#"ALTER TABLE "public"."articles" RENAME COLUMN "title" TO "headline""#,
        r#"ALTER TYPE "public"."mood" RENAME VALUE 'meh' TO 'so-so'"#,
        r#"ALTER TABLE "public"."articles" RENAME CONSTRAINT "posts_pkey" TO "articles_pkey""#,
        r#"RENAME CONSTRAINT "posts_title_check" TO "articles_headline_check""#,
        r#"ALTER INDEX "public"."posts_title_idx" RENAME TO "articles_lower_idx""#,
    ] {
        assert!(sql.contains(expected), "{expected}\n{sql}");
    }
    assert!(!sql.contains("DROP") && !sql.contains(" ADD "), "{sql}");

    let out = cli(db.url(), dir.path())
        .args(["generate", "-q", "-m", "rename posts", "--schema"])
        .arg(&schema)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    db.apply_all().await.unwrap();
    let rows: Vec<(i32, String, String)> = db
        .client()
        .query("SELECT id, headline, mood::text FROM articles ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        rows,
        [
            (1, "one".into(), "happy".into()),
            (2, "two".into(), "so-so".into()),
            (3, "three".into(), "so-so".into())
        ]
    );
    // The annotations may stay: the database has the renames now.
    let sql = plan();
    assert!(!sql.contains("ALTER"), "{sql}");

    db.rollback(1).await.unwrap();
    let rows: Vec<(String, String)> = db
        .client()
        .query("SELECT title, mood::text FROM posts ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        rows,
        [
            ("one".into(), "happy".into()),
            ("two".into(), "meh".into()),
            ("three".into(), "meh".into())
        ]
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn what_looks_renamed_is_refused_unless_declared_or_allowed() {
    let dir = empty_dir();
    let db = TestDatabase::create(dir.path()).await.unwrap();
    db.client()
        .batch_execute("CREATE TABLE t (id int, title text); CREATE TABLE old_t (a int, b text);")
        .await
        .unwrap();
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE t (id int, headline text); CREATE TABLE new_t (a int, b text);",
    )
    .unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let plan = |args: &[&str]| {
        cli(db.url(), dir.path())
            .arg("plan")
            .arg("--schema")
            .arg(&schema)
            .args(args)
            .output()
            .unwrap()
    };

    let out = plan(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: the plan would lose data (what looks renamed, or a table created again)"),
        "{err}"
    );
    assert!(
        err.contains("table public.t loses column title (text) and gains headline (text)"),
        "{err}"
    );
    assert!(err.contains("--rename public.t.title=headline"), "{err}");
    assert!(
        err.contains("table public.old_t goes and table public.new_t comes with the same columns"),
        "{err}"
    );
    assert!(err.contains("--rename public.old_t=new_t"), "{err}");
    assert!(err.contains("--allow-drop"), "{err}");

    let out = plan(&["--rename", "public.t.title=headline", "--rename", "old_t=new_t"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sql = text(&out.stdout);
    assert!(sql.contains(r#"RENAME COLUMN "title" TO "headline""#), "{sql}");
    assert!(
        sql.contains(r#"ALTER TABLE "public"."old_t" RENAME TO "new_t""#),
        "{sql}"
    );
    assert!(!sql.contains("DROP"), "{sql}");

    let out = plan(&["--allow-drop"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("DROP COLUMN"), "{}", text(&out.stdout));

    let out = plan(&["--rename", "t.nope=x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("table public.t has no column nope in the database"),
        "{}",
        text(&out.stderr)
    );
    db.drop().await.unwrap();
}

/// The online plan for a table that holds rows and is in use: its new
/// index and unique constraint are built CONCURRENTLY, its foreign key and
/// check are added NOT VALID and validated in steps of their own, NOT NULL
/// goes through a validated check; another session keeps writing all the
/// while, and no write waits on the migration. After it, the plan is empty.
/// `--no-online` keeps the plain plan; a column added NOT NULL without a
/// default to the table is refused, with the recipe.
#[tokio::test]
async fn an_online_plan_changes_a_table_in_use_while_writes_go_on() {
    let dir = empty_dir();
    let db = TestDatabase::create(dir.path()).await.unwrap();
    let before = "CREATE TABLE owners (id int PRIMARY KEY);\n\
                  CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL, code text, owner int);\n";
    db.client()
        .batch_execute(&format!(
            "{before} INSERT INTO owners VALUES (1); \
             INSERT INTO items SELECT i, i, 'c' || i, 1 FROM generate_series(1, 300000) AS i"
        ))
        .await
        .unwrap();
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    let declared = "CREATE TABLE owners (id int PRIMARY KEY);\n\
                    CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL CHECK (n >= 0), code text NOT NULL UNIQUE, \
                    owner int REFERENCES owners (id));\n\
                    CREATE INDEX items_n_idx ON items (n);\n";
    std::fs::write(&schema, declared).unwrap();
    // What `plan` would print, online or not.
    let plan = async |online| {
        let choices = migrate_host::generate::Choices {
            renames: &[],
            usings: &[],
            usings_down: &[],
            allow_drop: false,
            online,
        };
        migrate_host::generate::changes(db.client(), db.url(), &schema, choices, &migrate_host::progress::Silent)
            .await
            .unwrap()
            .up
    };
    let plain = plan(false).await;
    assert!(
        plain
            .iter()
            .all(|a| !matches!(a, migrate_host::actions::Action::Concurrently { .. })),
        "{plain:?}"
    );
    let options = Options {
        url: db.url(),
        shadow_url: None,
        schema: &schema,
        message: "items online",
        quiet: true,
        choices: migrate_host::generate::Choices {
            renames: &[],
            usings: &[],
            usings_down: &[],
            allow_drop: false,
            online: true,
        },
    };
    let Generated::Written { crate_dir, steps, .. } = generate(db.migrator(), &options).await.unwrap() else {
        panic!("expected a migration");
    };
    for expected in [
        "add-index-concurrently public.items_code_key",
        "add-constraint items_code_key on public.items",
        "add-constraint items_n_check on public.items",
        "validate-constraint public.items.items_n_check",
        "add-constraint items_owner_fkey on public.items",
        "validate-constraint public.items.items_owner_fkey",
        "validate-constraint public.items.items_code_not_null",
        "drop-constraint items_code_not_null on public.items",
        "add-index-concurrently public.items_n_idx",
    ] {
        assert!(steps.iter().any(|s| s == expected), "no {expected:?} in {steps:#?}");
    }
    let source = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    for call in [
        "add_index_concurrently(",
        "validate_constraint(",
        "drop_index_concurrently(",
    ] {
        assert!(source.contains(call), "{call} in\n{source}");
    }

    // A session that reads and writes, for as long as the apply runs, under
    // a lock_timeout of its own: a statement that waits longer than that for
    // a lock the migration holds fails (waiting for the CPU does not count).
    let (writer, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    writer.batch_execute("SET lock_timeout = '1s'").await.unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writing = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let (mut writes, mut longest) = (0i32, std::time::Duration::ZERO);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let started = std::time::Instant::now();
                let id = 1_000_000 + writes;
                let round = async {
                    writer
                        .query_one("SELECT count(*) FROM items WHERE id <= 100", &[])
                        .await?;
                    writer
                        .execute("UPDATE items SET n = n + 1 WHERE id = $1", &[&(writes % 1000 + 1)])
                        .await?;
                    writer
                        .execute("INSERT INTO items VALUES ($1::int, $1::int, 'w' || $1::int, 1)", &[&id])
                        .await
                };
                if let Err(e) = round.await {
                    return Err(format!("after {writes} rounds: {e:?}"));
                }
                longest = longest.max(started.elapsed());
                writes += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            Ok((writes, longest))
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    db.apply_all().await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    // The plain plan holds the table's writes for each build and scan
    // (past the second, on these rows); the online one for moments.
    let (writes, longest) = writing
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("a write waited past its lock_timeout during the online migration: {e}"));
    assert!(writes > 10, "the writer ran during the apply ({writes} writes)");
    eprintln!("{writes} rounds of reads and writes during the apply, the longest {longest:?}");
    let after = plan(true).await;
    assert!(after.is_empty(), "the database is the declared schema: {after:?}");

    // A column added NOT NULL without a default to a table with rows.
    std::fs::write(
        &schema,
        declared.replace("owner int REFERENCES", "label text NOT NULL, owner int REFERENCES"),
    )
    .unwrap();
    let refused = message(&generate(db.migrator(), &options).await.unwrap_err());
    assert!(
        refused.contains("public.items holds rows, and public.items.label is added NOT NULL without a default"),
        "{refused}"
    );
    assert!(refused.contains("declare a default"), "{refused}");
    db.rollback(1).await.unwrap();
    db.drop().await.unwrap();
}

/// What the contract's newer actions express, through `generate`: the code
/// it writes for them builds, applies, leaves nothing to plan, and rolls
/// back to where it started (domains and a composite type changed in
/// place, a range type made, storage parameters, view options and replica
/// identity, column privileges, and a partitioned index whose partitions'
/// indexes are attached by name).
#[tokio::test]
async fn generated_code_for_types_options_partition_indexes_and_column_grants_builds_and_round_trips() {
    let dir = empty_dir();
    let db = TestDatabase::create(dir.path()).await.unwrap();
    db.client()
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE migrate_host_test_reader; EXCEPTION WHEN duplicate_object OR unique_violation \
             THEN NULL; END $$; {START}"
        ))
        .await
        .unwrap();
    let (before, dump_before) = (introspect(db.client()).await.unwrap(), schema_dump(db.url()));
    let schema_dir = tempfile::tempdir().unwrap();
    let schema = schema_dir.path().join("schema.sql");
    std::fs::write(&schema, NEWER).unwrap();
    let options = Options {
        url: db.url(),
        shadow_url: None,
        schema: &schema,
        message: "types and options",
        quiet: true,
        choices: migrate_host::generate::Choices {
            renames: &[],
            usings: &[],
            usings_down: &[],
            allow_drop: false,
            online: true,
        },
    };
    let Generated::Written { crate_dir, .. } = generate(db.migrator(), &options).await.unwrap() else {
        panic!("expected a migration");
    };
    let source = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    for call in [
        "alter_domain(",
        "alter_composite_type(",
        "create_type(",
        "set_relation_options(",
        "set_replica_identity(",
        "grant_columns(",
        "attach_index(",
    ] {
        assert!(source.contains(call), "{call} in\n{source}");
    }
    db.apply_all().await.unwrap();
    let reference = TestDatabase::create(dir.path()).await.unwrap();
    reference.client().batch_execute(NEWER).await.unwrap();
    let difference = dump_difference(&schema_dump(db.url()), &schema_dump(reference.url()));
    reference.drop().await.unwrap();
    assert_eq!(difference, None);
    let declared = migrate_host::shadow::load(db.url(), &schema).await.unwrap();
    let plan = migrate_host::diff::diff(&introspect(db.client()).await.unwrap(), &declared).unwrap();
    assert!(plan.is_empty(), "plan after apply: {plan:#?}");
    db.rollback(1).await.unwrap();
    let back = migrate_host::diff::diff(&introspect(db.client()).await.unwrap(), &before).unwrap();
    assert!(back.is_empty(), "plan after rollback: {back:#?}");
    assert_eq!(dump_difference(&schema_dump(db.url()), &dump_before), None);
    db.drop().await.unwrap();
}

const START: &str = "
CREATE DOMAIN code AS varchar(10) NOT NULL;
CREATE TYPE address AS (street text, city text);
CREATE TABLE item (id int PRIMARY KEY, code code, secret text, ship_to address);
CREATE VIEW item_codes AS SELECT id, code FROM item WHERE id > 0;
CREATE TABLE ev (tenant int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ev_2026 PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
";

const NEWER: &str = "
CREATE FUNCTION is_upper(t text) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT t = upper(t)';
CREATE DOMAIN code AS varchar(10) DEFAULT 'NEW' CONSTRAINT code_upper CHECK (is_upper(VALUE));
CREATE TYPE address AS (street text, city text, postcode varchar(16));
CREATE TYPE price_range AS RANGE (subtype = numeric);
CREATE TABLE item (id int PRIMARY KEY, code code, secret text, ship_to address, prices price_range)
    WITH (fillfactor = 80);
ALTER TABLE item REPLICA IDENTITY FULL;
GRANT SELECT (id, code) ON item TO migrate_host_test_reader;
CREATE VIEW item_codes WITH (security_barrier) AS SELECT id, code FROM item WHERE id > 0 WITH LOCAL CHECK OPTION;
CREATE TABLE ev (tenant int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ev_2026 PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX ev_2026_t ON ev_2026 (tenant);
CREATE INDEX ev_t ON ONLY ev (tenant);
ALTER INDEX ev_t ATTACH PARTITION ev_2026_t;
";
