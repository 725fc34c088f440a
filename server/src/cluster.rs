//! Several API nodes on one PostgreSQL.
//!
//! Everything a node decides comes from the database, with one exception: the cache of
//! resolved reporting contexts ([`crate::service::context::Cache`]: a unit's policy in
//! force and its boundary). A configuration change on one node must reach the caches of
//! the others. Two mechanisms do it:
//!
//! 1. **The audit stamp, read at every use of the cache.** Every change that can alter a
//!    context (policy, template, data need, emergency, boundary) appends an audit entry in
//!    its own transaction. Before a node uses its cache it reads the newest audit id (one
//!    index lookup); a newer id than the one it last saw empties the cache first. So a
//!    change acknowledged to anyone before a submission starts — on any node — is seen by
//!    that submission: read-your-writes across nodes, which the two-node test checks.
//! 2. **LISTEN/NOTIFY.** After a change, its node sends a notification on
//!    [`CHANNEL`]; every other node listens and empties its cache. This covers what the
//!    stamp cannot: audit ids are taken at insert and committed in any order, so a change
//!    that commits *after* one with a higher id leaves the newest id unchanged.
//!
//! **How stale a node can be:** only when two configuration changes commit concurrently,
//! out of id order, and only until the second node's notification arrives (a millisecond
//! or so on a local network; if a node's listener connection drops, it empties its cache
//! on noticing and again on every reconnect attempt). **Why that is safe:** a submission
//! checked with the context of a moment ago is the decision the server would have made had
//! it arrived a moment earlier, and the cadre's client wrote it against that context;
//! nothing else reads the cache (lists, completeness, reviews and audit read the
//! database), and the next use after the notification sees the change.
//!
//! On SQLite there is one node (a database file is not shared between hosts), so neither
//! mechanism is used and a change only empties the local cache.

use crate::db::Db;
use crate::db::readers::{Reads, on_reader};
use crate::observe::Metrics;
use crate::service::Services;
use crate::service::context::Cache;
use sqlx::postgres::{PgListener, PgPool};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The notification channel of configuration changes.
pub const CHANNEL: &str = "jianfu_config_changed";

/// What the context cache of a node on PostgreSQL uses to hear about and announce changes.
#[derive(Debug)]
pub struct Link {
    pool: PgPool,
    /// This node's random id, the payload of its notifications (it ignores its own).
    node: Arc<str>,
    metrics: Metrics,
}

impl Link {
    /// The newest audit entry's id: grows with every configuration change.
    pub async fn stamp(&self, src: &impl Reads) -> Result<i64, sqlx::Error> {
        on_reader!(src, c => sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log")
            .fetch_one(&mut **c)
            .await)
    }

    /// Tells the other nodes that a change committed. Sent in the background: the stamp
    /// already makes the change visible to every later request.
    pub fn announce(&self) {
        let pool = self.pool.clone();
        let node = self.node.clone();
        tokio::spawn(async move {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(&*node)
                .execute(&pool)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "could not notify the other nodes of a change");
            }
        });
    }

    /// Counts a dropped cache under `source` (see the metric's help).
    pub fn dropped(&self, source: &'static str) {
        self.metrics.invalidated(source);
    }
}

/// This node's membership: the listener task.
#[derive(Debug)]
pub struct Peers {
    task: JoinHandle<()>,
}

impl Peers {
    /// On PostgreSQL: connects the cache to the others (stamp and notifications) and starts
    /// listening. On SQLite: nothing to join.
    pub async fn join(
        services: &Services,
        metrics: &Metrics,
    ) -> Result<Option<Peers>, sqlx::Error> {
        let Db::Postgres(pool) = &services.db else {
            return Ok(None);
        };
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        let node: Arc<str> = Arc::from(uuid::Uuid::new_v4().simple().to_string());
        let link = Arc::new(Link {
            pool: pool.clone(),
            node: node.clone(),
            metrics: metrics.clone(),
        });
        services.contexts.connect(link.clone());
        let task = tokio::spawn(listen(listener, Arc::downgrade(&services.contexts), link));
        Ok(Some(Peers { task }))
    }

    /// Stops listening (at shutdown, before the pool closes).
    pub fn leave(self) {
        self.task.abort();
    }
}

async fn listen(mut listener: PgListener, cache: Weak<Cache>, link: Arc<Link>) {
    loop {
        let event = listener.try_recv().await;
        let Some(cache) = cache.upgrade() else {
            return;
        };
        match event {
            Ok(Some(notification)) => {
                if notification.payload() != &*link.node {
                    cache.forget();
                    link.dropped("peer");
                }
            }
            // The connection was lost (sqlx reconnects on the next call): anything sent
            // meanwhile is lost too, so forget everything.
            Ok(None) => {
                tracing::warn!("lost the notification connection; reconnecting");
                cache.forget();
                link.dropped("reconnect");
            }
            Err(e) => {
                tracing::warn!(error = %e, "notification listener failed; retrying in 1 s");
                cache.forget();
                link.dropped("reconnect");
                drop(cache);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
