//! The invitee's page: who invites them to what, and the acceptance form.

use super::{Fields, Problem, csrf_field, layout};
use maud::{Markup, html};

/// What the invitee sees before accepting.
pub struct InviteView<'a> {
    pub token: &'a str,
    pub org: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub min_len: usize,
    pub account_exists: bool,
    /// The browser is signed in to the invited account (then no password is asked).
    pub signed_in_as_invitee: Option<&'a str>,
}

/// The acceptance form, with the name typed before (never the password).
pub fn invite_accept(problem: Option<Problem<'_>>, v: &InviteView<'_>, name: &str) -> Markup {
    let f = Fields(problem);
    layout(
        "Accept your invitation",
        None,
        html! {
            section {
                h1 { "Join " (v.org) }
                (f.summary())
                p #invite-summary { "You are invited as " strong { (v.role) } " with " strong { (v.email) } "." }
                @if let Some(csrf) = v.signed_in_as_invitee {
                    form #invite-accept-form method="post" action="/invite/accept" {
                        input type="hidden" name="token" value=(v.token);
                        (csrf_field(csrf))
                        button #accept-submit type="submit" { "Join " (v.org) }
                    }
                } @else if v.account_exists {
                    p { "This email already has a WatchTower account. "
                        a href="/login" { "Sign in to it" }
                        ", then open the link from the email again." }
                } @else {
                    form #invite-accept-form method="post" action="/invite/accept" {
                        input type="hidden" name="token" value=(v.token);
                        label for="name" { "Your name" }
                        input #name type="text" name="name" value=(name) autocomplete="name" required
                            aria-invalid=[f.invalid("name")] aria-describedby=[f.described("name", false)] autofocus[f.focus("name", true)];
                        (f.error("name"))
                        label for="password" { "Choose a password" }
                        input #password type="password" name="password" autocomplete="new-password" required minlength=(v.min_len)
                            aria-invalid=[f.invalid("password")] aria-describedby=[f.described("password", true)] autofocus[f.focus("password", false)];
                        p.hint #password-hint { "At least " (v.min_len) " characters; a passphrase of a few unrelated words is best. Any characters are fine. Breached and common passwords, easy-to-guess patterns (repeats, keyboard rows, years, p@ssw0rd-style swaps) and your org's, email's or own name are refused, with the reason." }
                        (f.error("password"))
                        label for="password_confirm" { "Type it again" }
                        input #password_confirm type="password" name="password_confirm" autocomplete="new-password" required
                            aria-invalid=[f.invalid("password_confirm")] aria-describedby=[f.described("password_confirm", false)] autofocus[f.focus("password_confirm", false)];
                        (f.error("password_confirm"))
                        button #accept-submit type="submit" { "Accept and sign in" }
                    }
                }
            }
        },
    )
}
