//! Where cadres serve and when they are excused: postings to a village for a date
//! range, and exemptions (leave, sickness, training, disaster duty) whose periods are
//! never missing or late (R6). Admins manage both inside their subtree.

use super::common::{entry, page_limit, parse_code, parse_date, scoped_unit, text, user_in_scope};
use super::error::{ApiError, ErrorBody, ErrorCode};
use super::extract::{Json, Query};
use super::policies::{Page, UnitPage};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::postings::{self, Exemption, NewExemption, Posting};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use jianfu_core::{Level, Role};
use serde::Deserialize;
use serde_json::json;

/// Longest exemption, in days.
pub const MAX_EXEMPTION_DAYS: i32 = 366;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/postings", get(list_postings).post(create_posting))
        .route("/exemptions", get(list_exemptions).post(create_exemption))
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

fn not_a_cadre(username: &str, role: &str) -> ApiError {
    ApiError::new(ErrorCode::NotACadre)
        .message(
            format!("{username} 的角色是 {role}，不是驻村干部"),
            format!("{username} is a {role}, not a cadre"),
        )
        .details(json!({ "username": username, "role": role }))
}

/// Post a cadre to a village (admin).
#[utoipa::path(post, path = "/api/v1/postings", tag = "people", security(("bearer" = [])), request_body = PostingRequest,
    responses((status = 201, body = Posting), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found, org_unit_not_found", body = ErrorBody),
        (status = 409, description = "posting_overlaps", body = ErrorBody),
        (status = 422, description = "not_a_cadre, validation_failed", body = ErrorBody)))]
pub async fn create_posting(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<PostingRequest>,
) -> Result<(StatusCode, axum::Json<Posting>), ApiError> {
    auth.require_role(&[Role::Admin])?;
    let user = user_in_scope(&state, &auth, &request.username).await?;
    if user.role != Role::Cadre.as_str() {
        return Err(not_a_cadre(&user.username, &user.role));
    }
    let village = parse_code(&request.org_unit, "org_unit")?;
    auth.require_scope(&village)?;
    if village.level() != Level::Village {
        return Err(ApiError::invalid(
            "org_unit",
            format!("驻村安排须指定到村，{village} 是 {}", village.level()),
            format!(
                "a posting is to a village; {village} is a {}",
                village.level()
            ),
        ));
    }
    if crate::db::org_units::get(&state.db, &village)
        .await?
        .is_none()
    {
        return Err(super::org_units::not_found(&village));
    }
    let starts_on = parse_date(&request.starts_on, "starts_on")?;
    let ends_on = request
        .ends_on
        .as_deref()
        .map(|d| parse_date(d, "ends_on"))
        .transpose()?;
    if let Some(end) = ends_on
        && end < starts_on
    {
        return Err(ApiError::invalid(
            "ends_on",
            "结束日期早于开始日期",
            "ends_on is before starts_on",
        )
        .details(json!({ "starts_on": starts_on.to_string(), "ends_on": end.to_string() })));
    }
    let from = starts_on.to_string();
    let to = ends_on.map_or_else(|| "9999-12-31".to_owned(), |d| d.to_string());
    let overlapping = postings::of_user_overlapping(&state.db, user.id, &from, &to).await?;
    if let Some(existing) = overlapping.first() {
        return Err(ApiError::new(ErrorCode::PostingOverlaps)
            .message(
                format!(
                    "{} 在 {} 起已驻 {}，与新安排重叠",
                    user.username, existing.starts_on, existing.org_unit
                ),
                format!(
                    "{} is already posted to {} from {}; the new posting overlaps",
                    user.username, existing.org_unit, existing.starts_on
                ),
            )
            .details(json!({ "existing": existing })));
    }
    let audit = entry(
        &state,
        &auth,
        "postings.create",
        village.as_str(),
        String::new(),
    )
    .await?;
    let ends = ends_on.map(|d| d.to_string());
    let posting = postings::create(
        &state.db,
        user.id,
        village.as_str(),
        &from,
        ends.as_deref(),
        audit,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(posting)))
}

/// Postings to villages in a subtree, by id (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/postings", tag = "people", security(("bearer" = [])), params(UnitPage),
    responses((status = 200, body = Page<Posting>), (status = 403, body = ErrorBody)))]
pub async fn list_postings(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<Posting>>, ApiError> {
    auth.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = scoped_unit(&auth, query.unit.as_deref())?;
    let limit = page_limit(query.limit)?;
    let items = postings::in_subtree(&state.db, &unit, query.after.unwrap_or(0), limit).await?;
    let next_after = (items.len() == limit as usize)
        .then(|| items.last().map(|p| p.id))
        .flatten();
    Ok(axum::Json(Page { items, next_after }))
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

const EXEMPTION_KINDS: [&str; 4] = ["leave", "sickness", "training", "disaster_duty"];

/// Exempt a cadre for a date range (admin). Every period the range touches is exempt,
/// never missing or late — a partly covered period too.
#[utoipa::path(post, path = "/api/v1/exemptions", tag = "people", security(("bearer" = [])), request_body = ExemptionRequest,
    responses((status = 201, body = Exemption), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 422, description = "not_a_cadre, validation_failed", body = ErrorBody)))]
pub async fn create_exemption(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<ExemptionRequest>,
) -> Result<(StatusCode, axum::Json<Exemption>), ApiError> {
    auth.require_role(&[Role::Admin])?;
    let user = user_in_scope(&state, &auth, &request.username).await?;
    if user.role != Role::Cadre.as_str() {
        return Err(not_a_cadre(&user.username, &user.role));
    }
    if !EXEMPTION_KINDS.contains(&request.kind.as_str()) {
        return Err(ApiError::invalid(
            "kind",
            format!(
                "免报类型应为 leave、sickness、training 或 disaster_duty，收到 {:?}",
                request.kind
            ),
            format!(
                "kind must be leave, sickness, training or disaster_duty, got {:?}",
                request.kind
            ),
        )
        .details(json!({ "allowed": EXEMPTION_KINDS })));
    }
    let starts_on = parse_date(&request.starts_on, "starts_on")?;
    let ends_on = parse_date(&request.ends_on, "ends_on")?;
    let days = (ends_on - starts_on).get_days() + 1;
    if !(1..=MAX_EXEMPTION_DAYS).contains(&days) {
        return Err(ApiError::invalid(
            "ends_on",
            format!("免报期应为 1 到 {MAX_EXEMPTION_DAYS} 天，实际 {days} 天"),
            format!("an exemption covers 1 to {MAX_EXEMPTION_DAYS} days, this one {days}"),
        )
        .details(json!({ "min": 1, "max": MAX_EXEMPTION_DAYS, "actual": days })));
    }
    let note = text(&request.note, "note", 0, 500)?;
    let audit = entry(
        &state,
        &auth,
        "exemptions.create",
        &user.org_unit,
        String::new(),
    )
    .await?;
    let new = NewExemption {
        user_id: user.id,
        kind: &request.kind,
        starts_on: &starts_on.to_string(),
        ends_on: &ends_on.to_string(),
        note: &note,
        created_by: Some(auth.id),
    };
    let exemption = postings::create_exemption(&state.db, &new, audit).await?;
    Ok((StatusCode::CREATED, axum::Json(exemption)))
}

/// Exemptions of cadres in a subtree, by id (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/exemptions", tag = "people", security(("bearer" = [])), params(UnitPage),
    responses((status = 200, body = Page<Exemption>), (status = 403, body = ErrorBody)))]
pub async fn list_exemptions(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<Exemption>>, ApiError> {
    auth.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = scoped_unit(&auth, query.unit.as_deref())?;
    let limit = page_limit(query.limit)?;
    let items = postings::exemptions_in(&state.db, &unit, query.after.unwrap_or(0), limit).await?;
    let next_after = (items.len() == limit as usize)
        .then(|| items.last().map(|p| p.id))
        .flatten();
    Ok(axum::Json(Page { items, next_after }))
}
