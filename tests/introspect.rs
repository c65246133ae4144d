//! Catalog introspection against real Postgres: every object kind of a
//! schema written for the purpose, and every schema of the corpus
//! `MIGRATE_HOST_CORPUS` names (CI's is `../shared/corpus/migra`) loads and
//! introspects without error.

mod support;

use migrate_host::model::{DataType, NumericPrecision, QualifiedName, ScalarType};
use migrate_host::schema::{ConstraintKind, Identity, Name, introspect};
use migrate_host::testing::TestDatabase;
use support::schemas::{MORE, SCHEMA};

#[tokio::test]
async fn introspects_every_object_kind() {
    let db = TestDatabase::create(support::repo_root().join("migrations"))
        .await
        .unwrap();
    db.client().batch_execute(SCHEMA).await.unwrap();
    let s = introspect(db.client()).await.unwrap();

    assert!(
        s.schemas.contains(&"blog".to_owned()) && s.schemas.contains(&"public".to_owned()),
        "{:?}",
        s.schemas
    );
    assert_eq!(s.enums.len(), 1);
    assert_eq!(s.enums[0].name, Name::new("blog", "state"));
    assert_eq!(s.enums[0].values, ["draft", "live", "gone"]);

    let author = s.table(&Name::new("blog", "author")).unwrap();
    let id = author.column("id").unwrap();
    assert_eq!(id.identity, Some(Identity::Always));
    assert!(!id.nullable);
    assert_eq!(
        author.column("email").unwrap().collation,
        Some(Name::new("pg_catalog", "C"))
    );
    assert_eq!(author.column("name").unwrap().type_sql, "character varying(80)");

    let post = s.table(&Name::new("blog", "post")).unwrap();
    assert!(post.unlogged);
    assert_eq!(
        post.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        [
            "id",
            "author_id",
            "state",
            "tags",
            "price",
            "title",
            "title_len",
            "during"
        ]
    );
    assert_eq!(
        post.column("id").unwrap().default.as_deref(),
        Some("nextval('blog.post_id_seq'::regclass)")
    );
    let state = post.column("state").unwrap();
    assert_eq!(
        state.data_type,
        DataType {
            scalar: ScalarType::Named(QualifiedName::qualified("blog", "state")),
            is_array: false
        }
    );
    assert_eq!(state.default.as_deref(), Some("'draft'::blog.state"));
    assert_eq!(
        post.column("tags").unwrap().data_type,
        DataType {
            scalar: ScalarType::Text,
            is_array: true
        }
    );
    assert_eq!(
        post.column("price").unwrap().data_type.scalar,
        ScalarType::Numeric(Some(NumericPrecision {
            precision: 10,
            scale: 2
        }))
    );
    assert_eq!(
        post.column("title_len").unwrap().generated.as_deref(),
        Some("length(title)")
    );

    let kinds: Vec<(&str, &ConstraintKind)> = post.constraints.iter().map(|c| (c.name.as_str(), &c.kind)).collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    let fk = post
        .constraints
        .iter()
        .find(|c| matches!(c.kind, ConstraintKind::ForeignKey { .. }))
        .unwrap();
    assert_eq!(fk.name, "post_author_id_fkey");
    assert!(fk.deferrable && fk.initially_deferred);
    assert_eq!(
        fk.definition,
        "FOREIGN KEY (author_id) REFERENCES blog.author(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
    );
    let ConstraintKind::ForeignKey {
        references, on_delete, ..
    } = &fk.kind
    else {
        unreachable!()
    };
    assert_eq!((references, *on_delete), (&Name::new("blog", "author"), 'c'));
    assert!(
        post.constraints
            .iter()
            .any(|c| c.kind == ConstraintKind::Exclusion && c.definition.starts_with("EXCLUDE USING gist"))
    );
    assert!(
        post.constraints
            .iter()
            .any(|c| c.kind == ConstraintKind::Check && c.definition == "CHECK (price > 0::numeric)")
    );

    let names: Vec<&str> = s.indexes.iter().map(|i| i.name.name.as_str()).collect();
    assert_eq!(names, ["post_author_title", "post_state_idx", "post_title_idx"]);
    let expr = s.indexes.iter().find(|i| i.name.name == "post_title_idx").unwrap();
    assert_eq!(expr.simple_columns, None);
    assert_eq!(
        expr.definition,
        "CREATE INDEX post_title_idx ON blog.post USING btree (lower(title))"
    );
    let partial = s.indexes.iter().find(|i| i.name.name == "post_state_idx").unwrap();
    assert_eq!(partial.simple_columns.as_deref(), Some(&["state".to_owned()][..]));
    assert_eq!(partial.predicate.as_deref(), Some("(state <> 'gone'::blog.state)"));

    assert_eq!(s.views.len(), 2);
    assert!(s.views.iter().any(|v| v.materialized && v.name.name == "counts"));
    assert_eq!(s.functions.len(), 1);
    assert!(
        s.functions[0]
            .definition
            .starts_with("CREATE OR REPLACE FUNCTION blog.touch()")
    );
    assert_eq!(s.triggers.len(), 1);
    assert!(
        s.triggers[0]
            .definition
            .starts_with("CREATE TRIGGER post_touch BEFORE UPDATE ON blog.post")
    );

    let counter = s.sequences.iter().find(|q| q.name.name == "counter").unwrap();
    assert_eq!(
        (counter.start, counter.increment, counter.owned_by.clone()),
        (10, 5, None)
    );
    let serial = s.sequences.iter().find(|q| q.name.name == "post_id_seq").unwrap();
    assert_eq!(serial.owned_by, Some((Name::new("blog", "post"), "id".to_owned())));
    assert!(
        s.sequences
            .iter()
            .any(|q| q.identity && q.owned_by == Some((Name::new("blog", "author"), "id".to_owned())))
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn introspects_the_kinds_a_corpus_covers() {
    let db = TestDatabase::create(support::example_dir()).await.unwrap();
    // The role the grants and the policy name (roles are per server).
    db.client()
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE migrate_host_test_reader;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        )
        .await
        .unwrap();
    db.client().batch_execute(MORE).await.unwrap();
    let s = introspect(db.client()).await.unwrap();

    // Extensions at their versions; what they install (citext's type,
    // pg_trgm's functions) is theirs, not the schema's.
    let extensions: Vec<(&str, &str, &str)> = s
        .extensions
        .iter()
        .map(|e| (e.name.as_str(), e.schema.as_str(), e.version.as_str()))
        .collect();
    assert_eq!(extensions[1], ("pg_trgm", "public", "1.5"));
    assert_eq!((extensions[0].0, extensions.len()), ("citext", 2));
    assert!(s.other_types.is_empty(), "{:?}", s.other_types);
    let functions: Vec<&str> = s.functions.iter().map(|f| f.name.name.as_str()).collect();
    assert_eq!(functions, ["firm_add", "note", "pick"]);
    let pick = &s.functions[2];
    assert_eq!(pick.identity_arguments, "n integer, tags text[]");
    assert!(
        pick.definition.contains("RETURNS TABLE(label text, qty integer)")
            && pick.definition.contains("STABLE SECURITY DEFINER"),
        "{}",
        pick.definition
    );

    // Collations, libc (copied) and ICU, and the columns that use them; an
    // enum of another schema; an extension's type; identity by default.
    let collations: Vec<(&str, &str, &str, bool)> = s
        .collations
        .iter()
        .map(|c| {
            (
                c.name.name.as_str(),
                c.provider.as_str(),
                c.locale.as_str(),
                c.deterministic,
            )
        })
        .collect();
    assert_eq!(
        collations,
        [
            ("numbers_first", "i", "en-u-kn-true", false),
            ("posix_copy", "c", "POSIX", true)
        ]
    );
    let boxes = s.table(&Name::new("public", "box")).unwrap();
    assert_eq!(
        boxes.column("label").unwrap().collation,
        Some(Name::new("public", "numbers_first"))
    );
    assert_eq!(
        boxes.column("code").unwrap().collation,
        Some(Name::new("public", "posix_copy"))
    );
    let size = boxes.column("size").unwrap();
    assert_eq!(
        size.data_type.scalar,
        ScalarType::Named(QualifiedName::qualified("ref", "size"))
    );
    assert_eq!(size.default.as_deref(), Some("'s'::ref.size"));
    assert_eq!(s.enums[0].name, Name::new("ref", "size"));
    assert_eq!(
        boxes.column("owner_email").unwrap().data_type.scalar,
        ScalarType::Named(QualifiedName::qualified("public", "citext"))
    );
    let id = boxes.column("id").unwrap();
    assert_eq!((id.identity, id.default.as_deref()), (Some(Identity::ByDefault), None));
    // A primary key made from an index, deferrable: a constraint, not an index.
    assert_eq!(boxes.constraints.len(), 1);
    let key = &boxes.constraints[0];
    assert_eq!(
        (&key.name, &key.kind, key.deferrable, key.initially_deferred),
        (
            &"box_pkey".to_owned(),
            &ConstraintKind::PrimaryKey {
                columns: vec!["id".into()]
            },
            true,
            true
        )
    );
    assert!(s.table(&Name::new("public", "nothing")).unwrap().columns.is_empty());

    // Partitions: the key, each partition's bound and parent; an index on one partition.
    let reading = s.table(&Name::new("public", "reading")).unwrap();
    assert_eq!(reading.partition_key.as_deref(), Some("RANGE (day)"));
    let bound = |name: &str| {
        let t = s.table(&Name::new("public", name)).unwrap();
        (t.partition_bound.clone(), t.inherits.clone(), t.parents)
    };
    assert_eq!(
        bound("reading_2024"),
        (
            Some("FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')".into()),
            Some(Name::new("public", "reading")),
            1
        )
    );
    assert_eq!(
        bound("reading_rest"),
        (Some("DEFAULT".into()), Some(Name::new("public", "reading")), 1)
    );
    assert_eq!(
        s.table(&Name::new("public", "region"))
            .unwrap()
            .partition_key
            .as_deref(),
        Some("LIST (name)")
    );
    assert_eq!(
        bound("region_north").0.as_deref(),
        Some("FOR VALUES IN ('north', 'arctic')")
    );
    assert!(
        s.table(&Name::new("public", "reading_2024"))
            .unwrap()
            .columns
            .iter()
            .all(|c| !c.local)
    );
    let indexes: Vec<(&str, &str)> = s
        .indexes
        .iter()
        .map(|i| (i.name.name.as_str(), i.table.name.as_str()))
        .collect();
    assert_eq!(indexes, [("reading_2024_site", "reading_2024")]);

    // Inheritance: the child's inherited columns and check are not its own;
    // the parent's bigserial default comes with them, its sequence stays the parent's.
    let child = s.table(&Name::new("public", "entity_a")).unwrap();
    assert_eq!(
        (child.inherits.clone(), child.parents, child.partition_bound.clone()),
        (Some(Name::new("public", "entity")), 1, None)
    );
    let columns: Vec<(&str, bool)> = child.columns.iter().map(|c| (c.name.as_str(), c.local)).collect();
    assert_eq!(columns, [("id", false), ("kind", false), ("extra", true)]);
    let checks: Vec<(&str, bool)> = child.constraints.iter().map(|c| (c.name.as_str(), c.local)).collect();
    assert_eq!(checks, [("kind is a", true), ("kind_known", false)]);
    assert_eq!(
        child.column("id").unwrap().default.as_deref(),
        Some("nextval('entity_id_seq'::regclass)")
    );
    assert_eq!(child.column("id").unwrap().owned_sequence, None);
    assert_eq!(
        s.table(&Name::new("public", "entity"))
            .unwrap()
            .column("id")
            .unwrap()
            .owned_sequence,
        Some(Name::new("public", "entity_id_seq"))
    );
    let ticket = s.sequence(&Name::new("public", "ticket")).unwrap();
    assert_eq!((ticket.owned_by.clone(), ticket.identity), (None, false));

    // Row-level security and policies.
    let account = s.table(&Name::new("public", "account")).unwrap();
    assert!(account.row_security && account.force_row_security);
    assert!(!boxes.row_security);
    let policies: Vec<_> = s
        .policies
        .iter()
        .map(|p| {
            (
                p.table.name.as_str(),
                p.name.as_str(),
                p.permissive,
                p.command.as_str(),
                p.roles.clone(),
                p.using.as_deref(),
                p.with_check.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        policies,
        [
            (
                "account",
                "everyone",
                true,
                "*",
                vec!["public".to_owned()],
                Some("true"),
                None
            ),
            (
                "account",
                "managers",
                false,
                "w",
                vec!["migrate_host_test_reader".to_owned()],
                Some("(manager = CURRENT_USER)"),
                Some("(firm IS NOT NULL)")
            )
        ]
    );

    // Privileges on a table (with grant option), a view (to PUBLIC) and a
    // sequence; the owner's own (granted to itself) are not listed.
    let grants: Vec<(&str, &str, &str, bool)> = s
        .grants
        .iter()
        .map(|g| {
            (
                g.on.name.as_str(),
                g.grantee.as_str(),
                g.privilege.as_str(),
                g.grant_option,
            )
        })
        .collect();
    assert_eq!(
        grants,
        [
            ("account", "migrate_host_test_reader", "SELECT", true),
            ("account", "migrate_host_test_reader", "UPDATE", true),
            ("firms", "public", "SELECT", false),
            ("ticket", "migrate_host_test_reader", "USAGE", false)
        ]
    );

    // Views on views, a materialized view on a view, a view that relies on a
    // primary key: what each reads.
    let views: Vec<(&str, bool, Vec<&str>)> = s
        .views
        .iter()
        .map(|v| {
            (
                v.name.name.as_str(),
                v.materialized,
                v.depends_on.iter().map(|d| d.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        views,
        [
            ("best", false, vec!["tally"]),
            ("best_ids", true, vec!["best"]),
            ("firm_count", false, vec!["firms"]),
            ("firms", false, vec!["account"])
        ]
    );

    // Triggers: INSTEAD OF on a view, one name on two tables, row and statement level.
    let triggers: Vec<(&str, &str, &str)> = s
        .triggers
        .iter()
        .map(|t| (t.table.name.as_str(), t.name.as_str(), t.definition.as_str()))
        .collect();
    assert_eq!(
        triggers,
        [
            (
                "box",
                "noted",
                "CREATE TRIGGER noted AFTER INSERT ON box FOR EACH ROW EXECUTE FUNCTION note()"
            ),
            (
                "firms",
                "firms_add",
                "CREATE TRIGGER firms_add INSTEAD OF INSERT ON firms FOR EACH ROW EXECUTE FUNCTION firm_add()"
            ),
            (
                "tally",
                "noted",
                "CREATE TRIGGER noted AFTER INSERT ON tally FOR EACH STATEMENT EXECUTE FUNCTION note()"
            )
        ]
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn the_engines_own_table_is_not_part_of_the_schema() {
    let db = TestDatabase::create(support::example_dir()).await.unwrap();
    db.apply_all().await.unwrap();
    // The steps' progress table too, with its key, checks and a comment.
    db.client()
        .batch_execute(&format!(
            "{}; COMMENT ON TABLE public.migration_steps IS 'progress'; \
             GRANT SELECT ON public.migration_steps TO PUBLIC",
            migrate_host::history::steps::create_sql(&Default::default())
        ))
        .await
        .unwrap();
    let s = introspect(db.client()).await.unwrap();
    let tables: Vec<String> = s.tables.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(
        tables,
        ["public.post_tags", "public.posts", "public.tags", "public.users"]
    );
    assert!(
        s.sequences
            .iter()
            .all(|q| q.owned_by.as_ref().is_none_or(|(t, _)| t.name != "migration_info"))
    );
    assert!(s.indexes.iter().all(|i| i.table.name != "migration_steps"));
    assert!(
        s.grants.iter().all(|g| !format!("{g:?}").contains("migration_steps")),
        "{:?}",
        s.grants
    );
    assert!(
        s.comments.iter().all(|c| !format!("{c:?}").contains("migration_steps")),
        "{:?}",
        s.comments
    );
    db.drop().await.unwrap();
}

#[tokio::test]
async fn every_corpus_schema_introspects() {
    let Some(cases) = support::corpus_cases("every_corpus_schema_introspects") else {
        return;
    };
    let mut loaded = 0;
    for case in cases {
        for side in ["a.sql", "b.sql"] {
            let sql = std::fs::read_to_string(case.join(side)).unwrap();
            let db = TestDatabase::create(support::example_dir()).await.unwrap();
            // A case the local server cannot load (a missing extension) is skipped, as the corpus allows.
            if db.client().batch_execute(&sql).await.is_ok() {
                introspect(db.client())
                    .await
                    .unwrap_or_else(|e| panic!("{}/{side}: {e:#}", case.display()));
                loaded += 1;
            }
            db.drop().await.unwrap();
        }
    }
    // A floor set by CI's corpus (52 schemas), so that a server lacking
    // extensions cannot skip most of it.
    assert!(loaded >= 40, "only {loaded} corpus schemas loaded");
}

/// The indexes query spells plain column-list definitions itself (to spare
/// Postgres a relcache build per table) and must spell them exactly as
/// pg_get_indexdef does; everything else is pg_get_indexdef's own.
#[tokio::test]
async fn index_definitions_are_pg_get_indexdef_s() {
    let db = TestDatabase::create(support::repo_root().join("migrations"))
        .await
        .unwrap();
    db.client()
        .batch_execute(
            r#"
CREATE SCHEMA "Odd Schema";
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE "Odd Schema"."Mixed Table" (
    id int, "select" text, "Name" varchar(20), m mood, t text COLLATE "C", doc jsonb, span int4range, n numeric
);
CREATE INDEX plain ON "Odd Schema"."Mixed Table" (id);
CREATE UNIQUE INDEX "Unique Two" ON "Odd Schema"."Mixed Table" ("select", id);
CREATE INDEX keyword_and_case ON "Odd Schema"."Mixed Table" ("Name", "select");
CREATE INDEX on_enum ON "Odd Schema"."Mixed Table" (m);
CREATE INDEX on_collated_column ON "Odd Schema"."Mixed Table" (t);
CREATE INDEX other_collation ON "Odd Schema"."Mixed Table" ("select" COLLATE "C");
CREATE INDEX other_opclass ON "Odd Schema"."Mixed Table" ("select" text_pattern_ops);
CREATE INDEX descending ON "Odd Schema"."Mixed Table" (id DESC NULLS LAST, n);
CREATE INDEX nulls_first ON "Odd Schema"."Mixed Table" (id NULLS FIRST);
CREATE INDEX covering ON "Odd Schema"."Mixed Table" (id) INCLUDE (n);
CREATE INDEX partial ON "Odd Schema"."Mixed Table" (id) WHERE id > 0;
CREATE INDEX expression ON "Odd Schema"."Mixed Table" (lower("select"));
CREATE INDEX with_options ON "Odd Schema"."Mixed Table" (id) WITH (fillfactor = 70);
CREATE INDEX hashed ON "Odd Schema"."Mixed Table" USING hash (id);
CREATE INDEX gin_doc ON "Odd Schema"."Mixed Table" USING gin (doc);
CREATE INDEX gin_path ON "Odd Schema"."Mixed Table" USING gin (doc jsonb_path_ops);
CREATE INDEX gist_span ON "Odd Schema"."Mixed Table" USING gist (span);
CREATE INDEX brin_n ON "Odd Schema"."Mixed Table" USING brin (n);
CREATE UNIQUE INDEX no_distinct ON "Odd Schema"."Mixed Table" (n) NULLS NOT DISTINCT;
CREATE TABLE parted (a int, b text) PARTITION BY RANGE (a);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE INDEX parted_b ON parted (b);
CREATE MATERIALIZED VIEW counts AS SELECT "select", count(*) AS c FROM "Odd Schema"."Mixed Table" GROUP BY 1;
CREATE UNIQUE INDEX counts_key ON counts ("select");
"#,
        )
        .await
        .unwrap();
    let s = introspect(db.client()).await.unwrap();
    let mut expected: Vec<(String, String, String)> = db
        .client()
        .query(
            "SELECT n.nspname::text, c.relname::text, pg_get_indexdef(c.oid) FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname IN ('public', 'Odd Schema')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 22, "{expected:#?}");
    let mut got: Vec<(String, String, String)> = s
        .indexes
        .iter()
        .map(|i| (i.name.schema.clone(), i.name.name.clone(), i.definition.clone()))
        .collect();
    got.sort();
    assert_eq!(got, expected);
    // The plain ones, spelled by the query, are among them.
    let plain = s
        .indexes
        .iter()
        .find(|i| i.name == Name::new("Odd Schema", "keyword_and_case"))
        .unwrap();
    assert_eq!(
        plain.definition,
        r#"CREATE INDEX keyword_and_case ON "Odd Schema"."Mixed Table" USING btree ("Name", "select")"#
    );
    assert_eq!(
        plain.simple_columns.as_deref(),
        Some(&["Name".to_owned(), "select".to_owned()][..])
    );
    // A partition's index knows the partitioned index it is attached to.
    let parent_of = |name: &str| {
        s.indexes
            .iter()
            .find(|i| i.name == Name::new("public", name))
            .unwrap()
            .parent
            .clone()
    };
    assert_eq!(parent_of("parted_1_b_idx"), Some(Name::new("public", "parted_b")));
    assert_eq!(parent_of("parted_b"), None);
    db.drop().await.unwrap();
}
