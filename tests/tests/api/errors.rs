//! One error format for everything that can go wrong before a handler even runs.

use jianfu_tests::{StatusCode, TestApp, expect_error, on_both_engines};
use reqwest::Method;

on_both_engines!(
    malformed_json_is_400_bad_json,
    a_missing_field_is_422_invalid_body,
    a_wrong_content_type_is_415,
    an_oversized_body_is_413_with_the_limit,
    unknown_routes_are_404_in_the_same_format,
    a_wrong_method_is_405_in_the_same_format,
);

async fn malformed_json_is_400_bad_json(app: TestApp) {
    let response = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "application/json")
        .body("{\"username\": \"admin\", ")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "bad_json").await;
}

async fn a_missing_field_is_422_invalid_body(app: TestApp) {
    let response = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"username": "admin"}),
        )
        .await;
    let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    assert!(
        body["details"]["reason"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{body}"
    );
}

async fn a_wrong_content_type_is_415(app: TestApp) {
    let response = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "text/plain")
        .body(r#"{"username":"admin","password":"x"}"#)
        .send()
        .await
        .unwrap();
    let body = expect_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    assert_eq!(body["details"]["expected"], "application/json");
}

async fn an_oversized_body_is_413_with_the_limit(app: TestApp) {
    let huge = format!(
        r#"{{"username":"admin","password":"{}"}}"#,
        "x".repeat(100 * 1024)
    );
    let response = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let body = expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    assert_eq!(
        body["details"]["limit_bytes"],
        jianfu_server::http::JSON_LIMIT_BYTES
    );
}

async fn unknown_routes_are_404_in_the_same_format(app: TestApp) {
    let token = app.login("admin").await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v2/me",
        "/no-such-page.html",
        "/api/v1/attendance/punch-in",
    ] {
        let response = app.get(path, &token).await;
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

async fn a_wrong_method_is_405_in_the_same_format(app: TestApp) {
    let response = app
        .request(Method::DELETE, "/api/v1/auth/login", None)
        .send()
        .await
        .unwrap();
    expect_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}
