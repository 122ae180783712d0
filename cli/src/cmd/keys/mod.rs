//! `wt keys ...`: the org's ingestion API keys. Only dispatches; what the subcommands
//! share is in [`common`].

pub mod common;
pub mod create;
pub mod leaked;
pub mod list;
pub mod revoke;
pub mod rotate;
pub mod show;
pub mod update;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Manage the ingestion API keys of your org";
pub const LONG_ABOUT: &str = "\
Manage the ingestion API keys of your org (owners and admins): keys that services use to
send events to `POST /api/v1/ingest/events`. Each key belongs to one environment (sandbox
keys start `wtk_test_`, production keys `wtk_live_`), has a name, an owner responsible for
rotating it, optionally the source networks it may be used from and an expiry.

A secret is printed once, alone on stdout, when a key is created or rotated; the server
keeps only a hash, and everything else shows a key as its prefix and last four characters.
Rotation keeps the old key working for a grace period (default 24h; --grace 0 ends it at
once after an exposure); revocation is immediate.

Examples:
  wt keys create --env production --name billing-prod --owner bob@example.com > billing.key
  wt keys list --status rotating
  wt keys show key_3kT9abcdEFGH1234
  wt keys rotate key_3kT9abcdEFGH1234 --grace 1h > new.key
  wt keys revoke key_3kT9abcdEFGH1234 --yes
  wt keys update key_3kT9abcdEFGH1234 --rate 500/s --burst 1000
  pbpaste | wt keys leaked > new.key       # a key leaked: revoke, replace, notify";

/// `wt keys` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    #[command(about = create::ABOUT, long_about = create::LONG_ABOUT)]
    Create(create::CreateArgs),
    #[command(about = list::ABOUT, long_about = list::LONG_ABOUT)]
    List(list::ListArgs),
    #[command(about = show::ABOUT, long_about = show::LONG_ABOUT)]
    Show(show::ShowArgs),
    #[command(about = rotate::ABOUT, long_about = rotate::LONG_ABOUT)]
    Rotate(rotate::RotateArgs),
    #[command(about = revoke::ABOUT, long_about = revoke::LONG_ABOUT)]
    Revoke(revoke::RevokeArgs),
    #[command(about = update::ABOUT, long_about = update::LONG_ABOUT)]
    Update(update::UpdateArgs),
    #[command(about = leaked::ABOUT, long_about = leaked::LONG_ABOUT)]
    Leaked(leaked::LeakedArgs),
}

/// Dispatches `wt keys ...`.
pub async fn run(command: KeysCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        KeysCommand::Create(args) => create::run(args, ctx).await,
        KeysCommand::List(args) => list::run(args, ctx).await,
        KeysCommand::Show(args) => show::run(args, ctx).await,
        KeysCommand::Rotate(args) => rotate::run(args, ctx).await,
        KeysCommand::Revoke(args) => revoke::run(args, ctx).await,
        KeysCommand::Update(args) => update::run(args, ctx).await,
        KeysCommand::Leaked(args) => leaked::run(args, ctx).await,
    }
}
