//! `wt daemon start`: spawn `wtd serve` detached and wait until `/healthz` answers.

use super::local::{
    self, DataDirArg, LOG_TAIL_LINES, ListenArg, LocalDaemon, POLL_INTERVAL, WAIT_TIMEOUT,
};
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use tokio::time::Instant;

pub const ABOUT: &str = "Start a local wtd in the background";
pub const LONG_ABOUT: &str = "\
Start `wtd serve --data-dir DIR --listen ADDR` in the background (its own process group,
stdin closed, stdout and stderr appended to DIR/wtd.log, pid written to DIR/wtd.pid), then
wait up to 10 s until GET http://ADDR/healthz answers 200. Fails, showing the last lines of
the log, if wtd exits or does not become healthy in time (it is then stopped). Refuses to
start when the pid file names a live wtd, or when something already answers on ADDR.

Examples:
  wt daemon start
  wt daemon start --data-dir /srv/watchtower --listen 127.0.0.1:9470";

/// `wt daemon start` options.
#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub listen: ListenArg,
}

/// What `wt daemon start --output json` prints.
#[derive(Debug, Serialize)]
pub struct Started {
    pub pid: u32,
    pub url: String,
    pub data_dir: String,
    pub log_file: String,
}

/// Starts the daemon.
pub async fn run(args: StartArgs, ctx: &Ctx) -> Result<(), CliError> {
    let dir = local::data_dir_from_env(args.data_dir.data_dir)?;
    let started = start_daemon(&local::wtd_binary(), dir, args.listen.listen).await?;
    ctx.io.emit(ctx.output, &started, |io| {
        io.key_value_table(&[
            ("Started", format!("wtd (pid {})", started.pid)),
            ("URL", started.url.clone()),
            ("Data dir", started.data_dir.clone()),
            ("Log", started.log_file.clone()),
        ])
    })
}

/// Spawns `bin serve --data-dir DIR --listen ADDR` and waits for health.
pub async fn start_daemon(
    bin: &Path,
    dir: std::path::PathBuf,
    listen: SocketAddr,
) -> Result<Started, CliError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| CliError::io(format!("creating {}", dir.display()), e))?;
    let dir = std::fs::canonicalize(&dir)
        .map_err(|e| CliError::io(format!("resolving {}", dir.display()), e))?;
    let daemon = LocalDaemon::new(dir);
    let url = local::url_for_listen(listen);

    if let Some(pid) = daemon.running_pid()? {
        return Err(CliError::Daemon(format!(
            "wtd is already running for {} (pid {pid}); use `wt daemon stop` first",
            daemon.data_dir.display()
        )));
    }
    daemon.remove_pid()?; // stale
    if local::healthy(&url).await {
        return Err(CliError::Daemon(format!(
            "something already answers at {url} (a wtd not started by `wt daemon` for this data dir?); choose another --listen"
        )));
    }

    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&daemon.log_file)
        .map_err(|e| CliError::io(format!("opening {}", daemon.log_file.display()), e))?;
    let log_start = daemon.log_len();
    let _ = writeln!(
        log,
        "--- wt daemon start: {} serve --data-dir {} --listen {listen} ---",
        bin.display(),
        daemon.data_dir.display()
    );
    let log_err = log
        .try_clone()
        .map_err(|e| CliError::io(format!("opening {}", daemon.log_file.display()), e))?;

    let mut child = Command::new(bin)
        .arg("serve")
        .arg("--data-dir")
        .arg(&daemon.data_dir)
        .arg("--listen")
        .arg(listen.to_string())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // Own process group: Ctrl-C in this shell does not reach the daemon.
        .process_group(0)
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                CliError::Daemon(format!(
                    "cannot find `{}`: install wtd next to wt or on PATH, or set WT_WTD_BIN",
                    bin.display()
                ))
            } else {
                CliError::io(format!("starting {}", bin.display()), e)
            }
        })?;
    let pid = child.id();
    daemon.write_pid(pid)?;

    let deadline = Instant::now() + WAIT_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            daemon.remove_pid()?;
            return Err(CliError::Daemon(format!(
                "wtd exited during start-up ({status}); last lines of {}:\n{}",
                daemon.log_file.display(),
                daemon.log_tail(log_start, LOG_TAIL_LINES)
            )));
        }
        if local::healthy(&url).await {
            break;
        }
        if Instant::now() >= deadline {
            let _ = local::terminate(pid);
            let _ = child.wait();
            daemon.remove_pid()?;
            return Err(CliError::Daemon(format!(
                "wtd did not answer {url}/healthz within {} s and was stopped; last lines of {}:\n{}",
                WAIT_TIMEOUT.as_secs(),
                daemon.log_file.display(),
                daemon.log_tail(log_start, LOG_TAIL_LINES)
            )));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    Ok(Started {
        pid,
        url,
        data_dir: daemon.data_dir.display().to_string(),
        log_file: daemon.log_file.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command as Cmd;
    use crate::cmd::daemon::DaemonCommand;
    use crate::parse_from;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn daemon_start_parses_data_dir_and_listen() {
        let cli = parse_from([
            "wt",
            "daemon",
            "start",
            "--data-dir",
            "/tmp/wt",
            "--listen",
            "127.0.0.1:9999",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        match cli.command {
            Cmd::Daemon(DaemonCommand::Start(a)) => {
                assert_eq!(a.data_dir.data_dir.as_deref(), Some(Path::new("/tmp/wt")));
                assert_eq!(a.listen.listen.to_string(), "127.0.0.1:9999");
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn daemon_start_listen_defaults_to_8470() {
        let cli = parse_from(["wt", "daemon", "start"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            Cmd::Daemon(DaemonCommand::Start(a)) => {
                assert_eq!(a.listen.listen.to_string(), "127.0.0.1:8470")
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    fn script(dir: &Path, body: &str) -> std::path::PathBuf {
        let path = dir.join("fake-wtd");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        path
    }

    #[tokio::test]
    async fn start_fails_with_the_log_tail_when_wtd_dies() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let bin = script(tmp.path(), "echo \"boom: args=$*\" >&2; exit 3");
        let data = tmp.path().join("data");
        let err = start_daemon(
            &bin,
            data.clone(),
            "127.0.0.1:1".parse().unwrap_or_else(|e| panic!("{e}")),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("exited during start-up"), "{err}");
        let data = std::fs::canonicalize(&data).unwrap_or(data);
        assert!(
            err.contains(&format!(
                "boom: args=serve --data-dir {} --listen 127.0.0.1:1",
                data.display()
            )),
            "{err}"
        );
        assert!(!data.join("wtd.pid").exists());
    }

    #[tokio::test]
    async fn start_names_the_remedy_when_wtd_is_missing() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let err = start_daemon(
            &tmp.path().join("no-such-wtd"),
            tmp.path().join("data"),
            "127.0.0.1:1".parse().unwrap_or_else(|e| panic!("{e}")),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("WT_WTD_BIN"), "{err}");
    }

    /// Full cycle with a stand-in daemon (python's http.server serving a `healthz` file).
    #[tokio::test]
    async fn start_status_stop_cycle_with_a_stand_in_daemon() {
        if std::process::Command::new("python3")
            .arg("--version")
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            println!("SKIPPED: python3 not available");
            return;
        }
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let bin = script(
            tmp.path(),
            "echo ok > \"$3/healthz\" && exec python3 -m http.server --bind 127.0.0.1 --directory \"$3\" \"${5##*:}\"",
        );
        let listen: SocketAddr = format!("127.0.0.1:{port}")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let data = tmp.path().join("data");
        let started = start_daemon(&bin, data.clone(), listen).await;
        let started = started.map_err(|e| e.to_string()).unwrap();
        let daemon = LocalDaemon::new(std::fs::canonicalize(&data).unwrap_or(data.clone()));
        assert_eq!(daemon.running_pid().ok().flatten(), Some(started.pid));

        // A second start refuses.
        let again = start_daemon(&bin, data.clone(), listen).await;
        assert!(
            again
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("already running")
        );

        let stopped = super::super::stop::stop_daemon(&daemon).await;
        assert!(
            matches!(stopped, Ok(Some(pid)) if pid == started.pid),
            "{stopped:?}"
        );
        assert!(!daemon.pid_file.exists());
        assert!(!local::healthy(&started.url).await);
    }
}
