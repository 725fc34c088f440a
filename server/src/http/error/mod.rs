//! The one error model of the API: every failure is JSON
//! `{code, message_zh, message_en, details}` with the right status.
//!
//! [`ErrorCode`] is the catalogue: each stable machine-readable code, its status and
//! its default messages live in the table below and nowhere else. The README lists
//! the same table, and a test keeps the two in step. How each refusal of the services
//! becomes one of these is in [`refusal`], once.

mod refusal;

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
    /// A path parameter is malformed (not a number, not UTF-8); `details.reason` says which.
    InvalidPath = ("invalid_path", UNPROCESSABLE_ENTITY, "路径参数不合法", "a path parameter is invalid"),
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
    /// The account is disabled: it cannot sign in, and its tokens no longer work.
    AccountDisabled = ("account_disabled", UNAUTHORIZED, "该账号已停用，请联系管理员", "this account is disabled: ask an admin"),
    /// The token no longer speaks for its account: signed out, or the account changed since (password, role, unit).
    TokenRevoked = ("token_revoked", UNAUTHORIZED, "登录已失效，请重新登录", "this sign-in is no longer valid: log in again"),
    /// Too many sign-in attempts for this account or from this address; `Retry-After` and `details.retry_after_seconds` say when to try again.
    TooManyAttempts = ("too_many_attempts", TOO_MANY_REQUESTS, "尝试次数过多，请稍后再试", "too many attempts: try again later"),
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
    /// No user has this username (or id).
    UserNotFound = ("user_not_found", NOT_FOUND, "没有这个用户", "no such user"),
    /// Postings and exemptions are for cadres only.
    NotACadre = ("not_a_cadre", UNPROCESSABLE_ENTITY, "该用户不是驻村干部", "this user is not a cadre"),
    /// The cadre already has a posting sharing a day with the new one; `details.existing` names it.
    PostingOverlaps = ("posting_overlaps", CONFLICT, "该干部在这段时间已有驻村安排", "the cadre already has a posting in these dates"),
    /// The cadre has no posting on the period's last day, so no report is expected.
    NotPosted = ("not_posted", UNPROCESSABLE_ENTITY, "您在该周期没有驻村安排", "you have no posting in this period"),
    /// No policy on this unit or any ancestor.
    PolicyNotFound = ("policy_not_found", NOT_FOUND, "该单位及其上级都没有设置填报规则", "no policy on this unit or any ancestor"),
    /// No template has this id.
    TemplateNotFound = ("template_not_found", NOT_FOUND, "没有这个模板", "no such template"),
    /// A template has more fields than the cap; `details.max`, `details.actual`.
    TooManyFields = ("too_many_fields", UNPROCESSABLE_ENTITY, "模板字段过多", "the template has too many fields"),
    /// Two fields ask the same thing (R3); `details.problems` names them.
    DuplicateField = ("duplicate_field", UNPROCESSABLE_ENTITY, "模板中有重复询问同一内容的字段", "two fields of the template ask the same thing"),
    /// A field would make a photo, screenshot or video required (R4).
    PhotoRequired = ("photo_required", UNPROCESSABLE_ENTITY, "不得要求照片、截图或视频作为证明", "a photo, screenshot or video may never be required"),
    /// A template field breaks a limit; `details.problems` lists each.
    InvalidField = ("invalid_field", UNPROCESSABLE_ENTITY, "模板字段不符合要求", "a template field is not acceptable"),
    /// The change would push the burden over the budget (R5); `details.arithmetic` shows why.
    BurdenOverBudget = ("burden_over_budget", UNPROCESSABLE_ENTITY, "填报负担超出预算", "the reporting burden would exceed the budget"),
    /// A cadence shorter than weekly without an active emergency (R1).
    CadenceBelowFloor = ("cadence_below_floor", UNPROCESSABLE_ENTITY, "填报周期不得短于每周（紧急状态除外）", "a cadence shorter than weekly needs an active emergency"),
    /// An emergency may last at most 14 days.
    EmergencyTooLong = ("emergency_too_long", UNPROCESSABLE_ENTITY, "紧急状态最长 14 天", "an emergency lasts at most 14 days"),
    /// A period key, due offset or grace is not acceptable; `details.reason` is the precise code.
    InvalidPeriod = ("invalid_period", UNPROCESSABLE_ENTITY, "周期或期限设置不合法", "the period or deadline is not valid"),
    /// The report is for a period of another cadence than the policy's.
    PeriodKindMismatch = ("period_kind_mismatch", UNPROCESSABLE_ENTITY, "周期类型与填报规则不符", "the period's kind is not the policy's cadence"),
    /// The period has not started yet.
    PeriodNotStarted = ("period_not_started", UNPROCESSABLE_ENTITY, "该周期尚未开始", "this period has not started yet"),
    /// The time zone is not in the time-zone database.
    UnknownTimeZone = ("unknown_time_zone", UNPROCESSABLE_ENTITY, "未知的时区", "unknown time zone"),
    /// The boundary is not a usable GeoJSON polygon.
    InvalidBoundary = ("invalid_boundary", UNPROCESSABLE_ENTITY, "边界不是有效的 GeoJSON 多边形", "the boundary is not a valid GeoJSON polygon"),
    /// A data need matches no field and brings no field to add.
    DataNeedUnmatched = ("data_need_unmatched", UNPROCESSABLE_ENTITY, "模板中没有对应字段，请提供新字段的定义", "no field answers this need; supply a field to add"),
    /// No department has this id (or none in your subtree).
    DepartmentNotFound = ("department_not_found", NOT_FOUND, "没有这个部门", "no such department"),
    /// The unit already has a department of this name; `details.existing` names it.
    DepartmentExists = ("department_exists", CONFLICT, "该单位已有同名部门", "the unit already has a department of this name"),
    /// The report's part is not the reviewer's department's: none of its data needs reach this village.
    NotReceived = ("not_received", FORBIDDEN, "该报告不含本部门所需的内容", "this report holds nothing your department asked for"),
    /// The report id is not a UUID.
    InvalidReportId = ("invalid_report_id", UNPROCESSABLE_ENTITY, "报告编号必须是 UUID", "the report id must be a UUID"),
    /// The report's content fails its checks; `details.problems` lists each (code, field, messages).
    ReportInvalid = ("report_invalid", UNPROCESSABLE_ENTITY, "报告内容未通过检查", "the report does not pass its checks"),
    /// The cadre already has a report for this period; `details.existing_id` names it: revise that one.
    ReportExistsForPeriod = ("report_exists_for_period", CONFLICT, "本周期已有报告，请修改原报告", "a report for this period exists: revise it"),
    /// The report id already names a different report.
    ReportIdTaken = ("report_id_taken", CONFLICT, "该报告编号已被另一份报告使用", "this report id is used by another report"),
    /// The period is locked; a reviewer must reopen it. `details.locks_at` says since when.
    PeriodLocked = ("period_locked", CONFLICT, "该周期已锁定，需审核人重新开放后才能修改", "the period is locked: a reviewer must reopen it"),
    /// The revision was made from another revision than the latest (or from none); `details.latest` is the latest: compare and choose.
    RevisionConflict = ("revision_conflict", CONFLICT, "报告已有更新的版本，请对照后再提交", "the report has a newer revision: compare before sending"),
    /// No report has this id (or it is not yours to see).
    ReportNotFound = ("report_not_found", NOT_FOUND, "没有这份报告", "no such report"),
    /// The database cannot be reached or cannot write (a full disk, a stopped server); try again after `Retry-After`.
    StorageUnavailable = ("storage_unavailable", SERVICE_UNAVAILABLE, "存储暂时不可用，请稍后重试", "storage is unavailable for now: try again later"),
    /// The server is busy with queued work (password checks); try again after `Retry-After`.
    Busy = ("busy", SERVICE_UNAVAILABLE, "服务器繁忙，请稍后重试", "the server is busy: try again shortly"),
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
    /// Seconds for `Retry-After` (a 503 says 5 unless told otherwise).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            message_zh: Cow::Borrowed(code.message_zh()),
            message_en: Cow::Borrowed(code.message_en()),
            details: json!({}),
            retry_after: None,
        }
    }

    /// Says when to try again, in the `Retry-After` header.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
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

    /// An error carrying a core check's findings: the first problem's messages and details,
    /// and every problem under `details.problems`.
    pub fn from_problems(code: ErrorCode, problems: &[jianfu_core::Problem]) -> Self {
        let mut error = ApiError::new(code);
        if let Some(first) = problems.first() {
            error = error
                .message(first.message_zh.clone(), first.message_en.clone())
                .details(first.details.clone());
        }
        error.details(json!({ "problems": problems }))
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
        let status = self.code.status();
        let code = self.code;
        let retry_after = self
            .retry_after
            .or((status == StatusCode::SERVICE_UNAVAILABLE).then_some(RETRY_AFTER_SECONDS));
        let mut body = self.body();
        // The request's id (see `observe::request`), so a user's report of an error can be
        // found in the log.
        if let (Some(id), Value::Object(details)) =
            (crate::observe::current_request_id(), &mut body.details)
        {
            details.insert("request_id".to_owned(), Value::from(&*id));
        }
        let mut response = (status, axum::Json(body)).into_response();
        // For the metrics layer: refusals counted by code.
        response.extensions_mut().insert(code);
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}

/// How long a client should wait before retrying after a 503.
const RETRY_AFTER_SECONDS: u64 = 5;

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
        let readme = include_str!("../../../../README.md");
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
