//! A small W3C WebDriver client for end-to-end tests: it starts its own ChromeDriver on a
//! free loopback port, opens one headless Chromium session with a fresh profile, and
//! closes both when dropped. Only what the tests use: navigation, CSS lookups, clicks,
//! typing, text, scripts, polling waits, screenshots and Chrome DevTools commands.

use base64::Engine as _;
use serde_json::{Value, json};
use std::fmt;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian puts ChromeDriver and Chromium (`scripts/install-deps.sh` installs them).
/// `CHROMEDRIVER` in the environment overrides the driver's path.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Flags that keep Chromium headless and quiet on a closed network.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    // A phone-sized window: the pages are made for phones first.
    "--window-size=412,915",
];

/// How long [`Browser::wait_for`] and friends poll before giving up.
pub const WAIT: Duration = Duration::from_secs(10);

/// The key W3C WebDriver uses for an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Special keys for [`Browser::press`] (W3C WebDriver key codes).
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
}

/// A failed WebDriver command: the HTTP status and the driver's `error` and `message`.
#[derive(Debug, Clone)]
pub struct WebDriverError {
    pub status: u16,
    pub error: String,
    pub message: String,
}

impl fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "webdriver {} ({}): {}",
            self.error, self.status, self.message
        )
    }
}

impl std::error::Error for WebDriverError {}

pub type Result<T> = std::result::Result<T, WebDriverError>;

fn transport(err: &reqwest::Error) -> WebDriverError {
    WebDriverError {
        status: 0,
        error: "transport".to_owned(),
        message: err.to_string(),
    }
}

/// A reference to an element of the current page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(String);

impl Element {
    fn from_value(value: &Value) -> Result<Element> {
        value[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_owned()))
            .ok_or_else(|| WebDriverError {
                status: 0,
                error: "no element reference".to_owned(),
                message: value.to_string(),
            })
    }

    /// The element as a script argument (`arguments[i]` in [`Browser::execute`]).
    pub fn to_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// One headless Chromium session driven through its own ChromeDriver process.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    port: u16,
    session: Option<String>,
    http: reqwest::Client,
    profile: tempfile::TempDir,
}

fn driver_path() -> String {
    std::env::var("CHROMEDRIVER")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| CHROMEDRIVER.to_owned())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Browser {
    /// Starts ChromeDriver and a headless session. Without ChromeDriver this is `None`
    /// with a note, except in CI (`CI=true`), where a missing browser is a failure.
    pub async fn start() -> Option<Browser> {
        let path = driver_path();
        if !Path::new(&path).exists() {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but {path} is missing: run scripts/install-deps.sh"
            );
            eprintln!(
                "note: browser test skipped; {path} is missing (scripts/install-deps.sh installs it)"
            );
            return None;
        }
        let port = free_port();
        let driver = Command::new(&path)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {path}: {e}"));
        let mut browser = Browser {
            driver,
            port,
            session: None,
            http: reqwest::Client::new(),
            profile: tempfile::tempdir().expect("a temp profile dir"),
        };
        browser.wait_for_driver().await;
        browser.session = Some(browser.new_session().await);
        Some(browser)
    }

    async fn wait_for_driver(&mut self) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!("chromedriver exited at startup: {status}");
            }
            let ready = self
                .http
                .get(format!("http://127.0.0.1:{}/status", self.port))
                .send()
                .await;
            if let Ok(response) = ready {
                let body: Value = response.json().await.unwrap_or_default();
                if body["value"]["ready"] == true {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready after {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn new_session(&self) -> String {
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", self.profile.path().display()));
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        }}});
        let value = self
            .raw("POST", "/session", Some(capabilities))
            .await
            .unwrap_or_else(|e| panic!("cannot open a Chromium session: {e}"));
        value["sessionId"]
            .as_str()
            .expect("the new session's id")
            .to_owned()
    }

    /// Sends one command to ChromeDriver; returns the response's `value`.
    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = self.http.request(method.clone(), url);
        if let Some(body) = body {
            request = request.json(&body);
        } else if method == reqwest::Method::POST {
            request = request.json(&json!({}));
        }
        let response = request.send().await.map_err(|e| transport(&e))?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| transport(&e))?;
        let value = body.get("value").cloned().unwrap_or(Value::Null);
        if status.is_success() {
            Ok(value)
        } else {
            Err(WebDriverError {
                status: status.as_u16(),
                error: value["error"].as_str().unwrap_or("unknown").to_owned(),
                message: value["message"].as_str().unwrap_or_default().to_owned(),
            })
        }
    }

    /// A command on the session: `suffix` is the path after `/session/{id}`.
    async fn command(&self, method: &str, suffix: &str, body: Option<Value>) -> Result<Value> {
        let session = self.session.as_deref().expect("a live session");
        self.raw(method, &format!("/session/{session}{suffix}"), body)
            .await
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.command("POST", "/url", Some(json!({ "url": url })))
            .await
            .map(drop)
    }

    pub async fn current_url(&self) -> Result<String> {
        let value = self.command("GET", "/url", None).await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The first element matching the CSS selector, now (no waiting).
    pub async fn find(&self, css: &str) -> Result<Element> {
        let body = json!({ "using": "css selector", "value": css });
        Element::from_value(&self.command("POST", "/element", Some(body)).await?)
    }

    /// Every element matching the CSS selector, now.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let body = json!({ "using": "css selector", "value": css });
        let value = self.command("POST", "/elements", Some(body)).await?;
        value.as_array().map_or_else(
            || Ok(Vec::new()),
            |all| all.iter().map(Element::from_value).collect(),
        )
    }

    pub async fn click(&self, element: &Element) -> Result<()> {
        self.command("POST", &format!("/element/{}/click", element.0), None)
            .await
            .map(drop)
    }

    pub async fn clear(&self, element: &Element) -> Result<()> {
        self.command("POST", &format!("/element/{}/clear", element.0), None)
            .await
            .map(drop)
    }

    /// Types `text` into the element, as a user would.
    pub async fn send_keys(&self, element: &Element, text: &str) -> Result<()> {
        let body = json!({ "text": text });
        self.command("POST", &format!("/element/{}/value", element.0), Some(body))
            .await
            .map(drop)
    }

    /// Presses and releases each key in turn on whatever has the focus, as a keyboard
    /// does (W3C actions): characters, or the [`keys`] constants.
    pub async fn press(&self, keys: &[&str]) -> Result<()> {
        let actions: Vec<Value> = keys
            .iter()
            .flat_map(|k| {
                [
                    json!({ "type": "keyDown", "value": k }),
                    json!({ "type": "keyUp", "value": k }),
                ]
            })
            .collect();
        let body = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] });
        self.command("POST", "/actions", Some(body)).await.map(drop)
    }

    /// The element's rendered text (empty when hidden).
    pub async fn text(&self, element: &Element) -> Result<String> {
        let value = self
            .command("GET", &format!("/element/{}/text", element.0), None)
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    pub async fn is_displayed(&self, element: &Element) -> Result<bool> {
        let value = self
            .command("GET", &format!("/element/{}/displayed", element.0), None)
            .await?;
        Ok(value == true)
    }

    /// Runs `script` as a function body in the page (`arguments[i]` are `args`); returns
    /// what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        let body = json!({ "script": script, "args": args });
        self.command("POST", "/execute/sync", Some(body)).await
    }

    /// Polls `check` every 100 ms until it gives `Some`, and returns that; panics after
    /// `timeout` naming `what`.
    pub async fn wait_until<T, F, Fut>(&self, what: &str, timeout: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = check().await {
                return found;
            }
            if Instant::now() >= deadline {
                let page = self.current_url().await.unwrap_or_default();
                let text = self
                    .execute(
                        "return document.body ? document.body.innerText : '';",
                        vec![],
                    )
                    .await
                    .map_or_else(
                        |e| e.to_string(),
                        |v| v.as_str().unwrap_or_default().chars().take(600).collect(),
                    );
                panic!(
                    "timed out after {timeout:?} waiting for {what}\npage: {page}\ntext: {text}"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until an element matching `css` is present and displayed.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_until(&format!("{css} to show"), WAIT, || async move {
            let element = self.find(css).await.ok()?;
            self.is_displayed(&element).await.ok()?.then_some(element)
        })
        .await
    }

    /// Waits until the element matching `css` shows text containing `needle`; returns
    /// the whole text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let what = format!("{css} to contain {needle:?}");
        self.wait_until(&what, WAIT, || async move {
            let element = self.find(css).await.ok()?;
            let text = self.text(&element).await.ok()?;
            text.contains(needle).then_some(text)
        })
        .await
    }

    /// Saves a PNG of the viewport to `path`, creating its directory.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let value = self.command("GET", "/screenshot", None).await?;
        write_png(path, value.as_str().unwrap_or_default())
    }

    /// Saves a PNG of the whole page (beyond the viewport, at most `max_height` CSS pixels
    /// tall) to `path`, creating its directory.
    pub async fn full_screenshot(&self, path: &Path, max_height: f64) -> Result<()> {
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await?;
        let size = &metrics["cssContentSize"];
        let width = size["width"].as_f64().unwrap_or(800.0);
        let height = size["height"].as_f64().unwrap_or(600.0).min(max_height);
        let clip = json!({ "x": 0, "y": 0, "width": width, "height": height, "scale": 1 });
        let params = json!({ "format": "png", "captureBeyondViewport": true, "clip": clip });
        let value = self.cdp("Page.captureScreenshot", params).await?;
        write_png(path, value["data"].as_str().unwrap_or_default())
    }

    /// A Chrome DevTools Protocol command, e.g. `Network.emulateNetworkConditions`.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        let body = json!({ "cmd": cmd, "params": params });
        self.command("POST", "/goog/cdp/execute", Some(body)).await
    }

    /// Closes the session and stops ChromeDriver (dropping does the same, blocking).
    pub async fn quit(mut self) {
        if self.session.is_some() {
            let _ = self.command("DELETE", "", None).await;
            self.session = None;
        }
    }

    /// Ends the session with a blocking HTTP request: `Drop` cannot await.
    fn delete_session_blocking(&self, session: &str) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!(
            "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
        }
    }
}

/// Writes a base64 PNG to `path`, creating its directory.
fn write_png(path: &Path, base64_png: &str) -> Result<()> {
    let png = base64::engine::general_purpose::STANDARD
        .decode(base64_png)
        .map_err(|e| WebDriverError {
            status: 0,
            error: "bad screenshot".to_owned(),
            message: e.to_string(),
        })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("the screenshot directory");
    }
    std::fs::write(path, png).expect("the screenshot is written");
    Ok(())
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            self.delete_session_blocking(&session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
