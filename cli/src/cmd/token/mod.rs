//! `wt token ...`: the org's automation tokens (SPEC flow 14), bearer tokens for CI and
//! scripts used as `WT_TOKEN`. Only dispatches; what the subcommands share is in [`common`].

pub mod common;
pub mod create;
pub mod list;
pub mod revoke;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Manage automation tokens for CI and scripts (WT_TOKEN)";
pub const LONG_ABOUT: &str = "\
Manage the automation tokens of your org (owners and admins): bearer tokens for CI jobs
and scripts, used by setting WT_TOKEN instead of logging in. Each token has a name, a role
(at most your own), and an expiry (required; at most a year ahead). Secrets start
`wtat_`; the server keeps only a hash, and the secret is printed once, when the token is
created.

A token acts with its role on every command, like a session of a member with that role,
and is subject to the org's allowed IPs. It cannot change passwords or MFA, edit the
allowed IPs, or manage automation tokens. A viewer token can run `wt check` (and read
what viewers read) but change nothing: the right choice for a CI readiness gate.

Examples:
  wt token create --name ci-readiness --role viewer --expires 90d > ci.token
  WT_TOKEN=\"$(cat ci.token)\" wt check --format junit > readiness.xml
  wt token list
  wt token revoke tok_3kT9abcdEFGH1234 --yes";

/// `wt token` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    #[command(about = create::ABOUT, long_about = create::LONG_ABOUT)]
    Create(create::CreateArgs),
    #[command(about = list::ABOUT, long_about = list::LONG_ABOUT)]
    List(list::ListArgs),
    #[command(about = revoke::ABOUT, long_about = revoke::LONG_ABOUT)]
    Revoke(revoke::RevokeArgs),
}

/// Dispatches `wt token ...`.
pub async fn run(command: TokenCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        TokenCommand::Create(args) => create::run(args, ctx).await,
        TokenCommand::List(args) => list::run(args, ctx).await,
        TokenCommand::Revoke(args) => revoke::run(args, ctx).await,
    }
}
