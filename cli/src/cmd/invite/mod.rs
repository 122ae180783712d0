//! `wt invite ...`: invite people to your org, and accept an invite. Only dispatches; what
//! the subcommands share is in [`common`], the CSV format of `create --from-csv` in [`csv`].

pub mod accept;
pub mod common;
pub mod create;
pub mod csv;
pub mod list;
pub mod resend;
pub mod revoke;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Invite people to your org, or accept an invite";
pub const LONG_ABOUT: &str = "\
Invite people to the org your session is bound to (owners and admins; nobody invites to a
role above their own), list, resend and revoke invites, and accept an invite you received.

The invite link (with its single-use token, valid 72 h by default) only travels by mail:
wt never prints it.

Examples:
  wt invite create bob@example.com --role analyst
  wt invite create --from-csv people.csv
  wt invite list --status pending
  wt invite accept";

/// `wt invite` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum InviteCommand {
    #[command(about = create::ABOUT, long_about = create::LONG_ABOUT)]
    Create(create::CreateArgs),
    #[command(about = list::ABOUT, long_about = list::LONG_ABOUT)]
    List(list::ListArgs),
    #[command(about = resend::ABOUT, long_about = resend::LONG_ABOUT)]
    Resend(resend::ResendArgs),
    #[command(about = revoke::ABOUT, long_about = revoke::LONG_ABOUT)]
    Revoke(revoke::RevokeArgs),
    #[command(about = accept::ABOUT, long_about = accept::LONG_ABOUT)]
    Accept(accept::AcceptArgs),
}

/// Dispatches `wt invite ...`.
pub async fn run(command: InviteCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        InviteCommand::Create(args) => create::run(args, ctx).await,
        InviteCommand::List(args) => list::run(args, ctx).await,
        InviteCommand::Resend(args) => resend::run(args, ctx).await,
        InviteCommand::Revoke(args) => revoke::run(args, ctx).await,
        InviteCommand::Accept(args) => accept::run(args, ctx).await,
    }
}
