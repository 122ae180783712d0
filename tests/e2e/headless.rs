//! On a bare server: `wt login`, then `wt whoami` in another process, with no
//! D-Bus session and no session keyring of the process's own: under `env -i`, under
//! `setsid`, and from a tmux server started outside any login session. The credential
//! lives in the kernel's persistent keyring. Where no keyring can be used, `wt login`
//! fails before any session exists and stores nothing.

use crate::harness::{Daemon, OWNER, PASSWORD, bin};
use std::process::Command;

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `sh -c script` in an empty environment (`env -i`): only PATH, HOME, the server and
/// whatever `extra` adds; no D-Bus address, no WT_TOKEN.
fn bare(d: &Daemon, prefix: &[&str], script: &str, extra: &[(&str, &str)]) -> (bool, String) {
    let home = d.dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let mut c = Command::new("env");
    c.arg("-i")
        .arg("PATH=/usr/local/bin:/usr/bin:/bin")
        .arg(format!("HOME={}", home.display()))
        .arg(format!("WT_SERVER={}", d.base));
    for (k, v) in extra {
        c.arg(format!("{k}={v}"));
    }
    c.args(prefix).args(["sh", "-c", script]);
    let out = c.output().expect("env");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn login_then_whoami_script() -> String {
    let wt = bin("wt");
    let wt = wt.to_str().expect("utf8 path");
    format!(
        "printf '%s\\n' '{PASSWORD}' | {wt} login --email {OWNER} --password-stdin --no-input >/dev/null \
         && {wt} whoami --output json && {wt} auth status --output json \
         && grep -F \"watchtower:$WT_SERVER\" /proc/keys && {wt} logout >/dev/null"
    )
}

#[test]
fn login_then_whoami_in_another_process_works_under_env_i_and_setsid() {
    if !have("setsid") {
        eprintln!("SKIPPED: setsid not installed");
        return;
    }
    let d = Daemon::start();
    d.setup();
    let script = login_then_whoami_script();
    for prefix in [&[][..], &["setsid", "--wait"][..]] {
        let (ok, out) = bare(&d, prefix, &script, &[]);
        assert!(ok, "{prefix:?}: {out}");
        assert!(out.contains(OWNER), "{prefix:?}: {out}");
        assert!(out.contains("kernel keyutils keyring"), "{prefix:?}: {out}");
        // The kernel drops the entry when the session ends: it has a timeout, not `perm`.
        let key = out
            .lines()
            .find(|l| l.contains(&format!("watchtower:{}", d.base)))
            .unwrap_or_else(|| panic!("no key in /proc/keys: {out}"));
        let timeout = key.split_whitespace().nth(3).unwrap_or_default();
        assert_ne!(timeout, "perm", "{key}");
    }
}

#[test]
fn login_from_a_tmux_server_started_outside_any_session_works() {
    if !have("tmux") {
        eprintln!("SKIPPED: tmux not installed (Debian package tmux)");
        return;
    }
    let d = Daemon::start();
    d.setup();
    let done = d.dir.path().join("tmux.out");
    let socket = d.dir.path().join("tmux.sock");
    let script = format!(
        "{{ {}; }} > {} 2>&1; echo \"exit=$?\" >> {}",
        login_then_whoami_script(),
        done.display(),
        done.display()
    );
    // A tmux server of its own, started by `setsid` from an empty environment: no D-Bus,
    // no session keyring of its own, like one left running on a server.
    let tmux = format!(
        "tmux -S {} new-session -d {}",
        socket.display(),
        shell_quote(&script)
    );
    let (ok, out) = bare(&d, &["setsid", "--wait"], &tmux, &[]);
    assert!(ok, "{out}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(&done).unwrap_or_default();
        if text.contains("exit=") || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = Command::new("tmux")
        .args(["-S", &socket.to_string_lossy(), "kill-server"])
        .output();
    assert!(text.contains("exit=0"), "{text}");
    assert!(text.contains(OWNER), "{text}");
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn without_a_usable_keyring_login_fails_before_any_session_and_stores_nothing() {
    let d = Daemon::start();
    d.setup();
    // The Secret Service forced, with no D-Bus: no keyring that wt may use.
    let wt = bin("wt");
    let script = format!(
        "printf '%s\\n' '{PASSWORD}' | {} login --email {OWNER} --password-stdin --no-input",
        wt.display()
    );
    let (ok, out) = bare(&d, &[], &script, &[("WT_KEYRING", "secret-service")]);
    assert!(!ok, "{out}");
    assert!(out.contains("WT_TOKEN"), "says what to do: {out}");
    // No session was created: the daemon saw no login at all.
    let r = crate::harness::http()
        .post(d.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": OWNER, "password": PASSWORD, "client": "cli"}))
        .send()
        .expect("login");
    let tok = r.json::<serde_json::Value>().expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let sessions = crate::harness::http()
        .get(d.url("/api/v1/auth/sessions"))
        .bearer_auth(&tok)
        .send()
        .expect("sessions")
        .json::<serde_json::Value>()
        .expect("json");
    assert_eq!(
        sessions["items"].as_array().map(Vec::len),
        Some(1),
        "only the session this test just made: {sessions}"
    );
}
