//! A data migration: every post gets a URL slug computed from its title.
//!
//! The column is added nullable, filled row by row (the slug logic lives here,
//! in the guest), then made NOT NULL and unique.
use migrate_plugin::prelude::*;

struct AddPostSlug;

impl Migration for AddPostSlug {
    const REVISION: &'static str = "20261104090000";
    const PARENT: Option<&'static str> = Some("20261103090000");
    const MESSAGE: &'static str = "add post slug";

    fn up() -> Result<()> {
        add_column("posts", column("slug", ty::text()))?;

        let posts = query("SELECT id, title FROM posts ORDER BY id", &[])?;
        for row in &posts.rows {
            let (Some(id), Some(title)) = (row[0].as_i64(), row[1].as_str()) else {
                return Err(Error::msg("posts.id and posts.title must not be null"));
            };
            // Two posts may share a title: the id keeps slugs unique.
            let slug = format!("{}-{id}", slugify(title));
            execute("UPDATE posts SET slug = $1 WHERE id = $2", &[slug.into(), id.into()])?;
        }

        add_not_null("posts", "slug")?;
        add_index(index("posts_slug_key", "posts", ["slug"]).unique())
    }

    fn down() -> Result<()> {
        drop_index("posts_slug_key")?;
        drop_column("posts", "slug")
    }
}

/// Lower-case ASCII letters and digits, words joined by `-`.
fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for word in title.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() { "post".to_owned() } else { slug }
}

migration!(AddPostSlug);
