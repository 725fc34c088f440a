//! A token is a claim checked against the account as it is now: a deleted or disabled
//! account, a password reset, a role change or a sign-out stop it at once; a token that
//! is post-dated, not yet valid or lives longer than the server allows is refused; and
//! guessing passwords is throttled per account and per address.

use jianfu_core::Role;
use jianfu_tests::{
    COUNTY, PASSWORD, SECRET, StatusCode, TestApp, VILLAGE, expect_error, on_both_engines,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

on_both_engines!(
    a_token_stops_working_when_its_account_changes,
    a_deleted_account_is_an_invalid_token_not_a_server_error,
    post_dated_and_overlong_tokens_are_refused,
    guessing_a_password_is_throttled,
    a_json_array_is_not_a_login,
);

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.get("/api/v1/me", token).await
}

async fn login_as(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/login",
        None,
        &json!({ "username": username, "password": password }),
    )
    .await
}

#[allow(
    clippy::too_many_lines,
    reason = "one account's story from start to end"
)]
async fn a_token_stops_working_when_its_account_changes(app: TestApp) {
    let admin = app.login("admin").await;
    // Disabled: the token stops at once, and signing in is refused.
    let cadre = app.login("cadre").await;
    assert_eq!(me(&app, &cadre).await.status(), StatusCode::OK);
    let disabled: Value = app
        .post_json("/api/v1/users/cadre/disable", Some(&admin), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disabled["disabled"], true, "{disabled}");
    expect_error(
        me(&app, &cadre).await,
        StatusCode::UNAUTHORIZED,
        "account_disabled",
    )
    .await;
    expect_error(
        login_as(&app, "cadre", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "account_disabled",
    )
    .await;
    let enabled = app
        .post_json("/api/v1/users/cadre/enable", Some(&admin), &json!({}))
        .await;
    assert_eq!(enabled.status(), StatusCode::OK);
    // The old token stays dead: it was issued before the account was disabled.
    expect_error(
        me(&app, &cadre).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    let cadre = app.login("cadre").await;
    assert_eq!(me(&app, &cadre).await.status(), StatusCode::OK);
    // A password reset: shown once, the old token stops, the new password works.
    let reset: Value = app
        .post_json("/api/v1/users/cadre/password", Some(&admin), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let new_password = reset["password"]
        .as_str()
        .expect("a new password")
        .to_owned();
    expect_error(
        me(&app, &cadre).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    expect_error(
        login_as(&app, "cadre", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    let body: Value = login_as(&app, "cadre", &new_password)
        .await
        .json()
        .await
        .unwrap();
    let cadre = body["token"].as_str().expect("token").to_owned();
    // A role change: the reviewer's token stops; the new token carries the new role.
    let reviewer = app.login("reviewer").await;
    let changed = app
        .request(
            reqwest::Method::PATCH,
            "/api/v1/users/reviewer",
            Some(&admin),
        )
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    expect_error(
        me(&app, &reviewer).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    // Signing out: every token of the account stops, another account's does not.
    let second = app.login("admin").await;
    let out = app
        .request(reqwest::Method::POST, "/api/v1/auth/logout", Some(&admin))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    expect_error(
        me(&app, &admin).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    expect_error(
        me(&app, &second).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    assert_eq!(me(&app, &cadre).await.status(), StatusCode::OK);
    // Every change is audited, and never with a password or its hash.
    let admin = app.login("admin").await;
    let audit: Value = app
        .get("/api/v1/audit?limit=20", &admin)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "users.disable",
        "users.enable",
        "users.password_reset",
        "users.change",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(
        !audit.to_string().contains("argon2"),
        "no hash in the audit log"
    );
}

async fn a_deleted_account_is_an_invalid_token_not_a_server_error(app: TestApp) {
    app.add_user("short.lived", Role::Cadre, VILLAGE).await;
    let login: Value = login_as(&app, "short.lived", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("token").to_owned();
    let id = login["user"]["id"].as_i64().expect("id");
    // Gone from the database (a restore that kept the secret, say).
    let sql = format!("DELETE FROM users WHERE id = {id}");
    match &app.db {
        jianfu_server::db::Db::Sqlite(pool) => sqlx::query(&sql).execute(pool).await.map(|_| ()),
        jianfu_server::db::Db::Postgres(pool) => sqlx::query(&sql).execute(pool).await.map(|_| ()),
    }
    .expect("delete the user");
    let body = expect_error(
        me(&app, &token).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(body["details"]["reason"], "the user no longer exists");
    // A write with it: refused the same way, never a foreign-key 500.
    let posting =
        json!({ "username": "short.lived", "org_unit": VILLAGE, "starts_on": "2026-01-01" });
    expect_error(
        app.post_json("/api/v1/postings", Some(&token), &posting)
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

fn forge(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("encode")
}

async fn post_dated_and_overlong_tokens_are_refused(app: TestApp) {
    let now = jianfu_server::db::now();
    let token = app.login("admin").await;
    let id = me(&app, &token).await.json::<Value>().await.unwrap()["id"].clone();
    let claims = |iat: i64, exp: i64, nbf: Option<i64>| {
        let mut c = json!({ "sub": id.to_string(), "role": "admin", "unit": COUNTY, "iss": "jianfu",
                            "iat": iat, "exp": exp, "ver": 0 });
        if let Some(nbf) = nbf {
            c["nbf"] = json!(nbf);
        }
        c
    };
    // Made with the real secret, so only the time claims are wrong.
    assert_eq!(
        me(&app, &forge(&claims(now, now + 600, None)))
            .await
            .status(),
        StatusCode::OK
    );
    for (what, forged) in [
        ("issued in the future", claims(now + 3600, now + 7200, None)),
        (
            "not valid before an hour from now",
            claims(now, now + 7200, Some(now + 3600)),
        ),
        ("ten years long", claims(now, now + 10 * 365 * 86_400, None)),
    ] {
        let body = expect_error(
            me(&app, &forge(&forged)).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
        assert!(body["details"]["reason"].is_string(), "{what}: {body}");
    }
}

async fn guessing_a_password_is_throttled(app: TestApp) {
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            login_as(&app, "reviewer", "not the password")
                .await
                .status(),
        );
    }
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5], "five tries");
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    // The right password is no key past the limit either, and the answer says when.
    let response = login_as(&app, "reviewer", PASSWORD).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    let body = expect_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert_eq!(body["details"]["retry_after_seconds"], retry_after);
    assert!(
        body["message_zh"].as_str().unwrap().contains("秒后再试"),
        "{body}"
    );
    // Another account is not held up by this one.
    assert_eq!(
        login_as(&app, "admin", PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn a_json_array_is_not_a_login(app: TestApp) {
    let response = app
        .request(reqwest::Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "application/json")
        .body(format!("[\"admin\", \"{PASSWORD}\"]"))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    // A NUL in the username is a wrong login, on PostgreSQL too — never a 500.
    let nul = login_as(&app, "ad\u{0}min", PASSWORD).await;
    expect_error(nul, StatusCode::UNAUTHORIZED, "bad_credentials").await;
}
