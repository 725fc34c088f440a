//! The endpoints an operator's tools call, outside `/api/v1` and without a login:
//! `GET /healthz` (the process answers), `GET /readyz` (the database answers within a
//! second and every migration this binary knows is applied, and the process is not
//! shutting down) and `GET /metrics` (Prometheus text), which reveals volumes and so is
//! served only on the metrics listener (`--metrics-listen`) or, on the main listener,
//! to a bearer of the metrics token (`--metrics-token`). All three are cheap: readiness
//! is one indexed read of the migrations table.

use super::error::{ApiError, ErrorCode};
use crate::db::{Db, on_pool};
use crate::observe::Metrics;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use sqlx::migrate::Migrator;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// How long `/readyz` waits for the database before saying it is not ready.
pub const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// What the operations endpoints reach.
#[derive(Debug, Clone)]
pub struct Ops {
    pub db: Db,
    pub metrics: Metrics,
    /// The report writer's counts, mirrored into the metrics at scrape time.
    pub writer: Arc<crate::db::writer::Stats>,
    /// Set when shutdown begins: `/readyz` then answers 503 so balancers stop sending.
    pub draining: Arc<AtomicBool>,
    /// The bearer token `/metrics` wants on the main listener; none: not served there.
    pub metrics_token: Option<Arc<str>>,
}

/// `/healthz`, `/readyz`, and `/metrics` when a metrics token is set: for the main listener.
pub fn router(ops: Ops) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if ops.metrics_token.is_some() {
        router = router.route("/metrics", get(metrics_with_token));
    }
    router.with_state(ops)
}

/// The metrics listener: `/metrics` without a token (the address is the restriction),
/// plus the two probes.
pub fn metrics_router(ops: Ops) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(super::not_found)
        .with_state(ops)
}

async fn healthz() -> Response {
    no_store(axum::Json(json!({ "status": "ok" })).into_response())
}

async fn readyz(State(ops): State<Ops>) -> Response {
    if ops.draining.load(Ordering::Acquire) {
        return not_ready("draining", "正在停止服务", "shutting down", json!({}));
    }
    let migrations = match tokio::time::timeout(READY_TIMEOUT, migrations(&ops.db)).await {
        Err(_) => {
            return not_ready(
                "database_timeout",
                "数据库未在时限内响应",
                "the database did not answer in time",
                json!({ "timeout_ms": READY_TIMEOUT.as_millis() }),
            );
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            return not_ready(
                "database_unreachable",
                "无法连接数据库",
                "the database does not answer",
                json!({}),
            );
        }
        Ok(Ok(m)) => m,
    };
    if !migrations.pending.is_empty() {
        return not_ready(
            "migrations_pending",
            "数据库结构未升级：请先运行 jianfu migrate",
            "the schema is behind this binary: run jianfu migrate",
            json!({ "pending": migrations.pending }),
        );
    }
    no_store(
        axum::Json(json!({
            "status": "ready",
            "engine": ops.db.engine(),
            "migrations": {
                "applied": migrations.applied,
                "expected": migrations.expected,
                // A newer binary migrated first (a rolling upgrade): migrations only add, so
                // this one still works; it is said, not refused.
                "ahead": migrations.ahead,
            },
        }))
        .into_response(),
    )
}

fn not_ready(
    reason: &str,
    zh: &'static str,
    en: &'static str,
    details: serde_json::Value,
) -> Response {
    let error = ApiError::new(ErrorCode::StorageUnavailable)
        .message(zh, en)
        .details(json!({ "reason": reason }))
        .details(details);
    no_store(error.into_response())
}

/// Which of this binary's migrations the database has applied.
#[derive(Debug)]
struct MigrationState {
    applied: usize,
    expected: usize,
    pending: Vec<i64>,
    ahead: usize,
}

async fn migrations(db: &Db) -> Result<MigrationState, sqlx::Error> {
    const SQL: &str = "SELECT version FROM _sqlx_migrations WHERE success";
    let (applied, migrator): (Vec<i64>, &Migrator) = match db {
        Db::Sqlite(_) => (
            on_pool!(db, pool => sqlx::query_scalar(SQL).fetch_all(pool).await)?,
            &SQLITE_MIGRATIONS,
        ),
        Db::Postgres(_) => (
            on_pool!(db, pool => sqlx::query_scalar(SQL).fetch_all(pool).await)?,
            &POSTGRES_MIGRATIONS,
        ),
    };
    let applied: BTreeSet<i64> = applied.into_iter().collect();
    let expected: BTreeSet<i64> = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    Ok(MigrationState {
        applied: applied.len(),
        expected: expected.len(),
        pending: expected.difference(&applied).copied().collect(),
        ahead: applied.difference(&expected).count(),
    })
}

async fn metrics(State(ops): State<Ops>) -> Response {
    let body = ops.metrics.render(&ops.db, &ops.writer);
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(prometheus::TEXT_FORMAT),
    );
    no_store(response)
}

async fn metrics_with_token(State(ops): State<Ops>, headers: HeaderMap) -> Response {
    let Some(expected) = ops.metrics_token.as_deref() else {
        return ApiError::new(ErrorCode::NotFound).into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        None => ApiError::new(ErrorCode::Unauthenticated).into_response(),
        Some(token) if same(token.as_bytes(), expected.as_bytes()) => metrics(State(ops)).await,
        Some(_) => ApiError::new(ErrorCode::InvalidToken).into_response(),
    }
}

/// Compares without stopping at the first difference, so timing does not reveal a prefix.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The smallest metrics token accepted.
pub const MIN_METRICS_TOKEN_BYTES: usize = 16;

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abcdef", b"abcdef"));
        assert!(!same(b"abcdef", b"abcdeg"));
        assert!(!same(b"abc", b"abcdef"));
    }
}
