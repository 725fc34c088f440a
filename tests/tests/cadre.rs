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
/// cadre's posting from the week of [`WEEK`], as an admin sets them up through the API.
async fn set_up_reporting(app: &TestApp) {
    set_up_reporting_from(app, "2026-11-16").await;
}

/// The same, with the posting starting on `posted`.
async fn set_up_reporting_from(app: &TestApp, posted: &str) {
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
        &json!({ "username": "cadre", "org_unit": VILLAGE, "starts_on": posted }),
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

/// A 390 px phone whose clock agrees with the server's (manual) clock: `Date.now()` on every
/// page is shifted by the difference, so a seal time is what a phone would claim.
async fn device_clock(browser: &Browser, app: &TestApp) {
    // A 390 px phone (the screenshots are at this width).
    let phone = json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true });
    browser
        .cdp("Emulation.setDeviceMetricsOverride", phone)
        .await
        .expect("CDP device metrics");
    let offset_ms = (app.clock.now() - jiff::Timestamp::now().as_second()) * 1000;
    let source =
        format!("(() => {{ const real = Date.now; Date.now = () => real() + {offset_ms}; }})();");
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await
        .expect("CDP init script");
}

/// Signs in on the cadre page itself and finds the period that is due.
async fn signs_in_and_sees_the_due_period(browser: &Browser, app: &TestApp) {
    device_clock(browser, app).await;
    browser
        .goto(&app.url("/cadre.html"))
        .await
        .expect("open the cadre page");
    type_into(browser, "#username", "cadre").await;
    type_into(browser, "#password", PASSWORD).await;
    click(browser, "#login-submit").await;
    let due = browser.wait_for_text("#due", "11 月 24 日").await;
    assert!(
        due.contains("截止") && due.contains("11 月 26 日（含）前"),
        "the last on-time day is said to be included: {due}"
    );
    let period = script(browser, "return document.getElementById('period').value;").await;
    assert_eq!(period, json!(WEEK), "the oldest open period is the one due");
    browser.wait_for_text("#state", "草稿").await;
}

async fn writes_an_outcome(browser: &Browser) {
    click(browser, "#add-outcome").await;
    type_into(browser, "[data-path='o.0.category']", "基础设施").await;
    type_into(browser, "[data-path='o.0.what']", WHAT).await;
    type_into(browser, "[data-path='o.0.for_whom']", "全村村民").await;
    // The module checks as the cadre types: the required number is still missing, said
    // quietly below, and no red error sits by a field the cadre has not reached yet.
    browser.wait_for_text("#summary", "还有 1 处").await;
    let red = script(
        browser,
        "return [...document.querySelectorAll('.problem.error')].filter(p => !p.hidden).length;",
    )
    .await;
    assert_eq!(red, json!(0), "no red error before anything is typed there");
    type_into(browser, "[data-path='f.households']", "12").await;
    browser.wait_for_text("#summary", "检查通过").await;
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
    assert!(caches.starts_with("jianfu-cadre-"), "{caches}");
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
    browser.wait_for_text("#due", "11 月 24 日").await;
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
    // The receipt replaces "ready to submit": received when, which revision, on time.
    let receipt = browser.wait_for_text("#receipt", "第 1 版").await;
    assert!(
        receipt.contains("按时提交") && receipt.contains("服务器收到"),
        "{receipt}"
    );
    // In the county's time (the server's clock is 10:00 in Asia/Shanghai), not UTC.
    assert!(receipt.contains("2026/11/25 10:"), "{receipt}");
    browser
        .screenshot(&screenshot_path("cadre-receipt.png"))
        .await
        .expect("screenshot");
    assert_eq!(app.count("reports").await, 1, "exactly one report");
    let outbox = script(browser, "return new Promise(r => { const q = indexedDB.open('jianfu'); \
        q.onsuccess = () => { const g = q.result.transaction('outbox').objectStore('outbox').count(); \
        g.onsuccess = () => r(g.result); }; });").await;
    assert_eq!(outbox, json!(0), "the outbox is empty");
    queued[0].as_str().expect("a report id").to_owned()
}

/// Now, in milliseconds since 1970 (the clock of a v7 id).
fn unix_millis() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    u64::try_from(since.as_millis()).expect("fits")
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

    let started = unix_millis();
    signs_in_and_sees_the_due_period(&browser, &app).await;
    writes_an_outcome(&browser).await;
    the_offline_copy_is_ready(&browser).await;
    reloads_offline_and_finds_the_draft(&browser, &app).await;
    let sealed_id = seals_offline_then_uploads_once_online(&browser, &app).await;
    let (id, content) = the_stored_report_is_the_draft(&app).await;
    assert_eq!(id, sealed_id, "stored under the id the device made");
    // A UUID version 7 whose first 48 bits are the page's clock while the draft was made, so
    // that the server files it after the reports before it. The page's clock runs on from the
    // server's (manual, standing) clock since `device_clock`, in whole seconds.
    assert_eq!(id.as_bytes()[14], b'7', "version 7: {id}");
    assert!(
        matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
        "variant: {id}"
    );
    let made = u64::from_str_radix(&id[..13].replace('-', ""), 16).expect("hex");
    let server = u64::try_from(app.clock.now()).expect("after 1970") * 1000;
    let ran = unix_millis() - started;
    assert!(
        (server - 1000..=server + ran + 1000).contains(&made),
        "{id}: made at {made} ms by the page's clock, the server's {server}, {ran} ms of test"
    );

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
    // A reload (online) shows it submitted and sends nothing new. Every due week is done,
    // so the page opens on the latest reported week with its receipt, not on the week
    // that has just started (prefilled, one tap from sending a copy).
    browser.goto(&app.url("/cadre.html")).await.expect("reload");
    let week = browser
        .wait_for_text(&format!("#period option[value='{WEEK}']"), "已按时提交")
        .await;
    assert!(week.starts_with("11 月 16 日"), "{week}");
    let period = script(&browser, "return document.getElementById('period').value;").await;
    assert_eq!(period, json!(WEEK), "the latest reported week");
    wait_for_state(&browser, "submitted", WAIT).await;
    browser.wait_for_text("#receipt", "第 1 版").await;
    // The receipt is the device's too: it shows with no signal.
    network(&browser, true).await;
    browser
        .goto(&app.url("/cadre.html"))
        .await
        .expect("reload offline");
    browser.wait_for_text("#receipt", "按时提交").await;
    network(&browser, false).await;
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
/// own id; the page's upload gets 409 naming that report and continues as its revision; the
/// server names its newer revision, the cadre keeps the page's version, so the period still
/// has exactly one report, now with the page's content as revision 2.
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

    // The page's upload learns that the week has a report, continues as its revision, and
    // is shown the other phone's revision side by side: nothing is overwritten unasked.
    click(&browser, "#seal").await;
    wait_for_state(&browser, "conflict", Duration::from_secs(30)).await;
    browser
        .wait_for_text("#conflict", "调解邻里宅基地纠纷")
        .await;
    click(&browser, "#conflict-mine").await;
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

/// Signs in on a page already open (a second phone, or after a sign-out).
async fn signs_in(browser: &Browser, app: &TestApp) {
    device_clock(browser, app).await;
    browser
        .goto(&app.url("/cadre.html"))
        .await
        .expect("open the cadre page");
    type_into(browser, "#username", "cadre").await;
    type_into(browser, "#password", PASSWORD).await;
    click(browser, "#login-submit").await;
    browser.wait_for_text("#due", "截止").await;
}

async fn report_of_week(app: &TestApp) -> Value {
    let cadre = app.login("cadre").await;
    let period = call(
        app,
        Method::GET,
        &format!("/api/v1/me/periods/{WEEK}"),
        &cadre,
        &Value::Null,
    )
    .await;
    period["report"].clone()
}

async fn outbox_count(browser: &Browser) -> Value {
    script(browser, "return new Promise(r => { const q = indexedDB.open('jianfu'); \
        q.onsuccess = () => { const g = q.result.transaction('outbox').objectStore('outbox').count(); \
        g.onsuccess = () => r(g.result); }; });").await
}

/// Two phones in two browsers: phone B revises the report phone A sent; phone A, still
/// showing revision 1, edits and seals. The server refuses the stale base (409
/// `revision_conflict`), the page shows both versions side by side, the cadre keeps her
/// edited first outcome and takes the other phone's new one: revision 3 holds both. No
/// update is lost and nothing is overwritten unasked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_phone_sees_the_newer_revision_and_merges_outcome_by_outcome() {
    let Some(phone_a) = Browser::start().await else {
        return;
    };
    let app = TestApp::seeded(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    set_up_reporting(&app).await;
    signs_in_and_sees_the_due_period(&phone_a, &app).await;
    writes_an_outcome(&phone_a).await;
    click(&phone_a, "#seal").await;
    wait_for_state(&phone_a, "submitted", Duration::from_secs(30)).await;

    let phone_b = Browser::start().await.expect("a second browser");
    signs_in(&phone_b, &app).await;
    wait_for_state(&phone_b, "submitted", WAIT).await;
    let first = script(
        &phone_b,
        "return document.querySelector(\"[data-path='o.0.what']\").value;",
    )
    .await;
    assert_eq!(first, json!(WHAT), "phone B opens the stored report");
    click(&phone_b, "#add-outcome").await;
    type_into(&phone_b, "[data-path='o.1.category']", "民生").await;
    type_into(
        &phone_b,
        "[data-path='o.1.what']",
        "为 12 户低保户发放冬季取暖补贴",
    )
    .await;
    type_into(&phone_b, "[data-path='o.1.for_whom']", "低保户").await;
    phone_b.wait_for_text("#summary", "检查通过").await;
    click(&phone_b, "#seal").await;
    wait_for_state(&phone_b, "submitted", Duration::from_secs(30)).await;
    phone_b.wait_for_text("#receipt", "第 2 版").await;
    phone_b.quit().await;

    // Phone A still shows revision 1: the cadre corrects the first outcome and seals.
    type_into(
        &phone_a,
        "[data-path='o.0.what']",
        "修通村东头至小学的道路 320 米",
    )
    .await;
    click(&phone_a, "#seal").await;
    wait_for_state(&phone_a, "conflict", Duration::from_secs(30)).await;
    let conflict = phone_a.wait_for_text("#conflict", "第 2 版").await;
    assert!(
        conflict.contains("320 米") && conflict.contains("取暖补贴"),
        "both versions side by side: {conflict}"
    );
    phone_a
        .screenshot(&screenshot_path("cadre-conflict.png"))
        .await
        .expect("screenshot");
    let stored = report_of_week(&app).await;
    assert_eq!(stored["revision"], 2, "nothing overwritten: {stored}");

    // Outcome by outcome: this phone's first outcome, the server's second one.
    let ids = script(
        &phone_a,
        "return [...new Set([...document.querySelectorAll('[data-pick]')].map(i => i.dataset.pick))];",
    )
    .await;
    let ids: Vec<String> = serde_json::from_value(ids).expect("outcome ids");
    assert_eq!(ids.len(), 2, "{ids:?}");
    click(
        &phone_a,
        &format!("input[data-pick='{}'][value='mine']", ids[0]),
    )
    .await;
    click(
        &phone_a,
        &format!("input[data-pick='{}'][value='theirs']", ids[1]),
    )
    .await;
    click(&phone_a, "#conflict-merge").await;
    wait_for_state(&phone_a, "submitted", Duration::from_secs(30)).await;
    phone_a.wait_for_text("#receipt", "第 3 版").await;
    let stored = report_of_week(&app).await;
    assert_eq!(stored["revision"], 3, "{stored}");
    let whats: Vec<&str> = stored["content"]["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .filter_map(|o| o["what"].as_str())
        .collect();
    assert_eq!(
        whats,
        [
            "修通村东头至小学的道路 320 米",
            "为 12 户低保户发放冬季取暖补贴"
        ],
        "merged outcome by outcome"
    );
    assert_eq!(app.count("reports").await, 1);
    phone_a.quit().await;
}

/// Sealed in the grace days with no signal, delivered two days after them: the receipt
/// says "按时封存，迟送达" with the device's seal time labelled as the device's claim.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_on_time_and_delivered_late_is_said_so() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::seeded(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    set_up_reporting(&app).await;
    browser.cdp("Network.enable", json!({})).await.expect("CDP");
    signs_in_and_sees_the_due_period(&browser, &app).await;
    writes_an_outcome(&browser).await;
    network(&browser, true).await;
    click(&browser, "#seal").await;
    wait_for_state(&browser, "waiting", WAIT).await;
    // No signal until two days after the grace days.
    app.clock.set(at(2026, 11, 28, 9));
    network(&browser, false).await;
    wait_for_state(&browser, "submitted", Duration::from_secs(30)).await;
    let receipt = browser.wait_for_text("#receipt", "按时封存，迟送达").await;
    assert!(
        receipt.contains("本机"),
        "the seal time is the device's claim: {receipt}"
    );
    let verdict = script(
        &browser,
        "return document.getElementById('receipt').dataset.verdict;",
    )
    .await;
    assert_eq!(verdict, json!("sealed_on_time"));
    browser
        .screenshot(&screenshot_path("cadre-sealed-on-time.png"))
        .await
        .expect("screenshot");
    let stored = report_of_week(&app).await;
    assert_eq!(stored["sealed_on_time"], true, "{stored}");
    assert_eq!(stored["late"], true, "{stored}");

    // Weeks later the period is locked: the refusal says when in the county's time, not UTC.
    app.clock.set(at(2026, 12, 10, 9));
    type_into(&browser, "[data-path='o.0.for_whom']", "全村 312 户村民").await;
    click(&browser, "#seal").await;
    let refusal = browser.wait_for_text("#report-error", "锁定").await;
    assert!(
        refusal.contains("2026/12/") && !refusal.contains('Z') && !refusal.contains('T'),
        "a local time: {refusal}"
    );
    browser.quit().await;
}

/// Last week's unfinished outcome comes forward prefilled, but the page will not send it
/// as this week's until the cadre updates it or says "仍在进行，本期无新进展". The page opens
/// on the week that is due (last week is reported), and "封存并提交" with a problem
/// scrolls to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carried_forward_outcome_needs_the_cadres_word() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::seeded(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    set_up_reporting_from(&app, "2026-11-09").await;
    let cadre = app.login("cadre").await;
    let last_week = json!({
        "outcomes": [{ "id": "wall-1", "category": "教育", "what": "修缮村小学围墙",
                       "for_whom": "村小学", "status": "in_progress" }],
        "fields": { "households": 4 },
    });
    call(
        &app,
        Method::PUT,
        "/api/v1/reports/0d9e8f7a-6b5c-4d3e-9f21-a0b1c2d3e4f5",
        &cadre,
        &json!({ "period": "weekly:2026-11-09", "content": last_week }),
    )
    .await;

    signs_in_and_sees_the_due_period(&browser, &app).await;
    let what = browser
        .wait_until("the carried outcome", WAIT, || async {
            let v = script(&browser, "const e = document.querySelector(\"[data-path='o.0.what']\"); return e ? e.value : null;").await;
            v.as_str().map(str::to_owned)
        })
        .await;
    assert_eq!(what, "修缮村小学围墙");
    browser
        .wait_for_text("#outcomes .carried", "原样带入")
        .await;
    type_into(&browser, "[data-path='f.households']", "6").await;
    let summary = browser.wait_for_text("#summary", "还有 1 处").await;
    assert!(
        !summary.contains("检查通过"),
        "a copy is not ready to send: {summary}"
    );

    click(&browser, "#seal").await;
    let problem = browser
        .wait_for_text(".problem[data-for='o.0.carried']", "仍在进行，本期无新进展")
        .await;
    assert!(problem.contains("上期"), "{problem}");
    let in_view = script(&browser, "const r = document.querySelector(\".problem[data-for='o.0.carried']\").getBoundingClientRect(); \
        return r.top >= 0 && r.bottom <= innerHeight;").await;
    assert_eq!(in_view, json!(true), "scrolled to the first problem");
    assert_eq!(app.count("reports").await, 1, "nothing sent");

    click(&browser, "[data-confirm]").await;
    browser.wait_for_text("#summary", "检查通过").await;
    click(&browser, "#seal").await;
    wait_for_state(&browser, "submitted", Duration::from_secs(30)).await;
    let stored = report_of_week(&app).await;
    assert_eq!(
        stored["content"]["outcomes"][0]["continues"], "wall-1",
        "{stored}"
    );
    assert_eq!(stored["content"]["outcomes"][0]["status"], "in_progress");
    browser.quit().await;
}

/// An exempt week says "本期免报", not "the report has no outcome".
async fn an_exempt_week_says_so(browser: &Browser) {
    let label = browser
        .wait_for_text("#period option[value='weekly:2026-11-09']", "本期免报")
        .await;
    assert!(label.starts_with("11 月 9 日"), "{label}");
    script(
        browser,
        "const s = document.getElementById('period'); s.value = 'weekly:2026-11-09'; s.dispatchEvent(new Event('change'));",
    )
    .await;
    browser.wait_for_text("#exempt", "本期免报").await;
    let text = script(browser, "return document.body.innerText;").await;
    assert!(
        !text.as_str().unwrap_or_default().contains("没有成果"),
        "{text}"
    );
}

/// English: the period labels and the due line too; then back to Chinese.
async fn english_covers_labels_and_the_due_line(browser: &Browser) {
    script(
        browser,
        &format!("const s = document.getElementById('period'); s.value = '{WEEK}'; s.dispatchEvent(new Event('change'));"),
    )
    .await;
    wait_for_state(browser, "waiting", WAIT).await;
    click(browser, "#lang-toggle").await;
    let due = browser.wait_for_text("#due", "Due 24 Nov").await;
    assert!(due.contains("26 Nov (inclusive)"), "{due}");
    let label = browser
        .wait_for_text(&format!("#period option[value='{WEEK}']"), "16 Nov")
        .await;
    assert!(!label.contains('月'), "{label}");
    click(browser, "#lang-toggle").await;
}

/// On a phone with no signal: a sealed report is taken back out of the outbox, edited and
/// sealed again (one report, sent once); a removed outcome comes back with "撤销"; a week
/// never opened says so instead of showing another week's form; English covers the
/// period labels and the due line; and the sign-in page opens offline too. Before that,
/// online: the page opens on the earliest due week, and an exempt week says "本期免报".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_cadre_can_unseal_undo_and_is_told_what_is_not_here() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::seeded(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    set_up_reporting_from(&app, "2026-11-02").await;
    let admin = app.login("admin").await;
    let training = json!({ "username": "cadre", "kind": "training", "starts_on": "2026-11-10", "ends_on": "2026-11-11" });
    call(&app, Method::POST, "/api/v1/exemptions", &admin, &training).await;
    browser.cdp("Network.enable", json!({})).await.expect("CDP");
    signs_in(&browser, &app).await;
    let week = script(&browser, "return document.getElementById('period').value;").await;
    assert_eq!(
        week,
        json!("weekly:2026-11-02"),
        "the earliest due, unreported week"
    );

    an_exempt_week_says_so(&browser).await;
    script(
        &browser,
        &format!("const s = document.getElementById('period'); s.value = '{WEEK}'; s.dispatchEvent(new Event('change'));"),
    )
    .await;
    browser.wait_for_text("#due", "11 月 24 日").await;
    writes_an_outcome(&browser).await;
    the_offline_copy_is_ready(&browser).await;

    network(&browser, true).await;
    browser.wait_for("#offline").await;
    click(&browser, "#seal").await;
    wait_for_state(&browser, "waiting", WAIT).await;
    click(&browser, "#unseal").await;
    wait_for_state(&browser, "editing", WAIT).await;
    assert_eq!(
        outbox_count(&browser).await,
        json!(0),
        "taken back out of the outbox"
    );
    type_into(&browser, "[data-path='o.0.for_whom']", "全村 312 户村民").await;

    // Remove and undo.
    click(&browser, "[data-remove='0']").await;
    browser.wait_for_text("#undo", "已删除第 1 项").await;
    click(&browser, "#undo-button").await;
    let back = browser
        .wait_until("the outcome back", WAIT, || async {
            let v = script(&browser, "const e = document.querySelector(\"[data-path='o.0.for_whom']\"); return e ? e.value : null;").await;
            (!v.is_null()).then_some(v)
        })
        .await;
    assert_eq!(
        back,
        json!("全村 312 户村民"),
        "the outcome is back as it was"
    );

    click(&browser, "#seal").await;
    wait_for_state(&browser, "waiting", WAIT).await;

    // A week this device never opened, offline: said, not another week's form.
    script(
        &browser,
        "const s = document.getElementById('period'); s.value = 'weekly:2026-11-23'; s.dispatchEvent(new Event('change'));",
    )
    .await;
    browser
        .wait_for_text("#unavailable", "本机没有这一期")
        .await;
    let form_shown = script(&browser, "return !document.getElementById('draft').hidden;").await;
    assert_eq!(form_shown, json!(false), "no form under the new label");

    english_covers_labels_and_the_due_line(&browser).await;

    // The sign-in page opens offline.
    browser.goto(&app.url("/")).await.expect("open / offline");
    browser.wait_for_text("#me-links", "填写本期报告").await;

    // Back online: sent once, with the edit made after un-sealing.
    browser.goto(&app.url("/cadre.html")).await.expect("back");
    network(&browser, false).await;
    script(&browser, "window.dispatchEvent(new Event('online'));").await;
    browser
        .wait_until(
            "the sealed report to arrive",
            Duration::from_secs(30),
            || async { (app.count("reports").await == 1).then_some(()) },
        )
        .await;
    let stored = report_of_week(&app).await;
    assert_eq!(stored["revision"], 1, "sent once: {stored}");
    assert_eq!(
        stored["content"]["outcomes"][0]["for_whom"],
        "全村 312 户村民"
    );
    browser.quit().await;
}
