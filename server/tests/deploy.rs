//! The deployment files of `deploy/` as shipped: the nginx site runs in front of a real
//! `jianfu` with a throwaway certificate (TLS, the redirect, HSTS, one request id end to
//! end, metrics kept off the proxy); the container and systemd definitions say what the
//! guide promises. Docker does not run here, so the image is checked as text only.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "deploy-test-secret-0123456789abcdef-0123456789";
const NGINX: &str = "/usr/sbin/nginx";

fn repo(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn jianfu(dir: &Path) -> (Running, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jianfu"))
        .args([
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--database-url",
        ])
        .arg(format!("sqlite://{}", dir.join("jianfu.db").display()))
        .args(["--metrics-token", "deploy-metrics-token-0123"])
        .env("JIANFU_JWT_SECRET", SECRET)
        .env("JIANFU_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://127.0.0.1:") {
                let port: String = line[at + 30..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let _ = tx.send(port.parse::<u16>().unwrap());
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("jianfu starts");
    (Running(child), port)
}

/// `curl` through the proxy by name, resolved to 127.0.0.1: (status, headers, body).
fn curl(url: &str, port: u16, extra: &[&str]) -> (u16, String, String) {
    let output = Command::new("curl")
        .args(["-sk", "-D", "-", "--max-time", "10", "--resolve"])
        .arg(format!("jianfu.example.org:{port}:127.0.0.1"))
        .args(extra)
        .arg(url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::trim))
}

/// The shipped site with only its ports, certificate paths and upstream rewritten, under
/// a minimal main configuration in `d`; returns nginx and its HTTP and HTTPS ports.
fn nginx(d: &Path, app_port: u16) -> (Running, u16, u16) {
    let (http, https) = (free_port(), free_port());
    let site = read("deploy/nginx/jianfu.conf")
        .replace("/etc/ssl/jianfu/", &format!("{}/", d.display()))
        .replace("listen 80;", &format!("listen 127.0.0.1:{http};"))
        .replace(
            "listen 443 ssl http2;",
            &format!("listen 127.0.0.1:{https} ssl http2;"),
        )
        .replace(
            "server 127.0.0.1:8080;",
            &format!("server 127.0.0.1:{app_port};"),
        );
    for (from, what) in [
        ("listen 80;", "http"),
        ("listen 443", "https"),
        ("127.0.0.1:8080", "upstream"),
    ] {
        assert!(
            !site.contains(from),
            "the {what} line of the shipped site changed: update this test"
        );
    }
    std::fs::write(d.join("jianfu.conf"), site).unwrap();
    std::fs::create_dir(d.join("tmp")).unwrap();
    let main = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/tmp/body;\n  proxy_temp_path {d}/tmp/proxy;\n\
           fastcgi_temp_path {d}/tmp/fastcgi;\n  uwsgi_temp_path {d}/tmp/uwsgi;\n  scgi_temp_path {d}/tmp/scgi;\n\
           include {d}/jianfu.conf;\n}}\n",
        d = d.display()
    );
    std::fs::write(d.join("nginx.conf"), main).unwrap();
    let checked = Command::new(NGINX)
        .arg("-t")
        .arg("-p")
        .arg(d)
        .arg("-c")
        .arg(d.join("nginx.conf"))
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let running = Running(
        Command::new(NGINX)
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(https);
    (running, http, https)
}

#[test]
fn the_nginx_site_serves_jianfu_over_tls_with_one_request_id() {
    if !Path::new(NGINX).exists() || Command::new("curl").arg("--version").output().is_err() {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "CI=true but nginx or curl is missing: scripts/install-deps.sh installs them"
        );
        eprintln!("note: nginx or curl missing; scripts/install-deps.sh installs them");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=jianfu.example.org",
        ])
        .arg("-keyout")
        .arg(d.join("privkey.pem"))
        .arg("-out")
        .arg(d.join("fullchain.pem"))
        .output()
        .expect("openssl runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let (_server, app_port) = jianfu(d);
    let (_nginx, http, https) = nginx(d, app_port);

    // Plain HTTP is sent to HTTPS.
    let (status, head, _) = curl(
        &format!("http://jianfu.example.org:{http}/readyz"),
        http,
        &[],
    );
    assert_eq!(status, 301, "{head}");
    assert!(
        header(&head, "location").is_some_and(|l| l.starts_with("https://jianfu.example.org")),
        "{head}"
    );

    // Over TLS: ready, HSTS, and nginx's request id is the node's.
    let (status, head, body) = curl(
        &format!("https://jianfu.example.org:{https}/readyz"),
        https,
        &[],
    );
    assert_eq!(status, 200, "{head}{body}");
    assert!(body.contains("\"ready\""), "{body}");
    assert!(
        header(&head, "strict-transport-security").is_some(),
        "{head}"
    );
    let id = header(&head, "x-request-id")
        .expect("a request id")
        .to_owned();
    assert_eq!(id.len(), 32, "nginx's $request_id is 32 hex digits: {id}");
    let (status, head, body) = curl(
        &format!("https://jianfu.example.org:{https}/api/v1/me"),
        https,
        &[],
    );
    assert_eq!(status, 401);
    let id = header(&head, "x-request-id").unwrap();
    assert!(body.contains(&format!("\"request_id\":\"{id}\"")), "{body}");

    // Metrics never leave through the proxy, even with the token.
    let (status, _, _) = curl(
        &format!("https://jianfu.example.org:{https}/metrics"),
        https,
        &["-H", "Authorization: Bearer deploy-metrics-token-0123"],
    );
    assert_eq!(status, 404);
    let access = std::fs::read_to_string(d.join("access.log")).unwrap();
    assert!(access.lines().count() >= 4, "{access}");
}

#[test]
fn the_container_image_is_multi_stage_non_root_with_pages_and_migrations() {
    let dockerfile = read("deploy/Dockerfile");
    let stages = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .count();
    assert!(stages >= 2, "multi-stage");
    let user = dockerfile
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER line");
    assert!(!user.contains(" root") && !user.contains(" 0"), "{user}");
    for needle in [
        "scripts/build-wasm.sh",
        "/usr/share/jianfu/web",
        "/usr/share/jianfu/migrations",
        "JIANFU_WEB_DIR=/usr/share/jianfu/web",
        "STOPSIGNAL SIGTERM",
        "CMD [\"serve\"]",
    ] {
        assert!(
            dockerfile.contains(needle),
            "deploy/Dockerfile lacks {needle}"
        );
    }
    let script = read("scripts/build-image.sh");
    assert!(script.contains("deploy/Dockerfile"));
}

#[test]
fn the_systemd_unit_stops_with_sigterm_after_the_shutdown_timeout() {
    let unit = read("deploy/systemd/jianfu.service");
    for needle in [
        "ExecStart=/usr/local/bin/jianfu serve",
        "KillSignal=SIGTERM",
        "User=jianfu",
        "EnvironmentFile=",
    ] {
        assert!(unit.contains(needle), "jianfu.service lacks {needle}");
    }
    let stop: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .and_then(|v| v.parse().ok())
        .expect("TimeoutStopSec");
    let env = read("deploy/systemd/jianfu.env.example");
    let shutdown: u64 = env
        .lines()
        .find_map(|l| l.strip_prefix("JIANFU_SHUTDOWN_TIMEOUT_SECS="))
        .and_then(|v| v.parse().ok())
        .expect("JIANFU_SHUTDOWN_TIMEOUT_SECS");
    assert!(
        stop > shutdown + 2,
        "systemd would kill before the drain ends"
    );
    // Every variable of the example is one the binary reads.
    let help = Command::new(env!("CARGO_BIN_EXE_jianfu"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for line in env
        .lines()
        .filter(|l| l.starts_with("JIANFU_") || l.starts_with("# JIANFU_"))
    {
        let name = line.trim_start_matches("# ").split('=').next().unwrap();
        assert!(
            help.contains(name) || name == "JIANFU_LOG",
            "{name} is not a setting of jianfu serve"
        );
    }
}
