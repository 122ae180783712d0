//! `wt members ...`: the members of your org. Only dispatches.

pub mod reset_mfa;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Manage the members of your org";
pub const LONG_ABOUT: &str = "\
Manage the members of the org your session is bound to.

Examples:
  wt members reset-mfa usr_3kT9abcdEFGH1234";

/// `wt members` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum MembersCommand {
    #[command(about = reset_mfa::ABOUT, long_about = reset_mfa::LONG_ABOUT)]
    ResetMfa(reset_mfa::ResetMfaArgs),
}

/// Dispatches `wt members ...`.
pub async fn run(command: MembersCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        MembersCommand::ResetMfa(args) => reset_mfa::run(args, ctx).await,
    }
}
