//! The ingest benchmark's own load generator (`scripts/bench-ingest.sh` drives it).
//!
//! - `jianfu-load setup BASE COUNTY:ADMIN:PASSWORD:VILLAGES_FILE ... > tokens`: per county,
//!   a weekly template and policy, one cadre per village (the roster import) posted since
//!   2015, each signed in; prints one token per line.
//! - `jianfu-load run BASE TOKENS CONCURRENCY SECONDS FIRST_SEQ [PID]`: a closed loop of
//!   CONCURRENCY clients sending distinct new reports (~700 bytes) for SECONDS; request `n`
//!   (from FIRST_SEQ) is cadre `n % cadres`, week `n / cadres` from 2015-01-05. Prints
//!   accepted/s, p50/p99, the server's CPU per request and peak resident memory (with PID),
//!   its own CPU per request and how idle the whole machine was (`/proc/stat`: what the
//!   server, this generator and PostgreSQL left of the cores; near 0 means the run was
//!   bound by CPU), and the next sequence number on the last line. With
//!   `JIANFU_LOAD_METRICS_TOKEN` (the server's metrics token), also what the report writer
//!   did meanwhile (from `/metrics`): its batches, their mean size, and how much of the run
//!   it was busy writing, with its time per report — busy near 100 % means the one writer
//!   bounds the rate, at submissions per busy second. With COUNT, stops after COUNT requests
//!   (SECONDS is then only a bound): a national week is one report per cadre.
//! - `jianfu-load national BASE DATABASE_URL JWT_SECRET VILLAGES_FILE ADMINS_OUT > tokens`:
//!   the national week's setup, for every village in VILLAGES_FILE (620,573 in the national
//!   file): an admin per province, stored directly, whose tokens (one `CODE TOKEN` line per
//!   province, to ADMINS_OUT) create each province's weekly template and policy through
//!   the API; then one cadre per village with a posting since 2015, stored in bulk (a
//!   password hash each would take hours), and a token for each minted with the server's
//!   secret, printed one per line.
//! - `jianfu-load echo PORT`: a bare axum server answering the same PUT with its JSON body
//!   parsed and written back (the HTTP ceiling of this machine, for the ratio).

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "counts and latencies turned into the printed figures"
)]

use serde_json::{Value, json};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> Fallible<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("setup") if args.len() >= 3 => runtime.block_on(setup(&args[1], &args[2..])),
        Some("run") if args.len() >= 6 => runtime.block_on(run(&args[1..])),
        Some("national") if args.len() == 6 => runtime.block_on(national(&args[1..])),
        Some("echo") if args.len() == 2 => runtime.block_on(echo(args[1].parse()?)),
        _ => Err(
            "usage: jianfu-load setup BASE COUNTY:ADMIN:PASSWORD:VILLAGES_FILE ... | \
                  run BASE TOKENS CONCURRENCY SECONDS FIRST_SEQ [PID [COUNT]] | \
                  national BASE DATABASE_URL JWT_SECRET VILLAGES_FILE ADMINS_OUT | echo PORT"
                .into(),
        ),
    }
}

/// The first Monday of the weeks the load reports on.
const FIRST_WEEK: (i16, i8, i8) = (2015, 1, 5);

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> Fallible<Value> {
    post_from(client, url, token, body, None).await
}

/// A POST as if from `address` (the bench's server trusts 127.0.0.1 as its proxy): 652
/// cadres signing in from one address would wait for its throttle.
async fn post_from(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
    address: Option<&str>,
) -> Fallible<Value> {
    let mut request = client.post(url).json(body);
    if let Some(address) = address {
        request = request.header("x-forwarded-for", address);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if !status.is_success() {
        return Err(format!("{url}: {status} {body}").into());
    }
    Ok(body)
}

async fn login(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
    address: Option<&str>,
) -> Fallible<String> {
    let body = post_from(
        client,
        &format!("{base}/api/v1/auth/login"),
        None,
        &json!({ "username": username, "password": password }),
        address,
    )
    .await?;
    Ok(body["token"].as_str().ok_or("no token")?.to_owned())
}

async fn setup(base: &str, counties: &[String]) -> Fallible<()> {
    let client = reqwest::Client::new();
    let mut cadres: Vec<(String, String)> = Vec::new();
    for county in counties {
        let [code, admin, password, villages]: [&str; 4] = county
            .splitn(4, ':')
            .collect::<Vec<_>>()
            .try_into()
            .map_err(|_| format!("COUNTY:ADMIN:PASSWORD:VILLAGES_FILE, not {county}"))?;
        let token = login(&client, base, admin, password, None).await?;
        weekly_policy(&client, base, &token, code).await?;
        let mut roster = String::from("姓名,用户名,村,开始日期\n");
        for village in std::fs::read_to_string(villages)?
            .lines()
            .filter(|l| !l.is_empty())
        {
            writeln!(roster, "干部{village},c{village},{village},2015-01-01")?;
        }
        let response = client
            .post(format!("{base}/api/v1/users/import"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(roster)
            .send()
            .await?;
        let status = response.status();
        let imported: Value = response.json().await?;
        if !status.is_success() {
            return Err(format!("roster of {code}: {status} {imported}").into());
        }
        for cadre in imported["cadres"].as_array().ok_or("no cadres")? {
            cadres.push((
                cadre["username"].as_str().ok_or("username")?.to_owned(),
                cadre["password"].as_str().ok_or("password")?.to_owned(),
            ));
        }
    }
    // Signing in hashes a password: a few at a time, as the server's workers allow.
    let mut tokens = Vec::with_capacity(cadres.len());
    let addresses: Vec<String> = (0..cadres.len())
        .map(|i| format!("10.{}.{}.{}", i / 65_536, (i / 256) % 256, i % 256))
        .collect();
    for (chunk, addresses) in cadres.chunks(4).zip(addresses.chunks(4)) {
        let logins = chunk
            .iter()
            .zip(addresses)
            .map(|((username, password), address)| {
                login(&client, base, username, password, Some(address))
            });
        for token in futures_util::future::join_all(logins).await {
            tokens.push(token?);
        }
    }
    for token in tokens {
        println!("{token}");
    }
    Ok(())
}

/// The bench's database, on either engine (bulk setup only: the server does the rest).
enum Store {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Store {
    async fn connect(url: &str) -> Fallible<Store> {
        Ok(if url.starts_with("sqlite:") {
            Store::Sqlite(sqlx::SqlitePool::connect(url).await?)
        } else {
            Store::Postgres(sqlx::PgPool::connect(url).await?)
        })
    }

    /// Runs `sql` (built here from digits and fixed text only) in one transaction.
    async fn execute(&self, sql: &str) -> Fallible<()> {
        match self {
            Store::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// `(id, org_unit)` of the accounts of `role` whose username starts with `prefix`.
    async fn accounts(&self, role: &str, prefix: &str) -> Fallible<Vec<(i64, String)>> {
        let sql = "SELECT id, org_unit FROM users WHERE role = $1 AND username LIKE $2 ORDER BY id";
        let like = format!("{prefix}%");
        Ok(match self {
            Store::Sqlite(pool) => {
                sqlx::query_as(sql)
                    .bind(role)
                    .bind(like)
                    .fetch_all(pool)
                    .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_as(sql)
                    .bind(role)
                    .bind(like)
                    .fetch_all(pool)
                    .await?
            }
        })
    }
}

/// The national week's setup (see the module's documentation).
async fn national(args: &[String]) -> Fallible<()> {
    use jianfu_core::{DivisionCode, Role};
    let [base, url, secret, villages, admins_out] = args else {
        return Err("national BASE DATABASE_URL JWT_SECRET VILLAGES_FILE ADMINS_OUT".into());
    };
    let villages: Vec<String> = std::fs::read_to_string(villages)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = villages
        .iter()
        .find(|v| v.len() != 12 || !v.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("not a village code: {bad}").into());
    }
    let store = Store::connect(url).await?;
    let keys = jianfu_server::auth::jwt::Keys::from_secret(Some(secret), 720 * 60)?;
    let now = jiff::Timestamp::now().as_second();
    // Nobody signs in with it: one hash of a random password for every account.
    let hash =
        jianfu_server::auth::password::hash(jianfu_server::auth::password::generate()).await?;
    let mut provinces: Vec<&str> = villages.iter().map(|v| &v[..2]).collect();
    provinces.sort_unstable();
    provinces.dedup();
    let rows: Vec<String> = provinces
        .iter()
        .map(|p| format!("('nadmin{p}', '管理员{p}', '{hash}', 'admin', '{p}', {now})"))
        .collect();
    insert_users(&store, &rows).await?;
    let client = reqwest::Client::new();
    let mut admins = String::new();
    for (id, unit) in store.accounts("admin", "nadmin").await? {
        let (token, _) = keys.issue(id, Role::Admin, DivisionCode::parse(&unit)?, 0, now)?;
        weekly_policy(&client, base, &token, &unit).await?;
        writeln!(admins, "{unit} {token}")?;
    }
    std::fs::write(admins_out, admins)?;
    for chunk in villages.chunks(2_000) {
        let users: Vec<String> = chunk
            .iter()
            .map(|v| format!("('n{v}', '干部{v}', '{hash}', 'cadre', '{v}', {now})"))
            .collect();
        insert_users(&store, &users).await?;
    }
    store
        .execute(&format!(
            "INSERT INTO postings (user_id, org_unit, starts_on, ends_on, created_at) \
             SELECT id, org_unit, '2015-01-01', NULL, {now} FROM users \
             WHERE role = 'cadre' AND username LIKE 'n%'"
        ))
        .await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (id, unit) in store.accounts("cadre", "n").await? {
        let (token, _) = keys.issue(id, Role::Cadre, DivisionCode::parse(&unit)?, 0, now)?;
        std::io::Write::write_all(&mut out, token.as_bytes())?;
        std::io::Write::write_all(&mut out, b"\n")?;
    }
    std::io::Write::flush(&mut out)?;
    Ok(())
}

/// Stores accounts given as SQL value rows `(username, display_name, password_hash, role,
/// org_unit, created_at)`.
async fn insert_users(store: &Store, rows: &[String]) -> Fallible<()> {
    store
        .execute(&format!(
            "INSERT INTO users (username, display_name, password_hash, role, org_unit, created_at) \
             VALUES {}",
            rows.join(", ")
        ))
        .await
}

/// A weekly template and policy on unit `code`, made by its admin through the API.
async fn weekly_policy(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    code: &str,
) -> Fallible<()> {
    let template = post(
        client,
        &format!("{base}/api/v1/templates"),
        Some(token),
        &json!({ "org_unit": code, "name": "驻村工作周报", "fields": [
            { "key": "outcomes", "label_zh": "本周成果", "label_en": "Outcomes", "type": "outcome_list",
              "max_items": 20, "required": true, "seconds_to_fill": 600 },
            { "key": "households", "label_zh": "走访户数", "label_en": "Households visited", "type": "number",
              "min": 0, "max": 500, "integer": true, "required": false, "seconds_to_fill": 60 },
        ]}),
    )
    .await?;
    let response = client
        .put(format!("{base}/api/v1/policies/{code}"))
        .bearer_auth(token)
        .json(
            &json!({ "period_kind": "weekly", "due_offset_days": 2, "grace_days": 2, "lock_days": 7,
                       "template_id": template["id"], "budget_minutes_per_month": 60 }),
        )
        .send()
        .await?;
    if !response.status().is_success() {
        return Err(format!("policy of {code}: {}", response.text().await?).into());
    }
    Ok(())
}

/// A report of ~700 bytes for request `n`.
fn report(n: u64, cadres: u64) -> (String, Value) {
    let week = jiff::civil::date(FIRST_WEEK.0, FIRST_WEEK.1, FIRST_WEEK.2)
        .checked_add(jiff::Span::new().days(i64::try_from(7 * (n / cadres)).unwrap_or(0)))
        .unwrap_or(jiff::civil::date(2099, 1, 5));
    let id = uuid::Uuid::now_v7().to_string();
    let body = json!({ "period": format!("weekly:{week}"), "content": {
        "outcomes": [
            { "id": format!("r{n}-1"), "category": "基础设施", "what": "村东主干道硬化工程完工，全长一千二百米，已组织村民代表验收合格",
              "for_whom": "全村二百一十户村民", "status": "done" },
            { "id": format!("r{n}-2"), "category": "民生", "what": "协调镇卫生院为六十五岁以上老人开展上门体检，本周完成四十人",
              "for_whom": "六十五岁以上老人", "status": "in_progress" },
        ],
        "fields": { "households": 12 },
        "days_in_village": 5,
    }});
    (id, body)
}

/// utime + stime of process `pid`, in seconds.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The machine's idle and disk-wait ticks and all its ticks so far, over every core
/// (`/proc/stat`).
fn machine_ticks() -> Option<(u64, u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is counted in user).
    let total = ticks.iter().take(8).sum();
    Some((*ticks.get(3)?, *ticks.get(4)?, total))
}

/// The report writer's batches, submissions and busy seconds so far, from `/metrics`.
async fn writer_counts(client: &reqwest::Client, base: &str, token: &str) -> Option<[f64; 3]> {
    let text = client
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let value = |name: &str| {
        text.lines().find_map(|l| {
            l.strip_prefix(name)?
                .strip_prefix(' ')?
                .trim()
                .parse::<f64>()
                .ok()
        })
    };
    Some([
        value("jianfu_report_batches_total")?,
        value("jianfu_report_batched_submissions_total")?,
        value("jianfu_report_writer_busy_seconds_total")?,
    ])
}

fn peak_rss_mib(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[allow(clippy::too_many_lines, reason = "one closed loop, read top to bottom")]
async fn run(args: &[String]) -> Fallible<()> {
    let base = args[0].clone();
    let tokens: Arc<Vec<String>> = Arc::new(
        std::fs::read_to_string(&args[1])?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    );
    let concurrency: usize = args[2].parse()?;
    let seconds: f64 = args[3].parse()?;
    let first: u64 = args[4].parse()?;
    let pid = args.get(5).cloned().filter(|p| p != "-");
    let count: Option<u64> = args.get(6).map(|c| c.parse()).transpose()?;
    let last = count.map_or(u64::MAX, |c| first + c);
    let cadres = u64::try_from(tokens.len())?;
    if cadres == 0 {
        return Err("no tokens".into());
    }
    let next = Arc::new(AtomicU64::new(first));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let metrics_token = std::env::var("JIANFU_LOAD_METRICS_TOKEN").ok();
    let writer_before = match &metrics_token {
        Some(token) => writer_counts(&client, &base, token).await,
        None => None,
    };
    let cpu_before = pid.as_deref().and_then(cpu_seconds);
    let own_before = cpu_seconds("self");
    let machine_before = machine_ticks();
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(seconds);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, tokens, next, base) =
            (client.clone(), tokens.clone(), next.clone(), base.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            let mut refused = 0_u64;
            let mut first_refusal: Option<String> = None;
            while Instant::now() < until {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= last {
                    break;
                }
                let token = &tokens[usize::try_from(n % cadres).unwrap_or(0)];
                let (id, body) = report(n, cadres);
                let sent = Instant::now();
                let response = client
                    .put(format!("{base}/api/v1/reports/{id}"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await;
                let ok = match response {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        let _ = r.bytes().await;
                        true
                    }
                    Ok(r) => {
                        let text = format!("{} {}", r.status(), r.text().await.unwrap_or_default());
                        first_refusal.get_or_insert(text);
                        false
                    }
                    Err(e) => {
                        first_refusal.get_or_insert(e.to_string());
                        false
                    }
                };
                if ok {
                    latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                } else {
                    refused += 1;
                }
            }
            (latencies, refused, first_refusal)
        }));
    }
    let mut latencies = Vec::new();
    let mut refused = 0;
    let mut refusal = None;
    for worker in workers {
        let (l, r, f) = worker.await?;
        latencies.extend(l);
        refused += r;
        refusal = refusal.or(f);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let own_after = cpu_seconds("self");
    let machine_after = machine_ticks();
    let writer_after = match &metrics_token {
        Some(token) => writer_counts(&client, &base, token).await,
        None => None,
    };
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |&us| f64::from(us) / 1000.0)
    };
    let accepted = latencies.len() as f64;
    let cpu = match (cpu_before, pid.as_deref().and_then(cpu_seconds)) {
        (Some(a), Some(b)) if accepted > 0.0 => format!("{:.3}", (b - a) * 1000.0 / accepted),
        _ => "-".to_owned(),
    };
    let own = match (own_before, own_after) {
        (Some(a), Some(b)) if accepted > 0.0 => format!("{:.3}", (b - a) * 1000.0 / accepted),
        _ => "-".to_owned(),
    };
    let idle = match (machine_before, machine_after) {
        (Some((i0, w0, t0)), Some((i1, w1, t1))) if t1 > t0 => {
            let share = |a: u64, b: u64| 100.0 * (b - a) as f64 / (t1 - t0) as f64;
            format!("{:.0} % (disk wait {:.0} %)", share(i0, i1), share(w0, w1))
        }
        _ => "-".to_owned(),
    };
    let rss = pid
        .as_deref()
        .and_then(peak_rss_mib)
        .map_or("-".to_owned(), |m| format!("{m:.0}"));
    println!(
        "c={concurrency:<3} accepted/s {:>8.0}  p50 {:>7.2} ms  p99 {:>7.2} ms  server CPU/request {cpu} ms  peak RSS {rss} MiB  refused {refused}  ({accepted} in {elapsed:.1} s)  load generator CPU/request {own} ms  machine idle {idle}",
        accepted / elapsed,
        pct(0.50),
        pct(0.99),
    );
    if let (Some([b0, n0, t0]), Some([b1, n1, t1])) = (writer_before, writer_after) {
        let (batches, carried, busy) = (b1 - b0, n1 - n0, t1 - t0);
        if batches > 0.0 && carried > 0.0 {
            println!(
                "  writer: {batches:.0} batches of {:.1} reports on average, busy {:.0} % of the run, {:.3} ms per report (at most {:.0}/s at that batch size)",
                carried / batches,
                100.0 * busy / elapsed,
                1000.0 * busy / carried,
                carried / busy,
            );
        }
    }
    if let Some(r) = refusal {
        let cut: String = r.chars().take(300).collect();
        println!("  first refusal: {cut}");
    }
    println!("next {}", next.load(Ordering::Relaxed).min(last));
    Ok(())
}

async fn echo(port: u16) -> Fallible<()> {
    use axum::routing::put;
    let app = axum::Router::new().route(
        "/api/v1/reports/{id}",
        put(|axum::Json(body): axum::Json<Value>| async move {
            (axum::http::StatusCode::CREATED, axum::Json(body))
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("echo: listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
