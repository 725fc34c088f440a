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
use jianfu_core::template::Field;
use serde::Deserialize;

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
    }
}

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
    responses((status = 201, body = DataNeedView), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody),
        (status = 422, description = "data_need_unmatched, burden_over_budget, duplicate_field, photo_required, invalid_field, too_many_fields", body = ErrorBody)))]
pub async fn register_data_need(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<DataNeedRequest>,
) -> Result<(StatusCode, axum::Json<DataNeedView>), ApiError> {
    let asked = NeedRequest {
        org_unit: request.org_unit,
        department: request.department,
        label_zh: request.label_zh,
        label_en: request.label_en,
        concept: request.concept,
        field: request.field,
    };
    let need = data_needs::register(&state.services, &actor, asked).await?;
    Ok((StatusCode::CREATED, axum::Json(need.into())))
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
