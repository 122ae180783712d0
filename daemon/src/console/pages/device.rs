//! The device login pages (`wt login --web`, RFC 8628): the verification page where the
//! user code is typed (or arrives filled in from the QR code's link), the approve/deny
//! screen that shows what is asking, and the answer.
//!
//! Approving needs a fresh second factor on this screen: a code from the authenticator
//! app (a plain form: works without JavaScript) or a passkey (its own ceremony page).

use super::{Viewer, csrf_field, error_box, layout, time};
use maud::{Markup, html};

/// The page for a browser that is not signed in: sign in, then open the link again.
pub fn device_signed_out(user_code: &str) -> Markup {
    let again = if user_code.is_empty() {
        "/device".to_string()
    } else {
        format!("/device?user_code={user_code}")
    };
    layout(
        "Approve a device login",
        None,
        html! {
            section #device-signed-out {
                h1 { "Approve a device login" }
                p { "A terminal is waiting for you to approve its sign-in (" code { "wt login --web" } "). Sign in to the console first." }
                p { a #device-login-link href=(crate::console::login_link(&again, "")) { "Sign in" } }
                p.hint { "After signing in you come back here with the code filled in, or open " a #device-again href=(again) { "this page" } " again." }
            }
        },
    )
}

/// The verification page: the user code's entry form.
pub fn device_entry(viewer: &Viewer<'_>, user_code: &str, error: Option<&str>) -> Markup {
    layout(
        "Approve a device login",
        Some(viewer),
        html! {
            section #device-entry {
                h1 { "Approve a device login" }
                (error_box(error))
                p { "Type the code that " code { "wt login --web" } " printed in your terminal. Only continue if you started that login yourself." }
                form #device-code-form method="post" action="/device" {
                    (csrf_field(viewer.csrf))
                    label for="user_code" { "Code (8 letters)" }
                    input #user_code type="text" name="user_code" value=(user_code) autocomplete="off"
                        autocapitalize="characters" spellcheck="false" maxlength="16" required
                        aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "error")];
                    button #device-continue type="submit" { "Continue" }
                }
            }
        },
    )
}

/// What the approve screen shows of the login asking.
pub struct ApproveView<'a> {
    pub viewer: &'a Viewer<'a>,
    pub grant_id: &'a str,
    pub user_code: &'a str,
    pub request_ip: &'a str,
    pub client_version: Option<&'a str>,
    pub os: Option<&'a str>,
    pub requested_at: &'a str,
    /// The role the terminal will act with (the approver's now); posted back, and the
    /// approval is refused if the approver's role changed since.
    pub role: &'a str,
    /// The account has an authenticator app (the code form is offered).
    pub totp: bool,
    /// The account has a passkey and passkeys work here (the passkey button is offered).
    pub passkey: bool,
    pub error: Option<&'a str>,
}

/// The approve/deny screen.
pub fn device_approve(v: &ApproveView<'_>) -> Markup {
    let csrf = v.viewer.csrf;
    layout(
        "Approve a device login",
        Some(v.viewer),
        html! {
            section #device-approve data-grant=(v.grant_id) {
                h1 { "Approve a device login?" }
                (error_box(v.error))
                p { "A " code { "wt" } " command asks to sign in as " strong { (v.viewer.email) } " with the role " strong #device-role { (v.role) } " in the org " strong #device-org { (v.viewer.org) } ". Approve only if you started it and the code matches your terminal." }
                dl #device-request {
                    dt { "Code" } dd #device-user-code { code { (v.user_code) } }
                    dt { "Requested from" } dd #device-request-ip { (v.request_ip) }
                    dt { "wt version" } dd #device-client-version { (v.client_version.unwrap_or("unknown")) }
                    dt { "Operating system" } dd #device-os { (v.os.unwrap_or("unknown")) }
                    dt { "Requested at (UTC)" } dd #device-requested-at { (time(v.requested_at)) }
                }
                @if !v.totp && !v.passkey {
                    p.error #device-no-factor role="status" { "Approving needs a second factor: add an authenticator app or a passkey on the " a href="/security" { "Security tab" } " first." }
                }
                @if v.totp {
                    form #device-approve-totp method="post" action="/device/approve" {
                        (csrf_field(csrf))
                        input type="hidden" name="grant" value=(v.grant_id);
                        input type="hidden" name="role" value=(v.role);
                        label for="device_code" { "Code from your authenticator app" }
                        input #device_code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required;
                        button #device-approve-code type="submit" { "Approve with the code" }
                    }
                }
                @if v.passkey {
                    form #device-approve-passkey method="post" action="/device/passkey" {
                        (csrf_field(csrf))
                        input type="hidden" name="grant" value=(v.grant_id);
                        input type="hidden" name="role" value=(v.role);
                        button #device-approve-passkey-go type="submit" { "Approve with a passkey" }
                    }
                }
                form #device-deny method="post" action="/device/deny" {
                    (csrf_field(csrf))
                    input type="hidden" name="grant" value=(v.grant_id);
                    button.danger #device-deny-go type="submit" { "Deny" }
                }
            }
        },
    )
}

/// The answer: the terminal goes on (approved) or stops (denied).
pub fn device_done(viewer: &Viewer<'_>, approved: bool) -> Markup {
    layout(
        if approved {
            "Device login approved"
        } else {
            "Device login denied"
        },
        Some(viewer),
        html! {
            section #device-done data-approved=(approved) {
                @if approved {
                    h1 { "Approved" }
                    p { "The terminal is signed in within a few seconds. You can close this page." }
                } @else {
                    h1 { "Denied" }
                    p { "The terminal's login was refused; nothing was signed in. If you did not start it, someone has your server's address and tried: consider reviewing the audit log." }
                }
                p { a href="/security" { "Back to the console" } }
            }
        },
    )
}
