//! The process's log: `JIANFU_LOG` filters it (tracing `EnvFilter`), `JIANFU_LOG_FORMAT`
//! picks plain text or one JSON object per line. Text is coloured only on a terminal, so
//! a log file or the journal never holds escape codes. Logs go to stderr; stdout is for
//! what a command prints (logins, counts).

use std::io::IsTerminal as _;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines; ANSI colour only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line, the event's fields at the top level.
    Json,
}

/// The filter when `JIANFU_LOG` is unset or unreadable.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Installs the global subscriber. Call once, before anything logs.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_env("JIANFU_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}
