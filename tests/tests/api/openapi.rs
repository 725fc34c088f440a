//! The OpenAPI document is served and describes routes that exist.

use jianfu_tests::{StatusCode, TestApp, on_both_engines};
use serde_json::Value;

on_both_engines!(every_documented_operation_is_routed);

async fn every_documented_operation_is_routed(app: TestApp) {
    let response = app
        .request(reqwest::Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/org-units",
        "/api/v1/org-units/{code}",
        "/api/v1/org-units/import",
        "/api/v1/users",
    ] {
        assert!(paths.contains_key(expected), "{expected} is not documented");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let concrete = path.replace("{code}", "130928");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .request(method.clone(), &concrete, None)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            assert!(
                body["code"] != "not_found" && body["code"] != "method_not_allowed",
                "{method} {path} is documented but not routed: {status} {body}"
            );
        }
    }
}
