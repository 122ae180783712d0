//! The walking skeleton, as a new user runs it: `wtd init` -> `wtd serve` -> `wt setup`
//! -> `wt login` -> `wt whoami` -> `wt logout`.

use crate::harness::{Daemon, OWNER, PASSWORD, http, run};
use serde_json::Value;

/// Files under `dir` that contain a session token (`wts_` + 43 base62 characters).
fn files_with_a_session_token(dir: &std::path::Path) -> Vec<String> {
    let mut hits = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                let text = String::from_utf8_lossy(&bytes);
                let found = text.match_indices("wts_").any(|(i, _)| {
                    text[i + 4..]
                        .chars()
                        .take(43)
                        .filter(char::is_ascii_alphanumeric)
                        .count()
                        == 43
                });
                if found {
                    hits.push(p.display().to_string());
                }
            }
        }
    }
    hits
}

#[test]
fn setup_login_whoami_logout_with_the_real_binaries_and_keyring() {
    let d = Daemon::start();
    let home = d.dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");

    // Claim the owner account: token on line 1, password on line 2 of stdin.
    let mut setup = d.wt();
    setup.args([
        "setup",
        "--token-stdin",
        "--password-stdin",
        "--name",
        "Owner",
        "--no-input",
        "--output",
        "json",
    ]);
    let (code, out, err) = run(setup, &format!("{}\n{PASSWORD}\n", d.setup_token));
    assert_eq!(code, 0, "setup: {err}");
    let v: Value = serde_json::from_str(&out).expect("setup json");
    assert_eq!(v["user"]["email"], OWNER);

    let mut login = d.wt();
    login.args(["login", "--email", OWNER, "--password-stdin", "--no-input"]);
    let (code, _, err) = run(login, &format!("{PASSWORD}\n"));
    assert_eq!(code, 0, "login: {err}");

    let mut whoami = d.wt();
    whoami.args(["whoami", "--output", "json"]);
    let (code, out, err) = run(whoami, "");
    assert_eq!(code, 0, "whoami: {err}");
    let who: Value = serde_json::from_str(&out).expect("whoami json");
    assert_eq!(who["user"]["email"], OWNER);
    assert_eq!(who["role"], "owner");
    assert_eq!(who["org"]["slug"], "acme");

    let mut status = d.wt();
    status.args(["auth", "status", "--output", "json"]);
    let (code, out, _) = run(status, "");
    assert_eq!(code, 0);
    let st: Value = serde_json::from_str(&out).expect("status json");
    assert_eq!(st["logged_in"], true);
    assert!(
        st["credential_source"]
            .as_str()
            .unwrap_or_default()
            .contains("keyring"),
        "{st}"
    );
    assert!(
        !out.contains("wts_"),
        "auth status must never print the token"
    );

    // The token is in the keyring and in no file: not in the data dir (the database keeps
    // hashes), not in the daemon's log, not in HOME or a config dir.
    let leaks = files_with_a_session_token(d.dir.path());
    assert!(leaks.is_empty(), "session token found on disk in {leaks:?}");
    if let Some(h) = std::env::var_os("HOME") {
        let leaks = files_with_a_session_token(std::path::Path::new(&h));
        assert!(leaks.is_empty(), "session token found in HOME: {leaks:?}");
    }

    // The session wt holds is the only one; after logout it is gone server-side.
    let observer = d.login_token();
    let sessions = |tok: &str| -> Vec<Value> {
        let r = http()
            .get(d.url("/api/v1/auth/sessions"))
            .bearer_auth(tok)
            .send()
            .expect("sessions");
        r.json::<Value>().expect("json")["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(sessions(&observer).len(), 2);
    let mut logout = d.wt();
    logout.arg("logout");
    let (code, _, err) = run(logout, "");
    assert_eq!(code, 0, "logout: {err}");
    let left = sessions(&observer);
    assert_eq!(
        left.len(),
        1,
        "wt's session was revoked server-side: {left:?}"
    );
    assert_eq!(left[0]["current"], true);

    // And the keyring entry is gone: wt is not logged in any more (exit 3).
    let mut again = d.wt();
    again.arg("whoami");
    let (code, _, err) = run(again, "");
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("wt login"), "{err}");
}

#[test]
fn wt_token_overrides_the_keyring_and_logout_revokes_it() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let mut who = d.wt();
    who.env("WT_TOKEN", &tok)
        .args(["whoami", "--output", "json"]);
    let (code, out, err) = run(who, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(OWNER));
    let mut logout = d.wt();
    logout.env("WT_TOKEN", &tok).arg("logout");
    let (code, _, err) = run(logout, "");
    assert_eq!(code, 0, "{err}");
    // SECURITY.md B.14: the old token gets 401.
    let r = http()
        .get(d.url("/api/v1/auth/session"))
        .bearer_auth(&tok)
        .send()
        .expect("get");
    assert_eq!(r.status().as_u16(), 401);
}
