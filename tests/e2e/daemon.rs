//! The daemon as an operator runs it: refusing unsafe listeners, surviving kill -9,
//! shutting down cleanly, answering bad input with 4xx over a real socket.

use crate::harness::{Daemon, OWNER, PASSWORD, bin, http};
use serde_json::{Value, json};
use std::process::Command;

#[test]
fn plain_http_on_a_public_address_is_refused_with_what_to_do() {
    let d = Daemon::start();
    let out = Command::new(bin("wtd"))
        .arg("serve")
        .arg("--data-dir")
        .arg(d.data_dir())
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .expect("run wtd");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--tls-cert") && err.contains("--insecure-http"),
        "{err}"
    );
}

#[test]
fn acknowledged_writes_survive_kill_9_and_the_audit_chain_verifies() {
    let mut d = Daemon::start();
    d.setup();
    let mut tokens = vec![];
    for _ in 0..5 {
        tokens.push(d.login_token());
    }
    let wrong = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": OWNER, "password": "not the password", "client": "cli"}))
        .send()
        .expect("login");
    assert_eq!(wrong.status().as_u16(), 401);
    let r = http()
        .post(d.url("/api/v1/auth/logout"))
        .bearer_auth(&tokens[0])
        .send()
        .expect("logout");
    assert_eq!(r.status().as_u16(), 204);

    d.kill_hard();
    d.serve();

    // Every acknowledged session survived; the logged-out one stayed dead.
    for t in &tokens[1..] {
        let r = http()
            .get(d.url("/api/v1/auth/session"))
            .bearer_auth(t)
            .send()
            .expect("get");
        assert_eq!(r.status().as_u16(), 200);
    }
    let r = http()
        .get(d.url("/api/v1/auth/session"))
        .bearer_auth(&tokens[0])
        .send()
        .expect("get");
    assert_eq!(r.status().as_u16(), 401);
    d.kill_hard();

    let out = d
        .wtd()
        .args(["audit", "verify", "--data-dir"])
        .arg(d.data_dir())
        .output()
        .expect("wtd audit verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // org.created, setup, 5 logins, 1 failure, 1 logout.
    assert!(text.contains("acme: ok (9 entries)"), "{text}");
}

#[test]
fn sigterm_stops_the_daemon_cleanly() {
    let mut d = Daemon::start();
    let status = d.terminate().expect("was running");
    assert!(status.success(), "exit status {status:?}; log: {}", d.log());
    assert!(d.log().contains("stopped"), "{}", d.log());
}

#[test]
fn bad_input_over_a_real_socket_gets_4xx_problem_json() {
    let d = Daemon::start();
    let url = d.url("/api/v1/auth/login");
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("application/json", b"{\"email\":".to_vec(), 400),
        (
            "application/json",
            br#"{"email":"a@b.c","password":"x","client":"cli","extra":1}"#.to_vec(),
            400,
        ),
        (
            "application/json",
            b"{\"email\":\"\xc3\x28\",\"password\":\"x\",\"client\":\"cli\"}".to_vec(),
            400,
        ),
        ("text/plain", b"hello".to_vec(), 415),
        ("application/json", vec![b'['; 2 * 1024 * 1024], 413),
    ];
    for (ct, body, want) in cases {
        let r = http()
            .post(&url)
            .header("content-type", ct)
            .body(body)
            .send()
            .expect("send");
        assert_eq!(r.status().as_u16(), want, "{ct}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().expect("problem json");
        assert!(p["code"].is_string() && p["detail"].is_string(), "{p}");
    }
    // Deeply nested JSON is refused, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = http()
        .post(&url)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    // The daemon is still fine.
    assert_eq!(
        http()
            .get(d.url("/healthz"))
            .send()
            .expect("health")
            .status()
            .as_u16(),
        200
    );
    // And nothing in its log mentions a panic.
    assert!(!d.log().contains("panicked"), "{}", d.log());
    let _ = PASSWORD;
}

#[test]
fn console_login_over_a_real_socket_sets_a_host_prefixed_cookie() {
    let d = Daemon::start();
    d.setup();
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": OWNER, "password": PASSWORD, "client": "console"}))
        .send()
        .expect("login");
    assert_eq!(r.status().as_u16(), 200);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    for want in [
        "__Host-wt_session=",
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(cookie.contains(want), "{cookie}");
    }
    assert_eq!(r.headers()["cache-control"], "no-store");
    let pair = cookie.split(';').next().expect("pair").to_string();
    let evil = http()
        .post(d.url("/api/v1/auth/logout"))
        .header("cookie", &pair)
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .expect("post");
    assert_eq!(evil.status().as_u16(), 403);
}

#[test]
fn tls_listener_serves_https_on_a_public_address() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("SKIPPED: openssl not installed (needed to make a test certificate)");
        return;
    }
    let d = Daemon::start();
    let (cert, key) = (d.dir.path().join("cert.pem"), d.dir.path().join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let mut tls = Daemon::start_with(&[
        "--tls-cert",
        cert.to_str().expect("utf8"),
        "--tls-key",
        key.to_str().expect("utf8"),
    ]);
    assert!(tls.base.starts_with("https://"), "{}", tls.base);
    let client = reqwest::blocking::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .expect("client");
    let r = client.get(tls.url("/healthz")).send().expect("https");
    assert_eq!(r.status().as_u16(), 200);
    tls.kill_hard();
}

#[test]
fn init_refuses_to_run_twice_on_the_same_data_dir() {
    let d = Daemon::start();
    let out = d
        .wtd()
        .args([
            "init",
            "--org",
            "Other",
            "--owner-email",
            "x@y.z",
            "--data-dir",
        ])
        .arg(d.data_dir())
        .output()
        .expect("wtd init");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no second token");
    assert!(String::from_utf8_lossy(&out.stderr).contains("wtd org create"));
    // The master key is private to its owner.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.data_dir().join("master.key"))
        .expect("key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn wt_daemon_start_status_stop_runs_a_local_wtd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let init = Command::new(bin("wtd"))
        .args([
            "init",
            "--org",
            "Solo",
            "--owner-email",
            "me@solo.test",
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .expect("init");
    assert!(init.status.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let wt = |args: &[&str]| {
        Command::new(bin("wt"))
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .env("WT_WTD_BIN", bin("wtd"))
            .env("WT_SERVER", format!("http://{listen}"))
            .output()
            .expect("wt")
    };
    let start = wt(&["daemon", "start", "--listen", &listen]);
    assert!(
        start.status.success(),
        "{}",
        String::from_utf8_lossy(&start.stderr)
    );
    assert!(data.join("wtd.pid").exists());
    let health = http()
        .get(format!("http://{listen}/healthz"))
        .send()
        .expect("health");
    assert_eq!(health.status().as_u16(), 200);
    let status = wt(&["daemon", "status", "--listen", &listen, "--output", "json"]);
    assert!(status.status.success());
    assert!(String::from_utf8_lossy(&status.stdout).contains("running"));
    let stop = wt(&["daemon", "stop"]);
    assert!(
        stop.status.success(),
        "{}",
        String::from_utf8_lossy(&stop.stderr)
    );
    assert!(!data.join("wtd.pid").exists());
    assert!(
        http()
            .get(format!("http://{listen}/healthz"))
            .send()
            .is_err(),
        "stopped"
    );
    let status = wt(&["daemon", "status", "--listen", &listen]);
    assert_eq!(status.status.code(), Some(6));
}

#[test]
fn slow_headers_are_cut_off_and_oversized_headers_refused() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let d = Daemon::start_with(&["--header-timeout", "1"]);
    let addr = d.base.trim_start_matches("http://").to_string();
    // Slow-loris: half a request head, then silence. The daemon closes the connection.
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    s.write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    s.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let t = Instant::now();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "the connection was held for {:?}",
        t.elapsed()
    );
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
    // A 64 KiB header: refused with 431, not read into memory without bound.
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let _ = s.write_all(big.as_bytes());
    s.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 431"), "{out:.80}");
    // The daemon still serves.
    let r = http().get(d.url("/healthz")).send().expect("healthz");
    assert_eq!(r.status().as_u16(), 200);
}
