//! The CLI's one error type and its mapping to exit codes.
//!
//! Every command returns `Result<_, CliError>`. [`CliError::exit_code`] is the ONLY place
//! that decides the process exit status, and the `Display` impl is the one message printed
//! (once, as `wt: error: ...`, by `lib.rs`). The exit codes are a documented contract
//! (see [`EXIT_CODES_HELP`], shown in `wt --help` and `wt(1)`).

use std::fmt;
use wt_api::{Problem, codes};

/// Process exit codes. Scripts depend on these; never renumber.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Any other failure.
    pub const FAILURE: u8 = 1;
    /// Usage error: bad flags or arguments, or input needed but prompting is impossible.
    pub const USAGE: u8 = 2;
    /// Not logged in: no credential stored, or the server rejected it (401).
    pub const NOT_LOGGED_IN: u8 = 3;
    /// Permission denied (403).
    pub const PERMISSION_DENIED: u8 = 4;
    /// Not found (404).
    pub const NOT_FOUND: u8 = 5;
    /// The daemon could not be reached (connection refused, DNS, connect timeout), or
    /// `wt daemon status` found it not running.
    pub const UNREACHABLE: u8 = 6;
    /// Rate limited (429); the message says when to retry.
    pub const RATE_LIMITED: u8 = 7;
    /// `wt login --web`: the login was denied in the console.
    pub const DEVICE_DENIED: u8 = 8;
    /// `wt login --web`: the code lapsed before anyone approved it.
    pub const DEVICE_EXPIRED: u8 = 9;
    /// `wt audit verify --checkpoint` (or `checkpoint save`): the log does not extend
    /// the saved checkpoint, an entry is not in the tree, or a signature does not verify.
    pub const EVIDENCE_MISMATCH: u8 = 10;
}

/// The exit-code table shown at the end of `wt --help` and in the `EXIT STATUS` of `wt(1)`.
pub const EXIT_CODES_HELP: &str = "\
Exit status:
  0  success
  1  failure (including invalid email or password, a wrong/expired/used MFA code,
     a missing MFA code, an expired login attempt, an invalid or expired invite or
     reset link, a refused password, removing/demoting the last owner, a failed row
     of `wt invite create --from-csv`, a declined confirmation, an allowed-IP change
     refused because it would lock you out (409 would_lock_out: see --force),
     `wt allowed-ips check` finding that the list would cut someone off, or
     `wt check` finding the org not ready: the report is printed, then a summary;
     when the checklist could not run at all, `wt check` exits 3, 4 or 6 instead)
  2  usage error (bad flags, or a secret/value is needed but --no-input is set or
     there is no terminal to prompt on, e.g. a change that needs a recent sign-in
     run without --password-stdin)
  3  not logged in (no stored credential, or the server answered 401 unauthenticated),
     or `wt invite accept` for an email that already has an account you are not
     logged in to
  4  permission denied (403), including a session that must enroll MFA first
     (`wt mfa enroll`) and an address outside the org's allowed IPs
  5  not found (404, or no allowed-IP entry with the CIDR given)
  6  daemon unreachable (connection refused, DNS failure, connect timeout), or
     `wt daemon status` found no healthy daemon
  7  rate limited (429); the message says how many seconds to wait
  8  `wt login --web`: the login was denied in the console
  9  `wt login --web`: the code lapsed (10 minutes) before anyone approved it
  10 `wt audit verify --checkpoint`: the log does not extend the saved checkpoint, an
     entry is not in the signed tree, or a signature does not verify with the key given

Environment:
  WT_SERVER    server URL (same as --server)
  WT_OUTPUT    output format (same as --output)
  WT_TOKEN     bearer token; overrides the keyring (CI, containers)
  WT_KEYRING   force the keyring backend: secret-service | keyutils
  WT_DATA_DIR  data directory of a local daemon (`wt daemon`)
  WT_WTD_BIN   path of the wtd binary used by `wt daemon start`
  NO_COLOR     disable colour and table decorations";

/// An error answer from the API: the HTTP status plus the problem document when the
/// server sent one.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The server URL, so messages can name it.
    pub server: String,
    pub status: u16,
    /// The parsed `application/problem+json` body, if any.
    pub problem: Option<Problem>,
    /// Seconds from the `Retry-After` header (or the problem's `retry_after`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// The stable problem code, if the server sent one.
    pub fn code(&self) -> Option<&str> {
        self.problem.as_ref().map(|p| p.code.as_str())
    }

    fn detail(&self) -> Option<&str> {
        self.problem.as_ref().and_then(|p| p.detail.as_deref())
    }

    fn title_or_status(&self) -> String {
        match &self.problem {
            Some(p) if !p.title.is_empty() => p.title.clone(),
            _ => format!("HTTP {}", self.status),
        }
    }
}

/// Message for 403 `mfa_enrollment_required` (scripts and e2e tests may match on it).
pub const MFA_ENROLLMENT_REQUIRED_MESSAGE: &str =
    "your role requires MFA: run `wt mfa enroll` (until then only enrollment is allowed)";
/// Message for 401 `invalid_code`.
pub const INVALID_CODE_MESSAGE: &str = "the code is wrong, expired or already used";
/// Message for 401 `challenge_invalid`.
pub const CHALLENGE_INVALID_MESSAGE: &str =
    "the login attempt expired or had too many wrong codes: run `wt login` again";
/// Message for 401 `invite_invalid` (unknown, used, expired and revoked look the same).
pub const INVITE_INVALID_MESSAGE: &str =
    "the invite link is invalid or has expired: ask for a new invite";
/// Message for 401 `reset_token_invalid` (unknown, used and expired look the same).
pub const RESET_TOKEN_INVALID_MESSAGE: &str =
    "the reset link is invalid or has expired: run `wt password forgot EMAIL` again";
/// Message for 409 `last_owner`.
pub const LAST_OWNER_MESSAGE: &str = "the org must keep at least one owner";
/// Message for 401 `mfa_code_required` (the command sent no code; it names the flag).
pub const MFA_CODE_REQUIRED_MESSAGE: &str = "this account has MFA on, so an authentication code is required: pass it on stdin with --code-stdin (or run on a terminal to be prompted)";
/// Message for 401 `account_exists` when the command does not know the email (`wt invite
/// accept` names it: see [`CliError::AccountExists`]).
pub const ACCOUNT_EXISTS_MESSAGE: &str =
    "this email already has an account: run `wt login` as that account, then accept again";
/// What 409 `would_lock_out` adds to the server's detail: why, and the flag that applies it anyway.
pub const WOULD_LOCK_OUT_MESSAGE: &str = "the change would lock you out of this org, so nothing was changed. See who else it would cut off with `wt allowed-ips check`; to apply it anyway, repeat the command with --force";
/// Message for 403 `ip_not_allowed` (the detail, naming the address, is appended).
pub const IP_NOT_ALLOWED_MESSAGE: &str = "your address is not in the allowed IPs: ask an admin to add it (`wt allowed-ips add CIDR`) from an allowed address";
/// Message for 403 `step_up_required` when it reaches the user (the commands that need a
/// step-up sign in again and retry once; this shows when that did not satisfy the server).
pub const STEP_UP_REQUIRED_MESSAGE: &str =
    "this change needs a recent sign-in, and the server still asks for one: try the command again";
/// Fallback for 422 `password_policy` without a detail (the detail, saying why, is shown
/// when the server sends one).
pub const PASSWORD_POLICY_MESSAGE: &str = "the password was refused by the password policy";

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code();
        // Codes with a fixed message come first: several of them travel as 401/403 but do
        // not mean "not logged in" / a role problem.
        match code {
            Some(codes::INVALID_CREDENTIALS) => return f.write_str("invalid email or password"),
            Some(codes::INVALID_CODE) => return f.write_str(INVALID_CODE_MESSAGE),
            Some(codes::CHALLENGE_INVALID) => return f.write_str(CHALLENGE_INVALID_MESSAGE),
            Some(codes::MFA_ENROLLMENT_REQUIRED) => {
                return f.write_str(MFA_ENROLLMENT_REQUIRED_MESSAGE);
            }
            Some(codes::INVITE_INVALID) => return f.write_str(INVITE_INVALID_MESSAGE),
            Some(codes::RESET_TOKEN_INVALID) => return f.write_str(RESET_TOKEN_INVALID_MESSAGE),
            Some(codes::LAST_OWNER) => return f.write_str(LAST_OWNER_MESSAGE),
            Some(codes::MFA_CODE_REQUIRED) => return f.write_str(MFA_CODE_REQUIRED_MESSAGE),
            Some(codes::ACCOUNT_EXISTS) => return f.write_str(ACCOUNT_EXISTS_MESSAGE),
            Some(codes::PASSWORD_POLICY) => {
                return f.write_str(self.detail().unwrap_or(PASSWORD_POLICY_MESSAGE));
            }
            Some(codes::WOULD_LOCK_OUT) => {
                let why = self
                    .detail()
                    .unwrap_or("the new list would refuse your own address");
                return write!(f, "{why}: {WOULD_LOCK_OUT_MESSAGE}");
            }
            Some(codes::IP_NOT_ALLOWED) => {
                f.write_str(IP_NOT_ALLOWED_MESSAGE)?;
                if let Some(d) = self.detail() {
                    write!(f, " ({d})")?;
                }
                return Ok(());
            }
            Some(codes::STEP_UP_REQUIRED) => return f.write_str(STEP_UP_REQUIRED_MESSAGE),
            _ => {}
        }
        if self.status == 429 || code == Some(codes::RATE_LIMITED) {
            f.write_str("rate limited by the server")?;
            if let Some(secs) = self.retry_after {
                write!(f, "; retry in {secs} s")?;
            }
            if let Some(d) = self.detail() {
                write!(f, " ({d})")?;
            }
            return Ok(());
        }
        if self.status == 401 {
            // WT_TOKEN overrides the keyring, so when it is set it was the credential sent.
            if std::env::var_os("WT_TOKEN").is_some_and(|v| !v.is_empty()) {
                write!(
                    f,
                    "{} refused the token in WT_TOKEN: it is invalid, expired or revoked; create a new one (`wt token create`) and update the CI secret, or unset WT_TOKEN to use `wt login`",
                    self.server
                )?;
            } else {
                write!(
                    f,
                    "not logged in to {}: the credential is missing, expired or revoked; run `wt login`",
                    self.server
                )?;
            }
            if let Some(d) = self.detail() {
                write!(f, " ({d})")?;
            }
            return Ok(());
        }
        let prefix = match self.status {
            403 => "permission denied: ",
            404 => "not found: ",
            _ => "",
        };
        match self.detail() {
            // "not found: not found" says nothing twice: a detail that only repeats the
            // prefix stands alone.
            Some(d)
                if !prefix.is_empty() && d.eq_ignore_ascii_case(prefix.trim_end_matches(": ")) =>
            {
                write!(f, "{d}")
            }
            Some(d) => write!(f, "{prefix}{d}"),
            None => write!(f, "{prefix}{}", self.title_or_status()),
        }
    }
}

/// Everything that can go wrong in `wt`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad combination of flags or values (clap catches most before we run).
    #[error("{0}")]
    Usage(String),
    /// A value or secret is needed, but we may not (or cannot) prompt for it.
    #[error(
        "{what} is required: pass {flag} (prompting is disabled by --no-input or impossible without a terminal)"
    )]
    InputRequired {
        what: &'static str,
        flag: &'static str,
    },
    /// A change needs a recent sign-in (step-up), but the password can't be asked for.
    #[error(
        "this change needs a recent sign-in: pass your password on stdin with --password-stdin (and, if your account has MFA, the code with --code-stdin on the next line), or run the command on a terminal to be prompted"
    )]
    StepUpInputRequired,
    /// Something named on the command line does not exist (found locally, not by a 404).
    #[error("{0}")]
    NotFound(String),
    /// A check ran and found a problem (`wt allowed-ips check`); the report was printed.
    #[error("{0}")]
    CheckFailed(String),
    /// `wt check`: the readiness checklist ran and the org is not ready (exit 1). The
    /// report was printed on stdout first; this is the one-line summary that follows it
    /// on stderr ("not ready: 2 of 6 checks fail (mfa, audit_reviewed)"). Kept apart from
    /// the errors that mean the checklist could NOT run (3, 4, 6), so CI can tell them apart.
    #[error("{0}")]
    NotReady(String),
    /// No credential for this server (neither WT_TOKEN nor a keyring entry).
    #[error("not logged in to {server}: run `wt login` (or set WT_TOKEN)")]
    NotLoggedIn { server: String },
    /// `wt invite accept`: the invited email already has an account, and we hold no
    /// session of it (exit 3, like not logged in).
    #[error("this email already has an account: run `wt login` as {email}, then accept again")]
    AccountExists { email: String },
    /// Could not connect to the daemon at all.
    #[error(
        "cannot reach the WatchTower daemon at {server} ({reason}); start a local one with `wt daemon start`, or point at another with --server / WT_SERVER"
    )]
    Unreachable { server: String, reason: String },
    /// Connected, but the request failed or timed out, or the answer was not understood.
    #[error("request to {server} failed: {reason}")]
    Transport { server: String, reason: String },
    /// The server answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The new password fails the password policy, checked locally before any request
    /// (exit 1, like the server's 422 `password_policy`); the message says why.
    #[error("{0}")]
    PasswordRefused(String),
    /// The user answered "no" to a confirmation prompt; nothing was changed.
    #[error("{0}")]
    Aborted(String),
    /// The OS keyring failed, timed out, or none is available.
    #[error("{0}")]
    Keyring(String),
    /// `wt daemon` could not start, stop or inspect the local daemon.
    #[error("{0}")]
    Daemon(String),
    /// `wt daemon status`: no healthy daemon (exit 6, after the report was printed).
    #[error("{0}")]
    DaemonNotRunning(String),
    /// Local I/O failed (stdin, stdout, files).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// `wt login --web`: a member denied the login in the console (exit 8).
    #[error("{0}")]
    DeviceDenied(String),
    /// `wt login --web`: the device code lapsed before it was approved (exit 9).
    #[error("{0}")]
    DeviceExpired(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
    /// `wt audit verify --checkpoint`: the evidence does not hold (exit 10).
    #[error("{0}")]
    Evidence(String),
}

impl CliError {
    /// Wraps an I/O error with what we were doing.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CliError::Io {
            context: context.into(),
            source,
        }
    }

    /// True for an API error answer carrying the problem `code`.
    pub fn is_api_code(&self, code: &str) -> bool {
        matches!(self, CliError::Api(api) if api.code() == Some(code))
    }

    /// True when stdout was closed under us (`wt ... | head`): exit quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The process exit code for this error. The one place that decides it.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::InputRequired { .. } | CliError::StepUpInputRequired => {
                exit::USAGE
            }
            CliError::NotFound(_) => exit::NOT_FOUND,
            CliError::NotLoggedIn { .. } | CliError::AccountExists { .. } => exit::NOT_LOGGED_IN,
            CliError::Unreachable { .. } | CliError::DaemonNotRunning(_) => exit::UNREACHABLE,
            CliError::Api(api) => api_exit_code(api),
            CliError::DeviceDenied(_) => exit::DEVICE_DENIED,
            CliError::DeviceExpired(_) => exit::DEVICE_EXPIRED,
            CliError::Evidence(_) => exit::EVIDENCE_MISMATCH,
            CliError::Io { .. } if self.is_broken_pipe() => exit::OK,
            CliError::Transport { .. }
            | CliError::CheckFailed(_)
            | CliError::NotReady(_)
            | CliError::Aborted(_)
            | CliError::PasswordRefused(_)
            | CliError::Keyring(_)
            | CliError::Daemon(_)
            | CliError::Io { .. }
            | CliError::Other(_) => exit::FAILURE,
        }
    }
}

fn api_exit_code(api: &ApiError) -> u8 {
    match (api.status, api.code()) {
        // Wrong password or code, or a dead login challenge: the credential (if any) is
        // fine, so these are failures, not "not logged in".
        (
            _,
            Some(
                codes::INVALID_CREDENTIALS
                | codes::INVALID_CODE
                | codes::CHALLENGE_INVALID
                | codes::INVITE_INVALID
                | codes::RESET_TOKEN_INVALID
                | codes::MFA_CODE_REQUIRED
                | codes::LAST_OWNER
                | codes::PASSWORD_POLICY,
            ),
        ) => exit::FAILURE,
        // The invited email has an account: log in to it (like "not logged in").
        (_, Some(codes::ACCOUNT_EXISTS)) => exit::NOT_LOGGED_IN,
        (_, Some(codes::MFA_ENROLLMENT_REQUIRED)) => exit::PERMISSION_DENIED,
        (401, _) | (_, Some(codes::UNAUTHENTICATED)) => exit::NOT_LOGGED_IN,
        (403, _) | (_, Some(codes::FORBIDDEN)) => exit::PERMISSION_DENIED,
        (404, _) | (_, Some(codes::NOT_FOUND)) => exit::NOT_FOUND,
        (429, _) | (_, Some(codes::RATE_LIMITED)) => exit::RATE_LIMITED,
        _ => exit::FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, detail: Option<&str>) -> CliError {
        CliError::Api(Box::new(ApiError {
            server: "http://127.0.0.1:8470".into(),
            status,
            problem: Some(Problem {
                type_uri: "about:blank".into(),
                title: "t".into(),
                status,
                code: code.into(),
                detail: detail.map(str::to_string),
                retry_after: None,
            }),
            retry_after: None,
        }))
    }

    #[test]
    fn unauthenticated_401_exits_3() {
        assert_eq!(api(401, codes::UNAUTHENTICATED, None).exit_code(), 3);
    }

    #[test]
    fn invalid_credentials_exits_1_with_generic_message() {
        let e = api(401, codes::INVALID_CREDENTIALS, Some("nope"));
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.to_string(), "invalid email or password");
    }

    #[test]
    fn mfa_enrollment_required_exits_4_and_says_run_wt_mfa_enroll() {
        let e = api(403, codes::MFA_ENROLLMENT_REQUIRED, Some("server words"));
        assert_eq!(e.exit_code(), 4);
        assert_eq!(
            e.to_string(),
            "your role requires MFA: run `wt mfa enroll` (until then only enrollment is allowed)"
        );
    }

    #[test]
    fn invalid_code_401_exits_1_not_3() {
        let e = api(401, codes::INVALID_CODE, None);
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.to_string(), "the code is wrong, expired or already used");
        assert!(e.is_api_code(codes::INVALID_CODE));
    }

    #[test]
    fn challenge_invalid_401_exits_1_and_says_log_in_again() {
        let e = api(401, codes::CHALLENGE_INVALID, None);
        assert_eq!(e.exit_code(), 1);
        assert_eq!(
            e.to_string(),
            "the login attempt expired or had too many wrong codes: run `wt login` again"
        );
    }

    #[test]
    fn forbidden_403_exits_4_and_shows_detail() {
        let e = api(403, codes::FORBIDDEN, Some("viewers cannot do that"));
        assert_eq!(e.exit_code(), 4);
        assert!(e.to_string().contains("viewers cannot do that"));
    }

    #[test]
    fn csrf_rejected_403_exits_4() {
        assert_eq!(api(403, codes::CSRF_REJECTED, None).exit_code(), 4);
    }

    #[test]
    fn not_found_404_exits_5() {
        assert_eq!(api(404, codes::NOT_FOUND, None).exit_code(), 5);
    }

    #[test]
    fn a_detail_that_repeats_the_prefix_is_not_said_twice() {
        assert_eq!(
            api(404, codes::NOT_FOUND, Some("not found")).to_string(),
            "not found"
        );
        assert_eq!(
            api(404, codes::NOT_FOUND, Some("no such invite")).to_string(),
            "not found: no such invite"
        );
    }

    #[test]
    fn rate_limited_429_exits_7_and_names_retry_after() {
        let e = CliError::Api(Box::new(ApiError {
            server: "http://x".into(),
            status: 429,
            problem: None,
            retry_after: Some(42),
        }));
        assert_eq!(e.exit_code(), 7);
        assert!(e.to_string().contains("retry in 42 s"), "{e}");
    }

    #[test]
    fn other_problem_codes_exit_1() {
        for (status, code) in [
            (400, codes::MALFORMED_REQUEST),
            (422, codes::VALIDATION_FAILED),
            (422, codes::PASSWORD_POLICY),
            (400, codes::SETUP_TOKEN_INVALID),
            (400, codes::ORG_REQUIRED),
            (409, codes::CONFLICT),
            (409, codes::LAST_OWNER),
            (401, codes::INVITE_INVALID),
            (401, codes::RESET_TOKEN_INVALID),
            (401, codes::MFA_CODE_REQUIRED),
            (413, codes::PAYLOAD_TOO_LARGE),
            (415, codes::UNSUPPORTED_MEDIA_TYPE),
            (500, codes::INTERNAL),
            (503, codes::TIMEOUT),
        ] {
            assert_eq!(api(status, code, None).exit_code(), 1, "{status} {code}");
        }
    }

    #[test]
    fn problem_detail_is_the_message() {
        let e = api(422, codes::PASSWORD_POLICY, Some("password is too common"));
        assert_eq!(e.to_string(), "password is too common");
    }

    #[test]
    fn error_without_problem_body_names_the_status() {
        let e = CliError::Api(Box::new(ApiError {
            server: "http://x".into(),
            status: 502,
            problem: None,
            retry_after: None,
        }));
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.to_string(), "HTTP 502");
    }

    #[test]
    fn local_errors_map_to_their_codes() {
        let server = "http://127.0.0.1:8470".to_string();
        assert_eq!(
            CliError::NotLoggedIn {
                server: server.clone()
            }
            .exit_code(),
            3
        );
        let unreachable = CliError::Unreachable {
            server,
            reason: "connection refused".into(),
        };
        assert_eq!(unreachable.exit_code(), 6);
        assert!(unreachable.to_string().contains("wt daemon start"));
        assert!(unreachable.to_string().contains("127.0.0.1:8470"));
        let input = CliError::InputRequired {
            what: "a password",
            flag: "--password-stdin",
        };
        assert_eq!(input.exit_code(), 2);
        assert!(input.to_string().contains("--password-stdin"));
        assert_eq!(CliError::Aborted("aborted".into()).exit_code(), 1);
        assert_eq!(CliError::Keyring("x".into()).exit_code(), 1);
    }

    #[test]
    fn invite_invalid_401_exits_1_and_says_ask_for_a_new_invite() {
        let e = api(401, codes::INVITE_INVALID, Some("server words"));
        assert_eq!(e.exit_code(), 1);
        assert_eq!(
            e.to_string(),
            "the invite link is invalid or has expired: ask for a new invite"
        );
    }

    #[test]
    fn reset_token_invalid_401_exits_1_and_says_run_forgot_again() {
        let e = api(401, codes::RESET_TOKEN_INVALID, None);
        assert_eq!(e.exit_code(), 1);
        assert_eq!(
            e.to_string(),
            "the reset link is invalid or has expired: run `wt password forgot EMAIL` again"
        );
    }

    #[test]
    fn last_owner_409_exits_1_and_says_keep_an_owner() {
        let e = api(409, codes::LAST_OWNER, Some("server words"));
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.to_string(), "the org must keep at least one owner");
    }

    #[test]
    fn account_exists_exits_3_and_says_log_in_first() {
        let e = api(401, codes::ACCOUNT_EXISTS, None);
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("run `wt login`"), "{e}");
        let named = CliError::AccountExists {
            email: "bob@example.com".into(),
        };
        assert_eq!(named.exit_code(), 3);
        assert_eq!(
            named.to_string(),
            "this email already has an account: run `wt login` as bob@example.com, then accept again"
        );
    }

    #[test]
    fn mfa_code_required_401_exits_1_naming_code_stdin() {
        let e = api(401, codes::MFA_CODE_REQUIRED, None);
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("--code-stdin"), "{e}");
    }

    #[test]
    fn password_policy_shows_why_or_a_generic_reason() {
        let e = api(
            422,
            codes::PASSWORD_POLICY,
            Some("password contains the org name"),
        );
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.to_string(), "password contains the org name");
        let bare = api(422, codes::PASSWORD_POLICY, None);
        assert_eq!(
            bare.to_string(),
            "the password was refused by the password policy"
        );
    }

    #[test]
    fn would_lock_out_409_exits_1_explains_and_names_force() {
        let e = api(
            409,
            codes::WOULD_LOCK_OUT,
            Some("your address 203.0.113.9 is not in the new list"),
        );
        assert_eq!(e.exit_code(), 1);
        let msg = e.to_string();
        assert!(
            msg.starts_with("your address 203.0.113.9 is not in the new list: "),
            "{msg}"
        );
        assert!(
            msg.contains("lock you out") && msg.contains("--force"),
            "{msg}"
        );
        let bare = api(409, codes::WOULD_LOCK_OUT, None).to_string();
        assert!(
            bare.contains("your own address") && bare.contains("--force"),
            "{bare}"
        );
    }

    #[test]
    fn ip_not_allowed_403_exits_4_and_names_the_list() {
        let e = api(403, codes::IP_NOT_ALLOWED, Some("203.0.113.9"));
        assert_eq!(e.exit_code(), 4);
        assert!(e.to_string().contains("allowed IPs"), "{e}");
        assert!(e.to_string().contains("203.0.113.9"), "{e}");
    }

    #[test]
    fn step_up_errors_name_what_to_do() {
        let e = api(403, codes::STEP_UP_REQUIRED, None);
        assert_eq!(e.exit_code(), 4);
        assert!(e.to_string().contains("recent sign-in"), "{e}");
        let local = CliError::StepUpInputRequired;
        assert_eq!(local.exit_code(), 2);
        let msg = local.to_string();
        assert!(
            msg.contains("--password-stdin") && msg.contains("--code-stdin"),
            "{msg}"
        );
        assert!(msg.contains("terminal"), "{msg}");
    }

    #[test]
    fn local_not_found_exits_5_and_failed_checks_exit_1() {
        assert_eq!(CliError::NotFound("no such entry".into()).exit_code(), 5);
        assert_eq!(CliError::CheckFailed("cut off".into()).exit_code(), 1);
    }

    #[test]
    fn not_ready_exits_1_and_is_its_summary() {
        let e = CliError::NotReady("not ready: 1 of 6 checks fails (mfa)".into());
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.to_string(), "not ready: 1 of 6 checks fails (mfa)");
    }

    #[test]
    fn broken_pipe_exits_quietly_with_success() {
        let e = CliError::io(
            "writing output",
            std::io::Error::from(std::io::ErrorKind::BrokenPipe),
        );
        assert!(e.is_broken_pipe());
        assert_eq!(e.exit_code(), 0);
    }
}
