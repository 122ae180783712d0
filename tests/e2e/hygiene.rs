//! No secret is ever stored or logged: run the flows, then scan the database files and the
//! daemon's log for every secret they used (SECURITY.md I.56, B.12, E.39).

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use crate::mfa::{at_current_step, have_oathtool, oathtool};
use serde_json::{Value, json};

fn post(d: &Daemon, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut r = http().post(d.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().expect("request");
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

/// The newest token with `prefix` in the outbox mails to `to` (quoted-printable undone).
pub fn mailed_token(d: &Daemon, to: &str, prefix: &str) -> String {
    let dir = d.data_dir().join("outbox");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mut found = None;
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let m = std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .replace("=\r\n", "")
                .replace("=\n", "");
            if m.contains(&format!("To: {to}"))
                && let Some(i) = m.rfind(prefix)
            {
                found = Some(
                    m[i..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect(),
                );
            }
        }
        if let Some(t) = found {
            return t;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail to {to} with {prefix}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn after_every_flow_no_secret_is_in_the_database_or_the_log() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed");
        return;
    }
    let mut d = Daemon::start();
    let mut secrets: Vec<String> = vec![d.setup_token.clone(), PASSWORD.to_string()];
    d.setup();
    let tok = d.login_token();
    secrets.push(tok.clone());
    post(
        &d,
        "/api/v1/auth/login",
        json!({"email": OWNER, "password": "a wrong password 77", "client": "cli"}),
        None,
    );
    secrets.push("a wrong password 77".into());

    // MFA: enroll, log in with a code, then with a recovery code.
    let (_, e) = post(&d, "/api/v1/auth/mfa/totp/enroll", json!({}), Some(&tok));
    let totp = e["secret"].as_str().expect("secret").to_string();
    let codes = at_current_step(|t| {
        let (s, b) = post(
            &d,
            "/api/v1/auth/mfa/totp/confirm",
            json!({"code": oathtool(&totp, t - 1)}),
            Some(&tok),
        );
        if s == 200 {
            Ok(b)
        } else {
            Err(format!("{s} {b}"))
        }
    });
    let recovery: Vec<String> =
        serde_json::from_value(codes["recovery_codes"].clone()).expect("codes");
    secrets.push(totp.clone());
    secrets.extend(recovery.iter().cloned());
    secrets.extend(recovery.iter().map(|c| c.replace('-', "")));
    let (_, ch) = post(
        &d,
        "/api/v1/auth/login",
        json!({"email": OWNER, "password": PASSWORD, "client": "cli"}),
        None,
    );
    let challenge = ch["challenge"].as_str().expect("challenge").to_string();
    secrets.push(challenge.clone());
    let (s, v) = post(
        &d,
        "/api/v1/auth/mfa/verify",
        json!({"challenge": challenge, "recovery_code": recovery[0]}),
        None,
    );
    assert_eq!(s, 200, "{v}");
    let tok2 = v["token"].as_str().expect("token").to_string();
    secrets.push(tok2.clone());

    // Invite and accept.
    let (s, _) = post(
        &d,
        "/api/v1/orgs/invites",
        json!({"email": "new@x.test", "role": "viewer"}),
        Some(&tok2),
    );
    assert_eq!(s, 201);
    let invite = mailed_token(&d, "new@x.test", "wti_");
    secrets.push(invite.clone());
    let member_pw = "the newcomer's own passphrase 5";
    secrets.push(member_pw.into());
    let (s, b) = post(
        &d,
        "/api/v1/invites/accept",
        json!({"token": invite, "name": "New", "password": member_pw}),
        None,
    );
    assert_eq!(s, 201, "{b}");

    // Forgot and reset the newcomer's password, then change it.
    post(
        &d,
        "/api/v1/auth/password/forgot",
        json!({"email": "new@x.test"}),
        None,
    );
    let reset = mailed_token(&d, "new@x.test", "wtr_");
    secrets.push(reset.clone());
    let reset_pw = "a reset passphrase for newcomer 6";
    secrets.push(reset_pw.into());
    let (s, b) = post(
        &d,
        "/api/v1/auth/password/reset",
        json!({"token": reset, "new_password": reset_pw}),
        None,
    );
    assert_eq!(s, 204, "{b}");
    let (_, l) = post(
        &d,
        "/api/v1/auth/login",
        json!({"email": "new@x.test", "password": reset_pw, "client": "cli"}),
        None,
    );
    let tok3 = l["token"].as_str().expect("token").to_string();
    secrets.push(tok3.clone());
    let changed_pw = "a changed passphrase for newcomer 7";
    secrets.push(changed_pw.into());
    let (s, b) = post(
        &d,
        "/api/v1/auth/password/change",
        json!({"current_password": reset_pw, "new_password": changed_pw}),
        Some(&tok3),
    );
    assert_eq!(s, 204, "{b}");
    let (s, _) = post(&d, "/api/v1/auth/logout", json!({}), Some(&tok3));
    assert_eq!(s, 204);

    assert!(d.terminate().is_some_and(|s| s.success()));
    let log = d.dir.path().join("wtd.log");
    let mut places = vec![(
        log.display().to_string(),
        std::fs::read(&log).expect("read the log"),
    )];
    places.extend(d.database_contents());
    assert!(places.len() >= 2, "the log and the database");
    for (p, bytes) in &places {
        let text = String::from_utf8_lossy(bytes).into_owned();
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "{} holds a secret ({}...)",
                p,
                &s[..4.min(s.len())]
            );
        }
    }
}
