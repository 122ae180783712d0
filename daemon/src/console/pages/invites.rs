//! The Invites tab: every invite with its state, and for owners and admins the forms to
//! invite one person or a pasted CSV list, and to resend or revoke a pending invite.

use super::{Viewer, csrf_field, error_box, layout, layout_in, notice_box, step_up_fields};
use maud::{Markup, html};

/// One row of the invite list.
pub struct InviteRow {
    pub id: String,
    pub email: String,
    pub role: String,
    /// `pending`, `accepted`, `expired` or `revoked`.
    pub status: &'static str,
    pub invited_by: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// The outcome of one line of a pasted CSV list.
pub struct CsvOutcome {
    pub line: usize,
    pub email: String,
    /// `Ok(role)` when invited, else why not.
    pub result: Result<String, String>,
}

pub struct InvitesView<'a> {
    pub viewer: Viewer<'a>,
    pub rows: Vec<InviteRow>,
    /// The role may manage members: the invite forms and row actions are shown.
    pub manage: bool,
    /// Roles the viewer may invite with (the permission matrix's guard rails).
    pub grantable: Vec<&'static str>,
    /// The viewer has MFA on: the optional confirmation asks for a code too.
    pub code: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// After a CSV post: one outcome per line.
    pub csv: Vec<CsvOutcome>,
    /// What the forms showed when posted (kept after an error).
    pub email: &'a str,
    pub csv_text: &'a str,
}

fn role_select(id: &str, roles: &[&'static str], label: &str) -> Markup {
    html! {
        label for=(id) { (label) }
        select id=(id) name="role" required {
            @for role in roles {
                option value=(role) selected[*role == "viewer"] { (role) }
            }
        }
    }
}

/// The optional password (and code): inviting or resending for an admin or owner needs
/// a recent sign-in, which these renew.
fn optional_step_up(prefix: &str, code: bool) -> Markup {
    html! {
        details.step-up {
            summary { "Inviting an admin or owner? Confirm it's you" }
            p.hint { "Needed when you signed in more than 10 minutes ago." }
            (step_up_fields(prefix, code, false))
        }
    }
}

pub fn invites(v: &InvitesView<'_>) -> Markup {
    let csrf = v.viewer.csrf;
    layout_in(
        "Invites",
        Some(&v.viewer),
        "wide",
        html! {
            h1 { "Invites" }
            (notice_box(v.notice))
            (error_box(v.error))
            @if !v.csv.is_empty() {
                section #csv-results {
                    h2 { "Invited from the list" }
                    table {
                        thead { tr { th scope="col" { "Line" } th scope="col" { "Email" } th scope="col" { "Result" } } }
                        tbody {
                            @for o in &v.csv {
                                tr {
                                    td { (o.line) }
                                    td { (o.email) }
                                    @match &o.result {
                                        Ok(role) => td.status-on { "invited as " (role) },
                                        Err(why) => td.status-off { (why) },
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if v.manage {
                section #invite {
                    h2 { "Invite someone" }
                    form #invite-form method="post" action="/invites" {
                        (csrf_field(csrf))
                        label for="invite_email" { "Email" }
                        input #invite_email type="email" name="email" value=(v.email) autocomplete="off" required;
                        (role_select("invite_role", &v.grantable, "Role"))
                        (optional_step_up("invite", v.code))
                        button #invite-submit type="submit" { "Send the invite" }
                    }
                    details #csv {
                        summary { "Invite several people from a list (CSV)" }
                        form #csv-form method="post" action="/invites/csv" {
                            (csrf_field(csrf))
                            label for="csv_text" { "One person a line: email, role (the role may be left out)" }
                            textarea #csv_text name="csv" rows="6" required aria-describedby="csv-hint" { (v.csv_text) }
                            p.hint #csv-hint { "For example: ann@example.com,analyst. A header line \"email,role\" is skipped. At most 200 lines." }
                            (role_select("csv_role", &v.grantable, "Role for lines without one"))
                            (optional_step_up("csv", v.code))
                            button #csv-submit type="submit" { "Send the invites" }
                        }
                    }
                }
            }
            section #invites {
                h2 { "All invites" }
                @if v.rows.is_empty() {
                    p #no-invites { "No invites yet." }
                } @else {
                    table.stack #invites-table {
                        thead {
                            tr {
                                th scope="col" { "Email" }
                                th scope="col" { "Role" }
                                th scope="col" { "State" }
                                th scope="col" { "Invited by" }
                                th scope="col" { "Expires" }
                                @if v.manage { th scope="col" { span.visually-hidden { "Actions" } } }
                            }
                        }
                        tbody {
                            @for r in &v.rows {
                                tr data-invite-id=(r.id) data-status=(r.status) {
                                    td.email data-label="Email" { (r.email) }
                                    td data-label="Role" { (r.role) }
                                    td.status data-label="State" { span class={ "badge badge-" (r.status) } { (r.status) } }
                                    td data-label="Invited by" { (r.invited_by) }
                                    td data-label="Expires" { (super::time(&r.expires_at)) }
                                    @if v.manage {
                                        td.actions {
                                            @if r.status == "pending" || r.status == "expired" {
                                                form method="post" action={ "/invites/" (r.id) "/resend" } {
                                                    (csrf_field(csrf))
                                                    button.secondary.resend type="submit" aria-label={ "Resend the invite to " (r.email) } { "Resend" }
                                                }
                                            }
                                            @if r.status == "pending" {
                                                form method="post" action={ "/invites/" (r.id) "/revoke" } {
                                                    (csrf_field(csrf))
                                                    button.secondary.revoke type="submit" aria-label={ "Revoke the invite to " (r.email) } { "Revoke" }
                                                }
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

/// Resending an invite for an admin or owner needs a recent sign-in: this asks for it.
pub fn invite_step_up(
    viewer: &Viewer<'_>,
    id: &str,
    email: &str,
    code: bool,
    error: Option<&str>,
) -> Markup {
    layout(
        "Confirm it's you",
        Some(viewer),
        html! {
            section #step-up {
                h1 { "Confirm it's you" }
                (error_box(error))
                p { "Resending the invite to " strong { (email) } " grants an admin or owner role: confirm with your password." }
                form #step-up-form method="post" action={ "/invites/" (id) "/resend" } {
                    (csrf_field(viewer.csrf))
                    (step_up_fields("resend", code, true))
                    button #step-up-submit type="submit" { "Resend the invite to " (email) }
                }
                p { a href="/invites" { "Back to the invites" } }
            }
        },
    )
}
