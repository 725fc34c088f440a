//! Storing an imported roster: new cadres and their postings, each with its audit entry,
//! in one transaction, so a roster is stored whole or not at all.

use super::users::{CreateError, NewUser, User};
use super::{BeginWrite, Db, audit, on_pool};
use serde::Serialize;
use std::collections::HashSet;
use tracing::instrument;

/// A posting of an imported cadre (dates local, inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewPosting {
    pub org_unit: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

/// One cadre of a roster with their postings, checked and with the password hashed.
#[derive(Debug, Clone)]
pub struct RosterCadre {
    pub user: NewUser,
    pub postings: Vec<NewPosting>,
}

/// The usernames among `names` that are taken.
#[instrument(skip_all, fields(names = names.len()))]
pub async fn taken(db: &Db, names: &[&str]) -> Result<HashSet<String>, sqlx::Error> {
    let mut found = HashSet::new();
    for chunk in names.chunks(5_000) {
        let rows: Vec<String> = on_pool!(db, pool => {
            let mut query = sqlx::QueryBuilder::new("SELECT username FROM users WHERE username IN (");
            let mut list = query.separated(", ");
            for name in chunk {
                list.push_bind(*name);
            }
            query.push(")");
            query.build_query_scalar().fetch_all(pool).await
        })?;
        found.extend(rows);
    }
    Ok(found)
}

/// Stores every cadre of `roster` and their postings. `entry` is the audit entry each
/// change copies (actor, time); a username taken meanwhile rolls everything back.
#[instrument(skip_all, fields(cadres = roster.len()))]
pub async fn store(
    db: &Db,
    roster: &[RosterCadre],
    entry: &audit::Entry,
) -> Result<Vec<User>, CreateError> {
    const USER: &str = "INSERT INTO users (username, display_name, password_hash, role, org_unit, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, username, display_name, role, org_unit, department_id";
    const POSTING: &str = "INSERT INTO postings (user_id, org_unit, starts_on, ends_on, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id";
    let result: Result<Vec<User>, sqlx::Error> = on_pool!(db, pool => async {
        let mut tx = pool.begin_write().await?;
        let mut users = Vec::with_capacity(roster.len());
        for cadre in roster {
            let new = &cadre.user;
            let user: User = sqlx::query_as(USER)
                .bind(&new.username).bind(&new.display_name).bind(&new.password_hash)
                .bind(new.role.as_str()).bind(&new.org_unit).bind(entry.at)
                .fetch_one(&mut *tx).await?;
            let mut created = audit::Entry {
                action: "users.import",
                scope: user.org_unit.clone(),
                target: format!("user:{}", user.id),
                after: serde_json::to_string(&user).ok(),
                ..entry.clone()
            };
            audit::insert(&created).execute(&mut *tx).await?;
            for posting in &cadre.postings {
                let id: i64 = sqlx::query_scalar(POSTING)
                    .bind(user.id).bind(&posting.org_unit).bind(&posting.starts_on)
                    .bind(posting.ends_on.as_deref()).bind(entry.at)
                    .fetch_one(&mut *tx).await?;
                created.action = "postings.import";
                created.scope.clone_from(&posting.org_unit);
                created.target = format!("posting:{id}");
                created.after = serde_json::to_string(&serde_json::json!({
                    "id": id, "user_id": user.id, "username": user.username,
                    "org_unit": posting.org_unit, "starts_on": posting.starts_on, "ends_on": posting.ends_on,
                })).ok();
                audit::insert(&created).execute(&mut *tx).await?;
            }
            users.push(user);
        }
        tx.commit().await?;
        Ok(users)
    }.await);
    result.map_err(|e| {
        if super::is_unique_violation(&e) {
            CreateError::UsernameTaken(String::new())
        } else {
            CreateError::Db(e)
        }
    })
}
