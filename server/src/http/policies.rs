//! How often cadres report and what it costs them: policies with the cadence floor (R1)
//! and the budget (R5), emergencies, and the burden ledger.

use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::oversight::PeriodInfoView;
use super::wire::{UnitQuery, mirror};
use crate::db::policies::Emergency;
use crate::service::burden::{self, BurdenLedger};
use crate::service::policies::{self, InForce, PolicyRequest as Asked};
use crate::service::{Actor, emergencies};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use jianfu_core::burden::Ledger;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/policies/{org_unit}", get(get_policy).put(put_policy))
        .route("/policies/{org_unit}/preview", post(preview_policy))
        .route(
            "/emergencies",
            get(list_emergencies).post(declare_emergency),
        )
        .route("/emergencies/{id}/end", post(end_emergency))
        .route("/burden", get(burden_ledger))
}

mirror! {
    /// An emergency for a subtree: a reason, at most 14 days, over by itself.
    EmergencyView from Emergency {
        id: i64,
        #[schema(example = "130928")]
        org_unit: String,
        #[schema(example = "暴雨防汛")]
        reason: String,
        /// Unix seconds.
        starts_at: i64,
        /// Unix seconds; the emergency is over from this instant on, by itself.
        ends_at: i64,
        created_by: Option<i64>,
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    /// weekly, biweekly, monthly or quarterly; daily only while an emergency is active (R1).
    #[schema(example = "weekly")]
    pub period_kind: String,
    /// Days after the period's last day that the report is due (0 to 31).
    #[schema(example = 2)]
    pub due_offset_days: u16,
    /// Days after the due date before a report counts as late (0 to 14).
    #[schema(example = 3)]
    pub grace_days: u16,
    /// Days after due date + grace before revisions need a reopening (0 to 90, default 7).
    #[schema(example = 7)]
    pub lock_days: Option<u16>,
    pub template_id: i64,
    /// The most minutes per cadre per month this policy may cost (1 to 600).
    #[schema(example = 60)]
    pub budget_minutes_per_month: u32,
    /// IANA time zone; default Asia/Shanghai.
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    /// The unit asked about.
    pub org_unit: String,
    /// The unit whose stored policy applies (itself or the nearest ancestor with one).
    pub inherited_from: String,
    /// The cadence in force now.
    #[schema(example = "weekly")]
    pub period_kind: String,
    /// The cadence stored (differs from `period_kind` once an emergency is over).
    pub stored_period_kind: String,
    /// The cadence that applies again when the emergency ends.
    pub kind_after_emergency: Option<String>,
    pub due_offset_days: u16,
    pub grace_days: u16,
    pub lock_days: u16,
    pub template_id: i64,
    pub budget_minutes_per_month: u32,
    pub time_zone: String,
    /// The emergency that allows a cadence below weekly, while it lasts.
    pub emergency: Option<EmergencyView>,
    #[schema(value_type = Object)]
    pub ledger: Ledger,
    /// The period in force now, e.g. `weekly:2026-11-23`.
    pub current_period: String,
}

impl From<InForce> for PolicyView {
    fn from(f: InForce) -> Self {
        let p = &f.policy;
        PolicyView {
            org_unit: f.unit.to_string(),
            inherited_from: p.row.org_unit.clone(),
            period_kind: p.kind_at(f.now).to_string(),
            stored_period_kind: p.row.period_kind.to_string(),
            kind_after_emergency: p.row.kind_after_emergency.map(|k| k.to_string()),
            due_offset_days: p.rule.due_offset_days,
            grace_days: p.rule.grace_days,
            lock_days: p.row.lock_days,
            template_id: p.row.template_id,
            budget_minutes_per_month: p.row.budget_minutes,
            time_zone: p.row.time_zone.clone(),
            emergency: p.active_emergency(f.now).cloned().map(EmergencyView::from),
            ledger: burden::ledger_of(p, f.now),
            current_period: p.current(f.now).key(),
        }
    }
}

/// The policy in force for a unit (admin, reviewer), inherited from the nearest ancestor.
#[utoipa::path(get, path = "/api/v1/policies/{org_unit}", tag = "policies", security(("bearer" = [])),
    params(("org_unit" = String, Path, example = "130928101201")),
    responses((status = 200, body = PolicyView), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> Result<axum::Json<PolicyView>, ApiError> {
    Ok(axum::Json(
        policies::get(&state.services, &actor, &code).await?.into(),
    ))
}

/// Set the policy of a unit (admin). Refuses a cadence below weekly without an active
/// emergency (R1), and any policy whose burden exceeds its budget (R5).
#[utoipa::path(put, path = "/api/v1/policies/{org_unit}", tag = "policies", security(("bearer" = [])),
    params(("org_unit" = String, Path, example = "130928")), request_body = PolicyRequest,
    responses((status = 200, body = PolicyView),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found, template_not_found", body = ErrorBody),
        (status = 422, description = "cadence_below_floor, burden_over_budget, invalid_period, unknown_time_zone, validation_failed", body = ErrorBody)))]
pub async fn put_policy(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    Json(request): Json<PolicyRequest>,
) -> Result<axum::Json<PolicyView>, ApiError> {
    Ok(axum::Json(
        policies::put(&state.services, &actor, &code, request.into())
            .await?
            .into(),
    ))
}

impl From<PolicyRequest> for Asked {
    fn from(request: PolicyRequest) -> Self {
        Asked {
            period_kind: request.period_kind,
            due_offset_days: request.due_offset_days,
            grace_days: request.grace_days,
            lock_days: request.lock_days,
            template_id: request.template_id,
            budget_minutes_per_month: request.budget_minutes_per_month,
            time_zone: request.time_zone,
        }
    }
}

/// How many upcoming periods a preview shows.
const PREVIEW_PERIODS: usize = 6;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyPreview {
    /// The policy as it would be in force, with its burden ledger.
    pub policy: PolicyView,
    /// Whether the ledger stays within the budget (always true: a policy over budget is
    /// refused with `burden_over_budget`, as `PUT` would refuse it).
    pub within_budget: bool,
    /// The current period and the five after it, with their deadlines in local time.
    pub next_periods: Vec<PeriodInfoView>,
}

/// What setting this policy would do (admin), without storing it: the same checks and
/// refusals as `PUT`, the policy and its ledger, and the next six periods with their
/// deadlines in the policy's time zone.
#[utoipa::path(post, path = "/api/v1/policies/{org_unit}/preview", tag = "policies", security(("bearer" = [])),
    params(("org_unit" = String, Path, example = "130928")), request_body = PolicyRequest,
    responses((status = 200, body = PolicyPreview),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found, template_not_found", body = ErrorBody),
        (status = 422, description = "cadence_below_floor, burden_over_budget, invalid_period, unknown_time_zone, validation_failed", body = ErrorBody)))]
pub async fn preview_policy(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    Json(request): Json<PolicyRequest>,
) -> Result<axum::Json<PolicyPreview>, ApiError> {
    let (in_force, next) = policies::preview(
        &state.services,
        &actor,
        &code,
        request.into(),
        PREVIEW_PERIODS,
    )
    .await?;
    let policy = PolicyView::from(in_force);
    Ok(axum::Json(PolicyPreview {
        within_budget: policy.ledger.within_budget(),
        policy,
        next_periods: next.into_iter().map(PeriodInfoView::from).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyRequest {
    #[schema(example = "130928")]
    pub org_unit: String,
    #[schema(example = "暴雨防汛")]
    pub reason: String,
    /// 1 to 14; it ends by itself after that many days.
    #[schema(example = 7)]
    pub days: u32,
}

/// Declare an emergency for a subtree (admin): a reason, at most 14 days, over by itself.
#[utoipa::path(post, path = "/api/v1/emergencies", tag = "policies", security(("bearer" = [])), request_body = EmergencyRequest,
    responses((status = 201, body = EmergencyView), (status = 403, body = ErrorBody),
        (status = 422, description = "emergency_too_long, validation_failed", body = ErrorBody)))]
pub async fn declare_emergency(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<EmergencyRequest>,
) -> Result<(StatusCode, axum::Json<EmergencyView>), ApiError> {
    let emergency = emergencies::declare(
        &state.services,
        &actor,
        &request.org_unit,
        &request.reason,
        request.days,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(emergency.into())))
}

/// Emergencies declared in a subtree, newest first (admin, reviewer); at most 500.
#[utoipa::path(get, path = "/api/v1/emergencies", tag = "policies", security(("bearer" = [])), params(UnitQuery),
    responses((status = 200, body = Vec<EmergencyView>), (status = 403, body = ErrorBody)))]
pub async fn list_emergencies(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UnitQuery>,
) -> Result<axum::Json<Vec<EmergencyView>>, ApiError> {
    let list = emergencies::list(&state.services, &actor, query.unit.as_deref()).await?;
    Ok(axum::Json(
        list.into_iter().map(EmergencyView::from).collect(),
    ))
}

/// End an emergency now, before its time (admin of its subtree). Audited.
#[utoipa::path(post, path = "/api/v1/emergencies/{id}/end", tag = "policies", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = EmergencyView), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn end_emergency(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<axum::Json<EmergencyView>, ApiError> {
    Ok(axum::Json(
        emergencies::end(&state.services, &actor, id).await?.into(),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BurdenView {
    pub org_unit: String,
    pub inherited_from: String,
    #[schema(example = "weekly")]
    pub period_kind: String,
    /// Minutes and actions per cadre per month now, against the daily punch-in + daily log baseline.
    #[schema(value_type = Object)]
    pub ledger: Ledger,
    pub within_budget: bool,
    /// The same for each policy stored inside the subtree, in code order.
    pub subtree: Vec<SubtreeLedger>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubtreeLedger {
    pub org_unit: String,
    pub period_kind: String,
    #[schema(value_type = Object)]
    pub ledger: Ledger,
}

impl From<BurdenLedger> for BurdenView {
    fn from(b: BurdenLedger) -> Self {
        BurdenView {
            org_unit: b.org_unit,
            inherited_from: b.inherited_from,
            period_kind: b.period_kind.to_string(),
            within_budget: b.ledger.within_budget(),
            ledger: b.ledger,
            subtree: b
                .subtree
                .into_iter()
                .map(|p| SubtreeLedger {
                    org_unit: p.org_unit,
                    period_kind: p.period_kind.to_string(),
                    ledger: p.ledger,
                })
                .collect(),
        }
    }
}

/// The burden ledger of a unit (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/burden", tag = "policies", security(("bearer" = [])), params(UnitQuery),
    responses((status = 200, body = BurdenView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn burden_ledger(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UnitQuery>,
) -> Result<axum::Json<BurdenView>, ApiError> {
    Ok(axum::Json(
        burden::of_unit(&state.services, &actor, query.unit.as_deref())
            .await?
            .into(),
    ))
}
