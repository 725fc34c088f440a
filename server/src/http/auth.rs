//! `POST /api/v1/auth/login` and `GET /api/v1/me`.

use super::error::{ApiError, ErrorBody};
use super::extract::{ClientAddr, Json};
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
        .route("/auth/logout", post(logout))
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

/// Exchange a username and password for a bearer token. Attempts are throttled per
/// account and per client address.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "bad_credentials, account_disabled", body = ErrorBody),
        (status = 400, description = "bad_json", body = ErrorBody),
        (status = 422, description = "invalid_body", body = ErrorBody),
        (status = 429, description = "too_many_attempts (Retry-After)", body = ErrorBody),
        (status = 503, description = "busy (Retry-After)", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(from): ClientAddr,
    Json(request): Json<LoginRequest>,
) -> Result<axum::Json<LoginResponse>, ApiError> {
    let signed_in =
        accounts::authenticate(&state.services, &request.username, request.password, from).await?;
    let user = signed_in.user;
    let unit = DivisionCode::parse(&user.org_unit).map_err(|e| ApiError::internal(&e))?;
    let (token, claims) = state
        .keys
        .issue(
            user.id,
            user.role,
            unit,
            signed_in.token_version,
            crate::db::now(),
        )
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

/// Sign out on every device: every token of the account stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::http::StatusCode, ApiError> {
    accounts::sign_out(&state.services, &actor).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
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
