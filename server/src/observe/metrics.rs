//! The Prometheus metrics of one running application, in a registry of its own (tests run
//! several applications in one process; a global recorder would mix them).
//!
//! Labels are bounded and never name a person (R2): the matched route *template*
//! (`/api/v1/reports/{id}`, never the id), the method, the status, an error code from the
//! catalogue, a submission's outcome, the engine and version. No user id, username,
//! report id or unit code below a county is ever a label; `tests/ops.rs` checks it.

use crate::db::Db;
use crate::http::error::ErrorCode;
use prometheus::{
    Counter, Encoder as _, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::time::Duration;

/// What a `PUT /api/v1/reports/{id}` did, attached to its response for the metrics layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submission {
    /// A new report (its first revision).
    Created,
    /// A new revision of an existing report.
    Revised,
    /// The same id and content again: nothing stored.
    Replayed,
}

impl Submission {
    pub fn as_str(self) -> &'static str {
        match self {
            Submission::Created => "created",
            Submission::Revised => "revised",
            Submission::Replayed => "replayed",
        }
    }
}

/// The route whose refusals count as refused submissions.
pub const SUBMIT_ROUTE: &str = "/api/v1/reports/{id}";
/// The route whose refusals count as login failures.
pub const LOGIN_ROUTE: &str = "/api/v1/auth/login";

/// Request latency buckets in seconds, around the 50 ms p99 target.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The metrics of one application.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    submissions: IntCounterVec,
    login_failures: IntCounterVec,
    pool: IntGaugeVec,
    pool_max: IntGauge,
    invalidations: IntCounterVec,
    batches: IntCounter,
    carried: IntCounter,
    writer_busy: Counter,
    /// Held while the writer's counts are brought up to date, so that two scrapes at once
    /// do not both add the same difference.
    mirror: std::sync::Arc<std::sync::Mutex<()>>,
}

impl Metrics {
    /// A fresh registry with every metric registered and the build info set.
    pub fn new(engine: &str) -> Metrics {
        let labels = ["method", "route", "status"];
        let requests = counters(
            "jianfu_http_requests_total",
            "HTTP requests answered, by method, matched route template and status.",
            &labels,
        );
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "jianfu_http_request_duration_seconds",
                "Time from the request's arrival to its response head, by method, route and status.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &labels,
        )
        .expect("valid metric");
        let in_flight = IntGauge::new(
            "jianfu_http_requests_in_flight",
            "Requests being handled now.",
        )
        .expect("valid metric");
        let submissions = counters(
            "jianfu_submissions_total",
            "Report submissions (PUT /api/v1/reports/{id}) by outcome: created, revised \
             (together: accepted), replayed (same content again, nothing stored) or \
             refused, with the error code of a refusal (\"none\" otherwise).",
            &["outcome", "code"],
        );
        let login_failures = counters(
            "jianfu_login_failures_total",
            "Refused logins by error code (bad_credentials: wrong username or password).",
            &["code"],
        );
        let pool = IntGaugeVec::new(
            Opts::new(
                "jianfu_db_pool_connections",
                "Database pool connections by state (in_use, idle), read at scrape time; \
                 once reports have been written, in_use counts the report writer's own one.",
            ),
            &["state"],
        )
        .expect("valid metric");
        let pool_max = IntGauge::new(
            "jianfu_db_pool_max_connections",
            "The pool's size limit: in_use at this limit means requests wait for a connection.",
        )
        .expect("valid metric");
        let invalidations = counters(
            "jianfu_context_invalidations_total",
            "Cached reporting contexts dropped, by source: a change on this node (local), a \
             notification from another node (peer), a newer change seen in the audit log \
             (stamp), or a lost listener connection (reconnect).",
            &["source"],
        );
        let (batches, carried, writer_busy) = writer_counters();
        let build_info = IntGaugeVec::new(
            Opts::new(
                "jianfu_build_info",
                "Always 1; the labels say which build runs on which engine.",
            ),
            &["version", "engine"],
        )
        .expect("valid metric");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), engine])
            .set(1);
        let registry = Registry::new();
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(in_flight.clone()),
            Box::new(submissions.clone()),
            Box::new(login_failures.clone()),
            Box::new(pool.clone()),
            Box::new(pool_max.clone()),
            Box::new(invalidations.clone()),
            Box::new(batches.clone()),
            Box::new(carried.clone()),
            Box::new(writer_busy.clone()),
            Box::new(build_info),
        ] {
            registry
                .register(collector)
                .expect("each metric registered once");
        }
        Metrics {
            registry,
            requests,
            latency,
            in_flight,
            submissions,
            login_failures,
            pool,
            pool_max,
            invalidations,
            batches,
            carried,
            writer_busy,
            mirror: std::sync::Arc::default(),
        }
    }

    /// Counts one answered request. `code` is the error code of an error response;
    /// `submission` what a successful submission did.
    pub fn record(&self, answered: &Answered<'_>) {
        let status = answered.status.as_str();
        let labels = [answered.method, answered.route, status];
        self.requests.with_label_values(&labels).inc();
        self.latency
            .with_label_values(&labels)
            .observe(answered.latency.as_secs_f64());
        if answered.route == SUBMIT_ROUTE && answered.method == "PUT" {
            match (answered.submission, answered.code) {
                (Some(done), _) => self
                    .submissions
                    .with_label_values(&[done.as_str(), "none"])
                    .inc(),
                (None, Some(code)) => self
                    .submissions
                    .with_label_values(&["refused", code.as_str()])
                    .inc(),
                (None, None) => {}
            }
        }
        if answered.route == LOGIN_ROUTE {
            if let Some(code) = answered.code {
                self.login_failures
                    .with_label_values(&[code.as_str()])
                    .inc();
            }
        }
    }

    /// A guard counting one request in flight until dropped.
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// Requests being handled now.
    pub fn in_flight_now(&self) -> i64 {
        self.in_flight.get()
    }

    /// Counts dropped cached contexts (see [`crate::cluster`]).
    pub fn invalidated(&self, source: &'static str) {
        self.invalidations.with_label_values(&[source]).inc();
    }

    /// The text exposition of every metric, with the pool and the report writer's counts
    /// read now.
    pub fn render(&self, db: &Db, writer: &crate::db::writer::Stats) -> String {
        {
            // The writer's counts only grow: each counter is brought up to them.
            let _one_at_a_time = self
                .mirror
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let (batches, submissions, busy) = writer.read();
            self.batches
                .inc_by(batches.saturating_sub(self.batches.get()));
            self.carried
                .inc_by(submissions.saturating_sub(self.carried.get()));
            self.writer_busy
                .inc_by((busy - self.writer_busy.get()).max(0.0));
        }
        let (size, idle, max) = crate::db::on_pool!(db, pool => (
            pool.size(),
            pool.num_idle(),
            pool.options().get_max_connections(),
        ));
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(size) - idle);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool_max.set(i64::from(max));
        let mut text = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut text)
            .expect("the text encoder writes to memory");
        String::from_utf8(text).expect("the text format is UTF-8")
    }
}

/// The report writer's batches, the submissions they carried, and its busy seconds.
fn writer_counters() -> (IntCounter, IntCounter, Counter) {
    let batches = IntCounter::new(
        "jianfu_report_batches_total",
        "Batches of submissions the report writer took (group commit), read at scrape time.",
    )
    .expect("valid metric");
    let carried = IntCounter::new(
        "jianfu_report_batched_submissions_total",
        "Submissions those transactions carried: divided by the batches, the mean batch.",
    )
    .expect("valid metric");
    let writer_busy = Counter::new(
        "jianfu_report_writer_busy_seconds_total",
        "Time the report writer spent writing batches, commits included: its rate near 1 \
         means the writer bounds the rate of new reports.",
    )
    .expect("valid metric");
    (batches, carried, writer_busy)
}

fn counters(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric")
}

/// One answered request as the metrics see it.
#[derive(Debug)]
pub struct Answered<'a> {
    pub method: &'a str,
    pub route: &'a str,
    pub status: axum::http::StatusCode,
    pub latency: Duration,
    pub code: Option<ErrorCode>,
    pub submission: Option<Submission>,
}

/// Decrements the in-flight gauge when the request is answered (or dropped).
#[derive(Debug)]
pub struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}
