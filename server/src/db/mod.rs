//! Storage: one behaviour on two engines.
//!
//! [`Db`] holds a pool for SQLite (the embedded default) or PostgreSQL, picked by the URL
//! scheme. Each storage module writes its SQL once with `$N` placeholders, which both
//! engines accept, and runs it through [`on_pool!`] (the reads of a report's path through
//! [`readers::on_reader!`], on connections kept out of the pool); where the engines differ
//! (bulk inserts), the module says so next to the two versions.

use sqlx::Connection as _;
use sqlx::pool::{PoolConnection, PoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// The append-only audit log of configuration changes.
pub mod audit;
/// Village and township outlines.
pub mod boundaries;
/// Who is posted in a subtree and how their reports stand, counted by the database.
pub mod completeness;
/// Departments' data needs.
pub mod data_needs;
/// Departments, what their needs make visible, their reviews.
pub mod departments;
/// The rows of report exports, streamed.
pub mod exports;
/// The administrative tree.
pub mod org_units;
/// Keyset pages: one helper for every list.
pub mod page;
/// Policies (inherited down the tree) and emergencies.
pub mod policies;
/// Where cadres serve and when they are excused.
pub mod postings;
/// A few read connections kept out of the pool for a report's path.
pub mod readers;
/// Reports with every revision and the outcome ids they hold.
pub mod reports;
/// Reviews of reports and reopenings of locked periods.
pub mod reviews;
/// An imported roster of cadres and their postings, stored in one transaction.
pub mod roster;
/// Report templates.
pub mod templates;
/// People and their credentials.
pub mod users;
/// The one writer of reports: group commit.
pub mod writer;

/// A database of either engine.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same body against whichever pool `db` holds; `$pool` is bound to it.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A connection of either engine taken out of its pool and kept by a task that writes on
/// it batch after batch (the report writer). On SQLite this keeps the writer's page cache:
/// a connection that took turns with the readers found it emptied by every commit made on
/// another connection since its last turn, and read the index pages of each batch again.
/// Dropped after a failure, it goes back to its pool, which closes it if a transaction is
/// still open on it (see `outside_transactions`).
#[derive(Debug)]
pub enum Held {
    Sqlite(PoolConnection<sqlx::Sqlite>),
    Postgres(PoolConnection<sqlx::Postgres>),
}

impl Db {
    /// A connection out of the pool, for [`Held`] use.
    pub async fn hold(&self) -> Result<Held, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Held::Sqlite(pool.acquire().await?),
            Db::Postgres(pool) => Held::Postgres(pool.acquire().await?),
        })
    }

    /// Resolves once [`Db::close`] has been called: a holder of a [`Held`] connection lets
    /// it go then, since closing waits for every connection to be back.
    pub fn close_event(&self) -> sqlx::pool::CloseEvent {
        on_pool!(self, pool => pool.close_event())
    }
}

/// Runs the same body against whichever connection `held` is; `$conn` is bound to it.
macro_rules! on_held {
    ($held:expr, $conn:ident => $body:expr) => {
        match $held {
            $crate::db::Held::Sqlite($conn) => $body,
            $crate::db::Held::Postgres($conn) => $body,
        }
    };
}
pub(crate) use on_held;

/// `ids` as the text of an SQL list (`1, 2, 3`): integers only, so nothing from outside
/// reaches the statement's text.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Failed to open or migrate the database.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://...")]
    UnsupportedUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// How the database is opened, beyond its URL.
#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    /// The largest an SQLite database may grow, in bytes: past it, writes are refused
    /// (503 `storage_unavailable`) instead of filling the disk. `None`: no cap.
    pub sqlite_max_bytes: Option<u64>,
}

/// The log size (in pages, 1 GiB) past which a committing connection checkpoints by
/// itself: only if the checkpoints beside the writer fall behind.
const CHECKPOINT_SAFETY_PAGES: u32 = 262_144;

/// How often the log is copied into the database file beside the writer.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Copies the SQLite log (WAL) into the database file every [`CHECKPOINT_EVERY`], on a
/// connection of its own, until the pool closes. SQLite's automatic checkpoint runs inside
/// the commit that crosses 1,000 pages of log: that commit's requests, and every request
/// queued behind the writer, wait for thousands of page writes and an fsync of the
/// database file (p99 of ~200 ms with a million reports stored). A passive checkpoint
/// beside the writer blocks no one; a page written by many commits between two
/// checkpoints is copied once. A crash loses nothing: committed frames stay in the log
/// until copied, and SQLite replays them on open.
async fn checkpoints(options: SqliteConnectOptions, pool: SqlitePool) {
    let mut connection = None;
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        if pool.is_closed() {
            return;
        }
        if connection.is_none() {
            match sqlx::SqliteConnection::connect_with(&options).await {
                Ok(c) => connection = Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open the checkpoint connection");
                    continue;
                }
            }
        }
        let Some(c) = connection.as_mut() else {
            continue;
        };
        if let Err(e) = checkpoint(c).await {
            tracing::warn!(error = %e, "checkpoint failed");
            connection = None;
        }
    }
}

/// Past this many pages of log (256 MiB) after a passive checkpoint, the log is
/// restarted: every few seconds under full load, never when idle.
const RESTART_LOG_PAGES: i64 = 65_536;

/// A passive checkpoint, then a restart of the log if it has grown long. Under constant
/// writes a passive checkpoint never catches up with the end of the log, so the log is
/// never reused and would grow without bound; a restart waits for the writer's current
/// commit, copies the little written since the passive pass, and makes the next commit
/// write from the start of the log again.
async fn checkpoint(c: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let (_busy, log_pages, _copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *c)
            .await?;
    if log_pages >= RESTART_LOG_PAGES {
        sqlx::query("PRAGMA wal_checkpoint(RESTART)")
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// SQLite's page size, the unit of `max_page_count`.
const SQLITE_PAGE_BYTES: u64 = 4096;

impl Db {
    /// Opens the database named by `url`: `sqlite://path` (created if missing) or
    /// `postgres://...` / `postgresql://...`.
    pub async fn connect(url: &str) -> Result<Db, OpenError> {
        Db::connect_with(url, &StorageOptions::default()).await
    }

    /// Like [`Db::connect`], with `options`.
    pub async fn connect_with(url: &str, storage: &StorageOptions) -> Result<Db, OpenError> {
        if url.starts_with("sqlite:") {
            // Durability first: an accepted write is on disk before the response (WAL + FULL).
            let mut options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Up to 32 MiB of pages per connection (SQLite's default is 2 MiB): the
                // report writer's connection keeps the index pages it writes into, which
                // with random client ids spread over the whole index as history grows.
                .pragma("cache_size", "-32768");
            // Checkpoints run beside the writer (see `checkpoints`); SQLite's own, in the
            // committing connection, only past 1 GiB of log, as a safety net.
            options = options
                .pragma("wal_autocheckpoint", CHECKPOINT_SAFETY_PAGES.to_string())
                // A log restarted after growing long is cut back to 64 MiB.
                .pragma("journal_size_limit", (64 << 20).to_string());
            if let Some(bytes) = storage.sqlite_max_bytes {
                options = options
                    .pragma("page_size", SQLITE_PAGE_BYTES.to_string())
                    .pragma(
                        "max_page_count",
                        (bytes / SQLITE_PAGE_BYTES).max(1).to_string(),
                    );
            }
            // Eight for the server, and those the report path keeps (`readers`).
            let pool = sqlite_outside_transactions(SqlitePoolOptions::new())
                .max_connections(8 + readers::KEPT)
                .connect_with(options.clone())
                .await?;
            tokio::spawn(checkpoints(options, pool.clone()));
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No JIT compilation: it pays off for long analytical queries. Here it turned
            // a province's completeness tally (~55 ms) into 0.47–0.54 s, mostly compiling,
            // since the planner's estimate for its lookups passes `jit_above_cost`.
            let options = PgConnectOptions::from_str(url)?.options([("jit", "off")]);
            // A stopped server is a 503 within seconds, not a request held for long.
            let pool = outside_transactions(PgPoolOptions::new())
                .max_connections(16 + readers::KEPT)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(OpenError::UnsupportedUrl(redact(url)))
        }
    }

    /// Opens the database and applies every pending migration of its engine.
    pub async fn open(url: &str) -> Result<Db, OpenError> {
        Db::open_with(url, &StorageOptions::default()).await
    }

    /// Like [`Db::open`], with `options`.
    pub async fn open_with(url: &str, storage: &StorageOptions) -> Result<Db, OpenError> {
        let db = Db::connect_with(url, storage).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> Result<(), OpenError> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

/// A pool whose connections are only ever handed out outside a transaction.
///
/// A request future can be dropped at any `.await` (a client that resets its connection
/// drops its handler). If that happens after `BEGIN` ran but before a `Transaction` owned
/// it, or when a failed `COMMIT` leaves the connection inside its transaction (a full
/// disk), the connection would go back to the pool mid-transaction: later writes on it
/// would become savepoints of a transaction that never commits, answered 2xx and lost.
/// So a connection returning inside a transaction is closed instead (closing rolls the
/// transaction back), and one found inside a transaction is never handed out.
///
/// A connection is not pinged when handed out (`test_before_acquire`): that is a round
/// trip per query on PostgreSQL; a dead connection fails its statement instead.
fn outside_transactions<DB: sqlx::Database>(options: PoolOptions<DB>) -> PoolOptions<DB> {
    options
        .test_before_acquire(false)
        .after_release(|conn, _| {
            Box::pin(async move {
                // The rollback of a dropped `Transaction` is queued, not yet run: one round
                // trip lets it finish before the transaction depth is read.
                conn.ping().await?;
                let clean = !conn.is_in_transaction();
                if !clean {
                    tracing::warn!(
                        "a connection came back inside a transaction: closed, which rolls it back"
                    );
                }
                Ok(clean)
            })
        })
        .before_acquire(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
}

/// [`outside_transactions`] on SQLite, asking SQLite itself whether a connection coming
/// back is inside a transaction: sqlx counts only the transactions it began, and the
/// report writer begins its own in the command that writes a batch
/// (`reports::put_new_on_sqlite`). SQLite refuses a `BEGIN` inside a transaction; the
/// probe is one round trip, as the ping it replaces, and also lets a queued rollback finish
/// first.
fn sqlite_outside_transactions(options: SqlitePoolOptions) -> SqlitePoolOptions {
    outside_transactions(options).after_release(|conn, _| {
        Box::pin(async move {
            let probed = sqlx::query("BEGIN; ROLLBACK").execute(&mut *conn).await;
            let clean = probed.is_ok() && !conn.is_in_transaction();
            if !clean {
                tracing::warn!(
                    "a connection came back inside a transaction (or failed its check): closed, which rolls it back"
                );
            }
            Ok(clean)
        })
    })
}

/// The URL without a password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Now, in unix seconds: the one clock of the storage layer.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// True when the error is a unique-constraint violation (both engines).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// True when the error says the database cannot be reached or cannot write now — a
/// connection refused or lost, a pool that timed out, a full disk, a server shutting down
/// — rather than that a statement is wrong: worth a 503 and a retry, not a 500.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            // SQLite primary result codes (the low byte of the extended code): BUSY 5,
            // READONLY 8, IOERR 10, FULL 13, CANTOPEN 14.
            if let Ok(sqlite) = code.parse::<i32>() {
                return matches!(sqlite & 0xff, 5 | 8 | 10 | 13 | 14);
            }
            // PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient
            // resources (disk full, out of memory, too many connections), 57P operator
            // intervention (shutting down, cannot connect now).
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
        }),
        _ => false,
    }
}

/// A write transaction that takes the write lock up front: `BEGIN IMMEDIATE` on SQLite
/// (a deferred transaction that reads first and writes later can fail with "database is
/// locked" when another writer got in between), a plain `BEGIN` on PostgreSQL, whose
/// statements use [`BeginWrite::FOR_UPDATE`] to lock the rows they read.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    /// Appended to a SELECT that reads a row the transaction will change.
    const FOR_UPDATE: &'static str;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    const FOR_UPDATE: &'static str = "";
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>> + Send
    {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>> + Send
    {
        self.begin()
    }
}

/// [`BeginWrite`] on a held connection (see [`Held`]).
pub(crate) trait BeginWriteOn {
    type Database: sqlx::Database;
    const FOR_UPDATE: &'static str;
    fn begin_write(
        &mut self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'_, Self::Database>, sqlx::Error>> + Send;
}

impl BeginWriteOn for PoolConnection<sqlx::Sqlite> {
    type Database = sqlx::Sqlite;
    const FOR_UPDATE: &'static str = <SqlitePool as BeginWrite>::FOR_UPDATE;
    fn begin_write(
        &mut self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'_, sqlx::Sqlite>, sqlx::Error>> + Send {
        (**self).begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWriteOn for PoolConnection<sqlx::Postgres> {
    type Database = sqlx::Postgres;
    const FOR_UPDATE: &'static str = <PgPool as BeginWrite>::FOR_UPDATE;
    fn begin_write(
        &mut self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'_, sqlx::Postgres>, sqlx::Error>> + Send
    {
        (**self).begin()
    }
}

/// The row-locking suffix of a SELECT in a write transaction on `pool`'s engine.
pub(crate) fn for_update<P: BeginWrite>(_: &P) -> &'static str {
    P::FOR_UPDATE
}

#[cfg(test)]
mod tests {
    use super::{Db, redact};

    /// A connection given back inside a transaction sqlx did not begin (a `BEGIN` of ours)
    /// is closed, not handed out again: a write on it would wait in that transaction
    /// forever, answered and lost.
    #[tokio::test]
    async fn a_connection_back_inside_a_transaction_of_ours_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.unwrap();
        let Db::Sqlite(pool) = &db else {
            unreachable!()
        };
        let mut held = pool.acquire().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE; CREATE TABLE t (x INTEGER)")
            .execute(&mut *held)
            .await
            .unwrap();
        assert!(
            !sqlx::Connection::is_in_transaction(&*held),
            "sqlx does not count it"
        );
        drop(held);
        // Every connection the pool hands out now is outside a transaction: SQLite takes a
        // BEGIN on each (the abandoned one, if handed out, would refuse it).
        let mut all = Vec::new();
        for _ in 0..pool.options().get_max_connections() {
            let mut c = pool.acquire().await.unwrap();
            sqlx::query("BEGIN; ROLLBACK")
                .execute(&mut *c)
                .await
                .unwrap();
            all.push(c);
        }
        // And the table of the abandoned transaction was never committed.
        let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 't'")
            .fetch_one(&mut *all[0])
            .await
            .unwrap();
        assert_eq!(tables, 0);
    }

    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            redact("postgres://u:secret@h:5/db"),
            "postgres://u:***@h:5/db"
        );
        assert_eq!(redact("sqlite://jianfu.db"), "sqlite://jianfu.db");
    }
}
