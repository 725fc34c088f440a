//! One verdict per person and period, whoever asks: cadres transferred between townships
//! and between counties, exempted before and after, on leave, reporting late or not at
//! all. The village, the township, the county, the city and the province must say the
//! same of each person; each level must count exactly the people posted inside it.

use crate::exports::download;
use crate::exports::workbooks::{completeness_csv, expected};
use jianfu_core::Role;
use jianfu_tests::fixtures::{at, content, field, ok_json, outcome, policy_body, put_report, send};
use jianfu_tests::{StatusCode, TestApp, expect_error, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

on_both_engines!(
    every_level_gives_each_person_the_same_verdict,
    lists_name_the_first_people_by_village_then_username,
    the_counts_and_the_export_agree_under_policies_below_the_city,
    a_report_sent_before_a_move_counts_where_the_cadre_serves_on_the_last_day
);

const CITY: &str = "1309";
const PROVINCE: &str = "13";
/// Two villages of two townships of 吴桥县, and one of 献县 (the next county).
const VILLAGE_A: &str = "130928101201";
const VILLAGE_B: &str = "130928100201";
const VILLAGE_C: &str = "130929100006";
const WEEKS: [&str; 3] = [
    "weekly:2026-11-09",
    "weekly:2026-11-16",
    "weekly:2026-11-23",
];

/// Every unit that asks, from the villages up to the province.
const LEVELS: [&str; 9] = [
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    "130928101",
    "130928100",
    "130929100",
    "130928",
    "130929",
    CITY,
];

/// A posting: the village, its first day and its last (open-ended when `None`).
type Posting = (&'static str, &'static str, Option<&'static str>);

/// Who serves where and when: username, home unit (where they were first registered),
/// postings.
const PEOPLE: [(&str, &str, &[Posting]); 5] = [
    // Moved to another township, then on disaster duty three days of the week of 11-16.
    (
        "moved.township",
        VILLAGE_A,
        &[
            (VILLAGE_A, "2026-01-01", Some("2026-11-08")),
            (VILLAGE_B, "2026-11-09", None),
        ],
    ),
    // Moved to the next county; reports the week of 11-16 late.
    (
        "moved.county",
        VILLAGE_A,
        &[
            (VILLAGE_A, "2026-01-01", Some("2026-11-08")),
            (VILLAGE_C, "2026-11-09", None),
        ],
    ),
    // Stays; on leave two days of the week of 11-09, on time for 11-16.
    ("stays", VILLAGE_B, &[(VILLAGE_B, "2026-01-01", None)]),
    // Moved in the middle of the week of 11-16: the posting on its last day counts.
    (
        "moved.midweek",
        VILLAGE_A,
        &[
            (VILLAGE_A, "2026-01-01", Some("2026-11-18")),
            (VILLAGE_B, "2026-11-19", None),
        ],
    ),
    // Moved to the next county and exempted there the week of 11-23.
    (
        "moved.exempt",
        VILLAGE_B,
        &[
            (VILLAGE_B, "2026-01-01", Some("2026-11-15")),
            (VILLAGE_C, "2026-11-16", None),
        ],
    ),
];

/// Exemptions: username, kind, first and last day.
const EXEMPTIONS: [(&str, &str, &str, &str); 3] = [
    (
        "moved.township",
        "disaster_duty",
        "2026-11-17",
        "2026-11-19",
    ),
    ("stays", "leave", "2026-11-10", "2026-11-11"),
    ("moved.exempt", "sickness", "2026-11-24", "2026-11-24"),
];

/// A weekly policy on the city, with its template, set by the city's admin; returns the
/// template's id.
async fn weekly_policy_on_the_city(app: &TestApp, admin: &str) -> i64 {
    let template = ok_json(
        app.post_json(
            "/api/v1/templates",
            Some(admin),
            &json!({ "org_unit": CITY, "name": "驻村周报", "fields": [
                field("outcomes", "本周成果", "Outcomes", &json!({"type": "outcome_list", "max_items": 20}), 600),
                { "key": "contact", "label_zh": "联系电话", "label_en": "Contact phone",
                  "type": "text", "max_chars": 20, "seconds_to_fill": 60, "stable": true },
                field("households", "走访户数", "Households visited",
                      &json!({"type": "number", "min": 0, "max": 500, "integer": true}), 120),
            ]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = template["id"].as_i64().expect("id");
    let path = format!("/api/v1/policies/{CITY}");
    let body = policy_body(id, "weekly", 60);
    ok_json(
        send(app, Method::PUT, &path, admin, &body).await,
        StatusCode::OK,
    )
    .await;
    id
}

/// A new report of `username` for `week`, at the clock's time.
async fn report(app: &TestApp, username: &str, week: &str) {
    let token = app.login(username).await;
    let body = content(&[outcome("o1", "修通村东头道路 300 米", "done")]);
    let id = uuid::Uuid::new_v4().to_string();
    ok_json(
        put_report(app, &token, &id, week, &body).await,
        StatusCode::CREATED,
    )
    .await;
}

/// The people, their postings, exemptions and reports; returns a province reviewer.
async fn set_up(app: &TestApp) -> String {
    let admin = app.login("city.admin").await;
    weekly_policy_on_the_city(app, &admin).await;
    for (name, home, postings) in PEOPLE {
        app.add_user(name, Role::Cadre, home).await;
        for (village, from, to) in postings {
            let mut body = json!({ "username": name, "org_unit": village, "starts_on": from });
            if let Some(to) = to {
                body["ends_on"] = json!(to);
            }
            let response = app.post_json("/api/v1/postings", Some(&admin), &body).await;
            ok_json(response, StatusCode::CREATED).await;
        }
    }
    for (name, kind, from, to) in EXEMPTIONS {
        let body = json!({ "username": name, "kind": kind, "starts_on": from, "ends_on": to });
        let response = app
            .post_json("/api/v1/exemptions", Some(&admin), &body)
            .await;
        ok_json(response, StatusCode::CREATED).await;
    }
    // On time for 11-16 (due 11-24, grace to 11-26).
    app.clock.set(at(2026, 11, 24, 9, 0));
    report(app, "stays", WEEKS[1]).await;
    // Late for 11-16; on time for 11-23 (due 12-01).
    app.clock.set(at(2026, 11, 28, 9, 0));
    report(app, "moved.county", WEEKS[1]).await;
    report(app, "moved.county", WEEKS[2]).await;
    // A report sent anyway in an exempt week: kept, and the week stays exempt.
    report(app, "moved.township", WEEKS[1]).await;
    // After every deadline of the three weeks.
    app.clock.set(at(2026, 12, 10, 9, 0));
    app.add_user("province.reviewer", Role::Reviewer, PROVINCE)
        .await;
    app.login("province.reviewer").await
}

/// username → verdict, from the lists of one completeness answer (on time is unlisted).
fn verdicts(answer: &Value) -> BTreeMap<String, (&'static str, String)> {
    let mut found = BTreeMap::new();
    for list in ["missing", "late", "exempt"] {
        for person in answer[list].as_array().expect("a list") {
            let name = person["username"].as_str().expect("username").to_owned();
            let village = person["org_unit"].as_str().expect("village").to_owned();
            assert!(
                found.insert(name, (list, village)).is_none(),
                "listed twice: {answer}"
            );
        }
    }
    found
}

async fn every_level_gives_each_person_the_same_verdict(app: TestApp) {
    let reviewer = set_up(&app).await;
    let expected: [&[(&str, &str, &str)]; 3] = [
        // 11-09: only the leave; nobody else reported.
        &[
            ("moved.township", "missing", VILLAGE_B),
            ("moved.county", "missing", VILLAGE_C),
            ("stays", "exempt", VILLAGE_B),
            ("moved.midweek", "missing", VILLAGE_A),
            ("moved.exempt", "missing", VILLAGE_B),
        ],
        // 11-16: disaster duty wins over the report sent anyway; one late; one moved midweek.
        &[
            ("moved.township", "exempt", VILLAGE_B),
            ("moved.county", "late", VILLAGE_C),
            ("moved.midweek", "missing", VILLAGE_B),
            ("moved.exempt", "missing", VILLAGE_C),
        ],
        // 11-23: one on time, one exempt in the new county.
        &[
            ("moved.township", "missing", VILLAGE_B),
            ("stays", "missing", VILLAGE_B),
            ("moved.midweek", "missing", VILLAGE_B),
            ("moved.exempt", "exempt", VILLAGE_C),
        ],
    ];
    for (week, expected) in WEEKS.iter().zip(expected) {
        let province = ok_json(
            app.get(
                &format!("/api/v1/completeness?unit={PROVINCE}&period={week}"),
                &reviewer,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let truth = verdicts(&province);
        let wanted: BTreeMap<String, (&str, String)> = expected
            .iter()
            .map(|(name, verdict, village)| ((*name).to_owned(), (*verdict, (*village).to_owned())))
            .collect();
        assert_eq!(truth, wanted, "{week} at the province: {province}");
        assert_eq!(province["counts"]["expected"], 5, "{week}: {province}");
        for unit in LEVELS {
            let answer = ok_json(
                app.get(
                    &format!("/api/v1/completeness?unit={unit}&period={week}"),
                    &reviewer,
                )
                .await,
                StatusCode::OK,
            )
            .await;
            let inside: BTreeMap<String, (&str, String)> = truth
                .iter()
                .filter(|(_, (_, village))| village.starts_with(unit))
                .map(|(name, verdict)| (name.clone(), verdict.clone()))
                .collect();
            assert_eq!(verdicts(&answer), inside, "{week} at {unit}: {answer}");
            let counted = &answer["counts"];
            let listed = ["missing", "late", "exempt"]
                .iter()
                .map(|k| counted[k].as_u64().expect("count"))
                .sum::<u64>();
            assert_eq!(listed, inside.len() as u64, "{week} at {unit}: {answer}");
        }
    }
}

/// A list names at most `names` people (the first by village, then username); the counts
/// stay whole and `lists_cut` says a list was cut. Out of range is refused.
async fn lists_name_the_first_people_by_village_then_username(app: TestApp) {
    let reviewer = set_up(&app).await;
    let url = |names: &str| {
        format!(
            "/api/v1/completeness?unit={PROVINCE}&period={}&names={names}",
            WEEKS[0]
        )
    };
    // Missing in 11-09, by village then username: 130928100201 has two.
    let order = [
        "moved.exempt",
        "moved.township",
        "moved.midweek",
        "moved.county",
    ];
    for names in 1..=5_usize {
        let answer = ok_json(
            app.get(&url(&names.to_string()), &reviewer).await,
            StatusCode::OK,
        )
        .await;
        let listed: Vec<&str> = answer["missing"]
            .as_array()
            .expect("missing")
            .iter()
            .map(|p| p["username"].as_str().expect("username"))
            .collect();
        assert_eq!(listed, order[..names.min(4)], "names={names}: {answer}");
        assert_eq!(answer["counts"]["missing"], 4, "{answer}");
        assert_eq!(answer["lists_cut"], names < 4, "names={names}: {answer}");
        assert_eq!(
            answer["exempt"].as_array().map(Vec::len),
            Some(1),
            "{answer}"
        );
    }
    for bad in ["0", "1001"] {
        expect_error(
            app.get(&url(bad), &reviewer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
        )
        .await;
    }
}

/// The API counts in the database, by groups of villages under one policy; the export
/// gives everyone's verdict one by one. With policies held below the city (a township on
/// another cadence, one whose grace has not passed yet), both say the same at every level:
/// the counts of each unit, and who is named in each list.
async fn the_counts_and_the_export_agree_under_policies_below_the_city(app: TestApp) {
    let reviewer = set_up(&app).await;
    let admin = app.login("city.admin").await;
    // Posted in 吴桥 before the township's cadence changes: late for 11-16, then counted
    // on another cadence.
    app.add_user("stays.a", Role::Cadre, VILLAGE_A).await;
    // Posted in 献县 and never reports: missing where the others are still open.
    app.add_user("newcomer", Role::Cadre, VILLAGE_C).await;
    for (name, village) in [("stays.a", VILLAGE_A), ("newcomer", VILLAGE_C)] {
        let body = json!({ "username": name, "org_unit": village, "starts_on": "2026-11-01" });
        let response = app.post_json("/api/v1/postings", Some(&admin), &body).await;
        ok_json(response, StatusCode::CREATED).await;
    }
    app.clock.set(at(2026, 11, 28, 9, 0));
    report(&app, "stays.a", WEEKS[1]).await;
    app.clock.set(at(2026, 12, 6, 9, 0));
    let template = ok_json(
        app.get(&format!("/api/v1/policies/{CITY}"), &admin).await,
        StatusCode::OK,
    )
    .await["template_id"]
        .as_i64()
        .expect("template_id");
    let monthly = policy_body(template, "monthly", 60);
    let mut slow = policy_body(template, "weekly", 60);
    slow["grace_days"] = json!(7);
    for (township, body) in [("130928101", monthly), ("130928100", slow)] {
        let path = format!("/api/v1/policies/{township}");
        let response = send(&app, Method::PUT, &path, &admin, &body).await;
        ok_json(response, StatusCode::OK).await;
    }
    let mut statuses = BTreeSet::new();
    let mut other_cadence = 0;
    for week in WEEKS {
        for unit in LEVELS.iter().chain([&PROVINCE]) {
            let api = agree(&app, &reviewer, week, unit).await;
            for (key, value) in api["counts"].as_object().expect("counts") {
                if value.as_u64().is_some_and(|n| n > 0) {
                    statuses.insert(key.clone());
                }
            }
            other_cadence += api["other_cadence"].as_u64().expect("other_cadence");
        }
    }
    // The case is what it claims: every verdict but sealed on time occurs, and some
    // cadres are counted on another cadence.
    for verdict in ["on_time", "late", "missing", "exempt", "open"] {
        assert!(
            statuses.contains(verdict),
            "{verdict} never counted: {statuses:?}"
        );
    }
    assert!(other_cadence > 0, "nobody on another cadence");
}

/// A report is filed under the village of its period's last day as known when it is sent. A
/// move recorded afterwards (the posting ended and a new one started, both back-dated)
/// leaves the report filed in the old village: the cadre's verdict follows them to the
/// new one, in another county, and the old village no longer counts them.
async fn a_report_sent_before_a_move_counts_where_the_cadre_serves_on_the_last_day(app: TestApp) {
    let reviewer = set_up(&app).await;
    let admin = app.login("city.admin").await;
    app.add_user("moved.after", Role::Cadre, VILLAGE_A).await;
    let body =
        json!({ "username": "moved.after", "org_unit": VILLAGE_A, "starts_on": "2026-01-01" });
    let posting = ok_json(
        app.post_json("/api/v1/postings", Some(&admin), &body).await,
        StatusCode::CREATED,
    )
    .await;
    // Late for 11-23 (the clock is past every deadline), filed in village A.
    report(&app, "moved.after", WEEKS[2]).await;
    let id = posting["id"].as_i64().expect("posting id");
    let end = json!({ "ends_on": "2026-11-25" });
    let path = format!("/api/v1/postings/{id}/end");
    ok_json(
        app.post_json(&path, Some(&admin), &end).await,
        StatusCode::OK,
    )
    .await;
    let body =
        json!({ "username": "moved.after", "org_unit": VILLAGE_C, "starts_on": "2026-11-26" });
    let response = app.post_json("/api/v1/postings", Some(&admin), &body).await;
    ok_json(response, StatusCode::CREATED).await;
    for unit in LEVELS.iter().chain([&PROVINCE]) {
        let answer = agree(&app, &reviewer, WEEKS[2], unit).await;
        let found = verdicts(&answer).remove("moved.after");
        let wanted = VILLAGE_C
            .starts_with(unit)
            .then(|| ("late", VILLAGE_C.to_owned()));
        assert_eq!(found, wanted, "at {unit}: {answer}");
    }
}

/// Checks that `GET /api/v1/completeness` and the completeness CSV say the same of `unit`
/// in `week` (the counts of each unit and the total, who is named with which verdict);
/// returns the API's answer.
async fn agree(app: &TestApp, reviewer: &str, week: &str, unit: &str) -> Value {
    let query = format!("unit={unit}&period={week}");
    let api = ok_json(
        app.get(&format!("/api/v1/completeness?{query}"), reviewer)
            .await,
        StatusCode::OK,
    )
    .await;
    let path = format!("/api/v1/exports/completeness.csv?{query}");
    let bytes = download(app, &path, reviewer).await.1;
    assert_eq!(
        completeness_csv(&bytes),
        expected(&api, week),
        "{week} at {unit}: {api}"
    );
    api
}
