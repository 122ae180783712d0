//! At a person's pace: the flows that prompt and then call the daemon, with
//! pauses longer than every server timeout between the answers. The daemon runs with a
//! 1 s header timeout and a 2 s keep-alive idle timeout, so a 3 s pause outlasts both:
//! `wt` must not send on a connection the daemon closed meanwhile (and, if it did, must
//! send again on a fresh one).

use crate::harness::{Daemon, OWNER, PASSWORD, bin, post_json as post};
use crate::hygiene::mailed_token;
use crate::mfa::{have_oathtool, oathtool};
use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PAUSE: Duration = Duration::from_secs(3);
const SHORT_TIMEOUTS: [&str; 4] = ["--header-timeout", "1", "--keepalive-timeout", "2"];

/// One answer typed at a prompt, after a pause; computed when it is typed (a TOTP code
/// must be current then).
type Answer<'a> = (Duration, Box<dyn Fn() -> String + 'a>);

/// Runs `wt args`, typing each answer on stdin after its pause; (exit code, stderr).
fn wt_paced(d: &Daemon, args: &[&str], answers: Vec<Answer<'_>>) -> (i32, String) {
    let mut child = Command::new(bin("wt"))
        .args(args)
        .env("WT_SERVER", &d.base)
        .env_remove("WT_TOKEN")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wt starts");
    let mut stdin = child.stdin.take().expect("stdin");
    for (pause, answer) in answers {
        std::thread::sleep(pause);
        // The process may have failed already; its exit code tells.
        let _ = writeln!(stdin, "{}", answer());
        let _ = stdin.flush();
    }
    drop(stdin);
    let out = child.wait_with_output().expect("wt ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn now_step() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 30)
        .unwrap_or_default()
}

#[test]
fn a_pause_longer_than_every_server_timeout_between_password_and_code_still_logs_in() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let d = Daemon::start_with(&SHORT_TIMEOUTS);
    d.setup();
    let tok = d.login_token();
    let (s, e) = post(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok));
    assert_eq!(s, 200, "{e}");
    let secret = e["secret"].as_str().expect("secret").to_string();
    let (s, b) = post(
        &d,
        "/api/v1/auth/mfa/totp/confirm",
        json!({"code": oathtool(&secret, now_step() - 1)}),
        Some(&tok),
    );
    assert_eq!(s, 200, "{b}");
    let answers: Vec<Answer> = vec![
        (Duration::ZERO, Box::new(|| PASSWORD.to_string())),
        (PAUSE, Box::new(|| oathtool(&secret, now_step()))),
    ];
    let args = [
        "login",
        "--email",
        OWNER,
        "--password-stdin",
        "--code-stdin",
        "--no-input",
    ];
    let (code, err) = wt_paced(&d, &args, answers);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("connection closed"), "{err}");
}

#[test]
fn an_invitee_who_pauses_between_token_and_password_still_joins() {
    let d = Daemon::start_with(&SHORT_TIMEOUTS);
    d.setup();
    let tok = d.login_token();
    let email = "slow@acme.test";
    let (s, b) = post(
        &d,
        "/api/v1/orgs/invites",
        json!({"email": email, "role": "viewer"}),
        Some(&tok),
    );
    assert_eq!(s, 201, "{b}");
    let invite = mailed_token(&d, email, "wti_");
    let answers: Vec<Answer> = vec![
        (Duration::ZERO, Box::new(|| invite.clone())),
        (PAUSE, Box::new(|| PASSWORD.to_string())),
    ];
    let args = [
        "invite",
        "accept",
        "--token-stdin",
        "--password-stdin",
        "--name",
        "Slow Person",
        "--no-input",
    ];
    let (code, err) = wt_paced(&d, &args, answers);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_reset_with_pauses_between_token_password_and_code_still_completes() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let d = Daemon::start_with(&SHORT_TIMEOUTS);
    d.setup();
    let tok = d.login_token();
    let (_, e) = post(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok));
    let secret = e["secret"].as_str().expect("secret").to_string();
    let (s, b) = post(
        &d,
        "/api/v1/auth/mfa/totp/confirm",
        json!({"code": oathtool(&secret, now_step() - 1)}),
        Some(&tok),
    );
    assert_eq!(s, 200, "{b}");
    let (s, _) = post(
        &d,
        "/api/v1/auth/password/forgot",
        json!({"email": OWNER}),
        None,
    );
    assert_eq!(s, 202);
    let reset = mailed_token(&d, OWNER, "wtr_");
    let answers: Vec<Answer> = vec![
        (Duration::ZERO, Box::new(|| reset.clone())),
        (PAUSE, Box::new(|| "a brand new passphrase 77".to_string())),
        (PAUSE, Box::new(|| oathtool(&secret, now_step()))),
    ];
    let args = [
        "password",
        "reset",
        "--token-stdin",
        "--password-stdin",
        "--code-stdin",
        "--no-input",
    ];
    let (code, err) = wt_paced(&d, &args, answers);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_started_request_head_is_still_cut_off_after_the_header_timeout() {
    use std::io::Read;
    let d = Daemon::start_with(&SHORT_TIMEOUTS);
    let addr = d.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .expect("write");
    let started = std::time::Instant::now();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(2),
        "cut off after the 1 s header timeout, not the 2 s idle one: {took:?}"
    );
}

#[test]
fn enrolling_with_a_pause_between_the_qr_code_and_the_code_still_turns_mfa_on() {
    use std::io::{BufRead, BufReader};
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed (Debian package oathtool)");
        return;
    }
    let d = Daemon::start_with(&SHORT_TIMEOUTS);
    d.setup();
    let tok = d.login_token();
    let mut child = Command::new(bin("wt"))
        .args(["mfa", "enroll", "--code-stdin", "--output", "table"])
        .env("WT_SERVER", &d.base)
        .env("WT_TOKEN", &tok)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wt starts");
    // Never hang the suite: whatever happens, the process ends within a minute.
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        let _ = Command::new("kill").arg(&pid).status();
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // The person reads the secret off the screen...
    let secret = loop {
        let line = lines.next().expect("wt printed the secret").expect("utf8");
        if let Some(s) = line.strip_prefix("Secret:") {
            break s.split_whitespace().collect::<String>();
        }
    };
    // ...types it into their phone, and comes back after a while.
    std::thread::sleep(PAUSE);
    writeln!(stdin, "{}", oathtool(&secret, now_step())).expect("type the code");
    drop(stdin);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let out = child.wait_with_output().expect("wt ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        rest.iter().any(|l| l.contains("MFA is now enabled")),
        "{rest:?}"
    );
}

#[test]
fn blank_lines_and_trickled_bytes_do_not_hold_a_connection_past_the_header_timeout() {
    use std::io::Read;
    let d = Daemon::start_with(&SHORT_TIMEOUTS);
    let addr = d.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    s.write_all(b"\r\n\r\n").expect("write");
    let started = std::time::Instant::now();
    // One byte every 200 ms: each would have pushed an idle deadline back.
    let closed = loop {
        std::thread::sleep(Duration::from_millis(200));
        if s.write_all(b"G").is_err() {
            break true;
        }
        s.set_read_timeout(Some(Duration::from_millis(1)))
            .expect("timeout");
        let mut b = [0u8; 8];
        if matches!(s.read(&mut b), Ok(0)) {
            break true;
        }
        if started.elapsed() > Duration::from_secs(8) {
            break false;
        }
    };
    assert!(closed, "still open after 8 s");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_quiet_audit_stream_outlives_the_keepalive_timeout() {
    use std::io::Read;
    let d = Daemon::start_with(&SHORT_TIMEOUTS);
    d.setup();
    let tok = d.login_token();
    let addr = d.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        s,
        "GET /api/v1/orgs/audit-logs/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {tok}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .expect("request");
    s.set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let mut head = [0u8; 512];
    let n = s.read(&mut head).expect("answer");
    assert!(
        String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head[..n])
    );
    // Nothing to say for 5 s, longer than the 2 s keep-alive timeout: the stream is open.
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut b = [0u8; 64];
    match s.read(&mut b) {
        Ok(0) => panic!("the daemon closed a live stream"),
        Ok(_) => {}
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{e}"
        ),
    }
}
