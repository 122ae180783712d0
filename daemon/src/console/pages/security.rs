//! The Security tab: MFA, recovery codes, password and the member's own sessions.

use super::{Viewer, csrf_field, error_box, layout, step_up_fields};
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
}

pub fn security(v: &SecurityView<'_>) -> Markup {
    let csrf = v.viewer.csrf;
    layout(
        "Security",
        Some(&v.viewer),
        html! {
            h1 { "Security" }
            (super::notice_box(v.notice))
            (error_box(v.error))
            section #mfa {
                h2 { "Two-factor authentication" }
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
                    details #recovery {
                        summary { "New recovery codes" }
                        p.hint { "Voids the codes you have now." }
                        form #recovery-form method="post" action="/security/mfa/recovery-codes" {
                            (csrf_field(csrf))
                            (step_up_fields("recovery", true, true))
                            button type="submit" { "Show new recovery codes" }
                        }
                    }
                    details #disable {
                        summary { "Turn two-factor authentication off" }
                        form #mfa-disable-form method="post" action="/security/mfa/disable" {
                            (csrf_field(csrf))
                            (step_up_fields("disable", true, true))
                            button.danger type="submit" { "Turn off" }
                        }
                    }
                }
            }
            (v.passkeys)
            @if !v.restricted {
                section #password {
                    h2 { "Password" }
                    form #password-form method="post" action="/security/password" {
                        (csrf_field(csrf))
                        label for="current_password" { "Current password" }
                        input #current_password type="password" name="current_password" autocomplete="current-password" required;
                        label for="new_password" { "New password" }
                        input #new_password type="password" name="new_password" autocomplete="new-password" required;
                        p.hint { "A passphrase of a few unrelated words is best. Breached and common passwords, easy-to-guess patterns (repeats, keyboard rows, years, p@ssw0rd-style swaps) and your org's, email's or own name are refused, with the reason." }
                        label for="new_password_confirm" { "Type it again" }
                        input #new_password_confirm type="password" name="new_password_confirm" autocomplete="new-password" required;
                        @if v.mfa_enabled {
                            label for="password_code" { "Code from your authenticator app" }
                            input #password_code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required;
                        }
                        button #password-submit type="submit" { "Change password" }
                        p.hint { "Your other sessions end." }
                    }
                }
                section #sessions {
                    h2 { "Sessions" }
                    table {
                        thead { tr { th { "Device" } th { "Address" } th { "Last seen (UTC)" } th {} } }
                        tbody {
                            @for s in &v.sessions {
                                tr data-session-id=(s.id) {
                                    td { (s.device) " " span.hint { "(" (s.client) ")" } }
                                    td { (s.ip) }
                                    td { (s.last_seen) }
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
                p.hint { "This setup lapses at " (v.expires_at) " (UTC)." }
            }
        },
    )
}

/// After a wrong code: the code again, without the secret (it is shown once).
pub fn confirm_code(viewer: &Viewer<'_>, error: &str) -> Markup {
    layout(
        "Set up two-factor authentication",
        Some(viewer),
        html! {
            section #enroll {
                h1 { "Set up two-factor authentication" }
                (error_box(Some(error)))
                form #mfa-confirm-form method="post" action="/security/mfa/confirm" {
                    (csrf_field(viewer.csrf))
                    label for="code" { "Enter the code your authenticator app shows now" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus;
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
                ul.codes #recovery-codes {
                    @for c in codes { li { (c) } }
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
