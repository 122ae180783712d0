//! The `wt` command tree: one module per noun, one file per subcommand.
//!
//! This module only declares the tree and dispatches; each subcommand's `Args` and
//! `run(args, &Ctx)` live in its own file.

pub mod allowed_ips;
pub mod audit;
pub mod auth;
pub mod check;
pub mod common;
pub mod completion;
pub mod daemon;
pub mod events;
pub mod invite;
pub mod keys;
pub mod login;
pub mod login_web;
pub mod logout;
pub mod members;
pub mod mfa;
pub mod org;
pub mod password;
pub mod sessions;
pub mod setup;
pub mod token;
pub mod whoami;

use crate::{CliError, Ctx};

/// Top-level subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    #[command(about = setup::ABOUT, long_about = setup::LONG_ABOUT)]
    Setup(setup::SetupArgs),
    #[command(about = login::ABOUT, long_about = login::LONG_ABOUT)]
    Login(login::LoginArgs),
    #[command(about = logout::ABOUT, long_about = logout::LONG_ABOUT)]
    Logout(logout::LogoutArgs),
    #[command(about = whoami::ABOUT, long_about = whoami::LONG_ABOUT)]
    Whoami(whoami::WhoamiArgs),
    #[command(subcommand, about = auth::ABOUT, long_about = auth::LONG_ABOUT)]
    Auth(auth::AuthCommand),
    #[command(subcommand, about = mfa::ABOUT, long_about = mfa::LONG_ABOUT)]
    Mfa(mfa::MfaCommand),
    #[command(subcommand, about = org::ABOUT, long_about = org::LONG_ABOUT)]
    Org(org::OrgCommand),
    #[command(subcommand, about = invite::ABOUT, long_about = invite::LONG_ABOUT)]
    Invite(invite::InviteCommand),
    #[command(subcommand, about = members::ABOUT, long_about = members::LONG_ABOUT)]
    Members(members::MembersCommand),
    #[command(subcommand, about = sessions::ABOUT, long_about = sessions::LONG_ABOUT)]
    Sessions(sessions::SessionsCommand),
    #[command(subcommand, about = keys::ABOUT, long_about = keys::LONG_ABOUT)]
    Keys(keys::KeysCommand),
    #[command(subcommand, about = allowed_ips::ABOUT, long_about = allowed_ips::LONG_ABOUT)]
    AllowedIps(allowed_ips::AllowedIpsCommand),
    #[command(subcommand, about = audit::ABOUT, long_about = audit::LONG_ABOUT)]
    Audit(audit::AuditCommand),
    #[command(subcommand, about = events::ABOUT, long_about = events::LONG_ABOUT)]
    Events(events::EventsCommand),
    #[command(about = check::ABOUT, long_about = check::LONG_ABOUT)]
    Check(check::CheckArgs),
    #[command(subcommand, about = token::ABOUT, long_about = token::LONG_ABOUT)]
    Token(token::TokenCommand),
    #[command(subcommand, about = password::ABOUT, long_about = password::LONG_ABOUT)]
    Password(password::PasswordCommand),
    #[command(subcommand, about = daemon::ABOUT, long_about = daemon::LONG_ABOUT)]
    Daemon(daemon::DaemonCommand),
    #[command(about = completion::ABOUT, long_about = completion::LONG_ABOUT)]
    Completion(completion::CompletionArgs),
}

/// Runs one subcommand.
pub async fn run(command: Command, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        Command::Setup(args) => setup::run(args, ctx).await,
        Command::Login(args) => login::run(args, ctx).await,
        Command::Logout(args) => logout::run(args, ctx).await,
        Command::Whoami(args) => whoami::run(args, ctx).await,
        Command::Auth(sub) => auth::run(sub, ctx).await,
        Command::Mfa(sub) => mfa::run(sub, ctx).await,
        Command::Org(sub) => org::run(sub, ctx).await,
        Command::Invite(sub) => invite::run(sub, ctx).await,
        Command::Members(sub) => members::run(sub, ctx).await,
        Command::Sessions(sub) => sessions::run(sub, ctx).await,
        Command::Keys(sub) => keys::run(sub, ctx).await,
        Command::AllowedIps(sub) => allowed_ips::run(sub, ctx).await,
        Command::Audit(sub) => audit::run(sub, ctx).await,
        Command::Events(sub) => events::run(sub, ctx).await,
        Command::Check(args) => check::run(args, ctx).await,
        Command::Token(sub) => token::run(sub, ctx).await,
        Command::Password(sub) => password::run(sub, ctx).await,
        Command::Daemon(sub) => daemon::run(sub, ctx).await,
        Command::Completion(args) => completion::run(args, ctx).await,
    }
}
