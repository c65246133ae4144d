//! `generate` end to end: a declared schema becomes a migration crate, the
//! crate builds into a component, applying it brings the database to the
//! declared schema, a second `generate` finds nothing, and rolling back
//! restores the database as it was.

mod support;

use migrate_host::generate::{Generated, Options, generate};
use migrate_host::schema::introspect;
use migrate_host::testing::TestDatabase;
use support::*;

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
            .any(|h| h.kind == migrate_host::lint::HazardKind::DataLoss && h.step == "drop-table public.tags"),
        "{hazards:?}"
    );
    assert!(steps >= 5, "{steps}");
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
