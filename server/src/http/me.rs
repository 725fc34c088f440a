//! The cadre's own view: the periods around now with their deadlines and status, and
//! everything the browser needs to write one period's report offline — the template, the
//! boundary, the report so far, and a draft prefilled from the last report (R3).

use super::error::{ApiError, ErrorBody};
use super::reports::setting;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::postings;
use crate::db::reports;
use crate::reporting::{self, PeriodStatus};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use jianfu_core::Role;
use jianfu_core::period::Period;
use jianfu_core::report::{self, ReportContent};
use serde::Serialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/periods", get(periods))
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
    pub status: PeriodStatus,
    pub report_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyPeriods {
    /// The village served today (or most recently).
    pub org_unit: String,
    pub period_kind: String,
    pub time_zone: String,
    /// Four past periods, the current one, and the next, oldest first.
    pub periods: Vec<PeriodView>,
}

async fn view(
    state: &AppState,
    user_id: i64,
    period: Period,
    policy: &reporting::Effective,
) -> Result<PeriodView, ApiError> {
    let report = reports::of_user_period(&state.db, user_id, &period.key()).await?;
    let exemptions = postings::exemptions_of_user(
        &state.db,
        user_id,
        &period.start.to_string(),
        &period.last_day().to_string(),
    )
    .await?;
    let status = reporting::status(
        &period,
        policy,
        state.clock.timestamp(),
        report.as_ref(),
        reporting::is_exempt(&period, &exemptions),
    );
    Ok(PeriodView {
        key: period.key(),
        start: period.start.to_string(),
        end: period.end.to_string(),
        due_date: policy.rule.due_date(&period).to_string(),
        last_on_time_date: policy.rule.last_on_time_date(&period).to_string(),
        late_after: policy.late_after(&period).as_second(),
        locks_at: policy.locks_at(&period).as_second(),
        status,
        report_id: report.map(|r| r.id),
    })
}

/// The periods around now with due dates and status (cadre).
#[utoipa::path(get, path = "/api/v1/me/periods", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = MyPeriods), (status = 403, body = ErrorBody),
        (status = 422, description = "not_posted", body = ErrorBody)))]
pub async fn periods(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<axum::Json<MyPeriods>, ApiError> {
    auth.require_role(&[Role::Cadre])?;
    let now = state.clock.timestamp();
    // The policy of the village served in the period containing today (weekly is only
    // used to find the posting; the policy then gives the real cadence).
    let probe = Period::containing(
        jianfu_core::period::PeriodKind::Weekly,
        now,
        &jiff::tz::TimeZone::UTC,
    );
    let here = setting(&state, auth.id, &probe).await?;
    let current = here.policy.current(now);
    let mut list = vec![current];
    for _ in 0..4 {
        let earlier = list[0].previous();
        list.insert(0, earlier);
    }
    list.push(current.next());
    let mut periods = Vec::with_capacity(list.len());
    for period in list {
        periods.push(view(&state, auth.id, period, &here.policy).await?);
    }
    Ok(axum::Json(MyPeriods {
        org_unit: here.village.to_string(),
        period_kind: here.policy.kind.to_string(),
        time_zone: here.policy.row.time_zone.clone(),
        periods,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CurrentReport {
    pub id: String,
    pub revision: i64,
    pub status: String,
    #[schema(value_type = Object)]
    pub content: Value,
    /// The reviewer's open question, when the status is needs_clarification.
    pub question: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodContext {
    pub period: PeriodView,
    pub org_unit: String,
    /// The template's fields (see core::template).
    #[schema(value_type = Vec<Object>)]
    pub template: Vec<jianfu_core::template::Field>,
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
    pub last_outcomes: Vec<report::Outcome>,
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
    auth: AuthUser,
    Path(key): Path<String>,
) -> Result<axum::Json<PeriodContext>, ApiError> {
    auth.require_role(&[Role::Cadre])?;
    let period = super::common::parse_period(&key)?;
    let here = setting(&state, auth.id, &period).await?;
    let period_view = view(&state, auth.id, period, &here.policy).await?;
    let current = match &period_view.report_id {
        Some(id) => {
            let row = reports::get(&state.db, id)
                .await?
                .ok_or_else(|| ApiError::internal(&"report vanished"))?;
            let content = reports::latest_content(&state.db, id)
                .await?
                .unwrap_or_default();
            let question = if row.status == "needs_clarification" {
                reports::reviews(&state.db, id)
                    .await?
                    .pop()
                    .and_then(|r| r.question)
            } else {
                None
            };
            Some(CurrentReport {
                id: row.id,
                revision: row.revision,
                status: row.status,
                content: serde_json::from_str(&content).map_err(|e| ApiError::internal(&e))?,
                question,
            })
        }
        None => None,
    };
    let last = reports::last_before(&state.db, auth.id, &period.start.to_string()).await?;
    let last_content: Option<ReportContent> = match &last {
        Some(row) => {
            let text = reports::latest_content(&state.db, &row.id)
                .await?
                .unwrap_or_default();
            Some(serde_json::from_str(&text).map_err(|e| ApiError::internal(&e))?)
        }
        None => None,
    };
    let prefill = match (&current, &last_content) {
        (None, Some(last)) => Some(report::carry_forward(last, &here.policy.template, || {
            uuid::Uuid::new_v4().to_string()
        })),
        _ => None,
    };
    let boundary = here
        .boundary
        .as_ref()
        .and_then(|b| serde_json::from_str(&b.to_geojson()).ok());
    Ok(axum::Json(PeriodContext {
        period: period_view,
        org_unit: here.village.to_string(),
        template: here.policy.template.fields.clone(),
        boundary,
        report: current,
        prefill,
        last_outcomes: last_content.map(|c| c.outcomes).unwrap_or_default(),
        continuable: here.continuable.into_iter().collect(),
    }))
}
