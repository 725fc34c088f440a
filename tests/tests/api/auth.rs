//! Login and the token: every way a token can be wrong gets its own clear 401, and every
//! way a caller can reach too far gets a 403.

use jianfu_tests::{
    COUNTY, OTHER_COUNTY, PASSWORD, SECRET, StatusCode, TestApp, VILLAGE, expect_error,
    on_both_engines,
};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

on_both_engines!(
    login_returns_a_token_that_identifies_the_user,
    wrong_password_and_unknown_user_look_the_same,
    missing_and_malformed_headers_are_refused,
    forged_signature_is_refused,
    alg_none_is_refused,
    expired_token_is_refused,
    wrong_role_is_forbidden,
    a_unit_outside_the_subtree_is_forbidden,
);

async fn login_returns_a_token_that_identifies_the_user(app: TestApp) {
    let response = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "cadre", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["role"], "cadre");
    assert_eq!(body["user"]["org_unit"], VILLAGE);
    assert!(body["user"].get("password_hash").is_none());
    let now = jianfu_server::db::now();
    let expires_at = body["expires_at"].as_i64().unwrap();
    assert!(
        (now + 3500..=now + 3700).contains(&expires_at),
        "ttl is the configured hour"
    );

    let me: Value = app
        .get("/api/v1/me", body["token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "cadre");
    assert_eq!(me["org_unit"]["code"], VILLAGE);
    assert_eq!(me["org_unit"]["name"], "城一村委会");
    assert_eq!(me["org_unit"]["level"], "village");
}

async fn wrong_password_and_unknown_user_look_the_same(app: TestApp) {
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "cadre", "password": "not the password"}),
        )
        .await;
    let wrong = expect_error(wrong, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "nobody", "password": PASSWORD}),
        )
        .await;
    let unknown = expect_error(unknown, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    assert_eq!(
        wrong, unknown,
        "the response must not reveal whether the user exists"
    );
}

async fn missing_and_malformed_headers_are_refused(app: TestApp) {
    let none = app
        .request(reqwest::Method::GET, "/api/v1/me", None)
        .send()
        .await
        .unwrap();
    expect_error(none, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let basic = app
        .request(reqwest::Method::GET, "/api/v1/me", None)
        .header("authorization", "Basic YWRtaW46eA==")
        .send()
        .await
        .unwrap();
    expect_error(basic, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let garbage = app.get("/api/v1/me", "not.a.token").await;
    expect_error(garbage, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

fn claims(unit: &str, role: &str, exp_offset: i64) -> Value {
    let now = jianfu_server::db::now();
    json!({"sub": "1", "role": role, "unit": unit, "iss": "jianfu", "iat": now, "exp": now + exp_offset})
}

async fn forged_signature_is_refused(app: TestApp) {
    let forged = encode(
        &Header::default(),
        &claims(COUNTY, "admin", 3600),
        &EncodingKey::from_secret(b"some-other-secret-some-other-secret"),
    )
    .unwrap();
    let body = expect_error(
        app.get("/api/v1/me", &forged).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(body["details"]["reason"], "bad signature");

    // A genuine token with one claim changed keeps its signature but not its validity.
    let genuine = app.login("cadre").await;
    let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    let tampered_claims = claims(COUNTY, "admin", 3600).to_string();
    parts[1] = base64_url(tampered_claims.as_bytes());
    expect_error(
        app.get("/api/v1/me", &parts.join(".")).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

async fn alg_none_is_refused(app: TestApp) {
    let header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = base64_url(claims(COUNTY, "admin", 3600).to_string().as_bytes());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        expect_error(
            app.get("/api/v1/me", &token).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
    }
}

async fn expired_token_is_refused(app: TestApp) {
    let expired = encode(
        &Header::default(),
        &claims(COUNTY, "admin", -3600),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect_error(
        app.get("/api/v1/me", &expired).await,
        StatusCode::UNAUTHORIZED,
        "token_expired",
    )
    .await;
    // The same claims, not expired, are accepted: the refusal was the expiry alone.
    let fresh = encode(
        &Header::default(),
        &claims(COUNTY, "admin", 3600),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(app.get("/api/v1/me", &fresh).await.status(), StatusCode::OK);
}

async fn wrong_role_is_forbidden(app: TestApp) {
    for username in ["cadre", "reviewer"] {
        let token = app.login(username).await;
        let response = app
            .post_json(
                "/api/v1/org-units",
                Some(&token),
                &json!({"code": "130928101299", "name": "新村"}),
            )
            .await;
        let body = expect_error(response, StatusCode::FORBIDDEN, "forbidden_role").await;
        assert_eq!(body["details"]["allowed"], json!(["admin"]));
    }
    assert_eq!(app.count("org_units WHERE code = '130928101299'").await, 0);
}

async fn a_unit_outside_the_subtree_is_forbidden(app: TestApp) {
    let admin = app.login("admin").await;
    let response = app
        .get(&format!("/api/v1/org-units/{OTHER_COUNTY}"), &admin)
        .await;
    let body = expect_error(response, StatusCode::FORBIDDEN, "out_of_scope").await;
    assert_eq!(
        body["details"],
        json!({"unit": OTHER_COUNTY, "scope": COUNTY})
    );
    // Not even whether it exists: an unknown code outside the subtree is also 403.
    let response = app.get("/api/v1/org-units/130930", &admin).await;
    expect_error(response, StatusCode::FORBIDDEN, "out_of_scope").await;
    // The parent of one's own unit is outside too.
    let response = app.get("/api/v1/org-units?parent=1309", &admin).await;
    expect_error(response, StatusCode::FORBIDDEN, "out_of_scope").await;

    let other = app.login("other.admin").await;
    let response = app
        .get(&format!("/api/v1/org-units/{COUNTY}"), &other)
        .await;
    expect_error(response, StatusCode::FORBIDDEN, "out_of_scope").await;

    let cadre = app.login("cadre").await;
    let response = app.get("/api/v1/org-units/130928101202", &cadre).await;
    expect_error(response, StatusCode::FORBIDDEN, "out_of_scope").await;
    assert_eq!(
        app.get(&format!("/api/v1/org-units/{VILLAGE}"), &cadre)
            .await
            .status(),
        StatusCode::OK
    );
}

/// Unpadded base64url, as JWTs use.
fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
