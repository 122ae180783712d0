//! The console's HTML, as maud templates: every value is escaped by the template engine,
//! no page carries inline script or style (the Content-Security-Policy forbids both), and
//! every form posts to this server with the fields the handlers in `console` read.

use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Who is signed in, for the page header and the CSRF field of every form.
pub struct Viewer<'a> {
    pub email: &'a str,
    pub org: &'a str,
    pub csrf: &'a str,
}

fn layout(title: &str, viewer: Option<&Viewer<'_>>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · WatchTower" }
                link rel="stylesheet" href="/console.css";
                script src="/console.js" defer {}
            }
            body {
                header {
                    a.brand href="/security" { "WatchTower" }
                    @if let Some(v) = viewer {
                        span.who #who { (v.email) " · " (v.org) }
                        form #logout-form method="post" action="/logout" {
                            (csrf_field(v.csrf))
                            button.secondary #logout type="submit" { "Sign out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

fn error_box(error: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = error {
            div.error #error role="alert" { (e) }
        }
    }
}

/// A page with a title, a message and a way on.
pub fn message(title: &str, text: &str, link: (&str, &str), viewer: Option<&Viewer<'_>>) -> Markup {
    layout(
        title,
        viewer,
        html! {
            section #message {
                h1 { (title) }
                p { (text) }
                p { a href=(link.0) { (link.1) } }
            }
        },
    )
}

/// An error page for a request that has no form to show again.
pub fn error_page(text: &str, viewer: Option<&Viewer<'_>>) -> Markup {
    layout(
        "Something went wrong",
        viewer,
        html! {
            section {
                h1 { "Something went wrong" }
                (error_box(Some(text)))
                p { a href="/security" { "Back to the console" } }
            }
        },
    )
}

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

pub fn login_mfa(error: Option<&str>, challenge: &str) -> Markup {
    layout(
        "Two-factor authentication",
        None,
        html! {
            section {
                h1 { "Two-factor authentication" }
                (error_box(error))
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
                    p.notice #sent { "If that address has an account, a reset link is on its way. It works once, for 30 minutes." }
                } @else {
                    form #forgot-form method="post" action="/forgot" {
                        label for="email" { "Email" }
                        input #email type="email" name="email" autocomplete="username" required autofocus;
                        button type="submit" { "Send a reset link" }
                    }
                }
            }
        },
    )
}

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

pub fn invite_accept(error: Option<&str>, v: &InviteView<'_>, name: &str) -> Markup {
    layout(
        "Accept your invitation",
        None,
        html! {
            section {
                h1 { "Join " (v.org) }
                (error_box(error))
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
                        input #name type="text" name="name" value=(name) autocomplete="name" required autofocus;
                        label for="password" { "Choose a password" }
                        input #password type="password" name="password" autocomplete="new-password" required minlength=(v.min_len);
                        p.hint { "At least " (v.min_len) " characters; a passphrase of a few unrelated words is best. Any characters are fine. Breached and common passwords, easy-to-guess patterns (repeats, keyboard rows, years, p@ssw0rd-style swaps) and your org's, email's or own name are refused, with the reason." }
                        label for="password_confirm" { "Type it again" }
                        input #password_confirm type="password" name="password_confirm" autocomplete="new-password" required;
                        button #accept-submit type="submit" { "Accept and sign in" }
                    }
                }
            }
        },
    )
}

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
                            input #recovery_code type="text" name="recovery_code" autocomplete="off";
                        }
                    }
                    button #reset-submit type="submit" { "Set the new password" }
                }
                p.hint { "Every session of this account ends; sign in again afterwards." }
            }
        },
    )
}

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
            @if let Some(n) = v.notice { p.notice #notice { (n) } }
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
                            (step_up_fields("recovery"))
                            button type="submit" { "Show new recovery codes" }
                        }
                    }
                    details #disable {
                        summary { "Turn two-factor authentication off" }
                        form #mfa-disable-form method="post" action="/security/mfa/disable" {
                            (csrf_field(csrf))
                            (step_up_fields("disable"))
                            button.danger type="submit" { "Turn off" }
                        }
                    }
                }
            }
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

fn step_up_fields(prefix: &str) -> Markup {
    html! {
        label for={ (prefix) "_password" } { "Password" }
        input id={ (prefix) "_password" } type="password" name="password" autocomplete="current-password" required;
        label for={ (prefix) "_code" } { "Code from your authenticator app" }
        input id={ (prefix) "_code" } type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required;
    }
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
                p { code.secret #secret { (v.secret) } }
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
                    p.notice #notice { "Two-factor authentication is on." }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let page = login(Some("<script>alert(1)</script>"), "\"><img src=x>", false).into_string();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains("\"><img"));
    }

    #[test]
    fn pages_carry_no_inline_script_or_style() {
        let viewer = Viewer {
            email: "a@b.test",
            org: "Acme",
            csrf: "c",
        };
        let pages = [
            login(None, "", true),
            login_mfa(None, "ch"),
            token_entry(TokenKind::Invite, None),
            recovery_codes(&viewer, &["a".into()], true),
            security(&SecurityView {
                viewer,
                name: "A",
                role: "owner",
                mfa_enabled: true,
                mfa_required: true,
                restricted: false,
                recovery_codes_remaining: 10,
                sessions: vec![],
                notice: None,
                error: None,
            }),
        ];
        for p in pages {
            let s = p.into_string();
            assert_eq!(s.matches("<script").count(), 1, "only console.js: {s}");
            assert!(s.contains("<script src=\"/console.js\""));
            assert!(!s.contains("style=") && !s.contains("<style"), "{s}");
            for handler in ["onclick=", "onsubmit=", "onload=", "javascript:"] {
                assert!(!s.contains(handler), "{handler} in {s}");
            }
        }
    }
}
