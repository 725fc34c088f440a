//! Faults from outside the server, the same on both engines: clients that hang up in the
//! middle of a request must never cost another client an acknowledged write.

use jianfu_server::db::Db;
use jianfu_tests::fixtures::{WEEK, content, ok_json, outcome, put_report, setup};
use jianfu_tests::{StatusCode, TestApp, on_both_engines};
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

on_both_engines!(client_resets_never_cost_an_acknowledged_write);

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
            put_report(&app, &s.cadre, REPORT_ID, WEEK, &revised).await,
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
