//! The rows of a report export, streamed from the database as it reads them: one query,
//! one cursor, one village's reports at a time, never the whole result in memory. Ordered
//! by the tree (village code), then the cadre's name, then the period — never by a count
//! of anything (R2).

use super::{Db, on_pool};
use futures_util::TryStreamExt;
use jianfu_core::{DivisionCode, ReportStatus};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use tokio::sync::mpsc;
use tracing::instrument;

/// One report as an export shows it: its latest state, its latest content, its author,
/// its village and the village's township.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// One result row per village: its code and its reports, in order, as one text — each
/// report's fields joined by [`FIELD`], the reports by [`RECORD`].
///
/// Why so: the SQLite driver hands every result row from its worker thread to ours over a
/// channel, waking one thread or the other for nearly every row, and copies every value
/// into an allocation of its own; per report and per column that was most of the time of
/// an export. Per village, the hand-overs are a few hundred for a county. The separators
/// never occur in stored text: the text rule refuses control characters, and the content
/// is JSON, which escapes them. Both engines read this SQL (SQLite since 3.44 has
/// `string_agg` with `ORDER BY`); the index on `reports (org_unit, …)` gives the villages
/// in order, so nothing waits for a sort of the whole result.
const SQL: &str = "SELECT r.org_unit, string_agg(r.id || $5 || u.display_name || $5 || u.username \
     || $5 || r.period_key || $5 || r.period_start || $5 || r.period_end || $5 || r.status \
     || $5 || CASE WHEN r.late THEN '1' ELSE '0' END \
     || $5 || CASE WHEN r.sealed_on_time THEN '1' ELSE '0' END \
     || $5 || r.revision || $5 || r.first_received_at || $5 || r.updated_at || $5 || c.content, \
     $6 ORDER BY u.display_name, u.username, r.period_start, r.id) \
     FROM reports r JOIN users u ON u.id = r.user_id \
     JOIN report_revisions c ON c.report_id = r.id AND c.revision = r.revision \
     WHERE r.org_unit >= $1 AND r.org_unit < $2 \
     AND ($3 IS NULL OR r.period_start >= $3) AND ($4 IS NULL OR r.period_start <= $4) \
     GROUP BY r.org_unit ORDER BY r.org_unit";

/// Separates the fields of a report in [`SQL`] (U+001F, the unit separator).
pub const FIELD: char = '\u{1f}';
/// Separates the reports of a village in [`SQL`] (U+001E, the record separator).
pub const RECORD: char = '\u{1e}';

impl ExportRow {
    /// One report of a village's text in [`SQL`].
    fn from_record(org_unit: &str, record: &str) -> Result<ExportRow, sqlx::Error> {
        let mut fields = record.splitn(13, FIELD);
        let mut next = || fields.next().ok_or_else(|| decode(&"a field is missing"));
        Ok(ExportRow {
            id: next()?.to_owned(),
            org_unit: org_unit.to_owned(),
            village_name: String::new(),
            township_name: String::new(),
            display_name: next()?.to_owned(),
            username: next()?.to_owned(),
            period_key: next()?.to_owned(),
            period_start: next()?.to_owned(),
            period_end: next()?.to_owned(),
            status: ReportStatus::try_from(next()?.to_owned()).map_err(|e| decode(&e))?,
            late: next()? == "1",
            sealed_on_time: next()? == "1",
            revision: number(next()?)?,
            first_received_at: number(next()?)?,
            updated_at: number(next()?)?,
            content: next()?.to_owned(),
        })
    }
}

fn number(text: &str) -> Result<i64, sqlx::Error> {
    text.parse()
        .map_err(|_| decode(&format!("not a number: {text:?}")))
}

fn decode(what: &dyn std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("an export row: {what}").into())
}

/// Where the rows go, batch by batch, as they are read.
pub trait RowSink: Send {
    /// Takes a batch; `false` when no more are wanted (the client left, or writing failed).
    fn take(&mut self, batch: Vec<ExportRow>) -> impl Future<Output = bool> + Send;
}

/// Rows handed to another task or thread.
impl RowSink for mpsc::Sender<Vec<ExportRow>> {
    async fn take(&mut self, batch: Vec<ExportRow>) -> bool {
        self.send(batch).await.is_ok()
    }
}

/// A batch is handed on once it holds this many rows (whole villages).
pub const BATCH: usize = 256;

/// Streams the reports of `range` in tree order to `out`, a few villages at a time, as
/// the database reads them: one cursor on one pooled connection, never the whole result
/// in memory. Stops early, without an error, when `out` wants no more.
#[instrument(skip_all)]
pub async fn send_reports<S: RowSink>(
    db: &Db,
    range: &Range,
    out: &mut S,
) -> Result<(), sqlx::Error> {
    let (low, high) = range.scope.subtree_bounds();
    let (field, record) = (FIELD.to_string(), RECORD.to_string());
    // The villages of the query on `$executor`, batched into `out`.
    macro_rules! stream {
        ($executor:expr) => {{
            let mut villages = sqlx::query_as::<_, (String, String)>(SQL)
                .bind(&low)
                .bind(&high)
                .bind(range.from.as_deref())
                .bind(range.to.as_deref())
                .bind(&field)
                .bind(&record)
                .fetch($executor);
            let mut batch = Vec::with_capacity(BATCH);
            while let Some((village, reports)) = villages.try_next().await? {
                for record in reports.split(RECORD) {
                    batch.push(ExportRow::from_record(&village, record)?);
                }
                if batch.len() >= BATCH {
                    let mut full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    name_villages(db, &mut full).await?;
                    if !out.take(full).await {
                        break;
                    }
                }
            }
            if !batch.is_empty() {
                name_villages(db, &mut batch).await?;
                out.take(batch).await;
            }
            Ok(())
        }};
    }
    match db {
        Db::Sqlite(pool) => {
            let mut conn = pool.acquire().await?;
            // Reading the database file through a memory map for this query: its lookups
            // jump about the whole file (reports and revisions are keyed by random ids),
            // and through the small page cache each would be a system call and a copy.
            sqlx::query(MAP_FILE).execute(&mut *conn).await?;
            // In a block of its own, so that a failure part-way still unmaps below.
            let streamed: Result<(), sqlx::Error> = async { stream!(&mut *conn) }.await;
            sqlx::query("PRAGMA mmap_size = 0")
                .execute(&mut *conn)
                .await?;
            streamed
        }
        Db::Postgres(pool) => stream!(pool),
    }
}

/// Up to 1 GiB of the file mapped (file pages, shared with the operating system's cache).
const MAP_FILE: &str = "PRAGMA mmap_size = 1073741824";

/// Fills in the names of each row's village and township: one query for the villages of
/// a batch.
async fn name_villages(db: &Db, batch: &mut [ExportRow]) -> Result<(), sqlx::Error> {
    let mut codes: Vec<&str> = batch.iter().map(|r| r.org_unit.as_str()).collect();
    codes.dedup();
    let names: Vec<(String, String, String)> = on_pool!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT v.code, v.name, COALESCE(t.name, '') FROM org_units v \
             LEFT JOIN org_units t ON t.code = v.parent_code WHERE v.code IN (",
        );
        let mut list = query.separated(", ");
        for code in &codes {
            list.push_bind(*code);
        }
        query.push(")");
        query.build_query_as().fetch_all(pool).await?
    });
    let names: HashMap<String, (String, String)> = names
        .into_iter()
        .map(|(code, village, township)| (code, (village, township)))
        .collect();
    for row in batch {
        if let Some((village, township)) = names.get(&row.org_unit) {
            row.village_name.clone_from(village);
            row.township_name.clone_from(township);
        }
    }
    Ok(())
}
