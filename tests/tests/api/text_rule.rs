//! One text rule for every text input (core::text): no NUL or other control character
//! (newlines and tabs only where a text may span lines), trimmed, a length in characters.
//! Every text field of the API is tried with a NUL and a bell; each is refused with a
//! clear error, nothing is stored, and PostgreSQL never sees the NUL it cannot store.

use jianfu_tests::fixtures::{WEEK, content, field, ok_json, outcome, put_report, send, setup};
use jianfu_tests::{COUNTY, StatusCode, TestApp, VILLAGE, expect_error, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    every_text_field_refuses_control_characters,
    a_refusal_names_the_field_as_the_page_does
);

const REPORT_ID: &str = "6f1c1c0e-2b1a-4d5e-9c3b-0a1b2c3d4e5f";

/// One text input: the request, with `{}` where the bad text goes, and the error expected.
struct Case {
    what: &'static str,
    method: Method,
    path: String,
    body: fn(&str) -> Value,
    code: &'static str,
}

#[allow(clippy::too_many_lines, reason = "one line per text input: a table")]
fn cases(template_id: i64) -> Vec<Case> {
    let report = format!("/api/v1/reports/{REPORT_ID}");
    vec![
        Case {
            what: "template name",
            method: Method::POST,
            path: "/api/v1/templates".into(),
            code: "validation_failed",
            body: |t| json!({ "org_unit": COUNTY, "name": t, "fields": [] }),
        },
        Case {
            what: "template field label",
            method: Method::POST,
            path: "/api/v1/templates".into(),
            code: "invalid_field",
            body: |t| {
                json!({ "org_unit": COUNTY, "name": "周报", "fields": [
                { "key": "k", "label_zh": t, "label_en": "K", "type": "text", "max_chars": 10, "seconds_to_fill": 10 } ] })
            },
        },
        Case {
            what: "template name on update",
            method: Method::PUT,
            path: format!("/api/v1/templates/{template_id}"),
            code: "validation_failed",
            body: |t| json!({ "name": t, "fields": [] }),
        },
        Case {
            what: "emergency reason",
            method: Method::POST,
            path: "/api/v1/emergencies".into(),
            code: "validation_failed",
            body: |t| json!({ "org_unit": COUNTY, "reason": t, "days": 3 }),
        },
        Case {
            what: "exemption note",
            method: Method::POST,
            path: "/api/v1/exemptions".into(),
            code: "validation_failed",
            body: |t| json!({ "username": "cadre", "kind": "leave", "starts_on": "2026-12-01", "ends_on": "2026-12-02", "note": t }),
        },
        Case {
            what: "department name",
            method: Method::POST,
            path: "/api/v1/departments".into(),
            code: "validation_failed",
            body: |t| json!({ "org_unit": COUNTY, "name": t }),
        },
        Case {
            what: "data need label",
            method: Method::POST,
            path: "/api/v1/data-needs".into(),
            code: "validation_failed",
            body: |t| json!({ "org_unit": COUNTY, "department_id": 1, "label_zh": t, "label_en": "Households visited" }),
        },
        Case {
            what: "review question",
            method: Method::POST,
            path: format!("{report}/reviews"),
            code: "validation_failed",
            body: |t| json!({ "verdict": "needs_clarification", "question": t }),
        },
        Case {
            what: "reopening reason",
            method: Method::POST,
            path: format!("{report}/reopenings"),
            code: "validation_failed",
            body: |t| json!({ "reason": t, "days": 2 }),
        },
        Case {
            what: "outcome text",
            method: Method::PUT,
            path: report.clone(),
            code: "report_invalid",
            body: |t| json!({ "period": WEEK, "base_revision": 1, "content": content(&[outcome("o1", t, "done")]) }),
        },
        Case {
            what: "display name",
            method: Method::POST,
            path: "/api/v1/users".into(),
            code: "validation_failed",
            body: |t| json!({ "username": "new.person", "password": "a long passphrase", "display_name": t, "role": "cadre", "org_unit": VILLAGE }),
        },
        Case {
            what: "username",
            method: Method::POST,
            path: "/api/v1/users".into(),
            code: "validation_failed",
            body: |t| json!({ "username": t, "password": "a long passphrase", "role": "cadre", "org_unit": VILLAGE }),
        },
        Case {
            what: "display name on change",
            method: Method::PATCH,
            path: "/api/v1/users/reviewer".into(),
            code: "validation_failed",
            body: |t| json!({ "display_name": t }),
        },
        Case {
            what: "org unit name",
            method: Method::POST,
            path: "/api/v1/org-units".into(),
            code: "validation_failed",
            body: |t| json!({ "code": "130928101299", "name": t }),
        },
    ]
}

/// Rows of every table a refused request could have written.
async fn stored(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "templates",
        "emergencies",
        "exemptions",
        "data_needs",
        "departments",
        "reviews",
        "reopenings",
        "report_revisions",
        "users",
        "org_units",
        "audit_log",
    ] {
        counts.push(app.count(table).await);
    }
    counts
}

async fn every_text_field_refuses_control_characters(app: TestApp) {
    let s = setup(&app).await;
    ok_json(
        put_report(
            &app,
            &s.cadre,
            REPORT_ID,
            WEEK,
            &content(&[outcome("o1", "入户走访", "done")]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let before = stored(&app).await;
    for bad in ["走访\u{0}低保户", "走访\u{7}低保户"] {
        for case in cases(s.template_id) {
            let token = match case.path.as_str() {
                p if p.ends_with("/reviews") || p.ends_with("/reopenings") => &s.reviewer,
                p if p.starts_with("/api/v1/reports/") => &s.cadre,
                _ => &s.admin,
            };
            let response = send(
                &app,
                case.method.clone(),
                &case.path,
                token,
                &(case.body)(bad),
            )
            .await;
            let status = response.status();
            let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, case.code).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {body}",
                case.what
            );
            let said = body.to_string();
            assert!(
                said.contains("U+0000") || said.contains("U+0007") || case.what == "username",
                "{}: the message names the character: {body}",
                case.what
            );
        }
    }
    assert_eq!(stored(&app).await, before, "nothing stored by any refusal");
    // Where a text may span lines, a line break is kept; where it may not, it is refused.
    let note = json!({ "username": "cadre", "kind": "leave", "starts_on": "2026-12-01",
                       "ends_on": "2026-12-02", "note": "上午在县里开会\r\n下午回村" });
    let exemption = ok_json(
        app.post_json("/api/v1/exemptions", Some(&s.admin), &note)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(exemption["note"], "上午在县里开会\n下午回村");
    let reason = json!({ "org_unit": COUNTY, "reason": "暴雨\n防汛", "days": 3 });
    ok_json(
        app.post_json("/api/v1/emergencies", Some(&s.admin), &reason)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let name = json!({ "org_unit": COUNTY, "name": "周\n报", "fields": [field("k", "走访", "Visits", &json!({"type": "number", "min": 0, "max": 9}), 10)] });
    expect_error(
        app.post_json("/api/v1/templates", Some(&s.admin), &name)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A query parameter with a NUL is refused too, never handed to the database.
    let listed = app.get("/api/v1/reports?after=%00", &s.reviewer).await;
    expect_error(listed, StatusCode::UNPROCESSABLE_ENTITY, "invalid_query").await;
    let reports = app
        .get("/api/v1/reports?period=weekly%3A2026-11-16%00", &s.reviewer)
        .await;
    expect_error(reports, StatusCode::UNPROCESSABLE_ENTITY, "invalid_period").await;
}

/// The Chinese message names the field as the page does (“问题”), not by its JSON key.
async fn a_refusal_names_the_field_as_the_page_does(app: TestApp) {
    let s = setup(&app).await;
    ok_json(
        put_report(
            &app,
            &s.cadre,
            REPORT_ID,
            WEEK,
            &content(&[outcome("o1", "入户走访", "done")]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let body = expect_error(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reviews"),
            Some(&s.reviewer),
            &json!({ "verdict": "needs_clarification", "question": "走访\u{7}了几户？" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let zh = body["message_zh"].as_str().unwrap();
    assert!(
        zh.starts_with("“问题”") && !zh.contains("question"),
        "{body}"
    );
    assert!(
        body["message_en"]
            .as_str()
            .unwrap()
            .starts_with("\"question\""),
        "{body}"
    );
}
