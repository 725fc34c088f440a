//! Departments' data needs (R3, R5): linked to a field that already asks it, or added
//! as a new field within every budget.

use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Query};
use super::wire::{Page, UnitPage, mirror};
use crate::db::data_needs::{DataNeed, Resolution};
use crate::service::Actor;
use crate::service::data_needs::{self, NeedRequest};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use jianfu_core::Problem;
use jianfu_core::template::Field;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new().route("/data-needs", get(list_data_needs).post(register_data_need))
}

mirror! {
    /// A department's data need and how it was answered.
    DataNeedView from DataNeed {
        id: i64,
        org_unit: String,
        #[schema(example = "民政局")]
        department: String,
        label_zh: String,
        label_en: String,
        concept: Option<String>,
        template_id: i64,
        /// The template field that answers the need.
        field_key: String,
        /// `linked` to a field that already asked this, or `added` as a new field.
        #[schema(value_type = String, example = "linked")]
        resolution: Resolution,
        created_by: Option<i64>,
        created_at: i64,
        /// The department whose need it is (`department` is its name).
        department_id: Option<i64>,
        /// The outcome category whose outcomes answer the need (then `field_key` is empty).
        #[schema(example = "产业发展")]
        outcome_category: Option<String>,
    }
}

/// A need as stored, with the warnings of its saving.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisteredView {
    #[serde(flatten)]
    pub need: DataNeedView,
    /// `similar_field`: the field added reads like an existing one (`details.existing_key`):
    /// if they ask the same thing, link the need to that field instead (R3).
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Problem>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataNeedRequest {
    /// Whose template the need concerns (the policy in force there).
    #[schema(example = "130928")]
    pub org_unit: String,
    /// The department whose need it is (`POST /api/v1/departments`).
    pub department_id: i64,
    #[schema(example = "走访低保户数")]
    pub label_zh: String,
    #[schema(example = "Low-income households visited")]
    pub label_en: String,
    /// A stable concept name shared by departments, e.g. `households_visited`.
    pub concept: Option<String>,
    /// The field to add if no existing field answers the need.
    #[schema(value_type = Option<Object>)]
    pub field: Option<Field>,
    /// The existing template field that answers the need (report once, R3).
    #[schema(example = "households")]
    pub field_key: Option<String>,
    /// Or: the outcome category whose outcomes answer the need.
    #[schema(example = "产业发展")]
    pub outcome_category: Option<String>,
}

/// Register a department's data need (admin): answered by the outcomes of a category, by
/// the field named, by an equivalent existing field (report once, R3), or by a new field
/// added only within every affected budget (R5). A new field whose label reads like an
/// existing one is added with a `similar_field` warning naming the field to link to; one
/// with an existing field's concept is refused (`duplicate_field`).
#[utoipa::path(post, path = "/api/v1/data-needs", tag = "policies", security(("bearer" = [])), request_body = DataNeedRequest,
    responses((status = 201, body = RegisteredView), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found, department_not_found", body = ErrorBody),
        (status = 422, description = "data_need_unmatched, burden_over_budget, duplicate_field, photo_required, invalid_field, too_many_fields, validation_failed", body = ErrorBody)))]
pub async fn register_data_need(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<DataNeedRequest>,
) -> Result<(StatusCode, axum::Json<RegisteredView>), ApiError> {
    let asked = NeedRequest {
        org_unit: request.org_unit,
        department_id: request.department_id,
        label_zh: request.label_zh,
        label_en: request.label_en,
        concept: request.concept,
        field: request.field,
        field_key: request.field_key,
        outcome_category: request.outcome_category,
    };
    let registered = data_needs::register(&state.services, &actor, asked).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(RegisteredView {
            need: registered.need.into(),
            warnings: registered.warnings,
        }),
    ))
}

/// Data needs registered in a subtree, by id (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/data-needs", tag = "policies", security(("bearer" = [])), params(UnitPage),
    responses((status = 200, body = Page<DataNeedView>), (status = 403, body = ErrorBody)))]
pub async fn list_data_needs(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<DataNeedView>>, ApiError> {
    let page = data_needs::list(&state.services, &actor, query.as_ids()).await?;
    Ok(axum::Json(Page::of(page)))
}
