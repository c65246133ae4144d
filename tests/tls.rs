//! TLS like libpq, against a PostgreSQL server of the test's own with
//! `ssl = on`, whose CA and server certificate the test makes (rcgen), and
//! whose pg_hba.conf refuses every connection without TLS: so a run that
//! succeeds there made every one of its connections (the migration's, the
//! lock's, a sandboxed source's, the shadow database's) over TLS.

mod support;

use assert_cmd::Command;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use support::cluster::Cluster;
use support::*;

struct Certificates {
    ca: String,
    other_ca: String,
    server_cert: String,
    server_key: String,
}

/// A CA, a server certificate it signs for `localhost` only, and a CA that
/// signed nothing.
fn certificates() -> Certificates {
    let ca = |name: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
    };
    let (issuer, other) = (ca("migrate-host test CA"), ca("another CA"));
    let server_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    let server = params.signed_by(&server_key, &issuer).unwrap();
    Certificates {
        ca: issuer.pem(),
        other_ca: other.pem(),
        server_cert: server.pem(),
        server_key: server_key.serialize_pem(),
    }
}

fn cli(url: &str, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("migrate-host")
        .unwrap()
        .env("DATABASE_URL", url)
        .env_remove("RUST_BACKTRACE")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn every_connection_speaks_tls_as_libpq_would() {
    let certs = certificates();
    let server = Cluster::start(
        "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\npassword_encryption = 'scram-sha-256'",
        "hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\nlocal all all trust\n",
        &[("server.crt", &certs.server_cert), ("server.key", &certs.server_key)],
    );
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &certs.ca).unwrap();
    let other_ca = dir.path().join("other.pem");
    std::fs::write(&other_ca, &certs.other_ca).unwrap();
    let url = |host: &str, tls: &str| format!("postgres://postgres@{host}:{}/postgres?{tls}", server.port);
    let verify_full = url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    );

    // The migrations: a trusted source and a sandboxed one, as a project.
    let project = tempfile::tempdir().unwrap();
    for (sub, name) in [("migrations", "interp_1"), ("vendor", "vendor_1")] {
        std::fs::create_dir_all(project.path().join(sub)).unwrap();
        std::fs::copy(fixture(name), project.path().join(sub).join(format!("{name}.wasm"))).unwrap();
    }
    std::fs::write(
        project.path().join("migrate.toml"),
        "[[source]]\nname = \"app\"\ndir = \"migrations\"\n\n[[source]]\nname = \"auth\"\ndir = \"vendor\"\n\
         trust = \"sandboxed\"\nschemas = [\"auth\"]\nallow = [\"create\", \"alter\", \"sql\"]\n",
    )
    .unwrap();
    let setup = migrate_host::pg::connect(&verify_full).await.unwrap();
    setup
        .batch_execute(
            "CREATE TABLE interp_ops (id serial PRIMARY KEY, revision text NOT NULL, direction text NOT NULL, op jsonb NOT NULL);
             CREATE TABLE interp_results (id serial PRIMARY KEY, result jsonb NOT NULL);
             GRANT SELECT ON interp_ops TO PUBLIC;",
        )
        .await
        .unwrap();
    let ssl: bool = setup
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(ssl, "the connection is encrypted");
    let config = project.path().join("migrate.toml");
    let run = |database_url: &str, args: &[&str]| {
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        cli(database_url, &all)
    };

    // apply (both sources, the sandbox role's login included), status, plan
    // (a shadow database), over verify-full, in both forms.
    let out = run(&verify_full, &["apply"]);
    assert!(out.status.success(), "{}\n{}", text(&out.stderr), server.log());
    let out = run(&verify_full, &["status"]);
    assert!(text(&out.stdout).contains("applied  auth"), "{}", text(&out.stdout));
    let schema = dir.path().join("schema.sql");
    std::fs::write(&schema, "CREATE TABLE extra (id int);\n").unwrap();
    let key_value = format!(
        "host=localhost port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert='{}'",
        server.port,
        ca.display()
    );
    let out = cli(&key_value, &["plan", "--schema", schema.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("CREATE TABLE \"public\".\"extra\""),
        "{}",
        text(&out.stdout)
    );

    // verify-ca checks the chain, not the name; require and prefer encrypt
    // without checking; the default (prefer) works too.
    for tls in [
        format!("sslmode=verify-ca&sslrootcert={}", ca.display()),
        "sslmode=require".to_owned(),
        "sslmode=prefer".to_owned(),
        String::new(),
    ] {
        let out = cli(
            &url("127.0.0.1", &tls),
            &["status", "--dir", project.path().join("migrations").to_str().unwrap()],
        );
        assert!(out.status.success(), "{tls}: {}", text(&out.stderr));
    }
    // Refused: the wrong host name under verify-full, a chain to another
    // CA, no TLS where the server demands it.
    for (tls, host, expected) in [
        (
            format!("sslmode=verify-full&sslrootcert={}", ca.display()),
            "127.0.0.1",
            "not valid for name",
        ),
        (
            format!("sslmode=verify-ca&sslrootcert={}", other_ca.display()),
            "localhost",
            "UnknownIssuer",
        ),
        ("sslmode=disable".to_owned(), "127.0.0.1", "no encryption"),
    ] {
        let out = cli(
            &url(host, &tls),
            &["status", "--dir", project.path().join("migrations").to_str().unwrap()],
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{tls} on {host} was accepted");
        assert!(
            err.to_lowercase().contains(&expected.to_lowercase()),
            "{tls} on {host}: {err}"
        );
        assert_eq!(err.lines().filter(|l| l.starts_with("error")).count(), 1, "{err}");
    }
    drop(setup);
}

/// `require` refuses a server that does not speak TLS (the machine's own,
/// which runs without `ssl`; or a cluster of the test's own when it does).
#[tokio::test]
async fn require_refuses_a_server_without_tls() {
    let server = Cluster::start(
        "ssl = off",
        "host all all 127.0.0.1/32 trust\nlocal all all trust\n",
        &[],
    );
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", server.port);
    let scratch = Scratch::with_fixtures(&[]);
    let dir = scratch.path().to_str().unwrap();
    let out = cli(&format!("{url}?sslmode=require"), &["status", "--dir", dir]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("the server must accept TLS") || err.contains("TLS"),
        "{err}"
    );
    // The same server without `require`: prefer falls back to plain text.
    let out = cli(&url, &["status", "--dir", dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
