//! The `jianfu` binary: parse the command line, set up logging, run the command.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's allocator: under a national week glibc's malloc and free
/// took a fifth of the request threads' time (buffers made on one thread and freed on
/// another); with mimalloc the server's CPU per report fell by a quarter
/// (README, "Benchmarks"). tests/tests/flood.rs bounds its resident memory under a flood.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = jianfu_server::config::Cli::parse();
    jianfu_server::observe::logging::init(cli.log_format);
    jianfu_server::cli::run(cli).await
}
