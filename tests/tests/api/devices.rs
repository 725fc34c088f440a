//! A cadre with two devices and a weak signal: a stale device never silently replaces a
//! newer revision, a retried upload is always the same answer, a report sealed on time but
//! delivered late says so (the device's claim), the page opens on the right week, and the
//! receipt shows the reviewers' questions.

use jianfu_tests::fixtures::{
    WEEK, at, content, ok_json, outcome, put_report, revise_report, send, setup,
};
use jianfu_tests::{StatusCode, TestApp, expect_error, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    a_stale_device_is_shown_the_newer_revision_instead_of_replacing_it,
    a_retried_upload_is_answered_as_the_first_time,
    sealed_on_time_and_delivered_late_is_not_late,
    the_page_opens_on_the_earliest_unreported_week,
    the_receipt_lists_questions_and_whether_they_were_answered,
);

const REPORT_ID: &str = "6f1c1c0e-2b1a-4d5e-9c3b-0a1b2c3d4e5f";

fn sealed(period: &str, body: &Value, sealed_at: i64) -> Value {
    json!({ "period": period, "content": body, "sealed_at": sealed_at })
}

async fn put(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    send(
        app,
        Method::PUT,
        &format!("/api/v1/reports/{REPORT_ID}"),
        token,
        body,
    )
    .await
}

async fn a_stale_device_is_shown_the_newer_revision_instead_of_replacing_it(app: TestApp) {
    let s = setup(&app).await;
    let first = content(&[outcome("o1", "协调修复村东道路", "in_progress")]);
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await,
        StatusCode::CREATED,
    )
    .await;
    // The phone revises, and the reviewer acknowledges the revision.
    let newer = content(&[outcome("o1", "村东道路已修通", "done")]);
    ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &newer, 1).await,
        StatusCode::OK,
    )
    .await;
    let path = format!("/api/v1/reports/{REPORT_ID}/reviews");
    let ack = json!({ "verdict": "acknowledged" });
    ok_json(
        app.post_json(&path, Some(&s.reviewer), &ack).await,
        StatusCode::CREATED,
    )
    .await;
    // An old draft left on a tablet, made from revision 1, is sealed days later.
    let stale = content(&[outcome("o1", "协调修复村东道路，等待施工队", "in_progress")]);
    let body = expect_error(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &stale, 1).await,
        StatusCode::CONFLICT,
        "revision_conflict",
    )
    .await;
    assert_eq!(body["details"]["base_revision"], 1, "{body}");
    assert_eq!(body["details"]["latest"]["revision"], 2, "{body}");
    assert_eq!(
        body["details"]["latest"]["status"], "acknowledged",
        "{body}"
    );
    assert_eq!(
        body["details"]["latest"]["content"]["outcomes"][0]["what"],
        "村东道路已修通"
    );
    // Without any base at all: the same refusal, naming no base.
    let body = expect_error(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &stale).await,
        StatusCode::CONFLICT,
        "revision_conflict",
    )
    .await;
    assert!(body["details"]["base_revision"].is_null(), "{body}");
    // Nothing changed: still revision 2, still acknowledged.
    let detail = ok_json(
        app.get(&format!("/api/v1/reports/{REPORT_ID}"), &s.cadre)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (detail["revision"].clone(), detail["status"].clone()),
        (json!(2), json!("acknowledged"))
    );
    assert_eq!(app.count("report_revisions").await, 2);
    // Kept deliberately, made from the latest: a new revision.
    let kept = ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &stale, 2).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kept["revision"], 3);
}

async fn a_retried_upload_is_answered_as_the_first_time(app: TestApp) {
    let s = setup(&app).await;
    let first = content(&[outcome("o1", "协调修复村东道路", "in_progress")]);
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await,
        StatusCode::CREATED,
    )
    .await;
    let second = content(&[outcome("o1", "村东道路已修通", "done")]);
    ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &second, 1).await,
        StatusCode::OK,
    )
    .await;
    let third = content(&[outcome("o1", "村东道路已修通，验收合格", "done")]);
    ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &third, 2).await,
        StatusCode::OK,
    )
    .await;
    // The upload of revision 2 is retried (its answer was lost on the way back): the same
    // request is a replay, not a conflict, and stores nothing.
    let replay = ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &second, 1).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        replay["revision"], 3,
        "answered with the report as it stands: {replay}"
    );
    // So is the first upload retried.
    let first_again = ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &first).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first_again["revision"], 3);
    assert_eq!(app.count("report_revisions").await, 3);
}

async fn sealed_on_time_and_delivered_late_is_not_late(app: TestApp) {
    let s = setup(&app).await;
    let body = content(&[outcome("o1", "入户走访12户", "done")]);
    // Late from 11-27 00:00 local. Sealed on the evening of 11-26 with no signal,
    // delivered on the morning of 11-29.
    app.clock.set(at(2026, 11, 29, 8, 0));
    let future = sealed(WEEK, &body, at(2026, 11, 29, 8, 6));
    let refused = expect_error(
        put(&app, &s.cadre, &future).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["details"]["field"], "sealed_at", "{refused}");
    let early = sealed(WEEK, &body, at(2026, 11, 15, 23, 0));
    let refused = expect_error(
        put(&app, &s.cadre, &early).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["details"]["field"], "sealed_at", "{refused}");
    assert_eq!(app.count("reports").await, 0, "refusals store nothing");
    let sealed_at = at(2026, 11, 26, 21, 30);
    let report = ok_json(
        put(&app, &s.cadre, &sealed(WEEK, &body, sealed_at)).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(report["late"], true, "{report}");
    assert_eq!(report["sealed_on_time"], true, "{report}");
    assert_eq!(report["sealed_at"], sealed_at, "{report}");
    let completeness = ok_json(
        app.get(&format!("/api/v1/completeness?period={WEEK}"), &s.reviewer)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        completeness["counts"]["sealed_on_time"], 1,
        "{completeness}"
    );
    assert_eq!(completeness["counts"]["late"], 0, "{completeness}");
    assert_eq!(
        completeness["sealed_on_time"][0]["username"], "cadre",
        "{completeness}"
    );
    let periods = ok_json(
        app.get("/api/v1/me/periods", &s.cadre).await,
        StatusCode::OK,
    )
    .await;
    let week = periods["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == WEEK)
        .cloned();
    assert_eq!(
        week.map(|w| w["status"].clone()),
        Some(json!("sealed_on_time")),
        "{periods}"
    );
}

async fn the_page_opens_on_the_earliest_unreported_week(app: TestApp) {
    let s = setup(&app).await;
    // Wednesday 11-25: the weeks shown run from 10-26 to 11-30; 11-23 is still running.
    let periods = ok_json(
        app.get("/api/v1/me/periods", &s.cadre).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(periods["suggested"], "weekly:2026-10-26", "{periods}");
    let body = content(&[outcome("o1", "入户走访", "done")]);
    for week in [
        "weekly:2026-10-26",
        "weekly:2026-11-02",
        "weekly:2026-11-09",
    ] {
        let id = uuid::Uuid::new_v4().to_string();
        ok_json(
            put_report(&app, &s.cadre, &id, week, &body).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let periods = ok_json(
        app.get("/api/v1/me/periods", &s.cadre).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(periods["suggested"], WEEK, "{periods}");
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &body).await,
        StatusCode::CREATED,
    )
    .await;
    // Every ended week is reported: the latest reported one, not the running week.
    let periods = ok_json(
        app.get("/api/v1/me/periods", &s.cadre).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(periods["suggested"], WEEK, "{periods}");
}

async fn the_receipt_lists_questions_and_whether_they_were_answered(app: TestApp) {
    let s = setup(&app).await;
    let body = content(&[outcome("o1", "走访低保户", "done")]);
    ok_json(
        put_report(&app, &s.cadre, REPORT_ID, WEEK, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/reports/{REPORT_ID}/reviews");
    let ask = json!({ "verdict": "needs_clarification", "question": "走访了几户？" });
    ok_json(
        app.post_json(&path, Some(&s.reviewer), &ask).await,
        StatusCode::CREATED,
    )
    .await;
    let context = ok_json(
        app.get(&format!("/api/v1/me/periods/{WEEK}"), &s.cadre)
            .await,
        StatusCode::OK,
    )
    .await;
    let report = &context["report"];
    assert_eq!(
        report["questions"][0]["question"], "走访了几户？",
        "{context}"
    );
    assert_eq!(report["questions"][0]["answered"], false, "{context}");
    assert_eq!(report["received_at"], at(2026, 11, 25, 10, 0), "{context}");
    assert_eq!(
        (report["late"].clone(), report["sealed_on_time"].clone()),
        (json!(false), json!(false))
    );
    let answer = content(&[outcome("o1", "走访低保户12户", "done")]);
    ok_json(
        revise_report(&app, &s.cadre, REPORT_ID, WEEK, &answer, 1).await,
        StatusCode::OK,
    )
    .await;
    let context = ok_json(
        app.get(&format!("/api/v1/me/periods/{WEEK}"), &s.cadre)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        context["report"]["questions"][0]["answered"], true,
        "{context}"
    );
    assert_eq!(context["report"]["revision"], 2, "{context}");
}
