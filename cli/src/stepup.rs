//! Step-up: signing the current session in again before a sensitive change.
//!
//! Some changes (allowed-IP edits) need a recent sign-in: the server answers them with
//! 403 `step_up_required`. [`with_step_up`] then asks for the password (and, when the
//! server says MFA is on, a current code), posts `POST /auth/step-up`, and sends the
//! change again, once. Nothing is asked when the session was signed in recently.
//!
//! The password and code come from stdin (`--password-stdin`, `--code-stdin`, the same
//! flags and line order as `wt mfa disable`) or hidden prompts, never from flags; they are
//! wiped after use and never printed. Under `--no-input` (or without a terminal) and
//! without `--password-stdin`, the command fails with [`CliError::StepUpInputRequired`],
//! naming the flags.

use crate::cmd::common::read_current_password;
use crate::cmd::mfa::common::{clean_totp, totp_input, with_code};
use crate::secret::Secret;
use crate::{CliError, Ctx};
use wt_api::{StepUpRequest, StepUpResponse, codes};
use zeroize::Zeroize;

/// `POST`: re-authenticate the current session.
pub const STEP_UP_PATH: &str = "/auth/step-up";

/// Shown when the step-up password is wrong (the server's `invalid_credentials`, whose
/// usual message speaks of an email nobody typed here).
pub const WRONG_PASSWORD_MESSAGE: &str =
    "wrong password: the sign-in needed for this change failed, and nothing was changed";

/// The flags of a command that may need a step-up. Flatten into its `Args`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::Args)]
pub struct StepUpArgs {
    /// If a recent sign-in is needed: read your password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,

    /// If a recent sign-in is needed and MFA is on: read the code from stdin (line 2 with --password-stdin, else line 1)
    #[arg(long)]
    pub code_stdin: bool,
}

/// Runs `change`; when the server answers `step_up_required`, signs in again with
/// [`step_up`] and runs `change` once more (its answer is final).
pub async fn with_step_up<T>(
    ctx: &Ctx,
    token: &Secret,
    args: StepUpArgs,
    mut change: impl AsyncFnMut() -> Result<T, CliError>,
) -> Result<T, CliError> {
    match change().await {
        Err(e) if e.is_api_code(codes::STEP_UP_REQUIRED) => {
            step_up(ctx, token, args).await?;
            change().await
        }
        other => other,
    }
}

/// `POST /auth/step-up` for the session `token`: the password, then, when the server
/// answers `mfa_code_required`, a code (prompted, up to 3 tries). With `--code-stdin` the
/// code is read up front and sent with the password.
pub async fn step_up(
    ctx: &Ctx,
    token: &Secret,
    args: StepUpArgs,
) -> Result<StepUpResponse, CliError> {
    let io = &ctx.io;
    if !args.password_stdin && !io.can_prompt() {
        return Err(CliError::StepUpInputRequired);
    }
    io.eprintln("This change needs a recent sign-in: confirm your password.");
    let password = read_current_password(io, args.password_stdin)?;
    if password.is_blank() {
        return Err(CliError::Usage("the password must not be empty".into()));
    }
    let code = if args.code_stdin {
        Some(clean_totp(&io.read_stdin_secret("an authentication code")?))
    } else {
        None
    };
    let client = ctx.client()?;
    let send = async |code: Option<Secret>| {
        let mut req = StepUpRequest {
            password: password.expose().to_string(),
            code: code.map(|c| c.expose().to_string()),
        };
        let r: Result<StepUpResponse, CliError> =
            client.post(STEP_UP_PATH, &req, Some(token)).await;
        req.password.zeroize();
        req.code.zeroize();
        r
    };
    let result = match send(code.clone()).await {
        // MFA is on and no code was given: ask for one on a terminal (else the mapped
        // error names --code-stdin).
        Err(e) if code.is_none() && io.can_prompt() && e.is_api_code(codes::MFA_CODE_REQUIRED) => {
            io.eprintln("MFA is on for your account: a code is needed.");
            with_code(io, &totp_input(false), async |c: Secret| {
                send(Some(clean_totp(&c))).await
            })
            .await
        }
        other => other,
    };
    result.map_err(|e| {
        if e.is_api_code(codes::INVALID_CREDENTIALS) {
            CliError::Other(WRONG_PASSWORD_MESSAGE.into())
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::OutputFormat;
    use crate::testutil::{Reply, Stub, ctx_for};

    const CHANGE: &str = "/api/v1/orgs/allowed-ips";
    const STEP_UP: &str = "/api/v1/auth/step-up";

    fn until() -> Reply {
        Reply::json(200, serde_json::json!({"until": "2026-01-01T00:10:00Z"}))
    }

    #[tokio::test]
    async fn no_step_up_is_asked_when_the_change_goes_through() {
        let stub = Stub::start(vec![(
            "POST",
            CHANGE,
            Reply::json(201, serde_json::json!({"ok": true})),
        )])
        .await;
        let (ctx, _, err) = ctx_for(&stub, OutputFormat::Json).await;
        let token = Secret::new("wts_abc123".into());
        let args = StepUpArgs::default();
        let r = with_step_up(&ctx, &token, args, async || {
            ctx.client()?
                .post("/orgs/allowed-ips", &serde_json::json!({}), Some(&token))
                .await
        })
        .await;
        let r: Result<serde_json::Value, CliError> = r;
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(stub.requests().len(), 1);
        assert!(err.contents().is_empty());
    }

    #[tokio::test]
    async fn under_no_input_without_password_stdin_the_error_names_both_flags() {
        let stub = Stub::start(vec![
            ("POST", CHANGE, Reply::problem(403, "step_up_required")),
            ("POST", STEP_UP, until()),
        ])
        .await;
        let (ctx, _, _) = ctx_for(&stub, OutputFormat::Json).await;
        let token = Secret::new("wts_abc123".into());
        let r: Result<serde_json::Value, CliError> =
            with_step_up(&ctx, &token, StepUpArgs::default(), async || {
                ctx.client()?
                    .post("/orgs/allowed-ips", &serde_json::json!({}), Some(&token))
                    .await
            })
            .await;
        let e = r.err().map(|e| (e.exit_code(), e.to_string()));
        let (code, msg) = e.unwrap_or_default();
        assert_eq!(code, 2);
        assert!(
            msg.contains("--password-stdin") && msg.contains("--code-stdin"),
            "{msg}"
        );
        let paths: Vec<String> = stub.requests().iter().map(|s| s.path.clone()).collect();
        assert_eq!(paths, [CHANGE], "no step-up was attempted");
    }
}
