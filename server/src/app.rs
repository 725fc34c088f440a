//! Startup: open the database, build the keys and the router, bind the listener.
//! [`Application::build`] binds before serving and exposes the port, so tests start the
//! real application on port 0.

use crate::auth::jwt::{Keys, SecretError};
use crate::clock::Clock;
use crate::db::{Db, OpenError};
use crate::service::Services;
use crate::state::AppState;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

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
}

#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    services: Services,
}

impl Application {
    /// Checks the secret first (a bad one stops start before anything else happens), then
    /// opens and migrates the database and binds the listener.
    pub async fn build(config: &ServeConfig) -> Result<Application, StartError> {
        let keys = Keys::from_secret(config.jwt_secret.as_deref(), config.token_ttl_secs)?;
        let db = Db::open(&config.database_url).await?;
        Application::with_db(config, db, keys).await
    }

    /// Like [`Application::build`] with an open, migrated database and ready keys.
    pub async fn with_db(
        config: &ServeConfig,
        db: Db,
        keys: Keys,
    ) -> Result<Application, StartError> {
        let addr = format!("{}:{}", config.host, config.port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        crate::auth::password::warm_up().await;
        let services = Services::new(db, config.clock.clone());
        let state = AppState {
            services: services.clone(),
            keys: Arc::new(keys),
        };
        let router = crate::http::router(state, &config.web_dir);
        Ok(Application {
            listener,
            router,
            services,
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

    pub fn db(&self) -> &Db {
        &self.services.db
    }

    /// The use cases as the running server has them (same database, clock and caches).
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let result = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        self.services.db.close().await;
        result
    }
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
    tracing::info!("shutting down");
}
