//! Small pieces every resource handler uses: parsing codes, dates and page sizes into
//! clear errors, and the audit entry of a change made by the caller.

use super::error::{ApiError, ErrorCode};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{self, audit};
use jianfu_core::DivisionCode;
use jiff::civil::Date;
use serde_json::json;

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

pub fn parse_code(text: &str, field: &str) -> Result<DivisionCode, ApiError> {
    DivisionCode::parse(text)
        .map_err(|e| ApiError::from(e).details(json!({ "field": field, "value": text })))
}

/// The subtree a list or figure is about: `unit` when given, else the caller's own unit;
/// refused unless it lies inside the caller's subtree.
pub fn scoped_unit(auth: &AuthUser, unit: Option<&str>) -> Result<DivisionCode, ApiError> {
    let unit = match unit {
        Some(code) => parse_code(code, "unit")?,
        None => auth.unit.clone(),
    };
    auth.require_scope(&unit)?;
    Ok(unit)
}

/// A period key, or 422 `invalid_period` saying precisely what is wrong with it.
pub fn parse_period(key: &str) -> Result<jianfu_core::period::Period, ApiError> {
    jianfu_core::period::Period::parse_key(key).map_err(|e| {
        let p = e.to_problem("period");
        ApiError::new(ErrorCode::InvalidPeriod)
            .message(p.message_zh, p.message_en)
            .details(p.details)
            .details(json!({ "reason": e.code(), "field": "period" }))
    })
}

/// A local date `YYYY-MM-DD`.
pub fn parse_date(text: &str, field: &str) -> Result<Date, ApiError> {
    let plain = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    match text.parse::<Date>() {
        Ok(date) if plain => Ok(date),
        _ => Err(ApiError::invalid(
            field,
            format!("{field} 应为 YYYY-MM-DD 格式的日期，收到 {text:?}"),
            format!("{field} must be a date YYYY-MM-DD, got {text:?}"),
        )
        .details(json!({ "value": text }))),
    }
}

/// The page size, 1 to [`MAX_PAGE`], default [`DEFAULT_PAGE`].
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        return Ok(limit);
    }
    Err(ApiError::new(ErrorCode::InvalidQuery)
        .message(
            format!("limit 须在 1 到 {MAX_PAGE} 之间，收到 {limit}"),
            format!("limit must be 1 to {MAX_PAGE}, got {limit}"),
        )
        .details(json!({ "field": "limit", "min": 1, "max": MAX_PAGE, "actual": limit })))
}

/// A text field trimmed and between `min` and `max` characters.
pub fn text(value: &str, field: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    let chars = trimmed.chars().count();
    if (min..=max).contains(&chars) {
        return Ok(trimmed.to_owned());
    }
    Err(ApiError::invalid(
        field,
        format!("{field} 应为 {min} 到 {max} 个字符，实际 {chars} 个"),
        format!("{field} must have {min} to {max} characters, it has {chars}"),
    )
    .details(json!({ "min": min, "max": max, "actual": chars })))
}

/// The audit entry of a change by the caller, at the domain clock's now.
pub async fn entry(
    state: &AppState,
    auth: &AuthUser,
    action: &'static str,
    scope: &str,
    target: String,
) -> Result<audit::Entry, ApiError> {
    let actor = db::users::get(&state.db, auth.id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(audit::Entry {
        at: state.clock.now(),
        actor_id: Some(auth.id),
        actor,
        action,
        scope: scope.to_owned(),
        target,
        before: None,
        after: None,
    })
}

/// The user named `username`, refused unless they are inside the caller's subtree.
pub async fn user_in_scope(
    state: &AppState,
    auth: &AuthUser,
    username: &str,
) -> Result<db::users::User, ApiError> {
    let user = db::users::by_username(&state.db, username)
        .await?
        .ok_or_else(|| {
            ApiError::new(ErrorCode::UserNotFound)
                .message(
                    format!("没有用户名为 {username:?} 的用户"),
                    format!("no user is named {username:?}"),
                )
                .details(json!({ "field": "username", "value": username }))
        })?;
    auth.require_scope(&parse_code(&user.org_unit, "org_unit")?)?;
    Ok(user)
}
