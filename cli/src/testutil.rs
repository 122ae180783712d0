//! Test-only HTTP stub: a tiny HTTP/1.1 server on 127.0.0.1:0 with canned answers.
//!
//! Each expected route is `(method, path, reply)`; anything else answers 599 so a test
//! sees the unexpected call. Every request is recorded (method, path, Authorization,
//! body) so tests can assert what was sent. [`run_wt`] and friends run a whole `wt`
//! command line against a stub, logged in (mock keyring) with `credentials::tests::sample()`.

use crate::credentials::Credentials;
use crate::credentials::tests::{mock_store, sample};
use crate::output::{Io, SharedBuf};
use crate::{CliError, Ctx};

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A canned answer.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            content_type: "text/plain",
            body: String::new(),
            headers: vec![],
        }
    }
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: body.to_string(),
            headers: vec![],
        }
    }
    /// A `text/event-stream` body; the stub closes the connection after it (a dropped
    /// stream, as far as the client can tell).
    pub fn sse(body: String) -> Reply {
        Reply {
            status: 200,
            content_type: "text/event-stream",
            body,
            headers: vec![],
        }
    }
    pub fn problem(status: u16, code: &str) -> Reply {
        let body = serde_json::json!({
            "type": "about:blank", "title": "error", "status": status, "code": code,
            "detail": format!("detail for {code}"),
        });
        Reply {
            status,
            content_type: wt_api::PROBLEM_CONTENT_TYPE,
            body: body.to_string(),
            headers: vec![],
        }
    }
}

/// One request the stub received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: String,
    /// Every request header, names lowercased, in order.
    pub headers: Vec<(String, String)>,
}

impl Seen {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// A running stub.
pub struct Stub {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    pub async fn start(routes: Vec<(&'static str, &'static str, Reply)>) -> Stub {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => panic!("bind: {e}"),
        };
        let url = match listener.local_addr() {
            Ok(a) => format!("http://{a}"),
            Err(e) => panic!("local_addr: {e}"),
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body_start) = loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&buf[..i]).into_owned(), i + 4);
                    }
                };
                let mut lines = head.lines();
                let mut first = lines.next().unwrap_or("").split_whitespace();
                let method = first.next().unwrap_or("").to_string();
                let path = first.next().unwrap_or("").to_string();
                let mut authorization = None;
                let mut len = 0usize;
                let mut headers = Vec::new();
                for l in lines {
                    if let Some((k, v)) = l.split_once(':') {
                        let k = k.trim().to_ascii_lowercase();
                        headers.push((k.clone(), v.trim().to_string()));
                        if k == "authorization" {
                            authorization = Some(v.trim().to_string());
                        } else if k == "content-length" {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                }
                while buf.len() < body_start + len {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body = String::from_utf8_lossy(&buf[body_start..]).into_owned();
                seen2.lock().unwrap_or_else(|p| p.into_inner()).push(Seen {
                    method: method.clone(),
                    path: path.clone(),
                    authorization,
                    body,
                    headers,
                });
                // Several routes with the same method and path answer in turn (the last
                // one repeats), so a test can script e.g. 201, 201, 409 for a batch.
                let matching: Vec<&Reply> = routes
                    .iter()
                    .filter(|(m, p, _)| *m == method && *p == path)
                    .map(|(_, _, r)| r)
                    .collect();
                let earlier = seen2
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .filter(|s| s.method == method && s.path == path)
                    .count()
                    .saturating_sub(1);
                let reply = matching
                    .get(earlier.min(matching.len().saturating_sub(1)))
                    .map(|r| (*r).clone())
                    .unwrap_or_else(|| Reply::problem(599, "unexpected_call"));
                let mut resp = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                    reply.status,
                    reply.content_type,
                    reply.body.len()
                );
                for (k, v) in &reply.headers {
                    resp.push_str(&format!("{k}: {v}\r\n"));
                }
                resp.push_str("\r\n");
                resp.push_str(&reply.body);
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        });
        Stub { url, seen }
    }

    /// Requests received so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A logged-in context (mock keyring, the sample credential) for `stub`, writing to
/// buffers: for tests that call a command's inner function directly.
pub async fn ctx_for(
    stub: &Stub,
    output: crate::output::OutputFormat,
) -> (Ctx, SharedBuf, SharedBuf) {
    let (io, out, err) = Io::buffered("", true);
    let creds = Credentials::with_store(&stub.url, None, mock_store());
    if let Err(e) = creds.save(&sample()).await {
        panic!("mock keyring: {e}");
    }
    (
        Ctx::new(io, stub.url.clone(), Some(output), creds),
        out,
        err,
    )
}

/// What one test run of `wt` produced.
pub struct Ran {
    pub stub: Stub,
    pub ctx: Ctx,
    pub result: Result<(), CliError>,
    pub out: String,
    pub err: String,
}

impl Ran {
    /// The exit code and message of the error (panics when the run succeeded).
    pub fn failure(&self) -> (u8, String) {
        match &self.result {
            Err(e) => (e.exit_code(), e.to_string()),
            Ok(()) => panic!("expected a failure; stdout: {}", self.out),
        }
    }

    /// The JSON body of the `i`-th request the stub saw.
    pub fn body(&self, i: usize) -> serde_json::Value {
        let seen = self.stub.requests();
        serde_json::from_str(&seen[i].body).unwrap_or_default()
    }
}

/// Runs `argv` with `stdin` piped in (no terminal; `--no-input` as in argv).
pub async fn run_wt(
    argv: &[&str],
    stdin: &str,
    routes: Vec<(&'static str, &'static str, Reply)>,
) -> Ran {
    run_wt_with(argv, routes, |no_input| Io::buffered(stdin, no_input)).await
}

/// Runs `argv` on a pretend terminal whose prompts get `answers` in order.
pub async fn run_wt_scripted(
    argv: &[&str],
    answers: &[&str],
    routes: Vec<(&'static str, &'static str, Reply)>,
) -> Ran {
    run_wt_with(argv, routes, |no_input| {
        let (mut io, out, err) = Io::scripted(answers, "");
        io.no_input = no_input;
        (io, out, err)
    })
    .await
}

/// Like [`run_wt`], but with an empty keyring and no `WT_TOKEN` (not logged in).
pub async fn run_wt_logged_out(
    argv: &[&str],
    stdin: &str,
    routes: Vec<(&'static str, &'static str, Reply)>,
) -> Ran {
    run_wt_full(
        argv,
        routes,
        |no_input| Io::buffered(stdin, no_input),
        false,
    )
    .await
}

/// Runs `argv` with the io built by `make_io(no_input)`.
pub async fn run_wt_with(
    argv: &[&str],
    routes: Vec<(&'static str, &'static str, Reply)>,
    make_io: impl FnOnce(bool) -> (Io, SharedBuf, SharedBuf),
) -> Ran {
    run_wt_full(argv, routes, make_io, true).await
}

/// Runs `argv` with the io built by `make_io(no_input)`, logged in (the sample credential
/// in a mock keyring) or not.
pub async fn run_wt_full(
    argv: &[&str],
    routes: Vec<(&'static str, &'static str, Reply)>,
    make_io: impl FnOnce(bool) -> (Io, SharedBuf, SharedBuf),
    logged_in: bool,
) -> Ran {
    let stub = Stub::start(routes).await;
    let cli = match crate::parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => panic!("{argv:?} does not parse: {e}"),
    };
    let (io, out, err) = make_io(cli.global.no_input);
    let creds = Credentials::with_store(&stub.url, None, mock_store());
    if logged_in && let Err(e) = creds.save(&sample()).await {
        panic!("mock keyring: {e}");
    }
    let ctx = Ctx::new(io, stub.url.clone(), cli.global.output, creds);
    let result = crate::run(cli, &ctx).await;
    Ran {
        stub,
        ctx,
        result,
        out: out.contents(),
        err: err.contents(),
    }
}
