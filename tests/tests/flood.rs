//! A flood of sign-ins (password guessing, or a stampede at nine in the morning) neither
//! exhausts the server's memory nor stops the API: argon2 runs on a few workers behind a
//! bounded queue, and each address is throttled. Alone in its test binary, so the
//! resident memory measured is the server's and this test's only.

use jianfu_tests::{Engine, PASSWORD, StatusCode, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};

/// The allocator of the `jianfu` binary (server/src/main.rs), so that the resident memory
/// measured is what a deployed server would hold.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The resident set of this process (the server runs in it), in MiB.
fn resident_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// How much the resident set may grow under the flood: the argon2 workers' memory
/// (19 MiB each, at most four) and the queued requests, with room for the allocator.
const FLOOD_BOUND_MIB: u64 = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_sign_ins_is_bounded_and_the_api_keeps_answering() {
    let app = TestApp::seeded(Engine::Sqlite).await.expect("SQLite");
    let token = app.login("admin").await;
    // Four clients, one per address (127.0.0.2–5): past one address's limit the rest are
    // turned away without any hashing, so each address brings 50 of the 200 at once.
    let clients: Vec<reqwest::Client> = (0..4_u8)
        .map(|n| {
            reqwest::Client::builder()
                .local_address(std::net::IpAddr::from([127, 0, 0, 2 + n]))
                .build()
                .unwrap()
        })
        .collect();
    let before = resident_mib();
    let mut flood = tokio::task::JoinSet::new();
    for n in 0..200_u8 {
        let client = clients[usize::from(n % 4)].clone();
        let url = app.url("/api/v1/auth/login");
        flood.spawn(async move {
            let body =
                json!({ "username": format!("nobody{n}"), "password": "not the password at all" });
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
        });
    }
    let started = Instant::now();
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let answered_in = started.elapsed();
    let mut statuses = std::collections::BTreeMap::new();
    while let Some(done) = flood.join_next().await {
        *statuses
            .entry(done.unwrap().expect("answered").as_u16())
            .or_insert(0) += 1;
    }
    let after = resident_mib();
    eprintln!(
        "flood: resident {before} -> {after} MiB, answers {statuses:?}, /me in {answered_in:?}"
    );
    assert!(
        answered_in < Duration::from_secs(3),
        "the API answered in {answered_in:?}"
    );
    assert!(
        statuses.keys().all(|s| [401, 429, 503].contains(s)),
        "wrong logins are refused, throttled or turned away: {statuses:?}"
    );
    assert!(
        after.saturating_sub(before) < FLOOD_BOUND_MIB,
        "resident memory grew from {before} to {after} MiB under 200 sign-ins ({statuses:?})"
    );
    let right = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({ "username": "reviewer", "password": PASSWORD }),
        )
        .await;
    assert_eq!(right.status(), StatusCode::OK, "a real user still signs in");
}
