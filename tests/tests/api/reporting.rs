//! The reporting loop through the API: templates (R3, R4), policies with the cadence floor
//! (R1) and the budget (R5), emergencies, data needs, reports with idempotency, revisions,
//! locking and reopening, reviews, lateness (R6), exemptions, carry-forward, geotags (R7)
//! and the audit log. Every refusal is checked to leave storage as it was.

#![allow(
    clippy::too_many_lines,
    reason = "each test tells one story from start to end"
)]

use jianfu_tests::fixtures::{
    WEEK, at, content, field, ok_json, outcome, policy_body, put_report, revise_report, send, setup,
};
use jianfu_tests::{COUNTY, StatusCode, TOWNSHIP, TestApp, VILLAGE, expect_error, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};

const REPORT_ID: &str = "6f1c1c0e-2b1a-4d5e-9c3b-0a1b2c3d4e5f";
const OTHER_ID: &str = "0d6c8a52-7e1f-4b7a-8f38-5a3c2b1d0e9f";

async fn templates_refuse_duplicates_photos_and_too_many_fields(app: TestApp) {
    let admin = app.login("admin").await;
    let audit_before = app.count("audit_log").await;
    let dup = json!({ "name": "t", "fields": [
        field("visits", "走访户数", "Visits", &json!({"type": "number", "min": 0, "max": 9}), 30),
        field("visits2", "走访户数", "Households", &json!({"type": "number", "min": 0, "max": 9}), 30),
    ]});
    let body = expect_error(
        app.post_json("/api/v1/templates", Some(&admin), &dup).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_field",
    )
    .await;
    assert!(
        body["details"]["problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "{body}"
    );
    let photo = json!({ "name": "t", "fields": [
        { "key": "proof", "label_zh": "现场照片", "label_en": "Photo of the site", "type": "attachment", "media": "photo",
          "required": true, "seconds_to_fill": 60 },
    ]});
    expect_error(
        app.post_json("/api/v1/templates", Some(&admin), &photo)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "photo_required",
    )
    .await;
    let many: Vec<Value> = (0..21)
        .map(|i| {
            field(
                &format!("f{i}"),
                &format!("字段{i}"),
                &format!("Field {i}"),
                &json!({"type": "text", "max_chars": 10}),
                10,
            )
        })
        .collect();
    let body = expect_error(
        app.post_json(
            "/api/v1/templates",
            Some(&admin),
            &json!({ "name": "t", "fields": many }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_many_fields",
    )
    .await;
    assert_eq!(body["details"]["max"], 20);
    assert_eq!(body["details"]["actual"], 21);
    assert_eq!(
        app.count("templates").await,
        0,
        "refused templates are not stored"
    );
    assert_eq!(app.count("audit_log").await, audit_before);
}

async fn policies_are_inherited_and_burden_is_capped_with_the_arithmetic(app: TestApp) {
    let s = setup(&app).await;
    // The village inherits the county's policy.
    let policy = ok_json(
        app.get(&format!("/api/v1/policies/{VILLAGE}"), &s.reviewer)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(policy["inherited_from"], COUNTY);
    assert_eq!(policy["period_kind"], "weekly");
    assert_eq!(policy["current_period"], "weekly:2026-11-23");
    // 780 s per weekly submission: 365.25/12/7 × 780 / 60 = 56.53 min/month.
    let minutes = 365.25 / 12.0 / 7.0 * 780.0 / 60.0;
    let ledger = &policy["ledger"];
    assert!(
        (ledger["now"]["minutes_per_month"].as_f64().unwrap() - minutes).abs() < 1e-9,
        "{ledger}"
    );
    let baseline = 250.0 / 12.0 * (180.0 + 1200.0) / 60.0;
    assert!(
        (ledger["baseline_minutes_per_month"].as_f64().unwrap() - baseline).abs() < 1e-9,
        "{ledger}"
    );

    // A township policy with a budget of 50 minutes: 56.53 > 50, refused with the arithmetic.
    let audit_before = app.count("audit_log").await;
    let body = expect_error(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{TOWNSHIP}"),
            &s.admin,
            &policy_body(s.template_id, "weekly", 50),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "burden_over_budget",
    )
    .await;
    assert_eq!(body["details"]["budget_minutes_per_month"], 50);
    assert_eq!(body["details"]["seconds_per_submission"], 780);
    assert_eq!(
        body["details"]["minutes_per_month"],
        (minutes * 100.0).round() / 100.0
    );
    assert!(
        body["details"]["arithmetic"]
            .as_str()
            .unwrap()
            .contains("780 s"),
        "{body}"
    );
    assert_eq!(
        app.count("policies").await,
        1,
        "the refused policy is not stored"
    );
    assert_eq!(app.count("audit_log").await, audit_before);
    // Monthly fits: 780 s / 60 = 13 min/month.
    let monthly = ok_json(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{TOWNSHIP}"),
            &s.admin,
            &policy_body(s.template_id, "monthly", 50),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(monthly["ledger"]["now"]["minutes_per_month"], 13.0);
    // Now the village inherits from the township, the nearest ancestor.
    let policy = ok_json(
        app.get(&format!("/api/v1/policies/{VILLAGE}"), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(policy["inherited_from"], TOWNSHIP);
    assert_eq!(policy["period_kind"], "monthly");

    // Growing the template past the county's 60-minute budget is refused, template unchanged.
    let mut fields = ok_json(
        app.get(&format!("/api/v1/templates/{}", s.template_id), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await["fields"]
        .clone();
    fields.as_array_mut().unwrap().push(field(
        "notes",
        "备注",
        "Notes",
        &json!({"type": "text", "max_chars": 200}),
        120,
    ));
    expect_error(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/templates/{}", s.template_id),
            &s.admin,
            &json!({ "name": "驻村周报", "fields": fields }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "burden_over_budget",
    )
    .await;
    let stored = ok_json(
        app.get(&format!("/api/v1/templates/{}", s.template_id), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["seconds_per_submission"], 780);

    // Bad numbers each get their own code.
    let mut bad = policy_body(s.template_id, "weekly", 60);
    bad["grace_days"] = json!(15);
    let body = expect_error(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{COUNTY}"),
            &s.admin,
            &bad,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_period",
    )
    .await;
    assert_eq!(body["details"]["reason"], "grace_too_long");
    let mut bad = policy_body(s.template_id, "weekly", 60);
    bad["time_zone"] = json!("Mars/Olympus");
    expect_error(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{COUNTY}"),
            &s.admin,
            &bad,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_time_zone",
    )
    .await;

    // The burden ledger: the county's figures against the baseline.
    let burden = ok_json(
        app.get(&format!("/api/v1/burden?unit={COUNTY}"), &s.reviewer)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(burden["within_budget"], true);
    assert_eq!(burden["subtree"].as_array().unwrap().len(), 2);
    let saved = burden["ledger"]["minutes_saved_per_month"]
        .as_f64()
        .unwrap();
    assert!((saved - (baseline - minutes)).abs() < 1e-6, "{burden}");
}

async fn a_daily_cadence_needs_an_emergency_which_ends_by_itself(app: TestApp) {
    let s = setup(&app).await;
    let daily = policy_body(s.template_id, "daily", 600);
    let body = expect_error(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{TOWNSHIP}"),
            &s.admin,
            &daily,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cadence_below_floor",
    )
    .await;
    assert_eq!(body["details"]["floor"], "weekly");
    let body = expect_error(
        app.post_json(
            "/api/v1/emergencies",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "reason": "暴雨防汛", "days": 15 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "emergency_too_long",
    )
    .await;
    assert_eq!(body["details"]["max"], 14);
    assert_eq!(app.count("emergencies").await, 0);
    let emergency = ok_json(
        app.post_json(
            "/api/v1/emergencies",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "reason": "暴雨防汛", "days": 3 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        emergency["ends_at"].as_i64().unwrap() - emergency["starts_at"].as_i64().unwrap(),
        3 * 86_400
    );
    // During the emergency a daily cadence is accepted on the township.
    let policy = ok_json(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{TOWNSHIP}"),
            &s.admin,
            &daily,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(policy["period_kind"], "daily");
    assert_eq!(policy["kind_after_emergency"], "weekly");
    // Four days later it is over by itself: the township is weekly again, and a new daily policy is refused.
    app.clock.set(at(2026, 11, 29, 10, 0));
    let policy = ok_json(
        app.get(&format!("/api/v1/policies/{VILLAGE}"), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(policy["period_kind"], "weekly");
    assert!(policy["emergency"].is_null());
    expect_error(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{TOWNSHIP}"),
            &s.admin,
            &daily,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cadence_below_floor",
    )
    .await;
    let audit = ok_json(
        app.get("/api/v1/audit?limit=50", &s.admin).await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"emergencies.declare"), "{actions:?}");
}

async fn data_needs_link_to_existing_fields_and_add_only_within_budget(app: TestApp) {
    let s = setup(&app).await;
    // Same label as an existing field: linked, the template is unchanged (report once).
    let linked = ok_json(
        app.post_json(
            "/api/v1/data-needs",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "department_id": jianfu_tests::COUNTY_DEPARTMENT, "label_zh": "走访户数", "label_en": "Visits" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(linked["resolution"], "linked");
    assert_eq!(linked["field_key"], "households");
    // A new need without a field to add: refused, nothing stored.
    expect_error(
        app.post_json(
            "/api/v1/data-needs",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "department_id": jianfu_tests::COUNTY_DEPARTMENT, "label_zh": "秋粮播种面积", "label_en": "Autumn sowing area" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "data_need_unmatched",
    )
    .await;
    // A new field that fits: 780 + 60 = 840 s → 60.87 min/month > 60: refused.
    let need = |seconds: u32| {
        json!({ "org_unit": COUNTY, "department_id": jianfu_tests::COUNTY_DEPARTMENT, "label_zh": "秋粮播种面积", "label_en": "Autumn sowing area",
                "field": field("sowing", "秋粮播种面积", "Autumn sowing area", &json!({"type": "number", "min": 0, "max": 100_000}), seconds) })
    };
    let body = expect_error(
        app.post_json("/api/v1/data-needs", Some(&s.admin), &need(60))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "burden_over_budget",
    )
    .await;
    assert_eq!(body["details"]["seconds_per_submission"], 840);
    assert_eq!(app.count("data_needs").await, 1);
    // 30 s fits: 810 s → 58.69 min/month.
    let added = ok_json(
        app.post_json("/api/v1/data-needs", Some(&s.admin), &need(30))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["resolution"], "added");
    let template = ok_json(
        app.get(&format!("/api/v1/templates/{}", s.template_id), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(template["seconds_per_submission"], 810);
    let listed = ok_json(
        app.get("/api/v1/data-needs", &s.reviewer).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
}

async fn a_report_is_idempotent_revised_and_never_duplicated(app: TestApp) {
    let s = setup(&app).await;
    let first = content(&[outcome("o1", "协调修复村东道路", "in_progress")]);
    let created = ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["revision"], 1);
    assert_eq!(created["late"], false);
    assert_eq!(created["org_unit"], VILLAGE);
    // The same id and body again: the same result, nothing new stored.
    let again = ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(again, created);
    assert_eq!(app.count("report_revisions").await, 1);
    // Changed content: a new revision, history kept.
    let second = content(&[outcome("o1", "协调修复村东道路，已完工", "done")]);
    let revised = ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &second, 1).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(revised["revision"], 2);
    // A second id for the same period: 409 naming the first.
    let body = expect_error(
        put_report(&app, &s.cadre, OTHER_ID, WEEK, &first).await,
        StatusCode::CONFLICT,
        "report_exists_for_period",
    )
    .await;
    assert_eq!(body["details"]["existing_id"], REPORT_ID);
    // The same id for another period: refused.
    expect_error(
        put_report(&app, &s.cadre, REPORT_ID, "weekly:2026-11-09", &first).await,
        StatusCode::CONFLICT,
        "report_id_taken",
    )
    .await;
    // Another cadre reusing the id: refused, and they learn nothing of its content.
    let other = app.login("other.cadre").await;
    let admin = &s.admin;
    ok_json(
        app.post_json("/api/v1/postings", Some(admin), &json!({ "username": "other.cadre", "org_unit": jianfu_tests::OTHER_TOWNSHIP_VILLAGE, "starts_on": "2026-01-01" })).await,
        StatusCode::CREATED,
    )
    .await;
    let body = expect_error(
        put_report(&app, &other, REPORT_ID, WEEK, &first).await,
        StatusCode::CONFLICT,
        "report_id_taken",
    )
    .await;
    assert!(!body.to_string().contains("协调"), "{body}");
    assert_eq!(app.count("reports").await, 1);
    assert_eq!(app.count("report_revisions").await, 2);
    let detail = ok_json(
        app.get(&format!("/api/v1/reports/{REPORT_ID}"), &s.cadre)
            .await,
        StatusCode::OK,
    )
    .await;
    let revisions = detail["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(
        revisions[0]["content"]["outcomes"][0]["status"],
        "in_progress"
    );
    assert_eq!(revisions[1]["content"]["outcomes"][0]["status"], "done");
}

async fn bad_reports_are_refused_with_every_problem_and_change_nothing(app: TestApp) {
    let s = setup(&app).await;
    let mut bad = content(&[outcome("o1", "", "finished")]);
    bad["fields"]["households"] = json!(501);
    bad["fields"]["mood"] = json!("good");
    let body = expect_error(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "report_invalid",
    )
    .await;
    let codes: Vec<(String, String)> = body["details"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap().to_owned(),
                p["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("required", "outcomes[0].what"),
        ("invalid_choice", "outcomes[0].status"),
        ("out_of_range", "fields.households"),
        ("unknown_field", "fields.mood"),
    ] {
        assert!(
            codes
                .iter()
                .any(|(c, f)| c == expected.0 && f == expected.1),
            "{expected:?} not in {codes:?}"
        );
    }
    // Too large: the content's own limit (32 KB) is a problem, a bigger body a 413.
    let long = "很".repeat(500);
    let many: Vec<Value> = (0..20)
        .map(|i| {
            let mut o = outcome(&format!("o{i}"), &long, "done");
            o["for_whom"] = json!("很".repeat(40));
            o
        })
        .collect();
    let size = serde_json::to_vec(&content(&many)).unwrap().len();
    assert!(
        (32 * 1024..36 * 1024).contains(&size),
        "between the content limit and the body limit: {size}"
    );
    let body = expect_error(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &content(&many)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "report_invalid",
    )
    .await;
    assert_eq!(
        body["details"]["problems"][0]["code"], "payload_too_large",
        "{body}"
    );
    let huge =
        json!({ "period": WEEK, "content": { "outcomes": [], "padding": "x".repeat(64 * 1024) } });
    let body = expect_error(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/reports/{REPORT_ID}"),
            &s.cadre,
            &huge,
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert!(body["details"]["limit_bytes"].as_u64().is_some(), "{body}");
    // Not a UUID, a malformed period, a period of another cadence, a future period.
    let good = content(&[outcome("o1", "调解邻里纠纷", "done")]);
    expect_error(
        put_report(&app, &s.cadre, "report-1", WEEK, &good).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_report_id",
    )
    .await;
    let body = expect_error(
        put_report(&app, &s.cadre, REPORT_ID, "weekly:2026-11-17", &good).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_period",
    )
    .await;
    assert_eq!(body["details"]["reason"], "not_period_start");
    expect_error(
        put_report(&app, &s.cadre, REPORT_ID, "monthly:2026-11-01", &good).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "period_kind_mismatch",
    )
    .await;
    expect_error(
        put_report(&app, &s.cadre, REPORT_ID, "weekly:2026-11-30", &good).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "period_not_started",
    )
    .await;
    // A cadre without a posting in that period.
    expect_error(
        put_report(&app, &s.cadre, REPORT_ID, "weekly:2025-11-17", &good).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_posted",
    )
    .await;
    // Only cadres submit.
    expect_error(
        put_report(&app, &s.reviewer, REPORT_ID, WEEK, &good).await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    assert_eq!(app.count("reports").await, 0);
    assert_eq!(app.count("report_revisions").await, 0);
}

/// A 0.01° square around 37.6N 116.40E as the village outline.
fn square() -> Value {
    json!({ "type": "Polygon", "coordinates": [[[116.395, 37.595], [116.405, 37.595], [116.405, 37.605], [116.395, 37.605], [116.395, 37.595]]] })
}

/// Stores `outline` on `unit` as `admin`; the response.
async fn put_boundary(
    app: &TestApp,
    admin: &str,
    unit: &str,
    outline: &Value,
) -> reqwest::Response {
    let path = format!("/api/v1/org-units/{unit}/boundary");
    send(app, Method::PUT, &path, admin, outline).await
}

/// The first problem of `body` sent as [`REPORT_ID`] for [`WEEK`], which must be refused as
/// an invalid report.
async fn first_problem(app: &TestApp, cadre: &str, body: &Value) -> Value {
    let refused = expect_error(
        put_report(app, cadre, REPORT_ID, WEEK, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "report_invalid",
    )
    .await;
    refused["details"]["problems"][0].clone()
}

async fn geotags_must_be_rounded_and_inside_the_village(app: TestApp) {
    let s = setup(&app).await;
    let status = put_boundary(&app, &s.admin, VILLAGE, &square())
        .await
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    expect_error(
        put_boundary(
            &app,
            &s.admin,
            VILLAGE,
            &json!({ "type": "Point", "coordinates": [1, 2] }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_boundary",
    )
    .await;
    let with_tag = |lat: f64, lon: f64| {
        let mut o = outcome("o1", "修复村东道路", "done");
        o["geotag"] = json!({ "lat": lat, "lon": lon });
        content(&[o])
    };
    // 3 km east: outside the village plus 500 m.
    let problem = first_problem(&app, &s.cadre, &with_tag(37.6, 116.44)).await;
    assert_eq!(problem["code"], "geotag_outside_boundary");
    assert_eq!(problem["details"]["buffer_metres"], 500.0);
    // Raw GPS precision is refused: the client rounds before sending (R7).
    let problem = first_problem(&app, &s.cadre, &with_tag(37.600_123, 116.400_456)).await;
    assert_eq!(problem["code"], "geotag_not_rounded");
    assert_eq!(app.count("reports").await, 0);
    // 200 m outside the square is within the buffer.
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &with_tag(37.6, 116.407)).await,
        StatusCode::CREATED,
    )
    .await;
    // The cadre's context carries the boundary for offline checks.
    let context = ok_json(
        app.get(&format!("/api/v1/me/periods/{WEEK}"), &s.cadre)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(context["boundary"]["type"], "MultiPolygon");
}

/// A village with no outline of its own is checked against its township's; once it has
/// one, its own wins (read with the village's policy, in one statement).
async fn a_village_without_an_outline_is_checked_against_its_townships(app: TestApp) {
    let s = setup(&app).await;
    let status = put_boundary(&app, &s.admin, TOWNSHIP, &square())
        .await
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    let mut tagged = outcome("o1", "修复村东道路", "done");
    // 3 km east of the township's square.
    tagged["geotag"] = json!({ "lat": 37.6, "lon": 116.44 });
    let body = content(&[tagged]);
    let problem = first_problem(&app, &s.cadre, &body).await;
    assert_eq!(problem["code"], "geotag_outside_boundary");
    assert_eq!(app.count("reports").await, 0);
    // The village's own square, 0.04° east of the township's, holds the same geotag.
    let east = json!({ "type": "Polygon", "coordinates": [[[116.435, 37.595], [116.445, 37.595], [116.445, 37.605], [116.435, 37.605], [116.435, 37.595]]] });
    let status = put_boundary(&app, &s.admin, VILLAGE, &east).await.status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &body).await,
        StatusCode::CREATED,
    )
    .await;
}

async fn lateness_follows_due_date_plus_grace_in_local_time(app: TestApp) {
    let s = setup(&app).await;
    // Due Tuesday 11-24, grace to Thursday 11-26 inclusive: 23:59 local on 11-26 is on time.
    app.clock.set(at(2026, 11, 26, 23, 59));
    let on_time = ok_json(
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
    assert_eq!(on_time["late"], false);
    // The week before, received at 00:00 local on the day after its grace: late.
    app.clock.set(at(2026, 11, 20, 0, 0));
    let late = ok_json(
        put_report(
            &app,
            &s.cadre,
            OTHER_ID,
            "weekly:2026-11-09",
            &content(&[outcome("o0", "组织村民议事会", "done")]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(late["late"], true);
    let periods = ok_json(
        app.get("/api/v1/me/periods", &s.cadre).await,
        StatusCode::OK,
    )
    .await;
    let find = |key: &str| {
        periods["periods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["key"] == key)
            .cloned()
            .expect(key)
    };
    assert_eq!(find("weekly:2026-11-09")["status"], "late");
    assert_eq!(find("weekly:2026-11-16")["status"], "on_time");
    assert_eq!(find("weekly:2026-11-16")["due_date"], "2026-11-24");
    assert_eq!(find("weekly:2026-11-16")["last_on_time_date"], "2026-11-26");
    assert_eq!(find("weekly:2026-11-02")["status"], "missing");
    assert_eq!(find("weekly:2026-11-23")["status"], "upcoming");
}

async fn exempt_periods_are_never_missing_or_late(app: TestApp) {
    let s = setup(&app).await;
    ok_json(
        app.post_json(
            "/api/v1/exemptions",
            Some(&s.admin),
            &json!({ "username": "cadre", "kind": "training", "starts_on": "2026-11-05", "ends_on": "2026-11-06", "note": "县委党校培训" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_error(
        app.post_json("/api/v1/exemptions", Some(&s.admin), &json!({ "username": "cadre", "kind": "holiday", "starts_on": "2026-11-05", "ends_on": "2026-11-06" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(
        app.post_json("/api/v1/exemptions", Some(&s.admin), &json!({ "username": "reviewer", "kind": "leave", "starts_on": "2026-11-05", "ends_on": "2026-11-06" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_a_cadre",
    )
    .await;
    app.clock.set(at(2026, 11, 29, 12, 0));
    let periods = ok_json(
        app.get("/api/v1/me/periods", &s.cadre).await,
        StatusCode::OK,
    )
    .await;
    let statuses: Vec<(String, String)> = periods["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().to_owned(),
                p["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Two days of training in the week of 11-02 (partly covered): exempt; the others are missing.
    assert!(
        statuses.contains(&("weekly:2026-11-02".to_owned(), "exempt".to_owned())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("weekly:2026-10-26".to_owned(), "missing".to_owned())),
        "{statuses:?}"
    );
    let completeness = ok_json(
        app.get(
            &format!("/api/v1/completeness?unit={COUNTY}&period=weekly:2026-11-02"),
            &s.reviewer,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(completeness["counts"]["exempt"], 1);
    assert_eq!(completeness["counts"]["missing"], 0);
    assert_eq!(completeness["exempt"][0]["username"], "cadre");
}

async fn locked_periods_need_a_reviewer_to_reopen_them(app: TestApp) {
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
    // Locks 7 days after the last on-time day (11-26): from 12-04 00:00 local.
    app.clock.set(at(2026, 12, 4, 0, 0));
    let revised = content(&[outcome("o1", "入户走访12户", "done")]);
    let body = expect_error(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &revised, 1).await,
        StatusCode::CONFLICT,
        "period_locked",
    )
    .await;
    assert_eq!(body["details"]["locks_at"], at(2026, 12, 4, 0, 0));
    assert_eq!(app.count("report_revisions").await, 1);
    expect_error(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reopenings"),
            Some(&s.reviewer),
            &json!({ "reason": "补充数据", "days": 30 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reopenings"),
            Some(&s.cadre),
            &json!({ "reason": "补充数据", "days": 2 }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    ok_json(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reopenings"),
            Some(&s.reviewer),
            &json!({ "reason": "补充走访户数", "days": 2 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &revised, 1).await,
        StatusCode::OK,
    )
    .await;
    // Two days later the reopening has lapsed.
    app.clock.set(at(2026, 12, 6, 1, 0));
    expect_error(
        revise_report(
            &app,
            &s.cadre,
            REPORT_ID,
            WEEK,
            &content(&[outcome("o1", "入户走访13户", "done")]),
            2,
        )
        .await,
        StatusCode::CONFLICT,
        "period_locked",
    )
    .await;
    let audit = ok_json(
        app.get(&format!("/api/v1/audit?unit={COUNTY}"), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    let reopen = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "reports.reopen")
        .cloned()
        .expect("audited");
    assert_eq!(reopen["actor"], "reviewer");
    assert_eq!(reopen["target"], format!("report:{REPORT_ID}"));
}

async fn reviews_ask_and_the_next_revision_answers(app: TestApp) {
    let s = setup(&app).await;
    ok_json(
        put_report(
            &app,
            &s.cadre,
            REPORT_ID,
            WEEK,
            &content(&[outcome("o1", "走访低保户", "done")]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_error(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reviews"),
            Some(&s.reviewer),
            &json!({ "verdict": "needs_clarification" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reviews"),
            Some(&s.reviewer),
            &json!({ "verdict": "excellent", "score": 5 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    let question = ok_json(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reviews"),
            Some(&s.reviewer),
            &json!({ "verdict": "needs_clarification", "question": "走访了几户？" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let context = ok_json(
        app.get(&format!("/api/v1/me/periods/{WEEK}"), &s.cadre)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(context["report"]["question"], "走访了几户？");
    let answer = ok_json(
        revise_report(
            &app,
            &s.cadre,
            REPORT_ID,
            WEEK,
            &content(&[outcome("o1", "走访低保户12户", "done")]),
            1,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["status"], "submitted");
    ok_json(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reviews"),
            Some(&s.reviewer),
            &json!({ "verdict": "acknowledged" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let detail = ok_json(
        app.get(&format!("/api/v1/reports/{REPORT_ID}"), &s.reviewer)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["status"], "acknowledged");
    assert_eq!(detail["revisions"][1]["answers_review_id"], question["id"]);
    let reviews = detail["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[0]["revision"], 1);
    assert_eq!(reviews[1]["revision"], 2);
    assert!(!detail.to_string().contains("score"), "no scores anywhere");
    let listed = ok_json(
        app.get(
            &format!("/api/v1/reports?status=acknowledged&period={WEEK}"),
            &s.reviewer,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

async fn the_next_period_is_prefilled_from_the_last_report(app: TestApp) {
    let s = setup(&app).await;
    let mut c = content(&[
        outcome("road", "协调修复村东道路", "in_progress"),
        outcome("dispute", "调解邻里纠纷", "done"),
        outcome("water", "自来水管网改造", "blocked"),
    ]);
    c["fields"]["contact"] = json!("13912345678");
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &c).await,
        StatusCode::CREATED,
    )
    .await;
    app.clock.set(at(2026, 11, 27, 9, 0));
    let context = ok_json(
        app.get("/api/v1/me/periods/weekly:2026-11-23", &s.cadre)
            .await,
        StatusCode::OK,
    )
    .await;
    let prefill = &context["prefill"];
    assert_eq!(
        prefill["fields"]["contact"], "13912345678",
        "stable fields carry forward: {prefill}"
    );
    assert!(
        prefill["fields"].get("households").is_none(),
        "non-stable fields do not: {prefill}"
    );
    let continued: Vec<&str> = prefill["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["continues"].as_str().unwrap())
        .collect();
    assert_eq!(
        continued,
        ["road", "water"],
        "unfinished outcomes carry forward"
    );
    assert_eq!(context["last_outcomes"].as_array().unwrap().len(), 3);
    assert!(
        context["continuable"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == "road")
    );
    // Submitting the prefilled draft continues the earlier outcomes; an unknown link is refused.
    let mut next = prefill.clone();
    ok_json(
        put_report(&app, &s.cadre, OTHER_ID, "weekly:2026-11-23", &next).await,
        StatusCode::CREATED,
    )
    .await;
    next["outcomes"][0]["continues"] = json!("nowhere");
    let body = expect_error(
        put_report(&app, &s.cadre, OTHER_ID, "weekly:2026-11-23", &next).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "report_invalid",
    )
    .await;
    assert_eq!(
        body["details"]["problems"][0]["code"],
        "unknown_continued_outcome"
    );
}

async fn postings_are_checked(app: TestApp) {
    let admin = app.login("admin").await;
    let post = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move { app.post_json("/api/v1/postings", Some(&admin), &body).await }
    };
    ok_json(post(json!({ "username": "cadre", "org_unit": VILLAGE, "starts_on": "2026-01-01", "ends_on": "2026-06-30" })).await, StatusCode::CREATED).await;
    let body = expect_error(
        post(json!({ "username": "cadre", "org_unit": VILLAGE, "starts_on": "2026-06-01" })).await,
        StatusCode::CONFLICT,
        "posting_overlaps",
    )
    .await;
    assert_eq!(body["details"]["existing"]["starts_on"], "2026-01-01");
    expect_error(
        post(json!({ "username": "cadre", "org_unit": TOWNSHIP, "starts_on": "2026-07-01" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(
        post(json!({ "username": "nobody", "org_unit": VILLAGE, "starts_on": "2026-07-01" })).await,
        StatusCode::NOT_FOUND,
        "user_not_found",
    )
    .await;
    expect_error(
        post(json!({ "username": "cadre", "org_unit": VILLAGE, "starts_on": "2026-13-01" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(post(json!({ "username": "cadre", "org_unit": VILLAGE, "starts_on": "2026-08-01", "ends_on": "2026-07-01" })).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    expect_error(
        post(json!({ "username": "admin", "org_unit": VILLAGE, "starts_on": "2026-07-01" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_a_cadre",
    )
    .await;
    ok_json(
        post(json!({ "username": "cadre", "org_unit": VILLAGE, "starts_on": "2026-07-01" })).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(app.count("postings").await, 2);
    let listed = ok_json(
        app.get("/api/v1/postings?limit=1", &admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let next = listed["next_after"].as_i64().expect("a second page");
    let page2 = ok_json(
        app.get(&format!("/api/v1/postings?limit=1&after={next}"), &admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page2["items"][0]["starts_on"], "2026-07-01");
}

async fn the_audit_log_records_before_and_after_and_pages(app: TestApp) {
    let s = setup(&app).await;
    ok_json(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{COUNTY}"),
            &s.admin,
            &policy_body(s.template_id, "biweekly", 60),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let page = ok_json(
        app.get("/api/v1/audit?limit=1", &s.admin).await,
        StatusCode::OK,
    )
    .await;
    let entry = &page["items"][0];
    assert_eq!(entry["action"], "policies.put");
    let before: Value = serde_json::from_str(entry["before"].as_str().unwrap()).unwrap();
    let after: Value = serde_json::from_str(entry["after"].as_str().unwrap()).unwrap();
    assert_eq!(before["period_kind"], "weekly");
    assert_eq!(after["period_kind"], "biweekly");
    let before_id = page["next_before"].as_i64().expect("more pages");
    let page2 = ok_json(
        app.get(
            &format!("/api/v1/audit?limit=50&before={before_id}"),
            &s.admin,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = page2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..3],
        ["postings.create", "policies.put", "templates.create"]
    );
    // Another county's admin sees none of it.
    let other = app.login("other.admin").await;
    let theirs = ok_json(app.get("/api/v1/audit", &other).await, StatusCode::OK).await;
    let scopes: Vec<&str> = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["scope"].as_str().unwrap())
        .collect();
    assert!(
        scopes
            .iter()
            .all(|s| s.starts_with(jianfu_tests::OTHER_COUNTY)),
        "{scopes:?}"
    );
}

on_both_engines!(
    templates_refuse_duplicates_photos_and_too_many_fields,
    policies_are_inherited_and_burden_is_capped_with_the_arithmetic,
    a_daily_cadence_needs_an_emergency_which_ends_by_itself,
    data_needs_link_to_existing_fields_and_add_only_within_budget,
    a_report_is_idempotent_revised_and_never_duplicated,
    bad_reports_are_refused_with_every_problem_and_change_nothing,
    geotags_must_be_rounded_and_inside_the_village,
    a_village_without_an_outline_is_checked_against_its_townships,
    lateness_follows_due_date_plus_grace_in_local_time,
    exempt_periods_are_never_missing_or_late,
    locked_periods_need_a_reviewer_to_reopen_them,
    reviews_ask_and_the_next_revision_answers,
    the_next_period_is_prefilled_from_the_last_report,
    postings_are_checked,
    the_audit_log_records_before_and_after_and_pages,
);
