//! A sandboxed source's login role: the one place that names it, makes it
//! ready (its schemas, its rights, a fresh password), logs in as it, and
//! removes what a failed first run provisioned or what a scratch database
//! left behind.

use crate::actions::ident::quote;
use crate::policy::Source;
use anyhow::{Context as _, anyhow};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio_postgres::Client;

/// The role a sandboxed source's SQL runs as in `database`: roles are per
/// server, so each database gets its own (runs on one database are
/// serialized by the advisory lock; runs on two must not share a role whose
/// password each sets).
pub fn role_name(source: &str, database: &str) -> String {
    format!("migrate_host_{source}_{}", database_suffix(database))
}

fn database_suffix(database: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(database.as_bytes())[..4])
}

/// The name of the database `client` is connected to (it names the roles).
pub(super) async fn database_name(client: &Client) -> anyhow::Result<String> {
    Ok(client
        .query_one("SELECT current_database()::text", &[])
        .await
        .context("reading the database's name")?
        .get(0))
}

/// Drops every sandbox role made for `database` (roles outlive databases):
/// for scratch and test databases, once they are gone.
pub async fn drop_roles(admin: &Client, database: &str) -> anyhow::Result<()> {
    let roles = admin
        .query(
            "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'migrate\\_host\\_%' AND right(rolname, length($1)) = $1",
            &[&format!("_{}", database_suffix(database))],
        )
        .await
        .with_context(|| format!("reading the sandbox roles of database {database}"))?;
    for role in roles {
        let role: String = role.get(0);
        admin
            .batch_execute(&format!("DROP ROLE IF EXISTS {}", quote(&role)))
            .await
            .with_context(|| format!("dropping role {role}"))?;
    }
    Ok(())
}

/// The connections the migrator has opened as sandboxed sources' roles,
/// and what it provisioned for them.
#[derive(Default)]
pub(super) struct Sandboxes {
    /// One per source, with its server process (for the host's watch over
    /// timeouts), opened on first use.
    connections: tokio::sync::Mutex<HashMap<String, (Arc<Client>, i32)>>,
    /// Granted schemas this run created for a source, dropped again (when
    /// still empty) if the source's migration fails before any succeeded.
    provisioned: Mutex<HashMap<String, Vec<String>>>,
}

impl Sandboxes {
    /// The connection `source`'s migrations run on, logged in as its role.
    /// Its session user is then that role, so nothing the migration's SQL
    /// does (`SET ROLE`, `set_config('role', ...)`, a built-in that runs SQL
    /// text) can make it anyone else. `admin` is the migrator's own
    /// connection, which provisions the role. Only the first call for a
    /// source does any I/O; later ones (every migration of the run) take
    /// the open connection.
    pub async fn connect(
        &self,
        admin: &Client,
        url: Option<&str>,
        source: &Source,
    ) -> anyhow::Result<(Arc<Client>, i32)> {
        let mut connections = self.connections.lock().await;
        if let Some((client, pid)) = connections.get(&source.name) {
            return Ok((client.clone(), *pid));
        }
        let url = url.context("a sandboxed source needs the migrator to know its connection string")?;
        let role = role_name(&source.name, &database_name(admin).await?);
        let existing: Vec<String> = admin
            .query(
                "SELECT nspname::text FROM pg_namespace WHERE nspname = ANY($1)",
                &[&source.grant.schemas],
            )
            .await
            .context("reading the granted schemas")?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let missing = source
            .grant
            .schemas
            .iter()
            .filter(|s| !existing.contains(s))
            .cloned()
            .collect();
        self.provisioned.lock().unwrap().insert(source.name.clone(), missing);
        // A fresh password on every run: nobody else needs to know it.
        let password = hex::encode(rand::random::<[u8; 24]>());
        for statement in provision_sql(&role, &password, &source.grant.schemas) {
            admin.batch_execute(&statement).await.map_err(|e| {
                let message = e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned());
                anyhow!(
                    "preparing source {}'s sandbox failed: {message}\n  SQL: {}\n  (the connecting role needs \
                     CREATEROLE, or create the role and the schemas beforehand)",
                    source.name,
                    statement.replace(&password, "***")
                )
            })?;
        }
        let mut target = crate::pg::Target::parse(url)?;
        target.config.user(&role).password(password.as_bytes());
        let client = target.connect().await.with_context(|| {
            format!(
                "logging in as {role} for source {} (the server's pg_hba.conf must let that role connect with a \
                 password)",
                source.name
            )
        })?;
        let pid: i32 = client
            .query_one("SELECT pg_catalog.pg_backend_pid()", &[])
            .await
            .with_context(|| format!("reading the server process of source {}'s connection", source.name))?
            .get(0);
        connections.insert(source.name.clone(), (client.clone(), pid));
        Ok((client, pid))
    }

    /// Forgets `source`'s connection (the host ended it, or its schemas went
    /// with a failed try): the next use logs in, and provisions, again.
    pub async fn forget(&self, source: &str) {
        self.connections.lock().await.remove(source);
    }

    /// A migration of `source` committed: what was provisioned for it stays.
    pub fn keep(&self, source: &str) {
        self.provisioned.lock().unwrap().remove(source);
    }

    /// A migration of `source` failed before any of its migrations
    /// committed: the schemas provisioned for it go again, if still empty.
    pub async fn undo(&self, admin: &Client, source: &str) {
        let provisioned = self.provisioned.lock().unwrap().remove(source).unwrap_or_default();
        for schema in provisioned {
            // Not empty (the app put something there meanwhile): it stays.
            let _ = admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {}", quote(&schema)))
                .await;
        }
    }
}

/// The statements that make a sandboxed source's role ready, run (and
/// committed) on the host's own connection before the source's first
/// migration: the role exists and may log in with this run's password (no
/// other rights, no memberships), each granted schema exists and the role
/// may use and create in it (and read and write what is there), and of the
/// history it may only read and insert (the host checks that it inserted
/// nothing but its own record).
fn provision_sql(role: &str, password: &str, schemas: &[String]) -> Vec<String> {
    let r = quote(role);
    let literal = role.replace('\'', "''");
    // Roles are per server: another database's run may be creating the same
    // one right now, hence the exception handler as well as the check.
    let mut sql = vec![
        format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{literal}') THEN \
             CREATE ROLE {r} NOLOGIN NOINHERIT; END IF; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ),
        format!(
            "ALTER ROLE {r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{password}'"
        ),
        // The host needs to act on what the role owns (roll back, drop).
        format!(
            "DO $$ BEGIN IF NOT pg_has_role(current_user, '{literal}', 'MEMBER') THEN GRANT {r} TO current_user; END IF; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ),
    ];
    for schema in schemas {
        let s = quote(schema);
        sql.push(format!("CREATE SCHEMA IF NOT EXISTS {s} AUTHORIZATION {r}"));
        sql.push(format!("GRANT USAGE, CREATE ON SCHEMA {s} TO {r}"));
        sql.push(format!("GRANT ALL ON ALL TABLES IN SCHEMA {s} TO {r}"));
        sql.push(format!("GRANT ALL ON ALL SEQUENCES IN SCHEMA {s} TO {r}"));
    }
    sql.push(format!("REVOKE ALL ON public.migration_info FROM {r}"));
    sql.push(format!("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {r}"));
    if schemas.iter().any(|s| s == "public") {
        // Granted back, except the history's own sequence.
        sql.push(format!("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {r}"));
        sql.push(format!("REVOKE ALL ON SEQUENCE public.migration_info_id_seq FROM {r}"));
    }
    sql.push(format!("GRANT SELECT, INSERT ON public.migration_info TO {r}"));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_database_has_its_own_role_and_the_suffix_finds_them_all() {
        let a = role_name("vendor", "app");
        assert!(a.starts_with("migrate_host_vendor_"), "{a}");
        assert_ne!(a, role_name("vendor", "app_test"), "one role per database");
        assert!(role_name("other", "app").ends_with(&format!("_{}", database_suffix("app"))));
    }

    #[test]
    fn the_role_gets_no_right_on_the_history_but_reading_and_inserting() {
        let sql = provision_sql("migrate_host_v_1", "pw", &["public".into(), "vendor".into()]);
        let last = sql.last().unwrap();
        assert_eq!(
            last,
            r#"GRANT SELECT, INSERT ON public.migration_info TO "migrate_host_v_1""#
        );
        assert!(
            sql.iter()
                .any(|s| s.contains("REVOKE ALL ON SEQUENCE public.migration_info_id_seq"))
        );
        assert!(
            sql.iter()
                .any(|s| s == r#"CREATE SCHEMA IF NOT EXISTS "vendor" AUTHORIZATION "migrate_host_v_1""#)
        );
        assert!(sql[1].contains("NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"));
    }
}
