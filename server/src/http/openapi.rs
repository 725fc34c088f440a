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
        super::auth::me,
        super::org_units::list_children,
        super::org_units::get_one,
        super::org_units::create,
        super::org_units::import_csv,
        super::users::create,
        super::postings::create_posting,
        super::postings::list_postings,
        super::postings::create_exemption,
        super::postings::list_exemptions,
        super::templates::create_template,
        super::templates::update_template,
        super::templates::get_template,
        super::templates::list_templates,
        super::policies::get_policy,
        super::policies::put_policy,
        super::policies::declare_emergency,
        super::policies::list_emergencies,
        super::data_needs::register_data_need,
        super::data_needs::list_data_needs,
        super::policies::burden_ledger,
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
        super::oversight::audit_log,
    ),
    components(schemas(super::error::ErrorBody, super::org_units::LineErrorView)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login and the caller's identity"),
        (name = "org-units", description = "The administrative tree"),
        (name = "users", description = "People and their roles"),
        (name = "people", description = "Postings and exemptions"),
        (name = "policies", description = "Templates, policies, emergencies, data needs, the burden ledger"),
        (name = "reports", description = "One report per cadre and period; reviews; reopenings"),
        (name = "me", description = "The cadre's periods and what a draft needs"),
        (name = "oversight", description = "Completeness and the audit log"),
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

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/openapi.json",
        get(|| async { axum::Json(ApiDoc::openapi()) }),
    )
}
