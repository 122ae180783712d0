//! Reset links: minting one and mailing it (SECURITY.md D.29, J.67). Used by
//! forgot-password (`service::passwords`) and by an admin for a member
//! (`service::members`).

use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::state::AppState;
use wt_core::audit::{Actor, AuditEvent, actions};
use wt_core::clock::rfc3339;
use wt_core::{ids, token};

/// Prefix of password reset tokens.
pub const RESET_PREFIX: &str = "wtr_";
/// How long a reset token lives (SECURITY.md D.29: within 30 minutes).
pub const RESET_TTL: i64 = 30 * 60;

/// A live reset link younger than this is never replaced: a new request (by anyone) sends
/// nothing until then, so every mailed link works for at least this long, even when mail
/// is slow (greylisting delays of 5-15 minutes are common).
pub const RESET_FRESH: i64 = 15 * 60;
/// Mints a reset link for the account with `email` (if any, and not disabled) and mails
/// it; sends nothing while a link younger than [`RESET_FRESH`] is live.
pub(crate) async fn send_reset(
    state: &AppState,
    meta: &ClientMeta,
    email: &str,
) -> Result<(), ApiError> {
    let Some(cand) = state.store.user_for_login(email).await? else {
        return Ok(());
    };
    if cand.user.disabled {
        return Ok(());
    }
    let now = state.now();
    let tok = token::generate(RESET_PREFIX);
    let minted = state
        .store
        .reset_create(
            &ids::new_id("rst"),
            &token::hash(tok.expose()),
            &cand.user.id,
            now,
            now + RESET_TTL,
            now - RESET_FRESH,
        )
        .await?;
    if !minted {
        // The link mailed less than RESET_FRESH ago still works: nobody else's request
        // may kill it (SECURITY.md J.67), and it is in the owner's inbox already.
        tracing::info!("a reset mail was not sent: a recent link is still live");
        return Ok(());
    }
    if let Some((org, _)) = cand.memberships.first() {
        let ev = AuditEvent::new(
            Actor::user(&cand.user.id, &cand.user.email),
            actions::PASSWORD_RESET_REQUESTED,
            &meta.audit(),
        )
        .target("user", &cand.user.id);
        state.store.append_audit(&org.id, ev, now).await?;
    }
    let link = match &state.settings.link_base {
        Some(base) => format!(
            "Open this link to choose a new password:\n\n  {base}/reset#token={}\n\nor use",
            tok.expose()
        ),
        None => "Choose a new password with".to_string(),
    };
    let body = format!(
        "Hello,\n\nsomeone asked to reset the password of your WatchTower account {email}.\n\n\
         {link} the WatchTower CLI:\n\n  wt password reset --token-stdin\n\nand paste this reset token:\n\n  {tok}\n\n\
         It works once and expires at {exp} (UTC). If you did not ask for this, ignore this mail: \
         your password stays as it is.\n\n-- WatchTower\n",
        tok = tok.expose(),
        exp = rfc3339(now + RESET_TTL),
    );
    let org_id = cand.memberships.first().map(|(o, _)| o.id.clone());
    crate::mailer::enqueue(
        state,
        org_id.as_deref(),
        email,
        "Reset your WatchTower password",
        body,
    )
    .await
}
