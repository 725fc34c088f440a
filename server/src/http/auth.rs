//! `POST /api/v1/auth/login` and `GET /api/v1/me`.

use super::error::{ApiError, ErrorBody, ErrorCode};
use super::extract::Json;
use crate::app::AppState;
use crate::auth::{AuthUser, password};
use crate::db::{self, org_units::OrgUnit, users::User};
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use jianfu_core::{DivisionCode, Role};
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
    pub user: User,
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
    let credentials = db::users::credentials(&state.db, request.username.trim()).await?;
    let stored_hash = credentials.as_ref().map(|c| c.password_hash.clone());
    // Runs the same argon2 work whether or not the user exists.
    let valid = password::verify(stored_hash, request.password).await?;
    let user = match credentials {
        Some(c) if valid => c.user,
        _ => return Err(ApiError::new(ErrorCode::BadCredentials)),
    };
    let role: Role = user.role.parse().map_err(|e| ApiError::internal(&e))?;
    let unit = DivisionCode::parse(&user.org_unit).map_err(|e| ApiError::internal(&e))?;
    let (token, claims) = state.keys.issue(user.id, role, unit, db::now())?;
    tracing::info!(user_id = user.id, %role, "login");
    Ok(axum::Json(LoginResponse {
        token,
        token_type: "Bearer",
        expires_at: claims.exp,
        user,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[schema(example = "cadre")]
    pub role: String,
    pub org_unit: OrgUnit,
}

/// Who the bearer is, with their org unit.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, auth: AuthUser) -> Result<axum::Json<Me>, ApiError> {
    let user = db::users::get(&state.db, auth.id).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidToken)
            .details(serde_json::json!({ "reason": "the user no longer exists" }))
    })?;
    let org_unit = db::org_units::get(&state.db, &auth.unit)
        .await?
        .ok_or_else(|| {
            ApiError::new(ErrorCode::OrgUnitNotFound)
                .details(serde_json::json!({ "code": auth.unit }))
        })?;
    Ok(axum::Json(Me {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        org_unit,
    }))
}
