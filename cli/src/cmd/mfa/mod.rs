//! `wt mfa ...`: TOTP multi-factor authentication of your own account. Only dispatches;
//! what the subcommands share is in [`common`].

pub mod common;
pub mod confirm;
pub mod disable;
pub mod enroll;
pub mod recovery_codes;
pub mod status;

use crate::{CliError, Ctx};

pub const ABOUT: &str = "Manage multi-factor authentication (TOTP) of your account";
pub const LONG_ABOUT: &str = "\
Manage multi-factor authentication (TOTP) of your own account: enroll an authenticator app,
see the MFA state, disable it, or get new recovery codes.

Codes, recovery codes and passwords are read from stdin (--code-stdin, --password-stdin)
or prompted on a terminal, never taken as flags. With both --password-stdin and
--code-stdin, line 1 of stdin is the password and line 2 the code.

Examples:
  wt mfa enroll
  wt mfa status --output json
  printf '%s\\n%s\\n' \"$PW\" \"$CODE\" | wt mfa disable --password-stdin --code-stdin --yes";

/// `wt mfa` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum MfaCommand {
    #[command(about = enroll::ABOUT, long_about = enroll::LONG_ABOUT)]
    Enroll(enroll::EnrollArgs),
    #[command(about = confirm::ABOUT, long_about = confirm::LONG_ABOUT)]
    Confirm(confirm::ConfirmArgs),
    #[command(about = status::ABOUT, long_about = status::LONG_ABOUT)]
    Status(status::StatusArgs),
    #[command(about = disable::ABOUT, long_about = disable::LONG_ABOUT)]
    Disable(disable::DisableArgs),
    #[command(about = recovery_codes::ABOUT, long_about = recovery_codes::LONG_ABOUT)]
    RecoveryCodes(recovery_codes::RecoveryCodesArgs),
}

/// Dispatches `wt mfa ...`.
pub async fn run(command: MfaCommand, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        MfaCommand::Enroll(args) => enroll::run(args, ctx).await,
        MfaCommand::Confirm(args) => confirm::run(args, ctx).await,
        MfaCommand::Status(args) => status::run(args, ctx).await,
        MfaCommand::Disable(args) => disable::run(args, ctx).await,
        MfaCommand::RecoveryCodes(args) => recovery_codes::run(args, ctx).await,
    }
}
