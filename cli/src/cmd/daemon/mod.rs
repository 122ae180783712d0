//! `wt daemon ...`: run a local `wtd` for a single-machine set-up. Only dispatches; the
//! shared mechanics (paths, pid file, health polling) are in [`local`].

pub mod local;
pub mod start;
pub mod status;
pub mod stop;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Start, stop or inspect a local wtd";
pub const LONG_ABOUT: &str = "\
Run a local WatchTower daemon (`wtd serve`) in the background for a single-machine set-up.

The data directory is --data-dir, else WT_DATA_DIR, else $XDG_DATA_HOME/watchtower, else
~/.local/share/watchtower. It holds wtd.pid (the daemon's pid) and wtd.log (its output).
The wtd binary is WT_WTD_BIN, else the `wtd` next to this `wt`, else `wtd` on PATH.
The health check uses the URL derived from --listen (not --server).

Examples:
  wt daemon start
  wt daemon status --output json
  wt daemon stop";

/// `wt daemon` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DaemonCommand {
    #[command(about = start::ABOUT, long_about = start::LONG_ABOUT)]
    Start(start::StartArgs),
    #[command(about = stop::ABOUT, long_about = stop::LONG_ABOUT)]
    Stop(stop::StopArgs),
    #[command(about = status::ABOUT, long_about = status::LONG_ABOUT)]
    Status(status::StatusArgs),
}

/// Dispatches `wt daemon ...`.
pub async fn run(command: DaemonCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        DaemonCommand::Start(args) => start::run(args, ctx).await,
        DaemonCommand::Stop(args) => stop::run(args, ctx).await,
        DaemonCommand::Status(args) => status::run(args, ctx).await,
    }
}
