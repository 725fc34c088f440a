//! Rules that two requests could break together though each keeps them alone: the check
//! and the write are one transaction, so of two concurrent requests exactly one wins.
//! Each race is run several times, on both engines.

use jianfu_core::Role;
use jianfu_tests::fixtures::{field, ok_json, policy_body, send, setup};
use jianfu_tests::{OTHER_TOWNSHIP_VILLAGE, StatusCode, TestApp, VILLAGE, on_both_engines};
use reqwest::{Method, Response};
use serde_json::{Value, json};

on_both_engines!(
    two_overlapping_postings_of_one_cadre_never_both_land,
    two_fields_that_fit_alone_never_both_join_a_full_template,
    a_lower_budget_and_a_heavier_template_never_both_land,
);

const TRIES: usize = 6;
/// One township of the demo county per try, each with its own template and policy.
const TOWNSHIPS: [&str; TRIES] = [
    "130928102",
    "130928103",
    "130928104",
    "130928200",
    "130928201",
    "130928202",
];

/// Status and error code (empty for a success) of a response.
async fn outcome(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("json body");
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    (status, code)
}

/// Exactly one of two answers is `won`, the other the refusal `lost`.
fn exactly_one(
    a: &(StatusCode, String),
    b: &(StatusCode, String),
    won: StatusCode,
    lost: (StatusCode, &str),
) {
    let mut answers = [a.clone(), b.clone()];
    answers.sort_by_key(|(s, _)| s.as_u16());
    let expected = if won.as_u16() < lost.0.as_u16() {
        [(won, String::new()), (lost.0, lost.1.to_owned())]
    } else {
        [(lost.0, lost.1.to_owned()), (won, String::new())]
    };
    assert_eq!(answers, expected, "one wins, one is refused");
}

async fn two_overlapping_postings_of_one_cadre_never_both_land(app: TestApp) {
    let admin = app.login("admin").await;
    for i in 0..TRIES {
        let name = format!("race.cadre{i}");
        app.add_user(&name, Role::Cadre, VILLAGE).await;
        let first = json!({ "username": name, "org_unit": VILLAGE, "starts_on": "2026-01-01" });
        let second = json!({ "username": name, "org_unit": OTHER_TOWNSHIP_VILLAGE,
                             "starts_on": "2026-06-01", "ends_on": "2026-06-30" });
        let (a, b) = tokio::join!(
            app.post_json("/api/v1/postings", Some(&admin), &first),
            app.post_json("/api/v1/postings", Some(&admin), &second),
        );
        let (a, b) = (outcome(a).await, outcome(b).await);
        exactly_one(
            &a,
            &b,
            StatusCode::CREATED,
            (StatusCode::CONFLICT, "posting_overlaps"),
        );
    }
    assert_eq!(app.count("postings").await, i64::try_from(TRIES).unwrap());
}

/// A template of `seconds` per weekly submission on its own township's policy with a
/// budget of `budget` minutes a month; returns the template id and the township.
async fn template_on_township(app: &TestApp, admin: &str, i: usize, budget: u32) -> (i64, String) {
    let township = TOWNSHIPS[i].to_owned();
    let template = ok_json(
        app.post_json(
            "/api/v1/templates",
            Some(admin),
            &json!({ "org_unit": township, "name": format!("周报{i}"), "fields": [
                field("outcomes", "本周成果", "Outcomes", &json!({"type": "outcome_list", "max_items": 20}), 600),
                field("households", "走访户数", "Households visited",
                      &json!({"type": "number", "min": 0, "max": 500, "integer": true}), 180),
            ]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = template["id"].as_i64().expect("id");
    ok_json(
        send(
            app,
            Method::PUT,
            &format!("/api/v1/policies/{township}"),
            admin,
            &policy_body(id, "weekly", budget),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    (id, township)
}

/// 780 s a week is 56.5 minutes a month against a budget of 60: a 40-second field adds
/// 2.9 minutes and fits, two of them (62.3) do not.
async fn two_fields_that_fit_alone_never_both_join_a_full_template(app: TestApp) {
    let s = setup(&app).await;
    for i in 0..TRIES {
        let (id, township) = template_on_township(&app, &s.admin, i, 60).await;
        let need = |key: &str, zh: &str, en: &str| {
            json!({ "org_unit": township, "department_id": jianfu_tests::COUNTY_DEPARTMENT, "label_zh": zh, "label_en": en,
                    "field": field(key, zh, en, &json!({"type": "number", "min": 0, "max": 99}), 40) })
        };
        let (elderly, wells) = (
            need("elderly", "独居老人数", "Elderly living alone"),
            need("wells", "维修水井数", "Wells repaired"),
        );
        let (a, b) = tokio::join!(
            app.post_json("/api/v1/data-needs", Some(&s.admin), &elderly),
            app.post_json("/api/v1/data-needs", Some(&s.admin), &wells),
        );
        let (a, b) = (outcome(a).await, outcome(b).await);
        exactly_one(
            &a,
            &b,
            StatusCode::CREATED,
            (StatusCode::UNPROCESSABLE_ENTITY, "burden_over_budget"),
        );
        let stored = ok_json(
            app.get(&format!("/api/v1/templates/{id}"), &s.admin).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            stored["fields"].as_array().map(Vec::len),
            Some(3),
            "{stored}"
        );
    }
}

/// A budget lowered to 58 minutes fits the 56.5-minute template; a 40-second field fits
/// the 60-minute budget; both together (59.4 > 58) must not happen.
async fn a_lower_budget_and_a_heavier_template_never_both_land(app: TestApp) {
    let s = setup(&app).await;
    for i in 0..TRIES {
        let (id, township) = template_on_township(&app, &s.admin, i, 60).await;
        let heavier = json!({ "name": format!("周报{i}"), "fields": [
            field("outcomes", "本周成果", "Outcomes", &json!({"type": "outcome_list", "max_items": 20}), 600),
            field("households", "走访户数", "Households visited",
                  &json!({"type": "number", "min": 0, "max": 500, "integer": true}), 180),
            field("wells", "维修水井数", "Wells repaired", &json!({"type": "number", "min": 0, "max": 99}), 40),
        ]});
        let (policy_path, template_path) = (
            format!("/api/v1/policies/{township}"),
            format!("/api/v1/templates/{id}"),
        );
        let lower = policy_body(id, "weekly", 58);
        let (a, b) = tokio::join!(
            send(&app, Method::PUT, &policy_path, &s.admin, &lower),
            send(&app, Method::PUT, &template_path, &s.admin, &heavier),
        );
        let (a, b) = (outcome(a).await, outcome(b).await);
        exactly_one(
            &a,
            &b,
            StatusCode::OK,
            (StatusCode::UNPROCESSABLE_ENTITY, "burden_over_budget"),
        );
        let policy = ok_json(
            app.get(&format!("/api/v1/policies/{township}"), &s.admin)
                .await,
            StatusCode::OK,
        )
        .await;
        let minutes = policy["ledger"]["now"]["minutes_per_month"]
            .as_f64()
            .expect("minutes");
        let budget = policy["budget_minutes_per_month"].as_f64().expect("budget");
        assert!(
            minutes <= budget,
            "the stored policy is within its budget: {policy}"
        );
    }
}
