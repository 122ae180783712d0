//! The local daemon's files and process: data dir resolution, `wtd.pid`, `wtd.log`, the
//! `wtd` binary lookup, liveness and health checks. Shared by start/stop/status.

use crate::CliError;
use crate::client::ApiClient;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default `--listen` address (the daemon's own default).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8470";
/// Pause between two polls (start-up health, shutdown).
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long `start` waits for `/healthz` and `stop` waits for the process to exit.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Lines of `wtd.log` shown when start-up fails.
pub const LOG_TAIL_LINES: usize = 20;

/// Flags shared by the daemon subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct DataDirArg {
    /// Data directory [default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower]
    #[arg(long, env = "WT_DATA_DIR", hide_env_values = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// `--listen`, shared by start and status.
#[derive(Debug, Clone, clap::Args)]
pub struct ListenArg {
    /// Address wtd listens on; the health-check URL is derived from it
    #[arg(
        long,
        env = "WT_LISTEN",
        hide_env_values = true,
        value_name = "ADDR",
        default_value = DEFAULT_LISTEN
    )]
    pub listen: SocketAddr,
}

/// Resolves the data directory from the flag (or WT_DATA_DIR, via clap), then
/// `$XDG_DATA_HOME/watchtower`, then `$HOME/.local/share/watchtower`.
pub fn resolve_data_dir(
    flag: Option<PathBuf>,
    xdg_data_home: Option<PathBuf>,
    home: Option<PathBuf>,
) -> Result<PathBuf, CliError> {
    if let Some(dir) = flag.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(dir);
    }
    if let Some(xdg) = xdg_data_home.filter(|d| d.is_absolute()) {
        return Ok(xdg.join("watchtower"));
    }
    if let Some(home) = home.filter(|d| d.is_absolute()) {
        return Ok(home.join(".local/share/watchtower"));
    }
    Err(CliError::Usage(
        "cannot find a data directory: pass --data-dir or set WT_DATA_DIR (HOME is not set)".into(),
    ))
}

/// [`resolve_data_dir`] with the real environment, made absolute when it exists.
pub fn data_dir_from_env(flag: Option<PathBuf>) -> Result<PathBuf, CliError> {
    let dir = resolve_data_dir(
        flag,
        std::env::var_os("XDG_DATA_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
    )?;
    Ok(std::fs::canonicalize(&dir).unwrap_or(dir))
}

/// The URL to poll for a daemon listening on `listen`: a wildcard address is reached
/// through loopback.
pub fn url_for_listen(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, listen.port()))
}

/// Which `wtd` to run: `WT_WTD_BIN`, else `wtd` next to the running `wt`, else `wtd`
/// from PATH.
pub fn wtd_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("WT_WTD_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        let sibling = dir.join("wtd");
        if sibling.is_file() {
            return sibling;
        }
    }
    PathBuf::from("wtd")
}

/// The files of one local daemon.
#[derive(Debug, Clone)]
pub struct LocalDaemon {
    pub data_dir: PathBuf,
    pub pid_file: PathBuf,
    pub log_file: PathBuf,
}

impl LocalDaemon {
    pub fn new(data_dir: PathBuf) -> Self {
        LocalDaemon {
            pid_file: data_dir.join("wtd.pid"),
            log_file: data_dir.join("wtd.log"),
            data_dir,
        }
    }

    /// The pid recorded in `wtd.pid`, if any.
    pub fn read_pid(&self) -> Result<Option<u32>, CliError> {
        match std::fs::read_to_string(&self.pid_file) {
            Ok(s) => s.trim().parse::<u32>().map(Some).map_err(|_| {
                CliError::Daemon(format!(
                    "{} does not contain a pid; remove it if no wtd is running",
                    self.pid_file.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CliError::io(
                format!("reading {}", self.pid_file.display()),
                e,
            )),
        }
    }

    /// Records the daemon's pid.
    pub fn write_pid(&self, pid: u32) -> Result<(), CliError> {
        std::fs::write(&self.pid_file, format!("{pid}\n"))
            .map_err(|e| CliError::io(format!("writing {}", self.pid_file.display()), e))
    }

    /// Removes `wtd.pid` (missing is fine).
    pub fn remove_pid(&self) -> Result<(), CliError> {
        match std::fs::remove_file(&self.pid_file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CliError::io(
                format!("removing {}", self.pid_file.display()),
                e,
            )),
        }
    }

    /// The pid of a live daemon for this data dir: recorded, alive, and (where /proc
    /// tells) a process started with this data dir, so a recycled pid is not mistaken
    /// for our daemon.
    pub fn running_pid(&self) -> Result<Option<u32>, CliError> {
        Ok(self
            .read_pid()?
            .filter(|&pid| process_alive(pid) && is_our_daemon(pid, &self.data_dir)))
    }

    /// Current size of the log, to show only what a new run appended.
    pub fn log_len(&self) -> u64 {
        std::fs::metadata(&self.log_file).map_or(0, |m| m.len())
    }

    /// The last `n` lines of the log written after byte `from`.
    pub fn log_tail(&self, from: u64, n: usize) -> String {
        let Ok(bytes) = std::fs::read(&self.log_file) else {
            return String::new();
        };
        let start = usize::try_from(from).unwrap_or(0).min(bytes.len());
        let text = String::from_utf8_lossy(&bytes[start..]);
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

/// True when `pid` is a live (non-zombie) process.
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the last ')' (the command name may contain spaces).
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) if Path::new("/proc/self").exists() => false,
        // No procfs: ask kill(1).
        Err(_) => std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
    }
}

/// Whether the process' command line mentions `data_dir` (true when unknowable).
fn is_our_daemon(pid: u32, data_dir: &Path) -> bool {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => {
            let needle = data_dir.as_os_str().as_encoded_bytes();
            cmdline.split(|b| *b == 0).any(|arg| arg == needle)
        }
        Err(_) => true,
    }
}

/// Sends SIGTERM through kill(1) (no `unsafe` libc calls in this workspace).
pub fn terminate(pid: u32) -> Result<(), CliError> {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .map_err(|e| CliError::io("running kill(1)", e))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::Daemon(format!(
            "kill -TERM {pid} failed ({status})"
        )))
    }
}

/// One `/healthz` probe with short timeouts: true on 200.
pub async fn healthy(url: &str) -> bool {
    match ApiClient::with_timeouts(url, Duration::from_millis(500), Duration::from_secs(1)) {
        Ok(client) => client.healthz().await.unwrap_or(false),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_prefers_flag_then_xdg_then_home() {
        let p = |s: &str| Some(PathBuf::from(s));
        let r = |f, x, h| resolve_data_dir(f, x, h).ok();
        assert_eq!(r(p("/d"), p("/x"), p("/h")), p("/d"));
        assert_eq!(r(None, p("/x"), p("/h")), p("/x/watchtower"));
        assert_eq!(r(None, None, p("/h")), p("/h/.local/share/watchtower"));
        assert_eq!(
            r(None, p("relative"), p("/h")),
            p("/h/.local/share/watchtower")
        );
        assert!(resolve_data_dir(None, None, None).is_err());
    }

    #[test]
    fn health_url_is_derived_from_listen_with_wildcards_on_loopback() {
        let u = |s: &str| url_for_listen(s.parse().unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(u("127.0.0.1:8470"), "http://127.0.0.1:8470");
        assert_eq!(u("0.0.0.0:9000"), "http://127.0.0.1:9000");
        assert_eq!(u("[::]:9000"), "http://[::1]:9000");
        assert_eq!(u("[::1]:1"), "http://[::1]:1");
    }

    #[test]
    fn own_process_is_alive_and_a_huge_pid_is_not() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(u32::MAX - 1));
    }

    #[test]
    fn pid_file_round_trip_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = LocalDaemon::new(dir.path().to_path_buf());
        assert_eq!(d.read_pid().ok().flatten(), None);
        d.write_pid(42).ok();
        assert_eq!(d.read_pid().ok().flatten(), Some(42));
        std::fs::write(&d.pid_file, "nope").ok();
        assert!(d.read_pid().is_err());
        d.remove_pid().ok();
        assert!(!d.pid_file.exists());
    }
}
