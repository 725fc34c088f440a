//! A few connections kept out of the pool for the short reads of a report's path: whether
//! its id is new, and on a cold start the cadre's account, postings and the village's
//! policy and outline.
//!
//! A statement run on the pool costs three trips to the connection, not one: sqlx pings
//! every connection it takes back (unconditionally, `sqlx-core` 0.8
//! `pool/connection.rs return_to_pool`), after our own check that it came back outside a
//! transaction (`outside_transactions`). On SQLite each trip is a hand-off to the
//! connection's thread and back; on PostgreSQL a round trip. A connection kept here goes
//! back to its slot without either: it only ever runs reads that completed.
//!
//! What makes that safe:
//! - A reader is kept only when its statement ran to the end ([`Reader::finish`]). A
//!   request dropped mid-statement (its client went away) drops the [`Reader`] unfinished,
//!   and the connection goes back to the pool, which pings it and closes it if need be.
//! - A statement that failed for a reason of the connection (I/O, protocol, a crashed
//!   worker, PostgreSQL ending the session) lets the connection go the same way; one that
//!   failed for a reason of the statement (a constraint, no row, a decode error) leaves it
//!   as sound as before. A kept connection the database dropped (a restart) thus fails one
//!   read, as a pooled one does, and is replaced.
//! - Readers never begin a transaction: only reads are written through [`on_reader!`].
//! - Closing the database ([`Db::close`]) waits for every connection: the kept ones are let
//!   go then, and one finishing afterwards is let go instead of kept.

use super::{Db, Held};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many connections [`Readers`] keeps; the pools are that much larger (see
/// [`Db::connect_with`]), so that the rest of the server has the connections it had.
pub const KEPT: u32 = 4;

/// The kept read connections of one database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Readers {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    /// Bounds the connections in use by readers to [`KEPT`].
    permits: Arc<Semaphore>,
    slots: Mutex<Slots>,
}

#[derive(Debug, Default)]
struct Slots {
    idle: Vec<Held>,
    /// Set once the database is closing: nothing is kept from then on.
    closed: bool,
}

impl Readers {
    /// Keeps up to [`KEPT`] read connections of `db`, taken from its pool as needed. Starts
    /// the task that lets them go when `db` closes, on the current Tokio runtime.
    pub fn start(db: Db) -> Readers {
        let inner = Arc::new(Inner {
            db,
            permits: Arc::new(Semaphore::new(KEPT as usize)),
            slots: Mutex::default(),
        });
        let watcher = Arc::downgrade(&inner);
        let closing = inner.db.close_event();
        tokio::spawn(async move {
            closing.await;
            if let Some(inner) = watcher.upgrade() {
                let idle = {
                    let mut slots = inner.lock();
                    slots.closed = true;
                    std::mem::take(&mut slots.idle)
                };
                drop(idle);
            }
        });
        Readers { inner }
    }

    /// A kept connection, or one taken from the pool when none is idle; waits while
    /// [`KEPT`] are in use.
    pub async fn take(&self) -> Result<Reader, sqlx::Error> {
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.inner.lock().idle.pop();
        let held = match idle {
            Some(held) => held,
            None => self.inner.db.hold().await?,
        };
        Ok(Reader {
            held: Some(held),
            home: Some((self.inner.clone(), permit)),
            finished: false,
        })
    }

    /// The database the readers read.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// How many connections are kept idle now.
    #[cfg(test)]
    fn idle(&self) -> usize {
        self.inner.lock().idle.len()
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        // A panic while holding the lock leaves a list that is still consistent.
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One connection for one statement: kept afterwards if [`Reader::finish`] says it ended
/// soundly, otherwise let go to the pool when dropped.
#[derive(Debug)]
pub struct Reader {
    held: Option<Held>,
    /// Where a kept connection goes back; `None` for one of the pool's (see [`Reads`]).
    home: Option<(Arc<Inner>, OwnedSemaphorePermit)>,
    finished: bool,
}

impl Reader {
    /// A connection of the pool that goes back to it when dropped.
    fn pooled(held: Held) -> Reader {
        Reader {
            held: Some(held),
            home: None,
            finished: false,
        }
    }

    /// The connection, to run one read on.
    pub fn held(&mut self) -> &mut Held {
        self.held
            .as_mut()
            .expect("a reader holds its connection until dropped")
    }

    /// The statement run on this reader ended with `result`: the connection is kept unless
    /// the failure was the connection's.
    pub fn finish<T>(&mut self, result: &Result<T, sqlx::Error>) {
        self.finished = match result {
            Ok(_) => true,
            Err(e) => !is_connection_failure(e),
        };
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let (Some(held), Some((inner, _permit))) = (self.held.take(), self.home.take()) else {
            return;
        };
        if !self.finished {
            return;
        }
        let mut slots = inner.lock();
        if !slots.closed {
            slots.idle.push(held);
        }
    }
}

/// Whether `e` leaves the connection it came from in doubt.
fn is_connection_failure(e: &sqlx::Error) -> bool {
    match e {
        // PostgreSQL ends a session with an error of class 08 (connection exception) or 57P
        // (a shutdown, a crash, a terminated backend); any other is the statement's.
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        sqlx::Error::RowNotFound
        | sqlx::Error::TypeNotFound { .. }
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_) => false,
        _ => true,
    }
}

/// Where a read runs: the kept [`Readers`] on a report's path, the pool elsewhere (a
/// command, the demo data) — the same statement either way.
pub trait Reads: Sync {
    fn reader(&self) -> impl Future<Output = Result<Reader, sqlx::Error>> + Send;
}

impl Reads for Db {
    async fn reader(&self) -> Result<Reader, sqlx::Error> {
        Ok(Reader::pooled(self.hold().await?))
    }
}

impl Reads for Readers {
    async fn reader(&self) -> Result<Reader, sqlx::Error> {
        self.take().await
    }
}

/// Runs one read on a reader of `$src` (a [`Reads`]), with `$conn` bound to its connection
/// (`&mut PoolConnection<_>` of either engine), and evaluates to its result.
macro_rules! on_reader {
    ($src:expr, $conn:ident => $body:expr) => {{
        let mut reader = $crate::db::readers::Reads::reader($src).await?;
        let result = $crate::db::on_held!(reader.held(), $conn => $body);
        reader.finish(&result);
        result
    }};
}
pub(crate) use on_reader;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn sqlite() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        (dir, Db::connect(&url).await.unwrap())
    }

    async fn one(readers: &Readers) -> Result<i64, sqlx::Error> {
        on_reader!(readers, c => sqlx::query_scalar("SELECT 1").fetch_one(&mut **c).await)
    }

    /// A read of a long statement that takes its first row, then waits for ever.
    async fn first_then_wait(readers: &Readers) -> Result<Option<i64>, sqlx::Error> {
        on_reader!(readers, c => {
            let mut rows = sqlx::query_scalar::<_, i64>(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
                 SELECT i FROM n LIMIT 1000000000",
            )
            .fetch(&mut **c);
            let first = futures_util::TryStreamExt::try_next(&mut rows).await;
            assert_eq!(first.as_ref().ok(), Some(&Some(1)));
            std::future::pending::<()>().await;
            first
        })
    }

    /// A read whose statement fails (no such table).
    async fn failing(readers: &Readers) -> Result<i64, sqlx::Error> {
        on_reader!(readers, c =>
            sqlx::query_scalar("SELECT nothing FROM nowhere").fetch_one(&mut **c).await)
    }

    #[tokio::test]
    async fn a_finished_read_keeps_its_connection_and_the_next_read_takes_it() {
        let (_dir, db) = sqlite().await;
        let readers = Readers::start(db.clone());
        assert_eq!(one(&readers).await.unwrap(), 1);
        assert_eq!(readers.idle(), 1);
        let Db::Sqlite(pool) = &db else {
            unreachable!()
        };
        let in_pool = pool.size();
        // Sequential reads go on reusing that one connection: the pool hands out no other.
        for _ in 0..10 {
            one(&readers).await.unwrap();
        }
        assert_eq!(readers.idle(), 1);
        assert_eq!(pool.size(), in_pool);
    }

    #[tokio::test]
    async fn a_read_dropped_mid_statement_gives_its_connection_back_to_the_pool() {
        let (_dir, db) = sqlite().await;
        let readers = Readers::start(db.clone());
        one(&readers).await.unwrap();
        assert_eq!(readers.idle(), 1);
        // Abandoned after its first row (a client going away): the reader is dropped
        // before its statement ended.
        let abandoned =
            tokio::time::timeout(Duration::from_millis(50), first_then_wait(&readers)).await;
        assert!(abandoned.is_err());
        assert_eq!(readers.idle(), 0, "an unfinished connection is not kept");
        // The next read gets a sound connection.
        assert_eq!(one(&readers).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_failed_statement_keeps_the_connection_a_failed_connection_does_not() {
        let (_dir, db) = sqlite().await;
        let readers = Readers::start(db.clone());
        let failed = failing(&readers).await;
        assert!(matches!(failed, Err(sqlx::Error::Database(_))));
        assert_eq!(readers.idle(), 1);
        let mut reader = readers.take().await.unwrap();
        reader.finish::<()>(&Err(sqlx::Error::WorkerCrashed));
        drop(reader);
        assert_eq!(readers.idle(), 0);
    }

    #[tokio::test]
    async fn closing_the_database_lets_the_kept_connections_go() {
        let (_dir, db) = sqlite().await;
        let readers = Readers::start(db.clone());
        // Four connections in use at once, all kept afterwards.
        let taken: Vec<Reader> =
            futures_util::future::try_join_all((0..KEPT).map(|_| readers.take()))
                .await
                .unwrap();
        for mut reader in taken {
            reader.finish::<()>(&Ok(()));
        }
        assert_eq!(readers.idle(), KEPT as usize);
        // `close` waits for every connection of the pool: it ends only if they were let go.
        tokio::time::timeout(Duration::from_secs(5), db.close())
            .await
            .expect("closing does not wait for the kept readers");
        assert_eq!(readers.idle(), 0);
        assert!(matches!(readers.take().await, Err(sqlx::Error::PoolClosed)));
    }

    #[tokio::test]
    async fn a_reader_finishing_after_close_is_let_go() {
        let (_dir, db) = sqlite().await;
        let readers = Readers::start(db.clone());
        let mut reader = readers.take().await.unwrap();
        let closing = tokio::spawn({
            let db = db.clone();
            async move { db.close().await }
        });
        // Give the close event time to reach the watcher.
        tokio::time::sleep(Duration::from_millis(50)).await;
        reader.finish::<()>(&Ok(()));
        drop(reader);
        assert_eq!(readers.idle(), 0);
        tokio::time::timeout(Duration::from_secs(5), closing)
            .await
            .expect("closing ends once the reader is dropped")
            .unwrap();
    }
}
