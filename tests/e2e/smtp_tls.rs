//! Mail through a relay run the way companies run them: TLS (STARTTLS or implicit) with
//! authentication required, its certificate signed by a CA made for the test (openssl)
//! and trusted through `--smtp-ca-file` or the OS trust store (`SSL_CERT_FILE`); and
//! relays that fail (a certificate nobody trusts, a wrong password, another host name, no
//! STARTTLS): the log says why and what to do, `/metrics` and `wt check` show the mail
//! waiting, `/readyz` stays green, and nothing queued is lost. The relay is Python's
//! aiosmtpd (`smtp_relay.py` beside this file).

use crate::harness::{Daemon, OWNER, bin, http, post_json, run};
use crate::mfa::{SmtpSink, free_port, have_aiosmtpd};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const USER: &str = "mailer";
/// The relay's password: it must never appear in a log.
const SECRET: &str = "relay-pass-7c1e9a";
const SUBJECT: &str = "Subject: Reset your WatchTower password";

/// A CA and a relay certificate it signs, in a temporary folder.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    /// A fresh CA and a relay certificate for `san` (`IP:127.0.0.1`, `DNS:relay.internal`).
    fn make(san: &str) -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = |f: &str| dir.path().join(f);
        std::fs::write(
            p("ext.cnf"),
            format!(
                "subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            ),
        )
        .expect("ext.cnf");
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let steps: [Vec<&str>; 3] = [
            [
                &["req", "-x509"][..],
                &ec,
                &["-keyout", "ca.key", "-out", "ca.pem"],
            ]
            .concat(),
            [
                &["req"][..],
                &ec,
                &["-keyout", "relay.key", "-out", "relay.csr"],
            ]
            .concat(),
            vec![
                "x509",
                "-req",
                "-in",
                "relay.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "relay.pem",
                "-extfile",
                "ext.cnf",
            ],
        ];
        for (i, args) in steps.iter().enumerate() {
            let subj = if i == 0 {
                "/CN=WatchTower test CA"
            } else {
                "/CN=relay"
            };
            let mut c = Command::new("openssl");
            c.current_dir(dir.path()).args(args).args(["-days", "2"]);
            if i < 2 {
                c.args(["-subj", subj]);
            }
            let out = c.output().expect("run openssl");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Pki { dir }
    }

    fn path(&self, f: &str) -> String {
        self.dir.path().join(f).display().to_string()
    }
}

/// Whether this machine has what these tests need; says what is skipped otherwise.
fn prerequisites(test: &str) -> bool {
    let openssl = Command::new("openssl").arg("version").output().is_ok();
    if !openssl || !have_aiosmtpd() {
        eprintln!("SKIPPED {test}: needs openssl and python3 -m aiosmtpd (pip install aiosmtpd)");
        return false;
    }
    true
}

/// The relay: `mode` `starttls` or `implicit`, AUTH required (only `mechanism` offered,
/// when given) against [`USER`] and [`SECRET`].
fn relay(pki: &Pki, mode: &str, mechanism: Option<&str>) -> SmtpSink {
    let maildir = tempfile::tempdir().expect("maildir");
    let port = free_port();
    let mut cmd = Command::new("python3");
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/smtp_relay.py"))
        .args([
            mode,
            &port.to_string(),
            &pki.path("relay.pem"),
            &pki.path("relay.key"),
        ])
        .arg(maildir.path().join("mail"))
        .args([USER, SECRET])
        .args(mechanism);
    SmtpSink::spawn(cmd, maildir, port)
}

/// A fresh CA and a relay (see [`relay`]) with a certificate for `san`; `None` (the test
/// skipped) without openssl or aiosmtpd.
fn relay_with_ca(
    test: &str,
    san: &str,
    mode: &str,
    mechanism: Option<&str>,
) -> Option<(Pki, SmtpSink)> {
    if !prerequisites(test) {
        return None;
    }
    let pki = Pki::make(san);
    let smtp = relay(&pki, mode, mechanism);
    Some((pki, smtp))
}

/// `--smtp-url` for the STARTTLS relay on `port` (TLS asked for: the host is loopback).
fn starttls_url(port: u16) -> String {
    format!("smtp://{USER}@127.0.0.1:{port}?tls=required")
}

/// A daemon mailing through the STARTTLS relay on `port` as [`USER`] with the password in
/// the file `pw`, trusting the CA of `pki` through `--smtp-ca-file`.
fn daemon_trusting(pki: &Pki, port: u16, pw: &Path) -> Daemon {
    Daemon::start_with(&[
        "--smtp-url",
        &starttls_url(port),
        "--smtp-ca-file",
        &pki.path("ca.pem"),
        "--smtp-password-file",
        &pw.display().to_string(),
    ])
}

/// Every one of `words` is in the log.
fn assert_says(log: &str, words: &[&str]) {
    for w in words {
        assert!(log.contains(w), "the log says {w:?}: {log}");
    }
}

/// A private password file holding `password`.
fn password_file(dir: &tempfile::TempDir, password: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let f = dir.path().join("smtp-password");
    std::fs::write(&f, format!("{password}\n")).expect("write");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    f
}

/// Claims the owner account and asks for a reset mail (the one mail of these tests).
fn queue_a_mail(d: &Daemon) {
    d.setup();
    let (status, _) = post_json(
        d,
        "/api/v1/auth/password/forgot",
        json!({"email": OWNER}),
        None,
    );
    assert_eq!(status, 202);
}

/// Polls (bounded) until `found` holds.
fn wait_until(secs: u64, what: &str, found: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !found() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn delivered(relay: &SmtpSink) -> bool {
    relay.messages().iter().any(|m| m.contains(SUBJECT))
}

/// The log's `mail delivery failed` lines, once there is one.
fn failure_logged(d: &Daemon) -> String {
    wait_until(20, "a `mail delivery failed` line", || {
        d.log().contains("mail delivery failed")
    });
    d.log()
}

/// One sample of `/metrics` (loopback: no token needed).
fn metric(d: &Daemon, name: &str) -> i64 {
    let text = http()
        .get(d.url("/metrics"))
        .send()
        .and_then(|r| r.text())
        .expect("/metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

fn undelivered_rows(d: &Daemon) -> Vec<String> {
    d.sql_column("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
}

/// What is never in a log: the relay's password.
fn assert_no_secret(d: &Daemon) {
    assert!(!d.log().contains(SECRET), "the SMTP password is in the log");
}

#[test]
fn starttls_with_auth_plain_delivers_to_a_relay_whose_ca_is_given_in_a_file() {
    let Some((pki, smtp)) = relay_with_ca(
        "starttls + --smtp-ca-file",
        "IP:127.0.0.1",
        "starttls",
        Some("PLAIN"),
    ) else {
        return;
    };
    let secrets = tempfile::tempdir().expect("tempdir");
    let d = daemon_trusting(&pki, smtp.port, &password_file(&secrets, SECRET));
    queue_a_mail(&d);
    wait_until(20, "the reset mail at the relay", || delivered(&smtp));
    let log = d.log();
    assert!(
        log.contains(&format!(
            "smtp://{USER}@127.0.0.1:{} (STARTTLS required",
            smtp.port
        )) && log.contains("CAs of --smtp-ca-file"),
        "{log}"
    );
    assert!(!log.contains("mail delivery failed"), "{log}");
    assert_no_secret(&d);
}

#[test]
fn the_os_trust_store_is_used_by_default_and_ssl_cert_file_points_it_at_the_company_ca() {
    let Some((pki, smtp)) =
        relay_with_ca("starttls + SSL_CERT_FILE", "IP:127.0.0.1", "starttls", None)
    else {
        return;
    };
    let url = starttls_url(smtp.port);
    let mut d = Daemon::start();
    d.terminate();
    d.set_args(&["--smtp-url", &url]);
    // The password from the environment; the CA from the "OS store" (SSL_CERT_FILE).
    d.serve_with_env(
        "127.0.0.1:0",
        &[
            ("SSL_CERT_FILE", &pki.path("ca.pem")),
            ("WT_SMTP_PASSWORD", SECRET),
        ],
    );
    queue_a_mail(&d);
    wait_until(20, "the reset mail at the relay", || delivered(&smtp));
    let log = d.log();
    assert!(log.contains("verified against the OS trust store"), "{log}");
    assert_no_secret(&d);
}

#[test]
fn implicit_tls_with_auth_login_and_the_password_in_the_url_which_is_never_shown() {
    let Some((pki, smtp)) = relay_with_ca("smtps", "IP:127.0.0.1", "implicit", Some("LOGIN"))
    else {
        return;
    };
    let url = format!("smtps://{USER}:{SECRET}@127.0.0.1:{}", smtp.port);
    let d = Daemon::start_with(&["--smtp-url", &url, "--smtp-ca-file", &pki.path("ca.pem")]);
    queue_a_mail(&d);
    wait_until(20, "the reset mail at the relay", || delivered(&smtp));
    let log = d.log();
    assert!(
        log.contains(&format!(
            "smtps://{USER}@127.0.0.1:{} (implicit TLS",
            smtp.port
        )),
        "{log}"
    );
    assert_no_secret(&d);
}

#[test]
fn an_untrusted_relay_keeps_the_mail_says_why_shows_in_metrics_and_check_then_delivers_once_trusted()
 {
    let Some((pki, smtp)) = relay_with_ca("untrusted relay", "IP:127.0.0.1", "starttls", None)
    else {
        return;
    };
    let secrets = tempfile::tempdir().expect("tempdir");
    let pw = password_file(&secrets, SECRET).display().to_string();
    let url = starttls_url(smtp.port);
    // The CA is in no trust store the daemon reads (the OS store has never heard of it).
    let mut d = Daemon::start_with(&["--smtp-url", &url, "--smtp-password-file", &pw]);
    queue_a_mail(&d);
    let log = failure_logged(&d);
    assert_says(
        &log,
        &[
            "certificate_untrusted",
            "not signed by a CA this daemon trusts",
            "--smtp-ca-file",
            "OS trust store",
        ],
    );
    assert!(!delivered(&smtp));
    assert_eq!(undelivered_rows(&d), ["1"], "the mail is kept");

    // Mail is not readiness; /metrics shows the wait and the failures.
    let r = http().get(d.url("/readyz")).send().expect("readyz");
    assert_eq!(r.status().as_u16(), 200);
    let first = metric(&d, "wt_mail_oldest_undelivered_age_seconds");
    std::thread::sleep(Duration::from_millis(2100));
    let later = metric(&d, "wt_mail_oldest_undelivered_age_seconds");
    assert!(later >= first + 2, "the age grows: {first} then {later}");
    assert!(
        metric(
            &d,
            r#"wt_mail_delivery_failures_total{class="certificate_untrusted"}"#
        ) >= 1
    );
    assert_eq!(metric(&d, "wt_mail_undelivered"), 1);

    // An hour later (the mail queued an hour ago), `wt check` warns.
    d.sql("UPDATE mail_outbox SET created_at = created_at - 3600");
    let tok = d.login_token();
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok).args([
        "check",
        "--only",
        "mail_delivery",
        "--fail-on",
        "warn",
        "--format",
        "json",
    ]);
    let (code, out, err) = run(c, "");
    assert_eq!(code, 1, "{out} {err}");
    assert!(err.contains("check warns (mail_delivery)"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let check = &v["checks"][0];
    assert_eq!(check["status"], "warn", "{v}");
    let summary = check["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("certificate_untrusted"), "{summary}");
    assert!(
        check["remedy"]
            .as_str()
            .unwrap_or_default()
            .contains("--smtp-ca-file"),
        "{check}"
    );
    assert_eq!(
        check["evidence"][0]["label"], OWNER,
        "the owner may list members"
    );
    assert!(metric(&d, "wt_mail_oldest_undelivered_age_seconds") >= 3600);

    // Restarted trusting the CA: the queued mail goes out (due now rather than after its
    // backoff); nothing was lost.
    d.terminate();
    d.sql("UPDATE mail_outbox SET next_attempt_at = created_at WHERE sent_at IS NULL");
    d.set_args(&[
        "--smtp-url",
        &url,
        "--smtp-password-file",
        &pw,
        "--smtp-ca-file",
        &pki.path("ca.pem"),
    ]);
    d.serve();
    wait_until(20, "the kept mail at the relay", || delivered(&smtp));
    wait_until(10, "the outbox emptied", || undelivered_rows(&d) == ["0"]);
    assert_eq!(metric(&d, "wt_mail_oldest_undelivered_age_seconds"), 0);
    assert_no_secret(&d);
}

#[test]
fn a_wrong_password_is_logged_clearly_and_a_fixed_password_file_works_without_a_restart() {
    let Some((pki, smtp)) = relay_with_ca("wrong password", "IP:127.0.0.1", "starttls", None)
    else {
        return;
    };
    let secrets = tempfile::tempdir().expect("tempdir");
    let d = daemon_trusting(
        &pki,
        smtp.port,
        &password_file(&secrets, "not-the-password"),
    );
    queue_a_mail(&d);
    let log = failure_logged(&d);
    assert_says(
        &log,
        &[
            "auth_failed",
            "refused the SMTP user and password",
            "--smtp-password-file",
        ],
    );
    assert!(!log.contains("not-the-password"), "{log}");
    assert_eq!(undelivered_rows(&d), ["1"], "the mail is kept");
    // The password rotated in its file: the retry (30 s later) reads it again.
    password_file(&secrets, SECRET);
    wait_until(45, "the kept mail at the relay after the fix", || {
        delivered(&smtp)
    });
    assert_no_secret(&d);
}

#[test]
fn relays_with_another_name_or_no_starttls_are_named_in_the_log() {
    // A certificate for relay.internal, dialled as 127.0.0.1.
    let Some((pki, smtp)) = relay_with_ca("misnamed relay", "DNS:relay.internal", "implicit", None)
    else {
        return;
    };
    let url = format!("smtps://{USER}:{SECRET}@127.0.0.1:{}", smtp.port);
    let d = Daemon::start_with(&["--smtp-url", &url, "--smtp-ca-file", &pki.path("ca.pem")]);
    queue_a_mail(&d);
    let log = failure_logged(&d);
    assert!(
        log.contains("certificate_name_mismatch") && log.contains("not valid for the host name"),
        "{log}"
    );
    assert_no_secret(&d);

    // A relay without STARTTLS, while STARTTLS is required.
    let plain = SmtpSink::start().expect("aiosmtpd");
    let url = format!("smtp://127.0.0.1:{}?tls=required", plain.port);
    let d = Daemon::start_with(&["--smtp-url", &url]);
    queue_a_mail(&d);
    let log = failure_logged(&d);
    assert!(
        log.contains("starttls_unavailable") && log.contains("does not offer STARTTLS"),
        "{log}"
    );
    assert!(plain.messages().is_empty(), "nothing sent in plain text");
}

#[test]
fn plain_text_off_loopback_is_warned_about_and_never_carries_a_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let serve = |url: &str| {
        Command::new(bin("wtd"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            .args(["--smtp-url", url])
            .output()
            .expect("wtd serve")
    };
    let out = serve(&format!(
        "smtp://{USER}:{SECRET}@relay.example.com:25?tls=none"
    ));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("refusing to send the SMTP password"), "{err}");
    assert!(!err.contains(SECRET), "{err}");

    // Without a password it starts, and says so.
    let mut d = Daemon::start();
    d.terminate();
    d.set_args(&["--smtp-url", "smtp://relay.example.com:25?tls=none"]);
    d.serve();
    let log = d.log();
    assert!(
        log.contains("goes in plain text") && log.contains("relay.example.com"),
        "{log}"
    );
}
