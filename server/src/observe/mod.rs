//! Running it for real: the request id, the one log line per request, the Prometheus
//! metrics, and the log format. Nothing here knows the domain beyond the labels it is
//! handed; no label ever names a person (R2).

/// Logging set-up: text without colour off a terminal, or JSON lines.
pub mod logging;
/// The Prometheus registry of one running application.
pub mod metrics;
/// The middleware every request passes: request id, metrics, the access log line.
pub mod request;

pub use metrics::{Metrics, Submission};
pub use request::{REQUEST_ID_HEADER, current_request_id};
