//! What the `wt mfa` subcommands (and `wt login`) share: reading a code from stdin or a
//! prompt with bounded retries, confirming a pending enrollment, showing recovery codes,
//! and formatting the TOTP secret for manual entry.

use crate::cmd::common::read_current_password;
use crate::output::{Io, OutputFormat};
use crate::secret::Secret;
use crate::{CliError, Ctx};
use wt_api::{MfaStepUpRequest, RecoveryCodesResponse, TotpConfirmRequest, codes};
use zeroize::Zeroize;

/// How many codes a person may type at a prompt before we give up (the server allows a
/// login challenge 5 wrong codes; 3 keeps a typo-prone user well under that). Codes read
/// from stdin get exactly one try: a script would only send the same code again.
pub const PROMPT_ATTEMPTS: u32 = 3;

/// Where a code comes from and how to ask for it.
pub struct CodeInput {
    /// Read one line of stdin (one try) instead of prompting.
    pub from_stdin: bool,
    /// The prompt text.
    pub prompt: &'static str,
    /// What it is, for error messages ("an authentication code").
    pub what: &'static str,
    /// The flag to use instead of a prompt, for error messages.
    pub flag: &'static str,
}

/// The TOTP prompt used by every `wt mfa` command.
pub fn totp_input(from_stdin: bool) -> CodeInput {
    CodeInput {
        from_stdin,
        prompt: "Authentication code (6 digits from your authenticator app)",
        what: "an authentication code",
        flag: "--code-stdin",
    }
}

/// Gets a code and calls `attempt` with it; when prompting, a 401 `invalid_code` answer
/// asks again, up to [`PROMPT_ATTEMPTS`] codes in all. Any other error ends at once.
pub async fn with_code<T>(
    io: &Io,
    input: &CodeInput,
    mut attempt: impl AsyncFnMut(Secret) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let tries = if input.from_stdin { 1 } else { PROMPT_ATTEMPTS };
    let mut left = tries;
    loop {
        left -= 1;
        let code = if input.from_stdin {
            io.read_stdin_secret(input.what)?
        } else {
            io.prompt_secret(input.prompt, false, input.what, input.flag)?
        };
        match attempt(code).await {
            Err(e) if left > 0 && e.is_api_code(codes::INVALID_CODE) => {
                io.eprintln(&format!("{e}; try again ({left} left)"));
            }
            other => return other,
        }
    }
}

/// A TOTP code as typed: surrounding and inner whitespace removed (`123 456`).
pub fn clean_totp(code: &Secret) -> Secret {
    Secret::new(
        code.expose()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    )
}

/// True for what looks like a TOTP code (6 ASCII digits once whitespace is removed);
/// anything else typed at the login prompt is taken as a recovery code.
pub fn looks_like_totp(code: &Secret) -> bool {
    let c = clean_totp(code);
    c.expose().len() == 6 && c.expose().bytes().all(|b| b.is_ascii_digit())
}

/// `POST /auth/mfa/totp/confirm` with a code from `input` (retrying at a prompt).
pub async fn confirm_enrollment(
    ctx: &Ctx,
    token: &Secret,
    input: &CodeInput,
) -> Result<RecoveryCodesResponse, CliError> {
    let client = ctx.client()?;
    with_code(&ctx.io, input, async |code: Secret| {
        let mut req = TotpConfirmRequest {
            code: clean_totp(&code).expose().to_string(),
        };
        let r = client
            .post("/auth/mfa/totp/confirm", &req, Some(token))
            .await;
        req.code.zeroize();
        r
    })
    .await
}

/// Reads the step-up pair (password, then a current TOTP code) for `wt mfa disable` and
/// `wt mfa recovery-codes`. Stdin lines are taken in that order: with both flags line 1 is
/// the password and line 2 the code; with one flag, that value is line 1.
/// The caller wipes the returned request after sending it.
pub fn read_step_up(
    io: &Io,
    password_stdin: bool,
    code_stdin: bool,
) -> Result<MfaStepUpRequest, CliError> {
    let password = read_current_password(io, password_stdin)?;
    let input = totp_input(code_stdin);
    let code = if code_stdin {
        io.read_stdin_secret(input.what)?
    } else {
        io.prompt_secret(input.prompt, false, input.what, input.flag)?
    };
    Ok(MfaStepUpRequest {
        passkey: None,
        password: password.expose().to_string(),
        code: clean_totp(&code).expose().to_string(),
    })
}

/// Wipes the secrets of a sent step-up request.
pub fn wipe_step_up(mut req: MfaStepUpRequest) {
    req.password.zeroize();
    req.code.zeroize();
}

/// Prints fresh recovery codes: `{recovery_codes}` as JSON, or a list with the reminder to
/// store them. On a terminal (table output, prompting allowed) it then asks whether they
/// were stored, repeating the reminder until the answer is yes.
pub fn show_recovery_codes(ctx: &Ctx, codes: &RecoveryCodesResponse) -> Result<(), CliError> {
    let io = &ctx.io;
    if ctx.output == OutputFormat::Json {
        return io.print_json(codes);
    }
    io.println("Recovery codes (each works once; they are shown only now):")?;
    for c in &codes.recovery_codes {
        io.println(&format!("  {c}"))?;
    }
    io.println(STORE_REMINDER)?;
    if io.can_prompt() {
        // Bounded so a misbehaving terminal can't loop forever; the reminder is on screen.
        for _ in 0..STORED_QUESTION_ROUNDS {
            match io.prompt_confirm(
                "Have you stored the recovery codes?",
                "a confirmation",
                "--no-input",
            ) {
                Ok(true) | Err(_) => break,
                Ok(false) => io.eprintln(STORE_REMINDER),
            }
        }
    }
    Ok(())
}

/// How often "Have you stored the recovery codes?" is asked at most.
const STORED_QUESTION_ROUNDS: u32 = 5;

/// The line printed with recovery codes.
pub const STORE_REMINDER: &str = "Store these recovery codes now, somewhere safe and apart from your authenticator (e.g. a password manager): each one lets you log in once if you lose your authenticator, and they will not be shown again.";

/// The base32 secret in groups of four for typing into an app: `JBSW Y3DP EHPK 3PXP`.
pub fn group_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_grouped_in_fours_for_manual_entry() {
        assert_eq!(group_secret("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(group_secret("JBSWY3DPEHPK3PX"), "JBSW Y3DP EHPK 3PX");
        assert_eq!(group_secret("ABC"), "ABC");
        assert_eq!(group_secret(""), "");
    }

    #[test]
    fn six_digits_are_a_totp_code_anything_else_a_recovery_code() {
        let s = |v: &str| Secret::new(v.to_string());
        assert!(looks_like_totp(&s("123456")));
        assert!(looks_like_totp(&s(" 123 456 ")));
        assert!(!looks_like_totp(&s("12345")));
        assert!(!looks_like_totp(&s("1234567")));
        assert!(!looks_like_totp(&s("abcd-efgh-2345")));
        assert_eq!(clean_totp(&s(" 123 456\t")).expose(), "123456");
    }
}
