//! Tests of the `jianfu` binary itself: flags, refusals, the import command and `demo`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "cli-test-secret-0123456789abcdef-0123456789";

fn jianfu() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jianfu"));
    for var in [
        "JIANFU_DATABASE_URL",
        "JIANFU_JWT_SECRET",
        "JIANFU_PORT",
        "JIANFU_HOST",
        "JIANFU_DEMO_DATABASE_URL",
    ] {
        command.env_remove(var);
    }
    command.env("JIANFU_LOG", "warn");
    command
}

fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("jianfu.db").display())
}

fn fixture() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo-county.csv"))
}

#[test]
fn help_documents_the_environment_and_never_prints_the_secret() {
    let (output, stdout, _) = run(jianfu()
        .args(["serve", "--help"])
        .env("JIANFU_JWT_SECRET", SECRET));
    assert!(output.status.success());
    for needle in [
        "JIANFU_DATABASE_URL",
        "JIANFU_JWT_SECRET",
        "JIANFU_HOST",
        "JIANFU_PORT",
        "--web-dir",
    ] {
        assert!(stdout.contains(needle), "--help lacks {needle}");
    }
    assert!(!stdout.contains(SECRET), "--help printed the secret");
    let (output, stdout, _) = run(jianfu().arg("--help"));
    assert!(output.status.success());
    for command in ["serve", "migrate", "import-divisions", "user", "demo"] {
        assert!(stdout.contains(command), "--help lacks {command}");
    }
}

#[test]
fn serve_refuses_a_missing_short_or_default_secret_before_touching_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let cases: [(Option<&str>, &str); 3] = [
        (None, "JIANFU_JWT_SECRET"),
        (Some("short"), "at least 32"),
        (Some("changeme"), "well-known default"),
    ];
    for (secret, expected) in cases {
        let mut command = jianfu();
        command.args(["serve", "--port", "0", "--database-url", &url]);
        if let Some(secret) = secret {
            command.env("JIANFU_JWT_SECRET", secret);
        }
        let (output, _, stderr) = run(&mut command);
        assert!(
            !output.status.success(),
            "serve started with secret {secret:?}"
        );
        assert!(stderr.contains(expected), "{stderr}");
    }
    assert!(
        !dir.path().join("jianfu.db").exists(),
        "no database was created"
    );
}

#[test]
fn import_divisions_is_idempotent_and_reports_counts() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let rows = std::fs::read_to_string(fixture()).unwrap().lines().count();
    let (output, stdout, stderr) = run(jianfu()
        .args(["import-divisions", "--database-url", &url])
        .arg(fixture()));
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "imported {rows} rows into sqlite: {rows} new, 0 renamed, 0 unchanged"
        )),
        "{stdout}"
    );

    let (output, stdout, _) = run(jianfu()
        .args(["import-divisions", "--database-url", &url])
        .arg(fixture()));
    assert!(output.status.success());
    assert!(
        stdout.contains(&format!(
            "{rows} rows into sqlite: 0 new, 0 renamed, {rows} unchanged"
        )),
        "{stdout}"
    );

    // One township with its ancestors: all already there.
    let (output, stdout, _) = run(jianfu()
        .args([
            "import-divisions",
            "--database-url",
            &url,
            "--prefix",
            "130928101",
        ])
        .arg(fixture()));
    assert!(output.status.success());
    let township_rows = std::fs::read_to_string(fixture())
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("130928101"))
        .count();
    assert!(
        stdout.contains(&format!("imported {} rows", township_rows + 3)),
        "{stdout}"
    );
}

#[test]
fn a_bad_file_is_refused_with_line_and_field_and_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "13,\"河北省\",province,\"\"\n1309,\"沧州市\",metropolis,13\n130928,\"吴桥县\",county,1310\n").unwrap();
    let (output, _, stderr) = run(jianfu()
        .args(["import-divisions", "--database-url", &url])
        .arg(&bad));
    assert!(!output.status.success());
    assert!(
        stderr.contains("2 bad rows, nothing was imported"),
        "{stderr}"
    );
    assert!(stderr.contains("line 2: level"), "{stderr}");
    assert!(stderr.contains("line 3: parent_code"), "{stderr}");

    // Nothing stored: importing the fixture afterwards finds every row new.
    let (output, stdout, _) = run(jianfu()
        .args(["import-divisions", "--database-url", &url])
        .arg(fixture()));
    assert!(output.status.success());
    assert!(stdout.contains(", 0 unchanged"), "{stdout}");

    let (output, _, stderr) = run(jianfu()
        .args([
            "import-divisions",
            "--database-url",
            &url,
            "--prefix",
            "1309x",
        ])
        .arg(fixture()));
    assert!(!output.status.success());
    assert!(stderr.contains("--prefix"), "{stderr}");
    let (output, _, stderr) = run(jianfu()
        .args(["import-divisions", "--database-url", &url])
        .arg(dir.path().join("missing.csv")));
    assert!(!output.status.success());
    assert!(stderr.contains("missing.csv"), "{stderr}");
}

#[test]
fn user_add_creates_once_and_refuses_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let (output, _, _) = run(jianfu()
        .args(["import-divisions", "--database-url", &url])
        .arg(fixture()));
    assert!(output.status.success());
    let add = |username: &str, unit: &str| {
        run(jianfu().args([
            "user",
            "add",
            "--database-url",
            &url,
            "--username",
            username,
            "--role",
            "cadre",
            "--unit",
            unit,
        ]))
    };
    let (output, stdout, stderr) = add("zhang.wei", "130928101201");
    assert!(output.status.success(), "{stderr}");
    let fields: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(fields[..2], ["cadre", "zhang.wei"]);
    assert!(fields[2].len() >= 12, "a generated password is printed");

    let (output, _, stderr) = add("zhang.wei", "130928101202");
    assert!(!output.status.success());
    assert!(stderr.contains("username_taken"), "{stderr}");
    let (output, _, stderr) = add("li.na", "130928101999");
    assert!(!output.status.success());
    assert!(stderr.contains("org_unit_not_found"), "{stderr}");
}

/// A minimal HTTP/1.1 exchange, enough to log in against the demo.
fn http_post_json(addr: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, response)
}

#[test]
fn demo_prints_logins_that_work_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = jianfu()
        .args(["demo", "--port", "0"])
        .env("JIANFU_DEMO_DATABASE_URL", sqlite_url(dir.path()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut logins = Vec::new();
    let started = Instant::now();
    let addr = loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "demo did not start"
        );
        let line = lines.next().expect("demo output").unwrap();
        if let Some(rest) = line.strip_prefix("demo: open http://") {
            break rest.split('/').next().unwrap().to_owned();
        }
        let fields: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        assert_eq!(
            fields.len(),
            3,
            "a login line is `role username password`: {line}"
        );
        logins.push(fields);
    };
    let roles: Vec<&str> = logins.iter().map(|l| l[0].as_str()).collect();
    assert_eq!(
        roles,
        ["admin", "reviewer", "cadre", "cadre", "cadre", "cadre"]
    );

    for login in &logins {
        let body = format!(r#"{{"username":"{}","password":"{}"}}"#, login[1], login[2]);
        let (status, response) = http_post_json(&addr, "/api/v1/auth/login", &body);
        assert_eq!(status, 200, "{response}");
    }
    let (status, response) = http_post_json(
        &addr,
        "/api/v1/auth/login",
        r#"{"username":"admin","password":"wrong-password"}"#,
    );
    assert_eq!(status, 401);
    assert!(response.contains("bad_credentials"));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn one_county_imports_from_the_national_file() {
    let national = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/divisions.csv.gz"
    ));
    if !national.exists() {
        eprintln!("note: {} is absent; skipped", national.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let (output, stdout, stderr) = run(jianfu()
        .args([
            "import-divisions",
            "--database-url",
            &url,
            "--prefix",
            "130928",
        ])
        .arg(&national));
    assert!(output.status.success(), "{stderr}");
    let rows = std::fs::read_to_string(fixture()).unwrap().lines().count();
    assert!(
        stdout.contains(&format!("imported {rows} rows into sqlite: {rows} new")),
        "the fixture is that county: {stdout}"
    );
}
