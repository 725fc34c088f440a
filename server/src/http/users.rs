//! `POST /api/v1/users`: an admin adds a person inside their subtree.

use super::error::{ApiError, ErrorBody};
use super::extract::Json;
use crate::accounts::{self, Creator, UserRequest};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::users::User;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use jianfu_core::Role;

pub fn router() -> Router<AppState> {
    Router::new().route("/users", post(create))
}

/// Create a user (admin, inside the admin's subtree).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = UserRequest,
    responses(
        (status = 201, body = User),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found", body = ErrorBody),
        (status = 409, description = "username_taken", body = ErrorBody),
        (status = 422, description = "validation_failed, invalid_division_code", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<UserRequest>,
) -> Result<(StatusCode, axum::Json<User>), ApiError> {
    auth.require_role(&[Role::Admin])?;
    let actor = crate::db::users::get(&state.db, auth.id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    let creator = Creator {
        actor_id: Some(auth.id),
        actor,
    };
    let user = accounts::create(&state.db, request, Some(&auth.unit), creator).await?;
    Ok((StatusCode::CREATED, axum::Json(user)))
}
