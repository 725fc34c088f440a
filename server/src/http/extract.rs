//! Extractors whose rejections speak the API's error format: malformed JSON, a wrong
//! content type, an oversized body or a bad query string all become an [`ApiError`];
//! and the caller, an [`Actor`] proven by a bearer token.

use super::error::{ApiError, ErrorCode};
use crate::auth::jwt::TokenError;
use crate::service::Actor;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::json;

/// `axum::Json` with rejections in the API's error format.
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
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(from_json_rejection(&rejection, limit)),
        }
    }
}

fn from_json_rejection(rejection: &JsonRejection, limit: Option<usize>) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            ApiError::new(ErrorCode::InvalidBody).details(json!({ "reason": e.body_text() }))
        }
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::new(ErrorCode::BadJson).details(json!({ "reason": e.body_text() }))
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(ErrorCode::UnsupportedMediaType)
            .message(
                "请求体须为 JSON（Content-Type: application/json）",
                "the body must be JSON (Content-Type: application/json)",
            )
            .details(json!({ "expected": "application/json" })),
        JsonRejection::BytesRejection(e) => from_bytes_rejection(e, limit),
        other => ApiError::new(ErrorCode::BadJson).details(json!({ "reason": other.body_text() })),
    }
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
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !matches!(essence, "text/csv" | "application/gzip") {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType)
                .message(
                    "请上传 CSV 文件（text/csv 或 application/gzip）",
                    "upload a CSV file (text/csv or application/gzip)",
                )
                .details(
                    json!({ "expected": ["text/csv", "application/gzip"], "found": content_type }),
                ));
        }
        let limit = body_limit(&req);
        Bytes::from_request(req, state)
            .await
            .map(CsvBody)
            .map_err(|e| from_bytes_rejection(&e, limit))
    }
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
        let claims = state.keys.verify(token.trim()).map_err(token_error)?;
        Ok(Actor {
            id: claims.user_id().map_err(token_error)?,
            role: claims.role,
            unit: claims.unit,
        })
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
