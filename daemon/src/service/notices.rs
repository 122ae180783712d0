//! Security notice mails: sent after changes to a user's credentials, so that a change
//! the user did not make does not go unnoticed. They never contain a secret.

use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::state::AppState;
use wt_core::clock::rfc3339;
use wt_store::OrgRecord;

/// Queues "`what` happened to your account" for `to`.
pub async fn security_notice(
    state: &AppState,
    org: &OrgRecord,
    to: &str,
    what: &str,
    meta: Option<&ClientMeta>,
) -> Result<(), ApiError> {
    let from = meta.map(|m| format!(" from {}", m.ip)).unwrap_or_default();
    let body = format!(
        "Hello,\n\n{what} on your WatchTower account {to} in the org {org} at {at} (UTC){from}.\n\n\
         If this was you, there is nothing to do. If it was not, contact an owner of {org} \
         right away and change your password.\n\n-- WatchTower\n",
        org = org.name,
        at = rfc3339(state.now()),
    );
    crate::mailer::enqueue(
        state,
        Some(&org.id),
        to,
        &format!("WatchTower security notice: {what}"),
        body,
    )
    .await
}
