//! Startup and shutdown: open the database, build the keys, the routers and the metrics,
//! bind the listeners. [`Application::build`] binds before serving and exposes the port,
//! so tests start the real application on port 0. [`Application::run_until`] serves until
//! told to stop, then stops accepting, finishes the requests in flight within
//! [`OpsConfig::shutdown_timeout`], and closes the pool.

use crate::auth::jwt::{Keys, SecretError};
use crate::clock::Clock;
use crate::cluster::Peers;
use crate::db::{Db, OpenError};
use crate::http::ops::{MIN_METRICS_TOKEN_BYTES, Ops};
use crate::observe::Metrics;
use crate::service::Services;
use crate::state::AppState;
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Everything `serve` needs, however it was configured.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: String,
    pub host: String,
    pub port: u16,
    pub jwt_secret: Option<String>,
    pub token_ttl_secs: i64,
    pub web_dir: PathBuf,
    /// The domain clock: the system clock, or a manual one in tests.
    pub clock: Clock,
    /// Metrics access and the shutdown bound.
    pub ops: OpsConfig,
    /// How the database is opened (an SQLite size cap).
    pub storage: crate::db::StorageOptions,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// How the running process is watched and stopped.
#[derive(Debug, Clone)]
pub struct OpsConfig {
    /// The bearer token that opens `/metrics` on the main listener; none: not served there.
    pub metrics_token: Option<String>,
    /// A second listener (`host:port`) serving `/metrics` without a token.
    pub metrics_listen: Option<String>,
    /// How long a stop waits for requests in flight before abandoning them.
    pub shutdown_timeout: Duration,
}

impl Default for OpsConfig {
    fn default() -> Self {
        OpsConfig {
            metrics_token: None,
            metrics_listen: None,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Database(#[from] OpenError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("the metrics token must be at least {MIN_METRICS_TOKEN_BYTES} bytes")]
    MetricsToken,
    #[error("cannot listen for notifications from other nodes: {0}")]
    Peers(sqlx::Error),
}

#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    metrics_listener: Option<(TcpListener, Router)>,
    services: Services,
    ops: Ops,
    peers: Option<Peers>,
    shutdown_timeout: Duration,
}

impl Application {
    /// Checks the secrets first (a bad one stops start before anything else happens), then
    /// opens and migrates the database and binds the listeners.
    pub async fn build(config: &ServeConfig) -> Result<Application, StartError> {
        let keys = Keys::from_secret(config.jwt_secret.as_deref(), config.token_ttl_secs)?;
        check_metrics_token(&config.ops)?;
        let db = Db::open_with(&config.database_url, &config.storage).await?;
        Application::with_db(config, db, keys).await
    }

    /// Like [`Application::build`] with an open, migrated database and ready keys.
    pub async fn with_db(
        config: &ServeConfig,
        db: Db,
        keys: Keys,
    ) -> Result<Application, StartError> {
        check_metrics_token(&config.ops)?;
        let listener = bind(&format!("{}:{}", config.host, config.port)).await?;
        crate::auth::password::warm_up().await;
        let services = Services::new(db.clone(), config.clock.clone());
        let metrics = Metrics::new(db.engine());
        let peers = Peers::join(&services, &metrics)
            .await
            .map_err(StartError::Peers)?;
        let ops = Ops {
            db,
            metrics: metrics.clone(),
            writer: services.writer_stats(),
            draining: Arc::new(AtomicBool::new(false)),
            metrics_token: config.ops.metrics_token.as_deref().map(Arc::from),
        };
        let state = AppState {
            services: services.clone(),
            keys: Arc::new(keys),
            trusted_proxies: Arc::from(config.trusted_proxies.as_slice()),
        };
        let router = observed(
            Router::new()
                .merge(crate::http::ops::router(ops.clone()))
                .merge(crate::http::router(state, &config.web_dir)),
            &metrics,
        );
        let metrics_listener = match &config.ops.metrics_listen {
            Some(addr) => Some((
                bind(addr).await?,
                observed(crate::http::ops::metrics_router(ops.clone()), &metrics),
            )),
            None => None,
        };
        Ok(Application {
            listener,
            router,
            metrics_listener,
            services,
            ops,
            peers,
            shutdown_timeout: config.ops.shutdown_timeout,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// The metrics listener's address, when one was configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .map(|(l, _)| l.local_addr().expect("a bound listener has an address"))
    }

    pub fn db(&self) -> &Db {
        &self.services.db
    }

    /// The use cases as the running server has them (same database, clock and caches).
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// This application's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.ops.metrics
    }

    /// Serves until `shutdown` completes; then `/readyz` says 503, the listeners stop
    /// accepting, requests in flight finish (those still running after the shutdown
    /// timeout are abandoned, and said so), the peer listener stops and the pool closes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let draining = self.ops.draining.clone();
        let metrics = self.ops.metrics.clone();
        let trigger = tokio::spawn(async move {
            shutdown.await;
            draining.store(true, Ordering::Release);
            tracing::info!(
                in_flight = metrics.in_flight_now(),
                "shutting down: no new connections, finishing the requests in flight"
            );
            let _ = stop_tx.send(true);
        });
        // The client's address reaches the handlers (sign-in throttling per address).
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let main = axum::serve(self.listener, service)
            .with_graceful_shutdown(stopped(stop_rx.clone()))
            .into_future();
        let second = async {
            match self.metrics_listener {
                Some((listener, router)) => {
                    axum::serve(listener, router)
                        .with_graceful_shutdown(stopped(stop_rx.clone()))
                        .await
                }
                None => Ok(()),
            }
        };
        let grace = self.shutdown_timeout;
        let mut deadline_rx = stop_rx.clone();
        let expired = async move {
            let _ = deadline_rx.wait_for(|stop| *stop).await;
            tokio::time::sleep(grace).await;
        };
        let started = Instant::now();
        let result = tokio::select! {
            result = async { tokio::try_join!(main, second).map(|_| ()) } => result,
            () = expired => {
                tracing::warn!(
                    timeout_secs = grace.as_secs_f64(),
                    in_flight = self.ops.metrics.in_flight_now(),
                    "shutdown timeout: abandoning the requests still in flight"
                );
                Ok(())
            }
        };
        trigger.abort();
        if let Some(peers) = self.peers {
            peers.leave();
        }
        // Connections held by abandoned requests would keep `close` waiting: bounded too.
        if tokio::time::timeout(Duration::from_secs(2), self.services.db.close())
            .await
            .is_err()
        {
            tracing::warn!("the pool did not close in 2 s; leaving it to the process exit");
        }
        tracing::info!(
            after_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "stopped"
        );
        result
    }
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

async fn bind(addr: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: addr.to_owned(),
            source,
        })
}

fn check_metrics_token(ops: &OpsConfig) -> Result<(), StartError> {
    match &ops.metrics_token {
        Some(token) if token.len() < MIN_METRICS_TOKEN_BYTES => Err(StartError::MetricsToken),
        _ => Ok(()),
    }
}

/// `router` with the request id, access log and metrics around every route and fallback.
fn observed(router: Router, metrics: &Metrics) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        metrics.clone(),
        crate::observe::request::track,
    ))
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
