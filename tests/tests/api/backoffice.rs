//! What the reviewer's and the admin's pages ask of the API beyond the reporting loop:
//! ending postings and emergencies, previewing an exemption or a policy before it is
//! stored, the periods and the status grid of a unit, the report list's "revised since my
//! question" and continued outcomes, and the audit log's filters. Every refusal is checked
//! to leave storage as it was.

#![allow(
    clippy::too_many_lines,
    reason = "each test tells one story from start to end"
)]

use jianfu_tests::fixtures::{
    WEEK, at, content, ok_json, outcome, policy_body, put_report, revise_report, send, setup,
};
use jianfu_tests::{
    COUNTY, OTHER_TOWNSHIP_VILLAGE, StatusCode, TOWNSHIP, TestApp, VILLAGE, expect_error,
    on_both_engines,
};
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    a_posting_ends_and_its_end_moves_without_overlapping,
    an_exemption_is_previewed_period_by_period_and_nothing_is_stored,
    a_policy_is_previewed_with_its_next_periods_and_nothing_is_stored,
    an_emergency_makes_daily_periods_from_its_day_and_can_end_early,
    periods_and_the_status_grid_of_a_unit,
    the_report_list_finds_answers_to_questions_and_continued_outcomes,
    the_audit_log_is_filtered_by_actor_and_kind
);

const REPORT_ID: &str = "3b0f8d5e-7c41-4a2b-9d6e-1f2a3b4c5d6e";
const EARLIER_ID: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

/// The id of `username`'s posting that starts on `starts_on`.
async fn posting_id(app: &TestApp, admin: &str, username: &str, starts_on: &str) -> i64 {
    let page = ok_json(
        app.get("/api/v1/postings?limit=100", admin).await,
        StatusCode::OK,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["username"] == username && p["starts_on"] == starts_on)
        .unwrap_or_else(|| panic!("{username}'s posting from {starts_on}: {page}"))["id"]
        .as_i64()
        .unwrap()
}

async fn end_posting(app: &TestApp, token: &str, id: i64, ends_on: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/postings/{id}/end"),
        Some(token),
        &json!({ "ends_on": ends_on }),
    )
    .await
}

async fn a_posting_ends_and_its_end_moves_without_overlapping(app: TestApp) {
    let s = setup(&app).await;
    let id = posting_id(&app, &s.admin, "cadre", "2026-01-01").await;
    let ended = ok_json(
        end_posting(&app, &s.admin, id, "2026-12-31").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["id"], id);
    assert_eq!(ended["ends_on"], "2026-12-31");
    // The cadre's next posting, from the day after; the first one's end cannot move into it.
    ok_json(
        app.post_json(
            "/api/v1/postings",
            Some(&s.admin),
            &json!({ "username": "cadre", "org_unit": OTHER_TOWNSHIP_VILLAGE, "starts_on": "2027-01-01" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let stored = (app.count("postings").await, app.count("audit_log").await);
    let body = expect_error(
        end_posting(&app, &s.admin, id, "2027-01-15").await,
        StatusCode::CONFLICT,
        "posting_overlaps",
    )
    .await;
    assert_eq!(
        body["details"]["existing"]["starts_on"], "2027-01-01",
        "{body}"
    );
    let body = expect_error(
        end_posting(&app, &s.admin, id, "2025-12-31").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["details"]["field"], "ends_on", "{body}");
    assert_eq!(body["details"]["starts_on"], "2026-01-01");
    assert_eq!(body["message_zh"], "结束日期早于开始日期");
    let body = expect_error(
        end_posting(&app, &s.admin, id, "2026-02-30").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["details"]["field"], "ends_on", "{body}");
    // No such posting, or one outside the admin's county: the same 404, naming the id.
    let body = expect_error(
        end_posting(&app, &s.admin, 999_999, "2026-12-31").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert!(
        body["message_zh"].as_str().unwrap().contains("999999"),
        "{body}"
    );
    let other = app.login("other.admin").await;
    expect_error(
        end_posting(&app, &other, id, "2026-06-30").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        end_posting(&app, &s.reviewer, id, "2026-06-30").await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    assert_eq!(
        (app.count("postings").await, app.count("audit_log").await),
        stored
    );
    // Moved earlier: the cadre stops being expected after it.
    let moved = ok_json(
        end_posting(&app, &s.admin, id, "2026-11-30").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["ends_on"], "2026-11-30");
    let after = ok_json(
        app.get("/api/v1/postings?limit=100", &s.admin).await,
        StatusCode::OK,
    )
    .await;
    let mine: Vec<(&str, Option<&str>)> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["username"] == "cadre")
        .map(|p| (p["starts_on"].as_str().unwrap(), p["ends_on"].as_str()))
        .collect();
    assert_eq!(
        mine,
        [("2026-01-01", Some("2026-11-30")), ("2027-01-01", None)]
    );
}

async fn an_exemption_is_previewed_period_by_period_and_nothing_is_stored(app: TestApp) {
    let s = setup(&app).await;
    // The cadre moves village on 2026-11-25, a Wednesday: both postings touch that week.
    let first = posting_id(&app, &s.admin, "cadre", "2026-01-01").await;
    ok_json(
        end_posting(&app, &s.admin, first, "2026-11-24").await,
        StatusCode::OK,
    )
    .await;
    ok_json(
        app.post_json(
            "/api/v1/postings",
            Some(&s.admin),
            &json!({ "username": "cadre", "org_unit": OTHER_TOWNSHIP_VILLAGE, "starts_on": "2026-11-25" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let stored = (app.count("exemptions").await, app.count("audit_log").await);
    let preview = ok_json(
        app.get(
            "/api/v1/exemptions/preview?username=cadre&starts_on=2026-11-20&ends_on=2026-12-02",
            &s.admin,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let periods: Vec<(&str, &str)> = preview
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["time_zone"], "Asia/Shanghai");
            assert!(!e["village_name"].as_str().unwrap().is_empty(), "{e}");
            (
                e["org_unit"].as_str().unwrap(),
                e["period"]["key"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        periods,
        [
            (VILLAGE, "weekly:2026-11-16"),
            (VILLAGE, "weekly:2026-11-23"),
            (OTHER_TOWNSHIP_VILLAGE, "weekly:2026-11-23"),
            (OTHER_TOWNSHIP_VILLAGE, "weekly:2026-11-30"),
        ]
    );
    let week = &preview[0]["period"];
    assert_eq!(week["due_date"], "2026-11-24");
    assert_eq!(week["last_on_time_date"], "2026-11-26");
    assert_eq!(week["late_after"], at(2026, 11, 27, 0, 0));

    let body = expect_error(
        app.get(
            "/api/v1/exemptions/preview?username=cadre&starts_on=2026-12-02&ends_on=2026-11-20",
            &s.admin,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["details"]["field"], "ends_on", "{body}");
    expect_error(
        app.get(
            "/api/v1/exemptions/preview?username=other.cadre&starts_on=2026-11-20&ends_on=2026-11-22",
            &app.login("other.admin").await,
        )
        .await,
        StatusCode::FORBIDDEN,
        "out_of_scope",
    )
    .await;
    expect_error(
        app.get(
            "/api/v1/exemptions/preview?username=cadre&starts_on=2026-11-20&ends_on=2026-11-22",
            &s.reviewer,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    assert_eq!(
        (app.count("exemptions").await, app.count("audit_log").await),
        stored,
        "a preview stores nothing"
    );
}

async fn a_policy_is_previewed_with_its_next_periods_and_nothing_is_stored(app: TestApp) {
    let s = setup(&app).await;
    let stored = (app.count("policies").await, app.count("audit_log").await);
    let preview = ok_json(
        app.post_json(
            &format!("/api/v1/policies/{TOWNSHIP}/preview"),
            Some(&s.admin),
            &policy_body(s.template_id, "monthly", 60),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(preview["policy"]["period_kind"], "monthly");
    assert_eq!(preview["within_budget"], true);
    let next: Vec<&str> = preview["next_periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        next[..2],
        ["monthly:2026-11-01", "monthly:2026-12-01"],
        "{preview}"
    );
    assert_eq!(preview["next_periods"][0]["due_date"], "2026-12-02");
    // The policy in force is still the county's weekly one.
    let in_force = ok_json(
        app.get(&format!("/api/v1/policies/{VILLAGE}"), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(in_force["period_kind"], "weekly");

    // What would be refused is refused the same way by the preview.
    let body = expect_error(
        app.post_json(
            &format!("/api/v1/policies/{TOWNSHIP}/preview"),
            Some(&s.admin),
            &policy_body(s.template_id, "daily", 600),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cadence_below_floor",
    )
    .await;
    assert_eq!(body["details"]["floor"], "weekly");
    expect_error(
        app.post_json(
            &format!("/api/v1/policies/{TOWNSHIP}/preview"),
            Some(&s.admin),
            &policy_body(s.template_id, "weekly", 5),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "burden_over_budget",
    )
    .await;
    expect_error(
        app.post_json(
            &format!("/api/v1/policies/{TOWNSHIP}/preview"),
            Some(&app.login("other.admin").await),
            &policy_body(s.template_id, "monthly", 60),
        )
        .await,
        StatusCode::FORBIDDEN,
        "out_of_scope",
    )
    .await;
    expect_error(
        app.post_json(
            &format!("/api/v1/policies/{TOWNSHIP}/preview"),
            Some(&s.reviewer),
            &policy_body(s.template_id, "monthly", 60),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    assert_eq!(
        (app.count("policies").await, app.count("audit_log").await),
        stored,
        "a preview stores nothing"
    );
}

async fn period_keys(app: &TestApp, cadre: &str) -> Vec<String> {
    let mine = ok_json(app.get("/api/v1/me/periods", cadre).await, StatusCode::OK).await;
    mine["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap().to_owned())
        .collect()
}

async fn completeness(app: &TestApp, token: &str, period: &str) -> Value {
    ok_json(
        app.get(
            &format!("/api/v1/completeness?unit={TOWNSHIP}&period={period}"),
            token,
        )
        .await,
        StatusCode::OK,
    )
    .await
}

async fn an_emergency_makes_daily_periods_from_its_day_and_can_end_early(app: TestApp) {
    let s = setup(&app).await;
    // Declared on Wednesday 2026-11-25 at 10:00 for five days; the township reports daily.
    let emergency = ok_json(
        app.post_json(
            "/api/v1/emergencies",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "reason": "暴雨防汛", "days": 5 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = emergency["id"].as_i64().unwrap();
    ok_json(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{TOWNSHIP}"),
            &s.admin,
            &policy_body(s.template_id, "daily", 600),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // The cadre is offered the weeks the emergency interrupted, then its days: no daily
    // period of the days before it was declared.
    let keys = period_keys(&app, &s.cadre).await;
    assert_eq!(
        keys,
        [
            "weekly:2026-11-16",
            "weekly:2026-11-23",
            "daily:2026-11-25",
            "daily:2026-11-26"
        ]
    );
    // Days later, the day before the declaration is nobody's missing report; its first
    // day (due two days after, two days' grace) is missing from the cadre.
    app.clock.set(at(2026, 11, 30, 9, 0));
    let before = completeness(&app, &s.reviewer, "daily:2026-11-24").await;
    assert_eq!(before["missing"], json!([]), "{before}");
    assert_eq!(before["other_cadence"], 1, "{before}");
    let first_day = completeness(&app, &s.reviewer, "daily:2026-11-25").await;
    assert_eq!(first_day["other_cadence"], 0, "{first_day}");
    let missing: Vec<&str> = first_day["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["cadre"]);

    // Ended early: the township is weekly again at once.
    let audit = app.count("audit_log").await;
    for (token, status, code) in [
        (&s.reviewer, StatusCode::FORBIDDEN, "forbidden_role"),
        (
            &app.login("other.admin").await,
            StatusCode::FORBIDDEN,
            "out_of_scope",
        ),
    ] {
        expect_error(
            app.post_json(
                &format!("/api/v1/emergencies/{id}/end"),
                Some(token),
                &json!({}),
            )
            .await,
            status,
            code,
        )
        .await;
    }
    expect_error(
        app.post_json("/api/v1/emergencies/999999/end", Some(&s.admin), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(app.count("audit_log").await, audit);
    let ended = ok_json(
        app.post_json(
            &format!("/api/v1/emergencies/{id}/end"),
            Some(&s.admin),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["ends_at"], at(2026, 11, 30, 9, 0));
    let policy = ok_json(
        app.get(&format!("/api/v1/policies/{VILLAGE}"), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(policy["period_kind"], "weekly");
    assert!(policy["emergency"].is_null(), "{policy}");
    // Ending it again changes nothing and writes no second audit entry.
    let again = ok_json(
        app.post_json(
            &format!("/api/v1/emergencies/{id}/end"),
            Some(&s.admin),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["ends_at"], ended["ends_at"]);
    assert_eq!(app.count("audit_log").await, audit + 1);
}

async fn periods_and_the_status_grid_of_a_unit(app: TestApp) {
    let s = setup(&app).await;
    ok_json(
        put_report(
            &app,
            &s.cadre,
            REPORT_ID,
            WEEK,
            &content(&[outcome("road", "修路", "done")]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let periods = ok_json(
        app.get(
            &format!("/api/v1/periods?unit={TOWNSHIP}&count=3"),
            &s.reviewer,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(periods["time_zone"], "Asia/Shanghai");
    let summary: Vec<(&str, bool)> = periods["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["key"].as_str().unwrap(), p["closed"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("weekly:2026-11-09", true),
            ("weekly:2026-11-16", false),
            ("weekly:2026-11-23", false)
        ]
    );

    // A township's grid: its cadres × the periods, by status.
    let grid = ok_json(
        app.get(
            &format!("/api/v1/completeness/grid?unit={TOWNSHIP}&count=3"),
            &s.reviewer,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(grid["periods"].as_array().unwrap().len(), 3);
    let rows = grid["rows"].as_array().unwrap();
    let cadre = rows
        .iter()
        .find(|r| r["username"] == "cadre")
        .unwrap_or_else(|| panic!("{grid}"));
    assert_eq!(cadre["kind"], "cadre");
    assert_eq!(cadre["code"], VILLAGE);
    assert_eq!(cadre["statuses"], json!(["missing", "on_time", "open"]));
    // The county's grid: its townships, counted; never ordered by the counts (R2).
    let county = ok_json(
        app.get(
            &format!("/api/v1/completeness/grid?unit={COUNTY}&count=3"),
            &s.admin,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let codes: Vec<&str> = county["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["kind"], "unit");
            r["code"].as_str().unwrap()
        })
        .collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted, "tree order");
    let township = county["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == TOWNSHIP)
        .unwrap();
    assert_eq!(township["counts"][1]["on_time"], 1, "{township}");
    assert_eq!(township["counts"][0]["missing"], 1, "{township}");

    for count in [0, 27] {
        let body = expect_error(
            app.get(
                &format!("/api/v1/completeness/grid?unit={TOWNSHIP}&count={count}"),
                &s.reviewer,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["details"]["field"], "count");
        assert_eq!(body["details"]["actual"], count);
    }
    expect_error(
        app.get(
            &format!("/api/v1/periods?unit={TOWNSHIP}&count=x"),
            &s.reviewer,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_query",
    )
    .await;
    expect_error(
        app.get("/api/v1/completeness/grid", &s.cadre).await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    let township_reviewer = app.login("township.reviewer").await;
    expect_error(
        app.get(
            &format!("/api/v1/completeness/grid?unit={COUNTY}"),
            &township_reviewer,
        )
        .await,
        StatusCode::FORBIDDEN,
        "out_of_scope",
    )
    .await;
}

async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page = ok_json(
        app.get(&format!("/api/v1/reports?{query}"), token).await,
        StatusCode::OK,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(!r["village_name"].as_str().unwrap().is_empty(), "{r}");
            r["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

async fn the_report_list_finds_answers_to_questions_and_continued_outcomes(app: TestApp) {
    let s = setup(&app).await;
    // Last week's report has an unfinished road; this week's continues it.
    ok_json(
        put_report(
            &app,
            &s.cadre,
            EARLIER_ID,
            "weekly:2026-11-09",
            &content(&[outcome("road", "修路第一段", "in_progress")]),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let mut continuing = outcome("road-2", "修路第二段", "done");
    continuing["continues"] = json!("road");
    ok_json(
        put_report(
            &app,
            &s.cadre,
            REPORT_ID,
            WEEK,
            &content(&[continuing.clone()]),
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
    assert_eq!(
        detail["continued"],
        json!([{ "outcome_id": "road", "report_id": EARLIER_ID, "period_key": "weekly:2026-11-09",
                 "outcome": outcome("road", "修路第一段", "in_progress") }]),
        "{detail}"
    );

    let unit = format!("unit={TOWNSHIP}");
    assert!(
        listed(&app, &s.reviewer, &format!("{unit}&status=revised"))
            .await
            .is_empty()
    );
    ok_json(
        app.post_json(
            &format!("/api/v1/reports/{REPORT_ID}/reviews"),
            Some(&s.reviewer),
            &json!({ "verdict": "needs_clarification", "question": "第二段有多长？" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        listed(
            &app,
            &s.reviewer,
            &format!("{unit}&status=needs_clarification")
        )
        .await,
        [REPORT_ID]
    );
    assert!(
        listed(&app, &s.reviewer, &format!("{unit}&status=revised"))
            .await
            .is_empty()
    );
    continuing["what"] = json!("修路第二段，长 800 米");
    ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &content(&[continuing]), 1).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listed(&app, &s.reviewer, &format!("{unit}&status=revised")).await,
        [REPORT_ID],
        "revised since the question"
    );
    assert_eq!(
        listed(&app, &s.reviewer, &format!("{unit}&period={WEEK}")).await,
        [REPORT_ID]
    );
    // Tree order, then by name and period: the earlier week's report after this one is
    // the cadre's too.
    assert_eq!(listed(&app, &s.reviewer, &unit).await.len(), 2);
    expect_error(
        app.get("/api/v1/reports?status=late_first", &s.reviewer)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_query",
    )
    .await;
}

async fn the_audit_log_is_filtered_by_actor_and_kind(app: TestApp) {
    let s = setup(&app).await;
    ok_json(
        app.post_json(
            "/api/v1/exemptions",
            Some(&s.admin),
            &json!({ "username": "cadre", "kind": "leave", "starts_on": "2026-11-05", "ends_on": "2026-11-06" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let actions = |page: &Value| -> Vec<(String, String)> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["actor"].as_str().unwrap_or("").to_owned(),
                    e["action"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let all = ok_json(
        app.get("/api/v1/audit?limit=100", &s.admin).await,
        StatusCode::OK,
    )
    .await;
    assert!(actions(&all).len() >= 4, "{all}");
    let postings = ok_json(
        app.get("/api/v1/audit?kind=postings", &s.admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        actions(&postings),
        [("admin".to_owned(), "postings.create".to_owned())]
    );
    let exemption = ok_json(
        app.get("/api/v1/audit?kind=exemptions.create&actor=admin", &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(actions(&exemption).len(), 1, "{exemption}");
    let nobody = ok_json(
        app.get("/api/v1/audit?actor=reviewer", &s.admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(actions(&nobody), []);
    // A kind nobody wrote matches nothing (and is only ever a bound parameter).
    let odd = ok_json(
        app.get("/api/v1/audit?kind=postings'%20OR%20'1'='1", &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(actions(&odd), []);
}
