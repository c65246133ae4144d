//! The example application's own tests, written with the testing API a
//! user's `cargo test` would use (`migrate_host::testing`): the data
//! migration that fills `posts.slug` is tested with real rows.

mod support;

use migrate_host::testing::TestDatabase;

const BEFORE_SLUG: &str = "20261103090000";
const SLUG: &str = "20261104090000";

#[tokio::test]
async fn the_slug_migration_fills_every_post_and_rolls_back() -> anyhow::Result<()> {
    let db = TestDatabase::create(support::example_dir()).await?;
    db.apply_to(BEFORE_SLUG).await?;

    let c = db.client();
    c.batch_execute(
        "INSERT INTO users (email) VALUES ('ada@example.com');
         INSERT INTO posts (author_id, title) VALUES
             (1, 'Hello, World!'), (1, 'Hello, World!'), (1, '¿Qué tal? Ünïcode & more'), (1, '!!!');",
    )
    .await?;

    db.apply_to(SLUG).await?;
    let slugs: Vec<String> = c
        .query("SELECT slug FROM posts ORDER BY id", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        slugs,
        ["hello-world-1", "hello-world-2", "qu-tal-n-code-more-3", "post-4"]
    );

    // The column is NOT NULL and unique now.
    let err = c
        .execute("INSERT INTO posts (author_id, title) VALUES (1, 'no slug')", &[])
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("23502"));
    let err = c
        .execute("UPDATE posts SET slug = 'hello-world-1' WHERE id = 2", &[])
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("23505"));

    db.rollback(1).await?;
    let has_slug: bool = c
        .query_one("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'posts' AND column_name = 'slug')", &[])
        .await?
        .get(0);
    assert!(!has_slug);
    let posts: i64 = c.query_one("SELECT count(*) FROM posts", &[]).await?.get(0);
    assert_eq!(posts, 4, "rolling back the slug keeps the posts");
    db.drop().await
}

#[tokio::test]
async fn the_slug_migration_works_on_an_empty_table() -> anyhow::Result<()> {
    let db = TestDatabase::create(support::example_dir()).await?;
    db.apply_all().await?;
    let status: String = db
        .client()
        .query_one(
            "INSERT INTO users (email) VALUES ('b@example.com') RETURNING email",
            &[],
        )
        .await?
        .get(0);
    assert_eq!(status, "b@example.com");
    db.drop().await
}
