//! The harness: a real `wtd` in a temp data dir on a free port, the real `wt` pointed at
//! it, and a raw HTTP client.
//!
//! Binaries come from `WT_BIN_DIR` when set, else from the cargo target directory this
//! test binary was built into (`scripts/test.sh` builds them first).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const PASSWORD: &str = "correct horse battery staple 42";
pub const OWNER: &str = "owner@acme.test";

/// Path of a workspace binary.
pub fn bin(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("WT_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/e2e-<hash> -> target/debug
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (scripts/test.sh does)",
        p.display()
    );
    p
}

/// A running daemon; killed and its directory removed on drop.
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub base: String,
    pub setup_token: String,
    child: Option<Child>,
    extra_args: Vec<String>,
}

impl Daemon {
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `wtd init` + `wtd serve --listen 127.0.0.1:0`.
    pub fn start() -> Daemon {
        Self::start_with(&[])
    }

    pub fn start_with(extra_args: &[&str]) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let out = Command::new(bin("wtd"))
            .args([
                "init",
                "--org",
                "Acme",
                "--owner-email",
                OWNER,
                "--data-dir",
            ])
            .arg(&data)
            .output()
            .expect("run wtd init");
        assert!(
            out.status.success(),
            "wtd init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let setup_token = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            setup_token.starts_with("wtsetup_"),
            "stdout is the token alone: {setup_token:?}"
        );
        let mut d = Daemon {
            dir,
            base: String::new(),
            setup_token,
            child: None,
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
        };
        d.serve();
        d
    }

    /// Starts (or restarts) `wtd serve` on a free port and waits for its "listening" line.
    pub fn serve(&mut self) {
        self.serve_on("127.0.0.1:0");
    }

    /// Starts `wtd serve` on `listen` and waits for its "listening" line.
    pub fn serve_on(&mut self, listen: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("wtd.log"))
            .expect("log file");
        let mut child = Command::new(bin("wtd"))
            .arg("serve")
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["--listen", listen])
            .args(&self.extra_args)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn wtd serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let url = line
            .trim()
            .strip_prefix("wtd listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}; log: {}", self.log()));
        self.base = url.to_string();
        self.child = Some(child);
    }

    /// The daemon's resident memory in KiB (Linux `/proc`), if it runs.
    pub fn rss_kib(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("wtd.log")).unwrap_or_default()
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill_hard(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a clean exit; returns the exit status.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        c.wait().ok()
    }

    /// The real `wt`, pointed at this daemon, with no token from the environment.
    pub fn wt(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::new(bin("wt"));
        c.env("WT_SERVER", &self.base)
            .env_remove("WT_TOKEN")
            .env("NO_COLOR", "1")
            .timeout(Duration::from_secs(60));
        c
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Claims the owner account over HTTP.
    pub fn setup(&self) {
        let r = http()
            .post(self.url("/api/v1/setup"))
            .json(&serde_json::json!({"token": self.setup_token, "name": "Owner", "password": PASSWORD}))
            .send()
            .expect("setup");
        assert_eq!(r.status().as_u16(), 201, "{:?}", r.text());
    }

    /// Logs in over HTTP as a CLI client and returns the bearer token.
    pub fn login_token(&self) -> String {
        let r = http()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": OWNER, "password": PASSWORD, "client": "cli"}))
            .send()
            .expect("login");
        assert_eq!(r.status().as_u16(), 200);
        r.json::<Value>().expect("json")["token"]
            .as_str()
            .expect("token")
            .to_string()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// A blocking HTTP client with no cookie store and no redirects.
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Runs a `wt` command with `stdin` and returns (status code, stdout, stderr).
pub fn run(mut cmd: assert_cmd::Command, stdin: &str) -> (i32, String, String) {
    let out = cmd.write_stdin(stdin.to_string()).output().expect("run wt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
