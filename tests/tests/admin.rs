//! End to end in headless Chromium, as a county admin uses jianfu: the admin page served by
//! the real server, with the admin's browser module (web/pkg/admin, built by
//! scripts/build-wasm.sh). One test per journey of issue 12 — people, postings and
//! exemptions, the template editor's live burden preview (its figure against the server's),
//! the cadence, emergencies, data needs with boundaries and the divisions import, and the
//! audit log — each refusal checked by its field in the server's Chinese words, each view
//! checked for the other language in Chinese and in English, and screenshotted at 1366 and
//! 390 px into `$CARGO_TARGET_DIR/screenshots/`.

use jianfu_tests::fixtures::{Setup, ok_json, policy_body, send, setup};
use jianfu_tests::pages::{
    DESKTOP, assert_language, click, device_clock, screenshots, script, sign_in, tab_to, type_into,
    viewport, wait_js,
};
use jianfu_tests::webdriver::{Browser, keys};
use jianfu_tests::{COUNTY, Engine, OTHER_TOWNSHIP_VILLAGE, StatusCode, TestApp, VILLAGE};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Words that are the names of file formats, not English, and may appear in Chinese text.
const FORMATS: &[&str] = &["GeoJSON", "CSV", "XLSX"];

fn require_admin_module() {
    let glue = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../web/pkg/admin/jianfu_client.js"
    ));
    assert!(
        glue.exists(),
        "{} is missing: build the browser modules first with scripts/build-wasm.sh",
        glue.display()
    );
}

/// A seeded county with the usual set-up (template, weekly policy, the cadre's posting, the
/// clock on 2026-11-25 10:00), and a browser signed in as its admin on `/admin.html#{view}`.
async fn admin_on(view: &str) -> Option<(Browser, TestApp, Setup)> {
    let browser = Browser::start().await?;
    require_admin_module();
    let app = TestApp::seeded(Engine::Sqlite).await.expect("SQLite");
    let set = setup(&app).await;
    device_clock(&browser, &app).await;
    viewport(&browser, DESKTOP).await;
    sign_in(&browser, &app, "admin", None).await;
    open(&browser, &app, view).await;
    Some((browser, app, set))
}

/// Opens `/admin.html#{view}` and waits until the view is the one shown.
async fn open(browser: &Browser, app: &TestApp, view: &str) {
    browser
        .goto(&app.url(&format!("/admin.html#{view}")))
        .await
        .expect("open the admin page");
    let name = view.split('/').next().unwrap_or(view);
    let name = if name.bytes().all(|b| b.is_ascii_digit()) {
        "tree"
    } else {
        name
    };
    let js = format!("return document.body.dataset.view === '{name}';");
    wait_js(browser, &format!("the {name} view"), &js).await;
}

/// Sets a control's value as a picker would (date inputs, selects), firing input and change.
async fn set_value(browser: &Browser, css: &str, value: &str) {
    browser.wait_for(css).await;
    let js = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
              e.dispatchEvent(new Event('input', {bubbles: true})); \
              e.dispatchEvent(new Event('change', {bubbles: true})); return e.value;";
    let set = browser
        .execute(js, vec![json!(css), json!(value)])
        .await
        .expect("script runs");
    assert_eq!(set, json!(value), "{css} takes {value}");
}

/// Ticks or unticks a checkbox by clicking it.
async fn check(browser: &Browser, css: &str, on: bool) {
    let now = script(
        browser,
        &format!("return document.querySelector(\"{css}\").checked;"),
    )
    .await;
    if now != json!(on) {
        let element = browser.find(css).await.expect("checkbox");
        browser.click(&element).await.expect("click");
    }
}

/// The text of the first field message (`.field-error`) inside `scope` that shows, once it
/// contains `needle`; also returns its `data-code`.
async fn field_error(browser: &Browser, scope: &str, needle: &str) -> (String, Value) {
    let js = format!(
        "const e = [...document.querySelectorAll(\"{scope} .field-error\")].find(p => !p.hidden && p.textContent.includes({needle:?})); \
         return e ? [e.textContent, e.dataset.code ?? null, e.dataset.source ?? null] : null;"
    );
    let found = wait_js(
        browser,
        &format!("a field message in {scope} with {needle}"),
        &js,
    )
    .await;
    (
        found[0].as_str().unwrap_or_default().to_owned(),
        json!([found[1], found[2]]),
    )
}

/// The element a field message follows: the `name` of the control it is about.
async fn message_beside(browser: &Browser, scope: &str, needle: &str) -> Value {
    let js = format!(
        "const e = [...document.querySelectorAll(\"{scope} .field-error\")].find(p => p.textContent.includes({needle:?})); \
         if (!e) return null; const box = e.previousElementSibling; \
         const c = box && (box.matches('input, select, textarea') ? box : box.querySelector('input, select, textarea')); \
         return c ? c.name : (box ? box.dataset.field ?? null : null);"
    );
    script(browser, &js).await
}

async fn confirm_dialog(browser: &Browser) {
    click(browser, "dialog[open] [data-action='confirm']").await;
    wait_js(
        browser,
        "the dialog to close",
        "return !document.querySelector('dialog[open]');",
    )
    .await;
}

async fn login_status(app: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    let response = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({ "username": username, "password": password }),
        )
        .await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn api(app: &TestApp, method: Method, path: &str, token: &str, body: &Value) -> Value {
    let response = send(app, method, path, token, body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Both languages, then screenshots at both widths.
async fn languages_and_screenshots(browser: &Browser, name: &str) {
    assert_language(browser, name, "en", FORMATS).await;
    assert_language(browser, name, "zh", FORMATS).await;
    screenshots(browser, name, false).await;
}

async fn shown_password(browser: &Browser, before: &str) -> String {
    let js = format!(
        "const e = document.getElementById('shown-password'); \
         return e && e.offsetParent && e.textContent !== {before:?} ? e.textContent : null;"
    );
    let value = wait_js(browser, "a password shown once", &js).await;
    value.as_str().expect("a password").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_created_reset_disabled_and_enabled() {
    let Some((browser, app, _)) = admin_on("people").await else {
        return;
    };
    browser
        .wait_for_text("#people-table tr[data-key='cadre']", "驻村干部")
        .await;

    // A taken username: the server's words, by the username field.
    type_into(&browser, "#create-person [name='display_name']", "王丽").await;
    type_into(&browser, "#create-person [name='username']", "cadre").await;
    type_into(&browser, "#create-person [name='org_unit']", VILLAGE).await;
    click(&browser, "#create-submit").await;
    let (message, code) = field_error(&browser, "#create-person", "已被使用").await;
    assert_eq!(message, "用户名 cadre 已被使用");
    assert_eq!(code, json!(["username_taken", "server"]));
    assert_eq!(
        message_beside(&browser, "#create-person", "已被使用").await,
        json!("username")
    );

    // Created: the first password shown once, and it works.
    type_into(&browser, "#create-person [name='username']", "wang.li").await;
    click(&browser, "#create-submit").await;
    let first = shown_password(&browser, "").await;
    browser
        .wait_for_text("#create-feedback", "账号已创建")
        .await;
    assert_eq!(
        login_status(&app, "wang.li", &first).await.0,
        StatusCode::OK
    );
    browser
        .wait_for_text("#people-table tr[data-key='wang.li']", "王丽")
        .await;

    // Reset: a new password, shown once; the old one stops working.
    click(&browser, "[data-action='reset'][data-username='wang.li']").await;
    browser.wait_for_text("dialog[open]", "王丽").await;
    confirm_dialog(&browser).await;
    let second = shown_password(&browser, &first).await;
    assert_ne!(first, second);
    assert_eq!(
        login_status(&app, "wang.li", &first).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = login_status(&app, "wang.li", &second).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = body["token"].as_str().expect("token").to_owned();

    // Disable: the badge says so, sign-in is refused and the open session stops at once.
    click(&browser, "[data-action='disable'][data-username='wang.li']").await;
    confirm_dialog(&browser).await;
    browser
        .wait_for_text(
            "#people-table tr[data-key='wang.li'] [data-state='disabled']",
            "已停用",
        )
        .await;
    browser
        .wait_for_text("#people-feedback", "账号已停用")
        .await;
    let (status, body) = login_status(&app, "wang.li", &second).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "account_disabled");
    let me = app.get("/api/v1/me", &session).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "the session ended");
    languages_and_screenshots(&browser, "admin-people").await;

    // Enabled again: the password works.
    click(&browser, "[data-action='enable'][data-username='wang.li']").await;
    confirm_dialog(&browser).await;
    browser
        .wait_for_text(
            "#people-table tr[data-key='wang.li'] [data-state='active']",
            "正常",
        )
        .await;
    assert_eq!(
        login_status(&app, "wang.li", &second).await.0,
        StatusCode::OK
    );

    // Found by name, then the role filter lists reviewers only.
    type_into(&browser, "#people-search", "王丽").await;
    wait_js(
        &browser,
        "one person found",
        "const rows = [...document.querySelectorAll('#people-table tbody tr')]; \
         return rows.length === 1 && rows[0].dataset.key === 'wang.li';",
    )
    .await;
    type_into(&browser, "#people-search", "").await;
    set_value(&browser, "#people-role", "reviewer").await;
    wait_js(
        &browser,
        "reviewers only",
        "const rows = [...document.querySelectorAll('#people-table tbody tr')]; \
         return rows.length === 2 && rows.every(r => r.textContent.includes('审核人员'));",
    )
    .await;
    browser.quit().await;
}

/// A CSV file in a temp dir (kept until the test ends).
fn file_with(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the file");
    path.display().to_string()
}

async fn choose_file(browser: &Browser, css: &str, path: &str) {
    let js = format!("return !!document.querySelector({css:?});");
    wait_js(browser, &format!("{css} to exist"), &js).await;
    let input = browser.find(css).await.expect("file input");
    browser.send_keys(&input, path).await.expect("choose file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postings_show_gaps_and_an_exemption_shows_its_periods_first() {
    let Some((browser, app, set)) = admin_on("tree").await else {
        return;
    };
    // The cadre served in their village until 06-30, then in the next from 07-15: a gap.
    let postings = api(
        &app,
        Method::GET,
        "/api/v1/postings",
        &set.admin,
        &Value::Null,
    )
    .await;
    let first = postings["items"][0]["id"].as_i64().expect("posting id");
    api(
        &app,
        Method::POST,
        &format!("/api/v1/postings/{first}/end"),
        &set.admin,
        &json!({ "ends_on": "2026-06-30" }),
    )
    .await;
    api(
        &app,
        Method::POST,
        "/api/v1/postings",
        &set.admin,
        &json!({ "username": "cadre", "org_unit": "130928101202", "starts_on": "2026-07-15" }),
    )
    .await;
    open(&browser, &app, "postings").await;
    let gap = browser
        .wait_for_text("#postings-table tr[data-kind='gap']", "间隔 14 天")
        .await;
    assert!(
        gap.contains("2026年7月1日") && gap.contains("2026年7月14日"),
        "{gap}"
    );
    browser
        .wait_for_text("#postings-table tr[data-kind='none']", "未派驻")
        .await;
    browser
        .wait_for_text("#postings-summary", "2 人有间隔、重叠或未派驻")
        .await;

    posts_and_is_refused_by_field(&browser).await;
    ends_a_posting(&browser, &app, &set).await;
    previews_then_grants_leave(&browser, &app).await;
    browser.quit().await;
}

async fn posts_and_is_refused_by_field(browser: &Browser) {
    // An overlapping posting: the server's words by the start date.
    type_into(browser, "#posting-form [name='username']", "cadre").await;
    type_into(browser, "#posting-form [name='org_unit']", "130928101203").await;
    // The village field offers the county's villages by name.
    let offered = wait_js(
        browser,
        "the villages offered",
        "const o = document.querySelector(\"#villages option[value='130928101201']\"); return o ? o.label : null;",
    )
    .await;
    assert_eq!(offered, "城一村委会");
    set_value(browser, "#posting-form [name='starts_on']", "2026-08-01").await;
    click(browser, "#posting-submit").await;
    let (message, code) = field_error(browser, "#posting-form", "重叠").await;
    assert!(
        message.contains("cadre 在 2026-07-15 起已驻 130928101202"),
        "{message}"
    );
    assert_eq!(code, json!(["posting_overlaps", "server"]));
    assert_eq!(
        message_beside(browser, "#posting-form", "重叠").await,
        json!("starts_on")
    );

    // The other cadre posted: no longer "not posted".
    type_into(browser, "#posting-form [name='username']", "other.cadre").await;
    type_into(
        browser,
        "#posting-form [name='org_unit']",
        OTHER_TOWNSHIP_VILLAGE,
    )
    .await;
    set_value(browser, "#posting-form [name='starts_on']", "2026-11-01").await;
    click(browser, "#posting-submit").await;
    browser
        .wait_for_text("#posting-feedback", "派驻已保存")
        .await;
    wait_js(
        browser,
        "no cadre without a posting",
        "return !document.querySelector(\"#postings-table tr[data-kind='none']\");",
    )
    .await;
}

async fn ends_a_posting(browser: &Browser, app: &TestApp, set: &Setup) {
    // Ending the open posting before it starts is refused in the dialog, by its field.
    let open_posting = api(
        app,
        Method::GET,
        "/api/v1/postings",
        &set.admin,
        &Value::Null,
    )
    .await["items"]
        .as_array()
        .expect("postings")
        .iter()
        .find(|p| p["starts_on"] == "2026-07-15")
        .expect("the second posting")["id"]
        .clone();
    click(
        browser,
        &format!("[data-action='end'][data-posting='{open_posting}']"),
    )
    .await;
    type_into(browser, "dialog[open] [name='ends_on']", "2026-07-10").await;
    click(browser, "dialog[open] [data-action='confirm']").await;
    let (message, _) = field_error(browser, "dialog[open]", "早于开始日期").await;
    assert_eq!(message, "结束日期早于开始日期");
    type_into(browser, "dialog[open] [name='ends_on']", "2026-12-31").await;
    confirm_dialog(browser).await;
    browser
        .wait_for_text("#postings-table", "2026年12月31日")
        .await;
}

async fn previews_then_grants_leave(browser: &Browser, app: &TestApp) {
    // Sick leave: the weeks it exempts, with their deadlines, before it is granted.
    type_into(browser, "#exemption-form [name='username']", "cadre").await;
    set_value(browser, "#exemption-form [name='kind']", "sickness").await;
    set_value(browser, "#exemption-form [name='starts_on']", "2026-11-06").await;
    set_value(browser, "#exemption-form [name='ends_on']", "2026-11-10").await;
    // By keyboard: Tab from the note reaches the preview button, Enter runs it.
    script(
        browser,
        "document.querySelector(\"#exemption-form [name='note']\").focus();",
    )
    .await;
    tab_to(browser, "#exemption-preview-button", 3).await;
    browser.press(&[keys::ENTER]).await.expect("Enter");
    let periods = browser
        .wait_for_text("#exemption-periods", "将免报 2 个周期")
        .await;
    assert!(periods.contains("中国标准时间"), "{periods}");
    let keys = script(
        browser,
        "return [...document.querySelectorAll('#exemption-periods tbody tr')].map(r => r.dataset.key);",
    )
    .await;
    assert_eq!(keys, json!(["weekly:2026-11-02", "weekly:2026-11-09"]));
    assert!(
        periods.contains("2026年11月10日") && periods.contains("2026年11月17日"),
        "the due dates: {periods}"
    );
    assert_eq!(app.count("exemptions").await, 0, "a preview stores nothing");
    languages_and_screenshots(browser, "admin-postings").await;
    click(browser, "#exemption-grant").await;
    browser
        .wait_for_text("#exemption-feedback", "已批准，2 个周期免报")
        .await;
    browser.wait_for_text("#exemptions-table", "病假").await;
    assert_eq!(app.count("exemptions").await, 1);
}

/// The burden the page shows (`data-minutes`, the number the browser module computed).
async fn page_minutes(browser: &Browser) -> f64 {
    let js = "const b = document.getElementById('burden-result'); return b && b.dataset.minutes;";
    let text = wait_js(browser, "the burden figure", js).await;
    text.as_str().expect("minutes").parse().expect("a number")
}

async fn server_minutes(app: &TestApp, token: &str) -> f64 {
    let policy = ok_json(
        app.get(&format!("/api/v1/policies/{COUNTY}"), token).await,
        StatusCode::OK,
    )
    .await;
    policy["ledger"]["now"]["minutes_per_month"]
        .as_f64()
        .expect("minutes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_editor_previews_the_burden_as_the_server_computes_it() {
    let Some((browser, app, set)) = admin_on("templates").await else {
        return;
    };
    let row = format!("#templates-table tr[data-key='{}']", set.template_id);
    browser.wait_for_text(&row, "驻村周报").await;
    click(&browser, &format!("{row} a")).await;
    // 780 s a week: the module's figure is the server's, to the last bit.
    let minutes = page_minutes(&browser).await;
    let server = server_minutes(&app, &set.admin).await;
    assert_eq!(minutes.to_bits(), server.to_bits(), "{minutes} vs {server}");
    let now = browser.wait_for_text("#burden-now", "分钟").await;
    assert_eq!(now, "每位干部每月 56.5 分钟（预算 60 分钟）");
    browser
        .wait_for_text("#burden-basis", "按单位 130928 现行的填报周期（每周）")
        .await;

    // A fourth field asking what the third asks: marked live by the browser module.
    click(&browser, "#add-field").await;
    let new = "#tfields fieldset.tfield[data-index='3']";
    type_into(&browser, &format!("{new} [name='key']"), "visits").await;
    type_into(&browser, &format!("{new} [name='label_zh']"), "走访户数").await;
    type_into(&browser, &format!("{new} [name='label_en']"), "Visits").await;
    let (live, source) = field_error(&browser, new, "问的是同一件事").await;
    assert_eq!(source, json!(["duplicate_field", "client"]));
    assert!(
        live.starts_with("第 4 个字段“visits”与第 3 个字段“households”"),
        "{live}"
    );
    assert_eq!(
        message_beside(&browser, new, "同一件事").await,
        json!("label_zh")
    );

    // Saved anyway: the server refuses in the same words, in the same place.
    click(&browser, "#template-save").await;
    browser
        .wait_for_text(
            &format!("{new} .field-error[data-source='server']"),
            "问的是同一件事",
        )
        .await;
    let (server, _) = field_error(&browser, new, "同一件事").await;
    assert_eq!(server, live);
    browser.wait_for_text("#template-feedback", "未保存").await;

    // A distinct question, but 300 s more: over the budget, said with the arithmetic.
    type_into(&browser, &format!("{new} [name='label_zh']"), "走访次数").await;
    type_into(&browser, &format!("{new} [name='seconds_to_fill']"), "300").await;
    let over = browser.wait_for_text("#burden-over", "1080 秒").await;
    assert!(
        over.contains("每月 4.35 次 × 每次 1080 秒 = 每月 78.3 分钟"),
        "{over}"
    );
    languages_and_screenshots(&browser, "admin-template-over-budget").await;
    click(&browser, "#template-save").await;
    browser
        .wait_for_text("#burden-over[data-source='server']", "超过预算每月 60 分钟")
        .await;
    let stored = app
        .get(
            &format!("/api/v1/templates/{}", set.template_id),
            &set.admin,
        )
        .await;
    let stored = ok_json(stored, StatusCode::OK).await;
    assert_eq!(
        stored["fields"].as_array().map(Vec::len),
        Some(3),
        "refused: unchanged"
    );

    // A required photo is refused (R4), by the control that makes it so.
    set_value(&browser, &format!("{new} [name='type']"), "attachment").await;
    set_value(&browser, &format!("{new} [name='media']"), "photo").await;
    check(&browser, &format!("{new} [name='required']"), true).await;
    let (photo, source) = field_error(&browser, new, "照片").await;
    assert!(photo.contains("不得以照片作证明"), "{photo}");
    assert_eq!(source, json!(["photo_required", "client"]));
    check(&browser, &format!("{new} [name='required']"), false).await;

    // Within the budget at 30 s: saved, and the browser's figure is still the server's.
    set_value(&browser, &format!("{new} [name='type']"), "number").await;
    type_into(&browser, &format!("{new} [name='seconds_to_fill']"), "30").await;
    assert_eq!(
        browser.wait_for_text("#burden-now", "58.7").await,
        "每位干部每月 58.7 分钟（预算 60 分钟）"
    );
    let before = page_minutes(&browser).await;
    click(&browser, "#template-save").await;
    browser
        .wait_for_text("#template-feedback", "模板已保存")
        .await;
    let server = server_minutes(&app, &set.admin).await;
    assert_eq!(before.to_bits(), server.to_bits(), "{before} vs {server}");
    screenshots(&browser, "admin-template", true).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_townships_cadence_is_previewed_then_saved() {
    let Some((browser, app, set)) = admin_on("policies/130928101").await else {
        return;
    };
    let source = browser
        .wait_for_text("#policy-source", "继承自上级单位")
        .await;
    assert!(source.contains("吴桥县"), "{source}");
    browser.wait_for_text("#policy-facts", "每周").await;

    // Daily without an emergency: refused by the cadence (R1).
    set_value(&browser, "#policy-form [name='period_kind']", "daily").await;
    click(&browser, "#policy-preview-button").await;
    let (message, code) = field_error(&browser, "#policy-form", "没有进行中的紧急状态").await;
    assert_eq!(
        message,
        "130928101 没有进行中的紧急状态，填报周期不得短于每周（收到 daily）"
    );
    assert_eq!(code, json!(["cadence_below_floor", "server"]));
    assert_eq!(
        message_beside(&browser, "#policy-form", "紧急状态").await,
        json!("period_kind")
    );

    // A due offset out of range: by its field.
    set_value(&browser, "#policy-form [name='period_kind']", "monthly").await;
    type_into(&browser, "#policy-form [name='due_offset_days']", "40").await;
    click(&browser, "#policy-preview-button").await;
    field_error(&browser, "#policy-form", "超过上限 31 天").await;
    assert_eq!(
        message_beside(&browser, "#policy-form", "超过上限 31 天").await,
        json!("due_offset_days")
    );

    // Monthly, due 5 days after the month: the next periods in local time, nothing stored.
    type_into(&browser, "#policy-form [name='due_offset_days']", "5").await;
    click(&browser, "#policy-preview-button").await;
    let preview = browser
        .wait_for_text("#next-periods", "接下来的周期（时间为中国标准时间）")
        .await;
    let keys = script(
        &browser,
        "return [...document.querySelectorAll('#next-periods tbody tr')].map(r => r.dataset.key);",
    )
    .await;
    assert_eq!(keys[0], "monthly:2026-11-01");
    assert_eq!(keys.as_array().map(Vec::len), Some(6));
    assert!(
        preview.contains("2026年11月") && preview.contains("2026年12月5日"),
        "{preview}"
    );
    let stored = app.get("/api/v1/policies/130928101", &set.admin).await;
    assert_eq!(
        ok_json(stored, StatusCode::OK).await["inherited_from"],
        COUNTY,
        "a preview stores nothing"
    );
    languages_and_screenshots(&browser, "admin-policy-preview").await;

    click(&browser, "#policy-save").await;
    browser
        .wait_for_text("#policy-feedback", "填报周期已保存")
        .await;
    browser
        .wait_for_text("#policy-source", "本单位自行设置")
        .await;
    browser.wait_for_text("#policy-facts", "每月").await;
    let stored = ok_json(
        app.get("/api/v1/policies/130928101", &set.admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["inherited_from"], "130928101");
    assert_eq!(stored["period_kind"], "monthly");
    assert_eq!(stored["due_offset_days"], 5);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_is_declared_counted_down_used_and_ended_early() {
    let Some((browser, app, set)) = admin_on("emergencies").await else {
        return;
    };
    browser
        .wait_for_text("#emergencies-active", "目前没有紧急状态")
        .await;
    type_into(&browser, "#declare-form [name='reason']", "暴雨防汛").await;
    type_into(&browser, "#declare-form [name='days']", "15").await;
    click(&browser, "#declare-submit").await;
    let (message, code) = field_error(&browser, "#declare-form", "紧急状态应为").await;
    assert_eq!(message, "紧急状态应为 1 到 14 天，收到 15 天");
    assert_eq!(code, json!(["emergency_too_long", "server"]));
    assert_eq!(
        message_beside(&browser, "#declare-form", "紧急状态应为").await,
        json!("days")
    );

    type_into(&browser, "#declare-form [name='reason']", "暴雨防汛").await;
    type_into(&browser, "#declare-form [name='days']", "7").await;
    click(&browser, "#declare-submit").await;
    let row = browser
        .wait_for_text("#emergencies-active tbody tr", "暴雨防汛")
        .await;
    assert!(
        row.contains("2026年11月25日 10:00") && row.contains("2026年12月2日 10:00"),
        "{row}"
    );
    // Counting down: 6 days 23 hours and some minutes, ticking.
    let left = browser
        .wait_for_text("#emergencies-active [data-countdown]", "6 天 23 小时")
        .await;
    assert!(left.ends_with('分'), "{left}");
    languages_and_screenshots(&browser, "admin-emergency").await;

    // By keyboard: Tab reaches "end it now", Enter asks first, Esc cancels and gives the
    // focus back.
    script(
        &browser,
        "document.querySelector(\"#sections a[data-view='emergencies']\").focus();",
    )
    .await;
    tab_to(&browser, "[data-action='end']", 20).await;
    browser.press(&[keys::ENTER]).await.expect("Enter");
    wait_js(
        &browser,
        "the dialog to hold the focus",
        "return !!document.activeElement.closest('dialog[open]');",
    )
    .await;
    browser.press(&[keys::ESCAPE]).await.expect("Esc");
    wait_js(
        &browser,
        "the focus back on the button",
        "return !document.querySelector('dialog[open]') && document.activeElement.matches(\"[data-action='end']\");",
    )
    .await;
    browser
        .wait_for_text("#emergencies-active tbody tr", "暴雨防汛")
        .await;

    // While it lasts the county may report daily, from the day of the declaration.
    open(&browser, &app, "policies").await;
    browser.wait_for_text("#policy-facts", "每周").await;
    // Daily costs 30 times a month: the budget has to allow it (R5).
    set_value(&browser, "#policy-form [name='period_kind']", "daily").await;
    click(&browser, "#policy-preview-button").await;
    let (over, _) = field_error(&browser, "#policy-form", "填报负担超出预算").await;
    assert!(over.contains("每月 30.44 次 × 每次 780 秒"), "{over}");
    type_into(
        &browser,
        "#policy-form [name='budget_minutes_per_month']",
        "400",
    )
    .await;
    click(&browser, "#policy-preview-button").await;
    browser
        .wait_for_text("#next-periods", "2026年11月25日")
        .await;
    let first = script(
        &browser,
        "return document.querySelector('#next-periods tbody tr').dataset.key;",
    )
    .await;
    assert_eq!(
        first, "daily:2026-11-25",
        "daily periods start on the declaration day"
    );
    click(&browser, "#policy-save").await;
    browser
        .wait_for_text("#policy-emergency", "紧急状态中")
        .await;

    // Ended early (a moment later: the test's clock stands still): no longer active, the
    // weekly cadence is back.
    app.clock.set(app.clock.now() + 2);
    open(&browser, &app, "emergencies").await;
    click(&browser, "[data-action='end']").await;
    confirm_dialog(&browser).await;
    browser
        .wait_for_text("#emergencies-active", "目前没有紧急状态")
        .await;
    browser.wait_for_text("#emergencies-past", "暴雨防汛").await;
    let policy = ok_json(
        app.get(&format!("/api/v1/policies/{COUNTY}"), &set.admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(policy["period_kind"], "weekly");
    browser.quit().await;
}

/// A small square around a village, as a GeoJSON Feature.
const VILLAGE_OUTLINE: &str = r#"{"type": "Feature", "properties": {"name": "城一村"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.39, 37.60], [116.42, 37.60], [116.42, 37.62], [116.40, 37.63], [116.39, 37.60]]]}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_needs_link_or_add_and_boundaries_and_divisions_upload() {
    let Some((browser, app, _set)) = admin_on("needs").await else {
        return;
    };
    // Already asked by the template: linked, reported once.
    type_into(&browser, "#need-form [name='department']", "民政局").await;
    type_into(&browser, "#need-form [name='label_zh']", "走访户数").await;
    type_into(
        &browser,
        "#need-form [name='label_en']",
        "Households visited",
    )
    .await;
    click(&browser, "#need-submit").await;
    let outcome = browser
        .wait_for_text(
            "#need-outcome[data-resolution='linked']",
            "已关联到现有字段",
        )
        .await;
    assert!(outcome.ends_with("households"), "{outcome}");

    // Not asked, and no field to add: refused by the "add a field" choice.
    type_into(&browser, "#need-form [name='department']", "农业局").await;
    type_into(&browser, "#need-form [name='label_zh']", "春耕进度").await;
    type_into(&browser, "#need-form [name='label_en']", "Spring ploughing").await;
    click(&browser, "#need-submit").await;
    let (message, code) = field_error(&browser, "#need-form", "请提供要新增的字段").await;
    assert!(message.contains("春耕进度"), "{message}");
    assert_eq!(code, json!(["data_need_unmatched", "server"]));
    assert_eq!(
        message_beside(&browser, "#need-form", "请提供要新增的字段").await,
        json!("add"),
        "by the choice to add a field"
    );

    // With the field: added (within the budget).
    check(&browser, "#need-add", true).await;
    type_into(&browser, "#need-field [name='key']", "ploughing").await;
    type_into(&browser, "#need-field [name='seconds_to_fill']", "30").await;
    click(&browser, "#need-submit").await;
    let added = browser
        .wait_for_text("#need-outcome[data-resolution='added']", "已新增字段")
        .await;
    assert!(added.ends_with("ploughing"), "{added}");
    browser.wait_for_text("#needs-table", "新增字段").await;
    languages_and_screenshots(&browser, "admin-needs").await;

    let dir = tempfile::tempdir().expect("temp dir");
    draws_a_village_outline(&browser, &app, &dir).await;
    imports_divisions_all_or_nothing(&browser, &app, &dir).await;
    languages_and_screenshots(&browser, "admin-tree").await;
    browser.quit().await;
}

async fn draws_a_village_outline(browser: &Browser, app: &TestApp, dir: &tempfile::TempDir) {
    // A village's outline: uploaded as a GeoJSON file and drawn.
    open(browser, app, VILLAGE).await;
    browser
        .wait_for_text("#boundary-none", "尚未上传边界")
        .await;
    let point = file_with(
        dir,
        "point.geojson",
        r#"{"type": "Point", "coordinates": [116.4, 37.6]}"#,
    );
    choose_file(browser, "#boundary-file", &point).await;
    click(browser, "#boundary-submit").await;
    let (message, code) = field_error(browser, "#boundary-form", "").await;
    assert!(!message.is_empty());
    assert_eq!(code[0], "invalid_boundary");
    let outline = file_with(dir, "城一村.geojson", VILLAGE_OUTLINE);
    choose_file(browser, "#boundary-file", &outline).await;
    click(browser, "#boundary-submit").await;
    browser
        .wait_for_text("#boundary-feedback", "边界已保存")
        .await;
    let path = script(
        browser,
        "const p = document.querySelector('#boundary-drawing svg path'); return p ? p.getAttribute('d') : null;",
    )
    .await;
    let d = path.as_str().expect("an outline is drawn");
    assert_eq!(d.matches('L').count(), 4, "five points, one ring: {d}");
    screenshots(browser, "admin-boundary", false).await;
}

async fn imports_divisions_all_or_nothing(
    browser: &Browser,
    app: &TestApp,
    dir: &tempfile::TempDir,
) {
    // Divisions: a bad file names its line and stores nothing; a good one is imported.
    open(browser, app, COUNTY).await;
    let units = app.count("org_units").await;
    let bad = file_with(
        dir,
        "divisions.csv",
        "code,name,level,parent_code\n130928101299,新村,village,130928101\n13092810129x,坏,village,130928101\n",
    );
    choose_file(browser, "#divisions-file", &bad).await;
    click(browser, "#divisions-submit").await;
    let errors = browser.wait_for_text("#divisions-errors", "1 处错误").await;
    let row = script(
        browser,
        "return [...document.querySelectorAll('#divisions-errors tbody td')].map(td => td.textContent);",
    )
    .await;
    assert_eq!(row[0], "3", "{errors}");
    assert_eq!(row[1], "code", "{errors}");
    assert_eq!(app.count("org_units").await, units, "nothing stored");
    let good = file_with(
        dir,
        "divisions-ok.csv",
        "code,name,level,parent_code\n130928101299,新村,village,130928101\n",
    );
    choose_file(browser, "#divisions-file", &good).await;
    click(browser, "#divisions-submit").await;
    browser
        .wait_for_text("#divisions-feedback", "导入完成")
        .await;
    browser
        .wait_for_text("#divisions-result dd[data-n='inserted']", "1")
        .await;
    assert_eq!(app.count("org_units").await, units + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_filtered_paged_and_shows_a_readable_diff() {
    let Some((browser, app, set)) = admin_on("tree").await else {
        return;
    };
    // 25 budget changes: more than a page.
    for budget in 61..=85 {
        let body = policy_body(set.template_id, "weekly", budget);
        api(
            &app,
            Method::PUT,
            &format!("/api/v1/policies/{COUNTY}"),
            &set.admin,
            &body,
        )
        .await;
    }
    open(&browser, &app, "audit").await;
    browser
        .wait_for_text("#audit-table tbody tr:first-child", "设置填报周期")
        .await;
    let count = "return document.querySelectorAll('#audit-table tbody tr').length;";
    assert_eq!(script(&browser, count).await, json!(20));
    click(&browser, "#audit-pager [data-pager='next']").await;
    browser.wait_for_text("#audit-pager", "第 2 页").await;

    // Only policy changes by the admin.
    set_value(&browser, "#audit-kind", "policies").await;
    type_into(&browser, "#audit-actor", "admin").await;
    click(&browser, "#audit-apply").await;
    wait_js(
        &browser,
        "policy changes only",
        "const rows = [...document.querySelectorAll('#audit-table tbody tr')]; \
         return rows.length === 20 && rows.every(r => r.textContent.includes('设置填报周期'));",
    )
    .await;
    // The newest: 84 → 85 minutes, as a diff.
    click(&browser, "#audit-table tbody tr:first-child summary").await;
    let changed = browser
        .wait_for_text(
            "#audit-table tbody tr:first-child tr[data-path='budget_minutes']",
            "85",
        )
        .await;
    let cells = script(
        &browser,
        "return [...document.querySelectorAll(\"#audit-table tbody tr:first-child tr[data-path='budget_minutes'] td\")].map(td => td.textContent);",
    )
    .await;
    assert_eq!(cells, json!(["budget_minutes", "84", "85"]), "{changed}");
    let same = browser
        .wait_for_text("#audit-table tbody tr:first-child .diff-box", "项未变")
        .await;
    assert!(
        !same.contains("period_kind"),
        "unchanged items stay out of the diff"
    );
    languages_and_screenshots(&browser, "admin-audit").await;

    // Another unit's subtree has none of them.
    type_into(&browser, "#audit-unit", "130928101").await;
    click(&browser, "#audit-apply").await;
    browser
        .wait_for_text("#audit-table", "没有符合条件的记录")
        .await;
    browser.quit().await;
}

/// A reviewer opens the same page for the tree only: no sections, no uploads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_sees_the_tree_only() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::seeded(Engine::Sqlite).await.expect("SQLite");
    viewport(&browser, DESKTOP).await;
    sign_in(&browser, &app, "reviewer", Some("/review.html")).await;
    browser
        .goto(&app.url("/admin.html#people"))
        .await
        .expect("open");
    browser.wait_for_text("#unit-name", "吴桥县").await;
    let hidden = script(
        &browser,
        "return [document.getElementById('sections').hidden, document.getElementById('divisions-import').hidden, document.body.dataset.view];",
    )
    .await;
    assert_eq!(hidden, json!([true, true, "tree"]));
    browser.quit().await;
}
