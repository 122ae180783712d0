//! `wt sessions ...`: your own sessions. Only dispatches.

pub mod list;
pub mod revoke;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "List or end your own sessions";
pub const LONG_ABOUT: &str = "\
List the sessions of your account in this org (CLI and console), and end the ones you do
not recognise. The session this command uses is marked as current. Owners and admins end
other members' sessions with `wt members remove` or the API.

Examples:
  wt sessions list
  wt sessions revoke ses_3kT9abcdEFGH1234";

/// `wt sessions` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SessionsCommand {
    #[command(about = list::ABOUT, long_about = list::LONG_ABOUT)]
    List(list::ListArgs),
    #[command(about = revoke::ABOUT, long_about = revoke::LONG_ABOUT)]
    Revoke(revoke::RevokeArgs),
}

/// Dispatches `wt sessions ...`.
pub async fn run(command: SessionsCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        SessionsCommand::List(args) => list::run(args, ctx).await,
        SessionsCommand::Revoke(args) => revoke::run(args, ctx).await,
    }
}
