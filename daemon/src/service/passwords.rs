//! Password hashing and verification off the async executor, bounded in concurrency.

use crate::error::ApiError;
use crate::state::AppState;

/// One of the bounded argon2 slots; waits when all are taken.
async fn permit(state: &AppState) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
    state
        .hash_permits
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable("shutting down"))
}

/// Hashes on the blocking pool, at most `state::hash_concurrency()` at once.
pub async fn hash(state: &AppState, password: String) -> Result<String, ApiError> {
    let _permit = permit(state).await?;
    let pw = wt_core::secret::SecretString::new(password);
    tokio::task::spawn_blocking(move || wt_core::password::hash(pw.expose()))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Verifies on the blocking pool. `phc = None` verifies against the dummy hash, so an
/// unknown account costs the same as a wrong password. Always false for `None`.
pub async fn verify(
    state: &AppState,
    password: String,
    phc: Option<String>,
) -> Result<bool, ApiError> {
    let _permit = permit(state).await?;
    let pw = wt_core::secret::SecretString::new(password);
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => wt_core::password::verify(pw.expose(), &phc),
        None => wt_core::password::verify_dummy(pw.expose()),
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The policy for a new password of a member with `role` in `org` (SECURITY.md A.2-A.4):
/// 8 characters where the role must use MFA, else 15; not common; no context words.
pub fn check_new_password(
    password: &str,
    role: wt_api::Role,
    org: &wt_store::OrgRecord,
    email: &str,
) -> Result<(), ApiError> {
    let local = email.split('@').next().unwrap_or_default();
    let mfa_enforced = org.mfa_required_roles.contains(&role);
    wt_core::password::check_policy(password, mfa_enforced, &[&org.name, &org.slug, local])
        .map_err(|e| ApiError::PasswordPolicy(e.to_string()))
}
