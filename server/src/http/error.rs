//! The one error model of the API: every failure is JSON
//! `{code, message_zh, message_en, details}` with the right status.
//!
//! [`ErrorCode`] is the catalogue: each stable machine-readable code, its status and
//! its default messages live in the table below and nowhere else. The README lists
//! the same table, and a test keeps the two in step.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use std::borrow::Cow;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $status:ident, $zh:literal, $en:literal), )*) => {
        /// Every error code the API returns.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status,)* }
            }

            pub fn message_zh(self) -> &'static str {
                match self { $(ErrorCode::$variant => $zh,)* }
            }

            pub fn message_en(self) -> &'static str {
                match self { $(ErrorCode::$variant => $en,)* }
            }
        }
    };
}

error_codes! {
    /// The body is not well-formed JSON.
    BadJson = ("bad_json", BAD_REQUEST, "请求体不是合法的 JSON", "the request body is not valid JSON"),
    /// The JSON is well-formed but a field is missing or has the wrong type.
    InvalidBody = ("invalid_body", UNPROCESSABLE_ENTITY, "请求体字段缺失或类型错误", "a field of the request body is missing or has the wrong type"),
    /// A query-string parameter is missing or malformed.
    InvalidQuery = ("invalid_query", UNPROCESSABLE_ENTITY, "查询参数不合法", "a query parameter is invalid"),
    /// A field's value breaks a rule (length, charset, range); `details.field` names it.
    ValidationFailed = ("validation_failed", UNPROCESSABLE_ENTITY, "字段值不符合要求", "a field's value is not acceptable"),
    /// The Content-Type is not one this endpoint takes.
    UnsupportedMediaType = ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "不支持的内容类型", "unsupported content type"),
    /// The body is larger than this endpoint accepts; `details.limit_bytes` says how large.
    PayloadTooLarge = ("payload_too_large", PAYLOAD_TOO_LARGE, "请求体过大", "the request body is too large"),
    /// No such route.
    NotFound = ("not_found", NOT_FOUND, "没有这个接口", "no such endpoint"),
    /// The route exists but not with this method.
    MethodNotAllowed = ("method_not_allowed", METHOD_NOT_ALLOWED, "该接口不支持此方法", "this endpoint does not support this method"),
    /// No bearer token was sent.
    Unauthenticated = ("unauthenticated", UNAUTHORIZED, "请先登录", "log in first: no bearer token was sent"),
    /// The token is malformed, forged, or uses an algorithm other than HS256.
    InvalidToken = ("invalid_token", UNAUTHORIZED, "登录凭证无效", "the token is invalid"),
    /// The token was valid but has expired.
    TokenExpired = ("token_expired", UNAUTHORIZED, "登录已过期，请重新登录", "the token has expired: log in again"),
    /// Wrong username or password (which one is not said).
    BadCredentials = ("bad_credentials", UNAUTHORIZED, "用户名或密码错误", "wrong username or password"),
    /// The caller's role may not do this.
    ForbiddenRole = ("forbidden_role", FORBIDDEN, "您的角色无权执行此操作", "your role may not do this"),
    /// The object lies outside the caller's subtree of the administrative tree.
    OutOfScope = ("out_of_scope", FORBIDDEN, "超出您的管辖范围", "this is outside your part of the administrative tree"),
    /// Not a division code (2, 4, 6, 9 or 12 digits).
    InvalidDivisionCode = ("invalid_division_code", UNPROCESSABLE_ENTITY, "行政区划代码不合法", "not a valid division code"),
    /// No stored org unit has this code.
    OrgUnitNotFound = ("org_unit_not_found", NOT_FOUND, "没有这个行政单位", "no org unit has this code"),
    /// An org unit with this code is already stored.
    OrgUnitExists = ("org_unit_exists", CONFLICT, "该行政单位已存在", "an org unit with this code already exists"),
    /// The parent of a new unit is not stored.
    ParentNotFound = ("parent_not_found", UNPROCESSABLE_ENTITY, "上级行政单位不存在", "the parent org unit does not exist"),
    /// An import file has bad rows; `details.errors` lists `{line, field, message}`. Nothing was stored.
    ImportInvalid = ("import_invalid", UNPROCESSABLE_ENTITY, "导入文件有错误，未导入任何数据", "the import file has errors; nothing was imported"),
    /// The username is already in use.
    UsernameTaken = ("username_taken", CONFLICT, "用户名已被使用", "the username is taken"),
    /// Something failed on the server; the detail is in the server log, not here.
    Internal = ("internal", INTERNAL_SERVER_ERROR, "服务器内部错误", "internal server error"),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (see the README's table).
    #[schema(example = "out_of_scope")]
    pub code: &'static str,
    #[schema(example = "超出您的管辖范围")]
    pub message_zh: Cow<'static, str>,
    #[schema(example = "this is outside your part of the administrative tree")]
    pub message_en: Cow<'static, str>,
    /// The numbers and names behind the error; an object, empty when there are none.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message_zh: Cow<'static, str>,
    message_en: Cow<'static, str>,
    details: Value,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            message_zh: Cow::Borrowed(code.message_zh()),
            message_en: Cow::Borrowed(code.message_en()),
            details: json!({}),
        }
    }

    /// A `validation_failed` error naming the field and saying what is wrong in both languages.
    pub fn invalid(
        field: &str,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError::new(ErrorCode::ValidationFailed)
            .message(zh, en)
            .details(json!({ "field": field }))
    }

    /// A 500 whose cause goes to the log, never to the client.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        ApiError::new(ErrorCode::Internal)
    }

    #[must_use]
    pub fn message(
        mut self,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.message_zh = zh.into();
        self.message_en = en.into();
        self
    }

    /// Merges the object `details` into the error's details.
    #[must_use]
    pub fn details(mut self, details: Value) -> Self {
        if let (Value::Object(into), Value::Object(from)) = (&mut self.details, details) {
            into.extend(from);
        }
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn body(self) -> ErrorBody {
        ErrorBody {
            code: self.code.as_str(),
            message_zh: self.message_zh,
            message_en: self.message_en,
            details: self.details,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.code.status(), axum::Json(self.body())).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::internal(&err)
    }
}

impl From<jianfu_core::DivisionCodeError> for ApiError {
    fn from(err: jianfu_core::DivisionCodeError) -> Self {
        use jianfu_core::DivisionCodeError as E;
        let (zh, en): (String, String) = match &err {
            E::NotDigits(text) => (
                format!("行政区划代码只能由数字组成，收到 {text:?}"),
                err.to_string(),
            ),
            E::BadLength(n) => (
                format!("行政区划代码应为 2、4、6、9 或 12 位数字，收到 {n} 位"),
                err.to_string(),
            ),
        };
        ApiError::new(ErrorCode::InvalidDivisionCode).message(zh, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_bilingual() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} listed twice");
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{text}"
            );
            assert!(code.status().is_client_error() || code.status().is_server_error());
            assert!(
                !code.message_zh().is_ascii(),
                "{text} needs a Chinese message"
            );
            assert!(
                code.message_en().is_ascii(),
                "{text} needs an English message"
            );
        }
    }

    #[test]
    fn the_readme_lists_every_code_with_its_status() {
        let readme = include_str!("../../../README.md");
        for code in ErrorCode::ALL {
            let row = format!("| `{}` | {} |", code.as_str(), code.status().as_u16());
            assert!(
                readme.contains(&row),
                "README.md lacks the row starting {row:?}"
            );
        }
    }

    #[test]
    fn details_merge_and_stay_an_object() {
        let body = ApiError::invalid("username", "太短", "too short")
            .details(json!({"min": 3}))
            .body();
        assert_eq!(body.code, "validation_failed");
        assert_eq!(body.details, json!({"field": "username", "min": 3}));
    }
}
