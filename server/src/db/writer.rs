//! The one writer of reports (group commit).
//!
//! Submissions are checked concurrently by their requests, then handed to this writer,
//! which stores whatever has queued up meanwhile in one transaction, a savepoint per
//! submission ([`reports::put_batch`]), and answers each request only once the commit
//! holding it has returned: an answer of 201 or 200 is durable (SQLite `synchronous=FULL`,
//! PostgreSQL `fsync`). While one batch commits, the next one queues; under load a commit
//! carries many submissions, alone it carries one and waits for nobody.
//!
//! A crash (kill -9, power) loses only submissions that were never answered: their
//! devices keep them and send them again (the same id and content is a replay).
//!
//! On SQLite the writer is the only holder of the write lock for reports, so requests no
//! longer race for `BEGIN IMMEDIATE` and sleep in its busy back-off; other writes (admin
//! changes, reviews) still take the lock for their own short transactions. The writer
//! keeps one connection out of the pool from batch to batch ([`Held`]), so that on SQLite
//! the index pages it writes into stay in that connection's cache; after a failed batch
//! it lets that connection go (the pool closes it if it is still inside a transaction)
//! and takes another.

use super::reports::{self, PutError, Stored, Submission};
use super::{Db, Held};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// The most submissions one transaction carries.
pub const MAX_BATCH: usize = 256;

/// How many submissions may wait for the writer before requests wait to hand theirs over.
const QUEUE: usize = 4 * MAX_BATCH;

type Answer = Result<Stored, PutError>;

struct Job {
    submission: Submission,
    answer: oneshot::Sender<Answer>,
}

/// A handle on the writer task of one database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

/// What the writer has done since it started, for the metrics: how many batches it wrote,
/// how many submissions they carried, and how long it was busy writing them (from taking a
/// batch to answering it, the commit included). Busy time near the whole run means the
/// writer is what bounds the rate; submissions per busy second is then that bound.
#[derive(Debug, Default)]
pub struct Stats {
    batches: AtomicU64,
    submissions: AtomicU64,
    busy_micros: AtomicU64,
}

impl Stats {
    /// Batches, submissions, and busy seconds so far.
    pub fn read(&self) -> (u64, u64, f64) {
        (
            self.batches.load(Ordering::Relaxed),
            self.submissions.load(Ordering::Relaxed),
            std::time::Duration::from_micros(self.busy_micros.load(Ordering::Relaxed))
                .as_secs_f64(),
        )
    }

    fn count(&self, submissions: usize, busy: std::time::Duration) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.submissions
            .fetch_add(submissions as u64, Ordering::Relaxed);
        self.busy_micros.fetch_add(
            u64::try_from(busy.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
}

impl Writer {
    /// Starts the writer task of `db` on the current Tokio runtime, counting its work in
    /// `stats`. The task ends when the last handle is dropped.
    pub fn start(db: Db, stats: Arc<Stats>) -> Writer {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, jobs, stats));
        Writer { queue }
    }

    /// Stores `submission` in the next batch and answers once that batch is committed.
    pub async fn put(&self, submission: Submission) -> Answer {
        let (answer, answered) = oneshot::channel();
        let stopped = || PutError::Db(sqlx::Error::PoolClosed);
        self.queue
            .send(Job { submission, answer })
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

async fn run(db: Db, mut jobs: mpsc::Receiver<Job>, stats: Arc<Stats>) {
    use futures_util::FutureExt;
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut held: Option<Held> = None;
    loop {
        // Closing the database waits for the held connection: it is let go then.
        let received = tokio::select! {
            received = jobs.recv_many(&mut batch, MAX_BATCH) => received,
            () = db.close_event(), if held.is_some() => {
                held = None;
                continue;
            }
        };
        if received == 0 {
            return;
        }
        let started = Instant::now();
        let submissions: Vec<&Submission> = batch.iter().map(|j| &j.submission).collect();
        // A panic while writing must not stop the writer: the batch's requests get an
        // error (nothing of it was committed) and the next batch is written as usual.
        let answers = std::panic::AssertUnwindSafe(write(&db, &mut held, &submissions))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!(batch = batch.len(), "writing a batch of reports panicked");
                held = None;
                Vec::new()
            });
        let mut answers = answers.into_iter();
        for job in batch.drain(..) {
            let answer = answers
                .next()
                .unwrap_or_else(|| Err(PutError::Db(sqlx::Error::WorkerCrashed)));
            // A request that gave up (its client went away) is not waiting.
            let _ = job.answer.send(answer);
        }
        stats.count(received, started.elapsed());
    }
}

/// One answer per submission, in order.
async fn write(db: &Db, held: &mut Option<Held>, submissions: &[&Submission]) -> Vec<Answer> {
    match put_batch(db, held, submissions).await {
        Ok(answers) => answers,
        // The transaction failed as a whole (a full disk, a lost connection): nothing of it
        // is stored. Each submission is tried alone, so that each gets its own answer and
        // those that can be stored are.
        Err(e) if submissions.len() > 1 => {
            tracing::warn!(error = %e, batch = submissions.len(), "a batch failed: storing its reports one by one");
            let mut answers = Vec::with_capacity(submissions.len());
            for &submission in submissions {
                answers.push(match put_batch(db, held, &[submission]).await {
                    Ok(mut one) => one
                        .pop()
                        .unwrap_or(Err(PutError::Db(sqlx::Error::RowNotFound))),
                    Err(e) => Err(PutError::Db(e)),
                });
            }
            answers
        }
        Err(e) => vec![Err(PutError::Db(e))],
    }
}

/// [`reports::put_batch`] on the held connection, taken from the pool if there is none;
/// after a failure the connection is let go, so that the next batch starts on a clean one.
async fn put_batch(
    db: &Db,
    held: &mut Option<Held>,
    submissions: &[&Submission],
) -> Result<Vec<Answer>, sqlx::Error> {
    let conn = match held {
        Some(conn) => conn,
        None => held.insert(db.hold().await?),
    };
    let result = reports::put_batch(conn, submissions).await;
    if result.is_err() {
        *held = None;
    }
    result
}
