//! Where cadres serve (postings) and when they are excused (exemptions). Dates are local
//! `YYYY-MM-DD` text, inclusive at both ends.

use super::page::Window;
use super::readers::{Reads, on_reader};
use super::{BeginWrite, Db, audit, on_pool};
use jianfu_core::{DivisionCode, ExemptionKind};
use serde::Serialize;
use sqlx::FromRow;
use tracing::instrument;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Posting {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The village.
    pub org_unit: String,
    /// Its name.
    pub village_name: String,
    pub starts_on: String,
    /// Inclusive; `None` while the posting lasts.
    pub ends_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Exemption {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The unit of the cadre (their user record).
    pub org_unit: String,
    #[sqlx(try_from = "String")]
    pub kind: ExemptionKind,
    pub starts_on: String,
    /// Inclusive.
    pub ends_on: String,
    pub note: String,
}

const POSTING_SELECT: &str = "SELECT p.id, p.user_id, u.username, u.display_name, p.org_unit, \
     o.name AS village_name, p.starts_on, p.ends_on \
     FROM postings p JOIN users u ON u.id = p.user_id JOIN org_units o ON o.code = p.org_unit";
const EXEMPTION_SELECT: &str = "SELECT e.id, e.user_id, u.username, u.display_name, u.org_unit, e.kind, e.starts_on, e.ends_on, e.note \
     FROM exemptions e JOIN users u ON u.id = e.user_id";
/// The cadres posted inside the subtree `[$1, $2)` on the local date `$3`.
const POSTED_ON: &str = "SELECT p.user_id FROM postings p WHERE p.org_unit >= $1 AND p.org_unit < $2 \
     AND p.starts_on <= $3 AND (p.ends_on IS NULL OR p.ends_on >= $3)";

/// The user's postings that share a day with `[from, to]` (inclusive), earliest first.
#[instrument(skip_all)]
pub async fn of_user_overlapping(
    src: &impl Reads,
    user_id: i64,
    from: &str,
    to: &str,
) -> Result<Vec<Posting>, sqlx::Error> {
    let sql = format!(
        "{POSTING_SELECT} WHERE p.user_id = $1 AND p.starts_on <= $3 AND (p.ends_on IS NULL OR p.ends_on >= $2) \
         ORDER BY p.starts_on"
    );
    on_reader!(src, c => sqlx::query_as(&sql).bind(user_id).bind(from).bind(to).fetch_all(&mut **c).await)
}

/// Postings to villages inside `scope`, by id, one keyset page.
#[instrument(skip_all)]
pub async fn in_subtree(
    db: &Db,
    scope: &DivisionCode,
    window: &Window<i64>,
) -> Result<Vec<Posting>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "{POSTING_SELECT} WHERE p.org_unit >= $1 AND p.org_unit < $2 AND p.id > $3 ORDER BY p.id LIMIT $4"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(window.after).bind(window.fetch()).fetch_all(pool).await)
}

/// A posting about to be stored.
#[derive(Debug, Clone)]
pub struct NewPosting<'a> {
    pub user_id: i64,
    pub org_unit: &'a str,
    pub starts_on: &'a str,
    pub ends_on: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum PostingError {
    /// The cadre already has a posting sharing a day with the new one.
    #[error("overlaps posting {}", .0.id)]
    Overlaps(Box<Posting>),
    /// The last day asked for is before the posting's first (which it holds).
    #[error("ends before its start {0}")]
    EndsBeforeStart(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Stores `new` unless the cadre has a posting sharing a day with it: the check and the
/// insert are one transaction that holds the cadre's row, so two concurrent postings of
/// one cadre are checked one after the other.
#[instrument(skip_all)]
pub async fn create(
    db: &Db,
    new: &NewPosting<'_>,
    mut entry: audit::Entry,
) -> Result<Posting, PostingError> {
    const INSERT: &str = "INSERT INTO postings (user_id, org_unit, starts_on, ends_on, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id";
    let overlapping = format!(
        "{POSTING_SELECT} WHERE p.user_id = $1 AND p.starts_on <= $3 AND (p.ends_on IS NULL OR p.ends_on >= $2) \
         ORDER BY p.starts_on LIMIT 1"
    );
    let select = format!("{POSTING_SELECT} WHERE p.id = $1");
    let to = new.ends_on.unwrap_or("9999-12-31");
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let lock = format!("SELECT id FROM users WHERE id = $1{}", super::for_update(pool));
        sqlx::query(&lock).bind(new.user_id).execute(&mut *tx).await?;
        let existing: Option<Posting> = sqlx::query_as(&overlapping)
            .bind(new.user_id).bind(new.starts_on).bind(to)
            .fetch_optional(&mut *tx).await?;
        if let Some(existing) = existing {
            return Err(PostingError::Overlaps(Box::new(existing)));
        }
        let id: i64 = sqlx::query_scalar(INSERT)
            .bind(new.user_id).bind(new.org_unit).bind(new.starts_on).bind(new.ends_on).bind(entry.at)
            .fetch_one(&mut *tx).await?;
        let posting: Posting = sqlx::query_as(&select).bind(id).fetch_one(&mut *tx).await?;
        entry.target = format!("posting:{id}");
        entry.after = serde_json::to_string(&posting).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(posting)
    })
}

/// Sets the last day of posting `id` (inclusive), unless that would make it share a day
/// with another posting of the same cadre: checked in the transaction that holds the
/// cadre's row, like [`create`]. `None`: no such posting inside `scope`.
#[instrument(skip_all)]
pub async fn set_end(
    db: &Db,
    id: i64,
    scope: &DivisionCode,
    ends_on: &str,
    mut entry: audit::Entry,
) -> Result<Option<Posting>, PostingError> {
    const UPDATE: &str = "UPDATE postings SET ends_on = $1 WHERE id = $2";
    let (low, high) = scope.subtree_bounds();
    let select =
        format!("{POSTING_SELECT} WHERE p.id = $1 AND p.org_unit >= $2 AND p.org_unit < $3");
    let overlapping = format!(
        "{POSTING_SELECT} WHERE p.user_id = $1 AND p.id <> $4 AND p.starts_on <= $3 \
         AND (p.ends_on IS NULL OR p.ends_on >= $2) ORDER BY p.starts_on LIMIT 1"
    );
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let before: Option<Posting> = sqlx::query_as(&select).bind(id).bind(&low).bind(&high)
            .fetch_optional(&mut *tx).await?;
        let Some(before) = before else { return Ok(None) };
        if ends_on < before.starts_on.as_str() {
            return Err(PostingError::EndsBeforeStart(before.starts_on));
        }
        let lock = format!("SELECT id FROM users WHERE id = $1{}", super::for_update(pool));
        sqlx::query(&lock).bind(before.user_id).execute(&mut *tx).await?;
        let existing: Option<Posting> = sqlx::query_as(&overlapping)
            .bind(before.user_id).bind(&before.starts_on).bind(ends_on).bind(id)
            .fetch_optional(&mut *tx).await?;
        if let Some(existing) = existing {
            return Err(PostingError::Overlaps(Box::new(existing)));
        }
        sqlx::query(UPDATE).bind(ends_on).bind(id).execute(&mut *tx).await?;
        let after = Posting { ends_on: Some(ends_on.to_owned()), ..before.clone() };
        entry.target = format!("posting:{id}");
        entry.scope.clone_from(&before.org_unit);
        entry.before = serde_json::to_string(&before).ok();
        entry.after = serde_json::to_string(&after).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(after))
    })
}

/// Exemptions that share a day with `[from, to]` of the cadres posted inside `scope` on
/// `day`: the cadres are found by where they serve, never by their home unit, so every
/// level of the tree sees the same exemptions of the same person.
#[instrument(skip_all)]
pub async fn exemptions_of_posted(
    db: &Db,
    scope: &DivisionCode,
    day: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Exemption>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "{EXEMPTION_SELECT} WHERE e.user_id IN ({POSTED_ON}) AND e.starts_on <= $5 AND e.ends_on >= $4 \
         ORDER BY e.user_id, e.starts_on"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(day).bind(from).bind(to).fetch_all(pool).await)
}

/// Exemptions of one user that share a day with `[from, to]`.
#[instrument(skip_all)]
pub async fn exemptions_of_user(
    db: &Db,
    user_id: i64,
    from: &str,
    to: &str,
) -> Result<Vec<Exemption>, sqlx::Error> {
    let sql = format!(
        "{EXEMPTION_SELECT} WHERE e.user_id = $1 AND e.starts_on <= $3 AND e.ends_on >= $2 ORDER BY e.starts_on"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(user_id).bind(from).bind(to).fetch_all(pool).await)
}

/// Exemptions of cadres inside `scope`, by id, one keyset page.
#[instrument(skip_all)]
pub async fn exemptions_in(
    db: &Db,
    scope: &DivisionCode,
    window: &Window<i64>,
) -> Result<Vec<Exemption>, sqlx::Error> {
    let (low, high) = scope.subtree_bounds();
    let sql = format!(
        "{EXEMPTION_SELECT} WHERE u.org_unit >= $1 AND u.org_unit < $2 AND e.id > $3 ORDER BY e.id LIMIT $4"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(&low).bind(&high).bind(window.after).bind(window.fetch()).fetch_all(pool).await)
}

#[derive(Debug, Clone)]
pub struct NewExemption<'a> {
    pub user_id: i64,
    pub kind: ExemptionKind,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub note: &'a str,
    pub created_by: Option<i64>,
}

#[instrument(skip_all)]
pub async fn create_exemption(
    db: &Db,
    new: &NewExemption<'_>,
    mut entry: audit::Entry,
) -> Result<Exemption, sqlx::Error> {
    const INSERT: &str = "INSERT INTO exemptions (user_id, kind, starts_on, ends_on, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let select = format!("{EXEMPTION_SELECT} WHERE e.id = $1");
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let id: i64 = sqlx::query_scalar(INSERT)
            .bind(new.user_id).bind(new.kind.as_str()).bind(new.starts_on).bind(new.ends_on)
            .bind(new.note).bind(new.created_by).bind(entry.at)
            .fetch_one(&mut *tx).await?;
        let exemption: Exemption = sqlx::query_as(&select).bind(id).fetch_one(&mut *tx).await?;
        entry.target = format!("exemption:{id}");
        entry.after = serde_json::to_string(&exemption).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(exemption)
    })
}
