//! The `jianfu` binary: parse the command line, set up logging, run the command.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = jianfu_server::config::Cli::parse();
    jianfu_server::observe::logging::init(cli.log_format);
    jianfu_server::cli::run(cli).await
}
