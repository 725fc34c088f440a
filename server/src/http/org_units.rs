//! The administrative tree: a unit with its path, its children page by page, creating
//! one unit, and bulk import.

use super::error::{ApiError, ErrorBody};
use super::extract::{Admin, BodyLimit, CsvBody, Json, Path, Query};
use super::wire::{KeyPage, OrgUnitView, mirror};
use crate::service::import::ImportSummary;
use crate::service::sheet::LineError;
use crate::service::{Actor, org_units};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

/// The largest import body: a whole province uncompressed is about 3 MB.
pub const IMPORT_LIMIT_BYTES: usize = 32 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/org-units", get(list_children).post(create))
        .route("/org-units/{code}", get(get_one))
        .route(
            "/org-units/import",
            post(import_csv).layer(BodyLimit(IMPORT_LIMIT_BYTES).layers()),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChildrenQuery {
    /// Whose children; defaults to the caller's own unit.
    pub parent: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// The last code of the previous page.
    pub after: Option<String>,
}

/// Children of a unit, in code order, one keyset page at a time.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "org-units", security(("bearer" = [])), params(ChildrenQuery),
    responses(
        (status = 200, body = KeyPage<OrgUnitView>),
        (status = 403, description = "out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found", body = ErrorBody),
        (status = 422, description = "invalid_query, invalid_division_code", body = ErrorBody),
    ))]
pub async fn list_children(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ChildrenQuery>,
) -> Result<axum::Json<KeyPage<OrgUnitView>>, ApiError> {
    let page = org_units::children(
        &state.services,
        &actor,
        query.parent.as_deref(),
        query.after.as_deref(),
        query.limit,
    )
    .await?;
    Ok(axum::Json(KeyPage::of(page)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgUnitWithPath {
    #[serde(flatten)]
    pub unit: OrgUnitView,
    /// Ancestors from the province down to the parent.
    pub path: Vec<OrgUnitView>,
}

/// One unit with its path to the root.
#[utoipa::path(get, path = "/api/v1/org-units/{code}", tag = "org-units", security(("bearer" = [])),
    params(("code" = String, Path, description = "Division code, 2/4/6/9/12 digits", example = "130928")),
    responses(
        (status = 200, body = OrgUnitWithPath),
        (status = 403, description = "out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found", body = ErrorBody),
        (status = 422, description = "invalid_division_code", body = ErrorBody),
    ))]
pub async fn get_one(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> Result<axum::Json<OrgUnitWithPath>, ApiError> {
    let found = org_units::with_path(&state.services, &actor, &code).await?;
    Ok(axum::Json(OrgUnitWithPath {
        unit: found.unit.into(),
        path: found.path.into_iter().map(OrgUnitView::from).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgUnit {
    /// The new unit's division code; its parent (the code's prefix) must exist.
    #[schema(example = "130928101299")]
    pub code: String,
    #[schema(example = "新村")]
    pub name: String,
}

/// Add one unit under an existing parent (admin, inside the admin's subtree).
#[utoipa::path(post, path = "/api/v1/org-units", tag = "org-units", security(("bearer" = [])), request_body = NewOrgUnit,
    responses(
        (status = 201, body = OrgUnitView),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 409, description = "org_unit_exists", body = ErrorBody),
        (status = 422, description = "validation_failed, invalid_division_code, parent_not_found", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    Json(new): Json<NewOrgUnit>,
) -> Result<(StatusCode, axum::Json<OrgUnitView>), ApiError> {
    let unit = org_units::create(&state.services, &actor, &new.code, &new.name).await?;
    Ok((StatusCode::CREATED, axum::Json(unit.into())))
}

mirror! {
    /// What an import did.
    ImportSummaryView from ImportSummary {
        /// Rows taken from the file (after the prefix filter, duplicates counted once).
        rows: usize,
        inserted: usize,
        /// Stored units whose name changed.
        updated: usize,
        unchanged: usize,
    }
}

mirror! {
    /// One problem in an import file.
    LineErrorView from LineError {
        /// 1-based line number in the (decompressed) file.
        line: u64,
        /// The column as the file names it (code, name, level, parent_code; 姓名, 村 …),
        /// or row for a problem with the row as a whole.
        field: String,
        message_zh: String,
        message_en: String,
    }
}

/// Import `code,name,level,parent_code` rows (CSV, optionally gzip). All or nothing:
/// new and renamed units must lie in the caller's subtree; identical rows are left alone.
#[utoipa::path(post, path = "/api/v1/org-units/import", tag = "org-units", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "code,name,level,parent_code rows"),
    responses(
        (status = 200, body = ImportSummaryView),
        (status = 403, description = "forbidden_role", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 422, description = "import_invalid: details.errors lists {line, field, message_zh, message_en} (see LineErrorView)", body = ErrorBody),
    ))]
pub async fn import_csv(
    State(state): State<AppState>,
    Admin(actor): Admin,
    CsvBody(body): CsvBody,
) -> Result<axum::Json<ImportSummaryView>, ApiError> {
    let summary = org_units::import_csv(&state.services, &actor, body).await?;
    Ok(axum::Json(summary.into()))
}
