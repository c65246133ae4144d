//! Tags, and which posts carry them.
use migrate_plugin::prelude::*;

struct AddTags;

impl Migration for AddTags {
    const REVISION: &'static str = "20261103090000";
    const PARENT: Option<&'static str> = Some("20261102090000");
    const MESSAGE: &'static str = "add tags";

    fn up() -> Result<()> {
        add_table(
            "tags",
            [
                column("id", ty::serial()).not_null(),
                column("name", ty::varchar(40)).not_null(),
            ],
        )?;
        add_constraint("tags", "tags_pkey", primary_key(["id"]))?;
        add_constraint("tags", "tags_name_key", unique(["name"]))?;
        add_constraint("tags", "tags_name_check", check("name = lower(name)"))?;

        add_table(
            "post_tags",
            [
                column("post_id", ty::bigint()).not_null(),
                column("tag_id", ty::integer()).not_null(),
            ],
        )?;
        add_constraint("post_tags", "post_tags_pkey", primary_key(["post_id", "tag_id"]))?;
        add_constraint(
            "post_tags",
            "post_tags_post_id_fkey",
            foreign_key(["post_id"], "posts", ["id"]).on_delete(ForeignKeyAction::Cascade),
        )?;
        add_constraint(
            "post_tags",
            "post_tags_tag_id_fkey",
            foreign_key(["tag_id"], "tags", ["id"]).on_delete(ForeignKeyAction::Cascade),
        )?;
        add_index(index("post_tags_tag_id_idx", "post_tags", ["tag_id"]))
    }

    fn down() -> Result<()> {
        drop_table("post_tags")?;
        drop_table("tags")
    }
}

migration!(AddTags);
