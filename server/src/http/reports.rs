//! Reports: one per cadre and period, submitted with `PUT` under the client's UUID (the
//! idempotency key), revised with history kept, read by the cadre who wrote it and by
//! reviewers of the subtree, reviewed (acknowledged or a question, never a score) and,
//! once locked, reopened by a reviewer.

use super::common::{entry, page_limit, parse_code, parse_period, scoped_unit, text};
use super::error::{ApiError, ErrorBody, ErrorCode};
use super::extract::{BodyLimit, Json, Query};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::postings;
use crate::db::reports::{
    self, Filter, PutError, Reopening, ReportRow, Review, Stored, Submission,
};
use crate::reporting::{self, Effective};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use jianfu_core::DivisionCode;
use jianfu_core::Role;
use jianfu_core::geofence::Boundary;
use jianfu_core::period::Period;
use jianfu_core::report::{self, CheckContext, ReportContent};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The largest `PUT /reports/{id}` body: the content's own limit (32 KB) plus the envelope.
pub const REPORT_LIMIT_BYTES: usize = report::MAX_PAYLOAD_BYTES + 4 * 1024;
/// Longest reopening, in days.
pub const MAX_REOPEN_DAYS: u32 = 14;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list))
        .route(
            "/reports/{id}",
            get(get_one)
                .put(put)
                .layer(BodyLimit(REPORT_LIMIT_BYTES).layers()),
        )
        .route("/reports/{id}/reviews", post(review))
        .route("/reports/{id}/reopenings", post(reopen))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The period key, e.g. `weekly:2026-11-16`.
    #[schema(example = "weekly:2026-11-16")]
    pub period: String,
    /// Outcomes, template fields and days in the village (see core::report).
    #[schema(value_type = Object)]
    pub content: Value,
}

/// A report's latest state with its content.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    #[serde(flatten)]
    pub report: ReportRow,
    #[schema(value_type = Object)]
    pub content: Value,
}

fn parse_id(id: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(id)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| {
            ApiError::new(ErrorCode::InvalidReportId)
                .message(
                    format!("报告编号 {id:?} 不是 UUID"),
                    format!("the report id {id:?} is not a UUID"),
                )
                .details(json!({ "field": "id", "value": id.chars().take(64).collect::<String>() }))
        })
}

/// Everything a check of a cadre's report for a period needs.
#[derive(Debug)]
pub struct Setting {
    pub village: DivisionCode,
    pub policy: Effective,
    pub boundary: Option<Boundary>,
    pub continuable: BTreeSet<String>,
}

/// The village the cadre served in `period` (the posting on its last day, else the
/// latest posting that shares a day with it), its policy, boundary and the outcome ids
/// the cadre may continue.
pub async fn setting(state: &AppState, user_id: i64, period: &Period) -> Result<Setting, ApiError> {
    let first = period.start.to_string();
    let last = period.last_day().to_string();
    let postings = postings::of_user_overlapping(&state.db, user_id, &first, &last).await?;
    let posting = postings
        .iter()
        .find(|p| p.starts_on <= last && p.ends_on.as_ref().is_none_or(|e| *e >= last))
        .or_else(|| postings.last())
        .ok_or_else(|| {
            ApiError::new(ErrorCode::NotPosted)
                .message(
                    format!("您在 {first} 至 {last} 没有驻村安排"),
                    format!("you have no posting between {first} and {last}"),
                )
                .details(json!({ "period": period.key() }))
        })?;
    let village = parse_code(&posting.org_unit, "org_unit")?;
    let now = state.clock.now();
    let policy = reporting::effective(&state.db, &village, now)
        .await?
        .ok_or_else(|| reporting::policy_not_found(&village))?;
    let mut geojson = crate::db::policies::boundary(&state.db, village.as_str()).await?;
    if geojson.is_none()
        && let Some(township) = village.parent()
    {
        geojson = crate::db::policies::boundary(&state.db, township.as_str()).await?;
    }
    let boundary = match geojson {
        Some(text) => Some(Boundary::from_geojson(&text).map_err(|e| ApiError::internal(&e))?),
        None => None,
    };
    let continuable = reports::continuable_ids(&state.db, user_id, &first)
        .await?
        .into_iter()
        .collect();
    Ok(Setting {
        village,
        policy,
        boundary,
        continuable,
    })
}

/// Submit or revise the report for a period (cadre). The id is the idempotency key: the
/// same id and content again changes nothing; changed content is a new revision; a second
/// id for the same period is refused with 409 naming the first.
#[utoipa::path(put, path = "/api/v1/reports/{id}", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "UUID made by the client")), request_body = SubmitRequest,
    responses(
        (status = 201, description = "created", body = ReportView),
        (status = 200, description = "a new revision, or a replay of the same content", body = ReportView),
        (status = 403, description = "forbidden_role", body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody),
        (status = 409, description = "report_exists_for_period, report_id_taken, period_locked", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 422, description = "report_invalid, invalid_period, period_kind_mismatch, period_not_started, not_posted, invalid_report_id", body = ErrorBody),
    ))]
pub async fn put(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(request): Json<SubmitRequest>,
) -> Result<(StatusCode, axum::Json<ReportView>), ApiError> {
    auth.require_role(&[Role::Cadre])?;
    let id = parse_id(&id)?;
    let period = parse_period(&request.period)?;
    let setting = setting(&state, auth.id, &period).await?;
    let policy = &setting.policy;
    if !policy.accepts(period.kind) {
        return Err(ApiError::new(ErrorCode::PeriodKindMismatch)
            .message(
                format!(
                    "{} 的填报周期是 {}，不是 {}",
                    setting.village, policy.kind, period.kind
                ),
                format!(
                    "the cadence of {} is {}, not {}",
                    setting.village, policy.kind, period.kind
                ),
            )
            .details(json!({ "period_kind": period.kind, "policy_kind": policy.kind })));
    }
    let now = state.clock.now();
    let now_ts = state.clock.timestamp();
    if now_ts < period.start_instant(&policy.tz) {
        return Err(ApiError::new(ErrorCode::PeriodNotStarted)
            .message(
                format!("周期 {} 尚未开始", period.key()),
                format!("the period {} has not started", period.key()),
            )
            .details(json!({ "period": period.key(), "starts": period.start.to_string() })));
    }
    let ctx = CheckContext {
        template: &policy.template,
        period: &period,
        boundary: setting.boundary.as_ref(),
        continuable: &setting.continuable,
    };
    let content = check_content(&request.content, &ctx)?;
    let canonical = serde_json::to_string(&content).map_err(|e| ApiError::internal(&e))?;
    let outcome_ids: Vec<&str> = content.outcomes.iter().map(|o| o.id.as_str()).collect();
    let key = period.key();
    let (start, end) = (period.start.to_string(), period.end.to_string());
    let submission = Submission {
        id: &id,
        user_id: auth.id,
        org_unit: setting.village.as_str(),
        period_key: &key,
        period_start: &start,
        period_end: &end,
        content: &canonical,
        outcome_ids: &outcome_ids.join(" "),
        received_at: now,
        late: policy.rule.is_late(&period, now_ts, &policy.tz),
        locks_at: policy.locks_at(&period).as_second(),
    };
    let mut stored = reports::put(&state.db, &submission).await;
    if matches!(stored, Err(PutError::Retry)) {
        // Two requests raced to create this report: the second now finds the first.
        stored = reports::put(&state.db, &submission).await;
    }
    let (status, row) = match stored {
        Ok(Stored::Created(row)) => (StatusCode::CREATED, row),
        Ok(Stored::Replayed(row)) => {
            let status = if row.revision == 1 {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, row)
        }
        Ok(Stored::Revised(row)) => (StatusCode::OK, row),
        Err(e) => return Err(put_error(e, &id, &key)),
    };
    let content = serde_json::from_str(&canonical).map_err(|e| ApiError::internal(&e))?;
    Ok((
        status,
        axum::Json(ReportView {
            report: row,
            content,
        }),
    ))
}

/// The server's verdict on a report's content: the size limit first, then every check of
/// `core` (the browser runs the same). A refusal is 422 `report_invalid` listing each problem.
pub fn check_content(raw: &Value, ctx: &CheckContext) -> Result<ReportContent, ApiError> {
    let size = serde_json::to_vec(raw).map_or(usize::MAX, |v| v.len());
    if let Some(problem) = report::check_payload_size(size) {
        return Err(ApiError::from_problems(
            ErrorCode::ReportInvalid,
            &[problem],
        ));
    }
    report::parse_and_check(raw, ctx)
        .map_err(|problems| ApiError::from_problems(ErrorCode::ReportInvalid, &problems))
}

fn put_error(e: PutError, id: &str, key: &str) -> ApiError {
    match e {
        PutError::PeriodTaken { existing_id } => ApiError::new(ErrorCode::ReportExistsForPeriod)
            .message(
                format!("周期 {key} 已有报告 {existing_id}，请在原报告上修改"),
                format!("the period {key} already has the report {existing_id}: revise that one"),
            )
            .details(json!({ "existing_id": existing_id, "period": key })),
        PutError::IdTaken { period_key } => ApiError::new(ErrorCode::ReportIdTaken)
            .message(
                format!("报告编号 {id} 已用于另一份报告，请换一个新编号"),
                format!("the report id {id} is used by another report: make a new id"),
            )
            .details(json!({ "id": id, "period": key, "existing_period": period_key })),
        PutError::Locked { locks_at } => ApiError::new(ErrorCode::PeriodLocked)
            .message(
                format!(
                    "周期 {key} 已于 {} 锁定，请联系审核人重新开放",
                    format_ts(locks_at)
                ),
                format!(
                    "the period {key} locked at {}: ask a reviewer to reopen it",
                    format_ts(locks_at)
                ),
            )
            .details(json!({ "locks_at": locks_at, "period": key })),
        PutError::Retry => ApiError::internal(&"a submission raced twice"),
        PutError::Db(e) => ApiError::internal(&e),
    }
}

fn format_ts(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}

/// The report if the caller may read it: its author, or a reviewer/admin of its subtree.
async fn readable(state: &AppState, auth: &AuthUser, id: &str) -> Result<ReportRow, ApiError> {
    let id = parse_id(id)?;
    let row = reports::get(&state.db, &id).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::ReportNotFound)
            .message(
                format!("没有编号为 {id} 的报告"),
                format!("no report has the id {id}"),
            )
            .details(json!({ "id": id }))
    })?;
    if auth.role == Role::Cadre {
        if row.user_id != auth.id {
            return Err(ApiError::new(ErrorCode::OutOfScope)
                .message("这不是您的报告", "this report is not yours")
                .details(json!({ "id": id })));
        }
    } else {
        auth.require_scope(&parse_code(&row.org_unit, "org_unit")?)?;
    }
    Ok(row)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revision {
    pub revision: i64,
    #[schema(value_type = Object)]
    pub content: Value,
    pub received_at: i64,
    /// The review (a question) this revision answers.
    pub answers_review_id: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportDetail {
    #[serde(flatten)]
    pub report: ReportRow,
    /// Every revision, oldest first.
    pub revisions: Vec<Revision>,
    /// Every review, oldest first: acknowledgements and questions.
    pub reviews: Vec<Review>,
    pub reopenings: Vec<Reopening>,
}

/// One report with its revisions, reviews and reopenings (its cadre; reviewers and admins of its subtree).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ReportDetail), (status = 403, description = "out_of_scope", body = ErrorBody),
        (status = 404, description = "report_not_found", body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> Result<axum::Json<ReportDetail>, ApiError> {
    let row = readable(&state, &auth, &id).await?;
    let revisions = reports::revisions(&state.db, &row.id)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Revision {
                revision: r.revision,
                content: serde_json::from_str(&r.content).map_err(|e| ApiError::internal(&e))?,
                received_at: r.received_at,
                answers_review_id: r.answers_review_id,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    let reviews = reports::reviews(&state.db, &row.id).await?;
    let reopenings = reports::reopenings(&state.db, &row.id).await?;
    Ok(axum::Json(ReportDetail {
        report: row,
        revisions,
        reviews,
        reopenings,
    }))
}

/// Filters of the report list. There is no sort parameter: reports come in id order
/// (random UUIDs), and no list orders people by counts of anything (R2).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The subtree (reviewers, admins); defaults to the caller's unit. Ignored for cadres.
    pub unit: Option<String>,
    /// A period key, e.g. `weekly:2026-11-16`.
    pub period: Option<String>,
    /// submitted, acknowledged or needs_clarification.
    pub status: Option<String>,
    pub limit: Option<u32>,
    /// The last id of the previous page.
    pub after: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportPage {
    pub items: Vec<ReportRow>,
    pub next_after: Option<String>,
}

const STATUSES: [&str; 3] = ["submitted", "acknowledged", "needs_clarification"];

/// Reports: a cadre's own, or those of a reviewer's or admin's subtree.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = ReportPage), (status = 403, body = ErrorBody),
        (status = 422, description = "invalid_query (including any sort parameter)", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<ReportPage>, ApiError> {
    let limit = page_limit(query.limit)?;
    let mut filter = Filter {
        limit,
        after: query.after,
        ..Filter::default()
    };
    if auth.role == Role::Cadre {
        filter.user_id = Some(auth.id);
    } else {
        filter.scope = Some(scoped_unit(&auth, query.unit.as_deref())?);
    }
    if let Some(key) = &query.period {
        filter.period_key = Some(parse_period(key)?.key());
    }
    if let Some(status) = &query.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::new(ErrorCode::InvalidQuery)
                .message(
                    format!("未知的状态 {status:?}"),
                    format!("unknown status {status:?}"),
                )
                .details(json!({ "field": "status", "allowed": STATUSES })));
        }
        filter.status = Some(status.clone());
    }
    let items = reports::list(&state.db, &filter).await?;
    let next_after = (items.len() == limit as usize)
        .then(|| items.last().map(|r| r.id.clone()))
        .flatten();
    Ok(axum::Json(ReportPage { items, next_after }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// acknowledged or needs_clarification. There is no score.
    #[schema(example = "needs_clarification")]
    pub verdict: String,
    /// The question for the cadre; required with needs_clarification.
    pub question: Option<String>,
}

/// Review the current revision of a report (reviewer of its subtree).
#[utoipa::path(post, path = "/api/v1/reports/{id}/reviews", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReviewRequest,
    responses((status = 201, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "validation_failed", body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(request): Json<ReviewRequest>,
) -> Result<(StatusCode, axum::Json<Review>), ApiError> {
    auth.require_role(&[Role::Reviewer])?;
    let row = readable(&state, &auth, &id).await?;
    let question = match (request.verdict.as_str(), request.question.as_deref()) {
        ("acknowledged", None) => None,
        ("acknowledged", Some(_)) => {
            return Err(ApiError::invalid(
                "question",
                "确认时不附问题",
                "an acknowledgement carries no question",
            ));
        }
        ("needs_clarification", Some(q)) => Some(text(q, "question", 1, 500)?),
        ("needs_clarification", None) => {
            return Err(ApiError::invalid(
                "question",
                "请写明需要说明的问题",
                "say what needs clarifying",
            )
            .details(json!({ "min": 1, "max": 500 })));
        }
        (other, _) => {
            return Err(ApiError::invalid(
                "verdict",
                format!("审核结论应为 acknowledged 或 needs_clarification，收到 {other:?}"),
                format!("verdict must be acknowledged or needs_clarification, got {other:?}"),
            ));
        }
    };
    let review = reports::review(
        &state.db,
        &row.id,
        auth.id,
        &request.verdict,
        question.as_deref(),
        state.clock.now(),
    )
    .await?
    .ok_or_else(|| ApiError::internal(&"reviewed report vanished"))?;
    Ok((StatusCode::CREATED, axum::Json(review)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    pub reason: String,
    /// 1 to 14: revisions are accepted for that many days.
    #[schema(example = 3)]
    pub days: u32,
}

/// Reopen a locked report for revisions for a few days (reviewer of its subtree). Audited.
#[utoipa::path(post, path = "/api/v1/reports/{id}/reopenings", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReopenRequest,
    responses((status = 201, body = Reopening), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "validation_failed", body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    Json(request): Json<ReopenRequest>,
) -> Result<(StatusCode, axum::Json<Reopening>), ApiError> {
    auth.require_role(&[Role::Reviewer])?;
    let row = readable(&state, &auth, &id).await?;
    let reason = text(&request.reason, "reason", 1, 500)?;
    if !(1..=MAX_REOPEN_DAYS).contains(&request.days) {
        return Err(ApiError::invalid(
            "days",
            format!(
                "重新开放天数应为 1 到 {MAX_REOPEN_DAYS}，收到 {}",
                request.days
            ),
            format!("days must be 1 to {MAX_REOPEN_DAYS}, got {}", request.days),
        )
        .details(json!({ "min": 1, "max": MAX_REOPEN_DAYS, "actual": request.days })));
    }
    let audit = entry(
        &state,
        &auth,
        "reports.reopen",
        &row.org_unit,
        format!("report:{}", row.id),
    )
    .await?;
    let until = audit.at + i64::from(request.days) * 86_400;
    let reopening = reports::reopen(&state.db, &row.id, &reason, until, auth.id, audit).await?;
    Ok((StatusCode::CREATED, axum::Json(reopening)))
}
