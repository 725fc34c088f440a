//! The command line: subcommands and their flags, each also settable by an environment
//! variable. Secrets are read from the environment or flags but never printed.

use crate::app::{OpsConfig, ServeConfig};
use crate::observe::logging::LogFormat;
use clap::{Args, Parser, Subcommand};
use jianfu_core::Role;
use std::path::PathBuf;
use std::time::Duration;

/// jianfu (减负): outcome-based periodic reporting for village-posted cadres.
///
/// Without a subcommand, `jianfu` serves (the same as `jianfu serve`).
#[derive(Debug, Parser)]
#[command(name = "jianfu", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,

    /// Log lines as plain text (coloured only on a terminal) or one JSON object per line.
    /// Given as a flag, it goes after the subcommand.
    #[arg(
        long,
        env = "JIANFU_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the pages (migrates the database first).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DatabaseArgs),
    /// Import `code,name,level,parent_code` rows (CSV or CSV.gz) into the administrative tree.
    ImportDivisions(ImportArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Copy a live SQLite database to a new file, consistently, while it serves.
    Backup(BackupArgs),
    /// Put a backup in place of the SQLite database of a stopped server.
    Restore(RestoreArgs),
    /// Import the demo county, create demo logins, print them as `role username password`, and serve.
    Demo(DemoArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://FILE` (created if missing) or `postgres://user@host:port/db`.
    #[arg(
        long,
        env = "JIANFU_DATABASE_URL",
        default_value = "sqlite://jianfu.db",
        hide_env_values = true
    )]
    pub database_url: String,
    /// The largest the SQLite database may grow, in MiB: past it, writes are answered 503
    /// (`storage_unavailable`) instead of filling the disk. Unset: no cap.
    #[arg(long, env = "JIANFU_SQLITE_MAX_MB")]
    pub sqlite_max_mb: Option<u64>,
}

#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Address to listen on.
    #[arg(long, env = "JIANFU_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "JIANFU_PORT", default_value_t = 8080)]
    pub port: u16,
    /// The folder of static pages (`web/`); the built browser module is in its `pkg/`.
    #[arg(long, env = "JIANFU_WEB_DIR", default_value_os_t = default_web_dir())]
    pub web_dir: PathBuf,
    /// How long a login token is valid, in minutes.
    #[arg(long, env = "JIANFU_TOKEN_TTL_MINUTES", default_value_t = 720, value_parser = clap::value_parser!(u32).range(1..=10_080))]
    pub token_ttl_minutes: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed (comma-separated addresses, e.g.
    /// `127.0.0.1` for an nginx on the same host): the client's address then comes from
    /// it, for sign-in throttling and logs. Without one, the connection's address is used.
    #[arg(
        long = "trusted-proxy",
        env = "JIANFU_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub listen: ListenArgs,
    /// Secret for signing login tokens: at least 32 random bytes. Required: `serve` refuses
    /// to start without one or with a well-known default.
    #[arg(long, env = "JIANFU_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    #[command(flatten)]
    pub ops: OpsArgs,
}

/// Watching and stopping the running server.
#[derive(Debug, Clone, Args)]
pub struct OpsArgs {
    /// Bearer token (at least 16 bytes) that opens `GET /metrics` on the main listener.
    /// Without it, the main listener does not serve metrics.
    #[arg(long, env = "JIANFU_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// A second address (`host:port`) serving `/metrics`, `/healthz` and `/readyz` without
    /// a token: bind it where only the monitoring system reaches, e.g. `127.0.0.1:9187`.
    #[arg(long, env = "JIANFU_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// On SIGTERM or Ctrl-C: how long to wait for requests in flight before exiting anyway.
    #[arg(long, env = "JIANFU_SHUTDOWN_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub shutdown_timeout_secs: u64,
}

impl OpsArgs {
    pub fn to_config(&self) -> OpsConfig {
        OpsConfig {
            metrics_token: self.metrics_token.clone(),
            metrics_listen: self.metrics_listen.clone(),
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The new file to write (never overwritten).
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// Where the restored database goes.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The backup file made by `jianfu backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// Replace an existing database file (kept as FILE.before-restore-<time>). Stop the
    /// server first.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The file: plain CSV or gzip (recognised by content), e.g. shared/data/divisions.csv.gz.
    pub file: PathBuf,
    /// Import only this unit's subtree and its ancestors, e.g. one county: `--prefix 130928`.
    #[arg(long)]
    pub prefix: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; prints `role username password`.
    Add(UserAddArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[arg(long)]
    pub username: String,
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// The division code of the user's unit (a village for a cadre).
    #[arg(long)]
    pub unit: String,
    #[arg(long)]
    pub display_name: Option<String>,
    /// The password; when absent a random one is generated and printed.
    #[arg(long, env = "JIANFU_NEW_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Where the demo data goes; the demo county is imported (idempotently) and the demo
    /// logins get fresh passwords on every start.
    #[arg(
        long,
        env = "JIANFU_DEMO_DATABASE_URL",
        default_value = "sqlite://jianfu-demo.db",
        hide_env_values = true
    )]
    pub database_url: String,
    #[command(flatten)]
    pub listen: ListenArgs,
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
        .map_err(|e: jianfu_core::role::UnknownRole| e.to_string())
}

/// `web/` next to the workspace when run from a checkout, else `./web`.
fn default_web_dir() -> PathBuf {
    let checkout = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../web"));
    if checkout.is_dir() {
        checkout
    } else {
        PathBuf::from("web")
    }
}

impl ServeArgs {
    pub fn to_config(&self) -> ServeConfig {
        let mut config = ServeConfig {
            ops: self.ops.to_config(),
            ..self
                .listen
                .to_config(&self.database.database_url, self.jwt_secret.clone())
        };
        config.storage.sqlite_max_bytes = self.database.sqlite_max_mb.map(|mb| mb * 1024 * 1024);
        config
    }
}

impl ListenArgs {
    pub fn to_config(&self, database_url: &str, jwt_secret: Option<String>) -> ServeConfig {
        ServeConfig {
            database_url: database_url.to_owned(),
            host: self.host.clone(),
            port: self.port,
            jwt_secret,
            token_ttl_secs: i64::from(self.token_ttl_minutes) * 60,
            web_dir: self.web_dir.clone(),
            clock: crate::clock::Clock::system(),
            ops: OpsConfig::default(),
            storage: crate::db::StorageOptions::default(),
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_serve_with_defaults() {
        let cli = Cli::try_parse_from(["jianfu", "--port", "9000"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.listen.port, 9000);
        assert_eq!(cli.serve.listen.host, "127.0.0.1");
    }

    #[test]
    fn ops_flags_and_log_format_parse_anywhere() {
        let cli = Cli::try_parse_from([
            "jianfu",
            "serve",
            "--metrics-listen",
            "127.0.0.1:9187",
            "--shutdown-timeout-secs",
            "3",
            "--log-format",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.log_format, LogFormat::Json);
        let Some(Command::Serve(args)) = cli.command else {
            panic!("serve")
        };
        let ops = args.to_config().ops;
        assert_eq!(ops.metrics_listen.as_deref(), Some("127.0.0.1:9187"));
        assert_eq!(ops.shutdown_timeout, Duration::from_secs(3));
        // Before a subcommand it would count as a flag of the default `serve`: after it.
        let cli = Cli::try_parse_from(["jianfu", "backup", "--to", "x.db", "--log-format", "json"])
            .unwrap();
        assert!(matches!(cli.command, Some(Command::Backup(_))));
        assert!(Cli::try_parse_from(["jianfu", "--log-format", "xml"]).is_err());
    }

    #[test]
    fn user_add_checks_the_role() {
        assert!(
            Cli::try_parse_from([
                "jianfu",
                "user",
                "add",
                "--username",
                "a",
                "--role",
                "boss",
                "--unit",
                "13"
            ])
            .is_err()
        );
        assert!(
            Cli::try_parse_from([
                "jianfu",
                "user",
                "add",
                "--username",
                "abc",
                "--role",
                "admin",
                "--unit",
                "13"
            ])
            .is_ok()
        );
    }
}
