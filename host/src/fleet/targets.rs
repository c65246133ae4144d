//! Which databases a fleet command works on, and what each is called in
//! the output. A targets file (`--targets FILE`), or the `[targets]` table
//! of `migrate.toml`, lists any mix of:
//!
//! ```toml
//! # databases, by connection string (named host:port/database), or named
//! databases = ["postgres://app@db1/shop", { name = "eu", url = "postgres://app@db2/shop" }]
//!
//! [[server]]                       # a server, and the databases on it to migrate
//! url = "postgres://app@db3/postgres"
//! query = "SELECT datname FROM pg_database WHERE datname LIKE 'shop_%' ORDER BY 1"
//! # or: databases = ["shop_a", "shop_b"]
//! name = "db3"                     # optional: targets are named db3/shop_a (default host:port/shop_a)
//!
//! [[tenants]]                      # one database, a schema per tenant
//! url = "postgres://app@db4/saas"
//! query = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant_%' ORDER BY 1"
//! # or: schemas = ["acme", "globex"]
//! name = "saas"                    # optional: targets are named saas/acme (default host:port/saas/acme)
//! ```
//!
//! The order is the file's, and each query's: it is the order canaries and
//! waves take targets in. Listing a server's databases or a database's
//! tenants runs its query (the first column of each row is a name); a
//! listing that fails is reported as a failed target of its own, and the
//! rest go ahead.

use crate::pg;
use anyhow::{Context as _, bail};
use serde::Deserialize;
use std::path::Path;

/// The targets, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub databases: Vec<Database>,
    #[serde(default, rename = "server")]
    pub servers: Vec<Server>,
    #[serde(default)]
    pub tenants: Vec<Tenants>,
}

/// A database, by its connection string alone or with a name.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Database {
    Url(String),
    Named(Named),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub name: String,
    pub url: String,
}

/// A server, and its databases to migrate: given, or listed by a query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// A database on the server to run the query on.
    pub url: String,
    /// What the targets' names start with.
    pub name: Option<String>,
    pub databases: Option<Vec<String>>,
    pub query: Option<String>,
}

/// A database with a schema per tenant, and its tenants to migrate: given,
/// or listed by a query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenants {
    pub url: String,
    /// What the targets' names start with.
    pub name: Option<String>,
    pub schemas: Option<Vec<String>>,
    pub query: Option<String>,
}

/// Names given, or the query that lists them.
enum Listing<'a> {
    Given(&'a [String]),
    Query(&'a str),
}

impl<'a> Listing<'a> {
    /// `what` is the table, `names` the key that gives them.
    fn of(given: &'a Option<Vec<String>>, query: &'a Option<String>, what: &str, names: &str) -> anyhow::Result<Self> {
        match (given, query) {
            (Some(given), None) => Ok(Listing::Given(given)),
            (None, Some(query)) => Ok(Listing::Query(query)),
            (Some(_), Some(_)) => bail!("a {what} has both `{names}` and `query`: give one"),
            (None, None) => bail!("a {what} needs `{names}` (a list) or `query` (SQL that lists them)"),
        }
    }

    /// The names, in the order given or returned (the first column of each
    /// row of the query, run on `url`).
    async fn names(&self, url: &str) -> anyhow::Result<Vec<String>> {
        let query = match self {
            Listing::Given(names) => return Ok(names.to_vec()),
            Listing::Query(query) => *query,
        };
        let client = pg::connect(url).await?;
        let mut names: Vec<String> = Vec::new();
        for message in client
            .simple_query(query)
            .await
            .with_context(|| format!("running the listing query {query:?}"))?
        {
            if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
                match row.get(0) {
                    Some(name) if !names.iter().any(|n| n == name) => names.push(name.to_owned()),
                    Some(_) => {}
                    None => bail!("the listing query {query:?} returned a NULL name"),
                }
            }
        }
        Ok(names)
    }
}

/// One database, or one tenant of a database, to migrate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Its name in the output.
    pub name: String,
    /// The database's connection string.
    pub url: String,
    /// The server it is on (`host:port`), whose connections `--per-server`
    /// budgets.
    pub server: String,
    /// The tenant's schema, in schema-per-tenant mode.
    pub tenant: Option<String>,
}

/// A listing that could not be read: its targets are unknown.
#[derive(Clone, Debug)]
pub struct Unlisted {
    /// What it would have named its targets after.
    pub name: String,
    pub error: String,
}

/// The targets, and the listings that failed.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub targets: Vec<Target>,
    pub unlisted: Vec<Unlisted>,
}

impl Config {
    /// A targets file.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config: Config =
            toml::from_str(&text).with_context(|| format!("{} is not a valid targets file", path.display()))?;
        config.validated().with_context(|| format!("in {}", path.display()))
    }

    /// `migrate.toml`'s `[targets]` table.
    pub fn from_value(value: toml::Value, file: &Path) -> anyhow::Result<Self> {
        let config: Config = value
            .try_into()
            .with_context(|| format!("{}: [targets] is not valid", file.display()))?;
        config
            .validated()
            .with_context(|| format!("in {}, [targets]", file.display()))
    }

    fn validated(self) -> anyhow::Result<Self> {
        if self.databases.is_empty() && self.servers.is_empty() && self.tenants.is_empty() {
            bail!("no targets: list `databases`, a [[server]] or [[tenants]]");
        }
        for server in &self.servers {
            server.listing()?;
        }
        for tenants in &self.tenants {
            tenants.listing()?;
        }
        Ok(self)
    }

    /// The targets: each listing's query run, names given, duplicates refused.
    pub async fn resolve(&self) -> anyhow::Result<Resolved> {
        let mut resolved = Resolved::default();
        for database in &self.databases {
            let (name, url) = match database {
                Database::Url(url) => (None, url),
                Database::Named(named) => (Some(named.name.clone()), &named.url),
            };
            let address = Address::of(url)?;
            resolved.targets.push(Target {
                name: name.unwrap_or_else(|| address.database_name()),
                server: address.server,
                url: url.clone(),
                tenant: None,
            });
        }
        for server in &self.servers {
            let address = Address::of(&server.url)?;
            let prefix = server.name.clone().unwrap_or_else(|| address.server.clone());
            match server.listing()?.names(&server.url).await {
                Ok(databases) => resolved.targets.extend(databases.into_iter().map(|database| Target {
                    name: format!("{prefix}/{database}"),
                    url: pg::with_database(&server.url, &database),
                    server: address.server.clone(),
                    tenant: None,
                })),
                Err(error) => resolved.unlisted.push(Unlisted {
                    name: format!("{prefix} (its databases)"),
                    error: format!("{error:#}"),
                }),
            }
        }
        for tenants in &self.tenants {
            let address = Address::of(&tenants.url)?;
            let prefix = tenants.name.clone().unwrap_or_else(|| address.database_name());
            match tenants.listing()?.names(&tenants.url).await {
                Ok(schemas) => {
                    for schema in schemas {
                        crate::actions::ident::validate(&schema, "schema")
                            .map_err(|e| anyhow::anyhow!("tenants of {prefix}: {e}"))?;
                        resolved.targets.push(Target {
                            name: format!("{prefix}/{schema}"),
                            url: tenants.url.clone(),
                            server: address.server.clone(),
                            tenant: Some(schema),
                        });
                    }
                }
                Err(error) => resolved.unlisted.push(Unlisted {
                    name: format!("{prefix} (its tenants)"),
                    error: format!("{error:#}"),
                }),
            }
        }
        refuse_duplicates(&resolved.targets)?;
        Ok(resolved)
    }
}

impl Server {
    fn listing(&self) -> anyhow::Result<Listing<'_>> {
        Listing::of(&self.databases, &self.query, "[[server]]", "databases")
    }
}

impl Tenants {
    fn listing(&self) -> anyhow::Result<Listing<'_>> {
        Listing::of(&self.schemas, &self.query, "[[tenants]]", "schemas")
    }
}

/// Where a connection string leads, for names and for `--per-server`.
struct Address {
    /// `host:port` (the first host, as libpq tries it first).
    server: String,
    database: String,
}

impl Address {
    fn of(url: &str) -> anyhow::Result<Self> {
        let config = pg::Target::parse(url).context("a target's connection string")?.config;
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            #[cfg(unix)]
            Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_owned(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        // libpq's default database is the user's name.
        let database = config
            .get_dbname()
            .or(config.get_user())
            .unwrap_or("postgres")
            .to_owned();
        Ok(Address {
            server: format!("{host}:{port}"),
            database,
        })
    }

    /// `host:port/database`.
    fn database_name(&self) -> String {
        format!("{}/{}", self.server, self.database)
    }
}

/// Two targets that are one database (or one tenant) would race each other;
/// two with one name could not be told apart in the output.
fn refuse_duplicates(targets: &[Target]) -> anyhow::Result<()> {
    let mut names = std::collections::HashSet::new();
    let mut places = std::collections::HashMap::new();
    for target in targets {
        if !names.insert(target.name.as_str()) {
            bail!("two targets are named {}: give them names of their own", target.name);
        }
        let address = Address::of(&target.url)?;
        let key = (address.server, address.database, target.tenant.clone());
        if let Some(other) = places.insert(key, target.name.as_str()) {
            bail!(
                "targets {other} and {} are the same {}: list it once",
                target.name,
                if target.tenant.is_some() { "tenant" } else { "database" }
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Config> {
        toml::from_str::<Config>(text)?.validated()
    }

    #[tokio::test]
    async fn given_names_need_no_server() {
        let config = parse(
            r#"
            databases = ["postgres://u:secret@db1:5433/shop", { name = "eu", url = "host=db2 dbname=shop" }]
            [[server]]
            url = "postgres://u@db3/postgres"
            databases = ["a", "b c"]
            [[tenants]]
            url = "postgres://u@db4/saas"
            schemas = ["acme", "globex"]
            name = "saas"
            "#,
        )
        .unwrap();
        let resolved = config.resolve().await.unwrap();
        let names: Vec<&str> = resolved.targets.iter().map(|t| t.name.as_str()).collect();
        // Never a password in a name.
        assert_eq!(
            names,
            [
                "db1:5433/shop",
                "eu",
                "db3:5432/a",
                "db3:5432/b c",
                "saas/acme",
                "saas/globex"
            ]
        );
        let servers: Vec<&str> = resolved.targets.iter().map(|t| t.server.as_str()).collect();
        assert_eq!(
            servers,
            ["db1:5433", "db2:5432", "db3:5432", "db3:5432", "db4:5432", "db4:5432"]
        );
        assert_eq!(resolved.targets[3].url, "postgres://u@db3/b%20c");
        assert_eq!(resolved.targets[4].tenant.as_deref(), Some("acme"));
        assert_eq!(resolved.targets[4].url, "postgres://u@db4/saas");
        assert!(resolved.unlisted.is_empty());
    }

    #[tokio::test]
    async fn the_same_database_twice_is_refused() {
        let twice = parse(
            r#"
            databases = ["postgres://u@db1/shop", { name = "again", url = "host=db1 port=5432 dbname=shop user=v" }]
            "#,
        )
        .unwrap();
        let error = twice.resolve().await.unwrap_err().to_string();
        assert_eq!(
            error,
            "targets db1:5432/shop and again are the same database: list it once"
        );
        let named_twice = parse(
            r#"
            databases = [{ name = "x", url = "postgres://u@db1/a" }, { name = "x", url = "postgres://u@db1/b" }]
            "#,
        )
        .unwrap();
        assert!(
            named_twice
                .resolve()
                .await
                .unwrap_err()
                .to_string()
                .contains("two targets are named x")
        );
    }

    #[test]
    fn a_listing_gives_its_names_or_its_query_not_both() {
        assert!(parse("").unwrap_err().to_string().contains("no targets"));
        let both = "[[server]]\nurl = \"postgres://h/postgres\"\ndatabases = [\"a\"]\nquery = \"SELECT 1\"";
        assert!(
            parse(both)
                .unwrap_err()
                .to_string()
                .contains("both `databases` and `query`")
        );
        let neither = "[[tenants]]\nurl = \"postgres://h/app\"";
        assert!(parse(neither).unwrap_err().to_string().contains("needs `schemas`"));
        assert!(parse("[[servers]]\nurl = \"x\"").is_err(), "unknown tables are refused");
    }
}
