//! Issue 3, end to end: a quarter of weekly reporting in the demo county (cut from the
//! national file). 30 cadres in 30 villages of five townships report every week: most on
//! time, a fixed few late, some never; a few are exempt. An emergency lets one township
//! report daily for a few days and no longer. Reviewers acknowledge and ask; a revision
//! answers. Completeness and the burden ledger are then checked against figures worked
//! out here, from the plan alone, without calling any server code.

use jianfu_tests::{COUNTY, StatusCode, TOWNSHIP, TestApp, expect_error, on_both_engines};
use jiff::civil::{Date, date};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

on_both_engines!(a_quarter_of_weekly_reports_in_the_demo_county);

const CADRES: usize = 30;
const WEEKS: usize = 13;
/// The five townships the cadres serve in, six villages each.
const TOWNSHIPS: [&str; 5] = ["130928100", TOWNSHIP, "130928102", "130928103", "130928104"];
/// The township that reports daily during the emergency.
const EMERGENCY_TOWNSHIP: &str = "130928102";
/// Seconds to fill the story's template: 120 + 30 + 15.
const SECONDS_PER_SUBMISSION: f64 = 165.0;
const BUDGET: f64 = 30.0;

fn first_week() -> Date {
    date(2026, 6, 29)
}

fn week_start(w: usize) -> Date {
    first_week()
        .checked_add(jiff::Span::new().days(i64::try_from(w * 7).unwrap()))
        .unwrap()
}

fn week_key(w: usize) -> String {
    format!("weekly:{}", week_start(w))
}

fn plus_days(d: Date, days: i64) -> Date {
    d.checked_add(jiff::Span::new().days(days)).unwrap()
}

/// Unix seconds of a local time in Shanghai (UTC+8 all year).
fn local(d: Date, hour: i8, minute: i8) -> i64 {
    d.at(hour, minute, 0, 0)
        .in_tz("Asia/Shanghai")
        .unwrap()
        .timestamp()
        .as_second()
}

/// Due date = last day (start + 6) + 2; last on-time day = due + 2 grace; late from the
/// following local midnight: start + 11 days, 00:00 in Shanghai.
fn late_after(w: usize) -> i64 {
    local(plus_days(week_start(w), 11), 0, 0)
}

fn username(c: usize) -> String {
    format!("story.c{c:02}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// No posting covers the week's last day: not expected.
    NotPosted,
    /// An exemption touches the week; `true` if a report is sent anyway.
    Exempt(bool),
    Missing,
    Late,
    OnTime,
}

/// Exemptions: (cadre, kind, first day, last day).
fn exemptions() -> Vec<(usize, &'static str, Date, Date)> {
    vec![
        // Exactly week 4 (07-27 … 08-02).
        (3, "leave", date(2026, 7, 27), date(2026, 8, 2)),
        // Two days in the middle of week 6 (08-10 … 08-16): the whole week is exempt.
        (7, "sickness", date(2026, 8, 12), date(2026, 8, 13)),
        // Weeks 7 and 8 exactly.
        (11, "training", date(2026, 8, 17), date(2026, 8, 30)),
        // The end of week 9 and the start of week 10: both exempt.
        (15, "disaster_duty", date(2026, 9, 5), date(2026, 9, 8)),
    ]
}

/// The deterministic plan for cadre `c` in week `w`.
fn plan(c: usize, w: usize) -> Plan {
    let last_day = plus_days(week_start(w), 6);
    // Cadre 29 is posted from 2026-07-08, cadre 28 until 2026-09-02.
    if (c == 29 && last_day < date(2026, 7, 8)) || (c == 28 && last_day > date(2026, 9, 2)) {
        return Plan::NotPosted;
    }
    let start = week_start(w);
    if exemptions()
        .iter()
        .any(|(who, _, from, to)| *who == c && *from <= last_day && *to >= start)
    {
        return Plan::Exempt(c == 7);
    }
    if (c + 2 * w) % 9 == 4 {
        Plan::Missing
    } else if (3 * c + w) % 7 == 0 {
        Plan::Late
    } else {
        Plan::OnTime
    }
}

/// When cadre `c` sends the report of week `w`, by the plan. Edge cases on purpose: some
/// on-time reports arrive one second before the deadline, some late ones exactly at it.
fn submitted_at(c: usize, w: usize) -> Option<i64> {
    let minute = i8::try_from(c).unwrap();
    match plan(c, w) {
        Plan::OnTime | Plan::Exempt(true) if c % 5 == 0 => Some(late_after(w) - 1),
        Plan::OnTime | Plan::Exempt(true) => Some(local(plus_days(week_start(w), 7), 9, minute)),
        Plan::Late if c % 2 == 0 => Some(late_after(w)),
        Plan::Late => Some(late_after(w) + 2 * 86_400 + 3600),
        Plan::NotPosted | Plan::Exempt(false) | Plan::Missing => None,
    }
}

fn content(c: usize, w: usize, households: usize) -> Value {
    json!({
        "outcomes": [{
            "id": format!("c{c}-w{w}-road"),
            "category": "基础设施",
            "what": "修补村东道路坑洼三处",
            "for_whom": "村东片区村民",
            "status": "done",
        }],
        "fields": {
            "summary": format!("第 {w} 周：走访农户，修补道路"),
            "households_visited": households,
            "road_state": "良好",
        },
        "days_in_village": 4,
    })
}

/// The villages of the story: the first six villages (in code order) of each township,
/// read from the fixture the demo county is imported from.
fn villages() -> Vec<String> {
    let mut by_township: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for line in jianfu_server::demo::COUNTY_CSV.lines() {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() < 4 || cells[cells.len() - 2] != "village" {
            continue;
        }
        let parent = cells[cells.len() - 1].trim();
        if let Some(t) = TOWNSHIPS.iter().find(|t| **t == parent) {
            by_township
                .entry(t)
                .or_default()
                .push(cells[0].trim().to_owned());
        }
    }
    let mut out = Vec::new();
    for t in TOWNSHIPS {
        let mut list = by_township.remove(t).expect("township has villages");
        list.sort();
        assert!(list.len() >= 6, "{t} has only {} villages", list.len());
        out.extend(list.into_iter().take(6));
    }
    out
}

async fn json_of(response: reqwest::Response, expected: StatusCode, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, expected, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not JSON: {text}"))
}

async fn put_json(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.request(reqwest::Method::PUT, path, Some(token))
        .json(body)
        .send()
        .await
        .expect("request sent")
}

fn close(actual: &Value, expected: f64, what: &str) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {actual}"));
    assert!(
        (a - expected).abs() < 1e-9,
        "{what}: server says {a}, expected {expected}"
    );
}

/// Checks a ledger against the arithmetic of R5, done by hand.
fn check_ledger(ledger: &Value, per_month: f64, budget: f64, what: &str) {
    let minutes = per_month * SECONDS_PER_SUBMISSION / 60.0;
    let baseline = 250.0 / 12.0 * (180.0 + 1200.0) / 60.0;
    close(
        &ledger["now"]["submissions_per_month"],
        per_month,
        &format!("{what} submissions"),
    );
    assert_eq!(
        ledger["now"]["seconds_per_submission"], 165,
        "{what}: {ledger}"
    );
    close(
        &ledger["now"]["minutes_per_month"],
        minutes,
        &format!("{what} minutes"),
    );
    close(
        &ledger["actions_per_month"],
        per_month,
        &format!("{what} actions"),
    );
    close(
        &ledger["budget_minutes_per_month"],
        budget,
        &format!("{what} budget"),
    );
    close(
        &ledger["baseline_minutes_per_month"],
        baseline,
        &format!("{what} baseline"),
    );
    close(
        &ledger["baseline_actions_per_month"],
        2.0 * 250.0 / 12.0,
        &format!("{what} baseline actions"),
    );
    close(
        &ledger["minutes_saved_per_month"],
        baseline - minutes,
        &format!("{what} saved"),
    );
    close(
        &ledger["share_of_baseline"],
        minutes / baseline,
        &format!("{what} share"),
    );
}

#[derive(Debug)]
enum Event {
    Submit(usize, usize),
    Acknowledge {
        reviewer: &'static str,
        c: usize,
        w: usize,
    },
    AskClarification(usize, usize),
    AnswerClarification(usize, usize),
    DeclareEmergency,
    DailyPolicyAccepted,
    DailyPolicyRefused,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    posted: u32,
    on_time: u32,
    late: u32,
    missing: u32,
    exempt: u32,
    missing_names: Vec<String>,
    exempt_names: Vec<String>,
    late_names: Vec<String>,
}

/// Completeness of week `w` in the subtree `unit`, from the plan alone.
fn expected_completeness(villages: &[String], unit: &str, w: usize) -> Expected {
    let mut e = Expected::default();
    // Cadre c serves villages[c]; villages ascend with c, so cadre order is village order.
    for (c, village) in villages.iter().enumerate() {
        if !village.starts_with(unit) {
            continue;
        }
        let name = username(c);
        match plan(c, w) {
            Plan::NotPosted => continue,
            Plan::Exempt(_) => {
                e.exempt += 1;
                e.exempt_names.push(name);
            }
            Plan::Missing => {
                e.missing += 1;
                e.missing_names.push(name);
            }
            Plan::Late => {
                e.late += 1;
                e.late_names.push(name);
            }
            Plan::OnTime => e.on_time += 1,
        }
        e.posted += 1;
    }
    e
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list of people")
        .iter()
        .map(|p| p["username"].as_str().expect("username").to_owned())
        .collect()
}

fn actual_completeness(body: &Value) -> Expected {
    let n = |k: &str| u32::try_from(body["counts"][k].as_u64().expect("count")).unwrap();
    Expected {
        posted: n("expected"),
        on_time: n("on_time"),
        late: n("late"),
        missing: n("missing"),
        exempt: n("exempt"),
        missing_names: names(&body["missing"]),
        exempt_names: names(&body["exempt"]),
        late_names: names(&body["late"]),
    }
}

#[allow(clippy::too_many_lines, reason = "one story, told in order")]
async fn a_quarter_of_weekly_reports_in_the_demo_county(app: TestApp) {
    let villages = villages();
    assert_eq!(villages.len(), CADRES);
    let admin = app.login("admin").await;
    let reviewer = app.login("reviewer").await;
    let township_reviewer = app.login("township.reviewer").await;

    // ------------------------------------------------------------ setup, 2026-06-20
    app.clock.set(local(date(2026, 6, 20), 10, 0));
    for (c, village) in villages.iter().enumerate() {
        let body = json!({"username": username(c), "password": "a long passphrase",
            "display_name": format!("驻村干部{c:02}"), "role": "cadre", "org_unit": village});
        json_of(
            app.post_json("/api/v1/users", Some(&admin), &body).await,
            StatusCode::CREATED,
            "create cadre",
        )
        .await;
        let (starts_on, ends_on) = match c {
            29 => ("2026-07-08", None),
            28 => ("2026-06-01", Some("2026-09-02")),
            _ => ("2026-06-01", None),
        };
        let body = json!({"username": username(c), "org_unit": village, "starts_on": starts_on, "ends_on": ends_on});
        json_of(
            app.post_json("/api/v1/postings", Some(&admin), &body).await,
            StatusCode::CREATED,
            "create posting",
        )
        .await;
    }
    for (c, kind, from, to) in exemptions() {
        let body = json!({"username": username(c), "kind": kind, "starts_on": from.to_string(),
            "ends_on": to.to_string(), "note": "story"});
        json_of(
            app.post_json("/api/v1/exemptions", Some(&admin), &body)
                .await,
            StatusCode::CREATED,
            "create exemption",
        )
        .await;
    }
    let template = json!({"org_unit": COUNTY, "name": "驻村工作周报", "fields": [
        {"key": "summary", "label_zh": "本周小结", "label_en": "Summary of the week", "type": "text",
         "max_chars": 200, "required": true, "seconds_to_fill": 120},
        {"key": "households_visited", "label_zh": "走访户数", "label_en": "Households visited", "type": "number",
         "min": 0, "max": 500, "integer": true, "required": true, "seconds_to_fill": 30, "concept": "households_visited"},
        {"key": "road_state", "label_zh": "道路状况", "label_en": "Road condition", "type": "choice",
         "options": ["良好", "需修补", "中断"], "multiple": false, "required": false, "seconds_to_fill": 15},
    ]});
    let template = json_of(
        app.post_json("/api/v1/templates", Some(&admin), &template)
            .await,
        StatusCode::CREATED,
        "create template",
    )
    .await;
    assert_eq!(template["seconds_per_submission"], 165);
    let template_id = template["id"].as_i64().expect("template id");
    let weekly = json!({"period_kind": "weekly", "due_offset_days": 2, "grace_days": 2,
        "template_id": template_id, "budget_minutes_per_month": 30});
    let policy = json_of(
        put_json(&app, &format!("/api/v1/policies/{COUNTY}"), &admin, &weekly).await,
        StatusCode::OK,
        "weekly policy",
    )
    .await;
    assert_eq!(policy["period_kind"], "weekly");
    let weekly_rate = 365.25 / 12.0 / 7.0;
    check_ledger(&policy["ledger"], weekly_rate, BUDGET, "county policy");

    let mut tokens = Vec::with_capacity(CADRES);
    for c in 0..CADRES {
        let response = app
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({"username": username(c), "password": "a long passphrase"}),
            )
            .await;
        let body = json_of(response, StatusCode::OK, "cadre login").await;
        tokens.push(body["token"].as_str().expect("token").to_owned());
    }

    // ------------------------------------------------------------ the plan, as events
    let mut events: Vec<(i64, Event)> = Vec::new();
    for w in 0..WEEKS {
        for c in 0..CADRES {
            if let Some(at) = submitted_at(c, w) {
                events.push((at, Event::Submit(c, w)));
            }
        }
    }
    // Week 0 is acknowledged three days after its deadline: by the county reviewer outside
    // the reviewer's township, by the township reviewer inside it.
    let review_day = late_after(0) + 3 * 86_400 + 3 * 3600;
    let mut acknowledged = Vec::new();
    for (c, village) in villages.iter().enumerate() {
        if !matches!(plan(c, 0), Plan::OnTime | Plan::Late) {
            continue;
        }
        let in_township = village.starts_with(TOWNSHIP);
        let reviewer = match (c % 4, in_township) {
            (1, false) => "reviewer",
            (2, true) => "township.reviewer",
            _ => continue,
        };
        acknowledged.push(c);
        events.push((review_day, Event::Acknowledge { reviewer, c, w: 0 }));
    }
    assert!(acknowledged.len() >= 4, "{acknowledged:?}");
    // A question on an on-time report of week 1, after its deadline; answered next day.
    let asked = (0..CADRES)
        .find(|c| plan(*c, 1) == Plan::OnTime && c % 5 != 0)
        .expect("someone on time in week 1");
    events.push((
        late_after(1) + 86_400 + 3600,
        Event::AskClarification(asked, 1),
    ));
    events.push((
        late_after(1) + 2 * 86_400,
        Event::AnswerClarification(asked, 1),
    ));
    // The emergency: from Monday 2026-08-03 08:00 for 5 days, on one township.
    let declared_at = local(date(2026, 8, 3), 8, 0);
    let emergency_ends = declared_at + 5 * 86_400;
    events.push((declared_at, Event::DeclareEmergency));
    events.push((declared_at + 1800, Event::DailyPolicyAccepted));
    events.push((emergency_ends + 3600, Event::DailyPolicyRefused));
    // Stable: equal times keep the order pushed.
    events.sort_by_key(|(at, _)| *at);

    // ------------------------------------------------------------ play the quarter
    let mut ids: HashMap<(usize, usize), String> = HashMap::new();
    let mut question_id = None;
    let daily = json!({"period_kind": "daily", "due_offset_days": 2, "grace_days": 2,
        "template_id": template_id, "budget_minutes_per_month": 120});
    for (at, event) in &events {
        app.clock.set(*at);
        match event {
            Event::Submit(c, w) => {
                let id = uuid::Uuid::new_v4().to_string();
                let body = json!({"period": week_key(*w), "content": content(*c, *w, 5 + c % 7)});
                let report = json_of(
                    put_json(&app, &format!("/api/v1/reports/{id}"), &tokens[*c], &body).await,
                    StatusCode::CREATED,
                    &format!("report of {} for week {w}", username(*c)),
                )
                .await;
                let late = plan(*c, *w) == Plan::Late;
                assert_eq!(
                    report["late"],
                    late,
                    "late flag of {} week {w}: {report}",
                    username(*c)
                );
                ids.insert((*c, *w), id);
            }
            Event::Acknowledge {
                reviewer: who,
                c,
                w,
            } => {
                let token = if *who == "reviewer" {
                    &reviewer
                } else {
                    &township_reviewer
                };
                let path = format!("/api/v1/reports/{}/reviews", ids[&(*c, *w)]);
                let review = json_of(
                    app.post_json(&path, Some(token), &json!({"verdict": "acknowledged"}))
                        .await,
                    StatusCode::CREATED,
                    "acknowledge",
                )
                .await;
                assert_eq!(review["verdict"], "acknowledged");
                assert_eq!(review["reviewer"], *who);
            }
            Event::AskClarification(c, w) => {
                let path = format!("/api/v1/reports/{}/reviews", ids[&(*c, *w)]);
                let review = json_of(
                    app.post_json(
                        &path,
                        Some(&reviewer),
                        &json!({"verdict": "needs_clarification", "question": "走访户数是否包含电话回访？"}),
                    )
                    .await,
                    StatusCode::CREATED,
                    "ask",
                )
                .await;
                question_id = Some(review["id"].as_i64().expect("review id"));
            }
            Event::AnswerClarification(c, w) => {
                // The cadre sees the question, then answers with a revision.
                let context = json_of(
                    app.get(&format!("/api/v1/me/periods/{}", week_key(*w)), &tokens[*c])
                        .await,
                    StatusCode::OK,
                    "period context",
                )
                .await;
                assert_eq!(context["report"]["status"], "needs_clarification");
                assert_eq!(context["report"]["question"], "走访户数是否包含电话回访？");
                let mut answer = content(*c, *w, 3);
                answer["fields"]["summary"] = json!("走访 3 户，不含电话回访");
                let body = json!({"period": week_key(*w), "content": answer, "base_revision": 1});
                let report = json_of(
                    put_json(
                        &app,
                        &format!("/api/v1/reports/{}", ids[&(*c, *w)]),
                        &tokens[*c],
                        &body,
                    )
                    .await,
                    StatusCode::OK,
                    "revision answering the question",
                )
                .await;
                assert_eq!(report["revision"], 2);
                // First received on time: a later revision does not make it late.
                assert_eq!(report["late"], false, "{report}");
            }
            Event::DeclareEmergency => {
                let body = json!({"org_unit": EMERGENCY_TOWNSHIP, "reason": "暴雨防汛", "days": 5});
                let emergency = json_of(
                    app.post_json("/api/v1/emergencies", Some(&admin), &body)
                        .await,
                    StatusCode::CREATED,
                    "declare emergency",
                )
                .await;
                assert_eq!(emergency["starts_at"], declared_at, "{emergency}");
                assert_eq!(emergency["ends_at"], emergency_ends, "{emergency}");
            }
            Event::DailyPolicyAccepted => {
                let path = format!("/api/v1/policies/{EMERGENCY_TOWNSHIP}");
                let policy = json_of(
                    put_json(&app, &path, &admin, &daily).await,
                    StatusCode::OK,
                    "daily policy during the emergency",
                )
                .await;
                assert_eq!(policy["period_kind"], "daily", "{policy}");
                assert_eq!(policy["kind_after_emergency"], "weekly", "{policy}");
                assert!(policy["emergency"].is_object(), "{policy}");
                let burden = json_of(
                    app.get(
                        &format!("/api/v1/burden?unit={EMERGENCY_TOWNSHIP}"),
                        &reviewer,
                    )
                    .await,
                    StatusCode::OK,
                    "burden during the emergency",
                )
                .await;
                assert_eq!(burden["period_kind"], "daily");
                assert_eq!(burden["inherited_from"], EMERGENCY_TOWNSHIP);
                check_ledger(
                    &burden["ledger"],
                    365.25 / 12.0,
                    120.0,
                    "daily, during the emergency",
                );
                assert_eq!(burden["within_budget"], true);
            }
            Event::DailyPolicyRefused => {
                let audit_before = app.count("audit_log").await;
                let path = format!("/api/v1/policies/{EMERGENCY_TOWNSHIP}");
                let body = expect_error(
                    put_json(&app, &path, &admin, &daily).await,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "cadence_below_floor",
                )
                .await;
                assert_eq!(body["details"]["floor"], "weekly", "{body}");
                assert_eq!(app.count("audit_log").await, audit_before);
                // The stored daily policy reverted to weekly by itself.
                let policy = json_of(
                    app.get(&path, &admin).await,
                    StatusCode::OK,
                    "policy after the emergency",
                )
                .await;
                assert_eq!(policy["period_kind"], "weekly", "{policy}");
                assert_eq!(policy["stored_period_kind"], "daily", "{policy}");
                assert!(policy["emergency"].is_null(), "{policy}");
            }
        }
    }

    // ------------------------------------------------------------ after the quarter
    app.clock.set(local(date(2026, 10, 20), 9, 0));

    // Completeness of every week, county and two townships, against the plan.
    for w in 0..WEEKS {
        for unit in [COUNTY, TOWNSHIP, EMERGENCY_TOWNSHIP] {
            let path = format!("/api/v1/completeness?unit={unit}&period={}", week_key(w));
            let body = json_of(app.get(&path, &reviewer).await, StatusCode::OK, &path).await;
            let expected = expected_completeness(&villages, unit, w);
            assert_eq!(actual_completeness(&body), expected, "{path}: {body}");
            assert_eq!(body["counts"]["open"], 0, "{path}");
            assert_eq!(body["other_cadence"], 0, "{path}");
            if unit == COUNTY {
                // One row per township, in code order, with the same arithmetic.
                let rows = body["units"].as_array().expect("units");
                let codes: Vec<&str> = rows.iter().map(|r| r["code"].as_str().unwrap()).collect();
                assert_eq!(codes, TOWNSHIPS, "{path}");
                for row in rows {
                    let t = row["code"].as_str().unwrap();
                    let e = expected_completeness(&villages, t, w);
                    for (key, value) in [
                        ("expected", e.posted),
                        ("on_time", e.on_time),
                        ("late", e.late),
                        ("missing", e.missing),
                        ("exempt", e.exempt),
                    ] {
                        assert_eq!(row[key], value, "{path} row {t} {key}");
                    }
                }
            }
        }
    }
    // The plan is not trivial: every outcome occurs, and the partly covered week counts.
    let totals = (0..WEEKS).fold([0u32; 5], |mut acc, w| {
        let e = expected_completeness(&villages, COUNTY, w);
        for (slot, n) in acc
            .iter_mut()
            .zip([e.on_time, e.late, e.missing, e.exempt, e.posted])
        {
            *slot += n;
        }
        acc
    });
    assert!(totals.iter().take(4).all(|n| *n > 0), "{totals:?}");
    assert!(
        expected_completeness(&villages, COUNTY, 6)
            .exempt_names
            .contains(&username(7))
    );
    assert_eq!(expected_completeness(&villages, COUNTY, 0).posted, 29);
    assert_eq!(expected_completeness(&villages, COUNTY, 12).posted, 29);

    // The question and its answer are both in the report's history.
    let asked_id = &ids[&(asked, 1)];
    let detail = json_of(
        app.get(&format!("/api/v1/reports/{asked_id}"), &reviewer)
            .await,
        StatusCode::OK,
        "report detail",
    )
    .await;
    let revisions = detail["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2, "{detail}");
    assert_eq!(revisions[0]["revision"], 1);
    assert!(revisions[0]["answers_review_id"].is_null(), "{detail}");
    assert_eq!(revisions[1]["revision"], 2);
    assert_eq!(
        revisions[1]["answers_review_id"],
        question_id.expect("asked"),
        "{detail}"
    );
    assert_eq!(
        revisions[0]["content"]["fields"]["households_visited"],
        5 + asked % 7
    );
    assert_eq!(revisions[1]["content"]["fields"]["households_visited"], 3);
    let reviews = detail["reviews"].as_array().expect("reviews");
    assert_eq!(reviews.len(), 1, "{detail}");
    assert_eq!(reviews[0]["verdict"], "needs_clarification");
    assert_eq!(reviews[0]["revision"], 1);
    assert_eq!(reviews[0]["question"], "走访户数是否包含电话回访？");
    assert_eq!(detail["late"], false);
    // The cadre reads the same history.
    let own = json_of(
        app.get(&format!("/api/v1/reports/{asked_id}"), &tokens[asked])
            .await,
        StatusCode::OK,
        "own report",
    )
    .await;
    assert_eq!(own["revisions"], detail["revisions"]);

    // Acknowledged reports, listed by status.
    let listed = json_of(
        app.get(
            &format!("/api/v1/reports?unit={COUNTY}&status=acknowledged&limit=500"),
            &reviewer,
        )
        .await,
        StatusCode::OK,
        "acknowledged list",
    )
    .await;
    let mut listed: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    let expected: Vec<String> = acknowledged.iter().map(|c| username(*c)).collect();
    assert_eq!(listed, expected);
    let all = json_of(
        app.get(
            &format!(
                "/api/v1/reports?unit={COUNTY}&period={}&limit=500",
                week_key(0)
            ),
            &reviewer,
        )
        .await,
        StatusCode::OK,
        "week 0 list",
    )
    .await;
    let submitted_week0 = (0..CADRES)
        .filter(|c| submitted_at(*c, 0).is_some())
        .count();
    assert_eq!(all["items"].as_array().unwrap().len(), submitted_week0);

    // The emergency is in the audit log, with who declared it.
    let audit = json_of(
        app.get(&format!("/api/v1/audit?unit={COUNTY}&limit=500"), &admin)
            .await,
        StatusCode::OK,
        "audit",
    )
    .await;
    let items = audit["items"].as_array().expect("audit items");
    let declared: Vec<&Value> = items
        .iter()
        .filter(|e| e["action"] == "emergencies.declare")
        .collect();
    assert_eq!(declared.len(), 1, "{audit}");
    assert_eq!(declared[0]["actor"], "admin");
    assert_eq!(declared[0]["scope"], EMERGENCY_TOWNSHIP);
    assert_eq!(declared[0]["at"], declared_at);
    let policy_changes: Vec<&str> = items
        .iter()
        .filter(|e| e["action"] == "policies.put")
        .map(|e| e["scope"].as_str().unwrap())
        .collect();
    assert_eq!(policy_changes, [EMERGENCY_TOWNSHIP, COUNTY]);

    // The burden ledger after the quarter: weekly everywhere again.
    let burden = json_of(
        app.get(&format!("/api/v1/burden?unit={COUNTY}"), &reviewer)
            .await,
        StatusCode::OK,
        "county burden",
    )
    .await;
    assert_eq!(burden["period_kind"], "weekly");
    assert_eq!(burden["inherited_from"], COUNTY);
    assert_eq!(burden["within_budget"], true);
    check_ledger(&burden["ledger"], weekly_rate, BUDGET, "county");
    let subtree = burden["subtree"].as_array().expect("subtree");
    let units: Vec<&str> = subtree
        .iter()
        .map(|s| s["org_unit"].as_str().unwrap())
        .collect();
    assert_eq!(units, [COUNTY, EMERGENCY_TOWNSHIP], "{burden}");
    assert_eq!(subtree[1]["period_kind"], "weekly", "{burden}");
    check_ledger(&subtree[0]["ledger"], weekly_rate, BUDGET, "subtree county");
    check_ledger(
        &subtree[1]["ledger"],
        weekly_rate,
        120.0,
        "subtree township after the emergency",
    );
    let township = json_of(
        app.get(
            &format!("/api/v1/burden?unit={TOWNSHIP}"),
            &township_reviewer,
        )
        .await,
        StatusCode::OK,
        "township burden",
    )
    .await;
    assert_eq!(township["inherited_from"], COUNTY);
    check_ledger(&township["ledger"], weekly_rate, BUDGET, "township");
    // Weekly instead of daily punch-in + log: about 12 minutes a month instead of 479.
    let minutes = burden["ledger"]["now"]["minutes_per_month"]
        .as_f64()
        .unwrap();
    assert!((11.9..12.0).contains(&minutes), "{minutes}");
}
