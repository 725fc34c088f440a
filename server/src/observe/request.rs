//! The middleware every request passes through, outermost: it gives the request an id
//! (kept from a proxy's `x-request-id` when that is a short plain token, else new), runs
//! the rest inside a span carrying that id, returns the id in the `x-request-id` header
//! (and, through [`current_request_id`], in every error body's `details.request_id`),
//! counts the request in the metrics and writes one log line: method, matched route
//! template, status, latency, request id and, for an error, its code. Never the path's
//! values, the query, a header or a body: no report id, password or token reaches the log.

use super::metrics::{Answered, Metrics, Submission};
use crate::http::error::ErrorCode;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument as _;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The route label of a request no route matched (the pages, and 404s).
pub const FALLBACK_ROUTE: &str = "fallback";

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// The id of the request being handled on this task, if any.
pub fn current_request_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// The layer's function: see the module comment.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(FALLBACK_ROUTE, MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let in_flight = metrics.in_flight();
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request))
        .instrument(span)
        .await;
    drop(in_flight);
    let latency = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let code = response.extensions().get::<ErrorCode>().copied();
    let status = response.status();
    metrics.record(&Answered {
        method: method.as_str(),
        route: &route,
        status,
        latency,
        code,
        submission: response.extensions().get::<Submission>().copied(),
    });
    let latency_ms = latency.as_secs_f64() * 1000.0;
    let code = code.map(ErrorCode::as_str);
    if status.is_server_error() {
        tracing::warn!(target: "jianfu::access", request_id = %id, method = %method, route, status = status.as_u16(), latency_ms, code, "request");
    } else {
        tracing::info!(target: "jianfu::access", request_id = %id, method = %method, route, status = status.as_u16(), latency_ms, code, "request");
    }
    response
}

/// The proxy's id when it is 1 to 64 characters of `[A-Za-z0-9._-]`, else a new one.
fn request_id(request: &Request) -> Arc<str> {
    request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|text| {
            (1..=64).contains(&text.len())
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map_or_else(
            || Arc::from(uuid::Uuid::new_v4().simple().to_string()),
            Arc::from,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: &str) -> Request {
        Request::builder()
            .header(REQUEST_ID_HEADER, value)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn a_proxys_plain_id_is_kept_anything_else_replaced() {
        assert_eq!(&*request_id(&with_header("abc-123_x.y")), "abc-123_x.y");
        for bad in ["", "has space", "a\"quote", &"x".repeat(65)] {
            let id = request_id(&with_header(bad));
            assert_eq!(id.len(), 32, "{bad:?} gave {id}");
        }
    }
}
