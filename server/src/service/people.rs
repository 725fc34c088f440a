//! Admins managing the people of their subtree: the list, a password reset (the new
//! password shown once), disabling and enabling, and changing a name, role or unit. Every
//! change but the display name signs the person out everywhere (their tokens stop working
//! at once), and every change is audited with before and after.

use super::accounts::{DISPLAY_NAME_MAX, password_error};
use super::{Actor, Error, Result, Services, clean_text, parse_code};
use crate::auth::password;
use crate::db::org_units;
use crate::db::page::{Page, Window};
use crate::db::users::{self, Account, AccountChange};
use jianfu_core::text::TextRule;
use jianfu_core::{DivisionCode, Problem, Role};
use serde_json::json;

/// The filters of the people list, as given.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeopleQuery<'a> {
    pub unit: Option<&'a str>,
    pub role: Option<&'a str>,
    /// `org_unit/username` of the last person of the previous page.
    pub after: Option<&'a str>,
    pub limit: Option<u32>,
}

/// People whose unit lies in a subtree, in tree order then by username (admins).
pub async fn list(
    s: &Services,
    actor: &Actor,
    query: PeopleQuery<'_>,
) -> Result<Page<Account, String>> {
    actor.require_role(&[Role::Admin])?;
    let unit = actor.scoped(query.unit)?;
    let role = query
        .role
        .map(|r| {
            r.parse::<Role>().map_err(|_| {
                Error::invalid_query(Problem::error(
                    "unknown_role",
                    "role",
                    format!("未知的角色 {r:?}，应为 cadre、reviewer 或 admin"),
                    format!("unknown role {r:?}: cadre, reviewer or admin"),
                    json!({ "field": "role", "allowed": ["cadre", "reviewer", "admin"] }),
                ))
            })
        })
        .transpose()?;
    let after = match query.after {
        Some(cursor) => {
            let (unit, name) = cursor.split_once('/').ok_or_else(|| bad_cursor(cursor))?;
            (parse_code(unit, "after")?.to_string(), name.to_owned())
        }
        None => (String::new(), String::new()),
    };
    let window = Window {
        after,
        limit: super::page_limit(query.limit)?,
    };
    let rows = users::in_subtree(&s.db, &unit, role, &window).await?;
    Ok(window.page(rows, |a| format!("{}/{}", a.user.org_unit, a.user.username)))
}

fn bad_cursor(cursor: &str) -> Error {
    Error::invalid_query(Problem::error(
        "bad_cursor",
        "after",
        "after 应为上一页最后一人的 单位代码/用户名",
        "after must be the org_unit/username of the last person of the previous page",
        json!({ "field": "after", "value": cursor.chars().take(80).collect::<String>() }),
    ))
}

/// The account named `username`, refused unless it lies in the admin's subtree.
async fn in_scope(s: &Services, actor: &Actor, username: &str) -> Result<users::User> {
    actor.require_role(&[Role::Admin])?;
    let user = users::by_username(&s.db, username)
        .await?
        .ok_or_else(|| Error::UserNotFound {
            username: username.chars().take(64).collect(),
        })?;
    actor.require_scope(&parse_code(&user.org_unit, "org_unit")?)?;
    Ok(user)
}

async fn apply(
    s: &Services,
    actor: &Actor,
    user: &users::User,
    change: &AccountChange<'_>,
    action: &'static str,
) -> Result<Account> {
    let entry = super::audit::entry(
        s,
        actor,
        action,
        &user.org_unit,
        format!("user:{}", user.id),
    );
    let account = users::change(&s.db, user.id, change, Some(entry))
        .await?
        .ok_or_else(|| Error::UserNotFound {
            username: user.username.clone(),
        })?;
    s.sessions.forget(user.id);
    // A cadre's postings are cached with their name (the answer to a submission shows it).
    s.contexts.invalidate();
    Ok(account)
}

/// Gives `username` a new random password, returned once and never stored in clear.
pub async fn reset_password(
    s: &Services,
    actor: &Actor,
    username: &str,
) -> Result<(Account, String)> {
    let user = in_scope(s, actor, username).await?;
    let new = password::generate();
    let hash = password::hash(new.clone()).await.map_err(password_error)?;
    let change = AccountChange {
        password_hash: Some(&hash),
        ..AccountChange::default()
    };
    let account = apply(s, actor, &user, &change, "users.password_reset").await?;
    Ok((account, new))
}

/// Disables or enables `username`. A disabled account cannot sign in and its tokens stop
/// working at once. An admin cannot disable their own account.
pub async fn set_disabled(
    s: &Services,
    actor: &Actor,
    username: &str,
    disabled: bool,
) -> Result<Account> {
    let user = in_scope(s, actor, username).await?;
    if disabled && user.id == actor.id {
        return Err(Error::invalid(Problem::error(
            "own_account",
            "username",
            "不能停用自己的账号",
            "you cannot disable your own account",
            json!({ "field": "username" }),
        )));
    }
    let change = AccountChange {
        disabled: Some(disabled),
        ..AccountChange::default()
    };
    let action = if disabled {
        "users.disable"
    } else {
        "users.enable"
    };
    apply(s, actor, &user, &change, action).await
}

/// A change of name, role or unit, as asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Change<'a> {
    pub display_name: Option<&'a str>,
    pub role: Option<Role>,
    pub org_unit: Option<&'a str>,
    /// A reviewer's department.
    pub department_id: Option<i64>,
}

/// Changes `username`'s name, role or unit (inside the admin's subtree).
pub async fn change(
    s: &Services,
    actor: &Actor,
    username: &str,
    asked: Change<'_>,
) -> Result<Account> {
    let user = in_scope(s, actor, username).await?;
    let display_name = asked
        .display_name
        .map(|name| clean_text("display_name", name, TextRule::line(1, DISPLAY_NAME_MAX)))
        .transpose()?;
    let unit = asked
        .org_unit
        .map(|u| parse_code(u, "org_unit"))
        .transpose()?;
    if let Some(unit) = &unit {
        actor.require_scope(unit)?;
        if org_units::get(&s.db, unit).await?.is_none() {
            return Err(Error::OrgUnitNotFound(unit.clone()));
        }
    }
    // The department follows the role and unit as they will be: named, kept (when it
    // still contains the unit), the unit's organization department, or none.
    let role = asked.role.unwrap_or(user.role);
    let new_unit = match &unit {
        Some(unit) => unit.clone(),
        None => parse_code(&user.org_unit, "org_unit")?,
    };
    let kept = match (asked.department_id, user.department_id, role) {
        (None, Some(kept), Role::Reviewer) => crate::db::departments::get(&s.db, kept)
            .await?
            .filter(|d| DivisionCode::parse(&d.org_unit).is_ok_and(|home| home.contains(&new_unit)))
            .map(|d| d.id),
        _ => None,
    };
    let department_id = match kept {
        Some(kept) => Some(kept),
        None => {
            super::departments::for_account(s, Some(actor), role, &new_unit, asked.department_id)
                .await?
        }
    };
    let unit_text = unit.map(|u| u.to_string());
    let change = AccountChange {
        display_name: display_name.as_deref(),
        role: asked.role,
        org_unit: unit_text.as_deref(),
        department_id: (department_id != user.department_id).then_some(department_id),
        ..AccountChange::default()
    };
    apply(s, actor, &user, &change, "users.change").await
}
