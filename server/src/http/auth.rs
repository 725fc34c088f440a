//! `POST /api/v1/auth/login` and `GET /api/v1/me`.

use super::error::{ApiError, ErrorBody};
use super::extract::Json;
use super::wire::{OrgUnitView, UserView};
use crate::service::{Actor, accounts};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use jianfu_core::DivisionCode;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/me", get(me))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Unix seconds.
    pub expires_at: i64,
    pub user: UserView,
}

/// Exchange a username and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "bad_credentials", body = ErrorBody),
        (status = 400, description = "bad_json", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Json(request): Json<LoginRequest>,
) -> Result<axum::Json<LoginResponse>, ApiError> {
    let user = accounts::authenticate(&state.services, &request.username, request.password).await?;
    let unit = DivisionCode::parse(&user.org_unit).map_err(|e| ApiError::internal(&e))?;
    let (token, claims) = state
        .keys
        .issue(user.id, user.role, unit, crate::db::now())
        .map_err(|e| ApiError::internal(&e))?;
    tracing::info!(user_id = user.id, role = %user.role, "login");
    Ok(axum::Json(LoginResponse {
        token,
        token_type: "Bearer",
        expires_at: claims.exp,
        user: user.into(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[schema(example = "cadre")]
    pub role: String,
    pub org_unit: OrgUnitView,
}

/// Who the bearer is, with their org unit.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, actor: Actor) -> Result<axum::Json<Me>, ApiError> {
    let (user, unit) = accounts::me(&state.services, &actor).await?;
    Ok(axum::Json(Me {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role.to_string(),
        org_unit: unit.into(),
    }))
}
