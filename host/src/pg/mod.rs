//! Connecting to Postgres, for every connection the host makes (the
//! migration's, the lock's, a sandboxed source's, the shadow database's):
//! connection strings in URL or `key=value` form with libpq's TLS options,
//! TLS with rustls, cancelling a running statement, and the names of
//! scratch databases. A leaf: it knows nothing of migrations.
//!
//! TLS follows libpq: `sslmode` = `disable`, `allow`/`prefer` (the default:
//! TLS when the server offers it, unverified), `require` (TLS, unverified
//! unless `sslrootcert` is given, which makes it `verify-ca`), `verify-ca`
//! (the chain must lead to `sslrootcert`, or to the system's roots when it
//! is absent or `system`) and `verify-full` (`verify-ca` and the server's
//! name must be the host connected to); `sslcert`/`sslkey` present a client
//! certificate.

use anyhow::{Context as _, bail};
use percent_encoding::percent_decode_str;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime, pem::PemObject};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config};

/// How much TLS a connection demands, as libpq's `sslmode` says it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    Disable,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The TLS options of a connection string.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tls {
    pub mode: Mode,
    /// `sslrootcert`: a PEM file of trusted roots, or `system`.
    pub root_cert: Option<String>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// A parsed connection string: tokio-postgres's config and the TLS options
/// it does not know.
#[derive(Clone, Debug)]
pub struct Target {
    pub config: Config,
    pub tls: Tls,
}

const TLS_KEYS: &[&str] = &["sslmode", "sslrootcert", "sslcert", "sslkey"];

impl Target {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let (rest, options) = split_tls_options(url)?;
        let mut tls = Tls::default();
        for (key, value) in options {
            match key.as_str() {
                "sslmode" => {
                    tls.mode = match value.as_str() {
                        "disable" => Mode::Disable,
                        "allow" | "prefer" => Mode::Prefer,
                        "require" => Mode::Require,
                        "verify-ca" => Mode::VerifyCa,
                        "verify-full" => Mode::VerifyFull,
                        other => bail!(
                            "sslmode {other:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                        ),
                    }
                }
                "sslrootcert" => tls.root_cert = Some(value),
                "sslcert" => tls.cert = Some(value.into()),
                "sslkey" => tls.key = Some(value.into()),
                _ => unreachable!("only TLS keys are split off"),
            }
        }
        // libpq: a root certificate given to `require` makes it `verify-ca`.
        if tls.mode == Mode::Require && tls.root_cert.is_some() {
            tls.mode = Mode::VerifyCa;
        }
        if tls.cert.is_some() != tls.key.is_some() {
            bail!("sslcert and sslkey go together: give both, or neither");
        }
        let mut config: Config = rest.parse().context("parsing the connection string")?;
        config.ssl_mode(match tls.mode {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        });
        Ok(Target { config, tls })
    }

    /// Connects, and drives the connection on the current runtime.
    pub async fn connect(&self) -> anyhow::Result<Arc<Client>> {
        let connector = self.tls.connector()?;
        let (client, connection) = self.config.connect(connector).await.map_err(|e| {
            let hint = match self.tls.mode {
                Mode::Require | Mode::VerifyCa | Mode::VerifyFull if e.to_string().contains("TLS") => {
                    " (the server must accept TLS; see sslmode)"
                }
                _ => "",
            };
            anyhow::Error::from(e).context(format!("connecting to Postgres{hint}"))
        })?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Arc::new(client))
    }
}

/// Connects to `url` (URL or `key=value` form, libpq's TLS options included).
pub async fn connect(url: &str) -> anyhow::Result<Arc<Client>> {
    Target::parse(url)?.connect().await
}

/// Cancels the statement `client` is running, over TLS if its connection
/// uses it. (The request only carries the connection's cancel key, so the
/// server's certificate is not checked for it.)
pub async fn cancel(client: &Client) {
    let connector = tokio_postgres_rustls::MakeRustlsConnect::new(client_config(Verify::Nothing, None));
    let _ = client.cancel_token().cancel_query(connector).await;
}

/// What the client checks of the server's certificate.
enum Verify {
    Nothing,
    Chain(rustls::RootCertStore),
    ChainAndName(rustls::RootCertStore),
}

impl Tls {
    fn connector(&self) -> anyhow::Result<tokio_postgres_rustls::MakeRustlsConnect> {
        let verify = match self.mode {
            Mode::Disable | Mode::Prefer | Mode::Require => Verify::Nothing,
            Mode::VerifyCa => Verify::Chain(self.roots()?),
            Mode::VerifyFull => Verify::ChainAndName(self.roots()?),
        };
        let identity = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                let certs = CertificateDer::pem_file_iter(cert)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .with_context(|| format!("reading sslcert {}", cert.display()))?;
                let key =
                    PrivateKeyDer::from_pem_file(key).with_context(|| format!("reading sslkey {}", key.display()))?;
                Some((certs, key))
            }
            _ => None,
        };
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(client_config(
            verify, identity,
        )))
    }

    /// The roots a server's chain must lead to.
    fn roots(&self) -> anyhow::Result<rustls::RootCertStore> {
        let mut roots = rustls::RootCertStore::empty();
        match self.root_cert.as_deref() {
            Some(file) if file != "system" => {
                let certs = CertificateDer::pem_file_iter(file)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .with_context(|| format!("reading sslrootcert {file}"))?;
                for cert in certs {
                    roots
                        .add(cert)
                        .with_context(|| format!("sslrootcert {file} holds an unusable certificate"))?;
                }
            }
            _ => {
                let found = rustls_native_certs::load_native_certs();
                for cert in found.certs {
                    // A system store may hold certificates rustls cannot use; skip those.
                    let _ = roots.add(cert);
                }
            }
        }
        if roots.is_empty() {
            bail!(
                "sslmode {} needs trusted roots: give sslrootcert=FILE (or install the system's CA certificates)",
                if self.mode == Mode::VerifyFull {
                    "verify-full"
                } else {
                    "verify-ca"
                }
            );
        }
        Ok(roots)
    }
}

fn client_config(
    verify: Verify,
    identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    let builder = match verify {
        Verify::ChainAndName(roots) => builder.with_root_certificates(roots),
        Verify::Chain(roots) => {
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("a non-empty root store builds a verifier");
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly(inner)))
        }
        Verify::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider))),
    };
    match identity {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .unwrap_or_else(|_| panic!("client certificate rejected by rustls")),
        None => builder.with_no_client_auth(),
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl rustls::client::danger::ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext { .. })) => {
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require`: encrypted, the certificate taken as it comes
/// (libpq's behaviour; the handshake's signatures are still checked).
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The connection string without its TLS options (which tokio-postgres does
/// not all know), and those options, in the order given.
fn split_tls_options(url: &str) -> anyhow::Result<(String, Vec<(String, String)>)> {
    let mut options = Vec::new();
    if let Some((scheme, rest)) = url.split_once("://") {
        let Some((base, query)) = rest.split_once('?') else {
            return Ok((url.to_owned(), options));
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            if TLS_KEYS.contains(&decode(key).as_str()) {
                options.push((decode(key), decode(value)));
            } else {
                kept.push(pair);
            }
        }
        let query = if kept.is_empty() {
            String::new()
        } else {
            format!("?{}", kept.join("&"))
        };
        return Ok((format!("{scheme}://{base}{query}"), options));
    }
    let mut kept = Vec::new();
    for (key, value) in key_values(url)? {
        if TLS_KEYS.contains(&key.as_str()) {
            options.push((key, value));
        } else {
            kept.push(format!("{key}='{}'", value.replace('\\', "\\\\").replace('\'', "\\'")));
        }
    }
    Ok((kept.join(" "), options))
}

/// The pairs of a libpq `key=value` connection string (values may be
/// single-quoted, with `\'` and `\\` inside).
fn key_values(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            bail!("the connection string's {key:?} has no value (expected key=value)");
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => bail!("the connection string's {key:?} has an unclosed quote"),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// `url` with its database replaced by `database` (URL or key=value form),
/// whatever characters the name holds (a fleet's databases are named by a
/// query).
pub fn with_database(url: &str, database: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (base, query) = rest.split_once('?').map_or((rest, None), |(b, q)| (b, Some(q)));
        let authority = base.split_once('/').map_or(base, |(a, _)| a);
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        let database = percent_encoding::utf8_percent_encode(database, PATH_SEGMENT);
        format!("{scheme}://{authority}/{database}{query}")
    } else {
        format!("{url} dbname='{}'", database.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// What a database name must have escaped in a URL's path: all but
/// RFC 3986's unreserved characters.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A unique database name: process id, a counter and the time.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_come_out_of_both_forms() {
        let target = Target::parse(
            "postgres://u@db.example.com:5433/app?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca.pem",
        )
        .unwrap();
        assert_eq!(target.tls.mode, Mode::VerifyFull);
        assert_eq!(target.tls.root_cert.as_deref(), Some("/tmp/ca.pem"));
        assert_eq!(target.config.get_application_name(), Some("x"));
        assert_eq!(target.config.get_dbname(), Some("app"));
        assert_eq!(target.config.get_ssl_mode(), SslMode::Require);

        let target = Target::parse(
            "host=127.0.0.1 port = 5433 dbname='my app' sslmode=require sslrootcert='/a b/ca.pem' \
             sslcert=/c.pem sslkey=/k.pem password='it\\'s'",
        )
        .unwrap();
        // A root certificate makes `require` check the chain, as in libpq.
        assert_eq!(target.tls.mode, Mode::VerifyCa);
        assert_eq!(target.tls.root_cert.as_deref(), Some("/a b/ca.pem"));
        assert_eq!(target.tls.cert, Some(PathBuf::from("/c.pem")));
        assert_eq!(target.config.get_dbname(), Some("my app"));
        assert_eq!(target.config.get_password(), Some(&b"it's"[..]));
        assert_eq!(target.config.get_ports(), &[5433]);

        let plain = Target::parse("postgres://postgres@127.0.0.1/postgres").unwrap();
        assert_eq!(plain.tls, Tls::default());
        assert_eq!(plain.config.get_ssl_mode(), SslMode::Prefer);
        assert_eq!(Target::parse("host=h sslmode=disable").unwrap().tls.mode, Mode::Disable);

        for bad in [
            "postgres://h/db?sslmode=sometimes",
            "host=h sslcert=/c.pem",
            "host=h dbname='open",
            "host=h dbname",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn replaces_the_database_in_urls() {
        assert_eq!(
            with_database("postgres://u@h:1/db?sslmode=disable", "x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(with_database("host=h dbname=db", "x"), "host=h dbname=db dbname='x'");
        for odd in ["a b/c?d", "it's \\ é", "100%"] {
            for url in ["postgres://u@h:1/db?sslmode=disable", "host=h dbname=db"] {
                let target = Target::parse(&with_database(url, odd)).unwrap();
                assert_eq!(target.config.get_dbname(), Some(odd), "{url}");
            }
        }
    }
}
