//! The `jianfu` binary run as an operator runs it: SIGTERM in the middle of a burst of
//! submissions, a shutdown bounded when a request never ends, a backup taken while it
//! serves and restored, and two processes on one PostgreSQL behaving as one. The logs are
//! read as they are written (JSON or plain text) and must never hold a secret.
//!
//! Every server here listens on 127.0.0.1, on a port the kernel picks, and is killed
//! when its test ends, whatever happens.

use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "ops-test-secret-0123456789abcdef-0123456789";
const METRICS_TOKEN: &str = "ops-metrics-token-0123456789";

/// A running `jianfu serve` with its log collected line by line.
struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(database_url: &str, format: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jianfu"))
            .args([
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--database-url",
                database_url,
            ])
            .args(["--metrics-token", METRICS_TOKEN])
            .args(extra)
            .env("JIANFU_JWT_SECRET", SECRET)
            .env("JIANFU_LOG_FORMAT", format)
            .env("JIANFU_LOG", "info,sqlx=warn")
            .env_remove("JIANFU_METRICS_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("jianfu starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on ".len()..];
                    let end = rest
                        .find(|c: char| c == '"' || c.is_whitespace())
                        .unwrap_or(rest.len());
                    let _ = tx.send(rest[..end].to_owned());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let Ok(base) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("jianfu did not start: {:?}", log.lock().unwrap());
        };
        Server { child, base, log }
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "jianfu did not exit within {within:?}: {:?}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// A migrated database with the demo county, its template, policy and four posted cadres;
/// returns `(username, password)` of the cadres and of the admin and reviewer.
async fn seed(url: &str) -> Vec<(String, String)> {
    let db = jianfu_server::db::Db::open(url)
        .await
        .expect("database opens");
    let logins = jianfu_server::demo::seed(&db).await.expect("demo seeds");
    db.close().await;
    logins
        .into_iter()
        .map(|l| (l.username, l.password))
        .collect()
}

fn password_of<'a>(logins: &'a [(String, String)], username: &str) -> &'a str {
    &logins
        .iter()
        .find(|(u, _)| u == username)
        .expect("a demo login")
        .1
}

async fn login(client: &reqwest::Client, base: &str, username: &str, password: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("login sent");
    assert_eq!(response.status(), 200, "login {username}");
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// Every week that has started since the demo postings began (2026-01-05 on).
fn weeks() -> Vec<String> {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let mut monday = jiff::civil::date(2026, 1, 5);
    let mut weeks = Vec::new();
    while monday <= today {
        weeks.push(format!("weekly:{monday}"));
        monday = monday.checked_add(jiff::Span::new().days(7)).unwrap();
    }
    weeks
}

fn report(what: &str, extra: Option<(&str, i64)>) -> Value {
    let mut fields = json!({ "contact": "13800000000", "households": 12 });
    if let Some((key, value)) = extra {
        fields[key] = json!(value);
    }
    json!({
        "outcomes": [{ "id": "o1", "category": "民生", "what": what, "for_whom": "村民", "status": "done" }],
        "fields": fields,
        "days_in_village": 5,
    })
}

/// One submission to make: whose, which period, under which id.
#[derive(Debug, Clone)]
struct Job {
    token: String,
    period: String,
    id: String,
}

/// How a submission ended for its client.
#[derive(Debug, Default)]
struct Outcomes {
    acked: BTreeSet<String>,
    /// Answered with an error response in the API's format.
    refused_cleanly: usize,
    /// The connection was refused: the server no longer listened.
    connection_refused: usize,
    /// Any other transport failure (the server closed a kept-alive connection).
    transport: Vec<String>,
}

type Shared = Arc<Mutex<Outcomes>>;

/// `jobs` sent by `workers` clients in parallel until done or the server is gone; the
/// outcomes are recorded in `outcomes` as they arrive.
async fn burst(base: String, jobs: Vec<Job>, workers: usize, outcomes: Shared) {
    let queue = Arc::new(Mutex::new(VecDeque::from(jobs)));
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (queue, outcomes, client) = (queue.clone(), outcomes.clone(), client.clone());
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(job) = queue.lock().unwrap().pop_front() else {
                    return;
                };
                let sent = client
                    .put(format!("{base}/api/v1/reports/{}", job.id))
                    .bearer_auth(&job.token)
                    .json(&json!({ "period": job.period, "content": report("修通村东道路", None) }))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == 201 => {
                        outcomes.lock().unwrap().acked.insert(job.id);
                    }
                    Ok(response) => {
                        let status = response.status();
                        let body: Value = response
                            .json()
                            .await
                            .unwrap_or_else(|_| panic!("{status}: not JSON"));
                        assert!(
                            body["code"].is_string() && body["details"].is_object(),
                            "{status} {body}"
                        );
                        outcomes.lock().unwrap().refused_cleanly += 1;
                    }
                    Err(e) if e.is_connect() => {
                        outcomes.lock().unwrap().connection_refused += 1;
                        return;
                    }
                    Err(e) => outcomes.lock().unwrap().transport.push(format!("{e:?}")),
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a client task");
    }
}

fn acked(outcomes: &Shared) -> BTreeSet<String> {
    outcomes.lock().unwrap().acked.clone()
}

/// Waits until `n` submissions are acknowledged.
async fn until_acked(outcomes: &Shared, n: usize) {
    let started = Instant::now();
    while outcomes.lock().unwrap().acked.len() < n {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the burst stalled"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn stored_ids(url: &str) -> BTreeSet<String> {
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
    let pool = sqlx::SqlitePool::connect_with(options.read_only(true))
        .await
        .unwrap();
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM reports")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    ids.into_iter().collect()
}

/// The jobs of a burst: every demo cadre, every week, one new id each.
async fn jobs(base: &str, logins: &[(String, String)]) -> Vec<Job> {
    let client = reqwest::Client::new();
    let mut tokens = Vec::new();
    for (username, password) in logins.iter().filter(|(u, _)| u.starts_with("cadre")) {
        tokens.push(login(&client, base, username, password).await);
    }
    let mut jobs = Vec::new();
    for period in weeks() {
        for token in &tokens {
            jobs.push(Job {
                token: token.clone(),
                period: period.clone(),
                id: uuid::Uuid::new_v4().to_string(),
            });
        }
    }
    jobs
}

fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_keeps_every_acknowledged_submission() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "jianfu.db");
    let logins = seed(&url).await;
    let mut server = Server::start(&url, "json", &["--shutdown-timeout-secs", "10"]);
    let jobs = jobs(&server.base, &logins).await;
    let tokens: BTreeSet<String> = jobs.iter().map(|j| j.token.clone()).collect();
    let total = jobs.len();
    assert!(total >= 150, "only {total} submissions to make");

    let shared = Shared::default();
    let sender = tokio::spawn(burst(server.base.clone(), jobs, 16, shared.clone()));
    until_acked(&shared, 40).await;
    server.terminate();
    let signalled = Instant::now();
    sender.await.unwrap();
    let outcomes = std::mem::take(&mut *shared.lock().unwrap());
    let status = tokio::task::block_in_place(|| server.wait_exit(Duration::from_secs(15)));
    let stopped_in = signalled.elapsed();
    assert!(status.success(), "exit {status:?}: {:?}", server.log());

    let stored = stored_ids(&url).await;
    eprintln!(
        "burst of {total}: {} acknowledged, {} refused cleanly, {} connections refused, {} transport errors, {} stored; exited {stopped_in:?} after SIGTERM",
        outcomes.acked.len(),
        outcomes.refused_cleanly,
        outcomes.connection_refused,
        outcomes.transport.len(),
        stored.len()
    );
    let lost: Vec<_> = outcomes.acked.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    // In-flight requests were finished and answered: nothing stored without its answer.
    let unanswered: Vec<_> = stored.difference(&outcomes.acked).collect();
    assert!(
        unanswered.is_empty(),
        "stored but never acknowledged: {unanswered:?} ({:?})",
        outcomes.transport
    );
    assert!(
        outcomes.connection_refused > 0,
        "the burst ended before the signal took effect"
    );
    assert!(outcomes.acked.len() < total);

    // The log: JSON lines only, one access line per acknowledged submission with its
    // route, status, latency and request id, the stop said, and no secret anywhere.
    let log = server.log();
    let mut access = 0;
    for line in &log {
        let entry: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        if entry["target"] == "jianfu::access"
            && entry["route"] == "/api/v1/reports/{id}"
            && entry["status"] == 201
        {
            assert!(
                entry["request_id"]
                    .as_str()
                    .is_some_and(|id| id.len() == 32),
                "{line}"
            );
            assert!(entry["latency_ms"].is_number(), "{line}");
            assert_eq!(entry["method"], "PUT");
            access += 1;
        }
        for (username, password) in &logins {
            assert!(
                !line.contains(password.as_str()),
                "{username}'s password in the log: {line}"
            );
        }
        for token in &tokens {
            assert!(!line.contains(token.as_str()), "a token in the log: {line}");
        }
        for id in &outcomes.acked {
            assert!(
                !line.contains(id.as_str()),
                "a report id in the log: {line}"
            );
        }
        assert!(!line.contains('\u{1b}'), "an escape code: {line}");
    }
    assert_eq!(access, outcomes.acked.len());
    let said = |what: &str| log.iter().any(|l| l.contains(what));
    assert!(said("shutting down") && said("\"stopped\""), "{log:?}");
}

/// The ids of the reports stored at `url`, SQLite or PostgreSQL, read after a crash.
async fn stored_ids_at(url: &str) -> BTreeSet<String> {
    if url.starts_with("sqlite:") {
        return stored_ids(url).await;
    }
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM reports")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    ids.into_iter().collect()
}

/// kill -9 in the middle of a burst (a batch being written, others queued): every
/// submission answered 201 is stored, and the server starts again on the database.
async fn kill_9_during_a_burst(url: &str) {
    let logins = seed(url).await;
    let mut server = Server::start(url, "json", &[]);
    let jobs = jobs(&server.base, &logins).await;
    let total = jobs.len();
    let shared = Shared::default();
    let sender = tokio::spawn(burst(server.base.clone(), jobs, 32, shared.clone()));
    until_acked(&shared, 60).await;
    // Child::kill is SIGKILL: no shutdown, no flush, no answer for what is in flight.
    server.child.kill().expect("SIGKILL sent");
    let _ = server.child.wait();
    sender.await.unwrap();
    let outcomes = std::mem::take(&mut *shared.lock().unwrap());
    assert!(
        outcomes.acked.len() < total,
        "the burst ended before the kill"
    );
    let stored = stored_ids_at(url).await;
    eprintln!(
        "kill -9 during a burst of {total}: {} acknowledged, {} stored (committed, answer lost: {})",
        outcomes.acked.len(),
        stored.len(),
        stored.difference(&outcomes.acked).count()
    );
    let lost: Vec<_> = outcomes.acked.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // The database opens again (SQLite replays its WAL) and serves what was stored.
    let again = Server::start(url, "json", &[]);
    let client = reqwest::Client::new();
    let token = login(
        &client,
        &again.base,
        "cadre1",
        password_of(&logins, "cadre1"),
    )
    .await;
    let mine = client
        .get(format!("{}/api/v1/reports", again.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_acknowledged_submission_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    kill_9_during_a_burst(&sqlite_url(dir.path(), "jianfu.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_acknowledged_submission_on_postgres() {
    if let Some(url) = fresh_postgres().await {
        kill_9_during_a_burst(&url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_gives_up_on_a_request_that_never_ends_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "jianfu.db");
    let mut server = Server::start(&url, "text", &["--shutdown-timeout-secs", "1"]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    // A request whose body never finishes arriving (the login reads its body first).
    let mut stalled = std::net::TcpStream::connect(&addr).unwrap();
    stalled
        .write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    server.terminate();
    let signalled = Instant::now();
    let status = tokio::task::block_in_place(|| server.wait_exit(Duration::from_secs(8)));
    let took = signalled.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        took >= Duration::from_millis(900),
        "it did not wait for the request: {took:?}"
    );
    let log = server.log();
    assert!(
        log.iter().any(|l| l.contains("shutdown timeout")),
        "{log:?}"
    );
    assert!(
        log.iter().all(|l| !l.contains('\u{1b}')),
        "escape codes in a piped log"
    );
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
async fn a_backup_taken_mid_load_restores_every_report_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "jianfu.db");
    let logins = seed(&url).await;
    let mut server = Server::start(&url, "text", &[]);
    let jobs = jobs(&server.base, &logins).await;
    let shared = Shared::default();
    let load = tokio::spawn(burst(server.base.clone(), jobs, 8, shared.clone()));
    until_acked(&shared, 30).await;
    let before_backup = acked(&shared);
    let backup = dir.path().join("backup.db");
    let (url2, backup2) = (url.clone(), backup.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_jianfu"))
            .args(["backup", "--database-url", &url2, "--to"])
            .arg(&backup2)
            .env("JIANFU_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let after_backup = acked(&shared).len();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        said.contains("backed up") && said.contains("reports"),
        "{said}"
    );
    load.await.unwrap();
    let outcomes = std::mem::take(&mut *shared.lock().unwrap());
    server.terminate();
    assert!(tokio::task::block_in_place(|| server.wait_exit(Duration::from_secs(15))).success());
    eprintln!(
        "backup: {} acknowledged before it began, {after_backup} when it ended, {} in all; {said}",
        before_backup.len(),
        outcomes.acked.len()
    );
    assert!(
        after_backup < outcomes.acked.len(),
        "the load ended before the backup: not a live copy"
    );

    // Never over an existing file; PostgreSQL is pg_dump's job.
    let again = Command::new(env!("CARGO_BIN_EXE_jianfu"))
        .args(["backup", "--database-url", &url, "--to"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("exists"));
    let pg = Command::new(env!("CARGO_BIN_EXE_jianfu"))
        .args([
            "backup",
            "--database-url",
            "postgres://u@127.0.0.1:1/x",
            "--to",
            "x.dump",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));

    // Restore into a new file, and over an existing one only with --force, keeping it.
    let restored_url = sqlite_url(dir.path(), "restored.db");
    for force in [false, true] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jianfu"));
        command
            .args(["restore", "--database-url", &restored_url, "--from"])
            .arg(&backup);
        if force {
            command.arg("--force");
        }
        let output = command.env("JIANFU_LOG", "warn").output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let refused = Command::new(env!("CARGO_BIN_EXE_jianfu"))
        .args(["restore", "--database-url", &restored_url, "--from"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        !refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("--force")
    );
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("restored.db.before-restore-")
        })
        .count();
    assert!(kept >= 1, "the replaced file was not kept");

    let restored = stored_ids(&restored_url).await;
    let live = stored_ids(&url).await;
    assert!(
        restored.is_subset(&live),
        "the backup holds reports the live database never had"
    );
    let missing: Vec<_> = before_backup.difference(&restored).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup began, missing from it: {missing:?}"
    );
    assert!(outcomes.acked.is_subset(&live));
}

/// A fresh database in the test cluster (`JIANFU_TEST_PG_URL`), or `None` outside CI.
async fn fresh_postgres() -> Option<String> {
    let admin_url = match std::env::var("JIANFU_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but JIANFU_TEST_PG_URL is not set: run the tests with scripts/test.sh")
        }
        _ => {
            eprintln!("note: PostgreSQL test skipped; scripts/test.sh sets JIANFU_TEST_PG_URL");
            return None;
        }
    };
    let name = format!("ops_{}", uuid::Uuid::new_v4().simple());
    let mut conn: sqlx::PgConnection = sqlx::Connection::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// Two nodes and a client that sends each request to the next one in turn.
struct Cluster {
    nodes: [Server; 2],
    client: reqwest::Client,
    turn: AtomicUsize,
}

impl Cluster {
    /// The node the next request goes to (A, B, A, ...).
    fn next(&self) -> &Server {
        &self.nodes[self.turn.fetch_add(1, Ordering::Relaxed) % 2]
    }

    async fn call(
        &self,
        node: &Server,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", node.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn put_report(
        &self,
        node: &Server,
        token: &str,
        id: &str,
        period: &str,
        content: &Value,
    ) -> (u16, Value) {
        self.revise_report(node, token, id, period, content, None)
            .await
    }

    /// A new revision of report `id`, made from revision `base`.
    async fn revise_report(
        &self,
        node: &Server,
        token: &str,
        id: &str,
        period: &str,
        content: &Value,
        base: Option<i64>,
    ) -> (u16, Value) {
        let body = json!({ "period": period, "content": content, "base_revision": base });
        self.call(
            node,
            reqwest::Method::PUT,
            &format!("/api/v1/reports/{id}"),
            token,
            Some(&body),
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
async fn two_nodes_on_one_postgres_behave_as_one() {
    use reqwest::Method;
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let logins = seed(&url).await;
    let cluster = Cluster {
        nodes: [
            Server::start(&url, "text", &[]),
            Server::start(&url, "text", &[]),
        ],
        client: reqwest::Client::new(),
        turn: AtomicUsize::new(0),
    };
    let [a, b] = &cluster.nodes;

    // A token issued by one node is accepted by the other.
    let admin = login(
        &cluster.client,
        &a.base,
        "admin",
        password_of(&logins, "admin"),
    )
    .await;
    let reviewer = login(
        &cluster.client,
        &b.base,
        "reviewer",
        password_of(&logins, "reviewer"),
    )
    .await;
    let mut cadres = Vec::new();
    for (i, name) in ["cadre1", "cadre2", "cadre3"].into_iter().enumerate() {
        let issuer = &cluster.nodes[i % 2];
        cadres.push(
            login(
                &cluster.client,
                &issuer.base,
                name,
                password_of(&logins, name),
            )
            .await,
        );
    }
    for node in [a, b] {
        let (status, me) = cluster
            .call(node, Method::GET, "/api/v1/me", &admin, None)
            .await;
        assert_eq!((status, me["username"].as_str()), (200, Some("admin")));
    }

    // Idempotency, revisions and 409s, whichever node answers.
    let weeks = weeks();
    // Revisions need a period not yet locked: the current week. First reports go anywhere.
    let (w1, w2, w3, w4) = (weeks.last().unwrap(), &weeks[1], &weeks[2], &weeks[3]);
    let id = uuid::Uuid::new_v4().to_string();
    let first = report("协调修复村东道路", None);
    let (status, created) = cluster
        .put_report(cluster.next(), &cadres[0], &id, w1, &first)
        .await;
    assert_eq!(
        (status, &created["revision"]),
        (201, &json!(1)),
        "{created}"
    );
    let (status, replayed) = cluster
        .put_report(cluster.next(), &cadres[0], &id, w1, &first)
        .await;
    assert_eq!((status, &replayed), (201, &created));
    let second = report("协调修复村东道路，已完工", None);
    let (status, revised) = cluster
        .revise_report(cluster.next(), &cadres[0], &id, w1, &second, Some(1))
        .await;
    assert_eq!(
        (status, &revised["revision"]),
        (200, &json!(2)),
        "{revised}"
    );
    let (status, again) = cluster
        .revise_report(cluster.next(), &cadres[0], &id, w1, &second, Some(1))
        .await;
    assert_eq!((status, &again), (200, &revised));
    for _ in 0..2 {
        let other = uuid::Uuid::new_v4().to_string();
        let (status, conflict) = cluster
            .put_report(cluster.next(), &cadres[0], &other, w1, &first)
            .await;
        assert_eq!(status, 409, "{conflict}");
        assert_eq!(conflict["code"], "report_exists_for_period");
        assert_eq!(conflict["details"]["existing_id"], id.as_str());
    }

    // The same race on both nodes at once: one report, never two.
    let same = uuid::Uuid::new_v4().to_string();
    let (x, y) = tokio::join!(
        cluster.put_report(a, &cadres[1], &same, w2, &first),
        cluster.put_report(b, &cadres[1], &same, w2, &first)
    );
    assert_eq!((x.0, y.0), (201, 201), "{x:?} {y:?}");
    assert_eq!(x.1["revision"], 1);
    assert_eq!(x.1, y.1);
    let (one, two) = (
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
    );
    let (x, y) = tokio::join!(
        cluster.put_report(a, &cadres[1], &one, w3, &first),
        cluster.put_report(b, &cadres[1], &two, w3, &first)
    );
    let mut statuses = [x.0, y.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{x:?} {y:?}");

    // A review on one node, the answer on the other.
    let question = json!({ "verdict": "needs_clarification", "question": "道路长度是多少？" });
    let path = format!("/api/v1/reports/{id}/reviews");
    let (status, review) = cluster
        .call(
            cluster.next(),
            Method::POST,
            &path,
            &reviewer,
            Some(&question),
        )
        .await;
    assert_eq!(status, 201, "{review}");
    let (status, seen) = cluster
        .call(
            cluster.next(),
            Method::GET,
            &format!("/api/v1/reports/{id}"),
            &cadres[0],
            None,
        )
        .await;
    assert_eq!(
        (status, &seen["status"]),
        (200, &json!("needs_clarification")),
        "{seen}"
    );
    let third = report("协调修复村东道路 1.2 公里，已完工", None);
    let (status, answered) = cluster
        .revise_report(cluster.next(), &cadres[0], &id, w1, &third, Some(2))
        .await;
    assert_eq!(
        (status, &answered["revision"]),
        (200, &json!(3)),
        "{answered}"
    );
    let ack = json!({ "verdict": "acknowledged" });
    let (status, _) = cluster
        .call(cluster.next(), Method::POST, &path, &reviewer, Some(&ack))
        .await;
    assert_eq!(status, 201);
    for node in [a, b] {
        let (_, detail) = cluster
            .call(
                node,
                Method::GET,
                &format!("/api/v1/reports/{id}"),
                &reviewer,
                None,
            )
            .await;
        assert_eq!(detail["status"], "acknowledged");
        assert_eq!(detail["revisions"].as_array().unwrap().len(), 3);
        assert_eq!(detail["revisions"][2]["answers_review_id"], review["id"]);
    }

    // A configuration change on one node is seen by the very next submission on the other,
    // in both directions, with both caches warm.
    let (_, templates) = cluster
        .call(a, Method::GET, "/api/v1/templates", &admin, None)
        .await;
    let template = templates["items"][0].clone();
    let template_path = format!("/api/v1/templates/{}", template["id"]);
    let mut fields = template["fields"].as_array().unwrap().clone();
    fields.push(json!({ "key": "road_km", "label_zh": "修路公里数", "label_en": "Road repaired (km)",
        "type": "number", "min": 0, "max": 100, "integer": true, "required": true, "seconds_to_fill": 60 }));
    let with_road = json!({ "name": template["name"], "fields": fields });
    for (change_on, submit_on, cadre, week) in [(a, b, &cadres[1], w4), (b, a, &cadres[2], w4)] {
        // Warm the submitting node's cache.
        let warm = uuid::Uuid::new_v4().to_string();
        let (status, body) = cluster
            .put_report(
                submit_on,
                &cadres[0],
                &warm,
                &weeks[5 + usize::from(std::ptr::eq(submit_on, a))],
                &report("走访", None),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = cluster
            .call(
                change_on,
                Method::PUT,
                &template_path,
                &admin,
                Some(&with_road),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let fresh = uuid::Uuid::new_v4().to_string();
        let (status, refused) = cluster
            .put_report(submit_on, cadre, &fresh, week, &report("修路", None))
            .await;
        assert_eq!(
            status, 422,
            "the other node used a stale template: {refused}"
        );
        assert_eq!(refused["code"], "report_invalid");
        assert!(refused.to_string().contains("road_km"), "{refused}");
        let (status, body) = cluster
            .put_report(
                submit_on,
                cadre,
                &fresh,
                week,
                &report("修路", Some(("road_km", 2))),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        // Back to the template without the field, for the other direction.
        let without = json!({ "name": template["name"], "fields": template["fields"] });
        let (status, body) = cluster
            .call(
                change_on,
                Method::PUT,
                &template_path,
                &admin,
                Some(&without),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    // Completeness and the audit log read the same from both.
    let (_, completeness_a) = cluster
        .call(
            a,
            Method::GET,
            &format!("/api/v1/completeness?period={w1}"),
            &reviewer,
            None,
        )
        .await;
    let (_, completeness_b) = cluster
        .call(
            b,
            Method::GET,
            &format!("/api/v1/completeness?period={w1}"),
            &reviewer,
            None,
        )
        .await;
    assert_eq!(completeness_a, completeness_b);
    assert!(completeness_a.is_object(), "{completeness_a}");
    let (_, audit_a) = cluster
        .call(a, Method::GET, "/api/v1/audit?limit=500", &admin, None)
        .await;
    let (_, audit_b) = cluster
        .call(b, Method::GET, "/api/v1/audit?limit=500", &admin, None)
        .await;
    assert_eq!(audit_a, audit_b);
    let updates = audit_a["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "templates.update")
        .count();
    assert_eq!(updates, 4, "{audit_a}");

    // Each node dropped its cache for the other's changes.
    for node in [a, b] {
        let text = cluster
            .client
            .get(format!("{}/metrics", node.base))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("jianfu_context_invalidations_total{source=\"local\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("jianfu_context_invalidations_total{source=\"stamp\"}")
                || text.contains("jianfu_context_invalidations_total{source=\"peer\"}"),
            "{text}"
        );
    }
    for node in &cluster.nodes {
        node.terminate();
    }
}
