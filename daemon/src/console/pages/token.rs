//! The page both emailed links (invitation, reset) open first.

use super::{error_box, layout};
use maud::{Markup, html};

/// Which emailed link a token page serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Invite,
    Reset,
}

/// The page an emailed link opens: `console.js` posts the token from the URL fragment
/// through this form; without JavaScript it is pasted by hand.
pub fn token_entry(kind: TokenKind, error: Option<&str>) -> Markup {
    let (title, action, what) = match kind {
        TokenKind::Invite => ("Accept your invitation", "/invite", "invite token"),
        TokenKind::Reset => ("Choose a new password", "/reset", "reset token"),
    };
    layout(
        title,
        None,
        html! {
            section {
                h1 { (title) }
                (error_box(error))
                form #token-form method="post" action=(action) {
                    label for="token" { "Paste the " (what) " from your email" }
                    input #token type="text" name="token" autocomplete="off" required;
                    button type="submit" { "Continue" }
                }
            }
        },
    )
}
