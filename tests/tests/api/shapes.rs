//! Whatever goes wrong, the answer has the API's JSON error shape: malformed path
//! parameters and wrong methods on every route of the OpenAPI document, pages that are
//! not there or not GET. Pages and API carry the security headers. Large bodies are
//! refused before they are read when the role may not send them.

use jianfu_tests::{StatusCode, TestApp, on_both_engines};
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_engines!(
    every_route_answers_malformed_parameters_and_wrong_methods_in_json,
    pages_and_api_carry_the_security_headers,
    a_large_body_from_the_wrong_role_is_refused_before_it_is_read,
);

/// `Ok` when `response` is a JSON error of the documented shape, else what is wrong.
async fn json_error(response: reqwest::Response) -> Result<(StatusCode, Value), String> {
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap_or_default();
    if status.is_server_error() {
        return Err(format!("{status}: {text}"));
    }
    if !kind.starts_with("application/json") {
        return Err(format!("{status} {kind}: {text}"));
    }
    let body: Value = serde_json::from_str(&text).map_err(|_| format!("not JSON: {text}"))?;
    let shaped = body["code"].is_string()
        && body["message_zh"].as_str().is_some_and(|m| !m.is_empty())
        && body["message_en"].as_str().is_some_and(|m| !m.is_empty())
        && body["details"].is_object();
    if shaped {
        Ok((status, body))
    } else {
        Err(format!("{status}: not the error shape: {text}"))
    }
}

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

async fn every_route_answers_malformed_parameters_and_wrong_methods_in_json(app: TestApp) {
    let admin = app.login("admin").await;
    let document: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = document["paths"].as_object().expect("paths");
    assert!(
        paths.len() >= 25,
        "the document lists every route: {}",
        paths.len()
    );
    let mut wrong = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let declared = item.get(method).is_some();
            let bad_values: &[&str] = if path.contains('{') {
                &["abc", "%FF%FE", "-1", "1e999"]
            } else {
                &[""]
            };
            for bad in bad_values {
                let url = path
                    .split('/')
                    .map(|part| {
                        if part.starts_with('{') {
                            (*bad).to_owned()
                        } else {
                            part.to_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let response = app
                    .request(method.parse::<Method>().unwrap(), &url, Some(&admin))
                    .header("content-type", "application/json")
                    .body("{}")
                    .send()
                    .await
                    .expect("request sent");
                let status = response.status();
                if status.is_success() && declared {
                    continue;
                }
                match json_error(response).await {
                    Ok((status, body)) if !declared && status != StatusCode::METHOD_NOT_ALLOWED => {
                        wrong.push(format!(
                            "{method} {url}: undeclared method answered {status}: {body}"
                        ));
                    }
                    Ok(_) => {}
                    Err(problem) => wrong.push(format!("{method} {url} ({status}): {problem}")),
                }
            }
        }
    }
    for (method, url) in [
        (Method::POST, "/index.html"),
        (Method::DELETE, "/cadre.html"),
        (Method::GET, "/nope.html"),
        (Method::GET, "/%FF%FE"),
    ] {
        let response = app.request(method.clone(), url, None).send().await.unwrap();
        if let Err(problem) = json_error(response).await {
            wrong.push(format!("{method} {url}: {problem}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers out of shape:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

async fn pages_and_api_carry_the_security_headers(app: TestApp) {
    let token = app.login("cadre").await;
    for (path, token) in [
        ("/cadre.html", None),
        ("/", None),
        ("/api/v1/me", Some(token.as_str())),
    ] {
        let response = app.request(Method::GET, path, token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        for part in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline"),
            "{path}: no inline script or style: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        if path != "/api/v1/me" {
            assert_eq!(
                headers["content-type"], "text/html; charset=utf-8",
                "{path}"
            );
        }
    }
    // The pages keep to the policy: no inline script, style or handler anywhere.
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
    for entry in std::fs::read_dir(&web).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&path).unwrap();
            for needle in ["<style", " style=", " onclick=", " onload=", "javascript:"] {
                assert!(!html.contains(needle), "{}: {needle}", path.display());
            }
            for script in html.split("<script").skip(1) {
                assert!(
                    script.contains("src="),
                    "{}: an inline script",
                    path.display()
                );
            }
        }
    }
}

async fn a_large_body_from_the_wrong_role_is_refused_before_it_is_read(app: TestApp) {
    let cadre = app.login("cadre").await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Thirty megabytes announced, a few bytes sent: a server that read the body first
    // would wait here for ever.
    let head = format!(
        "POST /api/v1/org-units/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {cadre}\r\n\
         Content-Type: text/csv\r\nContent-Length: 30000000\r\n\r\n13,\"省\","
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered before the body arrived")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..read]);
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(text.contains("forbidden_role"), "{text}");
}
