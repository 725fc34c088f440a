//! People: creating accounts (admins in their subtree, or the command line anywhere),
//! checking a sign-in, and who the caller is.

use super::{Actor, Error, Result, Services, parse_code};
use crate::auth::password;
use crate::db::org_units::{self, OrgUnit};
use crate::db::users::{self, CreateError, NewUser, User};
use crate::db::{self, audit};
use jianfu_core::{Problem, Role};
use serde_json::json;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const DISPLAY_NAME_MAX: usize = 64;
/// Words that are paths under `/api/v1/users/`, so never usernames.
pub const RESERVED_USERNAMES: [&str; 1] = ["import"];

/// Who asks for a change that the command line can make too.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// A signed-in user, limited to their subtree.
    Actor(&'a Actor),
    /// The command line (or a test harness), named in the audit log; anywhere in the tree.
    System(&'a str),
}

/// A new account as asked for.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    /// The name shown to reviewers; defaults to the username.
    pub display_name: Option<String>,
    pub role: Role,
    /// The division code of the user's unit: a village for a cadre.
    pub org_unit: String,
    /// A reviewer's department; by default their unit's organization department.
    pub department_id: Option<i64>,
}

fn check_username(username: &str) -> Result<()> {
    username_problem(username).map_or(Ok(()), |problem| Err(Error::invalid(problem)))
}

/// Why `username` cannot be a username: 3 to 32 lowercase letters, digits or `. _ -`.
pub fn username_problem(username: &str) -> Option<Problem> {
    let chars = username.chars().count();
    let charset_ok = username
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if RESERVED_USERNAMES.contains(&username) {
        return Some(Problem::error(
            "invalid_username",
            "username",
            format!("用户名 {username} 是保留词，请换一个"),
            format!("{username} is a reserved word; choose another username"),
            json!({ "field": "username", "reserved": RESERVED_USERNAMES }),
        ));
    }
    if (USERNAME_MIN..=USERNAME_MAX).contains(&chars) && charset_ok {
        return None;
    }
    Some(Problem::error(
        "invalid_username",
        "username",
        format!(
            "用户名须为 {USERNAME_MIN} 到 {USERNAME_MAX} 个小写字母、数字或 . _ -，当前为 {chars} 个字符"
        ),
        format!(
            "a username has {USERNAME_MIN} to {USERNAME_MAX} lowercase letters, digits or . _ -; this one has {chars} characters"
        ),
        json!({ "field": "username", "min": USERNAME_MIN, "max": USERNAME_MAX, "actual": chars }),
    ))
}

/// Checks `account`, makes sure its unit exists (and lies in the actor's subtree), hashes
/// the password and stores the user with an audit entry.
pub async fn create(s: &Services, caller: Caller<'_>, account: NewAccount) -> Result<User> {
    if let Caller::Actor(actor) = caller {
        actor.require_role(&[Role::Admin])?;
    }
    let username = account.username.trim().to_owned();
    check_username(&username)?;
    let display_name = super::clean_text(
        "display_name",
        account.display_name.as_deref().unwrap_or(&username),
        jianfu_core::text::TextRule::line(1, DISPLAY_NAME_MAX),
    )?;
    password::check_new(&account.password, &username).map_err(Error::Invalid)?;
    let unit = parse_code(account.org_unit.trim(), "org_unit")?;
    if let Caller::Actor(actor) = caller {
        actor.require_scope(&unit)?;
    }
    if org_units::get(&s.db, &unit).await?.is_none() {
        return Err(Error::OrgUnitNotFound(unit));
    }
    let actor = match caller {
        Caller::Actor(actor) => Some(actor),
        Caller::System(_) => None,
    };
    let department_id =
        super::departments::for_account(s, actor, account.role, &unit, account.department_id)
            .await?;
    let new = NewUser {
        department_id,
        username,
        display_name,
        role: account.role,
        org_unit: unit.to_string(),
        password_hash: password::hash(account.password)
            .await
            .map_err(password_error)?,
    };
    let entry = match caller {
        Caller::Actor(actor) => {
            super::audit::entry(s, actor, "users.create", unit.as_str(), String::new())
        }
        Caller::System(name) => audit::Entry {
            at: db::now(),
            actor_id: None,
            actor: name.to_owned(),
            action: "users.create",
            scope: unit.to_string(),
            target: String::new(),
            before: None,
            after: None,
        },
    };
    users::create(&s.db, &new, entry)
        .await
        .map_err(|e| match e {
            CreateError::UsernameTaken(username) => Error::UsernameTaken { username },
            CreateError::Db(e) => Error::Storage(e),
        })
}

/// A password worker's failure as the service's error: a full queue is a 503.
pub fn password_error(e: password::PasswordError) -> Error {
    match e {
        password::PasswordError::Busy => Error::Busy,
        other => Error::internal(other),
    }
}

/// A signed-in account: who, and the token version to put in the token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub token_version: i64,
}

/// The account whose username and password these are, for a client at `from`. Every
/// attempt is counted first (per account and per address); the same argon2 work is done
/// whether or not the user exists, and the refusal does not say which was wrong. A
/// failure is logged with the address, never with the password.
pub async fn authenticate(
    s: &Services,
    username: &str,
    password: String,
    from: Option<std::net::IpAddr>,
) -> Result<SignedIn> {
    s.throttle.attempt(username, from)?;
    let username = username.trim();
    // A name that cannot be a username (a NUL, say) is never looked up, but costs the same.
    let credentials = match check_username(username) {
        Ok(()) => users::credentials(&s.db, username).await?,
        Err(_) => None,
    };
    let stored_hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let valid = password::verify(stored_hash, password)
        .await
        .map_err(password_error)?;
    let shown = if check_username(username).is_ok() {
        username
    } else {
        "(not a username)"
    };
    match credentials {
        Some(c) if valid && c.disabled => {
            tracing::warn!(username = shown, client = ?from, "sign-in to a disabled account");
            Err(Error::AccountDisabled)
        }
        Some(c) if valid => Ok(SignedIn {
            user: c.user,
            token_version: c.token_version,
        }),
        _ => {
            tracing::warn!(username = shown, client = ?from, "failed sign-in");
            Err(Error::BadCredentials)
        }
    }
}

/// Signs the actor out on every device: their tokens stop working at once.
pub async fn sign_out(s: &Services, actor: &Actor) -> Result<()> {
    let change = users::AccountChange {
        sign_out: true,
        ..users::AccountChange::default()
    };
    users::change(&s.db, actor.id, &change, None).await?;
    s.sessions.forget(actor.id);
    Ok(())
}

/// The caller's account and unit.
pub async fn me(s: &Services, actor: &Actor) -> Result<(User, OrgUnit)> {
    let user = users::get(&s.db, actor.id)
        .await?
        .ok_or(Error::UnknownAccount)?;
    let unit = org_units::get(&s.db, &actor.unit)
        .await?
        .ok_or_else(|| Error::OrgUnitNotFound(actor.unit.clone()))?;
    Ok((user, unit))
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
}
