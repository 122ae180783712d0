//! The browser side of the end-to-end tests: Debian's headless Chromium (`chromium`)
//! through chromedriver (`chromium-driver`), driven with the `fantoccini` WebDriver client.
//!
//! What is ours: [`Browser::start`] spawns chromedriver on a free loopback port and opens a
//! session with a fresh profile in a temp directory; dropping the [`Browser`] ends the
//! session, kills chromedriver and removes the directory. The tests are plain `#[test]`s
//! beside a blocking harness, so [`Browser`] runs fantoccini on a runtime of its own and
//! offers blocking calls that panic with the WebDriver error, plus the waits the tests need
//! (an element to appear, a form post to load a new page).
//!
//! Commands fantoccini has no method for (the WebAuthn virtual authenticator of passkey
//! tests: `POST /session/{id}/webauthn/authenticator`, `.../credential`, ...) go through
//! [`Browser::session_cmd`]: a [`SessionCommand`] is a `WebDriverCompatibleCommand`, which
//! `fantoccini::Client::issue_cmd` sends as it is. [`Browser::cookies`] already uses it;
//! chromedriver's authenticator is added with `b.session_cmd(Method::POST,
//! "webauthn/authenticator", Some(json!({"protocol": "ctap2", "transport": "internal",
//! "hasResidentKey": true, "hasUserVerification": true, "isUserVerified": true})))`, which
//! answers the authenticator's id.
//!
//! Paths: `WT_CHROMIUM` and `WT_CHROMEDRIVER` override `/usr/bin/chromium` and
//! `/usr/bin/chromedriver`. Tests start with `if !webdriver::require_browser() { return; }`:
//! without a browser they print `SKIPPED: ...` and pass, unless `WT_REQUIRE_BROWSER=1`
//! (set in CI, which installs Chromium) turns the missing browser into a failure.
//!
//! Accessibility: [`Browser::axe_violations`] runs axe-core (Deque's engine, the npm
//! package `axe-core`) on the current page. The script is read from `WT_AXE_JS`, else
//! from the global npm locations; `.ci/run` installs it with npm and sets `WT_AXE_JS`.
//! Tests check [`require_axe`] like [`require_browser`]: without the script they skip the
//! check with `SKIPPED: ...`, unless `WT_REQUIRE_BROWSER=1` makes that a failure.
//!
//! Chromium runs with `--no-sandbox` (tests run as root in containers, where the sandbox
//! cannot start) and `--disable-dev-shm-usage` (containers have a tiny `/dev/shm`).
//! `acceptInsecureCerts` is on, so a daemon serving a self-signed certificate works.

// A helper API: not every test uses every method.
#![allow(dead_code)]

use fantoccini::elements::Element as WdElement;
use fantoccini::error::{CmdError, NewSessionError};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long chromedriver gets to start and open a session.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long [`Browser::find`] waits for an element to appear.
const FIND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long [`Browser::wait_for`] and [`Browser::submit_and_wait`] wait.
const WAIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between two checks of a wait.
const POLL: Duration = Duration::from_millis(50);

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

/// Where axe-core's `axe.min.js` is: `WT_AXE_JS`, else the first global npm install found.
pub fn axe_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WT_AXE_JS") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/lib/node_modules/axe-core/axe.min.js",
        "/usr/local/lib/node_modules/axe-core/axe.min.js",
        "/usr/share/nodejs/axe-core/axe.min.js",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

/// axe-core's script, if installed. Otherwise panics if `WT_REQUIRE_BROWSER=1`, else
/// prints `SKIPPED: ...` and returns `None` so the caller can leave the check out.
pub fn require_axe() -> Option<String> {
    let found = axe_path().and_then(|p| std::fs::read_to_string(p).ok());
    if found.is_none() {
        let why = "the accessibility check needs axe-core's axe.min.js \
                   (npm install axe-core, then set WT_AXE_JS to its axe.min.js)";
        if std::env::var("WT_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("WT_REQUIRE_BROWSER=1 but {why}");
        }
        eprintln!("SKIPPED: {why}");
    }
    found
}

/// A command under the session, `path` relative to `/session/{id}` (e.g. `cookie`,
/// `webauthn/authenticator`), for [`Browser::session_cmd`].
#[derive(Debug)]
pub struct SessionCommand {
    pub method: http::Method,
    pub path: String,
    pub body: Option<Value>,
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/{}",
            session.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
    }
}

/// A chromedriver process; killed and reaped on drop.
struct Driver {
    child: Child,
    log: PathBuf,
}

impl Driver {
    fn spawn(port: u16, log: &Path) -> Driver {
        let exe = chromedriver_path();
        let child = Command::new(&exe)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .arg("--enable-chrome-logs")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {}: {e}", exe.display()));
        Driver {
            child,
            log: log.to_path_buf(),
        }
    }

    /// The last lines of chromedriver's log, which carries Chromium's stderr, for panic
    /// messages (the log goes with the temp directory).
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
    client: Client,
    rt: tokio::runtime::Runtime,
    // Dropped in this order after `Drop::drop` closed the session: chromedriver is
    // killed, then the profile directory (and chromedriver's log) is removed.
    driver: Driver,
    _dir: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a fresh profile. A port
    /// taken between probing and chromedriver binding it makes chromedriver exit: retried.
    pub fn start() -> Browser {
        assert!(
            browser_available(),
            "Browser::start without a browser: call webdriver::require_browser() first"
        );
        let dir = tempfile::Builder::new()
            .prefix("wt-webdriver-")
            .tempdir()
            .expect("creating a temp dir for the Chromium profile");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the WebDriver client");
        let caps = json!({
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
                    format!("--user-data-dir={}", dir.path().join("profile").display()),
                ],
            },
        });
        let Value::Object(caps) = caps else {
            unreachable!("capabilities are an object")
        };
        let log = dir.path().join("chromedriver.log");
        for attempt in 1.. {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("probing a free port for chromedriver")
                .port();
            let mut driver = Driver::spawn(port, &log);
            let url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + DRIVER_START_TIMEOUT;
            loop {
                if let Ok(Some(exit)) = driver.child.try_wait() {
                    assert!(
                        attempt < 3,
                        "chromedriver exited before becoming ready ({exit})\n{}",
                        driver.log_tail()
                    );
                    eprintln!("chromedriver on port {port} exited early ({exit}); retrying");
                    break;
                }
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                let opened = rt.block_on(
                    ClientBuilder::new(connector)
                        .capabilities(caps.clone())
                        .connect(&url),
                );
                match opened {
                    Ok(client) => {
                        return Browser {
                            client,
                            rt,
                            driver,
                            _dir: dir,
                        };
                    }
                    // Not listening yet.
                    Err(NewSessionError::Failed(_) | NewSessionError::FailedC(_))
                        if Instant::now() < deadline =>
                    {
                        std::thread::sleep(POLL);
                    }
                    Err(e) => panic!(
                        "creating a Chromium session at {url}: {e}\n{}",
                        driver.log_tail()
                    ),
                }
            }
        }
        unreachable!("the attempts end in a return or a panic")
    }

    /// Runs a WebDriver call to its end; a failure panics naming `what` and the error.
    fn run<T>(&self, what: &str, call: impl Future<Output = Result<T, CmdError>>) -> T {
        self.rt
            .block_on(call)
            .unwrap_or_else(|e| panic!("WebDriver {what} failed: {e}"))
    }

    /// Sends a command fantoccini has no method for (see [`SessionCommand`]) and returns
    /// the answer's `value`.
    pub fn session_cmd(&self, method: http::Method, path: &str, body: Option<Value>) -> Value {
        let cmd = SessionCommand {
            method,
            path: path.to_string(),
            body,
        };
        self.run(path, self.client.issue_cmd(cmd))
    }

    /// Navigates to `url` and waits for the page load (WebDriver's normal strategy).
    pub fn goto(&self, url: &str) {
        self.run("goto", self.client.goto(url));
    }

    pub fn current_url(&self) -> String {
        self.run("current url", self.client.current_url()).into()
    }

    pub fn title(&self) -> String {
        self.run("title", self.client.title())
    }

    /// The serialized DOM (not the bytes the server sent).
    pub fn source(&self) -> String {
        self.run("source", self.client.source())
    }

    /// History back, waiting for the load.
    pub fn back(&self) {
        self.run("back", self.client.back());
    }

    pub fn refresh(&self) {
        self.run("refresh", self.client.refresh());
    }

    /// The first element matching `css`, waiting up to 5 s for it to appear.
    pub fn find(&self, css: &str) -> Element<'_> {
        let wait = self
            .client
            .wait()
            .at_most(FIND_TIMEOUT)
            .every(POLL)
            .for_element(Locator::Css(css));
        match self.rt.block_on(wait) {
            Ok(element) => Element {
                browser: self,
                element,
            },
            Err(CmdError::WaitTimeout) => panic!(
                "no element matches `{css}` after {FIND_TIMEOUT:?} on {}",
                self.current_url()
            ),
            Err(e) => panic!("finding `{css}`: {e}"),
        }
    }

    /// All elements matching `css` now (no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        self.run(css, self.client.find_all(Locator::Css(css)))
            .into_iter()
            .map(|element| Element {
                browser: self,
                element,
            })
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
        let probe =
            "return window.__wd_marker === undefined && document.readyState === 'complete';";
        let deadline = Instant::now() + WAIT_TIMEOUT;
        loop {
            // Errors while the old document goes away are expected: keep polling.
            let last = self.rt.block_on(self.client.execute(probe, vec![]));
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
            std::thread::sleep(POLL);
        }
    }

    /// Runs `script` as a function body (`return ...` gives the result) with `args` as
    /// `arguments`.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.run("execute", self.client.execute(script, args))
    }

    /// Runs `script` as an asynchronous function body: it ends by calling the callback
    /// that is its last argument with the result.
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.run("execute async", self.client.execute_async(script, args))
    }

    /// The axe-core violations of impact `serious` or `critical` on the current page
    /// (`axe` is the script from [`require_axe`], injected into the page each call, since
    /// every page load drops it): each as `id: help (nodes' targets)`.
    pub fn axe_violations(&self, axe: &str) -> Vec<String> {
        // WebDriver's script runs outside the page's Content-Security-Policy, which
        // forbids inline script to the page itself.
        self.execute(&format!("{axe}\n;return typeof axe;"), vec![]);
        let found = self.execute_async(
            "var done = arguments[arguments.length - 1];\
             axe.run(document, {resultTypes: ['violations']})\
               .then(function (r) { done({ok: r.violations}); })\
               .catch(function (e) { done({error: String(e)}); });",
            vec![],
        );
        let Some(violations) = found["ok"].as_array() else {
            panic!("axe-core did not run on {}: {found}", self.current_url());
        };
        violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| {
                let targets: Vec<String> = v["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|n| n["target"].to_string())
                    .collect();
                format!(
                    "{}: {} ({})",
                    v["id"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or("?"),
                    targets.join(", ")
                )
            })
            .collect()
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot_png(&self) -> Vec<u8> {
        self.run("screenshot", self.client.screenshot())
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

    /// The cookies visible to the current page, HttpOnly ones included, as the W3C cookie
    /// objects (`name`, `value`, `path`, `domain`, `secure`, `httpOnly`, `sameSite`, ...).
    pub fn cookies(&self) -> Vec<Value> {
        match self.session_cmd(http::Method::GET, "cookie", None) {
            Value::Array(all) => all,
            other => panic!("cookies: expected an array, got {other}"),
        }
    }

    /// The cookie called `name` visible to the current page, if any.
    pub fn cookie(&self, name: &str) -> Option<Value> {
        self.cookies().into_iter().find(|c| c["name"] == name)
    }

    /// Deletes the cookies visible to the current page.
    pub fn delete_cookies(&self) {
        self.run("delete cookies", self.client.delete_all_cookies());
    }

    /// Polls `f` until it returns true; panics after 10 s naming `what`.
    pub fn wait_for(&self, what: &str, f: impl Fn(&Browser) -> bool) {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        while !f(self) {
            assert!(
                Instant::now() < deadline,
                "timed out after {WAIT_TIMEOUT:?} waiting for {what} (at {})",
                self.current_url()
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closes Chromium; never panic here (we may be unwinding from a failed test).
        let _ = self.rt.block_on(self.client.clone().close());
    }
}

/// An element of the current page of a [`Browser`].
pub struct Element<'a> {
    browser: &'a Browser,
    element: WdElement,
}

impl Element<'_> {
    /// The rendered text (`innerText`-like: hidden text excluded).
    pub fn text(&self) -> String {
        self.browser.run("element text", self.element.text())
    }

    /// The HTML attribute `name` (`None` if absent). W3C semantics: `attr("value")` of an
    /// input stays the markup's value after typing; use [`Element::property`] for that.
    pub fn attr(&self, name: &str) -> Option<String> {
        self.browser.run(name, self.element.attr(name))
    }

    /// The DOM property `name` (e.g. `value`, `checked`) as text, `None` if undefined.
    pub fn property(&self, name: &str) -> Option<String> {
        self.browser.run(name, self.element.prop(name))
    }

    /// Types `text` into the element (focusing it first).
    pub fn send_keys(&self, text: &str) {
        self.browser.run("send keys", self.element.send_keys(text));
    }

    pub fn clear(&self) {
        self.browser.run("clear", self.element.clear());
    }

    pub fn click(&self) {
        self.browser.run("click", self.element.click());
    }

    pub fn inner_html(&self) -> String {
        self.browser.run("innerHTML", self.element.html(true))
    }
}
