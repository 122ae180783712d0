//! The Security tab: MFA, recovery codes, password and the member's own sessions.

use super::{Fields, Problem, Viewer, csrf_field, error_box, layout, step_up_fields_in, time};
use maud::{Markup, PreEscaped, html};

/// One row of the sessions table.
pub struct SessionRow {
    pub id: String,
    pub client: String,
    pub device: String,
    pub ip: String,
    pub last_seen: String,
    pub current: bool,
}

pub struct SecurityView<'a> {
    pub viewer: Viewer<'a>,
    pub name: &'a str,
    pub role: &'a str,
    pub mfa_enabled: bool,
    /// An authenticator app (TOTP) is set up; with MFA on and none, the member's second
    /// factor is their passkeys.
    pub totp: bool,
    /// The role requires MFA and none is enrolled.
    pub mfa_required: bool,
    /// ...and nothing else is allowed until it is.
    pub restricted: bool,
    pub recovery_codes_remaining: u32,
    pub sessions: Vec<SessionRow>,
    /// The Passkeys section (`pages::passkeys::section`).
    pub passkeys: Markup,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The form whose post failed: its section stays open, the error shows next to
    /// `field` (an input's id) when it is about one.
    pub failed: Option<SecurityForm>,
    pub field: Option<&'a str>,
}

/// The Security tab's forms, for [`SecurityView::failed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityForm {
    RecoveryCodes,
    DisableMfa,
    Password,
    Sessions,
}

pub fn security(v: &SecurityView<'_>) -> Markup {
    let csrf = v.viewer.csrf;
    let problem = v.error.map(|message| Problem {
        message,
        field: v.field,
    });
    // Field errors only on the form that failed.
    let on = |form: SecurityForm| Fields(problem.filter(|_| v.failed == Some(form)));
    let others = v.sessions.iter().filter(|s| !s.current).count();
    layout(
        "Security",
        Some(&v.viewer),
        html! {
            h1 { "Security" }
            (super::notice_box(v.notice))
            (error_box(v.error))
            section #mfa {
                h2 { "Authenticator app (two-factor codes)" }
                @if v.mfa_enabled && !v.totp {
                    // Passkeys only: two-factor is on through them; the app is optional.
                    p #mfa-passkey-only {
                        "Two-factor authentication is "
                        span.status-on #mfa-status { "on" }
                        " with your passkeys · " span #recovery-remaining { (v.recovery_codes_remaining) } " recovery codes left"
                    }
                    p.hint { "No authenticator app is set up. It is optional: add one as a backup for when your passkeys are not at hand (and to confirm changes from the CLI, which cannot use passkeys)." }
                    details #recovery-passkey {
                        summary { "New recovery codes" }
                        p.hint { "Voids the codes you have now. Confirm with one of your passkeys." }
                        form #recovery-passkey-form method="post" action="/security/mfa/recovery-codes/passkey" {
                            (csrf_field(csrf))
                            button #recovery-passkey-start type="submit" { "Show new recovery codes" }
                        }
                    }
                    form #mfa-enroll-form method="post" action="/security/mfa/enroll" {
                        (csrf_field(csrf))
                        button.secondary #mfa-enroll type="submit" { "Set up an authenticator app" }
                    }
                } @else {
                p {
                    "Status: "
                    @if v.mfa_enabled {
                        span.status-on #mfa-status { "on" }
                        " · " span #recovery-remaining { (v.recovery_codes_remaining) } " recovery codes left"
                    } @else {
                        span.status-off #mfa-status { "off" }
                    }
                }
                @if !v.mfa_enabled {
                    @if v.mfa_required {
                        p.error { "Your role (" (v.role) ") requires two-factor authentication"
                            @if v.restricted { ": set it up to use WatchTower." } @else { "." } }
                    }
                    form #mfa-enroll-form method="post" action="/security/mfa/enroll" {
                        (csrf_field(csrf))
                        button #mfa-enroll type="submit" { "Set up an authenticator app" }
                    }
                } @else {
                    details #recovery open[v.failed == Some(SecurityForm::RecoveryCodes)] {
                        summary { "New recovery codes" }
                        p.hint { "Voids the codes you have now." }
                        form #recovery-form method="post" action="/security/mfa/recovery-codes" {
                            (csrf_field(csrf))
                            (step_up_fields_in("recovery", true, true, on(SecurityForm::RecoveryCodes)))
                            button type="submit" { "Show new recovery codes" }
                        }
                    }
                    details #disable open[v.failed == Some(SecurityForm::DisableMfa)] {
                        summary { "Turn two-factor authentication off" }
                        form #mfa-disable-form method="post" action="/security/mfa/disable" {
                            (csrf_field(csrf))
                            (step_up_fields_in("disable", true, true, on(SecurityForm::DisableMfa)))
                            button.danger type="submit" { "Turn off" }
                        }
                    }
                }
                }
            }
            (v.passkeys)
            @if !v.restricted {
                section #password {
                    h2 { "Password" }
                    form #password-form method="post" action="/security/password" {
                        @let f = on(SecurityForm::Password);
                        (csrf_field(csrf))
                        label for="current_password" { "Current password" }
                        input #current_password type="password" name="current_password" autocomplete="current-password" required
                            aria-invalid=[f.invalid("current_password")] aria-describedby=[f.described("current_password", false)] autofocus[f.focus("current_password", false)];
                        (f.error("current_password"))
                        label for="new_password" { "New password" }
                        input #new_password type="password" name="new_password" autocomplete="new-password" required
                            aria-invalid=[f.invalid("new_password")] aria-describedby=[f.described("new_password", true)] autofocus[f.focus("new_password", false)];
                        p.hint #new_password-hint { "A passphrase of a few unrelated words is best. Breached and common passwords, easy-to-guess patterns (repeats, keyboard rows, years, p@ssw0rd-style swaps) and your org's, email's or own name are refused, with the reason." }
                        (f.error("new_password"))
                        label for="new_password_confirm" { "Type it again" }
                        input #new_password_confirm type="password" name="new_password_confirm" autocomplete="new-password" required
                            aria-invalid=[f.invalid("new_password_confirm")] aria-describedby=[f.described("new_password_confirm", false)] autofocus[f.focus("new_password_confirm", false)];
                        (f.error("new_password_confirm"))
                        @if v.mfa_enabled {
                            label for="password_code" { "Code from your authenticator app" }
                            input #password_code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required
                                aria-invalid=[f.invalid("password_code")] aria-describedby=[f.described("password_code", false)] autofocus[f.focus("password_code", false)];
                            (f.error("password_code"))
                        }
                        button #password-submit type="submit" { "Change password" }
                        p.hint { "Your other sessions end." }
                    }
                }
                section #sessions {
                    h2 { "Sessions" }
                    // Below 40rem each row is a block of labelled lines (console.css), so
                    // the table fits a phone without scrolling sideways.
                    table.stack #sessions-table {
                        thead { tr { th { "Device" } th { "Address" } th { "Last seen" } th { span.visually-hidden { "Action" } } } }
                        tbody {
                            @for s in &v.sessions {
                                tr data-session-id=(s.id) {
                                    td data-label="Device" { (s.device) " " span.hint { "(" (s.client) ")" } }
                                    td data-label="Address" { (s.ip) }
                                    td data-label="Last seen" { (time(&s.last_seen)) }
                                    td {
                                        @if s.current {
                                            span.current { "this browser" }
                                        } @else {
                                            form method="post" action={ "/security/sessions/" (s.id) "/revoke" } {
                                                (csrf_field(csrf))
                                                button.secondary.revoke type="submit" { "Revoke" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if others > 0 {
                        form #revoke-others-form method="post" action="/security/sessions/revoke-others" {
                            (csrf_field(csrf))
                            @let f = on(SecurityForm::Sessions);
                            (f.error("revoke-others"))
                            button.secondary #revoke-others type="submit" aria-describedby="revoke-others-hint" {
                                "Sign out all other sessions"
                            }
                            p.hint #revoke-others-hint {
                                "Ends the " (others) " other session" @if others != 1 { "s" }
                                " listed here; this browser stays signed in."
                            }
                        }
                    }
                }
            }
        },
    )
}

pub struct EnrollView<'a> {
    pub viewer: Viewer<'a>,
    pub secret: &'a str,
    pub otpauth_uri: &'a str,
    /// The otpauth URI as an SVG QR code, rendered on the server.
    pub qr_svg: &'a str,
    pub expires_at: &'a str,
}

pub fn enroll(v: &EnrollView<'_>) -> Markup {
    layout(
        "Set up two-factor authentication",
        Some(&v.viewer),
        html! {
            section #enroll {
                h1 { "Set up two-factor authentication" }
                p { "Scan this code with your authenticator app:" }
                div.qr #qr { (PreEscaped(v.qr_svg)) }
                p { "Or type this secret into the app:" }
                // In groups of four, broken only between groups.
                p { code.secret #secret { (grouped(v.secret)) } }
                // On a phone, the app that handles otpauth: links takes it from here.
                p { a #otpauth-link href=(v.otpauth_uri) { "Add to an authenticator app on this device" } }
                details {
                    summary { "Setup URI" }
                    p { code #otpauth-uri { (v.otpauth_uri) } }
                }
                form #mfa-confirm-form method="post" action="/security/mfa/confirm" {
                    (csrf_field(v.viewer.csrf))
                    label for="code" { "Then enter the code the app shows" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus;
                    button #confirm-submit type="submit" { "Turn on" }
                }
                p.hint { "This setup lapses at " (time(v.expires_at)) "." }
            }
        },
    )
}

/// After a wrong code: the code again, without the secret (it is shown once).
pub fn confirm_code(viewer: &Viewer<'_>, error: &str) -> Markup {
    let f = Fields(Some(Problem::at("code", error)));
    layout(
        "Set up two-factor authentication",
        Some(viewer),
        html! {
            section #enroll {
                h1 { "Set up two-factor authentication" }
                (f.summary())
                form #mfa-confirm-form method="post" action="/security/mfa/confirm" {
                    (csrf_field(viewer.csrf))
                    label for="code" { "Enter the code your authenticator app shows now" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus
                        aria-invalid=[f.invalid("code")] aria-describedby=[f.described("code", false)];
                    (f.error("code"))
                    button #confirm-submit type="submit" { "Turn on" }
                }
                form #mfa-enroll-form method="post" action="/security/mfa/enroll" {
                    (csrf_field(viewer.csrf))
                    p.hint { "Lost the code in the app? Start again with a new secret:" }
                    button.secondary #mfa-enroll type="submit" { "Start again" }
                }
            }
        },
    )
}

/// The recovery codes, shown once. They are text on the page (nothing else is needed
/// without JavaScript); `console.js` shows the Copy, Download (.txt, a `blob:` URL made
/// in the page: the codes are never in a URL the server sees, nor cached) and Print
/// buttons, hidden until then.
pub fn recovery_codes(viewer: &Viewer<'_>, codes: &[String], first: bool) -> Markup {
    layout(
        "Recovery codes",
        Some(viewer),
        html! {
            section #recovery-codes-page {
                @if first {
                    p.notice #notice role="status" { "Two-factor authentication is on." }
                }
                h1 { "Your recovery codes" }
                p { "Each code signs you in once if you lose your authenticator. Store them somewhere safe: they are shown only now." }
                ul.codes #recovery-codes data-account=(viewer.email) data-org=(viewer.org) {
                    @for c in codes { li { (c) } }
                }
                div.code-actions #code-actions hidden {
                    button.secondary #codes-copy type="button" { "Copy" }
                    a.button.secondary #codes-download href="#recovery-codes" download="watchtower-recovery-codes.txt" { "Download (.txt)" }
                    button.secondary #codes-print type="button" { "Print" }
                    span #codes-status role="status" {}
                }
                p { a #continue href="/security" { "I have saved them: continue" } }
            }
        },
    )
}

/// A TOTP secret in groups of four characters, as authenticator apps accept it typed
/// (they ignore the spaces).
fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}
