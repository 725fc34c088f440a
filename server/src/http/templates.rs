//! Templates: typed fields that may not ask the same thing twice (R3) nor require a
//! photo (R4), within every budget of the policies using them (R5).

use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::wire::{Page, UnitPage};
use crate::service::Actor;
use crate::service::templates::{self, TemplateView as Stored};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use jianfu_core::template::Field;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/templates", get(list_templates).post(create_template))
        .route("/templates/{id}", get(get_template).put(update_template))
}

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
    /// `similar_field`: a field whose label reads like an earlier field's (走访户数 /
    /// 入户走访户数), with `details.existing_key`: if both ask one thing, keep one (R3).
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<jianfu_core::Problem>,
}

impl From<Stored> for TemplateView {
    fn from(stored: Stored) -> Self {
        TemplateView {
            id: stored.row.id,
            org_unit: stored.row.org_unit,
            name: stored.row.name,
            seconds_per_submission: stored.template.seconds_per_submission(),
            warnings: stored.template.similar_fields(),
            fields: stored.template.fields,
            updated_at: stored.row.updated_at,
        }
    }
}

/// Create a template (admin).
#[utoipa::path(post, path = "/api/v1/templates", tag = "policies", security(("bearer" = [])), request_body = TemplateRequest,
    responses((status = 201, body = TemplateView),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 422, description = "too_many_fields, duplicate_field, photo_required, invalid_field", body = ErrorBody)))]
pub async fn create_template(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<TemplateRequest>,
) -> Result<(StatusCode, axum::Json<TemplateView>), ApiError> {
    let created = templates::create(
        &state.services,
        &actor,
        request.org_unit.as_deref(),
        &request.name,
        request.fields,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(created.into())))
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
    actor: Actor,
    Path(id): Path<i64>,
    Json(request): Json<TemplateRequest>,
) -> Result<axum::Json<TemplateView>, ApiError> {
    let updated =
        templates::update(&state.services, &actor, id, &request.name, request.fields).await?;
    Ok(axum::Json(updated.into()))
}

/// One template (admin, reviewer): of the caller's subtree or of an ancestor.
#[utoipa::path(get, path = "/api/v1/templates/{id}", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TemplateView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_template(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<axum::Json<TemplateView>, ApiError> {
    Ok(axum::Json(
        templates::get(&state.services, &actor, id).await?.into(),
    ))
}

/// Templates owned by units in a subtree (admin, reviewer), by id.
#[utoipa::path(get, path = "/api/v1/templates", tag = "policies", security(("bearer" = [])), params(UnitPage),
    responses((status = 200, body = Page<TemplateView>), (status = 403, body = ErrorBody)))]
pub async fn list_templates(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UnitPage>,
) -> Result<axum::Json<Page<TemplateView>>, ApiError> {
    let page = templates::list(&state.services, &actor, query.as_ids()).await?;
    Ok(axum::Json(Page::of(page)))
}
