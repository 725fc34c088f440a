//! The administrative tree: a unit with its path, its children page by page, creating
//! one unit, and bulk import. Everything is limited to the caller's subtree.

use super::error::{ApiError, ErrorBody, ErrorCode};
use super::extract::{BodyLimit, CsvBody, Json, Query};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{self, org_units::OrgUnit};
use crate::import::{self, ImportError, ImportSummary, Importer};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use jianfu_core::{DivisionCode, DivisionRow, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The largest import body: a whole province uncompressed is about 3 MB.
pub const IMPORT_LIMIT_BYTES: usize = 32 * 1024 * 1024;

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/org-units", get(list_children).post(create))
        .route("/org-units/{code}", get(get_one))
        .route(
            "/org-units/import",
            post(import_csv).layer(BodyLimit(IMPORT_LIMIT_BYTES).layers()),
        )
}

fn parse_code(text: &str, field: &str) -> Result<DivisionCode, ApiError> {
    DivisionCode::parse(text)
        .map_err(|e| ApiError::from(e).details(json!({ "field": field, "value": text })))
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChildrenPage {
    pub items: Vec<OrgUnit>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_after: Option<String>,
}

/// Children of a unit, in code order, one keyset page at a time.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "org-units", security(("bearer" = [])), params(ChildrenQuery),
    responses(
        (status = 200, body = ChildrenPage),
        (status = 403, description = "out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found", body = ErrorBody),
        (status = 422, description = "invalid_query, invalid_division_code", body = ErrorBody),
    ))]
pub async fn list_children(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<ChildrenQuery>,
) -> Result<axum::Json<ChildrenPage>, ApiError> {
    let parent = match &query.parent {
        Some(text) => parse_code(text, "parent")?,
        None => auth.unit.clone(),
    };
    auth.require_scope(&parent)?;
    let after = query
        .after
        .as_deref()
        .map(|a| parse_code(a, "after"))
        .transpose()?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::new(ErrorCode::InvalidQuery)
            .message(
                format!("limit 须在 1 到 {MAX_PAGE} 之间，收到 {limit}"),
                format!("limit must be 1 to {MAX_PAGE}, got {limit}"),
            )
            .details(json!({ "field": "limit", "min": 1, "max": MAX_PAGE, "actual": limit })));
    }
    if db::org_units::get(&state.db, &parent).await?.is_none() {
        return Err(not_found(&parent));
    }
    let mut items = db::org_units::children(&state.db, &parent, after.as_ref(), limit + 1).await?;
    let next_after = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|u| u.code.clone())
    } else {
        None
    };
    Ok(axum::Json(ChildrenPage { items, next_after }))
}

pub fn not_found(code: &DivisionCode) -> ApiError {
    ApiError::new(ErrorCode::OrgUnitNotFound)
        .message(
            format!("没有代码为 {code} 的行政单位"),
            format!("no org unit has the code {code}"),
        )
        .details(json!({ "code": code }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgUnitWithPath {
    #[serde(flatten)]
    pub unit: OrgUnit,
    /// Ancestors from the province down to the parent.
    pub path: Vec<OrgUnit>,
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
    auth: AuthUser,
    Path(code): Path<String>,
) -> Result<axum::Json<OrgUnitWithPath>, ApiError> {
    let code = parse_code(&code, "code")?;
    auth.require_scope(&code)?;
    let unit = db::org_units::get(&state.db, &code)
        .await?
        .ok_or_else(|| not_found(&code))?;
    let ancestors: Vec<DivisionCode> = code.path().into_iter().filter(|c| *c != code).collect();
    let ancestor_codes: Vec<&str> = ancestors.iter().map(DivisionCode::as_str).collect();
    let path = db::org_units::get_many(&state.db, &ancestor_codes).await?;
    Ok(axum::Json(OrgUnitWithPath { unit, path }))
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
        (status = 201, body = OrgUnit),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 409, description = "org_unit_exists", body = ErrorBody),
        (status = 422, description = "validation_failed, invalid_division_code, parent_not_found", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(new): Json<NewOrgUnit>,
) -> Result<(StatusCode, axum::Json<OrgUnit>), ApiError> {
    auth.require_role(&[Role::Admin])?;
    let code = parse_code(new.code.trim(), "code")?;
    auth.require_scope(&code)?;
    let row = DivisionRow::new(code.clone(), &new.name).map_err(|e| {
        ApiError::invalid(
            e.field(),
            "名称须为 1 到 64 个字符，不含控制字符",
            e.to_string(),
        )
    })?;
    let parent = code.parent().ok_or_else(|| {
        ApiError::new(ErrorCode::ParentNotFound)
            .details(json!({ "code": code, "reason": "a province has no parent to attach to" }))
    })?;
    if db::org_units::get(&state.db, &code).await?.is_some() {
        return Err(ApiError::new(ErrorCode::OrgUnitExists).details(json!({ "code": code })));
    }
    if db::org_units::get(&state.db, &parent).await?.is_none() {
        return Err(ApiError::new(ErrorCode::ParentNotFound)
            .message(
                format!("上级单位 {parent} 不存在"),
                format!("the parent unit {parent} does not exist"),
            )
            .details(json!({ "code": code, "parent_code": parent })));
    }
    let importer = importer(&state, &auth).await?;
    let file = import::ParsedFile {
        rows: vec![(1, row)],
    };
    match import::apply(&state.db, &file, &importer).await {
        Ok(_) => {}
        Err(ImportError::Db(e)) if db::is_unique_violation(&e) => {
            return Err(ApiError::new(ErrorCode::OrgUnitExists).details(json!({ "code": code })));
        }
        Err(e) => return Err(import_error(e)),
    }
    let unit = db::org_units::get(&state.db, &code)
        .await?
        .ok_or_else(|| not_found(&code))?;
    Ok((StatusCode::CREATED, axum::Json(unit)))
}

async fn importer(state: &AppState, auth: &AuthUser) -> Result<Importer, ApiError> {
    let actor = db::users::get(&state.db, auth.id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(Importer {
        actor_id: Some(auth.id),
        actor,
        scope: Some(auth.unit.clone()),
    })
}

fn import_error(err: ImportError) -> ApiError {
    match err {
        ImportError::Invalid { error_count, errors } => ApiError::new(ErrorCode::ImportInvalid)
            .message(
                format!("导入文件有 {error_count} 处错误，未导入任何数据"),
                format!("the import file has {error_count} errors; nothing was imported"),
            )
            .details(json!({ "error_count": error_count, "errors": errors })),
        ImportError::Io(e) => ApiError::new(ErrorCode::ImportInvalid)
            .message("无法读取上传的文件", format!("cannot read the uploaded file: {e}"))
            .details(json!({ "error_count": 1, "errors": [{ "line": 0, "field": "row", "message": e.to_string() }] })),
        ImportError::Db(e) => ApiError::from(e),
    }
}

/// Import `code,name,level,parent_code` rows (CSV, optionally gzip). All or nothing:
/// new and renamed units must lie in the caller's subtree; identical rows are left alone.
#[utoipa::path(post, path = "/api/v1/org-units/import", tag = "org-units", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "code,name,level,parent_code rows"),
    responses(
        (status = 200, body = ImportSummary),
        (status = 403, description = "forbidden_role", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 422, description = "import_invalid: details.errors lists {line, field, message}", body = ErrorBody),
    ))]
pub async fn import_csv(
    State(state): State<AppState>,
    auth: AuthUser,
    CsvBody(body): CsvBody,
) -> Result<axum::Json<ImportSummary>, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let parsed = tokio::task::spawn_blocking(move || import::parse(body.as_ref(), None))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(import_error)?;
    let importer = importer(&state, &auth).await?;
    let summary = import::apply(&state.db, &parsed, &importer)
        .await
        .map_err(import_error)?;
    Ok(axum::Json(summary))
}
