//! `wt daemon status`: is the local wtd running, with which pid, and is it healthy.

use super::local::{self, DataDirArg, ListenArg, LocalDaemon};
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Show whether the local wtd is running and healthy";
pub const LONG_ABOUT: &str = "\
Report whether the wtd recorded in DATA_DIR/wtd.pid is running, its pid, and whether
GET http://ADDR/healthz (ADDR from --listen) answers 200. Exit status 0 when running and
healthy, 6 otherwise.

JSON fields (stable): state (running|stopped), pid, healthy, url, data_dir, log_file.

Examples:
  wt daemon status
  wt daemon status --listen 127.0.0.1:9470 --output json";

/// `wt daemon status` options.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub listen: ListenArg,
}

/// What `wt daemon status --output json` prints.
#[derive(Debug, Serialize)]
pub struct DaemonStatus {
    pub state: &'static str,
    pub pid: Option<u32>,
    pub healthy: bool,
    pub url: String,
    pub data_dir: String,
    pub log_file: String,
}

/// Reports the daemon's state.
pub async fn run(args: StatusArgs, ctx: &Ctx) -> Result<(), CliError> {
    let daemon = LocalDaemon::new(local::data_dir_from_env(args.data_dir.data_dir)?);
    let url = local::url_for_listen(args.listen.listen);
    let pid = daemon.running_pid()?;
    let healthy = local::healthy(&url).await;
    let status = DaemonStatus {
        state: if pid.is_some() { "running" } else { "stopped" },
        pid,
        healthy,
        url,
        data_dir: daemon.data_dir.display().to_string(),
        log_file: daemon.log_file.display().to_string(),
    };
    ctx.io.emit(ctx.output, &status, |io| {
        io.key_value_table(&[
            ("State", status.state.to_string()),
            ("PID", pid.map_or_else(|| "-".into(), |p| p.to_string())),
            (
                "Health",
                format!(
                    "{} ({}/healthz)",
                    if healthy { "ok" } else { "not answering" },
                    status.url
                ),
            ),
            ("Data dir", status.data_dir.clone()),
            ("Log", status.log_file.clone()),
        ])
    })?;
    match (pid, healthy) {
        (Some(_), true) => Ok(()),
        (None, _) => Err(CliError::DaemonNotRunning(
            "wtd is not running; start it with `wt daemon start`".into(),
        )),
        (Some(pid), false) => Err(CliError::DaemonNotRunning(format!(
            "wtd (pid {pid}) is running but {}/healthz does not answer 200; see {}",
            status.url, status.log_file
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::output::{Io, OutputFormat};

    #[tokio::test]
    async fn status_of_a_stopped_daemon_reports_stopped_and_exits_6() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cli = crate::parse_from([
            "wt",
            "daemon",
            "status",
            "--listen",
            "127.0.0.1:1",
            "--data-dir",
            &tmp.path().display().to_string(),
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        let (io, out, _) = Io::buffered("", true);
        let creds = crate::credentials::Credentials::with_store(
            "http://x",
            None,
            crate::credentials::tests::mock_store(),
        );
        let ctx = crate::Ctx::new(io, "http://x".into(), Some(OutputFormat::Json), creds);
        let r = crate::run(cli, &ctx).await;
        assert_eq!(r.err().map(|e| e.exit_code()), Some(6));
        let v: serde_json::Value = serde_json::from_str(&out.contents()).unwrap_or_default();
        assert_eq!(v["state"], "stopped");
        assert_eq!(v["healthy"], false);
        assert!(v["pid"].is_null());
        assert_eq!(v["url"], "http://127.0.0.1:1");
    }
}
