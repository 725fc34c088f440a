//! What reviewers and admins look at: completeness per unit and period (R2, R6) — who
//! reported on time, late, who is missing or exempt, never a ranking — and the audit log.

use super::common::{page_limit, parse_period, scoped_unit};
use super::error::{ApiError, ErrorBody};
use super::extract::Query;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::audit;
use crate::reporting::{self, Completeness};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use jianfu_core::Role;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/completeness", get(completeness))
        .route("/audit", get(audit_log))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompletenessQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    /// A period key; defaults to the period in force now for the unit's policy.
    pub period: Option<String>,
}

/// Completeness of one period in a subtree (reviewer, admin): counts per unit and the
/// names of who is missing, late or exempt, listed by village and username.
#[utoipa::path(get, path = "/api/v1/completeness", tag = "oversight", security(("bearer" = [])), params(CompletenessQuery),
    responses((status = 200, body = Completeness), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody),
        (status = 422, description = "invalid_period, invalid_query", body = ErrorBody)))]
pub async fn completeness(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<CompletenessQuery>,
) -> Result<axum::Json<Completeness>, ApiError> {
    auth.require_role(&[Role::Reviewer, Role::Admin])?;
    let unit = scoped_unit(&auth, query.unit.as_deref())?;
    let now = state.clock.now();
    let period = match &query.period {
        Some(key) => parse_period(key)?,
        None => reporting::effective(&state.db, &unit, now)
            .await?
            .ok_or_else(|| reporting::policy_not_found(&unit))?
            .current(state.clock.timestamp()),
    };
    Ok(axum::Json(
        reporting::completeness(&state.db, &unit, &period, now).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    pub limit: Option<u32>,
    /// The last id of the previous page (entries come newest first).
    pub before: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<audit::Stored>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<i64>,
}

/// The audit log of a subtree, newest first (admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "oversight", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<AuditQuery>,
) -> Result<axum::Json<AuditPage>, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let unit = scoped_unit(&auth, query.unit.as_deref())?;
    let limit = page_limit(query.limit)?;
    let items = audit::list(&state.db, &unit, query.before, limit).await?;
    let next_before = (items.len() == limit as usize)
        .then(|| items.last().map(|e| e.id))
        .flatten();
    Ok(axum::Json(AuditPage { items, next_before }))
}
