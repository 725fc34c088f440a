//! Extractors whose rejections speak the API's error format: malformed JSON, a wrong
//! content type, an oversized body or a bad query string all become an [`ApiError`];
//! and the caller, an [`Actor`] proven by a bearer token.

use super::error::{ApiError, ErrorCode};
use crate::auth::jwt::TokenError;
use crate::service::Actor;
use crate::service::sheet::{Format, XLSX_MEDIA_TYPE};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::json;

/// A JSON object body, with rejections in the API's error format. Every request body of
/// the API is an object: an array or a bare value is refused even where serde would
/// read a struct from an array (`["user", "pass"]` is not a login).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = body_limit(&req);
        if !is_json(&req) {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType)
                .message(
                    "请求体须为 JSON（Content-Type: application/json）",
                    "the body must be JSON (Content-Type: application/json)",
                )
                .details(json!({ "expected": "application/json" })));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| from_bytes_rejection(&e, limit))?;
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_some_and(|b| matches!(b, b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'))
            && serde_json::from_slice::<serde_json::Value>(&bytes).is_ok()
        {
            return Err(ApiError::new(ErrorCode::InvalidBody)
                .message("请求体须为 JSON 对象", "the body must be a JSON object")
                .details(json!({ "reason": "expected a JSON object" })));
        }
        serde_json::from_slice(&bytes).map(Json).map_err(|e| {
            let code = match e.classify() {
                serde_json::error::Category::Data => ErrorCode::InvalidBody,
                _ => ErrorCode::BadJson,
            };
            ApiError::new(code).details(json!({ "reason": e.to_string() }))
        })
    }
}

/// `application/json` or any `+json` type.
fn is_json(req: &Request) -> bool {
    let Some(value) = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn from_bytes_rejection(rejection: &BytesRejection, limit: Option<usize>) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let limit = limit.unwrap_or_default();
        ApiError::new(ErrorCode::PayloadTooLarge)
            .message(
                format!("请求体超过上限 {limit} 字节"),
                format!("the request body exceeds the limit of {limit} bytes"),
            )
            .details(json!({ "limit_bytes": limit }))
    } else {
        ApiError::new(ErrorCode::BadJson).details(json!({ "reason": rejection.body_text() }))
    }
}

/// The body limit in force for a route, recorded next to axum's `DefaultBodyLimit` so
/// that a 413 can say how large a body may be.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    /// Both layers for a router: the limit itself and its record for error messages.
    pub fn layers(self) -> (axum::extract::DefaultBodyLimit, axum::Extension<BodyLimit>) {
        (
            axum::extract::DefaultBodyLimit::max(self.0),
            axum::Extension(self),
        )
    }
}

fn body_limit(req: &Request) -> Option<usize> {
    req.extensions().get::<BodyLimit>().map(|l| l.0)
}

/// `axum::extract::Query` with rejections in the API's error format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection: QueryRejection| {
                ApiError::new(ErrorCode::InvalidQuery)
                    .details(json!({ "reason": rejection.body_text() }))
            })
    }
}

/// A CSV upload: `text/csv`, or gzip-compressed CSV as `application/gzip`.
#[derive(Debug, Clone)]
pub struct CsvBody(pub Bytes);

impl<S> FromRequest<S> for CsvBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (_, body) = upload(
            req,
            state,
            &["text/csv", "application/gzip"],
            (
                "请上传 CSV 文件（text/csv 或 application/gzip）",
                "upload a CSV file (text/csv or application/gzip)",
            ),
        )
        .await?;
        Ok(CsvBody(body))
    }
}

/// A sheet upload: CSV (`text/csv`) or XLSX.
#[derive(Debug, Clone)]
pub struct SheetBody(pub Format, pub Bytes);

impl<S> FromRequest<S> for SheetBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (essence, body) = upload(
            req,
            state,
            &["text/csv", XLSX_MEDIA_TYPE],
            ("请上传 CSV 或 XLSX 文件", "upload a CSV or XLSX file"),
        )
        .await?;
        let format = if essence == XLSX_MEDIA_TYPE {
            Format::Xlsx
        } else {
            Format::Csv
        };
        Ok(SheetBody(format, body))
    }
}

/// The body of an upload whose media type is one of `expected`, within the route's limit.
async fn upload<S: Send + Sync>(
    req: Request,
    state: &S,
    expected: &[&'static str],
    (zh, en): (&'static str, &'static str),
) -> Result<(&'static str, Bytes), ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let Some(&essence) = expected.iter().find(|e| e.eq_ignore_ascii_case(essence)) else {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType)
            .message(zh, en)
            .details(json!({ "expected": expected, "found": content_type })));
    };
    let limit = body_limit(&req);
    let body = Bytes::from_request(req, state)
        .await
        .map_err(|e| from_bytes_rejection(&e, limit))?;
    Ok((essence, body))
}

/// The caller, proven by a valid bearer token. What they may do is checked by the service
/// they call, with their role and subtree.
impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidToken)
                    .details(json!({ "reason": "expected `Authorization: Bearer <token>`" }))
            })?;
        let claims = state
            .keys
            .verify(token.trim(), crate::db::now())
            .map_err(token_error)?;
        Ok(crate::service::sessions::actor(&state.services, &claims).await?)
    }
}

fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Expired => ApiError::new(ErrorCode::TokenExpired),
        TokenError::Invalid(reason) => {
            ApiError::new(ErrorCode::InvalidToken).details(json!({ "reason": reason }))
        }
    }
}

/// The client's address, when the server knows it: the connection's, or — when the
/// connection comes from a trusted reverse proxy — the last address in `X-Forwarded-For`
/// that is not itself a trusted proxy.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(ClientAddr(client_of(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy, then the last
/// address of `X-Forwarded-For` that is not a trusted proxy (earlier ones are whatever
/// the client chose to write).
fn client_of(
    peer: Option<std::net::IpAddr>,
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer),
    )
}

/// `axum::extract::Path` with rejections in the API's error format. The reason names the
/// parameter and what it should be, never the raw input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => {
                let reason = match &rejection {
                    PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                        ErrorKind::ParseErrorAtKey {
                            key, expected_type, ..
                        } => format!("the path parameter {key} must be {expected_type}"),
                        ErrorKind::InvalidUtf8InPathParam { key } => {
                            format!("the path parameter {key} is not valid UTF-8")
                        }
                        _ => "a path parameter is malformed".to_owned(),
                    },
                    _ => "a path parameter is malformed".to_owned(),
                };
                Err(ApiError::new(ErrorCode::InvalidPath).details(json!({ "reason": reason })))
            }
        }
    }
}

/// The caller, refused unless an admin before anything else is read: for routes whose
/// body can be large (imports, outlines), a cadre's request is turned away before the
/// server buffers megabytes. The service checks again, as for every route.
#[derive(Debug, Clone)]
pub struct Admin(pub Actor);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let actor = Actor::from_request_parts(parts, state).await?;
        actor.require_role(&[jianfu_core::Role::Admin])?;
        Ok(Admin(actor))
    }
}

#[cfg(test)]
mod tests {
    use super::client_of;
    use axum::http::HeaderMap;

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        let proxy = [ip("127.0.0.1")];
        assert_eq!(
            client_of(Some(ip("127.0.0.1")), &headers, &proxy),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            client_of(Some(ip("198.51.100.1")), &headers, &proxy),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            client_of(Some(ip("127.0.0.1")), &headers, &[]),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(
            client_of(Some(ip("127.0.0.1")), &HeaderMap::new(), &proxy),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(client_of(None, &headers, &proxy), None);
    }
}
