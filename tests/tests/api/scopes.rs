//! Who may do what, where: every role against every reporting-loop endpoint, on an object
//! inside and outside their subtree, with the exact status and error code. One table; all
//! failing rows are printed together. And no list endpoint takes a sort parameter (R2).

use jianfu_tests::{
    COUNTY, OTHER_COUNTY, OTHER_TOWNSHIP_VILLAGE, StatusCode, TOWNSHIP, TestApp, VILLAGE,
    on_both_engines,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::fmt::Write as _;

on_both_engines!(
    every_role_meets_the_right_door,
    no_list_endpoint_takes_a_sort_parameter
);

/// Monday of the week reported on; the clock stands in the following week.
const PERIOD: &str = "weekly:2026-11-09";
const OTHER_TOWNSHIP: &str = "130928100";

/// Unix seconds of 2026-11-18 10:00 in Shanghai.
fn wednesday() -> i64 {
    jiff::civil::date(2026, 11, 18)
        .at(10, 0, 0, 0)
        .in_tz("Asia/Shanghai")
        .unwrap()
        .timestamp()
        .as_second()
}

#[derive(Debug)]
struct Case {
    who: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    status: StatusCode,
    /// The error code, or `None` for a success.
    code: Option<&'static str>,
}

fn case(
    who: &'static str,
    method: Method,
    path: impl Into<String>,
    body: Option<Value>,
    expect: (StatusCode, Option<&'static str>),
) -> Case {
    Case {
        who,
        method,
        path: path.into(),
        body,
        status: expect.0,
        code: expect.1,
    }
}

const OK: (StatusCode, Option<&str>) = (StatusCode::OK, None);
const CREATED: (StatusCode, Option<&str>) = (StatusCode::CREATED, None);
const ROLE: (StatusCode, Option<&str>) = (StatusCode::FORBIDDEN, Some("forbidden_role"));
const SCOPE: (StatusCode, Option<&str>) = (StatusCode::FORBIDDEN, Some("out_of_scope"));

const ROLES: [&str; 7] = [
    "cadre",
    "other.cadre",
    "reviewer",
    "township.reviewer",
    "admin",
    "other.admin",
    "township.admin",
];

struct Tokens(Vec<(&'static str, String)>);

impl Tokens {
    fn of(&self, who: &str) -> &str {
        &self
            .0
            .iter()
            .find(|(name, _)| *name == who)
            .unwrap_or_else(|| panic!("no token for {who}"))
            .1
    }
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, String) {
    let mut request = app.request(method, path, Some(token));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

/// `Ok` if the response is the one expected, else what went wrong.
fn verdict(
    status: StatusCode,
    text: &str,
    expected: StatusCode,
    code: Option<&str>,
) -> Result<(), String> {
    if status != expected {
        return Err(format!("got {status}: {text}"));
    }
    let Some(code) = code else {
        return Ok(());
    };
    let body: Value = serde_json::from_str(text).map_err(|_| format!("not JSON: {text}"))?;
    if body["code"] != code {
        return Err(format!("code {} instead of {code}: {text}", body["code"]));
    }
    for key in ["message_zh", "message_en"] {
        if body[key].as_str().is_none_or(str::is_empty) {
            return Err(format!("{key} missing: {text}"));
        }
    }
    if !body["details"].is_object() {
        return Err(format!("details not an object: {text}"));
    }
    Ok(())
}

async fn created(app: &TestApp, token: &str, method: Method, path: &str, body: &Value) -> Value {
    let (status, text) = send(app, token, method, path, Some(body)).await;
    assert!(
        status == StatusCode::CREATED || status == StatusCode::OK,
        "setup {path}: {status} {text}"
    );
    serde_json::from_str(&text).expect("JSON")
}

fn report_body(summary: &str) -> Value {
    json!({"period": PERIOD, "content": {
        "outcomes": [{"id": "o1", "category": "民生", "what": "协调修复自来水管", "for_whom": "三组村民", "status": "done"}],
        "fields": {"summary": summary},
    }})
}

#[allow(clippy::too_many_lines, reason = "the table is the test")]
async fn every_role_meets_the_right_door(app: TestApp) {
    app.clock.set(wednesday());
    // An admin of one township (not seeded): made by the county admin.
    let county_admin = app.login("admin").await;
    created(
        &app,
        &county_admin,
        Method::POST,
        "/api/v1/users",
        &json!({"username": "township.admin",
        "password": jianfu_tests::PASSWORD, "role": "admin", "org_unit": TOWNSHIP}),
    )
    .await;
    let mut tokens = Vec::new();
    for who in ROLES {
        tokens.push((who, app.login(who).await));
    }
    let tokens = Tokens(tokens);
    let admin = tokens.of("admin");
    let other_admin = tokens.of("other.admin");

    // Setup, by the admins: templates, policies, postings, two reports in two townships.
    let fields = json!([{"key": "summary", "label_zh": "小结", "label_en": "Summary", "type": "text",
        "max_chars": 200, "required": true, "seconds_to_fill": 120, "concept": "summary"}]);
    let template = created(
        &app,
        admin,
        Method::POST,
        "/api/v1/templates",
        &json!({"org_unit": COUNTY, "name": "周报", "fields": fields}),
    )
    .await;
    let template_id = template["id"].as_i64().unwrap();
    let other_template = created(
        &app,
        other_admin,
        Method::POST,
        "/api/v1/templates",
        &json!({"org_unit": OTHER_COUNTY, "name": "献县周报", "fields": fields}),
    )
    .await;
    let other_template_id = other_template["id"].as_i64().unwrap();
    let policy = |template: i64| {
        json!({"period_kind": "weekly", "due_offset_days": 2, "grace_days": 2,
        "template_id": template, "budget_minutes_per_month": 30})
    };
    created(
        &app,
        admin,
        Method::PUT,
        &format!("/api/v1/policies/{COUNTY}"),
        &policy(template_id),
    )
    .await;
    for (who, village) in [("cadre", VILLAGE), ("other.cadre", OTHER_TOWNSHIP_VILLAGE)] {
        created(
            &app,
            admin,
            Method::POST,
            "/api/v1/postings",
            &json!({"username": who, "org_unit": village, "starts_on": "2026-01-01"}),
        )
        .await;
    }
    // Cadres not yet posted: one in each county.
    created(
        &app,
        admin,
        Method::POST,
        "/api/v1/users",
        &json!({"username": "new.cadre",
        "password": "a long passphrase", "role": "cadre", "org_unit": "130928101202"}),
    )
    .await;
    created(
        &app,
        other_admin,
        Method::POST,
        "/api/v1/users",
        &json!({"username": "xian.cadre",
        "password": "a long passphrase", "role": "cadre", "org_unit": "130929100006"}),
    )
    .await;
    let own = uuid::Uuid::new_v4().to_string();
    let other = uuid::Uuid::new_v4().to_string();
    created(
        &app,
        tokens.of("cadre"),
        Method::PUT,
        &format!("/api/v1/reports/{own}"),
        &report_body("修水管"),
    )
    .await;
    created(
        &app,
        tokens.of("other.cadre"),
        Method::PUT,
        &format!("/api/v1/reports/{other}"),
        &report_body("修路"),
    )
    .await;

    let get = Method::GET;
    let post = Method::POST;
    let put = Method::PUT;
    let r_own = format!("/api/v1/reports/{own}");
    let r_other = format!("/api/v1/reports/{other}");
    let review = Some(json!({"verdict": "acknowledged"}));
    let reopen = Some(json!({"reason": "补充材料", "days": 3}));
    let revise = Some(report_body("修水管"));
    let template_body =
        |unit: &str| Some(json!({"org_unit": unit, "name": "新模板", "fields": fields}));
    let exemption = |who: &str| {
        Some(
            json!({"username": who, "kind": "training", "starts_on": "2026-12-01", "ends_on": "2026-12-03", "note": ""}),
        )
    };
    let emergency = |unit: &str| Some(json!({"org_unit": unit, "reason": "暴雨", "days": 3}));
    // A township admin names the township's department; everyone else the county's.
    let department = |unit: &str| {
        if unit == TOWNSHIP {
            jianfu_tests::TOWNSHIP_DEPARTMENT
        } else {
            jianfu_tests::COUNTY_DEPARTMENT
        }
    };
    let need = |unit: &str| {
        Some(
            json!({"org_unit": unit, "department_id": department(unit), "label_zh": "小结", "label_en": "Summary", "concept": "summary"}),
        )
    };
    let new_field_need = |unit: &str| {
        Some(
            json!({"org_unit": unit, "department_id": department(unit), "label_zh": "走访低保户数",
        "label_en": "Low-income households visited", "concept": "low_income_visits",
        "field": {"key": "low_income_visits", "label_zh": "走访低保户数", "label_en": "Low-income households visited",
            "type": "number", "min": 0, "max": 500, "integer": true, "required": false, "seconds_to_fill": 20}}),
        )
    };
    let posting = |who: &str, village: &str| {
        Some(json!({"username": who, "org_unit": village, "starts_on": "2026-01-01"}))
    };
    let completeness = |unit: &str| format!("/api/v1/completeness?unit={unit}&period={PERIOD}");

    let cases = vec![
        // ---- one report: its author, reviewers and admins of its subtree, nobody else
        case("cadre", get.clone(), &r_own, None, OK),
        case("other.cadre", get.clone(), &r_own, None, SCOPE),
        case("reviewer", get.clone(), &r_own, None, OK),
        case("township.reviewer", get.clone(), &r_own, None, OK),
        case("admin", get.clone(), &r_own, None, OK),
        case("other.admin", get.clone(), &r_own, None, SCOPE),
        case("cadre", get.clone(), &r_other, None, SCOPE),
        case("other.cadre", get.clone(), &r_other, None, OK),
        case("reviewer", get.clone(), &r_other, None, OK),
        case("township.reviewer", get.clone(), &r_other, None, SCOPE),
        case("admin", get.clone(), &r_other, None, OK),
        case("other.admin", get.clone(), &r_other, None, SCOPE),
        // ---- submitting: cadres only; a replay of the same content changes nothing
        case("cadre", put.clone(), &r_own, revise.clone(), CREATED),
        // Another cadre cannot take over a report id: refused, and nothing of it is shown.
        case(
            "other.cadre",
            put.clone(),
            &r_own,
            revise.clone(),
            (StatusCode::CONFLICT, Some("report_id_taken")),
        ),
        case("reviewer", put.clone(), &r_own, revise.clone(), ROLE),
        case(
            "township.reviewer",
            put.clone(),
            &r_own,
            revise.clone(),
            ROLE,
        ),
        case("admin", put.clone(), &r_own, revise.clone(), ROLE),
        case("other.admin", put.clone(), &r_own, revise.clone(), ROLE),
        // ---- report lists: the caller's subtree (a cadre: own reports, unit ignored)
        case("cadre", get.clone(), "/api/v1/reports", None, OK),
        case(
            "other.cadre",
            get.clone(),
            format!("/api/v1/reports?unit={OTHER_COUNTY}"),
            None,
            OK,
        ),
        case(
            "reviewer",
            get.clone(),
            format!("/api/v1/reports?unit={COUNTY}"),
            None,
            OK,
        ),
        case(
            "reviewer",
            get.clone(),
            format!("/api/v1/reports?unit={OTHER_COUNTY}"),
            None,
            SCOPE,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/reports?unit={TOWNSHIP}"),
            None,
            OK,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/reports?unit={OTHER_TOWNSHIP}"),
            None,
            SCOPE,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/reports?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        case(
            "admin",
            get.clone(),
            format!("/api/v1/reports?unit={COUNTY}"),
            None,
            OK,
        ),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/reports?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        case("other.admin", get.clone(), "/api/v1/reports", None, OK),
        // ---- reviews: reviewers of the subtree only
        case(
            "cadre",
            post.clone(),
            format!("{r_own}/reviews"),
            review.clone(),
            ROLE,
        ),
        case(
            "other.cadre",
            post.clone(),
            format!("{r_own}/reviews"),
            review.clone(),
            ROLE,
        ),
        case(
            "admin",
            post.clone(),
            format!("{r_own}/reviews"),
            review.clone(),
            ROLE,
        ),
        case(
            "other.admin",
            post.clone(),
            format!("{r_own}/reviews"),
            review.clone(),
            ROLE,
        ),
        case(
            "township.reviewer",
            post.clone(),
            format!("{r_other}/reviews"),
            review.clone(),
            SCOPE,
        ),
        case(
            "township.reviewer",
            post.clone(),
            format!("{r_own}/reviews"),
            review.clone(),
            CREATED,
        ),
        case(
            "reviewer",
            post.clone(),
            format!("{r_other}/reviews"),
            review.clone(),
            CREATED,
        ),
        // ---- reopenings: reviewers of the subtree only
        case(
            "cadre",
            post.clone(),
            format!("{r_own}/reopenings"),
            reopen.clone(),
            ROLE,
        ),
        case(
            "admin",
            post.clone(),
            format!("{r_own}/reopenings"),
            reopen.clone(),
            ROLE,
        ),
        case(
            "other.admin",
            post.clone(),
            format!("{r_own}/reopenings"),
            reopen.clone(),
            ROLE,
        ),
        case(
            "township.reviewer",
            post.clone(),
            format!("{r_other}/reopenings"),
            reopen.clone(),
            SCOPE,
        ),
        case(
            "township.reviewer",
            post.clone(),
            format!("{r_own}/reopenings"),
            reopen.clone(),
            CREATED,
        ),
        case(
            "reviewer",
            post.clone(),
            format!("{r_other}/reopenings"),
            reopen.clone(),
            CREATED,
        ),
        // ---- completeness: reviewers and admins of the subtree
        case("cadre", get.clone(), completeness(VILLAGE), None, ROLE),
        case("other.cadre", get.clone(), completeness(COUNTY), None, ROLE),
        case("reviewer", get.clone(), completeness(COUNTY), None, OK),
        case(
            "reviewer",
            get.clone(),
            completeness(OTHER_COUNTY),
            None,
            SCOPE,
        ),
        case(
            "township.reviewer",
            get.clone(),
            completeness(TOWNSHIP),
            None,
            OK,
        ),
        case(
            "township.reviewer",
            get.clone(),
            completeness(OTHER_TOWNSHIP),
            None,
            SCOPE,
        ),
        case("admin", get.clone(), completeness(COUNTY), None, OK),
        case(
            "other.admin",
            get.clone(),
            completeness(COUNTY),
            None,
            SCOPE,
        ),
        case(
            "other.admin",
            get.clone(),
            completeness(OTHER_COUNTY),
            None,
            OK,
        ),
        // ---- burden ledger: reviewers and admins of the subtree
        case(
            "cadre",
            get.clone(),
            format!("/api/v1/burden?unit={VILLAGE}"),
            None,
            ROLE,
        ),
        case(
            "reviewer",
            get.clone(),
            format!("/api/v1/burden?unit={COUNTY}"),
            None,
            OK,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/burden?unit={TOWNSHIP}"),
            None,
            OK,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/burden?unit={OTHER_TOWNSHIP}"),
            None,
            SCOPE,
        ),
        case(
            "admin",
            get.clone(),
            format!("/api/v1/burden?unit={COUNTY}"),
            None,
            OK,
        ),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/burden?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        // ---- policies: read by reviewers and admins, written by admins, in the subtree
        case(
            "cadre",
            get.clone(),
            format!("/api/v1/policies/{VILLAGE}"),
            None,
            ROLE,
        ),
        case(
            "reviewer",
            get.clone(),
            format!("/api/v1/policies/{VILLAGE}"),
            None,
            OK,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/policies/{VILLAGE}"),
            None,
            OK,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/policies/{OTHER_TOWNSHIP_VILLAGE}"),
            None,
            SCOPE,
        ),
        case(
            "admin",
            get.clone(),
            format!("/api/v1/policies/{COUNTY}"),
            None,
            OK,
        ),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/policies/{COUNTY}"),
            None,
            SCOPE,
        ),
        case(
            "cadre",
            put.clone(),
            format!("/api/v1/policies/{VILLAGE}"),
            Some(policy(template_id)),
            ROLE,
        ),
        case(
            "reviewer",
            put.clone(),
            format!("/api/v1/policies/{COUNTY}"),
            Some(policy(template_id)),
            ROLE,
        ),
        case(
            "other.admin",
            put.clone(),
            format!("/api/v1/policies/{COUNTY}"),
            Some(policy(other_template_id)),
            SCOPE,
        ),
        case(
            "admin",
            put.clone(),
            format!("/api/v1/policies/{COUNTY}"),
            Some(policy(other_template_id)),
            SCOPE,
        ),
        case(
            "admin",
            put.clone(),
            format!("/api/v1/policies/{TOWNSHIP}"),
            Some(policy(template_id)),
            OK,
        ),
        case(
            "other.admin",
            put.clone(),
            format!("/api/v1/policies/{OTHER_COUNTY}"),
            Some(policy(other_template_id)),
            OK,
        ),
        // ---- templates
        case(
            "cadre",
            post.clone(),
            "/api/v1/templates",
            template_body(VILLAGE),
            ROLE,
        ),
        case(
            "reviewer",
            post.clone(),
            "/api/v1/templates",
            template_body(COUNTY),
            ROLE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/templates",
            template_body(OTHER_COUNTY),
            SCOPE,
        ),
        case(
            "other.admin",
            post.clone(),
            "/api/v1/templates",
            template_body(COUNTY),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/templates",
            template_body(TOWNSHIP),
            CREATED,
        ),
        case("cadre", get.clone(), "/api/v1/templates", None, ROLE),
        case("reviewer", get.clone(), "/api/v1/templates", None, OK),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/templates?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        case(
            "cadre",
            get.clone(),
            format!("/api/v1/templates/{template_id}"),
            None,
            ROLE,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/templates/{template_id}"),
            None,
            OK,
        ),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/templates/{template_id}"),
            None,
            SCOPE,
        ),
        case(
            "admin",
            get.clone(),
            format!("/api/v1/templates/{other_template_id}"),
            None,
            SCOPE,
        ),
        // ---- postings
        case(
            "cadre",
            post.clone(),
            "/api/v1/postings",
            posting("new.cadre", "130928101202"),
            ROLE,
        ),
        case(
            "reviewer",
            post.clone(),
            "/api/v1/postings",
            posting("new.cadre", "130928101202"),
            ROLE,
        ),
        case(
            "other.admin",
            post.clone(),
            "/api/v1/postings",
            posting("new.cadre", "130928101202"),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/postings",
            posting("xian.cadre", "130929100006"),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/postings",
            posting("new.cadre", "130928101202"),
            CREATED,
        ),
        case("cadre", get.clone(), "/api/v1/postings", None, ROLE),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/postings?unit={TOWNSHIP}"),
            None,
            OK,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/postings?unit={OTHER_TOWNSHIP}"),
            None,
            SCOPE,
        ),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/postings?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        case("admin", get.clone(), "/api/v1/postings", None, OK),
        // ---- exemptions
        case(
            "cadre",
            post.clone(),
            "/api/v1/exemptions",
            exemption("cadre"),
            ROLE,
        ),
        case(
            "reviewer",
            post.clone(),
            "/api/v1/exemptions",
            exemption("cadre"),
            ROLE,
        ),
        case(
            "other.admin",
            post.clone(),
            "/api/v1/exemptions",
            exemption("cadre"),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/exemptions",
            exemption("xian.cadre"),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/exemptions",
            exemption("cadre"),
            CREATED,
        ),
        case("cadre", get.clone(), "/api/v1/exemptions", None, ROLE),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/exemptions?unit={OTHER_TOWNSHIP}"),
            None,
            SCOPE,
        ),
        case("reviewer", get.clone(), "/api/v1/exemptions", None, OK),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/exemptions?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        // ---- emergencies
        case(
            "cadre",
            post.clone(),
            "/api/v1/emergencies",
            emergency(VILLAGE),
            ROLE,
        ),
        case(
            "reviewer",
            post.clone(),
            "/api/v1/emergencies",
            emergency(COUNTY),
            ROLE,
        ),
        case(
            "other.admin",
            post.clone(),
            "/api/v1/emergencies",
            emergency(COUNTY),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/emergencies",
            emergency(OTHER_COUNTY),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/emergencies",
            emergency(TOWNSHIP),
            CREATED,
        ),
        case("cadre", get.clone(), "/api/v1/emergencies", None, ROLE),
        case(
            "township.reviewer",
            get.clone(),
            "/api/v1/emergencies",
            None,
            OK,
        ),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/emergencies?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/emergencies?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        // ---- data needs
        case(
            "cadre",
            post.clone(),
            "/api/v1/data-needs",
            need(VILLAGE),
            ROLE,
        ),
        case(
            "reviewer",
            post.clone(),
            "/api/v1/data-needs",
            need(COUNTY),
            ROLE,
        ),
        case(
            "other.admin",
            post.clone(),
            "/api/v1/data-needs",
            need(COUNTY),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/data-needs",
            need(OTHER_COUNTY),
            SCOPE,
        ),
        case(
            "admin",
            post.clone(),
            "/api/v1/data-needs",
            need(COUNTY),
            CREATED,
        ),
        // A township admin may link a need to the county's field (nothing changes) but may
        // not add a field to the county's template: that burdens every cadre of the county.
        case(
            "township.admin",
            post.clone(),
            "/api/v1/data-needs",
            need(TOWNSHIP),
            CREATED,
        ),
        case(
            "township.admin",
            post.clone(),
            "/api/v1/data-needs",
            new_field_need(TOWNSHIP),
            SCOPE,
        ),
        case(
            "township.admin",
            put.clone(),
            format!("/api/v1/templates/{template_id}"),
            Some(json!({"name": "改", "fields": fields})),
            SCOPE,
        ),
        case(
            "township.admin",
            put.clone(),
            format!("/api/v1/policies/{COUNTY}"),
            Some(policy(template_id)),
            SCOPE,
        ),
        case(
            "township.admin",
            put.clone(),
            format!("/api/v1/policies/{TOWNSHIP}"),
            Some(policy(template_id)),
            OK,
        ),
        case("cadre", get.clone(), "/api/v1/data-needs", None, ROLE),
        case("reviewer", get.clone(), "/api/v1/data-needs", None, OK),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/data-needs?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        // ---- audit: admins of the subtree only
        case("cadre", get.clone(), "/api/v1/audit", None, ROLE),
        case("reviewer", get.clone(), "/api/v1/audit", None, ROLE),
        case(
            "township.reviewer",
            get.clone(),
            "/api/v1/audit",
            None,
            ROLE,
        ),
        case("admin", get.clone(), "/api/v1/audit", None, OK),
        case(
            "admin",
            get.clone(),
            format!("/api/v1/audit?unit={OTHER_COUNTY}"),
            None,
            SCOPE,
        ),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/audit?unit={COUNTY}"),
            None,
            SCOPE,
        ),
        case("other.admin", get.clone(), "/api/v1/audit", None, OK),
        // ---- the cadre's own periods: cadres only
        case("cadre", get.clone(), "/api/v1/me/periods", None, OK),
        case(
            "other.cadre",
            get.clone(),
            format!("/api/v1/me/periods/{PERIOD}"),
            None,
            OK,
        ),
        case("reviewer", get.clone(), "/api/v1/me/periods", None, ROLE),
        case(
            "township.reviewer",
            get.clone(),
            format!("/api/v1/me/periods/{PERIOD}"),
            None,
            ROLE,
        ),
        case("admin", get.clone(), "/api/v1/me/periods", None, ROLE),
        case(
            "other.admin",
            get.clone(),
            format!("/api/v1/me/periods/{PERIOD}"),
            None,
            ROLE,
        ),
    ];
    // ---- exports: as the lists and completeness they are made of
    let mut cases = cases;
    for export in [
        "reports.csv",
        "outcomes.csv",
        "reports.xlsx",
        "completeness.csv",
        "completeness.xlsx",
    ] {
        let period = if export.starts_with("completeness") {
            format!("&period={PERIOD}")
        } else {
            String::new()
        };
        for (who, unit, expect) in [
            ("cadre", VILLAGE, ROLE),
            ("reviewer", COUNTY, OK),
            ("reviewer", OTHER_COUNTY, SCOPE),
            ("township.reviewer", TOWNSHIP, OK),
            ("township.reviewer", OTHER_TOWNSHIP, SCOPE),
            ("admin", COUNTY, OK),
            ("other.admin", COUNTY, SCOPE),
        ] {
            let path = format!("/api/v1/exports/{export}?unit={unit}{period}");
            cases.push(case(who, get.clone(), path, None, expect));
        }
    }

    let mut failures = String::new();
    for c in &cases {
        let (status, text) = send(
            &app,
            tokens.of(c.who),
            c.method.clone(),
            &c.path,
            c.body.as_ref(),
        )
        .await;
        if let Err(problem) = verdict(status, &text, c.status, c.code) {
            let _ = writeln!(
                failures,
                "{:<18} {:<6} {:<70} expected {} {:?}; {problem}",
                c.who, c.method, c.path, c.status, c.code
            );
        }
    }
    assert!(failures.is_empty(), "failing rows:\n{failures}");

    // What the allowed lists hold stays inside the caller's scope.
    let items = |text: &str| -> Vec<Value> {
        serde_json::from_str::<Value>(text).unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    let (_, text) = send(
        &app,
        tokens.of("cadre"),
        get.clone(),
        "/api/v1/reports",
        None,
    )
    .await;
    let mine = items(&text);
    assert_eq!(mine.len(), 1, "{text}");
    assert_eq!(mine[0]["id"], own.as_str());
    let (_, text) = send(
        &app,
        tokens.of("other.cadre"),
        get.clone(),
        &format!("/api/v1/reports?unit={COUNTY}"),
        None,
    )
    .await;
    let theirs = items(&text);
    assert_eq!(theirs.len(), 1, "{text}");
    assert_eq!(theirs[0]["id"], other.as_str());
    let (_, text) = send(
        &app,
        tokens.of("township.reviewer"),
        get.clone(),
        "/api/v1/reports",
        None,
    )
    .await;
    let township = items(&text);
    assert_eq!(township.len(), 1, "{text}");
    assert_eq!(township[0]["id"], own.as_str());
    let (_, text) = send(&app, other_admin, get.clone(), "/api/v1/reports", None).await;
    assert!(items(&text).is_empty(), "{text}");
    let (_, text) = send(&app, other_admin, get, "/api/v1/audit", None).await;
    assert!(
        items(&text)
            .iter()
            .all(|e| e["scope"].as_str().unwrap().starts_with(OTHER_COUNTY)),
        "{text}"
    );
}

async fn no_list_endpoint_takes_a_sort_parameter(app: TestApp) {
    let admin = app.login("admin").await;
    let reviewer = app.login("reviewer").await;
    let lists = [
        "/api/v1/reports",
        "/api/v1/postings",
        "/api/v1/exemptions",
        "/api/v1/templates",
        "/api/v1/data-needs",
        "/api/v1/emergencies",
        "/api/v1/audit",
        "/api/v1/completeness",
        "/api/v1/org-units",
        "/api/v1/exports/reports.csv",
        "/api/v1/exports/outcomes.csv",
        "/api/v1/exports/reports.xlsx",
        "/api/v1/exports/completeness.csv",
        "/api/v1/exports/completeness.xlsx",
    ];
    let mut failures = String::new();
    for list in lists {
        for token in [&admin, &reviewer] {
            if token == &reviewer && list == "/api/v1/audit" {
                continue;
            }
            for query in ["sort=count", "order_by=reports", "sort=-reports&limit=10"] {
                let path = format!("{list}?{query}");
                let (status, text) = send(&app, token, Method::GET, &path, None).await;
                if let Err(problem) = verdict(
                    status,
                    &text,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("invalid_query"),
                ) {
                    let _ = writeln!(failures, "{path}: {problem}");
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "list endpoints taking a sort parameter:\n{failures}"
    );
}
