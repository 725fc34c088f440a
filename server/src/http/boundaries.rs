//! Village and township outlines (R7), as GeoJSON.

use super::error::{ApiError, ErrorBody};
use super::extract::{Admin, BodyLimit, Json, Path};
use crate::service::{Actor, boundaries};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::put;
use serde_json::Value;

/// The largest boundary body: a detailed village outline is a few hundred KB at most.
pub const BOUNDARY_LIMIT_BYTES: usize = 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/org-units/{code}/boundary",
        put(put_boundary)
            .get(get_boundary)
            .layer(BodyLimit(BOUNDARY_LIMIT_BYTES).layers()),
    )
}

/// Set the outline of a village or township (admin): GeoJSON Polygon, MultiPolygon,
/// Feature or FeatureCollection. Geotags outside it plus a buffer are refused (R7).
#[utoipa::path(put, path = "/api/v1/org-units/{code}/boundary", tag = "org-units", security(("bearer" = [])),
    params(("code" = String, Path, example = "130928101201")), request_body(content = Object, description = "GeoJSON"),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "invalid_boundary, validation_failed", body = ErrorBody)))]
pub async fn put_boundary(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(code): Path<String>,
    Json(geojson): Json<Value>,
) -> Result<StatusCode, ApiError> {
    boundaries::put(&state.services, &actor, &code, &geojson).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The stored outline of a unit, as GeoJSON (any signed-in user in scope).
#[utoipa::path(get, path = "/api/v1/org-units/{code}/boundary", tag = "org-units", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_boundary(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    Ok(axum::Json(
        boundaries::get(&state.services, &actor, &code).await?,
    ))
}
