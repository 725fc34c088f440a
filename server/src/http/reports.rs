//! Reports: submitted with `PUT` under the client's UUID (the idempotency key), revised
//! with history kept, read by their cadre and by reviewers of the subtree, reviewed (an
//! acknowledgement or a question, never a score) and, once locked, reopened.

use super::error::{ApiError, ErrorBody};
use super::extract::{BodyLimit, Json, Path, Query};
use super::wire::{KeyPage, mirror};
use crate::db::reports::{ReportRow, Stored};
use crate::db::reviews::{Reopening, Review};
use crate::observe::Submission;
use crate::service::reports::{self, Continued, Detail, ListQuery as Filters, Upload};
use crate::service::{Actor, reviews};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use jianfu_core::report;
use jianfu_core::{ReportStatus, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The largest `PUT /reports/{id}` body: the content's own limit (32 KB) plus the envelope.
pub const REPORT_LIMIT_BYTES: usize = report::MAX_PAYLOAD_BYTES + 4 * 1024;

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

mirror! {
    /// A report's latest state.
    ReportSummary from ReportRow {
        #[schema(example = "0b8a5a3c-5f0e-4c1e-9a53-2f7d1c0e6b11")]
        id: String,
        user_id: i64,
        username: String,
        display_name: String,
        /// The village the cadre served when the report was first received.
        org_unit: String,
        /// That village's name.
        village_name: String,
        #[schema(example = "weekly:2026-11-16")]
        period_key: String,
        #[schema(example = "2026-11-16")]
        period_start: String,
        /// Exclusive.
        #[schema(example = "2026-11-23")]
        period_end: String,
        revision: i64,
        /// submitted, acknowledged or needs_clarification.
        #[schema(value_type = String, example = "submitted")]
        status: ReportStatus,
        /// Whether the first revision arrived after due date + grace.
        late: bool,
        /// When the latest revision was sealed on the device: the device's claim, unix seconds.
        sealed_at: Option<i64>,
        /// A late report whose first revision was sealed before due date + grace
        /// (按时封存，迟送达): the device's claim, shown as such.
        sealed_on_time: bool,
        /// The latest revision answers a reviewer's question.
        answers_question: bool,
        first_received_at: i64,
        updated_at: i64,
    }
}

mirror! {
    /// An acknowledgement or a question about one revision. Never a score.
    ReviewView from Review {
        id: i64,
        /// The revision that was reviewed.
        revision: i64,
        reviewer_id: i64,
        reviewer: String,
        /// acknowledged or needs_clarification.
        #[schema(value_type = String, example = "needs_clarification")]
        verdict: Verdict,
        /// The question for the cadre (needs_clarification only).
        question: Option<String>,
        created_at: i64,
        /// The department the review was made for (each reviews its own part).
        department_id: Option<i64>,
        /// That department's name.
        #[schema(example = "县民政局")]
        department: Option<String>,
    }
}

mirror! {
    /// A locked report reopened for revisions until `until`.
    ReopeningView from Reopening {
        id: i64,
        reason: String,
        /// Revisions are accepted until this instant (unix seconds).
        until: i64,
        reopened_by: i64,
        created_at: i64,
    }
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
    /// The revision the device edited; required to revise an existing report (a revision
    /// made from an older one is refused with 409 `revision_conflict`).
    pub base_revision: Option<i64>,
    /// When the cadre sealed it on the device (unix seconds, the device clock's claim);
    /// not in the future, not before the period's start.
    pub sealed_at: Option<i64>,
}

/// A report's latest state with its content.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    #[serde(flatten)]
    pub report: ReportSummary,
    #[schema(value_type = Object)]
    pub content: Value,
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
        (status = 409, description = "report_exists_for_period, report_id_taken, period_locked, revision_conflict", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 422, description = "report_invalid, invalid_period, period_kind_mismatch, period_not_started, not_posted, invalid_report_id", body = ErrorBody),
    ))]
pub async fn put(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Json(request): Json<SubmitRequest>,
) -> Result<
    (
        StatusCode,
        axum::Extension<Submission>,
        axum::Json<ReportView>,
    ),
    ApiError,
> {
    let upload = Upload {
        id: &id,
        period: &request.period,
        content: &request.content,
        base_revision: request.base_revision,
        sealed_at: request.sealed_at,
    };
    let submitted = reports::submit(&state.services, &actor, upload).await?;
    // The metrics count what happened; the status alone cannot say (a replay of a first
    // revision answers 201).
    let (status, row, done) = match submitted.stored {
        Stored::Created(row) => (StatusCode::CREATED, row, Submission::Created),
        // A replay answers as the first time did.
        Stored::Replayed(row) if row.revision == 1 => {
            (StatusCode::CREATED, row, Submission::Replayed)
        }
        Stored::Replayed(row) => (StatusCode::OK, row, Submission::Replayed),
        Stored::Revised(row) => (StatusCode::OK, row, Submission::Revised),
    };
    Ok((
        status,
        axum::Extension(done),
        axum::Json(ReportView {
            report: row.into(),
            content: submitted.content,
        }),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revision {
    pub revision: i64,
    #[schema(value_type = Object)]
    pub content: Value,
    pub received_at: i64,
    /// The review (a question) this revision answers.
    pub answers_review_id: Option<i64>,
    /// When the device sealed it (its own claim).
    pub sealed_at: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportDetail {
    #[serde(flatten)]
    pub report: ReportSummary,
    /// Every revision, oldest first.
    pub revisions: Vec<Revision>,
    /// Every review, oldest first: acknowledgements and questions.
    pub reviews: Vec<ReviewView>,
    pub reopenings: Vec<ReopeningView>,
    /// The earlier outcomes this report's outcomes continue (`continues`), to open in place.
    pub continued: Vec<ContinuedView>,
}

mirror! {
    /// An earlier outcome that an outcome of this report continues.
    ContinuedView from Continued {
        outcome_id: String,
        report_id: String,
        #[schema(example = "weekly:2026-11-09")]
        period_key: String,
        /// The outcome as that report's latest revision has it.
        #[schema(value_type = Object)]
        outcome: Value,
    }
}

impl From<Detail> for ReportDetail {
    fn from(d: Detail) -> Self {
        ReportDetail {
            report: d.report.into(),
            revisions: d
                .revisions
                .into_iter()
                .map(|r| Revision {
                    revision: r.revision,
                    content: r.content,
                    received_at: r.received_at,
                    answers_review_id: r.answers_review_id,
                    sealed_at: r.sealed_at,
                })
                .collect(),
            reviews: d.reviews.into_iter().map(ReviewView::from).collect(),
            reopenings: d.reopenings.into_iter().map(ReopeningView::from).collect(),
            continued: d.continued.into_iter().map(ContinuedView::from).collect(),
        }
    }
}

/// One report with its revisions, reviews and reopenings (its cadre; reviewers and admins of its subtree).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ReportDetail), (status = 403, description = "out_of_scope", body = ErrorBody),
        (status = 404, description = "report_not_found", body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<axum::Json<ReportDetail>, ApiError> {
    Ok(axum::Json(
        reports::read(&state.services, &actor, &id).await?.into(),
    ))
}

/// Filters of the report list. There is no sort parameter: reports come in tree order,
/// then by the cadre's name and the period; no list orders people by counts of anything (R2).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The subtree (reviewers, admins); defaults to the caller's unit. Ignored for cadres.
    pub unit: Option<String>,
    /// A period key, e.g. `weekly:2026-11-16`.
    pub period: Option<String>,
    /// submitted, acknowledged, needs_clarification, or revised (revised since a question).
    pub status: Option<String>,
    pub limit: Option<u32>,
    /// The `next_after` of the previous page.
    pub after: Option<String>,
}

/// Reports: a cadre's own, or those of a reviewer's or admin's subtree.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = KeyPage<ReportSummary>), (status = 403, body = ErrorBody),
        (status = 422, description = "invalid_query (including any sort parameter)", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<KeyPage<ReportSummary>>, ApiError> {
    let filters = Filters {
        unit: query.unit.as_deref(),
        period: query.period.as_deref(),
        status: query.status.as_deref(),
        after: query.after,
        limit: query.limit,
    };
    let page = reports::list(&state.services, &actor, filters).await?;
    Ok(axum::Json(KeyPage::of(page)))
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
    responses((status = 201, body = ReviewView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "validation_failed", body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Json(request): Json<ReviewRequest>,
) -> Result<(StatusCode, axum::Json<ReviewView>), ApiError> {
    let review = reviews::review(
        &state.services,
        &actor,
        &id,
        &request.verdict,
        request.question.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(review.into())))
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
    responses((status = 201, body = ReopeningView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "validation_failed", body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Json(request): Json<ReopenRequest>,
) -> Result<(StatusCode, axum::Json<ReopeningView>), ApiError> {
    let reopening =
        reviews::reopen(&state.services, &actor, &id, &request.reason, request.days).await?;
    Ok((StatusCode::CREATED, axum::Json(reopening.into())))
}
