//! Sign in, the MFA step and the forgotten-password form.

use super::{error_box, layout};
use maud::{Markup, html};

pub fn login(error: Option<&str>, email: &str, ask_org: bool) -> Markup {
    layout(
        "Sign in",
        None,
        html! {
            section {
                h1 { "Sign in" }
                (error_box(error))
                form #login-form method="post" action="/login" {
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(email) autocomplete="username" required autofocus;
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    @if ask_org {
                        label for="org" { "Organisation (slug)" }
                        input #org type="text" name="org" required;
                    }
                    button #login-submit type="submit" { "Continue" }
                }
                p.hint { a href="/forgot" { "Forgot your password?" } }
            }
        },
    )
}

/// The second login step; `passkey`: the account has one (offered first).
pub fn login_mfa(error: Option<&str>, challenge: &str, passkey: bool) -> Markup {
    layout(
        "Two-factor authentication",
        None,
        html! {
            section {
                h1 { "Two-factor authentication" }
                (error_box(error))
                @if passkey {
                    (super::passkeys::login_offer(challenge))
                    p.hint { "Or:" }
                }
                form #mfa-form method="post" action="/login/mfa" {
                    input type="hidden" name="challenge" value=(challenge);
                    label for="code" { "Code from your authenticator app" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" autofocus;
                    details {
                        summary { "Use a recovery code instead" }
                        label for="recovery_code" { "Recovery code" }
                        input #recovery_code type="text" name="recovery_code" autocomplete="off";
                    }
                    button #mfa-submit type="submit" { "Sign in" }
                }
            }
        },
    )
}

pub fn forgot(error: Option<&str>, sent: bool) -> Markup {
    layout(
        "Forgot password",
        None,
        html! {
            section {
                h1 { "Forgot your password?" }
                (error_box(error))
                @if sent {
                    p.notice #sent role="status" { "If that address has an account, a reset link is on its way. It works once, for 30 minutes." }
                } @else {
                    form #forgot-form method="post" action="/forgot" {
                        label for="email" { "Email" }
                        input #email type="email" name="email" autocomplete="username" required autofocus;
                        button type="submit" { "Send a reset link" }
                    }
                }
                p { a #back-to-login href="/login" { "Back to sign in" } }
            }
        },
    )
}
