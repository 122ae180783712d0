//! The page both emailed links (invitation, reset) open first.

use super::{Fields, Problem, layout};
use maud::{Markup, html};

/// Which emailed link a token page serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Invite,
    Reset,
}

/// The page an emailed link opens: `console.js` posts the token from the URL fragment
/// through this form; without JavaScript it is pasted by hand. An error is about the
/// token (the field is left empty: it is a secret).
pub fn token_entry(kind: TokenKind, error: Option<&str>) -> Markup {
    let (title, action, what) = match kind {
        TokenKind::Invite => ("Accept your invitation", "/invite", "invite token"),
        TokenKind::Reset => ("Choose a new password", "/reset", "reset token"),
    };
    let f = Fields(error.map(|m| Problem::at("token", m)));
    layout(
        title,
        None,
        html! {
            section {
                h1 { (title) }
                (f.summary())
                form #token-form method="post" action=(action) {
                    label for="token" { "Paste the " (what) " from your email" }
                    input #token type="text" name="token" autocomplete="off" required
                        aria-invalid=[f.invalid("token")] aria-describedby=[f.described("token", false)];
                    (f.error("token"))
                    button type="submit" { "Continue" }
                }
                @if kind == TokenKind::Reset {
                    p { a #back-to-login href="/login" { "Back to sign in" } }
                }
            }
        },
    )
}
