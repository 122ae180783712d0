//! The HTTP client for the WatchTower API.
//!
//! One reqwest client per process with bounded timeouts ([`CONNECT_TIMEOUT`],
//! [`REQUEST_TIMEOUT`]) and `User-Agent: wt/<version>`. Transport failures and error
//! answers (RFC 9457 `application/problem+json`) become [`CliError`]s here, so commands
//! only see typed results. The bearer token is passed per call by the command that needs
//! it; the client itself never reads the keyring.

use crate::error::{ApiError, CliError};
use crate::secret::Secret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;
use wt_api::{API_PREFIX, Page, Problem};

/// How long to wait for a TCP (and TLS) connection before calling the daemon unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Upper bound for one whole request/response.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest silence on an event stream (`wt audit tail --follow`) before it counts as
/// dropped and is reconnected: the server sends a keepalive comment every ~15 s, so three
/// missed keepalives. Event streams have no total timeout.
pub const STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(45);
/// How long an idle pooled connection is kept for reuse: shorter than any server's
/// keep-alive idle timeout we may meet (wtd 75 s, Node's default 5 s), so `wt` does not
/// send on a connection the server is closing. After a prompt, a new connection is made.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
/// A non-idempotent request (POST, PATCH) whose connection fails this fast, before any
/// answer, is taken to have met a connection that was already closed, and is sent once
/// more; a later failure could mean the server acted on it, so it is reported instead.
pub const STALE_CONNECTION_WINDOW: Duration = Duration::from_millis(500);
/// Sent on every request.
pub const USER_AGENT: &str = concat!("wt/", env!("CARGO_PKG_VERSION"));

/// Default daemon address (`--server`).
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8470";

/// Normalises a server URL: trims whitespace and trailing slashes, requires http(s).
/// The result is also the keyring user of the credential for this server.
pub fn normalize_server(raw: &str) -> Result<String, CliError> {
    let s = raw.trim().trim_end_matches('/');
    let lower = s.to_ascii_lowercase();
    let ok = (lower.starts_with("http://") && s.len() > 7)
        || (lower.starts_with("https://") && s.len() > 8);
    if !ok {
        return Err(CliError::Usage(format!(
            "--server must be an http:// or https:// URL, got `{raw}`"
        )));
    }
    reqwest::Url::parse(s)
        .map_err(|e| CliError::Usage(format!("--server `{raw}` is not a valid URL: {e}")))?;
    Ok(s.to_string())
}

/// Longest id accepted as a path segment (ids are short, e.g. `usr_` + 16 characters).
const MAX_ID_LEN: usize = 128;

/// Checks an id given on the command line before it goes into a URL path: ASCII letters,
/// digits, `_` and `-` only, so it can never change the route (`/`, `..`, `?`, `#`).
/// `what` names the argument in the usage error.
pub fn id_segment<'a>(raw: &'a str, what: &str) -> Result<&'a str, CliError> {
    let id = raw.trim();
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(CliError::Usage(format!(
            "{what} `{raw}` is not a valid id (letters, digits, `_` and `-`, e.g. usr_3kT9...)"
        )))
    }
}

/// Most pages `get_all_pages` follows before giving up (a server that keeps answering with
/// new cursors must not make `wt` loop forever); at the server's page size this is far
/// more than one org holds.
pub const MAX_PAGES: usize = 10_000;

/// Appends `key=value` query pairs (percent-encoded) to an API path.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let query: String = reqwest::Url::parse("http://q/")
        .map(|mut u| {
            u.query_pairs_mut().extend_pairs(pairs);
            u.query().unwrap_or_default().to_string()
        })
        .unwrap_or_default();
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{query}")
}

/// What [`ApiClient::get_pages_until`] fetched.
#[derive(Debug)]
pub struct Fetched<T> {
    /// The items kept, in the list's order.
    pub items: Vec<T>,
    /// True when it stopped with `want` items before the list's end: more exist (with a
    /// filter, the rest of the list may or may not hold another match).
    pub more: bool,
}

/// A client bound to one server.
pub struct ApiClient {
    http: reqwest::Client,
    /// For long-lived event streams: no total timeout, an idle (read) timeout instead.
    /// Built on first use, as most commands never open a stream.
    stream_http: std::sync::OnceLock<reqwest::Client>,
    base: String,
}

impl ApiClient {
    /// Builds a client for `base` (already normalised).
    pub fn new(base: &str) -> Result<Self, CliError> {
        Self::with_timeouts(base, CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// Builds a client with explicit timeouts (health polling uses short ones).
    pub fn with_timeouts(base: &str, connect: Duration, total: Duration) -> Result<Self, CliError> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| CliError::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(ApiClient {
            http,
            stream_http: std::sync::OnceLock::new(),
            base: base.to_string(),
        })
    }

    /// The server URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.base)
    }

    /// `GET /api/v1{path}` and decode JSON.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&Secret>,
    ) -> Result<T, CliError> {
        let req = self.http.get(self.url(path));
        let resp = self.send(req, bearer).await?;
        self.decode(resp).await
    }

    /// `POST /api/v1{path}` with a JSON body and decode the JSON answer.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&Secret>,
    ) -> Result<T, CliError> {
        let req = self.http.post(self.url(path)).json(body);
        let resp = self.send(req, bearer).await?;
        self.decode(resp).await
    }

    /// `POST /api/v1{path}` with a JSON body, without bearer; the answer's status and
    /// body whatever the status (for endpoints whose errors are not problem+json, such as
    /// the device-flow token endpoint's RFC 6749 errors). Only transport failures are
    /// errors here.
    pub async fn post_raw<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<(u16, Vec<u8>), CliError> {
        let resp = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| self.transport_error(&e))?;
        Ok((status, bytes.to_vec()))
    }

    /// `POST /api/v1{path}` with an `application/x-www-form-urlencoded` body (OAuth
    /// endpoints, RFC 6749 §3.2); the raw answer.
    pub async fn post_form_raw<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<(u16, Vec<u8>), CliError> {
        let form = serde_urlencoded::to_string(body)
            .map_err(|e| CliError::Other(format!("cannot encode the form: {e}")))?;
        let resp = self
            .http
            .post(self.url(path))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| self.transport_error(&e))?;
        Ok((status, bytes.to_vec()))
    }

    /// `POST /api/v1{path}` with a JSON body, expecting no content back (204).
    pub async fn post_no_content<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&Secret>,
    ) -> Result<(), CliError> {
        let req = self.http.post(self.url(path)).json(body);
        self.send(req, bearer).await.map(drop)
    }

    /// `PATCH /api/v1{path}` with a JSON body and decode the JSON answer.
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&Secret>,
    ) -> Result<T, CliError> {
        let req = self.http.patch(self.url(path)).json(body);
        let resp = self.send(req, bearer).await?;
        self.decode(resp).await
    }

    /// `DELETE /api/v1{path}`, expecting no content back (204).
    pub async fn delete(&self, path: &str, bearer: Option<&Secret>) -> Result<(), CliError> {
        let req = self.http.delete(self.url(path));
        self.send(req, bearer).await.map(drop)
    }

    /// `GET /api/v1{path}` as a cursor-paginated list ([`Page`]), following `next_cursor`
    /// (`?cursor=`) until the last page; returns every item in order. Stops after
    /// [`MAX_PAGES`] pages or when the server repeats a cursor.
    pub async fn get_all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&Secret>,
    ) -> Result<Vec<T>, CliError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page_path = match &cursor {
                Some(c) => with_query(path, &[("cursor", c)]),
                None => path.to_string(),
            };
            let page: Page<T> = self.get(&page_path, bearer).await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) if !next.is_empty() && cursor.as_deref() != Some(next.as_str()) => {
                    cursor = Some(next);
                }
                _ => return Ok(items),
            }
        }
        Err(CliError::Transport {
            server: self.base.clone(),
            reason: format!("the list did not end after {MAX_PAGES} pages"),
        })
    }

    /// `GET /api/v1{path}` as a cursor-paginated list, `page_size` items a request
    /// (`?limit=`), keeping the items `keep` accepts until `want` of them (every one for
    /// `None`) or the list's end. The first request asks for exactly the first page, so a
    /// listing of one page costs one request of that page. Stops after [`MAX_PAGES`] pages
    /// or when the server repeats a cursor.
    pub async fn get_pages_until<T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&Secret>,
        page_size: u32,
        want: Option<usize>,
        keep: impl Fn(&T) -> bool,
    ) -> Result<Fetched<T>, CliError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        let limit = page_size.to_string();
        for _ in 0..MAX_PAGES {
            let mut pairs = vec![("limit", limit.as_str())];
            if let Some(c) = &cursor {
                pairs.push(("cursor", c));
            }
            let page: Page<T> = self.get(&with_query(path, &pairs), bearer).await?;
            let next = page
                .next_cursor
                .filter(|n| !n.is_empty() && cursor.as_deref() != Some(n.as_str()));
            for item in page.items.into_iter().filter(|t| keep(t)) {
                if want.is_some_and(|w| items.len() >= w) {
                    return Ok(Fetched { items, more: true });
                }
                items.push(item);
            }
            match next {
                Some(_) if want.is_some_and(|w| items.len() >= w) => {
                    return Ok(Fetched { items, more: true });
                }
                Some(n) => cursor = Some(n),
                None => return Ok(Fetched { items, more: false }),
            }
        }
        Err(CliError::Transport {
            server: self.base.clone(),
            reason: format!("the list did not end after {MAX_PAGES} pages"),
        })
    }

    /// `POST /api/v1{path}` without a body, expecting no content back.
    pub async fn post_empty(&self, path: &str, bearer: Option<&Secret>) -> Result<(), CliError> {
        let req = self.http.post(self.url(path));
        self.send(req, bearer).await.map(drop)
    }

    /// `GET /api/v1{path}` as a `text/event-stream`, resuming after `last_event_id` (sent
    /// as `Last-Event-ID`). Returns the response once the server accepted it (2xx); its
    /// body is the stream. No total timeout: a stream silent for [`STREAM_IDLE_TIMEOUT`]
    /// fails with a transport error (the caller reconnects).
    pub async fn open_event_stream(
        &self,
        path: &str,
        bearer: Option<&Secret>,
        last_event_id: Option<&str>,
    ) -> Result<reqwest::Response, CliError> {
        let http = match self.stream_http.get() {
            Some(c) => c,
            None => {
                let built = reqwest::Client::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .read_timeout(STREAM_IDLE_TIMEOUT)
                    .user_agent(USER_AGENT)
                    .build()
                    .map_err(|e| CliError::Other(format!("cannot build the HTTP client: {e}")))?;
                self.stream_http.get_or_init(|| built)
            }
        };
        let mut req = http
            .get(self.url(path))
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .header(reqwest::header::CACHE_CONTROL, "no-cache");
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        self.send(req, bearer).await
    }

    /// Why reading an event stream's body failed, for people ("connection reset", or
    /// silence past [`STREAM_IDLE_TIMEOUT`]).
    pub fn stream_error_reason(e: &reqwest::Error) -> String {
        if e.is_timeout() {
            format!("no data for {} s", STREAM_IDLE_TIMEOUT.as_secs())
        } else {
            root_cause(e)
        }
    }

    /// `GET {base}/healthz`: `Ok(true)` on 200.
    pub async fn healthz(&self) -> Result<bool, CliError> {
        let req = self.http.get(format!("{}/healthz", self.base));
        match req.send().await {
            Ok(resp) => Ok(resp.status() == reqwest::StatusCode::OK),
            Err(e) => Err(self.transport_error(&e)),
        }
    }

    async fn send(
        &self,
        mut req: reqwest::RequestBuilder,
        bearer: Option<&Secret>,
    ) -> Result<reqwest::Response, CliError> {
        if let Some(token) = bearer {
            // reqwest marks this header sensitive (kept out of Debug output).
            req = req.bearer_auth(token.expose());
        }
        // A copy in case the first connection turns out closed (bodies here are JSON).
        let again = req.try_clone();
        let idempotent = again
            .as_ref()
            .and_then(|r| r.try_clone()?.build().ok())
            .is_some_and(|r| r.method().is_idempotent());
        let sent = std::time::Instant::now();
        let resp = match (req.send().await, again) {
            (Ok(resp), _) => resp,
            // Closed before any answer came: a pooled connection that the server, or a
            // proxy between, had just closed as idle. Sent once more on a fresh
            // connection when that is safe: an idempotent request, or one refused at once
            // (`STALE_CONNECTION_WINDOW`), as a connection already closed refuses, before
            // any server could have acted on it.
            (Err(e), Some(again))
                if closed_before_answer(&e)
                    && (idempotent || sent.elapsed() < STALE_CONNECTION_WINDOW) =>
            {
                again.send().await.map_err(|e| self.transport_error(&e))?
            }
            (Err(e), _) => return Err(self.transport_error(&e)),
        };
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(self.api_error(resp).await)
    }

    async fn decode<T: DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T, CliError> {
        let bytes = resp.bytes().await.map_err(|e| self.transport_error(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| CliError::Transport {
            server: self.base.clone(),
            reason: format!("unexpected response body: {e}"),
        })
    }

    async fn api_error(&self, resp: reqwest::Response) -> CliError {
        let status = resp.status().as_u16();
        let header_retry = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let problem = match resp.bytes().await {
            Ok(b) => serde_json::from_slice::<Problem>(&b).ok(),
            Err(_) => None,
        };
        let retry_after = header_retry.or(problem.as_ref().and_then(|p| p.retry_after));
        CliError::Api(Box::new(ApiError {
            server: self.base.clone(),
            status,
            problem,
            retry_after,
        }))
    }

    fn transport_error(&self, e: &reqwest::Error) -> CliError {
        let reason = root_cause(e);
        if e.is_connect() {
            CliError::Unreachable {
                server: self.base.clone(),
                reason,
            }
        } else if e.is_timeout() {
            CliError::Transport {
                server: self.base.clone(),
                reason: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
            }
        } else {
            CliError::Transport {
                server: self.base.clone(),
                reason,
            }
        }
    }
}

/// Whether a request failed because its connection was closed before any byte of an
/// answer arrived ("connection closed before message completed", a reset or broken pipe
/// on a reused connection), as opposed to no connection at all or a slow server.
fn closed_before_answer(e: &reqwest::Error) -> bool {
    if e.is_timeout() || e.is_connect() || e.is_body() || e.is_decode() {
        return false;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_canceled())
        {
            return true;
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        cause = c.source();
    }
    false
}

/// The innermost cause ("Connection refused (os error 111)") is what people need.
fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    /// A server that reads a request and closes without answering the first `drops`
    /// connections, then answers `{"ok":true}`; returns its address and a connection count.
    async fn dropping_server(
        drops: usize,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let n = count.fetch_add(1, Ordering::SeqCst);
                let mut buf = vec![0u8; 4096];
                let _ = sock.read(&mut buf).await;
                if n < drops {
                    drop(sock);
                    continue;
                }
                let body = r#"{"ok":true}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            }
        });
        (addr, seen)
    }

    #[tokio::test]
    async fn a_connection_closed_before_any_answer_is_retried_once_on_a_fresh_one() {
        let (addr, seen) = dropping_server(1).await;
        let c = ApiClient::new(&addr).unwrap();
        let v: serde_json::Value = c
            .post("/x", &serde_json::json!({"a": 1}), None)
            .await
            .unwrap();
        assert_eq!(v["ok"], true);
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_post_the_server_held_before_dropping_is_not_sent_again() {
        use std::sync::atomic::Ordering;
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let mut buf = vec![0u8; 4096];
                let _ = sock.read(&mut buf).await;
                // Works on it for a while (it may have acted), then the connection drops.
                tokio::time::sleep(STALE_CONNECTION_WINDOW * 2).await;
                drop(sock);
            }
        });
        let c = ApiClient::new(&addr).unwrap();
        let r: Result<serde_json::Value, CliError> =
            c.post("/x", &serde_json::json!({"a": 1}), None).await;
        assert!(matches!(r, Err(CliError::Transport { .. })), "{r:?}");
        assert_eq!(seen.load(Ordering::SeqCst), 1, "sent once");
    }

    #[tokio::test]
    async fn a_server_that_keeps_closing_gets_two_tries_then_a_clear_error() {
        let (addr, seen) = dropping_server(usize::MAX).await;
        let c = ApiClient::new(&addr).unwrap();
        let r: Result<serde_json::Value, CliError> =
            c.post("/x", &serde_json::json!({"a": 1}), None).await;
        assert!(matches!(r, Err(CliError::Transport { .. })), "{r:?}");
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    use super::*;

    #[test]
    fn server_url_is_normalised_without_trailing_slash() {
        assert_eq!(
            normalize_server(" http://127.0.0.1:8470/ ").ok().as_deref(),
            Some("http://127.0.0.1:8470")
        );
        assert_eq!(
            normalize_server("https://wt.example.com//").ok().as_deref(),
            Some("https://wt.example.com")
        );
    }

    #[test]
    fn ids_that_could_change_the_route_are_usage_errors() {
        assert_eq!(
            id_segment(" usr_3kT9-x ", "USER_ID").ok(),
            Some("usr_3kT9-x")
        );
        for bad in ["", "..", "a/b", "a?b", "a#b", "a b", "é"] {
            assert_eq!(
                id_segment(bad, "USER_ID").err().map(|e| e.exit_code()),
                Some(2),
                "{bad}"
            );
        }
    }

    #[test]
    fn query_pairs_are_percent_encoded_and_appended() {
        assert_eq!(with_query("/orgs/invites", &[]), "/orgs/invites");
        assert_eq!(
            with_query("/orgs/invites", &[("status", "pending")]),
            "/orgs/invites?status=pending"
        );
        assert_eq!(
            with_query("/orgs/invites?status=pending", &[("cursor", "a+b/c=")]),
            "/orgs/invites?status=pending&cursor=a%2Bb%2Fc%3D"
        );
    }

    #[tokio::test]
    async fn paginated_lists_follow_next_cursor_to_the_end() {
        use crate::testutil::{Reply, Stub};
        let stub = Stub::start(vec![
            (
                "GET",
                "/api/v1/orgs/members",
                Reply::json(
                    200,
                    serde_json::json!({"items": [1, 2], "next_cursor": "c2"}),
                ),
            ),
            (
                "GET",
                "/api/v1/orgs/members?cursor=c2",
                Reply::json(200, serde_json::json!({"items": [3], "next_cursor": null})),
            ),
        ])
        .await;
        let client = ApiClient::new(&stub.url)
            .map_err(|e| e.to_string())
            .unwrap();
        let items: Vec<u32> = client
            .get_all_pages("/orgs/members", None)
            .await
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(items, vec![1, 2, 3]);
        assert_eq!(stub.requests().len(), 2);
    }

    #[test]
    fn server_url_without_scheme_is_a_usage_error() {
        for bad in ["127.0.0.1:8470", "ftp://x", "http://", ""] {
            match normalize_server(bad) {
                Err(e) => assert_eq!(e.exit_code(), 2, "{bad}"),
                Ok(s) => panic!("accepted {bad} as {s}"),
            }
        }
    }

    #[tokio::test]
    async fn connection_refused_is_daemon_unreachable_exit_6() {
        // Bind then drop a listener: the port is (almost certainly) closed afterwards.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0");
            match l.and_then(|l| l.local_addr()) {
                Ok(a) => a.port(),
                Err(e) => panic!("bind: {e}"),
            }
        };
        let base = format!("http://127.0.0.1:{port}");
        let client = ApiClient::new(&base).map_err(|e| e.to_string()).unwrap();
        let err = client
            .get::<wt_api::WhoAmI>("/auth/session", None)
            .await
            .err();
        let err = err.map(|e| (e.exit_code(), e.to_string()));
        let (code, msg) = err.unwrap_or_default();
        assert_eq!(code, 6, "{msg}");
        assert!(
            msg.contains(&base) && msg.contains("wt daemon start"),
            "{msg}"
        );
    }
}
