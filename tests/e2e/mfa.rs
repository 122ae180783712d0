//! MFA end to end: codes from an independent TOTP implementation (Debian's `oathtool`),
//! the real daemon's clock, raw HTTP and the real `wt`.

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use serde_json::{Value, json};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The TOTP code of `secret` (base32) at time step `step`, computed by oathtool.
pub fn oathtool(secret: &str, step: u64) -> String {
    let at = format!("@{}", step * 30);
    let out = Command::new("oathtool")
        .args(["--totp", "-b", secret, "--now", &at])
        .output()
        .expect("oathtool is installed (Debian package oathtool)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn have_oathtool() -> bool {
    Command::new("oathtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn post(d: &Daemon, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut req = http().post(d.url(path)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().expect("request");
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

/// Runs `attempt(step)` with the current step; retries once if the step changed while the
/// request was in flight and it failed (a code computed at a boundary). No sleeping.
pub fn at_current_step<T>(mut attempt: impl FnMut(u64) -> Result<T, String>) -> T {
    for _ in 0..3 {
        let before = now() / 30;
        match attempt(before) {
            Ok(v) => return v,
            Err(e) if now() / 30 != before => eprintln!("step changed mid-request ({e}); retrying"),
            Err(e) => panic!("{e}"),
        }
    }
    panic!("three step boundaries in a row")
}

#[test]
fn independent_codes_enroll_and_log_in_and_replays_and_old_codes_are_refused() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let mut d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let (s, e) = post(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok));
    assert_eq!(s, 200, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_string();
    assert!(
        e["otpauth_uri"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("secret={secret}"))
    );

    // Confirm with the previous step's code, so the current step's is still unused for login.
    let step = at_current_step(|t| {
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": oathtool(&secret, t - 1)}),
            Some(&tok),
        );
        if s == 200 {
            Ok(t)
        } else {
            Err(format!("confirm {s} {b}"))
        }
    });

    let challenge = || {
        let (s, b) = post(
            &d,
            "/api/v1/auth/login",
            json!({"email": OWNER, "password": PASSWORD, "client": "cli"}),
            None,
        );
        assert_eq!((s, b["mfa_required"].clone()), (200, json!(true)), "{b}");
        b["challenge"].as_str().expect("challenge").to_string()
    };
    let ch = challenge();
    let code = at_current_step(|t| {
        let code = oathtool(&secret, t.max(step));
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/verify",
            json!({"challenge": ch, "code": code}),
            None,
        );
        if s == 200 && b["token"].is_string() {
            Ok(code)
        } else {
            Err(format!("verify {s} {b}"))
        }
    });

    // The same code again: refused, and audited as a replay.
    let ch2 = challenge();
    let (s, b) = post(
        &d,
        "/api/v1/auth/mfa/verify",
        json!({"challenge": ch2, "code": code}),
        None,
    );
    assert_eq!((s, b["code"].clone()), (401, json!("invalid_code")));
    // A code from two steps ago: refused.
    let (s, b) = post(
        &d,
        "/api/v1/auth/mfa/verify",
        json!({"challenge": ch2, "code": oathtool(&secret, now() / 30 - 2)}),
        None,
    );
    assert_eq!((s, b["code"].clone()), (401, json!("invalid_code")));
    assert!(d.terminate().is_some_and(|s| s.success()));
    let db = audit_actions(&d);
    assert!(db.iter().any(|a| a == "mfa.code.replayed"), "{db:?}");
    assert!(db.iter().any(|a| a == "mfa.enrolled"), "{db:?}");
}

/// Audit actions, read straight from the database after the daemon stopped, once
/// `wtd audit verify` has confirmed the chain.
fn audit_actions(d: &Daemon) -> Vec<String> {
    let out = d
        .wtd()
        .args(["audit", "verify", "--data-dir"])
        .arg(d.data_dir())
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    d.sql_column("SELECT action FROM audit_log ORDER BY seq")
}

/// `wt` with stdin, returning (exit code, stdout, stderr).
fn wt(d: &Daemon, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut c = d.wt();
    c.args(args);
    crate::harness::run(c, stdin)
}

#[test]
fn the_cli_enrolls_and_logs_in_with_a_code_then_with_a_recovery_code_once() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let d = Daemon::start();
    d.setup();
    // The owner role requires MFA by default: login works but says to enroll.
    let (code, _, err) = wt(
        &d,
        &["login", "--email", OWNER, "--password-stdin", "--no-input"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wt mfa enroll"), "{err}");
    // The owner who claimed the org has a 24-hour grace to configure it first.
    let (code, _, err) = wt(&d, &["org", "show"], "");
    assert_eq!(code, 0, "within the bootstrap grace: {err}");

    let (code, out, err) = wt(
        &d,
        &["mfa", "enroll", "--no-confirm", "--output", "json"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let e: Value = serde_json::from_str(&out).expect("json");
    let secret = e["secret"].as_str().expect("secret").replace(' ', "");
    let step = at_current_step(|t| {
        let (code, out, err) = wt(
            &d,
            &["mfa", "confirm", "--code-stdin", "--output", "json"],
            &format!("{}\n", oathtool(&secret, t - 1)),
        );
        if code == 0 {
            Ok((t, out))
        } else {
            Err(format!("confirm exit {code}: {err}"))
        }
    });
    let codes: Value = serde_json::from_str(&step.1).expect("json");
    let recovery: Vec<String> =
        serde_json::from_value(codes["recovery_codes"].clone()).expect("codes");
    assert!(recovery.len() >= 10);
    let (code, _, _) = wt(&d, &["org", "show"], "");
    assert_eq!(code, 0, "after enrolling everything works");
    let (code, out, _) = wt(&d, &["mfa", "status", "--output", "json"], "");
    assert_eq!(code, 0);
    assert!(!out.contains(&secret), "the secret is never shown again");

    // Log in again: password then a code, both on stdin.
    assert_eq!(wt(&d, &["logout"], "").0, 0);
    at_current_step(|t| {
        let input = format!("{PASSWORD}\n{}\n", oathtool(&secret, t.max(step.0)));
        let (code, _, err) = wt(
            &d,
            &[
                "login",
                "--email",
                OWNER,
                "--password-stdin",
                "--code-stdin",
                "--no-input",
            ],
            &input,
        );
        if code == 0 {
            Ok(())
        } else {
            Err(format!("login exit {code}: {err}"))
        }
    });
    assert_eq!(wt(&d, &["whoami"], "").0, 0);

    // A recovery code works once.
    assert_eq!(wt(&d, &["logout"], "").0, 0);
    let input = format!("{PASSWORD}\n{}\n", recovery[0]);
    let args = [
        "login",
        "--email",
        OWNER,
        "--password-stdin",
        "--recovery-code-stdin",
        "--no-input",
    ];
    let (code, _, err) = wt(&d, &args, &input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(wt(&d, &["logout"], "").0, 0);
    let (code, _, err) = wt(&d, &args, &input);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("wrong, expired or already used"), "{err}");
}

/// Whether Python's aiosmtpd is installed (CI installs it with pip).
pub fn have_aiosmtpd() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A real SMTP server (Python's aiosmtpd) writing to a Maildir; killed on drop.
pub struct SmtpSink {
    child: std::process::Child,
    maildir: tempfile::TempDir,
    pub port: u16,
}

impl SmtpSink {
    /// Python's aiosmtpd, plain SMTP on a free port; `None` when it is not installed.
    pub fn start() -> Option<SmtpSink> {
        if !have_aiosmtpd() {
            return None;
        }
        let maildir = tempfile::tempdir().expect("maildir");
        let port = free_port();
        let mut cmd = Command::new("python3");
        cmd.args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir.path().join("mail"));
        Some(Self::spawn(cmd, maildir, port))
    }

    /// Runs `cmd`, an SMTP server on 127.0.0.1:`port` writing to `<maildir>/mail`, and
    /// waits until it accepts connections.
    pub fn spawn(mut cmd: Command, maildir: tempfile::TempDir, port: u16) -> SmtpSink {
        let child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the SMTP server");
        // Owned by the guard from here on: killed and reaped on every path.
        let sink = SmtpSink {
            child,
            maildir,
            port,
        };
        // Ready when it accepts connections.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return sink;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the SMTP server did not start");
    }

    /// Polls (bounded, 20 s) until `found` returns something from the messages so far.
    pub fn wait_for<T>(&self, found: impl Fn(&[String]) -> Option<T>) -> Option<T> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(v) = found(&self.messages()) {
                return Some(v);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Messages delivered so far.
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail").join("new");
        std::fs::read_dir(new)
            .map(|it| {
                it.flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn mfa_notice_is_delivered_to_a_real_smtp_server() {
    let Some(smtp) = SmtpSink::start() else {
        eprintln!("SKIPPED: python3 -m aiosmtpd is not installed (pip install aiosmtpd)");
        return;
    };
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed");
        return;
    }
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let d = Daemon::start_with(&[
        "--smtp-url",
        &url,
        "--mail-from",
        "WatchTower <security@acme.test>",
    ]);
    d.setup();
    let tok = d.login_token();
    let (_, e) = post(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok));
    let secret = e["secret"].as_str().expect("secret").to_string();
    at_current_step(|t| {
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": oathtool(&secret, t - 1)}),
            Some(&tok),
        );
        if s == 200 {
            Ok(())
        } else {
            Err(format!("confirm {s} {b}"))
        }
    });
    // Delivery is asynchronous: poll the Maildir, bounded.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut msgs = smtp.messages();
    while msgs.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
        msgs = smtp.messages();
    }
    assert_eq!(msgs.len(), 1, "log: {}", d.log());
    let m = &msgs[0];
    assert!(m.contains("To: owner@acme.test"), "{m}");
    assert!(m.contains("security@acme.test"), "{m}");
    assert!(m.contains("Two-factor authentication was turned on"), "{m}");
    assert!(!m.contains(&secret), "no secret in mail");
    // Nothing went to the file outbox.
    assert!(!d.data_dir().join("outbox").exists());
}
