//! Ingestion keys and allowed IPs end to end: the real
//! `wt` manages keys and the list, a raw HTTP client ingests.

use crate::harness::{Daemon, OWNER, http, run};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn wt_json(d: &Daemon, tok: &str, args: &[&str]) -> Value {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok).args(args).args(["--output", "json"]);
    let (code, out, err) = run(c, "");
    assert_eq!(code, 0, "wt {args:?}: {err}");
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("wt {args:?} printed no JSON ({e}): {out}"))
}

fn ingest(d: &Daemon, key: &str) -> u16 {
    http()
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(key)
        .json(&json!({"events": [{"type": "e2e", "n": 1}]}))
        .send()
        .expect("ingest")
        .status()
        .as_u16()
}

/// The first element of a JSON list output (`[..]` or `{items: [..]}`).
fn items(v: &Value) -> Vec<Value> {
    v.as_array()
        .or_else(|| v["items"].as_array())
        .cloned()
        .unwrap_or_default()
}

#[test]
fn create_ingest_rotate_with_grace_then_only_the_successor_works_and_revoke_is_immediate() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let created = wt_json(
        &d,
        &tok,
        &[
            "keys",
            "create",
            "--env",
            "production",
            "--name",
            "billing",
            "--owner",
            OWNER,
        ],
    );
    let old = created["secret"].as_str().expect("secret").to_string();
    let old_id = created["id"].as_str().expect("id").to_string();
    assert!(old.starts_with("wtk_live_"));
    assert_eq!(ingest(&d, &old), 202);

    let rotated = wt_json(&d, &tok, &["keys", "rotate", &old_id, "--grace", "2s"]);
    let new = rotated["secret"].as_str().expect("secret").to_string();
    let new_id = rotated["id"].as_str().expect("id").to_string();
    assert_eq!(rotated["previous_id"], old_id);
    assert_eq!(ingest(&d, &old), 202, "the old key works during the grace");
    assert_eq!(ingest(&d, &new), 202);

    // After the grace (2 s of real time: poll, bounded), the old key is refused.
    let deadline = Instant::now() + Duration::from_secs(10);
    while ingest(&d, &old) != 401 {
        assert!(
            Instant::now() < deadline,
            "the old key still works after its grace"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(ingest(&d, &new), 202, "the successor still works");

    let listed = items(&wt_json(&d, &tok, &["keys", "list"]));
    for id in [&old_id, &new_id] {
        let k = listed
            .iter()
            .find(|k| k["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} listed"));
        assert_eq!(k["last_used_ip"], "127.0.0.1", "{k}");
        assert!(k["last_used_at"].is_string(), "{k}");
    }
    let shown = wt_json(&d, &tok, &["keys", "show", &old_id]);
    assert_eq!(shown["sources"][0]["ip"], "127.0.0.1");

    // Revoke and send in the same second: 401.
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["keys", "revoke", &new_id, "--yes"]);
    let (code, _, err) = run(c, "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(ingest(&d, &new), 401);

    // The daemon log never carries a secret.
    let log = d.log();
    assert!(!log.contains(&old[9..]) && !log.contains(&new[9..]));
}

#[test]
fn an_allowlist_excluding_the_caller_needs_force_then_refuses_loopback_and_ignores_spoofing() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let key = wt_json(
        &d,
        &tok,
        &[
            "keys", "create", "--env", "sandbox", "--name", "ci", "--owner", OWNER,
        ],
    )["secret"]
        .as_str()
        .expect("secret")
        .to_string();

    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["allowed-ips", "add", "10.0.0.0/8", "--note", "office"]);
    let (code, _, err) = run(c, "");
    assert_ne!(code, 0);
    assert!(
        err.contains("127.0.0.1") && err.contains("--force"),
        "{err}"
    );

    // A dry run says who would be cut off, with exit 1.
    let proposed = d.data_dir().join("proposed.txt");
    std::fs::write(&proposed, "# office only\n10.0.0.0/8\n").expect("write");
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok).args([
        "allowed-ips",
        "check",
        "--proposed",
        proposed.to_str().expect("path"),
    ]);
    let (code, out, err) = run(c, "");
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(OWNER) || err.contains(OWNER), "{out}{err}");

    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["allowed-ips", "add", "10.0.0.0/8", "--force"]);
    let (code, _, err) = run(c, "");
    assert_eq!(code, 0, "{err}");

    // Now loopback is refused: sessions (exit 4 = permission denied) and keys.
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok).args(["whoami"]);
    let (code, _, err) = run(c, "");
    assert_eq!(code, 4, "{err}");
    assert_eq!(ingest(&d, &key), 403);
    // A spoofed X-Forwarded-For from an untrusted peer changes nothing.
    let spoofed = http()
        .post(d.url("/api/v1/ingest/events"))
        .bearer_auth(&key)
        .header("x-forwarded-for", "10.1.2.3")
        .json(&json!({"events": [{"type": "e2e"}]}))
        .send()
        .expect("ingest");
    assert_eq!(spoofed.status().as_u16(), 403);
    let who = http()
        .get(d.url("/api/v1/auth/session"))
        .bearer_auth(&tok)
        .header("x-forwarded-for", "10.1.2.3")
        .send()
        .expect("whoami");
    assert_eq!(who.status().as_u16(), 403);
}

/// `wt keys list --limit 1 --output json` prints a JSON array of the newest key and the
/// hint on stderr; `--all` every key without a hint; `--env` asks the server for that
/// environment's keys.
#[test]
fn keys_list_prints_one_page_as_json_with_the_hint_on_stderr() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let mut ids = vec![];
    let mut sandbox_id = String::new();
    for env in ["sandbox", "production"] {
        let k = wt_json(
            &d,
            &tok,
            &[
                "keys", "create", "--env", env, "--name", env, "--owner", OWNER,
            ],
        );
        let id = k["id"].as_str().expect("id").to_string();
        if env == "sandbox" {
            sandbox_id = id.clone();
        }
        ids.push(id);
    }
    let list = |args: &[&str]| {
        let mut c = d.wt();
        c.env("WT_TOKEN", &tok)
            .args(["keys", "list"])
            .args(args)
            .args(["--output", "json"]);
        let (code, out, err) = run(c, "");
        assert_eq!(code, 0, "wt keys list {args:?}: {err}");
        let v: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("wt keys list {args:?}: stdout is not JSON ({e}): {out}"));
        let listed: Vec<String> = v
            .as_array()
            .unwrap_or_else(|| panic!("not an array: {out}"))
            .iter()
            .map(|k| k["id"].as_str().unwrap_or_default().to_string())
            .collect();
        (listed, err)
    };
    let (all, err) = list(&["--all"]);
    let mut sorted = all.clone();
    sorted.sort();
    ids.sort();
    assert_eq!(sorted, ids, "every key once");
    assert!(!err.contains("Showing"), "{err}");
    let (first, err) = list(&["--limit", "1"]);
    assert_eq!(first, all[..1], "the first of the list");
    assert!(err.contains("Showing 1 key; more exist: --all"), "{err}");
    let (sandbox, err) = list(&["--env", "sandbox", "--limit", "1"]);
    assert_eq!(sandbox, [sandbox_id]);
    assert!(
        !err.contains("Showing"),
        "the sandbox list has one key: {err}"
    );
}
