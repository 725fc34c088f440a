//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`.

use crate::app::AppState;
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
    ),
    components(schemas(super::error::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login and the caller's identity"),
        (name = "org-units", description = "The administrative tree"),
        (name = "users", description = "People and their roles"),
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
