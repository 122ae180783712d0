//! `wt audit ...`: read, follow, verify, review and export the org's audit log. Only
//! dispatches; `common` and `follow` hold what the subcommands share.

pub mod checkpoint;
pub mod common;
pub mod export;
pub mod follow;
pub mod list;
pub mod pubkey;
pub mod review;
pub mod sinks;
pub mod tail;
pub mod verify;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Read, follow, verify and export the audit log";
pub const LONG_ABOUT: &str = "\
Read your org's audit log (owners, admins and risk leads): every sensitive action with its
time, actor, target, IP, user agent and outcome. Entries are hash-chained, so `wt audit
verify` detects edits and deletions. `wt audit review` records that you reviewed them.

Examples:
  wt audit list --since 24h
  wt audit tail --follow
  wt audit verify
  wt audit review
  wt audit export --format csv --output-file audit.csv";

/// `wt audit` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    #[command(about = list::ABOUT, long_about = list::LONG_ABOUT)]
    List(list::ListArgs),
    #[command(about = tail::ABOUT, long_about = tail::LONG_ABOUT)]
    Tail(tail::TailArgs),
    #[command(about = verify::ABOUT, long_about = verify::LONG_ABOUT)]
    Verify(verify::VerifyArgs),
    #[command(about = review::ABOUT, long_about = review::LONG_ABOUT)]
    Review(review::ReviewArgs),
    #[command(about = export::ABOUT, long_about = export::LONG_ABOUT)]
    Export(export::ExportArgs),
    #[command(about = pubkey::ABOUT, long_about = pubkey::LONG_ABOUT)]
    Pubkey(pubkey::PubkeyArgs),
    #[command(about = checkpoint::ABOUT, long_about = checkpoint::LONG_ABOUT)]
    Checkpoint(checkpoint::CheckpointArgs),
    #[command(subcommand, about = sinks::ABOUT, long_about = sinks::LONG_ABOUT)]
    Sinks(sinks::SinksCommand),
}

/// Dispatches `wt audit ...`.
pub async fn run(command: AuditCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        AuditCommand::List(args) => list::run(args, ctx).await,
        AuditCommand::Tail(args) => tail::run(args, ctx).await,
        AuditCommand::Verify(args) => verify::run(args, ctx).await,
        AuditCommand::Review(args) => review::run(args, ctx).await,
        AuditCommand::Export(args) => export::run(args, ctx).await,
        AuditCommand::Pubkey(args) => pubkey::run(args, ctx).await,
        AuditCommand::Checkpoint(args) => checkpoint::run(args, ctx).await,
        AuditCommand::Sinks(command) => sinks::run(command, ctx).await,
    }
}
