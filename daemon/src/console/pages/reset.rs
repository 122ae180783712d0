//! Choosing a new password from a reset link.

use super::{error_box, layout};
use maud::{Markup, html};

pub struct ResetView<'a> {
    pub token: &'a str,
    pub email_hint: &'a str,
    pub mfa_required: bool,
}

pub fn reset_form(error: Option<&str>, v: &ResetView<'_>) -> Markup {
    layout(
        "Choose a new password",
        None,
        html! {
            section {
                h1 { "Choose a new password" }
                (error_box(error))
                p { "For " strong #email-hint { (v.email_hint) } "." }
                form #reset-form method="post" action="/reset/complete" {
                    input type="hidden" name="token" value=(v.token);
                    label for="new_password" { "New password" }
                    input #new_password type="password" name="new_password" autocomplete="new-password" required;
                    p.hint { "A passphrase of a few unrelated words is best. Breached and common passwords, easy-to-guess patterns (repeats, keyboard rows, years, p@ssw0rd-style swaps) and your org's, email's or own name are refused, with the reason." }
                    label for="new_password_confirm" { "Type it again" }
                    input #new_password_confirm type="password" name="new_password_confirm" autocomplete="new-password" required;
                    @if v.mfa_required {
                        label for="code" { "Code from your authenticator app" }
                        input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code";
                        details {
                            summary { "Use a recovery code instead" }
                            label for="recovery_code" { "Recovery code" }
                            input #recovery_code type="text" name="recovery_code" autocomplete="off";
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
