//! `wt password ...`: change your password, or reset a forgotten one. Only dispatches.

pub mod change;
pub mod forgot;
pub mod reset;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Change your password, or reset a forgotten one";
pub const LONG_ABOUT: &str = "\
Change your password (needs the current one, and a code when MFA is on), or reset a
forgotten one: `wt password forgot EMAIL` mails a single-use reset link (valid 30 min),
`wt password reset` completes it with the token from that link.

Passwords, tokens and codes are read from stdin (--password-stdin, --token-stdin,
--code-stdin) or prompted on a terminal, never taken as flags. Each command's help gives
the order of the stdin lines.

Examples:
  wt password change
  wt password forgot bob@example.com
  wt password reset";

/// `wt password` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PasswordCommand {
    #[command(about = change::ABOUT, long_about = change::LONG_ABOUT)]
    Change(change::ChangeArgs),
    #[command(about = forgot::ABOUT, long_about = forgot::LONG_ABOUT)]
    Forgot(forgot::ForgotArgs),
    #[command(about = reset::ABOUT, long_about = reset::LONG_ABOUT)]
    Reset(reset::ResetArgs),
}

/// Dispatches `wt password ...`.
pub async fn run(command: PasswordCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        PasswordCommand::Change(args) => change::run(args, ctx).await,
        PasswordCommand::Forgot(args) => forgot::run(args, ctx).await,
        PasswordCommand::Reset(args) => reset::run(args, ctx).await,
    }
}
