//! The reporting set-up most API tests start from, made through the API as an admin
//! would: a county template, a weekly policy, the cadre's posting, and a clock inside the
//! grace of the week of 2026-11-16. Plus small builders for report bodies.

use crate::{COUNTY, StatusCode, TestApp, VILLAGE};
use jiff::civil::date;
use jiff::tz::TimeZone;
use reqwest::{Method, Response};
use serde_json::{Value, json};

/// The week of 2026-11-16 (Monday) to 2026-11-22; due Tuesday 11-24, late from Thursday 11-26.
pub const WEEK: &str = "weekly:2026-11-16";

/// Unix seconds of a local time in Asia/Shanghai.
pub fn at(year: i16, month: i8, day: i8, hour: i8, minute: i8) -> i64 {
    date(year, month, day)
        .at(hour, minute, 0, 0)
        .to_zoned(TimeZone::get("Asia/Shanghai").expect("tz"))
        .expect("local time")
        .timestamp()
        .as_second()
}

/// Sends `body` as JSON with the bearer `token`.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: &Value,
) -> Response {
    app.request(method, path, Some(token))
        .json(body)
        .send()
        .await
        .expect("request sent")
}

/// The JSON body of a response that must have `status`.
pub async fn ok_json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.expect("json body");
    assert_eq!(actual, status, "{body}");
    body
}

/// A template field; `kind` is `{"type": ..., limits...}`, flattened into the field.
pub fn field(key: &str, label_zh: &str, label_en: &str, kind: &Value, seconds: u32) -> Value {
    let mut field = json!({ "key": key, "label_zh": label_zh, "label_en": label_en,
                            "required": false, "seconds_to_fill": seconds });
    field
        .as_object_mut()
        .expect("a field is an object")
        .extend(kind.as_object().expect("a kind is an object").clone());
    field
}

/// The policy body of a PUT: due 2 days after the period, 2 days' grace, locked 7 days later.
pub fn policy_body(template_id: i64, kind: &str, budget: u32) -> Value {
    json!({ "period_kind": kind, "due_offset_days": 2, "grace_days": 2, "lock_days": 7,
            "template_id": template_id, "budget_minutes_per_month": budget })
}

pub fn outcome(id: &str, what: &str, status: &str) -> Value {
    json!({ "id": id, "category": "民生", "what": what, "for_whom": "村民", "status": status })
}

/// A report's content: the outcomes and the set-up template's two other fields.
pub fn content(outcomes: &[Value]) -> Value {
    json!({ "outcomes": outcomes, "fields": { "contact": "13800000000", "households": 12 }, "days_in_village": 5 })
}

pub async fn put_report(
    app: &TestApp,
    token: &str,
    id: &str,
    period: &str,
    content: &Value,
) -> Response {
    send(
        app,
        Method::PUT,
        &format!("/api/v1/reports/{id}"),
        token,
        &json!({ "period": period, "content": content }),
    )
    .await
}

/// A new revision of report `id`, made from revision `base` (the one the device edited).
pub async fn revise_report(
    app: &TestApp,
    token: &str,
    id: &str,
    period: &str,
    content: &Value,
    base: i64,
) -> Response {
    send(
        app,
        Method::PUT,
        &format!("/api/v1/reports/{id}"),
        token,
        &json!({ "period": period, "content": content, "base_revision": base }),
    )
    .await
}

/// Tokens and the template made by [`setup`].
#[derive(Debug)]
pub struct Setup {
    pub admin: String,
    pub reviewer: String,
    pub cadre: String,
    pub template_id: i64,
}

/// A county template (an outcome list, a stable text, a number: 600 + 60 + 120 s), a weekly
/// policy on the county (due 2 days after the week, 2 days' grace, locks 7 days later,
/// budget 60 min/month), the cadre posted to their village, and the clock on Wednesday
/// 2026-11-25 10:00 (inside the grace of the week of 2026-11-16).
pub async fn setup(app: &TestApp) -> Setup {
    let admin = app.login("admin").await;
    let template = ok_json(
        app.post_json(
            "/api/v1/templates",
            Some(&admin),
            &json!({ "org_unit": COUNTY, "name": "驻村周报", "fields": [
                field("outcomes", "本周成果", "Outcomes", &json!({"type": "outcome_list", "max_items": 20}), 600),
                { "key": "contact", "label_zh": "联系电话", "label_en": "Contact phone",
                  "type": "text", "max_chars": 20, "required": false, "seconds_to_fill": 60, "stable": true },
                field("households", "走访户数", "Households visited",
                      &json!({"type": "number", "min": 0, "max": 500, "integer": true}), 120),
            ]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let template_id = template["id"].as_i64().expect("id");
    assert_eq!(template["seconds_per_submission"], 780);
    ok_json(
        send(
            app,
            Method::PUT,
            &format!("/api/v1/policies/{COUNTY}"),
            &admin,
            &policy_body(template_id, "weekly", 60),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    ok_json(
        app.post_json(
            "/api/v1/postings",
            Some(&admin),
            &json!({ "username": "cadre", "org_unit": VILLAGE, "starts_on": "2026-01-01" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.clock.set(at(2026, 11, 25, 10, 0));
    Setup {
        reviewer: app.login("reviewer").await,
        cadre: app.login("cadre").await,
        admin,
        template_id,
    }
}
