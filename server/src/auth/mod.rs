//! Who is calling: passwords (argon2), tokens (JWT, HS256) and the [`AuthUser`]
//! extractor with the role and scope checks every handler makes at its top.

pub mod jwt;
pub mod password;

use crate::app::AppState;
use crate::http::error::{ApiError, ErrorCode};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jianfu_core::{DivisionCode, Role};
use serde_json::json;

/// The caller, proven by a valid bearer token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    /// The root of the caller's subtree.
    pub unit: DivisionCode,
}

impl AuthUser {
    /// Refuses with 403 `forbidden_role` unless the caller has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::new(ErrorCode::ForbiddenRole)
            .message(
                format!(
                    "此操作需要角色 {}，您的角色是 {}",
                    allowed.join(" / "),
                    self.role
                ),
                format!(
                    "this needs the role {}, yours is {}",
                    allowed.join(" or "),
                    self.role
                ),
            )
            .details(json!({ "role": self.role, "allowed": allowed })))
    }

    /// Refuses with 403 `out_of_scope` unless `unit` is in the caller's subtree.
    pub fn require_scope(&self, unit: &DivisionCode) -> Result<(), ApiError> {
        if self.unit.contains(unit) {
            return Ok(());
        }
        Err(ApiError::new(ErrorCode::OutOfScope)
            .message(
                format!("{unit} 不在您的管辖范围 {} 之内", self.unit),
                format!("{unit} is outside your subtree {}", self.unit),
            )
            .details(json!({ "unit": unit, "scope": self.unit })))
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidToken)
                    .details(json!({ "reason": "expected `Authorization: Bearer <token>`" }))
            })?;
        let claims = state.keys.verify(token.trim())?;
        Ok(AuthUser {
            id: claims.user_id()?,
            role: claims.role,
            unit: claims.unit,
        })
    }
}
