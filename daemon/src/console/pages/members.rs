//! The Members tab: the member list (who lacks required MFA stands out) and the page where
//! an owner or admin changes a member's role, ends their sessions, resets their MFA or
//! removes them, each confirmed with the acting member's password (and code) and a box
//! that names the person.

use super::{Viewer, csrf_field, error_box, layout, layout_in, notice_box, step_up_fields};
use maud::{Markup, html};

/// A member's two-factor standing, as the list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaCell {
    On,
    Off,
    /// Required for their role and not set up: highlighted.
    Missing,
}

impl MfaCell {
    fn key(self) -> &'static str {
        match self {
            MfaCell::On => "on",
            MfaCell::Off => "off",
            MfaCell::Missing => "missing",
        }
    }
}

/// One row of the member list.
pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub mfa: MfaCell,
    /// Which second factors (`totp`, `passkey`, `totp+passkey`).
    pub mfa_methods: &'static str,
    /// RFC 3339, UTC.
    pub last_sign_in: Option<String>,
    pub sessions: usize,
    /// The signed-in member themself.
    pub is_you: bool,
}

pub struct MembersView<'a> {
    pub viewer: Viewer<'a>,
    pub rows: Vec<MemberRow>,
    /// The role may manage members: each row links to its actions.
    pub manage: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

fn mfa_cell(mfa: MfaCell) -> Markup {
    html! {
        @match mfa {
            MfaCell::On => span.status-on { "on" },
            MfaCell::Off => span.status-muted { "off" },
            MfaCell::Missing => strong.status-off { "required, not set up" },
        }
    }
}

pub fn members(v: &MembersView<'_>) -> Markup {
    let missing = v.rows.iter().filter(|r| r.mfa == MfaCell::Missing).count();
    layout_in(
        "Members",
        Some(&v.viewer),
        "wide",
        html! {
            h1 { "Members" }
            (notice_box(v.notice))
            (error_box(v.error))
            section #members {
                p #members-summary {
                    (v.rows.len()) " members"
                    @if missing > 0 {
                        " · " strong.status-off #mfa-missing-count { (missing) " without the two-factor authentication their role requires" }
                    }
                }
                @if v.rows.len() > 8 {
                    label for="member-filter" { "Filter by name, email or role" }
                    input #member-filter type="search" data-filter-table="members-table" autocomplete="off";
                }
                table.stack #members-table {
                    caption.visually-hidden { "Members of " (v.viewer.org) }
                    thead {
                        tr {
                            th scope="col" { "Name" }
                            th scope="col" { "Email" }
                            th scope="col" { "Role" }
                            th scope="col" { "Two-factor" }
                            th scope="col" { "Last sign-in" }
                            th scope="col" { "Sessions" }
                            @if v.manage { th scope="col" { span.visually-hidden { "Actions" } } }
                        }
                    }
                    tbody {
                        @for r in &v.rows {
                            tr data-member-id=(r.id) data-mfa=(r.mfa.key()) class=[(r.mfa == MfaCell::Missing).then_some("mfa-missing")] {
                                td data-label="Name" { (r.name) @if r.is_you { " " span.hint { "(you)" } } }
                                td data-label="Email" { (r.email) }
                                td.role data-label="Role" { (r.role) }
                                td.mfa data-label="Two-factor" { (mfa_cell(r.mfa)) @if r.mfa == MfaCell::On { " " span.hint.mfa-methods { "(" (r.mfa_methods) ")" } } }
                                td data-label="Last sign-in" { (super::time_or(r.last_sign_in.as_deref(), "never")) }
                                td.sessions data-label="Sessions" { (r.sessions) }
                                @if v.manage {
                                    td {
                                        @if !r.is_you {
                                            a.manage href={ "/members/" (r.id) } aria-label={ "Manage " (r.name) " (" (r.email) ")" } { "Manage" }
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

/// What the member page shows of the member being managed.
pub struct MemberView<'a> {
    pub viewer: Viewer<'a>,
    pub row: &'a MemberRow,
    /// Roles the viewer may grant (the permission matrix's guard rails).
    pub grantable: Vec<&'static str>,
    /// The viewer has MFA on: the confirmations ask for a code too.
    pub code: bool,
    /// The viewer has a passkey (and passkeys work here): offer a passkey step-up.
    pub passkey: bool,
    pub error: Option<&'a str>,
}

/// The confirming part of each action's form: the acting member's password (and code)
/// and a box that names the person.
fn confirm(prefix: &str, what: &str, code: bool) -> Markup {
    html! {
        // Not `required`: after a passkey step-up the password stays empty.
        (step_up_fields(prefix, code, false))
        p.confirm {
            input id={ (prefix) "_confirm" } type="checkbox" name="confirm" value="yes" required;
            " "
            label.inline for={ (prefix) "_confirm" } { (what) }
        }
    }
}

pub fn member(v: &MemberView<'_>) -> Markup {
    let r = v.row;
    let csrf = v.viewer.csrf;
    let who = format!("{} ({})", r.name, r.email);
    layout(
        &r.name,
        Some(&v.viewer),
        html! {
            p { a href="/members" { "← All members" } }
            h1 { (r.name) }
            (error_box(v.error))
            section #member data-member-id=(r.id) {
                dl.facts {
                    dt { "Email" } dd #member-email { (r.email) }
                    dt { "Role" } dd #member-role { (r.role) }
                    dt { "Two-factor" } dd #member-mfa { (mfa_cell(r.mfa)) @if r.mfa == MfaCell::On { " " span.hint.mfa-methods { "(" (r.mfa_methods) ")" } } }
                    dt { "Last sign-in" } dd { (super::time_or(r.last_sign_in.as_deref(), "never")) }
                    dt { "Sessions" } dd #member-sessions { (r.sessions) }
                }
            }
            @if v.passkey {
                (super::passkeys::step_up_offer(csrf, &format!("/members/{}", r.id)))
            }
            section #change-role {
                h2 { "Change role" }
                form #role-form method="post" action={ "/members/" (r.id) "/role" } {
                    (csrf_field(csrf))
                    label for="role" { "New role" }
                    select #role name="role" required {
                        @for role in &v.grantable {
                            option value=(role) selected[*role == r.role] { (role) }
                        }
                    }
                    (confirm("role", &format!("Change the role of {who}"), v.code))
                    button #role-submit type="submit" { "Change " (r.name) "'s role" }
                }
            }
            section #end-sessions {
                h2 { "End sessions" }
                p.hint { "Signs them out everywhere in this org (browser and CLI)." }
                form #sessions-form method="post" action={ "/members/" (r.id) "/sessions/end" } {
                    (csrf_field(csrf))
                    (confirm("sessions", &format!("End every session of {who}"), v.code))
                    button #sessions-submit type="submit" { "End " (r.name) "'s sessions" }
                }
            }
            section #reset-mfa {
                h2 { "Reset two-factor authentication" }
                p.hint { "They set it up again at their next sign-in; they get a mail saying so." }
                form #mfa-reset-form method="post" action={ "/members/" (r.id) "/mfa/reset" } {
                    (csrf_field(csrf))
                    (confirm("mfa", &format!("Reset the two-factor authentication of {who}"), v.code))
                    button.danger #mfa-reset-submit type="submit" { "Reset " (r.name) "'s two-factor authentication" }
                }
            }
            section #remove {
                h2 { "Remove from " (v.viewer.org) }
                form #remove-form method="post" action={ "/members/" (r.id) "/remove" } {
                    (csrf_field(csrf))
                    (confirm("remove", &format!("Remove {who} from {}", v.viewer.org), v.code))
                    button.danger #remove-submit type="submit" { "Remove " (r.name) }
                }
            }
        },
    )
}
