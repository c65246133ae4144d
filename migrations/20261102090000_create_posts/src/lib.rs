//! Posts, written by users, with a publication status.
use migrate_plugin::prelude::*;

struct CreatePosts;

impl Migration for CreatePosts {
    const REVISION: &'static str = "20261102090000";
    const PARENT: Option<&'static str> = Some("20261101090000");
    const MESSAGE: &'static str = "create posts";

    fn up() -> Result<()> {
        create_enum("post_status", ["draft", "published", "archived"])?;
        add_table(
            "posts",
            [
                column("id", ty::bigserial()).not_null(),
                column("author_id", ty::bigint()).not_null(),
                column("title", ty::text()).not_null(),
                column("body", ty::text()).not_null().default(""),
                column("status", ty::named("post_status")).not_null().default("draft"),
                column("published_at", ty::timestamptz()),
            ],
        )?;
        add_constraint("posts", "posts_pkey", primary_key(["id"]))?;
        add_constraint(
            "posts",
            "posts_author_id_fkey",
            foreign_key(["author_id"], "users", ["id"]).on_delete(ForeignKeyAction::Cascade),
        )?;
        add_constraint(
            "posts",
            "posts_published_at_check",
            check("status <> 'published' OR published_at IS NOT NULL"),
        )?;
        add_index(index("posts_author_id_idx", "posts", ["author_id"]))
    }

    fn down() -> Result<()> {
        drop_table("posts")?;
        drop_type("post_status")
    }
}

migration!(CreatePosts);
