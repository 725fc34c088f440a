//! Storage of people: one role and one org unit each, an argon2 hash, never a password.

use super::readers::{Reads, on_reader};
use super::{BeginWrite, Db, audit, on_pool};
use jianfu_core::Role;
use serde::Serialize;
use sqlx::FromRow;
use tracing::instrument;

/// A user as stored, without the hash (serialised into audit entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// The division code of the unit the user serves or oversees.
    pub org_unit: String,
    /// The department a reviewer reviews for (see `db::departments`); none for others.
    pub department_id: Option<i64>,
}

/// A user with the stored password hash and account state, for login only.
#[derive(Debug, Clone, FromRow)]
pub struct Credentials {
    #[sqlx(flatten)]
    pub user: User,
    pub password_hash: String,
    pub disabled: bool,
    pub token_version: i64,
}

/// What a token is checked against on every request: the account as it is now.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Account {
    #[sqlx(flatten)]
    pub user: User,
    pub disabled: bool,
    pub token_version: i64,
}

/// A checked user about to be stored.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_unit: String,
    pub password_hash: String,
    /// A reviewer's department.
    pub department_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("username {0:?} is taken")]
    UsernameTaken(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

const COLUMNS: &str = "id, username, display_name, role, org_unit, department_id";

#[instrument(skip_all)]
pub async fn credentials(db: &Db, username: &str) -> Result<Option<Credentials>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, password_hash, disabled, token_version FROM users WHERE username = $1"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(username).fetch_optional(pool).await)
}

/// The account of user `id` as it stands, for checking a token.
#[instrument(skip_all)]
pub async fn account(src: &impl Reads, id: i64) -> Result<Option<Account>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS}, disabled, token_version FROM users WHERE id = $1");
    on_reader!(src, c => sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await)
}

/// Accounts whose unit lies inside `scope`, in tree order then by username: one keyset
/// page after `(org_unit, username)`.
#[instrument(skip_all)]
pub async fn in_subtree(
    db: &Db,
    scope: &jianfu_core::DivisionCode,
    role: Option<Role>,
    window: &super::page::Window<(String, String)>,
) -> Result<Vec<Account>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "SELECT {COLUMNS}, disabled, token_version FROM users WHERE org_unit >= $1 AND org_unit < $2 \
         AND ($3 IS NULL OR role = $3) AND (org_unit > $4 OR (org_unit = $4 AND username > $5)) \
         ORDER BY org_unit, username LIMIT $6"
    );
    let (after_unit, after_name) = &window.after;
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(role.map(Role::as_str)).bind(after_unit).bind(after_name)
        .bind(window.fetch())
        .fetch_all(pool).await)
}

/// A change to an account, made with its audit entry in one transaction. Every change
/// but the display name bumps the token version, so tokens issued before stop working.
#[derive(Debug, Clone, Default)]
pub struct AccountChange<'a> {
    pub display_name: Option<&'a str>,
    pub role: Option<Role>,
    pub org_unit: Option<&'a str>,
    pub disabled: Option<bool>,
    pub password_hash: Option<&'a str>,
    /// A reviewer's new department (`Some(None)` clears it: the account is no reviewer).
    pub department_id: Option<Option<i64>>,
    /// Sign out every device, with nothing else changed.
    pub sign_out: bool,
}

impl AccountChange<'_> {
    fn revokes_tokens(&self) -> bool {
        self.sign_out
            || self.role.is_some()
            || self.org_unit.is_some()
            || self.disabled == Some(true)
            || self.password_hash.is_some()
    }
}

/// Applies `change` to user `id`; `None` when there is no such user. The audit entry's
/// `before` and `after` are filled here, from the rows read and written.
#[instrument(skip_all)]
pub async fn change(
    db: &Db,
    id: i64,
    change: &AccountChange<'_>,
    mut entry: Option<audit::Entry>,
) -> Result<Option<Account>, sqlx::Error> {
    let select = format!("SELECT {COLUMNS}, disabled, token_version FROM users WHERE id = $1");
    const UPDATE: &str = "UPDATE users SET display_name = COALESCE($1, display_name), \
         role = COALESCE($2, role), org_unit = COALESCE($3, org_unit), \
         disabled = COALESCE($4, disabled), password_hash = COALESCE($5, password_hash), \
         token_version = token_version + $6, \
         department_id = CASE WHEN $8 THEN $9 ELSE department_id END WHERE id = $7";
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let Some(before): Option<Account> = sqlx::query_as(&select).bind(id).fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        sqlx::query(UPDATE)
            .bind(change.display_name).bind(change.role.map(Role::as_str)).bind(change.org_unit)
            .bind(change.disabled).bind(change.password_hash)
            .bind(i64::from(change.revokes_tokens())).bind(id)
            .bind(change.department_id.is_some()).bind(change.department_id.flatten())
            .execute(&mut *tx).await?;
        let after: Account = sqlx::query_as(&select).bind(id).fetch_one(&mut *tx).await?;
        if let Some(entry) = &mut entry {
            entry.before = Some(snapshot(&before));
            entry.after = Some(snapshot(&after));
            audit::insert(entry).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(Some(after))
    })
}

/// An account as the audit log records it: never the hash.
fn snapshot(account: &Account) -> String {
    serde_json::json!({
        "username": account.user.username, "display_name": account.user.display_name,
        "role": account.user.role, "org_unit": account.user.org_unit,
        "department_id": account.user.department_id,
        "disabled": account.disabled, "token_version": account.token_version,
    })
    .to_string()
}

#[instrument(skip_all)]
pub async fn get(db: &Db, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

#[instrument(skip_all)]
pub async fn by_username(db: &Db, username: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(username).fetch_optional(pool).await)
}

/// Stores `new` and its audit entry in one transaction; a taken username changes nothing.
#[instrument(skip_all)]
pub async fn create(db: &Db, new: &NewUser, mut entry: audit::Entry) -> Result<User, CreateError> {
    let sql = format!(
        "INSERT INTO users (username, display_name, password_hash, role, org_unit, created_at, department_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    );
    let result: Result<User, sqlx::Error> = on_pool!(db, pool => async {
        let mut tx = pool.begin_write().await?;
        let user: User = sqlx::query_as(&sql)
            .bind(&new.username)
            .bind(&new.display_name)
            .bind(&new.password_hash)
            .bind(new.role.as_str())
            .bind(&new.org_unit)
            .bind(entry.at)
            .bind(new.department_id)
            .fetch_one(&mut *tx)
            .await?;
        entry.target = format!("user:{}", user.id);
        entry.after = serde_json::to_string(&user).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(user)
    }.await);
    result.map_err(|e| {
        if super::is_unique_violation(&e) {
            CreateError::UsernameTaken(new.username.clone())
        } else {
            CreateError::Db(e)
        }
    })
}

/// Replaces a user's password hash, with an audit entry, in one transaction.
#[instrument(skip_all)]
pub async fn set_password(
    db: &Db,
    username: &str,
    password_hash: &str,
    entry: audit::Entry,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE users SET password_hash = $1, token_version = token_version + 1 WHERE username = $2";
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let changed = sqlx::query(SQL).bind(password_hash).bind(username).execute(&mut *tx).await?.rows_affected();
        if changed == 1 {
            audit::insert(&entry).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    })
}

/// `(id, username, display_name)` of the accounts with these ids, in no particular order.
#[instrument(skip_all, fields(ids = ids.len()))]
pub async fn names(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list = super::id_list(chunk);
        let sql = format!("SELECT id, username, display_name FROM users WHERE id IN ({list})");
        let rows: Vec<(i64, String, String)> =
            on_pool!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
        found.extend(rows);
    }
    Ok(found)
}
