//! The cadre's own view: the periods around now, and what writing one period's report
//! offline needs.

use super::error::{ApiError, ErrorBody};
use super::extract::Path;
use super::wire::mirror;
use crate::service::Actor;
use crate::service::completeness::PeriodStatus;
use crate::service::periods::{
    self, CurrentReport as Current, MyPeriods as Mine, PeriodContext as Context,
    PeriodView as View, Question,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use jianfu_core::ReportStatus;
use jianfu_core::report::{Outcome, ReportContent};
use jianfu_core::template::Field;
use serde::Serialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/periods", get(my_periods))
        .route("/me/periods/{key}", get(period_context))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    #[schema(example = "weekly:2026-11-16")]
    pub key: String,
    pub start: String,
    /// Exclusive.
    pub end: String,
    pub due_date: String,
    /// The last local date on which a report is on time (due date + grace).
    pub last_on_time_date: String,
    /// A report received at or after this instant (unix seconds) is late.
    pub late_after: i64,
    /// From this instant on, revisions need a reviewer to reopen the report.
    pub locks_at: i64,
    /// upcoming, open, on_time, late, sealed_on_time, missing, exempt or not_posted (no
    /// posting on the period's last day: nothing is expected).
    #[schema(value_type = String, example = "open")]
    pub status: PeriodStatus,
    pub report_id: Option<String>,
}

impl From<View> for PeriodView {
    fn from(v: View) -> Self {
        PeriodView {
            key: v.period.key(),
            start: v.period.start.to_string(),
            end: v.period.end.to_string(),
            due_date: v.due_date,
            last_on_time_date: v.last_on_time_date,
            late_after: v.late_after,
            locks_at: v.locks_at,
            status: v.status,
            report_id: v.report_id,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyPeriods {
    /// The village served today (or most recently).
    pub org_unit: String,
    pub period_kind: String,
    pub time_zone: String,
    /// Four past periods, the current one, and the next, oldest first.
    pub periods: Vec<PeriodView>,
    /// The period the page opens on: the earliest that has ended and is neither reported
    /// nor exempt; else the latest reported one; else the current one.
    pub suggested: String,
}

/// The periods around now with due dates and status (cadre).
#[utoipa::path(get, path = "/api/v1/me/periods", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = MyPeriods), (status = 403, body = ErrorBody),
        (status = 422, description = "not_posted", body = ErrorBody)))]
pub async fn my_periods(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<MyPeriods>, ApiError> {
    let mine: Mine = periods::mine(&state.services, &actor).await?;
    Ok(axum::Json(MyPeriods {
        org_unit: mine.org_unit,
        period_kind: mine.period_kind.to_string(),
        time_zone: mine.time_zone,
        periods: mine.periods.into_iter().map(PeriodView::from).collect(),
        suggested: mine.suggested,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CurrentReport {
    pub id: String,
    pub revision: i64,
    #[schema(value_type = String, example = "submitted")]
    pub status: ReportStatus,
    #[schema(value_type = Object)]
    pub content: Value,
    /// When the latest revision was received (unix seconds).
    pub received_at: i64,
    /// When the latest revision was sealed on the device: the device's claim.
    pub sealed_at: Option<i64>,
    pub late: bool,
    /// Late, but sealed on the device before due date + grace (按时封存，迟送达).
    pub sealed_on_time: bool,
    /// The reviewer's open question, when the status is needs_clarification.
    pub question: Option<String>,
    /// Every question reviewers asked, oldest first.
    pub questions: Vec<QuestionView>,
    /// The questions not answered yet, grouped by department: one revision answers them all.
    pub open_questions: Vec<QuestionView>,
}

mirror! {
    /// A reviewer's question and whether a revision has answered it.
    QuestionView from Question {
        id: i64,
        question: String,
        /// Unix seconds.
        asked_at: i64,
        /// A later revision exists.
        answered: bool,
        /// The department that asked.
        #[schema(example = "县民政局")]
        department: Option<String>,
    }
}

impl From<Current> for CurrentReport {
    fn from(c: Current) -> Self {
        CurrentReport {
            id: c.id,
            revision: c.revision,
            status: c.status,
            content: c.content,
            received_at: c.received_at,
            sealed_at: c.sealed_at,
            late: c.late,
            sealed_on_time: c.sealed_on_time,
            question: c.question,
            questions: c.questions.into_iter().map(QuestionView::from).collect(),
            open_questions: c
                .open_questions
                .into_iter()
                .map(QuestionView::from)
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodContext {
    pub period: PeriodView,
    pub org_unit: String,
    /// The template's fields (see core::template).
    #[schema(value_type = Vec<Object>)]
    pub template: Vec<Field>,
    /// The village (or township) outline as GeoJSON, to check geotags offline.
    #[schema(value_type = Option<Object>)]
    pub boundary: Option<Value>,
    /// The report for this period so far.
    pub report: Option<CurrentReport>,
    /// A draft prefilled from the last report: its stable fields and its unfinished
    /// outcomes, each marked as continuing the earlier one (R3). Null when there is a report.
    #[schema(value_type = Option<Object>)]
    pub prefill: Option<ReportContent>,
    /// The last report's outcomes, for the "this reads like last time" hint.
    #[schema(value_type = Vec<Object>)]
    pub last_outcomes: Vec<Outcome>,
    /// Outcome ids of earlier reports that a new outcome may continue.
    pub continuable: Vec<String>,
}

/// Everything needed to write one period's report offline (cadre).
#[utoipa::path(get, path = "/api/v1/me/periods/{key}", tag = "me", security(("bearer" = [])),
    params(("key" = String, Path, example = "weekly:2026-11-16")),
    responses((status = 200, body = PeriodContext), (status = 403, body = ErrorBody),
        (status = 422, description = "invalid_period, not_posted", body = ErrorBody)))]
pub async fn period_context(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> Result<axum::Json<PeriodContext>, ApiError> {
    let context: Context = periods::context_of(&state.services, &actor, &key).await?;
    Ok(axum::Json(PeriodContext {
        period: context.period.into(),
        org_unit: context.org_unit,
        template: context.template,
        boundary: context.boundary,
        report: context.report.map(CurrentReport::from),
        prefill: context.prefill,
        last_outcomes: context.last_outcomes,
        continuable: context.continuable,
    }))
}
