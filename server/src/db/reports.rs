//! Storage of reports: one row per (cadre, period) holding the latest revision, every
//! revision in `report_revisions`, the outcome ids of the latest revision in `outcomes`
//! (for `continues` links). Submissions are stored in batches by the one writer of
//! [`super::writer`], a savepoint each inside one transaction; replays and refusals that
//! committed state already decides are answered by [`precheck`] without the write lock.
//! Reviews and reopenings are in `db::reviews`.
//!
//! Longer than most modules: the write path (the precheck, the batch written together,
//! the batch in savepoints, one submission's text shared by both engines) and the reads
//! of the same rows belong together; split, each half would need the other's SQL.

use super::page::Window;
use super::readers::{Readers, Reads, on_reader};
use super::{BeginWriteOn, Db, Held, on_held, on_pool};
use jianfu_core::{DivisionCode, ReportStatus};
use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};
use tracing::instrument;

/// A report's latest state, with its author's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct ReportRow {
    pub id: String,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The village the cadre served when the report was first received.
    pub org_unit: String,
    /// That village's name.
    pub village_name: String,
    pub period_key: String,
    pub period_start: String,
    /// Exclusive.
    pub period_end: String,
    pub revision: i64,
    #[sqlx(try_from = "String")]
    pub status: ReportStatus,
    /// Whether the first revision arrived after due date + grace.
    pub late: bool,
    /// When the latest revision was sealed on the device (the device's claim).
    pub sealed_at: Option<i64>,
    /// A late first revision that was sealed before due date + grace.
    pub sealed_on_time: bool,
    /// Whether the latest revision answers a reviewer's question.
    pub answers_question: bool,
    pub first_received_at: i64,
    pub updated_at: i64,
}

impl ReportRow {
    pub fn standing(&self) -> Standing {
        Standing {
            late: self.late,
            sealed_on_time: self.sealed_on_time,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RevisionRow {
    pub revision: i64,
    pub content: String,
    pub received_at: i64,
    pub answers_review_id: Option<i64>,
    /// When the device sealed it (its own claim).
    pub sealed_at: Option<i64>,
}

const REPORT_SELECT: &str = "SELECT r.id, r.user_id, u.username, u.display_name, r.org_unit, \
     o.name AS village_name, r.period_key, r.period_start, r.period_end, r.revision, r.status, r.late, \
     r.sealed_at, r.sealed_on_time, (v.answers_review_id IS NOT NULL) AS answers_question, \
     r.first_received_at, r.updated_at FROM reports r JOIN users u ON u.id = r.user_id \
     JOIN org_units o ON o.code = r.org_unit \
     JOIN report_revisions v ON v.report_id = r.id AND v.revision = r.revision";
/// A checked submission about to be stored: owned, it travels to the writer
/// ([`super::writer`]) and back.
#[derive(Debug, Clone)]
pub struct Submission {
    pub id: String,
    pub user_id: i64,
    /// The cadre's names and the village's, for the answer (not stored here).
    pub username: String,
    pub display_name: String,
    pub org_unit: String,
    pub village_name: String,
    pub period_key: String,
    pub period_start: String,
    pub period_end: String,
    /// Canonical JSON of the content: equal text means the same content.
    pub content: String,
    /// The content's outcome ids, so later reports can `continue` them.
    pub outcome_ids: Vec<String>,
    pub received_at: i64,
    /// Whether a first revision received now is late.
    pub late: bool,
    /// When the device sealed it (its own claim).
    pub sealed_at: Option<i64>,
    /// Whether a late first revision was sealed before due date + grace.
    pub sealed_on_time: bool,
    /// The revision the device edited; `None` for a first submission.
    pub base_revision: Option<i64>,
    /// From this instant on, revisions need a reopening.
    pub locks_at: i64,
}

impl Submission {
    /// The row of the report this submission creates, as the database would read it back.
    fn created_row(&self) -> ReportRow {
        ReportRow {
            id: self.id.clone(),
            user_id: self.user_id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            org_unit: self.org_unit.clone(),
            village_name: self.village_name.clone(),
            period_key: self.period_key.clone(),
            period_start: self.period_start.clone(),
            period_end: self.period_end.clone(),
            revision: 1,
            status: ReportStatus::Submitted,
            late: self.late,
            sealed_at: self.sealed_at,
            sealed_on_time: self.sealed_on_time,
            answers_question: false,
            first_received_at: self.received_at,
            updated_at: self.received_at,
        }
    }
}

/// The latest revision of a report, as a device that edited an older one is shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Latest {
    pub revision: i64,
    pub content: String,
    pub received_at: i64,
    #[sqlx(try_from = "String")]
    pub status: ReportStatus,
}

/// What a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A new report, revision 1.
    Created(ReportRow),
    /// The same id and content again: nothing changed.
    Replayed(ReportRow),
    /// A new revision of an existing report.
    Revised(ReportRow),
}

#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// The id belongs to another cadre's report, or to another period of this cadre's.
    #[error("report id is used for another report")]
    IdTaken { period_key: Option<String> },
    /// The cadre already has a report for this period under another id.
    #[error("a report for this period exists: {existing_id}")]
    PeriodTaken { existing_id: String },
    /// The period is locked and no reopening is in force.
    #[error("the period is locked")]
    Locked { locks_at: i64 },
    /// The device edited another revision than the latest (or none): its revision would
    /// silently replace one it has not seen.
    #[error("revision conflict: based on {base:?}, latest {}", .latest.revision)]
    Conflict {
        base: Option<i64>,
        latest: Box<Latest>,
    },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Answers what can be answered without the write lock, from committed state: a replay
/// of the latest revision, an id used for another report, a revision based on an older
/// one. `Ok(None)`: the submission goes to the writer, which decides again under the lock.
#[instrument(skip_all)]
pub async fn precheck(readers: &Readers, s: &Submission) -> Result<Option<Stored>, PutError> {
    let sql = "SELECT r.user_id, r.period_key, v.revision, v.content, v.received_at, r.status \
               FROM reports r JOIN report_revisions v ON v.report_id = r.id AND v.revision = r.revision \
               WHERE r.id = $1";
    let existing: Option<(i64, String, i64, String, i64, String)> =
        on_reader!(readers, c => sqlx::query_as(sql).bind(&s.id).fetch_optional(&mut **c).await)?;
    let Some((user_id, period_key, revision, content, received_at, status)) = existing else {
        return Ok(None);
    };
    if user_id != s.user_id {
        return Err(PutError::IdTaken { period_key: None });
    }
    if period_key != s.period_key {
        return Err(PutError::IdTaken {
            period_key: Some(period_key),
        });
    }
    if content == s.content {
        let row = get(readers.db(), &s.id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        return Ok(Some(Stored::Replayed(row)));
    }
    // A base older than the latest (or none, a first submission sent again) may be a
    // replay of the revision made from it: the writer looks. A base newer than the latest
    // is a conflict already.
    if s.base_revision.is_some_and(|base| base > revision) {
        let status = ReportStatus::try_from(status)
            .map_err(|e| PutError::Db(sqlx::Error::Decode(e.into())))?;
        return Err(PutError::Conflict {
            base: s.base_revision,
            latest: Box::new(Latest {
                revision,
                content,
                received_at,
                status,
            }),
        });
    }
    Ok(None)
}

/// Stores one submission in the transaction `$tx` (of either engine); evaluates to
/// `Result<Stored, PutError>`; `$for_update` is that engine's row-locking suffix. A macro
/// so that one text serves both engines.
macro_rules! put_one {
    ($tx:ident, $s:expr, $for_update:expr) => {
        async {
            const INSERT: &str = "INSERT INTO reports (id, user_id, org_unit, period_key, period_start, period_end, \
                 revision, status, late, sealed_at, sealed_on_time, first_received_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, 'submitted', $7, $9, $10, $8, $8) ON CONFLICT DO NOTHING";
            let s: &Submission = $s;
            let inserted = sqlx::query(INSERT)
                .bind(&s.id).bind(s.user_id).bind(&s.org_unit).bind(&s.period_key)
                .bind(&s.period_start).bind(&s.period_end).bind(s.late).bind(s.received_at)
                .bind(s.sealed_at).bind(s.sealed_on_time)
                .execute(&mut *$tx).await?
                .rows_affected();
            if inserted == 1 {
                sqlx::query(INSERT_REVISION)
                    .bind(&s.id).bind(1_i64).bind(&s.content).bind(s.outcome_ids.join(" "))
                    .bind(s.received_at).bind(None::<i64>).bind(s.sealed_at)
                    .execute(&mut *$tx).await?;
                if !s.outcome_ids.is_empty() {
                    outcome_rows(s).build().execute(&mut *$tx).await?;
                }
                return Ok(Stored::Created(s.created_row()));
            }
            let select = format!("{REPORT_SELECT} WHERE r.id = $1");
            let by_id = format!("SELECT user_id, period_key, revision, status FROM reports WHERE id = $1{}", $for_update);
            let existing: Option<(i64, String, i64, String)> =
                sqlx::query_as(&by_id).bind(&s.id).fetch_optional(&mut *$tx).await?;
            let Some((user_id, period_key, revision, status)) = existing else {
                let other: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM reports WHERE user_id = $1 AND period_key = $2",
                )
                .bind(s.user_id).bind(&s.period_key).fetch_optional(&mut *$tx).await?;
                return Err(match other {
                    Some(existing_id) => PutError::PeriodTaken { existing_id },
                    None => PutError::Db(sqlx::Error::RowNotFound),
                });
            };
            if user_id != s.user_id {
                return Err(PutError::IdTaken { period_key: None });
            }
            if period_key != s.period_key {
                return Err(PutError::IdTaken { period_key: Some(period_key) });
            }
            let latest: Latest = sqlx::query_as(
                "SELECT v.revision, v.content, v.received_at, r.status FROM report_revisions v \
                 JOIN reports r ON r.id = v.report_id WHERE v.report_id = $1 AND v.revision = $2",
            )
            .bind(&s.id).bind(revision).fetch_one(&mut *$tx).await?;
            // The same upload again (its answer lost, say): the latest revision, or the one
            // stored on top of the base it was sent with.
            let replay = latest.content == s.content || match s.base_revision.unwrap_or(0) {
                base if base < revision => {
                    let stored: Option<String> = sqlx::query_scalar(
                        "SELECT content FROM report_revisions WHERE report_id = $1 AND revision = $2",
                    )
                    .bind(&s.id).bind(base + 1).fetch_optional(&mut *$tx).await?;
                    stored.as_deref() == Some(s.content.as_str())
                }
                _ => false,
            };
            if replay {
                let row = sqlx::query_as(&select).bind(&s.id).fetch_one(&mut *$tx).await?;
                return Ok(Stored::Replayed(row));
            }
            if s.base_revision != Some(revision) {
                return Err(PutError::Conflict { base: s.base_revision, latest: Box::new(latest) });
            }
            if s.received_at >= s.locks_at {
                let open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM reopenings WHERE report_id = $1 AND until > $2",
                )
                .bind(&s.id).bind(s.received_at).fetch_one(&mut *$tx).await?;
                if open == 0 {
                    return Err(PutError::Locked { locks_at: s.locks_at });
                }
            }
            let answers: Option<i64> = if status == ReportStatus::NeedsClarification.as_str() {
                sqlx::query_scalar("SELECT MAX(id) FROM reviews WHERE report_id = $1")
                    .bind(&s.id).fetch_one(&mut *$tx).await?
            } else {
                None
            };
            sqlx::query("UPDATE reports SET revision = $1, status = 'submitted', updated_at = $2, sealed_at = $3 WHERE id = $4")
                .bind(revision + 1).bind(s.received_at).bind(s.sealed_at).bind(&s.id)
                .execute(&mut *$tx).await?;
            sqlx::query(INSERT_REVISION)
                .bind(&s.id).bind(revision + 1).bind(&s.content).bind(s.outcome_ids.join(" "))
                .bind(s.received_at).bind(answers).bind(s.sealed_at)
                .execute(&mut *$tx).await?;
            sqlx::query("DELETE FROM outcomes WHERE report_id = $1").bind(&s.id).execute(&mut *$tx).await?;
            if !s.outcome_ids.is_empty() {
                outcome_rows(s).build().execute(&mut *$tx).await?;
            }
            let row = sqlx::query_as(&select).bind(&s.id).fetch_one(&mut *$tx).await?;
            Ok(Stored::Revised(row))
        }
        .await
    };
}

/// Stores each submission as a new report, a replay or a new revision, all in one
/// transaction, and answers each on its own: a refusal leaves nothing of its submission
/// (refusals are decided before anything is written). The new reports of the batch are
/// written by three statements in all; the others one by one, in order. When a statement
/// fails (a broken constraint, say) the attempt is undone and the batch is written again
/// with a savepoint per submission, so that only the failing one fails. `Err` when the
/// transaction itself fails (begin, commit): then nothing of the batch is stored.
///
/// The inserts come first and do nothing on a conflict, so two concurrent first
/// submissions of one report cannot both see "no report yet": on PostgreSQL the second
/// insert waits for the first to commit and then finds its row (a replay or a revision),
/// on SQLite the write lock orders them outright. Within a batch the first of two
/// submissions with one id (or one cadre and period) is the one inserted, as if they had
/// come one after the other — unless its cadre's period is taken already, and then the
/// one inserted is found by its id, cadre and period, not by its id alone.
#[instrument(skip_all, fields(batch = batch.len()))]
pub async fn put_batch(
    conn: &mut Held,
    batch: &[&Submission],
) -> Result<Vec<Result<Stored, PutError>>, sqlx::Error> {
    if let Held::Sqlite(sqlite) = conn {
        if let Some(answers) = put_new_on_sqlite(sqlite, batch).await {
            return Ok(answers);
        }
    }
    match put_together(conn, batch).await {
        Ok(answers) => Ok(answers),
        Err(e) => {
            tracing::debug!(error = %e, "a batch statement failed: each submission again in its own savepoint");
            put_isolated(conn, batch).await
        }
    }
}

/// SQLite: a batch of new reports only (the usual batch) in one trip to the thread sqlx
/// runs the connection on, not five: `BEGIN IMMEDIATE`, the reports' INSERT, the
/// revisions', the outcomes' and `COMMIT`, as one command. Each trip waits for that thread
/// and then for the writer's task to be scheduled, which under load costs more than the
/// statements (~0.2–0.4 ms a trip on two busy cores). The reports' INSERT has no `ON
/// CONFLICT` clause here: a submission that is not a new report (a revision, a replay, a
/// second id for a period) breaks a unique constraint, SQLite stops the command at that
/// statement, and the rest (the `COMMIT` with it) does not run. `None` when it cannot
/// answer the batch this way — that, or any other failed statement: what it began is
/// rolled back, nothing of it is stored, and the batch goes the general way, which gives
/// each submission its own answer.
///
/// sqlx does not count a transaction begun by a statement of ours (`is_in_transaction`
/// stays false), so this function ends every one it begins. Should one stay open (a
/// failed `ROLLBACK`, a panic), the general way's `BEGIN` fails, the writer lets the
/// connection go, and the pool, which asks SQLite itself, closes it
/// ([`super::Db::connect_with`]).
async fn put_new_on_sqlite(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Sqlite>,
    batch: &[&Submission],
) -> Option<Vec<Result<Stored, PutError>>> {
    let mut write = QueryBuilder::new("BEGIN IMMEDIATE; ");
    push_new_reports(&mut write, batch);
    write.push("; ");
    push_first_revisions(&mut write, batch);
    let outcomes = outcomes_of(batch);
    if !outcomes.is_empty() {
        write.push("; ");
        push_outcomes(&mut write, &outcomes);
    }
    write.push("; COMMIT");
    if let Err(e) = write.build().execute(&mut **conn).await {
        return roll_back(conn, &e).await;
    }
    Some(
        batch
            .iter()
            .map(|s| Ok(Stored::Created(s.created_row())))
            .collect(),
    )
}

/// Rolls back what [`put_new_on_sqlite`] began, after `error`, unless SQLite already did
/// (then `ROLLBACK` answers that no transaction is active).
async fn roll_back(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Sqlite>,
    error: &sqlx::Error,
) -> Option<Vec<Result<Stored, PutError>>> {
    tracing::debug!(error = %error, "a batch of new reports failed: the general way");
    let _ = sqlx::query("ROLLBACK").execute(&mut **conn).await;
    None
}

/// The batch with its new reports written together and no savepoints; `Err` on the first
/// failed statement (the transaction is then dropped, which rolls it back).
async fn put_together(
    conn: &mut Held,
    batch: &[&Submission],
) -> Result<Vec<Result<Stored, PutError>>, sqlx::Error> {
    on_held!(conn, conn => {
        let for_update = for_update_on(conn);
        let mut tx = conn.begin_write().await?;
        let inserted = tx.insert_reports(batch).await?;
        let new = new_in_batch(batch, &inserted);
        let created: Vec<&Submission> =
            batch.iter().zip(&new).filter(|&(_, &n)| n).map(|(s, _)| *s).collect();
        if !created.is_empty() {
            tx.insert_first_revisions(&created).await?;
            let outcomes = outcomes_of(&created);
            if !outcomes.is_empty() {
                tx.insert_outcomes(&outcomes).await?;
            }
        }
        let mut answers = Vec::with_capacity(batch.len());
        for (&s, new) in batch.iter().zip(new) {
            if new {
                answers.push(Ok(Stored::Created(s.created_row())));
                continue;
            }
            match put_one!(tx, s, for_update) {
                Err(PutError::Db(e)) => return Err(e),
                answer => answers.push(answer),
            }
        }
        tx.commit().await?;
        Ok(answers)
    })
}

/// How each engine inserts a batch's new reports, their first revisions and their outcome
/// ids, a statement each. SQLite takes a row of values per submission; PostgreSQL a column
/// of values per field (`UNNEST` of arrays), so that each statement's text is the same
/// whatever the batch's size, and is parsed and planned once per connection instead of
/// once per batch.
trait InsertNew {
    /// Inserts each submission as a new report, doing nothing on a conflict (an id or a
    /// cadre's period already stored), in the batch's order; returns the id, cadre and
    /// period of each report inserted.
    async fn insert_reports(
        &mut self,
        batch: &[&Submission],
    ) -> Result<Vec<(String, i64, String)>, sqlx::Error>;
    /// Inserts the first revision of each of `created`.
    async fn insert_first_revisions(&mut self, created: &[&Submission]) -> Result<(), sqlx::Error>;
    /// Inserts `outcomes` (from [`outcomes_of`]).
    async fn insert_outcomes(
        &mut self,
        outcomes: &[(&Submission, &str)],
    ) -> Result<(), sqlx::Error>;
}

impl InsertNew for sqlx::SqliteConnection {
    async fn insert_reports(
        &mut self,
        batch: &[&Submission],
    ) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
        let mut insert = QueryBuilder::new("");
        push_new_reports(&mut insert, batch);
        insert.push(" ON CONFLICT DO NOTHING RETURNING id, user_id, period_key");
        insert.build_query_as().fetch_all(self).await
    }

    async fn insert_first_revisions(&mut self, created: &[&Submission]) -> Result<(), sqlx::Error> {
        let mut revisions = QueryBuilder::new("");
        push_first_revisions(&mut revisions, created);
        revisions.build().execute(self).await.map(drop)
    }

    async fn insert_outcomes(
        &mut self,
        outcomes: &[(&Submission, &str)],
    ) -> Result<(), sqlx::Error> {
        let mut rows = QueryBuilder::new("");
        push_outcomes(&mut rows, outcomes);
        rows.build().execute(self).await.map(drop)
    }
}

/// One field of every row, as an array to bind on PostgreSQL.
fn column<R: Copy, T>(rows: &[R], field: impl Fn(R) -> T) -> Vec<T> {
    rows.iter().map(|&row| field(row)).collect()
}

impl InsertNew for sqlx::PgConnection {
    async fn insert_reports(
        &mut self,
        batch: &[&Submission],
    ) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
        const SQL: &str = "INSERT INTO reports (id, user_id, org_unit, period_key, period_start, \
             period_end, revision, status, late, sealed_at, sealed_on_time, first_received_at, updated_at) \
             SELECT id, user_id, org_unit, period_key, period_start, period_end, 1, 'submitted', \
             late, sealed_at, sealed_on_time, received_at, received_at \
             FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::bool[], $8::int8[], $9::bool[], $10::int8[]) WITH ORDINALITY AS t (id, user_id, \
             org_unit, period_key, period_start, period_end, late, sealed_at, sealed_on_time, \
             received_at, n) ORDER BY n \
             ON CONFLICT DO NOTHING RETURNING id, user_id, period_key";
        sqlx::query_as(SQL)
            .bind(column(batch, |s| s.id.as_str()))
            .bind(column(batch, |s| s.user_id))
            .bind(column(batch, |s| s.org_unit.as_str()))
            .bind(column(batch, |s| s.period_key.as_str()))
            .bind(column(batch, |s| s.period_start.as_str()))
            .bind(column(batch, |s| s.period_end.as_str()))
            .bind(column(batch, |s| s.late))
            .bind(column(batch, |s| s.sealed_at))
            .bind(column(batch, |s| s.sealed_on_time))
            .bind(column(batch, |s| s.received_at))
            .fetch_all(self)
            .await
    }

    async fn insert_first_revisions(&mut self, created: &[&Submission]) -> Result<(), sqlx::Error> {
        const SQL: &str = "INSERT INTO report_revisions (report_id, revision, content, outcome_ids, \
             received_at, answers_review_id, sealed_at) \
             SELECT report_id, 1, content, outcome_ids, received_at, NULL, sealed_at \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[]) \
             AS t (report_id, content, outcome_ids, received_at, sealed_at)";
        sqlx::query(SQL)
            .bind(column(created, |s| s.id.as_str()))
            .bind(column(created, |s| s.content.as_str()))
            .bind(column(created, |s| s.outcome_ids.join(" ")))
            .bind(column(created, |s| s.received_at))
            .bind(column(created, |s| s.sealed_at))
            .execute(self)
            .await
            .map(drop)
    }

    async fn insert_outcomes(
        &mut self,
        outcomes: &[(&Submission, &str)],
    ) -> Result<(), sqlx::Error> {
        const SQL: &str = "INSERT INTO outcomes (report_id, outcome_id, user_id, period_start) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[])";
        sqlx::query(SQL)
            .bind(column(outcomes, |(s, _)| s.id.as_str()))
            .bind(column(outcomes, |(_, outcome)| outcome))
            .bind(column(outcomes, |(s, _)| s.user_id))
            .bind(column(outcomes, |(s, _)| s.period_start.as_str()))
            .execute(self)
            .await
            .map(drop)
    }
}

/// The batch one submission at a time, each in a savepoint: a failed statement undoes
/// only its own submission.
async fn put_isolated(
    conn: &mut Held,
    batch: &[&Submission],
) -> Result<Vec<Result<Stored, PutError>>, sqlx::Error> {
    use sqlx::Acquire;
    on_held!(conn, conn => {
        let for_update = for_update_on(conn);
        let mut tx = conn.begin_write().await?;
        let mut answers = Vec::with_capacity(batch.len());
        for &s in batch {
            let mut savepoint = tx.begin().await?;
            let answer = put_one!(savepoint, s, for_update);
            match answer {
                Ok(stored) => {
                    savepoint.commit().await?;
                    answers.push(Ok(stored));
                }
                Err(refused) => {
                    savepoint.rollback().await?;
                    answers.push(Err(refused));
                }
            }
        }
        tx.commit().await?;
        Ok(answers)
    })
}

/// The row-locking suffix of a SELECT in a write transaction on `conn`'s engine.
fn for_update_on<C: BeginWriteOn>(_: &C) -> &'static str {
    C::FOR_UPDATE
}

const INSERT_REVISION: &str = "INSERT INTO report_revisions (report_id, revision, content, outcome_ids, \
     received_at, answers_review_id, sealed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// SQLite: pushes the INSERT of each submission as a new report (its first revision), with no
/// clause for a conflict (an id or a cadre's period already stored): the caller adds the
/// one it needs.
fn push_new_reports<'a>(query: &mut QueryBuilder<'a, sqlx::Sqlite>, batch: &[&'a Submission]) {
    query.push(
        "INSERT INTO reports (id, user_id, org_unit, period_key, period_start, period_end, \
         revision, status, late, sealed_at, sealed_on_time, first_received_at, updated_at) ",
    );
    query.push_values(batch, |mut row, &s| {
        row.push_bind(s.id.as_str())
            .push_bind(s.user_id)
            .push_bind(s.org_unit.as_str())
            .push_bind(s.period_key.as_str())
            .push_bind(s.period_start.as_str())
            .push_bind(s.period_end.as_str())
            .push("1")
            .push("'submitted'")
            .push_bind(s.late)
            .push_bind(s.sealed_at)
            .push_bind(s.sealed_on_time)
            .push_bind(s.received_at)
            .push_bind(s.received_at);
    });
}

/// Which submissions of `batch` are the reports `inserted` (id, cadre, period) names: of
/// two with one id, the one whose cadre and period were stored (the first, unless it
/// collided with a period of its cadre already taken).
fn new_in_batch(batch: &[&Submission], inserted: &[(String, i64, String)]) -> Vec<bool> {
    let mut inserted: std::collections::HashSet<(&str, i64, &str)> = inserted
        .iter()
        .map(|(id, user, period)| (id.as_str(), *user, period.as_str()))
        .collect();
    batch
        .iter()
        .map(|s| inserted.remove(&(s.id.as_str(), s.user_id, s.period_key.as_str())))
        .collect()
}

/// SQLite: pushes the INSERT of the first revision of each of `created`.
fn push_first_revisions<'a>(
    query: &mut QueryBuilder<'a, sqlx::Sqlite>,
    created: &[&'a Submission],
) {
    query.push(
        "INSERT INTO report_revisions (report_id, revision, content, outcome_ids, \
         received_at, answers_review_id, sealed_at) ",
    );
    query.push_values(created, |mut row, &s| {
        row.push_bind(s.id.as_str())
            .push("1")
            .push_bind(s.content.as_str())
            .push_bind(s.outcome_ids.join(" "))
            .push_bind(s.received_at)
            .push("NULL")
            .push_bind(s.sealed_at);
    });
}

/// Every outcome id of `created`, with its submission.
fn outcomes_of<'a>(created: &[&'a Submission]) -> Vec<(&'a Submission, &'a str)> {
    created
        .iter()
        .flat_map(|&s| s.outcome_ids.iter().map(move |o| (s, o.as_str())))
        .collect()
}

/// Pushes the INSERT of `outcomes` into `outcomes`.
fn push_outcomes<'a, DB>(query: &mut QueryBuilder<'a, DB>, outcomes: &[(&'a Submission, &'a str)])
where
    DB: sqlx::Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    query.push("INSERT INTO outcomes (report_id, outcome_id, user_id, period_start) ");
    query.push_values(outcomes, |mut row, &(s, outcome)| {
        row.push_bind(s.id.as_str())
            .push_bind(outcome)
            .push_bind(s.user_id)
            .push_bind(s.period_start.as_str());
    });
}

/// The INSERT of the submission's outcome ids into `outcomes`.
fn outcome_rows<'a, DB>(s: &'a Submission) -> QueryBuilder<'a, DB>
where
    DB: sqlx::Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut query = QueryBuilder::new("");
    push_outcomes(&mut query, &outcomes_of(&[s]));
    query
}

#[instrument(skip_all)]
pub async fn get(db: &Db, id: &str) -> Result<Option<ReportRow>, sqlx::Error> {
    let sql = format!("{REPORT_SELECT} WHERE r.id = $1");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

#[instrument(skip_all)]
pub async fn of_user_period(
    db: &Db,
    user_id: i64,
    period_key: &str,
) -> Result<Option<ReportRow>, sqlx::Error> {
    let sql = format!("{REPORT_SELECT} WHERE r.user_id = $1 AND r.period_key = $2");
    on_pool!(db, pool => sqlx::query_as(&sql).bind(user_id).bind(period_key).fetch_optional(pool).await)
}

/// The user's latest report for a period that starts before `before` (a local date).
#[instrument(skip_all)]
pub async fn last_before(
    db: &Db,
    user_id: i64,
    before: &str,
) -> Result<Option<ReportRow>, sqlx::Error> {
    let sql = format!(
        "{REPORT_SELECT} WHERE r.user_id = $1 AND r.period_start < $2 ORDER BY r.period_start DESC LIMIT 1"
    );
    on_pool!(db, pool => sqlx::query_as(&sql).bind(user_id).bind(before).fetch_optional(pool).await)
}

/// Outcome ids of the user's reports for periods starting before `before`: everything a
/// new outcome may `continue` (for the browser, which checks drafts offline).
#[instrument(skip_all)]
pub async fn continuable_ids(
    db: &Db,
    user_id: i64,
    before: &str,
) -> Result<Vec<String>, sqlx::Error> {
    const SQL: &str = "SELECT DISTINCT outcome_id FROM outcomes WHERE user_id = $1 AND period_start < $2 \
         ORDER BY outcome_id";
    on_pool!(db, pool => sqlx::query_scalar(SQL).bind(user_id).bind(before).fetch_all(pool).await)
}

/// Which of `named` are outcome ids of the user's reports for periods starting before
/// `before`: only the ids a submission's `continues` names are looked up.
#[instrument(skip_all, fields(named = named.len()))]
pub async fn continuable_among(
    src: &impl Reads,
    user_id: i64,
    before: &str,
    named: &[&str],
) -> Result<Vec<String>, sqlx::Error> {
    if named.is_empty() {
        return Ok(Vec::new());
    }
    on_reader!(src, c => {
        let mut query = QueryBuilder::new("SELECT DISTINCT outcome_id FROM outcomes WHERE user_id = ");
        query.push_bind(user_id).push(" AND period_start < ").push_bind(before).push(" AND outcome_id IN (");
        let mut list = query.separated(", ");
        for id in named {
            list.push_bind(*id);
        }
        query.push(")");
        query.build_query_scalar().fetch_all(&mut **c).await
    })
}

/// The earlier outcomes a report's outcomes continue: for each of `ids` among the
/// user's reports of periods starting before `before`, the report, its period and its
/// latest content (which holds the outcome).
#[instrument(skip_all, fields(ids = ids.len()))]
pub async fn continued(
    db: &Db,
    user_id: i64,
    before: &str,
    ids: &[&str],
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_pool!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT o.outcome_id, r.id, r.period_key, v.content FROM outcomes o \
             JOIN reports r ON r.id = o.report_id \
             JOIN report_revisions v ON v.report_id = r.id AND v.revision = r.revision \
             WHERE o.user_id = ",
        );
        query.push_bind(user_id).push(" AND o.period_start < ").push_bind(before).push(" AND o.outcome_id IN (");
        let mut list = query.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        query.push(") ORDER BY r.period_start DESC");
        query.build_query_as().fetch_all(pool).await
    })
}

#[instrument(skip_all)]
pub async fn revisions(db: &Db, id: &str) -> Result<Vec<RevisionRow>, sqlx::Error> {
    const SQL: &str = "SELECT revision, content, received_at, answers_review_id, sealed_at FROM report_revisions \
         WHERE report_id = $1 ORDER BY revision";
    on_pool!(db, pool => sqlx::query_as(SQL).bind(id).fetch_all(pool).await)
}

#[instrument(skip_all)]
pub async fn latest_content(db: &Db, id: &str) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "SELECT v.content FROM report_revisions v JOIN reports r ON r.id = v.report_id \
         AND r.revision = v.revision WHERE r.id = $1";
    on_pool!(db, pool => sqlx::query_scalar(SQL).bind(id).fetch_optional(pool).await)
}

/// Filters of a report list; `scope` always applies.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub scope: Option<DivisionCode>,
    pub user_id: Option<i64>,
    pub period_key: Option<String>,
    pub status: Option<ReportStatus>,
    /// Only reports whose latest revision answers a question (and is not reviewed since).
    pub revised: bool,
    /// Status and `revised` as this reviewing body's reviews make them: a department id, or
    /// `db::departments::ORGANIZATION`.
    pub department: Option<i64>,
    /// Only reports from these subtrees (a department's reach inside `scope`).
    pub reach: Option<Vec<DivisionCode>>,
}

/// Where a report stands in the list's order: the tree, then the cadre's name, then
/// the period (never a count of anything, R2).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub org_unit: String,
    pub display_name: String,
    pub username: String,
    pub period_key: String,
    pub id: String,
}

impl From<&ReportRow> for Position {
    fn from(r: &ReportRow) -> Self {
        Position {
            org_unit: r.org_unit.clone(),
            display_name: r.display_name.clone(),
            username: r.username.clone(),
            period_key: r.period_key.clone(),
            id: r.id.clone(),
        }
    }
}

/// One keyset page of reports in tree order, then by name and period, after `window.after`.
#[instrument(skip_all)]
pub async fn list(
    db: &Db,
    filter: &Filter,
    window: &Window<Position>,
) -> Result<Vec<ReportRow>, sqlx::Error> {
    let (low, high) = filter.scope.as_ref().map_or(
        (String::new(), "~".to_owned()),
        DivisionCode::subtree_bounds,
    );
    // A reviewing body's status is its own latest review ($13); everyone else's is the row's.
    let (status, revised) = if filter.department.is_some() {
        let state = super::departments::state_sql("$13");
        (
            format!("($5 IS NULL OR {state} = $5 OR ($5 = 'submitted' AND {state} = 'revised'))"),
            format!("($6 = 0 OR {state} = 'revised')"),
        )
    } else {
        (
            // $13 is bound as NULL here: no reviewing body.
            "($5 IS NULL OR r.status = $5) AND $13 IS NULL".to_owned(),
            "($6 = 0 OR (r.status = 'submitted' AND v.answers_review_id IS NOT NULL))".to_owned(),
        )
    };
    let sql = format!(
        "{REPORT_SELECT} WHERE r.org_unit >= $1 AND r.org_unit < $2 {} \
         AND ($3 IS NULL OR r.user_id = $3) AND ($4 IS NULL OR r.period_key = $4) \
         AND {status} AND {revised} \
         AND (r.org_unit, u.display_name, u.username, r.period_key, r.id) > ($7, $8, $9, $10, $11) \
         ORDER BY r.org_unit, u.display_name, u.username, r.period_key, r.id LIMIT $12",
        reach_sql(filter.reach.as_deref())
    );
    let a = &window.after;
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(filter.user_id).bind(filter.period_key.as_deref())
        .bind(filter.status.map(ReportStatus::as_str)).bind(i64::from(filter.revised))
        .bind(&a.org_unit).bind(&a.display_name).bind(&a.username).bind(&a.period_key).bind(&a.id)
        .bind(window.fetch()).bind(filter.department)
        .fetch_all(pool).await)
}

/// `AND (r.org_unit in one of the subtrees)`, empty when there is no reach. The bounds are
/// written into the SQL: they come from parsed division codes (digits, and the digit after
/// `9`, `:`), never from text as given.
fn reach_sql(reach: Option<&[DivisionCode]>) -> String {
    let Some(units) = reach else {
        return String::new();
    };
    if units.is_empty() {
        return "AND 1 = 0".to_owned();
    }
    let ranges: Vec<String> = units
        .iter()
        .map(|unit| {
            let (low, high) = unit.subtree_bounds();
            debug_assert!(
                low.bytes()
                    .chain(high.bytes())
                    .all(|b| b.is_ascii_digit() || b == b':')
            );
            format!("(r.org_unit >= '{low}' AND r.org_unit < '{high}')")
        })
        .collect();
    format!("AND ({})", ranges.join(" OR "))
}

/// How a cadre's report for a period stands, for completeness: nothing else is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Whether the first revision arrived after due date + grace.
    pub late: bool,
    /// A late first revision that was sealed before due date + grace.
    pub sealed_on_time: bool,
}
