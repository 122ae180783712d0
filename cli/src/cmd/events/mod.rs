//! `wt events ...`: read and follow the events your org's ingestion keys sent (the
//! consumer API, `GET /api/v1/orgs/events`). Only dispatches; `common` holds what the
//! subcommands share (paths, the terminal-safe line format).

pub mod common;
pub mod list;
pub mod tail;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Read and follow ingested events";
pub const LONG_ABOUT: &str = "\
Read the events your org's ingestion keys sent (roles that may read events: owner, admin,
risk_lead, analyst; or an automation token with the scope events:read, for pipelines:
`wt token create --scope events:read`). Events are kept for the org's retention (`wt org
show`, `wt org set event-retention`), then pruned.

Every event has a seq: increasing, never reused. Read by cursor (`--after SEQ`) and resume
after the last seq you handled: delivery is at least once by seq. When retention deleted
events after your cursor, reading resumes at the oldest kept one and wt says so on stderr.

Event payloads are untrusted: control characters (ESC, C1, bidi overrides) are printed
escaped (as JSON \\u escapes), so an event cannot drive your terminal.

Examples:
  wt events tail
  wt events tail --follow
  wt events list --after 0 --limit 500 --output json";

/// `wt events` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    #[command(about = list::ABOUT, long_about = list::LONG_ABOUT)]
    List(list::ListArgs),
    #[command(about = tail::ABOUT, long_about = tail::LONG_ABOUT)]
    Tail(tail::TailArgs),
}

/// Dispatches `wt events ...`.
pub async fn run(command: EventsCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        EventsCommand::List(args) => list::run(args, ctx).await,
        EventsCommand::Tail(args) => tail::run(args, ctx).await,
    }
}
