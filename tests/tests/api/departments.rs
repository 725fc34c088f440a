//! Issue 13 (一表通): one report, several departments. A department belongs to a unit and
//! reviews its subtree; its data needs name the template fields or outcome categories
//! that answer them; its reviewers see only that part of a report (plus the frame), review
//! it on their own, and count completeness over what they receive. The organization
//! department sees everything. Refusals store nothing.

use jianfu_tests::fixtures::{
    WEEK, at, field, ok_json, policy_body, put_report, revise_report, send, setup,
};
use jianfu_tests::{
    COUNTY, COUNTY_DEPARTMENT, OTHER_COUNTY, OTHER_TOWNSHIP_VILLAGE, PASSWORD, StatusCode,
    TOWNSHIP, TOWNSHIP_DEPARTMENT, TestApp, VILLAGE, expect_error, on_both_engines,
};
use jiff::civil::{Date, date};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

on_both_engines!(
    three_departments_share_one_report_over_six_weeks,
    each_department_sees_exactly_its_fields_matrix,
    departments_and_reviewer_accounts_refuse_bad_input,
    data_needs_of_a_department_refuse_bad_input,
    near_duplicate_labels_are_refused_or_warned,
);

/// Creates a department and returns its id.
async fn department(app: &TestApp, admin: &str, unit: &str, name: &str) -> i64 {
    let made = ok_json(
        app.post_json(
            "/api/v1/departments",
            Some(admin),
            &json!({ "org_unit": unit, "name": name }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["sees_everything"], false);
    made["id"].as_i64().expect("id")
}

/// Creates a reviewer of `department` at `unit` and signs them in.
async fn reviewer(
    app: &TestApp,
    admin: &str,
    username: &str,
    unit: &str,
    department: i64,
) -> String {
    let made = ok_json(
        app.post_json(
            "/api/v1/users",
            Some(admin),
            &json!({ "username": username, "password": PASSWORD, "role": "reviewer",
                     "org_unit": unit, "department_id": department }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["department_id"], department);
    app.login(username).await
}

/// Registers a need and returns the stored need.
async fn need(app: &TestApp, admin: &str, body: Value) -> Value {
    ok_json(
        app.post_json("/api/v1/data-needs", Some(admin), &body)
            .await,
        StatusCode::CREATED,
    )
    .await
}

fn keys(map: &Value) -> BTreeSet<String> {
    map.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn categories(outcomes: &Value) -> BTreeSet<String> {
    outcomes
        .as_array()
        .map(|list| {
            list.iter()
                .map(|o| o["category"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The latest revision's content of a report as `token` reads it.
async fn seen(app: &TestApp, token: &str, id: &str) -> Value {
    let detail = ok_json(
        app.get(&format!("/api/v1/reports/{id}"), token).await,
        StatusCode::OK,
    )
    .await;
    detail["revisions"].as_array().unwrap().last().unwrap()["content"].clone()
}

// ============================================================================ the story

const CADRES: usize = 30;
const WEEKS: usize = 6;
/// The township the revitalisation bureau's needs are about: the only cadres it receives.
const REVIVAL_TOWNSHIP: &str = TOWNSHIP;

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

fn cadre(c: usize) -> String {
    format!("dept.c{c:02}")
}

/// Thirty villages of the demo county, six in each of five townships (TOWNSHIP among them).
fn villages() -> Vec<String> {
    let townships = ["130928100", TOWNSHIP, "130928102", "130928103", "130928104"];
    let mut by_township: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for line in jianfu_server::demo::COUNTY_CSV.lines() {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() < 4 || cells[cells.len() - 2] != "village" {
            continue;
        }
        let parent = cells[cells.len() - 1].trim();
        if let Some(t) = townships.iter().find(|t| **t == parent) {
            by_township
                .entry(t)
                .or_default()
                .push(cells[0].trim().to_owned());
        }
    }
    let mut out = Vec::new();
    for t in townships {
        let mut list = by_township.remove(t).expect("township has villages");
        list.sort();
        out.extend(list.into_iter().take(6));
    }
    out
}

fn content(c: usize, w: usize) -> Value {
    json!({
        "outcomes": [
            { "id": format!("c{c}-w{w}-a"), "category": "产业发展", "what": format!("指导{c}户种植大棚蔬菜"), "for_whom": "种植户", "status": "done" },
            { "id": format!("c{c}-w{w}-b"), "category": "基础设施", "what": "协调修复村内道路", "for_whom": "村民", "status": "in_progress" },
            { "id": format!("c{c}-w{w}-c"), "category": "民生", "what": "调解邻里纠纷", "for_whom": "村民", "status": "done" },
        ],
        "fields": { "households": 10 + c, "contact": "13800000000", "planting": 50 + w, "low_income": c % 5 },
        "days_in_village": 5,
    })
}

async fn list_statuses(
    app: &TestApp,
    token: &str,
    query: &str,
) -> BTreeMap<String, (String, bool)> {
    let listed = ok_json(
        app.get(
            &format!("/api/v1/reports?unit={COUNTY}&limit=500&{query}"),
            token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["username"].as_str().unwrap().to_owned(),
                (
                    r["status"].as_str().unwrap().to_owned(),
                    r["answers_question"].as_bool().unwrap(),
                ),
            )
        })
        .collect()
}

async fn usernames(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    list_statuses(app, token, query).await.into_keys().collect()
}

#[allow(clippy::too_many_lines, reason = "one story, told in order")]
async fn three_departments_share_one_report_over_six_weeks(app: TestApp) {
    let admin = app.login("admin").await;
    let org = app.login("reviewer").await;
    app.clock.set(at(2026, 6, 20, 10, 0));

    // ---------------------------------------------------------------- the county's form
    let template = ok_json(
        app.post_json(
            "/api/v1/templates",
            Some(&admin),
            &json!({ "org_unit": COUNTY, "name": "一表通", "fields": [
                field("outcomes", "本周成果", "Outcomes", &json!({"type": "outcome_list", "max_items": 20}), 300),
                { "key": "households", "label_zh": "走访户数", "label_en": "Households visited", "type": "number",
                  "min": 0, "max": 500, "integer": true, "seconds_to_fill": 60, "concept": "households_visited" },
                { "key": "contact", "label_zh": "联系电话", "label_en": "Contact phone", "type": "text",
                  "max_chars": 20, "seconds_to_fill": 30, "stable": true },
            ]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(template["warnings"], json!([]));
    let template_id = template["id"].as_i64().unwrap();
    send(
        &app,
        Method::PUT,
        &format!("/api/v1/policies/{COUNTY}"),
        &admin,
        &policy_body(template_id, "weekly", 60),
    )
    .await;

    // ------------------------------------------------ three departments, overlapping needs
    let agri = department(&app, &admin, COUNTY, "县农业农村局").await;
    let civil = department(&app, &admin, COUNTY, "县民政局").await;
    let revival = department(&app, &admin, COUNTY, "县乡村振兴局").await;
    let agri_rev = reviewer(&app, &admin, "agri.rev", COUNTY, agri).await;
    let civil_rev = reviewer(&app, &admin, "civil.rev", COUNTY, civil).await;
    let revival_rev = reviewer(&app, &admin, "revival.rev", COUNTY, revival).await;

    // Two departments ask for households visited: both link to the one field.
    let a = need(
        &app,
        &admin,
        json!({ "org_unit": COUNTY, "department_id": agri, "label_zh": "入户走访户数",
        "label_en": "Households visited at home", "concept": "households_visited" }),
    )
    .await;
    assert_eq!(
        (a["resolution"].as_str(), a["field_key"].as_str()),
        (Some("linked"), Some("households"))
    );
    assert_eq!(a["department"], "县农业农村局");
    let b = need(
        &app,
        &admin,
        json!({ "org_unit": COUNTY, "department_id": civil, "label_zh": "走访户数",
        "label_en": "Visits" }),
    )
    .await;
    assert_eq!(
        (b["resolution"].as_str(), b["field_key"].as_str()),
        (Some("linked"), Some("households"))
    );
    // Each adds what nobody asked yet.
    let planting = need(
        &app,
        &admin,
        json!({ "org_unit": COUNTY, "department_id": agri, "label_zh": "蔬菜种植面积",
        "label_en": "Vegetable area", "field": field("planting", "蔬菜种植面积", "Vegetable area",
            &json!({"type": "number", "min": 0, "max": 10000}), 45) }),
    )
    .await;
    assert_eq!(planting["resolution"], "added");
    assert_eq!(planting["warnings"], json!([]));
    let low = need(&app, &admin, json!({ "org_unit": COUNTY, "department_id": civil, "label_zh": "低保户数",
        "label_en": "Low-income households", "field": field("low_income", "低保户数", "Low-income households",
            &json!({"type": "number", "min": 0, "max": 500, "integer": true}), 30) })).await;
    assert_eq!(low["resolution"], "added");
    // Outcomes answer needs too; the revitalisation bureau asks about one township only.
    need(
        &app,
        &admin,
        json!({ "org_unit": COUNTY, "department_id": agri, "label_zh": "产业发展成果",
        "label_en": "Industry outcomes", "outcome_category": "产业发展" }),
    )
    .await;
    need(
        &app,
        &admin,
        json!({ "org_unit": REVIVAL_TOWNSHIP, "department_id": revival, "label_zh": "联系电话",
        "label_en": "Contact", "field_key": "contact" }),
    )
    .await;
    need(
        &app,
        &admin,
        json!({ "org_unit": REVIVAL_TOWNSHIP, "department_id": revival, "label_zh": "基础设施成果",
        "label_en": "Infrastructure outcomes", "outcome_category": "基础设施" }),
    )
    .await;
    let audit = ok_json(
        app.get("/api/v1/audit?limit=500", &admin).await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "departments.create")
            .count(),
        3,
        "{actions:?}"
    );

    // ------------------------------------------------------------ 30 cadres, 6 weeks
    let villages = villages();
    assert_eq!(villages.len(), CADRES);
    let mut tokens = Vec::new();
    for (c, village) in villages.iter().enumerate() {
        ok_json(
            app.post_json(
                "/api/v1/users",
                Some(&admin),
                &json!({ "username": cadre(c), "password": PASSWORD,
            "display_name": format!("干部{c:02}"), "role": "cadre", "org_unit": village }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        ok_json(
            app.post_json(
                "/api/v1/postings",
                Some(&admin),
                &json!({ "username": cadre(c), "org_unit": village,
            "starts_on": "2026-06-01" }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        tokens.push(app.login(&cadre(c)).await);
    }
    let mut ids: Vec<Vec<String>> = vec![Vec::new(); CADRES];
    for w in 0..WEEKS {
        // Sunday evening of the week: every cadre reports once.
        let sunday = week_start(w)
            .checked_add(jiff::Span::new().days(6))
            .unwrap();
        app.clock
            .set(at(sunday.year(), sunday.month(), sunday.day(), 20, 0));
        for c in 0..CADRES {
            // No cadre is asked a field twice: the form has each field once, although six
            // field needs were registered on it.
            if c == 0 {
                let context = ok_json(
                    app.get(&format!("/api/v1/me/periods/{}", week_key(w)), &tokens[c])
                        .await,
                    StatusCode::OK,
                )
                .await;
                let form: Vec<&str> = context["template"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["key"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    form,
                    [
                        "outcomes",
                        "households",
                        "contact",
                        "planting",
                        "low_income"
                    ]
                );
            }
            let id = uuid::Uuid::new_v4().to_string();
            ok_json(
                put_report(&app, &tokens[c], &id, &week_key(w), &content(c, w)).await,
                StatusCode::CREATED,
            )
            .await;
            ids[c].push(id);
        }
    }
    assert_eq!(
        app.count("reports").await,
        i64::try_from(CADRES * WEEKS).unwrap()
    );
    assert_eq!(
        app.count("report_revisions").await,
        i64::try_from(CADRES * WEEKS).unwrap()
    );

    // ------------------------------------------------- each department sees exactly its part
    let revival_cadre = villages
        .iter()
        .position(|v| v.starts_with(REVIVAL_TOWNSHIP))
        .unwrap();
    let elsewhere = 0;
    assert!(!villages[elsewhere].starts_with(REVIVAL_TOWNSHIP));
    for c in [elsewhere, revival_cadre] {
        let id = &ids[c][1];
        let whole = seen(&app, &org, id).await;
        assert_eq!(
            keys(&whole["fields"]),
            set(&["households", "contact", "planting", "low_income"])
        );
        assert_eq!(
            categories(&whole["outcomes"]),
            set(&["产业发展", "基础设施", "民生"])
        );
        assert_eq!(whole["days_in_village"], 5);
        let agri_sees = seen(&app, &agri_rev, id).await;
        assert_eq!(keys(&agri_sees["fields"]), set(&["households", "planting"]));
        assert_eq!(categories(&agri_sees["outcomes"]), set(&["产业发展"]));
        assert!(agri_sees.get("days_in_village").is_none(), "{agri_sees}");
        let civil_sees = seen(&app, &civil_rev, id).await;
        assert_eq!(
            keys(&civil_sees["fields"]),
            set(&["households", "low_income"])
        );
        assert_eq!(categories(&civil_sees["outcomes"]), set(&[]));
        if c == revival_cadre {
            let revival_sees = seen(&app, &revival_rev, id).await;
            assert_eq!(keys(&revival_sees["fields"]), set(&["contact"]));
            assert_eq!(categories(&revival_sees["outcomes"]), set(&["基础设施"]));
        } else {
            expect_error(
                app.get(&format!("/api/v1/reports/{id}"), &revival_rev)
                    .await,
                StatusCode::FORBIDDEN,
                "not_received",
            )
            .await;
        }
    }
    // Lists: the revitalisation bureau receives one township's six cadres, the others all.
    let week1 = format!("period={}", week_key(1));
    assert_eq!(usernames(&app, &agri_rev, &week1).await.len(), CADRES);
    let received: Vec<String> = usernames(&app, &revival_rev, &week1).await;
    let expected: Vec<String> = (0..CADRES)
        .filter(|c| villages[*c].starts_with(REVIVAL_TOWNSHIP))
        .map(cadre)
        .collect();
    assert_eq!(received, expected);
    // The export holds the department's columns only.
    let csv = app
        .get(
            &format!("/api/v1/exports/reports.csv?unit={COUNTY}&lang=en"),
            &agri_rev,
        )
        .await
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("Households visited") && header.contains("Vegetable area"),
        "{header}"
    );
    assert!(
        !header.contains("Contact phone") && !header.contains("Low-income"),
        "{header}"
    );
    assert_eq!(csv.lines().count(), 1 + CADRES * WEEKS);
    let outcomes = app
        .get(
            &format!("/api/v1/exports/outcomes.csv?unit={COUNTY}&lang=en"),
            &revival_rev,
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        outcomes.lines().count(),
        1 + 6 * WEEKS,
        "one 基础设施 outcome per report of the township"
    );
    assert!(outcomes.lines().skip(1).all(|l| l.contains("基础设施")));

    // -------------------------------------------------------- reviews, per department
    let week0 = format!("period={}", week_key(0));
    let review = |token: &String, c: usize, question: Option<&str>| {
        let body = match question {
            Some(q) => json!({ "verdict": "needs_clarification", "question": q }),
            None => json!({ "verdict": "acknowledged" }),
        };
        let path = format!("/api/v1/reports/{}/reviews", ids[c][0]);
        let token = token.clone();
        let app = &app;
        async move {
            ok_json(
                app.post_json(&path, Some(&token), &body).await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    app.clock.set(at(2026, 7, 10, 9, 0));
    for c in 0..CADRES {
        review(&agri_rev, c, None).await;
    }
    let asked = review(&civil_rev, 0, Some("低保户数与上月不符，请核实")).await;
    assert_eq!(asked["department"], "县民政局");
    review(&civil_rev, 1, Some("请补充低保户名单来源")).await;
    let c2 = revival_cadre;
    let c3 = revival_cadre + 1;
    review(&revival_rev, c2, Some("道路修复进展如何？")).await;
    review(&revival_rev, c3, Some("联系电话是否更换？")).await;
    // The revitalisation bureau may not review a report it does not receive.
    expect_error(
        app.post_json(
            &format!("/api/v1/reports/{}/reviews", ids[0][0]),
            Some(&revival_rev),
            &json!({"verdict": "acknowledged"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "not_received",
    )
    .await;
    let agri_view = list_statuses(&app, &agri_rev, &week0).await;
    assert!(
        agri_view.values().all(|(s, _)| s == "acknowledged"),
        "{agri_view:?}"
    );
    let civil_view = list_statuses(&app, &civil_rev, &week0).await;
    for (name, (status, _)) in &civil_view {
        let expect = if [cadre(0), cadre(1)].contains(name) {
            "needs_clarification"
        } else {
            "submitted"
        };
        assert_eq!(status, expect, "{name}");
    }
    assert_eq!(
        usernames(
            &app,
            &civil_rev,
            &format!("{week0}&status=needs_clarification")
        )
        .await,
        [cadre(0), cadre(1)]
    );
    // The organization department has not reviewed: everything is still submitted for it.
    assert!(
        list_statuses(&app, &org, &week0)
            .await
            .values()
            .all(|(s, _)| s == "submitted")
    );

    // One cadre, questions from two departments on one page, answered by one revision.
    // Cadre c2 (in the township) was asked by the revitalisation bureau; make civil ask too.
    review(&civil_rev, c2, Some("低保户数为何为零？")).await;
    let context = ok_json(
        app.get(&format!("/api/v1/me/periods/{}", week_key(0)), &tokens[c2])
            .await,
        StatusCode::OK,
    )
    .await;
    let open = context["report"]["open_questions"].as_array().unwrap();
    let departments: Vec<&str> = open
        .iter()
        .map(|q| q["department"].as_str().unwrap())
        .collect();
    assert_eq!(
        departments,
        ["县乡村振兴局", "县民政局"],
        "grouped by department: {open:?}"
    );
    assert_eq!(context["report"]["status"], "needs_clarification");
    let mut answer = content(c2, 0);
    answer["outcomes"][1]["what"] = json!("协调修复村内道路，已完成路基");
    ok_json(
        revise_report(&app, &tokens[c2], &ids[c2][0], &week_key(0), &answer, 1).await,
        StatusCode::OK,
    )
    .await;
    let context = ok_json(
        app.get(&format!("/api/v1/me/periods/{}", week_key(0)), &tokens[c2])
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(context["report"]["open_questions"], json!([]));
    assert!(
        context["report"]["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["answered"] == true)
    );
    assert_eq!(
        app.count("report_revisions").await,
        i64::try_from(CADRES * WEEKS + 1).unwrap()
    );
    // Each inbox shows "revised since my question" for its own question only.
    let revised = format!("{week0}&status=revised");
    assert_eq!(usernames(&app, &civil_rev, &revised).await, [cadre(c2)]);
    assert_eq!(usernames(&app, &revival_rev, &revised).await, [cadre(c2)]);
    assert!(
        usernames(&app, &agri_rev, &revised).await.is_empty(),
        "agri asked nothing"
    );
    let civil_view = list_statuses(&app, &civil_rev, &week0).await;
    assert_eq!(civil_view[&cadre(c2)], ("submitted".to_owned(), true));
    assert_eq!(
        civil_view[&cadre(1)],
        ("needs_clarification".to_owned(), false)
    );
    // agri acknowledged revision 1: revision 2 is new to it.
    assert_eq!(
        list_statuses(&app, &agri_rev, &week0).await[&cadre(c2)],
        ("submitted".to_owned(), false)
    );
    assert_eq!(
        list_statuses(&app, &revival_rev, &week0).await[&cadre(c3)],
        ("needs_clarification".to_owned(), false)
    );
    // A department reads only its own reviews in a report's history.
    let detail = ok_json(
        app.get(&format!("/api/v1/reports/{}", ids[c2][0]), &civil_rev)
            .await,
        StatusCode::OK,
    )
    .await;
    let reviewers: BTreeSet<&str> = detail["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["department"].as_str().unwrap())
        .collect();
    assert_eq!(reviewers, BTreeSet::from(["县民政局"]));

    // ---------------------------------------------------- completeness per department
    app.clock.set(at(2026, 8, 20, 9, 0));
    let period = week_key(5);
    let counts = |body: &Value| {
        (
            body["counts"]["expected"].as_u64().unwrap(),
            body["counts"]["on_time"].as_u64().unwrap(),
            body["counts"]["missing"].as_u64().unwrap(),
        )
    };
    let path = format!("/api/v1/completeness?unit={COUNTY}&period={period}");
    let whole = ok_json(app.get(&path, &org).await, StatusCode::OK).await;
    assert_eq!(counts(&whole), (30, 30, 0));
    assert_eq!(whole["units"].as_array().unwrap().len(), 5);
    let agri_c = ok_json(app.get(&path, &agri_rev).await, StatusCode::OK).await;
    assert_eq!(counts(&agri_c), (30, 30, 0));
    let revival_c = ok_json(app.get(&path, &revival_rev).await, StatusCode::OK).await;
    assert_eq!(counts(&revival_c), (6, 6, 0));
    let units: Vec<&str> = revival_c["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(units, [REVIVAL_TOWNSHIP]);
    let grid = ok_json(
        app.get(
            &format!("/api/v1/completeness/grid?unit={COUNTY}"),
            &revival_rev,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rows: Vec<&str> = grid["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(rows, [REVIVAL_TOWNSHIP], "{grid}");

    // ------------------------------------------- the burden ledger: who asks for what
    let ledger = ok_json(
        app.get(&format!("/api/v1/departments/burden?unit={COUNTY}"), &admin)
            .await,
        StatusCode::OK,
    )
    .await;
    let rate = 365.25 / 12.0 / 7.0;
    let minutes = |seconds: f64| rate * seconds / 60.0;
    let lines: BTreeMap<&str, &Value> = ledger["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["department"].as_str().unwrap(), d))
        .collect();
    let line = |name: &str| lines[name];
    assert_eq!(
        (
            line("县农业农村局")["needs"].as_u64(),
            line("县农业农村局")["linked"].as_u64(),
            line("县农业农村局")["added"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(
        (
            line("县民政局")["needs"].as_u64(),
            line("县民政局")["linked"].as_u64(),
            line("县民政局")["added"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(
        (
            line("县乡村振兴局")["needs"].as_u64(),
            line("县乡村振兴局")["linked"].as_u64(),
            line("县乡村振兴局")["added"].as_u64()
        ),
        (Some(2), Some(2), Some(0))
    );
    let close = |v: &Value, expected: f64| {
        assert!(
            (v.as_f64().unwrap() - expected).abs() < 1e-9,
            "{v} != {expected}"
        );
    };
    close(&line("县农业农村局")["minutes_per_month"], minutes(45.0));
    close(&line("县民政局")["minutes_per_month"], minutes(30.0));
    close(&line("县乡村振兴局")["minutes_per_month"], 0.0);
    close(&ledger["base_minutes_per_month"], minutes(390.0));
    close(&ledger["total_minutes_per_month"], minutes(465.0));
    let sum: f64 = lines
        .values()
        .map(|d| d["minutes_per_month"].as_f64().unwrap())
        .sum::<f64>()
        + ledger["base_minutes_per_month"].as_f64().unwrap();
    close(&ledger["total_minutes_per_month"], sum);
    let burden = ok_json(
        app.get(&format!("/api/v1/burden?unit={COUNTY}"), &admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        burden["ledger"]["now"]["seconds_per_submission"], 465,
        "{burden}"
    );
    close(
        &ledger["total_minutes_per_month"],
        burden["ledger"]["now"]["minutes_per_month"]
            .as_f64()
            .unwrap(),
    );
}

// ============================================================================ the matrix

/// What a reader sees of a report: its fields and outcome categories, or the refusal.
type Sees = Result<(&'static [&'static str], &'static [&'static str]), (StatusCode, &'static str)>;

/// department × field × report: every reader and what they see of two reports, one from
/// the township and one from another township of the county.
#[allow(clippy::too_many_lines, reason = "one table")]
async fn each_department_sees_exactly_its_fields_matrix(app: TestApp) {
    let s = setup(&app).await;
    ok_json(
        app.post_json(
            "/api/v1/postings",
            Some(&s.admin),
            &json!({ "username": "other.cadre",
        "org_unit": OTHER_TOWNSHIP_VILLAGE, "starts_on": "2026-01-01" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let agri = department(&app, &s.admin, COUNTY, "县农业农村局").await;
    let civil = department(&app, &s.admin, COUNTY, "县民政局").await;
    let town = department(&app, &s.admin, TOWNSHIP, "镇民政办").await;
    need(&app, &s.admin, json!({ "org_unit": COUNTY, "department_id": agri, "label_zh": "走访户数", "label_en": "Visits" })).await;
    need(&app, &s.admin, json!({ "org_unit": COUNTY, "department_id": agri, "label_zh": "产业", "label_en": "Industry", "outcome_category": "产业发展" })).await;
    need(&app, &s.admin, json!({ "org_unit": COUNTY, "department_id": civil, "label_zh": "联系电话", "label_en": "Contact", "field_key": "contact" })).await;
    need(&app, &s.admin, json!({ "org_unit": TOWNSHIP, "department_id": town, "label_zh": "民生", "label_en": "Livelihood", "outcome_category": "民生" })).await;
    let agri_rev = reviewer(&app, &s.admin, "agri.rev", COUNTY, agri).await;
    let civil_rev = reviewer(&app, &s.admin, "civil.rev", COUNTY, civil).await;
    let town_rev = reviewer(&app, &s.admin, "town.rev", TOWNSHIP, town).await;
    let lonely = department(&app, &s.admin, COUNTY, "县档案馆").await;
    let lonely_rev = reviewer(&app, &s.admin, "lonely.rev", COUNTY, lonely).await;
    let other_cadre = app.login("other.cadre").await;
    let body = |c: &str| {
        json!({
        "outcomes": [
            { "id": format!("{c}-1"), "category": "民生", "what": "走访低保户", "for_whom": "低保户", "status": "done" },
            { "id": format!("{c}-2"), "category": "产业发展", "what": "组织电商培训", "for_whom": "村民", "status": "done" },
        ],
        "fields": { "contact": "13800000000", "households": 12 }, "days_in_village": 5 })
    };
    let here = "11111111-1111-4111-8111-111111111111";
    let there = "22222222-2222-4222-8222-222222222222";
    ok_json(
        put_report(&app, &s.cadre, here, WEEK, &body("a")).await,
        StatusCode::CREATED,
    )
    .await;
    ok_json(
        put_report(&app, &other_cadre, there, WEEK, &body("b")).await,
        StatusCode::CREATED,
    )
    .await;

    // None: refused (`code`); Some((fields, categories)).
    let everything: Sees = Ok((&["contact", "households"], &["民生", "产业发展"]));
    let table: Vec<(&str, &String, &str, Sees)> = vec![
        ("organization", &s.reviewer, here, everything),
        ("organization", &s.reviewer, there, everything),
        ("admin", &s.admin, here, everything),
        ("own cadre", &s.cadre, here, everything),
        (
            "other cadre",
            &s.cadre,
            there,
            Err((StatusCode::FORBIDDEN, "out_of_scope")),
        ),
        (
            "agri",
            &agri_rev,
            here,
            Ok((&["households"], &["产业发展"])),
        ),
        (
            "agri",
            &agri_rev,
            there,
            Ok((&["households"], &["产业发展"])),
        ),
        ("civil", &civil_rev, here, Ok((&["contact"], &[]))),
        ("civil", &civil_rev, there, Ok((&["contact"], &[]))),
        ("town", &town_rev, here, Ok((&[], &["民生"]))),
        (
            "town, another subtree",
            &town_rev,
            there,
            Err((StatusCode::FORBIDDEN, "out_of_scope")),
        ),
        (
            "a department with no needs",
            &lonely_rev,
            here,
            Err((StatusCode::FORBIDDEN, "not_received")),
        ),
    ];
    for (who, token, id, sees) in table {
        let response = app.get(&format!("/api/v1/reports/{id}"), token).await;
        match sees {
            Ok((fields, cats)) => {
                let detail = ok_json(response, StatusCode::OK).await;
                let content = &detail["revisions"][0]["content"];
                assert_eq!(
                    keys(&content["fields"]),
                    set(fields),
                    "{who} reading {id}: {content}"
                );
                assert_eq!(
                    categories(&content["outcomes"]),
                    set(cats),
                    "{who} reading {id}: {content}"
                );
                // The frame is always there.
                for frame in [
                    "username",
                    "display_name",
                    "org_unit",
                    "village_name",
                    "period_key",
                    "status",
                ] {
                    assert!(!detail[frame].is_null(), "{who}: {frame}");
                }
            }
            Err((status, code)) => {
                expect_error(response, status, code).await;
            }
        }
    }
    // The list follows the same reach; a cadre lists only their own; the export too.
    let town_list = ok_json(
        app.get(&format!("/api/v1/reports?unit={TOWNSHIP}"), &town_rev)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(town_list["items"].as_array().unwrap().len(), 1);
    assert_eq!(usernames(&app, &lonely_rev, "").await.len(), 0);
    assert_eq!(usernames(&app, &agri_rev, "").await.len(), 2);
    let csv = app
        .get(
            &format!("/api/v1/exports/reports.csv?unit={COUNTY}&lang=en"),
            &civil_rev,
        )
        .await
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("Contact phone") && !header.contains("Households visited"),
        "{header}"
    );
    assert!(!header.contains("days in village"), "{header}");
    let outcomes = app
        .get(
            &format!("/api/v1/exports/outcomes.csv?unit={COUNTY}"),
            &civil_rev,
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        outcomes.lines().count(),
        1,
        "civil asked for no outcomes: {outcomes}"
    );
    let outcomes = app
        .get(
            &format!("/api/v1/exports/outcomes.csv?unit={COUNTY}"),
            &s.reviewer,
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(outcomes.lines().count(), 5);
    // A reviewer of a department changes what they see when an admin moves them.
    let moved = ok_json(
        send(
            &app,
            Method::PATCH,
            "/api/v1/users/lonely.rev",
            &s.admin,
            &json!({ "department_id": agri }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["department_id"], agri);
    let now = seen(&app, &lonely_rev, here).await;
    assert_eq!(keys(&now["fields"]), set(&["households"]));
    let audit = ok_json(
        app.get("/api/v1/audit?limit=5", &s.admin).await,
        StatusCode::OK,
    )
    .await;
    let last = &audit["items"][0];
    assert_eq!(last["action"], "users.change");
    let after: Value = serde_json::from_str(last["after"].as_str().unwrap()).unwrap();
    assert_eq!(after["department_id"], agri, "{last}");
}

// ============================================================================ refusals

#[allow(clippy::too_many_lines, reason = "one refusal after another")]
async fn departments_and_reviewer_accounts_refuse_bad_input(app: TestApp) {
    let admin = app.login("admin").await;
    let reviewer = app.login("reviewer").await;
    let other_admin = app.login("other.admin").await;
    let cadre = app.login("cadre").await;
    // The seeded reviewers kept working: each is in its unit's organization department.
    let listed = ok_json(app.get("/api/v1/departments", &admin).await, StatusCode::OK).await;
    let seeded: Vec<(i64, &str, bool)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_i64().unwrap(),
                d["org_unit"].as_str().unwrap(),
                d["sees_everything"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seeded,
        [
            (COUNTY_DEPARTMENT, COUNTY, true),
            (TOWNSHIP_DEPARTMENT, TOWNSHIP, true)
        ]
    );
    let before = app.count("departments").await;
    let post = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.post_json("/api/v1/departments", Some(&token), &body)
                .await
        }
    };
    let body = json!({ "org_unit": COUNTY, "name": "县民政局" });
    expect_error(
        post(&reviewer, body.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    expect_error(
        post(&cadre, body.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    expect_error(
        post(&other_admin, body.clone()).await,
        StatusCode::FORBIDDEN,
        "out_of_scope",
    )
    .await;
    expect_error(
        post(&admin, json!({ "org_unit": "130928199", "name": "x" })).await,
        StatusCode::NOT_FOUND,
        "org_unit_not_found",
    )
    .await;
    expect_error(
        post(&admin, json!({ "org_unit": COUNTY, "name": "  " })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(app.count("departments").await, before);
    let civil = ok_json(post(&admin, body.clone()).await, StatusCode::CREATED).await;
    let taken = expect_error(
        post(&admin, body).await,
        StatusCode::CONFLICT,
        "department_exists",
    )
    .await;
    assert_eq!(taken["details"]["existing"]["id"], civil["id"]);
    assert_eq!(app.count("departments").await, before + 1);
    expect_error(
        app.get("/api/v1/departments", &cadre).await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    expect_error(
        app.get(&format!("/api/v1/departments?unit={OTHER_COUNTY}"), &admin)
            .await,
        StatusCode::FORBIDDEN,
        "out_of_scope",
    )
    .await;

    // Reviewer accounts: only reviewers belong to a department, one whose unit contains theirs.
    let civil = civil["id"].as_i64().unwrap();
    let users = app.count("users").await;
    let user = |username: &str, role: &str, unit: &str, department: i64| json!({ "username": username, "password": PASSWORD, "role": role, "org_unit": unit, "department_id": department });
    let refused = expect_error(
        app.post_json(
            "/api/v1/users",
            Some(&admin),
            &user("c.x", "cadre", VILLAGE, civil),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["details"]["field"], "department_id");
    expect_error(
        app.post_json(
            "/api/v1/users",
            Some(&admin),
            &user("r.x", "reviewer", COUNTY, 9999),
        )
        .await,
        StatusCode::NOT_FOUND,
        "department_not_found",
    )
    .await;
    let outside = expect_error(
        app.post_json(
            "/api/v1/users",
            Some(&admin),
            &user("r.y", "reviewer", COUNTY, TOWNSHIP_DEPARTMENT),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(outside["details"]["department_unit"], TOWNSHIP);
    let other_dept = ok_json(
        post(
            &other_admin,
            json!({ "org_unit": OTHER_COUNTY, "name": "献县民政局" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_error(
        app.post_json(
            "/api/v1/users",
            Some(&admin),
            &user(
                "r.z",
                "reviewer",
                COUNTY,
                other_dept["id"].as_i64().unwrap(),
            ),
        )
        .await,
        StatusCode::NOT_FOUND,
        "department_not_found",
    )
    .await;
    assert_eq!(app.count("users").await, users);
    // A township reviewer may belong to the county's department; without one, their unit's
    // organization department.
    let made = ok_json(
        app.post_json(
            "/api/v1/users",
            Some(&admin),
            &user("r.ok", "reviewer", TOWNSHIP, civil),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["department_id"], civil);
    let plain = ok_json(
        app.post_json(
            "/api/v1/users",
            Some(&admin),
            &json!({ "username": "r.plain", "password": PASSWORD,
        "role": "reviewer", "org_unit": TOWNSHIP }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(plain["department_id"], TOWNSHIP_DEPARTMENT);
    // PATCH: a cadre gets none; a reviewer moved out of their department's subtree is refused.
    expect_error(
        send(
            &app,
            Method::PATCH,
            "/api/v1/users/cadre",
            &admin,
            &json!({ "department_id": civil }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(
        send(
            &app,
            Method::PATCH,
            "/api/v1/users/reviewer",
            &admin,
            &json!({ "department_id": TOWNSHIP_DEPARTMENT }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A reviewer made an admin leaves their department.
    let promoted = ok_json(
        send(
            &app,
            Method::PATCH,
            "/api/v1/users/r.plain",
            &admin,
            &json!({ "role": "admin" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(promoted["department_id"], Value::Null);
}

#[allow(clippy::too_many_lines, reason = "one refusal after another")]
async fn data_needs_of_a_department_refuse_bad_input(app: TestApp) {
    let s = setup(&app).await;
    let civil = department(&app, &s.admin, COUNTY, "县民政局").await;
    let before = (app.count("data_needs").await, app.count("audit_log").await);
    let post = |body: Value| {
        let app = &app;
        let token = s.admin.clone();
        async move {
            app.post_json("/api/v1/data-needs", Some(&token), &body)
                .await
        }
    };
    let base = |extra: Value| {
        let mut body = json!({ "org_unit": COUNTY, "department_id": civil, "label_zh": "新需求", "label_en": "New need" });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    expect_error(
        post(base(
            json!({ "department_id": 9999, "field_key": "contact" }),
        ))
        .await,
        StatusCode::NOT_FOUND,
        "department_not_found",
    )
    .await;
    let unknown = expect_error(
        post(base(json!({ "field_key": "nope" }))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        unknown["details"]["fields"],
        json!(["outcomes", "contact", "households"])
    );
    expect_error(
        post(base(
            json!({ "field_key": "contact", "outcome_category": "民生" }),
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(
        post(base(json!({ "outcome_category": "" }))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_error(
        post(
            json!({ "org_unit": COUNTY, "department": "民政局", "label_zh": "x", "label_en": "x" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    // A township department's need on another township: not on one line of the tree.
    let outside = expect_error(
        post(
            json!({ "org_unit": "130928100", "department_id": TOWNSHIP_DEPARTMENT, "label_zh": "x",
        "label_en": "x", "field_key": "contact" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(outside["details"]["department_unit"], TOWNSHIP);
    // Another county's department is not the admin's to name.
    let other_admin = app.login("other.admin").await;
    let theirs = ok_json(
        app.post_json(
            "/api/v1/departments",
            Some(&other_admin),
            &json!({ "org_unit": OTHER_COUNTY, "name": "献县民政局" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_error(
        post(base(
            json!({ "department_id": theirs["id"], "field_key": "contact" }),
        ))
        .await,
        StatusCode::NOT_FOUND,
        "department_not_found",
    )
    .await;
    assert_eq!(
        (
            app.count("data_needs").await,
            app.count("audit_log").await - 1
        ),
        before
    );
    // The need lists with its department.
    need(&app, &s.admin, base(json!({ "field_key": "contact" }))).await;
    let listed = ok_json(
        app.get("/api/v1/data-needs", &s.reviewer).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["department_id"], civil);
    assert_eq!(listed["items"][0]["department"], "县民政局");
}

#[allow(clippy::too_many_lines, reason = "one refusal after another")]
async fn near_duplicate_labels_are_refused_or_warned(app: TestApp) {
    let s = setup(&app).await;
    let number = json!({"type": "number", "min": 0, "max": 500, "integer": true});
    // Similar labels: saved, with a warning naming the field to link to.
    let template = ok_json(
        app.post_json(
            "/api/v1/templates",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "name": "试用",
            "fields": [field("visits", "走访户数", "Households visited", &number, 30),
                       field("home_visits", "入户走访户数", "Home visits", &number, 30),
                       field("paired", "帮扶户数", "Households helped", &number, 30),
                       field("people", "走访人数", "People visited", &number, 30)] }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let warnings = template["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["code"], "similar_field");
    assert_eq!(warnings[0]["details"]["key"], "home_visits");
    assert_eq!(warnings[0]["details"]["existing_key"], "visits");
    // The same concept under another label: refused, nothing stored.
    let templates = app.count("templates").await;
    let mut visits = field("visits", "走访户数", "Households visited", &number, 30);
    visits["concept"] = json!("households_visited");
    let mut home = field("home_visits", "入户走访户数", "Home visits", &number, 30);
    home["concept"] = json!("households_visited");
    let refused = expect_error(
        app.post_json(
            "/api/v1/templates",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "name": "试用", "fields": [visits, home] }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_field",
    )
    .await;
    assert!(refused.to_string().contains("concept"), "{refused}");
    assert_eq!(app.count("templates").await, templates);

    // Data needs on the set-up template (走访户数 = households).
    let civil = department(&app, &s.admin, COUNTY, "县民政局").await;
    // Unmatched, but one field reads alike: the refusal names it.
    let unmatched = expect_error(
        app.post_json(
            "/api/v1/data-needs",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "department_id": civil,
            "label_zh": "入户走访户数", "label_en": "Home visits" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "data_need_unmatched",
    )
    .await;
    assert_eq!(unmatched["details"]["similar"]["key"], "households");
    assert!(
        unmatched["message_zh"]
            .as_str()
            .unwrap()
            .contains("households")
    );
    // A field with the concept of an existing one: refused.
    let needs = app.count("data_needs").await;
    let mut same = field("home_visits", "入户走访户数", "Home visits", &number, 20);
    same["concept"] = json!("households_visited");
    let with_concept = ok_json(
        app.get(&format!("/api/v1/templates/{}", s.template_id), &s.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    let mut fields = with_concept["fields"].as_array().unwrap().clone();
    fields[2]["concept"] = json!("households_visited");
    ok_json(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/templates/{}", s.template_id),
            &s.admin,
            &json!({ "name": "驻村周报", "fields": fields }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let refused = expect_error(
        app.post_json(
            "/api/v1/data-needs",
            Some(&s.admin),
            &json!({ "org_unit": COUNTY, "department_id": civil,
            "label_zh": "入户走访户数", "label_en": "Home visits", "field": same }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_field",
    )
    .await;
    assert_eq!(
        refused["details"]["problems"][0]["details"]["other_key"],
        "households"
    );
    assert_eq!(app.count("data_needs").await, needs);
    // Only similar: added, with the warning and the field to link to.
    let added = need(&app, &s.admin, json!({ "org_unit": COUNTY, "department_id": civil, "label_zh": "结对走访户数",
        "label_en": "Paired visits", "field": field("paired_visits", "结对走访户数", "Paired visits", &number, 10) })).await;
    assert_eq!(added["resolution"], "added");
    assert_eq!(added["warnings"][0]["code"], "similar_field");
    assert_eq!(
        added["warnings"][0]["details"]["existing_key"],
        "households"
    );
    // Linking explicitly instead: nothing added, nothing warned.
    let linked = need(
        &app,
        &s.admin,
        json!({ "org_unit": COUNTY, "department_id": civil, "label_zh": "入户走访户数",
        "label_en": "Home visits", "field_key": "households" }),
    )
    .await;
    assert_eq!(
        (
            linked["resolution"].as_str(),
            linked["warnings"].as_array().map(Vec::len)
        ),
        (Some("linked"), Some(0))
    );
}
