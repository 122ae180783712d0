//! Passkeys: the Security tab's section (list, add, rename, remove, confirm with a
//! passkey), the page of a ceremony (the browser's passkey prompt), and the "Use a
//! passkey" offer on the sign-in's MFA step.
//!
//! WebAuthn needs JavaScript: a ceremony page carries the server's options in a
//! `data-options` attribute (no inline script, CSP), `console.js` calls
//! `navigator.credentials.create`/`get` with them and posts the answer in the page's
//! form. Without JavaScript the page says so; every other second factor still works.

use super::{Viewer, csrf_field, error_box, layout, step_up_fields};
use maud::{Markup, html};

/// One passkey as the Security tab lists it.
pub struct PasskeyRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    /// "synced passkey" or "device-bound passkey".
    pub kind: &'static str,
    pub aaguid: Option<String>,
    /// The attestation format at registration (`none`: not attested).
    pub attestation: String,
    /// Where the passkey lives, as the browser said ("built into the device", ...).
    pub attachment: &'static str,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

pub struct PasskeysView<'a> {
    pub csrf: &'a str,
    pub rows: Vec<PasskeyRow>,
    /// Why passkeys are off on this installation, if they are.
    pub unavailable: Option<String>,
    /// The session signed in or stepped up recently: no password needed for changes.
    pub fresh: bool,
    /// A TOTP code is part of a password step-up.
    pub totp: bool,
}

/// The Security tab's Passkeys section.
pub fn section(v: &PasskeysView<'_>) -> Markup {
    let csrf = v.csrf;
    let step_up = |prefix: &str| {
        html! {
            @if v.fresh {
                p.hint { "You signed in or confirmed it is you in the last 10 minutes: no password needed." }
            } @else {
                (step_up_fields(prefix, v.totp, true))
            }
        }
    };
    html! {
        section #passkeys {
            h2 { "Passkeys" }
            p.hint { "A passkey signs you in with your device's screen lock or a security key. It works only on this site, so it cannot be phished. It counts as your second factor." }
            @if let Some(why) = &v.unavailable {
                p.error #passkeys-unavailable role="status" { (why) }
            }
            @if v.rows.is_empty() {
                p #passkeys-none { "No passkeys yet." }
            } @else {
                table #passkeys-table {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Added (UTC)" } th scope="col" { "Last used (UTC)" } th scope="col" { "Backup" } th scope="col" { span.visually-hidden { "Actions" } } } }
                    tbody {
                        @for p in &v.rows {
                            tr data-passkey-id=(p.id) {
                                td.passkey-name { (p.name) }
                                td {
                                    (p.kind)
                                    @if let Some(a) = &p.aaguid { br; span.hint { "AAGUID " code { (a) } } }
                                    br;
                                    span.hint.passkey-attachment { (p.attachment) }
                                    br;
                                    span.hint { "attestation " code.passkey-attestation { (p.attestation) } }
                                }
                                td { (p.created) }
                                td { (p.last_used.as_deref().unwrap_or("never")) }
                                td {
                                    @if p.backup_eligible {
                                        @if p.backup_state { "backed up" } @else { "can be backed up, not yet" }
                                    } @else { "this device only" }
                                }
                                td {
                                    details.rename {
                                        summary { "Rename" }
                                        form method="post" action={ "/security/passkeys/" (p.id) "/rename" } {
                                            (csrf_field(csrf))
                                            label for={ "rename-" (p.id) } { "New name" }
                                            input id={ "rename-" (p.id) } type="text" name="name" value=(p.name) maxlength="64" required;
                                            button.secondary type="submit" { "Rename" }
                                        }
                                    }
                                    details.remove {
                                        summary { "Remove" }
                                        form.passkey-remove-form method="post" action={ "/security/passkeys/" (p.id) "/remove" } {
                                            (csrf_field(csrf))
                                            (step_up(&format!("remove-{}", p.id)))
                                            button.danger type="submit" { "Remove " (p.name) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if v.unavailable.is_none() {
                form #passkey-add-form method="post" action="/security/passkeys/register" {
                    (csrf_field(csrf))
                    label for="passkey_name" { "Name of the new passkey" }
                    input #passkey_name type="text" name="name" maxlength="64" placeholder="e.g. Work laptop" required;
                    (step_up("passkey-add"))
                    button #passkey-add type="submit" { "Add a passkey" }
                }
                @if !v.rows.is_empty() {
                    form #passkey-step-up-form method="post" action="/security/passkeys/step-up" {
                        (csrf_field(csrf))
                        p.hint { "Confirm it is you with a passkey instead of your password: changes need no password for the next 10 minutes." }
                        button.secondary #passkey-step-up type="submit" { "Confirm with a passkey" }
                    }
                }
            }
        }
    }
}

/// What a ceremony page asks the browser for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    /// `navigator.credentials.create` (registration).
    Create,
    /// `navigator.credentials.get` (an assertion).
    Get,
}

/// A ceremony page: the options for the browser in `data-options`, the form the answer
/// is posted in, and what to do without JavaScript.
pub struct CeremonyView<'a> {
    pub viewer: Option<&'a Viewer<'a>>,
    pub title: &'a str,
    pub intro: &'a str,
    pub kind: Ceremony,
    pub options_json: &'a str,
    pub action: &'a str,
    /// Hidden fields posted with the answer (CSRF token, ceremony id, challenge).
    pub hidden: Vec<(&'a str, &'a str)>,
    pub button: &'a str,
    pub back: (&'a str, &'a str),
    pub error: Option<&'a str>,
}

pub fn ceremony(v: &CeremonyView<'_>) -> Markup {
    let kind = match v.kind {
        Ceremony::Create => "create",
        Ceremony::Get => "get",
    };
    layout(
        v.title,
        v.viewer,
        html! {
            section #passkey-ceremony {
                h1 { (v.title) }
                (error_box(v.error))
                p { (v.intro) }
                form #passkey-form method="post" action=(v.action) data-webauthn=(kind) data-options=(v.options_json) {
                    @for (name, value) in &v.hidden {
                        input type="hidden" name=(name) value=(value);
                    }
                    input #passkey-credential type="hidden" name="credential" value="";
                    button #passkey-go type="button" { (v.button) }
                }
                p.error #passkey-status role="status" aria-live="polite" {}
                noscript { p.error { "Passkeys need JavaScript in this browser. Turn it on, or go back and use another way." } }
                p { a #passkey-back href=(v.back.0) { (v.back.1) } }
            }
        },
    )
}

/// The MFA step's passkey offer: a form that starts the assertion (on its own page).
pub fn login_offer(challenge: &str, next: &str) -> Markup {
    html! {
        form #passkey-login-form method="post" action="/login/passkey" {
            input type="hidden" name="challenge" value=(challenge);
            (super::login::next_field(next))
            button #passkey-login type="submit" { "Use a passkey" }
        }
    }
}

/// The login page's passwordless offer: a button that opens a ceremony page, and, when a
/// ceremony was started for it, the hidden form that conditional UI (the browser's
/// autofill of this site's passkeys) answers.
pub struct SigninOffer<'a> {
    /// The org's slug typed so far (a member of several orgs needs it).
    pub org: &'a str,
    /// Ask for the org (the account is in several).
    pub ask_org: bool,
    /// A started ceremony for conditional UI: (id, options JSON).
    pub conditional: Option<(&'a str, &'a str)>,
    /// Where to go after signing in (already checked; empty: the Security tab).
    pub next: &'a str,
}

pub fn signin_offer(v: &SigninOffer<'_>) -> Markup {
    html! {
        section #passkey-signin aria-labelledby="passkey-signin-title" {
            h2 #passkey-signin-title { "Or sign in with a passkey" }
            p.hint { "No password needed: your device's screen lock or security key confirms it is you." }
            form #passkey-signin-form method="post" action="/login/passkey/start" {
                (super::login::next_field(v.next))
                @if v.ask_org {
                    label for="passkey-org" { "Organisation (slug)" }
                    input #passkey-org type="text" name="org" value=(v.org) autocomplete="organization" required;
                } @else {
                    input type="hidden" name="org" value=(v.org);
                }
                button.secondary #passkey-signin-start type="submit" { "Sign in with a passkey" }
            }
            @if let Some((id, options)) = v.conditional {
                form #passkey-conditional-form method="post" action="/login/passkey/signin" hidden data-webauthn-conditional="get" data-options=(options) {
                    input type="hidden" name="ceremony" value=(id);
                    input type="hidden" name="org" value=(v.org);
                    (super::login::next_field(v.next))
                    input #passkey-conditional-credential type="hidden" name="credential" value="";
                }
            }
        }
    }
}

/// On an admin tab: confirm with a passkey instead of typing the password in each form
/// (the ceremony page comes back to `back`). A form of its own, outside the action forms.
pub fn step_up_offer(csrf: &str, back: &str) -> Markup {
    html! {
        form #passkey-step-up-form method="post" action="/security/passkeys/step-up" {
            (csrf_field(csrf))
            input type="hidden" name="back" value=(back);
            p.hint { "Have a passkey? Confirm it is you with it, then leave the password below empty: for 10 minutes no password is needed." }
            button.secondary #passkey-step-up type="submit" { "Confirm with a passkey" }
        }
    }
}
