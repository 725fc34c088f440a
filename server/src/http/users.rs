//! People, for the admins of their subtree: the list, adding one, resetting a password,
//! disabling and enabling, and changing a name, role or unit.

use super::error::{ApiError, ErrorBody};
use super::extract::{Admin, BodyLimit, Json, Path, Query, SheetBody};
use super::wire::{KeyPage, UserView};
use crate::db::users::Account;
use crate::service::Actor;
use crate::service::accounts::{self, Caller, NewAccount};
use crate::service::people::{self, PeopleQuery};
use crate::service::roster;
use crate::service::sheet::XLSX_MEDIA_TYPE;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use jianfu_core::Role;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route(
            "/users/import",
            post(import_roster).layer(BodyLimit(ROSTER_LIMIT_BYTES).layers()),
        )
        .route("/users/import/template", get(roster_template))
        .route("/users/{username}", patch(change))
        .route("/users/{username}/password", post(reset_password))
        .route("/users/{username}/disable", post(disable))
        .route("/users/{username}/enable", post(enable))
}

/// A person as the admin's list shows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    #[serde(flatten)]
    pub user: UserView,
    /// A disabled account cannot sign in; its tokens stopped working when it was disabled.
    pub disabled: bool,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        AccountView {
            user: a.user.into(),
            disabled: a.disabled,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeopleParams {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    /// cadre, reviewer or admin.
    pub role: Option<String>,
    pub limit: Option<u32>,
    /// `org_unit/username` of the last person of the previous page.
    pub after: Option<String>,
}

/// People of a subtree, in tree order then by username (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(PeopleParams),
    responses((status = 200, body = KeyPage<AccountView>), (status = 403, body = ErrorBody),
        (status = 422, description = "invalid_query", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<PeopleParams>,
) -> Result<axum::Json<KeyPage<AccountView>>, ApiError> {
    let asked = PeopleQuery {
        unit: query.unit.as_deref(),
        role: query.role.as_deref(),
        after: query.after.as_deref(),
        limit: query.limit,
    };
    Ok(axum::Json(KeyPage::of(
        people::list(&state.services, &actor, asked).await?,
    )))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewPassword {
    pub username: String,
    /// Shown once, here: it is stored only as a hash.
    pub password: String,
}

/// Give a person a new random password, shown once (admin of their subtree). Signs them
/// out everywhere.
#[utoipa::path(post, path = "/api/v1/users/{username}/password", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = NewPassword), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    actor: Actor,
    Path(username): Path<String>,
) -> Result<axum::Json<NewPassword>, ApiError> {
    let (account, password) = people::reset_password(&state.services, &actor, &username).await?;
    Ok(axum::Json(NewPassword {
        username: account.user.username,
        password,
    }))
}

/// Disable an account (admin of its subtree): it cannot sign in, its tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/users/{username}/disable", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 422, description = "validation_failed (own account)", body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    actor: Actor,
    Path(username): Path<String>,
) -> Result<axum::Json<AccountView>, ApiError> {
    let account = people::set_disabled(&state.services, &actor, &username, true).await?;
    Ok(axum::Json(account.into()))
}

/// Enable a disabled account again (admin of its subtree).
#[utoipa::path(post, path = "/api/v1/users/{username}/enable", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody)))]
pub async fn enable(
    State(state): State<AppState>,
    actor: Actor,
    Path(username): Path<String>,
) -> Result<axum::Json<AccountView>, ApiError> {
    let account = people::set_disabled(&state.services, &actor, &username, false).await?;
    Ok(axum::Json(account.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    pub display_name: Option<String>,
    #[schema(value_type = Option<String>, example = "reviewer")]
    pub role: Option<Role>,
    /// A unit inside the admin's subtree.
    pub org_unit: Option<String>,
    /// A reviewer's department (its unit must contain the reviewer's).
    pub department_id: Option<i64>,
}

/// Change a person's name, role, unit or (a reviewer's) department (admin of their
/// subtree). A role or unit change signs them out everywhere; a department change takes
/// effect on their next request. Audited.
#[utoipa::path(patch, path = "/api/v1/users/{username}", tag = "users", security(("bearer" = [])),
    params(("username" = String, Path)), request_body = ChangeRequest,
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody),
        (status = 404, description = "user_not_found, org_unit_not_found, department_not_found", body = ErrorBody),
        (status = 422, description = "validation_failed, invalid_division_code", body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    actor: Actor,
    Path(username): Path<String>,
    Json(request): Json<ChangeRequest>,
) -> Result<axum::Json<AccountView>, ApiError> {
    let asked = people::Change {
        display_name: request.display_name.as_deref(),
        role: request.role,
        org_unit: request.org_unit.as_deref(),
        department_id: request.department_id,
    };
    let account = people::change(&state.services, &actor, &username, asked).await?;
    Ok(axum::Json(account.into()))
}

/// A request to create a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    /// 3-32 characters: lowercase letters, digits, `.`, `_`, `-`.
    #[schema(example = "wang.li")]
    pub username: String,
    /// 8-128 characters.
    #[schema(example = "a long passphrase")]
    pub password: String,
    /// The name shown to reviewers; defaults to the username.
    #[schema(example = "王丽")]
    pub display_name: Option<String>,
    #[schema(value_type = String, example = "cadre")]
    pub role: Role,
    /// The division code of the user's unit: a village for a cadre.
    #[schema(example = "130928101201")]
    pub org_unit: String,
    /// A reviewer's department (`GET /api/v1/departments`), whose unit contains theirs;
    /// by default their unit's organization department, which sees whole reports. Only
    /// reviewers belong to a department.
    pub department_id: Option<i64>,
}

/// Create a user (admin, inside the admin's subtree).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = UserRequest,
    responses(
        (status = 201, body = UserView),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "org_unit_not_found, department_not_found", body = ErrorBody),
        (status = 409, description = "username_taken", body = ErrorBody),
        (status = 422, description = "validation_failed, invalid_division_code", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    Json(request): Json<UserRequest>,
) -> Result<(StatusCode, axum::Json<UserView>), ApiError> {
    let account = NewAccount {
        username: request.username,
        password: request.password,
        display_name: request.display_name,
        role: request.role,
        org_unit: request.org_unit,
        department_id: request.department_id,
    };
    let user = accounts::create(&state.services, Caller::Actor(&actor), account).await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

/// The largest roster upload.
pub const ROSTER_LIMIT_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check the roster and show what would be created, storing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// A posting read from a roster row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RosterPostingView {
    /// The row of the file.
    pub line: u64,
    /// The village.
    #[schema(example = "130928101201")]
    pub org_unit: String,
    #[schema(example = "城一村委会")]
    pub village_name: String,
    #[schema(example = "2026-03-01")]
    pub starts_on: String,
    /// Inclusive; null while the posting lasts.
    pub ends_on: Option<String>,
}

/// A cadre of a roster.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RosterCadreView {
    pub username: String,
    pub display_name: String,
    /// The new password, shown this once; null in a dry run.
    pub password: Option<String>,
    pub postings: Vec<RosterPostingView>,
}

/// What importing a roster did, or (in a dry run) would do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RosterView {
    pub dry_run: bool,
    /// Accounts created (0 in a dry run).
    pub created: usize,
    pub cadres: Vec<RosterCadreView>,
    /// Headers of columns the file has that the import does not use.
    pub ignored_columns: Vec<String>,
}

impl From<roster::Imported> for RosterView {
    fn from(i: roster::Imported) -> Self {
        RosterView {
            dry_run: i.dry_run,
            created: i.created,
            ignored_columns: i.ignored_columns,
            cadres: i
                .cadres
                .into_iter()
                .map(|c| RosterCadreView {
                    username: c.username,
                    display_name: c.display_name,
                    password: c.password,
                    postings: c
                        .postings
                        .into_iter()
                        .map(|p| RosterPostingView {
                            line: p.line,
                            org_unit: p.org_unit,
                            village_name: p.village_name,
                            starts_on: p.starts_on,
                            ends_on: p.ends_on,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Import cadres with their postings from a roster (admin): CSV or XLSX, a header row of
/// 姓名, 用户名 or 手机号, 村 (code or name), 开始日期, 结束日期. All or nothing; a dry run
/// checks and previews. Each new cadre's password is in the answer, this once.
#[utoipa::path(post, path = "/api/v1/users/import", tag = "people", security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "the roster, as CSV or as XLSX (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"),
    responses((status = 200, body = RosterView),
        (status = 403, description = "forbidden_role", body = ErrorBody),
        (status = 409, description = "username_taken (taken between the check and the write)", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 422, description = "import_invalid: details.errors lists {line, field, message_zh, message_en}", body = ErrorBody),
        (status = 503, description = "busy", body = ErrorBody)))]
pub async fn import_roster(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(query): Query<ImportQuery>,
    SheetBody(format, body): SheetBody,
) -> Result<axum::Json<RosterView>, ApiError> {
    let imported = roster::import(&state.services, &actor, &body, format, query.dry_run).await?;
    Ok(axum::Json(imported.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    /// xlsx (default) or csv.
    pub format: Option<String>,
}

/// The roster template to fill in (admin): XLSX with a sheet of notes, or CSV.
#[utoipa::path(get, path = "/api/v1/users/import/template", tag = "people", security(("bearer" = [])),
    params(TemplateQuery),
    responses((status = 200, description = "the template file: XLSX (default) or CSV", content(
            (super::exports::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"))),
        (status = 403, body = ErrorBody), (status = 422, description = "invalid_query", body = ErrorBody)))]
pub async fn roster_template(
    Admin(_): Admin,
    Query(query): Query<TemplateQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (bytes, media_type, name, ascii) = match query.format.as_deref() {
        None | Some("xlsx") => (
            roster::template_xlsx()?,
            XLSX_MEDIA_TYPE,
            "驻村干部花名册模板.xlsx",
            "roster_template.xlsx",
        ),
        Some("csv") => (
            roster::template_csv(),
            "text/csv; charset=utf-8",
            "驻村干部花名册模板.csv",
            "roster_template.csv",
        ),
        Some(other) => {
            return Err(ApiError::new(super::error::ErrorCode::InvalidQuery)
                .message(
                    format!("format 应为 xlsx 或 csv，收到 {other:?}"),
                    format!("format must be xlsx or csv, got {other:?}"),
                )
                .details(serde_json::json!({ "field": "format", "allowed": ["xlsx", "csv"], "value": other })));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                super::exports::content_disposition(name, ascii),
            ),
        ],
        bytes,
    )
        .into_response())
}
