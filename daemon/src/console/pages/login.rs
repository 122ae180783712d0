//! Sign in, the MFA step and the forgotten-password form.

use super::{Fields, Problem, layout};
use maud::{Markup, html};

/// The sign-in form, with what was typed before (never the password).
/// `next`: where to go after signing in (already checked; empty: the Security tab).
pub fn login(
    problem: Option<Problem<'_>>,
    email: &str,
    org: &str,
    ask_org: bool,
    next: &str,
) -> Markup {
    login_with(problem, email, org, ask_org, None, next)
}

/// The hidden field that carries `next` through the sign-in's steps.
pub(super) fn next_field(next: &str) -> Markup {
    html! {
        @if !next.is_empty() {
            input type="hidden" name="next" value=(next);
        }
    }
}

/// The sign-in form with the passwordless offer (`passkey`: when this installation can
/// use passkeys; its conditional-UI ceremony when one was started).
pub fn login_with(
    problem: Option<Problem<'_>>,
    email: &str,
    org: &str,
    ask_org: bool,
    passkey: Option<&super::passkeys::SigninOffer<'_>>,
    next: &str,
) -> Markup {
    let f = Fields(problem);
    // With a passkey offer the browser may list this site's passkeys in the address
    // field's autofill (conditional UI).
    let email_autocomplete = if passkey.is_some() {
        "username webauthn"
    } else {
        "username"
    };
    layout(
        "Sign in",
        None,
        html! {
            section {
                h1 { "Sign in" }
                (f.summary())
                form #login-form method="post" action="/login" {
                    (next_field(next))
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(email) autocomplete=(email_autocomplete) required
                        aria-invalid=[f.invalid("email")] aria-describedby=[f.described("email", false)] autofocus[f.focus("email", true)];
                    (f.error("email"))
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required
                        aria-invalid=[f.invalid("password")] aria-describedby=[f.described("password", false)] autofocus[f.focus("password", false)];
                    (f.error("password"))
                    @if ask_org {
                        label for="org" { "Organisation (slug)" }
                        input #org type="text" name="org" value=(org) autocomplete="organization" required
                            aria-invalid=[f.invalid("org")] aria-describedby=[f.described("org", true)] autofocus[f.focus("org", false)];
                        p.hint #org-hint { "The short name of the org in its address, e.g. acme." }
                        (f.error("org"))
                    }
                    button #login-submit type="submit" { "Continue" }
                }
                p.hint { a href="/forgot" { "Forgot your password?" } }
                @if let Some(offer) = passkey {
                    (super::passkeys::signin_offer(offer))
                }
            }
        },
    )
}

/// The code step of a login; the recovery-code field is open when that was used;
/// `passkey`: the account has one (offered first).
pub fn login_mfa(
    problem: Option<Problem<'_>>,
    challenge: &str,
    passkey: bool,
    next: &str,
) -> Markup {
    let f = Fields(problem);
    let recovery = problem.and_then(|p| p.field) == Some("recovery_code");
    layout(
        "Two-factor authentication",
        None,
        html! {
            section {
                h1 { "Two-factor authentication" }
                (f.summary())
                @if passkey {
                    (super::passkeys::login_offer(challenge, next))
                    p.hint { "Or:" }
                }
                form #mfa-form method="post" action="/login/mfa" {
                    input type="hidden" name="challenge" value=(challenge);
                    (next_field(next))
                    label for="code" { "Code from your authenticator app" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*"
                        aria-invalid=[f.invalid("code")] aria-describedby=[f.described("code", false)] autofocus[f.focus("code", true)];
                    (f.error("code"))
                    details #recovery-option open[recovery] {
                        summary { "Use a recovery code instead" }
                        label for="recovery_code" { "Recovery code" }
                        input #recovery_code type="text" name="recovery_code" autocomplete="off"
                            aria-invalid=[f.invalid("recovery_code")] aria-describedby=[f.described("recovery_code", false)] autofocus[f.focus("recovery_code", false)];
                        (f.error("recovery_code"))
                    }
                    button #mfa-submit type="submit" { "Sign in" }
                }
            }
        },
    )
}

/// The forgotten-password form, with the address typed before.
pub fn forgot(problem: Option<Problem<'_>>, email: &str, sent: bool) -> Markup {
    let f = Fields(problem);
    layout(
        "Forgot password",
        None,
        html! {
            section {
                h1 { "Forgot your password?" }
                (f.summary())
                @if sent {
                    p.notice #sent role="status" { "If that address has an account, a reset link is on its way. It works once, for 30 minutes." }
                } @else {
                    form #forgot-form method="post" action="/forgot" {
                        label for="email" { "Email" }
                        input #email type="email" name="email" value=(email) autocomplete="username" required
                            aria-invalid=[f.invalid("email")] aria-describedby=[f.described("email", false)] autofocus;
                        (f.error("email"))
                        button type="submit" { "Send a reset link" }
                    }
                }
                p { a #back-to-login href="/login" { "Back to sign in" } }
            }
        },
    )
}
