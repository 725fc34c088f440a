//! The HTTP API under `/api/v1`, one module per resource, plus the static pages of `web/`.
//! Handlers are thin: parse the request, call the service with the actor, map the result
//! to the wire types declared next to them (the OpenAPI document is made from those).

pub mod auth;
pub mod boundaries;
pub mod data_needs;
pub mod departments;
pub mod error;
pub mod exports;
pub mod extract;
pub mod me;
pub mod openapi;
/// `/healthz`, `/readyz`, `/metrics`: mounted next to this router by `app`.
pub mod ops;
pub mod org_units;
pub mod oversight;
pub mod pages;
pub mod policies;
pub mod postings;
pub mod reports;
pub mod templates;
pub mod users;
pub mod wire;

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use error::{ApiError, ErrorCode};
use extract::BodyLimit;
use std::path::Path;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// The body limit of every JSON endpoint; a typical report is well under 8 KB.
pub const JSON_LIMIT_BYTES: usize = 64 * 1024;

/// The whole application: the API, its OpenAPI document, and the pages.
pub fn router(state: AppState, web_dir: &Path) -> Router {
    let api = Router::new()
        .merge(auth::router())
        .merge(org_units::router())
        .merge(boundaries::router())
        .merge(users::router())
        .merge(postings::router())
        .merge(templates::router())
        .merge(policies::router())
        .merge(data_needs::router())
        .merge(departments::router())
        .merge(reports::router())
        .merge(me::router())
        .merge(oversight::router())
        .merge(exports::router())
        .merge(openapi::router())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(BodyLimit(JSON_LIMIT_BYTES).layers())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let app = Router::new()
        .nest("/api/v1", api)
        .fallback_service(pages::service(web_dir))
        .layer(axum::middleware::map_response(with_charset));
    with_security_headers(app)
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::internal(&"a handler panicked").into_response()
            },
        ))
        // The request span, access log and metrics wrap this router in `app` (observe::request).
        .with_state(state)
}

/// The page policy (no inline script or style, nothing from elsewhere, never framed; the
/// browser module may be compiled: `wasm-unsafe-eval`) and the headers that go with it,
/// on every response, API and pages alike.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn with_security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let header = |name, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    router
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
}

/// Text without a charset is said to be UTF-8 (every page and script here is).
async fn with_charset(mut response: Response) -> Response {
    let bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (v.starts_with("text/") || v.contains("javascript")) && !v.contains("charset"))
        .map(|v| format!("{v}; charset=utf-8"));
    if let Some(value) = bare.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

pub(crate) async fn not_found() -> Response {
    ApiError::new(ErrorCode::NotFound).into_response()
}

pub(crate) async fn method_not_allowed() -> Response {
    ApiError::new(ErrorCode::MethodNotAllowed).into_response()
}
