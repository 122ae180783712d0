//! A small, blocking W3C WebDriver client for browser end-to-end tests.
//!
//! It drives Debian's headless Chromium (`chromium` package) through chromedriver
//! (`chromium-driver` package) over plain JSON/HTTP with `reqwest::blocking`: no async
//! runtime and no WebDriver crate. [`Browser::start`] spawns chromedriver on a free
//! loopback port, waits for `GET /status` to report ready and opens a session with a
//! fresh profile in a temp directory; dropping the [`Browser`] deletes the session, kills
//! chromedriver and removes the directory.
//!
//! Everything here is a test helper: a failing WebDriver command panics with the command,
//! the HTTP status and the WebDriver error JSON (minus chromedriver's native stack trace);
//! a failing start shows the tail of chromedriver's log, which carries Chromium's stderr.
//!
//! Paths: `WT_CHROMIUM` and `WT_CHROMEDRIVER` override `/usr/bin/chromium` and
//! `/usr/bin/chromedriver`. Tests start with `if !webdriver::require_browser() { return; }`:
//! without a browser they print `SKIPPED: ...` and pass, unless `WT_REQUIRE_BROWSER=1`
//! (set in CI, which installs Chromium) turns the missing browser into a failure.
//!
//! Chromium runs with `--no-sandbox` (tests run as root in containers, where the sandbox
//! cannot start) and `--disable-dev-shm-usage` (containers have a tiny `/dev/shm`).
//! `acceptInsecureCerts` is on, so a daemon serving a self-signed certificate works.

// A helper API: not every test uses every method.
#![allow(dead_code)]

use reqwest::Method;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The W3C web element identifier key.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long chromedriver gets to answer `/status` with `ready: true`.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long [`Browser::find`] waits for an element to appear.
const FIND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long [`Browser::wait_for`] and [`Browser::submit_and_wait`] wait.
const WAIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Timeout of every HTTP request to chromedriver.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The Chromium binary: `WT_CHROMIUM`, else `/usr/bin/chromium`.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("WT_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// The chromedriver binary: `WT_CHROMEDRIVER`, else `/usr/bin/chromedriver`.
pub fn chromedriver_path() -> PathBuf {
    std::env::var_os("WT_CHROMEDRIVER")
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from)
}

/// Whether both Chromium and chromedriver are installed.
pub fn browser_available() -> bool {
    chromium_path().is_file() && chromedriver_path().is_file()
}

/// True when a browser is available. Otherwise panics if `WT_REQUIRE_BROWSER=1`, else
/// prints `SKIPPED: ...` and returns false so the caller can return early.
pub fn require_browser() -> bool {
    if browser_available() {
        return true;
    }
    let why = format!(
        "browser tests need Chromium at {} and chromedriver at {} \
         (Debian: apt-get install chromium chromium-driver; \
         or set WT_CHROMIUM / WT_CHROMEDRIVER)",
        chromium_path().display(),
        chromedriver_path().display()
    );
    if std::env::var("WT_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("WT_REQUIRE_BROWSER=1 but {why}");
    }
    eprintln!("SKIPPED: {why}");
    false
}

/// A failed WebDriver command (or a transport failure, with `status == 0`).
#[derive(Debug)]
struct WdError {
    method: Method,
    url: String,
    status: u16,
    body: Value,
}

impl WdError {
    /// The W3C error code, e.g. `no such element`; empty for transport failures.
    fn code(&self) -> &str {
        self.body["value"]["error"].as_str().unwrap_or("")
    }
}

impl fmt::Display for WdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut body = self.body.clone();
        // chromedriver's stack trace is a page of native addresses: noise in a test failure.
        if let Some(value) = body.get_mut("value").and_then(Value::as_object_mut) {
            value.remove("stacktrace");
        }
        let what = if self.status == 0 {
            "no answer".to_string()
        } else {
            format!("HTTP {}", self.status)
        };
        write!(
            f,
            "WebDriver {} {} failed ({what}): {body}",
            self.method, self.url
        )
    }
}

/// One HTTP round trip to chromedriver; returns the response's `value` member.
fn wd_request(
    http: &Client,
    method: Method,
    url: String,
    body: Option<Value>,
    timeout: Duration,
) -> Result<Value, WdError> {
    let mut req = http.request(method.clone(), &url).timeout(timeout);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let fail = |status: u16, body: Value| WdError {
        method: method.clone(),
        url: url.clone(),
        status,
        body,
    };
    let resp = req
        .send()
        .map_err(|e| fail(0, Value::String(e.to_string())))?;
    let status = resp.status();
    let text = resp
        .text()
        .map_err(|e| fail(status.as_u16(), Value::String(e.to_string())))?;
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status.is_success() {
        Ok(json.get("value").cloned().unwrap_or(Value::Null))
    } else {
        Err(fail(status.as_u16(), json))
    }
}

/// Sleeps for `delay` and doubles it, up to 100 ms.
fn backoff(delay: &mut Duration) {
    sleep(*delay);
    *delay = (*delay * 2).min(Duration::from_millis(100));
}

/// A chromedriver process; killed and reaped on drop.
struct Driver {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Driver {
    /// Spawns chromedriver on a free port and waits until it is ready. Its log, with
    /// Chromium's stderr in it, goes to `log`. A port taken between probing and
    /// chromedriver binding it makes chromedriver exit: retried.
    fn start(http: &Client, log: PathBuf) -> Driver {
        let exe = chromedriver_path();
        let mut attempt = 1;
        loop {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("probing a free port for chromedriver")
                .port();
            let child = Command::new(&exe)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .arg("--enable-chrome-logs")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("spawning {}: {e}", exe.display()));
            let mut driver = Driver {
                child,
                base: format!("http://127.0.0.1:{port}"),
                log: log.clone(),
            };
            match driver.wait_ready(http) {
                Ok(()) => return driver,
                Err(exit) if attempt < 3 => {
                    eprintln!("chromedriver on port {port} exited early ({exit}); retrying");
                    attempt += 1;
                }
                Err(exit) => panic!(
                    "chromedriver exited before becoming ready ({exit})\n{}",
                    driver.log_tail()
                ),
            }
        }
    }

    /// Polls `/status` until `ready`; `Err` if chromedriver exits, panics at the deadline.
    fn wait_ready(&mut self, http: &Client) -> Result<(), String> {
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        let mut delay = Duration::from_millis(5);
        let url = format!("{}/status", self.base);
        loop {
            if let Ok(Some(exit)) = self.child.try_wait() {
                return Err(exit.to_string());
            }
            let last = wd_request(http, Method::GET, url.clone(), None, Duration::from_secs(2));
            if let Ok(status) = &last
                && status["ready"] == true
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                panic!(
                    "chromedriver at {} not ready after {DRIVER_START_TIMEOUT:?}; last /status: {last:?}\n{}",
                    self.base,
                    self.log_tail()
                );
            }
            backoff(&mut delay);
        }
    }

    /// The last lines of chromedriver's log, for panic messages (the log goes with the
    /// temp directory).
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        format!("--- chromedriver log (with Chromium's stderr), last lines ---\n{tail}")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session. Dropping it ends the session and chromedriver.
pub struct Browser {
    http: Client,
    session: String,
    // Dropped in this order after `Drop::drop` deleted the session: chromedriver is
    // killed, then the profile directory (and chromedriver's log) is removed.
    driver: Driver,
    _dir: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a fresh profile.
    pub fn start() -> Browser {
        assert!(
            browser_available(),
            "Browser::start without a browser: call webdriver::require_browser() first"
        );
        let dir = tempfile::Builder::new()
            .prefix("wt-webdriver-")
            .tempdir()
            .expect("creating a temp dir for the Chromium profile");
        let http = Client::builder()
            .timeout(HTTP_TIMEOUT)
            .no_proxy()
            .build()
            .expect("building the WebDriver HTTP client");
        let driver = Driver::start(&http, dir.path().join("chromedriver.log"));
        let profile = dir.path().join("profile");
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "acceptInsecureCerts": true,
                    "goog:chromeOptions": {
                        "binary": chromium_path().to_string_lossy(),
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-dev-shm-usage",
                            "--disable-gpu",
                            "--window-size=1280,1600",
                            format!("--user-data-dir={}", profile.display()),
                        ],
                    },
                },
            },
        });
        let url = format!("{}/session", driver.base);
        let created = wd_request(&http, Method::POST, url, Some(caps), HTTP_TIMEOUT)
            .unwrap_or_else(|e| panic!("creating a Chromium session: {e}\n{}", driver.log_tail()));
        let session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("new session answer without sessionId: {created}"))
            .to_string();
        Browser {
            http,
            session,
            driver,
            _dir: dir,
        }
    }

    /// A session command (`path` relative to `/session/{id}`, "" for the session
    /// itself), errors returned.
    fn try_cmd(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        let mut url = format!("{}/session/{}", self.driver.base, self.session);
        if !path.is_empty() {
            url = format!("{url}/{path}");
        }
        wd_request(&self.http, method, url, body, HTTP_TIMEOUT)
    }

    /// A session command that must succeed.
    fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.try_cmd(method, path, body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn get(&self, path: &str) -> Value {
        self.cmd(Method::GET, path, None)
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(Method::POST, path, Some(body))
    }

    fn string(&self, path: &str) -> String {
        let v = self.get(path);
        v.as_str()
            .unwrap_or_else(|| panic!("WebDriver GET {path}: expected a string, got {v}"))
            .to_string()
    }

    /// Navigates to `url` and waits for the page load (WebDriver's normal strategy).
    pub fn goto(&self, url: &str) {
        self.post("url", json!({ "url": url }));
    }

    pub fn current_url(&self) -> String {
        self.string("url")
    }

    pub fn title(&self) -> String {
        self.string("title")
    }

    /// The serialized DOM (not the bytes the server sent).
    pub fn source(&self) -> String {
        self.string("source")
    }

    /// History back, waiting for the load.
    pub fn back(&self) {
        self.post("back", json!({}));
    }

    pub fn refresh(&self) {
        self.post("refresh", json!({}));
    }

    fn try_find(&self, css: &str) -> Result<Element<'_>, WdError> {
        let found = self.try_cmd(
            Method::POST,
            "element",
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        Ok(Element::from_json(self, &found))
    }

    /// The first element matching `css`, waiting up to 5 s for it to appear.
    pub fn find(&self, css: &str) -> Element<'_> {
        let deadline = Instant::now() + FIND_TIMEOUT;
        let mut delay = Duration::from_millis(10);
        loop {
            match self.try_find(css) {
                Ok(element) => return element,
                Err(e) if e.code() == "no such element" && Instant::now() < deadline => {
                    backoff(&mut delay);
                }
                Err(e) if e.code() == "no such element" => panic!(
                    "no element matches `{css}` after {FIND_TIMEOUT:?} on {}\n{e}",
                    self.current_url()
                ),
                Err(e) => panic!("finding `{css}`: {e}"),
            }
        }
    }

    /// All elements matching `css` now (no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let found = self.post("elements", json!({ "using": "css selector", "value": css }));
        found
            .as_array()
            .unwrap_or_else(|| panic!("find_all `{css}`: expected an array, got {found}"))
            .iter()
            .map(|v| Element::from_json(self, v))
            .collect()
    }

    /// Whether an element matches `css` now (no waiting).
    pub fn exists(&self, css: &str) -> bool {
        !self.find_all(css).is_empty()
    }

    /// Finds `css`, clears it and types `value`.
    pub fn fill(&self, css: &str, value: &str) {
        let element = self.find(css);
        element.clear();
        element.send_keys(value);
    }

    /// Finds `css` and clicks it.
    pub fn click(&self, css: &str) {
        self.find(css).click();
    }

    /// Clicks `css_button` and waits (10 s) until a new document has loaded: a marker set
    /// on `window` before the click must be gone and `document.readyState` complete.
    pub fn submit_and_wait(&self, css_button: &str) {
        self.execute("window.__wd_marker = 1;", vec![]);
        self.click(css_button);
        let deadline = Instant::now() + WAIT_TIMEOUT;
        let mut delay = Duration::from_millis(10);
        let probe = json!({
            "script": "return window.__wd_marker === undefined && document.readyState === 'complete';",
            "args": [],
        });
        loop {
            // Errors while the old document goes away are expected: keep polling.
            let last = self.try_cmd(Method::POST, "execute/sync", Some(probe.clone()));
            if matches!(last, Ok(Value::Bool(true))) {
                return;
            }
            if Instant::now() >= deadline {
                let last = match last {
                    Ok(v) => format!("new document loaded = {v}"),
                    Err(e) => e.to_string(),
                };
                panic!(
                    "clicking `{css_button}` did not load a new page within {WAIT_TIMEOUT:?} \
                     (still at {}); last probe: {last}",
                    self.current_url()
                );
            }
            backoff(&mut delay);
        }
    }

    /// Runs `script` as a function body (`return ...` gives the result) with `args` as
    /// `arguments`; pass elements with [`Element::json`].
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.post("execute/sync", json!({ "script": script, "args": args }))
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot_png(&self) -> Vec<u8> {
        let b64 = self.get("screenshot");
        let b64 = b64
            .as_str()
            .unwrap_or_else(|| panic!("screenshot: expected base64 text, got {b64}"));
        decode_base64(b64)
    }

    /// Writes a PNG screenshot to `path`, creating its directory.
    pub fn save_screenshot(&self, path: &Path) {
        let png = self.screenshot_png();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
        }
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("writing screenshot {}: {e}", path.display()));
    }

    /// The cookies visible to the current page, HttpOnly ones included (W3C cookie
    /// objects: `name`, `value`, `path`, `domain`, `secure`, `httpOnly`, `sameSite`, ...).
    pub fn cookies(&self) -> Vec<Value> {
        let all = self.get("cookie");
        all.as_array()
            .unwrap_or_else(|| panic!("cookies: expected an array, got {all}"))
            .clone()
    }

    /// The cookie called `name` visible to the current page, if any.
    pub fn cookie(&self, name: &str) -> Option<Value> {
        self.cookies().into_iter().find(|c| c["name"] == name)
    }

    /// Deletes the cookies visible to the current page.
    pub fn delete_cookies(&self) {
        self.cmd(Method::DELETE, "cookie", None);
    }

    /// Polls `f` until it returns true; panics after 10 s naming `what`.
    pub fn wait_for(&self, what: &str, f: impl Fn(&Browser) -> bool) {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        let mut delay = Duration::from_millis(10);
        while !f(self) {
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {WAIT_TIMEOUT:?} waiting for {what} (at {})",
                    self.current_url()
                );
            }
            backoff(&mut delay);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closes Chromium; never panic here (we may be unwinding from a failed test).
        let _ = self.try_cmd(Method::DELETE, "", None);
    }
}

/// An element of the current page of a [`Browser`].
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

impl<'a> Element<'a> {
    fn from_json(browser: &'a Browser, v: &Value) -> Element<'a> {
        let id = v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("not a W3C element reference: {v}"))
            .to_string();
        Element { browser, id }
    }

    /// The reference to pass this element in [`Browser::execute`] arguments.
    pub fn json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    fn path(&self, what: &str) -> String {
        format!("element/{}/{what}", self.id)
    }

    /// The rendered text (`innerText`-like: hidden text excluded).
    pub fn text(&self) -> String {
        self.browser.string(&self.path("text"))
    }

    /// The HTML attribute `name` (`None` if absent). W3C semantics: `attr("value")` of an
    /// input stays the markup's value after typing; use [`Element::property`] for that.
    pub fn attr(&self, name: &str) -> Option<String> {
        match self.browser.get(&self.path(&format!("attribute/{name}"))) {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        }
    }

    /// The DOM property `name` (e.g. `value`, `checked`), `Null` if undefined.
    pub fn property(&self, name: &str) -> Value {
        self.browser.get(&self.path(&format!("property/{name}")))
    }

    /// Types `text` into the element (focusing it first).
    pub fn send_keys(&self, text: &str) {
        self.browser
            .post(&self.path("value"), json!({ "text": text }));
    }

    pub fn clear(&self) {
        self.browser.post(&self.path("clear"), json!({}));
    }

    pub fn click(&self) {
        self.browser.post(&self.path("click"), json!({}));
    }

    pub fn inner_html(&self) -> String {
        let html = self
            .browser
            .execute("return arguments[0].innerHTML;", vec![self.json()]);
        html.as_str()
            .unwrap_or_else(|| panic!("innerHTML: expected a string, got {html}"))
            .to_string()
    }
}

/// Standard base64 (screenshots); padding and line breaks are skipped.
fn decode_base64(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let sextet = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' => continue,
            _ => panic!("invalid byte {c:#04x} in base64 screenshot"),
        };
        acc = (acc << 6 | u32::from(sextet)) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
