//! Audit sinks end to end (issue 28, "Streaming to a SIEM"): a real `wtd` streams its
//! audit log to a webhook receiver written here, which checks every Standard Webhooks
//! signature itself (HMAC-SHA256 over `id.timestamp.body`, not the daemon's code), and to
//! a real rsyslog (Debian's `rsyslogd`, run as a child with its own configuration) over
//! TCP and over TLS with a CA made here with `openssl`. Faults: the receiver down for a
//! while, `kill -9` of `wtd` in the middle of a batch, two replicas on PostgreSQL.

use crate::harness::{Daemon, http, postgres_admin_url, run};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Short delivery settings: poll often, a dead daemon's lease expires after 2 s, retries
/// after 1 to 2 s.
const FAST: &[&str] = &[
    "--audit-sink-poll",
    "100ms",
    "--audit-sink-lease",
    "2s",
    "--audit-sink-backoff-min",
    "1s",
    "--audit-sink-backoff-max",
    "2s",
];

/// A User-Agent with the three characters RFC 5424 escapes in PARAM-VALUEs.
const AWKWARD_UA: &str = r#"tester "quoted" ]bracket\back"#;

// ---------------------------------------------------------------------------------------
// The webhook receiver.

/// One batch as received.
#[derive(Debug, Clone)]
struct Batch {
    id: String,
    kind: String,
    seqs: Vec<i64>,
    /// Indexes (into the receiver's secrets) of the secrets whose signature was present.
    signed_by: Vec<usize>,
    /// The signed checkpoint sent with the batch, if any.
    checkpoint: Option<String>,
}

#[derive(Default)]
struct HookState {
    /// HMAC keys (the base64 part of `whsec_...`, decoded) the receiver knows.
    keys: Vec<Vec<u8>>,
    batches: Vec<Batch>,
    /// Requests whose signature no known key produced, or that lacked a header.
    bad: Vec<String>,
}

/// A webhook endpoint on 127.0.0.1: verifies each request, answers 204, records it.
struct Hook {
    port: u16,
    state: Arc<Mutex<HookState>>,
    /// Milliseconds to wait before answering (a slow receiver).
    delay_ms: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn key_of(secret: &str) -> Vec<u8> {
    STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret")
}

/// The Standard Webhooks signature, computed here from the spec.
fn expected_signature(key: &[u8], id: &str, ts: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

fn handle(mut s: TcpStream, state: &Mutex<HookState>, delay: u64) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    let len: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end..head_end + len].to_vec();
    if delay > 0 {
        std::thread::sleep(Duration::from_millis(delay));
    }
    {
        let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
        let (Some(id), Some(ts), Some(sigs)) = (
            header("webhook-id"),
            header("webhook-timestamp"),
            header("webhook-signature"),
        ) else {
            st.bad.push(format!("missing a webhook header: {head}"));
            let _ = s.write_all(
                b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            );
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let fresh = ts.parse::<i64>().is_ok_and(|t| (now - t).abs() < 300);
        let given: Vec<&str> = sigs.split(' ').collect();
        let signed_by: Vec<usize> = st
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| given.contains(&expected_signature(k, &id, &ts, &body).as_str()))
            .map(|(i, _)| i)
            .collect();
        if signed_by.is_empty() || !fresh {
            st.bad
                .push(format!("bad signature or stale timestamp on {id}"));
            let _ = s.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            );
            return;
        }
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let seqs = v["entries"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["seq"].as_i64()).collect())
            .unwrap_or_default();
        st.batches.push(Batch {
            id,
            kind: v["type"].as_str().unwrap_or_default().to_string(),
            seqs,
            signed_by,
            checkpoint: v["checkpoint"].as_str().map(str::to_string),
        });
    }
    let _ = s.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
}

impl Hook {
    fn start() -> Hook {
        let mut h = Hook {
            port: 0,
            state: Arc::new(Mutex::new(HookState::default())),
            delay_ms: Arc::new(AtomicU64::new(0)),
            stop: Arc::new(AtomicBool::new(false)),
            thread: None,
        };
        h.listen();
        h
    }

    /// Listens (again) on its port (a free one the first time).
    fn listen(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("bind the receiver");
        self.port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        self.stop.store(false, Ordering::SeqCst);
        let (state, stop, delay) = (self.state.clone(), self.stop.clone(), self.delay_ms.clone());
        self.thread = Some(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((s, _)) => handle(s, &state, delay.load(Ordering::SeqCst)),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }));
    }

    /// Stops listening: connections are refused until [`Hook::listen`].
    fn down(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/watchtower", self.port)
    }

    fn add_key(&self, secret: &str) {
        self.state.lock().expect("lock").keys.push(key_of(secret));
    }

    fn batches(&self) -> Vec<Batch> {
        self.state.lock().expect("lock").batches.clone()
    }

    /// Every entry seq received, in arrival order (test batches have none).
    fn seqs(&self) -> Vec<i64> {
        self.batches().iter().flat_map(|b| b.seqs.clone()).collect()
    }

    fn bad(&self) -> Vec<String> {
        self.state.lock().expect("lock").bad.clone()
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.down();
    }
}

// ---------------------------------------------------------------------------------------
// rsyslog.

/// A CA, a server certificate for `localhost` and a client certificate signed by it, made
/// with `openssl`.
fn make_certs(dir: &Path, name: &str) -> PathBuf {
    let sh = format!(
        "set -e; cd '{d}'; \
         openssl req -x509 -newkey rsa:2048 -nodes -keyout {n}-ca.key -out {n}-ca.pem -days 2 -subj '/CN={n} test CA'; \
         openssl req -newkey rsa:2048 -nodes -keyout {n}-server.key -out {n}-server.csr -subj '/CN=localhost'; \
         printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > {n}-ext; \
         openssl x509 -req -in {n}-server.csr -CA {n}-ca.pem -CAkey {n}-ca.key -CAcreateserial -out {n}-server.pem -days 2 -extfile {n}-ext; \
         printf 'extendedKeyUsage=clientAuth\\n' > {n}-cext; \
         openssl req -newkey rsa:2048 -nodes -keyout {n}-client.key -out {n}-client.csr -subj '/CN=wtd client'; \
         openssl x509 -req -in {n}-client.csr -CA {n}-ca.pem -CAkey {n}-ca.key -CAcreateserial -out {n}-client.pem -days 2 -extfile {n}-cext",
        d = dir.display(),
        n = name
    );
    let out = Command::new("sh")
        .args(["-c", &sh])
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join(format!("{name}-ca.pem"))
}

/// `rsyslogd -n` with a configuration of its own: one imtcp input (plain, or TLS with
/// gtls), every message written as `MSGID STRUCTURED-DATA MSG` to `out`.
struct Rsyslog {
    dir: PathBuf,
    port: u16,
    tls: bool,
    /// gtls's `StreamDriver.AuthMode`: `anon`, or `x509/certvalid` to require a client
    /// certificate signed by the CA (mutual TLS).
    auth_mode: &'static str,
    child: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Rsyslog {
    fn start(dir: &Path, name: &str, tls: bool) -> Rsyslog {
        Self::start_with(dir, name, tls, "anon")
    }

    fn start_with(dir: &Path, name: &str, tls: bool, auth_mode: &'static str) -> Rsyslog {
        let dir = dir.join(name);
        std::fs::create_dir_all(&dir).expect("rsyslog dir");
        let mut r = Rsyslog {
            dir,
            port: free_port(),
            tls,
            auth_mode,
            child: None,
        };
        if tls {
            make_certs(&r.dir, "rs");
        }
        r.run();
        r
    }

    fn out(&self) -> PathBuf {
        self.dir.join("out.log")
    }

    fn run(&mut self) {
        let d = self.dir.display();
        let (global, module) = if self.tls {
            (
                format!(
                    "global(workDirectory=\"{d}\" DefaultNetstreamDriverCAFile=\"{d}/rs-ca.pem\" \
                     DefaultNetstreamDriverCertFile=\"{d}/rs-server.pem\" \
                     DefaultNetstreamDriverKeyFile=\"{d}/rs-server.key\")"
                ),
                format!(
                    "module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"{}\")",
                    self.auth_mode
                ),
            )
        } else {
            (
                format!("global(workDirectory=\"{d}\")"),
                "module(load=\"imtcp\")".to_string(),
            )
        };
        let conf = format!(
            "{global}\n{module}\ninput(type=\"imtcp\" port=\"{port}\")\n\
             template(name=\"sd\" type=\"string\" string=\"%msgid% %structured-data% %msg%\\n\")\n\
             action(type=\"omfile\" file=\"{out}\" template=\"sd\")\n",
            port = self.port,
            out = self.out().display()
        );
        let conf_path = self.dir.join("rsyslog.conf");
        std::fs::write(&conf_path, conf).expect("rsyslog.conf");
        let log = std::fs::File::create(self.dir.join("rsyslogd.log")).expect("log");
        let child = Command::new("rsyslogd")
            .arg("-n")
            .arg("-f")
            .arg(&conf_path)
            .arg("-i")
            .arg(self.dir.join("rsyslogd.pid"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("rsyslogd (Debian: apt-get install rsyslog rsyslog-gnutls)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "rsyslogd did not listen: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("rsyslogd.log")).unwrap_or_default()
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.out())
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The `seq` of every received entry line, in file order.
    fn seqs(&self) -> Vec<i64> {
        self.lines()
            .iter()
            .filter_map(|l| {
                let i = l.find(" seq=\"")? + 6;
                l[i..].split('"').next()?.parse().ok()
            })
            .collect()
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------------------------------
// The daemon side.

/// Appends one audit entry (a review of the log) with `user_agent`.
fn append_entry(d: &Daemon, tok: &str, user_agent: &str) {
    let r = http()
        .post(d.url("/api/v1/orgs/audit-logs/reviews"))
        .bearer_auth(tok)
        .header("user-agent", user_agent)
        .json(&json!({}))
        .send()
        .expect("review");
    assert_eq!(r.status().as_u16(), 201, "{:?}", r.text());
}

fn sinks(d: &Daemon, tok: &str) -> Vec<Value> {
    let r = http()
        .get(d.url("/api/v1/orgs/audit-sinks"))
        .bearer_auth(tok)
        .send()
        .expect("list sinks");
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().expect("json")["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn sink(d: &Daemon, tok: &str, name: &str) -> Value {
    sinks(d, tok)
        .into_iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no sink {name}"))
}

/// Waits until `cond` holds for the sink (30 s at most).
fn wait_sink(
    d: &Daemon,
    tok: &str,
    name: &str,
    what: &str,
    cond: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = sink(d, tok, name);
        if cond(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "{name}: {what} never happened: {s}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn caught_up(s: &Value) -> bool {
    s["lag_entries"] == 0 && s["delivered_seq"] == s["last_seq"]
}

/// `wt audit sinks ARGS --output json` as the owner: the JSON printed.
fn wt_sinks(d: &Daemon, tok: &str, args: &[&str]) -> Value {
    let mut c = d.wt();
    c.env("WT_TOKEN", tok)
        .args(["audit", "sinks"])
        .args(args)
        .args(["--output", "json"]);
    let (code, out, err) = run(c, "");
    assert_eq!(code, 0, "wt audit sinks {args:?}: {out}{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Every seq in `got` is in `1..=last` (or `from..=last`), each seq present, first
/// occurrences in increasing order; returns how many duplicates there were.
fn assert_complete_in_order(got: &[i64], from: i64, last: i64) -> usize {
    let mut seen = std::collections::BTreeSet::new();
    let mut firsts = Vec::new();
    for s in got {
        if seen.insert(*s) {
            firsts.push(*s);
        }
    }
    let want: Vec<i64> = (from..=last).collect();
    assert_eq!(firsts, want, "every entry, in order (received: {got:?})");
    got.len() - firsts.len()
}

/// Issue 28: a copy of the evidence outside the installation. Every batch carries the
/// org's newest signed checkpoint; the receiver verifies it with `wt audit pubkey`'s key,
/// and it covers at least the tree the API served before the batch's entries.
#[test]
fn webhook_batches_carry_the_newest_signed_checkpoint() {
    let mut args = FAST.to_vec();
    args.extend(["--checkpoint-every-entries", "1"]);
    let d = Daemon::start_with(&args);
    d.setup();
    // The tests' 2 s lease is below the 10 s send timeout: the daemon says what it risks.
    let warned = (0..50).any(|_| {
        let found = d
            .log()
            .contains("--audit-sink-lease is shorter than a send's timeout");
        if !found {
            std::thread::sleep(Duration::from_millis(100));
        }
        found
    });
    assert!(warned, "{}", d.log());
    let tok = d.login_token();
    let hook = Hook::start();
    let created = wt_sinks(&d, &tok, &["add", "hook", "--url", &hook.url()]);
    hook.add_key(created["secret"].as_str().expect("the secret"));
    for _ in 0..3 {
        append_entry(&d, &tok, "e2e");
    }
    // The latest checkpoint (signed when due: at the latest on this read).
    let r = http()
        .get(d.url("/api/v1/orgs/audit-logs/checkpoints/latest"))
        .bearer_auth(&tok)
        .send()
        .expect("latest");
    assert_eq!(r.status().as_u16(), 200);
    let latest: Value = r.json().expect("json");
    let size = latest["size"].as_u64().expect("size");
    // One more entry: its batch is sent after that checkpoint exists.
    append_entry(&d, &tok, "e2e");
    wait_sink(&d, &tok, "hook", "caught up", caught_up);
    assert!(hook.bad().is_empty(), "{:?}", hook.bad());
    let batch = hook.batches().last().cloned().expect("a batch");
    let note = batch.checkpoint.expect("the batch carries a checkpoint");

    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["audit", "pubkey", "--output", "table"]);
    let (code, pubkey, err) = run(c, "");
    assert_eq!(code, 0, "{err}");
    let key = wt_core::checkpoint::VerifierKey::parse(pubkey.trim()).expect("verifier key");
    let (cp, _) = wt_core::checkpoint::Checkpoint::open(&note, &[key], None)
        .expect("the pushed checkpoint verifies with the org's public key");
    assert!(cp.size >= size, "{} < {size}", cp.size);
    let org = d.sql_column("SELECT id FROM orgs")[0].clone();
    assert!(
        cp.origin.ends_with(&format!("/watchtower/{org}")),
        "the org's own origin: {}",
        cp.origin
    );
    // A forged note (one byte of the body changed) does not verify.
    let forged = note.replacen(&cp.size.to_string(), &(cp.size + 1).to_string(), 1);
    let key = wt_core::checkpoint::VerifierKey::parse(pubkey.trim()).expect("verifier key");
    assert!(wt_core::checkpoint::Checkpoint::open(&forged, &[key], None).is_err());
}

#[test]
fn webhook_batches_are_signed_ordered_and_survive_a_receiver_outage() {
    let d = Daemon::start_with(FAST);
    d.setup();
    let tok = d.login_token();
    let mut hook = Hook::start();

    let created = wt_sinks(&d, &tok, &["add", "hook", "--url", &hook.url()]);
    let secret = created["secret"]
        .as_str()
        .expect("the secret, once")
        .to_string();
    assert!(secret.starts_with("whsec_"), "{created}");
    hook.add_key(&secret);
    let from = created["sink"]["delivered_seq"].as_i64().expect("seq") + 1;
    // The secret is never shown again.
    let listed = wt_sinks(&d, &tok, &["list"]);
    assert!(!listed.to_string().contains(&secret[6..]), "{listed}");

    for _ in 0..5 {
        append_entry(&d, &tok, "e2e");
    }
    let s = wait_sink(&d, &tok, "hook", "catching up", caught_up);
    assert!(s["last_success_at"].is_string(), "{s}");

    // The receiver goes away: entries wait, the error shows, requests are not slowed.
    hook.down();
    let started = Instant::now();
    for _ in 0..5 {
        append_entry(&d, &tok, "e2e");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a sink's failure never slows requests"
    );
    let s = wait_sink(&d, &tok, "hook", "a recorded failure", |s| {
        s["failing_since"].is_string() && s["lag_entries"].as_i64().unwrap_or(0) >= 5
    });
    assert!(
        s["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{s}"
    );
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["audit", "sinks", "list", "--output", "table"]);
    let (code, table, _) = run(c, "");
    assert_eq!(code, 0);
    assert!(
        table.contains("failing since") && table.contains("entries"),
        "{table}"
    );
    let (code, _, err) = run(
        {
            let mut c = d.wt();
            c.env("WT_TOKEN", &tok)
                .args(["audit", "sinks", "test", "hook"]);
            c
        },
        "",
    );
    assert_eq!(code, 1, "a test to a receiver that is down fails: {err}");

    std::thread::sleep(Duration::from_secs(2));
    hook.listen();
    let s = wait_sink(&d, &tok, "hook", "catching up after the outage", caught_up);
    assert!(
        s["failing_since"].is_null() && s["last_error"].is_null(),
        "{s}"
    );
    let last = s["last_seq"].as_i64().expect("last");
    let dups = assert_complete_in_order(&hook.seqs(), from, last);
    assert_eq!(dups, 0, "no crash, no duplicate: every entry once");
    assert!(hook.bad().is_empty(), "{:?}", hook.bad());
    let ids: std::collections::BTreeSet<String> =
        hook.batches().iter().map(|b| b.id.clone()).collect();
    assert_eq!(ids.len(), hook.batches().len(), "one webhook-id per batch");

    // Rotation with overlap: both secrets sign.
    let rotated = wt_sinks(&d, &tok, &["rotate-secret", "hook", "--overlap", "1h"]);
    let new_secret = rotated["secret"].as_str().expect("new secret").to_string();
    assert_ne!(new_secret, secret);
    hook.add_key(&new_secret);
    append_entry(&d, &tok, "e2e");
    wait_sink(&d, &tok, "hook", "the entry after the rotation", caught_up);
    let b = hook.batches().last().cloned().expect("a batch");
    assert_eq!(
        b.signed_by,
        vec![0, 1],
        "old and new secrets both sign: {b:?}"
    );

    // A test message is signed, typed audit.test, and moves no cursor.
    let before = sink(&d, &tok, "hook")["delivered_seq"].clone();
    let t = wt_sinks(&d, &tok, &["test", "hook"]);
    assert_eq!(t["ok"], true, "{t}");
    assert!(
        hook.batches()
            .iter()
            .any(|b| b.kind == "audit.test" && b.seqs.is_empty())
    );
    // (the test's own audit entry is then streamed like any other)
    let s = wait_sink(&d, &tok, "hook", "the test's entry", caught_up);
    assert!(s["delivered_seq"].as_i64() > before.as_i64());

    // Paused: nothing is sent; resumed: the waiting entries arrive.
    wt_sinks(&d, &tok, &["pause", "hook"]);
    // A delivery claimed just before the pause may still finish its batch.
    std::thread::sleep(Duration::from_millis(500));
    let n = hook.seqs().len();
    append_entry(&d, &tok, "e2e");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(hook.seqs().len(), n, "a paused sink receives nothing");
    wt_sinks(&d, &tok, &["resume", "hook"]);
    let s = wait_sink(&d, &tok, "hook", "catching up after resume", caught_up);
    let last = s["last_seq"].as_i64().expect("last");
    assert_eq!(assert_complete_in_order(&hook.seqs(), from, last), 0);

    // Every change is audited.
    let r = http()
        .get(d.url("/api/v1/orgs/audit-logs?action=audit_sink.*&limit=50"))
        .bearer_auth(&tok)
        .send()
        .expect("audit");
    let actions: Vec<String> = r.json::<Value>().expect("json")["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_string))
        .collect();
    for a in [
        "audit_sink.created",
        "audit_sink.secret_rotated",
        "audit_sink.paused",
        "audit_sink.resumed",
        "audit_sink.tested",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let removed = wt_sinks(&d, &tok, &["remove", "hook", "--yes"]);
    assert_eq!(removed["removed"], true);
    assert!(sinks(&d, &tok).is_empty());
}

#[test]
fn rsyslog_receives_entries_in_order_over_tcp_and_tls_with_structured_data_intact() {
    let d = Daemon::start_with(FAST);
    d.setup();
    let tok = d.login_token();
    let work = tempfile::tempdir().expect("tempdir");
    let tcp = Rsyslog::start(work.path(), "tcp", false);
    let mut tls = Rsyslog::start(work.path(), "tls", true);
    let ca = tls.dir.join("rs-ca.pem");

    for _ in 0..3 {
        append_entry(&d, &tok, AWKWARD_UA);
    }
    wt_sinks(
        &d,
        &tok,
        &[
            "add",
            "plain",
            "--url",
            &format!("tcp://127.0.0.1:{}", tcp.port),
            "--from-start",
        ],
    );
    // One command, as an SRE would: syslog over TLS to the server's CA.
    let added = wt_sinks(
        &d,
        &tok,
        &[
            "add",
            "siem",
            "--url",
            &format!("tls://localhost:{}", tls.port),
            "--ca-file",
            &ca.to_string_lossy(),
            "--from-start",
        ],
    );
    assert!(
        added["secret"].is_null(),
        "syslog sinks have no secret: {added}"
    );
    for _ in 0..3 {
        append_entry(&d, &tok, AWKWARD_UA);
    }
    let s = wait_sink(&d, &tok, "plain", "tcp caught up", caught_up);
    let last = s["last_seq"].as_i64().expect("last");
    wait_sink(&d, &tok, "siem", "tls caught up", caught_up);
    // rsyslog writes asynchronously: wait for the file.
    let deadline = Instant::now() + Duration::from_secs(10);
    while (tcp.seqs().last() != Some(&last) || tls.seqs().last() < Some(&last))
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        assert_complete_in_order(&tcp.seqs(), 1, last),
        0,
        "{:?}",
        tcp.lines()
    );
    // The TLS sink's stream also carries the entries appended by its own creation.
    assert_eq!(
        assert_complete_in_order(&tls.seqs(), 1, last),
        0,
        "{:?}",
        tls.lines()
    );
    for r in [&tcp, &tls] {
        let review = r
            .lines()
            .into_iter()
            .find(|l| l.starts_with("audit.reviewed "))
            .unwrap_or_else(|| panic!("no review line: {:?}", r.lines()));
        assert!(review.contains("[watchtower@32473 seq=\""), "{review}");
        assert!(
            review.contains(r#"user_agent="tester \"quoted\" \]bracket\\back""#),
            "escaped per RFC 5424: {review}"
        );
        assert!(review.contains(r#"outcome="success""#), "{review}");
        // The MSG is the entry as JSON, as the API returns it.
        let json_start = review.find("] {").expect("msg") + 2;
        let msg: Value = serde_json::from_str(&review[json_start..]).expect("MSG is JSON");
        assert_eq!(msg["user_agent"], AWKWARD_UA);
    }

    // rsyslog stopped for a while: entries wait; restarted: each arrives once, in order.
    tls.stop();
    for _ in 0..4 {
        append_entry(&d, &tok, "during the outage");
    }
    wait_sink(&d, &tok, "siem", "a recorded failure", |s| {
        s["failing_since"].is_string()
    });
    std::thread::sleep(Duration::from_secs(2));
    tls.run();
    let s = wait_sink(
        &d,
        &tok,
        "siem",
        "tls caught up after the restart",
        caught_up,
    );
    let last = s["last_seq"].as_i64().expect("last");
    let deadline = Instant::now() + Duration::from_secs(10);
    while tls.seqs().last() < Some(&last) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        assert_complete_in_order(&tls.seqs(), 1, last),
        0,
        "every entry exactly once, in order: {:?}",
        tls.lines()
    );

    // The test message arrives with its MSGID.
    let t = wt_sinks(&d, &tok, &["test", "siem"]);
    assert_eq!(t["ok"], true, "{t}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !tls.lines().iter().any(|l| l.starts_with("audit.test ")) {
        assert!(Instant::now() < deadline, "{:?}", tls.lines());
        std::thread::sleep(Duration::from_millis(100));
    }

    // The server's certificate is verified: another CA, or the system roots, refuse it.
    let other_ca = make_certs(work.path(), "other");
    wt_sinks(
        &d,
        &tok,
        &[
            "add",
            "wrong-ca",
            "--url",
            &format!("tls://localhost:{}", tls.port),
            "--ca-file",
            &other_ca.to_string_lossy(),
        ],
    );
    wt_sinks(
        &d,
        &tok,
        &[
            "add",
            "system-roots",
            "--url",
            &format!("tls://localhost:{}", tls.port),
        ],
    );
    for name in ["wrong-ca", "system-roots"] {
        let mut c = d.wt();
        c.env("WT_TOKEN", &tok)
            .args(["audit", "sinks", "test", name]);
        let (code, out, err) = run(c, "");
        assert_eq!(code, 1, "{name}: {out}{err}");
        assert!(err.to_lowercase().contains("certificate"), "{name}: {err}");
    }
    let s = wait_sink(&d, &tok, "wrong-ca", "a certificate failure", |s| {
        s["last_error"].is_string()
    });
    assert!(
        s["last_error"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
            .contains("certificate"),
        "{s}"
    );

    // Mutual TLS: a server that requires a client certificate gets the sink's, whose key
    // wtd keeps sealed; without one the server refuses.
    let mtls = Rsyslog::start_with(work.path(), "mtls", true, "x509/certvalid");
    let mca = mtls.dir.join("rs-ca.pem");
    let (mcert, mkey) = (
        mtls.dir.join("rs-client.pem"),
        mtls.dir.join("rs-client.key"),
    );
    let added = wt_sinks(
        &d,
        &tok,
        &[
            "add",
            "mutual",
            "--url",
            &format!("tls://localhost:{}", mtls.port),
            "--ca-file",
            &mca.to_string_lossy(),
            "--client-cert",
            &mcert.to_string_lossy(),
            "--client-key",
            &mkey.to_string_lossy(),
            "--from-start",
        ],
    );
    assert_eq!(added["sink"]["client_cert"], true, "{added}");
    assert!(
        added["secret"].is_null(),
        "the client key is never echoed: {added}"
    );
    let s = wait_sink(&d, &tok, "mutual", "mutual TLS caught up", caught_up);
    let last = s["last_seq"].as_i64().expect("last");
    let deadline = Instant::now() + Duration::from_secs(10);
    while mtls.seqs().last() < Some(&last) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        assert_complete_in_order(&mtls.seqs(), 1, last),
        0,
        "{}",
        mtls.log()
    );
    wt_sinks(
        &d,
        &tok,
        &[
            "add",
            "no-client-cert",
            "--url",
            &format!("tls://localhost:{}", mtls.port),
            "--ca-file",
            &mca.to_string_lossy(),
        ],
    );
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok)
        .args(["audit", "sinks", "test", "no-client-cert"]);
    let (code, out, err) = run(c, "");
    assert_eq!(
        code, 1,
        "a server requiring a client certificate refuses none: {out}{err}"
    );
    let key_text = std::fs::read_to_string(&mkey).expect("client key");
    let key_line = key_text.lines().nth(1).expect("a base64 line of the key");
    for (what, bytes) in d.database_contents() {
        assert!(
            !bytes
                .windows(key_line.len())
                .any(|w| w == key_line.as_bytes()),
            "the client key is sealed at rest, found in {what}"
        );
    }

    // Bad input is a clear 4xx.
    let mut c = d.wt();
    c.env("WT_TOKEN", &tok).args([
        "audit",
        "sinks",
        "add",
        "x",
        "--url",
        "http://example.com/hook",
    ]);
    let (code, _, err) = run(c, "");
    assert_ne!(code, 0);
    assert!(err.contains("https"), "{err}");
}

#[test]
fn kill_9_in_the_middle_of_a_batch_leaves_no_gap_after_restart() {
    let mut d = Daemon::start_with(FAST);
    d.setup();
    let tok = d.login_token();
    let hook = Hook::start();
    // 250 entries: three batches, the first held 3 s by the receiver.
    for _ in 0..249 {
        append_entry(&d, &tok, "e2e");
    }
    hook.delay_ms.store(3000, Ordering::SeqCst);
    let created = wt_sinks(
        &d,
        &tok,
        &["add", "hook", "--url", &hook.url(), "--from-start"],
    );
    hook.add_key(created["secret"].as_str().expect("secret"));
    let last_before = created["sink"]["last_seq"].as_i64().expect("last");
    // The first batch is in flight (the receiver holds it): kill -9 now.
    std::thread::sleep(Duration::from_millis(1500));
    d.kill_hard();
    hook.delay_ms.store(0, Ordering::SeqCst);
    d.serve();
    let s = wait_sink(&d, &tok, "hook", "catching up after the restart", caught_up);
    let last = s["last_seq"].as_i64().expect("last");
    assert!(last >= last_before);
    let got = hook.seqs();
    let dups = assert_complete_in_order(&got, 1, last);
    // Duplicates only from the batch in flight at the kill, identified by seq.
    assert!(dups <= 100, "{dups} duplicates");
    assert!(hook.bad().is_empty(), "{:?}", hook.bad());
}

#[test]
fn two_replicas_deliver_each_entry_once_in_order() {
    if postgres_admin_url().is_none() {
        eprintln!(
            "SKIPPED two_replicas_deliver_each_entry_once_in_order: needs PostgreSQL \
             (runs in the suite's PostgreSQL pass, WT_TEST_DATABASE_URL)"
        );
        return;
    }
    let a = Daemon::start_with(FAST);
    a.setup();
    let b = a.replica();
    let tok = a.login_token();
    let hook = Hook::start();
    let created = wt_sinks(&a, &tok, &["add", "hook", "--url", &hook.url()]);
    hook.add_key(created["secret"].as_str().expect("secret"));
    let from = created["sink"]["delivered_seq"].as_i64().expect("seq") + 1;
    for i in 0..60 {
        append_entry(if i % 2 == 0 { &a } else { &b }, &tok, "e2e");
        if i % 10 == 0 {
            std::thread::sleep(Duration::from_millis(150));
        }
    }
    let s = wait_sink(&b, &tok, "hook", "catching up", caught_up);
    let last = s["last_seq"].as_i64().expect("last");
    let dups = assert_complete_in_order(&hook.seqs(), from, last);
    assert_eq!(dups, 0, "each entry delivered by one replica, once");
    assert!(hook.bad().is_empty(), "{:?}", hook.bad());
}
