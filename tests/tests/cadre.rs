//! End to end in headless Chromium, as a village cadre uses jianfu with a weak signal: the
//! cadre page served by the real server, the browser module (web/pkg, built by
//! scripts/build-wasm.sh), the service worker and IndexedDB. Sign in, see the due period,
//! write an outcome, lose the connection, reload (the page comes from the service worker's
//! cache), find the draft intact, seal it offline (it waits in the outbox), regain the
//! connection: it is uploaded once, and exactly one report is stored.

use jianfu_tests::webdriver::{Browser, Element, WAIT};
use jianfu_tests::{COUNTY, Engine, PASSWORD, StatusCode, TestApp, VILLAGE};
use jiff::civil::date;
use jiff::tz::TimeZone;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// The week of 2026-11-16: due 11-24, on time until 11-26. The clock is set inside its grace.
const WEEK: &str = "weekly:2026-11-16";
const WHAT: &str = "修通村东头至小学的道路 300 米";

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn screenshot_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from);
    target.join("screenshots").join(name)
}

fn at(year: i16, month: i8, day: i8, hour: i8) -> i64 {
    date(year, month, day)
        .at(hour, 0, 0, 0)
        .to_zoned(TimeZone::get("Asia/Shanghai").expect("tz"))
        .expect("local time")
        .timestamp()
        .as_second()
}

async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: &Value) -> Value {
    let response = app
        .request(method, path, Some(token))
        .json(body)
        .send()
        .await
        .expect("request sent");
    let status = response.status();
    let body: Value = response.json().await.expect("json body");
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// A county template (an outcome list and a required number), a weekly policy and the
/// cadre's posting, as an admin sets them up through the API.
async fn set_up_reporting(app: &TestApp) {
    let admin = app.login("admin").await;
    let template = call(app, Method::POST, "/api/v1/templates", &admin, &json!({
        "org_unit": COUNTY, "name": "驻村周报", "fields": [
            { "key": "outcomes", "label_zh": "本周成果", "label_en": "Outcomes", "type": "outcome_list",
              "max_items": 20, "required": true, "seconds_to_fill": 600 },
            { "key": "households", "label_zh": "走访户数", "label_en": "Households visited", "type": "number",
              "min": 0, "max": 500, "integer": true, "required": true, "seconds_to_fill": 120 },
        ]})).await;
    let policy = json!({ "period_kind": "weekly", "due_offset_days": 2, "grace_days": 2, "lock_days": 7,
                         "template_id": template["id"], "budget_minutes_per_month": 60 });
    call(
        app,
        Method::PUT,
        &format!("/api/v1/policies/{COUNTY}"),
        &admin,
        &policy,
    )
    .await;
    call(
        app,
        Method::POST,
        "/api/v1/postings",
        &admin,
        &json!({ "username": "cadre", "org_unit": VILLAGE, "starts_on": "2026-01-01" }),
    )
    .await;
    app.clock.set(at(2026, 11, 25, 10));
}

async fn type_into(browser: &Browser, css: &str, text: &str) -> Element {
    let input = browser.wait_for(css).await;
    browser.clear(&input).await.expect("clear");
    browser.send_keys(&input, text).await.expect("type");
    input
}

async fn click(browser: &Browser, css: &str) {
    let element = browser.wait_for(css).await;
    browser.click(&element).await.expect("click");
}

async fn script(browser: &Browser, js: &str) -> Value {
    browser.execute(js, vec![]).await.expect("script runs")
}

async fn wait_for_state(browser: &Browser, state: &str, timeout: Duration) {
    let js = "return document.getElementById('state').dataset.state || '';";
    browser
        .wait_until(
            &format!("the draft to be {state}"),
            timeout,
            || async move { (script(browser, js).await == json!(state)).then_some(()) },
        )
        .await;
}

async fn network(browser: &Browser, offline: bool) {
    let conditions = json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 });
    browser
        .cdp("Network.emulateNetworkConditions", conditions)
        .await
        .expect("CDP network conditions");
}

/// Signs in on the cadre page itself and finds the period that is due.
async fn signs_in_and_sees_the_due_period(browser: &Browser, app: &TestApp) {
    browser
        .goto(&app.url("/cadre.html"))
        .await
        .expect("open the cadre page");
    type_into(browser, "#username", "cadre").await;
    type_into(browser, "#password", PASSWORD).await;
    click(browser, "#login-submit").await;
    let due = browser.wait_for_text("#due", "2026-11-24").await;
    assert!(due.contains("截止") && due.contains("2026-11-26"), "{due}");
    let period = script(browser, "return document.getElementById('period').value;").await;
    assert_eq!(period, json!(WEEK), "the oldest open period is the one due");
    browser.wait_for_text("#state", "草稿").await;
}

async fn writes_an_outcome(browser: &Browser) {
    click(browser, "#add-outcome").await;
    type_into(browser, "[data-path='o.0.category']", "基础设施").await;
    type_into(browser, "[data-path='o.0.what']", WHAT).await;
    type_into(browser, "[data-path='o.0.for_whom']", "全村村民").await;
    // The module checks as the cadre types: the required number is still missing.
    browser
        .wait_for_text("#problems [data-field='fields.households']", "")
        .await;
    type_into(browser, "[data-path='f.households']", "12").await;
    browser.wait_for_text("#problems", "检查通过").await;
    browser.wait_for_text("#saved", "已保存到本机").await;
}

/// The service worker controls the page and holds its offline copy.
async fn the_offline_copy_is_ready(browser: &Browser) {
    let js = "const c = navigator.serviceWorker.controller; \
              return c ? caches.keys().then(k => k.join(',')) : null;";
    let caches = browser
        .wait_until("the service worker to take control", WAIT, || async move {
            let keys = script(browser, js).await;
            keys.as_str()
                .filter(|k| k.contains("jianfu-cadre"))
                .map(str::to_owned)
        })
        .await;
    assert!(caches.starts_with("jianfu-cadre-v"), "{caches}");
}

async fn reloads_offline_and_finds_the_draft(browser: &Browser, app: &TestApp) {
    network(browser, true).await;
    browser
        .goto(&app.url("/cadre.html"))
        .await
        .expect("reload offline");
    let what = browser
        .wait_until("the draft back from IndexedDB", WAIT, || async move {
            let value = script(browser, "const e = document.querySelector(\"[data-path='o.0.what']\"); return e ? e.value : null;").await;
            value.as_str().map(str::to_owned)
        })
        .await;
    assert_eq!(what, WHAT, "the draft survived the reload");
    let households = script(
        browser,
        "return document.querySelector(\"[data-path='f.households']\").value;",
    )
    .await;
    assert_eq!(households, json!("12"));
    // Served by the service worker: the page is controlled and its navigation went through it.
    let served = script(
        browser,
        "return [!!navigator.serviceWorker.controller, \
        performance.getEntriesByType('navigation')[0].workerStart > 0];",
    )
    .await;
    assert_eq!(
        served,
        json!([true, true]),
        "the page came from the service worker"
    );
    browser.wait_for_text("#due", "2026-11-24").await;
}

async fn seals_offline_then_uploads_once_online(browser: &Browser, app: &TestApp) -> String {
    click(browser, "#seal").await;
    wait_for_state(browser, "waiting", WAIT).await;
    browser.wait_for_text("#state", "等待网络").await;
    let queued = script(browser, "return new Promise(r => { const q = indexedDB.open('jianfu'); \
        q.onsuccess = () => { const g = q.result.transaction('outbox').objectStore('outbox').getAll(); \
        g.onsuccess = () => r(g.result.map(i => i.reportId)); }; });").await;
    assert_eq!(
        queued.as_array().map(Vec::len),
        Some(1),
        "one sealed report waits: {queued}"
    );
    assert_eq!(
        app.count("reports").await,
        0,
        "nothing reached the server offline"
    );

    network(browser, false).await;
    wait_for_state(browser, "submitted", Duration::from_secs(30)).await;
    browser.wait_for_text("#state", "已提交").await;
    assert_eq!(app.count("reports").await, 1, "exactly one report");
    let outbox = script(browser, "return new Promise(r => { const q = indexedDB.open('jianfu'); \
        q.onsuccess = () => { const g = q.result.transaction('outbox').objectStore('outbox').count(); \
        g.onsuccess = () => r(g.result); }; });").await;
    assert_eq!(outbox, json!(0), "the outbox is empty");
    queued[0].as_str().expect("a report id").to_owned()
}

async fn the_stored_report_is_the_draft(app: &TestApp) -> (String, Value) {
    let cadre = app.login("cadre").await;
    let period = call(
        app,
        Method::GET,
        &format!("/api/v1/me/periods/{WEEK}"),
        &cadre,
        &Value::Null,
    )
    .await;
    let report = &period["report"];
    assert_eq!(report["revision"], 1, "{report}");
    let content = &report["content"];
    assert_eq!(
        content["outcomes"].as_array().map(Vec::len),
        Some(1),
        "{content}"
    );
    let outcome = &content["outcomes"][0];
    assert_eq!(outcome["what"], WHAT);
    assert_eq!(outcome["category"], "基础设施");
    assert_eq!(outcome["for_whom"], "全村村民");
    assert_eq!(outcome["status"], "done");
    assert_eq!(content["fields"], json!({ "households": 12 }));
    (
        report["id"].as_str().expect("id").to_owned(),
        content.clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_writes_offline_reloads_and_submits_exactly_once() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let glue = workspace().join("web/pkg/jianfu_client.js");
    assert!(
        glue.exists(),
        "{} is missing: run scripts/build-wasm.sh first",
        glue.display()
    );
    let app = TestApp::seeded(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    set_up_reporting(&app).await;
    browser.cdp("Network.enable", json!({})).await.expect("CDP");

    signs_in_and_sees_the_due_period(&browser, &app).await;
    writes_an_outcome(&browser).await;
    the_offline_copy_is_ready(&browser).await;
    reloads_offline_and_finds_the_draft(&browser, &app).await;
    let sealed_id = seals_offline_then_uploads_once_online(&browser, &app).await;
    let (id, content) = the_stored_report_is_the_draft(&app).await;
    assert_eq!(id, sealed_id, "stored under the id the device made");

    // Uploading the same sealed report again is a replay, not a second report.
    let cadre = app.login("cadre").await;
    let replay = app
        .request(Method::PUT, &format!("/api/v1/reports/{id}"), Some(&cadre))
        .json(&json!({ "period": WEEK, "content": content }))
        .send()
        .await
        .expect("sent");
    // Same id and same content: the same answer as the first upload (201), no revision.
    assert_eq!(replay.status(), StatusCode::CREATED);
    // A reload (online) shows it submitted and sends nothing new.
    browser.goto(&app.url("/cadre.html")).await.expect("reload");
    // The week is done: the next open week is the one due now, and the week shows submitted.
    browser.wait_for_text("#due", "2026-12-01").await;
    let week = browser
        .wait_for_text(&format!("#period option[value='{WEEK}']"), "已按时提交")
        .await;
    assert!(week.starts_with("2026-11-16"), "{week}");
    script(
        &browser,
        &format!(
            "const s = document.getElementById('period'); s.value = '{WEEK}'; \
        s.dispatchEvent(new Event('change'));"
        ),
    )
    .await;
    wait_for_state(&browser, "submitted", WAIT).await;
    let what = script(
        &browser,
        "return document.querySelector(\"[data-path='o.0.what']\").value;",
    )
    .await;
    assert_eq!(what, json!(WHAT));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.count("reports").await, 1, "still exactly one report");
    let (again, _) = the_stored_report_is_the_draft(&app).await;
    assert_eq!(again, id);
    browser
        .screenshot(&screenshot_path("cadre.png"))
        .await
        .expect("screenshot");
    browser.quit().await;
}

/// The id another phone gave its report for the same week.
const OTHER_PHONE: &str = "5b0e4c1a-9f3d-4e2b-8a71-c6d5e4f3a2b1";

/// Two phones, one period (PRODUCT §5): another device reported the week first under its
/// own id; the page's upload gets 409 naming that report and continues as its revision, so
/// the period still has exactly one report, now with the page's content as revision 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_device_continues_as_a_revision_of_the_first_report() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::seeded(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    set_up_reporting(&app).await;
    signs_in_and_sees_the_due_period(&browser, &app).await;
    writes_an_outcome(&browser).await;

    let cadre = app.login("cadre").await;
    let first = json!({
        "outcomes": [{ "id": "phone-2-1", "category": "民生", "what": "调解邻里宅基地纠纷",
                       "for_whom": "两户村民", "status": "done" }],
        "fields": { "households": 3 },
    });
    call(
        &app,
        Method::PUT,
        &format!("/api/v1/reports/{OTHER_PHONE}"),
        &cadre,
        &json!({ "period": WEEK, "content": first }),
    )
    .await;

    click(&browser, "#seal").await;
    wait_for_state(&browser, "submitted", Duration::from_secs(30)).await;
    assert_eq!(
        app.count("reports").await,
        1,
        "still one report for the week"
    );
    let report = call(
        &app,
        Method::GET,
        &format!("/api/v1/reports/{OTHER_PHONE}"),
        &cadre,
        &Value::Null,
    )
    .await;
    assert_eq!(report["revision"], 2, "{report}");
    let revisions = report["revisions"].as_array().expect("revisions");
    assert_eq!(
        revisions[0]["content"]["outcomes"][0]["what"],
        "调解邻里宅基地纠纷"
    );
    assert_eq!(revisions[1]["content"]["outcomes"][0]["what"], WHAT);
    assert_eq!(
        revisions[1]["content"]["fields"],
        json!({ "households": 12 })
    );
    browser.quit().await;
}
