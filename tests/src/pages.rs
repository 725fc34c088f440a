//! Support for the end-to-end tests of the signed-in pages (the reviewer's and the
//! admin's): signing in through the front page, typing and clicking, a device clock that
//! agrees with the server's manual clock, screenshots of a page at a 390 px phone and a
//! 1366 px desktop (with a check that nothing spills sideways), and the language check:
//! in Chinese no English word is left, in English no Chinese character — outside what
//! users wrote (names, villages, outcomes: the pages mark it with `data-user`).

use crate::webdriver::{Browser, Element, WAIT, keys};
use crate::{PASSWORD, TestApp};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// A phone and a desktop, as CSS pixels (width, height).
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1366, 900);

/// The tallest full-page screenshot, in CSS pixels.
const MAX_SHOT_HEIGHT: f64 = 5000.0;

/// Where screenshots go: `$CARGO_TARGET_DIR/screenshots/` (else the workspace's `target/`).
pub fn screenshot_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")),
        PathBuf::from,
    );
    target.join("screenshots").join(name)
}

pub async fn script(browser: &Browser, js: &str) -> Value {
    browser.execute(js, vec![]).await.expect("script runs")
}

/// Clears the element matching `css` (once it shows) and types `text` into it.
pub async fn type_into(browser: &Browser, css: &str, text: &str) -> Element {
    let input = browser.wait_for(css).await;
    browser.clear(&input).await.expect("clear");
    browser.send_keys(&input, text).await.expect("type");
    input
}

/// Clicks the element matching `css` once it shows.
pub async fn click(browser: &Browser, css: &str) {
    let element = browser.wait_for(css).await;
    browser.click(&element).await.expect("click");
}

/// Waits until `js` (a function body) returns something truthy; returns it.
pub async fn wait_js(browser: &Browser, what: &str, js: &str) -> Value {
    browser
        .wait_until(what, WAIT, || async move {
            let value = browser.execute(js, vec![]).await.ok()?;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            truthy.then_some(value)
        })
        .await
}

/// The viewport as a device of `size` (mobile below 600 px).
pub async fn viewport(browser: &Browser, (width, height): (u32, u32)) {
    let metrics =
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 });
    browser
        .cdp("Emulation.setDeviceMetricsOverride", metrics)
        .await
        .expect("CDP device metrics");
}

/// Shifts `Date.now()` on every page by the difference between the server's manual clock
/// and the real one, so the pages agree with the server about "now". Call before opening
/// a page.
pub async fn device_clock(browser: &Browser, app: &TestApp) {
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

/// Signs `username` in on the front page (Chinese, the default) and waits until the page
/// has moved on: to `lands_on` (a path such as `/review.html`), or, when `None`, until the
/// front page shows who is signed in.
pub async fn sign_in(browser: &Browser, app: &TestApp, username: &str, lands_on: Option<&str>) {
    browser.goto(&app.url("/")).await.expect("open /");
    type_into(browser, "#username", username).await;
    type_into(browser, "#password", PASSWORD).await;
    click(browser, "#login-submit").await;
    match lands_on {
        Some(path) => {
            let want = app.url(path);
            browser
                .wait_until(&format!("{username} to land on {path}"), WAIT, || {
                    let want = want.clone();
                    async move {
                        let url = browser.current_url().await.ok()?;
                        url.starts_with(&want).then_some(())
                    }
                })
                .await;
        }
        None => {
            browser.wait_for("#me").await;
        }
    }
}

/// Saves full-page screenshots of the page as it is now at a 390 px phone and a 1366 px
/// desktop (`{name}-390.png`, `{name}-1366.png`), and asserts that at each width nothing is
/// wider than the screen (no sideways scrolling). Leaves the viewport at the phone size
/// when `end_on_phone`, else at the desktop. Returns the two paths.
pub async fn screenshots(browser: &Browser, name: &str, end_on_phone: bool) -> [PathBuf; 2] {
    let mut sizes = [DESKTOP, PHONE];
    if !end_on_phone {
        sizes.reverse();
    }
    let mut paths = Vec::new();
    for size in sizes {
        viewport(browser, size).await;
        // Let layout settle after the resize.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let overflow = script(
            browser,
            "const w = document.documentElement.clientWidth; \
             const wide = [...document.querySelectorAll('body *')].filter(e => { \
               const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1 && !e.closest('dialog:not([open])'); }) \
               .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className); \
             return { scroll: document.documentElement.scrollWidth, width: w, wide };",
        )
        .await;
        assert!(
            overflow["scroll"].as_f64() <= overflow["width"].as_f64(),
            "{name} at {} px scrolls sideways: {overflow}",
            size.0
        );
        let path = screenshot_path(&format!("{name}-{}.png", size.0));
        browser
            .full_screenshot(&path, MAX_SHOT_HEIGHT)
            .await
            .expect("screenshot");
        paths.push(path);
    }
    let [a, b]: [PathBuf; 2] = paths.try_into().expect("two screenshots");
    if end_on_phone { [b, a] } else { [a, b] }
}

/// Presses Tab (at most `limit` times) until the focused element matches `css`: proof that
/// a keyboard reaches it, in the page's own tab order.
pub async fn tab_to(browser: &Browser, css: &str, limit: usize) {
    for _ in 0..limit {
        let there = browser
            .execute(
                "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
                vec![json!(css)],
            )
            .await
            .expect("script runs");
        if there == json!(true) {
            return;
        }
        browser.press(&[keys::TAB]).await.expect("Tab");
    }
    panic!("{css} is not reached with {limit} presses of Tab");
}

/// Clicks the language toggle until the page is in `lang` (`zh` or `en`).
pub async fn switch_language(browser: &Browser, lang: &str) {
    let want = if lang == "zh" { "zh-CN" } else { "en" };
    for _ in 0..2 {
        if script(browser, "return document.documentElement.lang;").await == json!(want) {
            return;
        }
        click(browser, "#lang-toggle").await;
    }
    let now = script(browser, "return document.documentElement.lang;").await;
    assert_eq!(now, json!(want), "the language toggle switches to {lang}");
}

/// The texts on the page in the wrong language for `lang`: in `en`, any Chinese character;
/// in `zh`, any Latin word — except the words in `allowed` (such as `CSV`) and text inside
/// `[data-user]` (what people wrote, their names and places, usernames) or marked with a
/// `lang` of its own (the toggle says "English" in Chinese). Reads the visible
/// text, the options of selects, and placeholder, title and aria-label attributes.
pub async fn wrong_language(browser: &Browser, lang: &str, allowed: &[&str]) -> Vec<String> {
    let js = r"
      const [lang, allowed] = arguments;
      const bad = lang === 'en' ? /[\u3400-\u9fff\uff08\uff09\uff0c\uff1a\u3001\u3002]/ : /[A-Za-z]{2,}/g;
      const clean = (s) => { let out = s; for (const a of allowed) out = out.split(a).join(''); return out; };
      const wrong = (s) => lang === 'en' ? bad.test(clean(s)) : (clean(s).match(bad) || []).length > 0;
      const found = [];
      // What users wrote, and words marked as another language (the language toggle).
      const skip = (node) => node.closest('[data-user], script, style, title, desc, template') ||
        (node.closest('[lang]') && node.closest('[lang]') !== document.documentElement);
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const host = n.parentElement;
        if (!host || skip(host) || !n.textContent.trim()) continue;
        const shown = host.closest('option') || host.checkVisibility?.() !== false;
        if (shown && wrong(n.textContent)) found.push(n.textContent.trim());
      }
      for (const e of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
        if (skip(e)) continue;
        for (const a of ['placeholder', 'title', 'aria-label']) {
          const v = e.getAttribute(a);
          if (v && wrong(v)) found.push(`${a}=${v}`);
        }
      }
      return [...new Set(found)].slice(0, 20);
    ";
    let value = browser
        .execute(js, vec![json!(lang), json!(allowed)])
        .await
        .expect("script runs");
    value
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Switches to `lang` and asserts that no text is in the other language (see
/// [`wrong_language`]); `what` names the page in the failure.
pub async fn assert_language(browser: &Browser, what: &str, lang: &str, allowed: &[&str]) {
    switch_language(browser, lang).await;
    // Pages re-render on "langchange"; asynchronous parts may follow.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let wrong = wrong_language(browser, lang, allowed).await;
    assert!(
        wrong.is_empty(),
        "{what} in {lang} still shows text in the other language: {wrong:?}"
    );
}
