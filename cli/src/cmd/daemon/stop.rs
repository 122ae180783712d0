//! `wt daemon stop`: SIGTERM the local wtd and wait for it to exit.

use super::local::{self, DataDirArg, LocalDaemon, POLL_INTERVAL, WAIT_TIMEOUT};
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use tokio::time::Instant;

pub const ABOUT: &str = "Stop the local wtd";
pub const LONG_ABOUT: &str = "\
Send SIGTERM to the wtd recorded in DATA_DIR/wtd.pid, wait up to 10 s for it to exit, and
remove the pid file. Stopping a daemon that is not running succeeds (a stale pid file is
removed).

Examples:
  wt daemon stop
  wt daemon stop --data-dir /srv/watchtower";

/// `wt daemon stop` options.
#[derive(Debug, Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
}

#[derive(Debug, Serialize)]
struct Stopped {
    /// The pid that was stopped, null when nothing was running.
    pid: Option<u32>,
    data_dir: String,
}

/// Stops the daemon.
pub async fn run(args: StopArgs, ctx: &Ctx) -> Result<(), CliError> {
    let daemon = LocalDaemon::new(local::data_dir_from_env(args.data_dir.data_dir)?);
    let pid = stop_daemon(&daemon).await?;
    let out = Stopped {
        pid,
        data_dir: daemon.data_dir.display().to_string(),
    };
    match ctx.output {
        crate::output::OutputFormat::Json => ctx.io.print_json(&out),
        crate::output::OutputFormat::Table => ctx.io.println(&match pid {
            Some(pid) => format!("Stopped wtd (pid {pid})"),
            None => format!("wtd is not running (data dir {})", out.data_dir),
        }),
    }
}

/// Stops the daemon of `daemon`; `Ok(None)` when none was running.
pub async fn stop_daemon(daemon: &LocalDaemon) -> Result<Option<u32>, CliError> {
    let Some(pid) = daemon.running_pid()? else {
        daemon.remove_pid()?;
        return Ok(None);
    };
    local::terminate(pid)?;
    let deadline = Instant::now() + WAIT_TIMEOUT;
    while local::process_alive(pid) {
        if Instant::now() >= deadline {
            return Err(CliError::Daemon(format!(
                "wtd (pid {pid}) did not exit within {} s of SIGTERM; see {} or `kill -KILL {pid}`",
                WAIT_TIMEOUT.as_secs(),
                daemon.log_file.display()
            )));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    daemon.remove_pid()?;
    Ok(Some(pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_stop_parses_data_dir() {
        let cli = crate::parse_from(["wt", "daemon", "stop", "--data-dir", "/x"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            crate::cmd::Command::Daemon(crate::cmd::daemon::DaemonCommand::Stop(a)) => {
                assert_eq!(a.data_dir.data_dir, Some(std::path::PathBuf::from("/x")))
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[tokio::test]
    async fn stop_without_daemon_succeeds_and_removes_a_stale_pid_file() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let daemon = LocalDaemon::new(tmp.path().to_path_buf());
        daemon.write_pid(u32::MAX - 1).ok();
        assert!(matches!(stop_daemon(&daemon).await, Ok(None)));
        assert!(!daemon.pid_file.exists());
    }
}
