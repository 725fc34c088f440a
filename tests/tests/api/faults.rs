//! Faults from outside the server, the same on both engines: clients that hang up in the
//! middle of a request must never cost another client an acknowledged write.

use jianfu_server::db::{Db, StorageOptions};
use jianfu_tests::Engine;
use jianfu_tests::cluster::Cluster;
use jianfu_tests::fixtures::{WEEK, content, ok_json, outcome, put_report, revise_report, setup};
use jianfu_tests::{StatusCode, TestApp, on_both_engines};
use serde_json::json;
use sqlx::{Connection, SqliteConnection};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

on_both_engines!(
    client_resets_never_cost_an_acknowledged_write,
    concurrent_first_uploads_of_one_report,
);

/// Batches of concurrent submissions whose clients reset the connection. The fault is rare
/// per batch (a reset has to land between two steps of the server), so there are many.
const BATCHES: usize = 40;
const RESETS_PER_BATCH: usize = 50;

const REPORT_ID: &str = "6f1c1c0e-2b1a-4d5e-9c3b-0a1b2c3d4e5f";

/// Sends a whole request, waits `delay`, then resets the connection (RST, not FIN).
async fn send_then_reset(addr: String, request: Vec<u8>, delay: Duration) {
    let Ok(mut stream) = TcpStream::connect(&addr).await else {
        return;
    };
    if stream.write_all(&request).await.is_err() {
        return;
    }
    tokio::time::sleep(delay).await;
    stream.set_zero_linger().expect("SO_LINGER");
    drop(stream);
}

fn raw_put(id: &str, token: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "PUT /api/v1/reports/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Acknowledged writes of two kinds after every batch: an exemption (a plain transaction)
/// and a new revision of the report (the write-locking path). Every one must be answered
/// 2xx and still be there after the server stops and the database is opened afresh.
async fn client_resets_never_cost_an_acknowledged_write(mut app: TestApp) {
    let s = setup(&app).await;
    let first = content(&[outcome("o1", "修通村东头道路 300 米", "done")]);
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await,
        StatusCode::CREATED,
    )
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let storm_body =
        serde_json::to_vec(&json!({ "period": WEEK, "content": first })).expect("body serialises");
    let mut exemptions: Vec<i64> = Vec::new();
    let mut revisions = 1;
    for batch in 0..BATCHES {
        let mut resets = JoinSet::new();
        for i in 0..RESETS_PER_BATCH {
            let id = uuid::Uuid::new_v4().to_string();
            // Spread the resets over 0–12 ms after the body, as a flaky phone link would.
            let delay = Duration::from_micros(((i * 7919 + batch * 104_729) % 12_000) as u64);
            resets.spawn(send_then_reset(
                addr.clone(),
                raw_put(&id, &s.cadre, &storm_body),
                delay,
            ));
        }
        resets.join_all().await;

        let exemption = ok_json(
            app.post_json(
                "/api/v1/exemptions",
                Some(&s.admin),
                &json!({ "username": "cadre", "kind": "training", "starts_on": "2026-12-01",
                         "ends_on": "2026-12-02", "note": format!("batch {batch}") }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        exemptions.push(exemption["id"].as_i64().expect("id"));
        let mut revised = content(&[outcome("o1", "修通村东头道路 300 米", "done")]);
        revised["fields"]["households"] = json!(batch + 13);
        let report = ok_json(
            revise_report(&app, &s.cadre, REPORT_ID, WEEK, &revised, revisions).await,
            StatusCode::OK,
        )
        .await;
        revisions += 1;
        assert_eq!(report["revision"], revisions, "{report}");
    }

    app.stop().await;
    let db = Db::connect(&app.database_url).await.expect("reopen");
    let stored_exemptions: Vec<i64> = query_ids(&db, "SELECT id FROM exemptions ORDER BY id").await;
    assert_eq!(
        stored_exemptions, exemptions,
        "every acknowledged exemption is stored"
    );
    let stored_revisions = query_ids(
        &db,
        "SELECT revision FROM report_revisions ORDER BY revision",
    )
    .await;
    assert_eq!(
        stored_revisions,
        (1..=revisions).collect::<Vec<i64>>(),
        "every acknowledged revision is stored, and only the one report exists"
    );
    db.close().await;
}

async fn query_ids(db: &Db, sql: &str) -> Vec<i64> {
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await,
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await,
    }
    .expect("query")
}

/// Two uploads of one new report at the same moment, many times: identical ones both get
/// the report (one created it, the other replays it), differing ones give one report and
/// one conflict naming it — never a 409 that names the upload's own id as "another".
async fn concurrent_first_uploads_of_one_report(app: TestApp) {
    let s = setup(&app).await;
    let body =
        |what: &str| json!({ "period": "", "content": content(&[outcome("o1", what, "done")]) });
    for week in 1..=16_i64 {
        // Weeks back from the one set up: all started, all the cadre's to report.
        let start = jiff::civil::date(2026, 11, 16)
            .checked_sub(jiff::Span::new().days(7 * week))
            .expect("a date");
        let period = format!("weekly:{start}");
        let id = uuid::Uuid::new_v4().to_string();
        let path = format!("/api/v1/reports/{id}");
        let (mut same_a, mut same_b) = (body("入户走访"), body("入户走访"));
        same_a["period"] = json!(period);
        same_b["period"] = json!(period);
        let differ = week % 2 == 0;
        if differ {
            same_b["content"]["outcomes"][0]["what"] = json!("入户走访12户");
        }
        let (a, b) = tokio::join!(
            jianfu_tests::fixtures::send(&app, reqwest::Method::PUT, &path, &s.cadre, &same_a),
            jianfu_tests::fixtures::send(&app, reqwest::Method::PUT, &path, &s.cadre, &same_b),
        );
        let answers = [
            (
                a.status(),
                a.json::<serde_json::Value>().await.expect("json"),
            ),
            (
                b.status(),
                b.json::<serde_json::Value>().await.expect("json"),
            ),
        ];
        for (status, body) in &answers {
            assert_ne!(body["code"], "report_exists_for_period", "{period}: {body}");
            if status.is_success() {
                assert_eq!(body["id"], json!(id), "{body}");
                assert_eq!(body["revision"], 1, "{body}");
            }
        }
        let codes: Vec<(u16, String)> = answers
            .iter()
            .map(|(s, b)| {
                (
                    s.as_u16(),
                    b["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        if differ {
            assert!(codes.contains(&(201, String::new())), "{period}: {codes:?}");
            assert!(
                codes.contains(&(409, "revision_conflict".to_owned())),
                "{period}: {codes:?}"
            );
        } else {
            assert_eq!(
                codes,
                [(201, String::new()), (201, String::new())],
                "{period}"
            );
        }
    }
    assert_eq!(app.count("reports").await, 16);
    assert_eq!(app.count("report_revisions").await, 16);
}

/// A database that has reached its size cap refuses writes with 503 and says when to try
/// again; reads go on; once space is freed, writes succeed again without a restart, and
/// every write acknowledged before is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_503_and_passes_by_itself() {
    const CAP_BYTES: u64 = 4 * 1024 * 1024;
    let storage = StorageOptions {
        sqlite_max_bytes: Some(CAP_BYTES),
    };
    let app = TestApp::seeded_with(Engine::Sqlite, storage)
        .await
        .expect("SQLite");
    let s = setup(&app).await;
    // Another program fills the disk to just under the cap.
    let mut filler = SqliteConnection::connect(&app.database_url)
        .await
        .expect("connect");
    sqlx::query("CREATE TABLE filler (b BLOB)")
        .execute(&mut filler)
        .await
        .expect("create");
    loop {
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut filler)
            .await
            .expect("pages");
        if pages * 4096 >= i64::try_from(CAP_BYTES).unwrap() - 48 * 1024 {
            break;
        }
        sqlx::query("INSERT INTO filler VALUES (randomblob(16384))")
            .execute(&mut filler)
            .await
            .expect("fill");
    }
    let exemption = |n: usize| {
        json!({ "username": "cadre", "kind": "training", "starts_on": "2026-12-01",
        "ends_on": "2026-12-02", "note": format!("{n} {}", "培训".repeat(240)) })
    };
    let mut acknowledged = Vec::new();
    let mut refusal = None;
    for n in 0..400 {
        let response = app
            .post_json("/api/v1/exemptions", Some(&s.admin), &exemption(n))
            .await;
        if response.status() == StatusCode::CREATED {
            acknowledged.push(
                response.json::<serde_json::Value>().await.unwrap()["id"]
                    .as_i64()
                    .unwrap(),
            );
        } else {
            refusal = Some(response);
            break;
        }
    }
    let refusal = refusal.expect("the cap is reached");
    assert!(
        refusal.headers().contains_key("retry-after"),
        "{:?}",
        refusal.headers()
    );
    jianfu_tests::expect_error(
        refusal,
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/me", &s.admin).await.status(),
        StatusCode::OK,
        "reads go on"
    );
    // Space comes back: the next write succeeds, no restart.
    sqlx::query("DELETE FROM filler")
        .execute(&mut filler)
        .await
        .expect("free");
    let response = app
        .post_json("/api/v1/exemptions", Some(&s.admin), &exemption(999))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    acknowledged.push(
        response.json::<serde_json::Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap(),
    );
    let stored: Vec<i64> = sqlx::query_scalar("SELECT id FROM exemptions ORDER BY id")
        .fetch_all(&mut filler)
        .await
        .expect("read");
    assert_eq!(
        stored, acknowledged,
        "every acknowledged exemption, and only those"
    );
}

/// The application on PostgreSQL cluster `cluster` of its own, with the demo county seeded.
async fn seeded_on(cluster: &Cluster) -> TestApp {
    let app = TestApp::spawn_at(
        Engine::Postgres,
        cluster.url(),
        None,
        StorageOptions::default(),
    )
    .await;
    app.seed().await;
    app
}

/// PostgreSQL stopped under a running server: 503 with Retry-After, never 500; started
/// again: the server recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_postgres_is_a_503_and_recovers() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let app = seeded_on(&cluster).await;
    let admin = app.login("admin").await;
    let note = json!({ "username": "cadre", "kind": "training", "starts_on": "2026-12-01", "ends_on": "2026-12-02" });
    cluster.down();
    for response in [
        app.get("/api/v1/me", &admin).await,
        app.post_json("/api/v1/exemptions", Some(&admin), &note)
            .await,
    ] {
        assert!(
            response.headers().contains_key("retry-after"),
            "{:?}",
            response.headers()
        );
        jianfu_tests::expect_error(
            response,
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
        )
        .await;
    }
    cluster.up();
    let mut answered = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..20 {
        answered = app.get("/api/v1/me", &admin).await.status();
        if answered == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(answered, StatusCode::OK, "recovered without a restart");
    let created = app
        .post_json("/api/v1/exemptions", Some(&admin), &note)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
}

/// A report's reads run on connections the server keeps out of its pool
/// (`db/readers.rs`). PostgreSQL restarted under them: the dead ones cost a few requests a
/// 503 (never a 500) and are let go, never kept; then every request succeeds again, and
/// the report stored before the restart is still there to revise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_read_connections_are_let_go_when_postgres_restarts() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let app = seeded_on(&cluster).await;
    let s = setup(&app).await;
    let first = content(&[outcome("o1", "修通村东头道路 300 米", "done")]);
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await,
        StatusCode::CREATED,
    )
    .await;
    // Replays read on the kept connections only: several at once, so that several are kept.
    let replays = |n: usize| {
        futures_util::future::join_all((0..n).map(|_| async {
            put_report(&app, &s.cadre, REPORT_ID, WEEK, &first)
                .await
                .status()
        }))
    };
    // A replay of the first revision answers as the first time did: 201.
    for status in replays(8).await {
        assert_eq!(status, StatusCode::CREATED);
    }

    cluster.down();
    jianfu_tests::expect_error(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
    )
    .await;
    cluster.up();
    // Until a replay is answered again, dead connections (kept or pooled) cost a 503 each.
    let mut refused = 0;
    loop {
        let response = put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await;
        if response.status() == StatusCode::CREATED {
            break;
        }
        jianfu_tests::expect_error(
            response,
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
        )
        .await;
        refused += 1;
        assert!(refused <= 30, "the server does not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // No dead connection was kept: every replay now succeeds, one at a time and together.
    for _ in 0..20 {
        let response = put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "a dead connection was kept"
        );
    }
    for status in replays(16).await {
        assert_eq!(status, StatusCode::CREATED, "a dead connection was kept");
    }
    // The report writer keeps a connection of its own, which died too: the first revision
    // may be refused once, the next is stored.
    let mut revised = first.clone();
    revised["fields"]["households"] = json!(7);
    let mut response = revise_report(&app, &s.cadre, REPORT_ID, WEEK, &revised, 1).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response = revise_report(&app, &s.cadre, REPORT_ID, WEEK, &revised, 1).await;
    }
    let report = ok_json(response, StatusCode::OK).await;
    assert_eq!(report["revision"], 2, "{report}");
}
