//! `wt`: the WatchTower control plane admin CLI, as a library.
//!
//! Map of the crate:
//! - [`cmd`]: the clap command tree; one file per subcommand (`Args` + `async fn run(args, &Ctx)`),
//!   each noun's `mod.rs` only dispatches.
//! - [`ctx`]: the dependencies a command gets (io, lazy HTTP client, credential store).
//! - [`client`]: the reqwest client and the mapping of HTTP answers to errors.
//! - [`credentials`]: the session credential in the OS keyring (or `WT_TOKEN`).
//! - [`output`]: the one I/O layer (tables, JSON, prompts, TTY detection).
//! - [`error`]: the one error type and THE mapping to exit codes.
//! - [`secret`]: the zeroizing, never-printed `Secret` newtype.
//! - [`stepup`]: signing the session in again (password, MFA code) when a sensitive change
//!   answers `step_up_required`, then retrying it once.
//! - [`docs`]: man page and shell completion generation (used by `cargo xtask gen`).
//!
//! The `wt` binary is `main.rs`, which only calls [`main`].

pub mod client;
pub mod cmd;
pub mod credentials;
pub mod ctx;
pub mod docs;
pub mod error;
pub mod output;
pub mod secret;
pub mod stepup;

#[cfg(test)]
mod testutil;

use clap::{CommandFactory, FromArgMatches, Parser};
use std::process::ExitCode;
use std::time::Duration;

pub use ctx::Ctx;
pub use error::CliError;

/// How long to wait at exit for blocking tasks (a keyring call that timed out may still be
/// stuck in D-Bus): don't hang the shell on it.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(100);

const ABOUT: &str = "WatchTower control plane admin CLI";

const LONG_ABOUT: &str = "\
WatchTower control plane admin CLI.

`wt` talks to a WatchTower daemon (`wtd`) over its HTTP API. The session credential is kept
in the OS keyring (Secret Service or kernel keyutils), never in a file; WT_TOKEN overrides it.
Secrets are read from stdin (--password-stdin, --token-stdin, --code-stdin) or prompted on a
terminal, never taken as plain flags.

Output: a table when stdout is a terminal, JSON otherwise; --output forces one. JSON field
names are a stable API.

Examples:
  wt daemon start
  wt setup --token-stdin < token.txt
  wt login --email owner@example.com
  wt mfa enroll
  wt whoami --output json";

const AFTER_HELP: &str = "Exit codes: 0 ok, 1 failure, 2 usage, 3 not logged in, 4 permission denied, \
5 not found, 6 daemon unreachable, 7 rate limited (details: wt --help)";

/// The parsed command line.
#[derive(Debug, Parser)]
#[command(
    name = "wt",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    after_long_help = error::EXIT_CODES_HELP,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: cmd::Command,
}

/// Flags accepted by every subcommand.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// URL of the WatchTower daemon
    #[arg(
        long,
        global = true,
        env = "WT_SERVER",
        hide_env_values = true,
        value_name = "URL",
        default_value = client::DEFAULT_SERVER
    )]
    pub server: String,

    /// Output format [default: table on a terminal, json otherwise]
    #[arg(
        long,
        global = true,
        env = "WT_OUTPUT",
        hide_env_values = true,
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<output::OutputFormat>,

    /// Never prompt; fail with a message naming the flag to use instead
    #[arg(long, global = true)]
    pub no_input: bool,
}

/// The full clap command (for man pages and completions).
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses `argv` (including the program name) without running anything.
pub fn parse_from<I, T>(argv: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command().try_get_matches_from(argv)?;
    Cli::from_arg_matches(&matches)
}

/// Runs an already parsed command line in a context.
pub async fn run(cli: Cli, ctx: &Ctx) -> Result<(), CliError> {
    cmd::run(cli.command, ctx).await
}

/// The process entry point used by the `wt` binary.
pub fn main() -> ExitCode {
    let cli = match parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version on stdout (exit 0) and usage errors on stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(error::exit::USAGE));
        }
    };
    let io = output::Io::system(cli.global.no_input);
    let result = build_ctx(&cli.global, io).and_then(|ctx| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Other(format!("cannot start the async runtime: {e}")))?;
        let result = rt.block_on(run(cli, &ctx));
        rt.shutdown_timeout(SHUTDOWN_GRACE);
        result
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

fn build_ctx(global: &GlobalArgs, io: output::Io) -> Result<Ctx, CliError> {
    let server = client::normalize_server(&global.server)?;
    let credentials = credentials::Credentials::from_env(&server);
    Ok(Ctx::new(io, server, global.output, credentials))
}

/// Prints an error once (`wt: error: ...`) and returns its exit code. A broken pipe on
/// stdout (`wt ... | head`) exits quietly. A verdict of `wt check` is not an error of `wt`:
/// it reads `wt: not ready: ...`, so a CI log tells it from "could not check".
fn report(e: &CliError) -> ExitCode {
    if !e.is_broken_pipe() {
        use std::io::Write as _;
        let prefix = match e {
            CliError::NotReady(_) => "wt: ",
            _ => "wt: error: ",
        };
        let _ = writeln!(std::io::stderr(), "{prefix}{e}");
    }
    ExitCode::from(e.exit_code())
}
