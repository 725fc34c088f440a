//! Exports as files (reviewers and admins, scoped like every list): reports and their
//! outcomes, and completeness, as CSV (UTF-8 with a BOM) or XLSX. Everything is checked
//! before the first byte, so a refusal is the usual JSON error; a CSV body then streams as
//! the database reads, and a workbook streams from the temporary file it was written to.

use super::error::{ApiError, ErrorBody};
use super::extract::Query;
use crate::service::Actor;
use crate::service::exports::{self, Lang, ReportsQuery, Table};
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde::Deserialize;
use std::fmt::Write as _;
use std::io;
use tokio::sync::mpsc;

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exports/reports.csv", get(reports_csv))
        .route("/exports/outcomes.csv", get(outcomes_csv))
        .route("/exports/reports.xlsx", get(reports_xlsx))
        .route("/exports/completeness.csv", get(completeness_csv))
        .route("/exports/completeness.xlsx", get(completeness_xlsx))
}

/// Which reports to export. There is no sort parameter: rows come in tree order (village
/// code), then by cadre name, then by period (R2).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportsExportQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    /// Reports whose period starts on or after this local date (YYYY-MM-DD).
    #[param(example = "2026-11-01")]
    pub from: Option<String>,
    /// Reports whose period starts on or before this local date (YYYY-MM-DD).
    #[param(example = "2026-11-30")]
    pub to: Option<String>,
    /// `zh` (default) or `en`: the language of headers and words.
    pub lang: Option<String>,
}

impl ReportsExportQuery {
    fn as_query(&self) -> ReportsQuery<'_> {
        ReportsQuery {
            unit: self.unit.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            lang: self.lang.as_deref(),
        }
    }
}

/// A file's bytes.
#[derive(Debug, utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// Reports as CSV, one row per report (reviewer, admin): ids, village and township names,
/// cadre, period, status, timeliness, revision, first received and last updated in the
/// policy's local time (the zone is named in the header), the number of outcomes, the
/// template fields in force, and days in the village. UTF-8 with a BOM; a cell that a
/// spreadsheet would take for a formula starts with a single quote.
#[utoipa::path(get, path = "/api/v1/exports/reports.csv", tag = "exports", security(("bearer" = [])),
    params(ReportsExportQuery),
    responses((status = 200, description = "the CSV file, streamed", content_type = "text/csv", body = String),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 422, description = "validation_failed (a date), invalid_query", body = ErrorBody)))]
pub async fn reports_csv(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ReportsExportQuery>,
) -> Result<Response, ApiError> {
    report_table_csv(&state, &actor, &query, Table::Reports).await
}

/// Outcomes as CSV, one row per outcome of the same reports as `reports.csv`: report id,
/// village, cadre, period, outcome id, category, what, for whom, status, quantity and
/// unit, whether it has a geotag (never the coordinates), the outcome it continues.
#[utoipa::path(get, path = "/api/v1/exports/outcomes.csv", tag = "exports", security(("bearer" = [])),
    params(ReportsExportQuery),
    responses((status = 200, description = "the CSV file, streamed", content_type = "text/csv", body = String),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 422, description = "validation_failed (a date), invalid_query", body = ErrorBody)))]
pub async fn outcomes_csv(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ReportsExportQuery>,
) -> Result<Response, ApiError> {
    report_table_csv(&state, &actor, &query, Table::Outcomes).await
}

async fn report_table_csv(
    state: &AppState,
    actor: &Actor,
    query: &ReportsExportQuery,
    table: Table,
) -> Result<Response, ApiError> {
    let export = exports::reports(&state.services, actor, query.as_query()).await?;
    let names = (
        export.file_name(table, export.lang(), "csv"),
        export.file_name(table, Lang::En, "csv"),
    );
    let (tx, rx) = mpsc::channel(2);
    tokio::spawn(export.csv(table, tx));
    Ok(file_response(CSV, &names, None, channel_body(rx)))
}

/// Reports as a workbook (reviewer, admin): the sheet of `reports.csv` and a second sheet
/// with the rows of `outcomes.csv`; dates and times as spreadsheet dates.
#[utoipa::path(get, path = "/api/v1/exports/reports.xlsx", tag = "exports", security(("bearer" = [])),
    params(ReportsExportQuery),
    responses((status = 200, description = "the workbook",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = FileBytes),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 422, description = "validation_failed (a date), invalid_query", body = ErrorBody)))]
pub async fn reports_xlsx(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<ReportsExportQuery>,
) -> Result<Response, ApiError> {
    let export = exports::reports(&state.services, &actor, query.as_query()).await?;
    let names = (
        export.file_name(Table::Reports, export.lang(), "xlsx"),
        export.file_name(Table::Reports, Lang::En, "xlsx"),
    );
    file_body(&names, export.xlsx().await?).await
}

/// Which completeness to export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompletenessExportQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    /// A period key; defaults to the period in force now for the unit's policy.
    #[param(example = "weekly:2026-11-16")]
    pub period: Option<String>,
    /// `zh` (default) or `en`.
    pub lang: Option<String>,
}

/// Completeness of one period as CSV (reviewer, admin): the counts per child unit and the
/// total, an empty line, then who is missing, late, sealed on time but delivered late, or
/// exempt, with their village — as `GET /api/v1/completeness` answers.
#[utoipa::path(get, path = "/api/v1/exports/completeness.csv", tag = "exports", security(("bearer" = [])),
    params(CompletenessExportQuery),
    responses((status = 200, description = "the CSV file", content_type = "text/csv", body = String),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody),
        (status = 422, description = "invalid_period, invalid_query", body = ErrorBody)))]
pub async fn completeness_csv(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<CompletenessExportQuery>,
) -> Result<Response, ApiError> {
    let export = completeness_of(&state, &actor, &query).await?;
    let names = (
        export.file_name(export.lang(), "csv"),
        export.file_name(Lang::En, "csv"),
    );
    let bytes = export.csv()?;
    let length = bytes.len() as u64;
    Ok(file_response(CSV, &names, Some(length), Body::from(bytes)))
}

/// Completeness of one period as a workbook (reviewer, admin): the counts on one sheet,
/// the people on another.
#[utoipa::path(get, path = "/api/v1/exports/completeness.xlsx", tag = "exports", security(("bearer" = [])),
    params(CompletenessExportQuery),
    responses((status = 200, description = "the workbook",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = FileBytes),
        (status = 403, description = "forbidden_role, out_of_scope", body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody),
        (status = 422, description = "invalid_period, invalid_query", body = ErrorBody)))]
pub async fn completeness_xlsx(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<CompletenessExportQuery>,
) -> Result<Response, ApiError> {
    let export = completeness_of(&state, &actor, &query).await?;
    let names = (
        export.file_name(export.lang(), "xlsx"),
        export.file_name(Lang::En, "xlsx"),
    );
    let file = tokio::task::spawn_blocking(move || export.xlsx())
        .await
        .map_err(|e| ApiError::internal(&e))??;
    file_body(&names, file).await
}

async fn completeness_of(
    state: &AppState,
    actor: &Actor,
    query: &CompletenessExportQuery,
) -> Result<exports::CompletenessExport, ApiError> {
    Ok(exports::completeness(
        &state.services,
        actor,
        query.unit.as_deref(),
        query.period.as_deref(),
        query.lang.as_deref(),
    )
    .await?)
}

/// A body that yields what the writer sends, and breaks off if it sends an error.
fn channel_body(rx: mpsc::Receiver<io::Result<Bytes>>) -> Body {
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }))
}

/// A finished workbook streamed from its temporary file.
async fn file_body(names: &(String, String), file: std::fs::File) -> Result<Response, ApiError> {
    let file = tokio::fs::File::from_std(file);
    let length = file
        .metadata()
        .await
        .map_err(|e| ApiError::internal(&e))?
        .len();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
    Ok(file_response(
        XLSX,
        names,
        Some(length),
        Body::from_stream(stream),
    ))
}

fn file_response(
    content_type: &'static str,
    names: &(String, String),
    length: Option<u64>,
    body: Body,
) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&names.0, &names.1)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    response
}

/// `attachment` with the name in UTF-8 (RFC 6266 / 5987) and a plain ASCII name for
/// clients that know only `filename`.
pub fn content_disposition(name: &str, ascii_name: &str) -> String {
    let plain: String = ascii_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_file_in_utf8_and_in_ascii() {
        assert_eq!(
            super::content_disposition("报告_130928.csv", "reports_130928.csv"),
            "attachment; filename=\"reports_130928.csv\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A_130928.csv"
        );
    }
}
