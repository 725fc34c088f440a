//! Storage of people: one role and one org unit each, an argon2 hash, never a password.

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
}

/// A user with the stored password hash, for login only.
#[derive(Debug, Clone, FromRow)]
pub struct Credentials {
    #[sqlx(flatten)]
    pub user: User,
    pub password_hash: String,
}

/// A checked user about to be stored.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_unit: String,
    pub password_hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("username {0:?} is taken")]
    UsernameTaken(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

const COLUMNS: &str = "id, username, display_name, role, org_unit";

#[instrument(skip_all)]
pub async fn credentials(db: &Db, username: &str) -> Result<Option<Credentials>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(username).fetch_optional(pool).await)
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
        "INSERT INTO users (username, display_name, password_hash, role, org_unit, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
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
    const SQL: &str = "UPDATE users SET password_hash = $1 WHERE username = $2";
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
