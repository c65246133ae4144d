//! Users of the blog.
use migrate_plugin::prelude::*;

struct CreateUsers;

impl Migration for CreateUsers {
    const REVISION: &'static str = "20261101090000";
    const PARENT: Option<&'static str> = None;
    const MESSAGE: &'static str = "create users";

    fn up() -> Result<()> {
        add_table(
            "users",
            [
                column("id", ty::bigserial()).not_null(),
                column("email", ty::text()).not_null(),
                column("display_name", ty::varchar(80)),
                column("created_at", ty::timestamptz()).not_null().default_expr("now()"),
            ],
        )?;
        add_constraint("users", "users_pkey", primary_key(["id"]))?;
        add_constraint("users", "users_email_key", unique(["email"]))
    }

    fn down() -> Result<()> {
        drop_table("users")
    }
}

migration!(CreateUsers);
