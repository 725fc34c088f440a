//! Where cadres serve and when they are excused: postings and exemptions.

use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::oversight::PeriodInfoView;
use super::wire::{Page, UnitPage, mirror};
use crate::db::postings::{Exemption, Posting};
use crate::service::Actor;
use crate::service::postings::{self, ExemptionRequest as Exempt, PostingRequest as Post};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use jianfu_core::ExemptionKind;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/postings", get(list_postings).post(create_posting))
        .route("/postings/{id}/end", post(end_posting))
        .route("/exemptions", get(list_exemptions).post(create_exemption))
        .route("/exemptions/preview", get(preview_exemption))
}

mirror! {
    /// A cadre's posting to a village for a date range.
    PostingView from Posting {
        id: i64,
        user_id: i64,
        #[schema(example = "cadre1")]
        username: String,
        #[schema(example = "张伟")]
        display_name: String,
        /// The village.
        #[schema(example = "130928101201")]
        org_unit: String,
        #[schema(example = "城一村委会")]
        village_name: String,
        #[schema(example = "2026-01-01")]
        starts_on: String,
        /// Inclusive; null while the posting lasts.
        ends_on: Option<String>,
    }
}

mirror! {
    /// A cadre excused for a date range: the periods it touches are exempt.
    ExemptionView from Exemption {
        id: i64,
        user_id: i64,
        username: String,
        display_name: String,
        /// The unit of the cadre (their user record).
        org_unit: String,
        /// leave, sickness, training or disaster_duty.
        #[schema(value_type = String, example = "training")]
        kind: ExemptionKind,
        starts_on: String,
        /// Inclusive.
        ends_on: String,
        note: String,
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostingRequest {
    #[schema(example = "cadre1")]
    pub username: String,
    /// The village.
    #[schema(example = "130928101201")]
    pub org_unit: String,
    #[schema(example = "2026-01-01")]
    pub starts_on: String,
    /// Inclusive; omit while the posting lasts.
    pub ends_on: Option<String>,
}

/// Post a cadre to a village (admin).
#[utoipa::path(post, path = "/api/v1/postings", tag = "people", security(("bearer" = [])), request_body = PostingRequest,
    responses((status = 201, body = PostingView), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found, org_unit_not_found", body = ErrorBody),
        (status = 409, description = "posting_overlaps", body = ErrorBody),
        (status = 422, description = "not_a_cadre, validation_failed", body = ErrorBody)))]
pub async fn create_posting(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<PostingRequest>,
) -> Result<(StatusCode, axum::Json<PostingView>), ApiError> {
    let posting = postings::create(
        &state.services,
        &actor,
        Post {
            username: &request.username,
            org_unit: &request.org_unit,
            starts_on: &request.starts_on,
            ends_on: request.ends_on.as_deref(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(posting.into())))
}

/// Postings to villages in a subtree, by id (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/postings", tag = "people", security(("bearer" = [])), params(UnitPage),
    responses((status = 200, body = Page<PostingView>), (status = 403, body = ErrorBody)))]
pub async fn list_postings(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<PostingView>>, ApiError> {
    let page = postings::list(&state.services, &actor, query.as_ids()).await?;
    Ok(axum::Json(Page::of(page)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionRequest {
    #[schema(example = "cadre1")]
    pub username: String,
    /// leave, sickness, training or disaster_duty.
    #[schema(example = "training")]
    pub kind: String,
    #[schema(example = "2026-11-02")]
    pub starts_on: String,
    /// Inclusive.
    #[schema(example = "2026-11-06")]
    pub ends_on: String,
    #[serde(default)]
    pub note: String,
}

/// Exempt a cadre for a date range (admin). Every period the range touches is exempt,
/// never missing or late — a partly covered period too.
#[utoipa::path(post, path = "/api/v1/exemptions", tag = "people", security(("bearer" = [])), request_body = ExemptionRequest,
    responses((status = 201, body = ExemptionView), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 422, description = "not_a_cadre, validation_failed", body = ErrorBody)))]
pub async fn create_exemption(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<ExemptionRequest>,
) -> Result<(StatusCode, axum::Json<ExemptionView>), ApiError> {
    let exemption = postings::exempt(
        &state.services,
        &actor,
        Exempt {
            username: &request.username,
            kind: &request.kind,
            starts_on: &request.starts_on,
            ends_on: &request.ends_on,
            note: &request.note,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(exemption.into())))
}

/// Exemptions of cadres in a subtree, by id (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/exemptions", tag = "people", security(("bearer" = [])), params(UnitPage),
    responses((status = 200, body = Page<ExemptionView>), (status = 403, body = ErrorBody)))]
pub async fn list_exemptions(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<ExemptionView>>, ApiError> {
    let page = postings::exemptions(&state.services, &actor, query.as_ids()).await?;
    Ok(axum::Json(Page::of(page)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndPosting {
    /// The posting's last day (inclusive); may move an end already set.
    #[schema(example = "2026-12-31")]
    pub ends_on: String,
}

/// End a posting on a day, or move its end (admin). Refused if it would then share a day
/// with another posting of the cadre. Audited with before and after.
#[utoipa::path(post, path = "/api/v1/postings/{id}/end", tag = "people", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = EndPosting,
    responses((status = 200, body = PostingView), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 409, description = "posting_overlaps", body = ErrorBody),
        (status = 422, description = "ends_before_start, validation_failed", body = ErrorBody)))]
pub async fn end_posting(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(request): Json<EndPosting>,
) -> Result<axum::Json<PostingView>, ApiError> {
    let posting = postings::end(&state.services, &actor, id, &request.ends_on).await?;
    Ok(axum::Json(posting.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExemptionPreviewQuery {
    pub username: String,
    #[param(example = "2026-11-02")]
    pub starts_on: String,
    /// Inclusive.
    #[param(example = "2026-11-06")]
    pub ends_on: String,
}

/// A period an exemption would exempt, and where the cadre serves in it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExemptedPeriod {
    pub posting_id: i64,
    /// The village.
    pub org_unit: String,
    pub village_name: String,
    /// The policy's time zone.
    pub time_zone: String,
    pub period: PeriodInfoView,
}

/// The periods an exemption would exempt, before it is granted (admin): every period of
/// the cadre's village cadence that the range touches, a partly covered one too.
#[utoipa::path(get, path = "/api/v1/exemptions/preview", tag = "people", security(("bearer" = [])),
    params(ExemptionPreviewQuery),
    responses((status = 200, body = Vec<ExemptedPeriod>), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 422, description = "not_a_cadre, validation_failed", body = ErrorBody)))]
pub async fn preview_exemption(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ExemptionPreviewQuery>,
) -> Result<axum::Json<Vec<ExemptedPeriod>>, ApiError> {
    let periods = postings::exempted_periods(
        &state.services,
        &actor,
        &query.username,
        &query.starts_on,
        &query.ends_on,
    )
    .await?;
    Ok(axum::Json(
        periods
            .into_iter()
            .map(|e| ExemptedPeriod {
                posting_id: e.posting.id,
                org_unit: e.posting.org_unit,
                village_name: e.posting.village_name,
                time_zone: e.time_zone,
                period: e.period.into(),
            })
            .collect(),
    ))
}
