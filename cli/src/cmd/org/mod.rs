//! `wt org ...`: settings of the org your session belongs to. Only dispatches.

pub mod set;
pub mod show;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Show or change the settings of your org";
pub const LONG_ABOUT: &str = "\
Show or change the settings of the org your session is bound to (owners and admins may
change them).

Examples:
  wt org show
  wt org set mfa-required-roles owner,admin,risk_lead";

/// `wt org` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum OrgCommand {
    #[command(about = show::ABOUT, long_about = show::LONG_ABOUT)]
    Show(show::ShowArgs),
    #[command(about = set::ABOUT, long_about = set::LONG_ABOUT)]
    Set(set::SetArgs),
}

/// Dispatches `wt org ...`.
pub async fn run(command: OrgCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        OrgCommand::Show(args) => show::run(args, ctx).await,
        OrgCommand::Set(args) => set::run(args, ctx).await,
    }
}
