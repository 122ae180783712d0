//! `/api/v1/auth/passkeys` (the member's own passkeys) and `/api/v1/auth/step-up/passkey`
//! (an assertion ceremony for a step-up: its answer goes in `MfaStepUpRequest.passkey`,
//! e.g. to regenerate recovery codes without a TOTP code). Registering a passkey needs a
//! browser: the console's Security tab.

use crate::error::ApiError;
use crate::extract::Auth;
use crate::service::passkeys;
use crate::state::AppState;
use axum::extract::State;
use wt_api::{PasskeyCeremonyStart, PasskeyInfo, PasskeyList};
use wt_core::clock::rfc3339;

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<PasskeyList>, ApiError> {
    let items = passkeys::list(&state, &auth)
        .await?
        .into_iter()
        .map(|p| PasskeyInfo {
            kind: wt_core::passkey::kind(p.backup_eligible).into(),
            created_at: rfc3339(p.created_at),
            last_used_at: p.last_used_at.map(rfc3339),
            id: p.id,
            name: p.name,
            aaguid: p.aaguid,
            attestation_format: p.attestation,
            authenticator_attachment: p.authenticator_attachment,
            backup_eligible: p.backup_eligible,
            backup_state: p.backup_state,
        })
        .collect();
    Ok(axum::Json(PasskeyList { items }))
}

pub async fn step_up_begin(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<PasskeyCeremonyStart>, ApiError> {
    let started = passkeys::step_up_begin(&state, &auth).await?;
    let options = serde_json::from_str(&started.options_json)
        .map_err(|e| ApiError::Internal(format!("passkey options: {e}")))?;
    Ok(axum::Json(PasskeyCeremonyStart {
        ceremony: started.id,
        options,
    }))
}
