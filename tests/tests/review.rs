//! End to end in headless Chromium, as a county reviewer uses jianfu: the reviewer page
//! served by the real server, on a county where one week's reports are in — one on time,
//! one late, one missing, one exempt, one in the next township. The reviewer finds who is
//! missing in a township, reads a report and asks a question; the cadre sees the question on
//! her page and answers it with a revision; the inbox shows the report as revised since the
//! question; the reviewer acknowledges it, reopens a locked week, reads the burden ledger,
//! and exports the reports to XLSX, which the test reads back and checks against the API.
//! Screenshots of each view at 390 and 1366 px go to `$CARGO_TARGET_DIR/screenshots/`.

use jianfu_core::Role;
use jianfu_server::service::accounts::{self, Caller, NewAccount};
use jianfu_tests::fixtures::{at, field, ok_json, policy_body, put_report, send};
use jianfu_tests::pages::{
    DESKTOP, assert_language, click, device_clock, screenshots, script, sign_in, tab_to, type_into,
    viewport, wait_js,
};
use jianfu_tests::webdriver::{Browser, keys};
use jianfu_tests::{COUNTY, Engine, PASSWORD, StatusCode, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

const TOWNSHIP: &str = "130928101"; // 铁城镇
const W45: &str = "weekly:2026-11-02";
const W46: &str = "weekly:2026-11-09";

/// Cadres: username, name, village. The first four serve in 铁城镇, the last next door.
const CADRES: &[(&str, &str, &str)] = &[
    ("wang.li", "王丽", "130928101201"),
    ("li.qiang", "李强", "130928101202"),
    ("zhang.min", "张敏", "130928101203"),
    ("zhao.jun", "赵军", "130928101204"),
    ("sun.hong", "孙红", "130928100201"),
];

/// Report ids (the client makes them).
const WANG_W45: &str = "0b8a5a3c-5f0e-4c1e-9a53-2f7d1c0e6b45";
const WANG_W46: &str = "0b8a5a3c-5f0e-4c1e-9a53-2f7d1c0e6b46";
const LI_W46: &str = "1b8a5a3c-5f0e-4c1e-9a53-2f7d1c0e6b46";
const SUN_W46: &str = "5b8a5a3c-5f0e-4c1e-9a53-2f7d1c0e6b46";

const ROAD: &str = "修通村东头至小学的道路 300 米";
const ROAD_DONE: &str = "村东头至小学的道路 300 米已全部硬化，验收合格";

fn outcome(id: &str, what: &str, status: &str) -> Value {
    json!({ "id": id, "category": "基础设施", "what": what, "for_whom": "全村村民", "status": status })
}

fn content(outcomes: &[Value], households: u32) -> Value {
    json!({ "outcomes": outcomes, "fields": { "households": households }, "days_in_village": 5 })
}

async fn api_ok(app: &TestApp, method: Method, path: &str, token: &str, body: &Value) -> Value {
    let response = send(app, method, path, token, body).await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    ok_json(app.get(path, token).await, StatusCode::OK).await
}

/// The county of the demo with a weekly policy, five cadres, and week 46's reports: 王丽 on
/// time (her outcome continues week 45's), 李强 late, 张敏 missing, 赵军 on leave, 孙红 (the
/// next township) on time. The clock ends on Wednesday 2026-11-25 10:00: week 46 is closed
/// (due 11-17, on time until 11-19), week 45 locked, week 47 inside its grace.
async fn county_with_a_week_of_reports() -> TestApp {
    let app = TestApp::seeded(Engine::Sqlite).await.expect("SQLite");
    let admin = app.login("admin").await;
    let template = api_ok(&app, Method::POST, "/api/v1/templates", &admin, &json!({
        "org_unit": COUNTY, "name": "驻村周报", "fields": [
            field("outcomes", "本周成果", "Outcomes", &json!({"type": "outcome_list", "max_items": 20}), 600),
            field("households", "走访户数", "Households visited", &json!({"type": "number", "min": 0, "max": 500, "integer": true}), 120),
        ]})).await;
    let policy = policy_body(template["id"].as_i64().expect("id"), "weekly", 60);
    api_ok(
        &app,
        Method::PUT,
        &format!("/api/v1/policies/{COUNTY}"),
        &admin,
        &policy,
    )
    .await;
    for (username, name, village) in CADRES {
        let account = NewAccount {
            username: (*username).to_owned(),
            password: PASSWORD.to_owned(),
            display_name: Some((*name).to_owned()),
            role: Role::Cadre,
            org_unit: (*village).to_owned(),
            department_id: None,
        };
        accounts::create(&app.services, Caller::System("test"), account)
            .await
            .expect("cadre");
        let posting =
            json!({ "username": username, "org_unit": village, "starts_on": "2026-06-01" });
        api_ok(&app, Method::POST, "/api/v1/postings", &admin, &posting).await;
    }
    let leave = json!({ "username": "zhao.jun", "kind": "leave", "starts_on": "2026-11-10", "ends_on": "2026-11-12" });
    api_ok(&app, Method::POST, "/api/v1/exemptions", &admin, &leave).await;

    app.clock.set(at(2026, 11, 5, 9, 0));
    let wang = app.login("wang.li").await;
    let w45 = content(&[outcome("w45-road", ROAD, "in_progress")], 10);
    ok_json(
        put_report(&app, &wang, WANG_W45, W45, &w45).await,
        StatusCode::CREATED,
    )
    .await;

    app.clock.set(at(2026, 11, 16, 20, 30));
    let mut road = outcome("w46-road", ROAD, "in_progress");
    road["continues"] = json!("w45-road");
    let w46 = content(
        &[road, outcome("w46-water", "为五保户修好自来水管", "done")],
        14,
    );
    ok_json(
        put_report(&app, &wang, WANG_W46, W46, &w46).await,
        StatusCode::CREATED,
    )
    .await;
    let sun = app.login("sun.hong").await;
    let w46 = content(&[outcome("s-1", "组织秋收互助", "done")], 8);
    ok_json(
        put_report(&app, &sun, SUN_W46, W46, &w46).await,
        StatusCode::CREATED,
    )
    .await;

    app.clock.set(at(2026, 11, 21, 11, 0));
    let li = app.login("li.qiang").await;
    let w46 = content(&[outcome("l-1", "调解邻里宅基地纠纷", "done")], 6);
    ok_json(
        put_report(&app, &li, LI_W46, W46, &w46).await,
        StatusCode::CREATED,
    )
    .await;

    app.clock.set(at(2026, 11, 25, 10, 0));
    app
}

async fn wait_inbox(browser: &Browser) {
    wait_js(
        browser,
        "the inbox",
        "return document.body.dataset.view === 'inbox' && document.body.dataset.inbox === 'ready';",
    )
    .await;
}

/// The report ids of the inbox rows, in the page's order.
async fn inbox_ids(browser: &Browser) -> Vec<String> {
    strings(
        &script(
            browser,
            "return [...document.querySelectorAll('#inbox-table tbody tr[data-key]')].map(r => r.dataset.key);",
        )
        .await,
    )
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Opens a view by its tab (as a keyboard or mouse user would) and waits until its data is
/// drawn (`ready` names the body's data attribute the view sets).
async fn open_view(browser: &Browser, view: &str, ready: &str) {
    click(browser, &format!(".tabs a[data-view='{view}']")).await;
    wait_js(
        browser,
        &format!("the {view} view"),
        &format!(
            "return document.body.dataset.view === '{view}' && !!document.body.dataset.{ready};"
        ),
    )
    .await;
}

/// Chooses `code` in the first unit picker (the townships of the county).
async fn choose_township(browser: &Browser, code: &str) {
    click(browser, &format!("#unit-0 option[value='{code}']")).await;
}

async fn open_report(browser: &Browser, id: &str) {
    click(browser, &format!("a[data-report='{id}']")).await;
    wait_js(
        browser,
        "the report",
        &format!("return document.body.dataset.report === '{id}';"),
    )
    .await;
}

async fn usernames(browser: &Browser, list: &str) -> Vec<String> {
    strings(
        &script(
            browser,
            &format!("return [...document.querySelectorAll('[data-list={list}] li')].map(l => l.dataset.username);"),
        )
        .await,
    )
}

fn api_usernames(people: &Value) -> Vec<String> {
    people
        .as_array()
        .expect("people")
        .iter()
        .map(|p| p["username"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Completeness of 铁城镇 for week 46, and its grid: the same names and statuses as the API.
async fn finds_who_is_missing_in_a_township(browser: &Browser, app: &TestApp, token: &str) {
    open_view(browser, "completeness", "completeness").await;
    choose_township(browser, TOWNSHIP).await;
    wait_js(
        browser,
        "the township's completeness",
        &format!("return document.body.dataset.completeness === '{TOWNSHIP}|{W46}';"),
    )
    .await;
    let api = get_json(
        app,
        &format!("/api/v1/completeness?unit={TOWNSHIP}&period={W46}"),
        token,
    )
    .await;
    for list in ["missing", "late", "exempt", "sealed_on_time"] {
        assert_eq!(
            usernames(browser, list).await,
            api_usernames(&api[list]),
            "the {list} list"
        );
    }
    assert_eq!(usernames(browser, "missing").await, ["zhang.min"]);
    let missing = browser.wait_for_text("[data-list=missing]", "张敏").await;
    assert!(
        missing.contains("城三村委会"),
        "the village is named: {missing}"
    );
    let exempt = browser.wait_for_text("[data-list=exempt]", "赵军").await;
    assert!(exempt.contains("东关村委会"), "{exempt}");
    // The counts per village, in the API's (code) order, never sorted by a count.
    let rows = strings(&script(browser, "return [...document.querySelectorAll('#completeness-table tbody tr')].map(r => r.dataset.key);").await);
    let mut want: Vec<String> = api["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    want.push("total".to_owned());
    assert_eq!(rows, want);
    let missing_total = script(browser, "return document.querySelector('#completeness-table tr[data-key=total] td.count-missing').textContent;").await;
    assert_eq!(missing_total, json!(api["counts"]["missing"].to_string()));
    screenshots(browser, "review-completeness", false).await;

    open_view(browser, "grid", "grid").await;
    let grid = get_json(
        app,
        &format!("/api/v1/completeness/grid?unit={TOWNSHIP}&count=12"),
        token,
    )
    .await;
    let column = grid["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .position(|p| p["key"] == W46)
        .expect("week 46 in the grid");
    let page = script(browser, &format!(
        "return [...document.querySelectorAll('#grid-table tbody tr')].map(r => [r.dataset.key, r.querySelectorAll('td')[{}].querySelector('[data-status]').dataset.status]);",
        column + 1
    )).await;
    let want: Vec<Value> = grid["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            json!([
                r["username"],
                r["statuses"][column].as_str().unwrap_or("none")
            ])
        })
        .collect();
    assert_eq!(page, Value::Array(want), "the grid's week-46 column");
    assert_eq!(
        page[2],
        json!(["zhang.min", "missing"]),
        "in tree order: 城一, 城二, 城三, 东关"
    );
    screenshots(browser, "review-grid", false).await;
}

const IN_DIALOG: &str =
    "return document.activeElement && document.activeElement.id === 'ask-dialog-question';";

/// Opens 王丽's report from the inbox of 铁城镇: her outcomes, the earlier outcome one
/// continues (opened in place); a question too long is refused next to the field with the
/// server's words; a good one is sent and shows in the history.
async fn reads_a_report_and_asks(browser: &Browser, app: &TestApp, token: &str) -> String {
    open_view(browser, "inbox", "inbox").await;
    wait_inbox(browser).await;
    let api = get_json(
        app,
        &format!("/api/v1/reports?unit={TOWNSHIP}&period={W46}"),
        token,
    )
    .await;
    let want: Vec<String> = api["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        inbox_ids(browser).await,
        want,
        "the township's week 46, in the API's order"
    );
    open_report(browser, WANG_W46).await;
    // By keyboard: Tab to "提问", Enter opens the dialog with the cursor in the question,
    // Esc closes it and gives the focus back. (The focus starts on the report's heading.)
    tab_to(browser, "#ask", 12).await;
    browser.press(&[keys::ENTER]).await.expect("Enter");
    wait_js(browser, "the question's field to have the focus", IN_DIALOG).await;
    browser.press(&[keys::ESCAPE]).await.expect("Esc");
    wait_js(
        browser,
        "the dialog to close, the focus back on its button",
        "return !document.getElementById('ask-dialog') && document.activeElement.id === 'ask';",
    )
    .await;
    let outcomes = browser.wait_for_text("#view-report", ROAD).await;
    assert!(outcomes.contains("为五保户修好自来水管"), "{outcomes}");
    // The continued outcome of week 45 opens in place.
    click(
        browser,
        "[data-outcome='w46-road'] details.continued summary",
    )
    .await;
    let earlier = browser
        .wait_for_text(
            "[data-outcome='w46-road'] details.continued .outcome-read",
            ROAD,
        )
        .await;
    assert!(earlier.contains("进行中"), "{earlier}");
    screenshots(browser, "review-report", false).await;

    click(browser, "#ask").await;
    wait_js(browser, "the dialog", IN_DIALOG).await;
    let too_long = "问".repeat(501);
    type_into(browser, "#ask-dialog-question", &too_long).await;
    browser
        .wait_for_text("#ask-dialog .count", "501 / 500")
        .await;
    click(browser, "#ask-dialog [data-action=confirm]").await;
    let refused = send(
        app,
        Method::POST,
        &format!("/api/v1/reports/{WANG_W46}/reviews"),
        token,
        &json!({ "verdict": "needs_clarification", "question": too_long }),
    )
    .await;
    let refused: Value = refused.json().await.expect("json");
    let message = refused["message_zh"].as_str().expect("message").to_owned();
    let shown = browser
        .wait_for_text("#ask-dialog .field-error[data-for=question]", &message)
        .await;
    assert_eq!(shown, message, "the server's words, next to the question");
    screenshots(browser, "review-ask-refused", false).await;
    let question = "道路硬化是否已经完工？请写明验收情况。".to_owned();
    type_into(browser, "#ask-dialog-question", &question).await;
    click(browser, "#ask-dialog [data-action=confirm]").await;
    browser
        .wait_for_text("#review-feedback", "问题已发送")
        .await;
    let history = browser.wait_for_text(".timeline", &question).await;
    assert!(history.contains("尚未回答"), "{history}");
    let detail = get_json(app, &format!("/api/v1/reports/{WANG_W46}"), token).await;
    assert_eq!(detail["reviews"][0]["verdict"], "needs_clarification");
    assert_eq!(detail["reviews"][0]["question"], question.as_str());
    assert_eq!(detail["status"], "needs_clarification");
    question
}

/// The cadre's page shows the question on week 46 and how to answer it; her revision
/// answers it, and the page then says so.
async fn the_cadre_sees_the_question_and_answers_it(
    browser: &Browser,
    app: &TestApp,
    question: &str,
) {
    click(browser, "#sign-out").await;
    browser.wait_for("#login-form").await;
    sign_in(browser, app, "wang.li", None).await;
    browser
        .goto(&app.url("/cadre.html"))
        .await
        .expect("the cadre page");
    browser.wait_for("#period").await;
    script(
        browser,
        &format!("const s = document.getElementById('period'); s.value = '{W46}'; s.dispatchEvent(new Event('change'));"),
    )
    .await;
    let open = browser.wait_for_text("#questions li.open", question).await;
    assert!(open.contains("修改后重新封存"), "how to answer: {open}");
    screenshots(browser, "cadre-question", true).await;
    wait_js(
        browser,
        "the checks",
        "return document.body.dataset.checks === 'ready';",
    )
    .await;
    type_into(browser, "[data-path='o.0.what']", ROAD_DONE).await;
    click(browser, "#seal").await;
    wait_js(
        browser,
        "the revision to be sent",
        "return document.getElementById('state').dataset.state === 'submitted';",
    )
    .await;
    browser
        .wait_for_text("#questions li.answered", question)
        .await;
    let cadre = app.login("wang.li").await;
    let context = get_json(app, &format!("/api/v1/me/periods/{W46}"), &cadre).await;
    assert_eq!(context["report"]["revision"], 2);
    assert_eq!(context["report"]["questions"][0]["answered"], true);
    // The reviewer page is not the cadre's.
    browser
        .goto(&app.url("/review.html"))
        .await
        .expect("the review page");
    browser
        .wait_for_text("#signed-out", "此页面不供您的角色（驻村干部）使用")
        .await;
    browser.goto(&app.url("/")).await.expect("the front page");
    click(browser, "#logout").await;
}

/// The inbox's "revised since my question" lists her report; its history shows what
/// changed and that it answers the question; acknowledging it is said and stored.
async fn sees_the_answer_and_acknowledges(browser: &Browser, app: &TestApp, token: &str) {
    sign_in(browser, app, "reviewer", Some("/review.html")).await;
    wait_inbox(browser).await;
    click(browser, "#status option[value='revised']").await;
    wait_js(
        browser,
        "the revised reports",
        "return document.body.dataset.inbox === 'ready' && !!document.querySelector('#inbox-table [data-badge=revised]');",
    )
    .await;
    let api = get_json(
        app,
        &format!("/api/v1/reports?unit={COUNTY}&period={W46}&status=revised"),
        token,
    )
    .await;
    assert_eq!(api["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(inbox_ids(browser).await, [WANG_W46]);
    browser.wait_for_text("#inbox-table", "提问后已修改").await;
    screenshots(browser, "review-inbox-revised", false).await;
    open_report(browser, WANG_W46).await;
    let revision = browser
        .wait_for_text(".event.revision[data-revision='2']", "回答了")
        .await;
    let change = browser
        .wait_for_text("[data-diff=changed][data-outcome='w46-road']", ROAD_DONE)
        .await;
    assert!(
        change.contains(ROAD) && change.contains("做了什么"),
        "{change}"
    );
    assert!(revision.contains("修改成果"), "{revision}");
    browser
        .wait_for_text(".event.asked", "已在第 2 版回答")
        .await;
    // In the order things happened: revision 1, the question, revision 2 (its answer).
    let order = script(
        browser,
        "return [...document.querySelectorAll('.timeline > li')].map(e => e.dataset.revision ? 'r' + e.dataset.revision : 'q');",
    )
    .await;
    assert_eq!(order, json!(["r1", "q", "r2"]));
    click(browser, "#acknowledge").await;
    browser
        .wait_for_text("#review-feedback", "已确认第 2 版")
        .await;
    let detail = get_json(app, &format!("/api/v1/reports/{WANG_W46}"), token).await;
    assert_eq!(detail["status"], "acknowledged");
    assert_eq!(detail["reviews"][1]["verdict"], "acknowledged");
    assert_eq!(detail["reviews"][1]["revision"], 2);
    let disabled = script(
        browser,
        "return document.getElementById('acknowledge').disabled;",
    )
    .await;
    assert_eq!(
        disabled,
        json!(true),
        "an acknowledged revision is not acknowledged twice"
    );
}

/// English everywhere it is asked for, period labels and dates included; then Chinese again.
async fn speaks_english_too(browser: &Browser) {
    assert_language(browser, "the report", "en", &[]).await;
    let meta = browser
        .wait_for_text(".report-meta", "Week 46, 2026 (Nov 9–15)")
        .await;
    assert!(
        meta.contains("acknowledged") && meta.contains("on time"),
        "{meta}"
    );
    browser
        .wait_for_text(".timeline", "Nov 16, 2026, 20:30")
        .await;
    screenshots(browser, "review-report-en", false).await;
    open_view(browser, "inbox", "inbox").await;
    wait_inbox(browser).await;
    assert_language(browser, "the inbox", "en", &[]).await;
    open_view(browser, "completeness", "completeness").await;
    assert_language(browser, "completeness", "en", &[]).await;
    assert_language(browser, "completeness", "zh", CHINESE_UI_WORDS).await;
    open_view(browser, "inbox", "inbox").await;
    wait_inbox(browser).await;
    assert_language(browser, "the inbox", "zh", CHINESE_UI_WORDS).await;
    screenshots(browser, "review-inbox", false).await;
}

/// Latin words a Chinese page may show: file formats and the product that opens them.
const CHINESE_UI_WORDS: &[&str] = &["CSV", "Excel", "KB"];

/// The journeys of a county reviewer, one after another on one county: who is missing, a
/// question and its answer through the cadre's page, the acknowledgement, in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_finds_who_is_missing_asks_and_the_cadre_answers() {
    let app = county_with_a_week_of_reports().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let token = app.login("reviewer").await;
    device_clock(&browser, &app).await;
    viewport(&browser, DESKTOP).await;
    browser
        .goto(&app.url("/review.html"))
        .await
        .expect("the review page");
    browser.wait_for_text("#signed-out", "请先登录").await;
    sign_in(&browser, &app, "reviewer", Some("/review.html")).await;
    wait_inbox(&browser).await;
    // The default period: the latest whose due date + grace has passed.
    let periods = get_json(
        &app,
        &format!("/api/v1/periods?unit={COUNTY}&count=12"),
        &token,
    )
    .await;
    let closed = periods["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .rfind(|p| p["closed"] == true)
        .expect("a closed period");
    assert_eq!(closed["key"], W46);
    let chosen = script(&browser, "return document.getElementById('period').value;").await;
    assert_eq!(chosen, json!(W46));
    let rows = browser.wait_for_text("#inbox-table", "城二村委会").await;
    assert!(
        rows.contains("迟报") && rows.contains("2026年第46周（11月9日–15日）"),
        "{rows}"
    );
    assert_eq!(
        inbox_ids(&browser).await,
        [SUN_W46, WANG_W46, LI_W46],
        "tree order: 桑园镇 before 铁城镇"
    );

    finds_who_is_missing_in_a_township(&browser, &app, &token).await;
    let question = reads_a_report_and_asks(&browser, &app, &token).await;
    the_cadre_sees_the_question_and_answers_it(&browser, &app, &question).await;
    sees_the_answer_and_acknowledges(&browser, &app, &token).await;
    speaks_english_too(&browser).await;
    browser.quit().await;
}

/// Twenty earlier weeks of 王丽's, each sent on time (weeks 25 to 44).
async fn earlier_weeks(app: &TestApp) {
    let now = app.clock.now();
    let wang = app.login("wang.li").await;
    let mut monday = jiff::civil::date(2026, 6, 15);
    while monday < jiff::civil::date(2026, 11, 2) {
        let sent = monday
            .checked_add(jiff::Span::new().days(8))
            .expect("a date");
        app.clock
            .set(at(sent.year(), sent.month(), sent.day(), 9, 0));
        let key = format!("weekly:{monday}");
        let id = uuid::Uuid::new_v4().to_string();
        let body = content(
            &[outcome("o-1", &format!("{monday} 走访困难户"), "done")],
            5,
        );
        ok_json(
            put_report(app, &wang, &id, &key, &body).await,
            StatusCode::CREATED,
        )
        .await;
        monday = monday
            .checked_add(jiff::Span::new().days(7))
            .expect("a date");
    }
    app.clock.set(now);
}

/// The ids of one page of `GET /api/v1/reports` (20 a page, as the inbox asks).
async fn api_page(
    app: &TestApp,
    token: &str,
    after: Option<&str>,
) -> (Vec<String>, Option<String>) {
    let path = match after {
        Some(after) => format!(
            "/api/v1/reports?unit={COUNTY}&limit=20&after={}",
            urlencode(after)
        ),
        None => format!("/api/v1/reports?unit={COUNTY}&limit=20"),
    };
    let page = get_json(app, &path, token).await;
    let ids = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    (ids, page["next_after"].as_str().map(str::to_owned))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every period at once: 24 reports, twenty a page, pages turned both ways, each page the
/// API's page.
async fn pages_through_every_period(browser: &Browser, app: &TestApp, token: &str) {
    choose_period(browser, "").await;
    wait_inbox(browser).await;
    let (first, next) = api_page(app, token, None).await;
    assert_eq!(first.len(), 20);
    assert_eq!(inbox_ids(browser).await, first);
    click(browser, "#inbox-pager [data-pager=next]").await;
    wait_inbox(browser).await;
    let (second, last) = api_page(app, token, next.as_deref()).await;
    assert_eq!((second.len(), last), (4, None));
    assert_eq!(inbox_ids(browser).await, second);
    browser.wait_for_text("#inbox-pager", "第 2 页").await;
    let hidden = script(
        browser,
        "return document.querySelector('#inbox-pager [data-pager=next]').hidden;",
    )
    .await;
    assert_eq!(hidden, json!(true), "no next page after the last");
    click(browser, "#inbox-pager [data-pager=prev]").await;
    wait_inbox(browser).await;
    assert_eq!(inbox_ids(browser).await, first);
}

/// Chooses `key` in the period picker.
async fn choose_period(browser: &Browser, key: &str) {
    click(browser, &format!("#period option[value='{key}']")).await;
}

/// Week 45 is locked: the reviewer reopens 王丽's report with a reason (an empty one is
/// refused next to the field, in the server's words), and the cadre can then revise it.
async fn reopens_a_locked_week(browser: &Browser, app: &TestApp, token: &str) {
    choose_period(browser, W45).await;
    wait_js(
        browser,
        "week 45's inbox",
        &format!("return document.body.dataset.inbox === 'ready' && !!document.querySelector(\"a[data-report='{WANG_W45}']\");"),
    )
    .await;
    open_report(browser, WANG_W45).await;
    browser
        .wait_for_text(".report-head", "已于2026年11月20日锁定")
        .await;
    click(browser, "#reopen").await;
    click(browser, "#reopen-dialog [data-action=confirm]").await;
    let refused = send(
        app,
        Method::POST,
        &format!("/api/v1/reports/{WANG_W45}/reopenings"),
        token,
        &json!({ "reason": "", "days": 3 }),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = refused.json().await.expect("json");
    assert_eq!(refused["details"]["field"], "reason", "{refused}");
    let message = refused["message_zh"].as_str().expect("message").to_owned();
    browser
        .wait_for_text("#reopen-dialog .field-error[data-for=reason]", &message)
        .await;
    type_into(browser, "#reopen-dialog-reason", "补交第45周道路验收情况").await;
    click(browser, "#reopen-dialog [data-action=confirm]").await;
    browser
        .wait_for_text("#review-feedback", "已重新开放至")
        .await;
    browser
        .wait_for_text(".timeline .reopening", "补交第45周道路验收情况")
        .await;
    let detail = get_json(app, &format!("/api/v1/reports/{WANG_W45}"), token).await;
    assert_eq!(detail["reopenings"][0]["reason"], "补交第45周道路验收情况");
    assert_eq!(
        detail["reopenings"][0]["until"],
        app.clock.now() + 3 * 86_400,
        "three days, the dialog's default"
    );
    let wang = app.login("wang.li").await;
    let revised = content(&[outcome("w45-road", ROAD, "done")], 10);
    let body = json!({ "period": W45, "content": revised, "base_revision": 1 });
    let response = send(
        app,
        Method::PUT,
        &format!("/api/v1/reports/{WANG_W45}"),
        &wang,
        &body,
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the reopened week takes a revision"
    );
    screenshots(browser, "review-report-reopened", false).await;
}

/// The burden ledger's bars print the API's numbers.
async fn reads_the_burden(browser: &Browser, app: &TestApp, token: &str) {
    open_view(browser, "burden", "burden").await;
    let api = get_json(app, &format!("/api/v1/burden?unit={COUNTY}"), token).await;
    let ledger = &api["ledger"];
    let values = script(browser, "return [...document.querySelectorAll('#burden-minutes .bar-value')].map(t => [Number(t.dataset.value), t.textContent]);").await;
    let want = [
        &ledger["baseline_minutes_per_month"],
        &ledger["now"]["minutes_per_month"],
        &ledger["budget_minutes_per_month"],
    ];
    for (i, want) in want.iter().enumerate() {
        let shown = values[i][0].as_f64().expect("a number");
        assert!(
            (shown - want.as_f64().expect("a number")).abs() < 1e-9,
            "bar {i}: {values}"
        );
        let rounded = format!("{:.1}", want.as_f64().unwrap_or_default());
        let text = values[i][1].as_str().unwrap_or_default();
        assert!(
            text.contains(rounded.trim_end_matches(".0")) && text.contains("分钟"),
            "bar {i} prints its number: {text}"
        );
    }
    let actions = script(browser, "return [...document.querySelectorAll('#burden-actions .bar-value')].map(t => Number(t.dataset.value));").await;
    assert_eq!(
        actions,
        json!([
            ledger["baseline_actions_per_month"],
            ledger["actions_per_month"]
        ])
    );
    screenshots(browser, "review-burden", false).await;
    assert_language(browser, "the burden ledger", "en", &[]).await;
    browser.wait_for_text("#burden-minutes", "min").await;
    assert_language(browser, "the burden ledger", "zh", CHINESE_UI_WORDS).await;
}

/// Waits for the file `name` in `dir` (Chromium writes `.crdownload` first); returns its bytes.
async fn downloaded(browser: &Browser, dir: &std::path::Path, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    browser
        .wait_until(
            &format!("{name} to be downloaded"),
            jianfu_tests::webdriver::WAIT,
            || {
                let path = path.clone();
                async move { std::fs::read(&path).ok().filter(|b| !b.is_empty()) }
            },
        )
        .await
}

fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) => f.to_string(),
        calamine::Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// The workbook of weeks 45–46 (from 2026-11-02 to 2026-11-09): a row per report in the
/// API's order with its id, cadre, period, village and revision; a row per outcome.
async fn the_workbook_matches_the_api(app: &TestApp, token: &str, bytes: Vec<u8>) {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX file");
    assert_eq!(book.sheet_names(), ["报告", "成果"]);
    let sheet = book.worksheet_range("报告").expect("the report sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    // The API in the same order (tree, then name, then period), periods starting in the range.
    let api = get_json(
        app,
        &format!("/api/v1/reports?unit={COUNTY}&limit=100"),
        token,
    )
    .await;
    let want: Vec<&Value> = api["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| {
            r["period_start"]
                .as_str()
                .is_some_and(|s| ("2026-11-02"..="2026-11-09").contains(&s))
        })
        .collect();
    assert_eq!(
        want.len(),
        4,
        "week 45 of 王丽, week 46 of 孙红, 王丽 and 李强"
    );
    assert_eq!(rows.len() - 1, want.len(), "one row per report");
    let mut outcomes = Vec::new();
    for (row, report) in rows[1..].iter().zip(&want) {
        assert_eq!(row[0], report["id"].as_str().unwrap_or_default());
        assert_eq!(
            row[col("用户名")],
            report["username"].as_str().unwrap_or_default()
        );
        assert_eq!(
            row[col("周期")],
            report["period_key"].as_str().unwrap_or_default()
        );
        assert_eq!(
            row[col("村")],
            report["village_name"].as_str().unwrap_or_default()
        );
        assert_eq!(row[col("版本")], report["revision"].to_string());
        let detail = get_json(
            app,
            &format!(
                "/api/v1/reports/{}",
                report["id"].as_str().unwrap_or_default()
            ),
            token,
        )
        .await;
        let latest = detail["revisions"]
            .as_array()
            .and_then(|r| r.last())
            .expect("a revision");
        let ids: Vec<String> = latest["content"]["outcomes"]
            .as_array()
            .expect("outcomes")
            .iter()
            .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(row[col("成果数")], ids.len().to_string());
        outcomes.extend(
            ids.into_iter()
                .map(|id| (report["id"].as_str().unwrap_or_default().to_owned(), id)),
        );
    }
    let sheet = book.worksheet_range("成果").expect("the outcome sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let id = rows[0]
        .iter()
        .position(|h| h == "成果编号")
        .expect("an outcome id column");
    let got: Vec<(String, String)> = rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[id].clone()))
        .collect();
    assert_eq!(got, outcomes, "one row per outcome, report by report");
}

/// Exports weeks 45–46 of the county as XLSX through the page, reads the file Chromium
/// saved, and checks every row against the API; then the same in English.
async fn exports_and_opens_the_workbook(browser: &Browser, app: &TestApp, token: &str) {
    use calamine::{Reader, Xlsx};
    let dir = tempfile::tempdir().expect("a download dir");
    let path = dir.path().to_str().expect("a UTF-8 path");
    browser
        .cdp(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": path }),
        )
        .await
        .expect("CDP downloads");
    open_view(browser, "exports", "exports").await;
    script(browser, "document.getElementById('export-from').value = '2026-11-02'; document.getElementById('export-to').value = '2026-11-09';").await;
    click(browser, "#export-reports-xlsx").await;
    let name = wait_js(browser, "the export", "const l = document.getElementById('reports-export-feedback'); return l.dataset.state === 'saved' && l.dataset.file;").await;
    let name = name.as_str().expect("a file name").to_owned();
    assert!(
        name.starts_with("报告_130928")
            && std::path::Path::new(&name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx")),
        "{name}"
    );
    browser
        .wait_for_text("#reports-export-feedback", "已下载")
        .await;
    let bytes = downloaded(browser, dir.path(), &name).await;
    the_workbook_matches_the_api(app, token, bytes).await;
    screenshots(browser, "review-exports", false).await;

    // In English: the English file, under its ASCII name.
    click(browser, "#reports-export-lang option[value='en']").await;
    click(browser, "#export-reports-xlsx").await;
    let name = wait_js(browser, "the English export", "const l = document.getElementById('reports-export-feedback'); return l.dataset.state === 'saved' && l.dataset.file && l.dataset.file.startsWith('reports_') && l.dataset.file;").await;
    let name = name.as_str().expect("a file name").to_owned();
    assert!(name.is_ascii(), "{name}");
    let bytes = downloaded(browser, dir.path(), &name).await;
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX file");
    let first = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&first).expect("the report sheet");
    assert_eq!(
        sheet.rows().next().map(|r| cell_text(&r[0])),
        Some("report id".to_owned())
    );
    assert_language(browser, "the exports", "en", &[]).await;
    assert_language(browser, "the exports", "zh", CHINESE_UI_WORDS).await;
}

/// The reviewer's other journeys: reopening a locked week, the burden ledger, the county's
/// status grid, and an export opened as a workbook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_reopens_reads_the_burden_and_exports_to_xlsx() {
    let app = county_with_a_week_of_reports().await;
    earlier_weeks(&app).await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let token = app.login("reviewer").await;
    device_clock(&browser, &app).await;
    viewport(&browser, DESKTOP).await;
    sign_in(&browser, &app, "reviewer", Some("/review.html")).await;
    wait_inbox(&browser).await;
    pages_through_every_period(&browser, &app, &token).await;
    reopens_a_locked_week(&browser, &app, &token).await;
    reads_the_burden(&browser, &app, &token).await;
    open_view(&browser, "grid", "grid").await;
    let rows = strings(&script(&browser, "return [...document.querySelectorAll('#grid-table tbody tr')].map(r => r.dataset.key);").await);
    assert_eq!(
        rows,
        ["130928100", TOWNSHIP],
        "the county's townships with cadres, in code order"
    );
    screenshots(&browser, "review-grid-county", false).await;
    exports_and_opens_the_workbook(&browser, &app, &token).await;
    browser.quit().await;
}
