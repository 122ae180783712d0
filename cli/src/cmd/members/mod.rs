//! `wt members ...`: the members of your org. Only dispatches.

pub mod list;
pub mod remove;
pub mod reset_mfa;
pub mod review;
pub mod set_role;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Manage the members of your org";
pub const LONG_ABOUT: &str = "\
Manage the members of the org your session is bound to: list them, change roles, remove
leavers, reset a member's MFA, and record a review of who has which role. New members join
through invites (`wt invite`).

Examples:
  wt members list
  wt members set-role usr_3kT9abcdEFGH1234 analyst
  wt members remove usr_3kT9abcdEFGH1234 --yes
  wt members reset-mfa usr_3kT9abcdEFGH1234
  wt members review";

/// `wt members` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum MembersCommand {
    #[command(about = list::ABOUT, long_about = list::LONG_ABOUT)]
    List(list::ListArgs),
    #[command(about = set_role::ABOUT, long_about = set_role::LONG_ABOUT)]
    SetRole(set_role::SetRoleArgs),
    #[command(about = remove::ABOUT, long_about = remove::LONG_ABOUT)]
    Remove(remove::RemoveArgs),
    #[command(about = reset_mfa::ABOUT, long_about = reset_mfa::LONG_ABOUT)]
    ResetMfa(reset_mfa::ResetMfaArgs),
    #[command(about = review::ABOUT, long_about = review::LONG_ABOUT)]
    Review(review::ReviewArgs),
}

/// Dispatches `wt members ...`.
pub async fn run(command: MembersCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        MembersCommand::List(args) => list::run(args, ctx).await,
        MembersCommand::SetRole(args) => set_role::run(args, ctx).await,
        MembersCommand::Remove(args) => remove::run(args, ctx).await,
        MembersCommand::ResetMfa(args) => reset_mfa::run(args, ctx).await,
        MembersCommand::Review(args) => review::run(args, ctx).await,
    }
}
