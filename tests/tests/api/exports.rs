//! Exports as files: scoped like every list and refused in the API's JSON; CSV with a BOM,
//! RFC 4180 quoting and formulas guarded; times in the policy's local time; the workbook
//! read back with calamine and checked against `GET /api/v1/reports`; completeness as
//! `GET /api/v1/completeness` says it.

use jianfu_tests::fixtures::{WEEK, at, ok_json, outcome, send, setup};
use jianfu_tests::{
    COUNTY, OTHER_TOWNSHIP_VILLAGE, StatusCode, TOWNSHIP, TestApp, VILLAGE, expect_error,
    on_both_engines,
};
use reqwest::Method;
use serde_json::{Value, json};

pub(crate) mod workbooks;

on_both_engines!(
    exports_are_scoped_and_refused_in_json,
    csv_has_a_bom_quotes_and_guarded_formulas,
    times_are_local_to_the_policy
);

pub(crate) const LAST_WEEK: &str = "weekly:2026-11-09";
const EXPORTS: [&str; 5] = [
    "/api/v1/exports/reports.csv",
    "/api/v1/exports/outcomes.csv",
    "/api/v1/exports/reports.xlsx",
    "/api/v1/exports/completeness.csv",
    "/api/v1/exports/completeness.xlsx",
];

/// A field-rich outcome set: a comma, quotes and a line break; formulas; a geotag.
fn tricky_outcomes() -> Vec<Value> {
    let mut road = outcome("o1", "修路，\"三组\"\n第二段", "done");
    road["quantity"] = json!({ "value": 350, "unit": "米" });
    road["geotag"] = json!({ "lat": 37.628, "lon": 116.391 });
    let formula = outcome("o2", "=HYPERLINK(\"http://x\",\"点我\")", "in_progress");
    let mut at_sign = outcome("o3", "@SUM(1+1)", "blocked");
    at_sign["for_whom"] = json!("+86 村民");
    vec![road, formula, at_sign]
}

async fn put(
    app: &TestApp,
    token: &str,
    id: &str,
    period: &str,
    outcomes: &[Value],
    sealed_at: Option<i64>,
) {
    let mut body = json!({ "period": period, "content": {
        "outcomes": outcomes, "fields": { "contact": "-13800000000", "households": 12 }, "days_in_village": 5 } });
    if let Some(at) = sealed_at {
        body["sealed_at"] = json!(at);
    }
    let response = send(
        app,
        Method::PUT,
        &format!("/api/v1/reports/{id}"),
        token,
        &body,
    )
    .await;
    ok_json(response, StatusCode::CREATED).await;
}

/// The set-up of the fixtures plus two more cadres: `other.cadre` in the other township
/// (sealed on time but delivered late for last week, on time this week), 张三 in the
/// cadre's village (late for last week), and 李四 exempt. The cadre's report of this week
/// is acknowledged. Returns the admin's, the county reviewer's and the cadre's tokens.
pub(crate) async fn reports(app: &TestApp) -> (String, String, String) {
    let s = setup(app).await;
    for (username, name, village) in [
        ("zhang.san", "张三", VILLAGE),
        ("li.si", "李四", OTHER_TOWNSHIP_VILLAGE),
    ] {
        let body = json!({ "username": username, "password": jianfu_tests::PASSWORD,
            "display_name": name, "role": "cadre", "org_unit": village });
        ok_json(
            app.post_json("/api/v1/users", Some(&s.admin), &body).await,
            StatusCode::CREATED,
        )
        .await;
    }
    for (username, village) in [
        ("other.cadre", OTHER_TOWNSHIP_VILLAGE),
        ("zhang.san", VILLAGE),
        ("li.si", OTHER_TOWNSHIP_VILLAGE),
    ] {
        let body = json!({ "username": username, "org_unit": village, "starts_on": "2026-01-01" });
        ok_json(
            app.post_json("/api/v1/postings", Some(&s.admin), &body)
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let body = json!({ "username": "li.si", "kind": "training", "starts_on": "2026-11-01", "ends_on": "2026-11-30", "note": "培训" });
    ok_json(
        app.post_json("/api/v1/exemptions", Some(&s.admin), &body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let other = app.login("other.cadre").await;
    let zhang = app.login("zhang.san").await;
    let plain = [outcome("a", "走访困难户", "done")];
    put(
        app,
        &s.cadre,
        "11111111-1111-4111-8111-111111111111",
        WEEK,
        &tricky_outcomes(),
        None,
    )
    .await;
    put(
        app,
        &other,
        "22222222-2222-4222-8222-222222222222",
        LAST_WEEK,
        &plain,
        Some(at(2026, 11, 12, 9, 0)),
    )
    .await;
    put(
        app,
        &other,
        "33333333-3333-4333-8333-333333333333",
        WEEK,
        &plain,
        None,
    )
    .await;
    put(
        app,
        &zhang,
        "44444444-4444-4444-8444-444444444444",
        LAST_WEEK,
        &plain,
        None,
    )
    .await;
    let review = json!({ "verdict": "acknowledged" });
    let path = "/api/v1/reports/11111111-1111-4111-8111-111111111111/reviews";
    ok_json(
        app.post_json(path, Some(&s.reviewer), &review).await,
        StatusCode::CREATED,
    )
    .await;
    (s.admin, s.reviewer, s.cadre)
}

pub(crate) async fn download(
    app: &TestApp,
    path: &str,
    token: &str,
) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.get(path, token).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&body)
    );
    (headers, body)
}

/// The rows of a CSV export (header included), checking its byte-order mark.
pub(crate) fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let rest = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a UTF-8 BOM first");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(rest)
        .records()
        .map(|r| r.expect("RFC 4180 CSV").iter().map(str::to_owned).collect())
        .collect()
}

pub(crate) fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h.starts_with(name))
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// Every report of `unit` the API lists, by id.
pub(crate) async fn api_reports(app: &TestApp, token: &str, unit: &str) -> Vec<Value> {
    let page = ok_json(
        app.get(&format!("/api/v1/reports?unit={unit}&limit=500"), token)
            .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().expect("items").clone()
}

async fn exports_are_scoped_and_refused_in_json(app: TestApp) {
    let (admin, _, cadre) = reports(&app).await;
    for path in EXPORTS {
        expect_error(
            app.get(path, &cadre).await,
            StatusCode::FORBIDDEN,
            "forbidden_role",
        )
        .await;
        let other = app.login("other.admin").await;
        let scoped = format!("{path}?unit={COUNTY}");
        expect_error(
            app.get(&scoped, &other).await,
            StatusCode::FORBIDDEN,
            "out_of_scope",
        )
        .await;
        let sorted = format!("{path}?sort=count");
        expect_error(
            app.get(&sorted, &admin).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
        )
        .await;
        let lang = format!("{path}?lang=fr");
        expect_error(
            app.get(&lang, &admin).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
        )
        .await;
    }
    let township = app.login("township.reviewer").await;
    let scoped = format!("/api/v1/exports/reports.csv?unit={COUNTY}");
    expect_error(
        app.get(&scoped, &township).await,
        StatusCode::FORBIDDEN,
        "out_of_scope",
    )
    .await;
    for bad in [
        "from=2026-13-01",
        "to=11/30/2026",
        "from=2026-11-20&to=2026-11-01",
    ] {
        let path = format!("/api/v1/exports/reports.xlsx?{bad}");
        let body = expect_error(
            app.get(&path, &admin).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(body["details"]["field"].is_string(), "{body}");
    }
    // A township reviewer sees their own subtree only, by default.
    let (_, bytes) = download(&app, "/api/v1/exports/reports.csv", &township).await;
    let rows = csv_rows(&bytes);
    let village = column(&rows[0], "村代码");
    let ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids.len(), 2, "{rows:?}");
    assert!(
        rows[1..].iter().all(|r| r[village].starts_with(TOWNSHIP)),
        "{rows:?}"
    );
    // The period range: from last week's Tuesday, only this week's reports.
    let (_, bytes) = download(
        &app,
        "/api/v1/exports/reports.csv?from=2026-11-10&to=2026-11-16",
        &admin,
    )
    .await;
    let rows = csv_rows(&bytes);
    let period = column(&rows[0], "周期");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[1..].iter().all(|r| r[period] == WEEK), "{rows:?}");
}

async fn csv_has_a_bom_quotes_and_guarded_formulas(app: TestApp) {
    let (_, reviewer, _) = reports(&app).await;
    let path = format!("/api/v1/exports/outcomes.csv?unit={VILLAGE}&from=2026-11-01&to=2026-11-30");
    let (headers, bytes) = download(&app, &path, &reviewer).await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"]
        .to_str()
        .expect("ASCII header");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    // 成果_130928101201_2026-11-01_2026-11-30.csv, percent-encoded in UTF-8.
    assert!(
        disposition
            .contains("filename*=UTF-8''%E6%88%90%E6%9E%9C_130928101201_2026-11-01_2026-11-30.csv"),
        "{disposition}"
    );
    let rows = csv_rows(&bytes);
    let header = &rows[0];
    let (what, for_whom, status) = (
        column(header, "做了什么"),
        column(header, "为谁"),
        column(header, "进展"),
    );
    let (quantity, geotag) = (column(header, "数量"), column(header, "有位置标记"));
    let ours: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|r| r[0].starts_with("1111"))
        .collect();
    assert_eq!(ours.len(), 3, "{rows:?}");
    assert_eq!(
        ours[0][what], "修路，\"三组\"\n第二段",
        "quoting round-trips"
    );
    assert_eq!(
        (ours[0][quantity].as_str(), ours[0][geotag].as_str()),
        ("350", "是")
    );
    assert_eq!(
        ours[1][what], "'=HYPERLINK(\"http://x\",\"点我\")",
        "a formula is guarded"
    );
    assert_eq!(ours[1][status], "进行中");
    assert_eq!(
        (ours[2][what].as_str(), ours[2][for_whom].as_str()),
        ("'@SUM(1+1)", "'+86 村民")
    );
    assert!(
        !bytes.windows(3).any(|w| w == b"37."),
        "no coordinates in the export"
    );
    // The report table guards a field too, and speaks English when asked.
    let path = format!("/api/v1/exports/reports.csv?unit={VILLAGE}&lang=en");
    let (headers, bytes) = download(&app, &path, &reviewer).await;
    let disposition = headers["content-disposition"]
        .to_str()
        .expect("ASCII header");
    assert!(
        disposition.contains(&format!("filename=\"reports_{VILLAGE}.csv\"")),
        "{disposition}"
    );
    let rows = csv_rows(&bytes);
    let header = &rows[0];
    let chinese = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    assert!(!header.iter().any(|h| chinese(h)), "{header:?}");
    let mine = rows
        .iter()
        .find(|r| r[0].starts_with("1111"))
        .expect("the cadre's report");
    assert_eq!(mine[column(header, "Contact phone")], "'-13800000000");
    assert_eq!(mine[column(header, "Households visited")], "12");
    assert_eq!(mine[column(header, "status")], "acknowledged");
    assert_eq!(mine[column(header, "timeliness")], "on time");
    assert_eq!(mine[column(header, "outcomes")], "3");
    assert_eq!(mine[column(header, "days in village")], "5");
}

async fn times_are_local_to_the_policy(app: TestApp) {
    let (admin, _, _) = reports(&app).await;
    let (_, bytes) = download(&app, "/api/v1/exports/reports.csv", &admin).await;
    let rows = csv_rows(&bytes);
    let header = &rows[0];
    let received = column(header, "首次收到");
    assert_eq!(header[received], "首次收到（Asia/Shanghai 当地时间）");
    let (end, timeliness) = (column(header, "周期止"), column(header, "时效"));
    for row in &rows[1..] {
        // Received at 10:00 in Shanghai: 02:00 in UTC, which must not appear.
        assert_eq!(row[received], "2026-11-25 10:00:00", "{row:?}");
        assert_eq!(row[column(header, "最后更新")], "2026-11-25 10:00:00");
    }
    let words: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[end].as_str(), r[timeliness].as_str()))
        .collect();
    assert_eq!(
        words,
        [
            ("2026-11-15", "按时封存，迟送达"),
            ("2026-11-22", "按时"),
            ("2026-11-22", "按时"),
            ("2026-11-15", "迟报")
        ],
        "tree order, then name, then period; the last day of the period"
    );
}
