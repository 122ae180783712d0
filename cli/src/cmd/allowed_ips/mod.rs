//! `wt allowed-ips ...`: the org's list of networks authenticated traffic may come from.
//! Only dispatches; what the subcommands share is in [`common`].

pub mod add;
pub mod check;
pub mod common;
pub mod list;
pub mod remove;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Manage the networks your org accepts traffic from";
pub const LONG_ABOUT: &str = "\
Manage your org's allowed-IP list (owners and admins): the IPv4 and IPv6 networks that
authenticated traffic (sessions, automation tokens, ingestion keys) may come from. An
empty list allows every address.

Check a change before making it: `wt allowed-ips check --proposed FILE` lists the sessions
and keys a list would cut off, and exits 1 if any. A change that would refuse your own
address is refused unless --force is given. Changes (add, remove) need a recent sign-in:
wt asks for your password (and an MFA code) when the server wants one; scripts pass
--password-stdin and --code-stdin.

Examples:
  wt allowed-ips list
  wt allowed-ips check --proposed new-list.txt && wt allowed-ips add 10.0.0.0/8 --note office
  wt allowed-ips remove 192.0.2.7 --yes";

/// `wt allowed-ips` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AllowedIpsCommand {
    #[command(about = list::ABOUT, long_about = list::LONG_ABOUT)]
    List(list::ListArgs),
    #[command(about = add::ABOUT, long_about = add::LONG_ABOUT)]
    Add(add::AddArgs),
    #[command(about = remove::ABOUT, long_about = remove::LONG_ABOUT)]
    Remove(remove::RemoveArgs),
    #[command(about = check::ABOUT, long_about = check::LONG_ABOUT)]
    Check(check::CheckArgs),
}

/// Dispatches `wt allowed-ips ...`.
pub async fn run(command: AllowedIpsCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        AllowedIpsCommand::List(args) => list::run(args, ctx).await,
        AllowedIpsCommand::Add(args) => add::run(args, ctx).await,
        AllowedIpsCommand::Remove(args) => remove::run(args, ctx).await,
        AllowedIpsCommand::Check(args) => check::run(args, ctx).await,
    }
}
