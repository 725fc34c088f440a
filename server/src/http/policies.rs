//! How often and what cadres report, and what it costs them: templates (R3, R4),
//! policies with the cadence floor (R1) and the burden budget (R5), emergencies, data
//! needs (R3), the burden ledger and village boundaries (R7). Admins change them, inside
//! their subtree; every change is audited with before and after.

use super::common::{self, entry, page_limit, parse_code, scoped_unit, text};
use super::error::{ApiError, ErrorBody, ErrorCode};
use super::extract::{BodyLimit, Json, Query};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::policies::{self, DataNeed, Emergency, NewDataNeed, PolicyRow, TemplateRow};
use crate::reporting::{self, Effective, parse_kind, policy_not_found};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use jianfu_core::burden::{self, Ledger};
use jianfu_core::geofence::Boundary;
use jianfu_core::period::{DeadlineRule, PeriodKind};
use jianfu_core::template::{Field, Template};
use jianfu_core::{DivisionCode, Level, Problem, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Longest emergency, in days.
pub const MAX_EMERGENCY_DAYS: u32 = 14;
/// Longest lock delay after due date + grace, in days.
pub const MAX_LOCK_DAYS: u16 = 90;
/// The highest budget an admin may set, in minutes per cadre per month.
pub const MAX_BUDGET_MINUTES: u32 = 600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/templates", get(list_templates).post(create_template))
        .route("/templates/{id}", get(get_template).put(update_template))
        .route("/policies/{org_unit}", get(get_policy).put(put_policy))
        .route(
            "/emergencies",
            get(list_emergencies).post(declare_emergency),
        )
        .route("/data-needs", get(list_data_needs).post(register_data_need))
        .route("/burden", get(burden_ledger))
        .route(
            "/org-units/{code}/boundary",
            put(put_boundary)
                .get(get_boundary)
                .layer(BodyLimit(BOUNDARY_LIMIT_BYTES).layers()),
        )
}

// ---------------------------------------------------------------- templates

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// The unit that owns the template (policies at or below it may use it).
    #[schema(example = "130928")]
    pub org_unit: Option<String>,
    #[schema(example = "驻村工作周报")]
    pub name: String,
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<Field>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub id: i64,
    pub org_unit: String,
    pub name: String,
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<Field>,
    /// The sum of the fields' seconds to fill: the cost of one submission.
    pub seconds_per_submission: u32,
    pub updated_at: i64,
}

fn template_view(row: &TemplateRow) -> Result<TemplateView, ApiError> {
    let template = reporting::parse_template(&row.fields)?;
    Ok(TemplateView {
        id: row.id,
        org_unit: row.org_unit.clone(),
        name: row.name.clone(),
        seconds_per_submission: template.seconds_per_submission(),
        fields: template.fields,
        updated_at: row.updated_at,
    })
}

/// The refusal of a template, under the code of its first problem.
fn template_error(problems: &[Problem]) -> ApiError {
    let code = match problems.first().map(|p| p.code.as_str()) {
        Some("too_many_fields") => ErrorCode::TooManyFields,
        Some("duplicate_field") => ErrorCode::DuplicateField,
        Some("photo_required") => ErrorCode::PhotoRequired,
        _ => ErrorCode::InvalidField,
    };
    ApiError::from_problems(code, problems)
}

fn checked(template: &Template) -> Result<(), ApiError> {
    let problems: Vec<Problem> = template
        .check()
        .into_iter()
        .filter(Problem::is_error)
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(template_error(&problems))
    }
}

fn burden_error(problem: &Problem, unit: &str) -> ApiError {
    ApiError::from_problems(ErrorCode::BurdenOverBudget, std::slice::from_ref(problem))
        .details(json!({ "unit": unit }))
}

/// Every policy using `template_id` stays within its budget with `template`.
async fn check_template_burden(
    state: &AppState,
    template_id: i64,
    template: &Template,
) -> Result<(), ApiError> {
    for policy in policies::policies_using(&state.db, template_id).await? {
        let kind = parse_kind(&policy.period_kind)?;
        let budget = u32::try_from(policy.budget_minutes).unwrap_or(0);
        burden::check_budget(kind, template, budget)
            .map_err(|p| burden_error(&p, &policy.org_unit))?;
    }
    Ok(())
}

async fn template_for(
    state: &AppState,
    auth: &AuthUser,
    id: i64,
    write: bool,
) -> Result<TemplateRow, ApiError> {
    let row = policies::template(&state.db, id).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::TemplateNotFound)
            .message(
                format!("没有编号为 {id} 的模板"),
                format!("no template has the id {id}"),
            )
            .details(json!({ "id": id }))
    })?;
    let owner = parse_code(&row.org_unit, "org_unit")?;
    // Reading: a template of an ancestor (one the caller's policies may use) or of the subtree.
    if write || !owner.contains(&auth.unit) {
        auth.require_scope(&owner)?;
    }
    Ok(row)
}

/// Create a template (admin).
#[utoipa::path(post, path = "/api/v1/templates", tag = "policies", security(("bearer" = [])), request_body = TemplateRequest,
    responses((status = 201, body = TemplateView),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 422, description = "too_many_fields, duplicate_field, photo_required, invalid_field", body = ErrorBody)))]
pub async fn create_template(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<TemplateRequest>,
) -> Result<(StatusCode, axum::Json<TemplateView>), ApiError> {
    auth.require_role(&[Role::Admin])?;
    let unit = match &request.org_unit {
        Some(code) => parse_code(code, "org_unit")?,
        None => auth.unit.clone(),
    };
    auth.require_scope(&unit)?;
    let name = text(&request.name, "name", 1, 64)?;
    let template = Template {
        fields: request.fields,
    };
    checked(&template)?;
    let fields = serde_json::to_string(&template.fields).map_err(|e| ApiError::internal(&e))?;
    let mut audit = entry(
        &state,
        &auth,
        "templates.create",
        unit.as_str(),
        String::new(),
    )
    .await?;
    audit.after = Some(json!({ "name": name, "fields": template.fields }).to_string());
    let row = policies::create_template(&state.db, unit.as_str(), &name, &fields, audit).await?;
    Ok((StatusCode::CREATED, axum::Json(template_view(&row)?)))
}

/// Replace a template's name and fields (admin). Refused if any policy using it would go over budget.
#[utoipa::path(put, path = "/api/v1/templates/{id}", tag = "policies", security(("bearer" = [])), request_body = TemplateRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = TemplateView),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "template_not_found", body = ErrorBody),
        (status = 422, description = "too_many_fields, duplicate_field, photo_required, invalid_field, burden_over_budget", body = ErrorBody)))]
pub async fn update_template(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(request): Json<TemplateRequest>,
) -> Result<axum::Json<TemplateView>, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let row = template_for(&state, &auth, id, true).await?;
    let name = text(&request.name, "name", 1, 64)?;
    let template = Template {
        fields: request.fields,
    };
    checked(&template)?;
    check_template_burden(&state, id, &template).await?;
    let fields = serde_json::to_string(&template.fields).map_err(|e| ApiError::internal(&e))?;
    let mut audit = entry(
        &state,
        &auth,
        "templates.update",
        &row.org_unit,
        format!("template:{id}"),
    )
    .await?;
    audit.before = Some(json!({ "name": row.name, "fields": serde_json::from_str::<Value>(&row.fields).unwrap_or_default() }).to_string());
    audit.after = Some(json!({ "name": name, "fields": template.fields }).to_string());
    let (updated, _) =
        policies::update_template(&state.db, id, &name, &fields, &audit, None).await?;
    Ok(axum::Json(template_view(&updated)?))
}

/// One template (admin, reviewer): of the caller's subtree or of an ancestor.
#[utoipa::path(get, path = "/api/v1/templates/{id}", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TemplateView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_template(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<TemplateView>, ApiError> {
    auth.require_role(&[Role::Admin, Role::Reviewer])?;
    let row = template_for(&state, &auth, id, false).await?;
    Ok(axum::Json(template_view(&row)?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitPage {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    pub limit: Option<u32>,
    /// The last id of the previous page.
    pub after: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_after: Option<i64>,
}

/// Templates owned by units in a subtree (admin, reviewer), by id.
#[utoipa::path(get, path = "/api/v1/templates", tag = "policies", security(("bearer" = [])), params(UnitPage),
    responses((status = 200, body = Page<TemplateView>), (status = 403, body = ErrorBody)))]
pub async fn list_templates(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<TemplateView>>, ApiError> {
    auth.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = scoped_unit(&auth, query.unit.as_deref())?;
    let limit = page_limit(query.limit)?;
    let rows = policies::templates_in(&state.db, &unit, query.after.unwrap_or(0), limit).await?;
    let next_after = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let items = rows.iter().map(template_view).collect::<Result<_, _>>()?;
    Ok(axum::Json(Page { items, next_after }))
}

// ---------------------------------------------------------------- policies

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
    pub emergency: Option<Emergency>,
    #[schema(value_type = Object)]
    pub ledger: Ledger,
    /// The period in force now, e.g. `weekly:2026-11-23`.
    pub current_period: String,
}

fn budget_of(row: &PolicyRow) -> u32 {
    u32::try_from(row.budget_minutes).unwrap_or(0)
}

pub fn policy_view(unit: &DivisionCode, effective: &Effective, now: i64) -> PolicyView {
    let now_ts = jiff::Timestamp::from_second(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    PolicyView {
        org_unit: unit.to_string(),
        inherited_from: effective.row.org_unit.clone(),
        period_kind: effective.kind.to_string(),
        stored_period_kind: effective.row.period_kind.clone(),
        kind_after_emergency: effective.row.kind_after_emergency.clone(),
        due_offset_days: effective.rule.due_offset_days,
        grace_days: effective.rule.grace_days,
        lock_days: effective.lock_days,
        template_id: effective.row.template_id,
        budget_minutes_per_month: budget_of(&effective.row),
        time_zone: effective.row.time_zone.clone(),
        emergency: effective.emergency.clone(),
        ledger: burden::ledger(
            effective.kind,
            &effective.template,
            budget_of(&effective.row),
        ),
        current_period: effective.current(now_ts).key(),
    }
}

/// The policy in force for a unit (admin, reviewer), inherited from the nearest ancestor.
#[utoipa::path(get, path = "/api/v1/policies/{org_unit}", tag = "policies", security(("bearer" = [])),
    params(("org_unit" = String, Path, example = "130928101201")),
    responses((status = 200, body = PolicyView), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(code): Path<String>,
) -> Result<axum::Json<PolicyView>, ApiError> {
    auth.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = parse_code(&code, "org_unit")?;
    auth.require_scope(&unit)?;
    let now = state.clock.now();
    let effective = reporting::effective(&state.db, &unit, now)
        .await?
        .ok_or_else(|| policy_not_found(&unit))?;
    Ok(axum::Json(policy_view(&unit, &effective, now)))
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
    auth: AuthUser,
    Path(code): Path<String>,
    Json(request): Json<PolicyRequest>,
) -> Result<axum::Json<PolicyView>, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let unit = parse_code(&code, "org_unit")?;
    auth.require_scope(&unit)?;
    if crate::db::org_units::get(&state.db, &unit).await?.is_none() {
        return Err(super::org_units::not_found(&unit));
    }
    let now = state.clock.now();
    let kind = parse_kind(&request.period_kind)?;
    let rule = DeadlineRule {
        due_offset_days: request.due_offset_days,
        grace_days: request.grace_days,
    };
    rule.check().map_err(|e| {
        let p = e.to_problem(e.code());
        ApiError::new(ErrorCode::InvalidPeriod)
            .message(p.message_zh, p.message_en)
            .details(json!({ "reason": e.code() }))
            .details(p.details)
    })?;
    let lock_days = request.lock_days.unwrap_or(7);
    if lock_days > MAX_LOCK_DAYS {
        return Err(ApiError::invalid(
            "lock_days",
            format!("锁定天数最多 {MAX_LOCK_DAYS} 天，收到 {lock_days}"),
            format!("lock_days is at most {MAX_LOCK_DAYS}, got {lock_days}"),
        )
        .details(json!({ "max": MAX_LOCK_DAYS, "actual": lock_days })));
    }
    let budget = request.budget_minutes_per_month;
    if !(1..=MAX_BUDGET_MINUTES).contains(&budget) {
        return Err(ApiError::invalid(
            "budget_minutes_per_month",
            format!("预算应在 1 到 {MAX_BUDGET_MINUTES} 分钟/月之间，收到 {budget}"),
            format!("the budget must be 1 to {MAX_BUDGET_MINUTES} minutes per month, got {budget}"),
        )
        .details(json!({ "min": 1, "max": MAX_BUDGET_MINUTES, "actual": budget })));
    }
    let time_zone = request
        .time_zone
        .clone()
        .unwrap_or_else(|| "Asia/Shanghai".to_owned());
    reporting::time_zone(&time_zone)?;
    let template_row = template_for(&state, &auth, request.template_id, false).await?;
    let owner = parse_code(&template_row.org_unit, "template_id")?;
    if !owner.contains(&unit) {
        return Err(ApiError::invalid(
            "template_id",
            format!("模板 {} 属于 {owner}，不能用于 {unit}", template_row.id),
            format!(
                "template {} belongs to {owner} and cannot be used for {unit}",
                template_row.id
            ),
        )
        .details(json!({ "template_org_unit": owner, "org_unit": unit })));
    }
    let template = reporting::parse_template(&template_row.fields)?;
    let before = policies::policy_of(&state.db, unit.as_str()).await?;
    let (emergency_id, kind_after_emergency) =
        cadence_floor(&state, &unit, kind, before.as_ref(), now).await?;
    burden::check_budget(kind, &template, budget).map_err(|p| burden_error(&p, unit.as_str()))?;
    let row = PolicyRow {
        org_unit: unit.to_string(),
        period_kind: kind.to_string(),
        due_offset_days: i64::from(request.due_offset_days),
        grace_days: i64::from(request.grace_days),
        lock_days: i64::from(lock_days),
        template_id: request.template_id,
        budget_minutes: i64::from(budget),
        time_zone,
        emergency_id,
        kind_after_emergency,
        updated_at: now,
    };
    let mut audit = entry(
        &state,
        &auth,
        "policies.put",
        unit.as_str(),
        format!("policy:{unit}"),
    )
    .await?;
    audit.before = before.as_ref().and_then(|b| serde_json::to_string(b).ok());
    audit.after = serde_json::to_string(&row).ok();
    policies::put_policy(&state.db, &row, &audit).await?;
    let effective = reporting::resolve(&state.db, row, now).await?;
    Ok(axum::Json(policy_view(&unit, &effective, now)))
}

/// R1: a cadence below weekly only with an active emergency on the subtree. Returns the
/// emergency and the cadence that applies again, by itself, when it ends (the previous
/// one, or weekly).
async fn cadence_floor(
    state: &AppState,
    unit: &DivisionCode,
    kind: PeriodKind,
    before: Option<&PolicyRow>,
    now: i64,
) -> Result<(Option<i64>, Option<String>), ApiError> {
    if !kind.below_weekly_floor() {
        return Ok((None, None));
    }
    let Some(emergency) = policies::active_emergency(&state.db, unit, now).await? else {
        return Err(ApiError::new(ErrorCode::CadenceBelowFloor)
            .message(
                format!("{unit} 没有进行中的紧急状态，填报周期不得短于每周（收到 {kind}）"),
                format!("no emergency is active for {unit}: the cadence may not be shorter than weekly (got {kind})"),
            )
            .details(json!({ "period_kind": kind, "floor": "weekly", "active_emergency": null })));
    };
    let after = before
        .map(|b| {
            b.kind_after_emergency
                .clone()
                .unwrap_or_else(|| b.period_kind.clone())
        })
        .filter(|k| k != "daily")
        .unwrap_or_else(|| PeriodKind::Weekly.to_string());
    Ok((Some(emergency.id), Some(after)))
}

// ---------------------------------------------------------------- emergencies

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
    responses((status = 201, body = Emergency), (status = 403, body = ErrorBody),
        (status = 422, description = "emergency_too_long, validation_failed", body = ErrorBody)))]
pub async fn declare_emergency(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<EmergencyRequest>,
) -> Result<(StatusCode, axum::Json<Emergency>), ApiError> {
    auth.require_role(&[Role::Admin])?;
    let unit = parse_code(&request.org_unit, "org_unit")?;
    auth.require_scope(&unit)?;
    let reason = text(&request.reason, "reason", 1, 500)?;
    if request.days == 0 || request.days > MAX_EMERGENCY_DAYS {
        return Err(ApiError::new(ErrorCode::EmergencyTooLong)
            .message(
                format!("紧急状态应为 1 到 {MAX_EMERGENCY_DAYS} 天，收到 {} 天", request.days),
                format!("an emergency lasts 1 to {MAX_EMERGENCY_DAYS} days, got {}", request.days),
            )
            .details(json!({ "field": "days", "min": 1, "max": MAX_EMERGENCY_DAYS, "actual": request.days })));
    }
    let now = state.clock.now();
    let ends_at = now + i64::from(request.days) * 86_400;
    let audit = entry(
        &state,
        &auth,
        "emergencies.declare",
        unit.as_str(),
        String::new(),
    )
    .await?;
    let emergency = policies::create_emergency(
        &state.db,
        unit.as_str(),
        &reason,
        now,
        ends_at,
        Some(auth.id),
        audit,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(emergency)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
}

/// Emergencies declared in a subtree, newest first (admin, reviewer); at most 500.
#[utoipa::path(get, path = "/api/v1/emergencies", tag = "policies", security(("bearer" = [])), params(UnitQuery),
    responses((status = 200, body = Vec<Emergency>), (status = 403, body = ErrorBody)))]
pub async fn list_emergencies(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<UnitQuery>,
) -> Result<axum::Json<Vec<Emergency>>, ApiError> {
    auth.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = scoped_unit(&auth, query.unit.as_deref())?;
    Ok(axum::Json(
        policies::emergencies_in(&state.db, &unit, common::MAX_PAGE).await?,
    ))
}

// ---------------------------------------------------------------- data needs

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataNeedRequest {
    /// Whose template the need concerns (the policy in force there).
    #[schema(example = "130928")]
    pub org_unit: String,
    #[schema(example = "民政局")]
    pub department: String,
    #[schema(example = "走访低保户数")]
    pub label_zh: String,
    #[schema(example = "Low-income households visited")]
    pub label_en: String,
    /// A stable concept name shared by departments, e.g. `households_visited`.
    pub concept: Option<String>,
    /// The field to add if no existing field answers the need.
    #[schema(value_type = Option<Object>)]
    pub field: Option<Field>,
}

/// Register a department's data need (admin): linked to an equivalent existing field (report
/// once, R3), or added as a new field only within every affected budget (R5).
#[utoipa::path(post, path = "/api/v1/data-needs", tag = "policies", security(("bearer" = [])), request_body = DataNeedRequest,
    responses((status = 201, body = DataNeed), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody),
        (status = 422, description = "data_need_unmatched, burden_over_budget, duplicate_field, photo_required, invalid_field, too_many_fields", body = ErrorBody)))]
pub async fn register_data_need(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<DataNeedRequest>,
) -> Result<(StatusCode, axum::Json<DataNeed>), ApiError> {
    auth.require_role(&[Role::Admin])?;
    let unit = parse_code(&request.org_unit, "org_unit")?;
    auth.require_scope(&unit)?;
    let department = text(&request.department, "department", 1, 64)?;
    let label_zh = text(&request.label_zh, "label_zh", 1, 64)?;
    let label_en = text(&request.label_en, "label_en", 0, 64)?;
    let concept = request
        .concept
        .as_deref()
        .map(|c| text(c, "concept", 1, 64))
        .transpose()?;
    let now = state.clock.now();
    let effective = reporting::effective(&state.db, &unit, now)
        .await?
        .ok_or_else(|| policy_not_found(&unit))?;
    let template_id = effective.row.template_id;
    let template_row = template_for(&state, &auth, template_id, false).await?;
    let mut need = NewDataNeed {
        org_unit: unit.to_string(),
        department,
        label_zh,
        label_en,
        concept,
        template_id,
        field_key: String::new(),
        resolution: "linked",
        created_by: Some(auth.id),
        created_at: now,
    };
    let mut audit = entry(
        &state,
        &auth,
        "data_needs.register",
        unit.as_str(),
        format!("template:{template_id}"),
    )
    .await?;
    if let Some(existing) =
        effective
            .template
            .find_equivalent(need.concept.as_deref(), &need.label_zh, &need.label_en)
    {
        need.field_key.clone_from(&existing.key);
        audit.after = Some(json!({ "department": need.department, "label_zh": need.label_zh, "linked_to": existing.key }).to_string());
        let stored = policies::link_data_need(&state.db, &need, &audit).await?;
        Ok((StatusCode::CREATED, axum::Json(stored)))
    } else {
        let Some(mut field) = request.field else {
            return Err(ApiError::new(ErrorCode::DataNeedUnmatched)
                .message(
                    format!("模板 {template_id} 中没有与“{}”对应的字段；请提供要新增的字段", need.label_zh),
                    format!("no field of template {template_id} answers {:?}; supply the field to add", need.label_en),
                )
                .details(json!({ "template_id": template_id, "fields": effective.template.fields.iter().map(|f| &f.key).collect::<Vec<_>>() })));
        };
        // Adding a field changes the template for every unit that uses it: only an admin
        // whose subtree holds the template's owner may do that.
        auth.require_scope(&parse_code(&template_row.org_unit, "org_unit")?)?;
        if field.concept.is_none() {
            field.concept.clone_from(&need.concept);
        }
        // The template as it is stored (not as an emergency resolved it), plus the field.
        let mut template = reporting::parse_template(&template_row.fields)?;
        need.field_key.clone_from(&field.key);
        template.fields.push(field);
        checked(&template)?;
        check_template_burden(&state, template_id, &template).await?;
        need.resolution = "added";
        let fields = serde_json::to_string(&template.fields).map_err(|e| ApiError::internal(&e))?;
        audit.action = "data_needs.add_field";
        audit.before = Some(template_row.fields.clone());
        audit.after = Some(fields.clone());
        let (_, stored) = policies::update_template(
            &state.db,
            template_id,
            &template_row.name,
            &fields,
            &audit,
            Some(&need),
        )
        .await?;
        let stored = stored.ok_or_else(|| ApiError::internal(&"the data need was not stored"))?;
        Ok((StatusCode::CREATED, axum::Json(stored)))
    }
}

/// Data needs registered in a subtree, by id (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/data-needs", tag = "policies", security(("bearer" = [])), params(UnitPage),
    responses((status = 200, body = Page<DataNeed>), (status = 403, body = ErrorBody)))]
pub async fn list_data_needs(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<DataNeed>>, ApiError> {
    auth.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = scoped_unit(&auth, query.unit.as_deref())?;
    let limit = page_limit(query.limit)?;
    let items = policies::data_needs_in(&state.db, &unit, query.after.unwrap_or(0), limit).await?;
    let next_after = (items.len() == limit as usize)
        .then(|| items.last().map(|n| n.id))
        .flatten();
    Ok(axum::Json(Page { items, next_after }))
}

// ---------------------------------------------------------------- burden ledger

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

/// The burden ledger of a unit (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/burden", tag = "policies", security(("bearer" = [])), params(UnitQuery),
    responses((status = 200, body = BurdenView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn burden_ledger(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<UnitQuery>,
) -> Result<axum::Json<BurdenView>, ApiError> {
    auth.require_role(&[Role::Admin, Role::Reviewer])?;
    let unit = scoped_unit(&auth, query.unit.as_deref())?;
    let now = state.clock.now();
    let effective = reporting::effective(&state.db, &unit, now)
        .await?
        .ok_or_else(|| policy_not_found(&unit))?;
    let ledger = burden::ledger(
        effective.kind,
        &effective.template,
        budget_of(&effective.row),
    );
    let mut subtree = Vec::new();
    for row in policies::policies_in(&state.db, &unit).await? {
        let resolved = reporting::resolve(&state.db, row, now).await?;
        subtree.push(SubtreeLedger {
            org_unit: resolved.row.org_unit.clone(),
            period_kind: resolved.kind.to_string(),
            ledger: burden::ledger(resolved.kind, &resolved.template, budget_of(&resolved.row)),
        });
    }
    Ok(axum::Json(BurdenView {
        org_unit: unit.to_string(),
        inherited_from: effective.row.org_unit.clone(),
        period_kind: effective.kind.to_string(),
        within_budget: ledger.within_budget(),
        ledger,
        subtree,
    }))
}

// ---------------------------------------------------------------- boundaries

/// The largest boundary body: a detailed village outline is a few hundred KB at most.
pub const BOUNDARY_LIMIT_BYTES: usize = 1024 * 1024;

/// Set the outline of a village or township (admin): GeoJSON Polygon, MultiPolygon,
/// Feature or FeatureCollection. Geotags outside it plus a buffer are refused (R7).
#[utoipa::path(put, path = "/api/v1/org-units/{code}/boundary", tag = "org-units", security(("bearer" = [])),
    params(("code" = String, Path, example = "130928101201")), request_body(content = Object, description = "GeoJSON"),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "invalid_boundary, validation_failed", body = ErrorBody)))]
pub async fn put_boundary(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(code): Path<String>,
    Json(geojson): Json<Value>,
) -> Result<StatusCode, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let unit = parse_code(&code, "code")?;
    auth.require_scope(&unit)?;
    if !matches!(unit.level(), Level::Village | Level::Township) {
        return Err(ApiError::invalid(
            "code",
            "只有村和乡镇可以设置边界",
            "only villages and townships have boundaries",
        )
        .details(json!({ "level": unit.level() })));
    }
    if crate::db::org_units::get(&state.db, &unit).await?.is_none() {
        return Err(super::org_units::not_found(&unit));
    }
    let text = geojson.to_string();
    let boundary = Boundary::from_geojson(&text).map_err(|e| {
        ApiError::new(ErrorCode::InvalidBoundary)
            .message(format!("边界无效：{e}"), format!("invalid boundary: {e}"))
            .details(json!({ "reason": e.code() }))
    })?;
    let stored = boundary.to_geojson();
    let mut audit = entry(
        &state,
        &auth,
        "boundaries.put",
        unit.as_str(),
        format!("boundary:{unit}"),
    )
    .await?;
    audit.before = policies::boundary(&state.db, unit.as_str()).await?;
    audit.after = Some(stored.clone());
    policies::put_boundary(&state.db, unit.as_str(), &stored, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The stored outline of a unit, as GeoJSON (any signed-in user in scope).
#[utoipa::path(get, path = "/api/v1/org-units/{code}/boundary", tag = "org-units", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_boundary(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(code): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let unit = parse_code(&code, "code")?;
    // A cadre may read the outline of their own village's township as well.
    if !(unit.contains(&auth.unit) && auth.role == Role::Cadre) {
        auth.require_scope(&unit)?;
    }
    let text = policies::boundary(&state.db, unit.as_str())
        .await?
        .ok_or_else(|| {
            super::org_units::not_found(&unit).message(
                format!("{unit} 没有边界"),
                format!("{unit} has no boundary"),
            )
        })?;
    serde_json::from_str(&text)
        .map(axum::Json)
        .map_err(|e| ApiError::internal(&e))
}
