//! Storage of what reviewers do with a report: reviews (an acknowledgement or a question
//! about one revision) and reopenings of a locked period, each with the report's status
//! changed or the change audited in the same transaction.

use super::{BeginWrite, Db, audit, for_update, on_pool};
use jianfu_core::{ReportStatus, Verdict};
use serde::Serialize;
use sqlx::FromRow;
use tracing::instrument;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Review {
    pub id: i64,
    /// The revision that was reviewed.
    pub revision: i64,
    pub reviewer_id: i64,
    pub reviewer: String,
    #[sqlx(try_from = "String")]
    pub verdict: Verdict,
    /// The question for the cadre (needs_clarification only).
    pub question: Option<String>,
    pub created_at: i64,
    /// The department the review was made for: each reviews its own part.
    pub department_id: Option<i64>,
    /// That department's name.
    pub department: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Reopening {
    pub id: i64,
    pub reason: String,
    /// Revisions are accepted until this instant (unix seconds).
    pub until: i64,
    pub reopened_by: i64,
    pub created_at: i64,
}

const REVIEW_SELECT: &str = "SELECT v.id, v.revision, v.reviewer_id, u.username AS reviewer, v.verdict, v.question, v.created_at, \
     v.department_id, d.name AS department \
     FROM reviews v JOIN users u ON u.id = v.reviewer_id LEFT JOIN departments d ON d.id = v.department_id";

#[instrument(skip_all)]
pub async fn of_report(db: &Db, id: &str) -> Result<Vec<Review>, sqlx::Error> {
    let sql = format!("{REVIEW_SELECT} WHERE v.report_id = $1 ORDER BY v.id");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await)
}

#[instrument(skip_all)]
pub async fn reopenings(db: &Db, id: &str) -> Result<Vec<Reopening>, sqlx::Error> {
    const SQL: &str = "SELECT id, reason, until, reopened_by, created_at FROM reopenings WHERE report_id = $1 ORDER BY id";
    on_pool!(db, pool => sqlx::query_as(SQL).bind(id).fetch_all(pool).await)
}

/// A review about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewReview<'a> {
    pub reviewer_id: i64,
    /// The department it is made for.
    pub department_id: Option<i64>,
    pub verdict: Verdict,
    pub question: Option<&'a str>,
    pub at: i64,
}

/// Stores a review of the report's current revision and sets the report's overall status,
/// in one transaction: `needs_clarification` while any department's latest review of this
/// revision asks a question, else the verdict given. `None` when the report does not exist.
#[instrument(skip_all)]
pub async fn review(db: &Db, id: &str, new: NewReview<'_>) -> Result<Option<Review>, sqlx::Error> {
    let NewReview {
        reviewer_id,
        department_id,
        verdict,
        question,
        at,
    } = new;
    let select = format!("{REVIEW_SELECT} WHERE v.id = $1");
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let revision: Option<i64> = sqlx::query_scalar(&format!("SELECT revision FROM reports WHERE id = $1{}", for_update(pool)))
            .bind(id).fetch_optional(&mut *tx).await?;
        let Some(revision) = revision else { return Ok(None) };
        let review_id: i64 = sqlx::query_scalar(
            "INSERT INTO reviews (report_id, revision, reviewer_id, verdict, question, created_at, department_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(id).bind(revision).bind(reviewer_id).bind(verdict.as_str()).bind(question).bind(at).bind(department_id)
        .fetch_one(&mut *tx).await?;
        let open_question: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reviews v WHERE v.report_id = $1 AND v.revision = $2 \
             AND v.verdict = 'needs_clarification' AND v.id = (SELECT MAX(w.id) FROM reviews w \
             WHERE w.report_id = v.report_id AND COALESCE(w.department_id, 0) = COALESCE(v.department_id, 0))",
        )
        .bind(id).bind(revision).fetch_one(&mut *tx).await?;
        let status = if open_question > 0 { ReportStatus::NeedsClarification } else { ReportStatus::from(verdict) };
        sqlx::query("UPDATE reports SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str()).bind(at).bind(id).execute(&mut *tx).await?;
        let review: Review = sqlx::query_as(&select).bind(review_id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(review))
    })
}

/// Stores a reopening with its audit entry.
#[instrument(skip_all)]
pub async fn reopen(
    db: &Db,
    id: &str,
    reason: &str,
    until: i64,
    reopened_by: i64,
    mut entry: audit::Entry,
) -> Result<Reopening, sqlx::Error> {
    on_pool!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let row: Reopening = sqlx::query_as(
            "INSERT INTO reopenings (report_id, reason, until, reopened_by, created_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, reason, until, reopened_by, created_at",
        )
        .bind(id).bind(reason).bind(until).bind(reopened_by).bind(entry.at)
        .fetch_one(&mut *tx).await?;
        entry.after = serde_json::to_string(&row).ok();
        audit::insert(&entry).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    })
}
