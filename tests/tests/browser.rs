//! End to end in headless Chromium: the pages served by the real server, the browser
//! module (web/pkg, built by scripts/build-wasm.sh) and the API, as an admin uses them.

use jianfu_tests::webdriver::{Browser, Element};
use jianfu_tests::{COUNTY, Engine, PASSWORD, TestApp};
use serde_json::{Value, json};
use std::path::PathBuf;

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn require_browser_module() {
    let glue = workspace().join("web/pkg/jianfu_client.js");
    assert!(
        glue.exists(),
        "{} is missing: build the browser module first with scripts/build-wasm.sh \
         (scripts/test.sh does this before the Rust tests)",
        glue.display()
    );
}

fn screenshot_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from);
    target.join("screenshots").join(name)
}

/// Requests the page has made to the API so far (fetch entries of the Resource Timing API).
async fn api_requests(browser: &Browser) -> u64 {
    let script = "return performance.getEntriesByType('resource')\
                  .filter(e => new URL(e.name).pathname.startsWith('/api/')).length;";
    let value = browser.execute(script, vec![]).await.expect("script runs");
    value.as_u64().expect("a count")
}

async fn row_count(browser: &Browser) -> usize {
    browser
        .find_all("#children tbody tr")
        .await
        .expect("rows")
        .len()
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

async fn signs_in(browser: &Browser, app: &TestApp) {
    browser.goto(&app.url("/")).await.expect("open /");
    browser.wait_for_text("#about h1", "减负是什么").await;
    type_into(browser, "#username", "admin").await;
    type_into(browser, "#password", "not the password").await;
    click(browser, "#login-submit").await;
    // The server's error, in the page's language (Chinese by default).
    let message = browser
        .wait_for_text("#login-error", "用户名或密码错误")
        .await;
    assert_eq!(message, "用户名或密码错误");
    let error = browser.find("#login-error").await.expect("error element");
    let code = browser
        .execute(
            "return [arguments[0].dataset.source, arguments[0].dataset.code];",
            vec![error.to_arg()],
        )
        .await
        .expect("script runs");
    assert_eq!(code, json!(["server", "bad_credentials"]));
    type_into(browser, "#password", PASSWORD).await;
    click(browser, "#login-submit").await;
    let unit = browser.wait_for_text("#me-unit", "吴桥县").await;
    assert!(unit.contains(COUNTY), "{unit}");
    browser.wait_for_text("#me-role", "管理员").await;
    let hidden = browser
        .execute("return document.getElementById('login').hidden;", vec![])
        .await
        .expect("script runs");
    assert_eq!(hidden, Value::Bool(true), "the form is gone once signed in");
    let token = browser
        .execute("return localStorage.getItem('jianfu.token');", vec![])
        .await
        .expect("script runs");
    assert!(
        token.as_str().is_some_and(|t| t.len() > 20),
        "token kept: {token}"
    );
}

async fn lists_the_townships(browser: &Browser) {
    click(browser, "#me-links a[href='/admin.html']").await;
    browser.wait_for_text("#unit-name", "吴桥县").await;
    let crumbs = browser.wait_for_text("#crumbs", "河北省").await;
    assert!(
        crumbs.contains("沧州市") && crumbs.contains("吴桥县"),
        "{crumbs}"
    );
    let rows = browser
        .wait_until(
            "11 townships",
            jianfu_tests::webdriver::WAIT,
            || async move {
                let n = row_count(browser).await;
                (n == 11).then_some(n)
            },
        )
        .await;
    assert_eq!(rows, 11);
    let row = browser
        .wait_for_text("#children tr[data-code='130928101']", "铁城镇")
        .await;
    assert!(row.contains("乡镇"), "level shown in Chinese: {row}");
    let next = browser.find("#next").await.expect("next button");
    assert!(
        !browser.is_displayed(&next).await.expect("displayed"),
        "one page only"
    );
}

async fn switches_to_english(browser: &Browser) {
    let heading = "[data-i18n='tree.children']";
    assert_eq!(browser.wait_for_text(heading, "下级单位").await, "下级单位");
    click(browser, "#lang-toggle").await;
    assert_eq!(
        browser.wait_for_text(heading, "Units below").await,
        "Units below"
    );
    let row = browser
        .wait_for_text("#children tr[data-code='130928101']", "Township")
        .await;
    assert!(row.contains("铁城镇"), "names stay as they are: {row}");
    let stored = browser
        .execute("return localStorage.getItem('jianfu.lang');", vec![])
        .await
        .expect("script runs");
    assert_eq!(stored, json!("en"));
}

async fn rejects_a_bad_code_in_the_browser(browser: &Browser) {
    let before = api_requests(browser).await;
    assert!(before >= 3, "the page has used the API: {before}");
    type_into(browser, "#goto-code", "13092").await;
    click(browser, "#goto-submit").await;
    let message = browser
        .wait_for_text("#goto-error", "a division code has 2, 4, 6, 9 or 12 digits")
        .await;
    assert_eq!(
        message,
        "a division code has 2, 4, 6, 9 or 12 digits, found 5"
    );
    let error = browser.find("#goto-error").await.expect("error element");
    let source = browser
        .execute(
            "return [arguments[0].dataset.source, arguments[0].dataset.code];",
            vec![error.to_arg()],
        )
        .await
        .expect("script runs");
    assert_eq!(source, json!(["client", "invalid_division_code"]));
    assert_eq!(
        api_requests(browser).await,
        before,
        "no request for a bad code"
    );
    // The shown error follows the language.
    click(browser, "#lang-toggle").await;
    browser.wait_for_text("#goto-error", "收到 5 位").await;
    click(browser, "#lang-toggle").await;
    browser.wait_for_text("#goto-error", "found 5").await;
}

async fn pages_through_a_township(browser: &Browser) {
    type_into(browser, "#goto-code", "130928101").await;
    click(browser, "#goto-submit").await;
    browser.wait_for_text("#unit-name", "铁城镇").await;
    let hidden = browser
        .execute(
            "return document.getElementById('goto-error').hidden;",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(hidden, Value::Bool(true), "the old error is gone");
    browser.wait_for_text("#page", "Page 1").await;
    let first = browser
        .wait_for_text("#children tbody tr:first-child", "130928101")
        .await;
    click(browser, "#next").await;
    browser.wait_for_text("#page", "Page 2").await;
    let second = browser
        .wait_for_text("#children tbody tr:first-child", "1309281012")
        .await;
    assert_ne!(first, second, "the next page has other villages");
    click(browser, "#prev").await;
    browser.wait_for_text("#page", "Page 1").await;
    assert_eq!(row_count(browser).await, 20);
}

/// Through Chrome DevTools: with the network gone, the page says so instead of failing silently.
async fn offline_shows_a_network_error(browser: &Browser) {
    let conditions = |offline: bool| json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 });
    browser.cdp("Network.enable", json!({})).await.expect("CDP");
    browser
        .cdp("Network.emulateNetworkConditions", conditions(true))
        .await
        .expect("CDP offline");
    type_into(browser, "#goto-code", "130928102").await;
    click(browser, "#goto-submit").await;
    browser.wait_for_text("#tree-error", "No connection").await;
    browser
        .cdp("Network.emulateNetworkConditions", conditions(false))
        .await
        .expect("CDP online");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_signs_in_browses_the_tree_and_gets_client_side_checks() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    require_browser_module();
    let app = TestApp::seeded(Engine::Sqlite)
        .await
        .expect("SQLite is always available");

    signs_in(&browser, &app).await;
    lists_the_townships(&browser).await;
    switches_to_english(&browser).await;
    rejects_a_bad_code_in_the_browser(&browser).await;
    browser
        .screenshot(&screenshot_path("admin.png"))
        .await
        .expect("screenshot");
    pages_through_a_township(&browser).await;
    offline_shows_a_network_error(&browser).await;

    // The language choice survives a reload.
    browser
        .goto(&app.url("/admin.html#130928"))
        .await
        .expect("reload");
    browser.wait_for_text("#lang-toggle", "中文").await;
    browser
        .wait_for_text("[data-i18n='tree.children']", "Units below")
        .await;
    browser.quit().await;
}
