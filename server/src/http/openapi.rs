//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`.

use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "jianfu API", description = "减负: outcome-based periodic reporting instead of daily punch-ins. \
        Every error is `{code, message_zh, message_en, details}`."),
    paths(
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::org_units::list_children,
        super::org_units::get_one,
        super::org_units::create,
        super::org_units::import_csv,
        super::users::create,
        super::users::import_roster,
        super::users::roster_template,
        super::users::list,
        super::users::change,
        super::users::reset_password,
        super::users::disable,
        super::users::enable,
        super::postings::create_posting,
        super::postings::end_posting,
        super::postings::preview_exemption,
        super::postings::list_postings,
        super::postings::create_exemption,
        super::postings::list_exemptions,
        super::templates::create_template,
        super::templates::update_template,
        super::templates::get_template,
        super::templates::list_templates,
        super::policies::get_policy,
        super::policies::put_policy,
        super::policies::preview_policy,
        super::policies::declare_emergency,
        super::policies::list_emergencies,
        super::policies::end_emergency,
        super::data_needs::register_data_need,
        super::data_needs::list_data_needs,
        super::policies::burden_ledger,
        super::departments::create_department,
        super::departments::list_departments,
        super::departments::department_burden,
        super::boundaries::put_boundary,
        super::boundaries::get_boundary,
        super::reports::put,
        super::reports::get_one,
        super::reports::list,
        super::reports::review,
        super::reports::reopen,
        super::me::my_periods,
        super::me::period_context,
        super::oversight::completeness,
        super::oversight::status_grid,
        super::oversight::periods,
        super::oversight::audit_log,
        super::exports::reports_csv,
        super::exports::outcomes_csv,
        super::exports::reports_xlsx,
        super::exports::completeness_csv,
        super::exports::completeness_xlsx,
    ),
    components(schemas(super::error::ErrorBody, super::org_units::LineErrorView)),
    modifiers(&BearerAuth, &CommonErrors),
    tags(
        (name = "auth", description = "Login and the caller's identity"),
        (name = "org-units", description = "The administrative tree"),
        (name = "users", description = "People and their roles"),
        (name = "people", description = "Postings and exemptions"),
        (name = "policies", description = "Templates, policies, emergencies, data needs, the burden ledger"),
        (name = "departments", description = "Departments (一表通): each sees and reviews its part of a report; who asks for what"),
        (name = "reports", description = "One report per cadre and period; reviews; reopenings"),
        (name = "me", description = "The cadre's periods and what a draft needs"),
        (name = "oversight", description = "Completeness and the audit log"),
        (name = "exports", description = "Reports, outcomes and completeness as CSV or XLSX files"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The errors any operation can answer besides its own, added where an operation does
/// not list them: a token that is missing, invalid, expired or revoked (401) or a role or
/// subtree that may not (403) on every secured operation; a body that is not JSON (400),
/// too large (413), of another type (415) or invalid (422) where there is a body; a path
/// or query parameter that is malformed (422) where there are parameters, and not found
/// (404) behind a path parameter; and storage or password checks unavailable for now
/// (503), everywhere. Every one is an `ErrorBody`.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in &mut openapi.paths.paths {
            let in_path = path.contains('{');
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let has_params =
                    in_path || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                };
                if secured {
                    add(
                        "401",
                        "unauthenticated, invalid_token, token_expired, token_revoked, account_disabled",
                    );
                    add("403", "forbidden_role, out_of_scope");
                }
                if has_body {
                    add("400", "bad_json");
                    add("413", "payload_too_large");
                    add("415", "unsupported_media_type");
                    add("422", "invalid_body, validation_failed");
                }
                if has_params {
                    add("422", "invalid_path, invalid_query");
                }
                if in_path {
                    add("404", "not found");
                }
                add("503", "storage_unavailable, busy (Retry-After)");
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/openapi.json",
        get(|| async { axum::Json(ApiDoc::openapi()) }),
    )
}
