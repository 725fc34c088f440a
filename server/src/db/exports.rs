//! The rows of a report export, streamed from the database as it reads them: one query,
//! one cursor, never the whole result in memory. Ordered by the tree (village code), then
//! the cadre's name, then the period — never by a count of anything (R2).

use super::{Db, on_pool};
use futures_util::TryStreamExt;
use jianfu_core::{DivisionCode, ReportStatus};
use sqlx::FromRow;
use tokio::sync::mpsc;
use tracing::instrument;

/// One report as an export shows it: its latest state, its latest content, its author,
/// its village and the village's township.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ExportRow {
    pub id: String,
    /// The village the cadre served when the report was first received.
    pub org_unit: String,
    pub village_name: String,
    pub township_name: String,
    pub display_name: String,
    pub username: String,
    pub period_key: String,
    pub period_start: String,
    /// Exclusive.
    pub period_end: String,
    #[sqlx(try_from = "String")]
    pub status: ReportStatus,
    pub late: bool,
    pub sealed_on_time: bool,
    pub revision: i64,
    pub first_received_at: i64,
    pub updated_at: i64,
    /// Canonical JSON of the latest revision's content.
    pub content: String,
}

/// The reports filed in a subtree whose period starts within the bounds.
#[derive(Debug, Clone)]
pub struct Range {
    pub scope: DivisionCode,
    /// The first period start included (a local date `YYYY-MM-DD`), if bounded.
    pub from: Option<String>,
    /// The last period start included, if bounded.
    pub to: Option<String>,
}

const SQL: &str = "SELECT r.id, r.org_unit, COALESCE(v.name, '') AS village_name, \
     COALESCE(t.name, '') AS township_name, u.display_name, u.username, r.period_key, \
     r.period_start, r.period_end, r.status, r.late, r.sealed_on_time, r.revision, \
     r.first_received_at, r.updated_at, c.content \
     FROM reports r JOIN users u ON u.id = r.user_id \
     JOIN report_revisions c ON c.report_id = r.id AND c.revision = r.revision \
     LEFT JOIN org_units v ON v.code = r.org_unit \
     LEFT JOIN org_units t ON t.code = v.parent_code \
     WHERE r.org_unit >= $1 AND r.org_unit < $2 \
     AND ($3 IS NULL OR r.period_start >= $3) AND ($4 IS NULL OR r.period_start <= $4) \
     ORDER BY r.org_unit, u.display_name, u.username, r.period_start, r.id";

/// How many rows travel together to the writer.
pub const BATCH: usize = 256;

/// Streams the reports of `range` in tree order to `out`, [`BATCH`] rows at a time, as
/// the database reads them: one cursor on one pooled connection, never the whole result
/// in memory. Stops early, without an error, when the receiver is gone (the client left).
#[instrument(skip_all)]
pub async fn send_reports(
    db: &Db,
    range: &Range,
    out: &mpsc::Sender<Vec<ExportRow>>,
) -> Result<(), sqlx::Error> {
    let (low, high) = range.scope.subtree_bounds();
    on_pool!(db, pool => {
        let mut rows = sqlx::query_as::<_, ExportRow>(SQL)
            .bind(&low).bind(&high).bind(range.from.as_deref()).bind(range.to.as_deref())
            .fetch(pool);
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(row) = rows.try_next().await? {
            batch.push(row);
            if batch.len() == BATCH
                && out.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).await.is_err()
            {
                return Ok(());
            }
        }
        if !batch.is_empty() {
            let _ = out.send(batch).await;
        }
        Ok(())
    })
}
