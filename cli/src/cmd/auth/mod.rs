//! `wt auth ...`: credential inspection. Only dispatches.

pub mod status;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Inspect authentication state";
pub const LONG_ABOUT: &str = "\
Inspect the authentication state of wt for a server.

Examples:
  wt auth status
  wt auth status --output json";

/// `wt auth` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuthCommand {
    #[command(about = status::ABOUT, long_about = status::LONG_ABOUT)]
    Status(status::StatusArgs),
}

/// Dispatches `wt auth ...`.
pub async fn run(command: AuthCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        AuthCommand::Status(args) => status::run(args, ctx).await,
    }
}
