//! Departments (一表通): created by admins, listed for admins and reviewers, and the
//! per-department burden ledger — who asks for what, and what it costs (R3, R5).

use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Query};
use super::wire::{Page, UnitPage, UnitQuery, mirror};
use crate::db::departments::Department;
use crate::service::Actor;
use crate::service::departments::{self, DepartmentBurden};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/departments",
            get(list_departments).post(create_department),
        )
        .route("/departments/burden", get(department_burden))
}

mirror! {
    /// A department: it belongs to a unit and reviews that unit's subtree.
    DepartmentView from Department {
        id: i64,
        #[schema(example = "130928")]
        org_unit: String,
        #[schema(example = "县农业农村局")]
        name: String,
        /// The organization department: its reviewers see whole reports. Every other
        /// department sees the report's frame and the fields and outcome categories that
        /// answer its data needs.
        sees_everything: bool,
        created_at: i64,
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentRequest {
    /// The unit whose subtree the department reviews.
    #[schema(example = "130928")]
    pub org_unit: String,
    /// 1 to 64 characters, unique in the unit.
    #[schema(example = "县农业农村局")]
    pub name: String,
    /// An organization department, seeing whole reports (default false).
    #[serde(default)]
    pub sees_everything: bool,
}

/// Create a department of a unit (admin of its subtree). Audited.
#[utoipa::path(post, path = "/api/v1/departments", tag = "departments", security(("bearer" = [])),
    request_body = DepartmentRequest,
    responses((status = 201, body = DepartmentView),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found", body = ErrorBody),
        (status = 409, description = "department_exists", body = ErrorBody),
        (status = 422, description = "validation_failed, invalid_division_code", body = ErrorBody)))]
pub async fn create_department(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<DepartmentRequest>,
) -> Result<(StatusCode, axum::Json<DepartmentView>), ApiError> {
    let department = departments::create(
        &state.services,
        &actor,
        &request.org_unit,
        &request.name,
        request.sees_everything,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(department.into())))
}

/// Departments of a subtree, by id (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/departments", tag = "departments", security(("bearer" = [])),
    params(UnitPage),
    responses((status = 200, body = Page<DepartmentView>), (status = 403, body = ErrorBody),
        (status = 422, description = "invalid_query", body = ErrorBody)))]
pub async fn list_departments(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<DepartmentView>>, ApiError> {
    let page = departments::list(&state.services, &actor, query.as_ids()).await?;
    Ok(axum::Json(Page::of(page)))
}

mirror! {
    /// One department's line of the burden ledger.
    DepartmentBurdenView from DepartmentBurden {
        /// Null for needs stored before departments existed without one.
        department_id: Option<i64>,
        #[schema(example = "县民政局")]
        department: String,
        /// Its data needs on this template.
        needs: u32,
        /// Needs answered from fields that already existed, or by outcomes: nothing asked twice.
        linked: u32,
        /// Needs for which a field was added.
        added: u32,
        /// The fields added for its needs, still in the template.
        fields_added: Vec<String>,
        /// The seconds its added fields cost per submission.
        seconds_per_submission: u32,
        /// Minutes per cadre per month its added fields cost (R5).
        minutes_per_month: f64,
    }
}

/// Who asks for what and what it costs: the template in force at a unit, split by the
/// departments whose needs added fields; the base and the departments add up to the total.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepartmentLedgerView {
    #[schema(example = "130928")]
    pub org_unit: String,
    pub template_id: i64,
    pub submissions_per_month: f64,
    pub departments: Vec<DepartmentBurdenView>,
    /// The template's fields that no department's need added.
    pub base_fields: Vec<String>,
    pub base_minutes_per_month: f64,
    /// The whole template's minutes per cadre per month: base + every department's.
    pub total_minutes_per_month: f64,
}

/// The per-department burden ledger of the policy in force at a unit (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/departments/burden", tag = "departments", security(("bearer" = [])),
    params(UnitQuery),
    responses((status = 200, body = DepartmentLedgerView), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody)))]
pub async fn department_burden(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UnitQuery>,
) -> Result<axum::Json<DepartmentLedgerView>, ApiError> {
    let ledger = departments::burden(&state.services, &actor, query.unit.as_deref()).await?;
    Ok(axum::Json(DepartmentLedgerView {
        org_unit: ledger.org_unit,
        template_id: ledger.template_id,
        submissions_per_month: ledger.submissions_per_month,
        departments: ledger
            .departments
            .into_iter()
            .map(DepartmentBurdenView::from)
            .collect(),
        base_fields: ledger.base_fields,
        base_minutes_per_month: ledger.base_minutes_per_month,
        total_minutes_per_month: ledger.total_minutes_per_month,
    }))
}
