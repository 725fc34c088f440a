//! The integration-test harness: the real application on 127.0.0.1, port 0, with a fresh
//! database per test, on SQLite (a temp file) or PostgreSQL (a new database in the
//! throwaway cluster that `scripts/test.sh` starts and names in `JIANFU_TEST_PG_URL`).
//!
//! [`on_both_engines!`] turns one `async fn(TestApp)` into a SQLite and a PostgreSQL test.

use jianfu_core::Role;
use jianfu_server::app::{Application, OpsConfig, ServeConfig};
use jianfu_server::clock::Clock;
use jianfu_server::db::{Db, StorageOptions};
use jianfu_server::service::Services;
use jianfu_server::service::accounts::{self, Caller, NewAccount};
use jianfu_server::service::import::{self, Importer};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use std::path::PathBuf;
use tokio::sync::oneshot;

pub use reqwest::StatusCode;

/// The secret every test server signs with (tests forge tokens with other secrets).
pub const SECRET: &str = "test-secret-0123456789abcdef-0123456789";

/// The demo county (吴桥县) and a second county of the same city (献县), for scope tests.
pub const COUNTY: &str = "130928";
pub const OTHER_COUNTY: &str = "130929";
pub const TOWNSHIP: &str = "130928101";
pub const VILLAGE: &str = "130928101201";
pub const OTHER_TOWNSHIP_VILLAGE: &str = "130928100201";

/// Three real rows of the next county (献县), cut from the national file.
pub const OTHER_COUNTY_CSV: &str = "130929,\"献县\",county,1309\n130929100,\"乐寿镇\",township,130929\n130929100006,\"通达社区居民委员会\",village,130929100\n";

/// The bearer token that opens `/metrics` on every test server.
pub const METRICS_TOKEN: &str = "metrics-token-0123456789";

/// The password of every seeded user.
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server for tests, or `None` (with a note) outside CI when none is set up.
/// In CI a missing server is a failure, never a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("JIANFU_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but JIANFU_TEST_PG_URL is not set: run the tests with scripts/test.sh")
        }
        _ => {
            eprintln!(
                "note: PostgreSQL test skipped; scripts/test.sh starts a throwaway cluster and sets JIANFU_TEST_PG_URL"
            );
            None
        }
    }
}

/// A fresh, empty database URL of `engine`, and the temp dir that holds it (SQLite).
pub async fn fresh_database(engine: Engine) -> Option<(String, Option<tempfile::TempDir>)> {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("jianfu.db").display());
            Some((url, Some(dir)))
        }
        Engine::Postgres => {
            let admin_url = postgres_url()?;
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn: sqlx::PgConnection = sqlx::Connection::connect(&admin_url)
                .await
                .expect("connect to the test cluster");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create database");
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(base, _)| base);
            Some((format!("{base}/{name}"), None))
        }
    }
}

/// A running application with its own database.
#[derive(Debug)]
pub struct TestApp {
    pub engine: Engine,
    pub base: String,
    pub db: Db,
    /// The server's use cases (same database, clock and caches), for set-up beside the API.
    pub services: Services,
    pub database_url: String,
    pub client: reqwest::Client,
    /// The server's domain clock: starts at the real now; tests move it.
    pub clock: Clock,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A seeded user: username, role, unit.
pub const USERS: &[(&str, Role, &str)] = &[
    ("admin", Role::Admin, COUNTY),
    ("other.admin", Role::Admin, OTHER_COUNTY),
    ("city.admin", Role::Admin, "1309"),
    ("reviewer", Role::Reviewer, COUNTY),
    ("township.reviewer", Role::Reviewer, TOWNSHIP),
    ("cadre", Role::Cadre, VILLAGE),
    ("other.cadre", Role::Cadre, OTHER_TOWNSHIP_VILLAGE),
];

/// The organization departments [`TestApp::seed`] makes for the reviewers of [`USERS`], in
/// that order: the county's (`reviewer`) and the township's (`township.reviewer`).
pub const COUNTY_DEPARTMENT: i64 = 1;
pub const TOWNSHIP_DEPARTMENT: i64 = 2;

fn web_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../web"))
}

impl TestApp {
    /// An application on an empty, migrated database; `None` when `engine` is unavailable here.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        TestApp::spawn_with(engine, StorageOptions::default()).await
    }

    /// Like [`TestApp::spawn`], with the database opened with `storage`.
    pub async fn spawn_with(engine: Engine, storage: StorageOptions) -> Option<TestApp> {
        let (database_url, dir) = fresh_database(engine).await?;
        Some(TestApp::spawn_at(engine, database_url, dir, storage).await)
    }

    /// An application on the database at `database_url` (migrated on start).
    pub async fn spawn_at(
        engine: Engine,
        database_url: String,
        dir: Option<tempfile::TempDir>,
        storage: StorageOptions,
    ) -> TestApp {
        let clock = Clock::manual(jianfu_server::db::now());
        let config = ServeConfig {
            database_url: database_url.clone(),
            host: "127.0.0.1".to_owned(),
            port: 0,
            jwt_secret: Some(SECRET.to_owned()),
            token_ttl_secs: 3600,
            web_dir: web_dir(),
            clock: clock.clone(),
            ops: OpsConfig {
                metrics_token: Some(METRICS_TOKEN.to_owned()),
                ..OpsConfig::default()
            },
            storage,
            trusted_proxies: Vec::new(),
        };
        let app = Application::build(&config)
            .await
            .expect("the application starts");
        let base = format!("http://{}", app.local_addr());
        let db = app.db().clone();
        let services = app.services().clone();
        let (tx, rx) = oneshot::channel();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        TestApp {
            engine,
            base,
            db,
            services,
            database_url,
            client: reqwest::Client::new(),
            clock,
            shutdown: Some(tx),
            server: Some(server),
            _dir: dir,
        }
    }

    /// An application with the demo county, the next county (`130929`) and [`USERS`].
    pub async fn seeded(engine: Engine) -> Option<TestApp> {
        TestApp::seeded_with(engine, StorageOptions::default()).await
    }

    /// Like [`TestApp::seeded`], with the database opened with `storage`.
    pub async fn seeded_with(engine: Engine, storage: StorageOptions) -> Option<TestApp> {
        let app = TestApp::spawn_with(engine, storage).await?;
        app.seed().await;
        Some(app)
    }

    /// Imports the demo county and the next county, and creates [`USERS`].
    pub async fn seed(&self) {
        let app = self;
        let mut csv = jianfu_server::demo::COUNTY_CSV.to_owned();
        csv.push_str(OTHER_COUNTY_CSV);
        let file = import::parse(csv.as_bytes(), None).expect("fixture parses");
        let importer = Importer {
            actor_id: None,
            actor: "test".to_owned(),
            scope: None,
        };
        import::apply(&app.db, &file, &importer)
            .await
            .expect("fixture imports");
        for (username, role, unit) in USERS {
            app.add_user(username, *role, unit).await;
        }
    }

    /// Creates a user with [`PASSWORD`] through the server's own use case.
    pub async fn add_user(&self, username: &str, role: Role, unit: &str) {
        let account = NewAccount {
            username: username.to_owned(),
            password: PASSWORD.to_owned(),
            display_name: None,
            role,
            org_unit: unit.to_owned(),
            department_id: None,
        };
        accounts::create(&self.services, Caller::System("test"), account)
            .await
            .expect("user created");
    }

    /// Stops the server as a restart would: no new connections, in-flight requests
    /// finished, the pool closed. The database (and its temp dir) stay for inspection.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("the server task ends")
                .expect("the server stops cleanly");
        }
        self.db.close().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Logs in and returns the bearer token; panics unless the login succeeds.
    pub async fn login(&self, username: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({ "username": username, "password": PASSWORD }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login {username}");
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// How many rows `table` holds, straight from storage.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match &self.db {
            Db::Sqlite(pool) => sqlx::query_scalar(&sql)
                .fetch_one(pool)
                .await
                .expect("count"),
            Db::Postgres(pool) => sqlx::query_scalar(&sql)
                .fetch_one(pool)
                .await
                .expect("count"),
        }
    }
}

/// Reads an error response and checks it has the API's format, with the response's
/// `x-request-id` as `details.request_id`; returns the body without the request id (it
/// differs on every request), so bodies compare.
pub async fn expect_error(response: Response, status: StatusCode, code: &str) -> Value {
    let actual = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("body");
    let mut body: Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("error body is not JSON: {text}"));
    assert_eq!(actual, status, "status for {body}");
    assert_eq!(body["code"], code, "code in {body}");
    for key in ["message_zh", "message_en"] {
        assert!(
            body[key].as_str().is_some_and(|m| !m.is_empty()),
            "{key} missing in {body}"
        );
    }
    assert!(
        body["details"].is_object(),
        "details is not an object in {body}"
    );
    let carried = body["details"]
        .as_object_mut()
        .and_then(|details| details.remove("request_id"));
    assert!(
        request_id.is_some() && carried.as_ref().and_then(Value::as_str) == request_id.as_deref(),
        "details.request_id {carried:?} is not the x-request-id header {request_id:?}"
    );
    body
}

/// Generates `mod name { sqlite(), postgres() }` tests from `async fn name(app: TestApp)`,
/// each on a fresh [`TestApp::seeded`] application.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::seeded($crate::Engine::Sqlite).await.expect("SQLite is always available");
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::seeded($crate::Engine::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}
pub mod cluster;
pub mod fixtures;
pub mod pages;
pub mod webdriver;
