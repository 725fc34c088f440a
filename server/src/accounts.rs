//! Creating people: the checks a new user passes before it is stored, shared by the
//! command line (`jianfu user add`) and the API (`POST /api/v1/users`).

use crate::auth::password;
use crate::db::{
    self, Db, audit,
    users::{CreateError, NewUser, User},
};
use crate::http::error::{ApiError, ErrorCode};
use jianfu_core::{DivisionCode, Role};
use serde::Deserialize;
use serde_json::json;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const DISPLAY_NAME_MAX: usize = 64;

/// A request to create a user, as given by an admin or on the command line.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    /// 3-32 characters: lowercase letters, digits, `.`, `_`, `-`.
    #[schema(example = "wang.li")]
    pub username: String,
    /// 8-128 characters.
    #[schema(example = "a long passphrase")]
    pub password: String,
    /// The name shown to reviewers; defaults to the username.
    #[schema(example = "王丽")]
    pub display_name: Option<String>,
    #[schema(value_type = String, example = "cadre")]
    pub role: Role,
    /// The division code of the user's unit: a village for a cadre.
    #[schema(example = "130928101201")]
    pub org_unit: String,
}

/// Who is creating the user.
#[derive(Debug, Clone)]
pub struct Creator {
    pub actor_id: Option<i64>,
    pub actor: String,
}

fn check_username(username: &str) -> Result<(), ApiError> {
    let chars = username.chars().count();
    let charset_ok = username
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if (USERNAME_MIN..=USERNAME_MAX).contains(&chars) && charset_ok {
        return Ok(());
    }
    Err(ApiError::invalid(
        "username",
        format!("用户名须为 {USERNAME_MIN} 到 {USERNAME_MAX} 个小写字母、数字或 . _ -，当前为 {chars} 个字符"),
        format!("a username has {USERNAME_MIN} to {USERNAME_MAX} lowercase letters, digits or . _ -; this one has {chars} characters"),
    )
    .details(json!({ "min": USERNAME_MIN, "max": USERNAME_MAX, "actual": chars })))
}

fn check_display_name(name: &str) -> Result<(), ApiError> {
    let chars = name.chars().count();
    if (1..=DISPLAY_NAME_MAX).contains(&chars) && !name.chars().any(char::is_control) {
        return Ok(());
    }
    Err(ApiError::invalid(
        "display_name",
        format!("显示名须为 1 到 {DISPLAY_NAME_MAX} 个字符，当前为 {chars} 个"),
        format!("a display name has 1 to {DISPLAY_NAME_MAX} characters, this one has {chars}"),
    )
    .details(json!({ "max": DISPLAY_NAME_MAX, "actual": chars })))
}

/// Checks `request`, makes sure the unit exists (and, with `scope`, lies inside it),
/// hashes the password and stores the user with an audit entry.
pub async fn create(
    db: &Db,
    request: UserRequest,
    scope: Option<&DivisionCode>,
    creator: Creator,
) -> Result<User, ApiError> {
    let username = request.username.trim().to_owned();
    check_username(&username)?;
    let display_name = request
        .display_name
        .as_deref()
        .map_or(username.as_str(), str::trim)
        .to_owned();
    check_display_name(&display_name)?;
    password::check_new(&request.password)?;
    let unit = DivisionCode::parse(request.org_unit.trim())
        .map_err(|e| ApiError::from(e).details(json!({ "field": "org_unit" })))?;
    if let Some(scope) = scope {
        if !scope.contains(&unit) {
            return Err(ApiError::new(ErrorCode::OutOfScope)
                .message(
                    format!("{unit} 不在您的管辖范围 {scope} 之内"),
                    format!("{unit} is outside your subtree {scope}"),
                )
                .details(json!({ "unit": unit, "scope": scope })));
        }
    }
    if db::org_units::get(db, &unit).await?.is_none() {
        return Err(ApiError::new(ErrorCode::OrgUnitNotFound)
            .details(json!({ "field": "org_unit", "code": unit })));
    }
    let new = NewUser {
        username,
        display_name,
        role: request.role,
        org_unit: unit.to_string(),
        password_hash: password::hash(request.password).await?,
    };
    let entry = audit::Entry {
        at: db::now(),
        actor_id: creator.actor_id,
        actor: creator.actor,
        action: "users.create",
        scope: unit.to_string(),
        target: String::new(),
        before: None,
        after: None,
    };
    db::users::create(db, &new, entry)
        .await
        .map_err(|e| match e {
            CreateError::UsernameTaken(name) => ApiError::new(ErrorCode::UsernameTaken)
                .message(
                    format!("用户名 {name} 已被使用"),
                    format!("the username {name} is taken"),
                )
                .details(json!({ "field": "username", "username": name })),
            CreateError::Db(e) => ApiError::from(e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_short_lowercase_words() {
        assert!(check_username("wang.li").is_ok());
        assert!(check_username("a_1-b").is_ok());
        assert!(check_username("ab").is_err());
        assert!(check_username("Wang").is_err());
        assert!(check_username("王丽").is_err());
        assert!(check_username(&"a".repeat(33)).is_err());
    }

    #[test]
    fn display_names_are_bounded() {
        assert!(check_display_name("王丽").is_ok());
        assert!(check_display_name("").is_err());
        assert!(check_display_name("a\u{0}b").is_err());
        assert!(check_display_name(&"名".repeat(65)).is_err());
    }
}
