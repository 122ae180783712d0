//! Passkeys end to end: the real `wtd` serving `--public-url http://localhost:PORT`,
//! headless Chromium with a WebDriver virtual authenticator (CTAP2, resident keys, user
//! verification), and raw HTTP for what a browser would not do (50 concurrent answers,
//! a cloned key).

use crate::harness::{Daemon, OWNER, PASSWORD, http};
use crate::hygiene::mailed_token;
use crate::webdriver::{Browser, require_axe, require_browser};
use serde_json::{Value, json};
use std::path::PathBuf;

pub(crate) const BETA_OWNER: &str = "owner@beta.test";
const MEMBER: &str = "member@acme.test";

pub(crate) fn artifact(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("test-artifacts")
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir.join(name)
}

fn assert_accessible(b: &Browser, axe: Option<&str>, what: &str) {
    if let Some(axe) = axe {
        let found = b.axe_violations(axe);
        assert!(found.is_empty(), "{what}: axe-core found {found:#?}");
    }
}

/// A form body as a browser encodes it.
pub(crate) fn urlencoded<V: AsRef<str>>(fields: &[(&str, V)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .as_ref()
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn shot(b: &Browser, name: &str) {
    b.save_screenshot(&artifact(&format!("passkeys-{name}.png")));
}

/// A daemon whose public URL is `http://localhost:PORT` (passkeys need a domain name and
/// a secure context: localhost is one), with a second org, Beta, claimed by its owner.
pub(crate) fn daemon() -> (Daemon, String) {
    let mut d = Daemon::start();
    d.terminate();
    let out = d
        .wtd_owner()
        .args([
            "org",
            "create",
            "--org",
            "Beta",
            "--owner-email",
            BETA_OWNER,
            "--data-dir",
        ])
        .arg(d.data_dir())
        .output()
        .expect("wtd org create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let beta_token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let base = format!("http://localhost:{port}");
    d.set_args(&["--public-url", &base]);
    d.serve_on(&format!("127.0.0.1:{port}"));
    d.setup();
    let r = http()
        .post(d.url("/api/v1/setup"))
        .json(&json!({"token": beta_token, "name": "Beta Owner", "password": PASSWORD}))
        .send()
        .expect("setup beta");
    assert_eq!(r.status().as_u16(), 201);
    (d, base)
}

/// Adds a virtual authenticator to the browser; returns its id.
pub(crate) fn authenticator(b: &Browser) -> String {
    authenticator_on(b, "internal")
}

/// One on `transport` (Chrome allows one `internal` authenticator at a time).
pub(crate) fn authenticator_on(b: &Browser, transport: &str) -> String {
    let v = b.session_cmd(
        http::Method::POST,
        "webauthn/authenticator",
        Some(json!({
            "protocol": "ctap2",
            "transport": transport,
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "automaticPresenceSimulation": true,
        })),
    );
    v.as_str().expect("authenticator id").to_string()
}

pub(crate) fn credentials(b: &Browser, auth: &str) -> Vec<Value> {
    b.session_cmd(
        http::Method::GET,
        &format!("webauthn/authenticator/{auth}/credentials"),
        None,
    )
    .as_array()
    .cloned()
    .unwrap_or_default()
}

pub(crate) fn sign_in_password(b: &Browser, base: &str, email: &str) {
    // Without the passkey autofill (conditional UI), which the virtual authenticator
    // answers at once with a registered passkey: leave any login page (ending its
    // request), drop a session it may have made, then the password form alone.
    b.goto(&format!("{base}/forgot"));
    b.delete_cookies();
    b.goto(&format!("{base}/login?method=password"));
    b.fill("#email", email);
    b.fill("#password", PASSWORD);
    b.submit_and_wait("#login-submit");
}

pub(crate) fn sign_out(b: &Browser, base: &str) {
    b.goto(&format!("{base}/security"));
    if b.exists("#logout") {
        b.submit_and_wait("#logout");
    }
}

/// On a ceremony page: let console.js ask the authenticator, but capture the answer
/// (and the form's hidden fields) instead of posting it. `allow`: assert with this
/// credential id (base64url) instead of the ones the server listed.
pub(crate) fn capture_answer(b: &Browser, allow: Option<&str>) -> Value {
    let script = r#"
        var done = arguments[arguments.length - 1];
        var allow = arguments[0];
        var form = document.getElementById('passkey-form');
        if (allow) {
            // console.js read the options when the page loaded: swap the credential
            // list where it reaches the browser's API.
            var get = navigator.credentials.get.bind(navigator.credentials);
            navigator.credentials.get = function (o) {
                var b64 = allow.replace(/-/g, '+').replace(/_/g, '/');
                while (b64.length % 4) { b64 += '='; }
                var bin = atob(b64);
                var id = new Uint8Array(bin.length);
                for (var i = 0; i < bin.length; i++) { id[i] = bin.charCodeAt(i); }
                o.publicKey.allowCredentials = [{type: 'public-key', id: id.buffer}];
                return get(o);
            };
        }
        form.submit = function () {
            var out = {};
            new FormData(form).forEach(function (v, k) { out[k] = v; });
            done(out);
        };
        setTimeout(function () { done({error: document.getElementById('passkey-status').textContent}); }, 15000);
        document.getElementById('passkey-go').click();
    "#;
    b.execute_async(script, vec![allow.map_or(Value::Null, |a| json!(a))])
}

/// The org's audit entries (as the owner, signed in with a recovery code over the API).
pub(crate) fn audit(d: &Daemon, token: &str) -> Vec<Value> {
    let r = http()
        .get(d.url("/api/v1/orgs/audit-logs?limit=1000"))
        .bearer_auth(token)
        .send()
        .expect("audit");
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().expect("json")["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub(crate) fn api_token_with_recovery_code(d: &Daemon, email: &str, code: &str) -> String {
    let r = http()
        .post(d.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD, "client": "cli"}))
        .send()
        .expect("login");
    let v: Value = r.json().expect("json");
    let ch = v["challenge"]
        .as_str()
        .expect("an MFA challenge")
        .to_string();
    let r = http()
        .post(d.url("/api/v1/auth/mfa/verify"))
        .json(&json!({"challenge": ch, "recovery_code": code}))
        .send()
        .expect("verify");
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string()
}

#[test]
fn a_passkey_is_registered_signs_in_steps_up_and_is_removed_in_a_real_browser() {
    if !require_browser() {
        return;
    }
    let axe = require_axe();
    let axe = axe.as_deref();
    let (d, base) = daemon();
    let b = Browser::start();
    let first = authenticator(&b);

    // Register: the owner signed in just now, so no password is asked.
    sign_in_password(&b, &base, OWNER);
    assert!(
        b.current_url().ends_with("/security"),
        "{}",
        b.current_url()
    );
    assert!(b.exists("#passkeys-none"));
    assert_accessible(&b, axe, "security tab with passkeys");
    shot(&b, "security-empty");
    b.fill("#passkey_name", "Laptop");
    b.submit_and_wait("#passkey-add");
    assert!(b.exists("#passkey-form"), "{}", b.source());
    assert_accessible(&b, axe, "passkey registration page");
    shot(&b, "register");
    b.click("#passkey-go");
    b.wait_for("the recovery codes", |b| b.exists("#recovery-codes"));
    // The first second factor: recovery codes, shown once.
    let codes: Vec<String> = b
        .find_all("#recovery-codes li")
        .iter()
        .map(|e| e.text())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        credentials(&b, &first).len(),
        1,
        "a credential on the authenticator"
    );
    b.goto(&format!("{base}/security"));
    let row = b.find("#passkeys-table tbody tr").text();
    assert!(row.contains("Laptop"), "{row}");
    assert!(row.contains("device-bound passkey"), "{row}");
    assert!(row.contains("never"), "not used yet: {row}");
    shot(&b, "security-list");

    // Sign out; password, then the passkey.
    sign_out(&b, &base);
    sign_in_password(&b, &base, OWNER);
    assert!(
        b.exists("#passkey-login"),
        "the MFA step offers the passkey"
    );
    assert_accessible(&b, axe, "MFA step with a passkey");
    shot(&b, "mfa-step");
    b.submit_and_wait("#passkey-login");
    assert_accessible(&b, axe, "passkey sign-in page");
    shot(&b, "sign-in");
    b.click("#passkey-go");
    b.wait_for("the Security tab", |b| {
        b.current_url().ends_with("/security")
    });
    let row = b.find("#passkeys-table tbody tr").text();
    assert!(!row.contains("never"), "last used is set: {row}");

    // Step-up with the passkey.
    b.submit_and_wait("#passkey-step-up");
    assert!(b.exists("#passkey-form"));
    assert_accessible(&b, axe, "passkey step-up page");
    b.click("#passkey-go");
    b.wait_for("the notice", |b| {
        b.current_url().contains("done=stepped-up")
    });
    assert!(b.find("#notice").text().contains("Confirmed"));

    // Rename it.
    b.execute(
        "document.querySelector('#passkeys-table details.rename').open = true",
        vec![],
    );
    let input = b.find("#passkeys-table details.rename input[name=name]");
    input.clear();
    input.send_keys("Work laptop");
    b.submit_and_wait("#passkeys-table details.rename button");
    assert!(b.find("#passkeys-table").text().contains("Work laptop"));

    // The owner's role requires MFA: the last second factor stays.
    b.execute(
        "document.querySelector('#passkeys-table details.remove').open = true",
        vec![],
    );
    b.submit_and_wait("#passkeys-table details.remove button");
    assert!(
        b.find("#error").text().contains("last second factor"),
        "{}",
        b.source()
    );
    assert_eq!(b.find_all("#passkeys-table tbody tr").len(), 1);

    let owner_token = api_token_with_recovery_code(&d, OWNER, &codes[0]);
    let entries = audit(&d, &owner_token);
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "passkey.registered",
        "passkey.used",
        "passkey.renamed",
        "auth.step_up",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let used = entries
        .iter()
        .rfind(|e| e["action"] == "passkey.used")
        .expect("passkey.used");
    assert!(
        used["details"]["sign_count"].as_u64().unwrap_or(0) > 0,
        "{used}"
    );
    assert_eq!(used["details"]["backup_eligible"], json!(false), "{used}");
    let login = entries
        .iter()
        .filter(|e| e["action"] == "auth.login.succeeded")
        .any(|e| e["details"].to_string().contains("passkey"));
    assert!(login, "a sign-in by passkey is recorded as such");

    // A second passkey on a security key; then the first may go.
    b.session_cmd(
        http::Method::DELETE,
        &format!("webauthn/authenticator/{first}"),
        None,
    );
    let second = authenticator_on(&b, "usb");
    b.goto(&format!("{base}/security"));
    b.fill("#passkey_name", "Security key");
    b.submit_and_wait("#passkey-add");
    b.click("#passkey-go");
    b.wait_for("the Security tab", |b| {
        b.current_url().contains("done=passkey-added")
    });
    assert_eq!(b.find_all("#passkeys-table tbody tr").len(), 2);
    b.execute(
        "document.querySelector('#passkeys-table details.remove').open = true",
        vec![],
    );
    b.submit_and_wait("#passkeys-table details.remove button");
    assert!(
        b.current_url().contains("done=passkey-removed"),
        "{}",
        b.source()
    );
    let rows = b.find("#passkeys-table").text();
    assert!(
        !rows.contains("Work laptop") && rows.contains("Security key"),
        "{rows}"
    );
    assert_eq!(credentials(&b, &second).len(), 1);
    let mail = std::fs::read_dir(d.data_dir().join("outbox"))
        .expect("outbox")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>()
        .replace("=\r\n", "")
        .replace("=\n", "");
    assert!(mail.contains("was removed"), "a notice of the removal");
    let actions: Vec<String> = audit(&d, &owner_token)
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_string))
        .collect();
    assert!(
        actions.iter().any(|a| a == "passkey.removed"),
        "{actions:?}"
    );

    // The members list says which factor.
    let r = http()
        .get(d.url("/api/v1/orgs/members"))
        .bearer_auth(&owner_token)
        .send()
        .expect("members");
    let v: Value = r.json().expect("json");
    let me = v["items"]
        .as_array()
        .and_then(|a| a.iter().find(|m| m["email"] == OWNER).cloned())
        .expect("owner row");
    assert_eq!(me["mfa_methods"], json!("passkey"), "{me}");
    assert_eq!(me["mfa_enabled"], json!(true), "{me}");
    let out = d
        .wt()
        .env("WT_TOKEN", &owner_token)
        .args(["members", "list", "--output", "table"])
        .output()
        .expect("wt members list");
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listed.contains("on (passkey)"), "{listed}");
    b.goto(&format!("{base}/members"));
    assert!(b.find(".mfa-methods").text().contains("passkey"));
    shot(&b, "members");
}

#[test]
fn one_assertion_signs_in_once_and_other_orgs_cloned_and_removed_members_keys_are_refused() {
    if !require_browser() {
        return;
    }
    let (d, base) = daemon();
    let b = Browser::start();
    let auth = authenticator(&b);

    // Acme's owner and Beta's owner each register a passkey on the same authenticator.
    sign_in_password(&b, &base, OWNER);
    b.fill("#passkey_name", "Acme key");
    b.submit_and_wait("#passkey-add");
    b.click("#passkey-go");
    b.wait_for("the recovery codes", |b| b.exists("#recovery-codes"));
    let codes: Vec<String> = b
        .find_all("#recovery-codes li")
        .iter()
        .map(|e| e.text())
        .collect();
    let acme_cred = credentials(&b, &auth)[0].clone();
    sign_out(&b, &base);
    sign_in_password(&b, &base, BETA_OWNER);
    b.fill("#passkey_name", "Beta key");
    b.submit_and_wait("#passkey-add");
    b.click("#passkey-go");
    b.wait_for("the recovery codes", |b| b.exists("#recovery-codes"));
    let creds = credentials(&b, &auth);
    assert_eq!(creds.len(), 2);
    let beta_id = creds
        .iter()
        .map(|c| c["credentialId"].as_str().unwrap_or_default().to_string())
        .find(|id| acme_cred["credentialId"].as_str() != Some(id))
        .expect("beta's credential");
    sign_out(&b, &base);

    // Acme's sign-in answered with Beta's credential: refused, no session.
    sign_in_password(&b, &base, OWNER);
    b.submit_and_wait("#passkey-login");
    let answer = capture_answer(&b, Some(&beta_id));
    assert!(answer.get("credential").is_some(), "{answer}");
    let form = [
        (
            "challenge",
            answer["challenge"].as_str().unwrap_or_default(),
        ),
        ("ceremony", answer["ceremony"].as_str().unwrap_or_default()),
        (
            "credential",
            answer["credential"].as_str().unwrap_or_default(),
        ),
    ];
    let r = http()
        .post(format!("{base}/login/passkey/finish"))
        .header("Origin", &base)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(urlencoded(&form))
        .send()
        .expect("finish");
    assert_eq!(
        r.status().as_u16(),
        401,
        "another org's credential signs no one in"
    );
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.text().unwrap_or_default().contains("not accepted"));

    // One assertion, 50 concurrent answers: at most one session.
    sign_in_password(&b, &base, OWNER);
    b.submit_and_wait("#passkey-login");
    let answer = capture_answer(&b, None);
    let form: Vec<(&str, String)> = ["challenge", "ceremony", "credential"]
        .iter()
        .map(|k| (*k, answer[*k].as_str().unwrap_or_default().to_string()))
        .collect();
    let sessions: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                let form = form.clone();
                let url = format!("{base}/login/passkey/finish");
                let origin = base.clone();
                s.spawn(move || {
                    let r = http()
                        .post(url)
                        .header("Origin", origin)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .body(urlencoded(&form))
                        .send()
                        .expect("finish");
                    r.headers()
                        .get_all("set-cookie")
                        .iter()
                        .filter(|c| {
                            c.to_str().is_ok_and(|c| {
                                c.starts_with("__Host-wt_session=")
                                    && !c.starts_with("__Host-wt_session=;")
                            })
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    assert_eq!(sessions, 1, "one assertion, one session");

    // A clone: the same key with an older counter, on another authenticator.
    let now = credentials(&b, &auth)
        .into_iter()
        .find(|c| c["credentialId"] == acme_cred["credentialId"])
        .expect("acme's credential");
    assert!(now["signCount"].as_u64().unwrap_or(0) >= 1, "{now}");
    let clone = authenticator_on(&b, "usb");
    b.session_cmd(
        http::Method::POST,
        &format!("webauthn/authenticator/{clone}/credential"),
        Some(json!({
            "credentialId": now["credentialId"],
            "isResidentCredential": now["isResidentCredential"],
            "rpId": now["rpId"],
            "privateKey": now["privateKey"],
            "userHandle": now["userHandle"],
            "signCount": 0,
        })),
    );
    b.session_cmd(
        http::Method::DELETE,
        &format!("webauthn/authenticator/{auth}"),
        None,
    );
    sign_in_password(&b, &base, OWNER);
    b.submit_and_wait("#passkey-login");
    b.click("#passkey-go");
    b.wait_for("the refusal", |b| b.exists("#error"));
    assert!(
        b.find("#error").text().contains("not accepted"),
        "{}",
        b.source()
    );
    assert!(!b.current_url().ends_with("/security"));
    let token = api_token_with_recovery_code(&d, OWNER, &codes[0]);
    let entries = audit(&d, &token);
    let warning = entries
        .iter()
        .find(|e| e["action"] == "passkey.clone_warning")
        .expect("a clone warning in the audit log");
    assert!(
        warning["details"]["stored_sign_count"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "{warning}"
    );
    let mail = std::fs::read_dir(d.data_dir().join("outbox"))
        .expect("outbox")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>()
        .replace("=\r\n", "")
        .replace("=\n", "");
    assert!(mail.contains("signature counter went backwards"), "mailed");

    // A member removed while their MFA step is open: their passkey signs no one in.
    let r = http()
        .post(d.url("/api/v1/orgs/invites"))
        .bearer_auth(&token)
        .json(&json!({"email": MEMBER, "role": "analyst"}))
        .send()
        .expect("invite");
    assert_eq!(r.status().as_u16(), 201);
    let invite = mailed_token(&d, MEMBER, "wti_");
    let r = http()
        .post(d.url("/api/v1/invites/accept"))
        .json(&json!({"token": invite, "name": "Member", "password": PASSWORD}))
        .send()
        .expect("accept");
    assert_eq!(r.status().as_u16(), 201);
    let member_id = r.json::<Value>().expect("json")["user"]["id"]
        .as_str()
        .map(str::to_string);
    b.delete_cookies();
    sign_in_password(&b, &base, MEMBER);
    b.fill("#passkey_name", "Member key");
    b.submit_and_wait("#passkey-add");
    b.click("#passkey-go");
    b.wait_for("the recovery codes", |b| b.exists("#recovery-codes"));
    sign_out(&b, &base);
    sign_in_password(&b, &base, MEMBER);
    b.submit_and_wait("#passkey-login");
    let members: Value = http()
        .get(d.url("/api/v1/orgs/members"))
        .bearer_auth(&token)
        .send()
        .expect("members")
        .json()
        .expect("json");
    let id = member_id.unwrap_or_else(|| {
        members["items"]
            .as_array()
            .and_then(|a| a.iter().find(|m| m["email"] == MEMBER))
            .and_then(|m| m["id"].as_str())
            .expect("member id")
            .to_string()
    });
    let r = http()
        .delete(d.url(&format!("/api/v1/orgs/members/{id}")))
        .bearer_auth(&token)
        .send()
        .expect("remove member");
    assert!(r.status().is_success(), "{:?}", r.text());
    b.click("#passkey-go");
    b.wait_for("the refusal", |b| b.exists("#error"));
    assert!(
        !b.current_url().ends_with("/security"),
        "{}",
        b.current_url()
    );
    b.goto(&format!("{base}/security"));
    assert!(b.current_url().ends_with("/login"), "not signed in");
}
