//! The command line: subcommands and their flags, each also settable by an environment
//! variable. Secrets are read from the environment or flags but never printed.

use crate::app::ServeConfig;
use clap::{Args, Parser, Subcommand};
use jianfu_core::Role;
use std::path::PathBuf;

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
        self.listen
            .to_config(&self.database.database_url, self.jwt_secret.clone())
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
