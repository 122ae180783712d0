//! What the `wt invite` subcommands share: printing invites.

use crate::output::Io;
use crate::{CliError, Ctx};
use wt_api::{Invite, InviteStatus};

/// The wire name of an invite status (`pending`, ...).
pub fn status_name(s: InviteStatus) -> &'static str {
    match s {
        InviteStatus::Pending => "pending",
        InviteStatus::Accepted => "accepted",
        InviteStatus::Expired => "expired",
        InviteStatus::Revoked => "revoked",
    }
}

/// Prints one invite: the API object as is (JSON) or a field/value table.
pub fn print_invite(ctx: &Ctx, invite: &Invite) -> Result<(), CliError> {
    ctx.io.emit(ctx.output, invite, |io: &Io| {
        io.key_value_table(&[
            ("Invite", invite.id.clone()),
            ("Email", invite.email.clone()),
            ("Role", invite.role.to_string()),
            ("Status", status_name(invite.status).to_string()),
            (
                "Invited by",
                invite.invited_by.clone().unwrap_or_else(|| "-".into()),
            ),
            ("Created", invite.created_at.clone()),
            (
                "Expires",
                crate::output::describe_expiry(&invite.expires_at, time::OffsetDateTime::now_utc()),
            ),
        ])
    })
}
