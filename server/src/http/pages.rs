//! The static pages of `web/` (and the built browser module in `web/pkg/`): served as
//! files, with the API's JSON error for anything that is not there or not a GET/HEAD.

use axum::handler::HandlerWithoutStateExt;
use axum::routing::MethodRouter;
use std::path::Path;
use tower_http::services::ServeDir;

/// The service behind every path that is not under `/api/v1`.
pub fn service(web_dir: &Path) -> MethodRouter {
    let files = ServeDir::new(web_dir)
        .append_index_html_on_directories(true)
        .not_found_service(super::not_found.into_service());
    axum::routing::get_service(files).fallback(super::method_not_allowed)
}
