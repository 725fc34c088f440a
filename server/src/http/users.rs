//! `POST /api/v1/users`: an admin adds a person inside their subtree.

use super::error::{ApiError, ErrorBody};
use super::extract::Json;
use super::wire::UserView;
use crate::service::Actor;
use crate::service::accounts::{self, Caller, NewAccount};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use jianfu_core::Role;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/users", post(create))
}

/// A request to create a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    /// 3-32 characters: lowercase letters, digits, `.`, `_`, `-`.
    #[schema(example = "wang.li")]
    pub username: String,
    /// 8-128 characters.
    #[schema(example = "a long passphrase")]
    pub password: String,
    /// The name shown to reviewers; defaults to the username.
    #[schema(example = "王丽")]
    pub display_name: Option<String>,
    #[schema(value_type = String, example = "cadre")]
    pub role: Role,
    /// The division code of the user's unit: a village for a cadre.
    #[schema(example = "130928101201")]
    pub org_unit: String,
}

/// Create a user (admin, inside the admin's subtree).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = UserRequest,
    responses(
        (status = 201, body = UserView),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found", body = ErrorBody),
        (status = 409, description = "username_taken", body = ErrorBody),
        (status = 422, description = "validation_failed, invalid_division_code", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<UserRequest>,
) -> Result<(StatusCode, axum::Json<UserView>), ApiError> {
    let account = NewAccount {
        username: request.username,
        password: request.password,
        display_name: request.display_name,
        role: request.role,
        org_unit: request.org_unit,
    };
    let user = accounts::create(&state.services, Caller::Actor(&actor), account).await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}
