//! People: an admin adds users inside their subtree; refusals leave everyone as they were.

use jianfu_tests::{
    OTHER_COUNTY, PASSWORD, StatusCode, TestApp, VILLAGE, expect_error, on_both_engines,
};
use serde_json::{Value, json};

on_both_engines!(
    an_admin_adds_a_cadre_who_can_then_log_in,
    bad_users_are_refused_and_nothing_changes
);

async fn an_admin_adds_a_cadre_who_can_then_log_in(app: TestApp) {
    let admin = app.login("admin").await;
    let audit = app.count("audit_log").await;
    let response = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "li.na", "password": "a long passphrase", "display_name": "李娜", "role": "cadre", "org_unit": "130928101202"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["username"], "li.na");
    assert_eq!(user["display_name"], "李娜");
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    assert_eq!(app.count("audit_log").await, audit + 1);

    let login = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "li.na", "password": "a long passphrase"}),
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let stored_hash: String = match &app.db {
        jianfu_server::db::Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'li.na'")
                .fetch_one(p)
                .await
                .unwrap()
        }
        jianfu_server::db::Db::Postgres(p) => {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'li.na'")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    assert!(stored_hash.starts_with("$argon2id$") && !stored_hash.contains("passphrase"));
}

async fn bad_users_are_refused_and_nothing_changes(app: TestApp) {
    let admin = app.login("admin").await;
    let users = app.count("users").await;
    let audit = app.count("audit_log").await;
    let base = json!({"username": "new.user", "password": "a long passphrase", "role": "cadre", "org_unit": VILLAGE});
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let cases = [
        (
            with("username", json!("cadre")),
            StatusCode::CONFLICT,
            "username_taken",
        ),
        (
            with("username", json!("No Spaces")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            with("password", json!("short")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            with("role", json!("boss")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            with("org_unit", json!("13092810")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_division_code",
        ),
        (
            with("org_unit", json!("130928101999")),
            StatusCode::NOT_FOUND,
            "org_unit_not_found",
        ),
        (
            with("org_unit", json!(OTHER_COUNTY)),
            StatusCode::FORBIDDEN,
            "out_of_scope",
        ),
    ];
    for (body, status, code) in cases {
        let response = app.post_json("/api/v1/users", Some(&admin), &body).await;
        let error = expect_error(response, status, code).await;
        if code == "validation_failed" {
            assert!(
                error["details"]["field"].is_string(),
                "names the field: {error}"
            );
        }
    }
    let cadre = app.login("cadre").await;
    let response = app.post_json("/api/v1/users", Some(&cadre), &base).await;
    expect_error(response, StatusCode::FORBIDDEN, "forbidden_role").await;

    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("audit_log").await, audit);
    // The user whose name was reused still logs in with the old password.
    let still = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "cadre", "password": PASSWORD}),
        )
        .await;
    assert_eq!(still.status(), StatusCode::OK);
}
