//! The HTTP API under `/api/v1`, one module per resource, plus the static pages of `web/`.
//! Handlers are thin: parse the request, call the service with the actor, map the result
//! to the wire types declared next to them (the OpenAPI document is made from those).

pub mod auth;
pub mod boundaries;
pub mod data_needs;
pub mod error;
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
        .merge(reports::router())
        .merge(me::router())
        .merge(oversight::router())
        .merge(openapi::router())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(BodyLimit(JSON_LIMIT_BYTES).layers())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .nest("/api/v1", api)
        .fallback_service(pages::service(web_dir))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::internal(&"a handler panicked").into_response()
            },
        ))
        // The request span, access log and metrics wrap this router in `app` (observe::request).
        .with_state(state)
}

pub(crate) async fn not_found() -> Response {
    ApiError::new(ErrorCode::NotFound).into_response()
}

pub(crate) async fn method_not_allowed() -> Response {
    ApiError::new(ErrorCode::MethodNotAllowed).into_response()
}
