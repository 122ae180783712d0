//! A real nginx (Debian package `nginx`) in front of a small upstream, asking a real `wtd`
//! about every request with `auth_request`: the README's "Behind your own gateway" block,
//! run verbatim (only the two addresses replaced). Keys come from the real `wt keys
//! create`, and the gateway's traffic shows in `wt keys show`.

use crate::harness::{Daemon, OWNER, http, run};
use crate::proxies::{find_binary, free_port, have};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The README's nginx block, between its marker and the closing fence.
fn readme_block() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- gateway-nginx -->\n```nginx\n")
        .expect("the README's gateway block");
    let rest = &readme[start..];
    let body = &rest[rest.find('\n').unwrap() + 1..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").expect("closing fence")].to_string()
}

/// One request the upstream saw: its request line and headers (lowercased names).
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A tiny HTTP/1.x upstream on a free port: records every request and answers 200 "ok".
fn upstream() -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some((n, v)) = h.trim_end().split_once(':') {
                    headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            let len: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            log.lock().unwrap().push(Seen {
                line: line.trim_end().to_string(),
                headers,
            });
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (port, seen)
}

/// nginx in the foreground (no daemon, no master process, no system service), with a
/// config of our own in a temp dir; killed on drop.
struct Nginx {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Nginx {
    fn start(wtd: &str, upstream: &str) -> Nginx {
        let bin = find_binary("nginx").expect("nginx");
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let block = readme_block()
            .replace("127.0.0.1:8470", wtd)
            .replace("127.0.0.1:9000", upstream);
        let d = dir.path().display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log info;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port};\n{block}\n  }}\n}}\n"
        );
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, conf).expect("nginx.conf");
        let mut child = Command::new(bin)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn nginx");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "nginx exited ({status}): {}",
                    std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "nginx is not listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { child, port, dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client connecting from `from` (any 127/8 address is this machine's loopback).
fn client_from(from: [u8; 4]) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .local_address(IpAddr::from(from))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

fn wt(d: &Daemon, tok: &str, args: &[&str]) -> Value {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok).args(args).args(["--output", "json"]);
    let (code, out, err) = run(c, "");
    assert_eq!(code, 0, "wt {args:?}: {out} {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// POSTs one event through the gateway; (status, body).
fn send(
    c: &reqwest::blocking::Client,
    port: u16,
    key: &str,
    extra: &[(&str, &str)],
) -> (u16, String) {
    let mut r = c
        .post(format!("http://127.0.0.1:{port}/ingest/events"))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(r#"{"events":[{"type":"login"}]}"#);
    for (n, v) in extra {
        r = r.header(*n, *v);
    }
    let r = r.send().expect("through nginx");
    (r.status().as_u16(), r.text().unwrap_or_default())
}

#[test]
fn nginx_auth_request_lets_valid_keys_through_with_the_three_headers_and_nothing_else() {
    if !have("nginx", "gateway") {
        return;
    }
    let d = Daemon::start_with(&["--trusted-proxy", "127.0.0.1/32"]);
    d.setup();
    let tok = d.login_token();
    let open = wt(
        &d,
        &tok,
        &[
            "keys",
            "create",
            "--env",
            "production",
            "--name",
            "edge",
            "--owner",
            OWNER,
        ],
    );
    let fenced = wt(
        &d,
        &tok,
        &[
            "keys",
            "create",
            "--env",
            "sandbox",
            "--name",
            "fenced",
            "--owner",
            OWNER,
            "--allow",
            "127.0.0.2/32",
        ],
    );
    let (key, key_id) = (
        open["secret"].as_str().unwrap().to_string(),
        open["id"].as_str().unwrap().to_string(),
    );
    let fenced_key = fenced["secret"].as_str().unwrap().to_string();
    let (up_port, seen) = upstream();
    let wtd_addr = d.base.trim_start_matches("http://").to_string();
    let nginx = Nginx::start(&wtd_addr, &format!("127.0.0.1:{up_port}"));
    let here = client_from([127, 0, 0, 1]);

    // A valid key reaches the upstream with the three headers; the client's own X-WT-*
    // headers are replaced, never passed on.
    let (status, body) = send(&here, nginx.port, &key, &[("x-wt-org", "evil")]);
    assert_eq!((status, body.as_str()), (200, "ok"), "{}", nginx.log());
    let got = seen
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("upstream saw it");
    assert!(got.line.starts_with("POST /ingest/events"), "{got:?}");
    assert_eq!(got.header("x-wt-org"), Some("acme"), "{got:?}");
    assert_eq!(got.header("x-wt-environment"), Some("production"));
    assert_eq!(got.header("x-wt-key-id"), Some(key_id.as_str()));
    assert_eq!(
        got.headers.iter().filter(|(n, _)| n == "x-wt-org").count(),
        1
    );

    // Unknown or malformed keys: 401 from nginx, the upstream sees nothing.
    let before = seen.lock().unwrap().len();
    for bad in ["wtk_live_nope", "", &key[..key.len() - 1]] {
        assert_eq!(send(&here, nginx.port, bad, &[]).0, 401, "{bad}");
    }

    // The address: the fenced key works only from 127.0.0.2, as nginx reports it in
    // X-Forwarded-For (wtd trusts nginx's 127.0.0.1); a client's own X-Forwarded-For is
    // replaced by nginx, and ignored by wtd from anyone but the trusted proxy.
    let inside = client_from([127, 0, 0, 2]);
    let outside = client_from([127, 0, 0, 3]);
    assert_eq!(send(&inside, nginx.port, &fenced_key, &[]).0, 200);
    assert_eq!(send(&outside, nginx.port, &fenced_key, &[]).0, 403);
    assert_eq!(
        send(
            &outside,
            nginx.port,
            &fenced_key,
            &[("x-forwarded-for", "127.0.0.2")]
        )
        .0,
        403
    );
    let direct = outside
        .get(d.url("/api/v1/ingest/authorize"))
        .bearer_auth(&fenced_key)
        .header("x-forwarded-for", "127.0.0.2")
        .send()
        .expect("direct");
    assert_eq!(direct.status().as_u16(), 403, "XFF from an untrusted peer");
    assert_eq!(
        seen.lock().unwrap().len(),
        before + 1,
        "only the allowed one passed"
    );

    // Revoked: 401 on the very next request.
    let r = http()
        .delete(d.url(&format!("/api/v1/orgs/api-keys/{key_id}")))
        .bearer_auth(&tok)
        .send()
        .expect("revoke");
    assert!(r.status().is_success(), "{:?}", r.text());
    assert_eq!(send(&here, nginx.port, &key, &[]).0, 401);
    assert_eq!(seen.lock().unwrap().len(), before + 1);

    // The gateway's traffic is in `wt keys show`: one use, from 127.0.0.1.
    let shown = wt(&d, &tok, &["keys", "show", &key_id]);
    assert_eq!(shown["use_count"], 1, "{shown}");
    assert_eq!(shown["last_used_ip"], "127.0.0.1", "{shown}");
    let fenced_shown = wt(&d, &tok, &["keys", "show", fenced["id"].as_str().unwrap()]);
    assert_eq!(fenced_shown["last_used_ip"], "127.0.0.2", "{fenced_shown}");
}

#[test]
fn a_keys_verify_token_from_wt_token_create_verifies_keys_and_wt_token_list_shows_its_scope() {
    let d = Daemon::start();
    d.setup();
    let tok = d.login_token();
    let key = wt(
        &d,
        &tok,
        &[
            "keys",
            "create",
            "--env",
            "production",
            "--name",
            "edge",
            "--owner",
            OWNER,
        ],
    );
    let created = wt(
        &d,
        &tok,
        &[
            "token",
            "create",
            "--name",
            "gateway",
            "--role",
            "analyst",
            "--expires",
            "30d",
            "--scope",
            "keys:verify",
        ],
    );
    assert_eq!(
        created["scopes"],
        serde_json::json!(["keys:verify"]),
        "{created}"
    );
    let service = created["secret"].as_str().unwrap().to_string();
    let listed = wt(&d, &tok, &["token", "list"]);
    assert_eq!(
        listed[0]["scopes"],
        serde_json::json!(["keys:verify"]),
        "{listed}"
    );
    let mut table = d.wt();
    table
        .env("WT_TOKEN", &tok)
        .args(["token", "list", "--output", "table"]);
    let (code, out, err) = run(table, "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("SCOPES") && out.contains("keys:verify"),
        "{out}"
    );

    let verify = |bearer: &str, body: Value| {
        let r = http()
            .post(d.url("/api/v1/keys/verify"))
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .expect("verify");
        (
            r.status().as_u16(),
            r.json::<Value>().unwrap_or(Value::Null),
        )
    };
    let (status, v) = verify(
        &service,
        serde_json::json!({"key": key["secret"], "ip": "192.0.2.1"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["key_id"], key["id"]);
    assert_eq!(v["status"], "active");
    let (status, v) = verify(&service, serde_json::json!({"key": "wtk_live_nope"}));
    assert_eq!(
        (status, &v["valid"], &v["code"]),
        (200, &Value::Bool(false), &Value::from("invalid_key"))
    );
    // The owner's own session has no scopes: 403 naming the one it lacks.
    let (status, v) = verify(&tok, serde_json::json!({"key": key["secret"]}));
    assert_eq!(status, 403, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("keys:verify"),
        "{v}"
    );
    // The use is in `wt keys show`.
    let shown = wt(&d, &tok, &["keys", "show", key["id"].as_str().unwrap()]);
    assert_eq!(shown["last_used_ip"], "192.0.2.1", "{shown}");
}

#[test]
fn nginx_gives_a_rate_limited_key_429_with_retry_after_and_the_ratelimit_headers() {
    if !have("nginx", "gateway") {
        return;
    }
    let d = Daemon::start_with(&["--trusted-proxy", "127.0.0.1/32"]);
    d.setup();
    let tok = d.login_token();
    let created = wt(
        &d,
        &tok,
        &[
            "keys",
            "create",
            "--env",
            "production",
            "--name",
            "edge",
            "--owner",
            OWNER,
        ],
    );
    let key = created["secret"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();
    wt(
        &d,
        &tok,
        &["keys", "update", &id, "--rate", "1/h", "--burst", "2"],
    );
    let (up_port, seen) = upstream();
    let wtd_addr = d.base.trim_start_matches("http://").to_string();
    let nginx = Nginx::start(&wtd_addr, &format!("127.0.0.1:{up_port}"));
    let here = client_from([127, 0, 0, 1]);
    let post = || {
        here.post(format!("http://127.0.0.1:{}/ingest/events", nginx.port))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(r#"{"events":[{"type":"login"}]}"#)
            .send()
            .expect("through nginx")
    };
    assert_eq!(post().status().as_u16(), 200, "{}", nginx.log());
    assert_eq!(post().status().as_u16(), 200);
    let r = post();
    assert_eq!(r.status().as_u16(), 429, "{}", nginx.log());
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(h("ratelimit-policy"), "\"key\";q=2;w=7200");
    assert!(
        h("ratelimit").starts_with("\"key\";r=0;t="),
        "{}",
        h("ratelimit")
    );
    let retry: u64 = h("retry-after").parse().expect("Retry-After");
    assert!((3000..=3600).contains(&retry), "{retry}");
    assert_eq!(seen.lock().unwrap().len(), 2, "the upstream saw only two");
    // Other failures are not dressed up as 429: an unknown key is still 401.
    let r = here
        .post(format!("http://127.0.0.1:{}/ingest/events", nginx.port))
        .bearer_auth("wtk_live_nope")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let shown = wt(&d, &tok, &["keys", "show", &id]);
    assert_eq!(shown["throttled"]["count"], 1, "{shown}");
    assert_eq!(shown["use_count"], 2, "{shown}");
}
