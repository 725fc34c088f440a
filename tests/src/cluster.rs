//! A PostgreSQL cluster of a test's own (for tests that stop and restart the server under
//! a running application), made with the PostgreSQL 15 binaries as TOOLCHAIN.md says:
//! `initdb` as the `postgres` user in a temp dir, on a free port, listening on 127.0.0.1.
//! It is stopped and removed when dropped.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = "/usr/lib/postgresql/15/bin";

#[derive(Debug)]
pub struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

/// Runs a PostgreSQL tool as the `postgres` user (initdb refuses root).
fn as_postgres(tool: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
    let program = format!("{BIN}/{tool}");
    if is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--", &program])
            .args(args)
            .output()
    } else {
        Command::new(program).args(args).output()
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Cluster {
    /// A new cluster, started; `None` (with a note) when PostgreSQL is not installed here,
    /// a failure in CI.
    pub fn start() -> Option<Cluster> {
        if !PathBuf::from(BIN).join("initdb").exists() {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but PostgreSQL 15 is not installed"
            );
            eprintln!("note: PostgreSQL 15 binaries not found; test skipped");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        if is_root() {
            Command::new("chown")
                .args(["postgres", &dir.path().display().to_string()])
                .status()
                .expect("chown");
        }
        let data = dir.path().join("data").display().to_string();
        let out = as_postgres(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "test",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "-N",
            ],
        )
        .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = Cluster {
            dir,
            port: free_port(),
        };
        cluster.up();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Starts the server (again), waiting until it accepts connections.
    pub fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        let out = as_postgres(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-o",
                &options,
                "start",
            ],
        )
        .expect("pg_ctl start runs");
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the server at once (`-m fast`: connections are cut).
    pub fn down(&self) {
        let out = as_postgres("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])
            .expect("pg_ctl stop runs");
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://test@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}
