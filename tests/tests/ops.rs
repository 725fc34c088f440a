//! The operator's endpoints in process, on both engines: the probes, the metrics (and that
//! no label names a person, R2), and the request id in every error body.

// Metric samples are read as f64; the counts compared are small integers, exact in f64.
#![allow(clippy::float_cmp)]

use jianfu_server::db::Db;
use jianfu_tests::fixtures::{WEEK, content, outcome, put_report, revise_report, setup};
use jianfu_tests::{METRICS_TOKEN, StatusCode, TestApp, USERS, expect_error, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

on_both_engines!(
    probes_answer_without_a_login,
    readyz_is_503_when_migrations_are_behind_or_the_database_is_gone,
    metrics_count_routes_submissions_and_login_failures_and_name_no_person,
    every_error_body_carries_the_request_id_of_its_response,
);

async fn probes_answer_without_a_login(app: TestApp) {
    let health = app
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(health.headers().contains_key("x-request-id"));
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );

    let ready = app
        .request(Method::GET, "/readyz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(
        body["migrations"]["applied"],
        body["migrations"]["expected"]
    );
    assert_eq!(body["migrations"]["ahead"], 0);
}

async fn readyz_is_503_when_migrations_are_behind_or_the_database_is_gone(app: TestApp) {
    let forget_last =
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)";
    let last: i64 = match &app.db {
        Db::Sqlite(pool) => {
            let v = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(pool)
                .await
                .unwrap();
            sqlx::query(forget_last).execute(pool).await.unwrap();
            v
        }
        Db::Postgres(pool) => {
            let v = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(pool)
                .await
                .unwrap();
            sqlx::query(forget_last).execute(pool).await.unwrap();
            v
        }
    };
    let behind = app
        .request(Method::GET, "/readyz", None)
        .send()
        .await
        .unwrap();
    assert!(behind.headers().contains_key("retry-after"));
    let body = expect_error(
        behind,
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
    )
    .await;
    assert_eq!(body["details"]["reason"], "migrations_pending");
    assert_eq!(body["details"]["pending"], json!([last]));
    // The process itself is still up.
    let health = app
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    app.db.close().await;
    let gone = app
        .request(Method::GET, "/readyz", None)
        .send()
        .await
        .unwrap();
    let body = expect_error(gone, StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable").await;
    assert_eq!(body["details"]["reason"], "database_unreachable");
}

#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
async fn metrics_count_routes_submissions_and_login_failures_and_name_no_person(app: TestApp) {
    // Not without the token, not with another.
    let anonymous = app
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap();
    expect_error(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let forged = app
        .request(
            Method::GET,
            "/metrics",
            Some("metrics-token-but-not-this-one"),
        )
        .send()
        .await
        .unwrap();
    expect_error(forged, StatusCode::UNAUTHORIZED, "invalid_token").await;

    let s = setup(&app).await;
    let id = uuid::Uuid::new_v4().to_string();
    let first = content(&[outcome("o1", "修通村东道路", "in_progress")]);
    let second = content(&[outcome("o1", "修通村东道路，已完工", "done")]);
    assert_eq!(
        put_report(&app, &s.cadre, &id, WEEK, &first).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        put_report(&app, &s.cadre, &id, WEEK, &first).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        revise_report(&app, &s.cadre, &id, WEEK, &second, 1)
            .await
            .status(),
        StatusCode::OK
    );
    let other = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        put_report(&app, &s.cadre, &other, WEEK, &first)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let bad = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "cadre", "password": "wrong password"}),
        )
        .await;
    expect_error(bad, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    app.get(&format!("/api/v1/reports/{id}"), &s.reviewer).await;

    let scraped = app
        .request(Method::GET, "/metrics", Some(METRICS_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(
        scraped.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        scraped.headers()
    );
    let text = scraped.text().await.unwrap();
    let samples = parse(&text);
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        samples
            .iter()
            .filter(|(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, v)| v)
            .sum()
    };
    let submit = [("method", "PUT"), ("route", "/api/v1/reports/{id}")];
    assert_eq!(
        value(
            "jianfu_http_requests_total",
            &[submit[0], submit[1], ("status", "201")]
        ),
        2.0
    );
    assert_eq!(
        value(
            "jianfu_http_requests_total",
            &[submit[0], submit[1], ("status", "409")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "jianfu_http_request_duration_seconds_count",
            &[submit[0], submit[1], ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        value("jianfu_submissions_total", &[("outcome", "created")]),
        1.0
    );
    assert_eq!(
        value("jianfu_submissions_total", &[("outcome", "replayed")]),
        1.0
    );
    assert_eq!(
        value("jianfu_submissions_total", &[("outcome", "revised")]),
        1.0
    );
    assert_eq!(
        value(
            "jianfu_submissions_total",
            &[("outcome", "refused"), ("code", "report_exists_for_period")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "jianfu_login_failures_total",
            &[("code", "bad_credentials")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "jianfu_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    // The creation, the revision and the second id for the week reached the report
    // writer, one batch each (each request waited for its answer before the next); the
    // replay was answered from committed state without it.
    assert_eq!(value("jianfu_report_batches_total", &[]), 3.0, "{text}");
    assert_eq!(
        value("jianfu_report_batched_submissions_total", &[]),
        3.0,
        "{text}"
    );
    assert!(
        value("jianfu_report_writer_busy_seconds_total", &[]) > 0.0,
        "{text}"
    );
    assert!(value("jianfu_db_pool_max_connections", &[]) >= 1.0);
    assert!(
        text.contains("jianfu_db_pool_connections{state=\"in_use\"}"),
        "{text}"
    );
    assert!(
        text.contains("jianfu_db_pool_connections{state=\"idle\"}"),
        "{text}"
    );
    // The scrape itself is in flight while it renders.
    assert_eq!(value("jianfu_http_requests_in_flight", &[]), 1.0);

    no_label_names_a_person(&app, &samples).await;
}

/// R2: no label carries a user id, a username, a report id or a unit below a county.
async fn no_label_names_a_person(
    app: &TestApp,
    samples: &[(String, BTreeMap<String, String>, f64)],
) {
    let allowed: BTreeSet<&str> = [
        "method", "route", "status", "le", "outcome", "code", "state", "version", "engine",
        "source",
    ]
    .into();
    let user_ids: Vec<i64> = match &app.db {
        Db::Sqlite(pool) => sqlx::query_scalar("SELECT id FROM users")
            .fetch_all(pool)
            .await
            .unwrap(),
        Db::Postgres(pool) => sqlx::query_scalar("SELECT id FROM users")
            .fetch_all(pool)
            .await
            .unwrap(),
    };
    assert!(!samples.is_empty());
    for (name, labels, _) in samples {
        for (key, value) in labels {
            assert!(allowed.contains(key.as_str()), "{name} has the label {key}");
            for (username, _, _) in USERS {
                assert!(
                    !value.contains(username),
                    "{name}{{{key}={value:?}}} names {username}"
                );
            }
            if !matches!(key.as_str(), "status" | "le") {
                for id in &user_ids {
                    assert_ne!(
                        value,
                        &id.to_string(),
                        "{name}{{{key}}} carries user id {id}"
                    );
                }
            }
            let longest_digits = value
                .split(|c: char| !c.is_ascii_digit())
                .map(str::len)
                .max()
                .unwrap_or(0);
            assert!(
                longest_digits <= 6,
                "{name}{{{key}={value:?}}}: a code below a county or an id"
            );
            assert!(
                uuid::Uuid::parse_str(value).is_err(),
                "{name}{{{key}={value:?}}}: an id"
            );
        }
    }
}

/// `name{labels} value` lines of the text format (comments skipped).
fn parse(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("name value");
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').expect("k=v");
                    (k.to_owned(), v.trim_matches('"').to_owned())
                })
                .collect();
            (name.to_owned(), labels, value.parse().expect("a number"))
        })
        .collect()
}

async fn every_error_body_carries_the_request_id_of_its_response(app: TestApp) {
    let cases = [
        app.request(Method::GET, "/api/v1/no-such-thing", None),
        app.request(Method::GET, "/api/v1/me", None),
        app.request(Method::POST, "/api/v1/auth/login", None)
            .header("content-type", "application/json")
            .body("{not json"),
        app.request(Method::GET, "/api/v1/me", Some("not-a-token")),
    ];
    let mut seen = BTreeSet::new();
    for request in cases {
        let response = request.send().await.unwrap();
        assert!(response.status().is_client_error());
        let header = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["details"]["request_id"], header.as_str(), "{body}");
        assert!(seen.insert(header), "request ids repeat");
    }
    // A proxy's id is kept, so its log and ours line up; a strange one is replaced.
    let response = app
        .request(Method::GET, "/api/v1/me", None)
        .header("x-request-id", "nginx-4f2a9c")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "nginx-4f2a9c");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["details"]["request_id"], "nginx-4f2a9c");
    let response = app
        .request(Method::GET, "/healthz", None)
        .header("x-request-id", "spaces are not kept")
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], "spaces are not kept");
}
