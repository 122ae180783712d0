//! Team onboarding end to end: invites by `wt`, mail through a real SMTP server, acceptance
//! with the mailed token, bulk CSV, and the reset link.

use crate::harness::{Daemon, OWNER, PASSWORD, http, run};
use crate::mfa::{SmtpSink, at_current_step, have_oathtool, oathtool};
use serde_json::{Value, json};

/// Enrolls the owner in MFA (owners must use it by default) and returns a session token
/// that can do everything.
pub(crate) fn owner_session(d: &Daemon) -> String {
    d.setup();
    enroll_mfa(d, &d.login_token())
}

/// Enrolls and confirms MFA for the session `tok` (which stays valid) and returns it.
pub(crate) fn enroll_mfa(d: &Daemon, tok: &str) -> String {
    let tok = tok.to_string();
    let r = http()
        .post(d.url("/api/v1/auth/mfa/totp/enroll"))
        .bearer_auth(&tok)
        .json(&json!({}))
        .send()
        .expect("enroll");
    let secret = r.json::<Value>().expect("json")["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    at_current_step(|t| {
        let r = http()
            .post(d.url("/api/v1/auth/mfa/totp/confirm"))
            .bearer_auth(&tok)
            .json(&json!({"code": oathtool(&secret, t - 1)}))
            .send()
            .map_err(|e| e.to_string())?;
        if r.status().as_u16() == 200 {
            Ok(())
        } else {
            Err(format!("confirm {}", r.status()))
        }
    });
    tok
}

fn wt_as(d: &Daemon, token: Option<&str>, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut c = d.wt();
    if let Some(t) = token {
        c.env("WT_TOKEN", t);
    }
    c.args(args);
    run(c, stdin)
}

/// The invite token in the newest message to `to` (quoted-printable soft breaks undone).
fn token_for(msgs: &[String], to: &str) -> Option<String> {
    let m = msgs
        .iter()
        .rev()
        .find(|m| m.contains(&format!("To: {to}")))?;
    let m = m.replace("=\r\n", "").replace("=\n", "");
    let i = m.rfind("wti_")?;
    Some(
        m[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect(),
    )
}

#[test]
fn an_invitee_joins_with_the_token_from_a_real_smtp_mail_once() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed");
        return;
    }
    let Some(smtp) = SmtpSink::start() else {
        eprintln!("SKIPPED: python3 -m aiosmtpd is not installed (pip install aiosmtpd)");
        return;
    };
    let d = Daemon::start_with(&["--smtp-url", &format!("smtp://127.0.0.1:{}", smtp.port)]);
    let owner = owner_session(&d);
    let (code, out, err) = wt_as(
        &d,
        Some(&owner),
        &[
            "invite", "create", "a@x.test", "--role", "analyst", "--output", "json",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("wti_"),
        "wt never prints invite tokens: {out}"
    );
    let token = smtp
        .wait_for(|msgs| token_for(msgs, "a@x.test"))
        .expect("invite mail");

    let accept = [
        "invite",
        "accept",
        "--token-stdin",
        "--password-stdin",
        "--name",
        "Ann",
        "--no-input",
        "--output",
        "json",
    ];
    let input = format!("{token}\n{PASSWORD}\n");
    let (code, out, err) = wt_as(&d, None, &accept, &input);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        (v["role"].as_str(), v["user"]["email"].as_str()),
        (Some("analyst"), Some("a@x.test"))
    );

    // The same token again, and a made-up one: the same generic error.
    let (code_again, _, err_again) = wt_as(&d, None, &accept, &input);
    let made_up = format!("wti_{}\n{PASSWORD}\n", "Z".repeat(43));
    let (code_fake, _, err_fake) = wt_as(&d, None, &accept, &made_up);
    assert_eq!((code_again, code_fake), (1, 1));
    assert_eq!(err_again, err_fake);
    assert!(err_again.contains("invalid or has expired"), "{err_again}");

    // The new member is listed.
    let (code, out, _) = wt_as(
        &d,
        Some(&owner),
        &["members", "list", "--output", "json"],
        "",
    );
    assert_eq!(code, 0);
    assert!(out.contains("a@x.test"));
    let _ = OWNER;
}

#[test]
fn a_bulk_csv_of_500_rows_with_3_bad_ones_invites_497_and_reports_3() {
    if !have_oathtool() {
        eprintln!("SKIPPED: oathtool not installed");
        return;
    }
    let d = Daemon::start();
    let owner = owner_session(&d);
    let mut csv = String::from("email,role\n");
    for i in 0..500 {
        let row = match i {
            100 => "not-an-email,viewer".to_string(),
            200 => format!("user{i}@x.test,emperor"),
            300 => "user5@x.test,viewer".to_string(), // a duplicate of row 6: already invited
            _ => format!("user{i}@x.test,viewer"),
        };
        csv.push_str(&row);
        csv.push('\n');
    }
    let file = d.dir.path().join("people.csv");
    std::fs::write(&file, csv).expect("csv");
    let path = file.to_str().expect("utf8");
    let (code, out, err) = wt_as(
        &d,
        Some(&owner),
        &["invite", "create", "--from-csv", path, "--output", "json"],
        "",
    );
    assert_ne!(code, 0, "a failed row makes the exit code non-zero: {err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("json array");
    assert_eq!(rows.len(), 500);
    let failed: Vec<&Value> = rows.iter().filter(|r| r["ok"] != true).collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(
        failed
            .iter()
            .all(|r| r["error"].as_str().is_some_and(|e| !e.is_empty()))
    );
    let list = http()
        .get(d.url("/api/v1/orgs/invites"))
        .bearer_auth(&owner)
        .send()
        .expect("list");
    let items = list.json::<Value>().expect("json")["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 497, "nothing half-written");
}

/// `wt members list` shows the first page and says on stderr that more exist (stdout stays
/// the table or a JSON array); `--all` shows every member, without a hint.
#[test]
fn members_list_shows_one_page_with_a_hint_on_stderr_and_all_shows_everyone() {
    let mut d = Daemon::start();
    d.kill_hard();
    // Three members who joined before the owner (rows of their own, in the database),
    // and no MFA rule, so that this test is about the list.
    let org = d.sql_column("SELECT id FROM orgs").remove(0);
    let mut sql = String::from("UPDATE orgs SET mfa_required_roles = '';");
    for i in 1..=3 {
        sql.push_str(&format!(
            "INSERT INTO users (id, email, name, password_hash, created_at)
               VALUES ('usr_page{i}', 'page{i}@x.test', 'Page {i}', 'unused', {i});
             INSERT INTO memberships (org_id, user_id, role, created_at)
               VALUES ('{org}', 'usr_page{i}', 'viewer', {i});"
        ));
    }
    d.sql(&sql);
    d.serve();
    d.setup();
    let tok = d.login_token();

    let (code, out, err) = wt_as(
        &d,
        Some(&tok),
        &["members", "list", "--limit", "2", "--output", "table"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("usr_page1") && out.contains("usr_page2"),
        "{out}"
    );
    assert!(!out.contains("usr_page3") && !out.contains(OWNER), "{out}");
    assert!(
        err.contains("Showing 2 members; more exist: --all for every one"),
        "{err}"
    );
    assert!(
        !out.contains("Showing"),
        "the hint is on stderr only: {out}"
    );

    let emails = |out: &str| -> Vec<String> {
        let v: Value =
            serde_json::from_str(out).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {out}"));
        v.as_array()
            .unwrap_or_else(|| panic!("not an array: {out}"))
            .iter()
            .map(|m| m["email"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (code, out, err) = wt_as(
        &d,
        Some(&tok),
        &["members", "list", "--limit", "2", "--output", "json"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(emails(&out), ["page1@x.test", "page2@x.test"]);
    assert!(err.contains("Showing 2 members; more exist"), "{err}");

    let (code, out, err) = wt_as(
        &d,
        Some(&tok),
        &["members", "list", "--all", "--output", "json"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        emails(&out),
        ["page1@x.test", "page2@x.test", "page3@x.test", OWNER]
    );
    assert!(!err.contains("Showing"), "{err}");
}
