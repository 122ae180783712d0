//! Choosing a new password from a reset link.

use super::{Fields, Problem, layout};
use maud::{Markup, html};

pub struct ResetView<'a> {
    pub token: &'a str,
    pub email_hint: &'a str,
    pub mfa_required: bool,
}

/// The new-password form; after an error, nothing typed is shown again (every field is a
/// secret), and the recovery-code field is open when that was used.
pub fn reset_form(problem: Option<Problem<'_>>, v: &ResetView<'_>) -> Markup {
    let f = Fields(problem);
    let recovery = problem.and_then(|p| p.field) == Some("recovery_code");
    layout(
        "Choose a new password",
        None,
        html! {
            section {
                h1 { "Choose a new password" }
                (f.summary())
                p { "For " strong #email-hint { (v.email_hint) } "." }
                form #reset-form method="post" action="/reset/complete" {
                    input type="hidden" name="token" value=(v.token);
                    label for="new_password" { "New password" }
                    input #new_password type="password" name="new_password" autocomplete="new-password" required
                        aria-invalid=[f.invalid("new_password")] aria-describedby=[f.described("new_password", true)] autofocus[f.focus("new_password", false)];
                    p.hint #new_password-hint { "A passphrase of a few unrelated words is best. Breached and common passwords, easy-to-guess patterns (repeats, keyboard rows, years, p@ssw0rd-style swaps) and your org's, email's or own name are refused, with the reason." }
                    (f.error("new_password"))
                    label for="new_password_confirm" { "Type it again" }
                    input #new_password_confirm type="password" name="new_password_confirm" autocomplete="new-password" required
                        aria-invalid=[f.invalid("new_password_confirm")] aria-describedby=[f.described("new_password_confirm", false)] autofocus[f.focus("new_password_confirm", false)];
                    (f.error("new_password_confirm"))
                    @if v.mfa_required {
                        label for="code" { "Code from your authenticator app" }
                        input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code"
                            aria-invalid=[f.invalid("code")] aria-describedby=[f.described("code", false)] autofocus[f.focus("code", false)];
                        (f.error("code"))
                        details #recovery-option open[recovery] {
                            summary { "Use a recovery code instead" }
                            label for="recovery_code" { "Recovery code" }
                            input #recovery_code type="text" name="recovery_code" autocomplete="off"
                                aria-invalid=[f.invalid("recovery_code")] aria-describedby=[f.described("recovery_code", false)] autofocus[f.focus("recovery_code", false)];
                            (f.error("recovery_code"))
                        }
                    }
                    button #reset-submit type="submit" { "Set the new password" }
                }
                p.hint { "Every session of this account ends; sign in again afterwards." }
                p { a #back-to-login href="/login" { "Back to sign in" } }
            }
        },
    )
}
