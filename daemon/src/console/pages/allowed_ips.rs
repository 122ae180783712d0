//! The Allowed IPs tab: the org's list, and for owners and admins the form to add a
//! network and a button per entry to remove it. Neither edits at once: each opens the dry
//! run (who the new list would cut off: live sessions and recent key sources, as a
//! table), whose confirmation form, with the password (and code), makes the change.

use super::{Viewer, csrf_field, error_box, layout_in, notice_box, step_up_fields};
use maud::{Markup, html};
use wt_api::{AllowedIp, AllowedIpCheckResponse};

pub struct AllowedIpsView<'a> {
    pub viewer: Viewer<'a>,
    pub entries: Vec<AllowedIp>,
    /// The role may edit the list: the add form and the remove buttons are shown.
    pub manage: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// What the add form showed when posted (kept after an error).
    pub cidr: &'a str,
    pub note: &'a str,
}

pub fn allowed_ips(v: &AllowedIpsView<'_>) -> Markup {
    let csrf = v.viewer.csrf;
    layout_in(
        "Allowed IPs",
        Some(&v.viewer),
        "wide",
        html! {
            h1 { "Allowed IPs" }
            (notice_box(v.notice))
            (error_box(v.error))
            @if v.manage {
                section #add {
                    h2 { "Allow a network" }
                    p.hint #add-hint { "Next you see who the new list would cut off, before anything changes." }
                    form #add-form method="post" action="/allowed-ips/check" aria-describedby="add-hint" {
                        (csrf_field(csrf))
                        label for="add_cidr" { "Network (CIDR) or single address" }
                        input #add_cidr type="text" name="cidr" value=(v.cidr) placeholder="10.0.0.0/8" autocomplete="off" spellcheck="false" required;
                        label for="add_note" { "Note (optional)" }
                        input #add_note type="text" name="note" value=(v.note) maxlength="200" autocomplete="off";
                        button #add-submit type="submit" { "Check who it would cut off" }
                    }
                }
            }
            section #entries {
                h2 { "The list" }
                @if v.entries.is_empty() {
                    p #no-entries { "The list is empty: every address is allowed. The first network you add restricts sessions, automation tokens and ingestion keys to the list." }
                } @else {
                    table #allowed-ips-table {
                        caption.visually-hidden { "Networks allowed to reach " (v.viewer.org) }
                        thead {
                            tr {
                                th scope="col" { "Network" }
                                th scope="col" { "Note" }
                                th scope="col" { "Added by" }
                                th scope="col" { "Added" }
                                th scope="col" { "Requests let in" }
                                th scope="col" { "Last used" }
                                @if v.manage { th scope="col" { span.visually-hidden { "Actions" } } }
                            }
                        }
                        tbody {
                            @for e in &v.entries {
                                tr data-allowed-ip-id=(e.id) {
                                    td.cidr { code { (e.cidr) } }
                                    td { (e.note.as_deref().unwrap_or("-")) }
                                    td { (e.created_by) }
                                    td { (super::time(&e.created_at)) }
                                    td { (e.hit_count) }
                                    td { (super::time_or(e.last_hit_at.as_deref(), "never")) }
                                    @if v.manage {
                                        td.actions {
                                            form method="post" action={ "/allowed-ips/" (e.id) "/check" } {
                                                (csrf_field(csrf))
                                                button.secondary.remove type="submit" aria-label={ "Remove " (e.cidr) " (see who it would cut off first)" } { "Remove…" }
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

/// The change a dry run is about.
pub enum IpChange<'a> {
    Add { cidr: &'a str, note: &'a str },
    Remove { id: &'a str, cidr: &'a str },
}

pub struct DryRunView<'a> {
    pub viewer: Viewer<'a>,
    pub change: IpChange<'a>,
    pub result: &'a AllowedIpCheckResponse,
    /// The viewer has MFA on: the confirmation asks for a code too.
    pub code: bool,
    /// The viewer has a passkey (and passkeys work here): offer a passkey step-up.
    pub passkey: bool,
    pub error: Option<&'a str>,
}

/// The dry run of one edit: the list it would make, whether the viewer's own address
/// stays allowed, the sessions and key sources it would refuse, and the form that makes
/// the change.
pub fn allowed_ips_dry_run(v: &DryRunView<'_>) -> Markup {
    let r = v.result;
    let (what, action) = match &v.change {
        IpChange::Add { cidr, .. } => (format!("Allow {cidr}"), "/allowed-ips".to_string()),
        IpChange::Remove { id, cidr } => (
            format!("Remove {cidr}"),
            format!("/allowed-ips/{id}/remove"),
        ),
    };
    let cut_off = r.sessions.len() + r.keys.len();
    layout_in(
        "Check the change",
        Some(&v.viewer),
        "wide",
        html! {
            h1 { (what) ": who would be cut off" }
            (error_box(v.error))
            section #dry-run data-cut-off=(cut_off) {
                h2 { "The list after the change" }
                @if r.cidrs.is_empty() {
                    p #proposed-empty { "Empty: every address would be allowed." }
                } @else {
                    ul #proposed { @for c in &r.cidrs { li { code { (c) } } } }
                }
                @if r.caller_allowed {
                    p.status-on #caller { "Your own address " code { (r.caller_ip) } " stays allowed." }
                } @else {
                    p.status-off #caller role="alert" { "Your own address " code { (r.caller_ip) } " would be refused: this browser would be signed out of reach." }
                }
                h2 #sessions-heading { "Sessions cut off (" (r.sessions.len()) ")" }
                @if r.sessions.is_empty() {
                    p #no-sessions { "No signed-in session would be refused." }
                } @else {
                    table #cut-off-sessions aria-labelledby="sessions-heading" {
                        thead { tr { th scope="col" { "Member" } th scope="col" { "Address" } th scope="col" { "Last seen" } } }
                        tbody {
                            @for s in &r.sessions {
                                tr data-user-id=(s.user_id) {
                                    td { (s.email) }
                                    td { code { (s.ip) } }
                                    td { (super::time(&s.last_seen_at)) }
                                }
                            }
                        }
                    }
                }
                h2 #keys-heading { "Ingestion key sources cut off (" (r.keys.len()) ")" }
                p.hint { "Addresses each key was used from in the last 30 days." }
                @if r.keys.is_empty() {
                    p #no-keys { "No recent key source would be refused." }
                } @else {
                    table #cut-off-keys aria-labelledby="keys-heading" {
                        thead { tr { th scope="col" { "Key" } th scope="col" { "Address" } th scope="col" { "Last seen" } } }
                        tbody {
                            @for k in &r.keys {
                                tr data-key-id=(k.key_id) {
                                    td { (k.name) }
                                    td { code { (k.ip) } }
                                    td { (super::time(&k.last_seen_at)) }
                                }
                            }
                        }
                    }
                }
            }
            section #confirm {
                h2 { "Make the change" }
                @if v.passkey {
                    (super::passkeys::step_up_offer(v.viewer.csrf, "/allowed-ips"))
                }
                form #confirm-form method="post" action=(action) {
                    (csrf_field(v.viewer.csrf))
                    @if let IpChange::Add { cidr, note } = &v.change {
                        input type="hidden" name="cidr" value=(cidr);
                        input type="hidden" name="note" value=(note);
                    }
                    (step_up_fields("confirm", v.code, false))
                    @if !r.caller_allowed {
                        p {
                            input #force type="checkbox" name="force" value="yes";
                            label.inline for="force" { "Apply anyway: I will connect from an allowed address next" }
                        }
                    }
                    button #confirm-submit type="submit" { (what) }
                }
                p { a href="/allowed-ips" { "Cancel: back to the list" } }
            }
        },
    )
}
