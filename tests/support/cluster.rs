//! A PostgreSQL server of a test's own: `initdb` into a temporary
//! directory, started with `pg_ctl` on a free loopback port, stopped (and
//! removed) when dropped. For what the machine's shared server cannot show
//! (TLS, several servers).

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cluster {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
}

/// The directory of the server's programs (`pg_ctl`, `initdb`), newest version first.
fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's programs under /usr/lib/postgresql")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("pg_ctl").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop().expect("a PostgreSQL server installed")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a server program as the `postgres` user when the tests run as root
/// (initdb and postgres refuse root).
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    /// A new server. `config` is appended to postgresql.conf, `hba` replaces
    /// pg_hba.conf, and `files` are written into the data directory first
    /// (certificates, with the owner and mode the server wants).
    pub fn start(config: &str, hba: &str, files: &[(&str, &str)]) -> Cluster {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres").arg(dir.path());
                    c
                },
                "chown",
            );
        }
        run(
            {
                let mut c = as_postgres(&bin.join("initdb"));
                c.args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"]).arg(&data);
                c
            },
            "initdb",
        );
        let port = free_port();
        for (name, text) in files {
            let path = data.join(name);
            std::fs::write(&path, text).unwrap();
            run(
                {
                    let mut c = Command::new("chmod");
                    c.arg("600").arg(&path);
                    c
                },
                "chmod",
            );
            if is_root() {
                run(
                    {
                        let mut c = Command::new("chown");
                        c.arg("postgres").arg(&path);
                        c
                    },
                    "chown",
                );
            }
        }
        let conf = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\n\
             max_connections = 40\nshared_buffers = 16MB\n{config}\n",
            dir.path().display()
        );
        let mut existing = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        existing.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), existing).unwrap();
        std::fs::write(data.join("pg_hba.conf"), hba).unwrap();
        run(
            {
                let mut c = as_postgres(&bin.join("pg_ctl"));
                c.args(["-w", "-t", "60", "-D"])
                    .arg(&data)
                    .arg("-l")
                    .arg(dir.path().join("log"))
                    .arg("start");
                c
            },
            "pg_ctl start",
        );
        Cluster { port, dir, bin }
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.path().join("data"))
            .arg("stop")
            .output();
    }
}
